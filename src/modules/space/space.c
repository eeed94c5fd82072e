/* HTTP resources of the space tree: streets, communities, grids (with the GeoJSON
 * import and a map layer), point location, and buildings. docs/SPACE.md has the
 * rules; docs/openapi.json the shapes.
 *
 * Every handler authenticates first (401 before anything else), then validates, then
 * asks gz_auth_check() about the record's code (out of scope = 404, as if it did not
 * exist). Lists are filtered in SQL, one prefix range per scope of the caller
 * (gz_auth_scopes(): disjoint ranges), each range fetching at most limit+1 rows, merged
 * by key. */
#include "modules/module.h"
#include "api/common.h"
#include "api/list.h"
#include "api/auth.h"
#include "modules/space/space.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/time.h"
#include "domain/policy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- small helpers */

/* 0.01 m^2 as a decimal string: "1234.05". */
static json_t *area_json(int64_t dm2)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%lld.%02lld", (long long)(dm2 / 100), (long long)(dm2 % 100));
	return json_string(buf);
}

static json_t *deg_json(int64_t e7)
{
	return json_real((double)e7 / 1e7);
}

/* A query parameter that must be a decimal number in lo..hi; records a field error. */
static int num_query(gz_req *r, const char *key, double lo, double hi, double *out, gz_err *err)
{
	const char *s = gz_req_query(r, key);
	char *end;
	if (!s || !*s) {
		gz_err_field(err, key, "必填");
		return -1;
	}
	double d = strtod(s, &end);
	if (*end || !isfinite(d) || end == s) {
		gz_err_field(err, key, "应为十进制数");
		return -1;
	}
	if (d < lo || d > hi) {
		gz_err_field(err, key, "应在 %g 到 %g 之间", lo, hi);
		return -1;
	}
	*out = d;
	return 0;
}

/* ---------------------------------------------------------------- streets */

static json_t *street_row(gz_req *r, gz_stmt *st, int64_t *key)
{
	(void)r;
	*key = space_code_key(gz_stmt_text(st, 0));
	return json_pack("{s:s,s:s,s:o,s:o}", "code", gz_stmt_text(st, 0), "name",
	                 gz_stmt_text(st, 1), "created_at", gz_api_time_json(gz_stmt_int64(st, 2)),
	                 "updated_at", gz_api_time_json(gz_stmt_int64(st, 3)));
}

static json_t *community_row(gz_req *r, gz_stmt *st, int64_t *key)
{
	(void)r;
	*key = space_code_key(gz_stmt_text(st, 0));
	return json_pack("{s:s,s:s,s:s,s:o,s:o}", "code", gz_stmt_text(st, 0), "name",
	                 gz_stmt_text(st, 1), "street_code", gz_stmt_text(st, 2), "created_at",
	                 gz_api_time_json(gz_stmt_int64(st, 3)), "updated_at",
	                 gz_api_time_json(gz_stmt_int64(st, 4)));
}

static const char *sql_street_one =
    "SELECT code, name, created_at, updated_at FROM streets WHERE code = $1";
static const char *sql_community_one =
    "SELECT code, name, street_code, created_at, updated_at FROM communities WHERE code = $1";

json_t *gz_space_node_json(gz_db *db, space_level level, const char *code, gz_err *err)
{
	gz_stmt *st =
	    gz_db_prepare(db, level == SPACE_STREET ? sql_street_one : sql_community_one, err);
	if (!st)
		return NULL;
	gz_stmt_bind_str(st, 1, code);
	json_t *out = NULL;
	int64_t key;
	if (gz_stmt_step(st, err) == GZ_ROW)
		out = level == SPACE_STREET ? street_row(NULL, st, &key)
		                            : community_row(NULL, st, &key);
	else if (!err->kind)
		gz_err_set(err, GZ_EINTERNAL, "internal", "新建的记录读不到");
	gz_stmt_finish(st);
	return out;
}

/* POST /streets and POST /communities. */
static void node_create(gz_req *r, space_level level)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_actor_of_request(r, &err);
	if (!a) {
		gz_reply_err(r, &err);
		return;
	}
	json_t *in = gz_req_json(r, &err);
	const char *code = NULL, *name = NULL;
	gz_db *db = NULL;
	if (!in)
		goto fail;
	gz_json_str(in, "code", GZ_REQUIRED, 1, 32, &code, &err);
	gz_json_str(in, "name", GZ_REQUIRED, 1, GZ_SPACE_NAME_MAX, &name, &err);
	if (gz_json_check(&err) < 0 || !(db = gz_req_db(r, &err)))
		goto fail;
	json_t *out = NULL;
	int rc = level == SPACE_STREET ? gz_space_add_street(db, a, code, name, &out, &err)
	                               : gz_space_add_community(db, a, code, name, &out, &err);
	if (rc < 0)
		goto fail;
	json_decref(in);
	gz_reply_json(r, 201, out);
	return;
fail:
	json_decref(in);
	gz_reply_err(r, &err);
}

static void street_create(gz_req *r)
{
	node_create(r, SPACE_STREET);
}

static void community_create(gz_req *r)
{
	node_create(r, SPACE_COMMUNITY);
}

static void street_list(gz_req *r)
{
	gz_api_scoped_list(
	    r,
	    &(gz_api_list_query){
	        .sql =
	            "SELECT code, name, created_at, updated_at FROM streets WHERE code >= $1 AND "
	            "code < $2 AND code > $3 ORDER BY code LIMIT $4",
	        .action = ACT_READ,
	        .res = RES_SPACE,
	        .filter = NULL,
	        .after_level = SPACE_STREET,
	        .row = street_row});
}

static void community_list(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const char *street;
	if (gz_api_code_query(r, "street", GZ_API_AT_STREET, &street, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	gz_api_scoped_list(
	    r,
	    &(gz_api_list_query){
	        .sql =
	            "SELECT code, name, street_code, created_at, updated_at FROM communities WHERE "
	            "code >= $1 AND code < $2 AND code > $3 ORDER BY code LIMIT $4",
	        .action = ACT_READ,
	        .res = RES_SPACE,
	        .filter = street,
	        .after_level = SPACE_COMMUNITY,
	        .row = community_row});
}

/* ---------------------------------------------------------------- grids */

#define GRID_COLS                                                                                  \
	"code, name, community_code, area_dm2, min_lng_e7, min_lat_e7, max_lng_e7, "               \
	"max_lat_e7, created_at, updated_at"

static json_t *grid_json(gz_stmt *st)
{
	const char *community = gz_stmt_text(st, 2);
	char street[SPACE_CODE_SIZE] = "";
	space_code_prefix(community, SPACE_STREET, street);
	return json_pack("{s:s,s:s,s:s,s:s,s:o,s:[o,o,o,o],s:o,s:o}", "code", gz_stmt_text(st, 0),
	                 "name", gz_stmt_text(st, 1), "community_code", community, "street_code",
	                 street, "area_m2", area_json(gz_stmt_int64(st, 3)), "bbox",
	                 deg_json(gz_stmt_int64(st, 4)), deg_json(gz_stmt_int64(st, 5)),
	                 deg_json(gz_stmt_int64(st, 6)), deg_json(gz_stmt_int64(st, 7)),
	                 "created_at", gz_api_time_json(gz_stmt_int64(st, 8)), "updated_at",
	                 gz_api_time_json(gz_stmt_int64(st, 9)));
}

static json_t *geometry_json(gz_stmt *st, int col)
{
	json_t *g = json_loadb(gz_stmt_text(st, col), gz_stmt_len(st, col), 0, NULL);
	return g ? g : json_null();
}

static json_t *grid_row(gz_req *r, gz_stmt *st, int64_t *key)
{
	(void)r;
	*key = space_code_key(gz_stmt_text(st, 0));
	return grid_json(st);
}

static json_t *grid_geom_row(gz_req *r, gz_stmt *st, int64_t *key)
{
	json_t *g = grid_row(r, st, key);
	json_object_set_new(g, "geometry", geometry_json(st, 10));
	return g;
}

/* The grid filter: ?community= or ?street= (a prefix either way). */
static int grid_filter(gz_req *r, const char **filter, gz_err *err)
{
	const char *community, *street;
	if (gz_api_code_query(r, "community", GZ_API_AT_COMMUNITY, &community, err) < 0 ||
	    gz_api_code_query(r, "street", GZ_API_AT_STREET, &street, err) < 0)
		return -1;
	*filter = community ? community : street;
	if (community && street && strncmp(community, street, SPACE_STREET) != 0)
		*filter = "x"; /* disjoint: matches nothing */
	return 0;
}

static void grid_list(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const char *filter;
	if (grid_filter(r, &filter, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	if (gz_api_flag_query(r, "geometry"))
		gz_api_scoped_list(
		    r, &(gz_api_list_query){
		           .sql = "SELECT " GRID_COLS
		                  ", geometry FROM grids WHERE code >= $1 AND code < $2 "
		                  "AND code > $3 ORDER BY code LIMIT $4",
		           .action = ACT_READ,
		           .res = RES_SPACE,
		           .filter = filter,
		           .after_level = SPACE_GRID,
		           .row = grid_geom_row});
	else
		gz_api_scoped_list(
		    r, &(gz_api_list_query){.sql = "SELECT " GRID_COLS
		                                   " FROM grids WHERE code >= $1 AND code < $2 AND "
		                                   "code > $3 ORDER BY code LIMIT $4",
		                            .action = ACT_READ,
		                            .res = RES_SPACE,
		                            .filter = filter,
		                            .after_level = SPACE_GRID,
		                            .row = grid_row});
}

static const char *sql_grid_detail =
    "SELECT g.code, g.name, g.community_code, g.area_dm2, g.min_lng_e7, g.min_lat_e7, "
    "g.max_lng_e7, g.max_lat_e7, g.created_at, g.updated_at, g.geometry, c.name, "
    "c.street_code, s.name FROM grids g JOIN communities c ON c.code = g.community_code "
    "JOIN streets s ON s.code = c.street_code WHERE g.code = $1";

/* The grid with its community and street ({code, name} each), or NULL with err (404
 * when there is none). With geometry, includes it. */
static json_t *grid_detail_in(gz_db *db, const char *code, bool geometry, gz_err *err);

/* The grid and its building count from one snapshot (joined when the caller holds one). */
static json_t *grid_detail(gz_db *db, const char *code, bool geometry, gz_err *err)
{
	if (gz_db_begin_read(db, err) < 0)
		return NULL;
	json_t *g = grid_detail_in(db, code, geometry, err);
	gz_db_end_read(db);
	return g;
}

static json_t *grid_detail_in(gz_db *db, const char *code, bool geometry, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, sql_grid_detail, err);
	if (!st)
		return NULL;
	gz_stmt_bind_str(st, 1, code);
	int rc = gz_stmt_step(st, err);
	json_t *g = NULL;
	if (rc == GZ_ROW) {
		g = grid_json(st);
		json_object_set_new(g, "community",
		                    json_pack("{s:s,s:s}", "code", gz_stmt_text(st, 2), "name",
		                              gz_stmt_text(st, 11)));
		json_object_set_new(g, "street",
		                    json_pack("{s:s,s:s}", "code", gz_stmt_text(st, 12), "name",
		                              gz_stmt_text(st, 13)));
		if (geometry)
			json_object_set_new(g, "geometry", geometry_json(st, 10));
	} else if (rc == GZ_DONE) {
		gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这条记录");
	}
	gz_stmt_finish(st);
	/* Buildings of one grid: bounded by the grid, answered from buildings_grid. */
	int64_t nb = 0;
	if (g && gz_db_query_int64_text(db, "SELECT count(*) FROM buildings WHERE grid_code = $1",
	                                &nb, err, code) < 0) {
		json_decref(g);
		return NULL;
	}
	if (g)
		json_object_set_new(g, "building_count", json_integer(nb));
	return g;
}

static void grid_get(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const char *code = gz_req_param(r, "code");
	gz_db *db;
	json_t *g;
	if (space_code_level(code) != SPACE_GRID) {
		gz_reply_error(r, GZ_ENOTFOUND, "not_found", "没有这条记录");
		return;
	}
	if (gz_auth_check(r, ACT_READ, RES_SPACE, code, &err) < 0 || !(db = gz_req_db(r, &err)) ||
	    !(g = grid_detail(db, code, true, &err))) {
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_json(r, 200, g);
}

static json_t *feature_row(gz_req *r, gz_stmt *st, int64_t *key)
{
	(void)r;
	*key = space_code_key(gz_stmt_text(st, 0));
	char street[SPACE_CODE_SIZE] = "";
	space_code_prefix(gz_stmt_text(st, 2), SPACE_STREET, street);
	/* Properties as JSON, the stored geometry text kept as is (spliced in below). */
	return json_pack("{s:{s:s,s:s,s:s,s:s,s:s,s:o},s:s%}", "p", "code", gz_stmt_text(st, 0),
	                 "name", gz_stmt_text(st, 1), "community_code", gz_stmt_text(st, 2),
	                 "community_name", gz_stmt_text(st, 5), "street_code", street, "area_m2",
	                 area_json(gz_stmt_int64(st, 3)), "g", gz_stmt_text(st, 4),
	                 gz_stmt_len(st, 4));
}

typedef struct {
	char *s;
	size_t n, cap;
} buf_t;

static void buf_add(buf_t *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->s = gz_realloc(b->s, b->cap);
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static void buf_str(buf_t *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* GET /grids.geojson: the caller's grids as a FeatureCollection for the map, with
 * "next_cursor" as a foreign member (RFC 7946 §6.1). Default limit 200. */
static void grid_geojson(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const char *filter;
	int limit;
	gz_api_cursor after, next;
	json_t *items;
	if (grid_filter(r, &filter, &err) < 0 ||
	    gz_api_list_params(r, false, &limit, &after, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	if (!gz_req_query(r, "limit"))
		limit = 200;
	if (gz_api_scoped_items(
	        r,
	        &(gz_api_list_query){
	            .sql =
	                "SELECT g.code, g.name, g.community_code, g.area_dm2, g.geometry, c.name "
	                "FROM grids g JOIN communities c ON c.code = g.community_code WHERE "
	                "g.code >= $1 AND g.code < $2 AND g.code > $3 ORDER BY g.code LIMIT $4",
	            .action = ACT_READ,
	            .res = RES_SPACE,
	            .filter = filter,
	            .after_level = SPACE_GRID,
	            .row = feature_row},
	        limit, &after, &items, &next, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	buf_t b = {0};
	buf_str(&b, "{\"type\":\"FeatureCollection\",\"features\":[");
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		json_t *props = json_object_get(it, "p");
		char *p = gz_json_dump(props, NULL);
		const char *g = json_string_value(json_object_get(it, "g"));
		if (i)
			buf_str(&b, ",");
		buf_str(&b, "{\"type\":\"Feature\",\"id\":\"");
		buf_str(&b, json_string_value(json_object_get(props, "code")));
		buf_str(&b, "\",\"properties\":");
		buf_str(&b, p ? p : "{}");
		buf_str(&b, ",\"geometry\":");
		buf_str(&b, g && *g ? g : "null");
		buf_str(&b, "}");
		free(p);
	}
	json_decref(items);
	char cur[40];
	if (next.key)
		snprintf(cur, sizeof cur, "\"c%lld\"", (long long)next.key);
	buf_str(&b, "],\"next_cursor\":");
	buf_str(&b, next.key ? cur : "null");
	buf_str(&b, "}");
	gz_reply_raw(r, 200, "application/geo+json; charset=utf-8", b.s, b.n);
	free(b.s);
}

/* The import's 422: the error shape (SPEC §7) and, next to it, the full report. */
static void reply_import_errors(gz_req *r, json_t *report)
{
	json_t *fields = json_object();
	json_t *errors = json_object_get(report, "errors");
	size_t i;
	json_t *e;
	json_array_foreach(errors, i, e)
	{
		if (json_object_size(fields) >= GZ_ERR_MAX_FIELDS)
			break;
		json_t *f = json_object_get(e, "feature");
		const char *field = json_string_value(json_object_get(e, "field"));
		char key[160];
		if (json_is_integer(f))
			snprintf(key, sizeof key, "features[%lld]%s%s",
			         (long long)json_integer_value(f), field && *field ? "." : "",
			         field ? field : "");
		else
			snprintf(key, sizeof key, "%s", field && *field ? field : "body");
		json_t *loc = json_object_get(e, "location");
		const char *reason = json_string_value(json_object_get(e, "reason"));
		char *why = json_is_array(loc)
		                ? gz_arena_printf(&r->arena, "%s（位置 %.7f, %.7f）", reason,
		                                  json_number_value(json_array_get(loc, 0)),
		                                  json_number_value(json_array_get(loc, 1)))
		                : gz_arena_strdup(&r->arena, reason ? reason : "");
		if (!json_object_get(fields, key))
			json_object_set_new(fields, key, json_string(why));
	}
	long long n = json_integer_value(json_object_get(report, "error_count"));
	gz_err err;
	gz_err_clear(&err);
	gz_err_set(&err, GZ_EINVALID, "import_invalid",
	           "导入未执行：发现 %lld 个错误，没有导入任何网格", n);
	const char *key;
	json_t *v;
	json_object_foreach(fields, key, v)
	{
		gz_err_field(&err, key, "%s", json_string_value(v));
	}
	json_decref(fields);
	gz_reply_err_extra(r, &err, report);
}

static void grid_import(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_actor_of_request(r, &err);
	if (!a) {
		gz_reply_err(r, &err);
		return;
	}
	if (r->body_len > GZ_SPACE_IMPORT_MAX_BYTES) {
		gz_err_set(&err, GZ_ETOOLARGE, "body_too_large", "GeoJSON 过大（上限 %u 字节）",
		           GZ_SPACE_IMPORT_MAX_BYTES);
		gz_reply_err(r, &err);
		return;
	}
	json_t *in = gz_req_json(r, &err), *report = NULL;
	gz_db *db = in ? gz_req_db(r, &err) : NULL;
	bool dry_run = gz_api_flag_query(r, "dry_run");
	if (!db || gz_space_import(db, a, in, dry_run, &report, &err) < 0) {
		json_decref(in);
		gz_reply_err(r, &err);
		return;
	}
	json_decref(in);
	if (!json_is_true(json_object_get(report, "ok"))) {
		reply_import_errors(r, report);
		json_decref(report);
		return;
	}
	if (!dry_run) {
		gz_err ignored;
		gz_err_clear(&ignored);
		if (gz_space_locator_refresh(db, &ignored) < 0)
			gz_log_warn("space: locator refresh after import failed: %s",
			            ignored.message);
	}
	int created = (int)json_integer_value(json_object_get(report, "created"));
	gz_reply_json(r, !dry_run && created > 0 ? 201 : 200, report);
}

/* ---------------------------------------------------------------- locate */

static void locate(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	double lat = 0, lng = 0;
	num_query(r, "lat", -90, 90, &lat, &err);
	num_query(r, "lng", -180, 180, &lng, &err);
	if (err.nfields) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "需要有效的 lat（纬度）和 lng（经度）");
		gz_reply_err(r, &err);
		return;
	}
	char code[SPACE_CODE_SIZE];
	gz_db *db = gz_req_db(r, &err);
	int rc = db ? gz_space_locate(db, lng, lat, code, &err) : -1;
	json_t *g = NULL;
	if (rc == 0)
		gz_err_set(&err, GZ_ENOTFOUND, "no_grid", "该位置不在任何网格内");
	if (rc <= 0 || gz_auth_check(r, ACT_READ, RES_SPACE, code, &err) < 0 ||
	    !(g = grid_detail(db, code, false, &err))) {
		gz_reply_err(r, &err);
		return;
	}
	json_object_set_new(g, "lat", json_real(lat));
	json_object_set_new(g, "lng", json_real(lng));
	gz_reply_json(r, 200, g);
}

/* ---------------------------------------------------------------- buildings */

#define BUILDING_COLS "id, grid_code, name, address, lng_e7, lat_e7, created_at"

static json_t *building_row(gz_req *r, gz_stmt *st, int64_t *key)
{
	(void)r;
	*key = gz_stmt_int64(st, 0);
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)*key);
	return json_pack("{s:s,s:s?,s:s,s:s,s:o,s:o,s:o}", "id", id, "grid_code",
	                 gz_stmt_isnull(st, 1) ? NULL : gz_stmt_text(st, 1), "name",
	                 gz_stmt_text(st, 2), "address", gz_stmt_text(st, 3), "lng",
	                 deg_json(gz_stmt_int64(st, 4)), "lat", deg_json(gz_stmt_int64(st, 5)),
	                 "created_at", gz_api_time_json(gz_stmt_int64(st, 6)));
}

/* A row of the list: the building with the names of its grid and community (the same
 * building name, "1号楼", recurs in every grid). */
static json_t *building_list_row(gz_req *r, gz_stmt *st, int64_t *key)
{
	json_t *b = building_row(r, st, key);
	json_object_set_new(b, "grid_name", gz_api_text_or_null(st, 7));
	json_object_set_new(b, "community_code", gz_api_text_or_null(st, 8));
	json_object_set_new(b, "community_name", gz_api_text_or_null(st, 9));
	return b;
}

int gz_space_add_building(gz_db *db, const gz_actor *a, json_t *in, json_t **outp, gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *out = NULL;
	const char *name = NULL, *address = NULL;
	double lat = 0, lng = 0;
	gz_stmt *st = NULL;
	char code[SPACE_CODE_SIZE];
	*outp = NULL;
	gz_json_str(in, "name", GZ_REQUIRED, 1, GZ_SPACE_NAME_MAX, &name, &err);
	gz_json_str(in, "address", GZ_REQUIRED, 1, 200, &address, &err);
	gz_json_double(in, "lat", GZ_REQUIRED, -90, 90, &lat, &err);
	gz_json_double(in, "lng", GZ_REQUIRED, -180, 180, &lng, &err);
	if (gz_json_check(&err) < 0 || !(db || (db = gz_req_db(a->req, &err))))
		goto fail;
	/* Stored at 1e-7 degrees (~1 cm); placed by the stored point, so the building's
	 * grid is what locate answers for its stored coordinates. */
	int64_t lng7 = llround(lng * 1e7), lat7 = llround(lat * 1e7);
	int rc = gz_space_locate(db, (double)lng7 / 1e7, (double)lat7 / 1e7, code, &err);
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		gz_err_set(&err, GZ_EINVALID, "outside_grids",
		           "该位置不在任何网格内，无法放置楼栋");
		gz_err_field(&err, "lat", "位置不在任何网格内");
		gz_err_field(&err, "lng", "位置不在任何网格内");
		goto fail;
	}
	if (gz_actor_check(a, ACT_WRITE, RES_SPACE, code, &err) < 0 || gz_db_begin(db, &err) < 0)
		goto fail;
	st = gz_db_prepare(db,
	                   "INSERT INTO buildings (grid_code, name, address, lng_e7, lat_e7, "
	                   "created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING " BUILDING_COLS,
	                   &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_str(st, 1, code);
	gz_stmt_bind_str(st, 2, name);
	gz_stmt_bind_str(st, 3, address);
	gz_stmt_bind_int64(st, 4, lng7);
	gz_stmt_bind_int64(st, 5, lat7);
	gz_stmt_bind_int64(st, 6, gz_time_now_ms());
	if (gz_stmt_step(st, &err) != GZ_ROW)
		goto rollback;
	int64_t key;
	out = building_row(NULL, st, &key);
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW)
		;
	gz_stmt_finish(st);
	st = NULL;
	if (rc < 0)
		goto rollback;
	json_t *detail = json_pack("{s:s,s:s}", "name", name, "grid_code", code);
	const char *id = json_string_value(json_object_get(out, "id"));
	rc = gz_audit(a, db, "building.create", "building", id, code, detail, &err);
	json_decref(detail);
	if (rc < 0 || gz_api_commit(a->req, db, 201, out, &err) < 0)
		goto rollback;
	*outp = out;
	return 0;
rollback:
	gz_stmt_finish(st);
	gz_db_rollback(db);
fail:
	json_decref(out);
	*errp = err;
	return -1;
}

static void building_create(gz_req *r)
{
	gz_api_create(r, gz_space_add_building);
}

static void building_list(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const char *grid;
	if (gz_api_code_query(r, "grid", GZ_API_AT_GRID, &grid, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	gz_api_scoped_list(
	    r, &(gz_api_list_query){
	           .sql = "SELECT b.id, b.grid_code, b.name, b.address, b.lng_e7, b.lat_e7, "
	                  "b.created_at, g.name, g.community_code, c.name FROM buildings b LEFT "
	                  "JOIN grids g ON g.code = b.grid_code LEFT JOIN communities c ON c.code "
	                  "= g.community_code WHERE b.grid_code >= $1 AND b.grid_code < $2 AND "
	                  "b.id > $3 ORDER BY b.id LIMIT $4",
	           .action = ACT_READ,
	           .res = RES_SPACE,
	           .filter = grid,
	           .after_level = 0,
	           .row = building_list_row});
}

int gz_space_node_exists(gz_db *db, const char *code, gz_err *err)
{
	int level = space_code_level(code);
	const char *sql = level == SPACE_STREET      ? "SELECT 1 FROM streets WHERE code = $1"
	                  : level == SPACE_COMMUNITY ? "SELECT 1 FROM communities WHERE code = $1"
	                  : level == SPACE_GRID      ? "SELECT 1 FROM grids WHERE code = $1"
	                                             : NULL;
	if (!sql)
		return 0;
	gz_stmt *st = gz_db_prepare(db, sql, err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, code);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

const gz_module_route gz_space_routes[] = {
    {"POST", "/api/v1/streets", street_create, 0, 0},
    {"GET", "/api/v1/streets", street_list, 0, 0},
    {"POST", "/api/v1/communities", community_create, 0, 0},
    {"GET", "/api/v1/communities", community_list, 0, 0},
    {"GET", "/api/v1/grids", grid_list, 0, 0},
    {"GET", "/api/v1/grids.geojson", grid_geojson, 0, 0},
    {"POST", "/api/v1/grids/import", grid_import, 0, GZ_SPACE_IMPORT_MAX_BYTES},
    {"GET", "/api/v1/grids/{code}", grid_get, 0, 0},
    {"GET", "/api/v1/locate", locate, 0, 0},
    {"POST", "/api/v1/buildings", building_create, 0, 0},
    {"GET", "/api/v1/buildings", building_list, 0, 0},
    {0},
};
