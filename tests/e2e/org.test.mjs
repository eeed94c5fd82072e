// The organisation network in the browser (docs/ORG.md). An administrator sets up, through
// the API, the Party line 街道党工委 → 社区党委 → 网格党支部, a property company sharing the
// secretary (交叉任职), a 共建单位 with an agreement in force and Party members with
// 双报到. The community secretary then opens 组织网络: the tree shows the line (the branch
// under the committee, the street committee named above it), the committee's detail
// lists members with 职务 and masked phones, the ECharts graph holds the organisations
// and the edges of every kind (one kind can be hidden), clicking a node opens its
// detail, and the figures show reports per grid, grids without a branch or a reported
// member, and the unit's commitments. 党员名册 lists the members with filters; a
// resident of the grid sees the same roster with masked names.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { launchBrowser } from '../lib/browser.mjs';
import { adminSession, makeUser } from '../api/auth-util.mjs';
import { loginByApi, navTitles, signOutEverywhere } from './session-util.mjs';

const STREET = '110101001';
const C1 = '110101001001';
const G1 = C1 + '001';
const G2 = C1 + '002';
const G3 = C1 + '003';
const sq = (x0, y0, x1, y1) => [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]];
const shot = (page, name) => process.env.GZ_SHOT_DIR && page.screenshot({ path: `${process.env.GZ_SHOT_DIR}/${name}.png` });

let srv, browser, admin, secretary, resident;
const ids = {};

before(async () => {
  srv = await startServer();
  admin = await adminSession(srv);
  const post = async (path, body) => {
    const r = await api(srv, 'POST', path, body, admin.bearer);
    assert.ok(r.status === 201 || r.status === 200, `${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  await post('/api/v1/streets', { code: STREET, name: '东华门街道' });
  await post('/api/v1/communities', { code: C1, name: '多福巷社区' });
  await post('/api/v1/grids/import', {
    type: 'FeatureCollection',
    features: [
      [G1, '多福巷第一网格', 116.400], [G2, '多福巷第二网格', 116.402], [G3, '多福巷第三网格', 116.404],
    ].map(([code, name, x]) => ({
      type: 'Feature', properties: { code, name }, geometry: { type: 'Polygon', coordinates: sq(x, 39.9, x + 0.002, 39.902) },
    })),
  });

  const org = (body) => post('/api/v1/organisations', body);
  ids.street = (await org({ type: '街道党工委', name: '东华门街道党工委', space_code: STREET })).id;
  ids.comm = (await org({ type: '社区党委', name: '多福巷社区党委', space_code: C1, parent_id: ids.street })).id;
  ids.branch = (await org({ type: '网格党支部', name: '第一网格党支部', space_code: G1, parent_id: ids.comm })).id;
  ids.prop = (await org({ type: '物业服务企业', name: '红星物业', space_code: C1 })).id;
  ids.unit = (await org({ type: '共建单位', name: '区人民医院', space_code: C1 })).id;

  await post(`/api/v1/organisations/${ids.comm}/members`, { name: '张书记', position: '书记', is_contact: true, phone: '13812345678' });
  await post(`/api/v1/organisations/${ids.comm}/members`, { name: '李委员', position: '组织委员' });
  await post(`/api/v1/organisations/${ids.prop}/members`, { name: '张书记', position: '党支部书记', phone: '13812345678' });
  await post('/api/v1/coop-agreements', {
    unit_org_id: ids.unit, community_code: C1, title: '医院-多福巷共建协议',
    start_at: '2025-01-01T00:00:00Z', end_at: '2099-12-31T00:00:00Z',
    commitments: [{ item: '志愿服务', quantity: 120, unit: '小时' }, { item: '义诊', quantity: 4, unit: '次' }],
  });
  await post('/api/v1/party-members', {
    name: '刘医生', party_org_id: ids.unit, employer_org_id: ids.unit,
    reported_community_code: C1, reported_grid_code: G1, post_type: 'health',
  });
  await post('/api/v1/party-members', { name: '陈大爷', party_org_id: ids.branch, reported_grid_code: G1, post_type: '治安巡逻' });
  await post('/api/v1/party-members', { name: '吴同志', party_org_id: ids.branch });

  secretary = await makeUser(srv, admin, 'dfx.secretary', [['community_admin', C1]]);
  resident = await makeUser(srv, admin, 'dfx.resident', [['resident', G1]]);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

// What the graph's ECharts instance holds: node ids and names, links by kind, and
// each node's position on the page.
async function graphState(page) {
  return page.evaluate(() => {
    const el = document.querySelector('[data-testid="network-graph"]');
    const chart = el && el.__echarts;
    if (!chart) return null;
    const opt = chart.getOption();
    const s = opt.series[0];
    const data = chart.getModel().getSeriesByIndex(0).getData();
    const rect = el.getBoundingClientRect();
    const at = {};
    for (let i = 0; i < data.count(); i++) {
      const p = chart.convertToPixel({ seriesIndex: 0 }, data.getItemLayout(i));
      if (p) at[data.getId(i)] = { x: rect.left + p[0], y: rect.top + p[1] };
    }
    return {
      type: s.type, layout: s.layout,
      categories: s.categories.map((c) => c.name),
      nodes: s.data.map((d) => ({ id: d.id, name: d.name, category: d.category })),
      links: s.links.map((l) => ({ source: l.source, target: l.target, kind: l.kind })),
      at,
    };
  });
}

async function waitGraph(page, pred = (st) => st && st.nodes.length) {
  let st = null;
  for (let i = 0; i < 100; i++) {
    st = await graphState(page);
    if (pred(st)) return st;
    await page.waitForTimeout(100);
  }
  assert.fail('graph never reached the expected state: ' + JSON.stringify(st));
}

test('the community secretary sees the tree, the detail, the graph and the figures', async () => {
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, secretary.username, secretary.password);
  const page = await browser.newPage();
  await page.setViewportSize({ width: 1280, height: 1600 });
  await page.goto(srv.url + '/dashboard');
  const titles = await navTitles(page);
  assert.ok(titles.includes('组织网络') && titles.includes('党员名册'), titles.join(','));
  await page.getByTestId('nav-network').click();
  await page.waitForURL(/\/network$/);

  // The tree: the community's 社区党委 is a root, its street committee named above it,
  // the grid branch hangs under it; the property company and the unit are roots.
  const tree = page.getByTestId('org-tree');
  const commNode = page.getByTestId('org-node-' + ids.comm);
  await commNode.waitFor();
  assert.match(await commNode.innerText(), /社区党委\s*多福巷社区党委\s*上级：东华门街道党工委/);
  const branchParent = await page.evaluate((id) => {
    const el = document.querySelector(`[data-testid="org-node-${id}"]`);
    const parentNode = el.closest('.el-tree-node').parentElement.closest('.el-tree-node');
    return parentNode && parentNode.querySelector(':scope > .el-tree-node__content [data-testid]').getAttribute('data-testid');
  }, ids.branch);
  assert.equal(branchParent, 'org-node-' + ids.comm, 'the branch is a child of the committee');
  assert.match(await page.getByTestId('org-node-' + ids.branch).innerText(), /网格党支部\s*第一网格党支部/);
  const treeText = await tree.innerText();
  assert.match(treeText, /红星物业/);
  assert.match(treeText, /区人民医院/);
  assert.equal(await page.getByTestId('org-node-' + ids.street).count(), 0, 'the street committee lies outside the node');

  // The committee's detail: members with 职务, contacts, phones masked.
  await commNode.click();
  const detail = page.getByTestId('org-detail');
  await page.getByTestId('org-detail-name').waitFor();
  assert.equal(await detail.getAttribute('data-id'), ids.comm);
  assert.equal(await page.getByTestId('org-detail-name').innerText(), '多福巷社区党委');
  const members = await page.getByTestId('org-members').innerText();
  assert.match(members, /张书记\s+书记\s+138\*\*\*\*5678/);
  assert.match(members, /李委员\s+组织委员/);
  assert.match(await page.getByTestId('org-contacts').innerText(), /张书记（书记）\s*138\*\*\*\*5678/);
  assert.match(await detail.innerText(), /东华门街道党工委/, 'the parent is named');
  assert.doesNotMatch(await page.locator('body').innerText(), /13812345678/, 'no full phone anywhere');

  // The graph: every organisation of the community plus the street committee above it
  // (external), and edges of all four kinds.
  await page.getByTestId('network-graph').waitFor();
  let st = await waitGraph(page);
  assert.equal(st.type, 'graph');
  assert.equal(st.layout, 'force');
  const nodeIds = st.nodes.map((n) => n.id).sort();
  assert.deepEqual(nodeIds, ['o' + ids.street, 'o' + ids.comm, 'o' + ids.branch, 'o' + ids.prop, 'o' + ids.unit].sort());
  const cat = (id) => st.categories[st.nodes.find((n) => n.id === 'o' + id).category];
  assert.equal(cat(ids.comm), '社区党委');
  assert.equal(cat(ids.unit), '共建单位');
  const has = (kind, s, t) => st.links.some((l) => l.kind === kind && l.source === 'o' + s && l.target === 'o' + t);
  assert.ok(has('vertical', ids.branch, ids.comm), 'branch → committee');
  assert.ok(has('vertical', ids.comm, ids.street), 'committee → street committee');
  assert.ok(has('horizontal', ids.unit, ids.comm), 'the agreement');
  assert.ok(st.links.some((l) => l.kind === 'membership'), '交叉任职 committee ↔ property company');
  assert.ok(has('dual_report', ids.unit, ids.comm), 'the doctor reported to the community');
  const kinds = await page.getByTestId('edge-kinds').innerText();
  for (const k of ['纵向', '横向', '成员', '双报到']) assert.match(kinds, new RegExp(k));
  // The canvas drew something.
  const drawn = await page.evaluate(() => {
    const c = document.querySelector('[data-testid="network-graph"] canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && !(d[i] > 250 && d[i + 1] > 250 && d[i + 2] > 250)) n++;
    return n;
  });
  assert.ok(drawn > 500, `pixels drawn: ${drawn}`);
  await page.waitForTimeout(1500); // let the force layout settle before the screenshot
  await shot(page, 'org-network');

  // Hiding 双报到 takes those edges off the graph.
  await page.getByTestId('edge-kind-dual_report').click();
  st = await waitGraph(page, (s) => s && !s.links.some((l) => l.kind === 'dual_report'));
  assert.ok(st.links.some((l) => l.kind === 'vertical'), 'the other kinds stay');

  // Clicking the unit's node on the graph opens its detail.
  for (let i = 0; i < 5; i++) {
    st = await graphState(page);
    const p = st.at['o' + ids.unit];
    await page.mouse.click(p.x, p.y);
    try {
      await page.waitForFunction((id) => document.querySelector('[data-testid="org-detail"]')?.getAttribute('data-id') === id, ids.unit, { timeout: 1000 });
      break;
    } catch { /* the layout moved the node: try again */ }
  }
  await page.getByTestId('org-detail-name').waitFor();
  assert.equal(await page.getByTestId('org-detail-name').innerText(), '区人民医院');

  // Figures: reports per grid, grids without a branch / a reported member, the unit.
  const figures = page.getByTestId('network-figures');
  const reported = await page.getByTestId('fig-reported').innerText();
  assert.match(reported, /多福巷第一网格\s*多福巷社区\s*2\b/, "by name (the code on hover)");
  assert.doesNotMatch(reported, /110101001001001/);
  assert.match(reported, /健康医疗/);
  assert.match(reported, /治安巡逻/);
  assert.match(reported, /多福巷第二网格[\s\S]*未建/);
  await figures.getByRole('tab', { name: /无党支部网格（2）/ }).click();
  const noBranch = await page.getByTestId('fig-no-branch').innerText();
  assert.match(noBranch, /多福巷第二网格/);
  assert.match(noBranch, /多福巷第三网格/);
  assert.doesNotMatch(noBranch, /多福巷第一网格/);
  await figures.getByRole('tab', { name: /无报到党员网格（2）/ }).click();
  assert.match(await page.getByTestId('fig-no-member').innerText(), /多福巷第二网格[\s\S]*多福巷第三网格/);
  await figures.getByRole('tab', { name: '共建单位及承诺' }).click();
  const coop = await page.getByTestId('fig-coop').innerText();
  assert.match(coop, /多福巷社区/);
  assert.match(coop, /共建协议 1 份（履行中 1 份）/);
  assert.match(coop, /区人民医院/);
  assert.match(coop, /志愿服务 120 小时/);
  assert.match(coop, /义诊 4 次/);
  await figures.getByRole('tab', { name: /交叉任职（1）/ }).click();
  assert.match(await page.getByTestId('fig-cross').innerText(), /张书记\s+138\*\*\*\*5678[\s\S]*多福巷社区党委[\s\S]*红星物业/);
  await shot(page, 'org-figures');
  await page.close();
});

test('党员名册: the secretary sees names and filters; a resident sees masked names', async () => {
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, secretary.username, secretary.password);
  const page = await browser.newPage();
  await page.goto(srv.url + '/party-members');
  const table = page.getByTestId('party-table');
  await table.getByText('刘医生').waitFor();
  let text = await table.innerText();
  assert.match(text, /刘医生\s+区人民医院\s*（共建单位）\s+区人民医院\s+已报到\s+多福巷社区\s+多福巷第一网格\s+健康医疗/);
  assert.match(text, /陈大爷[\s\S]*治安巡逻/);
  assert.match(text, /吴同志\s+第一网格党支部\s*（网格党支部）[\s\S]*未报到/);
  assert.equal(await page.getByTestId('party-masked-note').count(), 0);

  // Only those not reported.
  await page.getByTestId('party-reported').getByText('未报到').click();
  await page.waitForFunction(() => !document.querySelector('[data-testid="party-table"]').innerText.includes('刘医生'));
  text = await table.innerText();
  assert.match(text, /吴同志/);
  assert.doesNotMatch(text, /陈大爷/);
  // Reported, post type 治安巡逻.
  await page.getByTestId('party-reported').getByText('已报到').click();
  await page.getByTestId('party-post-type').click();
  await page.getByRole('option', { name: '治安巡逻', exact: true }).click();
  await page.waitForFunction(() => {
    const t = document.querySelector('[data-testid="party-table"]').innerText;
    return t.includes('陈大爷') && !t.includes('刘医生') && !t.includes('吴同志');
  });
  await shot(page, 'org-roster');
  await page.close();

  // A resident of grid 001 may read the place only: the members serving it, masked.
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, resident.username, resident.password);
  const rp = await browser.newPage();
  await rp.goto(srv.url + '/party-members');
  await rp.getByTestId('party-masked-note').waitFor();
  const rtext = await rp.getByTestId('party-table').innerText();
  assert.match(rtext, /刘\*\*/);
  assert.doesNotMatch(rtext, /刘医生|陈大爷/);
  const titles = await navTitles(rp);
  assert.ok(!titles.includes('居民与房屋') && !titles.includes('数据导入'), titles.join(','));
  await shot(rp, 'org-roster-resident');
  await rp.close();
});
