// Sharing's feedback into matching (issue 15, item 2): a need in a grid under-served in
// the last period gets the equity boost in a run, named in the proposal's reasons, and
// with the setting at 0 nothing changes. The world is sharingWorld's (computed by hand
// there): over the street's grids with residents, visits per resident in the last 90
// days are G1 3/6 = 0.5, G2 0/6 = 0 and C2G1 4/5 = 0.8; the median is 0.5, and at the
// default 50% a grid below 0.25 is under-served: G2 only. The group 独居老人 of C1 (the 6
// residents of G1) had 3 of 6 visited: 50.0%, not below the default 50%. Runs on SQLite
// and PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { assertNoSanitizerReport } from './util.mjs';
import { sql } from './auth-util.mjs';
import { C1 } from './people-util.mjs';
import { sharingWorld } from './sharing-util.mjs';

let srv, w;
const post = (path, body, who) => api(srv, 'POST', path, body, who.bearer);
const get = (path, who) => api(srv, 'GET', path, undefined, who.bearer);
const iso = (ms) => new Date(ms).toISOString();
const WEEK = 7 * 86400e3;

before(async () => {
  srv = await startServer();
  w = await sharingWorld(srv, 'f');
  const r = await post('/api/v1/offers', {
    kind: 'person', scope_code: C1, skills: ['陪诊'], capacity_per_week: 10, radius_m: 20000,
    lng: 116.4001, lat: 39.9001,
  }, w.as.party_member);
  assert.equal(r.status, 201, JSON.stringify(r.body));
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

const need = async (residentId) => {
  const r = await post('/api/v1/needs', {
    resident_id: residentId, skill: '陪诊', title: '陪同去医院复查', lng: 116.4003, lat: 39.9003,
    window_start: iso(Date.now()), window_end: iso(Date.now() + WEEK), est_minutes: 60,
  }, w.admin);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
};
const run = async () => {
  const r = await post('/api/v1/matching/runs', { community_code: C1 }, w.as.community_staff);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
};

test('a need in the under-served grid gets the boost, named in its reasons', async () => {
  const inG1 = await need(w.ids.G1[3]); // 独居老人: tags 3
  const inG2 = await need(w.ids.G2[0]); // no tag
  const r = await run();
  assert.equal(r.pairs, 2);
  const p1 = r.proposals.find((p) => p.need.id === inG1);
  const p2 = r.proposals.find((p) => p.need.id === inG2);
  assert.equal(p2.reasons.weight_equity, 2);
  assert.equal(p2.reasons.equity, '所在网格上期服务不足，优先级 +2');
  assert.equal(p2.weight, 1 + 0 + 0 + 2);
  assert.equal(p2.reasons.weight, 3);
  assert.equal(p1.reasons.weight_equity, 0);
  assert.equal(p1.reasons.equity, undefined);
  assert.equal(p1.weight, 1 + 3);
  // The provider sees the reason in their inbox.
  const inbox = await get('/api/v1/me/proposals?status=proposed', w.as.party_member);
  assert.equal(inbox.status, 200);
  const mine = inbox.body.items.find((p) => p.need.id === inG2);
  assert.equal(mine.reasons.equity, '所在网格上期服务不足，优先级 +2');
});

test('a need of a resident in an under-served vulnerable group gets the boost', async () => {
  // At 60%, 独居老人 in C1 (3 of 6 visited: 50%) is under-served; G1 itself is not.
  sql(srv, "UPDATE match_settings SET value = 60 WHERE scope = '' AND name = 'equity_group_pct'");
  const id = await need(w.ids.G1[4]); // 独居老人: tags 3
  const p = (await run()).proposals.find((x) => x.need.id === id);
  assert.equal(p.weight, 1 + 3 + 2);
  assert.equal(p.reasons.weight_equity, 2);
  assert.equal(p.reasons.equity, '所属重点人群上期走访覆盖不足，优先级 +2', 'the group is never named');
  sql(srv, "UPDATE match_settings SET value = 50 WHERE scope = '' AND name = 'equity_group_pct'");
});

test('the boost and the threshold are settings; 0 turns it off', async () => {
  sql(srv, "UPDATE match_settings SET value = 5 WHERE scope = '' AND name = 'equity_boost'");
  let id = await need(w.ids.G2[1]);
  let p = (await run()).proposals.find((x) => x.need.id === id);
  assert.equal(p.weight, 1 + 5);
  assert.equal(p.reasons.equity, '所在网格上期服务不足，优先级 +5');
  // A threshold of 0%: no grid is below 0 × the median.
  sql(srv, "UPDATE match_settings SET value = 0 WHERE scope = '' AND name = 'equity_threshold_pct'");
  id = await need(w.ids.G2[2]);
  p = (await run()).proposals.find((x) => x.need.id === id);
  assert.equal(p.weight, 1);
  sql(srv, "UPDATE match_settings SET value = 50 WHERE scope = '' AND name = 'equity_threshold_pct'");
  sql(srv, "UPDATE match_settings SET value = 0 WHERE scope = '' AND name = 'equity_boost'");
  id = await need(w.ids.G2[3]);
  p = (await run()).proposals.find((x) => x.need.id === id);
  assert.equal(p.weight, 1, 'boost 0: the weight as without the feedback');
  assert.equal(p.reasons.weight_equity, 0);
  assert.equal(p.reasons.equity, undefined);
});
