/* A resident in brief, for other capabilities (people.h): who, where, which household,
 * which account. */
#include "modules/people/people.h"

#include <stdio.h>
#include <string.h>

/* sql takes $1 key and, when scope is given, $2 and $3 (its range). */
static int brief(gz_db *db, const char *sql, int64_t key, const char *scope,
                 gz_people_brief *out, gz_err *err)
{
	memset(out, 0, sizeof *out);
	gz_stmt *st = gz_db_prepare(db, sql, err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, key);
	if (scope) {
		char hi[GZ_SCOPE_MAX + 2];
		policy_scope_upper(scope, hi, sizeof hi);
		gz_stmt_bind_str(st, 2, scope);
		gz_stmt_bind_str(st, 3, hi);
	}
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		out->id = gz_stmt_int64(st, 0);
		out->household_id = gz_stmt_isnull(st, 1) ? 0 : gz_stmt_int64(st, 1);
		out->user_id = gz_stmt_isnull(st, 2) ? 0 : gz_stmt_int64(st, 2);
		snprintf(out->grid_code, sizeof out->grid_code, "%s", gz_stmt_text(st, 3));
		snprintf(out->name, sizeof out->name, "%s", gz_stmt_text(st, 4));
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

int gz_people_brief_get(gz_db *db, int64_t id, gz_people_brief *out, gz_err *err)
{
	return brief(db,
	             "SELECT id, household_id, user_id, grid_code, name FROM residents WHERE id = "
	             "$1 AND deleted_at IS NULL",
	             id, NULL, out, err);
}

int gz_people_brief_of_user(gz_db *db, int64_t user_id, gz_people_brief *out, gz_err *err)
{
	return brief(db,
	             "SELECT id, household_id, user_id, grid_code, name FROM residents WHERE "
	             "user_id = $1 AND deleted_at IS NULL",
	             user_id, NULL, out, err);
}

int gz_people_brief_next(gz_db *db, const char *scope, int64_t after, gz_people_brief *out,
                         gz_err *err)
{
	return brief(db,
	             "SELECT id, household_id, user_id, grid_code, name FROM residents WHERE id > $1 "
	             "AND grid_code >= $2 AND grid_code < $3 AND deleted_at IS NULL ORDER BY id "
	             "LIMIT 1",
	             after, scope, out, err);
}
