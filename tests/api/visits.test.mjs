// Visits (走访) over HTTP: recording a visit (validation, scope: another grid is 404 like
// a resident that does not exist), the due and overdue list shrinking after a visit, a
// household's visit counting for its members, per-tag frequencies set by place, counts
// per grid and per worker, what a resident sees (their own visits, never others'), and
// the workbench's to-dos and figures for each role's own scope only.
// Runs on SQLite, PostgreSQL and two processes sharing PostgreSQL.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { assertErrorShape, assertNoSanitizerReport } from './util.mjs';
import { makeUser, login, sql } from './auth-util.mjs';
import { G1, G2, C1, C2, STREET, idNumber, peopleWorld, auditCount } from './people-util.mjs';

let srv, w;
const get = (path, who) => api(srv, 'GET', path, undefined, who.bearer);
const post = (path, body, who) => api(srv, 'POST', path, body, who.bearer);
const put = (path, body, who) => api(srv, 'PUT', path, body, who.bearer);

// The calendar day in Asia/Shanghai, offset by `days`.
const day = (days = 0) => new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);

// Residents made in before(): G1 zhang (独居老人 + 低保: weekly), li (高龄: every 14 days),
// chen (no tag: never on a list), zhao (高龄), sun (独居老人); G2 wang (独居老人).
const P = {
  zhang: { name: '张建国', id_number: idNumber('19490101', 12), tags: ['独居老人', '低保'], relation: '户主' },
  li: { name: '李秀英', id_number: idNumber('19400315', 24), tags: ['高龄'], relation: '户主' },
  chen: { name: '陈小军', id_number: idNumber('19800601', 36), tags: [], relation: '子' },
  zhao: { name: '赵德明', id_number: idNumber('19380808', 48), tags: ['高龄'] },
  sun: { name: '孙桂兰', id_number: idNumber('19500505', 52), tags: ['独居老人'] },
  wang: { name: '王大爷', id_number: idNumber('19450101', 60), tags: ['独居老人'] },
};
const ids = {};
let household, residentUser;

const visitsCount = () => Number(sql(srv, "SELECT n FROM record_counts WHERE name = 'visits'")[0][0]);
const visitRows = () => Number(sql(srv, 'SELECT COUNT(*) FROM visits')[0][0]);
const dueIds = async (who, q = '') => {
  const r = await get(`/api/v1/visits/due?limit=200${q}`, who);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};

before(async () => {
  srv = await startServer();
  w = await peopleWorld(srv, { tag: 'v' });
  const gw = w.as.grid_worker;
  let r = await post('/api/v1/households', { grid_code: G1, address: '多福巷1号1-101' }, gw);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  household = r.body;
  for (const [k, p] of Object.entries(P)) {
    const inG2 = k === 'wang';
    const body = { ...p, grid_code: inG2 ? G2 : G1 };
    if (k === 'li' || k === 'chen') body.household_id = household.id;
    r = await post('/api/v1/residents', body, inG2 ? w.gw2 : gw);
    assert.equal(r.status, 201, `${k}: ${JSON.stringify(r.body)}`);
    ids[k] = r.body.id;
  }
  // The resident account is zhang's own (account link, as /me/resident).
  residentUser = w.as.resident;
  r = await api(srv, 'PATCH', `/api/v1/residents/${ids.zhang}`, { user_id: residentUser.user.id }, gw.bearer);
  assert.equal(r.status, 200, JSON.stringify(r.body));
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

describe('due before any visit', () => {
  test('key-group residents are due from the day they were registered; no tag, no list', async () => {
    const b = await dueIds(w.as.grid_worker);
    const listed = b.items.map((x) => x.resident.id);
    for (const k of ['zhang', 'li', 'zhao', 'sun']) assert.ok(listed.includes(ids[k]), `${k} due`);
    assert.ok(!listed.includes(ids.chen), 'no tag: not on the list');
    assert.ok(!listed.includes(ids.wang), 'another grid: not on the list');
    assert.equal(b.tracked, 4);
    assert.equal(b.due, 4);
    assert.equal(b.overdue, 0);
    const zhang = b.items.find((x) => x.resident.id === ids.zhang);
    assert.equal(zhang.interval_days, 7, 'the most demanding tag: 独居老人 weekly, not 低保 monthly');
    assert.equal(zhang.state, 'due');
    assert.equal(zhang.last_visited_on, null);
    assert.equal(zhang.due_on, day(0));
    assert.equal(zhang.resident.name, '张建国');
    assert.deepEqual(zhang.tags, ['独居老人'], 'ordinary tags only: 低保 is not shown');
    assert.equal(zhang.grid_name, '第一网格');
    assert.equal(b.items.find((x) => x.resident.id === ids.li).interval_days, 14);
  });
});

describe('record a visit', () => {
  test('a grid worker records a visit in their grid: 201, audited without the findings', async () => {
    const before = visitsCount();
    const r = await post('/api/v1/visits', {
      resident_id: ids.zhang, visited_on: day(0), kind: 'care', findings: '身体状况良好，血压偏高已提醒服药',
    }, w.as.grid_worker);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const v = r.body;
    assert.equal(v.target, 'resident');
    assert.equal(v.resident.id, ids.zhang);
    assert.equal(v.resident.name, '张建国');
    assert.equal(v.visited_on, day(0));
    assert.equal(v.kind, 'care');
    assert.equal(v.kind_label, '重点关爱');
    assert.equal(v.grid_code, G1);
    assert.equal(v.visitor.id, w.as.grid_worker.user.id);
    assert.ok(v.visitor.name.length > 0);
    assert.equal(visitsCount(), before + 1);
    const [row] = sql(srv, "SELECT record_id, scope, detail FROM audit_log WHERE action = 'visit.create' ORDER BY id DESC LIMIT 1");
    assert.equal(row[0], v.id);
    assert.equal(row[1], G1);
    assert.ok(!row[2].includes('血压'), 'the audit row holds no findings');
    assert.match(row[2], /"kind":"care"/);
    const one = await get(`/api/v1/visits/${v.id}`, w.as.grid_worker);
    assert.equal(one.status, 200);
    assert.equal(one.body.findings, '身体状况良好，血压偏高已提醒服药');
    assert.equal(one.body.grid_name, '第一网格');
  });

  test('the due list shrinks after a visit', async () => {
    const b = await dueIds(w.as.grid_worker);
    assert.ok(!b.items.some((x) => x.resident.id === ids.zhang), 'visited today: not due');
    assert.equal(b.due, 3);
    assert.equal(b.tracked, 4);
    const all = await get('/api/v1/visits/due?limit=200', w.as.community_admin);
    assert.ok(!all.body.items.some((x) => x.resident.id === ids.zhang));
  });

  test('a visit to a household counts for its members', async () => {
    const r = await post('/api/v1/visits', {
      household_id: household.id, visited_on: day(-1), kind: '常规走访',
    }, w.as.grid_worker);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.target, 'household');
    assert.equal(r.body.resident, null);
    assert.equal(r.body.household.address, '多福巷1号1-101');
    assert.equal(r.body.kind, 'routine');
    const b = await dueIds(w.as.grid_worker);
    assert.ok(!b.items.some((x) => x.resident.id === ids.li), 'li was at home');
    assert.equal(b.due, 2);
  });

  test('a late record for an earlier day does not move the last visit back', async () => {
    const r = await post('/api/v1/visits', {
      resident_id: ids.zhang, visited_on: day(-30), kind: 'follow_up',
    }, w.as.grid_worker);
    assert.equal(r.status, 201);
    const [last] = sql(srv, `SELECT last_on FROM visit_last WHERE resident_id = ${ids.zhang}`);
    const today = Math.floor((Date.now() + 8 * 3600e3) / 86400e3);
    assert.equal(Number(last[0]), today);
  });

  test('a visit long ago leaves the resident overdue', async () => {
    const r = await post('/api/v1/visits', { resident_id: ids.zhao, visited_on: day(-40), kind: 'care' }, w.as.grid_worker);
    assert.equal(r.status, 201);
    const b = await dueIds(w.as.grid_worker, '&state=overdue');
    assert.deepEqual(b.items.map((x) => x.resident.id), [ids.zhao]);
    const z = b.items[0];
    assert.equal(z.state, 'overdue');
    assert.equal(z.last_visited_on, day(-40));
    assert.equal(z.due_on, day(-26));
    assert.equal(z.days_late, 26);
    assert.equal(b.overdue, 1);
    // Overdue first (the longest overdue leads the list).
    const all = await dueIds(w.as.grid_worker);
    assert.equal(all.items[0].resident.id, ids.zhao);
  });

  test('bad input: every problem at once, nothing written', async () => {
    const before = visitRows();
    const audits = auditCount(srv, 'visit.create');
    const cases = [
      [{ resident_id: ids.sun, visited_on: day(1), kind: 'care' }, ['visited_on']],
      [{ resident_id: ids.sun, visited_on: day(-400), kind: 'care' }, ['visited_on']],
      [{ resident_id: ids.sun, visited_on: '2026-02-30', kind: 'care' }, ['visited_on']],
      [{ resident_id: ids.sun, visited_on: day(0), kind: 'chat' }, ['kind']],
      [{ visited_on: day(0), kind: 'care' }, ['resident_id']],
      [{ resident_id: ids.sun, household_id: household.id, visited_on: day(0), kind: 'care' }, ['household_id']],
      [{ resident_id: 12, visited_on: day(0), kind: 'care' }, ['resident_id']],
      [{ resident_id: ids.sun, visited_on: day(0), kind: 'care', findings: '很'.repeat(2001) }, ['findings']],
      [{ resident_id: ids.sun }, ['visited_on', 'kind']],
    ];
    for (const [body, fields] of cases) {
      const r = await post('/api/v1/visits', body, w.as.grid_worker);
      assert.equal(r.status, 422, `${JSON.stringify(body).slice(0, 80)}: ${JSON.stringify(r.body)}`);
      assertErrorShape(r.body, 'invalid_fields');
      for (const f of fields) assert.ok(f in r.body.error.fields, `${f}: ${JSON.stringify(r.body.error.fields)}`);
    }
    const bad = await api(srv, 'POST', '/api/v1/visits', '{"resident_id":', { ...w.as.grid_worker.bearer, 'Content-Type': 'application/json' });
    assert.equal(bad.status, 400);
    assert.equal(visitRows(), before);
    assert.equal(auditCount(srv, 'visit.create'), audits);
  });

  test('a visit to someone in another grid is 404, exactly as for nobody', async () => {
    const before = visitRows();
    const other = await post('/api/v1/visits', { resident_id: ids.wang, visited_on: day(0), kind: 'care' }, w.as.grid_worker);
    const nobody = await post('/api/v1/visits', { resident_id: '987654321', visited_on: day(0), kind: 'care' }, w.as.grid_worker);
    assert.equal(other.status, 404);
    assert.deepEqual(other.body, nobody.body);
    assertErrorShape(other.body, 'not_found');
    const hh = await post('/api/v1/visits', { household_id: household.id, visited_on: day(0), kind: 'care' }, w.gw2);
    assert.equal(hh.status, 404);
    assert.equal(visitRows(), before);
    // Reading: another grid's visit is 404 too.
    const mine = await get(`/api/v1/visits?resident=${ids.zhang}`, w.as.grid_worker);
    const id = mine.body.items[0].id;
    assert.equal((await get(`/api/v1/visits/${id}`, w.gw2)).status, 404);
    assert.equal((await get(`/api/v1/visits/999999999`, w.gw2)).status, 404);
    assert.equal((await get(`/api/v1/visits?resident=${ids.zhang}`, w.gw2)).status, 404);
    const list = await get('/api/v1/visits?limit=200', w.gw2);
    assert.equal(list.status, 200);
    assert.equal(list.body.items.length, 0);
    const due = await dueIds(w.gw2);
    assert.deepEqual(due.items.map((x) => x.resident.id), [ids.wang]);
  });

  test('roles without visits get 403; community staff record in their community', async () => {
    for (const role of ['party_member', 'volunteer', 'unit_contact', 'property', 'department']) {
      const r = await post('/api/v1/visits', { resident_id: ids.sun, visited_on: day(0), kind: 'care' }, w.as[role]);
      assert.equal(r.status, 403, `${role}: ${JSON.stringify(r.body)}`);
      assert.equal((await get('/api/v1/visits', w.as[role])).status, 403, role);
      assert.equal((await get('/api/v1/visits/due', w.as[role])).status, 403, role);
    }
    const r = await post('/api/v1/visits', { resident_id: ids.sun, visited_on: day(0), kind: 'routine', findings: '' }, w.as.community_staff);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.visitor.id, w.as.community_staff.user.id);
  });
});

describe('lists and counts', () => {
  test('the list filters by resident, worker, kind and period, newest first', async () => {
    const gw = w.as.grid_worker;
    let r = await get(`/api/v1/visits?resident=${ids.zhang}`, gw);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.items.map((v) => v.kind), ['follow_up', 'care'], 'newest recorded first');
    r = await get(`/api/v1/visits?resident=${ids.li}`, gw);
    assert.equal(r.body.items.length, 1, 'the household visit is in li\'s history');
    assert.equal(r.body.items[0].target, 'household');
    r = await get(`/api/v1/visits?household=${household.id}`, gw);
    assert.equal(r.body.items.length, 1);
    r = await get(`/api/v1/visits?worker=${w.as.community_staff.user.id}`, w.as.community_admin);
    assert.deepEqual(r.body.items.map((v) => v.resident.id), [ids.sun]);
    r = await get('/api/v1/visits?kind=care', gw);
    assert.ok(r.body.items.length >= 2 && r.body.items.every((v) => v.kind === 'care'));
    r = await get(`/api/v1/visits?from=${day(-35)}&to=${day(-2)}`, gw);
    assert.deepEqual(r.body.items.map((v) => v.visited_on), [day(-30)]);
    // Pages: one at a time, each once.
    const seen = [];
    let cursor = null;
    do {
      r = await get(`/api/v1/visits?limit=1${cursor ? `&cursor=${cursor}` : ''}`, w.as.community_admin);
      assert.equal(r.status, 200);
      seen.push(...r.body.items.map((v) => v.id));
      cursor = r.body.next_cursor;
    } while (cursor);
    assert.equal(new Set(seen).size, seen.length);
    assert.equal(seen.length, visitRows());
    for (const q of ['kind=x', 'from=2026-13-01', 'worker=abc', 'resident=x', `resident=${ids.zhang}&household=${household.id}`, 'grid=12']) {
      r = await get(`/api/v1/visits?${q}`, gw);
      assert.equal(r.status, 400, q);
      assertErrorShape(r.body, 'bad_query');
    }
  });

  test('counts per grid and per worker over a period', async () => {
    let r = await get(`/api/v1/visits/counts?by=grid&community=${C1}`, w.as.community_admin);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const g1 = r.body.items.find((x) => x.grid_code === G1);
    assert.equal(g1.grid_name, '第一网格');
    // The last 30 days: zhang today, the household yesterday, sun today (zhang's late
    // record for 30 days ago and zhao's 40 days ago fall outside).
    assert.equal(g1.visits, 3);
    assert.equal(g1.residents_visited, 2);
    assert.equal(g1.households_visited, 1);
    assert.equal(g1.tracked, 4);
    assert.equal(g1.overdue, 1);
    const g2 = r.body.items.find((x) => x.grid_code === G2);
    assert.equal(g2.visits, 0, 'grids without a visit are listed');
    assert.ok(!r.body.items.some((x) => x.grid_code.startsWith(C2)), 'only the caller\'s community');
    assert.equal(r.body.totals.visits, 3);
    r = await get(`/api/v1/visits/counts?by=grid&from=${day(-60)}`, w.as.grid_worker);
    assert.deepEqual(r.body.items.map((x) => x.grid_code), [G1]);
    assert.equal(r.body.items[0].visits, 5);
    r = await get('/api/v1/visits/counts?by=worker', w.as.community_admin);
    assert.equal(r.status, 200);
    const byId = Object.fromEntries(r.body.items.map((x) => [x.visitor.id, x.visits]));
    assert.equal(byId[w.as.grid_worker.user.id], 2);
    assert.equal(byId[w.as.community_staff.user.id], 1);
    r = await get('/api/v1/visits/counts?by=worker', w.ca2);
    assert.equal(r.body.items.length, 0, 'another community sees none of these');
    for (const q of ['by=street', `from=${day(0)}&to=${day(-1)}`, 'from=2020-01-01&to=2026-01-01']) {
      r = await get(`/api/v1/visits/counts?${q}`, w.as.community_admin);
      assert.equal(r.status, 400, q);
    }
  });
});

describe('frequencies', () => {
  test('defaults everywhere; a community sets its own; the narrowest place decides', async () => {
    let r = await get(`/api/v1/visit-frequencies?scope=${C1}`, w.as.community_admin);
    assert.equal(r.status, 200);
    assert.equal(r.body.editable, true);
    const elderly = r.body.items.find((x) => x.tag === 'elderly_80');
    assert.equal(elderly.interval_days, 14);
    assert.equal(elderly.set_at, '');
    r = await get('/api/v1/visit-frequencies', w.as.grid_worker);
    assert.equal(r.body.scope, G1);
    assert.equal(r.body.editable, false);
    const audits = auditCount(srv, 'visit_frequency.set');
    r = await put('/api/v1/visit-frequencies/elderly_80', { scope: C1, interval_days: 7 }, w.as.community_admin);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.interval_days, 7);
    assert.equal(r.body.set_at, C1);
    assert.equal(auditCount(srv, 'visit_frequency.set'), audits + 1);
    let b = await dueIds(w.as.grid_worker, '&state=overdue');
    assert.equal(b.items.find((x) => x.resident.id === ids.zhao).interval_days, 7);
    // Another community keeps the default.
    r = await get(`/api/v1/visit-frequencies?scope=${C2}`, w.ca2);
    assert.equal(r.body.items.find((x) => x.tag === 'elderly_80').interval_days, 14);
    // 0: no regular visits here (for 独居老人, sun is then on no list; zhang's 低保 keeps 30).
    r = await put('/api/v1/visit-frequencies/living_alone', { scope: C1, interval_days: 0 }, w.as.community_admin);
    assert.equal(r.status, 200);
    assert.equal(r.body.interval_days, null);
    b = await dueIds(w.as.grid_worker);
    assert.ok(!b.items.some((x) => x.resident.id === ids.sun));
    assert.equal(b.tracked, 3, 'zhang (低保), li, zhao');
    // null: back to the street's / the default.
    r = await put('/api/v1/visit-frequencies/living_alone', { scope: C1, interval_days: null }, w.as.community_admin);
    assert.equal(r.status, 200);
    assert.equal(r.body.interval_days, 7);
    assert.equal(r.body.set_at, '');
    b = await dueIds(w.as.grid_worker);
    assert.equal(b.tracked, 4);
  });

  test('who may set them, and bad input', async () => {
    let r = await put('/api/v1/visit-frequencies/elderly_80', { scope: G1, interval_days: 3 }, w.as.grid_worker);
    assert.equal(r.status, 422, 'not at a grid');
    r = await put('/api/v1/visit-frequencies/elderly_80', { scope: C1, interval_days: 3 }, w.as.grid_worker);
    assert.equal(r.status, 404, 'the community lies outside the grid worker\'s scope');
    r = await put('/api/v1/visit-frequencies/elderly_80', { scope: C1, interval_days: 3 }, w.as.community_staff);
    assert.equal(r.status, 403, 'staff record visits, the secretary sets frequencies');
    r = await put('/api/v1/visit-frequencies/elderly_80', { scope: C1, interval_days: 3 }, w.ca2);
    assert.equal(r.status, 404);
    r = await put('/api/v1/visit-frequencies/elderly_80', { scope: '', interval_days: 3 }, w.as.street_supervisor);
    assert.equal(r.status, 404, 'the defaults are the system administrator\'s');
    r = await put('/api/v1/visit-frequencies/elderly_80', { scope: STREET, interval_days: 10 }, w.as.street_supervisor);
    assert.equal(r.status, 200);
    for (const body of [{ scope: C1, interval_days: 366 }, { scope: C1, interval_days: -1 }, { scope: C1 }, { scope: C1, interval_days: '7' }, { interval_days: 7 }]) {
      r = await put('/api/v1/visit-frequencies/elderly_80', body, w.as.community_admin);
      assert.equal(r.status, 422, JSON.stringify(body));
    }
    r = await put('/api/v1/visit-frequencies/no_such_tag', { scope: C1, interval_days: 7 }, w.as.community_admin);
    assert.equal(r.status, 404);
    r = await put('/api/v1/visit-frequencies/dibao', { scope: '', interval_days: 31 }, w.admin);
    assert.equal(r.status, 200);
    assert.equal(r.body.sensitive, true);
  });
});

describe('what a resident sees', () => {
  test('their own visits: when, what kind, who came — not the notes; nobody else\'s', async () => {
    const me = residentUser;
    let r = await get('/api/v1/me/visits', me);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.items.length, 2);
    for (const v of r.body.items) {
      assert.deepEqual(Object.keys(v).sort(), ['id', 'kind', 'kind_label', 'target', 'visited_on', 'visitor']);
      assert.ok(v.visitor.name.length > 0);
    }
    assert.ok(!JSON.stringify(r.body).includes('血压'), 'no findings');
    // The visit list, one visit, the due list, the counts: the resident role has no visit rights.
    const lis = await get(`/api/v1/visits?resident=${ids.li}`, w.as.grid_worker);
    const liVisit = lis.body.items[0].id;
    for (const path of ['/api/v1/visits', `/api/v1/visits/${liVisit}`, `/api/v1/visits?resident=${ids.li}`,
      '/api/v1/visits/due', '/api/v1/visits/counts']) {
      r = await get(path, me);
      assert.ok(r.status === 403 || r.status === 404, `${path}: ${r.status}`);
      assert.ok(!JSON.stringify(r.body).includes('李秀英'), path);
    }
    r = await post('/api/v1/visits', { resident_id: ids.zhang, visited_on: day(0), kind: 'care' }, me);
    assert.equal(r.status, 403);
    // An account linked to no record.
    const u = await makeUser(srv, w.admin, 'v-lonely', [['resident', G1]]);
    const lonely = await login(srv, 'v-lonely', u.password);
    assert.equal((await get('/api/v1/me/visits', lonely)).status, 404);
  });
});

describe('the workbench', () => {
  const wb = async (who) => {
    const r = await get('/api/v1/workbench', who);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.headers.get('cache-control'), 'no-store');
    return r.body;
  };
  const figure = (b, kind, key) => b.figures.find((f) => f.kind === kind)?.items.find((i) => i.key === key);

  test('a grid worker: residents due a visit, and the figures of their grid only', async () => {
    const b = await wb(w.as.grid_worker);
    const due = b.todos.find((t) => t.kind === 'visits.due');
    assert.ok(due, JSON.stringify(b.todos));
    const list = await dueIds(w.as.grid_worker);
    assert.equal(due.count, list.due + list.overdue);
    assert.equal(due.link, '/visits?tab=due');
    assert.ok(b.todos.some((t) => t.kind === 'people.verify'));
    assert.equal(figure(b, 'people.register', 'residents').value, 5, 'G1 only, not the street');
    assert.equal(figure(b, 'people.register', 'households').value, 1);
    assert.equal(figure(b, 'people.key_groups', 'living_alone').value, 2);
    assert.equal(figure(b, 'people.key_groups', 'elderly_80').value, 2);
    assert.equal(figure(b, 'people.key_groups', 'dibao').value, 1, 'sensitive groups for those who may reveal');
    assert.equal(figure(b, 'visits.status', 'tracked').value, list.tracked);
    assert.equal(figure(b, 'visits.month', 'visits').unit, '次');
    for (const f of b.figures) for (const i of f.items) assert.ok(i.unit, `${f.kind}.${i.key} has a unit`);
  });

  test('the community secretary: the community\'s figures; the other grid worker: theirs', async () => {
    const ca = await wb(w.as.community_admin);
    assert.equal(figure(ca, 'people.register', 'residents').value, 6, 'G1 and G2 of the community');
    const g2 = await wb(w.gw2);
    assert.equal(figure(g2, 'people.register', 'residents').value, 1);
    assert.equal(g2.todos.find((t) => t.kind === 'visits.due').count, 1);
  });

  test('a resident: their own visits, no to-do and nothing of the grid or the street', async () => {
    const b = await wb(residentUser);
    assert.deepEqual(b.todos, []);
    assert.deepEqual(b.figures.map((f) => f.kind), ['visits.mine']);
    assert.equal(figure(b, 'visits.mine', 'this_year').value >= 1, true);
    assert.match(figure(b, 'visits.mine', 'last').text, new RegExp(day(0)));
  });

  test('roles without the register: no figures of residents', async () => {
    for (const role of ['party_member', 'volunteer', 'property', 'department', 'unit_contact']) {
      const b = await wb(w.as[role]);
      // Cases dispatched to them in person are theirs to handle (property, department,
      // unit contact); nothing of the register or of visits.
      assert.deepEqual(b.todos.map((t) => t.kind).filter((k) => k !== 'cases.assigned'), [], role);
      assert.ok(!b.figures.some((f) => f.kind.startsWith('people.') || f.kind === 'visits.status'), role);
    }
  });
});
