/* The matching engine's network: input checks, exact distances, and the candidate
 * pairs (need, provider) found through a spatial grid bucketed by skill.
 *
 * The grid: the plane is cut into square cells of side g (the 75th percentile of the
 * providers' radii, at least 1 m). A provider is filed under (skill, cell) for each of
 * its skills and each cell its disc's bounding box touches, or, if that is more than
 * GRID_MAX_CELLS cells, under (skill, everywhere). A need then looks at two buckets
 * only: (its skill, its cell) and (its skill, everywhere), and tests each provider's
 * exact distance. Every provider appears at most once in a need's two buckets, so no
 * pair is found twice, and none is missed: a provider that reaches a need has the
 * need's cell inside its bounding box. Work is about the number of pairs tested, a
 * small multiple of the pairs found. */
#include "modules/matching/pairs.h"
#include "modules/matching/meter.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A provider filed in more cells than this is filed once, under "everywhere". */
#define GRID_MAX_CELLS 256
/* Radii beyond this cover every pair of points in range (2 * sqrt(2) * 10^9). */
#define RADIUS_CLAMP 3000000000LL
/* Scaled costs (B * w * (nodes + 1)) stay below this; the solver's prices then stay
 * far below 2^61, where engine.c would stop rather than overflow. */
#define SCALED_LIMIT (1LL << 58)

uint64_t match_round_sqrt(uint64_t d2)
{
	uint64_t k = (uint64_t)sqrt((double)d2);
	while (k * k > d2)
		k--;
	while ((k + 1) * (k + 1) <= d2)
		k++;
	/* Round half up; a tie would need d2 = k^2 + k + 1/4. */
	return d2 - k * k > k ? k + 1 : k;
}

static uint64_t dist2(int64_t x1, int64_t y1, int64_t x2, int64_t y2)
{
	uint64_t dx = (uint64_t)(x1 > x2 ? x1 - x2 : x2 - x1);
	uint64_t dy = (uint64_t)(y1 > y2 ? y1 - y2 : y2 - y1);
	return dx * dx + dy * dy; /* <= 8 * 10^18 for coordinates within MATCH_COORD_MAX */
}

int64_t match_distance(int64_t x1, int64_t y1, int64_t x2, int64_t y2)
{
	return (int64_t)match_round_sqrt(dist2(x1, y1, x2, y2));
}

/* d <= r  <=>  sqrt(d2) < r + 1/2  <=>  d2 <= r^2 + r (d2 is an integer). */
static uint64_t reach2(int64_t radius)
{
	uint64_t r = (uint64_t)(radius > RADIUS_CLAMP ? RADIUS_CLAMP : radius);
	return r * r + r;
}

static int coord_ok(int64_t v)
{
	return v >= -MATCH_COORD_MAX && v <= MATCH_COORD_MAX;
}

int match_check(const match_problem *p, gz_err *err)
{
	int bad = 0;
#define BAD(...) (gz_err_field(err, __VA_ARGS__), bad++)
	if (p->B < 0)
		BAD("B", "不能为负");
	if (p->lambda < 0)
		BAD("lambda", "不能为负");
	if (p->nneeds < 0 || p->nneeds > MATCH_MAX_ITEMS || (p->nneeds && !p->needs))
		BAD("needs", "最多 %d 个", MATCH_MAX_ITEMS);
	if (p->nproviders < 0 || p->nproviders > MATCH_MAX_ITEMS ||
	    (p->nproviders && !p->providers))
		BAD("providers", "最多 %d 个", MATCH_MAX_ITEMS);
	if (p->max_pairs < 0)
		BAD("max_pairs", "不能为负");
	if (p->nneeds < 0 || p->nproviders < 0 || (p->nneeds && !p->needs) ||
	    (p->nproviders && !p->providers))
		goto out;
	int64_t gmax = 0;
	char f[64];
	for (int32_t i = 0; i < p->nneeds; i++) {
		const match_need *n = &p->needs[i];
		if (n->skill < 0)
			snprintf(f, sizeof f, "needs[%d].skill", i), BAD(f, "无效的技能编号");
		if (!coord_ok(n->x))
			snprintf(f, sizeof f, "needs[%d].x", i), BAD(f, "超出 ±10^9 米");
		if (!coord_ok(n->y))
			snprintf(f, sizeof f, "needs[%d].y", i), BAD(f, "超出 ±10^9 米");
		int64_t g;
		if (n->w < 0)
			snprintf(f, sizeof f, "needs[%d].w", i), BAD(f, "不能为负");
		else if (p->B >= 0 && __builtin_mul_overflow(p->B, n->w, &g))
			snprintf(f, sizeof f, "needs[%d].w", i), BAD(f, "B×w 超出 64 位整数");
		else if (p->B >= 0 && g > gmax)
			gmax = g;
	}
	for (int32_t j = 0; j < p->nproviders; j++) {
		const match_provider *v = &p->providers[j];
		if (v->nskills < 0 || (v->nskills && !v->skills))
			snprintf(f, sizeof f, "providers[%d].skills", j), BAD(f, "无效");
		for (int32_t k = 0; k < v->nskills && v->skills; k++)
			if (v->skills[k] < 0) {
				snprintf(f, sizeof f, "providers[%d].skills", j);
				BAD(f, "无效的技能编号");
				break;
			}
		if (!coord_ok(v->x))
			snprintf(f, sizeof f, "providers[%d].x", j), BAD(f, "超出 ±10^9 米");
		if (!coord_ok(v->y))
			snprintf(f, sizeof f, "providers[%d].y", j), BAD(f, "超出 ±10^9 米");
		if (v->radius < 0)
			snprintf(f, sizeof f, "providers[%d].radius", j), BAD(f, "不能为负");
		if (v->cap < 0)
			snprintf(f, sizeof f, "providers[%d].cap", j), BAD(f, "不能为负");
	}
	if (bad)
		goto out;
	/* The solver scales costs by the node count + 1 for exactness (engine.c). */
	int64_t scale = (int64_t)p->nneeds + p->nproviders + 2;
	if (gmax > SCALED_LIMIT / scale)
		return gz_err_set(err, GZ_EINVALID, "match_too_large",
		                  "B×w 过大：B×w×(需求数+资源数+2) 须小于 2^58（现为 %lld×%lld）",
		                  (long long)gmax, (long long)scale);
	return 0;
#undef BAD
out:
	return gz_err_set(err, GZ_EINVALID, "match_invalid", "匹配数据有误（%d 处）", bad);
}

/* ---- The grid ------------------------------------------------------------------- */

typedef struct bucket {
	int32_t skill, cx, cy; /* cx = cy = -1: everywhere */
	int32_t start, count;
} bucket;

typedef struct grid {
	match_meter *m;
	int32_t *slot; /* open addressing: bucket index + 1, 0 = empty */
	size_t nslots; /* a power of 2 */
	bucket *b;
	size_t nb, capb;
	int32_t *prov; /* the buckets' providers, bucket by bucket */
	size_t nprov;
} grid;

static size_t key_hash(int32_t skill, int32_t cx, int32_t cy)
{
	uint64_t h = (uint64_t)(uint32_t)skill * 0x9e3779b97f4a7c15ull;
	h ^= (uint64_t)(uint32_t)cx * 0xc2b2ae3d27d4eb4full;
	h ^= (uint64_t)(uint32_t)cy * 0x165667b19e3779f9ull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return (size_t)(h ^ (h >> 32));
}

/* The bucket of a key: found, or created if create (then NULL only on exhaustion). */
static bucket *grid_bucket(grid *g, int32_t skill, int32_t cx, int32_t cy, int create)
{
	size_t mask = g->nslots - 1;
	for (size_t i = key_hash(skill, cx, cy) & mask;; i = (i + 1) & mask) {
		int32_t s = g->slot[i];
		if (!s) {
			if (!create)
				return NULL;
			if (g->nb == g->capb) {
				size_t nc = g->capb * 2;
				bucket *nb = match_resize(g->m, g->b, g->capb, nc, sizeof *nb);
				if (!nb)
					return NULL;
				g->b = nb;
				g->capb = nc;
			}
			g->b[g->nb] = (bucket){skill, cx, cy, 0, 0};
			g->slot[i] = (int32_t)++g->nb;
			return &g->b[g->nb - 1];
		}
		bucket *b = &g->b[s - 1];
		if (b->skill == skill && b->cx == cx && b->cy == cy)
			return b;
	}
}

typedef struct build {
	const match_problem *p;
	match_meter m;
	int64_t gmin_x, gmin_y; /* the needs' bounding box, origin of the cells */
	int64_t cell;           /* side of a cell, metres */
	int32_t ncx, ncy;       /* cells across the needs' box */
	int32_t *uskill;        /* providers' distinct skills, sorted */
	int32_t *uoff;          /* provider j's are uskill[uoff[j] .. uoff[j + 1]) */
	int32_t *span;          /* provider -> cx0, cx1, cy0, cy1; cx0 = -1: everywhere;
	                           cx0 > cx1: reaches no need */
	grid g;
} build;

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0)) ? q - 1 : q;
}

static int usable(const match_provider *v)
{
	return v->cap > 0 && v->nskills > 0;
}

/* Distinct skills per provider, so a provider is never filed twice in one bucket. */
static int unique_skills(build *bd)
{
	const match_problem *p = bd->p;
	size_t total = 0;
	for (int32_t j = 0; j < p->nproviders; j++)
		total += (size_t)p->providers[j].nskills;
	bd->uoff = match_alloc(&bd->m, (size_t)p->nproviders + 1, sizeof *bd->uoff);
	bd->uskill = match_alloc(&bd->m, total, sizeof *bd->uskill);
	if (!bd->uoff || !bd->uskill)
		return -1;
	int32_t n = 0;
	for (int32_t j = 0; j < p->nproviders; j++) {
		const match_provider *v = &p->providers[j];
		bd->uoff[j] = n;
		int32_t *s = bd->uskill + n;
		memcpy(s, v->skills, (size_t)v->nskills * sizeof *s);
		qsort(s, (size_t)v->nskills, sizeof *s, cmp_i32);
		int32_t k = 0;
		for (int32_t i = 0; i < v->nskills; i++)
			if (i == 0 || s[i] != s[k - 1])
				s[k++] = s[i];
		n += k;
	}
	bd->uoff[p->nproviders] = n;
	return 0;
}

/* The cell side: the 75th percentile of the usable providers' radii, so most cover at
 * most 4 x 4 cells and a need's bucket holds few that are out of reach. */
static int choose_cell(build *bd)
{
	const match_problem *p = bd->p;
	int64_t *r = match_alloc(&bd->m, (size_t)p->nproviders, sizeof *r);
	if (!r)
		return -1;
	size_t n = 0;
	for (int32_t j = 0; j < p->nproviders; j++)
		if (usable(&p->providers[j]))
			r[n++] = p->providers[j].radius > RADIUS_CLAMP ? RADIUS_CLAMP
			                                               : p->providers[j].radius;
	qsort(r, n, sizeof *r, cmp_i64);
	bd->cell = n ? r[(n * 3) / 4] : 1;
	if (bd->cell < 1)
		bd->cell = 1;
	match_release(&bd->m, r, (size_t)p->nproviders, sizeof *r);
	return 0;
}

/* Each provider's range of cells (clamped to the needs' box), and how many buckets
 * entries it makes. */
static int provider_spans(build *bd, size_t *entries)
{
	const match_problem *p = bd->p;
	bd->span = match_alloc(&bd->m, (size_t)p->nproviders * 4, sizeof *bd->span);
	if (!bd->span)
		return -1;
	*entries = 0;
	for (int32_t j = 0; j < p->nproviders; j++) {
		const match_provider *v = &p->providers[j];
		int32_t *s = bd->span + 4 * (size_t)j;
		s[0] = 1, s[1] = 0; /* reaches nothing */
		if (!usable(v))
			continue;
		int64_t R = (v->radius > RADIUS_CLAMP ? RADIUS_CLAMP : v->radius) + 1;
		int64_t x0 = floor_div(v->x - R - bd->gmin_x, bd->cell);
		int64_t x1 = floor_div(v->x + R - bd->gmin_x, bd->cell);
		int64_t y0 = floor_div(v->y - R - bd->gmin_y, bd->cell);
		int64_t y1 = floor_div(v->y + R - bd->gmin_y, bd->cell);
		x0 = x0 < 0 ? 0 : x0, y0 = y0 < 0 ? 0 : y0;
		x1 = x1 >= bd->ncx ? bd->ncx - 1 : x1, y1 = y1 >= bd->ncy ? bd->ncy - 1 : y1;
		if (x0 > x1 || y0 > y1)
			continue;
		int64_t cells = (x1 - x0 + 1) * (y1 - y0 + 1);
		size_t ns = (size_t)(bd->uoff[j + 1] - bd->uoff[j]);
		if (cells > GRID_MAX_CELLS) {
			s[0] = s[1] = s[2] = s[3] = -1;
			*entries += ns;
		} else {
			s[0] = (int32_t)x0, s[1] = (int32_t)x1, s[2] = (int32_t)y0,
			s[3] = (int32_t)y1;
			*entries += ns * (size_t)cells;
		}
	}
	return 0;
}

/* Files every provider: pass 0 counts per bucket, pass 1 fills. */
static int grid_fill(build *bd, size_t entries)
{
	const match_problem *p = bd->p;
	grid *g = &bd->g;
	g->m = &bd->m;
	g->nslots = 16;
	while (g->nslots < 2 * entries + 16)
		g->nslots *= 2;
	g->slot = match_alloc(&bd->m, g->nslots, sizeof *g->slot);
	g->capb = 64;
	g->b = match_alloc(&bd->m, g->capb, sizeof *g->b);
	g->prov = match_alloc(&bd->m, entries, sizeof *g->prov);
	g->nprov = entries;
	if (!g->slot || !g->b || !g->prov)
		return -1;
	for (int pass = 0; pass < 2; pass++) {
		for (int32_t j = 0; j < p->nproviders; j++) {
			const int32_t *s = bd->span + 4 * (size_t)j;
			if (s[0] > s[1])
				continue;
			for (int32_t k = bd->uoff[j]; k < bd->uoff[j + 1]; k++)
				for (int32_t cx = s[0]; cx <= s[1]; cx++)
					for (int32_t cy = s[2]; cy <= s[3]; cy++) {
						bucket *b = grid_bucket(g, bd->uskill[k], cx, cy,
						                        pass == 0);
						if (!b)
							return -1;
						if (pass == 0)
							b->count++;
						else
							g->prov[b->start + b->count++] = j;
					}
		}
		if (pass == 0) {
			int32_t at = 0; /* ends at entries */
			for (size_t i = 0; i < g->nb; i++) {
				g->b[i].start = at;
				at += g->b[i].count;
				g->b[i].count = 0;
			}
		}
	}
	return 0;
}

static void build_free(build *bd)
{
	const match_problem *p = bd->p;
	size_t sk = 0;
	for (int32_t j = 0; j < p->nproviders; j++)
		sk += (size_t)p->providers[j].nskills;
	match_release(&bd->m, bd->uskill, sk, sizeof *bd->uskill);
	match_release(&bd->m, bd->uoff, (size_t)p->nproviders + 1, sizeof *bd->uoff);
	match_release(&bd->m, bd->span, (size_t)p->nproviders * 4, sizeof *bd->span);
	match_release(&bd->m, bd->g.slot, bd->g.nslots, sizeof *bd->g.slot);
	match_release(&bd->m, bd->g.b, bd->g.capb, sizeof *bd->g.b);
	match_release(&bd->m, bd->g.prov, bd->g.nprov, sizeof *bd->g.prov);
	bd->uskill = NULL, bd->uoff = NULL, bd->span = NULL;
	bd->g.slot = NULL, bd->g.b = NULL, bd->g.prov = NULL;
}

/* ---- The network ------------------------------------------------------------------ */

void match_graph_free(match_graph *g)
{
	free(g->start);
	free(g->prov);
	free(g->dist);
	free(g->gain);
	free(g->slots);
	memset(g, 0, sizeof *g);
}

static int err_oom(gz_err *err)
{
	return gz_err_set(err, GZ_EINTERNAL, "out_of_memory", "内存不足，无法完成匹配");
}

/* Appends need i's arcs: the providers of its two buckets within reach, with
 * d_ij < B * w_i. */
static int need_arcs(build *bd, match_graph *g, int32_t i, size_t *cap, int64_t max_pairs,
                     gz_err *err)
{
	const match_problem *p = bd->p;
	const match_need *n = &p->needs[i];
	int32_t cx = (int32_t)((n->x - bd->gmin_x) / bd->cell);
	int32_t cy = (int32_t)((n->y - bd->gmin_y) / bd->cell);
	bucket *bs[2] = {grid_bucket(&bd->g, n->skill, cx, cy, 0),
	                 grid_bucket(&bd->g, n->skill, -1, -1, 0)};
	for (int k = 0; k < 2; k++) {
		if (!bs[k])
			continue;
		const int32_t *pv = bd->g.prov + bs[k]->start;
		for (int32_t q = 0; q < bs[k]->count; q++) {
			const match_provider *v = &p->providers[pv[q]];
			uint64_t d2 = dist2(n->x, n->y, v->x, v->y);
			if (d2 > reach2(v->radius))
				continue;
			g->nfeasible++;
			uint64_t d = match_round_sqrt(d2);
			if ((int64_t)d >= g->gain[i])
				continue; /* never pays */
			if (g->narcs >= max_pairs)
				return gz_err_set(err, GZ_EINVALID, "match_too_many_pairs",
				                  "候选配对超过 %lld 对：请缩小服务半径",
				                  (long long)max_pairs);
			if ((size_t)g->narcs == *cap) {
				size_t nc = *cap + *cap / 2; /* 1.5x: a smaller peak */
				int32_t *np = match_resize(&bd->m, g->prov, *cap, nc, sizeof *np);
				if (!np)
					return err_oom(err);
				g->prov = np;
				uint32_t *nd = match_resize(&bd->m, g->dist, *cap, nc, sizeof *nd);
				if (!nd)
					return err_oom(err);
				g->dist = nd;
				*cap = nc;
			}
			g->prov[g->narcs] = pv[q];
			g->dist[g->narcs] = (uint32_t)d;
			g->narcs++;
		}
	}
	return 0;
}

/* How many load levels of each provider can pay, and the largest cost. */
static int provider_slots(build *bd, match_graph *g)
{
	const match_problem *p = bd->p;
	int64_t *best = match_alloc(&bd->m, (size_t)p->nproviders, sizeof *best);
	g->slots = match_alloc(&bd->m, (size_t)p->nproviders, sizeof *g->slots);
	if (!best || !g->slots) {
		match_release(&bd->m, best, (size_t)p->nproviders, sizeof *best);
		return -1;
	}
	g->cmax = 1;
	for (int32_t i = 0; i < p->nneeds; i++)
		for (int32_t e = g->start[i]; e < g->start[i + 1]; e++) {
			int32_t j = g->prov[e];
			int64_t gain = g->gain[i] - (int64_t)g->dist[e];
			g->slots[j]++;
			if (gain > best[j])
				best[j] = gain;
			if (g->gain[i] > g->cmax)
				g->cmax = g->gain[i];
		}
	for (int32_t j = 0; j < p->nproviders; j++) {
		int64_t k = g->slots[j];
		if (p->providers[j].cap < k)
			k = p->providers[j].cap;
		/* Level s (0-based) costs lambda * s; it pays only if lambda * s < best[j]. */
		if (p->lambda > 0 && k > 0) {
			int64_t useful = best[j] / p->lambda + (best[j] % p->lambda != 0);
			if (useful < k)
				k = useful;
		}
		g->slots[j] = (int32_t)k;
	}
	match_release(&bd->m, best, (size_t)p->nproviders, sizeof *best);
	return 0;
}

int match_graph_build(const match_problem *p, match_graph *g, gz_err *err)
{
	memset(g, 0, sizeof *g);
	if (match_check(p, err) < 0)
		return -1;
	build bd = {.p = p};
	int64_t max_pairs = p->max_pairs ? p->max_pairs : MATCH_DEFAULT_MAX_PAIRS;
	if (max_pairs > INT32_MAX - 1)
		max_pairs = INT32_MAX - 1;
	g->nneeds = p->nneeds;
	g->nproviders = p->nproviders;
	g->start = match_alloc(&bd.m, (size_t)p->nneeds + 1, sizeof *g->start);
	g->gain = match_alloc(&bd.m, (size_t)p->nneeds, sizeof *g->gain);
	size_t cap = 1024;
	g->prov = match_alloc(&bd.m, cap, sizeof *g->prov);
	g->dist = match_alloc(&bd.m, cap, sizeof *g->dist);
	if (!g->start || !g->gain || !g->prov || !g->dist)
		goto fail_oom;
	/* The needs that can pay at all, and their bounding box. */
	int any = 0;
	int64_t xmax = 0, ymax = 0;
	for (int32_t i = 0; i < p->nneeds; i++) {
		const match_need *n = &p->needs[i];
		g->gain[i] = p->B * n->w;
		if (g->gain[i] <= 0)
			continue;
		if (!any || n->x < bd.gmin_x)
			bd.gmin_x = n->x;
		if (!any || n->y < bd.gmin_y)
			bd.gmin_y = n->y;
		if (!any || n->x > xmax)
			xmax = n->x;
		if (!any || n->y > ymax)
			ymax = n->y;
		any = 1;
	}
	size_t entries = 0;
	if (any) {
		if (unique_skills(&bd) < 0 || choose_cell(&bd) < 0)
			goto fail_oom;
		/* Cells across the box: at most 2 * 10^9 + 1, so they fit an int32. */
		bd.ncx = (int32_t)((xmax - bd.gmin_x) / bd.cell + 1);
		bd.ncy = (int32_t)((ymax - bd.gmin_y) / bd.cell + 1);
		if (provider_spans(&bd, &entries) < 0 || grid_fill(&bd, entries) < 0)
			goto fail_oom;
	}
	for (int32_t i = 0; i < p->nneeds; i++) {
		g->start[i] = g->narcs;
		if (g->gain[i] > 0 && need_arcs(&bd, g, i, &cap, max_pairs, err) < 0)
			goto fail;
	}
	g->start[p->nneeds] = g->narcs;
	build_free(&bd);
	/* Give back the unused tail of the arc arrays (if shrinking fails, keep the block). */
	int32_t *np = match_resize(&bd.m, g->prov, cap, (size_t)g->narcs, sizeof *np);
	if (np)
		g->prov = np;
	uint32_t *nd = match_resize(&bd.m, g->dist, cap, (size_t)g->narcs, sizeof *nd);
	if (nd)
		g->dist = nd;
	if (provider_slots(&bd, g) < 0)
		goto fail_oom;
	g->bytes = bd.m.now;
	g->peak_bytes = bd.m.peak;
	return 0;
fail_oom:
	err_oom(err);
fail:
	build_free(&bd);
	match_graph_free(g);
	return -1;
}
