// The organisation network of 一核多元 over HTTP: the Party line 街道党工委 → 社区党委 →
// 网格党支部 → 楼栋党小组 with checked parents, the other actors, members and contacts
// (交叉任职, phones masked), co-building agreements with commitments, Party members with
// 双报到, the network graph and the secretary's figures, and scopes (a community admin
// of community A can neither see nor write community B's organisations). Runs on
// SQLite, PostgreSQL and two processes sharing one PostgreSQL (GZ_TEST_SERVERS=2).
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
const G3 = C1 + '003';
const C2G1 = C2 + '001';
const FIXTURE = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/grids_ok.geojson'), 'utf8'));

let srv, admin, adminA, adminB, residentA, building;
const ids = {}; // organisation ids by a short name

before(async () => {
  srv = await startServer();
  admin = await opsSession(srv); // also reads the counts in /api/v1/status
  const imp = await api(srv, 'POST', '/api/v1/grids/import', FIXTURE, admin.bearer);
  assert.equal(imp.status, 201, JSON.stringify(imp.body));
  const b = await api(srv, 'POST', '/api/v1/buildings', { name: '1号楼', address: '多福巷1号', lat: 39.9002, lng: 116.4002 }, admin.bearer);
  assert.equal(b.status, 201, JSON.stringify(b.body));
  assert.equal(b.body.grid_code, G1);
  building = b.body.id;
  await makeUser(srv, admin, 'sec-a', [['community_admin', C1]], 'sec-a-password');
  await makeUser(srv, admin, 'sec-b', [['community_admin', C2]], 'sec-b-password');
  await makeUser(srv, admin, 'res-a', [['resident', G1]], 'res-a-password');
  adminA = await login(srv, 'sec-a', 'sec-a-password');
  adminB = await login(srv, 'sec-b', 'sec-b-password');
  residentA = await login(srv, 'res-a', 'res-a-password');
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

const post = (path, body, who = admin) => api(srv, 'POST', path, body, who.bearer);
const get = (path, who = admin) => api(srv, 'GET', path, undefined, who.bearer);
const counts = async () => (await api(srv, 'GET', '/api/v1/status', undefined, admin.bearer)).body.counts;
const auditCount = () => Number(sql(srv, 'SELECT COUNT(*) FROM audit_log')[0][0]);
const tableCounts = () => sql(srv, `SELECT
  (SELECT COUNT(*) FROM organisations), (SELECT COUNT(*) FROM org_members),
  (SELECT COUNT(*) FROM coop_agreements), (SELECT COUNT(*) FROM coop_commitments),
  (SELECT COUNT(*) FROM party_members)`)[0].join(',');

// Runs fn and asserts that no organisation row, member, agreement, commitment, Party
// member or audit row appeared.
async function unchanged(fn) {
  const before = [tableCounts(), auditCount()];
  await fn();
  assert.deepEqual([tableCounts(), auditCount()], before, 'nothing written');
}

function expectFields(r, fields, what) {
  assert.equal(r.status, 422, `${what}: ${JSON.stringify(r.body)}`);
  assertErrorShape(r.body, 'invalid_fields', what);
  for (const f of fields) assert.ok(f in r.body.error.fields, `${what}: field ${f} in ${JSON.stringify(r.body.error.fields)}`);
}

function expectStatus(r, status, code, what) {
  assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
  assertErrorShape(r.body, code, what);
}

async function createOrg(body, who = admin, name = body.name) {
  const r = await post('/api/v1/organisations', body, who);
  assert.equal(r.status, 201, `create ${name}: ${JSON.stringify(r.body)}`);
  return r.body;
}


// ---------------------------------------------------------------- the Party line

describe('organisations and the vertical line', () => {
  test('街道党工委 → 社区党委 → 网格党支部 → 楼栋党小组, each with its checked parent', async () => {
    const before = await counts();
    const street = await createOrg({ type: 'street_party_committee', name: '东华门街道党工委', space_code: STREET });
    assert.equal(typeof street.id, 'string');
    assert.match(street.id, /^\d+$/);
    assert.equal(street.type, 'street_party_committee');
    assert.equal(street.type_label, '街道党工委');
    assert.equal(street.is_party_org, true);
    assert.equal(street.parent_id, null);
    assert.equal(street.parent, null);
    assertRfc3339Utc(street.created_at);
    assertRfc3339Utc(street.updated_at);
    ids.street = street.id;

    // The community secretary of C1 creates the 社区党委 under the street's committee,
    // which lies outside their scope but above their community.
    const comm = await createOrg({ type: '社区党委', name: '多福巷社区党委', space_code: C1, parent_id: street.id }, adminA);
    assert.equal(comm.parent_id, street.id);
    assert.deepEqual(comm.parent, { id: street.id, name: '东华门街道党工委', type: 'street_party_committee', type_label: '街道党工委' });
    ids.comm = comm.id;
    const branch = await createOrg({ type: '网格党支部', name: '第一网格党支部', space_code: G1, parent_id: comm.id }, adminA);
    ids.branch = branch.id;
    const group = await createOrg({ type: '楼栋党小组', name: '1号楼党小组', building_id: building, parent_id: branch.id }, adminA);
    assert.equal(group.space_code, G1, 'a building group sits in its building\'s grid');
    assert.equal(group.building_id, building);
    assert.deepEqual(group.building, { id: building, name: '1号楼' });
    ids.group = group.id;
    const branch2 = await createOrg({ type: 'grid_party_branch', name: '第二网格党支部', space_code: G2, parent_id: comm.id }, adminA);
    ids.branch2 = branch2.id;

    const after = await counts();
    assert.equal(after.organisations, before.organisations + 5);
    const detail = await get(`/api/v1/organisations/${comm.id}`, adminA);
    assert.equal(detail.status, 200);
    assert.equal(detail.body.children, 2);
    const audit = sql(srv, "SELECT username, scope FROM audit_log WHERE action = 'org.create' ORDER BY id");
    assert.deepEqual(audit.slice(0, 3), [['admin', STREET], ['sec-a', C1], ['sec-a', G1]]);
  });

  test('a wrong parent type, place or level is 422 naming the field; nothing is written', async () => {
    await unchanged(async () => {
      // A 网格党支部 directly under the 街道党工委.
      let r = await post('/api/v1/organisations', { type: '网格党支部', name: '错误支部', space_code: G3, parent_id: ids.street });
      expectFields(r, ['parent_id'], 'branch under street committee');
      assert.match(r.body.error.fields.parent_id, /社区党委/);
      // A 楼栋党小组 under the 社区党委.
      r = await post('/api/v1/organisations', { type: '楼栋党小组', name: '错误小组', building_id: building, parent_id: ids.comm });
      expectFields(r, ['parent_id'], 'group under community committee');
      // A 网格党支部 without a parent.
      r = await post('/api/v1/organisations', { type: '网格党支部', name: '无上级支部', space_code: G3 });
      expectFields(r, ['parent_id'], 'branch without parent');
      // A 社区党委 at a grid.
      r = await post('/api/v1/organisations', { type: '社区党委', name: '错位党委', space_code: G3, parent_id: ids.street });
      expectFields(r, ['space_code'], 'community committee at a grid');
      // The parent of another community: C2's branch under C1's committee.
      r = await post('/api/v1/organisations', { type: '网格党支部', name: '跨社区支部', space_code: C2G1, parent_id: ids.comm });
      expectFields(r, ['parent_id'], 'parent of another community');
      // A co-building unit has no parent.
      r = await post('/api/v1/organisations', { type: '共建单位', name: '有上级的单位', space_code: C1, parent_id: ids.comm });
      expectFields(r, ['parent_id'], 'unit with parent');
      // A building group without its building.
      r = await post('/api/v1/organisations', { type: '楼栋党小组', name: '无楼小组', space_code: G1, parent_id: ids.branch });
      expectFields(r, ['building_id'], 'group without building');
      // A parent that does not exist.
      r = await post('/api/v1/organisations', { type: '网格党支部', name: '幽灵上级', space_code: G3, parent_id: '999999' });
      expectFields(r, ['parent_id'], 'missing parent');
      assert.equal(r.body.error.fields.parent_id, '组织不存在');
      // A place that does not exist (a well-formed grid code of no grid).
      r = await post('/api/v1/organisations', { type: '网格党支部', name: '无网格支部', space_code: C1 + '099', parent_id: ids.comm });
      expectFields(r, ['space_code'], 'missing grid');
    });
  });

  test('every bad field at once: 422 lists them all', async () => {
    await unchanged(async () => {
      const r = await post('/api/v1/organisations', { type: '党支部', name: '', space_code: '12345', credit_code: '91350100M000100Y44', parent_id: 7 });
      expectFields(r, ['type', 'name', 'space_code', 'credit_code', 'parent_id'], 'all bad');
      assert.match(r.body.error.fields.credit_code, /校验位/);
      const long = await post('/api/v1/organisations', { type: 'social_org', name: '名'.repeat(65), space_code: C1 });
      expectFields(long, ['name'], 'name too long');
      const nul = await post('/api/v1/organisations', { type: 'social_org', name: 'a\u0000b', space_code: C1 });
      expectStatus(nul, 400, 'invalid_json', 'NUL in a string is refused by the parser');
    });
  });

  test('the same type and name at one place is 409; a credit code is normalised', async () => {
    await unchanged(async () => {
      const r = await post('/api/v1/organisations', { type: '网格党支部', name: '第一网格党支部', space_code: G1, parent_id: ids.comm }, adminA);
      expectStatus(r, 409, 'duplicate_org', 'duplicate');
    });
    const unit = await createOrg({ type: '共建单位', name: '区人民医院', space_code: STREET, credit_code: '91350100m000100y43' });
    assert.equal(unit.credit_code, '91350100M000100Y43');
    ids.unit = unit.id;
    const unit2 = await createOrg({ type: 'coop_unit', name: '南池子小学', space_code: C2 }, adminB);
    ids.unit2 = unit2.id;
  });

  test('the tree of a node nests the line for el-tree; lists filter by type, space and parent', async () => {
    const t = await get(`/api/v1/organisations/tree?node=${STREET}`);
    assert.equal(t.status, 200, JSON.stringify(t.body));
    assert.equal(t.body.truncated, false);
    const root = t.body.tree.find((n) => n.id === ids.street);
    assert.ok(root, JSON.stringify(t.body.tree));
    assert.equal(root.label, '东华门街道党工委');
    const comm = root.children.find((n) => n.id === ids.comm);
    assert.deepEqual(comm.children.map((c) => c.label).sort(), ['第一网格党支部', '第二网格党支部']);
    const branch = comm.children.find((n) => n.id === ids.branch);
    assert.deepEqual(branch.children.map((c) => [c.id, c.label, c.type_label]), [[ids.group, '1号楼党小组', '楼栋党小组']]);
    // From the community, the 社区党委 is a root (its parent lies above the node).
    const tA = await get(`/api/v1/organisations/tree?node=${C1}`, adminA);
    assert.equal(tA.status, 200);
    assert.ok(tA.body.tree.some((n) => n.id === ids.comm && n.children.length === 2));
    assert.ok(!JSON.stringify(tA.body).includes('东华门街道党工委'));

    const branches = await get(`/api/v1/organisations?type=${encodeURIComponent('网格党支部')}`);
    assert.equal(branches.status, 200);
    assert.deepEqual(branches.body.items.map((o) => o.id), [ids.branch, ids.branch2]);
    assert.equal(branches.body.next_cursor, null);
    const inG1 = await get(`/api/v1/organisations?space=${G1}`);
    assert.deepEqual(inG1.body.items.map((o) => o.id), [ids.branch, ids.group]);
    const children = await get(`/api/v1/organisations?parent=${ids.comm}`);
    assert.deepEqual(children.body.items.map((o) => o.id), [ids.branch, ids.branch2]);
    // Pagination: one per page.
    const p1 = await get(`/api/v1/organisations?type=grid_party_branch&limit=1`);
    assert.equal(p1.body.items.length, 1);
    assert.equal(typeof p1.body.next_cursor, 'string');
    const p2 = await get(`/api/v1/organisations?type=grid_party_branch&limit=1&cursor=${p1.body.next_cursor}`);
    assert.deepEqual(p2.body.items.map((o) => o.id), [ids.branch2]);
  });
});

// ---------------------------------------------------------------- members

describe('members, contacts and 交叉任职', () => {
  test('a person holds positions in the 社区党委, the property company and the owners\' committee', async () => {
    const prop = await createOrg({ type: '物业服务企业', name: '红星物业', space_code: C1 }, adminA);
    const owners = await createOrg({ type: '业主委员会', name: '多福巷业委会', space_code: C1, parent_id: ids.comm }, adminA);
    const rc = await createOrg({ type: '居委会', name: '多福巷居委会', space_code: C1, parent_id: ids.comm }, adminA);
    ids.prop = prop.id; ids.owners = owners.id; ids.rc = rc.id;
    assert.equal(owners.type_label, '业主委员会/物业管理委员会');

    const phone = { phone: '138 1234 5678' };
    const add = (org, body) => post(`/api/v1/organisations/${org}/members`, body, adminA);
    let r = await add(ids.comm, { name: '张三', position: '书记', is_contact: true, since: '2024-01-01T00:00:00Z', ...phone });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.name, '张三');
    assert.equal(r.body.position, '书记');
    assert.equal(r.body.is_contact, true);
    assert.equal(r.body.since, '2024-01-01T00:00:00Z');
    assert.equal(r.body.org_id, ids.comm);
    assert.equal(r.body.phone, '138****5678', 'answered masked');
    r = await add(ids.prop, { name: '张三', position: '党支部书记', ...phone });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    // The same phone written another way is the same person.
    r = await add(ids.owners, { name: '张三', position: '委员', phone: '+86 13812345678' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    r = await add(ids.prop, { name: '李四', position: '项目经理', is_contact: true });
    assert.equal(r.status, 201, JSON.stringify(r.body));

    // A registered resident (the people registry) as a member; name from the registry.
    const now = Date.now();
    sql(srv, `INSERT INTO residents (grid_code, name, created_at, updated_at) VALUES ('${G1}', '王五', ${now}, ${now})`);
    const resId = sql(srv, "SELECT id FROM residents WHERE name = '王五'")[0][0];
    ids.resident = resId;
    r = await add(ids.comm, { resident_id: resId, position: '委员' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.name, '王五');
    assert.equal(r.body.resident_id, resId);
    r = await add(ids.owners, { resident_id: resId, position: '主任' });
    assert.equal(r.status, 201, JSON.stringify(r.body));

    // The same person and position twice: 409, nothing written.
    await unchanged(async () => {
      const d = await add(ids.comm, { resident_id: resId, position: '委员' });
      expectStatus(d, 409, 'duplicate_member', 'duplicate member');
    });

    const d = await get(`/api/v1/organisations/${ids.comm}`, adminA);
    assert.equal(d.status, 200);
    assert.equal(d.body.member_count, 2);
    assert.deepEqual(d.body.members.map((m) => [m.name, m.position]), [['张三', '书记'], ['王五', '委员']]);
    assert.deepEqual(d.body.contacts.map((m) => m.name), ['张三']);
    const text = JSON.stringify(d.body);
    assert.ok(!text.includes('13812345678'), 'no full phone in the detail');
    const pd = await get(`/api/v1/organisations/${ids.prop}`, residentA);
    assert.equal(pd.status, 404, 'a resident of grid 001 does not see community-level organisations');
    assert.equal(sql(srv, "SELECT COUNT(*) FROM audit_log WHERE action = 'org.member_add'")[0][0], '6');
    // The audit detail holds no name or phone.
    const details = sql(srv, "SELECT detail FROM audit_log WHERE action = 'org.member_add'").map((x) => x.join('|')).join('\n');
    assert.ok(!details.includes('张三') && !details.includes('1381234'), details);
  });

  test('phones are stored sealed: the plain number is nowhere in the database', async () => {
    const dump = dumpDatabase(srv);
    assert.ok(!dump.includes('13812345678'), 'plain phone in the database');
    assert.ok(!dump.includes('138****5678'), 'masked phone stored in clear');
    // Same person by phone: one person key across the two organisations.
    const keys = sql(srv, `SELECT DISTINCT person_key FROM org_members WHERE name = '张三'`);
    assert.equal(keys.length, 1);
    assert.match(keys[0][0], /^p:[0-9a-f]{64}$/);
  });

  test('bad member input: 422 for every field; unknown or foreign organisation: 404', async () => {
    await unchanged(async () => {
      let r = await post(`/api/v1/organisations/${ids.comm}/members`, { phone: '12345', is_contact: 'yes', since: 'yesterday' }, adminA);
      expectFields(r, ['name', 'position', 'phone', 'is_contact', 'since'], 'bad member');
      r = await post(`/api/v1/organisations/${ids.comm}/members`, { resident_id: '999999', position: '委员' }, adminA);
      expectFields(r, ['resident_id'], 'missing resident');
      r = await post('/api/v1/organisations/999999/members', { name: '赵六', position: '委员' }, adminA);
      expectStatus(r, 404, 'not_found', 'missing org');
      r = await post('/api/v1/organisations/abc/members', { name: '赵六', position: '委员' }, adminA);
      expectStatus(r, 404, 'not_found', 'malformed id');
      r = await post(`/api/v1/organisations/${ids.comm}/members`, { name: '赵六', position: '委员' }, adminB);
      expectStatus(r, 404, 'not_found', 'other community');
      r = await post(`/api/v1/organisations/${ids.branch}/members`, { name: '赵六', position: '委员' }, residentA);
      expectStatus(r, 403, 'forbidden', 'resident may not write');
    });
  });
});

// ---------------------------------------------------------------- agreements

describe('co-building agreements', () => {
  test('an agreement of a street-level unit with a community, with its commitments', async () => {
    const before = await counts();
    const r = await post('/api/v1/coop-agreements', {
      unit_org_id: ids.unit, community_code: C1, title: '医院-多福巷共建协议',
      start_at: '2025-01-01T00:00:00Z', end_at: '2099-12-31T00:00:00Z',
      commitments: [{ item: '志愿服务', quantity: 120, unit: '小时' }, { item: '义诊', quantity: 4, unit: '次' }],
    }, adminA);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(typeof r.body.id, 'string');
    assert.deepEqual(r.body.unit, { id: ids.unit, name: '区人民医院' });
    assert.equal(r.body.status, 'active');
    assert.equal(r.body.in_force, true);
    assert.equal(r.body.start_at, '2025-01-01T00:00:00Z');
    assert.deepEqual(r.body.commitments, [{ item: '志愿服务', quantity: 120, unit: '小时' }, { item: '义诊', quantity: 4, unit: '次' }]);
    ids.agreement = r.body.id;
    // A second, ended one, and a draft.
    const old = await post('/api/v1/coop-agreements', {
      unit_org_id: ids.unit, community_code: C1, title: '往年协议', start_at: '2020-01-01T00:00:00Z', end_at: '2020-12-31T00:00:00Z',
      commitments: [{ item: '志愿服务', quantity: 50, unit: '小时' }],
    }, adminA);
    assert.equal(old.status, 201);
    assert.equal(old.body.in_force, false);
    const extra = await post('/api/v1/coop-agreements', {
      unit_org_id: ids.unit, community_code: C1, title: '追加协议', start_at: '2025-06-01T00:00:00Z', end_at: '2099-01-01T00:00:00Z',
      commitments: [{ item: '志愿服务', quantity: 30, unit: '小时' }],
    }, adminA);
    assert.equal(extra.status, 201);
    const draft = await post('/api/v1/coop-agreements', {
      unit_org_id: ids.unit2, community_code: C2, title: '拟签协议', status: '拟签', start_at: '2025-01-01T00:00:00Z', end_at: '2099-01-01T00:00:00Z',
    }, adminB);
    assert.equal(draft.status, 201, JSON.stringify(draft.body));
    assert.equal(draft.body.status, 'draft');
    assert.deepEqual(draft.body.commitments, []);
    const after = await counts();
    assert.equal(after.coop_agreements, before.coop_agreements + 4);

    const list = await get(`/api/v1/coop-agreements?community=${C1}`, adminA);
    assert.equal(list.status, 200);
    assert.equal(list.body.items.length, 3);
    assert.equal(list.body.items[0].commitments.length, 2);
    const listB = await get('/api/v1/coop-agreements', adminB);
    assert.deepEqual(listB.body.items.map((a) => a.title), ['拟签协议'], 'B sees only its community');
    const active = await get(`/api/v1/coop-agreements?status=active&unit=${ids.unit}`);
    assert.equal(active.body.items.length, 3);
  });

  test('bad agreements: 422 with every field, commitments by index; nothing written', async () => {
    await unchanged(async () => {
      let r = await post('/api/v1/coop-agreements', {
        unit_org_id: ids.unit, community_code: C1, title: '', start_at: '2026-01-01T00:00:00Z', end_at: '2025-01-01T00:00:00Z', status: 'expired',
        commitments: [{ item: '志愿服务', quantity: -1, unit: '小时' }, { item: '场地', quantity: 2 }, 'x'],
      }, adminA);
      expectFields(r, ['title', 'end_at', 'status', 'commitments[0].quantity', 'commitments[1].unit', 'commitments[2]'], 'bad agreement');
      r = await post('/api/v1/coop-agreements', { unit_org_id: ids.prop, community_code: C1, title: '物业不是共建单位', start_at: '2025-01-01T00:00:00Z', end_at: '2026-01-01T00:00:00Z' }, adminA);
      expectFields(r, ['unit_org_id'], 'not a unit');
      assert.match(r.body.error.fields.unit_org_id, /共建单位/);
      // B's unit (in community C2) is not visible to A and not above C1.
      r = await post('/api/v1/coop-agreements', { unit_org_id: ids.unit2, community_code: C1, title: '看不见的单位', start_at: '2025-01-01T00:00:00Z', end_at: '2026-01-01T00:00:00Z' }, adminA);
      expectFields(r, ['unit_org_id'], 'foreign unit');
      assert.equal(r.body.error.fields.unit_org_id, '组织不存在');
      r = await post('/api/v1/coop-agreements', { unit_org_id: ids.unit, community_code: C1, title: 'x', start_at: '2025-01-01T00:00:00Z', end_at: '2026-01-01T00:00:00Z' }, adminB);
      expectStatus(r, 404, 'not_found', 'other community');
      r = await post('/api/v1/coop-agreements', { commitments: Array.from({ length: 101 }, () => ({ item: 'a', quantity: 1, unit: 'b' })) }, adminA);
      expectFields(r, ['unit_org_id', 'community_code', 'title', 'start_at', 'end_at', 'commitments'], 'too many lines');
    });
  });
});

// ---------------------------------------------------------------- Party members

describe('Party members and 双报到', () => {
  test('in-service, retired and unreported members; a resident is placed in their grid', async () => {
    const before = await counts();
    // An in-service member of the hospital: Party organisation and employer the unit
    // (a street-level co-building unit with an agreement with C1), reported to G1.
    let r = await post('/api/v1/party-members', {
      name: '刘医生', party_org_id: ids.unit, employer_org_id: ids.unit,
      reported_community_code: C1, reported_grid_code: G1, post_type: '健康医疗', reported_at: '2025-03-01T08:00:00Z',
    }, adminA);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.name, '刘医生');
    assert.equal(r.body.name_masked, false);
    assert.equal(r.body.reported, true);
    assert.equal(r.body.post_type, 'health');
    assert.equal(r.body.post_type_label, '健康医疗');
    assert.equal(r.body.reported_grid_code, G1);
    assert.equal(r.body.reported_at, '2025-03-01T08:00:00Z');
    assert.deepEqual(r.body.party_org, { id: ids.unit, name: '区人民医院', type: 'coop_unit', type_label: '共建单位' });
    assert.equal(r.body.employer_org.id, ids.unit);
    ids.pm1 = r.body.id;
    // A retired member of the grid branch, reported to the community's grid 002.
    r = await post('/api/v1/party-members', { name: '陈大爷', party_org_id: ids.branch, reported_grid_code: G2, post_type: 'patrol' }, adminA);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.reported_community_code, C1, 'community derived from the grid');
    assertRfc3339Utc(r.body.reported_at);
    // The resident 王五 (grid 001), reported to C1 without a grid: placed in grid 001.
    r = await post('/api/v1/party-members', { resident_id: ids.resident, party_org_id: ids.comm, reported_community_code: C1, post_type: '法律' }, adminA);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.name, '王五');
    assert.equal(r.body.reported_grid_code, G1);
    // Reported to C1 without a grid and without a resident: stays at the community.
    r = await post('/api/v1/party-members', { name: '周老师', party_org_id: ids.comm, reported_community_code: C1, post_type: '文体' }, adminA);
    assert.equal(r.status, 201);
    assert.equal(r.body.reported_grid_code, null);
    // Not reported.
    r = await post('/api/v1/party-members', { name: '吴同志', party_org_id: ids.branch2 }, adminA);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.reported, false);
    assert.equal(r.body.post_type, null);
    assert.equal(r.body.reported_at, null);
    // In C2, by its own secretary.
    r = await post('/api/v1/party-members', { name: '郑同志', party_org_id: ids.unit2, reported_community_code: C2, post_type: 'other' }, adminB);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const after = await counts();
    assert.equal(after.party_members, before.party_members + 6);

    // The same resident twice: 409.
    await unchanged(async () => {
      const d = await post('/api/v1/party-members', { resident_id: ids.resident, party_org_id: ids.comm }, adminA);
      expectStatus(d, 409, 'duplicate_party_member', 'duplicate resident');
    });
  });

  test('lists filter by community, grid, post type and reporting; readers see masked names', async () => {
    const all = await get('/api/v1/party-members?limit=200', adminA);
    assert.equal(all.status, 200);
    assert.deepEqual(all.body.items.map((m) => m.name).sort(), ['刘医生', '吴同志', '周老师', '王五', '陈大爷'].sort());
    const g1 = await get(`/api/v1/party-members?grid=${G1}`, adminA);
    assert.deepEqual(g1.body.items.map((m) => m.name).sort(), ['刘医生', '王五'].sort());
    const c1 = await get(`/api/v1/party-members?community=${C1}`, adminA);
    assert.equal(c1.body.items.length, 4);
    const patrol = await get(`/api/v1/party-members?post_type=${encodeURIComponent('治安巡逻')}`, adminA);
    assert.deepEqual(patrol.body.items.map((m) => m.name), ['陈大爷']);
    const unreported = await get('/api/v1/party-members?reported=0', adminA);
    assert.deepEqual(unreported.body.items.map((m) => m.name), ['吴同志']);
    const reported = await get('/api/v1/party-members?reported=true', adminA);
    assert.equal(reported.body.items.length, 4);
    const byOrg = await get(`/api/v1/party-members?party_org=${ids.branch}`, adminA);
    assert.deepEqual(byOrg.body.items.map((m) => m.name), ['陈大爷']);
    const pages = await get('/api/v1/party-members?limit=2', adminA);
    assert.equal(pages.body.items.length, 2);
    assert.equal(typeof pages.body.next_cursor, 'string');
    // B sees its own only.
    const b = await get('/api/v1/party-members', adminB);
    assert.deepEqual(b.body.items.map((m) => m.name), ['郑同志']);
    // A resident of grid 001 reads the members reported there and those of the grid's
    // branch (陈大爷, reported to grid 002), names masked.
    const res = await get('/api/v1/party-members', residentA);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.items.map((m) => [m.name, m.name_masked]).sort(), [['刘**', true], ['王*', true], ['陈**', true]].sort());
    assert.ok(!JSON.stringify(res.body).includes('刘医生'));
  });

  test('bad Party member input: 422 for every field; unreferable organisations are "not found"', async () => {
    await unchanged(async () => {
      let r = await post('/api/v1/party-members', { reported_community_code: C1, post_type: '巡逻', reported_grid_code: C2G1, reported_at: 'x' }, adminA);
      expectFields(r, ['name', 'party_org_id', 'post_type', 'reported_grid_code', 'reported_at'], 'bad member');
      r = await post('/api/v1/party-members', { name: '甲', party_org_id: ids.branch, reported_community_code: C1 }, adminA);
      expectFields(r, ['post_type'], 'post type required when reported');
      r = await post('/api/v1/party-members', { name: '甲', party_org_id: ids.branch, post_type: 'legal' }, adminA);
      expectFields(r, ['post_type'], 'post type without reporting');
      // A 居委会 is not a Party organisation.
      r = await post('/api/v1/party-members', { name: '甲', party_org_id: ids.rc, reported_community_code: C1, post_type: 'legal' }, adminA);
      expectFields(r, ['party_org_id'], 'not a party org');
      // B points at A's branch: not visible, not above C2, not a linked unit.
      r = await post('/api/v1/party-members', { name: '甲', party_org_id: ids.branch, reported_community_code: C2, post_type: 'legal' }, adminB);
      expectFields(r, ['party_org_id'], 'foreign party org');
      assert.equal(r.body.error.fields.party_org_id, '组织不存在');
      // Unreported, B pointing at A's branch: the same answer, not a 404 that would
      // tell the organisation exists.
      r = await post('/api/v1/party-members', { name: '甲', party_org_id: ids.branch }, adminB);
      expectFields(r, ['party_org_id'], 'foreign party org, unreported');
      // B reporting someone into A's community.
      r = await post('/api/v1/party-members', { name: '甲', party_org_id: ids.unit2, reported_community_code: C1, post_type: 'legal' }, adminB);
      expectStatus(r, 404, 'not_found', 'report into another community');
    });
  });
});

// ---------------------------------------------------------------- network and figures

describe('network and figures', () => {
  test('GET /network?node=community: nodes, the four kinds of edges and counts', async () => {
    const r = await get(`/api/v1/network?node=${C1}`, adminA);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const { nodes, edges, categories, counts: c } = r.body;
    assert.equal(r.body.node, C1);
    assert.equal(r.body.truncated, false);
    assert.equal(categories.length, 11);
    assert.deepEqual(categories[0], { name: '街道党工委', code: 'street_party_committee' });
    assert.deepEqual(categories[10], { name: '社区', code: 'community' });
    const byId = Object.fromEntries(nodes.map((n) => [n.id, n]));
    const o = (id) => `o${id}`;
    for (const k of ['comm', 'branch', 'branch2', 'group', 'prop', 'owners', 'rc']) assert.ok(byId[o(ids[k])], `node ${k}`);
    assert.equal(byId[o(ids.comm)].category, 1);
    assert.equal(byId[o(ids.comm)].external, false);
    // Outside the node but referenced: the street committee (parent) and the unit.
    assert.equal(byId[o(ids.street)].external, true);
    assert.equal(byId[o(ids.unit)].external, true);
    assert.ok(!byId[o(ids.unit2)], 'C2\'s unit is not in C1\'s network');
    const e = (kind, a, b) => edges.find((x) => x.kind === kind && x.source === o(ids[a]) && x.target === o(ids[b]));
    assert.ok(e('vertical', 'comm', 'street'));
    assert.ok(e('vertical', 'branch', 'comm'));
    assert.ok(e('vertical', 'group', 'branch'));
    assert.ok(e('vertical', 'owners', 'comm'));
    assert.equal(e('horizontal', 'prop', 'comm').value, 1, '党建引领: parentless property company → 社区党委');
    assert.equal(e('horizontal', 'unit', 'comm').value, 2, 'two agreements in force');
    // 交叉任职: 张三 in committee, property company and owners' committee; 王五 in
    // committee and owners' committee.
    const m = (a, b) => edges.find((x) => x.kind === 'membership' &&
      ((x.source === o(ids[a]) && x.target === o(ids[b])) || (x.source === o(ids[b]) && x.target === o(ids[a]))));
    assert.equal(m('comm', 'prop').value, 1);
    assert.equal(m('comm', 'owners').value, 2);
    assert.equal(m('prop', 'owners').value, 1);
    // 双报到: the unit's member → the 社区党委 standing for C1.
    assert.equal(e('dual_report', 'unit', 'comm').value, 1);
    assert.equal(e('dual_report', 'branch', 'comm').value, 1);
    assert.ok(!e('dual_report', 'comm', 'comm'));
    assert.equal(byId[o(ids.comm)].reported, 4);
    assert.equal(byId[o(ids.branch)].party_members, 1);
    assert.equal(byId[o(ids.comm)].members, 2);
    assert.equal(byId[o(ids.comm)].value, 2 + 2);
    // People are never nodes.
    assert.ok(!JSON.stringify(r.body).includes('张三'));
    assert.equal(c.cross_role_people, 2);
    assert.equal(c.coop_agreements, 3);
    assert.equal(c.coop_in_force, 2);
    assert.equal(c.coop_units, 1);
    assert.equal(c.commitments, 3);
    assert.equal(c.reported, 4);
    assert.equal(c.party_members, 5);
    assert.equal(c.by_type.grid_party_branch, 2);
    assert.equal(c.nodes, nodes.length);
    assert.equal(c.edges, edges.length);
    for (const x of edges) {
      assert.ok(byId[x.source] && byId[x.target], `edge ends are nodes: ${JSON.stringify(x)}`);
      assert.ok(['vertical', 'horizontal', 'membership', 'dual_report'].includes(x.kind));
      assert.ok(Number.isInteger(x.value) && x.value > 0);
    }
  });

  test('the network is bounded: limit cuts the organisations and says so', async () => {
    const r = await get(`/api/v1/network?node=${STREET}&limit=2`);
    assert.equal(r.status, 200);
    assert.equal(r.body.truncated, true);
    assert.equal(r.body.nodes.filter((n) => !n.external && n.type !== 'community').length, 2);
    const bad = await get(`/api/v1/network?node=${STREET}&limit=0`);
    expectStatus(bad, 400, 'bad_query', 'limit 0');
    const whole = await get(`/api/v1/network?node=${STREET}`);
    assert.equal(whole.body.truncated, false);
    // C2 has no 社区党委: its reported member points at a community node.
    const cnode = whole.body.nodes.find((n) => n.id === `c${C2}`);
    assert.ok(cnode, JSON.stringify(whole.body.nodes.map((n) => n.id)));
    assert.equal(cnode.name, '南池子社区');
    assert.equal(cnode.type, 'community');
    assert.equal(cnode.reported, 1);
    assert.ok(whole.body.edges.some((x) => x.kind === 'dual_report' && x.source === `o${ids.unit2}` && x.target === `c${C2}`));
  });

  test('figures: reported members per grid, grids without a branch or a member, co-building per community, 交叉任职', async () => {
    const r = await get(`/api/v1/network/figures?node=${STREET}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const f = r.body;
    const grid = (code) => f.reported_per_grid.find((g) => g.grid_code === code);
    assert.equal(f.reported_per_grid.length, 5);
    assert.equal(grid(G1).reported, 2);
    assert.equal(grid(G1).by_post_type.health, 1);
    assert.equal(grid(G1).by_post_type.legal, 1);
    assert.equal(grid(G1).has_branch, true);
    assert.equal(grid(G2).reported, 1);
    assert.equal(grid(G2).by_post_type.patrol, 1);
    assert.equal(grid(G3).reported, 0);
    assert.deepEqual(f.grids_without_branch.map((g) => g.grid_code), [C1 + '003', C1 + '004', C2G1]);
    assert.deepEqual(f.grids_without_reported_member.map((g) => g.grid_code), [C1 + '003', C1 + '004', C2G1]);
    assert.deepEqual(f.reported_without_grid, [{ community_code: C1, reported: 1 }, { community_code: C2, reported: 1 }]);
    assert.deepEqual(f.totals, { grids: 5, reported_in_grids: 3, reported_without_grid: 2, grids_without_branch: 3, grids_without_reported_member: 3, cross_role_people: 2 });

    const c1 = f.coop_per_community.find((c) => c.community_code === C1);
    assert.equal(c1.name, '多福巷社区');
    assert.equal(c1.agreements, 3);
    assert.equal(c1.agreements_in_force, 2);
    assert.equal(c1.units_in_force, 1);
    assert.deepEqual(c1.units.map((u) => [u.org_id, u.name, u.in_force, u.agreements.length]), [[ids.unit, '区人民医院', true, 3]]);
    assert.deepEqual(c1.commitments_in_force, [{ item: '志愿服务', quantity: 150, unit: '小时' }, { item: '义诊', quantity: 4, unit: '次' }]);
    const c2 = f.coop_per_community.find((c) => c.community_code === C2);
    assert.equal(c2.agreements, 1);
    assert.equal(c2.agreements_in_force, 0, 'a draft is not in force');
    assert.deepEqual(c2.commitments_in_force, []);

    assert.deepEqual(f.cross_roles.map((p) => p.name).sort(), ['张三', '王五'].sort());
    const zhang = f.cross_roles.find((p) => p.name === '张三');
    assert.deepEqual(zhang.positions.map((p) => [p.org_type, p.position]).sort(),
      [['community_party_committee', '书记'], ['owners_committee', '委员'], ['property_company', '党支部书记']].sort());
    assert.equal(zhang.phone, '138****5678');
    assert.ok(!JSON.stringify(f).includes('13812345678'));
    // A grid node: just that grid.
    const g = await get(`/api/v1/network/figures?node=${G1}`, adminA);
    assert.equal(g.status, 200);
    assert.deepEqual(g.body.reported_per_grid.map((x) => x.grid_code), [G1]);
    assert.deepEqual(g.body.coop_per_community, []);
  });
});

// ---------------------------------------------------------------- scopes and bad input

describe('scopes and bad input', () => {
  test('community B\'s secretary neither sees nor writes community A\'s organisations', async () => {
    await unchanged(async () => {
      expectStatus(await get(`/api/v1/organisations/${ids.comm}`, adminB), 404, 'not_found', 'get A org');
      expectStatus(await get(`/api/v1/organisations/tree?node=${C1}`, adminB), 404, 'not_found', 'tree of A');
      expectStatus(await get(`/api/v1/network?node=${C1}`, adminB), 404, 'not_found', 'network of A');
      expectStatus(await get(`/api/v1/network/figures?node=${C1}`, adminB), 404, 'not_found', 'figures of A');
      expectStatus(await get(`/api/v1/network?node=${STREET}`, adminB), 404, 'not_found', 'network of the street');
      const r = await post('/api/v1/organisations', { type: '社会组织', name: '越界组织', space_code: C1 }, adminB);
      expectStatus(r, 404, 'not_found', 'create in A');
      assert.ok(!JSON.stringify(r.body).includes('多福巷'));
      const list = await get('/api/v1/organisations?limit=200', adminB);
      assert.equal(list.status, 200);
      assert.deepEqual(list.body.items.map((o) => o.name), ['南池子小学']);
      const filtered = await get(`/api/v1/organisations?space=${C1}`, adminB);
      assert.deepEqual(filtered.body.items, []);
      // A resident may read their grid's organisations but not write.
      const rr = await post('/api/v1/organisations', { type: '社会组织', name: '居民组织', space_code: G1 }, residentA);
      expectStatus(rr, 403, 'forbidden', 'resident writes');
      const mine = await get('/api/v1/organisations', residentA);
      assert.deepEqual(mine.body.items.map((o) => o.id), [ids.branch, ids.group]);
    });
  });

  test('bad requests are 4xx JSON errors and change nothing', async () => {
    await unchanged(async () => {
      const cases = [
        [await api(srv, 'POST', '/api/v1/organisations', 'not json', admin.bearer), 400],
        [await api(srv, 'POST', '/api/v1/organisations', '[1,2]', admin.bearer), 400],
        [await api(srv, 'POST', '/api/v1/organisations', '{"type":"social_org"}', { ...admin.bearer, 'Content-Type': 'text/plain' }), 415],
        [await api(srv, 'POST', '/api/v1/coop-agreements', '{', admin.bearer), 400],
        [await api(srv, 'POST', '/api/v1/party-members', '"x"', admin.bearer), 400],
        [await api(srv, 'POST', '/api/v1/organisations', { type: 'social_org', name: 'x', space_code: C1 }), 401],
        [await get('/api/v1/organisations/abc'), 404],
        [await get('/api/v1/organisations/0'), 404],
        [await get('/api/v1/organisations/99999999999999999999'), 404],
        [await get('/api/v1/organisations?type=bogus'), 400],
        [await get('/api/v1/organisations?space=12'), 400],
        [await get('/api/v1/organisations?parent=x'), 400],
        [await get('/api/v1/party-members?reported=maybe'), 400],
        [await get('/api/v1/party-members?post_type=x'), 400],
        [await get('/api/v1/party-members?grid=' + C1), 400],
        [await get('/api/v1/coop-agreements?status=x'), 400],
        [await get('/api/v1/network'), 400],
        [await get('/api/v1/network?node=abc'), 400],
        [await get('/api/v1/network?node=' + C1 + '099'), 404],
        [await get('/api/v1/network/figures'), 400],
        [await get('/api/v1/organisations/tree'), 400],
        [await api(srv, 'DELETE', `/api/v1/organisations/${ids.comm}`, undefined, admin.bearer), 405],
        [await api(srv, 'POST', '/api/v1/network', {}, admin.bearer), 405],
      ];
      for (const [r, status] of cases) {
        assert.equal(r.status, status, JSON.stringify(r.body));
        assertErrorShape(r.body);
      }
      // Cookie writes need the CSRF token.
      const c = await api(srv, 'POST', '/api/v1/organisations', { type: 'social_org', name: 'x', space_code: C1 }, adminA.cookieHeaders);
      expectStatus(c, 403, 'csrf_required', 'cookie without csrf');
    });
  });

  test('the audit log has every write with its place', async () => {
    const rows = sql(srv, "SELECT action, COUNT(*) FROM audit_log WHERE action LIKE 'org.%' OR action LIKE 'coop_%' OR action LIKE 'party_%' GROUP BY action ORDER BY action");
    const m = Object.fromEntries(rows.map(([a, n]) => [a, Number(n)]));
    assert.equal(m['coop_agreement.create'], 4);
    assert.equal(m['party_member.create'], 6);
    assert.equal(m['org.create'], Number(sql(srv, 'SELECT COUNT(*) FROM organisations')[0][0]));
    const scopes = sql(srv, "SELECT scope FROM audit_log WHERE action = 'party_member.create' ORDER BY id").map((x) => x[0]);
    // Reported: the grid, else the community; not reported: the Party organisation's place.
    assert.deepEqual(scopes, [G1, G2, G1, C1, G2, C2]);
  });
});
