// What field users trip over, over the demo street (`gongzhi demo`): on a phone (360 and
// 390 px) every tab of 供需对接 is on screen, the one ?tab= opens included; the case
// detail's title sits on the left like other detail pages; the public board says what
// its project count counts (organisations of every kind, not only co-building units),
// and the demo's projects draw on the Party system and social organisations as well as
// co-building units; the demo's under-served grid shows matching's equity boost in a
// recent run's proposal; the demo's Party member finds their Party member points.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo } from '../lib/demo.mjs';
import { launchBrowser, noOverflow, settle } from '../lib/browser.mjs';
import { api } from '../lib/server.mjs';
import { login } from '../api/auth-util.mjs';
import { loginByApi, signOutEverywhere } from './session-util.mjs';

let d, browser;

before(async () => {
  d = await startDemo('gz-field-ui-');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await d?.stop();
});

async function as(role, viewport) {
  const a = d.account(role);
  await signOutEverywhere(browser);
  await loginByApi(browser, d.srv, a.username, a.password);
  const page = await browser.newPage();
  await page.setViewportSize(viewport);
  return page;
}

test('on a phone every tab of 供需对接 is on screen, the one ?tab= opens included', async () => {
  for (const viewport of [{ width: 360, height: 740 }, { width: 390, height: 844 }]) {
    const page = await as('community_admin', viewport);
    try {
      await page.goto(d.srv.url + '/matching?tab=settings');
      await settle(page);
      const tabs = page.getByTestId('matching-tabs').getByRole('tab');
      const names = (await tabs.allInnerTexts()).map((t) => t.trim());
      assert.deepEqual(names, ['需求清单', '匹配派单', '资源清单', '项目清单', '匹配设置'], `${viewport.width}: the secretary's tabs`);
      for (let i = 0; i < names.length; i++) {
        const box = await tabs.nth(i).boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= viewport.width && box.width > 20,
          `${viewport.width} px: tab ${names[i]} on screen (${JSON.stringify(box)})`);
        assert.ok(await tabs.nth(i).isVisible(), `${names[i]} visible`);
      }
      const active = page.getByTestId('matching-tabs').getByRole('tab', { selected: true });
      assert.equal((await active.innerText()).trim(), '匹配设置');
      await noOverflow(page, `/matching?tab=settings at ${viewport.width} px`);
      // Another tab by a tap: all are reachable.
      await tabs.nth(2).click();
      await page.waitForURL(/tab=offers/);
    } finally {
      await page.close();
    }
  }
});

test('the case detail title sits on the left, as on other detail pages', async () => {
  const s = await login(d.srv, d.account('community_admin').username, d.account('community_admin').password);
  const list = await api(d.srv, 'GET', '/api/v1/cases?limit=1', undefined, s.cookieHeaders);
  assert.equal(list.status, 200);
  const page = await as('community_admin', { width: 1440, height: 900 });
  try {
    await page.goto(`${d.srv.url}/cases/${list.body.items[0].id}`);
    await page.getByTestId('case-detail').waitFor();
    const title = await page.getByRole('heading', { name: '诉求详情' }).boundingBox();
    const card = await page.getByTestId('case-detail').boundingBox();
    assert.ok(Math.abs(title.x - card.x) < 4, `title at the card's left edge (${title.x} vs ${card.x})`);
  } finally {
    await page.close();
  }
});

test('the board says what its project count counts; projects draw on several sources', async () => {
  const community = d.account('community_admin').scope;
  await signOutEverywhere(browser);
  const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
  try {
    await page.goto(`${d.srv.url}/board?community=${community}`);
    await page.locator('[data-testid="board"][data-loaded="true"]').waitFor();
    const proj = await page.getByTestId('board-projects').innerText();
    assert.match(proj, /社区长者食堂升级[\s\S]*3 个组织认领 \d+\.\d\d 元/);
    assert.ok(!proj.includes('共建单位认领'), 'no count of all organisations called co-building units');
    await noOverflow(page, 'board at 360 px');
  } finally {
    await page.close();
  }
  // The small and big cycles over the last year: project resources from the Party
  // system, co-building units and social organisations alike.
  const s = await login(d.srv, d.account('street_supervisor').username, d.account('street_supervisor').password);
  const r = await api(d.srv, 'GET', `/api/v1/sharing/cycles?node=${d.demo.street_code}`, undefined, s.cookieHeaders);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const fen = r.body.total.project_fen;
  for (const k of ['party', 'coop_unit', 'social_org']) assert.ok(fen[k] > 0, `project resources from ${k}: ${JSON.stringify(fen)}`);
  assert.ok(fen.coop_unit < fen.total, 'co-building units are not all of it');
});

test('项目清单 shows who committed to a project, and its milestones', async () => {
  const page = await as('community_admin', { width: 360, height: 740 });
  try {
    await page.goto(d.srv.url + '/matching?tab=projects');
    await settle(page);
    await page.locator('[data-testid^="project-more-"]').first().click();
    const more = page.locator('[data-testid^="project-detail-"]').first();
    await more.getByText('节点').waitFor();
    const text = await more.innerText();
    assert.match(text, /社区党委：/, 'the Party committee');
    assert.match(text, /(协会|社会工作事务所)：/, 'a social organisation');
    assert.match(text, /共建协议/, 'a co-building unit under its agreement');
    await noOverflow(page, '项目清单 at 360 px');
  } finally {
    await page.close();
  }
});

test("the demo's under-served grid gets the equity boost in a recent run", async () => {
  const a = d.account('community_admin');
  const s = await login(d.srv, a.username, a.password);
  const runs = await api(d.srv, 'GET', `/api/v1/matching/runs?community=${a.scope}&limit=3`, undefined, s.cookieHeaders);
  assert.equal(runs.status, 200, JSON.stringify(runs.body));
  let found = null;
  for (const run of runs.body.items) {
    const one = await api(d.srv, 'GET', `/api/v1/matching/runs/${run.id}`, undefined, s.cookieHeaders);
    assert.equal(one.status, 200);
    found = one.body.proposals.find((p) => /所在网格上期服务不足，优先级 \+2/.test(p.reasons.equity || ''));
    if (found) break;
  }
  assert.ok(found, 'a proposal of the last three runs names the boost');
  assert.equal(found.reasons.weight_equity, 2);
  const page = await as('community_admin', { width: 1440, height: 900 });
  try {
    await page.goto(d.srv.url + '/matching?tab=dispatch');
    await settle(page);
    await page.getByText(/所在网格上期服务不足，优先级 \+2/).first().waitFor();
  } finally {
    await page.close();
  }
});

test("the demo's Party member finds their Party member points on a phone", async () => {
  const page = await as('party_member', { width: 360, height: 740 });
  try {
    await page.goto(d.srv.url + '/mobilisation/party/me');
    await settle(page);
    await page.getByRole('heading', { name: '我的党员积分' }).waitFor();
    assert.equal(await page.getByText('你还没有登记为党员').count(), 0);
    await noOverflow(page, '/mobilisation/party/me at 360 px');
    await page.goto(d.srv.url + '/dashboard');
    await settle(page);
    await page.getByTestId('shortcut-/mobilisation').waitFor();
  } finally {
    await page.close();
  }
});

test('the secretary\'s case to-dos on the workbench open the case list already filtered', async () => {
  const page = await as('community_admin', { width: 360, height: 740 });
  try {
    await page.goto(d.srv.url + '/dashboard');
    const accept = page.getByTestId('todo-cases.accept');
    await accept.waitFor();
    const shown = Number((await page.getByTestId('todo-count-cases.accept').innerText()).replace(/\D/g, ''));
    const a = d.account('community_admin');
    const s = await login(d.srv, a.username, a.password);
    const api1 = await api(d.srv, 'GET', '/api/v1/cases?state=reported&limit=100', undefined, s.bearer);
    assert.equal(api1.status, 200);
    assert.equal(shown, api1.body.items.length, 'the count is the reports the list holds');
    await accept.getByRole('link').click();
    await page.waitForURL(/\/cases\?state=reported$/);
    await settle(page);
    const rows = page.getByTestId('case-list').locator('[data-testid^="case-row-"]');
    assert.equal(await rows.count(), Math.min(shown, 30), 'the list opens on the reports to accept');
    for (const t of await rows.allInnerTexts()) assert.match(t, /待受理/);
    await noOverflow(page, '/cases?state=reported at 360 px');
    await page.goto(d.srv.url + '/dashboard');
    await page.getByTestId('todo-cases.overdue').getByRole('link').click();
    await page.waitForURL(/\/cases\?overdue=1$/);
    await settle(page);
    assert.match(await page.getByTestId('case-chip-overdue').getAttribute('class'), /\bon\b/, 'the 超期 chip is on');
  } finally {
    await page.close();
  }
});

test('资源清单 states a fund in yuan and a single venue without a count', async () => {
  const page = await as('community_admin', { width: 390, height: 844 });
  try {
    await page.goto(d.srv.url + '/matching?tab=offers');
    await settle(page);
    await page.getByText('微心愿基金 20,000 元').first().waitFor();
    const text = await page.locator('main').innerText();
    assert.doesNotMatch(text, /（元）|× 20000|会议室（30 人） × 1/);
    await noOverflow(page, '/matching?tab=offers at 390 px');
  } finally {
    await page.close();
  }
});
