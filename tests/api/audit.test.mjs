// The audit log: every login, logout and account change is recorded with who, what,
// which record, when, from where and the request id; GET /api/v1/audit filters by
// scope, by field and by time, and pages newest first.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { assertErrorShape, assertRfc3339Utc, assertNoSanitizerReport } from './util.mjs';
import { adminSession, cliAddUser, cliUser, login, makeUser } from './auth-util.mjs';

const STREET = '110105001';
const C1 = '110105001001';
const C2 = '110105001002';
const C_OTHER_STREET = '110105002001';

let srv, admin;
before(async () => {
  srv = await startServer();
  admin = await adminSession(srv);
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

// Every audit row visible to session s matching query (walks all pages).
async function auditAll(s, query = '', limit = 200) {
  const rows = [];
  let cursor = null;
  for (let i = 0; i < 1000; i++) {
    const q = `/api/v1/audit?limit=${limit}${query ? '&' + query : ''}${cursor ? '&cursor=' + encodeURIComponent(cursor) : ''}`;
    const r = await api(srv, 'GET', q, undefined, s.bearer);
    assert.equal(r.status, 200, `${q}: ${JSON.stringify(r.body)}`);
    rows.push(...r.body.items);
    cursor = r.body.next_cursor;
    if (cursor === null) return rows;
  }
  throw new Error('audit pagination did not end');
}

async function byRequest(requestId) {
  return (await auditAll(admin)).filter((a) => a.request_id === requestId);
}

describe('what is recorded', () => {
  test('login records the user, address and request id', async () => {
    const r = await api(srv, 'POST', '/api/v1/session', { username: 'admin', password: 'correct horse 电池' });
    assert.equal(r.status, 201);
    const rid = r.headers.get('x-request-id');
    const rows = await byRequest(rid);
    assert.equal(rows.length, 1, JSON.stringify(rows));
    const a = rows[0];
    assert.equal(a.action, 'session.login');
    assert.equal(a.user_id, admin.user.id);
    assert.equal(a.username, 'admin');
    assert.equal(a.record_type, 'user');
    assert.equal(a.record_id, admin.user.id);
    assert.equal(a.ip, '127.0.0.1');
    assert.equal(a.request_id, rid);
    assertRfc3339Utc(a.at, 'at');
    assert.ok(Math.abs(Date.parse(a.at) - Date.now()) < 60000);
    assert.equal(typeof a.id, 'string');
  });

  test('a failed login is recorded with the name tried and no user id', async () => {
    const r = await api(srv, 'POST', '/api/v1/session', { username: 'Mallory', password: 'guessing-1' });
    assert.equal(r.status, 401);
    const rows = await byRequest(r.headers.get('x-request-id'));
    assert.equal(rows.length, 1);
    assert.equal(rows[0].action, 'session.login_failed');
    assert.equal(rows[0].username, 'mallory');
    assert.equal(rows[0].user_id, null);
    assert.doesNotMatch(JSON.stringify(rows[0]), /guessing-1/, 'the password tried is never recorded');
  });

  test('user create, grant, revoke, delete and logout are recorded by the request that did them', async () => {
    const s = await login(srv, 'admin');
    const create = await api(srv, 'POST', '/api/v1/users', {
      username: 'audited', display_name: '张三', password: 'audited-pw',
      grants: [{ role: 'grid_worker', scope: C1 + '001' }, { role: 'resident', scope: C1 + '002' }],
    }, s.bearer);
    assert.equal(create.status, 201);
    const id = create.body.id;
    const steps = [
      [create, 'user.create', C1],
      [await api(srv, 'POST', `/api/v1/users/${id}/grants`, { role: 'volunteer', scope: C1 }, s.bearer), 'user.grant', C1],
      [await api(srv, 'DELETE', `/api/v1/users/${id}/grants`, { role: 'resident', scope: C1 + '002' }, s.bearer), 'user.revoke', C1 + '002'],
      [await api(srv, 'DELETE', `/api/v1/users/${id}`, undefined, s.bearer), 'user.delete', C1],
    ];
    for (const [res, action, scope] of steps) {
      assert.ok(res.status < 300, `${action}: ${res.status} ${JSON.stringify(res.body)}`);
      const rows = await byRequest(res.headers.get('x-request-id'));
      assert.equal(rows.length, 1, `${action}: one row per change`);
      const a = rows[0];
      assert.equal(a.action, action);
      assert.equal(a.record_type, 'user');
      assert.equal(a.record_id, id);
      assert.equal(a.scope, scope, `${action} scope`);
      assert.equal(a.user_id, s.user.id);
      assert.equal(a.username, 'admin');
      assert.equal(a.ip, '127.0.0.1');
      assert.equal(typeof a.detail, 'object');
      assert.equal(a.detail.username, 'audited');
    }
    const out = await api(srv, 'DELETE', '/api/v1/session', undefined, s.bearer);
    assert.equal(out.status, 204);
    const rows = await byRequest(out.headers.get('x-request-id'));
    assert.equal(rows.length, 1);
    assert.equal(rows[0].action, 'session.logout');
    assert.equal(rows[0].user_id, s.user.id);
  });

  test('refused or failed changes leave no audit row', async () => {
    const dup = await api(srv, 'POST', '/api/v1/users', { username: 'admin', password: 'long-enough', grants: [{ role: 'resident', scope: C1 }] }, admin.bearer);
    assert.equal(dup.status, 409);
    const bad = await api(srv, 'POST', '/api/v1/users', { username: 'x', password: 'short', grants: [] }, admin.bearer);
    assert.equal(bad.status, 422);
    const csrf = await api(srv, 'POST', '/api/v1/users', { username: 'via-cookie', password: 'long-enough', grants: [{ role: 'resident', scope: C1 }] }, admin.cookieHeaders);
    assert.equal(csrf.status, 403);
    for (const r of [dup, bad, csrf]) {
      assert.deepEqual(await byRequest(r.headers.get('x-request-id')), []);
    }
  });

  test('CLI changes are recorded as user "cli" with no user id', async () => {
    cliAddUser(srv, 'by-cli', [['resident', C2]]);
    assert.equal(cliUser(srv, ['grant', 'by-cli', '--role', 'volunteer', '--scope', C2]).code, 0);
    const rows = (await auditAll(admin, 'user=cli')).filter((a) => a.detail?.username === 'by-cli');
    assert.deepEqual(rows.map((a) => a.action).sort(), ['user.create', 'user.grant']);
    for (const a of rows) {
      assert.equal(a.user_id, null);
      assert.equal(a.username, 'cli');
      assert.equal(a.scope, C2);
      assert.match(a.request_id, /^cli-\d+$/);
    }
  });
});

describe('who may read it', () => {
  let ca1, ca2, street, staff;
  before(async () => {
    await makeUser(srv, admin, 'ca1', [['community_admin', C1]], 'ca1-password');
    await makeUser(srv, admin, 'ca2', [['community_admin', C2]], 'ca2-password');
    await makeUser(srv, admin, 'street1', [['street_supervisor', STREET]], 'street1-password');
    await makeUser(srv, admin, 'staff1', [['community_staff', C1]], 'staff1-password');
    ca1 = await login(srv, 'ca1', 'ca1-password');
    ca2 = await login(srv, 'ca2', 'ca2-password');
    street = await login(srv, 'street1', 'street1-password');
    staff = await login(srv, 'staff1', 'staff1-password');
  });

  test('a community admin sees only rows inside the community', async () => {
    const inC1 = await makeUser(srv, ca1, 'made-by-ca1', [['resident', C1 + '003']]);
    const inC2 = await makeUser(srv, ca2, 'made-by-ca2', [['resident', C2 + '003']]);
    const seen1 = await auditAll(ca1);
    assert.ok(seen1.length > 0);
    for (const a of seen1) assert.ok(a.scope.startsWith(C1), `ca1 saw a row of scope ${a.scope}`);
    assert.ok(seen1.some((a) => a.record_id === inC1.id && a.action === 'user.create'));
    const text = JSON.stringify(seen1);
    assert.ok(!text.includes('made-by-ca2') && !text.includes(C2),
      'nothing of the other community leaks');
    // Filtering straight for the other community's record gives nothing, not an error.
    const direct = await api(srv, 'GET', `/api/v1/audit?record_type=user&record_id=${inC2.id}`, undefined, ca1.bearer);
    assert.equal(direct.status, 200);
    assert.deepEqual(direct.body.items, []);
    // Whole-system rows (the administrator's logins) are not the community's.
    assert.ok(!seen1.some((a) => a.action === 'session.login' && a.username === 'admin'));
  });

  test('a street supervisor sees every community of the street and nothing beyond', async () => {
    await makeUser(srv, admin, 'other-street', [['resident', C_OTHER_STREET]]);
    const rows = await auditAll(street);
    for (const a of rows) assert.ok(a.scope.startsWith(STREET), `street saw scope ${a.scope}`);
    assert.ok(rows.some((a) => a.scope.startsWith(C1)));
    assert.ok(rows.some((a) => a.scope.startsWith(C2)));
    assert.ok(!JSON.stringify(rows).includes('other-street'));
  });

  test('the system administrator sees everything', async () => {
    const rows = await auditAll(admin);
    assert.ok(rows.some((a) => a.scope === ''));
    assert.ok(rows.some((a) => a.scope.startsWith(C_OTHER_STREET)));
  });

  test('roles without audit access get 403; no session gets 401', async () => {
    let r = await api(srv, 'GET', '/api/v1/audit', undefined, staff.bearer);
    assert.equal(r.status, 403);
    assertErrorShape(r.body, 'forbidden');
    r = await api(srv, 'GET', '/api/v1/audit');
    assert.equal(r.status, 401);
    assertErrorShape(r.body, 'unauthenticated');
  });

  test('the audit log cannot be changed through the API', async () => {
    for (const m of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const r = await api(srv, m, '/api/v1/audit', m === 'DELETE' ? undefined : {}, admin.bearer);
      assert.equal(r.status, 405, `${m} /api/v1/audit`);
    }
  });
});

describe('filters and pages', () => {
  let subject;
  before(async () => {
    subject = await makeUser(srv, admin, 'paged', [['resident', C1]]);
    // 24 more changes on one record: 12 grant/revoke pairs.
    for (let i = 0; i < 12; i++) {
      const scope = C1 + String(100 + i); // grids 100..111 of C1
      assert.equal((await api(srv, 'POST', `/api/v1/users/${subject.id}/grants`, { role: 'volunteer', scope }, admin.bearer)).status, 201);
      assert.equal((await api(srv, 'DELETE', `/api/v1/users/${subject.id}/grants`, { role: 'volunteer', scope }, admin.bearer)).status, 200);
    }
  });

  test('pages are newest first, disjoint and complete', async () => {
    const all = await auditAll(admin, `record_type=user&record_id=${subject.id}`);
    assert.equal(all.length, 25);
    const paged = await auditAll(admin, `record_type=user&record_id=${subject.id}`, 7);
    assert.deepEqual(paged.map((a) => a.id), all.map((a) => a.id));
    const ids = paged.map((a) => BigInt(a.id));
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i] < ids[i - 1], 'strictly newest first');
    assert.equal(paged[paged.length - 1].action, 'user.create');
    const first = await api(srv, 'GET', `/api/v1/audit?limit=7&record_type=user&record_id=${subject.id}`, undefined, admin.bearer);
    assert.equal(first.body.items.length, 7);
    assert.match(first.body.next_cursor, /^c\d+$/);
  });

  test('a caller with several scopes gets one merged, ordered stream', async () => {
    await makeUser(srv, admin, 'two-hats', [['community_admin', C1], ['community_admin', C2]], 'two-hats-pw');
    const s = await login(srv, 'two-hats', 'two-hats-pw');
    const whole = await auditAll(s, '', 200);
    const paged = await auditAll(s, '', 3);
    assert.deepEqual(paged.map((a) => a.id), whole.map((a) => a.id));
    assert.ok(whole.some((a) => a.scope.startsWith(C1)) && whole.some((a) => a.scope.startsWith(C2)));
    for (const a of whole) assert.ok(a.scope.startsWith(C1) || a.scope.startsWith(C2));
    const ids = whole.map((a) => BigInt(a.id));
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i] < ids[i - 1]);
  });

  test('action, user and time filters', async () => {
    const grants = await auditAll(admin, `action=user.grant&record_id=${subject.id}`);
    assert.equal(grants.length, 12);
    assert.ok(grants.every((a) => a.action === 'user.grant'));
    const byAdmin = await auditAll(admin, 'user=admin&action=user.revoke');
    assert.ok(byAdmin.length >= 12 && byAdmin.every((a) => a.username === 'admin' && a.action === 'user.revoke'));
    const all = await auditAll(admin, `record_id=${subject.id}`);
    const mid = all[12].at; // some row in the middle
    const newer = await auditAll(admin, `record_id=${subject.id}&from=${encodeURIComponent(mid)}`);
    assert.ok(newer.length >= 13 && newer.length < 25, `from= keeps rows at or after ${mid}: ${newer.length}`);
    assert.ok(newer.every((a) => Date.parse(a.at) >= Date.parse(mid)));
    const older = await auditAll(admin, `record_id=${subject.id}&to=${encodeURIComponent(mid)}`);
    assert.ok(older.every((a) => Date.parse(a.at) <= Date.parse(mid)));
    assert.ok(newer.length + older.length >= 25);
    const future = await auditAll(admin, 'from=2999-01-01T00:00:00Z');
    assert.deepEqual(future, []);
    const offset = await auditAll(admin, `record_id=${subject.id}&from=${encodeURIComponent('2000-01-01T08:00:00+08:00')}`);
    assert.equal(offset.length, 25);
  });

  test('bad query parameters are 400 with the field named', async () => {
    for (const [q, field] of [['from=yesterday', 'from'], ['to=2026-13-01T00:00:00Z', 'to'], ['limit=0', 'limit'],
      ['limit=201', 'limit'], ['cursor=zzz', 'cursor'], ['cursor=c-5', 'cursor'], ['action=' + 'a'.repeat(129), 'action']]) {
      const r = await api(srv, 'GET', `/api/v1/audit?${q}`, undefined, admin.bearer);
      assert.equal(r.status, 400, `${q}: ${JSON.stringify(r.body)}`);
      assertErrorShape(r.body, 'bad_query');
      assert.ok(field in r.body.error.fields, `${q}: fields ${JSON.stringify(r.body.error.fields)}`);
    }
  });
});
