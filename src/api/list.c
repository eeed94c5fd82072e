/* Scoped lists and code filters (api/list.h). */
#include "api/list.h"
#include "api/common.h"
#include "api/auth.h"
#include "core/mem.h"
#include "domain/space_code.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int gz_api_sum_scopes(gz_db *db, const char *const *scopes, int n, const char *sql, const char *p3,
                      int64_t *sum, gz_err *err)
{
	for (int s = 0; s < n; s++) {
		char lo[GZ_SCOPE_MAX + 2], hi[GZ_SCOPE_MAX + 2];
		if (!gz_api_scope_range(scopes[s], NULL, lo, hi))
			continue;
		gz_stmt *st = gz_db_prepare(db, sql, err);
		if (!st)
			return -1;
		gz_stmt_bind_str(st, 1, lo);
		gz_stmt_bind_str(st, 2, hi);
		if (p3)
			gz_stmt_bind_str(st, 3, p3);
		int rc = gz_stmt_step(st, err);
		if (rc == GZ_ROW)
			*sum += gz_stmt_int64(st, 0);
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* A grid list's cursor is "c" + the 15-digit grid code + the id in decimal: only digits
 * after the "c", which gz_req_list_params() accepts (a value past int64 range reads as
 * its maximum, C11 7.22.1.4) before it is parsed here. */
int gz_api_list_params(gz_req *r, bool by_grid, int *limit, gz_api_cursor *after, gz_err *err)
{
	memset(after, 0, sizeof *after);
	if (gz_req_list_params(r, limit, &after->key, err) < 0)
		return -1;
	if (!by_grid || !after->key)
		return 0;
	const char *c = gz_req_query(r, "cursor"), *why;
	size_t n = strlen(c);
	if (n > 1 + 15 && n <= 1 + 15 + 18 && c[1 + 15] != '0') {
		snprintf(after->grid, sizeof after->grid, "%.15s", c + 1);
		after->key = gz_api_parse_id(c + 1 + 15);
		if (after->key && space_code_check(after->grid, SPACE_GRID, &why) == 0)
			return 0;
	}
	gz_err_set(err, GZ_EBADREQ, "bad_query", "cursor 无效");
	gz_err_field(err, "cursor", "无效的分页游标");
	return -1;
}

json_t *gz_api_list_json(gz_req *r, json_t *items, const gz_api_cursor *next)
{
	if (!next->grid[0] || !next->key)
		return gz_list_json(r, items, next->key);
	char cur[GZ_SCOPE_MAX + 24];
	snprintf(cur, sizeof cur, "c%s%lld", next->grid, (long long)next->key);
	return json_pack("{s:o,s:s}", "items", items, "next_cursor", cur);
}

typedef struct {
	char grid[GZ_SCOPE_MAX];
	int64_t key;
	json_t *item;
} row;

static int cmp_row(const void *a, const void *b)
{
	const row *x = a, *y = b;
	int c = strcmp(x->grid, y->grid);
	return c ? c : (x->key > y->key) - (x->key < y->key);
}

/* Runs one query of q from (from, from_key) up to hi for at most want rows, appended to
 * rs; returns how many, or -1 with err set. */
static int run_part(gz_req *r, gz_db *db, const gz_api_list_query *q, const char *sql,
                    const char *from, const char *hi, const char *after_code, int64_t from_key,
                    int want, row *rs, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, sql, err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, from);
	gz_stmt_bind_str(st, 2, hi);
	if (after_code)
		gz_stmt_bind_str(st, 3, after_code);
	else
		gz_stmt_bind_int64(st, 3, from_key);
	gz_stmt_bind_int64(st, 4, want);
	for (int i = 0; i < q->ntexts; i++)
		gz_stmt_bind_str(st, 5 + i, q->texts[i] ? q->texts[i] : "");
	for (int i = 0; i < q->nints; i++)
		gz_stmt_bind_int64(st, 5 + q->ntexts + i, q->ints[i]);
	if (q->bind)
		q->bind(st, q->ctx);
	int n = 0, rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		json_t *it =
		    q->row_ctx ? q->row_ctx(r, st, &rs[n].key, q->ctx) : q->row(r, st, &rs[n].key);
		if (!it)
			continue;
		const char *g =
		    q->sql_after ? json_string_value(json_object_get(it, "grid_code")) : NULL;
		snprintf(rs[n].grid, sizeof rs[n].grid, "%s", g ? g : "");
		rs[n++].item = it;
	}
	gz_stmt_finish(st);
	if (rc < 0) {
		for (int i = 0; i < n; i++)
			json_decref(rs[i].item);
		return -1;
	}
	return n;
}

static int scoped_items(gz_req *r, gz_db *db, const gz_api_list_query *q, int limit,
                        const gz_api_cursor *after, json_t **items, gz_api_cursor *next,
                        gz_err *err);

/* One query per scope, all in one read snapshot, so a row moving between two scopes is
 * never met twice or missed (joins the caller's snapshot when it has one). */
int gz_api_scoped_items(gz_req *r, const gz_api_list_query *q, int limit,
                        const gz_api_cursor *after, json_t **items, gz_api_cursor *next,
                        gz_err *err)
{
	gz_db *db;
	if (!gz_auth_user(r, err) || !(db = gz_req_db(r, err)) || gz_db_begin_read(db, err) < 0)
		return -1;
	int rc = scoped_items(r, db, q, limit, after, items, next, err);
	gz_db_end_read(db);
	return rc;
}

static int scoped_items(gz_req *r, gz_db *db, const gz_api_list_query *q, int limit,
                        const gz_api_cursor *after, json_t **items, gz_api_cursor *next,
                        gz_err *err)
{
	const char *own[GZ_AUTH_MAX_GRANTS];
	const char *const *scopes = q->scopes;
	int ns = q->nscopes;
	if (!scopes) {
		ns = gz_auth_scopes(r, q->action, q->res, own, GZ_AUTH_MAX_GRANTS, err);
		if (ns < 0)
			return -1;
		scopes = own;
	}
	char after_code[SPACE_CODE_SIZE] = "";
	if (after->key && !q->sql_after && q->after_level &&
	    space_code_from_key(after->key, q->after_level, after_code) < 0) {
		gz_err_set(err, GZ_EBADREQ, "bad_query", "cursor 无效");
		gz_err_field(err, "cursor", "无效的分页游标");
		return -1;
	}
	row *rs =
	    gz_arena_alloc(&r->arena, sizeof *rs * (size_t)(ns ? ns : 1) * (size_t)(limit + 1));
	int n = 0;
	for (int s = 0; s < ns; s++) {
		char lo[GZ_SCOPE_MAX + 2], hi[GZ_SCOPE_MAX + 2];
		if (!gz_api_scope_range(scopes[s], q->filter, lo, hi))
			continue;
		int got;
		if (!q->sql_after) {
			got = run_part(r, db, q, q->sql, lo, hi, q->after_level ? after_code : NULL,
			               after->key, limit + 1, rs + n, err);
		} else {
			/* Where this range starts for the page: after the cursor when it lies in
			 * it. */
			const char *from = lo;
			int64_t from_id = 0;
			if (after->key && strcmp(after->grid, lo) >= 0) {
				if (strcmp(after->grid, hi) >= 0)
					continue; /* the whole range comes before the cursor */
				from = after->grid;
				from_id = after->key;
			}
			got = run_part(r, db, q, q->sql, from, hi, NULL, from_id, limit + 1, rs + n,
			               err);
			if (got >= 0 && got < limit + 1) {
				int more = run_part(r, db, q, q->sql_after, from, hi, NULL, 0,
				                    limit + 1 - got, rs + n + got, err);
				if (more < 0) {
					n += got;
					goto fail;
				}
				got += more;
			}
		}
		if (got < 0)
			goto fail;
		n += got;
	}
	qsort(rs, (size_t)n, sizeof *rs, cmp_row);
	/* A row met through two scopes is counted once. */
	int m = 0;
	for (int i = 0; i < n; i++) {
		if (m && !cmp_row(&rs[m - 1], &rs[i])) {
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
	memset(next, 0, sizeof *next);
	if (m > limit) {
		memcpy(next->grid, rs[limit - 1].grid, sizeof next->grid);
		next->key = rs[limit - 1].key;
	}
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
	gz_api_cursor after, next;
	json_t *items = NULL;
	gz_db *db = NULL;
	/* The page's extra rows (q->page) come from the same snapshot as the items. */
	if (gz_api_list_params(r, q->sql_after != NULL, &limit, &after, &err) < 0 ||
	    !gz_auth_user(r, &err) || !(db = gz_req_db(r, &err)) ||
	    gz_db_begin_read(db, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	if (gz_api_scoped_items(r, q, limit, &after, &items, &next, &err) < 0 ||
	    (q->page && q->page(db, items, &err) < 0)) {
		gz_db_end_read(db);
		json_decref(items);
		gz_reply_err(r, &err);
		return;
	}
	gz_db_end_read(db);
	gz_reply_json(r, 200, gz_api_list_json(r, items, &next));
}
