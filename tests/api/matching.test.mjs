// Supply–demand matching over HTTP (issue 11, "Done when"): needs and offers created, a
// run proposes, one provider declines, the next run reassigns that need, the rest are
// taken, done and rated; the list states match. Also: bad input is a clear 4xx that
// changes nothing, out of scope is 404, the provider's inbox, projects with a unit's
// commitment, and the expiry job. Runs on SQLite and PostgreSQL.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { assertErrorShape, assertNoSanitizerReport } from './util.mjs';
import { sql } from './auth-util.mjs';
import { G1, C1, idNumber, peopleWorld } from './people-util.mjs';

let srv, w;
const get = (path, who) => api(srv, 'GET', path, undefined, who.bearer);
const post = (path, body, who) => api(srv, 'POST', path, body, who.bearer);
const iso = (ms) => new Date(ms).toISOString();
const WEEK = 7 * 86400e3;

const ids = {};
const needs = {};
const offers = {};
const counts = () => sql(srv, `SELECT (SELECT COUNT(*) FROM match_needs), (SELECT COUNT(*) FROM match_offers),
  (SELECT COUNT(*) FROM match_runs), (SELECT COUNT(*) FROM match_proposals),
  (SELECT COUNT(*) FROM match_projects), (SELECT COUNT(*) FROM audit_log)`)[0].join(',');

before(async () => {
  srv = await startServer({ env: { GONGZHI_MATCH_SWEEP_S: '1' } });
  w = await peopleWorld(srv, { tag: 'm' });
  const gw = w.as.grid_worker;
  const P = {
    zhang: { name: '张建国', id_number: idNumber('19490101', 12), tags: ['独居老人'] },
    li: { name: '李秀英', id_number: idNumber('19400315', 24), tags: ['高龄'] },
    chen: { name: '陈小军', id_number: idNumber('19800601', 36), tags: [] },
  };
  for (const [k, p] of Object.entries(P)) {
    const r = await post('/api/v1/residents', { ...p, grid_code: G1 }, gw);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    ids[k] = r.body.id;
  }
  const r = await api(srv, 'PATCH', `/api/v1/residents/${ids.zhang}`, { user_id: w.as.resident.user.id }, gw.bearer);
  assert.equal(r.status, 200, JSON.stringify(r.body));
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

const needBody = (extra = {}) => ({
  skill: '陪诊', title: '陪同去医院复查', lng: 116.4003, lat: 39.9003,
  window_start: iso(Date.now()), window_end: iso(Date.now() + WEEK), est_minutes: 120, ...extra,
});
const offerBody = (extra = {}) => ({
  kind: 'person', scope_code: C1, skills: ['陪诊', '助餐'], capacity_per_week: 3, radius_m: 3000,
  lng: 116.4001, lat: 39.9001, windows: [{ weekday: 6, from: '09:00', to: '12:00' }], ...extra,
});

describe('the scenario of the issue', () => {
  test('a resident posts a need for themselves; staff post two on residents\' behalf', async () => {
    let r = await post('/api/v1/needs', needBody(), w.as.resident);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.status, 'open');
    assert.equal(r.body.resident.id, ids.zhang);
    assert.equal(r.body.grid_code, G1);
    assert.ok(r.body.grid_name, 'the grid by name');
    needs.zhang = r.body.id;
    for (const k of ['li', 'chen']) {
      r = await post('/api/v1/needs', needBody({ resident_id: ids[k], lng: 116.4006, lat: 39.9006 }), w.as.grid_worker);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.posted_by.length > 0, true);
      needs[k] = r.body.id;
    }
    r = await get('/api/v1/me/needs', w.as.resident);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.items.map((x) => x.id), [needs.zhang]);
  });

  test('a Party member and a volunteer offer their services', async () => {
    let r = await post('/api/v1/offers', offerBody(), w.as.party_member);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    offers.pm = r.body.id;
    assert.equal(r.body.user_id, w.as.party_member.user.id);
    r = await post('/api/v1/offers', offerBody({ skills: ['陪诊'], lng: 116.401, lat: 39.901 }), w.as.volunteer);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    offers.vol = r.body.id;
    r = await get(`/api/v1/offers?community=${C1}`, w.as.community_staff);
    assert.equal(r.status, 200);
    assert.equal(r.body.items.length, 2);
  });

  let run1;
  test('a run proposes every need, with its reasons', async () => {
    const r = await post('/api/v1/matching/runs', { community_code: C1 }, w.as.community_staff);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    run1 = r.body;
    assert.equal(run1.needs, 3);
    assert.equal(run1.offers, 2);
    assert.equal(run1.pairs, 3);
    assert.equal(run1.proposals.length, 3);
    assert.equal(run1.objective, run1.parts.distance + run1.parts.load - run1.parts.priority);
    const zh = run1.proposals.find((p) => p.need.id === needs.zhang);
    assert.equal(zh.reasons.skill, '陪诊');
    assert.equal(zh.reasons.weight_tags, 3, '独居老人 weighs 3');
    assert.ok(zh.reasons.distance_m >= 0);
    assert.ok(zh.offer.base.lng && zh.need.location.lat, 'points for the map');
    const list = await get(`/api/v1/needs?community=${C1}`, w.as.community_staff);
    assert.deepEqual(list.body.items.map((x) => x.status), ['proposed', 'proposed', 'proposed']);
    // Each provider given a need hears of it in their inbox (the skill, not the resident).
    for (const who of [w.as.party_member, w.as.volunteer]) {
      const mine = run1.proposals.filter((p) => p.offer.id === (who === w.as.party_member ? offers.pm : offers.vol));
      const inbox = (await get('/api/v1/notifications', who)).body.items.filter((n) => n.kind === 'match.proposed');
      assert.equal(inbox.length, mine.length);
      for (const n of inbox) assert.doesNotMatch(n.title, /张|李|陈/);
    }
    const again = await get(`/api/v1/matching/runs/${run1.id}`, w.as.community_staff);
    assert.equal(again.status, 200);
    assert.equal(again.body.proposals.length, 3);
  });

  let declined;
  test('one provider declines; the next run gives that need to the other', async () => {
    // The provider who got zhang's need declines it from their inbox.
    const zh = run1.proposals.find((p) => p.need.id === needs.zhang);
    const who = zh.offer.id === offers.pm ? w.as.party_member : w.as.volunteer;
    const inbox = await get('/api/v1/me/proposals?status=proposed', who);
    assert.equal(inbox.status, 200);
    assert.ok(inbox.body.items.some((p) => p.id === zh.id));
    assert.ok(inbox.body.items.every((p) => p.need.resident_name.includes('*')), 'names masked for providers');
    let r = await post(`/api/v1/proposals/${zh.id}/decline`, { reason: '那天不在' }, who);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'open');
    declined = zh;
    // Declining twice: 409, nothing changed.
    const before = counts();
    r = await post(`/api/v1/proposals/${zh.id}/decline`, {}, who);
    assert.equal(r.status, 409);
    assertErrorShape(r.body, 'bad_state');
    assert.equal(counts(), before);

    r = await post('/api/v1/matching/runs', { community_code: C1 }, w.as.community_staff);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.needs, 1, 'only the open need');
    assert.equal(r.body.proposals.length, 1);
    const p = r.body.proposals[0];
    assert.equal(p.need.id, needs.zhang);
    assert.notEqual(p.offer.id, declined.offer.id, 'never the declined pair again');
  });

  test('the rest are taken, done and rated; the list states match', async () => {
    for (const [who, oid] of [[w.as.party_member, offers.pm], [w.as.volunteer, offers.vol]]) {
      const inbox = await get('/api/v1/me/proposals?status=proposed', who);
      for (const p of inbox.body.items) {
        assert.equal(p.offer.id, oid);
        const r = await post(`/api/v1/proposals/${p.id}/accept`, {}, who);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.status, 'taken');
        const d = await post(`/api/v1/needs/${p.need.id}/complete`, { minutes: 90 }, who);
        assert.equal(d.status, 200, JSON.stringify(d.body));
        assert.equal(d.body.status, 'done');
        assert.equal(d.body.minutes, 90);
      }
    }
    const told = (await get('/api/v1/notifications', w.as.resident)).body.items.map((n) => n.kind);
    assert.ok(told.includes('match.taken') && told.includes('match.done'), JSON.stringify(told));
    // zhang rates their own; staff rate for the others.
    let r = await post(`/api/v1/needs/${needs.zhang}/rate`, { rating: 5, comment: '很耐心' }, w.as.resident);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'rated');
    for (const k of ['li', 'chen']) {
      r = await post(`/api/v1/needs/${needs[k]}/rate`, { rating: 4 }, w.as.grid_worker);
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    const list = await get(`/api/v1/needs?community=${C1}`, w.as.community_staff);
    assert.deepEqual(list.body.items.map((x) => x.status), ['rated', 'rated', 'rated']);
    const props = sql(srv, 'SELECT status, COUNT(*) FROM match_proposals GROUP BY status ORDER BY status');
    assert.deepEqual(props.map((x) => `${x[0]}:${x[1]}`), ['accepted:3', 'declined:1']);
  });
});

describe('bad input and scope', () => {
  test('a need with bad fields: 422 naming each, nothing changed', async () => {
    const before = counts();
    for (const [body, field] of [
      [needBody({ skill: '' }), 'skill'],
      [needBody({ title: undefined }), 'title'],
      [needBody({ window_end: iso(Date.now() - 1000) }), 'window_end'],
      [needBody({ est_minutes: 0 }), 'est_minutes'],
      [needBody({ est_minutes: 1.5 }), 'est_minutes'],
      [needBody({ lng: 'x' }), 'lng'],
      [needBody({ lat: undefined }), 'lat'],
      [needBody({ kind: 'other' }), 'kind'],
    ]) {
      const r = await post('/api/v1/needs', body, w.as.resident);
      assert.equal(r.status, 422, `${field}: ${JSON.stringify(r.body)}`);
      assertErrorShape(r.body, 'invalid_fields');
      assert.ok(field in r.body.error.fields, `${field}: ${JSON.stringify(r.body)}`);
    }
    let r = await api(srv, 'POST', '/api/v1/needs', '{"skill":', { ...w.as.resident.bearer });
    assert.equal(r.status, 400);
    assert.equal(counts(), before);
  });

  test('an offer with bad fields: 422, nothing changed', async () => {
    const before = counts();
    for (const [body, field] of [
      [offerBody({ capacity_per_week: -1 }), 'capacity_per_week'],
      [offerBody({ radius_m: -5 }), 'radius_m'],
      [offerBody({ skills: [] }), 'skills'],
      [offerBody({ skills: [''] }), 'skills'],
      [offerBody({ windows: [{ weekday: 8, from: '09:00', to: '10:00' }] }), 'windows'],
      [offerBody({ items: [{ kind: 'car', name: 'x', quantity: 1 }] }), 'items'],
      [offerBody({ kind: 'unit' }), 'org_id'],
      [offerBody({ scope_code: '12' }), 'scope_code'],
    ]) {
      const r = await post('/api/v1/offers', body, w.as.volunteer);
      assert.equal(r.status, 422, `${field}: ${JSON.stringify(r.body)}`);
      assert.ok(field in r.body.error.fields, `${field}: ${JSON.stringify(r.body)}`);
    }
    assert.equal(counts(), before);
  });

  test('out of scope is 404, like a record that does not exist', async () => {
    const before = counts();
    let r = await post('/api/v1/matching/runs', { community_code: C1 }, w.ca2);
    assert.equal(r.status, 404);
    r = await post('/api/v1/matching/runs', { community_code: C1 }, w.as.grid_worker);
    assert.equal(r.status, 404, 'a grid worker runs nothing for the community');
    r = await post('/api/v1/matching/runs', { community_code: 'abc' }, w.as.community_staff);
    assert.equal(r.status, 422);
    r = await get(`/api/v1/needs/${needs.li}`, w.gw2);
    assert.equal(r.status, 404);
    r = await get('/api/v1/needs/999999', w.as.community_staff);
    assert.equal(r.status, 404);
    r = await post('/api/v1/needs', needBody({ resident_id: ids.li }), w.gw2);
    assert.equal(r.status, 404);
    r = await post(`/api/v1/needs/${needs.li}/cancel`, {}, w.as.resident);
    assert.equal(r.status, 404, 'another resident\'s need');
    r = await get(`/api/v1/needs?community=${C1}`, w.as.resident);
    assert.equal(r.status, 403, 'residents see only their own, by /me/needs');
    r = await get(`/api/v1/needs?community=${C1}`, w.ca2);
    assert.equal(r.status, 200);
    assert.equal(r.body.items.length, 0, 'another community\'s staff: nothing of C1');
    assert.equal(counts(), before);
  });
});

describe('by hand: a provider claims (抢单), staff assign', () => {
  test('a provider sees the open needs in reach and claims one: taken at once', async () => {
    let r = await post('/api/v1/needs', needBody({ resident_id: ids.chen, skill: '助餐', title: '送午饭' }), w.as.grid_worker);
    assert.equal(r.status, 201);
    const need = r.body.id;
    // Only the Party member offers 助餐.
    r = await get('/api/v1/me/open-needs', w.as.volunteer);
    assert.equal(r.status, 200);
    assert.ok(!r.body.items.some((n) => n.id === need), 'not the volunteer\'s skill');
    r = await get('/api/v1/me/open-needs', w.as.party_member);
    const open = r.body.items.find((n) => n.id === need);
    assert.ok(open, JSON.stringify(r.body));
    assert.equal(open.via_offer_id, offers.pm);
    assert.ok(open.resident.name.includes('*'), 'masked for a provider');
    assert.equal(open.description, undefined);
    const before = counts();
    r = await post(`/api/v1/needs/${need}/claim`, { offer_id: offers.vol }, w.as.volunteer);
    assert.equal(r.status, 422, 'the volunteer lacks the skill');
    r = await post(`/api/v1/needs/${need}/claim`, { offer_id: offers.vol }, w.as.party_member);
    assert.equal(r.status, 404, 'another\'s offer: as if there were no need');
    assert.equal(counts(), before);
    r = await post(`/api/v1/needs/${need}/claim`, { offer_id: offers.pm }, w.as.party_member);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'taken');
    assert.equal(r.body.offer.id, offers.pm);
    r = await post(`/api/v1/needs/${need}/claim`, { offer_id: offers.pm }, w.as.party_member);
    assert.equal(r.status, 409);
  });

  test('staff assign a need to an offer by hand, replacing the engine\'s proposal', async () => {
    let r = await post('/api/v1/needs', needBody({ resident_id: ids.li, title: '再去复查' }), w.as.grid_worker);
    const need = r.body.id;
    r = await post('/api/v1/matching/runs', { community_code: C1 }, w.as.community_staff);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const p = r.body.proposals.find((x) => x.need.id === need);
    assert.ok(p, 'the engine proposed it');
    const other = p.offer.id === offers.pm ? offers.vol : offers.pm;
    r = await post(`/api/v1/needs/${need}/assign`, { offer_id: other }, w.as.grid_worker);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'proposed');
    assert.equal(r.body.offer.id, other);
    const rows = sql(srv, `SELECT status FROM match_proposals WHERE need_id = ${need} ORDER BY id`).map((x) => x[0]);
    assert.deepEqual(rows, ['withdrawn', 'proposed']);
    r = await post(`/api/v1/needs/${need}/assign`, { offer_id: other }, w.gw2);
    assert.equal(r.status, 404);
    r = await post(`/api/v1/needs/${need}/assign`, { offer_id: other }, w.as.party_member);
    assert.equal(r.status, 404, 'providers do not assign');
  });
});

describe('projects', () => {
  test('a project with milestones and completion report', async () => {
    let r = await post('/api/v1/projects', { scope_code: C1, title: '加装楼道扶手', budget_fen: 1200000, need_id: needs.li }, w.as.community_staff);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const p = r.body;
    assert.equal(p.status, 'planning');
    r = await post(`/api/v1/projects/${p.id}/milestones`, { title: '采购', due_at: iso(Date.now() + WEEK) }, w.as.community_staff);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'running');
    r = await post(`/api/v1/projects/${p.id}/commitments`, { org_id: '999999', content: '出资' }, w.as.community_staff);
    assert.equal(r.status, 422, JSON.stringify(r.body));
    r = await post(`/api/v1/projects/${p.id}/complete`, { report: '已完成 12 处扶手' }, w.as.community_staff);
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'completed');
    r = await post(`/api/v1/projects/${p.id}/complete`, { report: 'again' }, w.as.community_staff);
    assert.equal(r.status, 409);
    r = await get(`/api/v1/projects/${p.id}`, w.ca2);
    assert.equal(r.status, 404);
    r = await get(`/api/v1/projects?community=${C1}`, w.as.unit_contact);
    assert.equal(r.status, 200);
    assert.equal(r.body.items.length, 1);
  });
});

describe('concurrent runs', () => {
  test('two runs of one community at once: each need proposed once', async () => {
    for (let i = 0; i < 4; i++) {
      const r = await post('/api/v1/needs', needBody({ resident_id: ids.li, title: `并发 ${i}` }), w.as.grid_worker);
      assert.equal(r.status, 201);
    }
    const rs = await Promise.all([1, 2, 3].map(() => post('/api/v1/matching/runs', { community_code: C1 }, w.as.community_staff)));
    for (const r of rs) assert.equal(r.status, 201, JSON.stringify(r.body));
    const dup = sql(srv, "SELECT need_id, COUNT(*) FROM match_proposals WHERE status = 'proposed' GROUP BY need_id HAVING COUNT(*) > 1");
    assert.deepEqual(dup, []);
    const proposed = Number(sql(srv, "SELECT COUNT(*) FROM match_needs WHERE status = 'proposed'")[0][0]);
    const live = Number(sql(srv, "SELECT COUNT(*) FROM match_proposals WHERE status = 'proposed'")[0][0]);
    assert.equal(live, proposed, 'one live proposal per proposed need');
  });
});

describe('scheduled runs', () => {
  test('with run_every_hours set, the match.runs job runs every community with open needs', async () => {
    let r = await post('/api/v1/offers', offerBody({ skills: ['上门理发'] }), w.as.party_member);
    assert.equal(r.status, 201);
    r = await post('/api/v1/needs', needBody({ title: '定时匹配', skill: '上门理发' }), w.as.resident);
    assert.equal(r.status, 201);
    const runs = () => Number(sql(srv, "SELECT COUNT(*) FROM match_runs WHERE run_by_name = 'system'")[0][0]);
    assert.equal(runs(), 0, 'off by default');
    sql(srv, "UPDATE match_settings SET value = 1 WHERE name = 'run_every_hours'");
    sql(srv, "UPDATE jobs SET run_at = 0 WHERE kind = 'match.runs' AND state = 'queued'");
    let status = 'open';
    for (let i = 0; i < 60 && status === 'open'; i++) {
      await new Promise((res) => setTimeout(res, 250));
      status = (await get(`/api/v1/needs/${r.body.id}`, w.as.resident)).body.status;
    }
    assert.equal(status, 'proposed');
    assert.equal(runs(), 1);
    sql(srv, "UPDATE match_settings SET value = 0 WHERE name = 'run_every_hours'");
  });
});

describe('expiry', () => {
  test('a need whose window ends unserved expires (the match.expiry job)', async () => {
    const r = await post('/api/v1/needs', needBody({ window_end: iso(Date.now() + 1500) }), w.as.resident);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    let status = 'open';
    for (let i = 0; i < 40 && status !== 'expired'; i++) {
      await new Promise((res) => setTimeout(res, 250));
      status = (await get(`/api/v1/needs/${r.body.id}`, w.as.resident)).body.status;
    }
    assert.equal(status, 'expired');
  });
});
