/* The pure rules of the small and big cycles (cycles.h). */
#include "modules/sharing/cycles.h"
#include "core/time.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

__extension__ typedef unsigned __int128 cy_u128;

static const char *const codes[CYCLE__COUNT] = {"party", "coop_unit", "social_org", "volunteer",
                                                "other"};
static const char *const labels[CYCLE__COUNT] = {"党组织体系", "共建单位", "社会组织", "居民志愿者",
                                                 "其他"};

const char *cycle_source_code(cycle_source s)
{
	return (unsigned)s < CYCLE__COUNT ? codes[s] : "";
}

const char *cycle_source_label(cycle_source s)
{
	return (unsigned)s < CYCLE__COUNT ? labels[s] : "";
}

bool cycle_party_org(const char *t)
{
	return t &&
	       (!strcmp(t, "street_party_committee") || !strcmp(t, "community_party_committee") ||
	        !strcmp(t, "grid_party_branch") || !strcmp(t, "building_party_group"));
}

cycle_source cycle_source_of_org(const char *t)
{
	if (cycle_party_org(t))
		return CYCLE_PARTY;
	if (t && !strcmp(t, "coop_unit"))
		return CYCLE_COOP;
	if (t && !strcmp(t, "social_org"))
		return CYCLE_SOCIAL;
	return CYCLE_OTHER;
}

cycle_source cycle_source_of_person(bool party_member, const char *t)
{
	if (party_member)
		return CYCLE_PARTY;
	if (t && !strcmp(t, "coop_unit"))
		return CYCLE_COOP;
	if (t && !strcmp(t, "social_org"))
		return CYCLE_SOCIAL;
	return CYCLE_VOLUNTEER;
}

bool cycle_share(int64_t part, int64_t total, char *out, size_t cap)
{
	if (cap)
		out[0] = 0;
	if (total <= 0 || part < 0 || part > total)
		return false;
	/* tenths of a percent, half up: floor((2000 part + total) / (2 total)). */
	cy_u128 num = (cy_u128)2000 * (uint64_t)part + (uint64_t)total;
	int64_t t = (int64_t)(num / ((cy_u128)2 * (uint64_t)total));
	snprintf(out, cap, "%" PRId64 ".%" PRId64, t / 10, t % 10);
	return true;
}

int64_t cycle_month_of_day(int64_t day)
{
	int y, m, d;
	gz_time_civil_from_days(day, &y, &m, &d);
	return (int64_t)y * 12 + (m - 1);
}

void cycle_month_str(int64_t month, char *out, size_t cap)
{
	snprintf(out, cap, "%04" PRId64 "-%02" PRId64, month / 12, month % 12 + 1);
}
