/* Unit tests for modules/sharing/memo.c, the memo of per-grid partial results of GET
 * /sharing/equity (docs/METRICS.md "Cost of the case times and the groups"): a value is
 * found only under its whole key (kind, grid, period) and at its version; a put replaces
 * what its slot held while a reader keeps its reference; clear empties it; the versions'
 * lookup by code. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "modules/sharing/memo.h"

#include <stdio.h>
#include <string.h>

static void test_found_only_under_its_key_and_version(void **state)
{
	(void)state;
	sharing_memo_clear();
	const int64_t v[] = {3, 1, 4, 1, 5};
	const sharing_memo_val *p =
	    sharing_memo_put(SHARING_MEMO_TIMES, "110101001001001", 100, 200, 7, v, 5);
	assert_non_null(p);
	assert_int_equal(p->n, 5);
	assert_memory_equal(p->v, v, sizeof v);
	sharing_memo_release(p);
	const sharing_memo_val *g =
	    sharing_memo_get(SHARING_MEMO_TIMES, "110101001001001", 100, 200, 7);
	assert_non_null(g);
	assert_int_equal(g->n, 5);
	assert_int_equal(g->v[4], 5);
	sharing_memo_release(g);
	/* another version, grid, period or kind: not found */
	assert_null(sharing_memo_get(SHARING_MEMO_TIMES, "110101001001001", 100, 200, 8));
	assert_null(sharing_memo_get(SHARING_MEMO_TIMES, "110101001001002", 100, 200, 7));
	assert_null(sharing_memo_get(SHARING_MEMO_TIMES, "110101001001001", 101, 200, 7));
	assert_null(sharing_memo_get(SHARING_MEMO_TIMES, "110101001001001", 100, 199, 7));
	assert_null(sharing_memo_get(SHARING_MEMO_GROUPS, "110101001001001", 100, 200, 7));
	sharing_memo_clear();
	assert_null(sharing_memo_get(SHARING_MEMO_TIMES, "110101001001001", 100, 200, 7));
}

static void test_a_reader_keeps_a_replaced_value(void **state)
{
	(void)state;
	sharing_memo_clear();
	const int64_t a[] = {1, 2}, b[] = {9};
	sharing_memo_release(sharing_memo_put(SHARING_MEMO_GROUPS, "G", 1, 2, 1, a, 2));
	const sharing_memo_val *held = sharing_memo_get(SHARING_MEMO_GROUPS, "G", 1, 2, 1);
	assert_non_null(held);
	/* the grid changed: a new value at version 2 takes the slot */
	sharing_memo_release(sharing_memo_put(SHARING_MEMO_GROUPS, "G", 1, 2, 2, b, 1));
	sharing_memo_clear();
	/* still readable (ASan would catch a use after free) */
	assert_int_equal(held->n, 2);
	assert_int_equal(held->v[1], 2);
	sharing_memo_release(held);
	/* an empty value */
	const sharing_memo_val *e = sharing_memo_put(SHARING_MEMO_GROUPS, "G", 1, 2, 3, NULL, 0);
	assert_int_equal(e->n, 0);
	sharing_memo_release(e);
	sharing_memo_clear();
}

static void test_many_entries_stay_bounded_and_exact(void **state)
{
	(void)state;
	sharing_memo_clear();
	/* more keys than slots: whatever is found is the value of its own key */
	char code[32];
	for (int i = 0; i < 3 * SHARING_MEMO_SLOTS; i++) {
		int64_t v[2] = {i, -i};
		snprintf(code, sizeof code, "1101010010%05d", i);
		sharing_memo_release(sharing_memo_put(SHARING_MEMO_TIMES, code, 0, 1, i, v, 2));
	}
	int found = 0;
	for (int i = 0; i < 3 * SHARING_MEMO_SLOTS; i++) {
		snprintf(code, sizeof code, "1101010010%05d", i);
		const sharing_memo_val *g = sharing_memo_get(SHARING_MEMO_TIMES, code, 0, 1, i);
		if (!g)
			continue;
		found++;
		assert_int_equal(g->v[0], i);
		assert_int_equal(g->v[1], -i);
		sharing_memo_release(g);
	}
	assert_true(found > 0 && found <= SHARING_MEMO_SLOTS);
	sharing_memo_clear();
}

static void test_version_of(void **state)
{
	(void)state;
	sharing_version vs[3] = {
	    {"110101001001001", 4}, {"110101001001002", 1}, {"110101001002001", 9}};
	assert_int_equal(sharing_version_of(vs, 3, "110101001001001"), 4);
	assert_int_equal(sharing_version_of(vs, 3, "110101001001002"), 1);
	assert_int_equal(sharing_version_of(vs, 3, "110101001002001"), 9);
	assert_int_equal(sharing_version_of(vs, 3, "110101001001003"), 0); /* no row */
	assert_int_equal(sharing_version_of(vs, 0, "110101001001001"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_found_only_under_its_key_and_version),
	    cmocka_unit_test(test_a_reader_keeps_a_replaced_value),
	    cmocka_unit_test(test_many_entries_stay_bounded_and_exact),
	    cmocka_unit_test(test_version_of),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
