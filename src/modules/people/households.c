/* Households (户卡): list, one household with its members, create. */
#include "modules/people/people_internal.h"
#include "modules/module.h"
#include "api/list.h"
#include "api/ratelimit.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/time.h"
#include "core/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ households (户卡) */

#define HH_COLS                                                                                    \
	"h.id, h.unit_id, h.grid_code, h.address, h.created_at, h.updated_at, (SELECT COUNT(*) "   \
	"FROM residents m WHERE m.household_id = h.id AND m.deleted_at IS NULL), u.number, "       \
	"u.building_id"

static json_t *household_json(gz_stmt *st)
{
	json_t *o = json_pack(
	    "{s:o,s:o,s:s,s:s,s:I,s:o,s:o}", "id", gz_api_id_json(gz_stmt_int64(st, 0)), "unit_id",
	    gz_stmt_isnull(st, 1) ? json_null() : gz_api_id_json(gz_stmt_int64(st, 1)), "grid_code",
	    gz_stmt_text(st, 2), "address", gz_stmt_text(st, 3), "member_count",
	    (json_int_t)gz_stmt_int64(st, 6), "created_at", gz_api_time_json(gz_stmt_int64(st, 4)),
	    "updated_at", gz_api_time_json(gz_stmt_int64(st, 5)));
	if (!gz_stmt_isnull(st, 1))
		json_object_set_new(o, "unit",
		                    json_pack("{s:o,s:s,s:o}", "id",
		                              gz_api_id_json(gz_stmt_int64(st, 1)), "number",
		                              gz_stmt_text(st, 7), "building_id",
		                              gz_api_id_json(gz_stmt_int64(st, 8))));
	else
		json_object_set_new(o, "unit", json_null());
	return o;
}

static json_t *household_row_fn(gz_req *r, gz_stmt *st, int64_t *key)
{
	(void)r;
	*key = gz_stmt_int64(st, 0);
	return household_json(st);
}

static void household_list(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t unit = 0;
	const char *filter;
	const char *u = gz_req_query(r, "unit");
	if (u && !(unit = gz_api_parse_id(u))) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "unit 无效");
		gz_err_field(&err, "unit", "应为房屋的 id");
	}
	if (err.kind || gz_people_place_filter(r, &filter, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	gz_api_scoped_list(
	    r, &(gz_api_list_query){
	           .sql = "SELECT " HH_COLS " FROM households h LEFT JOIN units u ON u.id = "
	                  "h.unit_id WHERE h.grid_code = $1 AND h.grid_code < $2 AND h.id > $3 "
	                  "AND ($5 = 0 OR h.unit_id = $5) ORDER BY h.id LIMIT $4",
	           .sql_after = "SELECT " HH_COLS " FROM households h LEFT JOIN units u ON u.id = "
	                        "h.unit_id WHERE h.grid_code > $1 AND h.grid_code < $2 AND h.id > "
	                        "$3 AND ($5 = 0 OR h.unit_id = $5) ORDER BY h.grid_code, h.id "
	                        "LIMIT $4",
	           .action = ACT_READ,
	           .res = RES_RESIDENT,
	           .filter = filter,
	           .ints = &unit,
	           .nints = 1,
	           .row = household_row_fn});
}

/* GET /households/{id}: the 户卡 — the household, its unit and its members (head
 * first), each member masked as in the resident list; ?reveal= as there. */
static void household_get(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	reveal_ctx rc = {0};
	json_t *out = NULL;
	gz_db *db = NULL;
	gz_stmt *st = NULL;
	bool snap = false;
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	if (!id) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto fail;
	}
	/* The household and its members from one snapshot, ended before the audit row. */
	if (people_reveal_setup(r, &rc, &err) < 0 || !(db = gz_req_db(r, &err)) ||
	    !(snap = gz_db_begin_read(db, &err) == 0) ||
	    !(st = gz_db_prepare(db,
	                         "SELECT " HH_COLS " FROM households h LEFT JOIN units u ON u.id = "
	                         "h.unit_id WHERE h.id = $1",
	                         &err)))
		goto fail;
	gz_stmt_bind_int64(st, 1, id);
	int k = people_step_one(st, &err);
	if (k <= 0) {
		if (k == 0)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto fail;
	}
	char grid[SPACE_CODE_SIZE];
	snprintf(grid, sizeof grid, "%s", gz_stmt_text(st, 2));
	out = household_json(st);
	gz_stmt_finish(st);
	if (gz_auth_check(r, ACT_READ, RES_RESIDENT, grid, &err) < 0 ||
	    (rc.want && gz_auth_check(r, ACT_REVEAL, RES_RESIDENT, grid, &err) < 0)) {
		if (err.kind == GZ_EFORBIDDEN && rc.want)
			gz_err_set(&err, GZ_EFORBIDDEN, "reveal_forbidden",
			           "当前角色无权查看完整的个人信息");
		goto fail;
	}
	st = gz_db_prepare(
	    db,
	    "SELECT " RES_COLS " FROM residents r WHERE r.household_id = $1 AND "
	    "r.deleted_at IS NULL ORDER BY CASE WHEN r.relation = '户主' THEN 0 ELSE 1 "
	    "END, r.id LIMIT 200",
	    &err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, id);
	json_t *members = json_array();
	while ((k = gz_stmt_step(st, &err)) == GZ_ROW)
		json_array_append_new(members, people_resident_json(r, st, &rc));
	gz_stmt_finish(st);
	json_object_set_new(out, "members", members);
	gz_db_end_read(db);
	snap = false;
	if (k < 0 || people_reveal_audit(r, db, &rc, NULL, NULL, NULL, &err) < 0)
		goto fail;
	json_decref(rc.ids);
	people_reply(r, 200, out);
	return;
fail:
	if (snap)
		gz_db_end_read(db);
	json_decref(out);
	json_decref(rc.ids);
	gz_reply_err(r, &err);
}

static void household_create(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *in = gz_req_json(r, &err), *out = NULL;
	gz_db *db = NULL;
	gz_stmt *st = NULL;
	const char *grid = NULL, *unit_s = NULL, *address = "";
	char ugrid[SPACE_CODE_SIZE] = "";
	int64_t unit = 0, id = 0;
	if (!in)
		goto fail;
	gz_json_str(in, "grid_code", GZ_OPTIONAL, 15, 15, &grid, &err);
	gz_json_str(in, "unit_id", GZ_OPTIONAL, 1, 18, &unit_s, &err);
	gz_json_str(in, "address", GZ_OPTIONAL, 0, 200, &address, &err);
	if (unit_s && !(unit = gz_api_parse_id(unit_s)))
		gz_err_field(&err, "unit_id", "应为房屋的 id");
	const char *why;
	if (grid && space_code_check(grid, SPACE_GRID, &why) < 0)
		gz_err_field(&err, "grid_code", "%s", why);
	if (!grid && !unit)
		gz_err_field(&err, "grid_code", "必填（或指定 unit_id）");
	if (gz_json_check(&err) < 0 || !(db = gz_req_db(r, &err)))
		goto fail;
	if (unit) {
		st = gz_db_prepare(db, "SELECT grid_code FROM units WHERE id = $1", &err);
		if (!st)
			goto fail;
		gz_stmt_bind_int64(st, 1, unit);
		int k = gz_stmt_step(st, &err);
		if (k == GZ_ROW)
			snprintf(ugrid, sizeof ugrid, "%s", gz_stmt_text(st, 0));
		gz_stmt_finish(st);
		st = NULL;
		if (k < 0)
			goto fail;
		gz_err ae;
		gz_err_clear(&ae);
		if (!ugrid[0] || gz_auth_check(r, ACT_READ, RES_RESIDENT, ugrid, &ae) < 0)
			gz_err_field(&err, "unit_id", "房屋不存在");
		else if (grid && strcmp(grid, ugrid))
			gz_err_field(&err, "unit_id", "房屋不在该网格内");
		if (gz_json_check(&err) < 0)
			goto fail;
		grid = ugrid;
	}
	if (gz_auth_check(r, ACT_WRITE, RES_RESIDENT, grid, &err) < 0)
		goto fail;
	int64_t one = 0;
	st = gz_db_prepare(db, "SELECT 1 FROM grids WHERE code = $1", &err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, grid);
	int k = gz_stmt_step(st, &err);
	one = k == GZ_ROW;
	gz_stmt_finish(st);
	st = NULL;
	if (k < 0)
		goto fail;
	if (!one) {
		gz_err_field(&err, "grid_code", "网格不存在");
		gz_json_check(&err);
		goto fail;
	}
	int64_t now = gz_time_now_ms();
	if (gz_db_begin(db, &err) < 0)
		goto fail;
	st = gz_db_prepare(db,
	                   "INSERT INTO households (unit_id, grid_code, address, created_at, "
	                   "updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id",
	                   &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_id(st, 1, unit);
	gz_stmt_bind_str(st, 2, grid);
	gz_stmt_bind_str(st, 3, address ? address : "");
	gz_stmt_bind_int64(st, 4, now);
	k = gz_stmt_step(st, &err);
	id = k == GZ_ROW ? gz_stmt_int64(st, 0) : 0;
	gz_stmt_finish(st);
	st = NULL;
	if (!id) {
		if (k >= 0)
			gz_err_set(&err, GZ_EINTERNAL, "internal", "新建的记录读不到");
		goto rollback;
	}
	char rid[24];
	snprintf(rid, sizeof rid, "%lld", (long long)id);
	json_t *detail = json_pack("{s:s}", "grid_code", grid);
	if (unit)
		json_object_set_new(detail, "unit_id", gz_api_id_json(unit));
	int rc = gz_db_count_add(db, "households", 1, &err) < 0
	             ? -1
	             : gz_audit(gz_req_actor(r), db, "household.create", "household", rid, grid,
	                        detail, &err);
	json_decref(detail);
	if (rc < 0 || !(st = gz_db_prepare(db,
	                                   "SELECT " HH_COLS " FROM households h LEFT JOIN units "
	                                   "u ON u.id = h.unit_id WHERE h.id = $1",
	                                   &err)))
		goto rollback;
	gz_stmt_bind_int64(st, 1, id);
	if (people_step_one(st, &err) != 1) {
		st = NULL; /* people_step_one() finished it */
		goto rollback;
	}
	out = household_json(st);
	gz_stmt_finish(st);
	st = NULL;
	if (gz_api_commit(r, db, 201, out, &err) < 0)
		goto rollback;
	json_decref(in);
	gz_reply_json(r, 201, out);
	return;
rollback:
	json_decref(out);
	gz_stmt_finish(st);
	gz_db_rollback(db);
fail:
	json_decref(in);
	if (!err.kind)
		gz_err_set(&err, GZ_EINTERNAL, "internal", "新建的记录读不到");
	gz_reply_err(r, &err);
}

const gz_module_route gz_people_household_routes[] = {
    {"GET", "/api/v1/households", household_list, 0, 0},
    {"POST", "/api/v1/households", household_create, 0, 0},
    {"GET", "/api/v1/households/{id}", household_get, 0, 0},
    {0},
};
