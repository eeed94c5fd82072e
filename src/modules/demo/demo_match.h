/* The demo street's year of supply–demand matching (src/modules/demo/demo_match.c),
 * loaded by `gongzhi demo` after mobilisation (its volunteer accounts give the offers). */
#ifndef GZ_MODULES_DEMO_MATCH_H
#define GZ_MODULES_DEMO_MATCH_H

#include "api/auth.h"
#include "db/db.h"
#include "modules/demo/generate.h"

#include <stdint.h>

/* Offers (the communities' volunteers and Party members, the demo's own Party member
 * and volunteer, a co-building unit per community with venues, goods and funds), a year
 * up to now of needs posted weekly by the communities' elderly residents first, a weekly
 * run per community with proposals accepted or declined, hours, ratings and expiries;
 * the last week left open (proposals waiting, needs taken, needs waiting for a run); two
 * projects per community with a milestone and a unit's commitment under its agreement,
 * one completed. Through matching.h as the operator. Deterministic for a seed and a day.
 * Returns 0, or -1 with err set. */
int demo_load_matching(gz_db *db, const gz_actor *op, const demo_street *s, const int64_t *org_ids,
                       const int64_t *agreement_ids, uint64_t seed, int64_t now, gz_err *err);

#endif
