// `gongzhi demo` and `gongzhi gen` on a fresh database (SQLite or PostgreSQL), then the
// real server over it: the counts in /api/v1/status meet the minimums, every
// printed account logs in with its role and scope, the grids went through the checked
// import (no overlaps, or nothing would have been written), the organisation network is
// there down to building groups, a non-empty database is refused without --force (gen
// --force adds the next street), and gen houses exactly the residents asked for.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, freshDatabase, api } from '../lib/server.mjs';
import { run, assertNoSanitizerReport } from './util.mjs';
import { login, sql } from './auth-util.mjs';

let dir, db, env, demo, srv, loadMs;

// Every CLI run and the server share one key file, as processes sharing PostgreSQL must.
// The demo loads a street and a year of its services: minutes under ASan on a busy machine.
const cli = (args) => run(['--db', db, ...args], { env, timeout: 300000 });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gz-demo-'));
  db = freshDatabase(dir);
  env = { GONGZHI_KEY_FILE: join(dir, 'gongzhi.key') };
  const t0 = Date.now();
  const r = cli(['demo', '--json']);
  loadMs = Date.now() - t0;
  assert.equal(r.code, 0, `gongzhi demo: ${r.stderr}`);
  assertNoSanitizerReport(r.stderr, 'gongzhi demo');
  demo = JSON.parse(r.stdout);
  srv = await startServer({ db, env });
});

after(async () => {
  if (srv) {
    const log = srv.log();
    await srv.stop();
    assertNoSanitizerReport(log);
  }
  if (dir && !process.env.GZ_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
});

const account = (role) => demo.accounts.find((a) => a.role === role);
const session = (role) => login(srv, account(role).username, account(role).password);
// The counts are operations data: read as the demo's own administrator (the demo creates
// "admin", so the CLI's first administrator of opsSession() is not added here).
let ops;
const status = async () => {
  ops ??= await session('system_admin');
  return (await api(srv, 'GET', '/api/v1/status', undefined, ops.bearer)).body.counts;
};

describe('gongzhi demo', () => {
  test('loads in seconds and reports what it loaded', () => {
    // The timing is informational (ASan builds are several times slower).
    console.log(`demo load: ${loadMs} ms (${JSON.stringify(demo.timings)})`);
    assert.equal(demo.seed, 1);
    assert.equal(demo.street_code, '110105001');
    assert.match(demo.street_name, /街道$/);
    assert.ok(demo.counts.residents >= 8000);
  });

  test('the counts in /api/v1/status meet the issue\'s minimums', async () => {
    const c = await status();
    assert.equal(c.streets, 1);
    assert.ok(c.communities >= 3, `communities ${c.communities}`);
    assert.ok(c.grids >= 12, `grids ${c.grids}`);
    assert.ok(c.buildings >= 60, `buildings ${c.buildings}`);
    assert.ok(c.units >= 3000, `units ${c.units}`);
    assert.ok(c.residents >= 8000, `residents ${c.residents}`);
    assert.ok(c.households >= 2500 && c.households < c.residents, `households ${c.households}`);
    assert.ok(c.organisations >= 60, `organisations ${c.organisations}`);
    assert.ok(c.coop_agreements >= 20, `agreements ${c.coop_agreements}`);
    assert.ok(c.party_members >= 300, `party members ${c.party_members}`);
    // one account per role, and the volunteers of the year of mobilisation (no password)
    assert.ok(c.users >= 11 + 4 * 10, `users ${c.users}`);
    assert.ok(c.activities >= 100, `activities ${c.activities}`);
    assert.ok(c.signups >= 400, `signups ${c.signups}`);
    assert.ok(c.service_records >= 300, `service records ${c.service_records}`);
    assert.ok(c.redemptions >= 30, `redemptions ${c.redemptions}`);
    // What the CLI printed is what the server counts.
    for (const k of ['communities', 'grids', 'buildings', 'units', 'residents', 'organisations',
      'coop_agreements', 'party_members']) {
      assert.equal(demo.counts[k], c[k], k);
    }
  });

  test('one account per role, each printed password logs in with its role and scope', async () => {
    const roles = ['resident', 'grid_worker', 'party_member', 'volunteer', 'community_staff',
      'community_admin', 'unit_contact', 'property', 'department', 'street_supervisor',
      'system_admin'];
    assert.deepEqual(demo.accounts.map((a) => a.role).sort(), [...roles].sort());
    assert.equal(account('system_admin').username, 'admin');
    assert.equal(account('system_admin').scope, '');
    // The printed table names each account's place, never its code.
    for (const a of demo.accounts) assert.doesNotMatch(a.scope_name, /\d{9}/, `${a.username}: ${a.scope_name}`);
    assert.match(account('grid_worker').scope_name, /网格$/);
    assert.equal(account('system_admin').scope_name, '（全部）');
    for (const a of demo.accounts) {
      assert.ok(a.created, a.username);
      assert.ok(a.password.length >= 12, a.username);
      const s = await login(srv, a.username, a.password);
      const me = await api(srv, 'GET', '/api/v1/me', undefined, s.bearer);
      assert.equal(me.status, 200);
      // 物业 and 职能部门 also see their cases through their organisation (docs/CASES.md).
      const roles = me.body.user.roles.map((g) => [g.role, g.scope]);
      assert.deepEqual(roles[0], [a.role, a.scope], a.username);
      if (a.role === 'property' || a.role === 'department') {
        assert.equal(roles.length, 2, a.username);
        assert.equal(roles[1][0], a.role);
        assert.match(roles[1][1], /^org:\d+\/$/);
      } else {
        assert.equal(roles.length, 1, a.username);
      }
      assert.equal(me.body.user.display_name, a.display_name);
    }
    const wrong = await api(srv, 'POST', '/api/v1/session', { username: 'admin', password: 'not-the-password' });
    assert.equal(wrong.status, 401);
  });

  test('a year of mobilisation: the demo volunteer\'s hours, points and store, and the ledger reconciles', async () => {
    const v = await session('volunteer');
    const get = async (q) => {
      const r = await api(srv, 'GET', q, undefined, v.bearer);
      assert.equal(r.status, 200, `${q}: ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const sum = await get('/api/v1/me/service-summary');
    assert.ok(sum.total_minutes >= 60 * 4, `minutes ${sum.total_minutes}`);
    assert.ok(sum.services >= 2 && sum.trainings >= 1, JSON.stringify(sum));
    const recs = await get('/api/v1/me/service-records?limit=200');
    assert.ok(recs.items.some((r) => r.kind === 'service' && /(居民委员会|社区党委)$/.test(r.org_name)));
    const pts = await get('/api/v1/me/points/entries?limit=200');
    assert.ok(pts.items.some((e) => e.kind === 'earn' && e.rule === 'service_hour'));
    const mine = await get('/api/v1/me/activities?limit=200');
    // one activity is running now, the volunteer signed up: the check-in can be tried
    assert.ok(mine.items.some((s) => s.status === 'confirmed' && s.activity.check_in_open), 'an activity open for check-in');
    const items = await get('/api/v1/store/items?limit=200');
    assert.ok(items.items.length >= 8);
    // staff see the organiser's code of the running activity
    const staff = await session('community_staff');
    const open = mine.items.find((s) => s.activity.check_in_open).activity;
    const code = await api(srv, 'GET', `/api/v1/activities/${open.id}/code`, undefined, staff.bearer);
    assert.equal(code.status, 200, JSON.stringify(code.body));
    assert.match(code.body.code, /^\d{6}$/);
    const check = cli(['ledger', 'check', '--json']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    const j = JSON.parse(check.stdout);
    assert.equal(j.ok, true);
    assert.ok(j.entries >= 800, `entries ${j.entries}`);
  });

  test('grids came through the checked import: tiled, no overlaps, codes under the street', async () => {
    const admin = await session('system_admin');
    const a = await api(srv, 'GET', '/api/v1/audit?action=grid.import', undefined, admin.bearer);
    assert.equal(a.status, 200);
    assert.equal(a.body.items.length, 1);
    const c = await status();
    assert.equal(a.body.items[0].detail.created, c.grids);
    assert.equal(a.body.items[0].detail.communities_created, c.communities);
    const g = await api(srv, 'GET', `/api/v1/grids?street=${demo.street_code}&limit=200`, undefined, admin.bearer);
    assert.equal(g.status, 200);
    assert.equal(g.body.items.length, c.grids);
    for (const grid of g.body.items) assert.ok(grid.code.startsWith(demo.street_code), grid.code);
    // Every building was placed by locate into a grid of the street.
    const b = await api(srv, 'GET', '/api/v1/buildings?limit=200', undefined, admin.bearer);
    assert.equal(b.status, 200);
    assert.equal(b.body.items.length, c.buildings);
    for (const x of b.body.items) assert.match(x.name, /^\d+号楼$/);
    // A point in the middle of the street is in one of its grids.
    const loc = await api(srv, 'GET', `/api/v1/locate?lat=${b.body.items[0].lat}&lng=${b.body.items[0].lng}`,
      undefined, admin.bearer);
    assert.equal(loc.status, 200);
    assert.equal(loc.body.code, b.body.items[0].grid_code);
  });

  test('the organisation network reaches building groups, co-building units and 双报到', async () => {
    const admin = await session('system_admin');
    const list = async (q) => {
      const r = await api(srv, 'GET', q, undefined, admin.bearer);
      assert.equal(r.status, 200, `${q}: ${JSON.stringify(r.body)}`);
      return r.body.items;
    };
    for (const [type, min] of [['street_party_committee', 1], ['community_party_committee', 3],
      ['grid_party_branch', 12], ['building_party_group', 10], ['residents_committee', 3],
      ['property_company', 2], ['owners_committee', 1], ['social_org', 2], ['coop_unit', 20],
      ['department', 1]]) {
      const items = await list(`/api/v1/organisations?type=${type}&limit=200`);
      assert.ok(items.length >= min, `${type}: ${items.length}`);
    }
    const groups = await list('/api/v1/organisations?type=building_party_group&limit=5');
    for (const g of groups) {
      assert.ok(g.building_id, 'a building group names its building');
      assert.ok(g.parent_id, 'a building group hangs under its grid branch');
    }
    const reported = await list('/api/v1/party-members?reported=1&limit=200');
    assert.ok(reported.length >= 50, `reported ${reported.length}`);
    for (const p of reported) assert.ok(p.post_type && p.reported_grid_code, JSON.stringify(p));
    const fig = await api(srv, 'GET', `/api/v1/network/figures?node=${demo.street_code}`, undefined, admin.bearer);
    assert.equal(fig.status, 200);
    const units = new Set();
    for (const c of fig.body.coop_per_community) for (const u of c.units) if (u.in_force) units.add(u.org_id);
    assert.ok(units.size >= 20, `units in force ${units.size}`);
    assert.equal(fig.body.totals.grids_without_branch, 0);
    assert.ok(fig.body.totals.cross_role_people >= 1, '交叉任职 between 社区党委 and 物业/业委会');
  });

  test('a year of cases: the usual mix of states, open work in hand, the rates of the street', async () => {
    assert.equal(demo.counts.cases, 800);
    const staff = await session('community_staff');
    const all = await api(srv, 'GET', '/api/v1/cases?limit=200', undefined, staff.bearer);
    assert.equal(all.status, 200);
    assert.ok(all.body.items.length > 0 && all.body.items.every((c) => c.community_code === account('community_staff').scope));
    const n = (q) => Number(sql({ db }, q)[0][0]);
    for (const st of ['rated', 'closed', 'rejected', 'withdrawn', 'merged'])
      assert.ok(n(`SELECT COUNT(*) FROM cases WHERE state = '${st}'`) > 0, st);
    assert.ok(n("SELECT COUNT(*) FROM cases WHERE state IN ('reported', 'accepted', 'dispatched', 'signed', 'handled', 'verified', 'escalated', 'extension_requested')") > 10, 'open cases');
    assert.ok(n('SELECT COUNT(*) FROM cases WHERE escalated = 1') > 10, 'escalated');
    assert.ok(n('SELECT COUNT(*) FROM cases WHERE self_handled = 1') > 10, 'self-handled');
    assert.ok(n('SELECT MIN(reported_at) FROM cases') < Date.now() - 300 * 86400e3, 'about a year');
    // Winter brings heating complaints, summer waterlogging.
    const month = (code) => sql({ db }, `SELECT c.reported_at FROM cases c JOIN case_categories k ON k.id = c.category_id WHERE k.code = '${code}'`)
      .map((r) => new Date(Number(r[0]) + 8 * 3600e3).getUTCMonth() + 1);
    assert.ok(month('E0402').every((m) => m >= 11 || m <= 3), 'heating in winter');
    assert.ok(month('E0702').every((m) => m >= 5 && m <= 9), 'waterlogging in summer');
    const mine = await api(srv, 'GET', '/api/v1/cases?mine=1', undefined, (await session('resident')).bearer);
    assert.ok(mine.body.items.length >= 1, 'the resident has reported some');
    const prop = await api(srv, 'GET', '/api/v1/cases', undefined, (await session('property')).bearer);
    assert.equal(prop.status, 200);
    assert.ok(prop.body.items.length >= 1, 'the property company handles some');
    const street = await session('street_supervisor');
    const stats = await api(srv, 'GET', `/api/v1/stats/cases?node=${demo.street_code}&from=${encodeURIComponent(new Date(Date.now() - 365 * 86400e3).toISOString())}`, undefined, street.bearer);
    assert.equal(stats.status, 200, JSON.stringify(stats.body));
    assert.ok(Number(stats.body.rates.satisfaction.percent) > 70, JSON.stringify(stats.body.rates.satisfaction));
    assert.ok(Number(stats.body.rates.closure.percent) > 80, JSON.stringify(stats.body.rates.closure));
  });

  test('the resident account is linked to its own resident record', async () => {
    const s = await session('resident');
    const r = await api(srv, 'GET', '/api/v1/me/resident', undefined, s.bearer);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.name, account('resident').display_name);
    assert.equal(r.body.grid_code, account('resident').scope);
  });

  test("the demo's Party member, its dated news, its projects' sources and its under-served grid", async () => {
    // The Party member's account is their own resident record's: their Party points.
    const pm = await session('party_member');
    const pp = await api(srv, 'GET', '/api/v1/me/party-points', undefined, pm.bearer);
    assert.equal(pp.status, 200, JSON.stringify(pp.body));
    assert.equal(pp.body.member.name, account('party_member').display_name);
    // The year's notifications carry the time of what they tell; the older ones are read.
    const n = (q) => Number(sql({ db }, q)[0][0]);
    const weekAgo = Date.now() - 8 * 86400000;
    assert.ok(n(`SELECT COUNT(*) FROM notifications WHERE created_at < ${weekAgo - 30 * 86400000}`) > 100, 'dated news');
    assert.equal(n(`SELECT COUNT(*) FROM notifications WHERE read_at IS NULL AND created_at < ${weekAgo}`), 0, 'old news read');
    // Projects draw on the Party system, co-building units and social organisations.
    const kinds = sql({ db }, 'SELECT DISTINCT o.type FROM match_commitments c JOIN organisations o ON o.id = c.org_id ORDER BY 1').map((r) => r[0]);
    assert.deepEqual(kinds, ['community_party_committee', 'coop_unit', 'social_org']);
    // The under-served grid: a recent run's proposal names the equity boost.
    const sec = await session('community_admin');
    const runs = await api(srv, 'GET', `/api/v1/matching/runs?community=${account('community_admin').scope}&limit=2`, undefined, sec.bearer);
    assert.equal(runs.status, 200);
    const reasons = [];
    for (const r of runs.body.items) {
      const one = await api(srv, 'GET', `/api/v1/matching/runs/${r.id}`, undefined, sec.bearer);
      reasons.push(...one.body.proposals.map((p) => p.reasons.equity || ''));
    }
    assert.ok(reasons.some((x) => x.includes('所在网格上期服务不足')), JSON.stringify(reasons));
  });

  test('personal data is stored sealed: no ID number or phone in clear in the database', () => {
    const rows = sql({ db }, 'SELECT COUNT(*) FROM residents WHERE id_number_enc IS NULL');
    assert.equal(Number(rows[0][0]), 0);
    const keys = sql({ db }, 'SELECT (SELECT COUNT(*) FROM resident_id_keys), (SELECT COUNT(*) FROM residents)');
    assert.equal(keys[0][0], keys[0][1], 'every resident is found by the keyed hash of their ID number');
    const tags = sql({ db }, "SELECT COUNT(*) FROM resident_tags WHERE tag_key LIKE 'h:%'");
    assert.ok(Number(tags[0][0]) > 100, 'sensitive tags (低保, 残疾, ...) are blind-indexed');
  });

  test('the meetings\' signed minutes and the services\' files are in the media store, not the database', async () => {
    for (const table of ['topic_meeting_blobs', 'service_attachments']) {
      const rows = sql(srv, `SELECT sha256, length(data) FROM ${table}`);
      assert.ok(rows.length > 0, `the demo has ${table}`);
      for (const [sha, inDb] of rows) {
        assert.equal(inDb, '0', `${table} ${sha} keeps no bytes`);
        assert.ok(existsSync(join(srv.mediaDir, sha.slice(0, 2), sha.slice(2))), `${table} ${sha} is on disk`);
      }
    }
    // And the server serves them from there: a meeting's minutes.
    const sa = await session('system_admin');
    const [[topic, meeting, file]] = sql(srv, 'SELECT m.topic_id, m.id, a.id FROM topic_meeting_attachments a JOIN topic_meetings m ON m.id = a.meeting_id ORDER BY a.id LIMIT 1');
    const r = await srv.fetch(`/api/v1/topics/${topic}/meetings/${meeting}/attachments/${file}`, { headers: sa.bearer });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/pdf');
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(Buffer.from(await r.arrayBuffer()).subarray(0, 5).toString(), '%PDF-');
  });

  test('a database with streets is refused without --force, and nothing is written', async () => {
    const before = await status();
    const r = cli(['demo']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--force/);
    assert.deepEqual(await status(), before);
  });
});

describe('gongzhi gen', () => {
  test('houses exactly the residents asked for, through the same imports', async () => {
    const gdir = mkdtempSync(join(tmpdir(), 'gz-gen-'));
    const gdb = freshDatabase(gdir);
    const genv = { GONGZHI_KEY_FILE: join(gdir, 'gongzhi.key') };
    try {
      const r = run(['--db', gdb, 'gen', '--residents', '2500', '--seed', '7'], { env: genv });
      assert.equal(r.code, 0, r.stderr);
      assertNoSanitizerReport(r.stderr, 'gongzhi gen');
      assert.match(r.stdout, /完成/);
      const n = (q) => Number(sql({ db: gdb }, q)[0][0]);
      assert.equal(n('SELECT COUNT(*) FROM residents'), 2500);
      // The street is only as large as 2,500 residents need (full streets have 48 grids).
      const grids = n('SELECT COUNT(*) FROM grids');
      assert.ok(grids >= 4 && grids < 48, `grids ${grids}`);
      assert.ok(n('SELECT COUNT(*) FROM units') >= 2500 / 5);
      assert.equal(n('SELECT COUNT(*) FROM organisations'), 0);
      assert.equal(n("SELECT n FROM record_counts WHERE name = 'residents'"), 2500);
      // A database with streets: refused, unless --force, which adds the next street.
      const again = run(['--db', gdb, 'gen', '--residents', '10'], { env: genv });
      assert.equal(again.code, 1);
      assert.match(again.stderr, /--force/);
      const more = run(['--db', gdb, 'gen', '--residents', '300', '--force'], { env: genv });
      assert.equal(more.code, 0, more.stderr);
      assert.equal(n('SELECT COUNT(*) FROM residents'), 2800);
      assert.equal(n("SELECT COUNT(*) FROM streets WHERE code = '110105002'"), 1);
      // Cases for benchmarks, over the grids there.
      const cs = run(['--db', gdb, 'gen', '--cases', '500', '--seed', '3'], { env: genv });
      assert.equal(cs.code, 0, cs.stderr);
      assertNoSanitizerReport(cs.stderr, 'gongzhi gen --cases');
      assert.equal(n('SELECT COUNT(*) FROM cases'), 500);
      assert.equal(n("SELECT n FROM record_counts WHERE name = 'cases'"), 500);
      assert.equal(n('SELECT COUNT(*) FROM case_events'), 500);
      assert.ok(n("SELECT COUNT(DISTINCT state) FROM cases") >= 8);
      // Open steps past their deadline come marked, as the deadline job would leave them
      // (a server started on the data has no year of sweeps to catch up); none else.
      const nowMs = Date.now();
      assert.ok(n(`SELECT COUNT(*) FROM cases WHERE overdue = 1`) > 0);
      assert.equal(n(`SELECT COUNT(*) FROM cases WHERE step_due_at < ${nowMs} AND overdue = 0`), 0);
      assert.equal(n(`SELECT COUNT(*) FROM cases WHERE overdue = 1 AND (step_due_at IS NULL OR step_due_at > ${nowMs})`), 0);
      assert.equal(n('SELECT COUNT(*) FROM cases WHERE overdue = 1 AND ever_overdue = 0'), 0);
      for (const args of [['gen'], ['gen', '--residents', '0'], ['gen', '--residents', 'x'], ['gen', '--cases', '0'],
        ['demo', '--seed', '-1'], ['demo', '--bogus']]) {
        assert.equal(run(['--db', gdb, ...args], { env: genv }).code, 2, args.join(' '));
      }
    } finally {
      if (!process.env.GZ_KEEP_TMP) rmSync(gdir, { recursive: true, force: true });
    }
  });
});

describe('gongzhi demo: integrated services (issue 14)', () => {
  test('a year of applications and bookings, the rooms and the units\' venues, checkable certificates', async () => {
    const c = await status();
    assert.ok(c.service_applications >= 100, `applications ${c.service_applications}`);
    assert.ok(c.venues >= 12, `venues ${c.venues}`);
    assert.ok(c.venue_bookings >= 250, `bookings ${c.venue_bookings}`);
    assert.ok(c.service_certificates >= 25, `certificates ${c.service_certificates}`);
    const secretary = await session('community_admin');
    const staff = await session('community_staff');
    const q = await api(srv, 'GET', '/api/v1/service-applications?limit=200', undefined, staff.bearer);
    assert.equal(q.status, 200);
    assert.ok(q.body.items.length > 10);
    const states = new Set(q.body.items.map((a) => a.state));
    for (const s of ['issued', 'refused']) assert.ok(states.has(s), `${s} in ${[...states]}`);
    const days = q.body.items.map((a) => Date.parse(a.received_at));
    assert.ok(Math.max(...days) - Math.min(...days) > 200 * 86400000, 'spread over the year');
    const yearAgo = new Date(Date.now() - 366 * 86400000 + 8 * 3600000).toISOString().slice(0, 10);
    const rates = await api(srv, 'GET', `/api/v1/service-rates?from=${yearAgo}`, undefined, secretary.bearer);
    assert.equal(rates.status, 200);
    assert.ok(rates.body.offices.length >= 3);
    assert.ok(rates.body.total.decided > 0 && rates.body.total.on_time > 0);
    const venues = await api(srv, 'GET', '/api/v1/venues', undefined, (await session('resident')).bearer);
    assert.ok(venues.body.items.some((v) => v.kind === 'room'));
    assert.ok(venues.body.items.some((v) => v.kind === 'venue' && v.owner && v.agreement));
    const stats = await api(srv, 'GET', '/api/v1/venue-stats', undefined, secretary.bearer);
    assert.ok(stats.body.total.approved > 0 && stats.body.total.checked_in > 0);
    const [[code]] = sql({ db }, 'SELECT verify_code FROM service_certificates ORDER BY id LIMIT 1');
    const check = await api(srv, 'GET', `/api/v1/certificate-checks/${code}`);
    assert.equal(check.body.status, 'valid');
  });
});
