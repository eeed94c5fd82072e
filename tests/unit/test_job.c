/* Unit tests for domain/job.c (states, outcomes, retry delays) and for the storage
 * rules of src/jobs/ on SQLite in ":memory:": enqueue and its dedupe key, cancel, the
 * claim, the guard that keeps a worker that lost its lease from overwriting the
 * result, and expired leases. worker.c is included to reach its static claim/finish. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../src/jobs/worker.c"

#include "core/time.h"
#include "domain/job.h"
#include "jobs/jobs.h"

#include <string.h>

/* ---- Pure rules ---- */

static void test_job_state_names_round_trip(void **state)
{
	(void)state;
	for (int s = 0; s < JOB__STATES; s++)
		assert_int_equal(job_state_parse(job_state_name((job_state)s)), s);
	assert_int_equal(job_state_parse("Queued"), -1);
	assert_int_equal(job_state_parse(""), -1);
	assert_int_equal(job_state_parse(NULL), -1);
	assert_string_equal(job_state_name((job_state)99), "unknown");
}

static void test_job_final_states_are_done_failed_cancelled(void **state)
{
	(void)state;
	assert_false(job_state_final(JOB_QUEUED));
	assert_false(job_state_final(JOB_RUNNING));
	assert_true(job_state_final(JOB_DONE));
	assert_true(job_state_final(JOB_FAILED));
	assert_true(job_state_final(JOB_CANCELLED));
}

static void test_job_policy_defaults_fill_zero_fields(void **state)
{
	(void)state;
	job_policy p = job_policy_resolve((job_policy){0});
	assert_int_equal(p.max_attempts, JOB_DEFAULT_MAX_ATTEMPTS);
	assert_int_equal(p.backoff_ms, JOB_DEFAULT_BACKOFF_MS);
	assert_int_equal(p.backoff_max_ms, JOB_DEFAULT_BACKOFF_MAX);
	assert_int_equal(p.lease_ms, JOB_DEFAULT_LEASE_MS);
	p = job_policy_resolve((job_policy){
	    .max_attempts = 1000, .backoff_ms = 5000, .backoff_max_ms = 10, .lease_ms = 3});
	assert_int_equal(p.max_attempts, JOB_MAX_ATTEMPTS_LIMIT);
	assert_int_equal(p.backoff_max_ms, 5000); /* never below the first delay */
	assert_int_equal(p.lease_ms, 1000);       /* renewing every third needs room */
}

static void test_job_backoff_doubles_from_base_with_at_most_a_tenth_jitter(void **state)
{
	(void)state;
	job_policy p = job_policy_resolve((job_policy){.backoff_ms = 30000});
	int64_t base[] = {30000, 60000, 120000, 240000, 480000, 960000, 1920000, 3600000, 3600000};
	for (int64_t id = 1; id < 200; id += 7)
		for (int a = 1; a <= 9; a++) {
			int64_t d = job_backoff_ms(&p, a, id);
			assert_true(d >= base[a - 1]);
			assert_true(d <= base[a - 1] + base[a - 1] / 10);
			assert_int_equal(job_backoff_ms(&p, a, id), d); /* same job, same delay */
		}
}

static void test_job_backoff_spreads_jobs_that_failed_together(void **state)
{
	(void)state;
	job_policy p = job_policy_resolve((job_policy){.backoff_ms = 10000});
	int distinct = 0;
	int64_t prev = -1;
	for (int64_t id = 1; id <= 50; id++) {
		int64_t d = job_backoff_ms(&p, 1, id);
		distinct += d != prev;
		prev = d;
	}
	assert_true(distinct > 25);
}

static void test_job_backoff_never_overflows(void **state)
{
	(void)state;
	job_policy p = job_policy_resolve(
	    (job_policy){.backoff_ms = INT64_MAX / 4, .backoff_max_ms = INT64_MAX / 2});
	int64_t d = job_backoff_ms(&p, 100, 12345);
	assert_true(d >= INT64_MAX / 4);
	assert_true(d <= INT64_MAX / 2 + INT64_MAX / 20);
	job_policy q = job_policy_resolve((job_policy){.backoff_ms = 1});
	assert_true(job_backoff_ms(&q, 1000, 1) <= JOB_DEFAULT_BACKOFF_MAX * 11 / 10);
}

static void test_job_after_run_retries_until_attempts_are_used_up(void **state)
{
	(void)state;
	assert_int_equal(job_after_run(JOB_RUN_OK, 1, 3), JOB_DONE);
	assert_int_equal(job_after_run(JOB_RUN_OK, 3, 3), JOB_DONE);
	assert_int_equal(job_after_run(JOB_RUN_ERROR, 1, 3), JOB_QUEUED);
	assert_int_equal(job_after_run(JOB_RUN_ERROR, 2, 3), JOB_QUEUED);
	assert_int_equal(job_after_run(JOB_RUN_ERROR, 3, 3), JOB_FAILED);
	assert_int_equal(job_after_run(JOB_RUN_ERROR, 1, 1), JOB_FAILED);
	assert_int_equal(job_after_run(JOB_RUN_PERMANENT, 1, 5), JOB_FAILED);
}

static void test_job_expired_lease_is_reclaimed_only_with_attempts_left(void **state)
{
	(void)state;
	assert_true(job_reclaimable(1, 3));
	assert_true(job_reclaimable(2, 3));
	assert_false(job_reclaimable(3, 3));
}

/* ---- Storage on SQLite ---- */

static int ok_run(gz_db *db, gz_job *job, gz_err *err)
{
	(void)db, (void)job, (void)err;
	return 0;
}

static gz_db *mem_db(void)
{
	static bool registered;
	if (!registered) {
		gz_jobs_register(&(gz_job_kind){.name = "unit.ok",
		                                .run = ok_run,
		                                .policy = {.max_attempts = 2, .lease_ms = 5000}});
		registered = true;
	}
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_db_open("sqlite::memory:", &err);
	assert_non_null(db);
	assert_true(gz_db_migrate(db, &err) > 0);
	return db;
}

static int64_t q1(gz_db *db, const char *sql, int64_t id)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t v = -1;
	assert_int_equal(gz_db_query_int64(db, sql, &v, &err, 1, id), 1);
	return v;
}

static void test_jobs_enqueue_with_a_held_key_returns_the_same_job(void **state)
{
	(void)state;
	gz_db *db = mem_db();
	gz_err err;
	gz_err_clear(&err);
	int64_t a = gz_jobs_enqueue(db, "unit.ok", NULL, 0, "case:1:deadline", &err);
	int64_t b = gz_jobs_enqueue(db, "unit.ok", NULL, 0, "case:1:deadline", &err);
	int64_t c = gz_jobs_enqueue(db, "unit.ok", NULL, 0, "case:2:deadline", &err);
	assert_true(a > 0);
	assert_int_equal(b, a);
	assert_true(c > 0 && c != a);
	assert_int_equal(q1(db, "SELECT COUNT(*) FROM jobs WHERE id > $1", 0), 2);
	/* Cancelled, the key is free again. */
	assert_int_equal(gz_jobs_cancel(db, "case:1:deadline", &err), 1);
	assert_int_equal(gz_jobs_cancel(db, "case:1:deadline", &err), 0);
	int64_t d = gz_jobs_enqueue(db, "unit.ok", NULL, 0, "case:1:deadline", &err);
	assert_true(d > c);
	gz_db_close(db);
}

static void test_jobs_enqueue_refuses_unknown_kinds_and_bad_payloads(void **state)
{
	(void)state;
	gz_db *db = mem_db();
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(gz_jobs_enqueue(db, "unit.nope", NULL, 0, NULL, &err), -1);
	assert_string_equal(err.code, "unknown_job_kind");
	gz_err_clear(&err);
	json_t *arr = json_array();
	assert_int_equal(gz_jobs_enqueue(db, "unit.ok", arr, 0, NULL, &err), -1);
	assert_string_equal(err.code, "invalid_job");
	json_decref(arr);
	gz_err_clear(&err);
	gz_job_new o = {.max_attempts = 101};
	assert_int_equal(gz_jobs_enqueue_ex(db, "unit.ok", &o, &err), -1);
	assert_string_equal(err.fields[0].name, "max_attempts");
	assert_int_equal(q1(db, "SELECT COUNT(*) FROM jobs WHERE id > $1", 0), 0);
	gz_db_close(db);
}

static void test_jobs_claim_takes_due_jobs_once_in_run_at_order(void **state)
{
	(void)state;
	gz_db *db = mem_db();
	gz_err err;
	gz_err_clear(&err);
	int64_t now = gz_time_now_ms();
	int64_t later = gz_jobs_enqueue(db, "unit.ok", NULL, now + 3600000, NULL, &err);
	int64_t second = gz_jobs_enqueue(db, "unit.ok", NULL, now - 1000, NULL, &err);
	int64_t first = gz_jobs_enqueue(db, "unit.ok", NULL, now - 2000, NULL, &err);
	assert_true(later > 0 && second > 0 && first > 0);
	claimed_t c1 = {0}, c2 = {0}, c3 = {0};
	assert_int_equal(claim(db, "w-a", &c1, &err), 1);
	assert_int_equal(claim(db, "w-b", &c2, &err), 1);
	assert_int_equal(claim(db, "w-c", &c3, &err), 0); /* the third is not due */
	assert_int_equal(c1.id, first);
	assert_int_equal(c2.id, second);
	assert_int_equal(c1.attempt, 1);
	assert_int_equal(c1.lease_ms, 5000);
	assert_int_equal(q1(db, "SELECT COUNT(*) FROM jobs WHERE state = 'running' AND id > $1", 0),
	                 2);
	free(c1.payload);
	free(c2.payload);
	gz_db_close(db);
}

static void test_jobs_a_worker_that_lost_its_lease_cannot_record_an_outcome(void **state)
{
	(void)state;
	gz_db *db = mem_db();
	gz_err err;
	gz_err_clear(&err);
	int64_t id = gz_jobs_enqueue(db, "unit.ok", NULL, 0, NULL, &err);
	claimed_t a = {0}, b = {0};
	assert_int_equal(claim(db, "w-a", &a, &err), 1);
	/* w-a stalls past its lease; w-b takes the job over. */
	char sql[128];
	snprintf(sql, sizeof sql, "UPDATE jobs SET lease_until = 1 WHERE id = %lld", (long long)id);
	assert_int_equal(gz_db_exec(db, sql, &err), 0);
	assert_int_equal(claim(db, "w-b", &b, &err), 1);
	assert_int_equal(b.id, id);
	assert_int_equal(b.attempt, 2);
	/* w-a wakes up: neither its outcome nor an in-transaction completion counts. */
	assert_int_equal(finish(db, "w-a", &a, JOB_FAILED, 0, "late", &err), 0);
	gz_job ja = {.id = id, .kind = "unit.ok", .attempt = a.attempt, .worker = "w-a"};
	assert_int_equal(gz_jobs_complete(db, &ja, &err), -1);
	assert_string_equal(err.code, "job_lease_lost");
	assert_false(ja.completed);
	/* w-b's completion does. */
	gz_job jb = {.id = id, .kind = "unit.ok", .attempt = b.attempt, .worker = "w-b"};
	gz_err_clear(&err);
	assert_int_equal(gz_jobs_complete(db, &jb, &err), 0);
	assert_true(jb.completed);
	assert_int_equal(q1(db, "SELECT COUNT(*) FROM jobs WHERE state = 'done' AND id = $1", id),
	                 1);
	assert_int_equal(q1(db, "SELECT attempts FROM jobs WHERE id = $1", id), 2);
	free(a.payload);
	free(b.payload);
	gz_db_close(db);
}

static void test_jobs_expired_lease_without_attempts_left_fails_the_job(void **state)
{
	(void)state;
	gz_db *db = mem_db();
	gz_err err;
	gz_err_clear(&err);
	int64_t id = gz_jobs_enqueue(db, "unit.ok", NULL, 0, NULL, &err); /* 2 attempts */
	claimed_t c = {0};
	char sql[128];
	snprintf(sql, sizeof sql, "UPDATE jobs SET lease_until = 1 WHERE id = %lld", (long long)id);
	for (int i = 1; i <= 2; i++) {
		assert_int_equal(claim(db, "w-dies", &c, &err), 1);
		assert_int_equal(c.attempt, i);
		free(c.payload);
		assert_int_equal(gz_db_exec(db, sql, &err), 0);
	}
	/* Both attempts died with their worker: nothing to claim, the job fails. */
	assert_int_equal(claim(db, "w-next", &c, &err), 0);
	fail_expired(db);
	assert_int_equal(q1(db, "SELECT COUNT(*) FROM jobs WHERE state = 'failed' AND id = $1", id),
	                 1);
	gz_db_close(db);
}

static void test_jobs_retry_requeues_with_the_error_and_a_later_run_at(void **state)
{
	(void)state;
	gz_db *db = mem_db();
	gz_err err;
	gz_err_clear(&err);
	int64_t id = gz_jobs_enqueue(db, "unit.ok", NULL, 0, NULL, &err);
	claimed_t c = {0};
	assert_int_equal(claim(db, "w", &c, &err), 1);
	int64_t at = gz_time_now_ms() + 60000;
	assert_int_equal(finish(db, "w", &c, JOB_QUEUED, at, "peer_down: 503", &err), 1);
	assert_int_equal(q1(db, "SELECT run_at FROM jobs WHERE id = $1", id), at);
	assert_int_equal(q1(db,
	                    "SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND "
	                    "last_error = 'peer_down: 503' AND lease_until IS NULL AND id = $1",
	                    id),
	                 1);
	claimed_t none = {0};
	assert_int_equal(claim(db, "w", &none, &err), 0); /* not before its time */
	free(c.payload);
	gz_db_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_job_state_names_round_trip),
	    cmocka_unit_test(test_job_final_states_are_done_failed_cancelled),
	    cmocka_unit_test(test_job_policy_defaults_fill_zero_fields),
	    cmocka_unit_test(test_job_backoff_doubles_from_base_with_at_most_a_tenth_jitter),
	    cmocka_unit_test(test_job_backoff_spreads_jobs_that_failed_together),
	    cmocka_unit_test(test_job_backoff_never_overflows),
	    cmocka_unit_test(test_job_after_run_retries_until_attempts_are_used_up),
	    cmocka_unit_test(test_job_expired_lease_is_reclaimed_only_with_attempts_left),
	    cmocka_unit_test(test_jobs_enqueue_with_a_held_key_returns_the_same_job),
	    cmocka_unit_test(test_jobs_enqueue_refuses_unknown_kinds_and_bad_payloads),
	    cmocka_unit_test(test_jobs_claim_takes_due_jobs_once_in_run_at_order),
	    cmocka_unit_test(test_jobs_a_worker_that_lost_its_lease_cannot_record_an_outcome),
	    cmocka_unit_test(test_jobs_expired_lease_without_attempts_left_fails_the_job),
	    cmocka_unit_test(test_jobs_retry_requeues_with_the_error_and_a_later_run_at),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
