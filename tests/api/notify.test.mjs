// The inbox and live events (issue 10 "Notifications", issue 14 "notified at each step"):
// a case reported in a grid reaches its grid workers' event streams as it commits (on
// PostgreSQL with two processes: written through one process, streamed by the other,
// through LISTEN/NOTIFY); a dispatch reaches the department; the reporter hears of each
// step; a rolled-back write tells no one; each account reads and marks only its own
// inbox; a reconnecting stream gets what it missed (Last-Event-ID).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, api, ROOT } from '../lib/server.mjs';
import { assertErrorShape, assertNoSanitizerReport } from './util.mjs';
import { opsSession, makeUser, login, sql } from './auth-util.mjs';

const STREET = '110101001';
const C1 = '110101001001';
const G1 = C1 + '001';
const G2 = C1 + '002';
const IN_G1 = { lat: 39.9018, lng: 116.4018 };
const FIXTURE = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/grids_ok.geojson'), 'utf8'));

let srv, admin, deptOrg;
const who = {};

before(async () => {
  srv = await startServer();
  admin = await opsSession(srv);
  const imp = await api(srv, 'POST', '/api/v1/grids/import', FIXTURE, admin.bearer);
  assert.equal(imp.status, 201, JSON.stringify(imp.body));
  const o = await api(srv, 'POST', '/api/v1/organisations', { type: 'department', space_code: STREET, name: '区城市管理综合执法局' }, admin.bearer);
  assert.equal(o.status, 201, JSON.stringify(o.body));
  deptOrg = o.body.id;
  const users = {
    worker: [['grid_worker', G1]],
    worker2: [['grid_worker', G2]],
    staff: [['community_staff', C1]],
    res: [['resident', G1]],
    res2: [['resident', G1]],
    dept: [['department', `org:${deptOrg}`]],
  };
  for (const [name, grants] of Object.entries(users)) {
    await makeUser(srv, admin, `ntf-${name}`, grants, `${name}-password-1`);
    who[name] = await login(srv, `ntf-${name}`, `${name}-password-1`);
  }
});

after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

const post = (path, body, s) => api(srv, 'POST', path, body, s.bearer);
const get = (path, s) => api(srv, 'GET', path, undefined, s.bearer);

// An event-stream client on one server process (the last one: writes go through the
// first as well, so with two processes an event crosses between them).
async function openStream(s, headers = {}) {
  const url = srv.servers[srv.servers.length - 1].url;
  const ctl = new AbortController();
  const res = await fetch(url + '/api/v1/events/stream', { headers: { ...s.bearer, ...headers }, signal: ctl.signal });
  const st = { status: res.status, type: res.headers.get('content-type'), events: [], res, waiters: [] };
  if (res.status !== 200) { st.body = await res.text(); return st; }
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) { st.ended = true; break; }
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = { event: 'message', data: '' };
          for (const line of block.split('\n')) {
            const m = /^([a-z]+): ?(.*)$/i.exec(line);
            if (!m) continue;
            if (m[1] === 'data') ev.data += m[2];
            else ev[m[1]] = m[2];
          }
          if (ev.data) ev.json = JSON.parse(ev.data);
          if (ev.data || ev.id) st.events.push(ev);
          for (const w of st.waiters.splice(0)) w();
        }
      }
    } catch { st.ended = true; /* aborted or reset */ }
    for (const w of st.waiters.splice(0)) w();
  })();
  st.close = () => ctl.abort();
  st.waitFor = async (pred, what, ms = 5000) => {
    const t0 = Date.now();
    for (;;) {
      const hit = st.events.find(pred);
      if (hit) return hit;
      if (Date.now() - t0 > ms) assert.fail(`no event ${what} within ${ms} ms; got ${JSON.stringify(st.events)}`);
      await new Promise((r) => { st.waiters.push(r); setTimeout(r, 100); });
    }
  };
  return st;
}

const report = (s, description) => post('/api/v1/cases', { category: 'E0101', description, location: IN_G1 }, s);

describe('live events', () => {
  test('a stream needs a login, and starts with the unread count', async () => {
    const r = await fetch(srv.url + '/api/v1/events/stream');
    assert.equal(r.status, 401);
    assertErrorShape(await r.json(), 'unauthenticated', 'no login');
    const st = await openStream(who.worker2);
    assert.equal(st.status, 200);
    assert.match(st.type, /^text\/event-stream/);
    const hello = await st.waitFor((e) => e.event === 'hello', 'hello');
    assert.equal(hello.json.unread, 0);
    st.close();
    const bad = await openStream(who.worker2, { 'Last-Event-ID': 'x1' });
    assert.equal(bad.status, 400);
  });

  test('a report reaches the grid workers of its grid as it commits, and no one else', async () => {
    const w1 = await openStream(who.worker);
    const w2 = await openStream(who.worker2);
    const r2 = await openStream(who.res2);
    await w1.waitFor((e) => e.event === 'hello', 'hello');
    const made = await report(who.res, '3号楼门口的垃圾两天没有清运了');
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const ev = await w1.waitFor((e) => e.event === 'notification' && e.json.object_id === made.body.id, 'the new case');
    assert.equal(ev.json.kind, 'case.reported');
    assert.equal(ev.json.object_type, 'case');
    assert.equal(ev.json.link, `/cases/${made.body.id}`);
    assert.equal(ev.id, ev.json.id, 'the event id is the notification id');
    assert.match(ev.json.title, /新诉求待登记/);
    assert.match(ev.json.title, /3号楼门口的垃圾/);
    assert.ok(!/\d{12}/.test(ev.json.title), `no space code in the title: ${ev.json.title}`);
    // The inbox holds it, unread.
    const inbox = (await get('/api/v1/notifications', who.worker)).body;
    assert.equal(inbox.unread, 1);
    assert.equal(inbox.items[0].id, ev.json.id);
    assert.equal(inbox.items[0].read_at, null);
    // Another grid's worker and another resident hear nothing.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(w2.events.filter((e) => e.event === 'notification').length, 0);
    assert.equal(r2.events.filter((e) => e.event === 'notification').length, 0);
    assert.equal((await get('/api/v1/notifications', who.worker2)).body.items.length, 0);
    w1.close(); w2.close(); r2.close();
  });

  test('a write refused (rolled back) tells no one', async () => {
    const before = Number(sql(srv, 'SELECT COUNT(*) FROM notifications')[0][0]);
    const w1 = await openStream(who.worker);
    await w1.waitFor((e) => e.event === 'hello', 'hello');
    const bad = await post('/api/v1/cases', { category: 'NOPE', description: 'x', location: IN_G1 }, who.res);
    assert.equal(bad.status, 422);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(w1.events.filter((e) => e.event === 'notification').length, 0);
    assert.equal(Number(sql(srv, 'SELECT COUNT(*) FROM notifications')[0][0]), before);
    w1.close();
  });

  test('dispatch reaches the department; the reporter hears each step; nobody is told of their own action', async () => {
    const made = await report(who.res, '路灯不亮，晚上回家很黑');
    assert.equal(made.status, 201);
    const id = made.body.id;
    const dept = await openStream(who.dept);
    const res = await openStream(who.res);
    await dept.waitFor((e) => e.event === 'hello', 'hello');
    await res.waitFor((e) => e.event === 'hello', 'hello');
    let r = await post(`/api/v1/cases/${id}/actions`, { action: 'accept' }, who.staff);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const acc = await res.waitFor((e) => e.event === 'notification' && e.json.kind === 'case.accept', 'accepted');
    assert.match(acc.json.title, /您反映的/);
    r = await post(`/api/v1/cases/${id}/actions`, { action: 'dispatch', org: deptOrg }, who.staff);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const d = await dept.waitFor((e) => e.event === 'notification' && e.json.kind === 'case.dispatch', 'dispatched');
    assert.match(d.json.title, /派遣给您的诉求/);
    await res.waitFor((e) => e.event === 'notification' && e.json.kind === 'case.dispatch', 'reporter: dispatched');
    // The staff member who acted has nothing about it in their inbox.
    const mine = (await get('/api/v1/notifications', who.staff)).body.items;
    assert.ok(!mine.some((n) => n.object_id === id && /accept|dispatch/.test(n.kind)), JSON.stringify(mine));
    dept.close(); res.close();
  });
});

async function ended(st, what) {
  const t0 = Date.now();
  while (!st.ended && Date.now() - t0 < 5000) await new Promise((res) => setTimeout(res, 50));
  assert.ok(st.ended, what);
}

describe('streams end with the login', () => {
  test('an administrator\'s password reset, disabling or deleting ends the account\'s streams at once', async () => {
    for (const [i, path, method] of [[1, 'password-reset', 'POST'], [2, 'disable', 'POST'], [3, '', 'DELETE']]) {
      const u = await makeUser(srv, admin, `ntf-end${i}`, [['grid_worker', G2]], `end${i}-password-1`);
      const s = await login(srv, `ntf-end${i}`, `end${i}-password-1`);
      const st = await openStream(s);
      await st.waitFor((e) => e.event === 'hello', 'hello');
      const r = await api(srv, method, `/api/v1/users/${u.id}${path ? '/' + path : ''}`, method === 'POST' ? {} : undefined, admin.bearer);
      assert.ok(r.status >= 200 && r.status < 300, `${path || 'delete'}: ${r.status} ${JSON.stringify(r.body)}`);
      await ended(st, `${path || 'delete'}: the stream ended`);
      st.close();
      assert.equal((await openStream(s)).status, 401, `${path || 'delete'}: no new stream`);
    }
  });

  test('logging out ends the account\'s streams; a new stream needs a valid login', async () => {
    const other = await login(srv, 'ntf-worker2', 'worker2-password-1');
    const st = await openStream(who.worker2);
    await st.waitFor((e) => e.event === 'hello', 'hello');
    const r = await api(srv, 'DELETE', '/api/v1/session', undefined, other.bearer);
    assert.equal(r.status, 204);
    // With two processes the logout may land on the other one: its NOTIFY ends the
    // stream there too.
    await ended(st, 'the stream ended');
    st.close();
    const again = await openStream(other);
    assert.equal(again.status, 401);
    const still = await openStream(who.worker2);
    assert.equal(still.status, 200, 'the other session of the account still streams');
    still.close();
  });
});

describe('the inbox', () => {
  test('mark read: my own only; bad bodies refused and nothing changes', async () => {
    const mine = (await get('/api/v1/notifications?unread=1', who.worker)).body;
    assert.ok(mine.unread >= 1);
    const theirs = (await get('/api/v1/notifications', who.res)).body.items;
    assert.ok(theirs.length >= 1);
    // Someone else's id changes nothing and says nothing.
    let r = await post('/api/v1/notifications/read', { ids: [theirs[0].id] }, who.worker);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.marked, 0);
    assert.equal((await get('/api/v1/notifications', who.res)).body.items[0].read_at, null);
    for (const body of [{}, { ids: [] }, { ids: ['abc'] }, { ids: [1] }, { all: 'yes' }, { ids: Array(201).fill('1') }]) {
      r = await post('/api/v1/notifications/read', body, who.worker);
      assert.equal(r.status, 422, JSON.stringify(body));
      assertErrorShape(r.body, 'invalid_field', JSON.stringify(body));
    }
    assert.equal((await get('/api/v1/notifications?unread=1', who.worker)).body.unread, mine.unread);
    r = await post('/api/v1/notifications/read', { ids: [mine.items[0].id] }, who.worker);
    assert.equal(r.body.marked, 1);
    assert.equal(r.body.unread, mine.unread - 1);
    r = await post('/api/v1/notifications/read', { all: true }, who.worker);
    assert.equal(r.body.unread, 0);
    const after = (await get('/api/v1/notifications', who.worker)).body;
    assert.ok(after.items.every((n) => n.read_at));
    assert.equal((await get('/api/v1/notifications?unread=1', who.worker)).body.items.length, 0);
  });

  test('pages by cursor, newest first', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await report(who.res, `第${i}件：楼道堆物`)).status, 201);
    const p1 = (await get('/api/v1/notifications?limit=2', who.worker)).body;
    assert.equal(p1.items.length, 2);
    assert.ok(p1.next_cursor);
    const p2 = (await get(`/api/v1/notifications?limit=2&cursor=${p1.next_cursor}`, who.worker)).body;
    assert.ok(BigInt(p2.items[0].id) < BigInt(p1.items[1].id));
  });

  test('a reconnecting stream first gets what it missed', async () => {
    const all = (await get('/api/v1/notifications?limit=50', who.worker)).body.items;
    const older = all[3].id; // three newer ones exist
    const st = await openStream(who.worker, { 'Last-Event-ID': older });
    const hello = await st.waitFor((e) => e.event === 'hello', 'hello');
    const replayed = st.events.filter((e) => e.event === 'notification').map((e) => e.id);
    assert.deepEqual(replayed, all.slice(0, 3).map((n) => n.id).reverse());
    assert.equal(typeof hello.json.unread, 'number');
    st.close();
  });
});
