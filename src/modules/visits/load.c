/* The bulk load of visits for `gongzhi demo` and `gongzhi gen` (visits.h).
 *
 * A year of a street's visits is tens of thousands of rows: one statement per row costs a
 * round trip each on PostgreSQL. So the residents' places are read RESOLVE_BATCH at a
 * time, and visits are written ROWS_PER_INSERT per statement, in the order of their days
 * (ids follow the days, as when recorded one by one). The latest visit of each resident
 * or household is written alone, with RETURNING, for its row of visit_last. */
#include "modules/visits/visits_internal.h"
#include "api/common.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RESOLVE_BATCH   64
#define ROWS_PER_INSERT 32
#define INSERT_COLS                                                                                \
	"INSERT INTO visits (grid_code, resident_id, household_id, visited_on, kind, findings, "   \
	"visitor_id, visitor_name, created_at) VALUES "

/* Where a resident lives, as the register says. */
typedef struct {
	int64_t id, household;
	char grid[SPACE_CODE_SIZE], household_grid[SPACE_CODE_SIZE];
	bool found;
} place;

typedef struct {
	const gz_visit_row *v;
	const place *p;
	bool latest; /* the latest visit of its resident (or household) */
} item;

static int cmp_place(const void *a, const void *b)
{
	const place *x = a, *y = b;
	return (x->id > y->id) - (x->id < y->id);
}

/* Whom a visit reached: the resident's id, or minus the household's. */
static int64_t target_of(const item *it)
{
	return it->v->household ? -it->p->household : it->v->resident_id;
}

/* Items by target, then day: the last of each run is the target's latest visit. */
static int cmp_target(const void *a, const void *b)
{
	const item *x = a, *y = b;
	int64_t tx = target_of(x), ty = target_of(y);
	if (tx != ty)
		return (tx > ty) - (tx < ty);
	if (x->v->visited_on != y->v->visited_on)
		return (x->v->visited_on > y->v->visited_on) -
		       (x->v->visited_on < y->v->visited_on);
	return (x->v > y->v) - (x->v < y->v);
}

/* Items in the order they were made. */
static int cmp_day(const void *a, const void *b)
{
	const item *x = a, *y = b;
	if (x->v->visited_on != y->v->visited_on)
		return (x->v->visited_on > y->v->visited_on) -
		       (x->v->visited_on < y->v->visited_on);
	return (x->v > y->v) - (x->v < y->v);
}

/* Fills the places of ps[0..n) (sorted by id, distinct), RESOLVE_BATCH per query. */
static int resolve(gz_db *db, place *ps, size_t n, gz_err *err)
{
	char sql[1024]; /* the same text each time: one cached statement */
	{
		size_t k =
		    (size_t)snprintf(sql, sizeof sql,
		                     "SELECT r.id, r.grid_code, COALESCE(r.household_id, 0), "
		                     "COALESCE(h.grid_code, '') FROM residents r LEFT JOIN "
		                     "households h ON h.id = r.household_id WHERE r.id IN (");
		for (int i = 1; i <= RESOLVE_BATCH; i++)
			k += (size_t)snprintf(sql + k, sizeof sql - k, "%s$%d", i > 1 ? ", " : "",
			                      i);
		snprintf(sql + k, sizeof sql - k, ")");
	}
	for (size_t at = 0; at < n; at += RESOLVE_BATCH) {
		gz_stmt *st = gz_db_prepare(db, sql, err);
		if (!st)
			return -1;
		for (int i = 0; i < RESOLVE_BATCH; i++)
			gz_stmt_bind_int64(st, i + 1,
			                   at + (size_t)i < n ? ps[at + (size_t)i].id : 0);
		int rc;
		while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
			place key = {.id = gz_stmt_int64(st, 0)};
			place *p = bsearch(&key, ps, n, sizeof *ps, cmp_place);
			if (!p)
				continue;
			p->found = true;
			snprintf(p->grid, sizeof p->grid, "%s", gz_stmt_text(st, 1));
			p->household = gz_stmt_int64(st, 2);
			snprintf(p->household_grid, sizeof p->household_grid, "%s",
			         gz_stmt_text(st, 3));
		}
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Binds item it's nine columns from parameter base + 1. */
static void bind_item(gz_stmt *st, int base, const item *it)
{
	const gz_visit_row *v = it->v;
	gz_stmt_bind_str(st, base + 1, v->household ? it->p->household_grid : it->p->grid);
	gz_stmt_bind_id(st, base + 2, v->household ? 0 : v->resident_id);
	gz_stmt_bind_id(st, base + 3, v->household ? it->p->household : 0);
	gz_stmt_bind_int64(st, base + 4, v->visited_on);
	gz_stmt_bind_str(st, base + 5, visit_kind_code(v->kind));
	gz_stmt_bind_str(st, base + 6, v->findings ? v->findings : "");
	gz_stmt_bind_id(st, base + 7, v->visitor_id);
	gz_stmt_bind_str(st, base + 8, v->visitor_name);
	/* Recorded that evening: 18:00 in Asia/Shanghai. */
	gz_stmt_bind_int64(st, base + 9, (v->visited_on * 86400 + 10 * 3600) * INT64_C(1000));
}

/* Writes items[0..n) (none of them a latest visit) ROWS_PER_INSERT per statement. */
static int write_batch(gz_db *db, const item *items, size_t n, gz_err *err)
{
	char sql[ROWS_PER_INSERT * 64 + 256];
	{
		size_t k = (size_t)snprintf(sql, sizeof sql, "%s", INSERT_COLS);
		for (int r = 0; r < ROWS_PER_INSERT; r++) {
			k += (size_t)snprintf(sql + k, sizeof sql - k, "%s(", r ? ", " : "");
			for (int c = 1; c <= 9; c++)
				k += (size_t)snprintf(sql + k, sizeof sql - k, "%s$%d",
				                      c > 1 ? ", " : "", r * 9 + c);
			k += (size_t)snprintf(sql + k, sizeof sql - k, ")");
		}
	}
	size_t at = 0;
	for (; at + ROWS_PER_INSERT <= n; at += ROWS_PER_INSERT) {
		gz_stmt *st = gz_db_prepare(db, sql, err);
		if (!st)
			return -1;
		for (int r = 0; r < ROWS_PER_INSERT; r++)
			bind_item(st, r * 9, &items[at + (size_t)r]);
		int rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	}
	for (; at < n; at++) {
		gz_stmt *st =
		    gz_db_prepare(db, INSERT_COLS "($1, $2, $3, $4, $5, $6, $7, $8, $9)", err);
		if (!st)
			return -1;
		bind_item(st, 0, &items[at]);
		int rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Writes a latest visit and brings visit_last up to date for whom it reached. */
static int write_latest(gz_db *db, const item *it, gz_err *err)
{
	gz_stmt *st =
	    gz_db_prepare(db, INSERT_COLS "($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id", err);
	if (!st)
		return -1;
	bind_item(st, 0, it);
	int64_t id = 0;
	int rc = gz_stmt_step_id(st, &id, err);
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	st = gz_db_prepare(
	    db,
	    it->v->household
	        ? "INSERT INTO visit_last (resident_id, last_on, visit_id) SELECT r.id, $2, $3 "
	          "FROM "
	          "residents r WHERE r.household_id = $1 AND " VISITS_LIVE_RESIDENT
	          " ON CONFLICT (resident_id) DO UPDATE SET last_on = excluded.last_on, visit_id = "
	          "excluded.visit_id WHERE excluded.last_on >= visit_last.last_on"
	        : "INSERT INTO visit_last (resident_id, last_on, visit_id) VALUES ($1, $2, $3) ON "
	          "CONFLICT (resident_id) DO UPDATE SET last_on = excluded.last_on, visit_id = "
	          "excluded.visit_id WHERE excluded.last_on >= visit_last.last_on",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, it->v->household ? it->p->household : it->v->resident_id);
	gz_stmt_bind_int64(st, 2, it->v->visited_on);
	gz_stmt_bind_int64(st, 3, id);
	rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

int gz_visits_load(gz_db *db, const gz_actor *a, const gz_visit_row *rows, size_t n,
                   const char *scope, gz_err *err)
{
	if (gz_actor_check(a, ACT_WRITE, RES_VISIT, scope, err) < 0)
		return -1;
	size_t m = n ? n : 1, np = 0;
	place *ps = gz_calloc(m, sizeof *ps);
	item *items = gz_calloc(m, sizeof *items);
	int ret = -1;
	/* The distinct residents, sorted by id. */
	for (size_t i = 0; i < n; i++)
		ps[i].id = rows[i].resident_id;
	if (n)
		qsort(ps, n, sizeof *ps, cmp_place);
	for (size_t i = 0; i < n; i++)
		if (!np || ps[np - 1].id != ps[i].id)
			ps[np++] = ps[i];
	if (gz_db_begin(db, err) < 0)
		goto out;
	if (resolve(db, ps, np, err) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		place key = {.id = rows[i].resident_id};
		const place *p = bsearch(&key, ps, np, sizeof *ps, cmp_place);
		if (!p->found || (rows[i].household && !p->household)) {
			gz_err_set(err, GZ_ENOTFOUND, "not_found", "居民 %lld %s",
			           (long long)rows[i].resident_id, p->found ? "没有户" : "不存在");
			goto fail;
		}
		items[i] = (item){.v = &rows[i], .p = p};
	}
	/* Which visit is each resident's (household's) latest. */
	if (n)
		qsort(items, n, sizeof *items, cmp_target);
	for (size_t i = 0; i < n; i++)
		items[i].latest = i + 1 == n || target_of(&items[i + 1]) != target_of(&items[i]);
	if (n)
		qsort(items, n, sizeof *items, cmp_day);
	/* In day order: runs of ordinary rows in batches, each latest row alone. */
	size_t run = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && !items[i].latest)
			continue;
		if (write_batch(db, items + run, i - run, err) < 0 ||
		    (i < n && write_latest(db, &items[i], err) < 0))
			goto fail;
		run = i + 1;
	}
	json_t *detail = json_pack("{s:I}", "rows", (json_int_t)n);
	int rc = gz_db_count_add(db, "visits", (int64_t)n, err) < 0
	             ? -1
	             : gz_audit(a, db, "visit.import", "visit", "", scope, detail, err);
	json_decref(detail);
	if (rc < 0 || gz_db_commit(db, err) < 0)
		goto fail;
	ret = 0;
	goto out;
fail:
	gz_db_rollback(db);
out:
	free(items);
	free(ps);
	return ret;
}
