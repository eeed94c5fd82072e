/* The demo street's year of mobilisation (src/modules/demo/demo_mob.c), loaded by
 * `gongzhi demo` after the street, its organisation network and its accounts. */
#ifndef GZ_MODULES_DEMO_MOB_H
#define GZ_MODULES_DEMO_MOB_H

#include "api/auth.h"
#include "db/db.h"
#include "modules/demo/generate.h"

#include <stdint.h>

/* A year up to now of activities (volunteer and Party-member activities of each
 * community: sign-ups with waitlists and cancellations, check-in and check-out with the
 * rotating code, late arrivals, early departures, missing check-outs closed by the
 * organiser, no-shows, hours confirmed with evaluations), the points they earned,
 * training, awards and a few adjustments, and each community's charity store (items,
 * replenishment, donations from co-building units under their agreements, redemptions,
 * pick-ups, a few cancellations) — plus upcoming activities and one running now (the demo
 * volunteer signed up, so its check-in can be tried with the organiser's code). Each
 * community holds an activity every other week; 12 volunteer accounts per community are
 * created for it (names of the street's adult
 * residents, Party members among them; no password: they cannot log in until an
 * administrator resets one). Everything goes through the mobilisation module's writes
 * (mobilisation.h) as the operator, at the time it happened. org_ids and agreement_ids
 * map the street's organisations and agreements to their database ids. Deterministic
 * for a seed and a day. Returns 0, or -1 with err set (what failed is in err's message). */
int demo_load_mobilisation(gz_db *db, const gz_actor *op, const demo_street *s,
                           const int64_t *org_ids, const int64_t *agreement_ids, uint64_t seed,
                           int64_t now, gz_err *err);

#endif
