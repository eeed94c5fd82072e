/* gongzhi apikey add|list|revoke: the Open311 client applications (open311.c) and their
 * api_key. The key is 32 random bytes as 64 hex digits, printed once, alone on stdout;
 * only its BLAKE2b-256 hash is stored. Each change is audited (open311.client_add,
 * open311.client_revoke) by the operator ("cli"). */
#include "api/auth.h"
#include "cli/cli.h"
#include "core/time.h"
#include "core/utf8.h"
#include "db/db.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char gz_cases_apikey_usage[] =
    "gongzhi apikey add NAME\n"
    "  Issues an Open311 api_key for the client application NAME (1..64 characters) and\n"
    "  prints the key alone on stdout; only its hash is kept, so note it now.\n"
    "gongzhi apikey list\n"
    "  The client applications: name, created, revoked (tab-separated).\n"
    "gongzhi apikey revoke NAME\n"
    "  Refuses NAME's key from now on (POST requests answer 403).\n";

static int usage_error(const char *what)
{
	fprintf(stderr, "gongzhi apikey: %s (see 'gongzhi apikey --help')\n", what);
	return 2;
}

static int report(gz_db *db, const gz_err *err)
{
	gz_db_rollback(db);
	fprintf(stderr, "gongzhi apikey: %s\n", err->message);
	gz_db_close(db);
	return 1;
}

static int cmd_add(const char *name)
{
	size_t n = strlen(name);
	if (!gz_utf8_valid(name, n) || gz_utf8_len(name, n) < 1 || gz_utf8_len(name, n) > 64)
		return usage_error("NAME wants 1..64 characters of UTF-8");
	gz_db *db = gz_cli_open_db();
	if (!db)
		return 1;
	gz_auth_sodium_init();
	unsigned char raw[32], h[32];
	char key[65];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(key, sizeof key, raw, sizeof raw);
	crypto_generichash(h, sizeof h, (const unsigned char *)key, strlen(key), NULL, 0);
	gz_err err;
	gz_err_clear(&err);
	gz_actor op;
	gz_actor_operator(&op);
	if (gz_db_begin(db, &err) < 0)
		return report(db, &err);
	gz_stmt *st = gz_db_prepare(db,
	                            "INSERT INTO open311_clients (name, key_hash, created_at) "
	                            "VALUES ($1, $2, $3)",
	                            &err);
	if (!st)
		return report(db, &err);
	gz_stmt_bind_str(st, 1, name);
	gz_stmt_bind_blob(st, 2, h, sizeof h);
	gz_stmt_bind_int64(st, 3, gz_time_now_ms());
	int rc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	if (rc < 0) {
		if (err.kind == GZ_ECONFLICT)
			gz_err_set(&err, GZ_ECONFLICT, "duplicate",
			           "a client named '%s' exists (revoke it or choose another name)",
			           name);
		return report(db, &err);
	}
	if (gz_audit(&op, db, "open311.client_add", "open311_client", name, "", NULL, &err) < 0 ||
	    gz_db_commit(db, &err) < 0)
		return report(db, &err);
	gz_db_close(db);
	printf("%s\n", key);
	sodium_memzero(key, sizeof key);
	return 0;
}

static int cmd_revoke(const char *name)
{
	gz_db *db = gz_cli_open_db();
	if (!db)
		return 1;
	gz_err err;
	gz_err_clear(&err);
	gz_actor op;
	gz_actor_operator(&op);
	if (gz_db_begin(db, &err) < 0)
		return report(db, &err);
	gz_stmt *st = gz_db_prepare(db,
	                            "UPDATE open311_clients SET revoked_at = $2 WHERE name = $1 "
	                            "AND revoked_at IS NULL",
	                            &err);
	if (!st)
		return report(db, &err);
	gz_stmt_bind_str(st, 1, name);
	gz_stmt_bind_int64(st, 2, gz_time_now_ms());
	int rc = gz_stmt_step(st, &err);
	int64_t changed = rc >= 0 ? gz_stmt_changes(st) : 0;
	gz_stmt_finish(st);
	if (rc < 0)
		return report(db, &err);
	if (changed != 1) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "no client named '%s' with a live key",
		           name);
		return report(db, &err);
	}
	if (gz_audit(&op, db, "open311.client_revoke", "open311_client", name, "", NULL, &err) <
	        0 ||
	    gz_db_commit(db, &err) < 0)
		return report(db, &err);
	gz_db_close(db);
	return 0;
}

static int cmd_list(void)
{
	gz_db *db = gz_cli_open_db();
	if (!db)
		return 1;
	gz_err err;
	gz_err_clear(&err);
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT name, created_at, revoked_at FROM open311_clients ORDER BY name", &err);
	int rc = st ? 0 : -1;
	if (st) {
		printf("name\tcreated\trevoked\n");
		while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
			char a[32], b[32] = "";
			gz_time_rfc3339(gz_stmt_int64(st, 1), a, sizeof a);
			if (!gz_stmt_isnull(st, 2))
				gz_time_rfc3339(gz_stmt_int64(st, 2), b, sizeof b);
			printf("%s\t%s\t%s\n", gz_stmt_text(st, 0), a, b);
		}
		gz_stmt_finish(st);
	}
	if (rc < 0)
		fprintf(stderr, "gongzhi apikey: %s\n", err.message);
	gz_db_close(db);
	return rc < 0 ? 1 : 0;
}

int gz_cases_apikey(int argc, char **argv)
{
	char **rest;
	int n = gz_cli_args(argc, argv, 1, &rest);
	int rc;
	if (n < 1)
		rc = usage_error("missing subcommand");
	else if (!strcmp(rest[0], "add"))
		rc = n == 2 ? cmd_add(rest[1]) : usage_error("add wants NAME");
	else if (!strcmp(rest[0], "revoke"))
		rc = n == 2 ? cmd_revoke(rest[1]) : usage_error("revoke wants NAME");
	else if (!strcmp(rest[0], "list"))
		rc = n == 1 ? cmd_list() : usage_error("list takes no arguments");
	else
		rc = usage_error("unknown subcommand");
	free(rest);
	return rc;
}
