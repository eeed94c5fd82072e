/* What the files of the sharing module share (module-internal). */
#ifndef GZ_MODULES_SHARING_INTERNAL_H
#define GZ_MODULES_SHARING_INTERNAL_H

#include "api/auth.h"
#include "db/db.h"
#include "domain/policy.h"
#include "domain/space_code.h"
#include "http/http.h"
#include "modules/sharing/sharing.h"

#include <jansson.h>
#include <stdint.h>

/* Default period: the last 90 days up to today. */
#define SHARING_DEFAULT_DAYS 90

/* A place and a period asked for: ?node= (a street, community or grid code that exists
 * inside the caller's scope for action on res) and ?from=&to= (YYYY-MM-DD, inclusive,
 * Asia/Shanghai days; default the last 90 days). Errors: 400 bad_query (malformed node,
 * date, to before from, more than 5 calendar years: to must fall before the day 5 years
 * after from), 404 not_found (no such node, or outside the
 * scope: alike). Returns 0 with the fields set, or -1 with err. */
typedef struct {
	const char *node;
	int level;                 /* SPACE_STREET, SPACE_COMMUNITY or SPACE_GRID */
	char lo[GZ_SCOPE_MAX + 2]; /* node's range of codes: [lo, hi) */
	char hi[GZ_SCOPE_MAX + 2];
	int64_t from_day, to_day; /* days (visits/rules.h) */
	int64_t from_ms, to_ms;   /* [from 00:00, to + 1 day 00:00) Beijing time, in ms */
} sharing_query;

int sharing_query_parse(gz_req *r, gz_db *db, policy_action action, policy_resource res,
                        sharing_query *q, gz_err *err);

/* The equity figures of q (GET /sharing/equity's answer) for metric 0 visits, 1 service
 * minutes, 2 cases closed, read on db (inside the request's read snapshot). Returns 0 with
 * *out (new reference), or -1 with err. */
int sharing_equity_build(gz_req *r, gz_db *db, const sharing_query *q, int metric, json_t **out,
                         gz_err *err);

/* The three rates of 接诉即办 (响应率, 解决率, 满意率: docs/METRICS.md "Case rates") of the
 * cases reported in [from, to) ms inside [lo, hi), evaluated at as_of: {response,
 * resolution, satisfaction: {label, numerator, denominator, percent}, registered}. NULL
 * with err on a database error. */
json_t *sharing_three_rates(gz_db *db, const char *lo, const char *hi, int64_t from, int64_t to,
                            int64_t as_of, gz_err *err);

/* Per request (cycles.c): GET /sharing/cycles's answer for q. Returns 0 with *out (new
 * reference), or -1 with err. */
int sharing_cycles_build(gz_db *db, const sharing_query *q, json_t **out, gz_err *err);

/* The day as "YYYY-MM-DD" JSON. */
json_t *sharing_day_json(int64_t day);

#endif
