// The server's basic contract: health, request ids, status, metrics, keep-alive, HEAD,
// the OpenAPI description matching the router, and the command line. Status (in detail)
// and metrics are operations data: they need the operations session (or, for /metrics,
// the scrape token this file's server is started with).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, api, cli, freshDatabase } from '../lib/server.mjs';
import { raw, RawConnection, portOf } from './raw.mjs';
import { opsSession, makeUser, login } from './auth-util.mjs';
import { dbKind, assertRfc3339Utc, assertErrorShape, assertJsonContentType, run, uniqueLabel, assertNoSanitizerReport } from './util.mjs';

const METRICS_TOKEN = 'scrape-token-for-the-core-tests';
let srv, ops;
before(async () => {
  srv = await startServer({ env: { GONGZHI_METRICS_TOKEN: METRICS_TOKEN } });
  ops = await opsSession(srv);
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

// Routes the router knows, as [METHOD, PATTERN], from `gongzhi routes`.
function routes() {
  const r = cli(['routes']);
  assert.equal(r.code, 0, r.stderr);
  const list = r.stdout.trim().split('\n').filter(Boolean).map((l) => {
    const [m, p, ...rest] = l.trim().split(/\s+/);
    assert.equal(rest.length, 0, `routes line should be "METHOD PATTERN": ${l}`);
    return [m, p];
  });
  assert.ok(list.length > 0, 'gongzhi routes printed nothing');
  return list;
}

test('GET /healthz answers 200 with a JSON body', async () => {
  const r = await api(srv, 'GET', '/healthz');
  assert.equal(r.status, 200);
  assertJsonContentType(r.headers.get('content-type'));
  assert.equal(typeof r.body, 'object');
  assert.equal(r.body.status, 'ok');
});

test('every response carries an X-Request-Id, unique across requests', async () => {
  const ids = new Set();
  const seen = (id, what) => {
    assert.ok(id && /^[\x21-\x7e]{8,}$/.test(id), `${what}: X-Request-Id should be a printable token, got ${id}`);
    assert.ok(!ids.has(id), `${what}: X-Request-Id ${id} was already used`);
    ids.add(id);
  };
  // Successes, errors of every kind, HEAD, static files, metrics: all carry an id.
  // Each once with the operations session and once without (401 answers carry one too).
  const fetches = [
    ['GET', '/healthz'], ['GET', '/api/v1/status'], ['GET', '/metrics'], ['GET', '/api/v1/openapi.json'],
    ['GET', '/api/v1/probes'], ['GET', '/api/v1/nope'], ['DELETE', '/api/v1/status'], ['HEAD', '/healthz'],
    ['GET', '/api/v1/probes?limit=0'], ['GET', '/favicon-that-does-not-exist.ico'], ['GET', '/'],
  ];
  for (const headers of [ops.bearer, {}]) {
    for (const [m, p] of fetches) {
      const r = await srv.fetch(p, { method: m, headers });
      await r.arrayBuffer();
      seen(r.headers.get('x-request-id'), `${m} ${p} → ${r.status}`);
    }
  }
  const bad = await api(srv, 'POST', '/api/v1/probes', '{not json', ops.bearer);
  assert.equal(bad.status, 400);
  seen(bad.headers.get('x-request-id'), 'POST invalid JSON');
  const created = await api(srv, 'POST', '/api/v1/probes', { label: uniqueLabel('rid') }, ops.bearer);
  assert.equal(created.status, 201);
  seen(created.headers.get('x-request-id'), 'POST probe');
  // Requests fetch cannot send: answered before routing, still with an id.
  for (const path of ['/../etc/passwd', '/%ff', '/' + 'x'.repeat(10000)]) {
    const r = await raw(portOf(srv.servers[0]), { path });
    assert.ok(r.status >= 400 && r.status < 500, `${path} → ${r.status}`);
    seen(r.headers['x-request-id'], `raw ${path.slice(0, 20)}`);
  }
  // Many requests in parallel (both processes when there are two): still all different.
  const many = await Promise.all(Array.from({ length: 60 }, async () => {
    const r = await srv.fetch('/healthz');
    await r.arrayBuffer();
    return r.headers.get('x-request-id');
  }));
  for (const id of many) seen(id, 'parallel /healthz');
});

test('GET /api/v1/status reports the server, the database driver, schema version and counts', async () => {
  const r = await api(srv, 'GET', '/api/v1/status', undefined, ops.bearer);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assertJsonContentType(r.headers.get('content-type'));
  const b = r.body;
  assert.equal(b.status, 'ok');
  assert.equal(typeof b.version, 'string');
  assert.ok(b.db && typeof b.db === 'object', 'db object');
  assert.equal(b.db.driver, dbKind());
  assert.equal(b.db.ok, true);
  assert.ok(Number.isInteger(b.db.schema_version) && b.db.schema_version >= 1,
    `schema_version ≥ 1, got ${b.db.schema_version}`);
  assert.ok(b.counts && typeof b.counts === 'object' && !Array.isArray(b.counts), 'counts object');
  for (const [k, v] of Object.entries(b.counts)) assert.ok(Number.isInteger(v) && v >= 0, `counts.${k}=${v}`);
  assertRfc3339Utc(b.started_at, 'started_at');
  assertRfc3339Utc(b.server_time, 'server_time');
  assert.ok(Date.parse(b.started_at) <= Date.parse(b.server_time), 'started_at ≤ server_time');
  assert.ok(Math.abs(Date.parse(b.server_time) - Date.now()) < 60000, 'server_time is now (UTC)');
  assert.ok(Number.isInteger(b.uptime_s) && b.uptime_s >= 0, 'uptime_s');
});

test('GET /api/v1/status needs a login; without the operations grant it tells only whether the service is up', async () => {
  const anon = await api(srv, 'GET', '/api/v1/status');
  assert.equal(anon.status, 401, JSON.stringify(anon.body));
  assertErrorShape(anon.body);
  assert.equal(anon.body.counts, undefined);
  // A community secretary reads probes, but only in the community: not operations data.
  const u = await makeUser(srv, ops, null, [['community_admin', '110105001001']]);
  const sec = await login(srv, u.username, u.password);
  const r = await api(srv, 'GET', '/api/v1/status', undefined, sec.bearer);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(Object.keys(r.body).sort(), ['db', 'server_time', 'started_at', 'status', 'uptime_s', 'version']);
  assert.deepEqual(r.body.db, { ok: true });
  assert.equal(r.body.status, 'ok');
  assertRfc3339Utc(r.body.server_time, 'server_time');
  // A street supervisor over the whole system ("" scope) reads probes everywhere: the detail.
  const sup = await makeUser(srv, ops, null, [['street_supervisor', '']]);
  const supS = await login(srv, sup.username, sup.password);
  const d = await api(srv, 'GET', '/api/v1/status', undefined, supS.bearer);
  assert.equal(d.status, 200, JSON.stringify(d.body));
  assert.equal(d.body.db.driver, dbKind());
  assert.ok(d.body.counts && typeof d.body.counts === 'object', 'counts for an operations reader');
});

test('/metrics needs the operations grant or the scrape token', async () => {
  const base = srv.servers[0].url;
  const get = (headers = {}) => fetch(base + '/metrics', { headers });
  const anon = await get();
  assert.equal(anon.status, 401);
  assertErrorShape(await anon.json());
  const u = await makeUser(srv, ops, null, [['community_admin', '110105001001']]);
  const sec = await login(srv, u.username, u.password);
  const forbidden = await get(sec.bearer);
  assert.equal(forbidden.status, 403);
  assertErrorShape(await forbidden.json());
  const wrong = await get({ Authorization: `Bearer ${METRICS_TOKEN}x` });
  assert.equal(wrong.status, 401);
  await wrong.arrayBuffer();
  for (const headers of [ops.bearer, { Authorization: `Bearer ${METRICS_TOKEN}` }]) {
    const r = await get(headers);
    assert.equal(r.status, 200);
    assert.match(await r.text(), /^# TYPE gongzhi_http_requests_total counter$/m);
  }
});

// Value of one Prometheus sample, or 0 if absent.
function sample(text, name, labels) {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[3] || '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[4]);
  }
  return 0;
}

test('/metrics is Prometheus text and counts a request just made', async () => {
  // One process: counters are per process.
  const base = srv.servers[0].url;
  const get = async (p) => { const r = await fetch(base + p, { headers: ops.bearer }); return { r, text: await r.text() }; };
  const key = { route: '/healthz', method: 'GET', status: '200' };
  const { r: m0, text: t0 } = await get('/metrics');
  assert.equal(m0.status, 200);
  assert.match(m0.headers.get('content-type'), /^text\/plain/);
  const before = sample(t0, 'gongzhi_http_requests_total', key);
  for (let i = 0; i < 3; i++) assert.equal((await get('/healthz')).r.status, 200);
  const { text } = await get('/metrics');
  const now = sample(text, 'gongzhi_http_requests_total', key);
  assert.ok(now >= before + 3, `requests_total{route="/healthz",status="200"} went from ${before} to ${now}`);

  // Every line is a comment or a well-formed sample.
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    assert.match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_]\w*="(?:[^"\\]|\\.)*",?)*\})? ([-+0-9.eE]+|NaN|[+-]Inf)$/,
      `not a Prometheus sample: ${line}`);
  }
  assert.match(text, /^# TYPE gongzhi_http_requests_total counter$/m);
  assert.match(text, /^# TYPE gongzhi_http_request_duration_seconds histogram$/m);
  const hk = { route: '/healthz', method: 'GET' };
  const inf = sample(text, 'gongzhi_http_request_duration_seconds_bucket', { ...hk, le: '+Inf' });
  const count = sample(text, 'gongzhi_http_request_duration_seconds_count', hk);
  assert.ok(count >= 3, 'histogram _count for /healthz');
  assert.equal(inf, count, '+Inf bucket equals _count');
  assert.match(text, /^gongzhi_http_request_duration_seconds_sum\{route="\/healthz",method="GET"\} [0-9.e+-]+$/m);
  // Buckets are cumulative.
  const buckets = [...text.matchAll(/^gongzhi_http_request_duration_seconds_bucket\{route="\/healthz",method="GET",le="([^"]+)"\} (\d+)$/gm)]
    .map((x) => Number(x[2]));
  assert.ok(buckets.length >= 2, 'several buckets');
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i] >= buckets[i - 1], 'buckets cumulative');
  assert.match(text, /^gongzhi_db_connections_open \d+$/m);
});

test('HTTP/1.1 keep-alive: two requests on one connection are both answered', async () => {
  const c = await RawConnection.open(portOf(srv.servers[0]));
  try {
    const a = await c.request({ path: '/healthz' });
    assert.equal(a.status, 200);
    assert.notEqual((a.headers.connection || '').toLowerCase(), 'close');
    assert.equal(JSON.parse(a.text).status, 'ok');
    const b = await c.request({ path: '/api/v1/status', headers: ops.bearer });
    assert.equal(b.status, 200);
    assert.notEqual((b.headers.connection || '').toLowerCase(), 'close');
    assert.equal(JSON.parse(b.text).status, 'ok');
    // An error answer does not end the connection either.
    const e = await c.request({ path: '/api/v1/nope' });
    assert.equal(e.status, 404);
    assert.equal((await c.request({ path: '/healthz' })).status, 200);
    assert.equal(c.closed, false, 'server kept the connection open');
  } finally {
    c.close();
  }
});

test('HEAD works on every GET route: same status and type, no body', async () => {
  const made = await api(srv, 'POST', '/api/v1/probes', { label: uniqueLabel('head') }, ops.bearer);
  assert.equal(made.status, 201);
  const c = await RawConnection.open(portOf(srv.servers[0]));
  try {
    for (const [method, pattern] of routes()) {
      if (method !== 'GET') continue;
      const path = pattern.replace(/\{[^}]+\}/g, made.body.id);
      // Logged in, and without a login (then the answer is the 401 of GET).
      for (const [who, headers] of [['ops', ops.bearer], ['anonymous', {}]]) {
        // An event stream's GET never ends (tests/api/notify.test.mjs reads it); its HEAD
        // is an ordinary empty answer of the same type.
        const get = path === '/api/v1/events/stream'
          ? (who === 'ops' ? { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8' } }
            : await c.request({ path, headers }))
          : await c.request({ path, headers });
        const head = await c.request({ method: 'HEAD', path, headers });
        assert.equal(head.status, get.status, `HEAD ${path} (${who})`);
        assert.equal(head.headers['content-type'], get.headers['content-type'], `HEAD ${path} content-type (${who})`);
        assert.ok(head.headers['x-request-id'], `HEAD ${path} X-Request-Id (${who})`);
        // If the server had sent a body after HEAD, this next answer on the same
        // connection would not parse.
        const next = await c.request({ path: '/healthz' });
        assert.equal(next.status, 200, `request after HEAD ${path} (${who})`);
        assert.equal(JSON.parse(next.text).status, 'ok');
      }
    }
  } finally {
    c.close();
  }
});

test('GET /api/v1/openapi.json is OpenAPI 3.1 and describes every route the router knows', async () => {
  const r = await api(srv, 'GET', '/api/v1/openapi.json');
  assert.equal(r.status, 200);
  assertJsonContentType(r.headers.get('content-type'));
  const doc = r.body;
  assert.equal(typeof doc, 'object', 'openapi.json parses as JSON');
  assert.match(String(doc.openapi), /^3\.1\.\d+$/);
  assert.ok(doc.info && typeof doc.info.title === 'string' && typeof doc.info.version === 'string', 'info');
  assert.ok(doc.paths && typeof doc.paths === 'object', 'paths');
  const missing = [];
  for (const [method, pattern] of routes()) {
    const op = doc.paths[pattern]?.[method.toLowerCase()];
    if (!op) missing.push(`${method} ${pattern}`);
    else assert.ok(op.responses && Object.keys(op.responses).length > 0, `${method} ${pattern} has responses`);
  }
  assert.deepEqual(missing, [], `routes missing from openapi.json: ${missing.join(', ')}`);
});

test('CLI: version, help, serve --help and migrate --help exit 0', () => {
  const v = run(['version']);
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout, /^gongzhi \S+/);
  const h = run(['help']);
  assert.equal(h.code, 0, h.stderr);
  for (const c of ['serve', 'migrate', 'backup', 'routes', 'version']) assert.match(h.stdout, new RegExp(`\\b${c}\\b`));
  const s = run(['serve', '--help']);
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stdout, /--listen/);
  assert.match(s.stdout, /--db/);
  const m = run(['migrate', '--help']);
  assert.equal(m.code, 0, m.stderr);
  assert.match(m.stdout, /migrate/);
});

test('CLI: an unknown command exits 2 with a message', () => {
  const r = run(['no-such-command']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no-such-command/);
  assert.equal(run(['--no-such-flag']).code, 2);
});

test('CLI: migrate on a fresh database prints the schema version and is idempotent', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gz-migrate-'));
  try {
    const db = freshDatabase(dir);
    const first = run(['migrate', '--db', db]);
    assert.equal(first.code, 0, first.stderr);
    const m1 = /schema version (\d+)/.exec(first.stdout);
    assert.ok(m1, `migrate output: ${first.stdout}`);
    assert.ok(Number(m1[1]) >= 1);
    assert.match(first.stderr, /applied migration/, 'the first run applies migrations');
    const second = run(['migrate', '--db', db]);
    assert.equal(second.code, 0, second.stderr);
    const m2 = /schema version (\d+)/.exec(second.stdout);
    assert.ok(m2, `second migrate output: ${second.stdout}`);
    assert.equal(m2[1], m1[1], 'same version after a second run');
    assert.doesNotMatch(second.stderr, /applied migration/, 'the second run applies nothing');
    assertNoSanitizerReport(first.stderr + second.stderr, 'migrate');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('errors from the API use the JSON error shape', async () => {
  const r = await api(srv, 'GET', '/api/v1/nope');
  assert.equal(r.status, 404);
  assertErrorShape(r.body, 'not_found');
});
