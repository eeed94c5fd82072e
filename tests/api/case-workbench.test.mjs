// The workbench's case to-dos (issue 10 with the workbench of daily work): the reports
// waiting to be accepted and the open cases past a deadline, counted where the caller
// accepts and dispatches (community staff and secretary, the street), and the cases
// dispatched to the caller in person that wait for them; nothing of another community;
// each links to the case list already filtered. SQLite, PostgreSQL, two processes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, api, ROOT } from '../lib/server.mjs';
import { assertNoSanitizerReport } from './util.mjs';
import { opsSession, makeUser, login, sql } from './auth-util.mjs';

const STREET = '110101001';
const C1 = '110101001001';
const C2 = '110101001002';
const G1 = C1 + '001';
const IN_G1 = { lat: 39.9018, lng: 116.4018 };
const IN_C2 = { lat: 39.901, lng: 116.411 };
const FIXTURE = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/grids_ok.geojson'), 'utf8'));

let srv, admin;
const who = {};

before(async () => {
  srv = await startServer();
  admin = await opsSession(srv);
  const imp = await api(srv, 'POST', '/api/v1/grids/import', FIXTURE, admin.bearer);
  assert.equal(imp.status, 201, JSON.stringify(imp.body));
  const users = {
    staff: [['community_staff', C1]],
    staffB: [['community_staff', C2]],
    street: [['street_supervisor', STREET]],
    worker: [['grid_worker', G1]],
    res: [['resident', G1]],
  };
  for (const [name, grants] of Object.entries(users)) {
    await makeUser(srv, admin, `cwb-${name}`, grants, `${name}-password-1`);
    who[name] = await login(srv, `cwb-${name}`, `${name}-password-1`);
  }
});

after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

const post = (path, body, s) => api(srv, 'POST', path, body, s.bearer);
const get = (path, s) => api(srv, 'GET', path, undefined, s.bearer);
const report = async (location = IN_G1) => {
  const r = await post('/api/v1/cases', { category: 'E0201', description: '占道经营', location }, who.res);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
};
const act = async (id, body, s) => {
  const r = await post(`/api/v1/cases/${id}/actions`, body, s);
  assert.equal(r.status, 200, `${body.action}: ${JSON.stringify(r.body)}`);
};
async function todos(s) {
  const r = await get('/api/v1/workbench', s);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return Object.fromEntries(r.body.todos.filter((t) => t.kind.startsWith('cases.')).map((t) => [t.kind, t]));
}

test('to accept, overdue and dispatched to me: counted in the caller\'s places only, linked to the filtered list', async () => {
  const ids = [await report(), await report(), await report()];
  await report(IN_C2); // another community's
  let t = await todos(who.staff);
  assert.equal(t['cases.accept'].count, 3);
  assert.equal(t['cases.accept'].link, '/cases?state=reported');
  assert.equal(t['cases.overdue'].count, 0);
  assert.equal((await todos(who.staffB))['cases.accept'].count, 1, 'C2 sees its own one');
  assert.equal((await todos(who.street))['cases.accept'].count, 4, 'the street sees both communities');
  // A grid worker neither accepts nor dispatches; a resident has no case to-do at all.
  const wt = await todos(who.worker);
  assert.equal(wt['cases.accept'], undefined);
  assert.equal(wt['cases.assigned'].count, 0);
  assert.deepEqual(await todos(who.res), {});

  // Accepted and dispatched to the grid worker in person: no longer to accept, now theirs.
  await act(ids[0], { action: 'accept' }, who.staff);
  await act(ids[0], { action: 'dispatch', user: who.worker.user.id }, who.staff);
  t = await todos(who.staff);
  assert.equal(t['cases.accept'].count, 2);
  assert.equal((await todos(who.worker))['cases.assigned'].count, 1);
  assert.equal((await todos(who.worker))['cases.assigned'].link, '/cases?assignee=me');
  await act(ids[0], { action: 'sign' }, who.worker);
  assert.equal((await todos(who.worker))['cases.assigned'].count, 1, 'signed: still to handle');

  // A step past its deadline is overdue, whether or not the job has marked it yet.
  sql(srv, `UPDATE cases SET step_due_at = ${Date.now() - 60000} WHERE id = ${ids[1]}`);
  t = await todos(who.staff);
  assert.equal(t['cases.overdue'].count, 1);
  assert.equal(t['cases.overdue'].link, '/cases?overdue=1');
  const list = await get('/api/v1/cases?overdue=1', who.staff);
  assert.deepEqual(list.body.items.map((c) => c.id), [ids[1]], 'the list behind the link holds the same case');
  assert.equal((await todos(who.staffB))['cases.overdue'].count, 0);
});
