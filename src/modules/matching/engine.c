/* The matching engine's solver: an exact min-cost flow by successive shortest paths.
 *
 * The network (pairs.c builds its arcs): a need holds one unit that it may send along
 * an arc to a provider j (cost d_ij) and on through one of j's load levels ("slots")
 * s = 0, 1, ..., slots_j - 1 (cost lambda * s, one unit each) to the terminal T; sending
 * it earns B * w_i (an arc T -> need of cost -B * w_i closes the cycle). Slots fill in
 * order, so k needs at j cost lambda * k (k - 1) / 2: a min-cost circulation is an
 * optimum of the objective, and the convex load cost is modelled exactly.
 *
 * Needs are added one at a time (in decreasing B * w, ties by index). Before need x
 * is added, the current flow is optimal for the needs added so far, so its residual
 * network has no negative cycle; adding x can only create cycles through x. The best of
 * them is -B * w_x plus the shortest path from x to T, so x is matched (and the flow
 * changed along that path) exactly when that is negative. That is one step of
 * successive shortest paths, which keeps the flow optimal (with one more need). At
 * the end the flow is optimal for all needs.
 *
 * Paths are found by Dijkstra over reduced costs c + pi(u) - pi(v) >= 0 (potentials pi,
 * pi(T) = 0). The residual arcs it follows: need -> provider along an arc the need
 * does not use (d), provider -> a need it holds (-d), provider -> T through its next
 * slot (lambda * load), a held need -> T (B * w: that need is let go). Arcs out of T
 * are never needed: a path through T and back costs at least the cycle through T,
 * which is not negative. A search stops as soon as the nearest label can no longer beat
 * the best way to T found or the need's worth, so it explores only what could change.
 * After a change, settled nodes get pi(v) += d(v) - D (D: the path's length), which
 * keeps every reduced cost >= 0 and makes the path's arcs 0 (Edmonds-Karp/Tomizawa).
 * Potentials are differences of path lengths, so they stay within nodes * cmax, which
 * match_check keeps below 2^58. */
#include "modules/matching/engine.h"
#include "modules/matching/engine_internal.h"

#include <string.h>

#define NONE (-1)

typedef struct heap_item {
	int64_t key;
	int32_t node; /* providers 0 .. np - 1, needs np + x */
} heap_item;

typedef struct solver {
	const match_problem *p;
	const match_graph *g;
	match_meter m;
	int32_t n, np;
	/* needs */
	int32_t *at;  /* arc it uses, or NONE */
	int64_t *pin; /* potential */
	int32_t *order;
	/* providers */
	int64_t *pip;  /* potential */
	int32_t *moff; /* its needs are mem[moff[j] .. moff[j] + load[j]) */
	int32_t *load;
	int32_t *mem;
	/* the search */
	int64_t *dn, *dp;      /* labels */
	uint32_t *sn, *sp;     /* run in which the label was set */
	uint32_t *fp;          /* run in which the provider was settled */
	int32_t *parc, *pneed; /* provider reached along arc parc from need pneed */
	int32_t *settled, nsettled;
	heap_item *heap;
	size_t nheap, capheap;
	uint32_t run;
	match_stats st;
} solver;

static int heap_push(solver *s, int64_t key, int32_t node)
{
	if (s->nheap == s->capheap) {
		size_t nc = s->capheap * 2;
		heap_item *h = match_resize(&s->m, s->heap, s->capheap, nc, sizeof *h);
		if (!h)
			return -1;
		s->heap = h;
		s->capheap = nc;
	}
	size_t i = s->nheap++;
	while (i > 0) {
		size_t up = (i - 1) / 2;
		if (s->heap[up].key <= key)
			break;
		s->heap[i] = s->heap[up];
		i = up;
	}
	s->heap[i] = (heap_item){key, node};
	return 0;
}

static heap_item heap_pop(solver *s)
{
	heap_item top = s->heap[0], last = s->heap[--s->nheap];
	size_t i = 0, n = s->nheap;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && s->heap[c + 1].key < s->heap[c].key)
			c++;
		if (s->heap[c].key >= last.key)
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (n > 0)
		s->heap[i] = last;
	return top;
}

static void add_member(solver *s, int32_t j, int32_t x, int32_t e)
{
	s->mem[s->moff[j] + s->load[j]++] = x;
	s->at[x] = e;
}

static void remove_member(solver *s, int32_t j, int32_t x)
{
	int32_t *m = s->mem + s->moff[j];
	for (int32_t k = 0; k < s->load[j]; k++)
		if (m[k] == x) {
			m[k] = m[--s->load[j]];
			break;
		}
	s->at[x] = NONE;
}

/* Offers provider j the label d from need y along arc e. */
static int relax_provider(solver *s, int32_t j, int64_t d, int32_t y, int32_t e)
{
	if (s->sp[j] == s->run && s->dp[j] <= d)
		return 0; /* (a settled provider's label is never beaten) */
	s->sp[j] = s->run;
	s->dp[j] = d;
	s->parc[j] = e;
	s->pneed[j] = y;
	return heap_push(s, d, j);
}

/* Scans need y (settled at label d): its unused arcs to providers. */
static int scan_need(solver *s, int32_t y, int64_t d)
{
	const match_graph *g = s->g;
	for (int32_t e = g->start[y]; e < g->start[y + 1]; e++) {
		if (e == s->at[y])
			continue;
		int32_t j = g->prov[e];
		int64_t r = (int64_t)g->dist[e] + s->pin[y] - s->pip[j];
		if (relax_provider(s, j, d + r, y, e) < 0)
			return -1;
	}
	s->st.bids += g->start[y + 1] - g->start[y];
	return 0;
}

/* Moves the units along the path found: the terminal is provider tj (a new slot) or
 * need ty (let go); x is the need being added. */
static void augment(solver *s, int32_t x, int32_t tj, int32_t ty)
{
	const match_graph *g = s->g;
	int32_t j = tj;
	if (ty != NONE) {
		j = g->prov[s->at[ty]];
		remove_member(s, j, ty);
		s->st.evictions++;
	}
	for (;;) {
		int32_t e = s->parc[j], y = s->pneed[j], from = NONE;
		if (y != x) {
			from = g->prov[s->at[y]];
			remove_member(s, from, y);
		}
		add_member(s, j, y, e);
		if (y == x)
			return;
		j = from;
	}
}

/* Adds need x: the shortest path from x to T, taken if it costs less than x's worth. */
static int add_need(solver *s, int32_t x)
{
	const match_graph *g = s->g;
	const int64_t lambda = s->p->lambda;
	if (g->start[x + 1] == g->start[x])
		return 0;
	/* x's potential: its arcs' reduced costs >= 0, the best one 0. */
	int64_t px = INT64_MIN;
	for (int32_t e = g->start[x]; e < g->start[x + 1]; e++) {
		int64_t v = s->pip[g->prov[e]] - (int64_t)g->dist[e];
		if (v > px)
			px = v;
	}
	s->pin[x] = px;
	/* Matching x pays iff the path's true cost D - px is below B * w_x. */
	int64_t bound = g->gain[x] + px, best = bound;
	int32_t tj = NONE, ty = NONE;
	s->run++;
	s->nheap = 0;
	s->nsettled = 0;
	s->sn[x] = s->run;
	s->dn[x] = 0;
	if (scan_need(s, x, 0) < 0)
		return -1;
	s->settled[s->nsettled++] = s->np + x;
	while (s->nheap > 0 && s->heap[0].key < best) {
		heap_item it = heap_pop(s);
		if (it.node < s->np) {
			int32_t j = it.node;
			if (s->fp[j] == s->run || s->dp[j] != it.key)
				continue; /* settled already, or a stale entry */
			s->fp[j] = s->run;
			s->settled[s->nsettled++] = j;
			s->st.relabels++;
			if (s->load[j] < g->slots[j]) {
				int64_t t = it.key + s->load[j] * lambda + s->pip[j];
				if (t < best)
					best = t, tj = j, ty = NONE;
			}
			const int32_t *m = s->mem + s->moff[j];
			for (int32_t k = 0; k < s->load[j]; k++) {
				int32_t y = m[k];
				if (s->sn[y] == s->run)
					continue; /* held needs are reached only from their provider
					           */
				int64_t d =
				    it.key - (int64_t)g->dist[s->at[y]] + s->pip[j] - s->pin[y];
				s->sn[y] = s->run;
				s->dn[y] = d;
				if (heap_push(s, d, s->np + y) < 0)
					return -1;
			}
		} else {
			int32_t y = it.node - s->np;
			s->settled[s->nsettled++] = it.node;
			int64_t t = it.key + g->gain[y] + s->pin[y];
			if (t < best)
				best = t, tj = NONE, ty = y;
			if (scan_need(s, y, it.key) < 0)
				return -1;
		}
	}
	if (tj == NONE && ty == NONE)
		return 0; /* x stays unmatched */
	for (int32_t k = 0; k < s->nsettled; k++) {
		int32_t v = s->settled[k];
		if (v < s->np)
			s->pip[v] += s->dp[v] - best;
		else
			s->pin[v - s->np] += s->dn[v - s->np] - best;
	}
	augment(s, x, tj, ty);
	s->st.phases++;
	return 0;
}
#define ARRAYS(X)                                                                                  \
	X(at, n)                                                                                   \
	X(pin, n) X(order, n) X(dn, n) X(sn, n) X(pip, np) X(moff, np + 1) X(load, np)             \
	    X(mem, nmem) X(dp, np) X(sp, np) X(fp, np) X(parc, np) X(pneed, np) X(settled, n + np)

static void solver_free(solver *s, size_t nmem)
{
	size_t n = (size_t)s->n, np = (size_t)s->np;
#define FREE(name, count) match_release(&s->m, s->name, count, sizeof *s->name);
	ARRAYS(FREE)
#undef FREE
	match_release(&s->m, s->heap, s->capheap, sizeof *s->heap);
}

static const match_graph *sort_graph;

/* Needs by decreasing B * w, then by index: the most vulnerable are placed first, and
 * later needs seldom move them. */
static int by_gain(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	int64_t gx = sort_graph->gain[x], gy = sort_graph->gain[y];
	if (gx != gy)
		return gx > gy ? -1 : 1;
	return (x > y) - (x < y);
}

static int solver_init(solver *s, size_t *nmem_out)
{
	const match_graph *g = s->g;
	size_t n = (size_t)s->n, np = (size_t)s->np, nmem = 0;
	for (size_t j = 0; j < np; j++)
		nmem += (size_t)g->slots[j];
	*nmem_out = nmem;
#define ALLOC(name, count) s->name = match_alloc(&s->m, count, sizeof *s->name);
	ARRAYS(ALLOC)
#undef ALLOC
	s->capheap = 1024;
	s->heap = match_alloc(&s->m, s->capheap, sizeof *s->heap);
#define CHECK(name, count) || !s->name
	if (!s->heap ARRAYS(CHECK))
		return -1;
#undef CHECK
	for (size_t j = 0; j < np; j++)
		s->moff[j + 1] = s->moff[j] + g->slots[j];
	for (size_t x = 0; x < n; x++) {
		s->at[x] = NONE;
		s->order[x] = (int32_t)x;
	}
	/* qsort has no context argument; the graph is read-only and this is the only
	 * comparison that needs it, so a thread may race only on the same value. */
	sort_graph = g;
	qsort(s->order, n, sizeof *s->order, by_gain);
	return 0;
}

static int result_fill(const solver *s, match_result *r)
{
	const match_problem *p = s->p;
	const match_graph *g = s->g;
	for (int32_t x = 0; x < g->nneeds; x++)
		if (s->at[x] != NONE)
			r->npairs++;
	r->pairs = calloc(r->npairs ? (size_t)r->npairs : 1, sizeof *r->pairs);
	r->load = calloc(g->nproviders ? (size_t)g->nproviders : 1, sizeof *r->load);
	if (!r->pairs || !r->load)
		return -1;
	r->nproviders = g->nproviders;
	int32_t k = 0;
	for (int32_t x = 0; x < g->nneeds; x++) {
		int32_t e = s->at[x];
		if (e == NONE)
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

int match_solve_graph(const match_problem *p, const match_graph *g, match_result *r, gz_err *err)
{
	memset(r, 0, sizeof *r);
	solver s = {.p = p, .g = g, .n = g->nneeds, .np = g->nproviders};
	size_t nmem = 0;
	if (solver_init(&s, &nmem) < 0)
		goto fail;
	for (int32_t k = 0; k < s.n; k++)
		if (add_need(&s, s.order[k]) < 0)
			goto fail;
	if (result_fill(&s, r) < 0)
		goto fail;
	s.st.nfeasible = g->nfeasible;
	s.st.narcs = g->narcs;
	s.st.peak_bytes = g->bytes + s.m.peak;
	if (g->peak_bytes > s.st.peak_bytes)
		s.st.peak_bytes = g->peak_bytes;
	r->stats = s.st;
	solver_free(&s, nmem);
	return 0;
fail:
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
