// Graceful shutdown and online backup.
// SIGTERM under load: the process exits 0, every answered request got a whole 2xx answer,
// the other requests failed only at connection level before any answer began, and every
// POST answered 201 is there after a restart. One process (spawnServer) per test.
// Probes and the status need the operations session: the account is created once per
// database (opsSession) and each process is logged in on.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, statSync, copyFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { spawnServer, freshDatabase, binary, ROOT } from '../lib/server.mjs';
import { RawConnection } from './raw.mjs';
import { listAllProbes, isPostgres, run, assertNoSanitizerReport, pool } from './util.mjs';
import { opsSession, login } from './auth-util.mjs';

const dirs = [];
const servers = [];
after(async () => {
  for (const s of servers) if (s.proc.exitCode === null && s.proc.signalCode === null) await s.stop('SIGKILL');
  if (!process.env.GZ_KEEP_TMP) for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function setup(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return { dir, db: freshDatabase(dir) };
}

// Starts a process and logs the operations session in on it (s.auth: its headers);
// { copyOf: original } for a copy of a database, which holds the original's account.
async function start({ copyOf, ...opts }) {
  const s = await spawnServer({ extraArgs: ['--access-log', 'off'], ...opts });
  servers.push(s);
  const session = copyOf ? await login({ fetch: (p, i) => fetch(s.url + p, i) }, 'admin') : await opsSession(s);
  s.auth = session.bearer;
  return s;
}

async function listOn(s) {
  return listAllProbes(async (p) => {
    const r = await fetch(s.url + p, { headers: s.auth });
    return { status: r.status, body: await r.json() };
  });
}

// Resolves with how the process ended; after timeoutMs it is killed (SIGKILL) and the
// result says { hung: true } so the test fails instead of hanging.
const exited = (proc, timeoutMs = 20000) => new Promise((res) => {
  if (proc.exitCode !== null || proc.signalCode !== null) return res({ code: proc.exitCode, signal: proc.signalCode });
  let hung = false;
  const timer = setTimeout(() => { hung = true; proc.kill('SIGKILL'); }, timeoutMs);
  proc.once('exit', (code, signal) => { clearTimeout(timer); res(hung ? { hung: true, code, signal } : { code, signal }); });
});

// Connection-level failures that mean "the server never took this request".
const CONN_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPEERCLOSED', 'EPIPE']);

test('SIGTERM during load: exit 0, no broken or 5xx answers, every acknowledged POST kept', async (t) => {
  const { dir, db } = setup('gz-term-');
  const s = await start({ db, dir });
  const port = s.port;
  const tag = `term-${process.pid}-${Date.now().toString(36)}`;

  const answered = []; // { kind, status, afterTerm: sent after SIGTERM, close: Connection: close, termed: answered after SIGTERM }
  const failures = []; // { kind, code, bytes: answer bytes received, phase: sent before/after SIGTERM }
  const acked = new Map(); // label -> body
  const problems = [];
  let termSent = false;
  let seq = 0;

  async function client(n) {
    let conn = null;
    for (let k = 0; ; k++) {
      // Once the process is gone its port may belong to someone else: stop here.
      if (s.proc.exitCode !== null || s.proc.signalCode !== null) return;
      if (!conn || conn.closed) {
        try {
          conn = await RawConnection.open(port, { timeout: 15000 });
        } catch (e) {
          // The listener is closed once draining starts: refused, nothing was sent.
          if (termSent && e.code === 'ECONNREFUSED') return;
          failures.push({ kind: 'connect', code: e.code, bytes: 0, phase: termSent ? 'after' : 'before' });
          return;
        }
      }
      const post = k % 2 === 1;
      const label = `${tag}-${n}-${seq++}`;
      const body = JSON.stringify({ label, payload: `负载 ${label}` });
      const req = post
        ? { method: 'POST', path: '/api/v1/probes', headers: { 'Content-Type': 'application/json', ...s.auth }, body }
        : { path: '/api/v1/status', headers: s.auth };
      const afterTerm = termSent;
      try {
        const r = await conn.request(req);
        const close = (r.headers.connection || '').toLowerCase() === 'close';
        answered.push({ kind: post ? 'POST' : 'GET', status: r.status, afterTerm, close, termed: termSent });
        let parsed;
        try { parsed = JSON.parse(r.text); } catch { problems.push(`unparsable ${r.status} body: ${r.text.slice(0, 100)}`); }
        if (post) {
          if (r.status === 201) {
            if (parsed?.label !== label) problems.push(`201 for ${label} with body ${r.text.slice(0, 100)}`);
            acked.set(label, parsed);
          } else problems.push(`POST ${label} answered ${r.status}: ${r.text.slice(0, 200)}`);
        } else if (r.status !== 200 || parsed?.status !== 'ok') {
          problems.push(`GET status answered ${r.status}: ${r.text.slice(0, 200)}`);
        }
        if (close) conn.close();
      } catch (e) {
        failures.push({ kind: post ? 'POST' : 'GET', code: e.code, bytes: e.bytesReceived ?? -1, phase: afterTerm ? 'after' : 'before', msg: e.message });
        conn.close();
        if (!termSent && !afterTerm) return; // a failure under plain load ends this client (reported below)
      }
    }
  }

  const clients = Array.from({ length: 8 }, (_, n) => client(n));
  // Let the load run, then ask the server to stop in the middle of it.
  const t0 = Date.now();
  while (answered.length < 200 && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 20));
  const beforeTerm = answered.length;
  termSent = true;
  s.proc.kill('SIGTERM');
  const exit = await exited(s.proc);
  await Promise.all(clients);

  const failCodes = failures.reduce((m, f) => ({ ...m, [f.code]: (m[f.code] || 0) + 1 }), {});
  t.diagnostic(`answers: ${beforeTerm} before SIGTERM, ${answered.filter((a) => a.termed).length} after it `
    + `(${answered.filter((a) => a.close).length} with Connection: close); `
    + `${acked.size} POSTs acknowledged; failures after SIGTERM: ${JSON.stringify(failCodes)}`);
  assert.ok(beforeTerm >= 20, `load was running (${beforeTerm} answers before SIGTERM)`);
  assert.deepEqual(exit, { code: 0, signal: null }, `server exit after SIGTERM:\n${s.log()}`);
  assertNoSanitizerReport(s.log());
  assert.deepEqual(problems, [], 'every answer is a whole, valid 2xx');
  assert.deepEqual(answered.filter((a) => a.status >= 500).map((a) => a.status), [], 'no 5xx');
  assert.deepEqual(failures.filter((f) => f.phase === 'before'), [], 'every request sent before SIGTERM was answered');
  const bad = failures.filter((f) => !CONN_ERRORS.has(f.code) || f.bytes !== 0);
  assert.deepEqual(bad, [], 'requests that failed got no bytes of an answer and failed at connection level');
  assert.ok(answered.some((a) => a.termed), 'requests in flight at SIGTERM were answered (drain)');
  assert.ok(answered.filter((a) => a.termed).every((a) => a.status < 300), 'answers during drain are 2xx');

  // Every acknowledged POST is there after a restart on the same database.
  const s2 = await start({ db, dir });
  const lost = [];
  await pool([...acked.values()], 16, async (p) => {
    const r = await fetch(`${s2.url}/api/v1/probes/${encodeURIComponent(p.id)}`, { headers: s2.auth });
    const body = await r.json();
    if (r.status !== 200 || !isDeepStrictEqual(body, p)) lost.push(`${p.label}: ${r.status} ${JSON.stringify(body).slice(0, 100)}`);
  });
  assert.deepEqual(lost, [], `acknowledged POSTs lost or changed (${acked.size} acknowledged)`);
  await s2.stop();
  assertNoSanitizerReport(s2.log());
});

test('SIGTERM with only idle keep-alive connections open: exits 0 promptly', async () => {
  const { dir, db } = setup('gz-idle-');
  const s = await start({ db, dir });
  const conns = await Promise.all(Array.from({ length: 4 }, () => RawConnection.open(s.port)));
  for (const c of conns) assert.equal((await c.request({ path: '/healthz' })).status, 200);
  const t0 = Date.now();
  s.proc.kill('SIGTERM');
  const exit = await exited(s.proc);
  const ms = Date.now() - t0;
  for (const c of conns) c.close();
  assert.deepEqual(exit, { code: 0, signal: null }, s.log());
  assert.ok(ms < 5000, `took ${ms} ms to stop with idle connections`);
});

function execAsync(args, timeoutMs) {
  return new Promise((resolve) => {
    execFile(binary(), args, {
      cwd: ROOT, encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL',
      env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0' },
    }, (err, stdout, stderr) => resolve({ code: err ? (err.code ?? null) : 0, killed: !!err?.killed, signal: err?.signal, stdout, stderr }));
  });
}

test('gongzhi backup copies a live SQLite database while it is being written to', { skip: isPostgres() && 'backup is SQLite-only (PostgreSQL: see the next test)' }, async (t) => {
  const { dir, db } = setup('gz-backup-');
  const s = await start({ db, dir });
  const tag = `bk-${process.pid}-${Date.now().toString(36)}`;
  const post = async (label, payload) => {
    const r = await fetch(s.url + '/api/v1/probes', {
      method: 'POST', headers: { 'Content-Type': 'application/json', ...s.auth }, body: JSON.stringify({ label, payload }),
    });
    const body = await r.json();
    assert.equal(r.status, 201, JSON.stringify(body));
    return body;
  };
  // Enough data that the copy takes several steps (more than 256 pages).
  const big = '备份'.repeat(1900);
  const before = await pool(Array.from({ length: 250 }, (_, i) => i), 8, (i) => post(`${tag}-pre-${i}`, big));

  // Writers keep going during the backup.
  let stop = false;
  let during = 0;
  const writers = Array.from({ length: 4 }, async (_, w) => {
    for (let i = 0; !stop; i++) { await post(`${tag}-live-${w}-${i}`, big); during++; }
  });
  const file = join(dir, 'backup.db');
  const t0 = Date.now();
  const b = await execAsync(['backup', file, '--db', db], 30000);
  const ms = Date.now() - t0;
  stop = true;
  await Promise.all(writers);
  t.diagnostic(`backup took ${ms} ms while ${during} probes were written`);
  assert.ok(!b.killed, `backup did not finish within 30 s while ${during} writes happened`);
  assert.equal(b.code, 0, `backup failed: ${b.stderr}`);
  assert.match(b.stdout, /backup/);
  assertNoSanitizerReport(b.stderr, 'backup');
  assert.ok(existsSync(file) && statSync(file).size > 0, 'backup file written');

  const m = run(['migrate', '--db', `sqlite:${file}`]);
  assert.equal(m.code, 0, m.stderr);
  assert.match(m.stdout, /schema version \d+/);

  // A backup does not carry the personal-data key (it is kept apart on purpose): a copy
  // started without it is refused, and with the original key file it serves.
  await assert.rejects(start({ db: `sqlite:${file}`, dir, copyOf: s }), /密钥文件/);
  rmSync(`${file}.key`, { force: true });
  copyFileSync(`${db.slice('sqlite:'.length)}.key`, `${file}.key`);

  // The copy holds every probe acknowledged before the backup started.
  const copy = await start({ db: `sqlite:${file}`, dir, copyOf: s });
  const missing = [];
  await pool(before, 16, async (p) => {
    const r = await fetch(`${copy.url}/api/v1/probes/${encodeURIComponent(p.id)}`, { headers: copy.auth });
    const body = await r.json();
    if (r.status !== 200 || !isDeepStrictEqual(body, p)) missing.push(`${p.label}: ${r.status}`);
  });
  assert.deepEqual(missing, [], `probes missing from the backup (took ${ms} ms)`);
  const listed = await listOn(copy);
  assert.ok(listed.length >= before.length, 'the copy lists at least the probes from before the backup');
  await copy.stop();
  await s.stop();
  assertNoSanitizerReport(s.log() + copy.log());
});

test('gongzhi backup refuses a PostgreSQL database with a clear message', { skip: !isPostgres() && 'needs GZ_TEST_DB=PostgreSQL' }, () => {
  const { dir, db } = setup('gz-backup-pg-');
  assert.equal(run(['migrate', '--db', db]).code, 0);
  const r = run(['backup', join(dir, 'x.db'), '--db', db]);
  assert.notEqual(r.code, 0, 'backup of PostgreSQL must fail');
  assert.match(r.stderr, /pg_dump|PostgreSQL|SQLite/i, `message: ${r.stderr}`);
  assert.ok(!existsSync(join(dir, 'x.db')), 'no file written');
});

test('gongzhi backup into a directory that does not exist fails with a message', { skip: isPostgres() && 'SQLite-only' }, () => {
  const { dir, db } = setup('gz-backup-bad-');
  assert.equal(run(['migrate', '--db', db]).code, 0);
  const r = run(['backup', join(dir, 'no', 'such', 'dir', 'x.db'), '--db', db]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /backup/);
  assertNoSanitizerReport(r.stderr, 'backup');
});
