/* Scoped lists and code filters (api/list.h). */
#include "api/list.h"
#include "api/auth.h"
#include "core/mem.h"
#include "domain/space.h"

#include <stdio.h>
#include <stdlib.h>

int gz_api_code_query(gz_req *r, const char *key, unsigned mask, const char **out, gz_err *err)
{
	*out = NULL;
	const char *s = gz_req_query(r, key);
	if (!s)
		return 0;
	int level = space_code_level(s);
	unsigned bit = level == SPACE_STREET      ? GZ_API_AT_STREET
	               : level == SPACE_COMMUNITY ? GZ_API_AT_COMMUNITY
	               : level == SPACE_GRID      ? GZ_API_AT_GRID
	                                          : 0;
	const char *why = NULL;
	int bad;
	if (bit & mask)
		bad = space_code_check(s, (space_level)level, &why) < 0;
	else if (mask == GZ_API_AT_STREET || mask == GZ_API_AT_COMMUNITY || mask == GZ_API_AT_GRID)
		/* One level wanted: let the check of that level say what is wrong. */
		bad = space_code_check(s,
		                       mask == GZ_API_AT_STREET      ? SPACE_STREET
		                       : mask == GZ_API_AT_COMMUNITY ? SPACE_COMMUNITY
		                                                     : SPACE_GRID,
		                       &why) < 0;
	else
		bad = 1;
	if (bad) {
		gz_err_set(err, GZ_EBADREQ, "bad_query", "查询参数 %s 无效", key);
		gz_err_field(err, key, "%s", why ? why : "编码层级不符");
		return -1;
	}
	*out = s;
	return 0;
}

bool gz_api_scope_range(const char *scope, const char *filter, char *lo, char *hi)
{
	const char *base = scope;
	if (filter) {
		if (policy_scope_contains(scope, filter))
			base = filter;
		else if (!policy_scope_contains(filter, scope))
			return false;
	}
	snprintf(lo, GZ_SCOPE_MAX + 2, "%s", base);
	policy_scope_upper(base, hi, GZ_SCOPE_MAX + 2);
	return hi[0] != '\0';
}

typedef struct {
	int64_t key;
	json_t *item;
} row;

static int cmp_row(const void *a, const void *b)
{
	const row *x = a, *y = b;
	return (x->key > y->key) - (x->key < y->key);
}

static int scoped_items(gz_req *r, const gz_api_list_query *q, int limit, int64_t after,
                        json_t **items, int64_t *next, gz_err *err);

/* One query per scope: one read snapshot, so a row moving between two scopes is never met
 * twice or missed (joins the caller's snapshot when it has one). */
int gz_api_scoped_items(gz_req *r, const gz_api_list_query *q, int limit, int64_t after,
                        json_t **items, int64_t *next, gz_err *err)
{
	gz_db *db;
	if (!gz_auth_user(r, err) || !(db = gz_req_db(r, err)) || gz_db_begin_read(db, err) < 0)
		return -1;
	int rc = scoped_items(r, q, limit, after, items, next, err);
	gz_db_end_read(db);
	return rc;
}

static int scoped_items(gz_req *r, const gz_api_list_query *q, int limit, int64_t after,
                        json_t **items, int64_t *next, gz_err *err)
{
	const char *scopes[GZ_AUTH_MAX_GRANTS];
	int ns = gz_auth_scopes(r, q->action, q->res, scopes, GZ_AUTH_MAX_GRANTS, err);
	if (ns < 0)
		return -1;
	char after_code[SPACE_CODE_SIZE] = "";
	if (after && q->after_level && space_code_from_key(after, q->after_level, after_code) < 0) {
		gz_err_set(err, GZ_EBADREQ, "bad_query", "cursor 无效");
		gz_err_field(err, "cursor", "无效的分页游标");
		return -1;
	}
	gz_db *db = gz_req_db(r, err);
	if (!db)
		return -1;
	row *rs = gz_arena_alloc(&r->arena, sizeof *rs * (size_t)ns * (size_t)(limit + 1));
	int n = 0;
	for (int s = 0; s < ns; s++) {
		char lo[GZ_SCOPE_MAX + 2], hi[GZ_SCOPE_MAX + 2];
		if (!gz_api_scope_range(scopes[s], q->filter, lo, hi))
			continue;
		gz_stmt *st = gz_db_prepare(db, q->sql, err);
		if (!st)
			goto fail;
		gz_stmt_bind_str(st, 1, lo);
		gz_stmt_bind_str(st, 2, hi);
		if (q->after_level)
			gz_stmt_bind_str(st, 3, after_code);
		else
			gz_stmt_bind_int64(st, 3, after);
		gz_stmt_bind_int64(st, 4, limit + 1);
		for (int i = 0; i < q->ntexts; i++)
			gz_stmt_bind_str(st, 5 + i, q->texts[i] ? q->texts[i] : "");
		for (int i = 0; i < q->nints; i++)
			gz_stmt_bind_int64(st, 5 + q->ntexts + i, q->ints[i]);
		int rc;
		while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
			rs[n].item = q->row(r, st, &rs[n].key);
			n++;
		}
		gz_stmt_finish(st);
		if (rc < 0)
			goto fail;
	}
	qsort(rs, (size_t)n, sizeof *rs, cmp_row);
	/* A row met through two scopes is counted once. */
	int m = 0;
	for (int i = 0; i < n; i++) {
		if (m && rs[m - 1].key == rs[i].key) {
			json_decref(rs[i].item);
			continue;
		}
		rs[m++] = rs[i];
	}
	*items = json_array();
	for (int i = 0; i < m; i++) {
		if (i < limit)
			json_array_append_new(*items, rs[i].item);
		else
			json_decref(rs[i].item);
	}
	*next = m > limit ? rs[limit - 1].key : 0;
	return 0;
fail:
	for (int i = 0; i < n; i++)
		json_decref(rs[i].item);
	return -1;
}

void gz_api_scoped_list(gz_req *r, const gz_api_list_query *q)
{
	gz_err err;
	gz_err_clear(&err);
	int limit;
	int64_t after, next;
	json_t *items = NULL;
	gz_db *db = NULL;
	/* The page's extra rows (q->page) come from the same snapshot as the items. */
	if (gz_req_list_params(r, &limit, &after, &err) < 0 || !gz_auth_user(r, &err) ||
	    !(db = gz_req_db(r, &err)) || gz_db_begin_read(db, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	if (gz_api_scoped_items(r, q, limit, after, &items, &next, &err) < 0 ||
	    (q->page && q->page(db, items, &err) < 0)) {
		gz_db_end_read(db);
		json_decref(items);
		gz_reply_err(r, &err);
		return;
	}
	gz_db_end_read(db);
	gz_reply_json(r, 200, gz_list_json(r, items, next));
}
