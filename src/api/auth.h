/* Authentication and authorisation for handlers: the one place every handler asks
 * "who is this" and "may they do this here".
 *
 *   if (gz_auth_check(r, ACT_READ, RES_SPACE, grid_code, &err) < 0)
 *           return gz_reply_err(r, &err);   // 401, 403, or 404 when out of scope
 *
 * Requests authenticate with "Authorization: Bearer TOKEN" or the session cookie
 * "gz_session"; writes (POST/PUT/PATCH/DELETE) authenticated by cookie also need the
 * "X-CSRF-Token" header. A record outside every scope of the user answers 404 with
 * no field of the record. */
#ifndef GZ_API_AUTH_H
#define GZ_API_AUTH_H

#include "db/db.h"
#include "domain/policy.h"
#include "http/http.h"

#define GZ_AUTH_MAX_GRANTS 32
#define GZ_SCOPE_MAX       64

typedef struct gz_grant {
	policy_role role;
	char scope[GZ_SCOPE_MAX]; /* space code, "" for the whole system */
} gz_grant;

/* Who does a write: the one value every write function takes (issue 8, "Actor").
 *
 * A request's actor is its authenticated user, built once per request from the session
 * (gz_actor_of_request, kept with the request's gz_auth). The command line's actor is the
 * operator (gz_actor_operator, built once per command): someone with direct access to the
 * database and its key, who may do anything and is audited as user "cli" with request id
 * "cli-PID". Authorisation asks the actor (gz_actor_check, gz_actor_scopes), which allows
 * the operator by one explicit branch. There is no "missing actor": a NULL actor is a
 * programming error, refused — gz_actor_check, gz_actor_scopes and gz_audit answer 500
 * "no_actor", gz_actor_is_operator aborts — and never taken as the operator. */
typedef enum gz_actor_kind {
	GZ_ACTOR_USER = 1,     /* a request's authenticated user */
	GZ_ACTOR_OPERATOR = 2, /* the command line, as the operator */
} gz_actor_kind;

typedef struct gz_actor {
	gz_actor_kind kind;
	long long user_id;      /* the user's; 0 for the operator (stored as NULL) */
	char username[65];      /* the user's; "cli" for the operator */
	int ngrants;            /* the user's grants (role + scope); none for the operator */
	const gz_grant *grants; /* points into the request's gz_auth */
	char request_id[32];    /* the request's id (X-Request-Id), or "cli-PID" */
	char ip[48];            /* the client's address; "" for the command line */
	/* The request the actor acts in — its arena, its reply headers (Retry-After), its
	 * Idempotency-Key (gz_api_commit) — or NULL for the operator. Plumbing only: never
	 * consulted to decide what the actor may do. */
	gz_req *req;
} gz_actor;

typedef struct gz_auth {
	long long user_id;
	char username[65];      /* 1..64 bytes, see gz_username_normalise() */
	char display_name[257]; /* up to 64 code points of UTF-8 */
	int ngrants;
	gz_grant grants[GZ_AUTH_MAX_GRANTS];
	bool via_cookie;
	/* Added with the accounts issue: the session this request came with. */
	long long expires_at;         /* ms since epoch */
	unsigned char token_hash[32]; /* BLAKE2b-256 of the raw token, the sessions key */
	char csrf_token[65];          /* hex; what X-CSRF-Token must carry */
	gz_actor actor;               /* the request's actor, built with the session */
	/* Added with issue 9: an administrator reset the password; until the user sets a
	 * new one, the auth hook (gz_api_authenticated) lets through only GET /me,
	 * DELETE /session and POST /me/password. */
	bool must_change_password;
} gz_auth;

/* Fills *a with the command line's actor: the operator, username "cli", request id
 * "cli-PID", no address, no request. Built once per command and passed to every write. */
void gz_actor_operator(gz_actor *a);

/* The actor of r: its authenticated user (built once, cached with r's gz_auth), or NULL
 * with err set exactly as gz_auth_user() (401, 403 csrf_required). */
const gz_actor *gz_actor_of_request(gz_req *r, gz_err *err);

/* The actor of a request that has been authenticated (every route that needs a login is,
 * before its handler runs: the server's auth hook), for handlers passing it on to a
 * write; NULL when r has not been, which every function taking an actor refuses (500),
 * never allows. */
const gz_actor *gz_req_actor(gz_req *r);

/* The smallest node holding every grant of the actor (policy_scope_common of their scopes),
 * into out: where a record about the account itself lies, so the administrators above it
 * read its audit rows. "" for the operator and for an account without grants. */
void gz_actor_scope(const gz_actor *a, char *out, size_t cap);

/* True for the operator (the command line). Writes use it for what the command line
 * does differently by design (no rate limit on comparisons, no lookup audit), never as
 * a substitute for gz_actor_check(). */
bool gz_actor_is_operator(const gz_actor *a);

/* May the actor do action on resource for the record whose scope code is code? The
 * operator: always (an explicit rule: the command line runs with the database's own
 * access). A user: 0, or -1 with err set: 404 "not_found" when no grant's scope contains
 * code, 403 "forbidden" when a grant's scope contains code but no such grant's role
 * allows the action. The one rule; gz_auth_check() is this on the request's actor. */
int gz_actor_check(const gz_actor *a, policy_action action, policy_resource res, const char *code,
                   gz_err *err);

/* The scopes in which the actor may do action on resource (see gz_auth_scopes). The
 * operator: one scope, "" (everything). */
int gz_actor_scopes(const gz_actor *a, policy_action action, policy_resource res,
                    const char **scopes, int max, gz_err *err);

/* The authenticated user of r (cached in r->auth), or NULL with err set to 401
 * "unauthenticated" (no/expired/unknown token, deleted or disabled user) or 403
 * "csrf_required". */
const gz_auth *gz_auth_user(gz_req *r, gz_err *err);

/* gz_actor_check() on r's actor: may the user do action on resource for the record whose
 * scope code is code? Returns 0, or -1 with err set: 401 not logged in; 404
 * "not_found" when no grant's scope contains code (so out-of-scope records are
 * indistinguishable from missing ones); 403 "forbidden" when a grant's scope contains
 * code but no such grant's role allows the action. */
int gz_auth_check(gz_req *r, policy_action action, policy_resource res, const char *code,
                  gz_err *err);

/* The scopes in which the user may do action on resource, for filtering lists in SQL.
 * Fills up to max scope strings (pointing into the auth struct; "" = everything) and
 * returns their count, or -1 with err set (401; 403 when there is none). Scopes nested
 * in another returned scope are omitted. */
int gz_auth_scopes(gz_req *r, policy_action action, policy_resource res, const char **scopes,
                   int max, gz_err *err);

/* ---- Added with the people issue ---- */

/* Self-service: is the record linked to account owner_user_id (e.g. residents.user_id)
 * the authenticated user's own? Returns 0, or -1 with err set: 401 not logged in; 404
 * "not_found" when it is someone else's or linked to nobody (owner_user_id <= 0) —
 * exactly as if it did not exist. No grant, role or scope is consulted: a resident's
 * grant places them in their grid (where they may read the space tree), while their own
 * record is theirs by the account link alone, and the grant gives no other record. */
int gz_auth_self(gz_req *r, long long owner_user_id, gz_err *err);

/* Appends one audit record in the caller's open transaction on db: who (the actor: user
 * id, username, client address, request id; the operator is user "cli" with request id
 * "cli-PID" and no address), action ("grid.import", "resident.reveal", ...), record type
 * and id, scope code of the record, and an optional JSON detail object (not stolen; may
 * be NULL). The one audit function of every write, the API's and the command line's
 * alike; it wraps gz_audit_write(). */
int gz_audit(const gz_actor *a, gz_db *db, const char *action, const char *record_type,
             const char *record_id, const char *scope, json_t *detail, gz_err *err);

/* ---- Added with the accounts issue ---- */

/* One audit row, for writers without a request (the command line) and for the few
 * request paths that act for someone not yet authenticated (login). NULL strings are
 * stored as ''; user_id 0 is stored as NULL. */
typedef struct gz_audit_entry {
	long long user_id;
	const char *username; /* actor: the user, "cli", or the name tried at login */
	const char *action, *record_type, *record_id, *scope;
	const char *ip, *request_id;
	json_t *detail; /* JSON object or NULL; not stolen */
} gz_audit_entry;

/* Appends e to audit_log in the caller's open transaction. The one INSERT into the
 * audit log; gz_audit() wraps it. Returns 0, or -1 with err set. */
int gz_audit_write(gz_db *db, const gz_audit_entry *e, gz_err *err);

/* Session tokens: 32 random bytes, sent as 64 hex digits. Only their BLAKE2b-256 hash
 * (crypto_generichash, no key) is stored. The CSRF token is derived, never stored:
 * hex(crypto_generichash(key = raw token, msg = "csrf")). */
#define GZ_TOKEN_BYTES 32
void gz_auth_token_hash(const unsigned char token[GZ_TOKEN_BYTES], unsigned char out[32]);
void gz_auth_csrf_token(const unsigned char token[GZ_TOKEN_BYTES], char out[65]);

/* Session lifetime in ms: GONGZHI_SESSION_TTL_S seconds (1 .. 31 days), default 12 h. */
long long gz_auth_session_ttl_ms(void);

/* Calls sodium_init() once per process (thread-safe); aborts if libsodium cannot start. */
void gz_auth_sodium_init(void);

#endif
