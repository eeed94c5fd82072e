/* Visits: record one (POST /visits), list them (GET /visits), one visit (GET
 * /visits/{id}), and a resident's own visits (GET /me/visits). */
#include "modules/visits/visits_internal.h"
#include "api/common.h"
#include "api/fields.h"
#include "api/list.h"
#include "core/json.h"
#include "core/time.h"
#include "modules/accounts/accounts.h"
#include "modules/module.h"
#include "modules/people/people.h"

#include <stdio.h>
#include <string.h>

/* Lists run in (grid_code, id) order (api/list.h) with the newest visit of a grid first:
 * the list's key is KEY_TOP - id, so ascending keys are descending ids and the index
 * (grid_code, id DESC) gives a page by one seek. */
#define KEY_TOP     INT64_C(999999999999999999)
#define KEY_TOP_SQL "999999999999999999"

/* Every answer showing a visit reads these columns, in this order. The household shown
 * for a visit to a resident is the resident's. */
#define VISIT_COLS                                                                                 \
	"v.id, v.grid_code, v.resident_id, r.name, COALESCE(v.household_id, "                      \
	"r.household_id), " VISITS_ADDRESS                                                         \
	", v.visited_on, v.kind, v.findings, v.visitor_id, v.visitor_name, "                       \
	"v.created_at, v.household_id"
#define VISIT_FROM                                                                                 \
	" FROM visits v LEFT JOIN residents r ON r.id = v.resident_id LEFT JOIN households h ON "  \
	"h.id = COALESCE(v.household_id, r.household_id)" VISITS_ADDRESS_JOIN

static json_t *visit_json(const gz_actor *a, gz_arena *A, gz_stmt *st)
{
	const char *grid = gz_stmt_text(st, 1);
	json_t *resident = json_null();
	if (!gz_stmt_isnull(st, 2)) {
		bool visible = gz_people_name_visible(a, grid);
		resident = json_pack("{s:o,s:s,s:b}", "id", gz_api_id_json(gz_stmt_int64(st, 2)),
		                     "name", gz_people_name_shown(A, visible, gz_stmt_text(st, 3)),
		                     "name_masked", !visible);
	}
	json_t *household = gz_stmt_isnull(st, 4)
	                        ? json_null()
	                        : json_pack("{s:o,s:s}", "id", gz_api_id_json(gz_stmt_int64(st, 4)),
	                                    "address", gz_stmt_text(st, 5));
	int kind = visit_kind_parse(gz_stmt_text(st, 7));
	return json_pack(
	    "{s:o,s:s,s:s,s:o,s:o,s:o,s:s,s:s,s:s,s:{s:o,s:s},s:o}", "id",
	    gz_api_id_json(gz_stmt_int64(st, 0)), "target",
	    gz_stmt_isnull(st, 12) ? "resident" : "household", "grid_code", grid, "resident",
	    resident, "household", household, "visited_on", visits_day_json(gz_stmt_int64(st, 6)),
	    "kind", gz_stmt_text(st, 7), "kind_label", visit_kind_label((visit_kind)kind),
	    "findings", gz_stmt_text(st, 8), "visitor", "id", gz_api_id_or_null(st, 9), "name",
	    gz_stmt_text(st, 10), "created_at", gz_api_time_json(gz_stmt_int64(st, 11)));
}

/* ================================================================ record a visit */

/* The place and the residents a visit reaches: for a resident, themselves; for a
 * household, its live members. Returns 1 found, 0 not (or not live), -1 error. */
static int find_target(gz_db *db, int64_t resident, int64_t household, char grid[SPACE_CODE_SIZE],
                       gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db,
	    resident
	        ? "SELECT r.grid_code FROM residents r WHERE r.id = $1 AND " VISITS_LIVE_RESIDENT
	        : "SELECT grid_code FROM households WHERE id = $1",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, resident ? resident : household);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW)
		snprintf(grid, SPACE_CODE_SIZE, "%s", gz_stmt_text(st, 0));
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

/* Brings visit_last up to date for the residents a visit reached (never backwards: a
 * visit recorded late for an earlier day leaves a later last visit alone). */
static int touch_last(gz_db *db, int64_t resident, int64_t household, int64_t day, int64_t visit_id,
                      gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db,
	    resident
	        ? "INSERT INTO visit_last (resident_id, last_on, visit_id) VALUES ($1, $2, $3) "
	          "ON CONFLICT (resident_id) DO UPDATE SET last_on = excluded.last_on, "
	          "visit_id = excluded.visit_id WHERE excluded.last_on >= visit_last.last_on"
	        : "INSERT INTO visit_last (resident_id, last_on, visit_id) SELECT r.id, $2, $3 "
	          "FROM residents r WHERE r.household_id = $1 AND " VISITS_LIVE_RESIDENT
	          " ON CONFLICT (resident_id) DO UPDATE SET last_on = excluded.last_on, "
	          "visit_id = excluded.visit_id WHERE excluded.last_on >= visit_last.last_on",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, resident ? resident : household);
	gz_stmt_bind_int64(st, 2, day);
	gz_stmt_bind_int64(st, 3, visit_id);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

static int read_visit(gz_db *db, const gz_actor *a, gz_arena *A, int64_t id, json_t **out,
                      gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, "SELECT " VISIT_COLS VISIT_FROM " WHERE v.id = $1", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW)
		*out = visit_json(a, A, st);
	gz_stmt_finish(st);
	if (rc == GZ_DONE)
		return gz_err_set(err, GZ_EINTERNAL, "db_error", "visit %lld vanished",
		                  (long long)id);
	return rc < 0 ? -1 : 0;
}

int gz_visit_create(gz_db *db, const gz_actor *a, json_t *in, json_t **out, gz_err *err)
{
	*out = NULL;
	int64_t resident = 0, household = 0, day = 0, today = visits_today();
	const char *on = NULL, *kind_s = NULL, *findings = "";
	int kind = -1;
	int hr = gz_api_id_field(in, "resident_id", GZ_OPTIONAL, &resident, err);
	int hh = gz_api_id_field(in, "household_id", GZ_OPTIONAL, &household, err);
	if (hr == 0 && hh == 0)
		gz_err_field(err, "resident_id",
		             "请选择走访的居民或户（resident_id 或 household_id）");
	if (hr > 0 && hh > 0)
		gz_err_field(err, "household_id", "一次走访记录只对应一位居民或一户");
	if (gz_json_str(in, "visited_on", GZ_REQUIRED, 1, 10, &on, err) == 0) {
		const char *why = NULL;
		if (visit_day_parse(on, &day) < 0)
			gz_err_field(err, "visited_on", "应为日期 YYYY-MM-DD");
		else if ((why = visit_day_check(day, today)))
			gz_err_field(err, "visited_on", "%s", why);
	}
	if (gz_json_str(in, "kind", GZ_REQUIRED, 1, 16, &kind_s, err) == 0 &&
	    (kind = visit_kind_parse(kind_s)) < 0)
		gz_err_field(err, "kind",
		             "应为 routine（常规走访）、care（重点关爱）或 follow_up（回访）");
	gz_json_str(in, "findings", GZ_OPTIONAL, 0, VISIT_FINDINGS_MAX, &findings, err);
	if (gz_json_check(err) < 0 || !(db || (db = gz_req_db(a->req, err))) ||
	    gz_db_begin(db, err) < 0)
		return -1;
	char grid[SPACE_CODE_SIZE] = "", visitor[512];
	int found = find_target(db, resident, household, grid, err);
	if (found < 0)
		goto fail;
	if (!found) {
		gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto fail;
	}
	/* Outside the visitor's scope: 404, exactly as for a resident that does not exist. */
	if (gz_actor_check(a, ACT_WRITE, RES_VISIT, grid, err) < 0)
		goto fail;
	snprintf(visitor, sizeof visitor, "%s", a->username);
	if (a->user_id) {
		gz_user_row u;
		int rc = gz_user_get(db, a->user_id, false, &u, err);
		if (rc < 0)
			goto fail;
		if (rc > 0 && u.display_name[0])
			snprintf(visitor, sizeof visitor, "%s", u.display_name);
	}
	gz_stmt *st = gz_db_prepare(db,
	                            "INSERT INTO visits (grid_code, resident_id, household_id, "
	                            "visited_on, kind, findings, visitor_id, visitor_name, "
	                            "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
	                            "RETURNING id",
	                            err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, grid);
	gz_stmt_bind_id(st, 2, resident);
	gz_stmt_bind_id(st, 3, household);
	gz_stmt_bind_int64(st, 4, day);
	gz_stmt_bind_str(st, 5, visit_kind_code((visit_kind)kind));
	gz_stmt_bind_str(st, 6, findings);
	gz_stmt_bind_id(st, 7, a->user_id);
	gz_stmt_bind_str(st, 8, visitor);
	gz_stmt_bind_int64(st, 9, gz_time_now_ms());
	int64_t id = 0;
	int rc = gz_stmt_step_id(st, &id, err);
	gz_stmt_finish(st);
	if (rc < 0 || touch_last(db, resident, household, day, id, err) < 0 ||
	    gz_db_count_add(db, "visits", 1, err) < 0)
		goto fail;
	/* The audit row names the person and the date, never what was found. */
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	json_t *detail = json_pack("{s:o,s:o,s:s}", resident ? "resident_id" : "household_id",
	                           gz_api_id_json(resident ? resident : household), "visited_on",
	                           visits_day_json(day), "kind", visit_kind_code((visit_kind)kind));
	rc = gz_audit(a, db, "visit.create", "visit", ids, grid, detail, err);
	json_decref(detail);
	gz_arena *A = a->req ? &a->req->arena : NULL;
	if (rc < 0 || read_visit(db, a, A, id, out, err) < 0 ||
	    gz_api_commit(a->req, db, 201, *out, err) < 0)
		goto fail;
	return 0;
fail:
	json_decref(*out);
	*out = NULL;
	gz_db_rollback(db);
	return -1;
}

static void visit_create(gz_req *r)
{
	gz_api_create(r, gz_visit_create);
}

/* ================================================================ lists */

static json_t *visit_row(gz_req *r, gz_stmt *st, int64_t *key)
{
	*key = KEY_TOP - gz_stmt_int64(st, 0);
	return visit_json(gz_req_actor(r), &r->arena, st);
}

static int name_page(gz_db *db, json_t *items, gz_err *err)
{
	return visits_name_grids(db, items, err);
}

/* The filters of every visit list after the person's: kind ($5), visitor, from, to. */
#define LIST_FILTERS                                                                               \
	" AND ($5 = '' OR v.kind = $5) AND ($6 = 0 OR v.visitor_id = $6) AND v.visited_on >= $7 "  \
	"AND v.visited_on <= $8"
/* A person's visits: to the resident ($9), to the household ($10), or to a member of the
 * household ($11). Index: visits_resident / visits_household. */
#define PERSON_FILTER                                                                              \
	" AND (v.resident_id = $9 OR v.household_id = $10 OR v.resident_id IN (SELECT m.id FROM "  \
	"residents m WHERE m.household_id = $11))"

static const char *const list_sql[2][2] = {
    {"SELECT " VISIT_COLS VISIT_FROM
     " WHERE v.grid_code = $1 AND v.grid_code < $2 AND v.id < " KEY_TOP_SQL " - $3" LIST_FILTERS
     " ORDER BY v.id DESC LIMIT $4",
     "SELECT " VISIT_COLS VISIT_FROM
     " WHERE v.grid_code > $1 AND v.grid_code < $2 AND v.id < " KEY_TOP_SQL " - $3" LIST_FILTERS
     " ORDER BY v.grid_code, v.id DESC LIMIT $4"},
    {"SELECT " VISIT_COLS VISIT_FROM
     " WHERE v.grid_code = $1 AND v.grid_code < $2 AND v.id < " KEY_TOP_SQL
     " - $3" LIST_FILTERS PERSON_FILTER " ORDER BY v.id DESC LIMIT $4",
     "SELECT " VISIT_COLS VISIT_FROM
     " WHERE v.grid_code > $1 AND v.grid_code < $2 AND v.id < " KEY_TOP_SQL
     " - $3" LIST_FILTERS PERSON_FILTER " ORDER BY v.grid_code, v.id DESC LIMIT $4"},
};

/* ?resident= or ?household=: the record must exist and lie where the caller reads visits
 * (404 otherwise, as for a record that does not exist); sets the person filter. */
static int person_query(gz_req *r, int64_t *ints, gz_err *err)
{
	const char *rs = gz_req_query(r, "resident"), *hs = gz_req_query(r, "household");
	if (!rs && !hs)
		return 0;
	int64_t id = gz_api_parse_id(rs ? rs : hs);
	if (!id || (rs && hs)) {
		gz_err_set(err, GZ_EBADREQ, "bad_query", "查询参数无效");
		gz_err_field(err, rs ? "resident" : "household",
		             rs && hs ? "resident 与 household 只能指定一个" : "应为记录 ID");
		return -1;
	}
	gz_db *db = gz_req_db(r, err);
	if (!db)
		return -1;
	gz_stmt *st = gz_db_prepare(
	    db,
	    rs ? "SELECT grid_code, COALESCE(household_id, 0) FROM residents WHERE id = $1"
	       : "SELECT grid_code, id FROM households WHERE id = $1",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	char grid[SPACE_CODE_SIZE] = "";
	int64_t hh = 0;
	if (rc == GZ_ROW) {
		snprintf(grid, sizeof grid, "%s", gz_stmt_text(st, 0));
		hh = gz_stmt_int64(st, 1);
	}
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	if (rc == GZ_DONE)
		return gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这条记录");
	if (gz_auth_check(r, ACT_READ, RES_VISIT, grid, err) < 0)
		return -1;
	ints[3] = rs ? id : 0; /* $9 */
	ints[4] = hh;          /* $10 */
	ints[5] = rs ? 0 : id; /* $11 */
	return 1;
}

/* GET /visits?grid|community|street=&resident=&household=&worker=&kind=&from=&to= */
static void visit_list(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const char *filter = NULL, *kind = gz_req_query(r, "kind"),
	           *worker = gz_req_query(r, "worker");
	int64_t from = -100000000, to = 100000000;
	int64_t ints[6] = {0, 0, 0, 0, 0, 0}; /* worker, from, to, resident, household, members */
	int person = 0;
	if (gz_people_place_filter(r, &filter, &err) < 0 ||
	    visits_day_query(r, "from", &from, &err) < 0 ||
	    visits_day_query(r, "to", &to, &err) < 0)
		goto fail;
	if (kind && visit_kind_parse(kind) < 0) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 kind 无效");
		gz_err_field(&err, "kind", "应为 routine、care 或 follow_up");
		goto fail;
	}
	if (worker && !(ints[0] = gz_api_parse_id(worker))) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 worker 无效");
		gz_err_field(&err, "worker", "应为走访人账号的 ID");
		goto fail;
	}
	ints[1] = from;
	ints[2] = to;
	if ((person = person_query(r, ints, &err)) < 0)
		goto fail;
	const char *texts[1] = {kind ? visit_kind_code((visit_kind)visit_kind_parse(kind)) : ""};
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_api_scoped_list(r, &(gz_api_list_query){.sql = list_sql[person][0],
	                                           .sql_after = list_sql[person][1],
	                                           .action = ACT_READ,
	                                           .res = RES_VISIT,
	                                           .filter = filter,
	                                           .texts = texts,
	                                           .ntexts = 1,
	                                           .ints = ints,
	                                           .nints = person ? 6 : 3,
	                                           .row = visit_row,
	                                           .page = name_page});
	return;
fail:
	gz_reply_err(r, &err);
}

/* GET /visits/{id} */
static void visit_get(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	gz_db *db = NULL;
	json_t *out = NULL;
	if (!id) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto fail;
	}
	if (!(db = gz_req_db(r, &err)))
		goto fail;
	gz_stmt *st = gz_db_prepare(db, "SELECT " VISIT_COLS VISIT_FROM " WHERE v.id = $1", &err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, &err);
	if (rc == GZ_ROW && gz_auth_check(r, ACT_READ, RES_VISIT, gz_stmt_text(st, 1), &err) == 0)
		out = visit_json(gz_req_actor(r), &r->arena, st);
	else if (rc == GZ_DONE)
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
	gz_stmt_finish(st);
	if (!out)
		goto fail;
	json_t *one = json_array();
	json_array_append(one, out);
	if (visits_name_grids(db, one, &err) < 0) {
		json_decref(one);
		goto fail;
	}
	json_decref(one);
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_json(r, 200, out);
	return;
fail:
	json_decref(out);
	gz_reply_err(r, &err);
}

/* ================================================================ my own visits */

/* GET /me/visits: the visits to the caller's own resident record (by account link, as
 * /me/resident) and to their household: when, what kind, who came. Not what was found:
 * those are the visitor's working notes, which may concern other members of the
 * household; a resident asks the community for them (PIPL art. 45) like for any other
 * record kept about them. 404 when the account is linked to no record. */
static void my_visits(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_auth *u = gz_auth_user(r, &err);
	gz_db *db = u ? gz_req_db(r, &err) : NULL;
	int limit;
	int64_t after;
	json_t *items = NULL;
	if (!db || gz_req_list_params(r, &limit, &after, &err) < 0)
		goto fail;
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT r.id, COALESCE(r.household_id, 0) FROM residents r "
	                            "WHERE r.user_id = $1 AND " VISITS_LIVE_RESIDENT,
	                            &err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, u->user_id);
	int rc = gz_stmt_step(st, &err);
	int64_t me = rc == GZ_ROW ? gz_stmt_int64(st, 0) : 0,
	        hh = rc == GZ_ROW ? gz_stmt_int64(st, 1) : 0;
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;
	if (!me) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "您的账号没有关联居民信息");
		goto fail;
	}
	st = gz_db_prepare(db,
	                   "SELECT v.id, v.visited_on, v.kind, v.visitor_name, v.household_id FROM "
	                   "visits v WHERE (v.resident_id = $1 OR v.household_id = $2) AND ($3 = 0 "
	                   "OR v.id < $3) ORDER BY v.id DESC LIMIT $4",
	                   &err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, me);
	gz_stmt_bind_int64(st, 2, hh);
	gz_stmt_bind_int64(st, 3, after);
	gz_stmt_bind_int64(st, 4, limit + 1);
	items = json_array();
	int64_t last = 0;
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		if ((int)json_array_size(items) == limit) {
			after = last;
			break;
		}
		last = gz_stmt_int64(st, 0);
		int kind = visit_kind_parse(gz_stmt_text(st, 2));
		json_array_append_new(
		    items,
		    json_pack("{s:o,s:o,s:s,s:s,s:{s:s},s:s}", "id", gz_api_id_json(last),
		              "visited_on", visits_day_json(gz_stmt_int64(st, 1)), "kind",
		              gz_stmt_text(st, 2), "kind_label", visit_kind_label((visit_kind)kind),
		              "visitor", "name", gz_stmt_text(st, 3), "target",
		              gz_stmt_isnull(st, 4) ? "resident" : "household"));
	}
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_json(r, 200, gz_list_json(r, items, rc == GZ_ROW ? after : 0));
	return;
fail:
	json_decref(items);
	gz_reply_err(r, &err);
}

/* The first route matching a path wins: the literal paths come before /visits/{id}. */
const gz_module_route gz_visits_routes[] = {
    {"POST", "/api/v1/visits", visit_create, 0, 0},
    {"GET", "/api/v1/visits", visit_list, 0, 0},
    {"GET", "/api/v1/me/visits", my_visits, 0, 0},
    {0},
};

const gz_module_route gz_visits_one_routes[] = {
    {"GET", "/api/v1/visits/{id}", visit_get, 0, 0},
    {0},
};
