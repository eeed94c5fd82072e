/* Small helpers the services handlers share (svc_internal.h). */
#include "modules/services/svc_internal.h"
#include "api/common.h"
#include "core/json.h"

#include <stdio.h>
#include <string.h>

json_t *svc_json_column(gz_stmt *st, int col)
{
	json_t *v = gz_stmt_isnull(st, col) ? NULL : json_loads(gz_stmt_text(st, col), 0, NULL);
	return v ? v : json_array();
}

static const char *const categories[][2] = {
    {"certificate", "证明开具"}, {"card", "证件办理"},     {"subsidy", "补贴申领"},
    {"assistance", "社会救助"},  {"registration", "登记"}, {"consultation", "政策咨询"},
};

const char *svc_category_label(const char *code)
{
	for (size_t i = 0; code && i < sizeof categories / sizeof categories[0]; i++)
		if (!strcmp(code, categories[i][0]))
			return categories[i][1];
	return NULL;
}

const char *svc_idstr(gz_arena *A, int64_t id)
{
	return gz_arena_printf(A, "%lld", (long long)id);
}

bool svc_near(const gz_actor *actor, const char *community)
{
	if (gz_actor_is_operator(actor))
		return true;
	for (int i = 0; i < actor->ngrants; i++) {
		const char *s = actor->grants[i].scope;
		if (policy_scope_contains(s, community) ||
		    (*s && policy_scope_contains(community, s)))
			return true;
	}
	return false;
}

int svc_near_scopes(const gz_actor *actor, gz_arena *A, const char **scopes)
{
	int n = 0;
	for (int i = 0; i < actor->ngrants; i++) {
		const char *s = actor->grants[i].scope;
		if (!strncmp(s, "org:", 4))
			continue;
		scopes[n++] = strlen(s) > 12 ? gz_arena_strndup(A, s, 12) : s;
	}
	if (gz_actor_is_operator(actor))
		scopes[n++] = "";
	return n;
}

void svc_reply_own(gz_req *r, const char *sql, svc_own_row_fn row, svc_own_page_fn page, void *ctx)
{
	gz_err err;
	gz_err_clear(&err);
	int limit;
	int64_t before, last = 0;
	gz_db *db = gz_req_db(r, &err);
	gz_stmt *st = NULL;
	if (gz_req_list_params(r, &limit, &before, &err) < 0 || !db ||
	    !(st = gz_db_prepare(db, sql, &err))) {
		gz_reply_err(r, &err);
		return;
	}
	gz_stmt_bind_int64(st, 1, gz_req_actor(r)->user_id);
	gz_stmt_bind_int64(st, 2, before);
	gz_stmt_bind_int64(st, 3, limit + 1);
	json_t *items = json_array();
	bool more = false;
	int rc;
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		if ((int)json_array_size(items) == limit) {
			more = true;
			break;
		}
		last = gz_stmt_int64(st, 0);
		json_array_append_new(items, row(r, st, ctx));
	}
	gz_stmt_finish(st);
	if (rc < 0 || (page && page(r, db, items, ctx, &err) < 0)) {
		json_decref(items);
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_json(r, 200, gz_list_json(r, items, more ? last : 0));
}
