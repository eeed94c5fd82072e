// The equity counters (issue 15 item 6, share_counts: docs/METRICS.md "Equity", "Cost")
// stay exact as records change: after visits, service records and the case loop through
// the API (intake, accept, handle, verify, close, rate, reopen, withdraw, merge) the
// equity answer equals a recount over the raw tables, for the default period, a past
// one and one of several blocks of 16 days; and every counter row equals the raw rows of
// its day and block. Runs on SQLite and PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { sql } from './auth-util.mjs';
import { assertNoSanitizerReport } from './util.mjs';
import { G1, C1, C2G1, STREET } from './people-util.mjs';
import { sharingWorld } from './sharing-util.mjs';

let srv, w, who;
const IN_G1 = { lat: 39.9018, lng: 116.4018 };
const DAY = 86400e3, BJ = 8 * 3600e3;
const dayNo = (ms) => Math.floor((ms + BJ) / DAY);
const iso = (d) => new Date(d * DAY).toISOString().slice(0, 10);

before(async () => {
  srv = await startServer();
  w = await sharingWorld(srv, 'k');
  who = w.as;
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

const post = (path, body, s) => api(srv, 'POST', path, body, s.bearer);
async function ok(p, what, status = 200) {
  const r = await p;
  assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
  return r.body;
}
const act = (id, body, s) => ok(post(`/api/v1/cases/${id}/actions`, body, s), body.action);

// The figures of each grid of the street over [from, to] (day numbers), counted over the
// raw tables exactly as docs/METRICS.md defines them.
function recount(from, to) {
  const lo = from * DAY - BJ, hi = (to + 1) * DAY - BJ;
  const rows = sql(srv, `SELECT g.code,
    (SELECT COUNT(*) FROM visits v WHERE v.grid_code = g.code AND v.visited_on >= ${from} AND v.visited_on <= ${to}),
    (SELECT COUNT(DISTINCT resident_id) FROM visits v WHERE v.grid_code = g.code AND v.visited_on >= ${from} AND v.visited_on <= ${to}),
    (SELECT COUNT(*) FROM cases c WHERE c.grid_code = g.code AND c.reported_at >= ${lo} AND c.reported_at < ${hi}
       AND c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged')),
    (SELECT COUNT(*) FROM cases c WHERE c.grid_code = g.code AND c.reported_at >= ${lo} AND c.reported_at < ${hi}
       AND c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.closed_at IS NOT NULL),
    (SELECT COALESCE(SUM(minutes), 0) FROM mob_service_records s WHERE s.scope_code = g.code AND s.kind IN ('service', 'correction')
       AND COALESCE(s.started_at, s.recorded_at) >= ${lo} AND COALESCE(s.started_at, s.recorded_at) < ${hi})
    FROM grids g WHERE g.code >= '${STREET}' AND g.code < '${STREET}~' ORDER BY g.code`);
  const [[all]] = sql(srv, `SELECT COALESCE(SUM(minutes), 0) FROM mob_service_records s WHERE s.scope_code >= '${STREET}'
    AND s.scope_code < '${STREET}~' AND s.kind IN ('service', 'correction')
    AND COALESCE(s.started_at, s.recorded_at) >= ${lo} AND COALESCE(s.started_at, s.recorded_at) < ${hi}`);
  return { grids: rows.map((r) => [r[0], ...r.slice(1).map(Number)]), minutes: Number(all) };
}

async function same(what, from, to) {
  const r = await api(srv, 'GET', `/api/v1/sharing/equity?node=${STREET}&from=${iso(from)}&to=${iso(to)}`, undefined, who.street_supervisor.bearer);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const want = recount(from, to);
  const got = r.body.grids.map((g) => [g.code, g.visits, g.residents_visited, g.cases_received, g.cases_closed, g.service_minutes]);
  // Suppressed grids (under 5 residents) show no figures: compare the others.
  const shown = new Set(r.body.grids.filter((g) => !g.suppressed).map((g) => g.code));
  assert.deepEqual(got.filter((g) => shown.has(g[0])), want.grids.filter((g) => shown.has(g[0])), `${what}: per grid`);
  const sum = (k) => want.grids.reduce((a, g) => a + g[k], 0);
  assert.deepEqual(
    [r.body.totals.visits, r.body.totals.residents_visited, r.body.totals.cases_received, r.body.totals.cases_closed, r.body.totals.service_minutes],
    [sum(1), sum(2), sum(3), sum(4), want.minutes],
    `${what}: totals`,
  );
  return r.body;
}

// Every counter row against the raw rows of its day (span 1) and block of 16 (span 16).
function rowsExact(what) {
  const [row] = sql(srv, `WITH raw AS (
    SELECT code, day, SUM(v) AS v, SUM(l) AS l, SUM(r) AS r, SUM(c) AS c, SUM(m) AS m FROM (
      SELECT grid_code AS code, visited_on AS day, COUNT(*) AS v, 0 AS l, 0 AS r, 0 AS c, 0 AS m FROM visits GROUP BY grid_code, visited_on
      UNION ALL SELECT code, day, 0, COUNT(*), 0, 0, 0 FROM (SELECT grid_code AS code, MAX(visited_on) AS day FROM visits
        WHERE resident_id IS NOT NULL GROUP BY resident_id, grid_code) lv GROUP BY code, day
      UNION ALL SELECT grid_code, (reported_at + 28800000) / 86400000, 0, 0, COUNT(*),
        SUM(CASE WHEN accepted_at IS NOT NULL AND closed_at IS NOT NULL THEN 1 ELSE 0 END), 0
        FROM cases WHERE self_handled = 0 AND state NOT IN ('withdrawn', 'merged') GROUP BY grid_code, (reported_at + 28800000) / 86400000
      UNION ALL SELECT scope_code, (COALESCE(started_at, recorded_at) + 28800000) / 86400000, 0, 0, 0, 0, SUM(minutes)
        FROM mob_service_records WHERE kind IN ('service', 'correction') GROUP BY scope_code, (COALESCE(started_at, recorded_at) + 28800000) / 86400000
    ) x GROUP BY code, day),
  want AS (SELECT code, s.span, day - day % s.span AS day, SUM(v) AS v, SUM(l) AS l, SUM(r) AS r, SUM(c) AS c, SUM(m) AS m
    FROM raw CROSS JOIN (SELECT 1 AS span UNION ALL SELECT 16) s GROUP BY code, s.span, day - day % s.span),
  want_nz AS (SELECT * FROM want WHERE v <> 0 OR l <> 0 OR r <> 0 OR c <> 0 OR m <> 0),
  got AS (SELECT code, span, day, visits AS v, visited_last AS l, cases_received AS r, cases_closed AS c, service_minutes AS m
    FROM share_counts WHERE visits <> 0 OR visited_last <> 0 OR cases_received <> 0 OR cases_closed <> 0 OR service_minutes <> 0)
  SELECT (SELECT COUNT(*) FROM (SELECT * FROM want_nz EXCEPT SELECT * FROM got) a),
         (SELECT COUNT(*) FROM (SELECT * FROM got EXCEPT SELECT * FROM want_nz) b),
         (SELECT COUNT(*) FROM got)`);
  assert.deepEqual(row.slice(0, 2).map(Number), [0, 0], `${what}: counter rows missing, extra (of ${row[2]})`);
}

const today = () => dayNo(Date.now());

test('the counters equal a recount over the raw tables as records change', async () => {
  const t = today();
  rowsExact('the scenario (visits by the API, cases and service by SQL)');
  await same('the scenario, default period', t - 89, t);

  // Visits: a resident visited again today (still one resident), another for the first time.
  for (const [rid, d] of [[w.ids.G1[0], 0], [w.ids.G1[4], 0], [w.ids.C2G1[1], -20], [w.ids.C2G1[0], -40]]) {
    await ok(post('/api/v1/visits', { resident_id: rid, visited_on: iso(t + d), kind: 'routine', findings: '' }, w.admin), 'visit', 201);
  }
  // Service: in a grid, at the community (totals only), and a correction.
  sql(srv, `INSERT INTO mob_service_records (user_id, scope_code, kind, org_name, content, started_at, ended_at, minutes, recorded_at)
    VALUES (${w.admin.user.id}, '${C2G1}', 'service', '社区', '陪诊', ${Date.now() - 30 * DAY}, ${Date.now() - 30 * DAY + 3600e3}, 60, ${Date.now()}),
           (${w.admin.user.id}, '${C1}', 'service', '社区', '义诊', ${Date.now() - DAY}, ${Date.now() - DAY + 7200e3}, 120, ${Date.now()}),
           (${w.admin.user.id}, '${C2G1}', 'correction', '社区', '更正', NULL, NULL, -15, ${Date.now()})`);
  rowsExact('after visits and service');
  const b = await same('after visits and service', t - 89, t);
  assert.equal(b.totals.service_minutes_at_communities, 120);

  // The case loop through the API.
  const report = async (d) => (await ok(post('/api/v1/cases', { category: 'E0201', description: d, location: IN_G1 }, who.resident), 'report', 201)).id;
  const a = await report('楼道堆放杂物'), bb = await report('路灯不亮'), c = await report('占道经营'), d = await report('占道经营，同一处');
  await same('four reported', t - 89, t);
  const staff = who.community_staff;
  await act(a, { action: 'accept' }, staff);
  await act(a, { action: 'handle', note: '已清理' }, staff);
  await act(a, { action: 'verify' }, staff);
  await act(a, { action: 'close' }, staff);
  let e = await same('one closed', t - 89, t);
  const g1 = () => e.grids.find((g) => g.code === G1);
  assert.equal(g1().cases_received, 6);
  assert.equal(g1().cases_closed, 3);
  await act(a, { action: 'rate', satisfaction: 'unsatisfied', resolved: false }, who.resident);
  await act(a, { action: 'reopen', note: '又堆上了' }, who.resident);
  e = await same('reopened', t - 89, t);
  assert.equal(g1().cases_closed, 2, 'a reopened case is not closed');
  await act(bb, { action: 'withdraw' }, who.resident);
  await act(c, { action: 'merge', target: d, note: '同一处' }, staff);
  e = await same('withdrawn and merged', t - 89, t);
  assert.equal(g1().cases_received, 4, 'withdrawn and merged cases are not received');
  rowsExact('after the case loop');

  // Periods: a past one (distinct residents from the raw visits), one of many blocks.
  await same('a past period', t - 45, t - 10);
  await same('a period of a year', t - 364, t);
  await same('one day', t, t);
});

// ---- The case rates (GET /stats/cases: case_rate_counts, cases/migrations/0008) ----

const COUNT_NAMES = ['received', 'registered', 'rejected', 'withdrawn', 'merged', 'dispatched', 'due', 'closed',
  'closed_on_time', 'reworked', 'extended', 'due_response', 'responded_on_time', 'rated', 'resolved', 'satisfied',
  'basically_satisfied', 'unsatisfied', 'self_handled', 'escalated'];

// The counts of docs/METRICS.md "Case rates" over the raw cases of node reported in
// [from, to], evaluated at T = min(to, now).
function rateRecount(node, from, to, T) {
  const C = "self_handled = 0 AND state NOT IN ('withdrawn', 'merged')";
  const R = `${C} AND accepted_at IS NOT NULL`;
  const CL = `${R} AND closed_at IS NOT NULL AND closed_at <= ${T}`;
  const D = `${R} AND ((closed_at IS NOT NULL AND closed_at <= ${T}) OR (due_at IS NOT NULL AND due_at <= ${T}))`;
  const RA = `${R} AND satisfaction IS NOT NULL`;
  const conds = [C, R, `${C} AND state = 'rejected'`, "state = 'withdrawn'", "state = 'merged'",
    `${R} AND (dispatched_at IS NOT NULL OR escalated = 1)`, D, CL,
    `${CL} AND handled_at IS NOT NULL AND due_at IS NOT NULL AND handled_at <= due_at`,
    `${D} AND rework_count > 0`, `${D} AND extension_count > 0`,
    `${R} AND ((responded_at IS NOT NULL AND responded_at <= ${T}) OR (response_due_at IS NOT NULL AND response_due_at < ${T}))`,
    `${R} AND responded_at IS NOT NULL AND responded_at <= ${T} AND response_due_at IS NOT NULL AND responded_at <= response_due_at`,
    RA, `${RA} AND resolved = 1`, `${RA} AND satisfaction = 'satisfied'`, `${RA} AND satisfaction = 'basically_satisfied'`,
    `${RA} AND satisfaction = 'unsatisfied'`, 'self_handled = 1', `${R} AND escalated = 1`];
  const [row] = sql(srv, `SELECT ${conds.map((c) => `SUM(CASE WHEN ${c} THEN 1 ELSE 0 END)`).join(', ')}
    FROM cases WHERE grid_code >= '${node}' AND grid_code < '${node}~' AND reported_at >= ${from} AND reported_at <= ${to}`);
  return Object.fromEntries(COUNT_NAMES.map((n, i) => [n, Number(row[i] ?? 0)]));
}

const isoMs = (ms) => new Date(ms).toISOString();
// The first instant of the Beijing month k months before the current one.
function monthStart(k) {
  const b = new Date(Date.now() + BJ);
  return Date.UTC(b.getUTCFullYear(), b.getUTCMonth() - k, 1) - BJ;
}

async function sameRates(what, node, from, to) {
  const q = [from !== undefined && `from=${encodeURIComponent(isoMs(from))}`, to !== undefined && `to=${encodeURIComponent(isoMs(to))}`]
    .filter(Boolean).join('&');
  const r = await api(srv, 'GET', `/api/v1/stats/cases?node=${node}${q ? '&' + q : ''}`, undefined, who.street_supervisor.bearer);
  assert.equal(r.status, 200, `${what}: ${JSON.stringify(r.body)}`);
  const f = Date.parse(r.body.from), t = Date.parse(r.body.to), T = Date.parse(r.body.as_of);
  assert.deepEqual(r.body.counts, rateRecount(node, f, t, T), `${what}: counts`);
  return r.body;
}

// The dashboard's questions (the default period; each of the last months, to its last
// second) and others: days evaluated in the past, a period over several months.
async function allRates(what) {
  const now = Date.now();
  for (const node of [STREET, G1]) {
    await sameRates(`${what}, ${node}, default period`, node);
    for (const k of [0, 1, 2, 3]) await sameRates(`${what}, ${node}, month -${k}`, node, monthStart(k), monthStart(k - 1) - 1000);
    await sameRates(`${what}, ${node}, a month to its middle`, node, monthStart(1), monthStart(1) + 15 * DAY);
    await sameRates(`${what}, ${node}, 3 days to an hour ago`, node, now - 3 * DAY, now - 3600e3);
    await sameRates(`${what}, ${node}, 90 days`, node, now - 90 * DAY, now);
    await sameRates(`${what}, ${node}, a past period`, node, now - 45 * DAY, now - 10 * DAY);
    // From late in a day (the rows start the day after) and early in one.
    await sameRates(`${what}, ${node}, from 20:00`, node, monthStart(0) - 4 * 3600e3, now);
    await sameRates(`${what}, ${node}, from 04:00`, node, monthStart(0) - 20 * 3600e3, now - 3600e3);
  }
}

test('the case rates from the counters equal the aggregate over the raw cases, for any evaluation time', async () => {
  await allRates('the scenario');
  const report = async (d) => (await ok(post('/api/v1/cases', { category: 'E0201', description: d, location: IN_G1 }, who.resident), 'report', 201)).id;
  const staff = who.community_staff;
  const ids = [];
  for (const d of ['井盖松动', '垃圾满溢', '噪音扰民', '违章停车', '路面破损']) ids.push(await report(d));
  const [a, b, c, d, e] = ids;
  await act(a, { action: 'accept' }, staff);
  await act(a, { action: 'handle', note: '已修复' }, staff);
  await act(a, { action: 'verify' }, staff);
  await act(a, { action: 'close' }, staff);
  await act(a, { action: 'rate', satisfaction: 'satisfied', resolved: true }, who.resident);
  await act(b, { action: 'accept' }, staff);
  await act(c, { action: 'reject', note: '不属于受理范围' }, staff).catch(() => null);
  await act(d, { action: 'withdraw' }, who.resident);
  await allRates('after the case loop');

  // Deadlines: ahead of now (not yet due), then passed; a response deadline likewise.
  const now = Date.now();
  sql(srv, `UPDATE cases SET due_at = ${now + 3600e3}, response_due_at = ${now + 1800e3} WHERE id = ${b}`);
  await allRates('deadlines ahead');
  sql(srv, `UPDATE cases SET due_at = ${now - 60e3}, response_due_at = ${now - 120e3} WHERE id = ${b}`);
  await allRates('deadlines passed');

  // Cases of a past month: closed after the month's end, and within its last second
  // (after the evaluation time to = its end minus 1 s); a deadline inside that second.
  const m1 = monthStart(1), m0 = monthStart(0);
  sql(srv, `UPDATE cases SET reported_at = ${m1 + 2 * DAY}, accepted_at = ${m1 + 2 * DAY + 60e3},
    closed_at = ${m0 + DAY}, handled_at = ${m0 + 3600e3}, due_at = ${m0 + 2 * DAY}, responded_at = ${m1 + 3 * DAY},
    response_due_at = ${m1 + 4 * DAY} WHERE id = ${a}`);
  sql(srv, `UPDATE cases SET reported_at = ${m1 + 5 * DAY}, accepted_at = ${m1 + 5 * DAY}, due_at = ${m0 - 500},
    response_due_at = ${m0 - 1000} WHERE id = ${b}`);
  sql(srv, `UPDATE cases SET reported_at = ${m0 - 400}, self_handled = 0 WHERE id = ${e}`);
  await allRates('cases moved into the last month');
  // Reopened: the rating and closing are gone again.
  sql(srv, `UPDATE cases SET state = 'handling', closed_at = NULL, satisfaction = NULL, resolved = NULL, rework_count = 1 WHERE id = ${a}`);
  await allRates('reopened by SQL');
  // A case written and deleted by SQL (no code deletes one; the counters follow anyway).
  sql(srv, `INSERT INTO cases (grid_code, category_id, request_type, source, state, description, reported_at,
    accepted_at, closed_at, due_at, created_at, updated_at) SELECT grid_code, category_id, request_type, source,
    'closed', '计数删除测试', ${now - DAY}, ${now - DAY}, ${now - 3600e3}, ${now + DAY}, ${now}, ${now} FROM cases WHERE id = ${a}`);
  await allRates('a case inserted closed');
  sql(srv, `DELETE FROM cases WHERE description = '计数删除测试'`);
  await allRates('and deleted');
  // Every counter row equals the raw rows: the whole-history figures per grid.
  const got = sql(srv, `SELECT code, ${COUNT_NAMES.map((n) => `SUM(${n})`).join(', ')} FROM case_rate_counts WHERE span = 1 GROUP BY code ORDER BY code`)
    .map((r) => [r[0], ...r.slice(1).map(Number)]).filter((r) => r.slice(1).some((x) => x !== 0));
  const want = [];
  for (const [code] of sql(srv, `SELECT DISTINCT grid_code FROM cases ORDER BY grid_code`)) {
    const k = rateRecount(code, 0, 8e15, 8e15);
    const row = [code, ...COUNT_NAMES.map((n) => k[n])];
    if (row.slice(1).some((x) => x !== 0)) want.push(row);
  }
  assert.deepEqual(got, want, 'counter rows (span 1, T = infinity) per grid');
});
