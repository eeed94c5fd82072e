#include "db/driver.h"
#include "core/mem.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_int open_count;

static void run_hooks(gz_db *db, bool commit);

gz_db *gz_db_open(const char *url, gz_err *err)
{
	gz_db *db = NULL;
	if (strncmp(url, "sqlite:", 7) == 0)
		db = gz_sqlite_open(url + 7, err);
	else if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0 ||
	         strncmp(url, "host=", 5) == 0 || strncmp(url, "dbname=", 7) == 0)
		db = gz_pg_open(url, err);
	else
		gz_err_set(err, GZ_EBADREQ, "bad_db_url",
		           "unknown database URL '%s': use sqlite:PATH or postgres://...", url);
	if (db)
		atomic_fetch_add(&open_count, 1);
	return db;
}

void gz_db_close(gz_db *db)
{
	if (!db)
		return;
	atomic_fetch_sub(&open_count, 1);
	if (db->nhooks)
		run_hooks(db, false);
	db->ops->close(db);
}

int gz_db_open_count(void)
{
	return atomic_load(&open_count);
}

gz_db_kind gz_db_driver(const gz_db *db)
{
	return db->kind;
}

const char *gz_db_driver_name(const gz_db *db)
{
	return db->ops->name;
}

int gz_db_exec(gz_db *db, const char *sql, gz_err *err)
{
	return db->ops->exec(db, sql, err);
}

int gz_db_begin(gz_db *db, gz_err *err)
{
	if (db->ops->in_tx(db)) {
		/* A nested begin would merge two units of work (PostgreSQL only warns); inside
		 * a read snapshot a write would fail later anyway. Say so at the cause. */
		if (db->read)
			return gz_err_set(err, GZ_EINTERNAL, "db_error",
			                  "数据库错误：只读快照中不能开始写事务");
		return gz_err_set(err, GZ_EINTERNAL, "db_error", "数据库错误：事务已经开始");
	}
	db->depth = 0;
	db->read = false;
	return db->ops->begin(db, false, err);
}

int gz_db_begin_read(gz_db *db, gz_err *err)
{
	if (db->ops->in_tx(db)) {
		db->depth++;
		return 0;
	}
	db->depth = 0;
	if (db->ops->begin(db, true, err) < 0)
		return -1;
	db->read = true;
	return 0;
}

/* Runs (commit) or drops the after-commit callbacks of the transaction that ended. */
static void run_hooks(gz_db *db, bool commit)
{
	/* A callback may open a new transaction on db: take the list first. */
	gz_db_commit_hook *h = db->hooks;
	int n = db->nhooks;
	db->hooks = NULL;
	db->nhooks = db->hooks_cap = 0;
	for (int i = 0; i < n; i++) {
		if (commit)
			h[i].fn(h[i].arg);
		if (h[i].release)
			h[i].release(h[i].arg);
	}
	free(h);
}

int gz_db_commit(gz_db *db, gz_err *err)
{
	if (db->depth > 0) {
		db->depth--;
		return 0;
	}
	bool read = db->read;
	db->read = false;
	int rc = db->ops->end(db, true, read, err);
	if (db->nhooks)
		run_hooks(db, rc == 0);
	return rc;
}

int gz_db_after_commit(gz_db *db, void (*fn)(void *arg), void (*release)(void *arg), void *arg,
                       gz_err *err)
{
	if (!db->ops->in_tx(db) || db->read) {
		if (release)
			release(arg);
		return gz_err_set(err, GZ_EINTERNAL, "db_error", "数据库错误：没有打开的写事务");
	}
	if (db->nhooks == db->hooks_cap) {
		db->hooks_cap = db->hooks_cap ? db->hooks_cap * 2 : 4;
		db->hooks = gz_realloc(db->hooks, (size_t)db->hooks_cap * sizeof *db->hooks);
	}
	db->hooks[db->nhooks++] = (gz_db_commit_hook){fn, release, arg};
	return 0;
}

int gz_db_listen(gz_db *db, const char *channel, gz_err *err)
{
	if (!db->ops->listen)
		return gz_err_set(err, GZ_EINTERNAL, "unsupported",
		                  "LISTEN/NOTIFY needs PostgreSQL");
	return db->ops->listen(db, channel, err);
}

int gz_db_wait_notify(gz_db *db, int timeout_ms, char **payload, gz_err *err)
{
	*payload = NULL;
	if (!db->ops->wait_notify)
		return gz_err_set(err, GZ_EINTERNAL, "unsupported",
		                  "LISTEN/NOTIFY needs PostgreSQL");
	return db->ops->wait_notify(db, timeout_ms, payload, err);
}

void gz_db_rollback(gz_db *db)
{
	if (db->depth > 0) {
		db->depth--;
		return;
	}
	gz_err ignored;
	gz_err_clear(&ignored);
	bool read = db->read;
	db->read = false;
	db->ops->end(db, false, read, &ignored);
	if (db->nhooks)
		run_hooks(db, false);
}

void gz_db_end_read(gz_db *db)
{
	gz_db_rollback(db);
}

bool gz_db_in_transaction(gz_db *db)
{
	return db->ops->in_tx(db);
}

void gz_db_set_stmt_cache_capacity(gz_db *db, int capacity)
{
	gz_stmt_cache_resize(db, capacity);
}

int gz_db_stmt_cache_size(const gz_db *db)
{
	return db->cache.count;
}

int64_t gz_db_stmt_cache_evictions(const gz_db *db)
{
	return db->cache.evictions;
}

/* The capacity a new connection's statement cache starts with. */
int gz_db_stmt_cache_capacity_default(void)
{
	const char *v = getenv("GONGZHI_DB_STMT_CACHE");
	if (v && *v) {
		char *end;
		long n = strtol(v, &end, 10);
		if (!*end && n >= 0 && n <= 1000000)
			return (int)n;
	}
	return GZ_DB_STMT_CACHE_DEFAULT;
}

int gz_db_count_add(gz_db *db, const char *name, int64_t delta, gz_err *err)
{
	if (!delta)
		return 0;
	gz_stmt *st = gz_db_prepare(db, "UPDATE record_counts SET n = n + $1 WHERE name = $2", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, delta);
	gz_stmt_bind_str(st, 2, name);
	int rc = gz_stmt_step(st, err);
	int64_t changed = rc < 0 ? 0 : gz_stmt_changes(st);
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	if (changed != 1)
		return gz_err_set(err, GZ_EINTERNAL, "db_error", "数据库错误：没有计数 %s", name);
	return 0;
}

gz_stmt *gz_db_prepare(gz_db *db, const char *sql, gz_err *err)
{
	return db->ops->prepare(db, sql, err);
}

void gz_stmt_bind_int64(gz_stmt *st, int idx, int64_t v)
{
	st->db->ops->bind_int64(st, idx, v);
}

void gz_stmt_bind_text(gz_stmt *st, int idx, const char *s, size_t len)
{
	st->db->ops->bind_text(st, idx, s, len);
}

void gz_stmt_bind_str(gz_stmt *st, int idx, const char *s)
{
	if (s)
		st->db->ops->bind_text(st, idx, s, strlen(s));
	else
		st->db->ops->bind_null(st, idx);
}

void gz_stmt_bind_blob(gz_stmt *st, int idx, const void *p, size_t len)
{
	st->db->ops->bind_blob(st, idx, p, len);
}

void gz_stmt_bind_null(gz_stmt *st, int idx)
{
	st->db->ops->bind_null(st, idx);
}

int gz_stmt_step(gz_stmt *st, gz_err *err)
{
	return st->db->ops->step(st, err);
}

void gz_stmt_bind_id(gz_stmt *st, int idx, int64_t v)
{
	if (v)
		st->db->ops->bind_int64(st, idx, v);
	else
		st->db->ops->bind_null(st, idx);
}

int gz_stmt_step_id(gz_stmt *st, int64_t *id, gz_err *err)
{
	*id = 0;
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW)
		*id = gz_stmt_int64(st, 0);
	while (rc == GZ_ROW)
		rc = gz_stmt_step(st, err);
	return rc;
}

bool gz_stmt_isnull(gz_stmt *st, int col)
{
	return st->db->ops->isnull(st, col);
}

int64_t gz_stmt_int64(gz_stmt *st, int col)
{
	return st->db->ops->int64(st, col);
}

const char *gz_stmt_text(gz_stmt *st, int col)
{
	return st->db->ops->text(st, col);
}

size_t gz_stmt_len(gz_stmt *st, int col)
{
	return st->db->ops->len(st, col);
}

const void *gz_stmt_blob(gz_stmt *st, int col)
{
	return st->db->ops->blob(st, col);
}

int gz_stmt_columns(gz_stmt *st)
{
	return st->db->ops->columns(st);
}

int64_t gz_stmt_changes(gz_stmt *st)
{
	return st->db->ops->changes(st);
}

void gz_stmt_finish(gz_stmt *st)
{
	if (st)
		st->db->ops->finish(st);
}

int gz_db_query_int64(gz_db *db, const char *sql, int64_t *out, gz_err *err, int nparams, ...)
{
	gz_stmt *st = gz_db_prepare(db, sql, err);
	if (!st)
		return -1;
	va_list ap;
	va_start(ap, nparams);
	for (int i = 1; i <= nparams; i++)
		gz_stmt_bind_int64(st, i, va_arg(ap, int64_t));
	va_end(ap);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW)
		*out = gz_stmt_int64(st, 0);
	gz_stmt_finish(st);
	return rc;
}

int gz_db_query_int64_text(gz_db *db, const char *sql, int64_t *out, gz_err *err, const char *param)
{
	gz_stmt *st = gz_db_prepare(db, sql, err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, param);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW)
		*out = gz_stmt_int64(st, 0);
	gz_stmt_finish(st);
	return rc;
}

int gz_db_backup(gz_db *db, const char *dest_path, gz_err *err)
{
	if (!db->ops->backup)
		return gz_err_set(err, GZ_EBADREQ, "backup_unsupported",
		                  "backup works on SQLite databases; use pg_dump for PostgreSQL");
	return db->ops->backup(db, dest_path, err);
}

/* ---- per-thread connections for the server ---- */

static char *thread_url;
static pthread_mutex_t thread_mu = PTHREAD_MUTEX_INITIALIZER;
static gz_db **thread_dbs;
static size_t thread_ndbs;
static _Thread_local gz_db *tls_db;

void gz_db_thread_init(const char *url)
{
	free(thread_url);
	thread_url = gz_strdup(url);
}

const char *gz_db_thread_url(void)
{
	return thread_url;
}

gz_db *gz_db_thread(gz_err *err)
{
	if (tls_db)
		return tls_db;
	gz_db *db = gz_db_open(thread_url, err);
	if (!db)
		return NULL;
	pthread_mutex_lock(&thread_mu);
	thread_dbs = gz_realloc(thread_dbs, (thread_ndbs + 1) * sizeof *thread_dbs);
	thread_dbs[thread_ndbs++] = db;
	pthread_mutex_unlock(&thread_mu);
	tls_db = db;
	return db;
}

/* Call only after every thread that used gz_db_thread() has stopped. */
void gz_db_thread_close_all(void)
{
	pthread_mutex_lock(&thread_mu);
	for (size_t i = 0; i < thread_ndbs; i++)
		gz_db_close(thread_dbs[i]);
	free(thread_dbs);
	thread_dbs = NULL;
	thread_ndbs = 0;
	tls_db = NULL;
	pthread_mutex_unlock(&thread_mu);
}

/* Dialect markers keep one migration file for both drivers; the split is small and
 * explicit:
 *   {{ID}}    integer primary key with automatic values
 *   {{BLOB}}  binary column type
 *   {{SQLITE: text}} / {{PG: text}}  text kept only for that driver. */
char *gz_db_dialect(const char *sql, gz_db_kind kind)
{
	size_t cap = strlen(sql) * 2 + 64, n = 0;
	char *out = gz_malloc(cap);
	const char *p = sql;
	while (*p) {
		if (p[0] == '{' && p[1] == '{') {
			const char *end = strstr(p, "}}");
			if (end) {
				const char *body = p + 2;
				size_t blen = (size_t)(end - body);
				const char *rep = NULL;
				size_t rlen = (size_t)-1; /* -1: strlen(rep) */
				if (blen == 2 && !strncmp(body, "ID", 2))
					rep = kind == GZ_DB_SQLITE ? "INTEGER PRIMARY KEY"
					                           : "BIGINT GENERATED BY DEFAULT "
					                             "AS IDENTITY PRIMARY KEY";
				else if (blen == 4 && !strncmp(body, "BLOB", 4))
					rep = kind == GZ_DB_SQLITE ? "BLOB" : "BYTEA";
				else if (!strncmp(body, "SQLITE:", 7)) {
					if (kind == GZ_DB_SQLITE)
						rep = body + 7, rlen = blen - 7;
					else
						rep = "";
				} else if (!strncmp(body, "PG:", 3)) {
					if (kind == GZ_DB_POSTGRES)
						rep = body + 3, rlen = blen - 3;
					else
						rep = "";
				}
				if (rep) {
					if (rlen == (size_t)-1)
						rlen = strlen(rep);
					if (n + rlen + 1 > cap) {
						cap = (n + rlen + 1) * 2;
						out = gz_realloc(out, cap);
					}
					memcpy(out + n, rep, rlen);
					n += rlen;
					p = end + 2;
					continue;
				}
			}
		}
		if (n + 2 > cap) {
			cap *= 2;
			out = gz_realloc(out, cap);
		}
		out[n++] = *p++;
	}
	out[n] = '\0';
	return out;
}
