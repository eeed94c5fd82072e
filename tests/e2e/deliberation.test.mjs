// 协商议事 in the browser on a phone-sized screen (issue 12): an owner finds the topic in
// the list, sees its stages, opens the vote, votes, changes the vote; after staff enter a
// paper ballot and close the vote, the result page shows each threshold with its exact
// numbers (area and headcount, numerator/denominator) and whether it was met. Nothing is
// wider than the 360 px screen. Staff attach the meeting's signed minutes (a PDF) on a
// phone; a resident downloads them. Staff import a pabulib .pb file and read its result.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { launchBrowser, noOverflow } from '../lib/browser.mjs';
import { assertNoSanitizerReport } from '../api/util.mjs';
import { makeUser, login, sql } from '../api/auth-util.mjs';
import { peopleWorld, idNumber, C1, G1 } from '../api/people-util.mjs';
import { loginByApi, signOutEverywhere } from './session-util.mjs';

const DAY = 86400000;
let srv, browser, w, topic, vote, units = {};

before(async () => {
  srv = await startServer();
  w = await peopleWorld(srv, { tag: 'e2d' });
  const staff = w.as.community_staff;
  const secretary = w.as.community_admin;
  const post = (path, body, who) => api(srv, 'POST', path, body, who.bearer);
  const zhang = { name: '张建国', id_number: idNumber('19700101', 11) };
  const li = { name: '李秀英', id_number: idNumber('19750315', 22) };
  let r = await post('/api/v1/residents', { ...zhang, grid_code: G1 }, w.as.grid_worker);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const zhangId = r.body.id;
  await makeUser(srv, w.admin, 'e2d-owner', [['resident', G1]], 'e2d-owner-password');
  const owner = await login(srv, 'e2d-owner', 'e2d-owner-password');
  r = await api(srv, 'PATCH', `/api/v1/residents/${zhangId}`, { user_id: owner.user.id }, w.as.grid_worker.bearer);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  for (const [number, area, owners] of [['1-101', '100.00', [zhang]], ['1-102', '80.00', [li]], ['1-103', '70.00', null]]) {
    const body = { building_id: w.building.id, number, area_m2: area };
    if (owners) body.owners = owners; else body.sold = false;
    r = await post('/api/v1/units', body, staff);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    units[number] = r.body.id;
  }
  r = await post('/api/v1/topics', { scope_code: C1, title: '更换小区大门门禁系统', body: '门禁老化，拟使用公共收益更换。' }, secretary);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  topic = r.body;
  r = await post(`/api/v1/topics/${topic.id}/stage`, { stage: 'confirmed', note: '社区党委会议确定' }, secretary);
  assert.equal(r.status, 200);
  sql(srv, `UPDATE topics SET published_at = ${Date.now() - 16 * DAY} WHERE id = ${topic.id}`);
  r = await post(`/api/v1/topics/${topic.id}/comments`, { position: 'support', body: '早该换了。' }, owner);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  r = await post(`/api/v1/topics/${topic.id}/votes`, { rule: 'owners_general' }, secretary);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  vote = r.body;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  if (srv) {
    const log = srv.log();
    await srv.stop();
    assertNoSanitizerReport(log);
  }
});

test('an owner votes on a phone, changes the vote, and after close sees each threshold with its numbers', async () => {
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, 'e2d-owner', 'e2d-owner-password');
  const page = await browser.newPage();
  await page.setViewportSize({ width: 360, height: 740 });
  try {
    // The list and the topic with its stages.
    await page.goto(srv.url + '/deliberation');
    await page.getByRole('heading', { level: 1, name: '协商议事' }).waitFor();
    await page.getByTestId('topic-row-' + topic.id).waitFor();
    await noOverflow(page, 'the topic list');
    await page.getByTestId('topic-row-' + topic.id).click();
    await page.waitForURL((u) => u.pathname === `/deliberation/topics/${topic.id}`);
    await page.getByTestId('topic-stagebar').waitFor();
    assert.equal((await page.getByTestId('topic-stage').innerText()).trim(), '表决');
    assert.match(await page.getByTestId('topic-history').innerText(), /社区党委会议确定/);
    assert.match(await page.getByTestId('topic-comments').innerText(), /早该换了/);
    await noOverflow(page, 'the topic');
    if (process.env.SHOT) await page.screenshot({ path: process.env.SHOT + '-topic.png', fullPage: true });

    // The vote: oppose, then change to agree.
    await page.getByTestId('vote-link-' + vote.id).click();
    await page.waitForURL((u) => u.pathname === `/deliberation/votes/${vote.id}`);
    await page.getByTestId('my-ballot').waitFor();
    assert.match(await page.getByTestId('my-choice').innerText(), /尚未投票/);
    await noOverflow(page, 'the voting page');
    await page.getByTestId('choose-oppose').click();
    await page.getByTestId('my-choice').filter({ hasText: '反对' }).waitFor();
    await page.getByTestId('choose-agree').click();
    await page.getByTestId('my-choice').filter({ hasText: '同意' }).waitFor();
    assert.equal(await page.getByTestId('choose-agree').getAttribute('aria-pressed'), 'true');
    // Live participation: the owner's 100.00 of 250.00 m², 1 of 3 owners (the developer is one).
    assert.match(await page.getByTestId('threshold-participation-area').innerText(), /100\.00 \/ 250\.00 平方米/);
    assert.match(await page.getByTestId('threshold-participation-owners').innerText(), /1 \/ 3 业主/);
    const ballots = sql(srv, `SELECT choice, channel FROM ballots WHERE vote_id = ${vote.id}`);
    assert.deepEqual(ballots, [['agree', 'online']], 'one ballot, replaced');

    // Staff enter Li's paper ballot and close the vote.
    let r = await api(srv, 'POST', `/api/v1/votes/${vote.id}/paper-ballots`, { unit_id: units['1-102'], choice: 'agree' }, w.as.community_staff.bearer);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    r = await api(srv, 'POST', `/api/v1/votes/${vote.id}/close`, undefined, w.as.community_admin.bearer);
    assert.equal(r.status, 200, JSON.stringify(r.body));

    // The result page: each threshold with its numbers and whether it was met.
    await page.reload();
    await page.getByTestId('vote-thresholds').waitFor();
    assert.equal((await page.getByTestId('vote-state').innerText()).trim(), '已结束');
    assert.equal((await page.getByTestId('vote-verdict').innerText()).trim(), '表决通过');
    assert.equal(await page.getByTestId('my-ballot').count(), 0, 'no voting after close');
    const th = async (id) => (await page.getByTestId(id).innerText()).replace(/\s+/g, ' ');
    const pa = await th('threshold-participation-area');
    assert.match(pa, /参与表决专有部分面积占全体表决权人须 2\/3 以上/);
    assert.match(pa, /180\.00 \/ 250\.00 平方米/);
    assert.match(pa, /达到/);
    const ph = await th('threshold-participation-owners');
    assert.match(ph, /2 \/ 3 业主/); // exactly 2/3: 以上 includes the bound
    assert.match(ph, /达到/);
    const aa = await th('threshold-approval-area');
    assert.match(aa, /同意专有部分面积占参与表决者须超过 1\/2/);
    assert.match(aa, /180\.00 \/ 180\.00 平方米/);
    const ah = await th('threshold-approval-owners');
    assert.match(ah, /2 \/ 2 业主/);
    await page.getByTestId('vote-recheck').filter({ hasText: '一致' }).waitFor();
    await page.getByTestId('vote-print').waitFor();
    await noOverflow(page, 'the result page');
    if (process.env.SHOT) await page.screenshot({ path: process.env.SHOT + '-result.png', fullPage: true });
  } finally {
    await page.close();
  }
});

test('a resident approves budget projects on a phone, changes the ballot, and reads the explained result', async () => {
  const secretary = w.as.community_admin;
  const post = (path, body, who) => api(srv, 'POST', path, body, who.bearer);
  let r = await post('/api/v1/pb-rounds', { scope_code: G1, title: '一号网格民生微实事', budget_fen: 1000000, rule: 'mes-add1' }, secretary);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const round = r.body;
  const ids = {};
  for (const [title, cost] of [['楼道照明改造', 400000], ['健身器材更新', 700000], ['口袋公园', 300000]]) {
    r = await post(`/api/v1/pb-rounds/${round.id}/projects`, { title }, w.as.grid_worker);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    ids[title] = r.body.projects.at(-1).id;
    r = await api(srv, 'PATCH', `/api/v1/pb-rounds/${round.id}/projects/${ids[title]}`, { feasible: true, cost_fen: cost }, w.as.community_staff.bearer);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  r = await post(`/api/v1/pb-rounds/${round.id}/open`, undefined, secretary);
  assert.equal(r.status, 200, JSON.stringify(r.body));

  await signOutEverywhere(browser);
  await loginByApi(browser, srv, 'e2d-owner', 'e2d-owner-password');
  const page = await browser.newPage();
  await page.setViewportSize({ width: 360, height: 740 });
  try {
    await page.goto(srv.url + '/deliberation');
    await page.getByTestId('pb-link').click();
    await page.getByTestId('pb-row-' + round.id).click();
    await page.getByTestId('pb-ballot').waitFor();
    await page.getByTestId('pb-pick-' + ids['健身器材更新']).click();
    await page.getByTestId('pb-submit').click();
    await page.getByTestId('pb-submit').filter({ hasText: '修改投票' }).waitFor();
    // Changes the ballot: the lights and the park instead of the gym.
    await page.getByTestId('pb-pick-' + ids['健身器材更新']).click();
    await page.getByTestId('pb-pick-' + ids['楼道照明改造']).click();
    await page.getByTestId('pb-pick-' + ids['口袋公园']).click();
    await Promise.all([
      page.waitForResponse((res) => res.url().endsWith(`/pb-rounds/${round.id}/ballot`) && res.status() === 200),
      page.getByTestId('pb-submit').click(),
    ]);
    const approved = sql(srv, `SELECT project_id FROM pb_approvals WHERE round_id = ${round.id} ORDER BY project_id`).map((x) => x[0]);
    assert.deepEqual(approved, [ids['楼道照明改造'], ids['口袋公园']].sort((a, b) => a - b));
    await noOverflow(page, 'the budget ballot');
    r = await post(`/api/v1/pb-rounds/${round.id}/close`, undefined, secretary);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await page.reload();
    await page.getByTestId('pb-result').waitFor();
    const text = (await page.getByTestId('pb-result').innerText()).replace(/\s+/g, ' ');
    assert.match(text, /入选 2 个项目，共 7000 元（预算 10000 元）/);
    assert.match(text, /楼道照明改造/);
    assert.match(text, /均等份额法选中/);
    assert.match(text, /1 人各付/);
    await noOverflow(page, 'the budget result');
  } finally {
    await page.close();
  }
});

test('staff import a .pb file on a phone and land on its explained result', async () => {
  const text = [
    'META', 'key;value', 'budget;1000', 'vote_type;approval', 'rule;mes',
    'PROJECTS', 'project_id;cost;name', 'p1;600;北门花园', 'p2;500;南侧路灯', 'p3;400;图书角',
    'VOTES', 'voter_id;vote', '1;p1,p3', '2;p1', '3;p2,p3', '4;p3', '',
  ].join('\n');
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, 'e2d-community-admin', 'e2d-community-admin-password');
  const page = await browser.newPage();
  await page.setViewportSize({ width: 360, height: 740 });
  try {
    await page.goto(srv.url + '/deliberation/budgets');
    await page.getByTestId('pb-import-toggle').click();
    await page.getByTestId('place-picker').first().click();
    const picker = page.getByTestId('place-dialog').last();
    await picker.getByTestId('place-choose-' + C1).click();
    await page.getByTestId('pb-import-file').setInputFiles({ name: '北京示范社区.pb', mimeType: 'text/plain', buffer: Buffer.from(text) });
    await noOverflow(page, 'the import form');
    await Promise.all([
      page.waitForURL(/\/deliberation\/budgets\/\d+$/),
      page.getByTestId('pb-import-submit').click(),
    ]);
    await page.getByTestId('pb-result').waitFor();
    assert.match(await page.getByTestId('pb-imported').innerText(), /北京示范社区\.pb/);
    const shown = (await page.getByTestId('pb-result').innerText()).replace(/\s+/g, ' ');
    assert.match(shown, /图书角/, 'the result names the file\'s projects by name');
    assert.doesNotMatch(shown, /\bp3\b/);
    await noOverflow(page, 'the imported result');
  } finally {
    await page.close();
  }
  const [row] = sql(srv, "SELECT rule, state, source FROM pb_rounds WHERE source = '北京示范社区.pb'");
  assert.deepEqual(row, ['mes', 'closed', '北京示范社区.pb']);
});

test('staff attach the meeting\'s signed minutes on a phone; a resident downloads them', async () => {
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n');
  let r = await api(srv, 'POST', `/api/v1/topics/${topic.id}/meetings`, {
    held_at: new Date(Date.now() - 3600000).toISOString(), place: '社区议事厅', minutes: '同意更换门禁。',
    participants: [{ name: '王书记', actor: 'party' }, { name: '钱经理', actor: 'property' }],
  }, w.as.community_staff.bearer);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const meeting = r.body.meetings[0];
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, 'e2d-community-staff', 'e2d-community-staff-password');
  let page = await browser.newPage();
  await page.setViewportSize({ width: 360, height: 740 });
  try {
    await page.goto(`${srv.url}/deliberation/topics/${topic.id}`);
    await page.getByTestId('meeting-files-' + meeting.id).waitFor();
    await page.getByTestId('meeting-file-input-' + meeting.id)
      .setInputFiles({ name: '议事会纪要（签字版）.pdf', mimeType: 'application/pdf', buffer: pdf });
    await page.getByTestId('meeting-files-' + meeting.id).getByText('议事会纪要（签字版）.pdf').waitFor();
    await noOverflow(page, 'the topic with a meeting file');
  } finally {
    await page.close();
  }
  const [att] = sql(srv, `SELECT id, name FROM topic_meeting_attachments WHERE meeting_id = ${meeting.id}`);
  assert.equal(att[1], '议事会纪要（签字版）.pdf');
  await signOutEverywhere(browser);
  await loginByApi(browser, srv, 'e2d-owner', 'e2d-owner-password');
  page = await browser.newPage();
  await page.setViewportSize({ width: 360, height: 740 });
  try {
    await page.goto(`${srv.url}/deliberation/topics/${topic.id}`);
    await page.getByTestId('meeting-file-' + att[0]).waitFor();
    assert.equal(await page.getByTestId('meeting-file-input-' + meeting.id).count(), 0, 'residents do not upload');
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('meeting-file-' + att[0]).click()]);
    assert.equal(dl.suggestedFilename(), '议事会纪要（签字版）.pdf');
    await noOverflow(page, 'the topic for a resident');
  } finally {
    await page.close();
  }
});
