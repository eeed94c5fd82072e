// Names, not codes, in the browser (issue 9, "Names, not codes" and "One masking rule"),
// over the demo street: the user menu names the place of each role; 账号管理 chooses a
// grant's place with the place picker (search by name) and shows it by name; the audit
// log reads as sentences and a click on a named object shows only that object's rows; a
// resident sees the staff serving them with work phones; a street's organisation graph
// is summed up by community.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo } from '../lib/demo.mjs';
import { launchBrowser } from '../lib/browser.mjs';
import { api } from '../lib/server.mjs';
import { login } from '../api/auth-util.mjs';
import { loginByApi, signOutEverywhere } from './session-util.mjs';

let d, browser;

before(async () => {
  d = await startDemo('gz-names-e2e-');
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

test('the user menu names the place of each role, the code on hover', async () => {
  const page = await as('resident');
  try {
    await page.goto(d.srv.url + '/dashboard');
    await page.getByTestId('user-menu').click();
    const card = page.getByTestId('user-card');
    await card.waitFor();
    const text = await card.innerText();
    assert.match(text, /居民\s*团结南社区第一网格/);
    assert.doesNotMatch(text, /110105001001001/);
    assert.equal(await card.locator('[title="编码 110105001001001"]').count(), 1);
  } finally {
    await page.close();
  }
});

test('账号管理: a grant\'s place chosen by name with the place picker, shown by name', async () => {
  const page = await as('community_admin');
  try {
    await page.goto(d.srv.url + '/users');
    await page.getByTestId('user-row-gridworker').waitFor();
    const row = page.locator('tr', { has: page.getByTestId('user-row-gridworker') });
    assert.match(await row.innerText(), /网格员 · 团结南社区第一网格/);
    assert.match(await row.innerText(), /13910001\d{3}/, 'the work phone');

    await page.getByTestId('user-create').click();
    const dialog = page.getByTestId('user-create-dialog');
    await dialog.getByLabel('账号').fill('zhao.gw');
    await dialog.getByLabel('姓名').fill('赵网格');
    await dialog.getByLabel('工作电话').fill('139 1000 2002');
    await dialog.getByLabel('初始密码').fill('a long enough password');
    await page.getByTestId('create-role-0').click();
    await page.getByRole('option', { name: '网格员', exact: true }).click();
    // The picker starts at the secretary's community; the tree opens level by level.
    const trigger = dialog.getByTestId('place-picker').first();
    assert.match(await trigger.innerText(), /团结南社区/);
    await trigger.click();
    const picker = page.getByTestId('place-dialog').last();
    await picker.getByTestId('place-node-110105001001').waitFor();
    await picker.locator('.el-tree-node__expand-icon').first().click();
    await picker.getByTestId('place-node-110105001001003').waitFor();
    // Search by any part of the name.
    await picker.getByTestId('place-search').fill('第二网格');
    await picker.getByTestId('place-result-110105001001002').click();
    assert.match(await trigger.innerText(), /团结南社区第二网格/);
    await page.getByTestId('user-create-submit').click();
    await page.getByTestId('user-row-zhao.gw').waitFor();
    const created = page.locator('tr', { has: page.getByTestId('user-row-zhao.gw') });
    assert.match(await created.innerText(), /网格员 · 团结南社区第二网格/);
    assert.match(await created.innerText(), /13910002002/);
  } finally {
    await page.close();
  }
});

test('the audit log reads as sentences; a named object filters the log to it', async () => {
  // 王永飞 (community staff) looks at a resident's phone and ID number.
  const staff = d.account('community_staff');
  const s = await login(d.srv, staff.username, staff.password);
  const list = await api(d.srv, 'GET', '/api/v1/residents?grid=110105001001002&limit=1', undefined, s.bearer);
  const resident = list.body.items[0];
  const r = await api(d.srv, 'GET', `/api/v1/residents/${resident.id}?reveal=phone,id_number`, undefined, s.bearer);
  assert.equal(r.status, 200);

  const page = await as('community_admin');
  try {
    await page.goto(d.srv.url + '/audit');
    const sentence = page.locator('[data-testid^="audit-sentence-"]', { hasText: '查看了' }).first();
    await sentence.waitFor();
    const text = (await sentence.innerText()).replace(/\s+/g, ' ').trim();
    assert.equal(text, `${staff.display_name} 查看了 居民 ${r.body.name} 的 手机号、身份证号`);
    const table = await page.getByTestId('audit-table').innerText();
    assert.doesNotMatch(table, /#\d+/, 'objects by name, not by number');
    assert.match(table, /团结南社区第二网格/, 'the place by name');
    // The object's name: only its rows.
    await sentence.getByRole('button', { name: r.body.name }).click();
    await page.getByTestId('audit-object').waitFor();
    assert.match(await page.getByTestId('audit-object').innerText(), new RegExp(`居民 ${r.body.name}`));
    // Only that object's rows remain: every sentence names it (the demo's year of records
    // by hand may have given the resident rows of their own, a move say).
    await page.waitForFunction((name) => {
      const rows = [...document.querySelectorAll('[data-testid^="audit-sentence-"]')];
      return rows.length >= 1 && rows.every((e) => e.textContent.includes(name));
    }, r.body.name);
    // 原始记录 for whoever needs the raw row.
    await page.locator('details.raw summary').first().click();
    assert.match(await page.locator('details.raw pre').first().innerText(), /"action": "resident.reveal"/);
  } finally {
    await page.close();
  }
});

test('a resident sees the staff serving them (为您服务), with work phones', async () => {
  const page = await as('resident');
  try {
    await page.goto(d.srv.url + '/network');
    const card = page.getByTestId('serving-card');
    await card.waitFor();
    const text = await card.innerText();
    assert.match(text, new RegExp(`${d.account('grid_worker').display_name}\\s*网格员\\s*1391000\\d{4}`));
    assert.match(text, new RegExp(`${d.account('community_staff').display_name}\\s*社区工作者\\s*010-6501\\d{4}`));
    assert.match(text, /网格党支部书记\s*1\d{10}/);
    assert.equal(await card.locator('a[href^="tel:"]').count() >= 3, true);
  } finally {
    await page.close();
  }
});

test('a street\'s organisation graph is summed up by community, and opens one', async () => {
  const page = await as('street_supervisor');
  try {
    await page.goto(d.srv.url + '/network');
    const graph = page.getByTestId('network-graph');
    await graph.waitFor();
    const all = Number(await graph.getAttribute('data-node-count'));
    const drawn = async () =>
      page.evaluate(() => {
        const c = document.querySelector('[data-testid="network-graph"]').__echarts;
        return c ? c.getOption().series[0].data.map((n) => ({ id: n.id, name: n.name })) : [];
      });
    let nodes = [];
    for (let i = 0; i < 50 && !nodes.length; i++) {
      nodes = await drawn();
      if (!nodes.length) await page.waitForTimeout(100);
    }
    assert.ok(all > 60, `the street has ${all} organisations`);
    assert.ok(nodes.length <= 12, `drawn: ${nodes.length}`);
    assert.ok(nodes.some((n) => n.id === 'c110105001001' && n.name === '团结南社区'), JSON.stringify(nodes));
    // 全部组织 draws them all.
    await page.getByTestId('graph-aggregate').click();
    await page.waitForFunction((n) => document.querySelector('[data-testid="network-graph"]').__echarts.getOption().series[0].data.length === n, all);
  } finally {
    await page.close();
    await signOutEverywhere(browser);
  }
});
