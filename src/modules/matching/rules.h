/* Supply–demand matching: the pure rules of the lists — the states of a need and their
 * transitions, a need's priority weight, the projection of lng/lat onto the engine's
 * plane, and the removal of declined pairs from a network. No I/O
 * (tests/unit/test_matching_rules.c). docs/MATCHING.md, "The lists", has them in words. */
#ifndef GZ_MODULES_MATCHING_RULES_H
#define GZ_MODULES_MATCHING_RULES_H

#include "modules/matching/pairs.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ need states */

typedef enum {
	NEED_OPEN = 0,  /* 待匹配 */
	NEED_PROPOSED,  /* 已派单: a run proposed a provider, who has not answered */
	NEED_TAKEN,     /* 已接单 */
	NEED_DONE,      /* 已完成: hours recorded */
	NEED_RATED,     /* 已评价 */
	NEED_CANCELLED, /* 已取消 */
	NEED_EXPIRED,   /* 已过期: its window ended unserved */
	NEED_STATE__COUNT
} need_state;

typedef enum {
	NEED_PROPOSE = 0, /* a run proposes a provider: open -> proposed */
	NEED_ACCEPT, /* the provider accepts (接单), or claims it (抢单): proposed|open -> taken */
	NEED_DECLINE,  /* the provider declines: proposed -> open */
	NEED_COMPLETE, /* hours recorded: taken -> done */
	NEED_RATE,     /* the resident rates (评单): done -> rated */
	NEED_CANCEL,   /* the resident or staff: open|proposed|taken -> cancelled */
	NEED_EXPIRE,   /* the window ended: open|proposed -> expired */
	NEED_ACTION__COUNT
} need_action;

const char *need_state_code(need_state s);  /* "open"; "" out of range */
const char *need_state_label(need_state s); /* 「待匹配」 */
int need_state_parse(const char *code);     /* or -1 */
const char *need_action_code(need_action a);

/* The state after action from s, or -1 when the action is not allowed there. Claiming
 * an open need directly (抢单) is NEED_ACCEPT from NEED_OPEN. */
int need_transition(need_state s, need_action a);

/* Kinds of need: a service (服务) or a micro-wish (微心愿: a small gift or help). */
int need_kind_parse(const char *code); /* "service" 0, "wish" 1, or -1 */
const char *need_kind_label(int kind);

/* ------------------------------------------------------------------ weights */

/* The settings the weight uses. */
typedef struct need_weight_settings {
	int64_t wait_days; /* one point per this many days waited (0: waiting counts nothing) */
	int64_t wait_max;  /* at most this many points for waiting */
} need_weight_settings;

/* The priority weight of a need: 1, plus the weights of the resident's tags (each a
 * setting, tags without a weight count 0; at most NEED_TAG_WEIGHT_MAX in all), plus one
 * point per wait_days whole days since it was posted (at most wait_max). waited_ms < 0
 * counts as 0. Parts go to *tags_part and *wait_part (may be NULL). */
#define NEED_TAG_WEIGHT_MAX 20
int64_t need_weight(const int64_t *tag_weights, size_t ntags, int64_t waited_ms,
                    const need_weight_settings *s, int64_t *tags_part, int64_t *wait_part);

/* ------------------------------------------------------------------ equity feedback */

/* Under-served units (grids) for the matching's equity boost (docs/MATCHING.md, "The
 * equity boost"; issue 15, feedback). Unit i has service x[i] >= 0 (visits in the last
 * period) and population p[i] >= 0. The median m of the per-capita values x/p over the
 * units with p > 0 (the mean of the two middle ones when their number is even) is
 * compared exactly (rationals in 128-bit integers): unit i is under-served when p[i] > 0
 * and x[i] / p[i] < pct / 100 * m. Units with p = 0 never are; when m = 0 none is (no unit
 * can be below nothing). Sets under[0..n) and returns how many are; -1 when memory runs
 * out (under then all false). */
int match_underserved(const int64_t *x, const int64_t *p, size_t n, int64_t pct, bool *under);

/* A vulnerable group (a resident tag) under-served: of its members in the run's community,
 * those reached (visited, themselves or their household) in the last period are below
 * pct % — reached * 100 < pct * members — and the group has at least
 * MATCH_GROUP_MIN members (smaller groups are never singled out, as sharing's
 * suppression). */
#define MATCH_GROUP_MIN 5
bool match_group_underserved(int64_t reached, int64_t members, int64_t pct);

/* ------------------------------------------------------------------ the plane */

/* Projects (lng, lat) in 1e-7 degrees onto a local plane in metres around (lng0, lat0):
 * equirectangular, x east, y north, rounded to the metre; good to well under a metre per
 * kilometre over a street. */
void match_project(int64_t lng0_e7, int64_t lat0_e7, int64_t lng_e7, int64_t lat_e7, int64_t *x,
                   int64_t *y);

/* ------------------------------------------------------------------ declined pairs */

/* Removes the arcs (need, provider) listed in pairs[0..n) (indexes into the problem)
 * from g, in place. The slot bounds stay as they were (an upper bound on what may pay:
 * the optimum is the same). */
void match_graph_exclude(match_graph *g, const int32_t (*pairs)[2], size_t n);

#endif
