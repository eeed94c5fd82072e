/* The expiry job (`match.expiry`): needs still open or proposed when their window has
 * ended become expired (their open proposals withdrawn), as the system. One sweep,
 * seeded by the migration and re-enqueued by each run in the transaction that completes
 * it, exactly like case.deadlines (cases/job.c). Every GONGZHI_MATCH_SWEEP_S seconds
 * (default 300), at once while a batch was full. */
#include "modules/matching/match_internal.h"
#include "core/log.h"
#include "core/time.h"
#include "jobs/jobs.h"
#include "modules/module.h"

#include <stdio.h>
#include <stdlib.h>

#define SWEEP_KEY "match.expiry"

static int64_t sweep_interval_ms(void)
{
	const char *s = getenv("GONGZHI_MATCH_SWEEP_S");
	long v = s ? strtol(s, NULL, 10) : 300;
	return (v < 1 || v > 3600 ? 300 : v) * 1000LL;
}

static int sweep(gz_db *db, gz_job *job, gz_err *err)
{
	int64_t now = gz_time_now_ms();
	gz_actor sys;
	gz_actor_operator(&sys);
	snprintf(sys.username, sizeof sys.username, "system");
	snprintf(sys.request_id, sizeof sys.request_id, "job-%lld", (long long)job->id);
	int n = 0;
	if (gz_db_begin(db, err) < 0)
		return -1;
	if (gz_match_expire(db, &sys, now, &n, err) < 0 || gz_jobs_complete(db, job, err) < 0 ||
	    gz_jobs_enqueue(db, SWEEP_KEY, NULL, n == 200 ? now : now + sweep_interval_ms(),
	                    SWEEP_KEY, err) < 0 ||
	    gz_db_commit(db, err) < 0) {
		gz_db_rollback(db);
		return -1;
	}
	if (n)
		gz_log_info("matching: %d needs expired", n);
	return 0;
}

const gz_job_kind gz_match_job_kinds[] = {
    {SWEEP_KEY, sweep, {.max_attempts = 100, .lease_ms = 60000}},
    {0},
};
