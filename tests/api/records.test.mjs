// Residents' records kept by hand (issue 9, item 3): a household added with its
// members, edits, moves within the street, move-out, move back in and death, each kept
// as history (who, when, field, old -> new, personal data masked as usual and revealed
// under the same audited rules) that only staff in scope see; the counts per grid and
// status stay exact (resident_counts, record_counts) and lists leave former residents
// out by default; the one search box (any part of a name, a whole ID number or phone,
// "3-2-102" and its spellings, an address) with totals; and the bad input of the issue
// (duplicate ID numbers named only in scope, wrong check digit, a phone not 11 digits,
// a move-out date in the future, a part of a number). Runs on SQLite, PostgreSQL and
// two processes sharing PostgreSQL.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { assertErrorShape, assertNoSanitizerReport, FULL_PHONE, FULL_ID } from './util.mjs';
import { sql } from './auth-util.mjs';
import {
  G1, G2, C1, C2G1, idNumber, badIdNumber, peopleWorld, peopleCounts, auditCount,
} from './people-util.mjs';


let srv, w, unit, household;
const get = (path, who) => api(srv, 'GET', path, undefined, who.bearer);
const post = (path, body, who) => api(srv, 'POST', path, body, who.bearer);
const patch = (path, body, who) => api(srv, 'PATCH', path, body, who.bearer);
const enc = encodeURIComponent;

const HEAD = { name: '王琳琳', id_number: idNumber('19560708', 101), phone: '13611112222', relation: '户主', tags: ['独居老人'] };
const SPOUSE = { name: '赵建平', id_number: idNumber('19580910', 103), phone: '13733334444', relation: '配偶', tags: ['低保'] };
const ids = {};

// Every per-grid and whole-database count equals the rows it counts.
function assertCountsExact() {
  const rows = sql(srv, `SELECT grid_code, status, COUNT(*) FROM residents WHERE deleted_at IS NULL
    GROUP BY grid_code, status ORDER BY grid_code, status`).map((r) => `${r[0]} ${r[1]} ${r[2]}`);
  const kept = sql(srv, `SELECT grid_code, status, n FROM resident_counts WHERE n <> 0
    ORDER BY grid_code, status`).map((r) => `${r[0]} ${r[1]} ${r[2]}`);
  assert.deepEqual(kept, rows, 'resident_counts per grid and status');
  for (const [name, st] of [['residents', 'active'], ['residents_moved_out', 'moved_out'], ['residents_deceased', 'deceased']]) {
    const [[n]] = sql(srv, `SELECT n FROM record_counts WHERE name = '${name}'`);
    const [[c]] = sql(srv, `SELECT COUNT(*) FROM residents WHERE status = '${st}'`);
    assert.equal(Number(n), Number(c), `record_counts.${name}`);
  }
}

before(async () => {
  srv = await startServer();
  w = await peopleWorld(srv, { tag: 'rec' });
  const r = await post('/api/v1/units', { building_id: w.building.id, number: '1-2-102', area_m2: '76.50', owners: [{ name: '王琳琳' }] }, w.as.community_staff);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  unit = r.body;
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

describe('a household added by hand', () => {
  test('a household with two residents in one request, with its full address', async () => {
    const before = peopleCounts(srv);
    const r = await post('/api/v1/households', { unit_id: unit.id, members: [HEAD, SPOUSE] }, w.as.grid_worker);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    household = r.body;
    assert.equal(household.members.length, 2);
    assert.deepEqual(household.members.map((m) => m.relation), ['户主', '配偶']);
    ids.head = household.members[0].id;
    ids.spouse = household.members[1].id;
    assert.ok(!FULL_PHONE.test(JSON.stringify(r.body)) && !FULL_ID.test(JSON.stringify(r.body)));
    assert.equal(household.place.street.name, '东华门街道');
    assert.equal(household.place.community.name, '多福巷社区');
    assert.equal(household.place.grid.name, '第一网格');
    assert.equal(household.place.building.name, '1号楼');
    assert.equal(household.place.unit.label, '2单元102室');
    assert.equal(household.full_address, '东华门街道 多福巷社区 第一网格 1号楼 2单元102室');
    const after = peopleCounts(srv);
    assert.equal(after.residents, before.residents + 2);
    assert.equal(after.households, before.households + 1);
    assert.equal(after.nRes, before.nRes + 2);
    // The 户卡 prints the same address.
    const card = await get(`/api/v1/households/${household.id}`, w.as.grid_worker);
    assert.equal(card.body.full_address, household.full_address);
    assert.equal(card.body.member_count, 2);
    assertCountsExact();
  });

  test('bad members: every problem named by member and field, nothing written', async () => {
    const before = peopleCounts(srv);
    const audits = auditCount(srv);
    const r = await post('/api/v1/households', {
      grid_code: G1,
      address: '多福巷2号',
      members: [
        { name: '甲', id_number: badIdNumber('19800101', 5) },
        { name: '乙', phone: '1381234567' },
        { name: '', phone: '138123456789' },
      ],
    }, w.as.grid_worker);
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assertErrorShape(r.body, 'invalid_fields');
    const f = r.body.error.fields;
    assert.equal(f['members[0].id_number'], '校验位错误');
    assert.match(f['members[1].phone'], /11 位/);
    assert.ok('members[2].name' in f && 'members[2].phone' in f, JSON.stringify(f));
    assert.deepEqual(peopleCounts(srv), before);
    assert.equal(auditCount(srv), audits);
    const same = await post('/api/v1/households', { grid_code: G1, members: [{ name: '丙', id_number: idNumber('19900101', 7) }, { name: '丁', id_number: idNumber('19900101', 7) }] }, w.as.grid_worker);
    assert.equal(same.status, 422);
    assert.equal(same.body.error.fields['members[1].id_number'], '与第 1 位成员重复');
  });
});

describe('duplicate ID numbers', () => {
  test('in scope: 409 naming the existing record; out of scope: only "registered elsewhere"', async () => {
    const before = peopleCounts(srv);
    const dupAudit = auditCount(srv, 'resident.duplicate_id_number');
    let r = await post('/api/v1/residents', { name: '重复', grid_code: G1, id_number: HEAD.id_number }, w.as.grid_worker);
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assertErrorShape(r.body, 'duplicate_id_number');
    assert.equal(r.body.existing.id, ids.head);
    assert.equal(r.body.existing.name, '王琳琳');
    assert.match(r.body.error.message, /王琳琳/);
    assert.ok(!FULL_ID.test(JSON.stringify(r.body)), 'the existing record comes masked');
    r = await post('/api/v1/residents', { name: '重复', grid_code: G2, id_number: HEAD.id_number }, w.gw2);
    assert.equal(r.status, 409);
    assert.equal(r.body.error.message, '已在其他地方登记，请联系街道办理迁入');
    assert.equal(r.body.existing, undefined);
    assert.ok(!JSON.stringify(r.body).includes('王琳琳') && !JSON.stringify(r.body).includes(G1));
    // Within a household too.
    r = await post('/api/v1/households', { grid_code: G2, members: [{ name: '新', id_number: idNumber('19910101', 9) }, { name: '重', id_number: SPOUSE.id_number }] }, w.gw2);
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assert.equal(r.body.error.message, '已在其他地方登记，请联系街道办理迁入');
    assert.ok('members[1].id_number' in r.body.error.fields);
    assert.deepEqual(peopleCounts(srv), before);
    assert.equal(auditCount(srv, 'resident.duplicate_id_number'), dupAudit + 3);
  });

  test('wrong check digit and a phone that is not 11 digits are refused', async () => {
    let r = await post('/api/v1/residents', { name: '错', grid_code: G1, id_number: badIdNumber('19700101', 3) }, w.as.grid_worker);
    assert.equal(r.status, 422);
    assert.equal(r.body.error.fields.id_number, '校验位错误');
    r = await post('/api/v1/residents', { name: '错', grid_code: G1, phone: '1381234123' }, w.as.grid_worker);
    assert.equal(r.status, 422);
    assert.match(r.body.error.fields.phone, /11 位/);
    r = await patch(`/api/v1/residents/${ids.head}`, { phone: '139123412345' }, w.as.grid_worker);
    assert.equal(r.status, 422);
  });
});

describe('search', () => {
  test('any part of the name, with an exact total', async () => {
    const r = await get(`/api/v1/residents?q=${enc('琳')}`, w.as.grid_worker);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.items.map((x) => x.id), [ids.head]);
    assert.equal(r.body.search, 'text');
    assert.equal(r.body.total, 1);
    assert.equal(r.body.total_exact, true);
    assert.equal(r.body.items[0].address, '东华门街道 多福巷社区 第一网格 1号楼 2单元102室');
    const none = await get(`/api/v1/residents?q=${enc('%')}`, w.as.grid_worker);
    assert.deepEqual(none.body.items, [], '% matches itself');
  });

  for (const q of ['1-2-102', '1号楼 2单元 102', '1号楼2单元102室', '1-102', '1号楼']) {
    test(`the unit "${q}"`, async () => {
      const r = await get(`/api/v1/residents?q=${enc(q)}`, w.as.grid_worker);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.search, 'unit');
      assert.deepEqual(r.body.items.map((x) => x.id).sort(), [ids.head, ids.spouse].sort());
      assert.equal(r.body.total, 2);
    });
  }

  test('units elsewhere are not found; out of scope finds nothing', async () => {
    let r = await get(`/api/v1/residents?q=${enc('1-3-102')}`, w.as.grid_worker);
    assert.deepEqual(r.body.items, []);
    assert.equal(r.body.total, 0);
    r = await get(`/api/v1/residents?q=${enc('1-2-102')}`, w.gw2);
    assert.deepEqual(r.body.items, []);
    r = await get(`/api/v1/residents?q=${enc('1-2-102')}&limit=1`, w.as.community_staff);
    assert.equal(r.body.items.length, 1);
    assert.ok(r.body.next_cursor);
    const r2 = await get(`/api/v1/residents?q=${enc('1-2-102')}&limit=1&cursor=${r.body.next_cursor}`, w.as.community_staff);
    assert.equal(r2.body.items.length, 1);
    assert.notEqual(r2.body.items[0].id, r.body.items[0].id);
    assert.equal(r2.body.next_cursor, null);
  });

  test('a whole ID number or phone: exact lookup, audited, never the value', async () => {
    const before = auditCount(srv, 'resident.lookup');
    let r = await get(`/api/v1/residents?q=${enc(SPOUSE.id_number.toLowerCase())}`, w.as.grid_worker);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.search, 'id_number');
    assert.deepEqual(r.body.items.map((x) => x.id), [ids.spouse]);
    assert.equal(r.body.total, 1);
    r = await get(`/api/v1/residents?q=${enc('+86 136-1111-2222')}`, w.as.grid_worker);
    assert.equal(r.body.search, 'phone');
    assert.deepEqual(r.body.items.map((x) => x.id), [ids.head]);
    assert.equal(auditCount(srv, 'resident.lookup'), before + 2);
    const [[d]] = sql(srv, "SELECT detail FROM audit_log WHERE action = 'resident.lookup' ORDER BY id DESC LIMIT 1");
    assert.ok(!d.includes('13611112222') && !d.includes('1111'), d);
    // The party member cannot look anyone up by number.
    r = await get(`/api/v1/residents?q=${HEAD.phone}`, w.as.party_member);
    assert.equal(r.status, 403);
  });

  test('a part of a number is refused (exact lookups only); a wrong check digit is an error', async () => {
    for (const q of ['1', '5', '136', '1361111', HEAD.id_number.slice(0, 10), '102']) {
      const r = await get(`/api/v1/residents?q=${enc(q)}`, w.as.grid_worker);
      assert.equal(r.status, 400, `${q}: ${JSON.stringify(r.body)}`);
      assertErrorShape(r.body, 'partial_number');
      assert.ok('q' in r.body.error.fields);
    }
    const r = await get(`/api/v1/residents?q=${badIdNumber('19560708', 101)}`, w.as.grid_worker);
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'id_checksum');
  });
});

describe('history and status', () => {
  test('edit, move-out and move-in keep a complete history; counts stay exact', async () => {
    const gw = w.as.grid_worker;
    let r = await patch(`/api/v1/residents/${ids.head}`, { phone: '13655556666', name: '王琳' }, gw);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const listBefore = await get('/api/v1/residents?limit=200', gw);
    const totalBefore = listBefore.body.total;
    assert.equal(totalBefore, listBefore.body.items.length);

    // A move-out date in the future is refused, nothing changes.
    const tomorrow = new Date(Date.now() + 2 * 86400000).toISOString().slice(0, 10);
    r = await post(`/api/v1/residents/${ids.head}/move-out`, { date: tomorrow, reason: '迁往海淀区' }, gw);
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.equal(r.body.error.fields.date, '晚于今天');
    r = await post(`/api/v1/residents/${ids.head}/move-out`, { date: '2026-01-05' }, gw);
    assert.equal(r.status, 422);
    assert.equal(r.body.error.fields.reason, '不能为空');
    r = await post(`/api/v1/residents/${ids.head}/move-out`, { date: '2025-03-01', reason: '迁往海淀区', extra: 1 }, gw);
    assert.equal(r.status, 422);
    assertCountsExact();

    r = await post(`/api/v1/residents/${ids.head}/move-out`, { date: '2025-03-01', reason: '迁往海淀区' }, gw);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'moved_out');
    assert.equal(r.body.status_date, '2025-03-01');
    assertCountsExact();
    r = await post(`/api/v1/residents/${ids.head}/move-out`, { date: '2025-03-01', reason: 'x' }, gw);
    assert.equal(r.status, 409);
    assertErrorShape(r.body, 'not_active');

    // Out of lists, counts, searches and the 户卡 by default; ?status= shows them.
    let l = await get('/api/v1/residents?limit=200', gw);
    assert.ok(!l.body.items.some((x) => x.id === ids.head));
    assert.equal(l.body.total, totalBefore - 1);
    l = await get(`/api/v1/residents?q=${enc('王琳')}`, gw);
    assert.deepEqual(l.body.items, []);
    l = await get('/api/v1/residents?status=moved_out', gw);
    assert.deepEqual(l.body.items.map((x) => x.id), [ids.head]);
    assert.equal(l.body.total, 1);
    l = await get('/api/v1/residents?status=all&limit=200', gw);
    assert.equal(l.body.total, totalBefore);
    l = await get('/api/v1/residents?tag=独居老人', gw);
    assert.ok(!l.body.items.some((x) => x.id === ids.head), 'tag filters see the register only');
    l = await get('/api/v1/residents?status=left&tag=独居老人', gw);
    assert.equal(l.status, 400);
    l = await get('/api/v1/residents?status=gone', gw);
    assert.equal(l.status, 400);
    const card = await get(`/api/v1/households/${household.id}`, gw);
    assert.deepEqual(card.body.members.map((m) => m.id), [ids.spouse]);
    assert.equal(card.body.member_count, 1);
    const status = await api(srv, 'GET', '/api/v1/status', undefined, w.admin.bearer);
    assert.equal(status.body.counts.residents_moved_out, 1);

    r = await post(`/api/v1/residents/${ids.head}/move-in`, { date: '2025-09-01' }, gw);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'active');
    assert.equal(r.body.status_date, null);
    assertCountsExact();
    r = await post(`/api/v1/residents/${ids.head}/move-in`, {}, gw);
    assert.equal(r.status, 409);
    l = await get('/api/v1/residents?tag=独居老人', gw);
    assert.ok(l.body.items.some((x) => x.id === ids.head), 'tags back with the resident');

    // The history, newest first: move-in, move-out, edit, creation.
    const h = await get(`/api/v1/residents/${ids.head}/history`, gw);
    assert.equal(h.status, 200, JSON.stringify(h.body));
    const actions = h.body.items.map((e) => e.action);
    assert.deepEqual(actions, ['move_in', 'move_out', 'update', 'create']);
    for (const e of h.body.items) {
      assert.equal(e.actor.username, w.as.grid_worker.user.username);
      assert.match(e.at, /Z$/);
    }
    const field = (e, f) => e.changes.find((c) => c.field === f);
    const [moveIn, moveOut, edit, create] = h.body.items;
    assert.deepEqual([field(edit, 'name').old, field(edit, 'name').new], ['王琳琳', '王琳']);
    assert.equal(field(edit, 'phone').old, '136****2222');
    assert.equal(field(edit, 'phone').new, '136****6666');
    assert.equal(field(edit, 'phone').masked, true);
    assert.deepEqual([field(moveOut, 'status').old, field(moveOut, 'status').new], ['active', 'moved_out']);
    assert.equal(field(moveOut, 'status').new_label, '已迁出');
    assert.equal(field(moveOut, 'status_date').new, '2025-03-01');
    assert.equal(field(moveOut, 'status_reason').new, '迁往海淀区');
    assert.deepEqual([field(moveIn, 'status').old, field(moveIn, 'status').new], ['moved_out', 'active']);
    assert.equal(field(moveIn, 'date').new, '2025-09-01');
    assert.equal(field(moveIn, 'status_reason').old, '迁往海淀区');
    assert.equal(field(create, 'id_number').new.includes('********'), true);
    assert.equal(field(create, 'sensitive_tags'), undefined, 'no sensitive tags: none recorded');
    assert.equal(field(create, 'household_id').new, household.id);
    assert.equal(field(create, 'household_id').new_label, household.full_address);
    assert.ok(!FULL_PHONE.test(JSON.stringify(h.body)) && !FULL_ID.test(JSON.stringify(h.body)));

    // Sealed at rest: no phone in the history table.
    const raw = sql(srv, `SELECT COALESCE(old_value, ''), COALESCE(new_value, '') FROM resident_history WHERE resident_id = ${ids.head}`).flat().join(' ');
    assert.ok(!raw.includes('13655556666') && !raw.includes('13611112222') && !raw.includes(HEAD.id_number), raw);
  });

  test('the history is revealed under the reveal rules, audited', async () => {
    const before = auditCount(srv, 'resident.reveal');
    let h = await get(`/api/v1/residents/${ids.head}/history?reveal=phone`, w.as.grid_worker);
    assert.equal(h.status, 200);
    const edit = h.body.items.find((e) => e.action === 'update');
    const ph = edit.changes.find((c) => c.field === 'phone');
    assert.deepEqual([ph.old, ph.new], ['13611112222', '13655556666']);
    assert.equal(auditCount(srv, 'resident.reveal'), before + 1);
    const [[d]] = sql(srv, "SELECT detail FROM audit_log WHERE action = 'resident.reveal' ORDER BY id DESC LIMIT 1");
    assert.equal(JSON.parse(d).history, true);
    assert.deepEqual(JSON.parse(d).ids, [ids.head]);
    h = await get(`/api/v1/residents/${ids.spouse}/history?reveal=tags`, w.as.grid_worker);
    const sens = h.body.items[0].changes.find((c) => c.field === 'sensitive_tags');
    assert.deepEqual(sens.new, ['dibao']);
    h = await get(`/api/v1/residents/${ids.head}/history?reveal=phone`, w.as.party_member);
    assert.equal(h.status, 403);
  });

  test('visible to staff in scope only; out of scope is 404 like the resident', async () => {
    for (const who of [w.as.grid_worker, w.as.community_staff, w.as.community_admin, w.as.street_supervisor, w.admin]) {
      const h = await get(`/api/v1/residents/${ids.head}/history`, who);
      assert.equal(h.status, 200, JSON.stringify(h.body));
    }
    const out = await get(`/api/v1/residents/${ids.head}/history`, w.gw2);
    assert.equal(out.status, 404);
    const missing = await get('/api/v1/residents/987654321/history', w.gw2);
    assert.deepEqual(out.body, missing.body);
    assert.equal((await get(`/api/v1/residents/${ids.head}/history`, w.ca2)).status, 404);
    for (const role of ['resident', 'party_member', 'volunteer', 'property', 'department', 'unit_contact']) {
      const h = await get(`/api/v1/residents/${ids.head}/history`, w.as[role]);
      assert.equal(h.status, 403, role);
      assert.ok(!JSON.stringify(h.body).includes('王琳'));
    }
  });

  test('a move within the street changes the scope; across streets is refused', async () => {
    const cs = w.as.community_staff;
    let r = await post(`/api/v1/residents/${ids.spouse}/move`, { grid_code: G2, address: '多福巷9号', date: '2025-10-01' }, w.as.grid_worker);
    assert.equal(r.status, 422, 'the grid worker of G1 does not write G2');
    assert.ok('grid_code' in r.body.error.fields);
    r = await post(`/api/v1/residents/${ids.spouse}/move`, {}, cs);
    assert.equal(r.status, 422);
    r = await post(`/api/v1/residents/${ids.spouse}/move`, { grid_code: G2, address: '多福巷9号', date: '2025-10-01', relation: '户主' }, cs);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.grid_code, G2);
    assert.notEqual(r.body.household_id, household.id);
    assert.equal(r.body.relation, '户主');
    assertCountsExact();
    assert.equal((await get(`/api/v1/residents/${ids.spouse}`, w.as.grid_worker)).status, 404);
    assert.equal((await get(`/api/v1/residents/${ids.spouse}`, w.gw2)).status, 200);
    const h = await get(`/api/v1/residents/${ids.spouse}/history`, w.gw2);
    const mv = h.body.items[0];
    assert.equal(mv.action, 'move');
    const g = mv.changes.find((c) => c.field === 'grid_code');
    assert.deepEqual([g.old, g.new], [G1, G2]);
    assert.equal(g.new_label, '东华门街道 多福巷社区 第二网格');
    // The street supervisor of this street cannot move someone into another street's grid.
    r = await post(`/api/v1/residents/${ids.spouse}/move`, { grid_code: '110101002001001' }, w.admin);
    assert.equal(r.status, 422);
  });

  test('death is recorded with its date and leaves the lists', async () => {
    const gw2 = w.gw2;
    let r = await post(`/api/v1/residents/${ids.spouse}/deceased`, { date: '2099-01-01' }, gw2);
    assert.equal(r.status, 422);
    r = await post(`/api/v1/residents/${ids.spouse}/deceased`, { date: '1950-01-01' }, gw2);
    assert.equal(r.status, 422);
    assert.equal(r.body.error.fields.date, '早于出生日期');
    r = await post(`/api/v1/residents/${ids.spouse}/deceased`, { date: '2025-11-02' }, gw2);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'deceased');
    assertCountsExact();
    r = await post(`/api/v1/residents/${ids.spouse}/move`, { grid_code: G1 }, w.as.community_staff);
    assert.equal(r.status, 409);
    const l = await get('/api/v1/residents?status=deceased', gw2);
    assert.deepEqual(l.body.items.map((x) => x.id), [ids.spouse]);
    assert.equal((await get('/api/v1/residents?status=left', gw2)).body.total, 1);
  });

  test('status changes are audited and refused outside the scope', async () => {
    const before = auditCount(srv, 'resident.move_out');
    let r = await post(`/api/v1/residents/${ids.head}/move-out`, { date: '2025-12-01', reason: '迁出' }, w.gw2);
    assert.equal(r.status, 404);
    r = await post(`/api/v1/residents/${ids.head}/move-out`, { date: '2025-12-01', reason: '迁出' }, w.as.party_member);
    assert.equal(r.status, 403);
    assert.equal(auditCount(srv, 'resident.move_out'), before);
    assert.equal(auditCount(srv, 'resident.move_in'), 1);
    assert.equal(auditCount(srv, 'resident.deceased'), 1);
    assert.equal(auditCount(srv, 'resident.move'), 1);
  });
});

describe('totals', () => {
  test('plain lists: exact totals from the counters, per scope and filter', async () => {
    for (const [who, query] of [[w.as.grid_worker, ''], [w.as.community_staff, ''], [w.as.community_staff, `&grid=${G2}`], [w.admin, `&community=${C1}`], [w.ca2, '']]) {
      const r = await get(`/api/v1/residents?limit=200${query}`, who);
      assert.equal(r.status, 200);
      assert.equal(r.body.total, r.body.items.length, query);
      assert.equal(r.body.total_exact, true);
    }
    const r = await get(`/api/v1/residents?limit=200&grid=${C2G1}`, w.as.grid_worker);
    assert.equal(r.body.total, 0);
  });
});

describe('units numbered within their building', () => {
  test('"1-2-301" finds unit "2-301" of 1号楼 (any spelling), not "2-301" of 5号楼', async () => {
    const b5 = await post('/api/v1/buildings', { name: '5号楼', address: '多福巷5号', lat: 39.9002, lng: 116.4002 }, w.admin);
    assert.equal(b5.status, 201, JSON.stringify(b5.body));
    const found = {};
    for (const [bid, name, seq] of [[w.building.id, '钱明', 201], [b5.body.id, '孙亮', 203]]) {
      const u = await post('/api/v1/units', { building_id: bid, number: '2-301', area_m2: '60.00', owners: [{ name }] }, w.as.community_staff);
      assert.equal(u.status, 201, JSON.stringify(u.body));
      const h = await post('/api/v1/households', { unit_id: u.body.id, members: [{ name, id_number: idNumber('19700101', seq), relation: '户主' }] }, w.as.grid_worker);
      assert.equal(h.status, 201, JSON.stringify(h.body));
      found[bid] = h.body.members[0].id;
    }
    for (const q of ['1-2-301', '1号楼2单元301室', '1号楼 2单元 301']) {
      const r = await get(`/api/v1/residents?q=${enc(q)}`, w.as.grid_worker);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.search, 'unit');
      assert.deepEqual(r.body.items.map((x) => x.id), [found[w.building.id]], q);
      assert.equal(r.body.total, 1);
    }
    const r = await get(`/api/v1/residents?q=${enc('5-2-301')}`, w.as.grid_worker);
    assert.deepEqual(r.body.items.map((x) => x.id), [found[b5.body.id]]);
    const r2 = await get(`/api/v1/residents?q=${enc('3-2-301')}`, w.as.grid_worker);
    assert.deepEqual(r2.body.items, []);
  });
});
