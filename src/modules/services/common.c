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
