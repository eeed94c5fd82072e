/* Unit tests for the matching engine (modules/matching/engine.c, pairs.c): its optimum
 * against brute force on thousands of small random instances (up to 8 needs x 4
 * providers) and against a textbook min-cost flow on larger ones, every result
 * re-checked for feasibility and its objective recomputed from its pairs by code that
 * shares nothing with the engine (its own distance, its own load cost), and the
 * solver's final prices checked to prove its flow optimal (MATCH_CERTIFY); the exact
 * rounding of distances; the input checks; the limits.
 *
 * Instances come from fixed seeds and are drawn to hit the corners: ties (few
 * coordinates, equal weights), lambda = 0, B = 0, w = 0, cap = 0, radius = 0, needs and
 * providers at the same point, coordinates at +-10^9, radii far larger than the rest
 * (the grid's "everywhere" bucket), repeated skills. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/* The solver itself, with its proof of optimality checked on every solve
 * (MATCH_CERTIFY: the final prices make every residual arc 1-optimal). */
#define MATCH_CERTIFY
#include "../../src/modules/matching/engine.c"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Independent arithmetic ------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void) /* splitmix64 */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int64_t between(int64_t lo, int64_t hi) /* inclusive */
{
	return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

/* Nearest integer to sqrt(d2) by bisection in 128-bit integers (no floating point). */
static int64_t ref_round_sqrt(unsigned __int128 d2)
{
	uint64_t lo = 0, hi = 4000000000ull; /* floor(sqrt(d2)) lies in [lo, hi) */
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		if ((unsigned __int128)mid * mid <= d2)
			lo = mid;
		else
			hi = mid;
	}
	/* Round up iff sqrt(d2) > lo + 1/2, i.e. 4 d2 > (2 lo + 1)^2. */
	unsigned __int128 t = 2 * (unsigned __int128)lo + 1;
	return (int64_t)(4 * d2 > t * t ? lo + 1 : lo);
}

static int64_t ref_dist(int64_t x1, int64_t y1, int64_t x2, int64_t y2)
{
	__int128 dx = (__int128)x1 - x2, dy = (__int128)y1 - y2;
	return ref_round_sqrt((unsigned __int128)(dx * dx + dy * dy));
}

/* ---- Instances -------------------------------------------------------------------- */

#define MAXN 64
#define MAXP 16

/* Rounds per regime and seeds; a longer soak: -DROUNDS_SCALE=100 -DSEED_BASE=7. */
#ifndef ROUNDS_SCALE
#define ROUNDS_SCALE 1
#endif
#ifndef SEED_BASE
#define SEED_BASE 0
#endif

typedef struct inst {
	match_problem p;
	match_need needs[MAXN];
	match_provider prov[MAXP];
	int32_t skills[MAXP][4];
} inst;

static int allowed(const inst *in, int i, int j)
{
	const match_need *n = &in->needs[i];
	const match_provider *v = &in->prov[j];
	int has = 0;
	for (int k = 0; k < v->nskills; k++)
		has |= v->skills[k] == n->skill;
	return has && ref_dist(n->x, n->y, v->x, v->y) <= v->radius;
}

/* The objective of an assignment (choice[i] = provider or -1), or 0 with *ok = 0 if
 * it is not feasible. */
static int64_t ref_objective(const inst *in, const int *choice, int *ok)
{
	int64_t load[MAXP] = {0}, obj = 0;
	*ok = 1;
	for (int i = 0; i < in->p.nneeds; i++) {
		int j = choice[i];
		if (j < 0)
			continue;
		if (!allowed(in, i, j) || ++load[j] > in->prov[j].cap) {
			*ok = 0;
			return 0;
		}
		obj += ref_dist(in->needs[i].x, in->needs[i].y, in->prov[j].x, in->prov[j].y) -
		       in->p.B * in->needs[i].w;
	}
	for (int j = 0; j < in->p.nproviders; j++)
		obj += in->p.lambda * load[j] * (load[j] - 1) / 2;
	return obj;
}

/* Every assignment, each need unmatched or at any provider; the best feasible one. */
static void brute(const inst *in, int i, int *choice, int64_t *best)
{
	if (i == in->p.nneeds) {
		int ok;
		int64_t v = ref_objective(in, choice, &ok);
		if (ok && v < *best)
			*best = v;
		return;
	}
	for (int j = -1; j < in->p.nproviders; j++) {
		if (j >= 0 && !allowed(in, i, j))
			continue;
		choice[i] = j;
		brute(in, i + 1, choice, best);
	}
	choice[i] = -1;
}

/* Re-checks the engine's answer with the reference code: feasible, objective equal to
 * the one recomputed from its pairs, parts adding up. Returns that objective. */
static int64_t verify_result(const inst *in, const match_result *r)
{
	int choice[MAXN];
	for (int i = 0; i < in->p.nneeds; i++)
		choice[i] = -1;
	int64_t dist = 0, prio = 0;
	for (int k = 0; k < r->npairs; k++) {
		const match_pair *q = &r->pairs[k];
		assert_true(q->need >= 0 && q->need < in->p.nneeds);
		assert_true(q->provider >= 0 && q->provider < in->p.nproviders);
		assert_int_equal(choice[q->need], -1); /* each need at most once */
		choice[q->need] = q->provider;
		if (k > 0)
			assert_true(r->pairs[k - 1].need < q->need); /* in need order */
		const match_need *n = &in->needs[q->need];
		const match_provider *v = &in->prov[q->provider];
		assert_int_equal(q->distance, ref_dist(n->x, n->y, v->x, v->y));
		assert_int_equal(q->priority, in->p.B * n->w);
		dist += q->distance;
		prio += q->priority;
	}
	int ok;
	int64_t obj = ref_objective(in, choice, &ok);
	assert_true(ok);
	assert_int_equal(r->objective, obj);
	assert_int_equal(r->distance, dist);
	assert_int_equal(r->priority, prio);
	assert_int_equal(r->objective, r->distance + r->load_cost - r->priority);
	for (int j = 0; j < in->p.nproviders; j++) {
		int64_t k = 0;
		for (int i = 0; i < in->p.nneeds; i++)
			k += choice[i] == j;
		assert_int_equal(r->load[j], k);
	}
	/* The engine's own checker agrees. */
	int32_t pairs[MAXN][2];
	for (int k = 0; k < r->npairs; k++)
		pairs[k][0] = r->pairs[k].need, pairs[k][1] = r->pairs[k].provider;
	gz_err err;
	gz_err_clear(&err);
	int64_t ev;
	assert_int_equal(match_evaluate(&in->p, pairs, r->npairs, &ev, &err), 0);
	assert_int_equal(ev, obj);
	return obj;
}

typedef struct regime {
	const char *name;
	int maxn, maxp;
	int64_t coord, radius_max, cap_max, w_max;
	int nskills;
	const int64_t *B, *lambda; /* ending with -1 */
	int big_radius;            /* sometimes one provider reaches everything */
} regime;

static int64_t pick(const int64_t *list)
{
	int n = 0;
	while (list[n] >= 0)
		n++;
	return list[rnd() % (uint64_t)n];
}

static void draw(inst *in, const regime *g)
{
	memset(in, 0, sizeof *in);
	in->p.B = pick(g->B);
	in->p.lambda = pick(g->lambda);
	in->p.nneeds = (int32_t)between(0, g->maxn);
	in->p.nproviders = (int32_t)between(0, g->maxp);
	in->p.needs = in->needs;
	in->p.providers = in->prov;
	/* Few distinct points, so needs and providers often share one. */
	int64_t px[6], py[6];
	for (int k = 0; k < 6; k++)
		px[k] = between(-g->coord, g->coord), py[k] = between(-g->coord, g->coord);
	for (int i = 0; i < in->p.nneeds; i++) {
		match_need *n = &in->needs[i];
		n->skill = (int32_t)between(0, g->nskills - 1);
		int k = (int)between(0, 9);
		n->x = k < 6 ? px[k] : between(-g->coord, g->coord);
		n->y = k < 6 ? py[k] : between(-g->coord, g->coord);
		n->w = between(0, g->w_max);
	}
	for (int j = 0; j < in->p.nproviders; j++) {
		match_provider *v = &in->prov[j];
		v->nskills = (int32_t)between(0, 3);
		for (int k = 0; k < v->nskills; k++) /* repeats allowed */
			in->skills[j][k] = (int32_t)between(0, g->nskills - 1);
		v->skills = in->skills[j];
		int k = (int)between(0, 9);
		v->x = k < 6 ? px[k] : between(-g->coord, g->coord);
		v->y = k < 6 ? py[k] : between(-g->coord, g->coord);
		int r = (int)between(0, 9);
		v->radius = r == 0 ? 0 : between(0, g->radius_max);
		if (g->big_radius && r == 9)
			v->radius = between(g->radius_max * 50, INT64_MAX / 2);
		v->cap = between(0, g->cap_max);
	}
}

static const int64_t B_SMALL[] = {0, 1, 3, 10, 40, -1};
static const int64_t L_SMALL[] = {0, 0, 1, 2, 5, 13, -1};
static const int64_t B_BIG[] = {1, 1000, 1000000, -1};
static const int64_t L_BIG[] = {0, 300, 1000000, -1};

static const regime SMALL[] = {
    {"ties", 8, 4, 6, 12, 3, 3, 2, B_SMALL, L_SMALL, 0},
    {"spread", 8, 4, 40, 60, 4, 5, 3, B_SMALL, L_SMALL, 0},
    {"one skill", 8, 4, 10, 25, 2, 2, 1, B_SMALL, L_SMALL, 0},
    {"far", 8, 4, MATCH_COORD_MAX, 2000000000, 3, 3000, 2, B_BIG, L_BIG, 0},
};

static void test_engine_agrees_with_brute_force_on_small_instances(void **state)
{
	(void)state;
	int counts[4] = {3000, 2000, 2000, 1000};
	for (int g = 0; g < 4; g++) {
		rng_state = SEED_BASE * 100000 + 1000 + (uint64_t)g;
		for (int t = 0; t < counts[g] * ROUNDS_SCALE; t++) {
			inst in;
			draw(&in, &SMALL[g]);
			int choice[MAXN];
			int64_t best = 0; /* nobody matched */
			brute(&in, 0, choice, &best);
			match_result r;
			gz_err err;
			gz_err_clear(&err);
			if (match_solve(&in.p, &r, &err) < 0)
				fail_msg("%s #%d: %s", SMALL[g].name, t, err.message);
			int64_t got = verify_result(&in, &r);
			if (got != best)
				fail_msg("%s #%d: engine %lld, brute force %lld", SMALL[g].name, t,
				         (long long)got, (long long)best);
			match_result_free(&r);
		}
	}
}

/* ---- A textbook min-cost flow for larger instances -------------------------------- */

/* Successive shortest paths with Bellman-Ford on the plain network: source -> need
 * (cost -B w), need -> provider for every allowed pair (cost d), provider -> sink one
 * unit arc per load level (cost lambda * s), augmenting while a path costs < 0. No
 * pruning, no scaling, no grid. */
typedef struct rarc {
	int to, cap;
	int64_t cost;
} rarc;

static int64_t ref_min_cost(const inst *in)
{
	int n = in->p.nneeds, m = in->p.nproviders;
	int V = n + m + 2, src = n + m, snk = n + m + 1;
	int maxa = 2 * (n + n * m + m * MAXN);
	rarc *a = calloc((size_t)maxa, sizeof *a);
	int *next = calloc((size_t)maxa, sizeof *next), head[MAXN + MAXP + 2];
	int na = 0;
	for (int v = 0; v < V; v++)
		head[v] = -1;
#define ADD(u, v, c)                                                                               \
	do {                                                                                       \
		a[na] = (rarc){v, 1, c};                                                           \
		next[na] = head[u], head[u] = na++;                                                \
		a[na] = (rarc){u, 0, -(c)};                                                        \
		next[na] = head[v], head[v] = na++;                                                \
	} while (0)
	for (int i = 0; i < n; i++) {
		ADD(src, i, -in->p.B * in->needs[i].w);
		for (int j = 0; j < m; j++)
			if (allowed(in, i, j))
				ADD(i, n + j,
				    ref_dist(in->needs[i].x, in->needs[i].y, in->prov[j].x,
				             in->prov[j].y));
	}
	for (int j = 0; j < m; j++)
		for (int s = 0; s < in->prov[j].cap && s < n; s++)
			ADD(n + j, snk, in->p.lambda * s);
#undef ADD
	int64_t total = 0;
	for (;;) {
		int64_t dist[MAXN + MAXP + 2];
		int via[MAXN + MAXP + 2];
		for (int v = 0; v < V; v++)
			dist[v] = INT64_MAX, via[v] = -1;
		dist[src] = 0;
		for (int round = 0, changed = 1; changed && round < V; round++) {
			changed = 0;
			for (int u = 0; u < V; u++) {
				if (dist[u] == INT64_MAX)
					continue;
				for (int e = head[u]; e >= 0; e = next[e])
					if (a[e].cap > 0 && dist[u] + a[e].cost < dist[a[e].to]) {
						dist[a[e].to] = dist[u] + a[e].cost;
						via[a[e].to] = e;
						changed = 1;
					}
			}
		}
		if (dist[snk] == INT64_MAX || dist[snk] >= 0)
			break;
		for (int v = snk; v != src; v = a[via[v] ^ 1].to) {
			a[via[v]].cap--;
			a[via[v] ^ 1].cap++;
		}
		total += dist[snk];
	}
	free(a);
	free(next);
	return total;
}

static const regime MEDIUM[] = {
    {"crowded", 60, 12, 30, 25, 3, 6, 2, B_SMALL, L_SMALL, 0},
    {"spread", 50, 15, 1000, 100, 5, 9, 3, B_SMALL, L_SMALL, 1},
    {"far", 40, 10, MATCH_COORD_MAX, 1500000000, 4, 4000, 2, B_BIG, L_BIG, 1},
};

static void test_engine_agrees_with_min_cost_flow_on_larger_instances(void **state)
{
	(void)state;
	for (int g = 0; g < 3; g++) {
		rng_state = SEED_BASE * 100000 + 2000 + (uint64_t)g;
		for (int t = 0; t < 300 * ROUNDS_SCALE; t++) {
			inst in;
			draw(&in, &MEDIUM[g]);
			match_result r;
			gz_err err;
			gz_err_clear(&err);
			if (match_solve(&in.p, &r, &err) < 0)
				fail_msg("%s #%d: %s", MEDIUM[g].name, t, err.message);
			int64_t got = verify_result(&in, &r), want = ref_min_cost(&in);
			if (got != want)
				fail_msg("%s #%d: engine %lld, min-cost flow %lld", MEDIUM[g].name,
				         t, (long long)got, (long long)want);
			match_result_free(&r);
		}
	}
}

/* ---- Distances ------------------------------------------------------------------- */

static void test_distance_is_rounded_exactly(void **state)
{
	(void)state;
	assert_int_equal(match_round_sqrt(0), 0);
	assert_int_equal(match_round_sqrt(2), 1);               /* 1.414 */
	assert_int_equal(match_round_sqrt(3), 2);               /* 1.732 */
	assert_int_equal(match_round_sqrt(6), 2);               /* 2.449: k^2 + k stays down */
	assert_int_equal(match_round_sqrt(7), 3);               /* 2.646 */
	assert_int_equal(match_distance(120, -340, 0, 0), 361); /* 360.555 */
	/* Around every boundary k^2 + k / k^2 + k + 1, up to the largest distances. */
	rng_state = 7;
	for (int t = 0; t < 20000; t++) {
		uint64_t k = t < 10000 ? (uint64_t)between(0, 3000000000LL) : (uint64_t)t;
		uint64_t around[] = {k * k, k * k + k, k * k + k + 1, k * k + 2 * k};
		for (int q = 0; q < 4; q++) {
			uint64_t want = (uint64_t)ref_round_sqrt(around[q]);
			assert_int_equal(match_round_sqrt(around[q]), want);
		}
		assert_int_equal(match_round_sqrt(k * k + k), k);
		assert_int_equal(match_round_sqrt(k * k + k + 1), k + 1);
	}
	/* The two farthest points of the plane. */
	int64_t M = MATCH_COORD_MAX;
	assert_int_equal(match_distance(-M, -M, M, M), ref_dist(-M, -M, M, M));
	assert_int_equal(match_distance(-M, -M, M, M), 2828427125LL);
}

/* ---- Fixed cases ------------------------------------------------------------------ */

static void test_the_example_of_the_issue(void **state)
{
	(void)state;
	int32_t sk[] = {0, 1};
	match_need n = {0, 120, -340, 3};
	match_provider v = {sk, 2, 0, 0, 2000, 3};
	match_problem p = {1000, 300, &n, 1, &v, 1, 0};
	match_result r;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(match_solve(&p, &r, &err), 0);
	assert_int_equal(r.objective, -2639);
	assert_int_equal(r.npairs, 1);
	assert_int_equal(r.pairs[0].need, 0);
	assert_int_equal(r.pairs[0].provider, 0);
	assert_int_equal(r.pairs[0].distance, 361);
	assert_int_equal(r.pairs[0].priority, 3000);
	assert_int_equal(r.load[0], 1);
	match_result_free(&r);
}

static void test_load_cost_spreads_work(void **state)
{
	(void)state;
	/* Two needs at one point, two providers there: lambda > 0 gives one each. */
	int32_t sk[] = {0};
	match_need n[2] = {{0, 0, 0, 1}, {0, 0, 0, 1}};
	match_provider v[2] = {{sk, 1, 0, 0, 10, 5}, {sk, 1, 3, 4, 10, 5}};
	match_problem p = {100, 50, n, 2, v, 2, 0};
	match_result r;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(match_solve(&p, &r, &err), 0);
	/* Both at v0 cost 0 + 0 + 50 - 200 = -150; split: 0 + 5 - 200 = -195. */
	assert_int_equal(r.objective, -195);
	assert_int_equal(r.load[0], 1);
	assert_int_equal(r.load[1], 1);
	match_result_free(&r);
	/* lambda = 0: both stay at the nearer one. */
	p.lambda = 0;
	assert_int_equal(match_solve(&p, &r, &err), 0);
	assert_int_equal(r.objective, -200);
	assert_int_equal(r.load[0], 2);
	match_result_free(&r);
}

static void test_unmatched_when_serving_costs_more_than_it_is_worth(void **state)
{
	(void)state;
	int32_t sk[] = {0};
	match_need n = {0, 0, 500, 1};
	match_provider v = {sk, 1, 0, 0, 1000, 1};
	match_problem p = {500, 0, &n, 1, &v, 1, 0}; /* d = 500 = B w: no gain */
	match_result r;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(match_solve(&p, &r, &err), 0);
	assert_int_equal(r.objective, 0);
	assert_int_equal(r.npairs, 0);
	match_result_free(&r);
	p.B = 501; /* now it pays by 1 */
	assert_int_equal(match_solve(&p, &r, &err), 0);
	assert_int_equal(r.objective, -1);
	assert_int_equal(r.npairs, 1);
	match_result_free(&r);
}

/* Found by a soak: a need moving to a cheaper provider leaves its old slot unused; the
 * sink frees one slot, then had to lower its price past the other provider's freed
 * slot without seeing it. Optimum: need 0 at provider 3 (6 m), need 1 at 2 (1 m). */
static void test_sink_relabel_sees_the_slot_it_just_freed(void **state)
{
	(void)state;
	int32_t s0[] = {1, 0, 0}, s1[] = {0, 0, 0}, s2[] = {0, 0}, s3[] = {0};
	match_need n[5] = {
	    {0, 5, -5, 3}, {0, -2, -2, 3}, {1, 6, 3, 1}, {1, 5, -3, 0}, {1, -2, -2, 3}};
	match_provider v[4] = {{s0, 3, -3, -2, 6, 0},
	                       {s1, 3, -4, -6, 11, 2},
	                       {s2, 2, -3, -2, 1, 1},
	                       {s3, 1, 0, -2, 10, 1}};
	match_problem p = {10, 0, n, 5, v, 4, 0};
	match_result r;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(match_solve(&p, &r, &err), 0);
	assert_int_equal(r.objective, -53);
	assert_int_equal(r.npairs, 2);
	assert_int_equal(r.pairs[0].provider, 3);
	assert_int_equal(r.pairs[1].provider, 2);
	match_result_free(&r);
}

static void test_empty_problems_have_an_empty_result(void **state)
{
	(void)state;
	int32_t sk[] = {0};
	match_need n = {0, 0, 0, 1};
	match_provider v = {sk, 1, 0, 0, 10, 1};
	match_problem cases[] = {
	    {1, 1, NULL, 0, NULL, 0, 0},
	    {1, 1, &n, 1, NULL, 0, 0},
	    {1, 1, NULL, 0, &v, 1, 0},
	};
	for (int k = 0; k < 3; k++) {
		match_result r;
		gz_err err;
		gz_err_clear(&err);
		assert_int_equal(match_solve(&cases[k], &r, &err), 0);
		assert_int_equal(r.objective, 0);
		assert_int_equal(r.npairs, 0);
		match_result_free(&r);
	}
}

static void test_bad_numbers_are_refused_with_their_fields(void **state)
{
	(void)state;
	int32_t sk[] = {0}, bad_sk[] = {-1};
	match_need n[2] = {{0, MATCH_COORD_MAX + 1, 0, 1}, {-1, 0, 0, -2}};
	match_provider v[2] = {{sk, 1, 0, 0, -1, -1}, {bad_sk, 1, 0, -MATCH_COORD_MAX - 1, 1, 1}};
	match_problem p = {-1, -1, n, 2, v, 2, 0};
	match_result r;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(match_solve(&p, &r, &err), -1);
	assert_string_equal(err.code, "match_invalid");
	const char *want[] = {"B",
	                      "lambda",
	                      "needs[0].x",
	                      "needs[1].skill",
	                      "needs[1].w",
	                      "providers[0].radius",
	                      "providers[0].cap",
	                      "providers[1].skills",
	                      "providers[1].y"};
	for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
		int found = 0;
		for (int f = 0; f < err.nfields; f++)
			found |= !strcmp(err.fields[f].name, want[k]);
		if (!found)
			fail_msg("no error for %s", want[k]);
	}
	/* B * w beyond 64 bits, and beyond what exact scaling allows. */
	match_need big = {0, 0, 0, INT64_MAX / 2};
	match_provider ok = {sk, 1, 0, 0, 10, 1};
	match_problem q = {4, 0, &big, 1, &ok, 1, 0};
	gz_err_clear(&err);
	assert_int_equal(match_check(&q, &err), -1);
	assert_string_equal(err.code, "match_invalid");
	big.w = (1LL << 57);
	gz_err_clear(&err);
	assert_int_equal(match_check(&q, &err), -1);
	assert_string_equal(err.code, "match_too_large");
	big.w = (1LL << 40);
	gz_err_clear(&err);
	assert_int_equal(match_check(&q, &err), 0);
}

static void test_too_many_pairs_is_refused(void **state)
{
	(void)state;
	int32_t sk[] = {0};
	match_need n[10];
	match_provider v[10];
	for (int k = 0; k < 10; k++) {
		n[k] = (match_need){0, k, 0, 1};
		v[k] = (match_provider){sk, 1, 0, k, 100, 1};
	}
	match_problem p = {1000, 0, n, 10, v, 10, 99};
	match_result r;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(match_solve(&p, &r, &err), -1);
	assert_string_equal(err.code, "match_too_many_pairs");
	p.max_pairs = 100;
	gz_err_clear(&err);
	assert_int_equal(match_solve(&p, &r, &err), 0);
	assert_int_equal(r.stats.narcs, 100);
	assert_int_equal(r.npairs, 10);
	match_result_free(&r);
}

static void test_evaluate_names_the_infeasible_pair(void **state)
{
	(void)state;
	int32_t sk[] = {0}, other[] = {1};
	match_need n[2] = {{0, 0, 0, 1}, {0, 0, 0, 1}};
	match_provider v[2] = {{sk, 1, 0, 0, 10, 1}, {other, 1, 0, 0, 10, 1}};
	match_problem p = {100, 1, n, 2, v, 2, 0};
	gz_err err;
	int64_t obj;
	const int32_t twice[][2] = {{0, 0}, {0, 0}};
	const int32_t over[][2] = {{0, 0}, {1, 0}};
	const int32_t skill[][2] = {{0, 1}};
	const int32_t range[][2] = {{2, 0}};
	const int32_t good[][2] = {{1, 0}};
	gz_err_clear(&err);
	assert_int_equal(match_evaluate(&p, twice, 2, &obj, &err), -1);
	assert_non_null(strstr(err.message, "需求重复"));
	assert_int_equal(match_evaluate(&p, over, 2, &obj, &err), -1);
	assert_non_null(strstr(err.message, "超出容量"));
	assert_int_equal(match_evaluate(&p, skill, 1, &obj, &err), -1);
	assert_non_null(strstr(err.message, "技能不符"));
	assert_int_equal(match_evaluate(&p, range, 1, &obj, &err), -1);
	assert_non_null(strstr(err.message, "编号越界"));
	assert_int_equal(match_evaluate(&p, good, 1, &obj, &err), 0);
	assert_int_equal(obj, -100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_distance_is_rounded_exactly),
	    cmocka_unit_test(test_the_example_of_the_issue),
	    cmocka_unit_test(test_load_cost_spreads_work),
	    cmocka_unit_test(test_unmatched_when_serving_costs_more_than_it_is_worth),
	    cmocka_unit_test(test_sink_relabel_sees_the_slot_it_just_freed),
	    cmocka_unit_test(test_empty_problems_have_an_empty_result),
	    cmocka_unit_test(test_bad_numbers_are_refused_with_their_fields),
	    cmocka_unit_test(test_too_many_pairs_is_refused),
	    cmocka_unit_test(test_evaluate_names_the_infeasible_pair),
	    cmocka_unit_test(test_engine_agrees_with_brute_force_on_small_instances),
	    cmocka_unit_test(test_engine_agrees_with_min_cost_flow_on_larger_instances),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
