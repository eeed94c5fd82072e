/* Writes of the organisation network (docs/ORG.md) shared by the HTTP handlers
 * (api/org.c) and the command line (cli/demo.c), so both take one code path: the same
 * checks, the same rows, the same audit action.
 *
 * Each function takes the request body as JSON — the fields of the corresponding
 * POST route — validates it (every bad field is reported: 422 invalid_fields), checks
 * references, and writes in ONE transaction with its audit row and the record count.
 *
 * Each takes the actor who writes (api/auth.h): a request's user, whose grants decide
 * what is allowed and referable, or the command line's operator (gz_actor_operator),
 * who may do anything and is audited as user "cli". With a request's actor, db may be
 * NULL: the request's connection is taken after the input is validated (as
 * the handlers always did, so a malformed body is a 422 even when the database is down).
 *
 * Returns 0 with *out the created record as the route answers it (new reference), or -1
 * with err set: 422 invalid_fields, 409 duplicate_org / duplicate_member /
 * duplicate_party_member, 401/403/404 from authorisation, 503 crypto_unavailable (a
 * phone without a key), 503/500 from the database. */
#ifndef GZ_MODULES_ORG_H
#define GZ_MODULES_ORG_H

#include "db/db.h"
#include "api/auth.h"
#include "http/http.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* POST /api/v1/organisations: {type, name, space_code?, building_id?, parent_id?,
 * credit_code?}. */
int gz_org_create(gz_db *db, const gz_actor *actor, json_t *in, json_t **out, gz_err *err);

/* POST /api/v1/organisations/{org_id}/members: {resident_id? | name, phone?, position,
 * is_contact?, since?}. 404 when the organisation does not exist (or is out of scope). */
int gz_org_member_add(gz_db *db, const gz_actor *actor, int64_t org_id, json_t *in, json_t **out,
                      gz_err *err);

/* POST /api/v1/coop-agreements: {unit_org_id, community_code, title, start_at, end_at,
 * status?, commitments?: [{item, quantity, unit}]}. */
int gz_coop_agreement_create(gz_db *db, const gz_actor *actor, json_t *in, json_t **out,
                             gz_err *err);

/* POST /api/v1/party-members: {resident_id? | name, party_org_id, employer_org_id?,
 * reported_community_code?, reported_grid_code?, post_type?, reported_at?}. */
int gz_party_member_create(gz_db *db, const gz_actor *actor, json_t *in, json_t **out, gz_err *err);

/* Registers the namers of organisations, members, Party members and agreements
 * (api/names.h; org_names.c): the module's init hook. */
void gz_org_names_init(void);

/* ---- For other modules: references to organisations (added with mobilisation) ---- */

/* An organisation as another module's record shows it. */
typedef struct gz_org_brief {
	int64_t id;
	char type[32];  /* its type code (street_party_committee, coop_unit ...) */
	char name[260]; /* up to 64 code points */
	char space[16]; /* the place it serves */
} gz_org_brief;

/* Organisation id, for a record placed at `at` that references it (an activity's
 * organiser, a donor): found, and readable by the actor or serving `at` or a place
 * containing it — the rule of the module's own references. Returns 1 and fills *out;
 * 0 after adding the field error 组织不存在 to err (missing and unreferable alike, so
 * nothing is learned); -1 with err set on a database error. */
int gz_org_ref(gz_db *db, const gz_actor *actor, int64_t id, const char *at, const char *field,
               gz_org_brief *out, gz_err *err);

/* The unit and community of co-building agreement id: 1 found, 0 none, -1 error. */
int gz_org_agreement_get(gz_db *db, int64_t id, int64_t *unit_org_id, char community[16],
                         gz_err *err);

/* ---- Agreements in brief (added with services: venues offered by co-building units
 * under their agreements) ---- */

typedef struct gz_org_agreement_brief {
	int64_t id, unit_org_id;
	int64_t start_at, end_at; /* ms */
	char community_code[16];
	bool active; /* status "active" (履行中) */
} gz_org_agreement_brief;

/* Organisation id, or co-building agreement id. Return 1 and fill *out, 0 when there is
 * none, -1 with err set. No authorisation: the caller decides what it may see. */
int gz_org_brief_get(gz_db *db, int64_t id, gz_org_brief *out, gz_err *err);
int gz_org_agreement_brief_get(gz_db *db, int64_t id, gz_org_agreement_brief *out, gz_err *err);
/* The agreements of community (any status), by id, into out[0..max). Returns how many, or
 * -1 with err set. */
int gz_org_agreements_of(gz_db *db, const char *community, gz_org_agreement_brief *out, int max,
                         gz_err *err);

#endif
