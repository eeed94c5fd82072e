// Nothing acknowledged is lost: probes answered 201 survive kill -9 and a restart on the
// same database. One server process (spawnServer), on SQLite with the real default
// synchronous=FULL, or on PostgreSQL. Probes need the operations session: the account
// is created once per database (opsSession) and each process is logged in on.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { spawnServer, freshDatabase } from '../lib/server.mjs';
import { listAllProbes, pool, assertNoSanitizerReport } from './util.mjs';
import { opsSession } from './auth-util.mjs';

const dirs = [];
const servers = [];
after(async () => {
  for (const s of servers) if (s.proc.exitCode === null && s.proc.signalCode === null) await s.stop('SIGKILL');
  if (!process.env.GZ_KEEP_TMP) for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const ENV = { GONGZHI_SQLITE_SYNC: 'FULL' };

async function start(db, dir) {
  const s = await spawnServer({ db, dir, env: ENV, extraArgs: ['--access-log', 'off'] });
  servers.push(s);
  s.auth = (await opsSession(s)).bearer;
  return s;
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'gz-dur-'));
  dirs.push(dir);
  return { dir, db: freshDatabase(dir) };
}

async function postProbe(s, label, payload) {
  const r = await fetch(s.url + '/api/v1/probes', {
    method: 'POST', headers: { 'Content-Type': 'application/json', ...s.auth }, body: JSON.stringify({ label, payload }),
  });
  const text = await r.text();
  return { status: r.status, body: r.status === 201 ? JSON.parse(text) : text };
}

const payloadFor = (i) => `持久性测试 #${i} ` + '数据'.repeat(200 + (i % 50));

async function listOn(s) {
  return listAllProbes(async (p) => {
    const r = await fetch(s.url + p, { headers: s.auth });
    return { status: r.status, body: await r.json() };
  });
}

// Every acknowledged probe, fetched one by one (independent of listing): returns the
// labels of those missing or changed.
async function missingOrChanged(s, acked) {
  const bad = [];
  await pool(acked, 16, async (p) => {
    const r = await fetch(`${s.url}/api/v1/probes/${encodeURIComponent(p.id)}`, { headers: s.auth });
    const body = await r.json();
    if (r.status !== 200) bad.push(`${p.label}: ${r.status} ${JSON.stringify(body)}`);
    else if (!isDeepStrictEqual(body, p)) bad.push(`${p.label}: changed to ${JSON.stringify(body).slice(0, 100)}`);
  });
  return bad;
}

async function kill9(s) {
  const done = new Promise((res) => s.proc.once('exit', (code, sig) => res(sig ?? code)));
  s.proc.kill('SIGKILL');
  const how = await done;
  assert.equal(how, 'SIGKILL');
}

test('every probe acknowledged with 201 survives kill -9 right after the last acknowledgement', async () => {
  const { dir, db } = setup();
  const s1 = await start(db, dir);
  const tag = `dur-${process.pid}-${Date.now().toString(36)}`;
  const N = 200;
  const acked = [];
  const results = await pool(Array.from({ length: N }, (_, i) => i), 16, async (i) => {
    const label = `${tag}-${i}`;
    const r = await postProbe(s1, label, payloadFor(i));
    if (r.status === 201) acked.push(r.body);
    return r.status;
  });
  // Crash as soon as the last answer is in: no graceful shutdown, no checkpoint.
  await kill9(s1);
  assert.deepEqual(results.filter((s) => s !== 201), [], 'every POST was acknowledged');
  assert.equal(acked.length, N);

  const s2 = await start(db, dir);
  assert.deepEqual(await missingOrChanged(s2, acked), [], 'acknowledged probes lost or changed after kill -9');
  const listed = await listOn(s2);
  assert.equal(listed.filter((p) => p.label.startsWith(tag)).length, N, 'the list has them all, and no extra records');
  const log = s2.log();
  await s2.stop();
  assertNoSanitizerReport(log);
});

test('kill -9 in the middle of writes: every acknowledged probe survives and nothing is half-written', async () => {
  const { dir, db } = setup();
  const s1 = await start(db, dir);
  const tag = `mid-${process.pid}-${Date.now().toString(36)}`;
  const acked = [];
  const sent = new Map();
  let stop = false;
  let i = 0;
  // 16 writers keep going until the process dies under them.
  const writers = Array.from({ length: 16 }, async () => {
    while (!stop) {
      const n = i++;
      const label = `${tag}-${n}`;
      sent.set(label, payloadFor(n));
      try {
        const r = await postProbe(s1, label, payloadFor(n));
        if (r.status === 201) acked.push(r.body);
        else if (!stop) assert.fail(`POST answered ${r.status}: ${r.body}`);
      } catch {
        // Connection broken by the kill: not acknowledged, so no promise was made.
        if (!stop) throw new Error('connection failed before the kill');
      }
    }
  });
  const deadline = Date.now() + 5000;
  while (acked.length < 150 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  stop = true;
  const ackedAtKill = acked.length;
  await kill9(s1);
  await Promise.all(writers);
  assert.ok(ackedAtKill >= 20, `only ${ackedAtKill} writes acknowledged before the kill`);

  const s2 = await start(db, dir);
  assert.deepEqual(await missingOrChanged(s2, acked), [], 'acknowledged probes lost or changed after kill -9');
  const listed = (await listOn(s2)).filter((p) => p.label.startsWith(tag));
  const byId = new Map(listed.map((p) => [p.id, p]));
  assert.deepEqual(acked.filter((p) => !byId.has(p.id)).map((p) => p.label), [], 'the list has every acknowledged probe');
  // Writes in flight at the kill may or may not be there, but only whole.
  for (const p of listed) {
    assert.ok(sent.has(p.label), `unknown record ${p.label}`);
    assert.equal(p.payload, sent.get(p.label), `record ${p.label} is complete`);
  }
  const log = s2.log();
  await s2.stop();
  assertNoSanitizerReport(log);
});
