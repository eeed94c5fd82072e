/* The fair matching engine of supply–demand matching (供需对接, issue 11). Pure
 * computation: plain structs in, results out, no I/O.
 *
 * It finds an exact optimum of: choose pairs (need i, provider j), each need at most
 * once and provider j at most cap_j times, a pair allowed only if j has i's skill and
 * d_ij <= radius_j, to minimise
 *
 *     sum d_ij  +  sum_j lambda * k_j * (k_j - 1) / 2  -  sum_{i matched} B * w_i
 *
 * where d_ij is the Euclidean distance in metres rounded to the nearest integer
 * (computed exactly, in integers), k_j the number of needs given to j, and w_i, B and
 * lambda non-negative integers. Everything is int64 arithmetic with its bounds checked
 * on input, so the optimum is exact, not approximately optimal.
 *
 * How (docs/MATCHING.md): candidate pairs come from a spatial grid bucketed by skill
 * (pairs.h); pairs that can never pay are dropped, and so are load levels that can
 * never pay; the rest is a min-cost flow with convex provider costs, solved by cost
 * scaling (an epsilon-scaling auction with the providers' load as unit slots of
 * marginal cost 0, lambda, 2*lambda, ...), which is exact once epsilon < 1/(nodes + 1).
 *
 * Memory: every array a function returns is owned by the struct it fills; free it
 * with the matching _free function. On error nothing is left allocated. */
#ifndef GZ_MODULES_MATCHING_ENGINE_H
#define GZ_MODULES_MATCHING_ENGINE_H

#include "modules/matching/pairs.h"

typedef struct match_pair {
	int32_t need, provider; /* indexes into the problem's arrays */
	int64_t distance;       /* d_ij, metres */
	int64_t priority;       /* B * w_i */
} match_pair;

typedef struct match_stats {
	int phases;        /* cost-scaling phases */
	int64_t bids;      /* a need taking its best option */
	int64_t scans;     /* a need looking at all its arcs (else its cached best ones) */
	int64_t evictions; /* a provider giving a need back */
	int64_t relabels;  /* a price lowered (providers and T) */
	int64_t returns;   /* T freeing a slot or taking back an unmatched need */
	int64_t rechecks;  /* needs re-examined at a phase start */
	size_t peak_bytes; /* most memory the engine held at once (graph and solver) */
	int64_t nfeasible; /* as in match_graph */
	int32_t narcs;
} match_stats;

typedef struct match_result {
	/* objective = distance + load_cost - priority */
	int64_t objective, distance, load_cost, priority;
	match_pair *pairs; /* in need order */
	int32_t npairs;
	int32_t *load; /* provider -> k_j */
	int32_t nproviders;
	match_stats stats;
} match_result;

/* Solves the network g built from p. Returns 0 with *r filled, or -1 with err set:
 * GZ_EINTERNAL "out_of_memory" (or "match_internal", which cannot happen), or
 * GZ_EINVALID "match_too_large" if a price would pass 2^61 (match_check's bound keeps
 * them far below). */
int match_solve_graph(const match_problem *p, const match_graph *g, match_result *r, gz_err *err);

/* match_check + match_graph_build + match_solve_graph. */
int match_solve(const match_problem *p, match_result *r, gz_err *err);
void match_result_free(match_result *r);

/* The objective of a set of pairs (need, provider), after checking they are allowed:
 * every index in range, each need at most once, each provider at most cap times, the
 * skill held and d_ij <= radius. Returns 0 with *objective set, or -1 with err
 * (GZ_EINVALID "match_infeasible", saying which pair and why). */
int match_evaluate(const match_problem *p, const int32_t (*pairs)[2], int32_t npairs,
                   int64_t *objective, gz_err *err);

#endif
