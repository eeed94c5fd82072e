// Organisation scopes (issue 8): a department, a co-building unit or a volunteer team
// can be granted rights at "org:<id>/", which reaches records carrying that
// organisation's code across grids and nothing of the space tree.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { adminSession, makeUser, login, cliAddUser } from './auth-util.mjs';
import { assertErrorShape } from './util.mjs';

let srv;
let admin;
before(async () => {
  srv = await startServer();
  admin = await adminSession(srv);
});
after(async () => { await srv.stop(); });

test('an organisation scope is granted as org:<id> and stored as org:<id>/', async () => {
  const u = await makeUser(srv, admin, 'dept-a', [['department', 'org:5']]);
  assert.deepEqual(u.roles.map((g) => g.scope), ['org:5/']);
  const s = await login(srv, 'dept-a');
  const me = await api(srv, 'GET', '/api/v1/me', undefined, s.bearer);
  assert.equal(me.status, 200);
  assert.deepEqual(me.body.permissions.space.read, ['org:5/']);
  // Nothing of the space tree lies in an organisation's scope.
  const grids = await api(srv, 'GET', '/api/v1/grids', undefined, s.bearer);
  assert.equal(grids.status, 200);
  assert.deepEqual(grids.body.items, []);
  assert.equal((await api(srv, 'GET', '/api/v1/grids/110105001001001', undefined, s.bearer)).status, 404);
});

test('malformed organisation scopes are refused naming the field', async () => {
  for (const scope of ['org:', 'org:0', 'org:01', 'org:x', 'org:1//', 'org:-1']) {
    const r = await api(srv, 'POST', '/api/v1/users', {
      username: `bad-${scope.replace(/[^a-z0-9]/g, '')}-x`, password: 'long-enough-pw',
      grants: [{ role: 'department', scope }],
    }, admin.bearer);
    assert.equal(r.status, 422, `${scope}: ${JSON.stringify(r.body)}`);
    assertErrorShape(r.body);
    assert.ok(r.body.error.fields['grants[0].scope'], scope);
  }
});

test('an organisation scope lies outside every place: a street supervisor cannot grant it', async () => {
  cliAddUser(srv, 'street-boss', [['street_supervisor', '110105001']]);
  const s = await login(srv, 'street-boss');
  const r = await api(srv, 'POST', '/api/v1/users', {
    username: 'dept-b', password: 'long-enough-pw', grants: [{ role: 'department', scope: 'org:7' }],
  }, s.bearer);
  assert.ok(r.status === 403 || r.status === 404, JSON.stringify(r.body));
  assert.equal((await api(srv, 'GET', '/api/v1/users?limit=200', undefined, admin.bearer)).body.items
    .filter((u) => u.username === 'dept-b').length, 0);
});

test('the command line grants organisation scopes too', () => {
  cliAddUser(srv, 'team-lead', [['volunteer', 'org:12/']]);
});
