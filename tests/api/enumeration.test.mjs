// An insider with a low role enumerates personal data (issue 7, findings 2 and 3, and
// the rule "every lookup that compares personal data against the database is
// rate-limited per account and audited"; docs/SECURITY.md, "Threat model").
//
// The caller is a grid worker of G1 (street 110101001). Targets live in another grid of
// the same community (G2) and in a second street (OUT_STREET) outside every scope of
// the caller. The tests show:
//   (a) a dry-run import marks duplicates against residents the caller can read row by
//       row, and reports duplicates against residents it cannot read only as a count
//       (with "contact the street administrator"), audited with the count;
//   (b) unit owners are linked to residents only inside the caller's scope, and an
//       out-of-scope match answers exactly like an ID number that matches nobody;
//   (c) every request that compares ID numbers or phones is charged to the account:
//       past the limit it is answered 429 too_many_lookups and audited.
// Runs on SQLite, PostgreSQL and two processes sharing PostgreSQL.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { assertErrorShape, assertNoSanitizerReport } from './util.mjs';
import { makeUser, login, sql } from './auth-util.mjs';
import { G1, G2, idNumber, csv, peopleWorld, postFile } from './people-util.mjs';

// A second street, outside the caller's scopes.
const OUT_STREET = '110101002';
const OUT_COMMUNITY = OUT_STREET + '001';
const OUT_GRID = OUT_COMMUNITY + '001';
const square = (lng, lat, d = 0.01) => ({
  type: 'Polygon',
  coordinates: [[[lng, lat], [lng + d, lat], [lng + d, lat + d], [lng, lat + d], [lng, lat]]],
});

// Values compared per account per window in this file (the server's default is larger).
const LIMIT = 40;

let srv, w, gw;
const get = (path, who) => api(srv, 'GET', path, undefined, who.bearer);
const post = (path, body, who) => api(srv, 'POST', path, body, who.bearer);

// Residents the tests look for: one the grid worker reads (G1), one in the next grid of
// the same community (G2) and one in the other street.
const P = {
  mine: { name: '赵本格', id_number: idNumber('19600101', 11), phone: '13600000011', grid_code: G1 },
  g2: { name: '钱邻格', id_number: idNumber('19610202', 22), phone: '13600000022', grid_code: G2 },
  out: { name: '孙外街', id_number: idNumber('19620303', 33, '110102'), phone: '13600000033', grid_code: OUT_GRID },
};
const ids = {};

function auditRows(action, userId) {
  return sql(srv, `SELECT detail, scope FROM audit_log WHERE action = '${action}'` +
    (userId ? ` AND user_id = ${Number(userId)}` : '') + ' ORDER BY id')
    .map(([detail, scope]) => ({ detail: detail ? JSON.parse(detail) : null, scope }));
}

// A fresh grid worker of G1 with a budget of its own.
let seq = 0;
async function gridWorker() {
  const name = `enum-gw-${seq++}`;
  await makeUser(srv, w.admin, name, [['grid_worker', G1]], `${name}-password`);
  return login(srv, name, `${name}-password`);
}

before(async () => {
  srv = await startServer({ env: { GONGZHI_PII_LOOKUP_LIMIT: String(LIMIT) } });
  w = await peopleWorld(srv, { tag: 'en' });
  gw = w.as.grid_worker;
  for (const [path, body] of [
    ['/api/v1/streets', { code: OUT_STREET, name: '外街道' }],
    ['/api/v1/communities', { code: OUT_COMMUNITY, name: '外街社区' }],
  ]) {
    const r = await post(path, body, w.admin);
    assert.equal(r.status, 201, `${path} ${JSON.stringify(r.body)}`);
  }
  let r = await post('/api/v1/grids/import', {
    type: 'FeatureCollection',
    features: [{ type: 'Feature', properties: { code: OUT_GRID, name: '外街网格' }, geometry: square(116.5, 39.9) }],
  }, w.admin);
  assert.ok(r.status === 200 || r.status === 201, JSON.stringify(r.body));
  r = await get(`/api/v1/grids/${G1}`, w.admin);
  assert.equal(r.status, 200, 'the first street keeps its grids');
  for (const [k, p] of Object.entries(P)) {
    r = await post('/api/v1/residents', p, w.admin);
    assert.equal(r.status, 201, `${k}: ${JSON.stringify(r.body)}`);
    ids[k] = r.body.id;
  }
  // The grid worker reads the first and cannot read the others.
  assert.equal((await get(`/api/v1/residents/${ids.mine}`, gw)).status, 200);
  assert.equal((await get(`/api/v1/residents/${ids.g2}`, gw)).status, 404);
  assert.equal((await get(`/api/v1/residents/${ids.out}`, gw)).status, 404);
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

const HEADER = ['姓名', '身份证号', '网格编码'];
const DUP = '与已登记的居民身份证号重复';

describe('(a) dry-run import: duplicates out of scope are a count, never a row', () => {
  // Row 2: new; row 3: the G1 resident (visible); rows 4 and 5: G2 and the other street.
  const file = (a, b) => csv([HEADER,
    ['新居民', idNumber('19900101', 501), G1],
    ['重复本格', P.mine.id_number, G1],
    ['试探一', a, G1],
    ['试探二', b, G1]]);

  test('visible duplicate per row; hidden ones only counted, with 请联系街道管理员; audited with the count', async () => {
    const who = await gridWorker();
    const r = await postFile(srv, '/api/v1/residents/import?dry_run=1', file(P.g2.id_number, P.out.id_number), who);
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assertErrorShape(r.body, 'import_invalid');
    const text = JSON.stringify(r.body);
    // The duplicate the caller can see is named with its row.
    assert.ok(r.body.errors.some((e) => e.row === 3 && e.reason.includes(DUP)), text);
    // Rows 4 and 5 are not marked at all.
    assert.ok(!r.body.errors.some((e) => e.row === 4 || e.row === 5), text);
    assert.ok(!('rows[4].身份证号' in r.body.error.fields) && !('rows[5].身份证号' in r.body.error.fields), text);
    // One whole-file problem with the count.
    const hidden = r.body.errors.filter((e) => e.row === null);
    assert.equal(hidden.length, 1, text);
    assert.match(hidden[0].reason, /2/);
    assert.match(hidden[0].reason, /请联系街道管理员/);
    assert.equal(r.body.hidden_duplicates, 2);
    assert.ok(!text.includes(P.g2.id_number) && !text.includes(P.out.id_number), 'no ID number echoed');
    // Audited: the count, never the numbers.
    const rows = auditRows('resident.import.hidden_duplicates', who.user.id);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].detail.count, 2);
    assert.equal(rows[0].scope, G1);
    const look = auditRows('resident.import.lookup', who.user.id);
    assert.equal(look.length, 1, 'the dry run\'s lookup is audited');
    assert.equal(look[0].detail.dry_run, true);
    assert.equal(look[0].detail.compared, 4);
    const all = JSON.stringify(sql(srv, `SELECT detail FROM audit_log WHERE user_id = ${Number(who.user.id)}`));
    for (const p of Object.values(P)) assert.ok(!all.includes(p.id_number), 'no ID number in the audit log');
  });

  test('the rows answer exactly as for ID numbers that match nobody', async () => {
    const who = await gridWorker();
    const hit = await postFile(srv, '/api/v1/residents/import?dry_run=1', file(P.g2.id_number, P.out.id_number), who);
    const miss = await postFile(srv, '/api/v1/residents/import?dry_run=1', file(idNumber('19910101', 601), idNumber('19910101', 602)), who);
    assert.equal(hit.status, 422);
    assert.equal(miss.status, 422, 'the visible duplicate of row 3 still fails it');
    const rowErrors = (b) => b.errors.filter((e) => e.row !== null);
    assert.deepEqual(rowErrors(hit.body), rowErrors(miss.body));
    assert.equal(miss.body.hidden_duplicates, 0);
    assert.equal(miss.body.errors.filter((e) => e.row === null).length, 0);
  });

  test('a file of out-of-scope ID numbers only fails with the count; nothing written', async () => {
    const who = await gridWorker();
    const before = Number(sql(srv, 'SELECT COUNT(*) FROM residents')[0][0]);
    const body = csv([HEADER, ['试探', P.out.id_number, G1], ['新人', idNumber('19920101', 701), G1]]);
    for (const path of ['/api/v1/residents/import?dry_run=1', '/api/v1/residents/import']) {
      const r = await postFile(srv, path, body, who);
      assert.equal(r.status, 422, `${path}: ${JSON.stringify(r.body)}`);
      assert.deepEqual(r.body.errors.map((e) => e.row), [null], JSON.stringify(r.body.errors));
      assert.match(r.body.errors[0].reason, /请联系街道管理员/);
      assert.equal(r.body.hidden_duplicates, 1);
    }
    assert.equal(Number(sql(srv, 'SELECT COUNT(*) FROM residents')[0][0]), before);
    assert.equal(auditRows('resident.import.hidden_duplicates', who.user.id).length, 2);
    assert.deepEqual(auditRows('resident.import.lookup', who.user.id).map((x) => x.detail.dry_run), [true, false]);
  });

  test('the street supervisor sees the same rows in full: everything is in its scope', async () => {
    const r = await postFile(srv, '/api/v1/residents/import?dry_run=1', file(P.g2.id_number, idNumber('19930101', 801)), w.as.street_supervisor);
    assert.equal(r.status, 422);
    assert.deepEqual(r.body.errors.filter((e) => e.reason.includes(DUP)).map((e) => e.row), [3, 4]);
    assert.equal(r.body.hidden_duplicates, 0);
  });
});

describe('(b) unit owners: linked only inside the caller\'s scope', () => {
  let n = 0;
  const unit = (who, idn) => post('/api/v1/units',
    { building_id: w.building.id, number: `E-${n++}`, area_m2: '80.00', owners: [{ name: '业主', id_number: idn }] }, who);
  // The answer without what differs between two units by construction.
  const shape = (b) => JSON.stringify({ ...b, id: 0, number: 0, created_at: 0, updated_at: 0 });

  test('an out-of-scope owner is not linked and answers like an ID number of nobody', async () => {
    const who = await gridWorker();
    for (const k of ['g2', 'out']) {
      const hit = await unit(who, P[k].id_number);
      const miss = await unit(who, idNumber('19940101', 900 + n));
      assert.equal(hit.status, 201, JSON.stringify(hit.body));
      assert.equal(miss.status, 201, JSON.stringify(miss.body));
      assert.equal(hit.body.owners[0].resident_id, null, `${k}: ${JSON.stringify(hit.body)}`);
      assert.equal(shape(hit.body), shape(miss.body));
      // Not linked in the database either: an administrator sees no link.
      const [[linked]] = sql(srv, `SELECT COUNT(*) FROM unit_owners WHERE unit_id = ${Number(hit.body.id)} AND resident_id IS NOT NULL`);
      assert.equal(Number(linked), 0);
      const adm = await get(`/api/v1/units/${hit.body.id}`, w.admin);
      assert.equal(adm.body.owners[0].resident_id, null);
    }
  });

  test('an owner the caller can read is linked', async () => {
    const who = await gridWorker();
    const r = await unit(who, P.mine.id_number);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.owners[0].resident_id, ids.mine);
  });

  test('units import: owners linked only inside the caller\'s scope', async () => {
    const who = await gridWorker();
    const body = csv([['楼栋', '房号', '专有部分面积', '业主姓名', '业主身份证号'],
      [w.building.id, 'EI-1', '70', '本格业主', P.mine.id_number],
      [w.building.id, 'EI-2', '70', '邻格业主', P.g2.id_number],
      [w.building.id, 'EI-3', '70', '外街业主', P.out.id_number]]);
    const r = await postFile(srv, '/api/v1/units/import', body, who);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const links = Object.fromEntries(sql(srv, `SELECT u.number, o.resident_id FROM unit_owners o JOIN units u ON u.id = o.unit_id WHERE u.number LIKE 'EI-%'`));
    assert.equal(String(links['EI-1']), String(ids.mine));
    assert.ok(!links['EI-2'], `EI-2 linked to ${links['EI-2']}`);
    assert.ok(!links['EI-3'], `EI-3 linked to ${links['EI-3']}`);
    assert.equal(auditRows('unit.import.lookup', who.user.id).length, 1);
  });

  test('an owner linked by someone who could read the resident shows no resident_id to those who cannot', async () => {
    const r = await unit(w.as.community_admin, P.g2.id_number);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.owners[0].resident_id, ids.g2, 'the community admin reads G2');
    const seen = await get(`/api/v1/units/${r.body.id}`, gw);
    assert.equal(seen.status, 200);
    assert.equal(seen.body.owners[0].resident_id, null);
  });
});

describe('(c) per-account limit on compared values', () => {
  test('registering a resident compares the ID number with the whole register: charged, a duplicate audited', async () => {
    const who = await gridWorker();
    // The ID number is unique in the register (docs/SECURITY.md, known limits): 409,
    // without saying where; the attempt is audited, never the number.
    let r = await post('/api/v1/residents', { name: '冒名', id_number: P.out.id_number, grid_code: G1 }, who);
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assertErrorShape(r.body, 'duplicate_id_number');
    assert.ok(!JSON.stringify(r.body).includes(OUT_GRID));
    const rows = auditRows('resident.duplicate_id_number', who.user.id);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].scope, G1);
    assert.ok(!JSON.stringify(rows).includes(P.out.id_number));
    const [[n]] = sql(srv, `SELECT count FROM rate_limits WHERE key = 'pii:u:${Number(who.user.id)}'`);
    assert.equal(Number(n), 1, 'charged one compared value');
  });

  test('imports, unit owners and lookups are charged; past the limit 429 too_many_lookups, audited', async () => {
    const who = await gridWorker();
    const rows = (from, k) => csv([HEADER, ...Array.from({ length: k }, (_, i) => [`批${from + i}`, idNumber('19800101', from + i), G1])]);
    // 30 ID numbers compared (a clean dry run: 200).
    let r = await postFile(srv, '/api/v1/residents/import?dry_run=1', rows(100, 30), who);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    // 5 lookups and 1 owner: 36.
    for (let i = 0; i < 5; i++) {
      r = await get(`/api/v1/residents?id_number=${idNumber('19800101', 200 + i)}`, who);
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    r = await post('/api/v1/units', { building_id: w.building.id, number: 'RL-1', area_m2: '50', owners: [{ name: '甲', id_number: idNumber('19800101', 300) }] }, who);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    // 10 more do not fit into 40: refused as a whole, nothing of the result shown.
    r = await postFile(srv, '/api/v1/residents/import?dry_run=1', rows(400, 10), who);
    assert.equal(r.status, 429, JSON.stringify(r.body));
    assertErrorShape(r.body, 'too_many_lookups');
    assert.ok(Number(r.headers.get('retry-after')) > 0);
    assert.ok(!('errors' in r.body));
    // A file larger than the whole limit can never pass: the answer says so.
    r = await postFile(srv, '/api/v1/residents/import?dry_run=1', rows(600, LIMIT + 1), who);
    assert.equal(r.status, 429, JSON.stringify(r.body));
    assert.match(r.body.error.message, /分批/);
    // 4 still fit; then lookups, owners and imports are all refused.
    r = await postFile(srv, '/api/v1/residents/import?dry_run=1', rows(500, 4), who);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    r = await get(`/api/v1/residents?phone=13600000011`, who);
    assert.equal(r.status, 429, JSON.stringify(r.body));
    assertErrorShape(r.body, 'too_many_lookups');
    r = await post('/api/v1/units', { building_id: w.building.id, number: 'RL-2', area_m2: '50', owners: [{ name: '乙', id_number: idNumber('19800101', 301) }] }, who);
    assert.equal(r.status, 429, JSON.stringify(r.body));
    assert.equal(Number(sql(srv, `SELECT COUNT(*) FROM units WHERE number = 'RL-2'`)[0][0]), 0, 'nothing created');
    r = await postFile(srv, '/api/v1/units/import', csv([['楼栋', '房号', '专有部分面积', '业主姓名', '业主身份证号'], [w.building.id, 'RL-3', '70', '丙', idNumber('19800101', 302)]]), who);
    assert.equal(r.status, 429, JSON.stringify(r.body));
    // A unit whose owners carry no ID number compares nothing and still works.
    r = await post('/api/v1/units', { building_id: w.building.id, number: 'RL-4', area_m2: '50', owners: [{ name: '丁' }] }, who);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    // Each refusal is audited, without the values.
    const refused = auditRows('pii.rate_limited', who.user.id);
    assert.deepEqual(refused.map((x) => x.detail.what),
      ['resident.import', 'resident.import', 'resident.lookup', 'unit.create', 'unit.import']);
    assert.equal(refused[0].detail.values, 10);
    assert.equal(refused[0].detail.limit, LIMIT);
    // Another account keeps its own budget.
    const other = await gridWorker();
    r = await get(`/api/v1/residents?phone=13600000011`, other);
    assert.equal(r.status, 200);
    assert.equal(r.body.items.length, 1);
  });
});
