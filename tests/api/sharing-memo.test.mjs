// The memo of GET /sharing/equity (issue 15 item 6; src/modules/sharing/memo.c,
// migrations/0003_versions.sql; docs/METRICS.md "Cost of the case times"): each grid's
// satisfaction, durations and vulnerable-group figures are kept in memory at the grid's
// version and recomputed only when the version moved. After every kind of write that
// changes them — a case intake and its loop (accept, respond, close), a rating, a reopening,
// a withdrawal; a visit to a resident and to a household; a tag added and removed; a
// resident moved to another grid, moved out; a need done and undone; a case moved to another
// grid — with the memo warm before it, the answer's medians, satisfaction and group
// figures equal a recount over the raw tables, for the street, a community and a grid.
// Last, with one trigger dropped, a write is missed by the memo: the check is not vacuous.
// Runs on SQLite and PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { sql } from './auth-util.mjs';
import { assertNoSanitizerReport } from './util.mjs';
import { G1, G2, C1, C2G1, STREET, idNumber } from './people-util.mjs';
import { sharingWorld } from './sharing-util.mjs';

let srv, w, who;
const IN_G1 = { lat: 39.9018, lng: 116.4018 };
const DAY = 86400e3, BJ = 8 * 3600e3;
const dayNo = (ms) => Math.floor((ms + BJ) / DAY);
const iso = (d) => new Date(d * DAY).toISOString().slice(0, 10);
const PG = process.env.GZ_TEST_DB && process.env.GZ_TEST_DB !== 'sqlite';

before(async () => {
  srv = await startServer();
  w = await sharingWorld(srv, 'm');
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

// docs/METRICS.md "median": negatives as 0; n odd the middle, n even the mean of the two
// middle ones, whole seconds half up; null under 5.
function median(xs) {
  const v = xs.map((x) => Math.max(0, x)).sort((a, b) => a - b), n = v.length;
  if (n < 5) return null;
  return n % 2 ? Math.floor((v[(n - 1) / 2] + 500) / 1000) : Math.floor((v[n / 2 - 1] + v[n / 2] + 1000) / 2000);
}

// The case times and the ordinary groups' figures of node over [from, to], recounted.
function recount(node, from, to) {
  const lo = from * DAY - BJ, hi = (to + 1) * DAY - BJ;
  const rows = sql(srv, `SELECT c.grid_code, c.satisfaction, c.responded_at - c.accepted_at, c.closed_at - c.reported_at
    FROM cases c JOIN grids g ON g.code = c.grid_code WHERE c.grid_code >= '${node}' AND c.grid_code < '${node}~'
    AND c.reported_at >= ${lo} AND c.reported_at < ${hi} AND c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged')
    AND c.accepted_at IS NOT NULL`);
  const times = (rs) => {
    const sat = rs.filter((r) => r[1] === 'satisfied' || r[1] === 'basically_satisfied').length;
    const rated = rs.filter((r) => r[1] !== null && r[1] !== '').length;
    const resp = rs.filter((r) => r[2] !== null && r[2] !== '').map((r) => Number(r[2]));
    const hand = rs.filter((r) => r[3] !== null && r[3] !== '').map((r) => Number(r[3]));
    // Under 5 ratings the satisfied count is suppressed with the percent.
    return { rated, sat: rated < 5 ? null : sat, nr: resp.length, resp: median(resp), nh: hand.length, hand: median(hand) };
  };
  const grids = {};
  for (const [code] of sql(srv, `SELECT code FROM grids WHERE code >= '${node}' AND code < '${node}~'`)) {
    grids[code] = times(rows.filter((r) => r[0] === code));
  }
  const groups = {};
  for (const tag of ['living_alone', 'empty_nester', 'elderly_80']) {
    const [m] = sql(srv, `SELECT COUNT(*),
      SUM(CASE WHEN EXISTS (SELECT 1 FROM visits v WHERE (v.resident_id = r.id OR v.household_id = r.household_id)
        AND v.visited_on BETWEEN ${from} AND ${to}) THEN 1 ELSE 0 END),
      SUM((SELECT COUNT(*) FROM visits v WHERE v.resident_id = r.id AND v.visited_on BETWEEN ${from} AND ${to})
        + (SELECT COUNT(*) FROM visits v WHERE v.household_id = r.household_id AND v.visited_on BETWEEN ${from} AND ${to})),
      SUM((SELECT COUNT(*) FROM match_needs n WHERE n.resident_id = r.id AND n.done_at >= ${lo} AND n.done_at < ${hi})),
      SUM((SELECT COALESCE(SUM(n.minutes), 0) FROM match_needs n WHERE n.resident_id = r.id AND n.done_at >= ${lo} AND n.done_at < ${hi}))
      FROM resident_tags t JOIN residents r ON r.id = t.resident_id WHERE t.tag_key = '${tag}'
      AND t.grid_code >= '${node}' AND t.grid_code < '${node}~' AND r.deleted_at IS NULL AND r.status = 'active'`);
    groups[tag] = m.map((x) => Number(x ?? 0));
  }
  return { all: times(rows), grids, groups };
}

const pick = (x) => ({
  rated: x.cases_rated, sat: x.cases_satisfied, nr: x.cases_responded, resp: x.response_median_s,
  nh: x.cases_handled, hand: x.handling_median_s,
});

async function same(what, node = STREET, from = dayNo(Date.now()) - 89, to = dayNo(Date.now())) {
  const r = await api(srv, 'GET', `/api/v1/sharing/equity?node=${node}&from=${iso(from)}&to=${iso(to)}`, undefined,
    who.street_supervisor.bearer);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const want = recount(node, from, to);
  assert.deepEqual(pick(r.body.totals), want.all, `${what} (${node}): the node's satisfaction and medians`);
  for (const g of r.body.grids.filter((x) => !x.suppressed)) {
    assert.deepEqual(pick(g), want.grids[g.code], `${what} (${node}): grid ${g.code}`);
  }
  for (const [tag, [members, reached, visits, needs, minutes]] of Object.entries(want.groups)) {
    const g = r.body.groups.find((x) => x.tag === tag);
    if (members < 5) {
      assert.equal(g.suppressed, true, `${what} (${node}): ${tag} suppressed`);
      continue;
    }
    assert.deepEqual([g.members, g.reached, g.visits, g.needs_met, g.service_minutes], [members, reached, visits, needs, minutes],
      `${what} (${node}): group ${tag}`);
  }
  return r.body;
}
// Every node asked (each warms the memo for the next write).
async function allSame(what) {
  for (const node of [STREET, C1, G1]) await same(what, node);
  await same(`${what}, a past period`, STREET, dayNo(Date.now()) - 45, dayNo(Date.now()) - 1);
}

test('the memoised answer equals a recount after every kind of write, with the memo warm', async () => {
  const t = dayNo(Date.now());
  await allSame('the scenario');
  await allSame('the scenario, again (from the memo)');

  // The case loop through the API: intake, accept, handle, verify, close, rate, reopen.
  const report = async (d) => (await ok(post('/api/v1/cases', { category: 'E0201', description: d, location: IN_G1 }, who.resident), 'report', 201)).id;
  const staff = who.community_staff;
  const ids = [];
  for (const d of ['井盖松动', '垃圾满溢', '噪音扰民', '违章停车', '路面破损', '路灯不亮']) ids.push(await report(d));
  await allSame('six reported');
  for (const id of ids) await act(id, { action: 'accept' }, staff);
  await allSame('accepted');
  // Responses and handling times spread out, so the medians move with each case.
  const now = Date.now();
  ids.forEach((id, i) => sql(srv, `UPDATE cases SET accepted_at = ${now - (i + 2) * 3600e3} WHERE id = ${id}`));
  await allSame('acceptance times set');
  for (const id of ids.slice(0, 5)) {
    await act(id, { action: 'handle', note: '已处理' }, staff);
    await allSame(`handled ${id}`);
  }
  for (const id of ids.slice(0, 4)) {
    await act(id, { action: 'verify' }, staff);
    await act(id, { action: 'close' }, staff);
  }
  await allSame('four closed');
  await act(ids[0], { action: 'rate', satisfaction: 'satisfied', resolved: true }, who.resident);
  await allSame('rated');
  await act(ids[1], { action: 'rate', satisfaction: 'unsatisfied', resolved: false }, who.resident);
  await act(ids[1], { action: 'reopen', note: '没修好' }, who.resident);
  await allSame('rated and reopened');
  await act(ids[5], { action: 'withdraw' }, who.resident).catch(() => null);
  await allSame('withdrawn');
  // A case moved to another grid (by SQL: the trigger takes the old and the new grid).
  sql(srv, `UPDATE cases SET grid_code = '${C2G1}' WHERE id = ${ids[2]}`);
  await allSame('a case moved to C2G1');

  // Visits: to a tagged resident; to a household whose members are tagged.
  await ok(post('/api/v1/visits', { resident_id: w.ids.G1[4], visited_on: iso(t), kind: 'routine', findings: '' }, w.admin), 'visit', 201);
  await allSame('a resident visited');
  const hh = await ok(post('/api/v1/households', { grid_code: G1, address: '多福巷7号2-301' }, w.admin), 'household', 201);
  const nest = [];
  for (let i = 0; i < 5; i++) {
    const r = await ok(post('/api/v1/residents', { name: `空巢${'甲乙丙丁戊'[i]}`, id_number: idNumber('19500101', 500 + i),
      grid_code: G1, household_id: hh.id, tags: ['空巢老人'] }, w.admin), 'resident', 201);
    nest.push(r.id);
    await allSame(`tagged resident ${i + 1} added`);
  }
  await ok(post('/api/v1/visits', { household_id: hh.id, visited_on: iso(t - 1), kind: 'care', findings: '' }, w.admin), 'household visit', 201);
  await allSame('a household visited');

  // Tags: one added to a resident, one removed.
  await ok(api(srv, 'PATCH', `/api/v1/residents/${w.ids.G2[0]}`, { tags: ['独居老人'] }, w.admin.bearer), 'tag added');
  await allSame('a tag added');
  await ok(api(srv, 'PATCH', `/api/v1/residents/${w.ids.G1[5]}`, { tags: [] }, w.admin.bearer), 'tag removed');
  await allSame('a tag removed');

  // Residents: moved to another grid, moved out.
  await ok(post(`/api/v1/residents/${nest[0]}/move`, { grid_code: G2, address: '多福巷9号', date: iso(t - 1) }, w.admin), 'move');
  await allSame('a resident moved to G2');
  await ok(api(srv, 'PATCH', `/api/v1/residents/${w.ids.G1[1]}`, { household_id: hh.id }, w.admin.bearer), 'joins a household');
  await allSame('a resident joined the visited household');
  await ok(post(`/api/v1/residents/${w.ids.G1[4]}/move-out`, { date: iso(t - 1), reason: '迁往海淀区' }, w.admin), 'move-out');
  await allSame('a resident moved out');
  // The register's columns written without the tag rows (as an import or a fix by SQL may).
  sql(srv, `UPDATE residents SET household_id = ${hh.id} WHERE id = ${w.ids.G1[2]}`);
  await allSame('a household set by SQL');
  sql(srv, `UPDATE residents SET status = 'deceased' WHERE id = ${w.ids.G1[3]}`);
  await allSame('a status set by SQL');

  // Needs: one done, its minutes corrected, then undone (by SQL: matching's completion is
  // tested in matching.test.mjs).
  sql(srv, `INSERT INTO match_needs (grid_code, resident_id, posted_by_name, kind, skill, title, lng_e7, lat_e7,
    window_start, window_end, est_minutes, status, created_at, updated_at) VALUES ('${G1}', ${w.ids.G1[0]}, '测试', 'service',
    '陪诊', '陪诊', 1164000000, 399000000, ${now - DAY}, ${now + DAY}, 60, 'open', ${now}, ${now})`);
  await allSame('a need posted');
  sql(srv, `UPDATE match_needs SET status = 'done', minutes = 40, done_at = ${now - 3600e3} WHERE resident_id = ${w.ids.G1[0]}`);
  await allSame('a need done');
  sql(srv, `UPDATE match_needs SET minutes = 55 WHERE resident_id = ${w.ids.G1[0]}`);
  await allSame('its minutes corrected');

  // Not vacuous: without the tag triggers tags added are missed by the warm memo.
  for (const t of PG ? ['share_v_tags ON resident_tags'] : ['share_v_tags_insert', 'share_v_tags_update', 'share_v_tags_delete']) {
    sql(srv, `DROP TRIGGER ${t}`);
  }
  await same('before the writes without a trigger');
  for (const id of nest.slice(2)) {
    await ok(api(srv, 'PATCH', `/api/v1/residents/${id}`, { tags: ['独居老人'] }, w.admin.bearer), 'tag added again');
  }
  await assert.rejects(same('tags added without their trigger'), /group living_alone/);
});
