/* The matching engine's solver: an exact min-cost flow by cost scaling.
 *
 * The network (pairs.c builds its arcs): each need i holds one unit; it goes either to
 * the terminal T directly (left unmatched, cost 0) or along an arc to a provider j
 * (cost d_ij - B * w_i), and from j to T through one of j's load levels ("slots") s = 0,
 * 1, ..., slots_j - 1 of cost lambda * s, one unit each. Filling slots in order costs
 * lambda * k (k - 1) / 2 for k needs, so a min-cost flow is an optimum of the
 * objective; the load cost is convex, so parallel unit arcs model it exactly.
 *
 * This is Goldberg's cost-scaling push-relabel (Goldberg & Tarjan 1990; Goldberg 1997)
 * with the needs handled as in Goldberg & Kennedy's CSA for assignment. Nodes have
 * prices p; an arc u -> v has reduced cost c + p(u) - p(v); a flow is eps-optimal if
 * no residual arc has reduced cost below -eps. Costs are multiplied by S = nodes + 1:
 * an eps-optimal flow with eps = 1 is then optimal, because a residual cycle (at most
 * S - 1 arcs) costs a multiple of S and at least -(S - 1), hence at least 0.
 *
 * Each phase divides eps by ALPHA and restores eps-optimality (refine):
 *  - phase_start: a provider fills or frees slots until its slot arcs are eps-optimal
 *    at its price, and a need whose choice is no longer within 2 eps of its best option
 *    is taken back. Prices do not move, so what the last phase learnt is kept; a
 *    provider may now hold more needs than slots (excess) or fewer (deficit), and T
 *    too may have excess;
 *  - then every node with excess is discharged: an unassigned need bids (it takes its
 *    cheapest option at reduced cost -eps and its price is set as low as its second
 *    option allows, so it is not displaced until the provider's price has fallen by
 *    more than the gap between the two); a provider over its load fills its next slot
 *    (if that arc's reduced cost is negative), gives back its weakest need (the one
 *    whose arc back has negative reduced cost), or lowers its price (relabel); T with
 *    excess frees a slot or takes back an unmatched need along an arc of negative
 *    reduced cost, or lowers its own price.
 * Every push is along an arc of negative reduced cost and every price change keeps all
 * residual arcs at -eps or above, so each phase ends eps-optimal with no excess
 * anywhere (excesses sum to zero), and the last one (eps = 1) optimal. A need's
 * price may be reset when it is not assigned (no residual arc enters it then), as in
 * CSA; everything else is the generic algorithm, which terminates.
 *
 * Speed: prices only ever fall, so the value of every option of a need only rises; a
 * need remembers its CACHED cheapest arcs and a bound below which no other arc was,
 * and looks at all its arcs again only when that bound is passed (best_two). T's
 * arcs back to the providers and to the unmatched needs sit in a lazy heap, so T finds
 * its best arc without a scan (discharge_t). */
#include "modules/matching/engine.h"
#include "modules/matching/meter.h"

#include <string.h>

/* Divisor of eps per phase: fewer phases against more work per phase. */
#define ALPHA 8

/* Cheapest arcs each need remembers (best_two). */
#define CACHED 8

#define AT_NONE (-1) /* unassigned: holds its unit, will bid */
#define AT_SINK (-2) /* left unmatched */

/* Prices never come near this in a valid run (match_check bounds the costs); if one
 * did, the run stops rather than overflow. */
#define PRICE_LIMIT (1LL << 61)

typedef struct solver {
	const match_problem *p;
	const match_graph *g;
	match_meter m;
	int32_t n, np;
	int64_t S, lamS, eps;
	/* needs */
	int32_t *at;    /* arc taken, AT_NONE or AT_SINK */
	int64_t *px;    /* price, while assigned */
	int64_t *gs;    /* B * w * S */
	int32_t *cache; /* CACHED arcs per need (best_two) */
	int64_t *theta; /* no arc outside the cache has a lower value */
	/* providers */
	int64_t *price;
	int32_t *load; /* slots in use */
	int32_t *moff; /* its needs are mem[moff[j] .. moff[j] + cnt[j]) */
	int32_t *cnt;
	int32_t *mem;
	/* T */
	int64_t pt;     /* price */
	int64_t excess; /* units into T minus the needs' units */
	/* T's residual arcs (to providers with a slot in use, to unmatched needs), in a
	 * lazy max-heap by p(v) - c(T, v): an entry is stale once that value or the
	 * arc has changed, and is then dropped when it comes up. */
	struct tarc {
		int64_t key;
		int32_t node; /* providers j, needs np + x */
	} * theap;
	size_t ntheap, captheap;
	int32_t *short_list, nshort; /* providers that may hold fewer needs than slots */
	unsigned char *listed;
	/* work */
	int32_t *nstack, nn;
	int32_t *pstack, npv;
	unsigned char *pqueued;
	int overflow, failed;
	match_stats st;
} solver;

static inline int64_t arc_cost(const solver *s, int32_t x, int32_t e)
{
	return (int64_t)s->g->dist[e] * s->S - s->gs[x];
}

static inline int32_t nslots(const solver *s, int32_t j)
{
	return s->g->slots[j];
}

static void push_need(solver *s, int32_t x)
{
	s->at[x] = AT_NONE;
	s->nstack[s->nn++] = x;
}

static void push_provider(solver *s, int32_t j)
{
	if (!s->pqueued[j]) {
		s->pqueued[j] = 1;
		s->pstack[s->npv++] = j;
	}
}

/* p(j) - c(T, j) for the arc T -> j that frees j's last slot in use. */
static inline int64_t slot_back(const solver *s, int32_t j)
{
	return s->price[j] + (int64_t)(s->load[j] - 1) * s->lamS;
}

static int tarc_valid(const solver *s, struct tarc a)
{
	if (a.node < s->np)
		return s->load[a.node] > 0 && slot_back(s, a.node) == a.key;
	int32_t x = a.node - s->np;
	return s->at[x] == AT_SINK && s->px[x] == a.key;
}

static void theap_add(solver *s, int64_t key, int32_t node)
{
	if (s->ntheap == s->captheap) {
		size_t nc = s->captheap * 2;
		struct tarc *h = match_resize(&s->m, s->theap, s->captheap, nc, sizeof *h);
		if (!h) {
			s->failed = 1;
			return;
		}
		s->theap = h;
		s->captheap = nc;
	}
	size_t i = s->ntheap++;
	while (i > 0 && s->theap[(i - 1) / 2].key < key) {
		s->theap[i] = s->theap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	s->theap[i] = (struct tarc){key, node};
}

static void theap_pop(solver *s)
{
	struct tarc last = s->theap[--s->ntheap];
	size_t i = 0, n = s->ntheap;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && s->theap[c + 1].key > s->theap[c].key)
			c++;
		if (s->theap[c].key <= last.key)
			break;
		s->theap[i] = s->theap[c];
		i = c;
	}
	if (n > 0)
		s->theap[i] = last;
}

/* Records provider j's arc from T after its load or price changed. */
static void note_provider(solver *s, int32_t j)
{
	if (s->load[j] > 0)
		theap_add(s, slot_back(s, j), j);
	if (s->cnt[j] < s->load[j] && !s->listed[j]) {
		s->listed[j] = 1;
		s->short_list[s->nshort++] = j;
	}
}

/* When stale entries outnumber live ones: rebuild the heap from the live arcs. */
static void theap_compact(solver *s)
{
	if (s->ntheap < 4 * ((size_t)s->n + (size_t)s->np) + 1024)
		return;
	s->ntheap = 0;
	for (int32_t j = 0; j < s->np; j++)
		if (s->load[j] > 0)
			theap_add(s, slot_back(s, j), j);
	for (int32_t x = 0; x < s->n; x++)
		if (s->at[x] == AT_SINK && s->g->start[x + 1] > s->g->start[x])
			theap_add(s, s->px[x], s->np + x);
}

static void remove_member(solver *s, int32_t j, int32_t x)
{
	int32_t *m = s->mem + s->moff[j];
	for (int32_t k = 0; k < s->cnt[j]; k++)
		if (m[k] == x) {
			m[k] = m[--s->cnt[j]];
			return;
		}
}

static void set_price(solver *s, int64_t *p, int64_t v)
{
	if (v < -PRICE_LIMIT || v > PRICE_LIMIT)
		s->overflow = 1;
	*p = v;
}

/* Provider j holds more needs than its load: fill slots, give needs back, or lower
 * its price, until it does not. */
static void discharge(solver *s, int32_t j)
{
	while (s->cnt[j] > s->load[j] && !s->overflow) {
		int32_t L = s->load[j];
		int free_slot = L < nslots(s, j);
		if (free_slot && (int64_t)L * s->lamS + s->price[j] - s->pt < 0) {
			s->load[j]++;
			s->excess++;
			continue;
		}
		int32_t *m = s->mem + s->moff[j], top = 0;
		int64_t hmax = INT64_MIN;
		for (int32_t k = 0; k < s->cnt[j]; k++) {
			int32_t y = m[k];
			int64_t h = s->px[y] + arc_cost(s, y, s->at[y]);
			if (h > hmax)
				hmax = h, top = k;
		}
		if (hmax > s->price[j]) {
			/* The arc back to that need has negative reduced cost. */
			int32_t y = m[top];
			m[top] = m[--s->cnt[j]];
			push_need(s, y);
			s->st.evictions++;
			continue;
		}
		int64_t np = hmax;
		if (free_slot && s->pt - (int64_t)L * s->lamS > np)
			np = s->pt - (int64_t)L * s->lamS;
		set_price(s, &s->price[j], np - s->eps);
		s->st.relabels++;
	}
	note_provider(s, j);
}

/* The value of need x's arc e: its reduced cost without x's own price. */
static inline int64_t value(const solver *s, int32_t x, int32_t e)
{
	return arc_cost(s, x, e) - s->price[s->g->prov[e]];
}

/* Keeps the k smallest (value, arc) pairs seen, in order, in v[0..k), a[0..k). */
static inline void keep_small(int64_t *v, int32_t *a, int k, int64_t val, int32_t arc)
{
	if (val >= v[k - 1])
		return;
	int i = k - 1;
	for (; i > 0 && v[i - 1] > val; i--)
		v[i] = v[i - 1], a[i] = a[i - 1];
	v[i] = val, a[i] = arc;
}

/* The two cheapest options of need x, leaving out arc skip (or nothing: -3) and T
 * unless with_t: *be and *v1 the best (AT_SINK for T), *v2 the second's value
 * (INT64_MAX if there is none).
 *
 * Prices only ever fall, so values only rise. x keeps its CACHED cheapest arcs and
 * theta, a value no other arc of x was below when they were cached; while the second
 * best among the cached ones is at most theta, nothing else can beat them and no scan
 * is needed (CSA's look-ahead). Else every arc is scanned and the cache renewed. */
static void best_two(solver *s, int32_t x, int32_t skip, int with_t, int32_t *be, int64_t *v1,
                     int64_t *v2)
{
	int64_t bv[2] = {with_t ? -s->pt : INT64_MAX, INT64_MAX};
	int32_t ba[2] = {AT_SINK, AT_NONE};
	int32_t *c = s->cache + (size_t)x * CACHED;
	for (int k = 0; k < CACHED && c[k] >= 0; k++)
		if (c[k] != skip)
			keep_small(bv, ba, 2, value(s, x, c[k]), c[k]);
	if (bv[1] > s->theta[x]) {
		/* Scan all arcs: the cache and theta anew, and the answer. */
		int64_t cv[CACHED + 1];
		int32_t ca[CACHED + 1];
		for (int k = 0; k <= CACHED; k++)
			cv[k] = INT64_MAX, ca[k] = AT_NONE;
		bv[0] = with_t ? -s->pt : INT64_MAX, bv[1] = INT64_MAX;
		ba[0] = AT_SINK, ba[1] = AT_NONE;
		const int32_t *st = s->g->start;
		for (int32_t e = st[x]; e < st[x + 1]; e++) {
			int64_t v = value(s, x, e);
			keep_small(cv, ca, CACHED + 1, v, e);
			if (e != skip)
				keep_small(bv, ba, 2, v, e);
		}
		memcpy(c, ca, CACHED * sizeof *c);
		s->theta[x] = cv[CACHED];
		s->st.scans++;
	}
	*be = ba[0] == AT_NONE ? AT_SINK : ba[0];
	*v1 = bv[0];
	*v2 = bv[1];
}

/* An unassigned need takes its cheapest option (T wins ties). */
static void bid(solver *s, int32_t x)
{
	int32_t be;
	int64_t best, second;
	best_two(s, x, -3, 1, &be, &best, &second);
	s->st.bids++;
	s->at[x] = be;
	/* Its price: as low as its other options allow (second is finite: x has an arc). */
	set_price(s, &s->px[x], -second - s->eps);
	if (be == AT_SINK) {
		s->excess++;
		theap_add(s, s->px[x], s->np + x);
		return;
	}
	int32_t j = s->g->prov[be];
	s->mem[s->moff[j] + s->cnt[j]++] = x;
	if (s->cnt[j] > s->load[j])
		discharge(s, j);
}

/* T has excess: it frees slots of providers short of needs where that arc is
 * admissible, then takes the arc of highest p(v) - c(T, v) if admissible (freeing a
 * slot or taking back an unmatched need), else lowers its price to make it so. */
static void discharge_t(solver *s)
{
	int32_t keep = 0;
	for (int32_t k = 0; k < s->nshort; k++) {
		int32_t j = s->short_list[k];
		while (s->excess > 0 && s->cnt[j] < s->load[j] && slot_back(s, j) > s->pt) {
			s->load[j]--;
			s->excess--;
			s->st.returns++;
			if (s->load[j] > 0)
				theap_add(s, slot_back(s, j), j);
		}
		if (s->cnt[j] < s->load[j])
			s->short_list[keep++] = j;
		else
			s->listed[j] = 0;
	}
	s->nshort = keep;
	while (s->excess > 0 && !s->overflow && !s->failed) {
		if (s->ntheap == 0) {
			s->failed = 2; /* cannot be: excess at T means units arrived there */
			return;
		}
		struct tarc a = s->theap[0];
		if (!tarc_valid(s, a)) {
			theap_pop(s);
			continue;
		}
		if (a.key <= s->pt) {
			set_price(s, &s->pt, a.key - s->eps);
			s->st.relabels++;
			continue;
		}
		theap_pop(s);
		s->excess--;
		s->st.returns++;
		if (a.node < s->np) {
			int32_t j = a.node;
			s->load[j]--;
			/* Its arc from T changed: T's next relabel must see it. */
			note_provider(s, j);
			if (s->cnt[j] > s->load[j])
				push_provider(s, j);
		} else
			push_need(s, a.node - s->np);
	}
	theap_compact(s);
}

/* At a phase start: keep a need's choice if it is within 2 eps of its best (then set
 * its price inside the window that leaves), else take it back. */
static void recheck(solver *s, int32_t x)
{
	int32_t o = s->at[x], be;
	int64_t va = o == AT_SINK ? -s->pt : value(s, x, o), v1, v2;
	best_two(s, x, o, o != AT_SINK, &be, &v1, &v2);
	v2 = v1; /* the best of the others */
	s->st.rechecks++;
	if (va <= v2 + 2 * s->eps) {
		set_price(s, &s->px[x], -v2 - s->eps);
		if (o == AT_SINK)
			theap_add(s, s->px[x], s->np + x);
		return;
	}
	if (o == AT_SINK)
		s->excess--;
	else {
		int32_t j = s->g->prov[o];
		remove_member(s, j, x);
	}
	push_need(s, x);
}

static void phase_start(solver *s)
{
	const int32_t *st = s->g->start;
	int64_t eps = s->eps;
	for (int32_t j = 0; j < s->np; j++) {
		int64_t p = s->price[j] - s->pt;
		while (s->load[j] < nslots(s, j) && s->load[j] * s->lamS + p < -eps)
			s->load[j]++, s->excess++;
		while (s->load[j] > 0 && -(s->load[j] - 1) * s->lamS - p < -eps)
			s->load[j]--, s->excess--;
	}
	for (int32_t x = 0; x < s->n; x++)
		if (st[x + 1] > st[x])
			recheck(s, x);
	for (int32_t j = 0; j < s->np; j++) {
		if (s->cnt[j] > s->load[j])
			push_provider(s, j);
		else
			note_provider(s, j);
	}
}

/* Discharges every node with excess until there is none. */
static void refine(solver *s)
{
	for (;;) {
		while ((s->npv > 0 || s->nn > 0) && !s->overflow && !s->failed) {
			if (s->npv > 0) {
				int32_t j = s->pstack[--s->npv];
				s->pqueued[j] = 0;
				discharge(s, j);
			} else
				bid(s, s->nstack[--s->nn]);
		}
		if (s->excess <= 0 || s->overflow || s->failed)
			return;
		discharge_t(s);
	}
}

#define ARRAYS(X)                                                                                  \
	X(at, n)                                                                                   \
	X(px, n)                                                                                   \
	X(gs, n)                                                                                   \
	X(cache, n *CACHED)                                                                        \
	X(theta, n)                                                                                \
	X(nstack, n)                                                                               \
	X(price, np)                                                                               \
	X(load, np)                                                                                \
	X(moff, np + 1)                                                                            \
	X(cnt, np) X(mem, nmem) X(pstack, np) X(pqueued, np) X(short_list, np) X(listed, np)

static void solver_free(solver *s, size_t nmem)
{
	size_t n = (size_t)s->n, np = (size_t)s->np;
#define FREE(name, count) match_release(&s->m, s->name, count, sizeof *s->name);
	ARRAYS(FREE)
#undef FREE
	match_release(&s->m, s->theap, s->captheap, sizeof *s->theap);
}

static int solver_init(solver *s, size_t *nmem_out)
{
	const match_graph *g = s->g;
	size_t n = (size_t)s->n, np = (size_t)s->np, nmem = 0;
	for (size_t j = 0; j < np; j++)
		nmem += (size_t)g->slots[j] + 1;
	*nmem_out = nmem;
#define ALLOC(name, count) s->name = match_alloc(&s->m, count, sizeof *s->name);
	ARRAYS(ALLOC)
#undef ALLOC
	s->captheap = 1024;
	s->theap = match_alloc(&s->m, s->captheap, sizeof *s->theap);
#define CHECK(name, count) || !s->name
	if (!s->theap ARRAYS(CHECK))
		return -1;
#undef CHECK
	for (size_t j = 0; j < np; j++)
		s->moff[j + 1] = s->moff[j] + g->slots[j] + 1;
	s->S = (int64_t)g->nneeds + g->nproviders + 2;
	s->lamS = (s->p->lambda < g->cmax ? s->p->lambda : g->cmax) * s->S;
	/* Needs last to first, so the stack bids them first to last. */
	for (int32_t x = g->nneeds - 1; x >= 0; x--) {
		s->gs[x] = g->gain[x] * s->S;
		s->theta[x] = INT64_MIN; /* nothing cached yet */
		if (g->start[x + 1] > g->start[x]) {
			push_need(s, x);
			s->excess--;
		} else
			s->at[x] = AT_SINK;
	}
	return 0;
}

static int result_fill(const solver *s, match_result *r)
{
	const match_problem *p = s->p;
	const match_graph *g = s->g;
	for (int32_t x = 0; x < g->nneeds; x++)
		if (s->at[x] >= 0)
			r->npairs++;
	r->pairs = calloc(r->npairs ? (size_t)r->npairs : 1, sizeof *r->pairs);
	r->load = calloc(g->nproviders ? (size_t)g->nproviders : 1, sizeof *r->load);
	if (!r->pairs || !r->load)
		return -1;
	r->nproviders = g->nproviders;
	int32_t k = 0;
	for (int32_t x = 0; x < g->nneeds; x++) {
		int32_t e = s->at[x];
		if (e < 0)
			continue;
		r->pairs[k++] = (match_pair){x, g->prov[e], g->dist[e], g->gain[x]};
		r->distance += g->dist[e];
		r->priority += g->gain[x];
	}
	for (int32_t j = 0; j < g->nproviders; j++) {
		int64_t L = s->load[j];
		r->load[j] = (int32_t)L;
		/* lambda * (L - 1) < the best gain into j (the slots' bound): no overflow. */
		if (L > 1)
			r->load_cost += p->lambda * (L - 1) * L / 2;
	}
	r->objective = r->distance + r->load_cost - r->priority;
	return 0;
}

#ifdef MATCH_CERTIFY
/* The proof the unit tests ask for (they define MATCH_CERTIFY and include this file):
 * the flow is feasible (every need placed, every provider holding exactly its load)
 * and 1-optimal with the final prices, so optimal. Returns 0 or -1. */
static int certify(const solver *s)
{
	const match_graph *g = s->g;
	const int64_t eps = 1;
	if (s->excess != 0)
		return -1;
	for (int32_t j = 0; j < s->np; j++) {
		int64_t L = s->load[j], p = s->price[j] - s->pt;
		if (s->cnt[j] != L || L > nslots(s, j))
			return -1;
		if (L < nslots(s, j) && L * s->lamS + p < -eps)
			return -1;
		if (L > 0 && -(L - 1) * s->lamS - p < -eps)
			return -1;
	}
	for (int32_t x = 0; x < s->n; x++) {
		int32_t o = s->at[x];
		if (g->start[x + 1] == g->start[x])
			continue;
		if (o == AT_NONE)
			return -1;
		if (o != AT_SINK && s->px[x] - s->pt < -eps) /* x -> T */
			return -1;
		if (o == AT_SINK && s->pt - s->px[x] < -eps) /* T -> x */
			return -1;
		for (int32_t e = g->start[x]; e < g->start[x + 1]; e++) {
			int64_t r = arc_cost(s, x, e) + s->px[x] - s->price[g->prov[e]];
			if (e == o ? -r < -eps : r < -eps)
				return -1;
		}
	}
	return 0;
}
#endif

int match_solve_graph(const match_problem *p, const match_graph *g, match_result *r, gz_err *err)
{
	memset(r, 0, sizeof *r);
	solver s = {.p = p, .g = g, .n = g->nneeds, .np = g->nproviders};
	size_t nmem = 0;
	if (solver_init(&s, &nmem) < 0)
		goto oom;
	/* Any prices are eps-optimal for the empty flow; start coarse. */
	s.eps = g->cmax * s.S;
	do {
		s.eps = s.eps / ALPHA > 1 ? s.eps / ALPHA : 1;
		if (s.st.phases > 0)
			phase_start(&s);
		refine(&s);
		s.st.phases++;
	} while (s.eps > 1 && !s.overflow && !s.failed);
	if (s.failed == 2) {
		solver_free(&s, nmem);
		return gz_err_set(err, GZ_EINTERNAL, "match_internal", "匹配计算出现内部错误");
	}
	if (s.failed)
		goto oom;
	if (s.overflow) {
		solver_free(&s, nmem);
		return gz_err_set(err, GZ_EINVALID, "match_too_large",
		                  "匹配规模或权重过大，超出精确计算的范围");
	}
#ifdef MATCH_CERTIFY
	if (certify(&s) < 0) {
		solver_free(&s, nmem);
		return gz_err_set(err, GZ_EINTERNAL, "match_uncertified", "not 1-optimal");
	}
#endif
	if (result_fill(&s, r) < 0)
		goto oom;
	s.st.nfeasible = g->nfeasible;
	s.st.narcs = g->narcs;
	s.st.peak_bytes = g->bytes + s.m.peak;
	if (g->peak_bytes > s.st.peak_bytes)
		s.st.peak_bytes = g->peak_bytes;
	r->stats = s.st;
	solver_free(&s, nmem);
	return 0;
oom:
	solver_free(&s, nmem);
	match_result_free(r);
	return gz_err_set(err, GZ_EINTERNAL, "out_of_memory", "内存不足，无法完成匹配");
}

int match_solve(const match_problem *p, match_result *r, gz_err *err)
{
	match_graph g;
	memset(r, 0, sizeof *r);
	if (match_graph_build(p, &g, err) < 0)
		return -1;
	int rc = match_solve_graph(p, &g, r, err);
	match_graph_free(&g);
	return rc;
}

void match_result_free(match_result *r)
{
	free(r->pairs);
	free(r->load);
	memset(r, 0, sizeof *r);
}

/* ---- Checking a given set of pairs -------------------------------------------------- */

static int has_skill(const match_provider *v, int32_t skill)
{
	for (int32_t k = 0; k < v->nskills; k++)
		if (v->skills[k] == skill)
			return 1;
	return 0;
}

int match_evaluate(const match_problem *p, const int32_t (*pairs)[2], int32_t npairs,
                   int64_t *objective, gz_err *err)
{
	if (match_check(p, err) < 0)
		return -1;
	unsigned char *used = calloc(p->nneeds ? (size_t)p->nneeds : 1, 1);
	int64_t *load = calloc(p->nproviders ? (size_t)p->nproviders : 1, sizeof *load);
	int rc = -1;
	if (!used || !load) {
		gz_err_set(err, GZ_EINTERNAL, "out_of_memory", "内存不足");
		goto out;
	}
	int64_t sum = 0;
	const char *why = NULL;
	int32_t k;
	for (k = 0; k < npairs; k++) {
		int32_t i = pairs[k][0], j = pairs[k][1];
		if (i < 0 || i >= p->nneeds || j < 0 || j >= p->nproviders) {
			why = "编号越界";
			break;
		}
		const match_need *n = &p->needs[i];
		const match_provider *v = &p->providers[j];
		int64_t d = match_distance(n->x, n->y, v->x, v->y);
		if (used[i])
			why = "需求重复";
		else if (!has_skill(v, n->skill))
			why = "技能不符";
		else if (d > v->radius)
			why = "超出服务半径";
		else if (++load[j] > v->cap)
			why = "超出容量";
		/* Marginal cost of this pair: d - B * w + lambda * (load - 1). */
		int64_t lam, term;
		if (!why && (__builtin_mul_overflow(p->lambda, load[j] - 1, &lam) ||
		             __builtin_add_overflow(d, lam, &term) ||
		             __builtin_sub_overflow(term, p->B * n->w, &term) ||
		             __builtin_add_overflow(sum, term, &sum)))
			why = "目标值超出 64 位整数";
		if (why)
			break;
		used[i] = 1;
	}
	if (why) {
		gz_err_set(err, GZ_EINVALID, "match_infeasible", "第 %d 对（需求 %d，资源 %d）：%s",
		           k + 1, pairs[k][0], pairs[k][1], why);
		goto out;
	}
	*objective = sum;
	rc = 0;
out:
	free(used);
	free(load);
	return rc;
}
