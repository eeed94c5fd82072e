/* The equity figures of a place (GET /api/v1/sharing/equity) and the residents of the
 * vulnerable groups nobody reached in the period (GET /api/v1/sharing/unreached).
 * docs/METRICS.md "Equity" has the formulas; equity.c the arithmetic.
 *
 * Where the numbers come from (read-only joins, docs/ARCHITECTURE.md): the per-grid figures
 * from the counters share_counts (figures.c: O(grids × blocks of days) rows, kept exact by
 * triggers), residents per grid from people's resident_counts; group coverage through the
 * tag index (resident_tags (tag_key, grid_code, …)) and each member's visits
 * (visits_resident, visits_household). No query reads outside the node. */
#include "modules/sharing/equity.h"
#include "modules/sharing/figures.h"
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
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT c.grid_code, CASE WHEN c.satisfaction IS NULL THEN 0 ELSE 1 END, CASE WHEN "
	    "c.satisfaction IN ('satisfied', 'basically_satisfied') THEN 1 ELSE 0 END, "
	    "c.responded_at - c.accepted_at, c.closed_at - c.reported_at FROM grids g CROSS JOIN "
	    "cases c WHERE g.code >= $1 AND g.code < $2 AND c.grid_code = g.code AND "
	    "c.reported_at >= $3 AND c.reported_at < $4 AND c.self_handled = 0 AND c.state NOT IN "
	    "('withdrawn', 'merged') AND c.accepted_at IS NOT NULL ORDER BY g.code",
	    err);
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

/* Satisfaction, medians and their counts (the grid's or the node's). */
static void case_times_json(json_t *o, const sharing_grid *g)
{
	char p[48];
	json_object_set_new(o, "cases_rated", json_integer(g->rated));
	json_object_set_new(o, "cases_satisfied", json_integer(g->satisfied));
	json_object_set_new(o, "satisfaction_percent",
	                    str_or_null(!sharing_suppressed(g->rated) &&
	                                    sharing_percent(g->satisfied, g->rated, p, sizeof p),
	                                p));
	json_object_set_new(o, "cases_responded", json_integer(g->resp_n));
	json_object_set_new(o, "response_median_s", median_json(g->resp_med));
	json_object_set_new(o, "cases_handled", json_integer(g->hand_n));
	json_object_set_new(o, "handling_median_s", median_json(g->hand_med));
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
		json_array_append_new(arr, o);
	}
	*out = arr;
	return 0;
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
	    sharing_case_times_load(db, &q, &s, &all, err) < 0 ||
	    sharing_groups_json(db, &q, reveal, &groups_arr, err) < 0) {
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
static void unreached_answer(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	sharing_query q;
	int limit;
	int64_t after;
	const char *tag = gz_req_query(r, "tag");
	json_t *items = NULL;
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
	for (size_t i = 0; i < NGROUPS; i++) {
		const person_tag *t = person_tag_find(groups[i]);
		if (!t || (t->sensitive && !reveal) || (tag && strcmp(tag, t->code)))
			continue;
		gz_people_tag_key(t->code, t->sensitive, keys[i], sizeof keys[i]);
		any |= keys[i][0] != 0;
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
		last = id;
		n++;
	}
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;
	json_t *body = gz_list_json(r, items, next);
	items = NULL;
	json_object_set_new(body, "from", sharing_day_json(q.from_day));
	json_object_set_new(body, "to", sharing_day_json(q.to_day));
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_json(r, 200, body);
	return;
fail:
	json_decref(items);
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
