/* Cases (诉求/工单): what other modules may call — the demo loader and, later, Open311
 * intake write cases through these, so validation, transactions, timeline and audit
 * never differ from the API's. docs/CASES.md has the rules.
 *
 * Each write takes the actor who does it (api/auth.h): a request's user, whose grants
 * decide what it may do, or the command line's operator (gz_actor_operator), who holds
 * every case role. With a request's actor db may be NULL (the request's connection). */
#ifndef GZ_MODULES_CASES_H
#define GZ_MODULES_CASES_H

#include "api/auth.h"
#include "db/db.h"
#include "domain/policy.h"

#include <jansson.h>
#include <stdint.h>

/* POST /api/v1/cases: {category, description, request_type?, location {lat, lng} |
 * building_id | grid_code, address?, anonymous?, source?, reporter {name, phone}?,
 * self_handled? + handled_note, external_id?}. at (ms, 0 = now) is the time of the
 * report: the demo loader backdates; requests always pass 0. Returns 0 with *out the
 * case as the route answers it (new reference), or -1 with err set: 422 invalid_fields
 * (location outside every grid names its field), 401/403/404, 503 crypto_unavailable
 * (a phone without a key), 503/500 from the database. */
int gz_case_create(gz_db *db, const gz_actor *a, json_t *in, int64_t at, json_t **out, gz_err *err);

/* POST /api/v1/cases/{id}/actions: {action, note?, org?, user?, target?, satisfaction?,
 * resolved?, extension?, and for edit: description?, category?, address?,
 * request_type?, anonymous?}. at as above. Returns 0 with *out the case after the
 * action, or -1 with err set: 404 (no such case, or out of the actor's reach), 409
 * illegal_transition / reopen_not_allowed / not_rateable / conflict (changed
 * meanwhile), 403 action_forbidden, 422 invalid_fields. The operator may pass out NULL
 * when it wants no answer (the demo loader: the case is not read back). */
int gz_case_act(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t at, json_t **out,
                gz_err *err);

/* gongzhi gen --cases N: n cases for benchmarks over the database's grids and active
 * minor classes, reported over the year before now, in a street's mix of states, written
 * in bulk (generate.c; each case with its report event only), audited case.generate per
 * 5,000 as actor a. Deterministic in seed apart from the times. *made gets how many were
 * written (also on failure: the batches already committed). Returns 0, or -1 with err (422
 * no_grids when there are no grids). */
int gz_cases_generate(gz_db *db, const gz_actor *a, int64_t n, uint64_t seed, int64_t now,
                      int64_t *made, gz_err *err);

/* A case in brief, for another capability that refers to one (deliberation raises a
 * topic from a case): its grid and its category's name, when actor a may read it.
 * Returns 1 and fills grid (16 bytes) and category (at most cap bytes), 0 when there is
 * no such case or a may not see it (the same answer), -1 with err. */
int gz_case_brief(gz_db *db, const gz_actor *a, int64_t id, char *grid, char *category, size_t cap,
                  gz_err *err);

/* The counts of the case rates (docs/METRICS.md "Case rates") of the cases reported in
 * [from, to] inside node (a street, community or grid code; lo..hi its code range, hi
 * from policy_scope_upper), evaluated at as_of: k[] in the order of case_count_names
 * (received, registered, ... escalated). how: CASE_COUNTS_RAW counts them with one
 * aggregate query over the period's cases (the reference); CASE_COUNTS_FAST reads the
 * counters case_rate_counts (migrations/0009_rate_counts.sql) plus the few cases whose
 * instants lie after as_of (rates.c), identical for any as_of, falling back to the
 * aggregate when that would not be cheaper (a period neither a calendar month nor
 * evaluated within 7 days of now). Returns 0, or -1 with err. */
enum { CASE_COUNTS_RAW, CASE_COUNTS_FAST, CASE_COUNTS_DAYS, CASE_COUNTS_MONTH };
/* The indices of k[] (the order of case_count_names). */
enum {
	CASE_K_RECEIVED,
	CASE_K_REGISTERED,
	CASE_K_REJECTED,
	CASE_K_WITHDRAWN,
	CASE_K_MERGED,
	CASE_K_DISPATCHED,
	CASE_K_DUE,
	CASE_K_CLOSED,
	CASE_K_ON_TIME,
	CASE_K_REWORKED,
	CASE_K_EXTENDED,
	CASE_K_DUE_RESPONSE,
	CASE_K_RESPONDED_ON_TIME,
	CASE_K_RATED,
	CASE_K_RESOLVED,
	CASE_K_SATISFIED,
	CASE_K_BASIC,
	CASE_K_UNSATISFIED,
	CASE_K_SELF_HANDLED,
	CASE_K_ESCALATED,
	CASE_K__COUNT
};
#define CASE_COUNT__N CASE_K__COUNT
extern const char *const case_count_names[CASE_COUNT__N];
int gz_case_counts(gz_db *db, const char *lo, const char *hi, int64_t from, int64_t to,
                   int64_t as_of, int64_t now, int how, int64_t k[CASE_COUNT__N], gz_err *err);

/* Its row of the policy table: cases and the catalogue (assigned at registration). */
extern policy_resource RES_CASE;

#endif
