/* GET /api/v1/places: the space tree as the place picker walks it (web: PlacePicker).
 *
 *   ?parent=CODE   the children of a node ("" the whole system: its streets; a county:
 *                  its streets; a street: its communities; a community: its grids)
 *   (no parent)    the roots: the caller's own space-read scopes, named
 *   ?q=TEXT        streets, communities and grids whose name holds TEXT (1..32 characters)
 *   ?code=CODE     that one node, when it lies inside the caller's scopes (a picker's
 *                  current value, named)
 *
 * Only nodes inside the caller's space-read scopes are listed (a node outside them is
 * not there, whatever the parent). Each item: {code, name, level, path, has_children}
 * (path: the names above it, "八里庄街道 / 团结南社区"). At most GZ_PLACES_MAX items, by
 * code; "truncated" says when there were more. */
#include "modules/module.h"
#include "api/common.h"
#include "api/list.h"
#include "api/auth.h"
#include "api/names.h"
#include "modules/space/space.h"
#include "core/json.h"
#include "domain/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GZ_PLACES_MAX   500
#define GZ_PLACES_Q_MAX 32 /* code points */

static const char *sql_streets =
    "SELECT s.code, s.name, '', EXISTS (SELECT 1 FROM communities c WHERE c.street_code = "
    "s.code) FROM streets s WHERE s.code >= $1 AND s.code < $2 AND (CAST($3 AS TEXT) IS NULL "
    "OR lower(s.name) LIKE $3 ESCAPE '\\') ORDER BY s.code LIMIT $4";
static const char *sql_communities =
    "SELECT c.code, c.name, s.name, EXISTS (SELECT 1 FROM grids g WHERE g.community_code = "
    "c.code) FROM communities c JOIN streets s ON s.code = c.street_code WHERE c.code >= $1 "
    "AND c.code < $2 AND (CAST($3 AS TEXT) IS NULL OR lower(c.name) LIKE $3 ESCAPE '\\') "
    "ORDER BY c.code LIMIT $4";
static const char *sql_grids =
    "SELECT g.code, g.name, s.name || ' / ' || c.name, 0 FROM grids g JOIN communities c ON "
    "c.code = g.community_code JOIN streets s ON s.code = c.street_code WHERE g.code >= $1 "
    "AND g.code < $2 AND (CAST($3 AS TEXT) IS NULL OR lower(g.name) LIKE $3 ESCAPE '\\') "
    "ORDER BY g.code LIMIT $4";

static const char *level_name(size_t len)
{
	switch (len) {
	case 0:
		return "system";
	case 6:
		return "county";
	case 9:
		return "street";
	case 12:
		return "community";
	case 15:
		return "grid";
	default:
		return "other";
	}
}

typedef struct {
	json_t *items;
	size_t n;
	bool truncated;
} places_out;

/* Runs one of the queries over [lo, hi) with the optional pattern; appends at most
 * GZ_PLACES_MAX items in all. */
static int run(gz_db *db, const char *sql, const char *lo, const char *hi, const char *pattern,
               places_out *o, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, sql, err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, lo);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_str(st, 3, pattern);
	gz_stmt_bind_int64(st, 4, GZ_PLACES_MAX + 1);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		if (o->n >= GZ_PLACES_MAX) {
			o->truncated = true;
			continue;
		}
		const char *code = gz_stmt_text(st, 0);
		json_array_append_new(o->items, json_pack("{s:s,s:s,s:s,s:s,s:b}", "code", code,
		                                          "name", gz_stmt_text(st, 1), "level",
		                                          level_name(strlen(code)), "path",
		                                          gz_stmt_text(st, 2), "has_children",
		                                          gz_stmt_int64(st, 3) != 0));
		o->n++;
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

static int cmp_code(const void *a, const void *b)
{
	const char *x = json_string_value(json_object_get(*(json_t *const *)a, "code"));
	const char *y = json_string_value(json_object_get(*(json_t *const *)b, "code"));
	return strcmp(x ? x : "", y ? y : "");
}

/* Sorts the items by code (they come from several scopes and tables). */
static void sort_items(json_t *items)
{
	size_t n = json_array_size(items);
	if (n < 2)
		return;
	json_t **v = malloc(sizeof *v * n);
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(items, i));
	qsort(v, n, sizeof *v, cmp_code);
	json_array_clear(items);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, v[i]);
	free(v);
}

/* The roots: the caller's scopes, named in one batch; with code, that node alone when it
 * lies inside one of them. */
static int roots(gz_req *r, gz_db *db, const char *const *scopes, int ns, const char *code,
                 places_out *o, gz_err *err)
{
	if (code) {
		bool inside = false;
		for (int i = 0; i < ns && !inside; i++)
			inside = policy_scope_contains(scopes[i], code);
		scopes = &code;
		ns = inside ? 1 : 0;
	}
	gz_name_ref *refs = gz_arena_alloc(&r->arena, sizeof *refs * (size_t)(ns ? ns : 1));
	for (int i = 0; i < ns; i++)
		refs[i].id = scopes[i];
	if (gz_names_resolve(gz_req_actor(r), db, &r->arena, "place", refs, (size_t)ns, err) < 0)
		return -1;
	for (int i = 0; i < ns; i++) {
		size_t len = strlen(scopes[i]);
		json_array_append_new(o->items,
		                      json_pack("{s:s,s:s,s:s,s:s,s:b}", "code", scopes[i], "name",
		                                refs[i].name ? refs[i].name : scopes[i], "level",
		                                level_name(len), "path",
		                                refs[i].detail ? refs[i].detail : "",
		                                "has_children", len < 15));
		o->n++;
	}
	return 0;
}

static void places(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const char *parent = gz_req_query(r, "parent"), *code = gz_req_query(r, "code");
	const char *pattern = gz_api_like_query(r, "q", GZ_PLACES_Q_MAX, &err);
	if (err.kind != GZ_OK) {
		gz_reply_err(r, &err);
		return;
	}
	const char *bad = parent && parent[0] && !policy_scope_valid(parent) ? "parent"
	                  : code && !policy_scope_valid(code)                ? "code"
	                                                                     : NULL;
	if (bad) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "%s 无效", bad);
		gz_err_field(&err, bad, "应为 \"\"（全系统）或 6、9、12、15 位区划/网格编码");
		gz_reply_err(r, &err);
		return;
	}
	const char *scopes[GZ_AUTH_MAX_GRANTS];
	int ns = gz_auth_scopes(r, ACT_READ, RES_SPACE, scopes, GZ_AUTH_MAX_GRANTS, &err);
	gz_db *db = NULL;
	if (ns < 0 || !(db = gz_req_db(r, &err)) || gz_db_begin_read(db, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	places_out o = {json_array(), 0, false};
	int rc = 0;
	if (!parent && !pattern) {
		rc = roots(r, db, scopes, ns, code, &o, &err);
	} else {
		/* Which table holds the children of parent (or every level for a search). */
		size_t plen = parent ? strlen(parent) : 0;
		const char *sqls[3];
		int nsql = 0;
		if (pattern && !parent) {
			sqls[nsql++] = sql_streets;
			sqls[nsql++] = sql_communities;
			sqls[nsql++] = sql_grids;
		} else if (plen == 0 || plen == 6) {
			sqls[nsql++] = sql_streets;
		} else if (plen == 9) {
			sqls[nsql++] = sql_communities;
		} else if (plen == 12) {
			sqls[nsql++] = sql_grids;
		}
		for (int s = 0; s < ns && rc == 0; s++) {
			char lo[GZ_SCOPE_MAX + 2], hi[GZ_SCOPE_MAX + 2];
			if (!gz_api_scope_range(scopes[s], parent && parent[0] ? parent : NULL, lo,
			                        hi))
				continue;
			for (int q = 0; q < nsql && rc == 0; q++)
				rc = run(db, sqls[q], lo, hi, pattern, &o, &err);
		}
		sort_items(o.items);
	}
	gz_db_end_read(db);
	if (rc < 0) {
		json_decref(o.items);
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_json(r, 200, json_pack("{s:o,s:b}", "items", o.items, "truncated", o.truncated));
}

const gz_module_route gz_space_place_routes[] = {
    {"GET", "/api/v1/places", places, 0, 0},
    {0},
};
