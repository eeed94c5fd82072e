/* The one database interface. Two drivers implement it: SQLite (sqlite.c, the
 * embedded default) and PostgreSQL (pg.c, for a whole district or city).
 *
 * SQL is written once, with PostgreSQL-style numbered parameters ($1, $2, ...), and
 * runs on both drivers. Parameters are always bound, never spliced into SQL text.
 *
 * A gz_db is one connection and is used by one thread at a time; the HTTP server
 * keeps one per worker thread (see gz_db_thread()). Statements are cached per
 * connection keyed by the SQL text, so pass the same string constant each time.
 *
 * Usage:
 *   gz_stmt *st = gz_db_prepare(db, "SELECT name FROM t WHERE id = $1", err);
 *   gz_stmt_bind_int64(st, 1, id);
 *   while ((rc = gz_stmt_step(st, err)) == GZ_ROW) ... gz_stmt_text(st, 0) ...
 *   gz_stmt_finish(st);   // always, also after errors
 */
#ifndef GZ_DB_DB_H
#define GZ_DB_DB_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gz_db gz_db;
typedef struct gz_stmt gz_stmt;

typedef enum { GZ_DB_SQLITE = 1, GZ_DB_POSTGRES = 2 } gz_db_kind;

enum { GZ_DONE = 0, GZ_ROW = 1 };

/* The most parameters ($1..$N) one statement may have, on both drivers. Bulk writes use
 * multi-row INSERTs up to this many values. */
#define GZ_DB_MAX_PARAMS 512

/* Opens "sqlite:PATH" or "postgres://..." / "postgresql://..." (libpq conninfo, also
 * "host=... dbname=..."). Returns NULL with err set: 400 "bad_db_url" for an unknown
 * scheme, 503 "db_unavailable" when the database cannot be opened. */
gz_db *gz_db_open(const char *url, gz_err *err);
void gz_db_close(gz_db *db);
gz_db_kind gz_db_driver(const gz_db *db);
const char *gz_db_driver_name(const gz_db *db);

/* Number of connections currently open in this process (for /metrics). */
int gz_db_open_count(void);

/* Runs SQL text with no parameters; may contain several statements. */
int gz_db_exec(gz_db *db, const char *sql, gz_err *err);

/* Transactions. gz_db_begin takes the write lock at once on SQLite (BEGIN IMMEDIATE)
 * so two writers never deadlock on lock upgrade. Transactions do not nest: gz_db_begin
 * while one is open fails (500 "db_error"), also inside a read snapshot. */
int gz_db_begin(gz_db *db, gz_err *err);
/* A read snapshot for an answer assembled from several queries, so its parts agree:
 * SQLite BEGIN (deferred: the snapshot is taken at the first read and held to the end),
 * PostgreSQL BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY. Nothing may be written in
 * it (the statement fails on both drivers); end it with gz_db_commit or gz_db_rollback
 * before writing, e.g. an audit row. Called while a transaction (read or write) is open,
 * it joins that one, and the matching commit/rollback leaves it open: a read helper may
 * take its own snapshot whether or not its caller holds one. */
int gz_db_begin_read(gz_db *db, gz_err *err);
/* Ends a read snapshot (or the joined level of one): the same as gz_db_rollback, which
 * loses nothing after reads, named for the reader. Never fails. */
void gz_db_end_read(gz_db *db);
int gz_db_commit(gz_db *db, gz_err *err);
/* Never fails from the caller's point of view; safe to call when no transaction is open. */
void gz_db_rollback(gz_db *db);
/* Runs fn(arg) once the open write transaction commits (after the COMMIT succeeded,
 * in the order registered), then release(arg); on rollback or a failed COMMIT only
 * release(arg). For what must happen only if the write happened, e.g. telling live
 * event streams about it. release may be NULL. Without an open write transaction,
 * returns -1 with err set (500) after calling release(arg). */
int gz_db_after_commit(gz_db *db, void (*fn)(void *arg), void (*release)(void *arg), void *arg,
                       gz_err *err);
/* PostgreSQL LISTEN/NOTIFY, for a connection of its own that does nothing else:
 * gz_db_listen subscribes to channel; gz_db_wait_notify waits up to timeout_ms for a
 * notification and returns 1 with *payload set (malloc'd), 0 on timeout, -1 with err
 * set when the connection is lost (the caller reopens and listens again). On SQLite
 * both return -1 (500 "unsupported"). */
int gz_db_listen(gz_db *db, const char *channel, gz_err *err);
int gz_db_wait_notify(gz_db *db, int timeout_ms, char **payload, gz_err *err);
/* The URL given to gz_db_thread_init (NULL before). */
const char *gz_db_thread_url(void);
/* True while a transaction is open on db. */
bool gz_db_in_transaction(gz_db *db);

/* Prepares (or fetches from the cache) a statement. Returns NULL with err set. */
gz_stmt *gz_db_prepare(gz_db *db, const char *sql, gz_err *err);

/* Bind parameter idx (1-based). Text and blobs are copied. */
void gz_stmt_bind_int64(gz_stmt *st, int idx, int64_t v);
void gz_stmt_bind_text(gz_stmt *st, int idx, const char *s, size_t len);
void gz_stmt_bind_str(gz_stmt *st, int idx, const char *s); /* NUL-terminated, NULL = null */
void gz_stmt_bind_blob(gz_stmt *st, int idx, const void *p, size_t len);
void gz_stmt_bind_null(gz_stmt *st, int idx);
/* A reference to a row id: binds v, or NULL when v is 0 (no such reference). */
void gz_stmt_bind_id(gz_stmt *st, int idx, int64_t v);

/* Executes on the first call, then walks rows. Returns GZ_ROW, GZ_DONE, or -1 with err set
 * (409 "conflict" for unique/foreign-key violations, 503 for busy/connection errors,
 * 500 otherwise). */
int gz_stmt_step(gz_stmt *st, gz_err *err);

/* For INSERT ... RETURNING id: steps, sets *id from column 0 of the first row (0 when
 * none came) and reads the statement to its end so the write is complete. Returns
 * GZ_DONE, or -1 with err set. */
int gz_stmt_step_id(gz_stmt *st, int64_t *id, gz_err *err);

/* Column accessors for the current row (0-based). Pointers are valid until the next
 * step or finish. */
bool gz_stmt_isnull(gz_stmt *st, int col);
int64_t gz_stmt_int64(gz_stmt *st, int col);
const char *gz_stmt_text(gz_stmt *st, int col); /* "" for NULL */
size_t gz_stmt_len(gz_stmt *st, int col);       /* bytes of text/blob */
const void *gz_stmt_blob(gz_stmt *st, int col);
int gz_stmt_columns(gz_stmt *st);

/* Rows changed by the last executed INSERT/UPDATE/DELETE. */
int64_t gz_stmt_changes(gz_stmt *st);

/* Resets the statement and returns it to the connection's cache. */
void gz_stmt_finish(gz_stmt *st);

/* The statement cache of a connection: a least-recently-used cache of at most
 * `capacity` prepared statements (default 512, or GONGZHI_DB_STMT_CACHE when set at
 * open). Past it, the least recently used statement not in use is dropped (on PostgreSQL
 * also DEALLOCATEd on the server). Size and eviction count are for tests and metrics. */
#define GZ_DB_STMT_CACHE_DEFAULT 512
void gz_db_set_stmt_cache_capacity(gz_db *db, int capacity);
int gz_db_stmt_cache_size(const gz_db *db);
int64_t gz_db_stmt_cache_evictions(const gz_db *db);

/* Convenience: run a statement that returns at most one integer (e.g. count, id).
 * Returns 1 and sets *out when a row came, 0 when none, -1 on error. Parameters are
 * int64 values. */
int gz_db_query_int64(gz_db *db, const char *sql, int64_t *out, gz_err *err, int nparams, ...);

/* Same with one text parameter. */
int gz_db_query_int64_text(gz_db *db, const char *sql, int64_t *out, gz_err *err,
                           const char *param);

/* Adds delta to the record count `name` (table record_counts, shown by /api/v1/status
 * and the demo summary). Every C writer of record_counts goes through here, inside the
 * transaction that writes the records, so the count moves with them or not at all.
 * Tables whose migration keeps the count by trigger (streets, communities, grids,
 * buildings, users) must not also be counted here. delta 0 does nothing. Returns 0, or
 * -1 with err set. */
int gz_db_count_add(gz_db *db, const char *name, int64_t delta, gz_err *err);

/* Apply pending migrations (embedded SQL files) in order, each in its own transaction,
 * recording them in schema_migrations. Safe with several processes at once. Returns the
 * schema version, or -1. */
int gz_db_migrate(gz_db *db, gz_err *err);
/* Current schema version (0 when none applied), or -1. */
int gz_db_schema_version(gz_db *db, gz_err *err);

/* Online backup of a SQLite database to dest_path while others keep writing. */
int gz_db_backup(gz_db *db, const char *dest_path, gz_err *err);

/* Thread-local connection for server worker threads: opened on first use with the
 * URL set by gz_db_thread_init(), closed by gz_db_thread_close_all() at shutdown. */
void gz_db_thread_init(const char *url);
gz_db *gz_db_thread(gz_err *err);
void gz_db_thread_close_all(void);

#endif
