/* The deadline job (`case.deadlines`): marks the cases whose current step is past its
 * deadline (overdue, with a timeline event, reminding whoever must act), and escalates to the
 * street (吹哨) those whose category says so once the step is overdue by escalate_after_hours — as
 * the system, through the same table and action code as everyone else.
 *
 * One sweep job, seeded by migration 0003 and re-enqueued by each run in the transaction
 * that completes it (gz_jobs_complete: the marks, events, audit rows, its completion and
 * the next sweep commit together or not at all). The dedupe key keeps one sweep queued or
 * running at a time across processes; the claim gives it to one worker; a sweep that dies
 * mid-run is taken again after its lease and finds only what is still unmarked (every
 * mark is guarded by the case's version and `overdue = 0`). So it is idempotent, survives
 * restarts, and runs in exactly one process. Every GONGZHI_CASE_SWEEP_S seconds (default
 * 60), at once while a batch was full. */
#include "modules/cases/cases_internal.h"
#include "api/common.h"
#include "core/log.h"
#include "core/time.h"
#include "jobs/jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SWEEP_BATCH 200
#define SWEEP_KEY   "case.deadlines"

static int64_t sweep_interval_ms(void)
{
	const char *s = getenv("GONGZHI_CASE_SWEEP_S");
	long v = s ? strtol(s, NULL, 10) : 60;
	return (v < 1 || v > 3600 ? 60 : v) * 1000LL;
}

/* Ids of the cases of a query taking $1 = now, at most SWEEP_BATCH. */
static int ids_of(gz_db *db, const char *sql, int64_t now, int64_t *ids, int *n, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, sql, err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, now);
	int rc;
	*n = 0;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW && *n < SWEEP_BATCH)
		ids[(*n)++] = gz_stmt_int64(st, 0);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* Marks case id overdue: 1 marked, 0 nothing to do, -1 error. */
static int mark(gz_db *db, const gz_actor *sys, gz_arena *A, int64_t id, int64_t now, gz_err *err)
{
	case_row c;
	int rc = case_load(db, A, id, &c, err);
	if (rc <= 0 || c.overdue || !c.step_due_at || c.step_due_at >= now)
		return rc < 0 ? -1 : 0;
	case_step step = case_step_of(c.state);
	c.overdue = c.ever_overdue = true;
	json_t *d = json_pack("{s:s,s:o}", "step", case_step_code(step), "step_due_at",
	                      gz_api_time_json(c.step_due_at));
	rc = case_save(db, &c, now, err);
	if (rc == 0)
		rc = case_event_add(db, sys, &c, "overdue", c.state, c.state, CR_SYSTEM, 0, 0,
		                    case_step_label(step), d, now, err);
	if (rc == 0)
		rc = case_audit(sys, db, "case.overdue", c.id, c.grid, d, err);
	if (rc == 0)
		rc = case_notify_overdue(db, sys, A, &c, err);
	json_decref(d);
	return rc < 0 ? -1 : 1;
}

/* Escalates case id to the street as the system. */
static int escalate(gz_db *db, const gz_actor *sys, gz_arena *A, int64_t id, int64_t now,
                    gz_err *err)
{
	case_row c;
	int rc = case_load(db, A, id, &c, err);
	if (rc <= 0)
		return rc;
	case_act_body b = {.action = CA_ESCALATE,
	                   .in = {.satisfaction = CASE_SAT_NONE, .resolved = -1},
	                   .request_type = -1};
	b.in.note = gz_arena_printf(A, "%s超过时限，按类别规则自动吹哨至街道",
	                            case_step_label(case_step_of(c.state)));
	return case_act_loaded(db, sys, A, &c, &b, CR_SYSTEM, now, err) < 0 ? -1 : 1;
}

static int sweep(gz_db *db, gz_job *job, gz_err *err)
{
	int64_t now = gz_time_now_ms();
	gz_actor sys;
	gz_actor_operator(&sys);
	snprintf(sys.username, sizeof sys.username, "system");
	snprintf(sys.request_id, sizeof sys.request_id, "job-%lld", (long long)job->id);
	gz_arena A = {0};
	int64_t ids[SWEEP_BATCH];
	int n = 0, marked = 0, escalated = 0;
	bool full = false;
	if (gz_db_begin(db, err) < 0)
		goto fail;
	if (ids_of(db,
	           "SELECT id FROM cases WHERE overdue = 0 AND step_due_at IS NOT NULL AND "
	           "step_due_at < $1 ORDER BY step_due_at LIMIT 200",
	           now, ids, &n, err) < 0)
		goto rollback;
	full = n == SWEEP_BATCH;
	for (int i = 0; i < n; i++) {
		int rc = mark(db, &sys, &A, ids[i], now, err);
		if (rc < 0)
			goto rollback;
		marked += rc;
	}
	/* Automatic 吹哨: the category's rule, in the states the table lets the system
	 * escalate from. */
	if (ids_of(db,
	           "SELECT c.id FROM cases c JOIN case_categories k ON k.id = c.category_id WHERE "
	           "c.overdue = 1 AND c.escalated = 0 AND c.state IN ('accepted', 'dispatched', "
	           "'signed') AND k.escalate_after_hours IS NOT NULL AND c.step_due_at + "
	           "k.escalate_after_hours * 3600000 < $1 ORDER BY c.step_due_at LIMIT 200",
	           now, ids, &n, err) < 0)
		goto rollback;
	full |= n == SWEEP_BATCH;
	for (int i = 0; i < n; i++) {
		int rc = escalate(db, &sys, &A, ids[i], now, err);
		if (rc < 0)
			goto rollback;
		escalated += rc;
	}
	/* Done, and the next sweep, with the marks. */
	if (gz_jobs_complete(db, job, err) < 0 ||
	    gz_jobs_enqueue(db, SWEEP_KEY, NULL, full ? now : now + sweep_interval_ms(), SWEEP_KEY,
	                    err) < 0 ||
	    gz_db_commit(db, err) < 0)
		goto rollback;
	if (marked || escalated)
		gz_log_info("cases: %d overdue, %d escalated", marked, escalated);
	gz_arena_free(&A);
	return 0;
rollback:
	gz_db_rollback(db);
fail:
	gz_arena_free(&A);
	return -1;
}

const gz_job_kind gz_cases_job_kinds[] = {
    {SWEEP_KEY, sweep, {.max_attempts = 100, .lease_ms = 60000}},
    {0},
};
