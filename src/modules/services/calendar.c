/* The working-day calendar time limits are counted in (rules.h, "working days"): the days
 * that differ from Monday–Friday — holidays and weekend days worked (调休) — as the State
 * Council publishes them each year. Every logged-in user reads it; system administrators
 * (service admin at "") add the next year's days when they are published. A change does
 * not move the due dates already set: an application's due date is fixed at acceptance by
 * the calendar then in force. */
#include "modules/module.h"
#include "modules/services/services.h"
#include "modules/services/svc_internal.h"
#include "api/common.h"
#include "core/json.h"
#include "core/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t svc_now(gz_req *r)
{
#ifdef GZ_TEST_HOOKS
	const char *h = r && getenv("GONGZHI_TEST_CLOCK") ? gz_req_header(r, "X-Test-Now") : NULL;
	int64_t ms;
	if (h && gz_time_parse_rfc3339(h, &ms) == 0)
		return ms;
#else
	(void)r;
#endif
	return gz_time_now_ms();
}

int svc_calendar_load(gz_db *db, gz_arena *A, int32_t from, int32_t to, svc_calendar *cal,
                      gz_err *err)
{
	char lo[16], hi[16];
	svc_day_format(from, lo, sizeof lo);
	svc_day_format(to, hi, sizeof hi);
	cal->days = NULL;
	cal->n = 0;
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT day, workday FROM service_calendar WHERE day >= $1 AND "
	                            "day <= $2 ORDER BY day",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, lo);
	gz_stmt_bind_str(st, 2, hi);
	size_t cap = (size_t)(to >= from ? to - from + 1 : 1);
	svc_calendar_day *days = gz_arena_alloc(A, cap * sizeof *days);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW && cal->n < cap) {
		int32_t d = svc_day_parse(gz_stmt_text(st, 0));
		if (d == INT32_MIN)
			continue;
		days[cal->n++] = (svc_calendar_day){d, gz_stmt_int64(st, 1) != 0};
	}
	gz_stmt_finish(st);
	cal->days = days;
	return rc < 0 ? -1 : 0;
}

static json_t *day_json(gz_stmt *st)
{
	return json_pack("{s:s,s:b,s:s}", "day", gz_stmt_text(st, 0), "workday",
	                 gz_stmt_int64(st, 1) != 0, "note", gz_stmt_text(st, 2));
}

/* GET /api/v1/service-calendar?year=2026 */
static void calendar_list(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const char *y = gz_req_query(r, "year");
	char *end = NULL;
	long year = y ? strtol(y, &end, 10) : svc_day_year(svc_local_day(svc_now(r)));
	if (y && (!*y || *end || year < 2000 || year > 2100)) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 year 无效");
		gz_err_field(&err, "year", "应为 2000–2100 的年份");
		gz_reply_err(r, &err);
		return;
	}
	char lo[24], hi[24]; /* 24: room for any long year (-Wformat-truncation at -O2) */
	snprintf(lo, sizeof lo, "%04ld-01-01", year);
	snprintf(hi, sizeof hi, "%04ld-12-31", year);
	gz_db *db = gz_req_db(r, &err);
	gz_stmt *st = db ? gz_db_prepare(db,
	                                 "SELECT day, workday, note FROM service_calendar WHERE "
	                                 "day >= $1 AND day <= $2 ORDER BY day",
	                                 &err)
	                 : NULL;
	if (!st) {
		gz_reply_err(r, &err);
		return;
	}
	gz_stmt_bind_str(st, 1, lo);
	gz_stmt_bind_str(st, 2, hi);
	json_t *items = json_array();
	int rc;
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW)
		json_array_append_new(items, day_json(st));
	gz_stmt_finish(st);
	if (rc < 0) {
		json_decref(items);
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_json(r, 200, json_pack("{s:i,s:o}", "year", (int)year, "days", items));
}

/* PUT /api/v1/service-calendar/{day} {workday, note} and DELETE: one day. */
static void calendar_write(gz_req *r, bool del)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	const char *day = gz_req_param(r, "day");
	json_t *in = del ? NULL : gz_req_json(r, &err), *out = NULL;
	bool workday = false;
	const char *note = "";
	gz_db *db = NULL;
	if (!del && !in)
		goto fail;
	if (svc_day_parse(day) == INT32_MIN) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "日期应为 YYYY-MM-DD");
		goto fail;
	}
	if (in) {
		gz_json_bool(in, "workday", GZ_REQUIRED, &workday, &err);
		gz_json_str(in, "note", GZ_OPTIONAL, 0, 40, &note, &err);
		int wd = svc_weekday(svc_day_parse(day));
		if (!err.nfields && workday == (wd <= 5))
			gz_err_field(&err, "workday",
			             workday ? "周一至周五本来就是工作日" : "周六、周日本来就休息");
	}
	if (gz_json_check(&err) < 0 || gz_actor_check(a, ACT_ADMIN, RES_SERVICE, "", &err) < 0 ||
	    !(db = gz_req_db(r, &err)) || gz_db_begin(db, &err) < 0)
		goto fail;
	gz_stmt *st = gz_db_prepare(
	    db,
	    del ? "DELETE FROM service_calendar WHERE day = $1"
	        : "INSERT INTO service_calendar (day, workday, note) VALUES ($1, $2, $3) ON "
	          "CONFLICT "
	          "(day) DO UPDATE SET workday = excluded.workday, note = excluded.note",
	    &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_str(st, 1, day);
	if (!del) {
		gz_stmt_bind_int64(st, 2, workday);
		gz_stmt_bind_str(st, 3, note);
	}
	int rc = gz_stmt_step(st, &err);
	int64_t changed = rc < 0 ? 0 : gz_stmt_changes(st);
	gz_stmt_finish(st);
	if (rc < 0)
		goto rollback;
	if (del && !changed) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "日历中没有这一天");
		goto rollback;
	}
	json_t *detail = del ? NULL : json_pack("{s:b,s:s}", "workday", workday, "note", note);
	rc = gz_audit(a, db, del ? "service_calendar.delete" : "service_calendar.set",
	              "service_calendar", day, "", detail, &err);
	json_decref(detail);
	if (rc < 0)
		goto rollback;
	out = del ? json_pack("{s:s,s:b}", "day", day, "deleted", 1)
	          : json_pack("{s:s,s:b,s:s}", "day", day, "workday", workday, "note", note);
	if (gz_api_commit(r, db, 200, out, &err) < 0)
		goto rollback;
	json_decref(in);
	gz_reply_json(r, 200, out);
	return;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(in);
	json_decref(out);
	gz_reply_err(r, &err);
}

static void calendar_put(gz_req *r)
{
	calendar_write(r, false);
}

static void calendar_delete(gz_req *r)
{
	calendar_write(r, true);
}

const gz_module_route gz_services_calendar_routes[] = {
    {"GET", "/api/v1/service-calendar", calendar_list, 0, 0},
    {"PUT", "/api/v1/service-calendar/{day}", calendar_put, 0, 0},
    {"DELETE", "/api/v1/service-calendar/{day}", calendar_delete, 0, 0},
    {0},
};
