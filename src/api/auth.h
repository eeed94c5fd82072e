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

#include "domain/policy.h"
#include "http/http.h"

#define GZ_AUTH_MAX_GRANTS 32
#define GZ_SCOPE_MAX 64

typedef struct gz_grant {
	policy_role role;
	char scope[GZ_SCOPE_MAX]; /* space code, "" for the whole system */
} gz_grant;

typedef struct gz_auth {
	long long user_id;
	char username[64];
	char display_name[128];
	int ngrants;
	gz_grant grants[GZ_AUTH_MAX_GRANTS];
	bool via_cookie;
} gz_auth;

/* The authenticated user of r (cached in r->auth), or NULL with err set to 401
 * "unauthenticated" (no/expired/unknown token, deleted user) or 403 "csrf_required". */
const gz_auth *gz_auth_user(gz_req *r, gz_err *err);

/* May the user do action on resource for the record whose scope code is code?
 * Returns 0, or -1 with err set: 401 not logged in; 404 "not_found" when no grant's
 * scope contains code (so out-of-scope records are indistinguishable from missing
 * ones); 403 "forbidden" when a grant's scope contains code but no such grant's role
 * allows the action. */
int gz_auth_check(gz_req *r, policy_action action, policy_resource res, const char *code,
		  gz_err *err);

/* The scopes in which the user may do action on resource, for filtering lists in SQL.
 * Fills up to max scope strings (pointing into the auth struct; "" = everything) and
 * returns their count, or -1 with err set (401; 403 when there is none). Scopes nested
 * in another returned scope are omitted. */
int gz_auth_scopes(gz_req *r, policy_action action, policy_resource res,
		   const char **scopes, int max, gz_err *err);

/* Appends one audit record in the caller's open transaction on db: who (from r's
 * auth, may be anonymous), action ("grid.import", "resident.reveal", ...), record
 * type and id, scope code of the record, client address, request id, and an
 * optional JSON detail object (not stolen; may be NULL). */
int gz_audit(gz_req *r, gz_db *db, const char *action, const char *record_type,
	     const char *record_id, const char *scope, json_t *detail, gz_err *err);

#endif
