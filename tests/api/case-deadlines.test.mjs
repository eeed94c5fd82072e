// The deadline job of cases (issue 10, item 3): the sweep marks a case whose current step
// is past its deadline (overdue, one timeline event, whatever the number of sweeps),
// escalates to the street (吹哨) the cases whose category says so once the step is overdue
// long enough — through the same table, as the system — keeps one sweep queued or running,
// and carries on after a restart. With GZ_TEST_SERVERS=2 two processes share one
// PostgreSQL and every mark still happens once. Sweeps every second here
// (GONGZHI_CASE_SWEEP_S=1).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, spawnServer, api, ROOT } from '../lib/server.mjs';
import { assertNoSanitizerReport } from './util.mjs';
import { opsSession, makeUser, login, sql } from './auth-util.mjs';

const C1 = '110101001001';
const G1 = C1 + '001';
const STREET = '110101001';
const FIXTURE = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/grids_ok.geojson'), 'utf8'));
const ENV = { GONGZHI_CASE_SWEEP_S: '1' };

let srv, admin, staff, street, worker;
const logs = [];

before(async () => {
  srv = await startServer({ env: ENV });
  admin = await opsSession(srv);
  assert.equal((await api(srv, 'POST', '/api/v1/grids/import', FIXTURE, admin.bearer)).status, 201);
  await makeUser(srv, admin, 'dl-staff', [['community_staff', C1]], 'dl-staff-password');
  await makeUser(srv, admin, 'dl-street', [['street_supervisor', STREET]], 'dl-street-password');
  staff = await login(srv, 'dl-staff', 'dl-staff-password');
  street = await login(srv, 'dl-street', 'dl-street-password');
  await makeUser(srv, admin, 'dl-worker', [['grid_worker', G1]], 'dl-worker-password');
  worker = await login(srv, 'dl-worker', 'dl-worker-password');
});
const inbox = async (s, id, kind) => (await api(srv, 'GET', '/api/v1/notifications?limit=200', undefined, s.bearer)).body.items
  .filter((n) => n.object_id === id && n.kind === kind);

after(async () => {
  if (!srv) return;
  logs.push(srv.log());
  await srv.stop();
  for (const l of logs) assertNoSanitizerReport(l);
});

const act = (id, body, s = staff) => api(srv, 'POST', `/api/v1/cases/${id}/actions`, body, s.bearer);
async function report(category) {
  const r = await api(srv, 'POST', '/api/v1/cases', { category, description: '测试', grid_code: G1, source: 'hotline' }, staff.bearer);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}
const events = (id, action) => Number(sql(srv, `SELECT COUNT(*) FROM case_events WHERE case_id = ${id} AND action = '${action}'`)[0][0]);

async function until(what, fn, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('an overdue step is marked once, an overdue urgent case escalated to the street once', async () => {
  const late = await report('E0201'); // reported; its acceptance step made overdue below
  const urgent = await report('C0101'); // 井盖: 吹哨 2 h after the step's deadline
  for (const a of [{ action: 'accept' }, { action: 'dispatch' }]) assert.equal((await act(urgent, a)).status, 200);
  const fresh = await report('E0201'); // not due: never touched
  sql(srv, `UPDATE cases SET step_due_at = ${Date.now() - 60000} WHERE id = ${late}`);
  sql(srv, `UPDATE cases SET step_due_at = ${Date.now() - 3 * 3600e3} WHERE id = ${urgent}`);

  await until('the overdue mark', async () => (await api(srv, 'GET', `/api/v1/cases/${late}`, undefined, staff.bearer)).body.overdue === true &&
    events(late, 'overdue') === 1);
  await until('the escalation', async () => (await api(srv, 'GET', `/api/v1/cases/${urgent}`, undefined, staff.bearer)).body.state === 'escalated');
  const u = (await api(srv, 'GET', `/api/v1/cases/${urgent}`, undefined, staff.bearer)).body;
  assert.equal(u.escalated, true);
  assert.equal(u.escalation.street, true);
  const t = (await api(srv, 'GET', `/api/v1/cases/${urgent}/timeline`, undefined, staff.bearer)).body.items;
  const esc = t.find((e) => e.action === 'escalate');
  assert.equal(esc.actor.role, 'system');
  assert.equal(esc.actor.name, 'system');
  assert.match(esc.note, /自动吹哨/);
  const ov = t.find((e) => e.action === 'overdue');
  assert.equal(ov.detail.step, 'sign');
  assert.equal(sql(srv, `SELECT username FROM audit_log WHERE action = 'case.escalate' AND record_id = '${urgent}'`)[0][0], 'system');

  // Several sweeps later: still one mark each, nothing for the fresh case.
  const runs = () => Number(sql(srv, "SELECT COUNT(*) FROM jobs WHERE kind = 'case.deadlines' AND state = 'done'")[0][0]);
  const r0 = runs();
  await until('three more sweeps', async () => runs() >= r0 + 3);
  assert.equal(events(late, 'overdue'), 1);
  assert.equal(events(urgent, 'overdue'), 1);
  assert.equal(events(urgent, 'escalate'), 1);
  assert.equal(events(fresh, 'overdue'), 0);
  // The job reminds whoever must act, once: the grid's worker registers the late case
  // (属地); the street hears of the automatic 吹哨.
  const reminders = await inbox(worker, late, 'case.overdue');
  assert.equal(reminders.length, 1, JSON.stringify(reminders));
  assert.match(reminders[0].title, /^诉求已超期，请尽快处理：「/);
  assert.equal((await inbox(worker, fresh, 'case.overdue')).length, 0);
  const whistle = await inbox(street, urgent, 'case.escalate');
  assert.equal(whistle.length, 1, JSON.stringify(whistle));
  assert.match(whistle[0].title, /吹哨报到/);
  // One sweep queued or running at any time.
  const live = Number(sql(srv, "SELECT COUNT(*) FROM jobs WHERE kind = 'case.deadlines' AND state IN ('queued', 'running')")[0][0]);
  assert.equal(live, 1);
  assert.equal(Number(sql(srv, "SELECT COUNT(*) FROM jobs WHERE kind = 'case.deadlines' AND state = 'failed'")[0][0]), 0);

  // The street reports in (the escalatee of a street escalation); the new step is not overdue.
  const r = await act(urgent, { action: 'report_in' }, street);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'signed');
  assert.equal(r.body.overdue, false);
  // Accepting the late case starts a new step: the mark is gone, the history stays.
  const a = await act(late, { action: 'accept' });
  assert.equal(a.body.overdue, false);
  assert.equal(Number(sql(srv, `SELECT ever_overdue FROM cases WHERE id = ${late}`)[0][0]), 1);
});

test('the sweep carries on after the processes restart', async () => {
  const id = await report('E0201');
  for (const p of srv.servers) {
    logs.push(p.log());
    await p.stop();
  }
  sql(srv, `UPDATE cases SET step_due_at = ${Date.now() - 1000} WHERE id = ${id}`);
  const n = srv.servers.length;
  srv.servers.length = 0;
  for (let i = 0; i < n; i++) srv.servers.push(await spawnServer({ db: srv.db, dir: srv.dir, env: ENV }));
  const procs = srv.servers;
  let rr = 0;
  srv.fetch = (path, init) => fetch(procs[rr++ % procs.length].url + path, init);
  srv.log = () => procs.map((p) => p.log()).join('\n');
  staff = await login(srv, 'dl-staff', 'dl-staff-password');
  await until('the mark after restart', async () => events(id, 'overdue') === 1);
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(events(id, 'overdue'), 1);
});
