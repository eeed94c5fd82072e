/* The needs list (需求清单, 点单): post a need (a resident for themselves, staff on a
 * resident's behalf), list them, one need, a resident's own needs, and the steps after
 * a provider took it — done with hours, rated by the resident — or its cancellation.
 * Also what the module's handler files share (match_internal.h). */
#include "modules/matching/match_internal.h"
#include "api/fields.h"
#include "api/list.h"
#include "core/json.h"
#include "core/utf8.h"
#include "core/time.h"
#include "modules/accounts/accounts.h"
#include "modules/mobilisation/mobilisation.h"
#include "modules/module.h"
#include "modules/notify/notify.h"
#include "modules/people/people.h"

#include <stdio.h>
#include <string.h>

/* ================================================================ shared */

int64_t match_path_id(gz_req *r)
{
	return gz_api_parse_id(gz_req_param(r, "id"));
}

void match_actor_name(gz_db *db, const gz_actor *a, char *out, size_t cap)
{
	snprintf(out, cap, "%s", a->username);
	if (a->user_id) {
		gz_user_row u;
		gz_err e;
		gz_err_clear(&e);
		if (gz_user_get(db, a->user_id, false, &u, &e) > 0 && u.display_name[0])
			snprintf(out, cap, "%s", u.display_name);
	}
}

int match_audit(const gz_actor *a, gz_db *db, const char *action, const char *type, int64_t id,
                const char *scope, json_t *detail, gz_err *err)
{
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	int rc = gz_audit(a, db, action, type, ids, scope, detail, err);
	json_decref(detail);
	return rc;
}

int match_finish(const gz_actor *a, gz_db *db, int status, json_t *answer, json_t **out,
                 gz_err *err)
{
	if (answer && gz_api_commit(a->req, db, status, answer, err) == 0) {
		*out = answer;
		return 0;
	}
	if (!answer && !err->kind)
		gz_err_set(err, GZ_EINTERNAL, "internal", "新写入的记录读不到");
	gz_db_rollback(db);
	json_decref(answer);
	return -1;
}

void match_handle(gz_req *r, match_id_write_fn fn, int status)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *out = NULL, *in = r->body_len ? gz_req_json(r, &err) : json_object();
	int rc =
	    in ? fn(NULL, gz_req_actor(r), match_path_id(r), in, gz_time_now_ms(), &out, &err) : -1;
	json_decref(in);
	if (rc < 0)
		gz_reply_err(r, &err);
	else
		gz_reply_json(r, status, out);
}

void match_create(gz_req *r, match_write_fn fn)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *out = NULL, *in = gz_req_json(r, &err);
	int rc = in ? fn(NULL, gz_req_actor(r), in, gz_time_now_ms(), &out, &err) : -1;
	json_decref(in);
	if (rc < 0)
		gz_reply_err(r, &err);
	else
		gz_reply_json(r, 201, out);
}

void match_scoped_list(gz_req *r, const char *sql, policy_resource res, const char *const *texts,
                       int ntexts, json_t *(*row)(gz_req *r, gz_stmt *st, int64_t *key))
{
	gz_err err;
	gz_err_clear(&err);
	const char *filter = NULL;
	if (gz_people_place_filter(r, &filter, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_api_scoped_list(r, &(gz_api_list_query){.sql = sql,
	                                           .action = ACT_READ,
	                                           .res = res,
	                                           .filter = filter,
	                                           .texts = texts,
	                                           .ntexts = ntexts,
	                                           .row = row});
}

int match_setting(gz_db *db, const char *name, int64_t *value, gz_err *err)
{
	*value = 0;
	int rc = gz_db_query_int64_text(
	    db, "SELECT value FROM match_settings WHERE scope = '' AND name = $1", value, err,
	    name);
	return rc < 0 ? -1 : 0;
}

int match_scope_check(const gz_actor *a, policy_action act, policy_resource res, const char *scope,
                      gz_err *err)
{
	if (act != ACT_READ && gz_actor_check(a, ACT_READ, res, scope, err) < 0) {
		if (err->kind == GZ_EFORBIDDEN)
			gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		return -1;
	}
	if (gz_actor_check(a, act, res, scope, err) < 0) {
		if (act == ACT_READ && err->kind == GZ_EFORBIDDEN)
			gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		return -1;
	}
	return 0;
}

bool match_grants_serve(const gz_grant *g, int n, const char *scope)
{
	for (int i = 0; i < n; i++)
		if (policy_allows(g[i].role, ACT_WRITE, RES_MATCH_OFFER) &&
		    (policy_scope_contains(g[i].scope, scope) ||
		     policy_scope_contains(scope, g[i].scope)))
			return true;
	return false;
}

bool match_offer_serving(const gz_actor *a, int64_t user, const char *scope)
{
	if (!a || !user || user != a->user_id)
		return false;
	if (a->kind == GZ_ACTOR_OPERATOR)
		return true;
	return match_grants_serve(a->grants, a->ngrants, scope);
}

/* ================================================================ one need */

/* Someone who may not see the resident's name (a provider, the resident themselves
 * through a staff list never) sees the building without the flat, and the name of who
 * posted it masked (a resident posting for themselves posts under their own name). */
json_t *match_need_json(const gz_actor *a, gz_arena *A, gz_stmt *st)
{
	const char *grid = gz_stmt_text(st, 1);
	bool visible = gz_people_name_visible(a, grid);
	int state = need_state_parse(gz_stmt_text(st, 14));
	int kind = need_kind_parse(gz_stmt_text(st, 5));
	json_t *offer = gz_stmt_isnull(st, 15)
	                    ? json_null()
	                    : json_pack("{s:o,s:s}", "id", gz_api_id_json(gz_stmt_int64(st, 15)),
	                                "name", gz_stmt_text(st, 16));
	json_t *j = json_pack(
	    "{s:o,s:s,s:s,s:{s:o,s:s,s:b},s:s,s:s,s:s,s:s,s:s,s:{s:f,s:f},s:s,s:o,s:o,s:I,s:s,s:s,"
	    "s:o,s:o,s:o,s:s,s:s,s:o,s:o,s:I}",
	    "id", gz_api_id_json(gz_stmt_int64(st, 0)), "grid_code", grid, "grid_name",
	    gz_stmt_text(st, 2), "resident", "id", gz_api_id_json(gz_stmt_int64(st, 3)), "name",
	    gz_people_name_shown(A, visible, gz_stmt_text(st, 4)), "name_masked", !visible, "kind",
	    gz_stmt_text(st, 5), "kind_label", need_kind_label(kind), "skill", gz_stmt_text(st, 6),
	    "title", gz_stmt_text(st, 7), "description", gz_stmt_text(st, 8), "location", "lng",
	    (double)gz_stmt_int64(st, 9) / 1e7, "lat", (double)gz_stmt_int64(st, 10) / 1e7,
	    "address", gz_stmt_text(st, visible ? 24 : 25), "window_start",
	    gz_api_time_json(gz_stmt_int64(st, 11)), "window_end",
	    gz_api_time_json(gz_stmt_int64(st, 12)), "est_minutes",
	    (json_int_t)gz_stmt_int64(st, 13), "status", gz_stmt_text(st, 14), "status_label",
	    need_state_label((need_state)state), "offer", offer, "minutes",
	    gz_stmt_isnull(st, 17) ? json_null() : json_integer(gz_stmt_int64(st, 17)), "rating",
	    gz_stmt_isnull(st, 18) ? json_null() : json_integer(gz_stmt_int64(st, 18)),
	    "rating_comment", gz_stmt_text(st, 19), "posted_by",
	    gz_people_name_shown(A, visible, gz_stmt_text(st, 20)), "created_at",
	    gz_api_time_json(gz_stmt_int64(st, 21)), "updated_at",
	    gz_api_time_json(gz_stmt_int64(st, 22)), "points", (json_int_t)gz_stmt_int64(st, 23));
	return j;
}

int match_need_read(gz_db *db, const gz_actor *a, gz_arena *A, int64_t id, json_t **out,
                    gz_err *err)
{
	*out = NULL;
	gz_stmt *st = gz_db_prepare(db, "SELECT " NEED_COLS NEED_FROM " WHERE n.id = $1", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW)
		*out = match_need_json(a, A, st);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

int match_need_load(gz_db *db, int64_t id, match_need_row *n, gz_err *err)
{
	memset(n, 0, sizeof *n);
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT n.id, n.grid_code, n.status, n.resident_id, "
	                            "COALESCE(n.offer_id, 0), COALESCE(r.user_id, 0), "
	                            "COALESCE(o.user_id, 0), n.window_end FROM match_needs n JOIN "
	                            "residents r ON r.id = n.resident_id LEFT JOIN match_offers o "
	                            "ON o.id = n.offer_id WHERE n.id = $1",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		n->id = gz_stmt_int64(st, 0);
		snprintf(n->grid, sizeof n->grid, "%s", gz_stmt_text(st, 1));
		n->state = need_state_parse(gz_stmt_text(st, 2));
		n->resident_id = gz_stmt_int64(st, 3);
		n->offer_id = gz_stmt_int64(st, 4);
		n->resident_user = gz_stmt_int64(st, 5);
		n->offer_user = gz_stmt_int64(st, 6);
		n->window_end = gz_stmt_int64(st, 7);
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

int gz_match_need_brief(gz_db *db, const gz_actor *a, int64_t id, char grid[16], char *title,
                        size_t cap, gz_err *err)
{
	match_need_row n;
	int rc = match_need_load(db, id, &n, err);
	if (rc <= 0)
		return rc;
	bool own = a->kind == GZ_ACTOR_USER && n.resident_user && n.resident_user == a->user_id;
	gz_err denied;
	gz_err_clear(&denied);
	if (!own && gz_actor_check(a, ACT_READ, RES_MATCH_NEED, n.grid, &denied) < 0)
		return 0;
	gz_stmt *st = gz_db_prepare(db, "SELECT title FROM match_needs WHERE id = $1", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) { /* cut on a character boundary */
		const char *t = gz_stmt_text(st, 0);
		size_t n = gz_utf8_prefix(t, strlen(t), cap - 1);
		memcpy(title, t, n);
		title[n] = '\0';
	}
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	snprintf(grid, 16, "%s", n.grid);
	return rc == GZ_ROW;
}

int match_need_move(gz_db *db, match_need_row *n, need_action act, int64_t now, gz_err *err)
{
	int to = need_transition((need_state)n->state, act);
	if (to < 0)
		return gz_err_set(err, GZ_ECONFLICT, "bad_state", "需求当前为「%s」，不能%s",
		                  need_state_label((need_state)n->state),
		                  act == NEED_ACCEPT     ? "接单"
		                  : act == NEED_DECLINE  ? "拒绝"
		                  : act == NEED_COMPLETE ? "登记完成"
		                  : act == NEED_RATE     ? "评价"
		                  : act == NEED_CANCEL   ? "取消"
		                                         : "变更");
	gz_stmt *st = gz_db_prepare(
	    db, "UPDATE match_needs SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, need_state_code((need_state)to));
	gz_stmt_bind_int64(st, 2, now);
	gz_stmt_bind_int64(st, 3, n->id);
	gz_stmt_bind_str(st, 4, need_state_code((need_state)n->state));
	int rc = gz_stmt_step(st, err);
	int64_t changed = rc < 0 ? 0 : gz_stmt_changes(st);
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	if (!changed)
		return gz_err_set(err, GZ_ECONFLICT, "bad_state",
		                  "需求的状态刚被改变，请刷新后再试");
	n->state = to;
	return 0;
}

/* ================================================================ post a need */

#define NEED_TEXT_MAX 1000

/* The point of a resident's home: their household's unit's building, else the middle of
 * their grid. 1 found (unit set when by unit), 0 none, -1 error. */
static int home_point(gz_db *db, int64_t resident, int64_t *unit, int64_t *lng, int64_t *lat,
                      gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT u.id, b.lng_e7, b.lat_e7, (g.min_lng_e7 + g.max_lng_e7) / 2, (g.min_lat_e7 + "
	    "g.max_lat_e7) / 2 FROM residents r LEFT JOIN households h ON h.id = r.household_id "
	    "LEFT JOIN units u ON u.id = h.unit_id LEFT JOIN buildings b ON b.id = u.building_id "
	    "LEFT JOIN grids g ON g.code = r.grid_code WHERE r.id = $1",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, resident);
	int rc = gz_stmt_step(st, err), found = 0;
	if (rc == GZ_ROW) {
		if (!gz_stmt_isnull(st, 0) && !gz_stmt_isnull(st, 1)) {
			*unit = gz_stmt_int64(st, 0);
			*lng = gz_stmt_int64(st, 1);
			*lat = gz_stmt_int64(st, 2);
			found = 1;
		} else if (!gz_stmt_isnull(st, 3)) {
			*lng = gz_stmt_int64(st, 3);
			*lat = gz_stmt_int64(st, 4);
			found = 1;
		}
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : found;
}

int gz_match_need_create(gz_db *db, const gz_actor *a, json_t *in, int64_t now, json_t **out,
                         gz_err *err)
{
	*out = NULL;
	int64_t resident = 0, ws = 0, we = 0, est = 0;
	const char *kind = "service", *skill = NULL, *title = NULL, *desc = "";
	double lng = 0, lat = 0;
	bool has_lng = json_object_get(in, "lng") && !json_is_null(json_object_get(in, "lng"));
	bool has_lat = json_object_get(in, "lat") && !json_is_null(json_object_get(in, "lat"));
	gz_api_id_field(in, "resident_id", GZ_OPTIONAL, &resident, err);
	if (gz_api_str_field(in, "kind", GZ_OPTIONAL, 1, 16, &kind, err) == 0 &&
	    need_kind_parse(kind) < 0)
		gz_err_field(err, "kind", "应为 service（服务）或 wish（微心愿）");
	gz_api_str_field(in, "skill", GZ_REQUIRED, 1, 32, &skill, err);
	gz_api_str_field(in, "title", GZ_REQUIRED, 1, 100, &title, err);
	gz_api_str_field(in, "description", GZ_OPTIONAL, 0, NEED_TEXT_MAX, &desc, err);
	if (has_lng != has_lat)
		gz_err_field(err, has_lng ? "lat" : "lng", "经度和纬度须同时给出");
	gz_json_double(in, "lng", GZ_OPTIONAL, 73, 136, &lng, err);
	gz_json_double(in, "lat", GZ_OPTIONAL, 3, 54, &lat, err);
	gz_api_time_field(in, "window_start", GZ_REQUIRED, &ws, NULL, err);
	if (gz_api_time_field(in, "window_end", GZ_REQUIRED, &we, NULL, err) == 0 &&
	    !gz_api_has_field(err, "window_start")) {
		if (we <= ws)
			gz_err_field(err, "window_end", "结束时间应晚于开始时间");
		else if (we <= now)
			gz_err_field(err, "window_end", "结束时间已过");
		else if (we - ws > 366LL * 86400000)
			gz_err_field(err, "window_end", "时间窗最长一年");
	}
	gz_json_int(in, "est_minutes", GZ_REQUIRED, 1, 10080, &est, err);
	if (gz_json_check(err) < 0 || !(db || (db = gz_req_db(a->req, err))) ||
	    gz_db_begin(db, err) < 0)
		return -1;
	gz_people_brief p;
	int rc = resident ? gz_people_brief_get(db, resident, &p, err)
	                  : gz_people_brief_of_user(db, a->user_id, &p, err);
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		if (resident)
			gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		else {
			gz_err_set(err, GZ_EINVALID, "invalid_fields", "请选择需求所属的居民");
			gz_err_field(err, "resident_id",
			             "您的账号没有关联居民信息，请由社区代为登记");
		}
		goto fail;
	}
	/* A resident posts for themselves by account link; anyone else needs write on needs
	 * at the resident's grid (404 outside, as for a resident that does not exist). */
	bool self = a->user_id && p.user_id == a->user_id;
	if (!self && match_scope_check(a, ACT_WRITE, RES_MATCH_NEED, p.grid_code, err) < 0)
		goto fail;
	int64_t unit = 0, lng7 = 0, lat7 = 0;
	if (has_lng) {
		lng7 = (int64_t)(lng * 1e7 + (lng >= 0 ? 0.5 : -0.5));
		lat7 = (int64_t)(lat * 1e7 + (lat >= 0 ? 0.5 : -0.5));
	} else {
		rc = home_point(db, p.id, &unit, &lng7, &lat7, err);
		if (rc < 0)
			goto fail;
		if (rc == 0) {
			gz_err_set(err, GZ_EINVALID, "invalid_fields", "请给出需求的地点");
			gz_err_field(err, "lng", "居民没有登记住址，请在地图上选择地点");
			goto fail;
		}
	}
	char who[512];
	match_actor_name(db, a, who, sizeof who);
	gz_stmt *st = gz_db_prepare(
	    db,
	    "INSERT INTO match_needs (grid_code, resident_id, posted_by, posted_by_name, kind, "
	    "skill, title, description, unit_id, lng_e7, lat_e7, window_start, window_end, "
	    "est_minutes, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
	    "$9, $10, $11, $12, $13, $14, 'open', $15, $15) RETURNING id",
	    err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, p.grid_code);
	gz_stmt_bind_int64(st, 2, p.id);
	gz_stmt_bind_id(st, 3, a->user_id);
	gz_stmt_bind_str(st, 4, who);
	gz_stmt_bind_str(st, 5, kind);
	gz_stmt_bind_str(st, 6, skill);
	gz_stmt_bind_str(st, 7, title);
	gz_stmt_bind_str(st, 8, desc);
	gz_stmt_bind_id(st, 9, unit);
	gz_stmt_bind_int64(st, 10, lng7);
	gz_stmt_bind_int64(st, 11, lat7);
	gz_stmt_bind_int64(st, 12, ws);
	gz_stmt_bind_int64(st, 13, we);
	gz_stmt_bind_int64(st, 14, est);
	gz_stmt_bind_int64(st, 15, now);
	int64_t id = 0;
	rc = gz_stmt_step_id(st, &id, err);
	gz_stmt_finish(st);
	/* The audit row names the resident and the skill, never the description. */
	if (rc < 0 || gz_db_count_add(db, "match_needs", 1, err) < 0 ||
	    match_audit(a, db, "match_need.create", "match_need", id, p.grid_code,
	                json_pack("{s:o,s:s,s:b}", "resident_id", gz_api_id_json(p.id), "skill",
	                          skill, "self", self),
	                err) < 0)
		goto fail;
	json_t *ans = NULL;
	if (match_need_read(db, a, a->req ? &a->req->arena : NULL, id, &ans, err) < 0)
		goto fail;
	return match_finish(a, db, 201, ans, out, err);
fail:
	gz_db_rollback(db);
	return -1;
}

static void need_create(gz_req *r)
{
	match_create(r, gz_match_need_create);
}

/* ================================================================ steps */

/* Staff writing needs at n's grid. Someone who may not even read the needs there gets
 * 404, as for a need that does not exist (a resident trying another's need). */
static int staff_check(const gz_actor *a, const match_need_row *n, gz_err *err)
{
	return match_scope_check(a, ACT_WRITE, RES_MATCH_NEED, n->grid, err);
}

/* May the actor act for the provider of n (the offer's account), or as staff? */
static int provider_or_staff(const gz_actor *a, const match_need_row *n, gz_err *err)
{
	if (a->user_id && n->offer_user == a->user_id)
		return 0;
	return staff_check(a, n, err);
}

/* May the actor act for the resident of n (by account link), or as staff? */
static int resident_or_staff(const gz_actor *a, const match_need_row *n, gz_err *err)
{
	if (a->user_id && n->resident_user == a->user_id)
		return 0;
	return staff_check(a, n, err);
}

/* Loads need id inside a new write transaction on *db; 404 when missing. */
static int begin_need(gz_db **db, const gz_actor *a, int64_t id, match_need_row *n, gz_err *err)
{
	if (!(*db || (*db = gz_req_db(a->req, err))) || gz_db_begin(*db, err) < 0)
		return -1;
	int rc = id ? match_need_load(*db, id, n, err) : 0;
	if (rc == 0)
		gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这条记录");
	if (rc <= 0) {
		gz_db_rollback(*db);
		return -1;
	}
	return 0;
}

static int answer_need(gz_db *db, const gz_actor *a, int64_t id, json_t **out, gz_err *err)
{
	json_t *ans = NULL;
	if (match_need_read(db, a, a->req ? &a->req->arena : NULL, id, &ans, err) < 0) {
		gz_db_rollback(db);
		return -1;
	}
	return match_finish(a, db, 200, ans, out, err);
}

/* The hours of a person's offer into the provider's service record (mobilisation:
 * gz_mob_service_add): the need's title, organised by its community, ending now. A
 * unit's offer (a venue, goods) is no volunteer's service: no record. */
static int service_record(gz_db *db, const gz_actor *a, const match_need_row *n,
                          const char *community, int64_t minutes, int64_t now, int64_t *record,
                          gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT x.title, o.kind, COALESCE(c.name, '') FROM match_needs "
	                            "x JOIN match_offers o ON o.id = x.offer_id LEFT JOIN "
	                            "communities c ON c.code = $2 WHERE x.id = $1",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, n->id);
	gz_stmt_bind_str(st, 2, community);
	int rc = gz_stmt_step(st, err);
	char title[512] = "", org[256] = "";
	bool person = false;
	if (rc == GZ_ROW) {
		snprintf(title, sizeof title, "供需对接：%s", gz_stmt_text(st, 0));
		person = strcmp(gz_stmt_text(st, 1), "person") == 0;
		snprintf(org, sizeof org, "%s", gz_stmt_text(st, 2));
	}
	gz_stmt_finish(st);
	if (rc < 0 || !person)
		return rc < 0 ? -1 : 0;
	gz_mob_service s = {.user_id = n->offer_user,
	                    .scope = n->grid,
	                    .org_name = org[0] ? org : "社区",
	                    .content = title,
	                    .started_at = now - minutes * 60000,
	                    .ended_at = now,
	                    .minutes = minutes,
	                    .ref_type = "match_need",
	                    .ref_id = n->id};
	int created;
	return gz_mob_service_add(db, a, &s, now, record, &created, err);
}

int gz_match_need_complete(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                           json_t **out, gz_err *err)
{
	*out = NULL;
	int64_t minutes = 0;
	gz_json_int(in, "minutes", GZ_REQUIRED, 1, 24 * 60, &minutes, err);
	if (gz_json_check(err) < 0)
		return -1;
	match_need_row n;
	if (begin_need(&db, a, id, &n, err) < 0)
		return -1;
	if (provider_or_staff(a, &n, err) < 0 ||
	    match_need_move(db, &n, NEED_COMPLETE, now, err) < 0)
		goto fail;
	/* Points for the provider by the mobilisation module's rule "need_completed", and a
	 * person's hours into their service record (志愿服务记录), once per need. */
	int64_t points = 0, record = 0;
	if (n.offer_user) {
		char community[13];
		snprintf(community, sizeof community, "%.12s", n.grid);
		if (gz_mob_points_earn(db, a, n.offer_user, "need_completed", 1, community,
		                       "match_need", n.id, now, &points, err) < 0 ||
		    service_record(db, a, &n, community, minutes, now, &record, err) < 0)
			goto fail;
	}
	gz_stmt *st = gz_db_prepare(
	    db, "UPDATE match_needs SET minutes = $1, points = $2, done_at = $4 WHERE id = $3",
	    err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, minutes);
	gz_stmt_bind_int64(st, 2, points);
	gz_stmt_bind_int64(st, 3, n.id);
	gz_stmt_bind_int64(st, 4, now);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	gz_notice note = {.kind = "match.done",
	                  .title = "服务已完成，请为这次服务评价",
	                  .link = "/matching?tab=mine",
	                  .object_type = "match_need",
	                  .object_id = n.id};
	if (rc < 0 || gz_notify(db, a, n.resident_user, &note, err) < 0 ||
	    match_audit(a, db, "match_need.complete", "match_need", n.id, n.grid,
	                json_pack("{s:I,s:I,s:o}", "minutes", (json_int_t)minutes, "points",
	                          (json_int_t)points, "service_record_id",
	                          record ? gz_api_id_json(record) : json_null()),
	                err) < 0)
		goto fail;
	return answer_need(db, a, n.id, out, err);
fail:
	gz_db_rollback(db);
	return -1;
}

int gz_match_need_rate(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                       json_t **out, gz_err *err)
{
	*out = NULL;
	int64_t rating = 0;
	const char *comment = "";
	gz_json_int(in, "rating", GZ_REQUIRED, 1, 5, &rating, err);
	gz_api_str_field(in, "comment", GZ_OPTIONAL, 0, 500, &comment, err);
	if (gz_json_check(err) < 0)
		return -1;
	match_need_row n;
	if (begin_need(&db, a, id, &n, err) < 0)
		return -1;
	if (resident_or_staff(a, &n, err) < 0 || match_need_move(db, &n, NEED_RATE, now, err) < 0)
		goto fail;
	gz_stmt *st = gz_db_prepare(
	    db, "UPDATE match_needs SET rating = $1, rating_comment = $2 WHERE id = $3", err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, rating);
	gz_stmt_bind_str(st, 2, comment);
	gz_stmt_bind_int64(st, 3, n.id);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	if (rc < 0 || match_audit(a, db, "match_need.rate", "match_need", n.id, n.grid,
	                          json_pack("{s:I}", "rating", (json_int_t)rating), err) < 0)
		goto fail;
	return answer_need(db, a, n.id, out, err);
fail:
	gz_db_rollback(db);
	return -1;
}

/* Withdraws the open proposals of need id (cancelled, expired). */
static int withdraw_proposals(gz_db *db, int64_t need, int64_t now, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "UPDATE match_proposals SET status = 'withdrawn', decided_at = "
	                            "$1 WHERE need_id = $2 AND status = 'proposed'",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, now);
	gz_stmt_bind_int64(st, 2, need);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

int gz_match_need_cancel(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                         json_t **out, gz_err *err)
{
	*out = NULL;
	const char *reason = "";
	gz_api_str_field(in, "reason", GZ_OPTIONAL, 0, 200, &reason, err);
	if (gz_json_check(err) < 0)
		return -1;
	match_need_row n;
	if (begin_need(&db, a, id, &n, err) < 0)
		return -1;
	if (resident_or_staff(a, &n, err) < 0 ||
	    match_need_move(db, &n, NEED_CANCEL, now, err) < 0 ||
	    withdraw_proposals(db, n.id, now, err) < 0 ||
	    match_audit(a, db, "match_need.cancel", "match_need", n.id, n.grid,
	                json_pack("{s:s}", "reason", reason), err) < 0)
		goto fail;
	return answer_need(db, a, n.id, out, err);
fail:
	gz_db_rollback(db);
	return -1;
}

int gz_match_expire(gz_db *db, const gz_actor *a, int64_t now, int *n, gz_err *err)
{
	*n = 0;
	int64_t ids[200];
	int k = 0;
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT id FROM match_needs WHERE status IN ('open', "
	                            "'proposed') AND window_end < $1 ORDER BY window_end LIMIT 200",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, now);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW && k < 200)
		ids[k++] = gz_stmt_int64(st, 0);
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	for (int i = 0; i < k; i++) {
		match_need_row r;
		if (match_need_load(db, ids[i], &r, err) < 0)
			return -1;
		if (match_need_move(db, &r, NEED_EXPIRE, now, err) < 0 ||
		    withdraw_proposals(db, r.id, now, err) < 0 ||
		    match_audit(a, db, "match_need.expire", "match_need", r.id, r.grid, NULL, err) <
		        0)
			return -1;
	}
	*n = k;
	return 0;
}

static void need_complete(gz_req *r)
{
	match_handle(r, gz_match_need_complete, 200);
}

static void need_rate(gz_req *r)
{
	match_handle(r, gz_match_need_rate, 200);
}

static void need_cancel(gz_req *r)
{
	match_handle(r, gz_match_need_cancel, 200);
}

/* ================================================================ read */

static json_t *need_row(gz_req *r, gz_stmt *st, int64_t *key)
{
	*key = match_key(gz_stmt_int64(st, 0));
	return match_need_json(gz_req_actor(r), &r->arena, st);
}

#define NEED_LIST_FILTERS " AND ($5 = '' OR n.status = $5) AND ($6 = '' OR n.skill = $6)"
static const char need_list_sql[] =
    "SELECT " NEED_COLS NEED_FROM " WHERE n.grid_code >= $1 AND n.grid_code < $2 AND n.id < "
    "" MATCH_KEY_TOP_SQL " - $3" NEED_LIST_FILTERS " ORDER BY n.id DESC LIMIT $4";

/* GET /needs?grid|community|street=&status=&skill= */
static void need_list(gz_req *r)
{
	const char *status = gz_req_query(r, "status"), *skill = gz_req_query(r, "skill");
	if (status && need_state_parse(status) < 0) {
		gz_err err;
		gz_err_clear(&err);
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 status 无效");
		gz_err_field(&err, "status",
		             "应为 open、proposed、taken、done、rated、cancelled、expired 之一");
		gz_reply_err(r, &err);
		return;
	}
	const char *texts[2] = {status, skill};
	match_scoped_list(r, need_list_sql, RES_MATCH_NEED, texts, 2, need_row);
}

/* GET /needs/{id}: staff in scope, the resident (by account link), or the provider. */
static void need_get(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t id = match_path_id(r);
	gz_db *db = gz_req_db(r, &err);
	match_need_row n;
	json_t *out = NULL;
	const gz_actor *a = gz_req_actor(r);
	int rc = db && id ? match_need_load(db, id, &n, &err) : db ? 0 : -1;
	if (rc == 0)
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
	if (rc <= 0)
		goto fail;
	if (!(a->user_id && (n.resident_user == a->user_id || n.offer_user == a->user_id)) &&
	    match_scope_check(a, ACT_READ, RES_MATCH_NEED, n.grid, &err) < 0)
		goto fail;
	if (match_need_read(db, a, &r->arena, id, &out, &err) <= 0)
		goto fail;
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_json(r, 200, out);
	return;
fail:
	gz_reply_err(r, &err);
}

/* GET /me/needs: the needs of the caller's own resident record, newest first. */
static void my_needs(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	gz_db *db = gz_req_db(r, &err);
	json_t *items = json_array();
	if (!db)
		goto fail;
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT " NEED_COLS NEED_FROM " WHERE r.user_id = $1 ORDER BY n.id DESC LIMIT 100",
	    &err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, a->user_id);
	int rc;
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW)
		json_array_append_new(items, match_need_json(a, &r->arena, st));
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_json(r, 200, json_pack("{s:o,s:n}", "items", items, "next_cursor"));
	return;
fail:
	json_decref(items);
	gz_reply_err(r, &err);
}

const gz_module_route gz_match_need_routes[] = {
    {"POST", "/api/v1/needs", need_create, 0, 0},
    {"GET", "/api/v1/needs", need_list, 0, 0},
    {"GET", "/api/v1/me/needs", my_needs, 0, 0},
    {"GET", "/api/v1/needs/{id}", need_get, 0, 0},
    {"POST", "/api/v1/needs/{id}/complete", need_complete, 0, 0},
    {"POST", "/api/v1/needs/{id}/rate", need_rate, 0, 0},
    {"POST", "/api/v1/needs/{id}/cancel", need_cancel, 0, 0},
    {0},
};
