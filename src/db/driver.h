/* Internal: the driver vtable behind gz_db. Only the db/ sources include this. */
#ifndef GZ_DB_DRIVER_H
#define GZ_DB_DRIVER_H

#include "db/db.h"

typedef struct gz_db_ops {
	const char *name;
	void (*close)(gz_db *db);
	int (*exec)(gz_db *db, const char *sql, gz_err *err);
	/* Starts a transaction: a write one (SQLite BEGIN IMMEDIATE, PostgreSQL BEGIN) or,
	 * with read, a read-only snapshot. db.c has checked none is open. */
	int (*begin)(gz_db *db, bool read, gz_err *err);
	/* Ends the open transaction (COMMIT when commit, else ROLLBACK); read says it was
	 * begun with read set. */
	int (*end)(gz_db *db, bool commit, bool read, gz_err *err);
	/* True while a transaction is open on the connection, also one the server has
	 * aborted or (PostgreSQL) one lost with the connection and not yet rolled back. */
	bool (*in_tx)(gz_db *db);
	/* Frees a statement the cache evicted (not busy; already unlinked). */
	void (*evict)(gz_db *db, gz_stmt *st);
	gz_stmt *(*prepare)(gz_db *db, const char *sql, gz_err *err);
	void (*bind_int64)(gz_stmt *st, int idx, int64_t v);
	void (*bind_text)(gz_stmt *st, int idx, const char *s, size_t len);
	void (*bind_blob)(gz_stmt *st, int idx, const void *p, size_t len);
	void (*bind_null)(gz_stmt *st, int idx);
	int (*step)(gz_stmt *st, gz_err *err);
	bool (*isnull)(gz_stmt *st, int col);
	int64_t (*int64)(gz_stmt *st, int col);
	const char *(*text)(gz_stmt *st, int col);
	size_t (*len)(gz_stmt *st, int col);
	const void *(*blob)(gz_stmt *st, int col);
	int (*columns)(gz_stmt *st);
	int64_t (*changes)(gz_stmt *st);
	void (*finish)(gz_stmt *st);
	int (*backup)(gz_db *db, const char *dest, gz_err *err);
	/* PostgreSQL only (NULL elsewhere): LISTEN channel; wait for one notification. */
	int (*listen)(gz_db *db, const char *channel, gz_err *err);
	int (*wait_notify)(gz_db *db, int timeout_ms, char **payload, gz_err *err);
} gz_db_ops;

/* A callback to run once the open write transaction has committed (db.c). */
typedef struct gz_db_commit_hook {
	void (*fn)(void *arg);
	void (*release)(void *arg);
	void *arg;
} gz_db_commit_hook;

/* The per-connection statement cache (stmt_cache.c): a hash table on the SQL text for
 * lookup and a recency list for eviction, both threaded through the statements. At most
 * cap statements are cached; when a new one would exceed that, the least recently used
 * statement that is not in use is evicted (ops->evict). Statements that cannot be cached
 * (every cached one is in use) are freed by their finish. */
typedef struct gz_stmt_cache {
	gz_stmt **buckets; /* nbuckets chains through gz_stmt.hnext */
	size_t nbuckets;   /* a power of two, >= 2 * cap */
	gz_stmt *newest, *oldest;
	int count, cap;
	int64_t hits, misses, evictions;
} gz_stmt_cache;

/* Every driver's connection struct starts with this header. */
struct gz_db {
	const gz_db_ops *ops;
	gz_db_kind kind;
	gz_stmt_cache cache;
	/* Transactions as db.c began them: read says the open one is a read snapshot;
	 * depth counts gz_db_begin_read calls that joined an open transaction and are
	 * ended by the matching commit/rollback without touching it. */
	bool read;
	int depth;
	/* gz_db_after_commit callbacks of the open transaction, in order. */
	gz_db_commit_hook *hooks;
	int nhooks, hooks_cap;
};

/* Every driver's statement struct starts with this header. */
struct gz_stmt {
	gz_db *db;
	char *sql;     /* owned copy of the text: the cache key */
	uint64_t hash; /* of sql */
	bool busy;     /* handed out by prepare, not yet finished */
	bool cached;   /* linked into db->cache (else finish frees it) */
	gz_stmt *hnext, *newer, *older;
};

/* Cache operations for the drivers (stmt_cache.c). */
void gz_stmt_cache_init(gz_stmt_cache *c, int cap);
/* A cached statement for sql that is not in use, marked busy and made the newest; or
 * NULL (then *hash is the key to give the new statement). */
gz_stmt *gz_stmt_cache_take(gz_db *db, const char *sql, uint64_t *hash);
/* Caches st (busy, sql and hash set), evicting the least recently used idle statement
 * when full. Leaves st uncached when every cached statement is in use. */
void gz_stmt_cache_add(gz_db *db, gz_stmt *st);
/* Unlinks every statement: idle ones go to release (NULL: ops->evict), busy ones are
 * left to their finish (cached = false). For close and a lost session. */
void gz_stmt_cache_clear(gz_db *db, void (*release)(gz_db *db, gz_stmt *st));
/* Changes the capacity, evicting idle statements down to it. */
void gz_stmt_cache_resize(gz_db *db, int cap);
/* Frees the table itself (after clear). */
void gz_stmt_cache_free(gz_stmt_cache *c);
/* The capacity new connections start with: GONGZHI_DB_STMT_CACHE, else the default. */
int gz_db_stmt_cache_capacity_default(void);

gz_db *gz_sqlite_open(const char *path, gz_err *err);
gz_db *gz_pg_open(const char *conninfo, gz_err *err);

/* Rewrites dialect markers in migration SQL for a driver ({{ID}}, {{BLOB}}, ...).
 * Returns malloc'd text. */
char *gz_db_dialect(const char *sql, gz_db_kind kind);

#endif
