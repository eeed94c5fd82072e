/* Who may do what: the one policy table mapping (role, action, resource) to allowed,
 * and the scope rule. Pure logic, no I/O.
 *
 * Scopes are nodes of the space tree named by their code. Codes are materialised paths:
 * a grid code (15 digits) starts with its community code (12), which starts with its
 * street code (9), which starts with the county code (6). So "record inside scope" is a
 * prefix test, indexed in SQL as  code >= scope AND code < scope || '~'  (see
 * policy_scope_upper()). The empty scope "" is the whole system (system_admin).
 *
 * Organisation scopes are written "org:<id>/" (a sub-organisation "org:<id>/<id>/"),
 * so the same prefix test and SQL range hold: "org:12/" contains "org:12/" and
 * "org:12/7/" but not "org:123/". A record that belongs to an organisation rather than
 * a place (a department's case, a volunteer team's activity) carries its org code as
 * its scope code; a grant at an organisation scope then reaches those records across
 * grids and nothing of the space tree. */
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
	/* Added with the people issue: see personal data in full (phone, ID number, birth
	 * date, sensitive tags) and find residents by them; every use is audited. Held
	 * only where casework needs it (docs/SECURITY.md, "Personal data"). */
	ACT_REVEAL,
	ACT__COUNT
} policy_action;

/* A resource is what a module protects (its records); modules register theirs at
 * start-up (policy_register), so the table is assembled from the modules' rows and
 * adding a capability touches no shared list. Its id is an index in registration order. */
typedef int policy_resource;

#define POLICY_RESOURCES_MAX 64

typedef struct policy_resource_def {
	const char *name;  /* "resident": logs, errors, /me permissions, SECURITY.md */
	const char *label; /* "居民": the Chinese name */
	/* One cell per role, four letters for read / write / admin / reveal (r w a v), '-'
	 * refusing; a grant binds a role to a scope, so every cell holds only inside it. */
	const char *cells[ROLE__COUNT];
} policy_resource_def;

/* Adds a resource to the table and returns its id. Start-up only (not thread-safe).
 * Aborts on a malformed row, a duplicate name or more than POLICY_RESOURCES_MAX
 * resources: those are programming errors. def must outlive the process. */
policy_resource policy_register(const policy_resource_def *def);
/* Number of registered resources; ids are 0 .. count-1. */
int policy_resource_count(void);
/* The id of a resource by name, or -1. */
int policy_resource_parse(const char *name);
/* The registered row of a resource, or NULL. */
const policy_resource_def *policy_resource_get(policy_resource res);
/* The whole table as Markdown (one row per resource, one column per role), as
 * docs/SECURITY.md shows it and `gongzhi policy` prints it. Writes at most cap bytes
 * (NUL included) and returns the length the whole table needs. */
size_t policy_table_markdown(char *buf, size_t cap);

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

/* Added with the accounts issue. */

/* True if scope may be granted: "" (whole system), a space code of 6, 9, 12 or 15
 * digits (county, street, community, grid), or an organisation scope "org:<id>/" (ids
 * of 1..18 digits without leading zeros, nested segments allowed, under 64 bytes). */
bool policy_scope_valid(const char *scope);

/* The smallest node containing both a and b, written into buf (16 bytes hold any
 * space code): their common prefix cut back to a node boundary (0, 6, 9, 12 or 15 digits;
 * for two organisation codes, the last shared "<id>/" segment; a place and an
 * organisation share only "").
 * Used to give a record touching several scopes (a user with several grants) one
 * audit scope. */
void policy_scope_common(const char *a, const char *b, char *buf, size_t size);

/* May someone holding the roles held[0..n) at a scope grant role r at that scope?
 * Only if every (action, resource) that r allows is allowed by one of the held roles:
 * nobody hands out more than they have (a community_admin cannot make a
 * system_admin of their own community and so gain grid import). */
bool policy_can_delegate(const policy_role *held, int n, policy_role r);

/* Short names for logs and errors: "read", "write", "admin", "reveal"; a resource's
 * registered name ("unknown" for an id nobody registered). */
const char *policy_action_name(policy_action a);
const char *policy_resource_name(policy_resource res);

#endif
