/* gongzhi jobs enqueue|list|kinds: background jobs from the command line (jobs.h).
 * Enqueues are audited as "job.enqueue" by "cli", in the transaction of the job. */
#include "api/auth.h"
#include "cli/cli.h"
#include "core/time.h"
#include "db/db.h"
#include "jobs/jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char gz_cli_jobs_usage[] =
    "gongzhi jobs enqueue KIND [--payload JSON | --payloads FILE|-] [--at RFC3339 | --in SECONDS]\n"
    "                          [--dedupe KEY] [--max-attempts N]\n"
    "  Queues a job of a registered kind (see 'gongzhi jobs kinds'); prints its id.\n"
    "  --payloads reads one JSON object per line and queues one job per line, all in one\n"
    "  transaction. A --dedupe KEY held by a queued or running job adds nothing and\n"
    "  prints that job's id. The workers of 'gongzhi serve' run it when it is due.\n"
    "gongzhi jobs list [--state queued|running|done|failed|cancelled] [--kind KIND]\n"
    "                  [--limit N]\n"
    "  Newest first (default 50): id, state, kind, attempts, run time, last error.\n"
    "gongzhi jobs kinds\n"
    "  The job kinds this binary knows, with their attempts, backoff and lease.\n";

static const char *arg_value(int argc, char **argv, int *i, const char *flag)
{
	size_t n = strlen(flag);
	if (strncmp(argv[*i], flag, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

static int usage_error(const char *what)
{
	fprintf(stderr, "gongzhi jobs: %s (see 'gongzhi jobs --help')\n", what);
	return 2;
}

/* Queues one job and its audit row in the open transaction. */
static int enqueue_one(gz_db *db, const char *kind, const char *text, const gz_job_new *base,
                       gz_err *err)
{
	json_error_t je;
	json_t *payload = text ? json_loads(text, 0, &je) : NULL;
	if (text && !json_is_object(payload)) {
		json_decref(payload);
		gz_err_set(err, GZ_EINVALID, "invalid_job", "payload is not a JSON object: %s",
		           text);
		return -1;
	}
	gz_job_new o = *base;
	o.payload = payload;
	int64_t id = gz_jobs_enqueue_ex(db, kind, &o, err);
	json_decref(payload);
	if (id < 0)
		return -1;
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	json_t *detail = json_pack("{s:s}", "kind", kind);
	gz_actor op;
	gz_actor_operator(&op);
	int rc = gz_audit(&op, db, "job.enqueue", "job", ids, "", detail, err);
	json_decref(detail);
	if (rc < 0)
		return -1;
	printf("%lld\n", (long long)id);
	return 0;
}

static int cmd_enqueue(int argc, char **argv)
{
	const char *kind = NULL, *payload = NULL, *payloads = NULL, *v;
	gz_job_new o = {0};
	for (int i = 1; i < argc; i++) {
		if ((v = arg_value(argc, argv, &i, "--payload")))
			payload = v;
		else if ((v = arg_value(argc, argv, &i, "--payloads")))
			payloads = v;
		else if ((v = arg_value(argc, argv, &i, "--at"))) {
			if (gz_time_parse_rfc3339(v, &o.run_at) < 0)
				return usage_error("--at wants an RFC 3339 time");
		} else if ((v = arg_value(argc, argv, &i, "--in")))
			o.run_at = gz_time_now_ms() + (int64_t)(atof(v) * 1000);
		else if ((v = arg_value(argc, argv, &i, "--dedupe")))
			o.dedupe_key = v;
		else if ((v = arg_value(argc, argv, &i, "--max-attempts"))) {
			o.max_attempts = atoi(v);
			if (o.max_attempts < 1)
				return usage_error("--max-attempts wants 1..100");
		} else if (argv[i][0] != '-' && !kind)
			kind = argv[i];
		else
			return usage_error("unknown argument");
	}
	if (!kind)
		return usage_error("missing KIND");
	if (payload && payloads)
		return usage_error("--payload and --payloads exclude each other");
	FILE *in = NULL;
	if (payloads && !(in = strcmp(payloads, "-") ? fopen(payloads, "r") : stdin)) {
		perror(payloads);
		return 1;
	}
	gz_db *db = gz_cli_open_db();
	if (!db) {
		if (in && in != stdin)
			fclose(in);
		return 1;
	}
	gz_err err;
	gz_err_clear(&err);
	int rc = gz_db_begin(db, &err);
	if (rc == 0 && in) {
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;
		while (rc == 0 && (n = getline(&line, &cap, in)) >= 0) {
			while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
				line[--n] = '\0';
			if (n > 0)
				rc = enqueue_one(db, kind, line, &o, &err);
		}
		free(line);
	} else if (rc == 0) {
		rc = enqueue_one(db, kind, payload, &o, &err);
	}
	if (in && in != stdin)
		fclose(in);
	if (rc == 0)
		rc = gz_db_commit(db, &err);
	if (rc < 0) {
		gz_db_rollback(db);
		fprintf(stderr, "gongzhi jobs: %s", err.message);
		for (int i = 0; i < err.nfields; i++)
			fprintf(stderr, "%s%s: %s", i ? "; " : " (", err.fields[i].name,
			        err.fields[i].why);
		fprintf(stderr, "%s\n", err.nfields ? ")" : "");
	}
	gz_db_close(db);
	return rc < 0 ? 1 : 0;
}

static int print_job(void *ctx, const gz_job_info *j)
{
	(void)ctx;
	char at[32];
	printf("%lld\t%s\t%s\t%d/%d\t%s\t%s\n", (long long)j->id, j->state, j->kind, j->attempts,
	       j->max_attempts,
	       gz_time_rfc3339(j->finished_at ? j->finished_at : j->run_at, at, sizeof at),
	       j->last_error ? j->last_error : "");
	return 0;
}

static int cmd_list(int argc, char **argv)
{
	const char *state = NULL, *kind = NULL, *v;
	int limit = 50;
	for (int i = 1; i < argc; i++) {
		if ((v = arg_value(argc, argv, &i, "--state"))) {
			if (job_state_parse(v) < 0)
				return usage_error("unknown --state");
			state = v;
		} else if ((v = arg_value(argc, argv, &i, "--kind")))
			kind = v;
		else if ((v = arg_value(argc, argv, &i, "--limit"))) {
			limit = atoi(v);
			if (limit < 1 || limit > 100000)
				return usage_error("--limit wants 1..100000");
		} else
			return usage_error("unknown argument");
	}
	gz_db *db = gz_cli_open_db();
	if (!db)
		return 1;
	gz_err err;
	gz_err_clear(&err);
	printf("id\tstate\tkind\tattempts\tat\tlast_error\n");
	int rc = gz_jobs_list(db, state, kind, 0, limit, print_job, NULL, &err);
	if (rc < 0)
		fprintf(stderr, "gongzhi jobs: %s\n", err.message);
	gz_db_close(db);
	return rc < 0 ? 1 : 0;
}

static int cmd_kinds(void)
{
	printf("kind\tmax_attempts\tbackoff_ms\tbackoff_max_ms\tlease_ms\n");
	for (int i = 0; i < gz_jobs_kind_count(); i++) {
		const gz_job_kind *k = gz_jobs_kind_at(i);
		printf("%s\t%d\t%lld\t%lld\t%lld\n", k->name, k->policy.max_attempts,
		       (long long)k->policy.backoff_ms, (long long)k->policy.backoff_max_ms,
		       (long long)k->policy.lease_ms);
	}
	return 0;
}

int gz_cli_jobs(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("missing subcommand");
	if (!strcmp(argv[1], "enqueue"))
		return cmd_enqueue(argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return cmd_list(argc - 1, argv + 1);
	if (!strcmp(argv[1], "kinds"))
		return cmd_kinds();
	return usage_error("unknown subcommand");
}
