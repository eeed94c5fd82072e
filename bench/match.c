/* The matching engine against GLPK's out-of-kilter min-cost flow (glp_mincost_okalg), on
 * the same network, in one process.
 *
 *   bench_match NEEDS PROVIDERS [SEED]
 *
 * Generates a street of NEEDS needs and PROVIDERS providers with a fixed seed: eight
 * skills (a need has one, a provider one to three, common ones more often), points
 * uniform on a square sized so that a need has about 100 providers of its skill within
 * reach whatever the counts, radii 1000-3000 m, capacities 1-8, weights 3-10 (most
 * needs 3-4), B = 1000, lambda = 300.
 *
 * The engine: match_graph_build (grid, exact distances, the cuts) + match_solve_graph,
 * timed together. GLPK: the network of that same graph, written as a plain min-cost
 * flow: a source s with supply n and a sink t with demand n; s -> t (capacity n, cost
 * 0) carries the needs left unmatched; s -> need (capacity 1, cost -B w); need ->
 * provider for each arc (capacity 1, cost d); provider -> t one unit arc per load
 * level s (cost lambda * s). Its optimum is the engine's objective: the same problem.
 * GLPK's time is glp_mincost_okalg alone (building its graph is not counted).
 *
 * GLPK runs in a child process (its memory is its own; the engine's peak is measured
 * before it). GLPK has no time limit: OKALG_CPU_LIMIT=SECONDS, if set, has the kernel
 * stop it after that much CPU, and then the ratio printed is a lower bound and the
 * objectives are not compared.
 *
 * Prints counts, both times, the ratio, both objectives and the engine's peak memory
 * (bytes it held, and the process's maximum resident set); exits 1 if the objectives
 * differ or the ratio is below 10, 3 if OKALG_CPU_LIMIT stopped GLPK. */
#include "modules/matching/engine.h"

#include <glpk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TARGET_RATIO 10.0
#define NSKILLS      8

static uint64_t rng;

static uint64_t rnd(void) /* splitmix64 */
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int64_t between(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

/* Skill popularity: 陪诊 and 助餐 the most asked and offered, 法律咨询 the least. */
static int32_t draw_skill(void)
{
	static const int share[NSKILLS] = {22, 20, 14, 12, 10, 9, 7, 6}; /* percent */
	int r = (int)between(0, 99), acc = 0;
	for (int k = 0; k < NSKILLS; k++)
		if (r < (acc += share[k]))
			return k;
	return NSKILLS - 1;
}

/* CPU time of this process: the machine may be shared, and both solvers run here on
 * one thread, so CPU seconds compare them fairly; wall time is printed too. */
static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long max_rss_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

typedef struct {
	double rhs;
} vdata;

typedef struct {
	double low, cap, cost, x;
} adata;

static void arc(glp_graph *G, int from, int to, double cap, double cost)
{
	glp_arc *a = glp_add_arc(G, from, to);
	adata *d = a->data;
	d->low = 0, d->cap = cap, d->cost = cost;
}

typedef struct okalg_out {
	int finished, rc;
	double sol, cpu, wall, build;
} okalg_out;

/* In the child: GLPK's network of g (see the top of this file), then okalg under a CPU
 * limit of `limit` seconds if limit > 0 (the kernel stops it: GLPK has no time limit of
 * its own). Writes what it found to fd. */
static void okalg_child(const match_problem *p, const match_graph *g, double limit, int fd)
{
	int32_t n = g->nneeds, m = g->nproviders;
	glp_term_out(GLP_OFF);
	double b0 = cpu_s();
	glp_graph *G = glp_create_graph(sizeof(vdata), sizeof(adata));
	int S = n + m + 1, T = n + m + 2; /* needs 1..n, providers n+1..n+m */
	glp_add_vertices(G, n + m + 2);
	((vdata *)G->v[S]->data)->rhs = n;
	((vdata *)G->v[T]->data)->rhs = -n;
	arc(G, S, T, n, 0);
	for (int32_t i = 0; i < n; i++) {
		if (g->start[i + 1] == g->start[i])
			continue;
		arc(G, S, i + 1, 1, (double)-g->gain[i]);
		for (int32_t e = g->start[i]; e < g->start[i + 1]; e++)
			arc(G, i + 1, n + 1 + g->prov[e], 1, (double)g->dist[e]);
	}
	for (int32_t j = 0; j < m; j++)
		for (int32_t s = 0; s < g->slots[j]; s++)
			arc(G, n + 1 + j, T, 1, (double)(p->lambda * s));
	okalg_out o = {0};
	double b1 = cpu_s(), w1 = wall_s();
	o.build = b1 - b0;
	/* First what building took (all the parent learns if the limit stops okalg). */
	if (write(fd, &o, sizeof o) != (ssize_t)sizeof o)
		_exit(1);
	o.finished = 1;
	if (limit > 0) {
		struct rlimit rl;
		rl.rlim_cur = (rlim_t)(b1 + limit) + 1;
		rl.rlim_max = rl.rlim_cur + 5;
		setrlimit(RLIMIT_CPU, &rl);
	}
	o.rc =
	    glp_mincost_okalg(G, offsetof(vdata, rhs), offsetof(adata, low), offsetof(adata, cap),
	                      offsetof(adata, cost), &o.sol, offsetof(adata, x), -1);
	o.cpu = cpu_s() - b1;
	o.wall = wall_s() - w1;
	if (write(fd, &o, sizeof o) != (ssize_t)sizeof o)
		_exit(1);
	_exit(0);
}

/* okalg in a child process, so that a CPU limit can stop it and its memory is its own.
 * Returns 0 with *o filled (o->finished = 0 if the limit stopped it), -1 on failure. */
static int okalg(const match_problem *p, const match_graph *g, double limit, okalg_out *o)
{
	int fds[2];
	fflush(stdout);
	if (pipe(fds) < 0)
		return -1;
	double w0 = wall_s();
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(fds[0]);
		okalg_child(p, g, limit, fds[1]);
	}
	close(fds[1]);
	memset(o, 0, sizeof *o);
	ssize_t got = read(fds[0], o, sizeof *o);
	if (got == (ssize_t)sizeof *o)
		got = read(fds[0], o, sizeof *o);
	close(fds[0]);
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0)
		return -1;
	if (got != (ssize_t)sizeof *o) {
		o->finished = 0;
		o->cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6 - o->build;
		o->wall = wall_s() - w0;
		if (!WIFSIGNALED(status))
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_match NEEDS PROVIDERS [SEED]\n");
		return 2;
	}
	int32_t n = atoi(argv[1]), m = atoi(argv[2]);
	rng = argc > 3 ? strtoull(argv[3], NULL, 10) : 42;
	if (n <= 0 || m <= 0) {
		fprintf(stderr, "bench_match: NEEDS and PROVIDERS must be positive\n");
		return 2;
	}
	/* Side of the square: a need sees m * P(skill) * pi * E[r^2] / side^2 providers;
	 * P(skill) is about 1/4 here and E[r^2] = 13/3 * 10^6, so side^2 = m * 1.36e7 / 4 / 100. */
	int64_t side = (int64_t)__builtin_sqrt((double)m * 1.36e7 / 4.0 / 100.0);
	match_need *needs = calloc((size_t)n, sizeof *needs);
	match_provider *prov = calloc((size_t)m, sizeof *prov);
	int32_t *skills = calloc((size_t)m * 3, sizeof *skills);
	for (int32_t i = 0; i < n; i++) {
		int64_t w = 3 + (between(0, 9) < 7 ? between(0, 1) : between(2, 7));
		needs[i] = (match_need){draw_skill(), between(0, side), between(0, side), w};
	}
	for (int32_t j = 0; j < m; j++) {
		int32_t k = (int32_t)between(1, 3);
		for (int32_t q = 0; q < k; q++)
			skills[3 * j + q] = draw_skill();
		prov[j] = (match_provider){skills + 3 * j,      k,
		                           between(0, side),    between(0, side),
		                           between(1000, 3000), between(1, 8)};
	}
	match_problem p = {1000, 300, needs, n, prov, m, 0};
	printf("instance: %d needs x %d providers on %lld m x %lld m, B=%lld lambda=%lld, seed "
	       "%llu\n",
	       n, m, (long long)side, (long long)side, (long long)p.B, (long long)p.lambda,
	       (unsigned long long)(argc > 3 ? strtoull(argv[3], NULL, 10) : 42));
	fflush(stdout);

	/* ---- the engine ---- */
	gz_err err;
	gz_err_clear(&err);
	match_graph g;
	match_result r;
	long rss0 = max_rss_kib();
	double w0 = wall_s(), t0 = cpu_s();
	if (match_graph_build(&p, &g, &err) < 0) {
		fprintf(stderr, "bench_match: %s\n", err.message);
		return 1;
	}
	double t1 = cpu_s();
	if (match_solve_graph(&p, &g, &r, &err) < 0) {
		fprintf(stderr, "bench_match: %s\n", err.message);
		return 1;
	}
	double t2 = cpu_s(), w2 = wall_s();
	long rss1 = max_rss_kib();
	int64_t slots = 0;
	for (int32_t j = 0; j < m; j++)
		slots += g.slots[j];
	printf("pairs: %lld allowed by skill and radius, %d kept (d < B w), %lld load levels\n",
	       (long long)g.nfeasible, g.narcs, (long long)slots);
	printf("engine: %.3f s CPU (pairs %.3f s + solve %.3f s; %.3f s wall), %d phases, %lld "
	       "bids (%lld full scans), %lld evictions, %lld relabels, %lld returns\n",
	       t2 - t0, t1 - t0, t2 - t1, w2 - w0, r.stats.phases, (long long)r.stats.bids,
	       (long long)r.stats.scans, (long long)r.stats.evictions, (long long)r.stats.relabels,
	       (long long)r.stats.returns);
	printf("engine peak memory: %.1f MiB held by the engine; process max RSS %.1f MiB "
	       "(%.1f MiB before it ran)\n",
	       (double)r.stats.peak_bytes / 1048576.0, (double)rss1 / 1024.0,
	       (double)rss0 / 1024.0);
	printf("engine objective: %lld (distance %lld + load %lld - priority %lld), %d matched\n",
	       (long long)r.objective, (long long)r.distance, (long long)r.load_cost,
	       (long long)r.priority, r.npairs);
	fflush(stdout);

	/* ---- GLPK on the same network, in a child process ---- */
	double limit = getenv("OKALG_CPU_LIMIT") ? atof(getenv("OKALG_CPU_LIMIT")) : 0;
	okalg_out o;
	if (okalg(&p, &g, limit, &o) < 0)
		return 1;
	if (o.finished)
		printf("glpk okalg: %.3f s CPU (%.3f s wall; building its graph %.3f s, not "
		       "counted), rc %d, objective %.0f\n",
		       o.cpu, o.wall, o.build, o.rc, o.sol);
	else
		printf(
		    "glpk okalg: stopped by OKALG_CPU_LIMIT after %.0f s CPU (%.0f s wall) without "
		    "an answer\n",
		    o.cpu, o.wall);
	double ratio = o.cpu / (t2 - t0);
	int same = o.finished && o.rc == 0 && (int64_t)o.sol == r.objective;
	if (o.finished)
		printf(
		    "objectives %s; engine %.1fx faster than glp_mincost_okalg (target >= %.0fx)\n",
		    same ? "equal" : "DIFFER", ratio, TARGET_RATIO);
	else
		printf("objectives NOT COMPARED (okalg unfinished); engine more than %.1fx faster "
		       "than glp_mincost_okalg (target >= %.0fx)\n",
		       ratio, TARGET_RATIO);
	match_result_free(&r);
	match_graph_free(&g);
	free(needs);
	free(prov);
	free(skills);
	if (!o.finished)
		return 3;
	return same && ratio >= TARGET_RATIO ? 0 : 1;
}
