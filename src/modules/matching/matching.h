/* The matching module (供需对接, issue 11): what other modules and main may use — the
 * exact fair matching engine (engine.h), its JSON instances (instance.h), `gongzhi
 * match`, and the writes of the needs, resources and projects lists (the demo loads its
 * year through them).
 *
 * Each write takes the actor who does it and the time it happens at (a request passes
 * the clock; the operator may pass a time in the past). db may be NULL for a request's
 * actor. One transaction each, with its audit row, ending with gz_api_commit; *out gets
 * the answer as the route gives it. Errors: 422 invalid_fields, 404 (missing or out of
 * scope, alike), 409 bad_state. */
#ifndef GZ_MODULES_MATCHING_MATCHING_H
#define GZ_MODULES_MATCHING_MATCHING_H

#include "api/auth.h"
#include "db/db.h"
#include "modules/matching/engine.h"
#include "modules/matching/instance.h"

#include <jansson.h>

/* gongzhi match --in INSTANCE.json [--out RESULT.json] [--explain] (cli.c) */
int gz_cli_match(int argc, char **argv);
extern const char gz_cli_match_usage[];

/* A need as another module may name it (deliberation raises a topic from it): 1 with its
 * grid and title when it exists and a may read it (staff in its place, or the resident it
 * is for), 0 when not — missing and unreadable alike —, -1 with err set. */
int gz_match_need_brief(gz_db *db, const gz_actor *a, int64_t id, char grid[16], char *title,
                        size_t cap, gz_err *err);

/* POST /api/v1/needs: {resident_id? (staff; a resident posts for themselves without it),
 * kind?, skill, title, description?, lng?, lat? (else the resident's unit),
 * window_start, window_end, est_minutes}. */
int gz_match_need_create(gz_db *db, const gz_actor *a, json_t *in, int64_t now, json_t **out,
                         gz_err *err);
/* POST /api/v1/offers: {kind (person|unit), user_id? (staff), org_id? (unit), name?,
 * scope_code, skills, capacity_per_week, radius_m, lng, lat, grids?, windows?, items?}. */
int gz_match_offer_create(gz_db *db, const gz_actor *a, json_t *in, int64_t now, json_t **out,
                          gz_err *err);
/* POST /api/v1/matching/runs: {community_code}. */
int gz_match_run(gz_db *db, const gz_actor *a, json_t *in, int64_t now, json_t **out, gz_err *err);
/* The provider accepts (accept true) or declines proposal id ({reason?}). */
int gz_match_proposal_answer(gz_db *db, const gz_actor *a, int64_t id, bool accept, json_t *in,
                             int64_t now, json_t **out, gz_err *err);
/* Done with hours ({minutes}) by the provider or staff; rated ({rating, comment?}) by the
 * resident or staff; cancelled. */
int gz_match_need_complete(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                           json_t **out, gz_err *err);
int gz_match_need_rate(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                       json_t **out, gz_err *err);
int gz_match_need_cancel(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                         json_t **out, gz_err *err);
/* By hand ({offer_id}): the offer's owner claims an open need (抢单: taken at once), or
 * staff propose a need to an offer (replacing an unanswered proposal). The offer must
 * be active, have the need's skill and reach it (radius or grids): 422 otherwise. */
int gz_match_need_claim(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                        json_t **out, gz_err *err);
int gz_match_need_assign(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                         json_t **out, gz_err *err);
/* POST /api/v1/projects: {scope_code, need_id?, title, description?, budget_fen}. */
int gz_match_project_create(gz_db *db, const gz_actor *a, json_t *in, int64_t now, json_t **out,
                            gz_err *err);
/* A unit's commitment {org_id, agreement_id?, content, amount_fen?} (the agreement must be
 * the unit's with the project's community), a milestone {title, due_at, done?} (the
 * first starts the project), the completion {report}. 409 bad_state once completed. */
int gz_match_project_commit(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                            json_t **out, gz_err *err);
int gz_match_project_milestone(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                               json_t **out, gz_err *err);
int gz_match_project_complete(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                              json_t **out, gz_err *err);
/* Expires the open and proposed needs whose window ended before now (the job, and the
 * demo). Sets *n. */
int gz_match_expire(gz_db *db, const gz_actor *a, int64_t now, int *n, gz_err *err);

/* gongzhi gen --needs N: N needs over the database's live residents and one offer per
 * five needs, in bulk (generate.c). *made counts the needs written. */
int gz_match_generate(gz_db *db, const gz_actor *a, int64_t n, uint64_t seed, int64_t now,
                      int64_t *made, gz_err *err);

#endif
