/* Unit tests for the pure parts of the import (src/modules/people/import_*.c): header
 * matching, problem lists, key sorting, batch ordering, the built statements, and one
 * whole import into an in-memory SQLite database. The pieces holding the static functions
 * tested are included (their other symbols then come from here, so the linker takes none
 * of those objects from gzcore); the rest of the import is linked from gzcore. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../src/modules/people/import_parse.c"
#include "../../src/modules/people/import_rows.c"
#include "../../src/modules/people/import_consumer.c"
#include "../../src/modules/people/import_units.c"
#include "db/migrations.h"

static void test_header_key_strips_marks_and_units(void **state)
{
	(void)state;
	char k[64];
	const char *cases[][2] = {
	    {"专有部分面积(㎡)", "专有部分面积"},
	    {"面积（平方米）", "面积"},
	    {" *姓名 ", "姓名"},
	    {"身份证号*", "身份证号"},
	    {"手机号 (选填)", "手机号"},
	    {"()", ""},
	    {"网格编码", "网格编码"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		header_key(cases[i][0], strlen(cases[i][0]), k, sizeof k);
		assert_string_equal(k, cases[i][1]);
	}
	assert_int_equal(coldef_find(people_resident_cols, RC__COUNT, "公民身份号码"), RC_ID);
	assert_int_equal(coldef_find(people_resident_cols, RC__COUNT, "联系电话"), RC_PHONE);
	assert_int_equal(coldef_find(people_resident_cols, RC__COUNT, "备注"), -1);
	assert_int_equal(coldef_find(people_unit_cols, UC__COUNT, "建筑面积"), UC_AREA);
}

static void test_parse_sold(void **state)
{
	(void)state;
	bool v = false;
	assert_true(parse_sold("是", strlen("是"), &v) && v);
	assert_true(parse_sold("未售", strlen("未售"), &v) && !v);
	assert_true(parse_sold("0", 1, &v) && !v);
	assert_false(parse_sold("maybe", 5, &v));
}

static void test_utf8_whole_cuts_at_code_points(void **state)
{
	(void)state;
	const char *s = "张三丰";
	assert_int_equal(utf8_whole(s, 9), 9);
	assert_int_equal(utf8_whole(s, 8), 6);
	assert_int_equal(utf8_whole(s, 7), 6);
	assert_int_equal(utf8_whole(s, 4), 3);
	assert_int_equal(utf8_whole("abc", 3), 3);
}

static void test_problems_sorted_by_row_then_source(void **state)
{
	(void)state;
	problems a = {.keep = 10}, b = {.keep = 10};
	people_problem_add(&a, 7, "身份证号", "%s", "校验位错误");
	people_problem_add(&a, 3, NULL, "%s", "列数不一致");
	people_problem_add(&b, 3, "房号", "%s", "房屋不存在");
	people_problem_add(&b, 2, "楼栋", "%s", "楼栋不存在");
	for (int i = 0; i < 20; i++)
		people_problem_add(&b, 100, "x", "%d", i); /* beyond keep: counted, not kept */
	problems lists[2] = {a, b};
	size_t total;
	json_t *arr = people_problems_json(lists, 2, 3, &total);
	assert_int_equal(total, 24);
	assert_int_equal(json_array_size(arr), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(arr, 0), "row")), 2);
	/* Row 3: the producer's (a) before the consumer's (b). */
	assert_true(json_is_null(json_object_get(json_array_get(arr, 1), "column")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 2), "column")),
	                    "房号");
	json_decref(arr);
	people_problems_free(&a);
	people_problems_free(&b);
}

static void test_hkeys_sort_orders_by_hash_then_row(void **state)
{
	(void)state;
	hkeys k = {0};
	uint8_t h[GZ_CRYPTO_LOOKUP_BYTES];
	uint64_t x = 0x9e3779b97f4a7c15u;
	for (uint32_t i = 0; i < 20000; i++) {
		for (size_t j = 0; j < sizeof h; j += 8) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			memcpy(h + j, &x, 8);
		}
		people_hkeys_add(&k, h, i + 1, 20000 - i);
	}
	/* Two duplicates of the first key, from later and earlier rows. */
	people_hkeys_add(&k, k.v[0].h, 0, 30000);
	people_hkeys_add(&k, k.v[0].h, 0, 1);
	people_hkeys_sort(&k);
	assert_int_equal(k.n, 20002);
	for (size_t i = 1; i < k.n; i++)
		assert_true(hkey_cmp(&k.v[i - 1], &k.v[i]) <= 0);
	size_t dup = 0;
	for (size_t i = 1; i < k.n; i++)
		if (!memcmp(k.v[i].h, k.v[i - 1].h, sizeof h)) {
			dup++;
			assert_true(k.v[i].row > k.v[i - 1].row);
		}
	assert_int_equal(dup, 2);
	people_hkeys_free(&k);
}

static void test_batch_ready_groups_by_grid_and_hands_out_ids(void **state)
{
	(void)state;
	res_imp *m = gz_calloc(1, sizeof *m);
	people_gridset_put(&m->grids, "110101001001001");
	people_gridset_put(&m->grids, "110101001001002");
	m->next_id = 100;
	batch *b = gz_calloc(1, sizeof *b);
	int grids[] = {1, 0, -1, 1, 0, 1};
	for (size_t i = 0; i < 6; i++) {
		b->rows[i].grid = grids[i];
		b->rows[i].row = (uint32_t)(i + 2);
		b->rows[i].has_id = 1;
		memset(b->rows[i].id_hash, (int)i, sizeof b->rows[i].id_hash);
	}
	b->n = 6;
	batch_ready(m, b);
	int want_grid[] = {-1, 0, 0, 1, 1, 1};
	uint32_t want_row[] = {4, 3, 6, 2, 5, 7}; /* stable within a grid */
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(b->rows[i].grid, want_grid[i]);
		assert_int_equal(b->rows[i].row, want_row[i]);
		assert_int_equal(m->ids.v[i].row, want_row[i]);
		assert_int_equal(m->ids.v[i].resident, 100 + (int64_t)i);
	}
	assert_int_equal(m->next_id, 106);
	people_hkeys_free(&m->ids);
	people_gridset_free(&m->grids);
	free(m->sort_buf);
	free(b);
	free(m);
}

/* Counts $N placeholders and returns the largest N. */
static int max_param(const char *sql)
{
	int max = 0;
	for (const char *p = strchr(sql, '$'); p; p = strchr(p + 1, '$'))
		if (atoi(p + 1) > max)
			max = atoi(p + 1);
	return max;
}

static void test_built_statements_fit_the_drivers(void **state)
{
	(void)state;
	pthread_once(&people_sql_once, people_sql_build);
	assert_int_equal(max_param(sql_res_multi), RES_MULTI * RES_PARAMS);
	assert_int_equal(max_param(sql_res_plain), 1 + PLAIN_MULTI * PLAIN_PARAMS);
	assert_int_equal(max_param(sql_idkey_multi), 2 * KEY_MULTI);
	assert_int_equal(max_param(sql_idkey_in), KEY_MULTI);
	assert_true(max_param(sql_res_plain) <= GZ_DB_MAX_PARAMS &&
	            max_param(sql_res_multi) <= GZ_DB_MAX_PARAMS &&
	            max_param(sql_idkey_multi) <= GZ_DB_MAX_PARAMS);
	assert_non_null(strstr(sql_idkey_multi, "ON CONFLICT DO NOTHING"));
	/* Every row of the plain statement has 14 values for the 14 columns. */
	size_t rows = 0;
	for (const char *p = strstr(sql_res_plain, "VALUES"); (p = strchr(p, '(')); p++)
		rows++;
	assert_int_equal(rows, PLAIN_MULTI);
}

/* A whole import on an in-memory SQLite database: good rows in, then the same file again
 * refused with every row a duplicate, nothing written. */
static void test_import_in_memory_all_or_nothing(void **state)
{
	(void)state;
	uint8_t master[GZ_CRYPTO_KEY_BYTES] = {7};
	gz_crypto_set_global(gz_crypto_from_master(master));
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_db_open("sqlite::memory:", &err);
	assert_non_null(db);
	/* The tables of the modules this code builds on (no module code is linked). */
	gz_db_add_migrations("space");
	gz_db_add_migrations("accounts");
	gz_db_add_migrations("people");
	assert_true(gz_db_migrate(db, &err) >= 0);
	assert_int_equal(
	    gz_db_exec(db,
	               "INSERT INTO streets VALUES ('110101001', 's', 0, 0);"
	               "INSERT INTO communities VALUES ('110101001001', '110101001', 'c', 0, 0);"
	               "INSERT INTO grids VALUES ('110101001001001', '110101001001', 'g', '{}', 1, "
	               "0, 0, 0, 0, 0, 0);",
	               &err),
	    0);
	const char *csv = "姓名,身份证号,网格编码,手机号,标签\n"
	                  "甲,11010519491231002X,110101001001001,13812341234,低保\n"
	                  "乙,110101198001010010,110101001001001,,独居老人\n";
	json_t *rep = NULL;
	/* No actor is a bug, never "the command line": refused, nothing written. */
	assert_int_equal(
	    gz_people_import(db, NULL, GZ_PEOPLE_RESIDENTS, csv, strlen(csv), false, &rep, &err),
	    -1);
	assert_string_equal(err.code, "no_actor");
	assert_null(rep);
	gz_err_clear(&err);
	gz_actor op;
	gz_actor_operator(&op);
	assert_int_equal(
	    gz_people_import(db, &op, GZ_PEOPLE_RESIDENTS, csv, strlen(csv), false, &rep, &err), 0);
	bool ok = json_is_true(json_object_get(rep, "ok"));
	int64_t created = json_integer_value(json_object_get(rep, "created"));
	if (!ok) {
		char *t = gz_json_dump(rep, NULL);
		print_message("%s\n", t);
		free(t);
	}
	json_decref(rep);
	assert_true(ok);
	assert_int_equal(created, 2);
	int64_t n = 0;
	gz_db_query_int64(db, "SELECT COUNT(*) FROM resident_id_keys", &n, &err, 0);
	assert_int_equal(n, 2);
	gz_db_query_int64(db, "SELECT COUNT(*) FROM resident_phone_keys", &n, &err, 0);
	assert_int_equal(n, 1);
	gz_db_query_int64(db, "SELECT n FROM record_counts WHERE name = 'residents'", &n, &err, 0);
	assert_int_equal(n, 2);

	assert_int_equal(
	    gz_people_import(db, &op, GZ_PEOPLE_RESIDENTS, csv, strlen(csv), false, &rep, &err), 0);
	assert_false(json_is_true(json_object_get(rep, "ok")));
	assert_int_equal(json_integer_value(json_object_get(rep, "error_count")), 2);
	json_t *e = json_array_get(json_object_get(rep, "errors"), 0);
	assert_int_equal(json_integer_value(json_object_get(e, "row")), 2);
	assert_string_equal(json_string_value(json_object_get(e, "column")), "身份证号");
	json_decref(rep);
	gz_db_query_int64(db, "SELECT COUNT(*) FROM residents", &n, &err, 0);
	assert_int_equal(n, 2);
	gz_db_query_int64(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'resident.import'", &n,
	                  &err, 0);
	assert_int_equal(n, 1);
	/* Audited as the operator: user "cli", no user id, request id "cli-PID", no address. */
	char rid[32];
	snprintf(rid, sizeof rid, "cli-%ld", (long)getpid());
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "SELECT username, user_id IS NULL, request_id, ip FROM audit_log "
	                  "WHERE action = 'resident.import'",
	                  &err);
	assert_non_null(st);
	assert_int_equal(gz_stmt_step(st, &err), GZ_ROW);
	assert_string_equal(gz_stmt_text(st, 0), "cli");
	assert_int_equal(gz_stmt_int64(st, 1), 1);
	assert_string_equal(gz_stmt_text(st, 2), rid);
	assert_string_equal(gz_stmt_text(st, 3), "");
	gz_stmt_finish(st);
	gz_db_close(db);
	gz_crypto_set_global(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header_key_strips_marks_and_units),
	    cmocka_unit_test(test_parse_sold),
	    cmocka_unit_test(test_utf8_whole_cuts_at_code_points),
	    cmocka_unit_test(test_problems_sorted_by_row_then_source),
	    cmocka_unit_test(test_hkeys_sort_orders_by_hash_then_row),
	    cmocka_unit_test(test_batch_ready_groups_by_grid_and_hands_out_ids),
	    cmocka_unit_test(test_built_statements_fit_the_drivers),
	    cmocka_unit_test(test_import_in_memory_all_or_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
