/* The counts behind the case rates (docs/METRICS.md "Case rates", "Cost"): by one
 * aggregate query over the period's cases (the reference), or from the counters
 * case_rate_counts kept by the triggers of migrations/0009_rate_counts.sql plus a small
 * live query — identical for any evaluation time T (cases.h gz_case_counts).
 *
 * A case's facts (live_facts below, the same expressions as the migration's): those that
 * do not depend on T, and those that become true at an instant (due: min(closed_at,
 * due_at); closed, closed on time: closed_at; reworked, extended: as due; due a
 * response: min(responded_at, response_due_at + 1); responded on time: responded_at).
 * The counters hold per grid and report day (span 1), block of 16 days (span 16) and
 * calendar month (span 0) the facts with T = infinity (NAME) and with T = the end of the
 * report month (NAME_in). Then for a grid:
 *   - days: the rows of the whole report days [from, to] touches, with T = infinity;
 *   - month (from the first instant of a Beijing month, to inside it): the month's row
 *     with T = its end;
 * and the live part corrects them with every case those rows count differently from the
 * definition: reported in the rows' days but outside [from, to] (or, when from is late
 * in its day and the rows start the day after, inside [from, to] but not in the rows),
 * or with an instant in (T, U] (U = infinity, or the month's end) — found through the
 * (grid_code, reported_at) index and the partial indexes on each instant; for each, what
 * the rows counted is taken away and what the definition counts at T added. A period
 * neither a month nor evaluated within FAST_MS of now is counted by the aggregate (the
 * instants after a T long past are most of the cases since). Evaluated at now, U = infinity asks
 * for the cases with a deadline still ahead; a past month asks for the instants in the
 * last second of the month: a few cases either way. */
#include "modules/cases/cases.h"
#include "modules/cases/cases_internal.h"
#include "core/mem.h"
#include "core/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS  (24LL * 3600 * 1000)
#define BJ_MS   (8LL * 3600 * 1000)
#define SPAN    16
#define FAR     INT64_MAX
#define FAST_MS (7 * DAY_MS) /* days path: evaluated at most this long before now */

/* The order of k[] (stats.c's K_ names follow it). */
const char *const case_count_names[CASE_COUNT__N] = {
    "received",
    "registered",
    "rejected",
    "withdrawn",
    "merged",
    "dispatched",
    "due",
    "closed",
    "closed_on_time",
    "reworked",
    "extended",
    "due_response",
    "responded_on_time",
    "rated",
    "resolved",
    "satisfied",
    "basically_satisfied",
    "unsatisfied",
    "self_handled",
    "escalated",
};
/* The facts that become true at an instant (columns NAME and NAME_in). */
static const bool at_instant[CASE_COUNT__N] = {
    [6] = true, [7] = true, [8] = true, [9] = true, [10] = true, [11] = true, [12] = true,
};

/* R: a case that counts (not self-handled, not withdrawn, not a merged duplicate) and was
 * registered (立案). $4 is the evaluation time (as_of). */
#define COUNTS " self_handled = 0 AND state NOT IN ('withdrawn', 'merged') "
#define REG    COUNTS "AND accepted_at IS NOT NULL "
#define CLOSED REG "AND closed_at IS NOT NULL AND closed_at <= $4 "
#define DUE                                                                                        \
	REG "AND ((closed_at IS NOT NULL AND closed_at <= $4) OR (due_at IS NOT NULL AND due_at "  \
	    "<= $4)) "
#define RESPONDED REG "AND responded_at IS NOT NULL AND responded_at <= $4 "
#define RATED     REG "AND satisfaction IS NOT NULL "
#define N(cond)   "SUM(CASE WHEN " cond " THEN 1 ELSE 0 END)"

/* The columns in the order of case_count_names. */
// clang-format off
static const char sql_raw[] =
    "SELECT "
    N(COUNTS) ", "                                                      /* received */
    N(REG) ", "                                                         /* registered */
    N(COUNTS "AND state = 'rejected'") ", "
    N("state = 'withdrawn'") ", "
    N("state = 'merged'") ", "
    N(REG "AND (dispatched_at IS NOT NULL OR escalated = 1)") ", "      /* dispatched */
    N(DUE) ", "
    N(CLOSED) ", "
    N(CLOSED "AND handled_at IS NOT NULL AND due_at IS NOT NULL AND handled_at <= due_at") ", "
    N(DUE "AND rework_count > 0") ", "
    N(DUE "AND extension_count > 0") ", "
    N(REG "AND ((responded_at IS NOT NULL AND responded_at <= $4) OR "
          "(response_due_at IS NOT NULL AND response_due_at < $4))") ", " /* due_response */
    N(RESPONDED "AND response_due_at IS NOT NULL AND responded_at <= response_due_at") ", "
    N(RATED) ", "
    N(RATED "AND resolved = 1") ", "
    N(RATED "AND satisfaction = 'satisfied'") ", "
    N(RATED "AND satisfaction = 'basically_satisfied'") ", "
    N(RATED "AND satisfaction = 'unsatisfied'") ", "
    N("self_handled = 1") ", "
    N(REG "AND escalated = 1")
    " FROM grids g CROSS JOIN cases c WHERE g.code >= $1 AND g.code < $5 AND c.grid_code = "
    "g.code AND c.reported_at >= $2 AND c.reported_at <= $3";

/* The cases the counter rows of the node's grids count differently from the definition:
 * one branch per index, built by live_sql (a case may come twice: count_fast skips
 * repeats). */
#define LIVE_COLS                                                                              \
	"SELECT c.id, c.self_handled, c.state, c.accepted_at, c.dispatched_at, c.escalated, "     \
	"c.satisfaction, c.resolved, c.closed_at, c.due_at, c.handled_at, c.rework_count, "        \
	"c.extension_count, c.responded_at, c.response_due_at, c.reported_at FROM grids g CROSS "  \
	"JOIN cases c WHERE g.code >= $1 AND g.code < $2 AND c.grid_code = g.code AND "
// clang-format on

typedef struct {
	bool has;
	int64_t v;
} opt64;

typedef struct {
	int64_t self_handled, escalated, rework, extension;
	char state[24], satisfaction[24];
	bool rated;
	opt64 accepted, dispatched, resolved, closed, due, handled, responded, response_due;
	int64_t reported;
} live_case;

static opt64 col_opt(gz_stmt *st, int i)
{
	opt64 o = {!gz_stmt_isnull(st, i), 0};
	if (o.has)
		o.v = gz_stmt_int64(st, i);
	return o;
}

static opt64 min_opt(opt64 a, opt64 b)
{
	if (!a.has)
		return b;
	if (!b.has)
		return a;
	return a.v < b.v ? a : b;
}

/* The Beijing calendar month of ms, as year * 12 + month - 1. */
static int64_t month_of(int64_t ms)
{
	int64_t d = ms + BJ_MS;
	d = d >= 0 ? d / DAY_MS : -((-d + DAY_MS - 1) / DAY_MS);
	int y, m, dd;
	gz_time_civil_from_days(d, &y, &m, &dd);
	return (int64_t)y * 12 + m - 1;
}

static int64_t month_start(int64_t month)
{
	int64_t y = month >= 0 ? month / 12 : -((-month + 11) / 12);
	return gz_time_days_from_civil(y, (unsigned)(month - y * 12 + 1), 1) * DAY_MS - BJ_MS;
}

static int64_t day_of(int64_t ms)
{
	int64_t d = ms + BJ_MS;
	return d >= 0 ? d / DAY_MS : -((-d + DAY_MS - 1) / DAY_MS);
}

/* Adds sign × the case's facts to k: an instant counts when it is ≤ t, or (in_month)
 * when it falls in the case's report month or before — the migration's NAME / NAME_in. */
static void live_facts(const live_case *c, int64_t t, bool in_month, int sign, int64_t *k)
{
	bool cnt =
	    c->self_handled == 0 && strcmp(c->state, "withdrawn") && strcmp(c->state, "merged");
	bool reg = cnt && c->accepted.has;
	int64_t rm = in_month ? month_of(c->reported) : 0;
#define AT(o) ((o).has && (in_month ? month_of((o).v) <= rm : (o).v <= t))
	opt64 dinst = min_opt(c->closed, c->due);
	opt64 rdue1 = {c->response_due.has, c->response_due.v + 1};
	opt64 rinst = min_opt(c->responded, rdue1);
	bool f[CASE_COUNT__N] = {
	    cnt,
	    reg,
	    cnt && !strcmp(c->state, "rejected"),
	    !strcmp(c->state, "withdrawn"),
	    !strcmp(c->state, "merged"),
	    reg && (c->dispatched.has || c->escalated == 1),
	    reg && AT(dinst),
	    reg && AT(c->closed),
	    reg && c->handled.has && c->due.has && c->handled.v <= c->due.v && AT(c->closed),
	    reg && c->rework > 0 && AT(dinst),
	    reg && c->extension > 0 && AT(dinst),
	    reg && AT(rinst),
	    reg && c->response_due.has && c->responded.has && c->responded.v <= c->response_due.v &&
	        AT(c->responded),
	    reg && c->rated,
	    reg && c->rated && c->resolved.has && c->resolved.v == 1,
	    reg && !strcmp(c->satisfaction, "satisfied"),
	    reg && !strcmp(c->satisfaction, "basically_satisfied"),
	    reg && !strcmp(c->satisfaction, "unsatisfied"),
	    c->self_handled == 1,
	    reg && c->escalated == 1,
	};
#undef AT
	for (int i = 0; i < CASE_COUNT__N; i++)
		k[i] += f[i] ? sign : 0;
}

static int count_raw(gz_db *db, const char *lo, const char *hi, int64_t from, int64_t to,
                     int64_t as_of, int64_t *k, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, sql_raw, err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, lo);
	gz_stmt_bind_int64(st, 2, from);
	gz_stmt_bind_int64(st, 3, to);
	gz_stmt_bind_int64(st, 4, as_of);
	gz_stmt_bind_str(st, 5, hi);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW)
		for (int i = 0; i < CASE_COUNT__N; i++)
			k[i] = gz_stmt_isnull(st, i) ? 0 : gz_stmt_int64(st, i);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* "SUM(c.a), SUM(c.b_in), …" over the columns of case_count_names. */
static void sum_list(char *buf, size_t size, bool in_month)
{
	size_t n = 0;
	for (int i = 0; i < CASE_COUNT__N; i++)
		n +=
		    (size_t)snprintf(buf + n, size - n, "%sCOALESCE(SUM(c.%s%s), 0)", i ? ", " : "",
		                     case_count_names[i], in_month && at_instant[i] ? "_in" : "");
}

/* The live query: $1, $2 the node's grid codes, $3, $4 the rows' report instants
 * [rlo, rhi), $5, $6 (T, U], then the report edges outside [from, to] when not empty. */
static void live_sql(char *buf, size_t size, bool edge_lo, bool edge_hi)
{
	static const char *const at[] = {
	    "c.closed_at > $5 AND c.closed_at <= $6",
	    "c.due_at > $5 AND c.due_at <= $6 AND (c.closed_at IS NULL OR c.closed_at > $5)",
	    "c.responded_at > $5 AND c.responded_at <= $6",
	    ("c.response_due_at >= $5 AND c.response_due_at <= $6 AND (c.responded_at IS "
	     "NULL OR c.responded_at > $5)")};
	size_t n = 0;
	int next = 7;
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++)
		n += (size_t)snprintf(buf + n, size - n,
		                      "%s" LIVE_COLS
		                      "%s AND c.reported_at >= $3 AND c.reported_at < $4",
		                      i ? " UNION ALL " : "", at[i]);
	if (edge_lo) { /* between rlo and from */
		n += (size_t)snprintf(buf + n, size - n,
		                      " UNION ALL " LIVE_COLS
		                      "c.reported_at >= $%d AND c.reported_at < $%d",
		                      next, next + 1);
		next += 2;
	}
	if (edge_hi) /* (to, rhi) */
		snprintf(buf + n, size - n,
		         " UNION ALL " LIVE_COLS "c.reported_at > $%d AND c.reported_at < $4",
		         next);
}

static int count_fast(gz_db *db, const char *lo, const char *hi, int64_t from, int64_t to,
                      int64_t as_of, bool by_month, int64_t *k, gz_err *err)
{
	/* The counter rows of the node's grids (one primary-key probe per grid and range),
	 * and the report instants [rlo, rhi) they cover. */
	char sums[1200], sql[3000];
	sum_list(sums, sizeof sums, by_month);
	int64_t rlo, rhi, u, p[6] = {0};
	int np;
#define JOIN                                                                                       \
	" FROM grids g CROSS JOIN case_rate_counts c WHERE g.code >= $1 AND g.code < $2 AND "      \
	"c.code = "                                                                                \
	"g.code AND "
#define NODE ""
	if (by_month) {
		int64_t m = month_of(from);
		rlo = month_start(m), rhi = month_start(m + 1), u = rhi - 1;
		snprintf(sql, sizeof sql, "SELECT %s" JOIN "c.span = 0 AND c.day = $3" NODE, sums);
		p[0] = m, np = 1;
	} else {
		int64_t fd = day_of(from), td = day_of(to);
		rlo = fd * DAY_MS - BJ_MS, rhi = (td + 1) * DAY_MS - BJ_MS, u = FAR;
		/* When from is late in its day, the rows start the day after and the live part
		 * adds the period's cases of that day (fewer than it would take away). */
		if (fd < td && 2 * (from - rlo) > DAY_MS)
			fd++, rlo += DAY_MS;
		/* [fd, a) and [b, td] single days, [a, b) whole blocks (as sharing's figures.c) */
		int64_t a = (fd + SPAN - 1) / SPAN * SPAN, b = (td + 1) / SPAN * SPAN;
		int64_t d1_hi = a - 1, d2_lo = b, blk_lo = a, blk_hi = b - SPAN;
		if (a >= b)
			d1_hi = td, d2_lo = td + 1, blk_lo = 1, blk_hi = 0;
		snprintf(sql, sizeof sql,
		         "SELECT %s FROM (SELECT c.*" JOIN
		         "c.span = 1 AND c.day >= $3 AND c.day <= "
		         "$4" NODE " UNION ALL SELECT c.*" JOIN "c.span = 1 AND c.day >= $5 AND "
		         "c.day <= $6" NODE " UNION ALL SELECT c.*" JOIN "c.span = 16 AND c.day >= "
		         "$7 AND c.day <= $8" NODE ") c",
		         sums);
		p[0] = fd, p[1] = d1_hi, p[2] = d2_lo, p[3] = td, p[4] = blk_lo, p[5] = blk_hi;
		np = 6;
	}
#undef JOIN
#undef NODE
	gz_stmt *st = gz_db_prepare(db, sql, err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, lo);
	gz_stmt_bind_str(st, 2, hi);
	for (int i = 0; i < np; i++)
		gz_stmt_bind_int64(st, 3 + i, p[i]);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW)
		for (int i = 0; i < CASE_COUNT__N; i++)
			k[i] = gz_stmt_int64(st, i);
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	bool edge_lo = rlo != from, edge_hi = to + 1 < rhi;
	char lsql[6000];
	live_sql(lsql, sizeof lsql, edge_lo, edge_hi);
	if (!(st = gz_db_prepare(db, lsql, err)))
		return -1;
	gz_stmt_bind_str(st, 1, lo);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_int64(st, 3, rlo);
	gz_stmt_bind_int64(st, 4, rhi);
	gz_stmt_bind_int64(st, 5, as_of);
	gz_stmt_bind_int64(st, 6, u);
	int pn = 7;
	if (edge_lo) {
		gz_stmt_bind_int64(st, pn++, rlo < from ? rlo : from);
		gz_stmt_bind_int64(st, pn++, rlo < from ? from : rlo);
	}
	if (edge_hi)
		gz_stmt_bind_int64(st, pn, to);
	int64_t *seen = NULL;
	size_t n = 0, cap = 0;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		int64_t id = gz_stmt_int64(st, 0);
		bool dup = false; /* a case met twice: a sorted list of the ids */
		size_t lo_i = 0, hi_i = n;
		while (lo_i < hi_i) {
			size_t mid = (lo_i + hi_i) / 2;
			if (seen[mid] == id) {
				dup = true;
				break;
			}
			if (seen[mid] < id)
				lo_i = mid + 1;
			else
				hi_i = mid;
		}
		if (dup)
			continue;
		if (n == cap)
			cap = cap ? 2 * cap : 64, seen = gz_realloc(seen, cap * sizeof *seen);
		memmove(seen + lo_i + 1, seen + lo_i, (n - lo_i) * sizeof *seen);
		seen[lo_i] = id, n++;
		live_case c;
		memset(&c, 0, sizeof c);
		c.self_handled = gz_stmt_int64(st, 1);
		snprintf(c.state, sizeof c.state, "%s", gz_stmt_text(st, 2));
		c.accepted = col_opt(st, 3);
		c.dispatched = col_opt(st, 4);
		c.escalated = gz_stmt_int64(st, 5);
		c.rated = !gz_stmt_isnull(st, 6);
		if (c.rated)
			snprintf(c.satisfaction, sizeof c.satisfaction, "%s", gz_stmt_text(st, 6));
		c.resolved = col_opt(st, 7);
		c.closed = col_opt(st, 8);
		c.due = col_opt(st, 9);
		c.handled = col_opt(st, 10);
		c.rework = gz_stmt_int64(st, 11);
		c.extension = gz_stmt_int64(st, 12);
		c.responded = col_opt(st, 13);
		c.response_due = col_opt(st, 14);
		c.reported = gz_stmt_int64(st, 15);
		if (c.reported >= rlo && c.reported < rhi)
			live_facts(&c, FAR, by_month, -1, k); /* what the rows counted */
		if (c.reported >= from && c.reported <= to)
			live_facts(&c, as_of, false, 1, k); /* what the definition counts */
	}
	gz_stmt_finish(st);
	free(seen);
	return rc < 0 ? -1 : 0;
}

int gz_case_counts(gz_db *db, const char *lo, const char *hi, int64_t from, int64_t to,
                   int64_t as_of, int64_t now, int how, int64_t k[CASE_COUNT__N], gz_err *err)
{
	int64_t m = month_of(from);
	bool month = from == month_start(m) && to < month_start(m + 1);
	if (how == CASE_COUNTS_FAST)
		how = month                    ? CASE_COUNTS_MONTH
		      : now - as_of <= FAST_MS ? CASE_COUNTS_DAYS
		                               : CASE_COUNTS_RAW;
	if (how == CASE_COUNTS_MONTH && !month)
		how = CASE_COUNTS_DAYS;
	if (how == CASE_COUNTS_RAW)
		return count_raw(db, lo, hi, from, to, as_of, k, err);
	return count_fast(db, lo, hi, from, to, as_of, how == CASE_COUNTS_MONTH, k, err);
}
