/* Supply–demand matching: the pure rules of the lists (rules.h). */
#include "modules/matching/rules.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const state_codes[NEED_STATE__COUNT] = {"open",  "proposed",  "taken",  "done",
                                                           "rated", "cancelled", "expired"};
static const char *const state_labels[NEED_STATE__COUNT] = {"待匹配", "已派单", "已接单", "已完成",
                                                            "已评价", "已取消", "已过期"};
static const char *const action_codes[NEED_ACTION__COUNT] = {
    "propose", "accept", "decline", "complete", "rate", "cancel", "expire"};

const char *need_state_code(need_state s)
{
	return (unsigned)s < NEED_STATE__COUNT ? state_codes[s] : "";
}

const char *need_state_label(need_state s)
{
	return (unsigned)s < NEED_STATE__COUNT ? state_labels[s] : "";
}

int need_state_parse(const char *code)
{
	for (int i = 0; code && i < NEED_STATE__COUNT; i++)
		if (strcmp(code, state_codes[i]) == 0)
			return i;
	return -1;
}

const char *need_action_code(need_action a)
{
	return (unsigned)a < NEED_ACTION__COUNT ? action_codes[a] : "";
}

/* The one table of transitions: -1 where an action is not allowed. */
static const signed char transitions[NEED_STATE__COUNT][NEED_ACTION__COUNT] = {
    /*              propose        accept      decline    complete   rate        cancel expire */
    [NEED_OPEN] = {NEED_PROPOSED, NEED_TAKEN, -1, -1, -1, NEED_CANCELLED, NEED_EXPIRED},
    [NEED_PROPOSED] = {-1, NEED_TAKEN, NEED_OPEN, -1, -1, NEED_CANCELLED, NEED_EXPIRED},
    [NEED_TAKEN] = {-1, -1, -1, NEED_DONE, -1, NEED_CANCELLED, -1},
    [NEED_DONE] = {-1, -1, -1, -1, NEED_RATED, -1, -1},
    [NEED_RATED] = {-1, -1, -1, -1, -1, -1, -1},
    [NEED_CANCELLED] = {-1, -1, -1, -1, -1, -1, -1},
    [NEED_EXPIRED] = {-1, -1, -1, -1, -1, -1, -1},
};

int need_transition(need_state s, need_action a)
{
	if ((unsigned)s >= NEED_STATE__COUNT || (unsigned)a >= NEED_ACTION__COUNT)
		return -1;
	return transitions[s][a];
}

int need_kind_parse(const char *code)
{
	if (code && strcmp(code, "service") == 0)
		return 0;
	if (code && strcmp(code, "wish") == 0)
		return 1;
	return -1;
}

const char *need_kind_label(int kind)
{
	return kind == 0 ? "服务" : kind == 1 ? "微心愿" : "";
}

int64_t need_weight(const int64_t *tag_weights, size_t ntags, int64_t waited_ms,
                    const need_weight_settings *s, int64_t *tags_part, int64_t *wait_part)
{
	int64_t tags = 0, wait = 0;
	for (size_t i = 0; i < ntags && tags < NEED_TAG_WEIGHT_MAX; i++)
		if (tag_weights[i] > 0)
			tags += tag_weights[i] < NEED_TAG_WEIGHT_MAX ? tag_weights[i]
			                                             : NEED_TAG_WEIGHT_MAX;
	if (tags > NEED_TAG_WEIGHT_MAX)
		tags = NEED_TAG_WEIGHT_MAX;
	if (s && s->wait_days > 0 && waited_ms > 0) {
		wait = waited_ms / (s->wait_days * 86400000LL);
		if (wait > s->wait_max)
			wait = s->wait_max;
	}
	if (tags_part)
		*tags_part = tags;
	if (wait_part)
		*wait_part = wait;
	return 1 + tags + wait;
}

__extension__ typedef __int128 mr_i128;

typedef struct {
	int64_t x, p;
} ratio;

static int ratio_cmp(const void *a, const void *b)
{
	const ratio *u = a, *v = b;
	mr_i128 l = (mr_i128)u->x * v->p, r = (mr_i128)v->x * u->p;
	return l < r ? -1 : l > r;
}

int match_underserved(const int64_t *x, const int64_t *p, size_t n, int64_t pct, bool *under)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		under[i] = false;
		if (p[i] > 0)
			m++;
	}
	if (!m || pct <= 0)
		return 0;
	ratio *r = malloc(m * sizeof *r);
	if (!r)
		return -1;
	m = 0;
	for (size_t i = 0; i < n; i++)
		if (p[i] > 0)
			r[m++] = (ratio){x[i] < 0 ? 0 : x[i], p[i]};
	qsort(r, m, sizeof *r, ratio_cmp);
	/* The median as num / den: a/b when m is odd, (a d + c b) / (2 b d) when even. */
	mr_i128 num, den;
	if (m % 2) {
		num = r[m / 2].x;
		den = r[m / 2].p;
	} else {
		const ratio *lo = &r[m / 2 - 1], *hi = &r[m / 2];
		num = (mr_i128)lo->x * hi->p + (mr_i128)hi->x * lo->p;
		den = (mr_i128)2 * lo->p * hi->p;
	}
	free(r);
	if (num == 0)
		return 0;
	int k = 0;
	/* x / p < pct / 100 * num / den  <=>  100 x den < pct p num (all positive). */
	for (size_t i = 0; i < n; i++)
		if (p[i] > 0 &&
		    (mr_i128)100 * (x[i] < 0 ? 0 : x[i]) * den < (mr_i128)pct * p[i] * num) {
			under[i] = true;
			k++;
		}
	return k;
}

bool match_group_underserved(int64_t reached, int64_t members, int64_t pct)
{
	if (members < MATCH_GROUP_MIN || pct <= 0 || reached < 0 || reached > members)
		return false;
	return (mr_i128)reached * 100 < (mr_i128)pct * members;
}

void match_project(int64_t lng0_e7, int64_t lat0_e7, int64_t lng_e7, int64_t lat_e7, int64_t *x,
                   int64_t *y)
{
	/* WGS84 mean radius at the origin's latitude is within 0.3% of 6371 km; over a
	 * street the plane's scale error is far below a metre. */
	const double R = 6371008.8, rad = M_PI / 180e7;
	double phi0 = (double)lat0_e7 * rad;
	*x = llround(R * cos(phi0) * (double)(lng_e7 - lng0_e7) * rad);
	*y = llround(R * (double)(lat_e7 - lat0_e7) * rad);
}

static int pair_cmp(const void *a, const void *b)
{
	const int32_t *p = a, *q = b;
	if (p[0] != q[0])
		return p[0] < q[0] ? -1 : 1;
	return p[1] < q[1] ? -1 : p[1] > q[1];
}

void match_graph_exclude(match_graph *g, const int32_t (*pairs)[2], size_t n)
{
	if (!n || !g->narcs)
		return;
	int32_t(*sorted)[2] = malloc(n * sizeof *sorted);
	bool linear = !sorted;
	if (sorted) {
		memcpy(sorted, pairs, n * sizeof *sorted);
		qsort(sorted, n, sizeof *sorted, pair_cmp);
	}
	int32_t out = 0;
	size_t k = 0;
	for (int32_t i = 0; i < g->nneeds; i++) {
		int32_t from = g->start[i], to = g->start[i + 1];
		g->start[i] = out;
		for (int32_t e = from; e < to; e++) {
			bool drop = false;
			if (linear) {
				for (size_t t = 0; t < n && !drop; t++)
					drop = pairs[t][0] == i && pairs[t][1] == g->prov[e];
			} else {
				while (k < n && sorted[k][0] < i)
					k++;
				for (size_t t = k; t < n && sorted[t][0] == i && !drop; t++)
					drop = sorted[t][1] == g->prov[e];
			}
			if (!drop) {
				g->prov[out] = g->prov[e];
				g->dist[out] = g->dist[e];
				out++;
			}
		}
	}
	g->start[g->nneeds] = out;
	g->narcs = out;
	free(sorted);
	/* A provider never holds more load levels than arcs into it. */
	int32_t *in = calloc((size_t)g->nproviders + 1, sizeof *in);
	if (!in)
		return;
	for (int32_t e = 0; e < g->narcs; e++)
		in[g->prov[e]]++;
	for (int32_t j = 0; j < g->nproviders; j++)
		if (g->slots[j] > in[j])
			g->slots[j] = in[j];
	free(in);
}
