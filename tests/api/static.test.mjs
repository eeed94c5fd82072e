// The web UI is served from --web DIR: index.html at /, SPA fallback for client-side
// routes, correct MIME types, ETag/304, precompressed .gz siblings, cache headers, and
// API paths never fall back to the UI. Uses its own web directory (web/dist may not be
// built). Raw requests where fetch would decode gzip for us.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, utimesSync, symlinkSync } from 'node:fs';
import { gzipSync, gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../lib/server.mjs';
import { raw, RawConnection, portOf } from './raw.mjs';
import { assertErrorShape, assertJsonContentType, assertNoSanitizerReport } from './util.mjs';

let srv;
let web;
let rr = 0;
const port = () => portOf(srv.servers[rr++ % srv.servers.length]);

const INDEX = '<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>共治 · 社区治理</title></head>\n'
  + '<body><div id="app">党建引领城市社区治理平台</div><script type="module" src="/assets/app.js"></script></body></html>\n';
const APP_JS = '// 共治前端\n' + Array.from({ length: 400 }, (_, i) => `export const msg${i} = "第${i}条消息：居民议事";`).join('\n') + '\n';
const APP_CSS = 'body { font-family: "Noto Sans SC", sans-serif; }\n'.repeat(50);
const STYLE_CSS = '.root { color: #c00; } /* 红色 */\n';
const LOGO_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>\n';
const DATA_JSON = JSON.stringify({ 名称: '共治', items: [1, 2, 3] });
const README_TXT = '子目录里的文件\n';
const STALE_JS = 'export const fresh = "新版本";\n'.repeat(40);

before(async () => {
  web = mkdtempSync(join(tmpdir(), 'gz-web-'));
  mkdirSync(join(web, 'assets'));
  mkdirSync(join(web, 'docs', 'sub'), { recursive: true });
  writeFileSync(join(web, 'index.html'), INDEX);
  writeFileSync(join(web, 'assets', 'app.js'), APP_JS);
  writeFileSync(join(web, 'assets', 'app.js.gz'), gzipSync(Buffer.from(APP_JS)));
  writeFileSync(join(web, 'assets', 'app.css'), APP_CSS);
  writeFileSync(join(web, 'assets', 'logo.svg'), LOGO_SVG);
  writeFileSync(join(web, 'assets', 'data.json'), DATA_JSON);
  writeFileSync(join(web, 'style.css'), STYLE_CSS);
  writeFileSync(join(web, 'docs', 'sub', 'readme.txt'), README_TXT);
  // A .gz sibling older than its file (a stale build leftover) must not be served.
  writeFileSync(join(web, 'assets', 'stale.js'), STALE_JS);
  writeFileSync(join(web, 'assets', 'stale.js.gz'), gzipSync(Buffer.from('export const old = 1;\n')));
  const old = new Date(Date.now() - 3600 * 1000);
  utimesSync(join(web, 'assets', 'stale.js.gz'), old, old);
  // Links that lead out of the web root.
  symlinkSync('/etc/passwd', join(web, 'passwd.txt'));
  symlinkSync('/etc', join(web, 'etc-link'));
  symlinkSync('/etc', join(web, 'assets', 'etc-link'));
  srv = await startServer({ web });
});

after(async () => {
  if (srv) {
    const log = srv.log();
    await srv.stop();
    assertNoSanitizerReport(log);
  }
  if (web) rmSync(web, { recursive: true, force: true });
});

test('/ serves index.html as text/html; charset=utf-8 with the Chinese text intact', async () => {
  const r = await srv.fetch('/');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html;\s*charset=utf-8$/i);
  assert.equal(await r.text(), INDEX);
  assert.ok(r.headers.get('x-request-id'));
  const direct = await srv.fetch('/index.html');
  assert.equal(direct.status, 200);
  assert.equal(await direct.text(), INDEX);
});

test('a client-side route without an extension falls back to index.html (SPA)', async () => {
  for (const path of ['/dashboard/deep/link', '/dashboard', '/assets', '/assets/', '/居民/议事会']) {
    const r = await srv.fetch(encodeURI(path));
    assert.equal(r.status, 200, path);
    assert.match(r.headers.get('content-type'), /^text\/html/, path);
    assert.equal(await r.text(), INDEX, path);
    assert.equal(r.headers.get('cache-control'), 'no-cache', `${path}: the fallback page is never cached as immutable`);
  }
});

test('a missing file with an extension → 404 JSON, not index.html', async () => {
  for (const path of ['/missing.js', '/assets/missing.css', '/docs/sub/nope.txt', '/favicon.ico']) {
    const r = await srv.fetch(path);
    assert.equal(r.status, 404, path);
    assertJsonContentType(r.headers.get('content-type'), path);
    assertErrorShape(await r.json(), 'not_found', path);
  }
});

test('files are served with the right MIME type and exact content', async () => {
  const files = [
    ['/assets/app.js', /^text\/javascript(;\s*charset=utf-8)?$/i, APP_JS],
    ['/assets/app.css', /^text\/css(;\s*charset=utf-8)?$/i, APP_CSS],
    ['/style.css', /^text\/css(;\s*charset=utf-8)?$/i, STYLE_CSS],
    ['/assets/logo.svg', /^image\/svg\+xml/i, LOGO_SVG],
    ['/assets/data.json', /^application\/json/i, DATA_JSON],
    ['/docs/sub/readme.txt', /^text\/plain/i, README_TXT],
  ];
  for (const [path, type, content] of files) {
    // Raw, without Accept-Encoding, so the bytes are what the server sent.
    const r = await raw(port(), { path });
    assert.equal(r.status, 200, path);
    assert.match(r.headers['content-type'] || '', type, path);
    assert.equal(r.text, content, path);
    assert.equal(r.headers['x-content-type-options'], 'nosniff', path);
  }
});

test('HEAD on a static file: headers and length, no body', async () => {
  const c = await RawConnection.open(port());
  try {
    const h = await c.request({ method: 'HEAD', path: '/assets/app.css' });
    assert.equal(h.status, 200);
    assert.equal(Number(h.headers['content-length']), Buffer.byteLength(APP_CSS));
    assert.match(h.headers['content-type'], /^text\/css/);
    // Had a body followed, this answer would not parse.
    const g = await c.request({ path: '/style.css' });
    assert.equal(g.status, 200);
    assert.equal(g.text, STYLE_CSS);
  } finally {
    c.close();
  }
});

test('ETag is present and If-None-Match answers 304 with an empty body', async () => {
  const c = await RawConnection.open(port());
  try {
    for (const path of ['/assets/app.css', '/', '/style.css']) {
      const first = await c.request({ path });
      assert.equal(first.status, 200, path);
      const etag = first.headers.etag;
      assert.match(etag || '', /^(W\/)?"[^"]+"$/, `${path} ETag`);
      const again = await c.request({ path, headers: { 'If-None-Match': etag } });
      assert.equal(again.status, 304, path);
      assert.equal(again.headers.etag, etag, `${path}: 304 repeats the ETag`);
      assert.ok(again.headers['cache-control'], `${path}: 304 repeats Cache-Control`);
      assert.ok(!again.headers['content-length'] || again.headers['content-length'] === '0',
        `${path}: 304 has no body (Content-Length ${again.headers['content-length']})`);
      // If a body had been sent after the 304, this next answer would not parse.
      const next = await c.request({ path: '/style.css' });
      assert.equal(next.status, 200);
      assert.equal(next.text, STYLE_CSS);
      // Another ETag in the list still matches; a different one does not.
      const listed = await c.request({ path, headers: { 'If-None-Match': `"nope", ${etag}` } });
      assert.equal(listed.status, 304, `${path}: ETag in a list`);
      const other = await c.request({ path, headers: { 'If-None-Match': '"something-else"' } });
      assert.equal(other.status, 200, `${path}: a different ETag gets the file`);
    }
  } finally {
    c.close();
  }
});

test('the ETag changes when the file changes', async () => {
  const path = join(web, 'docs', 'sub', 'changing.txt');
  writeFileSync(path, 'v1');
  const a = await raw(port(), { path: '/docs/sub/changing.txt' });
  writeFileSync(path, 'version 2');
  const b = await raw(port(), { path: '/docs/sub/changing.txt' });
  assert.equal(b.text, 'version 2');
  assert.notEqual(a.headers.etag, b.headers.etag);
  const stale = await raw(port(), { path: '/docs/sub/changing.txt', headers: { 'If-None-Match': a.headers.etag } });
  assert.equal(stale.status, 200, 'the old ETag no longer matches');
});

test('Accept-Encoding: gzip gets the precompressed file, which gunzips to the original', async () => {
  for (const ae of ['gzip', 'gzip, deflate, br', 'br;q=1.0, gzip;q=0.8', 'deflate, gzip;q=0.5']) {
    const r = await raw(port(), { path: '/assets/app.js', headers: { 'Accept-Encoding': ae } });
    assert.equal(r.status, 200, ae);
    assert.equal(r.headers['content-encoding'], 'gzip', `Accept-Encoding: ${ae}`);
    assert.match(r.headers['vary'] || '', /Accept-Encoding/i);
    assert.match(r.headers['content-type'], /^text\/javascript/, 'type of the original, not of the .gz');
    assert.equal(gunzipSync(r.body).toString('utf8'), APP_JS);
    assert.ok(r.body.length < Buffer.byteLength(APP_JS), 'compressed');
  }
});

test('without gzip in Accept-Encoding (or with gzip;q=0) the file is sent plain', async () => {
  for (const headers of [{}, { 'Accept-Encoding': 'identity' }, { 'Accept-Encoding': 'gzip;q=0' },
    { 'Accept-Encoding': 'gzip; q=0.0, identity' }, { 'Accept-Encoding': 'br, gzip;q=0' }]) {
    const r = await raw(port(), { path: '/assets/app.js', headers });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-encoding'], undefined, JSON.stringify(headers));
    assert.match(r.headers['vary'] || '', /Accept-Encoding/i, 'Vary even on the plain answer');
    assert.equal(r.text, APP_JS, JSON.stringify(headers));
  }
});

test('plain and gzip answers have different ETags, and each revalidates to 304', async () => {
  const plain = await raw(port(), { path: '/assets/app.js' });
  const gz = await raw(port(), { path: '/assets/app.js', headers: { 'Accept-Encoding': 'gzip' } });
  assert.notEqual(plain.headers.etag, gz.headers.etag);
  const p304 = await raw(port(), { path: '/assets/app.js', headers: { 'If-None-Match': plain.headers.etag } });
  assert.equal(p304.status, 304);
  const g304 = await raw(port(), { path: '/assets/app.js', headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': gz.headers.etag } });
  assert.equal(g304.status, 304);
});

test('a .gz sibling older than its file is not served', async () => {
  const r = await raw(port(), { path: '/assets/stale.js', headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-encoding'], undefined);
  assert.equal(r.text, STALE_JS);
});

test('assets get a long immutable Cache-Control; index.html and other files get no-cache', async () => {
  for (const path of ['/assets/app.js', '/assets/app.css', '/assets/logo.svg']) {
    const r = await raw(port(), { path });
    const cc = r.headers['cache-control'] || '';
    assert.match(cc, /\bimmutable\b/, `${path}: ${cc}`);
    const age = Number(/max-age=(\d+)/.exec(cc)?.[1]);
    assert.ok(age >= 31536000, `${path}: max-age ${age}`);
  }
  for (const path of ['/', '/index.html', '/dashboard/x']) {
    const r = await raw(port(), { path });
    assert.equal(r.headers['cache-control'], 'no-cache', path);
  }
});

test('API paths never fall back to index.html: /api/unknown → 404 JSON', async () => {
  for (const path of ['/api/unknown', '/api/v1/unknown/deep', '/api/v2/status', '/api/', '/api']) {
    const r = await srv.fetch(path);
    assert.equal(r.status, 404, path);
    assertJsonContentType(r.headers.get('content-type'), path);
    const text = await r.text();
    assert.ok(!text.includes('<html'), `${path} must not be the UI page`);
    assertErrorShape(JSON.parse(text), 'not_found', path);
  }
});

test('symbolic links that lead out of the web root are not followed', async () => {
  for (const path of ['/passwd.txt', '/etc-link/passwd', '/assets/etc-link/passwd', '/etc-link/hostname']) {
    const r = await raw(port(), { path });
    assert.ok(!r.text.includes('root:'), `${path} served /etc/passwd`);
    assert.ok([400, 403, 404].includes(r.status), `${path}: got ${r.status} ${r.headers['content-type']}: ${r.text.slice(0, 80)}`);
    assertJsonContentType(r.headers['content-type'], path);
  }
});
