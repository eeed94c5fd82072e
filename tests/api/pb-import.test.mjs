// Importing a pabulib .pb file as a participatory budget round (POST /api/v1/pb-rounds/import):
// the stored result is `gongzhi pb --rule R --explain` on the same file; the round is closed,
// imported, audited; export → import replays to the same selection; bad input writes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, api, cli } from '../lib/server.mjs';
import { assertErrorShape, assertNoSanitizerReport } from './util.mjs';
import { sql } from './auth-util.mjs';
import { peopleWorld, auditCount, C1, C2, G1 } from './people-util.mjs';

let srv, w, dir;
let seq = 0;

// The file of tests/api/pb.test.mjs: names with ';', a free project, a voter approving one twice.
const ROUND = [
  'META', 'key;value', 'description;"Green; city"', 'budget;100.50', 'vote_type;approval', 'rule;greedy',
  'PROJECTS', 'project_id;cost;name', 'a;60;"A; x"', 'b;50;B', 'c;40.2;C', 'd;0;free',
  'VOTES', 'voter_id;vote', '1;a,b', '2;a', '3;b,c', '4;c', '5;a,a', '',
].join('\n');

before(async () => {
  srv = await startServer();
  w = await peopleWorld(srv, { tag: 'pbi' });
  dir = mkdtempSync(join(tmpdir(), 'gz-pbi-'));
});
after(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

function upload(query, text, who, type = 'text/plain') {
  return api(srv, 'POST', `/api/v1/pb-rounds/import?${new URLSearchParams(query)}`, text,
    { ...who.bearer, 'Content-Type': type });
}

function cliResult(rule, text) {
  const p = join(dir, `f${seq++}.pb`);
  writeFileSync(p, text);
  const r = cli(['pb', '--rule', rule, '--explain', p]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const count = (table) => Number(sql(srv, `SELECT COUNT(*) FROM ${table}`)[0][0]);
const counts = () => ['pb_rounds', 'pb_projects', 'pb_ballots', 'pb_approvals', 'audit_log'].map(count);

function expectError(r, status, code) {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assertErrorShape(r.body, code);
}

test('each rule: the stored result is the command line\'s on the same file', async () => {
  const admin = w.as.community_admin;
  const audits = auditCount(srv, 'pb_round.import');
  for (const rule of ['greedy', 'mes', 'mes-add1']) {
    const r = await upload({ scope_code: C1, rule, name: 'green.pb' }, ROUND, admin);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const round = r.body;
    assert.equal(round.state, 'closed');
    assert.equal(round.imported, true);
    assert.equal(round.source, 'green.pb');
    assert.equal(round.title, 'green.pb');
    assert.equal(round.rule, rule);
    assert.equal(round.budget_fen, 10050);
    assert.equal(round.ballots, 5);
    assert.equal(round.voters, 5);
    assert.deepEqual(round.result, cliResult(rule, ROUND));
    assert.deepEqual(round.projects.map((p) => [p.title, p.cost_fen, p.approvals]),
      [['A; x', 6000, 3], ['B', 5000, 2], ['C', 4020, 2], ['free', 0, 0]]);
    // Each project keeps its id in the file, which the stored result names.
    assert.deepEqual(round.projects.map((p) => p.source_id), ['a', 'b', 'c', 'd']);
    assert.deepEqual(round.projects.filter((p) => p.selected).map((p) => p.source_id).sort(),
      [...round.result.selected].sort());
    // Everyone in the place reads it; the voters are nobody's account.
    const g = await api(srv, 'GET', `/api/v1/pb-rounds/${round.id}`, undefined, w.as.resident.bearer);
    assert.equal(g.status, 200, JSON.stringify(g.body));
    assert.equal(g.body.me.voter, false);
    assert.deepEqual(g.body.result, round.result);
  }
  assert.equal(auditCount(srv, 'pb_round.import'), audits + 3);
});

test('the rule: the file\'s when the engine has it, else mes-add1; octet-stream; ?title=', async () => {
  let r = await upload({ scope_code: G1, title: '绿色城市回放' }, ROUND, w.as.community_admin,
    'application/octet-stream');
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.rule, 'greedy'); // META rule;greedy
  assert.equal(r.body.title, '绿色城市回放');
  assert.equal(r.body.source, '');
  assert.deepEqual(r.body.result, cliResult('greedy', ROUND));
  const other = ROUND.replace('rule;greedy', 'rule;equalshares');
  r = await upload({ scope_code: G1 }, other, w.as.community_admin);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.rule, 'mes-add1');
  assert.equal(r.body.title, '导入的 .pb 文件');
  assert.deepEqual(r.body.result, cliResult('mes-add1', other));
});

// A generated round (deterministic): 1,500 voters, 40 projects with fen costs and ids in
// an order where "10" < "9", a few voters approving nothing.
function generated() {
  let x = 12345;
  const rnd = (n) => { x = (x * 1103515245 + 12345) % 2147483648; return x % n; };
  const lines = ['META', 'key;value', 'description;generated', 'budget;4000000.50', 'vote_type;approval',
    'PROJECTS', 'project_id;cost;name;votes'];
  for (let p = 1; p <= 40; p++) lines.push(`${p};${30000 + rnd(400000)}.${String(rnd(100)).padStart(2, '0')};项目 ${p};0`);
  lines.push('VOTES', 'voter_id;vote');
  for (let v = 1; v <= 1500; v++) {
    const k = rnd(7);
    const set = new Set();
    for (let i = 0; i < k; i++) set.add(1 + Math.min(rnd(40), rnd(40)));
    lines.push(`v${v};${[...set].join(',')}`);
  }
  return lines.join('\n') + '\n';
}

test('a generated round of 1,500 voters: each rule as the command line', async () => {
  const text = generated();
  for (const rule of ['greedy', 'mes', 'mes-add1']) {
    const r = await upload({ scope_code: C1, rule, name: 'city.pb' }, text, w.as.community_admin);
    assert.equal(r.status, 201, JSON.stringify(r.body).slice(0, 400));
    assert.deepEqual(r.body.result, cliResult(rule, text));
    assert.equal(r.body.ballots, 1500);
  }
});

test('export of an imported round imports to the same result', async () => {
  // Ids that are no decimal numbers, costs with two decimals, a voter approving nothing.
  const text = [
    'META', 'key;value', 'budget;1000', 'vote_type;approval',
    'PROJECTS', 'project_id;cost;name', 'p1;400.5;North park', 'p2;300;South lights', 'p3;350;Library',
    'p4;600;Bus stop', 'VOTES', 'voter_id;vote', 'v1;p1,p2', 'v2;p1', 'v3;p3,p4', 'v4;p4', 'v5;p2,p3',
    'v6;p4,p1', 'v7;', '',
  ].join('\n');
  const admin = w.as.community_admin;
  let r = await upload({ scope_code: C1, rule: 'mes', name: 'orig.pb' }, text, admin);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const first = r.body;
  assert.equal(first.ballots, 7);
  const ex = await api(srv, 'GET', `/api/v1/pb-rounds/${first.id}/export.pb`, undefined, admin.bearer);
  assert.equal(ex.status, 200);
  r = await upload({ scope_code: C1, rule: 'mes', name: 'again.pb' }, ex.body, admin);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const second = r.body;
  const sel = (round) => round.projects.filter((p) => p.selected).map((p) => p.title).sort();
  assert.deepEqual(sel(second), sel(first));
  assert.equal(second.result.cost, first.result.cost);
  assert.equal(second.result.budget, first.result.budget);
  assert.equal(second.ballots, 7);
  assert.deepEqual(second.projects.map((p) => [p.title, p.cost_fen, p.approvals]),
    first.projects.map((p) => [p.title, p.cost_fen, p.approvals]));
  // and the export replays with the command line to the stored result
  assert.deepEqual(cliResult('mes', ex.body).selected.sort(),
    first.projects.filter((p) => p.selected).map((p) => p.id).sort());
});

test('bad input: 422 naming the line, 400, 404, 403, 413, 415; nothing written', async () => {
  const admin = w.as.community_admin;
  const before = counts();
  let r = await upload({ scope_code: C1 }, ROUND.replace('3;b,c', '3;b,zz'), admin);
  expectError(r, 422, 'invalid_pb');
  assert.match(r.body.error.message, /^第 17 行/);
  assert.equal(r.body.error.fields.line, '17');
  r = await upload({ scope_code: C1 }, ROUND.replace('vote_type;approval', 'vote_type;ordinal'), admin);
  expectError(r, 422, 'invalid_pb');
  assert.match(r.body.error.message, /ordinal.*approval/);
  r = await upload({ scope_code: C1 }, ROUND.replace('c;40.2;C', 'c;40.215;C'), admin);
  expectError(r, 422, 'invalid_pb');
  assert.match(r.body.error.message, /^第 11 行/);
  assert.equal(r.body.error.fields.line, '11');
  r = await upload({ scope_code: C1 }, '', admin);
  expectError(r, 422, 'invalid_pb');
  r = await upload({ scope_code: C1, rule: 'borda' }, ROUND, admin);
  expectError(r, 400, 'bad_query');
  assert.ok('rule' in r.body.error.fields);
  r = await upload({ scope_code: '1101' }, ROUND, admin);
  expectError(r, 400, 'bad_query');
  r = await upload({}, ROUND, admin);
  expectError(r, 400, 'bad_query');
  r = await upload({ scope_code: C1 }, ROUND, admin, 'application/json');
  expectError(r, 415, 'unsupported_media_type');
  // Out of scope and unknown places: 404 alike.
  r = await upload({ scope_code: C1 }, ROUND, w.ca2);
  expectError(r, 404, 'not_found');
  r = await upload({ scope_code: C2 }, ROUND, admin);
  expectError(r, 404, 'not_found');
  r = await upload({ scope_code: C1.slice(0, 9) + '999' }, ROUND, w.admin);
  expectError(r, 404, 'not_found');
  // A resident of the place takes part in rounds but does not create them.
  r = await upload({ scope_code: G1 }, ROUND, w.as.resident);
  assert.ok([403, 404].includes(r.status), JSON.stringify(r.body));
  // Too large: refused before the body is read.
  r = await upload({ scope_code: C1 }, ROUND + '#'.repeat(8 * 1024 * 1024), admin);
  expectError(r, 413, r.body.error.code);
  assert.deepEqual(counts(), before);
});
