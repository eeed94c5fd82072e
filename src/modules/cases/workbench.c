/* What cases give the workbench (modules/module.h, todos): the reports waiting to be
 * accepted and the open cases past a deadline in the places the actor dispatches for, and
 * the cases dispatched to the actor in person that wait for them. Counted inside the
 * actor's own grants, grid by grid over cases_grid_state (grid_code, state, id), each
 * place up to 1,000 (beyond, the count says "at least"). Reads only. */
#include "modules/cases/cases_internal.h"
#include "api/list.h"
#include "core/time.h"
#include "modules/cases/access.h"
#include "modules/module.h"

#include <stdio.h>
#include <string.h>

/* The place scopes where the actor accepts and dispatches cases (case_role_dispatches,
 * with case write); 0 when none. */
static int dispatch_scopes(const gz_actor *a, const char **out)
{
	int n = 0;
	if (a->kind == GZ_ACTOR_OPERATOR)
		return 0; /* the command line has no workbench */
	for (int i = 0; i < a->ngrants && n < GZ_AUTH_MAX_GRANTS; i++) {
		const gz_grant *g = &a->grants[i];
		if (case_role_dispatches(g->role) && policy_allows(g->role, ACT_WRITE, RES_CASE) &&
		    strncmp(g->scope, "org:", 4) != 0)
			out[n++] = g->scope;
	}
	return n;
}

/* To-do: reports waiting to be accepted (待受理) where the actor dispatches. */
static int accept_todo(gz_db *db, const gz_actor *a, int64_t *count, gz_err *err)
{
	const char *scopes[GZ_AUTH_MAX_GRANTS];
	int n = dispatch_scopes(a, scopes);
	if (!n)
		return 0;
	*count = 0;
	return gz_api_sum_scopes(db, scopes, n,
	                         "SELECT COUNT(*) FROM (SELECT 1 FROM grids g CROSS JOIN cases c "
	                         "WHERE g.code >= $1 AND g.code < $2 AND c.grid_code = g.code AND "
	                         "c.state = 'reported' LIMIT 1000) x",
	                         NULL, count, err) < 0
	           ? -1
	           : 1;
}

/* To-do: open cases whose current step is past its deadline (逾期: marked by the deadline
 * job, or past it already — the list's ?overdue=1), where the actor dispatches. */
static int overdue_todo(gz_db *db, const gz_actor *a, int64_t *count, gz_err *err)
{
	const char *scopes[GZ_AUTH_MAX_GRANTS];
	int n = dispatch_scopes(a, scopes);
	if (!n)
		return 0;
	char now[24]; /* $3, as text */
	snprintf(now, sizeof now, "%lld", (long long)gz_time_now_ms());
	*count = 0;
	return gz_api_sum_scopes(
	           db, scopes, n,
	           "SELECT COUNT(*) FROM (SELECT 1 FROM grids g CROSS JOIN cases c WHERE "
	           "g.code >= $1 AND g.code < $2 AND c.grid_code = g.code AND c.state IN "
	           "('reported', 'accepted', 'dispatched', 'signed', 'extension_requested', "
	           "'escalated', 'handled', 'verified') AND (c.overdue = 1 OR c.step_due_at < "
	           "CAST($3 AS BIGINT)) LIMIT 1000) x",
	           now, count, err) < 0
	           ? -1
	           : 1;
}

/* To-do: cases dispatched to the actor in person, waiting to be signed for or handled
 * (待签收、待处置) — whatever their role: the dispatch named them. */
static int mine_todo(gz_db *db, const gz_actor *a, int64_t *count, gz_err *err)
{
	if (a->kind == GZ_ACTOR_OPERATOR || !a->user_id)
		return 0;
	int rc =
	    gz_db_query_int64(db,
	                      "SELECT COUNT(*) FROM (SELECT 1 FROM cases WHERE handler_user_id "
	                      "= $1 AND state IN ('dispatched', 'signed') LIMIT 1000) x",
	                      count, err, 1, (int64_t)a->user_id);
	if (rc < 0)
		return -1;
	/* Only for those who may ever be dispatched to: anyone writing cases somewhere. */
	for (int i = 0; i < a->ngrants; i++)
		if (policy_allows(a->grants[i].role, ACT_WRITE, RES_CASE))
			return 1;
	return *count > 0 ? 1 : 0;
}

const gz_module_todo gz_cases_todos[] = {
    {"cases.accept", "待受理的诉求", "/cases?state=reported", accept_todo},
    {"cases.overdue", "已逾期的诉求", "/cases?overdue=1", overdue_todo},
    {"cases.assigned", "派给我待处置的工单", "/cases?assignee=me", mine_todo},
    {0},
};
