/* Unit tests for the database interface (db/db.c, db/sqlite.c, db/migrate.c) on the
 * SQLite driver: in ":memory:" where a file is not needed, else in a mkstemp file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "db/db.h"
#include "db/driver.h"
#include "db/migrations.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MEM_URL "sqlite::memory:"

/* A temp file path for a database; removes it (and -wal/-shm) when done. */
typedef struct {
	char path[64];
} tmpdb;

static void tmpdb_make(tmpdb *t)
{
	snprintf(t->path, sizeof t->path, "/tmp/gz-test-db.XXXXXX");
	int fd = mkstemp(t->path);
	assert_true(fd >= 0);
	close(fd);
}

static void tmpdb_remove(tmpdb *t)
{
	char p[96];
	unlink(t->path);
	snprintf(p, sizeof p, "%s-wal", t->path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", t->path);
	unlink(p);
	snprintf(p, sizeof p, "%s-journal", t->path);
	unlink(p);
}

static gz_db *open_ok(const char *url)
{
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_db_open(url, &err);
	if (!db)
		fail_msg("open %s: %s %s", url, err.code, err.message);
	return db;
}

static void exec_ok(gz_db *db, const char *sql)
{
	gz_err err;
	gz_err_clear(&err);
	if (gz_db_exec(db, sql, &err) != 0)
		fail_msg("exec %s: %s %s", sql, err.code, err.message);
}

static int64_t count(gz_db *db, const char *sql)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t n = -1;
	if (gz_db_query_int64(db, sql, &n, &err, 0) != 1)
		fail_msg("query %s: %s %s", sql, err.code, err.message);
	return n;
}

/* Per-test fixture: a fresh in-memory database with table t. */
static int setup_mem(void **state)
{
	gz_db *db = open_ok(MEM_URL);
	exec_ok(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, a BIGINT, b TEXT, c BLOB,"
	            " u TEXT UNIQUE)");
	*state = db;
	return 0;
}

static int teardown_mem(void **state)
{
	gz_db_close(*state);
	return 0;
}

/* ---- open / close ---- */

static void test_db_open_memory(void **state)
{
	(void)state;
	int before = gz_db_open_count();
	gz_db *db = open_ok(MEM_URL);
	assert_int_equal(gz_db_driver(db), GZ_DB_SQLITE);
	assert_string_equal(gz_db_driver_name(db), "sqlite");
	assert_int_equal(gz_db_open_count(), before + 1);
	gz_db_close(db);
	assert_int_equal(gz_db_open_count(), before);
	gz_db_close(NULL); /* harmless */
}

static void test_db_open_file_persists_across_connections(void **state)
{
	(void)state;
	tmpdb t;
	tmpdb_make(&t);
	char url[96];
	snprintf(url, sizeof url, "sqlite:%s", t.path);
	gz_db *db = open_ok(url);
	exec_ok(db, "CREATE TABLE k (v TEXT); INSERT INTO k VALUES ('持久');");
	gz_db_close(db);

	db = open_ok(url);
	assert_int_equal(count(db, "SELECT count(*) FROM k WHERE v = '持久'"), 1);
	gz_db_close(db);
	tmpdb_remove(&t);
}

static void test_db_open_bad_url_fails_cleanly(void **state)
{
	(void)state;
	int before = gz_db_open_count();
	static const char *urls[] = {"mysql://x", "", "sqlite", "SQLITE::memory:", "file:x.db"};
	for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
		gz_err err;
		gz_err_clear(&err);
		gz_db *db = gz_db_open(urls[i], &err);
		if (db)
			fail_msg("opened bad URL '%s'", urls[i]);
		assert_int_not_equal(err.kind, GZ_OK);
		assert_true(err.code[0] != '\0');
	}
	assert_int_equal(gz_db_open_count(), before);
}

static void test_db_open_unreachable_path_is_unavailable(void **state)
{
	(void)state;
	gz_err err;
	gz_err_clear(&err);
	assert_null(gz_db_open("sqlite:/nonexistent-gz-dir/sub/x.db", &err));
	assert_int_equal(err.kind, GZ_EUNAVAILABLE);
	assert_string_equal(err.code, "db_unavailable");
}

/* ---- exec ---- */

static void test_db_exec_ddl_and_several_statements(void **state)
{
	gz_db *db = *state;
	exec_ok(db, "CREATE TABLE x (n BIGINT NOT NULL);"
	            "INSERT INTO x VALUES (1); INSERT INTO x VALUES (2);"
	            "CREATE INDEX x_n ON x (n);");
	assert_int_equal(count(db, "SELECT sum(n) FROM x"), 3);
}

static void test_db_exec_bad_sql_sets_err(void **state)
{
	gz_db *db = *state;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(gz_db_exec(db, "CREATE TABLE (", &err), -1);
	assert_int_equal(err.kind, GZ_EINTERNAL);
	assert_string_equal(err.code, "db_error");
	assert_true(err.message[0] != '\0');
}

static void test_db_prepare_bad_sql_returns_null(void **state)
{
	gz_db *db = *state;
	gz_err err;
	gz_err_clear(&err);
	assert_null(gz_db_prepare(db, "SELECT * FROM no_such_table", &err));
	assert_int_equal(err.kind, GZ_EINTERNAL);
	gz_err_clear(&err);
	assert_null(gz_db_prepare(db, "SELEC 1", &err));
	assert_int_equal(err.kind, GZ_EINTERNAL);
}

/* ---- parameters and values ---- */

static void insert_ab(gz_db *db, int64_t a, const char *b)
{
	gz_err err;
	gz_err_clear(&err);
	gz_stmt *st = gz_db_prepare(db, "INSERT INTO t (a, b) VALUES ($1, $2)", &err);
	assert_non_null(st);
	gz_stmt_bind_int64(st, 1, a);
	gz_stmt_bind_str(st, 2, b);
	assert_int_equal(gz_stmt_step(st, &err), GZ_DONE);
	gz_stmt_finish(st);
}

static void test_db_params_bound_out_of_order(void **state)
{
	gz_db *db = *state;
	insert_ab(db, 1, "x");
	insert_ab(db, 2, "y");
	insert_ab(db, 1, "y");
	gz_err err;
	gz_err_clear(&err);
	gz_stmt *st = gz_db_prepare(db, "SELECT id, a, b FROM t WHERE b = $2 AND a = $1", &err);
	assert_non_null(st);
	gz_stmt_bind_int64(st, 1, 1);
	gz_stmt_bind_str(st, 2, "y");
	assert_int_equal(gz_stmt_step(st, &err), GZ_ROW);
	assert_int_equal(gz_stmt_columns(st), 3);
	assert_int_equal(gz_stmt_int64(st, 0), 3);
	assert_int_equal(gz_stmt_int64(st, 1), 1);
	assert_string_equal(gz_stmt_text(st, 2), "y");
	assert_int_equal(gz_stmt_step(st, &err), GZ_DONE);
	gz_stmt_finish(st);

	/* Binding in the other order gives the same result. */
	st = gz_db_prepare(db, "SELECT id, a, b FROM t WHERE b = $2 AND a = $1", &err);
	gz_stmt_bind_str(st, 2, "x");
	gz_stmt_bind_int64(st, 1, 1);
	assert_int_equal(gz_stmt_step(st, &err), GZ_ROW);
	assert_int_equal(gz_stmt_int64(st, 0), 1);
	assert_int_equal(gz_stmt_step(st, &err), GZ_DONE);
	gz_stmt_finish(st);
}

static void test_db_param_used_twice_binds_once(void **state)
{
	gz_db *db = *state;
	gz_err err;
	gz_err_clear(&err);
	gz_stmt *st = gz_db_prepare(db, "SELECT $2 - $1, $1 + $1, $3", &err);
	assert_non_null(st);
	gz_stmt_bind_int64(st, 1, 10);
	gz_stmt_bind_int64(st, 2, 15);
	gz_stmt_bind_str(st, 3, "三");
	assert_int_equal(gz_stmt_step(st, &err), GZ_ROW);
	assert_int_equal(gz_stmt_int64(st, 0), 5);
	assert_int_equal(gz_stmt_int64(st, 1), 20);
	assert_string_equal(gz_stmt_text(st, 2), "三");
	gz_stmt_finish(st);
}

static void test_db_finish_clears_bindings(void **state)
{
	gz_db *db = *state;
	static const char *sql = "SELECT $1";
	gz_err err;
	gz_err_clear(&err);
	gz_stmt *st = gz_db_prepare(db, sql, &err);
	gz_stmt_bind_int64(st, 1, 99);
	assert_int_equal(gz_stmt_step(st, &err), GZ_ROW);
	gz_stmt_finish(st);
	/* Reused from the cache: the old value must not leak into the next use. */
	st = gz_db_prepare(db, sql, &err);
	assert_int_equal(gz_stmt_step(st, &err), GZ_ROW);
	assert_true(gz_stmt_isnull(st, 0));
	gz_stmt_finish(st);
}

static void test_db_text_chinese_round_trip(void **state)
{
	gz_db *db = *state;
	const char *s = "业主大会决议：同意 ✓ \xf0\x9f\x8f\xa0";
	insert_ab(db, 1, s);
	gz_err err;
	gz_err_clear(&err);
	gz_stmt *st = gz_db_prepare(db, "SELECT b, length(b) FROM t WHERE a = $1", &err);
	gz_stmt_bind_int64(st, 1, 1);
	assert_int_equal(gz_stmt_step(st, &err), GZ_ROW);
	assert_string_equal(gz_stmt_text(st, 0), s);
	assert_int_equal(gz_stmt_len(st, 0), strlen(s));
	assert_int_equal(gz_stmt_int64(st, 1), 13); /* SQLite counts characters */
	gz_stmt_finish(st);
}

static void test_db_bind_text_uses_given_length(void **state)
{
	gz_db *db = *state;
	gz_err err;
	gz_err_clear(&err);
	gz_stmt *st = gz_db_prepare(db, "SELECT $1", &err);
	gz_stmt_bind_text(st, 1, "共治社区", 6); /* first two characters */
	assert_int_equal(gz_stmt_step(st, &err), GZ_ROW);
	assert_string_equal(gz_stmt_text(st, 0), "共治");
	assert_int_equal(gz_stmt_len(st, 0), 6);
	gz_stmt_finish(st);
}

static void test_db_bind_text_is_copied(void **state)
{
	gz_db *db = *state;
	gz_err err;
	gz_err_clear(&err);
	char buf[16];
	snprintf(buf, sizeof buf, "before");
	gz_stmt *st = gz_db_prepare(db, "SELECT $1", &err);
	gz_stmt_bind_str(st, 1, buf);
	snprintf(buf, sizeof buf, "AFTER!");
	assert_int_equal(gz_stmt_step(st, &err), GZ_ROW);
	assert_string_equal(gz_stmt_text(st, 0), "before");
	gz_stmt_finish(st);
}

static void test_db_blob_with_nul_bytes(void **state)
{
	gz_db *db = *state;
	static const unsigned char blob[] = {0x00, 0x01, 0x00, 0xff, 0x7f, 0x00};
	gz_err err;
	gz_err_clear(&err);
	gz_stmt *st = gz_db_prepare(db, "INSERT INTO t (a, c) VALUES ($1, $2)", &err);
	gz_stmt_bind_int64(st, 1, 7);
	gz_stmt_bind_blob(st, 2, blob, sizeof blob);
	assert_int_equal(gz_stmt_step(st, &err), GZ_DONE);
	gz_stmt_finish(st);

	st = gz_db_prepare(db, "SELECT c, typeof(c), length(c) FROM t WHERE a = $1", &err);
	gz_stmt_bind_int64(st, 1, 7);
	assert_int_equal(gz_stmt_step(st, &err), GZ_ROW);
	assert_int_equal(gz_stmt_len(st, 0), sizeof blob);
	assert_memory_equal(gz_stmt_blob(st, 0), blob, sizeof blob);
	assert_string_equal(gz_stmt_text(st, 1), "blob");
	assert_int_equal(gz_stmt_int64(st, 2), sizeof blob);
	gz_stmt_finish(st);
}

static void test_db_null_handling(void **state)
{
	gz_db *db = *state;
	gz_err err;
	gz_err_clear(&err);
	gz_stmt *st = gz_db_prepare(db, "INSERT INTO t (a, b, c) VALUES ($1, $2, $3)", &err);
	gz_stmt_bind_null(st, 1);
	gz_stmt_bind_str(st, 2, NULL);
	gz_stmt_bind_null(st, 3);
	assert_int_equal(gz_stmt_step(st, &err), GZ_DONE);
	gz_stmt_finish(st);

	st = gz_db_prepare(db, "SELECT a, b, c, 0, '' FROM t", &err);
	assert_int_equal(gz_stmt_step(st, &err), GZ_ROW);
	for (int col = 0; col < 3; col++) {
		assert_true(gz_stmt_isnull(st, col));
		assert_int_equal(gz_stmt_len(st, col), 0);
	}
	assert_string_equal(gz_stmt_text(st, 1), "");
	assert_string_equal(gz_stmt_text(st, 0), "");
	assert_int_equal(gz_stmt_int64(st, 0), 0);
	assert_null(gz_stmt_blob(st, 2));
	/* Zero and the empty string are values, not NULL. */
	assert_false(gz_stmt_isnull(st, 3));
	assert_false(gz_stmt_isnull(st, 4));
	gz_stmt_finish(st);
	assert_int_equal(count(db, "SELECT count(*) FROM t WHERE a IS NULL AND b IS NULL"), 1);
}

static void test_db_int64_extremes_round_trip(void **state)
{
	gz_db *db = *state;
	gz_err err;
	gz_err_clear(&err);
	gz_stmt *st = gz_db_prepare(db, "SELECT $1, $2", &err);
	gz_stmt_bind_int64(st, 1, INT64_MAX);
	gz_stmt_bind_int64(st, 2, INT64_MIN);
	assert_int_equal(gz_stmt_step(st, &err), GZ_ROW);
	assert_true(gz_stmt_int64(st, 0) == INT64_MAX);
	assert_true(gz_stmt_int64(st, 1) == INT64_MIN);
	gz_stmt_finish(st);
}

static void test_db_changes_counts_rows(void **state)
{
	gz_db *db = *state;
	for (int i = 0; i < 5; i++)
		insert_ab(db, i % 2, "r");
	gz_err err;
	gz_err_clear(&err);
	gz_stmt *st = gz_db_prepare(db, "UPDATE t SET b = $2 WHERE a = $1", &err);
	gz_stmt_bind_int64(st, 1, 0);
	gz_stmt_bind_str(st, 2, "even");
	assert_int_equal(gz_stmt_step(st, &err), GZ_DONE);
	assert_int_equal(gz_stmt_changes(st), 3);
	gz_stmt_finish(st);

	st = gz_db_prepare(db, "DELETE FROM t WHERE a = $1", &err);
	gz_stmt_bind_int64(st, 1, 42);
	assert_int_equal(gz_stmt_step(st, &err), GZ_DONE);
	assert_int_equal(gz_stmt_changes(st), 0);
	gz_stmt_finish(st);

	st = gz_db_prepare(db, "DELETE FROM t WHERE a = $1", &err);
	gz_stmt_bind_int64(st, 1, 1);
	assert_int_equal(gz_stmt_step(st, &err), GZ_DONE);
	assert_int_equal(gz_stmt_changes(st), 2);
	gz_stmt_finish(st);
}

/* ---- errors ---- */

static int insert_u(gz_db *db, const char *u, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, "INSERT INTO t (u) VALUES ($1)", err);
	assert_non_null(st);
	gz_stmt_bind_str(st, 1, u);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc;
}

static void test_db_unique_violation_is_conflict(void **state)
{
	gz_db *db = *state;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(insert_u(db, "张三", &err), GZ_DONE);
	assert_int_equal(insert_u(db, "张三", &err), -1);
	assert_int_equal(err.kind, GZ_ECONFLICT);
	assert_string_equal(err.code, "conflict");
	assert_int_equal(gz_err_status(err.kind), 409);
	/* The cached statement is usable again after the failure. */
	gz_err_clear(&err);
	assert_int_equal(insert_u(db, "李四", &err), GZ_DONE);
	assert_int_equal(count(db, "SELECT count(*) FROM t"), 2);
}

static void test_db_foreign_key_violation_is_conflict(void **state)
{
	gz_db *db = *state;
	exec_ok(db, "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
	            "CREATE TABLE child (pid BIGINT NOT NULL REFERENCES parent (id));");
	gz_err err;
	gz_err_clear(&err);
	gz_stmt *st = gz_db_prepare(db, "INSERT INTO child (pid) VALUES ($1)", &err);
	gz_stmt_bind_int64(st, 1, 12345);
	assert_int_equal(gz_stmt_step(st, &err), -1);
	gz_stmt_finish(st);
	assert_int_equal(err.kind, GZ_ECONFLICT);
}

/* ---- transactions ---- */

static void test_db_commit_keeps_insert(void **state)
{
	gz_db *db = *state;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(gz_db_begin(db, &err), 0);
	insert_ab(db, 1, "kept");
	insert_ab(db, 2, "kept");
	assert_int_equal(gz_db_commit(db, &err), 0);
	assert_int_equal(count(db, "SELECT count(*) FROM t WHERE b = 'kept'"), 2);
	gz_db_rollback(db); /* nothing open: harmless */
	assert_int_equal(count(db, "SELECT count(*) FROM t WHERE b = 'kept'"), 2);
}

static void test_db_rollback_discards_insert(void **state)
{
	gz_db *db = *state;
	insert_ab(db, 0, "before");
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(gz_db_begin(db, &err), 0);
	insert_ab(db, 1, "gone");
	insert_ab(db, 2, "gone");
	assert_int_equal(count(db, "SELECT count(*) FROM t WHERE b = 'gone'"), 2);
	gz_db_rollback(db);
	assert_int_equal(count(db, "SELECT count(*) FROM t WHERE b = 'gone'"), 0);
	assert_int_equal(count(db, "SELECT count(*) FROM t"), 1);
}

static void test_db_rollback_after_conflict_undoes_whole_transaction(void **state)
{
	gz_db *db = *state;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(insert_u(db, "a", &err), GZ_DONE);
	assert_int_equal(gz_db_begin(db, &err), 0);
	assert_int_equal(insert_u(db, "b", &err), GZ_DONE);
	assert_int_equal(insert_u(db, "a", &err), -1);
	assert_int_equal(err.kind, GZ_ECONFLICT);
	gz_db_rollback(db);
	assert_int_equal(count(db, "SELECT count(*) FROM t"), 1);
	/* A new transaction can start afterwards. */
	gz_err_clear(&err);
	assert_int_equal(gz_db_begin(db, &err), 0);
	assert_int_equal(gz_db_commit(db, &err), 0);
}

static void test_db_begin_inside_transaction_fails(void **state)
{
	gz_db *db = *state;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(gz_db_begin(db, &err), 0);
	assert_int_equal(gz_db_begin(db, &err), -1);
	assert_int_not_equal(err.kind, GZ_OK);
	gz_db_rollback(db);
	gz_err_clear(&err);
	assert_int_equal(gz_db_commit(db, &err), -1); /* nothing to commit */
}

static void test_db_rollback_is_seen_by_other_connection(void **state)
{
	(void)state;
	tmpdb t;
	tmpdb_make(&t);
	char url[96];
	snprintf(url, sizeof url, "sqlite:%s", t.path);
	gz_db *a = open_ok(url), *b = open_ok(url);
	exec_ok(a, "CREATE TABLE k (v BIGINT)");
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(gz_db_begin(a, &err), 0);
	exec_ok(a, "INSERT INTO k VALUES (1)");
	assert_int_equal(count(b, "SELECT count(*) FROM k"), 0); /* not yet committed */
	gz_db_rollback(a);
	assert_int_equal(count(b, "SELECT count(*) FROM k"), 0);
	assert_int_equal(gz_db_begin(a, &err), 0);
	exec_ok(a, "INSERT INTO k VALUES (2)");
	assert_int_equal(gz_db_commit(a, &err), 0);
	assert_int_equal(count(b, "SELECT count(*) FROM k"), 1);
	gz_db_close(a);
	gz_db_close(b);
	tmpdb_remove(&t);
}

/* ---- statement cache ---- */

static void test_db_statement_cache_reuse_1000_iterations(void **state)
{
	gz_db *db = *state;
	static const char *ins = "INSERT INTO t (a, b) VALUES ($1, $2)";
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(gz_db_begin(db, &err), 0);
	gz_stmt *first = NULL;
	for (int i = 0; i < 1000; i++) {
		gz_stmt *st = gz_db_prepare(db, ins, &err);
		assert_non_null(st);
		if (!first)
			first = st;
		assert_ptr_equal(st, first); /* same cached statement each time */
		gz_stmt_bind_int64(st, 1, i);
		gz_stmt_bind_str(st, 2, i % 2 ? "odd" : "even");
		assert_int_equal(gz_stmt_step(st, &err), GZ_DONE);
		assert_int_equal(gz_stmt_changes(st), 1);
		gz_stmt_finish(st);
	}
	assert_int_equal(gz_db_commit(db, &err), 0);
	assert_int_equal(count(db, "SELECT count(*) FROM t"), 1000);
	assert_int_equal(count(db, "SELECT sum(a) FROM t"), 999 * 1000 / 2);
	assert_int_equal(count(db, "SELECT count(*) FROM t WHERE b = 'odd'"), 500);
}

static void test_db_nested_prepare_same_sql_while_in_use(void **state)
{
	gz_db *db = *state;
	for (int i = 1; i <= 3; i++)
		insert_ab(db, i, "n");
	static const char *sel = "SELECT a FROM t WHERE a >= $1 ORDER BY a";
	gz_err err;
	gz_err_clear(&err);
	gz_stmt *outer = gz_db_prepare(db, sel, &err);
	assert_non_null(outer);
	gz_stmt_bind_int64(outer, 1, 1);
	int64_t outer_sum = 0, inner_rows = 0;
	while (gz_stmt_step(outer, &err) == GZ_ROW) {
		int64_t a = gz_stmt_int64(outer, 0);
		outer_sum += a;
		gz_stmt *inner = gz_db_prepare(db, sel, &err);
		assert_non_null(inner);
		assert_ptr_not_equal(inner, outer);
		gz_stmt_bind_int64(inner, 1, a);
		while (gz_stmt_step(inner, &err) == GZ_ROW)
			inner_rows++;
		gz_stmt_finish(inner);
		/* The outer statement's row is untouched by the inner one. */
		assert_int_equal(gz_stmt_int64(outer, 0), a);
	}
	gz_stmt_finish(outer);
	assert_int_equal(outer_sum, 6);
	assert_int_equal(inner_rows, 3 + 2 + 1);

	/* And both copies stay usable afterwards. */
	gz_stmt *s1 = gz_db_prepare(db, sel, &err);
	gz_stmt *s2 = gz_db_prepare(db, sel, &err);
	assert_ptr_not_equal(s1, s2);
	gz_stmt_bind_int64(s1, 1, 3);
	gz_stmt_bind_int64(s2, 1, 2);
	assert_int_equal(gz_stmt_step(s1, &err), GZ_ROW);
	assert_int_equal(gz_stmt_step(s2, &err), GZ_ROW);
	assert_int_equal(gz_stmt_int64(s1, 0), 3);
	assert_int_equal(gz_stmt_int64(s2, 0), 2);
	gz_stmt_finish(s2);
	gz_stmt_finish(s1);
}

static void test_db_more_statements_than_cache_are_freed(void **state)
{
	gz_db *db = *state;
	/* 400 distinct SQL strings: past the cache size, statements are freed on finish
	 * (LeakSanitizer checks nothing is lost). */
	enum { N = 400 };
	char *sqls[N];
	gz_err err;
	gz_err_clear(&err);
	for (int i = 0; i < N; i++) {
		sqls[i] = malloc(48);
		snprintf(sqls[i], 48, "SELECT %d + $1", i);
		gz_stmt *st = gz_db_prepare(db, sqls[i], &err);
		assert_non_null(st);
		gz_stmt_bind_int64(st, 1, 1);
		assert_int_equal(gz_stmt_step(st, &err), GZ_ROW);
		assert_int_equal(gz_stmt_int64(st, 0), i + 1);
		gz_stmt_finish(st);
	}
	/* Again: cached or not, each still answers for its own text. */
	for (int i = 0; i < N; i++) {
		gz_stmt *st = gz_db_prepare(db, sqls[i], &err);
		gz_stmt_bind_int64(st, 1, 2);
		assert_int_equal(gz_stmt_step(st, &err), GZ_ROW);
		assert_int_equal(gz_stmt_int64(st, 0), i + 2);
		gz_stmt_finish(st);
	}
	for (int i = 0; i < N; i++)
		free(sqls[i]);
}

/* db.h: "Statements are cached per connection keyed by the SQL text". SQL built in a
 * reused buffer (a stack array, or a request arena whose memory the next request gets
 * back at the same address) must not be answered by the statement of an older text
 * that happened to live at the same address. */
static void test_db_prepare_cache_keys_on_sql_text_not_address(void **state)
{
	gz_db *db = *state;
	char sql[64];
	gz_err err;
	gz_err_clear(&err);
	int64_t v = 0;
	snprintf(sql, sizeof sql, "SELECT 1");
	assert_int_equal(gz_db_query_int64(db, sql, &v, &err, 0), 1);
	assert_int_equal(v, 1);
	snprintf(sql, sizeof sql, "SELECT 2");
	assert_int_equal(gz_db_query_int64(db, sql, &v, &err, 0), 1);
	assert_int_equal(v, 2);
}

/* ---- gz_db_query_int64 ---- */

static void test_db_query_int64(void **state)
{
	gz_db *db = *state;
	insert_ab(db, 10, "q");
	insert_ab(db, 20, "q");
	gz_err err;
	gz_err_clear(&err);
	int64_t v = -1;
	assert_int_equal(gz_db_query_int64(db, "SELECT count(*) FROM t", &v, &err, 0), 1);
	assert_int_equal(v, 2);
	assert_int_equal(gz_db_query_int64(db, "SELECT a FROM t WHERE a > $1 AND a < $2", &v, &err,
	                                   2, (int64_t)15, (int64_t)25),
	                 1);
	assert_int_equal(v, 20);

	v = 77;
	assert_int_equal(
	    gz_db_query_int64(db, "SELECT a FROM t WHERE a = $1", &v, &err, 1, (int64_t)999), 0);
	assert_int_equal(v, 77); /* untouched when no row */

	assert_int_equal(gz_db_query_int64(db, "SELECT nope FROM t", &v, &err, 0), -1);
	assert_int_equal(err.kind, GZ_EINTERNAL);
	assert_int_equal(v, 77);
}

/* ---- migrations ---- */

/* The migrations gz_db_migrate applies here: the core's (no module registered). */
static size_t planned(void)
{
	const gz_migration *plan[256];
	return gz_db_migrations_planned(plan, 256);
}

/* The schema version after migrating: migrations are numbered in order of application. */
static int latest_version(void)
{
	return (int)planned();
}

static void test_db_migrate_fresh_db_returns_version(void **state)
{
	(void)state;
	gz_db *db = open_ok(MEM_URL);
	gz_err err;
	gz_err_clear(&err);
	assert_true(planned() >= 1);
	assert_int_equal(gz_db_schema_version(db, &err), 0);
	int v = gz_db_migrate(db, &err);
	if (v < 0)
		fail_msg("migrate: %s %s", err.code, err.message);
	assert_int_equal(v, latest_version());
	assert_int_equal(gz_db_schema_version(db, &err), v);
	assert_int_equal(count(db, "SELECT count(*) FROM schema_migrations"), (int64_t)planned());
	/* The tables of the first migration exist. */
	assert_int_equal(count(db, "SELECT count(*) FROM probes"), 0);
	gz_db_close(db);
}

static void test_db_migrate_is_idempotent(void **state)
{
	(void)state;
	tmpdb t;
	tmpdb_make(&t);
	char url[96];
	snprintf(url, sizeof url, "sqlite:%s", t.path);
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = open_ok(url);
	int v1 = gz_db_migrate(db, &err);
	assert_true(v1 > 0);
	int v2 = gz_db_migrate(db, &err);
	assert_int_equal(v2, v1);
	gz_db_close(db);
	/* And from a new connection to the same file. */
	db = open_ok(url);
	assert_int_equal(gz_db_migrate(db, &err), v1);
	assert_int_equal(count(db, "SELECT count(*) FROM schema_migrations"), (int64_t)planned());
	gz_db_close(db);
	tmpdb_remove(&t);
}

static void test_db_migrate_failure_rolls_back_and_names_migration(void **state)
{
	(void)state;
	gz_db *db = open_ok(MEM_URL);
	/* A table in the way of the first migration makes its CREATE TABLE fail. */
	exec_ok(db, "CREATE TABLE record_counts (x INT)");
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(gz_db_migrate(db, &err), -1);
	assert_int_not_equal(err.kind, GZ_OK);
	assert_non_null(strstr(err.message, gz_migrations_of("core")[0].name));
	/* Nothing from the failed migration stays behind. */
	gz_err_clear(&err);
	assert_int_equal(gz_db_schema_version(db, &err), 0);
	assert_int_equal(count(db, "SELECT count(*) FROM sqlite_master WHERE name = 'app_meta'"),
	                 0);
	gz_db_close(db);
}

/* ---- dialect ---- */

static void dialect_is(const char *in, gz_db_kind kind, const char *want)
{
	char *got = gz_db_dialect(in, kind);
	bool same = strcmp(got, want) == 0;
	if (!same)
		print_error("dialect(%s, %d) = \"%s\", want \"%s\"\n", in, kind, got, want);
	free(got); /* before failing: fail_msg does not return */
	assert_true(same);
}

static void test_db_dialect_rewrites_id(void **state)
{
	(void)state;
	dialect_is("id {{ID}},", GZ_DB_SQLITE, "id INTEGER PRIMARY KEY,");
	dialect_is("id {{ID}},", GZ_DB_POSTGRES,
	           "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,");
}

static void test_db_dialect_rewrites_blob(void **state)
{
	(void)state;
	dialect_is("data {{BLOB}} NOT NULL", GZ_DB_SQLITE, "data BLOB NOT NULL");
	dialect_is("data {{BLOB}} NOT NULL", GZ_DB_POSTGRES, "data BYTEA NOT NULL");
}

static void test_db_dialect_keeps_text_for_its_driver_only(void **state)
{
	(void)state;
	const char *in = "CREATE TABLE x (a TEXT){{SQLITE: STRICT}}{{PG: WITH (fillfactor=90)}};";
	dialect_is(in, GZ_DB_SQLITE, "CREATE TABLE x (a TEXT) STRICT;");
	dialect_is(in, GZ_DB_POSTGRES, "CREATE TABLE x (a TEXT) WITH (fillfactor=90);");
}

static void test_db_dialect_leaves_other_braces_alone(void **state)
{
	(void)state;
	static const char *same[] = {
	    "SELECT '{\"a\":1}'", "{x} {{y}} {{ID", "}} {{", "{{OTHER}} {{id}} {{IDX}}", "",
	};
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
		dialect_is(same[i], GZ_DB_SQLITE, same[i]);
		dialect_is(same[i], GZ_DB_POSTGRES, same[i]);
	}
}

static void test_db_dialect_rewrites_every_marker(void **state)
{
	(void)state;
	/* Many markers: output far longer than the input on PostgreSQL. */
	char in[2048] = "";
	char want[8192] = "";
	for (int i = 0; i < 60; i++) {
		strcat(in, "{{ID}}");
		strcat(want, "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
	}
	dialect_is(in, GZ_DB_POSTGRES, want);
}

/* An empty driver-only marker stands for no text at all. */
static void test_db_dialect_empty_driver_marker_is_empty(void **state)
{
	(void)state;
	dialect_is("a{{SQLITE:}}b", GZ_DB_SQLITE, "ab");
	dialect_is("a{{PG:}}b", GZ_DB_POSTGRES, "ab");
	dialect_is("a{{SQLITE:}}b", GZ_DB_POSTGRES, "ab");
}

/* ---- backup ---- */

static void test_db_backup_copies_rows(void **state)
{
	(void)state;
	tmpdb src, dst;
	tmpdb_make(&src);
	tmpdb_make(&dst);
	char url[96];
	snprintf(url, sizeof url, "sqlite:%s", src.path);
	gz_db *db = open_ok(url);
	exec_ok(db, "CREATE TABLE k (v TEXT)");
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(gz_db_begin(db, &err), 0);
	for (int i = 0; i < 500; i++) {
		gz_stmt *st = gz_db_prepare(db, "INSERT INTO k VALUES ($1)", &err);
		gz_stmt_bind_str(st, 1, "备份测试数据 backup row with some padding to fill pages");
		assert_int_equal(gz_stmt_step(st, &err), GZ_DONE);
		gz_stmt_finish(st);
	}
	assert_int_equal(gz_db_commit(db, &err), 0);

	if (gz_db_backup(db, dst.path, &err) != 0)
		fail_msg("backup: %s %s", err.code, err.message);
	/* The source keeps working after the backup. */
	exec_ok(db, "INSERT INTO k VALUES ('after')");
	gz_db_close(db);

	snprintf(url, sizeof url, "sqlite:%s", dst.path);
	gz_db *copy = open_ok(url);
	assert_int_equal(count(copy, "SELECT count(*) FROM k"), 500);
	gz_db_close(copy);
	tmpdb_remove(&src);
	tmpdb_remove(&dst);
}

static void test_db_backup_of_memory_db(void **state)
{
	gz_db *db = *state;
	insert_ab(db, 1, "mem");
	tmpdb dst;
	tmpdb_make(&dst);
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(gz_db_backup(db, dst.path, &err), 0);
	char url[96];
	snprintf(url, sizeof url, "sqlite:%s", dst.path);
	gz_db *copy = open_ok(url);
	assert_int_equal(count(copy, "SELECT count(*) FROM t WHERE b = 'mem'"), 1);
	gz_db_close(copy);
	tmpdb_remove(&dst);
}

static void test_db_backup_to_bad_path_fails(void **state)
{
	gz_db *db = *state;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(gz_db_backup(db, "/nonexistent-gz-dir/sub/backup.db", &err), -1);
	assert_string_equal(err.code, "backup_failed");
}

#define MEM_TEST(f) cmocka_unit_test_setup_teardown(f, setup_mem, teardown_mem)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_db_open_memory),
	    cmocka_unit_test(test_db_open_file_persists_across_connections),
	    cmocka_unit_test(test_db_open_bad_url_fails_cleanly),
	    cmocka_unit_test(test_db_open_unreachable_path_is_unavailable),
	    MEM_TEST(test_db_exec_ddl_and_several_statements),
	    MEM_TEST(test_db_exec_bad_sql_sets_err),
	    MEM_TEST(test_db_prepare_bad_sql_returns_null),
	    MEM_TEST(test_db_params_bound_out_of_order),
	    MEM_TEST(test_db_param_used_twice_binds_once),
	    MEM_TEST(test_db_finish_clears_bindings),
	    MEM_TEST(test_db_text_chinese_round_trip),
	    MEM_TEST(test_db_bind_text_uses_given_length),
	    MEM_TEST(test_db_bind_text_is_copied),
	    MEM_TEST(test_db_blob_with_nul_bytes),
	    MEM_TEST(test_db_null_handling),
	    MEM_TEST(test_db_int64_extremes_round_trip),
	    MEM_TEST(test_db_changes_counts_rows),
	    MEM_TEST(test_db_unique_violation_is_conflict),
	    MEM_TEST(test_db_foreign_key_violation_is_conflict),
	    MEM_TEST(test_db_commit_keeps_insert),
	    MEM_TEST(test_db_rollback_discards_insert),
	    MEM_TEST(test_db_rollback_after_conflict_undoes_whole_transaction),
	    MEM_TEST(test_db_begin_inside_transaction_fails),
	    cmocka_unit_test(test_db_rollback_is_seen_by_other_connection),
	    MEM_TEST(test_db_statement_cache_reuse_1000_iterations),
	    MEM_TEST(test_db_nested_prepare_same_sql_while_in_use),
	    MEM_TEST(test_db_more_statements_than_cache_are_freed),
	    MEM_TEST(test_db_prepare_cache_keys_on_sql_text_not_address),
	    MEM_TEST(test_db_query_int64),
	    cmocka_unit_test(test_db_migrate_fresh_db_returns_version),
	    cmocka_unit_test(test_db_migrate_is_idempotent),
	    cmocka_unit_test(test_db_migrate_failure_rolls_back_and_names_migration),
	    cmocka_unit_test(test_db_dialect_rewrites_id),
	    cmocka_unit_test(test_db_dialect_rewrites_blob),
	    cmocka_unit_test(test_db_dialect_keeps_text_for_its_driver_only),
	    cmocka_unit_test(test_db_dialect_leaves_other_braces_alone),
	    cmocka_unit_test(test_db_dialect_rewrites_every_marker),
	    cmocka_unit_test(test_db_dialect_empty_driver_marker_is_empty),
	    cmocka_unit_test(test_db_backup_copies_rows),
	    MEM_TEST(test_db_backup_of_memory_db),
	    MEM_TEST(test_db_backup_to_bad_path_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
