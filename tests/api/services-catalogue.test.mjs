// The service catalogue (办事指南, issue 14 item 1): seeded in every new database, public
// without a login, searchable in Chinese — words inside longer text, the same rows on
// SQLite (FTS5) and PostgreSQL (tsvector) — and extended by administrators with checked
// definitions. Runs on SQLite, PostgreSQL and two processes sharing one PostgreSQL.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { assertErrorShape, assertNoSanitizerReport } from './util.mjs';
import { adminSession, makeUser, login, sql } from './auth-util.mjs';

const C1 = '110101001001';

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

const anon = (path) => api(srv, 'GET', path);
const search = async (q, extra = '') => {
  const r = await anon(`/api/v1/service-catalogue?q=${encodeURIComponent(q)}&limit=200${extra}`);
  assert.equal(r.status, 200, `${q}: ${JSON.stringify(r.body)}`);
  assert.equal(r.body.next_cursor, null);
  return r.body.items;
};
async function all() {
  const r = await anon('/api/v1/service-catalogue?limit=200');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items;
}

describe('the seeded catalogue, without a login', () => {
  test('every new database has the community\'s usual services', async () => {
    const items = await all();
    const names = items.map((s) => s.name);
    for (const n of ['居住证明', '独生子女证明', '老年人优待证办理', '残疾人两项补贴申请',
      '最低生活保障申请（社区初审）', '计划生育政策咨询', '社会保险政策咨询', '现实表现证明（用人单位政审）']) {
      assert.ok(names.includes(n), `${n} in ${names}`);
    }
    const res = items.find((s) => s.name === '居住证明');
    assert.equal(typeof res.id, 'string');
    assert.equal(res.category, 'certificate');
    assert.equal(res.category_label, '证明开具');
    assert.equal(res.certificate_kind, '居住证明');
    assert.equal(res.online, true);
    assert.equal(res.fee_fen, 0);
    assert.ok(Number.isInteger(res.time_limit_days) && res.time_limit_days > 0);
    assert.equal(typeof res.office, 'string');
    assert.equal(items.find((s) => s.name.startsWith('最低生活保障')).online, false, '低保 only in person');
  });

  test('one entry with its materials, steps and typed form fields', async () => {
    const id = (await all()).find((s) => s.name === '居住证明').id;
    const r = await anon(`/api/v1/service-catalogue/${id}`);
    assert.equal(r.status, 200);
    assert.ok(r.body.materials.some((m) => m.name === '居民身份证' && m.required === true));
    assert.ok(r.body.steps.length >= 2);
    const types = new Set(r.body.fields.map((f) => f.type));
    for (const t of ['choice', 'text', 'date']) assert.ok(types.has(t), t);
    assert.ok(r.body.legal_basis.length > 0);
    const elder = (await all()).find((s) => s.name === '老年人优待证办理').id;
    const e = await anon(`/api/v1/service-catalogue/${elder}`);
    assert.ok(e.body.fields.some((f) => f.type === 'attachment' && f.required));
    for (const bad of ['999999', '0', 'x']) {
      const nf = await anon(`/api/v1/service-catalogue/${bad}`);
      assert.equal(nf.status, 404);
      assertErrorShape(nf.body, 'not_found');
    }
  });

  test('pages by cursor give the whole list once', async () => {
    const whole = await all();
    const seen = [];
    let cursor = '';
    for (let i = 0; i < 50; i++) {
      const r = await anon(`/api/v1/service-catalogue?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200);
      seen.push(...r.body.items.map((s) => s.id));
      if (!r.body.next_cursor) break;
      cursor = r.body.next_cursor;
    }
    assert.deepEqual(seen, whole.map((s) => s.id));
    const bad = await anon('/api/v1/service-catalogue?limit=0');
    assert.equal(bad.status, 400);
    const cat = await anon('/api/v1/service-catalogue?category=consultation');
    assert.ok(cat.body.items.length >= 2 && cat.body.items.every((s) => s.category === 'consultation'));
    assert.equal((await anon('/api/v1/service-catalogue?category=cooking')).status, 400);
  });
});

describe('full-text search in Chinese', () => {
  test('居住 finds 居住证明: a word inside a longer one', async () => {
    const items = await search('居住');
    assert.ok(items.some((s) => s.name === '居住证明'), JSON.stringify(items.map((s) => s.name)));
  });

  test('证明 finds every certificate service', async () => {
    const certs = (await all()).filter((s) => s.certificate_kind).map((s) => s.name);
    assert.ok(certs.length >= 3);
    const found = (await search('证明')).map((s) => s.name);
    for (const c of certs) assert.ok(found.includes(c), `${c} in ${found}`);
  });

  test('a single character, several words, a phrase that must be whole, ASCII case', async () => {
    const zheng = (await search('证')).map((s) => s.name);
    assert.ok(zheng.includes('老年人优待证办理'));
    const both = (await search('居住 入学')).map((s) => s.name);
    assert.deepEqual(both, ['居住证明']);
    assert.deepEqual((await search('居住证')).map((s) => s.name), ['居住证明'], '居住证 appears only there');
    assert.ok((await search('社保')).some((s) => s.name === '社会保险政策咨询'));
    assert.deepEqual(await search('火星移民'), []);
    assert.deepEqual(await search('！？'), [], 'punctuation alone finds nothing');
    const certOnly = await search('证明', '&category=subsidy');
    assert.ok(certOnly.every((s) => s.category === 'subsidy'));
  });

  test('search results page by cursor like the list', async () => {
    const whole = (await search('证')).map((s) => s.id);
    const seen = [];
    let cursor = '';
    for (let i = 0; i < 50; i++) {
      const r = await anon(`/api/v1/service-catalogue?q=${encodeURIComponent('证')}&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200);
      assert.ok(r.body.items.length <= 4);
      seen.push(...r.body.items.map((s) => s.id));
      if (!r.body.next_cursor) break;
      cursor = r.body.next_cursor;
    }
    assert.deepEqual(seen, whole);
  });

  test('a search string of 2,000 characters is refused with a 4xx', async () => {
    const ascii = await anon(`/api/v1/service-catalogue?q=${'x'.repeat(2000)}`);
    assert.equal(ascii.status, 400);
    assertErrorShape(ascii.body, 'bad_query');
    assert.ok('q' in ascii.body.error.fields);
    const chinese = await anon(`/api/v1/service-catalogue?q=${encodeURIComponent('证'.repeat(2000))}`);
    assert.ok(chinese.status >= 400 && chinese.status < 500, `got ${chinese.status}`);
    const fifty = await anon(`/api/v1/service-catalogue?q=${encodeURIComponent('证'.repeat(50))}`);
    assert.equal(fifty.status, 200);
    const fiftyOne = await anon(`/api/v1/service-catalogue?q=${encodeURIComponent('证'.repeat(51))}`);
    assert.equal(fiftyOne.status, 400);
  });
});

describe('administrators add services', () => {
  const entry = {
    code: 'pet_registration', name: '养犬登记预审', category: 'registration',
    summary: '居民在社区预审养犬登记材料，再到派出所办理。', office: '社区综合受理窗口',
    time_limit_days: 2, materials: [{ code: 'id_card', name: '居民身份证', required: true }],
    steps: ['在线提交预审'], fields: [{ code: 'breed', label: '犬种', type: 'text', required: true }],
  };

  test('a new entry is found by its words at once; the same code twice is 409', async () => {
    const r = await api(srv, 'POST', '/api/v1/service-catalogue', { ...entry, scope_code: C1 }, admin.bearer);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.scope_code, C1);
    assert.deepEqual(r.body.fields, entry.fields);
    assert.ok((await search('养犬')).some((s) => s.id === r.body.id));
    assert.ok((await search('犬种')).some((s) => s.id === r.body.id), 'form labels are searched');
    const audit = sql(srv, `SELECT action, record_id FROM audit_log WHERE action = 'service.create'`);
    assert.deepEqual(audit, [['service.create', r.body.id]]);
    const again = await api(srv, 'POST', '/api/v1/service-catalogue', entry, admin.bearer);
    assert.equal(again.status, 409);
    assertErrorShape(again.body, 'duplicate_service');
  });

  test('bad definitions are 422 naming each; staff without admin are refused', async () => {
    const before = sql(srv, 'SELECT COUNT(*) FROM services')[0][0];
    const r = await api(srv, 'POST', '/api/v1/service-catalogue', {
      ...entry, code: 'Bad Code', category: 'x', time_limit_days: 0,
      fields: [{ code: 'a', label: 'A', type: 'number', required: true }], materials: 'x', steps: [''],
    }, admin.bearer);
    assert.equal(r.status, 422);
    assertErrorShape(r.body, 'invalid_fields');
    for (const f of ['code', 'category', 'time_limit_days', 'fields[0]', 'materials', 'steps[0]']) {
      assert.ok(f in r.body.error.fields, `${f} in ${JSON.stringify(r.body.error.fields)}`);
    }
    await makeUser(srv, admin, 'svc-staff', [['community_staff', C1]]);
    const staff = await login(srv, 'svc-staff');
    const denied = await api(srv, 'POST', '/api/v1/service-catalogue', { ...entry, code: 'x1', scope_code: C1 }, staff.bearer);
    assert.equal(denied.status, 403);
    assert.equal(sql(srv, 'SELECT COUNT(*) FROM services')[0][0], before, 'nothing written');
  });

  test('every seeded entry\'s definitions pass the same checks as a new entry', async () => {
    for (const s of await all()) {
      if (s.scope_code) continue;
      const d = (await anon(`/api/v1/service-catalogue/${s.id}`)).body;
      const copy = {
        code: `copy_${d.code}`, name: d.name, category: d.category, summary: d.summary,
        conditions: d.conditions, office: d.office, time_limit_days: d.time_limit_days,
        online: d.online, legal_basis: d.legal_basis, materials: d.materials, steps: d.steps,
        fields: d.fields, scope_code: C1, ...(d.certificate_kind ? { certificate_kind: d.certificate_kind } : {}),
      };
      const r = await api(srv, 'POST', '/api/v1/service-catalogue', copy, admin.bearer);
      assert.equal(r.status, 201, `${d.name}: ${JSON.stringify(r.body)}`);
    }
  });
});
