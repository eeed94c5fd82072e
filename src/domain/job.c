/* Job states, outcomes and retry delays (job.h). Pure: no I/O, no allocation. */
#include "domain/job.h"

#include <string.h>

static const char *const names[JOB__STATES] = {"queued", "running", "done", "failed", "cancelled"};

const char *job_state_name(job_state s)
{
	return (unsigned)s < JOB__STATES ? names[s] : "unknown";
}

int job_state_parse(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < JOB__STATES; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

bool job_state_final(job_state s)
{
	return s == JOB_DONE || s == JOB_FAILED || s == JOB_CANCELLED;
}

job_policy job_policy_resolve(job_policy p)
{
	if (p.max_attempts <= 0)
		p.max_attempts = JOB_DEFAULT_MAX_ATTEMPTS;
	if (p.max_attempts > JOB_MAX_ATTEMPTS_LIMIT)
		p.max_attempts = JOB_MAX_ATTEMPTS_LIMIT;
	if (p.backoff_ms <= 0)
		p.backoff_ms = JOB_DEFAULT_BACKOFF_MS;
	if (p.backoff_max_ms <= 0)
		p.backoff_max_ms = JOB_DEFAULT_BACKOFF_MAX;
	if (p.backoff_max_ms < p.backoff_ms)
		p.backoff_max_ms = p.backoff_ms;
	if (p.lease_ms <= 0)
		p.lease_ms = JOB_DEFAULT_LEASE_MS;
	if (p.lease_ms < 1000)
		p.lease_ms = 1000;
	return p;
}

int64_t job_backoff_ms(const job_policy *p, int attempt, int64_t id)
{
	int64_t d = p->backoff_ms;
	/* Double without overflow: stop as soon as the cap is reached. */
	for (int i = 1; i < attempt && d < p->backoff_max_ms; i++)
		d = d > p->backoff_max_ms / 2 ? p->backoff_max_ms : d * 2;
	if (d > p->backoff_max_ms)
		d = p->backoff_max_ms;
	/* Jitter from the id (Knuth's multiplicative hash): the same job always waits the
	 * same, different jobs spread over [d, d + d/10]. */
	uint64_t h = ((uint64_t)id * 2654435761u) >> 7;
	int64_t spread = d / 10;
	return d + (spread > 0 ? (int64_t)(h % (uint64_t)(spread + 1)) : 0);
}

job_state job_after_run(job_outcome o, int attempts, int max_attempts)
{
	if (o == JOB_RUN_OK)
		return JOB_DONE;
	if (o == JOB_RUN_PERMANENT || attempts >= max_attempts)
		return JOB_FAILED;
	return JOB_QUEUED;
}

bool job_reclaimable(int attempts, int max_attempts)
{
	return attempts < max_attempts;
}
