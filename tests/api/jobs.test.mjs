// Background jobs (src/jobs/jobs.h): run exactly once across worker threads and
// processes sharing one database, picked up again after kill -9, retried with backoff
// until they fail, visible to system_admin only, counted in /metrics, and waited for at
// shutdown. The job kinds test.record / test.sleep / test.fail exist only with
// GONGZHI_TEST_JOBS=1 and append one JSON line per run to GONGZHI_TEST_JOBS_LOG.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServer, startServer, freshDatabase, api } from '../lib/server.mjs';
import { run, isPostgres, assertErrorShape, assertRfc3339Utc, assertNoSanitizerReport } from './util.mjs';
import { cliAddUser, login, makeUser, adminSession } from './auth-util.mjs';

const dirs = [];
const procs = [];
const harnessed = [];
after(async () => {
  for (const s of procs) if (s.proc.exitCode === null && s.proc.signalCode === null) await s.stop('SIGKILL');
  for (const h of harnessed) await h.stop();
  if (!process.env.GZ_KEEP_TMP) for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'gz-jobs-'));
  dirs.push(dir);
  return { dir, db: freshDatabase(dir), logFile: join(dir, 'jobs.log') };
}

const jobEnv = (t) => ({ GONGZHI_TEST_JOBS: '1', GONGZHI_TEST_JOBS_LOG: t.logFile });

async function start(t, workers) {
  const s = await spawnServer({ db: t.db, dir: t.dir, env: jobEnv(t), extraArgs: ['--job-workers', String(workers)] });
  procs.push(s);
  // api()/login() want srv.fetch and srv.db.
  return { ...s, db: t.db, fetch: (p, init) => fetch(s.url + p, init) };
}

// `gongzhi jobs enqueue KIND ARGS`; returns the printed ids.
function enqueue(t, kind, args = []) {
  const r = run(['--db', t.db, 'jobs', 'enqueue', kind, ...args], { env: jobEnv(t) });
  assert.equal(r.code, 0, `jobs enqueue ${kind}: ${r.stderr}`);
  return r.stdout.trim().split('\n').filter(Boolean);
}

function runs(t) {
  if (!existsSync(t.logFile)) return [];
  return readFileSync(t.logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

async function until(what, fn, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function getJob(srv, admin, id) {
  const r = await api(srv, 'GET', `/api/v1/jobs/${id}`, undefined, admin.bearer);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

async function allJobs(srv, admin, query = '') {
  const items = [];
  let cursor = null;
  for (let i = 0; i < 1000; i++) {
    const q = `/api/v1/jobs?limit=200${query}` + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : '');
    const r = await api(srv, 'GET', q, undefined, admin.bearer);
    assert.equal(r.status, 200, `${q}: ${JSON.stringify(r.body)}`);
    items.push(...r.body.items);
    cursor = r.body.next_cursor;
    if (cursor === null) return items;
  }
  throw new Error('pagination did not end');
}

function countBy(list, key) {
  const m = new Map();
  for (const x of list) m.set(key(x), (m.get(key(x)) || 0) + 1);
  return m;
}

// ---- Exactly once: two processes x two workers on PostgreSQL, one process on SQLite --

let cluster;
async function getCluster() {
  if (cluster) return cluster;
  const t = setup();
  const nproc = isPostgres() ? 2 : 1;
  const servers = [];
  for (let i = 0; i < nproc; i++) servers.push(await start(t, 2));
  cliAddUser(servers[0], 'admin', [['system_admin', '']]);
  const admin = await login(servers[0], 'admin');
  cluster = { t, servers, admin, nproc };
  return cluster;
}

test('200 jobs due at once, claimed by every worker of every process, each run exactly once', async () => {
  const { t, servers, admin, nproc } = await getCluster();
  const file = join(t.dir, 'payloads.jsonl');
  writeFileSync(file, Array.from({ length: 200 }, (_, i) => JSON.stringify({ ms: 20, n: i })).join('\n') + '\n');
  const ids = enqueue(t, 'test.record', ['--payloads', file]);
  assert.equal(ids.length, 200);
  assert.equal(new Set(ids).size, 200, 'every job has its own id');

  await until('all 200 jobs to run', () => new Set(runs(t).filter((e) => e.kind === 'test.record').map((e) => e.job)).size >= 200);
  await sleep(1500); // room for a second run of any job, if the claim were not exclusive

  const recs = runs(t).filter((e) => e.kind === 'test.record');
  const perJob = countBy(recs, (e) => e.job);
  const twice = [...perJob].filter(([, n]) => n !== 1);
  assert.deepEqual(twice, [], 'no job ran twice');
  assert.deepEqual([...perJob.keys()].sort(), [...ids].sort(), 'exactly the enqueued jobs ran');
  const workers = new Set(recs.map((e) => e.worker));
  assert.ok(workers.size >= 2, `several workers took part: ${[...workers]}`);
  if (nproc === 2) {
    assert.equal(new Set(recs.map((e) => e.pid)).size, 2, 'both processes took part');
  }

  const jobs = await allJobs(servers[0], admin, '&kind=test.record');
  assert.equal(jobs.length, 200);
  for (const j of jobs) {
    assert.equal(j.state, 'done', JSON.stringify(j));
    assert.equal(j.attempts, 1, JSON.stringify(j));
    assert.equal(j.lease_until, null);
    assertRfc3339Utc(j.finished_at, 'finished_at');
    assert.ok(recs.some((e) => e.job === j.id && e.worker === j.locked_by), 'locked_by names the worker that ran it');
  }
});

test('a job running longer than its lease (renewed while it runs) is not taken by another worker', async () => {
  const { t, servers, admin } = await getCluster();
  // test.sleep has a 2 s lease; this run takes 5 s.
  const [id] = enqueue(t, 'test.sleep', ['--payload', '{"ms":5000}']);
  await until('the long job to end', () => runs(t).some((e) => e.job === id && e.event === 'end'), 30000);
  await sleep(1000);
  const mine = runs(t).filter((e) => e.job === id);
  assert.deepEqual(mine.map((e) => e.event), ['start', 'end'], JSON.stringify(mine));
  const j = await getJob(servers[0], admin, id);
  assert.equal(j.state, 'done');
  assert.equal(j.attempts, 1);
});

test('a timer scheduled twice with one dedupe key exists once', async () => {
  const { t, servers, admin } = await getCluster();
  const key = `case:${process.pid}:deadline`;
  const [a] = enqueue(t, 'test.record', ['--dedupe', key, '--in', '3600']);
  const [b] = enqueue(t, 'test.record', ['--dedupe', key, '--in', '7200']);
  assert.equal(b, a);
  const j = await getJob(servers[0], admin, a);
  assert.equal(j.state, 'queued');
  assert.equal(j.dedupe_key, key);
  assert.ok(Date.parse(j.run_at) > Date.now() + 3500e3, 'the first schedule holds');
  const audit = await api(servers[0], 'GET', `/api/v1/audit?action=job.enqueue&record_id=${a}`, undefined, admin.bearer);
  assert.equal(audit.status, 200);
  assert.ok(audit.body.items.length >= 1, 'the command-line enqueue is audited');
  assert.equal(audit.body.items[0].username, 'cli');
});

// ---- kill -9 while a job runs ---------------------------------------------------------

test('a job running when its process is killed with SIGKILL is run again after restart', async () => {
  const t = setup();
  const s1 = await start(t, 1);
  const [id] = enqueue(t, 'test.sleep', ['--payload', '{"ms":3000}']);
  await until('the job to start', () => runs(t).some((e) => e.job === id && e.event === 'start'));
  const exited = new Promise((res) => s1.proc.once('exit', (code, sig) => res(sig ?? code)));
  s1.proc.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  assert.ok(!runs(t).some((e) => e.job === id && e.event === 'end'), 'killed before it ended');

  const s2 = await start(t, 1);
  cliAddUser(s2, 'admin', [['system_admin', '']]);
  const admin = await login(s2, 'admin');
  const j = await until('the job to be done', async () => {
    const x = await getJob(s2, admin, id);
    return x.state === 'done' ? x : null;
  }, 30000);
  assert.equal(j.attempts, 2, 'the interrupted run counts as an attempt');
  assert.match(j.last_error, /lease of .* expired during attempt 1/);
  const mine = runs(t).filter((e) => e.job === id);
  assert.deepEqual(mine.map((e) => `${e.event}#${e.attempt}`), ['start#1', 'start#2', 'end#2']);
  assert.notEqual(mine[0].pid, mine[1].pid, 'the new process ran it');
  await s2.stop();
  assertNoSanitizerReport(s2.log());
});

// ---- Retries, failure, admin visibility, metrics (the harness: GZ_TEST_SERVERS) -------

let shared;
async function getShared() {
  if (shared) return shared;
  const t = setup();
  const srv = await startServer({ db: t.db, env: jobEnv(t), extraArgs: ['--job-workers', '2'] });
  harnessed.push(srv);
  const admin = await adminSession(srv);
  shared = { t, srv, admin };
  return shared;
}

test('a failing job is retried with growing delays and ends failed with its error after max attempts', async () => {
  const { t, srv, admin } = await getShared();
  const [id] = enqueue(t, 'test.fail', ['--payload', JSON.stringify({ message: '下游服务不可用' }), '--max-attempts', '3']);
  const j = await until('the job to fail', async () => {
    const x = await getJob(srv, admin, id);
    return x.state === 'failed' ? x : null;
  }, 30000);
  assert.equal(j.id, id);
  assert.equal(j.kind, 'test.fail');
  assert.equal(j.attempts, 3);
  assert.equal(j.max_attempts, 3);
  assert.deepEqual(j.payload, { message: '下游服务不可用' });
  assert.match(j.last_error, /下游服务不可用/);
  assert.equal(j.lease_until, null);
  for (const k of ['created_at', 'run_at', 'started_at', 'finished_at']) assertRfc3339Utc(j[k], k);

  const mine = runs(t).filter((e) => e.job === id);
  assert.deepEqual(mine.map((e) => e.attempt), [1, 2, 3], 'three runs, then no more');
  // test.fail backs off 300 ms, then 600 ms (plus up to a tenth).
  assert.ok(mine[1].at - mine[0].at >= 300, `first retry after >= 300 ms: ${mine[1].at - mine[0].at}`);
  assert.ok(mine[2].at - mine[1].at >= 600, `second retry after >= 600 ms: ${mine[2].at - mine[1].at}`);
  await sleep(1500);
  assert.equal(runs(t).filter((e) => e.job === id).length, 3, 'a failed job is not run again');

  // The list filters find it; a bad filter is refused.
  const failed = await allJobs(srv, admin, '&state=failed&kind=test.fail');
  assert.ok(failed.some((x) => x.id === id));
  assert.ok(failed.every((x) => x.state === 'failed' && x.kind === 'test.fail'));
  const none = await allJobs(srv, admin, '&state=done&kind=test.fail');
  assert.ok(!none.some((x) => x.id === id));
  const bad = await api(srv, 'GET', '/api/v1/jobs?state=finished', undefined, admin.bearer);
  assert.equal(bad.status, 400);
  assertErrorShape(bad.body, 'bad_query');
  assert.ok(bad.body.error.fields.state);
  for (const p of ['/api/v1/jobs/999999999', '/api/v1/jobs/abc', '/api/v1/jobs/0']) {
    const r = await api(srv, 'GET', p, undefined, admin.bearer);
    assert.equal(r.status, 404, p);
    assertErrorShape(r.body, 'not_found');
  }
});

test('only system_admin at the whole system sees jobs: others get 403 and no job data', async () => {
  const { t, srv, admin } = await getShared();
  const [id] = enqueue(t, 'test.record', ['--in', '3600']);
  const users = [
    ['resident', '110105001001001'],
    ['community_admin', '110105001001'],
    ['street_supervisor', '110105001'],
    ['street_supervisor', ''], // probe read at "", but not probe admin
    ['system_admin', '110105001'], // not the whole system
  ];
  for (const [i, [role, scope]] of users.entries()) {
    const u = await makeUser(srv, admin, `jobs${process.pid}r${i}`, [[role, scope]]);
    const s = await login(srv, u.username, u.password);
    for (const p of ['/api/v1/jobs', `/api/v1/jobs/${id}`, '/api/v1/jobs?state=queued']) {
      const r = await api(srv, 'GET', p, undefined, s.bearer);
      assert.equal(r.status, 403, `${role}@${scope} ${p}: ${JSON.stringify(r.body)}`);
      assertErrorShape(r.body, 'forbidden');
      assert.ok(!JSON.stringify(r.body).includes('test.record'));
    }
  }
  for (const p of ['/api/v1/jobs', `/api/v1/jobs/${id}`]) {
    const r = await api(srv, 'GET', p);
    assert.equal(r.status, 401, p);
  }
  assert.equal((await api(srv, 'GET', `/api/v1/jobs/${id}`, undefined, admin.bearer)).status, 200);
});

function metric(text, name) {
  const re = new RegExp(`^${name.replace(/[{}"+.]/g, (c) => '\\' + c)} (\\S+)$`, 'm');
  const m = re.exec(text);
  return m ? Number(m[1]) : undefined;
}

test('/metrics shows the queue by state, due jobs, workers and run times by kind', async () => {
  const { t, srv, admin } = await getShared();
  await until('a failed job', async () => (await allJobs(srv, admin, '&state=failed')).length >= 1);
  enqueue(t, 'test.record', ['--in', '3600']); // queued, not due
  const want = {
    queued: (await allJobs(srv, admin, '&state=queued')).length,
    failed: (await allJobs(srv, admin, '&state=failed')).length,
  };
  assert.ok(want.queued >= 1 && want.failed >= 1);
  for (const p of srv.servers) {
    const text = await until('the queue gauges to be refreshed', async () => {
      const r = await fetch(p.url + '/metrics', { headers: admin.bearer });
      assert.equal(r.status, 200);
      const x = await r.text();
      return metric(x, 'gongzhi_jobs{state="queued"}') === want.queued &&
        metric(x, 'gongzhi_jobs{state="failed"}') === want.failed ? x : null;
    }, 15000);
    assert.equal(metric(text, 'gongzhi_jobs{state="running"}'), 0);
    assert.equal(metric(text, 'gongzhi_jobs_due'), 0);
    assert.equal(metric(text, 'gongzhi_jobs_oldest_due_seconds'), 0);
    assert.equal(metric(text, 'gongzhi_job_workers'), 2);
    assert.match(text, /^# TYPE gongzhi_job_run_seconds histogram$/m);
    assert.notEqual(metric(text, 'gongzhi_job_run_seconds_bucket{kind="test.fail",le="+Inf"}'), undefined);
  }
  // The runs of test.fail, summed over the processes that ran them: 1 failed, 2 retried.
  let failedRuns = 0, retried = 0, count = 0;
  for (const p of srv.servers) {
    const x = await (await fetch(p.url + '/metrics', { headers: admin.bearer })).text();
    failedRuns += metric(x, 'gongzhi_job_runs_total{kind="test.fail",outcome="failed"}');
    retried += metric(x, 'gongzhi_job_runs_total{kind="test.fail",outcome="retry"}');
    count += metric(x, 'gongzhi_job_run_seconds_count{kind="test.fail"}');
  }
  assert.equal(failedRuns, 1);
  assert.equal(retried, 2);
  assert.equal(count, 3);
});

// ---- Graceful stop -------------------------------------------------------------------

test('SIGTERM lets a running job finish before the process exits', async () => {
  const t = setup();
  const s = await start(t, 1);
  const [id] = enqueue(t, 'test.sleep', ['--payload', '{"ms":1500}']);
  await until('the job to start', () => runs(t).some((e) => e.job === id && e.event === 'start'));
  assert.equal(await s.stop('SIGTERM'), 0);
  assert.deepEqual(runs(t).filter((e) => e.job === id).map((e) => e.event), ['start', 'end']);
  const r = run(['--db', t.db, 'jobs', 'list', '--kind', 'test.sleep'], { env: jobEnv(t) });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^${id}\\tdone\\ttest\\.sleep\\t1/3\\t`, 'm'));
  assertNoSanitizerReport(s.log());
});
