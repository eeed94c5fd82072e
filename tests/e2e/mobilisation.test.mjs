// A volunteer on a phone (issue 13, "Done when"), over the demo street (`gongzhi demo`):
// signs up for an activity that is running now, checks in with the code the organiser's
// screen shows (a second browser page, the community staff's), checks out with the next
// code, sees the hours confirmed and the points, redeems an item at the charity store,
// and downloads the record certificate as a PDF. The phone page never scrolls sideways.
// Then the organiser, on a phone, edits and cancels an activity, and community staff use
// 党员积分: a branch's ranking, a member's year with a new entry, the 双报到 report.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, freshDatabase, api } from '../lib/server.mjs';
import { launchBrowser } from '../lib/browser.mjs';
import { run, assertNoSanitizerReport } from '../api/util.mjs';
import { login } from '../api/auth-util.mjs';
import { loginByApi, signOutEverywhere } from './session-util.mjs';

let dir, srv, browser, demo, activity;
const PHONE = { width: 360, height: 740 };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gz-mob-e2e-'));
  const db = freshDatabase(dir);
  const env = { GONGZHI_KEY_FILE: join(dir, 'gongzhi.key') };
  const r = run(['--db', db, 'demo', '--json'], { env });
  assert.equal(r.code, 0, `gongzhi demo: ${r.stderr}`);
  demo = JSON.parse(r.stdout);
  srv = await startServer({ db, env });
  browser = await launchBrowser();
  // The organiser publishes an activity running now (the API, as the staff would).
  const staff = account('community_staff');
  const s = await login(srv, staff.username, staff.password);
  const orgs = await api(srv, 'GET', `/api/v1/organisations?type=residents_committee&space=${staff.scope}`, undefined, s.bearer);
  assert.equal(orgs.status, 200, JSON.stringify(orgs.body));
  const now = Date.now();
  const a = await api(srv, 'POST', '/api/v1/activities', {
    kind: 'volunteer', organiser_org_id: orgs.body.items[0].id, title: '端到端测试：楼道清洁', place_code: staff.scope,
    address: '3号楼', start_at: new Date(now - 20 * 60000).toISOString(), end_at: new Date(now + 60 * 60000).toISOString(),
    slots: 5, skills: ['清洁'],
  }, s.bearer);
  assert.equal(a.status, 201, JSON.stringify(a.body));
  activity = a.body;
});

after(async () => {
  await browser?.close();
  if (srv) {
    const log = srv.log();
    await srv.stop();
    assertNoSanitizerReport(log);
  }
  if (dir && !process.env.GZ_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
});

function account(role) {
  const a = demo.accounts.find((x) => x.role === role);
  assert.ok(a, role);
  return a;
}

async function noSideScroll(page, what) {
  const o = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  assert.ok(o.scroll <= o.client, `${what}: the page scrolls sideways (${o.scroll} > ${o.client})`);
}

// The code on the organiser's screen, read by a person looking at it.
async function organiserCode(organiser) {
  await organiser.reload();
  const code = organiser.getByTestId('code-value');
  await code.waitFor();
  return (await code.innerText()).trim();
}

test('a volunteer signs up on a phone, checks in and out with the organiser\'s code, sees hours and points, redeems, downloads the certificate', async () => {
  // Two people, two browsers' worth of cookies: the organiser's screen is an API session
  // shown through its own page (the persistent context shares cookies, so the organiser
  // page is opened first and keeps what it shows after the volunteer logs in).
  const vol = account('volunteer');
  const staff = account('community_staff');
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, staff.username, staff.password);
  const organiser = await browser.newPage();
  await organiser.goto(`${srv.url}/mobilisation/activities/${activity.id}/code`);
  await organiser.getByTestId('code-value').waitFor();
  // The same code as a QR image, drawn (an SVG of the activity's check-in link).
  const qr = organiser.getByTestId('code-qr');
  await qr.waitFor();
  assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR image loads');

  // The volunteer, on a phone, finds the activity and signs up.
  const v = await login(srv, vol.username, vol.password);
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, vol.username, vol.password);
  const page = await browser.newPage();
  await page.setViewportSize(PHONE);
  await page.goto(srv.url + '/mobilisation');
  await page.getByRole('heading', { level: 1, name: '志愿活动' }).waitFor();
  await page.getByTestId('activity-' + activity.id).click();
  await page.waitForURL((u) => u.pathname === `/mobilisation/activities/${activity.id}`);
  await page.getByTestId('signup').click();
  await page.getByTestId('my-signup-status').filter({ hasText: '已报名' }).waitFor();
  await noSideScroll(page, 'activity page');

  // Check-in with the code on the organiser's screen (its page still holds the organiser's
  // answer; the code is read by reloading it with the organiser's session, restored for it).
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, staff.username, staff.password);
  let code = await organiserCode(organiser);
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, vol.username, vol.password);
  await page.reload();
  await page.getByPlaceholder('6 位签到码').fill(code);
  await page.getByTestId('check-submit').click();
  await page.getByTestId('check-result').filter({ hasText: '签到成功' }).waitFor();

  // Check-out needs the next code (a code serves one person once): wait for it to rotate.
  let next = code;
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, staff.username, staff.password);
  for (let i = 0; i < 40 && next === code; i++) {
    await organiser.waitForTimeout(1000);
    next = await organiserCode(organiser);
  }
  assert.notEqual(next, code, 'the organiser\'s code rotates');
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, vol.username, vol.password);
  await page.reload();
  await page.getByPlaceholder('6 位签到码').fill(next);
  await page.getByTestId('check-submit').click();
  await page.getByTestId('check-result').filter({ hasText: '签退成功' }).waitFor();

  // The organiser confirms the hours (the API, as the organiser's button does).
  const s = await login(srv, staff.username, staff.password);
  const conf = await api(srv, 'POST', `/api/v1/activities/${activity.id}/confirm`, {}, s.bearer);
  assert.equal(conf.status, 200, JSON.stringify(conf.body));
  assert.equal(conf.body.confirmation.attended, 1);
  await page.reload();
  await page.getByTestId('my-minutes').waitFor();

  // My hours and points (the demo year's and this one's).
  await page.goto(srv.url + '/mobilisation/me');
  await page.getByRole('heading', { level: 1, name: '我的志愿' }).waitFor();
  await page.getByTestId('my-hours').waitFor();
  assert.match(await page.getByTestId('my-hours').innerText(), /小时|分钟/);
  const balance = Number((await page.getByTestId('my-balance').innerText()).trim());
  const me = await api(srv, 'GET', '/api/v1/me/points', undefined, v.bearer);
  assert.equal(balance, me.body.balance);
  assert.ok(balance >= 5, `the demo volunteer has points to spend (${balance})`);
  await page.getByTestId('point-entry').first().waitFor();
  await noSideScroll(page, 'my page');

  // Redeem the cheapest item it can afford.
  await page.goto(srv.url + '/mobilisation/store');
  await page.getByRole('heading', { level: 1, name: '爱心超市' }).waitFor();
  await page.getByTestId('store-items').locator('[data-testid^="item-"]').first().waitFor();
  const items = (await api(srv, 'GET', '/api/v1/store/items?limit=200', undefined, v.bearer)).body.items
    .filter((x) => x.stock > 0 && x.price_points <= balance)
    .sort((a, b) => a.price_points - b.price_points);
  assert.ok(items.length, 'an affordable item');
  await page.getByTestId('redeem-' + items[0].id).click();
  await page.getByRole('button', { name: '兑换', exact: true }).last().click();
  await page.getByText('兑换成功').waitFor();
  await page.getByTestId('store-balance').filter({ hasText: String(balance - items[0].price_points) }).waitFor();
  await noSideScroll(page, 'store');

  // The record certificate, printable and as a PDF.
  await page.goto(srv.url + '/mobilisation/me');
  await page.getByTestId('certificate-link').click();
  await page.getByTestId('certificate-issue').click();
  await page.getByTestId('certificate-number').waitFor();
  assert.match(await page.getByTestId('certificate-number').innerText(), /ZYZM-\d{4}-\d{8}/);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('certificate-pdf').click()]);
  const file = join(dir, 'certificate.pdf');
  await download.saveAs(file);
  const pdf = readFileSync(file);
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  assert.ok(pdf.length > 10000, `a PDF with its font (${pdf.length} bytes)`);
  await noSideScroll(page, 'certificate');
  await page.close();
  await organiser.close();
});

test('the organiser edits and cancels an activity on a phone; the volunteer sees it cancelled', async () => {
  const staff = account('community_staff');
  const vol = account('volunteer');
  const s = await login(srv, staff.username, staff.password);
  const v = await login(srv, vol.username, vol.password);
  const now = Date.now();
  const a = await api(srv, 'POST', '/api/v1/activities', {
    kind: 'volunteer', organiser_org_id: activity.organiser.id, title: '端到端测试：周末义诊', place_code: staff.scope,
    start_at: new Date(now + 2 * 86400000).toISOString(), end_at: new Date(now + 2 * 86400000 + 3 * 3600000).toISOString(), slots: 3,
  }, s.bearer);
  assert.equal(a.status, 201, JSON.stringify(a.body));
  assert.equal((await api(srv, 'POST', `/api/v1/activities/${a.body.id}/signups`, {}, v.bearer)).status, 201);

  await signOutEverywhere(browser);
  await loginByApi(browser, srv, staff.username, staff.password);
  const page = await browser.newPage();
  await page.setViewportSize(PHONE);
  await page.goto(`${srv.url}/mobilisation/activities/${a.body.id}`);
  await page.getByTestId('edit-activity').click();
  await page.getByTestId('edit-title').fill('端到端测试：周末义诊（改期）');
  await page.getByTestId('edit-save').click();
  await page.getByTestId('activity-title').filter({ hasText: '（改期）' }).waitFor();
  await noSideScroll(page, 'activity edited');
  await page.getByTestId('cancel-activity').click();
  await page.getByPlaceholder('取消原因（必填）').fill('医生临时出诊');
  await page.getByRole('button', { name: '取消活动', exact: true }).last().click();
  await page.getByTestId('activity-cancelled').filter({ hasText: '医生临时出诊' }).waitFor();
  await noSideScroll(page, 'activity cancelled');

  await signOutEverywhere(browser);
  await loginByApi(browser, srv, vol.username, vol.password);
  await page.goto(srv.url + '/mobilisation/me');
  await page.getByRole('tab', { name: '我的活动' }).click();
  await page.getByTestId('my-activity-cancelled').first().waitFor();
  await page.close();
});

test('community staff on a phone: a branch ranking, a member year with a new entry, the 双报到 report', async () => {
  const staff = account('community_staff');
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, staff.username, staff.password);
  const page = await browser.newPage();
  await page.setViewportSize(PHONE);
  await page.goto(srv.url + '/mobilisation/party');
  await page.getByRole('heading', { level: 1, name: '党员积分' }).waitFor();
  const rows = page.getByTestId('party-rank-row');
  await rows.first().waitFor();
  assert.ok((await rows.count()) >= 3, 'the branch has ranked members');
  await page.getByTestId('party-rules').waitFor();
  await noSideScroll(page, 'party ranking');

  // The 双报到 report as .xlsx.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('dual-report').click()]);
  const file = join(dir, 'dual-report.xlsx');
  await download.saveAs(file);
  assert.equal(readFileSync(file).subarray(0, 2).toString(), 'PK');

  // A member's year: record a meeting, see it in the history and the total.
  await rows.first().click();
  await page.getByTestId('member-points').waitFor();
  const before = Number((await page.getByTestId('member-total').innerText()).trim());
  const entries = await page.getByTestId('party-entry').count();
  await page.getByTestId('entry-note').fill('端到端测试：支部学习会');
  await page.getByTestId('entry-save').click();
  await page.getByTestId('party-entry').filter({ hasText: '端到端测试：支部学习会' }).waitFor();
  assert.equal(await page.getByTestId('party-entry').count(), entries + 1);
  const after = Number((await page.getByTestId('member-total').innerText()).trim());
  assert.ok(after > before, `a meeting adds points (${before} -> ${after})`);
  await noSideScroll(page, 'party member');
  await page.close();
});
