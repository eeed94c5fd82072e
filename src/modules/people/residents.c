/* One resident: read, create, change, and the resident's own record (/me/resident).
 * The body's rules and the write are in resident_write.c.
 *
 * Every handler authenticates first (401), then validates, then asks gz_auth_check()
 * about the record's grid (out of scope = 404, as if it did not exist). */
#include "modules/people/people_internal.h"
#include "modules/module.h"
#include "api/list.h"
#include "api/ratelimit.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/time.h"
#include "core/utf8.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- one resident */

static const char *sql_res_one =
    "SELECT " RES_COLS " FROM residents r WHERE r.id = $1 AND r.deleted_at IS NULL";
static const char *sql_res_self =
    "SELECT " RES_COLS " FROM residents r WHERE r.user_id = $1 AND r.deleted_at IS NULL";

/* Steps st (prepared with one id parameter bound) to its row. Returns 1 with the row
 * current, 0 none (st finished), -1 error (st finished). */
int people_step_one(gz_stmt *st, gz_err *err)
{
	int rc = gz_stmt_step(st, err);
	if (rc != GZ_ROW)
		gz_stmt_finish(st);
	return rc == GZ_ROW ? 1 : rc;
}

static void resident_get(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	reveal_ctx rc = {0};
	json_t *out = NULL;
	gz_db *db = NULL;
	gz_stmt *st = NULL;
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	if (!id) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto fail;
	}
	if (people_reveal_setup(r, &rc, &err) < 0 || !(db = gz_req_db(r, &err)) ||
	    !(st = gz_db_prepare(db, sql_res_one, &err)))
		goto fail;
	gz_stmt_bind_int64(st, 1, id);
	int k = people_step_one(st, &err);
	if (k <= 0) {
		if (k == 0)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto fail;
	}
	const char *grid = gz_stmt_text(st, C_GRID);
	if (gz_auth_check(r, ACT_READ, RES_RESIDENT, grid, &err) < 0 ||
	    (rc.want && gz_auth_check(r, ACT_REVEAL, RES_RESIDENT, grid, &err) < 0)) {
		gz_stmt_finish(st);
		if (err.kind == GZ_EFORBIDDEN && rc.want)
			gz_err_set(&err, GZ_EFORBIDDEN, "reveal_forbidden",
			           "当前角色无权查看完整的个人信息");
		goto fail;
	}
	out = people_resident_json(r, st, &rc);
	gz_stmt_finish(st);
	if (people_reveal_audit(r, db, &rc, gz_req_param(r, "id"), NULL, NULL, &err) < 0)
		goto fail;
	json_decref(rc.ids);
	people_reply(r, 200, out);
	return;
fail:
	json_decref(out);
	json_decref(rc.ids);
	gz_reply_err(r, &err);
}

/* The row of resident id as r sees it, masked (self: the caller's own, full name). */
static json_t *resident_reload(gz_req *r, gz_db *db, int64_t id, bool self, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, sql_res_one, err);
	if (!st)
		return NULL;
	gz_stmt_bind_int64(st, 1, id);
	if (people_step_one(st, err) != 1) {
		if (!err->kind)
			gz_err_set(err, GZ_EINTERNAL, "internal", "记录读不到");
		return NULL;
	}
	reveal_ctx rc = {.self = self};
	json_t *o = people_resident_json(r, st, &rc);
	gz_stmt_finish(st);
	return o;
}

/* After a refused write: an ID number already registered (409 duplicate_id_number)
 * was a comparison with the whole register, audited (never the number) in a short
 * transaction of its own. A failure to audit replaces the answer. */
static void duplicate_audit(gz_req *r, gz_db *db, const char *grid, gz_err *err)
{
	if (strcmp(err->code, "duplicate_id_number"))
		return;
	gz_err aerr;
	gz_err_clear(&aerr);
	if (gz_people_audit(gz_req_actor(r), db, "resident.duplicate_id_number", "resident", "",
	                    grid, NULL, &aerr) < 0)
		*err = aerr;
}

static void resident_create(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *in = gz_req_json(r, &err), *out = NULL;
	gz_db *db = NULL;
	res_state s;
	memset(&s, 0, sizeof s);
	s.gender = s.relation = "";
	unsigned changed = 0;
	/* An ID number is unique in the whole register: registering one compares it with
	 * every resident, so it is charged like a lookup. */
	if (!in || !(db = gz_req_db(r, &err)) ||
	    people_apply_input(r, db, in, &s, true, false, &changed, &err) < 0 ||
	    people_check_place(r, db, &s, changed, &err) < 0 ||
	    (s.idn[0] &&
	     gz_ratelimit_pii(gz_req_actor(r), db, "resident.create", 1, false, &err) != 0) ||
	    gz_db_begin(db, &err) < 0)
		goto fail;
	char rid[24];
	json_t *detail = NULL;
	if (people_write_state(db, &s, &err) < 0 || gz_db_count_add(db, "residents", 1, &err) < 0)
		goto rollback;
	snprintf(rid, sizeof rid, "%lld", (long long)s.id);
	detail = json_pack("{s:o}", "fields", people_fields_json(changed));
	int rc =
	    gz_audit(gz_req_actor(r), db, "resident.create", "resident", rid, s.grid, detail, &err);
	json_decref(detail);
	if (rc < 0 || !(out = resident_reload(r, db, s.id, false, &err)) ||
	    gz_api_commit(r, db, 201, out, &err) < 0)
		goto rollback;
	sodium_memzero(&s, sizeof s);
	json_decref(in);
	people_reply(r, 201, out);
	return;
rollback:
	json_decref(out);
	gz_db_rollback(db);
	duplicate_audit(r, db, s.grid, &err);
fail:
	sodium_memzero(&s, sizeof s);
	json_decref(in);
	gz_reply_err(r, &err);
}

/* PATCH /residents/{id} (self false) and PATCH /me/resident (self true). */
static void resident_update(gz_req *r, bool self)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *in = gz_req_json(r, &err), *out = NULL;
	gz_db *db = NULL;
	gz_stmt *st = NULL;
	res_state s;
	memset(&s, 0, sizeof s);
	unsigned changed = 0;
	char old_grid[SPACE_CODE_SIZE];
	if (!in || !(db = gz_req_db(r, &err)))
		goto fail;
	int64_t id =
	    self ? ((const gz_auth *)r->auth)->user_id : gz_api_parse_id(gz_req_param(r, "id"));
	if (!id) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto fail;
	}
	/* A new ID number is compared with the whole register (see resident_create). */
	const char *new_idn = json_string_value(json_object_get(in, "id_number"));
	if (!self && new_idn && *new_idn &&
	    gz_ratelimit_pii(gz_req_actor(r), db, "resident.update", 1, false, &err) != 0)
		goto fail;
	/* The whole change happens in one transaction, reading the row inside it. */
	if (gz_db_begin(db, &err) < 0)
		goto fail;
	st = gz_db_prepare(db, self ? sql_res_self : sql_res_one, &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, id);
	int k = people_step_one(st, &err);
	if (k <= 0) {
		st = NULL;
		if (k == 0)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto rollback;
	}
	people_state_from_row(st, &s);
	gz_stmt_finish(st);
	st = NULL;
	snprintf(old_grid, sizeof old_grid, "%s", s.grid);
	if (self ? gz_auth_self(r, s.user_id, &err) < 0
	         : gz_auth_check(r, ACT_WRITE, RES_RESIDENT, old_grid, &err) < 0)
		goto rollback;
	if (people_apply_input(r, db, in, &s, false, self, &changed, &err) < 0 ||
	    (!self && people_check_place(r, db, &s, changed, &err) < 0))
		goto rollback;
	if (changed) {
		if (people_write_state(db, &s, &err) < 0)
			goto rollback;
		char rid[24];
		snprintf(rid, sizeof rid, "%lld", (long long)s.id);
		json_t *detail = json_pack("{s:o}", "fields", people_fields_json(changed));
		if (changed & F_GRID)
			json_object_set_new(detail, "from_grid", json_string(old_grid));
		int rc =
		    gz_audit(gz_req_actor(r), db, self ? "resident.self_update" : "resident.update",
		             "resident", rid, s.grid, detail, &err);
		json_decref(detail);
		if (rc < 0)
			goto rollback;
	}
	if (!(out = resident_reload(r, db, s.id, self, &err)) ||
	    gz_api_commit(r, db, 200, out, &err) < 0)
		goto rollback;
	sodium_memzero(&s, sizeof s);
	json_decref(in);
	people_reply(r, 200, out);
	return;
rollback:
	json_decref(out);
	gz_stmt_finish(st);
	gz_db_rollback(db);
	duplicate_audit(r, db, s.grid, &err);
fail:
	sodium_memzero(&s, sizeof s);
	json_decref(in);
	gz_reply_err(r, &err);
}

static void resident_patch(gz_req *r)
{
	resident_update(r, false);
}

static void me_resident_patch(gz_req *r)
{
	resident_update(r, true);
}

/* GET /me/resident: the caller's own record, masked like any other answer; ?reveal=
 * shows the requested fields in full (no reveal right needed: it is the caller's own
 * data) and, like every reveal, writes the resident.reveal audit row first. The name is
 * the caller's own, in full. */
static void me_resident_get(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_auth *a = r->auth;
	reveal_ctx rc = {0};
	json_t *o = NULL;
	gz_db *db = NULL;
	gz_stmt *st = NULL;
	if (people_reveal_parse(r, &rc, &err) < 0 || !(db = gz_req_db(r, &err)) ||
	    !(st = gz_db_prepare(db, sql_res_self, &err)))
		goto fail;
	rc.self = true;
	gz_stmt_bind_int64(st, 1, a->user_id);
	int k = people_step_one(st, &err);
	if (k <= 0) {
		if (k == 0)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "您的账号尚未关联居民信息");
		goto fail;
	}
	if (gz_auth_self(r, gz_stmt_isnull(st, C_USER) ? 0 : gz_stmt_int64(st, C_USER), &err) < 0) {
		gz_stmt_finish(st);
		goto fail;
	}
	o = people_resident_json(r, st, &rc);
	gz_stmt_finish(st);
	if (people_reveal_audit(r, db, &rc, NULL, NULL, NULL, &err) < 0)
		goto fail;
	json_decref(rc.ids);
	people_reply(r, 200, o);
	return;
fail:
	json_decref(o);
	json_decref(rc.ids);
	gz_reply_err(r, &err);
}

const gz_module_route gz_people_resident_routes[] = {
    {"POST", "/api/v1/residents", resident_create, 0, 0},
    {"GET", "/api/v1/residents/{id}", resident_get, 0, 0},
    {"PATCH", "/api/v1/residents/{id}", resident_patch, 0, 0},
    {"GET", "/api/v1/me/resident", me_resident_get, 0, 0},
    {"PATCH", "/api/v1/me/resident", me_resident_patch, 0, 0},
    {0},
};
