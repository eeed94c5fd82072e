/* Unit tests for domain/public_text.c: the numbers of people masked in the
 * public board's free text, the ordinary numbers of a title kept. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "domain/public_text.h"

#include <stdlib.h>
#include <string.h>

static void check(const char *in, const char *want, size_t masked)
{
	char out[256];
	size_t n = public_text_mask(in, out, sizeof out);
	assert_string_equal(out, want);
	assert_int_equal(n, masked);
}

static void test_phones_and_id_numbers(void **state)
{
	(void)state;
	check("联系13912345678", "联系***********", 11);
	check("电话 139-1234-5678 找", "电话 ***-****-**** 找", 11);
	check("电话 139 1234 5678", "电话 *** **** ****", 11);
	check("座机010-65012345", "座机***-********", 11);
	check("身份证11010519491231002X号", "身份证******************号", 18);
	check("身份证110105194912310021", "身份证******************", 18);
	/* Full-width digits are digits. */
	check("１３９１２３４５６７８", "***********", 11);
}

static void test_flats(void **state)
{
	(void)state;
	check("3-2-102漏水", "*-*-***漏水", 5);
	check("3—2—102", "*—*—***", 5);
	check("3号楼2单元102室", "3号楼2单元***室", 3);
	check("2单元1102", "2单元****", 4);
	check("102室", "***室", 3);
}

static void test_ordinary_numbers_stay(void **state)
{
	(void)state;
	check("3号楼加装电梯", "3号楼加装电梯", 0);
	check("预算1200元，2026年完成", "预算1200元，2026年完成", 0);
	check("2026-12-07 议事会", "2026-12-07 议事会", 0);
	check("3室1厅", "3室1厅", 0);
	check("惠及 120 户", "惠及 120 户", 0);
	check("", "", 0);
}

static void test_out_never_overflows(void **state)
{
	(void)state;
	char out[5];
	public_text_mask("13912345678", out, sizeof out);
	assert_string_equal(out, "****");
	char one[1];
	public_text_mask("abc", one, sizeof one);
	assert_string_equal(one, "");
}

static void test_dup_masks_the_name_too(void **state)
{
	(void)state;
	char *s = public_text_dup("欧阳娜娜反映3-2-102漏水，欧阳娜娜电话13912345678", "欧阳娜娜");
	assert_string_equal(s, "欧***反映*-*-***漏水，欧***电话***********");
	free(s);
	s = public_text_dup("井盖松动", NULL);
	assert_string_equal(s, "井盖松动");
	free(s);
	s = public_text_dup("王", "王");
	assert_string_equal(s, "王");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_phones_and_id_numbers),
	    cmocka_unit_test(test_flats),
	    cmocka_unit_test(test_ordinary_numbers_stay),
	    cmocka_unit_test(test_out_never_overflows),
	    cmocka_unit_test(test_dup_masks_the_name_too),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
