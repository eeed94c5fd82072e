/* The matching engine's problem and the network it solves (pairs.c): the input
 * checks, exact distances, and the candidate pairs (need, provider) found through a
 * spatial grid bucketed by skill. Pure computation, no I/O. The solver is engine.h.
 *
 * Memory: every array match_graph_build returns is owned by the graph; free it with
 * match_graph_free. On error nothing is left allocated. */
#ifndef GZ_MODULES_MATCHING_PAIRS_H
#define GZ_MODULES_MATCHING_PAIRS_H

#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

/* Coordinates are metres on a local plane, |x|, |y| <= this (a million km: any real
 * projection fits, and squared distances stay below 2^63). */
#define MATCH_COORD_MAX 1000000000LL

/* Most needs and most providers in one problem. */
#define MATCH_MAX_ITEMS 10000000

/* Candidate pairs kept (those that pass skill, radius and the profit cut) unless the
 * problem says otherwise; a problem with more is refused (narrow the radii). */
#define MATCH_DEFAULT_MAX_PAIRS 50000000LL

typedef struct match_need {
	int32_t skill; /* an interned skill id, >= 0 */
	int64_t x, y;  /* metres */
	int64_t w;     /* priority weight, >= 0 */
} match_need;

typedef struct match_provider {
	const int32_t *skills; /* interned skill ids, >= 0; repeats are ignored */
	int32_t nskills;
	int64_t x, y;   /* metres */
	int64_t radius; /* metres, >= 0: a pair needs d_ij <= radius */
	int64_t cap;    /* >= 0: most needs it takes */
} match_provider;

typedef struct match_problem {
	int64_t B, lambda; /* >= 0 */
	const match_need *needs;
	int32_t nneeds;
	const match_provider *providers;
	int32_t nproviders;
	int64_t max_pairs; /* 0: MATCH_DEFAULT_MAX_PAIRS */
} match_problem;

/* The network the solver works on: the candidate arcs of each need and the load
 * levels of each provider. Arcs are only pairs allowed by skill and radius with
 * d_ij < B * w_i (a pair with d_ij >= B * w_i never lowers the objective, so some
 * optimum does without it); slots[j] = min(cap_j, arcs into j, ceil(g_j / lambda))
 * where g_j is the largest B * w_i - d_ij into j (a load level costing lambda * k >=
 * g_j never pays either). Both cuts keep the optimum's value exactly. */
typedef struct match_graph {
	int32_t nneeds, nproviders;
	int64_t nfeasible; /* pairs allowed by skill and radius (needs with B * w > 0,
	                      providers with cap > 0) */
	int32_t narcs;     /* pairs kept */
	int32_t *start;    /* need i's arcs are start[i] .. start[i + 1] - 1 */
	int32_t *prov;     /* arc -> provider */
	uint32_t *dist;    /* arc -> d_ij, metres */
	int64_t *gain;     /* need -> B * w_i */
	int32_t *slots;    /* provider -> load levels that may pay */
	int64_t cmax;      /* largest |cost| of an arc or a slot */
	size_t bytes;      /* what the graph holds */
	size_t peak_bytes; /* most held while it was built */
} match_graph;

/* Checks the problem's numbers (GZ_EINVALID with fields such as "needs[3].x" naming
 * every bad one): B, lambda, w, radius, cap >= 0; skills >= 0; |x|, |y| <=
 * MATCH_COORD_MAX; B * w_i and the scaled costs within int64 (see match_graph_build).
 * Returns 0 or -1. */
int match_check(const match_problem *p, gz_err *err);

/* Builds the candidate network of a checked problem. Returns 0, or -1 with err set:
 * GZ_EINVALID "match_invalid" (match_check), "match_too_many_pairs" (more than
 * max_pairs candidate arcs), "match_too_large" (B * w * (needs + providers + 2)
 * reaches 2^58: beyond exact 64-bit arithmetic), GZ_EINTERNAL "out_of_memory". */
int match_graph_build(const match_problem *p, match_graph *g, gz_err *err);
void match_graph_free(match_graph *g);

/* The integer nearest to sqrt(d2), exactly, for d2 < 2^63 (never a tie: k + 1/2 is
 * never the root of an integer). */
uint64_t match_round_sqrt(uint64_t d2);

/* d_ij: the distance between two points of the plane (|coordinates| <=
 * MATCH_COORD_MAX), rounded to the nearest metre. */
int64_t match_distance(int64_t x1, int64_t y1, int64_t x2, int64_t y2);

#endif
