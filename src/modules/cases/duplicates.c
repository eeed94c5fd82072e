/* Duplicate suggestions (issue 10, Build 5): the open cases of the same category reported
 * within the category's window (dup_window_hours, before or after) and radius
 * (dup_radius_m, from the case's point; without a point: the same grid), nearest first,
 * among those the actor reads as staff. Offered to the staff registering a case (the
 * answer of POST /api/v1/cases, "duplicates") and on a case (GET
 * /api/v1/cases/{id}/duplicates); the merge action joins a duplicate to its case. */
#include "modules/cases/cases_internal.h"
#include "modules/module.h"
#include "api/common.h"

#include <math.h>
#include <stdlib.h>

#define DUP_CANDIDATES 50 /* read, then checked for distance and access */
#define DUP_MAX        10 /* suggested */

typedef struct {
	case_row c;
	double dist; /* metres; -1 without a point */
} dup;

static double metres(int64_t lat1, int64_t lng1, int64_t lat2, int64_t lng2)
{
	const double r = 6371008.8, k = M_PI / 180 / 1e7;
	double p1 = (double)lat1 * k, p2 = (double)lat2 * k;
	double dp = p2 - p1, dl = (double)(lng2 - lng1) * k;
	double h = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);
	return 2 * r * asin(sqrt(h));
}

static int by_distance(const void *x, const void *y)
{
	const dup *a = x, *b = y;
	if (a->dist != b->dist)
		return a->dist < b->dist ? -1 : 1;
	return a->c.id < b->c.id ? 1 : -1; /* newest first */
}

int case_duplicates(gz_db *db, const gz_actor *a, gz_arena *A, const case_row *c, json_t **out,
                    gz_err *err)
{
	*out = NULL;
	int64_t radius = 50, window = 72;
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT dup_radius_m, dup_window_hours FROM case_categories WHERE id = $1", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, c->category_id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		radius = gz_stmt_int64(st, 0);
		window = gz_stmt_int64(st, 1);
	}
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	int64_t dlat = radius * 10000000LL / 111320 + 1;
	double cl = cos((double)c->lat_e7 / 1e7 * M_PI / 180);
	int64_t dlng = cl > 0.01 ? (int64_t)((double)dlat / cl) + 1 : dlat * 100;
	st =
	    gz_db_prepare(db,
	                  CASE_SELECT " WHERE c.category_id = $1 AND c.reported_at >= $2 AND "
	                              "c.reported_at <= $3 AND c.id <> $4 AND c.state NOT IN "
	                              "('rejected', 'closed', 'rated', 'withdrawn', 'merged') AND "
	                              "(CAST($5 AS BIGINT) = 0 OR (c.lat_e7 BETWEEN $6 AND $7 AND "
	                              "c.lng_e7 BETWEEN $8 AND $9)) AND (CAST($5 AS BIGINT) = 1 OR "
	                              "c.grid_code = $10) ORDER BY c.id DESC LIMIT $11",
	                  err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, c->category_id);
	gz_stmt_bind_int64(st, 2, c->reported_at - window * 3600000);
	gz_stmt_bind_int64(st, 3, c->reported_at + window * 3600000);
	gz_stmt_bind_int64(st, 4, c->id);
	gz_stmt_bind_int64(st, 5, c->has_location);
	gz_stmt_bind_int64(st, 6, c->lat_e7 - dlat);
	gz_stmt_bind_int64(st, 7, c->lat_e7 + dlat);
	gz_stmt_bind_int64(st, 8, c->lng_e7 - dlng);
	gz_stmt_bind_int64(st, 9, c->lng_e7 + dlng);
	gz_stmt_bind_str(st, 10, c->grid);
	gz_stmt_bind_int64(st, 11, DUP_CANDIDATES);
	dup *d = gz_arena_alloc(A, sizeof *d * DUP_CANDIDATES);
	int n = 0;
	while (n < DUP_CANDIDATES && (rc = gz_stmt_step(st, err)) == GZ_ROW) {
		case_row_read(st, A, &d[n].c);
		d[n].dist = c->has_location && d[n].c.has_location
		                ? metres(c->lat_e7, c->lng_e7, d[n].c.lat_e7, d[n].c.lng_e7)
		                : -1;
		if (d[n].dist <= (double)radius)
			n++;
	}
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	qsort(d, (size_t)n, sizeof *d, by_distance);
	json_t *items = json_array();
	for (int i = 0; i < n && json_array_size(items) < DUP_MAX; i++) {
		case_access acc;
		if (case_access_for(a, db, A, &d[i].c, &acc, err) < 0) {
			json_decref(items);
			return -1;
		}
		if (!acc.read || !acc.staff)
			continue;
		json_t *j = case_json(&d[i].c, &acc, false, false);
		json_object_set_new(j, "distance_m",
		                    d[i].dist < 0 ? json_null() : json_integer(llround(d[i].dist)));
		json_array_append_new(items, j);
	}
	*out = items;
	return 0;
}

/* GET /api/v1/cases/{id}/duplicates: {"items": [...]} for staff who read the case. */
static void duplicates_get(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	gz_db *db = gz_req_db(r, &err);
	if (!db || gz_db_begin_read(db, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	case_row c;
	case_access acc = {0};
	json_t *items = NULL;
	int rc = id ? case_load(db, &r->arena, id, &c, &err) : 0;
	if (rc == 1 && case_access_for(a, db, &r->arena, &c, &acc, &err) < 0)
		rc = -1;
	if (rc == 1 && !acc.read)
		rc = 0;
	if (rc == 1 && acc.staff && case_duplicates(db, a, &r->arena, &c, &items, &err) < 0)
		rc = -1;
	gz_db_end_read(db);
	if (rc < 0) {
		gz_reply_err(r, &err);
		return;
	}
	if (rc == 0) {
		gz_reply_error(r, GZ_ENOTFOUND, "not_found", "诉求不存在");
		return;
	}
	/* A reporter reading their own case gets no suggestions (others' cases). */
	gz_reply_json(r, 200, json_pack("{s:o}", "items", items ? items : json_array()));
}

const gz_module_route gz_cases_duplicate_routes[] = {
    {"GET", "/api/v1/cases/{id}/duplicates", duplicates_get, 0, 0},
    {0},
};
