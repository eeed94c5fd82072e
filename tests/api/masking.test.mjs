// One masking rule (issue 9, "One masking rule"; docs/SECURITY.md, "Masking" and "Staff
// serving a resident"), over the demo street: a resident's account crawls every GET
// route of the API it may call — each list from its first page to its last, each
// record a list or the network names — and no answer holds another resident's full
// name; only the staff serving that resident (their grid workers, their community's
// staff, the secretaries of the Party organisations of their grid and community) are
// named in full, with their work phones, in /me/serving and in the organisations'
// members. The same person is masked the same way on every page: the 组织网络 member
// and the 党员名册 row of one person agree.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { api } from '../lib/server.mjs';
import { startDemo } from '../lib/demo.mjs';
import { login, sql } from './auth-util.mjs';

let d, srv, me, resident;

before(async () => {
  d = await startDemo('gz-masking-');
  srv = d.srv;
  const a = d.account('resident');
  me = await login(srv, a.username, a.password);
  const r = await api(srv, 'GET', '/api/v1/me/resident', undefined, me.bearer);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  resident = r.body;
});

after(async () => {
  await d?.stop();
});

const GRID = '110105001001001';
const COMMUNITY = GRID.slice(0, 12);

// Every string in a JSON value, with its path.
function* strings(v, path = '') {
  if (typeof v === 'string') yield [path, v];
  else if (Array.isArray(v)) for (const [i, x] of v.entries()) yield* strings(x, `${path}[${i}]`);
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) yield* strings(x, `${path}.${k}`);
}

// The people who serve the demo resident (docs/SECURITY.md): accounts holding grid
// worker, community staff or community secretary at the resident's grid or community,
// and the 书记/副书记 of the grid's Party branch and the community's Party committee.
function servingNames() {
  const accounts = sql(srv, `SELECT u.display_name FROM grants g JOIN users u ON u.id = g.user_id
    WHERE g.role IN ('grid_worker', 'community_staff', 'community_admin') AND g.scope IN ('${GRID}', '${COMMUNITY}')`);
  const members = sql(srv, `SELECT m.name FROM org_members m JOIN organisations o ON o.id = m.org_id
    WHERE m.position IN ('书记', '副书记') AND ((o.type = 'grid_party_branch' AND o.space_code = '${GRID}')
      OR (o.type = 'community_party_committee' AND o.space_code = '${COMMUNITY}'))`);
  return new Set([...accounts, ...members].map((r) => r[0]));
}

// Every GET route of the API (the OpenAPI document is held to the router by a test).
async function getRoutes() {
  const r = await api(srv, 'GET', '/api/v1/openapi.json');
  return Object.entries(r.body.paths)
    // An event stream never ends; what it carries is the inbox's (notify.test.mjs).
    .filter(([, ops]) => ops.get && !ops.get.responses?.['200']?.content?.['text/event-stream'])
    .map(([p]) => p)
    .filter((p) => p.startsWith('/api/v1/') && !p.endsWith('.xlsx') && p !== '/api/v1/openapi.json');
}

// Walks every GET route as session s: each route without a parameter (plain, and with
// the home as node/grid/community/parent), each list to its last page, then every record
// an answer names through the routes with a parameter. Returns the strings holding one
// of the names (exactly, or inside a longer text for names of 3 or more characters).
async function crawl(s, names) {
  const long = [...names].filter((n) => [...n].length >= 3);
  const seen = new Map(); // url -> answer
  const leaks = [];
  const check = (path, body) => {
    for (const [where, v] of strings(body)) {
      if (names.has(v)) leaks.push(`${path} ${where}: ${v}`);
      else if (v.length >= 3 && v.length <= 40) {
        const hit = long.find((n) => v.includes(n));
        if (hit) leaks.push(`${path} ${where}: ${v} (${hit})`);
      }
    }
  };
  const fetchAll = async (path) => {
    let cursor = null;
    for (let page = 0; page < 500; page++) {
      const sep = path.includes('?') ? '&' : '?';
      const url = path + (cursor ? `${sep}limit=200&cursor=${encodeURIComponent(cursor)}` : `${sep}limit=200`);
      const r = await api(srv, 'GET', url, undefined, s.bearer);
      seen.set(url, r);
      if (r.status === 200 && r.body && typeof r.body === 'object') check(url, r.body);
      cursor = r.status === 200 && r.body ? r.body.next_cursor : null;
      if (!cursor) return;
    }
  };
  const routes = await getRoutes();
  for (const p of routes.filter((x) => !x.includes('{'))) {
    await fetchAll(p);
    for (const q of [`node=${GRID}`, `grid=${GRID}`, `community=${COMMUNITY}`, `parent=${COMMUNITY}`]) await fetchAll(`${p}?${q}`);
  }
  // Every record named by an answer, through the routes with a parameter.
  const ids = new Map(); // resource prefix -> Set(ids)
  const add = (base, id) => (ids.get(base) ?? ids.set(base, new Set()).get(base)).add(id);
  for (const [url, r] of seen) {
    if (r.status !== 200) continue;
    const base = url.split('?')[0];
    for (const [where, v] of strings(r.body)) {
      const key = where.split('.').pop();
      if (key === 'id' || key === 'code') add(base, v);
      if (key === 'id' && /^o\d+$/.test(v)) add('/api/v1/organisations', v.slice(1)); // network nodes
    }
  }
  let records = 0;
  for (const p of routes.filter((x) => x.includes('{'))) {
    const base = p.slice(0, p.indexOf('/{'));
    for (const id of ids.get(base) ?? []) {
      await fetchAll(p.replace(/\{[^}]+\}/, encodeURIComponent(id)));
      records++;
    }
  }
  const answered = [...seen.values()].filter((r) => r.status === 200).length;
  return { leaks, records, answered };
}

// Every person's full name the database holds.
function everyone() {
  return new Set(
    [
      ...sql(srv, 'SELECT name FROM residents'),
      ...sql(srv, 'SELECT name FROM org_members'),
      ...sql(srv, 'SELECT name FROM party_members'),
    ].map((r) => r[0]),
  );
}

describe('a resident\'s answers', () => {
  test('name no other resident in full, however the API is walked', async () => {
    const serving = servingNames();
    assert.ok(serving.size >= 2, `serving staff: ${[...serving]}`);
    const names = everyone();
    for (const n of [resident.name, ...serving]) names.delete(n);
    assert.ok(names.size > 1000, `${names.size} names to look for`);
    const { leaks, records, answered } = await crawl(me, names);
    assert.ok(records >= 5, `records read: ${records}`);
    assert.ok(answered >= 10, `${answered} answers`);
    assert.deepEqual(leaks.slice(0, 20), [], `${leaks.length} full names of other residents`);
  });

  test('the same walk finds the names where they are shown (a grid worker keeps the register)', async () => {
    const gw = d.account('grid_worker');
    const s = await login(srv, gw.username, gw.password);
    const { leaks } = await crawl(s, everyone());
    assert.ok(leaks.length > 100, `${leaks.length} names found`);
    assert.ok(leaks.some((l) => l.startsWith('/api/v1/residents')));
  });

  test('the staff serving the resident are named in full, with work phones', async () => {
    const r = await api(srv, 'GET', '/api/v1/me/serving', undefined, me.bearer);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const serving = servingNames();
    const names = r.body.items.map((x) => x.name);
    for (const n of serving) assert.ok(names.includes(n), `${n} in ${JSON.stringify(r.body)}`);
    const roles = new Set(r.body.items.map((x) => x.kind));
    assert.ok(roles.has('grid_worker') && roles.has('community_staff') && roles.has('party_secretary'), JSON.stringify([...roles]));
    for (const x of r.body.items) {
      assert.equal(x.name_masked, false);
      if (x.work_phone) assert.match(x.work_phone, /^(1\d{10}|0\d{2,3}-\d{7,8})$/, JSON.stringify(x));
    }
    assert.ok(r.body.items.some((x) => x.kind === 'grid_worker' && x.work_phone), 'the grid worker has a work phone');
    assert.equal(r.body.grid.code, GRID);
    assert.equal(r.body.grid.name, '团结南社区第一网格');

    // Anyone else (a grid worker) has no one serving them as a resident.
    const gw = d.account('grid_worker');
    const s = await login(srv, gw.username, gw.password);
    const w = await api(srv, 'GET', '/api/v1/me/serving', undefined, s.bearer);
    assert.equal(w.status, 200);
    assert.deepEqual(w.body.items, []);
  });

  test('one person is masked alike in 组织网络 and 党员名册, and the branch secretary is named in full', async () => {
    const tree = await api(srv, 'GET', `/api/v1/organisations/tree?node=${GRID}`, undefined, me.bearer);
    assert.equal(tree.status, 200);
    const flat = (ns) => ns.flatMap((n) => [n, ...flat(n.children || [])]);
    const orgs = flat(tree.body.tree);
    const party = await api(srv, 'GET', '/api/v1/party-members?limit=200', undefined, me.bearer);
    const byResident = new Map(party.body.items.filter((p) => p.resident_id).map((p) => [p.resident_id, p]));
    const serving = servingNames();
    let compared = 0;
    for (const o of orgs) {
      const r = await api(srv, 'GET', `/api/v1/organisations/${o.id}`, undefined, me.bearer);
      assert.equal(r.status, 200);
      for (const m of r.body.members) {
        const secretary = serving.has(m.name);
        if (['书记', '副书记'].includes(m.position) && ['grid_party_branch', 'community_party_committee'].includes(o.type)) {
          assert.equal(m.name_masked, false, `${o.label} ${m.position}: named in full`);
          assert.match(m.phone, /^1\d{10}$/, 'with the phone the board posts');
          assert.ok(secretary);
        } else {
          assert.equal(m.name_masked, true, `${o.label} ${m.position} ${m.name}`);
          assert.match(m.phone || '1**', /\*/);
        }
        const p = m.resident_id && byResident.get(m.resident_id);
        if (p) {
          assert.equal(p.name, m.name, `resident ${m.resident_id}: the same name on both pages`);
          assert.equal(p.name_masked, m.name_masked);
          compared++;
        }
      }
    }
    assert.ok(compared >= 2, `people compared across pages: ${compared}`);
  });
});
