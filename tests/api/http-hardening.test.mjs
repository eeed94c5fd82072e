// The security findings about the HTTP layer and unauthenticated routes (issue 7):
//  1  every route needs a login unless declared public (probes were open to anyone)
//  4  no unauthenticated upload is held in memory (40 × 60 MiB took the server to 2.4 GB)
//  5  one address cannot take every connection (4,200 idle sockets starved /healthz)
// 10  HTTP framing per RFC 9112, and every error the server makes is the JSON shape
// 11  /metrics and the detailed status need a role (or the scrape token)
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, spawnServer, api, cli, freshDatabase, ROOT } from '../lib/server.mjs';
import { adminSession, makeUser, sql } from './auth-util.mjs';
import { assertErrorShape, assertNoSanitizerReport } from './util.mjs';
import { rawMany, buildRequest, portOf } from './raw.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const METRICS_TOKEN = 'scrape-token-0123456789abcdef';

let srv;
let admin;
before(async () => {
  srv = await startServer({ env: { GONGZHI_METRICS_TOKEN: METRICS_TOKEN } });
  admin = await adminSession(srv);
});
after(async () => {
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

function routeList(publicOnly) {
  const r = cli(publicOnly ? ['routes', '--public'] : ['routes']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/));
}

// Exact bytes on one connection; resolves with every response and whether the server
// closed the connection. Never hangs: the timeout fails the test instead.
function exchange(bytes, { timeout = 5000, waitClose = true } = {}) {
  return rawMany(portOf(srv.servers[0]), [Buffer.from(bytes, 'latin1')],
    { waitClose, timeout }).then((responses) => ({ responses, closed: responses.closed }));
}

function assertJsonError(res, what) {
  assert.match(res.headers['content-type'] || '', /^application\/json/, `${what}: JSON content type, got ${res.headers['content-type']}: ${res.text}`);
  assertErrorShape(JSON.parse(res.text), undefined, what);
}

// ---------------------------------------------------------------- finding 1, 11

describe('every route needs a login unless declared public', () => {
  test('the public routes are exactly those listed in docs/SECURITY.md', () => {
    const doc = readFileSync(join(ROOT, 'docs/SECURITY.md'), 'utf8');
    const section = doc.split('## Routes without a login')[1];
    assert.ok(section, 'SECURITY.md has a "Routes without a login" section');
    const listed = [...section.split('\n## ')[0].matchAll(/^\| `(GET|POST|PUT|PATCH|DELETE) ([^`]+)` \|/gm)]
      .map((m) => `${m[1]} ${m[2]}`).sort();
    const pub = routeList(true).map(([m, p]) => `${m} ${p}`).sort();
    assert.deepEqual(pub, listed);
    // Open311 GeoReport v2 is public by its standard (SPEC §3b); the rest stays short.
    const own = pub.filter((p) => !p.includes(' /open311/'));
    assert.ok(own.length <= 8, `the public list stays short: ${own}`);
  });

  test('every other route answers 401 without credentials, before reading a body', async () => {
    const pub = new Set(routeList(true).map(([m, p]) => `${m} ${p}`));
    const all = routeList(false);
    assert.ok(all.length > 40);
    for (const [method, pattern] of all) {
      if (pub.has(`${method} ${pattern}`)) continue;
      const path = pattern.replace(/\{[^}]+\}/g, '1');
      const body = ['POST', 'PATCH', 'PUT'].includes(method) ? { label: 'x' } : undefined;
      const r = await api(srv, method, path, body);
      assert.equal(r.status, 401, `${method} ${path}: ${JSON.stringify(r.body)}`);
      assertErrorShape(r.body, 'unauthenticated', `${method} ${path}`);
      // A cookie without the CSRF header is refused on writes just as early.
      if (method !== 'GET') {
        const c = await api(srv, method, path, body, { Cookie: `gz_session=${admin.token}` });
        assert.equal(c.status, 403, `${method} ${path} by cookie without CSRF`);
        assertErrorShape(c.body, 'csrf_required');
      }
    }
  });

  test('storage probes: no login → 401 and nothing written; system_admin writes, audited', async () => {
    const before = sql(srv, 'SELECT COUNT(*) FROM probes')[0][0];
    const anon = await api(srv, 'POST', '/api/v1/probes', { label: 'anon', payload: 'x'.repeat(4000) });
    assert.equal(anon.status, 401);
    assert.equal((await api(srv, 'GET', '/api/v1/probes')).status, 401);
    assert.equal(sql(srv, 'SELECT COUNT(*) FROM probes')[0][0], before);

    const gw = await makeUser(srv, admin, null, [['grid_worker', '110105001001001']]);
    const gws = await (await import('./auth-util.mjs')).login(srv, gw.username);
    const denied = await api(srv, 'POST', '/api/v1/probes', { label: 'gw' }, gws.bearer);
    assert.equal(denied.status, 403);
    assert.equal((await api(srv, 'GET', '/api/v1/probes', undefined, gws.bearer)).status, 403);

    const ok = await api(srv, 'POST', '/api/v1/probes', { label: `by-admin-${process.pid}` }, admin.bearer);
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const audit = sql(srv, `SELECT username, action, record_id FROM audit_log WHERE action = 'probe.create' AND record_id = '${ok.body.id}'`);
    assert.deepEqual(audit, [['admin', 'probe.create', ok.body.id]]);
  });

  test('/metrics: 401 without login, 403 for a role without operations rights, 200 for admin or the scrape token', async () => {
    const anon = await api(srv, 'GET', '/metrics');
    assert.equal(anon.status, 401);
    assertErrorShape(anon.body, 'unauthenticated');
    const wrongToken = await api(srv, 'GET', '/metrics', undefined, { Authorization: 'Bearer scrape-token-0123456789abcdeX' });
    assert.equal(wrongToken.status, 401);
    const cs = await makeUser(srv, admin, null, [['community_staff', '110105001001']]);
    const css = await (await import('./auth-util.mjs')).login(srv, cs.username);
    const denied = await api(srv, 'GET', '/metrics', undefined, css.bearer);
    assert.equal(denied.status, 403);
    const byAdmin = await api(srv, 'GET', '/metrics', undefined, admin.bearer);
    assert.equal(byAdmin.status, 200);
    assert.match(byAdmin.body, /gongzhi_http_requests_total/);
    const byToken = await api(srv, 'GET', '/metrics', undefined, { Authorization: `Bearer ${METRICS_TOKEN}` });
    assert.equal(byToken.status, 200);
  });

  test('/api/v1/status: 401 without login; counts and schema only for operations roles', async () => {
    assert.equal((await api(srv, 'GET', '/api/v1/status')).status, 401);
    const cs = await makeUser(srv, admin, null, [['community_staff', '110105001001']]);
    const css = await (await import('./auth-util.mjs')).login(srv, cs.username);
    const plain = await api(srv, 'GET', '/api/v1/status', undefined, css.bearer);
    assert.equal(plain.status, 200);
    assert.equal(plain.body.status, 'ok');
    assert.equal(plain.body.counts, undefined);
    assert.equal(plain.body.db.schema_version, undefined);
    assert.equal(plain.body.db.driver, undefined);
    const full = await api(srv, 'GET', '/api/v1/status', undefined, admin.bearer);
    assert.equal(full.status, 200);
    assert.equal(typeof full.body.counts.users, 'number');
    assert.ok(full.body.db.schema_version > 0);
  });

  test('/healthz and the API description stay public', async () => {
    assert.equal((await api(srv, 'GET', '/healthz')).status, 200);
    assert.equal((await api(srv, 'GET', '/api/v1/openapi.json')).status, 200);
  });
});

// ---------------------------------------------------------------- finding 10

describe('HTTP framing (RFC 9112) and JSON errors for every malformed request', () => {
  test('two different Content-Length headers → 400, connection closed, the rest never runs as a request', async () => {
    const smuggled = 'GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n';
    const { responses, closed } = await exchange(
      `POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n`
      + `Content-Length: 2\r\nContent-Length: ${2 + smuggled.length}\r\n\r\n{}${smuggled}`);
    assert.equal(responses.length, 1, 'exactly one answer');
    assert.equal(responses[0].status, 400);
    assertJsonError(responses[0], 'conflicting lengths');
    assert.equal(JSON.parse(responses[0].text).error.code, 'conflicting_content_length');
    assert.ok(closed, 'connection closed');
  });

  test('Content-Length with Transfer-Encoding: chunked → 400 and the connection is closed', async () => {
    const { responses, closed } = await exchange(
      'POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
      + 'Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n');
    assert.equal(responses.length, 1);
    assert.equal(responses[0].status, 400);
    assert.equal(JSON.parse(responses[0].text).error.code, 'conflicting_framing');
    assert.ok(closed);
  });

  test('an unknown transfer coding (xchunked) → 400 at once, not a 60 s hang', async () => {
    const t0 = Date.now();
    const { responses, closed } = await exchange(
      'POST /api/v1/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n');
    assert.ok(Date.now() - t0 < 2000, `answered in ${Date.now() - t0} ms`);
    assert.equal(responses[0].status, 400);
    assert.equal(JSON.parse(responses[0].text).error.code, 'unsupported_transfer_encoding');
    assert.ok(closed);
  });

  test('Content-Length: -1 → one status line, 400 JSON', async () => {
    const { responses, closed } = await exchange(
      'POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n');
    assert.equal(responses.length, 1);
    assert.equal(responses[0].status, 400);
    assert.equal(JSON.parse(responses[0].text).error.code, 'bad_content_length');
    assert.ok(closed);
  });

  test('a 12 KB query of 3,000 parameters → 414 at once', async () => {
    const q = Array.from({ length: 3000 }, (_, i) => `a${i % 10}=1`).join('&');
    const t0 = Date.now();
    const { responses } = await exchange(`GET /api/v1/probes?${q} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(responses[0].status, 414);
    assertJsonError(responses[0], '3000 parameters');
  });

  // Requests a strict HTTP/1.1 server must refuse. Each gets a JSON error with a 4xx or
  // 505 status within two seconds; a framing error also closes the connection (where
  // the next request would start is unknown), a well-framed bad request need not.
  const MALFORMED = {
    'no Host on HTTP/1.1': 'GET /healthz HTTP/1.1\r\n\r\n',
    'two Host headers': 'GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
    'space before the colon': 'GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n',
    'obs-fold': 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n',
    'header without a colon': 'GET /healthz HTTP/1.1\r\nHost: x\r\nBroken\r\n\r\n',
    'bare LF in the headers': 'GET /healthz HTTP/1.1\r\nHost: x\nX-A: 1\r\n\r\n',
    'bare CR in a value': 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: 1\r2\r\n\r\n',
    'NUL in a value': 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: 1\u00002\r\n\r\n',
    'control byte in a value': 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: \u0001\r\n\r\n',
    'HTTP/2.0 request line': 'GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n',
    'HTTP/1.2': 'GET /healthz HTTP/1.2\r\nHost: x\r\n\r\n',
    'lower-case version': 'GET /healthz http/1.1\r\nHost: x\r\n\r\n',
    'garbage version': 'GET /healthz HTTP/1.1x\r\nHost: x\r\n\r\n',
    'no version': 'GET /healthz\r\nHost: x\r\n\r\n',
    'two spaces': 'GET  /healthz HTTP/1.1\r\nHost: x\r\n\r\n',
    'bad method characters': 'G{T /healthz HTTP/1.1\r\nHost: x\r\n\r\n',
    'target without a slash': 'GET healthz HTTP/1.1\r\nHost: x\r\n\r\n',
    'binary request line': '\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003\r\n\r\n',
    'Content-Length with a sign': 'POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: +2\r\n\r\n{}',
    'Content-Length list': 'POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: 2, 2\r\n\r\n{}',
    'Content-Length in hex': 'POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: 0x2\r\n\r\n{}',
    'Content-Length overflow': 'POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: 184467440737095516160\r\n\r\n{}',
    'empty Content-Length': 'POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n{}',
    'equal duplicate Content-Length': 'POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}',
    'Transfer-Encoding gzip': 'POST /api/v1/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n',
    'Transfer-Encoding gzip, chunked': 'POST /api/v1/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
    'Transfer-Encoding twice': 'POST /api/v1/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'Transfer-Encoding on HTTP/1.0': 'POST /api/v1/session HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'chunk size not hex': 'POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
    'chunk size overflow': 'POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000002\r\n{}\r\n0\r\n\r\n',
    'chunk data without CRLF': 'POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n',
    'chunk line with a bare LF': 'POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\n{}\r\n0\r\n\r\n',
    'negative chunk size': 'POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n-2\r\n{}\r\n0\r\n\r\n',
    'request line over the URL limit': `GET /${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    'headers over the limit': `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(17000)}\r\n\r\n`,
    'too many header lines': `GET /healthz HTTP/1.1\r\nHost: x\r\n${'X: 1\r\n'.repeat(2100)}\r\n`,
    'invalid UTF-8 in the path': 'GET /%ff%fe HTTP/1.1\r\nHost: x\r\n\r\n',
    'NUL in the path': 'GET /api/v1/probes%00 HTTP/1.1\r\nHost: x\r\n\r\n',
    'invalid UTF-8 in a header': 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: \u00ff\u00fe\r\n\r\n',
    'invalid UTF-8 in the query': 'GET /healthz?a=%ff HTTP/1.1\r\nHost: x\r\n\r\n',
  };
  for (const [name, bytes] of Object.entries(MALFORMED)) {
    test(`malformed: ${name} → JSON error`, async () => {
      const t0 = Date.now();
      const framing = !/UTF-8|NUL in the path/.test(name);
      const { responses, closed } = await exchange(bytes, { timeout: 3000, waitClose: framing });
      if (framing) assert.ok(closed, `${name}: connection closed`);
      assert.ok(Date.now() - t0 < 2500, `${name}: answered in ${Date.now() - t0} ms`);
      assert.equal(responses.length, 1, `${name}: one answer`);
      const s = responses[0].status;
      assert.ok((s >= 400 && s < 500) || s === 505, `${name}: status ${s}`);
      assertJsonError(responses[0], name);
    });
  }

  test('a request whose head never ends is answered 408 within the request timeout (slowloris)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gz-slow-'));
    const s = await spawnServer({ db: freshDatabase(dir), dir,
      extraArgs: ['--request-timeout-ms', '1500', '--first-byte-timeout-ms', '1000'] });
    try {
      const sock = net.connect({ port: s.port, host: '127.0.0.1' });
      let got = '';
      sock.on('data', (d) => { got += d.toString('latin1'); });
      const closed = new Promise((res) => sock.on('close', res));
      sock.on('error', () => {});
      await new Promise((res) => sock.on('connect', res));
      const t0 = Date.now();
      // One header byte every 200 ms keeps a per-read timeout alive forever.
      const drip = setInterval(() => { if (!sock.destroyed) sock.write('X'); }, 200);
      sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      await closed;
      clearInterval(drip);
      const ms = Date.now() - t0;
      assert.ok(ms >= 1200 && ms < 4000, `closed after ${ms} ms`);
      assert.match(got, /^HTTP\/1\.1 408 /);
      assert.match(got, /"code":"request_timeout"/);

      // A connection that never says anything is closed after the first-byte timeout.
      const idle = net.connect({ port: s.port, host: '127.0.0.1' });
      idle.on('error', () => {});
      const t1 = Date.now();
      await new Promise((res) => idle.on('close', res));
      const idleMs = Date.now() - t1;
      assert.ok(idleMs >= 800 && idleMs < 3000, `silent connection closed after ${idleMs} ms`);
    } finally {
      await s.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------- finding 4, 5

// Resident set size of a process in bytes, from /proc.
function rss(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]) * 1024;
}

describe('memory and connections', () => {
  test('40 unauthenticated 60 MiB uploads at once: refused on the headers, memory stays under 200 MB', async () => {
    const s = srv.servers[0];
    const pid = s.proc.pid;
    const before = rss(pid);
    let peak = before;
    const sampler = setInterval(() => { peak = Math.max(peak, rss(pid)); }, 20);
    const SIZE = 60 << 20;
    const chunk = Buffer.alloc(1 << 20, 0x41);
    const one = () => new Promise((resolve) => {
      const sock = net.connect({ port: s.port, host: '127.0.0.1' });
      let got = '';
      let sent = 0;
      const pump = () => {
        while (sent < SIZE && !sock.destroyed) {
          sent += chunk.length;
          if (!sock.write(chunk)) return sock.once('drain', pump);
        }
      };
      sock.on('connect', () => {
        sock.write(buildRequest({ method: 'POST', path: '/api/v1/residents/import',
          headers: { 'Content-Type': 'text/csv', 'Content-Length': String(SIZE) } }));
        pump();
      });
      sock.on('data', (d) => { got += d.toString('latin1'); });
      sock.on('error', () => {});
      sock.on('close', () => resolve({ got, sent }));
    });
    const results = await Promise.all(Array.from({ length: 40 }, one));
    clearInterval(sampler);
    peak = Math.max(peak, rss(pid));
    for (const r of results) assert.match(r.got, /^HTTP\/1\.1 401 /, 'each upload is answered 401');
    const sentTotal = results.reduce((a, r) => a + r.sent, 0);
    assert.ok(sentTotal < 40 * SIZE, 'uploads were cut short, not read to the end');
    assert.ok(peak < 200 * 1024 * 1024, `peak RSS ${(peak / 1048576).toFixed(1)} MB (before ${(before / 1048576).toFixed(1)} MB)`);
    assert.equal((await api(srv, 'GET', '/healthz')).status, 200);
  });

  test('idle connections beyond the per-address cap are refused; another address is still served at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gz-cap-'));
    const s = await spawnServer({ db: freshDatabase(dir), dir, extraArgs: ['--max-conns-per-ip', '40'] });
    const socks = [];
    try {
      const open = () => new Promise((resolve) => {
        const sock = net.connect({ port: s.port, host: '127.0.0.1' });
        let got = '';
        sock.on('data', (d) => { got += d.toString('latin1'); });
        sock.on('error', () => {});
        sock.on('close', () => { sock.closedWith = got; });
        sock.on('connect', () => resolve(sock));
        socks.push(sock);
      });
      for (let i = 0; i < 60; i++) await open();
      await new Promise((r) => setTimeout(r, 300));
      // The harness's own keep-alive connection (its health check) counts too.
      const refused = socks.filter((k) => k.closedWith !== undefined);
      assert.ok(refused.length >= 20 && refused.length <= 21, `connections over the cap closed: ${refused.length}`);
      assert.ok(socks.length - refused.length <= 40);
      for (const k of refused) {
        assert.match(k.closedWith, /^HTTP\/1\.1 503 /);
        assert.match(k.closedWith, /"code":"too_many_connections"/);
      }
      // From another loopback address, /healthz still answers within a second.
      const t0 = Date.now();
      const res = await new Promise((resolve, reject) => {
        const sock = net.connect({ port: s.port, host: '127.0.0.1', localAddress: '127.0.0.2' });
        let got = '';
        sock.on('connect', () => sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
        sock.on('data', (d) => { got += d; });
        sock.on('close', () => resolve(got));
        sock.on('error', reject);
      });
      assert.ok(Date.now() - t0 < 1000, `answered in ${Date.now() - t0} ms`);
      assert.match(res, /^HTTP\/1\.1 200 /);
    } finally {
      for (const k of socks) k.destroy();
      await s.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
