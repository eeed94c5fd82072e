// Accessibility (issue 9, item 7), over the demo street in headless Chromium: axe-core
// (npm axe-core, its script injected into the page) finds no critical or serious
// violation on the login page, the workbench, the residents list, a resident's detail
// and the audit log; every page has its own <title> ("居民与房屋 · 共治"); a chart has a
// text alternative — its 「数据表」 button shows the chart's data as a table — and the
// menu is reached with Tab.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo } from '../lib/demo.mjs';
import { launchBrowser, axeCheck as axe, settle as settleNetwork } from '../lib/browser.mjs';
import { loginByApi, signOutEverywhere } from './session-util.mjs';


let d, browser;

before(async () => {
  d = await startDemo('gz-a11y-');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await d?.stop();
});

async function as(role) {
  const a = d.account(role);
  await signOutEverywhere(browser);
  await loginByApi(browser, d.srv, a.username, a.password);
  const page = await browser.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  return page;
}

async function settle(page) {
  await settleNetwork(page);
  await page.waitForTimeout(300);
}


test('the login page: no critical or serious violation, its own title', async () => {
  await signOutEverywhere(browser);
  const page = await browser.newPage();
  try {
    await page.goto(d.srv.url + '/login');
    await page.getByTestId('login-form').waitFor();
    assert.equal(await page.title(), '登录 · 共治');
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    await axe(page, 'login');
  } finally {
    await page.close();
  }
});

test('the workbench (工作台)', async () => {
  const page = await as('grid_worker');
  try {
    await page.goto(d.srv.url + '/dashboard');
    await page.getByRole('heading', { level: 1, name: '工作台' }).waitFor();
    await settle(page);
    assert.equal(await page.title(), '工作台 · 共治');
    await axe(page, 'workbench');
  } finally {
    await page.close();
  }
});

test('the residents list and a resident\'s detail', async () => {
  const page = await as('grid_worker');
  try {
    await page.goto(d.srv.url + '/residents');
    await page.getByTestId('resident-table').waitFor();
    await page.locator('[data-testid^="resident-row-"]').first().waitFor();
    await settle(page);
    assert.equal(await page.title(), '居民与房屋 · 共治');
    await axe(page, 'residents list');

    // The detail: a resident's own page where the list links to one, else the 户卡
    // (household card) the list opens.
    const link = page.locator('a[href^="/residents/"]').first();
    if (await link.count()) {
      await link.click();
      await page.waitForURL((u) => /^\/residents\/\d+/.test(u.pathname));
      await settle(page);
      assert.equal(await page.title(), '居民详情 · 共治');
    } else {
      await page.locator('[data-testid^="household-open-"]').first().click();
      await page.getByTestId('household-members').waitFor();
      await settle(page);
    }
    await axe(page, 'resident detail');
  } finally {
    await page.close();
  }
});

test('the audit log, written as sentences', async () => {
  const page = await as('community_admin');
  try {
    await page.goto(d.srv.url + '/audit');
    await page.locator('[data-testid^="audit-sentence-"]').first().waitFor();
    await settle(page);
    assert.equal(await page.title(), '审计日志 · 共治');
    await axe(page, 'audit log');
  } finally {
    await page.close();
  }
});

test('every page has its own title', async () => {
  const page = await as('community_admin');
  try {
    await page.goto(d.srv.url + '/dashboard');
    const links = page.getByTestId('nav').getByRole('link');
    await links.first().waitFor();
    const items = [];
    for (const l of await links.all()) items.push({ title: (await l.innerText()).trim(), href: await l.getAttribute('href') });
    assert.ok(items.length >= 5);
    const titles = new Set();
    for (const item of items) {
      await page.goto(d.srv.url + item.href);
      await page.waitForFunction((t) => document.title === t, `${item.title} · 共治`);
      titles.add(await page.title());
    }
    assert.equal(titles.size, items.length, 'one title per page');
  } finally {
    await page.close();
  }
});

test('a chart shows its data as a table (数据表), and back', async () => {
  const page = await as('street_supervisor');
  try {
    await page.goto(d.srv.url + '/network');
    const graph = page.getByTestId('network-graph');
    await graph.waitFor();
    assert.equal(await graph.getAttribute('role'), 'img');
    assert.match(await graph.getAttribute('aria-label'), /组织关系图/);
    const card = page.locator('.el-card', { has: graph });
    const toggle = card.getByTestId('chart-table-toggle');
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
    await toggle.click();
    const table = card.getByTestId('chart-table');
    await table.waitFor();
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
    assert.equal(await graph.isVisible(), false, 'the table stands in for the chart');
    const text = await table.innerText();
    assert.match(text, /名称\s+类型\s+所在\s+成员\s+党员/);
    // The street is summed up by community: each community's row names it.
    assert.match(text, /团结南社区（\d+ 个组织）/);
    assert.match(text, /八里庄街道党工委/);
    await axe(page, 'network with its data table');
    await toggle.click();
    await graph.waitFor({ state: 'visible' });
  } finally {
    await page.close();
  }
});

test('the menu is reached with Tab from the top of the page', async () => {
  const page = await as('grid_worker');
  try {
    await page.goto(d.srv.url + '/dashboard');
    await page.getByTestId('nav').getByRole('link').first().waitFor();
    await page.locator('body').focus();
    let reached = null;
    for (let i = 0; i < 12 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => (document.activeElement?.classList.contains('nav-link') ? document.activeElement.textContent.trim() : null));
    }
    assert.equal(reached, '工作台', 'the first menu item within a few Tabs');
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname === '/dashboard');
  } finally {
    await page.close();
    await signOutEverywhere(browser);
  }
});

test('协商议事: the topic list, a topic, a vote\'s result and a budget round have no critical or serious violation', async () => {
  const page = await as('community_admin');
  try {
    await page.goto(d.srv.url + '/deliberation');
    await page.getByTestId('topic-list').locator('article').first().waitFor();
    await settle(page);
    await axe(page, '协商议事');
    await page.getByTestId('topic-list').locator('article').first().click();
    await page.getByTestId('topic-stagebar').waitFor();
    await settle(page);
    await axe(page, 'a topic');
    await page.goto(d.srv.url + '/deliberation/votes/1');
    await page.getByTestId('vote-thresholds').waitFor();
    await settle(page);
    await axe(page, 'a vote\'s result');
    await page.goto(d.srv.url + '/deliberation/budgets/1');
    await page.getByTestId('pb-result').waitFor();
    await settle(page);
    await axe(page, 'a budget round');
  } finally {
    await page.close();
  }
});
