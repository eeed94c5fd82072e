/* The expiry job (`match.expiry`): needs still open or proposed when their window has
 * ended become expired (their open proposals withdrawn), as the system. One sweep,
 * seeded by the migration and re-enqueued by each run in the transaction that completes
 * it, exactly like case.deadlines (cases/job.c). Every GONGZHI_MATCH_SWEEP_S seconds
 * (default 300), at once while a batch was full. */
#include "modules/matching/match_internal.h"
#include "core/log.h"
#include "core/time.h"
#include "jobs/jobs.h"
#include "modules/matching/matching.h"
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

/* The scheduled runs (`match.runs`): every `run_every_hours` hours (a setting; 0, the
 * default, leaves runs to staff) one run per community with open needs, as the system.
 * Each run commits on its own (a run that dies mid-way leaves the others done; the
 * next run takes what is still open); the job's completion and the next one commit
 * together. Checks the setting again every hour when off. */
#define RUNS_KEY "match.runs"

static int runs(gz_db *db, gz_job *job, gz_err *err)
{
	int64_t now = gz_time_now_ms(), every = 0;
	gz_actor sys;
	gz_actor_operator(&sys);
	snprintf(sys.username, sizeof sys.username, "system");
	snprintf(sys.request_id, sizeof sys.request_id, "job-%lld", (long long)job->id);
	if (match_setting(db, "run_every_hours", &every, err) < 0)
		return -1;
	int n = 0;
	if (every > 0) {
		char codes[256][16];
		gz_stmt *st =
		    gz_db_prepare(db,
		                  "SELECT DISTINCT g.community_code FROM match_needs n JOIN "
		                  "grids g ON g.code = n.grid_code WHERE n.status = 'open' AND "
		                  "n.window_end > $1 ORDER BY g.community_code LIMIT 256",
		                  err);
		if (!st)
			return -1;
		gz_stmt_bind_int64(st, 1, now);
		int rc;
		while ((rc = gz_stmt_step(st, err)) == GZ_ROW && n < 256)
			snprintf(codes[n++], sizeof codes[0], "%s", gz_stmt_text(st, 0));
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
		for (int i = 0; i < n; i++) {
			json_t *in = json_pack("{s:s}", "community_code", codes[i]), *out = NULL;
			rc = gz_match_run(db, &sys, in, now, &out, err);
			json_decref(in);
			json_decref(out);
			if (rc < 0)
				return -1;
		}
	}
	int64_t next = now + (every > 0 ? every : 1) * 3600000LL;
	if (gz_db_begin(db, err) < 0)
		return -1;
	if (gz_jobs_complete(db, job, err) < 0 ||
	    gz_jobs_enqueue(db, RUNS_KEY, NULL, next, RUNS_KEY, err) < 0 ||
	    gz_db_commit(db, err) < 0) {
		gz_db_rollback(db);
		return -1;
	}
	if (n)
		gz_log_info("matching: %d scheduled runs", n);
	return 0;
}

const gz_job_kind gz_match_job_kinds[] = {
    {SWEEP_KEY, sweep, {.max_attempts = 100, .lease_ms = 60000}},
    {RUNS_KEY, runs, {.max_attempts = 100, .lease_ms = 300000}},
    {0},
};
