/* Visits (走访): what other modules may call — the policy resource, the shared create
 * (the API's POST /visits and any later caller) and the bulk load of the demo and gen
 * commands. The rules are in rules.h; docs/METRICS.md "Visits" has the due formulas and
 * docs/SECURITY.md "Visits" who sees what.
 *
 * Visits build on people (residents, households, resident_tags — read only, never
 * written) and accounts (the visitor's display name). */
#ifndef GZ_MODULES_VISITS_H
#define GZ_MODULES_VISITS_H

#include "api/auth.h"
#include "db/db.h"
#include "domain/policy.h"
#include "modules/visits/rules.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* Its row of the policy table (assigned when the module registers): r read visits, w
 * record them, a set the visit frequencies of the scope. */
extern policy_resource RES_VISIT;

/* Records a visit by actor a (the visitor) from {resident_id | household_id (exactly
 * one), visited_on "YYYY-MM-DD" (not in the future, at most a year back), kind
 * (routine | care | follow_up, or the Chinese label), findings (0..2000 characters)}:
 * one transaction with the visit, the visited residents' last visit (visit_last), the
 * record count and the audit row "visit.create". db NULL: the request's connection (a
 * request's actor only). The resident or household must exist, be live and lie where a
 * may record visits: 404 "not_found" otherwise (outside a's scope exactly as if it did
 * not exist), 403 where a may read but not write. Returns 0 with *out the visit as the
 * API shows it (new reference), or -1 with err set (422 invalid_fields, 404, 403, 503). */
int gz_visit_create(gz_db *db, const gz_actor *a, json_t *in, json_t **out, gz_err *err);

/* One visit of a bulk load (gz_visits_load): the resident visited (or, with household,
 * their household), when, by whom. */
typedef struct {
	int64_t resident_id;
	bool household;     /* a visit to the household of resident_id */
	int64_t visited_on; /* day (rules.h) */
	visit_kind kind;
	const char *findings;     /* "" for none */
	int64_t visitor_id;       /* an account, or 0 */
	const char *visitor_name; /* as shown; required */
} gz_visit_row;

/* Loads visits to residents and households in one transaction, for the command line's
 * demo and gen (actor: the operator): each row's grid is its resident's (household's),
 * visit_last is brought up to date (a household's visit for its live members), the record count
 * moves by n, and one audit row "visit.import" {rows} is written at scope. Rows need not be sorted.
 * Returns 0, or -1 with err set (nothing written: 404 for a resident that does not exist). */
int gz_visits_load(gz_db *db, const gz_actor *a, const gz_visit_row *rows, size_t n,
                   const char *scope, gz_err *err);

#endif
