/* Unit tests for the module list (src/modules/modules.c): what the modules declare
 * agrees with what they do — the record counts they name are exactly the rows their
 * migrations create, no route or command is declared twice, and every module's
 * migrations apply on a fresh database in list order. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "db/db.h"
#include "db/migrations.h"
#include "http/router.h"
#include "modules/module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void test_module_names_are_unique_folders(void **state)
{
	(void)state;
	const gz_module *const *list = gz_modules_list();
	int n = 0;
	for (const gz_module *const *m = list; *m; m++, n++) {
		assert_non_null((*m)->name);
		for (const gz_module *const *o = list; o < m; o++)
			assert_string_not_equal((*o)->name, (*m)->name);
	}
	assert_true(n >= 7);
}

static void test_declared_counts_are_exactly_the_migrated_rows(void **state)
{
	(void)state;
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_db_open("sqlite::memory:", &err);
	assert_non_null(db);
	if (gz_db_migrate(db, &err) < 0)
		fail_msg("migrate: %s", err.message);
	const char *declared[64];
	int nd = 0;
	for (const gz_module *const *m = gz_modules_list(); *m; m++)
		for (const char *const *c = (*m)->counts; c && *c; c++) {
			assert_true(nd < 64);
			declared[nd++] = *c;
		}
	qsort(declared, (size_t)nd, sizeof declared[0], cmp_str);
	gz_stmt *st = gz_db_prepare(db, "SELECT name FROM record_counts ORDER BY name", &err);
	assert_non_null(st);
	int i = 0;
	while (gz_stmt_step(st, &err) == GZ_ROW) {
		const char *name = gz_stmt_text(st, 0);
		if (i >= nd || strcmp(declared[i], name) != 0)
			fail_msg("record_counts row '%s' is not declared by a module (or a "
			         "declared count has no row)",
			         name);
		i++;
	}
	gz_stmt_finish(st);
	assert_int_equal(i, nd);
	gz_db_close(db);
}

static void test_no_route_or_command_declared_twice(void **state)
{
	(void)state;
	int n = gz_router_count();
	assert_true(n > 40);
	for (int a = 0; a < n; a++)
		for (int b = 0; b < a; b++) {
			const gz_route *x = gz_router_get(a), *y = gz_router_get(b);
			if (!strcmp(x->method, y->method) && !strcmp(x->pattern, y->pattern))
				fail_msg("route %s %s declared twice", x->method, x->pattern);
		}
	for (const gz_module *const *m = gz_modules_list(); *m; m++)
		for (const gz_module_command *c = (*m)->commands; c && c->name; c++) {
			assert_non_null(c->run);
			assert_non_null(c->usage);
			char first[64], sub[64] = "";
			sscanf(c->name, "%63s %63s", first, sub);
			assert_ptr_equal(gz_modules_command(first, sub[0] ? sub : NULL), c);
		}
}

int main(void)
{
	gz_modules_init();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_module_names_are_unique_folders),
	    cmocka_unit_test(test_declared_counts_are_exactly_the_migrated_rows),
	    cmocka_unit_test(test_no_route_or_command_declared_twice),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
