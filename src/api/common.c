#include "api/common.h"
#include "api/auth.h"
#include "core/arena.h"
#include "core/blobstore.h"
#include "core/log.h"
#include "core/time.h"
#include "core/utf8.h"
#include "domain/public_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

gz_db *gz_req_db(gz_req *r, gz_err *err)
{
	(void)r;
	return gz_db_thread(err);
}

json_t *gz_api_time_json(int64_t ms)
{
	char buf[32];
	return json_string(gz_time_rfc3339(ms, buf, sizeof buf));
}

json_t *gz_api_time_or_null(gz_stmt *st, int col)
{
	return gz_stmt_isnull(st, col) ? json_null() : gz_api_time_json(gz_stmt_int64(st, col));
}

json_t *gz_api_id_json(int64_t id)
{
	char buf[24];
	snprintf(buf, sizeof buf, "%lld", (long long)id);
	return json_string(buf);
}

json_t *gz_api_id_or_null(gz_stmt *st, int col)
{
	return gz_stmt_isnull(st, col) || gz_stmt_int64(st, col) == 0
	           ? json_null()
	           : gz_api_id_json(gz_stmt_int64(st, col));
}

json_t *gz_api_text_or_null(gz_stmt *st, int col)
{
	return gz_stmt_isnull(st, col) ? json_null() : json_string(gz_stmt_text(st, col));
}

const char *gz_api_public_url(gz_req *r, const char *path)
{
	const char *base = getenv("GONGZHI_PUBLIC_URL"), *host = gz_req_header(r, "Host");
	if (base && *base) {
		size_t n = strlen(base);
		return gz_arena_printf(&r->arena, "%.*s%s", (int)(base[n - 1] == '/' ? n - 1 : n),
		                       base, path);
	}
	return gz_arena_printf(&r->arena, "%s://%s%s", r->secure ? "https" : "http",
	                       host ? host : "localhost", path);
}

int64_t gz_api_parse_id(const char *s)
{
	if (!s || !*s || strlen(s) > 18 || *s == '0')
		return 0;
	int64_t v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (*p - '0');
	}
	return v;
}

bool gz_api_flag_query(gz_req *r, const char *key)
{
	const char *v = gz_req_query(r, key);
	return v && (!strcmp(v, "1") || !strcmp(v, "true"));
}

void gz_api_create(gz_req *r, gz_api_create_fn fn)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_actor_of_request(r, &err);
	if (!a) {
		gz_reply_err(r, &err);
		return;
	}
	json_t *in = gz_req_json(r, &err), *out = NULL;
	int rc = in ? fn(NULL, a, in, &out, &err) : -1;
	json_decref(in);
	if (rc < 0)
		gz_reply_err(r, &err);
	else
		gz_reply_json(r, 201, out);
}

/* While an administrator's reset is pending (gz_auth.must_change_password), the routes
 * the user needs to set a new password or leave: the one place this is enforced. */
static bool allowed_before_password_change(const gz_req *r)
{
	bool get = !strcmp(r->method, "GET") || !strcmp(r->method, "HEAD");
	return (get && !strcmp(r->path, "/api/v1/me")) ||
	       (!strcmp(r->method, "DELETE") && !strcmp(r->path, "/api/v1/session")) ||
	       (!strcmp(r->method, "POST") && !strcmp(r->path, "/api/v1/me/password"));
}

bool gz_api_authenticated(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_auth *a = gz_auth_user(r, &err);
	if (a && a->must_change_password && !allowed_before_password_change(r))
		gz_err_set(&err, GZ_EFORBIDDEN, "password_change_required",
		           "密码已由管理员重置，请先修改密码");
	else if (a)
		return true;
	gz_reply_err(r, &err);
	return false;
}

json_t *gz_api_public_text(const char *text, const char *name)
{
	char *m = public_text_dup(text ? text : "", name);
	json_t *out = m ? json_string(m) : NULL;
	free(m);
	return out ? out : json_string("");
}

void gz_api_reply_media(gz_req *r, const char *type, const char *sha256, const void *inline_bytes,
                        size_t inline_len, const char *cache, const char *disposition)
{
	int fd = -1;
	uint64_t size = 0;
	if (!inline_len) {
		gz_err err;
		gz_err_clear(&err);
		if ((fd = gz_blob_open(sha256, &size, &err)) < 0) {
			gz_log_error("media file %s: %s", sha256, err.message);
			gz_err_clear(&err);
			gz_err_set(&err, GZ_EINTERNAL, "media_missing",
			           "文件暂时无法读取，请联系管理员");
			gz_reply_err(r, &err);
			return;
		}
	}
	gz_reply_header(r, "X-Content-Type-Options", "nosniff");
	if (cache)
		gz_reply_header(r, "Cache-Control", cache);
	if (disposition)
		gz_reply_header(r, "Content-Disposition", disposition);
	if (fd >= 0)
		gz_reply_fd(r, 200, type, fd, size);
	else
		gz_reply_raw(r, 200, type, inline_bytes, inline_len);
}

bool gz_api_fault(const char *point)
{
#ifdef GZ_TEST_HOOKS
	const char *f = getenv("GONGZHI_TEST_FAULT");
	return f && !strcmp(f, point);
#else
	(void)point;
	return false;
#endif
}

void gz_api_read(gz_req *r, void (*handler)(gz_req *r))
{
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_req_db(r, &err);
	if (!db || gz_db_begin_read(db, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	handler(r);
	gz_db_end_read(db);
}

const char *gz_api_like_query(gz_req *r, const char *key, size_t max_cp, gz_err *err)
{
	const char *q = gz_req_query(r, key);
	if (!q)
		return NULL;
	size_t n = strlen(q);
	if (!n || !gz_utf8_valid(q, n) || gz_utf8_len(q, n) > max_cp) {
		gz_err_set(err, GZ_EBADREQ, "invalid_query", "%s 应为 1 到 %zu 个字符", key,
		           max_cp);
		gz_err_field(err, key, "应为 1 到 %zu 个字符", max_cp);
		return NULL;
	}
	char *p = gz_arena_alloc(&r->arena, 2 * n + 3), *o = p;
	*o++ = '%';
	for (size_t i = 0; i < n; i++) {
		char c = q[i];
		if (c == '\\' || c == '%' || c == '_')
			*o++ = '\\';
		*o++ = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	*o++ = '%';
	*o = '\0';
	return p;
}
