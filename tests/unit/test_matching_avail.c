/* Unit tests for modules/matching/avail.c: an offer's weekly availability windows
 * (Asia/Shanghai local time) against a need's time window — overlap, touching ends,
 * days of the week across midnight UTC, long windows, no windows = always available,
 * invalid windows skipped, and "HH:MM" parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "modules/matching/avail.h"

#define MIN  INT64_C(60000)
#define HOUR (60 * MIN)
#define DAY  (24 * HOUR)
/* Monday 2026-12-07 00:00 in Asia/Shanghai (day 20794 since the epoch; UTC+8). */
#define MON (INT64_C(20794) * DAY - 8 * HOUR)

static const match_avail_window mon_morning[] = {{1, 9 * 60, 12 * 60}}; /* Mon 09:00-12:00 */

static void test_hhmm(void **state)
{
	(void)state;
	assert_int_equal(match_avail_hhmm("00:00"), 0);
	assert_int_equal(match_avail_hhmm("09:30"), 570);
	assert_int_equal(match_avail_hhmm("23:59"), 1439);
	assert_int_equal(match_avail_hhmm("24:00"), 1440);
	assert_int_equal(match_avail_hhmm("24:01"), -1);
	assert_int_equal(match_avail_hhmm("25:00"), -1);
	assert_int_equal(match_avail_hhmm("9:30"), -1);
	assert_int_equal(match_avail_hhmm("09:60"), -1);
	assert_int_equal(match_avail_hhmm("09:300"), -1);
	assert_int_equal(match_avail_hhmm(""), -1);
	assert_int_equal(match_avail_hhmm(NULL), -1);
}

static void test_no_windows_is_always_available(void **state)
{
	(void)state;
	assert_true(match_available(NULL, 0, MON, MON + HOUR));
	assert_true(match_available(mon_morning, 0, MON + 3 * DAY, MON + 3 * DAY + MIN));
	assert_int_equal(match_avail_first(NULL, 0, MON, MON + HOUR), -1);
	/* An empty need window overlaps nothing, even without windows. */
	assert_false(match_available(NULL, 0, MON + HOUR, MON + HOUR));
}

static void test_overlap_inside_and_partial(void **state)
{
	(void)state;
	/* Inside: Monday 10:00-11:00. */
	assert_true(match_available(mon_morning, 1, MON + 10 * HOUR, MON + 11 * HOUR));
	/* Partial: Monday 08:00-09:01, and 11:59-13:00. */
	assert_true(match_available(mon_morning, 1, MON + 8 * HOUR, MON + 9 * HOUR + MIN));
	assert_true(match_available(mon_morning, 1, MON + 11 * HOUR + 59 * MIN, MON + 13 * HOUR));
	/* Covering it: Monday 00:00-24:00. */
	assert_true(match_available(mon_morning, 1, MON, MON + DAY));
	/* Afternoon only, or Tuesday morning: no. */
	assert_false(match_available(mon_morning, 1, MON + 13 * HOUR, MON + 18 * HOUR));
	assert_false(match_available(mon_morning, 1, MON + DAY + 9 * HOUR, MON + DAY + 12 * HOUR));
	/* The next Monday: yes (weekly). And the Monday before. */
	assert_true(match_available(mon_morning, 1, MON + 7 * DAY + 10 * HOUR,
	                            MON + 7 * DAY + 10 * HOUR + MIN));
	assert_true(
	    match_available(mon_morning, 1, MON - 7 * DAY + 11 * HOUR, MON - 7 * DAY + 12 * HOUR));
}

static void test_touching_ends_do_not_overlap(void **state)
{
	(void)state;
	/* Need ends at 09:00 sharp, or starts at 12:00 sharp. */
	assert_false(match_available(mon_morning, 1, MON + 7 * HOUR, MON + 9 * HOUR));
	assert_false(match_available(mon_morning, 1, MON + 12 * HOUR, MON + 14 * HOUR));
	/* One millisecond more is an overlap. */
	assert_true(match_available(mon_morning, 1, MON + 7 * HOUR, MON + 9 * HOUR + 1));
	assert_true(match_available(mon_morning, 1, MON + 12 * HOUR - 1, MON + 14 * HOUR));
}

static void test_local_time_not_utc(void **state)
{
	(void)state;
	/* Sunday 23:00-24:00 local is Sunday 15:00-16:00 UTC; Monday 00:00-01:00 local is
	 * still Sunday in UTC. */
	const match_avail_window sun_late[] = {{7, 23 * 60, 1440}};
	const match_avail_window mon_early[] = {{1, 0, 60}};
	assert_true(match_available(sun_late, 1, MON - HOUR, MON));
	assert_false(match_available(sun_late, 1, MON, MON + HOUR));
	assert_true(match_available(mon_early, 1, MON, MON + 30 * MIN));
	assert_false(match_available(mon_early, 1, MON - HOUR, MON));
	/* A need across midnight (Sunday 23:30 - Monday 00:30) meets both. */
	assert_true(match_available(sun_late, 1, MON - 30 * MIN, MON + 30 * MIN));
	assert_true(match_available(mon_early, 1, MON - 30 * MIN, MON + 30 * MIN));
}

static void test_every_weekday(void **state)
{
	(void)state;
	for (int d = 0; d < 7; d++)
		for (int wd = 1; wd <= 7; wd++) {
			const match_avail_window w[] = {{wd, 14 * 60, 15 * 60}};
			bool yes = match_available(w, 1, MON + d * DAY + 14 * HOUR,
			                           MON + d * DAY + 14 * HOUR + 30 * MIN);
			assert_int_equal(yes, wd == d + 1);
		}
}

static void test_first_window_and_long_needs(void **state)
{
	(void)state;
	const match_avail_window w[] = {
	    {1, 9 * 60, 12 * 60}, {3, 14 * 60, 17 * 60}, {5, 8 * 60, 10 * 60}};
	/* Wednesday afternoon: the second. */
	assert_int_equal(
	    match_avail_first(w, 3, MON + 2 * DAY + 15 * HOUR, MON + 2 * DAY + 16 * HOUR), 1);
	/* Tuesday to Friday 09:00: the second (Wednesday), the first in order. */
	assert_int_equal(match_avail_first(w, 3, MON + DAY, MON + 4 * DAY + 9 * HOUR), 1);
	/* Saturday and Sunday: none. */
	assert_int_equal(match_avail_first(w, 3, MON + 5 * DAY, MON + 7 * DAY), -1);
	/* A week or more meets every window: the first. */
	assert_int_equal(match_avail_first(w, 3, MON + 5 * DAY, MON + 12 * DAY), 0);
	assert_int_equal(match_avail_first(w, 3, MON, MON + 400 * DAY), 0);
}

static void test_invalid_windows_are_skipped(void **state)
{
	(void)state;
	const match_avail_window bad[] = {
	    {0, 0, 1440}, {8, 0, 1440}, {1, 12 * 60, 9 * 60}, {1, 600, 600}, {1, -5, 60}};
	assert_false(match_available(bad, 5, MON, MON + DAY));
	const match_avail_window mixed[] = {{9, 0, 1440}, {1, 9 * 60, 12 * 60}};
	assert_int_equal(match_avail_first(mixed, 2, MON + 10 * HOUR, MON + 11 * HOUR), 1);
	/* Before 1970 (negative instants) still counts days right: Monday 1969-12-29. */
	int64_t mon69 = -3 * DAY - 8 * HOUR;
	assert_true(match_available(mon_morning, 1, mon69 + 10 * HOUR, mon69 + 11 * HOUR));
	assert_false(
	    match_available(mon_morning, 1, mon69 + DAY + 10 * HOUR, mon69 + DAY + 11 * HOUR));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hhmm),
	    cmocka_unit_test(test_no_windows_is_always_available),
	    cmocka_unit_test(test_overlap_inside_and_partial),
	    cmocka_unit_test(test_touching_ends_do_not_overlap),
	    cmocka_unit_test(test_local_time_not_utc),
	    cmocka_unit_test(test_every_weekday),
	    cmocka_unit_test(test_first_window_and_long_needs),
	    cmocka_unit_test(test_invalid_windows_are_skipped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
