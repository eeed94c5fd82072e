// Visits on a phone (issue 9, "Workbench" and "Visits"), over the demo street (`gongzhi
// demo`: a year of visits, some residents now due or overdue). At 390×844 a grid worker
// opens the menu, opens the workbench, follows the to-do 「待走访的居民」 to the due list,
// records a visit for the first resident there (the phone's date input, the kind, what
// was found) and sees the resident leave the due list and the to-do count drop by one.
// A resident's workbench shows their own visits only. On every page visited the page
// does not scroll sideways (document.documentElement.scrollWidth <= clientWidth); a
// screenshot of each is kept under the test's directory (paths printed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, freshDatabase } from '../lib/server.mjs';
import { launchBrowser, settle as settleNetwork } from '../lib/browser.mjs';
import { run, assertNoSanitizerReport } from '../api/util.mjs';
import { loginByApi, signOutEverywhere } from './session-util.mjs';

let dir, shots, srv, browser, demo;
const PHONE = { width: 390, height: 844 };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gz-visits-'));
  shots = join(dir, 'shots');
  mkdirSync(shots);
  const db = freshDatabase(dir);
  const env = { GONGZHI_KEY_FILE: join(dir, 'gongzhi.key') };
  const r = run(['--db', db, 'demo', '--json'], { env });
  assert.equal(r.code, 0, `gongzhi demo: ${r.stderr}`);
  assertNoSanitizerReport(r.stderr, 'gongzhi demo');
  demo = JSON.parse(r.stdout);
  assert.ok(demo.counts.visits > 1000, `the demo has a year of visits (${demo.counts.visits})`);
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

// The page never scrolls sideways; a screenshot for a person to read.
async function checkPage(page, name) {
  await settleNetwork(page);
  await page.waitForTimeout(200);
  const o = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  const file = join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot: ${file}`);
  assert.ok(o.scroll <= o.client, `${name}: the page scrolls sideways (${o.scroll} > ${o.client})`);
}

const todoCount = async (page) =>
  Number((await page.getByTestId('todo-count-visits.due').innerText()).replace(/\D/g, ''));

test('a grid worker on a phone: workbench, due list, record a visit, the resident is no longer due', async () => {
  const a = account('grid_worker');
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, a.username, a.password);
  const page = await browser.newPage();
  await page.setViewportSize(PHONE);
  try {
    // The menu (a drawer on a phone) leads to the workbench.
    await page.goto(srv.url + '/visits?tab=records');
    await page.getByRole('heading', { level: 1, name: '走访' }).waitFor();
    await checkPage(page, 'gridworker-visits-records');
    await page.getByRole('button', { name: '打开菜单' }).click();
    const drawer = page.locator('#app-aside');
    await drawer.getByRole('link', { name: '工作台', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/dashboard');
    await page.locator('[data-testid="workbench"][data-loaded="true"]').waitFor();
    await checkPage(page, 'gridworker-workbench');

    // Figures of the grid worker's own grid: no whole-street numbers.
    const residents = await page.getByTestId('figure-people.register-residents').innerText();
    const n = Number(residents.replace(/[^\d]/g, ''));
    assert.ok(n > 0 && n < demo.counts.residents, `the grid's residents (${n}), not the street's (${demo.counts.residents})`);

    const before = await todoCount(page);
    assert.ok(before > 0, 'the demo leaves residents due in the grid');
    await page.getByTestId('todo-visits.due').getByRole('link').click();
    await page.waitForURL((u) => u.pathname === '/visits' && u.searchParams.get('tab') === 'due');
    const cards = page.getByTestId('due-cards').locator('li');
    await cards.first().waitFor();
    assert.match(await page.getByTestId('due-total').innerText(), new RegExp(`^${before}$`));
    await checkPage(page, 'gridworker-due');

    // The first card: the longest overdue. Record a visit for that resident.
    const first = cards.first();
    const testid = await first.getAttribute('data-testid');
    const residentId = testid.replace('due-', '');
    const name = (await first.locator('.name').innerText()).trim();
    await page.getByTestId('due-record-' + residentId).click();
    await page.waitForURL((u) => u.pathname === '/visits/new');
    await page.getByRole('heading', { level: 1, name: '记录走访' }).waitFor();
    await page.getByTestId('visit-who').getByText(name).waitFor();
    // The phone's own date picker: a date input, today by default, never later.
    const date = page.getByTestId('visit-date');
    assert.equal(await date.getAttribute('type'), 'date');
    const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
    assert.equal(await date.inputValue(), today);
    assert.equal(await date.getAttribute('max'), today);
    await page.getByTestId('visit-kind').getByText('重点关爱').click();
    await page.getByLabel('走访情况').fill('身体状况良好，已提醒按时服药。');
    await checkPage(page, 'gridworker-visit-form');
    await page.getByTestId('visit-submit').click();

    // Back on the due list: the resident is no longer there, one fewer due.
    await page.waitForURL((u) => u.pathname === '/visits' && u.searchParams.get('tab') === 'due');
    await page.getByTestId('due-total').waitFor();
    await page.waitForFunction((want) => document.querySelector('[data-testid="due-total"]')?.textContent.trim() === String(want), before - 1);
    assert.equal(await page.getByTestId('due-' + residentId).count(), 0, `${name} left the due list`);
    await checkPage(page, 'gridworker-due-after');

    // The resident's visits start with the new one.
    await page.goto(srv.url + '/visits/resident/' + residentId);
    const newest = page.getByTestId('visit-cards').locator('li').first();
    await newest.waitFor();
    assert.match(await newest.innerText(), /身体状况良好，已提醒按时服药/);
    assert.match(await newest.innerText(), new RegExp(today));
    await checkPage(page, 'gridworker-resident-visits');

    // From the resident's page, a visit to the whole household (入户走访).
    await page.getByTestId('resident-visit-household').click();
    await page.waitForURL((u) => u.pathname === '/visits/new' && u.searchParams.has('household'));
    await page.getByTestId('visit-who').getByText(/入户走访/).waitFor();
    await page.getByTestId('visit-kind').getByText('常规走访').click();
    await checkPage(page, 'gridworker-household-form');
    await page.getByTestId('visit-submit').click();
    await page.waitForURL((u) => u.pathname === '/visits/resident/' + residentId);
    await page.getByTestId('visit-cards').locator('li').first().getByText('入户走访').waitFor();

    // And the workbench's to-do dropped by one.
    await page.goto(srv.url + '/dashboard');
    await page.locator('[data-testid="workbench"][data-loaded="true"]').waitFor();
    assert.equal(await todoCount(page), before - 1);

    for (const tab of ['counts', 'frequencies']) {
      await page.goto(srv.url + '/visits?tab=' + tab);
      await page.getByRole('heading', { level: 1, name: '走访' }).waitFor();
      await checkPage(page, 'gridworker-visits-' + tab);
    }
  } finally {
    await page.close();
  }
});

test('a resident on a phone: their own workbench and visits, nothing of the grid', async () => {
  const a = account('resident');
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, a.username, a.password);
  const page = await browser.newPage();
  await page.setViewportSize(PHONE);
  try {
    await page.goto(srv.url + '/dashboard');
    await page.locator('[data-testid="workbench"][data-loaded="true"]').waitFor();
    await page.getByTestId('todos-empty').waitFor();
    assert.equal(await page.getByTestId('figures-people.register').count(), 0);
    assert.equal(await page.getByTestId('figures-visits.status').count(), 0);
    await page.getByTestId('figures-visits.mine').waitFor();
    await checkPage(page, 'resident-workbench');
    await page.getByTestId('shortcut-/visits/mine').click();
    await page.waitForURL((u) => u.pathname === '/visits/mine');
    await page.getByRole('heading', { level: 1, name: '我的走访记录' }).waitFor();
    await checkPage(page, 'resident-my-visits');
    // The visits pages of staff are not theirs.
    await page.goto(srv.url + '/visits');
    await page.waitForURL(/\/forbidden/);
  } finally {
    await page.close();
  }
  await signOutEverywhere(browser);
});
