/* Point -> grid lookups: the STRtree locator against a scan over every prepared grid,
 * on the same polygons and the same random points, in one process.
 *
 *   bench_locate [GRIDS [TREE_LOOKUPS [SCAN_LOOKUPS [THREADS]]]]
 *
 * Builds GRIDS grids (default 10000) as a sqrt(GRIDS) x sqrt(GRIDS) tiling of jittered
 * quadrilaterals around Beijing (neighbours share their vertices exactly, as imported
 * grids do), draws random points over the tiling and a 5% margin, and times
 * geo_locator_find() (STRtree + prepared polygons) against geo_locator_find_scan()
 * (every prepared polygon in code order). Both must give the same answer for every
 * point. The two are timed in 5 interleaved rounds and compared by their median
 * lookups/s, so load from other processes affects both alike. Then THREADS threads (default 4) run
 * the STRtree lookups at once, to show what the locator's mutex costs (GEOS prepared geometries are
 * not thread-safe).
 *
 * Prints lookups/s of each and the ratio; exits 1 if the ratio is below 50 or an
 * answer differs, 2 on bad arguments. */
#include "modules/space/geo.h"
#include "core/time.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define TARGET_RATIO 50.0
#define ROUNDS       5

typedef struct {
	double *pts; /* lon, lat pairs */
	int npts, lookups;
	geo_locator *l;
	long found;
} worker_t;

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static double rnd(void) /* xorshift64*, uniform in [0, 1) */
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (double)((rng * 0x2545f4914f6cdd1dull) >> 11) / 9007199254740992.0;
}

static double median(double *v, int n)
{
	for (int i = 1; i < n; i++) /* insertion sort: n is tiny */
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

static void *tree_worker(void *arg)
{
	worker_t *w = arg;
	long found = 0;
	for (int i = 0; i < w->lookups; i++) {
		int k = i % w->npts;
		found += geo_locator_find(w->l, w->pts[2 * k], w->pts[2 * k + 1]) >= 0;
	}
	w->found = found;
	return NULL;
}

int main(int argc, char **argv)
{
	int grids = argc > 1 ? atoi(argv[1]) : 10000;
	int tree_lookups = argc > 2 ? atoi(argv[2]) : 1000000;
	int scan_lookups = argc > 3 ? atoi(argv[3]) : 2000;
	int threads = argc > 4 ? atoi(argv[4]) : 4;
	int side = (int)lround(sqrt(grids));
	if (side < 2 || tree_lookups < 1 || scan_lookups < 1 || threads < 1 || threads > 64) {
		fprintf(stderr,
		        "usage: bench_locate [GRIDS>=4 [TREE_LOOKUPS [SCAN_LOOKUPS [THREADS]]]]\n");
		return 2;
	}
	grids = side * side;

	/* Vertices of the tiling, interior ones jittered by up to 30% of a cell. */
	const double x0 = 116.30, y0 = 39.85, cell = 0.0012; /* ~100 m x 130 m */
	double *vx = malloc(sizeof(double) * (size_t)(side + 1) * (size_t)(side + 1));
	double *vy = malloc(sizeof(double) * (size_t)(side + 1) * (size_t)(side + 1));
	for (int i = 0; i <= side; i++)
		for (int j = 0; j <= side; j++) {
			int edge = i == 0 || j == 0 || i == side || j == side;
			double jx = edge ? 0 : (rnd() - 0.5) * 0.6 * cell;
			double jy = edge ? 0 : (rnd() - 0.5) * 0.6 * cell;
			vx[i * (side + 1) + j] = x0 + i * cell + jx;
			vy[i * (side + 1) + j] = y0 + j * cell + jy;
		}
	GEOSContextHandle_t h = geo_context_new();
	GEOSGeometry **gs = malloc(sizeof *gs * (size_t)grids);
	int64_t t0 = gz_time_mono_ns();
	for (int i = 0; i < side; i++)
		for (int j = 0; j < side; j++) {
			int a = i * (side + 1) + j, b = (i + 1) * (side + 1) + j;
			double buf[10] = {vx[a],     vy[a],     vx[b],     vy[b], vx[b + 1],
			                  vy[b + 1], vx[a + 1], vy[a + 1], vx[a], vy[a]};
			GEOSCoordSequence *cs = GEOSCoordSeq_copyFromBuffer_r(h, buf, 5, 0, 0);
			gs[i * side + j] = GEOSGeom_createPolygon_r(
			    h, GEOSGeom_createLinearRing_r(h, cs), NULL, 0);
		}
	geo_locator *l = geo_locator_new(gs, grids);
	int64_t t1 = gz_time_mono_ns();
	if (!l) {
		fprintf(stderr, "bench_locate: cannot build the locator\n");
		return 1;
	}

	/* Random points over the tiling plus a 5% margin (some fall outside). */
	int npts = scan_lookups;
	double *pts = malloc(sizeof(double) * 2 * (size_t)npts);
	double span = side * cell;
	for (int k = 0; k < npts; k++) {
		pts[2 * k] = x0 - 0.05 * span + rnd() * 1.1 * span;
		pts[2 * k + 1] = y0 - 0.05 * span + rnd() * 1.1 * span;
	}

	/* Same points, same answers. */
	int *scan_ans = malloc(sizeof(int) * (size_t)npts);
	for (int k = 0; k < npts; k++)
		scan_ans[k] = geo_locator_find_scan(l, pts[2 * k], pts[2 * k + 1]);
	int mismatches = 0;
	for (int k = 0; k < npts; k++)
		if (geo_locator_find(l, pts[2 * k], pts[2 * k + 1]) != scan_ans[k])
			mismatches++;

	/* Interleaved rounds (scan, tree, scan, tree, ...) so that load from other
	 * processes hits both alike; rates are the medians of the rounds. */
	double scan_r[ROUNDS], tree_r[ROUNDS];
	worker_t w = {pts, npts, tree_lookups / ROUNDS, l, 0};
	int64_t scan_ns = 0, tree_ns = 0;
	for (int round = 0; round < ROUNDS; round++) {
		int64_t s0 = gz_time_mono_ns();
		for (int k = 0; k < npts; k++)
			geo_locator_find_scan(l, pts[2 * k], pts[2 * k + 1]);
		int64_t s1 = gz_time_mono_ns();
		tree_worker(&w);
		int64_t s2 = gz_time_mono_ns();
		scan_r[round] = npts / ((s1 - s0) / 1e9);
		tree_r[round] = w.lookups / ((s2 - s1) / 1e9);
		scan_ns += s1 - s0;
		tree_ns += s2 - s1;
	}
	double scan_rate = median(scan_r, ROUNDS), tree_rate = median(tree_r, ROUNDS);
	double ratio = tree_rate / scan_rate;

	/* The same lookups from several threads at once. */
	pthread_t tid[64];
	worker_t ws[64];
	int64_t m0 = gz_time_mono_ns();
	for (int t = 0; t < threads; t++) {
		ws[t] = (worker_t){pts, npts, tree_lookups / threads, l, 0};
		pthread_create(&tid[t], NULL, tree_worker, &ws[t]);
	}
	for (int t = 0; t < threads; t++)
		pthread_join(tid[t], NULL);
	int64_t m1 = gz_time_mono_ns();
	double mt_rate = (double)(tree_lookups / threads) * threads / ((m1 - m0) / 1e9);

	printf("grids            %d (%dx%d jittered quads), locator built in %.0f ms\n", grids,
	       side, side, (t1 - t0) / 1e6);
	printf("points           %d random (%.1f%% inside a grid)\n", npts,
	       100.0 * w.found / w.lookups);
	printf("scan (prepared)  %12.0f lookups/s  (median of %d rounds of %d; %.1f us each)\n",
	       scan_rate, ROUNDS, npts, scan_ns / 1e3 / ((double)npts * ROUNDS));
	printf("STRtree          %12.0f lookups/s  (median of %d rounds of %d; %.2f us each)\n",
	       tree_rate, ROUNDS, w.lookups, tree_ns / 1e3 / ((double)w.lookups * ROUNDS));
	printf("STRtree x%-2d thr  %12.0f lookups/s  (serialised by the locator's mutex)\n",
	       threads, mt_rate);
	printf("ratio            %12.1f x  (target >= %.0f) %s\n", ratio, TARGET_RATIO,
	       ratio >= TARGET_RATIO ? "ok" : "MISSED");
	if (mismatches)
		printf("MISMATCH         %d points answered differently by tree and scan\n",
		       mismatches);

	geo_locator_free(l);
	GEOS_finish_r(h);
	free(vx);
	free(vy);
	free(pts);
	free(scan_ans);
	return ratio >= TARGET_RATIO && !mismatches ? 0 : 1;
}
