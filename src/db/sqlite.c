/* SQLite driver. WAL, foreign keys on, busy timeout. An acknowledged write survives power
 * loss by default (GONGZHI_SQLITE_SYNC=NORMAL relaxes it to surviving a crash of the
 * process), through group commit:
 *
 * - Writers of one database file in this process queue on one mutex (the file's
 *   `writer`) before BEGIN IMMEDIATE, instead of sleeping in SQLite's busy handler
 *   (which backs off up to 100 ms at a time); other processes still meet the busy timeout.
 * - synchronous=FULL would fsync the WAL inside every COMMIT, one at a time. Instead the
 *   connection runs synchronous=NORMAL (COMMIT appends to the WAL without fsync; SQLite
 *   still syncs the WAL before every checkpoint) and each commit then waits, outside the
 *   write lock, for an fdatasync of the WAL that began after it: one fsync covers every
 *   commit that finished while the previous one ran (the sync "barrier" below). A write is
 *   answered only after its barrier, so what was acknowledged is on disk, as with FULL.
 *   Commits outside gz_db_begin (single statements) wait in the WAL hook, which SQLite
 *   calls after the commit with the write lock released; the hook also runs the automatic
 *   checkpoint it replaces. */
#include "db/driver.h"
#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One database file as this process uses it (never freed: a process opens few). */
typedef struct sq_file {
	struct sq_file *next;
	char *path, *wal; /* wal: the "-wal" file; NULL for in-memory databases */
	pthread_mutex_t writer;
	/* The sync barrier: started/done count fdatasyncs of the WAL. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t started, done;
	bool syncing;
	int sync_errno; /* of the last sync; 0 when it succeeded */
} sq_file;

static pthread_mutex_t files_mu = PTHREAD_MUTEX_INITIALIZER;
static sq_file *files;

static sq_file *file_of(sqlite3 *h)
{
	const char *path = sqlite3_db_filename(h, "main");
	if (!path)
		path = "";
	pthread_mutex_lock(&files_mu);
	sq_file *f = files;
	while (f && strcmp(f->path, path))
		f = f->next;
	if (!f) {
		f = gz_calloc(1, sizeof *f);
		f->path = gz_strdup(path);
		if (*path) {
			size_t n = strlen(path);
			f->wal = gz_malloc(n + 5);
			memcpy(f->wal, path, n);
			memcpy(f->wal + n, "-wal", 5);
		}
		pthread_mutex_init(&f->writer, NULL);
		pthread_mutex_init(&f->mu, NULL);
		pthread_cond_init(&f->cv, NULL);
		f->next = files;
		files = f;
	}
	pthread_mutex_unlock(&files_mu);
	return f;
}

/* Returns once an fdatasync of the WAL that began after the call has ended: then every
 * commit that finished before the call is on disk. 0, or an errno. */
static int sync_barrier(sq_file *f)
{
	if (!f->wal)
		return 0;
	pthread_mutex_lock(&f->mu);
	uint64_t need = f->started + 1; /* a sync already running may have begun before us */
	int rc = 0;
	while (f->done < need) {
		if (f->syncing) {
			pthread_cond_wait(&f->cv, &f->mu);
			continue;
		}
		f->syncing = true;
		uint64_t mine = ++f->started;
		pthread_mutex_unlock(&f->mu);
		int e = 0;
		int fd = open(f->wal, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (fdatasync(fd) < 0)
				e = errno;
			close(fd);
		} else if (errno != ENOENT) { /* no WAL: a checkpoint synced and removed it */
			e = errno;
		}
		pthread_mutex_lock(&f->mu);
		f->syncing = false;
		f->done = mine;
		f->sync_errno = e;
		pthread_cond_broadcast(&f->cv);
	}
	rc = f->sync_errno;
	pthread_mutex_unlock(&f->mu);
	return rc;
}

#define MAX_PARAMS GZ_DB_MAX_PARAMS

typedef struct sq_stmt {
	gz_stmt base;
	sqlite3_stmt *st;
	int pmap[MAX_PARAMS + 1]; /* $N -> sqlite parameter index (0 = absent) */
	int64_t changes;
} sq_stmt;

typedef struct sq_db {
	gz_db base;
	sqlite3 *h;
	sq_file *file;
	bool barrier;      /* wait for the WAL's sync after commits (durable mode) */
	bool holds_writer; /* between a write BEGIN and its end */
	bool committed;    /* the WAL hook saw a commit of the open write transaction */
	bool read_tx;      /* inside a read snapshot (gz_db_begin_read) */
	/* BEGIN IMMEDIATE, BEGIN, COMMIT, ROLLBACK compiled once (sqlite3_exec would
	 * compile them at every transaction). */
	sqlite3_stmt *tx[4];
} sq_db;

enum { TX_BEGIN_WRITE, TX_BEGIN_READ, TX_COMMIT, TX_ROLLBACK };
static const char *const tx_sql[4] = {"BEGIN IMMEDIATE", "BEGIN", "COMMIT", "ROLLBACK"};

/* After every commit (SQLite calls it with the write lock released). A transaction of
 * gz_db_begin waits in sq_end, after releasing the writer mutex too; a single statement
 * waits here. Then the automatic checkpoint this hook replaces (SQLite's default: 1000
 * pages). */
static int wal_hook(void *arg, sqlite3 *h, const char *name, int frames)
{
	sq_db *db = arg;
	if (db->barrier) {
		if (db->holds_writer)
			db->committed = true;
		else
			sync_barrier(db->file); /* an error shows at the next write's barrier */
	}
	if (frames >= 1000)
		sqlite3_wal_checkpoint_v2(h, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return SQLITE_OK;
}

static const gz_db_ops sq_ops;
static bool sq_in_tx(gz_db *base);

static int sq_error(sqlite3 *h, int rc, gz_err *err)
{
	int prim = rc & 0xff;
	const char *msg = h ? sqlite3_errmsg(h) : sqlite3_errstr(rc);
	if (prim == SQLITE_CONSTRAINT)
		return gz_err_set(err, GZ_ECONFLICT, "conflict", "与已有数据冲突：%s", msg);
	if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
		return gz_err_set(err, GZ_EUNAVAILABLE, "db_busy", "数据库繁忙，请稍后重试");
	if (prim == SQLITE_FULL || prim == SQLITE_IOERR || prim == SQLITE_CANTOPEN)
		return gz_err_set(err, GZ_EUNAVAILABLE, "db_unavailable", "数据库不可用：%s", msg);
	return gz_err_set(err, GZ_EINTERNAL, "db_error", "数据库错误：%s", msg);
}

static void sq_global_init(void)
{
	/* Memory statistics take a process-wide mutex on every sqlite3_malloc. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

gz_db *gz_sqlite_open(const char *path, gz_err *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, sq_global_init);
	sqlite3 *h = NULL;
	int rc = sqlite3_open_v2(
	    path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		gz_err_set(err, GZ_EUNAVAILABLE, "db_unavailable",
		           "cannot open SQLite database %s: %s", path,
		           h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
		sqlite3_close(h);
		return NULL;
	}
	sqlite3_busy_timeout(h, 10000);
	sqlite3_extended_result_codes(h, 1);
	/* NORMAL in both modes: the durable one adds the sync barrier (top of file). */
	const char *sync = getenv("GONGZHI_SQLITE_SYNC");
	bool durable = !(sync && !strcmp(sync, "NORMAL"));
	char pragmas[256];
	snprintf(pragmas, sizeof pragmas,
	         "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;"
	         "PRAGMA temp_store=MEMORY;");
	char *msg = NULL;
	rc = sqlite3_exec(h, pragmas, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		gz_err_set(err, GZ_EUNAVAILABLE, "db_unavailable", "cannot configure SQLite %s: %s",
		           path, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		sqlite3_close(h);
		return NULL;
	}
	sq_db *db = gz_calloc(1, sizeof *db);
	db->base.ops = &sq_ops;
	db->base.kind = GZ_DB_SQLITE;
	db->h = h;
	db->file = file_of(h);
	db->barrier = durable && db->file->wal;
	sqlite3_wal_hook(h, wal_hook, db);
	gz_stmt_cache_init(&db->base.cache, gz_db_stmt_cache_capacity_default());
	return &db->base;
}

static void sq_free_stmt(sq_stmt *s)
{
	sqlite3_finalize(s->st);
	free(s->base.sql);
	free(s);
}

static void sq_evict(gz_db *base, gz_stmt *st)
{
	(void)base;
	sq_free_stmt((sq_stmt *)st);
}

static void sq_close(gz_db *base)
{
	sq_db *db = (sq_db *)base;
	gz_stmt_cache_clear(base, NULL);
	gz_stmt_cache_free(&base->cache);
	for (int i = 0; i < 4; i++)
		sqlite3_finalize(db->tx[i]);
	sqlite3_close(db->h);
	free(db);
}

static int sq_exec(gz_db *base, const char *sql, gz_err *err)
{
	sq_db *db = (sq_db *)base;
	/* Text run inside a read snapshot is not checked statement by statement (sq_step
	 * checks prepared ones): only the snapshot's own end may run. */
	if (db->read_tx && strcmp(sql, "COMMIT") && strcmp(sql, "ROLLBACK"))
		return gz_err_set(err, GZ_EINTERNAL, "db_error",
		                  "数据库错误：只读事务中不能执行（%.60s）", sql);
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return sq_error(db->h, rc, err);
	return 0;
}

/* One of tx_sql, as sq_exec runs it. */
static int sq_tx(sq_db *db, int which, gz_err *err)
{
	int rc = SQLITE_OK;
	if (!db->tx[which])
		rc = sqlite3_prepare_v3(db->h, tx_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
		                        &db->tx[which], NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(db->tx[which]);
		sqlite3_reset(db->tx[which]);
		if (rc == SQLITE_DONE || rc == SQLITE_ROW)
			rc = SQLITE_OK;
	}
	return rc == SQLITE_OK ? 0 : sq_error(db->h, rc, err);
}

/* A read snapshot is a deferred BEGIN; a statement that would write inside it fails in
 * sq_step (sqlite3_stmt_readonly) as it does in PostgreSQL's READ ONLY transaction,
 * instead of taking the write lock (and failing with SQLITE_BUSY_SNAPSHOT when another
 * connection wrote since the snapshot). Not PRAGMA query_only: changing it expires every
 * prepared statement of the connection, so each read transaction would compile its
 * statements again. */
/* The writer mutex is waited for as long as SQLite's busy timeout would wait. */
static int writer_lock(sq_db *db, gz_err *err)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	int rc = pthread_mutex_timedlock(&db->file->writer, &until);
	if (rc)
		return gz_err_set(err, GZ_EUNAVAILABLE, "db_busy", "数据库繁忙，请稍后重试");
	db->holds_writer = true;
	db->committed = false;
	return 0;
}

static void writer_unlock(sq_db *db)
{
	if (db->holds_writer) {
		db->holds_writer = false;
		pthread_mutex_unlock(&db->file->writer);
	}
}

static int sq_begin(gz_db *base, bool read, gz_err *err)
{
	sq_db *db = (sq_db *)base;
	if (!read) {
		if (writer_lock(db, err) < 0)
			return -1;
		if (sq_tx(db, TX_BEGIN_WRITE, err) < 0) {
			writer_unlock(db);
			return -1;
		}
		return 0;
	}
	if (sq_tx(db, TX_BEGIN_READ, err) < 0)
		return -1;
	db->read_tx = true;
	return 0;
}

static int sq_end(gz_db *base, bool commit, bool read, gz_err *err)
{
	sq_db *db = (sq_db *)base;
	int rc = sq_tx(db, commit ? TX_COMMIT : TX_ROLLBACK, err);
	if (rc < 0 && sq_in_tx(base)) { /* a failed COMMIT leaves the transaction open */
		gz_err ignored;
		gz_err_clear(&ignored);
		sq_tx(db, TX_ROLLBACK, &ignored);
	}
	bool wait = db->committed && rc == 0;
	writer_unlock(db);
	db->committed = false;
	if (wait && db->barrier) {
		int e = sync_barrier(db->file);
		if (e)
			rc = gz_err_set(err, GZ_EUNAVAILABLE, "db_unavailable",
			                "数据库不可用：写入磁盘失败（%s）", strerror(e));
	}
	if (read)
		db->read_tx = false;
	return rc;
}

static bool sq_in_tx(gz_db *base)
{
	return !sqlite3_get_autocommit(((sq_db *)base)->h);
}

static gz_stmt *sq_prepare(gz_db *base, const char *sql, gz_err *err)
{
	sq_db *db = (sq_db *)base;
	uint64_t hash;
	gz_stmt *hit = gz_stmt_cache_take(base, sql, &hash);
	if (hit)
		return hit;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK) {
		sq_error(db->h, rc, err);
		return NULL;
	}
	sq_stmt *s = gz_calloc(1, sizeof *s);
	s->base.db = base;
	s->base.sql = gz_strdup(sql);
	s->base.hash = hash;
	s->base.busy = true;
	s->st = st;
	int np = sqlite3_bind_parameter_count(st);
	for (int i = 1; i <= np; i++) {
		const char *name = sqlite3_bind_parameter_name(st, i);
		if (name && name[0] == '$') {
			int n = atoi(name + 1);
			if (n >= 1 && n <= MAX_PARAMS)
				s->pmap[n] = i;
		}
	}
	gz_stmt_cache_add(base, &s->base);
	return &s->base;
}

static int pidx(gz_stmt *st, int idx)
{
	sq_stmt *s = (sq_stmt *)st;
	return idx >= 1 && idx <= MAX_PARAMS ? s->pmap[idx] : 0;
}

static void sq_bind_int64(gz_stmt *st, int idx, int64_t v)
{
	sqlite3_bind_int64(((sq_stmt *)st)->st, pidx(st, idx), v);
}

static void sq_bind_text(gz_stmt *st, int idx, const char *p, size_t len)
{
	sqlite3_bind_text64(((sq_stmt *)st)->st, pidx(st, idx), p, len, SQLITE_TRANSIENT,
	                    SQLITE_UTF8);
}

static void sq_bind_blob(gz_stmt *st, int idx, const void *p, size_t len)
{
	/* A NULL pointer would bind SQL NULL; an empty blob is still a blob. */
	sqlite3_bind_blob64(((sq_stmt *)st)->st, pidx(st, idx), p ? p : "", len, SQLITE_TRANSIENT);
}

static void sq_bind_null(gz_stmt *st, int idx)
{
	sqlite3_bind_null(((sq_stmt *)st)->st, pidx(st, idx));
}

static int sq_step(gz_stmt *st, gz_err *err)
{
	sq_stmt *s = (sq_stmt *)st;
	sq_db *db = (sq_db *)st->db;
	if (db->read_tx && !sqlite3_stmt_readonly(s->st))
		return gz_err_set(err, GZ_EINTERNAL, "db_error",
		                  "数据库错误：只读事务中不能写入（%s）", st->sql);
	int rc = sqlite3_step(s->st);
	if (rc == SQLITE_ROW)
		return GZ_ROW;
	if (rc == SQLITE_DONE) {
		s->changes = sqlite3_changes64(db->h);
		return GZ_DONE;
	}
	return sq_error(db->h, rc, err);
}

static bool sq_isnull(gz_stmt *st, int col)
{
	return sqlite3_column_type(((sq_stmt *)st)->st, col) == SQLITE_NULL;
}

static int64_t sq_int64(gz_stmt *st, int col)
{
	return sqlite3_column_int64(((sq_stmt *)st)->st, col);
}

static const char *sq_text(gz_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(((sq_stmt *)st)->st, col);
	return t ? (const char *)t : "";
}

static size_t sq_len(gz_stmt *st, int col)
{
	return (size_t)sqlite3_column_bytes(((sq_stmt *)st)->st, col);
}

static const void *sq_blob(gz_stmt *st, int col)
{
	return sqlite3_column_blob(((sq_stmt *)st)->st, col);
}

static int sq_columns(gz_stmt *st)
{
	return sqlite3_column_count(((sq_stmt *)st)->st);
}

static int64_t sq_changes(gz_stmt *st)
{
	return ((sq_stmt *)st)->changes;
}

static void sq_finish(gz_stmt *st)
{
	sq_stmt *s = (sq_stmt *)st;
	sqlite3_reset(s->st);
	sqlite3_clear_bindings(s->st);
	s->base.busy = false;
	if (!s->base.cached)
		sq_free_stmt(s);
}

static int sq_backup(gz_db *base, const char *dest, gz_err *err)
{
	sq_db *db = (sq_db *)base;
	sqlite3 *out = NULL;
	int rc = sqlite3_open(dest, &out);
	if (rc != SQLITE_OK) {
		gz_err_set(err, GZ_EBADREQ, "backup_failed", "cannot open %s: %s", dest,
		           sqlite3_errmsg(out));
		sqlite3_close(out);
		return -1;
	}
	sqlite3_backup *b = sqlite3_backup_init(out, "main", db->h, "main");
	if (!b) {
		gz_err_set(err, GZ_EINTERNAL, "backup_failed", "backup init: %s",
		           sqlite3_errmsg(out));
		sqlite3_close(out);
		return -1;
	}
	/* Copy in steps so writers are blocked only briefly; restarts if they change pages. */
	do {
		rc = sqlite3_backup_step(b, 256);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(20);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		gz_err_set(err, GZ_EINTERNAL, "backup_failed", "backup: %s", sqlite3_errstr(rc));
		sqlite3_close(out);
		return -1;
	}
	rc = sqlite3_close(out);
	return rc == SQLITE_OK ? 0 : gz_err_set(err, GZ_EINTERNAL, "backup_failed", "close failed");
}

static const gz_db_ops sq_ops = {
    .name = "sqlite",
    .close = sq_close,
    .exec = sq_exec,
    .begin = sq_begin,
    .end = sq_end,
    .in_tx = sq_in_tx,
    .evict = sq_evict,
    .prepare = sq_prepare,
    .bind_int64 = sq_bind_int64,
    .bind_text = sq_bind_text,
    .bind_blob = sq_bind_blob,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .isnull = sq_isnull,
    .int64 = sq_int64,
    .text = sq_text,
    .len = sq_len,
    .blob = sq_blob,
    .columns = sq_columns,
    .changes = sq_changes,
    .finish = sq_finish,
    .backup = sq_backup,
};
