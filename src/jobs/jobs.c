/* Job kinds, enqueue, cancel, completion in the handler's transaction, and the reads
 * for admins (jobs.h). The worker threads are worker.c. */
#include "jobs/internal.h"
#include "core/log.h"
#include "core/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PAYLOAD  65536
#define MAX_DEDUPE   200
#define MAX_KIND_LEN 64

static gz_job_kind kinds[GZ_JOBS_MAX_KINDS];
static int nkinds;

static bool kind_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 1 || n > MAX_KIND_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		      s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

void gz_jobs_register(const gz_job_kind *k)
{
	if (!k || !kind_name_ok(k->name) || !k->run || gz_jobs_kind(k->name) ||
	    nkinds >= GZ_JOBS_MAX_KINDS) {
		gz_log_error("gz_jobs_register: bad, duplicate or one kind too many: %s",
		             k && k->name ? k->name : "(null)");
		abort();
	}
	kinds[nkinds] = *k;
	kinds[nkinds].policy = job_policy_resolve(k->policy);
	nkinds++;
}

int gz_jobs_kind_index(const char *name)
{
	for (int i = 0; name && i < nkinds; i++)
		if (!strcmp(kinds[i].name, name))
			return i;
	return -1;
}

const gz_job_kind *gz_jobs_kind(const char *name)
{
	int i = gz_jobs_kind_index(name);
	return i < 0 ? NULL : &kinds[i];
}

int gz_jobs_kind_count(void)
{
	return nkinds;
}

const gz_job_kind *gz_jobs_kind_at(int i)
{
	return i >= 0 && i < nkinds ? &kinds[i] : NULL;
}

static int invalid(gz_err *err, const char *field, const char *why)
{
	gz_err_set(err, GZ_EINVALID, "invalid_job", "任务参数无效");
	gz_err_field(err, field, "%s", why);
	return -1;
}

int64_t gz_jobs_enqueue_ex(gz_db *db, const char *kind, const gz_job_new *opt, gz_err *err)
{
	static const gz_job_new none = {0};
	if (!opt)
		opt = &none;
	const gz_job_kind *k = gz_jobs_kind(kind);
	if (!k) {
		gz_err_set(err, GZ_EINVALID, "unknown_job_kind", "没有这种任务：%s",
		           kind_name_ok(kind) ? kind : "?");
		gz_err_field(err, "kind", "未注册的任务类型");
		return -1;
	}
	if (opt->payload && !json_is_object(opt->payload))
		return invalid(err, "payload", "应为 JSON 对象");
	if (opt->dedupe_key && (!*opt->dedupe_key || strlen(opt->dedupe_key) > MAX_DEDUPE))
		return invalid(err, "dedupe_key", "应为 1..200 字节");
	int max_attempts = opt->max_attempts ? opt->max_attempts : k->policy.max_attempts;
	if (max_attempts < 1 || max_attempts > JOB_MAX_ATTEMPTS_LIMIT)
		return invalid(err, "max_attempts", "应为 1..100");
	char *payload =
	    opt->payload ? json_dumps(opt->payload, JSON_COMPACT | JSON_SORT_KEYS) : strdup("{}");
	if (!payload || strlen(payload) > MAX_PAYLOAD) {
		free(payload);
		return invalid(err, "payload", "过大（最多 64 KiB）");
	}
	int64_t now = gz_time_now_ms(), id = 0;
	/* The partial unique index on dedupe_key (queued or running jobs) is the only one
	 * this INSERT can violate. */
	gz_stmt *st = gz_db_prepare(db,
	                            "INSERT INTO jobs (kind, payload, state, run_at, max_attempts, "
	                            "lease_ms, dedupe_key, created_at) "
	                            "VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7) "
	                            "ON CONFLICT DO NOTHING RETURNING id",
	                            err);
	int rc = -1;
	if (st) {
		gz_stmt_bind_str(st, 1, k->name);
		gz_stmt_bind_str(st, 2, payload);
		gz_stmt_bind_int64(st, 3, opt->run_at > 0 ? opt->run_at : now);
		gz_stmt_bind_int64(st, 4, max_attempts);
		gz_stmt_bind_int64(st, 5, k->policy.lease_ms);
		gz_stmt_bind_str(st, 6, opt->dedupe_key);
		gz_stmt_bind_int64(st, 7, now);
		rc = gz_stmt_step_id(st, &id, err);
		gz_stmt_finish(st);
	}
	free(payload);
	if (rc < 0)
		return -1;
	if (!id && opt->dedupe_key) {
		/* Deduplicated: the job already waiting (or running) for this key. */
		if (gz_db_query_int64_text(db,
		                           "SELECT id FROM jobs WHERE dedupe_key = $1 "
		                           "AND state IN ('queued', 'running')",
		                           &id, err, opt->dedupe_key) < 0)
			return -1;
	}
	return id;
}

int64_t gz_jobs_enqueue(gz_db *db, const char *kind, const json_t *payload, int64_t run_at,
                        const char *dedupe_key, gz_err *err)
{
	gz_job_new o = {.payload = payload, .run_at = run_at, .dedupe_key = dedupe_key};
	return gz_jobs_enqueue_ex(db, kind, &o, err);
}

int gz_jobs_cancel(gz_db *db, const char *dedupe_key, gz_err *err)
{
	if (!dedupe_key || !*dedupe_key)
		return 0;
	gz_stmt *st = gz_db_prepare(db,
	                            "UPDATE jobs SET state = 'cancelled', finished_at = $2 "
	                            "WHERE dedupe_key = $1 AND state = 'queued'",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, dedupe_key);
	gz_stmt_bind_int64(st, 2, gz_time_now_ms());
	int rc = gz_stmt_step(st, err);
	int64_t n = gz_stmt_changes(st);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : (int)n;
}

int gz_jobs_complete(gz_db *db, gz_job *job, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "UPDATE jobs SET state = 'done', finished_at = $4, "
	                            "lease_until = NULL WHERE id = $1 AND state = 'running' "
	                            "AND locked_by = $2 AND attempts = $3",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, job->id);
	gz_stmt_bind_str(st, 2, job->worker);
	gz_stmt_bind_int64(st, 3, job->attempt);
	gz_stmt_bind_int64(st, 4, gz_time_now_ms());
	int rc = gz_stmt_step(st, err);
	int64_t n = gz_stmt_changes(st);
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	if (n != 1)
		return gz_err_set(err, GZ_ECONFLICT, "job_lease_lost",
		                  "任务 %lld 已由其他工作线程接手", (long long)job->id);
	job->completed = true;
	return 0;
}

static int64_t int_or_0(gz_stmt *st, int col)
{
	return gz_stmt_isnull(st, col) ? 0 : gz_stmt_int64(st, col);
}

static const char *text_or_null(gz_stmt *st, int col)
{
	return gz_stmt_isnull(st, col) ? NULL : gz_stmt_text(st, col);
}

/* Reads rows of GZ_JOBS_INFO_COLS, calling fn for each. Returns rows seen or -1. */
static int walk(gz_stmt *st, gz_job_info_fn fn, void *ctx, gz_err *err)
{
	int rc, n = 0;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		gz_job_info j = {
		    .id = gz_stmt_int64(st, 0),
		    .kind = gz_stmt_text(st, 1),
		    .payload = gz_stmt_text(st, 2),
		    .state = gz_stmt_text(st, 3),
		    .locked_by = text_or_null(st, 4),
		    .last_error = text_or_null(st, 5),
		    .dedupe_key = text_or_null(st, 6),
		    .attempts = (int)gz_stmt_int64(st, 7),
		    .max_attempts = (int)gz_stmt_int64(st, 8),
		    .run_at = gz_stmt_int64(st, 9),
		    .lease_until = int_or_0(st, 10),
		    .created_at = gz_stmt_int64(st, 11),
		    .started_at = int_or_0(st, 12),
		    .finished_at = int_or_0(st, 13),
		};
		n++;
		if (fn(ctx, &j))
			break;
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : n;
}

int gz_jobs_list(gz_db *db, const char *state, const char *kind, int64_t before, int limit,
                 gz_job_info_fn fn, void *ctx, gz_err *err)
{
	/* One statement per filter combination, so each has a plain plan on its index. */
	static const char *const sql[2][2] = {
	    {"SELECT " GZ_JOBS_INFO_COLS " FROM jobs WHERE id < $1 ORDER BY id DESC LIMIT $2",
	     "SELECT " GZ_JOBS_INFO_COLS " FROM jobs WHERE id < $1 AND kind = $3 "
	     "ORDER BY id DESC LIMIT $2"},
	    {"SELECT " GZ_JOBS_INFO_COLS " FROM jobs WHERE id < $1 AND state = $3 "
	     "ORDER BY id DESC LIMIT $2",
	     "SELECT " GZ_JOBS_INFO_COLS " FROM jobs WHERE id < $1 AND state = $3 AND kind = $4 "
	     "ORDER BY id DESC LIMIT $2"},
	};
	gz_stmt *st = gz_db_prepare(db, sql[state != NULL][kind != NULL], err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, before > 0 ? before : INT64_MAX);
	gz_stmt_bind_int64(st, 2, limit);
	/* Parameters are numbered without gaps (PostgreSQL must infer each one's type). */
	int next = 3;
	if (state)
		gz_stmt_bind_str(st, next++, state);
	if (kind)
		gz_stmt_bind_str(st, next, kind);
	return walk(st, fn, ctx, err);
}

int gz_jobs_get(gz_db *db, int64_t id, gz_job_info_fn fn, void *ctx, gz_err *err)
{
	gz_stmt *st =
	    gz_db_prepare(db, "SELECT " GZ_JOBS_INFO_COLS " FROM jobs WHERE id = $1", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	return walk(st, fn, ctx, err);
}
