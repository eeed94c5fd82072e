// Live updates and the inbox in the browser (issue 10 "Notifications"): a grid worker on
// a phone has the work list open; a resident reports a case in the worker's grid; the
// case appears in the list without a reload and the bell counts it; the inbox opens it
// and the bell goes back to zero. Nothing is wider than the screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, api, ROOT } from '../lib/server.mjs';
import { launchBrowser, noOverflow } from '../lib/browser.mjs';
import { assertNoSanitizerReport } from '../api/util.mjs';
import { opsSession, makeUser, login } from '../api/auth-util.mjs';
import { loginByApi, signOutEverywhere } from './session-util.mjs';

const C1 = '110101001001';
const G1 = C1 + '001';
const FIXTURE = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/grids_ok.geojson'), 'utf8'));

let srv, browser, res;

before(async () => {
  srv = await startServer();
  const admin = await opsSession(srv);
  assert.equal((await api(srv, 'POST', '/api/v1/grids/import', FIXTURE, admin.bearer)).status, 201);
  await makeUser(srv, admin, 'live-worker', [['grid_worker', G1]], 'live-worker-password');
  await makeUser(srv, admin, 'live-res', [['resident', G1]], 'live-res-password');
  res = await login(srv, 'live-res', 'live-res-password');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  if (srv) {
    const log = srv.log();
    await srv.stop();
    assertNoSanitizerReport(log);
  }
});

test('a grid worker on a phone sees a new report arrive without reloading, and opens it from the inbox', async () => {
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, 'live-worker', 'live-worker-password');
  const page = await browser.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await page.goto(srv.url + '/cases');
    await page.getByRole('heading', { level: 1, name: '诉求工单' }).waitFor();
    const bell = page.getByTestId('notify-bell');
    await bell.waitFor();
    const label = page.getByTestId('notify-bell-label');
    assert.equal(await label.textContent(), '消息');
    // The stream is open before the report is made (the hello event set the count).
    await page.locator('[data-testid="notify-bell"][data-live="on"]').waitFor();
    let navigations = 0;
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations++; });
    const r = await api(srv, 'POST', '/api/v1/cases', { category: 'E0101', description: '5号楼楼道里堆满了纸箱，有火灾隐患', location: { lat: 39.9018, lng: 116.4018 } }, res.bearer);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const id = r.body.id;
    await page.getByTestId('case-row-' + id).waitFor({ timeout: 10000 });
    assert.equal(navigations, 0, 'no reload');
    await page.waitForFunction(() => /1 条未读/.test(document.querySelector('[data-testid="notify-bell-label"]').textContent));
    await noOverflow(page, 'the list with the new case');
    await page.screenshot({ path: join(srv.dir, 'live-list.png') });

    await bell.click();
    await page.waitForURL((u) => u.pathname === '/notifications');
    await page.getByRole('heading', { level: 1, name: '消息' }).waitFor();
    const item = page.getByTestId('inbox-item').first();
    assert.match(await item.innerText(), /新诉求待登记.*5号楼楼道/);
    await noOverflow(page, 'the inbox');
    await item.locator('button').click();
    await page.waitForURL((u) => u.pathname === `/cases/${id}`);
    await page.getByTestId('case-detail').waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="notify-bell-label"]').textContent === '消息');
  } finally {
    await page.close();
  }
});
