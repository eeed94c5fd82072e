// Appointments for in-person services (issue 14 item 5): counters with hours and places per
// half-hour slot, booking, a full slot refused (also when requests race: exactly as many
// succeed as there are places, on one process and on two sharing PostgreSQL),
// cancellation giving the place back, the queue number at check-in on the day, no-shows.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, api, ROOT } from '../lib/server.mjs';
import { assertErrorShape, assertNoSanitizerReport } from './util.mjs';
import { adminSession, makeUser, login, sql } from './auth-util.mjs';

const C1 = '110101001001';
const G1 = C1 + '001';
const FIXTURE = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/grids_ok.geojson'), 'utf8'));
const bj = (s) => new Date(`${s}+08:00`).toISOString();
const NOW = '2026-12-07T08:00:00'; // a Monday

let srv, secretary, a, b, c, outsider, counter;

before(async () => {
  srv = await startServer({ env: { GONGZHI_TEST_CLOCK: '1' } });
  const admin = await adminSession(srv);
  const r = await api(srv, 'POST', '/api/v1/grids/import', FIXTURE, admin.bearer);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  await makeUser(srv, admin, 'ap-sec', [['community_admin', C1]]);
  for (const u of ['ap-a', 'ap-b', 'ap-c']) await makeUser(srv, admin, u, [['resident', G1]]);
  await makeUser(srv, admin, 'ap-out', [['resident', '110101001002001']]);
  [secretary, a, b, c, outsider] = await Promise.all(['ap-sec', 'ap-a', 'ap-b', 'ap-c', 'ap-out'].map((u) => login(srv, u)));
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

const post = (path, body, who, when = NOW) => api(srv, 'POST', path, body, { ...who.bearer, 'X-Test-Now': bj(when) });
const get = (path, who, when = NOW) => api(srv, 'GET', path, undefined, { ...who.bearer, 'X-Test-Now': bj(when) });
const book = (who, start, when = NOW) => post('/api/v1/appointments', { counter_id: counter.id, start_at: bj(start) }, who, when);
const act = (id, action, who, when) => post(`/api/v1/appointments/${id}/actions`, { action }, who, when);

describe('counters and slots', () => {
  test('the secretary adds a counter; residents of the community see its slots', async () => {
    const hours = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, open: '09:00', close: '11:30' }));
    let r = await post('/api/v1/service-counters', { community_code: C1, code: 'A', name: '综合受理一号窗口', opening_hours: hours, capacity: 2 }, secretary);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    counter = r.body;
    r = await post('/api/v1/service-counters', { community_code: C1, code: 'A', name: '重复', opening_hours: hours, capacity: 2 }, secretary);
    assert.equal(r.status, 409);
    r = await post('/api/v1/service-counters', { community_code: C1, code: 'a1', name: '', opening_hours: [{ weekday: 1, open: '9', close: '10' }], capacity: 0 }, secretary);
    assert.equal(r.status, 422);
    for (const f of ['code', 'name', 'capacity', 'opening_hours[0]']) assert.ok(f in r.body.error.fields, f);
    assert.equal((await post('/api/v1/service-counters', { community_code: C1, code: 'B', name: 'x', opening_hours: hours, capacity: 1 }, a)).status, 404);
    r = await get('/api/v1/service-counters', a);
    assert.deepEqual(r.body.items.map((x) => x.name), ['综合受理一号窗口']);
    assert.deepEqual((await get('/api/v1/service-counters', outsider)).body.items, []);
    r = await get(`/api/v1/service-counters/${counter.id}/slots?day=2026-12-08`, a);
    assert.equal(r.body.slots.length, 5);
    assert.deepEqual(r.body.slots[0], { start_at: bj('2026-12-08T09:00:00').replace('.000Z', 'Z'), capacity: 2, taken: 0, free: 2, past: false });
    assert.equal((await get(`/api/v1/service-counters/${counter.id}/slots?day=2026-12-12`, a)).body.slots.length, 0, 'closed on Saturday');
  });
});

describe('booking', () => {
  let first;
  test('a slot takes as many as it has places; the next one is refused', async () => {
    let r = await book(a, '2026-12-08T09:00:00');
    assert.equal(r.status, 201, JSON.stringify(r.body));
    first = r.body;
    assert.equal(first.state, 'booked');
    assert.equal(first.counter.code, 'A');
    r = await book(b, '2026-12-08T09:00:00');
    assert.equal(r.status, 201);
    r = await book(c, '2026-12-08T09:00:00');
    assert.equal(r.status, 409);
    assertErrorShape(r.body, 'slot_full');
    const slots = await get(`/api/v1/service-counters/${counter.id}/slots?day=2026-12-08`, c);
    assert.equal(slots.body.slots[0].free, 0);
  });

  test('outside the hours, off the half hour, begun already, another community: refused', async () => {
    for (const [start, field] of [['2026-12-08T12:00:00', 'start_at'], ['2026-12-08T09:10:00', 'start_at'], ['2026-12-07T07:30:00', 'start_at'], ['2026-12-12T09:00:00', 'start_at']]) {
      const r = await book(c, start);
      assert.equal(r.status, 422, `${start}: ${JSON.stringify(r.body)}`);
      assert.ok(field in r.body.error.fields);
    }
    assert.equal((await book(outsider, '2026-12-08T09:30:00')).status, 404);
  });

  test('a cancellation gives the place back', async () => {
    const r = await act(first.id, 'cancel', a, NOW);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.state, 'cancelled');
    assert.equal((await act(first.id, 'cancel', a, NOW)).status, 409);
    assert.equal((await act(first.id, 'cancel', c, NOW)).status, 404, 'not theirs');
    const again = await book(c, '2026-12-08T09:00:00');
    assert.equal(again.status, 201, JSON.stringify(again.body));
  });

  test('racing for the last places: exactly as many succeed as there are places', async () => {
    const urls = srv.servers.map((s) => s.url);
    for (const slot of ['2026-12-09T09:00:00', '2026-12-09T09:30:00', '2026-12-10T10:00:00']) {
      const who = [a, b, c];
      const results = await Promise.all(Array.from({ length: 9 }, (_, i) => fetch(urls[i % urls.length] + '/api/v1/appointments', {
        method: 'POST',
        headers: { ...who[i % 3].bearer, 'Content-Type': 'application/json', 'X-Test-Now': bj(NOW) },
        body: JSON.stringify({ counter_id: counter.id, start_at: bj(slot) }),
      }).then(async (res) => ({ status: res.status, body: await res.json() }))));
      assert.equal(results.filter((x) => x.status === 201).length, 2, `${slot}: ${results.map((x) => x.status)}`);
      assert.equal(results.filter((x) => x.status === 409).length, 7);
      const start = Date.parse(bj(slot));
      assert.deepEqual(sql(srv, `SELECT taken FROM appointment_slots WHERE counter_id = ${counter.id} AND slot_start = ${start}`), [['2']]);
      assert.deepEqual(sql(srv, `SELECT COUNT(*) FROM appointments WHERE counter_id = ${counter.id} AND slot_start = ${start}`), [['2']]);
    }
  });
});

describe('the day', () => {
  test('queue numbers at check-in, on the day only; no-shows counted after the slot', async () => {
    const mine = (await get('/api/v1/me/appointments', b)).body.items.find((x) => x.start_at === bj('2026-12-08T09:00:00').replace('.000Z', 'Z'));
    const cs = (await get('/api/v1/me/appointments', c)).body.items.find((x) => x.start_at === bj('2026-12-08T09:00:00').replace('.000Z', 'Z') && x.state === 'booked');
    assert.equal((await act(mine.id, 'check_in', b, '2026-12-07T09:00:00')).status, 409, 'the day before');
    let r = await act(mine.id, 'check_in', b, '2026-12-08T08:20:00');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.queue_number, 'A001');
    assert.equal((await act(mine.id, 'check_in', b, '2026-12-08T08:21:00')).status, 409, 'once');
    const day = await get(`/api/v1/service-counters/${counter.id}/appointments?day=2026-12-08`, secretary, '2026-12-08T10:00:00');
    assert.equal(day.status, 200, JSON.stringify(day.body));
    assert.deepEqual(day.body.figures, { booked: 2, checked_in: 1, no_show: 1, cancelled: 1 });
    assert.equal(day.body.items.find((x) => x.id === cs.id).no_show, true);
    assert.equal((await get(`/api/v1/service-counters/${counter.id}/appointments?day=2026-12-08`, a)).status, 404);
    // Staff check someone in at the counter: the next number.
    const later = await book(a, '2026-12-10T09:00:00');
    assert.equal(later.status, 201);
    r = await act(later.body.id, 'check_in', secretary, '2026-12-10T08:50:00');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.queue_number, 'A001', 'numbers start again each day');
  });
});
