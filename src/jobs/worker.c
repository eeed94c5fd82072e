/* Worker threads and the housekeeping thread (jobs.h, "Workers"; the contract is in
 * the header of jobs.h).
 *
 * Each worker has its own database connection and loops: claim one due job, run it,
 * record the outcome; when nothing is due it sleeps POLL_MS. The housekeeping thread,
 * with a connection of its own, renews the leases of the jobs this process is running
 * (a worker's connection is busy inside the handler), fails expired jobs that have no
 * attempt left, refreshes the queue gauges and deletes old finished jobs.
 *
 * Figures for /metrics are atomics updated as jobs finish, read without locks. */
#include "jobs/internal.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/time.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define POLL_MS      500    /* idle worker: next look for due jobs */
#define TICK_MS      250    /* housekeeping: lease renewal check */
#define GAUGE_MS     2000   /* housekeeping: queue gauges, expired jobs */
#define PURGE_MS     600000 /* housekeeping: delete old finished jobs */
#define RETENTION_MS (7 * 86400000LL)
#define REOPEN_MS    5000  /* after a connection could not be opened */
#define LOG_EVERY_MS 30000 /* repeated database errors are logged this often */
#define FINISH_TRIES 3

const double gz_jobs_buckets[GZ_JOBS_NBUCKET] = {0.01, 0.05, 0.1, 0.5, 1,   2.5,
                                                 5,    10,   30,  60,  300, 900};

typedef struct {
	atomic_uint_fast64_t done, retried, failed, count, sum_us;
	atomic_uint_fast64_t buckets[GZ_JOBS_NBUCKET];
} kind_stats;

static kind_stats kstats[GZ_JOBS_MAX_KINDS];

static struct {
	atomic_bool valid;
	atomic_int_fast64_t queued, due, running, failed, oldest_due_ms;
} queue;

static atomic_int busy_workers, total_workers;

/* A worker and the job it runs; cur_* are read by the housekeeper under mu. */
typedef struct {
	pthread_t thread;
	int index;
	char token[128]; /* locked_by: host:pid:random/wN */
	bool exited;     /* under mu */
	int64_t cur_id;  /* 0 when idle */
	int cur_attempt;
	int64_t cur_lease_ms, cur_renewed_ms;
} worker_t;

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv; /* CLOCK_MONOTONIC; signalled on stop */
	bool started, house_started, stopping, house_stopping;
	char *url;
	int n;
	worker_t *w;
	pthread_t house;
} S = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* Waits up to ms or until stop (flag names which one); returns the flag's value. */
static bool wait_ms(int64_t ms, const bool *flag)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&S.mu);
	while (!*flag && pthread_cond_timedwait(&S.cv, &S.mu, &ts) != ETIMEDOUT)
		;
	bool v = *flag;
	pthread_mutex_unlock(&S.mu);
	return v;
}

static bool flag_get(const bool *flag)
{
	pthread_mutex_lock(&S.mu);
	bool v = *flag;
	pthread_mutex_unlock(&S.mu);
	return v;
}

/* ---- Claim and finish ---- */

/* A job whose lease expired and that has an attempt left: its worker died. */
static const char *const sql_reclaim_pg =
    "UPDATE jobs SET attempts = attempts + 1, locked_by = $2, lease_until = $1 + lease_ms, "
    "started_at = $1, last_error = 'lease of ' || locked_by || ' expired during attempt ' || "
    "CAST(attempts AS TEXT) WHERE id IN (SELECT id FROM jobs WHERE state = 'running' "
    "AND lease_until <= $1 AND attempts < max_attempts ORDER BY lease_until LIMIT 1 "
    "FOR UPDATE SKIP LOCKED) RETURNING id, kind, payload, attempts, max_attempts, lease_ms";
static const char *const sql_reclaim_sqlite =
    "UPDATE jobs SET attempts = attempts + 1, locked_by = $2, lease_until = $1 + lease_ms, "
    "started_at = $1, last_error = 'lease of ' || locked_by || ' expired during attempt ' || "
    "CAST(attempts AS TEXT) WHERE id IN (SELECT id FROM jobs WHERE state = 'running' "
    "AND lease_until <= $1 AND attempts < max_attempts ORDER BY lease_until LIMIT 1) "
    "RETURNING id, kind, payload, attempts, max_attempts, lease_ms";
/* The earliest due queued job. */
static const char *const sql_claim_pg =
    "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = $2, "
    "lease_until = $1 + lease_ms, started_at = $1 WHERE id IN (SELECT id FROM jobs "
    "WHERE state = 'queued' AND run_at <= $1 ORDER BY run_at, id LIMIT 1 "
    "FOR UPDATE SKIP LOCKED) RETURNING id, kind, payload, attempts, max_attempts, lease_ms";
static const char *const sql_claim_sqlite =
    "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = $2, "
    "lease_until = $1 + lease_ms, started_at = $1 WHERE id IN (SELECT id FROM jobs "
    "WHERE state = 'queued' AND run_at <= $1 ORDER BY run_at, id LIMIT 1) "
    "RETURNING id, kind, payload, attempts, max_attempts, lease_ms";

typedef struct {
	int64_t id, lease_ms;
	int attempt, max_attempts;
	char kind[72];
	char *payload; /* malloc'd */
} claimed_t;

/* One claim statement: 1 with *c filled, 0 when no row, -1 with err set. */
static int claim_one(gz_db *db, const char *sql, const char *token, claimed_t *c, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, sql, err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, gz_time_now_ms());
	gz_stmt_bind_str(st, 2, token);
	int rc = gz_stmt_step(st, err), got = 0;
	if (rc == GZ_ROW) {
		c->id = gz_stmt_int64(st, 0);
		snprintf(c->kind, sizeof c->kind, "%s", gz_stmt_text(st, 1));
		c->payload = gz_strdup(gz_stmt_text(st, 2));
		c->attempt = (int)gz_stmt_int64(st, 3);
		c->max_attempts = (int)gz_stmt_int64(st, 4);
		c->lease_ms = gz_stmt_int64(st, 5);
		got = 1;
		/* Read to the end so the UPDATE is complete (and committed: autocommit). */
		while ((rc = gz_stmt_step(st, err)) == GZ_ROW)
			;
	}
	gz_stmt_finish(st);
	if (rc < 0) {
		free(got ? c->payload : NULL);
		return -1;
	}
	return got;
}

static int claim(gz_db *db, const char *token, claimed_t *c, gz_err *err)
{
	bool pg = gz_db_driver(db) == GZ_DB_POSTGRES;
	int rc = claim_one(db, pg ? sql_reclaim_pg : sql_reclaim_sqlite, token, c, err);
	if (rc != 0)
		return rc;
	return claim_one(db, pg ? sql_claim_pg : sql_claim_sqlite, token, c, err);
}

/* Records the outcome of a run, guarded by (id, locked_by, attempts). Returns the rows
 * changed (0: the job was completed by its handler or taken over), or -1. */
static int finish(gz_db *db, const char *token, const claimed_t *c, job_state next, int64_t run_at,
                  const char *error, gz_err *err)
{
	const char *sql =
	    next == JOB_DONE
	        ? "UPDATE jobs SET state = 'done', finished_at = $4, lease_until = NULL "
	          "WHERE id = $1 AND locked_by = $2 AND attempts = $3 AND state = 'running'"
	        : "UPDATE jobs SET state = $5, finished_at = $4, lease_until = NULL, run_at = $6, "
	          "last_error = $7 "
	          "WHERE id = $1 AND locked_by = $2 AND attempts = $3 AND state = 'running'";
	gz_stmt *st = gz_db_prepare(db, sql, err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, c->id);
	gz_stmt_bind_str(st, 2, token);
	gz_stmt_bind_int64(st, 3, c->attempt);
	gz_stmt_bind_int64(st, 4, gz_time_now_ms());
	if (next != JOB_DONE) {
		gz_stmt_bind_str(st, 5, job_state_name(next));
		gz_stmt_bind_int64(st, 6, run_at);
		gz_stmt_bind_str(st, 7, error);
	}
	int rc = gz_stmt_step(st, err);
	int64_t n = gz_stmt_changes(st);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : (int)n;
}

static void observe(const char *kind, job_state next, int64_t dur_ns)
{
	int i = gz_jobs_kind_index(kind);
	if (i < 0)
		return;
	kind_stats *k = &kstats[i];
	atomic_fetch_add(next == JOB_DONE     ? &k->done
	                 : next == JOB_QUEUED ? &k->retried
	                                      : &k->failed,
	                 1);
	double s = (double)dur_ns / 1e9;
	for (int b = 0; b < GZ_JOBS_NBUCKET; b++)
		if (s <= gz_jobs_buckets[b]) {
			atomic_fetch_add(&k->buckets[b], 1);
			break;
		}
	atomic_fetch_add(&k->count, 1);
	atomic_fetch_add(&k->sum_us, (uint_fast64_t)(dur_ns / 1000));
}

static void set_current(worker_t *w, const claimed_t *c)
{
	pthread_mutex_lock(&S.mu);
	w->cur_id = c ? c->id : 0;
	w->cur_attempt = c ? c->attempt : 0;
	w->cur_lease_ms = c ? c->lease_ms : 0;
	w->cur_renewed_ms = gz_time_now_ms();
	pthread_mutex_unlock(&S.mu);
}

/* Runs a claimed job on db and records its outcome. */
static void run_job(gz_db *db, worker_t *w, claimed_t *c)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_job_kind *k = gz_jobs_kind(c->kind);
	json_error_t je;
	json_t *payload = json_loads(c->payload, 0, &je);
	job_outcome out;
	bool completed = false;
	set_current(w, c);
	atomic_fetch_add(&busy_workers, 1);
	int64_t t0 = gz_time_mono_ns();
	if (!k) {
		/* Perhaps a newer version enqueued it: another process may know the kind. */
		gz_err_set(&err, GZ_EINTERNAL, "unknown_job_kind",
		           "this process has no job kind %s", c->kind);
		out = JOB_RUN_ERROR;
	} else if (!json_is_object(payload)) {
		gz_err_set(&err, GZ_EINVALID, "invalid_job", "payload is not a JSON object");
		out = JOB_RUN_PERMANENT;
	} else {
		gz_job job = {.id = c->id,
		              .kind = k->name,
		              .payload = payload,
		              .attempt = c->attempt,
		              .max_attempts = c->max_attempts,
		              .worker = w->token};
		if (k->run(db, &job, &err) == 0) {
			out = JOB_RUN_OK;
			completed = job.completed;
		} else {
			/* A handler that failed inside its transaction leaves nothing half-done
			 * (safe when none is open). */
			gz_db_rollback(db);
			if (err.kind == GZ_OK)
				gz_err_set(&err, GZ_EINTERNAL, "job_failed", "job failed");
			out = err.kind == GZ_EBADREQ || err.kind == GZ_EINVALID ||
			              err.kind == GZ_ENOTFOUND
			          ? JOB_RUN_PERMANENT
			          : JOB_RUN_ERROR;
		}
	}
	int64_t dur = gz_time_mono_ns() - t0;
	json_decref(payload);

	job_state next = job_after_run(out, c->attempt, c->max_attempts);
	int64_t run_at = 0;
	if (next == JOB_QUEUED) {
		job_policy p = k ? k->policy : job_policy_resolve((job_policy){0});
		run_at = gz_time_now_ms() + job_backoff_ms(&p, c->attempt, c->id);
	}
	char error[320];
	snprintf(error, sizeof error, "%s: %s", err.code, err.message);
	int rc = -1;
	for (int i = 0; i < FINISH_TRIES && rc < 0; i++) {
		gz_err ferr;
		gz_err_clear(&ferr);
		rc = finish(db, w->token, c, next, run_at, error, &ferr);
		if (rc < 0) {
			gz_log_warn("job %lld: cannot record its outcome (try %d): %s",
			            (long long)c->id, i + 1, ferr.message);
			usleep(1000000);
		}
	}
	if (rc == 0 && !completed)
		gz_log_warn("job %lld (%s): lease lost before the outcome was recorded",
		            (long long)c->id, c->kind);
	if (next != JOB_DONE)
		gz_log_warn("job %lld (%s) attempt %d/%d %s: %s", (long long)c->id, c->kind,
		            c->attempt, c->max_attempts,
		            next == JOB_QUEUED ? "will be retried" : "failed", error);
	observe(c->kind, next, dur);
	atomic_fetch_sub(&busy_workers, 1);
	set_current(w, NULL);
}

static void *worker_main(void *arg)
{
	worker_t *w = arg;
	gz_db *db = NULL;
	int64_t logged = 0;
	while (!flag_get(&S.stopping)) {
		gz_err err;
		gz_err_clear(&err);
		if (!db && !(db = gz_db_open(S.url, &err))) {
			gz_log_warn("job worker %d: cannot open the database: %s", w->index,
			            err.message);
			wait_ms(REOPEN_MS, &S.stopping);
			continue;
		}
		claimed_t c = {0};
		int rc = claim(db, w->token, &c, &err);
		if (rc == 1) {
			run_job(db, w, &c);
			free(c.payload);
			continue;
		}
		if (rc < 0 && gz_time_now_ms() - logged > LOG_EVERY_MS) {
			gz_log_warn("job worker %d: claim failed: %s", w->index, err.message);
			logged = gz_time_now_ms();
		}
		/* Spread the polls of many workers a little. */
		wait_ms(POLL_MS + (gz_time_mono_ns() / 1000) % 100, &S.stopping);
	}
	gz_db_close(db);
	pthread_mutex_lock(&S.mu);
	w->exited = true;
	pthread_mutex_unlock(&S.mu);
	return NULL;
}

/* ---- Housekeeping ---- */

static void renew_leases(gz_db *db)
{
	for (int i = 0; i < S.n; i++) {
		worker_t *w = &S.w[i];
		int64_t now = gz_time_now_ms();
		pthread_mutex_lock(&S.mu);
		int64_t id = w->cur_id, lease = w->cur_lease_ms;
		int attempt = w->cur_attempt;
		bool due = id && now - w->cur_renewed_ms >= lease / 3;
		pthread_mutex_unlock(&S.mu);
		if (!due)
			continue;
		gz_err err;
		gz_err_clear(&err);
		gz_stmt *st =
		    gz_db_prepare(db,
		                  "UPDATE jobs SET lease_until = $4 WHERE id = $1 AND "
		                  "locked_by = $2 AND attempts = $3 AND state = 'running'",
		                  &err);
		int rc = -1;
		int64_t n = 0;
		if (st) {
			gz_stmt_bind_int64(st, 1, id);
			gz_stmt_bind_str(st, 2, w->token);
			gz_stmt_bind_int64(st, 3, attempt);
			gz_stmt_bind_int64(st, 4, now + lease);
			rc = gz_stmt_step(st, &err);
			n = gz_stmt_changes(st);
			gz_stmt_finish(st);
		}
		if (rc < 0) {
			gz_log_warn("job %lld: lease not renewed: %s", (long long)id, err.message);
			continue;
		}
		pthread_mutex_lock(&S.mu);
		if (w->cur_id == id && w->cur_attempt == attempt)
			w->cur_renewed_ms = now;
		pthread_mutex_unlock(&S.mu);
		/* 0 rows: the handler completed it in its transaction, or it was taken over. */
		(void)n;
	}
}

/* Running jobs whose lease expired with no attempt left: their last worker died. */
static void fail_expired(gz_db *db)
{
	gz_err err;
	gz_err_clear(&err);
	gz_stmt *st = gz_db_prepare(
	    db,
	    "UPDATE jobs SET state = 'failed', finished_at = $1, lease_until = NULL, "
	    "last_error = 'lease of ' || locked_by || ' expired during the last attempt' "
	    "WHERE state = 'running' AND lease_until <= $1 AND attempts >= max_attempts",
	    &err);
	if (!st)
		return;
	gz_stmt_bind_int64(st, 1, gz_time_now_ms());
	if (gz_stmt_step(st, &err) < 0)
		gz_log_warn("jobs: expired jobs not failed: %s", err.message);
	gz_stmt_finish(st);
}

static void refresh_gauges(gz_db *db)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t now = gz_time_now_ms();
	int64_t n[3] = {0, 0, 0}, due = 0, oldest = 0;
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT state, COUNT(*) FROM jobs WHERE state IN "
	                            "('queued', 'running', 'failed') GROUP BY state",
	                            &err);
	int rc = -1;
	if (st) {
		while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
			int s = job_state_parse(gz_stmt_text(st, 0));
			int64_t v = gz_stmt_int64(st, 1);
			if (s == JOB_QUEUED)
				n[0] = v;
			else if (s == JOB_RUNNING)
				n[1] = v;
			else if (s == JOB_FAILED)
				n[2] = v;
		}
		gz_stmt_finish(st);
	}
	if (rc == GZ_DONE && (st = gz_db_prepare(db,
	                                         "SELECT COUNT(*), MIN(run_at) FROM jobs "
	                                         "WHERE state = 'queued' AND run_at <= $1",
	                                         &err))) {
		gz_stmt_bind_int64(st, 1, now);
		if ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
			due = gz_stmt_int64(st, 0);
			oldest = due && !gz_stmt_isnull(st, 1) ? now - gz_stmt_int64(st, 1) : 0;
			rc = GZ_DONE;
		}
		gz_stmt_finish(st);
	}
	if (rc != GZ_DONE) {
		gz_log_warn("jobs: queue gauges not refreshed: %s", err.message);
		return;
	}
	atomic_store(&queue.queued, n[0]);
	atomic_store(&queue.running, n[1]);
	atomic_store(&queue.failed, n[2]);
	atomic_store(&queue.due, due);
	atomic_store(&queue.oldest_due_ms, oldest);
	atomic_store(&queue.valid, true);
}

static void purge(gz_db *db)
{
	gz_err err;
	gz_err_clear(&err);
	gz_stmt *st = gz_db_prepare(
	    db,
	    "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE "
	    "(state = 'done' OR state = 'cancelled') AND finished_at < $1 LIMIT 1000)",
	    &err);
	if (!st)
		return;
	gz_stmt_bind_int64(st, 1, gz_time_now_ms() - RETENTION_MS);
	if (gz_stmt_step(st, &err) < 0)
		gz_log_warn("jobs: old jobs not deleted: %s", err.message);
	gz_stmt_finish(st);
}

static void *house_main(void *arg)
{
	(void)arg;
	gz_db *db = NULL;
	int64_t last_gauge = 0, last_purge = 0;
	while (!flag_get(&S.house_stopping)) {
		gz_err err;
		gz_err_clear(&err);
		if (!db && !(db = gz_db_open(S.url, &err))) {
			gz_log_warn("jobs housekeeping: cannot open the database: %s", err.message);
			wait_ms(REOPEN_MS, &S.house_stopping);
			continue;
		}
		renew_leases(db);
		int64_t now = gz_time_mono_ns() / 1000000;
		if (now - last_gauge >= GAUGE_MS) {
			fail_expired(db);
			refresh_gauges(db);
			last_gauge = now;
		}
		if (now - last_purge >= PURGE_MS) {
			purge(db);
			last_purge = now;
		}
		wait_ms(TICK_MS, &S.house_stopping);
	}
	gz_db_close(db);
	return NULL;
}

/* ---- Start and stop ---- */

int gz_jobs_start(const char *db_url, int nworkers)
{
	if (S.started || nworkers < 0)
		return -1;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&S.cv, &ca);
	pthread_condattr_destroy(&ca);
	S.url = gz_strdup(db_url);
	S.n = nworkers;
	S.w = gz_calloc((size_t)(nworkers ? nworkers : 1), sizeof *S.w);
	S.stopping = S.house_stopping = false;

	char host[64] = "host";
	gethostname(host, sizeof host - 1);
	unsigned char rnd[3] = {0};
	if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd)
		memset(rnd, 0, sizeof rnd);

	/* The server takes SIGTERM/SIGINT with sigwait: they must not land here. (Only
	 * these: blocking a fault signal would hide a crash from the sanitizers.) */
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	int rc = 0;
	for (int i = 0; i < nworkers && rc == 0; i++) {
		worker_t *w = &S.w[i];
		w->index = i;
		snprintf(w->token, sizeof w->token, "%.60s:%d:%02x%02x%02x/w%d", host,
		         (int)getpid(), rnd[0], rnd[1], rnd[2], i);
		if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			gz_log_error("cannot start job worker %d", i);
			S.n = i;
			rc = -1;
		}
	}
	if (rc == 0) {
		if (pthread_create(&S.house, NULL, house_main, NULL) == 0) {
			S.house_started = true;
		} else {
			gz_log_error("cannot start the jobs housekeeping thread");
			rc = -1;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	S.started = true;
	atomic_store(&total_workers, S.n);
	if (rc < 0) {
		gz_jobs_stop(0);
		return -1;
	}
	gz_log_info("jobs: %d worker%s, %d kind%s", nworkers, nworkers == 1 ? "" : "s",
	            gz_jobs_kind_count(), gz_jobs_kind_count() == 1 ? "" : "s");
	return 0;
}

void gz_jobs_stop(int wait_ms_total)
{
	if (!S.started)
		return;
	pthread_mutex_lock(&S.mu);
	S.stopping = true;
	pthread_cond_broadcast(&S.cv);
	pthread_mutex_unlock(&S.mu);

	/* Running jobs finish while the housekeeper keeps their leases. */
	int64_t deadline = gz_time_mono_ns() + (int64_t)wait_ms_total * 1000000;
	bool abandoned = false;
	for (int i = 0; i < S.n; i++) {
		worker_t *w = &S.w[i];
		for (;;) {
			pthread_mutex_lock(&S.mu);
			bool exited = w->exited;
			int64_t cur = w->cur_id;
			pthread_mutex_unlock(&S.mu);
			if (exited) {
				pthread_join(w->thread, NULL);
				break;
			}
			if (gz_time_mono_ns() >= deadline) {
				gz_log_warn(
				    "jobs: job %lld still running at shutdown; another worker "
				    "takes it once its lease expires",
				    (long long)cur);
				pthread_detach(w->thread);
				abandoned = true;
				break;
			}
			usleep(10000);
		}
	}
	pthread_mutex_lock(&S.mu);
	S.house_stopping = true;
	pthread_cond_broadcast(&S.cv);
	pthread_mutex_unlock(&S.mu);
	if (S.house_started)
		pthread_join(S.house, NULL);
	S.house_started = false;
	atomic_store(&total_workers, 0);
	if (abandoned)
		return; /* a detached worker still uses S; the process is ending */
	free(S.w);
	free(S.url);
	S.w = NULL;
	S.url = NULL;
	S.n = 0;
	pthread_cond_destroy(&S.cv);
	S.started = false;
	gz_log_info("jobs: stopped");
}

/* ---- Figures ---- */

void gz_jobs_queue_stats(gz_jobs_queue *out)
{
	out->valid = atomic_load(&queue.valid);
	out->queued = atomic_load(&queue.queued);
	out->due = atomic_load(&queue.due);
	out->running = atomic_load(&queue.running);
	out->failed = atomic_load(&queue.failed);
	out->oldest_due_ms = atomic_load(&queue.oldest_due_ms);
}

void gz_jobs_worker_stats(int *busy, int *total)
{
	*busy = atomic_load(&busy_workers);
	*total = atomic_load(&total_workers);
}

void gz_jobs_kind_stats_get(int i, gz_jobs_kind_stats *out)
{
	memset(out, 0, sizeof *out);
	if (i < 0 || i >= GZ_JOBS_MAX_KINDS)
		return;
	kind_stats *k = &kstats[i];
	out->done = atomic_load(&k->done);
	out->retried = atomic_load(&k->retried);
	out->failed = atomic_load(&k->failed);
	for (int b = 0; b < GZ_JOBS_NBUCKET; b++)
		out->buckets[b] = atomic_load(&k->buckets[b]);
	out->count = atomic_load(&k->count);
	out->sum_s = (double)atomic_load(&k->sum_us) / 1e6;
}
