// The flows of the small and big cycles (小循环/大循环, issue 15) and needs met per grid,
// against a small dataset worked out by hand (GET /api/v1/sharing/cycles). On top of
// sharingWorld (90 minutes of service in G1 by the administrator, who is no Party member:
// a volunteer), yesterday:
//   service records: the Party member 60 min in G1; the volunteer 30 min in C2G1; one of
//     the Party member 40 days ago (outside the period);
//   needs done: G1 by the Party member's offer (40 min), G2 by a co-building unit's offer
//     (120 min, rated), C2G1 by the volunteer's offer (20 min); one in G1 done 40 days
//     ago and one open (neither counts);
//   commitments to a project of C1: the unit 500 元, a social organisation 200 元, the
//     community Party committee 300 元.
// Period: the last 30 days. Street totals:
//   service_minutes: party 60 + 40 = 100, coop_unit 120, volunteer 90 + 30 + 20 = 140,
//     total 360, party share 100 / 360 = 27.8 %;
//   needs_met: party 1, coop_unit 1, volunteer 1 → 33.3 %;
//   project_fen: party 30000, coop_unit 50000, social_org 20000 → 30.0 %; 3 commitments.
// C1: minutes party 100, coop 120, volunteer 90 → 32.3 %; needs 1 + 1 → 50.0 %. C2:
// volunteer 50 min and 1 need → 0.0 %. Per grid: G1, G2 and C2G1 one need met each.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { assertErrorShape, assertNoSanitizerReport } from './util.mjs';
import { sql } from './auth-util.mjs';
import { G1, G2, C1, C2, C2G1, STREET } from './people-util.mjs';
import { sharingWorld } from './sharing-util.mjs';

let srv, w;
const get = (path, who) => api(srv, 'GET', path, undefined, who.bearer);
const post = (path, body) => api(srv, 'POST', path, body, w.admin.bearer);
const day = (days = 0) => new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
const D = 86400e3;
const period = `from=${day(-30)}&to=${day(0)}`;

before(async () => {
  srv = await startServer();
  w = await sharingWorld(srv, 'y');
  const now = Date.now(), y = now - D, old = now - 40 * D;
  const org = async (type, name, code = C1, parent_id = undefined) => {
    const r = await post('/api/v1/organisations', { type, name, space_code: code, parent_id });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id;
  };
  const streetParty = await org('street_party_committee', '循环街道党工委', STREET);
  const party = await org('community_party_committee', '循环社区党委', C1, streetParty);
  const unit = await org('coop_unit', '循环共建单位');
  const social = await org('social_org', '循环社会组织');
  const pmUser = w.as.party_member.user.id, volUser = w.as.volunteer.user.id;
  // The Party member's account is the resident's (loaded directly: the API links resident accounts only).
  sql(srv, `UPDATE residents SET user_id = ${pmUser} WHERE id = ${w.ids.G1[5]}`);
  const r = await post('/api/v1/party-members', { resident_id: w.ids.G1[5], party_org_id: party, reported_grid_code: G1, post_type: 'patrol' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const rec = (user, scope, at, minutes) => sql(srv, `INSERT INTO mob_service_records (user_id, scope_code, kind,
    org_name, content, started_at, ended_at, minutes, recorded_at) VALUES (${user}, '${scope}', 'service', '社区',
    '服务', ${at}, ${at + minutes * 60000}, ${minutes}, ${now})`);
  rec(pmUser, G1, y, 60);
  rec(volUser, C2G1, y, 30);
  rec(pmUser, G1, old, 45);
  const offer = (kind, user, orgId) => {
    sql(srv, `INSERT INTO match_offers (scope_code, kind, user_id, org_id, name, skills, capacity_per_week,
      radius_m, lng_e7, lat_e7, status, created_at, updated_at) VALUES ('${C1}', '${kind}', ${user}, ${orgId ?? 'NULL'},
      '供给', '["陪诊"]', 5, 3000, 1164000000, 399000000, 'active', ${now}, ${now})`);
    return Number(sql(srv, 'SELECT MAX(id) FROM match_offers')[0][0]);
  };
  const oPm = offer('person', pmUser), oUnit = offer('unit', w.admin.user.id, unit), oVol = offer('person', volUser);
  const need = (grid, rid, status, offerId, minutes, doneAt) => sql(srv, `INSERT INTO match_needs (grid_code,
    resident_id, posted_by_name, kind, skill, title, lng_e7, lat_e7, window_start, window_end, est_minutes, status,
    offer_id, minutes, created_at, updated_at, done_at) VALUES ('${grid}', ${rid}, '测试', 'service', '陪诊', '陪诊',
    1164000000, 399000000, ${old - D}, ${now + D}, 60, '${status}', ${offerId ?? 'NULL'}, ${minutes ?? 'NULL'},
    ${old - D}, ${now}, ${doneAt ?? 'NULL'})`);
  need(G1, w.ids.G1[0], 'done', oPm, 40, y);
  need(G2, w.ids.G2[0], 'rated', oUnit, 120, y);
  need(C2G1, w.ids.C2G1[0], 'done', oVol, 20, y);
  need(G1, w.ids.G1[1], 'done', oPm, 50, old);
  need(G2, w.ids.G2[1], 'open', null, null, null);
  sql(srv, `INSERT INTO match_projects (scope_code, title, budget_fen, status, created_at, updated_at)
    VALUES ('${C1}', '楼道改造', 100000, 'running', ${y}, ${y})`);
  const pid = Number(sql(srv, 'SELECT MAX(id) FROM match_projects')[0][0]);
  for (const [o, fen] of [[unit, 50000], [social, 20000], [party, 30000]])
    sql(srv, `INSERT INTO match_commitments (project_id, org_id, content, amount_fen, created_at)
      VALUES (${pid}, ${o}, '出资', ${fen}, ${y})`);
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

const cycles = async (q, who = w.as.street_supervisor) => {
  const r = await get(`/api/v1/sharing/cycles?${q}`, who);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};
const split = (f) => [f.party, f.coop_unit, f.social_org, f.volunteer, f.other, f.total, f.party_share];

test('the street: each figure split by source, with the Party system\'s share', async () => {
  const b = await cycles(`node=${STREET}&${period}`);
  assert.deepEqual(b.sources.map((s) => s.code), ['party', 'coop_unit', 'social_org', 'volunteer', 'other']);
  assert.equal(b.sources[0].label, '党组织体系');
  assert.deepEqual(split(b.total.service_minutes), [100, 120, 0, 140, 0, 360, '27.8']);
  assert.deepEqual(split(b.total.needs_met), [1, 1, 0, 1, 0, 3, '33.3']);
  assert.deepEqual(split(b.total.project_fen), [30000, 50000, 20000, 0, 0, 100000, '30.0']);
  assert.deepEqual(split(b.total.project_commitments), [1, 1, 1, 0, 0, 3, '33.3']);
  const c1 = b.communities.find((c) => c.code === C1), c2 = b.communities.find((c) => c.code === C2);
  assert.ok(c1.name && c2.name, 'communities by name');
  assert.deepEqual(split(c1.total.service_minutes), [100, 120, 0, 90, 0, 310, '32.3']);
  assert.deepEqual(split(c1.total.needs_met), [1, 1, 0, 0, 0, 2, '50.0']);
  assert.deepEqual(split(c2.total.service_minutes), [0, 0, 0, 50, 0, 50, '0.0']);
  assert.deepEqual(split(c2.total.project_fen), [0, 0, 0, 0, 0, 0, null]);
  // Months: the period's, in order; yesterday's month holds everything.
  assert.equal(c1.months[0].month, day(-30).slice(0, 7));
  assert.equal(c1.months.at(-1).month, day(0).slice(0, 7));
  const m = c1.months.find((x) => x.month === day(-1).slice(0, 7));
  assert.deepEqual(m.service_minutes, c1.total.service_minutes);
  const sum = c1.months.reduce((s, x) => s + x.needs_met.total, 0);
  assert.equal(sum, 2);
  // Needs met per grid.
  const g = Object.fromEntries(b.grids.map((x) => [x.code, x.needs_met]));
  assert.equal(g[G1], 1);
  assert.equal(g[G2], 1);
  assert.equal(g[C2G1], 1);
  assert.equal(b.grids.find((x) => x.code === G2).service_minutes, 120);
  assert.ok(b.grids.every((x) => x.name), 'grids by name');
});

test('a community and a grid see their own part', async () => {
  let b = await cycles(`node=${C1}&${period}`, w.as.community_admin);
  assert.deepEqual(b.communities.map((c) => c.code), [C1]);
  assert.deepEqual(split(b.total.service_minutes), [100, 120, 0, 90, 0, 310, '32.3']);
  b = await cycles(`node=${G1}&${period}`, w.as.community_admin);
  assert.deepEqual(b.communities.map((c) => c.code), [C1]);
  assert.deepEqual(split(b.total.service_minutes), [100, 0, 0, 90, 0, 190, '52.6']);
  assert.deepEqual(split(b.total.project_fen), [0, 0, 0, 0, 0, 0, null], 'the project is at the community');
  assert.deepEqual(b.grids.map((x) => x.code), [G1]);
});

test('bad input and scope as the equity API', async () => {
  let r = await get(`/api/v1/sharing/cycles?node=${C2}&${period}`, w.as.community_admin);
  assert.equal(r.status, 404);
  assertErrorShape(r.body, 'not_found');
  r = await get(`/api/v1/sharing/cycles?node=110101001099&${period}`, w.as.street_supervisor);
  assert.equal(r.status, 404);
  r = await get(`/api/v1/sharing/cycles?node=${STREET}&from=${day(0)}&to=${day(-1)}`, w.as.street_supervisor);
  assert.equal(r.status, 400);
  assertErrorShape(r.body, 'bad_query');
  r = await get(`/api/v1/sharing/cycles?node=${STREET}&from=2020-01-01&to=2025-01-01`, w.as.street_supervisor);
  assert.equal(r.status, 400);
  r = await get(`/api/v1/sharing/cycles?node=${STREET}&from=2020-01-01&to=2024-12-31`, w.as.street_supervisor);
  assert.equal(r.status, 200, 'just under 5 years');
  assert.equal(r.body.communities[0].months.length, 60);
  r = await get(`/api/v1/sharing/cycles?node=${STREET}`, w.as.resident);
  assert.equal(r.status, 404);
  r = await api(srv, 'GET', `/api/v1/sharing/cycles?node=${STREET}`, undefined, {});
  assert.equal(r.status, 401);
});
