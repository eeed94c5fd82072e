/* The jobs module: background jobs shown to administrators, their figures in /metrics,
 * and `gongzhi jobs`. The engine (table, workers, leases) is src/jobs/jobs.h; the jobs
 * table is a core migration (src/db/migrations/0008_jobs.sql) because every module may
 * enqueue jobs.
 *
 * GET /api/v1/jobs       newest first; filters state, kind; ?limit= and ?cursor= as
 *                        every list (the cursor is the id of the last job shown)
 * GET /api/v1/jobs/{id}  one job
 *
 * Jobs are operations data of the whole platform: only a holder of probe admin at the
 * whole system ("" — system_admin) sees them; everyone else logged in gets 403.
 * A job's payload holds record ids, never personal data (src/jobs/jobs.h). */
#include "api/auth.h"
#include "api/common.h"
#include "cli/cli.h"
#include "http/metrics.h"
#include "jobs/jobs.h"
#include "modules/module.h"
#include "modules/system/system.h"

#include <string.h>

static int jobs_reader(gz_req *r, gz_err *err)
{
	if (!gz_auth_user(r, err))
		return -1;
	if (gz_auth_check(r, ACT_ADMIN, RES_PROBE, "", err) == 0)
		return 0;
	return gz_err_set(err, GZ_EFORBIDDEN, "forbidden", "只有系统管理员可以查看后台任务");
}

static json_t *time_or_null(int64_t ms)
{
	return ms ? gz_api_time_json(ms) : json_null();
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *job_json(const gz_job_info *j)
{
	json_error_t je;
	json_t *payload = json_loads(j->payload, 0, &je);
	json_t *o = json_object();
	json_object_set_new(o, "id", gz_api_id_json(j->id));
	json_object_set_new(o, "kind", json_string(j->kind));
	json_object_set_new(o, "state", json_string(j->state));
	json_object_set_new(o, "payload", payload ? payload : json_object());
	json_object_set_new(o, "attempts", json_integer(j->attempts));
	json_object_set_new(o, "max_attempts", json_integer(j->max_attempts));
	json_object_set_new(o, "run_at", gz_api_time_json(j->run_at));
	json_object_set_new(o, "lease_until", time_or_null(j->lease_until));
	json_object_set_new(o, "locked_by", str_or_null(j->locked_by));
	json_object_set_new(o, "last_error", str_or_null(j->last_error));
	json_object_set_new(o, "dedupe_key", str_or_null(j->dedupe_key));
	json_object_set_new(o, "created_at", gz_api_time_json(j->created_at));
	json_object_set_new(o, "started_at", time_or_null(j->started_at));
	json_object_set_new(o, "finished_at", time_or_null(j->finished_at));
	return o;
}

typedef struct {
	json_t *items;
	int64_t last_id;
	int n, limit;
	bool more;
} page_t;

static int add_item(void *ctx, const gz_job_info *j)
{
	page_t *p = ctx;
	if (p->n == p->limit) {
		p->more = true;
		return 1;
	}
	json_array_append_new(p->items, job_json(j));
	p->last_id = j->id;
	p->n++;
	return 0;
}

static int set_item(void *ctx, const gz_job_info *j)
{
	*(json_t **)ctx = job_json(j);
	return 1;
}

static int filter_query(gz_req *r, const char *name, const char **out, gz_err *err)
{
	const char *v = gz_req_query(r, name);
	*out = v && *v ? v : NULL;
	if (!*out)
		return 0;
	if (!strcmp(name, "state") ? job_state_parse(*out) < 0 : strlen(*out) > 64) {
		gz_err_set(err, GZ_EBADREQ, "bad_query", "查询参数 %s 无效", name);
		gz_err_field(err, name,
		             !strcmp(name, "state")
		                 ? "应为 queued、running、done、failed 或 cancelled"
		                 : "最多 64 字节");
		return -1;
	}
	return 0;
}

static void jobs_list(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const char *state, *kind;
	int limit;
	int64_t after;
	gz_db *db;
	if (jobs_reader(r, &err) < 0 || gz_req_list_params(r, &limit, &after, &err) < 0 ||
	    filter_query(r, "state", &state, &err) < 0 ||
	    filter_query(r, "kind", &kind, &err) < 0 || !(db = gz_req_db(r, &err))) {
		gz_reply_err(r, &err);
		return;
	}
	page_t p = {.items = json_array(), .limit = limit};
	if (gz_jobs_list(db, state, kind, after, limit + 1, add_item, &p, &err) < 0) {
		json_decref(p.items);
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_json(r, 200, gz_list_json(r, p.items, p.more ? p.last_id : 0));
}

static void jobs_get(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	gz_db *db;
	if (jobs_reader(r, &err) < 0 || !(db = gz_req_db(r, &err))) {
		gz_reply_err(r, &err);
		return;
	}
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	json_t *job = NULL;
	int rc = id ? gz_jobs_get(db, id, set_item, &job, &err) : 0;
	if (rc < 0) {
		gz_reply_err(r, &err);
		return;
	}
	if (!job) {
		gz_reply_error(r, GZ_ENOTFOUND, "not_found", "没有这个任务");
		return;
	}
	gz_reply_json(r, 200, job);
}

/* The queue is database-wide (every process reports the same figures, refreshed every
 * few seconds); workers and run times are this process's. */
static void jobs_metrics(gz_metrics_out *o)
{
	gz_jobs_queue q;
	gz_jobs_queue_stats(&q);
	if (q.valid) {
		gz_metrics_printf(o,
		                  "# HELP gongzhi_jobs Background jobs in the database, by state.\n"
		                  "# TYPE gongzhi_jobs gauge\n"
		                  "gongzhi_jobs{state=\"queued\"} %lld\n"
		                  "gongzhi_jobs{state=\"running\"} %lld\n"
		                  "gongzhi_jobs{state=\"failed\"} %lld\n"
		                  "# HELP gongzhi_jobs_due Queued jobs whose time has come.\n"
		                  "# TYPE gongzhi_jobs_due gauge\ngongzhi_jobs_due %lld\n"
		                  "# HELP gongzhi_jobs_oldest_due_seconds How long the oldest due "
		                  "job has waited.\n# TYPE gongzhi_jobs_oldest_due_seconds gauge\n"
		                  "gongzhi_jobs_oldest_due_seconds %.3f\n",
		                  (long long)q.queued, (long long)q.running, (long long)q.failed,
		                  (long long)q.due, (double)q.oldest_due_ms / 1000);
	}
	int busy, total;
	gz_jobs_worker_stats(&busy, &total);
	gz_metrics_printf(o,
	                  "# HELP gongzhi_job_workers Job worker threads of this process.\n"
	                  "# TYPE gongzhi_job_workers gauge\ngongzhi_job_workers %d\n"
	                  "# HELP gongzhi_job_workers_busy Job workers running a job now.\n"
	                  "# TYPE gongzhi_job_workers_busy gauge\ngongzhi_job_workers_busy %d\n",
	                  total, busy);
	gz_metrics_printf(o, "# HELP gongzhi_job_runs_total Job runs in this process, by kind "
	                     "and outcome.\n# TYPE gongzhi_job_runs_total counter\n");
	for (int i = 0; i < gz_jobs_kind_count(); i++) {
		gz_jobs_kind_stats s;
		gz_jobs_kind_stats_get(i, &s);
		const char *k = gz_jobs_kind_at(i)->name;
		gz_metrics_printf(o,
		                  "gongzhi_job_runs_total{kind=\"%s\",outcome=\"done\"} %llu\n"
		                  "gongzhi_job_runs_total{kind=\"%s\",outcome=\"retry\"} %llu\n"
		                  "gongzhi_job_runs_total{kind=\"%s\",outcome=\"failed\"} %llu\n",
		                  k, (unsigned long long)s.done, k, (unsigned long long)s.retried,
		                  k, (unsigned long long)s.failed);
	}
	gz_metrics_printf(o, "# HELP gongzhi_job_run_seconds Time a job's handler ran, by kind.\n"
	                     "# TYPE gongzhi_job_run_seconds histogram\n");
	for (int i = 0; i < gz_jobs_kind_count(); i++) {
		gz_jobs_kind_stats s;
		gz_jobs_kind_stats_get(i, &s);
		const char *k = gz_jobs_kind_at(i)->name;
		uint64_t cum = 0;
		for (int b = 0; b < GZ_JOBS_NBUCKET; b++) {
			cum += s.buckets[b];
			gz_metrics_printf(
			    o, "gongzhi_job_run_seconds_bucket{kind=\"%s\",le=\"%g\"} %llu\n", k,
			    gz_jobs_buckets[b], (unsigned long long)cum);
		}
		gz_metrics_printf(o,
		                  "gongzhi_job_run_seconds_bucket{kind=\"%s\",le=\"+Inf\"} %llu\n"
		                  "gongzhi_job_run_seconds_sum{kind=\"%s\"} %.6f\n"
		                  "gongzhi_job_run_seconds_count{kind=\"%s\"} %llu\n",
		                  k, (unsigned long long)s.count, k, s.sum_s, k,
		                  (unsigned long long)s.count);
	}
}

static void init(void)
{
	gz_metrics_add_section(jobs_metrics);
	/* Kinds only the test suite uses, when GONGZHI_TEST_JOBS=1. */
	gz_jobs_register_test_kinds();
}

static const gz_module_route job_routes[] = {
    {"GET", "/api/v1/jobs", jobs_list, 0, 0},
    {"GET", "/api/v1/jobs/{id}", jobs_get, 0, 0},
    {0},
};

static const gz_module_command commands[] = {
    {"jobs", "queue and list background jobs", gz_cli_jobs_usage, gz_cli_jobs},
    {0},
};

static const gz_module_route *const routes[] = {job_routes, NULL};

const gz_module gz_module_jobs = {
    .name = "jobs",
    .routes = routes,
    .commands = commands,
    .init = init,
};
