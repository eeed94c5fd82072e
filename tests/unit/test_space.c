/* Unit tests for domain/space.c: unit-grid codes (SPEC §3a) — lengths, digits, the
 * GB/T 2260 province and county checks, prefixes, parents and list-cursor keys. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "domain/space_code.h"

#include <string.h>

static void test_space_grid_code_of_15_digits_is_valid(void **state)
{
	(void)state;
	const char *why = "unset";
	assert_int_equal(space_code_check("110101001001001", SPACE_GRID, &why), 0);
	assert_null(why);
	assert_int_equal(space_code_check("820001123456789", SPACE_GRID, NULL), 0);
	assert_int_equal(space_code_level("110101001001001"), SPACE_GRID);
	assert_int_equal(space_code_level("110101001001"), SPACE_COMMUNITY);
	assert_int_equal(space_code_level("110101001"), SPACE_STREET);
}

static void test_space_code_of_wrong_length_is_refused(void **state)
{
	(void)state;
	const char *why = NULL;
	assert_int_equal(space_code_check("11010100100100", SPACE_GRID, &why), -1);
	assert_non_null(why);
	assert_non_null(strstr(why, "15"));
	assert_int_equal(space_code_check("1101010010010011", SPACE_GRID, &why), -1);
	assert_int_equal(space_code_check("110101001001001", SPACE_COMMUNITY, &why), -1);
	assert_non_null(strstr(why, "12"));
	assert_int_equal(space_code_check("", SPACE_STREET, &why), -1);
	assert_int_equal(space_code_check(NULL, SPACE_STREET, &why), -1);
	assert_int_equal(space_code_level("1101010"), -1);
	assert_int_equal(space_code_level(NULL), -1);
}

static void test_space_code_with_non_digits_is_refused(void **state)
{
	(void)state;
	const char *why = NULL;
	assert_int_equal(space_code_check("11010100100100a", SPACE_GRID, &why), -1);
	assert_string_equal(why, "编码只能包含数字");
	assert_int_equal(space_code_check("110101 01001001", SPACE_GRID, &why), -1);
	assert_int_equal(space_code_check("-10101001001001", SPACE_GRID, &why), -1);
	assert_int_equal(space_code_check("１10101001001001", SPACE_GRID, &why), -1);
}

static void test_space_province_codes_follow_gbt_2260(void **state)
{
	(void)state;
	int ok[] = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42,
	            43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82};
	int n = 0;
	for (int p = 0; p < 100; p++)
		n += space_province_valid(p);
	assert_int_equal(n, (int)(sizeof ok / sizeof ok[0]));
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		assert_true(space_province_valid(ok[i]));
	const char *why = NULL;
	assert_int_equal(space_code_check("990101001001001", SPACE_GRID, &why), -1);
	assert_non_null(strstr(why, "省级"));
	assert_int_equal(space_code_check("100101001", SPACE_STREET, &why), -1);
}

static void test_space_county_and_segments_may_not_be_zero(void **state)
{
	(void)state;
	const char *why = NULL;
	assert_int_equal(space_code_check("110100001001001", SPACE_GRID, &why), -1);
	assert_non_null(strstr(why, "县级"));
	assert_int_equal(space_code_check("110101000001001", SPACE_GRID, &why), -1);
	assert_non_null(strstr(why, "街道"));
	assert_int_equal(space_code_check("110101001000001", SPACE_GRID, &why), -1);
	assert_non_null(strstr(why, "社区"));
	assert_int_equal(space_code_check("110101001001000", SPACE_GRID, &why), -1);
	assert_non_null(strstr(why, "网格"));
	/* A community code does not have a grid part to check. */
	assert_int_equal(space_code_check("110101001001", SPACE_COMMUNITY, &why), 0);
}

static void test_space_prefix_and_parent(void **state)
{
	(void)state;
	char out[SPACE_CODE_SIZE];
	assert_int_equal(space_code_parent("110101001002003", out), 0);
	assert_string_equal(out, "110101001002");
	assert_int_equal(space_code_parent("110101001002", out), 0);
	assert_string_equal(out, "110101001");
	assert_int_equal(space_code_parent("110101001", out), -1);
	assert_int_equal(space_code_parent("11010100100200x", out), -1);
	assert_int_equal(space_code_prefix("110101001002003", SPACE_STREET, out), 0);
	assert_string_equal(out, "110101001");
	assert_int_equal(space_code_prefix("110101001", SPACE_STREET, out), -1);
}

static void test_space_code_key_round_trips_and_orders_like_text(void **state)
{
	(void)state;
	char out[SPACE_CODE_SIZE];
	int64_t a = space_code_key("110101001001001"), b = space_code_key("110101001001002");
	assert_true(a > 0 && a < b);
	assert_int_equal(space_code_from_key(a, SPACE_GRID, out), 0);
	assert_string_equal(out, "110101001001001");
	assert_int_equal(space_code_from_key(space_code_key("110101001"), SPACE_STREET, out), 0);
	assert_string_equal(out, "110101001");
	/* A key of another length is not a code of that level. */
	assert_int_equal(space_code_from_key(a, SPACE_STREET, out), -1);
	assert_int_equal(space_code_from_key(0, SPACE_GRID, out), -1);
	assert_int_equal(space_code_key("12x"), 0);
	assert_int_equal(space_code_key(""), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_space_grid_code_of_15_digits_is_valid),
	    cmocka_unit_test(test_space_code_of_wrong_length_is_refused),
	    cmocka_unit_test(test_space_code_with_non_digits_is_refused),
	    cmocka_unit_test(test_space_province_codes_follow_gbt_2260),
	    cmocka_unit_test(test_space_county_and_segments_may_not_be_zero),
	    cmocka_unit_test(test_space_prefix_and_parent),
	    cmocka_unit_test(test_space_code_key_round_trips_and_orders_like_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
