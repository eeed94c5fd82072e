/* What the files of the cases module share (module-internal: included only by
 * src/modules/cases/). store.c loads a case and works out who the actor is on it,
 * writes timeline events and reads the catalogue; intake.c creates cases; actions.c
 * moves them through the state machine; read.c answers the lists and details;
 * catalogue.c administers categories, routes and the calendar; stats.c the rates;
 * job.c the deadline job. */
#ifndef GZ_MODULES_CASES_INTERNAL_H
#define GZ_MODULES_CASES_INTERNAL_H

#include "api/auth.h"
#include "core/arena.h"
#include "db/db.h"
#include "http/http.h"
#include "modules/cases/access.h"
#include "modules/cases/deadline.h"
#include "modules/cases/rules.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define CASE_ADDRESS_MAX   200 /* code points */
#define CASE_NAME_MAX      64
#define CASE_EXTERNAL_MAX  64
#define CASE_TIMELINE_MAX  1000 /* events answered per case */
#define CASE_PARTIES_MAX   16
#define CASE_CODE_MAX      16                    /* category codes: 1..16 of A-Z 0-9 _ - */
#define CASE_LIST_KEY_BASE 4611686018427387904LL /* 2^62: list key = base - id */

/* A category with its limits. */
typedef struct {
	int64_t id, parent_id;
	char code[CASE_CODE_MAX + 1];
	char name[4 * 64 + 1];
	int kind;
	bool active;
	case_limit limits[CASE_STEP__COUNT]; /* [CASE_STEP_ACCEPT..HANDLE] */
	int escalate_after_hours;            /* 0 = never */
} case_category;

/* One case as loaded (strings in the arena given to case_load). */
typedef struct {
	int64_t id;
	char grid[16];
	int64_t category_id;
	const char *category_code, *category_name, *major_code, *major_name, *grid_name;
	int kind;
	int request_type, source;
	case_state state;
	const char *description, *address;
	int64_t building_id;
	bool has_location;
	int64_t lng_e7, lat_e7;
	int64_t reporter_user_id;
	const char *reporter_name; /* NULL when none */
	const uint8_t *reporter_phone_enc;
	size_t reporter_phone_len;
	bool anonymous, self_handled;
	int64_t handler_org_id, handler_user_id;
	const char *handler_org_name, *handler_username, *handler_scope;
	int64_t escalation_org_id;
	const char *escalation_org_name, *escalation_scope;
	int64_t merged_into;
	int64_t step_due_at, due_at; /* 0 = none */
	bool overdue, ever_overdue, escalated;
	int rework_count, extension_count;
	case_satisfaction satisfaction;
	int resolved; /* -1 none */
	int64_t rated_at, reported_at, accepted_at, dispatched_at, signed_at, handled_at, closed_at;
	int64_t responded_at, response_due_at; /* 响应 (docs/METRICS.md) */
	const char *external_id;
	int64_t version, created_at, updated_at;
	/* case_parties, loaded by case_access_for */
	const char *parties[CASE_PARTIES_MAX];
	int nparties;
} case_row;

/* The columns case_row_read reads, with the FROM clause they come from. */
#define CASE_SELECT                                                                                \
	"SELECT c.id, c.grid_code, c.category_id, cat.code, cat.name, pc.code, pc.name, g.name, "  \
	"cat.kind, c.request_type, c.source, c.state, c.description, c.address, c.building_id, "   \
	"c.lng_e7, c.lat_e7, c.reporter_user_id, c.reporter_name, c.reporter_phone_enc, "          \
	"c.anonymous, c.self_handled, c.handler_org_id, ho.name, c.handler_user_id, "              \
	"COALESCE(NULLIF(hu.display_name, ''), hu.username), c.handler_scope, "                    \
	"c.escalation_org_id, eo.name, c.escalation_scope, c.merged_into, c.step_due_at, "         \
	"c.overdue, c.due_at, c.ever_overdue, c.escalated, c.rework_count, c.extension_count, "    \
	"c.satisfaction, c.resolved, c.rated_at, c.reported_at, c.accepted_at, c.dispatched_at, "  \
	"c.signed_at, c.handled_at, c.closed_at, c.external_id, c.version, c.created_at, "         \
	"c.updated_at, c.responded_at, c.response_due_at FROM cases c JOIN case_categories cat "   \
	"ON cat.id = c.category_id "                                                               \
	"JOIN case_categories pc ON pc.id = cat.parent_id JOIN grids g ON g.code = c.grid_code "   \
	"LEFT JOIN organisations ho ON ho.id = c.handler_org_id "                                  \
	"LEFT JOIN users hu ON hu.id = c.handler_user_id "                                         \
	"LEFT JOIN organisations eo ON eo.id = c.escalation_org_id"

/* Fills c from the current row of a statement selecting CASE_SELECT's columns (strings
 * copied into A). */
void case_row_read(gz_stmt *st, gz_arena *A, case_row *c);

/* Loads case id. Returns 1 found, 0 not, -1 with err. (Writes guard their UPDATE with
 * the version read here: a case changed meanwhile is 409 "conflict".) */
int case_load(gz_db *db, gz_arena *A, int64_t id, case_row *c, gz_err *err);

/* The actor's access to c (access.h), loading c's parties first. The operator (the
 * command line) holds every role but CR_SYSTEM and sees everything. Returns 0, or -1. */
int case_access_for(const gz_actor *a, gz_db *db, gz_arena *A, case_row *c, case_access *acc,
                    gz_err *err);

/* The actor's grants as case_grant (into A); the operator gets one grant of
 * system_admin at "". Returns the count. */
int case_grants_of(const gz_actor *a, gz_arena *A, case_grant **out);

/* The facts the state machine's guards need. */
case_facts case_facts_of(const case_row *c, int64_t now);

/* The case as answered: the summary of lists, or (detail) with the reporter's contact
 * (masked, or in full with reveal_phone), the actions the actor may take, the category
 * and the deadlines. */
json_t *case_json(const case_row *c, const case_access *acc, bool detail, bool reveal_phone);

/* Writes c's changeable columns back (state, category, text, handler, escalation,
 * deadlines, counters, rating, step times), version + 1 and updated_at = now, if the
 * stored version is still c->version. Returns 0, or -1 with err: 409 "conflict" when
 * the case changed meanwhile. */
int case_save(gz_db *db, const case_row *c, int64_t now, gz_err *err);

/* An action with what it brings (POST /cases/{id}/actions, or the deadline job). */
typedef struct {
	case_action action;
	case_action_input in;
	/* edit */
	const char *description, *category, *address, *request_type_s;
	int request_type; /* -1: unchanged */
	bool anonymous, has_anonymous;
	int nedits;
	json_t *photos; /* photo ids the action brings (borrowed from the body), or NULL */
} case_act_body;

/* Takes action b on the loaded case c, in the caller's open transaction, by an actor
 * holding roles on it: the table (409/403), the references (422), the case row (409
 * conflict when changed since c was loaded), the timeline event and the audit row
 * case.<action>. c holds the changed case afterwards. Returns 0, or -1 with err. */
int case_act_loaded(gz_db *db, const gz_actor *a, gz_arena *A, case_row *c, const case_act_body *b,
                    unsigned roles, int64_t now, gz_err *err);

/* Appends one timeline event to case c (seq = the next number), in the caller's
 * transaction. actor NULL: the deadline job ("system"). detail (not stolen) may be NULL.
 * Returns 0, or -1 with err. */
int case_event_add(gz_db *db, const gz_actor *actor, const case_row *c, const char *action,
                   case_state from, case_state to, unsigned role, int64_t org_id, int64_t user_id,
                   const char *note, const json_t *detail, int64_t at, gz_err *err);

/* case_event_add with attachments (not stolen; a JSON array, or NULL): the photos the
 * event brings (case_photos_attach). */
int case_event_add_att(gz_db *db, const gz_actor *actor, const case_row *c, const char *action,
                       case_state from, case_state to, unsigned role, int64_t org_id,
                       int64_t user_id, const char *note, const json_t *detail,
                       const json_t *attachments, int64_t at, gz_err *err);

/* Photos (photos.c): at most CASE_PHOTOS_MAX a report or an action. */
#define CASE_PHOTOS_MAX 9
/* in[key]: absent / null, or an array of photo ids (strings of digits). *out: the array
 * (borrowed from in), or NULL when none. Returns 0, or -1 with a field error on key. */
int case_photos_parse(json_t *in, const char *key, json_t **out, gz_err *err);
/* Attaches the photos ids (uploaded by a, not yet used) to case case_id in the caller's
 * transaction; *att: a new array of {sha256, media_type, size, url} for the timeline
 * event (NULL when ids is NULL). A photo not the actor's or already used: 422 naming
 * key. Returns 0, or -1 with err. */
int case_photos_attach(gz_db *db, const gz_actor *a, int64_t case_id, const char *key, json_t *ids,
                       json_t **att, gz_err *err);

/* The open cases that may duplicate c (duplicates.c): same category, within its radius
 * and window, that the actor reads as staff, nearest first; *out a new array of list
 * items with distance_m. Returns 0, or -1 with err. */
int case_duplicates(gz_db *db, const gz_actor *a, gz_arena *A, const case_row *c, json_t **out,
                    gz_err *err);

/* Adds scope to c's case_parties (nothing when it is there). Returns 0, or -1. */
int case_party_add(gz_db *db, int64_t case_id, const char *scope, gz_err *err);

/* The category by code (active or not). Returns 1, 0 when none, -1 with err. */
int case_category_by_code(gz_db *db, const char *code, case_category *out, gz_err *err);
int case_category_by_id(gz_db *db, int64_t id, case_category *out, gz_err *err);

/* The calendar's exceptions from day `from` on (at most a few years: enough for any
 * limit), into A. Returns 0, or -1 with err. */
int case_calendar_load(gz_db *db, gz_arena *A, int32_t from, case_calendar *out, gz_err *err);

/* The deadline of step for a category, begun at start; 0 when the step has none. */
int64_t case_step_deadline(const case_category *cat, const case_calendar *cal, case_step step,
                           int64_t start);

/* An organisation's name and type code; 1 found, 0 not, -1 with err. */
int case_org_get(gz_db *db, gz_arena *A, int64_t id, const char **name, const char **type,
                 const char **space, gz_err *err);

/* The organisation responsible by default for category cat_code at grid (case_routes:
 * most specific first). Returns 1 with *org, 0 when none (属地兜底), -1 with err. */
int case_route_find(gz_db *db, const char *cat_code, const char *grid, int64_t *org, gz_err *err);

/* A string field without NUL bytes (see gz_json_str). */
int case_str_field(json_t *in, const char *key, int required, size_t min, size_t max,
                   const char **out, gz_err *err);
/* An id field: a JSON string of digits (or a positive integer). */
int case_id_field(json_t *in, const char *key, int required, int64_t *out, gz_err *err);
/* A time limit {"amount": n, "unit": "hours"|"workdays"}. */
int case_limit_field(json_t *in, const char *key, int required, case_limit *out, bool *present,
                     gz_err *err);
/* {"amount","unit"} of a limit. */
json_t *case_limit_json(case_limit l);

/* Query parameter key as a time (RFC 3339 / ISO 8601 with a zone): 0 with *out = 0 when
 * absent, 0 with *out set, or -1 with err (400 bad_query naming key) when malformed. */
int case_time_query(gz_req *r, const char *key, int64_t *out, gz_err *err);

/* Is s a category code (1..16 of A-Z, 0-9, '_', '-')? */
bool case_code_valid(const char *s);

/* The actor's audit row for a case action ("case.dispatch"), scope the case's grid. */
int case_audit(const gz_actor *a, gz_db *db, const char *action, int64_t case_id, const char *grid,
               json_t *detail, gz_err *err);

/* gz_case_create (cases.h), or with open311 an Open311 client's request (open311.c):
 * source open311, no reporter account, no place grant asked (the client's api_key was
 * checked). */
int case_intake(gz_db *db, const gz_actor *a, json_t *in, int64_t at, bool open311, json_t **outp,
                gz_err *errp);

/* Notifications about c (case_notify.c), in the write's transaction: a new report, and
 * an action taken from state from (ev_org / ev_user as case_event_add got them). */
int case_notify_created(gz_db *db, const gz_actor *a, gz_arena *A, const case_row *c, gz_err *err);
int case_notify_action(gz_db *db, const gz_actor *a, gz_arena *A, const case_row *c,
                       case_action action, case_state from, int64_t ev_org, int64_t ev_user,
                       gz_err *err);
/* The deadline job's reminder: the step c waits for is overdue. */
int case_notify_overdue(gz_db *db, const gz_actor *a, gz_arena *A, const case_row *c, gz_err *err);

/* Its rows of the policy table (cases.h). */
#include "modules/cases/cases.h"

#endif
