// Sharing in the browser (issue 15): the public board opens without a login — on a hall
// screen and on a phone (360 px, no sideways scroll) — with the three rates of the
// scenario; the dashboard (数据大屏) opens for a street supervisor with the grid map
// coloured by per-capita visits, the Lorenz curve, coverage by group and the Gini and
// Theil figures of the scenario computed by hand in tests/api/sharing.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { launchBrowser } from '../lib/browser.mjs';
import { boardData, sharingWorld } from '../api/sharing-util.mjs';
import { C1, G1, G2, C2G1 } from '../api/people-util.mjs';
import { loginByApi, signOutEverywhere } from './session-util.mjs';

let srv, browser;

before(async () => {
  srv = await startServer();
  await sharingWorld(srv, 'e');
  boardData(srv);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

// What a chart drew: the ECharts instance EChart.vue keeps on its div.
const chartOption = (page, testid) =>
  page.locator(`[data-testid="${testid}"] [data-chart], [data-testid="${testid}"]`).first().evaluate((el) => {
    const host = el.__echarts ? el : el.querySelector('*') && [...el.querySelectorAll('*')].find((x) => x.__echarts);
    const opt = host.__echarts.getOption();
    return { series: opt.series.map((s) => ({ type: s.type, data: s.data })) };
  });

test('the public board opens without a login, on a hall screen and on a phone', async () => {
  await signOutEverywhere(browser);
  for (const viewport of [{ width: 1920, height: 1080 }, { width: 360, height: 740 }]) {
    const page = await browser.newPage({ viewport });
    await page.goto(`${srv.url}/board?community=${C1}`);
    await page.locator('[data-testid="board"][data-loaded="true"]').waitFor();
    assert.equal(page.url().includes('/login'), false, 'no login asked');
    assert.equal(await page.title(), '居务公开 · 共治');
    await page.getByRole('heading', { name: /多福巷社区 居务公开/ }).waitFor();
    for (const k of ['response', 'resolution', 'satisfaction']) {
      assert.match(await page.getByTestId(`board-rate-${k}`).innerText(), /50\.0%/);
    }
    assert.match(await page.getByTestId('board-hours').innerText(), /1\.5/);
    assert.equal(await page.getByTestId('board-closed').locator('li').count(), 2);
    const trend = await chartOption(page, 'board-trend');
    assert.equal(trend.series.length, 3);
    assert.equal(trend.series[0].data.length, 6);
    assert.equal(trend.series[0].data[5], 50);
    // Deliberation and projects: the vote's result, the publicity notice, the project's progress.
    assert.match(await page.getByTestId('board-votes').innerText(), /3号楼加装电梯[\s\S]*通过[\s\S]*应参加不足 5 业主，不公布票数/);
    assert.match(await page.getByTestId('board-publicity').innerText(), /公示：3号楼加装电梯[\s\S]*公示至/);
    const proj = await page.getByTestId('board-projects').innerText();
    assert.match(proj, /楼道照明改造[\s\S]*实施中[\s\S]*节点 1\/2 · 预算 1200\.00 元 · 1 个组织认领 500\.00 元/);
    assert.equal(await page.getByTestId('board-projects').getByRole('progressbar').getAttribute('aria-valuenow'), '50');
    const body = await page.locator('body').innerText();
    assert.ok(!body.includes('欧阳娜娜') && !body.includes('3-2-102') && !body.includes('王大锤'), 'nothing personal');
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(wide <= 0, `no sideways scroll at ${viewport.width} px (${wide})`);
    await page.close();
  }
});

test('the dashboard for a street supervisor: the map, the charts and the figures', async () => {
  await loginByApi(browser, srv, 'e-street-supervisor', 'e-street-supervisor-password');
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`${srv.url}/sharing`);
  await page.locator('[data-testid="sharing-dashboard"][data-loaded="true"]').waitFor();
  await page.getByTestId('dash-map').waitFor();
  assert.match(await page.getByTestId('dash-gini').innerText(), /0\.4286/);
  assert.match(await page.getByTestId('dash-theil').innerText(), /0\.462730[\s\S]*0\.165666[\s\S]*0\.297064/);
  assert.match(await page.getByTestId('dash-residents').innerText(), /17/);
  assert.match(await page.getByTestId('dash-visits').innerText(), /7/);
  assert.match(await page.getByTestId('dash-hours').innerText(), /1\.5/);
  const map = await chartOption(page, 'dash-map');
  assert.equal(map.series[0].type, 'map');
  // Grids nobody lives in have no value (ECharts lists them with none).
  const byGrid = Object.fromEntries(map.series[0].data.filter((d) => d.value !== undefined && d.value !== null).map((d) => [d.name, d.value]));
  assert.deepEqual(byGrid, { [G1]: 0.5, [G2]: 0, [C2G1]: 0.8 });
  const lorenz = await chartOption(page, 'dash-lorenz');
  assert.deepEqual(lorenz.series[0].data, [[0, 0], [35.29, 0], [70.59, 42.86], [100, 100]]);
  const cov = await chartOption(page, 'dash-coverage');
  assert.deepEqual(cov.series[0].data, [50], '独居老人 50.0%; 高龄 (3 people) suppressed');
  // The per-grid table: G1's 2 cases are under 5, so no satisfaction or medians.
  const g1 = await page.getByTestId('dash-grid-table').locator(`tr[data-code="${G1}"]`).innerText();
  assert.match(g1, /第一网格\s+6\s+0\.500\s+15\.000\s+2\s+—\s+—\s+—/);
  // The per-group table: 独居老人 6 people, 50.0% covered, 0.500 visits each, no need met.
  const alone = await page.getByTestId('dash-group-table').locator('tr[data-tag="living_alone"]').innerText();
  assert.match(alone, /独居老人\s+6\s+50\.0%\s+0\.500\s+0\s+0\.000/);
  assert.match(await page.getByTestId('dash-group-table').locator('tr[data-tag="elderly_80"]').innerText(), /不足 5 人/);
  // The small and big cycles: 90 minutes by a volunteer, no need met, 500 元 from a
  // co-building unit — as shares by source (党组织体系, 共建单位, 社会组织, 居民志愿者, 其他).
  const cy = await chartOption(page, 'dash-cycles');
  assert.deepEqual(cy.series.map((x) => x.data), [[0, 0, 0], [0, 0, 100], [0, 0, 0], [100, 0, 0], [0, 0, 0]]);
  assert.match(await page.getByTestId('dash-party-share').innerText(), /服务时长 0\.0%，需求办结 —，项目资源 0\.0%/);
  // Its text alternative: the map's data table.
  await page.getByTestId('dash-map').locator('..').getByRole('button', { name: '数据表' }).first().click();
  await page.getByText('第一网格').first().waitFor();
  // On a phone the dashboard does not scroll sideways.
  await page.setViewportSize({ width: 360, height: 740 });
  await page.waitForTimeout(500);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(wide <= 0, `the dashboard fits 360 px (${wide})`);
  await page.setViewportSize({ width: 1440, height: 900 });
  // The monthly report, printable.
  await page.getByTestId('dash-report').click();
  await page.getByRole('heading', { name: /东华门街道 \d{4}-\d{2} 月度治理报告/ }).waitFor();
  assert.match(await page.getByTestId('sharing-report').innerText(), /居民\s*17 人/);
  await page.close();
});
