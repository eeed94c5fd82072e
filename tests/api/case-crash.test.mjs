// Cases survive kill -9 (issue 10, "Done when"): 64 residents' reports in flight at once
// when the server is killed with SIGKILL; after a restart on the same database every case
// whose creation was answered 201 is there, whole, and no report was stored twice.
// Runs on SQLite (with the real default synchronous=FULL) and on PostgreSQL.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServer, freshDatabase, api } from '../lib/server.mjs';
import { adminSession, makeUser, login, sql } from './auth-util.mjs';
import { assertNoSanitizerReport } from './util.mjs';
import { FIXTURE, G1 } from './people-util.mjs';

const IN_G1 = { lat: 39.9018, lng: 116.4018 };
const ENV = { GONGZHI_SQLITE_SYNC: 'FULL' };
const dirs = [];
const servers = [];
after(async () => {
  for (const s of servers) if (s.proc.exitCode === null && s.proc.signalCode === null) await s.stop('SIGKILL');
  if (!process.env.GZ_KEEP_TMP) for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function start(db, dir) {
  const s = await spawnServer({ db, dir, env: ENV, extraArgs: ['--access-log', 'off'] });
  s.fetch = (path, init) => fetch(s.url + path, init);
  servers.push(s);
  return s;
}

test('SIGKILL during 64 concurrent intakes: every acknowledged case survives, none twice', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gz-casecrash-'));
  dirs.push(dir);
  const db = freshDatabase(dir);
  const s1 = await start(db, dir);
  const admin = await adminSession(s1);
  const imp = await api(s1, 'POST', '/api/v1/grids/import', FIXTURE, admin.bearer);
  assert.equal(imp.status, 201, JSON.stringify(imp.body));
  // 64 residents, each reporting one case after another.
  const residents = [];
  for (let i = 0; i < 64; i++) {
    const u = await makeUser(s1, admin, null, [['resident', G1]]);
    residents.push(await login(s1, u.username));
  }
  const tag = `crash-${process.pid}-${Date.now().toString(36)}`;
  const acked = [];
  let stop = false;
  let n = 0;
  const writers = residents.map(async (who) => {
    while (!stop) {
      const description = `${tag} 第${n++}号 楼道堆放杂物，影响通行`;
      try {
        const r = await fetch(s1.url + '/api/v1/cases', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...who.bearer },
          body: JSON.stringify({ category: 'E0101', description, location: IN_G1 }),
        });
        const body = await r.json();
        if (r.status === 201) acked.push({ id: body.id, description });
        else if (!stop) assert.fail(`POST /cases answered ${r.status}: ${JSON.stringify(body)}`);
      } catch (e) {
        if (e.code === 'ERR_ASSERTION') throw e;
        // The connection broke under the kill: never acknowledged, nothing promised.
        if (!stop) throw new Error(`connection failed before the kill: ${e.message}`);
      }
    }
  });
  const deadline = Date.now() + 20000;
  while (acked.length < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  stop = true;
  const done = new Promise((res) => s1.proc.once('exit', (code, sig) => res(sig ?? code)));
  s1.proc.kill('SIGKILL');
  assert.equal(await done, 'SIGKILL');
  await Promise.all(writers);
  assert.ok(acked.length >= 64, `only ${acked.length} intakes acknowledged before the kill`);

  const s2 = await start(db, dir);
  const admin2 = await adminSession(s2);
  // Every acknowledged case, read one by one, is there with its text.
  const missing = [];
  for (const a of acked) {
    const r = await api(s2, 'GET', `/api/v1/cases/${a.id}`, undefined, admin2.bearer);
    if (r.status !== 200 || r.body.description !== a.description) missing.push(`${a.id}: ${r.status}`);
  }
  assert.deepEqual(missing, [], 'acknowledged cases lost or changed after SIGKILL');
  // No report stored twice, and every stored case is whole (its report event and its audit row).
  const dup = sql(s2, `SELECT description, COUNT(*) FROM cases WHERE description LIKE '${tag}%' GROUP BY description HAVING COUNT(*) > 1`);
  assert.deepEqual(dup, [], 'reports stored twice');
  const stored = Number(sql(s2, `SELECT COUNT(*) FROM cases WHERE description LIKE '${tag}%'`)[0][0]);
  assert.ok(stored >= acked.length, `${stored} stored < ${acked.length} acknowledged`);
  const halves = sql(s2, `SELECT c.id FROM cases c WHERE c.description LIKE '${tag}%' AND (NOT EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id) OR NOT EXISTS (SELECT 1 FROM audit_log l WHERE l.action = 'case.create' AND l.record_id = ${s2.db.startsWith('sqlite:') ? 'CAST(c.id AS TEXT)' : 'c.id::text'}))`);
  assert.deepEqual(halves, [], 'cases without their report event or audit row');
  const counted = Number(sql(s2, "SELECT n FROM record_counts WHERE name = 'cases'")[0]?.[0] ?? -1);
  const all = Number(sql(s2, 'SELECT COUNT(*) FROM cases')[0][0]);
  assert.equal(counted, all, 'the case count agrees with the rows');
  const log = s2.log();
  await s2.stop();
  assertNoSanitizerReport(log);
});
