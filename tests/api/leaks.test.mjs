// Leaks an outside probe found (issue 7, findings 6-9 and part of 11), each closed:
//   6  a person's name through organisations, positions, Party members and the figures
//      follows one rule: in full only for roles that read residents at that place;
//      residents and 物业 see the masked form;
//   7  /me/resident answers masked; ?reveal= shows the caller's own data in full and
//      writes the resident.reveal audit row;
//   8  adding an organisation member by phone is no oracle on the hidden digits: a
//      duplicate is judged on what the caller sees (the masked phone);
//   9  failed logins are limited per (account, address) and per address, with only a
//      progressive delay per account: an attacker elsewhere cannot lock the owner out,
//      and the limit holds under parallel attempts;
//  11  answers with revealed data carry Cache-Control: no-store; a list reveal audits
//      exactly the rows returned; the cookie is Secure when a trusted proxy says https.
// The server trusts 127.0.0.1 as a proxy, so X-Forwarded-For names "another address".
// Runs on SQLite, PostgreSQL and two processes sharing PostgreSQL.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { assertErrorShape, assertNoSanitizerReport } from './util.mjs';
import { makeUser, login, sql, cliAddUser } from './auth-util.mjs';
import { STREET, G1, G2, C1, idNumber, peopleWorld, auditCount } from './people-util.mjs';

let srv, w;
const get = (path, who, headers = {}) => api(srv, 'GET', path, undefined, { ...who.bearer, ...headers });
const post = (path, body, who) => api(srv, 'POST', path, body, who.bearer);
const patch = (path, body, who) => api(srv, 'PATCH', path, body, who.bearer);
const from = (ip) => ({ 'X-Forwarded-For': ip });
const loginFrom = (ip, username, password) =>
  api(srv, 'POST', '/api/v1/session', { username, password }, from(ip));
const lastAudit = (action) => {
  const rows = sql(srv, `SELECT detail FROM audit_log WHERE action = '${action}' ORDER BY id DESC LIMIT 1`);
  return rows.length ? JSON.parse(rows[0].join('|')) : null;
};

const P = [
  { name: '赵一民', id_number: idNumber('19600101', 101), phone: '13800000101' },
  { name: '钱二芳', id_number: idNumber('19610202', 102), phone: '13800000102' },
  { name: '孙三强', id_number: idNumber('19620303', 103), phone: '13800000103' },
  { name: '李四海', id_number: idNumber('19630404', 104), phone: '13800000104' },
  { name: '周五洲', id_number: idNumber('19640505', 105), phone: '13800000105' },
];
const rid = [];

before(async () => {
  srv = await startServer({ extraArgs: ['--trusted-proxies', '127.0.0.1'], env: { GONGZHI_PII_LOOKUP_LIMIT: '30' } });
  w = await peopleWorld(srv, { tag: 'lk' });
  for (const p of P) {
    const r = await post('/api/v1/residents', { ...p, grid_code: G1 }, w.as.grid_worker);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    rid.push(r.body.id);
  }
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

// ---------------------------------------------------------------- finding 6

describe('a person\'s name follows one rule through every resource', () => {
  const org = {};
  before(async () => {
    const a = w.admin;
    let r = await post('/api/v1/organisations', { type: 'street_party_committee', name: '泄漏测试街道党工委', space_code: STREET }, a);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    r = await post('/api/v1/organisations', { type: 'community_party_committee', name: '泄漏测试社区党委', space_code: C1, parent_id: r.body.id }, a);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    org.comm = r.body.id;
    r = await post('/api/v1/organisations', { type: 'property_company', name: '泄漏测试物业', space_code: C1 }, a);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    org.prop = r.body.id;
    r = await post('/api/v1/organisations', { type: 'grid_party_branch', name: '泄漏测试网格党支部', space_code: G1, parent_id: org.comm }, a);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    org.branch = r.body.id;
    // A registered resident and an outside person, each in two organisations (交叉任职).
    for (const [o, body] of [
      [org.branch, { resident_id: rid[0], position: '委员' }],
      [org.comm, { resident_id: rid[0], position: '委员' }],
      [org.prop, { resident_id: rid[0], position: '党支部书记' }],
      [org.comm, { name: '欧阳建华', phone: '13900001111', position: '副书记' }],
      [org.prop, { name: '欧阳建华', phone: '13900001111', position: '项目经理' }],
      [org.branch, { name: '欧阳建华', phone: '13900001111', position: '书记' }],
    ]) {
      r = await post(`/api/v1/organisations/${o}/members`, body, a);
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    r = await post('/api/v1/party-members', { resident_id: rid[0], party_org_id: org.branch, reported_grid_code: G1, post_type: 'patrol' }, a);
    assert.equal(r.status, 201, JSON.stringify(r.body));
  });

  const names = (d) => d.body.members.map((m) => [m.name, m.name_masked]).sort();

  test('a resident sees the members of their grid\'s organisation masked, as in the Party member list', async () => {
    const d = await get(`/api/v1/organisations/${org.branch}`, w.as.resident);
    assert.equal(d.status, 200, JSON.stringify(d.body));
    // The branch's secretary serves the resident's grid: named in full with the phone,
    // as the posted boards do (docs/SECURITY.md, "Staff serving a resident", issue 9).
    assert.deepEqual(names(d), [['欧阳建华', false], ['赵**', true]]);
    assert.equal(d.body.members.find((m) => m.position === '书记').phone, '13900001111');
    for (const m of d.body.contacts) assert.ok(m.name.includes('*') || m.position === '书记');
    // The same person is named alike where they hold another post (交叉任职 figures).
    const f = await get(`/api/v1/organisations/${org.comm}`, w.as.resident);
    if (f.status === 200) assert.ok(f.body.members.some((m) => m.name === '欧阳建华'));
    const pm = await get(`/api/v1/party-members?grid=${G1}`, w.as.resident);
    assert.equal(pm.status, 200);
    const mine = pm.body.items.find((x) => x.resident_id === rid[0]);
    const member = d.body.members.find((x) => x.resident_id === rid[0]);
    assert.equal(member.name, mine.name, 'the same person is masked the same way everywhere');
    assert.ok(!JSON.stringify(d.body).includes(P[0].name));
  });

  test('物业 sees no resident\'s name: organisations, positions and figures are masked', async () => {
    for (const id of [org.comm, org.prop]) {
      const d = await get(`/api/v1/organisations/${id}`, w.as.property);
      assert.equal(d.status, 200, JSON.stringify(d.body));
      for (const m of d.body.members) assert.equal(m.name_masked, true, JSON.stringify(m));
      assert.ok(!JSON.stringify(d.body).includes(P[0].name) && !JSON.stringify(d.body).includes('欧阳建华'));
    }
    const f = await get(`/api/v1/network/figures?node=${C1}`, w.as.property);
    assert.equal(f.status, 200, JSON.stringify(f.body));
    assert.ok(f.body.cross_roles.length >= 2, JSON.stringify(f.body.cross_roles));
    for (const p of f.body.cross_roles) assert.match(p.name, /\*/, JSON.stringify(p));
    const text = JSON.stringify(f.body);
    assert.ok(!text.includes(P[0].name) && !text.includes('欧阳建华'), text);
  });

  test('roles that read residents at the place see full names, as before', async () => {
    let d = await get(`/api/v1/organisations/${org.comm}`, w.as.community_admin);
    assert.deepEqual(names(d), [['欧阳建华', false], [P[0].name, false]]);
    d = await get(`/api/v1/organisations/${org.branch}`, w.as.grid_worker);
    assert.deepEqual(names(d), [['欧阳建华', false], [P[0].name, false]]);
    const f = await get(`/api/v1/network/figures?node=${C1}`, w.as.community_admin);
    assert.deepEqual(f.body.cross_roles.map((p) => p.name).sort(), ['欧阳建华', P[0].name].sort());
    // Out of the resident's scope (another community's admin): not even the organisation.
    d = await get(`/api/v1/organisations/${org.comm}`, w.ca2);
    assert.equal(d.status, 404);
  });
});

// ---------------------------------------------------------------- finding 7

describe('/me/resident', () => {
  let me;
  before(async () => {
    await makeUser(srv, w.admin, 'lk-self', [['resident', G1]], 'lk-self-password');
    me = await login(srv, 'lk-self', 'lk-self-password');
    const r = await patch(`/api/v1/residents/${rid[1]}`, { user_id: me.user.id }, w.as.grid_worker);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });

  test('answers masked by default, without an audit row', async () => {
    const before = auditCount(srv, 'resident.reveal');
    const r = await get('/api/v1/me/resident', me);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.id, rid[1]);
    assert.equal(r.body.name, P[1].name, 'one\'s own name in full');
    assert.equal(r.body.phone, '138****0102');
    assert.equal(r.body.id_number, P[1].id_number.slice(0, 6) + '********' + P[1].id_number.slice(14));
    assert.equal(r.body.birth_date, null);
    assert.equal(r.body.sensitive_tags, null);
    assert.ok(!JSON.stringify(r.body).includes(P[1].phone) && !JSON.stringify(r.body).includes(P[1].id_number));
    assert.equal(auditCount(srv, 'resident.reveal'), before);
    // A correction answers masked as well.
    const p = await patch('/api/v1/me/resident', { phone: P[1].phone }, me);
    assert.equal(p.status, 200, JSON.stringify(p.body));
    assert.equal(p.body.phone, '138****0102');
    assert.ok(!JSON.stringify(p.body).includes(P[1].id_number));
  });

  test('?reveal= shows the own record in full, audited, not cached', async () => {
    const before = auditCount(srv, 'resident.reveal');
    const r = await get('/api/v1/me/resident?reveal=phone,id_number,birth_date', me);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.phone, P[1].phone);
    assert.equal(r.body.id_number, P[1].id_number);
    assert.equal(r.body.birth_date, '1961-02-02');
    assert.match(r.headers.get('cache-control') || '', /no-store/);
    assert.equal(auditCount(srv, 'resident.reveal'), before + 1);
    const d = lastAudit('resident.reveal');
    assert.deepEqual(d.ids, [rid[1]]);
    assert.equal(d.fields, 'phone,id_number,birth_date');
    const bad = await get('/api/v1/me/resident?reveal=salary', me);
    assert.equal(bad.status, 400);
    assertErrorShape(bad.body);
    assert.equal(auditCount(srv, 'resident.reveal'), before + 1);
  });
});

// ---------------------------------------------------------------- finding 8

describe('member phones are no oracle', () => {
  test('a phone differing only in its hidden digits answers exactly like the real one, and writes nothing', async () => {
    let r = await post('/api/v1/organisations', { type: 'residents_committee', name: '泄漏测试居委会', space_code: C1 }, w.as.community_admin);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const org = r.body.id;
    r = await post(`/api/v1/organisations/${org}/members`, { name: '吴六', phone: '13612345678', position: '委员' }, w.as.community_admin);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.phone, '136****5678');
    const members = () => sql(srv, `SELECT COUNT(*) FROM org_members WHERE org_id = ${org}`)[0][0];
    const n = members();
    const answers = [];
    // The real number and guesses the masked form cannot tell from it.
    for (const phone of ['13600005678', '13612345678', '13699995678']) {
      r = await post(`/api/v1/organisations/${org}/members`, { name: '某人', phone, position: '委员' }, w.as.community_admin);
      assert.equal(r.status, 409, `${phone}: ${JSON.stringify(r.body)}`);
      assertErrorShape(r.body, 'duplicate_member');
      answers.push(JSON.stringify(r.body));
    }
    assert.equal(new Set(answers).size, 1, answers.join('\n'));
    assert.equal(members(), n, 'no junk member left behind');
    // A phone whose visible digits differ is another person: added.
    r = await post(`/api/v1/organisations/${org}/members`, { name: '某人', phone: '13612345679', position: '委员' }, w.as.community_admin);
    assert.equal(r.status, 201, JSON.stringify(r.body));
  });

  test('members added by phone are charged to the account\'s personal-data budget', async () => {
    await makeUser(srv, w.admin, 'lk-adder', [['community_admin', C1]], 'lk-adder-password');
    const s = await login(srv, 'lk-adder', 'lk-adder-password');
    let r = await post('/api/v1/organisations', { type: 'social_org', name: '泄漏测试社会组织', space_code: C1 }, s);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const org = r.body.id;
    for (let i = 0; i < 30; i++) {
      r = await post(`/api/v1/organisations/${org}/members`, { name: '某人', phone: `1370000${String(i).padStart(4, '0')}`, position: '志愿者' }, s);
      assert.equal(r.status, 201, `${i}: ${JSON.stringify(r.body)}`);
    }
    const before = auditCount(srv, 'pii.rate_limited');
    r = await post(`/api/v1/organisations/${org}/members`, { name: '某人', phone: '13700009999', position: '志愿者' }, s);
    assert.equal(r.status, 429, JSON.stringify(r.body));
    assertErrorShape(r.body, 'too_many_lookups');
    assert.ok(Number(r.headers.get('retry-after')) > 0);
    assert.equal(auditCount(srv, 'pii.rate_limited'), before + 1);
    // Without a phone nothing is compared: still allowed.
    r = await post(`/api/v1/organisations/${org}/members`, { name: '某人', position: '志愿者' }, s);
    assert.equal(r.status, 201, JSON.stringify(r.body));
  });
});

// ---------------------------------------------------------------- finding 9

describe('failed logins cannot lock the owner out', () => {
  before(() => {
    cliAddUser(srv, 'lk-owner', [['resident', G1]], 'lk-owner-password');
    cliAddUser(srv, 'lk-owner2', [['resident', G1]], 'lk-owner2-password');
    cliAddUser(srv, 'lk-parallel', [['resident', G1]], 'lk-parallel-password');
  });

  test('an attacker elsewhere is refused; the owner\'s address still logs in', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await loginFrom('203.0.113.5', 'lk-owner', `wrong-${i}-password`);
      assert.equal(r.status, 401, `attempt ${i + 1}: ${JSON.stringify(r.body)}`);
    }
    for (const password of ['wrong-again-pw', 'lk-owner-password']) {
      const r = await loginFrom('203.0.113.5', 'lk-owner', password);
      assert.equal(r.status, 429, JSON.stringify(r.body));
      assertErrorShape(r.body, 'too_many_attempts');
      assert.ok(Number(r.headers.get('retry-after')) > 0);
    }
    // More attackers, each from its own address, up to its own limit.
    for (const ip of ['203.0.113.6', '203.0.113.7']) {
      for (let i = 0; i < 5; i++) {
        const r = await loginFrom(ip, 'lk-owner', `wrong-${ip}-${i}`);
        assert.ok(r.status === 401 || r.status === 429, `${ip}: ${r.status}`);
      }
    }
    // The owner, from an address without failures: in, with the right password.
    const ok = await loginFrom('198.51.100.7', 'lk-owner', 'lk-owner-password');
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
  });

  test('many failures on an account slow down every address that fails on it (progressive delay)', async () => {
    for (let i = 0; i < 5; i++) {
      assert.equal((await loginFrom('203.0.113.20', 'lk-owner2', `wrong-${i}-password`)).status, 401);
    }
    // A fresh address gets its first attempt, then waits.
    let r = await loginFrom('203.0.113.21', 'lk-owner2', 'wrong-fresh-pw');
    assert.equal(r.status, 401, JSON.stringify(r.body));
    r = await loginFrom('203.0.113.21', 'lk-owner2', 'wrong-fresh-pw2');
    assert.equal(r.status, 429, JSON.stringify(r.body));
    const ra = Number(r.headers.get('retry-after'));
    assert.ok(ra >= 1 && ra <= 900, `Retry-After ${ra}`);
    // The owner's address without failures is not delayed.
    r = await loginFrom('198.51.100.8', 'lk-owner2', 'lk-owner2-password');
    assert.equal(r.status, 201, JSON.stringify(r.body));
  });

  test('40 parallel wrong logins from one address: at most 5 are checked, the rest 429', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) =>
      loginFrom('203.0.113.30', 'lk-parallel', `wrong-parallel-${i}`)));
    const s401 = answers.filter((r) => r.status === 401).length;
    const s429 = answers.filter((r) => r.status === 429).length;
    assert.ok(s401 <= 5, `${s401} answered 401`);
    assert.equal(s401 + s429, 40, answers.map((r) => r.status).join(','));
    assert.equal(auditCount(srv, 'session.login_failed') >= s401, true);
    // The owner elsewhere is unaffected.
    const ok = await loginFrom('198.51.100.9', 'lk-parallel', 'lk-parallel-password');
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
  });
});

// ---------------------------------------------------------------- finding 11

describe('hardening', () => {
  test('a list reveal with limit=3 audits exactly the three rows returned', async () => {
    const r = await get('/api/v1/residents?limit=3&reveal=phone', w.as.grid_worker);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.items.length, 3);
    assert.ok(r.body.next_cursor, 'there is a next page');
    assert.match(r.headers.get('cache-control') || '', /no-store/);
    const d = lastAudit('resident.reveal');
    assert.deepEqual(d.ids, r.body.items.map((x) => x.id));
    assert.equal(d.count, 3);
  });

  test('a list reveal over several scopes audits only the rows returned', async () => {
    const two = await makeUser(srv, w.admin, 'lk-two-grids', [['grid_worker', G1], ['grid_worker', G2]], 'lk-two-grids-pw');
    const s = await login(srv, two.username, 'lk-two-grids-pw');
    const r0 = await post('/api/v1/residents', { name: '郑七', grid_code: G2, phone: '13800000199' }, s);
    assert.equal(r0.status, 201, JSON.stringify(r0.body));
    const r = await get('/api/v1/residents?limit=2&reveal=phone', s);
    assert.equal(r.status, 200);
    assert.equal(r.body.items.length, 2);
    assert.deepEqual(lastAudit('resident.reveal').ids, r.body.items.map((x) => x.id));
  });

  test('every answer that reveals personal data says Cache-Control: no-store', async () => {
    const gw = w.as.grid_worker;
    const hh = await post('/api/v1/households', { grid_code: G1, address: '多福巷9号' }, gw);
    assert.equal(hh.status, 201, JSON.stringify(hh.body));
    const m = await patch(`/api/v1/residents/${rid[2]}`, { household_id: hh.body.id }, gw);
    assert.equal(m.status, 200, JSON.stringify(m.body));
    for (const path of [`/api/v1/residents/${rid[2]}?reveal=phone,id_number`,
      `/api/v1/residents?reveal=id_number&limit=2`, `/api/v1/households/${hh.body.id}?reveal=phone`,
      `/api/v1/residents?phone=${P[2].phone}&reveal=phone`]) {
      const r = await get(path, gw);
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
      assert.ok(/1380000010\d|\d{17}[\dX]/.test(JSON.stringify(r.body)), `${path} revealed something`);
      assert.match(r.headers.get('cache-control') || '', /no-store/, path);
    }
  });

  test('the session cookie is Secure when a trusted proxy says https, not otherwise', async () => {
    cliAddUser(srv, 'lk-cookie', [['resident', G1]], 'lk-cookie-password');
    const body = { username: 'lk-cookie', password: 'lk-cookie-password' };
    let r = await api(srv, 'POST', '/api/v1/session', body, { 'X-Forwarded-For': '198.51.100.50', 'X-Forwarded-Proto': 'https' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.match(r.headers.get('set-cookie') || '', /;\s*Secure(;|$)/);
    r = await api(srv, 'POST', '/api/v1/session', body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.doesNotMatch(r.headers.get('set-cookie') || '', /Secure/);
    r = await api(srv, 'POST', '/api/v1/session', body, { 'X-Forwarded-Proto': 'http' });
    assert.doesNotMatch(r.headers.get('set-cookie') || '', /Secure/);
  });
});
