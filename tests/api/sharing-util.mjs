// The scenario of the sharing tests (API and browser), computed by hand in
// tests/api/sharing.test.mjs. G1 (C1): 6 residents, all 独居老人, 3 of them visited once
// (x 3, p 6); G2 (C1): 6 residents, no visit (x 0, p 6); C2G1 (C2): 5 residents, 3 of them
// 高龄, two visited twice (x 4, p 5). Grids 3 and 4 of C1 have nobody. Two closed cases in
// G1 (one responded on time, satisfied and resolved; one late, unsatisfied), carrying
// personal data that must never reach the public board; 90 minutes of service in G1.
import assert from 'node:assert/strict';
import { api } from '../lib/server.mjs';
import { sql } from './auth-util.mjs';
import { G1, G2, C2G1, idNumber, peopleWorld } from './people-util.mjs';

export const REPORTER = '欧阳娜娜';
export const SECRET_PHONE = '13912345678';
export const SECRET_ID = idNumber('19700101', 77);
const day = (days = 0) => new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);

export async function sharingWorld(srv, tag = 's') {
  const w = await peopleWorld(srv, { tag });
  const admin = w.admin;
  const post = (path, body) => api(srv, 'POST', path, body, admin.bearer);
  const names = { G1: [], G2: [], C2G1: [] };
  const ids = { G1: [], G2: [], C2G1: [] };
  const surnames = '赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦';
  let seq = 100;
  for (const [key, grid, n] of [['G1', G1, 6], ['G2', G2, 6], ['C2G1', C2G1, 5]]) {
    for (let i = 0; i < n; i++) {
      const name = `${surnames[seq % surnames.length]}共享${'一二三四五六'[i]}`;
      const tags = key === 'G1' ? ['独居老人'] : key === 'C2G1' && i < 3 ? ['高龄'] : [];
      const r = await post('/api/v1/residents', { name, id_number: idNumber('19400101', seq++), grid_code: grid, tags });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      names[key].push(name);
      ids[key].push(r.body.id);
    }
  }
  const visit = async (rid, d) => {
    const r = await post('/api/v1/visits', { resident_id: rid, visited_on: day(d), kind: 'routine', findings: '' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  };
  for (let i = 0; i < 3; i++) await visit(ids.G1[i], -1);
  await visit(ids.C2G1[0], -1);
  await visit(ids.C2G1[0], -2);
  await visit(ids.C2G1[4], -1);
  await visit(ids.C2G1[4], -3);
  // The cases are loaded directly: the case loop itself is tested in cases.test.mjs.
  const now = Date.now(), rep = now - 2 * 86400e3, day1 = 86400e3;
  for (const [i, onTime, sat, resolved] of [[1, true, 'satisfied', 1], [2, false, 'unsatisfied', 0]]) {
    sql(srv, `INSERT INTO cases (grid_code, category_id, request_type, source, state, description, address,
      reporter_name, self_handled, accepted_at, dispatched_at, responded_at, response_due_at, handled_at, due_at,
      closed_at, satisfaction, resolved, rated_at, reported_at, created_at, updated_at)
      VALUES ('${G1}', (SELECT id FROM case_categories WHERE code = 'C01'), 'complaint', 'resident', 'rated',
      '${REPORTER}反映 3-2-102 门口井盖松动，电话${SECRET_PHONE}，身份证${SECRET_ID}', '多福巷1号3-2-102', '${REPORTER}', 0,
      ${rep + 1000}, ${rep + 2000}, ${rep + (onTime ? 3000 : 3 * day1)}, ${rep + day1}, ${rep + 4000}, ${rep + 5 * day1},
      ${rep + 5000 + i}, '${sat}', ${resolved}, ${rep + 6000}, ${rep}, ${rep}, ${rep})`);
  }
  sql(srv, `INSERT INTO mob_service_records (user_id, scope_code, kind, org_name, content, started_at, ended_at,
    minutes, recorded_at) VALUES (${admin.user.id}, '${G1}', 'service', '多福巷社区', '清扫楼道', ${now - day1},
    ${now - day1 + 5400000}, 90, ${now})`);
  return { ...w, names, ids };
}

// What the public board shows of deliberation and matching (loaded directly): in C1, a
// published topic under publicity (ending in 5 days) whose closed vote passed (3 owners
// eligible, 2 took part, 2 agreed), and a running project (budget 1,200 元) with two
// milestones (one done) and one co-building unit's commitment of 500 元. The topic's
// body and the project's description carry a name and a phone that must never reach the
// board. Returns the titles.
export const BOARD_SECRET = '王大锤';
export function boardData(srv) {
  const now = Date.now(), D = 86400e3;
  const C1 = '110101001001';
  sql(srv, `INSERT INTO topics (scope_code, title, body, stage, published_at, created_at, updated_at, publicity_until)
    VALUES ('${C1}', '3号楼加装电梯', '${BOARD_SECRET}提出，电话${SECRET_PHONE}', 'publicity', ${now - 20 * D},
    ${now - 30 * D}, ${now}, ${now + 5 * D})`);
  const topic = Number(sql(srv, 'SELECT MAX(id) FROM topics')[0][0]);
  const result = JSON.stringify({ rule: 'owners_general', eligible: { owners: 3, area: '349.87' },
    participating: { owners: 2, area: '249.87' }, agree: { owners: 2, area: '249.87' },
    participation_met: true, approval_met: true, passed: true, thresholds: [] });
  sql(srv, `INSERT INTO votes (topic_id, scope_code, rule, state, electorate_units, opened_at, closed_at, result)
    VALUES (${topic}, '${C1}', 'owners_general', 'closed', 3, ${now - 10 * D}, ${now - 3 * D}, '${result}')`);
  sql(srv, `INSERT INTO organisations (type, name, space_code, created_at, updated_at)
    VALUES ('coop_unit', '公示共建单位', '${C1}', ${now}, ${now})`);
  const org = Number(sql(srv, 'SELECT MAX(id) FROM organisations')[0][0]);
  sql(srv, `INSERT INTO match_projects (scope_code, title, description, budget_fen, status, created_at, updated_at)
    VALUES ('${C1}', '楼道照明改造', '${BOARD_SECRET} 3-2-102 反映', 120000, 'running', ${now - 5 * D}, ${now})`);
  const project = Number(sql(srv, 'SELECT MAX(id) FROM match_projects')[0][0]);
  sql(srv, `INSERT INTO match_milestones (project_id, title, due_at, done_at, created_at)
    VALUES (${project}, '采购灯具', ${now - D}, ${now - D}, ${now - 5 * D})`);
  sql(srv, `INSERT INTO match_milestones (project_id, title, due_at, created_at)
    VALUES (${project}, '安装', ${now + 10 * D}, ${now - 5 * D})`);
  sql(srv, `INSERT INTO match_commitments (project_id, org_id, content, amount_fen, created_at)
    VALUES (${project}, ${org}, '出资', 50000, ${now - 4 * D})`);
  return { topic: '3号楼加装电梯', project: '楼道照明改造' };
}
