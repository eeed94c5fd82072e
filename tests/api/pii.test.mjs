// Personal data never leaks: (a) every GET route of the API (from `gongzhi routes`, {id}
// filled with real ids) as every role — and as users out of scope — answers without a
// full phone number (1[3-9]\d{9}) or ID number (\d{17}[\dXx]) anywhere, unless the role
// holds reveal rights and asked with ?reveal= (the caller's own record at /me/resident
// is theirs to see, when they ask with ?reveal=); xlsx answers are unzipped and read too. (b) The database holds none
// of the imported phones or ID numbers in plaintext: the SQLite file and its WAL are
// read byte by byte; on PostgreSQL, pg_dump of the test database is searched.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { startServer, api, cli } from '../lib/server.mjs';
import { assertNoSanitizerReport, FULL_PHONE as PHONE1, FULL_ID as ID1 } from './util.mjs';

const FULL_PHONE = new RegExp(PHONE1.source, 'g');
const FULL_ID = new RegExp(ID1.source, 'g');
import { makeUser, login, dumpDatabase } from './auth-util.mjs';
import { readXlsx } from './xlsx-util.mjs';
import { G1, G2, ROLES, may, idNumber, csv, peopleWorld, postFile } from './people-util.mjs';

// Values that are random by design and may hold long digit runs: session and CSRF
// tokens, request ids.
const SKIP_KEYS = new Set(['token', 'csrf_token', 'request_id']);

let srv, w, self, reportUrl;
const people = []; // {phone, id_number}
const REVEAL = 'reveal=phone,id_number,birth_date,tags';

// Every string and number of a JSON value, except under SKIP_KEYS.
function strings(v, out = [], key = '') {
  if (SKIP_KEYS.has(key)) return out;
  if (typeof v === 'string' || typeof v === 'number') out.push(String(v));
  else if (Array.isArray(v)) v.forEach((x) => strings(x, out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) strings(x, out, k);
  return out;
}

// Full numbers found in an answer: [matches].
async function fullNumbers(res) {
  const type = res.headers.get('content-type') || '';
  const buf = Buffer.from(await res.arrayBuffer());
  let texts;
  if (type.includes('spreadsheetml')) texts = readXlsx(buf).flat();
  else if (type.includes('json')) {
    try { texts = strings(JSON.parse(buf.toString('utf8'))); } catch { texts = [buf.toString('utf8')]; }
  } else texts = [buf.toString('utf8')];
  const found = [];
  for (const t of texts) found.push(...(t.match(FULL_PHONE) || []), ...(t.match(FULL_ID) || []));
  return found;
}

before(async () => {
  srv = await startServer();
  w = await peopleWorld(srv, { tag: 'pii' });
  // Residents by import (G1, G2), tags, units with owners, a household, a linked account.
  const rows = [['姓名', '手机号', '身份证号', '网格编码', '与户主关系', '标签']];
  for (let i = 0; i < 12; i++) {
    const p = { phone: `1${3 + (i % 7)}9${String(7000000 + i * 7919).padStart(8, '0')}`.slice(0, 11), id_number: idNumber(`19${50 + i}0${1 + (i % 9)}1${i % 10}`, 100 + i) };
    people.push(p);
    rows.push([`测试${i}`, p.phone, p.id_number, i < 8 ? G1 : G2, i % 4 === 0 ? '户主' : '其他', i % 2 ? '低保、独居老人' : '残疾']);
  }
  let r = await postFile(srv, '/api/v1/residents/import', csv(rows), w.as.street_supervisor);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const owner = people[0];
  r = await api(srv, 'POST', '/api/v1/units', { building_id: w.building.id, number: '8-808', area_m2: '88.80', owners: [{ name: '测试0', id_number: owner.id_number }, { name: '外人', id_number: idNumber('19660606', 606) }] }, w.as.community_staff.bearer);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  people.push({ phone: null, id_number: idNumber('19660606', 606) });
  const unit = r.body.id;
  r = await api(srv, 'POST', '/api/v1/households', { unit_id: unit, address: '8-808' }, w.as.grid_worker.bearer);
  assert.equal(r.status, 201);
  const hh = r.body.id;
  const first = await api(srv, 'GET', `/api/v1/residents?id_number=${people[0].id_number}`, undefined, w.as.grid_worker.bearer);
  const rid = first.body.items[0].id;
  r = await api(srv, 'PATCH', `/api/v1/residents/${rid}`, { household_id: hh, user_id: w.as.resident.user.id }, w.as.grid_worker.bearer);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  self = people[0];
  // A failed import leaves a downloadable report.
  r = await postFile(srv, '/api/v1/residents/import', csv([rows[0], ['坏', '1380000abcd', idNumber('19700101', 1), G1, '', '']]), w.admin);
  assert.equal(r.status, 422);
  reportUrl = r.body.report_url;
  // A resident created one by one, with a landline.
  r = await api(srv, 'POST', '/api/v1/residents', { name: '座机', grid_code: G2, phone: '010-65529988', id_number: idNumber('19880808', 808) }, w.gw2.bearer);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  people.push({ phone: '010-65529988', id_number: idNumber('19880808', 808) });
  // One user per role is already there; add one more out-of-scope reader.
  await makeUser(srv, w.admin, 'pii-street2', [['street_supervisor', '110101002']], 'pii-street2-password');
  w.as.street2 = await login(srv, 'pii-street2', 'pii-street2-password');
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

// GET routes with their {params} filled from the lists the administrator sees.
async function routes() {
  const out = cli(['routes']);
  assert.equal(out.code, 0);
  // An event stream never ends; what it carries is the inbox's (notify.test.mjs).
  const pats = out.stdout.split('\n').filter((l) => l.startsWith('GET /api/')).map((l) => l.slice(4))
    .filter((p) => p !== '/api/v1/events/stream');
  const filled = [];
  for (const p of pats) {
    if (!p.includes('{')) {
      filled.push(p === '/api/v1/locate' ? `${p}?lat=39.9002&lng=116.4002` : p);
      continue;
    }
    if (p === '/api/v1/imports/{id}/report.xlsx') {
      filled.push(reportUrl);
      continue;
    }
    const base = p.slice(0, p.indexOf('/{'));
    const l = await api(srv, 'GET', `${base}?limit=200`, undefined, w.admin.bearer);
    const items = l.body?.items ?? [];
    // Prefer an item of the people data (a resident, unit, household in G1).
    const item = items.find((x) => x.grid_code === G1) ?? items[0];
    const value = item ? (item.id ?? item.code) : '1';
    filled.push(p.replace(/\{[^}]+\}/g, encodeURIComponent(value)));
  }
  return filled;
}

const isPeople = (path) => /^\/api\/v1\/(residents|households|units|me\/resident)/.test(path);

test('no GET route shows a full phone or ID number without reveal rights and a request', async () => {
  const paths = await routes();
  assert.ok(paths.length >= 20, `routes: ${paths.join(' ')}`);
  assert.ok(paths.some((p) => p.startsWith('/api/v1/residents/')) && paths.includes('/api/v1/residents/export.xlsx'));
  const actors = { ...w.as, gw2: w.gw2, ca2: w.ca2 };
  let checked = 0;
  for (const [who, s] of Object.entries(actors)) {
    const role = ROLES.includes(who) ? who : who === 'gw2' ? 'grid_worker' : who === 'ca2' ? 'community_admin' : 'street_supervisor';
    for (const path of paths) {
      const sep = path.includes('?') ? '&' : '?';
      for (const reveal of [false, true]) {
        const url = reveal ? `${path}${sep}${REVEAL}` : path;
        const res = await srv.fetch(url, { headers: s.bearer });
        const found = await fullNumbers(res);
        checked++;
        if (!found.length) continue;
        // The only answers allowed to hold full numbers: the caller's own record asked
        // with ?reveal=, and people routes asked with ?reveal= by a role that holds reveal.
        if (path === '/api/v1/me/resident') {
          assert.ok(reveal, `${who} ${url}: own record in full without asking: ${found}`);
          assert.deepEqual(found.sort(), [self.phone, self.id_number].sort(), `${who} ${url}: ${found}`);
          continue;
        }
        assert.ok(reveal && may(role, 'v') && isPeople(path) && res.status === 200,
          `${who} (${role}) GET ${url} -> ${res.status} shows ${found.join(', ')}`);
      }
    }
  }
  assert.ok(checked > 500, `checked ${checked} answers`);
});

test('positive control: a role with reveal rights that asks does get full numbers', async () => {
  for (const role of ROLES.filter((r) => may(r, 'v'))) {
    const res = await srv.fetch(`/api/v1/residents?limit=200&${REVEAL}`, { headers: w.as[role].bearer });
    assert.equal(res.status, 200);
    const found = await fullNumbers(res);
    assert.ok(found.includes(people[1].phone) && found.includes(people[1].id_number), `${role}: ${found}`);
  }
  const res = await srv.fetch(`/api/v1/residents?limit=200&${REVEAL}`, { headers: w.gw2.bearer });
  const found = await fullNumbers(res);
  assert.ok(!found.includes(people[1].phone), 'G2 grid worker sees nothing of G1 even asking');
});

test('the database holds no phone or ID number in plaintext', async () => {
  // A checkpoint has not necessarily run: the WAL is read as well as the main file.
  const needles = people.flatMap((p) => [p.phone, p.id_number]).filter(Boolean);
  assert.ok(needles.length >= 26);
  let haystacks;
  if (srv.db.startsWith('sqlite:')) {
    const file = srv.db.slice(7);
    haystacks = [file, `${file}-wal`, `${file}-shm`].filter(existsSync).map((f) => [f, readFileSync(f)]);
    assert.ok(haystacks.length >= 1);
  } else {
    haystacks = [['pg_dump', Buffer.from(dumpDatabase(srv), 'utf8')]];
  }
  for (const [name, bytes] of haystacks) {
    for (const n of needles) {
      assert.equal(bytes.indexOf(Buffer.from(n)), -1, `${n} in plaintext in ${name}`);
      // Nor the digits of a landline without its hyphen, nor a lower-case x.
      assert.equal(bytes.indexOf(Buffer.from(n.replace('-', ''))), -1, `${n} digits in ${name}`);
    }
  }
  // Control: the names are there in clear (so the search does look at the data).
  const all = Buffer.concat(haystacks.map((h) => h[1]));
  assert.notEqual(all.indexOf(Buffer.from('测试1')), -1);
});
