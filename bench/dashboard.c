/* The street dashboard's figures (issue 15 item 6), run by bench/dashboard.sh: per grid
 * of a street over a period — residents, visits, residents visited, cases received and
 * closed, service minutes (and the minutes placed at its communities) — as GET
 * /sharing/equity reads them (sharing_grids_load from the counters, the same function)
 * against the same figures counted by aggregate SQL over the raw tables (the reference
 * path of the same function), in the same process and the same read snapshot. Every
 * number must be identical. Target: counters >= 20x faster for each period.
 *
 * The case rates and their trend as the dashboard asks GET /stats/cases for them: the
 * default period (the 30 days up to now) and each of the last 6 calendar months (up to
 * its last second, evaluated then or now) — the 20 counts of each (gz_case_counts, the
 * function the route calls: from the counters case_rate_counts) against the same
 * counts by the route's aggregate query over the street's cases (CASE_COUNTS_RAW).
 *
 * The whole dashboard (dashboard_bench): every figure DashboardView.vue's requests compute,
 * part by part, counters, memo (warm) and per request, and the total ratio (target >=
 * 20x); then the memo's cost when k grids changed since the last answer, and cold.
 *
 * usage: bench_dashboard DB_URL STREET DAYS... (each DAYS: a period of that many days up
 * to today, Beijing time). Exits 1 on a difference or a missed target. */
#include "modules/sharing/figures.h"
#include "modules/sharing/memo.h"
#include "modules/cases/cases.h"
#include "core/mem.h"
#include "core/time.h"
#include "db/db.h"
#include "domain/policy.h"
#include "modules/visits/rules.h"
#include "modules/sharing/sharing_internal.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TARGET     20.0
#define ROUNDS     5
#define MIN_MS     400
#define DAY_MS     (24LL * 3600 * 1000)
#define BEIJING_MS (8LL * 3600 * 1000)

static int64_t today;

static void load(gz_db *db, const sharing_query *q, bool raw, sharing_grids *s)
{
	gz_err err;
	gz_err_clear(&err);
	if (sharing_grids_load(db, q, raw, today, s, &err) < 0) {
		fprintf(stderr, "bench_dashboard: %s\n", err.message);
		exit(2);
	}
}

/* Nanoseconds per answer over at least MIN_MS, inside one read snapshot. */
static double time_per_call(gz_db *db, const sharing_query *q, bool raw)
{
	gz_err err;
	gz_err_clear(&err);
	if (gz_db_begin_read(db, &err) < 0) {
		fprintf(stderr, "bench_dashboard: %s\n", err.message);
		exit(2);
	}
	int64_t t0 = gz_time_mono_ns(), n = 0;
	do {
		sharing_grids s;
		load(db, q, raw, &s);
		sharing_grids_free(&s);
		n++;
	} while (gz_time_mono_ns() - t0 < MIN_MS * 1000000LL);
	double ns = (double)(gz_time_mono_ns() - t0) / (double)n;
	gz_db_end_read(db);
	return ns;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Compares the two answers; prints the totals. Returns the number of differences. */
static int compare(const sharing_grids *c, const sharing_grids *r)
{
	int diff = 0;
	int64_t t[7] = {0};
	if (c->n != r->n) {
		printf("  grids: %zu from the counters, %zu from the raw tables\n", c->n, r->n);
		return 1;
	}
	for (size_t i = 0; i < c->n; i++) {
		const sharing_grid *a = &c->g[i], *b = &r->g[i];
		if (strcmp(a->code, b->code) || a->residents != b->residents ||
		    a->visits != b->visits || a->visited != b->visited ||
		    a->received != b->received || a->closed != b->closed ||
		    a->minutes != b->minutes) {
			if (diff++ < 5)
				printf("  grid %s: counters %lld %lld %lld %lld %lld %lld, raw "
				       "%lld %lld "
				       "%lld %lld %lld %lld\n",
				       a->code, (long long)a->residents, (long long)a->visits,
				       (long long)a->visited, (long long)a->received,
				       (long long)a->closed, (long long)a->minutes,
				       (long long)b->residents, (long long)b->visits,
				       (long long)b->visited, (long long)b->received,
				       (long long)b->closed, (long long)b->minutes);
		}
		t[0] += a->residents, t[1] += a->visits, t[2] += a->visited, t[3] += a->received;
		t[4] += a->closed, t[5] += a->minutes;
	}
	if (c->minutes_community != r->minutes_community) {
		printf("  minutes at communities: counters %lld, raw %lld\n",
		       (long long)c->minutes_community, (long long)r->minutes_community);
		diff++;
	}
	printf("  %zu grids: residents %lld, visits %lld, residents visited %lld, cases received "
	       "%lld, closed %lld, service minutes %lld (+%lld at communities)\n",
	       c->n, (long long)t[0], (long long)t[1], (long long)t[2], (long long)t[3],
	       (long long)t[4], (long long)t[5], (long long)c->minutes_community);
	return diff;
}

/* The dashboard's 7 requests to /stats/cases: the default period and 6 months. */
#define RATE_SETS 7
typedef struct {
	int64_t from, to, as_of;
	char label[16];
} rate_period;
static rate_period rate_periods[RATE_SETS];
static char street_hi[64];

static void rate_setup(const char *street, int64_t now)
{
	policy_scope_upper(street, street_hi, sizeof street_hi);
	rate_period *p = &rate_periods[0];
	p->to = now, p->from = now - 30 * DAY_MS, p->as_of = now;
	snprintf(p->label, sizeof p->label, "30 days");
	int y, m, d;
	gz_time_civil_from_days((now + BEIJING_MS) / DAY_MS, &y, &m, &d);
	for (int k = 5; k >= 0; k--) {
		int yy = y, mm = m - k;
		while (mm < 1)
			mm += 12, yy--;
		int ny = mm == 12 ? yy + 1 : yy, nm = mm == 12 ? 1 : mm + 1;
		p = &rate_periods[6 - k];
		p->from = gz_time_days_from_civil(yy, (unsigned)mm, 1) * DAY_MS - BEIJING_MS;
		p->to = gz_time_days_from_civil(ny, (unsigned)nm, 1) * DAY_MS - BEIJING_MS - 1000;
		p->as_of = p->to < now ? p->to : now;
		snprintf(p->label, sizeof p->label, "%04d-%02d", yy, mm);
	}
}

static void rate_load(gz_db *db, const char *street, int64_t now, int how,
                      int64_t k[RATE_SETS][CASE_COUNT__N])
{
	gz_err err;
	gz_err_clear(&err);
	for (int i = 0; i < RATE_SETS; i++) {
		const rate_period *p = &rate_periods[i];
		if (gz_case_counts(db, street, street_hi, p->from, p->to, p->as_of, now, how, k[i],
		                   &err) < 0) {
			fprintf(stderr, "bench_dashboard: %s\n", err.message);
			exit(2);
		}
	}
}

static double rate_time(gz_db *db, const char *street, int64_t now, int how)
{
	gz_err err;
	gz_err_clear(&err);
	if (gz_db_begin_read(db, &err) < 0) {
		fprintf(stderr, "bench_dashboard: %s\n", err.message);
		exit(2);
	}
	int64_t t0 = gz_time_mono_ns(), n = 0, k[RATE_SETS][CASE_COUNT__N];
	do {
		rate_load(db, street, now, how, k);
		n++;
	} while (gz_time_mono_ns() - t0 < MIN_MS * 1000000LL);
	double ns = (double)(gz_time_mono_ns() - t0) / (double)n;
	gz_db_end_read(db);
	return ns;
}

/* The rates and the trend both ways: identical counts, >= 20x. Returns 0 or 1. */
static int rate_bench(gz_db *db, const char *street)
{
	int64_t now = gz_time_now_ms();
	rate_setup(street, now);
	int64_t c[RATE_SETS][CASE_COUNT__N], r[RATE_SETS][CASE_COUNT__N];
	gz_err err;
	gz_err_clear(&err);
	gz_db_begin_read(db, &err);
	rate_load(db, street, now, CASE_COUNTS_FAST, c);
	rate_load(db, street, now, CASE_COUNTS_RAW, r);
	gz_db_end_read(db);
	printf("street %s, the case rates (/stats/cases: the 30 days up to now) and their trend "
	       "(6 calendar months):\n",
	       street);
	int diff = 0;
	for (int i = 0; i < RATE_SETS; i++) {
		printf("  %-8s", rate_periods[i].label);
		for (int j = 0; j < CASE_COUNT__N; j++) {
			printf(" %lld", (long long)c[i][j]);
			if (c[i][j] != r[i][j])
				diff++, printf("(raw %lld)", (long long)r[i][j]);
		}
		printf("\n");
	}
	printf("  (counts: ");
	for (int j = 0; j < CASE_COUNT__N; j++)
		printf("%s%s", j ? ", " : "", case_count_names[j]);
	printf(")\n");
	if (diff) {
		printf("  %d DIFFERENCES between the counters and the raw tables\n", diff);
		return 1;
	}
	double tc[ROUNDS], tr[ROUNDS];
	rate_time(db, street, now, CASE_COUNTS_FAST);
	rate_time(db, street, now, CASE_COUNTS_RAW);
	for (int k = 0; k < ROUNDS; k++) {
		tc[k] = rate_time(db, street, now, CASE_COUNTS_FAST);
		tr[k] = rate_time(db, street, now, CASE_COUNTS_RAW);
	}
	qsort(tc, ROUNDS, sizeof tc[0], cmp_d);
	qsort(tr, ROUNDS, sizeof tr[0], cmp_d);
	double ratio = tr[ROUNDS / 2] / tc[ROUNDS / 2];
	printf("  identical; the 7 answers from the counters %.3f ms, aggregate SQL over the raw "
	       "tables %.3f ms: %.1fx %s\n",
	       tc[ROUNDS / 2] / 1e6, tr[ROUNDS / 2] / 1e6, ratio,
	       ratio >= TARGET ? "(target 20x: ok)" : "(BELOW the 20x target)");
	return ratio < TARGET;
}

/* ---- the whole dashboard: every figure its requests compute ----
 * DashboardView.vue asks GET /sharing/equity (the default 90 days), GET /sharing/cycles
 * (the same period) and GET /stats/cases 7 times (rate_periods). Parts, each timed inside
 * one read snapshot: the per-grid figures (counters | raw), satisfaction and the medians
 * per grid and the vulnerable groups' coverage (the memo of per-grid results at the
 * grids' versions, as the route | the same figures from all the period's rows), the
 * cycles (per request in both paths: aggregate SQL over the raw tables already), the
 * rates and trend (counters | raw). The memo is warm after the first answer (the state
 * of a dashboard asked again: it refreshes); memo_bench times it when k grids changed
 * since the last answer, and cold. */
enum { P_GRIDS, P_TIMES, P_GROUPS, P_CYCLES, P_RATES, P__N };
static const char *const part_names[P__N] = {
    "per-grid figures (counters)", "satisfaction, median times per grid (memo)",
    "vulnerable groups' coverage (memo)", "small and big cycles (per request)",
    "case rates and trend (counters)"};

/* The street's grids (loaded once: the route loads them once for all its parts, timed in
 * P_GRIDS). */
static sharing_grids dash_grids;

static const char *dash_street;
static int64_t dash_now;

static void die_err(const gz_err *err)
{
	fprintf(stderr, "bench_dashboard: %s\n", err->message);
	exit(2);
}

/* Runs part p once (raw: the reference path) and returns what it computed as JSON. */
static json_t *part_run(gz_db *db, const sharing_query *q, int p, bool raw)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *out = NULL;
	switch (p) {
	case P_GRIDS: {
		sharing_grids s;
		if (sharing_grids_load(db, q, raw, today, &s, &err) < 0)
			die_err(&err);
		out = json_array();
		for (size_t i = 0; i < s.n; i++) {
			const sharing_grid *g = &s.g[i];
			json_array_append_new(out, json_pack("[sIIIIII]", g->code, g->residents,
			                                     g->visits, g->visited, g->received,
			                                     g->closed, g->minutes));
		}
		json_array_append_new(out, json_integer(s.minutes_community));
		sharing_grids_free(&s);
		break;
	}
	case P_TIMES: {
		sharing_grids s = dash_grids;
		s.g = gz_malloc((s.n ? s.n : 1) * sizeof *s.g);
		memcpy(s.g, dash_grids.g, s.n * sizeof *s.g);
		sharing_grid all = {.resp_med = -1, .hand_med = -1};
		if ((raw ? sharing_case_times_load : sharing_case_times_memo)(db, q, &s, &all,
		                                                              &err) < 0)
			die_err(&err);
		out = json_array();
		json_array_append_new(out,
		                      json_pack("[IIIIII]", all.rated, all.satisfied, all.resp_med,
		                                all.resp_n, all.hand_med, all.hand_n));
		for (size_t i = 0; i < s.n; i++) {
			const sharing_grid *g = &s.g[i];
			json_array_append_new(out, json_pack("[sIIIIII]", g->code, g->rated,
			                                     g->satisfied, g->resp_med, g->resp_n,
			                                     g->hand_med, g->hand_n));
		}
		free(s.g);
		break;
	}
	case P_GROUPS:
		if ((raw ? sharing_groups_json : sharing_groups_memo)(db, q, true, &out, &err) < 0)
			die_err(&err);
		break;
	case P_CYCLES:
		if (sharing_cycles_build(db, q, &out, &err) < 0)
			die_err(&err);
		break;
	case P_RATES: {
		int64_t k[RATE_SETS][CASE_COUNT__N];
		rate_load(db, dash_street, dash_now, raw ? CASE_COUNTS_RAW : CASE_COUNTS_FAST, k);
		out = json_array();
		for (int i = 0; i < RATE_SETS; i++)
			for (int j = 0; j < CASE_COUNT__N; j++)
				json_array_append_new(out, json_integer(k[i][j]));
		break;
	}
	}
	return out;
}

static double part_time(gz_db *db, const sharing_query *q, int p, bool raw)
{
	gz_err err;
	gz_err_clear(&err);
	if (gz_db_begin_read(db, &err) < 0)
		die_err(&err);
	int64_t t0 = gz_time_mono_ns(), n = 0;
	do {
		json_decref(part_run(db, q, p, raw));
		n++;
	} while (gz_time_mono_ns() - t0 < MIN_MS * 1000000LL);
	double ns = (double)(gz_time_mono_ns() - t0) / (double)n;
	gz_db_end_read(db);
	return ns;
}

/* The memo's parts (P_TIMES, P_GROUPS) when k grids changed since the last answer: before
 * each, a write bumps the versions of k of the street's grids (what a trigger does for a
 * write there), in turn; k = 0: the memo emptied before each (cold). ns per answer (the
 * answer alone is timed), over at least MIN_MS. */
static double memo_time(gz_db *db, const sharing_query *q, int p, int k)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t spent = 0, t0 = gz_time_mono_ns(), n = 0;
	size_t at = 0;
	do {
		if (k == 0) {
			sharing_memo_clear();
		} else {
			char sql[4096];
			int len =
			    snprintf(sql, sizeof sql,
			             "UPDATE share_versions SET v = v + 1 WHERE grid_code IN (");
			for (int j = 0; j < k; j++, at++)
				len +=
				    snprintf(sql + len, sizeof sql - (size_t)len, "%s'%s'",
				             j ? ", " : "", dash_grids.g[at % dash_grids.n].code);
			snprintf(sql + len, sizeof sql - (size_t)len, ")");
			if (gz_db_begin(db, &err) < 0 || gz_db_exec(db, sql, &err) < 0 ||
			    gz_db_commit(db, &err) < 0)
				die_err(&err);
		}
		if (gz_db_begin_read(db, &err) < 0)
			die_err(&err);
		int64_t a = gz_time_mono_ns();
		json_decref(part_run(db, q, p, false));
		spent += gz_time_mono_ns() - a;
		gz_db_end_read(db);
		n++;
	} while (gz_time_mono_ns() - t0 < MIN_MS * 1000000LL);
	return (double)spent / (double)n;
}

static void memo_bench(gz_db *db, const sharing_query *q)
{
	static const int ks[] = {1, 5, 0};
	printf("  the memo's parts when grids changed since the last answer (a write bumped their "
	       "versions), medians of %d rounds:\n",
	       ROUNDS);
	for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
		double t[2][ROUNDS];
		for (int r = 0; r < ROUNDS; r++)
			for (int j = 0; j < 2; j++)
				t[j][r] = memo_time(db, q, j ? P_GROUPS : P_TIMES, ks[i]);
		qsort(t[0], ROUNDS, sizeof t[0][0], cmp_d);
		qsort(t[1], ROUNDS, sizeof t[1][0], cmp_d);
		char what[64];
		if (ks[i])
			snprintf(what, sizeof what, "%d of %zu grids changed", ks[i], dash_grids.n);
		else
			snprintf(what, sizeof what, "cold (memo empty)");
		printf("    %-26s medians and satisfaction %7.3f ms, groups %7.3f ms\n", what,
		       t[0][ROUNDS / 2] / 1e6, t[1][ROUNDS / 2] / 1e6);
	}
}

/* Every part both ways: identical answers (the memo's parts cold and warm), then the
 * timings; the total >= 20x. */
static int dashboard_bench(gz_db *db, const sharing_query *q)
{
	dash_street = q->node;
	dash_now = gz_time_now_ms();
	rate_setup(q->node, dash_now);
	printf("the whole street dashboard (equity and cycles over the 90 days, the rates' 7 "
	       "periods):\n");
	gz_err err;
	gz_err_clear(&err);
	int diff = 0;
	if (gz_db_begin_read(db, &err) < 0)
		die_err(&err);
	if (sharing_grids_load(db, q, false, today, &dash_grids, &err) < 0)
		die_err(&err);
	sharing_memo_clear();
	for (int p = 0; p < P__N; p++) {
		json_t *b = part_run(db, q, p, true);
		for (int warm = 0; warm < 2; warm++) {
			json_t *a = part_run(db, q, p, false);
			if (!json_equal(a, b)) {
				printf("  %s: the two paths DIFFER%s\n", part_names[p],
				       warm ? " (memo warm)" : "");
				diff++;
			}
			json_decref(a);
		}
		json_decref(b);
	}
	gz_db_end_read(db);
	if (diff)
		return 1;
	double sf = 0, sr = 0;
	for (int p = 0; p < P__N; p++) {
		double tf[ROUNDS], tr[ROUNDS];
		part_time(db, q, p, false), part_time(db, q, p, true);
		for (int k = 0; k < ROUNDS; k++) {
			tf[k] = part_time(db, q, p, false);
			tr[k] = part_time(db, q, p, true);
		}
		qsort(tf, ROUNDS, sizeof tf[0], cmp_d);
		qsort(tr, ROUNDS, sizeof tr[0], cmp_d);
		double f = tf[ROUNDS / 2] / 1e6, r = tr[ROUNDS / 2] / 1e6;
		sf += f, sr += r;
		printf("  %-52s %9.3f ms, raw tables %9.3f ms\n", part_names[p], f, r);
	}
	double ratio = sr / sf;
	printf("  identical; the whole dashboard %.3f ms, by aggregate SQL over the raw tables "
	       "%.3f ms: %.1fx %s\n",
	       sf, sr, ratio, ratio >= TARGET ? "(target 20x: ok)" : "(BELOW the 20x target)");
	memo_bench(db, q);
	/* Still identical after the versions moved. */
	if (gz_db_begin_read(db, &err) < 0)
		die_err(&err);
	for (int p = P_TIMES; p <= P_GROUPS; p++) {
		json_t *a = part_run(db, q, p, false), *b = part_run(db, q, p, true);
		if (!json_equal(a, b))
			printf("  %s: the two paths DIFFER after the versions moved\n",
			       part_names[p]),
			    diff++;
		json_decref(a), json_decref(b);
	}
	gz_db_end_read(db);
	sharing_grids_free(&dash_grids);
	return ratio < TARGET || diff;
}

/* The street's query over the days days up to today, as the route builds it. */
static void street_query(sharing_query *q, const char *street, int days)
{
	memset(q, 0, sizeof *q);
	q->node = street;
	q->level = SPACE_STREET;
	snprintf(q->lo, sizeof q->lo, "%s", q->node);
	policy_scope_upper(q->node, q->hi, sizeof q->hi);
	q->to_day = today;
	q->from_day = today - (days - 1);
	q->from_ms = q->from_day * DAY_MS - BEIJING_MS;
	q->to_ms = (q->to_day + 1) * DAY_MS - BEIJING_MS;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: bench_dashboard DB_URL STREET DAYS...\n");
		return 2;
	}
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_db_open(argv[1], &err);
	if (!db) {
		fprintf(stderr, "bench_dashboard: %s\n", err.message);
		return 2;
	}
	today = visit_day_of_ms(gz_time_now_ms());
	int ret = 0;
	for (int i = 3; i < argc; i++) {
		int days = atoi(argv[i]);
		if (days < 1 || days > 1826) {
			fprintf(stderr, "bench_dashboard: bad DAYS %s\n", argv[i]);
			return 2;
		}
		sharing_query q;
		street_query(&q, argv[2], days);
		char f[16], t[16];
		printf("street %s, %d days [%s, %s]:\n", q.node, days,
		       visit_day_format(q.from_day, f, sizeof f),
		       visit_day_format(q.to_day, t, sizeof t));
		sharing_grids c, r;
		gz_db_begin_read(db, &err);
		load(db, &q, false, &c);
		load(db, &q, true, &r);
		gz_db_end_read(db);
		int d = compare(&c, &r);
		sharing_grids_free(&c), sharing_grids_free(&r);
		if (d) {
			printf("  %d DIFFERENCES between the counters and the raw tables\n", d);
			ret = 1;
			continue;
		}
		double tc[ROUNDS], tr[ROUNDS];
		time_per_call(db, &q, false); /* warm both */
		time_per_call(db, &q, true);
		for (int k = 0; k < ROUNDS; k++) {
			tc[k] = time_per_call(db, &q, false);
			tr[k] = time_per_call(db, &q, true);
		}
		qsort(tc, ROUNDS, sizeof tc[0], cmp_d);
		qsort(tr, ROUNDS, sizeof tr[0], cmp_d);
		double ratio = tr[ROUNDS / 2] / tc[ROUNDS / 2];
		printf("  identical; counters %.3f ms, aggregate SQL over the raw tables %.3f ms: "
		       "%.1fx %s\n",
		       tc[ROUNDS / 2] / 1e6, tr[ROUNDS / 2] / 1e6, ratio,
		       ratio >= TARGET ? "(target 20x: ok)" : "(BELOW the 20x target)");
		if (ratio < TARGET)
			ret = 1;
	}
	if (rate_bench(db, argv[2]))
		ret = 1;
	sharing_query q;
	street_query(&q, argv[2], SHARING_DEFAULT_DAYS);
	if (dashboard_bench(db, &q))
		ret = 1;
	gz_db_close(db);
	return ret;
}
