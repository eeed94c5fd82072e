/* SQLite driver. WAL, foreign keys on, busy timeout. An acknowledged write survives power
 * loss by default (GONGZHI_SQLITE_SYNC=NORMAL relaxes it to surviving a crash of the
 * process), through group commit and batching.
 *
 * One writer connection per file. Every write transaction of this process on a database
 * file (gz_db_begin on any thread's connection) runs on one shared connection, the file's
 * writer W (opened lazily with the same path and pragmas, its own statement cache), while
 * its thread holds the file's `writer` mutex: while a connection is in a write
 * transaction, prepare/exec/in_tx for it go to W, and the statements prepared then belong
 * to W (step and finish go there, and back to W's cache). Reads outside write
 * transactions stay on the thread's own connection. Only W writes, so its page cache stays
 * warm (a connection's cache is dropped whenever another connection has committed); it
 * gets a larger cache (W_CACHE_KIB) since it does every index write of the process.
 * Writers queue on the mutex instead of sleeping in SQLite's busy handler (which backs off
 * up to 100 ms at a time); other processes still meet the busy timeout. A single write
 * statement outside gz_db_begin runs on the thread's connection, queued on the same mutex
 * (it ends the open batch first). So: a statement must be prepared inside the write
 * transaction it writes in (one prepared before gz_db_begin would write beside the writer
 * connection: refused, and an assert in debug builds); a temporary table or a pragma set
 * on a thread's connection is not seen by its write transactions.
 *
 * Batching. W keeps one SQLite transaction open across several write transactions of the
 * threads (a "batch"), each of them a SAVEPOINT in it (the batch's "members"). gz_db_commit
 * RELEASEs the member's savepoint; then, if no other thread waits for the writer mutex, or
 * the batch has BATCH_MAX members, or its first member has waited BATCH_NS for it, the thread
 * COMMITs the batch (it is the committer), publishes the outcome and wakes the members;
 * otherwise it leaves the batch open for the next writer and waits for the outcome. Every
 * member returns from gz_db_commit only after its batch's COMMIT (and, durable, the sync
 * barrier below), so nothing acknowledged can be lost and a request reads its own data on
 * its own connection afterwards. gz_db_rollback rolls back to the member's savepoint (the
 * others' work stays); a member alone in its batch rolls the whole transaction back.
 * If the COMMIT fails, every member's gz_db_commit fails with the error (none has been
 * answered yet); if SQLite rolls the whole transaction back on an error (FULL, IOERR,
 * NOMEM, BUSY in the middle of it), the batch is dead at once: every member of it gets
 * the error, and the current member's later statements fail. db.c runs after-commit hooks
 * only when gz_db_commit succeeded, that is when the batch really committed. No committer
 * is lost: a waiting member wakes every WAIT_NS and, if its batch is still open, takes the
 * writer mutex and commits it; a thread starting a write commits an open batch whose first
 * member has waited BATCH_NS first. Batches are bounded by the threads that write (the server's
 * workers: each waits in gz_db_commit), and a write waits for its batch at most ≈ BATCH_NS plus the
 * transactions in it.
 *
 * Long transactions (an import, `gongzhi demo`, a migration) are one member each: they
 * hold the writer mutex for their whole length, as before. What is new: one that starts
 * while a batch is open (its earlier members committed, waiting for the COMMIT) joins it,
 * so those few members (at most the writing threads less one) are answered only after the
 * long transaction ends: their latency grows by its length, as the latency of every writer
 * queued behind it did already. Their work is kept if it rolls back. A lone writer (a CLI
 * command, a test) always commits at once: no one waits for the mutex.
 *
 * Durability. synchronous=FULL would fsync the WAL inside every COMMIT, one at a time.
 * Instead the connections run synchronous=NORMAL (COMMIT appends to the WAL without
 * fsync; SQLite still syncs the WAL before every checkpoint) and each member then waits,
 * outside the write lock, for an fdatasync of the WAL that began after its batch's COMMIT:
 * one fsync covers every batch that finished while the previous one ran (the sync
 * "barrier" below). A write is answered only after its barrier, so what was acknowledged
 * is on disk, as with FULL. Single statements outside gz_db_begin wait in the WAL hook,
 * which SQLite calls after the commit with the write lock released; the hook also runs
 * the automatic checkpoint it replaces.
 *
 * In-memory databases (each connection its own database) have no writer connection and
 * no batching: a write transaction is BEGIN IMMEDIATE ... COMMIT on the connection. */
#include "db/driver.h"
#include "core/mem.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
	BATCH_MAX = 64,      /* members of one batch at most */
	W_CACHE_KIB = 65536, /* the writer connection's page cache (allocated as used) */
};
#define BATCH_NS 2000000LL  /* a batch whose first member has waited this long is committed */
#define WAIT_NS  15000000LL /* a waiting member looks at its batch this often */

/* The outcome of a batch, read by its members; freed by the last reader. */
typedef struct sq_batch {
	int refs; /* members yet to read the outcome, plus one while open (file's bmu) */
	bool done;
	int rc; /* 0: committed; -1: failed with err */
	gz_err err;
} sq_batch;

struct sq_db;

/* One database file as this process uses it (never freed: a process opens few). */
typedef struct sq_file {
	struct sq_file *next;
	char *path, *wal; /* wal: the "-wal" file; NULL for in-memory databases */
	int nconn;        /* connections open on it (files_mu) */
	pthread_mutex_t writer;
	_Atomic(const void *) holder; /* the thread holding writer (its tls_tag), or NULL */
	atomic_int waiters;           /* threads waiting for writer */
	/* Under writer: the writer connection and the open batch. */
	struct sq_db *w;
	sq_batch *open;
	int members;      /* joined the open batch */
	int64_t first_ns; /* when its first member committed (CLOCK_MONOTONIC), or 0 */
	/* Batch outcomes are published under bmu, waited for on bcv. */
	pthread_mutex_t bmu;
	pthread_cond_t bcv;
	/* The sync barrier: started/done count fdatasyncs of the WAL. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t started, done;
	bool syncing;
	int sync_errno; /* of the last sync; 0 when it succeeded */
} sq_file;

static pthread_mutex_t files_mu = PTHREAD_MUTEX_INITIALIZER;
static sq_file *files;
static _Thread_local char tls_tag; /* its address names the thread in sq_file.holder */

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

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
		pthread_mutex_init(&f->bmu, NULL);
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&f->bcv, &ca);
		pthread_condattr_destroy(&ca);
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
	bool locked; /* a single write statement holding the file's writer mutex */
} sq_stmt;

enum {
	TX_BEGIN_WRITE,
	TX_BEGIN_READ,
	TX_COMMIT,
	TX_ROLLBACK,
	TX_SAVEPOINT,
	TX_RELEASE,
	TX_ROLLBACK_TO,
	TX_N
};
static const char *const tx_sql[TX_N] = {"BEGIN IMMEDIATE", "BEGIN",        "COMMIT",
                                         "ROLLBACK",        "SAVEPOINT gz", "RELEASE gz",
                                         "ROLLBACK TO gz"};

typedef struct sq_db {
	gz_db base;
	sqlite3 *h;
	sq_file *file;
	bool barrier;      /* wait for the WAL's sync after commits (durable mode) */
	bool batched;      /* write transactions run on the file's writer connection */
	bool is_w;         /* this is the file's writer connection */
	bool holds_writer; /* between a write BEGIN and its end (unbatched) */
	bool committed;    /* the WAL hook saw a commit of the open write transaction */
	bool read_tx;      /* inside a read snapshot (gz_db_begin_read) */
	sq_batch *member;  /* batched: the batch of the open write transaction, or NULL */
	/* tx_sql compiled once (sqlite3_exec would compile them at every transaction). */
	sqlite3_stmt *tx[TX_N];
} sq_db;

/* After every commit (SQLite calls it with the write lock released). An unbatched
 * transaction of gz_db_begin waits in sq_end, after releasing the writer mutex too; a
 * single statement waits here; the writer connection's batches wait in their members'
 * sq_end (its barrier is off). Then the automatic checkpoint this hook replaces
 * (SQLite's default: 1000 pages). */
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

static bool durable_mode(void)
{
	const char *sync = getenv("GONGZHI_SQLITE_SYNC");
	return !(sync && !strcmp(sync, "NORMAL"));
}

/* Opens a connection (a thread's or, with writer, the file's writer connection). */
static sq_db *sq_open_conn(const char *path, bool writer, gz_err *err)
{
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
	char pragmas[256];
	int n = snprintf(pragmas, sizeof pragmas,
	                 "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"
	                 "PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;");
	if (writer)
		snprintf(pragmas + n, sizeof pragmas - (size_t)n, "PRAGMA cache_size=-%d;",
		         W_CACHE_KIB);
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
	db->is_w = writer;
	db->batched = !writer && db->file->wal;
	db->barrier = !writer && durable_mode() && db->file->wal;
	sqlite3_wal_hook(h, wal_hook, db);
	gz_stmt_cache_init(&db->base.cache, gz_db_stmt_cache_capacity_default());
	return db;
}

gz_db *gz_sqlite_open(const char *path, gz_err *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, sq_global_init);
	sq_db *db = sq_open_conn(path, false, err);
	if (!db)
		return NULL;
	pthread_mutex_lock(&files_mu);
	db->file->nconn++;
	pthread_mutex_unlock(&files_mu);
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

static void sq_close_conn(sq_db *db)
{
	gz_stmt_cache_clear(&db->base, NULL);
	gz_stmt_cache_free(&db->base.cache);
	for (int i = 0; i < TX_N; i++)
		sqlite3_finalize(db->tx[i]);
	sqlite3_close(db->h);
	free(db);
}

static int sq_end(gz_db *base, bool commit, bool read, gz_err *err);

static void sq_close(gz_db *base)
{
	sq_db *db = (sq_db *)base;
	if (db->member) { /* closed inside a write transaction: it did not happen */
		gz_err ignored;
		gz_err_clear(&ignored);
		sq_end(base, false, false, &ignored);
	}
	sq_file *f = db->file;
	sq_close_conn(db);
	/* The last connection closes the writer connection: the file may be removed and a
	 * new one made under the same name. No batch is open (its members' connections
	 * would be open). */
	pthread_mutex_lock(&files_mu);
	sq_db *w = --f->nconn == 0 ? f->w : NULL;
	if (w)
		f->w = NULL;
	pthread_mutex_unlock(&files_mu);
	if (w)
		sq_close_conn(w);
}

/* Whether the batch of the thread's write transaction died (SQLite rolled it back). */
static bool batch_dead(sq_file *f)
{
	return !f->open;
}

/* The connection statements go to: the writer connection inside a write transaction. */
static sq_db *target(sq_db *db)
{
	return db->member ? db->file->w : db;
}

static void batch_publish(sq_file *f, int rc, const gz_err *e);

/* After a failure on the writer connection inside a batch: if SQLite rolled the whole
 * transaction back, the batch is dead, and each of its members fails. */
static void batch_check(sq_file *f, const gz_err *e)
{
	if (f->open && sqlite3_get_autocommit(f->w->h)) {
		gz_err dead = *e;
		if (dead.kind == GZ_ECONFLICT || !dead.kind)
			gz_err_set(&dead, GZ_EUNAVAILABLE, "db_unavailable",
			           "数据库不可用：事务已被回滚");
		batch_publish(f, -1, &dead);
	}
}

static int sq_exec(gz_db *base, const char *sql, gz_err *err)
{
	sq_db *db = target((sq_db *)base);
	/* Text run inside a read snapshot is not checked statement by statement (sq_step
	 * checks prepared ones): only the snapshot's own end may run. */
	if (db->read_tx && strcmp(sql, "COMMIT") && strcmp(sql, "ROLLBACK"))
		return gz_err_set(err, GZ_EINTERNAL, "db_error",
		                  "数据库错误：只读事务中不能执行（%.60s）", sql);
	if (db->is_w && batch_dead(db->file))
		return gz_err_set(err, GZ_EUNAVAILABLE, "db_unavailable",
		                  "数据库不可用：事务已被回滚");
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		sq_error(db->h, rc, err);
		if (db->is_w)
			batch_check(db->file, err);
		return -1;
	}
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

/* The writer mutex is waited for as long as SQLite's busy timeout would wait; waiters
 * are counted (a committer leaves its batch open for them). 0, or -1 with err set. */
static int file_lock(sq_file *f, gz_err *err)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	atomic_fetch_add(&f->waiters, 1);
	int rc = pthread_mutex_timedlock(&f->writer, &until);
	atomic_fetch_sub(&f->waiters, 1);
	if (rc)
		return gz_err_set(err, GZ_EUNAVAILABLE, "db_busy", "数据库繁忙，请稍后重试");
	atomic_store(&f->holder, &tls_tag);
	return 0;
}

static void file_unlock(sq_file *f)
{
	atomic_store(&f->holder, NULL);
	pthread_mutex_unlock(&f->writer);
}

static bool file_held(sq_file *f)
{
	return atomic_load(&f->holder) == &tls_tag;
}

/* Unbatched write transactions (in-memory databases). */
static int writer_lock(sq_db *db, gz_err *err)
{
	if (file_lock(db->file, err) < 0)
		return -1;
	db->holds_writer = true;
	db->committed = false;
	return 0;
}

static void writer_unlock(sq_db *db)
{
	if (db->holds_writer) {
		db->holds_writer = false;
		file_unlock(db->file);
	}
}

/* ---- batches (the writer mutex held unless said otherwise) ---- */

/* Ends the open batch with rc (0: it committed), wakes its members. */
static void batch_publish(sq_file *f, int rc, const gz_err *e)
{
	sq_batch *b = f->open;
	f->open = NULL;
	f->members = 0;
	pthread_mutex_lock(&f->bmu);
	b->done = true;
	b->rc = rc;
	if (rc && e)
		b->err = *e;
	bool last = --b->refs == 0;
	pthread_cond_broadcast(&f->bcv);
	pthread_mutex_unlock(&f->bmu);
	if (last)
		free(b);
}

/* COMMITs the open batch and publishes the outcome. */
static void batch_commit(sq_file *f)
{
	gz_err e;
	gz_err_clear(&e);
	int rc = sq_tx(f->w, TX_COMMIT, &e);
	if (rc < 0 && !sqlite3_get_autocommit(f->w->h)) { /* a failed COMMIT stays open */
		gz_err ignored;
		gz_err_clear(&ignored);
		sq_tx(f->w, TX_ROLLBACK, &ignored);
	}
	batch_publish(f, rc, &e);
}

/* Whether the first member of the open batch to commit has waited BATCH_NS for it. */
static bool batch_old(sq_file *f)
{
	return f->first_ns && now_ns() - f->first_ns >= BATCH_NS;
}

/* Whether the member ending now commits its batch instead of leaving it to a writer
 * that waits for the mutex. */
static bool batch_due(sq_file *f)
{
	return atomic_load(&f->waiters) == 0 || f->members >= BATCH_MAX || batch_old(f);
}

/* Without the writer mutex: waits for b's outcome, committing b itself when no one
 * has for WAIT_NS; drops the reference. 0, or -1 with err set as the batch failed. */
static int batch_wait(sq_file *f, sq_batch *b, gz_err *err)
{
	pthread_mutex_lock(&f->bmu);
	while (!b->done) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		int64_t ns = until.tv_nsec + WAIT_NS;
		until.tv_sec += ns / 1000000000LL;
		until.tv_nsec = ns % 1000000000LL;
		if (pthread_cond_timedwait(&f->bcv, &f->bmu, &until) != ETIMEDOUT || b->done)
			continue;
		pthread_mutex_unlock(&f->bmu);
		gz_err ignored;
		gz_err_clear(&ignored);
		if (file_lock(f, &ignored) == 0) {
			if (f->open == b)
				batch_commit(f);
			file_unlock(f);
		}
		pthread_mutex_lock(&f->bmu);
	}
	int rc = b->rc;
	if (rc)
		*err = b->err;
	bool last = --b->refs == 0;
	pthread_mutex_unlock(&f->bmu);
	if (last)
		free(b);
	return rc;
}

/* Drops a member's reference to its batch without waiting for it. */
static void batch_leave(sq_file *f, sq_batch *b)
{
	pthread_mutex_lock(&f->bmu);
	bool last = --b->refs == 0;
	pthread_mutex_unlock(&f->bmu);
	if (last)
		free(b);
}

/* Starts a write transaction on the writer connection for db (the mutex taken). */
static int batch_begin(sq_db *db, gz_err *err)
{
	sq_file *f = db->file;
	if (file_lock(f, err) < 0)
		return -1;
	if (!f->w) {
		sq_db *w = sq_open_conn(f->path, true, err);
		if (!w) {
			file_unlock(f);
			return -1;
		}
		pthread_mutex_lock(&files_mu);
		f->w = w;
		pthread_mutex_unlock(&files_mu);
	}
	if (f->open && sqlite3_get_autocommit(f->w->h)) { /* cannot be: died unnoticed */
		gz_err dead;
		gz_err_set(&dead, GZ_EUNAVAILABLE, "db_unavailable", "数据库不可用：事务已被回滚");
		batch_publish(f, -1, &dead);
	}
	if (f->open && (f->members >= BATCH_MAX || batch_old(f)))
		batch_commit(f);
	if (!f->open) {
		if (sq_tx(f->w, TX_BEGIN_WRITE, err) < 0) {
			file_unlock(f);
			return -1;
		}
		f->open = gz_calloc(1, sizeof *f->open);
		f->open->refs = 1;
		f->members = 0;
		f->first_ns = 0;
	}
	if (sq_tx(f->w, TX_SAVEPOINT, err) < 0) {
		if (!f->members) { /* nothing of others in it */
			gz_err ignored;
			gz_err_clear(&ignored);
			if (!sqlite3_get_autocommit(f->w->h))
				sq_tx(f->w, TX_ROLLBACK, &ignored);
			batch_publish(f, 0, NULL);
		} else {
			batch_check(f, err);
		}
		file_unlock(f);
		return -1;
	}
	f->members++;
	pthread_mutex_lock(&f->bmu);
	f->open->refs++;
	pthread_mutex_unlock(&f->bmu);
	db->member = f->open;
	return 0;
}

/* Ends db's member of the batch: commit (RELEASE, then the batch's outcome) or roll
 * back to its savepoint. */
static int batch_end(sq_db *db, bool commit, gz_err *err)
{
	sq_file *f = db->file;
	sq_batch *b = db->member;
	db->member = NULL;
	int rc = 0;
	if (f->open != b) { /* died under this member: SQLite rolled it all back */
		pthread_mutex_lock(&f->bmu);
		if (commit)
			*err = b->err;
		pthread_mutex_unlock(&f->bmu);
		file_unlock(f);
		batch_leave(f, b);
		return commit ? -1 : 0;
	}
	gz_err e;
	gz_err_clear(&e);
	if (commit && sq_tx(f->w, TX_RELEASE, &e) < 0) {
		*err = e;
		rc = -1;
		commit = false;
	} else if (commit && !f->first_ns) {
		f->first_ns = now_ns();
	}
	if (!commit && f->open == b && !sqlite3_get_autocommit(f->w->h)) {
		if (f->members == 1) { /* alone: the whole transaction goes */
			sq_tx(f->w, TX_ROLLBACK, &e);
			batch_publish(f, 0, NULL);
		} else if (sq_tx(f->w, TX_ROLLBACK_TO, &e) < 0 || sq_tx(f->w, TX_RELEASE, &e) < 0) {
			batch_check(f, &e);
		}
	}
	if (f->open == b && sqlite3_get_autocommit(f->w->h))
		batch_check(f, rc ? err : &e);
	if (f->open == b && batch_due(f))
		batch_commit(f);
	file_unlock(f);
	if (!commit) {
		batch_leave(f, b);
		return rc;
	}
	if (batch_wait(f, b, err) < 0)
		return -1;
	if (db->barrier) {
		int e2 = sync_barrier(f);
		if (e2)
			return gz_err_set(err, GZ_EUNAVAILABLE, "db_unavailable",
			                  "数据库不可用：写入磁盘失败（%s）", strerror(e2));
	}
	return 0;
}

/* A read snapshot is a deferred BEGIN; a statement that would write inside it fails in
 * sq_step (sqlite3_stmt_readonly) as it does in PostgreSQL's READ ONLY transaction,
 * instead of taking the write lock (and failing with SQLITE_BUSY_SNAPSHOT when another
 * connection wrote since the snapshot). Not PRAGMA query_only: changing it expires every
 * prepared statement of the connection, so each read transaction would compile its
 * statements again. */
static int sq_begin(gz_db *base, bool read, gz_err *err)
{
	sq_db *db = (sq_db *)base;
	if (!read) {
		if (db->batched)
			return batch_begin(db, err);
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
	if (db->member)
		return batch_end(db, commit, err);
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
	sq_db *db = (sq_db *)base;
	return db->member || !sqlite3_get_autocommit(db->h);
}

static gz_stmt *sq_prepare(gz_db *base, const char *sql, gz_err *err)
{
	sq_db *db = target((sq_db *)base);
	base = &db->base;
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

/* A single write statement has committed (or failed): the writer mutex goes, then the
 * sync barrier when it wrote (the WAL hook saw its commit). */
static int single_done(sq_db *db, sq_stmt *s, gz_err *err)
{
	s->locked = false;
	bool wait = db->committed;
	db->committed = false;
	writer_unlock(db);
	if (wait && db->barrier) {
		int e = sync_barrier(db->file);
		if (e)
			return gz_err_set(err, GZ_EUNAVAILABLE, "db_unavailable",
			                  "数据库不可用：写入磁盘失败（%s）", strerror(e));
	}
	return 0;
}

static int sq_step(gz_stmt *st, gz_err *err)
{
	sq_stmt *s = (sq_stmt *)st;
	sq_db *db = (sq_db *)st->db;
	if (db->read_tx && !sqlite3_stmt_readonly(s->st))
		return gz_err_set(err, GZ_EINTERNAL, "db_error",
		                  "数据库错误：只读事务中不能写入（%s）", st->sql);
	if (db->is_w) {
		/* A statement of a write transaction stepped after it ended (the writer
		 * connection belongs to another thread now), or after SQLite rolled the
		 * batch back (it would write outside any transaction). */
		assert(file_held(db->file));
		if (!file_held(db->file))
			return gz_err_set(err, GZ_EINTERNAL, "db_error",
			                  "数据库错误：事务结束后使用了它的语句（%s）", st->sql);
		if (batch_dead(db->file))
			return gz_err_set(err, GZ_EUNAVAILABLE, "db_unavailable",
			                  "数据库不可用：事务已被回滚");
	} else if (db->batched && !s->locked && file_held(db->file) &&
	           !sqlite3_stmt_readonly(s->st)) {
		/* Prepared before gz_db_begin and stepped inside: it would write beside the
		 * writer connection and wait for its lock (the busy timeout), then fail. */
		assert(!"write on a thread's connection inside its write transaction");
		return gz_err_set(err, GZ_EINTERNAL, "db_error",
		                  "数据库错误：写事务外准备的语句不能在事务中写入（%s）", st->sql);
	}
	if (db->batched && !s->locked && !sqlite3_stmt_busy(s->st) &&
	    sqlite3_get_autocommit(db->h) && !sqlite3_stmt_readonly(s->st)) {
		/* A single write statement: it queues on the writer mutex like a transaction
		 * and ends the open batch first, instead of sleeping in the busy handler
		 * while batches hold SQLite's write lock. */
		if (file_lock(db->file, err) < 0)
			return -1;
		if (db->file->open)
			batch_commit(db->file);
		db->holds_writer = true;
		db->committed = false;
		s->locked = true;
	}
	int rc = sqlite3_step(s->st);
	if (rc == SQLITE_ROW)
		return GZ_ROW;
	if (rc == SQLITE_DONE) {
		s->changes = sqlite3_changes64(db->h);
		if (s->locked && single_done(db, s, err) < 0)
			return -1;
		return GZ_DONE;
	}
	sq_error(db->h, rc, err);
	if (s->locked) {
		sqlite3_reset(s->st);
		gz_err ignored;
		gz_err_clear(&ignored);
		single_done(db, s, &ignored);
	}
	if (db->is_w)
		batch_check(db->file, err);
	return -1;
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
	sq_db *db = (sq_db *)st->db;
	/* A statement of a write transaction finished after its end: the writer connection
	 * may be another thread's by now. */
	bool lock = db->is_w && !file_held(db->file);
	if (lock) {
		gz_err ignored;
		gz_err_clear(&ignored);
		if (file_lock(db->file, &ignored) < 0)
			lock = false; /* 10 s: the writer is stuck; better a race than a leak */
	}
	sqlite3_reset(s->st);
	if (s->locked) { /* a single write statement finished before its end */
		gz_err ignored;
		gz_err_clear(&ignored);
		single_done(db, s, &ignored);
	}
	sqlite3_clear_bindings(s->st);
	s->base.busy = false;
	if (!s->base.cached)
		sq_free_stmt(s);
	if (lock)
		file_unlock(db->file);
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
