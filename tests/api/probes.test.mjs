// /api/v1/probes: create, read and list round-trip exactly (Chinese text included),
// ids are opaque strings, times are RFC 3339 UTC, and cursor pagination neither
// repeats nor skips records. Probes are operations data (issue 7, finding 1): only
// system_admin writes them (audited), the roles with probe read list them, nobody
// without a login; the tests below use the operations session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, api } from '../lib/server.mjs';
import { parseResponse, portOf } from './raw.mjs';
import { opsSession, makeUser, login } from './auth-util.mjs';
import { assertRfc3339Utc, assertErrorShape, assertJsonContentType, uniqueLabel, pool, assertNoSanitizerReport } from './util.mjs';

let srv, ops;
before(async () => {
  srv = await startServer();
  ops = await opsSession(srv);
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

const get = (p) => api(srv, 'GET', p, undefined, ops.bearer);

// Runs first, on the empty database of this file, so the page sizes are exact.
test('pagination: 45 probes walked with limit=20 come back as 20, 20, 5 with no duplicates or omissions', async () => {
  const start = await get('/api/v1/probes');
  assert.equal(start.status, 200);
  assert.deepEqual(start.body, { items: [], next_cursor: null }, 'a fresh database lists nothing');

  const labels = Array.from({ length: 45 }, (_, i) => `分页-${String(i).padStart(2, '0')}-${uniqueLabel('')}`);
  const created = await pool(labels, 8, async (label) => {
    const r = await api(srv, 'POST', '/api/v1/probes', { label }, ops.bearer);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  });
  const createdIds = new Set(created.map((p) => p.id));
  assert.equal(createdIds.size, 45, 'every create got its own id');

  const pages = [];
  const seen = [];
  let cursor = null;
  for (let i = 0; i < 10; i++) {
    const r = await get('/api/v1/probes?limit=20' + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assertJsonContentType(r.headers.get('content-type'));
    assert.deepEqual(Object.keys(r.body).sort(), ['items', 'next_cursor']);
    pages.push(r.body.items.length);
    seen.push(...r.body.items);
    cursor = r.body.next_cursor;
    if (cursor === null) break;
    assert.equal(typeof cursor, 'string', 'next_cursor is a string or null');
  }
  assert.deepEqual(pages, [20, 20, 5]);
  assert.equal(cursor, null, 'next_cursor is null at the end');
  const ids = seen.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'no duplicates across pages');
  assert.deepEqual(new Set(ids), createdIds, 'every created probe listed, nothing else');
  // Each listed record is the one that was created.
  const byId = new Map(created.map((p) => [p.id, p]));
  for (const p of seen) assert.deepEqual(p, byId.get(p.id));

  // The default page is 20; a limit equal to the total gives one page and no cursor.
  const def = await get('/api/v1/probes');
  assert.equal(def.body.items.length, 20);
  assert.equal(typeof def.body.next_cursor, 'string');
  const all = await get('/api/v1/probes?limit=45');
  assert.equal(all.body.items.length, 45);
  assert.equal(all.body.next_cursor, null, 'exactly limit items left → no next page');
  const most = await get('/api/v1/probes?limit=44');
  assert.equal(most.body.items.length, 44);
  const rest = await get(`/api/v1/probes?limit=44&cursor=${encodeURIComponent(most.body.next_cursor)}`);
  assert.equal(rest.body.items.length, 1);
  assert.equal(rest.body.next_cursor, null);
  const max = await get('/api/v1/probes?limit=200');
  assert.equal(max.status, 200);
  assert.equal(max.body.items.length, 45);
});

test('create, get and list round-trip Chinese text exactly', async () => {
  const label = `社区议事会·第三次「居民提案」😀 ${uniqueLabel('')}`;
  const payload = '楼道堆物清理：\n\t1. 东区３号楼\u3000"引号" \\反斜杠\\ 𠮷野家 e\u0301 ① ②\r\n完成率 89.37%';
  const c = await api(srv, 'POST', '/api/v1/probes', { label, payload }, ops.bearer);
  assert.equal(c.status, 201, JSON.stringify(c.body));
  assertJsonContentType(c.headers.get('content-type'));
  assert.equal(c.body.label, label);
  assert.equal(c.body.payload, payload);

  const g = await get(`/api/v1/probes/${encodeURIComponent(c.body.id)}`);
  assert.equal(g.status, 200, JSON.stringify(g.body));
  assert.deepEqual(g.body, c.body, 'GET returns what POST returned');

  // The exact bytes come back, not just an equal string after some normalisation.
  const rawRes = await srv.fetch(`/api/v1/probes/${encodeURIComponent(c.body.id)}`, { headers: ops.bearer });
  const text = Buffer.from(await rawRes.arrayBuffer()).toString('utf8');
  assert.equal(JSON.parse(text).payload, payload);

  const list = await get('/api/v1/probes?limit=200');
  const found = list.body.items.filter((p) => p.id === c.body.id);
  assert.equal(found.length, 1);
  assert.deepEqual(found[0], c.body);

  // A payload without the optional field comes back as an empty string.
  const bare = await api(srv, 'POST', '/api/v1/probes', { label: uniqueLabel('无内容') }, ops.bearer);
  assert.equal(bare.status, 201);
  assert.equal(bare.body.payload, '');
});

test('ids are opaque strings and created_at is RFC 3339 UTC', async () => {
  const before = Date.now();
  const r = await api(srv, 'POST', '/api/v1/probes', { label: uniqueLabel('time') }, ops.bearer);
  const afterMs = Date.now();
  assert.equal(r.status, 201);
  assert.equal(typeof r.body.id, 'string');
  assert.ok(r.body.id.length > 0);
  assertRfc3339Utc(r.body.created_at, 'created_at');
  const t = Date.parse(r.body.created_at);
  assert.ok(t >= before - 5000 && t <= afterMs + 5000, `created_at ${r.body.created_at} is now`);
  assert.deepEqual(Object.keys(r.body).sort(), ['created_at', 'id', 'label', 'payload']);
});

test('GET an unknown id → 404 not_found', async () => {
  for (const id of ['999999999', '2147483648', '99999999999999999999999']) {
    const r = await get(`/api/v1/probes/${id}`);
    assert.equal(r.status, 404, `${id}: ${JSON.stringify(r.body)}`);
    assertErrorShape(r.body, 'not_found');
  }
});

test('GET /api/v1/probes/abc (not an id at all) → 404 not_found', async () => {
  for (const id of ['abc', '-1', '0', '1.0', '%20', '1%20']) {
    const r = await get(`/api/v1/probes/${id}`);
    assert.equal(r.status, 404, `${id}: ${JSON.stringify(r.body)}`);
    assertErrorShape(r.body, 'not_found');
  }
});

test('a duplicate label → 409 and the first record is unchanged', async () => {
  const label = uniqueLabel('重复');
  const a = await api(srv, 'POST', '/api/v1/probes', { label, payload: 'first' }, ops.bearer);
  assert.equal(a.status, 201);
  const b = await api(srv, 'POST', '/api/v1/probes', { label, payload: 'second' }, ops.bearer);
  assert.equal(b.status, 409, JSON.stringify(b.body));
  assertErrorShape(b.body);
  const g = await get(`/api/v1/probes/${a.body.id}`);
  assert.deepEqual(g.body, a.body);
});

test('racing creates of one label: exactly one wins, the rest get 409, none fail', async () => {
  const label = uniqueLabel('竞争');
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) =>
    api(srv, 'POST', '/api/v1/probes', { label, payload: String(i) }, ops.bearer)));
  const statuses = results.map((r) => r.status).sort();
  assert.equal(statuses.filter((s) => s === 201).length, 1, `statuses: ${statuses}`);
  assert.equal(statuses.filter((s) => s === 409).length, 11, `statuses: ${statuses}`);
  for (const r of results.filter((x) => x.status === 409)) assertErrorShape(r.body);
});

test('a client sending Expect: 100-continue (as curl does for larger bodies) gets 100 Continue, then 201', async () => {
  const label = uniqueLabel('expect');
  const body = Buffer.from(JSON.stringify({ label, payload: '长'.repeat(1500) }));
  const port = portOf(srv.servers[0]);
  const res = await new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let sentBody = false;
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`timeout; got ${buf.toString('latin1').slice(0, 200)}`)); }, 10000);
    sock.on('error', reject);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (!sentBody) {
        const interim = parseResponse(buf);
        if (!interim) return;
        if (interim.response.status !== 100) { clearTimeout(timer); sock.destroy(); resolve(buf); return; }
        sentBody = true;
        buf = Buffer.from(interim.rest);
        sock.write(body);
      }
      const final = buf.length && parseResponse(buf);
      if (final) { clearTimeout(timer); sock.destroy(); resolve(final.response); }
    });
    sock.write(`POST /api/v1/probes HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n`
      + `Authorization: Bearer ${ops.token}\r\n`
      + `Content-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`);
  });
  assert.ok(!Buffer.isBuffer(res), `expected 100 Continue first, got: ${Buffer.isBuffer(res) ? res.toString('latin1').slice(0, 200) : ''}`);
  assert.equal(res.status, 201, res.text);
  assert.equal(JSON.parse(res.text).label, label);
});

test('probes need a login: 401 without one, nothing created', async () => {
  const before = await get('/api/v1/probes?limit=200');
  for (const [method, path, body] of [['GET', '/api/v1/probes'], ['GET', `/api/v1/probes/${before.body.items[0].id}`],
    ['POST', '/api/v1/probes', { label: uniqueLabel('anon') }]]) {
    const r = await api(srv, method, path, body);
    assert.equal(r.status, 401, `${method} ${path}: ${JSON.stringify(r.body)}`);
    assertErrorShape(r.body);
    assert.ok(!JSON.stringify(r.body).includes(before.body.items[0].label), 'no probe in the 401');
  }
  assert.deepEqual((await get('/api/v1/probes?limit=200')).body, before.body);
});

test('only system_admin writes probes; the roles with probe read list them; others get 403', async () => {
  const one = (await get('/api/v1/probes?limit=1')).body.items[0];
  const before = await get('/api/v1/probes?limit=200');
  const as = async (grants) => {
    const u = await makeUser(srv, ops, null, grants);
    return login(srv, u.username, u.password);
  };
  const readers = [[['community_admin', '110105001001']], [['street_supervisor', '110105001']]];
  for (const grants of readers) {
    const s = await as(grants);
    const list = await api(srv, 'GET', '/api/v1/probes?limit=200', undefined, s.bearer);
    assert.equal(list.status, 200, `${grants[0][0]} lists: ${JSON.stringify(list.body)}`);
    assert.deepEqual(list.body, before.body);
    const g = await api(srv, 'GET', `/api/v1/probes/${one.id}`, undefined, s.bearer);
    assert.equal(g.status, 200, `${grants[0][0]} reads one`);
    assert.deepEqual(g.body, one);
    const w = await api(srv, 'POST', '/api/v1/probes', { label: uniqueLabel('reader') }, s.bearer);
    assert.equal(w.status, 403, `${grants[0][0]} writes: ${JSON.stringify(w.body)}`);
    assertErrorShape(w.body);
  }
  for (const grants of [[['grid_worker', '110105001001001']], [['resident', '110105001001']], [['property', '110105001001']]]) {
    const s = await as(grants);
    for (const [method, path, body] of [['GET', '/api/v1/probes'], ['GET', `/api/v1/probes/${one.id}`],
      ['POST', '/api/v1/probes', { label: uniqueLabel('nobody') }]]) {
      const r = await api(srv, method, path, body, s.bearer);
      assert.equal(r.status, 403, `${grants[0][0]} ${method} ${path}: ${JSON.stringify(r.body)}`);
      assertErrorShape(r.body);
    }
  }
  assert.deepEqual((await get('/api/v1/probes?limit=200')).body, before.body, 'nothing was created by the refused writes');
});

test('creating a probe is audited: action probe.create, the probe id, the administrator, the request id', async () => {
  const c = await api(srv, 'POST', '/api/v1/probes', { label: uniqueLabel('audit') }, ops.bearer);
  assert.equal(c.status, 201, JSON.stringify(c.body));
  const rid = c.headers.get('x-request-id');
  const a = await api(srv, 'GET', `/api/v1/audit?record_type=probe&record_id=${encodeURIComponent(c.body.id)}`, undefined, ops.bearer);
  assert.equal(a.status, 200, JSON.stringify(a.body));
  assert.equal(a.body.items.length, 1, JSON.stringify(a.body.items));
  const row = a.body.items[0];
  assert.equal(row.action, 'probe.create');
  assert.equal(row.record_type, 'probe');
  assert.equal(row.record_id, c.body.id);
  assert.equal(row.user_id, ops.user.id);
  assert.equal(row.request_id, rid);
});
