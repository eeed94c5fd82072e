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

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ households (户卡) */

#define HH_COLS                                                                                    \
	"h.id, h.unit_id, h.grid_code, h.address, h.created_at, h.updated_at, (SELECT COUNT(*) "   \
	"FROM residents m WHERE m.household_id = h.id AND m.deleted_at IS NULL AND m.status = "    \
	"'active'), u.number, "                                                                    \
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

/* The 户卡's full address: "place" (street, community, grid, building, unit by name) and
 * "full_address" (the line printed on the card). */
static int add_place(gz_db *db, json_t *hh, gz_err *err)
{
	people_names pn;
	people_names_init(&pn);
	json_t *pl =
	    people_place_json(&pn, db, json_string_value(json_object_get(hh, "grid_code")),
	                      gz_api_parse_id(json_string_value(json_object_get(hh, "id"))), err);
	people_names_free(&pn);
	if (!pl)
		return -1;
	json_object_set(hh, "full_address", json_object_get(pl, "full"));
	json_object_set_new(hh, "place", pl);
	return 0;
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
	    "r.deleted_at IS NULL AND r.status = 'active' ORDER BY CASE WHEN r.relation = "
	    "'户主' THEN 0 ELSE 1 END, r.id LIMIT 200",
	    &err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, id);
	json_t *members = json_array();
	while ((k = gz_stmt_step(st, &err)) == GZ_ROW)
		json_array_append_new(members, people_resident_json(r, st, &rc));
	gz_stmt_finish(st);
	json_object_set_new(out, "members", members);
	if (k >= 0 && add_place(db, out, &err) < 0)
		k = -1;
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

/* Most residents added with one household. */
#define HH_MEMBERS_MAX 20

/* Copies e's field errors into err as "members[i].field". */
static void member_fields(gz_err *err, size_t i, const gz_err *e)
{
	if (!e->nfields)
		gz_err_field(err, "members", "第 %zu 位成员：%s", i + 1, e->message);
	for (int k = 0; k < e->nfields; k++) {
		char name[128];
		snprintf(name, sizeof name, "members[%zu].%.40s", i, e->fields[k].name);
		gz_err_field(err, name, "%s", e->fields[k].why);
	}
}

/* POST /households {grid_code | unit_id, address?, members?: [resident, ...]}: a
 * household, and with "members" its residents (1..HH_MEMBERS_MAX, each as POST
 * /residents takes one, without grid or household: the household's), all in one
 * transaction — every member checked first, every problem answered at once as
 * members[i].field. ID numbers are compared with the register like single creations
 * (charged together, 409 for the first registered one, named only to those who read
 * it). */
static void household_create(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *in = gz_req_json(r, &err), *out = NULL, *extra = NULL;
	gz_db *db = NULL;
	gz_stmt *st = NULL;
	const gz_actor *a = gz_req_actor(r);
	const char *grid = NULL, *unit_s = NULL, *address = "";
	char ugrid[SPACE_CODE_SIZE] = "";
	int64_t unit = 0, id = 0;
	res_state *ms = NULL;
	unsigned *mchanged = NULL;
	size_t nm = 0, dup_at = 0;
	if (!in)
		goto fail;
	gz_json_str(in, "grid_code", GZ_OPTIONAL, 15, 15, &grid, &err);
	gz_json_str(in, "unit_id", GZ_OPTIONAL, 1, 18, &unit_s, &err);
	gz_json_str(in, "address", GZ_OPTIONAL, 0, 200, &address, &err);
	json_t *members = json_object_get(in, "members");
	if (members && !json_is_null(members) &&
	    (!json_is_array(members) || json_array_size(members) < 1 ||
	     json_array_size(members) > HH_MEMBERS_MAX))
		gz_err_field(&err, "members", "应为 1 到 %d 位成员的数组", HH_MEMBERS_MAX);
	else if (json_is_array(members))
		nm = json_array_size(members);
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

	/* Every member checked before anything is written. */
	int64_t compared = 0;
	if (nm) {
		ms = gz_arena_alloc(&r->arena, nm * sizeof *ms);
		mchanged = gz_arena_alloc(&r->arena, nm * sizeof *mchanged);
		for (size_t i = 0; i < nm; i++) {
			json_t *m = json_array_get(members, i);
			gz_err e;
			gz_err_clear(&e);
			if (!json_is_object(m)) {
				gz_err_field(&err, "members", "第 %zu 位成员应为对象", i + 1);
				continue;
			}
			if (json_object_get(m, "grid_code") || json_object_get(m, "household_id")) {
				gz_err_field(&err, "members", "成员的网格和户由本户决定");
				continue;
			}
			json_t *mm = json_copy(m);
			json_object_set_new(mm, "grid_code", json_string(grid));
			int rc = people_prepare_create(a, db, mm, &ms[i], &mchanged[i], &e);
			json_decref(mm);
			if (rc < 0) {
				if (e.kind != GZ_EINVALID) {
					err = e;
					goto fail;
				}
				member_fields(&err, i, &e);
				continue;
			}
			for (size_t j = 0; j < i && ms[i].idn[0]; j++)
				if (!strcmp(ms[i].idn, ms[j].idn)) {
					char f[64];
					snprintf(f, sizeof f, "members[%zu].id_number", i);
					gz_err_field(&err, f, "与第 %zu 位成员重复", j + 1);
				}
			compared += ms[i].idn[0] != '\0';
		}
		if (gz_json_check(&err) < 0)
			goto fail;
		if (compared &&
		    gz_ratelimit_pii(a, db, "household.create", compared, false, &err) != 0)
			goto fail;
	}

	int64_t now = gz_time_now_ms();
	if (gz_db_begin(db, &err) < 0)
		goto fail;
	if (people_household_insert(db, unit, grid, address, now, &id, &err) < 0)
		goto rollback;
	char rid[24];
	snprintf(rid, sizeof rid, "%lld", (long long)id);
	json_t *detail = json_pack("{s:s}", "grid_code", grid);
	if (unit)
		json_object_set_new(detail, "unit_id", gz_api_id_json(unit));
	if (nm)
		json_object_set_new(detail, "members", json_integer((json_int_t)nm));
	int rc = gz_audit(a, db, "household.create", "household", rid, grid, detail, &err);
	json_decref(detail);
	if (rc < 0)
		goto rollback;
	json_t *hx = json_pack("{s:o}", "household_id", gz_api_id_json(id));
	for (size_t i = 0; i < nm && rc == 0; i++) {
		ms[i].household = id;
		dup_at = i;
		rc = people_insert(a, db, &ms[i], mchanged[i] | F_HOUSEHOLD, now, hx, &err);
	}
	json_decref(hx);
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
	/* The members as the caller sees them (masked), head first. */
	st = gz_db_prepare(db,
	                   "SELECT " RES_COLS " FROM residents r WHERE r.household_id = $1 ORDER "
	                   "BY CASE WHEN r.relation = '户主' THEN 0 ELSE 1 END, r.id",
	                   &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, id);
	json_t *mem = json_array();
	reveal_ctx none = {0};
	while ((k = gz_stmt_step(st, &err)) == GZ_ROW)
		json_array_append_new(mem, people_resident_json(r, st, &none));
	gz_stmt_finish(st);
	st = NULL;
	json_object_set_new(out, "members", mem);
	if (k < 0 || add_place(db, out, &err) < 0 || gz_api_commit(r, db, 201, out, &err) < 0)
		goto rollback;
	for (size_t i = 0; i < nm; i++)
		sodium_memzero(&ms[i], sizeof ms[i]);
	json_decref(in);
	people_reply(r, 201, out);
	return;
rollback:
	json_decref(out);
	gz_stmt_finish(st);
	gz_db_rollback(db);
	if (nm) {
		char f[64];
		snprintf(f, sizeof f, "members[%zu].id_number", dup_at);
		extra = people_duplicate_answer(r, db, grid, &ms[dup_at], f, &err);
	}
fail:
	for (size_t i = 0; ms && i < nm; i++)
		sodium_memzero(&ms[i], sizeof ms[i]);
	json_decref(in);
	if (!err.kind)
		gz_err_set(&err, GZ_EINTERNAL, "internal", "新建的记录读不到");
	if (extra)
		gz_reply_err_extra(r, &err, extra);
	else
		gz_reply_err(r, &err);
	json_decref(extra);
}

const gz_module_route gz_people_household_routes[] = {
    {"GET", "/api/v1/households", household_list, 0, 0},
    {"POST", "/api/v1/households", household_create, 0, 0},
    {"GET", "/api/v1/households/{id}", household_get, 0, 0},
    {0},
};
