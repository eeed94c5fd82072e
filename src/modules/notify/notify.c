/* The inbox and live events (notify.h): writing notifications, sending them to event
 * streams after COMMIT, and the routes
 *   GET  /api/v1/notifications         the caller's inbox, newest first (?unread=1)
 *   POST /api/v1/notifications/read    mark some ({"ids": [...]}) or all ({"all": true}) read
 *   GET  /api/v1/events/stream         Server-Sent Events: the caller's new notifications
 *
 * An event is "id: N\nevent: notification\ndata: {...}\n\n" with the notification's JSON
 * (as the inbox lists it). A stream starts with "retry" and a "hello" event carrying the
 * unread count; a reconnecting client (Last-Event-ID) first gets what it missed, up to
 * REPLAY_MAX — the inbox is the record, a stream only says that something came. */
#include "modules/notify/notify.h"
#include "api/common.h"
#include "api/fields.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/time.h"
#include "core/utf8.h"
#include "http/stream.h"
#include "modules/module.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TITLE_MAX_BYTES 600 /* 200 characters of Chinese */
#define LINK_MAX_BYTES  200
#define REPLAY_MAX      "50" /* SQL text */
#define READ_IDS_MAX    200
#define CHANNEL         "gz_events"
#define END_PREFIX      "end "

/* ---------------------------------------------------------------- events */

/* The event text for one notification (malloc'd). */
static char *event_text(int64_t id, const char *json, size_t *len)
{
	size_t cap = strlen(json) + 64;
	char *s = gz_malloc(cap);
	int n =
	    snprintf(s, cap, "id: %lld\nevent: notification\ndata: %s\n\n", (long long)id, json);
	*len = (size_t)n;
	return s;
}

static json_t *notice_json(int64_t id, const char *kind, const char *title, const char *link,
                           const char *otype, int64_t oid, int64_t created, int64_t read_at)
{
	return json_pack("{s:o,s:s,s:s,s:s,s:s,s:o,s:o,s:o}", "id", gz_api_id_json(id), "kind",
	                 kind, "title", title, "link", link, "object_type", otype, "object_id",
	                 oid ? gz_api_id_json(oid) : json_null(), "created_at",
	                 gz_api_time_json(created), "read_at",
	                 read_at ? gz_api_time_json(read_at) : json_null());
}

/* What an after-commit push carries (SQLite: this process is the only one). */
typedef struct pending {
	int64_t user_id, id;
	char *json;
} pending;

static void push_pending(void *arg)
{
	pending *p = arg;
	size_t len;
	char *ev = event_text(p->id, p->json, &len);
	gz_stream_push(p->user_id, ev, len);
	free(ev);
}

static void free_pending(void *arg)
{
	pending *p = arg;
	free(p->json);
	free(p);
}

/* PostgreSQL: one thread per process LISTENs and forwards "USER_ID ID JSON" payloads to
 * this process's streams, and ends an account's streams on "end USER_ID"
 * (gz_notify_end_streams). Started with the first stream; lives as long as the process. */
static pthread_mutex_t listener_mu = PTHREAD_MUTEX_INITIALIZER;
static bool listener_started;
static gz_db *listener_db; /* reachable for leak checkers while the thread blocks */

static void *listener_main(void *arg)
{
	(void)arg;
	for (;;) {
		gz_err err;
		gz_err_clear(&err);
		if (!listener_db) {
			listener_db = gz_db_open(gz_db_thread_url(), &err);
			if (listener_db && gz_db_listen(listener_db, CHANNEL, &err) < 0) {
				gz_db_close(listener_db);
				listener_db = NULL;
			}
			if (!listener_db) {
				gz_log_warn("events: cannot listen on PostgreSQL: %s", err.message);
				sleep(2);
				continue;
			}
		}
		char *payload = NULL;
		int rc = gz_db_wait_notify(listener_db, 5000, &payload, &err);
		if (rc < 0) {
			gz_log_warn("events: listening connection lost: %s", err.message);
			gz_db_close(listener_db);
			listener_db = NULL;
			continue;
		}
		if (rc == 0)
			continue;
		long long uid = 0, id = 0;
		int off = 0;
		if (strncmp(payload, END_PREFIX, strlen(END_PREFIX)) == 0) {
			if (sscanf(payload + strlen(END_PREFIX), "%lld", &uid) == 1)
				gz_stream_close_key(uid);
		} else if (sscanf(payload, "%lld %lld %n", &uid, &id, &off) == 2 && off > 0) {
			size_t len;
			char *ev = event_text(id, payload + off, &len);
			gz_stream_push(uid, ev, len);
			free(ev);
		}
		free(payload);
	}
	return NULL;
}

static void listener_start(void)
{
	pthread_mutex_lock(&listener_mu);
	if (!listener_started && gz_db_thread_url()) {
		pthread_t t;
		if (pthread_create(&t, NULL, listener_main, NULL) == 0) {
			pthread_detach(t);
			listener_started = true;
		} else {
			gz_log_error("events: cannot start the listener thread");
		}
	}
	pthread_mutex_unlock(&listener_mu);
}

/* ---------------------------------------------------------------- writing */

/* Sends payload to every listening process at COMMIT (PostgreSQL). */
static int pg_send(gz_db *db, const char *payload, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, "SELECT pg_notify('" CHANNEL "', $1)", err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, payload);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

static void end_streams_now(void *arg)
{
	gz_stream_close_key(*(int64_t *)arg);
}

int gz_notify_end_streams(gz_db *db, int64_t user_id, gz_err *err)
{
	if (gz_db_driver(db) == GZ_DB_POSTGRES) {
		char payload[48];
		snprintf(payload, sizeof payload, END_PREFIX "%lld", (long long)user_id);
		return pg_send(db, payload, err);
	}
	if (!gz_db_in_transaction(db)) {
		gz_stream_close_key(user_id);
		return 0;
	}
	int64_t *p = gz_malloc(sizeof *p);
	*p = user_id;
	return gz_db_after_commit(db, end_streams_now, free, p, err);
}

int gz_notify(gz_db *db, const gz_actor *a, int64_t user_id, const gz_notice *n, gz_err *err)
{
	if (!a)
		return gz_err_set(err, GZ_EINTERNAL, "no_actor", "服务器内部错误：没有操作人");
	if (user_id <= 0 || (a->kind == GZ_ACTOR_USER && a->user_id == user_id))
		return 0;
	const char *title = n->title ? n->title : "";
	size_t tlen = gz_utf8_prefix(title, strlen(title), TITLE_MAX_BYTES);
	const char *link = n->link ? n->link : "";
	size_t llen = strlen(link) > LINK_MAX_BYTES ? 0 : strlen(link); /* a cut link is wrong */
	const char *otype = n->object_type ? n->object_type : "";
	int64_t now = gz_time_now_ms();
	gz_stmt *st = gz_db_prepare(db,
	                            "INSERT INTO notifications (user_id, kind, title, link, "
	                            "object_type, object_id, created_at) VALUES ($1, $2, $3, $4, "
	                            "$5, $6, $7) RETURNING id",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, user_id);
	gz_stmt_bind_str(st, 2, n->kind);
	gz_stmt_bind_text(st, 3, title, tlen);
	gz_stmt_bind_text(st, 4, link, llen);
	gz_stmt_bind_str(st, 5, otype);
	gz_stmt_bind_int64(st, 6, n->object_id);
	gz_stmt_bind_int64(st, 7, now);
	int64_t id = 0;
	int rc = gz_stmt_step_id(st, &id, err);
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	char *t = gz_strndup(title, tlen), *l = gz_strndup(link, llen);
	json_t *j = notice_json(id, n->kind, t, l, otype, n->object_id, now, 0);
	free(t);
	free(l);
	char *text = gz_json_dump(j, NULL);
	json_decref(j);
	if (!text)
		return gz_err_set(err, GZ_EINTERNAL, "internal", "无法生成 JSON");
	if (gz_db_driver(db) == GZ_DB_POSTGRES) {
		/* Delivered to every listening process at COMMIT, never after a rollback. */
		size_t cap = strlen(text) + 48;
		char *payload = gz_malloc(cap);
		snprintf(payload, cap, "%lld %lld %s", (long long)user_id, (long long)id, text);
		free(text);
		rc = pg_send(db, payload, err);
		free(payload);
		return rc < 0 ? -1 : 0;
	}
	pending *p = gz_malloc(sizeof *p);
	*p = (pending){user_id, id, text};
	return gz_db_after_commit(db, push_pending, free_pending, p, err);
}

int gz_notify_scope(gz_db *db, const gz_actor *a, const char *role, const char *scope,
                    const gz_notice *n, gz_err *err)
{
	/* The recipients first (a statement cannot stay open across the inserts on every
	 * driver); a scope holds a handful of accounts. */
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT DISTINCT g.user_id FROM grants g JOIN users u ON u.id "
	                            "= g.user_id WHERE g.scope = $1 AND ($2 = '' OR g.role = $2) "
	                            "AND u.deleted_at IS NULL ORDER BY g.user_id LIMIT 200",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, scope);
	gz_stmt_bind_str(st, 2, role ? role : "");
	int64_t ids[200];
	int nids = 0, rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW && nids < 200)
		ids[nids++] = gz_stmt_int64(st, 0);
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	int told = 0;
	for (int i = 0; i < nids; i++) {
		if (gz_notify(db, a, ids[i], n, err) < 0)
			return -1;
		told += !(a->kind == GZ_ACTOR_USER && a->user_id == ids[i]);
	}
	return told;
}

/* ---------------------------------------------------------------- reading */

#define NOTICE_COLS "id, kind, title, link, object_type, object_id, created_at, read_at"

static json_t *row_json(gz_stmt *st)
{
	return notice_json(gz_stmt_int64(st, 0), gz_stmt_text(st, 1), gz_stmt_text(st, 2),
	                   gz_stmt_text(st, 3), gz_stmt_text(st, 4), gz_stmt_int64(st, 5),
	                   gz_stmt_int64(st, 6), gz_stmt_isnull(st, 7) ? 0 : gz_stmt_int64(st, 7));
}

static int unread_count(gz_db *db, int64_t user_id, int64_t *n, gz_err *err)
{
	*n = 0;
	return gz_db_query_int64(db,
	                         "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND "
	                         "read_at IS NULL",
	                         n, err, 1, user_id) < 0
	           ? -1
	           : 0;
}

/* GET /notifications: in a read snapshot (gz_api_read), so the page and the count agree. */
static void list_inbox(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_auth *u = gz_auth_user(r, &err);
	gz_db *db = u ? gz_req_db(r, &err) : NULL;
	int limit;
	int64_t after, unread = 0;
	json_t *items = NULL;
	if (!db || gz_req_list_params(r, &limit, &after, &err) < 0)
		goto fail;
	bool only_unread = gz_api_flag_query(r, "unread");
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT " NOTICE_COLS " FROM notifications WHERE user_id = $1 "
	                            "AND ($2 = 0 OR id < $2) AND ($3 = 0 OR read_at IS NULL) "
	                            "ORDER BY id DESC LIMIT $4",
	                            &err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, u->user_id);
	gz_stmt_bind_int64(st, 2, after);
	gz_stmt_bind_int64(st, 3, only_unread);
	gz_stmt_bind_int64(st, 4, limit + 1);
	items = json_array();
	int rc;
	int64_t last = 0, next = 0;
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		if ((int)json_array_size(items) == limit) {
			next = last;
			break;
		}
		last = gz_stmt_int64(st, 0);
		json_array_append_new(items, row_json(st));
	}
	gz_stmt_finish(st);
	if (rc < 0 || unread_count(db, u->user_id, &unread, &err) < 0)
		goto fail;
	json_t *out = gz_list_json(r, items, next);
	json_object_set_new(out, "unread", json_integer(unread));
	gz_reply_json(r, 200, out);
	return;
fail:
	json_decref(items);
	gz_reply_err(r, &err);
}

static void inbox(gz_req *r)
{
	gz_api_read(r, list_inbox);
}

/* POST /notifications/read: {"ids": ["12", ...]} (at most READ_IDS_MAX) or {"all": true}.
 * Only the caller's own rows change; ids of others' or unknown ones are ignored, so the
 * answer says nothing of them. Answers the unread count after. */
static void mark_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	gz_db *db = gz_req_db(r, &err);
	json_t *in = db ? gz_req_json(r, &err) : NULL, *out = NULL;
	if (!in)
		goto fail;
	json_t *ids = json_object_get(in, "ids"), *all = json_object_get(in, "all");
	if (all && !json_is_boolean(all)) {
		gz_err_set(&err, GZ_EINVALID, "invalid_field", "all 应为 true 或 false");
		gz_err_field(&err, "all", "应为 true 或 false");
		goto fail;
	}
	bool every = all && json_is_true(all);
	if (!every &&
	    (!json_is_array(ids) || !json_array_size(ids) || json_array_size(ids) > READ_IDS_MAX)) {
		gz_err_set(&err, GZ_EINVALID, "invalid_field",
		           "请给出 ids（1 到 %d 条消息）或 all: true", READ_IDS_MAX);
		gz_err_field(&err, "ids", "应为 1 到 %d 个消息编号", READ_IDS_MAX);
		goto fail;
	}
	int64_t idv[READ_IDS_MAX];
	size_t nid = every ? 0 : json_array_size(ids);
	for (size_t i = 0; i < nid; i++) {
		json_t *v = json_array_get(ids, i);
		idv[i] = json_is_string(v) ? gz_api_parse_id(json_string_value(v)) : 0;
		if (!idv[i]) {
			gz_err_set(&err, GZ_EINVALID, "invalid_field", "ids 中有无效的消息编号");
			gz_err_field(&err, "ids", "应为消息编号（字符串）");
			goto fail;
		}
	}
	int64_t now = gz_time_now_ms(), changed = 0, unread = 0;
	if (gz_db_begin(db, &err) < 0)
		goto fail;
	for (size_t i = 0; i < (every ? 1 : nid); i++) {
		gz_stmt *st = gz_db_prepare(db,
		                            "UPDATE notifications SET read_at = $1 WHERE user_id = "
		                            "$2 AND read_at IS NULL AND ($3 = 0 OR id = $3)",
		                            &err);
		if (!st)
			goto rollback;
		gz_stmt_bind_int64(st, 1, now);
		gz_stmt_bind_int64(st, 2, a->user_id);
		gz_stmt_bind_int64(st, 3, every ? 0 : idv[i]);
		int rc = gz_stmt_step(st, &err);
		changed += rc < 0 ? 0 : gz_stmt_changes(st);
		gz_stmt_finish(st);
		if (rc < 0)
			goto rollback;
	}
	char scope[64];
	gz_actor_scope(a, scope, sizeof scope);
	json_t *detail = json_pack("{s:I}", "marked", (json_int_t)changed);
	char uid[24];
	snprintf(uid, sizeof uid, "%lld", a->user_id);
	int rc = gz_audit(a, db, "notification.read", "user", uid, scope, detail, &err);
	json_decref(detail);
	if (rc < 0 || unread_count(db, a->user_id, &unread, &err) < 0)
		goto rollback;
	out = json_pack("{s:I,s:I}", "marked", (json_int_t)changed, "unread", (json_int_t)unread);
	if (gz_api_commit(r, db, 200, out, &err) < 0)
		goto rollback;
	json_decref(in);
	gz_reply_json(r, 200, out);
	return;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(in);
	json_decref(out);
	gz_reply_err(r, &err);
}

/* GET /events/stream. The stream is registered before anything is read, so a notification
 * committed meanwhile is both in the replay or count and pushed: a client may see one
 * twice (same id), never miss one. */
static void stream(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_auth *u = gz_auth_user(r, &err);
	gz_db *db = u ? gz_req_db(r, &err) : NULL;
	if (!db) {
		gz_reply_err(r, &err);
		return;
	}
	int64_t last = 0;
	const char *lei = gz_req_header(r, "Last-Event-ID");
	if (lei && *lei && !(last = gz_api_parse_id(lei))) {
		gz_reply_error(r, GZ_EBADREQ, "bad_header", "Last-Event-ID 应为消息编号");
		return;
	}
	if (gz_db_driver(db) == GZ_DB_POSTGRES)
		listener_start();
	gz_stream *s = gz_stream_open(u->user_id);
	if (!s) {
		gz_reply_header(r, "Retry-After", "30");
		gz_reply_error(r, GZ_ETOOMANY, "too_many_streams",
		               "打开的实时连接过多，请关闭其他页面后重试");
		return;
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int64_t unread = 0;
	int rc = 0;
	fputs("retry: 5000\n\n", f);
	if (gz_db_begin_read(db, &err) < 0) {
		rc = -1;
		goto done;
	}
	if (last) {
		gz_stmt *st =
		    gz_db_prepare(db,
		                  "SELECT " NOTICE_COLS " FROM notifications WHERE user_id "
		                  "= $1 AND id > $2 ORDER BY id LIMIT " REPLAY_MAX,
		                  &err);
		if (!st) {
			rc = -1;
		} else {
			gz_stmt_bind_int64(st, 1, u->user_id);
			gz_stmt_bind_int64(st, 2, last);
			while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
				json_t *j = row_json(st);
				char *text = gz_json_dump(j, NULL);
				json_decref(j);
				size_t n;
				char *ev = event_text(gz_stmt_int64(st, 0), text ? text : "{}", &n);
				fwrite(ev, 1, n, f);
				free(ev);
				free(text);
			}
			gz_stmt_finish(st);
		}
	}
	if (rc >= 0)
		rc = unread_count(db, u->user_id, &unread, &err);
	gz_db_end_read(db);
done:
	fprintf(f, "event: hello\ndata: {\"unread\":%lld}\n\n", (long long)unread);
	fclose(f);
	if (rc < 0) {
		gz_stream_adopt(s, -1);
		gz_reply_err(r, &err);
	} else {
		gz_reply_stream(r, s, buf, len);
	}
	free(buf);
}

const gz_module_route gz_notify_routes[] = {
    {"GET", "/api/v1/notifications", inbox, 0, 0},
    {"POST", "/api/v1/notifications/read", mark_read, 0, 0},
    {"GET", "/api/v1/events/stream", stream, 0, 0},
    {0},
};
