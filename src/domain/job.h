/* The rules of a background job's life, without I/O: its states, what a run's outcome
 * turns it into, and when a failed attempt is tried again. src/jobs/ stores and runs
 * jobs by these rules; tests/unit/test_job.c pins them.
 *
 *   queued --claim--> running --ok--> done
 *      ^                 |  \--error, attempts left--> queued (run_at = now + backoff)
 *      |                 |   \-error, none left or permanent--> failed
 *      |                 \--lease expired (worker died)--> running again (next claim),
 *      |                                                   or failed when none left
 *      \--cancel (queued only)--> cancelled
 */
#ifndef GZ_DOMAIN_JOB_H
#define GZ_DOMAIN_JOB_H

#include <stdbool.h>
#include <stdint.h>

typedef enum {
	JOB_QUEUED,
	JOB_RUNNING,
	JOB_DONE,
	JOB_FAILED,
	JOB_CANCELLED,
	JOB__STATES
} job_state;

/* "queued", "running", "done", "failed", "cancelled" (the jobs.state column). */
const char *job_state_name(job_state s);
/* The state for a name, or -1. */
int job_state_parse(const char *name);
/* True for done, failed and cancelled: nothing will run the job again. */
bool job_state_final(job_state s);

/* How a kind of job is retried and leased. Zero fields take the defaults below. */
typedef struct {
	int max_attempts;       /* runs in all, the first included */
	int64_t backoff_ms;     /* delay before the second attempt; doubles each time */
	int64_t backoff_max_ms; /* no delay is longer */
	int64_t lease_ms;       /* a claim lasts this long unless renewed */
} job_policy;

#define JOB_DEFAULT_MAX_ATTEMPTS 5
#define JOB_DEFAULT_BACKOFF_MS   30000
#define JOB_DEFAULT_BACKOFF_MAX  3600000
#define JOB_DEFAULT_LEASE_MS     60000
#define JOB_MAX_ATTEMPTS_LIMIT   100

/* p with its zero fields replaced by the defaults and every field brought into range
 * (max_attempts 1..JOB_MAX_ATTEMPTS_LIMIT, lease >= 1000 ms, backoff_max >= backoff). */
job_policy job_policy_resolve(job_policy p);

/* The delay after failed attempt number attempt (1-based) of job id:
 * backoff_ms * 2^(attempt-1), capped at backoff_max_ms, plus up to a tenth more chosen
 * from id, so jobs that failed together (a downstream outage) do not retry in lockstep.
 * p must be resolved. Never negative, never above backoff_max_ms * 1.1. */
int64_t job_backoff_ms(const job_policy *p, int attempt, int64_t id);

/* How a run ended. */
typedef enum {
	JOB_RUN_OK,        /* done */
	JOB_RUN_ERROR,     /* failed this time; may work later (database busy, peer down) */
	JOB_RUN_PERMANENT, /* can never work (bad payload, unknown kind): no retry */
} job_outcome;

/* The state a running job takes after attempt number attempts (1-based) ended with o:
 * done, queued again (retry) or failed. */
job_state job_after_run(job_outcome o, int attempts, int max_attempts);

/* What to do with a running job whose lease expired (its worker died) that has had
 * attempts runs: true = claim and run it again, false = mark it failed. */
bool job_reclaimable(int attempts, int max_attempts);

#endif
