// Shared set-up of the mobilisation API tests: a world of grids, an organiser
// organisation, accounts per role, and the check-in code computed independently of the
// server (RFC 6238 with HMAC-SHA-256 over the activity's secret, read from the database).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, ROOT } from '../lib/server.mjs';
import { opsSession, makeUser, login, sql } from './auth-util.mjs';
import { isPostgres } from './util.mjs';

export const C1 = '110101001001'; // 多福巷社区: grids 001..004
export const C2 = '110101001002'; // 南池子社区: grid 001
export const G1 = C1 + '001';
export const G2 = C1 + '002';
export const C2G1 = C2 + '001';
const FIXTURE = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/grids_ok.geojson'), 'utf8'));

let seq = 0;
// Grids, a residents' committee of C1 and C2 as organisers, and a session per name:
// roles is { name: [[role, scope], ...] }.
export async function mobWorld(srv, roles) {
  const admin = await opsSession(srv);
  const imp = await api(srv, 'POST', '/api/v1/grids/import', FIXTURE, admin.bearer);
  assert.equal(imp.status, 201, JSON.stringify(imp.body));
  const org = {};
  for (const [k, code] of [['c1', C1], ['c2', C2]]) {
    const r = await api(srv, 'POST', '/api/v1/organisations', { type: 'residents_committee', name: `${k}居委会`, space_code: code }, admin.bearer);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    org[k] = r.body.id;
  }
  const who = { admin };
  for (const [name, grants] of Object.entries(roles)) {
    const username = `${name}-${process.pid}-${seq++}`;
    const u = await makeUser(srv, admin, username, grants, 'mob-password-1');
    who[name] = await login(srv, username, 'mob-password-1');
    who[name].id = u.id;
  }
  return { admin, org, who };
}

export const iso = (ms) => new Date(ms).toISOString();
const STEP = 30000;

// The 6-digit code of step for a secret (hex), as RFC 6238 computes it with SHA-256.
export function totp(secretHex, step) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha256', Buffer.from(secretHex, 'hex')).update(msg).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
  return String(bin % 1000000).padStart(6, '0');
}

export function secretOf(srv, activityId) {
  const q = isPostgres()
    ? `SELECT encode(code_secret, 'hex') FROM mob_activities WHERE id = ${Number(activityId)}`
    : `SELECT lower(hex(code_secret)) FROM mob_activities WHERE id = ${Number(activityId)}`;
  return sql(srv, q)[0][0];
}

// Waits until at least `margin` ms remain in the current 30-second step, and returns it.
export async function safeStep(margin = 3000) {
  for (;;) {
    const now = Date.now();
    if (STEP - (now % STEP) > margin) return Math.floor(now / STEP);
    await new Promise((r) => setTimeout(r, STEP - (now % STEP) + 50));
  }
}

export function ledgerCheck(srv, cli) {
  const env = srv.db.startsWith('sqlite:') ? {} : { GONGZHI_KEY_FILE: join(srv.dir, 'gongzhi.key') };
  return cli(['--db', srv.db, 'ledger', 'check', '--json'], { env: { ...process.env, ...env } });
}

export { login };
