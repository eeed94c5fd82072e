// Space codes and scopes are compared as byte strings: a scope covers the codes in
// [scope, scope || '~') (policy_scope_upper). On PostgreSQL that
// holds only for columns declared COLLATE "C"; under the server's default collation
// (zh_CN.UTF-8 on a Chinese server) '~' sorts among the punctuation, and such a
// range silently misses rows. The test cluster (scripts/pg-test-cluster.sh) collates in
// zh_CN.UTF-8 so that the scoped tests of the whole suite would fail on a column without
// COLLATE "C"; these tests pin that setup and check the schema itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { isPostgres, assertNoSanitizerReport } from './util.mjs';
import { sql } from './auth-util.mjs';

// Text columns that hold codes which are never compared as ranges or scopes: a tag's code
// and an organisation's unified social credit code (统一社会信用代码).
const NOT_SCOPES = new Set(['resident_tag_defs.code', 'organisations.credit_code']);

let srv;
before(async () => { srv = await startServer(); });
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

test('the PostgreSQL test database collates so that a scope range needs COLLATE "C"', { skip: !isPostgres() && 'SQLite compares bytes' }, () => {
  const [[collate, inRange, inRangeC]] = sql(srv, `SELECT
    (SELECT datcollate FROM pg_database WHERE datname = current_database()),
    '110101001001' < '110101001~', '110101001001' < ('110101001~' COLLATE "C")`);
  assert.equal(inRange, 'f',
    `the test database collates in ${collate}, where a grid sorts inside its community's scope range: ` +
    'a column missing COLLATE "C" would go unnoticed (start the cluster with scripts/pg-test-cluster.sh)');
  assert.equal(inRangeC, 't', 'in C the grid lies inside its community\'s range');
});

test('every code and scope column of the schema collates in C', { skip: !isPostgres() && 'SQLite compares bytes' }, () => {
  const rows = sql(srv, `SELECT table_name, column_name, COALESCE(collation_name, '(default)')
    FROM information_schema.columns
    WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying')
      AND column_name ~ '(^|_)(code|scope)(_|$)'
    ORDER BY 1, 2`);
  const checked = rows.filter(([t, c]) => !NOT_SCOPES.has(`${t}.${c}`));
  assert.ok(checked.length >= 15, `only ${checked.length} code/scope columns found: is the schema there?`);
  const wrong = checked.filter(([, , coll]) => coll !== 'C').map(([t, c, coll]) => `${t}.${c} (${coll})`);
  assert.deepEqual(wrong, [], 'code/scope columns without COLLATE "C"');
});
