/* Unit tests for the deliberation module's vote rules (tally.c) and paper ballots
 * (ballots.c): every rule at its exact boundaries, headcount merging, developer units,
 * areas a float sum would get wrong, and the CSV reader's row errors. The participatory
 * budget rules are in test_deliberation_pb.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/json.h"
#include "modules/deliberation/ballots.h"
#include "modules/deliberation/deliberation.h"
#include "modules/deliberation/topic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---------------------------------------------------------------------- */

typedef struct {
	const char *unit, *owner;
	int64_t area; /* 0.01 m^2 */
	vote_choice c;
} H;

static vote_counts count(const H *hs, size_t n)
{
	vote_holding *h = calloc(n, sizeof *h);
	for (size_t i = 0; i < n; i++)
		h[i] = (vote_holding){hs[i].unit,          strlen(hs[i].unit), hs[i].owner,
		                      strlen(hs[i].owner), hs[i].area,         hs[i].c};
	vote_counts c;
	vote_problem p;
	int rc = vote_count(h, n, true, &c, &p);
	free(h);
	if (rc != 0)
		fail_msg("vote_count failed: problem %d at %zu", (int)p.kind, p.index);
	return c;
}

static vote_result decide(const char *rule_name, const vote_counts *c)
{
	vote_rule r;
	assert_int_equal(vote_rule_builtin(rule_name, &r), 0);
	vote_result res;
	gz_err err;
	gz_err_clear(&err);
	if (vote_decide(&r, c, &res, &err) != 0)
		fail_msg("vote_decide: %s", err.message);
	return res;
}

/* Owners' counts given directly (heads and areas in 0.01 m^2). */
static vote_counts owners(int64_t eh, int64_t ea, int64_t ph, int64_t pa, int64_t ah, int64_t aa)
{
	vote_counts c = {.has_area = true};
	c.eligible = (vote_amount){eh, ea};
	c.participating = (vote_amount){ph, pa};
	c.agree = (vote_amount){ah, aa};
	c.oppose = (vote_amount){ph - ah, pa - aa};
	return c;
}

static vote_counts persons(int64_t eligible, int64_t present, int64_t agree)
{
	vote_counts c = {.has_area = false};
	c.eligible.heads = eligible;
	c.participating.heads = present;
	c.agree.heads = agree;
	c.oppose.heads = present - agree;
	return c;
}

static const vote_check *check(const vote_result *r, vote_stage s, vote_measure m)
{
	for (int i = 0; i < r->nchecks; i++)
		if (r->checks[i].t.stage == s && r->checks[i].t.measure == m)
			return &r->checks[i];
	fail_msg("no check for stage %d measure %d", (int)s, (int)m);
	return NULL;
}

/* ---- owners: participation -------------------------------------------------------- */

static void test_owners_participation_exactly_two_thirds_by_area_and_headcount_is_met(void **state)
{
	(void)state;
	/* 3 owners, 300.00 m^2; 2 owners holding 200.00 m^2 take part: exactly 2/3 each. */
	vote_counts c = owners(3, 30000, 2, 20000, 2, 20000);
	vote_result r = decide("owners_general", &c);
	assert_true(check(&r, VOTE_PARTICIPATION, VOTE_AREA)->met);
	assert_true(check(&r, VOTE_PARTICIPATION, VOTE_HEADS)->met);
	assert_true(r.participation_met);
	assert_int_equal(check(&r, VOTE_PARTICIPATION, VOTE_AREA)->value, 20000);
	assert_int_equal(check(&r, VOTE_PARTICIPATION, VOTE_AREA)->base, 30000);
	assert_true(r.passed);
	r = decide("owners_major", &c);
	assert_true(r.participation_met);
}

static void test_owners_participation_one_hundredth_below_two_thirds_is_not_met(void **state)
{
	(void)state;
	vote_counts c = owners(3, 30000, 2, 19999, 2, 19999);
	vote_result r = decide("owners_general", &c);
	assert_false(check(&r, VOTE_PARTICIPATION, VOTE_AREA)->met);
	assert_true(check(&r, VOTE_PARTICIPATION, VOTE_HEADS)->met);
	assert_false(r.participation_met);
	assert_false(r.passed);
}

static void test_owners_participation_needs_both_area_and_headcount(void **state)
{
	(void)state;
	/* Area 2/3 but headcount 5/9 < 2/3. */
	vote_counts c = owners(9, 90000, 5, 60000, 5, 60000);
	vote_result r = decide("owners_general", &c);
	assert_true(check(&r, VOTE_PARTICIPATION, VOTE_AREA)->met);
	assert_false(check(&r, VOTE_PARTICIPATION, VOTE_HEADS)->met);
	assert_false(r.participation_met);
	/* Headcount 6/9 = 2/3 exactly, area 59999/90000 < 2/3. */
	c = owners(9, 90000, 6, 59999, 6, 59999);
	r = decide("owners_major", &c);
	assert_false(check(&r, VOTE_PARTICIPATION, VOTE_AREA)->met);
	assert_true(check(&r, VOTE_PARTICIPATION, VOTE_HEADS)->met);
	assert_false(r.passed);
}

/* ---- owners: approval ------------------------------------------------------------- */

static void test_owners_general_approval_of_exactly_half_is_not_met(void **state)
{
	(void)state;
	/* All 4 owners (400.00 m^2) take part; 2 owners with 200.00 m^2 agree: exactly 1/2. */
	vote_counts c = owners(4, 40000, 4, 40000, 2, 20000);
	vote_result r = decide("owners_general", &c);
	assert_true(r.participation_met);
	assert_false(check(&r, VOTE_APPROVAL, VOTE_AREA)->met);
	assert_false(check(&r, VOTE_APPROVAL, VOTE_HEADS)->met);
	assert_false(r.approval_met);
	assert_false(r.passed);
}

static void test_owners_general_approval_just_over_half_passes(void **state)
{
	(void)state;
	/* 3 of 5 owners, 200.01 of 400.00 m^2. */
	vote_counts c = owners(5, 40000, 5, 40000, 3, 20001);
	vote_result r = decide("owners_general", &c);
	assert_true(check(&r, VOTE_APPROVAL, VOTE_AREA)->met);
	assert_true(check(&r, VOTE_APPROVAL, VOTE_HEADS)->met);
	assert_true(r.passed);
	/* The area share is over half but the headcount is exactly half: fails. */
	c = owners(4, 40000, 4, 40000, 2, 20001);
	r = decide("owners_general", &c);
	assert_true(check(&r, VOTE_APPROVAL, VOTE_AREA)->met);
	assert_false(check(&r, VOTE_APPROVAL, VOTE_HEADS)->met);
	assert_false(r.passed);
}

static void test_owners_major_exactly_three_quarters_passes(void **state)
{
	(void)state;
	/* 4 owners, 400.00 m^2 take part; 3 owners with 300.00 m^2 agree: exactly 3/4. */
	vote_counts c = owners(4, 40000, 4, 40000, 3, 30000);
	vote_result r = decide("owners_major", &c);
	assert_true(check(&r, VOTE_APPROVAL, VOTE_AREA)->met);
	assert_true(check(&r, VOTE_APPROVAL, VOTE_HEADS)->met);
	assert_true(r.passed);
	/* 299.99 m^2 is one hundredth short. */
	c = owners(4, 40000, 4, 40000, 3, 29999);
	r = decide("owners_major", &c);
	assert_false(check(&r, VOTE_APPROVAL, VOTE_AREA)->met);
	assert_false(r.passed);
	/* The same 3/4 is far more than half: the general rule passes it too. */
	c = owners(4, 40000, 4, 40000, 3, 30000);
	assert_true(decide("owners_general", &c).passed);
}

static void test_owners_approval_base_is_the_participants_not_the_eligible(void **state)
{
	(void)state;
	/* 9 eligible, 6 take part (2/3), 5 agree: 5/6 of participants (>= 3/4) although only
	 * 5/9 of all owners. */
	vote_counts c = owners(9, 90000, 6, 60000, 5, 50000);
	vote_result r = decide("owners_major", &c);
	assert_int_equal(check(&r, VOTE_APPROVAL, VOTE_HEADS)->base, 6);
	assert_true(r.passed);
}

static void test_abstentions_count_as_participation_but_not_agreement(void **state)
{
	(void)state;
	const H hs[] = {
	    {"1", "a", 10000, VOTE_AGREE},
	    {"2", "b", 10000, VOTE_ABSTAIN},
	    {"3", "c", 10000, VOTE_ABSTAIN},
	};
	vote_counts c = count(hs, 3);
	assert_int_equal(c.participating.heads, 3);
	assert_int_equal(c.participating.area, 30000);
	assert_int_equal(c.abstain.heads, 2);
	vote_result r = decide("owners_general", &c);
	assert_true(r.participation_met);
	assert_false(r.approval_met);
}

/* ---- headcount and areas ---------------------------------------------------------- */

static void test_one_owner_with_three_units_counts_once_with_all_their_area(void **state)
{
	(void)state;
	const H hs[] = {
	    {"1-101", "张三", 8937, VOTE_AGREE},  {"1-102", "张三", 6000, VOTE_AGREE},
	    {"1-103", "张三", 12050, VOTE_AGREE}, {"2-101", "李四", 9000, VOTE_OPPOSE},
	    {"2-102", "王五", 9000, VOTE_ABSENT},
	};
	vote_counts c = count(hs, 5);
	assert_int_equal(c.eligible.heads, 3);
	assert_int_equal(c.eligible.area, 8937 + 6000 + 12050 + 9000 + 9000);
	assert_int_equal(c.participating.heads, 2);
	assert_int_equal(c.agree.heads, 1);
	assert_int_equal(c.agree.area, 8937 + 6000 + 12050);
	/* Headcount: 1 of 2 participating agree = exactly half, not met; area 26987/35987. */
	vote_result r = decide("owners_general", &c);
	assert_true(r.participation_met);
	assert_true(check(&r, VOTE_APPROVAL, VOTE_AREA)->met);
	assert_false(check(&r, VOTE_APPROVAL, VOTE_HEADS)->met);
	assert_false(r.passed);
}

static void test_developer_units_count_as_one_owner(void **state)
{
	(void)state;
	/* The developer still holds 4 units; 2 buyers own one each. Eligible heads: 3. */
	const H hs[] = {
	    {"1", VOTE_DEVELOPER, 10000, VOTE_OPPOSE},
	    {"2", VOTE_DEVELOPER, 10000, VOTE_OPPOSE},
	    {"3", VOTE_DEVELOPER, 10000, VOTE_OPPOSE},
	    {"4", VOTE_DEVELOPER, 10000, VOTE_OPPOSE},
	    {"5", "甲", 10000, VOTE_AGREE},
	    {"6", "乙", 10000, VOTE_AGREE},
	};
	vote_counts c = count(hs, 6);
	assert_int_equal(c.eligible.heads, 3);
	assert_int_equal(c.eligible.area, 60000);
	assert_int_equal(c.oppose.heads, 1);
	assert_int_equal(c.oppose.area, 40000);
	/* Heads 2/3 agree but area only 1/3: fails the general rule on area. */
	vote_result r = decide("owners_general", &c);
	assert_true(check(&r, VOTE_APPROVAL, VOTE_HEADS)->met);
	assert_false(check(&r, VOTE_APPROVAL, VOTE_AREA)->met);
	assert_false(r.passed);
}

static void test_developer_not_voting_is_one_absent_owner(void **state)
{
	(void)state;
	const H hs[] = {
	    {"1", VOTE_DEVELOPER, 5000, VOTE_ABSENT},
	    {"2", VOTE_DEVELOPER, 5000, VOTE_ABSENT},
	    {"3", "甲", 10000, VOTE_AGREE},
	    {"4", "乙", 10000, VOTE_AGREE},
	};
	vote_counts c = count(hs, 4);
	/* 2 of 3 owners (exactly 2/3) with 200.00 of 300.00 m^2 (exactly 2/3) take part. */
	assert_int_equal(c.eligible.heads, 3);
	assert_int_equal(c.participating.heads, 2);
	assert_true(decide("owners_major", &c).passed);
}

static void test_areas_whose_float_sum_rounds_wrong_are_exact(void **state)
{
	(void)state;
	/* Participating 5.00 + 0.30 = 5.30 of 5.30 + 2.00 + 0.65 = 7.95: exactly 2/3. In
	 * doubles 5.3 * 3 = 15.899999999999999 < 7.95 * 2 = 15.9, so a float tally would say
	 * the quorum failed. */
	const H hs[] = {
	    {"1", "a", 500, VOTE_AGREE},
	    {"2", "b", 30, VOTE_AGREE},
	    {"3", "c", 200, VOTE_ABSENT},
	    {"4", "d", 65, VOTE_ABSENT},
	};
	vote_counts c = count(hs, 4);
	assert_int_equal(c.eligible.area, 795);
	assert_int_equal(c.participating.area, 530);
	vote_result r = decide("owners_general", &c);
	assert_true(check(&r, VOTE_PARTICIPATION, VOTE_AREA)->met);
	/* Ten units of 0.10 m^2 make exactly 1.00 (a float sum gives 0.9999999999999999). */
	H ten[10];
	char names[10][4];
	for (int i = 0; i < 10; i++) {
		names[i][0] = (char)('0' + i);
		names[i][1] = 0;
		ten[i] = (H){names[i], "同一业主", 10, VOTE_AGREE};
	}
	c = count(ten, 10);
	assert_int_equal(c.eligible.area, 100);
	assert_int_equal(c.eligible.heads, 1);
}

/* ---- residents' meeting, simple majority, two thirds ------------------------------ */

static void test_residents_meeting_needs_more_than_half_attending_and_agreeing(void **state)
{
	(void)state;
	/* Exactly half attend: not valid. */
	vote_counts c = persons(10, 5, 5);
	vote_result r = decide("residents_meeting", &c);
	assert_false(r.participation_met);
	assert_false(r.passed);
	/* 6 of 10 attend, 3 of 6 agree: exactly half, not a decision. */
	c = persons(10, 6, 3);
	r = decide("residents_meeting", &c);
	assert_true(r.participation_met);
	assert_false(r.approval_met);
	/* 4 of 6 agree. */
	c = persons(10, 6, 4);
	assert_true(decide("residents_meeting", &c).passed);
}

static void test_simple_majority_and_two_thirds_of_those_voting(void **state)
{
	(void)state;
	vote_counts c = persons(100, 10, 5);
	assert_false(decide("simple_majority", &c).passed); /* exactly half */
	c = persons(100, 10, 6);
	assert_true(decide("simple_majority", &c).passed); /* no quorum */
	c = persons(100, 9, 6);
	assert_true(decide("two_thirds", &c).passed); /* exactly 2/3, 以上 */
	c = persons(100, 9, 5);
	assert_false(decide("two_thirds", &c).passed);
}

static void test_threshold_over_empty_base_is_not_met(void **state)
{
	(void)state;
	vote_counts c = persons(10, 0, 0);
	vote_result r = decide("two_thirds", &c); /* 0 of 0 must not be ">= 2/3" */
	assert_false(r.approval_met);
	assert_false(r.passed);
	c = owners(0, 0, 0, 0, 0, 0);
	assert_false(decide("owners_major", &c).participation_met);
}

static void test_area_rule_refuses_counts_without_area(void **state)
{
	(void)state;
	vote_counts c = persons(3, 3, 3);
	vote_rule r;
	assert_int_equal(vote_rule_builtin("owners_general", &r), 0);
	vote_result res;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(vote_decide(&r, &c, &res, &err), -1);
	assert_string_equal(err.code, "invalid_tally");
	/* Inconsistent counts are refused too. */
	c = persons(3, 4, 1);
	assert_int_equal(vote_rule_builtin("simple_majority", &r), 0);
	assert_int_equal(vote_decide(&r, &c, &res, &err), -1);
}

/* ---- custom thresholds ------------------------------------------------------------ */

static void test_custom_thresholds_are_exact_fractions(void **state)
{
	(void)state;
	vote_rule r;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(vote_rule_custom("area>=2/3, heads >= 2/3", "heads>3/5", &r, &err), 0);
	assert_int_equal(r.nthresholds, 3);
	assert_int_equal(r.electorate, VOTE_ELECTORATE_OWNERS);
	assert_int_equal(r.t[2].num, 3);
	assert_int_equal(r.t[2].den, 5);
	assert_true(r.t[2].strict);
	vote_counts c = owners(3, 300, 2, 200, 3, 200); /* agree heads 3 > participating: bad */
	vote_result res;
	assert_int_equal(vote_decide(&r, &c, &res, &err), -1);
	c = owners(3, 300, 2, 200, 2, 200);
	assert_int_equal(vote_decide(&r, &c, &res, &err), 0);
	assert_true(res.passed);
	/* 3/5 exactly is not "> 3/5". */
	c = owners(5, 500, 5, 500, 3, 300);
	assert_int_equal(vote_decide(&r, &c, &res, &err), 0);
	assert_false(res.approval_met);
	/* Headcount-only custom rules work on either electorate. */
	assert_int_equal(vote_rule_custom(NULL, "heads>=1", &r, &err), 0);
	assert_int_equal(r.electorate, VOTE_ELECTORATE_ANY);
	c = persons(4, 4, 4);
	assert_int_equal(vote_decide(&r, &c, &res, &err), 0);
	assert_true(res.passed);
}

static void test_custom_rule_rejects_bad_thresholds(void **state)
{
	(void)state;
	const char *bad[] = {"heads>=3/2",   "heads>1",
	                     "area=>1/2",    "votes>1/2",
	                     "heads>=0/1",   "heads>=1/0",
	                     "heads>=1/2x",  "heads>=-1/2",
	                     "heads>=1/2,,", "heads>=99999999/100000000"};
	vote_rule r;
	gz_err err;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		gz_err_clear(&err);
		if (vote_rule_custom(bad[i], NULL, &r, &err) != -1)
			fail_msg("'%s' accepted", bad[i]);
		assert_string_equal(err.code, "invalid_rule");
	}
	assert_int_equal(vote_rule_custom("", "", &r, &err), -1); /* no threshold at all */
	assert_int_equal(vote_rule_builtin("custom", &r), -1);
	assert_int_equal(vote_rule_builtin("owners", &r), -1);
}

/* ---- counting problems ------------------------------------------------------------ */

static void test_count_reports_duplicate_unit_and_split_owner(void **state)
{
	(void)state;
	vote_holding h[] = {
	    {"1", 1, "a", 1, 100, VOTE_AGREE},
	    {"2", 1, "b", 1, 100, VOTE_AGREE},
	    {"1", 1, "c", 1, 100, VOTE_AGREE},
	};
	vote_counts c;
	vote_problem p;
	assert_int_equal(vote_count(h, 3, true, &c, &p), -1);
	assert_int_equal(p.kind, VOTE_PROBLEM_DUPLICATE_UNIT);
	assert_int_equal(p.index, 2);
	assert_int_equal(p.other, 0);
	h[2] = (vote_holding){"3", 1, "a", 1, 100, VOTE_OPPOSE};
	assert_int_equal(vote_count(h, 3, true, &c, &p), -1);
	assert_int_equal(p.kind, VOTE_PROBLEM_OWNER_SPLIT);
	assert_int_equal(p.index, 2);
	assert_int_equal(p.other, 0);
	/* An owner absent on one unit and voting on another is split too. */
	h[2].choice = VOTE_ABSENT;
	assert_int_equal(vote_count(h, 3, true, &c, &p), -1);
	assert_int_equal(vote_count(h, 0, true, &c, &p), -1);
	assert_int_equal(p.kind, VOTE_PROBLEM_EMPTY);
}

static void test_vote_words(void **state)
{
	(void)state;
	vote_choice c;
	const struct {
		const char *s;
		vote_choice c;
	} ok[] = {{"agree", VOTE_AGREE},   {" Agree ", VOTE_AGREE}, {"同意", VOTE_AGREE},
	          {"OPPOSE", VOTE_OPPOSE}, {"反对", VOTE_OPPOSE},   {"abstain", VOTE_ABSTAIN},
	          {"弃权", VOTE_ABSTAIN},  {"", VOTE_ABSENT},       {"  ", VOTE_ABSENT}};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		assert_int_equal(vote_choice_parse(ok[i].s, strlen(ok[i].s), &c), 0);
		assert_int_equal(c, ok[i].c);
	}
	const char *bad[] = {"yes", "赞成", "agreed", "同 意", "1"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(vote_choice_parse(bad[i], strlen(bad[i]), &c), -1);
}

/* ---- paper ballots (CSV) ---------------------------------------------------------- */

static int read_csv(const char *csv, vote_electorate want, vote_ballots *b, gz_arena *a,
                    gz_err *err)
{
	gz_err_clear(err);
	return vote_ballots_read_csv(csv, strlen(csv), want, a, b, err);
}

/* The CSV is rejected, naming row; the message contains why. */
static void expect_bad_csv(const char *csv, vote_electorate want, size_t row, const char *why)
{
	gz_arena a;
	gz_arena_init(&a);
	vote_ballots b;
	gz_err err;
	vote_counts c;
	int rc = read_csv(csv, want, &b, &a, &err);
	if (rc == 0)
		rc = vote_ballots_count(&b, &c, &err);
	gz_arena_free(&a);
	if (rc == 0)
		fail_msg("accepted: %s", csv);
	char prefix[32];
	snprintf(prefix, sizeof prefix, "第 %zu 行", row); /* then ： or 第 C 列： */
	if (strncmp(err.message, prefix, strlen(prefix)) != 0 || !strstr(err.message, why))
		fail_msg("expected '%s…%s', got '%s'", prefix, why, err.message);
	assert_string_equal(err.code, "invalid_ballots");
}

static void test_ballots_csv_owners_counted(void **state)
{
	(void)state;
	const char *csv = "\xEF\xBB\xBFUnit , owner,area,vote,note\r\n"
	                  "1-101,张三,89.37,同意,\r\n"
	                  "1-102, 张三 ,60,agree,x\r\n"
	                  ",,,,\r\n"
	                  "1-103,@developer,100.5,,\r\n"
	                  "1-104,@developer,0.5,,\r\n";
	gz_arena a;
	gz_arena_init(&a);
	vote_ballots b;
	gz_err err;
	assert_int_equal(read_csv(csv, VOTE_ELECTORATE_OWNERS, &b, &a, &err), 0);
	assert_true(b.has_area);
	assert_int_equal(b.n, 4);
	assert_int_equal(b.rows[2], 5);
	vote_counts c;
	assert_int_equal(vote_ballots_count(&b, &c, &err), 0);
	assert_int_equal(c.eligible.heads, 2);
	assert_int_equal(c.eligible.area, 8937 + 6000 + 10050 + 50);
	assert_int_equal(c.agree.heads, 1);
	assert_int_equal(c.participating.area, 14937);
	gz_arena_free(&a);
}

static void test_ballots_csv_bad_rows_name_the_row(void **state)
{
	(void)state;
	const vote_electorate O = VOTE_ELECTORATE_OWNERS, P = VOTE_ELECTORATE_PERSONS;
	const char *head = "unit,owner,area,vote\n";
	char csv[512];
	const struct {
		const char *row, *why;
	} cases[] = {
	    {"1,a,12.345,agree\n", "最多两位小数"},   {"1,a,-3,agree\n", "不能为负数"},
	    {"1,a,abc,agree\n", "含有非法字符"},      {"1,a,0,agree\n", "必须大于 0"},
	    {"1,a,0.00,agree\n", "必须大于 0"},       {"1,a,,agree\n", "不能为空"},
	    {"1,a,10,yes\n", "vote「yes」"},          {",a,10,agree\n", "unit 不能为空"},
	    {"1,,10,agree\n", "owner 不能为空"},      {"1,a,10\n", "列数与表头不一致"},
	    {"1,a,10,agree,x\n", "列数与表头不一致"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(csv, sizeof csv, "%s2,b,10,agree\n%s", head, cases[i].row);
		expect_bad_csv(csv, O, 3, cases[i].why);
	}
	expect_bad_csv("unit,owner,area,vote\n1,a,10,agree\n2,b,10,agree\n1,c,10,agree\n", O, 4,
	               "unit「1」重复（第 2 行已有）");
	expect_bad_csv("unit,owner,area,vote\n1,a,10,agree\n2,b,10,agree\n3,a,10,oppose\n", O, 4,
	               "owner「a」");
	expect_bad_csv("unit,owner,vote\n1,a,agree\n", O, 1, "缺少列 area");
	expect_bad_csv("person,vote\nx,agree\n", O, 1, "缺少列 unit");
	expect_bad_csv("unit,owner,area,vote,vote\n", O, 1, "表头列 vote 重复");
	expect_bad_csv("", O, 1, "文件为空");
	expect_bad_csv("\n\n", O, 1, "文件为空");
	expect_bad_csv("unit,owner,area,vote\n", O, 2, "只有表头");
	expect_bad_csv("person,vote\na,agree\nb,\na,oppose\n", P, 4, "person「a」重复");
	expect_bad_csv("person\na\n", P, 1, "缺少列 vote");
	expect_bad_csv("person,vote\n\"a,agree\n", P, 2, "引号未闭合");
	expect_bad_csv("person,vote\na,\xff\n", P, 2, "UTF-8");
}

static void test_ballots_any_format_is_told_by_the_header(void **state)
{
	(void)state;
	gz_arena a;
	gz_arena_init(&a);
	vote_ballots b;
	gz_err err;
	assert_int_equal(read_csv("person,vote\na,agree\n", VOTE_ELECTORATE_ANY, &b, &a, &err), 0);
	assert_false(b.has_area);
	assert_int_equal(
	    read_csv("unit,owner,area,vote\n1,a,1,agree\n", VOTE_ELECTORATE_ANY, &b, &a, &err), 0);
	assert_true(b.has_area);
	gz_arena_free(&a);
}

static void test_result_json_shape(void **state)
{
	(void)state;
	vote_counts c = owners(3, 30000, 2, 20000, 2, 20000);
	vote_rule r;
	vote_rule_builtin("owners_general", &r);
	vote_result res = decide("owners_general", &c);
	json_t *o = vote_result_json(&r, &c, &res);
	char *s = gz_json_dump(o, NULL);
	assert_non_null(strstr(s,
	                       "{\"rule\":\"owners_general\",\"eligible\":{\"owners\":3,\"area\":"
	                       "\"300.00\"},\"participating\":{\"owners\":2,\"area\":\"200.00\"},"
	                       "\"agree\":{\"owners\":2,\"area\":\"200.00\"},"
	                       "\"participation_met\":true,\"approval_met\":true,"
	                       "\"passed\":true,\"thresholds\":[{\"stage\":\"participation\","
	                       "\"measure\":\"area\",\"numerator\":\"200.00\",\"denominator\":"
	                       "\"300.00\",\"required\":\"2/3\",\"comparison\":\"at_least\","
	                       "\"met\":true}"));
	free(s);
	json_decref(o);
}

/* ---- topics and frozen electorates (topic.c) -------------------------------------- */

static void test_topic_stages_move_forward_only(void **state)
{
	(void)state;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(topic_stage_move(TOPIC_PROPOSED, TOPIC_CONFIRMED, &err), 0);
	assert_int_equal(topic_stage_move(TOPIC_PROPOSED, TOPIC_REJECTED, &err), 0);
	assert_int_equal(topic_stage_move(TOPIC_CONFIRMED, TOPIC_VOTING, &err), 0); /* skips */
	assert_int_equal(topic_stage_move(TOPIC_VOTING, TOPIC_PUBLICITY, &err), 0);
	assert_int_equal(topic_stage_move(TOPIC_EVALUATION, TOPIC_CLOSED, &err), 0);
	/* never back, never past confirmation unconfirmed, nothing after the end */
	assert_int_equal(topic_stage_move(TOPIC_VOTING, TOPIC_MEETING, &err), -1);
	assert_string_equal(err.code, "stage_order");
	assert_int_equal(err.kind, GZ_ECONFLICT);
	assert_int_equal(topic_stage_move(TOPIC_VOTING, TOPIC_VOTING, &err), -1);
	assert_int_equal(topic_stage_move(TOPIC_PROPOSED, TOPIC_MEETING, &err), -1);
	assert_int_equal(topic_stage_move(TOPIC_CONFIRMED, TOPIC_REJECTED, &err), -1);
	assert_int_equal(topic_stage_move(TOPIC_CLOSED, TOPIC_CLOSED, &err), -1);
	assert_int_equal(topic_stage_move(TOPIC_REJECTED, TOPIC_CONFIRMED, &err), -1);
	for (int s = 0; s < TOPIC__COUNT; s++)
		assert_int_equal(topic_stage_parse(topic_stage_code((topic_stage)s)), s);
	assert_int_equal(topic_stage_parse("voted"), -1);
	assert_true(topic_vote_may_open(TOPIC_CONFIRMED));
	assert_true(topic_vote_may_open(TOPIC_VOTING));
	assert_false(topic_vote_may_open(TOPIC_PROPOSED));
	assert_false(topic_vote_may_open(TOPIC_PUBLICITY));
}

static void test_owners_vote_needs_the_topic_published_n_full_days_before(void **state)
{
	(void)state;
	const int64_t day = INT64_C(86400000), now = INT64_C(1780000000000);
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(topic_notice_check(now - 15 * day, now, 15, &err), 0);
	assert_int_equal(topic_notice_check(now - 15 * day + 1, now, 15, &err), -1);
	assert_string_equal(err.code, "notice_too_short");
	assert_int_equal(err.kind, GZ_EINVALID);
	assert_int_equal(topic_notice_check(now - 14 * day, now, 15, &err), -1);
	assert_int_equal(topic_notice_check(0, now, 0, &err), -1); /* never published */
	assert_int_equal(topic_notice_check(now, now, 0, &err), 0);
	unsetenv("GONGZHI_VOTE_NOTICE_DAYS");
	assert_int_equal(topic_notice_days(), 15);
	setenv("GONGZHI_VOTE_NOTICE_DAYS", "7", 1);
	assert_int_equal(topic_notice_days(), 7);
	setenv("GONGZHI_VOTE_NOTICE_DAYS", "-1", 1);
	assert_int_equal(topic_notice_days(), 15);
	unsetenv("GONGZHI_VOTE_NOTICE_DAYS");
}

static void test_voter_keys_merge_co_owners_and_the_developer(void **state)
{
	(void)state;
	const char *one[] = {"id:aa"};
	const char *two[] = {"id:bb", "id:aa"};
	const char *two_again[] = {"id:aa", "id:bb", "id:aa"};
	const char *dev[] = {"developer"};
	char *k = topic_voter_key(true, 7, one, 1);
	assert_string_equal(k, "id:aa");
	free(k);
	k = topic_voter_key(true, 7, two, 2);
	assert_string_equal(k, "id:aa+id:bb");
	free(k);
	k = topic_voter_key(true, 8, two_again, 3);
	assert_string_equal(k, "id:aa+id:bb"); /* the same co-owners: the same voter */
	free(k);
	k = topic_voter_key(false, 9, one, 1);
	assert_string_equal(k, "developer");
	free(k);
	k = topic_voter_key(true, 9, dev, 1);
	assert_string_equal(k, "developer");
	free(k);
	k = topic_voter_key(true, 42, NULL, 0);
	assert_string_equal(k, "unit:42");
	free(k);
}

static void test_each_stage_allows_its_own_record_only(void **state)
{
	(void)state;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(topic_may(TOPIC_PROPOSED, TOPIC_DO_COMMENT, &err), -1);
	assert_string_equal(err.code, "stage_order");
	assert_int_equal(topic_may(TOPIC_CONFIRMED, TOPIC_DO_COMMENT, &err), 0);
	assert_int_equal(topic_may(TOPIC_CONSULTATION, TOPIC_DO_COMMENT, &err), 0);
	assert_int_equal(topic_may(TOPIC_MEETING, TOPIC_DO_COMMENT, &err), 0);
	assert_int_equal(topic_may(TOPIC_VOTING, TOPIC_DO_COMMENT, &err), -1);
	assert_int_equal(topic_may(TOPIC_CONSULTATION, TOPIC_DO_MEETING, &err), -1);
	assert_int_equal(topic_may(TOPIC_MEETING, TOPIC_DO_MEETING, &err), 0);
	assert_int_equal(topic_may(TOPIC_VOTING, TOPIC_DO_MEETING, &err), 0);
	assert_int_equal(topic_may(TOPIC_PUBLICITY, TOPIC_DO_TASK, &err), -1);
	assert_int_equal(topic_may(TOPIC_IMPLEMENTATION, TOPIC_DO_TASK, &err), 0);
	assert_int_equal(topic_may(TOPIC_EVALUATION, TOPIC_DO_TASK, &err), -1);
	assert_int_equal(topic_may(TOPIC_IMPLEMENTATION, TOPIC_DO_EVALUATE, &err), -1);
	assert_int_equal(topic_may(TOPIC_EVALUATION, TOPIC_DO_EVALUATE, &err), 0);
	assert_int_equal(topic_may(TOPIC_CLOSED, TOPIC_DO_EVALUATE, &err), -1);
}

static void test_positions_actors_and_ratings_parse(void **state)
{
	(void)state;
	assert_int_equal(topic_position_parse("support"), TOPIC_POS_SUPPORT);
	assert_int_equal(topic_position_parse("oppose"), TOPIC_POS_OPPOSE);
	assert_int_equal(topic_position_parse("suggest"), TOPIC_POS_SUGGEST);
	assert_int_equal(topic_position_parse(""), -1);
	assert_int_equal(topic_position_parse("Support"), -1);
	assert_string_equal(topic_position_label(TOPIC_POS_SUGGEST), "建议");
	assert_int_equal(topic_actor_parse("party"), 0);
	assert_string_equal(topic_actor_label(topic_actor_parse("property")), "物业服务企业");
	assert_int_equal(topic_actor_parse("mayor"), -1);
	assert_string_equal(topic_actor_label(-1), "");
	assert_int_equal(topic_rating_parse("basic"), TOPIC_EVAL_BASIC);
	assert_int_equal(topic_rating_parse("great"), -1);
	assert_string_equal(topic_rating_label(TOPIC_EVAL_DISSATISFIED), "不满意");
	assert_int_equal(topic_electorate_parse("households"), TOPIC_ELECTORATE_HOUSEHOLDS);
	assert_int_equal(topic_electorate_parse("adults"), -1);
	char buf[48];
	assert_string_equal(topic_person_key(false, 42, buf, sizeof buf), "resident:42");
	assert_string_equal(topic_person_key(true, 7, buf, sizeof buf), "household:7");
}

static void test_meeting_needs_two_actors(void **state)
{
	(void)state;
	gz_err err;
	gz_err_clear(&err);
	int one[] = {0}, same[] = {4, 4, 4}, two[] = {0, 3};
	assert_int_equal(topic_meeting_check(one, 1, &err), -1);
	assert_string_equal(err.code, "invalid_fields");
	assert_string_equal(err.fields[0].name, "participants");
	gz_err_clear(&err);
	assert_int_equal(topic_meeting_check(same, 3, &err), -1);
	gz_err_clear(&err);
	assert_int_equal(topic_meeting_check(two, 2, &err), 0);
	assert_int_equal(topic_meeting_check(NULL, 0, &err), -1);
	int many[TOPIC_MEETING_MAX_PARTICIPANTS + 1];
	for (int i = 0; i <= TOPIC_MEETING_MAX_PARTICIPANTS; i++)
		many[i] = i % 2;
	gz_err_clear(&err);
	assert_int_equal(topic_meeting_check(many, TOPIC_MEETING_MAX_PARTICIPANTS, &err), 0);
	assert_int_equal(topic_meeting_check(many, TOPIC_MEETING_MAX_PARTICIPANTS + 1, &err), -1);
}

static void test_publicity_runs_its_full_period(void **state)
{
	(void)state;
	gz_err err;
	gz_err_clear(&err);
	const int64_t day = 86400000, start = INT64_C(1780000000000);
	int64_t until = topic_publicity_until(start, 7);
	assert_int_equal(until, start + 7 * day);
	assert_int_equal(topic_publicity_check(until, until - 1, &err), -1);
	assert_string_equal(err.code, "publicity_running");
	assert_non_null(strstr(err.message, "1 日"));
	assert_int_equal(topic_publicity_check(until, until, &err), 0); /* ends at until */
	assert_int_equal(topic_publicity_check(until, start, &err), -1);
	assert_non_null(strstr(err.message, "7 日"));
	assert_int_equal(topic_publicity_check(0, start, &err), 0);
}

static void test_implementation_ends_with_every_task_done(void **state)
{
	(void)state;
	gz_err err;
	gz_err_clear(&err);
	int64_t done[] = {100, 100}, open[] = {100, 99, 0};
	assert_int_equal(topic_tasks_done_check(done, 2, &err), 0);
	assert_int_equal(topic_tasks_done_check(NULL, 0, &err), 0);
	assert_int_equal(topic_tasks_done_check(open, 3, &err), -1);
	assert_string_equal(err.code, "tasks_unfinished");
	assert_non_null(strstr(err.message, "2 项"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(
	        test_owners_participation_exactly_two_thirds_by_area_and_headcount_is_met),
	    cmocka_unit_test(test_owners_participation_one_hundredth_below_two_thirds_is_not_met),
	    cmocka_unit_test(test_owners_participation_needs_both_area_and_headcount),
	    cmocka_unit_test(test_owners_general_approval_of_exactly_half_is_not_met),
	    cmocka_unit_test(test_owners_general_approval_just_over_half_passes),
	    cmocka_unit_test(test_owners_major_exactly_three_quarters_passes),
	    cmocka_unit_test(test_owners_approval_base_is_the_participants_not_the_eligible),
	    cmocka_unit_test(test_abstentions_count_as_participation_but_not_agreement),
	    cmocka_unit_test(test_one_owner_with_three_units_counts_once_with_all_their_area),
	    cmocka_unit_test(test_developer_units_count_as_one_owner),
	    cmocka_unit_test(test_developer_not_voting_is_one_absent_owner),
	    cmocka_unit_test(test_areas_whose_float_sum_rounds_wrong_are_exact),
	    cmocka_unit_test(test_residents_meeting_needs_more_than_half_attending_and_agreeing),
	    cmocka_unit_test(test_simple_majority_and_two_thirds_of_those_voting),
	    cmocka_unit_test(test_threshold_over_empty_base_is_not_met),
	    cmocka_unit_test(test_area_rule_refuses_counts_without_area),
	    cmocka_unit_test(test_custom_thresholds_are_exact_fractions),
	    cmocka_unit_test(test_custom_rule_rejects_bad_thresholds),
	    cmocka_unit_test(test_count_reports_duplicate_unit_and_split_owner),
	    cmocka_unit_test(test_vote_words),
	    cmocka_unit_test(test_ballots_csv_owners_counted),
	    cmocka_unit_test(test_ballots_csv_bad_rows_name_the_row),
	    cmocka_unit_test(test_ballots_any_format_is_told_by_the_header),
	    cmocka_unit_test(test_result_json_shape),
	    cmocka_unit_test(test_topic_stages_move_forward_only),
	    cmocka_unit_test(test_owners_vote_needs_the_topic_published_n_full_days_before),
	    cmocka_unit_test(test_voter_keys_merge_co_owners_and_the_developer),
	    cmocka_unit_test(test_each_stage_allows_its_own_record_only),
	    cmocka_unit_test(test_positions_actors_and_ratings_parse),
	    cmocka_unit_test(test_meeting_needs_two_actors),
	    cmocka_unit_test(test_publicity_runs_its_full_period),
	    cmocka_unit_test(test_implementation_ends_with_every_task_done),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
