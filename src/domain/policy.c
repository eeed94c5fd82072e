/* The one policy table and the scope rule (see policy.h). Pure: no I/O and no
 * allocation, except that a malformed row aborts at start-up.
 *
 * Every handler asks policy_allows() through gz_auth_check(); nothing else in the code
 * decides who may do what. docs/SECURITY.md shows this table to people; a unit test
 * (tests/unit/test_policy.c) keeps the two equal. */
#include "domain/policy.h"

#include <stdio.h>
#include <stdlib.h>
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

/* The policy table: one row per registered resource, one cell per role, four letters
 * for the actions read / write / admin / reveal (r w a v); a letter allows, '-'
 * refuses. The rows live with their modules (src/modules/NAME/module.c); the reasons
 * for each cell are written there. `gongzhi policy` prints the assembled table, and
 * docs/SECURITY.md holds that print (a test keeps them equal). */
_Static_assert(ACT__COUNT == 4, "a policy cell has one letter per action");

static const policy_resource_def *resources[POLICY_RESOURCES_MAX];
static int nresources;

static void policy_die(const char *why, const char *name)
{
	fprintf(stderr, "gongzhi: policy row '%s': %s\n", name ? name : "?", why);
	abort();
}

policy_resource policy_register(const policy_resource_def *def)
{
	static const char letters[ACT__COUNT] = {'r', 'w', 'a', 'v'};
	if (!def || !def->name || !*def->name)
		policy_die("no name", NULL);
	if (nresources == POLICY_RESOURCES_MAX)
		policy_die("too many resources (raise POLICY_RESOURCES_MAX)", def->name);
	if (policy_resource_parse(def->name) >= 0)
		policy_die("registered twice", def->name);
	for (int r = 0; r < ROLE__COUNT; r++) {
		const char *c = def->cells[r];
		if (!c || strlen(c) != ACT__COUNT)
			policy_die("every role needs a cell of four letters", def->name);
		for (int a = 0; a < ACT__COUNT; a++)
			if (c[a] != '-' && c[a] != letters[a])
				policy_die("cells are r w a v or '-', in that order", def->name);
	}
	resources[nresources] = def;
	return nresources++;
}

int policy_resource_count(void)
{
	return nresources;
}

int policy_resource_parse(const char *name)
{
	for (int i = 0; name && i < nresources; i++)
		if (!strcmp(resources[i]->name, name))
			return i;
	return -1;
}

const policy_resource_def *policy_resource_get(policy_resource res)
{
	return res >= 0 && res < nresources ? resources[res] : NULL;
}

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

/* snprintf into buf at *n, keeping *n the length the whole output needs. */
static void put(char *buf, size_t cap, size_t *n, const char *a, const char *b)
{
	int w = snprintf(*n < cap ? buf + *n : NULL, *n < cap ? cap - *n : 0, "%s%s", a, b);
	*n += w > 0 ? (size_t)w : 0;
}

size_t policy_table_markdown(char *buf, size_t cap)
{
	size_t n = 0;
	if (cap)
		buf[0] = '\0';
	put(buf, cap, &n, "| resource |", "");
	for (int r = 0; r < ROLE__COUNT; r++)
		put(buf, cap, &n, " ", roles[r].name), put(buf, cap, &n, " |", "");
	put(buf, cap, &n, "\n|---|", "");
	for (int r = 0; r < ROLE__COUNT; r++)
		put(buf, cap, &n, "---|", "");
	put(buf, cap, &n, "\n", "");
	for (int res = 0; res < nresources; res++) {
		put(buf, cap, &n, "| `", resources[res]->name);
		put(buf, cap, &n, "` ", resources[res]->label);
		put(buf, cap, &n, " |", "");
		for (int r = 0; r < ROLE__COUNT; r++)
			put(buf, cap, &n, " `", resources[res]->cells[r]),
			    put(buf, cap, &n, "` |", "");
		put(buf, cap, &n, "\n", "");
	}
	return n;
}

const char *policy_resource_name(policy_resource res)
{
	return res >= 0 && res < nresources ? resources[res]->name : "unknown";
}

bool policy_allows(policy_role r, policy_action a, policy_resource res)
{
	if ((unsigned)r >= ROLE__COUNT || (unsigned)a >= ACT__COUNT || res < 0 || res >= nresources)
		return false;
	return resources[res]->cells[r][a] != '-';
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

/* "org:" followed by one or more "<id>/" segments (ids without leading zeros). */
static bool org_scope_valid(const char *s)
{
	if (strncmp(s, "org:", 4) != 0)
		return false;
	s += 4;
	if (!*s)
		return false;
	while (*s) {
		size_t n = strspn(s, "0123456789");
		if (n == 0 || n > 18 || s[0] == '0' || s[n] != '/')
			return false;
		s += n + 1;
	}
	return true;
}

bool policy_scope_valid(const char *scope)
{
	if (!scope)
		return false;
	if (!strncmp(scope, "org:", 4))
		return org_scope_valid(scope) && strlen(scope) < 64;
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
	if (!strncmp(a, "org:", 4) && !strncmp(b, "org:", 4)) {
		/* Organisation codes: back to the last whole "<id>/" segment both share. */
		while (n > 4 && a[n - 1] != '/')
			n--;
		if (n <= 4 || n >= size)
			return;
		memcpy(buf, a, n);
		buf[n] = '\0';
		return;
	}
	if (!strncmp(a, "org:", 4) || !strncmp(b, "org:", 4))
		return; /* a place and an organisation share only the whole system */
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
	for (int res = 0; res < nresources; res++)
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
