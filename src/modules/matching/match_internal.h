/* Supply–demand matching: what the module's handler files share (not for other
 * modules: they use matching.h). */
#ifndef GZ_MODULES_MATCHING_INTERNAL_H
#define GZ_MODULES_MATCHING_INTERNAL_H

#include "modules/matching/matching.h"
#include "modules/matching/rules.h"
#include "api/auth.h"
#include "api/common.h"
#include "db/db.h"
#include "http/http.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* Every answer showing a need reads these columns, in this order (FROM NEED_FROM). */
#define NEED_COLS                                                                                  \
	"n.id, n.grid_code, g.name, n.resident_id, r.name, n.kind, n.skill, n.title, "             \
	"n.description, n.lng_e7, n.lat_e7, n.window_start, n.window_end, n.est_minutes, "         \
	"n.status, n.offer_id, o.name, n.minutes, n.rating, n.rating_comment, n.posted_by_name, "  \
	"n.created_at, n.updated_at, n.points, COALESCE(b.name || ' ' || u.number, ''), "          \
	"COALESCE(b.name, '')"
#define NEED_FROM                                                                                  \
	" FROM match_needs n JOIN residents r ON r.id = n.resident_id LEFT JOIN grids g ON "       \
	"g.code = n.grid_code LEFT JOIN match_offers o ON o.id = n.offer_id LEFT JOIN units u ON " \
	"u.id = n.unit_id LEFT JOIN buildings b ON b.id = u.building_id"

/* A need row as JSON (the resident's name masked unless the actor may see it). */
json_t *match_need_json(const gz_actor *a, gz_arena *A, gz_stmt *st);
/* Need id as JSON into *out (NULL: none). 1 found, 0 not, -1 error. */
int match_need_read(gz_db *db, const gz_actor *a, gz_arena *A, int64_t id, json_t **out,
                    gz_err *err);

/* A need's row for a write, locked in the open transaction. */
typedef struct match_need_row {
	int64_t id, resident_id, offer_id, resident_user, offer_user, window_end;
	char grid[16];
	int state; /* need_state */
} match_need_row;
/* 1 found, 0 not, -1 error. */
int match_need_load(gz_db *db, int64_t id, match_need_row *n, gz_err *err);
/* Moves the need along action (409 bad_state when not allowed); writes status and
 * updated_at only. */
int match_need_move(gz_db *db, match_need_row *n, need_action act, int64_t now, gz_err *err);

/* The actor's display name (the username when it has none), into out. */
void match_actor_name(gz_db *db, const gz_actor *a, char *out, size_t cap);

/* Audits action on (type, id) at scope with detail (stolen). */
int match_audit(const gz_actor *a, gz_db *db, const char *action, const char *type, int64_t id,
                const char *scope, json_t *detail, gz_err *err);

/* Commits and sets *out = answer, or rolls back; returns 0 or -1 (as mob_finish). */
int match_finish(const gz_actor *a, gz_db *db, int status, json_t *answer, json_t **out,
                 gz_err *err);

/* Handlers of POST .../{id}/action: parse the (optional) body, call fn with the request's
 * actor and the clock, answer status with *out or the error. */
typedef int (*match_id_write_fn)(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                                 json_t **out, gz_err *err);
void match_handle(gz_req *r, match_id_write_fn fn, int status);

/* The settings of scope '' (name -> value), 0 when missing. */
int match_setting(gz_db *db, const char *name, int64_t *value, gz_err *err);

/* A declared setting (settings.c: the one table; "tag:<code>" for each resident tag). */
typedef struct match_setting_def {
	const char *name, *label;
	int64_t min, max, def;
	bool system_only; /* only for the whole system (scope ''), e.g. the runs' schedule */
} match_setting_def;
bool match_setting_def_find(const char *name, match_setting_def *out);
/* The settings in force at scope (a community: its row, else its street's, else the whole
 * system's, else the default): *values name -> integer; *from (may be NULL) name -> the
 * scope that set it (absent: the default). New references; 0, or -1 with err set. */
int match_settings_at(gz_db *db, const char *scope, json_t **values, json_t **from, gz_err *err);
int64_t match_settings_value(json_t *values, const char *name);

int64_t match_path_id(gz_req *r);

/* The whole POST handler of a create: parse the body, call fn with the request's actor
 * and the clock, answer 201 with *out or the error. */
typedef int (*match_write_fn)(gz_db *db, const gz_actor *a, json_t *in, int64_t now, json_t **out,
                              gz_err *err);
void match_create(gz_req *r, match_write_fn fn);

/* The module's lists: newest first in the caller's scopes for read on res, narrowed by
 * ?grid|community|street=; sql takes $1 lo, $2 hi, $3 the key after, $4 limit + 1 and
 * texts as $5..; rows come in id DESC order and row() sets the key with match_key(). */
void match_scoped_list(gz_req *r, const char *sql, policy_resource res, const char *const *texts,
                       int ntexts, json_t *(*row)(gz_req *r, gz_stmt *st, int64_t *key));
#define MATCH_KEY_TOP_SQL "999999999999999999"
static inline int64_t match_key(int64_t id)
{
	return INT64_C(999999999999999999) - id;
}

/* gz_actor_check for one record at scope, except that an actor who may not even read
 * such records there gets 404 not_found (as for a record that does not exist), never
 * 403. */
/* Do grants g[0..n) still serve an offer placed at scope: one of them writes offers at a
 * place that contains scope or lies inside it? (Staff record an offer at their community
 * for a Party member granted at one of its grids: that member serves it.) */
bool match_grants_serve(const gz_grant *g, int n, const char *scope);
/* Is a the owner (user) of an offer placed at scope who still serves there
 * (match_grants_serve)? A provider whose grant was revoked keeps their offers' rows, not
 * what they open: the open needs, claims, answers to proposals and a run's proposals
 * (security review 6, finding 10). */
bool match_offer_serving(const gz_actor *a, int64_t user, const char *scope);

int match_scope_check(const gz_actor *a, policy_action act, policy_resource res, const char *scope,
                      gz_err *err);

extern policy_resource RES_MATCH_NEED, RES_MATCH_OFFER, RES_MATCH_PROJECT, RES_MATCH_SETTINGS;

#endif
