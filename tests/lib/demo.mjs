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
import { startServer, freshDatabase } from './server.mjs';
import { run, assertNoSanitizerReport } from '../api/util.mjs';

export async function startDemo(prefix, { keep = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const db = freshDatabase(dir);
  const env = { GONGZHI_KEY_FILE: join(dir, 'gongzhi.key') };
  const r = run(['--db', db, 'demo', '--json'], { env });
  assert.equal(r.code, 0, `gongzhi demo: ${r.stderr}`);
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
