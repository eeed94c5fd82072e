/* Schema migrations: numbered SQL files owned by the core (src/db/migrations/) and by
 * modules (src/modules/M/migrations/), embedded into the binary at build time
 * (cmake/embed.cmake). Each is applied once, in its own transaction, and recorded in
 * schema_migrations by name; version there is the order of application (1, 2, ...),
 * so MAX(version) is the number applied. Files never change once landed. */
#include "db/driver.h"
#include "db/migrations.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/time.h"

#include <stdlib.h>
#include <string.h>

static const char *create_table = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                  "version BIGINT PRIMARY KEY, name TEXT NOT NULL, "
                                  "applied_at BIGINT NOT NULL)";

const gz_migration *gz_migrations_of(const char *owner)
{
	for (const gz_migration_set *s = gz_migration_sets; s->owner; s++)
		if (!strcmp(s->owner, owner))
			return s->list;
	return NULL;
}

#define OWNERS_MAX 64
static const char *owners[OWNERS_MAX];
static int nowners;

void gz_db_add_migrations(const char *owner)
{
	for (int i = 0; i < nowners; i++)
		if (!strcmp(owners[i], owner))
			return;
	if (nowners == OWNERS_MAX || !strcmp(owner, "core")) {
		if (nowners == OWNERS_MAX)
			gz_log_error("too many migration owners (raise OWNERS_MAX)");
		return;
	}
	owners[nowners++] = owner;
}

size_t gz_db_migrations_planned(const gz_migration **out, size_t max)
{
	size_t n = 0;
	for (int o = -1; o < nowners; o++) {
		const gz_migration *m = gz_migrations_of(o < 0 ? "core" : owners[o]);
		for (; m && m->name; m++, n++)
			if (n < max)
				out[n] = m;
	}
	return n;
}

/* Migrations that moved from the core into their modules keep their identity: rows
 * recorded under the old name are renamed once, before anything is compared. */
static const char *const renamed[][2] = {
    {"0002_space", "space/0002_space"},
    {"0003_auth", "accounts/0003_auth"},
    {"0004_people", "people/0004_people"},
    {"0005_org", "org/0005_org"},
};

static int rename_moved(gz_db *db, gz_err *err)
{
	for (size_t i = 0; i < sizeof renamed / sizeof renamed[0]; i++) {
		gz_stmt *st = gz_db_prepare(
		    db, "UPDATE schema_migrations SET name = $2 WHERE name = $1", err);
		if (!st)
			return -1;
		gz_stmt_bind_str(st, 1, renamed[i][0]);
		gz_stmt_bind_str(st, 2, renamed[i][1]);
		int rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int gz_db_schema_version(gz_db *db, gz_err *err)
{
	if (gz_db_exec(db, create_table, err) < 0)
		return -1;
	int64_t v = 0;
	int rc = gz_db_query_int64(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
	                           &v, err, 0);
	return rc < 0 ? -1 : (int)v;
}

int gz_db_migrate(gz_db *db, gz_err *err)
{
	bool pg = gz_db_driver(db) == GZ_DB_POSTGRES;
	/* Several processes may start at once against one PostgreSQL: serialise them.
	 * CREATE TABLE IF NOT EXISTS itself can race on PostgreSQL, so take the lock first. */
	if (pg && gz_db_exec(db, "SELECT pg_advisory_lock(727274001)", err) < 0)
		return -1;
	int version = -1;
	if (gz_db_exec(db, create_table, err) < 0)
		goto out;
	if (rename_moved(db, err) < 0)
		goto out;
	const gz_migration *plan[512];
	size_t nplan = gz_db_migrations_planned(plan, sizeof plan / sizeof plan[0]);
	if (nplan > sizeof plan / sizeof plan[0]) {
		gz_err_set(err, GZ_EINTERNAL, "internal",
		           "too many migrations (raise the plan size)");
		goto out;
	}
	for (size_t i = 0; i < nplan; i++) {
		const gz_migration *m = plan[i];
		if (gz_db_begin(db, err) < 0)
			goto out;
		int64_t have = 0;
		int rc = gz_db_query_int64_text(
		    db, "SELECT count(*) FROM schema_migrations WHERE name = $1", &have, err,
		    m->name);
		if (rc < 0) {
			gz_db_rollback(db);
			goto out;
		}
		if (have) {
			gz_db_rollback(db);
			continue;
		}
		char *sql = gz_db_dialect(m->sql, gz_db_driver(db));
		rc = gz_db_exec(db, sql, err);
		free(sql);
		gz_stmt *st =
		    rc < 0 ? NULL
		           : gz_db_prepare(db,
		                           "INSERT INTO schema_migrations (version, name, "
		                           "applied_at) SELECT COALESCE(MAX(version), 0) + 1, "
		                           "$1, $2 FROM schema_migrations",
		                           err);
		if (st) {
			gz_stmt_bind_str(st, 1, m->name);
			gz_stmt_bind_int64(st, 2, gz_time_now_ms());
			rc = gz_stmt_step(st, err);
			gz_stmt_finish(st);
		} else {
			rc = -1;
		}
		if (rc < 0 || gz_db_commit(db, err) < 0) {
			gz_db_rollback(db);
			gz_err e = *err;
			gz_err_set(err, e.kind, e.code, "migration %s failed: %s", m->name,
			           e.message);
			goto out;
		}
		gz_log_info("applied migration %s", m->name);
	}
	version = gz_db_schema_version(db, err);
out:
	if (pg) {
		gz_err ignored;
		gz_db_exec(db, "SELECT pg_advisory_unlock(727274001)", &ignored);
	}
	return version;
}
