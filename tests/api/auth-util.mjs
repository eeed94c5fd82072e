// Accounts and sessions for API tests: create users through the CLI (as scripts do),
// log in, and build request headers for Bearer or cookie authentication.
//
//   const admin = await adminSession(srv);              // system_admin on "", logged in
//   await api(srv, 'GET', '/api/v1/users', undefined, admin.bearer);
//   const u = await makeUser(srv, admin, 'wang', [['grid_worker', '110105001001001']]);
//   const s = await login(srv, 'wang', u.password);
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { binary, ROOT, api } from '../lib/server.mjs';

export const DEFAULT_PASSWORD = 'correct horse 电池';

// Runs `gongzhi --db <srv.db> user ARGS` with optional stdin; returns { code, stdout, stderr }.
export function cliUser(srv, args, input) {
  const r = spawnSync(binary(), ['--db', srv.db, 'user', ...args], {
    cwd: ROOT, encoding: 'utf8', timeout: 60000, input: input ?? '',
    env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0' },
  });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Creates a user with the CLI: grants is [[role, scope], ...].
export function cliAddUser(srv, name, grants, password = DEFAULT_PASSWORD) {
  const args = ['add', name];
  for (const [role, scope] of grants) args.push('--role', role, '--scope', scope);
  args.push('--password-stdin');
  const r = cliUser(srv, args, password + '\n');
  assert.equal(r.code, 0, `gongzhi user add ${name}: ${r.stderr}`);
  return { username: name.toLowerCase(), password };
}

export function bearer(token) {
  return { Authorization: `Bearer ${token}` };
}

// Logs in; asserts success. Returns { token, csrf, cookie, user, expires_at, bearer,
// cookieHeaders (for reads), cookieWrite (cookie + X-CSRF-Token) }.
export async function login(srv, username, password = DEFAULT_PASSWORD) {
  const r = await api(srv, 'POST', '/api/v1/session', { username, password });
  assert.equal(r.status, 201, `login ${username}: ${JSON.stringify(r.body)}`);
  const token = r.body.token;
  const cookie = `gz_session=${token}`;
  return {
    token, csrf: r.body.csrf_token, user: r.body.user, expires_at: r.body.expires_at, res: r,
    cookie,
    bearer: bearer(token),
    cookieHeaders: { Cookie: cookie },
    cookieWrite: { Cookie: cookie, 'X-CSRF-Token': r.body.csrf_token },
  };
}

// The first administrator, created with the CLI exactly as the docs say, logged in.
// Idempotent per database: the account is created once, whichever server object (or
// which of several processes sharing the database) asks first.
const adminDbs = new Set();
export async function adminSession(srv) {
  if (!adminDbs.has(srv.db)) {
    cliAddUser(srv, 'admin', [['system_admin', '']]);
    adminDbs.add(srv.db);
  }
  return login(srv, 'admin');
}

// Operations credentials, shared by every test that reads or writes the storage probes,
// reads the detailed /api/v1/status (driver, schema version, counts) or /metrics: these
// need a login whose grants read probes at scope "" (issue 7, findings 1 and 11). This
// is the first administrator's session (adminSession), logged in once per server object
// and reused. srv: startServer()'s or spawnServer()'s result (both carry .db).
//
//   const ops = await opsSession(srv);
//   await api(srv, 'GET', '/api/v1/status', undefined, ops.bearer);
//   await raw(port, { path: '/metrics', headers: ops.bearer });
//   await raw(port, withAuth(bytes, ops.token));            // exact request bytes
const opsSessions = new WeakMap();
export function opsSession(srv) {
  let p = opsSessions.get(srv);
  if (!p) {
    const at = srv.fetch ? srv : { ...srv, fetch: (path, init) => fetch(srv.url + path, init) };
    p = adminSession(at);
    opsSessions.set(srv, p);
  }
  return p;
}

// Exact request bytes (a Buffer starting with the request line) with an
// "Authorization: Bearer TOKEN" header added right after the request line.
export function withAuth(bytes, token) {
  const eol = bytes.indexOf('\r\n');
  assert.ok(eol > 0, 'withAuth: no request line');
  return Buffer.concat([bytes.subarray(0, eol + 2), Buffer.from(`Authorization: Bearer ${token}\r\n`), bytes.subarray(eol + 2)]);
}

// Creates a user through the API as `by` (a session from login()); asserts 201.
let seq = 0;
export async function makeUser(srv, by, name, grants, password = DEFAULT_PASSWORD) {
  const username = name ?? `u${process.pid}x${(seq++).toString(36)}`;
  const r = await api(srv, 'POST', '/api/v1/users', {
    username, password, grants: grants.map(([role, scope]) => ({ role, scope })),
  }, by.bearer);
  assert.equal(r.status, 201, `create ${username}: ${JSON.stringify(r.body)}`);
  return { ...r.body, password };
}

// Runs SQL against the test database (sqlite3 CLI on the file, psql on the URL) and
// returns rows as arrays of strings ("|"-separated columns).
export function sql(srv, query) {
  let out;
  if (srv.db.startsWith('sqlite:')) {
    // Wait for a lock as the server does (a checkpoint may hold one for a moment), rather
    // than failing with "database is locked".
    out = execFileSync('sqlite3', ['-batch', '-noheader', '-cmd', '.timeout 10000', srv.db.slice(7), query], { encoding: 'utf8' });
  } else {
    out = execFileSync('psql', [srv.db, '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-c', query], { encoding: 'utf8' });
  }
  return out.split('\n').filter((l) => l.length > 0).map((l) => l.split('|'));
}

// Every table's every row as text: for "does this secret appear anywhere" checks.
export function dumpDatabase(srv) {
  if (srv.db.startsWith('sqlite:')) {
    return execFileSync('sqlite3', ['-cmd', '.timeout 10000', srv.db.slice(7), '.dump'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  }
  return execFileSync('pg_dump', ['--data-only', '--inserts', srv.db], { encoding: 'utf8', maxBuffer: 1 << 28 });
}

// BLAKE2b with a 32-byte digest (libsodium crypto_generichash default) of raw bytes,
// as hex, computed independently of the server with coreutils' b2sum.
export function blake2b256Hex(bytes) {
  const out = execFileSync('b2sum', ['-l', '256'], { input: bytes, encoding: 'utf8' });
  return out.split(/\s+/)[0];
}
