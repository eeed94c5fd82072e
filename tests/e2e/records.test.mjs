// Residents' records kept by hand, on a phone (issue 9, "Done when"): at 390×844 the
// demo street's grid worker finds the residents of "3-2-102" with the one search box
// (cards with name, address and tags, the total), opens one (its history), records a
// move-out in the dialog with the date picker, then adds a household with two residents
// in one column and lands on its printable 户卡 with the full address. Every page it
// visits — and the dialog and the date picker while open — fits the screen:
// document.documentElement.scrollWidth <= clientWidth. Screenshots are kept under the
// test's directory (paths printed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, freshDatabase, api } from '../lib/server.mjs';
import { launchBrowser, settle as settleNetwork } from '../lib/browser.mjs';
import { run, assertNoSanitizerReport } from '../api/util.mjs';
import { sql } from '../api/auth-util.mjs';
import { loginByApi, signOutEverywhere } from './session-util.mjs';
import { idNumber } from '../api/people-util.mjs';

let dir, shots, srv, browser, demo;
const VIEWPORT = { width: 390, height: 844 };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gz-records-'));
  shots = join(dir, 'shots');
  mkdirSync(shots);
  const db = freshDatabase(dir);
  const env = { GONGZHI_KEY_FILE: join(dir, 'gongzhi.key') };
  const r = run(['--db', db, 'demo', '--json'], { env });
  assert.equal(r.code, 0, `gongzhi demo: ${r.stderr}`);
  assertNoSanitizerReport(r.stderr, 'gongzhi demo');
  demo = JSON.parse(r.stdout);
  srv = await startServer({ db, env });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  if (srv) {
    const log = srv.log();
    await srv.stop();
    assertNoSanitizerReport(log);
  }
  if (dir && process.env.GZ_PHONE_CLEAN) rmSync(dir, { recursive: true, force: true });
});

const account = (role) => {
  const a = demo.accounts.find((x) => x.role === role);
  assert.ok(a, `demo account for ${role}`);
  return a;
};

async function settle(page) {
  await settleNetwork(page);
  await page.waitForTimeout(250);
}

async function assertFits(page, what) {
  const o = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  assert.ok(o.scroll <= o.client, `${what}: the page scrolls sideways (${o.scroll} > ${o.client})`);
}

async function shot(page, name) {
  const file = join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot: ${file}`);
}

// An option of an open Element Plus select (teleported to the body).
async function choose(page, testid, option) {
  await page.getByTestId(testid).click();
  const o = page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: option }).first();
  await o.waitFor();
  await o.click();
}

test('a grid worker at 390×844 finds "3-2-102", records a move-out and adds a household of two', async () => {
  const gw = account('grid_worker');
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, gw.username, gw.password);
  const page = await browser.newPage();
  await page.setViewportSize(VIEWPORT);
  try {
    // ---------------------------------------------------------------- find
    await page.goto(srv.url + '/residents');
    await page.getByRole('heading', { level: 1, name: '居民与房屋' }).waitFor();
    await settle(page);
    await assertFits(page, 'residents');
    await page.getByTestId('resident-q').fill('3-2-102');
    await page.getByTestId('resident-search').click();
    const cards = page.getByTestId('resident-cards');
    await page.waitForFunction(() => {
      const c = document.querySelector('[data-testid="resident-count"]');
      return c && /共 \d+ 名/.test(c.textContent) && document.querySelectorAll('[data-testid^="resident-card-"]').length > 0 &&
        [...document.querySelectorAll('[data-testid="resident-card-address"]')].every((a) => a.textContent.includes('3号楼 2单元102室'));
    });
    const count = await page.getByTestId('resident-count').innerText();
    const n = await cards.locator('article').count();
    assert.equal(count.trim(), `共 ${n} 名`);
    const expected = Number(sql(srv, `SELECT COUNT(*) FROM residents r JOIN households h ON h.id = r.household_id JOIN units u ON u.id = h.unit_id
      WHERE u.number = '3-2-102' AND r.grid_code = '${gw.scope}' AND r.status = 'active'`)[0][0]);
    assert.equal(n, expected, 'every resident of 3-2-102 in the grid, nobody else');
    assert.ok(n >= 1);
    const text = await cards.innerText();
    assert.doesNotMatch(text, /(?<!\d)1[3-9]\d{9}(?!\d)/, 'phones masked');
    await settle(page);
    await assertFits(page, 'residents: 3-2-102');
    await shot(page, 'search-3-2-102');

    // ---------------------------------------------------------------- one resident
    const first = cards.locator('article').first();
    const name = (await first.locator('.card-name').innerText()).trim();
    await first.locator('.card-name').click();
    await page.getByRole('heading', { level: 1, name: '居民详情' }).waitFor();
    await page.getByTestId('resident-history').waitFor();
    assert.equal((await page.getByTestId('resident-detail-name').innerText()).replace(/\s+在册$/, '').trim(), name);
    assert.match(await page.getByTestId('resident-address').innerText(), /3号楼 2单元102室/);
    await settle(page);
    await assertFits(page, 'resident detail');
    await shot(page, 'resident-detail');

    // 迁出: the dialog and its date picker fit the phone; the resident leaves the register.
    await page.getByTestId('resident-move-out').click();
    const dialog = page.getByTestId('status-dialog');
    await dialog.waitFor();
    await dialog.locator('.el-date-editor input').click();
    const panel = page.locator('.el-picker-panel:visible').first();
    await panel.waitFor();
    const box = await panel.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= VIEWPORT.width, `the date picker fits (${box.x}+${box.width})`);
    await assertFits(page, 'move-out dialog with its date picker');
    await shot(page, 'move-out-date-picker');
    await panel.locator('td.today, td.available').first().click();
    await dialog.getByTestId('status-reason').fill('购房迁往海淀区');
    const dbox = await dialog.locator('.el-dialog').boundingBox().catch(() => null) || await page.locator('.el-dialog:visible').boundingBox();
    assert.ok(dbox.x >= 0 && dbox.x + dbox.width <= VIEWPORT.width, 'the dialog fits');
    await dialog.getByTestId('status-submit').click();
    await page.getByTestId('resident-status').getByText('已迁出').waitFor();
    await page.getByTestId('history-move_out').waitFor();
    await assertFits(page, 'resident detail after the move-out');
    await shot(page, 'resident-moved-out');

    // 迁入 back to where they lived, then 辖区内迁移 to an address line of the grid.
    await page.getByTestId('resident-move-in').click();
    await dialog.waitFor();
    await dialog.getByTestId('status-reason').fill('购房未成，迁回原址');
    await dialog.getByTestId('status-submit').click();
    await page.getByTestId('resident-status').getByText('在册').waitFor();
    await page.getByTestId('history-move_in').waitFor();
    await page.getByTestId('resident-move').click();
    await dialog.waitFor();
    await dialog.getByTestId('status-how').getByText('按地址').click();
    await choose(page, 'status-grid', '第一网格');
    await dialog.getByTestId('status-address').fill('文明北里8号院2-301');
    await assertFits(page, 'move dialog');
    await shot(page, 'move-dialog');
    await dialog.getByTestId('status-submit').click();
    await page.getByTestId('history-move').waitFor();
    assert.match(await page.getByTestId('resident-address').innerText(), /文明北里8号院2-301$/);
    await assertFits(page, 'resident detail after the move');

    // ---------------------------------------------------------------- a household of two
    await page.goto(srv.url + '/residents');
    await page.getByTestId('household-add').click();
    await page.getByRole('heading', { level: 1, name: '新增户' }).waitFor();
    await settle(page);
    await assertFits(page, 'new household');
    await choose(page, 'household-building', '1号楼');
    await choose(page, 'household-unit', '1-1-101');
    const head = { name: '测试户主', id: idNumber('19750312', 451, '110105'), phone: '13900001111' };
    const spouse = { name: '测试配偶', id: idNumber('19770618', 462, '110105'), phone: '13900002222' };
    await page.getByTestId('member-0-name').fill(head.name);
    await page.getByTestId('member-0-id-number').fill(head.id);
    await page.getByTestId('member-0-phone').fill(head.phone);
    await page.getByTestId('household-member-add').click();
    await page.getByTestId('member-1-name').fill(spouse.name);
    await page.getByTestId('member-1-id-number').fill(spouse.id);
    await page.getByTestId('member-1-phone').fill(spouse.phone);
    await choose(page, 'member-1-relation', '配偶');
    await assertFits(page, 'new household, two members filled in');
    await shot(page, 'household-form');
    await page.getByTestId('household-save').click();
    await page.getByRole('heading', { level: 1, name: '户卡' }).waitFor();
    const card = page.getByTestId('household-card-print');
    await card.waitFor();
    const members = await page.getByTestId('household-card-members').locator('tbody tr').allInnerTexts();
    assert.equal(members.length, 2);
    assert.match(members[0], new RegExp(`${head.name}\\s+户主`));
    assert.match(members[1], new RegExp(`${spouse.name}\\s+配偶`));
    const full = await page.getByTestId('household-full-address').innerText();
    assert.match(full, /街道 .+社区 .+网格 1号楼 1单元101室$/);
    assert.doesNotMatch(await card.innerText(), /13900001111|13900002222/, 'masked on the card');
    await settle(page);
    await assertFits(page, 'the household card');
    await shot(page, 'household-card');

    // The head's phone corrected in the edit form (one column); the change is history.
    await page.goto(srv.url + '/residents');
    await page.getByTestId('resident-q').fill(head.name);
    await page.getByTestId('resident-search').click();
    await page.locator('.card-name', { hasText: head.name }).click();
    await page.getByRole('heading', { level: 1, name: '居民详情' }).waitFor();
    await page.getByTestId('resident-edit').click();
    await page.getByRole('heading', { level: 1, name: '修改居民信息' }).waitFor();
    await settle(page);
    await assertFits(page, 'edit form');
    await page.getByTestId('resident-phone').fill('13900003333');
    await page.getByTestId('resident-save').click();
    await page.getByRole('heading', { level: 1, name: '居民详情' }).waitFor();
    const upd = page.getByTestId('history-update');
    await upd.waitFor();
    assert.match(await upd.innerText(), /手机号：139\*{4}1111 → 139\*{4}3333/);
    await settle(page);
    await assertFits(page, 'resident detail after the edit');
    await shot(page, 'resident-edited');

    // Both are in the register, each with a history that starts with its creation.
    const admin = account('system_admin');
    const s = await api(srv, 'POST', '/api/v1/session', { username: admin.username, password: admin.password });
    const bearer = { Authorization: `Bearer ${s.body.token}` };
    const found = await api(srv, 'GET', `/api/v1/residents?q=${encodeURIComponent(head.name)}`, undefined, bearer);
    assert.equal(found.body.items.length, 1);
    const h = await api(srv, 'GET', `/api/v1/residents/${found.body.items[0].id}/history`, undefined, bearer);
    assert.deepEqual(h.body.items.map((e) => e.action), ['update', 'create']);
    assert.equal(h.body.items[0].actor.username, gw.username);
  } finally {
    await page.close();
  }
});
