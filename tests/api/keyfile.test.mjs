// The personal-data key belongs to the database: a process started with another key
// file (a second host that made its own, a database restored without its key) refuses
// to start rather than write records the other processes cannot read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServer, freshDatabase } from '../lib/server.mjs';

test('a server with a different key file than the database was started with refuses to start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gz-key-'));
  try {
    const db = freshDatabase(dir);
    const first = await spawnServer({ db, dir, env: { GONGZHI_KEY_FILE: join(dir, 'a.key') } });
    await first.stop();
    // Same key again: starts.
    const again = await spawnServer({ db, dir, env: { GONGZHI_KEY_FILE: join(dir, 'a.key') } });
    await again.stop();
    // Another key (created on the spot, as a second host would): refused, with a reason.
    await assert.rejects(
      spawnServer({ db, dir, env: { GONGZHI_KEY_FILE: join(dir, 'b.key') } }),
      (e) => /server exited early \(1\)/.test(e.message) && /密钥文件/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
