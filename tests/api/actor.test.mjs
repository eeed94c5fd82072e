// The actor of a write (issue 8): the command line and the API call the same write
// functions; the command line acts as the operator (audited as user "cli", no user id,
// request id "cli-PID", no address), a request as its user (their id, name, the request's
// X-Request-Id and address), and a user without the right is refused by the very same
// function — nothing written, nothing audited. Runs on SQLite, PostgreSQL and two
// processes sharing PostgreSQL.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, api, binary, ROOT } from '../lib/server.mjs';
import { assertNoSanitizerReport } from './util.mjs';
import { sql } from './auth-util.mjs';
import { STREET, G1, idNumber, csv, peopleWorld, peopleCounts, postFile } from './people-util.mjs';

let srv, w;
before(async () => {
  srv = await startServer();
  w = await peopleWorld(srv, { tag: 'actor' });
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

// Runs the command line; returns { code, pid, stdout, stderr }.
function gongzhi(args) {
  const env = { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0' };
  if (!srv.db.startsWith('sqlite:')) env.GONGZHI_KEY_FILE = join(srv.dir, 'gongzhi.key');
  const r = spawnSync(binary(), ['--db', srv.db, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60000, env });
  if (r.error) throw r.error;
  return { code: r.status, pid: r.pid, stdout: r.stdout, stderr: r.stderr };
}

const auditRows = (where) => sql(srv,
  `SELECT CASE WHEN user_id IS NULL THEN 'none' ELSE CAST(user_id AS TEXT) END, username, request_id, ip, scope FROM audit_log WHERE ${where} ORDER BY id`);

describe('one write function, two actors', () => {
  test('creating a community: the command line as the operator, a request as its user, a user without the right refused', async () => {
    // The command line: the operator, audited as "cli" with its own process id.
    const cli = gongzhi(['import', 'community', STREET + '007', '命令行社区']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(auditRows(`action = 'community.create' AND record_id = '${STREET}007'`),
      [['none', 'cli', `cli-${cli.pid}`, '', STREET + '007']]);

    // The same function through the API, by users who may not administer the street:
    // refused (403, or 404 when the street is out of their scopes), nothing written.
    const code = STREET + '008';
    for (const who of [w.as.community_admin, w.ca2, w.as.grid_worker]) {
      const r = await api(srv, 'POST', '/api/v1/communities', { code, name: '不该有的社区' }, who.bearer);
      assert.ok(r.status === 403 || r.status === 404, `${r.status} ${JSON.stringify(r.body)}`);
      assert.deepEqual(auditRows(`request_id = '${r.headers.get('x-request-id')}'`), []);
    }
    assert.deepEqual(sql(srv, `SELECT COUNT(*) FROM communities WHERE code = '${code}'`).map((x) => Number(x[0])), [0]);

    // And by a user who may: audited as that user, with the request's id and address.
    const ok = await api(srv, 'POST', '/api/v1/communities', { code, name: '接口社区' }, w.admin.bearer);
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const rows = auditRows(`action = 'community.create' AND record_id = '${code}'`);
    assert.equal(rows.length, 1);
    const [uid, username, rid, ip] = rows[0];
    assert.equal(String(uid), w.admin.user.id);
    assert.equal(username, w.admin.user.username);
    assert.equal(rid, ok.headers.get('x-request-id'));
    assert.equal(ip, '127.0.0.1');
  });

  test('importing residents: the command line as the operator; a role that may not write residents is refused by the same import', async () => {
    const rows = (from) => [['姓名', '身份证号', '网格编码'],
      [`演员${from}`, idNumber('19650101', from), G1], [`演员${from + 1}`, idNumber('19650101', from + 1), G1]];
    const file = join(srv.dir, 'actor.csv');
    writeFileSync(file, csv(rows(700)));
    const cli = gongzhi(['import', 'residents', file]);
    assert.equal(cli.code, 0, cli.stdout + cli.stderr);
    const mine = auditRows(`action = 'resident.import' AND request_id = 'cli-${cli.pid}'`);
    assert.deepEqual(mine, [['none', 'cli', `cli-${cli.pid}`, '', G1]]);
    // The command line compares against its own register: no lookup audit, no charge.
    assert.deepEqual(auditRows(`action LIKE 'resident.import.%' AND request_id = 'cli-${cli.pid}'`), []);

    const before = peopleCounts(srv);
    for (const who of [w.as.resident, w.as.property, w.as.volunteer]) {
      const r = await postFile(srv, '/api/v1/residents/import', csv(rows(710)), who);
      assert.equal(r.status, 403, JSON.stringify(r.body));
      assert.deepEqual(auditRows(`request_id = '${r.headers.get('x-request-id')}'`), []);
    }
    assert.deepEqual(peopleCounts(srv), before);

    const ok = await postFile(srv, '/api/v1/residents/import', csv(rows(710)), w.as.community_staff);
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const [[uid, username, rid, ip]] = auditRows(`action = 'resident.import' AND request_id = '${ok.headers.get('x-request-id')}'`);
    assert.equal(String(uid), w.as.community_staff.user.id);
    assert.equal(username, w.as.community_staff.user.username);
    assert.equal(rid, ok.headers.get('x-request-id'));
    assert.equal(ip, '127.0.0.1');
  });
});
