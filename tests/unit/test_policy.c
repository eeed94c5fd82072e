/* Unit tests for domain/policy.c: the policy table, role names, and the scope rule. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "domain/policy.h"
#include "modules/accounts/accounts.h"
#include "modules/module.h"
#include "modules/people/people.h"
#include "modules/space/space.h"
#include "modules/system/system.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_role_names_round_trip(void **state)
{
	(void)state;
	for (int r = 0; r < ROLE__COUNT; r++) {
		const char *name = policy_role_name((policy_role)r);
		assert_non_null(name);
		assert_int_equal(policy_role_parse(name), r);
		const char *label = policy_role_label((policy_role)r);
		assert_non_null(label);
		assert_true(strlen(label) > 0);
		/* Labels are Chinese: every one starts with a multi-byte UTF-8 character. */
		assert_true((unsigned char)label[0] >= 0xe0);
		for (int o = 0; o < r; o++)
			assert_string_not_equal(name, policy_role_name((policy_role)o));
	}
}

static void test_role_parse_rejects_unknown_and_near_misses(void **state)
{
	(void)state;
	assert_int_equal(policy_role_parse(NULL), -1);
	assert_int_equal(policy_role_parse(""), -1);
	assert_int_equal(policy_role_parse("System_Admin"), -1);
	assert_int_equal(policy_role_parse("system_admin "), -1);
	assert_int_equal(policy_role_parse("admin"), -1);
	assert_string_equal(policy_role_name((policy_role)ROLE__COUNT), "unknown");
	assert_string_equal(policy_role_name((policy_role)-1), "unknown");
}

static void test_spec_roles_all_present(void **state)
{
	(void)state;
	static const char *const spec[] = {
	    "resident",        "grid_worker",       "party_member", "volunteer",
	    "community_staff", "community_admin",   "unit_contact", "property",
	    "department",      "street_supervisor", "system_admin",
	};
	assert_int_equal(sizeof spec / sizeof spec[0], ROLE__COUNT);
	for (size_t i = 0; i < sizeof spec / sizeof spec[0]; i++)
		assert_true(policy_role_parse(spec[i]) >= 0);
}

static void test_system_admin_reads_and_writes_everything_but_audit_writes(void **state)
{
	(void)state;
	for (int res = 0; res < policy_resource_count(); res++) {
		assert_true(policy_allows(ROLE_SYSTEM_ADMIN, ACT_READ, (policy_resource)res));
		if (res == RES_AUDIT)
			continue;
		assert_true(policy_allows(ROLE_SYSTEM_ADMIN, ACT_WRITE, (policy_resource)res));
		assert_true(policy_allows(ROLE_SYSTEM_ADMIN, ACT_ADMIN, (policy_resource)res));
	}
}

static void test_audit_log_is_append_only_for_every_role(void **state)
{
	(void)state;
	for (int r = 0; r < ROLE__COUNT; r++) {
		assert_false(policy_allows((policy_role)r, ACT_WRITE, RES_AUDIT));
		assert_false(policy_allows((policy_role)r, ACT_ADMIN, RES_AUDIT));
	}
}

/* The table as docs/SECURITY.md shows it, between its markers, is exactly what the
 * modules register. Changing the policy means changing both, on purpose. */
static void test_table_matches_documented_policy(void **state)
{
	(void)state;
	FILE *f = fopen(GZ_SOURCE_DIR "/docs/SECURITY.md", "rb");
	assert_non_null(f);
	static char doc[1 << 17];
	size_t n = fread(doc, 1, sizeof doc - 1, f);
	fclose(f);
	doc[n] = '\0';
	const char *begin = strstr(doc, "<!-- policy table:");
	const char *end = begin ? strstr(begin, "<!-- end of policy table -->") : NULL;
	assert_non_null(begin);
	assert_non_null(end);
	begin = strchr(begin, '\n') + 1;
	char want[8192];
	size_t len = policy_table_markdown(want, sizeof want);
	assert_true(len < sizeof want);
	if ((size_t)(end - begin) != len || memcmp(begin, want, len) != 0)
		fail_msg("docs/SECURITY.md's policy table differs from `gongzhi policy`:\n%s",
		         want);
	/* Every role column and every registered resource row is there. */
	/* The core's five, and whatever the capability modules add. */
	assert_true(policy_resource_count() >= 5);
	assert_int_equal(policy_resource_parse("resident"), RES_RESIDENT);
	assert_int_equal(policy_resource_parse("nothing"), -1);
}

static void test_grid_import_only_street_and_system(void **state)
{
	(void)state;
	for (int r = 0; r < ROLE__COUNT; r++)
		assert_int_equal(policy_allows((policy_role)r, ACT_ADMIN, RES_SPACE),
		                 r == ROLE_STREET_SUPERVISOR || r == ROLE_SYSTEM_ADMIN);
}

static void test_probe_writes_only_system_admin(void **state)
{
	(void)state;
	for (int r = 0; r < ROLE__COUNT; r++)
		assert_int_equal(policy_allows((policy_role)r, ACT_WRITE, RES_PROBE),
		                 r == ROLE_SYSTEM_ADMIN);
}

static void test_write_implies_read(void **state)
{
	(void)state;
	for (int r = 0; r < ROLE__COUNT; r++)
		for (int res = 0; res < policy_resource_count(); res++)
			if (policy_allows((policy_role)r, ACT_WRITE, (policy_resource)res) ||
			    policy_allows((policy_role)r, ACT_ADMIN, (policy_resource)res))
				assert_true(
				    policy_allows((policy_role)r, ACT_READ, (policy_resource)res));
}

static void test_allows_out_of_range_is_refused(void **state)
{
	(void)state;
	assert_false(policy_allows((policy_role)ROLE__COUNT, ACT_READ, RES_SPACE));
	assert_false(policy_allows((policy_role)-1, ACT_READ, RES_SPACE));
	assert_false(policy_allows(ROLE_SYSTEM_ADMIN, (policy_action)ACT__COUNT, RES_SPACE));
	assert_false(
	    policy_allows(ROLE_SYSTEM_ADMIN, ACT_READ, (policy_resource)policy_resource_count()));
}

static void test_scope_empty_contains_everything(void **state)
{
	(void)state;
	assert_true(policy_scope_contains("", ""));
	assert_true(policy_scope_contains("", "110105"));
	assert_true(policy_scope_contains("", "110105001001001"));
	assert_true(policy_scope_contains("", NULL));
}

static void test_scope_prefix_rule(void **state)
{
	(void)state;
	/* A street contains its communities and grids, and itself. */
	assert_true(policy_scope_contains("110105001", "110105001"));
	assert_true(policy_scope_contains("110105001", "110105001001"));
	assert_true(policy_scope_contains("110105001", "110105001001003"));
	assert_true(policy_scope_contains("110105001", "1101050010"));
	/* ... but not its siblings, its parent, or the whole system. */
	assert_false(policy_scope_contains("110105001", "110105002001"));
	assert_false(policy_scope_contains("110105001", "110105"));
	assert_false(policy_scope_contains("110105001", "11010500"));
	assert_false(policy_scope_contains("110105001", ""));
	assert_false(policy_scope_contains("110105001", NULL));
	assert_false(policy_scope_contains("110105001001", "110105001"));
	assert_false(policy_scope_contains("110105001001", "110105001002001"));
	assert_false(policy_scope_contains(NULL, "110105001"));
}

static void test_scope_upper_bounds_the_sql_range(void **state)
{
	(void)state;
	char buf[32];
	policy_scope_upper("110105001", buf, sizeof buf);
	assert_string_equal(buf, "110105001~");
	/* Every code inside sorts in [scope, upper); the next sibling does not. */
	assert_true(strcmp("110105001999999", buf) < 0);
	assert_true(strcmp("110105001", buf) < 0);
	assert_true(strcmp("110105002", buf) > 0);
	assert_true(strcmp("1101050010", "110105001") >= 0);
	policy_scope_upper("", buf, sizeof buf);
	assert_string_equal(buf, "~");
	assert_true(strcmp("999999999999999", buf) < 0);
	/* Too small a buffer must never widen the range: it becomes empty. */
	char tiny[6];
	policy_scope_upper("110105001", tiny, sizeof tiny);
	assert_string_equal(tiny, "");
	policy_scope_upper("1101", tiny, sizeof tiny);
	assert_string_equal(tiny, "1101~");
}

static void test_scope_valid(void **state)
{
	(void)state;
	assert_true(policy_scope_valid(""));
	assert_true(policy_scope_valid("110105"));
	assert_true(policy_scope_valid("110105001"));
	assert_true(policy_scope_valid("110105001001"));
	assert_true(policy_scope_valid("110105001001001"));
	assert_false(policy_scope_valid(NULL));
	assert_false(policy_scope_valid("11010"));
	assert_false(policy_scope_valid("1101050"));
	assert_false(policy_scope_valid("11010500100"));
	assert_false(policy_scope_valid("1101050010010010"));
	assert_false(policy_scope_valid("11010500100a"));
	assert_false(policy_scope_valid("110105001~"));
	assert_false(policy_scope_valid(" 110105"));
	/* Organisation scopes: "org:<id>/", nested segments allowed. */
	assert_true(policy_scope_valid("org:1/"));
	assert_true(policy_scope_valid("org:12/7/"));
	assert_false(policy_scope_valid("org:1"));
	assert_false(policy_scope_valid("org:"));
	assert_false(policy_scope_valid("org:/"));
	assert_false(policy_scope_valid("org:01/"));
	assert_false(policy_scope_valid("org:1//"));
	assert_false(policy_scope_valid("org:1/x/"));
	assert_false(policy_scope_valid("org:1234567890123456789/"));
}

/* An organisation scope reaches its records and its sub-organisations' across grids,
 * never another organisation's (org:12 is not a prefix of org:123) or a place. */
static void test_org_scopes_contain_by_segment(void **state)
{
	(void)state;
	assert_true(policy_scope_contains("org:12/", "org:12/"));
	assert_true(policy_scope_contains("org:12/", "org:12/7/"));
	assert_false(policy_scope_contains("org:12/", "org:123/"));
	assert_false(policy_scope_contains("org:12/", "110105001001001"));
	assert_false(policy_scope_contains("110105", "org:12/"));
	assert_true(policy_scope_contains("", "org:12/"));
	char up[32];
	policy_scope_upper("org:12/", up, sizeof up);
	/* The SQL range [scope, upper) holds exactly the contained codes. */
	assert_true(strcmp("org:12/7/", "org:12/") >= 0 && strcmp("org:12/7/", up) < 0);
	assert_false(strcmp("org:123/", "org:12/") >= 0 && strcmp("org:123/", up) < 0);
	char buf[64];
	policy_scope_common("org:12/7/", "org:12/9/", buf, sizeof buf);
	assert_string_equal(buf, "org:12/");
	policy_scope_common("org:12/", "org:13/", buf, sizeof buf);
	assert_string_equal(buf, "");
	policy_scope_common("org:12/", "110105001", buf, sizeof buf);
	assert_string_equal(buf, "");
	policy_scope_common("org:12/7/", "org:12/7/", buf, sizeof buf);
	assert_string_equal(buf, "org:12/7/");
}

static void test_scope_common_cuts_to_a_node(void **state)
{
	(void)state;
	char buf[16];
	policy_scope_common("110105001001", "110105001001", buf, sizeof buf);
	assert_string_equal(buf, "110105001001");
	policy_scope_common("110105001001", "110105001002", buf, sizeof buf);
	assert_string_equal(buf, "110105001");
	policy_scope_common("110105001001001", "110105001001", buf, sizeof buf);
	assert_string_equal(buf, "110105001001");
	policy_scope_common("110105001", "110105002", buf, sizeof buf);
	assert_string_equal(buf, "110105");
	policy_scope_common("110105001", "120105001", buf, sizeof buf);
	assert_string_equal(buf, "");
	policy_scope_common("", "110105001", buf, sizeof buf);
	assert_string_equal(buf, "");
	policy_scope_common(NULL, "110105001", buf, sizeof buf);
	assert_string_equal(buf, "");
}

static void test_delegation_never_gives_more_than_held(void **state)
{
	(void)state;
	policy_role ca[] = {ROLE_COMMUNITY_ADMIN};
	assert_true(policy_can_delegate(ca, 1, ROLE_RESIDENT));
	assert_true(policy_can_delegate(ca, 1, ROLE_GRID_WORKER));
	assert_true(policy_can_delegate(ca, 1, ROLE_COMMUNITY_ADMIN));
	assert_false(policy_can_delegate(ca, 1, ROLE_STREET_SUPERVISOR));
	assert_false(policy_can_delegate(ca, 1, ROLE_SYSTEM_ADMIN));
	policy_role ss[] = {ROLE_STREET_SUPERVISOR};
	assert_true(policy_can_delegate(ss, 1, ROLE_STREET_SUPERVISOR));
	assert_false(policy_can_delegate(ss, 1, ROLE_SYSTEM_ADMIN)); /* probes */
	policy_role sa[] = {ROLE_SYSTEM_ADMIN};
	for (int r = 0; r < ROLE__COUNT; r++)
		assert_true(policy_can_delegate(sa, 1, (policy_role)r));
	/* No roles held: only a role that allows nothing could be given, and none is. */
	for (int r = 0; r < ROLE__COUNT; r++)
		assert_false(policy_can_delegate(NULL, 0, (policy_role)r));
	assert_false(policy_can_delegate(sa, 1, (policy_role)ROLE__COUNT));
}

static void test_action_and_resource_names(void **state)
{
	(void)state;
	assert_string_equal(policy_action_name(ACT_READ), "read");
	assert_string_equal(policy_action_name(ACT_WRITE), "write");
	assert_string_equal(policy_action_name(ACT_ADMIN), "admin");
	assert_string_equal(policy_resource_name(RES_SPACE), "space");
	assert_string_equal(policy_resource_name(RES_ACCOUNT), "account");
	assert_string_equal(policy_resource_name(RES_AUDIT), "audit");
	assert_string_equal(policy_resource_name(RES_PROBE), "probe");
	assert_string_equal(policy_resource_name(RES_RESIDENT), "resident");
	assert_string_equal(policy_action_name(ACT_REVEAL), "reveal");
	assert_string_equal(policy_action_name((policy_action)9), "unknown");
}

/* Personal data (people issue): reveal exists only on residents, implies read, and is
 * held by the roles doing casework; the roles serving from outside hold nothing. */
static void test_reveal_only_on_residents_and_implies_read(void **state)
{
	(void)state;
	for (int r = 0; r < ROLE__COUNT; r++) {
		for (int res = 0; res < policy_resource_count(); res++)
			if (res != RES_RESIDENT)
				assert_false(policy_allows((policy_role)r, ACT_REVEAL,
				                           (policy_resource)res));
		if (policy_allows((policy_role)r, ACT_REVEAL, RES_RESIDENT))
			assert_true(policy_allows((policy_role)r, ACT_READ, RES_RESIDENT));
	}
	static const policy_role none[] = {ROLE_RESIDENT,     ROLE_PARTY_MEMBER, ROLE_VOLUNTEER,
	                                   ROLE_UNIT_CONTACT, ROLE_PROPERTY,     ROLE_DEPARTMENT};
	for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
		for (int a = 0; a < ACT__COUNT; a++)
			assert_false(policy_allows(none[i], (policy_action)a, RES_RESIDENT));
	static const policy_role casework[] = {ROLE_GRID_WORKER, ROLE_COMMUNITY_STAFF,
	                                       ROLE_COMMUNITY_ADMIN, ROLE_STREET_SUPERVISOR};
	for (size_t i = 0; i < sizeof casework / sizeof casework[0]; i++) {
		assert_true(policy_allows(casework[i], ACT_REVEAL, RES_RESIDENT));
		assert_false(policy_allows(casework[i], ACT_ADMIN, RES_RESIDENT));
	}
}

/* Whoever appointed people before the resident resource existed still can. */
static void test_resident_rights_keep_appointments_possible(void **state)
{
	(void)state;
	policy_role ss = ROLE_STREET_SUPERVISOR, ca = ROLE_COMMUNITY_ADMIN, sa = ROLE_SYSTEM_ADMIN;
	assert_true(policy_can_delegate(&ss, 1, ROLE_COMMUNITY_ADMIN));
	assert_true(policy_can_delegate(&ss, 1, ROLE_GRID_WORKER));
	assert_true(policy_can_delegate(&ca, 1, ROLE_GRID_WORKER));
	assert_true(policy_can_delegate(&ca, 1, ROLE_COMMUNITY_STAFF));
	assert_true(policy_can_delegate(&ca, 1, ROLE_RESIDENT));
	assert_true(policy_can_delegate(&sa, 1, ROLE_STREET_SUPERVISOR));
	/* Resident admin (tag definitions) is the system administrator's alone. */
	assert_false(policy_can_delegate(&ss, 1, ROLE_SYSTEM_ADMIN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_role_names_round_trip),
	    cmocka_unit_test(test_role_parse_rejects_unknown_and_near_misses),
	    cmocka_unit_test(test_spec_roles_all_present),
	    cmocka_unit_test(test_system_admin_reads_and_writes_everything_but_audit_writes),
	    cmocka_unit_test(test_audit_log_is_append_only_for_every_role),
	    cmocka_unit_test(test_table_matches_documented_policy),
	    cmocka_unit_test(test_grid_import_only_street_and_system),
	    cmocka_unit_test(test_probe_writes_only_system_admin),
	    cmocka_unit_test(test_write_implies_read),
	    cmocka_unit_test(test_allows_out_of_range_is_refused),
	    cmocka_unit_test(test_scope_empty_contains_everything),
	    cmocka_unit_test(test_scope_prefix_rule),
	    cmocka_unit_test(test_scope_upper_bounds_the_sql_range),
	    cmocka_unit_test(test_scope_valid),
	    cmocka_unit_test(test_org_scopes_contain_by_segment),
	    cmocka_unit_test(test_scope_common_cuts_to_a_node),
	    cmocka_unit_test(test_delegation_never_gives_more_than_held),
	    cmocka_unit_test(test_action_and_resource_names),
	    cmocka_unit_test(test_reveal_only_on_residents_and_implies_read),
	    cmocka_unit_test(test_resident_rights_keep_appointments_possible),
	};
	gz_modules_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
