// The space tree over HTTP: streets and communities, the GeoJSON grid import (all or
// nothing, every problem reported), locate (interiors, holes, MultiPolygons, shared
// boundaries), buildings placed by locate, the map layer, and scopes. Runs on SQLite,
// PostgreSQL and two processes sharing one PostgreSQL (GZ_TEST_SERVERS=2: requests
// alternate, so an import on one process must be seen by locate on the other).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import { startServer, api, ROOT } from '../lib/server.mjs';
import { raw, portOf } from './raw.mjs';
import { assertErrorShape, assertRfc3339Utc, run, assertNoSanitizerReport } from './util.mjs';
import { opsSession, cliAddUser, login, sql } from './auth-util.mjs';

let srv, admin;
before(async () => {
  srv = await startServer();
  admin = await opsSession(srv); // also reads the counts in /api/v1/status
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

// ---------------------------------------------------------------- GeoJSON builders

const sq = (x0, y0, x1, y1) => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];
const poly = (...rings) => ({ type: 'Polygon', coordinates: rings });
const feature = (code, name, geometry, props = {}) => ({ type: 'Feature', properties: { code, name, ...props }, geometry });
const fc = (features) => ({ type: 'FeatureCollection', features });

// Area of a lon/lat rectangle on the WGS84 ellipsoid (numerical integration), m².
function ellipsoidRectArea(x0, y0, x1, y1) {
  const a = 6378137, f = 1 / 298.257223563, e2 = f * (2 - f), d = Math.PI / 180;
  let sum = 0;
  const steps = 1000;
  for (let i = 0; i < steps; i++) {
    const phi = (y0 + (y1 - y0) * (i + 0.5) / steps) * d;
    const w = 1 - e2 * Math.sin(phi) ** 2;
    sum += (a * (1 - e2) / (w * Math.sqrt(w))) * (a / Math.sqrt(w)) * Math.cos(phi) * ((y1 - y0) * d / steps);
  }
  return sum * (x1 - x0) * d;
}

const FIXTURE = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/grids_ok.geojson'), 'utf8'));

// ---------------------------------------------------------------- request helpers

const importGrids = (doc, who = admin, query = '') =>
  api(srv, 'POST', `/api/v1/grids/import${query}`, doc, who.bearer);
const locate = (lng, lat, who = admin) => api(srv, 'GET', `/api/v1/locate?lat=${lat}&lng=${lng}`, undefined, who.bearer);

// Every grid with its geometry, plus the exact counts: what "nothing imported" compares.
async function spaceState() {
  const items = [];
  let cursor = null;
  do {
    const r = await api(srv, 'GET', `/api/v1/grids?geometry=1&limit=200${cursor ? `&cursor=${cursor}` : ''}`, undefined, admin.bearer);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    items.push(...r.body.items);
    cursor = r.body.next_cursor;
  } while (cursor);
  const streets = (await api(srv, 'GET', '/api/v1/streets?limit=200', undefined, admin.bearer)).body.items;
  const counts = (await api(srv, 'GET', '/api/v1/status', undefined, admin.bearer)).body.counts;
  return { items, streets, counts: { streets: counts.streets, communities: counts.communities, grids: counts.grids } };
}

function assertImportRefused(r, what) {
  assert.equal(r.status, 422, `${what}: ${JSON.stringify(r.body).slice(0, 500)}`);
  assertErrorShape(r.body, 'import_invalid', what);
  assert.equal(r.body.ok, false, what);
  assert.ok(Array.isArray(r.body.errors) && r.body.errors.length > 0, `${what}: errors listed`);
  assert.equal(r.body.error_count, r.body.errors.length, what);
  assert.equal(r.body.created, 0);
  assert.equal(r.body.replaced, 0);
  for (const e of r.body.errors) {
    assert.equal(typeof e.reason, 'string');
    assert.ok(e.reason.length > 0);
    assert.equal(typeof e.field, 'string');
  }
  assert.ok(Object.keys(r.body.error.fields).length > 0, `${what}: error.fields summarises the errors`);
}

// ---------------------------------------------------------------- import, locate

describe('grid import and locate', () => {
  test('importing the fixture creates streets, communities and grids in one go (201)', async () => {
    const before = await spaceState();
    const r = await importGrids(FIXTURE);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.ok, true);
    assert.equal(r.body.features, 5);
    assert.equal(r.body.created, 5);
    assert.equal(r.body.replaced, 0);
    assert.equal(r.body.streets_created, 1);
    assert.equal(r.body.communities_created, 2);
    assert.deepEqual(r.body.errors, []);
    assert.deepEqual(r.body.warnings, [], 'the enclave grid fills the hole: no gap');
    assert.ok(Number.isInteger(r.body.space_version) && r.body.space_version > 0);
    const after = await spaceState();
    assert.equal(after.counts.grids, before.counts.grids + 5);
    assert.equal(after.counts.streets, before.counts.streets + 1);
    assert.equal(after.counts.communities, before.counts.communities + 2);

    // Names from street_name / community_name; a community without one is named by the
    // file's first feature that names it.
    const streets = await api(srv, 'GET', '/api/v1/streets', undefined, admin.bearer);
    assert.deepEqual(streets.body.items.map((s) => [s.code, s.name]), [['110101001', '东华门街道']]);
    const comms = await api(srv, 'GET', '/api/v1/communities?street=110101001', undefined, admin.bearer);
    assert.deepEqual(comms.body.items.map((c) => [c.code, c.name, c.street_code]),
      [['110101001001', '多福巷社区', '110101001'], ['110101001002', '南池子社区', '110101001']]);

    // Detail: geometry as imported, area (m², 2 decimals, decimal string), community, street.
    const g = await api(srv, 'GET', '/api/v1/grids/110101001001002', undefined, admin.bearer);
    assert.equal(g.status, 200);
    assert.equal(g.body.name, '第二网格');
    assert.deepEqual(g.body.geometry, FIXTURE.features[1].geometry);
    assert.deepEqual(g.body.community, { code: '110101001001', name: '多福巷社区' });
    assert.deepEqual(g.body.street, { code: '110101001', name: '东华门街道' });
    assert.match(g.body.area_m2, /^\d+\.\d{2}$/);
    const want = ellipsoidRectArea(116.402, 39.900, 116.404, 39.902);
    assert.ok(Math.abs(Number(g.body.area_m2) - want) / want < 1e-4, `area ${g.body.area_m2} vs ${want}`);
    assertRfc3339Utc(g.body.updated_at);
    // The audit log has the import.
    const audit = sql(srv, "SELECT username, scope FROM audit_log WHERE action = 'grid.import'");
    assert.deepEqual(audit, [['admin', '110101001']]);
  });

  test('locate: interiors, holes, MultiPolygon parts, outside → 404', async () => {
    const cases = [
      [116.4002, 39.9002, '110101001001001', 'interior of 001'],
      [116.4010, 39.9010, '110101001001004', 'inside the hole of 001: the enclave 004'],
      [116.4030, 39.9010, '110101001001002', 'interior of 002'],
      [116.4010, 39.9030, '110101001001003', 'first part of the MultiPolygon 003'],
      [116.4050, 39.9010, '110101001001003', 'second part of the MultiPolygon 003'],
      [116.4110, 39.9010, '110101001002001', 'the other community'],
    ];
    // Twice over, so with two processes each process answers each point.
    for (let round = 0; round < 2; round++) {
      for (const [lng, lat, code, what] of cases) {
        const r = await locate(lng, lat);
        assert.equal(r.status, 200, `${what}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.code, code, what);
        assert.equal(r.body.community.code, code.slice(0, 12), what);
        assert.equal(r.body.street.code, code.slice(0, 9), what);
        assert.equal(typeof r.body.name, 'string');
        assert.equal(typeof r.body.community.name, 'string');
        assert.equal(typeof r.body.street.name, 'string');
      }
    }
    for (const [lng, lat, what] of [[116.4070, 39.9010, 'east of everything'], [116.4030, 39.9030, 'the concavity between 002 and 003'], [0, 0, 'null island']]) {
      const r = await locate(lng, lat);
      assert.equal(r.status, 404, what);
      assertErrorShape(r.body, 'no_grid', what);
    }
  });

  test('locate: a point on a shared boundary always goes to the smallest code', async () => {
    const cases = [
      [116.402, 39.901, '110101001001001', 'edge shared by 001 and 002'],
      [116.401, 39.902, '110101001001001', 'edge shared by 001 and 003'],
      [116.402, 39.902, '110101001001001', 'vertex shared by 001, 002 and 003'],
      [116.404, 39.901, '110101001001002', 'edge shared by 002 and 003 (second part)'],
      [116.4005, 39.901, '110101001001001', 'ring of 001\'s hole = boundary of 004'],
      [116.4015, 39.9015, '110101001001001', 'corner of the hole / of 004'],
      [116.400, 39.900, '110101001001001', 'outer corner of 001 (no neighbour)'],
    ];
    for (let round = 0; round < 4; round++) {
      for (const [lng, lat, code, what] of cases) {
        const r = await locate(lng, lat);
        assert.equal(r.status, 200, what);
        assert.equal(r.body.code, code, what);
      }
    }
  });

  test('locate: bad coordinates → 400 with every bad field', async () => {
    for (const q of ['lat=39.9', 'lng=116.4', 'lat=91&lng=116.4', 'lat=39.9&lng=181', 'lat=abc&lng=1e999', 'lat=&lng=', 'lat=39.9x&lng=116.4']) {
      const r = await api(srv, 'GET', `/api/v1/locate?${q}`, undefined, admin.bearer);
      assert.equal(r.status, 400, q);
      assertErrorShape(r.body, 'bad_query', q);
      assert.ok(Object.keys(r.body.error.fields).length >= 1, q);
    }
    const both = await api(srv, 'GET', '/api/v1/locate?lat=200&lng=x', undefined, admin.bearer);
    assert.deepEqual(Object.keys(both.body.error.fields).sort(), ['lat', 'lng']);
  });

  test('re-importing a code replaces its geometry in one transaction; locate follows at once', async () => {
    // Move the enclave 004 out of 001's hole: the hole becomes a gap (a warning), and
    // the point that was in 004 is now in no grid.
    const moved = fc([feature('110101001001004', '院落（新址）', poly(sq(116.396, 39.900, 116.397, 39.901)))]);
    const r = await importGrids(moved);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.created, 0);
    assert.equal(r.body.replaced, 1);
    assert.equal(r.body.streets_created, 0);
    assert.equal(r.body.communities_created, 0);
    assert.equal(r.body.warnings.length, 1, JSON.stringify(r.body.warnings));
    const w = r.body.warnings[0];
    assert.equal(w.community, '110101001001');
    assert.equal(w.reason, '网格间存在空隙');
    const gapWant = ellipsoidRectArea(116.4005, 39.9005, 116.4015, 39.9015);
    assert.ok(Math.abs(w.area_m2 - gapWant) / gapWant < 0.01, `gap ${w.area_m2} vs ${gapWant}`);
    assert.ok(w.location[0] > 116.4005 && w.location[0] < 116.4015, JSON.stringify(w.location));
    // Both processes (when there are two) answer from the new geometry.
    for (let i = 0; i < 4; i++) {
      const gone = await locate(116.401, 39.901);
      assert.equal(gone.status, 404, 'the hole of 001 is empty now');
      const here = await locate(116.3965, 39.9005);
      assert.equal(here.status, 200);
      assert.equal(here.body.code, '110101001001004');
      assert.equal(here.body.name, '院落（新址）');
    }
    // Put it back: no gap any more.
    const back = await importGrids(fc([FIXTURE.features[3]]));
    assert.equal(back.status, 200);
    assert.equal(back.body.replaced, 1);
    assert.deepEqual(back.body.warnings, []);
    const g = await api(srv, 'GET', '/api/v1/grids/110101001001004', undefined, admin.bearer);
    assert.deepEqual(g.body.geometry, FIXTURE.features[3].geometry);
    assert.equal(g.body.name, '第四网格（院落）');
    for (let i = 0; i < 2; i++) {
      assert.equal((await locate(116.401, 39.901)).body.code, '110101001001004');
      assert.equal((await locate(116.3965, 39.9005)).status, 404);
    }
  });

  test('a dry run checks and counts but writes nothing', async () => {
    const before = await spaceState();
    const doc = fc([feature('110101001001005', '第五网格', poly(sq(116.400, 39.904, 116.402, 39.906)))]);
    const r = await importGrids(doc, admin, '?dry_run=1');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.ok, true);
    assert.equal(r.body.dry_run, true);
    assert.equal(r.body.created, 1);
    assert.deepEqual(await spaceState(), before);
  });
});

// ---------------------------------------------------------------- bad input

describe('grid import bad input: a clear report, nothing imported', () => {
  let baseline;
  before(async () => { baseline = await spaceState(); });
  after(async () => { assert.deepEqual(await spaceState(), baseline, 'nothing imported by any bad input'); });

  // A new grid of the fixture's community next to the others, so only the bad part fails.
  const good = feature('110101001001006', '第六网格', poly(sq(116.400, 39.896, 116.402, 39.898)));

  test('a self-intersecting polygon is reported with its location', async () => {
    const bowtie = feature('110101001001007', '蝴蝶结', poly([[116.402, 39.896], [116.404, 39.898], [116.404, 39.896], [116.402, 39.898], [116.402, 39.896]]));
    const r = await importGrids(fc([good, bowtie]));
    assertImportRefused(r, 'bowtie');
    assert.equal(r.body.errors.length, 1);
    const e = r.body.errors[0];
    assert.equal(e.feature, 1);
    assert.equal(e.code, '110101001001007');
    assert.equal(e.field, 'geometry');
    assert.equal(e.reason, '自相交');
    assert.ok(Array.isArray(e.location) && e.location.length === 2);
    assert.ok(Math.abs(e.location[0] - 116.403) < 1e-9 && Math.abs(e.location[1] - 39.897) < 1e-9, JSON.stringify(e.location));
    assert.match(r.body.error.fields['features[1].geometry'], /自相交/);
  });

  test('overlapping grids: each pair with its area in m², also against stored grids', async () => {
    // A overlaps B by 0.0005° x 0.001°, and A overlaps the stored grid 001 by 0.0005° x 0.0005°.
    const a = feature('110101001001008', 'A', poly(sq(116.3985, 39.8995, 116.4005, 39.9005)));
    const b = feature('110101001001009', 'B', poly(sq(116.3980, 39.8985, 116.3990, 39.8995 + 0.001)));
    const r = await importGrids(fc([a, b]));
    assertImportRefused(r, 'overlap');
    const pairs = r.body.errors.map((e) => [e.code, e.other_code, e.area_m2]).sort();
    assert.equal(pairs.length, 2, JSON.stringify(r.body.errors));
    const ab = r.body.errors.find((e) => e.other_code === '110101001001009');
    const a1 = r.body.errors.find((e) => e.other_code === '110101001001001');
    assert.ok(ab && a1, JSON.stringify(r.body.errors));
    assert.equal(ab.feature, 0);
    assert.equal(ab.other_feature, 1);
    assert.equal(a1.other_feature, null, 'the other grid is a stored one');
    const wantAB = ellipsoidRectArea(116.3985, 39.8995, 116.3990, 39.9005);
    const wantA1 = ellipsoidRectArea(116.4000, 39.9000, 116.4005, 39.9005);
    assert.ok(Math.abs(ab.area_m2 - wantAB) / wantAB < 0.01, `A∩B ${ab.area_m2} vs ${wantAB}`);
    assert.ok(Math.abs(a1.area_m2 - wantA1) / wantA1 < 0.01, `A∩001 ${a1.area_m2} vs ${wantA1}`);
    assert.match(ab.reason, /重叠/);
    assert.ok(Array.isArray(ab.location));
  });

  test('grids that only touch (shared edge) do not overlap', async () => {
    // Dry run: a grid sharing 001's south edge exactly is fine.
    const r = await importGrids(fc([feature('110101001001010', '南邻', poly(sq(116.400, 39.898, 116.402, 39.900)))]), admin, '?dry_run=1');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.errors, []);
  });

  test('codes of the wrong length, not digits, bad province, and duplicates', async () => {
    const g = (code, i) => feature(code, `g${i}`, poly(sq(116.39 - i * 0.002, 39.80, 116.391 - i * 0.002, 39.801)));
    const r = await importGrids(fc([
      good,
      g('11010100100101', 1), // 14 digits
      g('1101010010010111', 2), // 16 digits
      g('11010100100101a', 3),
      g('990101001001001', 4), // no province 99
      g('110101001001006', 5), // duplicate of good (feature 0)
      feature(110101001001011, 'number', poly(sq(116.38, 39.80, 116.381, 39.801))),
    ]));
    assertImportRefused(r, 'codes');
    const byFeature = Object.fromEntries(r.body.errors.map((e) => [e.feature, e]));
    for (const i of [1, 2, 3, 4, 5, 6]) {
      assert.ok(byFeature[i], `feature ${i} reported: ${JSON.stringify(r.body.errors)}`);
      assert.equal(byFeature[i].field, 'properties.code');
    }
    assert.equal(byFeature[0], undefined, 'the first of the duplicates is fine');
    assert.match(byFeature[1].reason, /15 位/);
    assert.match(byFeature[5].reason, /重复/);
    assert.equal(byFeature[5].other_feature, 0);
  });

  test('latitude 200 and longitude 181 are out of range', async () => {
    const r = await importGrids(fc([
      feature('110101001001011', 'lat', poly([[116.41, 39.9], [116.42, 200], [116.42, 39.91], [116.41, 39.9]])),
      feature('110101001001012', 'lng', poly([[181, 39.9], [116.42, 39.9], [116.42, 39.91], [181, 39.9]])),
    ]));
    assertImportRefused(r, 'range');
    assert.equal(r.body.errors.length, 2);
    assert.equal(r.body.errors[0].field, 'geometry.coordinates[0][1]');
    assert.match(r.body.errors[0].reason, /纬度/);
    assert.equal(r.body.errors[1].field, 'geometry.coordinates[0][0]');
    assert.match(r.body.errors[1].reason, /经度/);
  });

  test('an altitude beyond ±100 km is refused: its stored form would not read back', async () => {
    // Found by fuzzing: 1.7976931348623157e308 was accepted, stored rounded to 15 digits
    // (1.79769313486232e+308, past the largest double) and the grid became unreadable.
    const r = await importGrids(fc([
      feature('110101001001013', 'alt', poly([[116.41, 39.9, 0], [116.42, 39.9, 1.7976931348623157e308], [116.42, 39.91], [116.41, 39.9]])),
    ]));
    assertImportRefused(r, 'altitude');
    assert.equal(r.body.errors.length, 1);
    assert.equal(r.body.errors[0].field, 'geometry.coordinates[0][1]');
    assert.match(r.body.errors[0].reason, /高程/);
  });

  test('an empty collection, a non-collection, and a Point feature', async () => {
    let r = await importGrids(fc([]));
    assertImportRefused(r, 'empty');
    assert.equal(r.body.errors[0].field, 'features');
    assert.equal(r.body.errors[0].feature, null);
    r = await importGrids({ type: 'Feature', properties: {}, geometry: null });
    assertImportRefused(r, 'a single Feature');
    assert.equal(r.body.errors[0].field, 'type');
    r = await importGrids({ type: 'FeatureCollection' });
    assertImportRefused(r, 'no features');
    r = await importGrids(fc([good, feature('110101001001013', '点', { type: 'Point', coordinates: [116.41, 39.9] })]));
    assertImportRefused(r, 'Point');
    assert.equal(r.body.errors.length, 1);
    assert.equal(r.body.errors[0].feature, 1);
    assert.equal(r.body.errors[0].field, 'geometry.type');
    assert.match(r.body.errors[0].reason, /Point/);
  });

  test('every problem is listed, not just the first', async () => {
    const r = await importGrids(fc([
      feature('110101001001014', '', poly(sq(116.37, 39.80, 116.371, 39.801))), // empty name
      { type: 'Feature', properties: { name: 'no code' }, geometry: poly(sq(116.36, 39.80, 116.361, 39.801)) },
      feature('110101001001015', 'open ring', poly([[116.35, 39.80], [116.351, 39.80], [116.351, 39.801], [116.35, 39.8015]])),
      feature('110101001001016', 'hole outside', poly(sq(116.34, 39.80, 116.341, 39.801), sq(116.345, 39.80, 116.346, 39.801))),
      'not a feature',
      feature('110101001001017', 'no geometry', null),
      feature('110101001001018', 'x'.repeat(65), poly(sq(116.33, 39.80, 116.331, 39.801))),
    ]));
    assertImportRefused(r, 'many');
    const got = r.body.errors.map((e) => `${e.feature}:${e.field}`);
    assert.deepEqual(got, [
      '0:properties.name', '1:properties.code', '2:geometry.coordinates[0]', '3:geometry', '4:',
      '5:geometry', '6:properties.name',
    ]);
    assert.match(r.body.errors[2].reason, /闭合/);
    assert.match(r.body.errors[3].reason, /外环之外/);
  });

  test('invalid JSON → 400, wrong media type → 415, not a JSON object → 400', async () => {
    let r = await api(srv, 'POST', '/api/v1/grids/import', '{"type":"FeatureCollection","features":[', admin.bearer);
    assert.equal(r.status, 400);
    assertErrorShape(r.body, 'invalid_json');
    r = await api(srv, 'POST', '/api/v1/grids/import', JSON.stringify(FIXTURE), { ...admin.bearer, 'Content-Type': 'application/geo+json' });
    assert.equal(r.status, 415);
    assertErrorShape(r.body);
    r = await api(srv, 'POST', '/api/v1/grids/import', '[]', admin.bearer);
    assert.equal(r.status, 400);
    assertErrorShape(r.body, 'body_not_object');
  });

  // POST body with Content-Length and "Expect: 100-continue" (what curl does for large
  // bodies): the body is sent only if the server asks for it. Resolves { status, json }.
  function postExpectContinue(url, headers, body) {
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method: 'POST', headers: { ...headers, 'Content-Length': body.length, Expect: '100-continue' } });
      req.on('continue', () => req.end(body));
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { text += d; });
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode, json: JSON.parse(text) });
        });
      });
      req.on('error', reject);
      req.setTimeout(60000, () => req.destroy(new Error('timeout')));
    });
  }

  test('50 MB of GeoJSON → 413, and every server process still answers', async () => {
    // A real-looking collection: ~330,000 small features.
    const one = JSON.stringify(feature('110101001001019', '大', poly(sq(116.3, 39.8, 116.301, 39.801))));
    const n = Math.ceil((50 * 1024 * 1024) / (one.length + 1));
    const body = Buffer.from(`{"type":"FeatureCollection","features":[${Array(n).fill(one).join(',')}]}`);
    assert.ok(body.length >= 50 * 1024 * 1024);
    const headers = { 'Content-Type': 'application/json', Authorization: admin.bearer.Authorization };
    for (const s of srv.servers) {
      // Declared size: refused before the body is sent.
      const r = await postExpectContinue(`${s.url}/api/v1/grids/import`, headers, body);
      assert.equal(r.status, 413);
      assertErrorShape(r.json, 'body_too_large');
      // No Content-Length (chunked): the server reads and drops it all, then refuses.
      const c = await raw(portOf(s), { method: 'POST', path: '/api/v1/grids/import', headers, body, chunked: true, chunkSize: 1 << 20 }, { timeout: 120000 });
      assert.equal(c.status, 413);
      assertErrorShape(c.json, 'body_too_large');
      const h = await fetch(`${s.url}/healthz`);
      assert.equal(h.status, 200);
      const l = await fetch(`${s.url}/api/v1/locate?lat=39.9002&lng=116.4002`, { headers: admin.bearer });
      assert.equal(l.status, 200);
      assert.equal((await l.json()).code, '110101001001001');
    }
  });
});

// ---------------------------------------------------------------- map layer, lists

describe('lists and the map layer', () => {
  test('grids list: without geometry by default, pages by cursor', async () => {
    const r = await api(srv, 'GET', '/api/v1/grids?community=110101001001&limit=2', undefined, admin.bearer);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.items.map((g) => g.code), ['110101001001001', '110101001001002']);
    assert.equal(r.body.items[0].geometry, undefined);
    assert.equal(typeof r.body.next_cursor, 'string');
    const r2 = await api(srv, 'GET', `/api/v1/grids?community=110101001001&limit=2&cursor=${r.body.next_cursor}`, undefined, admin.bearer);
    assert.deepEqual(r2.body.items.map((g) => g.code), ['110101001001003', '110101001001004']);
    assert.equal(r2.body.next_cursor, null);
    const bad = await api(srv, 'GET', '/api/v1/grids?community=1101', undefined, admin.bearer);
    assert.equal(bad.status, 400);
    assertErrorShape(bad.body, 'bad_query');
    assert.ok(bad.body.error.fields.community);
  });

  test('grids.geojson is a FeatureCollection of the caller\'s grids', async () => {
    const res = await srv.fetch('/api/v1/grids.geojson?community=110101001001', { headers: admin.bearer });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^application\/geo\+json/);
    const doc = await res.json();
    assert.equal(doc.type, 'FeatureCollection');
    assert.deepEqual(doc.features.map((f) => f.id), ['110101001001001', '110101001001002', '110101001001003', '110101001001004']);
    const f3 = doc.features[2];
    assert.equal(f3.type, 'Feature');
    assert.equal(f3.properties.name, '第三网格');
    assert.equal(f3.properties.community_code, '110101001001');
    assert.deepEqual(f3.geometry, FIXTURE.features[2].geometry);
    assert.equal(doc.next_cursor, null);
  });
});

// ---------------------------------------------------------------- streets, communities

describe('streets and communities', () => {
  test('create, list, duplicate → 409, community of a missing street → 422', async () => {
    let r = await api(srv, 'POST', '/api/v1/streets', { code: '110102001', name: '西长安街街道' }, admin.bearer);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.code, '110102001');
    assert.equal(r.body.name, '西长安街街道');
    assertRfc3339Utc(r.body.created_at);
    r = await api(srv, 'POST', '/api/v1/streets', { code: '110102001', name: '重复' }, admin.bearer);
    assert.equal(r.status, 409);
    assertErrorShape(r.body, 'duplicate_code');
    r = await api(srv, 'POST', '/api/v1/communities', { code: '110102001001', name: '府右街社区' }, admin.bearer);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.street_code, '110102001');
    r = await api(srv, 'POST', '/api/v1/communities', { code: '110102009001', name: '无街道' }, admin.bearer);
    assert.equal(r.status, 422);
    assertErrorShape(r.body, 'invalid_fields');
    assert.match(r.body.error.fields.code, /110102009/);
    for (const [path, body, field] of [
      ['/api/v1/streets', { code: '1101020010', name: 'x' }, 'code'],
      ['/api/v1/streets', { code: '110102002', name: '' }, 'name'],
      ['/api/v1/streets', { code: '110102002' }, 'name'],
      ['/api/v1/communities', { code: '110102001', name: 'x' }, 'code'],
      ['/api/v1/communities', { code: 110102001002, name: 'x' }, 'code'],
    ]) {
      const b = await api(srv, 'POST', path, body, admin.bearer);
      assert.equal(b.status, 422, `${path} ${JSON.stringify(body)}`);
      assertErrorShape(b.body, 'invalid_fields');
      assert.ok(b.body.error.fields[field], `${JSON.stringify(body)}: ${JSON.stringify(b.body)}`);
    }
    const list = await api(srv, 'GET', '/api/v1/streets', undefined, admin.bearer);
    assert.deepEqual(list.body.items.map((s) => s.code), ['110101001', '110102001']);
    const comms = await api(srv, 'GET', '/api/v1/communities?street=110102001', undefined, admin.bearer);
    assert.deepEqual(comms.body.items.map((c) => c.code), ['110102001001']);
  });

  test('without a session every space route answers 401', async () => {
    for (const [m, p, body] of [
      ['GET', '/api/v1/streets'], ['POST', '/api/v1/streets', { code: '110102003', name: 'x' }],
      ['GET', '/api/v1/communities'], ['POST', '/api/v1/communities', { code: '110102001003', name: 'x' }],
      ['GET', '/api/v1/grids'], ['GET', '/api/v1/grids/110101001001001'], ['GET', '/api/v1/grids.geojson'],
      ['POST', '/api/v1/grids/import', FIXTURE], ['GET', '/api/v1/locate?lat=39.9&lng=116.4'],
      ['POST', '/api/v1/buildings', { name: 'x', address: 'y', lat: 39.9002, lng: 116.4002 }], ['GET', '/api/v1/buildings'],
    ]) {
      const r = await api(srv, m, p, body);
      assert.equal(r.status, 401, `${m} ${p}`);
      assertErrorShape(r.body, undefined, `${m} ${p}`);
    }
  });
});

// ---------------------------------------------------------------- buildings, scope

describe('buildings and scopes', () => {
  let worker; // grid_worker of grid 001 only
  before(async () => {
    cliAddUser(srv, 'gridworker1', [['grid_worker', '110101001001001']]);
    cliAddUser(srv, 'commadmin', [['community_admin', '110101001001']]);
    cliAddUser(srv, 'otherstreet', [['street_supervisor', '110101002']]);
    cliAddUser(srv, 'streetsup', [['street_supervisor', '110101001']]);
    worker = await login(srv, 'gridworker1');
  });

  test('a building is placed into the grid that contains its point; outside → 422', async () => {
    let r = await api(srv, 'POST', '/api/v1/buildings', { name: '1号楼', address: '多福巷1号', lat: 39.9002, lng: 116.4002 }, admin.bearer);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.grid_code, '110101001001001');
    assert.equal(typeof r.body.id, 'string');
    assertRfc3339Utc(r.body.created_at);
    // On the shared edge of 001 and 002: the smallest code, as locate says.
    r = await api(srv, 'POST', '/api/v1/buildings', { name: '界楼', address: '多福巷2号', lat: 39.901, lng: 116.402 }, admin.bearer);
    assert.equal(r.body.grid_code, '110101001001001');
    r = await api(srv, 'POST', '/api/v1/buildings', { name: '2号楼', address: '南池子1号', lat: 39.901, lng: 116.411 }, admin.bearer);
    assert.equal(r.body.grid_code, '110101001002001');
    r = await api(srv, 'POST', '/api/v1/buildings', { name: '野楼', address: '城外', lat: 39.95, lng: 116.5 }, admin.bearer);
    assert.equal(r.status, 422);
    assertErrorShape(r.body, 'outside_grids');
    r = await api(srv, 'POST', '/api/v1/buildings', { name: '', address: 'x', lat: 'north', lng: 200 }, admin.bearer);
    assert.equal(r.status, 422);
    assertErrorShape(r.body, 'invalid_fields');
    assert.deepEqual(Object.keys(r.body.error.fields).sort(), ['lat', 'lng', 'name']);
    const list = await api(srv, 'GET', '/api/v1/buildings?grid=110101001001001', undefined, admin.bearer);
    assert.deepEqual(list.body.items.map((b) => b.name), ['1号楼', '界楼']);
    const counts = (await api(srv, 'GET', '/api/v1/status', undefined, admin.bearer)).body.counts;
    assert.equal(counts.buildings, 3);
  });

  test('a grid worker of grid 001 sees only 001: others are 404, lists and the map hold only 001', async () => {
    let r = await api(srv, 'GET', '/api/v1/grids/110101001001001', undefined, worker.bearer);
    assert.equal(r.status, 200);
    for (const code of ['110101001001002', '110101001002001']) {
      r = await api(srv, 'GET', `/api/v1/grids/${code}`, undefined, worker.bearer);
      assert.equal(r.status, 404, code);
      assertErrorShape(r.body, 'not_found');
    }
    r = await api(srv, 'GET', '/api/v1/grids', undefined, worker.bearer);
    assert.deepEqual(r.body.items.map((g) => g.code), ['110101001001001']);
    r = await api(srv, 'GET', '/api/v1/grids?community=110101001001', undefined, worker.bearer);
    assert.deepEqual(r.body.items.map((g) => g.code), ['110101001001001']);
    const res = await srv.fetch('/api/v1/grids.geojson', { headers: worker.bearer });
    const doc = await res.json();
    assert.deepEqual(doc.features.map((f) => f.id), ['110101001001001']);
    r = await api(srv, 'GET', '/api/v1/streets', undefined, worker.bearer);
    assert.deepEqual(r.body.items, [], 'a street lies outside a grid scope');
    // Locate: in scope → the grid; in another grid → 404 like a missing one.
    assert.equal((await locate(116.4002, 39.9002, worker)).body.code, '110101001001001');
    r = await locate(116.403, 39.901, worker);
    assert.equal(r.status, 404);
    // Buildings: only those of 001; writing into 002 is refused as not found.
    r = await api(srv, 'GET', '/api/v1/buildings', undefined, worker.bearer);
    assert.deepEqual(r.body.items.map((b) => b.grid_code), ['110101001001001', '110101001001001']);
    r = await api(srv, 'POST', '/api/v1/buildings', { name: '越界', address: 'x', lat: 39.901, lng: 116.403 }, worker.bearer);
    assert.equal(r.status, 404);
    r = await api(srv, 'POST', '/api/v1/buildings', { name: '3号楼', address: 'x', lat: 39.9003, lng: 116.4003 }, worker.bearer);
    assert.equal(r.status, 201);
    // Import needs space admin on the community: a grid worker may not.
    r = await importGrids(fc([FIXTURE.features[0]]), worker);
    assert.ok(r.status === 403 || r.status === 404, `grid worker import → ${r.status}`);
    assertErrorShape(r.body);
  });

  test('import is for street supervisors of that street (and system admins)', async () => {
    const comm = await login(srv, 'commadmin');
    let r = await importGrids(fc([FIXTURE.features[0]]), comm);
    assert.equal(r.status, 403, 'community_admin has no space admin');
    assertErrorShape(r.body, 'forbidden');
    const other = await login(srv, 'otherstreet');
    r = await importGrids(fc([FIXTURE.features[0]]), other);
    assert.equal(r.status, 404, 'another street\'s supervisor: out of scope');
    r = await api(srv, 'POST', '/api/v1/communities', { code: '110101001009', name: 'x' }, other.bearer);
    assert.equal(r.status, 404);
    const sup = await login(srv, 'streetsup');
    r = await importGrids(fc([FIXTURE.features[0]]), sup);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.replaced, 1);
    // A new street is outside a street supervisor's scope.
    r = await importGrids(fc([feature('110101003001001', 'x', poly(sq(116.5, 39.9, 116.501, 39.901)))]), sup);
    assert.equal(r.status, 404);
    r = await api(srv, 'GET', '/api/v1/streets', undefined, sup.bearer);
    assert.deepEqual(r.body.items.map((s) => s.code), ['110101001']);
  });
});

// ---------------------------------------------------------------- command line

describe('command line', () => {
  test('gongzhi import grids: same rules, exit 1 on errors, and the server sees the import', async () => {
    const dir = srv.dir;
    const bad = join(dir, 'bad.geojson');
    writeFileSync(bad, JSON.stringify(fc([feature('11010100100101', 'short', poly(sq(116.3, 39.8, 116.301, 39.801)))])));
    let r = run(['--db', srv.db, 'import', 'grids', bad]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /15 位/);
    assert.match(r.stdout, /没有导入任何网格/);
    r = run(['import', 'grids', '--json', bad, '--db', srv.db]);
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).ok, false);

    const good = join(dir, 'good.geojson');
    writeFileSync(good, JSON.stringify(fc([feature('110101001002002', '南池子第二网格', poly(sq(116.412, 39.900, 116.414, 39.902)))])));
    r = run(['--db', srv.db, 'import', 'grids', '--dry-run', good]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal((await locate(116.413, 39.901)).status, 404, 'dry run wrote nothing');
    r = run(['--db', srv.db, 'import', 'grids', good]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /导入成功/);
    // Another process wrote: every server process sees it on its next lookup.
    for (let i = 0; i < 4; i++) {
      const l = await locate(116.413, 39.901);
      assert.equal(l.status, 200);
      assert.equal(l.body.code, '110101001002002');
    }
    assert.deepEqual(sql(srv, "SELECT username FROM audit_log WHERE action = 'grid.import' AND user_id IS NULL"), [['cli']]);

    r = run(['--db', srv.db, 'import', 'street', '110103001', '天桥街道']);
    assert.equal(r.code, 0, r.stderr);
    r = run(['--db', srv.db, 'import', 'community', '110103001001', '永安路社区']);
    assert.equal(r.code, 0, r.stderr);
    r = run(['--db', srv.db, 'import', 'community', '110103002001', '无街道']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /110103002/);
    const big = join(dir, 'big.geojson');
    writeFileSync(big, Buffer.alloc(17 * 1024 * 1024, 32));
    r = run(['--db', srv.db, 'import', 'grids', big]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /过大/);
  });
});
