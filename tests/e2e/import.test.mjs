// Importing residents in the browser, as the "done when" says: a community
// secretary (resident write and reveal in the community, docs/SECURITY.md) opens 数据导入,
// uploads a CSV whose row 3 has a wrong ID-number check digit, sees the report (row 3,
// 身份证号, 校验位错误) and that nothing was imported, fixes the row, imports, and finds
// the residents in 居民与房屋 with masked phone and ID numbers; 「查看完整信息」 asks for
// confirmation, then shows the full values and leaves a resident.reveal audit row.
// Also: the report downloaded as .xlsx, filters by grid and tag, the 户卡, the Excel
// export (masked), and a units import from an .xlsx file with the building → unit view
// (面积, 已售 / 开发商持有, 业主) and a household living in a unit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, api } from '../lib/server.mjs';
import { launchBrowser } from '../lib/browser.mjs';
import { adminSession, makeUser, sql } from '../api/auth-util.mjs';
import { makeXlsx, readXlsx } from '../api/xlsx-util.mjs';
import { loginByApi, navTitles, signOutEverywhere } from './session-util.mjs';

const STREET = '110101001';
const C1 = '110101001001';
const G1 = C1 + '001';
const G2 = C1 + '002';
const sq = (x0, y0, x1, y1) => [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]];
const shot = (page, name) => process.env.GZ_SHOT_DIR && page.screenshot({ path: `${process.env.GZ_SHOT_DIR}/${name}.png` });

// GB 11643 check character of the first 17 digits.
function idNumber(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(first17[i]) * w[i];
  return first17 + '10X98765432'[s % 11];
}
const ID_ZHANG = idNumber('11010519800101001'); // 男 (17th digit odd)
const ID_LI = idNumber('11010519900215002'); // 女
const ID_WANG = idNumber('11010520000315004'); // 女
// Row 3's ID number with a wrong check character.
const ID_LI_BAD = ID_LI.slice(0, 17) + (ID_LI[17] === '9' ? '8' : '9');

const HEADER = '姓名,性别,出生日期,手机号,身份证号,网格编码,住址,与户主关系,标签';
const csv = (liId) => [
  HEADER,
  `张伟,男,1980-01-01,13812345678,${ID_ZHANG},${G1},多福巷1号,户主,独居老人`,
  `李娜,女,1990-02-15,13987654321,${liId},${G1},多福巷1号,配偶,`,
  `王芳,女,,13600001111,${ID_WANG},${G2},多福巷2号,户主,`,
].join('\r\n') + '\r\n';

let srv, browser, admin, secretary, dir;

before(async () => {
  srv = await startServer();
  admin = await adminSession(srv);
  const post = async (path, body) => {
    const r = await api(srv, 'POST', path, body, admin.bearer);
    assert.ok(r.status === 201 || r.status === 200, `${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  await post('/api/v1/streets', { code: STREET, name: '东华门街道' });
  await post('/api/v1/communities', { code: C1, name: '多福巷社区' });
  await post('/api/v1/grids/import', {
    type: 'FeatureCollection',
    features: [[G1, '多福巷第一网格', 116.400], [G2, '多福巷第二网格', 116.402]].map(([code, name, x]) => ({
      type: 'Feature', properties: { code, name }, geometry: { type: 'Polygon', coordinates: sq(x, 39.9, x + 0.002, 39.902) },
    })),
  });
  await post('/api/v1/buildings', { name: '1号楼', address: '多福巷1号', lat: 39.9005, lng: 116.4005 });
  secretary = await makeUser(srv, admin, 'dfx.secretary', [['community_admin', C1]]);
  dir = mkdtempSync(join(tmpdir(), 'gz-import-'));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function residentCount() {
  const r = await api(srv, 'GET', '/api/v1/residents?limit=200', undefined, admin.bearer);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items.length;
}

test('import a file with one bad row, see the report, fix it, import, find the residents masked', async () => {
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, secretary.username, secretary.password);
  const page = await browser.newPage();
  await page.setViewportSize({ width: 1280, height: 1100 });
  await page.goto(srv.url + '/dashboard');
  const titles = await navTitles(page);
  assert.ok(titles.includes('数据导入') && titles.includes('居民与房屋'), titles.join(','));
  await page.getByTestId('nav-import').click();
  await page.waitForURL(/\/import$/);
  await page.getByTestId('import-kind').getByText('居民').waitFor();

  // The file with the bad row 3 (the second data row: row 1 is the header).
  const bad = join(dir, '居民-有错.csv');
  writeFileSync(bad, csv(ID_LI_BAD));
  const input = page.locator('.import-page input[type=file]');
  await input.setInputFiles(bad);
  await page.getByText('居民-有错.csv').waitFor();
  await page.getByTestId('import-submit').click();

  const report = page.getByTestId('import-report');
  await report.waitFor();
  assert.match(await report.innerText(), /导入未执行：发现 1 个问题，没有导入任何居民/);
  const rows = await page.getByTestId('import-errors').locator('tbody tr').allInnerTexts();
  assert.equal(rows.length, 1, rows.join('\n'));
  assert.match(rows[0], /^\s*3\s+身份证号\s+校验位错误\s*$/);
  assert.equal(await residentCount(), 0, 'nothing imported');
  // The report can be downloaded as .xlsx.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('import-report-download').click(),
  ]);
  const reportPath = join(dir, 'report.xlsx');
  await download.saveAs(reportPath);
  assert.deepEqual(readXlsx(readFileSync(reportPath)), [['行', '列', '原因'], ['3', '身份证号', '校验位错误']]);
  await shot(page, 'import-report');

  // Fixed: row 3 gets the right check character. A dry run first, then the import.
  const good = join(dir, '居民-已改正.csv');
  writeFileSync(good, csv(ID_LI));
  await input.setInputFiles(good);
  await page.getByText('居民-已改正.csv').waitFor();
  assert.equal(await report.count(), 0, 'the old report is gone with the new file');
  await page.getByTestId('import-dry-run').click();
  await page.getByTestId('import-success').getByText('预检通过：共 3 行').waitFor();
  assert.equal(await residentCount(), 0, 'a dry run writes nothing');
  await page.getByTestId('import-submit').click();
  const ok = page.getByTestId('import-success');
  await ok.getByText('导入成功').waitFor();
  assert.match(await ok.innerText(), /共 3 行，新建居民 3 人，新建户 2 户/);
  assert.equal(await residentCount(), 3);
  await shot(page, 'import-success');

  // 居民与房屋: listed, masked.
  await page.getByTestId('nav-residents').click();
  await page.waitForURL(/\/residents$/);
  const table = page.getByTestId('resident-table');
  await table.getByText('张伟').waitFor();
  const zhang = table.locator('tr', { hasText: '张伟' }).first();
  let text = await zhang.innerText();
  assert.match(text, /张伟\s+男\s+40-49\s+138\*\*\*\*5678\s+110105\*{8}0016\s+独居老人\s+多福巷第一网格/);
  const body = await page.locator('body').innerText();
  assert.doesNotMatch(body, /13812345678/, 'no full phone on the page');
  assert.ok(!body.includes(ID_ZHANG), 'no full ID number on the page');
  assert.match(await table.innerText(), /李娜[\s\S]*139\*\*\*\*4321/);
  assert.match(await table.innerText(), /王芳[\s\S]*136\*\*\*\*1111/);
  await shot(page, 'residents-masked');

  // Reveal, with confirmation: cancel first (nothing shown, nothing audited) …
  const zhangId = (await api(srv, 'GET', '/api/v1/residents?q=' + encodeURIComponent('张伟'), undefined, admin.bearer)).body.items[0].id;
  const reveals = () => Number(sql(srv, "SELECT COUNT(*) FROM audit_log WHERE action = 'resident.reveal'")[0][0]);
  await page.getByTestId('resident-reveal-' + zhangId).click();
  let box = page.locator('.el-message-box');
  await box.getByText('查看将被记入审计日志，确定？').waitFor();
  await box.getByRole('button', { name: '取消' }).click();
  await box.waitFor({ state: 'hidden' });
  assert.equal(reveals(), 0);
  assert.match(await zhang.innerText(), /138\*\*\*\*5678/);
  // … then confirm.
  await page.getByTestId('resident-reveal-' + zhangId).click();
  box = page.locator('.el-message-box');
  await box.getByText('查看将被记入审计日志，确定？').waitFor();
  await shot(page, 'residents-reveal-confirm');
  await box.getByRole('button', { name: '确定查看' }).click();
  await zhang.getByText('13812345678').waitFor();
  text = await zhang.innerText();
  assert.match(text, new RegExp(`13812345678\\s+${ID_ZHANG}`));
  assert.match(await table.innerText(), /139\*\*\*\*4321/, 'other rows stay masked');
  assert.equal(reveals(), 1, 'the reveal is in the audit log');
  const [row] = sql(srv, "SELECT username, record_id, detail FROM audit_log WHERE action = 'resident.reveal'");
  assert.equal(row[0], 'dfx.secretary');
  assert.equal(row[1], zhangId);
  assert.match(row[2], /phone/);
  assert.match(row[2], /id_number/);
  await shot(page, 'residents-revealed');
  // 重新脱敏 puts the masks back without asking the server.
  await page.getByTestId('resident-hide-' + zhangId).click();
  await zhang.getByText('138****5678').waitFor();

  // Filters: by grid, by tag.
  await page.getByTestId('resident-grid').click();
  await page.getByRole('option', { name: '多福巷第二网格' }).click();
  await page.waitForFunction(() => {
    const t = document.querySelector('[data-testid="resident-table"]').innerText;
    return t.includes('王芳') && !t.includes('张伟');
  });
  await page.getByTestId('resident-grid').locator('.el-select__wrapper').hover();
  await page.getByTestId('resident-grid').locator('.el-select__clear').click();
  await page.getByTestId('resident-tag').click();
  await page.getByRole('option', { name: '独居老人' }).click();
  await page.waitForFunction(() => {
    const t = document.querySelector('[data-testid="resident-table"]').innerText;
    return t.includes('张伟') && !t.includes('李娜') && !t.includes('王芳');
  });

  // The Excel export, with the same filter, masked.
  const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByTestId('resident-export').click()]);
  assert.equal(xlsx.suggestedFilename(), 'residents.xlsx');
  const xp = join(dir, 'residents.xlsx');
  await xlsx.saveAs(xp);
  const sheet = readXlsx(readFileSync(xp));
  assert.equal(sheet.length, 2, 'the header and 张伟 (the tag filter applies)');
  assert.deepEqual(sheet[0].slice(0, 5), ['姓名', '性别', '年龄段', '手机号', '身份证号']);
  assert.deepEqual(sheet[1].slice(0, 5), ['张伟', '男', '40-49', '138****5678', '110105********0016'], 'masked as on screen');
  const exp = sql(srv, "SELECT detail FROM audit_log WHERE action = 'resident.export'");
  assert.equal(exp.length, 1);
  assert.match(exp[0].join('|'), /living_alone|独居老人/);

  // The 户卡 of 张伟's household: both members, the head first, with relations.
  await page.getByTestId('household-open-' + zhangId).click();
  const card = page.getByTestId('household-members');
  await card.getByText('李娜').waitFor();
  const members = await card.locator('tbody tr').allInnerTexts();
  assert.equal(members.length, 2);
  assert.match(members[0], /张伟\s+户主\s+男/);
  assert.match(members[1], /李娜\s+配偶\s+女\s+30-39\s+139\*\*\*\*4321/);
  assert.match(await page.locator('.el-dialog').filter({ hasText: '户卡' }).innerText(), /多福巷1号[\s\S]*多福巷第一网格[\s\S]*2 人/);
  await shot(page, 'household-card');
  await page.locator('.el-dialog').filter({ hasText: '户卡' }).getByRole('button', { name: '关闭', exact: true }).click();
  await page.close();
});

test('units import and the building → unit view with area, sold state and owners', async () => {
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, secretary.username, secretary.password);
  const page = await browser.newPage();
  await page.setViewportSize({ width: 1280, height: 1000 });
  await page.goto(srv.url + '/import');
  await page.getByTestId('import-kind').getByText('房屋').click();
  await page.getByTestId('import-columns').getByText('专有部分面积').waitFor();
  // This one as Excel (.xlsx).
  const f = join(dir, '房屋.xlsx');
  writeFileSync(f, makeXlsx([
    ['网格编码', '楼栋', '房号', '专有部分面积', '是否已售', '业主姓名', '业主身份证号'],
    [G1, '1号楼', '101', { n: '89.37' }, '是', '张伟', ID_ZHANG],
    [G1, '1号楼', '101', { n: '89.37' }, '是', '李娜', ID_LI],
    [G1, '1号楼', '102', { n: '120.5' }, '否', '', ''],
    [G1, '1号楼', '201', { n: '75' }, '是', '赵六', ''],
  ]));
  await page.locator('.import-page input[type=file]').setInputFiles(f);
  await page.getByText('房屋.xlsx').waitFor();
  await page.getByTestId('import-submit').click();
  await page.getByTestId('import-success').getByText('导入成功').waitFor();
  assert.match(await page.getByTestId('import-success').innerText(), /新建房屋 3 套，业主 4 人/);

  await page.goto(srv.url + '/residents');
  await page.getByRole('tab', { name: '楼栋与房屋' }).click();
  const bRow = page.getByTestId('building-table').getByText('1号楼');
  await bRow.waitFor();
  await bRow.click();
  const units = page.getByTestId('unit-table');
  await units.getByText('201').waitFor();
  await page.waitForFunction(() => !document.querySelector('[data-testid="unit-table"]').innerText.includes('…'));
  const rows = await units.locator('tbody tr').allInnerTexts();
  assert.equal(rows.length, 3);
  assert.match(rows[0], /^\s*101\s+89\.37 m²\s+已售\s+(李娜、张伟|张伟、李娜)/);
  assert.match(rows[1], /^\s*102\s+120\.50 m²\s+开发商持有\s+开发商/);
  assert.match(rows[2], /^\s*201\s+75\.00 m²\s+已售\s+赵六/);

  // A resident imported with 楼栋 and 房号 lives in that unit: its 户卡 names the unit.
  await page.goto(srv.url + '/import');
  const r = join(dir, '住户.csv');
  writeFileSync(r, ['姓名,身份证号,网格编码,楼栋,房号,与户主关系,手机号', `赵六,${idNumber('11010519700505003')},${G1},1号楼,201,户主,13700002222`].join('\n') + '\n');
  await page.locator('.import-page input[type=file]').setInputFiles(r);
  await page.getByText('住户.csv').waitFor();
  await page.getByTestId('import-submit').click();
  await page.getByTestId('import-success').getByText('新建居民 1 人，新建户 1 户').waitFor();
  await page.goto(srv.url + '/residents');
  await page.getByRole('tab', { name: '楼栋与房屋' }).click();
  await page.getByTestId('building-table').getByText('1号楼').click();
  const open = units.locator('tr', { hasText: '赵六' }).getByRole('button', { name: '户卡' });
  await open.waitFor();
  await open.click();
  const card = page.locator('.el-dialog').filter({ hasText: '户卡' });
  await card.getByTestId('household-members').getByText('赵六').waitFor();
  assert.match(await card.innerText(), /房屋\s+1号楼 201/);
  assert.match(await card.getByTestId('household-members').innerText(), /赵六\s+户主[\s\S]*137\*\*\*\*2222/);
  await shot(page, 'building-units');
  await page.close();
});
