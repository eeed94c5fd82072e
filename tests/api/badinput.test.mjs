// Bad input gets a clear 4xx JSON error, never a crash, a 500 or a half-written record.
// Table-driven: each case is sent (as exact bytes, or through fetch), and must answer the
// expected status with {"error":{"code","message","fields"}} as JSON. Afterwards the
// probe list is unchanged and the server still answers. The probes and the status need
// a login (issue 7): every case is sent with the operations session, so what it tests is
// the input, not the missing credentials.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, api } from '../lib/server.mjs';
import { raw, portOf } from './raw.mjs';
import { opsSession, withAuth } from './auth-util.mjs';
import { assertErrorShape, assertJsonContentType, listAllProbes, uniqueLabel, assertNoSanitizerReport } from './util.mjs';

let srv;
let web;
let ops;
let rr = 0;
before(async () => {
  // A web root of our own, so path traversal is tried against a real static directory.
  web = mkdtempSync(join(tmpdir(), 'gz-web-bad-'));
  mkdirSync(join(web, 'assets'));
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>共治</title>');
  writeFileSync(join(web, 'assets', 'app.js'), 'console.log(1)');
  srv = await startServer({ web });
  ops = await opsSession(srv);
});
after(async () => {
  if (srv) {
    const log = srv.log();
    await srv.stop();
    assertNoSanitizerReport(log);
  }
  if (web) rmSync(web, { recursive: true, force: true });
});

// Raw requests alternate between processes too when there are several.
function nextPort() {
  return portOf(srv.servers[rr++ % srv.servers.length]);
}

const J = { 'Content-Type': 'application/json' };
const post = (body, headers = J, path = '/api/v1/probes') => ({ method: 'POST', path, headers, body });
const MiB = 1 << 20;
const bigBody = () => Buffer.from(JSON.stringify({ label: 'big', payload: 'x'.repeat(MiB + 100) }));

// status: a number or a list of acceptable numbers; code: expected error code, or null
// for "any code"; fields: field names that must be explained in error.fields;
// check(res): more assertions. Exactly one of raw (sent byte-exact over a socket) or
// fetch ([method, path, body, headers] through the harness).
const cases = [
  // Body syntax.
  { name: 'invalid JSON body → 400 invalid_json', raw: post('{"label": "x",'), status: 400, code: 'invalid_json' },
  { name: 'empty JSON body → 400 invalid_json', raw: post(''), status: 400, code: 'invalid_json' },
  { name: 'JSON followed by garbage → 400 invalid_json', raw: post('{"label":"x"} trailing'), status: 400, code: 'invalid_json' },
  { name: 'JSON array body → 400 body_not_object', fetch: ['POST', '/api/v1/probes', '[{"label":"x"}]'], status: 400, code: 'body_not_object' },
  { name: 'JSON number body → 400 body_not_object', fetch: ['POST', '/api/v1/probes', '42'], status: 400, code: 'body_not_object' },
  { name: 'JSON string body → 400 body_not_object', fetch: ['POST', '/api/v1/probes', '"label"'], status: 400, code: 'body_not_object' },
  { name: 'duplicate keys in a JSON object → 400', raw: post('{"label":"dup-a","label":"dup-b"}'), status: 400, code: 'invalid_json' },
  { name: 'a NUL character (\\u0000) in a string → 400', raw: post('{"label":"a\\u0000b"}'), status: 400, code: 'invalid_json' },
  { name: 'a lone surrogate escape (\\ud800) → 400', raw: post('{"label":"\\ud800"}'), status: 400, code: 'invalid_json' },

  // Field validation.
  { name: 'label of the wrong type (number) → 422 invalid_fields with fields.label', fetch: ['POST', '/api/v1/probes', { label: 5 }], status: 422, code: 'invalid_fields', fields: ['label'] },
  { name: 'label of the wrong type (array) → 422 with fields.label', fetch: ['POST', '/api/v1/probes', { label: ['a'] }], status: 422, code: 'invalid_fields', fields: ['label'] },
  { name: 'payload of the wrong type (object) → 422 with fields.payload', fetch: ['POST', '/api/v1/probes', { label: 'typed', payload: { a: 1 } }], status: 422, code: 'invalid_fields', fields: ['payload'] },
  { name: 'missing required label → 422 with fields.label', fetch: ['POST', '/api/v1/probes', { payload: 'p' }], status: 422, code: 'invalid_fields', fields: ['label'] },
  { name: 'null label counts as missing → 422 with fields.label', fetch: ['POST', '/api/v1/probes', { label: null }], status: 422, code: 'invalid_fields', fields: ['label'] },
  { name: 'empty label → 422 with fields.label', fetch: ['POST', '/api/v1/probes', { label: '' }], status: 422, code: 'invalid_fields', fields: ['label'] },
  { name: 'label of 65 Chinese characters (limit 64 code points) → 422 with fields.label', fetch: ['POST', '/api/v1/probes', { label: '治'.repeat(65) }], status: 422, code: 'invalid_fields', fields: ['label'] },
  { name: 'label of 65 four-byte characters (emoji) → 422 with fields.label', fetch: ['POST', '/api/v1/probes', { label: '😀'.repeat(65) }], status: 422, code: 'invalid_fields', fields: ['label'] },
  { name: 'several bad fields are all reported', fetch: ['POST', '/api/v1/probes', { label: 7, payload: 'x'.repeat(4001) }], status: 422, code: 'invalid_fields', fields: ['label', 'payload'] },

  // Encoding and structure limits.
  { name: 'invalid UTF-8 bytes (0xff 0xfe) inside a JSON string → 400 invalid_utf8',
    raw: post(Buffer.concat([Buffer.from('{"label":"bad'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])), status: 400, code: 'invalid_utf8' },
  { name: 'overlong UTF-8 encoding (0xc0 0xaf) → 400 invalid_utf8',
    raw: post(Buffer.concat([Buffer.from('{"label":"a'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')])), status: 400, code: 'invalid_utf8' },
  { name: 'UTF-8 cut off in the middle of a character → 400 invalid_utf8',
    raw: post(Buffer.concat([Buffer.from('{"label":"'), Buffer.from('治').subarray(0, 2), Buffer.from('"}')])), status: 400, code: 'invalid_utf8' },
  { name: 'JSON arrays nested 100 deep → 400 json_too_deep', raw: post('{"label":"deep","x":' + '['.repeat(100) + ']'.repeat(100) + '}'), status: 400, code: 'json_too_deep' },
  { name: 'JSON objects nested 100 deep → 400 json_too_deep', raw: post('{"a":'.repeat(100) + '1' + '}'.repeat(100)), status: 400, code: 'json_too_deep' },
  { name: 'body over 1 MiB with Content-Length → 413 body_too_large', raw: post(bigBody()), status: 413, code: 'body_too_large' },
  // A client that sends its body at once (browsers, fetch) must read the 413 rather than
  // see its upload reset, so a moderately oversize body is read, discarded and answered.
  { name: 'Content-Length over 1 MiB sent at once → 413 body_too_large after the body, not a reset',
    raw: Buffer.concat([Buffer.from(`POST /api/v1/probes HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${2 * MiB}\r\n\r\n`), Buffer.alloc(2 * MiB, 0x20)]),
    status: 413, code: 'body_too_large' },
  { name: 'Content-Length over 64 MiB is refused before the body is sent → 413 body_too_large',
    raw: Buffer.from(`POST /api/v1/probes HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${65 * MiB}\r\n\r\n`),
    status: 413, code: 'body_too_large' },
  { name: 'Expect: 100-continue with Content-Length over 1 MiB → 413 body_too_large, no body needed',
    raw: Buffer.from(`POST /api/v1/probes HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${2 * MiB}\r\nExpect: 100-continue\r\n\r\n`),
    status: 413, code: 'body_too_large' },
  { name: 'chunked body over 1 MiB without Content-Length → 413 body_too_large',
    raw: { ...post(bigBody()), chunked: true }, status: 413, code: 'body_too_large' },

  // Media type.
  { name: 'no Content-Type on a JSON body → 415', raw: post('{"label":"noct"}', {}), status: 415, code: 'unsupported_media_type' },
  { name: 'Content-Type text/plain → 415', raw: post('{"label":"plain"}', { 'Content-Type': 'text/plain' }), status: 415, code: 'unsupported_media_type' },
  { name: 'Content-Type application/jsonp (not JSON) → 415', raw: post('{"label":"jsonp"}', { 'Content-Type': 'application/jsonp' }), status: 415 },
  { name: 'Content-Type application/json; charset=gbk → 415', raw: post('{"label":"gbk"}', { 'Content-Type': 'application/json; charset=gbk' }), status: 415 },
  { name: 'Content-Type application/json; charset=utf-16 → 415', raw: post('{"label":"u16"}', { 'Content-Type': 'application/json; charset=utf-16' }), status: 415 },

  // Routing.
  { name: 'unknown API route → 404 not_found', fetch: ['GET', '/api/v1/no-such-thing'], status: 404, code: 'not_found' },
  { name: 'POST to an unknown API route → 404 not_found', fetch: ['POST', '/api/v1/no-such-thing', {}], status: 404, code: 'not_found' },
  { name: 'bare /api → 404 not_found', fetch: ['GET', '/api'], status: 404, code: 'not_found' },
  { name: 'wrong method (DELETE /api/v1/status) → 405 with Allow: GET', fetch: ['DELETE', '/api/v1/status'], status: 405, code: 'method_not_allowed',
    check: (r) => assert.match(r.headers.allow || '', /\bGET\b/) },
  { name: 'wrong method (PUT /api/v1/probes) → 405 with Allow: GET, POST', raw: { method: 'PUT', path: '/api/v1/probes', headers: J, body: '{}' }, status: 405, code: 'method_not_allowed',
    check: (r) => { assert.match(r.headers.allow || '', /\bGET\b/); assert.match(r.headers.allow || '', /\bPOST\b/); } },
  { name: 'POST to a static path → 405', raw: post('{}', J, '/index.html'), status: 405, code: 'method_not_allowed',
    check: (r) => assert.match(r.headers.allow || '', /\bGET\b/) },
  { name: 'POST to a client-side route → 405', raw: post('{}', J, '/dashboard'), status: 405 },

  // Static paths that try to leave the web root, or are not valid text.
  ...[
    '/../etc/passwd',
    '/../../../../../../etc/passwd',
    '/assets/../../../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd',
    '/assets/..%2f..%2fetc%2fpasswd',
    '/assets/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/..%5c..%5c..%5cetc%5cpasswd',
    '/.git/config',
    '/.env',
    '/a%00b',
    '/etc/passwd%00.html',
    '/%ff',
    '/%c0%ae%c0%ae/etc/passwd',
  ].map((path) => ({
    name: `static path ${path} → 400/404 JSON, never the file`,
    raw: { path }, status: [400, 404], code: null,
    check: (r) => assert.ok(!r.text.includes('root:'), `${path} leaked /etc/passwd`),
  })),

  // Request line and header limits.
  { name: 'very long URL (20 KB path) → 414 uri_too_long', raw: { path: '/api/v1/' + 'a'.repeat(20 * 1024) }, status: 414, code: 'uri_too_long' },
  { name: 'very long query string (20 KB) → 414 uri_too_long', raw: { path: '/api/v1/probes?x=' + 'a'.repeat(20 * 1024) }, status: 414, code: 'uri_too_long' },
  { name: 'very long header (32 KB value) → 431 headers_too_large', raw: { path: '/api/v1/status', headers: { 'X-Big': 'a'.repeat(32 * 1024) } }, status: 431, code: 'headers_too_large' },

  // Query parameters.
  { name: 'query with invalid UTF-8 (?limit=%ff) → 400', raw: { path: '/api/v1/probes?limit=%ff' }, status: 400, code: 'bad_query' },
  { name: 'query key with invalid UTF-8 (?%ff=1) → 400', raw: { path: '/api/v1/probes?%ff=1' }, status: 400, code: 'bad_query' },
  { name: 'query with a NUL (?limit=1%00) → 400', raw: { path: '/api/v1/probes?limit=1%00' }, status: 400, code: 'bad_query' },
  ...['0', '201', 'abc', '-1', '', '1.5', '20x'].map((v) => ({
    name: `?limit=${v} on /api/v1/probes → 400 bad_query with fields.limit`,
    fetch: ['GET', `/api/v1/probes?limit=${v}`], status: 400, code: 'bad_query', fields: ['limit'],
  })),
  ...['zzz', 'c0', 'c-1', 'c', 'c1x'].map((v) => ({
    name: `?cursor=${v} on /api/v1/probes → 400 bad_query with fields.cursor`,
    fetch: ['GET', `/api/v1/probes?cursor=${v}`], status: 400, code: 'bad_query', fields: ['cursor'],
  })),
];

async function send(c) {
  if (c.raw) {
    const req = Buffer.isBuffer(c.raw) ? withAuth(c.raw, ops.token) : { ...c.raw, headers: { ...c.raw.headers, ...ops.bearer } };
    const r = await raw(nextPort(), req);
    return { status: r.status, headers: r.headers, text: r.text, body: r.json };
  }
  const [method, path, body, headers] = c.fetch;
  const r = await api(srv, method, path, body, { ...headers, ...ops.bearer });
  return {
    status: r.status,
    headers: Object.fromEntries(r.headers.entries()),
    text: typeof r.body === 'string' ? r.body : JSON.stringify(r.body),
    body: typeof r.body === 'object' ? r.body : undefined,
  };
}

let snapshot;

test('baseline: a valid POST /api/v1/probes → 201', async () => {
  const label = uniqueLabel('基线');
  const r = await api(srv, 'POST', '/api/v1/probes', { label, payload: '正常' }, ops.bearer);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.label, label);
  // A 64-character Chinese label is exactly at the limit and accepted.
  const edge = await api(srv, 'POST', '/api/v1/probes', { label: '界'.repeat(60) + uniqueLabel('').slice(-4) }, ops.bearer);
  assert.equal(edge.status, 201, JSON.stringify(edge.body));
  // Brackets inside strings are not nesting.
  const brackets = await api(srv, 'POST', '/api/v1/probes', { label: uniqueLabel('br'), payload: '[{'.repeat(200) + '"\\' }, ops.bearer);
  assert.equal(brackets.status, 201, JSON.stringify(brackets.body));
  assert.equal(brackets.body.payload, '[{'.repeat(200) + '"\\');
});

test('baseline: a duplicate label → 409', async () => {
  const label = uniqueLabel('dup');
  assert.equal((await api(srv, 'POST', '/api/v1/probes', { label }, ops.bearer)).status, 201);
  const r = await api(srv, 'POST', '/api/v1/probes', { label, payload: 'again' }, ops.bearer);
  assert.equal(r.status, 409, JSON.stringify(r.body));
  assertJsonContentType(r.headers.get('content-type'));
  assertErrorShape(r.body);
});

test('before the bad input: the probe list is read as a snapshot', async () => {
  snapshot = await listAllProbes((p) => api(srv, 'GET', p, undefined, ops.bearer));
  assert.ok(snapshot.length >= 4);
});

for (const c of cases) {
  test(c.name, async () => {
    const r = await send(c);
    const want = Array.isArray(c.status) ? c.status : [c.status];
    assert.ok(want.includes(r.status), `status ${r.status}, want ${want.join('/')}: ${r.text.slice(0, 300)}`);
    assertJsonContentType(r.headers['content-type'], c.name);
    assert.ok(r.headers['x-request-id'], 'X-Request-Id on the error');
    assert.ok(r.body !== undefined, `body should be JSON: ${r.text.slice(0, 300)}`);
    assertErrorShape(r.body, c.code ?? undefined, c.name);
    for (const f of c.fields || []) {
      assert.equal(typeof r.body.error.fields[f], 'string', `error.fields.${f} explains the problem: ${JSON.stringify(r.body)}`);
    }
    if (c.check) c.check(r);
  });
}

test('a request with many small headers, within the 16 KB header limit, is answered (not refused by the HTTP layer)', async () => {
  // 1200 headers "X-Hnnnn: v" are about 14 KB on the wire, under the documented limit.
  const headers = Object.fromEntries(Array.from({ length: 1200 }, (_, i) => [`X-H${i}`, 'v']));
  const r = await raw(nextPort(), { path: '/api/v1/status', headers: { ...headers, ...ops.bearer } });
  assert.equal(r.status, 200, `got ${r.status} ${r.headers['content-type']}: ${r.text.slice(0, 200)}`);
  assert.ok(r.headers['x-request-id'], 'X-Request-Id');
});

test('after all the bad input nothing changed: the probe list is identical', async () => {
  assert.ok(snapshot, 'snapshot taken by the baseline test');
  const now = await listAllProbes((p) => api(srv, 'GET', p, undefined, ops.bearer));
  assert.deepEqual(now, snapshot);
});

test('after all the bad input the server still answers /healthz (every process)', async () => {
  for (const s of srv.servers) {
    const r = await fetch(s.url + '/healthz');
    assert.equal(r.status, 200);
    assert.equal((await r.json()).status, 'ok');
    assert.equal(s.proc.exitCode, null, 'process still running');
  }
});
