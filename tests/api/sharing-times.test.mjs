// Sharing (共享, issue 15 item 1) per grid and per vulnerable group, over HTTP, against
// cases and needs with known instants computed by hand: satisfaction (满意率), the median
// response time (responded_at − accepted_at) and handling time (closed_at − reported_at)
// per grid and for the node — an even count (the mean of the two middle values), an odd
// one, rounding half up to whole seconds, suppression under 5 cases — and, per group,
// visits, needs met and their minutes per capita. docs/METRICS.md "Equity". Runs on
// SQLite and PostgreSQL.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { assertNoSanitizerReport } from './util.mjs';
import { sql } from './auth-util.mjs';
import { G1, G2, C2G1, STREET } from './people-util.mjs';
import { sharingWorld } from './sharing-util.mjs';

let srv, w, sup;
const get = (path, who) => api(srv, 'GET', path, undefined, who ? who.bearer : {});

// One case of `grid` reported at rep (ms), accepted 1 s later; resp / hand: the response
// and handling durations in ms (null: not responded / not closed).
function kase(grid, rep, resp, hand, sat, { state = 'closed', self = 0 } = {}) {
  const acc = rep + 1000;
  const v = (x) => (x === null || x === undefined ? 'NULL' : x);
  sql(srv, `INSERT INTO cases (grid_code, category_id, request_type, source, state, description, address,
    reporter_name, self_handled, accepted_at, responded_at, closed_at, satisfaction, resolved, reported_at,
    created_at, updated_at) VALUES ('${grid}', (SELECT id FROM case_categories WHERE code = 'C01'), 'complaint',
    'resident', '${state}', '井盖松动', '多福巷1号', '测试', ${self}, ${acc}, ${v(resp === null ? null : acc + resp)},
    ${v(hand === null ? null : rep + hand)}, ${sat ? `'${sat}'` : 'NULL'}, ${sat ? 1 : 'NULL'}, ${rep}, ${rep}, ${rep})`);
}

before(async () => {
  srv = await startServer();
  w = await sharingWorld(srv, 't');
  sup = w.as.street_supervisor;
  const rep = Date.now() - 3 * 86400e3;
  // G2: 6 cases. Responses 60..360 s; handling 1 h, 1.5 h, 2 h, 2 h + 1.001 s, 4 h, 5 h;
  // rated: 3 满意, 1 基本满意, 2 不满意.
  const sats = ['satisfied', 'satisfied', 'satisfied', 'basically_satisfied', 'unsatisfied', 'unsatisfied'];
  const hands = [3600000, 5400000, 7200000, 7201001, 14400000, 18000000];
  for (let i = 0; i < 6; i++) kase(G2, rep + i, (i + 1) * 60000, hands[i], sats[i]);
  // Never counted: a withdrawn case, a self-handled one, one reported 120 days ago.
  kase(G2, rep, 1, 1, 'satisfied', { state: 'withdrawn' });
  kase(G2, rep, 1, 1, 'satisfied', { self: 1 });
  kase(G2, Date.now() - 120 * 86400e3, 1, 1, 'satisfied');
  // C2G1: 5 cases, 4 responded (10..40 s), all closed (10, 20, 30, 40, 50.5 s); 2 rated.
  const c = [[10000, 10000, 'basically_satisfied'], [20000, 20000, 'unsatisfied'], [30000, 30000, null],
    [40000, 40000, null], [null, 50500, null]];
  for (const [resp, hand, sat] of c) kase(C2G1, rep, resp, hand, sat);
  // Needs of the 独居老人 of G1 (6 members): two done yesterday (60 and 30 minutes), one
  // done 200 days ago and one open: not counted.
  const now = Date.now();
  const need = (rid, minutes, doneAt, status) => sql(srv, `INSERT INTO match_needs (grid_code, resident_id,
    posted_by_name, kind, skill, title, lng_e7, lat_e7, window_start, window_end, est_minutes, status, minutes,
    created_at, updated_at, done_at) VALUES ('${G1}', ${rid}, '测试', 'service', '陪诊', '陪诊', 1164000000, 399000000,
    ${now - 300 * 86400e3}, ${now + 86400e3}, 60, '${status}', ${minutes ?? 'NULL'}, ${now - 300 * 86400e3}, ${now},
    ${doneAt ?? 'NULL'})`);
  need(w.ids.G1[0], 60, now - 86400e3, 'done');
  need(w.ids.G1[1], 30, now - 86400e3, 'rated');
  need(w.ids.G1[2], 45, now - 200 * 86400e3, 'done');
  need(w.ids.G1[3], null, null, 'open');
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

const equity = async (q, who = sup) => {
  const r = await get(`/api/v1/sharing/equity?${q}`, who);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};
const pick = (x) => ({
  rated: x.cases_rated, sat: x.cases_satisfied, pct: x.satisfaction_percent,
  nr: x.cases_responded, resp: x.response_median_s, nh: x.cases_handled, hand: x.handling_median_s,
});

describe('per grid: satisfaction and the median response and handling times', () => {
  test('an even count, an odd count, suppression under 5, and the street', async () => {
    const b = await equity(`node=${STREET}`);
    const g = Object.fromEntries(b.grids.map((x) => [x.code, x]));
    // G2: responses (180 + 240) / 2 = 210 s; handling (7 200 000 + 7 201 001) / 2 ms =
    // 7 200.5005 s → 7 201 s; 4 of 6 satisfied = 66.7 %.
    assert.deepEqual(pick(g[G2]), { rated: 6, sat: 4, pct: '66.7', nr: 6, resp: 210, nh: 6, hand: 7201 });
    // C2G1: 4 responses: suppressed; handling 10, 20, 30, 40, 50.5 s → 30 s; 2 rated: suppressed.
    assert.deepEqual(pick(g[C2G1]), { rated: 2, sat: null, pct: null, nr: 4, resp: null, nh: 5, hand: 30 });
    // G1 (the scenario's 2 cases): everything under 5.
    assert.deepEqual(pick(g[G1]), { rated: 2, sat: null, pct: null, nr: 2, resp: null, nh: 2, hand: null });
    // The street: responses 2, 10, 20, 30, 40, 60, 120, …, 259 199 s (12) → (60 + 120) / 2 = 90 s;
    // handling 5.001, 5.002, 10, 20, 30, 40, 50.5, 3 600, … (13) → the 7th, 50.5 s → 51 s;
    // 6 of 10 rated satisfied.
    assert.deepEqual(pick(b.totals), { rated: 10, sat: 6, pct: '60.0', nr: 12, resp: 90, nh: 13, hand: 51 });
  });

  test('a grid alone reads only its own cases; a past period has none', async () => {
    const g2 = await equity(`node=${G2}`);
    assert.deepEqual(pick(g2.totals), { rated: 6, sat: 4, pct: '66.7', nr: 6, resp: 210, nh: 6, hand: 7201 });
    const d = (days) => new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
    const old = await equity(`node=${G2}&from=${d(-150)}&to=${d(-100)}`);
    assert.deepEqual(pick(old.totals), { rated: 1, sat: null, pct: null, nr: 1, resp: null, nh: 1, hand: null });
  });
});

describe('per vulnerable group', () => {
  test('visits, needs met and their minutes per capita; a group under 5 is suppressed', async () => {
    const b = await equity(`node=${STREET}`);
    const alone = b.groups.find((x) => x.tag === 'living_alone');
    assert.deepEqual(
      { m: alone.members, v: alone.visits, vp: alone.visits_per_capita, n: alone.needs_met,
        np: alone.needs_met_per_capita, s: alone.service_minutes, sp: alone.service_minutes_per_capita },
      { m: 6, v: 3, vp: '0.500', n: 2, np: '0.333', s: 90, sp: '15.000' });
    const old = b.groups.find((x) => x.tag === 'elderly_80');
    assert.equal(old.suppressed, true);
    assert.equal(old.visits, undefined);
    assert.equal(old.needs_met, undefined);
  });
});
