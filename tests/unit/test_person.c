/* Unit tests for domain/person.c: ID numbers (GB 11643), phones, masking, age, tags
 * and relations. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "modules/people/person.h"

#include <stdio.h>
#include <string.h>

/* 2026-01-15T00:00:00Z */
#define NOW_MS INT64_C(1768435200000)

/* ISO 7064 MOD 11-2 in its recursive form — an implementation independent of the
 * weighted-sum one under test. */
static char iso7064_mod11_2(const char *first17)
{
	int p = 0;
	for (int i = 0; i < 17; i++)
		p = ((p + (first17[i] - '0')) * 2) % 11;
	int v = (12 - p) % 11;
	return v == 10 ? 'X' : (char)('0' + v);
}

/* Build an ID: region (6) + yyyymmdd + sequence (3) + the correct check character. */
static void make_id(char out[19], const char *region, const char *birth, const char *seq)
{
	snprintf(out, 19, "%s%s%s", region, birth, seq);
	out[17] = iso7064_mod11_2(out);
	out[18] = '\0';
}

static void expect_id_error(const char *id, const char *code, const char *why)
{
	gz_err err;
	gz_err_clear(&err);
	person_id_info info;
	assert_int_equal(person_id_check(id, NOW_MS, &info, &err), -1);
	assert_int_equal(err.kind, GZ_EINVALID);
	assert_string_equal(err.code, code);
	if (!strstr(err.message, why))
		fail_msg("'%s': expected '%s', got '%s'", id, why, err.message);
}

static void test_person_id_accepts_well_known_sample(void **state)
{
	(void)state;
	person_id_info info;
	gz_err err;
	assert_int_equal(person_id_check("11010519491231002X", NOW_MS, &info, &err), 0);
	assert_string_equal(info.normalised, "11010519491231002X");
	assert_int_equal(info.birth.year, 1949);
	assert_int_equal(info.birth.month, 12);
	assert_int_equal(info.birth.day, 31);
	assert_false(info.male); /* digit 17 is 2 */
	assert_int_equal(info.province, 11);
	assert_int_equal(info.kind, PERSON_ID_MAINLAND);
	assert_int_equal(person_id_check_char("11010519491231002"), 'X');
}

static void test_person_id_check_char_matches_independent_implementation(void **state)
{
	(void)state;
	char id[19];
	const char *regions[] = {"110105", "310104", "440304", "500101", "650102", "810000"};
	int n = 0;
	for (size_t r = 0; r < sizeof regions / sizeof *regions; r++)
		for (int seq = 0; seq < 1000; seq += 37) {
			char s[4];
			snprintf(s, sizeof s, "%03d", seq);
			make_id(id, regions[r], "19850607", s);
			assert_int_equal(person_id_check_char(id), iso7064_mod11_2(id));
			gz_err err;
			person_id_info info;
			if (person_id_check(id, NOW_MS, &info, &err) != 0)
				fail_msg("%s rejected: %s", id, err.message);
			assert_int_equal(info.male, seq % 2 == 1);
			n++;
		}
	assert_true(n > 100);
}

static void test_person_id_lowercase_x_normalised(void **state)
{
	(void)state;
	person_id_info info;
	gz_err err;
	assert_int_equal(person_id_check("  11010519491231002x ", NOW_MS, &info, &err), 0);
	assert_string_equal(info.normalised, "11010519491231002X");
}

static void test_person_id_wrong_checksum(void **state)
{
	(void)state;
	expect_id_error("110105194912310021", "id_checksum", "校验位错误");
	expect_id_error("110105194912310020", "id_checksum", "校验位错误");
	char id[19];
	make_id(id, "440304", "19900101", "123");
	id[17] = id[17] == '0' ? '1' : '0';
	expect_id_error(id, "id_checksum", "校验位错误");
}

static void test_person_id_length_and_characters(void **state)
{
	(void)state;
	expect_id_error("", "id_length", "长度应为 18 位");
	expect_id_error("1101051949123100", "id_length", "长度应为 18 位");
	expect_id_error("11010519491231002X1", "id_length", "长度应为 18 位");
	expect_id_error("110105491231002", "id_length", "15 位旧号码");
	expect_id_error("1101051949123100AX", "id_chars", "前 17 位应为数字");
	expect_id_error("11010519491231002Y", "id_chars", "第 18 位应为数字或 X");
	expect_id_error("张三10519491231002X", "id_length", "长度应为 18 位");
}

static void test_person_id_feb_29_follows_leap_years(void **state)
{
	(void)state;
	char id[19];
	person_id_info info;
	gz_err err;
	make_id(id, "440304", "20000229", "123");
	assert_int_equal(person_id_check(id, NOW_MS, &info, &err), 0);
	assert_int_equal(info.birth.month, 2);
	assert_int_equal(info.birth.day, 29);
	make_id(id, "440304", "19000229", "123");
	expect_id_error(id, "id_birth", "出生日期无效");
	make_id(id, "440304", "19990229", "123");
	expect_id_error(id, "id_birth", "出生日期无效");
	make_id(id, "440304", "19960229", "123");
	assert_int_equal(person_id_check(id, NOW_MS, &info, &err), 0);
}

static void test_person_id_rejects_impossible_and_future_dates(void **state)
{
	(void)state;
	char id[19];
	make_id(id, "110105", "19901301", "001");
	expect_id_error(id, "id_birth", "出生日期无效");
	make_id(id, "110105", "19900431", "001");
	expect_id_error(id, "id_birth", "出生日期无效");
	make_id(id, "110105", "19900100", "001");
	expect_id_error(id, "id_birth", "出生日期无效");
	make_id(id, "110105", "18991231", "001");
	expect_id_error(id, "id_birth", "出生日期无效");
	make_id(id, "110105", "20260116", "001"); /* tomorrow */
	expect_id_error(id, "id_birth", "出生日期晚于今天");
	make_id(id, "110105", "20260115", "001"); /* born today */
	gz_err err;
	assert_int_equal(person_id_check(id, NOW_MS, NULL, &err), 0);
}

static void test_person_id_today_is_the_shanghai_date(void **state)
{
	(void)state;
	/* 2026-01-14T16:30:00Z is already 2026-01-15 00:30 in Shanghai. */
	int64_t now = NOW_MS - (7 * 3600 + 30 * 60) * INT64_C(1000);
	char id[19];
	make_id(id, "110105", "20260115", "001");
	gz_err err;
	assert_int_equal(person_id_check(id, now, NULL, &err), 0);
	now -= 3600 * 1000; /* 23:30 on the 14th in Shanghai */
	assert_int_equal(person_id_check(id, now, NULL, &err), -1);
}

static void test_person_id_region_codes(void **state)
{
	(void)state;
	char id[19];
	person_id_info info;
	gz_err err;
	const char *bad[] = {"000000", "100000", "160000", "240000", "380000", "470000",
	                     "550000", "660000", "700000", "720000", "840000", "990000"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		make_id(id, bad[i], "19800101", "001");
		expect_id_error(id, "id_region", "地区码无效");
	}
	make_id(id, "820000", "19800101", "001");
	assert_int_equal(person_id_check(id, NOW_MS, &info, &err), 0);
	assert_int_equal(info.kind, PERSON_ID_HMT_PERMIT);
	make_id(id, "830000", "19800101", "001");
	assert_int_equal(person_id_check(id, NOW_MS, &info, &err), 0);
	make_id(id, "931840", "19800101", "001"); /* foreigner, issued in Shanghai (31) */
	assert_int_equal(person_id_check(id, NOW_MS, &info, &err), 0);
	assert_int_equal(info.kind, PERSON_ID_FOREIGNER);
	assert_int_equal(info.province, 31);
	make_id(id, "710000", "19800101", "001");
	assert_int_equal(person_id_check(id, NOW_MS, &info, &err), 0);
	assert_int_equal(info.kind, PERSON_ID_TAIWAN_PROV);
}

static void test_person_age_in_whole_years(void **state)
{
	(void)state;
	person_date b = {1949, 12, 31};
	assert_int_equal(person_age(b, (person_date){2026, 1, 15}), 76);
	assert_int_equal(person_age(b, (person_date){2025, 12, 30}), 75);
	assert_int_equal(person_age(b, (person_date){2025, 12, 31}), 76);
	assert_int_equal(person_age(b, (person_date){1949, 12, 31}), 0);
	assert_int_equal(person_age(b, (person_date){1949, 12, 30}), -1);
	person_date leapling = {2000, 2, 29};
	assert_int_equal(person_age(leapling, (person_date){2001, 2, 28}), 0);
	assert_int_equal(person_age(leapling, (person_date){2001, 3, 1}), 1);
	assert_int_equal(person_age(leapling, (person_date){2004, 2, 29}), 4);
	assert_int_equal(person_age_at_ms(b, NOW_MS), 76);
}

static void test_person_date_from_ms_and_validity(void **state)
{
	(void)state;
	person_date d = person_date_from_ms(NOW_MS);
	assert_int_equal(d.year, 2026);
	assert_int_equal(d.month, 1);
	assert_int_equal(d.day, 15);
	d = person_date_from_ms(-INT64_C(8) * 3600 * 1000 - 1); /* 1969-12-31 23:59:59.999 CST */
	assert_int_equal(d.year, 1969);
	assert_int_equal(d.day, 31);
	assert_true(person_date_valid(2000, 2, 29));
	assert_false(person_date_valid(1900, 2, 29));
	assert_false(person_date_valid(2023, 2, 29));
	assert_true(person_date_valid(2024, 2, 29));
	assert_false(person_date_valid(2024, 4, 31));
}

static void expect_phone(const char *in, const char *norm, person_phone_kind kind)
{
	char out[PERSON_PHONE_MAX];
	person_phone_kind k = 0;
	gz_err err;
	gz_err_clear(&err);
	if (person_phone_check(in, out, &k, &err) != 0)
		fail_msg("'%s' rejected: %s", in, err.message);
	assert_string_equal(out, norm);
	assert_int_equal(k, kind);
}

static void expect_phone_error(const char *in, const char *why)
{
	char out[PERSON_PHONE_MAX];
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(person_phone_check(in, out, NULL, &err), -1);
	assert_string_equal(err.code, "invalid_phone");
	if (!strstr(err.message, why))
		fail_msg("'%s': expected '%s', got '%s'", in, why, err.message);
}

static void test_person_phone_mobile_forms(void **state)
{
	(void)state;
	expect_phone("13812341234", "13812341234", PERSON_PHONE_MOBILE);
	expect_phone("138 1234 1234", "13812341234", PERSON_PHONE_MOBILE);
	expect_phone("138-1234-1234", "13812341234", PERSON_PHONE_MOBILE);
	expect_phone("+86 138 1234 1234", "13812341234", PERSON_PHONE_MOBILE);
	expect_phone("+8613812341234", "13812341234", PERSON_PHONE_MOBILE);
	expect_phone("8613812341234", "13812341234", PERSON_PHONE_MOBILE);
	expect_phone("008613812341234", "13812341234", PERSON_PHONE_MOBILE);
	expect_phone("19912341234", "19912341234", PERSON_PHONE_MOBILE);
}

static void test_person_phone_landline_forms(void **state)
{
	(void)state;
	expect_phone("010-12345678", "010-12345678", PERSON_PHONE_LANDLINE);
	expect_phone("01012345678", "010-12345678", PERSON_PHONE_LANDLINE);
	expect_phone("021 6234 5678", "021-62345678", PERSON_PHONE_LANDLINE);
	expect_phone("0755-1234567", "0755-1234567", PERSON_PHONE_LANDLINE);
	expect_phone("075512345678", "0755-12345678", PERSON_PHONE_LANDLINE);
	expect_phone("+86 10 6552 9988", "010-65529988", PERSON_PHONE_LANDLINE);
}

static void test_person_phone_rejects_letters_and_bad_shapes(void **state)
{
	(void)state;
	expect_phone_error("138abcd1234", "含有非数字字符");
	expect_phone_error("1381234123O", "含有非数字字符"); /* letter O for zero */
	expect_phone_error("138.1234.1234", "含有非数字字符");
	expect_phone_error("\xef\xbc\x91\xef\xbc\x93\xef\xbc\x98",
	                   "含有非数字字符"); /* full-width */
	expect_phone_error("", "不能为空");
	expect_phone_error("  - ", "不能为空");
	expect_phone_error("1381234123", "手机号应为 11 位");
	expect_phone_error("138123412345", "手机号应为 11 位");
	expect_phone_error("12812341234", "13-19");
	expect_phone_error("+1 415 555 0100", "号码格式不正确");
	expect_phone_error("010-123456", "号码格式不正确");
	expect_phone_error("010-1234567890", "号码格式不正确");
	expect_phone_error("12345", "手机号应为 11 位");
	expect_phone_error("5551234", "号码格式不正确");
	expect_phone_error("138+12341234", "含有非数字字符");
}

static void test_person_mask_phone(void **state)
{
	(void)state;
	char out[PERSON_PHONE_MAX];
	assert_string_equal(person_mask_phone("13812341234", out, sizeof out), "138****1234");
	assert_string_equal(person_mask_phone("010-12345678", out, sizeof out), "010-****5678");
	assert_string_equal(person_mask_phone("0755-1234567", out, sizeof out), "0755-***4567");
	assert_string_equal(person_mask_phone("1234567", out, sizeof out), "*******");
	assert_string_equal(person_mask_phone("", out, sizeof out), "");
	assert_string_equal(person_mask_phone("电话号码", out, sizeof out), "****");
	char small[6];
	assert_string_equal(person_mask_phone("13812341234", small, sizeof small), "138**");
}

static void test_person_mask_id(void **state)
{
	(void)state;
	char out[PERSON_ID_MASK_MAX];
	assert_string_equal(person_mask_id("11010519491231002X", out), "110105********002X");
	assert_string_equal(person_mask_id("110105491231002", out), "110105*****1002");
	assert_string_equal(person_mask_id("1234567890", out), "**********");
	assert_string_equal(person_mask_id("110105194912310021999", out), "110105********1999");
	assert_string_equal(person_mask_id("护照E1234567", out), "**********");
}

static void expect_mask_name(const char *name, const char *masked)
{
	char out[64];
	assert_string_equal(person_mask_name(name, out, sizeof out), masked);
}

static void test_person_mask_name_by_surname(void **state)
{
	(void)state;
	expect_mask_name("张三", "张*");
	expect_mask_name("王小明", "王**");
	expect_mask_name("欧阳娜娜", "欧阳**");
	expect_mask_name("诸葛亮", "诸葛*");
	expect_mask_name("司马相如", "司马**");
	expect_mask_name("上官婉儿", "上官**");
	expect_mask_name("东方", "东*"); /* two characters: surname 东, given name 方 */
	expect_mask_name("李", "李");
	expect_mask_name("", "");
	expect_mask_name("买买提·艾力", "买*****");
	expect_mask_name("Anna", "A***");
	expect_mask_name("\xff\xfe", "**");
	char small[5];
	assert_string_equal(person_mask_name("王小明", small, sizeof small), "王*");
	char tiny[3];
	assert_string_equal(person_mask_name("王小明", tiny, sizeof tiny), "");
}

static void test_person_tags_table(void **state)
{
	(void)state;
	size_t n;
	const person_tag *all = person_tags(&n);
	assert_true(n >= 9);
	const char *sensitive[] = {"残疾", "低保", "特困", "孕产妇", "留守儿童", "慢性病"};
	for (size_t i = 0; i < sizeof sensitive / sizeof *sensitive; i++) {
		const person_tag *t = person_tag_find(sensitive[i]);
		assert_non_null(t);
		assert_true(t->sensitive);
	}
	const char *plain[] = {"独居老人", "高龄", "优抚对象", "失业"};
	for (size_t i = 0; i < sizeof plain / sizeof *plain; i++) {
		const person_tag *t = person_tag_find(plain[i]);
		assert_non_null(t);
		assert_false(t->sensitive);
	}
	assert_ptr_equal(person_tag_find("dibao"), person_tag_find(" 低保 "));
	assert_null(person_tag_find("不存在"));
	assert_null(person_tag_find(NULL));
	for (size_t i = 0; i < n; i++) /* codes and labels are unique */
		for (size_t k = i + 1; k < n; k++) {
			assert_string_not_equal(all[i].code, all[k].code);
			assert_string_not_equal(all[i].label, all[k].label);
		}
}

static void test_person_relations(void **state)
{
	(void)state;
	person_relation r;
	gz_err err;
	const char *labels[] = {"户主", "配偶", "子", "女", "父母", "孙子女", "兄弟姐妹", "其他"};
	for (int i = 0; i < 8; i++) {
		assert_int_equal(person_relation_parse(labels[i], &r, &err), 0);
		assert_int_equal(r, PERSON_REL_HEAD + i);
		assert_string_equal(person_relation_label(r), labels[i]);
		assert_int_equal(person_relation_parse(person_relation_code(r), &r, &err), 0);
		assert_int_equal(r, PERSON_REL_HEAD + i);
	}
	assert_int_equal(person_relation_parse(" 儿子 ", &r, &err), 0);
	assert_int_equal(r, PERSON_REL_SON);
	assert_int_equal(person_relation_parse("母亲", &r, &err), 0);
	assert_int_equal(r, PERSON_REL_PARENT);
	assert_int_equal(person_relation_parse("邻居", &r, &err), -1);
	assert_string_equal(err.code, "invalid_relation");
	assert_non_null(strstr(err.message, "户主"));
	assert_string_equal(person_relation_label((person_relation)99), "");
}

static void test_person_gender(void **state)
{
	(void)state;
	bool male;
	gz_err err;
	assert_int_equal(person_gender_parse("男", &male, &err), 0);
	assert_true(male);
	assert_int_equal(person_gender_parse(" 女 ", &male, &err), 0);
	assert_false(male);
	assert_int_equal(person_gender_parse("Female", &male, &err), 0);
	assert_false(male);
	assert_int_equal(person_gender_parse("未知", &male, &err), -1);
	assert_string_equal(err.code, "invalid_gender");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_person_id_accepts_well_known_sample),
	    cmocka_unit_test(test_person_id_check_char_matches_independent_implementation),
	    cmocka_unit_test(test_person_id_lowercase_x_normalised),
	    cmocka_unit_test(test_person_id_wrong_checksum),
	    cmocka_unit_test(test_person_id_length_and_characters),
	    cmocka_unit_test(test_person_id_feb_29_follows_leap_years),
	    cmocka_unit_test(test_person_id_rejects_impossible_and_future_dates),
	    cmocka_unit_test(test_person_id_today_is_the_shanghai_date),
	    cmocka_unit_test(test_person_id_region_codes),
	    cmocka_unit_test(test_person_age_in_whole_years),
	    cmocka_unit_test(test_person_date_from_ms_and_validity),
	    cmocka_unit_test(test_person_phone_mobile_forms),
	    cmocka_unit_test(test_person_phone_landline_forms),
	    cmocka_unit_test(test_person_phone_rejects_letters_and_bad_shapes),
	    cmocka_unit_test(test_person_mask_phone),
	    cmocka_unit_test(test_person_mask_id),
	    cmocka_unit_test(test_person_mask_name_by_surname),
	    cmocka_unit_test(test_person_tags_table),
	    cmocka_unit_test(test_person_relations),
	    cmocka_unit_test(test_person_gender),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
