// 党员积分 over HTTP (issue 13, Build 5): a branch's settings (defaults, changes by its
// administrators, bad input), the entries a branch records (duty, meeting, deduction with
// a reason; audited; bad input changes nothing), the ranking of a branch against
// hand-computed points, a member's year (and their own, by account), and the yearly
// 双报到 report for the employers as JSON and .xlsx — with scopes: out of scope answers
// 404 like a branch that does not exist. Runs on SQLite and PostgreSQL.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { assertErrorShape, assertNoSanitizerReport } from './util.mjs';
import { sql } from './auth-util.mjs';
import { readXlsx } from './xlsx-util.mjs';
import { C1, C2, G1, mobWorld } from './mob-util.mjs';

const STREET = '110101001';
let srv, who;
const ids = {};

const call = (method, path, body, s) => api(srv, method, path, body, s.bearer);
const post = (path, body, s) => call('POST', path, body, s);
const put = (path, body, s) => call('PUT', path, body, s);
const get = (path, s) => call('GET', path, undefined, s);
const tables = () => sql(srv, `SELECT (SELECT COUNT(*) FROM party_point_rules),
  (SELECT COALESCE(SUM(points), 0) FROM party_point_rules), (SELECT COUNT(*) FROM party_point_entries),
  (SELECT COUNT(*) FROM audit_log)`)[0].join(',');

function expect(r, status, code, what) {
  assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
  assertErrorShape(r.body, code, what);
}
async function unchanged(fn) {
  const b = tables();
  await fn();
  assert.equal(tables(), b, 'nothing written');
}
async function org(body) {
  const r = await post('/api/v1/organisations', body, who.admin);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}
const year = new Date(Date.now() + 8 * 3600000).getUTCFullYear();

before(async () => {
  srv = await startServer();
  ({ who } = await mobWorld(srv, {
    staff: [['community_staff', C1]],
    sec: [['community_admin', C1]],
    gw: [['grid_worker', G1]],
    staff2: [['community_staff', C2]],
    v1: [['party_member', G1]],
    v2: [['volunteer', G1]],
  }));
  const street = await org({ type: 'street_party_committee', name: '东华门街道党工委', space_code: STREET });
  const comm = await org({ type: 'community_party_committee', name: '多福巷社区党委', space_code: C1, parent_id: street });
  ids.branch = await org({ type: 'grid_party_branch', name: '第一网格党支部', space_code: G1, parent_id: comm });
  ids.branch2 = await org({ type: 'community_party_committee', name: '南池子社区党委', space_code: C2, parent_id: street });
  ids.unit = await org({ type: 'coop_unit', name: '区人民医院', space_code: STREET });
  ids.rc = await org({ type: 'residents_committee', name: '多福巷居委会', space_code: C1 });
  const now = Date.now();
  sql(srv, `INSERT INTO residents (grid_code, name, user_id, created_at, updated_at) VALUES ('${G1}', '李红', ${Number(who.v1.id)}, ${now}, ${now})`);
  const res = sql(srv, "SELECT id FROM residents WHERE name = '李红'")[0][0];
  const pm = async (body) => {
    const r = await post('/api/v1/party-members', body, who.admin);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id;
  };
  ids.m1 = await pm({ resident_id: String(res), party_org_id: ids.branch, employer_org_id: ids.unit, reported_community_code: C1, reported_grid_code: G1, post_type: 'patrol' });
  ids.m2 = await pm({ name: '赵明', party_org_id: ids.branch, employer_org_id: ids.unit, reported_community_code: C1, post_type: 'legal' });
  ids.m3 = await pm({ name: '钱进', party_org_id: ids.branch2 });
  // v1's volunteer service this year (150 minutes, rated 5) and last year (not counted).
  const jun = Date.UTC(year, 5, 1, 2);
  sql(srv, `INSERT INTO mob_volunteers (user_id, name, created_at) VALUES (${Number(who.v1.id)}, '李红', ${now})`);
  sql(srv, `INSERT INTO mob_service_records (user_id, scope_code, kind, org_name, content, started_at, ended_at, minutes, rating, evaluation, recorded_at)
    VALUES (${Number(who.v1.id)}, '${C1}', 'service', '多福巷居委会', '楼道清洁', ${jun}, ${jun + 9000000}, 150, 5, '认真负责', ${now}),
           (${Number(who.v1.id)}, '${C1}', 'service', '多福巷居委会', '往年服务', ${jun - 366 * 86400000}, ${jun - 366 * 86400000 + 3600000}, 600, 3, '', ${now})`);
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

describe('a branch\'s rules', () => {
  test('defaults, changed by the secretary only, bad input changes nothing', async () => {
    let r = await get(`/api/v1/party-branches/${ids.branch}/point-rules`, who.staff);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.branch.name, '第一网格党支部');
    assert.deepEqual(Object.fromEntries(r.body.items.map((i) => [i.rule, i.points])),
      { base: 60, service_hour: 2, duty: 5, meeting: 3, deduction_max: 20 });
    await unchanged(async () => {
      expect(await put(`/api/v1/party-branches/${ids.branch}/point-rules`, { base: 50 }, who.staff), 403, 'forbidden', 'staff may not set rules');
      expect(await put(`/api/v1/party-branches/${ids.branch}/point-rules`, { bonus: 5 }, who.sec), 422, 'invalid_fields', 'unknown rule');
      expect(await put(`/api/v1/party-branches/${ids.branch}/point-rules`, { base: -1 }, who.sec), 422, 'invalid_fields', 'negative');
      expect(await put(`/api/v1/party-branches/${ids.branch}/point-rules`, { base: 'x' }, who.sec), 422, 'invalid_fields', 'not a number');
      expect(await put(`/api/v1/party-branches/${ids.branch}/point-rules`, { deduction_max: 0 }, who.sec), 422, 'invalid_fields', 'deduction_max 0');
      expect(await put(`/api/v1/party-branches/${ids.branch}/point-rules`, {}, who.sec), 422, 'invalid_fields', 'nothing');
      expect(await put(`/api/v1/party-branches/${ids.branch}/point-rules`, [], who.sec), 400, 'body_not_object', 'not an object');
    });
    r = await put(`/api/v1/party-branches/${ids.branch}/point-rules`, { base: 50, service_hour: 4, deduction_max: 10 }, who.sec);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(Object.fromEntries(r.body.items.map((i) => [i.rule, i.points])),
      { base: 50, service_hour: 4, duty: 5, meeting: 3, deduction_max: 10 });
    const audit = sql(srv, "SELECT record_type, record_id FROM audit_log WHERE action = 'party_points.rules_update'");
    assert.deepEqual(audit.map((a) => a.map(String)), [['organisation', String(ids.branch)]]);
  });

  test('out of scope, nonexistent and not a Party organisation: the same 404', async () => {
    for (const [path, s] of [[`/api/v1/party-branches/${ids.branch}/point-rules`, who.staff2],
      ['/api/v1/party-branches/999999/point-rules', who.staff], ['/api/v1/party-branches/abc/point-rules', who.staff],
      [`/api/v1/party-branches/${ids.rc}/point-rules`, who.staff]]) {
      expect(await get(path, s), 404, 'not_found', path);
    }
    await unchanged(async () => {
      expect(await put(`/api/v1/party-branches/${ids.branch}/point-rules`, { base: 1 }, who.staff2), 404, 'not_found', 'put out of scope');
    });
    expect(await get(`/api/v1/party-branches/${ids.branch}/point-rules`, who.v2), 403, 'forbidden', 'a volunteer in the grid: no right to it');
  });
});

describe('entries and the ranking', () => {
  test('duties, meetings and deductions are recorded and audited; bad input changes nothing', async () => {
    const path = `/api/v1/party-branches/${ids.branch}/point-entries`;
    let r = await post(path, { party_member_id: ids.m1, kind: 'duty', note: '夜间巡逻' }, who.staff);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.kind_label, '双报到履职');
    assert.equal(r.body.points, 5);
    for (let i = 0; i < 2; i++) {
      r = await post(path, { party_member_id: ids.m1, kind: 'meeting', note: '主题党日' }, who.staff);
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    r = await post(path, { party_member_id: ids.m1, kind: 'deduction', points: 2, reason: '无故缺席支部会议', note: '十月支部会' }, who.staff);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.points, -2);
    assert.equal(r.body.reason, '无故缺席支部会议');
    const later = new Date(Date.now() + 86400000).toISOString();
    await unchanged(async () => {
      expect(await post(path, { party_member_id: ids.m1, kind: 'deduction', points: 2, note: 'x' }, who.staff), 422, 'invalid_fields', 'deduction without a reason');
      expect(await post(path, { party_member_id: ids.m1, kind: 'deduction', points: 11, reason: 'r', note: 'x' }, who.staff), 422, 'invalid_fields', 'above deduction_max');
      expect(await post(path, { party_member_id: ids.m1, kind: 'deduction', points: 0, reason: 'r', note: 'x' }, who.staff), 422, 'invalid_fields', 'zero');
      expect(await post(path, { party_member_id: ids.m1, kind: 'duty', points: 9, note: 'x' }, who.staff), 422, 'invalid_fields', 'points on a duty');
      expect(await post(path, { party_member_id: ids.m1, kind: 'bonus', note: 'x' }, who.staff), 422, 'invalid_fields', 'unknown kind');
      expect(await post(path, { party_member_id: ids.m1, kind: 'duty' }, who.staff), 422, 'invalid_fields', 'no note');
      expect(await post(path, { party_member_id: ids.m3, kind: 'duty', note: 'x' }, who.staff), 422, 'invalid_fields', 'another branch\'s member');
      expect(await post(path, { party_member_id: ids.m1, kind: 'duty', note: 'x', at: later }, who.staff), 422, 'invalid_fields', 'in the future');
      expect(await post(path, { party_member_id: ids.m1, kind: 'duty', note: 'x' }, who.staff2), 404, 'not_found', 'out of scope');
      expect(await post(path, { party_member_id: ids.m1, kind: 'duty', note: 'x' }, who.gw), 403, 'forbidden', 'a grid worker reads only');
      expect(await post(path, 'not json', who.staff), 400, 'invalid_json', 'not JSON');
    });
    const audit = sql(srv, "SELECT COUNT(*) FROM audit_log WHERE action = 'party_points.entry'")[0][0];
    assert.equal(Number(audit), 4);
  });

  test('the ranking matches hand-computed points; a bad year is refused', async () => {
    // m1: 50 base + ⌊150 min × 4 / 60⌋ = 10 + 1 duty × 5 + 2 meetings × 3 − 2 = 69; m2: 50.
    const r = await get(`/api/v1/party-branches/${ids.branch}/ranking?year=${year}`, who.gw);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.year, year);
    assert.deepEqual(r.body.items.map((i) => [i.party_member_id, i.rank, i.points.total]), [[ids.m1, 1, 69], [ids.m2, 2, 50]]);
    assert.deepEqual(r.body.items[0].points, { base: 50, service: 10, duty: 5, meeting: 6, deduction: 2, total: 69 });
    assert.equal(r.body.items[0].tally.service_minutes, 150);
    const last = await get(`/api/v1/party-branches/${ids.branch}/ranking?year=${year - 1}`, who.staff);
    assert.deepEqual(last.body.items.map((i) => [i.party_member_id, i.points.total]), [[ids.m1, 50 + 40], [ids.m2, 50]]);
    for (const y of ['abc', '1999', '', '2026x']) {
      expect(await get(`/api/v1/party-branches/${ids.branch}/ranking?year=${y}`, who.staff), 400, 'bad_query', `year ${y}`);
    }
    expect(await get(`/api/v1/party-branches/${ids.branch}/ranking`, who.staff2), 404, 'not_found', 'out of scope');
    const list = await get('/api/v1/party-branches', who.staff);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.deepEqual(list.body.items.map((b) => [b.id, b.members]), [[ids.branch, 2]]);
  });

  test('a member\'s year, and their own by account', async () => {
    let r = await get(`/api/v1/party-members/${ids.m1}/points?year=${year}`, who.staff);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.points.total, 69);
    assert.deepEqual(r.body.entries.map((e) => e.kind).sort(), ['deduction', 'duty', 'meeting', 'meeting']);
    assert.deepEqual(r.body.services.map((s) => [s.content, s.minutes, s.rating]), [['楼道清洁', 150, 5]]);
    expect(await get(`/api/v1/party-members/${ids.m1}/points`, who.staff2), 404, 'not_found', 'out of scope');
    expect(await get('/api/v1/party-members/999999/points', who.staff), 404, 'not_found', 'nonexistent');
    r = await get('/api/v1/me/party-points', who.v1);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.member.name, '李红');
    assert.equal(r.body.points.total, 69);
    expect(await get('/api/v1/me/party-points', who.v2), 404, 'not_found', 'not a Party member');
  });
});

describe('the 双报到 report', () => {
  test('JSON and .xlsx for the employer; scope and bad input', async () => {
    let r = await get(`/api/v1/party-points/dual-report?community=${C1}&year=${year}`, who.staff);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.items.map((i) => [i.name, i.employer.name, i.tally.services, i.hours, i.tally.duties, i.points.total]),
      [['李红', '区人民医院', 1, '2.5', 1, 69], ['赵明', '区人民医院', 0, '0.0', 0, 50]]);
    assert.equal(r.body.items[0].tally.average_rating, 5);
    assert.equal(r.body.items[0].latest_evaluation, '认真负责');
    const before = Number(sql(srv, "SELECT COUNT(*) FROM audit_log WHERE action = 'party_points.report_export'")[0][0]);
    const res = await srv.fetch(`/api/v1/party-points/dual-report?community=${C1}&year=${year}&employer_org_id=${ids.unit}&format=xlsx`, { headers: who.staff.bearer });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /spreadsheetml/);
    assert.match(res.headers.get('content-disposition') || '', /attachment; filename="dual-report-/);
    const x = readXlsx(await res.arrayBuffer());
    assert.deepEqual(x[0], ['工作单位', '姓名', '所在党组织', '报到网格', '报到岗位', '志愿服务次数', '服务时长（小时）', '双报到履职次数', '参加组织生活次数', '平均评价（星）', '最近评价', '党员积分']);
    assert.deepEqual(x[1], ['区人民医院', '李红', '第一网格党支部', G1, '治安巡逻', '1', '2.5', '1', '2', '5.0', '认真负责', '69']);
    assert.equal(x.length, 3);
    const afterN = Number(sql(srv, "SELECT COUNT(*) FROM audit_log WHERE action = 'party_points.report_export'")[0][0]);
    assert.equal(afterN, before + 1);
    expect(await get(`/api/v1/party-points/dual-report?community=${C1}`, who.staff2), 404, 'not_found', 'out of scope');
    expect(await get('/api/v1/party-points/dual-report', who.staff), 400, 'bad_query', 'no community');
    expect(await get(`/api/v1/party-points/dual-report?community=${G1}`, who.staff), 400, 'bad_query', 'a grid');
    expect(await get(`/api/v1/party-points/dual-report?community=${C1}&format=pdf`, who.staff), 400, 'bad_query', 'format');
    expect(await get(`/api/v1/party-points/dual-report?community=${C1}&year=20`, who.staff), 400, 'bad_query', 'year');
  });
});
