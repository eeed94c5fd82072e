/* Unit tests for modules/matching/rules.c: the states of a need and their one table of
 * transitions, the priority weight (tags, waiting time, caps), the projection onto the
 * engine's plane, and the removal of declined pairs from the network (the optimum of
 * the cut network equals a brute force that forbids those pairs). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "modules/matching/engine.h"
#include "modules/matching/rules.h"

#include <stdlib.h>
#include <string.h>

#define DAY INT64_C(86400000)

static void test_states_by_code_and_label(void **state)
{
	(void)state;
	for (int s = 0; s < NEED_STATE__COUNT; s++) {
		assert_int_equal(need_state_parse(need_state_code((need_state)s)), s);
		assert_true(need_state_label((need_state)s)[0]);
	}
	assert_int_equal(need_state_parse("nope"), -1);
	assert_int_equal(need_state_parse(NULL), -1);
	assert_string_equal(need_state_code(NEED_STATE__COUNT), "");
	assert_string_equal(need_state_label(NEED_TAKEN), "已接单");
}

static void test_the_happy_path_open_to_rated(void **state)
{
	(void)state;
	assert_int_equal(need_transition(NEED_OPEN, NEED_PROPOSE), NEED_PROPOSED);
	assert_int_equal(need_transition(NEED_PROPOSED, NEED_ACCEPT), NEED_TAKEN);
	assert_int_equal(need_transition(NEED_TAKEN, NEED_COMPLETE), NEED_DONE);
	assert_int_equal(need_transition(NEED_DONE, NEED_RATE), NEED_RATED);
}

static void test_decline_reopens_and_claim_takes_an_open_need(void **state)
{
	(void)state;
	assert_int_equal(need_transition(NEED_PROPOSED, NEED_DECLINE), NEED_OPEN);
	assert_int_equal(need_transition(NEED_OPEN, NEED_ACCEPT), NEED_TAKEN);
	assert_int_equal(need_transition(NEED_OPEN, NEED_DECLINE), -1);
}

static void test_cancel_and_expire_only_before_done(void **state)
{
	(void)state;
	for (int s = 0; s < NEED_STATE__COUNT; s++) {
		bool cancels = s == NEED_OPEN || s == NEED_PROPOSED || s == NEED_TAKEN;
		bool expires = s == NEED_OPEN || s == NEED_PROPOSED;
		assert_int_equal(need_transition((need_state)s, NEED_CANCEL) >= 0, cancels);
		assert_int_equal(need_transition((need_state)s, NEED_EXPIRE) >= 0, expires);
	}
}

static void test_final_states_allow_nothing(void **state)
{
	(void)state;
	need_state finals[] = {NEED_RATED, NEED_CANCELLED, NEED_EXPIRED};
	for (size_t i = 0; i < 3; i++)
		for (int a = 0; a < NEED_ACTION__COUNT; a++)
			assert_int_equal(need_transition(finals[i], (need_action)a), -1);
	/* Out of range: refused, never read past the table. */
	assert_int_equal(need_transition(NEED_STATE__COUNT, NEED_PROPOSE), -1);
	assert_int_equal(need_transition(NEED_OPEN, NEED_ACTION__COUNT), -1);
	/* Done twice, rated twice, taken twice: refused. */
	assert_int_equal(need_transition(NEED_DONE, NEED_COMPLETE), -1);
	assert_int_equal(need_transition(NEED_TAKEN, NEED_ACCEPT), -1);
	assert_int_equal(need_transition(NEED_PROPOSED, NEED_PROPOSE), -1);
}

static void test_kinds(void **state)
{
	(void)state;
	assert_int_equal(need_kind_parse("service"), 0);
	assert_int_equal(need_kind_parse("wish"), 1);
	assert_int_equal(need_kind_parse("x"), -1);
	assert_string_equal(need_kind_label(1), "微心愿");
}

static void test_weight_is_one_plus_tags_plus_waiting(void **state)
{
	(void)state;
	need_weight_settings s = {.wait_days = 7, .wait_max = 4};
	int64_t t, wt;
	assert_int_equal(need_weight(NULL, 0, 0, &s, &t, &wt), 1);
	assert_int_equal(t, 0);
	assert_int_equal(wt, 0);
	int64_t tags[] = {3, 2};
	assert_int_equal(need_weight(tags, 2, 0, &s, &t, &wt), 6);
	assert_int_equal(t, 5);
	/* Whole weeks waited, one point each. */
	assert_int_equal(need_weight(tags, 2, 7 * DAY - 1, &s, NULL, NULL), 6);
	assert_int_equal(need_weight(tags, 2, 7 * DAY, &s, NULL, &wt), 7);
	assert_int_equal(wt, 1);
	assert_int_equal(need_weight(tags, 2, 20 * DAY, &s, NULL, &wt), 8);
}

static void test_weight_caps_and_odd_inputs(void **state)
{
	(void)state;
	need_weight_settings s = {.wait_days = 7, .wait_max = 4};
	int64_t wt, t;
	/* Waiting is capped at wait_max. */
	assert_int_equal(need_weight(NULL, 0, 1000 * DAY, &s, NULL, &wt), 5);
	assert_int_equal(wt, 4);
	/* A clock behind the posting time counts as no wait. */
	assert_int_equal(need_weight(NULL, 0, -5 * DAY, &s, NULL, NULL), 1);
	/* wait_days 0: waiting counts nothing. */
	need_weight_settings z = {.wait_days = 0, .wait_max = 4};
	assert_int_equal(need_weight(NULL, 0, 100 * DAY, &z, NULL, NULL), 1);
	/* Negative tag weights count nothing; many tags stop at NEED_TAG_WEIGHT_MAX. */
	int64_t neg[] = {-5, 2};
	assert_int_equal(need_weight(neg, 2, 0, &s, &t, NULL), 3);
	int64_t big[] = {15, 15, INT64_MAX};
	assert_int_equal(need_weight(big, 3, 0, &s, &t, NULL), 1 + NEED_TAG_WEIGHT_MAX);
	assert_int_equal(t, NEED_TAG_WEIGHT_MAX);
}

static void test_projection_metres(void **state)
{
	(void)state;
	int64_t x, y;
	match_project(1164000000, 399000000, 1164000000, 399000000, &x, &y);
	assert_int_equal(x, 0);
	assert_int_equal(y, 0);
	/* 0.001 degree of latitude is about 111 m; of longitude at 39.9 degrees, 85 m. */
	match_project(1164000000, 399000000, 1164010000, 399010000, &x, &y);
	assert_in_range(y, 110, 112);
	assert_in_range(x, 84, 86);
	match_project(1164000000, 399000000, 1163990000, 398990000, &x, &y);
	assert_in_range(-y, 110, 112);
	assert_in_range(-x, 84, 86);
}

/* Brute force over every assignment, with forbidden pairs. */
static int64_t brute(const match_problem *p, const int32_t (*forbid)[2], size_t nf, int i,
                     int32_t *load)
{
	if (i == p->nneeds)
		return 0;
	int64_t best = brute(p, forbid, nf, i + 1, load);
	const match_need *n = &p->needs[i];
	for (int j = 0; j < p->nproviders; j++) {
		const match_provider *q = &p->providers[j];
		bool skill = false, banned = false;
		for (int k = 0; k < q->nskills; k++)
			skill |= q->skills[k] == n->skill;
		for (size_t f = 0; f < nf; f++)
			banned |= forbid[f][0] == i && forbid[f][1] == j;
		int64_t d = match_distance(n->x, n->y, q->x, q->y);
		if (!skill || banned || d > q->radius || load[j] >= q->cap)
			continue;
		int64_t c = d + p->lambda * load[j] - p->B * n->w;
		load[j]++;
		c += brute(p, forbid, nf, i + 1, load);
		load[j]--;
		if (c < best)
			best = c;
	}
	return best;
}

static void test_exclude_declined_pairs_matches_brute_force(void **state)
{
	(void)state;
	srand(11);
	int32_t skills[4][2] = {{0, 1}, {0, 0}, {1, 1}, {0, 1}};
	for (int round = 0; round < 400; round++) {
		match_need nd[6];
		match_provider pv[4];
		int nn = 1 + rand() % 6, np = 1 + rand() % 4;
		for (int i = 0; i < nn; i++)
			nd[i] = (match_need){.skill = rand() % 2,
			                     .x = rand() % 2000,
			                     .y = rand() % 2000,
			                     .w = rand() % 5};
		for (int j = 0; j < np; j++)
			pv[j] = (match_provider){.skills = skills[j],
			                         .nskills = 2,
			                         .x = rand() % 2000,
			                         .y = rand() % 2000,
			                         .radius = 500 + rand() % 2500,
			                         .cap = rand() % 4};
		match_problem p = {.B = 1000,
		                   .lambda = rand() % 600,
		                   .needs = nd,
		                   .nneeds = nn,
		                   .providers = pv,
		                   .nproviders = np};
		int32_t forbid[8][2];
		size_t nf = (size_t)(rand() % 8);
		for (size_t f = 0; f < nf; f++) {
			forbid[f][0] = rand() % nn;
			forbid[f][1] = rand() % np;
		}
		match_graph g;
		match_result r;
		gz_err err;
		gz_err_clear(&err);
		assert_int_equal(match_graph_build(&p, &g, &err), 0);
		match_graph_exclude(&g, (const int32_t(*)[2])forbid, nf);
		assert_int_equal(match_solve_graph(&p, &g, &r, &err), 0);
		int32_t load[4] = {0};
		assert_int_equal(r.objective, brute(&p, (const int32_t(*)[2])forbid, nf, 0, load));
		for (int32_t k = 0; k < r.npairs; k++)
			for (size_t f = 0; f < nf; f++)
				assert_false(r.pairs[k].need == forbid[f][0] &&
				             r.pairs[k].provider == forbid[f][1]);
		match_result_free(&r);
		match_graph_free(&g);
	}
}

/* The equity boost's rule: below pct% of the median per-capita value. */
static void test_underserved_below_share_of_median(void **state)
{
	(void)state;
	bool u[6];
	/* Per capita 0.1, 0.2, 0.3, 0.4, 1.0 (odd: median 0.3); at 50%: below 0.15. */
	int64_t x[] = {10, 20, 30, 40, 100}, p[] = {100, 100, 100, 100, 100};
	assert_int_equal(match_underserved(x, p, 5, 50, u), 1);
	assert_true(u[0]);
	assert_false(u[1] || u[2] || u[3] || u[4]);
	/* At 100%: below 0.3 -> the first two; exactly at the median is not below. */
	assert_int_equal(match_underserved(x, p, 5, 100, u), 2);
	assert_true(u[0] && u[1] && !u[2]);
	/* Even: 1/10, 2/10, 4/10, 8/10 -> median 0.3; 50% -> below 0.15: the first. A grid
	 * without residents is left out of the median and never under-served. */
	int64_t x2[] = {1, 2, 4, 8, 0}, p2[] = {10, 10, 10, 10, 0};
	assert_int_equal(match_underserved(x2, p2, 5, 50, u), 1);
	assert_true(u[0] && !u[4]);
	/* Exactly at the threshold: 3/20 = 0.15 is not below 0.15. */
	int64_t x3[] = {3, 2, 4, 8}, p3[] = {20, 10, 10, 10};
	assert_int_equal(match_underserved(x3, p3, 4, 50, u), 0);
	/* Unequal populations: 1/3 vs median of (1/3, 1/2, 2/3) = 1/2; 70% -> 0.35. */
	int64_t x4[] = {1, 1, 2}, p4[] = {3, 2, 3};
	assert_int_equal(match_underserved(x4, p4, 3, 70, u), 1);
	assert_true(u[0]);
	assert_int_equal(match_underserved(x4, p4, 3, 66, u), 0); /* 0.33 < 1/3 */
}

static void test_underserved_none_when_median_zero_or_off(void **state)
{
	(void)state;
	bool u[4] = {true, true, true, true};
	int64_t x[] = {0, 0, 5, 0}, p[] = {10, 10, 10, 10};
	/* Median of 0, 0, 0, 0.5 is 0: nobody is below nothing. */
	assert_int_equal(match_underserved(x, p, 4, 100, u), 0);
	assert_false(u[0] || u[1] || u[2] || u[3]);
	int64_t y[] = {1, 9}, q[] = {10, 10};
	assert_int_equal(match_underserved(y, q, 2, 0, u), 0);
	assert_int_equal(match_underserved(y, q, 0, 50, u), 0);
	/* Large counts stay exact (no 64-bit overflow). */
	int64_t big[] = {999999999, 1000000000, 3000000000}, bp[] = {100000, 100000, 100000};
	assert_int_equal(match_underserved(big, bp, 3, 100, u), 1);
	assert_true(u[0] && !u[1] && !u[2]);
}

static void test_group_underserved_below_threshold_from_five(void **state)
{
	(void)state;
	assert_true(match_group_underserved(2, 6, 50));   /* 33% < 50% */
	assert_false(match_group_underserved(3, 6, 50));  /* exactly 50%: not below */
	assert_true(match_group_underserved(3, 6, 60));   /* 50% < 60% */
	assert_false(match_group_underserved(0, 4, 100)); /* 4 members: never singled out */
	assert_true(match_group_underserved(0, 5, 1));
	assert_false(match_group_underserved(0, 5, 0));   /* 0: off */
	assert_false(match_group_underserved(6, 5, 100)); /* impossible counts */
	assert_false(match_group_underserved(-1, 5, 100));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_states_by_code_and_label),
	    cmocka_unit_test(test_the_happy_path_open_to_rated),
	    cmocka_unit_test(test_decline_reopens_and_claim_takes_an_open_need),
	    cmocka_unit_test(test_cancel_and_expire_only_before_done),
	    cmocka_unit_test(test_final_states_allow_nothing),
	    cmocka_unit_test(test_kinds),
	    cmocka_unit_test(test_weight_is_one_plus_tags_plus_waiting),
	    cmocka_unit_test(test_weight_caps_and_odd_inputs),
	    cmocka_unit_test(test_projection_metres),
	    cmocka_unit_test(test_exclude_declined_pairs_matches_brute_force),
	    cmocka_unit_test(test_underserved_below_share_of_median),
	    cmocka_unit_test(test_underserved_none_when_median_zero_or_off),
	    cmocka_unit_test(test_group_underserved_below_threshold_from_five),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
