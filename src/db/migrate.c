/* Schema migrations: numbered SQL files in src/db/migrations/, embedded into the
 * binary at build time (cmake/embed.cmake). Each is applied once, in its own
 * transaction, and recorded in schema_migrations. Files never change once landed. */
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
	for (size_t i = 0; i < gz_migrations_count; i++) {
		const gz_migration *m = &gz_migrations[i];
		if (gz_db_begin(db, err) < 0)
			goto out;
		int64_t have = 0;
		int rc = gz_db_query_int64(
		    db, "SELECT count(*) FROM schema_migrations WHERE version = $1", &have, err, 1,
		    (int64_t)m->version);
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
		gz_stmt *st = rc < 0
		                  ? NULL
		                  : gz_db_prepare(db,
		                                  "INSERT INTO schema_migrations (version, name, "
		                                  "applied_at) VALUES ($1, $2, $3)",
		                                  err);
		if (st) {
			gz_stmt_bind_int64(st, 1, m->version);
			gz_stmt_bind_str(st, 2, m->name);
			gz_stmt_bind_int64(st, 3, gz_time_now_ms());
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
