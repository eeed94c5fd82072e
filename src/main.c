/* gongzhi command line: serve, migrate, backup, routes, version, help.
 * Every subcommand takes --db URL (or GONGZHI_DB); flags win over environment. */
#include "domain/policy.h"
#include "modules/module.h"
#include "modules/space/space.h"
#include "cli/cli.h"
#include "core/blobstore.h"
#include "core/crypto.h"
#include "core/log.h"
#include "db/db.h"
#include "http/router.h"
#include "http/server.h"
#include "jobs/jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_DB GZ_CLI_DEFAULT_DB

typedef struct {
	const char *name, *summary, *usage;
	int (*run)(int argc, char **argv);
} command_t;

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);
	return v && *v ? v : def;
}

/* Accepts "--flag value" and "--flag=value". Returns the value and advances *i, or NULL. */
static const char *flag_value(int argc, char **argv, int *i, const char *flag)
{
	size_t n = strlen(flag);
	if (strncmp(argv[*i], flag, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] == '\0') {
		if (*i + 1 >= argc) {
			fprintf(stderr, "gongzhi: %s needs a value\n", flag);
			exit(2);
		}
		return argv[++*i];
	}
	return NULL;
}

static int wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

static int cmd_serve(int argc, char **argv)
{
	gz_server_config c;
	gz_server_config_defaults(&c);
	const char *db = env_or("GONGZHI_DB", DEFAULT_DB);
	c.listen = env_or("GONGZHI_LISTEN", c.listen);
	c.web_dir = env_or("GONGZHI_WEB", c.web_dir);
	c.access_log = env_or("GONGZHI_ACCESS_LOG", c.access_log);
	c.trusted_proxies = env_or("GONGZHI_TRUSTED_PROXIES", "");
	if (getenv("GONGZHI_THREADS"))
		c.threads = (unsigned)atoi(getenv("GONGZHI_THREADS"));
	int job_workers = getenv("GONGZHI_JOB_WORKERS") ? atoi(getenv("GONGZHI_JOB_WORKERS")) : 1;
	if (getenv("GONGZHI_BODY_LIMIT"))
		c.body_limit = (size_t)strtoull(getenv("GONGZHI_BODY_LIMIT"), NULL, 10);
	for (int i = 1; i < argc; i++) {
		const char *v;
		if ((v = flag_value(argc, argv, &i, "--db")))
			db = v;
		else if ((v = flag_value(argc, argv, &i, "--listen")))
			c.listen = v;
		else if ((v = flag_value(argc, argv, &i, "--web")))
			c.web_dir = v;
		else if ((v = flag_value(argc, argv, &i, "--access-log")))
			c.access_log = v;
		else if ((v = flag_value(argc, argv, &i, "--trusted-proxies")))
			c.trusted_proxies = v;
		else if ((v = flag_value(argc, argv, &i, "--threads")))
			c.threads = (unsigned)atoi(v);
		else if ((v = flag_value(argc, argv, &i, "--body-limit")))
			c.body_limit = (size_t)strtoull(v, NULL, 10);
		else if ((v = flag_value(argc, argv, &i, "--max-conns")))
			c.max_conns = (unsigned)atoi(v);
		else if ((v = flag_value(argc, argv, &i, "--max-conns-per-ip")))
			c.max_conns_per_ip = (unsigned)atoi(v);
		else if ((v = flag_value(argc, argv, &i, "--first-byte-timeout-ms")))
			c.first_byte_timeout_ms = (unsigned)atoi(v);
		else if ((v = flag_value(argc, argv, &i, "--idle-timeout-ms")))
			c.idle_timeout_ms = (unsigned)atoi(v);
		else if ((v = flag_value(argc, argv, &i, "--request-timeout-ms")))
			c.request_timeout_ms = (unsigned)atoi(v);
		else if ((v = flag_value(argc, argv, &i, "--upload-budget-per-ip")))
			c.body_inflight_per_ip = (size_t)strtoull(v, NULL, 10);
		else if ((v = flag_value(argc, argv, &i, "--job-workers")))
			job_workers = atoi(v);
		else {
			fprintf(stderr, "gongzhi serve: unknown argument '%s' (see --help)\n",
			        argv[i]);
			return 2;
		}
	}
	if (c.threads < 1 || c.threads > 1024 || c.body_limit < 1024) {
		fprintf(stderr,
		        "gongzhi serve: --threads must be 1..1024 and --body-limit >= 1024\n");
		return 2;
	}
	if (c.max_conns < 1 || c.max_conns_per_ip < 1 || c.first_byte_timeout_ms < 100 ||
	    c.idle_timeout_ms < 100 || c.request_timeout_ms < 100 ||
	    c.body_inflight_per_ip < 1024) {
		fprintf(stderr,
		        "gongzhi serve: connection caps must be >= 1, timeouts >= 100 ms and "
		        "--upload-budget-per-ip >= 1024\n");
		return 2;
	}
	if (job_workers < 0 || job_workers > 64) {
		fprintf(stderr, "gongzhi serve: --job-workers must be 0..64\n");
		return 2;
	}
	gz_db *d = gz_cli_open_db_url(db);
	if (!d)
		return 1;
	/* The point-in-grid locator is built before the first request, not by it. */
	gz_err lerr;
	gz_err_clear(&lerr);
	if (gz_space_locator_refresh(d, &lerr) < 0)
		gz_log_warn("grid locator not built at start: %s", lerr.message);
	gz_db_close(d);
	if (gz_cli_load_keys_url(db) < 0)
		return 1;
	gz_db_thread_init(db);
	if (gz_jobs_start(db, job_workers) < 0)
		return 1;
	int rc = gz_server_run(&c);
	/* The workers have stopped: close the connection each of them opened. */
	gz_db_thread_close_all();
	/* Requests have drained; running jobs get as long again to finish. */
	gz_jobs_stop((int)c.drain_timeout_ms);
	return rc == 0 ? 0 : 1;
}

static const char *db_only(int argc, char **argv, const char *cmd)
{
	const char *db = env_or("GONGZHI_DB", DEFAULT_DB);
	for (int i = 1; i < argc; i++) {
		const char *v;
		if ((v = flag_value(argc, argv, &i, "--db")))
			db = v;
		else {
			fprintf(stderr, "gongzhi %s: unknown argument '%s' (see --help)\n", cmd,
			        argv[i]);
			return NULL;
		}
	}
	return db;
}

static int cmd_migrate(int argc, char **argv)
{
	const char *url = db_only(argc, argv, "migrate");
	if (!url)
		return 2;
	gz_db *db = gz_cli_open_db_url(url);
	if (!db)
		return 1;
	gz_err err;
	printf("schema version %d\n", gz_db_schema_version(db, &err));
	gz_db_close(db);
	return 0;
}

static int cmd_backup(int argc, char **argv)
{
	const char *url = env_or("GONGZHI_DB", DEFAULT_DB), *file = NULL;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if ((v = flag_value(argc, argv, &i, "--db")))
			url = v;
		else if (argv[i][0] != '-' && !file)
			file = argv[i];
		else {
			fprintf(stderr, "gongzhi backup: unknown argument '%s' (see --help)\n",
			        argv[i]);
			return 2;
		}
	}
	if (!file) {
		fprintf(stderr, "gongzhi backup: missing FILE\n");
		return 2;
	}
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_db_open(url, &err);
	if (!db || gz_db_backup(db, file, &err) < 0) {
		fprintf(stderr, "gongzhi backup: %s\n", err.message);
		gz_db_close(db);
		return 1;
	}
	gz_db_close(db);
	printf("backup written to %s\n", file);
	/* Then the media store (uploads: core/blobstore.h) into FILE.media, where a server
	 * given the backup as its database finds it: after the database, so every file the
	 * copy names is there to be copied. Only what the last backup lacks is copied. */
	char src[4096], dst[4096];
	long copied = 0, bad = 0;
	if (gz_blob_dir_for(url, src, sizeof src, &err) < 0 ||
	    snprintf(dst, sizeof dst, "%s.media", file) >= (int)sizeof dst ||
	    gz_blob_copy_all(src, dst, &copied, &bad, &err) < 0) {
		fprintf(stderr, "gongzhi backup: %s\n", err.kind ? err.message : "path too long");
		return 1;
	}
	printf("media files copied to %s: %ld", dst, copied);
	if (bad)
		printf(" (%ld damaged files skipped)", bad);
	printf("\n");
	return bad ? 1 : 0;
}

static int cmd_routes(int argc, char **argv)
{
	bool only_public = argc > 1 && !strcmp(argv[1], "--public");
	for (int i = 0; i < gz_router_count(); i++) {
		const gz_route *rt = gz_router_get(i);
		if (!only_public || (rt->flags & GZ_ROUTE_PUBLIC))
			printf("%s %s\n", rt->method, rt->pattern);
	}
	return 0;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("gongzhi %s\n", GZ_VERSION);
	return 0;
}

static int cmd_help(int argc, char **argv);

extern const char gz_openapi_json[];
extern const size_t gz_openapi_json_len;

static int cmd_openapi(int argc, char **argv)
{
	(void)argc, (void)argv;
	fwrite(gz_openapi_json, 1, gz_openapi_json_len, stdout);
	putchar('\n');
	return 0;
}

/* The policy table as Markdown (docs/SECURITY.md holds this print). */
static int cmd_policy(int argc, char **argv)
{
	(void)argc, (void)argv;
	size_t n = policy_table_markdown(NULL, 0);
	char *buf = malloc(n + 1);
	policy_table_markdown(buf, n + 1);
	fputs(buf, stdout);
	free(buf);
	return 0;
}

static const command_t commands[] = {
    {"serve", "serve the API and web UI",
     "gongzhi serve [--db URL] [--listen HOST:PORT] [--web DIR] [--threads N]\n"
     "              [--access-log -|off|FILE] [--body-limit BYTES]\n"
     "              [--trusted-proxies IP[,IP...]] [--max-conns N] [--max-conns-per-ip N]\n"
     "              [--first-byte-timeout-ms MS] [--idle-timeout-ms MS]\n"
     "              [--request-timeout-ms MS] [--upload-budget-per-ip BYTES]\n"
     "              [--job-workers N]\n"
     "  Migrates the database, then serves until SIGTERM/SIGINT, letting in-flight\n"
     "  requests finish. Defaults: --db " DEFAULT_DB " --listen 127.0.0.1:8080\n"
     "  --web web/dist --access-log - (JSON lines on stdout).\n"
     "  Environment: GONGZHI_DB, GONGZHI_LISTEN, GONGZHI_WEB, GONGZHI_THREADS,\n"
     "  GONGZHI_ACCESS_LOG, GONGZHI_BODY_LIMIT, GONGZHI_TRUSTED_PROXIES,\n"
     "  GONGZHI_SQLITE_SYNC=FULL|NORMAL. Behind nginx, set --trusted-proxies 127.0.0.1 so\n"
     "  the client address (rate limits, audit) comes from X-Forwarded-For.\n"
     "  Files: GONGZHI_KEY_FILE (the personal-data key; SQLite default PATH.key) and\n"
     "  GONGZHI_MEDIA_DIR (uploaded photos and attachments; default PATH.media next to a\n"
     "  SQLite database, else the directory media next to the key file; processes sharing\n"
     "  a database share it).\n"
     "  Limits (defaults): 4096 connections, 256 per address (trusted proxies exempt);\n"
     "  a new connection must speak within 10000 ms, an idle one is closed after 30000 ms,\n"
     "  a request's head and body must arrive within 120000 ms; request bodies held at\n"
     "  once from one address: 160 MiB.\n"
     "  --job-workers N (GONGZHI_JOB_WORKERS, default 1, 0..64): threads running background\n"
     "  jobs (see 'gongzhi jobs'); on shutdown a running job gets the drain time to finish.\n",
     cmd_serve},
    {"migrate", "create or upgrade the database schema",
     "gongzhi migrate [--db URL]\n"
     "  Applies pending migrations, each in one transaction. URL is sqlite:PATH or\n"
     "  postgres://... (libpq conninfo). Environment: GONGZHI_DB.\n",
     cmd_migrate},
    {"backup", "copy a live SQLite database consistently",
     "gongzhi backup [--db sqlite:PATH] FILE\n"
     "  Online backup: the server may keep serving and writing meanwhile. Then copies\n"
     "  the media store (GONGZHI_MEDIA_DIR, default PATH.media) into FILE.media: only the\n"
     "  files FILE.media lacks. For PostgreSQL use pg_dump, and copy the media directory.\n",
     cmd_backup},
    {"openapi", "print the OpenAPI description of the API (as served)",
     "gongzhi openapi\n  Prints what GET /api/v1/openapi.json serves, assembled from the "
     "modules.\n",
     cmd_openapi},
    {"policy", "print the policy table (who may do what) as Markdown",
     "gongzhi policy\n  Prints the table docs/SECURITY.md shows, assembled from the modules.\n",
     cmd_policy},
    {"routes", "list the HTTP routes",
     "gongzhi routes [--public]\n  Prints METHOD PATTERN per line; --public: only the routes that "
     "need no login.\n",
     cmd_routes},
    {"version", "print the version", "gongzhi version\n", cmd_version},
    {"help", "show help for a command", "gongzhi help [COMMAND]\n", cmd_help},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static int cmd_help(int argc, char **argv)
{
	if (argc > 1) {
		for (size_t i = 0; i < NCOMMANDS; i++)
			if (!strcmp(argv[1], commands[i].name)) {
				fputs(commands[i].usage, stdout);
				return 0;
			}
		const gz_module_command *mc =
		    gz_modules_command(argv[1], argc > 2 ? argv[2] : NULL);
		if (mc) {
			fputs(mc->usage, stdout);
			return 0;
		}
		fprintf(stderr, "gongzhi: no command '%s'\n", argv[1]);
		return 2;
	}
	printf("gongzhi %s — 共治 · 党建引领城市社区治理平台\n\nUsage: gongzhi [--db URL] COMMAND "
	       "[ARGS]\n\nCommands:\n",
	       GZ_VERSION);
	for (size_t i = 0; i < NCOMMANDS; i++)
		printf("  %-17s %s\n", commands[i].name, commands[i].summary);
	for (const gz_module *const *m = gz_modules_list(); *m; m++)
		for (const gz_module_command *c = (*m)->commands; c && c->name; c++)
			printf("  %-17s %s\n", c->name, c->summary);
	printf("\nRun 'gongzhi COMMAND --help' for a command's options.\n");
	return 0;
}

int main(int argc, char **argv)
{
	/* The database and its key file hold personal data: nobody else reads what we create. */
	umask(027);
	gz_modules_init();
	/* A global --db before the command is accepted too: gongzhi --db URL user add ... */
	int i = 1;
	while (i < argc && argv[i][0] == '-') {
		const char *v;
		if ((v = flag_value(argc, argv, &i, "--db"))) {
			setenv("GONGZHI_DB", v, 1);
			i++;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			return cmd_help(1, argv);
		} else {
			fprintf(stderr, "gongzhi: unknown option '%s'\n", argv[i]);
			return 2;
		}
	}
	if (i >= argc)
		return cmd_help(1, argv);
	for (size_t k = 0; k < NCOMMANDS; k++) {
		if (strcmp(argv[i], commands[k].name) != 0)
			continue;
		if (commands[k].run != cmd_help && wants_help(argc - i, argv + i)) {
			fputs(commands[k].usage, stdout);
			return 0;
		}
		return commands[k].run(argc - i, argv + i);
	}
	const gz_module_command *mc =
	    gz_modules_command(argv[i], i + 1 < argc ? argv[i + 1] : NULL);
	if (mc) {
		if (wants_help(argc - i, argv + i)) {
			fputs(mc->usage, stdout);
			return 0;
		}
		return mc->run(argc - i, argv + i);
	}
	fprintf(stderr, "gongzhi: unknown command '%s' (see 'gongzhi help')\n", argv[i]);
	return 2;
}
