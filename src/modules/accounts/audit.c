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
#include "core/json.h"
#include "core/time.h"
#include "modules/accounts/accounts.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLS                                                                                       \
	"SELECT id, at, user_id, username, action, record_type, record_id, scope, ip, "            \
	"request_id, detail FROM audit_log WHERE id < $1 "                                         \
	"AND (CAST($2 AS TEXT) IS NULL OR action = $2) "                                           \
	"AND (CAST($3 AS TEXT) IS NULL OR record_type = $3) "                                      \
	"AND (CAST($4 AS TEXT) IS NULL OR record_id = $4) "                                        \
	"AND (CAST($5 AS TEXT) IS NULL OR username = $5) "                                         \
	"AND at >= $6 AND at <= $7 "

static const char *sql_all = COLS "ORDER BY id DESC LIMIT $8";
static const char *sql_scope = COLS "AND scope >= $9 AND scope < $10 ORDER BY id DESC LIMIT $8";

typedef struct {
	int64_t id;
	json_t *json;
} audit_item;

static int item_cmp_desc(const void *a, const void *b)
{
	int64_t x = ((const audit_item *)a)->id, y = ((const audit_item *)b)->id;
	return x > y ? -1 : x < y;
}

static json_t *row_json(gz_stmt *st)
{
	char ts[32];
	json_t *detail = NULL;
	if (!gz_stmt_isnull(st, 10)) {
		json_error_t je;
		detail = json_loadb(gz_stmt_text(st, 10), gz_stmt_len(st, 10), 0, &je);
	}
	return json_pack("{s:s,s:s,s:o,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o}", "id", gz_stmt_text(st, 0),
	                 "at", gz_time_rfc3339(gz_stmt_int64(st, 1), ts, sizeof ts), "user_id",
	                 gz_stmt_isnull(st, 2) ? json_null() : json_string(gz_stmt_text(st, 2)),
	                 "username", gz_stmt_text(st, 3), "action", gz_stmt_text(st, 4),
	                 "record_type", gz_stmt_text(st, 5), "record_id", gz_stmt_text(st, 6),
	                 "scope", gz_stmt_text(st, 7), "ip", gz_stmt_text(st, 8), "request_id",
	                 gz_stmt_text(st, 9), "detail", detail ? detail : json_null());
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
	gz_db_end_read(db);
	if (rc < 0) {
		for (size_t i = 0; i < n; i++)
			json_decref(items[i].json);
		gz_reply_err(r, &err);
		return;
	}
	qsort(items, n, sizeof *items, item_cmp_desc);
	bool more = n > (size_t)limit;
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		if (i < (size_t)limit)
			json_array_append_new(arr, items[i].json);
		else
			json_decref(items[i].json);
	}
	gz_reply_json(r, 200, gz_list_json(r, arr, more ? items[limit - 1].id : 0));
}

const gz_module_route gz_accounts_audit_routes[] = {
    {"GET", "/api/v1/audit", audit_list, 0, 0},
    {0},
};
