/* Sessions: log in, log out, who am I.
 *
 *   POST   /api/v1/session  {"username","password"} -> token, csrf_token, user; sets the
 *                            HttpOnly SameSite=Strict cookie gz_session
 *   DELETE /api/v1/session  ends the session of this request (cookie or Bearer)
 *   GET    /api/v1/me       user, roles, scopes, permissions, csrf_token,
 *                            must_change_password
 *   POST   /api/v1/me/password  {"current_password","new_password"}: change my own
 *                            password; every other session of mine ends
 *
 * Wrong password and unknown user answer the same 401 after the same work (an unknown
 * user's password is checked against a dummy hash). Attempts and failures are counted
 * in the database, so every server process sees the same counts: per (account,
 * address) and per address, with a progressive delay per account for the addresses
 * that fail at it (see "rate limit" below); over a limit the answer is 429 with
 * Retry-After, before any password is checked. A disabled account answers exactly as a
 * wrong password (same work, same count, same 401). A wrong current password at
 * POST /me/password is counted and limited as a failed login at that account. */
#include "modules/module.h"
#include "api/common.h"
#include "api/auth.h"
#include "modules/accounts/accounts.h"
#include "modules/notify/notify.h"
#include "core/json.h"
#include "core/log.h"
#include "core/time.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Failed logins (docs/SECURITY.md, "Failed logins"). Nobody elsewhere can lock an
 * account's owner out, and the limits hold under parallel attempts:
 *
 *   "ua:NAME ADDR"  attempts at one account from one address: FAIL_MAX_PAIR per window,
 *                   then that address (only) is refused for that account;
 *   "ip:ADDR"       attempts from one address at any account: FAIL_MAX_IP per window;
 *   "u:NAME"        failures at the account from anywhere: past FAIL_FREE_ACCOUNT, an
 *                   address that has itself failed at the account waits a delay that
 *                   doubles with each further failure (FAIL_DELAY_BASE_MS ..
 *                   FAIL_WINDOW_MS) after its last failure ("t:NAME ADDR"); an address
 *                   without failures there is never delayed, so the owner gets in.
 *
 * The two limits are taken before the password is checked, in one transaction that
 * adds the attempt and reads the count back (an UPSERT ... RETURNING): of N parallel
 * attempts at most the limit are checked, the others are refused and their attempt
 * rolled back. A success gives its attempt back to the address and clears the
 * account's counts. Windows are fixed (FAIL_WINDOW_MS) and swept at each success. */
#define FAIL_WINDOW_MS     (15LL * 60 * 1000)
#define FAIL_MAX_PAIR      5
#define FAIL_MAX_IP        20
#define FAIL_FREE_ACCOUNT  5
#define FAIL_DELAY_BASE_MS 1000LL

/* ---------------------------------------------------------------- rate limit */

/* The counters of one attempt at account name from an address (see above). */
typedef struct {
	const char *ukey, *pkey, *tkey, *ikey;
} attempt_keys;

/* Reads key's row: *count and *start (0 and 0 when there is none). Returns 0 or -1. */
static int failures_read(gz_db *db, const char *key, int64_t *count, int64_t *start, gz_err *err)
{
	*count = *start = 0;
	gz_stmt *st =
	    gz_db_prepare(db, "SELECT window_start, count FROM login_failures WHERE key = $1", err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, key);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		*start = gz_stmt_int64(st, 0);
		*count = gz_stmt_int64(st, 1);
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* Adds one to key in its fixed window (a new window when the old one has passed) and
 * returns the new count and the window's start, atomically (one UPSERT ... RETURNING).
 * With last, the row holds instead the time of the latest event (window_start = now)
 * and how many there were. Returns 0 or -1. */
static int failures_add(gz_db *db, const char *key, int64_t now, bool last, int64_t *count,
                        int64_t *start, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db,
	    last ? "INSERT INTO login_failures (key, window_start, count) VALUES ($1, $2, 1) "
	           "ON CONFLICT (key) DO UPDATE SET count = CASE WHEN "
	           "login_failures.window_start <= $3 THEN 1 ELSE login_failures.count + 1 END, "
	           "window_start = $2 RETURNING count, window_start"
	         : "INSERT INTO login_failures (key, window_start, count) VALUES ($1, $2, 1) "
	           "ON CONFLICT (key) DO UPDATE SET "
	           "count = CASE WHEN login_failures.window_start <= $3 THEN 1 "
	           "ELSE login_failures.count + 1 END, "
	           "window_start = CASE WHEN login_failures.window_start <= $3 THEN $2 "
	           "ELSE login_failures.window_start END RETURNING count, window_start",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, key);
	gz_stmt_bind_int64(st, 2, now);
	gz_stmt_bind_int64(st, 3, now - FAIL_WINDOW_MS);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		*count = gz_stmt_int64(st, 0);
		*start = gz_stmt_int64(st, 1);
	} else if (rc == GZ_DONE) {
		gz_err_set(err, GZ_EINTERNAL, "internal", "登录计数写入失败");
		rc = -1;
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

static int run_key(gz_db *db, const char *sql, const char *key, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, sql, err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, key);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* Milliseconds the pair (ukey's account, tkey's address) must still wait under the
 * account's progressive delay; 0 = now. Returns -1 on error. */
static int64_t delay_for(gz_db *db, const char *ukey, const char *tkey, int64_t now, gz_err *err)
{
	int64_t n, nstart, fails, last;
	if (failures_read(db, ukey, &n, &nstart, err) < 0 ||
	    failures_read(db, tkey, &fails, &last, err) < 0)
		return -1;
	if (n <= FAIL_FREE_ACCOUNT - 1 || nstart + FAIL_WINDOW_MS <= now || !fails ||
	    last + FAIL_WINDOW_MS <= now)
		return 0;
	int64_t shift = n - FAIL_FREE_ACCOUNT;
	int64_t delay = shift >= 20 ? FAIL_WINDOW_MS : FAIL_DELAY_BASE_MS << shift;
	if (delay > FAIL_WINDOW_MS)
		delay = FAIL_WINDOW_MS;
	return last + delay > now ? last + delay - now : 0;
}

/* Takes one attempt for the pair and for the address, atomically. Returns 0 (taken), the
 * milliseconds to wait (> 0: refused, nothing taken), or -1 on error. */
static int64_t attempt_take(gz_db *db, const char *pkey, const char *ikey, int64_t now, gz_err *err)
{
	int64_t pc, ps, ic, is;
	if (gz_db_begin(db, err) < 0)
		return -1;
	if (failures_add(db, pkey, now, false, &pc, &ps, err) < 0 ||
	    failures_add(db, ikey, now, false, &ic, &is, err) < 0) {
		gz_db_rollback(db);
		return -1;
	}
	int64_t wait = 0;
	if (pc > FAIL_MAX_PAIR)
		wait = ps + FAIL_WINDOW_MS - now;
	if (ic > FAIL_MAX_IP && is + FAIL_WINDOW_MS - now > wait)
		wait = is + FAIL_WINDOW_MS - now;
	if (wait > 0) {
		gz_db_rollback(db);
		return wait;
	}
	return gz_db_commit(db, err) < 0 ? -1 : 0;
}

/* After a success (inside its transaction): the pair's and the account's counts are
 * cleared, the address gets its attempt back, and windows that have passed are
 * dropped (indexed range). */
static int failures_forget(gz_db *db, const attempt_keys *k, int64_t now, gz_err *err)
{
	const char *del = "DELETE FROM login_failures WHERE key = $1";
	if (run_key(db, del, k->ukey, err) < 0 || run_key(db, del, k->pkey, err) < 0 ||
	    run_key(db, del, k->tkey, err) < 0 ||
	    run_key(db, "UPDATE login_failures SET count = count - 1 WHERE key = $1 AND count > 0",
	            k->ikey, err) < 0)
		return -1;
	gz_stmt *st = gz_db_prepare(db, "DELETE FROM login_failures WHERE window_start <= $1", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, now - FAIL_WINDOW_MS);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* 429 too_many_attempts with Retry-After (whole seconds, rounded up). */
static void reply_too_many(gz_req *r, int64_t wait_ms)
{
	gz_err err;
	gz_err_clear(&err);
	char ra[24];
	snprintf(ra, sizeof ra, "%lld", (long long)((wait_ms + 999) / 1000));
	gz_err_set(&err, GZ_ETOOMANY, "too_many_attempts", "登录失败次数过多，请 %s 秒后再试", ra);
	gz_reply_err(r, &err);
	gz_reply_header(r, "Retry-After", ra);
}

static void keys_for(gz_req *r, const char *name, attempt_keys *k)
{
	k->ukey = gz_arena_printf(&r->arena, "u:%s", name);
	k->pkey = gz_arena_printf(&r->arena, "ua:%s %s", name, r->client_ip);
	k->tkey = gz_arena_printf(&r->arena, "t:%s %s", name, r->client_ip);
	k->ikey = gz_arena_printf(&r->arena, "ip:%s", r->client_ip);
}

/* Counts a failure at the account (and for the account's delay of this address), in the
 * caller's open transaction. Returns 0 or -1. */
static int failure_count(gz_db *db, const attempt_keys *k, int64_t now, gz_err *err)
{
	int64_t c, t;
	return failures_add(db, k->ukey, now, false, &c, &t, err) < 0 ||
	               failures_add(db, k->tkey, now, true, &c, &t, err) < 0
	           ? -1
	           : 0;
}

/* Before any password is checked (the right one does not get through either): first the
 * account's delay for an address that failed there, then the attempt itself is taken
 * against the pair's and the address's limits. Returns 0 (go on), 1 (refused: answered
 * 429 with Retry-After), or -1 with err set. */
static int attempt_gate(gz_req *r, gz_db *db, const attempt_keys *k, int64_t now, gz_err *err)
{
	int64_t wait = delay_for(db, k->ukey, k->tkey, now, err);
	if (wait == 0)
		wait = attempt_take(db, k->pkey, k->ikey, now, err);
	if (wait > 0)
		reply_too_many(r, wait);
	return wait < 0 ? -1 : wait > 0;
}

/* ---------------------------------------------------------------- helpers */

static void set_cookie(gz_req *r, const char *token, int64_t max_age_s)
{
	/* Secure whenever the client came over TLS (through a trusted proxy that says so),
	 * or when the operator forces it. */
	const char *force = getenv("GONGZHI_COOKIE_SECURE");
	bool secure = r->secure || (force && !strcmp(force, "1"));
	char *v = gz_arena_printf(&r->arena,
	                          "gz_session=%s; Path=/; HttpOnly; SameSite=Strict; "
	                          "Max-Age=%lld%s",
	                          token, (long long)max_age_s, secure ? "; Secure" : "");
	gz_reply_header(r, "Set-Cookie", v);
	gz_reply_header(r, "Cache-Control", "no-store");
}

/* What each resource allows the user, per action, as the scopes it holds in:
 * {"space":{"read":["110105001"],"write":[],"admin":[]}, ...}. */
static json_t *permissions_json(gz_req *r)
{
	json_t *o = json_object();
	for (int res = 0; res < policy_resource_count(); res++) {
		json_t *acts = json_object();
		for (int a = 0; a < ACT__COUNT; a++) {
			const char *sc[GZ_AUTH_MAX_GRANTS];
			gz_err e;
			gz_err_clear(&e);
			int n = gz_auth_scopes(r, (policy_action)a, (policy_resource)res, sc,
			                       GZ_AUTH_MAX_GRANTS, &e);
			json_t *arr = json_array();
			for (int i = 0; i < n; i++)
				json_array_append_new(arr, json_string(sc[i]));
			json_object_set_new(acts, policy_action_name((policy_action)a), arr);
		}
		json_object_set_new(o, policy_resource_name((policy_resource)res), acts);
	}
	return o;
}

static json_t *user_json(long long id, const char *username, const char *display, const gz_grant *g,
                         int n)
{
	char idbuf[24];
	snprintf(idbuf, sizeof idbuf, "%lld", id);
	return json_pack("{s:s,s:s,s:s,s:o}", "id", idbuf, "username", username, "display_name",
	                 display, "roles", gz_grants_json(g, n));
}

/* ---------------------------------------------------------------- POST /session */

static void login(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *in = NULL;
	gz_db *db = NULL;
	const char *username = NULL, *password = NULL;
	bool in_tx = false;
	char norm[GZ_USERNAME_MAX + 1];

	if (!(in = gz_req_json(r, &err)))
		goto fail;
	gz_json_str(in, "username", GZ_REQUIRED, 1, GZ_USERNAME_MAX, &username, &err);
	gz_json_str(in, "password", GZ_REQUIRED, 1, GZ_PASSWORD_MAX, &password, &err);
	if (gz_json_check(&err) < 0 || !(db = gz_req_db(r, &err)))
		goto fail;
	bool valid_name = gz_username_normalise(username, norm, NULL, NULL) == 0;
	if (!valid_name) /* count it under a name no account can have */
		snprintf(norm, sizeof norm, "%s", "!invalid");
	attempt_keys k;
	keys_for(r, norm, &k);
	int64_t now = gz_time_now_ms();
	int gate = attempt_gate(r, db, &k, now, &err);
	if (gate < 0)
		goto fail;
	if (gate > 0) { /* answered 429 */
		json_decref(in);
		return;
	}

	gz_user_row *u = gz_arena_alloc(&r->arena, sizeof *u);
	int found = valid_name ? gz_user_by_name(db, norm, false, u, &err) : 0;
	if (found < 0)
		goto fail;
	char hash[GZ_PWHASH_MAX] = "";
	if (found && gz_user_password_hash(db, u->id, hash, &err) < 0)
		goto fail;
	bool ok;
	if (found && hash[0]) {
		/* Verified even when disabled: the same work as any wrong password. */
		ok = gz_password_verify(hash, password) && !u->disabled_at;
	} else {
		gz_password_burn(password);
		ok = false;
	}

	now = gz_time_now_ms();
	if (!ok) {
		if (gz_db_begin(db, &err) < 0)
			goto fail;
		in_tx = true;
		gz_audit_entry e = {.username = valid_name ? norm : "",
		                    .action = "session.login_failed",
		                    .record_type = "user",
		                    .ip = r->client_ip,
		                    .request_id = r->id};
		if (failure_count(db, &k, now, &err) < 0 || gz_audit_write(db, &e, &err) < 0 ||
		    gz_db_commit(db, &err) < 0)
			goto fail;
		in_tx = false;
		gz_err_set(&err, GZ_EUNAUTH, "invalid_credentials", "用户名或密码错误");
		goto fail;
	}

	/* A new session: 32 random bytes; only their hash is stored. */
	unsigned char token[GZ_TOKEN_BYTES], th[32];
	char token_hex[2 * GZ_TOKEN_BYTES + 1], csrf[65], idbuf[24], scope[GZ_SCOPE_MAX], exp_s[32];
	gz_auth_sodium_init();
	randombytes_buf(token, sizeof token);
	gz_auth_token_hash(token, th);
	gz_auth_csrf_token(token, csrf);
	sodium_bin2hex(token_hex, sizeof token_hex, token, sizeof token);
	sodium_memzero(token, sizeof token);
	int64_t ttl = gz_auth_session_ttl_ms();
	int64_t expires = now + ttl;
	snprintf(idbuf, sizeof idbuf, "%lld", (long long)u->id);
	gz_user_scope(u, scope);

	if (gz_db_begin(db, &err) < 0)
		goto fail;
	in_tx = true;
	gz_stmt *st = gz_db_prepare(db, "DELETE FROM sessions WHERE expires_at <= $1", &err);
	int rc = -1;
	if (st) {
		gz_stmt_bind_int64(st, 1, now);
		rc = gz_stmt_step(st, &err);
		gz_stmt_finish(st);
	}
	if (rc < 0)
		goto fail;
	st = gz_db_prepare(db,
	                   "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) "
	                   "VALUES ($1, $2, $3, $4)",
	                   &err);
	if (!st)
		goto fail;
	gz_stmt_bind_blob(st, 1, th, sizeof th);
	gz_stmt_bind_int64(st, 2, u->id);
	gz_stmt_bind_int64(st, 3, now);
	gz_stmt_bind_int64(st, 4, expires);
	rc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	gz_audit_entry e = {.user_id = u->id,
	                    .username = u->username,
	                    .action = "session.login",
	                    .record_type = "user",
	                    .record_id = idbuf,
	                    .scope = scope,
	                    .ip = r->client_ip,
	                    .request_id = r->id};
	if (rc < 0 || failures_forget(db, &k, now, &err) < 0 || gz_audit_write(db, &e, &err) < 0)
		goto fail;
	/* The answer's places are named inside the transaction: nothing may fail after the
	 * COMMIT. */
	json_t *uj = user_json(u->id, u->username, u->display_name, u->grants, u->ngrants);
	if (gz_users_name_scopes(db, &r->arena, &uj, 1, &err) < 0 || gz_db_commit(db, &err) < 0) {
		json_decref(uj);
		goto fail;
	}

	json_t *out = json_pack("{s:s,s:s,s:s,s:o,s:b}", "token", token_hex, "csrf_token", csrf,
	                        "expires_at", gz_time_rfc3339(expires, exp_s, sizeof exp_s), "user",
	                        uj, "must_change_password", u->password_reset_at != 0);
	set_cookie(r, token_hex, ttl / 1000);
	sodium_memzero(token_hex, sizeof token_hex);
	json_decref(in);
	gz_reply_json(r, 201, out);
	return;
fail:
	if (in_tx)
		gz_db_rollback(db);
	json_decref(in);
	gz_reply_err(r, &err);
}

/* ---------------------------------------------------------------- DELETE /session */

static void logout(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = NULL;
	bool in_tx = false;
	const gz_auth *a = gz_auth_user(r, &err);
	if (!a)
		goto fail;
	if (!(db = gz_req_db(r, &err)) || gz_db_begin(db, &err) < 0)
		goto fail;
	in_tx = true;
	gz_stmt *st = gz_db_prepare(db, "DELETE FROM sessions WHERE token_hash = $1", &err);
	if (!st)
		goto fail;
	gz_stmt_bind_blob(st, 1, a->token_hash, sizeof a->token_hash);
	int rc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	char idbuf[24];
	snprintf(idbuf, sizeof idbuf, "%lld", a->user_id);
	gz_user_row u = {.ngrants = a->ngrants};
	memcpy(u.grants, a->grants, sizeof u.grants);
	char scope[GZ_SCOPE_MAX];
	gz_user_scope(&u, scope);
	if (rc < 0 ||
	    gz_audit(&a->actor, db, "session.logout", "user", idbuf, scope, NULL, &err) < 0 ||
	    gz_notify_end_streams(db, a->user_id, &err) < 0 || gz_db_commit(db, &err) < 0)
		goto fail;
	set_cookie(r, "", 0);
	gz_reply_raw(r, 204, NULL, "", 0);
	return;
fail:
	if (in_tx)
		gz_db_rollback(db);
	gz_reply_err(r, &err);
	/* Whatever happened, the browser should forget a cookie that did not work. */
	if (err.kind == GZ_EUNAUTH)
		set_cookie(r, "", 0);
}

/* ---------------------------------------------------------------- GET /me */

static void me(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_auth *a = gz_auth_user(r, &err);
	if (!a) {
		gz_reply_err(r, &err);
		return;
	}
	json_t *scopes = json_array();
	for (int i = 0; i < a->ngrants; i++) {
		bool seen = false;
		for (int j = 0; j < i && !seen; j++)
			seen = !strcmp(a->grants[j].scope, a->grants[i].scope);
		if (!seen)
			json_array_append_new(scopes, json_string(a->grants[i].scope));
	}
	char exp_s[32];
	json_t *uj = user_json(a->user_id, a->username, a->display_name, a->grants, a->ngrants);
	gz_db *db = gz_req_db(r, &err);
	if (!db || gz_users_name_scopes(db, &r->arena, &uj, 1, &err) < 0) {
		json_decref(uj);
		json_decref(scopes);
		gz_reply_err(r, &err);
		return;
	}
	json_t *out = json_pack("{s:o,s:o,s:o,s:s,s:s,s:b}", "user", uj, "scopes", scopes,
	                        "permissions", permissions_json(r), "csrf_token", a->csrf_token,
	                        "expires_at", gz_time_rfc3339(a->expires_at, exp_s, sizeof exp_s),
	                        "must_change_password", a->must_change_password);
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_json(r, 200, out);
}

/* ---------------------------------------------------------------- POST /me/password */

/* The scope of the authenticated user's own account, for its audit rows. */
static void own_scope(const gz_auth *a, char scope[GZ_SCOPE_MAX])
{
	gz_user_row u = {.ngrants = a->ngrants};
	memcpy(u.grants, a->grants, sizeof u.grants);
	gz_user_scope(&u, scope);
}

/* The current password is checked like a login at the user's own account: the same
 * delay and limits before checking (429), the same counts after a failure (so a stolen
 * session does not give unlimited guesses), a success clears them. The new password
 * obeys gz_password_check and differs from the current one. */
static void password_change(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *in = NULL, *out = NULL;
	gz_db *db = NULL;
	const char *current = NULL, *fresh = NULL;
	bool in_tx = false;
	char hash[GZ_PWHASH_MAX] = "", idbuf[24], scope[GZ_SCOPE_MAX];

	const gz_auth *a = gz_auth_user(r, &err);
	if (!a || !(in = gz_req_json(r, &err)))
		goto fail;
	gz_json_str(in, "current_password", GZ_REQUIRED, 1, GZ_PASSWORD_MAX, &current, &err);
	if (gz_json_str(in, "new_password", GZ_REQUIRED, 1, GZ_PASSWORD_MAX, &fresh, &err) == 0 &&
	    fresh)
		gz_password_check(fresh, &err, "new_password");
	if (gz_json_check(&err) < 0 || !(db = gz_req_db(r, &err)))
		goto fail;
	snprintf(idbuf, sizeof idbuf, "%lld", a->user_id);
	own_scope(a, scope);
	attempt_keys k;
	keys_for(r, a->username, &k);
	int64_t now = gz_time_now_ms();
	int gate = attempt_gate(r, db, &k, now, &err);
	if (gate < 0)
		goto fail;
	if (gate > 0) { /* answered 429 */
		json_decref(in);
		return;
	}
	int found = gz_user_password_hash(db, a->user_id, hash, &err);
	if (found < 0)
		goto fail;
	if (!found || !hash[0] || !gz_password_verify(hash, current)) {
		now = gz_time_now_ms();
		if (gz_db_begin(db, &err) < 0)
			goto fail;
		in_tx = true;
		if (failure_count(db, &k, now, &err) < 0 ||
		    gz_audit(&a->actor, db, "user.password_change_failed", "user", idbuf, scope,
		             NULL, &err) < 0 ||
		    gz_db_commit(db, &err) < 0)
			goto fail;
		in_tx = false;
		gz_err_set(&err, GZ_EINVALID, "wrong_password", "当前密码不正确");
		gz_err_field(&err, "current_password", "不正确");
		goto fail;
	}
	if (!strcmp(current, fresh)) {
		gz_err_set(&err, GZ_EINVALID, "invalid_fields", "新密码不能与当前密码相同");
		gz_err_field(&err, "new_password", "不能与当前密码相同");
		goto fail;
	}
	if (gz_password_hash(fresh, hash, &err) < 0 || gz_db_begin(db, &err) < 0)
		goto fail;
	in_tx = true;
	int rc = gz_user_set_password(db, a->user_id, hash, false, a->token_hash, &err);
	sodium_memzero(hash, sizeof hash);
	if (rc == 0)
		gz_err_set(&err, GZ_EUNAUTH, "unauthenticated", "未登录或登录已失效，请重新登录");
	out = json_pack("{s:b}", "must_change_password", 0);
	if (rc <= 0 || failures_forget(db, &k, now, &err) < 0 ||
	    gz_audit(&a->actor, db, "user.password_change", "user", idbuf, scope, NULL, &err) < 0 ||
	    gz_api_commit(r, db, 200, out, &err) < 0)
		goto fail;
	json_decref(in);
	gz_reply_json(r, 200, out);
	return;
fail:
	if (in_tx)
		gz_db_rollback(db);
	sodium_memzero(hash, sizeof hash);
	json_decref(out);
	json_decref(in);
	gz_reply_err(r, &err);
}

const gz_module_route gz_accounts_session_routes[] = {
    {"POST", "/api/v1/session", login, GZ_ROUTE_PUBLIC, 0},
    {"DELETE", "/api/v1/session", logout, 0, 0},
    {"GET", "/api/v1/me", me, 0, 0},
    {"POST", "/api/v1/me/password", password_change, 0, 0},
    {0},
};
