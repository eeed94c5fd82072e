/* The equity figures of a place (GET /api/v1/sharing/equity) and the residents of the
 * vulnerable groups nobody reached in the period (GET /api/v1/sharing/unreached).
 * docs/METRICS.md "Equity" has the formulas; equity.c the arithmetic.
 *
 * Where the numbers come from (read-only joins, docs/ARCHITECTURE.md): the per-grid figures
 * from the counters share_counts (figures.c: O(grids × blocks of days) rows, kept exact by
 * triggers), residents per grid from people's resident_counts; satisfaction and the
 * medians from the 立案 cases, and group coverage through the tag index (resident_tags
 * (tag_key, grid_code, …)) and each member's visits (visits_resident, visits_household) —
 * both per grid, kept in the memo at the grids' versions (memo.h: only the grids changed
 * since are recomputed). No query reads outside the node. */
#include "modules/sharing/equity.h"
#include "modules/sharing/figures.h"
#include "modules/sharing/memo.h"
#include "modules/sharing/sharing_internal.h"
#include "api/auth.h"
#include "api/common.h"
#include "api/list.h"
#include "core/mem.h"
#include "core/time.h"
#include "modules/module.h"
#include "modules/people/people.h"
#include "modules/people/person.h"
#include "modules/space/space.h"
#include "modules/visits/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS     (24LL * 3600 * 1000)
#define BEIJING_MS (8LL * 3600 * 1000)
/* A resident in the register (people's one predicate, as visits states it). */
#define LIVE "r.deleted_at IS NULL AND r.status = 'active'"

/* The vulnerable groups measured: the key groups of daily work (visits' defaults). */
static const char *const groups[] = {
    "living_alone", "empty_nester", "elderly_80", "disabled_elderly", "dibao", "tekun", "disabled"};
#define NGROUPS (sizeof groups / sizeof groups[0])

json_t *sharing_day_json(int64_t day)
{
	char b[16];
	return json_string(visit_day_format(day, b, sizeof b));
}

static int day_param(gz_req *r, const char *key, int64_t *out, gz_err *err)
{
	const char *s = gz_req_query(r, key);
	if (!s)
		return 0;
	if (visit_day_parse(s, out) < 0) {
		gz_err_set(err, GZ_EBADREQ, "bad_query", "查询参数 %s 无效", key);
		gz_err_field(err, key, "应为日期 YYYY-MM-DD");
		return -1;
	}
	return 1;
}

/* The day 5 calendar years after day (29 February → 1 March): a period may end at most
 * the day before it. */
static int64_t five_years_after(int64_t day)
{
	char b[16];
	visit_day_format(day, b, sizeof b);
	int y = atoi(b) + 5, m = atoi(b + 5), d = atoi(b + 8);
	if (!person_date_valid(y, m, d))
		m = 3, d = 1;
	return visit_day_from_civil(y, m, d);
}

int sharing_query_parse(gz_req *r, gz_db *db, policy_action action, policy_resource res,
                        sharing_query *q, gz_err *err)
{
	memset(q, 0, sizeof *q);
	const char *why;
	q->node = gz_req_query(r, "node");
	q->level = q->node ? space_code_level(q->node) : -1;
	if (!q->node ||
	    (q->level != SPACE_STREET && q->level != SPACE_COMMUNITY && q->level != SPACE_GRID) ||
	    space_code_check(q->node, (space_level)q->level, &why) < 0) {
		gz_err_set(err, GZ_EBADREQ, "bad_query", "查询参数 node 无效");
		gz_err_field(err, "node", "应为街道、社区或网格编码");
		return -1;
	}
	int64_t today = visit_day_of_ms(gz_time_now_ms());
	const char *month = gz_req_query(r, "month");
	if (month) {
		/* ?month=YYYY-MM: that calendar month (the monthly report), instead of from/to. */
		char first[16];
		int64_t d;
		snprintf(first, sizeof first, "%.7s-01", month);
		if (strlen(month) != 7 || visit_day_parse(first, &d) < 0 ||
		    gz_req_query(r, "from") || gz_req_query(r, "to")) {
			gz_err_set(err, GZ_EBADREQ, "bad_query", "查询参数 month 无效");
			gz_err_field(err, "month", "应为月份 YYYY-MM，且不与 from、to 同用");
			return -1;
		}
		int y = atoi(month), mo = atoi(month + 5);
		q->from_day = d;
		q->to_day =
		    visit_day_from_civil(mo == 12 ? y + 1 : y, mo == 12 ? 1 : mo + 1, 1) - 1;
		goto period_done;
	}
	q->to_day = today;
	int ht = day_param(r, "to", &q->to_day, err);
	if (ht < 0)
		return -1;
	q->from_day = q->to_day - (SHARING_DEFAULT_DAYS - 1);
	if (day_param(r, "from", &q->from_day, err) < 0)
		return -1;
	if (q->to_day < q->from_day) {
		gz_err_set(err, GZ_EBADREQ, "bad_query", "统计区间无效：结束日期早于开始日期");
		gz_err_field(err, "to", "应不早于 from");
		return -1;
	}
	if (q->to_day >= five_years_after(q->from_day)) {
		gz_err_set(err, GZ_EBADREQ, "bad_query", "统计区间无效：超过 5 年");
		gz_err_field(err, "from", "区间不超过 5 年");
		return -1;
	}
period_done:
	q->from_ms = q->from_day * DAY_MS - BEIJING_MS;
	q->to_ms = (q->to_day + 1) * DAY_MS - BEIJING_MS;
	/* Scope first (404 outside it, as if it did not exist), then existence. */
	if (gz_auth_check(r, action, res, q->node, err) < 0)
		return -1;
	int ex = gz_space_node_exists(db, q->node, err);
	if (ex < 0)
		return -1;
	if (!ex) {
		gz_err_set(err, GZ_ENOTFOUND, "not_found", "该位置不存在或不在您的管辖范围内");
		return -1;
	}
	policy_scope_upper(q->node, q->hi, sizeof q->hi);
	snprintf(q->lo, sizeof q->lo, "%s", q->node);
	return 0;
}

/* ================================================================ the answer */

typedef enum { M_VISITS, M_MINUTES, M_CASES } metric;
static const char *const metric_codes[] = {"visits", "service_minutes", "cases_closed"};
static const char *const metric_labels[] = {"走访次数", "志愿服务时长（分钟）", "诉求办结数"};

static int64_t metric_of(const sharing_grid *g, metric m)
{
	return m == M_VISITS ? g->visits : m == M_MINUTES ? g->minutes : g->closed;
}

static json_t *str_or_null(bool ok, const char *s)
{
	return ok ? json_string(s) : json_null();
}

static void case_times_json(json_t *o, const sharing_grid *g);

static json_t *grid_json(const sharing_grid *g, metric m)
{
	json_t *o = json_pack("{s:s,s:s,s:s}", "code", g->code, "name", g->name, "community_code",
	                      g->community);
	if (sharing_suppressed(g->residents)) {
		json_object_set_new(o, "suppressed", json_true());
		return o;
	}
	char a[48], b[48], c[48], d[48];
	json_object_set_new(o, "suppressed", json_false());
	json_object_set_new(o, "residents", json_integer(g->residents));
	json_object_set_new(o, "visits", json_integer(g->visits));
	json_object_set_new(o, "residents_visited", json_integer(g->visited));
	json_object_set_new(o, "cases_received", json_integer(g->received));
	json_object_set_new(o, "cases_closed", json_integer(g->closed));
	json_object_set_new(o, "service_minutes", json_integer(g->minutes));
	json_object_set_new(
	    o, "visits_per_capita",
	    str_or_null(sharing_per_capita(g->visits, g->residents, a, sizeof a), a));
	json_object_set_new(
	    o, "service_minutes_per_capita",
	    str_or_null(sharing_per_capita(g->minutes, g->residents, b, sizeof b), b));
	json_object_set_new(
	    o, "cases_closed_per_capita",
	    str_or_null(sharing_per_capita(g->closed, g->residents, c, sizeof c), c));
	json_object_set_new(
	    o, "value",
	    str_or_null(sharing_per_capita(metric_of(g, m), g->residents, d, sizeof d), d));
	case_times_json(o, g);
	return o;
}

/* ---- per grid: satisfaction and the median response and handling times ---- */

typedef struct {
	int64_t *v;
	size_t n, cap;
} durs;

static void durs_push(durs *d, int64_t x)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->v = gz_realloc(d->v, d->cap * sizeof *d->v);
	}
	d->v[d->n++] = x;
}

/* The medians of one grid's durations (grid NULL: none), then empties them for the next. */
static void grid_medians(sharing_grid *g, durs *resp, durs *hand)
{
	if (g) {
		g->resp_n = (int64_t)resp->n, g->resp_med = sharing_median_s(resp->v, resp->n);
		g->hand_n = (int64_t)hand->n, g->hand_med = sharing_median_s(hand->v, hand->n);
	}
	resp->n = hand->n = 0;
}

/* The 立案 cases of the grids in [$1, $2) reported in [$3, $4): grid, rated, satisfied,
 * response and handling durations (NULL: not yet). */
static const char case_times_sql[] =
    "SELECT c.grid_code, CASE WHEN c.satisfaction IS NULL THEN 0 ELSE 1 END, CASE WHEN "
    "c.satisfaction IN ('satisfied', 'basically_satisfied') THEN 1 ELSE 0 END, "
    "c.responded_at - c.accepted_at, c.closed_at - c.reported_at FROM grids g CROSS JOIN "
    "cases c WHERE g.code >= $1 AND g.code < $2 AND c.grid_code = g.code AND "
    "c.reported_at >= $3 AND c.reported_at < $4 AND c.self_handled = 0 AND c.state NOT IN "
    "('withdrawn', 'merged') AND c.accepted_at IS NOT NULL ORDER BY g.code";

/* Over the node's cases reported in the period that are 立案 (受理 and accepted: METRICS
 * "Case rates"), grid by grid: the node's grids outer (CROSS JOIN fixes SQLite's order) and
 * for each the period's range of cases_grid_reported (grid_code, reported_at), so only the
 * node's cases of the period are read. Per grid and for the node (*all): rated and
 * satisfied (满意率), response = responded_at − accepted_at and handling = closed_at −
 * reported_at where the instant is set, and their medians. Per request: an exact median
 * cannot be summed from counters. */
int sharing_case_times_load(gz_db *db, const sharing_query *q, sharing_grids *s, sharing_grid *all,
                            gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, case_times_sql, err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, q->lo);
	gz_stmt_bind_str(st, 2, q->hi);
	gz_stmt_bind_int64(st, 3, q->from_ms);
	gz_stmt_bind_int64(st, 4, q->to_ms);
	for (size_t i = 0; i < s->n; i++)
		s->g[i].resp_med = s->g[i].hand_med = -1;
	durs resp = {0}, hand = {0}, aresp = {0}, ahand = {0};
	char cur[SPACE_CODE_SIZE] = "";
	sharing_grid *g = NULL;
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		const char *code = gz_stmt_text(st, 0);
		if (strcmp(code, cur)) {
			grid_medians(g, &resp, &hand);
			snprintf(cur, sizeof cur, "%s", code);
			g = sharing_grids_find(s, code);
		}
		int64_t rated = gz_stmt_int64(st, 1), sat = gz_stmt_int64(st, 2);
		all->rated += rated, all->satisfied += sat;
		if (g)
			g->rated += rated, g->satisfied += sat;
		if (!gz_stmt_isnull(st, 3))
			durs_push(&resp, gz_stmt_int64(st, 3)),
			    durs_push(&aresp, gz_stmt_int64(st, 3));
		if (!gz_stmt_isnull(st, 4))
			durs_push(&hand, gz_stmt_int64(st, 4)),
			    durs_push(&ahand, gz_stmt_int64(st, 4));
	}
	gz_stmt_finish(st);
	grid_medians(g, &resp, &hand);
	grid_medians(all, &aresp, &ahand);
	free(resp.v), free(hand.v), free(aresp.v), free(ahand.v);
	return rc < 0 ? -1 : 0;
}

static json_t *median_json(int64_t med)
{
	return med < 0 ? json_null() : json_integer(med);
}

/* Satisfaction, medians and their counts (the grid's or the node's). Under 5 ratings the
 * satisfied count is null like the percent: "2 rated, 1 satisfied" would tell each
 * rater's answer (security review 6, finding 4). */
static void case_times_json(json_t *o, const sharing_grid *g)
{
	char p[48];
	bool shown = !sharing_suppressed(g->rated);
	json_object_set_new(o, "cases_rated", json_integer(g->rated));
	json_object_set_new(o, "cases_satisfied", shown ? json_integer(g->satisfied) : json_null());
	json_object_set_new(
	    o, "satisfaction_percent",
	    str_or_null(shown && sharing_percent(g->satisfied, g->rated, p, sizeof p), p));
	json_object_set_new(o, "cases_responded", json_integer(g->resp_n));
	json_object_set_new(o, "response_median_s", median_json(g->resp_med));
	json_object_set_new(o, "cases_handled", json_integer(g->hand_n));
	json_object_set_new(o, "handling_median_s", median_json(g->hand_med));
}

/* One group's entry of "groups": fig = members, reached, visits, needs met, minutes. */
static json_t *group_json(const person_tag *t, const int64_t fig[5])
{
	int64_t members = fig[0], reached = fig[1], visits = fig[2], needs = fig[3],
	        minutes = fig[4];
	char pct[48];
	json_t *o = json_pack("{s:s,s:s}", "tag", t->code, "label", t->label);
	if (sharing_coverage(reached, members, pct, sizeof pct) == 1) {
		json_object_set_new(o, "suppressed", json_false());
		json_object_set_new(o, "members", json_integer(members));
		json_object_set_new(o, "reached", json_integer(reached));
		json_object_set_new(o, "unreached", json_integer(members - reached));
		json_object_set_new(o, "coverage_percent", json_string(pct));
		char a[48], b[48], c[48];
		sharing_per_capita(visits, members, a, sizeof a);
		sharing_per_capita(needs, members, b, sizeof b);
		sharing_per_capita(minutes, members, c, sizeof c);
		json_object_set_new(o, "visits", json_integer(visits));
		json_object_set_new(o, "visits_per_capita", json_string(a));
		json_object_set_new(o, "needs_met", json_integer(needs));
		json_object_set_new(o, "needs_met_per_capita", json_string(b));
		json_object_set_new(o, "service_minutes", json_integer(minutes));
		json_object_set_new(o, "service_minutes_per_capita", json_string(c));
	} else {
		json_object_set_new(o, "suppressed", json_true());
	}
	return o;
}

/* Coverage of each vulnerable group inside the node over the period. Sensitive groups only
 * where the caller may reveal residents at the node (as the workbench's key groups). */
int sharing_groups_json(gz_db *db, const sharing_query *q, bool reveal, json_t **out, gz_err *err)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < NGROUPS; i++) {
		const person_tag *t = person_tag_find(groups[i]);
		if (!t || (t->sensitive && !reveal))
			continue;
		char key[GZ_PEOPLE_TAG_KEY_SIZE];
		gz_people_tag_key(t->code, t->sensitive, key, sizeof key);
		if (!key[0])
			continue;
		/* One row per member: its visits (its own and its household's) and needs met in
		 * the period, each counted by one probe of its index; reached = any visit. The
		 * MATERIALIZED CTE keeps the probes from being repeated per use of x.v. */
		gz_stmt *st = gz_db_prepare(
		    db,
		    "WITH x AS MATERIALIZED (SELECT (SELECT COUNT(*) FROM visits v WHERE "
		    "v.resident_id = r.id AND v.visited_on >= $4 AND v.visited_on <= $5) + CASE "
		    "WHEN r.household_id IS NULL THEN 0 ELSE (SELECT COUNT(*) FROM visits v WHERE "
		    "v.household_id = r.household_id AND v.visited_on >= $4 AND v.visited_on <= "
		    "$5) END AS v, (SELECT COUNT(*) FROM match_needs n WHERE n.resident_id = r.id "
		    "AND n.done_at >= $6 AND n.done_at < $7) AS nn, (SELECT "
		    "COALESCE(SUM(n.minutes), "
		    "0) FROM match_needs n WHERE n.resident_id = r.id AND n.done_at >= $6 AND "
		    "n.done_at < $7) AS nm FROM resident_tags t JOIN residents r ON r.id = "
		    "t.resident_id WHERE t.tag_key = $3 AND t.grid_code >= $1 AND t.grid_code < $2 "
		    "AND " LIVE ") SELECT COUNT(*), SUM(CASE WHEN x.v > 0 THEN 1 ELSE 0 END), "
		    "SUM(x.v), SUM(x.nn), SUM(x.nm) FROM x",
		    err);
		if (!st) {
			json_decref(arr);
			return -1;
		}
		gz_stmt_bind_str(st, 1, q->lo);
		gz_stmt_bind_str(st, 2, q->hi);
		gz_stmt_bind_str(st, 3, key);
		gz_stmt_bind_int64(st, 4, q->from_day);
		gz_stmt_bind_int64(st, 5, q->to_day);
		gz_stmt_bind_int64(st, 6, q->from_ms);
		gz_stmt_bind_int64(st, 7, q->to_ms);
		int64_t members = 0, reached = 0, visits = 0, needs = 0, minutes = 0;
		int rc = gz_stmt_step(st, err);
		if (rc == GZ_ROW) {
			members = gz_stmt_int64(st, 0);
			reached = gz_stmt_isnull(st, 1) ? 0 : gz_stmt_int64(st, 1);
			visits = gz_stmt_isnull(st, 2) ? 0 : gz_stmt_int64(st, 2);
			needs = gz_stmt_isnull(st, 3) ? 0 : gz_stmt_int64(st, 3);
			minutes = gz_stmt_isnull(st, 4) ? 0 : gz_stmt_int64(st, 4);
		}
		gz_stmt_finish(st);
		if (rc < 0) {
			json_decref(arr);
			return -1;
		}
		int64_t fig[5] = {members, reached, visits, needs, minutes};
		json_t *o = group_json(t, fig);
		json_array_append_new(arr, o);
	}
	*out = arr;
	return 0;
}

/* ================================================================ the memo path */

/* What GET /sharing/equity computes per request, by grid and kept between requests
 * (memo.h): a grid's value is recomputed only when its version (share_versions, in the
 * request's snapshot) moved. The reference paths above (sharing_case_times_load,
 * sharing_groups_json) compute the same from all the node's rows; bench/dashboard.c and
 * tests/api/sharing-memo.test.mjs compare them. */

/* Recompute over the node's whole range when more than a quarter of its grids changed
 * (the first request, a new period), else grid by grid. */
static bool whole_node(size_t stale, size_t n)
{
	return stale * 4 > n;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* A grid's case times as kept: rated, satisfied, n_resp, n_hand, then the response and the
 * handling durations, each clamped at 0 and sorted. */
static const sharing_memo_val *times_put(const sharing_query *q, const char *code, int64_t ver,
                                         int64_t rated, int64_t sat, durs *resp, durs *hand)
{
	size_t n = 4 + resp->n + hand->n;
	int64_t *v = gz_malloc(n * sizeof *v);
	v[0] = rated, v[1] = sat, v[2] = (int64_t)resp->n, v[3] = (int64_t)hand->n;
	for (size_t i = 0; i < resp->n; i++)
		v[4 + i] = resp->v[i] < 0 ? 0 : resp->v[i];
	for (size_t i = 0; i < hand->n; i++)
		v[4 + resp->n + i] = hand->v[i] < 0 ? 0 : hand->v[i];
	qsort(v + 4, resp->n, sizeof *v, cmp_i64);
	qsort(v + 4 + resp->n, hand->n, sizeof *v, cmp_i64);
	const sharing_memo_val *m =
	    sharing_memo_put(SHARING_MEMO_TIMES, code, q->from_ms, q->to_ms, ver, v, n);
	free(v);
	resp->n = hand->n = 0;
	return m;
}

static bool in_range(const char *code, const char *lo, const char *hi)
{
	return strcmp(code, lo) >= 0 && strcmp(code, hi) < 0;
}

/* The case times of the grids of s inside [lo, hi) whose vals[i] is NULL, by the
 * reference's query over that range, kept at their versions. */
static int times_compute(gz_db *db, const sharing_query *q, const char *lo, const char *hi,
                         sharing_grids *s, const sharing_version *vs, size_t nv,
                         const sharing_memo_val **vals, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, case_times_sql, err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, lo);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_int64(st, 3, q->from_ms);
	gz_stmt_bind_int64(st, 4, q->to_ms);
	durs resp = {0}, hand = {0};
	int64_t rated = 0, sat = 0;
	sharing_grid *g = NULL;
	int rc;
	for (;;) {
		rc = gz_stmt_step(st, err);
		const char *code = rc == GZ_ROW ? gz_stmt_text(st, 0) : NULL;
		if (g && (!code || strcmp(code, g->code))) {
			size_t i = (size_t)(g - s->g);
			if (!vals[i])
				vals[i] = times_put(q, g->code, sharing_version_of(vs, nv, g->code),
				                    rated, sat, &resp, &hand);
			resp.n = hand.n = 0, g = NULL;
		}
		if (rc != GZ_ROW)
			break;
		if (!g) {
			g = sharing_grids_find(s, code);
			rated = sat = 0, resp.n = hand.n = 0;
			if (!g)
				continue;
		}
		rated += gz_stmt_int64(st, 1), sat += gz_stmt_int64(st, 2);
		if (!gz_stmt_isnull(st, 3))
			durs_push(&resp, gz_stmt_int64(st, 3));
		if (!gz_stmt_isnull(st, 4))
			durs_push(&hand, gz_stmt_int64(st, 4));
	}
	gz_stmt_finish(st);
	/* The grids of the range with no such case. */
	for (size_t i = 0; rc >= 0 && i < s->n; i++)
		if (!vals[i] && in_range(s->g[i].code, lo, hi))
			vals[i] =
			    times_put(q, s->g[i].code, sharing_version_of(vs, nv, s->g[i].code), 0,
			              0, &resp, &hand);
	free(resp.v), free(hand.v);
	return rc < 0 ? -1 : 0;
}

int sharing_case_times_memo(gz_db *db, const sharing_query *q, sharing_grids *s, sharing_grid *all,
                            gz_err *err)
{
	sharing_version *vs;
	size_t nv, stale = 0;
	if (sharing_versions_load(db, q->lo, q->hi, &vs, &nv, err) < 0)
		return -1;
	size_t n = s->n ? s->n : 1;
	const sharing_memo_val **vals = gz_calloc(n, sizeof *vals);
	for (size_t i = 0; i < s->n; i++) {
		const char *code = s->g[i].code;
		vals[i] = sharing_memo_get(SHARING_MEMO_TIMES, code, q->from_ms, q->to_ms,
		                           sharing_version_of(vs, nv, code));
		stale += !vals[i];
	}
	int rc = 0;
	if (stale && whole_node(stale, s->n))
		rc = times_compute(db, q, q->lo, q->hi, s, vs, nv, vals, err);
	for (size_t i = 0; rc == 0 && stale && i < s->n; i++) {
		if (vals[i])
			continue;
		char hi[GZ_SCOPE_MAX + 2];
		policy_scope_upper(s->g[i].code, hi, sizeof hi);
		rc = times_compute(db, q, s->g[i].code, hi, s, vs, nv, vals, err);
	}
	if (rc == 0) {
		const int64_t **rp = gz_malloc(n * sizeof *rp), **hp = gz_malloc(n * sizeof *hp);
		size_t *rn = gz_malloc(n * sizeof *rn), *hn = gz_malloc(n * sizeof *hn);
		for (size_t i = 0; i < s->n; i++) {
			sharing_grid *g = &s->g[i];
			const int64_t *v = vals[i]->v;
			g->rated = v[0], g->satisfied = v[1];
			rn[i] = (size_t)v[2], hn[i] = (size_t)v[3];
			rp[i] = v + 4, hp[i] = v + 4 + rn[i];
			g->resp_n = v[2], g->resp_med = sharing_median_sorted_s(&rp[i], &rn[i], 1);
			g->hand_n = v[3], g->hand_med = sharing_median_sorted_s(&hp[i], &hn[i], 1);
			all->rated += g->rated, all->satisfied += g->satisfied;
			all->resp_n += g->resp_n, all->hand_n += g->hand_n;
		}
		all->resp_med = sharing_median_sorted_s(rp, rn, s->n);
		all->hand_med = sharing_median_sorted_s(hp, hn, s->n);
		free(rp), free(hp), free(rn), free(hn);
	}
	for (size_t i = 0; i < s->n; i++)
		if (vals[i])
			sharing_memo_release(vals[i]);
	free(vals), free(vs);
	return rc;
}

/* A grid's group figures as kept: for each of groups[], members, reached, visits, needs
 * met, minutes. */
#define GFIG 5

/* The group figures of the grids of vs inside [lo, hi) whose vals[i] is NULL: per group,
 * the reference's query over that range, per grid (the tag index is (tag_key, grid_code,
 * resident_id): a range of one group's members in grid order); kept at their versions. */
static int groups_compute(gz_db *db, const sharing_query *q, const char *lo, const char *hi,
                          const sharing_version *vs, size_t nv, const sharing_memo_val **vals,
                          gz_err *err)
{
	int64_t(*acc)[NGROUPS * GFIG] = gz_calloc(nv ? nv : 1, sizeof *acc);
	int rc = 0;
	for (size_t k = 0; rc == 0 && k < NGROUPS; k++) {
		const person_tag *t = person_tag_find(groups[k]);
		char key[GZ_PEOPLE_TAG_KEY_SIZE];
		if (!t)
			continue;
		gz_people_tag_key(t->code, t->sensitive, key, sizeof key);
		if (!key[0])
			continue;
		gz_stmt *st = gz_db_prepare(
		    db,
		    "WITH x AS MATERIALIZED (SELECT t.grid_code AS g, (SELECT COUNT(*) FROM visits "
		    "v "
		    "WHERE v.resident_id = r.id AND v.visited_on >= $4 AND v.visited_on <= $5) + "
		    "CASE WHEN r.household_id IS NULL THEN 0 ELSE (SELECT COUNT(*) FROM visits v "
		    "WHERE v.household_id = r.household_id AND v.visited_on >= $4 AND v.visited_on "
		    "<= $5) END AS v, (SELECT COUNT(*) FROM match_needs n WHERE n.resident_id = "
		    "r.id "
		    "AND n.done_at >= $6 AND n.done_at < $7) AS nn, (SELECT "
		    "COALESCE(SUM(n.minutes), "
		    "0) FROM match_needs n WHERE n.resident_id = r.id AND n.done_at >= $6 AND "
		    "n.done_at < $7) AS nm FROM resident_tags t JOIN residents r ON r.id = "
		    "t.resident_id WHERE t.tag_key = $3 AND t.grid_code >= $1 AND t.grid_code < $2 "
		    "AND " LIVE ") SELECT x.g, COUNT(*), SUM(CASE WHEN x.v > 0 THEN 1 ELSE 0 END), "
		    "SUM(x.v), SUM(x.nn), SUM(x.nm) FROM x GROUP BY x.g",
		    err);
		if (!st) {
			rc = -1;
			break;
		}
		gz_stmt_bind_str(st, 1, lo);
		gz_stmt_bind_str(st, 2, hi);
		gz_stmt_bind_str(st, 3, key);
		gz_stmt_bind_int64(st, 4, q->from_day);
		gz_stmt_bind_int64(st, 5, q->to_day);
		gz_stmt_bind_int64(st, 6, q->from_ms);
		gz_stmt_bind_int64(st, 7, q->to_ms);
		int r;
		while ((r = gz_stmt_step(st, err)) == GZ_ROW) {
			const char *code = gz_stmt_text(st, 0);
			size_t a = 0, b = nv; /* vs is in code order */
			while (a < b) {
				size_t mid = a + (b - a) / 2;
				if (strcmp(vs[mid].code, code) < 0)
					a = mid + 1;
				else
					b = mid;
			}
			if (a == nv || strcmp(vs[a].code, code))
				continue; /* no version row: not counted (cannot be, see 0003) */
			for (int c = 0; c < GFIG; c++)
				acc[a][k * GFIG + (size_t)c] =
				    gz_stmt_isnull(st, c + 1) ? 0 : gz_stmt_int64(st, c + 1);
		}
		gz_stmt_finish(st);
		if (r < 0)
			rc = -1;
	}
	for (size_t i = 0; rc == 0 && i < nv; i++)
		if (!vals[i] && in_range(vs[i].code, lo, hi))
			vals[i] = sharing_memo_put(SHARING_MEMO_GROUPS, vs[i].code, q->from_ms,
			                           q->to_ms, vs[i].v, acc[i], NGROUPS * GFIG);
	free(acc);
	return rc;
}

int sharing_groups_memo(gz_db *db, const sharing_query *q, bool reveal, json_t **out, gz_err *err)
{
	sharing_version *vs;
	size_t nv, stale = 0;
	if (sharing_versions_load(db, q->lo, q->hi, &vs, &nv, err) < 0)
		return -1;
	const sharing_memo_val **vals = gz_calloc(nv ? nv : 1, sizeof *vals);
	for (size_t i = 0; i < nv; i++) {
		vals[i] = sharing_memo_get(SHARING_MEMO_GROUPS, vs[i].code, q->from_ms, q->to_ms,
		                           vs[i].v);
		stale += !vals[i];
	}
	int rc = 0;
	if (stale && whole_node(stale, nv))
		rc = groups_compute(db, q, q->lo, q->hi, vs, nv, vals, err);
	for (size_t i = 0; rc == 0 && stale && i < nv; i++) {
		if (vals[i])
			continue;
		char hi[GZ_SCOPE_MAX + 2];
		policy_scope_upper(vs[i].code, hi, sizeof hi);
		rc = groups_compute(db, q, vs[i].code, hi, vs, nv, vals, err);
	}
	if (rc == 0) {
		int64_t sum[NGROUPS * GFIG] = {0};
		for (size_t i = 0; i < nv; i++)
			for (size_t c = 0; c < NGROUPS * GFIG; c++)
				sum[c] += vals[i]->v[c];
		json_t *arr = json_array();
		for (size_t k = 0; k < NGROUPS; k++) {
			const person_tag *t = person_tag_find(groups[k]);
			if (!t || (t->sensitive && !reveal))
				continue;
			char key[GZ_PEOPLE_TAG_KEY_SIZE];
			gz_people_tag_key(t->code, t->sensitive, key, sizeof key);
			if (!key[0])
				continue;
			json_array_append_new(arr, group_json(t, sum + k * GFIG));
		}
		*out = arr;
	}
	for (size_t i = 0; i < nv; i++)
		if (vals[i])
			sharing_memo_release(vals[i]);
	free(vals), free(vs);
	return rc;
}

int sharing_equity_build(gz_req *r, gz_db *db, const sharing_query *qp, int metric_k, json_t **out,
                         gz_err *err)
{
	const sharing_query q = *qp;
	metric m = (metric)metric_k;
	sharing_grids s;
	json_t *groups_arr = NULL;
	sharing_grid all = {.resp_med = -1, .hand_med = -1};
	gz_err e2;
	gz_err_clear(&e2);
	bool reveal = gz_auth_check(r, ACT_REVEAL, RES_RESIDENT, q.node, &e2) == 0;
	if (sharing_grids_load(db, &q, false, visit_day_of_ms(gz_time_now_ms()), &s, err) < 0 ||
	    sharing_case_times_memo(db, &q, &s, &all, err) < 0 ||
	    sharing_groups_memo(db, &q, reveal, &groups_arr, err) < 0) {
		sharing_grids_free(&s);
		return -1;
	}
	sharing_unit *u = gz_malloc((s.n ? s.n : 1) * sizeof *u);
	json_t *grids = json_array();
	int64_t tot[6] = {0};
	for (size_t i = 0; i < s.n; i++) {
		sharing_grid *g = &s.g[i];
		u[i] = (sharing_unit){metric_of(g, m), g->residents, g->group};
		json_array_append_new(grids, grid_json(g, m));
		tot[0] += g->residents, tot[1] += g->visits, tot[2] += g->visited;
		tot[3] += g->received, tot[4] += g->closed, tot[5] += g->minutes;
	}
	char gini[48], buf[48];
	bool has_gini = sharing_gini(u, s.n, gini, sizeof gini);
	sharing_theil_t th;
	int64_t *gt = gz_malloc(((size_t)s.ncomm + 1) * sizeof *gt);
	bool has_theil = sharing_theil(u, s.n, s.ncomm, &th, gt);
	json_t *theil = json_null();
	if (has_theil) {
		char t1[32], t2[32], t3[32];
		sharing_micro_str(th.total, t1, sizeof t1);
		sharing_micro_str(th.between, t2, sizeof t2);
		sharing_micro_str(th.within, t3, sizeof t3);
		json_t *comms = json_array();
		for (int c = 0; c < s.ncomm; c++) {
			sharing_micro_str(gt[c] < 0 ? 0 : gt[c], buf, sizeof buf);
			json_array_append_new(
			    comms,
			    json_pack("{s:s,s:s,s:o}", "code", s.comm[c], "name", s.comm_name[c],
			              "theil", gt[c] < 0 ? json_null() : json_string(buf)));
		}
		theil = json_pack("{s:s,s:s,s:s,s:o}", "total", t1, "between", t2, "within", t3,
		                  "communities", comms);
	}
	int32_t *lp = gz_malloc((s.n + 1) * sizeof *lp), *ls = gz_malloc((s.n + 1) * sizeof *ls);
	size_t nl = sharing_lorenz(u, s.n, lp, ls);
	json_t *lorenz = json_array();
	for (size_t k = 0; k < nl; k++)
		json_array_append_new(lorenz, json_pack("[i,i]", (int)lp[k], (int)ls[k]));
	free(lp), free(ls), free(gt), free(u);

	json_t *totals =
	    json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "residents", (json_int_t)tot[0], "visits",
	              (json_int_t)tot[1], "residents_visited", (json_int_t)tot[2], "cases_received",
	              (json_int_t)tot[3], "cases_closed", (json_int_t)tot[4], "service_minutes",
	              (json_int_t)(tot[5] + s.minutes_community), "service_minutes_at_communities",
	              (json_int_t)s.minutes_community);
	case_times_json(totals, &all);
	*out =
	    json_pack("{s:s,s:o,s:o,s:{s:s,s:s},s:o,s:o,s:o,s:o,s:o,s:o,s:i}", "node", q.node,
	              "from", sharing_day_json(q.from_day), "to", sharing_day_json(q.to_day),
	              "metric", "code", metric_codes[m], "label", metric_labels[m], "totals",
	              totals, "grids", grids, "gini", str_or_null(has_gini, gini), "theil", theil,
	              "lorenz", lorenz, "groups", groups_arr, "min_group", SHARING_MIN_GROUP);
	sharing_grids_free(&s);
	return 0;
}

static void equity_answer(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	sharing_query q;
	const char *mq = gz_req_query(r, "metric");
	metric m = M_VISITS;
	json_t *body = NULL;
	gz_db *db = gz_req_db(r, &err);
	if (!db)
		goto fail;
	if (mq) {
		size_t k = 0;
		while (k < 3 && strcmp(mq, metric_codes[k]))
			k++;
		if (k == 3) {
			gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 metric 无效");
			gz_err_field(&err, "metric",
			             "应为 visits、service_minutes 或 cases_closed");
			goto fail;
		}
		m = (metric)k;
	}
	if (sharing_query_parse(r, db, ACT_READ, RES_EQUITY, &q, &err) < 0 ||
	    sharing_equity_build(r, db, &q, (int)m, &body, &err) < 0)
		goto fail;
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_json(r, 200, body);
	return;
fail:
	gz_reply_err(r, &err);
}

static void equity(gz_req *r)
{
	gz_api_read(r, equity_answer);
}

/* ================================================================ unreached */

/* GET /sharing/unreached?node=&from=&to=&tag=&limit=&cursor=: residents in the register
 * inside node holding a vulnerable-group tag (sensitive ones where the caller may reveal)
 * with no visit to them or their household in the period, by id. Needs equity read and
 * resident read at node; names masked by people's one rule. */
/* A list drawn by a sensitive tag (低保, 特困, ...) is a lookup by that tag, as
 * GET /residents?tag= is: when it names anyone, "resident.lookup" {by: "tag", tags, ids,
 * count, via: "unreached"} commits before the answer is sent. It ends the request's read
 * snapshot (the rows are read). 0, or -1 with err set: nothing may be sent. */
static int unreached_audit(gz_req *r, gz_db *db, const char *node, json_t *sensitive, json_t *ids,
                           gz_err *err)
{
	if (!json_array_size(sensitive) || !json_array_size(ids))
		return 0;
	gz_db_end_read(db);
	json_t *d = json_pack("{s:s,s:O,s:O,s:I,s:s}", "by", "tag", "tags", sensitive, "ids", ids,
	                      "count", (json_int_t)json_array_size(ids), "via", "unreached");
	int rc = gz_db_begin(db, err) < 0 ||
	                 gz_audit(gz_req_actor(r), db, "resident.lookup", "resident", "", node, d,
	                          err) < 0 ||
	                 gz_db_commit(db, err) < 0
	             ? -1
	             : 0;
	if (rc < 0)
		gz_db_rollback(db);
	json_decref(d);
	return rc;
}

static void unreached_answer(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	sharing_query q;
	int limit;
	int64_t after;
	const char *tag = gz_req_query(r, "tag");
	json_t *items = NULL, *sensitive = NULL; /* sensitive: the sensitive tags it is drawn by */
	gz_db *db = gz_req_db(r, &err);
	if (!db || gz_req_list_params(r, &limit, &after, &err) < 0 ||
	    sharing_query_parse(r, db, ACT_READ, RES_EQUITY, &q, &err) < 0 ||
	    gz_auth_check(r, ACT_READ, RES_RESIDENT, q.node, &err) < 0)
		goto fail;
	gz_err e2;
	gz_err_clear(&e2);
	bool reveal = gz_auth_check(r, ACT_REVEAL, RES_RESIDENT, q.node, &e2) == 0;
	char keys[NGROUPS][GZ_PEOPLE_TAG_KEY_SIZE];
	memset(keys, 0, sizeof keys);
	bool any = false;
	sensitive = json_array();
	for (size_t i = 0; i < NGROUPS; i++) {
		const person_tag *t = person_tag_find(groups[i]);
		if (!t || (t->sensitive && !reveal) || (tag && strcmp(tag, t->code)))
			continue;
		gz_people_tag_key(t->code, t->sensitive, keys[i], sizeof keys[i]);
		any |= keys[i][0] != 0;
		if (t->sensitive && keys[i][0])
			json_array_append_new(sensitive, json_string(t->code));
	}
	if (tag && !any) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 tag 无效");
		gz_err_field(&err, "tag", "应为重点人群标签之一");
		goto fail;
	}
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT r.id, r.name, r.grid_code, r.tags, g.name, l.last_on FROM residents r JOIN "
	    "grids g ON g.code = r.grid_code LEFT JOIN visit_last l ON l.resident_id = r.id "
	    "WHERE r.grid_code >= $1 AND r.grid_code < $2 AND " LIVE " AND r.id > $3 AND EXISTS "
	    "(SELECT 1 FROM resident_tags t WHERE t.resident_id = r.id AND t.tag_key IN ($6, $7, "
	    "$8, $9, $10, $11, $12)) AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.resident_id = "
	    "r.id AND v.visited_on >= $4 AND v.visited_on <= $5) AND (r.household_id IS NULL OR "
	    "NOT EXISTS (SELECT 1 FROM visits v WHERE v.household_id = r.household_id AND "
	    "v.visited_on >= $4 AND v.visited_on <= $5)) ORDER BY r.id LIMIT $13",
	    &err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, q.lo);
	gz_stmt_bind_str(st, 2, q.hi);
	gz_stmt_bind_int64(st, 3, after);
	gz_stmt_bind_int64(st, 4, q.from_day);
	gz_stmt_bind_int64(st, 5, q.to_day);
	for (size_t i = 0; i < NGROUPS; i++)
		gz_stmt_bind_str(st, (int)(6 + i), keys[i][0] ? keys[i] : "-");
	gz_stmt_bind_int64(st, 13, limit + 1);
	items = json_array();
	json_t *ids = json_array();
	int rc, n = 0;
	int64_t next = 0, last = 0;
	const gz_actor *a = gz_req_actor(r);
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		if (n == limit) {
			next = last;
			break;
		}
		int64_t id = gz_stmt_int64(st, 0);
		const char *grid = gz_stmt_text(st, 2);
		bool visible = gz_people_name_visible(a, grid);
		json_t *tags = json_array();
		char cell[512];
		snprintf(cell, sizeof cell, "%s", gz_stmt_text(st, 3));
		for (char *save = NULL, *t = strtok_r(cell, ",", &save); t;
		     t = strtok_r(NULL, ",", &save)) {
			const person_tag *p = person_tag_find(t);
			json_array_append_new(tags, json_string(p ? p->label : t));
		}
		json_array_append_new(
		    items,
		    json_pack("{s:{s:o,s:s,s:b},s:s,s:s,s:o,s:o}", "resident", "id",
		              gz_api_id_json(id), "name",
		              gz_people_name_shown(&r->arena, visible, gz_stmt_text(st, 1)),
		              "name_masked", !visible, "grid_code", grid, "grid_name",
		              gz_stmt_text(st, 4), "tags", tags, "last_visited_on",
		              gz_stmt_isnull(st, 5) ? json_null()
		                                    : sharing_day_json(gz_stmt_int64(st, 5))));
		json_array_append_new(ids, gz_api_id_json(id));
		last = id;
		n++;
	}
	gz_stmt_finish(st);
	if (rc < 0 || unreached_audit(r, db, q.node, sensitive, ids, &err) < 0) {
		json_decref(ids);
		goto fail;
	}
	json_decref(ids);
	json_t *body = gz_list_json(r, items, next);
	items = NULL;
	json_object_set_new(body, "from", sharing_day_json(q.from_day));
	json_object_set_new(body, "to", sharing_day_json(q.to_day));
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_json(r, 200, body);
	json_decref(sensitive);
	return;
fail:
	json_decref(items);
	json_decref(sensitive);
	gz_reply_err(r, &err);
}

static void unreached(gz_req *r)
{
	gz_api_read(r, unreached_answer);
}

const gz_module_route gz_sharing_equity_routes[] = {
    {"GET", "/api/v1/sharing/equity", equity, 0, 0},
    {"GET", "/api/v1/sharing/unreached", unreached, 0, 0},
    {0},
};
