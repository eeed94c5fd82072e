/* Grid import: one code path for POST /api/v1/grids/import and `gongzhi import grids`.
 *
 * 1. Check every feature on its own (no database): Feature object, properties.code
 *    (a well-formed 15-digit grid code), properties.name, optional street_name /
 *    community_name, and the geometry (GeoJSON structure, coordinate ranges, closed
 *    rings, OGC validity with the location of the problem). Then across features:
 *    duplicate codes and disagreeing street/community names.
 * 2. Authorise (API only): ACT_ADMIN on the community of every grid, and on the street
 *    of every street the import would create.
 * 3. In one transaction (which first bumps space_version: that row lock serialises
 *    imports on PostgreSQL, BEGIN IMMEDIATE does it on SQLite): for each community,
 *    check the file's grids together with the community's grids already stored and
 *    not replaced, for overlaps (errors, each pair with its area) and gaps (warnings).
 * 4. Any error: roll back and report every problem. Otherwise create or rename
 *    streets and communities, create or replace grids, write one audit row, commit.
 *
 * Feature numbers in the report are 0-based indexes into "features". */
#include "api/auth.h"
#include "api/common.h"
#include "modules/space/space.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/time.h"
#include "core/utf8.h"
#include "modules/space/geo.h"
#include "domain/policy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct feat {
	int index;
	const char *code, *name, *street_name, *community_name; /* point into the document */
	bool code_ok, dup;
	char street[SPACE_CODE_SIZE], community[SPACE_CODE_SIZE];
	json_t *geometry; /* borrowed */
	GEOSGeometry *g;  /* valid geometry, or NULL */
	double area_m2, minx, miny, maxx, maxy;
} feat;

typedef struct issue {
	int feature; /* -1: not about one feature */
	int seq;
	json_t *j;
} issue;

typedef struct imp {
	GEOSContextHandle_t h;
	feat *f;
	int n;
	feat **sorted; /* features with a good code, by (code, index) */
	int nsorted;
	issue *errors;
	int nerrors, caperrors;
	json_t *warnings;
} imp;

/* ---------------------------------------------------------------- report entries */

static json_t *location_json(double lon, double lat)
{
	return json_pack("[f,f]", lon, lat);
}

static json_t *area_json(double m2)
{
	if (m2 < 0)
		return json_null();
	return json_real(round(m2 * 100) / 100);
}

/* A short copy of a feature's code for the report: only if it is a short string. */
static json_t *code_json(const char *code)
{
	if (!code || strlen(code) > 32)
		return json_null();
	return json_string(code);
}

/* Adds an error; extra (stolen, may be NULL) is merged into the entry. */
static void add_error(imp *im, int feature, const char *code, const char *field, const char *reason,
                      const char *detail, const double *loc, json_t *extra)
{
	json_t *e = json_object();
	json_object_set_new(e, "feature", feature >= 0 ? json_integer(feature) : json_null());
	json_object_set_new(e, "code", code_json(code));
	json_object_set_new(e, "field", json_string(field));
	json_object_set_new(e, "reason", json_string(reason));
	if (detail && *detail)
		json_object_set_new(e, "detail", json_string(detail));
	if (loc)
		json_object_set_new(e, "location", location_json(loc[0], loc[1]));
	if (extra) {
		json_object_update(e, extra);
		json_decref(extra);
	}
	if (im->nerrors == im->caperrors) {
		im->caperrors = im->caperrors ? im->caperrors * 2 : 16;
		im->errors = gz_realloc(im->errors, sizeof *im->errors * (size_t)im->caperrors);
	}
	im->errors[im->nerrors] = (issue){feature, im->nerrors, e};
	im->nerrors++;
}

static void add_problem(imp *im, int feature, const char *code, const geo_problem *p)
{
	double loc[2] = {p->lon, p->lat};
	add_error(im, feature, code, p->field, p->reason, p->detail, p->has_location ? loc : NULL,
	          NULL);
}

static int cmp_issue(const void *a, const void *b)
{
	const issue *x = a, *y = b;
	/* Errors about no single feature first, then by feature, then in order found. */
	if (x->feature != y->feature)
		return x->feature < y->feature ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* ---------------------------------------------------------------- 1. each feature */

/* An optional or required name property: 1..GZ_SPACE_NAME_MAX characters. */
static const char *name_prop(imp *im, feat *f, json_t *props, const char *key, bool required)
{
	json_t *v = json_object_get(props, key);
	char field[48];
	snprintf(field, sizeof field, "properties.%s", key);
	if (!v || json_is_null(v)) {
		if (required)
			add_error(im, f->index, f->code, field, "必填", NULL, NULL, NULL);
		return NULL;
	}
	if (!json_is_string(v)) {
		add_error(im, f->index, f->code, field, "应为字符串", NULL, NULL, NULL);
		return NULL;
	}
	size_t n = gz_utf8_len(json_string_value(v), json_string_length(v));
	if (n == 0 || n > GZ_SPACE_NAME_MAX) {
		add_error(im, f->index, f->code, field, n == 0 ? "不能为空" : "最多 64 个字符",
		          NULL, NULL, NULL);
		return NULL;
	}
	return json_string_value(v);
}

static void check_feature(imp *im, feat *f, json_t *jf)
{
	if (!json_is_object(jf)) {
		add_error(im, f->index, NULL, "", "要素应为 GeoJSON Feature 对象", NULL, NULL,
		          NULL);
		return;
	}
	const char *type = json_string_value(json_object_get(jf, "type"));
	if (!type || strcmp(type, "Feature") != 0)
		add_error(im, f->index, NULL, "type", "要素的 type 应为 \"Feature\"", NULL, NULL,
		          NULL);
	json_t *props = json_object_get(jf, "properties");
	if (!json_is_object(props)) {
		add_error(im, f->index, NULL, "properties",
		          "缺少 properties 对象（需要 code 和 name）", NULL, NULL, NULL);
	} else {
		json_t *code = json_object_get(props, "code");
		const char *why = NULL;
		if (!code || json_is_null(code)) {
			add_error(im, f->index, NULL, "properties.code", "必填", NULL, NULL, NULL);
		} else if (!json_is_string(code)) {
			add_error(im, f->index, NULL, "properties.code",
			          "应为字符串（15 位数字的网格编码）", NULL, NULL, NULL);
		} else if (f->code = json_string_value(code),
		           space_code_check(f->code, SPACE_GRID, &why) < 0) {
			add_error(im, f->index, f->code, "properties.code", why, NULL, NULL, NULL);
		} else {
			f->code_ok = true;
			space_code_prefix(f->code, SPACE_STREET, f->street);
			space_code_prefix(f->code, SPACE_COMMUNITY, f->community);
		}
		f->name = name_prop(im, f, props, "name", true);
		f->street_name = name_prop(im, f, props, "street_name", false);
		f->community_name = name_prop(im, f, props, "community_name", false);
	}
	geo_problem p;
	GEOSGeometry *g = geo_from_geojson(im->h, json_object_get(jf, "geometry"), &p);
	if (!g) {
		add_problem(im, f->index, f->code, &p);
		return;
	}
	if (geo_check_valid(im->h, g, &p) < 0) {
		add_problem(im, f->index, f->code, &p);
		GEOSGeom_destroy_r(im->h, g);
		return;
	}
	f->area_m2 = geo_area_m2(im->h, g);
	if (f->area_m2 <= 0 || geo_bbox(im->h, g, &f->minx, &f->miny, &f->maxx, &f->maxy) < 0) {
		add_error(im, f->index, f->code, "geometry", "几何面积为零", NULL, NULL, NULL);
		GEOSGeom_destroy_r(im->h, g);
		return;
	}
	f->geometry = json_object_get(jf, "geometry");
	f->g = g;
}

static int cmp_feat(const void *a, const void *b)
{
	const feat *x = *(feat *const *)a, *y = *(feat *const *)b;
	int c = strcmp(x->code, y->code);
	return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* The name the file gives to a street (level 0) or community (level 1) of sorted[i..j):
 * the first in file order, or NULL. */
static const char *file_name(imp *im, int i, int j, int level)
{
	const feat *namer = NULL;
	for (int k = i; k < j; k++) {
		const feat *f = im->sorted[k];
		const char *nm = level ? f->community_name : f->street_name;
		if (nm && (!namer || f->index < namer->index))
			namer = f;
	}
	return namer ? (level ? namer->community_name : namer->street_name) : NULL;
}

/* Duplicate codes, and street/community names that disagree within the file. */
static void check_across(imp *im)
{
	im->sorted = gz_calloc((size_t)(im->n ? im->n : 1), sizeof *im->sorted);
	for (int i = 0; i < im->n; i++)
		if (im->f[i].code_ok)
			im->sorted[im->nsorted++] = &im->f[i];
	qsort(im->sorted, (size_t)im->nsorted, sizeof *im->sorted, cmp_feat);
	char why[320];
	/* Within a run of equal codes the first (lowest index) is kept, the rest are
	 * duplicates of it. */
	const feat *first = NULL;
	for (int i = 0; i < im->nsorted; i++) {
		feat *b = im->sorted[i];
		if (!first || strcmp(first->code, b->code) != 0) {
			first = b;
			continue;
		}
		b->dup = true;
		snprintf(why, sizeof why, "编码重复（与第 %d 个要素相同）", first->index);
		add_error(im, b->index, b->code, "properties.code", why, NULL, NULL,
		          json_pack("{s:i}", "other_feature", first->index));
	}
	/* Names: the first feature (in file order) that names a street/community sets it. */
	for (int level = 0; level < 2; level++) {
		const char *key = level ? "properties.community_name" : "properties.street_name";
		for (int i = 0; i < im->nsorted;) {
			const char *node = level ? im->sorted[i]->community : im->sorted[i]->street;
			int j = i;
			while (j < im->nsorted && !strcmp(node, level ? im->sorted[j]->community
			                                              : im->sorted[j]->street))
				j++;
			const char *want = file_name(im, i, j, level);
			for (int k = i; k < j && want; k++) {
				const feat *f = im->sorted[k];
				const char *nm = level ? f->community_name : f->street_name;
				if (nm && strcmp(nm, want) != 0) {
					snprintf(why, sizeof why,
					         "与本文件中先出现的%s名称“%s”不同",
					         level ? "社区" : "街道", want);
					add_error(im, f->index, f->code, key, why, NULL, NULL,
					          NULL);
				}
			}
			i = j;
		}
	}
}

/* ---------------------------------------------------------------- 3. per community */

static bool in_file(imp *im, const char *code)
{
	int lo = 0, hi = im->nsorted - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		int c = strcmp(im->sorted[mid]->code, code);
		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}

static const char *sql_community_grids =
    "SELECT code, geometry FROM grids WHERE code >= $1 AND code < $2 ORDER BY code";

/* Overlaps and gaps among the grids of community sorted[i..j) plus the community's
 * stored grids that the file does not replace. */
static int check_community(imp *im, gz_db *db, int i, int j, gz_err *err)
{
	const char *community = im->sorted[i]->community;
	int cap = j - i + 16, n = 0;
	GEOSGeometry **gs = gz_calloc((size_t)cap, sizeof *gs);
	const feat **owner = gz_calloc((size_t)cap, sizeof *owner); /* NULL: stored grid */
	char(*stored)[SPACE_CODE_SIZE] = gz_calloc((size_t)cap, sizeof *stored);
	int nfile = 0;
	for (int k = i; k < j; k++)
		if (im->sorted[k]->g && !im->sorted[k]->dup) {
			gs[n] = im->sorted[k]->g;
			owner[n++] = im->sorted[k];
			nfile++;
		}
	char upper[SPACE_CODE_SIZE + 2];
	policy_scope_upper(community, upper, sizeof upper);
	gz_stmt *st = gz_db_prepare(db, sql_community_grids, err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, community);
	gz_stmt_bind_str(st, 2, upper);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		const char *code = gz_stmt_text(st, 0);
		if (in_file(im, code) || strlen(code) >= SPACE_CODE_SIZE)
			continue;
		json_t *jg = json_loadb(gz_stmt_text(st, 1), gz_stmt_len(st, 1), 0, NULL);
		geo_problem p;
		GEOSGeometry *g = jg ? geo_from_geojson(im->h, jg, &p) : NULL;
		json_decref(jg);
		if (!g) {
			gz_log_error("space: stored grid %s has an unreadable geometry", code);
			continue;
		}
		if (n == cap) {
			cap *= 2;
			gs = gz_realloc(gs, sizeof *gs * (size_t)cap);
			owner = gz_realloc(owner, sizeof *owner * (size_t)cap);
			stored = gz_realloc(stored, sizeof *stored * (size_t)cap);
		}
		gs[n] = g;
		owner[n] = NULL;
		memcpy(stored[n], code, strlen(code) + 1);
		n++;
	}
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;
	if (nfile > 0) {
		geo_overlap *ov = NULL;
		int nov = geo_find_overlaps(im->h, gs, n, &ov);
		for (int k = 0; k < nov; k++) {
			const feat *a = owner[ov[k].a], *b = owner[ov[k].b];
			if (!a && !b)
				continue; /* two stored grids: not this import's doing */
			if (!a) {         /* report on the file's feature */
				const feat *t = a;
				a = b;
				b = t;
			}
			const char *other =
			    b ? b->code : stored[owner[ov[k].a] ? ov[k].b : ov[k].a];
			char why[160];
			double loc[2] = {ov[k].lon, ov[k].lat};
			if (ov[k].area_m2 >= 0)
				snprintf(why, sizeof why, "与网格 %s 重叠 %.2f 平方米", other,
				         ov[k].area_m2);
			else
				snprintf(why, sizeof why, "与网格 %s 重叠", other);
			add_error(im, a->index, a->code, "geometry", why, NULL, loc,
			          json_pack("{s:s,s:o,s:o}", "other_code", other, "other_feature",
			                    b ? json_integer(b->index) : json_null(), "area_m2",
			                    area_json(ov[k].area_m2)));
		}
		if (nov < 0)
			add_error(im, im->sorted[i]->index, im->sorted[i]->code, "geometry",
			          "无法检查本社区网格之间的重叠", geo_last_error(), NULL, NULL);
		free(ov);
		geo_gap *gaps = NULL;
		int ngaps = geo_find_gaps(im->h, gs, n, &gaps);
		for (int k = 0; k < ngaps; k++)
			json_array_append_new(im->warnings,
			                      json_pack("{s:s,s:s,s:o,s:o}", "community", community,
			                                "reason", "网格间存在空隙", "area_m2",
			                                area_json(gaps[k].area_m2), "location",
			                                location_json(gaps[k].lon, gaps[k].lat)));
		free(gaps);
	}
	for (int k = 0; k < n; k++)
		if (!owner[k])
			GEOSGeom_destroy_r(im->h, gs[k]);
	free(gs);
	free(owner);
	free(stored);
	return 0;
fail:
	for (int k = 0; k < n; k++)
		if (!owner[k])
			GEOSGeom_destroy_r(im->h, gs[k]);
	free(gs);
	free(owner);
	free(stored);
	return -1;
}

/* ---------------------------------------------------------------- 4. writes */

static const char *sql_street_get = "SELECT name FROM streets WHERE code = $1";
static const char *sql_street_ins =
    "INSERT INTO streets (code, name, created_at, updated_at) VALUES ($1, $2, $3, $3)";
static const char *sql_street_ren = "UPDATE streets SET name = $2, updated_at = $3 WHERE code = $1";
static const char *sql_comm_get = "SELECT name FROM communities WHERE code = $1";
static const char *sql_comm_ins = "INSERT INTO communities (code, street_code, name, created_at, "
                                  "updated_at) VALUES ($1, $2, $3, $4, $4)";
static const char *sql_comm_ren =
    "UPDATE communities SET name = $2, updated_at = $3 WHERE code = $1";
static const char *sql_grid_get = "SELECT 1 FROM grids WHERE code = $1";
static const char *sql_grid_ins =
    "INSERT INTO grids (code, community_code, name, geometry, area_dm2, min_lng_e7, "
    "min_lat_e7, max_lng_e7, max_lat_e7, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)";
static const char *sql_grid_upd =
    "UPDATE grids SET name = $2, geometry = $3, area_dm2 = $4, min_lng_e7 = $5, "
    "min_lat_e7 = $6, max_lng_e7 = $7, max_lat_e7 = $8, updated_at = $9 WHERE code = $1";
static const char *sql_version_bump = "UPDATE space_version SET version = version + 1 WHERE id = 1";
static const char *sql_version_get = "SELECT version FROM space_version WHERE id = 1";

/* Steps a bound statement that returns no rows, and finishes it. */
static int exec_stmt(gz_stmt *st, gz_err *err)
{
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* Name of a street/community if it exists: 1 and *name (malloc'd) set, 0 if not. */
static int node_name(gz_db *db, const char *sql, const char *code, char **name, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, sql, err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, code);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW && name)
		*name = gz_strdup(gz_stmt_text(st, 0));
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

/* Creates or renames the streets (level 0) or communities (level 1) of the file.
 * With dry_run only counts. */
static int write_nodes(imp *im, gz_db *db, int level, bool dry_run, int64_t now, int *created,
                       gz_err *err)
{
	for (int i = 0; i < im->nsorted;) {
		const char *node = level ? im->sorted[i]->community : im->sorted[i]->street;
		int j = i;
		while (j < im->nsorted &&
		       !strcmp(node, level ? im->sorted[j]->community : im->sorted[j]->street))
			j++;
		const char *want = file_name(im, i, j, level);
		char *have = NULL;
		int rc = node_name(db, level ? sql_comm_get : sql_street_get, node, &have, err);
		if (rc < 0)
			return -1;
		gz_stmt *st = NULL;
		if (rc == 0) {
			(*created)++;
			if (!dry_run &&
			    (st = gz_db_prepare(db, level ? sql_comm_ins : sql_street_ins, err))) {
				gz_stmt_bind_str(st, 1, node);
				if (level) {
					gz_stmt_bind_str(st, 2, im->sorted[i]->street);
					gz_stmt_bind_str(st, 3, want ? want : node);
					gz_stmt_bind_int64(st, 4, now);
				} else {
					gz_stmt_bind_str(st, 2, want ? want : node);
					gz_stmt_bind_int64(st, 3, now);
				}
			}
		} else if (want && strcmp(want, have) != 0) {
			if (!dry_run &&
			    (st = gz_db_prepare(db, level ? sql_comm_ren : sql_street_ren, err))) {
				gz_stmt_bind_str(st, 1, node);
				gz_stmt_bind_str(st, 2, want);
				gz_stmt_bind_int64(st, 3, now);
			}
		} else {
			free(have);
			i = j;
			continue;
		}
		free(have);
		if (!dry_run && (!st || exec_stmt(st, err) < 0))
			return -1;
		i = j;
	}
	return 0;
}

/* The stored form of a geometry: {"type", "coordinates"} only, compact, numbers with
 * 15 significant digits (1e-12 degrees, far below survey precision; "116.412" rather
 * than "116.41200000000001"). Equal inputs stay equal, so shared vertices stay shared. */
static char *geometry_text(const json_t *g)
{
	json_t *o = json_pack("{s:O,s:O}", "type", json_object_get(g, "type"), "coordinates",
	                      json_object_get(g, "coordinates"));
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
	json_decref(o);
	return s;
}

static int write_grids(imp *im, gz_db *db, bool dry_run, int64_t now, int *created, int *replaced,
                       gz_err *err)
{
	for (int k = 0; k < im->nsorted; k++) {
		const feat *f = im->sorted[k];
		int rc = node_name(db, sql_grid_get, f->code, NULL, err);
		if (rc < 0)
			return -1;
		(*(rc ? replaced : created))++;
		if (dry_run)
			continue;
		char *text = geometry_text(f->geometry);
		if (!text)
			return gz_err_set(err, GZ_EINTERNAL, "internal", "无法保存网格几何");
		int64_t area = llround(f->area_m2 * 100);
		int64_t bb[4] = {llround(f->minx * 1e7), llround(f->miny * 1e7),
		                 llround(f->maxx * 1e7), llround(f->maxy * 1e7)};
		gz_stmt *st = gz_db_prepare(db, rc ? sql_grid_upd : sql_grid_ins, err);
		if (!st) {
			free(text);
			return -1;
		}
		int p = 1;
		gz_stmt_bind_str(st, p++, f->code);
		if (!rc)
			gz_stmt_bind_str(st, p++, f->community);
		gz_stmt_bind_str(st, p++, f->name);
		gz_stmt_bind_str(st, p++, text);
		gz_stmt_bind_int64(st, p++, area);
		for (int b = 0; b < 4; b++)
			gz_stmt_bind_int64(st, p++, bb[b]);
		gz_stmt_bind_int64(st, p++, now);
		rc = exec_stmt(st, err);
		free(text);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- the import */

static void imp_free(imp *im)
{
	for (int i = 0; i < im->n; i++)
		if (im->f[i].g)
			GEOSGeom_destroy_r(im->h, im->f[i].g);
	for (int i = 0; i < im->nerrors; i++)
		json_decref(im->errors[i].j);
	free(im->errors);
	free(im->f);
	free(im->sorted);
	json_decref(im->warnings);
	if (im->h)
		GEOS_finish_r(im->h);
}

static json_t *make_report(imp *im, bool dry_run, int created, int replaced, int streets,
                           int communities, long long version)
{
	if (im->nerrors > 1)
		qsort(im->errors, (size_t)im->nerrors, sizeof *im->errors, cmp_issue);
	json_t *errs = json_array();
	for (int i = 0; i < im->nerrors && i < GZ_SPACE_IMPORT_MAX_ERRORS; i++)
		json_array_append(errs, im->errors[i].j);
	bool ok = im->nerrors == 0;
	return json_pack("{s:b,s:b,s:i,s:i,s:i,s:i,s:i,s:o,s:i,s:b,s:O,s:o}", "ok", ok, "dry_run",
	                 dry_run, "features", im->n, "created", ok ? created : 0, "replaced",
	                 ok ? replaced : 0, "streets_created", ok ? streets : 0,
	                 "communities_created", ok ? communities : 0, "errors", errs, "error_count",
	                 im->nerrors, "errors_truncated", im->nerrors > GZ_SPACE_IMPORT_MAX_ERRORS,
	                 "warnings", im->warnings, "space_version",
	                 version >= 0 ? json_integer(version) : json_null());
}

int gz_space_import(gz_db *db, const gz_actor *a, json_t *doc, bool dry_run, json_t **report,
                    gz_err *err)
{
	*report = NULL;
	imp im = {.warnings = json_array()};
	if (!(im.h = geo_context_new())) {
		imp_free(&im);
		return gz_err_set(err, GZ_EINTERNAL, "internal", "GEOS 无法初始化");
	}
	/* 1. The document and each feature. */
	json_t *features = NULL;
	const char *type = json_string_value(json_object_get(doc, "type"));
	if (!json_is_object(doc) || !type || strcmp(type, "FeatureCollection") != 0) {
		add_error(&im, -1, NULL, "type",
		          "应为 GeoJSON FeatureCollection（type 为 \"FeatureCollection\"）", NULL,
		          NULL, NULL);
	} else if (!json_is_array(features = json_object_get(doc, "features"))) {
		add_error(&im, -1, NULL, "features", "缺少 features 数组", NULL, NULL, NULL);
	} else if (json_array_size(features) == 0) {
		add_error(&im, -1, NULL, "features", "要素集合为空，没有可导入的网格", NULL, NULL,
		          NULL);
	} else if (json_array_size(features) > GZ_SPACE_IMPORT_MAX_FEATURES) {
		char why[128];
		snprintf(why, sizeof why, "要素过多（%zu 个），一次最多导入 %d 个",
		         json_array_size(features), GZ_SPACE_IMPORT_MAX_FEATURES);
		add_error(&im, -1, NULL, "features", why, NULL, NULL, NULL);
	} else {
		im.n = (int)json_array_size(features);
		im.f = gz_calloc((size_t)im.n, sizeof *im.f);
		for (int i = 0; i < im.n; i++) {
			im.f[i].index = i;
			check_feature(&im, &im.f[i], json_array_get(features, i));
		}
		check_across(&im);
	}
	if (im.n == 0 || im.nsorted == 0) {
		/* Nothing that could touch the database: answer from the file alone. */
		*report = make_report(&im, dry_run, 0, 0, 0, 0, -1);
		imp_free(&im);
		return 0;
	}

	/* 2. May the actor administer every community of the file? */
	for (int i = 0; i < im.nsorted; i++) {
		if (i > 0 && !strcmp(im.sorted[i]->community, im.sorted[i - 1]->community))
			continue;
		if (gz_actor_check(a, ACT_ADMIN, RES_SPACE, im.sorted[i]->community, err) < 0) {
			gz_err_field(err, "features", "无权管理社区 %s 的网格",
			             im.sorted[i]->community);
			imp_free(&im);
			return -1;
		}
	}

	/* 3. Checks against the stored grids, in the transaction that will write. */
	int created = 0, replaced = 0, streets = 0, communities = 0;
	long long version = -1;
	int64_t now = gz_time_now_ms();
	if (gz_db_begin(db, err) < 0)
		goto fail_nobegin;
	if (!dry_run) {
		gz_stmt *st = gz_db_prepare(db, sql_version_bump, err);
		if (!st || exec_stmt(st, err) < 0)
			goto fail;
	}
	for (int i = 0; i < im.nsorted; i++) {
		if (i > 0 && !strcmp(im.sorted[i]->street, im.sorted[i - 1]->street))
			continue;
		int rc = node_name(db, sql_street_get, im.sorted[i]->street, NULL, err);
		if (rc < 0)
			goto fail;
		if (rc == 0 &&
		    gz_actor_check(a, ACT_ADMIN, RES_SPACE, im.sorted[i]->street, err) < 0) {
			gz_err_field(err, "features", "无权新建街道 %s", im.sorted[i]->street);
			goto fail;
		}
	}
	for (int i = 0; i < im.nsorted;) {
		int j = i;
		while (j < im.nsorted && !strcmp(im.sorted[j]->community, im.sorted[i]->community))
			j++;
		if (check_community(&im, db, i, j, err) < 0)
			goto fail;
		i = j;
	}
	if (im.nerrors > 0) {
		gz_db_rollback(db);
		*report = make_report(&im, dry_run, 0, 0, 0, 0, -1);
		imp_free(&im);
		return 0;
	}

	/* 4. Write (or, for a dry run, count what would be written). */
	if (write_nodes(&im, db, 0, dry_run, now, &streets, err) < 0 ||
	    write_nodes(&im, db, 1, dry_run, now, &communities, err) < 0 ||
	    write_grids(&im, db, dry_run, now, &created, &replaced, err) < 0)
		goto fail;
	int64_t v = 0;
	if (gz_db_query_int64(db, sql_version_get, &v, err, 0) < 0)
		goto fail;
	version = v;
	if (dry_run) {
		gz_db_rollback(db);
	} else {
		char scope[SPACE_CODE_SIZE];
		snprintf(scope, sizeof scope, "%s", im.sorted[0]->community);
		json_t *comms = json_array();
		for (int i = 0; i < im.nsorted; i++) {
			char common[SPACE_CODE_SIZE];
			policy_scope_common(scope, im.sorted[i]->community, common, sizeof common);
			snprintf(scope, sizeof scope, "%s", common);
			if ((i == 0 ||
			     strcmp(im.sorted[i]->community, im.sorted[i - 1]->community)) &&
			    json_array_size(comms) < 100)
				json_array_append_new(comms, json_string(im.sorted[i]->community));
		}
		json_t *detail = json_pack(
		    "{s:i,s:i,s:i,s:i,s:i,s:o,s:I}", "features", im.n, "created", created,
		    "replaced", replaced, "streets_created", streets, "communities_created",
		    communities, "communities", comms, "space_version", (json_int_t)version);
		int rc = gz_audit(a, db, "grid.import", "grid", "", scope, detail, err);
		json_decref(detail);
		/* The report is the answer: it commits with the grids (gz_api_commit()). */
		json_t *rep = rc < 0 ? NULL
		                     : make_report(&im, dry_run, created, replaced, streets,
		                                   communities, version);
		if (!rep || gz_api_commit(a->req, db, created > 0 ? 201 : 200, rep, err) < 0) {
			json_decref(rep);
			goto fail;
		}
		*report = rep;
		imp_free(&im);
		return 0;
	}
	*report = make_report(&im, dry_run, created, replaced, streets, communities, version);
	imp_free(&im);
	return 0;
fail:
	gz_db_rollback(db);
fail_nobegin:
	imp_free(&im);
	return -1;
}

/* ---------------------------------------------------------------- streets, communities */

static int check_name(const char *name, gz_err *err)
{
	size_t n = name ? gz_utf8_len(name, strlen(name)) : 0;
	if (!name || !gz_utf8_valid(name, strlen(name)))
		gz_err_field(err, "name", "必填");
	else if (n == 0)
		gz_err_field(err, "name", "不能为空");
	else if (n > GZ_SPACE_NAME_MAX)
		gz_err_field(err, "name", "最多 %d 个字符", GZ_SPACE_NAME_MAX);
	else
		return 0;
	return -1;
}

static int add_node(gz_db *db, const gz_actor *a, space_level level, const char *code,
                    const char *name, json_t **out, gz_err *err)
{
	const char *why = NULL;
	int bad = space_code_check(code, level, &why) < 0;
	if (bad)
		gz_err_field(err, "code", "%s", why);
	bad |= check_name(name, err) < 0;
	if (bad)
		return gz_json_check(err);
	if (gz_actor_check(a, ACT_ADMIN, RES_SPACE, code, err) < 0)
		return -1;
	char street[SPACE_CODE_SIZE];
	if (level == SPACE_COMMUNITY)
		space_code_prefix(code, SPACE_STREET, street);
	int64_t now = gz_time_now_ms();
	if (gz_db_begin(db, err) < 0)
		return -1;
	int rc =
	    node_name(db, level == SPACE_STREET ? sql_street_get : sql_comm_get, code, NULL, err);
	if (rc > 0) {
		gz_err_set(err, GZ_ECONFLICT, "duplicate_code", "编码 %s 已存在", code);
		gz_err_field(err, "code", "已存在");
		goto fail;
	}
	if (rc == 0 && level == SPACE_COMMUNITY) {
		rc = node_name(db, sql_street_get, street, NULL, err);
		if (rc == 0) {
			gz_err_set(err, GZ_EINVALID, "invalid_fields", "所属街道不存在");
			gz_err_field(err, "code", "所属街道 %s 不存在，请先创建街道", street);
			goto fail;
		}
	}
	if (rc < 0)
		goto fail;
	gz_stmt *st = gz_db_prepare(db, level == SPACE_STREET ? sql_street_ins : sql_comm_ins, err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, code);
	if (level == SPACE_STREET) {
		gz_stmt_bind_str(st, 2, name);
		gz_stmt_bind_int64(st, 3, now);
	} else {
		gz_stmt_bind_str(st, 2, street);
		gz_stmt_bind_str(st, 3, name);
		gz_stmt_bind_int64(st, 4, now);
	}
	if (exec_stmt(st, err) < 0) {
		if (err->kind == GZ_ECONFLICT) { /* a concurrent create won */
			gz_err_set(err, GZ_ECONFLICT, "duplicate_code", "编码 %s 已存在", code);
			gz_err_field(err, "code", "已存在");
		}
		goto fail;
	}
	json_t *detail = json_pack("{s:s}", "name", name);
	rc = gz_audit(a, db, level == SPACE_STREET ? "street.create" : "community.create",
	              level == SPACE_STREET ? "street" : "community", code, code, detail, err);
	json_decref(detail);
	json_t *answer = NULL;
	if (rc < 0 || (out && !(answer = gz_space_node_json(db, level, code, err))) ||
	    gz_api_commit(a->req, db, 201, answer, err) < 0) {
		json_decref(answer);
		goto fail;
	}
	if (out)
		*out = answer;
	return 0;
fail:
	gz_db_rollback(db);
	return -1;
}

int gz_space_add_street(gz_db *db, const gz_actor *a, const char *code, const char *name,
                        json_t **out, gz_err *err)
{
	return add_node(db, a, SPACE_STREET, code, name, out, err);
}

int gz_space_add_community(gz_db *db, const gz_actor *a, const char *code, const char *name,
                           json_t **out, gz_err *err)
{
	return add_node(db, a, SPACE_COMMUNITY, code, name, out, err);
}
