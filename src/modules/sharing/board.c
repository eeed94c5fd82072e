/* The public board (居务公开): GET /api/v1/public/communities and
 * GET /api/v1/public/communities/{code}/board, no login. Per community: the three rates of
 * 接诉即办 over the last 90 days and per month for the last 6 months, the recently closed
 * cases (category, grid, date and rating: no description, no address, nobody's name),
 * activities and volunteer service hours (counts), the results of closed votes and the
 * publicity notices of published topics (titles and counts), and the projects with their
 * progress (milestones, units' commitments: counts and amounts). docs/METRICS.md "The public
 * board".
 *
 * Safe for a screen in the community hall: nothing here names or locates a person
 * (tests/api/sharing-public.test.mjs crawls every public route for phones, ID numbers,
 * names and unit numbers). Fast: each board is built once per BOARD_TTL_MS per process
 * and answered from memory in between, with Cache-Control for the browser and any
 * proxy in front. */
#include "modules/sharing/sharing_internal.h"
#include "modules/cases/cases.h"
#include "api/common.h"
#include "core/time.h"
#include "modules/module.h"
#include "modules/sharing/equity.h"
#include "modules/visits/rules.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS       (24LL * 3600 * 1000)
#define BEIJING_MS   (8LL * 3600 * 1000)
#define BOARD_TTL_MS (60LL * 1000)
#define CACHE_SLOTS  64
#define TREND_MONTHS 6
#define RECENT_CASES 10
#define ACTIVITIES_N 10

/* ================================================================ the cache */

typedef struct {
	char code[SPACE_CODE_SIZE];
	int64_t at;
	char *json; /* the body, malloc'd */
} slot;

static slot cache[CACHE_SLOTS];
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;

/* A copy of the cached body of code when fresh (caller frees), else NULL. */
static char *cache_get(const char *code, int64_t now)
{
	char *out = NULL;
	pthread_mutex_lock(&cache_mu);
	for (int i = 0; i < CACHE_SLOTS; i++)
		if (cache[i].json && !strcmp(cache[i].code, code) &&
		    now - cache[i].at < BOARD_TTL_MS) {
			out = strdup(cache[i].json);
			break;
		}
	pthread_mutex_unlock(&cache_mu);
	return out;
}

static void cache_put(const char *code, int64_t now, const char *json)
{
	pthread_mutex_lock(&cache_mu);
	int k = 0;
	for (int i = 0; i < CACHE_SLOTS; i++) {
		if (!strcmp(cache[i].code, code)) {
			k = i;
			break;
		}
		if (cache[i].at < cache[k].at)
			k = i; /* the oldest goes */
	}
	free(cache[k].json);
	snprintf(cache[k].code, sizeof cache[k].code, "%s", code);
	cache[k].at = now;
	cache[k].json = strdup(json);
	pthread_mutex_unlock(&cache_mu);
}

/* ================================================================ figures */

/* Free text written by people (titles of topics, projects and activities) as the board
 * shows it: phones, ID numbers and flats masked. */
static json_t *public_text(const char *s)
{
	return gz_api_public_text(s, NULL);
}

static json_t *rate(const char *label, int64_t num, int64_t den)
{
	char pct[48];
	bool ok = sharing_percent(num, den, pct, sizeof pct);
	return json_pack("{s:s,s:I,s:I,s:o}", "label", label, "numerator", (json_int_t)num,
	                 "denominator", (json_int_t)den, "percent",
	                 ok ? json_string(pct) : json_null());
}

/* The three rates of 接诉即办 (docs/METRICS.md "Case rates": 响应率, 解决率, 满意率) over the
 * cases reported in [from, to) inside [lo, hi), evaluated at as_of: the cases module's
 * counts (gz_case_counts, from its counters), so the board, the report and /stats/cases
 * agree by construction. */
json_t *sharing_three_rates(gz_db *db, const char *lo, const char *hi, int64_t from, int64_t to,
                            int64_t as_of, gz_err *err)
{
	int64_t k[CASE_COUNT__N] = {0};
	if (gz_case_counts(db, lo, hi, from, to - 1, as_of, gz_time_now_ms(), CASE_COUNTS_FAST, k,
	                   err) < 0)
		return NULL;
	return json_pack("{s:o,s:o,s:o,s:I}", "response",
	                 rate("响应率", k[CASE_K_RESPONDED_ON_TIME], k[CASE_K_DUE_RESPONSE]),
	                 "resolution", rate("解决率", k[CASE_K_RESOLVED], k[CASE_K_RATED]),
	                 "satisfaction",
	                 rate("满意率", k[CASE_K_SATISFIED] + k[CASE_K_BASIC], k[CASE_K_RATED]),
	                 "registered", (json_int_t)k[CASE_K_REGISTERED]);
}

/* Day number → its calendar year and month. */
static void day_ym(int64_t day, int *y, int *m)
{
	char b[16];
	visit_day_format(day, b, sizeof b);
	*y = atoi(b);
	*m = atoi(b + 5);
}

static int64_t day_ms(int64_t day)
{
	return day * DAY_MS - BEIJING_MS;
}

static json_t *trend(gz_db *db, const char *lo, const char *hi, int64_t now, gz_err *err)
{
	int y, m;
	day_ym(visit_day_of_ms(now), &y, &m);
	/* Back to the first month shown. */
	m -= TREND_MONTHS - 1;
	while (m < 1)
		m += 12, y--;
	json_t *arr = json_array();
	for (int i = 0; i < TREND_MONTHS; i++) {
		int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
		int64_t from = day_ms(visit_day_from_civil(y, m, 1));
		int64_t to = day_ms(visit_day_from_civil(ny, nm, 1));
		json_t *r = sharing_three_rates(db, lo, hi, from, to, to < now ? to : now, err);
		if (!r) {
			json_decref(arr);
			return NULL;
		}
		char month[16];
		snprintf(month, sizeof month, "%04d-%02d", y, m);
		json_object_set_new(r, "month", json_string(month));
		json_array_append_new(arr, r);
		y = ny, m = nm;
	}
	return arr;
}

static const char *satisfaction_label(const char *s)
{
	if (!s)
		return NULL;
	if (!strcmp(s, "satisfied"))
		return "满意";
	if (!strcmp(s, "basically_satisfied"))
		return "基本满意";
	if (!strcmp(s, "unsatisfied"))
		return "不满意";
	return NULL;
}

/* The latest closed cases: category, grid name, report and close dates, rating. */
static json_t *recent_closed(gz_db *db, const char *lo, const char *hi, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT k.name, g.name, c.reported_at, c.closed_at, c.satisfaction, c.request_type "
	    "FROM cases c JOIN case_categories k ON k.id = c.category_id JOIN grids g ON g.code = "
	    "c.grid_code WHERE c.grid_code >= $1 AND c.grid_code < $2 AND c.closed_at IS NOT "
	    "NULL AND c.state IN ('closed', 'rated') ORDER BY c.closed_at DESC, c.id DESC LIMIT "
	    "$3",
	    err);
	if (!st)
		return NULL;
	gz_stmt_bind_str(st, 1, lo);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_int64(st, 3, RECENT_CASES);
	json_t *arr = json_array();
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		const char *sat =
		    gz_stmt_isnull(st, 4) ? NULL : satisfaction_label(gz_stmt_text(st, 4));
		json_array_append_new(
		    arr,
		    json_pack("{s:s,s:s,s:o,s:o,s:o}", "category", gz_stmt_text(st, 0), "grid_name",
		              gz_stmt_text(st, 1), "reported_on",
		              sharing_day_json(visit_day_of_ms(gz_stmt_int64(st, 2))), "closed_on",
		              sharing_day_json(visit_day_of_ms(gz_stmt_int64(st, 3))),
		              "satisfaction", sat ? json_string(sat) : json_null()));
	}
	gz_stmt_finish(st);
	if (rc < 0) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

/* Activities of the community (the latest by start), and the service done there. */
static json_t *activities(gz_db *db, const char *lo, const char *hi, int64_t now, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT a.title, a.kind, a.organiser_name, a.start_at, a.end_at, a.status, "
	    "COALESCE(g.name, c.name, ''), a.confirmed_n FROM mob_activities a LEFT JOIN grids g "
	    "ON g.code = a.place_code LEFT JOIN communities c ON c.code = a.place_code WHERE "
	    "a.place_code >= $1 AND a.place_code < $2 AND a.status <> 'cancelled' ORDER BY "
	    "a.start_at DESC, a.id DESC LIMIT $3",
	    err);
	if (!st)
		return NULL;
	gz_stmt_bind_str(st, 1, lo);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_int64(st, 3, ACTIVITIES_N);
	json_t *items = json_array();
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW)
		json_array_append_new(
		    items, json_pack("{s:o,s:s,s:o,s:o,s:o,s:s,s:s,s:I}", "title",
		                     public_text(gz_stmt_text(st, 0)), "kind", gz_stmt_text(st, 1),
		                     "organiser", public_text(gz_stmt_text(st, 2)), "start_at",
		                     gz_api_time_json(gz_stmt_int64(st, 3)), "end_at",
		                     gz_api_time_json(gz_stmt_int64(st, 4)), "status",
		                     gz_stmt_text(st, 5), "place_name", gz_stmt_text(st, 6),
		                     "participants", (json_int_t)gz_stmt_int64(st, 7)));
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;
	/* Service: all time and the last 90 days, minutes and distinct volunteers. */
	int64_t since = now - 90 * DAY_MS;
	st = gz_db_prepare(db,
	                   "SELECT SUM(minutes), COUNT(DISTINCT user_id), SUM(CASE WHEN "
	                   "COALESCE(started_at, recorded_at) >= $3 THEN minutes ELSE 0 END) FROM "
	                   "mob_service_records WHERE scope_code >= $1 AND scope_code < $2 AND "
	                   "kind IN ('service', 'correction')",
	                   err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, lo);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_int64(st, 3, since);
	int64_t total = 0, people = 0, recent = 0;
	if ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		total = gz_stmt_isnull(st, 0) ? 0 : gz_stmt_int64(st, 0);
		people = gz_stmt_int64(st, 1);
		recent = gz_stmt_isnull(st, 2) ? 0 : gz_stmt_int64(st, 2);
	}
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;
	char h1[48], h2[48];
	sharing_decimal(total, 60, 1, h1, sizeof h1);
	sharing_decimal(recent, 60, 1, h2, sizeof h2);
	/* Fewer than 5 volunteers: no count (they could be told apart). */
	return json_pack("{s:o,s:{s:I,s:s,s:I,s:s,s:o}}", "items", items, "service", "minutes",
	                 (json_int_t)total, "hours", h1, "minutes_90_days", (json_int_t)recent,
	                 "hours_90_days", h2, "volunteers",
	                 people > 0 && sharing_suppressed(people) ? json_null()
	                                                          : json_integer(people));
fail:
	json_decref(items);
	return NULL;
}

/* ================================================================ deliberation, projects */

#define VOTES_N     10
#define PUBLICITY_N 10
#define PROJECTS_N  10

/* The counts of a stored result's part ({owners, area?}: heads and areas, never who). */
static json_t *heads(json_t *result, const char *key)
{
	json_t *o = json_object_get(result, key), *n = json_object_get(o, "owners"),
	       *a = json_object_get(o, "area");
	json_t *out = json_object();
	json_object_set_new(out, "heads", json_is_integer(n) ? json_incref(n) : json_null());
	if (json_is_string(a))
		json_object_set(out, "area", a);
	return out;
}

/* The latest closed votes of the community's published topics: the topic's title, when it
 * closed, passed or not, and the counts (eligible, participating, agree). */
static json_t *vote_results(gz_db *db, const char *lo, const char *hi, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT t.title, v.rule, v.electorate, v.closed_at, v.result FROM votes v JOIN topics "
	    "t ON t.id = v.topic_id WHERE v.scope_code >= $1 AND v.scope_code < $2 AND v.state = "
	    "'closed' AND v.result IS NOT NULL AND t.published_at IS NOT NULL ORDER BY "
	    "v.closed_at DESC, v.id DESC LIMIT $3",
	    err);
	if (!st)
		return NULL;
	gz_stmt_bind_str(st, 1, lo);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_int64(st, 3, VOTES_N);
	json_t *arr = json_array();
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		json_t *res = json_loads(gz_stmt_text(st, 4), 0, NULL);
		/* Fewer than 5 eligible: the counts would tell each one's ballot (3 of 3 agree). */
		json_t *el = json_object_get(json_object_get(res, "eligible"), "owners");
		bool small = !json_is_integer(el) || sharing_suppressed(json_integer_value(el));
		json_array_append_new(
		    arr,
		    json_pack("{s:o,s:s,s:s,s:o,s:b,s:b,s:o,s:o,s:o}", "topic",
		              public_text(gz_stmt_text(st, 0)), "rule", gz_stmt_text(st, 1),
		              "electorate", gz_stmt_text(st, 2), "closed_on",
		              sharing_day_json(visit_day_of_ms(gz_stmt_int64(st, 3))), "passed",
		              json_is_true(json_object_get(res, "passed")), "suppressed", small,
		              "eligible", small ? json_null() : heads(res, "eligible"),
		              "participating", small ? json_null() : heads(res, "participating"),
		              "agree", small ? json_null() : heads(res, "agree")));
		json_decref(res);
	}
	gz_stmt_finish(st);
	if (rc < 0) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

/* Publicity notices (公示): the community's topics whose publicity runs now or ended in
 * the last 30 days — title and the day it ends. */
static json_t *publicity(gz_db *db, const char *lo, const char *hi, int64_t now, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT title, publicity_until FROM topics WHERE scope_code >= "
	                            "$1 AND scope_code < $2 AND publicity_until IS NOT NULL AND "
	                            "publicity_until >= $3 AND published_at IS NOT NULL ORDER BY "
	                            "publicity_until DESC, id DESC LIMIT $4",
	                            err);
	if (!st)
		return NULL;
	gz_stmt_bind_str(st, 1, lo);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_int64(st, 3, now - 30 * DAY_MS);
	gz_stmt_bind_int64(st, 4, PUBLICITY_N);
	json_t *arr = json_array();
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		int64_t until = gz_stmt_int64(st, 1);
		json_array_append_new(arr, json_pack("{s:o,s:o,s:b}", "topic",
		                                     public_text(gz_stmt_text(st, 0)), "until",
		                                     sharing_day_json(visit_day_of_ms(until)),
		                                     "running", until > now));
	}
	gz_stmt_finish(st);
	if (rc < 0) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static const char *project_status_label(const char *s)
{
	return !strcmp(s, "planning")    ? "筹备中"
	       : !strcmp(s, "running")   ? "实施中"
	       : !strcmp(s, "completed") ? "已完成"
	                                 : "";
}

/* The community's projects (项目清单), the latest first: title, status, budget, milestones
 * done of all, and the units' commitments (how many units, how much). */
static json_t *projects(gz_db *db, const char *lo, const char *hi, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT p.title, p.status, p.budget_fen, p.completed_at, (SELECT COUNT(*) FROM "
	    "match_milestones m WHERE m.project_id = p.id), (SELECT COUNT(*) FROM match_milestones "
	    "m WHERE m.project_id = p.id AND m.done_at IS NOT NULL), (SELECT COUNT(DISTINCT "
	    "c.org_id) FROM match_commitments c WHERE c.project_id = p.id), (SELECT "
	    "COALESCE(SUM(c.amount_fen), 0) FROM match_commitments c WHERE c.project_id = p.id) "
	    "FROM match_projects p WHERE p.scope_code >= $1 AND p.scope_code < $2 ORDER BY p.id "
	    "DESC LIMIT $3",
	    err);
	if (!st)
		return NULL;
	gz_stmt_bind_str(st, 1, lo);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_int64(st, 3, PROJECTS_N);
	json_t *arr = json_array();
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		char budget[48], committed[48];
		sharing_decimal(gz_stmt_int64(st, 2), 100, 2, budget, sizeof budget);
		sharing_decimal(gz_stmt_int64(st, 7), 100, 2, committed, sizeof committed);
		const char *status = gz_stmt_text(st, 1);
		json_array_append_new(
		    arr,
		    json_pack("{s:o,s:s,s:s,s:s,s:o,s:I,s:I,s:I,s:s}", "title",
		              public_text(gz_stmt_text(st, 0)), "status", status, "status_label",
		              project_status_label(status), "budget_yuan", budget, "completed_on",
		              gz_stmt_isnull(st, 3)
		                  ? json_null()
		                  : sharing_day_json(visit_day_of_ms(gz_stmt_int64(st, 3))),
		              "milestones", (json_int_t)gz_stmt_int64(st, 4), "milestones_done",
		              (json_int_t)gz_stmt_int64(st, 5), "units",
		              (json_int_t)gz_stmt_int64(st, 6), "committed_yuan", committed));
	}
	gz_stmt_finish(st);
	if (rc < 0) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

/* ================================================================ routes */

static void reply_cached(gz_req *r, const char *json)
{
	gz_reply_header(r, "Cache-Control", "public, max-age=60");
	gz_reply_raw(r, 200, "application/json; charset=utf-8", json, strlen(json));
}

static void board_answer(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const char *code = gz_req_param(r, "code"), *why;
	int64_t now = gz_time_now_ms();
	if (!code || space_code_level(code) != SPACE_COMMUNITY ||
	    space_code_check(code, SPACE_COMMUNITY, &why) < 0) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这个社区");
		goto fail;
	}
	char *hit = cache_get(code, now);
	if (hit) {
		reply_cached(r, hit);
		free(hit);
		return;
	}
	gz_db *db = gz_req_db(r, &err);
	if (!db)
		goto fail;
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT c.name, s.name FROM communities c JOIN streets s ON "
	                            "s.code = c.street_code WHERE c.code = $1",
	                            &err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, code);
	int rc = gz_stmt_step(st, &err);
	json_t *community = rc == GZ_ROW
	                        ? json_pack("{s:s,s:s,s:s}", "code", code, "name",
	                                    gz_stmt_text(st, 0), "street_name", gz_stmt_text(st, 1))
	                        : NULL;
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;
	if (!community) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这个社区");
		goto fail;
	}
	char hi[GZ_SCOPE_MAX + 2];
	policy_scope_upper(code, hi, sizeof hi);
	json_t *rates = sharing_three_rates(db, code, hi, now - 90 * DAY_MS, now + 1, now, &err);
	json_t *tr = rates ? trend(db, code, hi, now, &err) : NULL;
	json_t *closed = tr ? recent_closed(db, code, hi, &err) : NULL;
	json_t *acts = closed ? activities(db, code, hi, now, &err) : NULL;
	json_t *vr = acts ? vote_results(db, code, hi, &err) : NULL;
	json_t *pub = vr ? publicity(db, code, hi, now, &err) : NULL;
	json_t *proj = pub ? projects(db, code, hi, &err) : NULL;
	if (!proj) {
		json_decref(community), json_decref(rates), json_decref(tr), json_decref(closed);
		json_decref(acts), json_decref(vr), json_decref(pub);
		goto fail;
	}
	json_t *body = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "community",
	                         community, "generated_at", gz_api_time_json(now), "rates", rates,
	                         "trend", tr, "recent_closed", closed, "activities",
	                         json_incref(json_object_get(acts, "items")), "service",
	                         json_incref(json_object_get(acts, "service")), "votes", vr,
	                         "publicity", pub, "projects", proj);
	json_decref(acts);
	char *s = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	cache_put(code, now, s);
	reply_cached(r, s);
	free(s);
	return;
fail:
	gz_reply_err(r, &err);
}

static void board(gz_req *r)
{
	gz_api_read(r, board_answer);
}

/* Every community with its street: the board's picker. */
static void communities_answer(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_req_db(r, &err);
	gz_stmt *st = db ? gz_db_prepare(db,
	                                 "SELECT c.code, c.name, s.name FROM communities c JOIN "
	                                 "streets s ON s.code = c.street_code ORDER BY c.code "
	                                 "LIMIT 5000",
	                                 &err)
	                 : NULL;
	if (!st) {
		gz_reply_err(r, &err);
		return;
	}
	json_t *items = json_array();
	int rc;
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW)
		json_array_append_new(items, json_pack("{s:s,s:s,s:s}", "code", gz_stmt_text(st, 0),
		                                       "name", gz_stmt_text(st, 1), "street_name",
		                                       gz_stmt_text(st, 2)));
	gz_stmt_finish(st);
	if (rc < 0) {
		json_decref(items);
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_header(r, "Cache-Control", "public, max-age=300");
	gz_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

static void communities(gz_req *r)
{
	gz_api_read(r, communities_answer);
}

const gz_module_route gz_sharing_board_routes[] = {
    {"GET", "/api/v1/public/communities", communities, GZ_ROUTE_PUBLIC, 0},
    {"GET", "/api/v1/public/communities/{code}/board", board, GZ_ROUTE_PUBLIC, 0},
    {0},
};
