// Deliberation over HTTP (issue 12): a topic through every stage, with an owners' vote
// whose electorate is frozen when it opens, online ballots changed before close, a paper
// ballot entered by staff, the stored result re-checked from the frozen electorate, and
// the bad inputs the issue names: a second ballot replaces the first, a ballot from
// outside the electorate is 403, after close 409, an owners' vote on a topic published 14
// days ago 422.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, api, cli } from '../lib/server.mjs';
import { assertErrorShape, assertNoSanitizerReport } from './util.mjs';
import { makeUser, login, sql } from './auth-util.mjs';
import { peopleWorld, idNumber, C1, G1, G2 } from './people-util.mjs';

let srv, w, staff, secretary, ownerA, ownerB, bystander, voterAcct;
const units = {};
const DAY = 86400000;

const call = (method, path, body, who) => api(srv, method, path, body, who.bearer);
const get = (path, who) => call('GET', path, undefined, who);
const post = (path, body, who) => call('POST', path, body, who);

function expectError(r, status, code) {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assertErrorShape(r.body, code);
}

before(async () => {
  srv = await startServer();
  w = await peopleWorld(srv, { tag: 'dl' });
  staff = w.as.community_staff;
  secretary = w.as.community_admin;
  bystander = w.as.resident; // lives in G1, owns nothing
  const people = {
    zhang: { name: '张建国', id_number: idNumber('19700101', 11) },
    li: { name: '李秀英', id_number: idNumber('19750315', 22) },
    wang: { name: '王大力', id_number: idNumber('19800601', 33) },
  };
  const residents = {};
  for (const [k, p] of Object.entries(people)) {
    const r = await post('/api/v1/residents', { ...p, grid_code: G1 }, w.as.grid_worker);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    residents[k] = r.body.id;
  }
  // Zhang and Li vote with their accounts; Wang votes on paper.
  for (const [k, name] of [['zhang', 'dl-owner-a'], ['li', 'dl-owner-b']]) {
    await makeUser(srv, w.admin, name, [['resident', G1]], `${name}-password`);
    const s = await login(srv, name, `${name}-password`);
    const r = await call('PATCH', `/api/v1/residents/${residents[k]}`, { user_id: s.user.id }, w.as.grid_worker);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    if (k === 'zhang') ownerA = s; else ownerB = s;
  }
  // Zhang owns two units (one head, 150.00 m²), Li one, Wang one, the developer one.
  const rows = [
    ['1-101', '100.00', [people.zhang]], ['1-102', '50', [people.zhang]],
    ['1-103', '80.00', [people.li]], ['1-104', '70.00', null], ['1-105', '60.00', [people.wang]],
  ];
  for (const [number, area, owners] of rows) {
    const body = { building_id: w.building.id, number, area_m2: area };
    if (owners) body.owners = owners; else body.sold = false;
    const r = await post('/api/v1/units', body, staff);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    units[number] = r.body.id;
  }
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

describe('a topic through every stage with an owners\' vote', () => {
  let topic, vote;

  test('anyone in the place proposes; people of another community do not see it', async () => {
    let r = await post('/api/v1/topics', { scope_code: C1, title: '加装电梯', body: '1号楼加装电梯，费用按面积分摊。' }, bystander);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    topic = r.body;
    assert.equal(topic.stage, 'proposed');
    assert.equal(topic.stage_label, '提出议题');
    assert.equal(topic.published_at, null);
    assert.equal(topic.proposed_by, bystander.user.id);
    r = await get(`/api/v1/topics/${topic.id}`, w.ca2);
    expectError(r, 404, 'not_found');
    r = await get('/api/v1/topics', bystander);
    assert.equal(r.status, 200);
    assert.ok(r.body.items.some((t) => t.id === topic.id), 'a grid resident lists the community topic');
    r = await get('/api/v1/topics', w.ca2);
    assert.ok(!r.body.items.some((t) => t.id === topic.id));
    r = await post('/api/v1/topics', { scope_code: '110101001009', title: 'x' }, staff);
    expectError(r, 404, 'not_found'); // another community: outside the staff's scope
    r = await post('/api/v1/topics', { scope_code: C1, title: '' }, staff);
    expectError(r, 422, 'invalid_fields');
    r = await post('/api/v1/topics', { scope_code: 'abcdefghijkl', title: 'x' }, staff);
    expectError(r, 422, 'invalid_fields');
    assert.ok('scope_code' in r.body.error.fields);
  });

  test('only the community confirms and moves it; stages go forward only', async () => {
    let r = await post(`/api/v1/topics/${topic.id}/stage`, { stage: 'confirmed' }, bystander);
    expectError(r, 403, 'forbidden');
    r = await post(`/api/v1/topics/${topic.id}/votes`, { rule: 'owners_major' }, secretary);
    expectError(r, 409, 'stage_order'); // not confirmed yet
    r = await post(`/api/v1/topics/${topic.id}/stage`, { stage: 'meeting' }, secretary);
    expectError(r, 409, 'stage_order');
    r = await post(`/api/v1/topics/${topic.id}/stage`, { stage: 'confirmed', note: '党委会议确定' }, secretary);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.stage, 'confirmed');
    assert.ok(r.body.published_at);
    r = await post(`/api/v1/topics/${topic.id}/stage`, { stage: 'proposed' }, secretary);
    expectError(r, 409, 'stage_order');
  });

  test('an owners\' vote needs the topic published 15 days before: 14 days is 422', async () => {
    let r = await post(`/api/v1/topics/${topic.id}/votes`, { rule: 'owners_major' }, secretary);
    expectError(r, 422, 'notice_too_short');
    sql(srv, `UPDATE topics SET published_at = ${Date.now() - 14 * DAY} WHERE id = ${topic.id}`);
    r = await post(`/api/v1/topics/${topic.id}/votes`, { rule: 'owners_major' }, secretary);
    expectError(r, 422, 'notice_too_short');
    assert.equal(Number(sql(srv, `SELECT COUNT(*) FROM votes WHERE topic_id = ${topic.id}`)[0][0]), 0);
    sql(srv, `UPDATE topics SET published_at = ${Date.now() - 16 * DAY} WHERE id = ${topic.id}`);
    for (const stage of ['consultation', 'meeting']) {
      r = await post(`/api/v1/topics/${topic.id}/stage`, { stage }, secretary);
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    r = await post(`/api/v1/topics/${topic.id}/votes`, { rule: 'residents_meeting', electorate: 'owners' }, secretary);
    expectError(r, 422, 'invalid_fields');
    assert.ok('electorate' in r.body.error.fields);
    r = await post(`/api/v1/topics/${topic.id}/votes`, { rule: 'owners_general', electorate: 'households' }, secretary);
    expectError(r, 422, 'invalid_fields');
    r = await post(`/api/v1/topics/${topic.id}/votes`, { rule: 'owners_general', electorate: 'everyone' }, secretary);
    expectError(r, 422, 'invalid_fields');
    r = await post(`/api/v1/topics/${topic.id}/votes`, { rule: 'owners_major', approval: 'heads>1/2' }, secretary);
    expectError(r, 422, 'invalid_fields');
    r = await post(`/api/v1/topics/${topic.id}/votes`, { rule: 'owners_major', secret: true }, bystander);
    expectError(r, 403, 'forbidden');
  });

  test('consultation: comments with a position and replies, seen by everyone in the place', async () => {
    const before = Number(sql(srv, 'SELECT COUNT(*) FROM topic_comments')[0][0]);
    let r = await post(`/api/v1/topics/${topic.id}/comments`, { position: 'support', body: '老人上下楼太难了，支持加装。' }, ownerA);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    r = await post(`/api/v1/topics/${topic.id}/comments`, { position: 'oppose', body: '一楼采光会受影响。' }, ownerB);
    assert.equal(r.status, 201);
    const oppose = r.body.comments.find((c) => c.position === 'oppose');
    r = await post(`/api/v1/topics/${topic.id}/comments`, { parent_id: oppose.id, body: '设计方案会评估采光，一楼可少分摊。' }, staff);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    r = await post(`/api/v1/topics/${topic.id}/comments`, { position: 'suggest', body: '建议按楼层分摊费用。' }, bystander);
    assert.equal(r.status, 201);
    // Bad input changes nothing: no position, an unknown one, a parent of another topic, empty body.
    for (const [body, field] of [[{ body: '没有立场' }, 'position'], [{ position: 'maybe', body: 'x' }, 'position'],
      [{ position: 'support', body: '' }, 'body'], [{ parent_id: 'abc', body: 'x' }, 'parent_id'], [{ parent_id: '999999', body: 'x' }, 'parent_id']]) {
      r = await post(`/api/v1/topics/${topic.id}/comments`, body, ownerA);
      expectError(r, 422, 'invalid_fields');
      assert.ok(field in r.body.error.fields, JSON.stringify(r.body));
    }
    r = await post(`/api/v1/topics/${topic.id}/comments`, { position: 'support', body: 'x' }, w.ca2);
    expectError(r, 404, 'not_found');
    assert.equal(Number(sql(srv, 'SELECT COUNT(*) FROM topic_comments')[0][0]), before + 4);
    r = await get(`/api/v1/topics/${topic.id}`, bystander);
    assert.equal(r.body.comments.length, 4);
    assert.deepEqual(r.body.positions, { support: 1, oppose: 1, suggest: 1, replies: 1 });
    const reply = r.body.comments.find((c) => c.parent_id === oppose.id);
    assert.equal(reply.position, null);
    assert.equal(reply.username, staff.user.username);
  });

  test('the meeting: participants of several actors, minutes, recorded by staff', async () => {
    const meeting = {
      held_at: new Date(Date.now() - 3600000).toISOString(), place: '社区党群服务中心议事厅',
      minutes: '与会各方同意进入业主表决；一楼住户的采光问题由设计单位出具评估。',
      participants: [
        { name: '王书记', actor: 'party', organisation: '社区党委' },
        { name: '赵主任', actor: 'residents_committee' },
        { name: '钱经理', actor: 'property', organisation: '安居物业' },
        { name: '张建国', actor: 'resident' },
      ],
    };
    let r = await post(`/api/v1/topics/${topic.id}/meetings`, meeting, bystander);
    expectError(r, 403, 'forbidden');
    r = await post(`/api/v1/topics/${topic.id}/meetings`, { ...meeting, participants: [{ name: '王书记', actor: 'party' }] }, staff);
    expectError(r, 422, 'invalid_fields');
    assert.ok('participants' in r.body.error.fields);
    r = await post(`/api/v1/topics/${topic.id}/meetings`, { ...meeting, participants: [{ name: '甲', actor: 'mayor' }, { name: '乙', actor: 'party' }] }, staff);
    expectError(r, 422, 'invalid_fields');
    r = await post(`/api/v1/topics/${topic.id}/meetings`, { ...meeting, held_at: 'yesterday' }, staff);
    expectError(r, 422, 'invalid_fields');
    assert.equal(Number(sql(srv, `SELECT COUNT(*) FROM topic_meetings WHERE topic_id = ${topic.id}`)[0][0]), 0);
    r = await post(`/api/v1/topics/${topic.id}/meetings`, meeting, staff);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const t = await get(`/api/v1/topics/${topic.id}`, bystander);
    assert.equal(t.body.meetings.length, 1);
    const m = t.body.meetings[0];
    assert.equal(m.minutes, meeting.minutes);
    assert.deepEqual(m.participants.map((p) => p.actor_label), ['党组织', '居委会', '物业服务企业', '居民代表']);
    assert.equal(m.recorded_by, staff.user.username);
  });

  test('opening freezes the electorate: 5 units, 4 owners, 360.00 m²', async () => {
    const r = await post(`/api/v1/topics/${topic.id}/votes`, { rule: 'owners_major', secret: true }, secretary);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    vote = r.body;
    assert.equal(vote.state, 'open');
    assert.equal(vote.electorate_units, 5);
    assert.deepEqual(vote.tally.eligible, { owners: 4, area: '360.00' });
    assert.deepEqual(vote.tally.participating, { owners: 0, area: '0.00' });
    assert.equal(vote.me.voter, false);
    const t = await get(`/api/v1/topics/${topic.id}`, bystander);
    assert.equal(t.body.stage, 'voting');
    assert.equal(t.body.votes.length, 1);
    // A unit registered after opening is not in the electorate.
    const u = await post('/api/v1/units', { building_id: w.building.id, number: '1-106', area_m2: '500', sold: false }, staff);
    assert.equal(u.status, 201);
    const again = await get(`/api/v1/votes/${vote.id}`, bystander);
    assert.deepEqual(again.body.tally.eligible, { owners: 4, area: '360.00' });
    const second = await post(`/api/v1/topics/${topic.id}/votes`, { rule: 'owners_general' }, secretary);
    expectError(second, 409, 'vote_open');
  });

  test('an owner votes, changes the vote; the second ballot replaces the first', async () => {
    let r = await call('PUT', `/api/v1/votes/${vote.id}/ballot`, { choice: 'oppose' }, ownerA);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.me, { voter: true, choice: 'oppose' });
    r = await call('PUT', `/api/v1/votes/${vote.id}/ballot`, { choice: '同意' }, ownerA);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.me, { voter: true, choice: 'agree' });
    assert.deepEqual(r.body.tally.participating, { owners: 1, area: '150.00' });
    assert.deepEqual(r.body.tally.agree, { owners: 1, area: '150.00' });
    assert.equal(Number(sql(srv, `SELECT COUNT(*) FROM ballots WHERE vote_id = ${vote.id}`)[0][0]), 1);
    r = await call('PUT', `/api/v1/votes/${vote.id}/ballot`, { choice: 'agree' }, ownerB);
    assert.equal(r.status, 200);
    r = await call('PUT', `/api/v1/votes/${vote.id}/ballot`, { choice: 'maybe' }, ownerB);
    expectError(r, 422, 'invalid_fields');
  });

  test('someone outside the electorate gets 403; outside the place 404', async () => {
    let r = await call('PUT', `/api/v1/votes/${vote.id}/ballot`, { choice: 'agree' }, bystander);
    expectError(r, 403, 'not_in_electorate');
    r = await call('PUT', `/api/v1/votes/${vote.id}/ballot`, { choice: 'agree' }, w.ca2);
    expectError(r, 404, 'not_found');
    r = await get(`/api/v1/votes/${vote.id}`, w.ca2);
    expectError(r, 404, 'not_found');
  });

  test('staff enter a paper ballot; the audit says who entered it, never how anyone voted', async () => {
    let r = await post(`/api/v1/votes/${vote.id}/paper-ballots`, { unit_id: units['1-105'], choice: 'agree' }, staff);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.tally.participating, { owners: 3, area: '290.00' });
    r = await post(`/api/v1/votes/${vote.id}/paper-ballots`, { unit_id: units['1-101'], choice: 'agree' }, bystander);
    expectError(r, 403, 'forbidden');
    r = await post(`/api/v1/votes/${vote.id}/paper-ballots`, { unit_id: '999999', choice: 'agree' }, staff);
    expectError(r, 422, 'invalid_fields');
    const rows = sql(srv, `SELECT action, user_id, detail FROM audit_log WHERE record_type = 'vote' AND record_id = '${vote.id}' ORDER BY id`);
    const paper = rows.find((x) => x[0] === 'ballot.paper');
    assert.ok(paper, JSON.stringify(rows));
    assert.equal(paper[1], String(staff.user.id));
    for (const row of rows) assert.ok(!/agree|oppose|同意/.test(row[2]), `no choice in ${row[2]}`);
    assert.equal(rows.filter((x) => x[0] === 'ballot.cast').length, 3); // A twice, B once
  });

  test('closing stores the result with each threshold\'s numbers; later ballots get 409', async () => {
    let r = await post(`/api/v1/votes/${vote.id}/close`, undefined, bystander);
    expectError(r, 403, 'forbidden');
    r = await post(`/api/v1/votes/${vote.id}/close`, undefined, secretary);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.state, 'closed');
    const res = r.body.result;
    assert.equal(res.rule, 'owners_major');
    assert.deepEqual(res.eligible, { owners: 4, area: '360.00' });
    assert.deepEqual(res.participating, { owners: 3, area: '290.00' });
    assert.deepEqual(res.agree, { owners: 3, area: '290.00' });
    assert.equal(res.participation_met, true);
    assert.equal(res.approval_met, true);
    assert.equal(res.passed, true);
    const area = res.thresholds.find((t) => t.stage === 'participation' && t.measure === 'area');
    assert.deepEqual(area, { stage: 'participation', measure: 'area', numerator: '290.00', denominator: '360.00', required: '2/3', comparison: 'at_least', met: true });
    r = await call('PUT', `/api/v1/votes/${vote.id}/ballot`, { choice: 'oppose' }, ownerB);
    expectError(r, 409, 'vote_closed');
    r = await post(`/api/v1/votes/${vote.id}/paper-ballots`, { unit_id: units['1-104'], choice: 'oppose' }, staff);
    expectError(r, 409, 'vote_closed');
    r = await post(`/api/v1/votes/${vote.id}/close`, undefined, secretary);
    expectError(r, 409, 'vote_closed');
  });

  test('the stored result re-checks from the frozen electorate', async () => {
    // Units and owners change after the vote: the re-check still counts what was frozen.
    sql(srv, `UPDATE units SET area_dm2 = area_dm2 * 2 WHERE id = ${units['1-101']}`);
    const r = await get(`/api/v1/votes/${vote.id}/recheck`, bystander);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.matches, true);
    assert.deepEqual(r.body.recomputed, r.body.stored);
    // Tampering with a stored ballot is found.
    sql(srv, `UPDATE ballots SET choice = 'oppose' WHERE vote_id = ${vote.id} AND channel = 'paper'`);
    const bad = await get(`/api/v1/votes/${vote.id}/recheck`, bystander);
    assert.equal(bad.body.matches, false);
    sql(srv, `UPDATE ballots SET choice = 'agree' WHERE vote_id = ${vote.id} AND channel = 'paper'`);
  });

  test('publicity for its set period, then implementation with an owner and tasks', async () => {
    let r = await post(`/api/v1/topics/${topic.id}/stage`, { stage: 'publicity', publicity_days: 0 }, secretary);
    expectError(r, 422, 'invalid_fields');
    r = await post(`/api/v1/topics/${topic.id}/stage`, { stage: 'publicity', publicity_days: 91 }, secretary);
    expectError(r, 422, 'invalid_fields');
    r = await post(`/api/v1/topics/${topic.id}/stage`, { stage: 'publicity', publicity_days: 7, note: '表决结果公示' }, secretary);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(Date.parse(r.body.publicity_until) - Date.parse(r.body.stages.at(-1).at), 7 * DAY);
    r = await post(`/api/v1/topics/${topic.id}/stage`, { stage: 'implementation', owner: '安居物业' }, secretary);
    expectError(r, 409, 'publicity_running');
    sql(srv, `UPDATE topics SET publicity_until = ${Date.now() - 1000} WHERE id = ${topic.id}`);
    r = await post(`/api/v1/topics/${topic.id}/tasks`, { title: '电梯采购' }, secretary);
    expectError(r, 409, 'stage_order'); // tasks only in implementation
    r = await post(`/api/v1/topics/${topic.id}/stage`, { stage: 'implementation' }, secretary);
    expectError(r, 422, 'invalid_fields'); // who answers for it
    assert.ok('owner' in r.body.error.fields);
    r = await post(`/api/v1/topics/${topic.id}/stage`, { stage: 'implementation', owner: '安居物业' }, secretary);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.implementation_owner, '安居物业');
    for (const title of ['设计方案与采光评估', '电梯采购与安装']) {
      r = await post(`/api/v1/topics/${topic.id}/tasks`, { title, assignee: '安居物业' }, staff);
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    const [t1, t2] = r.body.tasks;
    r = await post(`/api/v1/topics/${topic.id}/tasks`, { title: 'x' }, bystander);
    expectError(r, 403, 'forbidden');
    r = await call('PATCH', `/api/v1/topics/${topic.id}/tasks/${t1.id}`, { progress: 101 }, staff);
    expectError(r, 422, 'invalid_fields');
    r = await call('PATCH', `/api/v1/topics/${topic.id}/tasks/999999`, { progress: 50 }, staff);
    expectError(r, 404, 'not_found');
    r = await call('PATCH', `/api/v1/topics/${topic.id}/tasks/${t1.id}`, { progress: 100, note: '评估报告已出' }, staff);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    r = await call('PATCH', `/api/v1/topics/${topic.id}/tasks/${t2.id}`, { progress: 60 }, staff);
    assert.equal(r.status, 200);
    r = await post(`/api/v1/topics/${topic.id}/stage`, { stage: 'evaluation' }, secretary);
    expectError(r, 409, 'tasks_unfinished');
    r = await call('PATCH', `/api/v1/topics/${topic.id}/tasks/${t2.id}`, { progress: 100, note: '验收通过' }, staff);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.tasks.map((t) => t.progress), [100, 100]);
  });

  test('residents evaluate (one each, changeable); then it closes', async () => {
    let r = await call('PUT', `/api/v1/topics/${topic.id}/evaluation`, { rating: 'satisfied' }, ownerA);
    expectError(r, 409, 'stage_order');
    r = await post(`/api/v1/topics/${topic.id}/stage`, { stage: 'evaluation' }, secretary);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    r = await call('PUT', `/api/v1/topics/${topic.id}/evaluation`, { rating: 'dissatisfied', comment: '工期太长' }, ownerA);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    r = await call('PUT', `/api/v1/topics/${topic.id}/evaluation`, { rating: 'satisfied' }, ownerA);
    assert.equal(r.status, 200);
    r = await call('PUT', `/api/v1/topics/${topic.id}/evaluation`, { rating: 'basic' }, ownerB);
    assert.equal(r.status, 200);
    r = await call('PUT', `/api/v1/topics/${topic.id}/evaluation`, { rating: 'great' }, bystander);
    expectError(r, 422, 'invalid_fields');
    r = await call('PUT', `/api/v1/topics/${topic.id}/evaluation`, { rating: 'satisfied' }, w.ca2);
    expectError(r, 404, 'not_found');
    const e = r.status === 404 && (await get(`/api/v1/topics/${topic.id}`, bystander)).body.evaluation;
    assert.equal(e.satisfied, 1);
    assert.equal(e.basic, 1);
    assert.equal(e.dissatisfied, 0);
    assert.deepEqual(e.satisfaction, { numerator: 2, denominator: 2 });
    assert.equal(e.items.length, 2);
  });

  test('every stage on the record, visible to everyone in the place', async () => {
    const done = await post(`/api/v1/topics/${topic.id}/stage`, { stage: 'closed', note: '办结' }, secretary);
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const r = await get(`/api/v1/topics/${topic.id}`, bystander);
    assert.deepEqual(r.body.stages.map((s) => s.stage),
      ['proposed', 'confirmed', 'consultation', 'meeting', 'voting', 'publicity', 'implementation', 'evaluation', 'closed']);
    assert.equal(r.body.stages[1].note, '党委会议确定');
    assert.equal(r.body.votes[0].state, 'closed');
    const end = await post(`/api/v1/topics/${topic.id}/stage`, { stage: 'evaluation' }, secretary);
    expectError(end, 409, 'stage_order');
  });
});

describe('a residents\' meeting: adults (18+) or household representatives, frozen at opening', () => {
  // Grid G2 of the same community: a household of three (two adults, one minor), one
  // adult turning 18 today, one turning 18 tomorrow, one without a birth date.
  const ymd = (d) => `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
  // Ages are counted on the day in Asia/Shanghai, as the server counts them.
  const shanghai = new Date(Date.now() + 8 * 3600000);
  const yearsAgo = (n, dayShift) => {
    const d = new Date(Date.UTC(shanghai.getUTCFullYear() - n, shanghai.getUTCMonth(), shanghai.getUTCDate() + dayShift));
    return ymd(d);
  };
  let topic, hhVote, adultVote, ids = {};

  before(async () => {
    const gw2 = w.gw2;
    let r = await post('/api/v1/households', {
      grid_code: G2, address: '多福巷2号1-201',
      members: [
        { name: '陈志强', id_number: idNumber('19760505', 41), relation: '户主' },
        { name: '林美华', id_number: idNumber('19780808', 42), relation: '配偶' },
        { name: '陈小明', id_number: idNumber(yearsAgo(10, 0), 43), relation: '子' },
      ],
    }, gw2);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const members = r.body.members || [];
    for (const m of members) ids[m.name] = m.id;
    for (const [name, birth, seq] of [['周十八', yearsAgo(18, 0), 44], ['吴差一天', yearsAgo(18, 1), 45]]) {
      r = await post('/api/v1/residents', { name, id_number: idNumber(birth, seq), grid_code: G2 }, gw2);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      ids[name] = r.body.id;
    }
    r = await post('/api/v1/residents', { name: '郑无证', grid_code: G2 }, gw2);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    // 周十八 votes online with an account of G2.
    await makeUser(srv, w.admin, 'dl-g2-resident', [['resident', G2]], 'dl-g2-resident-password');
    voterAcct = await login(srv, 'dl-g2-resident', 'dl-g2-resident-password');
    r = await call('PATCH', `/api/v1/residents/${ids['周十八']}`, { user_id: voterAcct.user.id }, gw2);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    r = await post('/api/v1/topics', { scope_code: G2, title: '二号网格停车管理公约', body: '居民会议表决。' }, secretary);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    topic = r.body;
    r = await post(`/api/v1/topics/${topic.id}/stage`, { stage: 'confirmed' }, secretary);
    assert.equal(r.status, 200);
  });

  test('no notice period for a residents\' meeting; adults of 18 today count, 17 do not', async () => {
    assert.ok(ids['陈志强'] && ids['陈小明'], 'household members have ids');
    const r = await post(`/api/v1/topics/${topic.id}/votes`, { rule: 'residents_meeting' }, secretary);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    adultVote = r.body;
    assert.equal(adultVote.electorate, 'residents');
    assert.equal(adultVote.electorate_units, 3); // 陈志强, 林美华, 周十八
    assert.deepEqual(adultVote.tally.eligible, { owners: 3, area: null });
    const keys = sql(srv, `SELECT voter_key FROM vote_persons WHERE vote_id = ${adultVote.id} ORDER BY voter_key`).map((x) => x[0]);
    assert.deepEqual(keys.sort(), [ids['周十八'], ids['林美华'], ids['陈志强']].map((id) => `resident:${id}`).sort());
  });

  test('an adult votes online; staff enter paper ballots by resident; the result has its numbers', async () => {
    let r = await call('PUT', `/api/v1/votes/${adultVote.id}/ballot`, { choice: 'agree' }, voterAcct);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.me, { voter: true, choice: 'agree' });
    r = await post(`/api/v1/votes/${adultVote.id}/paper-ballots`, { resident_id: ids['陈志强'], choice: 'oppose' }, staff);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    r = await post(`/api/v1/votes/${adultVote.id}/paper-ballots`, { resident_id: ids['陈小明'], choice: 'agree' }, staff);
    expectError(r, 422, 'invalid_fields'); // a minor is not in the electorate
    r = await post(`/api/v1/votes/${adultVote.id}/paper-ballots`, { unit_id: '1', choice: 'agree' }, staff);
    expectError(r, 422, 'invalid_fields'); // a unit in a residents' vote
    r = await post(`/api/v1/votes/${adultVote.id}/paper-ballots`, { resident_id: ids['林美华'], choice: 'agree', proxy_document: '委托书：林美华委托陈志强代为表决（2026-12-01）' }, staff);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(sql(srv, `SELECT channel FROM ballots WHERE vote_id = ${adultVote.id} AND voter_key = 'resident:${ids['林美华']}'`)[0][0], 'proxy');
    r = await post(`/api/v1/votes/${adultVote.id}/close`, undefined, secretary);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const res = r.body.result;
    assert.deepEqual(res.participating, { owners: 3, area: null });
    assert.deepEqual(res.agree, { owners: 2, area: null });
    assert.deepEqual(res.thresholds.map((t) => [t.stage, t.numerator, t.denominator, t.required, t.comparison, t.met]), [
      ['participation', 3, 3, '1/2', 'more_than', true], ['approval', 2, 3, '1/2', 'more_than', true]]);
    assert.equal(res.passed, true);
    const again = await get(`/api/v1/votes/${adultVote.id}/recheck`, voterAcct);
    assert.equal(again.body.matches, true);
  });

  test('household representatives: one voter per household, any adult member casts it', async () => {
    const r0 = await post(`/api/v1/topics/${topic.id}/votes`, { rule: 'simple_majority', electorate: 'households' }, secretary);
    assert.equal(r0.status, 201, JSON.stringify(r0.body));
    hhVote = r0.body;
    assert.equal(hhVote.electorate, 'households');
    assert.equal(hhVote.electorate_units, 1); // only 陈's household has members; the others have none
    let r = await post(`/api/v1/votes/${hhVote.id}/paper-ballots`, { resident_id: ids['陈志强'], choice: 'agree' }, staff);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    r = await post(`/api/v1/votes/${hhVote.id}/paper-ballots`, { resident_id: ids['林美华'], choice: 'oppose' }, staff);
    assert.equal(r.status, 200); // replaces the household's ballot
    assert.deepEqual(r.body.tally.participating, { owners: 1, area: null });
    assert.deepEqual(r.body.tally.agree, { owners: 0, area: null });
    r = await call('PUT', `/api/v1/votes/${hhVote.id}/ballot`, { choice: 'agree' }, voterAcct);
    expectError(r, 403, 'not_in_electorate'); // 周十八 has no household
    r = await post(`/api/v1/votes/${hhVote.id}/close`, undefined, secretary);
    assert.equal(r.status, 200);
  });
});

describe('a topic raised from a case', () => {
  test('the case\'s community and category; a case out of reach is refused', async () => {
    let r = await post('/api/v1/cases', { category: 'E0101', description: '小区停车位不足，夜间乱停车', grid_code: G1, source: 'hotline' }, staff);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const caseId = r.body.id;
    r = await post('/api/v1/topics', { case_id: caseId }, staff);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.source_case_id, caseId);
    assert.equal(r.body.scope_code, C1);
    assert.match(r.body.title, /^由诉求转为议题：/);
    r = await post('/api/v1/topics', { case_id: caseId, scope_code: G2, title: '错网格' }, staff);
    expectError(r, 422, 'invalid_fields');
    assert.ok('case_id' in r.body.error.fields);
    r = await post('/api/v1/topics', { case_id: '999999', title: 'x', scope_code: C1 }, staff);
    expectError(r, 422, 'invalid_fields');
    r = await post('/api/v1/topics', { case_id: caseId }, w.ca2);
    expectError(r, 422, 'invalid_fields'); // not seen: the same answer as no such case
  });
});

describe('a topic raised from a need', () => {
  test('the need\'s community and title; a need out of reach, or a case and a need at once, refused', async () => {
    const WEEK = 7 * 86400e3;
    const iso = (ms) => new Date(ms).toISOString();
    let r = await post('/api/v1/residents', { name: '孙需求', grid_code: G1 }, w.as.grid_worker);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    r = await post('/api/v1/needs', {
      resident_id: r.body.id, skill: '维修', title: '楼道扶手松动需要加固', lng: 116.4003, lat: 39.9003,
      window_start: iso(Date.now()), window_end: iso(Date.now() + WEEK), est_minutes: 60,
    }, staff);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const needId = r.body.id;
    r = await post('/api/v1/topics', { need_id: needId }, staff);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.source_need_id, needId);
    assert.equal(r.body.source_case_id, null);
    assert.equal(r.body.scope_code, C1);
    assert.equal(r.body.title, '由需求转为议题：楼道扶手松动需要加固');
    r = await post('/api/v1/topics', { need_id: '999999', title: 'x', scope_code: C1 }, staff);
    expectError(r, 422, 'invalid_fields');
    assert.ok('need_id' in r.body.error.fields);
    r = await post('/api/v1/topics', { need_id: needId }, w.ca2);
    expectError(r, 422, 'invalid_fields'); // not seen: the same answer as no such need
    r = await post('/api/v1/topics', { need_id: needId, case_id: '1' }, staff);
    expectError(r, 422, 'invalid_fields');
    r = await post('/api/v1/topics', { need_id: 'abc' }, staff);
    expectError(r, 422, 'invalid_fields');
  });
});

describe('a participatory budget round (民生微实事) stored and decided by its rule', () => {
  // Grid G2's adults (陈志强, 林美华, 周十八 from the residents' meeting above) vote.
  let round, projects = {};
  const put = (path, body, who) => call('PUT', path, body, who);
  const patch = (path, body, who) => call('PATCH', path, body, who);

  test('staff create a round; bad input changes nothing', async () => {
    const before = Number(sql(srv, 'SELECT COUNT(*) FROM pb_rounds')[0][0]);
    for (const [body, field] of [
      [{ scope_code: G2, title: 'x', budget_fen: 0, rule: 'greedy' }, 'budget_fen'],
      [{ scope_code: G2, title: 'x', budget_fen: 100, rule: 'borda' }, 'rule'],
      [{ scope_code: G2, title: '', budget_fen: 100, rule: 'greedy' }, 'title'],
      [{ scope_code: '1101', title: 'x', budget_fen: 100, rule: 'greedy' }, 'scope_code'],
    ]) {
      const r = await post('/api/v1/pb-rounds', body, secretary);
      expectError(r, 422, 'invalid_fields');
      assert.ok(field in r.body.error.fields, JSON.stringify(r.body));
    }
    let r = await post('/api/v1/pb-rounds', { scope_code: G2, title: '二号网格民生微实事', budget_fen: 1000000, rule: 'mes-add1' }, voterAcct);
    expectError(r, 403, 'forbidden'); // a resident of G2 takes part, does not run it
    r = await post('/api/v1/pb-rounds', { scope_code: G2, title: '二号网格民生微实事', budget_fen: 1000000, rule: 'mes-add1' }, bystander);
    expectError(r, 404, 'not_found'); // a resident of G1: not their place
    assert.equal(Number(sql(srv, 'SELECT COUNT(*) FROM pb_rounds')[0][0]), before);
    r = await post('/api/v1/pb-rounds', { scope_code: G2, title: '二号网格民生微实事', budget_fen: 1000000, rule: 'mes-add1' }, secretary);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    round = r.body;
    assert.equal(round.state, 'proposing');
    r = await get(`/api/v1/pb-rounds/${round.id}`, w.ca2);
    expectError(r, 404, 'not_found');
  });

  test('residents propose, staff cost them in fen or refuse them with a reason', async () => {
    for (const [title, who] of [['楼道照明改造', voterAcct], ['健身器材更新', w.gw2], ['口袋公园', voterAcct], ['加装监控', w.gw2]]) {
      const r = await post(`/api/v1/pb-rounds/${round.id}/projects`, { title }, who);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      projects[title] = r.body.projects.at(-1).id;
    }
    let r = await post(`/api/v1/pb-rounds/${round.id}/open`, undefined, secretary);
    expectError(r, 409, 'projects_unchecked');
    r = await patch(`/api/v1/pb-rounds/${round.id}/projects/${projects['楼道照明改造']}`, { feasible: true }, staff);
    expectError(r, 422, 'invalid_fields'); // a cost is required
    r = await patch(`/api/v1/pb-rounds/${round.id}/projects/${projects['加装监控']}`, { feasible: false }, staff);
    expectError(r, 422, 'invalid_fields'); // a reason is required
    r = await patch(`/api/v1/pb-rounds/${round.id}/projects/${projects['楼道照明改造']}`, { feasible: true, cost_fen: 400000 }, voterAcct);
    expectError(r, 403, 'forbidden');
    for (const [t, cost] of [['楼道照明改造', 400000], ['健身器材更新', 700000], ['口袋公园', 300000]]) {
      r = await patch(`/api/v1/pb-rounds/${round.id}/projects/${projects[t]}`, { feasible: true, cost_fen: cost }, staff);
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    r = await patch(`/api/v1/pb-rounds/${round.id}/projects/${projects['加装监控']}`, { feasible: false, note: '属于公安部门职责' }, staff);
    assert.equal(r.status, 200);
    r = await put(`/api/v1/pb-rounds/${round.id}/ballot`, { projects: [projects['口袋公园']] }, voterAcct);
    expectError(r, 409, 'round_state'); // not voting yet
  });

  test('voting: adults of the place frozen; approval ballots replaced until close', async () => {
    let r = await post(`/api/v1/pb-rounds/${round.id}/open`, undefined, secretary);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.state, 'voting');
    assert.equal(r.body.voters, 3);
    r = await post(`/api/v1/pb-rounds/${round.id}/projects`, { title: '迟到的项目' }, voterAcct);
    expectError(r, 409, 'round_state');
    r = await put(`/api/v1/pb-rounds/${round.id}/ballot`, { projects: [projects['健身器材更新']] }, voterAcct);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    r = await put(`/api/v1/pb-rounds/${round.id}/ballot`, { projects: [projects['楼道照明改造'], projects['口袋公园']] }, voterAcct);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.me, { voter: true, projects: [projects['楼道照明改造'], projects['口袋公园']].sort((a, b) => a - b) });
    assert.equal(r.body.projects[0].approvals, null, 'no counts while voting');
    for (const body of [{ projects: [] }, { projects: [projects['加装监控']] }, { projects: ['abc'] }, {}]) {
      r = await put(`/api/v1/pb-rounds/${round.id}/ballot`, body, voterAcct);
      expectError(r, 422, 'invalid_fields');
    }
    r = await put(`/api/v1/pb-rounds/${round.id}/ballot`, { projects: [projects['口袋公园']] }, w.gw2);
    expectError(r, 403, 'not_in_electorate'); // G2's grid worker is no resident there
    r = await put(`/api/v1/pb-rounds/${round.id}/ballot`, { projects: [projects['口袋公园']] }, bystander);
    expectError(r, 404, 'not_found'); // a resident of G1
    assert.equal(Number(sql(srv, `SELECT COUNT(*) FROM pb_ballots WHERE round_id = ${round.id}`)[0][0]), 1);
    assert.equal(Number(sql(srv, `SELECT COUNT(*) FROM pb_approvals WHERE round_id = ${round.id}`)[0][0]), 2);
  });

  test('close runs the round\'s rule exactly as gongzhi pb does on the exported file', async () => {
    let r = await post(`/api/v1/pb-rounds/${round.id}/close`, undefined, voterAcct);
    expectError(r, 403, 'forbidden');
    r = await post(`/api/v1/pb-rounds/${round.id}/close`, undefined, secretary);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.state, 'closed');
    const res = r.body.result;
    assert.equal(res.rule, 'mes-add1');
    assert.equal(res.budget, '10000');
    assert.deepEqual([...res.selected].sort(), [projects['楼道照明改造'], projects['口袋公园']].sort());
    const sel = r.body.projects.filter((p) => p.selected).map((p) => p.title).sort();
    assert.deepEqual(sel, ['口袋公园', '楼道照明改造']);
    assert.equal(r.body.projects.find((p) => p.title === '口袋公园').approvals, 1);
    assert.ok(Array.isArray(res.projects) && res.projects.every((p) => p.id && (p.selected || p.reason)), JSON.stringify(res.projects));
    // The export replays with the command line to the same selection.
    const ex = await api(srv, 'GET', `/api/v1/pb-rounds/${round.id}/export.pb`, undefined, voterAcct.bearer);
    assert.equal(ex.status, 200);
    const text = typeof ex.body === 'string' ? ex.body : ex.text;
    assert.match(text, /^META\n/);
    assert.match(text, /budget;10000\.00\n/);
    assert.doesNotMatch(text, /加装监控/, 'only feasible projects are on the ballot');
    const file = join(mkdtempSync(join(tmpdir(), 'gz-pb-')), 'round.pb');
    writeFileSync(file, text);
    const replay = cli(['pb', '--rule', 'mes-add1', '--explain', file]);
    assert.equal(replay.code, 0, replay.stderr);
    assert.deepEqual(JSON.parse(replay.stdout), res, 'the stored result is the command\'s on the export');
    r = await put(`/api/v1/pb-rounds/${round.id}/ballot`, { projects: [projects['口袋公园']] }, voterAcct);
    expectError(r, 409, 'round_state');
    r = await post(`/api/v1/pb-rounds/${round.id}/close`, undefined, secretary);
    expectError(r, 409, 'round_state');
  });
});
