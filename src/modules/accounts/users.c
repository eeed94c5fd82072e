/* Accounts: the account store (see api/users.h) and the /api/v1/users resource.
 *
 *   GET    /api/v1/users               accounts with a grant inside the caller's scopes
 *   POST   /api/v1/users               create with password and grants
 *   GET    /api/v1/users/{id}
 *   DELETE /api/v1/users/{id}          soft delete; their sessions end
 *   POST   /api/v1/users/{id}/grants   {role, scope}
 *   DELETE /api/v1/users/{id}/grants   {role, scope}
 *   POST   /api/v1/users/{id}/password-reset   one-time password, shown once
 *   POST   /api/v1/users/{id}/disable, /enable
 *
 * A user record lies where its grants lie: the caller sees it when one of its grants is
 * inside one of the caller's account-read scopes (else 404), and changes it only with
 * account-admin over every grant involved. Nobody hands out a role that can do more
 * than the caller can at that scope (policy_can_delegate). */
#include "modules/module.h"
#include "modules/accounts/accounts.h"
#include "modules/notify/notify.h"
#include "api/common.h"
#include "api/names.h"
#include "core/json.h"
#include "core/time.h"
#include "core/utf8.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ the store */

int gz_username_normalise(const char *name, char *out, gz_err *err, const char *field)
{
	size_t n = name ? strlen(name) : 0;
	bool ok = n >= 1 && n <= GZ_USERNAME_MAX;
	for (size_t i = 0; ok && i < n; i++) {
		char c = name[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		     c == '-' || c == '@';
		out[i] = c;
	}
	if (!ok) {
		out[0] = '\0';
		if (err)
			gz_err_field(err, field ? field : "username",
			             "应为 1 到 %d 个字母、数字或 . _ - @", GZ_USERNAME_MAX);
		return -1;
	}
	out[n] = '\0';
	return 0;
}

int gz_password_check(const char *password, gz_err *err, const char *field)
{
	size_t n = password ? strlen(password) : 0;
	if (!password || !gz_utf8_valid(password, n)) {
		gz_err_field(err, field, "应为 UTF-8 文本");
		return -1;
	}
	if (gz_utf8_len(password, n) < GZ_PASSWORD_MIN) {
		gz_err_field(err, field, "至少 %d 个字符", GZ_PASSWORD_MIN);
		return -1;
	}
	if (n > GZ_PASSWORD_MAX) {
		gz_err_field(err, field, "最多 %d 字节", GZ_PASSWORD_MAX);
		return -1;
	}
	return 0;
}

int gz_password_hash(const char *password, char out[GZ_PWHASH_MAX], gz_err *err)
{
	_Static_assert(GZ_PWHASH_MAX >= crypto_pwhash_STRBYTES, "GZ_PWHASH_MAX too small");
	gz_auth_sodium_init();
	if (crypto_pwhash_str_alg(
	        out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	        crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return gz_err_set(err, GZ_EUNAVAILABLE, "out_of_memory",
		                  "服务器繁忙（内存不足），请稍后重试");
	return 0;
}

bool gz_password_verify(const char *hash, const char *password)
{
	gz_auth_sodium_init();
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_make(void)
{
	char pw[33];
	unsigned char raw[16];
	gz_auth_sodium_init();
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(pw, sizeof pw, raw, sizeof raw);
	if (crypto_pwhash_str_alg(dummy_hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                          crypto_pwhash_MEMLIMIT_INTERACTIVE,
	                          crypto_pwhash_ALG_ARGON2ID13) != 0)
		dummy_hash[0] = '\0';
}

void gz_password_burn(const char *password)
{
	pthread_once(&dummy_once, dummy_make);
	if (dummy_hash[0])
		(void)gz_password_verify(dummy_hash, password);
}

static const char *sql_user_by_id =
    "SELECT id, username, display_name, created_at, deleted_at, password_reset_at, "
    "disabled_at, work_phone FROM users WHERE id = $1";
static const char *sql_user_by_name =
    "SELECT id, username, display_name, created_at, deleted_at, password_reset_at, "
    "disabled_at, work_phone FROM users WHERE username = $1";
static const char *sql_user_grants =
    "SELECT role, scope FROM grants WHERE user_id = $1 ORDER BY scope, role";

static int grants_load(gz_db *db, gz_user_row *u, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, sql_user_grants, err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, u->id);
	int rc;
	u->ngrants = 0;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		int role = policy_role_parse(gz_stmt_text(st, 0));
		const char *scope = gz_stmt_text(st, 1);
		if (role < 0 || strlen(scope) >= GZ_SCOPE_MAX || u->ngrants == GZ_AUTH_MAX_GRANTS)
			continue;
		u->grants[u->ngrants].role = (policy_role)role;
		snprintf(u->grants[u->ngrants].scope, GZ_SCOPE_MAX, "%s", scope);
		u->ngrants++;
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

static int user_fetch_in(gz_db *db, const char *sql, int64_t id, const char *name,
                         bool include_deleted, gz_user_row *out, gz_err *err);

/* The user and their grants from one snapshot (joined when the caller holds one). */
static int user_fetch(gz_db *db, const char *sql, int64_t id, const char *name,
                      bool include_deleted, gz_user_row *out, gz_err *err)
{
	if (gz_db_begin_read(db, err) < 0)
		return -1;
	int rc = user_fetch_in(db, sql, id, name, include_deleted, out, err);
	gz_db_end_read(db);
	return rc;
}

static int user_fetch_in(gz_db *db, const char *sql, int64_t id, const char *name,
                         bool include_deleted, gz_user_row *out, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, sql, err);
	if (!st)
		return -1;
	if (name)
		gz_stmt_bind_str(st, 1, name);
	else
		gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		memset(out, 0, sizeof *out);
		out->id = gz_stmt_int64(st, 0);
		snprintf(out->username, sizeof out->username, "%s", gz_stmt_text(st, 1));
		snprintf(out->display_name, sizeof out->display_name, "%s", gz_stmt_text(st, 2));
		out->created_at = gz_stmt_int64(st, 3);
		out->deleted_at = gz_stmt_isnull(st, 4) ? 0 : gz_stmt_int64(st, 4);
		out->password_reset_at = gz_stmt_isnull(st, 5) ? 0 : gz_stmt_int64(st, 5);
		out->disabled_at = gz_stmt_isnull(st, 6) ? 0 : gz_stmt_int64(st, 6);
		if (!gz_stmt_isnull(st, 7))
			snprintf(out->work_phone, sizeof out->work_phone, "%s",
			         gz_stmt_text(st, 7));
	}
	gz_stmt_finish(st);
	if (rc != GZ_ROW)
		return rc < 0 ? -1 : 0;
	if (out->deleted_at && !include_deleted)
		return 0;
	return grants_load(db, out, err) < 0 ? -1 : 1;
}

int gz_user_get(gz_db *db, int64_t id, bool include_deleted, gz_user_row *out, gz_err *err)
{
	return user_fetch(db, sql_user_by_id, id, NULL, include_deleted, out, err);
}

int gz_user_by_name(gz_db *db, const char *username, bool include_deleted, gz_user_row *out,
                    gz_err *err)
{
	char norm[GZ_USERNAME_MAX + 1];
	if (gz_username_normalise(username, norm, NULL, NULL) < 0)
		return 0;
	return user_fetch(db, sql_user_by_name, 0, norm, include_deleted, out, err);
}

int gz_user_password_hash(gz_db *db, int64_t id, char out[GZ_PWHASH_MAX], gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT password_hash FROM users WHERE id = $1 AND deleted_at IS NULL", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW)
		snprintf(out, GZ_PWHASH_MAX, "%s", gz_stmt_text(st, 0));
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

int64_t gz_user_insert(gz_db *db, const char *username, const char *display_name,
                       const char *password_hash, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "INSERT INTO users (username, display_name, password_hash, "
	                            "created_at) VALUES ($1, $2, $3, $4) RETURNING id",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, username);
	gz_stmt_bind_str(st, 2, display_name ? display_name : "");
	gz_stmt_bind_str(st, 3, password_hash);
	gz_stmt_bind_int64(st, 4, gz_time_now_ms());
	int64_t id = -1;
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		id = gz_stmt_int64(st, 0);
		rc = gz_stmt_step(st, err); /* complete the INSERT */
	}
	gz_stmt_finish(st);
	if (rc < 0) {
		if (err->kind == GZ_ECONFLICT) {
			gz_err_set(err, GZ_ECONFLICT, "username_taken", "用户名 %s 已被使用",
			           username);
			gz_err_field(err, "username", "已被使用");
		}
		return -1;
	}
	return id;
}

int gz_work_phone_normalise(const char *in, char *out, gz_err *err, const char *field)
{
	char d[24];
	size_t n = 0;
	out[0] = '\0';
	if (!in[0])
		return 0;
	const char *p = in;
	if (!strncmp(p, "+86", 3))
		p += 3;
	for (; *p; p++) {
		if (*p == ' ' || *p == '-')
			continue;
		if (*p < '0' || *p > '9' || n + 1 >= sizeof d)
			goto bad;
		d[n++] = *p;
	}
	d[n] = '\0';
	if (n == 11 && d[0] == '1') {
		memcpy(out, d, n + 1);
		return 0;
	}
	if (d[0] == '0' && n >= 10 && n <= 12) {
		int area = d[1] == '1' || d[1] == '2' ? 3 : 4;
		snprintf(out, GZ_WORK_PHONE_MAX + 1, "%.*s-%s", area, d, d + area);
		return 0;
	}
bad:
	out[0] = '\0';
	if (err)
		gz_err_field(err, field, "应为 11 位手机号或带区号的固定电话（如 010-12345678）");
	return -1;
}

int gz_user_set_profile(gz_db *db, int64_t user_id, const char *display_name,
                        const char *work_phone, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db,
	    "UPDATE users SET display_name = COALESCE(CAST($2 AS TEXT), display_name), work_phone "
	    "= CASE WHEN CAST($3 AS TEXT) IS NULL THEN work_phone WHEN $3 = '' THEN NULL ELSE $3 "
	    "END WHERE id = $1 AND deleted_at IS NULL",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, user_id);
	gz_stmt_bind_str(st, 2, display_name);
	gz_stmt_bind_str(st, 3, work_phone);
	int rc = gz_stmt_step(st, err);
	int64_t changed = rc < 0 ? 0 : gz_stmt_changes(st);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : changed > 0;
}

int gz_accounts_serving(gz_db *db, const char *grid, const char *community,
                        void (*fn)(void *ctx, policy_role role, const char *display_name,
                                   const char *username, const char *work_phone, const char *scope),
                        void *ctx, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT g.role, u.display_name, u.username, u.work_phone, g.scope FROM grants g JOIN "
	    "users u ON u.id = g.user_id WHERE u.deleted_at IS NULL AND u.disabled_at IS NULL AND "
	    "((g.role = 'grid_worker' AND (g.scope = $1 OR g.scope = $2)) OR (g.role IN "
	    "('community_staff', 'community_admin') AND g.scope = $2)) ORDER BY CASE g.role WHEN "
	    "'grid_worker' THEN 0 WHEN 'community_admin' THEN 1 ELSE 2 END, u.display_name, u.id",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, grid);
	gz_stmt_bind_str(st, 2, community);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		int role = policy_role_parse(gz_stmt_text(st, 0));
		if (role >= 0)
			fn(ctx, (policy_role)role, gz_stmt_text(st, 1), gz_stmt_text(st, 2),
			   gz_stmt_isnull(st, 3) ? NULL : gz_stmt_text(st, 3), gz_stmt_text(st, 4));
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

int gz_user_grant(gz_db *db, int64_t user_id, policy_role role, const char *scope, gz_err *err)
{
	int64_t n = 0;
	if (gz_db_query_int64(db, "SELECT count(*) FROM grants WHERE user_id = $1", &n, err, 1,
	                      user_id) < 0)
		return -1;
	if (n >= GZ_AUTH_MAX_GRANTS) {
		gz_err_set(err, GZ_EINVALID, "too_many_grants", "一个账号最多 %d 项授权",
		           GZ_AUTH_MAX_GRANTS);
		gz_err_field(err, "grants", "最多 %d 项", GZ_AUTH_MAX_GRANTS);
		return -1;
	}
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "INSERT INTO grants (user_id, role, scope, created_at) "
	                  "VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, role, scope) DO NOTHING",
	                  err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, user_id);
	gz_stmt_bind_str(st, 2, policy_role_name(role));
	gz_stmt_bind_str(st, 3, scope);
	gz_stmt_bind_int64(st, 4, gz_time_now_ms());
	int rc = gz_stmt_step(st, err);
	int64_t changed = rc < 0 ? 0 : gz_stmt_changes(st);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : changed > 0;
}

int gz_user_revoke(gz_db *db, int64_t user_id, policy_role role, const char *scope, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db, "DELETE FROM grants WHERE user_id = $1 AND role = $2 AND scope = $3", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, user_id);
	gz_stmt_bind_str(st, 2, policy_role_name(role));
	gz_stmt_bind_str(st, 3, scope);
	int rc = gz_stmt_step(st, err);
	int64_t changed = rc < 0 ? 0 : gz_stmt_changes(st);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : changed > 0;
}

/* Ends the account's sessions, but keep (a token hash, may be NULL), and with them its
 * event streams in every process once the caller's transaction commits. */
static int sessions_end(gz_db *db, int64_t user_id, const unsigned char *keep, gz_err *err)
{
	gz_stmt *st =
	    gz_db_prepare(db,
	                  keep ? "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2"
	                       : "DELETE FROM sessions WHERE user_id = $1",
	                  err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, user_id);
	if (keep)
		gz_stmt_bind_blob(st, 2, keep, 32);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : gz_notify_end_streams(db, user_id, err);
}

int gz_user_set_password(gz_db *db, int64_t user_id, const char *password_hash, bool must_change,
                         const unsigned char *keep_session, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "UPDATE users SET password_hash = $2, password_reset_at = $3 "
	                            "WHERE id = $1 AND deleted_at IS NULL",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, user_id);
	gz_stmt_bind_str(st, 2, password_hash);
	if (must_change)
		gz_stmt_bind_int64(st, 3, gz_time_now_ms());
	else
		gz_stmt_bind_null(st, 3);
	int rc = gz_stmt_step(st, err);
	int64_t changed = rc < 0 ? 0 : gz_stmt_changes(st);
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	return sessions_end(db, user_id, keep_session, err) < 0 ? -1 : changed > 0;
}

int gz_user_set_disabled(gz_db *db, int64_t user_id, bool disabled, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db,
	    disabled ? "UPDATE users SET disabled_at = $2 WHERE id = $1 AND deleted_at IS NULL "
	               "AND disabled_at IS NULL"
	             : "UPDATE users SET disabled_at = NULL WHERE id = $1 AND deleted_at IS NULL "
	               "AND disabled_at IS NOT NULL",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, user_id);
	if (disabled)
		gz_stmt_bind_int64(st, 2, gz_time_now_ms());
	int rc = gz_stmt_step(st, err);
	int64_t changed = rc < 0 ? 0 : gz_stmt_changes(st);
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	if (disabled && sessions_end(db, user_id, NULL, err) < 0)
		return -1;
	return changed > 0;
}

void gz_password_generate(char out[GZ_OTP_LEN + 1])
{
	/* The demo accounts' alphabet (modules/demo/generate.c): no 0/O, 1/l/I, 2/Z, 5/S,
	 * 8/B. 49 symbols, 12 of them: 67 bits, from the system's generator. */
	static const char alpha[] = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY34679";
	gz_auth_sodium_init();
	int k = 0;
	for (int g = 0; g < 3; g++) {
		if (g)
			out[k++] = '-';
		for (int i = 0; i < 4; i++)
			out[k++] = alpha[randombytes_uniform(sizeof alpha - 1)];
	}
	out[k] = '\0';
}

int gz_user_soft_delete(gz_db *db, int64_t user_id, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db, "UPDATE users SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, user_id);
	gz_stmt_bind_int64(st, 2, gz_time_now_ms());
	int rc = gz_stmt_step(st, err);
	int64_t changed = rc < 0 ? 0 : gz_stmt_changes(st);
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	if (sessions_end(db, user_id, NULL, err) < 0)
		return -1;
	return changed > 0;
}

void gz_user_scope(const gz_user_row *u, char *buf)
{
	buf[0] = '\0';
	if (u->ngrants == 0)
		return;
	snprintf(buf, GZ_SCOPE_MAX, "%s", u->grants[0].scope);
	for (int i = 1; i < u->ngrants; i++) {
		char tmp[GZ_SCOPE_MAX];
		policy_scope_common(buf, u->grants[i].scope, tmp, sizeof tmp);
		memcpy(buf, tmp, sizeof tmp);
	}
}

json_t *gz_grants_json(const gz_grant *g, int n)
{
	json_t *roles = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(roles,
		                      json_pack("{s:s,s:s,s:s}", "role",
		                                policy_role_name(g[i].role), "role_label",
		                                policy_role_label(g[i].role), "scope", g[i].scope));
	return roles;
}

int gz_users_name_scopes(gz_db *db, gz_arena *A, json_t *const *users, size_t n, gz_err *err)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += json_array_size(json_object_get(users[i], "roles"));
	if (!total)
		return 0;
	gz_name_ref *refs = gz_arena_alloc(A, sizeof *refs * total);
	json_t **roles = gz_arena_alloc(A, sizeof *roles * total);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *arr = json_object_get(users[i], "roles"), *g;
		size_t j;
		json_array_foreach(arr, j, g)
		{
			roles[k] = g;
			refs[k++].id = json_string_value(json_object_get(g, "scope"));
		}
	}
	/* Places are named for everyone: the caller sees these accounts already. */
	if (gz_names_resolve(NULL, db, A, "place", refs, k, err) < 0)
		return -1;
	for (size_t i = 0; i < k; i++) {
		json_object_set_new(roles[i], "scope_name",
		                    refs[i].name ? json_string(refs[i].name) : json_null());
		json_object_set_new(roles[i], "scope_path",
		                    refs[i].detail ? json_string(refs[i].detail) : json_null());
	}
	return 0;
}

/* Accounts named for other answers (api/names.h "user"): the display name, else the
 * username; the username as the detail. Deleted accounts keep their names (the audit
 * log still says who did what). */
#define SQL_USER_NAMES "SELECT id, display_name, username FROM users WHERE id IN " GZ_NAMES_IN

static void user_name_row(gz_stmt *st, gz_name_ref *ref, const gz_actor *viewer, gz_arena *A)
{
	(void)viewer;
	const char *d = gz_stmt_text(st, 1);
	ref->name = gz_arena_strdup(A, d && *d ? d : gz_stmt_text(st, 2));
	ref->detail = gz_arena_strdup(A, gz_stmt_text(st, 2));
}

void gz_accounts_names_init(void)
{
	static const gz_namer namers[] = {{"user", SQL_USER_NAMES, true, user_name_row, NULL}, {0}};
	gz_names_register(namers);
}

json_t *gz_user_json(const gz_user_row *u)
{
	char id[24], ts[32];
	snprintf(id, sizeof id, "%lld", (long long)u->id);
	json_t *o =
	    json_pack("{s:s,s:s,s:s,s:o,s:s,s:b,s:b,s:o}", "id", id, "username", u->username,
	              "display_name", u->display_name, "work_phone",
	              u->work_phone[0] ? json_string(u->work_phone) : json_null(), "created_at",
	              gz_time_rfc3339(u->created_at, ts, sizeof ts), "disabled",
	              u->disabled_at != 0, "must_change_password", u->password_reset_at != 0,
	              "roles", gz_grants_json(u->grants, u->ngrants));
	if (o && u->deleted_at)
		json_object_set_new(o, "deleted_at",
		                    json_string(gz_time_rfc3339(u->deleted_at, ts, sizeof ts)));
	return o;
}

/* ================================================================ the resource */

static const char *const no_such_user = "没有这个账号";

/* The caller may see u: one of u's grants lies inside a scope where the caller may read
 * accounts. A user without grants lies at "" (the whole system). Returns 0 or -1 with
 * err set (404 when out of every scope, 403 when in scope without an account role). */
static int user_visible(gz_req *r, const gz_user_row *u, gz_err *err)
{
	if (u->ngrants == 0)
		return gz_auth_check(r, ACT_READ, RES_ACCOUNT, "", err);
	gz_err first;
	gz_err_clear(&first);
	bool forbidden = false;
	for (int i = 0; i < u->ngrants; i++) {
		gz_err e;
		gz_err_clear(&e);
		if (gz_auth_check(r, ACT_READ, RES_ACCOUNT, u->grants[i].scope, &e) == 0)
			return 0;
		if (e.kind == GZ_EFORBIDDEN)
			forbidden = true;
		if (e.kind != GZ_ENOTFOUND && e.kind != GZ_EFORBIDDEN) {
			*err = e; /* 401, 503 ... */
			return -1;
		}
	}
	if (forbidden)
		return gz_err_set(err, GZ_EFORBIDDEN, "forbidden", "当前角色无权查看账号");
	return gz_err_set(err, GZ_ENOTFOUND, "not_found", "%s", no_such_user);
}

/* May the caller give (or take away) role at scope? Needs account admin there and the
 * caller's roles at that scope must cover everything role can do. */
static int may_delegate(gz_req *r, policy_role role, const char *scope, gz_err *err)
{
	if (gz_auth_check(r, ACT_ADMIN, RES_ACCOUNT, scope, err) < 0)
		return -1;
	const gz_auth *a = r->auth;
	policy_role held[GZ_AUTH_MAX_GRANTS];
	int n = 0;
	for (int i = 0; i < a->ngrants; i++)
		if (policy_scope_contains(a->grants[i].scope, scope))
			held[n++] = a->grants[i].role;
	if (!policy_can_delegate(held, n, role))
		return gz_err_set(err, GZ_EFORBIDDEN, "forbidden",
		                  "不能授予或收回超出自己权限的角色（%s）",
		                  policy_role_label(role));
	return 0;
}

/* Reads {"role","scope"} at obj; field errors are named base.role / base.scope (or
 * role / scope when base is ""). */
static int grant_fields(json_t *obj, const char *base, gz_grant *g, gz_err *err)
{
	char rf[64], sf[64];
	snprintf(rf, sizeof rf, "%s%srole", base, base[0] ? "." : "");
	snprintf(sf, sizeof sf, "%s%sscope", base, base[0] ? "." : "");
	if (!json_is_object(obj)) {
		gz_err_field(err, base[0] ? base : "body", "应为 {\"role\",\"scope\"} 对象");
		return -1;
	}
	const char *role = NULL, *scope = NULL;
	char canon[GZ_SCOPE_MAX];
	int bad = 0;
	json_t *rv = json_object_get(obj, "role"), *sv = json_object_get(obj, "scope");
	if (!json_is_string(rv)) {
		gz_err_field(err, rf, rv ? "应为字符串" : "必填");
		bad = -1;
	} else if (policy_role_parse(role = json_string_value(rv)) < 0) {
		gz_err_field(err, rf, "未知角色");
		bad = -1;
	}
	if (!json_is_string(sv)) {
		gz_err_field(err, sf, sv ? "应为字符串" : "必填（全系统为 \"\"）");
		bad = -1;
	} else {
		/* "org:12" is accepted for the organisation scope "org:12/". */
		scope = json_string_value(sv);
		size_t sl = strlen(scope);
		if (!strncmp(scope, "org:", 4) && sl > 4 && sl + 2 <= sizeof canon &&
		    scope[sl - 1] != '/') {
			snprintf(canon, sizeof canon, "%s/", scope);
			scope = canon;
		}
		if (!policy_scope_valid(scope)) {
			gz_err_field(err, sf,
			             "应为 \"\"（全系统）、6、9、12、15 位区划/网格编码，或组织 "
			             "org:编号");
			bad = -1;
		}
	}
	if (bad)
		return -1;
	g->role = (policy_role)policy_role_parse(role);
	snprintf(g->scope, sizeof g->scope, "%s", scope);
	return 0;
}

/* The account as a write answers it, read in the write's transaction; NULL with err. */
static json_t *user_answer(gz_req *r, gz_db *db, int64_t id, gz_err *err)
{
	gz_user_row *u = gz_arena_alloc(&r->arena, sizeof *u);
	int rc = gz_user_get(db, id, true, u, err);
	if (rc == 0)
		gz_err_set(err, GZ_ENOTFOUND, "not_found", "%s", no_such_user);
	json_t *o = rc > 0 ? gz_user_json(u) : NULL;
	if (o && gz_users_name_scopes(db, &r->arena, &o, 1, err) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* GET /api/v1/users: ascending id. Each of the caller's (disjoint) scopes is one
 * indexed query of at most limit+1 rows; the pages are merged by id. */
typedef struct {
	int64_t id;
	json_t *json;
} user_item;

static int item_cmp(const void *a, const void *b)
{
	int64_t x = ((const user_item *)a)->id, y = ((const user_item *)b)->id;
	return x < y ? -1 : x > y;
}

static const char *sql_list_all = "SELECT u.id FROM users u WHERE u.deleted_at IS NULL "
                                  "AND u.id > $1 %s ORDER BY u.id LIMIT $2";
static const char *sql_list_scope =
    "SELECT u.id FROM users u WHERE u.deleted_at IS NULL AND u.id > $1 %s AND u.id IN "
    "(SELECT g.user_id FROM grants g WHERE g.scope >= $3 AND g.scope < $4 AND g.user_id > $1) "
    "ORDER BY u.id LIMIT $2";
/* ?q=: any part of the username or display name; $N is the LIKE pattern, the
 * parameter after the query's own ($3 for the whole system, $5 for a scope). */
static const char *sql_list_q = "AND (u.username LIKE $%d ESCAPE '\\' OR lower(u.display_name) "
                                "LIKE $%d ESCAPE '\\')";

#define GZ_USER_Q_MAX 64 /* code points */

static void users_list(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const char *scopes[GZ_AUTH_MAX_GRANTS];
	int limit, nscopes;
	int64_t after;
	gz_db *db;
	const char *pattern = gz_api_like_query(r, "q", GZ_USER_Q_MAX, &err);
	if (err.kind != GZ_OK || gz_req_list_params(r, &limit, &after, &err) < 0 ||
	    (nscopes = gz_auth_scopes(r, ACT_READ, RES_ACCOUNT, scopes, GZ_AUTH_MAX_GRANTS, &err)) <
	        0 ||
	    !(db = gz_req_db(r, &err)) || gz_db_begin_read(db, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	/* The ids of every scope and the users' rows: one snapshot, ended before each reply. */
	int64_t *ids =
	    gz_arena_alloc(&r->arena, sizeof *ids * (size_t)nscopes * (size_t)(limit + 1));
	size_t nids = 0;
	for (int s = 0; s < nscopes; s++) {
		bool all = !scopes[s][0];
		int qn = all ? 3 : 5;
		const char *qsql = pattern ? gz_arena_printf(&r->arena, sql_list_q, qn, qn) : "";
		const char *sql =
		    gz_arena_printf(&r->arena, all ? sql_list_all : sql_list_scope, qsql);
		gz_stmt *st = gz_db_prepare(db, sql, &err);
		if (!st) {
			gz_db_end_read(db);
			gz_reply_err(r, &err);
			return;
		}
		char upper[GZ_SCOPE_MAX + 2];
		policy_scope_upper(scopes[s], upper, sizeof upper);
		gz_stmt_bind_int64(st, 1, after);
		gz_stmt_bind_int64(st, 2, limit + 1);
		if (!all) {
			gz_stmt_bind_str(st, 3, scopes[s]);
			gz_stmt_bind_str(st, 4, upper);
		}
		if (pattern)
			gz_stmt_bind_str(st, qn, pattern);
		int rc;
		while ((rc = gz_stmt_step(st, &err)) == GZ_ROW)
			ids[nids++] = gz_stmt_int64(st, 0);
		gz_stmt_finish(st);
		if (rc < 0) {
			gz_db_end_read(db);
			gz_reply_err(r, &err);
			return;
		}
	}
	/* Sort, drop duplicates (a user with grants in two of the caller's scopes). */
	user_item *items = gz_arena_alloc(&r->arena, sizeof *items * (nids ? nids : 1));
	for (size_t i = 0; i < nids; i++)
		items[i].id = ids[i];
	qsort(items, nids, sizeof *items, item_cmp);
	size_t n = 0;
	for (size_t i = 0; i < nids; i++)
		if (n == 0 || items[n - 1].id != items[i].id)
			items[n++] = items[i];
	bool more = n > (size_t)limit;
	if (more)
		n = (size_t)limit;
	json_t *arr = json_array();
	gz_user_row *u = gz_arena_alloc(&r->arena, sizeof *u);
	for (size_t i = 0; i < n; i++) {
		int rc = gz_user_get(db, items[i].id, false, u, &err);
		if (rc < 0) {
			gz_db_end_read(db);
			json_decref(arr);
			gz_reply_err(r, &err);
			return;
		}
		if (rc > 0)
			json_array_append_new(arr, gz_user_json(u));
	}
	/* Every scope of the page named in one batch. */
	size_t nu = json_array_size(arr);
	json_t **us = gz_arena_alloc(&r->arena, sizeof *us * (nu ? nu : 1));
	for (size_t i = 0; i < nu; i++)
		us[i] = json_array_get(arr, i);
	if (gz_users_name_scopes(db, &r->arena, us, nu, &err) < 0) {
		gz_db_end_read(db);
		json_decref(arr);
		gz_reply_err(r, &err);
		return;
	}
	gz_db_end_read(db);
	gz_reply_json(r, 200, gz_list_json(r, arr, more ? items[n - 1].id : 0));
}

static void users_get(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t id;
	gz_db *db;
	if (!gz_auth_user(r, &err) || !(db = gz_req_db(r, &err))) {
		gz_reply_err(r, &err);
		return;
	}
	if (!(id = gz_api_parse_id(gz_req_param(r, "id")))) {
		gz_reply_error(r, GZ_ENOTFOUND, "not_found", no_such_user);
		return;
	}
	gz_user_row *u = gz_arena_alloc(&r->arena, sizeof *u);
	int rc = gz_user_get(db, id, false, u, &err);
	if (rc == 0)
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "%s", no_such_user);
	if (rc <= 0 || user_visible(r, u, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	json_t *o = gz_user_json(u);
	if (gz_users_name_scopes(db, &r->arena, &o, 1, &err) < 0) {
		json_decref(o);
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_json(r, 200, o);
}

static void users_create(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *in = NULL, *grants_j = NULL, *detail = NULL, *out = NULL;
	gz_db *db = NULL;
	const char *username = NULL, *display = "", *password = NULL;
	char norm[GZ_USERNAME_MAX + 1], hash[GZ_PWHASH_MAX];
	gz_grant grants[GZ_AUTH_MAX_GRANTS];
	int ngrants = 0;
	bool in_tx = false;

	if (!gz_auth_user(r, &err) || !(in = gz_req_json(r, &err)))
		goto fail;
	if (gz_json_str(in, "username", GZ_REQUIRED, 1, GZ_USERNAME_MAX, &username, &err) == 0 &&
	    username)
		gz_username_normalise(username, norm, &err, "username");
	gz_json_str(in, "display_name", GZ_OPTIONAL, 0, GZ_DISPLAY_NAME_MAX, &display, &err);
	const char *phone_in = NULL;
	char phone[GZ_WORK_PHONE_MAX + 1] = "";
	if (gz_json_str(in, "work_phone", GZ_OPTIONAL, 0, 32, &phone_in, &err) == 0 && phone_in)
		gz_work_phone_normalise(phone_in, phone, &err, "work_phone");
	if (gz_json_str(in, "password", GZ_REQUIRED, 1, GZ_PASSWORD_MAX, &password, &err) == 0 &&
	    password)
		gz_password_check(password, &err, "password");
	grants_j = json_object_get(in, "grants");
	if (!json_is_array(grants_j) || json_array_size(grants_j) == 0) {
		gz_err_field(&err, "grants", "必填：至少一项 {\"role\",\"scope\"}");
	} else if (json_array_size(grants_j) > GZ_AUTH_MAX_GRANTS) {
		gz_err_field(&err, "grants", "最多 %d 项", GZ_AUTH_MAX_GRANTS);
	} else {
		for (size_t i = 0; i < json_array_size(grants_j); i++) {
			char prefix[40];
			snprintf(prefix, sizeof prefix, "grants[%zu]", i);
			if (grant_fields(json_array_get(grants_j, i), prefix, &grants[ngrants],
			                 &err) == 0)
				ngrants++;
		}
	}
	if (gz_json_check(&err) < 0)
		goto fail;
	/* Authorise every grant before doing any work. */
	for (int i = 0; i < ngrants; i++)
		if (may_delegate(r, grants[i].role, grants[i].scope, &err) < 0)
			goto fail;
	if (!(db = gz_req_db(r, &err)) || gz_password_hash(password, hash, &err) < 0)
		goto fail;

	if (gz_db_begin(db, &err) < 0)
		goto fail;
	in_tx = true;
	int64_t id = gz_user_insert(db, norm, display, hash, &err);
	sodium_memzero(hash, sizeof hash);
	if (id < 0 || (phone[0] && gz_user_set_profile(db, id, NULL, phone, &err) < 0))
		goto fail;
	gz_user_row *u = gz_arena_alloc(&r->arena, sizeof *u);
	u->id = id;
	for (int i = 0; i < ngrants; i++) {
		if (gz_user_grant(db, id, grants[i].role, grants[i].scope, &err) < 0)
			goto fail;
		u->grants[u->ngrants++] = grants[i];
	}
	char idbuf[24], scope[GZ_SCOPE_MAX];
	snprintf(idbuf, sizeof idbuf, "%lld", (long long)id);
	gz_user_scope(u, scope);
	detail = json_pack("{s:s,s:s,s:o}", "username", norm, "display_name", display, "roles",
	                   gz_grants_json(grants, ngrants));
	if (gz_audit(gz_req_actor(r), db, "user.create", "user", idbuf, scope, detail, &err) < 0 ||
	    !(out = user_answer(r, db, id, &err)) || gz_api_commit(r, db, 201, out, &err) < 0)
		goto fail;
	json_decref(detail);
	json_decref(in);
	gz_reply_json(r, 201, out);
	return;
fail:
	if (in_tx)
		gz_db_rollback(db);
	json_decref(out);
	json_decref(detail);
	json_decref(in);
	gz_reply_err(r, &err);
}

/* Loads the target of /users/{id}/..., requiring that the caller can see it. */
static gz_user_row *target_user(gz_req *r, gz_db **db, gz_err *err)
{
	int64_t id;
	if (!gz_auth_user(r, err) || !(*db = gz_req_db(r, err)))
		return NULL;
	if (!(id = gz_api_parse_id(gz_req_param(r, "id")))) {
		gz_err_set(err, GZ_ENOTFOUND, "not_found", "%s", no_such_user);
		return NULL;
	}
	gz_user_row *u = gz_arena_alloc(&r->arena, sizeof *u);
	int rc = gz_user_get(*db, id, false, u, err);
	if (rc == 0)
		gz_err_set(err, GZ_ENOTFOUND, "not_found", "%s", no_such_user);
	if (rc <= 0 || user_visible(r, u, err) < 0)
		return NULL;
	return u;
}

/* Loads the target of /users/{id}/... for a change to the whole account (delete, reset,
 * disable): the caller sees it (else 404) and could revoke each of its grants, that is
 * holds account admin over all of them (a user without grants lies at ""); else 403,
 * saying why (what: "删除", "重置密码" ...). */
static gz_user_row *target_admin(gz_req *r, gz_db **db, const char *what, gz_err *err)
{
	gz_user_row *u = target_user(r, db, err);
	if (!u)
		return NULL;
	if (u->ngrants == 0 && gz_auth_check(r, ACT_ADMIN, RES_ACCOUNT, "", err) < 0)
		return NULL;
	for (int i = 0; i < u->ngrants; i++)
		if (may_delegate(r, u->grants[i].role, u->grants[i].scope, err) < 0) {
			/* The account is visible (checked above), so say why, not "not found". */
			if (err->kind == GZ_ENOTFOUND)
				gz_err_set(err, GZ_EFORBIDDEN, "forbidden",
				           "该账号还有超出你管辖范围的授权，不能%s", what);
			return NULL;
		}
	return u;
}

static void grant_change(gz_req *r, bool add)
{
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = NULL;
	json_t *in = NULL, *detail = NULL, *out = NULL;
	gz_grant g;
	bool in_tx = false;
	gz_user_row *u = target_user(r, &db, &err);
	if (!u || !(in = gz_req_json(r, &err)))
		goto fail;
	if (grant_fields(in, "", &g, &err) < 0) {
		gz_json_check(&err);
		goto fail;
	}
	if (may_delegate(r, g.role, g.scope, &err) < 0)
		goto fail;
	if (gz_db_begin(db, &err) < 0)
		goto fail;
	in_tx = true;
	int rc = add ? gz_user_grant(db, u->id, g.role, g.scope, &err)
	             : gz_user_revoke(db, u->id, g.role, g.scope, &err);
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		if (add)
			gz_err_set(&err, GZ_ECONFLICT, "grant_exists", "该账号已有这项授权");
		else
			gz_err_set(&err, GZ_ENOTFOUND, "grant_not_found", "该账号没有这项授权");
		goto fail;
	}
	char idbuf[24];
	snprintf(idbuf, sizeof idbuf, "%lld", (long long)u->id);
	detail = json_pack("{s:s,s:s,s:s}", "username", u->username, "role",
	                   policy_role_name(g.role), "scope", g.scope);
	if (gz_audit(gz_req_actor(r), db, add ? "user.grant" : "user.revoke", "user", idbuf,
	             g.scope, detail, &err) < 0 ||
	    !(out = user_answer(r, db, u->id, &err)) ||
	    gz_api_commit(r, db, add ? 201 : 200, out, &err) < 0)
		goto fail;
	json_decref(detail);
	json_decref(in);
	gz_reply_json(r, add ? 201 : 200, out);
	return;
fail:
	if (in_tx)
		gz_db_rollback(db);
	json_decref(out);
	json_decref(detail);
	json_decref(in);
	gz_reply_err(r, &err);
}

static void grants_add(gz_req *r)
{
	grant_change(r, true);
}

static void grants_remove(gz_req *r)
{
	grant_change(r, false);
}

static void users_delete(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = NULL;
	json_t *detail = NULL;
	bool in_tx = false;
	gz_user_row *u = target_admin(r, &db, "删除", &err);
	if (!u)
		goto fail;
	if (u->id == ((const gz_auth *)r->auth)->user_id) {
		gz_err_set(&err, GZ_ECONFLICT, "cannot_delete_self", "不能删除自己的账号");
		goto fail;
	}
	if (gz_db_begin(db, &err) < 0)
		goto fail;
	in_tx = true;
	int rc = gz_user_soft_delete(db, u->id, &err);
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "%s", no_such_user);
		goto fail;
	}
	char idbuf[24], scope[GZ_SCOPE_MAX];
	snprintf(idbuf, sizeof idbuf, "%lld", (long long)u->id);
	gz_user_scope(u, scope);
	detail = json_pack("{s:s}", "username", u->username);
	if (gz_audit(gz_req_actor(r), db, "user.delete", "user", idbuf, scope, detail, &err) < 0 ||
	    gz_db_commit(db, &err) < 0)
		goto fail;
	json_decref(detail);
	gz_reply_raw(r, 204, NULL, "", 0);
	return;
fail:
	if (in_tx)
		gz_db_rollback(db);
	json_decref(detail);
	gz_reply_err(r, &err);
}

/* POST /users/{id}/password-reset: a new one-time password, answered once and stored
 * only as its hash; every session of the user ends and they must choose a new password
 * at their next login. Refused with an Idempotency-Key: a stored answer would keep the
 * password in the database for a day, and a retry is simply another reset. */
static void password_reset(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = NULL;
	json_t *detail = NULL, *out = NULL;
	bool in_tx = false;
	char otp[GZ_OTP_LEN + 1] = "", hash[GZ_PWHASH_MAX] = "", idbuf[24], scope[GZ_SCOPE_MAX];
	gz_user_row *u = target_admin(r, &db, "重置密码", &err);
	if (!u)
		goto fail;
	if (gz_req_header(r, "Idempotency-Key")) {
		gz_err_set(&err, GZ_EBADREQ, "idempotency_not_supported",
		           "重置密码不支持 Idempotency-Key：重试即再次重置");
		goto fail;
	}
	gz_password_generate(otp);
	if (gz_password_hash(otp, hash, &err) < 0 || gz_db_begin(db, &err) < 0)
		goto fail;
	in_tx = true;
	int rc = gz_user_set_password(db, u->id, hash, true, NULL, &err);
	if (rc == 0)
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "%s", no_such_user);
	snprintf(idbuf, sizeof idbuf, "%lld", (long long)u->id);
	gz_user_scope(u, scope);
	detail = json_pack("{s:s}", "username", u->username);
	if (rc <= 0 ||
	    gz_audit(gz_req_actor(r), db, "user.password_reset", "user", idbuf, scope, detail,
	             &err) < 0 ||
	    !(out = user_answer(r, db, u->id, &err)))
		goto fail;
	out = json_pack("{s:o,s:s}", "user", out, "one_time_password", otp);
	if (!out || gz_api_commit(r, db, 200, out, &err) < 0)
		goto fail;
	sodium_memzero(otp, sizeof otp);
	sodium_memzero(hash, sizeof hash);
	json_decref(detail);
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_json(r, 200, out);
	return;
fail:
	if (in_tx)
		gz_db_rollback(db);
	sodium_memzero(otp, sizeof otp);
	sodium_memzero(hash, sizeof hash);
	json_decref(out);
	json_decref(detail);
	gz_reply_err(r, &err);
}

/* POST /users/{id}/disable and /enable: account admin over the user, never oneself. A
 * disabled account's sessions end at once and it cannot log in (answered as a wrong
 * password); it stays in lists with "disabled": true. Doing it twice is 409. */
/* PATCH /api/v1/users/{id} {display_name?, work_phone?}: the name and the work phone
 * (published to the residents the account serves), by an account admin over every grant
 * of the account (as for a reset). Audited user.update with the changed fields. */
static void users_update(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = NULL;
	json_t *in = NULL, *detail = NULL, *out = NULL;
	bool in_tx = false;
	const char *display = NULL, *phone_in = NULL;
	char phone[GZ_WORK_PHONE_MAX + 1] = "";
	gz_user_row *u = target_admin(r, &db, "修改", &err);
	if (!u || !(in = gz_req_json(r, &err)))
		goto fail;
	gz_json_str(in, "display_name", GZ_OPTIONAL, 0, GZ_DISPLAY_NAME_MAX, &display, &err);
	if (gz_json_str(in, "work_phone", GZ_OPTIONAL, 0, 32, &phone_in, &err) == 0 && phone_in)
		gz_work_phone_normalise(phone_in, phone, &err, "work_phone");
	if (!display && !phone_in && !json_is_null(json_object_get(in, "work_phone")))
		gz_err_field(&err, "body", "至少修改 display_name 或 work_phone 之一");
	/* "work_phone": null removes it, as "" does. */
	bool clear_phone = json_is_null(json_object_get(in, "work_phone"));
	if (gz_json_check(&err) < 0 || gz_db_begin(db, &err) < 0)
		goto fail;
	in_tx = true;
	if (gz_user_set_profile(db, u->id, display, phone_in || clear_phone ? phone : NULL, &err) <
	    0)
		goto fail;
	char idbuf[24], scope[GZ_SCOPE_MAX];
	snprintf(idbuf, sizeof idbuf, "%lld", (long long)u->id);
	gz_user_scope(u, scope);
	json_t *fields = json_array();
	if (display)
		json_array_append_new(fields, json_string("display_name"));
	if (phone_in || clear_phone)
		json_array_append_new(fields, json_string("work_phone"));
	detail = json_pack("{s:s,s:o}", "username", u->username, "fields", fields);
	if (gz_audit(gz_req_actor(r), db, "user.update", "user", idbuf, scope, detail, &err) < 0 ||
	    !(out = user_answer(r, db, u->id, &err)) || gz_api_commit(r, db, 200, out, &err) < 0)
		goto fail;
	json_decref(detail);
	json_decref(in);
	gz_reply_json(r, 200, out);
	return;
fail:
	if (in_tx)
		gz_db_rollback(db);
	json_decref(out);
	json_decref(detail);
	json_decref(in);
	gz_reply_err(r, &err);
}

static void set_disabled(gz_req *r, bool disable)
{
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = NULL;
	json_t *detail = NULL, *out = NULL;
	bool in_tx = false;
	gz_user_row *u = target_admin(r, &db, disable ? "停用" : "启用", &err);
	if (!u)
		goto fail;
	if (u->id == ((const gz_auth *)r->auth)->user_id) {
		gz_err_set(&err, GZ_EINVALID, "cannot_disable_self", "不能停用或启用自己的账号");
		gz_err_field(&err, "id", "不能是自己的账号");
		goto fail;
	}
	if (gz_db_begin(db, &err) < 0)
		goto fail;
	in_tx = true;
	int rc = gz_user_set_disabled(db, u->id, disable, &err);
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		gz_err_set(&err, GZ_ECONFLICT, disable ? "already_disabled" : "already_enabled",
		           disable ? "该账号已停用" : "该账号未停用");
		goto fail;
	}
	char idbuf[24], scope[GZ_SCOPE_MAX];
	snprintf(idbuf, sizeof idbuf, "%lld", (long long)u->id);
	gz_user_scope(u, scope);
	detail = json_pack("{s:s}", "username", u->username);
	if (gz_audit(gz_req_actor(r), db, disable ? "user.disable" : "user.enable", "user", idbuf,
	             scope, detail, &err) < 0 ||
	    !(out = user_answer(r, db, u->id, &err)) || gz_api_commit(r, db, 200, out, &err) < 0)
		goto fail;
	json_decref(detail);
	gz_reply_json(r, 200, out);
	return;
fail:
	if (in_tx)
		gz_db_rollback(db);
	json_decref(out);
	json_decref(detail);
	gz_reply_err(r, &err);
}

static void users_disable(gz_req *r)
{
	set_disabled(r, true);
}

static void users_enable(gz_req *r)
{
	set_disabled(r, false);
}

const gz_module_route gz_accounts_user_routes[] = {
    {"GET", "/api/v1/users", users_list, 0, 0},
    {"POST", "/api/v1/users", users_create, 0, 0},
    {"GET", "/api/v1/users/{id}", users_get, 0, 0},
    {"PATCH", "/api/v1/users/{id}", users_update, 0, 0},
    {"DELETE", "/api/v1/users/{id}", users_delete, 0, 0},
    {"POST", "/api/v1/users/{id}/grants", grants_add, 0, 0},
    {"DELETE", "/api/v1/users/{id}/grants", grants_remove, 0, 0},
    {"POST", "/api/v1/users/{id}/password-reset", password_reset, 0, 0},
    {"POST", "/api/v1/users/{id}/disable", users_disable, 0, 0},
    {"POST", "/api/v1/users/{id}/enable", users_enable, 0, 0},
    {0},
};
