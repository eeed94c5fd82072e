// Venues and shared resources (issue 14 item 4): the 党群服务中心's rooms and a co-building
// unit's venue under its agreement; bookings checked against the opening hours, the
// longest booking, the capacity and the agreement's period; approval by the owner,
// cancellation, check-in, the calendar and usage statistics; and the race: overlapping
// bookings sent at once — to one process on SQLite, to two processes sharing PostgreSQL —
// of which exactly one succeeds. The services' clock is the test clock (X-Test-Now).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, api, ROOT } from '../lib/server.mjs';
import { assertErrorShape, assertNoSanitizerReport } from './util.mjs';
import { adminSession, makeUser, login, sql } from './auth-util.mjs';

const C1 = '110101001001';
const C2 = '110101001002';
const G1 = C1 + '001';
const FIXTURE = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/grids_ok.geojson'), 'utf8'));
const bj = (s) => new Date(`${s}+08:00`).toISOString();
const NOW = '2026-12-07T08:00:00'; // a Monday

let srv, admin, secretary, staffC2, resident, resident2, outsider, contact;
let hall, gym, unit;

before(async () => {
  srv = await startServer({ env: { GONGZHI_TEST_CLOCK: '1' } });
  admin = await adminSession(srv);
  let r = await api(srv, 'POST', '/api/v1/grids/import', FIXTURE, admin.bearer);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  r = await api(srv, 'POST', '/api/v1/organisations', { type: 'coop_unit', name: '北京市第一中学', space_code: C1 }, admin.bearer);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  unit = r.body.id;
  r = await api(srv, 'POST', '/api/v1/coop-agreements', {
    unit_org_id: unit, community_code: C1, title: '校社共建：体育场馆向社区开放',
    start_at: bj('2025-01-01T00:00:00'), end_at: bj('2026-12-31T23:59:59'),
    commitments: [{ item: '体育馆开放', quantity: 100, unit: '小时' }],
  }, admin.bearer);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const agreement = r.body.id;
  await makeUser(srv, admin, 'v-secretary', [['community_admin', C1]]);
  await makeUser(srv, admin, 'v-staff-c2', [['community_staff', C2]]);
  await makeUser(srv, admin, 'v-res', [['resident', G1]]);
  await makeUser(srv, admin, 'v-res2', [['resident', G1]]);
  await makeUser(srv, admin, 'v-out', [['resident', C2 + '001']]);
  await makeUser(srv, admin, 'v-contact', [['unit_contact', `org:${unit}`]]);
  [secretary, staffC2, resident, resident2, outsider, contact] = await Promise.all(
    ['v-secretary', 'v-staff-c2', 'v-res', 'v-res2', 'v-out', 'v-contact'].map((u) => login(srv, u)));
  const every = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, open: '08:30', close: '21:00' }));
  r = await post('/api/v1/venues', {
    name: '党群服务中心多功能厅', kind: 'room', community_code: C1, capacity: 60,
    opening_hours: every, max_minutes: 240, address: '多福巷社区党群服务中心二层', rules: '活动结束后恢复桌椅',
  }, secretary);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  hall = r.body;
  r = await post('/api/v1/venues', {
    name: '一中体育馆', kind: 'venue', community_code: C1, capacity: 200, owner_org_id: unit, agreement_id: agreement,
    opening_hours: [{ weekday: 6, open: '09:00', close: '17:00' }, { weekday: 7, open: '09:00', close: '17:00' }], max_minutes: 180,
  }, secretary);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  gym = r.body;
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

function post(path, body, who, when = NOW) {
  return api(srv, 'POST', path, body, { ...who.bearer, 'X-Test-Now': bj(when) });
}
const get = (path, who, when = NOW) => api(srv, 'GET', path, undefined, { ...who.bearer, 'X-Test-Now': bj(when) });
const booking = (venue, from, to, extra = {}) => ({ venue_id: venue.id, start_at: bj(from), end_at: bj(to), purpose: '楼门议事会', attendees: 20, ...extra });
const act = (id, action, who, when = NOW, extra = {}) => post(`/api/v1/venue-bookings/${id}/actions`, { action, ...extra }, who, when);
function expectFields(r, fields, what) {
  assert.equal(r.status, 422, `${what}: ${JSON.stringify(r.body)}`);
  assertErrorShape(r.body, 'invalid_fields', what);
  for (const f of fields) assert.ok(f in r.body.error.fields, `${what}: ${f} in ${JSON.stringify(r.body.error.fields)}`);
}
const slotCount = () => Number(sql(srv, 'SELECT COUNT(*) FROM venue_slots')[0][0]);

describe('venues', () => {
  test('the secretary adds them; the unit\'s venue shows its agreement; only the community sees them', async () => {
    assert.equal(hall.kind_label, '党群服务中心房间');
    assert.equal(hall.manage, true);
    assert.deepEqual(gym.owner, { id: unit, name: '北京市第一中学' });
    assert.equal(gym.agreement.in_force, true);
    const list = await get('/api/v1/venues', resident);
    assert.deepEqual(list.body.items.map((v) => v.name), ['党群服务中心多功能厅', '一中体育馆']);
    assert.equal(list.body.items[0].manage, false);
    assert.equal(list.body.items[1].agreement.in_force, true);
    assert.deepEqual((await get('/api/v1/venues', outsider)).body.items, []);
    assert.equal((await get(`/api/v1/venues/${hall.id}`, outsider)).status, 404);
    assert.equal((await get(`/api/v1/venues/${hall.id}`, resident)).status, 200);
    const bad = await post('/api/v1/venues', {
      name: '', kind: 'castle', community_code: C1, capacity: 0, max_minutes: 10,
      opening_hours: [{ weekday: 9, open: '8', close: '7' }], agreement_id: '1',
    }, secretary);
    expectFields(bad, ['name', 'kind', 'capacity', 'max_minutes', 'opening_hours[0]', 'owner_org_id'], 'bad venue');
    assert.equal((await post('/api/v1/venues', { ...bad, name: 'x' }, resident)).status, 422);
    const denied = await post('/api/v1/venues', { name: '会议室', kind: 'room', community_code: C1, capacity: 5, max_minutes: 60, opening_hours: [] }, resident);
    assert.equal(denied.status, 404, 'a resident holds no venue cell');
  });
});

describe('bookings that cannot be', () => {
  test('ends before it starts, outside the hours, too long, off the half hour, too many people, across midnight', async () => {
    const before = slotCount();
    expectFields(await post('/api/v1/venue-bookings', booking(hall, '2026-12-09T11:00:00', '2026-12-09T10:00:00'), resident), ['end_at'], 'backwards');
    expectFields(await post('/api/v1/venue-bookings', booking(hall, '2026-12-09T07:00:00', '2026-12-09T09:00:00'), resident), ['start_at'], 'before opening');
    expectFields(await post('/api/v1/venue-bookings', booking(hall, '2026-12-09T20:00:00', '2026-12-09T21:30:00'), resident), ['start_at'], 'after closing');
    expectFields(await post('/api/v1/venue-bookings', booking(hall, '2026-12-09T09:00:00', '2026-12-09T14:00:00'), resident), ['end_at'], 'longer than 240 minutes');
    expectFields(await post('/api/v1/venue-bookings', booking(hall, '2026-12-09T09:10:00', '2026-12-09T10:00:00'), resident), ['start_at'], 'off the half hour');
    expectFields(await post('/api/v1/venue-bookings', booking(hall, '2026-12-09T09:00:00', '2026-12-09T10:00:00', { attendees: 61 }), resident), ['attendees'], 'over capacity');
    expectFields(await post('/api/v1/venue-bookings', booking(hall, '2026-12-09T20:30:00', '2026-12-10T09:00:00'), resident), ['end_at'], 'across midnight');
    expectFields(await post('/api/v1/venue-bookings', booking(hall, '2026-12-07T07:30:00', '2026-12-07T09:30:00'), resident), ['start_at'], 'begun already');
    expectFields(await post('/api/v1/venue-bookings', { venue_id: hall.id, start_at: 'tomorrow', end_at: bj('2026-12-09T10:00:00'), purpose: '', attendees: 0 }, resident),
      ['start_at', 'purpose', 'attendees'], 'malformed');
    assert.equal((await post('/api/v1/venue-bookings', booking(hall, '2026-12-09T09:00:00', '2026-12-09T10:00:00'), outsider)).status, 404);
    assert.equal(slotCount(), before, 'nothing held');
  });

  test('a venue whose agreement has ended cannot be booked after its end', async () => {
    const r = await post('/api/v1/venue-bookings', booking(gym, '2027-01-09T09:00:00', '2027-01-09T11:00:00'), resident);
    assert.equal(r.status, 422);
    assertErrorShape(r.body, 'agreement_ended');
    assert.match(r.body.error.message, /2026-12-31/);
    const ok = await post('/api/v1/venue-bookings', booking(gym, '2026-12-12T09:00:00', '2026-12-12T11:00:00', { purpose: '社区篮球赛' }), resident);
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const closed = await post('/api/v1/venue-bookings', booking(gym, '2026-12-09T09:00:00', '2026-12-09T11:00:00'), resident);
    expectFields(closed, ['start_at'], 'the gym opens at weekends only');
    assert.equal(closed.body.error.fields.start_at, '该场地当天不开放');
  });
});

describe('overlapping bookings racing each other', () => {
  // Each server process gets its share of the requests, all sent at once.
  async function race(bodies) {
    const urls = srv.servers.map((s) => s.url);
    return Promise.all(bodies.map((b, i) => fetch(urls[i % urls.length] + '/api/v1/venue-bookings', {
      method: 'POST',
      headers: { ...(i % 2 ? resident2 : resident).bearer, 'Content-Type': 'application/json', 'X-Test-Now': bj(NOW) },
      body: JSON.stringify(b),
    }).then(async (res) => ({ status: res.status, body: await res.json() }))));
  }

  test('exactly one of twelve overlapping requests succeeds, round after round', async () => {
    for (const day of ['2026-12-08', '2026-12-09', '2026-12-10', '2026-12-11', '2026-12-14']) {
      // Twelve different ranges, every two of which overlap (all hold 10:00–10:30).
      const ranges = [['09:00', '10:30'], ['09:30', '10:30'], ['10:00', '10:30'], ['10:00', '11:00'], ['10:00', '12:00'],
        ['09:30', '11:30'], ['08:30', '10:30'], ['09:00', '12:00'], ['10:00', '13:00'], ['09:30', '11:00'], ['08:30', '12:30'], ['10:00', '11:30']];
      const results = await race(ranges.map(([a, b]) => booking(hall, `${day}T${a}:00`, `${day}T${b}:00`, { purpose: `抢占 ${a}` })));
      const won = results.filter((x) => x.status === 201);
      const lost = results.filter((x) => x.status === 409);
      assert.equal(won.length, 1, `${day}: ${JSON.stringify(results.map((x) => x.status))}`);
      assert.equal(lost.length, 11, `${day}: ${JSON.stringify(results.map((x) => [x.status, x.body.error?.code]))}`);
      for (const l of lost) assertErrorShape(l.body, 'booking_overlap');
      const held = sql(srv, `SELECT DISTINCT booking_id FROM venue_slots s JOIN venue_bookings b ON b.id = s.booking_id
        WHERE b.venue_id = ${hall.id} AND b.start_at >= ${Date.parse(bj(`${day}T00:00:00`))} AND b.start_at < ${Date.parse(bj(`${day}T23:59:00`))}`);
      assert.deepEqual(held, [[won[0].body.id]], 'only the winner holds slots that day');
      const live = sql(srv, `SELECT COUNT(*) FROM venue_bookings WHERE venue_id = ${hall.id} AND start_at >= ${Date.parse(bj(`${day}T00:00:00`))} AND start_at < ${Date.parse(bj(`${day}T23:59:00`))}`);
      assert.equal(live[0][0], '1', 'the losers wrote nothing');
    }
  });

  test('bookings that only touch do not overlap', async () => {
    const results = await race([
      booking(hall, '2026-12-15T09:00:00', '2026-12-15T10:00:00'),
      booking(hall, '2026-12-15T10:00:00', '2026-12-15T11:00:00'),
      booking(hall, '2026-12-15T11:00:00', '2026-12-15T12:00:00'),
    ]);
    assert.deepEqual(results.map((x) => x.status), [201, 201, 201]);
  });
});

describe('approval, cancellation, check-in, calendar, statistics', () => {
  let a, b;
  test('the owner approves or rejects; a rejected booking frees its time', async () => {
    let r = await post('/api/v1/venue-bookings', booking(hall, '2026-12-16T14:00:00', '2026-12-16T16:00:00', { purpose: '老年合唱团排练', attendees: 30 }), resident);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    a = r.body;
    assert.equal(a.state, 'pending');
    assert.deepEqual(a.actions, ['cancel']);
    r = await act(a.id, 'approve', resident);
    assert.equal(r.status, 403, 'the booker does not approve');
    r = await act(a.id, 'approve', resident2);
    assert.equal(r.status, 404, 'someone else\'s booking');
    r = await act(a.id, 'reject', secretary);
    expectFields(r, ['reason'], 'reject without a reason');
    r = await act(a.id, 'reject', secretary, NOW, { reason: '当天有党员大会' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.state, 'rejected');
    r = await post('/api/v1/venue-bookings', booking(hall, '2026-12-16T14:00:00', '2026-12-16T16:00:00', { purpose: '党员大会', attendees: 50 }), secretary);
    assert.equal(r.status, 201, 'the time is free again');
    b = r.body;
    r = await act(b.id, 'approve', secretary);
    assert.equal(r.body.state, 'approved');
    assert.equal((await act(b.id, 'approve', secretary)).status, 409);
  });

  test('the unit\'s contact approves the unit\'s venue only', async () => {
    const list = await get('/api/v1/me/venue-bookings', resident);
    const game = list.body.items.find((x) => x.purpose === '社区篮球赛');
    let r = await act(game.id, 'approve', contact);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.state, 'approved');
    const hallOne = list.body.items.find((x) => x.venue.id === hall.id && x.state === 'pending');
    r = await act(hallOne.id, 'approve', contact);
    assert.equal(r.status, 404);
  });

  test('cancelling frees the time; check-in once, around the start', async () => {
    let r = await post('/api/v1/venue-bookings', booking(hall, '2026-12-17T09:00:00', '2026-12-17T10:00:00', { purpose: '读书会' }), resident2);
    assert.equal(r.status, 201);
    r = await act(r.body.id, 'cancel', resident2);
    assert.equal(r.body.state, 'cancelled');
    r = await post('/api/v1/venue-bookings', booking(hall, '2026-12-17T09:00:00', '2026-12-17T10:00:00', { purpose: '书法班' }), resident);
    assert.equal(r.status, 201, 'free again after the cancel');
    const c = r.body;
    await act(c.id, 'approve', secretary);
    r = await act(c.id, 'check_in', resident, '2026-12-17T08:00:00');
    assert.equal(r.status, 409, 'too early');
    r = await act(c.id, 'check_in', resident, '2026-12-17T08:45:00');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.checked_in_at);
    assert.equal((await act(c.id, 'check_in', resident, '2026-12-17T08:50:00')).status, 409);
    assert.equal((await act(c.id, 'cancel', resident, '2026-12-17T11:00:00')).status, 409, 'over already');
  });

  test('the calendar: managers see what, others when', async () => {
    const mine = await get(`/api/v1/venues/${hall.id}/calendar?from=2026-12-14&days=7`, resident);
    assert.equal(mine.status, 200);
    assert.equal(mine.body.slot_minutes, 30);
    const meeting = mine.body.bookings.find((x) => x.id === b.id);
    assert.equal(meeting.purpose, undefined, 'not theirs');
    assert.ok(!mine.body.bookings.some((x) => x.id === a.id), 'rejected ones are not on it');
    const own = mine.body.bookings.find((x) => x.mine);
    assert.ok(own && own.purpose);
    const theirs = await get(`/api/v1/venues/${hall.id}/calendar?from=2026-12-14&days=7`, secretary);
    assert.equal(theirs.body.bookings.find((x) => x.id === b.id).purpose, '党员大会');
    assert.equal((await get(`/api/v1/venues/${hall.id}/calendar?days=40`, resident)).status, 400);
  });

  test('usage per venue and per offering unit', async () => {
    // Approve the race winners of 8–11 December; the 14th stays pending.
    const pending = (await get(`/api/v1/venue-bookings?venue=${hall.id}&state=pending&limit=200`, secretary)).body.items;
    for (const p of pending.filter((x) => x.start_at < bj('2026-12-12T00:00:00'))) {
      assert.equal((await act(p.id, 'approve', secretary)).status, 200);
    }
    // On 18 December: the four race winners (approved, none checked in: no-shows) and 書法班
    // (checked in), 党员大会 approved, the rest pending; the gym's game approved.
    const r = await get('/api/v1/venue-stats?from=2026-12-01&to=2026-12-31', secretary, '2026-12-18T12:00:00');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const h = r.body.venues.find((v) => v.id === hall.id);
    const g = r.body.venues.find((v) => v.id === gym.id);
    assert.equal(h.approved, 6, JSON.stringify(h));
    assert.equal(h.checked_in, 1);
    assert.equal(h.no_show, 5, 'four race winners and 党员大会 passed without a check-in');
    assert.equal(h.rejected, 1);
    assert.equal(h.cancelled, 1);
    assert.equal(g.approved, 1);
    assert.equal(g.minutes, 120);
    const centre = r.body.units.find((u) => u.org_id === null);
    assert.equal(centre.name, '党群服务中心');
    const school = r.body.units.find((u) => u.org_id === unit);
    assert.equal(school.name, '北京市第一中学');
    assert.equal(school.minutes, 120);
    assert.equal(r.body.total.approved, 7);
    assert.equal((await get('/api/v1/venue-stats', resident)).status, 403);
    const c2 = await get('/api/v1/venue-stats', staffC2, '2026-12-18T12:00:00');
    assert.deepEqual(c2.body.venues, []);
  });
});
