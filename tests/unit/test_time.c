/* Unit tests for core/time.c: RFC 3339 at the API edge, int64 ms UTC inside. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/time.h"

#include <string.h>

/* Parse s expecting success; returns the ms value. */
static int64_t parse_ok(const char *s)
{
	int64_t ms = 0;
	if (gz_time_parse_rfc3339(s, &ms) != 0)
		fail_msg("rejected valid time: %s", s);
	return ms;
}

static void assert_rejected(const char *s)
{
	int64_t ms = 12345;
	if (gz_time_parse_rfc3339(s, &ms) != -1)
		fail_msg("accepted invalid time: %s", s);
	assert_int_equal(ms, 12345); /* untouched on failure */
}

static void test_time_rfc3339_formats_epoch(void **state)
{
	(void)state;
	char buf[32];
	assert_string_equal(gz_time_rfc3339(0, buf, sizeof buf), "1970-01-01T00:00:00Z");
}

static void test_time_rfc3339_returns_buf(void **state)
{
	(void)state;
	char buf[32];
	assert_ptr_equal(gz_time_rfc3339(0, buf, sizeof buf), buf);
}

static void test_time_rfc3339_formats_whole_seconds_without_fraction(void **state)
{
	(void)state;
	char buf[32];
	/* 2026-11-29T02:23:45Z */
	assert_string_equal(gz_time_rfc3339(INT64_C(1795919025000), buf, sizeof buf),
	                    "2026-11-29T02:23:45Z");
}

static void test_time_rfc3339_formats_milliseconds(void **state)
{
	(void)state;
	char buf[32];
	assert_string_equal(gz_time_rfc3339(INT64_C(1795919025123), buf, sizeof buf),
	                    "2026-11-29T02:23:45.123Z");
	assert_string_equal(gz_time_rfc3339(1, buf, sizeof buf), "1970-01-01T00:00:00.001Z");
	assert_string_equal(gz_time_rfc3339(1050, buf, sizeof buf), "1970-01-01T00:00:01.050Z");
}

static void test_time_rfc3339_formats_negative_times(void **state)
{
	(void)state;
	char buf[32];
	assert_string_equal(gz_time_rfc3339(-1, buf, sizeof buf), "1969-12-31T23:59:59.999Z");
	assert_string_equal(gz_time_rfc3339(-1000, buf, sizeof buf), "1969-12-31T23:59:59Z");
	assert_string_equal(gz_time_rfc3339(-1001, buf, sizeof buf), "1969-12-31T23:59:58.999Z");
	assert_string_equal(gz_time_rfc3339(-999, buf, sizeof buf), "1969-12-31T23:59:59.001Z");
	assert_string_equal(gz_time_rfc3339(-86400000, buf, sizeof buf), "1969-12-31T00:00:00Z");
	/* 1900-01-01 */
	assert_string_equal(gz_time_rfc3339(INT64_C(-2208988800000), buf, sizeof buf),
	                    "1900-01-01T00:00:00Z");
}

static void test_time_parse_utc(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(parse_ok("2026-11-29T02:23:45Z"), INT64_C(1795919025000));
	assert_int_equal(parse_ok("2026-11-29T02:23:45.123Z"), INT64_C(1795919025123));
	assert_int_equal(parse_ok("2026-11-29t02:23:45z"), INT64_C(1795919025000));
	assert_int_equal(parse_ok("2026-11-29 02:23:45Z"), INT64_C(1795919025000));
}

static void test_time_parse_fraction_precision(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("1970-01-01T00:00:00.5Z"), 500);
	assert_int_equal(parse_ok("1970-01-01T00:00:00.05Z"), 50);
	assert_int_equal(parse_ok("1970-01-01T00:00:00.123456789Z"), 123); /* truncated to ms */
	assert_rejected("1970-01-01T00:00:00.Z");
}

static void test_time_parse_zone_offset_converts_to_utc(void **state)
{
	(void)state;
	/* Asia/Shanghai midnight is 16:00 UTC the day before. */
	assert_int_equal(parse_ok("2024-03-01T00:00:00+08:00"), parse_ok("2024-02-29T16:00:00Z"));
	assert_int_equal(parse_ok("1970-01-01T08:00:00+08:00"), 0);
	assert_int_equal(parse_ok("1969-12-31T19:00:00-05:00"), 0);
	assert_int_equal(parse_ok("1970-01-01T05:30:00.250+05:30"), 250);
	assert_int_equal(parse_ok("2026-11-29T10:23:45+08:00"), INT64_C(1795919025000));
	assert_int_equal(parse_ok("2026-11-29T02:23:45+00:00"), INT64_C(1795919025000));
	assert_int_equal(parse_ok("2026-11-29T02:23:45-00:00"), INT64_C(1795919025000));
}

static void test_time_parse_round_trip(void **state)
{
	(void)state;
	static const int64_t values[] = {
	    0,
	    1,
	    999,
	    1000,
	    INT64_C(1795919025123),
	    INT64_C(1709164800000),
	    -1,
	    -999,
	    -1000,
	    INT64_C(-2208988800000),
	    INT64_C(951782400000),
	    INT64_C(4102444799999),
	};
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		char buf[32];
		gz_time_rfc3339(values[i], buf, sizeof buf);
		int64_t back = 0;
		if (gz_time_parse_rfc3339(buf, &back) != 0 || back != values[i])
			fail_msg("round trip %lld -> %s -> %lld", (long long)values[i], buf,
			         (long long)back);
	}
}

static void test_time_parse_now_round_trip(void **state)
{
	(void)state;
	int64_t now = gz_time_now_ms();
	char buf[32];
	assert_int_equal(parse_ok(gz_time_rfc3339(now, buf, sizeof buf)), now);
}

static void test_time_parse_leap_day_2024_ok(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2024-02-29T00:00:00Z"), INT64_C(1709164800000));
	assert_int_equal(parse_ok("2000-02-29T00:00:00Z"), INT64_C(951782400000)); /* 400 rule */
}

static void test_time_parse_rejects_feb_30(void **state)
{
	(void)state;
	assert_rejected("2024-02-30T00:00:00Z");
	assert_rejected("2023-02-31T00:00:00Z");
}

static void test_time_parse_rejects_feb_29_in_non_leap_year(void **state)
{
	(void)state;
	assert_rejected("2023-02-29T00:00:00Z");
	assert_rejected("1900-02-29T00:00:00Z"); /* century, not divisible by 400 */
	assert_rejected("2100-02-29T00:00:00Z");
}

static void test_time_parse_rejects_invalid_days_and_months(void **state)
{
	(void)state;
	assert_rejected("2024-13-01T00:00:00Z");
	assert_rejected("2024-00-01T00:00:00Z");
	assert_rejected("2024-01-00T00:00:00Z");
	assert_rejected("2024-01-32T00:00:00Z");
	assert_rejected("2024-04-31T00:00:00Z");
	assert_rejected("2024-06-31T00:00:00Z");
	assert_rejected("2024-09-31T00:00:00Z");
	assert_rejected("2024-11-31T00:00:00Z");
}

static void test_time_parse_rejects_invalid_clock(void **state)
{
	(void)state;
	assert_rejected("2024-01-01T24:00:00Z");
	assert_rejected("2024-01-01T23:60:00Z");
	assert_rejected("2024-01-01T23:59:61Z");
	assert_rejected("2024-01-01T00:00:00+24:00");
	assert_rejected("2024-01-01T00:00:00+08:60");
}

static void test_time_parse_rejects_missing_zone(void **state)
{
	(void)state;
	assert_rejected("2024-01-01T00:00:00");
	assert_rejected("2024-01-01T00:00:00.123");
	assert_rejected("2024-01-01T00:00:00 ");
	assert_rejected("2024-01-01T00:00:00+08");
	assert_rejected("2024-01-01T00:00:00+0800");
	assert_rejected("2024-01-01T00:00:00+");
}

static void test_time_parse_rejects_trailing_junk(void **state)
{
	(void)state;
	assert_rejected("2024-01-01T00:00:00Zjunk");
	assert_rejected("2024-01-01T00:00:00Z ");
	assert_rejected("2024-01-01T00:00:00+08:00x");
	assert_rejected("2024-01-01T00:00:00.5Z0");
}

static void test_time_parse_rejects_malformed(void **state)
{
	(void)state;
	assert_rejected("");
	assert_rejected("2024-01-01");
	assert_rejected("2024/01/01T00:00:00Z");
	assert_rejected("2024-1-01T00:00:00Z");
	assert_rejected("24-01-01T00:00:00Z000");
	assert_rejected("2024-01-01X00:00:00Z");
	assert_rejected("2024-01-01T00.00.00Z");
	assert_rejected("2024-01-01T0a:00:00Z");
	assert_rejected("+024-01-01T00:00:00Z");
}

static void test_time_clocks_move_forward(void **state)
{
	(void)state;
	int64_t a = gz_time_mono_ns();
	int64_t b = gz_time_mono_ns();
	assert_true(b >= a);
	/* After 2024-01-01 and before 2100: sane wall clock in ms, not s or us. */
	int64_t now = gz_time_now_ms();
	assert_true(now > INT64_C(1704067200000));
	assert_true(now < INT64_C(4102444800000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_time_rfc3339_formats_epoch),
	    cmocka_unit_test(test_time_rfc3339_returns_buf),
	    cmocka_unit_test(test_time_rfc3339_formats_whole_seconds_without_fraction),
	    cmocka_unit_test(test_time_rfc3339_formats_milliseconds),
	    cmocka_unit_test(test_time_rfc3339_formats_negative_times),
	    cmocka_unit_test(test_time_parse_utc),
	    cmocka_unit_test(test_time_parse_fraction_precision),
	    cmocka_unit_test(test_time_parse_zone_offset_converts_to_utc),
	    cmocka_unit_test(test_time_parse_round_trip),
	    cmocka_unit_test(test_time_parse_now_round_trip),
	    cmocka_unit_test(test_time_parse_leap_day_2024_ok),
	    cmocka_unit_test(test_time_parse_rejects_feb_30),
	    cmocka_unit_test(test_time_parse_rejects_feb_29_in_non_leap_year),
	    cmocka_unit_test(test_time_parse_rejects_invalid_days_and_months),
	    cmocka_unit_test(test_time_parse_rejects_invalid_clock),
	    cmocka_unit_test(test_time_parse_rejects_missing_zone),
	    cmocka_unit_test(test_time_parse_rejects_trailing_junk),
	    cmocka_unit_test(test_time_parse_rejects_malformed),
	    cmocka_unit_test(test_time_clocks_move_forward),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
