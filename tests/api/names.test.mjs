// Names, not codes (issue 9, "Names, not codes"), over the demo street: the places of
// accounts' grants are named in /me, /users and the login answer; GET /api/v1/places
// walks the space tree for the place picker (roots, children, search) inside the
// caller's scopes only; buildings carry their grid's and community's names; the audit
// log answers what a sentence needs — the actor's name, the object named (a person as
// the masking rule shows them), the fields and the scope's name — and filters by actor,
// action, object and date.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { api } from '../lib/server.mjs';
import { startDemo } from '../lib/demo.mjs';
import { assertErrorShape } from './util.mjs';
import { login } from './auth-util.mjs';

let d, srv;
const sessions = {};

before(async () => {
  d = await startDemo('gz-names-');
  srv = d.srv;
});

after(async () => {
  await d?.stop();
});

const account = (role) => d.account(role);
async function as(role) {
  if (!sessions[role]) sessions[role] = await login(srv, account(role).username, account(role).password);
  return sessions[role];
}
const get = async (role, path) => {
  const r = await api(srv, 'GET', path, undefined, (await as(role)).bearer);
  return r;
};
const ok = async (role, path) => {
  const r = await get(role, path);
  assert.equal(r.status, 200, `${role} ${path}: ${JSON.stringify(r.body)}`);
  return r.body;
};

const GRID = '110105001001001';
const COMMUNITY = '110105001001';
const STREET = '110105001';

describe('places of grants are named', () => {
  test('/me, the login answer and /users name every scope with the names above it', async () => {
    const me = await ok('resident', '/api/v1/me');
    const [g] = me.user.roles;
    assert.equal(g.scope, GRID);
    assert.equal(g.scope_name, '团结南社区第一网格');
    assert.equal(g.scope_path, '八里庄街道 / 团结南社区');
    const s = await as('community_admin');
    assert.equal(s.user.roles[0].scope_name, '团结南社区');
    assert.equal(s.user.roles[0].scope_path, '八里庄街道');
    const admin = await ok('system_admin', '/api/v1/me');
    assert.equal(admin.user.roles[0].scope_name, '全系统');

    const users = await ok('street_supervisor', '/api/v1/users?limit=200');
    assert.ok(users.items.length >= 10);
    for (const u of users.items)
      for (const r of u.roles) {
        assert.ok(r.scope_name, `${u.username} ${r.scope}: named`);
        assert.doesNotMatch(r.scope_name, /^\d+$/);
      }
    const one = await ok('street_supervisor', `/api/v1/users/${users.items[0].id}`);
    assert.ok(one.roles[0].scope_name);
  });
});

describe('GET /api/v1/places', () => {
  test('roots are the caller\'s own scopes, named', async () => {
    const sec = await ok('community_admin', '/api/v1/places');
    assert.deepEqual(sec.items.map((p) => [p.code, p.name, p.level, p.has_children]), [
      [COMMUNITY, '团结南社区', 'community', true],
    ]);
    const res = await ok('resident', '/api/v1/places');
    assert.deepEqual(res.items.map((p) => [p.code, p.name, p.level, p.has_children]), [
      [GRID, '团结南社区第一网格', 'grid', false],
    ]);
    const adm = await ok('system_admin', '/api/v1/places');
    assert.deepEqual(adm.items.map((p) => [p.code, p.name, p.level]), [['', '全系统', 'system']]);
  });

  test('children, level by level, inside the caller\'s scopes only', async () => {
    const streets = await ok('system_admin', '/api/v1/places?parent=');
    assert.deepEqual(streets.items.map((p) => [p.code, p.name, p.level, p.has_children]), [
      [STREET, '八里庄街道', 'street', true],
    ]);
    const comms = await ok('street_supervisor', `/api/v1/places?parent=${STREET}`);
    assert.equal(comms.items.length, 4);
    assert.ok(comms.items.every((p) => p.level === 'community' && p.path === '八里庄街道'));
    const grids = await ok('community_admin', `/api/v1/places?parent=${COMMUNITY}`);
    assert.ok(grids.items.length >= 2);
    assert.ok(grids.items.every((p) => p.level === 'grid' && p.code.startsWith(COMMUNITY) && !p.has_children));
    assert.equal(grids.items[0].path, '八里庄街道 / 团结南社区');
    // The secretary of one community sees none of the others' under the street.
    const fromStreet = await ok('community_admin', `/api/v1/places?parent=${STREET}`);
    assert.deepEqual(fromStreet.items.map((p) => p.code), [COMMUNITY]);
    // A resident sees nothing below or beside their grid.
    assert.deepEqual((await ok('resident', `/api/v1/places?parent=${COMMUNITY}`)).items.map((p) => p.code), [GRID]);
    assert.deepEqual((await ok('resident', `/api/v1/places?parent=${GRID}`)).items, []);
  });

  test('search by any part of a name, inside the scopes', async () => {
    const q = encodeURIComponent('第一网格');
    const all = await ok('street_supervisor', `/api/v1/places?q=${q}`);
    assert.equal(all.items.length, 4, 'one 第一网格 per community');
    const mine = await ok('community_admin', `/api/v1/places?q=${q}`);
    assert.deepEqual(mine.items.map((p) => p.code), [GRID]);
    const comm = await ok('street_supervisor', `/api/v1/places?q=${encodeURIComponent('团结南')}`);
    assert.equal(comm.items[0].code, COMMUNITY, 'the community first, then its grids (by code)');
    assert.ok(comm.items.length >= 3);
    // % and _ match themselves.
    assert.deepEqual((await ok('system_admin', '/api/v1/places?q=%25')).items, []);
  });

  test('one node by its code, only inside the caller\'s scopes', async () => {
    const one = await ok('community_admin', `/api/v1/places?code=${GRID}`);
    assert.deepEqual(one.items.map((p) => [p.code, p.name, p.path]), [[GRID, '团结南社区第一网格', '八里庄街道 / 团结南社区']]);
    const other = '110105001002001';
    assert.deepEqual((await ok('community_admin', `/api/v1/places?code=${other}`)).items, []);
    assert.equal((await ok('street_supervisor', `/api/v1/places?code=${other}`)).items.length, 1);
    assert.deepEqual((await ok('resident', `/api/v1/places?code=${COMMUNITY}`)).items, [], 'the community above the resident\'s grid');
  });

  test('bad input is a 400 that names the parameter', async () => {
    for (const [path, field] of [
      ['/api/v1/places?q=', 'q'],
      [`/api/v1/places?q=${'长'.repeat(33)}`, 'q'],
      ['/api/v1/places?parent=12345', 'parent'],
      ['/api/v1/places?code=1101050010', 'code'],
    ]) {
      const r = await get('system_admin', path);
      assert.equal(r.status, 400, path);
      assert.ok(r.body.error.fields[field], `${path}: ${JSON.stringify(r.body)}`);
    }
  });
});

describe('buildings', () => {
  test('each building carries its grid\'s and community\'s names and the full address', async () => {
    const b = await ok('community_admin', '/api/v1/buildings?limit=200');
    assert.ok(b.items.length > 4);
    for (const x of b.items) {
      assert.ok(x.grid_name && x.grid_name.includes('网格'), JSON.stringify(x));
      assert.equal(x.community_code, COMMUNITY);
      assert.equal(x.community_name, '团结南社区');
      assert.match(x.address, /^北京市/);
    }
  });
});

describe('audit log as sentences', () => {
  test('a reveal names the actor, the resident and the fields', async () => {
    const staff = await as('community_staff');
    const list = await ok('community_staff', `/api/v1/residents?grid=${GRID}&limit=1`);
    const rid = list.items[0].id;
    const reveal = await api(srv, 'GET', `/api/v1/residents/${rid}?reveal=phone,id_number`, undefined, staff.bearer);
    assert.equal(reveal.status, 200);
    const full = reveal.body.name;
    const rows = (await ok('community_admin', `/api/v1/audit?action=resident.reveal&record_type=resident&record_id=${rid}`)).items;
    assert.equal(rows.length, 1, JSON.stringify(rows));
    const a = rows[0];
    assert.deepEqual(a.actor, { id: staff.user.id, username: 'staff', name: account('community_staff').display_name });
    assert.equal(a.object.type, 'resident');
    assert.equal(a.object.id, rid);
    assert.equal(a.object.name, full, 'the secretary keeps the register: the name in full');
    assert.equal(a.object.masked, false);
    assert.deepEqual(a.fields, ['phone', 'id_number']);
    assert.equal(a.scope_name, '团结南社区第一网格');
    assert.equal(a.object_count, 1);
    for (const v of [reveal.body.phone, reveal.body.id_number].filter(Boolean))
      assert.ok(!JSON.stringify(a).includes(v), 'no phone or ID number in the row');

    // A list's reveal names its first residents and counts them all.
    const page = await api(srv, 'GET', `/api/v1/residents?grid=${GRID}&limit=5&reveal=phone`, undefined, staff.bearer);
    assert.equal(page.status, 200);
    const [lr] = (await ok('community_admin', '/api/v1/audit?action=resident.reveal&limit=1')).items;
    assert.equal(lr.object, null);
    assert.equal(lr.object_count, 5);
    assert.equal(lr.objects.length, 3);
    assert.deepEqual(lr.objects.map((o) => o.name), page.body.items.slice(0, 3).map((x) => x.name));
  });

  test('accounts, places and organisations are named; filters by actor, object and date', async () => {
    const rows = (await ok('street_supervisor', '/api/v1/audit?action=user.create&limit=200')).items;
    const u = rows.find((x) => x.object && x.object.detail === 'gridworker');
    assert.ok(u, JSON.stringify(rows.slice(0, 2)));
    assert.equal(u.object.name, account('grid_worker').display_name);
    const grid = (await ok('system_admin', '/api/v1/audit?action=grid.import&limit=1')).items[0];
    assert.equal(grid.scope_name, '八里庄街道');
    const org = (await ok('system_admin', '/api/v1/audit?action=org.create&limit=1')).items[0];
    assert.match(org.object.name, /\S/);
    assert.doesNotMatch(org.object.name, /^\d+$/);

    // Filters: the actor, the action, the object and a time window.
    const staff = await as('community_staff');
    const byActor = (await ok('community_admin', '/api/v1/audit?user=staff&limit=200')).items;
    assert.ok(byActor.length >= 2);
    assert.ok(byActor.every((x) => x.actor.username === 'staff' && x.actor.id === staff.user.id));
    const later = new Date(Date.now() + 3600e3).toISOString();
    assert.deepEqual((await ok('community_admin', `/api/v1/audit?user=staff&from=${later}`)).items, []);
    const bad = await get('community_admin', '/api/v1/audit?from=yesterday');
    assert.equal(bad.status, 400);
    assertErrorShape(bad.body, 'bad_query');
  });
});

describe('an account\'s work phone (posted to the residents it serves)', () => {
  test('set at creation, changed and removed with PATCH, audited; bad input changes nothing', async () => {
    const sec = await as('community_admin');
    const w = (method, path, body) => api(srv, method, path, body, sec.bearer);
    let r = await w('POST', '/api/v1/users', {
      username: 'wang.gw', display_name: '王网格', password: 'a long password',
      work_phone: '+86 139-1234-5678', grants: [{ role: 'grid_worker', scope: '110105001001002' }],
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.work_phone, '13912345678');
    const id = r.body.id;
    r = await w('PATCH', `/api/v1/users/${id}`, { work_phone: '01065012345', display_name: '王建国' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.work_phone, '010-65012345');
    assert.equal(r.body.display_name, '王建国');
    assert.equal(r.body.roles[0].scope_name, '团结南社区第二网格');
    for (const bad of ['12345', '1391234567x', '+1 555 0100', '0'.repeat(20)]) {
      r = await w('PATCH', `/api/v1/users/${id}`, { work_phone: bad });
      assert.equal(r.status, 422, bad);
      assert.ok(r.body.error.fields.work_phone, JSON.stringify(r.body));
    }
    r = await w('PATCH', `/api/v1/users/${id}`, {});
    assert.equal(r.status, 422);
    r = await w('PATCH', `/api/v1/users/${id}`, { work_phone: null });
    assert.equal(r.status, 200);
    assert.equal(r.body.work_phone, null);
    assert.equal(r.body.display_name, '王建国', 'unchanged');
    const rows = (await ok('community_admin', `/api/v1/audit?action=user.update&record_type=user&record_id=${id}`)).items;
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[1].fields, ['display_name', 'work_phone']);
    // Another community's account: not there.
    const street = await as('street_supervisor');
    const other = await api(srv, 'POST', '/api/v1/users', {
      username: 'zhou.gw', password: 'a long password', grants: [{ role: 'grid_worker', scope: '110105001002001' }],
    }, street.bearer);
    assert.equal(other.status, 201);
    r = await w('PATCH', `/api/v1/users/${other.body.id}`, { work_phone: '13900000000' });
    assert.equal(r.status, 404);
    // A resident cannot change accounts at all.
    r = await api(srv, 'PATCH', `/api/v1/users/${id}`, { work_phone: '13900000000' }, (await as('resident')).bearer);
    assert.ok([403, 404].includes(r.status), String(r.status));
  });
});
