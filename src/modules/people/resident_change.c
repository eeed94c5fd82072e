/* Creating and changing one resident by hand — the writes behind POST /residents, POST
 * /households with members, PATCH /residents/{id}, PATCH /me/resident and the status
 * changes (move within the street, move out, move back in, death), shared with the demo
 * (gz_people_resident_change). Each is one transaction that writes the record, keeps
 * the counts exact (resident_counts per grid and status, record_counts), writes the
 * history (who, when, field, old -> new; history.c) and one audit row. */
#include "modules/people/people_internal.h"
#include "modules/module.h"
#include "api/ratelimit.h"
#include "core/json.h"
#include "core/time.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *sql_res_one =
    "SELECT " RES_COLS " FROM residents r WHERE r.id = $1 AND r.deleted_at IS NULL";
static const char *sql_res_self =
    "SELECT " RES_COLS " FROM residents r WHERE r.user_id = $1 AND r.deleted_at IS NULL";

/* ================================================================ create */

int people_prepare_create(const gz_actor *a, gz_db *db, json_t *in, res_state *s, unsigned *changed,
                          gz_err *err)
{
	memset(s, 0, sizeof *s);
	s->gender = s->relation = "";
	s->status = RECORD_ACTIVE;
	*changed = 0;
	if (people_apply_input(a, db, in, s, true, false, changed, err) < 0)
		return -1;
	return people_check_place(a, db, s, *changed, err);
}

int people_insert(const gz_actor *a, gz_db *db, res_state *s, unsigned changed, int64_t at,
                  json_t *audit_extra, gz_err *err)
{
	if (people_write_state(db, s, err) < 0 ||
	    people_count(db, s->grid, RECORD_ACTIVE, 1, err) < 0 ||
	    people_history_write(db, a, at, "create", NULL, s, err) < 0)
		return -1;
	char rid[24];
	snprintf(rid, sizeof rid, "%lld", (long long)s->id);
	json_t *detail = json_pack("{s:o}", "fields", people_fields_json(changed));
	if (audit_extra)
		json_object_update(detail, audit_extra);
	int rc = gz_audit(a, db, "resident.create", "resident", rid, s->grid, detail, err);
	json_decref(detail);
	return rc;
}

/* ================================================================ the place moved to */

int people_household_insert(gz_db *db, int64_t unit, const char *grid, const char *address,
                            int64_t at, int64_t *id, gz_err *err)
{
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "INSERT INTO households (unit_id, grid_code, address, created_at, "
	                  "updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id",
	                  err);
	if (!st)
		return -1;
	gz_stmt_bind_id(st, 1, unit);
	gz_stmt_bind_str(st, 2, grid);
	gz_stmt_bind_str(st, 3, address ? address : "");
	gz_stmt_bind_int64(st, 4, at);
	int k = gz_stmt_step(st, err);
	*id = k == GZ_ROW ? gz_stmt_int64(st, 0) : 0;
	gz_stmt_finish(st);
	if (!*id)
		return k < 0 ? -1 : gz_err_set(err, GZ_EINTERNAL, "internal", "新建户读不到");
	return gz_db_count_add(db, "households", 1, err);
}

/* The household of unit (its first), or a new one. */
static int unit_household(gz_db *db, int64_t unit, const char *grid, int64_t at, int64_t *out,
                          gz_err *err)
{
	*out = 0;
	if (gz_db_query_int64(db,
	                      "SELECT id FROM households WHERE unit_id = $1 ORDER BY id LIMIT 1",
	                      out, err, 1, unit) < 0)
		return -1;
	return *out ? 0 : people_household_insert(db, unit, grid, "", at, out, err);
}

/* The grid of a household or unit id, when the actor reads it ("" otherwise, as if it
 * did not exist). */
static int place_grid(const gz_actor *a, gz_db *db, const char *sql, int64_t id,
                      char grid[SPACE_CODE_SIZE], gz_err *err)
{
	grid[0] = '\0';
	gz_stmt *st = gz_db_prepare(db, sql, err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int k = gz_stmt_step(st, err);
	if (k == GZ_ROW)
		snprintf(grid, SPACE_CODE_SIZE, "%s", gz_stmt_text(st, 0));
	gz_stmt_finish(st);
	if (k < 0)
		return -1;
	gz_err e;
	gz_err_clear(&e);
	if (grid[0] && gz_actor_check(a, ACT_READ, RES_RESIDENT, grid, &e) < 0)
		grid[0] = '\0';
	return 0;
}

/* Where a move (or a move back in) takes s: {"household_id"} joins a household, {"unit_id"}
 * the unit's household (made when it has none), {"grid_code", "address"?} a grid — a
 * household at that address line, found or made, or none without one; "relation"
 * optionally. The actor must write at the new grid (else a field error, as for a place
 * that does not exist); same_street keeps the move within the street of the old grid.
 * Returns 1 when a place was given, 0 when none, -1 with err. */
static int move_target(const gz_actor *a, gz_db *db, json_t *in, res_state *s, bool same_street,
                       int64_t at, gz_err *err)
{
	const char *hh = NULL, *unit = NULL, *grid = NULL, *addr = NULL, *rel = NULL;
	gz_json_str(in, "household_id", GZ_OPTIONAL, 1, 18, &hh, err);
	gz_json_str(in, "unit_id", GZ_OPTIONAL, 1, 18, &unit, err);
	gz_json_str(in, "grid_code", GZ_OPTIONAL, 15, 15, &grid, err);
	gz_json_str(in, "address", GZ_OPTIONAL, 1, 200, &addr, err);
	gz_json_str(in, "relation", GZ_OPTIONAL, 0, 32, &rel, err);
	if ((hh != NULL) + (unit != NULL) > 1)
		gz_err_field(err, "household_id", "户和房屋只能指定其一");
	if (addr && (hh || unit))
		gz_err_field(err, "address", "指定户或房屋时不填地址");
	const char *why;
	if (grid && space_code_check(grid, SPACE_GRID, &why) < 0)
		gz_err_field(err, "grid_code", "%s", why);
	person_relation r;
	gz_err e;
	gz_err_clear(&e);
	if (rel && *rel && person_relation_parse(rel, &r, &e) < 0)
		gz_err_field(err, "relation", "%s", e.message);
	if (gz_json_check(err) < 0)
		return -1;
	if (rel)
		s->relation = *rel ? person_relation_label(r) : "";
	if (!hh && !unit && !grid)
		return 0;

	char target[SPACE_CODE_SIZE] = "";
	int64_t hid = 0, uid = 0;
	if (hh) {
		hid = gz_api_parse_id(hh);
		if (!hid || place_grid(a, db, "SELECT grid_code FROM households WHERE id = $1", hid,
		                       target, err) < 0) {
			if (err->kind)
				return -1;
		}
		if (!target[0])
			gz_err_field(err, "household_id", "户不存在");
	} else if (unit) {
		uid = gz_api_parse_id(unit);
		if (uid && place_grid(a, db, "SELECT grid_code FROM units WHERE id = $1", uid,
		                      target, err) < 0)
			return -1;
		if (!target[0])
			gz_err_field(err, "unit_id", "房屋不存在");
	} else {
		snprintf(target, sizeof target, "%s", grid);
	}
	if (target[0] && grid && strcmp(grid, target))
		gz_err_field(err, "grid_code", "%s", hh ? "户不在该网格内" : "房屋不在该网格内");
	if (gz_json_check(err) < 0)
		return -1;
	/* The new grid: written by the actor, existing, in the same street. */
	gz_err ae;
	gz_err_clear(&ae);
	const char *field = hh ? "household_id" : unit ? "unit_id" : "grid_code";
	if (gz_actor_check(a, ACT_WRITE, RES_RESIDENT, target, &ae) < 0) {
		if (ae.kind != GZ_ENOTFOUND && ae.kind != GZ_EFORBIDDEN) {
			*err = ae;
			return -1;
		}
		gz_err_field(err, field, "不存在或不在您的管辖范围内");
		return gz_json_check(err);
	}
	if (same_street && strncmp(target, s->grid, 9)) {
		gz_err_field(err, field, "只能在本街道内迁移；迁往其他街道请办理迁出");
		return gz_json_check(err);
	}
	if (!hid && !uid) {
		int64_t one = 0;
		int k = gz_db_query_int64_text(db, "SELECT 1 FROM grids WHERE code = $1", &one, err,
		                               target);
		if (k < 0)
			return -1;
		if (k == 0) {
			gz_err_field(err, "grid_code", "不存在或不在您的管辖范围内");
			return gz_json_check(err);
		}
	}
	if (uid && unit_household(db, uid, target, at, &hid, err) < 0)
		return -1;
	if (!hid && addr) {
		gz_stmt *st = gz_db_prepare(db,
		                            "SELECT id FROM households WHERE grid_code = $1 AND "
		                            "address = $2 AND unit_id IS NULL ORDER BY id LIMIT 1",
		                            err);
		if (!st)
			return -1;
		gz_stmt_bind_str(st, 1, target);
		gz_stmt_bind_str(st, 2, addr);
		int k = gz_stmt_step(st, err);
		hid = k == GZ_ROW ? gz_stmt_int64(st, 0) : 0;
		gz_stmt_finish(st);
		if (k < 0)
			return -1;
		if (!hid && people_household_insert(db, 0, target, addr, at, &hid, err) < 0)
			return -1;
	}
	snprintf(s->grid, sizeof s->grid, "%s", target);
	s->household = hid;
	return 1;
}

/* ================================================================ change */

/* Refuses keys of in that are not in allowed (NULL-terminated): one field error each. */
static int only_keys(json_t *in, const char *const *allowed, gz_err *err)
{
	const char *key;
	json_t *v;
	json_object_foreach(in, key, v)
	{
		bool ok = false;
		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = !strcmp(key, allowed[i]);
		if (!ok)
			gz_err_field(err, key, "未知字段");
	}
	return gz_json_check(err);
}

static const char *const change_action[] = {
    [GZ_PEOPLE_EDIT] = "update",       [GZ_PEOPLE_MOVE] = "move",
    [GZ_PEOPLE_MOVE_OUT] = "move_out", [GZ_PEOPLE_MOVE_IN] = "move_in",
    [GZ_PEOPLE_DECEASED] = "deceased",
};

json_t *people_resident_reload(gz_req *r, gz_db *db, int64_t id, bool self, gz_err *err)
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
	if (people_add_place(db, o, err) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int people_change(gz_db *db, const gz_actor *a, int64_t id, bool self, gz_people_change kind,
                  json_t *in, int64_t at, res_state *s, json_t **out, gz_err *err)
{
	gz_stmt *st = NULL;
	res_state *before = NULL;
	unsigned changed = 0;
	char date[RESIDENT_DATE_SIZE] = "";
	*out = NULL;
	memset(s, 0, sizeof *s);
	if (!in || !json_is_object(in))
		return gz_err_set(err, GZ_EBADREQ, "invalid_json", "请求体应为 JSON 对象");
	if (!at)
		at = gz_time_now_ms();
	/* A new ID number is compared with the whole register: charged like a lookup. */
	const char *new_idn = json_string_value(json_object_get(in, "id_number"));
	if (kind == GZ_PEOPLE_EDIT && !self && new_idn && *new_idn &&
	    gz_ratelimit_pii(a, db, "resident.update", 1, false, err) != 0)
		return -1;
	/* The whole change happens in one transaction, reading the row inside it. */
	if (gz_db_begin(db, err) < 0)
		return -1;
	st = gz_db_prepare(db, self ? sql_res_self : sql_res_one, err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, self ? a->user_id : id);
	int k = people_step_one(st, err);
	if (k <= 0) {
		st = NULL; /* people_step_one() finished it */
		if (k == 0)
			gz_err_set(err, GZ_ENOTFOUND, "not_found",
			           self ? "您的账号尚未关联居民信息" : "没有这条记录");
		goto rollback;
	}
	people_state_from_row(st, s);
	gz_stmt_finish(st);
	st = NULL;
	before = malloc(sizeof *before);
	if (!before) {
		gz_err_set(err, GZ_EINTERNAL, "oom", "内存不足");
		goto rollback;
	}
	*before = *s;
	if (self ? (!a->req || gz_auth_self(a->req, s->user_id, err) < 0)
	         : gz_actor_check(a, ACT_WRITE, RES_RESIDENT, before->grid, err) < 0) {
		if (!err->kind)
			gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto rollback;
	}

	person_date d = {0, 0, 0};
	char why[4 * RECORD_REASON_MAX + 1] = "";
	switch (kind) {
	case GZ_PEOPLE_EDIT:
		if (people_apply_input(a, db, in, s, false, self, &changed, err) < 0 ||
		    (!self && people_check_place(a, db, s, changed, err) < 0))
			goto rollback;
		break;
	case GZ_PEOPLE_MOVE:
	case GZ_PEOPLE_MOVE_IN: {
		static const char *const allowed[] = {"household_id", "unit_id",  "grid_code",
		                                      "address",      "relation", "date",
		                                      "reason",       NULL};
		if (only_keys(in, allowed, err) < 0)
			goto rollback;
		const char *ds = NULL, *reason = NULL;
		gz_json_str(in, "date", GZ_OPTIONAL, 0, 32, &ds, err);
		gz_json_str(in, "reason", GZ_OPTIONAL, 0, 4 * RECORD_REASON_MAX, &reason, err);
		if (gz_json_check(err) < 0)
			goto rollback;
		if (kind == GZ_PEOPLE_MOVE && s->status != RECORD_ACTIVE) {
			gz_err_set(err, GZ_ECONFLICT, "not_active", "%s",
			           s->status == RECORD_DECEASED ? "该居民已故"
			                                        : "该居民已迁出，请先办理迁入");
			goto rollback;
		}
		person_date birth = s->birth;
		if (!s->has_birth)
			birth.year = 0;
		if (kind == GZ_PEOPLE_MOVE_IN
		        ? record_change_check(RECORD_MOVE_IN, s->status, ds, reason, &birth, at, &d,
		                              why, sizeof why, err) < 0
		        : record_change_check(RECORD_MOVE_IN, RECORD_MOVED_OUT, ds, reason, &birth,
		                              at, &d, why, sizeof why, err) < 0)
			goto rollback;
		int t = move_target(a, db, in, s, kind == GZ_PEOPLE_MOVE, at, err);
		if (t < 0)
			goto rollback;
		if (t == 0 && kind == GZ_PEOPLE_MOVE) {
			gz_err_field(err, "household_id", "请指定迁往的户、房屋或网格");
			gz_json_check(err);
			goto rollback;
		}
		if (kind == GZ_PEOPLE_MOVE_IN) {
			s->status = RECORD_ACTIVE;
			s->status_date[0] = s->status_reason[0] = '\0';
		}
		break;
	}
	case GZ_PEOPLE_MOVE_OUT:
	case GZ_PEOPLE_DECEASED: {
		static const char *const allowed[] = {"date", "reason", NULL};
		if (only_keys(in, allowed, err) < 0)
			goto rollback;
		const char *ds = NULL, *reason = NULL;
		gz_json_str(in, "date", GZ_OPTIONAL, 0, 32, &ds, err);
		gz_json_str(in, "reason", GZ_OPTIONAL, 0, 4 * RECORD_REASON_MAX, &reason, err);
		if (gz_json_check(err) < 0)
			goto rollback;
		person_date birth = s->birth;
		if (!s->has_birth)
			birth.year = 0;
		if (record_change_check(kind == GZ_PEOPLE_MOVE_OUT ? RECORD_MOVE_OUT : RECORD_DIE,
		                        s->status, ds, reason, &birth, at, &d, s->status_reason,
		                        sizeof s->status_reason, err) < 0)
			goto rollback;
		s->status = kind == GZ_PEOPLE_MOVE_OUT ? RECORD_MOVED_OUT : RECORD_DECEASED;
		resident_date_format(d, s->status_date);
		break;
	}
	}
	if (d.year)
		resident_date_format(d, date);

	/* The record, its counts (per grid and status), its history, one audit row. */
	bool moved = strcmp(before->grid, s->grid) != 0;
	bool status_changed = before->status != s->status;
	if (kind != GZ_PEOPLE_EDIT || changed) {
		if (people_write_state(db, s, err) < 0)
			goto rollback;
		if ((moved || status_changed) &&
		    (people_count(db, before->grid, before->status, -1, err) < 0 ||
		     people_count(db, s->grid, s->status, 1, err) < 0))
			goto rollback;
		static const char *const self_action = "self_update";
		const char *action = self ? self_action : change_action[kind];
		if (people_history_write(db, a, at, action, before, s, err) < 0)
			goto rollback;
		if ((date[0] && (kind == GZ_PEOPLE_MOVE || kind == GZ_PEOPLE_MOVE_IN) &&
		     people_history_note(db, a, s->id, at, action, "date", date, err) < 0) ||
		    (why[0] &&
		     people_history_note(db, a, s->id, at, action, "reason", why, err) < 0))
			goto rollback;
		char rid[24], aud[48];
		snprintf(rid, sizeof rid, "%lld", (long long)s->id);
		snprintf(aud, sizeof aud, "resident.%s", action);
		json_t *detail = json_object();
		if (kind == GZ_PEOPLE_EDIT)
			json_object_set_new(detail, "fields", people_fields_json(changed));
		if (moved)
			json_object_set_new(detail, "from_grid", json_string(before->grid));
		if (date[0])
			json_object_set_new(detail, "date", json_string(date));
		int rc = gz_audit(a, db, aud, "resident", rid, s->grid, detail, err);
		json_decref(detail);
		if (rc < 0)
			goto rollback;
	}
	if (!(*out = people_resident_reload(a->req, db, s->id, self, err)) ||
	    gz_api_commit(a->req, db, 200, *out, err) < 0)
		goto rollback;
	free(before);
	return 0;
rollback:
	json_decref(*out);
	*out = NULL;
	gz_stmt_finish(st);
	gz_db_rollback(db);
	free(before);
	return -1;
}

int gz_people_resident_change(gz_db *db, const gz_actor *a, int64_t id, gz_people_change kind,
                              json_t *in, int64_t at, json_t **out, gz_err *err)
{
	res_state *s = malloc(sizeof *s);
	if (!s)
		return gz_err_set(err, GZ_EINTERNAL, "oom", "内存不足");
	json_t *o = NULL;
	int rc = people_change(db, a, id, false, kind, in, at, s, &o, err);
	sodium_memzero(s, sizeof *s);
	free(s);
	if (out)
		*out = o;
	else
		json_decref(o);
	return rc;
}
