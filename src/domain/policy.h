/* Who may do what: the one policy table mapping (role, action, resource) to allowed,
 * and the scope rule. Pure logic, no I/O.
 *
 * Scopes are nodes of the space tree named by their code. Codes are materialised paths:
 * a grid code (15 digits) starts with its community code (12), which starts with its
 * street code (9), which starts with the county code (6). So "record inside scope" is a
 * prefix test, indexed in SQL as  code >= scope AND code < scope || '~'  (see
 * policy_scope_upper()). The empty scope "" is the whole system (system_admin).
 * Organisation scopes (later issue) will be written "org:<id>". */
#ifndef GZ_DOMAIN_POLICY_H
#define GZ_DOMAIN_POLICY_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
	ROLE_RESIDENT,
	ROLE_GRID_WORKER,
	ROLE_PARTY_MEMBER,
	ROLE_VOLUNTEER,
	ROLE_COMMUNITY_STAFF,
	ROLE_COMMUNITY_ADMIN,
	ROLE_UNIT_CONTACT,
	ROLE_PROPERTY,
	ROLE_DEPARTMENT,
	ROLE_STREET_SUPERVISOR,
	ROLE_SYSTEM_ADMIN,
	ROLE__COUNT
} policy_role;

typedef enum {
	ACT_READ,  /* see records */
	ACT_WRITE, /* create / change records */
	ACT_ADMIN, /* structural changes: grid import, accounts and grants */
	ACT__COUNT
} policy_action;

typedef enum {
	RES_SPACE,    /* streets, communities, grids, buildings */
	RES_ACCOUNT,  /* users and their grants */
	RES_AUDIT,    /* the audit log */
	RES_PROBE,    /* storage probes (operations) */
	RES__COUNT
} policy_resource;

/* "grid_worker" etc. */
const char *policy_role_name(policy_role r);
/* Returns the role for a name, or -1. */
int policy_role_parse(const char *name);
/* Chinese label for the UI, e.g. "网格员". */
const char *policy_role_label(policy_role r);

/* The policy table. */
bool policy_allows(policy_role r, policy_action a, policy_resource res);

/* True if code lies inside scope (prefix test; "" contains everything). */
bool policy_scope_contains(const char *scope, const char *code);

/* Writes the exclusive upper bound for the SQL range test of scope into buf
 * (scope followed by '~', which sorts after every digit and letter). */
void policy_scope_upper(const char *scope, char *buf, size_t size);

#endif
