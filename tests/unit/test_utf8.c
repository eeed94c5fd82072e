/* Unit tests for core/utf8.c: the validator every request body, path and query value
 * passes through, and the code-point counter behind length limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/utf8.h"

#include <string.h>

/* Byte strings may hold NUL, so lengths are always explicit. */
#define VALID(lit) gz_utf8_valid((lit), sizeof(lit) - 1)
#define LEN(lit)   gz_utf8_len((lit), sizeof(lit) - 1)

static void test_utf8_accepts_empty(void **state)
{
	(void)state;
	assert_true(gz_utf8_valid("", 0));
	assert_int_equal(gz_utf8_len("", 0), 0);
}

static void test_utf8_accepts_ascii(void **state)
{
	(void)state;
	assert_true(VALID("hello, world /api/v1?x=1 ~\x7f"));
}

static void test_utf8_accepts_chinese(void **state)
{
	(void)state;
	assert_true(VALID("共治 业主大会"));
	assert_true(VALID("\xe4\xb8\xad")); /* 中 */
}

static void test_utf8_accepts_four_byte_emoji(void **state)
{
	(void)state;
	assert_true(VALID("\xf0\x9f\x98\x80"));       /* U+1F600 */
	assert_true(VALID("ok \xf0\x9f\x8f\xa0 ok")); /* U+1F3E0 between ASCII */
}

static void test_utf8_accepts_boundary_code_points(void **state)
{
	(void)state;
	assert_true(VALID("\xc2\x80"));         /* U+0080, smallest 2-byte */
	assert_true(VALID("\xdf\xbf"));         /* U+07FF */
	assert_true(VALID("\xe0\xa0\x80"));     /* U+0800, smallest 3-byte */
	assert_true(VALID("\xed\x9f\xbf"));     /* U+D7FF, just below surrogates */
	assert_true(VALID("\xee\x80\x80"));     /* U+E000, just above surrogates */
	assert_true(VALID("\xef\xbf\xbf"));     /* U+FFFF */
	assert_true(VALID("\xf0\x90\x80\x80")); /* U+10000, smallest 4-byte */
	assert_true(VALID("\xf4\x8f\xbf\xbf")); /* U+10FFFF, the maximum */
}

static void test_utf8_rejects_overlong_slash(void **state)
{
	(void)state;
	assert_false(VALID("\xc0\xaf"));     /* '/' in two bytes */
	assert_false(VALID("\xe0\x80\xaf")); /* '/' in three bytes */
	assert_false(VALID("\xf0\x80\x80\xaf"));
	assert_false(VALID("..\xc0\xaf..")); /* the path-traversal shape */
}

static void test_utf8_rejects_other_overlongs(void **state)
{
	(void)state;
	assert_false(VALID("\xc1\xbf"));         /* U+007F in two bytes */
	assert_false(VALID("\xe0\x9f\xbf"));     /* U+07FF in three bytes */
	assert_false(VALID("\xf0\x8f\xbf\xbf")); /* U+FFFF in four bytes */
	assert_false(VALID("\xc0\x80"));         /* "modified UTF-8" NUL */
}

static void test_utf8_rejects_surrogates(void **state)
{
	(void)state;
	assert_false(VALID("\xed\xa0\x80"));             /* U+D800 */
	assert_false(VALID("\xed\xbf\xbf"));             /* U+DFFF */
	assert_false(VALID("\xed\xa0\xbd\xed\xb8\x80")); /* CESU-8 pair for an emoji */
}

static void test_utf8_rejects_above_max_code_point(void **state)
{
	(void)state;
	assert_false(VALID("\xf4\x90\x80\x80")); /* U+110000 */
	assert_false(VALID("\xf5\x80\x80\x80"));
	assert_false(VALID("\xf7\xbf\xbf\xbf"));
}

static void test_utf8_rejects_invalid_lead_bytes(void **state)
{
	(void)state;
	assert_false(VALID("\xf8\x88\x80\x80\x80")); /* old 5-byte form */
	assert_false(VALID("\xfc\x84\x80\x80\x80\x80"));
	assert_false(VALID("\xfe"));
	assert_false(VALID("\xff"));
}

static void test_utf8_rejects_truncated_sequences(void **state)
{
	(void)state;
	assert_false(VALID("\xc3"));
	assert_false(VALID("\xe4\xb8"));
	assert_false(VALID("\xf0\x9f\x98"));
	assert_false(VALID("abc\xe4\xb8"));
	/* Truncated, then followed by ASCII instead of a continuation byte. */
	assert_false(VALID("\xe4\xb8"
	                   "a"));
	assert_false(VALID("\xf0\x9f"
	                   "ab"));
	/* A valid sequence cut by the length argument. */
	assert_false(gz_utf8_valid("\xe4\xb8\xad", 2));
}

static void test_utf8_rejects_lone_continuation_bytes(void **state)
{
	(void)state;
	assert_false(VALID("\x80"));
	assert_false(VALID("\xbf"));
	assert_false(VALID("a\x80z"));
	assert_false(VALID("\xe4\xb8\xad\xad")); /* one continuation too many */
}

static void test_utf8_rejects_nul_byte(void **state)
{
	(void)state;
	assert_false(VALID("\0"));
	assert_false(VALID("abc\0def"));
	assert_false(VALID("\xe4\xb8\xad\0"));
}

static void test_utf8_checks_only_given_length(void **state)
{
	(void)state;
	/* Bytes past n are not looked at. */
	assert_true(gz_utf8_valid("ab\xff", 2));
	assert_true(gz_utf8_valid("ab\0cd", 2));
}

static void test_utf8_len_counts_code_points(void **state)
{
	(void)state;
	assert_int_equal(LEN("hello"), 5);
	assert_int_equal(LEN("共治"), 2);
	assert_int_equal(LEN("\xf0\x9f\x98\x80"), 1);
	assert_int_equal(LEN("a中\xf0\x9f\x98\x80\xc3\xa9"), 4);
	assert_int_equal(LEN("业主大会 2024"), 9);
}

static void test_utf8_prefix_cuts_at_a_character_boundary(void **state)
{
	(void)state;
	const char *s = "ab张三"; /* 2 + 3 + 3 bytes */
	assert_int_equal(gz_utf8_prefix(s, 8, 100), 8);
	assert_int_equal(gz_utf8_prefix(s, 8, 8), 8);
	assert_int_equal(gz_utf8_prefix(s, 8, 7), 5);
	assert_int_equal(gz_utf8_prefix(s, 8, 4), 2);
	assert_int_equal(gz_utf8_prefix(s, 8, 2), 2);
	assert_int_equal(gz_utf8_prefix(s, 8, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_utf8_accepts_empty),
	    cmocka_unit_test(test_utf8_accepts_ascii),
	    cmocka_unit_test(test_utf8_accepts_chinese),
	    cmocka_unit_test(test_utf8_accepts_four_byte_emoji),
	    cmocka_unit_test(test_utf8_accepts_boundary_code_points),
	    cmocka_unit_test(test_utf8_rejects_overlong_slash),
	    cmocka_unit_test(test_utf8_rejects_other_overlongs),
	    cmocka_unit_test(test_utf8_rejects_surrogates),
	    cmocka_unit_test(test_utf8_rejects_above_max_code_point),
	    cmocka_unit_test(test_utf8_rejects_invalid_lead_bytes),
	    cmocka_unit_test(test_utf8_rejects_truncated_sequences),
	    cmocka_unit_test(test_utf8_rejects_lone_continuation_bytes),
	    cmocka_unit_test(test_utf8_rejects_nul_byte),
	    cmocka_unit_test(test_utf8_checks_only_given_length),
	    cmocka_unit_test(test_utf8_len_counts_code_points),
	    cmocka_unit_test(test_utf8_prefix_cuts_at_a_character_boundary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
