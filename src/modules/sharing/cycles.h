/* The flows of the small and big cycles (小循环/大循环, issue 15): the pure rules — where a
 * contribution comes from, and a share as a percent. No I/O (tests/unit/test_cycles.c).
 * docs/METRICS.md, "The small and big cycles", has them in words. */
#ifndef GZ_MODULES_SHARING_CYCLES_H
#define GZ_MODULES_SHARING_CYCLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	CYCLE_PARTY = 0, /* 党组织体系: Party members, Party-line organisations */
	CYCLE_COOP,      /* 共建单位: co-building units (coop_unit) */
	CYCLE_SOCIAL,    /* 社会组织 (social_org) */
	CYCLE_VOLUNTEER, /* 居民志愿者: people who are not Party members */
	CYCLE_OTHER,     /* 其他: other organisations (residents' committee, property, ...) */
	CYCLE__COUNT
} cycle_source;

const char *cycle_source_code(cycle_source s);  /* "party", "coop_unit", ...; "" out of range */
const char *cycle_source_label(cycle_source s); /* 「党组织体系」 */

/* Is org type (organisations.type) on the Party line? street_party_committee,
 * community_party_committee, grid_party_branch, building_party_group. */
bool cycle_party_org(const char *org_type);

/* An organisation's contribution (a unit's offer, a project commitment): the Party line ->
 * party, coop_unit -> coop, social_org -> social, any other type (or NULL) -> other. */
cycle_source cycle_source_of_org(const char *org_type);

/* A person's contribution (a service record, a person's offer): a Party member -> party;
 * otherwise, when the service was in an activity organised by a co-building unit or a
 * social organisation (org_type of the organiser; NULL or "" when none), that one; else a
 * resident volunteer (also in activities of the Party line or the residents' committee:
 * the person is the source, the organiser only mobilised them). */
cycle_source cycle_source_of_person(bool party_member, const char *org_type);

/* part / total as a percent with one decimal, rounded half up in integers ("41.7"),
 * into out. false (out = "") when total <= 0 or part is not within 0..total. */
bool cycle_share(int64_t part, int64_t total, char *out, size_t cap);

/* The month key of a day (days since 1970-01-01, as visit days): year * 12 + month - 1,
 * and its label "YYYY-MM". */
int64_t cycle_month_of_day(int64_t day);
void cycle_month_str(int64_t month, char *out, size_t cap);

#endif
