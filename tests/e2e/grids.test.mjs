// Signing in, what each role is shown, and the grid map: a grid worker of grid A logs
// in through the form, sees grid A — and not grid B of the same community — on the
// ECharts map and in the list, opens A's details by clicking it on the map, and logs
// out through the user menu. Also: wrong password and too many attempts in Chinese,
// the redirect back after login, a 401 while using the app, role-dependent
// navigation, the audit log and account management pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { launchBrowser } from '../lib/browser.mjs';
import { adminSession, makeUser, DEFAULT_PASSWORD } from '../api/auth-util.mjs';
import { fillLoginForm, loginByApi, loginThroughForm, navTitles, signOutEverywhere } from './session-util.mjs';

const STREET = '110105001';
const COMMUNITY = '110105001001';
const GRID_A = '110105001001001';
const GRID_B = '110105001001002';
const sq = (x0, y0, x1, y1) => [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]];
// Two neighbouring squares (sharing an edge) in Chaoyang, Beijing.
const A_BOX = [116.45, 39.92, 116.452, 39.922];
const B_BOX = [116.452, 39.92, 116.454, 39.922];

let srv, browser, admin, worker, resident, communityAdmin;

before(async () => {
  srv = await startServer();
  admin = await adminSession(srv);
  const w = (method, path, body) => api(srv, method, path, body, admin.bearer);

  let r = await w('POST', '/api/v1/streets', { code: STREET, name: '测试街道' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  r = await w('POST', '/api/v1/communities', { code: COMMUNITY, name: '光华里社区' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  r = await w('POST', '/api/v1/grids/import', {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: { code: GRID_A, name: '光华里第一网格' }, geometry: { type: 'Polygon', coordinates: sq(...A_BOX) } },
      { type: 'Feature', properties: { code: GRID_B, name: '光华里第二网格' }, geometry: { type: 'Polygon', coordinates: sq(...B_BOX) } },
    ],
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.created, 2);

  r = await w('POST', '/api/v1/users', {
    username: 'zhang.gw', display_name: '张网格', password: DEFAULT_PASSWORD,
    grants: [{ role: 'grid_worker', scope: GRID_A }],
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  worker = { username: 'zhang.gw', password: DEFAULT_PASSWORD, display_name: '张网格' };
  resident = await makeUser(srv, admin, 'li.resident', [['resident', COMMUNITY]]);
  communityAdmin = await makeUser(srv, admin, 'zhao.admin', [['community_admin', COMMUNITY]]);

  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

// What the ECharts instance on the map div drew: series data names, the regions of
// the registered map, and a pixel (page coordinates) inside each region's box.
async function mapState(page) {
  return page.evaluate(({ a, b }) => {
    const el = document.querySelector('[data-testid="grid-map"]');
    const chart = el && el.__echarts;
    if (!chart) return null;
    const series = chart.getOption().series[0];
    const regions = chart.getModel().getSeriesByIndex(0).coordinateSystem.regions.map((r) => r.name);
    const rect = el.getBoundingClientRect();
    const at = ([x0, y0, x1, y1]) => {
      const p = chart.convertToPixel({ seriesIndex: 0 }, [(x0 + x1) / 2, (y0 + y1) / 2]);
      return { x: rect.left + p[0], y: rect.top + p[1], localX: p[0], localY: p[1] };
    };
    // The canvas pixel at A's centre: something was drawn there (not the white background).
    const canvas = el.querySelector('canvas');
    const pa = at(a);
    const dpr = canvas.width / canvas.clientWidth;
    const px = canvas.getContext('2d').getImageData(Math.round(pa.localX * dpr), Math.round(pa.localY * dpr), 1, 1).data;
    return {
      type: series.type, map: series.map, data: series.data.map((d) => d.name), regions,
      a: pa, b: at(b), pixelA: Array.from(px),
    };
  }, { a: A_BOX, b: B_BOX });
}

test('a grid worker logs in, sees only grid A on the map, opens its details and logs out', async () => {
  await signOutEverywhere(browser);
  const page = await browser.newPage();

  // Not signed in: the map sends the person to the login page, keeping where they were going.
  await page.goto(srv.url + '/grids');
  await page.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('redirect') === '/grids');
  const form = page.getByTestId('login-form');
  assert.match(await form.innerText(), /账号[\s\S]*密码/);
  await fillLoginForm(page, worker.username, worker.password);
  await page.waitForURL((u) => u.pathname === '/grids');

  // Header: name and role label from the API.
  const menu = page.getByTestId('user-menu');
  await menu.waitFor();
  const menuText = await menu.innerText();
  assert.match(menuText, /张网格/);
  assert.match(menuText, /网格员/);

  // Navigation: the map, not the audit log or account management.
  const titles = await navTitles(page);
  assert.ok(titles.includes('网格地图'), titles.join(','));
  assert.ok(!titles.includes('审计日志'), titles.join(','));
  assert.ok(!titles.includes('账号管理'), titles.join(','));

  // The list: A, not B.
  await page.getByTestId('grid-row-' + GRID_A).waitFor();
  assert.equal(await page.getByTestId('grid-row-' + GRID_B).count(), 0);
  const table = await page.getByTestId('grid-table').innerText();
  assert.match(table, /光华里第一网格/);
  assert.match(table, /光华里社区/, 'the community is named even though a grid worker cannot list communities');
  assert.doesNotMatch(table, /光华里第二网格/);

  // The map: the ECharts map series drew exactly grid A.
  await page.getByTestId('grid-map').waitFor();
  let state = null;
  for (let i = 0; i < 50 && !(state && state.regions.length); i++) {
    state = await mapState(page);
    if (!(state && state.regions.length)) await page.waitForTimeout(100);
  }
  assert.ok(state, 'an ECharts instance on the map div');
  assert.equal(state.type, 'map');
  assert.deepEqual(state.data, [GRID_A]);
  assert.deepEqual(state.regions, [GRID_A]);
  const [r, g, b, alpha] = state.pixelA;
  assert.ok(alpha > 0 && !(r > 250 && g > 250 && b > 250), `grid A is filled on the canvas: rgba(${state.pixelA})`);

  // Hover: name / code in the tooltip.
  await page.mouse.move(state.a.x, state.a.y);
  const tooltip = page.locator('[data-testid="grid-map"] div', { hasText: GRID_A }).last();
  await tooltip.waitFor();
  assert.match(await tooltip.innerText(), /光华里第一网格\s*\/\s*110105001001001/);

  // Click A on the map: its details.
  await page.mouse.click(state.a.x, state.a.y);
  const detail = page.getByTestId('grid-detail');
  await page.getByTestId('grid-detail-name').waitFor();
  const detailText = await detail.innerText();
  assert.match(detailText, /光华里第一网格/);
  assert.match(detailText, new RegExp(GRID_A));
  assert.match(detailText, /光华里社区/);
  assert.match(detailText, /测试街道/);
  assert.match(await page.getByTestId('grid-detail-area').innerText(), /^[\d,]+\.\d{2} 平方米$/);
  assert.match(await page.getByTestId('grid-detail-buildings').innerText(), /0 栋/);
  if (process.env.GZ_SHOT_DIR) await page.screenshot({ path: `${process.env.GZ_SHOT_DIR}/grid-worker-map.png` });

  // Clicking where B would be shows nothing new: B is not on this map.
  await page.mouse.click(state.b.x, state.b.y);
  await page.waitForTimeout(300);
  assert.equal(await page.getByTestId('grid-detail').getAttribute('data-code'), GRID_A);

  // Log out through the user menu.
  await menu.click();
  await page.getByTestId('logout').click();
  await page.waitForURL((u) => u.pathname === '/login');
  const me = await page.evaluate(() => fetch('/api/v1/me').then((res) => res.status));
  assert.equal(me, 401, 'the session is over');
  const cookies = await browser.context.cookies(srv.url);
  assert.ok(!cookies.some((c) => c.name === 'gz_session' && c.value), 'the session cookie is cleared');

  // Afterwards the map is closed again.
  await page.goto(srv.url + '/grids');
  await page.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('redirect') === '/grids');
  await page.close();
});

test('a system admin sees both grids and selects one from the list', async () => {
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, 'admin', DEFAULT_PASSWORD);
  const page = await browser.newPage();
  await page.goto(srv.url + '/grids');
  await page.getByTestId('grid-row-' + GRID_A).waitFor();
  await page.getByTestId('grid-row-' + GRID_B).waitFor();
  let state = null;
  for (let i = 0; i < 50 && !(state && state.regions.length); i++) {
    state = await mapState(page);
    if (!(state && state.regions.length)) await page.waitForTimeout(100);
  }
  assert.deepEqual([...state.regions].sort(), [GRID_A, GRID_B]);
  await page.getByTestId('grid-row-' + GRID_B).click();
  await page.getByTestId('grid-detail-name').waitFor();
  assert.equal(await page.getByTestId('grid-detail-name').innerText(), '光华里第二网格');
  await page.close();
});

test('a wrong password shows the Chinese error and stays on the login page', async () => {
  await signOutEverywhere(browser);
  const page = await browser.newPage();
  await page.goto(srv.url + '/login');

  // Empty form: the form itself asks.
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByText('请输入账号').waitFor();

  await fillLoginForm(page, resident.username, 'not the password');
  const err = page.getByTestId('login-error');
  await err.waitFor();
  assert.match(await err.innerText(), /用户名或密码错误/);
  assert.equal(new URL(page.url()).pathname, '/login');
  await page.close();
});

test('too many attempts shows the wait from Retry-After in Chinese', async () => {
  await signOutEverywhere(browser);
  const page = await browser.newPage();
  // Answer as the server does over the limit, without locking a real account.
  await page.route('**/api/v1/session', (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    return route.fulfill({
      status: 429, contentType: 'application/json', headers: { 'Retry-After': '42' },
      body: JSON.stringify({ error: { code: 'too_many_attempts', message: '登录失败次数过多，请 42 秒后再试', fields: {} } }),
    });
  });
  await page.goto(srv.url + '/login');
  await fillLoginForm(page, resident.username, resident.password);
  const err = page.getByTestId('login-error');
  await err.waitFor();
  assert.match(await err.innerText(), /尝试次数过多，请 4[12] 秒后再试/);
  assert.ok(await page.getByRole('button', { name: '登录' }).isDisabled(), 'the button waits too');
  await page.close();
});

test('a resident has no audit log or account management; a community admin has both', async () => {
  await signOutEverywhere(browser);
  const page = await browser.newPage();
  await loginThroughForm(page, srv, resident.username, resident.password);
  await page.waitForURL(/\/dashboard$/);
  let titles = await navTitles(page);
  assert.ok(titles.includes('网格地图'), titles.join(','));
  assert.ok(!titles.includes('审计日志'), titles.join(','));
  assert.ok(!titles.includes('账号管理'), titles.join(','));
  assert.match(await page.getByTestId('user-menu').innerText(), /居民/);
  // Typing the address does not help.
  await page.goto(srv.url + '/audit');
  await page.getByTestId('forbidden').waitFor();
  await page.getByTestId('user-menu').click();
  await page.getByTestId('logout').click();
  await page.waitForURL((u) => u.pathname === '/login');

  await loginThroughForm(page, srv, communityAdmin.username, communityAdmin.password);
  titles = await navTitles(page);
  assert.ok(titles.includes('审计日志'), titles.join(','));
  assert.ok(titles.includes('账号管理'), titles.join(','));
  assert.match(await page.getByTestId('user-menu').innerText(), /社区书记/);

  // The audit log: the community's trail (the accounts created in it), newest first.
  await page.getByTestId('nav-audit').click();
  await page.waitForURL(/\/audit$/);
  const table = page.getByTestId('audit-table');
  // Rows read as sentences: who did what to which record, places by name.
  await table.getByText('新建了').first().waitFor();
  let text = await table.innerText();
  assert.match(text, /账号 admin 新建了 账号 zhao\.admin/);
  assert.match(text, /导入了 2 条网格记录/, 'the import touched only this community: recorded there');
  assert.match(text, /光华里社区/, 'the scope by name');
  assert.doesNotMatch(text, /社区 110105001001/, 'no codes where names are known');
  // Times in Beijing time: YYYY-MM-DD HH:mm:ss.
  assert.match(text, /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
  // Filter by action.
  await page.getByTestId('audit-action').click();
  await page.getByRole('option', { name: /^登录（session\.login）$/ }).click();
  await page.getByTestId('audit-search').click();
  await table.getByText('登录了系统').first().waitFor();
  await page.waitForFunction(() => !document.querySelector('[data-testid="audit-table"]').innerText.includes('新建了'));
  text = await table.innerText();
  assert.match(text, /账号 zhao\.admin 登录了系统/);
  assert.match(text, /账号 li\.resident 登录了系统/);
  // The system administrator's logins are whole-system rows: not the community's trail.
  assert.doesNotMatch(text, /账号 admin 登录/);
  await page.close();
});

test('a community admin creates an account in the community (cookie session + CSRF)', async () => {
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, communityAdmin.username, communityAdmin.password);
  const page = await browser.newPage();
  await page.goto(srv.url + '/users');
  await page.getByTestId('user-row-zhang.gw').waitFor();
  await page.getByTestId('user-create').click();
  const dialog = page.getByTestId('user-create-dialog');
  await dialog.getByLabel('账号').fill('qian.volunteer');
  await dialog.getByLabel('姓名').fill('钱志愿');
  await dialog.getByLabel('初始密码').fill('a long enough password');
  await page.getByTestId('create-role-0').click();
  await page.getByRole('option', { name: '志愿者', exact: true }).click();
  await page.getByTestId('user-create-submit').click();
  await page.getByTestId('user-row-qian.volunteer').waitFor();
  const row = page.locator('tr', { has: page.getByTestId('user-row-qian.volunteer') });
  assert.match(await row.innerText(), /志愿者 · 光华里社区/);

  // The new account can sign in.
  const r = await api(srv, 'POST', '/api/v1/session', { username: 'qian.volunteer', password: 'a long enough password' });
  assert.equal(r.status, 201);
  assert.deepEqual(r.body.user.roles.map((g) => [g.role, g.scope]), [['volunteer', COMMUNITY]]);

  // Grant a second role, then revoke it.
  await page.getByTestId('user-grant-qian.volunteer').click();
  const grantDialog = page.getByRole('dialog', { name: '授予角色' });
  await grantDialog.waitFor();
  await grantDialog.locator('.el-select').first().click();
  await page.getByRole('option', { name: '党员', exact: true }).click();
  await grantDialog.getByRole('button', { name: '授予' }).click();
  await row.getByText('党员 · 光华里社区').waitFor();
  await row.locator('.el-tag', { hasText: '党员' }).locator('.el-tag__close').click();
  await page.getByRole('dialog', { name: '撤销角色' }).getByRole('button', { name: '撤销' }).click();
  await page.waitForFunction(() => {
    const cell = document.querySelector('[data-testid="user-row-qian.volunteer"]');
    return cell && !cell.closest('tr').innerText.includes('党员');
  });
  const u = await api(srv, 'GET', '/api/v1/users?limit=200', undefined, admin.bearer);
  const q = u.body.items.find((x) => x.username === 'qian.volunteer');
  assert.deepEqual(q.roles.map((g) => [g.role, g.scope]), [['volunteer', COMMUNITY]]);
  await page.close();
});

test('the audit log pages with 加载更多, keeping the filters', async () => {
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, communityAdmin.username, communityAdmin.password);
  const page = await browser.newPage();
  const seen = [];
  const row = (id, action) => ({
    id: String(id), at: '2026-03-01T02:03:04.000Z', user_id: '1', username: 'someone', action,
    record_type: 'user', record_id: '9', scope: COMMUNITY, ip: '127.0.0.1', request_id: 'r', detail: null,
  });
  await page.route('**/api/v1/audit?*', (route) => {
    const u = new URL(route.request().url());
    seen.push(u.searchParams);
    const body = u.searchParams.get('cursor') === 'c7'
      ? { items: [row(6, 'user.grant')], next_cursor: null }
      : { items: [row(7, 'user.create')], next_cursor: 'c7' };
    return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
  });
  await page.goto(srv.url + '/audit');
  await page.getByTestId('audit-row-7').waitFor();
  // 2026-03-01T02:03:04Z is 10:03:04 in Beijing.
  assert.match(await page.getByTestId('audit-row-7').innerText(), /^2026-03-01 10:03:04$/);
  await page.getByTestId('audit-user').fill('someone');
  await Promise.all([
    page.waitForResponse((res) => res.url().includes('/api/v1/audit?') && res.url().includes('user=someone')),
    page.getByTestId('audit-search').click(),
  ]);
  await page.getByRole('button', { name: '加载更多' }).click();
  await page.getByTestId('audit-row-6').waitFor();
  assert.equal(await page.getByTestId('audit-row-7').count(), 1, 'the first page stays');
  assert.equal(await page.getByRole('button', { name: '加载更多' }).count(), 0, 'no more pages');
  const last = seen[seen.length - 1];
  assert.equal(last.get('cursor'), 'c7');
  assert.equal(last.get('user'), 'someone', 'the next page keeps the filter');
  assert.equal(seen[0].get('cursor'), null);
  await page.close();
});

test('a 401 while using the app goes back to the login page', async () => {
  await signOutEverywhere(browser);
  const page = await browser.newPage();
  await loginThroughForm(page, srv, worker.username, worker.password);
  await page.waitForURL(/\/dashboard$/);
  // The workbench's own request (which needs a login) has been answered: the 401 below
  // comes from the click, not from a request still on its way.
  await page.locator('[data-testid="workbench"][data-loaded="true"]').waitFor();
  // The session ends behind the app's back (expired, or logged out elsewhere).
  await signOutEverywhere(browser);
  await page.getByTestId('nav-grids').click();
  await page.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('redirect') === '/grids');
  // Logging in again returns to the map.
  await fillLoginForm(page, worker.username, worker.password);
  await page.waitForURL((u) => u.pathname === '/grids');
  await page.getByTestId('grid-row-' + GRID_A).waitFor();
  await page.close();
});
