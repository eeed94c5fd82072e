/* Who is who on a case: the case roles (rules.h CR_*) an account holds on one case, and
 * what it may see of it, worked out from the account's grants (role + scope) and the
 * case's places. Pure (the policy table is consulted, nothing else); docs/CASES.md,
 * "Who is who on a case", is the long form.
 *
 *   place grants (a space code, or "" the whole system) reach the cases of the places
 *   inside them: read and write as the policy table's `case` row says; community staff
 *   dispatch (CR_DISPATCHER), the community secretary also approves extensions
 *   (CR_APPROVER), the street also blows the whistle (CR_SUPERVISOR) and takes what is
 *   escalated to the street (CR_ESCALATEE);
 *   organisation grants ("org:<id>/") reach the cases dispatched or escalated to that
 *   organisation (CR_HANDLER, CR_ESCALATEE), and keep reading them afterwards;
 *   物业, 职能部门 and 共建单位 (property, department, unit_contact) reach cases only
 *   through organisation grants: their place grants (the place they serve) give none;
 *   the reporter reads their own case (CR_REPORTER; CR_PATROL for a grid worker's own
 *   patrol case in their grid), the person it is dispatched to handles it. */
#ifndef GZ_MODULES_CASES_ACCESS_H
#define GZ_MODULES_CASES_ACCESS_H

#include "domain/policy.h"
#include "modules/cases/rules.h"

#include <stdbool.h>

typedef struct {
	policy_role role;
	const char *scope;
} case_grant;

/* The places of one case, and the actor's personal links to it. */
typedef struct {
	const char *grid;             /* the case's grid code */
	const char *handler_scope;    /* "org:<id>/", a grid code (属地), or NULL */
	const char *escalation_scope; /* "org:<id>/", a street code, or NULL */
	const char *const *parties;   /* scopes that held it before (case_parties) */
	int nparties;
	bool anonymous;   /* the reporter asked to stay anonymous */
	bool patrol;      /* source patrol */
	bool is_reporter; /* the actor reported it */
	bool is_handler;  /* the actor is the person it is dispatched to */
} case_who;

typedef struct {
	unsigned roles;     /* CR_* */
	bool read;          /* may see the case at all (else: 404) */
	bool sees_reporter; /* sees the reporter's name and (masked) phone */
	bool reveal;        /* may see the reporter's phone in full (audited) */
	bool staff;         /* reads it through a grant (not only as reporter or person) */
} case_access;

/* Only through organisation grants (property, department, unit_contact)? */
bool case_role_org_only(policy_role r);

/* Does a place grant of role r accept and dispatch the cases of its place (受理、派遣:
 * community staff and admins, the street, the system)? */
bool case_role_dispatches(policy_role r);

/* The access of an account holding grants[0..n) to the case w, against the policy
 * table's resource res (the cases module's `case`). */
case_access case_access_of(const case_grant *grants, int n, const case_who *w, policy_resource res);

/* May an account holding grants[0..n) register a case (hotline, patrol, assigned) in
 * grid? Only through a place grant reaching it whose role writes cases (so not as 物业,
 * 职能部门 or 共建单位). Returns 0; 404 when no place grant reaches the grid (as for
 * every record out of scope); 403 when one does but its role may not write. Sets
 * *grid_worker when a grid worker's grant allows it (a patrol may be self-handled). */
int case_may_register(const case_grant *grants, int n, const char *grid, policy_resource res,
                      bool *grid_worker);

/* The scopes a list of cases runs over for an account: place scopes (searched by the
 * case's grid) and organisation scopes (searched through case_parties), for action on
 * res. Writes at most max of each; returns 0 and sets *nplace, *norg. Nested scopes are
 * kept (the list engine counts a case met twice once). */
void case_list_scopes(const case_grant *grants, int n, policy_action action, policy_resource res,
                      const char **place, int *nplace, const char **org, int *norg, int max);

#endif
