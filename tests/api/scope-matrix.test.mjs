// Role × scope matrix: every role, in scope and out of scope, reading and writing, gets
// the answer the policy table (docs/SECURITY.md) says — and no out-of-scope answer
// carries any field of the record.
//
// Covered: accounts (RES_ACCOUNT: /api/v1/users), the audit log (RES_AUDIT:
// /api/v1/audit) and the space tree (RES_SPACE: /api/v1/streets, communities, grids,
// locate, buildings, grid import).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { assertErrorShape, assertNoSanitizerReport } from './util.mjs';
import { adminSession, login, makeUser } from './auth-util.mjs';

const STREET = '110105001';
const C1 = '110105001001';
const GRID1 = C1 + '001';
const OUT_COMMUNITY = '110105002001'; // another street altogether
const OUT_GRID = OUT_COMMUNITY + '001';

// The expected policy, written out independently of the server: letters read / write /
// admin per resource (as in docs/SECURITY.md).
const POLICY = {
  resident: { space: 'r--', account: '---', audit: '---' },
  grid_worker: { space: 'rw-', account: '---', audit: '---' },
  party_member: { space: 'r--', account: '---', audit: '---' },
  volunteer: { space: 'r--', account: '---', audit: '---' },
  community_staff: { space: 'rw-', account: '---', audit: '---' },
  community_admin: { space: 'rw-', account: 'rwa', audit: 'r--' },
  unit_contact: { space: 'r--', account: '---', audit: '---' },
  property: { space: 'r--', account: '---', audit: '---' },
  department: { space: 'r--', account: '---', audit: '---' },
  street_supervisor: { space: 'rwa', account: 'rwa', audit: 'r--' },
  system_admin: { space: 'rwa', account: 'rwa', audit: 'r--' },
};
const ROLES = Object.keys(POLICY);
const can = (role, res, act) => POLICY[role][res]['rwa'.indexOf(act)] !== '-';

// Where each actor's grant sits: the street for street-level roles, else the community.
// system_admin is tested with a scoped grant too, so "out of scope" exists for it.
const actorScope = (role) => (role === 'street_supervisor' || role === 'system_admin' ? STREET : C1);

let srv, admin, targetIn, targetOut;
const actors = {};

before(async () => {
  srv = await startServer();
  admin = await adminSession(srv);
  targetIn = await makeUser(srv, admin, 'target-in', [['resident', GRID1]]);
  targetOut = await makeUser(srv, admin, 'target-out', [['resident', OUT_GRID]]);
  for (const role of ROLES) {
    const name = `actor-${role.replace(/_/g, '-')}`;
    await makeUser(srv, admin, name, [[role, actorScope(role)]], `${name}-password`);
    actors[role] = await login(srv, name, `${name}-password`);
  }
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

// Nothing of the out-of-scope record: its username, its scope, its id as a JSON value
// (for audit lists only as record_id: audit rows have ids of their own).
function assertNothingOf(record, res, what, { audit = false } = {}) {
  const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
  assert.ok(!text.includes(record.username), `${what}: response names ${record.username}: ${text}`);
  for (const g of record.roles) assert.ok(!text.includes(g.scope), `${what}: response has scope ${g.scope}: ${text}`);
  if (!audit) assert.ok(!text.includes(`"id":"${record.id}"`), `${what}: response has the record id`);
  assert.ok(!text.includes(`"record_id":"${record.id}"`), `${what}: response has the record id`);
  if (res.status >= 400) assert.ok(!text.includes('created_at'), `${what}: error response has record fields`);
}

function expectStatus(res, status, what) {
  assert.equal(res.status, status, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
  if (status >= 400) {
    assertErrorShape(res.body, status === 404 ? 'not_found' : status === 403 ? 'forbidden' : undefined, what);
  }
}

describe('accounts (RES_ACCOUNT)', () => {
  for (const role of ROLES) {
    test(`${role}: read in scope ${can(role, 'account', 'r') ? 'allowed' : '403'}, out of scope 404`, async () => {
      const s = actors[role];
      let r = await api(srv, 'GET', `/api/v1/users/${targetIn.id}`, undefined, s.bearer);
      if (can(role, 'account', 'r')) {
        expectStatus(r, 200, `${role} GET in-scope user`);
        assert.equal(r.body.username, 'target-in');
      } else {
        expectStatus(r, 403, `${role} GET in-scope user`);
        assertNothingOf(targetIn, r, `${role} GET in-scope user (403)`);
      }
      r = await api(srv, 'GET', `/api/v1/users/${targetOut.id}`, undefined, s.bearer);
      expectStatus(r, 404, `${role} GET out-of-scope user`);
      assertNothingOf(targetOut, r, `${role} GET out-of-scope user`);
      // Indistinguishable from an id that does not exist at all.
      const missing = await api(srv, 'GET', '/api/v1/users/987654321', undefined, s.bearer);
      assert.deepEqual(missing.body, r.body);

      r = await api(srv, 'GET', '/api/v1/users?limit=200', undefined, s.bearer);
      if (can(role, 'account', 'r')) {
        expectStatus(r, 200, `${role} list users`);
        const names = r.body.items.map((u) => u.username);
        assert.ok(names.includes('target-in'), `${role} list has target-in`);
        assertNothingOf(targetOut, r, `${role} list users`);
        for (const u of r.body.items) {
          assert.ok(u.roles.some((g) => g.scope.startsWith(actorScope(role))), `${role} list: ${u.username} is outside`);
        }
      } else {
        expectStatus(r, 403, `${role} list users`);
      }
    });

    test(`${role}: write in scope ${can(role, 'account', 'a') ? 'allowed' : '403'}, out of scope 404`, async () => {
      const s = actors[role];
      // Grant on an in-scope user, at an in-scope place.
      let r = await api(srv, 'POST', `/api/v1/users/${targetIn.id}/grants`, { role: 'volunteer', scope: C1 }, s.bearer);
      if (can(role, 'account', 'a')) {
        expectStatus(r, 201, `${role} grant in scope`);
        r = await api(srv, 'DELETE', `/api/v1/users/${targetIn.id}/grants`, { role: 'volunteer', scope: C1 }, s.bearer);
        expectStatus(r, 200, `${role} revoke in scope`);
      } else {
        expectStatus(r, 403, `${role} grant in scope`);
      }
      // Grant on an out-of-scope user.
      r = await api(srv, 'POST', `/api/v1/users/${targetOut.id}/grants`, { role: 'volunteer', scope: OUT_COMMUNITY }, s.bearer);
      expectStatus(r, 404, `${role} grant on out-of-scope user`);
      assertNothingOf(targetOut, r, `${role} grant on out-of-scope user`);
      r = await api(srv, 'DELETE', `/api/v1/users/${targetOut.id}`, undefined, s.bearer);
      expectStatus(r, 404, `${role} delete out-of-scope user`);
      assertNothingOf(targetOut, r, `${role} delete out-of-scope user`);
      // Create accounts in scope and out of scope.
      const uname = `made-by-${role.replace(/_/g, '-')}`;
      r = await api(srv, 'POST', '/api/v1/users', { username: uname, password: 'made-password', grants: [{ role: 'resident', scope: GRID1 }] }, s.bearer);
      expectStatus(r, can(role, 'account', 'a') ? 201 : 403, `${role} create in scope`);
      r = await api(srv, 'POST', '/api/v1/users', { username: uname + '-out', password: 'made-password', grants: [{ role: 'resident', scope: OUT_GRID }] }, s.bearer);
      expectStatus(r, 404, `${role} create out of scope`);
      // The out-of-scope account was not created.
      const check = await api(srv, 'GET', '/api/v1/users?limit=200', undefined, admin.bearer);
      assert.ok(!check.body.items.some((u) => u.username === uname + '-out'));
    });
  }

  test('nobody hands out more than they hold', async () => {
    const ca = actors.community_admin;
    let r = await api(srv, 'POST', `/api/v1/users/${targetIn.id}/grants`, { role: 'system_admin', scope: C1 }, ca.bearer);
    expectStatus(r, 403, 'community_admin grants system_admin in own community');
    r = await api(srv, 'POST', `/api/v1/users/${targetIn.id}/grants`, { role: 'street_supervisor', scope: C1 }, ca.bearer);
    expectStatus(r, 403, 'community_admin grants street_supervisor (grid import) in own community');
    r = await api(srv, 'POST', '/api/v1/users', { username: 'sneaky', password: 'sneaky-password', grants: [{ role: 'system_admin', scope: C1 }] }, ca.bearer);
    expectStatus(r, 403, 'community_admin creates a system_admin');
    r = await api(srv, 'POST', `/api/v1/users/${targetIn.id}/grants`, { role: 'resident', scope: STREET }, ca.bearer);
    expectStatus(r, 404, 'community_admin grants at the street above');
    r = await api(srv, 'POST', `/api/v1/users/${targetIn.id}/grants`, { role: 'community_admin', scope: C1 }, ca.bearer);
    expectStatus(r, 201, 'community_admin shares own role in own community');
    r = await api(srv, 'DELETE', `/api/v1/users/${targetIn.id}/grants`, { role: 'community_admin', scope: C1 }, ca.bearer);
    expectStatus(r, 200, 'and takes it back');
    const ss = actors.street_supervisor;
    r = await api(srv, 'POST', `/api/v1/users/${targetIn.id}/grants`, { role: 'system_admin', scope: STREET }, ss.bearer);
    expectStatus(r, 403, 'street_supervisor grants system_admin');
    // Nobody scoped below the whole system can grant at "".
    r = await api(srv, 'POST', `/api/v1/users/${targetIn.id}/grants`, { role: 'resident', scope: '' }, actors.system_admin.bearer);
    expectStatus(r, 404, 'street-scoped system_admin grants at ""');
    // An account reaching outside the caller's scope cannot be deleted by them.
    const wide = await makeUser(srv, admin, 'wide', [['resident', GRID1], ['resident', OUT_GRID]]);
    r = await api(srv, 'DELETE', `/api/v1/users/${wide.id}`, undefined, ca.bearer);
    expectStatus(r, 403, 'community_admin deletes an account with a grant elsewhere');
    r = await api(srv, 'GET', `/api/v1/users/${wide.id}`, undefined, admin.bearer);
    assert.equal(r.status, 200, 'still there');
    // A community admin cannot delete the street supervisor above them.
    const ssId = ss.user.id;
    r = await api(srv, 'DELETE', `/api/v1/users/${ssId}`, undefined, ca.bearer);
    expectStatus(r, 404, 'community_admin deletes the street supervisor');
  });
});

describe('audit log (RES_AUDIT)', () => {
  for (const role of ROLES) {
    test(`${role}: audit read in scope ${can(role, 'audit', 'r') ? 'allowed' : '403'}, out of scope never shown`, async () => {
      const s = actors[role];
      let r = await api(srv, 'GET', `/api/v1/audit?record_type=user&record_id=${targetIn.id}`, undefined, s.bearer);
      if (can(role, 'audit', 'r')) {
        expectStatus(r, 200, `${role} audit in scope`);
        assert.ok(r.body.items.some((a) => a.action === 'user.create'), `${role} sees the in-scope creation`);
      } else {
        expectStatus(r, 403, `${role} audit in scope`);
      }
      r = await api(srv, 'GET', `/api/v1/audit?record_type=user&record_id=${targetOut.id}`, undefined, s.bearer);
      if (can(role, 'audit', 'r')) {
        expectStatus(r, 200, `${role} audit out of scope`);
        assert.deepEqual(r.body.items, []);
      } else {
        expectStatus(r, 403, `${role} audit out of scope`);
      }
      assertNothingOf(targetOut, r, `${role} audit out of scope`, { audit: true });
      if (can(role, 'audit', 'r')) {
        r = await api(srv, 'GET', '/api/v1/audit?limit=200', undefined, s.bearer);
        for (const a of r.body.items) assert.ok(a.scope.startsWith(actorScope(role)), `${role} saw scope "${a.scope}"`);
        assertNothingOf(targetOut, r, `${role} whole audit list`, { audit: true });
      }
    });
  }
});

// ---------------------------------------------------------------------------------
// Space (RES_SPACE): streets, communities, grids, buildings. Setup as the system
// administrator: street STREET with community C1 and grid GRID1, and another street
// with OUT_COMMUNITY and OUT_GRID; one building in each grid.
// ---------------------------------------------------------------------------------
const OUT_STREET = OUT_COMMUNITY.slice(0, 9);
const square = (lng, lat, d = 0.01) => ({
  type: 'Polygon',
  coordinates: [[[lng, lat], [lng + d, lat], [lng + d, lat + d], [lng, lat + d], [lng, lat]]],
});
const gridFeature = (code, name, lng, lat) => ({ type: 'Feature', properties: { code, name }, geometry: square(lng, lat) });
const IN_GRID_F = gridFeature(GRID1, '一网格', 116.40, 39.90);
const OUT_GRID_F = gridFeature(OUT_GRID, '外街网格', 116.50, 39.90);
const IN_POINT = { lng: 116.405, lat: 39.905 };
const OUT_POINT = { lng: 116.505, lat: 39.905 };
const importBody = (...features) => ({ type: 'FeatureCollection', features });

// Nothing of the out-of-scope space records in a response. When the caller itself sent
// the codes (a grid import), an answer may name what it was sent, never what is stored.
function assertNoOutSpace(res, what, { echoed = false } = {}) {
  const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
  const stored = ['外街道', '外街社区', '外街楼', '外街网格'];
  for (const bad of echoed ? stored : [OUT_GRID, OUT_COMMUNITY, OUT_STREET, '116.50', ...stored]) {
    assert.ok(!text.includes(bad), `${what}: response contains ${bad}: ${text.slice(0, 400)}`);
  }
}

describe('space (RES_SPACE)', () => {
  before(async () => {
    for (const [path, body] of [
      ['/api/v1/streets', { code: STREET, name: '本街道' }],
      ['/api/v1/streets', { code: OUT_STREET, name: '外街道' }],
      ['/api/v1/communities', { code: C1, name: '本社区' }],
      ['/api/v1/communities', { code: OUT_COMMUNITY, name: '外街社区' }],
    ]) {
      const r = await api(srv, 'POST', path, body, admin.bearer);
      assert.equal(r.status, 201, `${path} ${JSON.stringify(r.body)}`);
    }
    const r = await api(srv, 'POST', '/api/v1/grids/import', importBody(IN_GRID_F, OUT_GRID_F), admin.bearer);
    assert.ok(r.status === 201 || r.status === 200, `import: ${r.status} ${JSON.stringify(r.body)}`);
    for (const [pt, name] of [[IN_POINT, '本楼'], [OUT_POINT, '外街楼']]) {
      const b = await api(srv, 'POST', '/api/v1/buildings', { name, address: `${name}地址`, ...pt }, admin.bearer);
      assert.equal(b.status, 201, JSON.stringify(b.body));
    }
  });

  async function outBuildings() {
    const r = await api(srv, 'GET', `/api/v1/buildings?grid=${OUT_GRID}&limit=200`, undefined, admin.bearer);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.items.length;
  }

  for (const role of ROLES) {
    const verdict = (act) => (can(role, 'space', act) ? 'allowed' : '403');
    test(`${role}: space read ${verdict('r')} / write ${verdict('w')} / admin ${verdict('a')} in scope; 404 out of scope`, async () => {
      const s = actors[role];
      // Read one record.
      let r = await api(srv, 'GET', `/api/v1/grids/${GRID1}`, undefined, s.bearer);
      expectStatus(r, can(role, 'space', 'r') ? 200 : 403, `${role} GET in-scope grid`);
      r = await api(srv, 'GET', `/api/v1/grids/${OUT_GRID}`, undefined, s.bearer);
      expectStatus(r, 404, `${role} GET out-of-scope grid`);
      assertNoOutSpace(r, `${role} GET out-of-scope grid`);
      r = await api(srv, 'GET', `/api/v1/locate?lat=${OUT_POINT.lat}&lng=${OUT_POINT.lng}`, undefined, s.bearer);
      expectStatus(r, 404, `${role} locate out of scope`);
      assertNoOutSpace(r, `${role} locate out of scope`);
      // Lists hold only what lies inside the actor's scope.
      for (const path of ['/api/v1/streets', '/api/v1/communities', '/api/v1/grids', '/api/v1/buildings', '/api/v1/grids.geojson']) {
        r = await api(srv, 'GET', path, undefined, s.bearer);
        if (!can(role, 'space', 'r')) {
          expectStatus(r, 403, `${role} ${path}`);
          continue;
        }
        expectStatus(r, 200, `${role} ${path}`);
        assertNoOutSpace(r, `${role} ${path}`);
      }
      r = await api(srv, 'GET', '/api/v1/grids', undefined, s.bearer);
      assert.ok(r.body.items.some((g) => g.code === GRID1), `${role} lists GRID1`);

      // Write: a building in scope and one out of scope.
      const before = await outBuildings();
      r = await api(srv, 'POST', '/api/v1/buildings', { name: `${role}楼`, address: 'x', ...IN_POINT }, s.bearer);
      expectStatus(r, can(role, 'space', 'w') ? 201 : 403, `${role} building in scope`);
      r = await api(srv, 'POST', '/api/v1/buildings', { name: `${role}外楼`, address: 'x', ...OUT_POINT }, s.bearer);
      expectStatus(r, 404, `${role} building out of scope`);
      assertNoOutSpace(r, `${role} building out of scope`);
      assert.equal(await outBuildings(), before, `${role}: nothing written out of scope`);

      // Admin: grid import in scope (re-import GRID1 unchanged) and out of scope.
      r = await api(srv, 'POST', '/api/v1/grids/import', importBody(IN_GRID_F), s.bearer);
      if (can(role, 'space', 'a')) {
        assert.ok(r.status === 200 || r.status === 201, `${role} import in scope: ${r.status} ${JSON.stringify(r.body)}`);
      } else {
        expectStatus(r, 403, `${role} import in scope`);
      }
      r = await api(srv, 'POST', '/api/v1/grids/import', importBody(OUT_GRID_F), s.bearer);
      expectStatus(r, 404, `${role} import out of scope`);
      assertNoOutSpace(r, `${role} import out of scope`, { echoed: true });
    });
  }
});
