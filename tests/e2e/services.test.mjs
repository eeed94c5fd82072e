// Integrated services in the browser on a phone (390×844), issue 14's Done-when: a
// resident searches the catalogue, finds 居住证明 and applies with attachments; a member of
// the community staff accepts, approves and issues it on their phone; the resident sees
// the timeline, downloads the certificate's PDF, whose text (pdftotext) holds their masked
// name and the certificate number; anyone checks the code on the public page. No page
// scrolls sideways. Screenshots are saved under the test's directory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, api, ROOT } from '../lib/server.mjs';
import { launchBrowser } from '../lib/browser.mjs';
import { assertNoSanitizerReport } from '../api/util.mjs';
import { adminSession, makeUser } from '../api/auth-util.mjs';
import { loginByApi, signOutEverywhere } from './session-util.mjs';

const C1 = '110101001001';
const G1 = C1 + '001';
const FIXTURE = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/grids_ok.geojson'), 'utf8'));
const PASSWORD = 'correct horse 电池';
const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(200, 1)]);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

let dir, shots, srv, browser, page;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gz-services-e2e-'));
  shots = join(dir, 'shots');
  mkdirSync(shots);
  srv = await startServer();
  const admin = await adminSession(srv);
  let r = await api(srv, 'POST', '/api/v1/grids/import', FIXTURE, admin.bearer);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const resident = await makeUser(srv, admin, 'zhangwei', [['resident', G1]], PASSWORD);
  await makeUser(srv, admin, 'clerk', [['community_staff', C1]], PASSWORD);
  r = await api(srv, 'POST', '/api/v1/residents', { name: '张伟', grid_code: G1 }, admin.bearer);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  r = await api(srv, 'PATCH', `/api/v1/residents/${r.body.id}`, { user_id: resident.id }, admin.bearer);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
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

async function shot(name) {
  const p = join(shots, `${name}.png`);
  await page.screenshot({ path: p, fullPage: true });
  console.log(`screenshot: ${p}`);
}

async function assertNoOverflow(what) {
  const o = await page.evaluate(() => {
    const d = document.documentElement;
    const main = document.querySelector('.app-main');
    return { page: [d.scrollWidth, d.clientWidth], main: main ? [main.scrollWidth, main.clientWidth] : null };
  });
  assert.ok(o.page[0] <= o.page[1], `${what}: the page scrolls sideways (${o.page})`);
  if (o.main) assert.ok(o.main[0] <= o.main[1], `${what}: content wider than the screen (${o.main})`);
}

async function choose(testid, option) {
  await page.getByTestId(testid).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

let appPath;

test('a resident finds 居住证明 and applies online with attachments', async () => {
  await loginByApi(browser, srv, 'zhangwei', PASSWORD);
  await page.goto(srv.url + '/services');
  await page.getByTestId('catalogue-q').fill('居住');
  await page.getByTestId('catalogue-go').click();
  const card = page.getByTestId('service-residence_proof');
  await card.waitFor();
  await assertNoOverflow('catalogue');
  await shot('catalogue-search');
  await card.click();
  await page.getByTestId('service-title').getByText('居住证明').waitFor();

  // Submitting an empty form names every missing field and material.
  await page.getByTestId('apply-submit').click();
  await page.getByText('缺少必填项：证明用途').waitFor();
  await page.getByText('缺少材料：居民身份证').waitFor();
  await assertNoOverflow('apply form with errors');

  await choose('field-purpose', '子女入学');
  await page.getByTestId('field-address').fill('多福巷1号1-101');
  const since = page.getByTestId('field-since').locator('input');
  await since.fill('2018-03-01');
  await since.press('Enter');
  await page.getByTestId('material-id_card').setInputFiles({ name: '身份证.png', mimeType: 'image/png', buffer: PNG });
  await page.getByText(/身份证\.png（/).waitFor();
  await page.getByTestId('material-housing').setInputFiles({ name: '租赁合同.pdf', mimeType: 'application/pdf', buffer: PDF });
  await page.getByText(/租赁合同\.pdf（/).waitFor();
  await shot('apply-filled');
  await page.getByTestId('apply-submit').click();
  await page.waitForURL(/\/service-applications\/\d+$/);
  appPath = new URL(page.url()).pathname;
  await page.getByTestId('app-state').getByText('已接收').waitFor();
  await assertNoOverflow('application (resident)');
  await shot('application-received');
});

test('staff accept, process, approve and issue it on their phone', async () => {
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, 'clerk', PASSWORD);
  await page.goto(srv.url + '/service-queue');
  await page.getByTestId('queue-table').getByText('居住证明').first().waitFor();
  await assertNoOverflow('queue');
  await shot('queue');
  await page.goto(srv.url + appPath);
  for (const [action, state] of [['accept', '已受理'], ['process', '办理中'], ['approve', '已通过'], ['issue', '已出具']]) {
    await page.getByTestId('action-' + action).click();
    const box = page.locator('.el-message-box');
    await box.waitFor();
    await box.getByRole('button', { name: '确定' }).click();
    await page.getByTestId('app-state').getByText(state).waitFor();
  }
  await page.getByTestId('cert-number').waitFor();
  await assertNoOverflow('application (staff)');
  await shot('application-issued-staff');
});

let number, code;

test('the resident downloads the PDF: pdftotext reads the masked name and the number', async () => {
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, 'zhangwei', PASSWORD);
  await page.goto(srv.url + '/my-applications');
  await page.getByTestId('my-applications').getByText('已出具').waitFor();
  await assertNoOverflow('my applications');
  await shot('my-applications');
  await page.goto(srv.url + appPath);
  number = (await page.getByTestId('cert-number').innerText()).trim();
  code = (await page.getByTestId('cert-code').innerText()).trim();
  assert.match(number, /^110101001001-\d{4}-000001$/);
  const timeline = await page.getByTestId('timeline').innerText();
  for (const step of ['提交申请', '受理', '开始办理', '审核通过', '出具']) assert.ok(timeline.includes(step), step);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('cert-download').click()]);
  const file = join(dir, 'certificate.pdf');
  await download.saveAs(file);
  const text = execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  assert.ok(text.includes('张*'), text);
  assert.ok(text.includes(number), text);
  assert.ok(!text.includes('张伟'), 'the full name is not on it');
  await assertNoOverflow('application with certificate');
  await shot('application-certificate');
  // The resident rates the service.
  await page.getByTestId('rate-submit').click();
  await page.getByTestId('rate').waitFor({ state: 'detached' });
});

test('anyone checks the code on the public page; a forged code is invalid', async () => {
  await signOutEverywhere(browser);
  await page.goto(srv.url + '/check?code=' + encodeURIComponent(code));
  const valid = page.getByTestId('check-valid');
  await valid.waitFor();
  const shown = await valid.innerText();
  assert.ok(shown.includes(number) && shown.includes('居住证明'), shown);
  assert.ok(!shown.includes('张'), 'no holder on the public page');
  await assertNoOverflow('check page');
  await shot('check-valid');
  await page.getByTestId('check-code').fill('ABCD-EFGH-JKLM-NPQR');
  await page.getByTestId('check-go').click();
  await page.getByTestId('check-invalid').waitFor();
  writeFileSync(join(dir, 'done'), 'ok');
});
