/* Who is due a visit (GET /visits/due) and how many visits were made (GET
 * /visits/counts), inside the caller's scopes. docs/METRICS.md "Visits" has the formulas. */
#include "modules/visits/visits_internal.h"
#include "api/common.h"
#include "api/list.h"
#include "core/mem.h"
#include "modules/module.h"
#include "modules/people/people.h"
#include "modules/people/person.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The due state of every key-group resident in the caller's scopes for action on visits
 * (narrowed by the place filter), from one read snapshot. Returns 0 or -1 with err. */
static int collect_scoped(gz_req *r, gz_db *db, policy_action action, const char *filter,
                          int64_t today, visits_due_set *out, gz_err *err)
{
	const char *scopes[GZ_AUTH_MAX_GRANTS];
	int ns = gz_auth_scopes(r, action, RES_VISIT, scopes, GZ_AUTH_MAX_GRANTS, err);
	if (ns < 0)
		return -1;
	for (int s = 0; s < ns; s++) {
		char lo[GZ_SCOPE_MAX + 2], hi[GZ_SCOPE_MAX + 2];
		if (gz_api_scope_range(scopes[s], filter, lo, hi) &&
		    visits_due_collect(db, lo, hi, today, out, err) < 0)
			return -1;
	}
	return 0;
}

/* ================================================================ the due list */

/* A page's order: the earliest due date first (the longest overdue), then the resident.
 * key = (due_on + 2^20) * 2^40 + resident id: positive, and ids stay below 2^40. */
static int64_t due_key(const visits_due_row *d)
{
	return ((d->due.due_on + (INT64_C(1) << 20)) << 40) | d->resident_id;
}

static int cmp_due(const void *a, const void *b)
{
	int64_t x = due_key(a), y = due_key(b);
	return (x > y) - (x < y);
}

/* Ordinary tag labels of a residents.tags cell ("living_alone,elderly_80"). Sensitive
 * tags are never in that cell. */
static json_t *tag_labels(const char *cell)
{
	json_t *out = json_array();
	char buf[512];
	snprintf(buf, sizeof buf, "%s", cell);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		const person_tag *p = person_tag_find(t);
		json_array_append_new(out, json_string(p ? p->label : t));
	}
	return out;
}

static json_t *due_item(gz_req *r, gz_db *db, const visits_due_row *d, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT r.name, r.household_id, " VISITS_ADDRESS ", r.tags, "
	                            "g.name FROM residents r LEFT JOIN households h ON h.id = "
	                            "r.household_id" VISITS_ADDRESS_JOIN " LEFT JOIN grids g ON "
	                            "g.code = r.grid_code WHERE r.id = $1",
	                            err);
	if (!st)
		return NULL;
	gz_stmt_bind_int64(st, 1, d->resident_id);
	int rc = gz_stmt_step(st, err);
	json_t *it = NULL;
	if (rc == GZ_ROW) {
		bool visible = gz_people_name_visible(gz_req_actor(r), d->grid);
		it = json_pack(
		    "{s:{s:o,s:s,s:b},s:s,s:o,s:o,s:o,s:i,s:o,s:o,s:I,s:s}", "resident", "id",
		    gz_api_id_json(d->resident_id), "name",
		    gz_people_name_shown(&r->arena, visible, gz_stmt_text(st, 0)), "name_masked",
		    !visible, "grid_code", d->grid, "grid_name", gz_api_text_or_null(st, 4),
		    "household",
		    gz_stmt_isnull(st, 1)
		        ? json_null()
		        : json_pack("{s:o,s:s}", "id", gz_api_id_json(gz_stmt_int64(st, 1)),
		                    "address", gz_stmt_text(st, 2)),
		    "tags", tag_labels(gz_stmt_text(st, 3)), "interval_days", d->interval,
		    "last_visited_on", d->visited ? visits_day_json(d->last_on) : json_null(),
		    "due_on", visits_day_json(d->due.due_on), "days_late",
		    (json_int_t)d->due.days_late, "state", visit_state_code(d->due.state));
	} else if (rc == GZ_DONE) {
		gz_err_set(err, GZ_EINTERNAL, "db_error", "resident vanished");
	}
	gz_stmt_finish(st);
	return it;
}

/* GET /visits/due?state=due|overdue&grid|community|street=&limit=&cursor=: the key-group
 * residents whose visit is due or overdue today, inside the caller's visit-read scopes,
 * the longest overdue first; with the totals of the whole filter ("due", "overdue",
 * "tracked": residents with a visit frequency). */
static void due_answer(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	visits_due_set set = {0};
	json_t *items = NULL;
	const char *filter = NULL, *want = gz_req_query(r, "state");
	int limit;
	int64_t after;
	gz_db *db = gz_req_db(r, &err);
	if (!db || gz_req_list_params(r, &limit, &after, &err) < 0 ||
	    gz_people_place_filter(r, &filter, &err) < 0)
		goto fail;
	if (want && strcmp(want, "due") && strcmp(want, "overdue")) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 state 无效");
		gz_err_field(&err, "state", "应为 due 或 overdue");
		goto fail;
	}
	if (collect_scoped(r, db, ACT_READ, filter, visits_today(), &set, &err) < 0)
		goto fail;
	if (set.n)
		qsort(set.rows, set.n, sizeof *set.rows, cmp_due);
	int64_t due = 0, overdue = 0, next = 0, last_key = 0;
	items = json_array();
	for (size_t i = 0; i < set.n; i++) {
		const visits_due_row *d = &set.rows[i];
		due += d->due.state == VISIT_DUE;
		overdue += d->due.state == VISIT_OVERDUE;
		bool listed = want ? !strcmp(want, visit_state_code(d->due.state))
		                   : d->due.state == VISIT_DUE || d->due.state == VISIT_OVERDUE;
		if (!listed || due_key(d) <= after || next)
			continue;
		if ((int)json_array_size(items) == limit) {
			next = last_key; /* a further row: the next page starts after the last */
			continue;
		}
		json_t *it = due_item(r, db, d, &err);
		if (!it)
			goto fail;
		json_array_append_new(items, it);
		last_key = due_key(d);
	}
	json_t *body = gz_list_json(r, items, 0);
	items = NULL;
	json_object_set_new(body, "due", json_integer(due));
	json_object_set_new(body, "overdue", json_integer(overdue));
	json_object_set_new(body, "tracked", json_integer((json_int_t)set.n));
	json_object_set_new(body, "today", visits_day_json(visits_today()));
	if (next) {
		char cur[24];
		snprintf(cur, sizeof cur, "%lld", (long long)next);
		json_object_set_new(body, "next_cursor", json_string(cur));
	}
	visits_due_free(&set);
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_json(r, 200, body);
	return;
fail:
	visits_due_free(&set);
	json_decref(items);
	gz_reply_err(r, &err);
}

static void due_list(gz_req *r)
{
	gz_api_read(r, due_answer);
}

/* ================================================================ counts */

/* One group of the counts: a grid, or a visitor. */
typedef struct {
	char grid[SPACE_CODE_SIZE];
	char grid_name[200];
	int64_t visitor_id;
	char visitor[256];
	int64_t visits, residents, households;
	int64_t tracked, due, overdue;
} group;

typedef struct {
	group *g;
	size_t n, cap;
} groups;

/* A new group at the end (no search: groups are merged once, by merge_groups). */
static group *group_add(groups *gs, const char *grid, int64_t visitor_id, const char *visitor)
{
	if (gs->n == gs->cap) {
		gs->cap = gs->cap ? 2 * gs->cap : 32;
		gs->g = gz_realloc(gs->g, gs->cap * sizeof *gs->g);
	}
	group *g = &gs->g[gs->n++];
	memset(g, 0, sizeof *g);
	snprintf(g->grid, sizeof g->grid, "%s", grid);
	g->visitor_id = visitor_id;
	snprintf(g->visitor, sizeof g->visitor, "%s", visitor);
	return g;
}

static int cmp_key(const void *a, const void *b)
{
	const group *x = a, *y = b;
	int c = strcmp(x->grid, y->grid);
	if (c)
		return c;
	if (x->visitor_id != y->visitor_id)
		return x->visitor_id < y->visitor_id ? -1 : 1;
	return x->visitor_id ? 0 : strcmp(x->visitor, y->visitor);
}

/* Sorts by key (grid, then visitor) and adds up the groups of one key. */
static void merge_groups(groups *gs)
{
	if (!gs->n)
		return;
	qsort(gs->g, gs->n, sizeof *gs->g, cmp_key);
	size_t m = 0;
	for (size_t i = 1; i < gs->n; i++) {
		group *a = &gs->g[m], *b = &gs->g[i];
		if (!cmp_key(a, b)) {
			a->visits += b->visits, a->residents += b->residents,
			    a->households += b->households;
			if (!a->grid_name[0])
				memcpy(a->grid_name, b->grid_name, sizeof a->grid_name);
		} else {
			gs->g[++m] = *b;
		}
	}
	gs->n = m + 1;
}

/* The most visits first, then by name. */
static int cmp_busiest(const void *a, const void *b)
{
	const group *x = a, *y = b;
	if (x->visits != y->visits)
		return x->visits < y->visits ? 1 : -1;
	return strcmp(x->visitor, y->visitor);
}

/* The grids of [lo, hi) in code order, with their names, appended to gs (per grid). */
static int grids_of(gz_db *db, const char *lo, const char *hi, groups *gs, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT code, name FROM grids WHERE code >= $1 AND code < $2 "
	                            "ORDER BY code",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, lo);
	gz_stmt_bind_str(st, 2, hi);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		group *g = group_add(gs, gz_stmt_text(st, 0), 0, "");
		snprintf(g->grid_name, sizeof g->grid_name, "%s", gz_stmt_text(st, 1));
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* The visits of [lo, hi) over the period, per grid or per visitor (appended to gs; the
 * caller merges): one query per grid, each an exact range of the index visits_period
 * (grid_code, visited_on, visitor_id, resident_id, household_id), so the work is the
 * grids of the range plus the visits of the period, never every visit of the range. */
static int count_range(gz_db *db, bool by_worker, const char *lo, const char *hi, int64_t from,
                       int64_t to, groups *gs, gz_err *err)
{
	/* The grids: into gs itself per grid (also those without a visit), else aside. */
	groups grids = {0}, *gl = by_worker ? &grids : gs;
	size_t first = gl->n;
	if (grids_of(db, lo, hi, gl, err) < 0) {
		free(grids.g);
		return -1;
	}
	size_t end = gl->n;
	int rc = GZ_DONE;
	for (size_t i = first; i < end && rc >= 0; i++) {
		char code[SPACE_CODE_SIZE];
		memcpy(code, gl->g[i].grid, sizeof code);
		gz_stmt *st = gz_db_prepare(
		    db,
		    by_worker
		        ? "SELECT COALESCE(v.visitor_id, 0), MAX(v.visitor_name), COUNT(*), "
		          "COUNT(DISTINCT v.resident_id), COUNT(DISTINCT v.household_id) FROM "
		          "visits "
		          "v WHERE v.grid_code = $1 AND v.visited_on >= $2 AND v.visited_on <= $3 "
		          "GROUP BY COALESCE(v.visitor_id, 0), CASE WHEN v.visitor_id IS NULL THEN "
		          "v.visitor_name ELSE '' END"
		        : "SELECT 0, '', COUNT(*), COUNT(DISTINCT v.resident_id), COUNT(DISTINCT "
		          "v.household_id) FROM visits v WHERE v.grid_code = $1 AND v.visited_on "
		          ">= "
		          "$2 AND v.visited_on <= $3",
		    err);
		if (!st) {
			rc = -1;
			break;
		}
		gz_stmt_bind_str(st, 1, code);
		gz_stmt_bind_int64(st, 2, from);
		gz_stmt_bind_int64(st, 3, to);
		while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
			group *g =
			    by_worker ? group_add(gs, "", gz_stmt_int64(st, 0), gz_stmt_text(st, 1))
			              : &gs->g[i];
			g->visits += gz_stmt_int64(st, 2);
			g->residents += gz_stmt_int64(st, 3);
			g->households += gz_stmt_int64(st, 4);
		}
		gz_stmt_finish(st);
	}
	free(grids.g);
	return rc < 0 ? -1 : 0;
}

/* GET /visits/counts?by=grid|worker&from=&to=&grid|community|street=: visits made over
 * the period [from, to] (days, inclusive; default the last 30 days) inside the caller's
 * visit-read scopes, per grid (with today's tracked, due and overdue residents of each
 * grid) or per visitor. */
static void counts_answer(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	groups gs = {0};
	visits_due_set set = {0};
	const char *filter = NULL, *by = gz_req_query(r, "by");
	int64_t today = visits_today(), to = today, from = today - 29;
	gz_db *db = gz_req_db(r, &err);
	if (!db || gz_people_place_filter(r, &filter, &err) < 0 ||
	    visits_day_query(r, "from", &from, &err) < 0 ||
	    visits_day_query(r, "to", &to, &err) < 0)
		goto fail;
	if (by && strcmp(by, "grid") && strcmp(by, "worker")) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 by 无效");
		gz_err_field(&err, "by", "应为 grid 或 worker");
		goto fail;
	}
	if (from > to || to - from > 3 * 366) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "统计区间无效");
		gz_err_field(&err, "from",
		             from > to ? "开始日期不能晚于结束日期" : "统计区间最长三年");
		goto fail;
	}
	bool by_worker = by && !strcmp(by, "worker");
	const char *scopes[GZ_AUTH_MAX_GRANTS];
	int ns = gz_auth_scopes(r, ACT_READ, RES_VISIT, scopes, GZ_AUTH_MAX_GRANTS, &err);
	if (ns < 0)
		goto fail;
	for (int s = 0; s < ns; s++) {
		char lo[GZ_SCOPE_MAX + 2], hi[GZ_SCOPE_MAX + 2];
		if (gz_api_scope_range(scopes[s], filter, lo, hi) &&
		    (count_range(db, by_worker, lo, hi, from, to, &gs, &err) < 0 ||
		     (!by_worker && visits_due_collect(db, lo, hi, today, &set, &err) < 0)))
			goto fail;
	}
	merge_groups(&gs);
	for (size_t i = 0; i < set.n; i++) {
		group key;
		memcpy(key.grid, set.rows[i].grid, sizeof key.grid);
		key.visitor_id = 0;
		key.visitor[0] = '\0';
		group *g = bsearch(&key, gs.g, gs.n, sizeof *gs.g, cmp_key);
		if (!g)
			continue; /* a grid that is gone: its residents are counted nowhere */
		g->tracked++;
		g->due += set.rows[i].due.state == VISIT_DUE;
		g->overdue += set.rows[i].due.state == VISIT_OVERDUE;
	}
	if (by_worker && gs.n)
		qsort(gs.g, gs.n, sizeof *gs.g, cmp_busiest);
	json_t *items = json_array();
	int64_t tv = 0, tr = 0, th = 0;
	for (size_t i = 0; i < gs.n; i++) {
		const group *g = &gs.g[i];
		tv += g->visits, tr += g->residents, th += g->households;
		json_t *it = json_pack("{s:I,s:I,s:I}", "visits", (json_int_t)g->visits,
		                       "residents_visited", (json_int_t)g->residents,
		                       "households_visited", (json_int_t)g->households);
		if (by_worker) {
			json_object_set_new(
			    it, "visitor",
			    json_pack("{s:o,s:s}", "id",
			              g->visitor_id ? gz_api_id_json(g->visitor_id) : json_null(),
			              "name", g->visitor));
		} else {
			json_object_set_new(it, "grid_code", json_string(g->grid));
			json_object_set_new(it, "grid_name", json_string(g->grid_name));
			json_object_set_new(it, "tracked", json_integer(g->tracked));
			json_object_set_new(it, "due", json_integer(g->due));
			json_object_set_new(it, "overdue", json_integer(g->overdue));
		}
		json_array_append_new(items, it);
	}
	free(gs.g);
	visits_due_free(&set);
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_json(r, 200,
	              json_pack("{s:s,s:o,s:o,s:o,s:{s:I,s:I,s:I}}", "by",
	                        by_worker ? "worker" : "grid", "from", visits_day_json(from), "to",
	                        visits_day_json(to), "items", items, "totals", "visits",
	                        (json_int_t)tv, "residents_visited", (json_int_t)tr,
	                        "households_visited", (json_int_t)th));
	return;
fail:
	free(gs.g);
	visits_due_free(&set);
	gz_reply_err(r, &err);
}

static void counts(gz_req *r)
{
	gz_api_read(r, counts_answer);
}

const gz_module_route gz_visits_due_routes[] = {
    {"GET", "/api/v1/visits/due", due_list, 0, 0},
    {"GET", "/api/v1/visits/counts", counts, 0, 0},
    {0},
};

int visits_period_total(gz_db *db, const char *lo, const char *hi, int64_t from, int64_t to,
                        int64_t *visits, gz_err *err)
{
	groups gs = {0};
	int rc = grids_of(db, lo, hi, &gs, err);
	for (size_t i = 0; rc == 0 && i < gs.n; i++) {
		int64_t n = 0;
		gz_stmt *st = gz_db_prepare(db,
		                            "SELECT COUNT(*) FROM visits WHERE grid_code = $1 AND "
		                            "visited_on >= $2 AND visited_on <= $3",
		                            err);
		if (!st) {
			rc = -1;
			break;
		}
		gz_stmt_bind_str(st, 1, gs.g[i].grid);
		gz_stmt_bind_int64(st, 2, from);
		gz_stmt_bind_int64(st, 3, to);
		int k = gz_stmt_step(st, err);
		if (k == GZ_ROW)
			n = gz_stmt_int64(st, 0);
		gz_stmt_finish(st);
		if (k < 0)
			rc = -1;
		*visits += n;
	}
	free(gs.g);
	return rc;
}
