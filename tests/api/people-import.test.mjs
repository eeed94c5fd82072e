// Imports of residents and units from CSV and .xlsx: all or nothing. Every bad input of
// the issue — a wrong ID checksum in row 7, a phone with letters, an area 12.345, a
// negative area, a duplicated ID number, a GBK-encoded file, an .xlsx with a missing
// column, a 0-byte file — answers 422 with a report naming the row and the column, and
// nothing is imported (every people table, record_counts and the audit log unchanged).
// Also: a good import, re-importing (duplicates against the database), dry runs, the
// downloadable report, scopes, and the command line on the same files. Runs on SQLite,
// PostgreSQL and two processes sharing PostgreSQL.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, api } from '../lib/server.mjs';
import { assertErrorShape, assertNoSanitizerReport, run } from './util.mjs';
import { sql } from './auth-util.mjs';
import { makeXlsx, readXlsx } from './xlsx-util.mjs';
import {
  G1, G2, idNumber, badIdNumber, csv, peopleWorld, peopleCounts, auditCount, postFile, XLSX_TYPE,
} from './people-util.mjs';

let srv, w;
const RES = '/api/v1/residents/import';
const UNITS = '/api/v1/units/import';
const HEADER = ['姓名', '性别', '出生日期', '手机号', '身份证号', '网格编码', '与户主关系', '标签'];

// n good rows starting at sequence number `from` (unique ID numbers and phones).
function goodRows(n, from = 100, grid = G1) {
  const rows = [];
  for (let i = 0; i < n; i++) {
    const seq = from + i;
    rows.push([`居民${seq}`, '', '', `1355${String(seq).padStart(7, '0')}`, idNumber('19700101', seq), grid,
      i === 0 ? '户主' : '其他', i % 3 === 0 ? '独居老人、低保' : '']);
  }
  return rows;
}

// Every count that an import may change. Every import over HTTP that compared ID
// numbers with the register leaves its lookup audit row ("resident.import.lookup",
// "unit.import.lookup"; enumeration.test.mjs), a rejected one too: those are counted
// apart, so "nothing audited" means no other row.
const lookupAudits = () => Number(sql(srv, "SELECT COUNT(*) FROM audit_log WHERE action LIKE '%.import.lookup' OR action LIKE '%.import.hidden_duplicates'")[0][0]);
const snapshot = () => ({ ...peopleCounts(srv), audit: auditCount(srv) - lookupAudits() });

// Posts a bad file and checks: 422 import_invalid, the report names (row, column) with
// a reason containing `why`, and nothing changed anywhere.
async function expectRejected(path, body, type, { row, column, why }, who = w.as.community_staff) {
  const before = snapshot();
  const r = await postFile(srv, path, body, who, type);
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assertErrorShape(r.body, 'import_invalid');
  assert.equal(r.body.ok, false);
  assert.equal(r.body.created, 0);
  const hit = r.body.errors.find((e) => e.row === row && e.column === column && e.reason.includes(why));
  assert.ok(hit, `expected row ${row} column ${column} "${why}" in ${JSON.stringify(r.body.errors)}`);
  assert.equal(r.body.error_count, r.body.errors.length);
  const key = column === null ? 'file' : `rows[${row}].${column}`;
  if (row !== null && column !== null) assert.ok(key in r.body.error.fields, `${key} in ${JSON.stringify(r.body.error.fields)}`);
  assert.match(r.body.report_url, /^\/api\/v1\/imports\/\d+\/report\.xlsx$/);
  const after = snapshot();
  assert.deepEqual(after, before, 'nothing imported, nothing audited');
  return r.body;
}

before(async () => {
  srv = await startServer();
  w = await peopleWorld(srv, { tag: 'imp' });
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

describe('bad input: a report naming row and column, nothing imported', () => {
  test('a wrong ID checksum in row 7', async () => {
    const rows = goodRows(8, 200);
    rows[5][4] = badIdNumber('19700101', 205); // data row 6 = sheet row 7
    const body = await expectRejected(RES, csv([HEADER, ...rows]), 'text/csv', { row: 7, column: '身份证号', why: '校验位错误' });
    assert.equal(body.error_count, 1, 'the other rows are fine');
    assert.equal(body.rows, 8);
  });

  test('a phone with letters', async () => {
    const rows = goodRows(3, 210);
    rows[1][3] = '1385555abcd';
    await expectRejected(RES, csv([HEADER, ...rows]), 'text/csv', { row: 3, column: '手机号', why: '含有非数字字符' });
  });

  test('an area 12.345 and a negative area (units)', async () => {
    const head = ['网格编码', '楼栋', '房号', '专有部分面积(㎡)', '是否已售', '业主姓名', '业主身份证号'];
    const rows = [
      [G1, '1号楼', '5-101', '89.37', '是', '甲', idNumber('19600101', 300)],
      [G1, '1号楼', '5-102', '12.345', '是', '乙', ''],
      [G1, '1号楼', '5-103', '-5', '是', '丙', ''],
      [G1, '1号楼', '5-104', '1e3', '是', '丁', ''],
    ];
    const body = await expectRejected(UNITS, csv([head, ...rows]), 'text/csv', { row: 3, column: '专有部分面积(㎡)', why: '最多两位小数' });
    assert.ok(body.errors.some((e) => e.row === 4 && e.column === '专有部分面积(㎡)' && e.reason.includes('不能为负数')));
    assert.ok(body.errors.some((e) => e.row === 5 && e.reason.includes('科学计数法')));
  });

  test('a duplicated ID number within the file', async () => {
    const rows = goodRows(5, 220);
    rows[4][4] = rows[1][4];
    await expectRejected(RES, csv([HEADER, ...rows]), 'text/csv', { row: 6, column: '身份证号', why: '与第 3 行的身份证号重复' });
  });

  test('a GBK-encoded file', async () => {
    const text = csv([HEADER, ...goodRows(2, 230)]);
    const gbk = execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GBK'], { input: text });
    const body = await expectRejected(RES, gbk, 'text/csv', { row: 1, column: '第 1 列', why: 'GBK' });
    assert.equal(body.errors.length, 1);
  });

  test('a GBK cell in a UTF-8 file names its row and column', async () => {
    const utf8 = Buffer.from(csv([HEADER, ...goodRows(2, 235)]), 'utf8');
    const bad = Buffer.concat([utf8, Buffer.from([0xd5, 0xc5, 0xc8, 0xfd]), Buffer.from(`,,,,${idNumber('19700101', 237)},${G1},,\r\n`)]);
    await expectRejected(RES, bad, 'text/csv', { row: 4, column: '姓名', why: 'GBK' });
  });

  test('an .xlsx with a missing column', async () => {
    const head = HEADER.filter((h) => h !== '身份证号');
    const rows = goodRows(2, 240).map((r) => r.filter((_, i) => i !== 4));
    await expectRejected(RES, makeXlsx([head, ...rows]), XLSX_TYPE, { row: 1, column: '身份证号', why: '缺少必需的列' });
  });

  test('a 0-byte file', async () => {
    await expectRejected(RES, Buffer.alloc(0), 'text/csv', { row: 1, column: null, why: '文件为空' });
    await expectRejected(RES, Buffer.alloc(0), XLSX_TYPE, { row: 1, column: null, why: '文件为空' });
    await expectRejected(UNITS, Buffer.alloc(0), 'text/csv', { row: 1, column: null, why: '文件为空' });
  });

  test('an ID number stored as a number in .xlsx', async () => {
    const rows = goodRows(2, 250).map((r, i) => (i === 1 ? r.map((c, k) => (k === 4 ? { n: '1.10101197001012E+17' } : c)) : r));
    await expectRejected(RES, makeXlsx([HEADER, ...rows]), XLSX_TYPE, { row: 3, column: '身份证号', why: '存成了数字' });
  });

  test('many problems: all reported, in row order, in one answer', async () => {
    const rows = goodRows(30, 260);
    rows[2][0] = '';
    rows[9][3] = '12345';
    rows[20][5] = '110101001001099';
    rows[25][7] = '火星人';
    const body = await expectRejected(RES, csv([HEADER, ...rows]), 'text/csv', { row: 4, column: '姓名', why: '不能为空' });
    assert.deepEqual(body.errors.map((e) => [e.row, e.column]), [[4, '姓名'], [11, '手机号'], [22, '网格编码'], [27, '标签']]);
    assert.equal(body.errors[2].reason, '网格不存在或不在您的管辖范围内');
  });

  test('a row of another grid than the caller\'s is refused as a whole file', async () => {
    const rows = [...goodRows(2, 300), ...goodRows(1, 302, G2)];
    await expectRejected(RES, csv([HEADER, ...rows]), 'text/csv', { row: 4, column: '网格编码', why: '管辖范围' }, w.as.grid_worker);
  });

  test('wrong content type is 415, roles without write are 403, nothing written', async () => {
    const before = snapshot();
    let r = await postFile(srv, RES, csv([HEADER, ...goodRows(1, 310)]), w.as.community_staff, 'application/json');
    assert.equal(r.status, 415);
    r = await postFile(srv, RES, csv([HEADER, ...goodRows(1, 310)]), w.as.party_member);
    assert.equal(r.status, 403);
    assert.deepEqual(snapshot(), before);
  });

  test('the report downloads as .xlsx, for the user who imported only', async () => {
    const rows = goodRows(3, 320);
    rows[2][4] = badIdNumber('19700101', 322);
    const r = await postFile(srv, RES, csv([HEADER, ...rows]), w.as.community_staff);
    assert.equal(r.status, 422);
    const res = await srv.fetch(r.body.report_url, { headers: w.as.community_staff.bearer });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-disposition') || '', /attachment/);
    const x = readXlsx(await res.arrayBuffer());
    assert.deepEqual(x[0], ['行', '列', '原因']);
    assert.deepEqual(x[1], ['4', '身份证号', '校验位错误']);
    const other = await api(srv, 'GET', r.body.report_url, undefined, w.as.community_admin.bearer);
    assert.equal(other.status, 404);
  });
});

describe('good imports', () => {
  test('CSV: every row in, one audit row, counts exact; lookups find them', async () => {
    const before = snapshot();
    const rows = goodRows(50, 400);
    const r = await postFile(srv, RES, csv([HEADER, ...rows]), w.as.community_staff);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.ok, true);
    assert.equal(r.body.created, 50);
    const after = snapshot();
    assert.equal(after.residents, before.residents + 50);
    assert.equal(after.nRes, before.nRes + 50, 'record_counts updated once, exactly');
    assert.equal(after.idKeys, before.idKeys + 50);
    assert.equal(after.phoneKeys, before.phoneKeys + 50);
    assert.equal(after.tags, before.tags + 2 * 17);
    assert.equal(after.audit, before.audit + 1);
    const [[detail]] = sql(srv, "SELECT detail FROM audit_log WHERE action = 'resident.import' ORDER BY id DESC LIMIT 1");
    assert.equal(JSON.parse(detail).created, 50);
    const [[look]] = sql(srv, "SELECT detail FROM audit_log WHERE action = 'resident.import.lookup' ORDER BY id DESC LIMIT 1");
    assert.deepEqual(JSON.parse(look), { dry_run: false, rows: 50, compared: 50, matched: 0, hidden: 0 });
    const l = await api(srv, 'GET', `/api/v1/residents?id_number=${rows[7][4]}`, undefined, w.as.grid_worker.bearer);
    assert.equal(l.body.items.length, 1);
    assert.equal(l.body.items[0].name, '居民407');
    assert.equal(l.body.items[0].gender, '男'); // sequence 407: odd -> male
    const t = await api(srv, 'GET', '/api/v1/residents?tag=低保&limit=200', undefined, w.as.grid_worker.bearer);
    assert.equal(t.body.items.filter((x) => x.name.startsWith('居民4')).length, 17);
  });

  test('re-importing the same file: every row a duplicate against the database, nothing written', async () => {
    const rows = goodRows(50, 400);
    const body = await expectRejected(RES, csv([HEADER, ...rows]), 'text/csv', { row: 2, column: '身份证号', why: '与已登记的居民身份证号重复' });
    assert.equal(body.error_count, 50);
  });

  test('one new row among known ones: the known ones are reported, the new one not written', async () => {
    const rows = [...goodRows(3, 400), ...goodRows(1, 460)];
    const body = await expectRejected(RES, csv([HEADER, ...rows]), 'text/csv', { row: 4, column: '身份证号', why: '重复' });
    assert.equal(body.error_count, 3);
  });

  test('.xlsx with a numeric phone cell and a date serial', async () => {
    const before = snapshot();
    const rows = goodRows(3, 500).map((r, i) => r.map((c, k) => {
      if (k === 3 && i === 0) return { n: c };
      if (k === 2 && i === 1) return { n: '25569' }; // 1970-01-01 as an Excel serial
      return c;
    }));
    const r = await postFile(srv, RES, makeXlsx([HEADER, ...rows]), w.as.community_staff, XLSX_TYPE);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.created, 3);
    assert.equal(r.body.format, 'xlsx');
    assert.equal(snapshot().residents, before.residents + 3);
  });

  test('a title row above the header is skipped; rows keep their sheet numbers', async () => {
    const rows = goodRows(3, 520);
    rows[2][4] = badIdNumber('19700101', 522);
    // Row 1: the title (one merged cell in Excel), row 2: the header, data from row 3.
    const x = makeXlsx([['多福巷社区居民登记表'], HEADER, ...rows]);
    let r = await postFile(srv, RES, x, w.as.community_staff, XLSX_TYPE);
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.deepEqual(r.body.errors.map((e) => [e.row, e.column]), [[5, '身份证号']]);
    rows[2][4] = idNumber('19700101', 522);
    r = await postFile(srv, RES, makeXlsx([['多福巷社区居民登记表'], HEADER, ...rows]), w.as.community_staff, XLSX_TYPE);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.created, 3);
    r = await postFile(srv, RES, csv([['居民登记表（2026年）'], HEADER, ...goodRows(2, 530)]), w.as.community_staff);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    // A row wider than the header is still a problem of that row.
    const wide = goodRows(1, 540).map((x2) => [...x2, '多余']);
    r = await postFile(srv, RES, csv([['标题'], HEADER, ...wide]), w.as.community_staff);
    assert.equal(r.status, 422);
    assert.deepEqual(r.body.errors.map((e) => [e.row, e.column]), [[3, null]]);
  });

  test('dry run: checked and counted, nothing written', async () => {
    const before = snapshot();
    const r = await postFile(srv, `${RES}?dry_run=1`, csv([HEADER, ...goodRows(10, 600)]), w.as.community_staff);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.dry_run, true);
    assert.equal(r.body.created, 10);
    assert.deepEqual(snapshot(), before);
    const [[look]] = sql(srv, "SELECT detail FROM audit_log WHERE action = 'resident.import.lookup' ORDER BY id DESC LIMIT 1");
    assert.equal(JSON.parse(look).dry_run, true, 'a dry run\'s comparison is audited too');
    assert.equal(JSON.parse(look).compared, 10);
  });

  test('units: co-owners on two rows, an unsold unit, owners linked to residents', async () => {
    const head = ['网格编码', '楼栋', '房号', '专有部分面积(㎡)', '是否已售', '业主姓名', '业主身份证号'];
    const owner = goodRows(1, 400)[0];
    const rows = [
      [G1, '1号楼', '6-101', '89.37', '是', owner[0], owner[4]],
      [G1, '1号楼', '6-101', '89.37', '是', '配偶', idNumber('19710101', 700)],
      [G1, w.building.id, '6-102', '120', '否', '某某地产', ''],
    ];
    const before = snapshot();
    const r = await postFile(srv, UNITS, csv([head, ...rows]), w.as.community_staff);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.created, 2);
    assert.equal(r.body.owners_created, 3);
    const after = snapshot();
    assert.equal(after.units, before.units + 2);
    assert.equal(after.nUnits, before.nUnits + 2);
    const list = await api(srv, 'GET', `/api/v1/units?building=${w.building.id}&limit=200`, undefined, w.as.grid_worker.bearer);
    const u = list.body.items.find((x) => x.number === '6-101');
    assert.equal(u.area_m2, '89.37');
    const d = await api(srv, 'GET', `/api/v1/units/${u.id}`, undefined, w.as.grid_worker.bearer);
    assert.equal(d.body.owners.length, 2);
    assert.ok(d.body.owners.some((o) => o.resident_id !== null), 'the registered resident is linked');
    const again = await postFile(srv, UNITS, csv([head, rows[2]]), w.as.community_staff);
    assert.equal(again.status, 422);
    assert.ok(again.body.errors[0].reason.includes('已有此房号'));
  });

  test('residents placed by 楼栋 + 房号 join the unit\'s household', async () => {
    const head = ['姓名', '身份证号', '网格编码', '楼栋', '房号', '与户主关系'];
    const rows = [
      ['甲', idNumber('19800101', 800), G1, '1号楼', '6-101', '户主'],
      ['乙', idNumber('19800101', 801), '', w.building.id, '6-101', '子'],
      ['丙', idNumber('19800101', 802), G1, '1号楼', '9-999', '户主'],
    ];
    await expectRejected(RES, csv([head, ...rows]), 'text/csv', { row: 4, column: '房号', why: '房屋不存在' });
    // A building by name needs its grid.
    await expectRejected(RES, csv([['姓名', '身份证号', '楼栋', '房号'], ['丁', idNumber('19800101', 803), '1号楼', '6-101']]),
      'text/csv', { row: 2, column: '网格编码', why: '网格编码不能为空' });
    const ok = await postFile(srv, RES, csv([head, ...rows.slice(0, 2)]), w.as.community_staff);
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal(ok.body.households_created, 1);
    const look = await api(srv, 'GET', `/api/v1/residents?id_number=${rows[0][1]}`, undefined, w.as.grid_worker.bearer);
    const hh = look.body.items[0].household_id;
    const card = await api(srv, 'GET', `/api/v1/households/${hh}`, undefined, w.as.grid_worker.bearer);
    assert.deepEqual(card.body.members.map((m) => m.relation), ['户主', '子']);
    assert.equal(card.body.unit.number, '6-101');
  });
});

describe('command line', () => {
  const env = () => (srv.db.startsWith('sqlite:') ? {} : { GONGZHI_KEY_FILE: join(srv.dir, 'gongzhi.key') });

  test('gongzhi import residents: the same checks, the same all-or-nothing', async () => {
    const bad = goodRows(8, 900);
    bad[5][4] = badIdNumber('19700101', 905);
    const file = join(srv.dir, 'bad.csv');
    writeFileSync(file, csv([HEADER, ...bad]));
    const before = snapshot();
    let r = run(['--db', srv.db, 'import', 'residents', file, '--report', join(srv.dir, 'errors.xlsx')], { env: env() });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /第 7 行 身份证号 校验位错误/);
    assert.deepEqual(snapshot(), before);
    const good = join(srv.dir, 'good.csv');
    writeFileSync(good, csv([HEADER, ...goodRows(8, 900)]));
    r = run(['--db', srv.db, 'import', 'residents', good], { env: env() });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /导入成功/);
    const after = snapshot();
    assert.equal(after.residents, before.residents + 8);
    const [[who]] = sql(srv, "SELECT username FROM audit_log WHERE action = 'resident.import' ORDER BY id DESC LIMIT 1");
    assert.equal(who, 'cli');
    // The server sees them (and decrypts them with the same key).
    const l = await api(srv, 'GET', `/api/v1/residents?id_number=${goodRows(1, 903)[0][4]}&reveal=phone`, undefined, w.as.grid_worker.bearer);
    assert.equal(l.body.items[0].phone, goodRows(1, 903)[0][3]);
  });
});
