// Mobilisation over HTTP (issue 13): activities with sign-up and a waitlist promoted in
// order, check-in and check-out with the organiser's rotating code (and every bad input:
// wrong, expired, malformed, outside the window, twice, not signed up, check-out before
// check-in), a missing check-out closed by the organiser, hours confirmed with no-shows,
// service records and their corrections, the points ledger (admin adjustments with a
// reason, earning rules), the charity store (items, stock, donations, redemption,
// pick-up, cancellation), scopes, audit rows, and the ledger check on the result. Runs on
// SQLite, PostgreSQL and two processes sharing PostgreSQL.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, api, cli } from '../lib/server.mjs';
import { assertErrorShape, assertNoSanitizerReport } from './util.mjs';
import { sql } from './auth-util.mjs';
import { C1, C2, G1, C2G1, mobWorld, iso, totp, secretOf, safeStep, ledgerCheck } from './mob-util.mjs';

let srv, org, who;

// The text of a PDF by poppler's pdftotext when installed (not a dependency), else null.
function pdfText(bytes) {
  try {
    return execFileSync('pdftotext', ['-', '-'], { input: bytes, encoding: 'utf8' });
  } catch {
    return null;
  }
}
const HOUR = 3600000;

before(async () => {
  srv = await startServer();
  ({ org, who } = await mobWorld(srv, {
    staff: [['community_staff', C1]],
    sec: [['community_admin', C1]],
    v1: [['volunteer', C1]],
    v2: [['volunteer', C1]],
    v3: [['volunteer', C1]],
    res: [['resident', G1]],
    out: [['volunteer', C2]],
    staff2: [['community_staff', C2]],
  }));
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

const call = (method, path, body, s) => api(srv, method, path, body, s.bearer);
const post = (path, body, s) => call('POST', path, body, s);
const get = (path, s) => call('GET', path, undefined, s);
const tables = () => sql(srv, `SELECT
  (SELECT COUNT(*) FROM mob_activities), (SELECT COUNT(*) FROM mob_signups),
  (SELECT COALESCE(SUM(CASE WHEN check_in_at IS NULL THEN 0 ELSE 1 END), 0) FROM mob_signups),
  (SELECT COALESCE(SUM(CASE WHEN check_out_at IS NULL THEN 0 ELSE 1 END), 0) FROM mob_signups),
  (SELECT COUNT(*) FROM mob_service_records), (SELECT COUNT(*) FROM points_entries),
  (SELECT COALESCE(SUM(balance), 0) FROM points_accounts), (SELECT COUNT(*) FROM store_items),
  (SELECT COALESCE(SUM(stock), 0) FROM store_items), (SELECT COUNT(*) FROM store_redemptions),
  (SELECT COUNT(*) FROM audit_log)`)[0].join(',');

async function unchanged(fn) {
  const before = tables();
  await fn();
  assert.equal(tables(), before, 'nothing written');
}

function expect(r, status, code, what) {
  assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
  assertErrorShape(r.body, code, what);
}

function activity(over = {}) {
  const now = Date.now();
  return {
    kind: 'volunteer', organiser_org_id: org.c1, title: '社区环境清洁', description: '清理楼道杂物',
    place_code: C1, address: '多福巷社区广场', start_at: iso(now - HOUR), end_at: iso(now + HOUR),
    slots: 2, skills: ['清洁', '搬运'], ...over,
  };
}

async function publish(over = {}, s = who.staff) {
  const r = await post('/api/v1/activities', activity(over), s);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

describe('activities', () => {
  test('publishing checks every field and the place', async () => {
    await unchanged(async () => {
      const r = await post('/api/v1/activities', {
        kind: 'party2', organiser_org_id: 'x', title: '', place_code: '1101', start_at: 'tomorrow',
        end_at: iso(Date.now()), slots: 0, skills: 'a', points_per_hour: -1,
      }, who.staff);
      expect(r, 422, 'invalid_fields', 'bad activity');
      for (const f of ['kind', 'organiser_org_id', 'title', 'place_code', 'start_at', 'slots', 'skills', 'points_per_hour'])
        assert.ok(f in r.body.error.fields, `field ${f}: ${JSON.stringify(r.body.error.fields)}`);
      const now = Date.now();
      const rev = await post('/api/v1/activities', activity({ start_at: iso(now), end_at: iso(now - 1000) }), who.staff);
      expect(rev, 422, 'invalid_fields', 'end before start');
      assert.ok('end_at' in rev.body.error.fields);
      const orgElse = await post('/api/v1/activities', activity({ organiser_org_id: org.c2 }), who.staff);
      expect(orgElse, 422, 'invalid_fields', 'organiser out of reach');
      assert.equal(orgElse.body.error.fields.organiser_org_id, '组织不存在');
      expect(await post('/api/v1/activities', activity({ place_code: C2 }), who.staff), 404, 'not_found', 'other community');
      expect(await post('/api/v1/activities', activity(), who.v1), 403, 'forbidden', 'volunteers do not publish');
      expect(await post('/api/v1/activities', activity({ place_code: C1 + '009' }), who.staff), 422, 'invalid_fields', 'no such grid');
    });
  });

  test('a community activity is seen from its grids, not from another community', async () => {
    const a = await publish({ title: '可见性测试' });
    assert.equal(a.points_per_hour, 1, 'the service_hour rule is the default');
    assert.equal(a.status, 'open');
    assert.deepEqual(a.skills, ['清洁', '搬运']);
    assert.equal(a.organiser.name, 'c1居委会');
    assert.ok(!('code_secret' in a) && !JSON.stringify(a).includes('secret'));
    const ids = async (s, q = '') => {
      const r = await get(`/api/v1/activities?limit=200${q}`, s);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.items.map((x) => x.id);
    };
    assert.ok((await ids(who.res)).includes(a.id), 'a resident of grid 001 sees the community activity');
    assert.ok((await ids(who.res, `&place=${G1}`)).includes(a.id));
    assert.ok((await ids(who.v1)).includes(a.id));
    assert.ok(!(await ids(who.out)).includes(a.id), 'another community does not');
    expect(await get(`/api/v1/activities/${a.id}`, who.out), 404, 'not_found', 'detail out of scope');
    const d = await get(`/api/v1/activities/${a.id}`, who.res);
    assert.equal(d.status, 200);
    assert.equal(d.body.my_signup, null);
    assert.equal(d.body.can_organise, false);
    assert.equal((await get(`/api/v1/activities/${a.id}`, who.staff)).body.can_organise, true);
    expect(await get(`/api/v1/activities/${a.id}/code`, who.v1), 403, 'forbidden', 'code is the organiser\'s');
    expect(await get(`/api/v1/activities/${a.id}/code`, who.staff2), 404, 'not_found', 'code out of scope');
    const code = await get(`/api/v1/activities/${a.id}/code`, who.staff);
    assert.equal(code.status, 200);
    assert.match(code.body.code, /^\d{6}$/);
    assert.equal(code.body.window_open, true);
    // The same code as a QR image of the activity's page with the code filled in.
    assert.match(code.body.check_in_url, new RegExp(`^https?://[^/]+/mobilisation/activities/${a.id}\\?code=${code.body.code}$`));
    assert.match(code.body.qr_svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 (\d+) \1"/);
    assert.match(code.body.qr_svg, /<path fill="#000" d="(M\d+ \d+h1v1h-1z)+"\/><\/svg>$/);
    expect(await get('/api/v1/activities?kind=x', who.v1), 400, 'bad_query', 'bad kind');
  });

  test('sign-up beyond the slots is waitlisted, and a cancellation promotes in order', async () => {
    const a = await publish({ title: '候补测试', slots: 2 });
    const su = (s) => post(`/api/v1/activities/${a.id}/signups`, {}, s);
    const r1 = await su(who.v1);
    assert.equal(r1.status, 201, JSON.stringify(r1.body));
    assert.equal(r1.body.status, 'confirmed');
    assert.equal((await su(who.v2)).body.status, 'confirmed');
    const r3 = await su(who.v3);
    assert.equal(r3.body.status, 'waitlisted');
    assert.equal(r3.body.waitlist_position, 1);
    const r4 = await su(who.res);
    assert.equal(r4.body.status, 'waitlisted');
    assert.equal(r4.body.waitlist_position, 2);
    await unchanged(async () => {
      expect(await su(who.v1), 409, 'already_signed_up', 'twice');
      expect(await su(who.out), 404, 'not_found', 'out of scope');
      expect(await post(`/api/v1/activities/999999/signups`, {}, who.v1), 404, 'not_found', 'no activity');
      expect(await call('DELETE', `/api/v1/activities/${a.id}/signups/me`, undefined, who.sec), 409, 'not_signed_up', 'cancel without sign-up');
    });
    const c = await call('DELETE', `/api/v1/activities/${a.id}/signups/me`, undefined, who.v1);
    assert.equal(c.status, 200, JSON.stringify(c.body));
    assert.equal(c.body.status, 'cancelled');
    assert.deepEqual(c.body.promoted, [r3.body.id], 'the first waitlisted takes the slot');
    const d3 = await get(`/api/v1/activities/${a.id}`, who.v3);
    assert.equal(d3.body.my_signup.status, 'confirmed');
    const d4 = await get(`/api/v1/activities/${a.id}`, who.res);
    assert.equal(d4.body.my_signup.waitlist_position, 1);
    const act = await get(`/api/v1/activities/${a.id}`, who.staff);
    assert.equal(act.body.confirmed_count, 2);
    assert.equal(act.body.waitlisted_count, 1);
    // v1 comes back: the end of the queue
    const again = await su(who.v1);
    assert.equal(again.status, 201);
    assert.equal(again.body.status, 'waitlisted');
    assert.equal(again.body.waitlist_position, 2);
    const list = await get(`/api/v1/activities/${a.id}/signups`, who.staff);
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.items.map((s) => s.status), ['confirmed', 'confirmed', 'waitlisted', 'waitlisted']);
    expect(await get(`/api/v1/activities/${a.id}/signups`, who.v2), 403, 'forbidden', 'volunteers do not list sign-ups');
    const mine = await get('/api/v1/me/activities', who.v3);
    assert.equal(mine.body.items[0].activity.id, a.id);
  });
});

describe('editing and cancelling an activity', () => {
  test('the organisers edit an open activity; bad input and out of scope change nothing', async () => {
    const a = await publish({ title: '修改测试', slots: 1 });
    const p = (body, s = who.staff) => call('PATCH', `/api/v1/activities/${a.id}`, body, s);
    const s1 = await post(`/api/v1/activities/${a.id}/signups`, {}, who.v1);
    const s2 = await post(`/api/v1/activities/${a.id}/signups`, {}, who.v2);
    assert.equal(s2.body.status, 'waitlisted');
    await unchanged(async () => {
      expect(await p({ title: 'x' }, who.v1), 403, 'forbidden', 'a volunteer');
      expect(await p({ title: 'x' }, who.staff2), 404, 'not_found', 'out of scope');
      expect(await call('PATCH', '/api/v1/activities/999999', { title: 'x' }, who.staff), 404, 'not_found', 'no activity');
      expect(await p({}), 422, 'invalid_fields', 'nothing to change');
      expect(await p({ place_code: G1 }), 422, 'invalid_fields', 'the place stays');
      expect(await p({ kind: 'party' }), 422, 'invalid_fields', 'the kind stays');
      expect(await p({ colour: 'red' }), 422, 'invalid_fields', 'unknown field');
      expect(await p({ title: '' }), 422, 'invalid_fields', 'empty title');
      expect(await p({ slots: 0 }), 422, 'invalid_fields', 'no slots');
      expect(await p({ slots: -3 }), 422, 'invalid_fields', 'negative slots');
      expect(await p({ points_per_hour: -1 }), 422, 'invalid_fields', 'negative points');
      expect(await p({ end_at: a.start_at }), 422, 'invalid_fields', 'end before start');
      expect(await p({ start_at: 'tomorrow' }), 422, 'invalid_fields', 'not a time');
      expect(await p({ skills: 'x' }), 422, 'invalid_fields', 'skills not a list');
    });
    let r = await p({ title: '修改后的活动', slots: 2, address: '多福巷社区活动室', skills: ['清洁'] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.title, '修改后的活动');
    assert.equal(r.body.address, '多福巷社区活动室');
    assert.deepEqual(r.body.skills, ['清洁']);
    assert.deepEqual(r.body.promoted, [s2.body.id], 'a new slot takes the waitlist in order');
    assert.equal(r.body.confirmed_count, 2);
    await unchanged(async () => {
      expect(await p({ slots: 1 }), 422, 'invalid_fields', 'fewer slots than those holding one');
    });
    // Cancelled: everyone who signed up sees it with the reason; nothing else moves.
    await unchanged(async () => {
      expect(await post(`/api/v1/activities/${a.id}/cancel`, {}, who.staff), 422, 'invalid_fields', 'no reason');
      expect(await post(`/api/v1/activities/${a.id}/cancel`, { reason: 'x' }, who.v1), 403, 'forbidden', 'a volunteer');
      expect(await post(`/api/v1/activities/${a.id}/cancel`, { reason: 'x' }, who.staff2), 404, 'not_found', 'out of scope');
    });
    r = await post(`/api/v1/activities/${a.id}/cancel`, { reason: '暴雨预警，活动取消' }, who.staff);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'cancelled');
    assert.equal(r.body.status_label, '已取消');
    assert.equal(r.body.cancel_reason, '暴雨预警，活动取消');
    const seen = await get(`/api/v1/activities/${a.id}`, who.v1);
    assert.equal(seen.body.status, 'cancelled');
    assert.equal(seen.body.my_signup.id, s1.body.id);
    const mine = await get('/api/v1/me/activities', who.v2);
    const it = mine.body.items.find((x) => x.activity.id === a.id);
    assert.equal(it.activity.status, 'cancelled');
    assert.equal(it.activity.cancel_reason, '暴雨预警，活动取消');
    await unchanged(async () => {
      expect(await post(`/api/v1/activities/${a.id}/cancel`, { reason: 'again' }, who.staff), 409, 'activity_closed', 'twice');
      expect(await p({ title: 'x' }), 409, 'activity_closed', 'edit after cancelling');
      expect(await post(`/api/v1/activities/${a.id}/signups`, {}, who.v3), 409, 'activity_closed', 'sign up after cancelling');
      expect(await get(`/api/v1/activities/${a.id}/code`, who.staff), 409, 'activity_closed', 'no code after cancelling');
    });
  });

  test('after a check-in the schedule stays; cancelling takes back nothing credited', async () => {
    const now = Date.now();
    const a = await publish({ title: '签到后修改', slots: 2, start_at: iso(now - HOUR), end_at: iso(now + HOUR) });
    assert.equal((await post(`/api/v1/activities/${a.id}/signups`, {}, who.v1)).status, 201);
    const step = await safeStep();
    const r = await post(`/api/v1/activities/${a.id}/check-in`, { code: totp(secretOf(srv, a.id), step) }, who.v1);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await unchanged(async () => {
      expect(await call('PATCH', `/api/v1/activities/${a.id}`, { end_at: iso(now + 2 * HOUR) }, who.staff), 409, 'already_checked_in', 'schedule after check-in');
    });
    const ok = await call('PATCH', `/api/v1/activities/${a.id}`, { description: '带上手套' }, who.staff);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const points = sql(srv, 'SELECT COUNT(*), COALESCE(SUM(balance), 0) FROM points_accounts')[0].join(',');
    const records = sql(srv, 'SELECT COUNT(*) FROM mob_service_records')[0][0];
    const c = await post(`/api/v1/activities/${a.id}/cancel`, { reason: '组织方临时有事' }, who.staff);
    assert.equal(c.status, 200, JSON.stringify(c.body));
    assert.equal(sql(srv, 'SELECT COUNT(*), COALESCE(SUM(balance), 0) FROM points_accounts')[0].join(','), points);
    assert.equal(sql(srv, 'SELECT COUNT(*) FROM mob_service_records')[0][0], records);
    expect(await post(`/api/v1/activities/${a.id}/check-out`, { code: totp(secretOf(srv, a.id), await safeStep()) }, who.v1), 409, 'activity_closed', 'check-out after cancelling');
  });
});

describe('check-in, check-out and hours', () => {
  test('bad codes and bad order change nothing; the right codes check in and out', async () => {
    const now = Date.now();
    const a = await publish({ title: '签到测试', slots: 3, start_at: iso(now - 2 * HOUR), end_at: iso(now + HOUR) });
    for (const s of [who.v1, who.v2, who.v3]) assert.equal((await post(`/api/v1/activities/${a.id}/signups`, {}, s)).status, 201);
    const secret = secretOf(srv, a.id);
    const ci = (body, s) => post(`/api/v1/activities/${a.id}/check-in`, body, s);
    const co = (body, s) => post(`/api/v1/activities/${a.id}/check-out`, body, s);
    let step = await safeStep();
    // the organiser's screen shows exactly the RFC 6238 code of the step
    assert.equal((await get(`/api/v1/activities/${a.id}/code`, who.staff)).body.code, totp(secret, step));
    const recent = new Set(Array.from({ length: 24 }, (_, i) => totp(secret, step - i)));
    const wrong = ['000000', '123456', '999999', '314159'].find((c) => !recent.has(c));
    await unchanged(async () => {
      expect(await ci({ code: wrong }, who.v1), 422, 'code_wrong', 'wrong code');
      expect(await ci({ code: totp(secret, step - 4) }, who.v1), 422, 'code_expired', 'expired code');
      const bad = await ci({ code: '12ab56' }, who.v1);
      expect(bad, 422, 'invalid_fields', 'malformed code');
      assert.ok('code' in bad.body.error.fields);
      expect(await ci({}, who.v1), 422, 'invalid_fields', 'no code');
      expect(await ci({ code: totp(secret, step) }, who.sec), 409, 'not_signed_up', 'not signed up');
      expect(await ci({ code: totp(secret, step) }, who.out), 404, 'not_found', 'out of scope');
      expect(await co({ code: totp(secret, step) }, who.v1), 409, 'not_checked_in', 'check-out before check-in');
    });
    step = await safeStep();
    const r = await ci({ code: totp(secret, step - 1) }, who.v1);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.check_in_at);
    await unchanged(async () => {
      expect(await ci({ code: totp(secret, step) }, who.v1), 409, 'already_checked_in', 'twice');
      // the code already used cannot check out
      expect(await co({ code: totp(secret, step - 1) }, who.v1), 409, 'code_used', 'code reused');
    });
    // v2 checks in with the same code: single use is per person
    assert.equal((await ci({ code: totp(secret, step - 1) }, who.v2)).status, 200);
    // The test cannot wait two hours: v1 arrived 10 minutes after the start, and the
    // activity ended 5 minutes ago (start + 115 min); v1 checks out now, after the end.
    const start = Date.parse(a.start_at);
    sql(srv, `UPDATE mob_signups SET check_in_at = ${start + 10 * 60000} WHERE activity_id = ${a.id} AND user_id = ${who.v1.id}`);
    sql(srv, `UPDATE mob_activities SET end_at = ${start + 115 * 60000} WHERE id = ${a.id}`);
    const out = await co({ code: totp(secret, step) }, who.v1);
    assert.equal(out.status, 200, JSON.stringify(out.body));
    assert.ok(out.body.check_out_at);
    assert.equal(out.body.minutes_expected, 105, JSON.stringify(out.body));
    expect(await co({ code: totp(secret, step) }, who.v1), 409, 'already_checked_out', 'out twice');

    // confirming while v2 has not checked out: refused
    await unchanged(async () => {
      expect(await post(`/api/v1/activities/${a.id}/confirm`, {}, who.staff), 409, 'open_check_outs', 'open check-outs');
      expect(await post(`/api/v1/activities/${a.id}/confirm`, {}, who.v1), 403, 'forbidden', 'volunteers do not confirm');
    });
    const signups = (await get(`/api/v1/activities/${a.id}/signups`, who.staff)).body.items;
    const s2 = signups.find((s) => s.user.id === who.v2.id);
    await unchanged(async () => {
      const bad = await post(`/api/v1/activities/${a.id}/signups/${s2.id}/check-out`, { at: iso(Date.now() + HOUR) }, who.staff);
      expect(bad, 422, 'invalid_fields', 'check-out in the future');
      assert.ok('at' in bad.body.error.fields);
      expect(await post(`/api/v1/activities/${a.id}/signups/${s2.id}/check-out`, {}, who.v2), 403, 'forbidden', 'only the organiser closes');
    });
    // the organiser closes v2's check-out at a time they saw them leave
    const leave = start + 40 * 60000;
    sql(srv, `UPDATE mob_signups SET check_in_at = ${start} WHERE id = ${s2.id}`);
    const closed = await post(`/api/v1/activities/${a.id}/signups/${s2.id}/check-out`, { at: iso(leave) }, who.staff);
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.equal(closed.body.check_out_by, 'organiser');
    // v3 signed up and never checked in: a no-show
    expect(await post(`/api/v1/activities/${a.id}/signups`, {}, who.res), 409, 'activity_ended', 'sign-up after the end');

    const badEval = await post(`/api/v1/activities/${a.id}/confirm`, { evaluations: [{ signup_id: s2.id, rating: 9 }] }, who.staff);
    expect(badEval, 422, 'invalid_fields', 'rating out of range');
    const conf = await post(`/api/v1/activities/${a.id}/confirm`, { evaluations: [{ signup_id: s2.id, rating: 5, comment: '认真负责' }] }, who.staff);
    assert.equal(conf.status, 200, JSON.stringify(conf.body));
    assert.equal(conf.body.status, 'confirmed');
    const c = conf.body.confirmation;
    assert.equal(c.attended, 2);
    assert.equal(c.no_shows, 1);
    const p1 = c.participants.find((p) => p.user_id === who.v1.id);
    const p2 = c.participants.find((p) => p.user_id === who.v2.id);
    // v1: from start + 10 min to the check-out now, cut at the end (start + 115 min)
    assert.equal(p1.minutes, 105);
    assert.equal(p1.points, 1);
    assert.equal(p2.minutes, 40, 'closed by the organiser at start + 40 min');
    assert.equal(p2.points, 0);
    assert.equal(c.participants.find((p) => p.user_id === who.v3.id).status, 'no_show');
    expect(await post(`/api/v1/activities/${a.id}/confirm`, {}, who.staff), 409, 'activity_closed', 'twice');
    expect(await post(`/api/v1/activities/${a.id}/check-in`, { code: '123456' }, who.v3), 409, 'activity_closed', 'check-in after confirmation');

    // the volunteer's records and summary
    const recs = await get('/api/v1/me/service-records', who.v1);
    const rec = recs.body.items.find((x) => x.activity_id === a.id);
    assert.equal(rec.kind, 'service');
    assert.equal(rec.minutes, 105);
    assert.equal(rec.org_name, 'c1居委会');
    assert.equal(rec.content, '签到测试');
    const r2 = (await get('/api/v1/me/service-records', who.v2)).body.items.find((x) => x.activity_id === a.id);
    assert.equal(r2.rating, 5);
    assert.equal(r2.evaluation, '认真负责');
    const sum = await get('/api/v1/me/service-summary', who.v1);
    assert.ok(sum.body.total_minutes >= 105);
    assert.ok(sum.body.points_balance >= 1);

    // the record certificate: issued free, numbered, as a PDF with the CJK font embedded
    expect(await post('/api/v1/me/certificates', {}, who.res), 409, 'no_service_records', 'nothing to certify');
    const cert = await post('/api/v1/me/certificates', {}, who.v1);
    assert.equal(cert.status, 201, JSON.stringify(cert.body));
    assert.match(cert.body.number, /^ZYZM-\d{4}-\d{8}$/);
    assert.equal(cert.body.total_minutes, sum.body.total_minutes);
    assert.equal(cert.body.issuer.name, 'c1居委会');
    assert.equal(cert.body.recent[0].content, '签到测试');
    expect(await get(`/api/v1/me/certificates/${cert.body.id}`, who.v2), 404, 'not_found', 'someone else\'s certificate');
    assert.equal((await get(`/api/v1/me/certificates/${cert.body.id}`, who.v1)).body.number, cert.body.number);
    const pdf = await srv.fetch(`/api/v1/me/certificates/${cert.body.id}/pdf`, { headers: who.v1.bearer });
    assert.equal(pdf.status, 200);
    assert.equal(pdf.headers.get('content-type'), 'application/pdf');
    assert.match(pdf.headers.get('content-disposition'), new RegExp(cert.body.number));
    const bytes = Buffer.from(await pdf.arrayBuffer());
    assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
    assert.ok(bytes.includes('/FontFile2'), 'the CJK font is embedded');
    const txt = pdfText(bytes);
    if (txt !== null) {
      assert.match(txt, /志愿服务记录证明/);
      assert.match(txt, new RegExp(cert.body.number));
      assert.match(txt, /c1居委会/);
    }
    expect(await get(`/api/v1/me/certificates/${cert.body.id}/pdf`, who.v2), 404, 'not_found', 'someone else\'s PDF');

    // corrections are new rows; the original never changes
    await unchanged(async () => {
      expect(await post(`/api/v1/service-records/${rec.id}/corrections`, { minutes: 120 }, who.staff), 422, 'invalid_fields', 'no reason');
      expect(await post(`/api/v1/service-records/${rec.id}/corrections`, { minutes: 105, reason: '无变化' }, who.staff), 422, 'invalid_fields', 'same minutes');
      expect(await post(`/api/v1/service-records/${rec.id}/corrections`, { minutes: 120, reason: 'x' }, who.staff2), 404, 'not_found', 'out of scope');
      expect(await post(`/api/v1/service-records/${rec.id}/corrections`, { minutes: 120, reason: 'x' }, who.v1), 403, 'forbidden', 'volunteer');
    });
    const fix = await post(`/api/v1/service-records/${rec.id}/corrections`, { minutes: 130, reason: '签退时间登记有误' }, who.staff);
    assert.equal(fix.status, 201, JSON.stringify(fix.body));
    assert.equal(fix.body.kind, 'correction');
    assert.equal(fix.body.corrects_id, rec.id);
    assert.equal(fix.body.minutes, 25);
    assert.equal(fix.body.points_change, 1, '105 min = 1 point, 130 min = 2 points');
    const after = (await get('/api/v1/me/service-records?limit=200', who.v1)).body.items;
    const orig = after.find((x) => x.id === rec.id);
    assert.equal(orig.minutes, 105, 'the corrected row is unchanged');
    assert.equal(orig.effective_minutes, 130);
    assert.throws(() => sql(srv, `UPDATE mob_service_records SET minutes = 1 WHERE id = ${rec.id}`), /append-only/);
    // staff see the records of their community, not of another
    const list = await get(`/api/v1/service-records?user=${who.v1.id}`, who.staff);
    assert.ok(list.body.items.some((x) => x.id === rec.id));
    assert.ok(!(await get(`/api/v1/service-records?user=${who.v1.id}`, who.staff2)).body.items.some((x) => x.id === rec.id));
    expect(await get('/api/v1/service-records', who.v1), 403, 'forbidden', 'volunteers read their own only');
  });

  test('guessing codes is limited: after 10 wrong codes even the right one is refused (429)', async () => {
    const a = await publish({ title: '猜码测试' });
    assert.equal((await post(`/api/v1/activities/${a.id}/signups`, {}, who.v2)).status, 201);
    const secret = secretOf(srv, a.id);
    const step = await safeStep(8000);
    const recent = new Set(Array.from({ length: 24 }, (_, i) => totp(secret, step - i)));
    const wrong = [];
    for (let x = 100000; wrong.length < 10; x += 7919) if (!recent.has(String(x))) wrong.push(String(x));
    for (const c of wrong) expect(await post(`/api/v1/activities/${a.id}/check-in`, { code: c }, who.v2), 422, 'code_wrong', 'a guess');
    await unchanged(async () => {
      const r = await post(`/api/v1/activities/${a.id}/check-in`, { code: totp(secret, step) }, who.v2);
      expect(r, 429, 'too_many_attempts', 'over the limit');
      assert.ok(Number(r.headers.get('retry-after')) > 0);
    });
    // another volunteer of the same activity is not affected
    assert.equal((await post(`/api/v1/activities/${a.id}/signups`, {}, who.v3)).status, 201);
    assert.equal((await post(`/api/v1/activities/${a.id}/check-in`, { code: totp(secret, step) }, who.v3)).status, 200);
  });

  test('outside the window around the schedule no code is accepted', async () => {
    const now = Date.now();
    const a = await publish({ title: '下周的活动', start_at: iso(now + 5 * HOUR), end_at: iso(now + 7 * HOUR) });
    assert.equal((await post(`/api/v1/activities/${a.id}/signups`, {}, who.v1)).status, 201);
    const step = await safeStep();
    await unchanged(async () => {
      expect(await post(`/api/v1/activities/${a.id}/check-in`, { code: totp(secretOf(srv, a.id), step) }, who.v1), 422, 'outside_window', 'too early');
      expect(await post(`/api/v1/activities/${a.id}/confirm`, {}, who.staff), 409, 'not_started', 'confirm before the start');
    });
  });
});

describe('points and the store', () => {
  test('adjustments need an admin and a reason; rules are settings', async () => {
    await unchanged(async () => {
      const r = await post('/api/v1/points/adjustments', { user_id: who.v1.id, community_code: C1, points: 10 }, who.sec);
      expect(r, 422, 'invalid_fields', 'no reason');
      assert.ok('reason' in r.body.error.fields);
      expect(await post('/api/v1/points/adjustments', { user_id: who.v1.id, community_code: C1, points: 0, reason: 'x' }, who.sec), 422, 'invalid_fields', 'zero');
      expect(await post('/api/v1/points/adjustments', { user_id: who.v1.id, community_code: C1, points: 10, reason: 'x' }, who.staff), 403, 'forbidden', 'staff do not adjust');
      expect(await post('/api/v1/points/adjustments', { user_id: who.v1.id, community_code: C2, points: 10, reason: 'x' }, who.sec), 404, 'not_found', 'other community');
      expect(await post('/api/v1/points/adjustments', { user_id: who.v2.id, community_code: C1, points: -100000, reason: '扣减' }, who.sec), 409, 'insufficient_points', 'below zero');
    });
    const before = (await get('/api/v1/me/points', who.v2)).body.balance;
    const r = await post('/api/v1/points/adjustments', { user_id: who.v2.id, community_code: C1, points: 40, reason: '补录 2025 年冬季服务' }, who.sec);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.balance, before + 40);
    const hist = await get('/api/v1/me/points/entries', who.v2);
    assert.equal(hist.body.items[0].amount, 40);
    assert.equal(hist.body.items[0].kind, 'adjust');
    assert.equal(hist.body.items[0].reason, '补录 2025 年冬季服务');
    assert.equal(hist.body.items[0].balance_after, before + 40);
    const audit = sql(srv, "SELECT detail FROM audit_log WHERE action = 'points.adjust' ORDER BY id DESC LIMIT 1")[0][0];
    assert.match(audit, /补录 2025 年冬季服务/);
    const mv = await get(`/api/v1/points/movements?user=${who.v2.id}&kind=adjust`, who.staff);
    assert.equal(mv.status, 200);
    assert.ok(mv.body.items.some((m) => m.amount === 40));

    const rules = await get('/api/v1/points/rules', who.v1);
    assert.deepEqual(rules.body.items.map((x) => x.rule).sort(), ['need_completed', 'service_hour', 'topic_participation', 'vote']);
    expect(await call('PUT', '/api/v1/points/rules', { service_hour: 2 }, who.sec), 403, 'forbidden', 'rules are the system\'s');
    expect(await call('PUT', '/api/v1/points/rules', { nope: 2 }, who.admin), 422, 'invalid_fields', 'unknown rule');
    const put = await call('PUT', '/api/v1/points/rules', { service_hour: 2 }, who.admin);
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal((await publish({ title: '新规则' })).points_per_hour, 2);
    assert.equal((await call('PUT', '/api/v1/points/rules', { service_hour: 1 }, who.admin)).status, 200);
  });

  test('the store: items, stock, donations, redemption, pick-up and cancellation', async () => {
    await unchanged(async () => {
      const r = await post('/api/v1/store/items', { community_code: C1, name: '大米', price_points: -5, stock: -1 }, who.staff);
      expect(r, 422, 'invalid_fields', 'negative price and stock');
      assert.ok('price_points' in r.body.error.fields && 'stock' in r.body.error.fields);
      expect(await post('/api/v1/store/items', { community_code: C1, name: '大米', price_points: 5, stock: 1 }, who.v1), 403, 'forbidden', 'volunteers do not stock');
      expect(await post('/api/v1/store/items', { community_code: C2, name: '大米', price_points: 5, stock: 1 }, who.staff), 404, 'not_found', 'other community');
    });
    const it = await post('/api/v1/store/items', { community_code: C1, name: '食用油 5L', description: '非转基因', price_points: 30, stock: 2 }, who.staff);
    assert.equal(it.status, 201, JSON.stringify(it.body));
    const id = it.body.id;
    expect(await post('/api/v1/store/items', { community_code: C1, name: '食用油 5L', price_points: 30, stock: 2 }, who.staff), 409, 'duplicate_item', 'same name');
    // the resident of a grid sees the community's store
    assert.ok((await get('/api/v1/store/items', who.res)).body.items.some((x) => x.id === id));
    assert.ok(!(await get('/api/v1/store/items', who.out)).body.items.some((x) => x.id === id));
    expect(await get(`/api/v1/store/items/${id}`, who.out), 404, 'not_found', 'item out of scope');
    // a donation from a co-building unit, linked to its agreement with the community
    const unit = await post('/api/v1/organisations', { type: 'coop_unit', name: '爱心粮油公司', space_code: C1 }, who.admin);
    assert.equal(unit.status, 201, JSON.stringify(unit.body));
    const ag = await post('/api/v1/coop-agreements', { unit_org_id: unit.body.id, community_code: C1, title: '粮油捐赠', start_at: iso(Date.now() - HOUR), end_at: iso(Date.now() + 365 * 24 * HOUR), commitments: [{ item: '食用油', quantity: 100, unit: '桶' }] }, who.admin);
    assert.equal(ag.status, 201, JSON.stringify(ag.body));
    await unchanged(async () => {
      expect(await post(`/api/v1/store/items/${id}/stock`, { kind: 'donation', quantity: 0 }, who.staff), 422, 'invalid_fields', 'zero quantity');
      expect(await post(`/api/v1/store/items/${id}/stock`, { kind: 'donation', quantity: -3 }, who.staff), 422, 'invalid_fields', 'negative quantity');
      expect(await post(`/api/v1/store/items/${id}/stock`, { kind: 'steal', quantity: 3 }, who.staff), 422, 'invalid_fields', 'bad kind');
      expect(await call('PATCH', `/api/v1/store/items/${id}`, { stock: 100 }, who.staff), 422, 'invalid_fields', 'stock by moves only');
      expect(await call('PATCH', `/api/v1/store/items/${id}`, { price_points: -1 }, who.staff), 422, 'invalid_fields', 'negative price');
    });
    const don = await post(`/api/v1/store/items/${id}/stock`, { kind: 'donation', quantity: 3, agreement_id: ag.body.id, note: '第一批' }, who.staff);
    assert.equal(don.status, 201, JSON.stringify(don.body));
    assert.equal(don.body.stock, 5);
    const moves = await get(`/api/v1/store/items/${id}/stock`, who.staff);
    assert.deepEqual(moves.body.items.map((m) => [m.kind, m.quantity, m.stock_after]), [['initial', 2, 2], ['donation', 3, 5]]);
    assert.equal(moves.body.items[1].donor_org_id, unit.body.id, 'the agreement names the donor');

    // too few points: refused, nothing changed
    const bal = (await get('/api/v1/me/points', who.v3)).body.balance;
    assert.ok(bal < 30);
    await unchanged(async () => {
      expect(await post(`/api/v1/store/items/${id}/redeem`, {}, who.v3), 409, 'insufficient_points', 'too few points');
      expect(await post(`/api/v1/store/items/${id}/redeem`, { quantity: 0 }, who.v3), 422, 'invalid_fields', 'zero quantity');
      expect(await post(`/api/v1/store/items/${id}/redeem`, {}, who.out), 404, 'not_found', 'other community');
    });
    assert.equal((await post('/api/v1/points/adjustments', { user_id: who.v3.id, community_code: C1, points: 100, reason: '测试积分' }, who.sec)).status, 201);
    const red = await post(`/api/v1/store/items/${id}/redeem`, { quantity: 2 }, who.v3);
    assert.equal(red.status, 201, JSON.stringify(red.body));
    assert.equal(red.body.points, 60);
    assert.equal(red.body.status, 'pending');
    assert.equal(red.body.balance, bal + 100 - 60);
    assert.equal((await get(`/api/v1/store/items/${id}`, who.v3)).body.stock, 3);
    const hist = (await get('/api/v1/me/points/entries', who.v3)).body.items[0];
    assert.equal(hist.kind, 'redeem');
    assert.equal(hist.amount, -60);
    assert.equal(hist.about, '食用油 5L');
    // beyond the stock
    await unchanged(async () => {
      expect(await post(`/api/v1/store/items/${id}/redeem`, { quantity: 4 }, who.v3), 409, 'out_of_stock', 'beyond stock');
    });
    // pick-up by staff, once
    expect(await post(`/api/v1/store/redemptions/${red.body.id}/pick-up`, {}, who.v3), 403, 'forbidden', 'the member does not confirm');
    expect(await post(`/api/v1/store/redemptions/${red.body.id}/pick-up`, {}, who.staff2), 404, 'not_found', 'other community');
    const pu = await post(`/api/v1/store/redemptions/${red.body.id}/pick-up`, {}, who.staff);
    assert.equal(pu.status, 200, JSON.stringify(pu.body));
    assert.equal(pu.body.status, 'picked_up');
    expect(await post(`/api/v1/store/redemptions/${red.body.id}/pick-up`, {}, who.staff), 409, 'not_pending', 'twice');
    // another redemption, cancelled by the member: points and stock come back
    const red2 = await post(`/api/v1/store/items/${id}/redeem`, {}, who.v3);
    assert.equal(red2.status, 201);
    const can = await post(`/api/v1/store/redemptions/${red2.body.id}/cancel`, {}, who.v3);
    assert.equal(can.status, 200, JSON.stringify(can.body));
    assert.equal(can.body.status, 'cancelled');
    assert.equal((await get('/api/v1/me/points', who.v3)).body.balance, bal + 40);
    assert.equal((await get(`/api/v1/store/items/${id}`, who.v3)).body.stock, 3);
    const pend = await get(`/api/v1/store/redemptions?community=${C1}`, who.staff);
    assert.ok(pend.body.items.some((x) => x.id === red.body.id));
    expect(await get('/api/v1/store/redemptions', who.v1), 403, 'forbidden', 'volunteers do not list redemptions');
    const mine = await get('/api/v1/me/redemptions', who.v3);
    assert.deepEqual(mine.body.items.map((x) => x.status), ['cancelled', 'picked_up']);
    // the ledger is append-only
    assert.throws(() => sql(srv, 'UPDATE points_entries SET amount = amount + 1'), /append-only/);
    assert.throws(() => sql(srv, 'DELETE FROM points_movements'), /append-only/);
  });

  test('audit rows name every write', () => {
    const actions = new Set(sql(srv, 'SELECT DISTINCT action FROM audit_log').map((r) => r[0]));
    for (const a of ['activity.create', 'activity.update', 'activity.cancel', 'activity.signup', 'activity.signup_cancel', 'activity.check_in', 'activity.check_out',
      'activity.check_out_closed', 'activity.confirm', 'service_record.correct', 'points.adjust', 'points.rules_update',
      'store_item.create', 'store_item.stock', 'store.redeem', 'store.pick_up', 'store.cancel'])
      assert.ok(actions.has(a), `audit action ${a}`);
  });

  test('gongzhi ledger check proves the invariants on what the tests wrote', () => {
    const r = ledgerCheck(srv, cli);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.ok, true);
    assert.ok(j.entries > 0);
    // a corrupted balance is found
    sql(srv, `UPDATE points_accounts SET balance = balance + 1 WHERE owner_key = 'u:${who.v3.id}'`);
    const bad = ledgerCheck(srv, cli);
    assert.equal(bad.code, 1);
    assert.equal(JSON.parse(bad.stdout).balances_derived.ok, false);
    sql(srv, `UPDATE points_accounts SET balance = balance - 1 WHERE owner_key = 'u:${who.v3.id}'`);
    assert.equal(ledgerCheck(srv, cli).code, 0);
  });
});
