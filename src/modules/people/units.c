/* HTTP resources of property: units (专有部分) in buildings with their owners, the
 * units import and the .xlsx export. An area is exact: 0.01 m^2 as an integer inside,
 * a decimal string ("89.37") in JSON (domain/decimal.h); a unit may be unsold and
 * still held by the developer, whose unsold parts count as one owner (SPEC §3).
 *
 * Owners are people: their names follow the name rule of residents
 * (gz_people_name_for); their ID numbers are never stored, only the keyed hash that
 * identifies one owner across units (owner_key, see 0004_people.sql). */
#include "modules/module.h"
#include "api/common.h"
#include "api/auth.h"
#include "api/list.h"
#include "modules/people/people.h"
#include "api/ratelimit.h"
#include "core/json.h"
#include "core/time.h"
#include "core/xlsx_write.h"
#include "core/decimal.h"
#include "modules/people/person.h"
#include "domain/policy.h"
#include "modules/people/resident.h"
#include "domain/space_code.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNIT_COLS                                                                                  \
	"u.id, u.building_id, u.grid_code, u.number, u.area_dm2, u.sold, u.created_at, "           \
	"u.updated_at, b.name"

static json_t *unit_json(gz_stmt *st)
{
	return json_pack(
	    "{s:o,s:o,s:s,s:s,s:s,s:o,s:b,s:o,s:o}", "id", gz_api_id_json(gz_stmt_int64(st, 0)),
	    "building_id", gz_api_id_json(gz_stmt_int64(st, 1)), "building_name",
	    gz_stmt_text(st, 8), "grid_code", gz_stmt_text(st, 2), "number", gz_stmt_text(st, 3),
	    "area_m2", gz_people_area_json(gz_stmt_int64(st, 4)), "sold", gz_stmt_int64(st, 5) != 0,
	    "created_at", gz_api_time_json(gz_stmt_int64(st, 6)), "updated_at",
	    gz_api_time_json(gz_stmt_int64(st, 7)));
}

static json_t *unit_row_fn(gz_req *r, gz_stmt *st, int64_t *key)
{
	(void)r;
	*key = gz_stmt_int64(st, 0);
	return unit_json(st);
}

/* ?building= as an id (0 when absent); -1 with err when malformed. */
static int building_query(gz_req *r, int64_t *out, gz_err *err)
{
	const char *b = gz_req_query(r, "building");
	*out = 0;
	if (b && !(*out = gz_api_parse_id(b))) {
		gz_err_set(err, GZ_EBADREQ, "bad_query", "building 无效");
		gz_err_field(err, "building", "应为楼栋的 id");
		return -1;
	}
	return 0;
}

static void unit_list(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t building;
	const char *filter;
	if (building_query(r, &building, &err) < 0 ||
	    gz_people_place_filter(r, &filter, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	gz_api_scoped_list(
	    r, &(gz_api_list_query){
	           .sql = "SELECT " UNIT_COLS " FROM units u JOIN buildings b ON b.id = "
	                  "u.building_id WHERE u.grid_code = $1 AND u.grid_code < $2 AND u.id > "
	                  "$3 AND ($5 = 0 OR u.building_id = $5) ORDER BY u.id LIMIT $4",
	           .sql_after = "SELECT " UNIT_COLS " FROM units u JOIN buildings b ON b.id = "
	                        "u.building_id WHERE u.grid_code > $1 AND u.grid_code < $2 AND "
	                        "u.id > $3 AND ($5 = 0 OR u.building_id = $5) ORDER BY "
	                        "u.grid_code, u.id LIMIT $4",
	           .action = ACT_READ,
	           .res = RES_RESIDENT,
	           .filter = filter,
	           .ints = &building,
	           .nints = 1,
	           .row = unit_row_fn});
}

/* The owners of unit id as r may see them: [{name, kind, has_id_number, resident_id}].
 * resident_id is shown only when r reads that resident (an owner may have been linked by
 * someone with a wider scope): otherwise null, as for an owner who is no resident. */
static json_t *owners_json(gz_req *r, gz_db *db, int64_t id, const char *grid, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT o.owner_key, o.owner_name, o.resident_id, r.grid_code "
	                            "FROM unit_owners o LEFT JOIN residents r ON r.id = "
	                            "o.resident_id AND r.deleted_at IS NULL WHERE o.unit_id = $1 "
	                            "ORDER BY o.owner_key",
	                            err);
	if (!st)
		return NULL;
	gz_stmt_bind_int64(st, 1, id);
	json_t *a = json_array();
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		const char *key = gz_stmt_text(st, 0);
		bool developer = !strcmp(key, "developer");
		gz_err e;
		gz_err_clear(&e);
		bool linked = !gz_stmt_isnull(st, 3) && gz_auth_check(r, ACT_READ, RES_RESIDENT,
		                                                      gz_stmt_text(st, 3), &e) == 0;
		json_array_append_new(
		    a, json_pack("{s:s,s:s,s:b,s:o}", "name",
		                 developer ? gz_stmt_text(st, 1)
		                           : gz_people_name_for(r, grid, gz_stmt_text(st, 1)),
		                 "kind", developer ? "developer" : "person", "has_id_number",
		                 !strncmp(key, "id:", 3), "resident_id",
		                 linked ? gz_api_id_json(gz_stmt_int64(st, 2)) : json_null()));
	}
	gz_stmt_finish(st);
	if (rc < 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* The unit with its owners and households, or NULL with err (404 when none or out of
 * r's read scopes). */
static json_t *unit_detail_in(gz_req *r, gz_db *db, int64_t id, gz_err *err);

/* The unit, its owners and households from one snapshot (joined when the caller holds
 * one, as the create's answer inside its transaction). */
static json_t *unit_detail(gz_req *r, gz_db *db, int64_t id, gz_err *err)
{
	if (gz_db_begin_read(db, err) < 0)
		return NULL;
	json_t *u = unit_detail_in(r, db, id, err);
	gz_db_end_read(db);
	return u;
}

static json_t *unit_detail_in(gz_req *r, gz_db *db, int64_t id, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT " UNIT_COLS " FROM units u JOIN buildings b ON b.id = "
	                            "u.building_id WHERE u.id = $1",
	                            err);
	if (!st)
		return NULL;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc != GZ_ROW) {
		gz_stmt_finish(st);
		if (rc == GZ_DONE)
			gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		return NULL;
	}
	json_t *u = unit_json(st);
	gz_stmt_finish(st);
	const char *grid = json_string_value(json_object_get(u, "grid_code"));
	json_t *owners = NULL;
	if (gz_auth_check(r, ACT_READ, RES_RESIDENT, grid, err) < 0 ||
	    !(owners = owners_json(r, db, id, grid, err))) {
		json_decref(u);
		return NULL;
	}
	json_object_set_new(u, "owners", owners);
	st = gz_db_prepare(db, "SELECT id FROM households WHERE unit_id = $1 ORDER BY id LIMIT 50",
	                   err);
	if (!st) {
		json_decref(u);
		return NULL;
	}
	gz_stmt_bind_int64(st, 1, id);
	json_t *hh = json_array();
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW)
		json_array_append_new(hh, gz_api_id_json(gz_stmt_int64(st, 0)));
	gz_stmt_finish(st);
	json_object_set_new(u, "household_ids", hh);
	if (rc < 0) {
		json_decref(u);
		return NULL;
	}
	return u;
}

static void unit_get(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	gz_db *db = gz_req_db(r, &err);
	json_t *u = NULL;
	if (!id)
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
	if (!id || !db || !(u = unit_detail(r, db, id, &err))) {
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_json(r, 200, u);
}

/* POST /units {building_id, number, area_m2: "89.37", sold = true, owners: [{name,
 * id_number?}], developer_name?}: one unit with its owners, in one transaction with
 * one audit row. */
static void unit_create(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *in = gz_req_json(r, &err), *out = NULL;
	const char *bid_s = NULL, *number = NULL, *area_s = NULL, *developer = NULL;
	bool sold = true;
	int64_t bid = 0, area = 0, id = 0, now = gz_time_now_ms();
	gz_db *db = NULL;
	gz_stmt *st = NULL;
	char grid[SPACE_CODE_SIZE] = "";
	const gz_crypto *crypto = gz_crypto_global();
	if (!in)
		goto fail;
	gz_json_str(in, "building_id", GZ_REQUIRED, 1, 18, &bid_s, &err);
	gz_json_str(in, "number", GZ_REQUIRED, 1, 32, &number, &err);
	json_t *av = json_object_get(in, "area_m2");
	if (!av)
		gz_err_field(&err, "area_m2", "必填");
	else if (!json_is_string(av))
		gz_err_field(&err, "area_m2", "应为字符串，例如 \"89.37\"（精确到 0.01 平方米）");
	else {
		gz_err e;
		gz_err_clear(&e);
		area_s = json_string_value(av);
		if (decimal_parse_cstr(area_s, DECIMAL_MAX_AREA, &area, &e) < 0)
			gz_err_field(&err, "area_m2", "%s", e.message);
		else if (area == 0)
			gz_err_field(&err, "area_m2", "必须大于 0");
	}
	gz_json_bool(in, "sold", GZ_OPTIONAL, &sold, &err);
	gz_json_str(in, "developer_name", GZ_OPTIONAL, 1, RESIDENT_NAME_MAX, &developer, &err);
	if (bid_s && !(bid = gz_api_parse_id(bid_s)))
		gz_err_field(&err, "building_id", "应为楼栋的 id");
	json_t *owners = json_object_get(in, "owners");
	size_t nowners = json_array_size(owners);
	if (owners && (!json_is_array(owners) || nowners > 32))
		gz_err_field(&err, "owners", "应为业主数组（最多 32 个）");
	else if (sold && !nowners)
		gz_err_field(&err, "owners", "已售房屋至少需要一位业主");
	else if (!sold && nowners)
		gz_err_field(&err, "owners", "未售房屋由开发商持有，不填业主");
	struct owner {
		char key[300], name[4 * RESIDENT_NAME_MAX + 1];
		uint8_t hash[GZ_CRYPTO_LOOKUP_BYTES];
		bool has_id;
	} *ow = nowners ? calloc(nowners, sizeof *ow) : NULL;
	size_t i;
	json_t *o;
	json_array_foreach(owners, i, o)
	{
		char f[64];
		const char *name = json_string_value(json_object_get(o, "name"));
		const char *idn = json_string_value(json_object_get(o, "id_number"));
		size_t a, l;
		gz_err e;
		gz_err_clear(&e);
		snprintf(f, sizeof f, "owners[%zu].name", i);
		if (!json_is_object(o) || !name ||
		    resident_name_check(name, strlen(name), &a, &l, &e) < 0)
			gz_err_field(&err, f, "%s", e.message[0] ? e.message : "必填");
		else
			snprintf(ow[i].name, sizeof ow[i].name, "%.*s", (int)l, name + a);
		if (idn && *idn) {
			person_id_info info;
			gz_err_clear(&e);
			snprintf(f, sizeof f, "owners[%zu].id_number", i);
			if (person_id_check(idn, now, &info, &e) < 0)
				gz_err_field(&err, f, "%s", e.message);
			else if (crypto) {
				gz_crypto_lookup(crypto, info.normalised, ow[i].hash);
				memcpy(ow[i].key, "id:", 3);
				sodium_bin2hex(ow[i].key + 3, sizeof ow[i].key - 3, ow[i].hash,
				               sizeof ow[i].hash);
				ow[i].has_id = true;
			}
			sodium_memzero(&info, sizeof info);
		}
		for (size_t j = 0; j < i; j++)
			if ((ow[i].has_id && !strcmp(ow[i].key, ow[j].key)) ||
			    (!ow[i].has_id && !ow[j].has_id && !strcmp(ow[i].name, ow[j].name))) {
				snprintf(f, sizeof f, "owners[%zu]", i);
				gz_err_field(&err, f, "与 owners[%zu] 是同一业主", j);
			}
	}
	if (!crypto)
		gz_err_set(&err, GZ_EINTERNAL, "crypto_unavailable",
		           "服务器未加载个人信息加密密钥");
	if (err.kind || gz_json_check(&err) < 0 || !(db = gz_req_db(r, &err)))
		goto fail_owners;
	/* The building: its grid decides scope (404 when outside, as if it did not exist). */
	st = gz_db_prepare(db, "SELECT grid_code FROM buildings WHERE id = $1", &err);
	if (!st)
		goto fail_owners;
	gz_stmt_bind_int64(st, 1, bid);
	int k = gz_stmt_step(st, &err);
	if (k == GZ_ROW && !gz_stmt_isnull(st, 0))
		snprintf(grid, sizeof grid, "%s", gz_stmt_text(st, 0));
	gz_stmt_finish(st);
	st = NULL;
	if (k < 0)
		goto fail_owners;
	gz_err ae;
	gz_err_clear(&ae);
	if (!grid[0] || gz_auth_check(r, ACT_READ, RES_RESIDENT, grid, &ae) < 0) {
		gz_err_field(&err, "building_id", "楼栋不存在");
		gz_json_check(&err);
		goto fail_owners;
	}
	/* Linking owners compares their ID numbers with the register: charged to the
	 * caller's account first (429 past the limit, audited). */
	size_t nids = 0, linked = 0;
	for (i = 0; i < nowners; i++)
		nids += ow[i].has_id;
	if (gz_auth_check(r, ACT_WRITE, RES_RESIDENT, grid, &err) < 0 ||
	    (nids && gz_ratelimit_pii(gz_req_actor(r), db, "unit.create", (int64_t)nids, false,
	                              &err) != 0) ||
	    gz_db_begin(db, &err) < 0)
		goto fail_owners;
	st = gz_db_prepare(db,
	                   "INSERT INTO units (building_id, grid_code, number, area_dm2, sold, "
	                   "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) "
	                   "ON CONFLICT (building_id, number) DO NOTHING RETURNING id",
	                   &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, bid);
	gz_stmt_bind_str(st, 2, grid);
	gz_stmt_bind_str(st, 3, number);
	gz_stmt_bind_int64(st, 4, area);
	gz_stmt_bind_int64(st, 5, sold);
	gz_stmt_bind_int64(st, 6, now);
	k = gz_stmt_step(st, &err);
	id = k == GZ_ROW ? gz_stmt_int64(st, 0) : 0;
	gz_stmt_finish(st);
	st = NULL;
	if (k < 0)
		goto rollback;
	if (!id) {
		gz_err_set(&err, GZ_ECONFLICT, "duplicate_unit", "该楼栋已有此房号的房屋");
		gz_err_field(&err, "number", "已存在");
		goto rollback;
	}
	for (i = 0; i < (sold ? nowners : 1); i++) {
		/* Linked only to a resident the caller reads. */
		int64_t resident = 0;
		if (sold && ow[i].has_id &&
		    gz_people_resident_by_id_key(gz_req_actor(r), db, ow[i].hash, &resident, &err) <
		        0)
			goto rollback;
		linked += resident > 0;
		st = gz_db_prepare(db,
		                   "INSERT INTO unit_owners (unit_id, owner_key, owner_name, "
		                   "resident_id) VALUES ($1, $2, $3, $4)",
		                   &err);
		if (!st)
			goto rollback;
		gz_stmt_bind_int64(st, 1, id);
		if (!sold) {
			gz_stmt_bind_str(st, 2, "developer");
			gz_stmt_bind_str(st, 3, developer ? developer : "开发商");
			gz_stmt_bind_null(st, 4);
		} else {
			if (!ow[i].has_id)
				snprintf(ow[i].key, sizeof ow[i].key, "name:%lld:%s", (long long)id,
				         ow[i].name);
			gz_stmt_bind_str(st, 2, ow[i].key);
			gz_stmt_bind_str(st, 3, ow[i].name);
			gz_stmt_bind_id(st, 4, resident);
		}
		k = gz_stmt_step(st, &err);
		gz_stmt_finish(st);
		st = NULL;
		if (k < 0)
			goto rollback;
	}
	char rid[24], dm[DECIMAL_FMT_MAX];
	snprintf(rid, sizeof rid, "%lld", (long long)id);
	json_t *detail = json_pack("{s:s,s:s,s:b,s:I,s:I,s:I}", "number", number, "area_m2",
	                           decimal_format(area, dm), "sold", sold, "owners",
	                           (json_int_t)(sold ? nowners : 1), "id_numbers_compared",
	                           (json_int_t)nids, "linked", (json_int_t)linked);
	k = gz_db_count_add(db, "units", 1, &err) < 0
	        ? -1
	        : gz_audit(gz_req_actor(r), db, "unit.create", "unit", rid, grid, detail, &err);
	json_decref(detail);
	if (k < 0 || !(out = unit_detail(r, db, id, &err)) ||
	    gz_api_commit(r, db, 201, out, &err) < 0)
		goto rollback;
	free(ow);
	json_decref(in);
	gz_reply_json(r, 201, out);
	return;
rollback:
	json_decref(out);
	gz_stmt_finish(st);
	gz_db_rollback(db);
fail_owners:
	if (ow)
		sodium_memzero(ow, nowners * sizeof *ow);
	free(ow);
fail:
	json_decref(in);
	gz_reply_err(r, &err);
}

static void unit_import(gz_req *r)
{
	gz_people_import_reply(r, GZ_PEOPLE_UNITS);
}

/* ---------------------------------------------------------------- export */

typedef struct {
	gz_req *r;
	gz_db *db;
	const char *const *scopes;
	int ns, si;
	const char *filter;
	int64_t building;
	gz_stmt *st;
	char id[24], bid[24], area[DECIMAL_FMT_MAX], owners[1024];
	const char *grid, *number, *bname;
	json_t *cur;
} uexport;

static const char *sql_unit_export =
    "SELECT " UNIT_COLS ", (SELECT COUNT(*) FROM unit_owners o WHERE o.unit_id = u.id) FROM "
    "units u JOIN buildings b ON b.id = u.building_id WHERE u.grid_code >= $1 AND u.grid_code < "
    "$2 AND u.id > $3 AND ($5 = 0 OR u.building_id = $5) ORDER BY u.grid_code, u.id LIMIT $4";

static int uexport_row(void *ctx, const char **cells, gz_err *err)
{
	uexport *x = ctx;
	for (;;) {
		if (!x->st) {
			while (x->si < x->ns) {
				char lo[GZ_SCOPE_MAX + 2], hi[GZ_SCOPE_MAX + 2];
				if (!gz_api_scope_range(x->scopes[x->si++], x->filter, lo, hi))
					continue;
				x->st = gz_db_prepare(x->db, sql_unit_export, err);
				if (!x->st)
					return -1;
				gz_stmt_bind_str(x->st, 1, lo);
				gz_stmt_bind_str(x->st, 2, hi);
				gz_stmt_bind_int64(x->st, 3, 0);
				gz_stmt_bind_int64(x->st, 4, GZ_XLSX_MAX_DATA_ROWS + 1);
				gz_stmt_bind_int64(x->st, 5, x->building);
				break;
			}
			if (!x->st)
				return 0;
		}
		int rc = gz_stmt_step(x->st, err);
		if (rc == GZ_ROW)
			break;
		gz_stmt_finish(x->st);
		x->st = NULL;
		if (rc < 0)
			return -1;
	}
	gz_stmt *st = x->st;
	snprintf(x->id, sizeof x->id, "%lld", (long long)gz_stmt_int64(st, 0));
	snprintf(x->bid, sizeof x->bid, "%lld", (long long)gz_stmt_int64(st, 1));
	decimal_format(gz_stmt_int64(st, 4), x->area);
	snprintf(x->owners, sizeof x->owners, "%lld", (long long)gz_stmt_int64(st, 9));
	cells[0] = x->id;
	cells[1] = gz_stmt_text(st, 2);
	cells[2] = gz_stmt_text(st, 8);
	cells[3] = gz_stmt_text(st, 3);
	cells[4] = x->area;
	cells[5] = gz_stmt_int64(st, 5) ? "是" : "否";
	cells[6] = x->owners;
	return 1;
}

/* GET /units/export.xlsx?grid=&community=&street=&building=: the units the caller may
 * list (owner names are not exported, only their number). Audited as "unit.export". */
static void unit_export(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	uexport x = {.r = r};
	const char *scopes[GZ_AUTH_MAX_GRANTS];
	if (building_query(r, &x.building, &err) < 0 ||
	    gz_people_place_filter(r, &x.filter, &err) < 0 ||
	    (x.ns = gz_auth_scopes(r, ACT_READ, RES_RESIDENT, scopes, GZ_AUTH_MAX_GRANTS, &err)) <
	        0 ||
	    !(x.db = gz_req_db(r, &err))) {
		gz_reply_err(r, &err);
		return;
	}
	x.scopes = scopes;
	char scope[SPACE_CODE_SIZE] = "";
	if (x.filter && strcmp(x.filter, "x"))
		snprintf(scope, sizeof scope, "%s", x.filter);
	else if (x.ns) {
		snprintf(scope, sizeof scope, "%s", scopes[0]);
		for (int i = 1; i < x.ns; i++) {
			char tmp[SPACE_CODE_SIZE];
			policy_scope_common(scope, scopes[i], tmp, sizeof tmp);
			memcpy(scope, tmp, sizeof tmp);
		}
	}
	static const char *const header[] = {
	    "房屋", "网格编码", "楼栋", "房号", "专有部分面积(㎡)", "是否已售", "业主人数"};
	json_t *detail = json_object();
	if (x.filter)
		json_object_set_new(detail, "place", json_string(x.filter));
	if (x.building)
		json_object_set_new(detail, "building", gz_api_id_json(x.building));
	gz_people_reply_xlsx(r, x.db, "units.xlsx", header, 7, uexport_row, &x, NULL, "unit.export",
	                     scope, detail);
	json_decref(detail);
	gz_stmt_finish(x.st);
}

const gz_module_route gz_people_unit_routes[] = {
    {"GET", "/api/v1/units", unit_list, 0, 0},
    {"POST", "/api/v1/units", unit_create, 0, 0},
    {"POST", "/api/v1/units/import", unit_import, 0, GZ_PEOPLE_IMPORT_MAX_BYTES},
    {"GET", "/api/v1/units/export.xlsx", unit_export, 0, 0},
    {"GET", "/api/v1/units/{id}", unit_get, 0, 0},
    {0},
};
