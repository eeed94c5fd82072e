/* The Method of Equal Shares (PB-RULES.md, rule `mes`), exact and fast enough for a city:
 * 100,000 voters x 200 projects in a fraction of a second per run.
 *
 * Exactness. Money is rational. Internally every amount is multiplied by n (the number of
 * voters), so the start money B/n + k of the rules is an integer; prices q_p, and the
 * money of voters who paid them, are GMP rationals.
 *
 * Speed, three ideas:
 *
 * 1. Money classes. Voters who approve the same selected projects have paid the same
 *    amounts and hold the same money (the selection order is global). A voter points to a
 *    class; a class holds the money once. Selecting p maps each class among p's approvers
 *    to one new class (money - q_p, or zero), so charging is one integer step per approver
 *    plus one rational subtraction per class. The classes form a tree (class -> the class
 *    it came from, and the selection that made it), which is also the payment history
 *    the explanations read ("who paid how much").
 *
 * 2. Lazy rho. As money only decreases, q_p (and rho_p = q_p / cost_p) only increases.
 *    A heap holds every candidate under its last computed rho, a lower bound of its true
 *    value (at first 1/approvals(p), which q_p >= cost_p/approvals(p) guarantees). Pop
 *    the smallest (rho, id): if that value was computed since the last selection it is
 *    exact, and every other candidate's true value is at least its key, so it wins;
 *    otherwise recompute it (or drop it if its approvers cannot afford it any more: money
 *    never comes back) and push it again. Ties by id are part of the key, so the order is
 *    exactly the rules'. Most rounds recompute a handful of projects, not all of them.
 *
 * 3. q_p without sorting. q_p is the smallest q with sum min(m_i, q) = cost. Start from
 *    q = cost / |N_p|; approvers holding less than q pay all they have, so take them out
 *    and recompute q from the rest; repeat until nobody else is below q (usually at once).
 *    The result is the same unique value the sorted walk of PB-RULES.md finds.
 *
 * 4. Rationals only where needed. A class's money is known exactly only on demand: each
 *    class carries integer bounds lo <= money * 2^s <= hi (s chosen so the start money
 *    fits 61 bits), made by integer subtraction of the price's bounds (the width grows by
 *    at most 1 per payment, i.e. far below a millionth of a fen). Comparing a class with a
 *    price uses the bounds; only when they overlap (a tie, or a near one) is the exact
 *    money computed — from its parent's and the price, both exact — and compared as a
 *    rational. Approvers who pay all they have add their exact money to q's numerator;
 *    everyone else costs integer operations only. Without this the run is dominated by
 *    the GCDs of rational subtractions (measured: 5x slower).
 */
#include "core/mem.h"
#include "modules/deliberation/pb_internal.h"

#include <stdlib.h>
#include <string.h>

#define NO_CLASS UINT32_MAX

__extension__ typedef __int128 gz_i128;

struct mes_engine {
	const pb_instance *in;
	size_t n, np;
	mpz_t *cost_n; /* cost(p) * n */
	/* classes */
	size_t ncls, capcls, initcls; /* initcls: how many money[] are mpq_init'ed */
	mpq_t *money;                 /* exact (n-scaled), valid when known[c] */
	int64_t *lo, *hi;             /* lo <= money * 2^shift <= hi */
	uint32_t *parent, *via;       /* via: the project whose payment made the class */
	uint8_t *zero, *known;
	uint32_t *stamp, *cnt, *remap; /* per class scratch */
	uint32_t stamp_now;
	uint32_t *vclass; /* per voter */
	unsigned shift;
	bool fast; /* the bounds are usable (the start money fits 61 bits) */
	/* candidates */
	mpq_t *rho, *q;
	int64_t *qlo, *qhi; /* bounds of q[p] * 2^shift */
	int64_t *fresh_at;  /* the selection count when rho was computed, -1 never */
	uint32_t *heap;
	size_t nheap;
	uint32_t *list, *chain; /* classes of one project's approvers; a class's ancestors */
	/* compute_q: W[j] short approvers paid q[j] (projects wlist[0..nw)) */
	uint64_t *w;
	uint32_t *wstamp, *wlist;
	size_t nw;
	gz_i128 *c2; /* cost(p) * n * 2^shift, when c2ok[p] */
	uint8_t *c2ok;
	bool explain;
	mpq_t paid, t, kq;
	mpz_t z;
};

#define ALLOC_N(n) ((n) ? (n) : 1)

mes_engine *mes_new(const pb_instance *in)
{
	mes_engine *e = gz_calloc(1, sizeof *e);
	e->in = in;
	e->n = in->nvoters;
	e->np = in->nprojects;
	e->cost_n = gz_malloc(ALLOC_N(e->np) * sizeof *e->cost_n);
	e->rho = gz_malloc(ALLOC_N(e->np) * sizeof *e->rho);
	e->q = gz_malloc(ALLOC_N(e->np) * sizeof *e->q);
	for (size_t p = 0; p < e->np; p++) {
		mpz_init(e->cost_n[p]);
		mpz_mul_ui(e->cost_n[p], in->projects[p].cost, (unsigned long)e->n);
		mpq_init(e->rho[p]);
		mpq_init(e->q[p]);
	}
	e->qlo = gz_malloc(ALLOC_N(e->np) * sizeof *e->qlo);
	e->qhi = gz_malloc(ALLOC_N(e->np) * sizeof *e->qhi);
	e->fresh_at = gz_malloc(ALLOC_N(e->np) * sizeof *e->fresh_at);
	e->heap = gz_malloc(ALLOC_N(e->np) * sizeof *e->heap);
	e->vclass = gz_malloc(ALLOC_N(e->n) * sizeof *e->vclass);
	size_t maxsup = 1;
	for (size_t p = 0; p < e->np; p++)
		if (in->projects[p].approvals > maxsup)
			maxsup = in->projects[p].approvals;
	e->list = gz_malloc(maxsup * sizeof *e->list);
	e->chain = gz_malloc((e->np + 1) * sizeof *e->chain);
	e->w = gz_malloc(ALLOC_N(e->np) * sizeof *e->w);
	e->wstamp = gz_calloc(ALLOC_N(e->np), sizeof *e->wstamp);
	e->wlist = gz_malloc(ALLOC_N(e->np) * sizeof *e->wlist);
	e->c2 = gz_malloc(ALLOC_N(e->np) * sizeof *e->c2);
	e->c2ok = gz_malloc(ALLOC_N(e->np) * sizeof *e->c2ok);
	mpq_init(e->paid);
	mpq_init(e->t);
	mpq_init(e->kq);
	mpz_init(e->z);
	return e;
}

void mes_free(mes_engine *e)
{
	if (!e)
		return;
	for (size_t p = 0; p < e->np; p++) {
		mpz_clear(e->cost_n[p]);
		mpq_clear(e->rho[p]);
		mpq_clear(e->q[p]);
	}
	for (size_t i = 0; i < e->initcls; i++)
		mpq_clear(e->money[i]);
	void *bufs[] = {e->cost_n, e->rho,   e->q,     e->qlo,   e->qhi, e->fresh_at, e->heap,
	                e->vclass, e->list,  e->chain, e->money, e->lo,  e->hi,       e->parent,
	                e->via,    e->zero,  e->known, e->stamp, e->cnt, e->remap,    e->w,
	                e->wstamp, e->wlist, e->c2,    e->c2ok};
	for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
		free(bufs[i]);
	mpq_clear(e->paid);
	mpq_clear(e->t);
	mpq_clear(e->kq);
	mpz_clear(e->z);
	free(e);
}

/* ---- classes --------------------------------------------------------------------- */

/* floor and ceiling of v * 2^shift, clamped to the int64 range. */
static void bounds_of(mes_engine *e, const mpq_t v, int64_t *lo, int64_t *hi)
{
	mpz_mul_2exp(e->z, mpq_numref(v), e->shift);
	mpz_fdiv_q(e->z, e->z, mpq_denref(v));
	*lo = mpz_fits_slong_p(e->z) ? (int64_t)mpz_get_si(e->z)
	                             : (mpz_sgn(e->z) > 0 ? INT64_MAX : INT64_MIN);
	mpz_mul_2exp(e->z, mpq_numref(v), e->shift);
	mpz_cdiv_q(e->z, e->z, mpq_denref(v));
	*hi = mpz_fits_slong_p(e->z) ? (int64_t)mpz_get_si(e->z)
	                             : (mpz_sgn(e->z) > 0 ? INT64_MAX : INT64_MIN);
}

/* A new class (money unknown, bounds to be set by the caller). */
static uint32_t new_class(mes_engine *e, uint32_t parent, uint32_t via)
{
	if (e->ncls == e->capcls) {
		size_t cap = e->capcls ? e->capcls * 2 : 1024;
		e->money = gz_realloc(e->money, cap * sizeof *e->money);
		e->lo = gz_realloc(e->lo, cap * sizeof *e->lo);
		e->hi = gz_realloc(e->hi, cap * sizeof *e->hi);
		e->parent = gz_realloc(e->parent, cap * sizeof *e->parent);
		e->via = gz_realloc(e->via, cap * sizeof *e->via);
		e->zero = gz_realloc(e->zero, cap * sizeof *e->zero);
		e->known = gz_realloc(e->known, cap * sizeof *e->known);
		e->stamp = gz_realloc(e->stamp, cap * sizeof *e->stamp);
		e->cnt = gz_realloc(e->cnt, cap * sizeof *e->cnt);
		e->remap = gz_realloc(e->remap, cap * sizeof *e->remap);
		e->capcls = cap;
	}
	uint32_t c = (uint32_t)e->ncls++;
	if (c == e->initcls) {
		mpq_init(e->money[c]);
		e->initcls++;
	}
	e->parent[c] = parent;
	e->via[c] = via;
	e->zero[c] = 0;
	e->known[c] = 0;
	e->stamp[c] = 0;
	return c;
}

/* The exact money of class c (n-scaled): its nearest known ancestor's, minus the prices
 * paid since (a class that is not zero paid the full price of its `via`). */
static const mpq_t *money_of(mes_engine *e, uint32_t c)
{
	size_t depth = 0;
	uint32_t a = c;
	while (!e->known[a]) {
		e->chain[depth++] = a;
		a = e->parent[a];
	}
	while (depth) {
		uint32_t d = e->chain[--depth];
		mpq_sub(e->money[d], e->money[e->parent[d]], e->q[e->via[d]]);
		e->known[d] = 1;
	}
	return (const mpq_t *)&e->money[c];
}

/* Sign of money(c) - q[p]: by the bounds when they decide, exactly otherwise. */
static int cmp_money(mes_engine *e, uint32_t c, const mpq_t q, int64_t qlo, int64_t qhi)
{
	if (e->fast) {
		if (e->hi[c] < qlo)
			return -1;
		if (e->lo[c] > qhi)
			return 1;
	}
	return mpq_cmp(*money_of(e, c), q);
}

static uint32_t next_stamp(mes_engine *e)
{
	if (++e->stamp_now == 0) { /* wrapped: clear every stamp once */
		memset(e->stamp, 0, e->ncls * sizeof *e->stamp);
		memset(e->wstamp, 0, ALLOC_N(e->np) * sizeof *e->wstamp);
		e->stamp_now = 1;
	}
	return e->stamp_now;
}

/* ---- q_p ------------------------------------------------------------------------- */

/* Exact money of all approvers in the short set so far: kshort * start minus the prices
 * they paid, W[j] of them having paid q[j] (a class that is not zero paid only full
 * prices). At most one rational operation per selected project, however many voters. */
static void short_money(mes_engine *e, size_t kshort, mpq_t out)
{
	mpq_set_ui(e->t, (unsigned long)kshort, 1);
	mpq_mul(out, e->t, e->money[0]);
	for (size_t i = 0; i < e->nw; i++) {
		uint32_t j = e->wlist[i];
		mpq_set_ui(e->t, (unsigned long)e->w[j], 1);
		mpq_mul(e->t, e->t, e->q[j]);
		mpq_sub(out, out, e->t);
	}
}

/* Class c (cnt approvers) joins the short set: count the prices its path paid. */
static void add_short(mes_engine *e, uint32_t c)
{
	for (uint32_t d = c; e->parent[d] != NO_CLASS; d = e->parent[d]) {
		uint32_t j = e->via[d];
		if (e->wstamp[j] != e->stamp_now) {
			e->wstamp[j] = e->stamp_now;
			e->w[j] = 0;
			e->wlist[e->nw++] = j;
		}
		e->w[j] += e->cnt[c];
	}
}

/* Computes q_p into e->q[p] (n-scaled units) and its bounds. Returns 1 if p's approvers
 * can pay its cost, 0 if not (then, with explanations, e->paid holds all their money). */
static int compute_q(mes_engine *e, uint32_t p)
{
	const pb_instance *in = e->in;
	uint32_t st = next_stamp(e);
	size_t nl = 0, zeros = 0;
	for (size_t j = in->sup_start[p]; j < in->sup_start[p + 1]; j++) {
		uint32_t c = e->vclass[in->sup_items[j]];
		if (e->zero[c]) {
			zeros++;
			continue;
		}
		if (e->stamp[c] != st) {
			e->stamp[c] = st;
			e->cnt[c] = 0;
			e->list[nl++] = c;
		}
		e->cnt[c]++;
	}
	size_t k = in->sup_start[p + 1] - in->sup_start[p] - zeros, kshort = 0;
	e->nw = 0;
	if (e->fast && e->c2ok[p] && !e->explain) {
		/* Cannot afford even at the upper bounds: no rational arithmetic at all. */
		gz_i128 sum = 0;
		for (size_t i = 0; i < nl; i++)
			sum += (gz_i128)e->hi[e->list[i]] * e->cnt[e->list[i]];
		if (sum < e->c2[p])
			return 0;
	}
	for (;;) {
		if (k == 0) {
			if (e->explain)
				short_money(e, kshort, e->paid);
			return 0;
		}
		/* q = (cost - paid) / k */
		short_money(e, kshort, e->paid);
		mpq_set_z(e->t, e->cost_n[p]);
		mpq_sub(e->t, e->t, e->paid);
		mpq_set_ui(e->kq, (unsigned long)k, 1);
		mpq_div(e->q[p], e->t, e->kq);
		bounds_of(e, e->q[p], &e->qlo[p], &e->qhi[p]);
		size_t kept = 0;
		bool moved = false;
		for (size_t i = 0; i < nl; i++) {
			uint32_t c = e->list[i];
			if (cmp_money(e, c, e->q[p], e->qlo[p], e->qhi[p]) < 0) {
				add_short(e, c); /* pays all it has */
				kshort += e->cnt[c];
				k -= e->cnt[c];
				moved = true;
			} else {
				e->list[kept++] = c;
			}
		}
		nl = kept;
		if (!moved)
			return 1;
	}
}

/* ---- the heap of candidates, keyed by (rho, id) ------------------------------------ */

static bool cand_less(const mes_engine *e, uint32_t a, uint32_t b)
{
	int c = mpq_cmp(e->rho[a], e->rho[b]);
	if (c)
		return c < 0;
	return pb_id_cmp(&e->in->projects[a], &e->in->projects[b]) < 0;
}

static void heap_push(mes_engine *e, uint32_t p)
{
	size_t i = e->nheap++;
	while (i > 0) {
		size_t up = (i - 1) / 2;
		if (!cand_less(e, p, e->heap[up]))
			break;
		e->heap[i] = e->heap[up];
		i = up;
	}
	e->heap[i] = p;
}

static uint32_t heap_pop(mes_engine *e)
{
	uint32_t top = e->heap[0];
	size_t n = --e->nheap;
	if (n == 0)
		return top;
	uint32_t last = e->heap[n];
	size_t i = 0;
	for (;;) {
		size_t m = 2 * i + 1;
		if (m >= n)
			break;
		if (m + 1 < n && cand_less(e, e->heap[m + 1], e->heap[m]))
			m++;
		if (!cand_less(e, e->heap[m], last))
			break;
		e->heap[i] = e->heap[m];
		i = m;
	}
	e->heap[i] = last;
	return top;
}

/* ---- payments (explanations) ------------------------------------------------------ */

static int payment_desc(const void *a, const void *b)
{
	const pb_payment *x = a, *y = b;
	return -mpq_cmp(x->amount, y->amount);
}

/* Groups the payments of selecting p (n-scaled price q): the classes touched are
 * e->list[0..nl) with e->cnt approvers each; `zeros` approvers had nothing. Amounts in
 * 10^-scale units, largest first. */
static void note_payments(mes_engine *e, pb_note *note, uint32_t p, size_t nl, size_t zeros)
{
	pb_payment *g = gz_calloc(nl + 2, sizeof *g);
	size_t ng = 0, full = 0;
	for (size_t i = 0; i < nl; i++) {
		uint32_t c = e->list[i];
		if (cmp_money(e, c, e->q[p], e->qlo[p], e->qhi[p]) >= 0) {
			full += e->cnt[c];
			continue;
		}
		mpq_init(g[ng].amount);
		mpq_set(g[ng].amount, *money_of(e, c));
		g[ng++].voters = e->cnt[c];
	}
	if (full) {
		mpq_init(g[ng].amount);
		mpq_set(g[ng].amount, e->q[p]);
		g[ng++].voters = full;
	}
	if (zeros) {
		mpq_init(g[ng].amount);
		g[ng++].voters = zeros;
	}
	qsort(g, ng, sizeof *g, payment_desc);
	size_t w = 0; /* merge equal amounts */
	for (size_t i = 0; i < ng; i++) {
		if (w && mpq_equal(g[w - 1].amount, g[i].amount)) {
			g[w - 1].voters += g[i].voters;
			mpq_clear(g[i].amount);
			continue;
		}
		if (w != i)
			g[w] = g[i];
		w++;
	}
	mpq_set_ui(e->t, (unsigned long)e->n, 1);
	for (size_t i = 0; i < w; i++)
		mpq_div(g[i].amount, g[i].amount, e->t);
	note->payments = g;
	note->npayments = w;
}

/* ---- a run ------------------------------------------------------------------------ */

/* Charges the approvers of p at its price q[p]: every class maps to one new class, with
 * money - q (bounds by integer subtraction) or zero. */
static void charge(mes_engine *e, uint32_t p, pb_note *note)
{
	const pb_instance *in = e->in;
	uint32_t st = next_stamp(e);
	size_t nl = 0, zeros = 0;
	for (size_t j = in->sup_start[p]; j < in->sup_start[p + 1]; j++) {
		uint32_t v = in->sup_items[j];
		uint32_t c = e->vclass[v];
		if (e->zero[c]) {
			zeros++;
			continue; /* pays nothing, has nothing */
		}
		if (e->stamp[c] != st) {
			e->stamp[c] = st;
			e->cnt[c] = 0;
			e->list[nl++] = c;
			int cmp = cmp_money(e, c, e->q[p], e->qlo[p], e->qhi[p]);
			uint32_t d = new_class(e, c, p);
			if (cmp <= 0) { /* pays all it has */
				e->zero[d] = e->known[d] = 1;
				mpq_set_ui(e->money[d], 0, 1);
				e->lo[d] = e->hi[d] = 0;
			} else if (e->fast) {
				int64_t lo = e->lo[c] - e->qhi[p], hi = e->hi[c] - e->qlo[p];
				e->lo[d] = lo < 0 ? 0 : lo; /* money > q: positive */
				e->hi[d] = hi;
			}
			e->remap[c] = d;
		}
		e->cnt[c]++;
		e->vclass[v] = e->remap[c];
	}
	if (note)
		note_payments(e, note, p, nl, zeros);
}

size_t mes_run(mes_engine *e, const mpq_t start, uint32_t *sel, mpz_t cost, pb_note *notes)
{
	const pb_instance *in = e->in;
	e->ncls = 0;
	e->stamp_now = 0;
	e->explain = notes != NULL;
	memset(e->wstamp, 0, ALLOC_N(e->np) * sizeof *e->wstamp);
	/* the root class: start * n, exact */
	uint32_t root = new_class(e, NO_CLASS, NO_CLASS);
	mpq_set_ui(e->t, (unsigned long)e->n, 1);
	mpq_mul(e->money[root], start, e->t);
	e->known[root] = 1;
	e->zero[root] = mpq_sgn(e->money[root]) == 0;
	/* The bounds hold money * 2^shift in 61 bits: shift as large as the start allows. */
	mpz_cdiv_q(e->z, mpq_numref(e->money[root]), mpq_denref(e->money[root]));
	size_t bits = mpz_sizeinbase(e->z, 2);
	e->fast = bits <= 60;
	e->shift = e->fast ? (unsigned)(61 - bits > 40 ? 40 : 61 - bits) : 0;
	bounds_of(e, e->money[root], &e->lo[root], &e->hi[root]);
	for (size_t v = 0; v < e->n; v++)
		e->vclass[v] = root;
	for (size_t p = 0; e->fast && p < e->np; p++) {
		mpz_mul_2exp(e->z, e->cost_n[p], e->shift);
		e->c2ok[p] = mpz_sizeinbase(e->z, 2) <= 120;
		if (e->c2ok[p]) {
			mpz_t hi, lo;
			mpz_inits(hi, lo, NULL);
			mpz_tdiv_q_2exp(hi, e->z, 60);
			mpz_tdiv_r_2exp(lo, e->z, 60);
			e->c2[p] = ((gz_i128)mpz_get_ui(hi) << 60) | (gz_i128)mpz_get_ui(lo);
			mpz_clears(hi, lo, NULL);
		}
	}

	e->nheap = 0;
	for (size_t p = 0; p < e->np; p++) {
		const pb_project *pr = &in->projects[p];
		if (mpz_sgn(pr->cost) == 0 || pr->approvals == 0) {
			if (notes)
				notes[p].mes = PB_WHY_NOT_CANDIDATE;
			continue;
		}
		mpq_set_ui(e->rho[p], 1, (unsigned long)pr->approvals); /* lower bound */
		e->fresh_at[p] = -1;
		heap_push(e, (uint32_t)p);
	}
	size_t nsel = 0;
	mpz_set_ui(cost, 0);
	while (e->nheap) {
		uint32_t p = heap_pop(e);
		if (e->fresh_at[p] == (int64_t)nsel) {
			if (notes) {
				pb_note *nt = &notes[p];
				nt->mes = PB_HOW_MES;
				mpq_set_ui(e->t, (unsigned long)e->n, 1);
				mpq_div(nt->price, e->q[p], e->t);
				mpq_set(nt->rho, e->rho[p]);
				nt->after = nsel;
			}
			charge(e, p, notes ? &notes[p] : NULL);
			sel[nsel++] = p;
			mpz_add(cost, cost, in->projects[p].cost);
			continue;
		}
		if (!compute_q(e, p)) {
			if (notes) {
				pb_note *nt = &notes[p];
				nt->mes = PB_WHY_UNAFFORDABLE;
				mpq_set_ui(e->t, (unsigned long)e->n, 1);
				mpq_div(nt->money, e->paid, e->t);
				nt->after = nsel;
			}
			continue; /* removed for good: money never comes back */
		}
		/* rho = q / cost (both n-scaled) */
		mpq_set_z(e->t, e->cost_n[p]);
		mpq_div(e->rho[p], e->q[p], e->t);
		e->fresh_at[p] = (int64_t)nsel;
		heap_push(e, p);
	}
	return nsel;
}

/* ---- history --------------------------------------------------------------------- */

typedef struct {
	size_t n, ncls;
	unsigned long nvoters;
	mpq_t *money;
	uint32_t *parent, *via, *vclass;
} mes_history;

void *mes_take_history(mes_engine *e)
{
	mes_history *h = gz_calloc(1, sizeof *h);
	h->n = e->n;
	h->nvoters = (unsigned long)e->n;
	h->ncls = e->ncls;
	h->money = gz_malloc((e->ncls ? e->ncls : 1) * sizeof *h->money);
	for (size_t c = 0; c < e->ncls; c++) {
		mpq_init(h->money[c]);
		mpq_set(h->money[c], *money_of(e, (uint32_t)c));
	}
	h->parent = gz_malloc((e->ncls ? e->ncls : 1) * sizeof *h->parent);
	h->via = gz_malloc((e->ncls ? e->ncls : 1) * sizeof *h->via);
	memcpy(h->parent, e->parent, e->ncls * sizeof *h->parent);
	memcpy(h->via, e->via, e->ncls * sizeof *h->via);
	h->vclass = gz_malloc((e->n ? e->n : 1) * sizeof *h->vclass);
	memcpy(h->vclass, e->vclass, e->n * sizeof *h->vclass);
	return h;
}

void mes_history_free(void *hp)
{
	mes_history *h = hp;
	if (!h)
		return;
	for (size_t c = 0; c < h->ncls; c++)
		mpq_clear(h->money[c]);
	free(h->money);
	free(h->parent);
	free(h->via);
	free(h->vclass);
	free(h);
}

size_t mes_history_payments(const void *hp, size_t voter,
                            void (*fn)(void *ctx, uint32_t project, const mpq_t amount), void *ctx)
{
	const mes_history *h = hp;
	if (!h || voter >= h->n)
		return 0;
	size_t depth = 0;
	for (uint32_t c = h->vclass[voter]; h->parent[c] != NO_CLASS; c = h->parent[c])
		depth++;
	uint32_t *chain = gz_malloc((depth ? depth : 1) * sizeof *chain);
	size_t i = depth;
	for (uint32_t c = h->vclass[voter]; h->parent[c] != NO_CLASS; c = h->parent[c])
		chain[--i] = c;
	mpq_t amount, nq;
	mpq_init(amount);
	mpq_init(nq);
	mpq_set_ui(nq, h->nvoters, 1);
	for (i = 0; i < depth; i++) {
		uint32_t c = chain[i];
		mpq_sub(amount, h->money[h->parent[c]], h->money[c]);
		mpq_div(amount, amount, nq);
		fn(ctx, h->via[c], amount);
	}
	mpq_clear(amount);
	mpq_clear(nq);
	free(chain);
	return depth;
}
