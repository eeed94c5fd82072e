/* GET /api/v1/audit: the audit log, newest first, for roles that may read it, limited
 * to rows whose scope lies inside the caller's audit-read scopes.
 *
 * Filters (all optional, combined with AND): action, record_type, record_id, user
 * (the actor's username), from / to (RFC 3339; at >= from, at <= to). Pages with
 * ?limit= and ?cursor= as every list; the cursor is the id of the last row shown
 * and the next page holds the rows with smaller ids.
 *
 * Each of the caller's scopes (disjoint: gz_auth_scopes drops nested ones) is one query
 * on the (scope, id) index of at most limit+1 rows; the pages are merged by id. The
 * whole-system scope "" reads by primary key without a scope condition. */
#include "modules/module.h"
#include "api/common.h"
#include "api/auth.h"
#include "api/names.h"
#include "core/json.h"
#include "core/time.h"
#include "modules/accounts/accounts.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLS                                                                                       \
	"SELECT a.id, a.at, a.user_id, a.username, a.action, a.record_type, a.record_id, "         \
	"a.scope, a.ip, a.request_id, a.detail, u.display_name FROM audit_log a LEFT JOIN users "  \
	"u "                                                                                       \
	"ON u.id = a.user_id WHERE a.id < $1 "                                                     \
	"AND (CAST($2 AS TEXT) IS NULL OR a.action = $2) "                                         \
	"AND (CAST($3 AS TEXT) IS NULL OR a.record_type = $3) "                                    \
	"AND (CAST($4 AS TEXT) IS NULL OR a.record_id = $4) "                                      \
	"AND (CAST($5 AS TEXT) IS NULL OR a.username = $5) "                                       \
	"AND a.at >= $6 AND a.at <= $7 "

static const char *sql_all = COLS "ORDER BY a.id DESC LIMIT $8";
static const char *sql_scope =
    COLS "AND a.scope >= $9 AND a.scope < $10 ORDER BY a.id DESC LIMIT $8";

typedef struct {
	int64_t id;
	json_t *json;
} audit_item;

static int item_cmp_desc(const void *a, const void *b)
{
	int64_t x = ((const audit_item *)a)->id, y = ((const audit_item *)b)->id;
	return x > y ? -1 : x < y;
}

/* The row as stored, and who did it: {"id", "name"} of the account (name: its display
 * name, null for the command line or an unknown name at a failed login). */
static json_t *row_json(gz_stmt *st)
{
	char ts[32];
	json_t *detail = NULL;
	if (!gz_stmt_isnull(st, 10)) {
		json_error_t je;
		detail = json_loadb(gz_stmt_text(st, 10), gz_stmt_len(st, 10), 0, &je);
	}
	const char *display = gz_stmt_isnull(st, 11) ? NULL : gz_stmt_text(st, 11);
	json_t *user_id = gz_stmt_isnull(st, 2) ? json_null() : json_string(gz_stmt_text(st, 2));
	return json_pack(
	    "{s:s,s:s,s:O,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:{s:o,s:s,s:o}}", "id",
	    gz_stmt_text(st, 0), "at", gz_time_rfc3339(gz_stmt_int64(st, 1), ts, sizeof ts),
	    "user_id", user_id, "username", gz_stmt_text(st, 3), "action", gz_stmt_text(st, 4),
	    "record_type", gz_stmt_text(st, 5), "record_id", gz_stmt_text(st, 6), "scope",
	    gz_stmt_text(st, 7), "ip", gz_stmt_text(st, 8), "request_id", gz_stmt_text(st, 9),
	    "detail", detail ? detail : json_null(), "actor", "id", user_id, "username",
	    gz_stmt_text(st, 3), "name", display && *display ? json_string(display) : json_null());
}

/* "fields" of a detail as an array of field names: the reveal's "phone,id_number" or an
 * update's ["phone"]; [] when there are none. */
static json_t *fields_json(const json_t *detail)
{
	json_t *out = json_array(), *f = json_object_get(detail, "fields"), *v;
	size_t i;
	if (json_is_string(f)) {
		const char *p = json_string_value(f);
		while (*p) {
			const char *c = strchr(p, ',');
			size_t n = c ? (size_t)(c - p) : strlen(p);
			if (n)
				json_array_append_new(out, json_stringn(p, n));
			p += n + (c ? 1 : 0);
		}
	} else if (json_is_array(f)) {
		json_array_foreach(f, i, v) if (json_is_string(v)) json_array_append(out, v);
	}
	return out;
}

/* Most objects named for a row that names several (a list's reveal: detail.ids). */
#define AUDIT_OBJECTS_SHOWN 3

typedef struct {
	const char *type;
	json_t *target; /* the object to fill: {"id", "name", "masked", "detail"} */
} audit_ref;

/* Adds what a sentence needs to each row: "object" (the record, named as the viewer may
 * see it: a resident masked by the one rule), "objects" and "object_count" for a row that
 * names several records, "fields" (field names) and "scope_name". All names of a page are
 * read in a few batched queries per record type (api/names.h), never one per row. */
static int describe(gz_req *r, gz_db *db, json_t *const *rows, size_t n, gz_err *err)
{
	size_t cap = n * (1 + AUDIT_OBJECTS_SHOWN), nrefs = 0;
	audit_ref *refs = gz_arena_alloc(&r->arena, sizeof *refs * (cap ? cap : 1));
	gz_name_ref *places = gz_arena_alloc(&r->arena, sizeof *places * (n ? n : 1));
	for (size_t i = 0; i < n; i++) {
		json_t *row = rows[i], *detail = json_object_get(row, "detail");
		const char *type = json_string_value(json_object_get(row, "record_type"));
		const char *rid = json_string_value(json_object_get(row, "record_id"));
		places[i].id = json_string_value(json_object_get(row, "scope"));
		json_object_set_new(row, "fields", fields_json(detail));
		json_t *count = json_object_get(detail, "count");
		json_object_set_new(row, "object_count",
		                    json_is_integer(count) ? json_incref(count) : json_null());
		json_t *obj = json_null(), *objs = json_array();
		if (type && *type && rid && *rid) {
			obj = json_pack("{s:s,s:s}", "type", type, "id", rid);
			refs[nrefs++] = (audit_ref){type, obj};
		}
		json_t *ids = json_object_get(detail, "ids"), *v;
		size_t k;
		if (type && *type && json_is_array(ids) && json_array_size(ids) > 1) {
			json_array_foreach(ids, k, v)
			{
				if (k >= AUDIT_OBJECTS_SHOWN)
					break;
				if (!json_is_string(v))
					continue;
				json_t *o = json_pack("{s:s,s:O}", "type", type, "id", v);
				json_array_append_new(objs, o);
				refs[nrefs++] = (audit_ref){type, o};
			}
		}
		json_object_set_new(row, "object", obj);
		json_object_set_new(row, "objects", objs);
	}
	/* Each record type once: its refs in one batch. */
	gz_name_ref *batch = gz_arena_alloc(&r->arena, sizeof *batch * (nrefs ? nrefs : 1));
	json_t **targets = gz_arena_alloc(&r->arena, sizeof *targets * (nrefs ? nrefs : 1));
	bool *done = gz_arena_alloc(&r->arena, sizeof *done * (nrefs ? nrefs : 1));
	memset(done, 0, sizeof *done * (nrefs ? nrefs : 1));
	for (size_t i = 0; i < nrefs; i++) {
		if (done[i])
			continue;
		size_t m = 0;
		for (size_t j = i; j < nrefs; j++)
			if (!done[j] && !strcmp(refs[j].type, refs[i].type)) {
				done[j] = true;
				batch[m].id =
				    json_string_value(json_object_get(refs[j].target, "id"));
				targets[m++] = refs[j].target;
			}
		if (gz_names_resolve(gz_req_actor(r), db, &r->arena, refs[i].type, batch, m, err) <
		    0)
			return -1;
		for (size_t j = 0; j < m; j++) {
			json_object_set_new(targets[j], "name",
			                    batch[j].name ? json_string(batch[j].name)
			                                  : json_null());
			json_object_set_new(targets[j], "masked", json_boolean(batch[j].masked));
			json_object_set_new(targets[j], "detail",
			                    batch[j].detail ? json_string(batch[j].detail)
			                                    : json_null());
		}
	}
	if (gz_names_resolve(gz_req_actor(r), db, &r->arena, "place", places, n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		json_object_set_new(rows[i], "scope_name",
		                    places[i].name ? json_string(places[i].name) : json_null());
	return 0;
}

/* A text filter: absent or empty means "any"; at most 128 characters. */
static int text_filter(gz_req *r, const char *name, const char **out, gz_err *err)
{
	const char *v = gz_req_query(r, name);
	*out = v && *v ? v : NULL;
	if (*out && strlen(*out) > 128) {
		gz_err_set(err, GZ_EBADREQ, "bad_query", "%s 过长", name);
		gz_err_field(err, name, "最多 128 字节");
		return -1;
	}
	return 0;
}

static int time_filter(gz_req *r, const char *name, int64_t *out, gz_err *err)
{
	const char *v = gz_req_query(r, name);
	if (!v || !*v)
		return 0;
	if (gz_time_parse_rfc3339(v, out) < 0) {
		gz_err_set(err, GZ_EBADREQ, "bad_query", "%s 应为 RFC 3339 时间", name);
		gz_err_field(err, name, "应为 RFC 3339 时间，如 2026-11-29T02:23:45Z");
		return -1;
	}
	return 0;
}

static void audit_list(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const char *scopes[GZ_AUTH_MAX_GRANTS];
	const char *action, *rtype, *rid, *user;
	int limit, nscopes;
	int64_t after, from = INT64_MIN, to = INT64_MAX;
	gz_db *db;
	if ((nscopes = gz_auth_scopes(r, ACT_READ, RES_AUDIT, scopes, GZ_AUTH_MAX_GRANTS, &err)) <
	        0 ||
	    gz_req_list_params(r, &limit, &after, &err) < 0 ||
	    text_filter(r, "action", &action, &err) < 0 ||
	    text_filter(r, "record_type", &rtype, &err) < 0 ||
	    text_filter(r, "record_id", &rid, &err) < 0 ||
	    text_filter(r, "user", &user, &err) < 0 || time_filter(r, "from", &from, &err) < 0 ||
	    time_filter(r, "to", &to, &err) < 0 || !(db = gz_req_db(r, &err)) ||
	    gz_db_begin_read(db, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	if (!after)
		after = INT64_MAX;
	/* The scopes' pages from one snapshot: rows are merged by id across them. */

	size_t cap = (size_t)nscopes * (size_t)(limit + 1), n = 0;
	audit_item *items = gz_arena_alloc(&r->arena, sizeof *items * cap);
	int rc = GZ_DONE;
	for (int s = 0; s < nscopes && rc >= 0; s++) {
		bool all = !scopes[s][0];
		gz_stmt *st = gz_db_prepare(db, all ? sql_all : sql_scope, &err);
		if (!st) {
			rc = -1;
			break;
		}
		char upper[GZ_SCOPE_MAX + 2];
		policy_scope_upper(scopes[s], upper, sizeof upper);
		gz_stmt_bind_int64(st, 1, after);
		gz_stmt_bind_str(st, 2, action);
		gz_stmt_bind_str(st, 3, rtype);
		gz_stmt_bind_str(st, 4, rid);
		gz_stmt_bind_str(st, 5, user);
		gz_stmt_bind_int64(st, 6, from);
		gz_stmt_bind_int64(st, 7, to);
		gz_stmt_bind_int64(st, 8, limit + 1);
		if (!all) {
			gz_stmt_bind_str(st, 9, scopes[s]);
			gz_stmt_bind_str(st, 10, upper);
		}
		while ((rc = gz_stmt_step(st, &err)) == GZ_ROW && n < cap) {
			items[n].id = gz_stmt_int64(st, 0);
			items[n].json = row_json(st);
			n++;
		}
		gz_stmt_finish(st);
	}
	if (rc < 0) {
		gz_db_end_read(db);
		for (size_t i = 0; i < n; i++)
			json_decref(items[i].json);
		gz_reply_err(r, &err);
		return;
	}
	qsort(items, n, sizeof *items, item_cmp_desc);
	bool more = n > (size_t)limit;
	json_t *arr = json_array();
	size_t shown = 0;
	json_t **rows = gz_arena_alloc(&r->arena, sizeof *rows * (n ? n : 1));
	for (size_t i = 0; i < n; i++) {
		if (i < (size_t)limit) {
			rows[shown++] = items[i].json;
			json_array_append_new(arr, items[i].json);
		} else {
			json_decref(items[i].json);
		}
	}
	/* The page's names from the same snapshot as its rows. */
	rc = describe(r, db, rows, shown, &err);
	gz_db_end_read(db);
	if (rc < 0) {
		json_decref(arr);
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_json(r, 200, gz_list_json(r, arr, more ? items[limit - 1].id : 0));
}

const gz_module_route gz_accounts_audit_routes[] = {
    {"GET", "/api/v1/audit", audit_list, 0, 0},
    {0},
};
