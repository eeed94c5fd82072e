// Small helpers shared by the API test files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { binary, ROOT } from '../lib/server.mjs';

// Which database the suite runs against: "sqlite" or "postgres".
export function dbKind() {
  const v = process.env.GZ_TEST_DB;
  return !v || v === 'sqlite' ? 'sqlite' : 'postgres';
}

export const isPostgres = () => dbKind() === 'postgres';

// RFC 3339 in UTC with a literal Z (fractional seconds allowed).
// A mainland mobile number or an 18-character ID number written out in full. Bounded by
// anything but letters and digits on both sides, so digits inside a hex token (a request
// id, a hash) are not taken for one; Chinese text around a number still is.
export const FULL_PHONE = /(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])/;
export const FULL_ID = /(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/;

export const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

export function assertRfc3339Utc(value, what = 'time') {
  assert.equal(typeof value, 'string', `${what} should be a string`);
  assert.match(value, RFC3339_UTC, `${what} should be RFC 3339 UTC ending in Z`);
  assert.ok(!Number.isNaN(Date.parse(value)), `${what} should parse as a date`);
}

// {"error":{"code":string,"message":string,"fields":object}}, and nothing else at the top.
export function assertErrorShape(body, code, what = '') {
  const ctx = what ? ` (${what})` : '';
  assert.equal(typeof body, 'object', `error body should be JSON${ctx}: ${JSON.stringify(body)}`);
  assert.ok(body && body.error && typeof body.error === 'object', `body.error missing${ctx}: ${JSON.stringify(body)}`);
  assert.equal(typeof body.error.code, 'string', `error.code should be a string${ctx}`);
  assert.match(body.error.code, /^[a-z][a-z0-9_]*$/, `error.code should be snake_case${ctx}`);
  assert.equal(typeof body.error.message, 'string', `error.message should be a string${ctx}`);
  assert.ok(body.error.message.length > 0, `error.message should not be empty${ctx}`);
  assert.ok(body.error.fields && typeof body.error.fields === 'object' && !Array.isArray(body.error.fields),
    `error.fields should be an object${ctx}`);
  for (const [k, v] of Object.entries(body.error.fields)) {
    assert.equal(typeof v, 'string', `error.fields.${k} should be a string${ctx}`);
  }
  if (code !== undefined) assert.equal(body.error.code, code, `error code${ctx}: ${JSON.stringify(body)}`);
}

export function assertJsonContentType(ct, what = '') {
  assert.match(ct || '', /^application\/json(;|$)/i, `Content-Type should be JSON ${what}: got ${ct}`);
}

// A label unique across files, processes and runs.
let labelSeq = 0;
export function uniqueLabel(prefix = 'p') {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${(labelSeq++).toString(36)}`;
}

// Walks GET /api/v1/probes?limit=200 to the end through any fetch-like `get(path)`
// that returns { status, body }. Returns every item.
export async function listAllProbes(get, limit = 200) {
  const all = [];
  let cursor = null;
  for (let page = 0; page < 100000; page++) {
    const q = `/api/v1/probes?limit=${limit}` + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : '');
    const r = await get(q);
    assert.equal(r.status, 200, `list ${q}: ${JSON.stringify(r.body)}`);
    all.push(...r.body.items);
    cursor = r.body.next_cursor;
    if (cursor === null) return all;
  }
  throw new Error('pagination did not end');
}

// Runs fn over items with at most `limit` promises in flight; returns results in order.
export async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

// Runs the gongzhi CLI and returns { code, stdout, stderr } whatever the exit status
// (tests/lib/server.mjs's cli() drops stderr on success). opts.timeout: ms (default 60 s;
// `gongzhi demo` under ASan on a busy machine takes longer).
export function run(args, opts = {}) {
  const r = spawnSync(binary(), args, {
    cwd: ROOT, encoding: 'utf8', timeout: opts.timeout ?? 60000,
    env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0', ...(opts.env || {}) },
  });
  if (r.error) throw r.error;
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

// ASan/UBSan reports in a server or CLI log.
export function assertNoSanitizerReport(log, what = 'server') {
  const m = /(ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|SUMMARY: \w+Sanitizer)/.exec(log);
  assert.ok(!m, `${what} log has a sanitizer report:\n${log}`);
}
