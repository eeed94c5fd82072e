// Duplicate suggestions at intake (issue 10, Build 5): the staff registering a case see,
// when they ask (POST /cases?duplicates=1), the open cases of the same category within
// the category's radius (E0101 暴露垃圾: 50 m) and window (24 h), nearest first, only
// those they read; GET /cases/{id}/duplicates offers the same on a case; merge joins a
// duplicate to it, which then leaves the list.
// Runs on SQLite and PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { adminSession, makeUser, login } from './auth-util.mjs';
import { assertNoSanitizerReport } from './util.mjs';
import { FIXTURE, C1, C2, G1 } from './people-util.mjs';

const HERE = { lat: 39.9018, lng: 116.4018 };
const NEAR = { lat: 39.9019, lng: 116.4019 }; // ~14 m away
const NEAR2 = { lat: 39.9020, lng: 116.4016 }; // ~28 m away
const FAR = { lat: 39.9010, lng: 116.4030 }; // ~140 m away, another grid

let srv, who = {};
before(async () => {
  srv = await startServer();
  const admin = await adminSession(srv);
  const imp = await api(srv, 'POST', '/api/v1/grids/import', FIXTURE, admin.bearer);
  assert.equal(imp.status, 201, JSON.stringify(imp.body));
  for (const [name, grants] of Object.entries({
    res: [['resident', G1]], res2: [['resident', G1]], staff: [['community_staff', C1]], staffB: [['community_staff', C2]],
  })) {
    const u = await makeUser(srv, admin, null, grants);
    who[name] = await login(srv, u.username);
  }
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

const report = async (body, as) => {
  const r = await api(srv, 'POST', '/api/v1/cases', body, as.bearer);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
};

test('staff registering a case see its likely duplicates, nearest first; merge joins one', async () => {
  const a = await report({ category: 'E0101', description: '垃圾堆在楼门口', location: NEAR2 }, who.res);
  const b = await report({ category: 'E0101', description: '楼门口垃圾没人清', location: NEAR }, who.res2);
  await report({ category: 'E0101', description: '远处的垃圾', location: FAR }, who.res);
  await report({ category: 'C0102', description: '同一处的路灯', location: HERE }, who.res);
  assert.equal(a.duplicates, undefined, 'a resident reporting is offered nothing');

  const plain = await report({ category: 'C0102', description: '12345 来电：路灯不亮', location: HERE, source: 'hotline' }, who.staff);
  assert.equal(plain.duplicates, undefined, 'suggestions only when asked (?duplicates=1)');
  const r0 = await api(srv, 'POST', '/api/v1/cases?duplicates=1', { category: 'E0101', description: '12345 来电：楼门口有垃圾', location: HERE, source: 'hotline' }, who.staff.bearer);
  assert.equal(r0.status, 201, JSON.stringify(r0.body));
  const call = r0.body;
  assert.deepEqual(call.duplicates.map((d) => d.id), [b.id, a.id], 'same category, within 50 m, nearest first');
  assert.ok(call.duplicates[0].distance_m > 5 && call.duplicates[0].distance_m < 25, JSON.stringify(call.duplicates[0]));
  assert.ok(call.duplicates[1].distance_m > call.duplicates[0].distance_m);

  let r = await api(srv, 'GET', `/api/v1/cases/${a.id}/duplicates`, undefined, who.staff.bearer);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.items.map((d) => d.id).sort(), [b.id, call.id].sort());
  r = await api(srv, 'GET', `/api/v1/cases/${a.id}/duplicates`, undefined, who.res.bearer);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.items, [], 'a reporter is shown no one else\'s case');
  r = await api(srv, 'GET', `/api/v1/cases/${a.id}/duplicates`, undefined, who.staffB.bearer);
  assert.equal(r.status, 404, 'another community');
  assert.equal((await api(srv, 'GET', '/api/v1/cases/999999/duplicates', undefined, who.staff.bearer)).status, 404);

  r = await api(srv, 'POST', `/api/v1/cases/${call.id}/actions`, { action: 'merge', target: b.id, note: '同一处垃圾' }, who.staff.bearer);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'merged');
  r = await api(srv, 'GET', `/api/v1/cases/${a.id}/duplicates`, undefined, who.staff.bearer);
  assert.deepEqual(r.body.items.map((d) => d.id), [b.id], 'a merged case is no longer offered');
});
