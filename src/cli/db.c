/* Opening the database and the personal-data key for the command line (moved out of
 * main.c so module commands link without it). */
#include "cli/cli.h"
#include "core/blobstore.h"
#include "core/crypto.h"
#include "db/db.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* For sqlite:PATH, create PATH's directory so a first start just works. */
static void ensure_sqlite_dir(const char *url)
{
	if (strncmp(url, "sqlite:", 7) != 0)
		return;
	char path[4096];
	snprintf(path, sizeof path, "%s", url + 7);
	char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return;
	*slash = '\0';
	for (char *p = path + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0750);
			*p = '/';
		}
	mkdir(path, 0750);
}

/* The database remembers a fingerprint of the key its personal data was encrypted with
 * (a keyed hash of a constant, in app_meta), so a process started with another key file
 * — a second host that created its own, a restored database without its key — refuses
 * to start instead of writing records no other process can read. */
static int check_key(const char *url, const gz_crypto *c, const char *path)
{
	gz_db *db = gz_cli_open_db_url(url);
	if (!db)
		return -1;
	uint8_t h[GZ_CRYPTO_LOOKUP_BYTES];
	char hex[2 * GZ_CRYPTO_LOOKUP_BYTES + 1];
	gz_crypto_lookup(c, "gongzhi personal-data key check v1", h);
	for (size_t i = 0; i < sizeof h; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	gz_err err;
	gz_err_clear(&err);
	int rc = -1;
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "INSERT INTO app_meta (key, value) VALUES ('crypto_key_check', $1) "
	                  "ON CONFLICT DO NOTHING",
	                  &err);
	if (st) {
		gz_stmt_bind_str(st, 1, hex);
		rc = gz_stmt_step(st, &err);
		gz_stmt_finish(st);
	}
	if (rc >= 0 &&
	    (st = gz_db_prepare(db, "SELECT value FROM app_meta WHERE key = 'crypto_key_check'",
	                        &err))) {
		rc = gz_stmt_step(st, &err);
		if (rc == GZ_ROW && strcmp(gz_stmt_text(st, 0), hex) != 0) {
			fprintf(stderr,
			        "gongzhi: 密钥文件 %s "
			        "与数据库中个人信息加密所用的密钥不一致；请使用创建这些数据"
			        "时的密钥文件（PostgreSQL 部署中所有进程须共用同一个密钥文件）\n",
			        path);
			rc = -1;
		} else if (rc < 0) {
			fprintf(stderr, "gongzhi: %s\n", err.message);
		}
		gz_stmt_finish(st);
	} else if (rc < 0) {
		fprintf(stderr, "gongzhi: %s\n", err.message);
	}
	gz_db_close(db);
	return rc < 0 ? -1 : 0;
}

/* Loads (or, on first start, creates with mode 0600) the key that encrypts personal
 * data, checks it is the database's key, and makes it the process key; then opens the
 * media store. Must run before any thread starts. */
int gz_cli_load_keys_url(const char *url)
{
	if (gz_crypto_global())
		return 0;
	gz_err err;
	gz_err_clear(&err);
	char path[4096];
	gz_crypto *c = NULL;
	if (gz_crypto_key_path(url, path, sizeof path, &err) < 0 ||
	    !(c = gz_crypto_load_or_create(path, &err))) {
		fprintf(stderr, "gongzhi: %s\n", err.message);
		return -1;
	}
	if (check_key(url, c, path) < 0) {
		gz_crypto_free(c);
		return -1;
	}
	gz_crypto_set_global(c);
	/* The media store: every process that loads the key may write uploads (the
	 * server, gongzhi demo). */
	if (!gz_blob_dir() &&
	    (gz_blob_dir_for(url, path, sizeof path, &err) < 0 || gz_blob_init(path, &err) < 0)) {
		fprintf(stderr, "gongzhi: %s\n", err.message);
		return -1;
	}
	return 0;
}

const char *gz_cli_db_url(void)
{
	const char *v = getenv("GONGZHI_DB");
	return v && *v ? v : GZ_CLI_DEFAULT_DB;
}

gz_db *gz_cli_open_db(void)
{
	return gz_cli_open_db_url(gz_cli_db_url());
}

int gz_cli_load_keys(void)
{
	return gz_cli_load_keys_url(gz_cli_db_url());
}

gz_db *gz_cli_open_db_url(const char *url)
{
	gz_err err;
	gz_err_clear(&err);
	ensure_sqlite_dir(url);
	gz_db *db = gz_db_open(url, &err);
	if (!db) {
		fprintf(stderr, "gongzhi: %s\n", err.message);
		return NULL;
	}
	if (gz_db_migrate(db, &err) < 0) {
		fprintf(stderr, "gongzhi: %s\n", err.message);
		gz_db_close(db);
		return NULL;
	}
	return db;
}

int gz_cli_args(int argc, char **argv, int skip, char ***rest)
{
	char **out = calloc((size_t)argc + 1, sizeof *out);
	if (!out)
		abort();
	int n = 0;
	for (int i = skip; i < argc; i++) {
		if (!strcmp(argv[i], "--db") && i + 1 < argc)
			setenv("GONGZHI_DB", argv[++i], 1);
		else if (!strncmp(argv[i], "--db=", 5))
			setenv("GONGZHI_DB", argv[i] + 5, 1);
		else
			out[n++] = argv[i];
	}
	*rest = out;
	return n;
}
