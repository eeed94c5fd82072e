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
	if (people_add_place(db, out, &err) < 0 ||
	    people_reveal_audit(r, db, &rc, gz_req_param(r, "id"), NULL, NULL, &err) < 0)
		goto fail;
	json_decref(rc.ids);
	people_reply(r, 200, out);
	return;
fail:
	json_decref(out);
	json_decref(rc.ids);
	gz_reply_err(r, &err);
}

/* After a refused write: an ID number already registered (409 duplicate_id_number)
 * was a comparison with the whole register, audited (never the number) in a short
 * transaction of its own. The answer names the record holding the number only to those
 * who read it; anyone else learns only that it is registered elsewhere. A failure to
 * audit replaces the answer. Returns the extra members of the answer (new reference),
 * or NULL. */
json_t *people_duplicate_answer(gz_req *r, gz_db *db, const char *grid, const res_state *s,
                                const char *field, gz_err *err)
{
	if (strcmp(err->code, "duplicate_id_number"))
		return NULL;
	gz_err aerr;
	gz_err_clear(&aerr);
	if (gz_people_audit(gz_req_actor(r), db, "resident.duplicate_id_number", "resident", "",
	                    grid, NULL, &aerr) < 0) {
		*err = aerr;
		return NULL;
	}
	gz_err e;
	gz_err_clear(&e);
	json_t *existing = NULL;
	if (s->dup_id && s->dup_grid[0] &&
	    gz_auth_check(r, ACT_READ, RES_RESIDENT, s->dup_grid, &e) == 0 &&
	    (existing = people_resident_reload(r, db, s->dup_id, false, &e))) {
		const char *st = json_string_value(json_object_get(existing, "status"));
		record_status rs = RECORD_ACTIVE;
		record_status_parse(st, &rs);
		gz_err_clear(err);
		gz_err_set(err, GZ_ECONFLICT, "duplicate_id_number", "该身份证号已登记：%s（%s）",
		           json_string_value(json_object_get(existing, "name")),
		           record_status_label(rs));
		gz_err_field(err, field, "已登记");
		return json_pack("{s:o}", "existing", existing);
	}
	gz_err_clear(err);
	gz_err_set(err, GZ_ECONFLICT, "duplicate_id_number",
	           "已在其他地方登记，请联系街道办理迁入");
	gz_err_field(err, field, "已在其他地方登记");
	return NULL;
}

static void resident_create(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *in = gz_req_json(r, &err), *out = NULL, *extra = NULL;
	gz_db *db = NULL;
	const gz_actor *a = gz_req_actor(r);
	res_state s;
	memset(&s, 0, sizeof s);
	unsigned changed = 0;
	/* An ID number is unique in the whole register: registering one compares it with
	 * every resident, so it is charged like a lookup. */
	if (!in || !(db = gz_req_db(r, &err)) ||
	    people_prepare_create(a, db, in, &s, &changed, &err) < 0 ||
	    (s.idn[0] && gz_ratelimit_pii(a, db, "resident.create", 1, false, &err) != 0) ||
	    gz_db_begin(db, &err) < 0)
		goto fail;
	if (people_insert(a, db, &s, changed, gz_time_now_ms(), NULL, &err) < 0 ||
	    !(out = people_resident_reload(r, db, s.id, false, &err)) ||
	    gz_api_commit(r, db, 201, out, &err) < 0)
		goto rollback;
	sodium_memzero(&s, sizeof s);
	json_decref(in);
	people_reply(r, 201, out);
	return;
rollback:
	json_decref(out);
	gz_db_rollback(db);
	extra = people_duplicate_answer(r, db, s.grid, &s, "id_number", &err);
fail:
	sodium_memzero(&s, sizeof s);
	json_decref(in);
	if (extra)
		gz_reply_err_extra(r, &err, extra);
	else
		gz_reply_err(r, &err);
	json_decref(extra);
}

/* Every change of one resident: PATCH /residents/{id} (self false, kind EDIT), PATCH
 * /me/resident (self true) and the status changes (resident_change.c). */
static void resident_change(gz_req *r, bool self, gz_people_change kind)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *in = gz_req_json(r, &err), *out = NULL, *extra = NULL;
	gz_db *db = NULL;
	res_state *s = NULL;
	int64_t id = self ? 0 : gz_api_parse_id(gz_req_param(r, "id"));
	if (!in || !(db = gz_req_db(r, &err)))
		goto fail;
	if (!self && !id) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto fail;
	}
	s = gz_arena_alloc(&r->arena, sizeof *s);
	if (people_change(db, gz_req_actor(r), id, self, kind, in, 0, s, &out, &err) < 0) {
		extra = people_duplicate_answer(r, db, s->grid, s, "id_number", &err);
		goto fail;
	}
	sodium_memzero(s, sizeof *s);
	json_decref(in);
	people_reply(r, 200, out);
	return;
fail:
	if (s)
		sodium_memzero(s, sizeof *s);
	json_decref(in);
	if (extra)
		gz_reply_err_extra(r, &err, extra);
	else
		gz_reply_err(r, &err);
	json_decref(extra);
}

static void resident_patch(gz_req *r)
{
	resident_change(r, false, GZ_PEOPLE_EDIT);
}

static void me_resident_patch(gz_req *r)
{
	resident_change(r, true, GZ_PEOPLE_EDIT);
}

static void resident_move(gz_req *r)
{
	resident_change(r, false, GZ_PEOPLE_MOVE);
}

static void resident_move_out(gz_req *r)
{
	resident_change(r, false, GZ_PEOPLE_MOVE_OUT);
}

static void resident_move_in(gz_req *r)
{
	resident_change(r, false, GZ_PEOPLE_MOVE_IN);
}

static void resident_deceased(gz_req *r)
{
	resident_change(r, false, GZ_PEOPLE_DECEASED);
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
    {"POST", "/api/v1/residents/{id}/move", resident_move, 0, 0},
    {"POST", "/api/v1/residents/{id}/move-out", resident_move_out, 0, 0},
    {"POST", "/api/v1/residents/{id}/move-in", resident_move_in, 0, 0},
    {"POST", "/api/v1/residents/{id}/deceased", resident_deceased, 0, 0},
    {"GET", "/api/v1/me/resident", me_resident_get, 0, 0},
    {"PATCH", "/api/v1/me/resident", me_resident_patch, 0, 0},
    {0},
};
