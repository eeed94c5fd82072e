/* The service catalogue and what decides deadlines and handlers: categories (two
 * levels, with time limits), the holiday calendar, and the default responsible
 * organisation of a place (case_routes). Everyone with a login reads them; categories
 * and the calendar are administered at the whole system, routes at the place they
 * belong to (case admin). Every change is audited. */
#include "modules/cases/cases_internal.h"
#include "api/common.h"
#include "core/json.h"
#include "core/time.h"
#include "domain/space_code.h"
#include "modules/module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CATEGORY_NAME_MAX 64
#define CATEGORY_DESC_MAX 200
#define CATALOGUE_MAX     2000 /* categories in one answer */

/* ---------------------------------------------------------------- categories */

#define CAT_LIST_COLS                                                                              \
	"c.id, c.code, c.name, c.kind, c.description, c.active, c.sort, c.accept_amount, "         \
	"c.accept_unit, c.dispatch_amount, c.dispatch_unit, c.sign_amount, c.sign_unit, "          \
	"c.handle_amount, c.handle_unit, c.escalate_after_hours, c.dup_radius_m, "                 \
	"c.dup_window_hours, COALESCE(p.code, ''), c.updated_at"

static json_t *limit_col(gz_stmt *st, int col)
{
	int unit = case_limit_unit_parse(gz_stmt_text(st, col + 1));
	if (gz_stmt_isnull(st, col) || unit < 0)
		return json_null();
	return case_limit_json((case_limit){(int)gz_stmt_int64(st, col), (case_limit_unit)unit});
}

static json_t *category_json(gz_stmt *st)
{
	int kind = case_kind_parse(gz_stmt_text(st, 3));
	json_t *j =
	    json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:I,s:o}", "code", gz_stmt_text(st, 1), "name",
	              gz_stmt_text(st, 2), "kind", gz_stmt_text(st, 3), "kind_label",
	              case_kind_label((case_kind)kind), "description", gz_stmt_text(st, 4),
	              "active", gz_stmt_int64(st, 5) != 0, "sort", (json_int_t)gz_stmt_int64(st, 6),
	              "updated_at", gz_api_time_json(gz_stmt_int64(st, 19)));
	const char *parent = gz_stmt_text(st, 18);
	if (*parent) {
		json_object_set_new(j, "parent", json_string(parent));
		json_object_set_new(j, "limits",
		                    json_pack("{s:o,s:o,s:o,s:o}", "accept", limit_col(st, 7),
		                              "dispatch", limit_col(st, 9), "sign",
		                              limit_col(st, 11), "handle", limit_col(st, 13)));
		json_object_set_new(j, "escalate_after_hours",
		                    gz_stmt_isnull(st, 15) ? json_null()
		                                           : json_integer(gz_stmt_int64(st, 15)));
		json_object_set_new(j, "dup_radius_m", json_integer(gz_stmt_int64(st, 16)));
		json_object_set_new(j, "dup_window_hours", json_integer(gz_stmt_int64(st, 17)));
	} else {
		json_object_set_new(j, "children", json_array());
	}
	return j;
}

/* GET /case-categories: the tree, active classes only unless ?all=1. */
static void category_list(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	bool all = gz_api_flag_query(r, "all");
	gz_db *db = gz_req_db(r, &err);
	gz_stmt *st =
	    db ? gz_db_prepare(db,
	                       "SELECT " CAT_LIST_COLS " FROM case_categories c LEFT JOIN "
	                       "case_categories p ON p.id = c.parent_id ORDER BY "
	                       "COALESCE(p.sort, c.sort), COALESCE(p.id, c.id), "
	                       "c.parent_id IS NOT NULL, c.sort, c.id LIMIT 2000",
	                       &err)
	       : NULL;
	if (!st) {
		gz_reply_err(r, &err);
		return;
	}
	json_t *items = json_array(), *major = NULL;
	int rc;
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		if (!all && !gz_stmt_int64(st, 5))
			continue;
		json_t *c = category_json(st);
		if (!json_object_get(c, "parent")) {
			major = c;
			json_array_append_new(items, c);
		} else if (major && !strcmp(json_string_value(json_object_get(major, "code")),
		                            json_string_value(json_object_get(c, "parent")))) {
			json_array_append_new(json_object_get(major, "children"), c);
		} else {
			json_decref(c); /* the minor of an inactive major */
		}
	}
	gz_stmt_finish(st);
	if (rc < 0) {
		json_decref(items);
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

static const char *const step_keys[CASE_STEP__COUNT] = {
    [CASE_STEP_ACCEPT] = "accept",
    [CASE_STEP_DISPATCH] = "dispatch",
    [CASE_STEP_SIGN] = "sign",
    [CASE_STEP_HANDLE] = "handle",
};

typedef struct {
	const char *code, *parent, *kind_s, *name, *description;
	int kind;
	bool has_limits, limits_given[CASE_STEP__COUNT];
	case_limit limits[CASE_STEP__COUNT];
	bool has_escalate, escalate_null, has_active, active;
	int64_t escalate, radius, window, sort;
	bool has_radius, has_window, has_sort;
} cat_body;

/* The fields of a category body (create: creating; else a PATCH). */
static void cat_parse(json_t *in, bool creating, cat_body *b, gz_err *err)
{
	memset(b, 0, sizeof *b);
	b->kind = -1;
	if (creating) {
		if (case_str_field(in, "code", GZ_REQUIRED, 1, CASE_CODE_MAX, &b->code, err) == 0 &&
		    b->code && !case_code_valid(b->code))
			gz_err_field(err, "code", "1 到 16 个大写字母、数字、_ 或 -");
		if (case_str_field(in, "parent", GZ_OPTIONAL, 1, CASE_CODE_MAX, &b->parent, err) ==
		        0 &&
		    b->parent && !case_code_valid(b->parent))
			gz_err_field(err, "parent", "应为大类代码");
		if (case_str_field(in, "kind", GZ_OPTIONAL, 1, 16, &b->kind_s, err) == 0 &&
		    b->kind_s && (b->kind = case_kind_parse(b->kind_s)) < 0)
			gz_err_field(err, "kind", "应为 event（事件）或 component（部件）");
		if (!b->parent && !b->kind_s)
			gz_err_field(err, "kind", "大类必填：event（事件）或 component（部件）");
		if (b->parent && b->kind_s)
			gz_err_field(err, "kind", "小类沿用大类的种类");
	} else {
		const char *fixed[] = {"code", "parent", "kind"};
		for (size_t i = 0; i < 3; i++)
			if (json_object_get(in, fixed[i]))
				gz_err_field(err, fixed[i], "不能修改");
	}
	case_str_field(in, "name", creating ? GZ_REQUIRED : GZ_OPTIONAL, 1, CATEGORY_NAME_MAX,
	               &b->name, err);
	case_str_field(in, "description", GZ_OPTIONAL, 0, CATEGORY_DESC_MAX, &b->description, err);
	json_t *lim = json_object_get(in, "limits");
	if (lim && !json_is_null(lim)) {
		b->has_limits = true;
		if (!json_is_object(lim))
			gz_err_field(err, "limits", "应为 {accept, dispatch, sign, handle}");
		else
			for (int s = CASE_STEP_ACCEPT; s <= CASE_STEP_HANDLE; s++) {
				char f[32];
				gz_err e;
				gz_err_clear(&e);
				snprintf(f, sizeof f, "limits.%s", step_keys[s]);
				case_limit_field(lim, step_keys[s], creating, &b->limits[s],
				                 &b->limits_given[s], &e);
				for (int i = 0; i < e.nfields; i++)
					gz_err_field(err, f, "%s", e.fields[i].why);
			}
	}
	json_t *esc = json_object_get(in, "escalate_after_hours");
	if (esc) {
		b->has_escalate = true;
		b->escalate_null = json_is_null(esc);
		if (!b->escalate_null)
			gz_json_int(in, "escalate_after_hours", GZ_REQUIRED, 1,
			            CASE_LIMIT_MAX_HOURS, &b->escalate, err);
	}
	b->has_radius = json_object_get(in, "dup_radius_m") != NULL;
	b->radius = 50;
	gz_json_int(in, "dup_radius_m", GZ_OPTIONAL, 1, 5000, &b->radius, err);
	b->has_window = json_object_get(in, "dup_window_hours") != NULL;
	b->window = 72;
	gz_json_int(in, "dup_window_hours", GZ_OPTIONAL, 1, CASE_LIMIT_MAX_HOURS, &b->window, err);
	b->has_sort = json_object_get(in, "sort") != NULL;
	gz_json_int(in, "sort", GZ_OPTIONAL, 0, 100000, &b->sort, err);
	b->has_active = json_object_get(in, "active") != NULL;
	b->active = true;
	gz_json_bool(in, "active", GZ_OPTIONAL, &b->active, err);
}

/* The category code's row as answered (inside the caller's transaction). */
static json_t *category_answer(gz_db *db, const char *code, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT " CAT_LIST_COLS " FROM case_categories c LEFT JOIN "
	                            "case_categories p ON p.id = c.parent_id WHERE c.code = $1",
	                            err);
	if (!st)
		return NULL;
	gz_stmt_bind_str(st, 1, code);
	json_t *out = NULL;
	if (gz_stmt_step(st, err) == GZ_ROW)
		out = category_json(st);
	gz_stmt_finish(st);
	if (!out && !err->kind)
		gz_err_set(err, GZ_EINTERNAL, "internal", "类别读不到");
	return out;
}

/* Begins the write of a catalogue change by the request's actor, who must administer
 * cases at scope. Returns the connection, or NULL with err. */
static gz_db *begin_admin(gz_req *r, const char *scope, const gz_actor **a, gz_err *err)
{
	gz_db *db;
	if (!(*a = gz_actor_of_request(r, err)) ||
	    gz_actor_check(*a, ACT_ADMIN, RES_CASE, scope, err) < 0 || !(db = gz_req_db(r, err)) ||
	    gz_db_begin(db, err) < 0)
		return NULL;
	return db;
}

/* Commits and answers out (status), or rolls back and answers err. */
static void finish(gz_req *r, gz_db *db, int status, json_t *out, gz_err *err)
{
	if (out && gz_api_commit(r, db, status, out, err) == 0) {
		gz_reply_json(r, status, out);
		return;
	}
	json_decref(out);
	gz_db_rollback(db);
	gz_reply_err(r, err);
}

/* Writes the audit row (detail stolen), then commits and answers the record read by
 * answer(db, key) with status; on any failure rolls back and answers the error. Frees in. */
static void audit_and_finish(gz_req *r, gz_db *db, const gz_actor *a, json_t *in,
                             const char *action, const char *record_type, const char *record_id,
                             const char *scope, json_t *detail, json_t *out, int status,
                             gz_err *err)
{
	int rc = gz_audit(a, db, action, record_type, record_id, scope, detail, err);
	json_decref(detail);
	json_decref(in);
	if (rc < 0) {
		json_decref(out);
		out = NULL;
	}
	finish(r, db, status, out, err);
}

static void category_create(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	cat_body b;
	const gz_actor *a;
	json_t *in = gz_req_json(r, &err), *out = NULL;
	gz_db *db = NULL;
	if (!in)
		goto fail;
	cat_parse(in, true, &b, &err);
	if (b.parent && !b.has_limits)
		gz_err_field(&err, "limits", "小类必填：受理、派遣、签收、处置的时限");
	if (!b.parent && b.has_limits)
		gz_err_field(&err, "limits", "时限填在小类上");
	if (gz_json_check(&err) < 0 || !(db = begin_admin(r, "", &a, &err)))
		goto fail;
	case_category parent = {0};
	if (b.parent) {
		int rc = case_category_by_code(db, b.parent, &parent, &err);
		if (rc < 0)
			goto rollback;
		if (!rc || parent.parent_id)
			gz_err_field(&err, "parent", "大类不存在");
	}
	if (gz_json_check(&err) < 0)
		goto rollback;
	int64_t now = gz_time_now_ms();
	gz_stmt *st = gz_db_prepare(
	    db,
	    "INSERT INTO case_categories (code, parent_id, kind, name, description, accept_amount, "
	    "accept_unit, dispatch_amount, dispatch_unit, sign_amount, sign_unit, handle_amount, "
	    "handle_unit, escalate_after_hours, dup_radius_m, dup_window_hours, active, sort, "
	    "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
	    "$13, "
	    "$14, $15, $16, $17, $18, $19, $19)",
	    &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_str(st, 1, b.code);
	gz_stmt_bind_id(st, 2, parent.id);
	gz_stmt_bind_str(st, 3,
	                 case_kind_code(b.parent ? (case_kind)parent.kind : (case_kind)b.kind));
	gz_stmt_bind_str(st, 4, b.name);
	gz_stmt_bind_str(st, 5, b.description ? b.description : "");
	for (int s = CASE_STEP_ACCEPT; s <= CASE_STEP_HANDLE; s++) {
		int col = 6 + 2 * (s - CASE_STEP_ACCEPT);
		if (b.parent) {
			gz_stmt_bind_int64(st, col, b.limits[s].amount);
			gz_stmt_bind_str(st, col + 1, case_limit_unit_code(b.limits[s].unit));
		} else {
			gz_stmt_bind_null(st, col);
			gz_stmt_bind_null(st, col + 1);
		}
	}
	if (b.has_escalate && !b.escalate_null)
		gz_stmt_bind_int64(st, 14, b.escalate);
	else
		gz_stmt_bind_null(st, 14);
	gz_stmt_bind_int64(st, 15, b.radius);
	gz_stmt_bind_int64(st, 16, b.window);
	gz_stmt_bind_int64(st, 17, b.active);
	gz_stmt_bind_int64(st, 18, b.sort);
	gz_stmt_bind_int64(st, 19, now);
	int rc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	if (rc < 0) {
		if (err.kind == GZ_ECONFLICT) {
			gz_err_set(&err, GZ_ECONFLICT, "duplicate_category", "类别代码已存在");
			gz_err_field(&err, "code", "已存在");
		}
		goto rollback;
	}
	if (!(out = category_answer(db, b.code, &err)))
		goto rollback;
	audit_and_finish(r, db, a, in, "case_category.create", "case_category", b.code, "",
	                 json_pack("{s:s,s:s}", "code", b.code, "name", b.name), out, 201, &err);
	return;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(in);
	gz_reply_err(r, &err);
}

static void category_update(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	cat_body b;
	const gz_actor *a;
	const char *code = gz_req_param(r, "code");
	json_t *in = gz_req_json(r, &err), *out = NULL;
	gz_db *db = NULL;
	if (!in)
		goto fail;
	cat_parse(in, false, &b, &err);
	if (gz_json_check(&err) < 0 || !(db = begin_admin(r, "", &a, &err)))
		goto fail;
	case_category cur;
	int rc = case_code_valid(code) ? case_category_by_code(db, code, &cur, &err) : 0;
	if (rc < 0)
		goto rollback;
	if (!rc) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "类别不存在");
		goto rollback;
	}
	if (b.has_limits && !cur.parent_id) {
		gz_err_field(&err, "limits", "时限填在小类上");
		gz_json_check(&err);
		goto rollback;
	}
	for (int s = CASE_STEP_ACCEPT; s <= CASE_STEP_HANDLE; s++)
		if (!b.limits_given[s])
			b.limits[s] = cur.limits[s];
	gz_stmt *st = gz_db_prepare(
	    db,
	    "UPDATE case_categories SET name = COALESCE($2, name), description = COALESCE($3, "
	    "description), accept_amount = $4, accept_unit = $5, dispatch_amount = $6, "
	    "dispatch_unit = $7, sign_amount = $8, sign_unit = $9, handle_amount = $10, "
	    "handle_unit = $11, escalate_after_hours = CASE WHEN $12 = 1 THEN $13 ELSE "
	    "escalate_after_hours END, dup_radius_m = CASE WHEN $14 = 1 THEN $15 ELSE dup_radius_m "
	    "END, dup_window_hours = CASE WHEN $16 = 1 THEN $17 ELSE dup_window_hours END, active "
	    "= "
	    "CASE WHEN $18 = 1 THEN $19 ELSE active END, sort = CASE WHEN $20 = 1 THEN $21 ELSE "
	    "sort "
	    "END, updated_at = $22 WHERE id = $1",
	    &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, cur.id);
	gz_stmt_bind_str(st, 2, b.name);
	gz_stmt_bind_str(st, 3, b.description);
	for (int s = CASE_STEP_ACCEPT; s <= CASE_STEP_HANDLE; s++) {
		int col = 4 + 2 * (s - CASE_STEP_ACCEPT);
		if (cur.parent_id) {
			gz_stmt_bind_int64(st, col, b.limits[s].amount);
			gz_stmt_bind_str(st, col + 1, case_limit_unit_code(b.limits[s].unit));
		} else {
			gz_stmt_bind_null(st, col);
			gz_stmt_bind_null(st, col + 1);
		}
	}
	gz_stmt_bind_int64(st, 12, b.has_escalate);
	if (b.has_escalate && !b.escalate_null)
		gz_stmt_bind_int64(st, 13, b.escalate);
	else
		gz_stmt_bind_null(st, 13);
	gz_stmt_bind_int64(st, 14, b.has_radius);
	gz_stmt_bind_int64(st, 15, b.radius);
	gz_stmt_bind_int64(st, 16, b.has_window);
	gz_stmt_bind_int64(st, 17, b.window);
	gz_stmt_bind_int64(st, 18, b.has_active);
	gz_stmt_bind_int64(st, 19, b.active);
	gz_stmt_bind_int64(st, 20, b.has_sort);
	gz_stmt_bind_int64(st, 21, b.sort);
	gz_stmt_bind_int64(st, 22, gz_time_now_ms());
	rc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	if (rc < 0)
		goto rollback;
	json_t *d = json_object();
	const char *keys[] = {"name",         "description",      "limits", "escalate_after_hours",
	                      "dup_radius_m", "dup_window_hours", "active", "sort"};
	json_t *changed = json_array();
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (json_object_get(in, keys[i]))
			json_array_append_new(changed, json_string(keys[i]));
	json_object_set_new(d, "changed", changed);
	out = category_answer(db, cur.code, &err);
	audit_and_finish(r, db, a, in, "case_category.update", "case_category", cur.code, "", d,
	                 out, 200, &err);
	return;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(in);
	gz_reply_err(r, &err);
}

/* ---------------------------------------------------------------- routes */

static json_t *route_json(gz_stmt *st)
{
	return json_pack(
	    "{s:o,s:s,s:o,s:{s:o,s:s,s:s},s:o}", "id", gz_api_id_json(gz_stmt_int64(st, 0)),
	    "space_code", gz_stmt_text(st, 1), "category",
	    *gz_stmt_text(st, 2) ? json_string(gz_stmt_text(st, 2)) : json_null(), "org", "id",
	    gz_api_id_json(gz_stmt_int64(st, 3)), "name", gz_stmt_text(st, 4), "type",
	    gz_stmt_text(st, 5), "updated_at", gz_api_time_json(gz_stmt_int64(st, 6)));
}

#define ROUTE_SELECT                                                                               \
	"SELECT r.id, r.space_code, r.category_code, r.org_id, o.name, o.type, r.updated_at FROM " \
	"case_routes r JOIN organisations o ON o.id = r.org_id "

/* GET /case-routes?space=CODE: the routes of that community or grid and the places
 * inside it (case read there). */
static void route_list(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const char *space = gz_req_query(r, "space"), *why;
	int level = space ? space_code_level(space) : -1;
	if (!space || (level != SPACE_STREET && level != SPACE_COMMUNITY && level != SPACE_GRID) ||
	    space_code_check(space, (space_level)level, &why) < 0) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 space 无效");
		gz_err_field(&err, "space", "应为街道、社区或网格编码");
		gz_reply_err(r, &err);
		return;
	}
	char hi[GZ_SCOPE_MAX + 2];
	policy_scope_upper(space, hi, sizeof hi);
	gz_db *db;
	gz_stmt *st = NULL;
	if (gz_auth_check(r, ACT_READ, RES_CASE, space, &err) < 0 || !(db = gz_req_db(r, &err)) ||
	    !(st =
	          gz_db_prepare(db,
	                        ROUTE_SELECT "WHERE r.space_code >= $1 AND r.space_code < $2 ORDER "
	                                     "BY r.space_code, r.category_code LIMIT 2000",
	                        &err))) {
		gz_reply_err(r, &err);
		return;
	}
	gz_stmt_bind_str(st, 1, space);
	gz_stmt_bind_str(st, 2, hi);
	json_t *items = json_array();
	int rc;
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW)
		json_array_append_new(items, route_json(st));
	gz_stmt_finish(st);
	if (rc < 0) {
		json_decref(items);
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

static json_t *route_answer(gz_db *db, int64_t id, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, ROUTE_SELECT "WHERE r.id = $1", err);
	if (!st)
		return NULL;
	gz_stmt_bind_int64(st, 1, id);
	json_t *out = gz_stmt_step(st, err) == GZ_ROW ? route_json(st) : NULL;
	gz_stmt_finish(st);
	return out;
}

/* PUT /case-routes {space_code, category?, org_id}: sets (or replaces) the default
 * organisation of a community or grid, for one category or all. */
static void route_put(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a;
	const char *space = NULL, *category = NULL, *why;
	int64_t org = 0;
	json_t *in = gz_req_json(r, &err), *out = NULL;
	gz_db *db = NULL;
	if (!in)
		goto fail;
	if (case_str_field(in, "space_code", GZ_REQUIRED, 12, 15, &space, &err) == 0 && space &&
	    space_code_check(space, strlen(space) == 12 ? SPACE_COMMUNITY : SPACE_GRID, &why) < 0)
		gz_err_field(&err, "space_code", "应为社区或网格编码");
	if (case_str_field(in, "category", GZ_OPTIONAL, 1, CASE_CODE_MAX, &category, &err) == 0 &&
	    category && !case_code_valid(category))
		gz_err_field(&err, "category", "应为类别代码");
	case_id_field(in, "org_id", GZ_REQUIRED, &org, &err);
	if (gz_json_check(&err) < 0 || !(db = begin_admin(r, space, &a, &err)))
		goto fail;
	int64_t exists = 0;
	int rc =
	    gz_db_query_int64_text(db,
	                           strlen(space) == 12 ? "SELECT 1 FROM communities WHERE code = $1"
	                                               : "SELECT 1 FROM grids WHERE code = $1",
	                           &exists, &err, space);
	if (rc < 0)
		goto rollback;
	if (!rc)
		gz_err_field(&err, "space_code", "该位置不存在");
	if (category) {
		case_category c;
		if ((rc = case_category_by_code(db, category, &c, &err)) < 0)
			goto rollback;
		if (!rc)
			gz_err_field(&err, "category", "未知的类别");
	}
	if ((rc = case_org_get(db, &r->arena, org, NULL, NULL, NULL, &err)) < 0)
		goto rollback;
	if (!rc)
		gz_err_field(&err, "org_id", "组织不存在");
	if (gz_json_check(&err) < 0)
		goto rollback;
	int64_t now = gz_time_now_ms(), id = 0;
	gz_stmt *st = gz_db_prepare(
	    db,
	    "INSERT INTO case_routes (space_code, category_code, org_id, created_at, updated_at) "
	    "VALUES ($1, $2, $3, $4, $4) ON CONFLICT (space_code, category_code) DO UPDATE SET "
	    "org_id = excluded.org_id, updated_at = excluded.updated_at RETURNING id",
	    &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_str(st, 1, space);
	gz_stmt_bind_str(st, 2, category ? category : "");
	gz_stmt_bind_int64(st, 3, org);
	gz_stmt_bind_int64(st, 4, now);
	rc = gz_stmt_step_id(st, &id, &err);
	gz_stmt_finish(st);
	if (rc < 0)
		goto rollback;
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	out = route_answer(db, id, &err);
	audit_and_finish(r, db, a, in, "case_route.set", "case_route", ids, space,
	                 json_pack("{s:s,s:o}", "category", category ? category : "", "org_id",
	                           gz_api_id_json(org)),
	                 out, 200, &err);
	return;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(in);
	gz_reply_err(r, &err);
}

static void route_delete(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_actor_of_request(r, &err);
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	gz_db *db = a ? gz_req_db(r, &err) : NULL;
	if (!db) {
		gz_reply_err(r, &err);
		return;
	}
	if (gz_db_begin(db, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	json_t *old = id ? route_answer(db, id, &err) : NULL;
	const char *space = old ? json_string_value(json_object_get(old, "space_code")) : NULL;
	if (!old) {
		if (!err.kind)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "默认承办单位不存在");
		goto rollback;
	}
	if (gz_actor_check(a, ACT_ADMIN, RES_CASE, space, &err) < 0)
		goto rollback;
	gz_stmt *st = gz_db_prepare(db, "DELETE FROM case_routes WHERE id = $1", &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	if (rc < 0 || gz_audit(a, db, "case_route.delete", "case_route", gz_req_param(r, "id"),
	                       space, NULL, &err) < 0)
		goto rollback;
	json_t *out = json_pack("{s:b}", "deleted", 1);
	json_decref(old);
	finish(r, db, 200, out, &err);
	return;
rollback:
	json_decref(old);
	gz_db_rollback(db);
	gz_reply_err(r, &err);
}

/* ---------------------------------------------------------------- calendar */

/* GET /case-calendar?year=YYYY: that year's exceptions (this year's by default). */
static void calendar_list(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const char *y = gz_req_query(r, "year");
	int year;
	if (y) {
		char *end;
		long v = strtol(y, &end, 10);
		if (*end || v < 1970 || v > 9999) {
			gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 year 无效");
			gz_err_field(&err, "year", "应为 1970 到 9999 的年份");
			gz_reply_err(r, &err);
			return;
		}
		year = (int)v;
	} else {
		int m, d;
		gz_time_civil_from_days(case_local_day(gz_time_now_ms()), &year, &m, &d);
	}
	char lo[11], hi[11];
	snprintf(lo, sizeof lo, "%04d-01-01", year);
	snprintf(hi, sizeof hi, "%04d-12-31", year);
	gz_db *db = gz_req_db(r, &err);
	gz_stmt *st =
	    db ? gz_db_prepare(db,
	                       "SELECT day, workday, note FROM case_calendar WHERE day >= "
	                       "$1 AND day <= $2 ORDER BY day",
	                       &err)
	       : NULL;
	if (!st) {
		gz_reply_err(r, &err);
		return;
	}
	gz_stmt_bind_str(st, 1, lo);
	gz_stmt_bind_str(st, 2, hi);
	json_t *items = json_array();
	int rc;
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW)
		json_array_append_new(items, json_pack("{s:s,s:b,s:s}", "day", gz_stmt_text(st, 0),
		                                       "workday", gz_stmt_int64(st, 1) != 0, "note",
		                                       gz_stmt_text(st, 2)));
	gz_stmt_finish(st);
	if (rc < 0) {
		json_decref(items);
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_json(r, 200, json_pack("{s:i,s:o}", "year", year, "items", items));
}

/* The {day} of the path, checked; NULL with err (404: no such day). */
static const char *day_param(gz_req *r, gz_err *err)
{
	const char *day = gz_req_param(r, "day");
	int32_t d;
	if (!day || case_day_parse(day, &d) < 0) {
		gz_err_set(err, GZ_ENOTFOUND, "not_found", "日期应为 YYYY-MM-DD");
		return NULL;
	}
	return day;
}

/* PUT /case-calendar/{day} {workday, note}: a holiday (workday false) or a weekend day
 * worked (true). */
static void calendar_put(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a;
	const char *day = day_param(r, &err), *note = NULL;
	bool workday = false;
	json_t *in = day ? gz_req_json(r, &err) : NULL, *out = NULL;
	gz_db *db = NULL;
	if (!in)
		goto fail;
	gz_json_bool(in, "workday", GZ_REQUIRED, &workday, &err);
	case_str_field(in, "note", GZ_OPTIONAL, 0, 64, &note, &err);
	if (gz_json_check(&err) < 0 || !(db = begin_admin(r, "", &a, &err)))
		goto fail;
	gz_stmt *st = gz_db_prepare(
	    db,
	    "INSERT INTO case_calendar (day, workday, note) VALUES ($1, $2, $3) ON CONFLICT (day) "
	    "DO UPDATE SET workday = excluded.workday, note = excluded.note",
	    &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_str(st, 1, day);
	gz_stmt_bind_int64(st, 2, workday);
	gz_stmt_bind_str(st, 3, note ? note : "");
	int rc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	if (rc < 0)
		goto rollback;
	out = json_pack("{s:s,s:b,s:s}", "day", day, "workday", workday, "note", note ? note : "");
	audit_and_finish(r, db, a, in, "case_calendar.set", "case_calendar", day, "",
	                 json_pack("{s:b}", "workday", workday), out, 200, &err);
	return;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(in);
	gz_reply_err(r, &err);
}

static void calendar_delete(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a;
	const char *day = day_param(r, &err);
	gz_db *db = day ? begin_admin(r, "", &a, &err) : NULL;
	if (!db) {
		gz_reply_err(r, &err);
		return;
	}
	gz_stmt *st = gz_db_prepare(db, "DELETE FROM case_calendar WHERE day = $1", &err);
	int rc = -1;
	int64_t n = 0;
	if (st) {
		gz_stmt_bind_str(st, 1, day);
		rc = gz_stmt_step(st, &err);
		n = rc < 0 ? 0 : gz_stmt_changes(st);
		gz_stmt_finish(st);
	}
	if (rc >= 0 && !n)
		rc = gz_err_set(&err, GZ_ENOTFOUND, "not_found", "该日期没有设置");
	if (rc < 0 ||
	    gz_audit(a, db, "case_calendar.delete", "case_calendar", day, "", NULL, &err) < 0) {
		gz_db_rollback(db);
		gz_reply_err(r, &err);
		return;
	}
	finish(r, db, 200, json_pack("{s:b}", "deleted", 1), &err);
}

const gz_module_route gz_cases_catalogue_routes[] = {
    {"GET", "/api/v1/case-categories", category_list, 0, 0},
    {"POST", "/api/v1/case-categories", category_create, 0, 0},
    {"PATCH", "/api/v1/case-categories/{code}", category_update, 0, 0},
    {"GET", "/api/v1/case-routes", route_list, 0, 0},
    {"PUT", "/api/v1/case-routes", route_put, 0, 0},
    {"DELETE", "/api/v1/case-routes/{id}", route_delete, 0, 0},
    {"GET", "/api/v1/case-calendar", calendar_list, 0, 0},
    {"PUT", "/api/v1/case-calendar/{day}", calendar_put, 0, 0},
    {"DELETE", "/api/v1/case-calendar/{day}", calendar_delete, 0, 0},
    {0},
};
