// Security review 6 (docs/SECURITY.md): what landed with the equity figures, the public
// board's votes, notices and projects, matching's reasons and settings, the media store
// and the case rates, tried as an attacker would with the accounts of peopleWorld.
//
// Tests marked `todo` are findings in src/modules/sharing/equity_api.c, which another
// change is rewriting: they show the leak and pass once it is closed (see each comment).
// Runs on SQLite and PostgreSQL.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startServer, api } from '../lib/server.mjs';
import { assertErrorShape, assertNoSanitizerReport } from './util.mjs';
import { login, makeUser, sql } from './auth-util.mjs';
import { G1, G2, C1, C2, C2G1, STREET, idNumber } from './people-util.mjs';
import { REPORTER, SECRET_ID, SECRET_PHONE, boardData, sharingWorld } from './sharing-util.mjs';
import { blobLiteral, mediaPath, sha256 } from './media-util.mjs';

let srv, w;
const get = (path, who) => api(srv, 'GET', path, undefined, who ? who.bearer : {});
const post = (path, body, who) => api(srv, 'POST', path, body, who.bearer);
const day = (days = 0) => new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
const D = 86400e3;

// What a public answer may never hold (the crawl of tests/api/sharing.test.mjs).
function assertNoPersonalNumbers(text, what) {
  assert.doesNotMatch(text, /(?<!\d)1[3-9]\d{9}(?!\d)/, `${what}: a mobile number`);
  assert.doesNotMatch(text, /(?<!\d)\d{17}[\dXx](?!\d)/, `${what}: an ID number`);
  assert.doesNotMatch(text, /(?<!\d)\d{1,3}-\d{1,2}-\d{3,4}(?!\d)/, `${what}: a unit number`);
  assert.doesNotMatch(text, /(?<![\d-])0\d{2,3}-\d{7,8}(?!\d)/, `${what}: a landline`);
}

const PHONE = '13987654321';
const ID = idNumber('19650505', 55);

before(async () => {
  srv = await startServer();
  w = await sharingWorld(srv, 'r6');
  boardData(srv);
  // Free text on the public board carrying a person's numbers, as residents write titles.
  const now = Date.now();
  sql(srv, `INSERT INTO topics (scope_code, title, body, stage, published_at, created_at, updated_at, publicity_until)
    VALUES ('${G1}', '3-2-102漏水请联系${PHONE}', '', 'publicity', ${now - 9 * D}, ${now - 10 * D}, ${now}, ${now + 3 * D})`);
  const topic = Number(sql(srv, 'SELECT MAX(id) FROM topics')[0][0]);
  const result = JSON.stringify({ rule: 'owners_general', eligible: { owners: 12, area: '1049.87' },
    participating: { owners: 9, area: '749.87' }, agree: { owners: 8, area: '649.87' },
    participation_met: true, approval_met: true, passed: true, thresholds: [] });
  sql(srv, `INSERT INTO votes (topic_id, scope_code, rule, state, electorate_units, opened_at, closed_at, result)
    VALUES (${topic}, '${G1}', 'owners_general', 'closed', 12, ${now - 8 * D}, ${now - 4 * D}, '${result}')`);
  sql(srv, `INSERT INTO match_projects (scope_code, title, description, budget_fen, status, created_at, updated_at)
    VALUES ('${C1}', '为身份证${ID}的住户修缮（座机010-65012345）', '', 50000, 'planning', ${now - D}, ${now})`);
  sql(srv, `INSERT INTO organisations (type, name, space_code, created_at, updated_at)
    VALUES ('social_org', '评审社工站', '${C1}', ${now}, ${now})`);
  const org = Number(sql(srv, 'SELECT MAX(id) FROM organisations')[0][0]);
  sql(srv, `INSERT INTO mob_activities (kind, organiser_org_id, organiser_name, title, place_code, start_at, end_at,
    slots, points_per_hour, code_secret, status, created_at, updated_at)
    VALUES ('volunteer', ${org}, '评审社工站', '帮3号楼2单元502室老人买菜，报名打${PHONE}', '${G1}', ${now + D}, ${now + D + 3600e3},
    5, 10, ${blobLiteral(srv, Buffer.alloc(32, 1))}, 'published', ${now}, ${now})`);
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

describe('the public board', () => {
  test('finding 1: titles of topics, projects and activities keep no phone, ID number or flat number', async () => {
    const r = await get(`/api/v1/public/communities/${C1}/board`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const text = JSON.stringify(r.body);
    assertNoPersonalNumbers(text, 'the board');
    assert.ok(!text.includes(PHONE) && !text.includes(ID) && !text.includes('502室'));
    // The titles are still there, with the numbers masked.
    assert.ok(r.body.publicity.some((p) => p.topic === '*-*-***漏水请联系***********'), JSON.stringify(r.body.publicity));
    assert.ok(r.body.votes.some((v) => v.topic === '*-*-***漏水请联系***********'));
    assert.ok(r.body.projects.some((p) => p.title === '为身份证******************的住户修缮（座机***-********）'));
    assert.ok(r.body.activities.some((a) => a.title === '帮3号楼2单元***室老人买菜，报名打***********'));
    assert.ok(r.body.publicity.some((p) => p.topic === '3号楼加装电梯'), 'ordinary numbers stay');
  });

  test('finding 2: a vote of fewer than 5 owners shows whether it passed, not its counts', async () => {
    const r = await get(`/api/v1/public/communities/${C1}/board`);
    const small = r.body.votes.find((v) => v.topic === '3号楼加装电梯');
    // 3 eligible, 2 took part, 2 agreed: whoever knows the 3 owners learns how they voted.
    assert.equal(small.passed, true);
    assert.equal(small.suppressed, true);
    for (const k of ['eligible', 'participating', 'agree']) assert.equal(small[k], null, k);
    const big = r.body.votes.find((v) => v.topic.endsWith('漏水请联系***********'));
    assert.equal(big.suppressed, false);
    assert.deepEqual(big.eligible, { heads: 12, area: '1049.87' });
    assert.deepEqual(big.agree, { heads: 8, area: '649.87' });
  });

  test('drafts and other communities stay off; an unknown or malformed code is 404 JSON', async () => {
    const now = Date.now();
    sql(srv, `INSERT INTO topics (scope_code, title, body, stage, created_at, updated_at, publicity_until)
      VALUES ('${C2}', '草稿议题不公开', '', 'proposed', ${now}, ${now}, ${now + 3 * D})`);
    const c2 = (await get(`/api/v1/public/communities/${C2}/board`)).body;
    assert.ok(!JSON.stringify(c2).includes('草稿议题不公开'));
    assert.ok(!JSON.stringify(c2).includes('漏水'), 'C1\'s topics are not on C2\'s board');
    for (const code of ['../../etc', '110101001001%00', '1101010010010', C1 + '001']) {
      const r = await get(`/api/v1/public/communities/${encodeURIComponent(code)}/board`);
      assert.equal(r.status, 404, code);
      assertErrorShape(r.body, 'not_found');
    }
  });
});

describe('Open311 (public by its standard)', () => {
  test('finding 9: requests and updates keep no phone, ID number, flat or reporter\'s name of the text', async () => {
    // A case reported as "欧阳娜娜反映 3-2-102 门口井盖松动，电话139…，身份证…" at
    // "多福巷1号3-2-102", and a staff note on it that names a phone.
    const rep = Date.now() - 2 * D;
    sql(srv, `INSERT INTO cases (grid_code, category_id, request_type, source, state, description, address,
      reporter_name, self_handled, accepted_at, reported_at, created_at, updated_at)
      VALUES ('${G1}', (SELECT id FROM case_categories WHERE code = 'E0101'), 'complaint', 'resident', 'accepted',
      '${REPORTER}反映 3-2-102 门口井盖松动，电话${SECRET_PHONE}，身份证${SECRET_ID}', '多福巷1号3-2-102', '${REPORTER}', 0,
      ${rep + 1000}, ${rep}, ${rep}, ${rep})`);
    const cid = Number(sql(srv, 'SELECT MAX(id) FROM cases')[0][0]);
    sql(srv, `INSERT INTO case_events (case_id, seq, action, from_state, to_state, actor_name, note, at)
      VALUES (${cid}, 99, 'note', 'rated', 'rated', '网格员', '已电话联系${SECRET_PHONE}', ${Date.now()})`);
    const urls = ['/open311/v2/requests.json', '/open311/v2/requests.json?extensions=true',
      '/open311/v2/requests.xml?extensions=true', `/open311/v2/requests/${cid}.json?extensions=true`,
      `/open311/v2/servicerequestupdates.json?start_date=${new Date(Date.now() - 5 * D).toISOString()}`];
    let seen = 0;
    for (const url of urls) {
      const r = await srv.fetch(url);
      assert.equal(r.status, 200, url);
      const text = await r.text();
      seen += text.includes('井盖松动') ? 1 : 0;
      assertNoPersonalNumbers(text, url);
      for (const s of [SECRET_PHONE, SECRET_ID, REPORTER]) assert.ok(!text.includes(s), `${url}: ${s}`);
    }
    assert.ok(seen >= 3, 'the cases are listed, their text masked');
  });
});

describe('matching: what a provider reads of a resident', () => {
  let need;
  before(async () => {
    const gw = w.as.grid_worker;
    let r = await post('/api/v1/residents', { name: '隐秘居民', id_number: idNumber('19700101', 66), grid_code: G1, tags: ['低保'] }, gw);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const iso = (ms) => new Date(ms).toISOString();
    r = await post('/api/v1/needs', {
      resident_id: r.body.id, skill: '助餐', title: '送餐', lng: 116.4003, lat: 39.9003,
      window_start: iso(Date.now()), window_end: iso(Date.now() + 7 * D), est_minutes: 60,
    }, gw);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    need = r.body.id;
    r = await post('/api/v1/offers', {
      kind: 'person', scope_code: C1, skills: ['助餐'], capacity_per_week: 3, radius_m: 3000,
      lng: 116.4001, lat: 39.9001, windows: [],
    }, w.as.volunteer);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    r = await post('/api/v1/matching/runs', { community_code: C1 }, w.as.community_staff);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const staff = r.body.proposals.find((p) => p.need.id === need);
    assert.ok(staff, 'the run proposed the need');
    assert.equal(staff.reasons.weight_tags, 2, 'staff see the weight: 低保 weighs 2');
  });

  test('finding 3: the inbox says "key group", never the weight that tells which group', async () => {
    const r = await get('/api/v1/me/proposals', w.as.volunteer);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const p = r.body.items.find((x) => x.need.id === need);
    assert.ok(p, JSON.stringify(r.body.items.map((x) => x.need.id)));
    // With the defaults (独居老人 3, 低保 2, 空巢老人 1 …) weight_tags = 2 on someone under
    // 80 says 低保 or 残疾; the weight minus its other parts says the same.
    for (const k of ['weight_tags', 'weight_waiting', 'weight', 'priority']) assert.equal(p.reasons[k], undefined, k);
    assert.equal(p.weight, undefined);
    assert.equal(p.reasons.key_group, true);
    assert.equal(p.reasons.skill, '助餐');
    assert.equal(p.need.resident_name, '隐***', 'the name masked');
    assert.ok(!JSON.stringify(p).includes('低保'));
  });

  test('finding 10: a volunteer whose grant is revoked reads and claims no more of the place\'s needs', async () => {
    // A volunteer of C1 with an offer there, later removed (grant revoked, the account
    // kept for their resident grant): the offer stays active, and so did what it opened.
    const u = await makeUser(srv, w.admin, 'r6-former-vol', [['volunteer', C1], ['resident', G2]]);
    const vol = await login(srv, 'r6-former-vol', u.password);
    let r = await post('/api/v1/offers', {
      kind: 'person', scope_code: C1, skills: ['上门理发'], capacity_per_week: 3, radius_m: 3000,
      lng: 116.4001, lat: 39.9001, windows: [],
    }, vol);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const offer = r.body.id;
    const iso = (ms) => new Date(ms).toISOString();
    r = await post('/api/v1/needs', {
      resident_id: w.ids.G1[0], skill: '上门理发', title: '上门理发', lng: 116.4003, lat: 39.9003,
      window_start: iso(Date.now()), window_end: iso(Date.now() + 7 * D), est_minutes: 30,
    }, w.as.grid_worker);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const open = r.body.id;
    assert.ok((await get('/api/v1/me/open-needs', vol)).body.items.some((n) => n.id === open), 'while a volunteer: listed');
    r = await api(srv, 'DELETE', `/api/v1/users/${u.id}/grants`, { role: 'volunteer', scope: C1 }, w.admin.bearer);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const after = await get('/api/v1/me/open-needs', vol);
    assert.equal(after.status, 200);
    assert.deepEqual(after.body.items.map((n) => n.id), [], 'no need of a place they no longer serve');
    r = await post(`/api/v1/needs/${open}/claim`, { offer_id: offer }, vol);
    assert.equal(r.status, 404, JSON.stringify(r.body));
    assert.equal(sql(srv, `SELECT status FROM match_needs WHERE id = ${open}`)[0][0], 'open', 'nothing changed');
    // Nor does a run propose the need to their offer (the only one of its skill): it stays open.
    r = await post('/api/v1/matching/runs', { community_code: C1 }, w.as.community_admin);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.ok(!r.body.proposals.some((p) => p.offer.id === offer), JSON.stringify(r.body.proposals.map((p) => [p.need.id, p.offer.id])));
    assert.equal(sql(srv, `SELECT status FROM match_needs WHERE id = ${open}`)[0][0], 'open', 'left open for staff');
  });

  test('finding 10, the other side: an offer recorded by staff at the community serves its owner granted at a grid', async () => {
    // The Party member holds their grant at G1; the secretary records their offer at C1
    // (staff record offers for others where they write them). They still serve it: their
    // open needs list it and their claim goes through.
    const u = await makeUser(srv, w.admin, 'r6-grid-pm', [['party_member', G1]]);
    const pm = await login(srv, 'r6-grid-pm', u.password);
    pm.user = { id: u.id };
    let r = await post('/api/v1/offers', {
      kind: 'person', scope_code: C1, user_id: pm.user.id, skills: ['修理纱窗'], capacity_per_week: 3,
      radius_m: 3000, lng: 116.4001, lat: 39.9001, windows: [],
    }, w.as.community_admin);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const offer = r.body.id;
    const iso = (ms) => new Date(ms).toISOString();
    r = await post('/api/v1/needs', {
      resident_id: w.ids.G1[0], skill: '修理纱窗', title: '修理纱窗', lng: 116.4003, lat: 39.9003,
      window_start: iso(Date.now()), window_end: iso(Date.now() + 7 * D), est_minutes: 30,
    }, w.as.grid_worker);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const need = r.body.id;
    const open = await get('/api/v1/me/open-needs', pm);
    assert.ok(open.body.items.some((n) => n.id === need && n.via_offer_id === offer), JSON.stringify(open.body.items.map((n) => n.id)));
    r = await post(`/api/v1/needs/${need}/claim`, { offer_id: offer }, pm);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });

  test('/me/open-needs: no description, no tags, no flat, the name masked', async () => {
    const r = await get('/api/v1/me/open-needs', w.as.party_member);
    assert.equal(r.status, 200);
    for (const n of r.body.items) {
      assert.equal(n.description, undefined);
      assert.equal(n.resident.name_masked, true);
      assert.doesNotMatch(JSON.stringify(n), /低保|残疾|特困/);
    }
  });

  test('finding 8: the unreached list by a sensitive tag names 低保 residents: audited as a lookup', async () => {
    // The 低保 resident above was never visited: ?tag=dibao lists them by name — a list of
    // residents by a sensitive tag, as /residents?tag=低保 is, which is audited.
    const ca = w.as.community_admin;
    const before = Number(sql(srv, `SELECT COUNT(*) FROM audit_log WHERE user_id = ${ca.user.id} AND action IN ('resident.lookup', 'resident.reveal')`)[0][0]);
    const r = await get(`/api/v1/sharing/unreached?node=${C1}&tag=dibao`, ca);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.items.some((x) => x.resident.name === '隐秘居民'), 'a 低保 resident by name');
    const after = Number(sql(srv, `SELECT COUNT(*) FROM audit_log WHERE user_id = ${ca.user.id} AND action IN ('resident.lookup', 'resident.reveal')`)[0][0]);
    assert.equal(after, before + 1, 'one audit row for the list');
  });

  test('settings: a community reads its own, not its street\'s nor another street: 404 alike', async () => {
    const ca = w.as.community_admin;
    assert.equal((await get(`/api/v1/matching/settings?scope=${C1}`, ca)).status, 200);
    const street = await get(`/api/v1/matching/settings?scope=${STREET}`, ca);
    const none = await get('/api/v1/matching/settings?scope=110101009', ca);
    assert.equal(street.status, 404);
    assert.deepEqual(street.body, none.body);
    const put = await api(srv, 'PUT', '/api/v1/matching/settings', { scope: STREET, values: { B: 1 } }, ca.bearer);
    assert.equal(put.status, 404);
    const vol = await get(`/api/v1/matching/settings?scope=${C1}`, w.as.volunteer);
    assert.equal(vol.status, 404, 'a provider reads no weights');
  });
});

describe('the media store', () => {
  const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.from('review6 png'), Buffer.alloc(32, 9)]);
  const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n');
  test('a PDF sent as an image is refused; an image is served as a download with nosniff; others get 404', async () => {
    const me = w.as.resident;
    const lie = await api(srv, 'POST', '/api/v1/service-attachments', PDF, { ...me.bearer, 'Content-Type': 'image/png' });
    assert.equal(lie.status, 422);
    const up = await api(srv, 'POST', '/api/v1/service-attachments', PNG, { ...me.bearer, 'Content-Type': 'image/png' });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const res = await srv.fetch(`/api/v1/service-attachments/${up.body.id}`, { headers: me.bearer });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.match(res.headers.get('content-disposition'), /^attachment/);
    const other = await get(`/api/v1/service-attachments/${up.body.id}`, w.as.volunteer);
    const none = await get('/api/v1/service-attachments/999999', w.as.volunteer);
    assert.equal(other.status, 404);
    assert.deepEqual(other.body, none.body);
    for (const id of ['..%2F..%2Fetc%2Fpasswd', '0x10', '-1']) {
      const r = await get(`/api/v1/service-attachments/${id}`, me);
      assert.equal(r.status, 404, id);
    }
    // The file gone from disk: a JSON error that names no path, after the check only.
    rmSync(mediaPath(srv, sha256(PNG)));
    const gone = await get(`/api/v1/service-attachments/${up.body.id}`, me);
    assert.equal(gone.status, 500);
    assertErrorShape(gone.body, 'media_missing');
    assert.ok(!JSON.stringify(gone.body).includes('/'), JSON.stringify(gone.body));
    assert.equal((await get(`/api/v1/service-attachments/${up.body.id}`, w.as.volunteer)).status, 404);
  });

  test('a case photo by a hash that is not the case\'s, or not a hash: 404', async () => {
    const cid = Number(sql(srv, `SELECT MIN(id) FROM cases WHERE grid_code = '${G1}'`)[0][0]);
    for (const h of [sha256(PNG), '../' + 'a'.repeat(61), 'A'.repeat(64)]) {
      const r = await get(`/api/v1/cases/${cid}/photos/${encodeURIComponent(h)}`, w.as.community_admin);
      assert.equal(r.status, 404, h);
    }
  });
});

describe('case rates', () => {
  test('a node outside the scope and one that does not exist answer the same 404', async () => {
    const ca = w.as.community_admin;
    assert.equal((await get(`/api/v1/stats/cases?node=${C1}`, ca)).status, 200);
    const outside = await get(`/api/v1/stats/cases?node=${C2}`, ca);
    const none = await get('/api/v1/stats/cases?node=110101001009', ca);
    assert.equal(outside.status, 404);
    assert.deepEqual(outside.body, none.body);
    const up = await get(`/api/v1/stats/cases?node=${STREET}`, ca);
    assert.equal(up.status, 404);
    assert.equal((await get(`/api/v1/stats/cases?node=${C1}`, w.as.resident)).status, 404);
  });
});

// ---- equity figures (equity_api.c): findings left to the change rewriting it ----

const equity = async (q, who) => {
  const r = await get(`/api/v1/sharing/equity?${q}`, who);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};

describe('equity: no figure for fewer than 5 people, directly or by difference', () => {
  test('finding 4: a grid\'s ratings are not counted out when its satisfaction is suppressed', async () => {
    // G1 has 2 rated cases, one satisfied: satisfaction_percent is null (under 5), but
    // cases_rated 2 and cases_satisfied 1 say it anyway.
    const b = await equity(`node=${C1}`, w.as.community_admin);
    for (const g of [...b.grids, b.totals]) {
      if (g.suppressed || g.satisfaction_percent !== null) continue;
      assert.equal(g.cases_satisfied ?? null, null, `${g.code || 'totals'}: satisfied of ${g.cases_rated} rated`);
    }
  });

  test('finding 5: the totals minus the grids shown are not a suppressed grid\'s figures', { todo: 'equity_api.c: totals and the Lorenz curve include suppressed grids' }, async () => {
    // One resident in the third grid of C1, visited twice: the grid is suppressed, but
    // totals.visits − Σ visits of the grids shown = 2, the visits of that one person.
    const r = await post('/api/v1/residents', { name: '孤身一人', id_number: idNumber('19500101', 88), grid_code: C1 + '003' }, w.admin);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    for (const d of [-1, -2]) {
      const v = await post('/api/v1/visits', { resident_id: r.body.id, visited_on: day(d), kind: 'routine', findings: '' }, w.admin);
      assert.equal(v.status, 201, JSON.stringify(v.body));
    }
    const b = await equity(`node=${C1}`, w.as.community_admin);
    const shown = b.grids.filter((g) => !g.suppressed);
    const hidden = b.totals.residents - shown.reduce((s, g) => s + g.residents, 0);
    assert.ok(hidden === 0 || hidden >= 5, `the suppressed grids' residents by difference: ${hidden}`);
    // The Lorenz curve has a point per grid with residents: the step of the small grid
    // is its share of residents and of visits.
    assert.ok(b.lorenz.length <= shown.length + 1, JSON.stringify(b.lorenz));
  });

  test('finding 6: a group at a node minus the same group in a child is not a group under 5', { todo: 'equity_api.c: groups count every grid, small ones too' }, async () => {
    // 3 独居老人 in C2: the street shows 9, C1 shows 6, so C2 has 3, with their coverage.
    for (let i = 0; i < 3; i++) {
      const r = await post('/api/v1/residents', { name: `差分${'一二三'[i]}`, id_number: idNumber('19450101', 70 + i), grid_code: C2G1, tags: ['独居老人'] }, w.admin);
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    const sup = w.as.street_supervisor;
    const st = (await equity(`node=${STREET}`, sup)).groups.find((g) => g.tag === 'living_alone');
    const c1 = (await equity(`node=${C1}`, sup)).groups.find((g) => g.tag === 'living_alone');
    if (st.suppressed || c1.suppressed) return;
    const diff = st.members - c1.members;
    assert.ok(diff === 0 || diff >= 5, `C2's 独居老人 by difference: ${diff} members, ${st.reached - c1.reached} reached`);
  });

  test('finding 7: two periods do not give one case\'s response time through the medians', { todo: 'equity_api.c: medians over any period are differenced' }, async () => {
    // Five cases in G2 reported 20 days ago (responses 100…500 s) and one 15 days ago
    // (350 s). Period A holds the five: median 300 s; period B adds the sixth: median
    // (300 + 350) / 2 = 325 s, so the sixth case took 2 · 325 − 300 = 350 s.
    const ins = (at, resp) => sql(srv, `INSERT INTO cases (grid_code, category_id, request_type, source, state,
      description, address, reporter_name, self_handled, accepted_at, responded_at, reported_at, created_at, updated_at)
      VALUES ('${G2}', (SELECT id FROM case_categories WHERE code = 'C01'), 'complaint', 'resident', 'accepted',
      '', '', '', 0, ${at + 1000}, ${at + 1000 + resp * 1000}, ${at}, ${at}, ${at})`);
    const t0 = Date.now() - 20 * D, t1 = Date.now() - 15 * D;
    for (const s of [100, 200, 300, 400, 500]) ins(t0, s);
    ins(t1, 350);
    const ca = w.as.community_admin;
    const g2 = async (to) => (await equity(`node=${C1}&from=${day(-25)}&to=${day(to)}`, ca)).grids.find((g) => g.code === G2);
    const a = await g2(-18), b = await g2(-12);
    assert.equal(a.cases_responded, 5);
    assert.equal(b.cases_responded, 6);
    if (a.response_median_s === null || b.response_median_s === null) return;
    assert.notEqual(2 * b.response_median_s - a.response_median_s, 350, 'one case\'s response time, by difference');
  });
});
