// 诉求工单 in the browser on a phone-sized screen (issue 10, item 10, first slice): the
// community's staff see the work list with its counts per state and an overdue case in
// red, open a case and take actions from its buttons (accept; dispatch through the form,
// to the locality), the timeline grows; a resident sees the cases they reported and
// nothing wider than the screen. Reports are made through the API here (the residents'
// report page: tests/e2e/case-report.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, api, ROOT } from '../lib/server.mjs';
import { launchBrowser, noOverflow } from '../lib/browser.mjs';
import { assertNoSanitizerReport } from '../api/util.mjs';
import { opsSession, makeUser, login, sql } from '../api/auth-util.mjs';
import { loginByApi, signOutEverywhere } from './session-util.mjs';

const C1 = '110101001001';
const G1 = C1 + '001';
const FIXTURE = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/grids_ok.geojson'), 'utf8'));

let srv, browser, fresh, late;

before(async () => {
  srv = await startServer();
  const admin = await opsSession(srv);
  assert.equal((await api(srv, 'POST', '/api/v1/grids/import', FIXTURE, admin.bearer)).status, 201);
  await makeUser(srv, admin, 'e2e-staff', [['community_staff', C1]], 'e2e-staff-password');
  await makeUser(srv, admin, 'e2e-res', [['resident', G1]], 'e2e-res-password');
  const res = await login(srv, 'e2e-res', 'e2e-res-password');
  const report = async (description) => {
    const r = await api(srv, 'POST', '/api/v1/cases', { category: 'E0101', description, location: { lat: 39.9018, lng: 116.4018 }, reporter: { phone: '13812345678' } }, res.bearer);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id;
  };
  late = await report('楼下垃圾好几天没人清运了，气味很大，希望尽快处理');
  fresh = await report('小区门口的垃圾桶满了');
  sql(srv, `UPDATE cases SET step_due_at = 1 WHERE id = ${late}`);
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

test('staff work through a case on a phone: the list, the overdue case in red, accept and dispatch', async () => {
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, 'e2e-staff', 'e2e-staff-password');
  const page = await browser.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await page.goto(srv.url + '/cases');
    await page.getByRole('heading', { level: 1, name: '诉求工单' }).waitFor();
    await page.getByTestId('case-row-' + late).waitFor();
    assert.match(await page.getByTestId('case-summary').innerText(), /超期\s*1/);
    assert.match(await page.getByTestId('case-chip-reported').innerText(), /待受理\s*2/);
    assert.match(await page.getByTestId('case-row-' + late).innerText(), /超期/);
    assert.ok(!(await page.getByTestId('case-row-' + fresh).innerText()).includes('超期'));
    await noOverflow(page, 'the list');
    // Only the overdue ones.
    await page.getByTestId('case-chip-overdue').click();
    await page.getByTestId('case-row-' + fresh).waitFor({ state: 'detached' });

    await page.getByTestId('case-row-' + late).click();
    await page.waitForURL((u) => u.pathname === `/cases/${late}`);
    await page.getByTestId('case-detail').waitFor();
    assert.equal((await page.getByTestId('case-state').innerText()).trim(), '待受理');
    assert.match(await page.getByTestId('case-reporter').innerText(), /138\*\*\*\*5678/);
    await noOverflow(page, 'the case');
    await page.getByTestId('case-action-accept').click();
    await page.getByTestId('case-state').filter({ hasText: '已立案' }).waitFor();
    await page.getByTestId('case-action-dispatch').click();
    await page.getByTestId('case-action-dialog').waitFor();
    await page.getByTestId('case-note').fill('请网格员处理');
    await page.getByTestId('case-action-submit').click();
    await page.getByTestId('case-state').filter({ hasText: '已派遣' }).waitFor();
    const timeline = await page.getByTestId('case-timeline').innerText();
    for (const step of ['反映', '受理立案', '派遣', '请网格员处理']) assert.ok(timeline.includes(step), `${step} in ${timeline}`);
    await noOverflow(page, 'the case after dispatch');
  } finally {
    await page.close();
  }
});

test('a resident sees the cases they reported, on a 360 px screen', async () => {
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, 'e2e-res', 'e2e-res-password');
  const page = await browser.newPage();
  await page.setViewportSize({ width: 360, height: 740 });
  try {
    await page.goto(srv.url + '/cases');
    await page.getByRole('heading', { level: 1, name: '诉求工单' }).waitFor();
    await page.getByTestId('case-row-' + fresh).waitFor();
    await page.getByTestId('case-row-' + late).waitFor();
    await noOverflow(page, 'my cases');
    await page.getByTestId('case-row-' + fresh).click();
    await page.getByTestId('case-detail').waitFor();
    // The reporter may still withdraw or correct it; nothing else.
    assert.deepEqual(await page.getByTestId('case-actions').getByRole('button').allInnerTexts(), ['修改', '撤回']);
    await noOverflow(page, 'my case');
  } finally {
    await page.close();
  }
});
