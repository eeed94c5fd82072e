// The app on a phone (issue 9, "Phone layout"), over the demo street (`gongzhi demo`).
// Every role, at 360×740, opens the menu from the header's button (a drawer: Escape
// closes it and gives the focus back to the button, its links are reached with Tab),
// then opens every page its menu offers. On each page the page itself does not scroll
// sideways (`document.documentElement.scrollWidth <= clientWidth`; lists are cards,
// tables scroll inside their own box), nothing is cut off at the right of the content,
// and the page's heading is visible. The grid worker, the resident and the community
// secretary are checked again at 390×844, and the secretary's dialogs (新建账号, the
// place picker, a date range) fit at 360. A screenshot of every page is saved under the
// test's directory (paths printed) for a person to read.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startDemo } from '../lib/demo.mjs';
import { launchBrowser, settle as settleNetwork } from '../lib/browser.mjs';
import { loginByApi, signOutEverywhere } from './session-util.mjs';

let d, shots, srv, browser;

before(async () => {
  // The screenshots are kept for reading: the directory is removed only when asked.
  d = await startDemo('gz-phone-', { keep: !process.env.GZ_PHONE_CLEAN });
  srv = d.srv;
  shots = join(d.dir, 'shots');
  mkdirSync(shots);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await d?.stop();
});

const account = (role) => d.account(role);

// Horizontal overflow of the page, and of the content area (what would be cut off or
// scroll inside it): widths in CSS px.
const overflow = (page) =>
  page.evaluate(() => {
    const d = document.documentElement;
    const main = document.querySelector('.app-main');
    return {
      page: { scroll: d.scrollWidth, client: d.clientWidth },
      main: main ? { scroll: main.scrollWidth, client: main.clientWidth } : null,
    };
  });

async function assertNoOverflow(page, what) {
  const o = await overflow(page);
  assert.ok(o.page.scroll <= o.page.client, `${what}: the page scrolls sideways (${o.page.scroll} > ${o.page.client})`);
  assert.ok(o.main, `${what}: the content area is there`);
  assert.ok(o.main.scroll <= o.main.client, `${what}: content wider than the screen (${o.main.scroll} > ${o.main.client})`);
}

const drawer = (page) => page.locator('#app-aside');

async function openMenu(page) {
  await page.getByRole('button', { name: '打开菜单' }).click();
  await drawer(page).getByRole('link').first().waitFor({ state: 'visible' });
}

// Waits for the page to settle (data loaded, charts drawn) before measuring.
async function settle(page) {
  await settleNetwork(page);
  await page.waitForTimeout(300);
}

async function checkRole(role, viewport, { menuKeys = false } = {}) {
  const a = account(role);
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, a.username, a.password);
  const page = await browser.newPage();
  await page.setViewportSize(viewport);
  const tag = `${role}-${viewport.width}x${viewport.height}`;
  try {
    await page.goto(srv.url + '/dashboard');
    await page.getByRole('heading', { level: 1, name: '工作台' }).waitFor();
    // The side menu is hidden: the content has the whole width.
    assert.equal(await drawer(page).isVisible(), false, 'the menu is closed on a phone');
    await settle(page);
    await assertNoOverflow(page, `${tag} 工作台`);

    const toggle = page.getByRole('button', { name: '打开菜单' });
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    await openMenu(page);
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    const links = drawer(page).locator('[data-testid="nav"] a');
    const items = [];
    for (const l of await links.all()) items.push({ title: (await l.innerText()).trim(), href: await l.getAttribute('href') });
    assert.ok(items.length >= 2, `${tag}: the menu offers pages (${JSON.stringify(items)})`);

    if (menuKeys) {
      // The opened menu has the focus on its first link; Tab goes to the next one.
      assert.equal(await page.evaluate(() => document.activeElement?.textContent.trim()), items[0].title);
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.textContent.trim()), items[1].title);
      await page.screenshot({ path: join(shots, `${tag}-menu.png`) });
      console.log(`screenshot: ${join(shots, `${tag}-menu.png`)}`);
      // Escape closes the menu and gives the focus back to the button.
      await page.keyboard.press('Escape');
      await drawer(page).waitFor({ state: 'hidden' });
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), '打开菜单');
      assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
      await openMenu(page);
    }

    for (const [i, item] of items.entries()) {
      if (i > 0) await openMenu(page);
      await drawer(page).getByRole('link', { name: item.title, exact: true }).click();
      await page.waitForURL((u) => u.pathname === item.href);
      await drawer(page).waitFor({ state: 'hidden' });
      const heading = page.locator('.app-main h1').first();
      await heading.waitFor({ state: 'visible' });
      assert.equal((await heading.innerText()).trim(), item.title, `${tag}: heading of ${item.href}`);
      await settle(page);
      const box = await heading.boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= viewport.width, `${tag} ${item.title}: heading on screen`);
      // A heading wrapping one character per line (the issue's symptom) is taller than two lines.
      assert.ok(box.height < 60, `${tag} ${item.title}: heading on one or two lines (${box.height} px)`);
      const file = join(shots, `${tag}-${item.href.replace(/\W+/g, '') || 'root'}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.log(`screenshot: ${file}`);
      await assertNoOverflow(page, `${tag} ${item.title}`);
    }
    return items.map((x) => x.title);
  } finally {
    await page.close();
  }
}

const ROLES = ['resident', 'grid_worker', 'party_member', 'volunteer', 'community_staff', 'community_admin',
  'unit_contact', 'property', 'department', 'street_supervisor', 'system_admin'];

// Every role at 360×740 (the resident also walks the menu with the keyboard).
for (const role of ROLES) {
  test(`${role} at 360×740: menu drawer, every page fits`, async () => {
    const titles = await checkRole(role, { width: 360, height: 740 }, { menuKeys: role === 'resident' });
    if (role === 'resident') assert.ok(!titles.includes('居民与房屋'), `the resident's menu: ${titles}`);
    if (role === 'grid_worker') assert.ok(titles.includes('居民与房屋'), `the grid worker's menu: ${titles}`);
    if (role === 'community_admin') for (const t of ['账号管理', '审计日志', '党员名册']) assert.ok(titles.includes(t), `the secretary's menu: ${titles}`);
  });
}

test('a grid worker at 390×844: menu drawer with the keyboard, every page fits', async () => {
  const titles = await checkRole('grid_worker', { width: 390, height: 844 }, { menuKeys: true });
  assert.ok(titles.includes('居民与房屋'), `the grid worker's menu: ${titles}`);
});

test('a resident and a community secretary at 390×844: every page fits', async () => {
  await checkRole('resident', { width: 390, height: 844 });
  await checkRole('community_admin', { width: 390, height: 844 });
});

// The dialog, and what it opened, within the screen; the page does not scroll sideways.
async function assertFits(page, locator, what) {
  const box = await locator.boundingBox();
  assert.ok(box, `${what}: shown`);
  assert.ok(box.x >= 0 && box.x + box.width <= 360 + 0.5, `${what}: within 360 px (${box.x}+${box.width})`);
  const o = await overflow(page);
  assert.ok(o.page.scroll <= o.page.client, `${what}: the page scrolls sideways (${o.page.scroll} > ${o.page.client})`);
}

test('at 360 px dialogs, the place picker and a date range fit the screen', async () => {
  const a = account('community_admin');
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, a.username, a.password);
  const page = await browser.newPage();
  await page.setViewportSize({ width: 360, height: 740 });
  try {
    await page.goto(srv.url + '/users');
    await page.getByTestId('user-create').click();
    const dialog = page.getByTestId('user-create-dialog');
    await dialog.getByLabel('账号').waitFor();
    await page.waitForTimeout(400); // the opening animation
    await assertFits(page, dialog, '新建账号');
    // Labelled forms are one column: the label above its field.
    const label = await dialog.locator('.el-form-item__label').first().boundingBox();
    const field = await dialog.getByLabel('账号').boundingBox();
    assert.ok(field.y > label.y + label.height - 2, 'the field under its label');
    // The place picker: a search by name finds a grid, a tap chooses it.
    await dialog.getByTestId('place-picker').first().click();
    const picker = page.getByTestId('place-dialog').last();
    await picker.getByTestId('place-search').waitFor();
    await page.waitForTimeout(400);
    await assertFits(page, picker, 'the place picker');
    await picker.getByTestId('place-search').fill('第二网格');
    await picker.getByTestId('place-result-110105001001002').click();
    await page.screenshot({ path: join(shots, 'secretary-360-create-account.png') });
    assert.match(await dialog.getByTestId('place-picker').first().innerText(), /团结南社区第二网格/);
    await page.keyboard.press('Escape');

    // The audit log's date range: the two months one above the other, on the screen.
    await page.goto(srv.url + '/audit');
    await page.locator('[data-testid^="audit-sentence-"]').first().waitFor();
    await page.locator('.el-range-editor').click();
    const panel = page.locator('.el-date-range-picker').last();
    await panel.waitFor();
    await page.waitForTimeout(400);
    await assertFits(page, panel, 'the date range picker');
    await page.screenshot({ path: join(shots, 'secretary-360-date-range.png') });
  } finally {
    await page.close();
  }
});

test('on a desktop the menu is the side bar, without the menu button', async () => {
  const a = account('grid_worker');
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, a.username, a.password);
  const page = await browser.newPage();
  await page.setViewportSize({ width: 1440, height: 900 });
  try {
    await page.goto(srv.url + '/dashboard');
    await page.getByRole('heading', { level: 1, name: '工作台' }).waitFor();
    assert.equal(await page.getByRole('button', { name: '打开菜单' }).isVisible(), false);
    assert.equal(await drawer(page).isVisible(), true);
    // Every menu item is a link reached with Tab (no tabindex=-1).
    const first = page.getByTestId('nav').getByRole('link').first();
    await first.focus();
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('nav-link')), true);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('nav-link')), true);
    assert.equal(await page.getByTestId('nav').locator('[tabindex="-1"]').count(), 0);
    await settleNetwork(page);
    const file = join(shots, 'grid_worker-1440x900-dashboard.png');
    await page.screenshot({ path: file });
    console.log(`screenshot: ${file}`);
  } finally {
    await page.close();
  }
  await signOutEverywhere(browser);
});
