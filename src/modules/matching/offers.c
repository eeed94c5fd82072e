/* The resources list (资源清单): offers by Party members, volunteers and co-building
 * units — skills, capacity per week, service area (a radius around a base point, or a
 * set of grids), availability windows, and a unit's venues, goods and funds. */
#include "modules/matching/match_internal.h"
#include "api/fields.h"
#include "api/list.h"
#include "core/json.h"
#include "core/time.h"
#include "modules/accounts/accounts.h"
#include "modules/module.h"
#include "modules/org/org.h"
#include "modules/people/people.h"
#include "modules/space/space.h"

#include "domain/space_code.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OFFER_COLS                                                                                 \
	"o.id, o.scope_code, COALESCE(g.name, c.name, s.name, o.scope_code), o.kind, o.user_id, "  \
	"o.org_id, o.name, o.skills, o.capacity_per_week, o.radius_m, o.lng_e7, o.lat_e7, "        \
	"o.grids, o.windows, o.items, o.status, o.created_at, (SELECT COUNT(*) FROM match_needs "  \
	"x WHERE x.offer_id = o.id AND x.status IN ('proposed', 'taken'))"
#define OFFER_FROM                                                                                 \
	" FROM match_offers o LEFT JOIN grids g ON g.code = o.scope_code LEFT JOIN communities c " \
	"ON c.code = o.scope_code LEFT JOIN streets s ON s.code = o.scope_code"

static json_t *parsed(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);
	return j ? j : json_array();
}

static json_t *offer_json(gz_stmt *st)
{
	return json_pack(
	    "{s:o,s:s,s:s,s:s,s:s,s:o,s:o,s:s,s:o,s:I,s:I,s:{s:f,s:f},s:o,s:o,s:o,s:s,s:o,s:I}",
	    "id", gz_api_id_json(gz_stmt_int64(st, 0)), "scope_code", gz_stmt_text(st, 1),
	    "scope_name", gz_stmt_text(st, 2), "kind", gz_stmt_text(st, 3), "kind_label",
	    strcmp(gz_stmt_text(st, 3), "unit") == 0 ? "共建单位" : "个人", "user_id",
	    gz_api_id_json(gz_stmt_int64(st, 4)), "org_id", gz_api_id_or_null(st, 5), "name",
	    gz_stmt_text(st, 6), "skills", parsed(gz_stmt_text(st, 7)), "capacity_per_week",
	    (json_int_t)gz_stmt_int64(st, 8), "radius_m", (json_int_t)gz_stmt_int64(st, 9), "base",
	    "lng", (double)gz_stmt_int64(st, 10) / 1e7, "lat", (double)gz_stmt_int64(st, 11) / 1e7,
	    "grids", parsed(gz_stmt_text(st, 12)), "windows", parsed(gz_stmt_text(st, 13)), "items",
	    parsed(gz_stmt_text(st, 14)), "status", gz_stmt_text(st, 15), "created_at",
	    gz_api_time_json(gz_stmt_int64(st, 16)), "load", (json_int_t)gz_stmt_int64(st, 17));
}

static int offer_read(gz_db *db, int64_t id, json_t **out, gz_err *err)
{
	*out = NULL;
	gz_stmt *st = gz_db_prepare(db, "SELECT " OFFER_COLS OFFER_FROM " WHERE o.id = $1", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW)
		*out = offer_json(st);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

/* ================================================================ checks */

static bool hhmm(const char *s)
{
	return s && strlen(s) == 5 && s[2] == ':' && s[0] >= '0' && s[0] <= '2' && s[1] >= '0' &&
	       s[1] <= '9' && (s[0] < '2' || s[1] <= '3') && s[3] >= '0' && s[3] <= '5' &&
	       s[4] >= '0' && s[4] <= '9';
}

/* skills: 1..20 distinct non-empty strings of at most 32 characters. */
static void check_skills(json_t *v, gz_err *err)
{
	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > 20) {
		gz_err_field(err, "skills", v ? "应为 1 到 20 项技能的列表" : "必填");
		return;
	}
	size_t i;
	json_t *s;
	json_array_foreach(v, i, s)
	{
		const char *t = json_string_value(s);
		if (!t || !t[0] || json_string_length(s) > 96) {
			gz_err_field(err, "skills", "第 %zu 项技能应为非空文字", i + 1);
			return;
		}
	}
}

static void check_windows(json_t *v, gz_err *err)
{
	if (!v || json_is_null(v))
		return;
	if (!json_is_array(v) || json_array_size(v) > 50) {
		gz_err_field(err, "windows", "应为时段列表（至多 50 项）");
		return;
	}
	size_t i;
	json_t *w;
	json_array_foreach(v, i, w)
	{
		json_t *d = json_object_get(w, "weekday");
		const char *f = json_string_value(json_object_get(w, "from")),
		           *t = json_string_value(json_object_get(w, "to"));
		if (!json_is_integer(d) || json_integer_value(d) < 1 || json_integer_value(d) > 7 ||
		    !hhmm(f) || !hhmm(t) || strcmp(f, t) >= 0) {
			gz_err_field(err, "windows",
			             "第 %zu 项应为 {weekday: 1-7, from: \"HH:MM\", to: \"HH:MM\"}",
			             i + 1);
			return;
		}
	}
}

static void check_items(json_t *v, gz_err *err)
{
	if (!v || json_is_null(v))
		return;
	if (!json_is_array(v) || json_array_size(v) > 50) {
		gz_err_field(err, "items", "应为物品列表（至多 50 项）");
		return;
	}
	size_t i;
	json_t *it;
	json_array_foreach(v, i, it)
	{
		const char *k = json_string_value(json_object_get(it, "kind")),
		           *n = json_string_value(json_object_get(it, "name"));
		json_t *q = json_object_get(it, "quantity");
		if (!k || (strcmp(k, "venue") && strcmp(k, "goods") && strcmp(k, "funds")) || !n ||
		    !n[0] || !json_is_integer(q) || json_integer_value(q) < 0 ||
		    json_integer_value(q) > 1000000000) {
			gz_err_field(err, "items",
			             "第 %zu 项应为 {kind: venue|goods|funds, name, quantity ≥ 0}",
			             i + 1);
			return;
		}
	}
}

static void check_grids(json_t *v, gz_err *err)
{
	if (!v || json_is_null(v))
		return;
	if (!json_is_array(v) || json_array_size(v) > 100) {
		gz_err_field(err, "grids", "应为网格编码列表（至多 100 项）");
		return;
	}
	size_t i;
	json_t *g;
	json_array_foreach(v, i, g)
	{
		const char *c = json_string_value(g);
		if (!c || space_code_check(c, SPACE_GRID, NULL) < 0) {
			gz_err_field(err, "grids", "第 %zu 项不是网格编码", i + 1);
			return;
		}
	}
}

/* ================================================================ create */

static char *dump_or(json_t *v, const char *dflt)
{
	return v && !json_is_null(v) ? json_dumps(v, JSON_COMPACT) : strdup(dflt);
}

int gz_match_offer_create(gz_db *db, const gz_actor *a, json_t *in, int64_t now, json_t **out,
                          gz_err *err)
{
	*out = NULL;
	const char *kind = NULL, *scope = NULL, *name = "";
	int64_t user = 0, org = 0, cap = 0, radius = 0;
	double lng = 0, lat = 0;
	if (gz_api_str_field(in, "kind", GZ_REQUIRED, 1, 16, &kind, err) == 0 &&
	    strcmp(kind, "person") && strcmp(kind, "unit"))
		gz_err_field(err, "kind", "应为 person（个人）或 unit（共建单位）");
	gz_api_id_field(in, "user_id", GZ_OPTIONAL, &user, err);
	gz_api_id_field(in, "org_id", GZ_OPTIONAL, &org, err);
	if (kind && strcmp(kind, "unit") == 0 && !org && !gz_api_has_field(err, "org_id"))
		gz_err_field(err, "org_id", "共建单位的资源须指明单位");
	gz_api_str_field(in, "name", GZ_OPTIONAL, 0, 100, &name, err);
	gz_api_code_field(in, "scope_code", GZ_REQUIRED,
	                  GZ_API_AT_STREET | GZ_API_AT_COMMUNITY | GZ_API_AT_GRID, &scope, err);
	json_t *skills = json_object_get(in, "skills");
	check_skills(skills, err);
	gz_json_int(in, "capacity_per_week", GZ_REQUIRED, 0, 100, &cap, err);
	gz_json_int(in, "radius_m", GZ_REQUIRED, 0, 100000, &radius, err);
	gz_json_double(in, "lng", GZ_REQUIRED, 73, 136, &lng, err);
	gz_json_double(in, "lat", GZ_REQUIRED, 3, 54, &lat, err);
	json_t *grids = json_object_get(in, "grids"), *windows = json_object_get(in, "windows"),
	       *items = json_object_get(in, "items");
	check_grids(grids, err);
	check_windows(windows, err);
	check_items(items, err);
	if (gz_json_check(err) < 0 || !(db || (db = gz_req_db(a->req, err))) ||
	    gz_db_begin(db, err) < 0)
		return -1;
	char *sk = NULL, *gr = NULL, *wi = NULL, *it = NULL;
	int rc = gz_space_node_exists(db, scope, err);
	if (rc <= 0) {
		if (rc == 0) {
			gz_err_set(err, GZ_EINVALID, "invalid_fields", "地点不存在");
			gz_err_field(err, "scope_code", "地点不存在");
		}
		goto fail;
	}
	/* Someone offers their own service where they may write offers; staff record an
	 * offer for another account (user_id) where they write offers. */
	if (!user)
		user = a->user_id;
	if (!user) {
		gz_err_set(err, GZ_EINVALID, "invalid_fields", "请指明提供服务的账号");
		gz_err_field(err, "user_id", "必填");
		goto fail;
	}
	if (match_scope_check(a, ACT_WRITE, RES_MATCH_OFFER, scope, err) < 0)
		goto fail;
	char who[512];
	snprintf(who, sizeof who, "%s", name);
	if (org) {
		gz_org_brief ob;
		if ((rc = gz_org_ref(db, a, org, scope, "org_id", &ob, err)) <= 0) {
			if (rc == 0)
				gz_json_check(err);
			goto fail;
		}
		if (!who[0])
			snprintf(who, sizeof who, "%s", ob.name);
	}
	if (!who[0]) {
		gz_user_row ur;
		if (gz_user_get(db, user, false, &ur, err) <= 0) {
			if (!err->kind) {
				gz_err_set(err, GZ_EINVALID, "invalid_fields", "账号不存在");
				gz_err_field(err, "user_id", "账号不存在");
			}
			goto fail;
		}
		snprintf(who, sizeof who, "%s", ur.display_name[0] ? ur.display_name : ur.username);
	}
	sk = json_dumps(skills, JSON_COMPACT);
	gr = dump_or(grids, "[]");
	wi = dump_or(windows, "[]");
	it = dump_or(items, "[]");
	gz_stmt *st = gz_db_prepare(
	    db,
	    "INSERT INTO match_offers (scope_code, kind, user_id, org_id, name, skills, "
	    "capacity_per_week, radius_m, lng_e7, lat_e7, grids, windows, items, status, "
	    "created_by, "
	    "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
	    "$13, "
	    "'active', $14, $15, $15) RETURNING id",
	    err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, scope);
	gz_stmt_bind_str(st, 2, kind);
	gz_stmt_bind_int64(st, 3, user);
	gz_stmt_bind_id(st, 4, org);
	gz_stmt_bind_str(st, 5, who);
	gz_stmt_bind_str(st, 6, sk);
	gz_stmt_bind_int64(st, 7, cap);
	gz_stmt_bind_int64(st, 8, radius);
	gz_stmt_bind_int64(st, 9, (int64_t)(lng * 1e7 + 0.5));
	gz_stmt_bind_int64(st, 10, (int64_t)(lat * 1e7 + 0.5));
	gz_stmt_bind_str(st, 11, gr);
	gz_stmt_bind_str(st, 12, wi);
	gz_stmt_bind_str(st, 13, it);
	gz_stmt_bind_id(st, 14, a->user_id);
	gz_stmt_bind_int64(st, 15, now);
	int64_t id = 0;
	rc = gz_stmt_step_id(st, &id, err);
	gz_stmt_finish(st);
	if (rc < 0 ||
	    match_audit(a, db, "match_offer.create", "match_offer", id, scope,
	                json_pack("{s:s,s:o}", "kind", kind, "user_id", gz_api_id_json(user)),
	                err) < 0)
		goto fail;
	free(sk);
	free(gr);
	free(wi);
	free(it);
	json_t *ans = NULL;
	if (offer_read(db, id, &ans, err) < 0) {
		gz_db_rollback(db);
		return -1;
	}
	return match_finish(a, db, 201, ans, out, err);
fail:
	free(sk);
	free(gr);
	free(wi);
	free(it);
	gz_db_rollback(db);
	return -1;
}

static void offer_create(gz_req *r)
{
	match_create(r, gz_match_offer_create);
}

/* POST /offers/{id}/withdraw: its owner or staff; its open proposals are withdrawn and
 * their needs open again. */
static int offer_withdraw(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                          json_t **out, gz_err *err)
{
	(void)in;
	*out = NULL;
	if (!(db || (db = gz_req_db(a->req, err))) || gz_db_begin(db, err) < 0)
		return -1;
	char scope[16] = "", status[16] = "";
	int64_t user = 0;
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT scope_code, user_id, status FROM match_offers WHERE id = $1", err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		snprintf(scope, sizeof scope, "%s", gz_stmt_text(st, 0));
		user = gz_stmt_int64(st, 1);
		snprintf(status, sizeof status, "%s", gz_stmt_text(st, 2));
	}
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;
	if (rc == GZ_DONE) {
		gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto fail;
	}
	if (!(a->user_id && user == a->user_id) &&
	    match_scope_check(a, ACT_WRITE, RES_MATCH_OFFER, scope, err) < 0)
		goto fail;
	if (strcmp(status, "active") != 0) {
		gz_err_set(err, GZ_ECONFLICT, "bad_state", "该资源已撤回");
		goto fail;
	}
	const char *sql[] = {
	    "UPDATE match_offers SET status = 'withdrawn', updated_at = $1 WHERE id = $2",
	    "UPDATE match_needs SET status = 'open', offer_id = NULL, updated_at = $1 WHERE "
	    "offer_id = $2 AND status = 'proposed'",
	    "UPDATE match_proposals SET status = 'withdrawn', decided_at = $1 WHERE offer_id = $2 "
	    "AND status = 'proposed'",
	};
	for (size_t i = 0; i < sizeof sql / sizeof *sql; i++) {
		if (!(st = gz_db_prepare(db, sql[i], err)))
			goto fail;
		gz_stmt_bind_int64(st, 1, now);
		gz_stmt_bind_int64(st, 2, id);
		rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			goto fail;
	}
	json_t *ans = NULL;
	if (match_audit(a, db, "match_offer.withdraw", "match_offer", id, scope, NULL, err) < 0 ||
	    offer_read(db, id, &ans, err) < 0)
		goto fail;
	return match_finish(a, db, 200, ans, out, err);
fail:
	gz_db_rollback(db);
	return -1;
}

static void offer_withdraw_h(gz_req *r)
{
	match_handle(r, offer_withdraw, 200);
}

/* ================================================================ read */

static json_t *offer_row(gz_req *r, gz_stmt *st, int64_t *key)
{
	(void)r;
	*key = match_key(gz_stmt_int64(st, 0));
	return offer_json(st);
}

static const char offer_list_sql[] =
    "SELECT " OFFER_COLS OFFER_FROM " WHERE o.scope_code >= $1 AND o.scope_code < $2 AND o.id < "
    "" MATCH_KEY_TOP_SQL
    " - $3 AND ($5 = '' OR o.status = $5) AND ($6 = '' OR o.kind = $6) ORDER BY "
    "o.id DESC LIMIT $4";

/* GET /offers?grid|community|street=&status=&kind= */
static void offer_list(gz_req *r)
{
	const char *status = gz_req_query(r, "status"), *kind = gz_req_query(r, "kind");
	bool bad_status = status && strcmp(status, "active") && strcmp(status, "withdrawn");
	if (bad_status || (kind && strcmp(kind, "person") && strcmp(kind, "unit"))) {
		gz_err err;
		gz_err_clear(&err);
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 %s 无效",
		           bad_status ? "status" : "kind");
		gz_err_field(&err, bad_status ? "status" : "kind",
		             bad_status ? "应为 active 或 withdrawn" : "应为 person 或 unit");
		gz_reply_err(r, &err);
		return;
	}
	const char *texts[2] = {status, kind};
	match_scoped_list(r, offer_list_sql, RES_MATCH_OFFER, texts, 2, offer_row);
}

/* GET /me/offers: the caller's own offers. */
static void my_offers(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_req_db(r, &err);
	json_t *items = json_array();
	gz_stmt *st = db ? gz_db_prepare(db,
	                                 "SELECT " OFFER_COLS OFFER_FROM
	                                 " WHERE o.user_id = $1 ORDER BY o.id DESC LIMIT 100",
	                                 &err)
	                 : NULL;
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, gz_req_actor(r)->user_id);
	int rc;
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW)
		json_array_append_new(items, offer_json(st));
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

static void offer_get(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t id = match_path_id(r);
	gz_db *db = gz_req_db(r, &err);
	json_t *out = NULL;
	int rc = db && id ? offer_read(db, id, &out, &err) : db ? 0 : -1;
	if (rc == 0)
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
	if (rc <= 0)
		goto fail;
	const gz_actor *a = gz_req_actor(r);
	const char *scope = json_string_value(json_object_get(out, "scope_code"));
	if (!(a->user_id &&
	      gz_api_parse_id(json_string_value(json_object_get(out, "user_id"))) == a->user_id) &&
	    match_scope_check(a, ACT_READ, RES_MATCH_OFFER, scope, &err) < 0)
		goto fail;
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_json(r, 200, out);
	return;
fail:
	json_decref(out);
	gz_reply_err(r, &err);
}

const gz_module_route gz_match_offer_routes[] = {
    {"POST", "/api/v1/offers", offer_create, 0, 0},
    {"GET", "/api/v1/offers", offer_list, 0, 0},
    {"GET", "/api/v1/me/offers", my_offers, 0, 0},
    {"GET", "/api/v1/offers/{id}", offer_get, 0, 0},
    {"POST", "/api/v1/offers/{id}/withdraw", offer_withdraw_h, 0, 0},
    {0},
};
