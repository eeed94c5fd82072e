// Sharing (共享, issue 15) over HTTP: the equity figures of a place against a scenario
// computed by hand (per-capita visits, Gini, Theil with between + within = total, the
// Lorenz curve, coverage of a vulnerable group, suppression below 5), bad input (node,
// dates, a period over 5 years), scope (404 outside), the unreached vulnerable residents,
// and the public board: no login, cached, and no personal data on any public route (a
// crawl of every route tagged `public`). Runs on SQLite, PostgreSQL and two processes.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { assertErrorShape, assertNoSanitizerReport } from './util.mjs';
import { G1, G2, C1, C2, C2G1, STREET } from './people-util.mjs';
import { BOARD_SECRET, REPORTER, SECRET_PHONE, boardData, sharingWorld } from './sharing-util.mjs';
import { readXlsx } from './xlsx-util.mjs';

let srv, w, sup, dept;
const get = (path, who) => api(srv, 'GET', path, undefined, who ? who.bearer : {});
const day = (days = 0) => new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);

let names, ids;

before(async () => {
  srv = await startServer();
  w = await sharingWorld(srv, 's');
  boardData(srv);
  ({ names, ids } = w);
  sup = w.as.street_supervisor;
  dept = w.as.department;
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

const equity = async (q, who = sup) => {
  const r = await get(`/api/v1/sharing/equity?${q}`, who);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};

describe('equity figures', () => {
  test('the street, by grid and across grids, as computed by hand', async () => {
    const b = await equity(`node=${STREET}`);
    assert.equal(b.node, STREET);
    assert.equal(b.to, day(0));
    assert.equal(b.from, day(-89), 'default: the last 90 days');
    assert.equal(b.metric.code, 'visits');
    assert.equal(b.totals.residents, 17);
    assert.equal(b.totals.visits, 7);
    assert.equal(b.totals.residents_visited, 5);
    assert.equal(b.totals.cases_received, 2);
    assert.equal(b.totals.cases_closed, 2);
    assert.equal(b.totals.service_minutes, 90);
    const g = Object.fromEntries(b.grids.map((x) => [x.code, x]));
    assert.equal(g[G1].visits_per_capita, '0.500');
    assert.equal(g[G1].value, '0.500');
    assert.equal(g[G1].residents_visited, 3);
    assert.equal(g[G1].service_minutes_per_capita, '15.000');
    assert.equal(g[G2].visits_per_capita, '0.000');
    assert.equal(g[C2G1].visits_per_capita, '0.800');
    assert.equal(g[C1 + '003'].suppressed, true, 'nobody lives there: no figures');
    assert.equal(g[C1 + '003'].residents, undefined);
    // Sorted by y: G2 (0/6), G1 (3/6), C2G1 (4/5). S = 0 + (3·6 − 6·0) + (4·12 − 5·3) = 51,
    // N X = 17 · 7 = 119: G = 0.428571… → 0.4286.
    assert.equal(b.gini, '0.4286');
    // T = 3/7 ln((3/7)/(6/17)) + 4/7 ln((4/7)/(5/17)) = 0.4627295;
    // between = 3/7 ln((3/7)/(12/17)) + 4/7 ln((4/7)/(5/17)) = 0.1656664;
    // within = 3/7 · T_C1 (= ln 2) + 4/7 · 0 = 0.2970631, shown as total − between.
    assert.equal(b.theil.total, '0.462730');
    assert.equal(b.theil.between, '0.165666');
    assert.equal(b.theil.within, '0.297064');
    const micro = (s) => Math.round(Number(s) * 1e6);
    assert.equal(micro(b.theil.between) + micro(b.theil.within), micro(b.theil.total));
    const comm = Object.fromEntries(b.theil.communities.map((c) => [c.code, c.theil]));
    assert.equal(comm[C1], '0.693147');
    assert.equal(comm[C2], '0.000000');
    assert.deepEqual(b.lorenz, [[0, 0], [3529, 0], [7059, 4286], [10000, 10000]]);
  });

  test('another metric: all service minutes in one grid gives 1 − p/N', async () => {
    const b = await equity(`node=${STREET}&metric=service_minutes`);
    assert.equal(b.metric.code, 'service_minutes');
    assert.equal(b.gini, '0.6471'); // 1 − 6/17 = 0.647058…
  });

  test('coverage of a vulnerable group; a group under 5 is suppressed', async () => {
    const c1 = await equity(`node=${C1}`, w.as.community_admin);
    const alone = c1.groups.find((x) => x.tag === 'living_alone');
    assert.deepEqual(
      { s: alone.suppressed, m: alone.members, r: alone.reached, u: alone.unreached, p: alone.coverage_percent },
      { s: false, m: 6, r: 3, u: 3, p: '50.0' });
    const st = await equity(`node=${STREET}`);
    const old = st.groups.find((x) => x.tag === 'elderly_80');
    assert.equal(old.suppressed, true, '3 members: suppressed');
    assert.equal(old.members, undefined);
    assert.equal(old.coverage_percent, undefined);
    assert.equal(st.min_group, 5);
  });

  test('a period in the past counts only its own visits', async () => {
    const b = await equity(`node=${STREET}&from=${day(-400)}&to=${day(-300)}`);
    assert.equal(b.totals.visits, 0);
    assert.equal(b.gini, null, 'nothing to distribute');
    assert.equal(b.theil, null);
    assert.deepEqual(b.lorenz, []);
  });
});

describe('bad input and scope', () => {
  const bad = [
    ['no node', ''],
    ['a building-like code', 'node=1101010010010011'],
    ['a malformed date', `node=${STREET}&from=2026-02-30`],
    ['a period that ends before it starts', `node=${STREET}&from=${day(0)}&to=${day(-1)}`],
    ['a period over 5 years', `node=${STREET}&from=2020-01-01&to=2025-01-01`],
    ['an unknown metric', `node=${STREET}&metric=money`],
  ];
  for (const [what, q] of bad) {
    test(`${what}: 400`, async () => {
      const r = await get(`/api/v1/sharing/equity?${q}`, sup);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assertErrorShape(r.body, 'bad_query');
    });
  }
  test('exactly 5 years is accepted', async () => {
    const r = await get(`/api/v1/sharing/equity?node=${STREET}&from=2020-01-01&to=2024-12-31`, sup);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });
  test('an unknown node and a node outside the scope are alike: 404', async () => {
    const unknown = await get('/api/v1/sharing/equity?node=110101001009', sup);
    assert.equal(unknown.status, 404);
    assertErrorShape(unknown.body, 'not_found');
    const outside = await get(`/api/v1/sharing/equity?node=${C1}`, w.ca2);
    assert.equal(outside.status, 404);
    assert.deepEqual(outside.body.error.code, unknown.body.error.code);
    const gw = await get(`/api/v1/sharing/equity?node=${G2}`, w.as.grid_worker);
    assert.equal(gw.status, 404, 'a grid worker of G1 asks for G2');
    assert.equal((await get(`/api/v1/sharing/equity?node=${G1}`, w.as.grid_worker)).status, 200);
  });
  test('roles without the figures: 403 or 404, never figures', async () => {
    for (const role of ['resident', 'volunteer', 'property']) {
      const r = await get(`/api/v1/sharing/equity?node=${G1}`, w.as[role]);
      assert.ok(r.status === 403 || r.status === 404, `${role}: ${r.status}`);
    }
    const anon = await get(`/api/v1/sharing/equity?node=${G1}`);
    assert.equal(anon.status, 401);
  });
});

describe('unreached vulnerable residents (关爱盲区)', () => {
  test('the 独居老人 of G1 nobody visited, by name for the community; nothing personal beyond', async () => {
    const r = await get(`/api/v1/sharing/unreached?node=${C1}`, w.as.community_admin);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const got = r.body.items.map((x) => x.resident.id).sort();
    assert.deepEqual(got, ids.G1.slice(3).sort());
    const one = r.body.items[0];
    assert.ok(names.G1.includes(one.resident.name));
    assert.equal(one.resident.name_masked, false);
    assert.deepEqual(one.tags, ['独居老人']);
    assert.equal(one.grid_name, '第一网格');
    assert.equal(one.last_visited_on, null);
    for (const k of ['phone', 'id_number', 'address']) assert.equal(one[k], undefined);
  });
  test('pages by cursor', async () => {
    const p1 = await get(`/api/v1/sharing/unreached?node=${C1}&limit=2`, w.as.community_admin);
    assert.equal(p1.body.items.length, 2);
    assert.ok(p1.body.next_cursor);
    const p2 = await get(`/api/v1/sharing/unreached?node=${C1}&limit=2&cursor=${p1.body.next_cursor}`, w.as.community_admin);
    assert.equal(p2.body.items.length, 1);
    assert.equal(p2.body.next_cursor, null);
  });
  test('the street: the 高龄 of C2G1 not visited too; a department without resident read is refused', async () => {
    const r = await get(`/api/v1/sharing/unreached?node=${STREET}&limit=200`, sup);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.items.map((x) => x.resident.id).sort(), [...ids.G1.slice(3), ids.C2G1[1], ids.C2G1[2]].sort());
    const d = await get(`/api/v1/sharing/unreached?node=${G1}`, dept);
    assert.ok(d.status === 403 || d.status === 404, String(d.status));
    const bad = await get(`/api/v1/sharing/unreached?node=${C1}&tag=rich`, w.as.community_admin);
    assert.equal(bad.status, 400);
  });
});

describe('the monthly report', () => {
  const month = day(0).slice(0, 7);
  test('JSON for the printable page: the month, the three rates, the equity figures', async () => {
    const r = await get(`/api/v1/sharing/report?node=${C1}&month=${month}`, w.as.community_admin);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const b = r.body;
    assert.equal(b.month, month);
    assert.equal(b.from, `${month}-01`);
    assert.match(b.node_name, /东华门街道 多福巷社区/);
    // Only the visits of this month (the scenario's are in the last 3 days, which may
    // fall in the previous month on the 1st to 3rd).
    assert.ok(b.totals.visits <= 3);
    assert.equal(b.totals.residents, 12);
  });
  test('.xlsx: rows of 类别 / 项目 / 数值', async () => {
    const res = await srv.fetch(`/api/v1/sharing/report.xlsx?node=${STREET}&month=${month}`, { headers: sup.bearer });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-disposition'), /report-110101001-.*\.xlsx/);
    const rows = readXlsx(await res.arrayBuffer());
    assert.deepEqual(rows[0], ['类别', '项目', '数值']);
    const find = (a, b) => rows.find((x) => x[0] === a && x[1] === b);
    assert.equal(find('概况', '居民（人）')[2], '17');
    assert.equal(find('概况', '范围')[2], '东华门街道');
    assert.ok(find('接诉即办', '满意率'));
    assert.ok(find('公平', '泰尔指数 · 社区间'));
    assert.equal(find('第三网格', '居民')[2], '不足 5 人，不显示');
    const text = JSON.stringify(rows);
    for (const n of [...names.G1, REPORTER]) assert.ok(!text.includes(n));
  });
  test('bad month or none: 400; outside the scope: 404', async () => {
    for (const q of [`node=${C1}`, `node=${C1}&month=2026-13`, `node=${C1}&month=2026-1`, `node=${C1}&month=${month}&from=2026-01-01`]) {
      const r = await get(`/api/v1/sharing/report?${q}`, w.as.community_admin);
      assert.equal(r.status, 400, q);
      assertErrorShape(r.body, 'bad_query');
    }
    const r = await get(`/api/v1/sharing/report.xlsx?node=${C1}&month=${month}`, w.ca2);
    assert.equal(r.status, 404);
  });
});

describe('the public board', () => {
  test('no login: the communities and a board with the three rates, cached', async () => {
    const list = await get('/api/v1/public/communities');
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.ok(list.body.items.some((c) => c.code === C1 && c.name === '多福巷社区'));
    const r = await get(`/api/v1/public/communities/${C1}/board`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.match(r.headers.get('cache-control'), /public, max-age=60/);
    const b = r.body;
    assert.equal(b.community.name, '多福巷社区');
    assert.equal(b.rates.response.percent, '50.0');
    assert.equal(b.rates.resolution.percent, '50.0');
    assert.equal(b.rates.satisfaction.percent, '50.0');
    assert.equal(b.trend.length, 6);
    assert.equal(b.trend[5].month, day(0).slice(0, 7));
    assert.equal(b.recent_closed.length, 2);
    assert.deepEqual(Object.keys(b.recent_closed[0]).sort(), ['category', 'closed_on', 'grid_name', 'reported_on', 'satisfaction']);
    assert.equal(b.recent_closed[0].category, '公用设施');
    assert.equal(b.service.minutes, 90);
    assert.equal(b.service.hours, '1.5');
    assert.equal(b.service.volunteers, null, 'one volunteer: not counted aloud');
    const again = await get(`/api/v1/public/communities/${C1}/board`);
    // Each process keeps its own copy for a minute (two processes: either copy).
    if (!process.env.GZ_TEST_SERVERS) assert.equal(again.body.generated_at, b.generated_at, 'answered from the cache');
    assert.ok(Date.parse(again.body.generated_at) > Date.now() - 61000);
  });
  test('the board shows vote results, publicity notices and projects with their progress', async () => {
    const b = (await get(`/api/v1/public/communities/${C1}/board`)).body;
    assert.equal(b.votes.length, 1);
    assert.deepEqual(b.votes[0], {
      topic: '3号楼加装电梯', rule: 'owners_general', electorate: 'owners', closed_on: day(-3), passed: true,
      // 3 owners: the counts would tell each one's ballot (security review 6, finding 2).
      suppressed: true, eligible: null, participating: null, agree: null,
    });
    assert.deepEqual(b.publicity, [{ topic: '3号楼加装电梯', until: day(5), running: true }]);
    assert.equal(b.projects.length, 1);
    assert.deepEqual(b.projects[0], {
      title: '楼道照明改造', status: 'running', status_label: '实施中', budget_yuan: '1200.00', completed_on: null,
      milestones: 2, milestones_done: 1, units: 1, committed_yuan: '500.00',
    });
    // C2 has none of it.
    const c2 = (await get(`/api/v1/public/communities/${C2}/board`)).body;
    assert.deepEqual([c2.votes, c2.publicity, c2.projects], [[], [], []]);
  });
  test('an unknown community: 404 JSON', async () => {
    for (const code of ['110101001009', 'x', STREET]) {
      const r = await get(`/api/v1/public/communities/${code}/board`);
      assert.equal(r.status, 404, code);
      assertErrorShape(r.body, 'not_found');
    }
  });
  test('every public route holds no phone, ID number, full name or unit number', async () => {
    const doc = (await get('/api/v1/openapi.json')).body;
    const publicPaths = Object.entries(doc.paths)
      .filter(([, ops]) => Object.values(ops).some((op) => (op.tags || []).includes('public')))
      .map(([p]) => p);
    assert.ok(publicPaths.length >= 2, publicPaths.join());
    const communities = (await get('/api/v1/public/communities')).body.items.map((c) => c.code);
    const urls = publicPaths.flatMap((p) => (p.includes('{code}') ? communities.map((c) => p.replace('{code}', c)) : [p]));
    const fullNames = [...names.G1, ...names.G2, ...names.C2G1, REPORTER, BOARD_SECRET];
    for (const url of urls) {
      const r = await get(url);
      assert.equal(r.status, 200, url);
      const text = JSON.stringify(r.body);
      assert.doesNotMatch(text, /(?<!\d)1[3-9]\d{9}(?!\d)/, `${url}: a mobile number`);
      assert.doesNotMatch(text, /(?<!\d)\d{17}[\dXx](?!\d)/, `${url}: an ID number`);
      assert.doesNotMatch(text, /(?<!\d)\d{1,3}-\d{1,2}-\d{3,4}(?!\d)/, `${url}: a unit number`);
      for (const n of fullNames) assert.ok(!text.includes(n), `${url}: the name ${n}`);
      assert.ok(!text.includes(SECRET_PHONE) && !text.includes('井盖松动'), `${url}: a case's text`);
    }
  });
});
