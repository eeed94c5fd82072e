// `gongzhi pb`: participatory budget winners from a pabulib .pb file (PB-RULES.md).
// Exit 0 with {"rule","budget","selected":[ids],"cost"} (exact decimal strings); a file
// the rules reject exits 2 with a message naming the line on stderr and nothing on stdout.
// The rules themselves are unit-tested (tests/unit/test_deliberation_pb.c).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../lib/server.mjs';
import { assertNoSanitizerReport } from './util.mjs';

let dir;
let seq = 0;
before(() => { dir = mkdtempSync(join(tmpdir(), 'gz-pb-')); });
after(() => { rmSync(dir, { recursive: true, force: true }); });

function file(text) {
  const p = join(dir, `r${seq++}.pb`);
  writeFileSync(p, text);
  return p;
}

function pb(rule, text, extra = []) {
  const r = cli(['pb', '--rule', rule, ...extra, file(text)]);
  assertNoSanitizerReport(r.stderr, 'gongzhi pb');
  return r;
}

const ROUND = [
  'META', 'key;value', 'description;"Green; city"', 'budget;100.50', 'vote_type;approval',
  'PROJECTS', 'project_id;cost;name', 'a;60;"A; x"', 'b;50;B', 'c;40.2;C', 'd;0;free',
  'VOTES', 'voter_id;vote', '1;a,b', '2;a', '3;b,c', '4;c', '5;a,a', '',
].join('\n');

test('each rule prints rule, budget, selected ids and cost as exact strings', () => {
  const out = {};
  for (const rule of ['greedy', 'mes', 'mes-add1']) {
    const r = pb(rule, ROUND);
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(o), ['rule', 'budget', 'selected', 'cost']);
    assert.equal(o.rule, rule);
    assert.equal(o.budget, '100.5');
    out[rule] = o;
  }
  assert.deepEqual(out.greedy.selected.sort(), ['a', 'c', 'd']);
  assert.equal(out.greedy.cost, '100.2'); // c costs exactly what its approvers hold (2 x 20.1)
  assert.deepEqual(out.mes.selected.sort(), ['a', 'c']);
  assert.deepEqual(out['mes-add1'].selected.sort(), ['a', 'c', 'd']);
  for (const o of Object.values(out)) for (const id of o.selected) assert.equal(typeof id, 'string');
});

test('--explain shows how each project fared and who paid how much', () => {
  const r = pb('mes-add1', ROUND, ['--explain']);
  assert.equal(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.equal(o.voters, 5);
  assert.equal(o.mes.runs, o.mes.k + 2);
  const a = o.projects.find((p) => p.id === 'a');
  assert.equal(a.by, 'mes');
  assert.deepEqual(a.mes.payments.reduce((s, g) => s + Number(g.amount) * g.voters, 0), 60);
  const b = o.projects.find((p) => p.id === 'b');
  assert.equal(b.selected, false);
  assert.equal(b.reason, 'too_expensive');
  assert.equal(b.mes.status, 'unaffordable');
});

test('a rejected file: exit 2, the line on stderr, nothing on stdout', () => {
  const cases = [
    [ROUND.replace('vote_type;approval', 'vote_type;cumulative'), 5, 'approval'],
    [ROUND.replace('c;40.2;C', 'c;-5;C'), 10, 'cost'],
    [ROUND.replace('b;50;B', 'a;50;B'), 9, '重复'],
    [ROUND.replace('4;c', '4;c,z'), 17, '不在 PROJECTS 中'],
    [ROUND.split('VOTES')[0], 11, '缺少 VOTES'],
    [ROUND.replace('"A; x"', '"A; x'), 8, '引号'],
    ['hello\n' + ROUND, 1, 'META'],
    ['', 1, 'META'],
    [ROUND.replace('budget;100.50', 'budget;1e6'), 4, 'budget'],
  ];
  for (const [text, line, why] of cases) {
    const r = pb('greedy', text);
    assert.equal(r.code, 2, `exit 2 expected for ${why}: ${r.stdout}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`第 ${line} 行`), r.stderr);
    assert.ok(r.stderr.includes(why), `'${why}' in ${r.stderr}`);
  }
  const bad = Buffer.concat([Buffer.from('META\nkey;value\n'), Buffer.from([0xff, 0x0a])]);
  const p = join(dir, 'bad-utf8.pb');
  writeFileSync(p, bad);
  const r = cli(['pb', '--rule', 'mes', p]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /第 3 行.*UTF-8/);
});

test('usage errors exit 2; an unreadable file exits 1', () => {
  assert.equal(cli(['pb', file(ROUND)]).code, 2);
  assert.equal(cli(['pb', '--rule', 'equalshares', file(ROUND)]).code, 2);
  assert.equal(cli(['pb', '--rule', 'mes', join(dir, 'missing.pb')]).code, 1);
});
