/* The small and big cycles' pure rules (src/modules/sharing/cycles.h): where a
 * contribution comes from, shares rounded half up, months. */
#include "core/time.h"
#include "modules/sharing/cycles.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static void test_sources_of_organisations(void **state)
{
	(void)state;
	assert_int_equal(cycle_source_of_org("street_party_committee"), CYCLE_PARTY);
	assert_int_equal(cycle_source_of_org("community_party_committee"), CYCLE_PARTY);
	assert_int_equal(cycle_source_of_org("grid_party_branch"), CYCLE_PARTY);
	assert_int_equal(cycle_source_of_org("building_party_group"), CYCLE_PARTY);
	assert_int_equal(cycle_source_of_org("coop_unit"), CYCLE_COOP);
	assert_int_equal(cycle_source_of_org("social_org"), CYCLE_SOCIAL);
	assert_int_equal(cycle_source_of_org("residents_committee"), CYCLE_OTHER);
	assert_int_equal(cycle_source_of_org("property_company"), CYCLE_OTHER);
	assert_int_equal(cycle_source_of_org(NULL), CYCLE_OTHER);
	assert_string_equal(cycle_source_code(CYCLE_COOP), "coop_unit");
	assert_string_equal(cycle_source_label(CYCLE_PARTY), "党组织体系");
	assert_string_equal(cycle_source_code(CYCLE__COUNT), "");
}

static void test_sources_of_people(void **state)
{
	(void)state;
	/* A Party member counts for the Party system wherever they serve. */
	assert_int_equal(cycle_source_of_person(true, "coop_unit"), CYCLE_PARTY);
	assert_int_equal(cycle_source_of_person(true, NULL), CYCLE_PARTY);
	/* Others: by the organiser when a unit or social organisation mobilised them. */
	assert_int_equal(cycle_source_of_person(false, "coop_unit"), CYCLE_COOP);
	assert_int_equal(cycle_source_of_person(false, "social_org"), CYCLE_SOCIAL);
	assert_int_equal(cycle_source_of_person(false, "community_party_committee"),
	                 CYCLE_VOLUNTEER);
	assert_int_equal(cycle_source_of_person(false, "residents_committee"), CYCLE_VOLUNTEER);
	assert_int_equal(cycle_source_of_person(false, ""), CYCLE_VOLUNTEER);
	assert_int_equal(cycle_source_of_person(false, NULL), CYCLE_VOLUNTEER);
}

static void test_shares_round_half_up(void **state)
{
	(void)state;
	char b[32];
	assert_true(cycle_share(1, 3, b, sizeof b));
	assert_string_equal(b, "33.3");
	assert_true(cycle_share(2, 3, b, sizeof b));
	assert_string_equal(b, "66.7");
	assert_true(cycle_share(1, 8, b, sizeof b)); /* 12.5 exactly */
	assert_string_equal(b, "12.5");
	assert_true(cycle_share(1, 16, b, sizeof b)); /* 6.25 -> 6.3 */
	assert_string_equal(b, "6.3");
	assert_true(cycle_share(0, 7, b, sizeof b));
	assert_string_equal(b, "0.0");
	assert_true(cycle_share(7, 7, b, sizeof b));
	assert_string_equal(b, "100.0");
	assert_true(cycle_share(INT64_MAX / 2, INT64_MAX, b, sizeof b));
	assert_string_equal(b, "50.0");
	assert_false(cycle_share(1, 0, b, sizeof b));
	assert_string_equal(b, "");
	assert_false(cycle_share(5, 4, b, sizeof b));
	assert_false(cycle_share(-1, 4, b, sizeof b));
}

static void test_months(void **state)
{
	(void)state;
	char b[16];
	int64_t m = cycle_month_of_day(gz_time_days_from_civil(2026, 12, 31));
	assert_int_equal(m, 2026 * 12 + 11);
	cycle_month_str(m, b, sizeof b);
	assert_string_equal(b, "2026-12");
	assert_int_equal(cycle_month_of_day(gz_time_days_from_civil(2027, 1, 1)), m + 1);
	cycle_month_str(m + 1, b, sizeof b);
	assert_string_equal(b, "2027-01");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sources_of_organisations),
	    cmocka_unit_test(test_sources_of_people),
	    cmocka_unit_test(test_shares_round_half_up),
	    cmocka_unit_test(test_months),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
