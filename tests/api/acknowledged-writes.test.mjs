// An acknowledged write is never answered as failed and never run twice (issue 8): the
// answer of a write is built inside its transaction and stored as its Idempotency-Key's
// answer in that same transaction. Faults after the COMMIT are injected with
// GONGZHI_TEST_FAULT, which only a test build (GZ_TEST_HOOKS, the ASan build) honours:
//   reread_after_commit  every database step after a write's COMMIT fails;
//   crash_after_commit   the process dies right after a write's COMMIT, before answering.
// Runs on SQLite, PostgreSQL and two processes sharing PostgreSQL.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, spawnServer, freshDatabase, api } from '../lib/server.mjs';
import { adminSession, sql } from './auth-util.mjs';
import { assertNoSanitizerReport } from './util.mjs';
import { FIXTURE, G1, idNumber } from './people-util.mjs';

const withKey = (s, key) => ({ ...s.bearer, 'Idempotency-Key': key });
const count = (srv, query) => Number(sql(srv, query)[0][0]);

describe('the database fails after the COMMIT of a write', () => {
  let srv, admin, building;
  before(async () => {
    srv = await startServer({ env: { GONGZHI_TEST_FAULT: 'reread_after_commit' } });
    admin = await adminSession(srv);
    // Every write of the set-up commits under the fault too, and is answered 2xx.
    let r = await api(srv, 'POST', '/api/v1/grids/import', FIXTURE, admin.bearer);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    r = await api(srv, 'POST', '/api/v1/buildings',
      { name: '故障楼', address: '多福巷9号', lat: 39.9002, lng: 116.4002 }, admin.bearer);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    building = r.body;
  });
  after(async () => {
    if (!srv) return;
    const log = srv.log();
    await srv.stop();
    assertNoSanitizerReport(log);
  });

  test('a committed resident create is answered 201 and its retry replays it without a second record', async () => {
    const body = { name: '故障测试', grid_code: G1, id_number: idNumber('19600101', 901), phone: '13600009001' };
    const first = await api(srv, 'POST', '/api/v1/residents', body, withKey(admin, 'fault-res-1'));
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.name, '故障测试');
    const again = await api(srv, 'POST', '/api/v1/residents', body, withKey(admin, 'fault-res-1'));
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(again.body, first.body);
    assert.equal(count(srv, "SELECT COUNT(*) FROM residents WHERE name = '故障测试'"), 1);
    assert.equal(count(srv, `SELECT COUNT(*) FROM audit_log WHERE action = 'resident.create' AND record_id = '${first.body.id}'`), 1);
  });

  test('every kind of create is answered 2xx and replayed once committed', async () => {
    const creates = [
      ['/api/v1/streets', { code: '110105009', name: '故障街道' }, "SELECT COUNT(*) FROM streets WHERE code = '110105009'"],
      ['/api/v1/communities', { code: '110105009001', name: '故障社区' }, "SELECT COUNT(*) FROM communities WHERE code = '110105009001'"],
      ['/api/v1/households', { grid_code: G1, address: '故障户' }, "SELECT COUNT(*) FROM households WHERE address = '故障户'"],
      ['/api/v1/units', { building_id: building.id, number: 'F-101', area_m2: '88.50', sold: false }, "SELECT COUNT(*) FROM units WHERE number = 'F-101'"],
      ['/api/v1/organisations', { type: 'social_org', name: '故障协会', space_code: G1 }, "SELECT COUNT(*) FROM organisations WHERE name = '故障协会'"],
      ['/api/v1/users', { username: 'fault-user', display_name: '故障', password: 'fault user password 1', grants: [{ role: 'grid_worker', scope: G1 }] }, "SELECT COUNT(*) FROM users WHERE username = 'fault-user'"],
      ['/api/v1/resident-tags', { code: 'fault_tag', label: '故障标签' }, "SELECT COUNT(*) FROM resident_tag_defs WHERE code = 'fault_tag'"],
    ];
    for (const [path, body, check] of creates) {
      const key = `fault-${path.split('/').pop()}`;
      const first = await api(srv, 'POST', path, body, withKey(admin, key));
      assert.equal(first.status, 201, `${path}: ${JSON.stringify(first.body)}`);
      const again = await api(srv, 'POST', path, body, withKey(admin, key));
      assert.equal(again.status, 201, `${path} retry: ${JSON.stringify(again.body)}`);
      assert.equal(again.headers.get('idempotent-replayed'), 'true', path);
      assert.deepEqual(again.body, first.body, path);
      assert.equal(count(srv, check), 1, path);
    }
  });

  test('an update is answered with the committed record', async () => {
    const c = await api(srv, 'POST', '/api/v1/residents', { name: '改前', grid_code: G1 }, admin.bearer);
    assert.equal(c.status, 201, JSON.stringify(c.body));
    const p = await api(srv, 'PATCH', `/api/v1/residents/${c.body.id}`, { name: '改后' }, admin.bearer);
    assert.equal(p.status, 200, JSON.stringify(p.body));
    assert.equal(p.body.name, '改后');
    assert.equal(count(srv, `SELECT COUNT(*) FROM residents WHERE id = ${Number(c.body.id)} AND name = '改后'`), 1);
  });
});

test('a write whose process dies right after COMMIT is replayed to the retry, not run again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gz-test-'));
  const db = freshDatabase(dir);
  const logs = [];
  const client = (p) => ({ db, fetch: (path, init) => fetch(p.url + path, init) });
  try {
    // Set up with a healthy server: the administrator's session lives in the database.
    let p = await spawnServer({ db, dir });
    const admin = await adminSession(client(p));
    logs.push(p.log());
    await p.stop();

    p = await spawnServer({ db, dir, env: { GONGZHI_TEST_FAULT: 'crash_after_commit' } });
    const body = { code: '110105008', name: '崩溃街道' };
    const lost = await api(client(p), 'POST', '/api/v1/streets', body, withKey(admin, 'crash-1'))
      .then((r) => r.status, (e) => e);
    assert.ok(lost instanceof Error, `the first answer should be lost, got ${lost}`);
    await p.stop('SIGKILL'); // already gone; waits for its exit
    logs.push(p.log());
    assert.equal(count({ db }, "SELECT COUNT(*) FROM streets WHERE code = '110105008'"), 1,
      'the write committed');

    p = await spawnServer({ db, dir });
    const again = await api(client(p), 'POST', '/api/v1/streets', body, withKey(admin, 'crash-1'));
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.body.code, '110105008');
    assert.equal(count({ db }, "SELECT COUNT(*) FROM streets WHERE code = '110105008'"), 1);
    assert.equal(count({ db }, "SELECT COUNT(*) FROM audit_log WHERE action = 'street.create' AND record_id = '110105008'"), 1);
    logs.push(p.log());
    await p.stop();
    for (const l of logs) assertNoSanitizerReport(l);
  } finally {
    if (!process.env.GZ_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  }
});
