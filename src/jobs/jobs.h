/* Background jobs: work that runs off the request threads, later or now, and survives
 * restarts — timers (case deadlines, escalations), matching runs, reports,
 * notifications. Rows of the jobs table (migration 0008_jobs.sql); the rules of their
 * states and retries are src/domain/job.h. No HTTP here: the jobs module (src/modules/jobs/)
 * shows jobs to admins and /metrics through the read functions below.
 *
 * Contract
 * - A kind is registered once at start-up (gz_jobs_register), in every process: the
 *   one that enqueues (a request, the CLI) and the ones that run jobs.
 * - gz_jobs_enqueue() writes one row with the caller's connection, inside the caller's
 *   transaction if one is open: the job exists exactly when the change that needs it
 *   commits.
 * - `gongzhi serve` runs N worker threads (gz_jobs_start). A worker claims one due job
 *   at a time with a single UPDATE: on PostgreSQL the candidate row is taken with
 *   FOR UPDATE SKIP LOCKED, so any number of processes sharing the database never claim
 *   the same job; on SQLite a write statement holds the database's write lock from its
 *   first read, so the claim is atomic too. The claim sets state running, attempts + 1,
 *   locked_by (this worker's token) and lease_until = now + the kind's lease.
 * - While the job runs, a housekeeping thread renews its lease every third of the
 *   lease. A process that dies (SIGKILL, power loss) stops renewing; once the lease
 *   has expired, the next claim by any worker takes the job again (attempts + 1), or
 *   marks it failed when its attempts are used up.
 * - Every later change of a claimed job is guarded by (id, locked_by, attempts): a
 *   worker that lost its lease cannot overwrite the result of the one that took over.
 * - So a job runs once, unless a process dies (or loses the database for a whole lease)
 *   mid-run: then it runs again. A handler whose effects are database writes gets
 *   exactly-once by committing them with gz_jobs_complete() in one transaction.
 * - Graceful stop (gz_jobs_stop): no new claims; running jobs finish (bounded wait);
 *   a job still running when the wait ends keeps its lease and is taken again after
 *   it expires.
 */
#ifndef GZ_JOBS_JOBS_H
#define GZ_JOBS_JOBS_H

#include "db/db.h"
#include "domain/job.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* What a handler is given about the job it runs. Valid during the call. */
typedef struct gz_job {
	int64_t id;
	const char *kind;
	const json_t *payload; /* the object given to gz_jobs_enqueue() */
	int attempt;           /* 1 for the first run, 2 for the first retry, ... */
	int max_attempts;
	const char *worker; /* this worker's token (the locked_by column) */
	bool completed;     /* set by gz_jobs_complete() */
} gz_job;

/* Runs a job on a worker's own connection, outside any transaction (the handler opens
 * its own). Returns 0 when the job is done. Returns -1 with err set when it failed: it
 * is retried after a backoff until max_attempts, except for err kinds GZ_EBADREQ,
 * GZ_EINVALID and GZ_ENOTFOUND (the payload can never work), which fail it at once.
 * err's message is stored as last_error. */
typedef int (*gz_job_fn)(gz_db *db, gz_job *job, gz_err *err);

/* A kind of job: a name ("case.escalate": lowercase letters, digits, '.', '_', '-';
 * 1..64 bytes), its handler and its retry and lease policy (zero fields take the
 * defaults of domain/job.h: 5 attempts, 30 s doubling to 1 h, 60 s lease). */
typedef struct gz_job_kind {
	const char *name;
	gz_job_fn run;
	job_policy policy;
} gz_job_kind;

#define GZ_JOBS_MAX_KINDS 64

/* Registers k (copied; name must stay valid). Call at start-up, before gz_jobs_start()
 * and before any thread enqueues. Aborts on a malformed or duplicate name or when
 * GZ_JOBS_MAX_KINDS are registered: these are programming errors. */
void gz_jobs_register(const gz_job_kind *k);
/* The registered kind called name, or NULL. */
const gz_job_kind *gz_jobs_kind(const char *name);
int gz_jobs_kind_count(void);
const gz_job_kind *gz_jobs_kind_at(int i);

/* Options of one enqueue; zero fields take the defaults. */
typedef struct gz_job_new {
	const json_t *payload;  /* a JSON object; NULL = {} */
	int64_t run_at;         /* ms since the epoch; 0 = now */
	const char *dedupe_key; /* NULL = none; at most 200 bytes */
	int max_attempts;       /* 0 = the kind's */
} gz_job_new;

/* Enqueues a job of a registered kind on db, in the caller's transaction if one is
 * open. Returns the new job's id; when dedupe_key is held by a queued or running job,
 * adds nothing and returns that job's id (or 0 if it finished meanwhile). Returns -1
 * with err set: 422 "unknown_job_kind", 422 "invalid_job" (payload not an object or
 * over 64 KiB, key too long, max_attempts out of 1..100), or a database error. */
int64_t gz_jobs_enqueue_ex(gz_db *db, const char *kind, const gz_job_new *opt, gz_err *err);

/* Shorthand for gz_jobs_enqueue_ex with payload, run_at and dedupe_key. */
int64_t gz_jobs_enqueue(gz_db *db, const char *kind, const json_t *payload, int64_t run_at,
                        const char *dedupe_key, gz_err *err);

/* Cancels the queued job holding dedupe_key (a timer no longer wanted: the case was
 * closed before its deadline). A running job is not stopped. Returns the number
 * cancelled (0 or 1), or -1 with err set. */
int gz_jobs_cancel(gz_db *db, const char *dedupe_key, gz_err *err);

/* Marks the running job done inside the handler's open transaction, so its effects and
 * its completion commit together: exactly once even if the worker dies right after.
 * Returns 0, or -1 with err set (409 "job_lease_lost" when this worker no longer holds
 * the job: another one took it over; the handler must roll back). */
int gz_jobs_complete(gz_db *db, gz_job *job, gz_err *err);

/* One job as stored, for the admin API and the CLI. Strings are valid during the
 * callback; absent values are 0 / NULL. */
typedef struct gz_job_info {
	int64_t id;
	const char *kind, *payload, *state, *locked_by, *last_error, *dedupe_key;
	int attempts, max_attempts;
	int64_t run_at, lease_until, created_at, started_at, finished_at;
} gz_job_info;

typedef int (*gz_job_info_fn)(void *ctx, const gz_job_info *j);

/* Jobs newest first with id < before (0 = from the newest), at most limit, optionally
 * only of state and/or kind (NULL = any); fn is called for each and may stop the walk
 * by returning non-zero. Returns the number of rows seen, or -1 with err set. */
int gz_jobs_list(gz_db *db, const char *state, const char *kind, int64_t before, int limit,
                 gz_job_info_fn fn, void *ctx, gz_err *err);
/* The job id: returns 1 after calling fn, 0 when there is none, -1 with err set. */
int gz_jobs_get(gz_db *db, int64_t id, gz_job_info_fn fn, void *ctx, gz_err *err);

/* ---- Workers (src/jobs/worker.c) ---- */

/* Starts nworkers worker threads (0: none; this process only enqueues) and the
 * housekeeping thread (lease renewal, expired jobs past their attempts, queue gauges,
 * deletion of finished jobs after 7 days), each with its own connection to db_url.
 * Signals are blocked in these threads (the server takes SIGTERM with sigwait).
 * Returns 0, or -1 if a thread cannot start. */
int gz_jobs_start(const char *db_url, int nworkers);
/* Stops claiming, waits up to wait_ms for running jobs, stops the threads and closes
 * their connections. A job still running at the deadline is left to its lease (see
 * the contract above). Safe to call when not started. */
void gz_jobs_stop(int wait_ms);

/* ---- Figures for /metrics, kept in memory without locks ---- */

/* Database-wide queue sizes, refreshed by the housekeeping thread every few seconds
 * (valid is false until the first refresh). */
typedef struct gz_jobs_queue {
	bool valid;
	int64_t queued, due, running, failed;
	int64_t oldest_due_ms; /* how long the oldest due job has waited; 0 when none */
} gz_jobs_queue;
void gz_jobs_queue_stats(gz_jobs_queue *out);

/* Busy and configured worker threads of this process. */
void gz_jobs_worker_stats(int *busy, int *total);

/* Upper bounds (seconds) of the run-time histogram buckets. */
#define GZ_JOBS_NBUCKET 12
extern const double gz_jobs_buckets[GZ_JOBS_NBUCKET];

/* Runs of one kind in this process since start: by outcome, and their durations. */
typedef struct gz_jobs_kind_stats {
	uint64_t done, retried, failed;
	uint64_t buckets[GZ_JOBS_NBUCKET]; /* not cumulative */
	uint64_t count;
	double sum_s;
} gz_jobs_kind_stats;
void gz_jobs_kind_stats_get(int kind_index, gz_jobs_kind_stats *out);

/* Registers the job kinds used by the test suite when GONGZHI_TEST_JOBS=1 (and nothing
 * otherwise): test.record, test.sleep and test.fail, which append one line per run to
 * the file named by GONGZHI_TEST_JOBS_LOG (src/jobs/testkinds.c). */
void gz_jobs_register_test_kinds(void);

#endif
