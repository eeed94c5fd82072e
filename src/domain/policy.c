/* The one policy table and the scope rule (see policy.h). Pure: no I/O, no allocation.
 *
 * Every handler asks policy_allows() through gz_auth_check(); nothing else in the code
 * decides who may do what. docs/SECURITY.md shows this table to people; a unit test
 * (tests/unit/test_policy.c) keeps the two in step on the cells that matter. */
#include "domain/policy.h"

#include <string.h>

static const struct {
	const char *name, *label;
} roles[ROLE__COUNT] = {
    [ROLE_RESIDENT] = {"resident", "居民"},
    [ROLE_GRID_WORKER] = {"grid_worker", "网格员"},
    [ROLE_PARTY_MEMBER] = {"party_member", "党员"},
    [ROLE_VOLUNTEER] = {"volunteer", "志愿者"},
    [ROLE_COMMUNITY_STAFF] = {"community_staff", "社区工作者"},
    [ROLE_COMMUNITY_ADMIN] = {"community_admin", "社区书记"},
    [ROLE_UNIT_CONTACT] = {"unit_contact", "共建单位联络人"},
    [ROLE_PROPERTY] = {"property", "物业"},
    [ROLE_DEPARTMENT] = {"department", "职能部门"},
    [ROLE_STREET_SUPERVISOR] = {"street_supervisor", "街道管理员"},
    [ROLE_SYSTEM_ADMIN] = {"system_admin", "系统管理员"},
};

/* The policy table: one cell per (role, resource), four letters for the actions
 * read / write / admin / reveal (r w a v); a letter allows, '-' refuses. A grant binds a
 * role to a scope, so every cell holds only inside that grant's scope.
 *
 * The audit log is append-only: no role has write or admin on it, because no API
 * writes it directly (rows are added by the server, in the transaction of the change
 * they record).
 *
 * Reveal exists only on residents (personal data, 个人信息保护法 "minimum necessary"):
 * it is held by the roles whose casework needs a phone or an ID number — the grid
 * worker visiting, community staff handling applications, the street office reviewing
 * them (社会救助暂行办法 art. 11: 街道办事处 investigates and reviews 低保 applications)
 * — and by system_admin, which must hold every right it hands out (policy_can_delegate).
 * Holding reveal shows nothing by itself: responses are masked until a request asks
 * (?reveal=), and each such request is audited. */
_Static_assert(ACT__COUNT == 4, "a policy cell has one letter per action");

/* clang-format off */
static const char *const table[ROLE__COUNT][RES__COUNT] = {
	/*                            SPACE   ACCOUNT AUDIT   PROBE   RESIDENT */

	/* Residents see the community and grid they live in; they change nothing there.
	 * Their own resident record is theirs by account link (gz_auth_self), not by
	 * this table: the grant gives them nobody else's. */
	[ROLE_RESIDENT]          = { "r---", "----", "----", "----", "----" },

	/* Grid workers walk their grid and keep its buildings and names up to date; they
	 * keep its register of residents and visit them (reveal for casework). */
	[ROLE_GRID_WORKER]       = { "rw--", "----", "----", "----", "rw-v" },

	/* Party members, volunteers, co-building unit contacts, property companies and
	 * departments need to know the place they serve; the space tree is not theirs to
	 * change. Their own work (orders, cases, activities) comes with later issues.
	 * None needs the register of residents: what they need of a person comes with the
	 * order or case they take. */
	[ROLE_PARTY_MEMBER]      = { "r---", "----", "----", "----", "----" },
	[ROLE_VOLUNTEER]         = { "r---", "----", "----", "----", "----" },
	[ROLE_UNIT_CONTACT]      = { "r---", "----", "----", "----", "----" },
	[ROLE_PROPERTY]          = { "r---", "----", "----", "----", "----" },
	[ROLE_DEPARTMENT]        = { "r---", "----", "----", "----", "----" },

	/* Community staff keep the community's space data (buildings, names) and its
	 * register of residents, and handle applications (reveal). */
	[ROLE_COMMUNITY_STAFF]   = { "rw--", "----", "----", "----", "rw-v" },

	/* The community secretary runs the community: its space data (but not the grid
	 * layout, which the street decides: no space admin), its accounts and grants, and
	 * reads the community's audit trail and the storage probes; the register as staff. */
	[ROLE_COMMUNITY_ADMIN]   = { "rw--", "rwa-", "r---", "r---", "rw-v" },

	/* The street supervises its communities: it lays out grids (space admin, e.g.
	 * grid import), manages accounts across the street and reads its audit trail; it
	 * reviews applications (reveal) and appoints the staff who keep the register. */
	[ROLE_STREET_SUPERVISOR] = { "rwa-", "rwa-", "r---", "r---", "rw-v" },

	/* System administrators may do everything that exists, within their scope
	 * (normally "" = the whole system); only they write storage probes and define
	 * resident tags (resident admin at ""). */
	[ROLE_SYSTEM_ADMIN]      = { "rwa-", "rwa-", "r---", "rwa-", "rwav" },
};
/* clang-format on */

const char *policy_role_name(policy_role r)
{
	return (unsigned)r < ROLE__COUNT ? roles[r].name : "unknown";
}

int policy_role_parse(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < ROLE__COUNT; i++)
		if (!strcmp(roles[i].name, name))
			return i;
	return -1;
}

const char *policy_role_label(policy_role r)
{
	return (unsigned)r < ROLE__COUNT ? roles[r].label : "未知角色";
}

const char *policy_action_name(policy_action a)
{
	static const char *const names[ACT__COUNT] = {"read", "write", "admin", "reveal"};
	return (unsigned)a < ACT__COUNT ? names[a] : "unknown";
}

const char *policy_resource_name(policy_resource res)
{
	static const char *const names[RES__COUNT] = {"space", "account", "audit", "probe",
	                                              "resident"};
	return (unsigned)res < RES__COUNT ? names[res] : "unknown";
}

bool policy_allows(policy_role r, policy_action a, policy_resource res)
{
	if ((unsigned)r >= ROLE__COUNT || (unsigned)a >= ACT__COUNT || (unsigned)res >= RES__COUNT)
		return false;
	return table[r][res][a] != '-';
}

bool policy_scope_contains(const char *scope, const char *code)
{
	if (!scope)
		return false;
	if (!*scope)
		return true;
	if (!code)
		return false;
	return strncmp(code, scope, strlen(scope)) == 0;
}

void policy_scope_upper(const char *scope, char *buf, size_t size)
{
	if (!size)
		return;
	size_t n = scope ? strlen(scope) : 0;
	if (n + 2 > size) {
		/* Too long for buf: "" as the upper bound matches nothing, which is safe;
		 * a truncated scope would widen the range. */
		buf[0] = '\0';
		return;
	}
	if (n)
		memcpy(buf, scope, n);
	buf[n] = '~';
	buf[n + 1] = '\0';
}

bool policy_scope_valid(const char *scope)
{
	if (!scope)
		return false;
	size_t n = 0;
	for (; scope[n]; n++)
		if (scope[n] < '0' || scope[n] > '9')
			return false;
	return n == 0 || n == 6 || n == 9 || n == 12 || n == 15;
}

void policy_scope_common(const char *a, const char *b, char *buf, size_t size)
{
	static const size_t bounds[] = {15, 12, 9, 6};
	if (!size)
		return;
	buf[0] = '\0';
	if (!a || !b)
		return;
	size_t n = 0;
	while (a[n] && a[n] == b[n])
		n++;
	size_t keep = 0;
	if (!a[n] && !b[n]) {
		keep = n; /* equal */
	} else {
		for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++)
			if (bounds[i] <= n) {
				keep = bounds[i];
				break;
			}
	}
	if (keep >= size)
		return; /* cannot hold it: "" is the safe answer (only whole-system readers) */
	memcpy(buf, a, keep);
	buf[keep] = '\0';
}

bool policy_can_delegate(const policy_role *held, int n, policy_role r)
{
	if ((unsigned)r >= ROLE__COUNT)
		return false;
	for (int res = 0; res < RES__COUNT; res++)
		for (int a = 0; a < ACT__COUNT; a++) {
			if (!policy_allows(r, (policy_action)a, (policy_resource)res))
				continue;
			bool have = false;
			for (int i = 0; i < n && !have; i++)
				have =
				    policy_allows(held[i], (policy_action)a, (policy_resource)res);
			if (!have)
				return false;
		}
	return true;
}
