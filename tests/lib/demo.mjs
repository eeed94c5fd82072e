// The demo street (`gongzhi demo`) on a fresh database, served: for tests that need
// realistic data and one account per role.
//
//   const d = await startDemo('gz-names-');
//   const s = await login(d.srv, d.account('resident').username, d.account('resident').password);
//   ... await d.stop();
//
// The key file is shared by the command and the server, as processes sharing PostgreSQL
// must. The directory is removed by stop() unless GZ_KEEP_TMP is set (or keep is true).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, freshDatabase, binary, ROOT } from './server.mjs';
import { assertNoSanitizerReport } from '../api/util.mjs';

export async function startDemo(prefix, { keep = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const db = freshDatabase(dir);
  const env = { GONGZHI_KEY_FILE: join(dir, 'gongzhi.key') };
  // The ASan build on a busy machine may take minutes (a PostgreSQL load of 8,600 residents).
  const r = spawnSync(binary(), ['--db', db, 'demo', '--json'], {
    cwd: ROOT, encoding: 'utf8', timeout: 600000, maxBuffer: 1 << 24,
    env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0', ...env },
  });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `gongzhi demo: ${r.stderr}`);
  assertNoSanitizerReport(r.stderr, 'gongzhi demo');
  const demo = JSON.parse(r.stdout);
  const srv = await startServer({ db, env });
  return {
    dir,
    db,
    env,
    srv,
    demo,
    // The demo's account of a role (username, password, display_name, scope).
    account(role) {
      const a = demo.accounts.find((x) => x.role === role);
      assert.ok(a, `demo account for ${role}`);
      return a;
    },
    async stop() {
      const log = srv.log();
      await srv.stop();
      assertNoSanitizerReport(log);
      if (!keep && !process.env.GZ_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
    },
  };
}
