// Upgrading a database of the previous release (0.1.0, before modules owned their
// migrations): the demo street as 0.1.0 wrote it (tests/fixtures/release-0.1.0-demo.*,
// an SQLite dump and its personal-data key) is migrated by this build, and everything
// in it reads back: counts, accounts, encrypted personal data, the organisation network.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, copyFileSync, chmodSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServer, api, cli, ROOT } from '../lib/server.mjs';
import { login, cliUser } from './auth-util.mjs';
import { assertNoSanitizerReport, dbKind } from './util.mjs';

// The fixture is an SQLite database: run once, in the SQLite pass of the suite.
const skip = dbKind() !== 'sqlite' && 'the 0.1.0 fixture is SQLite';

const FIXTURE = join(ROOT, 'tests/fixtures/release-0.1.0-demo');
// What 0.1.0's demo (seed 1) counted.
const COUNTS = {
  buildings: 81, communities: 4, coop_agreements: 33, grids: 20, households: 3161,
  organisations: 105, party_members: 421, residents: 8600, streets: 1, units: 3576, users: 11,
};

let dir;
let db;
let srv;
before(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'gz-upgrade-'));
  const file = join(dir, 'demo.db');
  execSync(`xz -dc '${FIXTURE}.sql.xz' | sqlite3 '${file}'`);
  copyFileSync(`${FIXTURE}.key`, `${file}.key`);
  chmodSync(`${file}.key`, 0o600);
  db = `sqlite:${file}`;
});
after(async () => {
  if (srv) {
    const log = srv.log();
    await srv.stop();
    assertNoSanitizerReport(log);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const rows = (sql) => execSync(`sqlite3 '${db.slice(7)}' "${sql}"`, { encoding: 'utf8' })
  .trim().split('\n').filter(Boolean).map((l) => l.split('|'));

test('0.1.0 recorded six migrations by their old names', { skip }, () => {
  assert.deepEqual(rows('SELECT version, name FROM schema_migrations ORDER BY version'), [
    ['1', '0001_core'], ['2', '0002_space'], ['3', '0003_auth'], ['4', '0004_people'],
    ['5', '0005_org'], ['6', '0006_idempotency'],
  ]);
});

test('migrate keeps the applied ones (now named by their modules) and applies only the new', { skip }, () => {
  const r = cli(['migrate', '--db', db]);
  assert.equal(r.code, 0, r.stderr);
  const names = rows('SELECT name FROM schema_migrations ORDER BY version').map((x) => x[0]);
  assert.deepEqual(names.slice(0, 6), ['0001_core', 'space/0002_space', 'accounts/0003_auth',
    'people/0004_people', 'org/0005_org', '0006_idempotency']);
  assert.ok(names.length > 6, 'the migrations added since 0.1.0 were applied');
  assert.equal(new Set(names).size, names.length, 'nothing applied twice');
  // Running it again changes nothing.
  assert.equal(cli(['migrate', '--db', db]).code, 0);
  assert.equal(rows('SELECT count(*) FROM schema_migrations')[0][0], String(names.length));
});

test('the upgraded street reads back: counts, login, decrypted personal data, the network', { skip }, async () => {
  const pw = 'upgrade-test-password';
  assert.equal(cliUser({ db }, ['passwd', 'admin', '--password-stdin'], `${pw}\n`).code, 0);
  srv = await spawnServer({ db, dir });
  const s = { servers: [srv], fetch: (p, i) => fetch(srv.url + p, i) };
  const admin = await login(s, 'admin', pw);
  const st = await api(s, 'GET', '/api/v1/status', undefined, admin.bearer);
  assert.equal(st.status, 200);
  for (const [k, n] of Object.entries(COUNTS)) assert.equal(st.body.counts[k], n, k);

  const list = await api(s, 'GET', '/api/v1/residents?limit=3', undefined, admin.bearer);
  assert.equal(list.status, 200);
  assert.equal(list.body.items.length, 3);
  const id = list.body.items[0].id;
  const one = await api(s, 'GET', `/api/v1/residents/${id}?reveal=id_number,phone`, undefined, admin.bearer);
  assert.equal(one.status, 200, JSON.stringify(one.body));
  assert.match(one.body.id_number, /^\d{17}[\dX]$/, 'the ID number decrypts with the old key');
  assert.match(one.body.phone, /^1\d{10}$/);

  const street = rows('SELECT code FROM streets')[0][0];
  const net = await api(s, 'GET', `/api/v1/network?node=${street}`, undefined, admin.bearer);
  assert.equal(net.status, 200, JSON.stringify(net.body).slice(0, 300));
});
