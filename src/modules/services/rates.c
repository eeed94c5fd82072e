/* Rates per office (docs/METRICS.md, "Service rates"): GET /api/v1/service-rates over the
 * applications in the caller's read scopes (optionally one place), for a period of
 * Beijing dates. One aggregate query per scope range; the figures are exact counts and
 * the rates their quotients, rounded half up to one decimal. */
#include "modules/module.h"
#include "modules/services/services.h"
#include "modules/services/svc_internal.h"
#include "api/common.h"
#include "api/list.h"

#include <stdio.h>
#include <string.h>

#define OFFICES_MAX 64

enum {
	F_RECEIVED,
	F_ACCEPTED,
	F_DECIDED,
	F_APPROVED,
	F_ON_TIME,
	F_OVERDUE_OPEN,
	F_RETURNED,
	F_RATED,
	F_SATISFIED,
	F_RATING_SUM,
	F__COUNT
};
static const char *const names[F__COUNT] = {
    "received",     "accepted", "decided", "approved",  "on_time",
    "overdue_open", "returned", "rated",   "satisfied", "rating_sum",
};

typedef struct {
	const char *office;
	int64_t f[F__COUNT];
} office_row;

/* $1 lo, $2 hi (the scope range), $3 from, $4 to (exclusive), $5 now. */
static const char *const sql_rates =
    "SELECT office, "
    "SUM(CASE WHEN received_at >= $3 AND received_at < $4 THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN accepted_at >= $3 AND accepted_at < $4 THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN decided_at >= $3 AND decided_at < $4 THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN decided_at >= $3 AND decided_at < $4 AND state IN ('approved', 'issued') "
    "THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN decided_at >= $3 AND decided_at < $4 AND decided_at < due_at THEN 1 ELSE 0 "
    "END), "
    "SUM(CASE WHEN decided_at IS NULL AND due_at IS NOT NULL AND due_at <= $5 THEN 1 ELSE 0 "
    "END), "
    "SUM(CASE WHEN received_at >= $3 AND received_at < $4 AND returned_count > 0 THEN 1 ELSE 0 "
    "END), "
    "SUM(CASE WHEN rated_at >= $3 AND rated_at < $4 THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN rated_at >= $3 AND rated_at < $4 AND rating >= 4 THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN rated_at >= $3 AND rated_at < $4 THEN rating ELSE 0 END) "
    "FROM service_applications WHERE grid_code >= $1 AND grid_code < $2 "
    "AND (decided_at IS NULL OR decided_at >= $3 OR rated_at >= $3) "
    "GROUP BY office";

static json_t *rate(int64_t num, int64_t den)
{
	char b[32];
	const char *p = svc_percent(num, den, b, sizeof b);
	return p ? json_string(p) : json_null();
}

static json_t *row_json(const char *office, const int64_t *f)
{
	json_t *o = json_object();
	if (office)
		json_object_set_new(o, "office", json_string(office));
	for (int i = 0; i < F__COUNT; i++)
		json_object_set_new(o, names[i], json_integer(f[i]));
	json_object_set_new(o, "refused", json_integer(f[F_DECIDED] - f[F_APPROVED]));
	json_object_set_new(o, "late", json_integer(f[F_DECIDED] - f[F_ON_TIME]));
	json_object_set_new(o, "on_time_rate", rate(f[F_ON_TIME], f[F_DECIDED]));
	json_object_set_new(o, "approval_rate", rate(f[F_APPROVED], f[F_DECIDED]));
	json_object_set_new(o, "return_rate", rate(f[F_RETURNED], f[F_RECEIVED]));
	json_object_set_new(o, "satisfaction_rate", rate(f[F_SATISFIED], f[F_RATED]));
	/* The mean of the stars: sum / rated, as sum / (rated * 100) in percent. */
	json_object_set_new(o, "average_rating", rate(f[F_RATING_SUM], f[F_RATED] * 100));
	return o;
}

/* A Beijing date of the query, or the default. */
static int day_query(gz_req *r, const char *key, int32_t dflt, int32_t *out, gz_err *err)
{
	const char *s = gz_req_query(r, key);
	*out = s ? svc_day_parse(s) : dflt;
	if (*out == INT32_MIN) {
		gz_err_set(err, GZ_EBADREQ, "bad_query", "查询参数 %s 无效", key);
		gz_err_field(err, key, "应为日期 YYYY-MM-DD");
		return -1;
	}
	return 0;
}

static void rates_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *actor = gz_req_actor(r);
	int64_t now = svc_now(r);
	int32_t today = svc_local_day(now), from, to;
	const char *place = NULL;
	char dflt[16];
	snprintf(dflt, sizeof dflt, "%04d-01-01", svc_day_year(today));
	if (day_query(r, "from", svc_day_parse(dflt), &from, &err) < 0 ||
	    day_query(r, "to", today, &to, &err) < 0 ||
	    gz_api_code_query(r, "place", GZ_API_AT_STREET | GZ_API_AT_COMMUNITY | GZ_API_AT_GRID,
	                      &place, &err) < 0)
		goto fail;
	if (to < from || to - from > 3660) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "统计期间无效");
		gz_err_field(&err, "to", "应不早于 from，且期间不超过十年");
		goto fail;
	}
	const char *scopes[GZ_AUTH_MAX_GRANTS];
	int n = gz_actor_scopes(actor, ACT_READ, RES_SERVICE, scopes, GZ_AUTH_MAX_GRANTS, &err);
	gz_db *db = n < 0 ? NULL : gz_req_db(r, &err);
	if (!db)
		goto fail;
	office_row rows[OFFICES_MAX];
	int64_t total[F__COUNT] = {0};
	size_t nrows = 0;
	for (int i = 0; i < n; i++) {
		char lo[GZ_SCOPE_MAX + 2], hi[GZ_SCOPE_MAX + 2];
		if (!gz_api_scope_range(scopes[i], place, lo, hi))
			continue;
		gz_stmt *st = gz_db_prepare(db, sql_rates, &err);
		if (!st)
			goto fail;
		gz_stmt_bind_str(st, 1, lo);
		gz_stmt_bind_str(st, 2, hi);
		gz_stmt_bind_int64(st, 3, svc_day_start_ms(from));
		gz_stmt_bind_int64(st, 4, svc_day_start_ms(to + 1));
		gz_stmt_bind_int64(st, 5, now);
		int rc;
		while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
			const char *office = gz_stmt_text(st, 0);
			size_t k = 0;
			while (k < nrows && strcmp(rows[k].office, office))
				k++;
			if (k == nrows) {
				if (nrows == OFFICES_MAX)
					continue;
				rows[nrows].office = gz_arena_strdup(&r->arena, office);
				memset(rows[nrows].f, 0, sizeof rows[nrows].f);
				nrows++;
			}
			for (int c = 0; c < F__COUNT; c++) {
				int64_t v =
				    gz_stmt_isnull(st, c + 1) ? 0 : gz_stmt_int64(st, c + 1);
				rows[k].f[c] += v;
				total[c] += v;
			}
		}
		gz_stmt_finish(st);
		if (rc < 0)
			goto fail;
	}
	/* Offices in name order (byte order), so the answer does not depend on the scopes. */
	for (size_t i = 1; i < nrows; i++)
		for (size_t j = i; j > 0 && strcmp(rows[j - 1].office, rows[j].office) > 0; j--) {
			office_row t = rows[j];
			rows[j] = rows[j - 1];
			rows[j - 1] = t;
		}
	json_t *offices = json_array();
	for (size_t i = 0; i < nrows; i++)
		json_array_append_new(offices, row_json(rows[i].office, rows[i].f));
	char f[16], t[16];
	gz_reply_json(r, 200,
	              json_pack("{s:s,s:s,s:o,s:o,s:o}", "from", svc_day_format(from, f, sizeof f),
	                        "to", svc_day_format(to, t, sizeof t), "as_of",
	                        gz_api_time_json(now), "offices", offices, "total",
	                        row_json(NULL, total)));
	return;
fail:
	gz_reply_err(r, &err);
}

static void rates(gz_req *r)
{
	gz_api_read(r, rates_read);
}

const gz_module_route gz_services_rate_routes[] = {
    {"GET", "/api/v1/service-rates", rates, 0, 0},
    {0},
};
