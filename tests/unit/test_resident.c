/* Unit tests for domain/resident.c: dates as people type them, age groups, tag cells,
 * names, the ?reveal= list and configured tag codes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "modules/people/resident.h"

#include <string.h>

/* 2026-11-29 12:00 Asia/Shanghai. */
static const int64_t NOW = INT64_C(1795924800000);

static person_date date_ok(const char *s)
{
	gz_err err;
	gz_err_clear(&err);
	person_date d = {0, 0, 0};
	if (resident_date_parse(s, strlen(s), NOW, &d, &err) != 0)
		fail_msg("'%s' rejected: %s", s, err.message);
	return d;
}

static void date_bad(const char *s, const char *why)
{
	gz_err err;
	gz_err_clear(&err);
	person_date d = {1, 2, 3};
	assert_int_equal(resident_date_parse(s, strlen(s), NOW, &d, &err), -1);
	assert_int_equal(d.year, 1); /* untouched */
	assert_int_equal(err.kind, GZ_EINVALID);
	assert_string_equal(err.code, "invalid_date");
	if (!strstr(err.message, why))
		fail_msg("'%s': expected '%s', got '%s'", s, why, err.message);
}

static void test_date_accepts_register_spellings(void **state)
{
	(void)state;
	const char *forms[] = {"1980-01-31", "1980/1/31",     "1980.01.31",
	                       "19800131",   "1980年1月31日", "  1980-1-31  "};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		person_date d = date_ok(forms[i]);
		assert_int_equal(d.year, 1980);
		assert_int_equal(d.month, 1);
		assert_int_equal(d.day, 31);
	}
}

static void test_date_rejects_impossible_future_and_old(void **state)
{
	(void)state;
	date_bad("", "不能为空");
	date_bad("1980-02-30", "日期无效");
	date_bad("1900-02-29", "日期无效"); /* not a leap year */
	date_ok("2000-02-29");
	date_bad("1899-12-31", "早于 1900 年");
	date_bad("2026-11-30", "晚于今天");
	date_ok("2026-11-29");
	date_bad("1980-01", "格式");
	date_bad("1980-01/31", "格式"); /* mixed separators */
	date_bad("80-01-31", "格式");
	date_bad("1980-01-31x", "格式");
	date_bad("1980年1月31", "格式");
	date_bad("１９８０-01-31", "格式"); /* full-width digits */
}

static void test_date_format_round_trips(void **state)
{
	(void)state;
	char buf[RESIDENT_DATE_SIZE];
	assert_string_equal(resident_date_format((person_date){1949, 10, 1}, buf), "1949-10-01");
	assert_string_equal(resident_date_format((person_date){2000, 2, 29}, buf), "2000-02-29");
}

static void test_age_group_boundaries(void **state)
{
	(void)state;
	assert_string_equal(resident_age_group(-1), "");
	assert_string_equal(resident_age_group(0), "0-17");
	assert_string_equal(resident_age_group(17), "0-17");
	assert_string_equal(resident_age_group(18), "18-29");
	assert_string_equal(resident_age_group(29), "18-29");
	assert_string_equal(resident_age_group(30), "30-39");
	assert_string_equal(resident_age_group(59), "50-59");
	assert_string_equal(resident_age_group(60), "60-69");
	assert_string_equal(resident_age_group(79), "70-79");
	assert_string_equal(resident_age_group(80), "80+");
	assert_string_equal(resident_age_group(120), "80+");
}

static void test_tags_split_on_chinese_and_ascii_separators(void **state)
{
	(void)state;
	resident_span sp[RESIDENT_TAGS_MAX];
	const char *s = "独居老人、低保,残疾，失业；高龄 优抚对象;;、";
	int n = resident_tags_split(s, strlen(s), sp, RESIDENT_TAGS_MAX, NULL);
	assert_int_equal(n, 6);
	const char *want[] = {"独居老人", "低保", "残疾", "失业", "高龄", "优抚对象"};
	for (int i = 0; i < n; i++) {
		assert_int_equal(sp[i].len, strlen(want[i]));
		assert_memory_equal(sp[i].ptr, want[i], sp[i].len);
	}
	assert_int_equal(resident_tags_split("", 0, sp, RESIDENT_TAGS_MAX, NULL), 0);
	assert_int_equal(resident_tags_split("\xe3\x80\x80", 3, sp, RESIDENT_TAGS_MAX, NULL), 0);
}

static void test_tags_split_refuses_too_many(void **state)
{
	(void)state;
	resident_span sp[2];
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(resident_tags_split("a,b,c", 5, sp, 2, &err), -1);
	assert_string_equal(err.code, "too_many_tags");
}

static void test_name_check_trims_and_limits(void **state)
{
	(void)state;
	size_t a, l;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(resident_name_check("  王小明 ", 11, &a, &l, &err), 0);
	assert_int_equal(a, 2);
	assert_int_equal(l, strlen("王小明"));
	assert_int_equal(resident_name_check("   ", 3, &a, &l, &err), -1);
	assert_string_equal(err.message, "不能为空");
	assert_int_equal(resident_name_check("王\t明", 7, &a, &l, &err), -1);
	assert_string_equal(err.message, "含有无效字符");
	assert_int_equal(resident_name_check("\xd5\xc5\xc8\xfd", 4, &a, &l, &err),
	                 -1); /* GBK 张三 */
	char long_name[4 * 65 + 1] = "";
	for (int i = 0; i < 65; i++)
		strcat(long_name, "名");
	assert_int_equal(resident_name_check(long_name, strlen(long_name), &a, &l, &err), -1);
	assert_string_equal(err.message, "不能超过 64 个字");
	long_name[strlen(long_name) - 3] = '\0';
	assert_int_equal(resident_name_check(long_name, strlen(long_name), &a, &l, &err), 0);
	/* Middle dot of minority names is fine. */
	assert_int_equal(
	    resident_name_check("阿依古丽·买买提", strlen("阿依古丽·买买提"), &a, &l, &err), 0);
}

static void test_reveal_list_parses_known_fields_only(void **state)
{
	(void)state;
	unsigned m = 99;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(resident_reveal_parse("phone,id_number", &m, &err), 0);
	assert_int_equal(m, RESIDENT_REVEAL_PHONE | RESIDENT_REVEAL_ID);
	assert_int_equal(resident_reveal_parse("tags,,birth_date,phone,phone", &m, &err), 0);
	assert_int_equal(m, RESIDENT_REVEAL_TAGS | RESIDENT_REVEAL_BIRTH | RESIDENT_REVEAL_PHONE);
	assert_int_equal(resident_reveal_parse("", &m, &err), 0);
	assert_int_equal(m, 0);
	m = 7;
	assert_int_equal(resident_reveal_parse("phone,name", &m, &err), -1);
	assert_int_equal(m, 7);
	assert_string_equal(err.code, "bad_reveal");
	char buf[64];
	assert_string_equal(resident_reveal_names(RESIDENT_REVEAL_ALL, buf, sizeof buf),
	                    "phone,id_number,birth_date,tags");
	assert_string_equal(resident_reveal_names(RESIDENT_REVEAL_BIRTH, buf, sizeof buf),
	                    "birth_date");
}

static void test_tag_codes(void **state)
{
	(void)state;
	assert_true(resident_tag_code_valid("hiv_positive"));
	assert_true(resident_tag_code_valid("a1"));
	assert_false(resident_tag_code_valid(""));
	assert_false(resident_tag_code_valid("1abc"));
	assert_false(resident_tag_code_valid("Abc"));
	assert_false(resident_tag_code_valid("a-b"));
	assert_false(resident_tag_code_valid("a23456789012345678901234567890123")); /* 33 */
	assert_false(resident_tag_code_valid(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_date_accepts_register_spellings),
	    cmocka_unit_test(test_date_rejects_impossible_future_and_old),
	    cmocka_unit_test(test_date_format_round_trips),
	    cmocka_unit_test(test_age_group_boundaries),
	    cmocka_unit_test(test_tags_split_on_chinese_and_ascii_separators),
	    cmocka_unit_test(test_tags_split_refuses_too_many),
	    cmocka_unit_test(test_name_check_trims_and_limits),
	    cmocka_unit_test(test_reveal_list_parses_known_fields_only),
	    cmocka_unit_test(test_tag_codes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
