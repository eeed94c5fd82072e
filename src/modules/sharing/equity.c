/* Equity measures (equity.h): exact integer Gini and coverage, Theil in long double
 * rounded so that its decomposition adds up exactly. docs/METRICS.md "Equity". */
#include "modules/sharing/equity.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef __int128 sh_i128;

/* v / d rounded half up, v ≥ 0, d > 0. */
static sh_i128 div_half_up(sh_i128 v, sh_i128 d)
{
	return (2 * v + d) / (2 * d);
}

/* q (≥ 0, scaled by 10^decimals) as "int.frac". */
static void scaled_str(sh_i128 q, int decimals, char *out, size_t cap)
{
	char digits[64];
	int n = 0;
	do {
		digits[n++] = (char)('0' + (int)(q % 10));
		q /= 10;
	} while (q > 0 && n < 60);
	while (n <= decimals)
		digits[n++] = '0';
	size_t k = 0;
	for (int i = n - 1; i >= 0 && k + 2 < cap; i--) {
		out[k++] = digits[i];
		if (i == decimals && decimals > 0)
			out[k++] = '.';
	}
	out[k] = '\0';
}

static bool decimal128(sh_i128 num, sh_i128 den, int decimals, char *out, size_t cap)
{
	if (cap)
		out[0] = '\0';
	if (den <= 0 || num < 0 || decimals < 0 || decimals > 9 || cap < 2)
		return false;
	sh_i128 scale = 1;
	for (int i = 0; i < decimals; i++)
		scale *= 10;
	scaled_str(div_half_up(num * scale, den), decimals, out, cap);
	return true;
}

bool sharing_decimal(int64_t num, int64_t den, int decimals, char *out, size_t cap)
{
	return decimal128(num, den, decimals, out, cap);
}

bool sharing_per_capita(int64_t x, int64_t p, char *out, size_t cap)
{
	return sharing_decimal(x, p, 3, out, cap);
}

bool sharing_percent(int64_t num, int64_t den, char *out, size_t cap)
{
	return decimal128((sh_i128)num * 100, den, 1, out, cap);
}

bool sharing_suppressed(int64_t n)
{
	return n < SHARING_MIN_GROUP;
}

/* Rearranges v so that v[k] is the value it would hold sorted, with v[0..k) <= v[k] <=
 * v(k..n) (Hoare's selection, median-of-three pivot; expected O(n)). */
static void select_kth(int64_t *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int64_t a = v[lo], b = v[mid], c = v[hi];
		int64_t pivot =
		    a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
		size_t i = lo, j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				int64_t t = v[i];
				v[i] = v[j], v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		/* now v[lo..j] <= pivot <= v[i..hi], and v(j..i) == pivot */
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return;
	}
}

int64_t sharing_median_s(int64_t *ms, size_t n)
{
	if (sharing_suppressed((int64_t)n))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (ms[i] < 0)
			ms[i] = 0;
	select_kth(ms, n, n / 2);
	if (n % 2)
		return (ms[n / 2] + 500) / 1000;
	int64_t a = ms[0]; /* the largest of the lower half */
	for (size_t i = 1; i < n / 2; i++)
		if (ms[i] > a)
			a = ms[i];
	return (a + ms[n / 2] + 1000) / 2000;
}

/* Values <= x in the sorted a[0..n) (negative ones as 0). */
static size_t count_le(const int64_t *a, size_t n, int64_t x)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if ((a[mid] < 0 ? 0 : a[mid]) <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The k-th smallest (0-based) of the union: the least x with more than k values <= x. */
static int64_t kth_sorted(const int64_t *const *v, const size_t *n, size_t m, size_t k)
{
	int64_t lo = INT64_MAX, hi = 0;
	for (size_t i = 0; i < m; i++) {
		if (!n[i])
			continue;
		int64_t a = v[i][0] < 0 ? 0 : v[i][0], b = v[i][n[i] - 1] < 0 ? 0 : v[i][n[i] - 1];
		lo = a < lo ? a : lo, hi = b > hi ? b : hi;
	}
	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2; /* both >= 0: no overflow */
		size_t c = 0;
		for (size_t i = 0; i < m; i++)
			c += count_le(v[i], n[i], mid);
		if (c > k)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

int64_t sharing_median_sorted_s(const int64_t *const *v, const size_t *n, size_t m)
{
	size_t total = 0;
	for (size_t i = 0; i < m; i++)
		total += n[i];
	if (sharing_suppressed((int64_t)total))
		return -1;
	int64_t b = kth_sorted(v, n, m, total / 2);
	if (total % 2)
		return (b + 500) / 1000;
	return (kth_sorted(v, n, m, total / 2 - 1) + b + 1000) / 2000;
}

int sharing_coverage(int64_t reached, int64_t members, char *pct, size_t cap)
{
	if (cap)
		pct[0] = '\0';
	if (reached < 0 || reached > members)
		return -1;
	if (sharing_suppressed(members))
		return 0;
	return sharing_percent(reached, members, pct, cap) ? 1 : -1;
}

/* ---- units sorted by per-capita value ---- */

typedef struct {
	const sharing_unit *u;
	size_t i;
} ranked;

/* y_a < y_b ⇔ x_a p_b < x_b p_a (p > 0); ties by index, so the order is total. */
static int cmp_y(const void *pa, const void *pb)
{
	const ranked *a = pa, *b = pb;
	sh_i128 l = (sh_i128)a->u->x * b->u->p, r = (sh_i128)b->u->x * a->u->p;
	if (l != r)
		return l < r ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

/* The units with p > 0, sorted by y; *m their number, *N and *X their sums. Caller frees. */
static ranked *rank_units(const sharing_unit *u, size_t n, size_t *m, sh_i128 *N, sh_i128 *X)
{
	ranked *r = malloc((n ? n : 1) * sizeof *r);
	if (!r)
		abort();
	*m = 0, *N = 0, *X = 0;
	for (size_t i = 0; i < n; i++)
		if (u[i].p > 0) {
			r[*m].u = &u[i], r[*m].i = i;
			(*m)++;
			*N += u[i].p, *X += u[i].x;
		}
	qsort(r, *m, sizeof *r, cmp_y);
	return r;
}

bool sharing_gini(const sharing_unit *u, size_t n, char *gini, size_t cap)
{
	size_t m;
	sh_i128 N, X;
	if (cap)
		gini[0] = '\0';
	ranked *r = rank_units(u, n, &m, &N, &X);
	bool ok = false;
	if (N > 0 && X > 0) {
		sh_i128 S = 0, P = 0, Xs = 0;
		for (size_t j = 0; j < m; j++) {
			S += (sh_i128)r[j].u->x * P - (sh_i128)r[j].u->p * Xs;
			P += r[j].u->p;
			Xs += r[j].u->x;
		}
		ok = decimal128(S, N * X, 4, gini, cap);
	}
	free(r);
	return ok;
}

size_t sharing_lorenz(const sharing_unit *u, size_t n, int32_t *pop, int32_t *svc)
{
	size_t m;
	sh_i128 N, X;
	ranked *r = rank_units(u, n, &m, &N, &X);
	size_t k = 0;
	if (N > 0 && X > 0) {
		sh_i128 P = 0, Xs = 0;
		pop[0] = svc[0] = 0;
		for (k = 0; k < m; k++) {
			P += r[k].u->p, Xs += r[k].u->x;
			pop[k + 1] = (int32_t)div_half_up(P * 10000, N);
			svc[k + 1] = (int32_t)div_half_up(Xs * 10000, X);
		}
		k = m + 1;
	}
	free(r);
	return k;
}

/* s ln(s / q) with s = a / A, q = b / B; 0 when a = 0. */
static long double term(int64_t a, long double A, int64_t b, long double B)
{
	if (a <= 0)
		return 0;
	long double s = (long double)a / A, q = (long double)b / B;
	return s * logl(s / q);
}

static int64_t micro(long double v)
{
	return (int64_t)llroundl(v * 1000000.0L);
}

bool sharing_theil(const sharing_unit *u, size_t n, int ngroups, sharing_theil_t *out,
                   int64_t *group_t)
{
	memset(out, 0, sizeof *out);
	if (ngroups < 0)
		return false;
	int64_t *gx = calloc((size_t)ngroups + 1, sizeof *gx);
	int64_t *gp = calloc((size_t)ngroups + 1, sizeof *gp);
	long double *gt = calloc((size_t)ngroups + 1, sizeof *gt);
	if (!gx || !gp || !gt)
		abort();
	int64_t X = 0, N = 0;
	for (size_t i = 0; i < n; i++) {
		if (u[i].p <= 0 || u[i].group < 0 || u[i].group >= ngroups)
			continue;
		X += u[i].x, N += u[i].p;
		gx[u[i].group] += u[i].x, gp[u[i].group] += u[i].p;
	}
	bool ok = X > 0 && N > 0;
	if (ok) {
		long double T = 0, B = 0, W = 0;
		for (size_t i = 0; i < n; i++) {
			if (u[i].p <= 0 || u[i].group < 0 || u[i].group >= ngroups)
				continue;
			T += term(u[i].x, (long double)X, u[i].p, (long double)N);
			gt[u[i].group] += term(u[i].x, (long double)gx[u[i].group], u[i].p,
			                       (long double)gp[u[i].group]);
		}
		for (int c = 0; c < ngroups; c++) {
			if (gp[c] <= 0)
				continue;
			B += term(gx[c], (long double)X, gp[c], (long double)N);
			W += (long double)gx[c] / (long double)X * gt[c];
		}
		out->total_exact = T, out->between_exact = B, out->within_exact = W;
		out->total = micro(T);
		out->between = micro(B);
		out->within = out->total - out->between;
	}
	if (group_t)
		for (int c = 0; c < ngroups; c++)
			group_t[c] = gx[c] > 0 && gp[c] > 0 ? micro(gt[c]) : -1;
	free(gx), free(gp), free(gt);
	return ok;
}

void sharing_micro_str(int64_t v, char *out, size_t cap)
{
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	snprintf(out, cap, "%s%llu.%06llu", v < 0 ? "-" : "", (unsigned long long)(a / 1000000),
	         (unsigned long long)(a % 1000000));
}
