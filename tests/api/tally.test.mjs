// `gongzhi tally`: paper ballots under the exact legal vote rules (issue 12 item 4).
// The result is JSON on stdout with exit 0; every bad input named in the issue — an area
// 12.345, -3, abc or 0, a unit listed twice, one owner with different votes on two units,
// an unknown vote word, a missing column, an empty file — exits 2 with a message naming
// the row on stderr and nothing on stdout. No database is involved.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../lib/server.mjs';
import { assertNoSanitizerReport } from './util.mjs';

let dir;
let seq = 0;
before(() => { dir = mkdtempSync(join(tmpdir(), 'gz-tally-')); });
after(() => { rmSync(dir, { recursive: true, force: true }); });

function file(text) {
  const p = join(dir, `b${seq++}.csv`);
  writeFileSync(p, text);
  return p;
}

function tally(rule, text, extra = []) {
  const r = cli(['tally', '--rule', rule, ...extra, file(text)]);
  assertNoSanitizerReport(r.stderr, 'gongzhi tally');
  return r;
}

function ok(rule, text, extra) {
  const r = tally(rule, text, extra);
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function bad(rule, text, row, why) {
  const r = tally(rule, text);
  assert.equal(r.code, 2, `expected exit 2, got ${r.code}: ${r.stdout}`);
  assert.equal(r.stdout, '', 'nothing on stdout');
  assert.match(r.stderr, new RegExp(`第 ${row} 行`), `row ${row} named: ${r.stderr}`);
  if (why) assert.ok(r.stderr.includes(why), `'${why}' in: ${r.stderr}`);
  return r;
}

const HEAD = 'unit,owner,area,vote\n';

test('owners_general: the issue\'s JSON with areas as two-decimal strings', () => {
  const out = ok('owners_general', HEAD +
    '1-101,张三,89.37,agree\n1-102,张三,60,同意\n1-103,李四,100.5,oppose\n' +
    '2-101,@developer,50,\n2-102,@developer,50.00,\n');
  assert.deepEqual(Object.keys(out).slice(0, 7),
    ['rule', 'eligible', 'participating', 'agree', 'participation_met', 'approval_met', 'passed']);
  assert.equal(out.rule, 'owners_general');
  assert.deepEqual(out.eligible, { owners: 3, area: '349.87' });
  assert.deepEqual(out.participating, { owners: 2, area: '249.87' });
  assert.deepEqual(out.agree, { owners: 1, area: '149.37' });
  assert.equal(out.participation_met, true);
  assert.equal(out.approval_met, false); // 1 of 2 owners: exactly half is not 过半数
  assert.equal(out.passed, false);
  const heads = out.thresholds.find((t) => t.stage === 'approval' && t.measure === 'owners');
  assert.deepEqual(heads, { stage: 'approval', measure: 'owners', numerator: 1, denominator: 2,
    required: '1/2', comparison: 'more_than', met: false });
});

test('owners_major: exactly 2/3 take part and exactly 3/4 agree passes', () => {
  const rows = [];
  // 6 owners of 100.00 m^2; 4 of 6 (2/3) take part; 3 of 4 (3/4) agree.
  for (let i = 1; i <= 6; i++) {
    const vote = i <= 3 ? 'agree' : i === 4 ? '反对' : '';
    rows.push(`${i},owner${i},100,${vote}`);
  }
  const out = ok('owners_major', HEAD + rows.join('\n') + '\n');
  assert.deepEqual(out.participating, { owners: 4, area: '400.00' });
  assert.equal(out.participation_met, true);
  assert.equal(out.approval_met, true);
  assert.equal(out.passed, true);
  const general = ok('owners_general', HEAD + rows.join('\n') + '\n');
  assert.equal(general.passed, true);
});

test('residents_meeting: person,vote with null areas', () => {
  const out = ok('residents_meeting', 'person,vote\n王一,agree\n王二,\n王三,弃权\n王四,同意\n');
  assert.deepEqual(out.eligible, { owners: 4, area: null });
  assert.deepEqual(out.participating, { owners: 3, area: null });
  assert.deepEqual(out.agree, { owners: 2, area: null });
  assert.equal(out.passed, true);
  // Exactly half present: not a valid meeting.
  const half = ok('residents_meeting', 'person,vote\na,agree\nb,agree\nc,\nd,\n');
  assert.equal(half.participation_met, false);
  assert.equal(half.passed, false);
});

test('simple_majority, two_thirds and custom thresholds', () => {
  assert.equal(ok('simple_majority', 'person,vote\na,agree\nb,oppose\n').passed, false);
  assert.equal(ok('two_thirds', 'person,vote\na,agree\nb,agree\nc,oppose\n').passed, true);
  const c = ok('custom', HEAD + '1,a,10,agree\n2,b,10,\n3,c,10.01,agree\n',
    ['--participation', 'area>=2/3', '--approval', 'heads>=1,area>1/2']);
  assert.equal(c.rule, 'custom');
  assert.equal(c.passed, true);
  assert.equal(c.thresholds.length, 3);
});

test('bad areas: 12.345, -3, abc, 0 each exit 2 naming the row', () => {
  bad('owners_general', HEAD + '1,a,10,agree\n2,b,12.345,agree\n', 3, '12.345');
  bad('owners_general', HEAD + '1,a,10,agree\n2,b,-3,agree\n', 3, '-3');
  bad('owners_general', HEAD + '1,a,abc,agree\n', 2, 'abc');
  bad('owners_major', HEAD + '1,a,10,agree\n2,b,10,agree\n3,c,0,agree\n', 4, '必须大于 0');
});

test('a unit listed twice, and one owner voting two ways, exit 2 naming the row', () => {
  const dup = bad('owners_general', HEAD + '1,a,10,agree\n2,b,10,agree\n1,c,10,oppose\n', 4);
  assert.match(dup.stderr, /第 2 行已有/);
  const split = bad('owners_general', HEAD + '1,a,10,agree\n2,b,10,agree\n3,a,20,oppose\n', 4);
  assert.match(split.stderr, /owner「a」/);
  bad('residents_meeting', 'person,vote\nx,agree\nx,agree\n', 3, '重复');
});

test('an unknown vote word, a missing column, an empty file exit 2 naming the row', () => {
  bad('owners_general', HEAD + '1,a,10,yes\n', 2, 'yes');
  bad('owners_general', 'unit,owner,vote\n1,a,agree\n', 1, 'area');
  bad('residents_meeting', 'person\nx\n', 1, 'vote');
  bad('owners_general', '', 1, '文件为空');
  bad('residents_meeting', '', 1, '文件为空');
  bad('owners_general', HEAD, 2, '只有表头');
  bad('owners_general', HEAD + '1,a,10\n', 2, '列数');
});

test('usage errors exit 2; an unreadable file exits 1', () => {
  let r = cli(['tally', file(HEAD)]);
  assert.equal(r.code, 2);
  r = cli(['tally', '--rule', 'owners_minor', file(HEAD)]);
  assert.equal(r.code, 2);
  r = cli(['tally', '--rule', 'custom', '--approval', 'heads>=3/2', file(HEAD)]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  r = cli(['tally', '--rule', 'owners_general', join(dir, 'missing.csv')]);
  assert.equal(r.code, 1);
});
