// Starts a real gongzhi server for a test file and stops it afterwards.
//
//   const srv = await startServer();            // fresh database, free loopback port
//   const res = await srv.fetch('/healthz');    // fetch relative to the server
//   await srv.stop();                           // SIGTERM, waits for exit, checks the code
//
// Which binary and database: GZ_BIN (default build-asan/gongzhi, else build/gongzhi),
// GZ_TEST_DB = "sqlite" (default) or a libpq URL of a PostgreSQL server whose databases
// the tests may create (tests/run-api.sh starts a throwaway cluster and sets it).
// GZ_TEST_SERVERS=2 starts two processes on one PostgreSQL database and alternates
// requests between them, to prove nothing assumes a single process.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function binary() {
  if (process.env.GZ_BIN) return resolve(ROOT, process.env.GZ_BIN);
  for (const p of ['build-asan/gongzhi', 'build/gongzhi']) {
    if (existsSync(join(ROOT, p))) return join(ROOT, p);
  }
  throw new Error('no gongzhi binary: run make build');
}

export async function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

let dbCounter = 0;

// A fresh, empty database URL for one test file.
export function freshDatabase(dir) {
  const pg = process.env.GZ_TEST_DB;
  if (!pg || pg === 'sqlite') return `sqlite:${join(dir, 'test.db')}`;
  const name = `t_${process.pid}_${Date.now().toString(36)}_${dbCounter++}`;
  execFileSync('psql', [pg, '-q', '-v', 'ON_ERROR_STOP=1', '-c', `CREATE DATABASE ${name}`], { stdio: 'pipe' });
  const u = new URL(pg);
  u.pathname = '/' + name;
  return u.toString();
}

// Runs the CLI synchronously: returns { code, stdout, stderr }.
export function cli(args, opts = {}) {
  try {
    const stdout = execFileSync(binary(), args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...opts });
    return { code: 0, stdout, stderr: '' };
  } catch (e) {
    return { code: e.status, stdout: e.stdout?.toString() ?? '', stderr: e.stderr?.toString() ?? '' };
  }
}

async function waitHealthy(url, proc, log) {
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`server exited early (${proc.exitCode}):\n${log()}`);
    try {
      const r = await fetch(url + '/healthz');
      if (r.ok) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server did not become healthy:\n${log()}`);
}

// Where a server of db with env keeps uploaded files (the media store, src/core/blobstore.h),
// as the binary decides: GONGZHI_MEDIA_DIR, else PATH.media beside sqlite:PATH, else the
// directory "media" beside the key file. A fresh database of a test (its file, or its key
// file for PostgreSQL, in the test's directory) keeps it there, removed with the directory;
// a server given an existing database finds the files its commands (gongzhi demo) wrote.
export function mediaDirOf(db, env = {}) {
  if (env.GONGZHI_MEDIA_DIR) return env.GONGZHI_MEDIA_DIR;
  if (db.startsWith('sqlite:')) return `${db.slice(7)}.media`;
  return join(dirname(env.GONGZHI_KEY_FILE), 'media');
}

export async function spawnServer({ db, dir, web = join(ROOT, 'web/dist'), extraArgs = [], env = {} }) {
  const port = await freePort();
  // Processes sharing one PostgreSQL database share one key file, kept in the test's
  // directory (SQLite keeps it next to the database file by default).
  if (!db.startsWith('sqlite:') && !env.GONGZHI_KEY_FILE) {
    env = { ...env, GONGZHI_KEY_FILE: join(dir, 'gongzhi.key') };
  }

  const args = ['serve', '--db', db, '--listen', `127.0.0.1:${port}`, '--web', web,
    '--access-log', join(dir, `access-${port}.log`), ...extraArgs];
  const proc = spawn(binary(), args, {
    cwd: ROOT,
    env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0', GONGZHI_SQLITE_SYNC: 'NORMAL', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, proc, () => out);
  return {
    url, port, proc, db, mediaDir: mediaDirOf(db, env), log: () => out,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode !== null) return proc.exitCode;
      const done = new Promise((res) => proc.on('exit', (code, sig) => res(code ?? sig)));
      proc.kill(signal);
      const code = await done;
      if (signal === 'SIGTERM' && code !== 0) throw new Error(`server exit ${code}:\n${out}`);
      return code;
    },
  };
}

export async function startServer(opts = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'gz-test-'));
  const db = opts.db ?? freshDatabase(dir);

  const n = Number(process.env.GZ_TEST_SERVERS || 1);
  const procs = [];
  for (let i = 0; i < n; i++) procs.push(await spawnServer({ db, dir, ...opts }));
  let rr = 0;
  return {
    db, dir,
    mediaDir: procs[0].mediaDir,
    url: procs[0].url,
    servers: procs,
    // Alternates between processes when several share one database.
    fetch(path, init) {
      const p = procs[rr++ % procs.length];
      return fetch(p.url + path, init);
    },
    log: () => procs.map((p) => p.log()).join('\n'),
    async stop() {
      for (const p of procs) await p.stop();
      if (!process.env.GZ_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
    },
  };
}

// JSON request helper: returns { status, headers, body } with body parsed when JSON.
export async function api(srv, method, path, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
    if (!('Content-Type' in init.headers)) init.headers['Content-Type'] = 'application/json';
  }
  const res = await srv.fetch(path, init);
  const text = await res.text();
  let parsed = text;
  if ((res.headers.get('content-type') || '').includes('json')) {
    try { parsed = JSON.parse(text); } catch { /* leave text */ }
  }
  return { status: res.status, headers: res.headers, body: parsed };
}
