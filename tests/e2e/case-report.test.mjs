// A resident reports a case with a photo on a phone (issue 10, Done when; Build 10): the
// report page at 360 px — category, their grid, description, a photo — lands on the
// case; a bad photo (a PDF named .jpg) is refused with a message. The grid worker, whose
// work list is open on another phone (another browser), sees it appear without a reload
// (the inbox's event stream), signs it once dispatched and feeds back with a photo; once
// the community has closed it, the resident sees both photos in the timeline and rates it. Nothing is wider than the screen; the form
// passes axe-core.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, api, ROOT } from '../lib/server.mjs';
import { launchBrowser, axeCheck as axe, noOverflow } from '../lib/browser.mjs';
import { assertNoSanitizerReport } from '../api/util.mjs';
import { opsSession, makeUser, login, sql } from '../api/auth-util.mjs';
import { loginByApi, signOutEverywhere } from './session-util.mjs';

const C1 = '110101001001';
const G1 = C1 + '001';
const FIXTURE = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/grids_ok.geojson'), 'utf8'));
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('JFIF after the repair')]);
const TEXT = '3号楼门口的垃圾桶满了两天，垃圾堆到了路上';

let srv, browser, workerBrowser, staff;


before(async () => {
  srv = await startServer();
  const admin = await opsSession(srv);
  assert.equal((await api(srv, 'POST', '/api/v1/grids/import', FIXTURE, admin.bearer)).status, 201);
  await makeUser(srv, admin, 'e2e-rep-res', [['resident', G1]], 'e2e-rep-res-password');
  await makeUser(srv, admin, 'e2e-rep-worker', [['grid_worker', G1]], 'e2e-rep-worker-password');
  await makeUser(srv, admin, 'e2e-rep-staff', [['community_staff', C1]], 'e2e-rep-staff-password');
  staff = await login(srv, 'e2e-rep-staff', 'e2e-rep-staff-password');
  browser = await launchBrowser();
  workerBrowser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await workerBrowser?.close();
  if (srv) {
    const log = srv.log();
    await srv.stop();
    assertNoSanitizerReport(log);
  }
});

const act = async (id, body) => {
  const r = await api(srv, 'POST', `/api/v1/cases/${id}/actions`, body, staff.bearer);
  assert.equal(r.status, 200, JSON.stringify(r.body));
};

test('a resident reports with a photo on a phone; the grid worker sees it arrive, handles it; the resident rates it', async () => {
  // ---- the grid worker's work list is open on their phone, with nothing in it yet
  await loginByApi(workerBrowser, srv, 'e2e-rep-worker', 'e2e-rep-worker-password');
  const work = await workerBrowser.newPage();
  await work.setViewportSize({ width: 390, height: 844 });
  await work.goto(srv.url + '/cases');
  await work.getByRole('heading', { level: 1, name: '诉求工单' }).waitFor();
  await work.getByText('没有符合条件的诉求').waitFor();

  // ---- the resident, on a 360 px phone
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, 'e2e-rep-res', 'e2e-rep-res-password');
  let page = await browser.newPage();
  await page.setViewportSize({ width: 360, height: 740 });
  let id;
  try {
    await page.goto(srv.url + '/cases');
    await page.getByTestId('case-report').click();
    await page.waitForURL((u) => u.pathname === '/cases/new');
    await page.getByRole('heading', { level: 1, name: '反映诉求' }).waitFor();
    await noOverflow(page, 'the report form');
    // Submitting empty names what is missing.
    await page.getByTestId('report-submit').click();
    await page.getByText('请选择问题类别').waitFor();
    await page.getByText('请描述问题').waitFor();

    await page.getByTestId('report-major').click();
    await page.getByRole('option', { name: '市容环境', exact: true }).click();
    await page.getByTestId('report-category').click();
    await page.getByRole('option', { name: '暴露垃圾', exact: true }).click();
    // Their own grid is chosen already.
    assert.ok(await page.getByTestId('report-where-' + G1).locator('input').isChecked());
    await page.getByTestId('report-address').fill('3号楼门口');
    await page.getByTestId('report-description').fill(TEXT);

    // A PDF dressed as a photo is refused; a real one is shown.
    const input = page.getByTestId('report-photos-input');
    await input.setInputFiles({ name: 'scan.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('%PDF-1.7\n%fake\n') });
    await page.getByText(/照片「scan\.jpg」无法上传/).waitFor();
    assert.equal(await page.getByTestId('report-photos-item').count(), 0);
    await input.setInputFiles({ name: 'rubbish.png', mimeType: 'image/png', buffer: PNG });
    await page.getByTestId('report-photos-item').waitFor();
    await noOverflow(page, 'the filled form');
    await axe(page, 'the report form');

    await page.getByTestId('report-submit').click();
    await page.waitForURL((u) => /^\/cases\/\d+$/.test(u.pathname));
    id = new URL(page.url()).pathname.split('/').pop();
    await page.getByTestId('case-detail').waitFor();
    assert.equal((await page.getByTestId('case-description').innerText()).trim(), TEXT);
    await page.getByTestId('case-photos-1').locator('img').waitFor();
    assert.ok(await page.getByTestId('case-photos-1').locator('img').evaluate((img) => img.complete && img.naturalWidth === 1), 'the photo loads');
    await noOverflow(page, 'the reported case');
  } finally {
    await page.close();
  }
  assert.equal(sql(srv, `SELECT source || ' ' || grid_code FROM cases WHERE id = ${id}`)[0][0], `resident ${G1}`);

  // ---- the report arrives in the worker's list without a reload
  await work.getByTestId('case-row-' + id).waitFor();
  assert.match(await work.getByTestId('case-row-' + id).innerText(), /待受理/);

  // ---- the community accepts it and leaves it to the grid (属地); the worker's list follows
  await act(id, { action: 'accept' });
  await act(id, { action: 'dispatch' });
  await work.getByTestId('case-row-' + id).filter({ hasText: '已派遣' }).waitFor();

  // ---- the worker signs it and feeds back with a photo
  try {
    await work.getByTestId('case-row-' + id).click();
    await work.getByTestId('case-detail').waitFor();
    await work.getByTestId('case-photos-1').locator('img').waitFor();
    await work.getByTestId('case-action-sign').click();
    await work.getByTestId('case-state').filter({ hasText: '处置中' }).waitFor();
    await work.getByTestId('case-action-handle').click();
    await work.getByTestId('case-action-dialog').waitFor();
    await work.getByTestId('case-note').fill('已清运，垃圾桶已清洗');
    await work.getByTestId('case-action-photos-input').setInputFiles({ name: 'after.jpg', mimeType: 'image/jpeg', buffer: JPEG });
    await work.getByTestId('case-action-photos-item').waitFor();
    await work.getByTestId('case-action-submit').click();
    await work.getByTestId('case-state').filter({ hasText: '已处置' }).waitFor();
    const handled = work.getByTestId('case-timeline').locator('[data-testid^="case-photos-"]');
    await handled.nth(1).waitFor();
    await noOverflow(work, 'the handled case');
  } finally {
    await work.close();
  }

  // ---- the community verifies and closes it
  await act(id, { action: 'verify' });
  await act(id, { action: 'close' });

  // ---- the resident sees the feedback and rates it
  page = await browser.newPage();
  await page.setViewportSize({ width: 360, height: 740 });
  try {
    await page.goto(srv.url + '/cases');
    await page.getByTestId('case-row-' + id).click();
    await page.getByTestId('case-detail').waitFor();
    assert.equal((await page.getByTestId('case-state').innerText()).trim(), '已结案');
    const timeline = await page.getByTestId('case-timeline').innerText();
    for (const step of ['反映', '受理立案', '签收', '处置反馈', '已清运，垃圾桶已清洗', '结案']) assert.ok(timeline.includes(step), `${step} in ${timeline}`);
    assert.equal(await page.getByTestId('case-timeline').locator('img').count(), 2);
    await page.getByTestId('case-action-rate').click();
    await page.getByTestId('case-action-dialog').waitFor();
    await page.getByTestId('case-satisfaction').getByText('基本满意').click();
    await page.getByTestId('case-action-submit').click();
    await page.getByTestId('case-state').filter({ hasText: '已评价' }).waitFor();
    assert.match(await page.getByTestId('case-detail').innerText(), /基本满意，问题已解决/);
    await noOverflow(page, 'the rated case');
  } finally {
    await page.close();
  }
  assert.deepEqual(sql(srv, `SELECT satisfaction, resolved FROM cases WHERE id = ${id}`), [['basically_satisfied', '1']]);
});
