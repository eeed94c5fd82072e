/* Case roles from grants (access.h). Pure. */
#include "modules/cases/access.h"

#include <string.h>

/* What a place grant adds, by role, when the role writes cases there. */
static const unsigned place_bits[ROLE__COUNT] = {
    [ROLE_COMMUNITY_STAFF] = CR_DISPATCHER,
    [ROLE_COMMUNITY_ADMIN] = CR_DISPATCHER | CR_APPROVER,
    [ROLE_STREET_SUPERVISOR] = CR_DISPATCHER | CR_APPROVER | CR_SUPERVISOR,
    [ROLE_SYSTEM_ADMIN] = CR_DISPATCHER | CR_APPROVER | CR_SUPERVISOR,
};

bool case_role_org_only(policy_role r)
{
	return r == ROLE_PROPERTY || r == ROLE_DEPARTMENT || r == ROLE_UNIT_CONTACT;
}

bool case_role_dispatches(policy_role r)
{
	return r >= 0 && r < ROLE__COUNT && (place_bits[r] & CR_DISPATCHER);
}

static bool is_org_scope(const char *s)
{
	return s && !strncmp(s, "org:", 4);
}

/* Does a grant at scope reach the place code (a prefix test; "" reaches all)? */
static bool reaches(const char *scope, const char *code)
{
	return code && *code && policy_scope_contains(scope, code);
}

case_access case_access_of(const case_grant *g, int n, const case_who *w, policy_resource res)
{
	case_access a = {0};
	char community[13] = "";
	if (w->grid && strlen(w->grid) >= 12)
		memcpy(community, w->grid, 12);
	if (w->is_reporter) {
		a.roles |= CR_REPORTER;
		a.read = a.sees_reporter = true;
	}
	if (w->is_handler) {
		a.roles |= CR_HANDLER;
		a.read = true;
	}
	bool reveal_right = false;
	for (int i = 0; i < n; i++) {
		policy_role r = g[i].role;
		const char *s = g[i].scope;
		bool rd = policy_allows(r, ACT_READ, res), wr = policy_allows(r, ACT_WRITE, res);
		bool rv = policy_allows(r, ACT_REVEAL, res);
		bool reached = false;
		if (!is_org_scope(s) && !case_role_org_only(r)) {
			/* A place grant. */
			if (reaches(s, w->grid)) {
				reached = true;
				a.read |= rd;
				if (wr) {
					a.roles |= place_bits[r];
					if (w->is_reporter && w->patrol && r == ROLE_GRID_WORKER)
						a.roles |= CR_PATROL;
				}
				/* Inside the registering community (or above it). */
				if (rd && (policy_scope_contains(s, community) ||
				           policy_scope_contains(community, s)))
					a.sees_reporter = true;
			}
			if (wr && w->handler_scope && !is_org_scope(w->handler_scope) &&
			    reaches(s, w->handler_scope))
				a.roles |= CR_HANDLER, reached = true;
			if (wr && (place_bits[r] & CR_SUPERVISOR) && w->escalation_scope &&
			    !is_org_scope(w->escalation_scope) && reaches(s, w->escalation_scope))
				a.roles |= CR_ESCALATEE, reached = true;
		}
		/* Organisations (a grant at "" reaches them too). */
		if (is_org_scope(s) || !*s) {
			if (is_org_scope(w->handler_scope) && reaches(s, w->handler_scope)) {
				reached = true;
				if (wr)
					a.roles |= CR_HANDLER;
			}
			if (is_org_scope(w->escalation_scope) && reaches(s, w->escalation_scope)) {
				reached = true;
				if (wr)
					a.roles |= CR_ESCALATEE;
			}
			for (int p = 0; p < w->nparties; p++)
				if (reaches(s, w->parties[p]))
					reached = true;
			if (reached)
				a.read |= rd;
		}
		if (reached && rd)
			a.staff = true;
		if (reached && rv)
			reveal_right = true;
	}
	if (a.roles & ~(CR_REPORTER | CR_PATROL))
		a.read = true; /* whoever acts on a case reads it */
	if (!w->anonymous && a.read)
		a.sees_reporter = true;
	a.reveal = a.sees_reporter && reveal_right;
	return a;
}

void case_list_scopes(const case_grant *g, int n, policy_action action, policy_resource res,
                      const char **place, int *nplace, const char **org, int *norg, int max)
{
	*nplace = *norg = 0;
	for (int i = 0; i < n; i++) {
		if (!policy_allows(g[i].role, action, res))
			continue;
		if (is_org_scope(g[i].scope)) {
			if (*norg < max)
				org[(*norg)++] = g[i].scope;
			continue;
		}
		if (!case_role_org_only(g[i].role)) {
			/* ("" reaches every case by its place already.) */
			if (*nplace < max)
				place[(*nplace)++] = g[i].scope;
		} else if (!*g[i].scope && *norg < max) {
			org[(*norg)++] = g[i].scope; /* "" reaches every organisation */
		}
	}
}

int case_may_register(const case_grant *g, int n, const char *grid, policy_resource res,
                      bool *grid_worker)
{
	int status = 404;
	*grid_worker = false;
	for (int i = 0; i < n; i++) {
		if (is_org_scope(g[i].scope) || case_role_org_only(g[i].role) ||
		    !reaches(g[i].scope, grid))
			continue;
		if (!policy_allows(g[i].role, ACT_WRITE, res)) {
			status = status == 0 ? 0 : 403;
			continue;
		}
		status = 0;
		if (g[i].role == ROLE_GRID_WORKER)
			*grid_worker = true;
	}
	return status;
}
