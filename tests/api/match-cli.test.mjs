// gongzhi match: the exact fair matching of an instance file (issue 11, item 5). The
// issue's example, the result file, bad instances refused with every reason on stderr
// and a non-zero exit (never a crash: the ASan binary, sanitizer reports checked),
// empty-but-valid instances, and small random instances checked against a brute force
// written here, through JSON in and out (ids, skill names, rounding of distances).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync, openSync, ftruncateSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, assertNoSanitizerReport } from './util.mjs';

let dir;
before(() => { dir = mkdtempSync(join(tmpdir(), 'gz-match-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
function write(doc) {
  const f = join(dir, `in${fileNo++}.json`);
  writeFileSync(f, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return f;
}

function match(doc, ...extra) {
  const r = run(['match', '--in', write(doc), ...extra]);
  assertNoSanitizerReport(r.stderr, 'gongzhi match');
  return r;
}

const EXAMPLE = {
  B: 1000, lambda: 300,
  needs: [{ id: 'n1', skill: '陪诊', x: 120, y: -340, w: 3 }],
  providers: [{ id: 'p1', skills: ['陪诊', '助餐'], x: 0, y: 0, radius: 2000, cap: 3 }],
};

const clone = (o) => JSON.parse(JSON.stringify(o));

// A refused instance: exit 1, nothing on stdout, and each of the fields named on stderr.
function refused(doc, ...fields) {
  const r = match(doc);
  assert.equal(r.code, 1, `expected exit 1, got ${r.code}: ${r.stderr}`);
  assert.equal(r.stdout, '');
  for (const f of fields) assert.ok(r.stderr.includes(f), `stderr should name ${f}:\n${r.stderr}`);
  return r;
}

describe('gongzhi match', () => {
  test('the example of the issue: objective -2639, pair n1-p1', () => {
    const r = match(EXAMPLE);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { objective: -2639, pairs: [['n1', 'p1']] });
  });

  test('--out writes the result file; --explain adds parts and reasons that add up', () => {
    const out = join(dir, 'result.json');
    let r = match(EXAMPLE, '--out', out);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), { objective: -2639, pairs: [['n1', 'p1']] });
    r = match(EXAMPLE, '--explain');
    assert.equal(r.code, 0, r.stderr);
    const x = JSON.parse(r.stdout);
    assert.deepEqual(x.parts, { distance: 361, load: 0, priority: 3000 });
    assert.equal(x.objective, x.parts.distance + x.parts.load - x.parts.priority);
    assert.deepEqual(x.reasons, [{ need: 'n1', provider: 'p1', skill: '陪诊', distance: 361, load: 1, w: 3, priority: 3000 }]);
  });

  test('zero needs or zero providers: a valid, empty result', () => {
    for (const doc of [
      { ...clone(EXAMPLE), needs: [] },
      { ...clone(EXAMPLE), providers: [] },
      { B: 0, lambda: 0, needs: [], providers: [] },
    ]) {
      const r = match(doc);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { objective: 0, pairs: [] });
    }
  });

  test('a missing field is refused and named', () => {
    for (const [path, field] of [[['B'], 'B'], [['lambda'], 'lambda'], [['needs'], 'needs'], [['providers'], 'providers'],
      [['needs', 0, 'w'], 'needs[0].w'], [['needs', 0, 'id'], 'needs[0].id'], [['needs', 0, 'skill'], 'needs[0].skill'],
      [['needs', 0, 'x'], 'needs[0].x'], [['providers', 0, 'cap'], 'providers[0].cap'],
      [['providers', 0, 'radius'], 'providers[0].radius'], [['providers', 0, 'skills'], 'providers[0].skills'],
      [['providers', 0, 'y'], 'providers[0].y']]) {
      const doc = clone(EXAMPLE);
      let o = doc;
      for (const k of path.slice(0, -1)) o = o[k];
      delete o[path.at(-1)];
      const r = refused(doc, field);
      assert.match(r.stderr, /必填/);
    }
  });

  test('a duplicate id is refused, among needs and among providers', () => {
    const doc = clone(EXAMPLE);
    doc.needs.push({ ...doc.needs[0] });
    doc.providers.push({ ...doc.providers[0], x: 5 });
    const r = refused(doc, 'needs[1].id', 'providers[1].id');
    assert.match(r.stderr, /与 needs\[0\] 重复/);
    // A need and a provider may share an id: they are told apart by position.
    const ok = clone(EXAMPLE);
    ok.providers[0].id = 'n1';
    assert.deepEqual(JSON.parse(match(ok).stdout), { objective: -2639, pairs: [['n1', 'n1']] });
  });

  test('a negative capacity, radius, weight, B or lambda is refused', () => {
    const doc = clone(EXAMPLE);
    doc.providers[0].cap = -1;
    doc.providers[0].radius = -5;
    doc.needs[0].w = -3;
    doc.B = -1;
    doc.lambda = -300;
    refused(doc, 'providers[0].cap', 'providers[0].radius', 'needs[0].w', 'B', 'lambda');
  });

  test('coordinates must be integers (no reals, strings, booleans) within 10^9 m', () => {
    for (const bad of [120.5, 1e3 + 0.25, '120', true, null, 1e10, -1000000001]) {
      const doc = clone(EXAMPLE);
      doc.needs[0].x = bad;
      doc.providers[0].y = bad;
      refused(doc, 'needs[0].x', 'providers[0].y');
    }
    // 120.0 is written as a real: refused too (integers throughout).
    const text = JSON.stringify(EXAMPLE).replace('"x":120', '"x":120.0');
    refused(text, 'needs[0].x');
  });

  test('an empty skill is refused, for a need and for a provider', () => {
    const doc = clone(EXAMPLE);
    doc.needs[0].skill = '';
    doc.providers[0].skills = ['陪诊', ''];
    const r = refused(doc, 'needs[0].skill', 'providers[0].skills[1]');
    assert.match(r.stderr, /不能为空/);
    const none = clone(EXAMPLE);
    none.providers[0].skills = [];
    refused(none, 'providers[0].skills');
    const nul = clone(EXAMPLE);
    nul.needs[0].skill = '陪\u0000诊'; // the parser refuses NUL anywhere
    assert.match(refused(nul).stderr, /JSON 格式错误/);
  });

  test('50 MB of JSON is refused with the limit, before it is parsed', () => {
    const f = join(dir, 'huge.json');
    const fd = openSync(f, 'w');
    ftruncateSync(fd, 50 * 1000 * 1000);
    closeSync(fd);
    const r = run(['match', '--in', f]);
    assertNoSanitizerReport(r.stderr, 'gongzhi match');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /过大（50000000 字节，上限 16777216 字节）/);
  });

  test('weights whose product overflows exact arithmetic are refused', () => {
    const doc = clone(EXAMPLE);
    doc.B = 1e12;
    doc.needs[0].w = 1e12;
    const r = refused(doc, 'needs[0].w');
    assert.match(r.stderr, /B×w/);
    doc.needs[0].w = 100000;
    const big = refused(doc);
    assert.match(big.stderr, /2\^58/);
  });

  test('not JSON, not an object, wrong types, no file, bad usage', () => {
    let r = refused('{"B":1,', );
    assert.match(r.stderr, /JSON/);
    refused('[1,2]');
    refused('{"B":1,"B":2,"lambda":0,"needs":[],"providers":[]}');
    r = refused({ ...clone(EXAMPLE), needs: { id: 'n1' } }, 'needs');
    assert.match(r.stderr, /应为数组/);
    refused({ ...clone(EXAMPLE), needs: [7] }, 'needs[0]');
    refused({ ...clone(EXAMPLE), providers: [{ ...EXAMPLE.providers[0], skills: '陪诊' }] }, 'providers[0].skills');
    r = run(['match', '--in', join(dir, 'nope.json')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /无法打开/);
    for (const args of [['match'], ['match', '--in'], ['match', '--in', write(EXAMPLE), '--bogus']]) {
      r = run(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /gongzhi match --help/);
    }
    r = run(['match', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--in INSTANCE\.json/);
  });

  test('small random instances: the optimum equals a brute force, and the pairs are feasible', () => {
    let seed = 20240611;
    const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    const SK = ['陪诊', '助餐', '维修'];
    for (let t = 0; t < 40; t++) {
      const pts = Array.from({ length: 4 }, () => [rnd(400) - 200, rnd(400) - 200]);
      const at = () => (rnd(3) ? pts[rnd(4)] : [rnd(400) - 200, rnd(400) - 200]);
      const doc = {
        B: [0, 50, 100, 300][rnd(4)], lambda: [0, 20, 90][rnd(3)],
        needs: Array.from({ length: rnd(7) }, (_, i) => { const [x, y] = at(); return { id: `需求${i}`, skill: SK[rnd(3)], x, y, w: rnd(4) }; }),
        providers: Array.from({ length: rnd(4) }, (_, j) => {
          const [x, y] = at();
          return { id: `p${j}`, skills: Array.from({ length: 1 + rnd(2) }, () => SK[rnd(3)]), x, y, radius: rnd(250), cap: rnd(3) };
        }),
      };
      const dist = (n, p) => Math.round(Math.hypot(n.x - p.x, n.y - p.y));
      const ok = (n, p) => p.skills.includes(n.skill) && dist(n, p) <= p.radius;
      const objective = (choice) => {
        const load = doc.providers.map(() => 0);
        let v = 0;
        for (let i = 0; i < choice.length; i++) {
          const j = choice[i];
          if (j < 0) continue;
          if (!ok(doc.needs[i], doc.providers[j]) || ++load[j] > doc.providers[j].cap) return null;
          v += dist(doc.needs[i], doc.providers[j]) - doc.B * doc.needs[i].w;
        }
        return v + load.reduce((s, k) => s + doc.lambda * k * (k - 1) / 2, 0);
      };
      let best = 0;
      const choice = doc.needs.map(() => -1);
      const walk = (i) => {
        if (i === doc.needs.length) { const v = objective(choice); if (v !== null && v < best) best = v; return; }
        for (let j = -1; j < doc.providers.length; j++) { choice[i] = j; walk(i + 1); }
        choice[i] = -1;
      };
      walk(0);
      const r = match(doc);
      assert.equal(r.code, 0, r.stderr);
      const res = JSON.parse(r.stdout);
      assert.equal(res.objective, best, `instance ${t}: ${JSON.stringify(doc)}`);
      const mine = doc.needs.map(() => -1);
      for (const [n, p] of res.pairs) {
        const i = doc.needs.findIndex((x) => x.id === n);
        assert.equal(mine[i], -1, 'a need twice');
        mine[i] = doc.providers.findIndex((x) => x.id === p);
      }
      assert.equal(objective(mine), best, 'the pairs are feasible and give the objective');
    }
  });
});
