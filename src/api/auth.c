/* Authentication (who is this request) and authorisation (may they do this here), and
 * the audit log writer. See api/auth.h for the contract. */
#include "api/auth.h"
#include "api/common.h"
#include "core/json.h"
#include "core/time.h"

#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---------------------------------------------------------------- tokens */

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;

static void sodium_start(void)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "gongzhi: libsodium failed to initialise\n");
		abort();
	}
}

void gz_auth_sodium_init(void)
{
	pthread_once(&sodium_once, sodium_start);
}

void gz_auth_token_hash(const unsigned char token[GZ_TOKEN_BYTES], unsigned char out[32])
{
	gz_auth_sodium_init();
	crypto_generichash(out, 32, token, GZ_TOKEN_BYTES, NULL, 0);
}

void gz_auth_csrf_token(const unsigned char token[GZ_TOKEN_BYTES], char out[65])
{
	unsigned char h[32];
	gz_auth_sodium_init();
	crypto_generichash(h, sizeof h, (const unsigned char *)"csrf", 4, token, GZ_TOKEN_BYTES);
	sodium_bin2hex(out, 65, h, sizeof h);
}

long long gz_auth_session_ttl_ms(void)
{
	const char *v = getenv("GONGZHI_SESSION_TTL_S");
	if (v && *v) {
		char *end;
		long long s = strtoll(v, &end, 10);
		if (!*end && s >= 1 && s <= 31LL * 86400)
			return s * 1000;
	}
	return 12LL * 3600 * 1000;
}

/* Exactly 64 hex digits -> 32 bytes. Returns 0 or -1. */
static int token_parse(const char *s, size_t len, unsigned char out[GZ_TOKEN_BYTES])
{
	if (len != 2 * GZ_TOKEN_BYTES)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return -1;
	size_t n = 0;
	if (sodium_hex2bin(out, GZ_TOKEN_BYTES, s, len, NULL, &n, NULL) != 0 || n != GZ_TOKEN_BYTES)
		return -1;
	return 0;
}

/* The value of cookie name in a Cookie header ("a=1; gz_session=...; b=2"), as a
 * pointer into header and a length; NULL if absent. */
static const char *cookie_value(const char *header, const char *name, size_t *len)
{
	size_t nl = strlen(name);
	const char *p = header;
	while (p && *p) {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		const char *end = strchr(p, ';');
		size_t plen = end ? (size_t)(end - p) : strlen(p);
		if (plen > nl && !strncmp(p, name, nl) && p[nl] == '=') {
			const char *v = p + nl + 1;
			size_t vl = plen - nl - 1;
			while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				vl--;
			if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"')
				v++, vl -= 2;
			*len = vl;
			return v;
		}
		p = end;
	}
	return NULL;
}

static bool is_write_method(const char *m)
{
	return m && (!strcmp(m, "POST") || !strcmp(m, "PUT") || !strcmp(m, "PATCH") ||
	             !strcmp(m, "DELETE"));
}

/* ---------------------------------------------------------------- who is this */

static int unauth(gz_err *err)
{
	return gz_err_set(err, GZ_EUNAUTH, "unauthenticated", "未登录或登录已失效，请重新登录");
}

/* The session, its user and the user's grants in one statement: one snapshot, so the
 * grants are those of the user as the session was found (a row per grant; role NULL
 * when there is none). */
static const char *sql_session =
    "SELECT u.id, u.username, u.display_name, s.expires_at, g.role, g.scope, "
    "u.password_reset_at FROM sessions s "
    "JOIN users u ON u.id = s.user_id LEFT JOIN grants g ON g.user_id = u.id "
    "WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.deleted_at IS NULL "
    "AND u.disabled_at IS NULL";

/* Copies src into dst (cap bytes, always NUL-terminated, cut if longer). */
static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Grants in (scope, role name) order, so "the first of equal scopes" is the same on
 * every request (sorted here rather than by the query: this runs on every request). */
static int grant_cmp(const void *x, const void *y)
{
	const gz_grant *a = x, *b = y;
	int c = strcmp(a->scope, b->scope);
	return c ? c : strcmp(policy_role_name(a->role), policy_role_name(b->role));
}

/* Loads the session for token into a (already zeroed). Returns 1 found, 0 not, -1. */
static int session_load(gz_db *db, const unsigned char token[GZ_TOKEN_BYTES], gz_auth *a,
                        gz_err *err)
{
	gz_auth_token_hash(token, a->token_hash);
	gz_stmt *st = gz_db_prepare(db, sql_session, err);
	if (!st)
		return -1;
	gz_stmt_bind_blob(st, 1, a->token_hash, sizeof a->token_hash);
	gz_stmt_bind_int64(st, 2, gz_time_now_ms());
	int rc, rows = 0;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		if (rows++ == 0) {
			a->user_id = gz_stmt_int64(st, 0);
			copy_str(a->username, sizeof a->username, gz_stmt_text(st, 1));
			copy_str(a->display_name, sizeof a->display_name, gz_stmt_text(st, 2));
			a->expires_at = gz_stmt_int64(st, 3);
			a->must_change_password = !gz_stmt_isnull(st, 6);
		}
		if (gz_stmt_isnull(st, 4))
			continue;
		int role = policy_role_parse(gz_stmt_text(st, 4));
		const char *scope = gz_stmt_text(st, 5);
		/* A role this build does not know, or a scope too long to hold, grants
		 * nothing: skipping it can only narrow access. */
		if (role < 0 || strlen(scope) >= GZ_SCOPE_MAX || a->ngrants == GZ_AUTH_MAX_GRANTS)
			continue;
		a->grants[a->ngrants].role = (policy_role)role;
		copy_str(a->grants[a->ngrants].scope, GZ_SCOPE_MAX, scope);
		a->ngrants++;
	}
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	qsort(a->grants, (size_t)a->ngrants, sizeof a->grants[0], grant_cmp);
	return rows > 0;
}

const gz_auth *gz_auth_user(gz_req *r, gz_err *err)
{
	if (r->auth)
		return r->auth;

	/* Bearer wins over the cookie: a page on another site can make the browser send
	 * the cookie, but never an Authorization header. */
	unsigned char token[GZ_TOKEN_BYTES];
	bool via_cookie = false;
	const char *h = gz_req_header(r, "Authorization");
	if (h) {
		if (strncasecmp(h, "Bearer ", 7) != 0)
			return unauth(err), NULL;
		const char *t = h + 7;
		while (*t == ' ')
			t++;
		size_t n = strlen(t);
		while (n && t[n - 1] == ' ')
			n--;
		if (token_parse(t, n, token) < 0)
			return unauth(err), NULL;
	} else {
		const char *c = gz_req_header(r, "Cookie");
		size_t n = 0;
		const char *v = c ? cookie_value(c, "gz_session", &n) : NULL;
		if (!v || token_parse(v, n, token) < 0)
			return unauth(err), NULL;
		via_cookie = true;
	}

	gz_db *db = gz_req_db(r, err);
	if (!db)
		return NULL;
	gz_auth *a = gz_arena_alloc(&r->arena, sizeof *a);
	int rc = session_load(db, token, a, err);
	if (rc <= 0) {
		sodium_memzero(token, sizeof token);
		return rc < 0 ? NULL : (unauth(err), NULL);
	}
	a->via_cookie = via_cookie;
	gz_auth_csrf_token(token, a->csrf_token);
	sodium_memzero(token, sizeof token);

	if (via_cookie && is_write_method(r->method)) {
		const char *x = gz_req_header(r, "X-CSRF-Token");
		if (!x || strlen(x) != 64 || sodium_memcmp(x, a->csrf_token, 64) != 0) {
			gz_err_set(err, GZ_EFORBIDDEN, "csrf_required",
			           "使用 Cookie 登录时，写操作需要有效的 X-CSRF-Token 请求头");
			return NULL;
		}
	}
	a->actor = (gz_actor){.kind = GZ_ACTOR_USER,
	                      .user_id = a->user_id,
	                      .ngrants = a->ngrants,
	                      .grants = a->grants,
	                      .req = r};
	snprintf(a->actor.username, sizeof a->actor.username, "%s", a->username);
	snprintf(a->actor.request_id, sizeof a->actor.request_id, "%s", r->id);
	snprintf(a->actor.ip, sizeof a->actor.ip, "%s", r->client_ip);
	r->auth = a;
	return a;
}

/* ---------------------------------------------------------------- the actor */

void gz_actor_operator(gz_actor *a)
{
	*a = (gz_actor){.kind = GZ_ACTOR_OPERATOR};
	snprintf(a->username, sizeof a->username, "cli");
	snprintf(a->request_id, sizeof a->request_id, "cli-%ld", (long)getpid());
}

const gz_actor *gz_actor_of_request(gz_req *r, gz_err *err)
{
	const gz_auth *a = gz_auth_user(r, err);
	return a ? &a->actor : NULL;
}

const gz_actor *gz_req_actor(gz_req *r)
{
	const gz_auth *a = r->auth;
	return a ? &a->actor : NULL;
}

static bool actor_valid(const gz_actor *a)
{
	return a && (a->kind == GZ_ACTOR_USER || a->kind == GZ_ACTOR_OPERATOR);
}

/* A NULL or unbuilt actor is a bug in the caller, never "allowed": refuse, loudly. */
static int no_actor(gz_err *err)
{
	fprintf(stderr, "gongzhi: BUG: a write was called without an actor\n");
	return gz_err_set(err, GZ_EINTERNAL, "no_actor", "服务器内部错误");
}

void gz_actor_scope(const gz_actor *a, char *out, size_t cap)
{
	snprintf(out, cap, "%s", a && a->ngrants ? a->grants[0].scope : "");
	for (int i = 1; a && i < a->ngrants; i++) {
		char tmp[GZ_SCOPE_MAX];
		policy_scope_common(out, a->grants[i].scope, tmp, sizeof tmp);
		snprintf(out, cap, "%s", tmp);
	}
}

bool gz_actor_is_operator(const gz_actor *a)
{
	if (!actor_valid(a)) {
		fprintf(stderr, "gongzhi: BUG: a write was called without an actor\n");
		abort();
	}
	return a->kind == GZ_ACTOR_OPERATOR;
}

/* ---------------------------------------------------------------- may they */

int gz_actor_check(const gz_actor *a, policy_action action, policy_resource res, const char *code,
                   gz_err *err)
{
	if (!actor_valid(a))
		return no_actor(err);
	/* The operator (the command line) may do anything: it holds the database itself. */
	if (gz_actor_is_operator(a))
		return 0;
	if (!code)
		code = "";
	bool in_scope = false;
	for (int i = 0; i < a->ngrants; i++) {
		if (!policy_scope_contains(a->grants[i].scope, code))
			continue;
		in_scope = true;
		if (policy_allows(a->grants[i].role, action, res))
			return 0;
	}
	if (!in_scope)
		return gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这条记录");
	return gz_err_set(err, GZ_EFORBIDDEN, "forbidden", "当前角色无权执行此操作");
}

int gz_actor_scopes(const gz_actor *a, policy_action action, policy_resource res,
                    const char **scopes, int max, gz_err *err)
{
	if (!actor_valid(a))
		return no_actor(err);
	/* The operator: everything, as one scope. */
	if (gz_actor_is_operator(a)) {
		if (max < 1)
			return gz_err_set(err, GZ_EFORBIDDEN, "forbidden",
			                  "当前角色无权执行此操作");
		scopes[0] = "";
		return 1;
	}
	/* Keep the scopes of allowing grants that no other allowing grant contains
	 * (for equal scopes, the first). */
	int n = 0;
	for (int i = 0; i < a->ngrants; i++) {
		const gz_grant *g = &a->grants[i];
		if (!policy_allows(g->role, action, res))
			continue;
		bool covered = false;
		for (int j = 0; j < a->ngrants && !covered; j++) {
			const gz_grant *o = &a->grants[j];
			if (j == i || !policy_allows(o->role, action, res) ||
			    !policy_scope_contains(o->scope, g->scope))
				continue;
			/* o contains g: g is redundant unless they are equal and g comes first. */
			covered = strcmp(o->scope, g->scope) != 0 || j < i;
		}
		if (!covered && n < max)
			scopes[n++] = g->scope;
	}
	if (n == 0)
		return gz_err_set(err, GZ_EFORBIDDEN, "forbidden", "当前角色无权执行此操作");
	return n;
}

int gz_auth_check(gz_req *r, policy_action action, policy_resource res, const char *code,
                  gz_err *err)
{
	const gz_actor *a = gz_actor_of_request(r, err);
	return a ? gz_actor_check(a, action, res, code, err) : -1;
}

int gz_auth_scopes(gz_req *r, policy_action action, policy_resource res, const char **scopes,
                   int max, gz_err *err)
{
	const gz_actor *a = gz_actor_of_request(r, err);
	return a ? gz_actor_scopes(a, action, res, scopes, max, err) : -1;
}

int gz_auth_self(gz_req *r, long long owner_user_id, gz_err *err)
{
	const gz_auth *a = gz_auth_user(r, err);
	if (!a)
		return -1;
	if (owner_user_id <= 0 || a->user_id != owner_user_id)
		return gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这条记录");
	return 0;
}

/* ---------------------------------------------------------------- audit */

static const char *sql_audit =
    "INSERT INTO audit_log (at, user_id, username, action, record_type, record_id, scope, ip, "
    "request_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

int gz_audit_write(gz_db *db, const gz_audit_entry *e, gz_err *err)
{
	char *detail = NULL;
	if (e->detail) {
		detail = gz_json_dump(e->detail, NULL);
		if (!detail)
			return gz_err_set(err, GZ_EINTERNAL, "internal", "无法写入审计记录");
	}
	gz_stmt *st = gz_db_prepare(db, sql_audit, err);
	if (!st) {
		free(detail);
		return -1;
	}
	gz_stmt_bind_int64(st, 1, gz_time_now_ms());
	if (e->user_id > 0)
		gz_stmt_bind_int64(st, 2, e->user_id);
	else
		gz_stmt_bind_null(st, 2);
	gz_stmt_bind_str(st, 3, e->username ? e->username : "");
	gz_stmt_bind_str(st, 4, e->action ? e->action : "");
	gz_stmt_bind_str(st, 5, e->record_type ? e->record_type : "");
	gz_stmt_bind_str(st, 6, e->record_id ? e->record_id : "");
	gz_stmt_bind_str(st, 7, e->scope ? e->scope : "");
	gz_stmt_bind_str(st, 8, e->ip ? e->ip : "");
	gz_stmt_bind_str(st, 9, e->request_id ? e->request_id : "");
	gz_stmt_bind_str(st, 10, detail);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	free(detail);
	return rc < 0 ? -1 : 0;
}

int gz_audit(const gz_actor *a, gz_db *db, const char *action, const char *record_type,
             const char *record_id, const char *scope, json_t *detail, gz_err *err)
{
	if (!actor_valid(a))
		return no_actor(err);
	gz_audit_entry e = {
	    .user_id = a->user_id,
	    .username = a->username,
	    .action = action,
	    .record_type = record_type,
	    .record_id = record_id,
	    .scope = scope,
	    .ip = a->ip,
	    .request_id = a->request_id,
	    .detail = detail,
	};
	return gz_audit_write(db, &e, err);
}
