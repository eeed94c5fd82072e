// Redemptions racing (issue 13, "Done when"): two redemptions for the last item, and two
// for the last points, sent as real concurrent HTTP requests, each end with exactly one
// success; so do eight at once. Stock and balances never go below zero, the loser changes
// nothing, and `gongzhi ledger check` holds afterwards. Runs on SQLite (one writer at a
// time), on PostgreSQL (row locks, conditional updates) and on two processes sharing
// PostgreSQL (the requests of a pair go to different processes).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, cli } from '../lib/server.mjs';
import { assertErrorShape, assertNoSanitizerReport } from './util.mjs';
import { sql } from './auth-util.mjs';
import { C1, mobWorld, ledgerCheck } from './mob-util.mjs';

let srv, who;
const ROUNDS = 5;

before(async () => {
  srv = await startServer();
  ({ who } = await mobWorld(srv, {
    staff: [['community_staff', C1]],
    sec: [['community_admin', C1]],
    a: [['volunteer', C1]],
    b: [['resident', C1 + '002']],
    c: [['volunteer', C1]],
    ...Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`m${i}`, [['volunteer', C1]]])),
  }));
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

const post = (path, body, s) => api(srv, 'POST', path, body, s.bearer);
const balance = async (s) => (await api(srv, 'GET', '/api/v1/me/points', undefined, s.bearer)).body.balance;
let n = 0;

async function item(price, stock) {
  const r = await post('/api/v1/store/items', { community_code: C1, name: `抢购物品${n++}`, price_points: price, stock }, who.staff);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}

async function give(s, points) {
  const r = await post('/api/v1/points/adjustments', { user_id: s.id, community_code: C1, points, reason: '并发测试' }, who.sec);
  assert.equal(r.status, 201, JSON.stringify(r.body));
}

const stockOf = (id) => Number(sql(srv, `SELECT stock FROM store_items WHERE id = ${Number(id)}`)[0][0]);

// Sends the requests at once and sorts the answers.
async function race(requests) {
  const res = await Promise.all(requests.map(([id, s]) => post(`/api/v1/store/items/${id}/redeem`, {}, s)));
  return { won: res.filter((r) => r.status === 201), lost: res.filter((r) => r.status !== 201) };
}

test('two redemptions racing for the last item: exactly one succeeds', async () => {
  await give(who.a, 10 * ROUNDS);
  await give(who.b, 10 * ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    const id = await item(10, 1);
    const [ba, bb] = [await balance(who.a), await balance(who.b)];
    const { won, lost } = await race([[id, who.a], [id, who.b]]);
    assert.equal(won.length, 1, `round ${round}: ${JSON.stringify([...won, ...lost].map((r) => r.body))}`);
    assert.equal(lost.length, 1);
    assert.equal(lost[0].status, 409);
    assertErrorShape(lost[0].body, 'out_of_stock', 'the loser');
    assert.equal(stockOf(id), 0);
    const paid = (ba - (await balance(who.a))) + (bb - (await balance(who.b)));
    assert.equal(paid, 10, 'exactly one paid');
  }
});

test('two redemptions racing for the last points: exactly one succeeds', async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const x = await item(30, 5);
    const y = await item(30, 5);
    const have = await balance(who.c);
    await give(who.c, 30 - have); // exactly 30 points
    assert.equal(await balance(who.c), 30);
    const { won, lost } = await race([[x, who.c], [y, who.c]]);
    assert.equal(won.length, 1, `round ${round}: ${JSON.stringify([...won, ...lost].map((r) => r.body))}`);
    assert.equal(lost.length, 1);
    assert.equal(lost[0].status, 409);
    assertErrorShape(lost[0].body, 'insufficient_points', 'the loser');
    assert.equal(await balance(who.c), 0);
    assert.equal(stockOf(x) + stockOf(y), 9, 'the loser took no stock');
  }
});

test('eight redemptions at once for one last item: exactly one succeeds', async () => {
  const racers = Array.from({ length: 8 }, (_, i) => who[`m${i}`]);
  for (const s of racers) await give(s, 10);
  const id = await item(10, 1);
  const { won, lost } = await race(racers.map((s) => [id, s]));
  assert.equal(won.length, 1, JSON.stringify(lost.map((r) => r.body)));
  assert.deepEqual([...new Set(lost.map((r) => r.body.error.code))], ['out_of_stock']);
  assert.equal(stockOf(id), 0);
  let total = 0;
  for (const s of racers) total += await balance(s);
  assert.equal(total, 70);
});

test('the ledger reconciles after the races', () => {
  const r = ledgerCheck(srv, cli);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.never_negative.ok, true);
  assert.equal(j.stock_reconciles.ok, true);
  assert.equal(j.store_points.ok, true);
  // redemptions that won are exactly those in the database
  const [[red]] = sql(srv, 'SELECT COUNT(*) FROM store_redemptions');
  assert.equal(Number(red), 2 * ROUNDS + 1);
});
