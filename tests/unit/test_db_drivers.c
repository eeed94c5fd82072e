/* Unit tests for the parts of the database interface that must behave the same on both
 * drivers: the bounded LRU statement cache, read snapshots (gz_db_begin_read) and the
 * record-count helper. Every test runs on SQLite (a temp file, so two connections share
 * it) and again on PostgreSQL when GZ_TEST_PG_URL names a database (skipped otherwise;
 * scripts/test.sh sets it to its throwaway cluster). Tables are named per process so
 * runs against one PostgreSQL do not collide. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "db/db.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char url[512]; /* the database of the group running */
static char tbl[40];  /* its test table */
static char sqlite_path[64];

static gz_db *open_ok(void)
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

static int64_t one(gz_db *db, const char *sql)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t n = -1;
	if (gz_db_query_int64(db, sql, &n, &err, 0) != 1)
		fail_msg("query %s: %s %s", sql, err.code, err.message);
	return n;
}

static bool on_pg(void)
{
	return strncmp(url, "sqlite:", 7) != 0;
}

/* Fresh table tbl (id 1..20, v = id * 10) in the group's database. */
static int setup(void **state)
{
	if (!url[0])
		return 0;
	gz_db *db = open_ok();
	char sql[256];
	snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s", tbl);
	exec_ok(db, sql);
	snprintf(sql, sizeof sql, "CREATE TABLE %s (id BIGINT PRIMARY KEY, v BIGINT NOT NULL)",
	         tbl);
	exec_ok(db, sql);
	for (int i = 1; i <= 20; i++) {
		snprintf(sql, sizeof sql, "INSERT INTO %s (id, v) VALUES (%d, %d)", tbl, i, i * 10);
		exec_ok(db, sql);
	}
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	if (!url[0])
		return 0;
	gz_db *db = *state;
	char sql[96];
	snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s", tbl);
	gz_db_rollback(db);
	exec_ok(db, sql);
	gz_db_close(db);
	return 0;
}

#define NEED_DB()                                                                                  \
	do {                                                                                       \
		if (!url[0])                                                                       \
			skip();                                                                    \
	} while (0)

/* Runs statement k of the 50 distinct ones ("v * k" for row id) and checks its answer.
 * The SQL is built in a stack buffer: the cache keys on the text, not the address. */
static void run_distinct(gz_db *db, int k, int64_t id)
{
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT v * %d FROM %s WHERE id = $1", k, tbl);
	gz_err err;
	gz_err_clear(&err);
	gz_stmt *st = gz_db_prepare(db, sql, &err);
	if (!st)
		fail_msg("prepare %s: %s", sql, err.message);
	gz_stmt_bind_int64(st, 1, id);
	assert_int_equal(gz_stmt_step(st, &err), GZ_ROW);
	assert_int_equal(gz_stmt_int64(st, 0), id * 10 * k);
	assert_int_equal(gz_stmt_step(st, &err), GZ_DONE);
	gz_stmt_finish(st);
}

/* A statement left open on its first row while others run. */
static gz_stmt *hold_open(gz_db *db, const char *sql)
{
	gz_err err;
	gz_err_clear(&err);
	gz_stmt *st = gz_db_prepare(db, sql, &err);
	if (!st)
		fail_msg("prepare %s: %s", sql, err.message);
	assert_int_equal(gz_stmt_step(st, &err), GZ_ROW);
	assert_int_equal(gz_stmt_int64(st, 0), 1);
	return st;
}

/* Walks a held statement to its end: ids 2..20 in order. */
static void finish_held(gz_stmt *st)
{
	gz_err err;
	gz_err_clear(&err);
	for (int64_t id = 2; id <= 20; id++) {
		assert_int_equal(gz_stmt_step(st, &err), GZ_ROW);
		assert_int_equal(gz_stmt_int64(st, 0), id);
		assert_int_equal(gz_stmt_int64(st, 1), id * 10);
	}
	assert_int_equal(gz_stmt_step(st, &err), GZ_DONE);
	gz_stmt_finish(st);
}

static void test_cache_evicts_least_recently_used_and_answers_stay_right(void **state)
{
	NEED_DB();
	gz_db *db = *state;
	gz_db_set_stmt_cache_capacity(db, 8);
	char held_sql[2][128];
	snprintf(held_sql[0], sizeof held_sql[0], "SELECT id, v FROM %s ORDER BY id", tbl);
	snprintf(held_sql[1], sizeof held_sql[1], "SELECT id, v FROM %s ORDER BY id ASC", tbl);
	int64_t ev0 = gz_db_stmt_cache_evictions(db);
	for (int round = 0; round < 4; round++) {
		gz_stmt *held = hold_open(db, held_sql[round & 1]);
		for (int k = 1; k <= 50; k++) {
			run_distinct(db, k, 1 + (k + round) % 20);
			assert_true(gz_db_stmt_cache_size(db) <= 8);
			if (k == 25) {
				/* A second one held across half the round, then the first again
				 * while it is in use: two statements of one text. */
				gz_stmt *inner = hold_open(db, held_sql[round & 1]);
				run_distinct(db, 51, 3);
				finish_held(inner);
			}
		}
		finish_held(held);
		assert_true(gz_db_stmt_cache_size(db) <= 8);
	}
	/* 4 rounds of 50 distinct texts through 8 slots: nearly every prepare evicts. */
	assert_true(gz_db_stmt_cache_evictions(db) - ev0 >= 4 * 50 - 8);
	assert_int_equal(gz_db_stmt_cache_size(db), 8);

	/* The most recent statements are still cached: running them again evicts nothing. */
	int64_t ev1 = gz_db_stmt_cache_evictions(db);
	for (int k = 47; k <= 50; k++)
		run_distinct(db, k, 5);
	assert_int_equal(gz_db_stmt_cache_evictions(db), ev1);

	if (on_pg()) {
		/* Evicted statements are gone from the server too, not just from our table:
		 * the session holds the 8 cached ones plus at most this count query. */
		int64_t n = one(db, "SELECT count(*) FROM pg_prepared_statements");
		assert_true(n <= 9);
	}
}

static void test_cache_full_of_statements_in_use_still_answers(void **state)
{
	NEED_DB();
	gz_db *db = *state;
	gz_db_set_stmt_cache_capacity(db, 4);
	gz_stmt *held[10];
	char sql[10][128];
	for (int i = 0; i < 10; i++) {
		snprintf(sql[i], sizeof sql[i], "SELECT id, v FROM %s ORDER BY id /* %d */", tbl,
		         i);
		held[i] = hold_open(db, sql[i]);
		assert_true(gz_db_stmt_cache_size(db) <= 4);
	}
	/* Nothing cached can be evicted while in use; the rest run uncached. */
	run_distinct(db, 7, 7);
	for (int i = 0; i < 10; i++)
		finish_held(held[i]);
	assert_true(gz_db_stmt_cache_size(db) <= 4);
	for (int k = 1; k <= 12; k++)
		run_distinct(db, k, 2);
	assert_int_equal(gz_db_stmt_cache_size(db), 4);
	if (on_pg())
		assert_true(one(db, "SELECT count(*) FROM pg_prepared_statements") <= 5);
}

static void test_cache_shrinks_to_a_new_capacity(void **state)
{
	NEED_DB();
	gz_db *db = *state;
	gz_db_set_stmt_cache_capacity(db, 64);
	for (int k = 1; k <= 30; k++)
		run_distinct(db, k, 1);
	assert_int_equal(gz_db_stmt_cache_size(db), 30);
	gz_db_set_stmt_cache_capacity(db, 5);
	assert_int_equal(gz_db_stmt_cache_size(db), 5);
	for (int k = 1; k <= 30; k++)
		run_distinct(db, k, 4);
	assert_int_equal(gz_db_stmt_cache_size(db), 5);
	gz_db_set_stmt_cache_capacity(db, 0); /* no cache at all still works */
	assert_int_equal(gz_db_stmt_cache_size(db), 0);
	run_distinct(db, 3, 3);
	assert_int_equal(gz_db_stmt_cache_size(db), 0);
}

static void test_cache_eviction_inside_a_transaction_keeps_it(void **state)
{
	NEED_DB();
	gz_db *db = *state;
	gz_db_set_stmt_cache_capacity(db, 3);
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(gz_db_begin(db, &err), 0);
	char sql[128];
	snprintf(sql, sizeof sql, "UPDATE %s SET v = v + 1 WHERE id = 1", tbl);
	exec_ok(db, sql);
	for (int k = 1; k <= 10; k++)
		run_distinct(db, k, 2); /* evictions DEALLOCATE inside the transaction */
	assert_int_equal(gz_db_commit(db, &err), 0);
	snprintf(sql, sizeof sql, "SELECT v FROM %s WHERE id = 1", tbl);
	assert_int_equal(one(db, sql), 11);
}

/* ---- read snapshots ---- */

static void test_read_snapshot_holds_while_another_connection_writes(void **state)
{
	NEED_DB();
	gz_db *db = *state;
	gz_db *other = open_ok();
	char count_sql[96], insert_sql[128];
	snprintf(count_sql, sizeof count_sql, "SELECT count(*) FROM %s", tbl);
	snprintf(insert_sql, sizeof insert_sql, "INSERT INTO %s (id, v) VALUES (100, 1000)", tbl);
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(gz_db_begin_read(db, &err), 0);
	assert_true(gz_db_in_transaction(db));
	assert_int_equal(one(db, count_sql), 20);
	exec_ok(other, insert_sql); /* committed at once */
	assert_int_equal(one(other, count_sql), 21);
	assert_int_equal(one(db, count_sql), 20); /* still the snapshot */
	assert_int_equal(gz_db_commit(db, &err), 0);
	assert_false(gz_db_in_transaction(db));
	assert_int_equal(one(db, count_sql), 21);
	gz_db_close(other);
}

static void test_read_snapshot_refuses_writes(void **state)
{
	NEED_DB();
	gz_db *db = *state;
	char sql[128];
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(gz_db_begin_read(db, &err), 0);
	snprintf(sql, sizeof sql, "UPDATE %s SET v = 0", tbl);
	gz_stmt *st = gz_db_prepare(db, sql, &err);
	int rc = st ? gz_stmt_step(st, &err) : -1;
	gz_stmt_finish(st);
	assert_int_equal(rc, -1);
	/* Nor through text run as it is. */
	gz_err_clear(&err);
	assert_int_equal(gz_db_exec(db, sql, &err), -1);
	gz_db_rollback(db);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE v = 0", tbl);
	assert_int_equal(one(db, sql), 0);
	snprintf(sql, sizeof sql, "UPDATE %s SET v = 0", tbl);

	/* A write transaction cannot start inside a snapshot, and says why. */
	gz_err_clear(&err);
	assert_int_equal(gz_db_begin_read(db, &err), 0);
	assert_int_equal(gz_db_begin(db, &err), -1);
	assert_string_equal(err.code, "db_error");
	assert_non_null(strstr(err.message, "只读快照"));
	assert_int_equal(gz_db_commit(db, &err), 0);

	/* After the snapshot the connection writes again. */
	gz_err_clear(&err);
	assert_int_equal(gz_db_begin(db, &err), 0);
	exec_ok(db, sql);
	assert_int_equal(gz_db_commit(db, &err), 0);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE v = 0", tbl);
	assert_int_equal(one(db, sql), 20);
}

static void test_read_snapshot_nested_joins_the_open_transaction(void **state)
{
	NEED_DB();
	gz_db *db = *state;
	gz_db *other = open_ok();
	char count_sql[96], insert_sql[128];
	snprintf(count_sql, sizeof count_sql, "SELECT count(*) FROM %s", tbl);
	gz_err err;
	gz_err_clear(&err);

	/* A helper's snapshot inside the caller's: its end leaves the caller's open. */
	assert_int_equal(gz_db_begin_read(db, &err), 0);
	assert_int_equal(one(db, count_sql), 20);
	assert_int_equal(gz_db_begin_read(db, &err), 0);
	snprintf(insert_sql, sizeof insert_sql, "INSERT INTO %s (id, v) VALUES (101, 1)", tbl);
	exec_ok(other, insert_sql);
	assert_int_equal(one(db, count_sql), 20);
	assert_int_equal(gz_db_commit(db, &err), 0);
	assert_true(gz_db_in_transaction(db));
	assert_int_equal(gz_db_begin_read(db, &err), 0);
	gz_db_rollback(db); /* an inner rollback also leaves it open */
	assert_true(gz_db_in_transaction(db));
	assert_int_equal(one(db, count_sql), 20);
	assert_int_equal(gz_db_commit(db, &err), 0);
	assert_false(gz_db_in_transaction(db));
	assert_int_equal(one(db, count_sql), 21);

	/* A read helper inside a write transaction joins it and may not end it: the
	 * write is committed by its owner only. */
	assert_int_equal(gz_db_begin(db, &err), 0);
	snprintf(insert_sql, sizeof insert_sql, "INSERT INTO %s (id, v) VALUES (102, 1)", tbl);
	exec_ok(db, insert_sql);
	assert_int_equal(gz_db_begin_read(db, &err), 0);
	assert_int_equal(one(db, count_sql), 22);
	assert_int_equal(gz_db_commit(db, &err), 0);
	assert_true(gz_db_in_transaction(db));
	assert_int_equal(one(other, count_sql), 21); /* not committed yet */
	gz_db_rollback(db);
	assert_false(gz_db_in_transaction(db));
	assert_int_equal(one(db, count_sql), 21);
	gz_db_close(other);
}

/* ---- record counts ---- */

static void test_count_add_moves_with_the_transaction(void **state)
{
	NEED_DB();
	gz_db *db = *state;
	/* On PostgreSQL a temporary record_counts shadows any real one for this connection
	 * only. SQLite's test file has none, and a temporary table would not be seen by
	 * write transactions there (they run on the file's writer connection, sqlite.c). */
	exec_ok(db, on_pg()
	                ? "CREATE TEMP TABLE record_counts (name TEXT PRIMARY KEY, n BIGINT "
	                  "NOT NULL)"
	                : "CREATE TABLE record_counts (name TEXT PRIMARY KEY, n BIGINT NOT NULL)");
	exec_ok(db, "INSERT INTO record_counts (name, n) VALUES ('things', 5)");
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(gz_db_begin(db, &err), 0);
	assert_int_equal(gz_db_count_add(db, "things", 3, &err), 0);
	assert_int_equal(gz_db_count_add(db, "things", 0, &err), 0);
	assert_int_equal(gz_db_commit(db, &err), 0);
	assert_int_equal(one(db, "SELECT n FROM record_counts WHERE name = 'things'"), 8);

	assert_int_equal(gz_db_begin(db, &err), 0);
	assert_int_equal(gz_db_count_add(db, "things", -2, &err), 0);
	gz_db_rollback(db);
	assert_int_equal(one(db, "SELECT n FROM record_counts WHERE name = 'things'"), 8);

	/* A name with no row is a bug in the caller, not a silent no-op. */
	gz_err_clear(&err);
	assert_int_equal(gz_db_count_add(db, "no_such_count", 1, &err), -1);
	assert_string_equal(err.code, "db_error");
	exec_ok(db, "DROP TABLE record_counts");
}

/* ---- after-commit callbacks ---- */

static int hook_ran, hook_released;
static void hook_fn(void *arg)
{
	hook_ran += *(int *)arg;
}
static void hook_release(void *arg)
{
	(void)arg;
	hook_released++;
}

static void test_after_commit_runs_only_after_a_commit(void **state)
{
	NEED_DB();
	gz_db *db = *state;
	gz_err err;
	gz_err_clear(&err);
	int one_ = 1, ten = 10;
	hook_ran = hook_released = 0;
	/* Without a write transaction: refused, and released. */
	assert_int_equal(gz_db_after_commit(db, hook_fn, hook_release, &one_, &err), -1);
	assert_int_equal(hook_released, 1);
	/* Rolled back: released, never run. */
	assert_int_equal(gz_db_begin(db, &err), 0);
	assert_int_equal(gz_db_after_commit(db, hook_fn, hook_release, &ten, &err), 0);
	gz_db_rollback(db);
	assert_int_equal(hook_ran, 0);
	assert_int_equal(hook_released, 2);
	/* Committed: run in order, then released; the next transaction starts empty. */
	assert_int_equal(gz_db_begin(db, &err), 0);
	assert_int_equal(gz_db_after_commit(db, hook_fn, hook_release, &one_, &err), 0);
	assert_int_equal(gz_db_after_commit(db, hook_fn, NULL, &ten, &err), 0);
	assert_int_equal(hook_ran, 0);
	assert_int_equal(gz_db_commit(db, &err), 0);
	assert_int_equal(hook_ran, 11);
	assert_int_equal(hook_released, 3);
	assert_int_equal(gz_db_begin(db, &err), 0);
	assert_int_equal(gz_db_commit(db, &err), 0);
	assert_int_equal(hook_ran, 11);
	/* Inside a read snapshot nothing is written: refused. */
	assert_int_equal(gz_db_begin_read(db, &err), 0);
	assert_int_equal(gz_db_after_commit(db, hook_fn, hook_release, &one_, &err), -1);
	gz_db_end_read(db);
	assert_int_equal(hook_released, 4);
}

/* ---- many writers at once (SQLite: the writer queue and the group's sync) ---- */

#include <pthread.h>

#define WRITERS 8
#define WRITES  40

static void *writer_main(void *arg)
{
	int k = (int)(intptr_t)arg;
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_db_open(url, &err);
	if (!db)
		return (void *)1;
	char sql[160];
	snprintf(sql, sizeof sql, "INSERT INTO %s (id, v) VALUES ($1, $2)", tbl);
	for (int i = 0; i < WRITES; i++) {
		if (gz_db_begin(db, &err) < 0)
			goto bad;
		gz_stmt *st = gz_db_prepare(db, sql, &err);
		if (!st)
			goto bad;
		gz_stmt_bind_int64(st, 1, 1000 + k * WRITES + i);
		gz_stmt_bind_int64(st, 2, k);
		int rc = gz_stmt_step(st, &err);
		gz_stmt_finish(st);
		if (rc < 0 || gz_db_commit(db, &err) < 0)
			goto bad;
	}
	gz_db_close(db);
	return NULL;
bad:
	fprintf(stderr, "writer %d: %s %s\n", k, err.code, err.message);
	gz_db_rollback(db);
	gz_db_close(db);
	return (void *)1;
}

static void test_concurrent_writers_all_commit(void **state)
{
	NEED_DB();
	gz_db *db = *state;
	/* Durable mode (the default): every commit waits for its group's sync. */
	unsetenv("GONGZHI_SQLITE_SYNC");
	pthread_t t[WRITERS];
	for (int k = 0; k < WRITERS; k++)
		assert_int_equal(pthread_create(&t[k], NULL, writer_main, (void *)(intptr_t)k), 0);
	int bad = 0;
	for (int k = 0; k < WRITERS; k++) {
		void *r;
		pthread_join(t[k], &r);
		bad += r != NULL;
	}
	assert_int_equal(bad, 0);
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s WHERE id >= 1000", tbl);
	assert_int_equal(one(db, sql), WRITERS * WRITES);
}

/* Many threads, each on its own connection, run write transactions at once; on SQLite
 * they are batched into shared transactions of the file's writer connection (sqlite.c).
 * Of each thread's transactions, in turn: one commits (with an after-commit hook), one
 * rolls back after its insert, one fails on a unique violation after a good insert and
 * rolls back. Every committed row is there exactly once, no rolled-back one is; each
 * thread reads its own committed row on its own connection right after gz_db_commit;
 * the hooks ran once per commit and never for a rollback. */
#define MIXED_THREADS 8
#define MIXED_TX      60

static _Atomic int mixed_hooks, mixed_released;
static void mixed_hook(void *arg)
{
	(void)arg;
	mixed_hooks++;
}
static void mixed_release(void *arg)
{
	(void)arg;
	mixed_released++;
}

static int64_t count_id(gz_db *db, int64_t id, gz_err *err)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s WHERE id = $1", tbl);
	int64_t n = -1;
	if (gz_db_query_int64(db, sql, &n, err, 1, id) != 1)
		return -1;
	return n;
}

static void *mixed_main(void *arg)
{
	int k = (int)(intptr_t)arg;
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_db_open(url, &err);
	if (!db)
		return (void *)1;
	char sql[160];
	snprintf(sql, sizeof sql, "INSERT INTO %s (id, v) VALUES ($1, $2)", tbl);
	for (int i = 0; i < MIXED_TX; i++) {
		int64_t id = 5000 + k * MIXED_TX + i;
		int kind = i % 3; /* 0 commit, 1 rollback, 2 conflict */
		if (gz_db_begin(db, &err) < 0)
			goto bad;
		gz_stmt *st = gz_db_prepare(db, sql, &err);
		if (!st)
			goto bad;
		gz_stmt_bind_int64(st, 1, id);
		gz_stmt_bind_int64(st, 2, k);
		int rc = gz_stmt_step(st, &err);
		gz_stmt_finish(st);
		if (rc < 0)
			goto bad;
		if (gz_db_after_commit(db, mixed_hook, mixed_release, NULL, &err) < 0)
			goto bad;
		if (kind == 2) {
			st = gz_db_prepare(db, sql, &err);
			if (!st)
				goto bad;
			gz_stmt_bind_int64(st, 1, 1); /* there since setup */
			gz_stmt_bind_int64(st, 2, k);
			rc = gz_stmt_step(st, &err);
			gz_stmt_finish(st);
			if (rc != -1 || strcmp(err.code, "conflict")) {
				fprintf(stderr, "writer %d: no conflict (%d %s)\n", k, rc,
				        err.code);
				goto bad;
			}
			gz_err_clear(&err);
		}
		if (kind == 0) {
			if (gz_db_commit(db, &err) < 0)
				goto bad;
		} else {
			gz_db_rollback(db);
		}
		if (gz_db_in_transaction(db))
			goto bad;
		/* Its own connection, outside any transaction, sees what it committed. */
		int64_t n = count_id(db, id, &err);
		if (n != (kind == 0)) {
			fprintf(stderr, "writer %d: row %lld seen %lld times\n", k, (long long)id,
			        (long long)n);
			goto bad;
		}
	}
	gz_db_close(db);
	return NULL;
bad:
	fprintf(stderr, "writer %d: %s %s\n", k, err.code, err.message);
	gz_db_rollback(db);
	gz_db_close(db);
	return (void *)1;
}

static void test_concurrent_writers_commit_once_and_roll_back_alone(void **state)
{
	NEED_DB();
	gz_db *db = *state;
	unsetenv("GONGZHI_SQLITE_SYNC");
	mixed_hooks = mixed_released = 0;
	pthread_t t[MIXED_THREADS];
	for (int k = 0; k < MIXED_THREADS; k++)
		assert_int_equal(pthread_create(&t[k], NULL, mixed_main, (void *)(intptr_t)k), 0);
	int bad = 0;
	for (int k = 0; k < MIXED_THREADS; k++) {
		void *r;
		pthread_join(t[k], &r);
		bad += r != NULL;
	}
	assert_int_equal(bad, 0);
	int commits = 0;
	for (int i = 0; i < MIXED_TX; i++)
		commits += i % 3 == 0;
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s WHERE id >= 5000", tbl);
	assert_int_equal(one(db, sql), MIXED_THREADS * commits);
	snprintf(sql, sizeof sql, "SELECT COUNT(DISTINCT id) FROM %s WHERE id >= 5000", tbl);
	assert_int_equal(one(db, sql), MIXED_THREADS * commits);
	/* Only committed ids: id - 5000 = k * MIXED_TX + i with i % 3 == 0. */
	snprintf(sql, sizeof sql,
	         "SELECT COUNT(*) FROM %s WHERE id >= 5000 AND (id - 5000) %% %d %% 3 <> 0", tbl,
	         MIXED_TX);
	assert_int_equal(one(db, sql), 0);
	assert_int_equal(mixed_hooks, MIXED_THREADS * commits);
	assert_int_equal(mixed_released, MIXED_THREADS * MIXED_TX);
	/* Another connection sees the same. */
	gz_db *other = open_ok();
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s WHERE id >= 5000", tbl);
	assert_int_equal(one(other, sql), MIXED_THREADS * commits);
	gz_db_close(other);
}

/* One member's write transaction while another thread's is open: the second waits for
 * the writer and joins; the first member's rollback does not take the second's row, and
 * a read on the thread's own connection inside its write transaction sees its write. */
static void test_write_transaction_reads_its_own_writes(void **state)
{
	NEED_DB();
	gz_db *db = *state;
	gz_err err;
	gz_err_clear(&err);
	char sql[160];
	assert_int_equal(gz_db_begin(db, &err), 0);
	snprintf(sql, sizeof sql, "INSERT INTO %s (id, v) VALUES (900, 9)", tbl);
	exec_ok(db, sql);
	gz_err_clear(&err);
	assert_int_equal(count_id(db, 900, &err), 1);
	gz_db *other = open_ok();
	assert_int_equal(count_id(other, 900, &err), 0); /* not committed */
	assert_int_equal(gz_db_commit(db, &err), 0);
	assert_int_equal(count_id(other, 900, &err), 1);
	assert_int_equal(count_id(db, 900, &err), 1);
	gz_db_close(other);
}

/* Two transactions of two threads made to share a batch on SQLite: the first holds the
 * write transaction while the second starts one (and so waits for the writer); the
 * first's commit, seeing it wait, leaves the batch open for it. */
typedef struct {
	const char *sql; /* the second's write */
	bool commit;     /* the second commits (else rolls back) */
	int step_rc, commit_rc;
	gz_err err;
} second_tx;

static void *second_main(void *arg)
{
	second_tx *t = arg;
	gz_err_clear(&t->err);
	gz_db *db = gz_db_open(url, &t->err);
	if (!db)
		return (void *)1;
	t->step_rc = t->commit_rc = 99;
	if (gz_db_begin(db, &t->err) == 0) {
		t->step_rc = gz_db_exec(db, t->sql, &t->err);
		if (t->commit)
			t->commit_rc = gz_db_commit(db, &t->err);
		else
			gz_db_rollback(db);
	}
	gz_db_close(db);
	return NULL;
}

/* The first writes first_sql and commits while the second (t) waits to begin; returns
 * the first's commit result. */
static int two_in_a_batch(gz_db *db, const char *first_sql, second_tx *t, gz_err *err)
{
	assert_int_equal(gz_db_begin(db, err), 0);
	exec_ok(db, first_sql);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, second_main, t), 0);
	usleep(100 * 1000); /* the second is waiting for the writer by now */
	int rc = gz_db_commit(db, err);
	pthread_join(th, NULL);
	return rc;
}

static void test_batch_member_rollback_or_conflict_keeps_the_other(void **state)
{
	NEED_DB();
	gz_db *db = *state;
	gz_err err;
	gz_err_clear(&err);
	char first[128], second[128], sql[128];
	/* The second rolls back: the first's row stays, the second's goes. */
	snprintf(first, sizeof first, "INSERT INTO %s (id, v) VALUES (701, 1)", tbl);
	snprintf(second, sizeof second, "INSERT INTO %s (id, v) VALUES (702, 2)", tbl);
	second_tx t = {.sql = second, .commit = false};
	assert_int_equal(two_in_a_batch(db, first, &t, &err), 0);
	assert_int_equal(t.step_rc, 0);
	/* The second fails on a unique violation (409) and rolls back: the first stays. */
	snprintf(first, sizeof first, "INSERT INTO %s (id, v) VALUES (703, 3)", tbl);
	snprintf(second, sizeof second, "INSERT INTO %s (id, v) VALUES (701, 4)", tbl);
	second_tx c = {.sql = second, .commit = false};
	assert_int_equal(two_in_a_batch(db, first, &c, &err), 0);
	assert_int_equal(c.step_rc, -1);
	assert_string_equal(c.err.code, "conflict");
	assert_int_equal(c.err.kind, GZ_ECONFLICT);
	/* Both commit. */
	snprintf(first, sizeof first, "INSERT INTO %s (id, v) VALUES (704, 5)", tbl);
	snprintf(second, sizeof second, "INSERT INTO %s (id, v) VALUES (705, 6)", tbl);
	second_tx b = {.sql = second, .commit = true};
	assert_int_equal(two_in_a_batch(db, first, &b, &err), 0);
	assert_int_equal(b.commit_rc, 0);
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s WHERE id BETWEEN 701 AND 799", tbl);
	assert_int_equal(one(db, sql), 4); /* 701, 703, 704, 705 */
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s WHERE id = 702 OR v = 4", tbl);
	assert_int_equal(one(db, sql), 0);
}

/* A batch whose COMMIT fails fails every member's commit: a deferred foreign key checked
 * at COMMIT. On PostgreSQL each transaction commits alone: only the first fails. */
static void test_batch_commit_failure_fails_every_member(void **state)
{
	NEED_DB();
	gz_db *db = *state;
	gz_err err;
	gz_err_clear(&err);
	char sql[256], first[160], second[160];
	snprintf(sql, sizeof sql,
	         "CREATE TABLE %s_child (id BIGINT PRIMARY KEY, p BIGINT REFERENCES %s (id) "
	         "DEFERRABLE INITIALLY DEFERRED)",
	         tbl, tbl);
	exec_ok(db, sql);
	snprintf(first, sizeof first, "INSERT INTO %s_child (id, p) VALUES (1, 999999)", tbl);
	snprintf(second, sizeof second, "INSERT INTO %s (id, v) VALUES (801, 1)", tbl);
	second_tx t = {.sql = second, .commit = true};
	int rc = two_in_a_batch(db, first, &t, &err);
	assert_int_equal(rc, -1);
	assert_int_equal(err.kind, GZ_ECONFLICT);
	assert_false(gz_db_in_transaction(db));
	assert_int_equal(t.step_rc, 0);
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s WHERE id = 801", tbl);
	if (on_pg()) {
		assert_int_equal(t.commit_rc, 0);
		assert_int_equal(one(db, sql), 1);
	} else {
		assert_int_equal(t.commit_rc, -1); /* never answered as written */
		assert_int_equal(one(db, sql), 0);
	}
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s_child", tbl);
	assert_int_equal(one(db, sql), 0);
	snprintf(sql, sizeof sql, "DROP TABLE %s_child", tbl);
	exec_ok(db, sql);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static const struct CMUnitTest tests[] = {
    T(test_cache_evicts_least_recently_used_and_answers_stay_right),
    T(test_cache_full_of_statements_in_use_still_answers),
    T(test_cache_shrinks_to_a_new_capacity),
    T(test_cache_eviction_inside_a_transaction_keeps_it),
    T(test_read_snapshot_holds_while_another_connection_writes),
    T(test_read_snapshot_refuses_writes),
    T(test_read_snapshot_nested_joins_the_open_transaction),
    T(test_count_add_moves_with_the_transaction),
    T(test_after_commit_runs_only_after_a_commit),
    T(test_concurrent_writers_all_commit),
    T(test_concurrent_writers_commit_once_and_roll_back_alone),
    T(test_write_transaction_reads_its_own_writes),
    T(test_batch_member_rollback_or_conflict_keeps_the_other),
    T(test_batch_commit_failure_fails_every_member),
};

int main(void)
{
	snprintf(tbl, sizeof tbl, "gz_drv_test_%ld", (long)getpid());

	snprintf(sqlite_path, sizeof sqlite_path, "/tmp/gz-test-drv.XXXXXX");
	int fd = mkstemp(sqlite_path);
	if (fd < 0)
		return 1;
	close(fd);
	snprintf(url, sizeof url, "sqlite:%s", sqlite_path);
	int failed = cmocka_run_group_tests_name("sqlite", tests, NULL, NULL);
	unlink(sqlite_path);
	char p[96];
	snprintf(p, sizeof p, "%s-wal", sqlite_path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", sqlite_path);
	unlink(p);

	/* PostgreSQL when a test database is named; otherwise every test says skipped. */
	const char *pg = getenv("GZ_TEST_PG_URL");
	snprintf(url, sizeof url, "%s", pg && *pg ? pg : "");
	if (!url[0])
		fprintf(stderr, "GZ_TEST_PG_URL not set: PostgreSQL tests skipped\n");
	failed += cmocka_run_group_tests_name("postgres", tests, NULL, NULL);
	return failed;
}
