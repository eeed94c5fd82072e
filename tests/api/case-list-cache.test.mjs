// The answer cache of one grid's case list (src/modules/cases/list_cache.c): a page read
// twice is the same; any write to a case of the grid — through this process or another
// one sharing PostgreSQL — shows in the very next read; each caller and each set of
// grants has its own answers (a revoked grant is never answered from the cache).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, api, ROOT } from '../lib/server.mjs';
import { assertNoSanitizerReport } from './util.mjs';
import { opsSession, makeUser, login } from './auth-util.mjs';

const C1 = '110101001001';
const G1 = C1 + '001';
const FIXTURE = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/grids_ok.geojson'), 'utf8'));

let srv, admin, staff, worker, workerId;

before(async () => {
  srv = await startServer();
  admin = await opsSession(srv);
  assert.equal((await api(srv, 'POST', '/api/v1/grids/import', FIXTURE, admin.bearer)).status, 201);
  await makeUser(srv, admin, 'lc-staff', [['community_staff', C1]], 'lc-staff-password');
  const w = await makeUser(srv, admin, 'lc-worker', [['grid_worker', G1]], 'lc-worker-password');
  workerId = w.id;
  staff = await login(srv, 'lc-staff', 'lc-staff-password');
  worker = await login(srv, 'lc-worker', 'lc-worker-password');
});

after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

// Every process is asked in turn (srv.fetch alternates between them).
const list = async (s, q = '') => {
  const r = await api(srv, 'GET', `/api/v1/cases?grid=${G1}&limit=20${q}`, undefined, s.bearer);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};
const report = async (description) => {
  const r = await api(srv, 'POST', '/api/v1/cases', { category: 'E0101', description, grid_code: G1, source: 'hotline' }, staff.bearer);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
};

test('a write to a case of the grid shows in the next read, in every process', async () => {
  const a = await report('楼道灯坏了');
  const first = await list(staff);
  assert.deepEqual(first.items.map((c) => c.id), [a]);
  assert.deepEqual(await list(staff), first, 'the same page read again');
  for (let i = 0; i < 4; i++) {
    const b = await report(`第${i}件`);
    const seen = await list(staff);
    assert.equal(seen.items[0].id, b, `new case ${i} at once`);
    const acc = await api(srv, 'POST', `/api/v1/cases/${b}/actions`, { action: 'accept' }, staff.bearer);
    assert.equal(acc.status, 200, JSON.stringify(acc.body));
    const after = await list(staff);
    assert.equal(after.items[0].state, 'accepted', `accepted ${i} at once`);
    const filtered = await list(staff, '&state=accepted');
    assert.ok(filtered.items.some((c) => c.id === b));
  }
});

test('each caller has their own answers; a revoked grant is not answered from the cache', async () => {
  const mine = await list(worker);
  assert.ok(mine.items.length > 0);
  // The grid worker's grant goes (a resident's stays, so the account lives on): the same
  // query is refused at once, not answered from the cache.
  let g = await api(srv, 'POST', `/api/v1/users/${workerId}/grants`, { role: 'resident', scope: G1 }, admin.bearer);
  assert.equal(g.status, 201, JSON.stringify(g.body));
  g = await api(srv, 'DELETE', `/api/v1/users/${workerId}/grants`, { role: 'grid_worker', scope: G1 }, admin.bearer);
  assert.equal(g.status, 200, JSON.stringify(g.body));
  const again = await login(srv, 'lc-worker', 'lc-worker-password');
  for (const s of [worker, again]) {
    const r = await api(srv, 'GET', `/api/v1/cases?grid=${G1}&limit=20`, undefined, s.bearer);
    assert.equal(r.status, 403, JSON.stringify(r.body));
  }
});
