// Supply–demand matching, the build items after the first slice (issue 11): a run pairs a
// need only with a provider available during its window (the reasons name the window);
// the settings (B, λ, waiting, tags' weights, the runs' schedule) read and changed through
// the API in scope, validated, audited, and used by the next run; a completed need's
// hours become the provider's service record (mobilisation), once. SQLite and PostgreSQL.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { assertErrorShape, assertNoSanitizerReport } from './util.mjs';
import { sql } from './auth-util.mjs';
import { G1, C1, C2, idNumber, peopleWorld } from './people-util.mjs';

let srv, w;
const get = (path, who) => api(srv, 'GET', path, undefined, who.bearer);
const post = (path, body, who, headers = {}) => api(srv, 'POST', path, body, { ...who.bearer, ...headers });
const put = (path, body, who) => api(srv, 'PUT', path, body, who.bearer);
const iso = (ms) => new Date(ms).toISOString();
const HOUR = 3600e3;
const DAY = 24 * HOUR;

// Monday 00:00 of next week in Asia/Shanghai (UTC+8), in ms since the epoch.
function nextMonday() {
  const day = Math.floor((Date.now() + 8 * HOUR) / DAY);
  const weekday = ((day + 3) % 7) + 1; // 1 Monday .. 7 Sunday
  return (day + (((1 - weekday + 7) % 7) || 7)) * DAY - 8 * HOUR;
}
const MON = nextMonday();

const ids = {};
const needs = {};
const offers = {};
let proposal;

before(async () => {
  srv = await startServer();
  w = await peopleWorld(srv, { tag: 'ms' });
  const r = await post('/api/v1/residents', { name: '王桂兰', id_number: idNumber('19450202', 48), tags: ['独居老人'], grid_code: G1 }, w.as.grid_worker);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  ids.wang = r.body.id;
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

const needBody = (start, end, extra = {}) => ({
  resident_id: ids.wang, skill: '陪诊', title: '陪同去医院复查', lng: 116.4003, lat: 39.9003,
  window_start: iso(start), window_end: iso(end), est_minutes: 60, ...extra,
});

describe('availability windows', () => {
  test('a run pairs a need only with a provider available during its window', async () => {
    // The Party member: Mondays 09:00-12:00, farther away. The volunteer: Wednesdays
    // 14:00-17:00, next door — the nearer, but not there on Monday.
    let r = await post('/api/v1/offers', {
      kind: 'person', scope_code: C1, skills: ['陪诊'], capacity_per_week: 3, radius_m: 3000,
      lng: 116.41, lat: 39.91, windows: [{ weekday: 1, from: '09:00', to: '12:00' }],
    }, w.as.party_member);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    offers.pm = r.body.id;
    r = await post('/api/v1/offers', {
      kind: 'person', scope_code: C1, skills: ['陪诊'], capacity_per_week: 3, radius_m: 3000,
      lng: 116.4003, lat: 39.9003, windows: [{ weekday: 3, from: '14:00', to: '17:00' }],
    }, w.as.volunteer);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    offers.vol = r.body.id;
    // Monday 10:00-11:00: only the Party member. Thursday 10:00-11:00: nobody. Monday
    // 12:00-13:00 touches the Party member's window at 12:00 only: nobody.
    for (const [k, s, e] of [['mon', MON + 10 * HOUR, MON + 11 * HOUR],
      ['thu', MON + 3 * DAY + 10 * HOUR, MON + 3 * DAY + 11 * HOUR],
      ['touch', MON + 12 * HOUR, MON + 13 * HOUR]]) {
      r = await post('/api/v1/needs', needBody(s, e), w.as.grid_worker);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      needs[k] = r.body.id;
    }
    r = await post('/api/v1/matching/runs', { community_code: C1 }, w.as.community_staff);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.needs, 3);
    assert.equal(r.body.B, 3000, 'the default B');
    assert.deepEqual(r.body.proposals.map((p) => [p.need.id, p.offer.id]), [[needs.mon, offers.pm]]);
    proposal = r.body.proposals[0];
    assert.deepEqual(proposal.reasons.window.available, { weekday: 1, from: '09:00', to: '12:00' });
    assert.equal(proposal.reasons.window.need_start, iso(MON + 10 * HOUR).replace('.000', ''));
    const list = await get(`/api/v1/needs?community=${C1}`, w.as.community_staff);
    const st = Object.fromEntries(list.body.items.map((x) => [x.id, x.status]));
    assert.deepEqual([st[needs.mon], st[needs.thu], st[needs.touch]], ['proposed', 'open', 'open']);
  });

  test('claims, hand assignment and a provider\'s open needs keep to the same windows', async () => {
    // A Wednesday 15:00-16:00 need is in the volunteer's window; Thursday's is in nobody's.
    let r = await post('/api/v1/needs', needBody(MON + 2 * DAY + 15 * HOUR, MON + 2 * DAY + 16 * HOUR), w.as.grid_worker);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    needs.wed = r.body.id;
    r = await get('/api/v1/me/open-needs', w.as.volunteer);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const open = r.body.items.map((x) => x.id);
    assert.ok(open.includes(needs.wed), 'the need in the volunteer\'s window is offered');
    assert.ok(!open.includes(needs.thu) && !open.includes(needs.touch), 'needs outside it are not');
    const before = sql(srv, `SELECT status, COALESCE(offer_id, 0) FROM match_needs WHERE id = ${needs.thu}`)[0].join();
    for (const [path, who, offer] of [[`/api/v1/needs/${needs.thu}/claim`, w.as.volunteer, offers.vol],
      [`/api/v1/needs/${needs.thu}/assign`, w.as.community_staff, offers.pm]]) {
      r = await post(path, { offer_id: offer }, who);
      assert.equal(r.status, 422, `${path}: ${JSON.stringify(r.body)}`);
      assertErrorShape(r.body, 'invalid_fields');
      assert.ok(r.body.error.fields.offer_id, 'the field is named');
    }
    assert.equal(sql(srv, `SELECT status, COALESCE(offer_id, 0) FROM match_needs WHERE id = ${needs.thu}`)[0].join(), before);
    r = await post(`/api/v1/needs/${needs.wed}/claim`, { offer_id: offers.vol }, w.as.volunteer);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'taken');
  });
});

describe('settings through the API', () => {
  const rows = () => sql(srv, `SELECT scope, name, value FROM match_settings ORDER BY scope, name`).map((x) => x.join(':')).join(',');
  const audits = () => Number(sql(srv, `SELECT COUNT(*) FROM audit_log WHERE action = 'match.settings_update'`)[0][0]);
  const item = (body, name) => body.items.find((x) => x.name === name);

  test('staff in scope read the settings in force; out of scope is 404', async () => {
    let r = await get(`/api/v1/matching/settings?scope=${C1}`, w.as.community_staff);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.scope, C1);
    assert.ok(r.body.scope_name && r.body.scope_name !== C1, 'the community by name');
    assert.deepEqual(item(r.body, 'B'), {
      name: 'B', label: item(r.body, 'B').label, value: 3000, min: 0, max: 1000000, default: 3000,
      from: '', from_name: '全系统', here: false, system_only: false,
    });
    assert.equal(item(r.body, 'tag:living_alone').value, 3);
    assert.equal(item(r.body, 'run_every_hours').system_only, true);
    r = await get('/api/v1/matching/settings', w.as.system_admin);
    assert.equal(r.status, 200);
    assert.equal(r.body.scope, '');
    assert.equal(item(r.body, 'lambda').here, true);
    // The whole system's are not a community's staff's to read; another community's
    // neither; a volunteer reads none; a bad code is 400.
    for (const [path, who] of [['/api/v1/matching/settings', w.as.community_staff],
      [`/api/v1/matching/settings?scope=${C1}`, w.gw2],
      [`/api/v1/matching/settings?scope=${C1}`, w.ca2],
      [`/api/v1/matching/settings?scope=${C1}`, w.as.volunteer],
      [`/api/v1/matching/settings?scope=${C2.slice(0, 11)}9`, w.as.system_admin]]) {
      r = await get(path, who);
      assert.equal(r.status, 404, `${path}: ${JSON.stringify(r.body)}`);
      assertErrorShape(r.body, 'not_found');
    }
    r = await get('/api/v1/matching/settings?scope=12x', w.as.system_admin);
    assert.equal(r.status, 400);
  });

  test('bad input is a clear 4xx and changes nothing', async () => {
    const before = [rows(), audits()];
    const cases = [
      [{ scope: C1, values: { foo: 1 } }, 400, 'unknown_setting', 'values.foo'],
      [{ scope: C1, values: { 'tag:nope': 1 } }, 400, 'unknown_setting', 'values.tag:nope'],
      [{ scope: C1, values: { B: 1 }, extra: 1 }, 400, 'unknown_setting', 'extra'],
      [{ scope: C1, values: { B: '5000' } }, 422, 'invalid_fields', 'values.B'],
      [{ scope: C1, values: { B: 1.5 } }, 422, 'invalid_fields', 'values.B'],
      [{ scope: C1, values: { B: -1 } }, 422, 'invalid_fields', 'values.B'],
      [{ scope: C1, values: { lambda: 1000001 } }, 422, 'invalid_fields', 'values.lambda'],
      [{ scope: C1, values: { 'tag:living_alone': 21 } }, 422, 'invalid_fields', 'values.tag:living_alone'],
      [{ scope: C1, values: { B: 4000, wait_max: true } }, 422, 'invalid_fields', 'values.wait_max'],
      [{ scope: C1, values: { run_every_hours: 1 } }, 422, 'invalid_fields', 'values.run_every_hours'],
      [{ scope: C1, values: {} }, 422, 'invalid_fields', 'values'],
      [{ scope: C1 }, 422, 'invalid_fields', 'values'],
      [{ scope: 'x', values: { B: 1 } }, 422, 'invalid_fields', 'scope'],
      [{ scope: 7, values: { B: 1 } }, 422, 'invalid_fields', 'scope'],
      [{ values: { B: null } }, 422, 'invalid_fields', 'values.B'],
    ];
    for (const [body, status, code, field] of cases) {
      const r = await put('/api/v1/matching/settings', body, body.scope === undefined ? w.as.system_admin : w.as.community_admin);
      assert.equal(r.status, status, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assertErrorShape(r.body, code);
      assert.ok(field in r.body.error.fields, `${JSON.stringify(body)}: ${JSON.stringify(r.body.error)}`);
    }
    // Read only (community staff): 403; another community's secretary, the whole system
    // for a community's: 404.
    let r = await put('/api/v1/matching/settings', { scope: C1, values: { B: 1 } }, w.as.community_staff);
    assert.equal(r.status, 403, JSON.stringify(r.body));
    for (const [body, who] of [[{ scope: C1, values: { B: 1 } }, w.ca2], [{ values: { B: 1 } }, w.as.community_admin]]) {
      r = await put('/api/v1/matching/settings', body, who);
      assert.equal(r.status, 404, JSON.stringify(r.body));
    }
    assert.deepEqual([rows(), audits()], before);
  });

  test('the secretary sets the community\'s; the next run there uses them; audited; null falls back', async () => {
    let r = await put('/api/v1/matching/settings', { scope: C1, values: { B: 5000, 'tag:living_alone': 5 } }, w.as.community_admin);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual([item(r.body, 'B').value, item(r.body, 'B').from, item(r.body, 'B').here], [5000, C1, true]);
    assert.equal(item(r.body, 'tag:living_alone').value, 5);
    assert.equal(item(r.body, 'lambda').from, '', 'the rest as the whole system says');
    const [detail] = sql(srv, `SELECT detail FROM audit_log WHERE action = 'match.settings_update' ORDER BY id DESC LIMIT 1`)[0];
    assert.deepEqual(JSON.parse(detail).changes.B, { from: 3000, to: 5000 });
    // The street's setting is below the community's; the whole system's below both.
    r = await put('/api/v1/matching/settings', { scope: C1.slice(0, 9), values: { B: 4000, lambda: 100 } }, w.as.street_supervisor);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    r = await get(`/api/v1/matching/settings?scope=${G1}`, w.as.grid_worker);
    assert.equal(r.status, 200);
    assert.deepEqual([item(r.body, 'B').value, item(r.body, 'lambda').value, item(r.body, 'lambda').from], [5000, 100, C1.slice(0, 9)]);
    assert.match(item(r.body, 'lambda').from_name, /街道$/, 'the street by name');
    // A run in C1 takes B = 5000 and the tag's 5 (a need still open: Thursday's).
    r = await post('/api/v1/needs', needBody(MON + 10 * HOUR, MON + 10.5 * HOUR, { title: '帮忙取药' }), w.as.grid_worker);
    assert.equal(r.status, 201);
    r = await post('/api/v1/matching/runs', { community_code: C1 }, w.as.community_staff);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.B, 5000);
    assert.equal(r.body.lambda, 100);
    assert.equal(r.body.proposals.length, 1);
    assert.equal(r.body.proposals[0].reasons.weight_tags, 5);
    // null: back to the street's.
    r = await put('/api/v1/matching/settings', { scope: C1, values: { B: null } }, w.as.community_admin);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual([item(r.body, 'B').value, item(r.body, 'B').from, item(r.body, 'B').here], [4000, C1.slice(0, 9), false]);
    // The schedule, for the whole system, by its administrator.
    r = await put('/api/v1/matching/settings', { values: { run_every_hours: 0, wait_days: 5 } }, w.as.system_admin);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(item(r.body, 'wait_days').value, 5);
  });
});

describe('hours into the service record', () => {
  test('completing a need with 2.5 h writes the provider\'s service record once', async () => {
    let r = await post(`/api/v1/proposals/${proposal.id}/accept`, {}, w.as.party_member);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const key = { 'Idempotency-Key': `complete-${proposal.need.id}` };
    r = await post(`/api/v1/needs/${proposal.need.id}/complete`, { minutes: 150 }, w.as.party_member, key);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'done');
    assert.equal(r.body.minutes, 150);
    // A retry with the same key gets the same answer; without one, the need is done: 409.
    const again = await post(`/api/v1/needs/${proposal.need.id}/complete`, { minutes: 150 }, w.as.party_member, key);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.deepEqual(again.body, r.body);
    r = await post(`/api/v1/needs/${proposal.need.id}/complete`, { minutes: 150 }, w.as.party_member);
    assert.equal(r.status, 409);
    const recs = await get('/api/v1/me/service-records', w.as.party_member);
    assert.equal(recs.status, 200, JSON.stringify(recs.body));
    const mine = recs.body.items.filter((x) => x.ref && x.ref.type === 'match_need');
    assert.equal(mine.length, 1, JSON.stringify(recs.body.items));
    assert.deepEqual([mine[0].kind, mine[0].minutes, mine[0].effective_minutes, mine[0].ref.id, mine[0].activity_id],
      ['service', 150, 150, proposal.need.id, null]);
    assert.match(mine[0].content, /陪同去医院复查/);
    const sum = await get('/api/v1/me/service-summary', w.as.party_member);
    assert.equal(sum.status, 200, JSON.stringify(sum.body));
    assert.equal(sum.body.total_minutes, 150);
    assert.equal(Number(sql(srv, `SELECT COUNT(*) FROM mob_service_records WHERE ref_type = 'match_need' AND ref_id = ${proposal.need.id}`)[0][0]), 1);
    assert.equal(Number(sql(srv, `SELECT COUNT(*) FROM audit_log WHERE action = 'service_record.create'`)[0][0]), 1);
    // Staff who keep service records see it in the community's records.
    const list = await get(`/api/v1/service-records?community=${C1}`, w.as.community_staff);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.ok(list.body.items.some((x) => x.ref && x.ref.id === proposal.need.id));
    // Its hours may be corrected like an activity's (no points change: none were per hour).
    r = await post(`/api/v1/service-records/${mine[0].id}/corrections`, { minutes: 120, reason: '实际两小时' }, w.as.community_staff);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.points_change, 0);
  });
});
