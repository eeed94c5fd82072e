/* Unit tests for modules/sharing/equity.c: per-capita service, Gini, Theil with its
 * decomposition by community, the Lorenz curve, coverage and suppression of small groups
 * (docs/METRICS.md, "Equity"). Every expected value is worked out by hand in the comment
 * beside it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "modules/sharing/equity.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static void test_decimal_rounds_half_up(void **state)
{
	(void)state;
	char s[48];
	assert_true(sharing_decimal(1, 3, 4, s, sizeof s));
	assert_string_equal(s, "0.3333");
	assert_true(sharing_decimal(2, 3, 4, s, sizeof s));
	assert_string_equal(s, "0.6667");
	assert_true(sharing_decimal(1, 20000, 4, s, sizeof s)); /* 0.00005 → up */
	assert_string_equal(s, "0.0001");
	assert_true(sharing_decimal(7, 2, 0, s, sizeof s)); /* 3.5 → 4 */
	assert_string_equal(s, "4");
	assert_false(sharing_decimal(1, 0, 2, s, sizeof s));
	assert_string_equal(s, "");
	assert_false(sharing_decimal(-1, 2, 2, s, sizeof s));
}

static void test_per_capita_three_decimals_none_without_residents(void **state)
{
	(void)state;
	char s[48];
	assert_true(sharing_per_capita(37, 425, s, sizeof s)); /* 0.0870588… */
	assert_string_equal(s, "0.087");
	assert_true(sharing_per_capita(1200, 400, s, sizeof s));
	assert_string_equal(s, "3.000");
	assert_true(sharing_per_capita(0, 9, s, sizeof s));
	assert_string_equal(s, "0.000");
	assert_false(sharing_per_capita(5, 0, s, sizeof s));
}

static void test_gini_of_equal_distribution_is_zero(void **state)
{
	(void)state;
	char g[48];
	/* y = 10/100 = 20/200 = 30/300 = 0.1 for every grid. */
	sharing_unit u[] = {{10, 100, 0}, {20, 200, 0}, {30, 300, 1}};
	assert_true(sharing_gini(u, LEN(u), g, sizeof g));
	assert_string_equal(g, "0.0000");
}

static void test_gini_of_maximally_unequal_is_n_minus_1_over_n(void **state)
{
	(void)state;
	char g[48];
	/* Everything in one of n grids of equal population: (n − 1) / n. */
	sharing_unit four[] = {{0, 50, 0}, {0, 50, 0}, {80, 50, 0}, {0, 50, 0}};
	assert_true(sharing_gini(four, LEN(four), g, sizeof g));
	assert_string_equal(g, "0.7500");
	sharing_unit five[] = {{0, 7, 0}, {0, 7, 0}, {0, 7, 0}, {0, 7, 0}, {1, 7, 0}};
	assert_true(sharing_gini(five, LEN(five), g, sizeof g));
	assert_string_equal(g, "0.8000");
	sharing_unit two[] = {{9, 3, 0}, {0, 3, 1}};
	assert_true(sharing_gini(two, LEN(two), g, sizeof g));
	assert_string_equal(g, "0.5000");
}

static void test_gini_population_weighted_by_hand(void **state)
{
	(void)state;
	char g[48];
	/* A: p 3, x 3 (y 1); B: p 1, x 3 (y 3). N 4, X 6. Pairs: 2 |3·1 − 3·3| = 12;
	 * G = 12 / (2·4·6) = 0.25. */
	sharing_unit u[] = {{3, 3, 0}, {3, 1, 0}};
	assert_true(sharing_gini(u, LEN(u), g, sizeof g));
	assert_string_equal(g, "0.2500");
	/* The Theil fixture below: N 5, X 6; pairs (x_i p_j − x_j p_i) over i < j:
	 * (1,3): |1−3| 2; (1,2p2): |2−2| 0; (1,0): |0−1| 1; (3,2p2): |6−2| 4; (3,0): 3;
	 * (2p2,0): 2 → 12; G = 2·12 / (2·5·6) = 0.4. */
	sharing_unit v[] = {{1, 1, 0}, {3, 1, 0}, {2, 2, 1}, {0, 1, 1}};
	assert_true(sharing_gini(v, LEN(v), g, sizeof g));
	assert_string_equal(g, "0.4000");
	/* A grid without residents is left out: the same answer. */
	sharing_unit w[] = {{1, 1, 0}, {3, 1, 0}, {50, 0, 0}, {2, 2, 1}, {0, 1, 1}};
	assert_true(sharing_gini(w, LEN(w), g, sizeof g));
	assert_string_equal(g, "0.4000");
}

static void test_gini_undefined_without_service_or_people(void **state)
{
	(void)state;
	char g[48];
	sharing_unit none[] = {{0, 10, 0}, {0, 20, 0}};
	assert_false(sharing_gini(none, LEN(none), g, sizeof g));
	assert_string_equal(g, "");
	assert_false(sharing_gini(NULL, 0, g, sizeof g));
	sharing_unit empty[] = {{5, 0, 0}};
	assert_false(sharing_gini(empty, LEN(empty), g, sizeof g));
}

static void test_theil_by_hand_and_decomposition_sums_to_total(void **state)
{
	(void)state;
	/* Community 0: g1 (x 1, p 1), g2 (x 3, p 1); community 1: g3 (x 2, p 2), g4 (x 0,
	 * p 1). X 6, N 5: s = 1/6, 1/2, 1/3, 0; q = 1/5, 1/5, 2/5, 1/5.
	 *   T = 1/6 ln(5/6) + 1/2 ln(5/2) + 1/3 ln(5/6)                   = 0.3669846
	 *   between = 2/3 ln((2/3)/(2/5)) + 1/3 ln((1/3)/(3/5))            = 0.1446215
	 *   T_0 = 1/4 ln(1/2) + 3/4 ln(3/2) = 0.1308120; T_1 = ln(3/2)     = 0.4054651
	 *   within = 2/3 T_0 + 1/3 T_1                                      = 0.2223631 */
	sharing_unit u[] = {{1, 1, 0}, {3, 1, 0}, {2, 2, 1}, {0, 1, 1}};
	sharing_theil_t t;
	int64_t gt[2];
	assert_true(sharing_theil(u, LEN(u), 2, &t, gt));
	assert_int_equal(t.total, 366985);
	assert_int_equal(t.between, 144622);
	assert_int_equal(t.within, 222363);
	assert_int_equal(t.between + t.within, t.total);
	assert_int_equal(gt[0], 130812);
	assert_int_equal(gt[1], 405465);
	assert_true(fabsl(t.between_exact + t.within_exact - t.total_exact) < 1e-15L);
	char s[32];
	sharing_micro_str(t.total, s, sizeof s);
	assert_string_equal(s, "0.366985");
}

static void test_theil_zero_when_equal_and_decomposition_exact_on_many_grids(void **state)
{
	(void)state;
	sharing_theil_t t;
	sharing_unit eq[] = {{10, 100, 0}, {20, 200, 1}, {30, 300, 2}};
	assert_true(sharing_theil(eq, LEN(eq), 3, &t, NULL));
	assert_int_equal(t.total, 0);
	assert_int_equal(t.between, 0);
	assert_int_equal(t.within, 0);
	/* 300 grids in 7 communities, uneven: the rounded parts add up exactly, and within
	 * (total − between) is at most one micro-unit from its own rounding. */
	sharing_unit many[300];
	uint32_t seed = 12345;
	for (size_t i = 0; i < LEN(many); i++) {
		seed = seed * 1103515245u + 12345u;
		many[i].x = (seed >> 8) % 500;
		seed = seed * 1103515245u + 12345u;
		many[i].p = 1 + (seed >> 8) % 900;
		many[i].group = (int)(i % 7);
	}
	assert_true(sharing_theil(many, LEN(many), 7, &t, NULL));
	assert_int_equal(t.between + t.within, t.total);
	int64_t direct = llroundl(t.within_exact * 1000000.0L);
	assert_true(direct - t.within <= 1 && t.within - direct <= 1);
	assert_true(t.total > 0 && t.between >= 0 && t.within >= 0);
	/* Maximally unequal over 4 equal grids: T = ln 4 (= ln(N/p) of the one grid). */
	sharing_unit four[] = {{0, 50, 0}, {0, 50, 0}, {80, 50, 1}, {0, 50, 1}};
	assert_true(sharing_theil(four, LEN(four), 2, &t, NULL));
	assert_int_equal(t.total, 1386294);  /* ln 4 = 1.3862944 */
	assert_int_equal(t.between, 693147); /* community 1 holds all: ln 2 */
	assert_int_equal(t.within, 693147);
}

static void test_theil_undefined_without_service(void **state)
{
	(void)state;
	sharing_theil_t t;
	sharing_unit none[] = {{0, 10, 0}};
	assert_false(sharing_theil(none, LEN(none), 1, &t, NULL));
	assert_int_equal(t.total, 0);
}

static void test_lorenz_points_by_hand(void **state)
{
	(void)state;
	/* Sorted by y: g4 (0/1), g1 (1/1, index 0), g3 (2/2, index 2), g2 (3/1). N 5, X 6:
	 * population 1/5, 2/5, 4/5, 1; service 0, 1/6, 3/6, 1. */
	sharing_unit u[] = {{1, 1, 0}, {3, 1, 0}, {2, 2, 1}, {0, 1, 1}};
	int32_t pop[5], svc[5];
	assert_int_equal(sharing_lorenz(u, LEN(u), pop, svc), 5);
	int32_t ep[] = {0, 2000, 4000, 8000, 10000}, es[] = {0, 0, 1667, 5000, 10000};
	assert_memory_equal(pop, ep, sizeof ep);
	assert_memory_equal(svc, es, sizeof es);
	sharing_unit none[] = {{0, 3, 0}};
	assert_int_equal(sharing_lorenz(none, 1, pop, svc), 0);
}

static void test_coverage_and_suppression_below_five(void **state)
{
	(void)state;
	char p[48];
	assert_int_equal(sharing_coverage(3, 4, p, sizeof p), 0); /* 4 people: suppressed */
	assert_string_equal(p, "");
	assert_int_equal(sharing_coverage(0, 0, p, sizeof p), 0);
	assert_int_equal(sharing_coverage(0, 5, p, sizeof p), 1);
	assert_string_equal(p, "0.0");
	assert_int_equal(sharing_coverage(5, 6, p, sizeof p), 1); /* 83.33… */
	assert_string_equal(p, "83.3");
	assert_int_equal(sharing_coverage(1, 16, p, sizeof p), 1); /* 6.25 → 6.3 */
	assert_string_equal(p, "6.3");
	assert_int_equal(sharing_coverage(7, 7, p, sizeof p), 1);
	assert_string_equal(p, "100.0");
	assert_int_equal(sharing_coverage(8, 7, p, sizeof p), -1);
	assert_int_equal(sharing_coverage(-1, 7, p, sizeof p), -1);
	assert_true(sharing_suppressed(4));
	assert_false(sharing_suppressed(5));
}

static void test_median_even_odd_rounding_and_suppression(void **state)
{
	(void)state;
	int64_t four[] = {1000, 2000, 3000, 4000};
	assert_int_equal(sharing_median_s(four, 4), -1); /* under 5: suppressed */
	assert_int_equal(sharing_median_s(NULL, 0), -1);
	int64_t odd[] = {50500, 10000, 40000, 20000, 30000};
	assert_int_equal(sharing_median_s(odd, 5), 30); /* the middle; reordered in place */
	assert_int_equal(odd[2], 30000);
	assert_true(odd[0] <= 30000 && odd[1] <= 30000 && odd[3] >= 30000 && odd[4] >= 30000);
	int64_t odd2[] = {1, 2, 1500, 9, 9};
	assert_int_equal(sharing_median_s(odd2, 5), 0); /* 9 ms → 0 s */
	int64_t odd3[] = {500, 500, 500, 0, 0};
	assert_int_equal(sharing_median_s(odd3, 5), 1); /* 0.5 s → 1 s, half up */
	/* even: the mean of the two middle values, one rounding */
	int64_t even[] = {360000, 60000, 300000, 120000, 240000, 180000};
	assert_int_equal(sharing_median_s(even, 6), 210);
	int64_t even2[] = {3600000, 5400000, 7200000, 7201001, 14400000, 18000000};
	assert_int_equal(sharing_median_s(even2, 6), 7201); /* 7200.5005 s */
	int64_t even3[] = {0, 0, 1000, 1999, 5000, 5000};
	assert_int_equal(sharing_median_s(even3, 6), 1); /* 1.4995 s → 1 */
	int64_t neg[] = {-5000, -1, 0, 2000, 4000};
	assert_int_equal(sharing_median_s(neg, 5), 0); /* negative counts as 0 */
}

static int cmp_ll(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
	return a < b ? -1 : a > b;
}

/* The selection gives the median a full sort gives: many sizes, few or many distinct
 * values (ties), sorted and reversed inputs. */
static void test_median_equals_the_sorted_middle(void **state)
{
	(void)state;
	static int64_t v[1001], w[1001];
	uint32_t x = 12345;
	for (size_t n = 5; n <= 1001; n += (n < 60 ? 1 : 37)) {
		for (int shape = 0; shape < 4; shape++) {
			for (size_t i = 0; i < n; i++) {
				x = x * 1103515245u + 12345u;
				int64_t r = (int64_t)(x >> 8);
				v[i] = shape == 0   ? r % 3600000
				       : shape == 1 ? (r % 4) * 1000
				       : shape == 2 ? (int64_t)i * 700
				                    : (int64_t)(n - i) * 700 - 5000;
			}
			memcpy(w, v, n * sizeof *v);
			for (size_t i = 0; i < n; i++)
				if (w[i] < 0)
					w[i] = 0;
			qsort(w, n, sizeof *w, cmp_ll);
			int64_t want = n % 2 ? (w[n / 2] + 500) / 1000
			                     : (w[n / 2 - 1] + w[n / 2] + 1000) / 2000;
			assert_int_equal(sharing_median_s(v, n), want);
		}
	}
}

/* The median of several sorted arrays (a node's from its grids' sorted durations, memo.c)
 * is the median of their concatenation: splits into 1..48 parts of uneven sizes (empty
 * ones too), ties, negatives, even and odd totals, and suppression under 5 in all. */
static void test_median_of_sorted_parts_equals_the_whole(void **state)
{
	(void)state;
	static int64_t v[2001], w[2001];
	const int64_t *parts[48];
	size_t lens[48];
	uint32_t x = 777;
	for (size_t n = 0; n <= 2001; n += (n < 40 ? 1 : 53)) {
		for (int shape = 0; shape < 3; shape++) {
			for (size_t i = 0; i < n; i++) {
				x = x * 1103515245u + 12345u;
				int64_t r = (int64_t)(x >> 8);
				v[i] = shape == 0   ? r % 86400000
				       : shape == 1 ? (r % 5) * 1000 - 1000
				                    : r % 1000 + 499;
			}
			for (size_t m = 1; m <= 48; m += 7) {
				/* split v into m parts at random points, sort each part */
				size_t at = 0;
				for (size_t k = 0; k < m; k++) {
					x = x * 1103515245u + 12345u;
					size_t len = k == m - 1 ? n - at : (x >> 8) % (n - at + 1);
					if (k % 3 == 1 && k < m - 1)
						len = 0;
					parts[k] = v + at, lens[k] = len;
					qsort(v + at, len, sizeof *v, cmp_ll);
					at += len;
				}
				memcpy(w, v, n * sizeof *v);
				int64_t want = sharing_median_s(w, n);
				assert_int_equal(sharing_median_sorted_s(parts, lens, m), want);
			}
		}
	}
	assert_int_equal(sharing_median_sorted_s(NULL, NULL, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decimal_rounds_half_up),
	    cmocka_unit_test(test_per_capita_three_decimals_none_without_residents),
	    cmocka_unit_test(test_gini_of_equal_distribution_is_zero),
	    cmocka_unit_test(test_gini_of_maximally_unequal_is_n_minus_1_over_n),
	    cmocka_unit_test(test_gini_population_weighted_by_hand),
	    cmocka_unit_test(test_gini_undefined_without_service_or_people),
	    cmocka_unit_test(test_theil_by_hand_and_decomposition_sums_to_total),
	    cmocka_unit_test(test_theil_zero_when_equal_and_decomposition_exact_on_many_grids),
	    cmocka_unit_test(test_theil_undefined_without_service),
	    cmocka_unit_test(test_lorenz_points_by_hand),
	    cmocka_unit_test(test_coverage_and_suppression_below_five),
	    cmocka_unit_test(test_median_even_odd_rounding_and_suppression),
	    cmocka_unit_test(test_median_equals_the_sorted_middle),
	    cmocka_unit_test(test_median_of_sorted_parts_equals_the_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
