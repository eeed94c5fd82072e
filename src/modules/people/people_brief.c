/* A resident in brief, for other capabilities (people.h): who, where, which household,
 * which account. */
#include "modules/people/people.h"
#include "core/mem.h"
#include "modules/people/people_internal.h"
#include "modules/people/person.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* sql takes $1 key and, when scope is given, $2 and $3 (its range). */
static int brief(gz_db *db, const char *sql, int64_t key, const char *scope, gz_people_brief *out,
                 gz_err *err)
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
	return brief(
	    db,
	    "SELECT id, household_id, user_id, grid_code, name FROM residents WHERE id > $1 "
	    "AND grid_code >= $2 AND grid_code < $3 AND deleted_at IS NULL ORDER BY id "
	    "LIMIT 1",
	    after, scope, out, err);
}

int gz_people_adults(gz_db *db, const char *scope, int64_t at_ms, gz_people_adult **out, size_t *n,
                     int64_t *unknown, gz_err *err)
{
	*out = NULL;
	*n = 0;
	*unknown = 0;
	char hi[GZ_SCOPE_MAX + 2];
	policy_scope_upper(scope, hi, sizeof hi);
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT id, household_id, id_number_enc, birth_date_enc FROM "
	                            "residents WHERE grid_code >= $1 AND grid_code < $2 AND "
	                            "deleted_at IS NULL AND status = 'active' ORDER BY id",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, scope);
	gz_stmt_bind_str(st, 2, hi);
	size_t cap = 0;
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		char idn[64] = "", bd[32] = "";
		if (!gz_stmt_isnull(st, 2))
			gz_people_open(gz_stmt_blob(st, 2), gz_stmt_len(st, 2), idn, sizeof idn);
		if (!gz_stmt_isnull(st, 3))
			gz_people_open(gz_stmt_blob(st, 3), gz_stmt_len(st, 3), bd, sizeof bd);
		person_date b;
		if (!people_birth_of(idn[0] ? idn : NULL, bd, &b)) {
			(*unknown)++;
			continue;
		}
		if (person_age_at_ms(b, at_ms) < 18)
			continue;
		if (*n == cap)
			*out = gz_realloc(*out, (cap = cap ? 2 * cap : 64) * sizeof **out);
		(*out)[(*n)++] = (gz_people_adult){
		    gz_stmt_int64(st, 0), gz_stmt_isnull(st, 1) ? 0 : gz_stmt_int64(st, 1)};
	}
	gz_stmt_finish(st);
	if (rc < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}
