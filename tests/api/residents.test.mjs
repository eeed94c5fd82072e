// Residents, households and units over HTTP: CRUD with validation, masking by default,
// ?reveal= per role with its audit row, exact lookup by phone and ID number through the
// keyed hash, sensitive tags through the blind index, self-service (/me/resident), the
// 户卡, exact unit areas with owners, the masked export, and scopes (out of scope = 404).
// Runs on SQLite, PostgreSQL and two processes sharing PostgreSQL.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { assertErrorShape, assertRfc3339Utc, assertNoSanitizerReport, FULL_PHONE, FULL_ID } from './util.mjs';
import { makeUser, login, sql } from './auth-util.mjs';
import { readXlsx } from './xlsx-util.mjs';
import {
  G1, G2, C1, C2G1, ROLES, may, idNumber, badIdNumber, peopleWorld, peopleCounts, auditCount,
} from './people-util.mjs';


let srv, w;
const get = (path, who) => api(srv, 'GET', path, undefined, who.bearer);
const post = (path, body, who) => api(srv, 'POST', path, body, who.bearer);
const patch = (path, body, who) => api(srv, 'PATCH', path, body, who.bearer);

// Residents made in before(): in G1 (zhang, li) and G2 (wang).
const P = {
  zhang: { name: '张建国', id_number: idNumber('19490101', 12), phone: '13812341234', tags: ['独居老人', '低保'], relation: '户主' },
  li: { name: '李秀英', id_number: idNumber('19520315', 24), phone: '13912345678', tags: ['高龄'], relation: '配偶' },
  wang: { name: '王小明', id_number: idNumber('20150601', 31), phone: '13700001111', tags: [] },
};
const ids = {};

before(async () => {
  srv = await startServer();
  w = await peopleWorld(srv);
  const gw = w.as.grid_worker;
  for (const [k, p] of Object.entries(P)) {
    const grid = k === 'wang' ? G2 : G1;
    const r = await post('/api/v1/residents', { ...p, grid_code: grid }, k === 'wang' ? w.gw2 : gw);
    assert.equal(r.status, 201, `${k}: ${JSON.stringify(r.body)}`);
    ids[k] = r.body.id;
  }
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

describe('create and validate', () => {
  test('a created resident comes back masked, with derived gender and age group', async () => {
    const r = await get(`/api/v1/residents/${ids.zhang}`, w.as.grid_worker);
    assert.equal(r.status, 200);
    const b = r.body;
    assert.equal(b.name, '张建国');
    assert.equal(b.phone, '138****1234');
    assert.equal(b.id_number, P.zhang.id_number.slice(0, 6) + '********' + P.zhang.id_number.slice(14));
    assert.equal(b.gender, '女'); // sequence 012: even digit 17 -> female
    assert.equal(b.birth_date, null);
    assert.equal(b.age, null);
    assert.match(b.age_group, /^(70-79|80\+)$/);
    assert.deepEqual(b.tags, ['living_alone']);
    assert.equal(b.sensitive_tags, null, 'sensitive tags hidden');
    assert.equal(b.relation, '户主');
    assert.equal(b.grid_code, G1);
    assertRfc3339Utc(b.created_at);
    assert.ok(!FULL_PHONE.test(JSON.stringify(b)) && !FULL_ID.test(JSON.stringify(b)));
  });

  test('bad fields: every problem at once, nothing written', async () => {
    const before = peopleCounts(srv);
    const r = await post('/api/v1/residents', {
      name: '', grid_code: G1, id_number: badIdNumber(), phone: '1381234abcd', gender: '未知',
      birth_date: '1980-02-30', relation: '邻居', tags: ['不存在的标签'],
    }, w.as.grid_worker);
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assertErrorShape(r.body, 'invalid_fields');
    for (const f of ['name', 'id_number', 'phone', 'gender', 'birth_date', 'relation', 'tags']) {
      assert.ok(f in r.body.error.fields, `${f} in ${JSON.stringify(r.body.error.fields)}`);
    }
    assert.equal(r.body.error.fields.id_number, '校验位错误');
    assert.deepEqual(peopleCounts(srv), before);
  });

  test('gender and birth date must agree with the ID number', async () => {
    const r = await post('/api/v1/residents', {
      name: '赵六', grid_code: G1, id_number: idNumber('19800101', 13), gender: '女', birth_date: '1980-01-02',
    }, w.as.grid_worker);
    assert.equal(r.status, 422);
    assert.equal(r.body.error.fields.gender, '与身份证号不一致');
    assert.equal(r.body.error.fields.birth_date, '与身份证号中的出生日期不一致');
  });

  test('an ID number already registered is a 409, even from another grid', async () => {
    const before = peopleCounts(srv);
    const r = await post('/api/v1/residents', { name: '冒名', grid_code: G2, id_number: P.zhang.id_number.toLowerCase() }, w.gw2);
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assertErrorShape(r.body, 'duplicate_id_number');
    assert.deepEqual(peopleCounts(srv), before);
  });

  test('no ID number: birth date kept sealed, shown as an age group', async () => {
    const r = await post('/api/v1/residents', { name: '无证', grid_code: G1, birth_date: '2010/5/6', gender: '男' }, w.as.grid_worker);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.id_number, null);
    assert.equal(r.body.birth_date, null);
    assert.equal(r.body.age_group, '0-17');
    const full = await get(`/api/v1/residents/${r.body.id}?reveal=birth_date`, w.as.grid_worker);
    assert.equal(full.body.birth_date, '2010-05-06');
  });

  test('record_counts follow', async () => {
    const c = (await api(srv, 'GET', '/api/v1/status', undefined, w.as.system_admin.bearer)).body.counts;
    assert.equal(c.residents, Number(sql(srv, 'SELECT COUNT(*) FROM residents')[0][0]));
  });

  test('creating outside one\'s scope is a 404; roles without write get 403', async () => {
    let r = await post('/api/v1/residents', { name: '越界', grid_code: G2, id_number: idNumber('19900101', 77) }, w.as.grid_worker);
    assert.equal(r.status, 404);
    r = await post('/api/v1/residents', { name: '越权', grid_code: G1, id_number: idNumber('19900101', 78) }, w.as.party_member);
    assert.equal(r.status, 403);
  });
});

describe('who sees whom', () => {
  for (const role of ROLES) {
    test(`${role}: list and detail ${may(role, 'r') ? 'allowed, masked' : 'refused'}`, async () => {
      const s = w.as[role];
      const list = await get('/api/v1/residents?limit=200', s);
      const det = await get(`/api/v1/residents/${ids.zhang}`, s);
      if (!may(role, 'r')) {
        assert.equal(list.status, 403, JSON.stringify(list.body));
        assert.equal(det.status, 403);
        assert.ok(!JSON.stringify(det.body).includes('张建国'));
        return;
      }
      assert.equal(list.status, 200);
      assert.equal(det.status, 200);
      const text = JSON.stringify(list.body) + JSON.stringify(det.body);
      assert.ok(!FULL_PHONE.test(text), `${role}: a full phone in ${text}`);
      assert.ok(!FULL_ID.test(text), `${role}: a full ID number`);
      assert.ok(list.body.items.some((x) => x.id === ids.zhang));
      // Everyone reading here holds a grant containing G1: full names.
      assert.equal(det.body.name, '张建国');
    });
  }

  test('out of scope is 404, and lists leave the record out', async () => {
    let r = await get(`/api/v1/residents/${ids.zhang}`, w.gw2);
    assert.equal(r.status, 404);
    assertErrorShape(r.body, 'not_found');
    const missing = await get('/api/v1/residents/987654321', w.gw2);
    assert.deepEqual(missing.body, r.body);
    r = await get('/api/v1/residents?limit=200', w.gw2);
    assert.ok(r.body.items.every((x) => x.grid_code === G2));
    assert.ok(r.body.items.some((x) => x.id === ids.wang));
    r = await get(`/api/v1/residents/${ids.wang}`, w.ca2);
    assert.equal(r.status, 404);
  });

  test('filters and pagination', async () => {
    const s = w.as.community_staff;
    let r = await get(`/api/v1/residents?grid=${G2}&limit=200`, s);
    assert.ok(r.body.items.every((x) => x.grid_code === G2) && r.body.items.length >= 1);
    r = await get(`/api/v1/residents?q=${encodeURIComponent('张建')}`, s);
    assert.deepEqual(r.body.items.map((x) => x.id), [ids.zhang]);
    r = await get('/api/v1/residents?tag=高龄', s);
    assert.deepEqual(r.body.items.map((x) => x.id), [ids.li]);
    r = await get('/api/v1/residents?limit=1', s);
    assert.equal(r.body.items.length, 1);
    assert.ok(r.body.next_cursor);
    const r2 = await get(`/api/v1/residents?limit=1&cursor=${r.body.next_cursor}`, s);
    assert.notEqual(r2.body.items[0].id, r.body.items[0].id);
    // Walking every page of a multi-grid scope gives each resident once, by (grid, id).
    const all = (await get('/api/v1/residents?limit=200', s)).body.items;
    const walked = [];
    let cursor = null;
    for (let i = 0; i < 100; i++) {
      const page = await get(`/api/v1/residents?limit=2${cursor ? `&cursor=${cursor}` : ''}`, s);
      assert.equal(page.status, 200, JSON.stringify(page.body));
      walked.push(...page.body.items);
      cursor = page.body.next_cursor;
      if (!cursor) break;
    }
    assert.deepEqual(walked.map((x) => x.id), all.map((x) => x.id));
    const keys = walked.map((x) => [x.grid_code, Number(x.id)]);
    const sorted = [...keys].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
    assert.deepEqual(keys, sorted);
    assert.ok(new Set(walked.map((x) => x.grid_code)).size >= 2);
    for (const bad of ['c999999', `c${G1}`, `c999999999999999${ids.zhang}`, `c${G1}0${ids.zhang}`, `c${G1}x`]) {
      r = await get(`/api/v1/residents?cursor=${bad}`, s);
      assert.equal(r.status, 400, bad);
      assert.equal(r.body.error.code, 'bad_query', bad);
    }
    r = await get('/api/v1/residents?community=110101001009', s);
    assert.deepEqual(r.body.items, []);
    r = await get('/api/v1/residents?grid=123', s);
    assert.equal(r.status, 400);
    r = await get('/api/v1/residents?tag=nonexistent', s);
    assert.equal(r.status, 400);
  });

  test('a resident who moves grid between two pages: the pages hold every resident exactly once', async () => {
    // Created in this order so the moved resident's id is below its new grid's rows:
    // listing (G1 甲, G1 乙, G2 移, G2 丙, G2 丁), the first page ends at 移 in G2.
    const s = w.as.community_staff;
    const made = {};
    for (const [k, grid] of [['移', G2], ['甲', G1], ['乙', G1], ['丙', G2], ['丁', G2]]) {
      const r = await post('/api/v1/residents', { name: `游标${k}`, grid_code: grid }, s);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      made[k] = r.body.id;
    }
    const q = `q=${encodeURIComponent('游标')}&limit=3`;
    const p1 = await get(`/api/v1/residents?${q}`, s);
    assert.equal(p1.status, 200, JSON.stringify(p1.body));
    assert.deepEqual(p1.body.items.map((x) => x.id), [made.甲, made.乙, made.移]);
    const moved = await patch(`/api/v1/residents/${made.移}`, { grid_code: G1 }, s);
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    const walked = [...p1.body.items];
    let cursor = p1.body.next_cursor;
    while (cursor) {
      const page = await get(`/api/v1/residents?${q}&cursor=${cursor}`, s);
      assert.equal(page.status, 200, JSON.stringify(page.body));
      walked.push(...page.body.items);
      cursor = page.body.next_cursor;
    }
    assert.deepEqual(walked.map((x) => x.id).sort(), Object.values(made).sort());
    assert.deepEqual(walked.map((x) => x.id), [made.甲, made.乙, made.移, made.丙, made.丁]);
  });
});

describe('reveal', () => {
  for (const role of ROLES) {
    test(`${role}: ?reveal=phone,id_number ${may(role, 'v') ? 'shows them, audited' : 'refused'}`, async () => {
      const s = w.as[role];
      const before = auditCount(srv, 'resident.reveal');
      const r = await get(`/api/v1/residents/${ids.zhang}?reveal=phone,id_number,birth_date,tags`, s);
      if (!may(role, 'v')) {
        assert.equal(r.status, 403, JSON.stringify(r.body));
        assert.ok(!JSON.stringify(r.body).includes('13812341234'));
        assert.equal(auditCount(srv, 'resident.reveal'), before);
        return;
      }
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.phone, P.zhang.phone);
      assert.equal(r.body.id_number, P.zhang.id_number);
      assert.equal(r.body.birth_date, '1949-01-01');
      assert.deepEqual(r.body.sensitive_tags, ['dibao']);
      assert.deepEqual(r.body.revealed, ['phone', 'id_number', 'birth_date', 'tags']);
      assert.equal(auditCount(srv, 'resident.reveal'), before + 1);
      const [row] = sql(srv, "SELECT user_id, record_id, scope, detail FROM audit_log WHERE action = 'resident.reveal' ORDER BY id DESC LIMIT 1");
      assert.equal(row[0], s.user.id);
      assert.equal(row[1], ids.zhang);
      assert.equal(row[2], G1);
      const d = JSON.parse(row[3]);
      assert.equal(d.fields, 'phone,id_number,birth_date,tags');
      assert.deepEqual(d.ids, [ids.zhang]);
      assert.ok(!row[3].includes(P.zhang.phone) && !row[3].includes(P.zhang.id_number), 'the audit row holds no value');
    });
  }

  test('reveal in a list shows only rows where the caller may reveal, one audit row', async () => {
    const before = auditCount(srv, 'resident.reveal');
    const r = await get('/api/v1/residents?limit=200&reveal=phone', w.as.grid_worker);
    assert.equal(r.status, 200);
    const z = r.body.items.find((x) => x.id === ids.zhang);
    assert.equal(z.phone, P.zhang.phone);
    assert.equal(z.id_number.includes('*'), true);
    assert.equal(auditCount(srv, 'resident.reveal'), before + 1);
    const d = JSON.parse(sql(srv, "SELECT detail FROM audit_log WHERE action = 'resident.reveal' ORDER BY id DESC LIMIT 1")[0][0]);
    assert.ok(d.ids.includes(ids.zhang));
    assert.equal(d.fields, 'phone');
  });

  test('unknown reveal fields are a 400; reveal nothing is no audit', async () => {
    let r = await get(`/api/v1/residents/${ids.zhang}?reveal=name`, w.as.grid_worker);
    assert.equal(r.status, 400);
    const before = auditCount(srv, 'resident.reveal');
    r = await get(`/api/v1/residents/${ids.zhang}?reveal=`, w.as.grid_worker);
    assert.equal(r.status, 200);
    assert.equal(auditCount(srv, 'resident.reveal'), before);
  });
});

describe('exact lookup through keyed hashes', () => {
  test('by phone (any spelling) and by ID number, audited as a lookup without the value', async () => {
    const gw = w.as.grid_worker;
    const before = auditCount(srv, 'resident.lookup');
    let r = await get(`/api/v1/residents?phone=${encodeURIComponent('+86 138-1234-1234')}`, gw);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.items.map((x) => x.id), [ids.zhang]);
    assert.equal(r.body.items[0].phone, '138****1234', 'a lookup does not reveal by itself');
    r = await get(`/api/v1/residents?id_number=${P.li.id_number.toLowerCase()}`, gw);
    assert.deepEqual(r.body.items.map((x) => x.id), [ids.li]);
    r = await get('/api/v1/residents?phone=13800000000', gw);
    assert.deepEqual(r.body.items, []);
    assert.equal(auditCount(srv, 'resident.lookup'), before + 3);
    const rows = sql(srv, "SELECT detail FROM audit_log WHERE action = 'resident.lookup' ORDER BY id DESC LIMIT 3");
    for (const [d] of rows) {
      assert.ok(!d.includes('1381234') && !d.includes(P.li.id_number.slice(6, 14)), d);
    }
    assert.deepEqual(JSON.parse(rows[1][0]).ids, [ids.li]);
  });

  test('a lookup searches only where the caller may reveal', async () => {
    let r = await get(`/api/v1/residents?phone=${P.zhang.phone}`, w.gw2);
    assert.deepEqual(r.body.items, []);
    r = await get(`/api/v1/residents?phone=${P.zhang.phone}`, w.as.party_member);
    assert.equal(r.status, 403);
    r = await get(`/api/v1/residents?id_number=${badIdNumber()}`, w.as.grid_worker);
    assert.equal(r.status, 400);
  });

  test('sensitive tag filter needs reveal rights and goes through the blind index', async () => {
    let r = await get('/api/v1/residents?tag=低保', w.as.community_staff);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.items.map((x) => x.id), [ids.zhang]);
    assert.equal(r.body.items[0].sensitive_tags, null);
    r = await get('/api/v1/residents?tag=dibao', w.as.party_member);
    assert.equal(r.status, 403);
    const keys = sql(srv, `SELECT tag_key FROM resident_tags WHERE resident_id = ${ids.zhang} ORDER BY tag_key`).map((x) => x[0]);
    assert.equal(keys.length, 2);
    assert.ok(keys.includes('living_alone'));
    assert.ok(keys.some((k) => /^h:[0-9a-f]{64}$/.test(k)), 'sensitive tag stored as a blind index');
    assert.ok(!keys.includes('dibao'));
  });
});

describe('update', () => {
  test('PATCH changes fields, replaces the lookup keys, writes one audit row', async () => {
    const gw = w.as.grid_worker;
    const before = auditCount(srv, 'resident.update');
    const r = await patch(`/api/v1/residents/${ids.li}`, { phone: '13922223333', tags: ['高龄', '残疾'] }, gw);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.phone, '139****3333');
    assert.equal(auditCount(srv, 'resident.update'), before + 1);
    const d = JSON.parse(sql(srv, "SELECT detail FROM audit_log WHERE action = 'resident.update' ORDER BY id DESC LIMIT 1")[0][0]);
    assert.deepEqual(d.fields.sort(), ['phone', 'tags']);
    let l = await get('/api/v1/residents?phone=13922223333', gw);
    assert.deepEqual(l.body.items.map((x) => x.id), [ids.li]);
    l = await get(`/api/v1/residents?phone=${P.li.phone}`, gw);
    assert.deepEqual(l.body.items, []);
    l = await get('/api/v1/residents?tag=残疾', gw);
    assert.deepEqual(l.body.items.map((x) => x.id), [ids.li]);
  });

  test('moving to another grid needs write there; out of scope PATCH is 404', async () => {
    let r = await patch(`/api/v1/residents/${ids.li}`, { grid_code: G2 }, w.as.grid_worker);
    assert.equal(r.status, 404);
    r = await patch(`/api/v1/residents/${ids.wang}`, { name: '改' }, w.as.grid_worker);
    assert.equal(r.status, 404);
    r = await patch(`/api/v1/residents/${ids.li}`, { name: '改' }, w.as.property);
    assert.equal(r.status, 403);
    r = await patch(`/api/v1/residents/${ids.li}`, { id_number: P.zhang.id_number }, w.as.grid_worker);
    assert.equal(r.status, 409);
  });
});

describe('self-service', () => {
  let me, other;
  before(async () => {
    await makeUser(srv, w.admin, 'self-1', [['resident', G1]], 'self-1-password');
    me = await login(srv, 'self-1', 'self-1-password');
    await makeUser(srv, w.admin, 'self-2', [['resident', G1]], 'self-2-password');
    other = await login(srv, 'self-2', 'self-2-password');
    const r = await patch(`/api/v1/residents/${ids.zhang}`, { user_id: me.user.id }, w.as.grid_worker);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });

  test('the resident sees their own record, in full when they ask (audited); nobody else\'s', async () => {
    let r = await get('/api/v1/me/resident', me);
    assert.equal(r.status, 200);
    assert.equal(r.body.id, ids.zhang);
    assert.equal(r.body.name, P.zhang.name);
    assert.equal(r.body.phone, '138****1234');
    assert.equal(r.body.sensitive_tags, null);
    const before = auditCount(srv, 'resident.reveal');
    r = await get('/api/v1/me/resident?reveal=phone,id_number,tags', me);
    assert.equal(r.status, 200);
    assert.equal(r.body.phone, P.zhang.phone);
    assert.equal(r.body.id_number, P.zhang.id_number);
    assert.deepEqual(r.body.sensitive_tags, ['dibao']);
    assert.equal(auditCount(srv, 'resident.reveal'), before + 1);
    r = await get('/api/v1/me/resident', other);
    assert.equal(r.status, 404);
    r = await get(`/api/v1/residents/${ids.zhang}`, me);
    assert.equal(r.status, 403, 'the resident grant reads no register');
    r = await get('/api/v1/residents', me);
    assert.equal(r.status, 403);
  });

  test('corrects their phone (audited), not their name or ID number', async () => {
    const before = auditCount(srv, 'resident.self_update');
    let r = await patch('/api/v1/me/resident', { phone: '13812340000' }, me);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.phone, '138****0000', 'answered masked');
    assert.equal(auditCount(srv, 'resident.self_update'), before + 1);
    P.zhang.phone = '13812340000';
    r = await patch('/api/v1/me/resident', { name: '改名', id_number: idNumber('19490101', 14) }, me);
    assert.equal(r.status, 403);
    assert.ok('name' in r.body.error.fields && 'id_number' in r.body.error.fields);
    r = await patch('/api/v1/me/resident', { phone: 'abc' }, me);
    assert.equal(r.status, 422);
  });

  test('linking needs a resident account of that grid, one record per account', async () => {
    let r = await patch(`/api/v1/residents/${ids.li}`, { user_id: me.user.id }, w.as.grid_worker);
    assert.equal(r.status, 409);
    r = await patch(`/api/v1/residents/${ids.li}`, { user_id: w.as.grid_worker.user.id }, w.as.grid_worker);
    assert.equal(r.status, 422);
    assert.ok('user_id' in r.body.error.fields);
  });
});

describe('households and units', () => {
  let unit, household;
  test('a unit with an exact area and an owner; bad areas refused', async () => {
    const s = w.as.community_staff;
    let r = await post('/api/v1/units', { building_id: w.building.id, number: '1-101', area_m2: '89.37', owners: [{ name: '张建国', id_number: P.zhang.id_number }] }, s);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    unit = r.body;
    assert.equal(unit.area_m2, '89.37');
    assert.equal(unit.owners[0].resident_id, ids.zhang);
    assert.equal(unit.owners[0].has_id_number, true);
    assert.ok(!FULL_ID.test(JSON.stringify(unit)));
    for (const [area, why] of [['12.345', '最多两位小数'], ['-5', '不能为负数'], ['0', '必须大于 0'], [89.37, '应为字符串']]) {
      r = await post('/api/v1/units', { building_id: w.building.id, number: '1-102', area_m2: area, owners: [{ name: '某' }] }, s);
      assert.equal(r.status, 422, `${area}: ${JSON.stringify(r.body)}`);
      assert.ok(r.body.error.fields.area_m2.includes(why), `${area}: ${r.body.error.fields.area_m2}`);
    }
    r = await post('/api/v1/units', { building_id: w.building.id, number: '1-101', area_m2: '10', owners: [{ name: '某' }] }, s);
    assert.equal(r.status, 409);
    r = await post('/api/v1/units', { building_id: w.building.id, number: '1-103', area_m2: '70.00', sold: false }, s);
    assert.equal(r.status, 201);
    assert.equal(r.body.owners[0].kind, 'developer');
    r = await post('/api/v1/units', { building_id: w.building.id, number: '1-104', area_m2: '70.00' }, s);
    assert.equal(r.status, 422, 'a sold unit needs an owner');
    r = await get(`/api/v1/units/${unit.id}`, w.gw2);
    assert.equal(r.status, 404);
    r = await get('/api/v1/units?limit=200', w.as.grid_worker);
    assert.ok(r.body.items.some((u) => u.id === unit.id));
  });

  test('the 户卡: a household of the unit with its members, head first', async () => {
    const gw = w.as.grid_worker;
    let r = await post('/api/v1/households', { unit_id: unit.id, address: '1号楼1-101' }, gw);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    household = r.body;
    assert.equal(household.grid_code, G1);
    for (const k of ['li', 'zhang']) {
      r = await patch(`/api/v1/residents/${ids[k]}`, { household_id: household.id }, gw);
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    r = await get(`/api/v1/households/${household.id}`, gw);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.members.map((m) => [m.id, m.relation]), [[ids.zhang, '户主'], [ids.li, '配偶']]);
    assert.equal(r.body.member_count, 2);
    assert.equal(r.body.unit.number, '1-101');
    assert.ok(!FULL_PHONE.test(JSON.stringify(r.body)));
    r = await get(`/api/v1/households/${household.id}?reveal=phone`, gw);
    assert.equal(r.body.members[0].phone, P.zhang.phone);
    r = await get(`/api/v1/households/${household.id}`, w.gw2);
    assert.equal(r.status, 404);
    r = await get(`/api/v1/residents?household=${household.id}`, gw);
    assert.equal(r.body.items.length, 2);
    r = await patch(`/api/v1/residents/${ids.wang}`, { household_id: household.id }, w.gw2);
    assert.equal(r.status, 422, 'a household of another grid');
  });
});

describe('tags and export', () => {
  test('configured tags: system admin at "" only, sensitive by default', async () => {
    let r = await post('/api/v1/resident-tags', { code: 'hiv', label: '艾滋病感染者' }, w.as.community_admin);
    assert.equal(r.status, 404, 'community admin holds no grant at ""');
    r = await post('/api/v1/resident-tags', { code: 'hiv', label: '艾滋病感染者' }, w.admin);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.sensitive, true);
    r = await post('/api/v1/resident-tags', { code: 'dibao', label: 'x' }, w.admin);
    assert.equal(r.status, 422);
    r = await get('/api/v1/resident-tags', w.as.volunteer);
    assert.ok(r.body.items.some((t) => t.code === 'hiv' && !t.builtin));
    r = await patch(`/api/v1/residents/${ids.wang}`, { tags: ['艾滋病感染者'] }, w.gw2);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.tags, []);
    r = await get(`/api/v1/residents/${ids.wang}?reveal=tags`, w.gw2);
    assert.deepEqual(r.body.sensitive_tags, ['hiv']);
  });

  test('export: every row the caller may list, masked, audited', async () => {
    const before = auditCount(srv, 'resident.export');
    const res = await srv.fetch('/api/v1/residents/export.xlsx', { headers: w.as.grid_worker.bearer });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /spreadsheetml/);
    const rows = readXlsx(await res.arrayBuffer());
    assert.deepEqual(rows[0], ['姓名', '性别', '年龄段', '手机号', '身份证号', '网格编码', '户', '与户主关系', '标签', '住址']);
    const z = rows.find((x) => x[0] === '张建国');
    assert.ok(z, 'zhang exported');
    assert.equal(z[3], '138****0000');
    assert.ok(z[4].includes('********'));
    assert.equal(z[8], '独居老人', 'sensitive tags are not exported');
    assert.ok(rows.slice(1).every((x) => x[5] === G1), 'only the grid worker\'s grid');
    const text = rows.flat().join(' ');
    assert.ok(!FULL_PHONE.test(text) && !FULL_ID.test(text));
    assert.equal(auditCount(srv, 'resident.export'), before + 1);
    const d = JSON.parse(sql(srv, "SELECT detail FROM audit_log WHERE action = 'resident.export' ORDER BY id DESC LIMIT 1")[0][0]);
    assert.equal(d.rows, rows.length - 1);
    let r = await get('/api/v1/residents/export.xlsx?reveal=phone', w.as.grid_worker);
    assert.equal(r.status, 400);
    r = await get('/api/v1/residents/export.xlsx?tag=低保', w.as.grid_worker);
    assert.equal(r.status, 400);
    r = await get('/api/v1/residents/export.xlsx', w.as.party_member);
    assert.equal(r.status, 403);
    const u = await srv.fetch(`/api/v1/units/export.xlsx?community=${C1}`, { headers: w.as.community_staff.bearer });
    assert.equal(u.status, 200);
    const urows = readXlsx(await u.arrayBuffer());
    assert.ok(urows.some((x) => x[3] === '1-101' && x[4] === '89.37'));
  });

  test('nothing of another community in C2\'s lists', async () => {
    const r = await get('/api/v1/residents?limit=200', w.ca2);
    assert.equal(r.status, 200);
    assert.ok(r.body.items.every((x) => x.grid_code.startsWith(C2G1.slice(0, 12))));
  });
});
