/* Unit tests for domain/decimal.c: exact two-decimal parsing of areas and money. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/decimal.h"

#include <string.h>

static int64_t parse_ok(const char *s)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t v = -1;
	int rc = decimal_parse_cstr(s, DECIMAL_MAX_AREA, &v, &err);
	if (rc != 0)
		fail_msg("'%s' rejected: %s", s, err.message);
	return v;
}

static void expect_reject(const char *s, int64_t max, const char *why)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t v = 12345;
	assert_int_equal(decimal_parse_cstr(s, max, &v, &err), -1);
	assert_int_equal(v, 12345); /* untouched */
	assert_int_equal(err.kind, GZ_EINVALID);
	assert_string_equal(err.code, "invalid_decimal");
	if (!strstr(err.message, why))
		fail_msg("'%s': expected '%s', got '%s'", s, why, err.message);
}

static void test_decimal_accepts_integer_one_and_two_decimals(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("89"), 8900);
	assert_int_equal(parse_ok("89.3"), 8930);
	assert_int_equal(parse_ok("89.37"), 8937);
	assert_int_equal(parse_ok("0.05"), 5);
	assert_int_equal(parse_ok("0"), 0);
	assert_int_equal(parse_ok("0.00"), 0);
	assert_int_equal(parse_ok("007.50"), 750);
}

static void test_decimal_rejects_three_decimals(void **state)
{
	(void)state;
	expect_reject("12.345", DECIMAL_MAX_AREA, "最多两位小数");
	expect_reject("0.001", DECIMAL_MAX_AREA, "最多两位小数");
}

static void test_decimal_accepts_extra_zero_decimals(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("89.370"), 8937);
	assert_int_equal(parse_ok("1.0000"), 100);
}

static void test_decimal_rejects_negative(void **state)
{
	(void)state;
	expect_reject("-5", DECIMAL_MAX_AREA, "不能为负数");
	expect_reject("-0.01", DECIMAL_MAX_AREA, "不能为负数");
	expect_reject(" -12.345", DECIMAL_MAX_AREA, "不能为负数");
}

static void test_decimal_rejects_empty_and_spaces_only(void **state)
{
	(void)state;
	expect_reject("", DECIMAL_MAX_AREA, "不能为空");
	expect_reject("   ", DECIMAL_MAX_AREA, "不能为空");
	gz_err err;
	int64_t v;
	assert_int_equal(decimal_parse(NULL, 0, 100, &v, &err), -1);
}

static void test_decimal_rejects_exponent_plus_and_separators(void **state)
{
	(void)state;
	expect_reject("1e3", DECIMAL_MAX_AREA, "科学计数法");
	expect_reject("1E3", DECIMAL_MAX_AREA, "科学计数法");
	expect_reject("+5", DECIMAL_MAX_AREA, "格式不正确");
	expect_reject("1,234.50", DECIMAL_MAX_AREA, "千位分隔符");
	expect_reject("1.2.3", DECIMAL_MAX_AREA, "格式不正确");
	expect_reject(".5", DECIMAL_MAX_AREA, "格式不正确");
	expect_reject("5.", DECIMAL_MAX_AREA, "格式不正确");
	expect_reject(".", DECIMAL_MAX_AREA, "格式不正确");
	expect_reject("12a", DECIMAL_MAX_AREA, "非法字符");
	expect_reject("0x10", DECIMAL_MAX_AREA, "非法字符");
}

static void test_decimal_trims_ascii_spaces_only(void **state)
{
	(void)state;
	assert_int_equal(parse_ok(" 5"), 500);
	assert_int_equal(parse_ok("5 "), 500);
	assert_int_equal(parse_ok("  89.37  "), 8937);
	expect_reject("\t5", DECIMAL_MAX_AREA, "非法字符");
	expect_reject("5\n", DECIMAL_MAX_AREA, "非法字符");
	expect_reject("8 9", DECIMAL_MAX_AREA, "非法字符");
	expect_reject("\xe3\x80\x80"
	              "5",
	              DECIMAL_MAX_AREA, "非法字符");                 /* ideographic space */
	expect_reject("\xef\xbc\x95", DECIMAL_MAX_AREA, "非法字符"); /* full-width 5 */
}

static void test_decimal_rejects_values_over_max(void **state)
{
	(void)state;
	gz_err err;
	int64_t v;
	assert_int_equal(decimal_parse_cstr("100.00", 10000, &v, &err), 0);
	assert_int_equal(v, 10000);
	expect_reject("100.01", 10000, "超出上限 100.00");
	expect_reject("99999999999999999999999", INT64_MAX, "超出上限");
	expect_reject("92233720368547758.08", INT64_MAX, "超出上限");
	assert_int_equal(decimal_parse_cstr("92233720368547758.07", INT64_MAX, &v, &err), 0);
	assert_true(v == INT64_MAX);
}

static void test_decimal_parse_uses_length_not_nul(void **state)
{
	(void)state;
	int64_t v;
	gz_err err;
	assert_int_equal(decimal_parse("89.37xyz", 5, DECIMAL_MAX_AREA, &v, &err), 0);
	assert_int_equal(v, 8937);
}

static void test_decimal_format_two_decimals(void **state)
{
	(void)state;
	char b[DECIMAL_FMT_MAX];
	assert_string_equal(decimal_format(8937, b), "89.37");
	assert_string_equal(decimal_format(0, b), "0.00");
	assert_string_equal(decimal_format(5, b), "0.05");
	assert_string_equal(decimal_format(50, b), "0.50");
	assert_string_equal(decimal_format(100, b), "1.00");
	assert_string_equal(decimal_format(-150, b), "-1.50");
	assert_string_equal(decimal_format(INT64_MAX, b), "92233720368547758.07");
	assert_string_equal(decimal_format(INT64_MIN, b), "-92233720368547758.08");
}

static void test_decimal_round_trips(void **state)
{
	(void)state;
	char b[DECIMAL_FMT_MAX];
	for (int64_t v = 0; v < 20000; v += 7) {
		int64_t back;
		gz_err err;
		assert_int_equal(
		    decimal_parse_cstr(decimal_format(v, b), DECIMAL_MAX_AREA, &back, &err), 0);
		assert_true(back == v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decimal_accepts_integer_one_and_two_decimals),
	    cmocka_unit_test(test_decimal_rejects_three_decimals),
	    cmocka_unit_test(test_decimal_accepts_extra_zero_decimals),
	    cmocka_unit_test(test_decimal_rejects_negative),
	    cmocka_unit_test(test_decimal_rejects_empty_and_spaces_only),
	    cmocka_unit_test(test_decimal_rejects_exponent_plus_and_separators),
	    cmocka_unit_test(test_decimal_trims_ascii_spaces_only),
	    cmocka_unit_test(test_decimal_rejects_values_over_max),
	    cmocka_unit_test(test_decimal_parse_uses_length_not_nul),
	    cmocka_unit_test(test_decimal_format_two_decimals),
	    cmocka_unit_test(test_decimal_round_trips),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
