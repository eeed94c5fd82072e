/* The bulk load of visits for `gongzhi demo` and `gongzhi gen` (visits.h). */
#include "modules/visits/visits_internal.h"
#include "api/common.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	int64_t resident, day, id;
} last;

static int cmp_last(const void *a, const void *b)
{
	const last *x = a, *y = b;
	if (x->resident != y->resident)
		return (x->resident > y->resident) - (x->resident < y->resident);
	if (x->day != y->day)
		return (x->day > y->day) - (x->day < y->day);
	return (x->id > y->id) - (x->id < y->id);
}

/* Rows in the order they were made, so ids follow the days as when recorded one by one. */
static int cmp_day(const void *a, const void *b)
{
	const gz_visit_row *x = *(const gz_visit_row *const *)a,
	                   *y = *(const gz_visit_row *const *)b;
	if (x->visited_on != y->visited_on)
		return (x->visited_on > y->visited_on) - (x->visited_on < y->visited_on);
	return (x->resident_id > y->resident_id) - (x->resident_id < y->resident_id);
}

int gz_visits_load(gz_db *db, const gz_actor *a, const gz_visit_row *rows, size_t n,
                   const char *scope, gz_err *err)
{
	if (gz_actor_check(a, ACT_WRITE, RES_VISIT, scope, err) < 0 || gz_db_begin(db, err) < 0)
		return -1;
	last *ls = gz_malloc((n ? n : 1) * sizeof *ls);
	const gz_visit_row **order = gz_malloc((n ? n : 1) * sizeof *order);
	for (size_t i = 0; i < n; i++)
		order[i] = &rows[i];
	if (n)
		qsort(order, n, sizeof *order, cmp_day);
	for (size_t i = 0; i < n; i++) {
		const gz_visit_row *v = order[i];
		gz_stmt *st = gz_db_prepare(
		    db,
		    v->household
		        ? "INSERT INTO visits (grid_code, resident_id, household_id, visited_on, "
		          "kind, "
		          "findings, visitor_id, visitor_name, created_at) SELECT h.grid_code, "
		          "NULL, h.id, "
		          "$2, $3, $4, $5, $6, $7 FROM residents r JOIN households h ON h.id = "
		          "r.household_id WHERE r.id = $1 RETURNING id"
		        : "INSERT INTO visits (grid_code, resident_id, household_id, visited_on, "
		          "kind, "
		          "findings, visitor_id, visitor_name, created_at) SELECT r.grid_code, "
		          "r.id, NULL, "
		          "$2, $3, $4, $5, $6, $7 FROM residents r WHERE r.id = $1 RETURNING id",
		    err);
		if (!st)
			goto fail;
		gz_stmt_bind_int64(st, 1, v->resident_id);
		gz_stmt_bind_int64(st, 2, v->visited_on);
		gz_stmt_bind_str(st, 3, visit_kind_code(v->kind));
		gz_stmt_bind_str(st, 4, v->findings ? v->findings : "");
		gz_stmt_bind_id(st, 5, v->visitor_id);
		gz_stmt_bind_str(st, 6, v->visitor_name);
		/* Recorded that evening: 18:00 in Asia/Shanghai. */
		gz_stmt_bind_int64(st, 7, (v->visited_on * 86400 + 10 * 3600) * INT64_C(1000));
		int64_t id = 0;
		int rc = gz_stmt_step_id(st, &id, err);
		gz_stmt_finish(st);
		if (rc < 0)
			goto fail;
		if (!id) {
			gz_err_set(err, GZ_ENOTFOUND, "not_found", "居民 %lld 不存在",
			           (long long)v->resident_id);
			goto fail;
		}
		if (v->household) {
			/* Every live member of the household was visited. */
			st = gz_db_prepare(
			    db,
			    "INSERT INTO visit_last (resident_id, last_on, visit_id) SELECT r.id, "
			    "$2, $3 "
			    "FROM residents v JOIN residents r ON r.household_id = v.household_id "
			    "WHERE "
			    "v.id = $1 AND " VISITS_LIVE_RESIDENT
			    " ON CONFLICT (resident_id) DO UPDATE "
			    "SET last_on = excluded.last_on, visit_id = excluded.visit_id WHERE "
			    "excluded.last_on >= visit_last.last_on",
			    err);
			if (!st)
				goto fail;
			gz_stmt_bind_int64(st, 1, v->resident_id);
			gz_stmt_bind_int64(st, 2, v->visited_on);
			gz_stmt_bind_int64(st, 3, id);
			rc = gz_stmt_step(st, err);
			gz_stmt_finish(st);
			if (rc < 0)
				goto fail;
			ls[i] = (last){0, 0, 0};
			continue;
		}
		ls[i] = (last){v->resident_id, v->visited_on, id};
	}
	/* Each resident's latest visit, once. */
	if (n)
		qsort(ls, n, sizeof *ls, cmp_last);
	for (size_t i = 0; i < n; i++) {
		if (!ls[i].resident || (i + 1 < n && ls[i + 1].resident == ls[i].resident))
			continue;
		gz_stmt *st = gz_db_prepare(
		    db,
		    "INSERT INTO visit_last (resident_id, last_on, visit_id) VALUES ($1, $2, $3) "
		    "ON "
		    "CONFLICT (resident_id) DO UPDATE SET last_on = excluded.last_on, visit_id = "
		    "excluded.visit_id WHERE excluded.last_on >= visit_last.last_on",
		    err);
		if (!st)
			goto fail;
		gz_stmt_bind_int64(st, 1, ls[i].resident);
		gz_stmt_bind_int64(st, 2, ls[i].day);
		gz_stmt_bind_int64(st, 3, ls[i].id);
		int rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			goto fail;
	}
	json_t *detail = json_pack("{s:I}", "rows", (json_int_t)n);
	int rc = gz_db_count_add(db, "visits", (int64_t)n, err) < 0
	             ? -1
	             : gz_audit(a, db, "visit.import", "visit", "", scope, detail, err);
	json_decref(detail);
	if (rc < 0 || gz_db_commit(db, err) < 0)
		goto fail;
	free(order);
	free(ls);
	return 0;
fail:
	free(order);
	free(ls);
	gz_db_rollback(db);
	return -1;
}
