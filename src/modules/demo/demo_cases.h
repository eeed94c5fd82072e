/* The demo street's year of cases (gongzhi demo): see demo_cases.c. */
#ifndef GZ_MODULES_DEMO_CASES_H
#define GZ_MODULES_DEMO_CASES_H

#include "api/auth.h"
#include "db/db.h"
#include "modules/demo/generate.h"

#include <stdint.h>

/* How many cases the demo street gets over its year. */
#define DEMO_CASES 800

/* Loads about a year (the 365 days before now) of realistic cases for street s, whose
 * buildings have the database ids building_ids[], through gz_case_create / gz_case_act as
 * actor op, each backdated to its own time: seasonal categories, the usual mix of
 * sources, states and outcomes (most closed and rated, some rejected, withdrawn,
 * merged, reworked, extended, escalated, reopened; the recent ones still open, some past
 * their deadlines). Also gives the demo's property and department accounts the
 * organisation grants through which they see their cases. Deterministic in seed apart
 * from the times (relative to now). Returns the number of cases, or -1 with err. */
int demo_load_cases(gz_db *db, const gz_actor *op, const demo_street *s,
                    const int64_t *building_ids, uint64_t seed, int64_t now, int n, gz_err *err);

#endif
