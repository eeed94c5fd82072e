// Open311 GeoReport v2 (issue 10, SPEC §3b) under /open311/v2/: every document in JSON and
// XML validated against the field tables of GeoReport v2 written out below; the
// round trip an unchanged Open311 client makes (POST requests.json as a form →
// GET requests/{id}.json → GET requests.xml?status=open); api_key issued by
// `gongzhi apikey add`, listed, revoked, audited; the filters, the 90-day limit, pages,
// tokens, extensions and the servicerequestupdates extension; errors as
// [{code, description}] with 400/403/404; no reporter's personal data anywhere.
// Runs on SQLite and PostgreSQL.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, api, binary, ROOT } from '../lib/server.mjs';
import { adminSession, makeUser, login, sql, dumpDatabase } from './auth-util.mjs';
import { assertNoSanitizerReport } from './util.mjs';
import { FIXTURE, C1, G1 } from './people-util.mjs';

const IN_G1 = { lat: 39.9018, lng: 116.4018 };
const OUTSIDE = { lat: 39.95, lng: 116.5 };
const ISO_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const NAME = '王小明';
const PHONE = '13912345678';

// ---- The field tables of GeoReport v2 (SPEC §3b), as the test checks them.
// type: 's' string, 'S' string or null, 'n' number or null, 'b' boolean, 'i' integer,
// 'd' ISO 8601 date with a zone, 'D' such a date or null, 'e' one of values, 'a' array.
const T = {
  discovery: { changeset: 'd', contact: 's', key_service: 's', endpoints: 'a' },
  endpoint: { specification: 's', url: 's', changeset: 'd', type: 's', formats: 'a' },
  service: { service_code: 's', service_name: 's', description: 's', metadata: 'b', type: ['realtime', 'batch', 'blackbox'], keywords: 's', group: 's' },
  definition: { service_code: 's', attributes: 'a' },
  attribute: { variable: 'b', code: 's', datatype: ['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist'], required: 'b', datatype_description: 's', order: 'i', description: 's', values: 'a' },
  value: { key: 's', name: 's' },
  posted: { service_request_id: 's', service_notice: 'S', account_id: 'S' },
  request: {
    service_request_id: 's', status: ['open', 'closed'], status_notes: 'S', service_name: 's', service_code: 's',
    description: 's', agency_responsible: 'S', service_notice: 'S', requested_datetime: 'd', updated_datetime: 'd',
    expected_datetime: 'D', address: 'S', address_id: 'S', zipcode: 'S', lat: 'n', long: 'n', media_url: 'S',
  },
  token: { service_request_id: 's', token: 's' },
  update: { update_id: 's', service_request_id: 's', status: ['open', 'closed'], updated_datetime: 'd', description: 's', media_url: 'S' },
  error: { code: 'i', description: 's' },
};

function checkJson(obj, table, what) {
  for (const [k, type] of Object.entries(table)) {
    assert.ok(k in obj, `${what}: missing ${k} in ${JSON.stringify(obj)}`);
    const v = obj[k];
    const bad = `${what}.${k} = ${JSON.stringify(v)}`;
    if (Array.isArray(type)) assert.ok(type.includes(v), bad);
    else if (type === 's') assert.equal(typeof v, 'string', bad);
    else if (type === 'S') assert.ok(v === null || typeof v === 'string', bad);
    else if (type === 'n') assert.ok(v === null || typeof v === 'number', bad);
    else if (type === 'b') assert.equal(typeof v, 'boolean', bad);
    else if (type === 'i') assert.ok(Number.isInteger(v), bad);
    else if (type === 'd') assert.match(v, ISO_ZONE, bad);
    else if (type === 'D') assert.ok(v === null || ISO_ZONE.test(v), bad);
    else if (type === 'a') assert.ok(Array.isArray(v), bad);
  }
}

// A small XML reader (elements and text; what GeoReport v2 uses): {name, children, text}.
function parseXml(s) {
  assert.match(s, /^<\?xml version="1\.0" encoding="utf-8"\?>/);
  s = s.replace(/^<\?xml[^>]*\?>/, '');
  let i = 0;
  const ent = (t) => t.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  function node() {
    const m = /^<([A-Za-z_][\w.-]*)\s*(\/?)>/.exec(s.slice(i));
    assert.ok(m, `XML: element expected at ${s.slice(i, i + 40)}`);
    i += m[0].length;
    const n = { name: m[1], children: [], text: '' };
    if (m[2]) return n;
    for (;;) {
      if (s.startsWith(`</${n.name}>`, i)) { i += n.name.length + 3; return n; }
      if (s[i] === '<') n.children.push(node());
      else {
        const j = s.indexOf('<', i);
        assert.ok(j > i, 'XML: unterminated text');
        n.text += ent(s.slice(i, j));
        i = j;
      }
    }
  }
  const root = node();
  assert.equal(i, s.length, 'XML: trailing content');
  return root;
}
const child = (n, name) => n.children.find((c) => c.name === name);

function checkXml(el, table, what) {
  for (const [k, type] of Object.entries(table)) {
    const c = child(el, k);
    assert.ok(c, `${what}: missing <${k}>`);
    const v = c.text;
    const bad = `${what}.<${k}> = ${JSON.stringify(v)}`;
    if (Array.isArray(type)) assert.ok(type.includes(v), bad);
    else if (type === 's') assert.ok(c.children.length === 0, bad);
    else if (type === 'n') assert.ok(v === '' || Number.isFinite(Number(v)), bad);
    else if (type === 'b') assert.ok(v === 'true' || v === 'false', bad);
    else if (type === 'i') assert.match(v, /^-?\d+$/, bad);
    else if (type === 'd') assert.match(v, ISO_ZONE, bad);
    else if (type === 'D') assert.ok(v === '' || ISO_ZONE.test(v), bad);
  }
}

function apikey(srv, ...args) {
  return spawnSync(binary(), ['--db', srv.db, 'apikey', ...args], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0' },
  });
}

async function get(srv, path) {
  const res = await srv.fetch(path);
  const text = await res.text();
  const ct = res.headers.get('content-type') || '';
  return { status: res.status, ct, text, body: ct.includes('json') ? JSON.parse(text) : text };
}

async function postForm(srv, path, fields) {
  const res = await srv.fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  const text = await res.text();
  const ct = res.headers.get('content-type') || '';
  return { status: res.status, ct, text, body: ct.includes('json') ? JSON.parse(text) : text };
}

// Open311 errors: [{code, description}] in JSON, <errors><error> in XML; the status is
// the code; field (when given) is named in a description.
function assertOpen311Error(r, status, field) {
  assert.equal(r.status, status, r.text);
  if (r.ct.includes('json')) {
    assert.ok(Array.isArray(r.body) && r.body.length > 0, r.text);
    for (const e of r.body) { checkJson(e, T.error, 'error'); assert.equal(e.code, status); }
    if (field) assert.ok(r.body.some((e) => e.description.startsWith(field + ':')), `${field} not named: ${r.text}`);
  } else {
    const x = parseXml(r.text);
    assert.equal(x.name, 'errors');
    assert.ok(x.children.length > 0);
    for (const e of x.children) { assert.equal(e.name, 'error'); checkXml(e, T.error, 'error'); }
    if (field) assert.ok(x.children.some((e) => child(e, 'description').text.startsWith(field + ':')), r.text);
  }
}

let srv, admin, key, staff;
before(async () => {
  srv = await startServer();
  admin = await adminSession(srv);
  const imp = await api(srv, 'POST', '/api/v1/grids/import', FIXTURE, admin.bearer);
  assert.equal(imp.status, 201, JSON.stringify(imp.body));
  const k = apikey(srv, 'add', '市民通');
  assert.equal(k.status, 0, k.stderr);
  assert.match(k.stdout, /^[0-9a-f]{64}\n$/, 'the key alone on stdout');
  key = k.stdout.trim();
  const u = await makeUser(srv, admin, null, [['community_staff', C1]]);
  staff = await login(srv, u.username);
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

describe('discovery and services', () => {
  test('discovery.json and discovery.xml', async () => {
    const j = await get(srv, '/open311/v2/discovery.json');
    assert.equal(j.status, 200);
    checkJson(j.body, T.discovery, 'discovery');
    for (const e of j.body.endpoints) checkJson(e, T.endpoint, 'endpoint');
    assert.ok(j.body.endpoints[0].url.endsWith('/open311/v2'));
    const x = await get(srv, '/open311/v2/discovery.xml');
    assert.equal(x.status, 200);
    assert.match(x.ct, /^text\/xml/);
    const d = parseXml(x.text);
    assert.equal(d.name, 'discovery');
    checkXml(d, T.discovery, 'discovery');
    for (const e of child(d, 'endpoints').children) {
      assert.equal(e.name, 'endpoint');
      checkXml(e, T.endpoint, 'endpoint');
      assert.deepEqual(child(e, 'formats').children.map((f) => f.text), ['application/json', 'text/xml']);
    }
  });

  test('services.json and services.xml list the catalogue\'s minor classes with every field', async () => {
    const j = await get(srv, '/open311/v2/services.json');
    assert.equal(j.status, 200);
    assert.ok(j.body.length > 20);
    for (const s of j.body) checkJson(s, T.service, 'service');
    assert.ok(j.body.some((s) => s.service_code === 'E0101'));
    assert.ok(!j.body.some((s) => s.service_code === 'E01'), 'major classes are groups, not services');
    const x = parseXml((await get(srv, '/open311/v2/services.xml')).text);
    assert.equal(x.name, 'services');
    assert.equal(x.children.length, j.body.length);
    for (const s of x.children) { assert.equal(s.name, 'service'); checkXml(s, T.service, 'service'); }
  });

  test('a service definition with its attribute, in JSON and XML; an unknown code is 404', async () => {
    const j = await get(srv, '/open311/v2/services/E0101.json');
    assert.equal(j.status, 200, j.text);
    checkJson(j.body, T.definition, 'definition');
    assert.equal(j.body.service_code, 'E0101');
    for (const a of j.body.attributes) {
      checkJson(a, T.attribute, 'attribute');
      for (const v of a.values) checkJson(v, T.value, 'value');
    }
    assert.deepEqual(j.body.attributes[0].values.map((v) => v.key), ['consult', 'help', 'complaint', 'tipoff', 'suggestion']);
    const x = parseXml((await get(srv, '/open311/v2/services/E0101.xml')).text);
    assert.equal(x.name, 'service_definition');
    checkXml(x, T.definition, 'definition');
    for (const a of child(x, 'attributes').children) {
      assert.equal(a.name, 'attribute');
      checkXml(a, T.attribute, 'attribute');
      for (const v of child(a, 'values').children) { assert.equal(v.name, 'value'); checkXml(v, T.value, 'value'); }
    }
    assertOpen311Error(await get(srv, '/open311/v2/services/NOPE.json'), 404, 'service_code');
    assertOpen311Error(await get(srv, '/open311/v2/services/E01.xml'), 404, 'service_code');
    assert.equal((await get(srv, '/open311/v2/services/E0101.html')).status, 404);
  });
});

describe('requests', () => {
  let id;
  const form = (extra = {}) => ({
    api_key: key, service_code: 'E0101', lat: String(IN_G1.lat), long: String(IN_G1.lng),
    address_string: '多福巷12号门前', description: '垃圾桶满了，三天没人清运', first_name: '小明', last_name: '王',
    phone: PHONE, 'attribute[request_type]': 'complaint', ...extra,
  });

  test('round trip: POST requests.json (form) → GET requests/{id}.json → GET requests.xml?status=open', async () => {
    const p = await postForm(srv, '/open311/v2/requests.json', form());
    assert.equal(p.status, 201, p.text);
    assert.equal(p.body.length, 1);
    checkJson(p.body[0], T.posted, 'posted');
    id = p.body[0].service_request_id;
    assert.match(id, /^\d+$/);

    const one = await get(srv, `/open311/v2/requests/${id}.json`);
    assert.equal(one.status, 200, one.text);
    assert.equal(one.body.length, 1);
    const r = one.body[0];
    checkJson(r, T.request, 'request');
    assert.equal(r.service_request_id, id);
    assert.equal(r.status, 'open');
    assert.equal(r.status_notes, '待受理');
    assert.equal(r.service_code, 'E0101');
    assert.equal(r.description, '垃圾桶满了，三天没人清运');
    assert.equal(r.address, '多福巷12号门前');
    assert.ok(Math.abs(r.lat - IN_G1.lat) < 1e-6 && Math.abs(r.long - IN_G1.lng) < 1e-6);
    assert.ok(!one.text.includes(NAME) && !one.text.includes('小明') && !one.text.includes(PHONE), 'no personal data');

    const list = await get(srv, '/open311/v2/requests.xml?status=open');
    assert.equal(list.status, 200, list.text);
    const x = parseXml(list.text);
    assert.equal(x.name, 'service_requests');
    for (const e of x.children) { assert.equal(e.name, 'request'); checkXml(e, T.request, 'request'); }
    const mine = x.children.find((e) => child(e, 'service_request_id').text === id);
    assert.ok(mine, 'the posted request is listed as open');
    assert.equal(child(mine, 'status').text, 'open');
    assert.equal(child(mine, 'description').text, r.description);
    assert.equal(child(mine, 'requested_datetime').text, r.requested_datetime);
    assert.ok(!list.text.includes('小明') && !list.text.includes(PHONE));

    // The native API holds the same case, from the client application, phone sealed.
    const c = await api(srv, 'GET', `/api/v1/cases/${id}`, undefined, staff.bearer);
    assert.equal(c.status, 200, JSON.stringify(c.body));
    assert.equal(c.body.source, 'open311');
    assert.equal(c.body.grid_code, G1);
    assert.equal(sql(srv, `SELECT COUNT(*) FROM cases WHERE reporter_phone_enc IS NOT NULL AND id = ${id}`)[0][0], '1');
    const audit = sql(srv, `SELECT username FROM audit_log WHERE action = 'case.create' AND record_id = '${id}'`);
    assert.deepEqual(audit, [['open311:市民通']]);
  });

  test('POST as JSON, and POST requests.xml answers XML', async () => {
    const j = await api(srv, 'POST', '/open311/v2/requests.json', {
      api_key: key, service_code: 'E0101', lat: IN_G1.lat, long: IN_G1.lng, description: 'JSON 提交的诉求', attribute: { request_type: 'suggestion' },
    });
    assert.equal(j.status, 201, JSON.stringify(j.body));
    checkJson(j.body[0], T.posted, 'posted');
    const c = await api(srv, 'GET', `/api/v1/cases/${j.body[0].service_request_id}`, undefined, staff.bearer);
    assert.equal(c.body.request_type, 'suggestion');
    const x = await postForm(srv, '/open311/v2/requests.xml', form({ description: 'XML 客户端的诉求' }));
    assert.equal(x.status, 201, x.text);
    const d = parseXml(x.text);
    assert.equal(d.name, 'service_requests');
    assert.equal(d.children[0].name, 'request');
    checkXml(d.children[0], T.posted, 'posted');
  });

  test('an anonymous report: nothing of the reporter in any answer', async () => {
    const p = await postForm(srv, '/open311/v2/requests.json', form({ description: '匿名反映：夜间施工扰民', 'attribute[anonymous]': 'true', first_name: '匿名者', phone: '13700001111' }));
    assert.equal(p.status, 201, p.text);
    const aid = p.body[0].service_request_id;
    for (const path of [`/open311/v2/requests/${aid}.json?extensions=true`, `/open311/v2/requests/${aid}.xml?extensions=true`,
      '/open311/v2/requests.json?extensions=true', '/open311/v2/servicerequestupdates.json']) {
      const r = await get(srv, path);
      assert.equal(r.status, 200, r.text);
      assert.ok(!r.text.includes('匿名者') && !r.text.includes('13700001111') && !r.text.includes(PHONE), `${path} leaks the reporter`);
    }
    assert.equal(sql(srv, `SELECT anonymous FROM cases WHERE id = ${aid}`)[0][0], '1');
  });

  test('fine states: status closed/open only, the state in status_notes and, with extensions, in extended_attributes and notes', async () => {
    let r = await api(srv, 'POST', `/api/v1/cases/${id}/actions`, { action: 'reject', note: '不属于社区职责' }, staff.bearer);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const one = await get(srv, `/open311/v2/requests/${id}.json?extensions=true`);
    const q = one.body[0];
    checkJson(q, T.request, 'request');
    assert.equal(q.status, 'closed');
    assert.equal(q.status_notes, '不予立案');
    assert.equal(q.expected_datetime, null);
    assert.equal(q.extended_attributes.state, 'rejected');
    assert.deepEqual(q.notes.map((n) => n.summary), ['反映', '不予立案']);
    assert.ok(q.notes.some((n) => n.description === '不属于社区职责'));
    for (const n of q.notes) assert.match(n.datetime, ISO_ZONE);
    const x = parseXml((await get(srv, `/open311/v2/requests/${id}.xml?extensions=true`)).text);
    const e = x.children[0];
    checkXml(e, T.request, 'request');
    assert.equal(child(child(e, 'extended_attributes'), 'state').text, 'rejected');
    assert.ok(child(e, 'notes').children.every((n) => n.name === 'note'));
    const closed = await get(srv, '/open311/v2/requests.json?status=closed');
    assert.ok(closed.body.some((c) => c.service_request_id === id));
    assert.ok(closed.body.every((c) => c.status === 'closed'));
    const open = await get(srv, '/open311/v2/requests.json?status=open');
    assert.ok(!open.body.some((c) => c.service_request_id === id));
  });

  test('filters: service_request_id list, service_code, dates, page and page_size', async () => {
    const all = (await get(srv, '/open311/v2/requests.json')).body;
    assert.ok(all.length >= 4);
    for (const r of all) checkJson(r, T.request, 'request');
    const two = await get(srv, `/open311/v2/requests.json?service_request_id=${all[0].service_request_id},${all[1].service_request_id}&status=closed`);
    assert.deepEqual(two.body.map((r) => r.service_request_id), [all[0].service_request_id, all[1].service_request_id]);
    assert.equal((await get(srv, '/open311/v2/requests.json?service_code=C0101')).body.length, 0);
    assert.equal((await get(srv, '/open311/v2/requests.json?service_code=C0101,E0101')).body.length, all.length);
    const p1 = (await get(srv, '/open311/v2/requests.json?page_size=2')).body;
    const p2 = (await get(srv, '/open311/v2/requests.json?page_size=2&page=2')).body;
    assert.deepEqual([...p1, ...p2].map((r) => r.service_request_id), all.slice(0, 4).map((r) => r.service_request_id));
    const past = await get(srv, '/open311/v2/requests.json?start_date=2020-01-01T00:00:00%2B08:00&end_date=2020-03-01T00:00:00%2B08:00');
    assert.equal(past.status, 200, past.text);
    assert.deepEqual(past.body, []);
    const now = new Date();
    const from = new Date(now.getTime() - 86400000).toISOString();
    const to = new Date(now.getTime() + 60000).toISOString();
    assert.equal((await get(srv, `/open311/v2/requests.json?start_date=${from}&end_date=${to}`)).body.length, all.length);
  });

  test('tokens and the servicerequestupdates extension', async () => {
    const t = await get(srv, `/open311/v2/tokens/${id}.json`);
    assert.equal(t.status, 200, t.text);
    checkJson(t.body[0], T.token, 'token');
    const tx = parseXml((await get(srv, `/open311/v2/tokens/${id}.xml`)).text);
    checkXml(tx.children[0], T.token, 'token');
    assertOpen311Error(await get(srv, '/open311/v2/tokens/999999.json'), 404, 'token');
    const u = await get(srv, `/open311/v2/servicerequestupdates.json?service_request_id=${id}`);
    assert.equal(u.status, 200, u.text);
    assert.equal(u.body.length, 2);
    for (const e of u.body) checkJson(e, T.update, 'update');
    assert.deepEqual(u.body.map((e) => e.status), ['open', 'closed']);
    const ux = parseXml((await get(srv, '/open311/v2/servicerequestupdates.xml')).text);
    assert.equal(ux.name, 'service_request_updates');
    for (const e of ux.children) { assert.equal(e.name, 'request_update'); checkXml(e, T.update, 'update'); }
  });

  test('bad input: Open311 errors naming the field, nothing stored', async () => {
    const before = sql(srv, 'SELECT COUNT(*) FROM cases')[0][0];
    const { api_key: _, ...noKey } = form();
    assertOpen311Error(await postForm(srv, '/open311/v2/requests.json', noKey), 403, 'api_key');
    assertOpen311Error(await postForm(srv, '/open311/v2/requests.xml', form({ api_key: 'f'.repeat(64) })), 403, 'api_key');
    assertOpen311Error(await postForm(srv, '/open311/v2/requests.json', form({ service_code: 'NOPE' })), 400, 'service_code');
    assertOpen311Error(await postForm(srv, '/open311/v2/requests.json', form({ lat: String(OUTSIDE.lat), long: String(OUTSIDE.lng) })), 400, 'lat');
    assertOpen311Error(await postForm(srv, '/open311/v2/requests.json', form({ description: '长'.repeat(4001) })), 400, 'description');
    assertOpen311Error(await postForm(srv, '/open311/v2/requests.json', form({ lat: '', long: '', address_string: '' })), 400, 'lat');
    assertOpen311Error(await postForm(srv, '/open311/v2/requests.json', form({ long: '' })), 400, 'long');
    assertOpen311Error(await postForm(srv, '/open311/v2/requests.json', form({ lat: '', long: '', address_string: '不存在的地址1号' })), 400, 'address_string');
    assertOpen311Error(await postForm(srv, '/open311/v2/requests.json', form({ 'attribute[request_type]': 'praise' })), 400, 'attribute[request_type]');
    assertOpen311Error(await postForm(srv, '/open311/v2/requests.json', form({ phone: '12' })), 400, 'phone');
    const x = await srv.fetch('/open311/v2/requests.json', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'hello' });
    assert.equal(x.status, 400);
    assert.equal(sql(srv, 'SELECT COUNT(*) FROM cases')[0][0], before, 'nothing stored');

    assertOpen311Error(await get(srv, '/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-04-02T00:00:00Z'), 400, 'end_date');
    assertOpen311Error(await get(srv, '/open311/v2/requests.xml?start_date=2026-01-01T00:00:00Z&end_date=2026-04-02T00:00:00Z'), 400, 'end_date');
    assert.equal((await get(srv, '/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-04-01T00:00:00Z')).status, 200, '90 days exactly');
    assertOpen311Error(await get(srv, '/open311/v2/requests.json?start_date=yesterday'), 400, 'start_date');
    assertOpen311Error(await get(srv, '/open311/v2/requests.json?status=pending'), 400, 'status');
    assertOpen311Error(await get(srv, '/open311/v2/requests.json?page_size=1001'), 400, 'page_size');
    assertOpen311Error(await get(srv, '/open311/v2/requests/999999.json'), 404, 'service_request_id');
    assertOpen311Error(await get(srv, '/open311/v2/requests/999999.xml'), 404, 'service_request_id');
  });

  test('apikey list and revoke: a revoked key is refused; both audited', async () => {
    const l = apikey(srv, 'list');
    assert.equal(l.status, 0, l.stderr);
    assert.match(l.stdout, /^市民通\t\d{4}-[^\t]+\t\n/m);
    assert.ok(!l.stdout.includes(key), 'the key is never shown again');
    const k2 = apikey(srv, 'add', '临时应用');
    assert.equal(k2.status, 0, k2.stderr);
    assert.equal(apikey(srv, 'add', '临时应用').status, 1, 'one name, one client');
    assert.equal(apikey(srv, 'revoke', '临时应用').status, 0);
    assert.equal(apikey(srv, 'revoke', '临时应用').status, 1, 'already revoked');
    assert.equal(apikey(srv, 'revoke', '没有的应用').status, 1);
    assert.equal(apikey(srv, 'bogus').status, 2);
    assertOpen311Error(await postForm(srv, '/open311/v2/requests.json', form({ api_key: k2.stdout.trim() })), 403, 'api_key');
    assert.match(apikey(srv, 'list').stdout, /^临时应用\t[^\t]+\t\d{4}-/m);
    const rows = sql(srv, "SELECT action, record_id, username FROM audit_log WHERE action LIKE 'open311.%' ORDER BY id");
    assert.deepEqual(rows, [['open311.client_add', '市民通', 'cli'], ['open311.client_add', '临时应用', 'cli'], ['open311.client_revoke', '临时应用', 'cli']]);
    assert.ok(!dumpDatabase(srv).includes(key), 'only the hash of a key is stored');
  });
});
