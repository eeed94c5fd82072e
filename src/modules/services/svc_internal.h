/* What the files of src/modules/services/ share (module-internal). catalogue.c: the
 * catalogue (办事指南) and its search; common.c: field parsers and small helpers. */
#ifndef GZ_MODULES_SERVICES_INTERNAL_H
#define GZ_MODULES_SERVICES_INTERNAL_H

#include "api/auth.h"
#include "core/arena.h"
#include "db/db.h"
#include "http/http.h"
#include "modules/services/rules.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* The version of the search terms (terms.c): rows indexed by an older one are indexed
 * again (gz_services_reindex). Raise it when svc_terms changes. */
#define SVC_TERMS_VERSION 1

/* A JSON text column parsed (new reference), or an empty array when it is not JSON. */
json_t *svc_json_column(gz_stmt *st, int col);

/* Category codes and their labels: "certificate" → "证明开具". NULL when unknown. */
const char *svc_category_label(const char *code);

/* "123" for an id, in A. */
const char *svc_idstr(gz_arena *A, int64_t id);

/* Answers a list of the caller's own records, newest first, in cursor pages: sql takes $1
 * the user id, $2 the id the page ends before (0: the first page) and $3 the rows wanted,
 * and returns rows in descending id order with the id in column 0; row makes an item of a
 * row, page (may be NULL) completes the page's items once the query is done. */
typedef json_t *(*svc_own_row_fn)(gz_req *r, gz_stmt *st, void *ctx);
typedef int (*svc_own_page_fn)(gz_req *r, gz_db *db, json_t *items, void *ctx, gz_err *err);
void svc_reply_own(gz_req *r, const char *sql, svc_own_row_fn row, svc_own_page_fn page, void *ctx);

/* The time now (ms). In test builds (GZ_TEST_HOOKS) of a process started with
 * GONGZHI_TEST_CLOCK=1, a request's "X-Test-Now: RFC 3339" header sets it, so the API
 * tests can run an application through days of time limits; every other build ignores
 * the header. r may be NULL (the command line). */
int64_t svc_now(gz_req *r);

/* ---------------------------------------------------------------- calendar (calendar.c) */

/* The calendar's special days from local day `from` to `to` (inclusive), into A. */
int svc_calendar_load(gz_db *db, gz_arena *A, int32_t from, int32_t to, svc_calendar *cal,
                      gz_err *err);

/* ---------------------------------------------------------------- applications */

typedef struct {
	int64_t id, service_id, resident_id, applicant_user_id, owner_user_id;
	char grid_code[16];
	svc_state state;
	int time_limit_days;
	int64_t received_at, accepted_at, due_at, decided_at, issued_at, rated_at;
	int rating;
} svc_app;

/* Loads application id (locking nothing). Returns 1, 0 when there is none, -1 on error. */
int svc_app_load(gz_db *db, int64_t id, svc_app *a, gz_err *err);

/* Is the actor the one who filed it or the person it is for (by account)? */
bool svc_app_own(const gz_actor *actor, const svc_app *a);

/* May the actor see it: their own, or service read at its place. 0, or -1 with err (404
 * outside every scope, exactly as a missing application; 403). */
int svc_app_may_read(const gz_actor *actor, const svc_app *a, gz_err *err);

/* The application as the API shows it to the actor: the service, the person (their name
 * by the one masking rule, in full to their own household), the form, the files, the
 * state, the time limit, the timeline and the actions the actor may take. Reads several
 * rows: call inside a transaction or read snapshot. NULL with err set. */
json_t *svc_app_json(gz_db *db, const gz_actor *actor, int64_t id, int64_t now, gz_err *err);

/* Appends a step to the timeline of application app (service_application_events): what
 * happened (an action code, "submit", "rate"), the state after it, who, and an optional
 * JSON note (not stolen). */
int svc_event_add(gz_db *db, const gz_actor *actor, int64_t app, int64_t at, const char *action,
                  svc_state state, json_t *note, gz_err *err);

/* Files an application at time now (applications.c; gz_services_apply at the request's
 * time). With out NULL no answer is built (the command line); *id (may be NULL) is the
 * new application's id. */
int svc_apply(gz_db *db, const gz_actor *actor, json_t *in, int64_t now, json_t **out, int64_t *id,
              gz_err *err);

/* Keeps an uploaded file of type (one of PDF, PNG, JPEG) when its bytes are that type and
 * the actor holds fewer than 50 unused files, with its audit row, in the caller's open
 * transaction (attachments.c). Returns the file as the API shows it, or NULL with err set
 * (422 empty_file / attachment_mismatch — decided before db is used, so db may be NULL
 * for such a file —, 429 too_many_attachments, a database error). */
json_t *svc_attachment_add(gz_db *db, const gz_actor *a, const char *type, const void *body,
                           size_t len, const char *name, int64_t now, gz_err *err);

/* Books a venue at time now (bookings.c; gz_services_book at the request's time), and
 * takes a step of booking id (the body of POST .../actions). */
int svc_book(gz_db *db, const gz_actor *a, json_t *in, int64_t now, json_t **out, gz_err *err);
int svc_booking_step(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                     json_t **out, gz_err *err);
/* (These steps, svc_rate and gz_services_step build no answer when out is NULL: the
 * command line's operator does not need one.) */

/* Rates application id ({stars, comment?}) at time now (actions.c). */
int svc_rate(gz_db *db, const gz_actor *actor, int64_t id, json_t *in, int64_t now, json_t **out,
             gz_err *err);

/* Runs a step of application id (actions.c): the body of POST .../actions. Returns 0
 * with *out the application after it, or -1 with err set. */
int gz_services_step(gz_db *db, const gz_actor *actor, int64_t id, json_t *in, int64_t now,
                     json_t **out, gz_err *err);

/* ---------------------------------------------------------------- venues */

/* May the actor use a venue serving community (see and book it): a grant whose scope
 * contains the community or lies inside it (a resident of one of its grids, its staff,
 * the street); the operator always. */
bool svc_near(const gz_actor *actor, const char *community);

/* The scopes whose records the actor may use by svc_near, for a scoped list: each grant's
 * community (a grid grant's first 12 digits), a street or "" as it is; organisation scopes
 * left out; "" for the operator. scopes holds GZ_AUTH_MAX_GRANTS + 1; returns how many. */
int svc_near_scopes(const gz_actor *actor, gz_arena *A, const char **scopes);

typedef struct {
	int64_t id, owner_org_id, agreement_id;
	char community[16];
	char *name;
	int capacity, max_minutes;
	svc_hours hours;
} svc_venue;

/* Loads active venue id (name into A). 1, 0 when none, -1 on error. */
int svc_venue_load(gz_db *db, gz_arena *A, int64_t id, svc_venue *v, gz_err *err);

/* May the actor manage the venue (approve bookings): venue write at its community, or at
 * the organisation scope of the unit that offers it ("org:ID/"). */
bool svc_venue_manager(const gz_actor *actor, const svc_venue *v);

/* ---------------------------------------------------------------- certificates */

/* At issue (in the step's transaction): when the service certifies something, the
 * certificate of application id — numbered per community and year, with its verification
 * code — and its number in note ("certificate_number"). Returns 0, or -1 with err set. */
int svc_certificate_issue(gz_db *db, const gz_actor *actor, int64_t id, int64_t now, json_t *note,
                          gz_err *err);

/* Sets "certificate" of application JSON o (id): the certificate as its holder and staff
 * see it, or null. Returns 0, or -1 with err set. */
int svc_certificate_of(gz_db *db, json_t *o, int64_t id, gz_err *err);

/* Makes the files ids[0..n) — referenced by the application's values and materials —
 * belong to application app_id: each must exist, have been uploaded by the actor (the
 * operator: anyone) and belong to no application yet (or to app_id already). A file that
 * is not is a field error of every field or material naming it ("fields.photo",
 * "materials.id_card"). Returns 0, or -1 with err set (422 with the fields, or a database
 * error). Inside the caller's write transaction. */
int svc_attachments_claim(gz_db *db, const gz_actor *actor, int64_t app_id,
                          const json_t *field_defs, const json_t *values, const json_t *materials,
                          const int64_t *ids, size_t n, gz_err *err);

#endif
