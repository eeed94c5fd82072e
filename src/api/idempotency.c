/* Idempotency-Key on creating requests (SPEC §7): a client that retries a POST with the
 * same key gets the first answer again instead of a second record.
 *
 * The key is scoped to the authenticated user and the route. The first request inserts
 * a pending row (status 0) before its handler runs, so a concurrent duplicate is refused
 * (409 idempotency_in_progress) rather than executed twice; a successful (2xx) answer is
 * stored and replayed for 24 hours with "Idempotent-Replayed: true"; any other answer
 * drops the row so the client can fix the request and retry with the same key. A
 * retry with the same key and another body is refused (422 idempotency_key_reused).
 * A write stores its answer in its own transaction (gz_api_commit(), api/common.h): the
 * record and the key's answer commit together, so once a write has committed, a retry —
 * after a lost answer, a crash, anything after the COMMIT — gets that answer and never runs
 * the write again. Answers of requests that write nothing through gz_api_commit() (a dry
 * run, an error) are stored or dropped by the hook after the handler.
 * Requests without the header, and unauthenticated ones, are not affected. */
#include "api/api.h"
#include "api/common.h"
#include "api/auth.h"
#include "http/router.h"
#include "core/json.h"
#include "core/log.h"
#include "core/time.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IDEM_TTL_MS  (24LL * 3600 * 1000)
#define IDEM_KEY_MAX 255

typedef struct {
	unsigned char key_hash[crypto_generichash_BYTES];
	/* The answer was stored by the write's own transaction, which committed: the hook
	 * after the handler leaves the row alone. */
	bool stored;
	/* Test builds: the database fails for everything after the COMMIT. */
	bool db_lost;
} idem_state;

static const char sql_store[] =
    "UPDATE idempotency_keys SET status = $2, content_type = $3, body = $4 WHERE key_hash = $1";
static const char json_ctype[] = "application/json; charset=utf-8";

static void hash_key(const gz_actor *a, const gz_req *r, const char *key, unsigned char *out)
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, crypto_generichash_BYTES);
	char uid[32];
	snprintf(uid, sizeof uid, "%lld", a->user_id);
	const char *route = gz_router_get(r->route_id)->pattern;
	const char *parts[] = {uid, route, key};
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		crypto_generichash_update(&st, (const unsigned char *)parts[i],
		                          strlen(parts[i]) + 1);
	crypto_generichash_final(&st, out, crypto_generichash_BYTES);
}

static bool key_valid(const char *k)
{
	size_t n = strlen(k);
	if (n == 0 || n > IDEM_KEY_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (k[i] < 0x21 || k[i] > 0x7e)
			return false;
	return true;
}

static bool idem_before(gz_req *r)
{
	const char *key = gz_req_header(r, "Idempotency-Key");
	if (!key)
		return false;
	gz_err err;
	gz_err_clear(&err);
	if (!key_valid(key)) {
		gz_err_set(&err, GZ_EBADREQ, "bad_idempotency_key",
		           "Idempotency-Key 应为 1 到 %d 个可见 ASCII 字符", IDEM_KEY_MAX);
		gz_reply_err(r, &err);
		return true;
	}
	const gz_actor *a = gz_actor_of_request(r, &err);
	gz_db *db = a ? gz_req_db(r, &err) : NULL;
	if (!db)
		return false; /* the handler answers 401 / 503 as usual */

	idem_state *s = gz_arena_alloc(&r->arena, sizeof *s);
	unsigned char req_hash[crypto_generichash_BYTES];
	hash_key(a, r, key, s->key_hash);
	crypto_generichash(req_hash, sizeof req_hash,
	                   (const unsigned char *)(r->body ? r->body : ""), r->body_len, NULL, 0);
	int64_t now = gz_time_now_ms();

	/* Expired keys go first (this one included, so it may be used afresh): an indexed
	 * range that only ever holds what expired since the previous idempotent request. */
	gz_stmt *st = gz_db_prepare(db, "DELETE FROM idempotency_keys WHERE created_at < $1", &err);
	int rc = -1;
	if (st) {
		gz_stmt_bind_int64(st, 1, now - IDEM_TTL_MS);
		rc = gz_stmt_step(st, &err);
		gz_stmt_finish(st);
	}
	if (rc >= 0 && (st = gz_db_prepare(db,
	                                   "INSERT INTO idempotency_keys (key_hash, request_hash, "
	                                   "status, created_at) VALUES ($1, $2, 0, $3) "
	                                   "ON CONFLICT DO NOTHING",
	                                   &err))) {
		gz_stmt_bind_blob(st, 1, s->key_hash, sizeof s->key_hash);
		gz_stmt_bind_blob(st, 2, req_hash, sizeof req_hash);
		gz_stmt_bind_int64(st, 3, now);
		rc = gz_stmt_step(st, &err);
		int64_t inserted = rc >= 0 ? gz_stmt_changes(st) : 0;
		gz_stmt_finish(st);
		if (rc >= 0 && inserted == 1) {
			r->hook_state = s;
			r->capture = true;
			return false; /* first time: run the handler */
		}
	} else {
		rc = -1;
	}
	if (rc < 0) {
		gz_reply_err(r, &err);
		return true;
	}

	st = gz_db_prepare(db,
	                   "SELECT request_hash, status, content_type, body FROM idempotency_keys "
	                   "WHERE key_hash = $1",
	                   &err);
	if (!st) {
		gz_reply_err(r, &err);
		return true;
	}
	gz_stmt_bind_blob(st, 1, s->key_hash, sizeof s->key_hash);
	rc = gz_stmt_step(st, &err);
	if (rc == GZ_ROW) {
		if (gz_stmt_len(st, 0) != sizeof req_hash ||
		    sodium_memcmp(gz_stmt_blob(st, 0), req_hash, sizeof req_hash) != 0)
			gz_reply_error(r, GZ_EINVALID, "idempotency_key_reused",
			               "该 Idempotency-Key 已用于内容不同的请求");
		else if (gz_stmt_int64(st, 1) == 0)
			gz_reply_error(r, GZ_ECONFLICT, "idempotency_in_progress",
			               "使用该 Idempotency-Key 的请求正在处理，请稍后重试");
		else {
			gz_reply_raw(r, (int)gz_stmt_int64(st, 1), gz_stmt_text(st, 2),
			             gz_stmt_text(st, 3), gz_stmt_len(st, 3));
			gz_reply_header(r, "Idempotent-Replayed", "true");
		}
	} else if (rc == GZ_DONE) {
		/* Removed meanwhile by a failed first attempt: let the client retry. */
		gz_reply_error(r, GZ_ECONFLICT, "idempotency_in_progress",
		               "使用该 Idempotency-Key 的请求正在处理，请稍后重试");
	} else {
		gz_reply_err(r, &err);
	}
	gz_stmt_finish(st);
	return true;
}

int gz_api_commit(gz_req *r, gz_db *db, int status, const json_t *answer, gz_err *err)
{
	idem_state *s = r ? r->hook_state : NULL;
	if (s && answer && !s->stored && status >= 200 && status < 300) {
		size_t len;
		char *body = gz_json_dump(answer, &len);
		if (!body)
			return gz_err_set(err, GZ_EINTERNAL, "internal", "无法生成 JSON 响应");
		gz_stmt *st = gz_db_prepare(db, sql_store, err);
		int rc = -1;
		if (st) {
			gz_stmt_bind_blob(st, 1, s->key_hash, sizeof s->key_hash);
			gz_stmt_bind_int64(st, 2, status);
			gz_stmt_bind_str(st, 3, json_ctype);
			gz_stmt_bind_text(st, 4, body, len);
			rc = gz_stmt_step(st, err);
			gz_stmt_finish(st);
		}
		free(body);
		if (rc < 0)
			return -1;
	}
	if (gz_db_commit(db, err) < 0)
		return -1;
	if (s && answer && status >= 200 && status < 300)
		s->stored = true;
	/* Test builds only: what may happen to a write after its COMMIT. */
	if (gz_api_fault("crash_after_commit"))
		_exit(70);
	if (s && gz_api_fault("reread_after_commit"))
		s->db_lost = true;
	return 0;
}

static void idem_after(gz_req *r)
{
	idem_state *s = r->hook_state;
	if (!s || s->db_lost)
		return;
	if (s->stored) {
		/* Committed with its answer: a retry gets that answer, whatever this one says. */
		if (r->status < 200 || r->status >= 300)
			gz_log_error("request %s: write committed but answered %d", r->id,
			             r->status);
		return;
	}
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_req_db(r, &err);
	if (!db)
		return;
	bool ok = r->status >= 200 && r->status < 300 && r->captured;
	gz_stmt *st =
	    ok ? gz_db_prepare(db, sql_store, &err)
	       : gz_db_prepare(db, "DELETE FROM idempotency_keys WHERE key_hash = $1", &err);
	if (!st)
		return;
	gz_stmt_bind_blob(st, 1, s->key_hash, sizeof s->key_hash);
	if (ok) {
		gz_stmt_bind_int64(st, 2, r->status);
		gz_stmt_bind_str(st, 3, r->captured_type);
		gz_stmt_bind_text(st, 4, r->captured, r->captured_len);
	}
	gz_stmt_step(st, &err);
	gz_stmt_finish(st);
}

void gz_api_idempotency_register(void)
{
	gz_auth_sodium_init();
	gz_server_set_post_hooks(idem_before, idem_after);
}
