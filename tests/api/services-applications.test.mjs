// Applications for services (issue 14 item 2): a resident applies online for themselves
// and a household member, staff at the counter; files checked by their bytes; every
// missing field and material named; the state table with 补正; time limits in working
// days over the 2025 National Day holiday; the overdue list and the rates per office
// against figures computed by hand; the resident's rating. Time is driven by the test
// clock of the test build (X-Test-Now, GONGZHI_TEST_CLOCK=1). Runs on SQLite, PostgreSQL
// and two processes sharing one PostgreSQL.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startServer, api, ROOT } from '../lib/server.mjs';
import { assertErrorShape, assertNoSanitizerReport } from './util.mjs';
import { adminSession, makeUser, login, sql } from './auth-util.mjs';
import { assertStoredOnDisk } from './media-util.mjs';

const C1 = '110101001001';
const C2 = '110101001002';
const G1 = C1 + '001';
const G2 = C1 + '002';
const FIXTURE = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/grids_ok.geojson'), 'utf8'));

// Beijing wall-clock time → the X-Test-Now header.
const bj = (s) => new Date(`${s}+08:00`).toISOString();

export const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(64, 7)]);
export const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

let srv, admin, clerk, clerkC2, gwG2, zhang, wang, secretary;
const ids = {}; // residents
const svc = {}; // services by name
const app = {}; // applications A..E

before(async () => {
  srv = await startServer({ env: { GONGZHI_TEST_CLOCK: '1' } });
  admin = await adminSession(srv);
  let r = await api(srv, 'POST', '/api/v1/grids/import', FIXTURE, admin.bearer);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  await makeUser(srv, admin, 'clerk', [['community_staff', C1]]);
  await makeUser(srv, admin, 'secretary', [['community_admin', C1]]);
  secretary = await login(srv, 'secretary');
  await makeUser(srv, admin, 'clerk-c2', [['community_staff', C2]]);
  await makeUser(srv, admin, 'gw-g2', [['grid_worker', G2]]);
  await makeUser(srv, admin, 'zhangwei', [['resident', G1]]);
  await makeUser(srv, admin, 'wangfang', [['resident', G2]]);
  [clerk, clerkC2, gwG2, zhang, wang] = await Promise.all(['clerk', 'clerk-c2', 'gw-g2', 'zhangwei', 'wangfang'].map((u) => login(srv, u)));
  r = await api(srv, 'POST', '/api/v1/households', { grid_code: G1, address: '多福巷1号1-101' }, admin.bearer);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const hh = r.body.id;
  for (const [k, body] of [
    ['zhang', { name: '张伟', grid_code: G1, household_id: hh, relation: '户主' }],
    ['li', { name: '李娜', grid_code: G1, household_id: hh, relation: '配偶' }],
    ['wang', { name: '王芳', grid_code: G2 }],
  ]) {
    r = await api(srv, 'POST', '/api/v1/residents', body, admin.bearer);
    assert.equal(r.status, 201, `${k}: ${JSON.stringify(r.body)}`);
    ids[k] = r.body.id;
  }
  for (const [k, who] of [['zhang', zhang], ['wang', wang]]) {
    r = await api(srv, 'PATCH', `/api/v1/residents/${ids[k]}`, { user_id: who.user.id }, admin.bearer);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  r = await api(srv, 'GET', '/api/v1/service-catalogue?limit=200');
  for (const s of r.body.items) svc[s.name] = s.id;
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

const at = (when, who) => ({ ...who.bearer, 'X-Test-Now': bj(when) });
const post = (path, body, who, when = '2025-09-26T09:00:00') => api(srv, 'POST', path, body, at(when, who));
const get = (path, who, when = '2025-10-14T10:00:00') => api(srv, 'GET', path, undefined, at(when, who));
const step = (id, action, who, when, extra = {}) => post(`/api/v1/service-applications/${id}/actions`, { action, ...extra }, who, when);
async function upload(who, bytes, type = 'image/png') {
  const r = await api(srv, 'POST', '/api/v1/service-attachments?name=scan', bytes, { ...who.bearer, 'Content-Type': type });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}
function expectFields(r, fields, what) {
  assert.equal(r.status, 422, `${what}: ${JSON.stringify(r.body)}`);
  assertErrorShape(r.body, 'invalid_fields', what);
  assert.deepEqual(Object.keys(r.body.error.fields).sort(), [...fields].sort(), what);
}
const counts = () => sql(srv, `SELECT (SELECT COUNT(*) FROM service_applications),
  (SELECT COUNT(*) FROM service_application_events), (SELECT COUNT(*) FROM audit_log)`)[0].join(',');

const RESIDENCE = (files) => ({
  fields: { purpose: '子女入学', address: '多福巷1号1-101', since: '2018-03-01' },
  materials: { id_card: [files.id], housing: [files.housing] },
});

describe('files are what they claim', () => {
  test('PNG, PDF and JPEG by their bytes; a file that is not what it says, an empty one, a huge one', async () => {
    const png = await api(srv, 'POST', '/api/v1/service-attachments?name=身份证.png', PNG, { ...zhang.bearer, 'Content-Type': 'image/png' });
    assert.equal(png.status, 201, JSON.stringify(png.body));
    assert.equal(png.body.media_type, 'image/png');
    assert.equal(png.body.size, PNG.length);
    assert.match(png.body.sha256, /^[0-9a-f]{64}$/);
    assert.equal(assertStoredOnDisk(srv, 'service_attachments', PNG), png.body.sha256);
    const jpeg = Buffer.concat([Buffer.from('ffd8ffe0', 'hex'), Buffer.alloc(32)]);
    assert.equal((await api(srv, 'POST', '/api/v1/service-attachments', jpeg, { ...zhang.bearer, 'Content-Type': 'image/jpeg' })).status, 201);
    const before = counts();
    const lie = await api(srv, 'POST', '/api/v1/service-attachments', PNG, { ...zhang.bearer, 'Content-Type': 'application/pdf' });
    assert.equal(lie.status, 422);
    assertErrorShape(lie.body, 'attachment_mismatch');
    const gif = await api(srv, 'POST', '/api/v1/service-attachments', Buffer.from('GIF89a....'), { ...zhang.bearer, 'Content-Type': 'image/png' });
    assert.equal(gif.status, 422);
    const html = await api(srv, 'POST', '/api/v1/service-attachments', '<html>', { ...zhang.bearer, 'Content-Type': 'text/html' });
    assert.equal(html.status, 415);
    const empty = await api(srv, 'POST', '/api/v1/service-attachments', Buffer.alloc(0), { ...zhang.bearer, 'Content-Type': 'application/pdf' });
    assert.equal(empty.status, 422);
    assertErrorShape(empty.body, 'empty_file');
    const huge = await api(srv, 'POST', '/api/v1/service-attachments', Buffer.concat([PDF, Buffer.alloc(5 << 20)]), { ...zhang.bearer, 'Content-Type': 'application/pdf' });
    assert.equal(huge.status, 413);
    assert.equal(counts(), before);
    // Only the uploader reads a file no application uses.
    assert.equal((await get(`/api/v1/service-attachments/${png.body.id}`, zhang)).status, 200);
    assert.equal((await get(`/api/v1/service-attachments/${png.body.id}`, wang)).status, 404);
    assert.equal((await get(`/api/v1/service-attachments/${png.body.id}`, clerk)).status, 404);
  });
});

describe('filing', () => {
  test('missing required fields and materials are 422 naming each; nothing written', async () => {
    const before = counts();
    const r = await post('/api/v1/service-applications', { service_id: svc['居住证明'] }, zhang);
    expectFields(r, ['fields.purpose', 'fields.address', 'fields.since', 'materials.id_card', 'materials.housing'], 'empty');
    assert.equal(r.body.error.fields['materials.housing'], '缺少材料：房屋产权证明或房屋租赁合同');
    assert.equal(r.body.error.fields['fields.purpose'], '缺少必填项：证明用途');
    const bad = await post('/api/v1/service-applications', {
      service_id: svc['居住证明'], fields: { purpose: '买房', address: '多福巷1号', since: '2018-02-30', pet: 'cat' },
      materials: { id_card: ['999999'], housing: 'x' },
    }, zhang);
    expectFields(bad, ['fields.purpose', 'fields.since', 'fields.pet', 'materials.housing'], 'bad values');
    // A file that does not exist, or is someone else's, is named where it is used.
    const theirs = await upload(wang, PDF, 'application/pdf');
    const mine = await upload(zhang, PNG);
    const foreign = await post('/api/v1/service-applications', { service_id: svc['居住证明'], ...RESIDENCE({ id: '999999', housing: theirs }) }, zhang);
    expectFields(foreign, ['materials.id_card', 'materials.housing'], 'foreign files');
    assert.match(foreign.body.error.fields['materials.housing'], /不存在或不能使用/);
    // Filed in August: outside the period of the rates below.
    assert.equal((await post('/api/v1/service-applications', { service_id: svc['居住证明'], ...RESIDENCE({ id: mine, housing: mine }) }, zhang, '2025-08-01T09:00:00')).status, 201, 'one file may serve twice');
    assert.notEqual(counts(), before);
  });

  test('for oneself and a household member online; not for others; in person only at the counter', async () => {
    const files = { id: await upload(zhang, PNG), housing: await upload(zhang, PDF, 'application/pdf') };
    let r = await post('/api/v1/service-applications', { service_id: svc['居住证明'], ...RESIDENCE(files) }, zhang, '2025-09-26T09:00:00');
    assert.equal(r.status, 201, JSON.stringify(r.body));
    app.A = r.body;
    assert.equal(r.body.state, 'received');
    assert.equal(r.body.state_label, '已接收');
    assert.equal(r.body.channel, 'online');
    assert.equal(r.body.resident.name, '张伟', 'their own name in full');
    assert.equal(r.body.received_at, bj('2025-09-26T09:00:00').replace('.000Z', 'Z'));
    assert.equal(r.body.due_at, null);
    assert.equal(Object.keys(r.body.files).length, 2);
    assert.deepEqual(r.body.events.map((e) => e.action), ['submit']);
    assert.equal(r.body.events[0].username, undefined, 'residents do not see who handled it');

    const spouse = { id: await upload(zhang, PNG), housing: await upload(zhang, PDF, 'application/pdf') };
    r = await post('/api/v1/service-applications', { service_id: svc['居住证明'], resident_id: ids.li, ...RESIDENCE(spouse) }, zhang, '2025-09-30T09:00:00');
    assert.equal(r.status, 201, JSON.stringify(r.body));
    app.B = r.body;
    assert.equal(r.body.resident.name, '李娜');
    assert.equal(r.body.channel, 'online');

    const other = { id: await upload(zhang, PNG), housing: await upload(zhang, PDF, 'application/pdf') };
    r = await post('/api/v1/service-applications', { service_id: svc['居住证明'], resident_id: ids.wang, ...RESIDENCE(other) }, zhang);
    assert.equal(r.status, 404, 'not their household: as if nobody');
    r = await post('/api/v1/service-applications', {
      service_id: svc['最低生活保障申请（社区初审）'], fields: { members: '2', reason: '失业' },
      materials: { id_cards: [other.id], hukou: [other.id], income: [other.id], assets: [other.id], authorisation: [other.id] },
    }, zhang);
    assert.equal(r.status, 422);
    assertErrorShape(r.body, 'in_person_only');
  });

  test('staff apply at the counter for residents of their scope only', async () => {
    const f = await upload(clerk, PNG);
    let r = await post('/api/v1/service-applications', {
      service_id: svc['老年人优待证办理'], resident_id: ids.wang, fields: { photo: f, pickup: '社区领取' },
      materials: { id_card: [f], hukou: [f] },
    }, clerk, '2025-09-01T09:00:00');
    assert.equal(r.status, 201, JSON.stringify(r.body));
    app.C = r.body;
    assert.equal(r.body.channel, 'counter');
    assert.equal(r.body.resident.name, '王芳', 'community staff read the register: names in full');
    const g = await upload(clerkC2, PNG);
    r = await post('/api/v1/service-applications', {
      service_id: svc['高龄津贴申请'], resident_id: ids.wang, materials: { id_card: [g], hukou: [g], bank_card: [g] },
    }, clerkC2);
    assert.equal(r.status, 404, 'another community\'s resident');
    const h = await upload(clerk, PNG);
    r = await post('/api/v1/service-applications', {
      service_id: svc['高龄津贴申请'], resident_id: ids.wang, materials: { id_card: [h], hukou: [h], bank_card: [h] },
    }, clerk, '2025-10-09T09:00:00');
    assert.equal(r.status, 201, JSON.stringify(r.body));
    app.D = r.body;
    const e = await upload(zhang, PNG);
    r = await post('/api/v1/service-applications', {
      service_id: svc['独生子女证明'],
      fields: { spouse_name: '李娜', child_name: '张小明', child_birth: '2015-06-01', purpose: '退休待遇' },
      materials: { id_cards: [e], hukou: [e], marriage: [e], birth_cert: [e] },
    }, zhang, '2025-10-13T09:00:00');
    assert.equal(r.status, 201, JSON.stringify(r.body));
    app.E = r.body;
  });
});

describe('the steps, 补正 included', () => {
  test('a resident cannot take staff steps; a step from the wrong state is 409; out of scope 404', async () => {
    let r = await step(app.A.id, 'accept', zhang, '2025-09-26T09:30:00');
    assert.equal(r.status, 403);
    r = await step(app.A.id, 'approve', clerk, '2025-09-26T09:30:00');
    assert.equal(r.status, 409);
    assertErrorShape(r.body, 'invalid_transition');
    r = await step(app.A.id, 'accept', clerkC2, '2025-09-26T09:30:00');
    assert.equal(r.status, 404);
    assert.equal((await get(`/api/v1/service-applications/${app.A.id}`, clerkC2)).status, 404);
    assert.equal((await get(`/api/v1/service-applications/${app.A.id}`, wang)).status, 404);
    assert.equal((await get(`/api/v1/service-applications/${app.A.id}`, gwG2)).status, 404);
    r = await step(app.A.id, 'return', clerk, '2025-09-26T10:00:00');
    expectFields(r, ['missing'], 'return without the list');
    r = await step(app.A.id, 'dance', clerk, '2025-09-26T10:00:00');
    expectFields(r, ['action'], 'unknown action');
  });

  test('A: returned for a new contract, resubmitted, accepted over the holiday, approved on time, issued, rated', async () => {
    let r = await get(`/api/v1/service-applications/${app.A.id}`, clerk);
    assert.deepEqual(r.body.actions, ['accept', 'return']);
    r = await step(app.A.id, 'return', clerk, '2025-09-26T10:00:00', { missing: ['房屋租赁合同（已过期，请上传有效期内的合同）'] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.state, 'returned');
    assert.deepEqual(r.body.missing, ['房屋租赁合同（已过期，请上传有效期内的合同）']);
    // The resident sees the list in the timeline, and may resubmit.
    r = await get(`/api/v1/service-applications/${app.A.id}`, zhang);
    assert.equal(r.body.state_label, '待补正');
    assert.deepEqual(r.body.events.at(-1).note, { missing: ['房屋租赁合同（已过期，请上传有效期内的合同）'] });
    assert.deepEqual(r.body.actions, ['resubmit']);
    const contract = await upload(zhang, PDF, 'application/pdf');
    r = await step(app.A.id, 'resubmit', zhang, '2025-09-29T09:00:00', { materials: { housing: [contract] } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.state, 'received');
    assert.equal(r.body.missing, null);
    assert.deepEqual(r.body.materials.housing, [contract]);
    // Accepted Tuesday 30 September: 1–8 October are the holiday, so 3 working days end
    // on Saturday 11 October (a 调休 working day).
    r = await step(app.A.id, 'accept', clerk, '2025-09-30T10:00:00');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.due_date, '2025-10-11');
    assert.equal(r.body.due_at, '2025-10-11T16:00:00Z');
    r = await step(app.A.id, 'process', clerk, '2025-10-09T09:00:00');
    assert.equal(r.body.state, 'processing');
    r = await step(app.A.id, 'approve', clerk, '2025-10-10T15:00:00', { note: '已入户核实' });
    assert.equal(r.body.state, 'approved');
    assert.equal(r.body.overdue, false);
    r = await step(app.A.id, 'issue', clerk, '2025-10-10T16:00:00');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.state, 'issued');
    assert.equal(r.body.state_label, '已出具');
    r = await post(`/api/v1/service-applications/${app.A.id}/rating`, { stars: 5, comment: '很快' }, clerk, '2025-10-11T09:00:00');
    assert.equal(r.status, 403, 'staff do not rate');
    r = await post(`/api/v1/service-applications/${app.A.id}/rating`, { stars: 5, comment: '很快' }, zhang, '2025-10-11T09:00:00');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual([r.body.rating.stars, r.body.rating.comment], [5, '很快']);
    r = await post(`/api/v1/service-applications/${app.A.id}/rating`, { stars: 1 }, zhang, '2025-10-11T09:10:00');
    assert.equal(r.status, 409);
    assertErrorShape(r.body, 'already_rated');
    r = await get(`/api/v1/service-applications/${app.A.id}`, zhang);
    assert.deepEqual(r.body.events.map((e) => e.action),
      ['submit', 'return', 'resubmit', 'accept', 'process', 'approve', 'issue', 'rate']);
    const staffView = await get(`/api/v1/service-applications/${app.A.id}`, clerk);
    assert.equal(staffView.body.events[1].username, 'clerk');
    // The files of an application are read by whoever reads it.
    assert.equal((await get(`/api/v1/service-attachments/${contract}`, clerk)).status, 200);
    assert.equal((await get(`/api/v1/service-attachments/${contract}`, clerkC2)).status, 404);
    const audit = sql(srv, `SELECT action FROM audit_log WHERE record_type = 'service_application' AND record_id = '${app.A.id}' ORDER BY id`).map((x) => x[0]);
    assert.deepEqual(audit, ['service_application.create', 'service_application.return', 'service_application.resubmit',
      'service_application.accept', 'service_application.process', 'service_application.approve',
      'service_application.issue', 'service_application.rate']);
    // Notified at each step (the inbox, GET /notifications): the resident of every step
    // staff took, by the service's name; the community's staff of the new and the
    // resubmitted application; nobody of their own step.
    const inbox = (await get('/api/v1/notifications?limit=100', zhang)).body.items
      .filter((n) => n.object_type === 'service_application' && n.object_id === app.A.id).reverse();
    assert.deepEqual(inbox.map((n) => n.title.replace(/^您的办事申请「[^」]+」/, '')),
      ['待补正，请补正材料', '已受理', '办理中', '已通过', '已出具'], JSON.stringify(inbox));
    assert.ok(inbox.every((n) => n.link === `/service-applications/${app.A.id}` && n.title.includes('「')));
    const staffInbox = (await get('/api/v1/notifications?limit=100', clerk)).body.items
      .filter((n) => n.object_id === app.A.id).map((n) => n.title).reverse();
    assert.equal(staffInbox.length, 2, JSON.stringify(staffInbox));
    assert.match(staffInbox[0], /^新的办事申请「.+」待受理$/);
    assert.match(staffInbox[1], /^补正后的办事申请「.+」待受理$/);
    assert.equal((await get('/api/v1/notifications?limit=100', clerkC2)).body.items.filter((n) => n.object_id === app.A.id).length, 0);
  });

  test('B is accepted and left undecided; C is approved late; D is refused on time; E waits for 补正', async () => {
    let r = await step(app.B.id, 'accept', clerk, '2025-09-30T11:00:00');
    assert.equal(r.body.due_date, '2025-10-11');
    // C: accepted Monday 1 September, 10 working days end on Monday 15 September.
    r = await step(app.C.id, 'accept', clerk, '2025-09-01T09:30:00');
    assert.equal(r.body.due_date, '2025-09-15');
    await step(app.C.id, 'process', clerk, '2025-09-02T09:00:00');
    r = await step(app.C.id, 'approve', clerk, '2025-09-17T10:00:00');
    assert.equal(r.body.state, 'approved');
    r = await step(app.C.id, 'issue', clerk, '2025-09-18T10:00:00');
    assert.equal(r.body.certificate, null, 'an elder card is no certificate of ours');
    r = await post(`/api/v1/service-applications/${app.C.id}/rating`, { stars: 3 }, wang, '2025-09-20T10:00:00');
    assert.equal(r.status, 200, 'the person\'s own account rates what staff filed for them');
    // D: accepted Thursday 9 October: 10, 11 (调休), 13–17, 20–22 → due 22 October.
    r = await step(app.D.id, 'accept', clerk, '2025-10-09T10:00:00');
    assert.equal(r.body.due_date, '2025-10-22');
    await step(app.D.id, 'process', clerk, '2025-10-10T09:00:00');
    r = await step(app.D.id, 'refuse', clerk, '2025-10-13T09:00:00');
    expectFields(r, ['reason'], 'refuse without a reason');
    r = await step(app.D.id, 'refuse', clerk, '2025-10-13T09:00:00', { reason: '申请人未满 80 周岁' });
    assert.equal(r.body.state, 'refused');
    assert.equal(r.body.reason, '申请人未满 80 周岁');
    r = await post(`/api/v1/service-applications/${app.D.id}/rating`, { stars: 2 }, wang, '2025-10-14T09:00:00');
    assert.equal(r.status, 200);
    r = await post(`/api/v1/service-applications/${app.B.id}/rating`, { stars: 2 }, zhang, '2025-10-14T09:00:00');
    assert.equal(r.status, 409, 'not decided yet');
    r = await step(app.E.id, 'return', clerk, '2025-10-13T10:00:00', { missing: ['子女出生医学证明（看不清）'] });
    assert.equal(r.body.state, 'returned');
  });
});

describe('the overdue list and the rates per office, by hand', () => {
  test('on 14 October 2025 only B is overdue, by 2 working days', async () => {
    const r = await get('/api/v1/service-applications?overdue=1', clerk, '2025-10-14T10:00:00');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.items.map((i) => i.id), [app.B.id]);
    const [b] = r.body.items;
    assert.equal(b.overdue, true);
    assert.equal(b.due_date, '2025-10-11');
    assert.equal(b.overdue_workdays, 2, '13 and 14 October');
    assert.equal(b.resident.name, '李娜');
    // The day before the due date's end nothing is overdue.
    const early = await get('/api/v1/service-applications?overdue=1', clerk, '2025-10-11T23:59:00');
    assert.deepEqual(early.body.items, []);
    // Out of scope: the other community sees none of it.
    const c2 = await get('/api/v1/service-applications?overdue=1', clerkC2, '2025-10-14T10:00:00');
    assert.deepEqual(c2.body.items, []);
    const all = await get('/api/v1/service-applications?limit=200', clerk);
    assert.ok([app.A, app.B, app.C, app.D, app.E].every((a) => all.body.items.some((i) => i.id === a.id)));
    const returned = await get('/api/v1/service-applications?state=returned', clerk);
    assert.deepEqual(returned.body.items.map((i) => i.id), [app.E.id]);
    assert.equal((await get('/api/v1/service-applications?state=lost', clerk)).status, 400);
    assert.equal((await get('/api/v1/service-applications', zhang)).status, 403, 'residents have no queue');
  });

  test('rates per office for September and October 2025', async () => {
    const r = await get('/api/v1/service-rates?from=2025-09-01&to=2025-10-31', clerk, '2025-10-14T10:00:00');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const by = Object.fromEntries(r.body.offices.map((o) => [o.office, o]));
    // 社区综合受理窗口: A (returned once, on time, 5 stars) and B (overdue).
    const w = by['社区综合受理窗口'];
    assert.deepEqual([w.received, w.accepted, w.decided, w.approved, w.on_time, w.late, w.overdue_open, w.returned, w.rated, w.satisfied, w.rating_sum],
      [2, 2, 1, 1, 1, 0, 1, 1, 1, 1, 5]);
    assert.deepEqual([w.on_time_rate, w.approval_rate, w.return_rate, w.satisfaction_rate, w.average_rating],
      ['100.0', '100.0', '50.0', '100.0', '5.0']);
    // 社区民政工作站: C (approved 2 days late, 3 stars), D (refused on time, 2 stars).
    const m = by['社区民政工作站'];
    assert.deepEqual([m.received, m.accepted, m.decided, m.approved, m.refused, m.on_time, m.late, m.overdue_open, m.rated, m.satisfied, m.rating_sum],
      [2, 2, 2, 1, 1, 1, 1, 0, 2, 0, 5]);
    assert.deepEqual([m.on_time_rate, m.approval_rate, m.return_rate, m.satisfaction_rate, m.average_rating],
      ['50.0', '50.0', '0.0', '0.0', '2.5']);
    // 社区计生服务站: E, received and returned.
    const j = by['社区计生服务站'];
    assert.deepEqual([j.received, j.accepted, j.decided, j.returned], [1, 0, 0, 1]);
    assert.deepEqual([j.on_time_rate, j.return_rate, j.satisfaction_rate], [null, '100.0', null]);
    // Together: 2 of 3 decided on time, 2 of 5 returned, 1 of 3 satisfied, 10/3 stars.
    const t = r.body.total;
    assert.deepEqual([t.received, t.decided, t.on_time, t.overdue_open, t.returned, t.rated, t.satisfied],
      [5, 3, 2, 1, 2, 3, 1]);
    assert.deepEqual([t.on_time_rate, t.return_rate, t.satisfaction_rate, t.average_rating],
      ['66.7', '40.0', '33.3', '3.3']);
    // September alone: C only among the decided.
    const sep = await get('/api/v1/service-rates?from=2025-09-01&to=2025-09-30', clerk, '2025-10-14T10:00:00');
    assert.equal(sep.body.total.decided, 1);
    assert.equal(sep.body.total.on_time_rate, '0.0');
    assert.equal((await get('/api/v1/service-rates?from=2025-10-31&to=2025-09-01', clerk)).status, 400);
    assert.equal((await get('/api/v1/service-rates', zhang)).status, 403);
  });

  test('my applications: newest first, with household members\' ones', async () => {
    const r = await get('/api/v1/me/service-applications', zhang);
    assert.equal(r.status, 200);
    const mine = r.body.items.map((i) => i.id);
    for (const a of [app.A, app.B, app.E]) assert.ok(mine.includes(a.id));
    assert.ok(!mine.includes(app.C.id));
    assert.deepEqual(mine, [...mine].sort((x, y) => Number(y) - Number(x)));
    const w = await get('/api/v1/me/service-applications', wang);
    assert.deepEqual(w.body.items.map((i) => i.id).sort(), [app.C.id, app.D.id].sort());
  });
});

describe('the working-day calendar', () => {
  test('2025 and 2026 are seeded; administrators add days', async () => {
    const r = await get('/api/v1/service-calendar?year=2025', zhang);
    assert.equal(r.status, 200);
    assert.ok(r.body.days.some((d) => d.day === '2025-10-11' && d.workday === true));
    assert.ok(r.body.days.some((d) => d.day === '2025-10-08' && d.workday === false));
    assert.equal((await api(srv, 'PUT', '/api/v1/service-calendar/2027-01-01', { workday: false, note: '元旦' }, clerk.bearer)).status, 404);
    const put = await api(srv, 'PUT', '/api/v1/service-calendar/2027-01-01', { workday: false, note: '元旦' }, admin.bearer);
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const bad = await api(srv, 'PUT', '/api/v1/service-calendar/2027-01-02', { workday: false }, admin.bearer);
    assert.equal(bad.status, 422, 'a Saturday is off anyway');
    assert.equal((await api(srv, 'DELETE', '/api/v1/service-calendar/2027-01-01', undefined, admin.bearer)).status, 200);
    assert.equal((await api(srv, 'DELETE', '/api/v1/service-calendar/2027-01-01', undefined, admin.bearer)).status, 404);
  });
});

// The text of a PDF as pdftotext (poppler-utils) reads it.
function pdfText(bytes) {
  const file = join(srv.dir, `cert-${process.pid}-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, bytes);
  return execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}
async function download(path, who) {
  const res = await srv.fetch(path, { headers: who.bearer });
  return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
}
const check = (code) => api(srv, 'GET', `/api/v1/certificate-checks/${encodeURIComponent(code)}`);

describe('certificates', () => {
  let cert;
  test('issuing A gave a numbered certificate with a verification code', async () => {
    const r = await get(`/api/v1/service-applications/${app.A.id}`, zhang);
    cert = r.body.certificate;
    assert.ok(cert, JSON.stringify(r.body));
    assert.equal(cert.number, `${C1}-2025-000001`);
    assert.match(cert.verify_code, /^[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}$/);
    assert.equal(cert.kind, '居住证明');
    assert.equal(cert.holder_name, '张*');
    assert.ok(cert.body.includes('张*') && cert.body.includes('多福巷1号1-101') && cert.body.includes('2018年3月1日'), cert.body);
    assert.ok(!cert.body.includes('张伟'), 'the full name is not on the certificate');
    assert.equal(cert.revoked, false);
    assert.ok(cert.community.name && cert.community.name !== C1);
    assert.equal(r.body.events.find((e) => e.action === 'issue').note.certificate_number, cert.number);
  });

  test('the public check: kind, number, date and community only, without a login', async () => {
    const r = await check(cert.verify_code);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { status: 'valid', valid: true, kind: '居住证明', number: cert.number, issued_on: '2025-10-10', community: cert.community.name });
    const typed = await check(cert.verify_code.toLowerCase().replace(/-/g, ' '));
    assert.equal(typed.body.status, 'valid', 'as typed, lower case and spaces');
    for (const forged of ['ABCD-EFGH-JKLM-NPQR', cert.verify_code.slice(0, -1) + (cert.verify_code.endsWith('2') ? '3' : '2'), 'x', "' OR 1=1 --", 'A'.repeat(60)]) {
      const f = await check(forged);
      assert.equal(f.status, 200, forged);
      assert.deepEqual(f.body, { status: 'invalid', valid: false }, forged);
    }
  });

  test('the holder downloads the PDF: pdftotext reads the masked name and the number', async () => {
    const d = await download(cert.pdf_url, zhang);
    assert.equal(d.status, 200);
    assert.equal(d.type, 'application/pdf');
    assert.equal(d.bytes.subarray(0, 5).toString(), '%PDF-');
    const text = pdfText(d.bytes);
    assert.ok(text.includes('张*'), text);
    assert.ok(text.includes(cert.number), text);
    assert.ok(text.includes(cert.verify_code), text);
    assert.ok(text.includes('居住证明'), text);
    assert.ok(!text.includes('张伟'), text);
    assert.equal((await download(cert.pdf_url, clerk)).status, 200, 'staff who read the application');
    assert.equal((await download(cert.pdf_url, clerkC2)).status, 404);
    assert.equal((await download(cert.pdf_url, wang)).status, 404);
    assert.equal((await download('/api/v1/service-certificates/999999/pdf', zhang)).status, 404);
  });

  test('revoked by the secretary: recorded, shown as revoked without detail, on the PDF and the timeline', async () => {
    let r = await post(`/api/v1/service-certificates/${cert.id}/revoke`, { reason: '居住地址有误' }, clerk, '2025-10-15T09:00:00');
    assert.equal(r.status, 403, 'staff without admin');
    r = await post(`/api/v1/service-certificates/${cert.id}/revoke`, {}, secretary, '2025-10-15T09:00:00');
    assert.equal(r.status, 422);
    r = await post(`/api/v1/service-certificates/${cert.id}/revoke`, { reason: '居住地址有误' }, secretary, '2025-10-15T09:00:00');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.certificate.revoked, true);
    assert.equal(r.body.certificate.revoked_reason, '居住地址有误');
    assert.equal(r.body.events.at(-1).action, 'revoke');
    const c = await check(cert.verify_code);
    assert.deepEqual(c.body, { status: 'revoked', valid: false });
    r = await post(`/api/v1/service-certificates/${cert.id}/revoke`, { reason: '再次' }, secretary, '2025-10-15T09:10:00');
    assert.equal(r.status, 409);
    const text = pdfText((await download(cert.pdf_url, zhang)).bytes);
    assert.ok(text.includes('作废'), text);
    const audit = sql(srv, `SELECT action, record_id FROM audit_log WHERE action = 'service_certificate.revoke'`);
    assert.deepEqual(audit, [['service_certificate.revoke', cert.id]]);
  });

  test('numbers run per community and year', async () => {
    const files = { id: await upload(zhang, PNG), housing: await upload(zhang, PDF, 'application/pdf') };
    let r = await post('/api/v1/service-applications', { service_id: svc['居住证明'], resident_id: ids.li, ...RESIDENCE(files) }, zhang, '2025-10-20T09:00:00');
    const id = r.body.id;
    for (const [a, when] of [['accept', '2025-10-20T10:00:00'], ['process', '2025-10-20T11:00:00'], ['approve', '2025-10-21T09:00:00'], ['issue', '2025-10-21T10:00:00']]) {
      r = await step(id, a, clerk, when);
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    assert.equal(r.body.certificate.number, `${C1}-2025-000002`);
    assert.equal(r.body.certificate.holder_name, '李*');
    assert.equal((await check(r.body.certificate.verify_code)).body.status, 'valid');
  });
});
