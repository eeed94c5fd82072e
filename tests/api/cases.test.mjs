// Cases (诉求/工单, issue 10) over HTTP: intake with the locator, the catalogue seeded in
// every new database, one case through every step of the state machine (accept,
// dispatch, sign, extension approved by the level above, handle, rework, verify, close,
// rate, reopen, escalation with report_in), the roles and scopes that may take each
// action (409 illegal in the state, 403 for the role, 404 out of reach), anonymity,
// the reporter's phone sealed and revealed only with an audit row, lists with their
// filters and cursor pages, Idempotency-Key, and the catalogue's administration.
// Runs on SQLite, PostgreSQL and two processes sharing one PostgreSQL.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, api, ROOT } from '../lib/server.mjs';
import { assertErrorShape, assertRfc3339Utc, assertNoSanitizerReport } from './util.mjs';
import { opsSession, makeUser, login, sql, dumpDatabase } from './auth-util.mjs';

const STREET = '110101001';
const C1 = '110101001001'; // 多福巷社区: grids 001..004
const C2 = '110101001002'; // 南池子社区: grid 001
const G1 = C1 + '001';
const G2 = C1 + '002';
const C2G1 = C2 + '001';
const IN_G1 = { lat: 39.9018, lng: 116.4018 };
const IN_G2 = { lat: 39.901, lng: 116.403 };
const IN_C2 = { lat: 39.901, lng: 116.411 };
const G3 = C1 + '003';
const IN_G3 = { lat: 39.903, lng: 116.401 }; // the scenario's grid: the stats below count it
const OUTSIDE = { lat: 39.95, lng: 116.5 };
const FIXTURE = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/grids_ok.geojson'), 'utf8'));
const PHONE = '13812345678';

let srv, admin;
const who = {}; // sessions by short name
const org = {}; // organisation ids

before(async () => {
  srv = await startServer();
  admin = await opsSession(srv);
  const imp = await api(srv, 'POST', '/api/v1/grids/import', FIXTURE, admin.bearer);
  assert.equal(imp.status, 201, JSON.stringify(imp.body));
  for (const [name, type, space] of [
    ['prop', 'property_company', C1, '多福物业'],
    ['dept', 'department', STREET],
    ['dept2', 'department', STREET],
  ]) {
    const r = await api(srv, 'POST', '/api/v1/organisations', {
      type, space_code: space, name: { prop: '多福物业服务有限公司', dept: '区城市管理综合执法局', dept2: '区园林绿化局' }[name],
    }, admin.bearer);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    org[name] = r.body.id;
  }
  const users = {
    staff: [['community_staff', C1]],
    sec: [['community_admin', C1]],
    worker: [['grid_worker', G1]],
    worker2: [['grid_worker', G2]],
    worker3: [['grid_worker', G3]],
    street: [['street_supervisor', STREET]],
    res: [['resident', G1]],
    res2: [['resident', G1]],
    staffB: [['community_staff', C2]],
    prop: [['property', `org:${org.prop}`], ['property', C1]],
    dept: [['department', `org:${org.dept}`]],
    dept2: [['department', `org:${org.dept2}`]],
  };
  for (const [name, grants] of Object.entries(users)) {
    await makeUser(srv, admin, `case-${name}`, grants, `${name}-password-1`);
    who[name] = await login(srv, `case-${name}`, `${name}-password-1`);
  }
});

after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

const post = (path, body, s = admin, headers = {}) => api(srv, 'POST', path, body, { ...s.bearer, ...headers });
const get = (path, s = admin) => api(srv, 'GET', path, undefined, s.bearer);
const act = (id, body, s) => post(`/api/v1/cases/${id}/actions`, body, s);
const caseCount = () => Number(sql(srv, 'SELECT COUNT(*) FROM cases')[0][0]);
const eventCount = () => Number(sql(srv, 'SELECT COUNT(*) FROM case_events')[0][0]);

function expectFields(r, fields, what, code = 'invalid_fields') {
  assert.equal(r.status, 422, `${what}: ${JSON.stringify(r.body)}`);
  assertErrorShape(r.body, code, what);
  for (const f of fields) assert.ok(f in r.body.error.fields, `${what}: field ${f} in ${JSON.stringify(r.body.error.fields)}`);
}

function expectStatus(r, status, code, what) {
  assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
  assertErrorShape(r.body, code, what);
}

async function ok(p, what, status = 200) {
  const r = await p;
  assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
  return r.body;
}

// ---------------------------------------------------------------- the catalogue

describe('the catalogue', () => {
  test('every new database starts with the seeded catalogue and calendar', async () => {
    const r = await ok(get('/api/v1/case-categories', who.res), 'categories');
    const majors = r.items.map((m) => m.code);
    for (const c of ['C01', 'C05', 'E01', 'E05', 'E07']) assert.ok(majors.includes(c), c);
    const c01 = r.items.find((m) => m.code === 'C01');
    assert.equal(c01.kind, 'component');
    assert.equal(c01.kind_label, '部件');
    const manhole = c01.children.find((c) => c.code === 'C0101');
    assert.equal(manhole.name, '井盖缺失破损');
    assert.deepEqual(manhole.limits, { accept: { amount: 1, unit: 'hours' }, dispatch: { amount: 1, unit: 'hours' }, sign: { amount: 1, unit: 'hours' }, handle: { amount: 4, unit: 'hours' } });
    assert.equal(manhole.escalate_after_hours, 2);
    const e05 = r.items.find((m) => m.code === 'E05');
    assert.equal(e05.kind_label, '事件');
    assert.ok(e05.children.some((c) => c.name === '邻里纠纷' && c.limits.handle.unit === 'workdays'));
    const cal = await ok(get('/api/v1/case-calendar?year=2026', who.res), 'calendar');
    assert.equal(cal.year, 2026);
    assert.deepEqual(cal.items.find((d) => d.day === '2026-10-01'), { day: '2026-10-01', workday: false, note: '国庆节' });
    assert.deepEqual(cal.items.find((d) => d.day === '2026-02-14'), { day: '2026-02-14', workday: true, note: '春节调休上班' });
  });

  test('only the whole-system administrator changes categories and the calendar', async () => {
    const body = { code: 'E0599', parent: 'E05', name: '心理疏导', limits: { accept: { amount: 24, unit: 'hours' }, dispatch: { amount: 24, unit: 'hours' }, sign: { amount: 1, unit: 'workdays' }, handle: { amount: 5, unit: 'workdays' } } };
    expectStatus(await post('/api/v1/case-categories', body, who.sec), 404, 'not_found', 'community admin');
    expectStatus(await post('/api/v1/case-categories', body, who.street), 404, 'not_found', 'street');
    const made = await ok(post('/api/v1/case-categories', body), 'create', 201);
    assert.equal(made.parent, 'E05');
    assert.equal(made.limits.handle.amount, 5);
    expectStatus(await post('/api/v1/case-categories', body), 409, 'duplicate_category', 'again');
    expectFields(await post('/api/v1/case-categories', { ...body, code: 'E0598', limits: undefined }), ['limits'], 'minor without limits');
    expectFields(await post('/api/v1/case-categories', { code: 'bad code', name: 'x', kind: 'event' }), ['code'], 'bad code');
    expectFields(await post('/api/v1/case-categories', { code: 'X1', name: 'x' }), ['kind'], 'major without kind');
    const patched = await ok(api(srv, 'PATCH', '/api/v1/case-categories/E0599', { limits: { handle: { amount: 3, unit: 'workdays' } }, escalate_after_hours: 48 }, admin.bearer), 'patch');
    assert.equal(patched.limits.handle.amount, 3);
    assert.equal(patched.limits.accept.amount, 24, 'the other limits stay');
    assert.equal(patched.escalate_after_hours, 48);
    expectFields(await api(srv, 'PATCH', '/api/v1/case-categories/E0599', { code: 'E0600' }, admin.bearer), ['code'], 'code fixed');
    expectStatus(await api(srv, 'PATCH', '/api/v1/case-categories/NOPE', { name: 'x' }, admin.bearer), 404, 'not_found', 'unknown');
    await ok(api(srv, 'PATCH', '/api/v1/case-categories/E0599', { active: false }, admin.bearer), 'deactivate');
    const list = await ok(get('/api/v1/case-categories', who.res), 'list');
    assert.ok(!list.items.find((m) => m.code === 'E05').children.some((c) => c.code === 'E0599'), 'inactive hidden');
    const day = await ok(api(srv, 'PUT', '/api/v1/case-calendar/2027-01-01', { workday: false, note: '元旦' }, admin.bearer), 'calendar put');
    assert.deepEqual(day, { day: '2027-01-01', workday: false, note: '元旦' });
    expectStatus(await api(srv, 'PUT', '/api/v1/case-calendar/2027-01-01', { workday: false }, who.street.bearer), 404, 'not_found', 'street calendar');
    expectStatus(await api(srv, 'PUT', '/api/v1/case-calendar/2027-02-30', { workday: false }, admin.bearer), 404, 'not_found', 'bad day');
    await ok(api(srv, 'DELETE', '/api/v1/case-calendar/2027-01-01', undefined, admin.bearer), 'calendar delete');
    const audit = sql(srv, "SELECT action FROM audit_log WHERE action LIKE 'case_c%' ORDER BY id").map((r) => r[0]);
    assert.deepEqual(audit, ['case_category.create', 'case_category.update', 'case_category.update', 'case_calendar.set', 'case_calendar.delete']);
  });
});

// ---------------------------------------------------------------- intake

describe('intake', () => {
  test('a resident reports at a point: located into its grid, the phone sealed', async () => {
    const before = caseCount();
    const c = await ok(post('/api/v1/cases', { category: 'E0101', description: '楼下垃圾桶旁堆了很多垃圾', location: IN_G1, reporter: { phone: PHONE } }, who.res), 'report', 201);
    assert.match(c.id, /^\d+$/);
    assert.equal(c.state, 'reported');
    assert.equal(c.state_label, '待受理');
    assert.equal(c.grid_code, G1);
    assert.equal(c.community_code, C1);
    assert.equal(c.grid_name, '第一网格');
    assert.equal(c.category.code, 'E0101');
    assert.equal(c.category.major.code, 'E01');
    assert.equal(c.request_type, 'complaint');
    assert.equal(c.source, 'resident');
    assert.equal(c.step, 'accept');
    assertRfc3339Utc(c.step_due_at);
    assertRfc3339Utc(c.reported_at);
    assert.equal(c.reporter.name, 'case-res');
    assert.equal(c.reporter.phone, '138****5678');
    assert.deepEqual(c.my_roles, ['reporter']);
    assert.deepEqual(c.allowed_actions, ['edit', 'withdraw']);
    assert.equal(caseCount(), before + 1);
    assert.ok(!dumpDatabase(srv).includes(PHONE), 'the phone is never stored in clear');
  });

  test('bad input is a 422 naming the field, and nothing is written', async () => {
    const before = [caseCount(), eventCount()];
    expectFields(await post('/api/v1/cases', { category: 'NOPE', description: 'x', location: IN_G1 }, who.res), ['category'], 'unknown category');
    expectFields(await post('/api/v1/cases', { category: 'E01', description: 'x', location: IN_G1 }, who.res), ['category'], 'a major class');
    const out = await post('/api/v1/cases', { category: 'E0101', description: 'x', location: OUTSIDE }, who.res);
    expectFields(out, ['location'], 'outside every grid', 'outside_grids');
    expectFields(await post('/api/v1/cases', { category: 'E0101', description: '很'.repeat(4001), location: IN_G1 }, who.res), ['description'], '4001 characters');
    expectFields(await post('/api/v1/cases', { category: 'E0101', description: 'x' }, who.res), ['location'], 'no place');
    expectFields(await post('/api/v1/cases', { category: 'E0101', description: 'x', location: IN_G1, building_id: '1' }, who.res), ['location'], 'two places');
    expectFields(await post('/api/v1/cases', { category: 'E0101', description: 'x', location: IN_G1, request_type: '表扬' }, who.res), ['request_type'], 'request type');
    expectFields(await post('/api/v1/cases', { category: 'E0101', description: 'x', location: IN_G1, reporter: { phone: '12' } }, who.res), ['reporter'], 'phone');
    expectFields(await post('/api/v1/cases', { category: 'E0101', description: 'x', location: IN_G1, self_handled: true, handled_note: 'x' }, who.worker), ['self_handled'], 'self-handled needs patrol');
    expectFields(await post('/api/v1/cases', { category: 'E0101', description: 'x', grid_code: '110101001001999' }, who.staff), ['grid_code'], 'no such grid');
    const big = await post('/api/v1/cases', { category: 'E0101', description: '很'.repeat(4000), location: IN_G1 }, who.res);
    assert.equal(big.status, 201, '4000 characters are fine');
    assert.deepEqual([caseCount(), eventCount()], [before[0] + 1, before[1] + 1]);
    const bad = await api(srv, 'POST', '/api/v1/cases', 'not json', { ...who.res.bearer, 'Content-Type': 'text/plain' });
    assert.equal(bad.status, 415);
  });

  test('staff register hotline calls only in their places; residents report anywhere', async () => {
    const call = { category: 'C0102', description: '路灯不亮', grid_code: G1, source: 'hotline', request_type: '求助', reporter: { name: '王先生', phone: '13900001111' } };
    const c = await ok(post('/api/v1/cases', call, who.staff), 'hotline', 201);
    assert.equal(c.source, 'hotline');
    assert.equal(c.request_type, 'help');
    assert.equal(c.reporter.name, '王先生');
    assert.equal(c.mine, false);
    expectStatus(await post('/api/v1/cases', { ...call, grid_code: C2G1 }, who.staff), 404, 'not_found', 'other community');
    expectStatus(await post('/api/v1/cases', call, who.prop), 404, 'not_found', 'property registers nothing');
    expectStatus(await post('/api/v1/cases', call, who.res), 403, 'forbidden', 'a resident registers no hotline call');
    const elsewhere = await ok(post('/api/v1/cases', { category: 'E0203', description: '门口乱停车', location: IN_C2 }, who.res), 'resident elsewhere', 201);
    assert.equal(elsewhere.grid_code, C2G1);
  });

  test('a grid worker records a patrol finding handled at once (自行处置)', async () => {
    const c = await ok(post('/api/v1/cases', { category: 'E0104', description: '电线杆上的小广告', location: IN_G1, source: 'patrol', self_handled: true, handled_note: '已当场清除' }, who.worker), 'self-handled', 201);
    assert.equal(c.state, 'closed');
    assert.equal(c.self_handled, true);
    assert.deepEqual(c.allowed_actions, []);
    const t = await ok(get(`/api/v1/cases/${c.id}/timeline`, who.staff), 'timeline');
    assert.deepEqual(t.items.map((e) => e.action), ['report', 'self_handle']);
    assert.equal(t.items[1].note, '已当场清除');
    expectStatus(await post('/api/v1/cases', { category: 'E0104', description: 'x', location: IN_G2, source: 'patrol', self_handled: true, handled_note: 'x' }, who.worker), 404, 'not_found', 'another grid');
    expectStatus(await post('/api/v1/cases', { category: 'E0104', description: 'x', location: IN_G1, source: 'patrol', self_handled: true, handled_note: 'x' }, who.staff), 403, 'forbidden', 'staff are no grid worker');
    expectStatus(await act(c.id, { action: 'rate', satisfaction: 'satisfied', resolved: true }, who.staff), 409, 'not_rateable', 'nobody rates it');
  });

  test('Idempotency-Key: a retried report is one case', async () => {
    const before = caseCount();
    const body = { category: 'E0105', description: '夜间施工噪声', location: IN_G1 };
    const key = { 'Idempotency-Key': 'case-key-1' };
    const a = await ok(post('/api/v1/cases', body, who.res, key), 'first', 201);
    const b = await ok(post('/api/v1/cases', body, who.res, key), 'retry', 201);
    assert.equal(b.id, a.id);
    assert.equal(caseCount(), before + 1);
  });
});

// ---------------------------------------------------------------- the whole loop

let id; // the scenario's case, in G3
describe('one case through every step', () => {
  const expectState = (c, state) => assert.equal(c.state, state, JSON.stringify(c));

  test('report, edit, accept, dispatch, sign, extension, handle, rework, verify, close, rate, reopen, escalate, report_in, close, rate', async () => {
    let c = await ok(post('/api/v1/cases', { category: 'E0401', description: '小区绿化带长期无人修剪', location: IN_G3, anonymous: true, reporter: { phone: PHONE } }, who.res), 'report', 201);
    assert.equal(c.grid_code, G3);
    id = c.id;
    c = await ok(act(id, { action: 'edit', description: '小区绿化带长期无人修剪，蚊虫多' }, who.res), 'edit');
    expectState(c, 'reported');
    assert.equal(c.description, '小区绿化带长期无人修剪，蚊虫多');
    // Illegal in the state: 409; not the role: 403; out of reach: 404.
    expectStatus(await act(id, { action: 'sign' }, who.staff), 409, 'illegal_transition', 'sign when reported');
    expectStatus(await act(id, { action: 'accept' }, who.res), 403, 'action_forbidden', 'reporter accepts');
    expectStatus(await act(id, { action: 'accept' }, who.staffB), 404, 'not_found', 'other community');
    expectStatus(await act(id, { action: 'accept' }, who.res2), 404, 'not_found', 'another resident');
    expectStatus(await act(id, { action: 'accept' }, who.prop), 404, 'not_found', 'property before dispatch');
    expectFields(await act(id, { action: 'reject' }, who.staff), ['note'], 'reject without reason');
    expectFields(await act(id, { action: 'fly' }, who.staff), ['action'], 'unknown action');

    c = await ok(act(id, { action: 'accept' }, who.staff), 'accept');
    expectState(c, 'accepted');
    assertRfc3339Utc(c.due_at);
    assert.equal(c.step, 'dispatch');
    expectStatus(await act(id, { action: 'edit', description: 'x' }, who.res), 409, 'illegal_transition', 'edit after acceptance');
    expectStatus(await act(id, { action: 'withdraw' }, who.res), 409, 'illegal_transition', 'withdraw after acceptance');
    expectFields(await act(id, { action: 'dispatch', org: '999999' }, who.staff), ['org'], 'no such organisation');

    c = await ok(act(id, { action: 'dispatch', org: org.prop, note: '请物业处理' }, who.staff), 'dispatch');
    expectState(c, 'dispatched');
    assert.equal(c.handler.org.id, org.prop);
    assert.equal(c.handler.org.name, '多福物业服务有限公司');
    assert.equal(c.step, 'sign');

    // The property company sees it now, through its organisation grant only.
    const seen = await ok(get(`/api/v1/cases/${id}`, who.prop), 'property reads');
    assert.deepEqual(seen.my_roles, ['handler']);
    assert.deepEqual(seen.allowed_actions, ['return', 'sign']);
    assert.equal(seen.reporter.name, null, 'anonymous: the property company does not see who');
    assert.equal(seen.reporter.phone, null);
    assert.equal(seen.reporter_hidden, true);
    const staffView = await ok(get(`/api/v1/cases/${id}`, who.staff), 'staff reads');
    assert.equal(staffView.reporter.name, 'case-res', 'the registering community does');
    assert.equal(staffView.reporter.phone, '138****5678');

    c = await ok(act(id, { action: 'sign' }, who.prop), 'sign');
    expectState(c, 'signed');
    assert.equal(c.step, 'handle');
    const due0 = c.due_at;
    expectFields(await act(id, { action: 'request_extension', note: '需要采购工具' }, who.prop), ['extension'], 'no extension');
    c = await ok(act(id, { action: 'request_extension', note: '需要采购工具', extension: { amount: 2, unit: 'workdays' } }, who.prop), 'request extension');
    expectState(c, 'extension_requested');
    expectStatus(await act(id, { action: 'approve_extension' }, who.staff), 403, 'action_forbidden', 'staff are not the level above');
    expectStatus(await act(id, { action: 'approve_extension' }, who.prop), 403, 'action_forbidden', 'nor the handler');
    c = await ok(act(id, { action: 'approve_extension' }, who.sec), 'approve');
    expectState(c, 'signed');
    assert.equal(c.extension_count, 1);
    assert.ok(Date.parse(c.due_at) > Date.parse(due0), 'the deadline moved');

    expectFields(await act(id, { action: 'handle' }, who.prop), ['note'], 'handle without feedback');
    c = await ok(act(id, { action: 'handle', note: '已修剪' }, who.prop), 'handle');
    expectState(c, 'handled');
    expectStatus(await act(id, { action: 'verify' }, who.prop), 403, 'action_forbidden', 'handler verifies');
    c = await ok(act(id, { action: 'rework', note: '只修剪了一半' }, who.staff), 'rework');
    expectState(c, 'dispatched');
    assert.equal(c.rework_count, 1);
    assert.equal(c.handler.org.id, org.prop, 'back to the same handler');
    await ok(act(id, { action: 'sign' }, who.prop), 'sign again');
    await ok(act(id, { action: 'handle', note: '已全部修剪' }, who.prop), 'handle again');
    await ok(act(id, { action: 'verify' }, who.staff), 'verify');
    c = await ok(act(id, { action: 'close' }, who.staff), 'close');
    expectState(c, 'closed');
    assertRfc3339Utc(c.closed_at);

    expectStatus(await act(id, { action: 'rate', satisfaction: 'satisfied', resolved: true }, who.res2), 404, 'not_found', 'rating someone else\'s case');
    expectStatus(await act(id, { action: 'rate', satisfaction: 'satisfied', resolved: true }, who.prop), 403, 'action_forbidden', 'the handler rates');
    expectFields(await act(id, { action: 'rate', satisfaction: 'meh', resolved: true }, who.res), ['satisfaction'], 'bad satisfaction');
    c = await ok(act(id, { action: 'rate', satisfaction: 'unsatisfied', resolved: false }, who.res), 'rate');
    expectState(c, 'rated');
    assert.equal(c.rating.satisfaction, 'unsatisfied');
    assert.equal(c.rating.resolved, false);
    assert.deepEqual(c.allowed_actions, ['reopen']);
    c = await ok(act(id, { action: 'reopen', note: '又长起来了' }, who.res), 'reopen');
    expectState(c, 'accepted');
    assert.equal(c.handler.org, null);
    assert.equal(c.rating, null);

    // 吹哨: the street escalates to a department, which reports in and handles.
    expectStatus(await act(id, { action: 'escalate', org: org.dept, note: 'x' }, who.worker3), 403, 'action_forbidden', 'a grid worker does not blow the whistle');
    c = await ok(act(id, { action: 'escalate', org: org.dept, note: '需要执法部门处理' }, who.street), 'escalate');
    expectState(c, 'escalated');
    assert.equal(c.escalation.org.id, org.dept);
    assert.equal(c.escalated, true);
    expectStatus(await act(id, { action: 'report_in' }, who.dept2), 404, 'not_found', 'another department');
    expectStatus(await act(id, { action: 'report_in' }, who.staff), 403, 'action_forbidden', 'the community');
    const deptView = await ok(get(`/api/v1/cases/${id}`, who.dept), 'department reads');
    assert.equal(deptView.reporter.name, null, 'anonymous to the department');
    c = await ok(act(id, { action: 'report_in', note: '已报到' }, who.dept), 'report in');
    expectState(c, 'signed');
    assert.equal(c.handler.org.id, org.dept);
    await ok(act(id, { action: 'handle', note: '已责令整改' }, who.dept), 'department handles');
    await ok(act(id, { action: 'verify' }, who.staff), 'verify');
    await ok(act(id, { action: 'close' }, who.staff), 'close');
    c = await ok(act(id, { action: 'rate', satisfaction: 'satisfied', resolved: true }, who.res), 'rate');
    expectState(c, 'rated');
    expectStatus(await act(id, { action: 'reopen', note: 'x' }, who.res), 409, 'reopen_not_allowed', 'satisfied');

    // The timeline: every step, in order, append-only.
    const t = await ok(get(`/api/v1/cases/${id}/timeline`, who.staff), 'timeline');
    assert.deepEqual(t.items.map((e) => e.action), [
      'report', 'edit', 'accept', 'dispatch', 'sign', 'request_extension', 'approve_extension',
      'handle', 'rework', 'sign', 'handle', 'verify', 'close', 'rate', 'reopen', 'escalate',
      'report_in', 'handle', 'verify', 'close', 'rate']);
    assert.deepEqual(t.items.map((e) => e.seq), t.items.map((_, i) => i + 1));
    assert.equal(t.items[0].actor.name, 'case-res');
    assert.equal(t.items[3].org.id, org.prop);
    assert.equal(t.items[3].actor.role, 'dispatcher');
    assert.equal(t.items[5].detail.extension.amount, 2);
    assert.equal(t.items[8].note, '只修剪了一半');
    const dt = await ok(get(`/api/v1/cases/${id}/timeline`, who.dept), 'department timeline');
    assert.equal(dt.items[0].actor.name, null, 'the anonymous reporter stays hidden in the timeline');
    const mine = await ok(get(`/api/v1/cases/${id}/timeline`, who.res), 'reporter timeline');
    assert.equal(mine.items[0].actor.name, 'case-res');
    assert.equal(mine.items[2].actor.name, null, 'staff names are for staff');
    assert.equal(mine.items[2].actor.role_label, '受理派遣');
    assert.throws(() => sql(srv, `UPDATE case_events SET note = 'x' WHERE case_id = ${id}`));
    assert.throws(() => sql(srv, `DELETE FROM case_events WHERE case_id = ${id}`));
    const audit = sql(srv, `SELECT action, username FROM audit_log WHERE record_type = 'case' AND record_id = '${id}' ORDER BY id`);
    assert.equal(audit.length, 21);
    assert.deepEqual(audit[3], ['case.dispatch', 'case-staff']);
  });

  test('the property company keeps seeing the cases it handled; others never do', async () => {
    const p = await ok(get('/api/v1/cases', who.prop), 'property list');
    assert.ok(p.items.some((c) => c.id === id));
    assert.ok(p.items.every((c) => c.grid_code.startsWith(C1)));
    const b = await ok(get('/api/v1/cases', who.staffB), 'other community');
    assert.ok(!b.items.some((c) => c.id === id));
    expectStatus(await get(`/api/v1/cases/${id}`, who.staffB), 404, 'not_found', 'detail');
    expectStatus(await get(`/api/v1/cases/${id}/timeline`, who.dept2), 404, 'not_found', 'timeline');
    expectStatus(await get('/api/v1/cases', who.res), 403, 'forbidden', 'a resident lists only their own');
  });
});

// ---------------------------------------------------------------- other paths

describe('other paths of the table', () => {
  const report = async (extra = {}, s = who.res) => (await ok(post('/api/v1/cases', { category: 'E0201', description: '占道经营', location: IN_G1, ...extra }, s), 'report', 201)).id;

  test('reject, withdraw, merge, return, deny extension, handle by the community itself', async () => {
    let id = await report();
    let c = await ok(act(id, { action: 'reject', note: '不属于受理范围' }, who.staff), 'reject');
    assert.equal(c.state, 'rejected');
    expectStatus(await act(id, { action: 'accept' }, who.staff), 409, 'illegal_transition', 'rejected is final');
    id = await report();
    c = await ok(act(id, { action: 'withdraw' }, who.res), 'withdraw');
    assert.equal(c.state, 'withdrawn');
    const target = await report();
    id = await report({}, who.res2);
    expectFields(await act(id, { action: 'merge' }, who.staff), ['target'], 'merge without target');
    expectFields(await act(id, { action: 'merge', target: id }, who.staff), ['target'], 'into itself');
    c = await ok(act(id, { action: 'merge', target, note: '重复反映' }, who.staff), 'merge');
    assert.equal(c.state, 'merged');
    assert.equal(c.merged_into, target);
    const tt = await ok(get(`/api/v1/cases/${target}/timeline`, who.staff), 'target timeline');
    assert.equal(tt.items.at(-1).action, 'merged_in');
    expectFields(await act(target, { action: 'merge', target: id }, who.staff), ['target'], 'into a merged case');

    id = await report();
    await ok(act(id, { action: 'accept' }, who.staff), 'accept');
    await ok(act(id, { action: 'dispatch', org: org.prop }, who.staff), 'dispatch');
    c = await ok(act(id, { action: 'return', note: '属于城管职责' }, who.prop), 'return');
    assert.equal(c.state, 'accepted');
    assert.equal(c.handler.org, null);
    await ok(act(id, { action: 'dispatch', user: who.worker.user.id }, who.staff), 'dispatch to a person');
    const w = await ok(get('/api/v1/cases?assignee=me', who.worker), 'assigned to me');
    assert.ok(w.items.some((x) => x.id === id));
    await ok(act(id, { action: 'sign' }, who.worker), 'the person signs');
    await ok(act(id, { action: 'request_extension', note: '等待材料', extension: { amount: 8, unit: 'hours' } }, who.worker), 'ask');
    c = await ok(act(id, { action: 'deny_extension', note: '不予延期' }, who.street), 'street denies');
    assert.equal(c.state, 'signed');
    assert.equal(c.extension_count, 0);

    id = await report({ request_type: 'consult', category: 'E0503', description: '开居住证明需要什么材料' });
    await ok(act(id, { action: 'accept' }, who.staff), 'accept');
    c = await ok(act(id, { action: 'handle', note: '已电话答复' }, who.staff), 'answered by the community (首接负责)');
    assert.equal(c.state, 'handled');
  });

  test('dispatch without an organisation: the default route, else the locality (属地兜底)', async () => {
    expectStatus(await api(srv, 'PUT', '/api/v1/case-routes', { space_code: C1, category: 'E0201', org_id: org.dept }, who.staffB.bearer), 404, 'not_found', 'other community');
    expectStatus(await api(srv, 'PUT', '/api/v1/case-routes', { space_code: C1, category: 'E0201', org_id: org.dept }, who.staff.bearer), 403, 'forbidden', 'staff do not route');
    const route = await ok(api(srv, 'PUT', '/api/v1/case-routes', { space_code: C1, category: 'E0201', org_id: org.dept }, who.sec.bearer), 'route');
    assert.equal(route.org.id, org.dept);
    const routes = await ok(get(`/api/v1/case-routes?space=${C1}`, who.staff), 'routes');
    assert.equal(routes.items.length, 1);
    let id = await report();
    await ok(act(id, { action: 'accept' }, who.staff), 'accept');
    let c = await ok(act(id, { action: 'dispatch' }, who.staff), 'routed dispatch');
    assert.equal(c.handler.org.id, org.dept);
    id = await report({ category: 'E0202', description: '店外经营' });
    await ok(act(id, { action: 'accept' }, who.staff), 'accept');
    c = await ok(act(id, { action: 'dispatch' }, who.staff), 'no route');
    assert.equal(c.handler.org, null);
    assert.equal(c.handler.locality, true);
    const w = await ok(get(`/api/v1/cases/${id}`, who.worker), 'the grid worker');
    assert.deepEqual(w.allowed_actions, ['return', 'sign']);
    expectStatus(await get(`/api/v1/cases/${id}`, who.worker2), 404, 'not_found', 'another grid\'s worker');
    await ok(api(srv, 'DELETE', `/api/v1/case-routes/${route.id}`, undefined, who.sec.bearer), 'delete route');
  });

  test('reopen only within 7 days of an unsatisfied rating', async () => {
    const id = await report();
    for (const [a, s, extra] of [['accept', who.staff], ['dispatch', who.staff, { org: org.prop }], ['sign', who.prop], ['handle', who.prop, { note: '已处理' }], ['verify', who.staff], ['close', who.staff], ['rate', who.res, { satisfaction: 'unsatisfied', resolved: false }]])
      await ok(act(id, { action: a, ...extra }, s), a);
    sql(srv, `UPDATE cases SET rated_at = rated_at - ${8 * 24 * 3600 * 1000} WHERE id = ${id}`);
    expectStatus(await act(id, { action: 'reopen', note: '没修好' }, who.res), 409, 'reopen_not_allowed', 'after 7 days');
  });

  test('the reporter\'s phone in full only on request, for the community, audited', async () => {
    const id = (await ok(post('/api/v1/cases', { category: 'C0102', description: '路灯', grid_code: G1, source: 'hotline', reporter: { name: '李女士', phone: '13700002222' } }, who.staff), 'hotline', 201)).id;
    const r = await ok(get(`/api/v1/cases/${id}?reveal=phone`, who.sec), 'reveal');
    assert.equal(r.reporter.phone, '13700002222');
    const a = sql(srv, `SELECT username, scope FROM audit_log WHERE action = 'case.reveal' AND record_id = '${id}'`);
    assert.deepEqual(a, [['case-sec', G1]]);
    expectStatus(await get(`/api/v1/cases/${id}?reveal=phone`, who.res2), 404, 'not_found', 'not theirs');
    expectStatus(await get(`/api/v1/cases/${id}?reveal=name`, who.sec), 400, 'bad_query', 'only phone');
  });
});

// ---------------------------------------------------------------- lists

describe('lists', () => {
  test('filters, scopes and cursor pages', async () => {
    const all = await ok(get('/api/v1/cases?limit=200', who.staff), 'staff list');
    assert.ok(all.items.length > 5);
    assert.ok(all.items.every((c) => c.grid_code.startsWith(C1)), 'only the community');
    const ids = all.items.map((c) => Number(c.id));
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
    // Pages of 2 walk the same list.
    const walked = [];
    let cursor = null;
    do {
      const p = await ok(get(`/api/v1/cases?limit=2${cursor ? `&cursor=${cursor}` : ''}`, who.staff), 'page');
      walked.push(...p.items.map((c) => c.id));
      cursor = p.next_cursor;
    } while (cursor);
    assert.deepEqual(walked, all.items.map((c) => c.id));
    const rated = await ok(get('/api/v1/cases?state=rated', who.staff), 'state');
    assert.ok(rated.items.length >= 1 && rated.items.every((c) => c.state === 'rated'));
    const e01 = await ok(get('/api/v1/cases?category=E01', who.staff), 'major class');
    assert.ok(e01.items.length >= 1 && e01.items.every((c) => c.category.major.code === 'E01'));
    const e0101 = await ok(get('/api/v1/cases?category=E0101', who.staff), 'minor class');
    assert.ok(e0101.items.every((c) => c.category.code === 'E0101'));
    const byOrg = await ok(get(`/api/v1/cases?organisation=${org.prop}`, who.staff), 'organisation');
    assert.ok(byOrg.items.length >= 1 && byOrg.items.every((c) => c.handler.org?.id === org.prop));
    const g2 = await ok(get(`/api/v1/cases?grid=${G2}`, who.staff), 'grid');
    assert.deepEqual(g2.items, []);
    const g1 = await ok(get(`/api/v1/cases?grid=${G1}&state=reported`, who.worker), 'grid and state');
    assert.ok(g1.items.every((c) => c.grid_code === G1 && c.state === 'reported'));
    const future = await ok(get('/api/v1/cases?from=2099-01-01T00:00:00Z', who.staff), 'from');
    assert.deepEqual(future.items, []);
    const past = await ok(get('/api/v1/cases?to=2000-01-01T00:00:00Z', who.staff), 'to');
    assert.deepEqual(past.items, []);
    sql(srv, `UPDATE cases SET step_due_at = 1 WHERE id = ${all.items.find((c) => c.state === 'reported').id}`);
    const late = await ok(get('/api/v1/cases?overdue=1', who.staff), 'overdue');
    assert.ok(late.items.length >= 1 && late.items.every((c) => c.overdue === true));
    const street = await ok(get('/api/v1/cases?limit=200', who.street), 'street');
    assert.ok(street.items.some((c) => c.grid_code === C2G1) && street.items.some((c) => c.grid_code.startsWith(C1)));
    const mine = await ok(get('/api/v1/cases?mine=1&limit=200', who.res), 'mine');
    assert.ok(mine.items.length >= 3 && mine.items.every((c) => c.mine === true));
    assert.ok(mine.items.some((c) => c.grid_code === C2G1), 'their reports anywhere');
    const sum = await ok(get('/api/v1/cases/summary', who.staff), 'summary');
    assert.equal(sum.total, all.items.length);
    assert.equal(sum.by_state.find((x) => x.state === 'rated').count, all.items.filter((c) => c.state === 'rated').length);
    assert.ok(sum.overdue >= 1);
    const sumG2 = await ok(get(`/api/v1/cases/summary?grid=${G2}`, who.staff), 'summary of a grid');
    assert.equal(sumG2.total, 0);
    const sumProp = await ok(get('/api/v1/cases/summary', who.prop), 'summary of an organisation');
    assert.equal(sumProp.total, (await ok(get('/api/v1/cases?limit=200', who.prop), 'property list')).items.length);
    expectStatus(await get('/api/v1/cases/summary', who.res), 403, 'forbidden', 'a resident');
    for (const q of ['state=nope', 'category=a b', 'from=yesterday', 'grid=123', 'assignee=x', 'limit=0', 'cursor=zz', 'organisation=x'])
      expectStatus(await get(`/api/v1/cases?${q}`, who.staff), 400, 'bad_query', q);
  });
});

// ---------------------------------------------------------------- stats

describe('the rates of the scenario\'s grid', () => {
  test('GET /stats/cases for G3 matches the figures counted by hand (docs/METRICS.md)', async () => {
    const start = new Date(Date.now() - 3600e3).toISOString();
    const rep = async (s = who.res, extra = {}) => (await ok(post('/api/v1/cases', { category: 'E0201', description: '占道经营', location: IN_G3, ...extra }, s), 'report', 201)).id;
    const run = async (id, steps) => { for (const [a, s, extra] of steps) await ok(act(id, { action: a, ...extra }, s), a); };
    await rep(); // S1: reported only
    await run(await rep(), [['reject', who.staff, { note: '重复' }]]); // S2
    await run(await rep(), [['withdraw', who.res]]); // S3
    await run(await rep(), [['merge', who.staff, { target: id }]]); // S4: a duplicate of the scenario's case
    await rep(who.worker3, { source: 'patrol', self_handled: true, handled_note: '已劝离' }); // S5
    const s6 = await rep();
    await run(s6, [['accept', who.staff], ['dispatch', who.staff, { org: org.prop }], ['sign', who.prop], ['handle', who.prop, { note: '已处理' }], ['verify', who.staff], ['close', who.staff], ['rate', who.res, { satisfaction: 'unsatisfied', resolved: false }]]);
    const s7 = await rep();
    await run(s7, [['accept', who.staff], ['dispatch', who.staff, { org: org.prop }]]);
    sql(srv, `UPDATE cases SET due_at = 1, response_due_at = 1 WHERE id = ${s7}`); // never signed, past both deadlines
    const s8 = await rep();
    await run(s8, [['accept', who.staff], ['handle', who.staff, { note: '已当面答复' }], ['verify', who.staff], ['close', who.staff]]);
    const s9 = await rep();
    await run(s9, [['accept', who.staff], ['dispatch', who.staff, { org: org.prop }], ['sign', who.prop], ['handle', who.prop, { note: 'x' }], ['rework', who.staff, { note: '未处理干净' }], ['sign', who.prop]]);
    sql(srv, `UPDATE cases SET due_at = 1 WHERE id = ${s9}`); // handled after its deadline
    await run(s9, [['handle', who.prop, { note: '已处理' }], ['verify', who.staff], ['close', who.staff]]);

    const r = await ok(get(`/api/v1/stats/cases?node=${G3}&from=${encodeURIComponent(start)}`, who.staff), 'stats');
    assert.equal(r.node, G3);
    assertRfc3339Utc(r.as_of);
    // By hand, over the scenario's case L and S1..S9:
    //   received   L S1 S2 S6 S7 S8 S9 (S3 withdrawn, S4 merged, S5 self-handled)  7
    //   registered L S6 S7 S8 S9                                                  5
    //   dispatched L S6 S7 S9 (S8 answered by the community)                      4
    //   due        closed L S6 S8 S9, past its deadline S7                         5
    //   closed     L S6 S8 S9; on time L S6 S8 (S9 handled late)                  4, 3
    //   reworked   L S9; extended L                                               2, 1
    //   response   due L S6 S7 S8 S9, on time L S6 S8 S9                          5, 4
    //   rated      L (satisfied, resolved) S6 (unsatisfied, not resolved)         2
    assert.deepEqual(r.counts, {
      received: 7, registered: 5, rejected: 1, withdrawn: 1, merged: 1, dispatched: 4, due: 5,
      closed: 4, closed_on_time: 3, reworked: 2, extended: 1, due_response: 5, responded_on_time: 4,
      rated: 2, resolved: 1, satisfied: 1, basically_satisfied: 0, unsatisfied: 1, self_handled: 1,
      escalated: 1,
    });
    const pct = Object.fromEntries(Object.entries(r.rates).map(([k, v]) => [k, [v.label, v.numerator, v.denominator, v.percent]]));
    assert.deepEqual(pct, {
      registration: ['立案率', 5, 7, '71.4'],
      dispatch: ['派遣率', 4, 5, '80.0'],
      closure: ['结案率', 4, 5, '80.0'],
      on_time_closure: ['按期结案率', 3, 5, '60.0'],
      rework: ['返工率', 2, 5, '40.0'],
      extension: ['延期率', 1, 5, '20.0'],
      response: ['响应率', 4, 5, '80.0'],
      resolution: ['解决率', 1, 2, '50.0'],
      satisfaction: ['满意率', 1, 2, '50.0'],
      self_handled: ['自处置率', 1, 8, '12.5'],
    });
    // A period before anything: every rate null.
    const empty = await ok(get(`/api/v1/stats/cases?node=${G3}&from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z`, who.staff), 'empty');
    assert.equal(empty.counts.received, 0);
    assert.equal(empty.rates.closure.percent, null);
    // The community holds at least the grid's cases; the street as much.
    const c1 = await ok(get(`/api/v1/stats/cases?node=${C1}&from=${encodeURIComponent(start)}`, who.sec), 'community');
    assert.ok(c1.counts.received >= 7);
    await ok(get(`/api/v1/stats/cases?node=${STREET}`, who.street), 'street');
    // Scopes and bad queries.
    expectStatus(await get(`/api/v1/stats/cases?node=${G3}`, who.staffB), 404, 'not_found', 'other community');
    expectStatus(await get(`/api/v1/stats/cases?node=${G3}`, who.prop), 404, 'not_found', 'property');
    expectStatus(await get(`/api/v1/stats/cases?node=${G3}`, who.res), 404, 'not_found', 'resident');
    expectStatus(await get(`/api/v1/stats/cases?node=${STREET}`, who.staff), 404, 'not_found', 'above the community');
    for (const q of ['', 'node=12', `node=${G3}&from=x`, `node=${G3}&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z`, `node=${G3}&from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`])
      expectStatus(await get(`/api/v1/stats/cases?${q}`, who.staff), 400, 'bad_query', q);
  });
});
