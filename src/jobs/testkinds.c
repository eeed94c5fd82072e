/* Job kinds for the test suite (tests/api/jobs.test.mjs), registered only when
 * GONGZHI_TEST_JOBS=1. Each run appends one JSON line to the file named by
 * GONGZHI_TEST_JOBS_LOG — {"event","job","attempt","worker","pid","at"} — written with
 * one write() on an O_APPEND descriptor, so lines of several processes never mix.
 *
 *   test.record  {"ms": N?}        sleeps N ms (default 0), logs "run", then marks
 *                                  itself done in a transaction (gz_jobs_complete)
 *   test.sleep   {"ms": N}         logs "start", sleeps N ms, logs "end"; 2 s lease
 *                                  (renewed while it sleeps), 3 attempts
 *   test.fail    {"message": S?}   logs "run" and fails with S; retried after 300 ms,
 *                                  600 ms, ...
 */
#include "jobs/jobs.h"
#include "core/time.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void log_event(const gz_job *job, const char *event)
{
	const char *path = getenv("GONGZHI_TEST_JOBS_LOG");
	if (!path || !*path)
		return;
	char line[512];
	int n = snprintf(line, sizeof line,
	                 "{\"event\":\"%s\",\"kind\":\"%s\",\"job\":\"%lld\",\"attempt\":%d,"
	                 "\"worker\":\"%s\",\"pid\":%d,\"at\":%lld}\n",
	                 event, job->kind, (long long)job->id, job->attempt, job->worker,
	                 (int)getpid(), (long long)gz_time_now_ms());
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)n) != n) {
		/* Nothing to do: the test will see the line missing. */
	}
	close(fd);
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) != 0)
		;
}

static int64_t payload_ms(const gz_job *job)
{
	json_t *v = json_object_get(job->payload, "ms");
	json_int_t ms = json_is_integer(v) ? json_integer_value(v) : 0;
	return ms < 0 ? 0 : ms > 600000 ? 600000 : ms;
}

static int run_record(gz_db *db, gz_job *job, gz_err *err)
{
	sleep_ms(payload_ms(job));
	log_event(job, "run");
	if (gz_db_begin(db, err) < 0)
		return -1;
	if (gz_jobs_complete(db, job, err) < 0 || gz_db_commit(db, err) < 0) {
		gz_db_rollback(db);
		return -1;
	}
	return 0;
}

static int run_sleep(gz_db *db, gz_job *job, gz_err *err)
{
	(void)db, (void)err;
	log_event(job, "start");
	sleep_ms(payload_ms(job));
	log_event(job, "end");
	return 0;
}

static int run_fail(gz_db *db, gz_job *job, gz_err *err)
{
	(void)db;
	log_event(job, "run");
	const char *m = json_string_value(json_object_get(job->payload, "message"));
	return gz_err_set(err, GZ_EUNAVAILABLE, "test_failure", "%s", m ? m : "test failure");
}

void gz_jobs_register_test_kinds(void)
{
	const char *on = getenv("GONGZHI_TEST_JOBS");
	if (!on || strcmp(on, "1") != 0)
		return;
	gz_jobs_register(&(gz_job_kind){.name = "test.record", .run = run_record});
	gz_jobs_register(
	    &(gz_job_kind){.name = "test.sleep",
	                   .run = run_sleep,
	                   .policy = {.max_attempts = 3, .backoff_ms = 200, .lease_ms = 2000}});
	gz_jobs_register(
	    &(gz_job_kind){.name = "test.fail",
	                   .run = run_fail,
	                   .policy = {.max_attempts = 3, .backoff_ms = 300, .lease_ms = 5000}});
}
