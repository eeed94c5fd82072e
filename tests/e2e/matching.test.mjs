// Supply–demand matching in the browser (issue 11, "Done when"), over the demo street
// (`gongzhi demo`: a year of needs, offers and runs). A resident posts a need on a
// phone-sized screen (360 px; the page never scrolls sideways); community staff run
// matching and see the proposal on the map (the chart holds the need, named, joined to
// its provider); the provider — the demo's Party member or volunteer, the only ones
// offering 心理疏导 — accepts it on a phone, and the resident sees it taken. Every page
// shown passes axe-core without a critical or serious violation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, freshDatabase } from '../lib/server.mjs';
import { launchBrowser, axeCheck, settle } from '../lib/browser.mjs';
import { run, assertNoSanitizerReport } from '../api/util.mjs';
import { loginByApi, signOutEverywhere } from './session-util.mjs';

let dir, shots, srv, browser, demo;
const PHONE = { width: 360, height: 740 };
const TITLE = '想找人聊聊天，排解一下心情';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gz-matching-'));
  shots = join(dir, 'shots');
  mkdirSync(shots);
  const db = freshDatabase(dir);
  const env = { GONGZHI_KEY_FILE: join(dir, 'gongzhi.key') };
  const r = run(['--db', db, 'demo', '--json'], { env });
  assert.equal(r.code, 0, `gongzhi demo: ${r.stderr}`);
  assertNoSanitizerReport(r.stderr, 'gongzhi demo');
  demo = JSON.parse(r.stdout);
  assert.ok(demo.counts.match_needs > 500, `the demo has a year of needs (${demo.counts.match_needs})`);
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

async function checkPage(page, name) {
  await settle(page); // not networkidle: the page holds its event stream open
  await page.mouse.move(0, 0); // no button left in its hover colours
  await page.waitForTimeout(200);
  const o = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  const file = join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot: ${file}`);
  assert.ok(o.scroll <= o.client, `${name}: the page scrolls sideways (${o.scroll} > ${o.client})`);
  // No critical or serious accessibility violation (axe-core, as tests/e2e/a11y.test.mjs).
  await axeCheck(page, name);
}

async function asUser(role, viewport) {
  const a = account(role);
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, a.username, a.password);
  const page = await browser.newPage();
  await page.setViewportSize(viewport);
  return page;
}

let proposal; // {id, provider role}

test('a resident posts a need on a phone-sized screen', async () => {
  const page = await asUser('resident', PHONE);
  try {
    await page.goto(srv.url + '/matching');
    await page.getByRole('heading', { level: 1, name: '供需对接' }).waitFor();
    await page.locator('[data-testid="my-needs"][data-loaded="true"]').waitFor();
    await checkPage(page, 'resident-my-needs');
    await page.getByTestId('need-new').click();
    await page.waitForURL((u) => u.pathname === '/matching/post');
    await page.getByRole('heading', { level: 1, name: '发布需求' }).waitFor();
    await page.getByTestId('need-skill').click();
    await page.getByRole('option', { name: '心理疏导', exact: true }).click();
    await page.getByLabel('标题').fill(TITLE);
    await page.getByLabel('详细说明').fill('老伴走后一个人住，晚上常睡不着。');
    assert.equal(await page.getByTestId('need-from').getAttribute('type'), 'date');
    await checkPage(page, 'resident-need-form');
    await page.getByTestId('need-submit').click();
    await page.waitForURL((u) => u.pathname === '/matching' && u.searchParams.get('tab') === 'mine');
    const card = page.locator('.mx-card', { hasText: TITLE });
    await card.waitFor();
    assert.equal((await card.getByTestId('need-status').innerText()).trim(), '待匹配');
    await checkPage(page, 'resident-need-posted');
  } finally {
    await page.close();
  }
});

test('staff run matching and see the proposal on the map', async () => {
  const page = await asUser('community_staff', { width: 1280, height: 900 });
  try {
    await page.goto(srv.url + '/matching?tab=dispatch');
    await page.locator('[data-testid="dispatch"][data-loaded="true"]').waitFor();
    const before = await page.getByTestId('dispatch-summary').getAttribute('data-run').catch(() => null);
    await page.getByTestId('dispatch-run').click();
    await page.waitForFunction(
      (b) => {
        const el = document.querySelector('[data-testid="dispatch-summary"]');
        return el && el.getAttribute('data-run') !== b;
      },
      before,
    );
    // The map: the need, by its title and grid name, joined to a provider.
    const drawn = await page.waitForFunction((title) => {
      const el = document.querySelector('[data-testid="dispatch-map"]');
      const chart = el && el.__echarts;
      if (!chart) return null;
      const s = chart.getOption().series[0];
      const i = s.data.findIndex((d) => d.name.startsWith('需求：' + title));
      if (i < 0) return null;
      const link = s.links.find((l) => l.source === i);
      return link ? { need: s.data[i].name, provider: s.data[link.target].name, geo: !!chart.getOption().geo?.length } : null;
    }, TITLE);
    const d = await drawn.jsonValue();
    assert.match(d.need, /网格/, 'the grid by name');
    assert.match(d.provider, /^服务者：/);
    assert.ok(d.geo, 'drawn over the grids');
    await page.getByTestId('dispatch-proposals').getByText(TITLE).waitFor();
    await checkPage(page, 'staff-dispatch');
    // The provider: the demo Party member or volunteer (the only ones offering 心理疏导).
    const pm = account('party_member').display_name, vol = account('volunteer').display_name;
    const name = d.provider.replace('服务者：', '');
    assert.ok(name === pm || name === vol, `provider ${name} is ${pm} or ${vol}`);
    proposal = { role: name === pm ? 'party_member' : 'volunteer' };
  } finally {
    await page.close();
  }
});

test('the provider accepts the proposal on a phone', async () => {
  assert.ok(proposal, 'the run proposed the need');
  const page = await asUser(proposal.role, PHONE);
  try {
    await page.goto(srv.url + '/matching?tab=inbox');
    await page.locator('[data-testid="inbox"][data-loaded="true"]').waitFor();
    const card = page.locator('.mx-card', { hasText: TITLE });
    await card.waitFor();
    assert.match(await card.getByTestId('proposal-reasons').innerText(), /心理疏导/);
    // The demo's 心理疏导 offers have no weekly windows: always available.
    assert.match(await card.getByTestId('proposal-window').innerText(), /可服务时段：不限/);
    // Before accepting: the resident's surname, the building, not the flat.
    const flat = /(^|[^\d-])\d{1,2}-\d{1,2}-\d{3,4}(?!\d)/; // 2-2-601, not a date
    assert.doesNotMatch(await card.innerText(), flat);
    assert.match(await card.innerText(), /\*/);
    await checkPage(page, 'provider-inbox');
    await card.getByRole('button', { name: '接单' }).click();
    await card.getByText('已接单').waitFor();
    assert.match(await card.innerText(), flat, 'the flat once accepted');
    await card.getByRole('button', { name: '服务完成' }).waitFor();
    await checkPage(page, 'provider-accepted');
  } finally {
    await page.close();
  }
  // The resident sees it taken.
  const page2 = await asUser('resident', PHONE);
  try {
    await page2.goto(srv.url + '/matching?tab=mine');
    const card = page2.locator('.mx-card', { hasText: TITLE });
    await card.waitFor();
    assert.equal((await card.getByTestId('need-status').innerText()).trim(), '已接单');
  } finally {
    await page2.close();
  }
  await signOutEverywhere(browser);
});

test('staff post a need on a resident\'s behalf from the resident\'s page', async () => {
  const page = await asUser('community_staff', PHONE);
  try {
    const list = await (await page.request.get(srv.url + '/api/v1/residents?limit=1')).json();
    const r = list.items[0];
    await page.goto(srv.url + '/residents/' + r.id);
    await page.getByTestId('resident-need-new').click();
    await page.waitForURL((u) => u.pathname === '/matching/post' && u.searchParams.get('resident') === r.id);
    await page.getByTestId('need-who').getByText(r.name).waitFor();
    await page.getByTestId('need-skill').click();
    await page.getByRole('option', { name: '助餐送餐', exact: true }).click();
    await page.getByLabel('标题').fill('代登记：每天送午饭');
    await checkPage(page, 'staff-need-on-behalf');
    await page.getByTestId('need-submit').click();
    await page.waitForURL((u) => u.pathname === '/matching' && u.searchParams.get('tab') === 'needs');
    await page.getByTestId('needs-list').getByText('代登记：每天送午饭').waitFor();
    await checkPage(page, 'staff-needs-list');
  } finally {
    await page.close();
  }
  await signOutEverywhere(browser);
});

test('the community\'s secretary changes a matching setting; staff read it', async () => {
  const page = await asUser('community_admin', PHONE);
  try {
    await page.goto(srv.url + '/matching?tab=settings');
    const form = page.getByTestId('match-settings');
    const b = form.getByTestId('setting-B');
    await b.waitFor();
    await checkPage(page, 'secretary-settings');
    const input = b.locator('input');
    await input.fill('3600');
    await input.blur();
    await form.getByTestId('settings-save').click();
    await form.getByText('已保存').waitFor();
    await b.getByText('本级设置').waitFor();
    // Out of range: the field stops at its maximum, never sends it.
    const lam = form.getByTestId('setting-lambda').locator('input');
    await lam.fill('99999999');
    await lam.blur();
    assert.equal(await lam.inputValue(), '1000000');
  } finally {
    await page.close();
  }
  const page2 = await asUser('community_staff', { width: 1280, height: 900 });
  try {
    await page2.goto(srv.url + '/matching?tab=settings');
    const b = page2.getByTestId('setting-B');
    await b.waitFor();
    assert.equal(await b.locator('input').inputValue(), '3600');
    assert.ok(await b.locator('input').isDisabled(), 'read only for staff');
    await checkPage(page2, 'staff-settings-read-only');
  } finally {
    await page2.close();
  }
  await signOutEverywhere(browser);
});
