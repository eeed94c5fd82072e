// The app on a phone (issue 9, "Phone layout"), over the demo street (`gongzhi demo`).
// At 390×844 and 360×740 a grid worker and a resident open the menu from the header's
// button (a drawer: Escape closes it and gives the focus back to the button, its links
// are reached with Tab), then open every page their menu offers. On each page the page
// itself does not scroll sideways (tables scroll inside their own box), nothing is cut
// off at the right of the content, and the page's heading is visible. The community
// secretary, who has the most pages, is checked the same way at 390×844. A screenshot
// of every page is saved under the test's directory (paths printed) for a person to read.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, freshDatabase } from '../lib/server.mjs';
import { launchBrowser } from '../lib/browser.mjs';
import { run, assertNoSanitizerReport } from '../api/util.mjs';
import { loginByApi, signOutEverywhere } from './session-util.mjs';

let dir, shots, srv, browser, demo;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gz-phone-'));
  shots = join(dir, 'shots');
  mkdirSync(shots);
  const db = freshDatabase(dir);
  const env = { GONGZHI_KEY_FILE: join(dir, 'gongzhi.key') };
  const r = run(['--db', db, 'demo', '--json'], { env, timeout: 300000 });
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
  // The screenshots are kept for reading: remove the directory only when asked.
  if (dir && process.env.GZ_PHONE_CLEAN) rmSync(dir, { recursive: true, force: true });
});

const account = (role) => {
  const a = demo.accounts.find((x) => x.role === role);
  assert.ok(a, `demo account for ${role}`);
  return a;
};

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
  await page.waitForLoadState('networkidle');
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

for (const viewport of [{ width: 390, height: 844 }, { width: 360, height: 740 }]) {
  test(`a grid worker at ${viewport.width}×${viewport.height}: menu drawer, every page fits`, async () => {
    const titles = await checkRole('grid_worker', viewport, { menuKeys: viewport.width === 390 });
    assert.ok(titles.includes('居民与房屋'), `the grid worker's menu: ${titles}`);
  });

  test(`a resident at ${viewport.width}×${viewport.height}: menu drawer, every page fits`, async () => {
    const titles = await checkRole('resident', viewport, { menuKeys: viewport.width === 360 });
    assert.ok(!titles.includes('居民与房屋'), `the resident's menu: ${titles}`);
  });
}

test('a community secretary at 390×844: every page fits', async () => {
  const titles = await checkRole('community_admin', { width: 390, height: 844 });
  for (const t of ['账号管理', '审计日志', '党员名册']) assert.ok(titles.includes(t), `the secretary's menu: ${titles}`);
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
    await page.waitForLoadState('networkidle');
    const file = join(shots, 'grid_worker-1440x900-dashboard.png');
    await page.screenshot({ path: file });
    console.log(`screenshot: ${file}`);
  } finally {
    await page.close();
  }
  await signOutEverywhere(browser);
});
