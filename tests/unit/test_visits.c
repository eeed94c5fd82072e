/* Unit tests for modules/visits/rules.c: kinds, calendar days, the visit frequency of a
 * resident (the most demanding tag, the narrowest place's setting) and when they are
 * due or overdue (docs/METRICS.md, "Visits"). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "modules/visits/rules.h"

#include <string.h>

#define GRID  "110105001001001"
#define GRID2 "110105001002001"

/* The seeded defaults at "" and a community that visits its 高龄 residents weekly and
 * its 低保 households not regularly. */
static const visit_freq F[] = {
    {"", "living_alone", 7},
    {"", "elderly_80", 14},
    {"", "dibao", 30},
    {"", "disabled", 30},
    {"110105001001", "elderly_80", 7},
    {"110105001001", "dibao", 0},
    {"110105001", "disabled", 21},
};
#define NF (sizeof F / sizeof F[0])

static int64_t day(const char *s)
{
	int64_t d = 0;
	if (visit_day_parse(s, &d) != 0)
		fail_msg("'%s' is no date", s);
	return d;
}

static void test_kinds_by_code_and_label(void **state)
{
	(void)state;
	assert_int_equal(visit_kind_parse("routine"), VISIT_ROUTINE);
	assert_int_equal(visit_kind_parse("重点关爱"), VISIT_CARE);
	assert_int_equal(visit_kind_parse("follow_up"), VISIT_FOLLOW_UP);
	assert_int_equal(visit_kind_parse("回访"), VISIT_FOLLOW_UP);
	assert_int_equal(visit_kind_parse("visit"), -1);
	assert_int_equal(visit_kind_parse(""), -1);
	assert_int_equal(visit_kind_parse(NULL), -1);
	assert_string_equal(visit_kind_label(VISIT_ROUTINE), "常规走访");
	assert_string_equal(visit_kind_code(VISIT_CARE), "care");
	assert_string_equal(visit_kind_code((visit_kind)9), "");
}

static void test_days_parse_format_and_local_midnight(void **state)
{
	(void)state;
	assert_int_equal(day("1970-01-01"), 0);
	assert_int_equal(day("1970-01-02"), 1);
	assert_int_equal(day("1969-12-31"), -1);
	assert_int_equal(day("2000-03-01") - day("2000-02-28"), 2); /* 2000 is a leap year */
	assert_int_equal(day("1900-03-01") - day("1900-02-28"), 1);
	char buf[16];
	for (int64_t d = -800; d < 30000; d += 37)
		assert_int_equal(day(visit_day_format(d, buf, sizeof buf)), d);
	assert_string_equal(visit_day_format(day("2026-02-28"), buf, sizeof buf), "2026-02-28");
	int64_t d = 0;
	const char *bad[] = {"2026-2-28", "2026-02-29", "2026-13-01", "2026/02/28", "2026-02-28T",
	                     "",          "abcd-ef-gh", "2026-00-10", "0000-01-01"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(visit_day_parse(bad[i], &d), -1);
	assert_int_equal(visit_day_parse(NULL, &d), -1);
	/* Asia/Shanghai: 2026-03-01 00:00 local is 2026-02-28 16:00 UTC. */
	int64_t midnight_utc_ms = (day("2026-03-01") * 86400 - 8 * 3600) * INT64_C(1000);
	assert_int_equal(visit_day_of_ms(midnight_utc_ms), day("2026-03-01"));
	assert_int_equal(visit_day_of_ms(midnight_utc_ms - 1), day("2026-02-28"));
	assert_int_equal(visit_day_of_ms(-1), 0); /* 1970-01-01 07:59:59.999 local */
	assert_int_equal(visit_day_of_ms(-8 * 3600 * 1000 - 1), -1);
}

static void test_visit_date_not_in_the_future_nor_over_a_year_back(void **state)
{
	(void)state;
	int64_t today = day("2026-03-10");
	assert_null(visit_day_check(today, today));
	assert_null(visit_day_check(today - 1, today));
	assert_null(visit_day_check(today - VISIT_BACKDATE_MAX_DAYS, today));
	assert_string_equal(visit_day_check(today + 1, today), "走访日期不能晚于今天");
	assert_non_null(visit_day_check(today - VISIT_BACKDATE_MAX_DAYS - 1, today));
}

static void test_interval_no_tags_means_not_tracked(void **state)
{
	(void)state;
	assert_int_equal(visit_interval_of(F, NF, NULL, 0, GRID), 0);
	const char *ordinary[] = {"veteran", "unemployed"};
	assert_int_equal(visit_interval_of(F, NF, ordinary, 2, GRID), 0);
	visit_due d = visit_due_of(0, false, 0, day("2026-01-01"), day("2026-03-10"));
	assert_int_equal(d.state, VISIT_UNTRACKED);
	assert_string_equal(visit_state_code(d.state), "untracked");
}

static void test_interval_several_tags_take_the_most_demanding(void **state)
{
	(void)state;
	const char *t[] = {"dibao", "living_alone", "veteran"};
	assert_int_equal(visit_interval_of(F, NF, t, 3, GRID2), 7);
	const char *t2[] = {"disabled", "dibao"};
	/* disabled: 21 in the street (narrower than ""), dibao 30 at "" in GRID2. */
	assert_int_equal(visit_interval_of(F, NF, t2, 2, GRID2), 21);
	/* Outside the street the default holds. */
	assert_int_equal(visit_interval_of(F, NF, t2, 2, "110105002001001"), 30);
}

static void test_interval_the_narrowest_setting_wins_and_zero_overrides(void **state)
{
	(void)state;
	assert_int_equal(visit_interval_for(F, NF, "elderly_80", GRID), 7);   /* community */
	assert_int_equal(visit_interval_for(F, NF, "elderly_80", GRID2), 14); /* default */
	/* The community says "no regular visits" for 低保: the default does not apply. */
	assert_int_equal(visit_interval_for(F, NF, "dibao", GRID), 0);
	assert_int_equal(visit_interval_for(F, NF, "dibao", GRID2), 30);
	const char *t[] = {"dibao"};
	assert_int_equal(visit_interval_of(F, NF, t, 1, GRID), 0);
	/* A scope is a prefix on code boundaries of the tree: "110105001001" does not
	 * contain "1101050010010" + anything of another community. */
	assert_int_equal(visit_interval_for(F, NF, "elderly_80", "110105001010001"), 14);
	assert_int_equal(visit_interval_for(F, NF, "nothing", GRID), 0);
	assert_int_equal(visit_interval_for(F, 0, "elderly_80", GRID), 0);
}

static void test_due_never_visited_is_due_from_registration(void **state)
{
	(void)state;
	int64_t reg = day("2026-03-01");
	visit_due d = visit_due_of(7, false, 0, reg, reg);
	assert_int_equal(d.state, VISIT_DUE);
	assert_int_equal(d.due_on, reg);
	assert_int_equal(d.days_late, 0);
	d = visit_due_of(7, false, 0, reg, reg + VISIT_GRACE_DAYS);
	assert_int_equal(d.state, VISIT_DUE);
	d = visit_due_of(7, false, 0, reg, reg + VISIT_GRACE_DAYS + 1);
	assert_int_equal(d.state, VISIT_OVERDUE);
	assert_int_equal(d.days_late, VISIT_GRACE_DAYS + 1);
	/* Registered later than "today" (clock skew between processes): not yet due. */
	d = visit_due_of(7, false, 0, reg + 1, reg);
	assert_int_equal(d.state, VISIT_OK);
}

static void test_due_visit_today_is_ok_for_the_interval(void **state)
{
	(void)state;
	int64_t today = day("2026-03-10");
	visit_due d = visit_due_of(7, true, today, day("2025-01-01"), today);
	assert_int_equal(d.state, VISIT_OK);
	assert_int_equal(d.due_on, today + 7);
	assert_int_equal(d.days_late, 0);
	assert_string_equal(visit_state_code(d.state), "ok");
	/* Six days later still ok, the seventh day due, due + grace still due, then overdue. */
	assert_int_equal(visit_due_of(7, true, today, 0, today + 6).state, VISIT_OK);
	d = visit_due_of(7, true, today, 0, today + 7);
	assert_int_equal(d.state, VISIT_DUE);
	assert_int_equal(d.days_late, 0);
	assert_string_equal(visit_state_code(d.state), "due");
	assert_int_equal(visit_due_of(7, true, today, 0, today + 7 + VISIT_GRACE_DAYS).state,
	                 VISIT_DUE);
	d = visit_due_of(7, true, today, 0, today + 8 + VISIT_GRACE_DAYS);
	assert_int_equal(d.state, VISIT_OVERDUE);
	assert_int_equal(d.days_late, 1 + VISIT_GRACE_DAYS);
	assert_string_equal(visit_state_code(d.state), "overdue");
}

static void test_due_interval_of_one_day(void **state)
{
	(void)state;
	int64_t today = day("2026-03-10");
	assert_int_equal(visit_due_of(1, true, today, 0, today).state, VISIT_OK);
	assert_int_equal(visit_due_of(1, true, today - 1, 0, today).state, VISIT_DUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kinds_by_code_and_label),
	    cmocka_unit_test(test_days_parse_format_and_local_midnight),
	    cmocka_unit_test(test_visit_date_not_in_the_future_nor_over_a_year_back),
	    cmocka_unit_test(test_interval_no_tags_means_not_tracked),
	    cmocka_unit_test(test_interval_several_tags_take_the_most_demanding),
	    cmocka_unit_test(test_interval_the_narrowest_setting_wins_and_zero_overrides),
	    cmocka_unit_test(test_due_never_visited_is_due_from_registration),
	    cmocka_unit_test(test_due_visit_today_is_ok_for_the_interval),
	    cmocka_unit_test(test_due_interval_of_one_day),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
