/* The monthly governance report of a street or community (月度治理报告):
 * GET /api/v1/sharing/report?node=&month=YYYY-MM (JSON, for the printable page) and
 * GET /api/v1/sharing/report.xlsx?node=&month= (the same figures as a workbook of rows
 * 类别 / 项目 / 数值). The figures are the equity figures of the month (equity_api.c) and
 * the three rates of 接诉即办 of the cases reported in the month. Aggregates only: grids
 * and groups under 5 people are suppressed as everywhere. */
#include "modules/sharing/sharing_internal.h"
#include "api/common.h"
#include "core/mem.h"
#include "core/time.h"
#include "core/xlsx_write.h"
#include "modules/module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The node's name ("东华门街道 多福巷社区"), or NULL with err. */
static json_t *node_name(gz_db *db, const char *node, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT COALESCE((SELECT s.name FROM streets s WHERE s.code = substr($1, 1, 9)), ''), "
	    "COALESCE((SELECT c.name FROM communities c WHERE c.code = substr($1, 1, 12)), ''), "
	    "COALESCE((SELECT g.name FROM grids g WHERE g.code = $1), '')",
	    err);
	if (!st)
		return NULL;
	gz_stmt_bind_str(st, 1, node);
	json_t *out = NULL;
	if (gz_stmt_step(st, err) == GZ_ROW) {
		char b[700];
		snprintf(
		    b, sizeof b, "%s%s%s%s%s", gz_stmt_text(st, 0), strlen(node) >= 12 ? " " : "",
		    strlen(node) >= 12 ? gz_stmt_text(st, 1) : "", strlen(node) >= 15 ? " " : "",
		    strlen(node) >= 15 ? gz_stmt_text(st, 2) : "");
		out = json_string(b);
	}
	gz_stmt_finish(st);
	return out;
}

/* The report of the request's node and month, or NULL with err. */
static json_t *build(gz_req *r, gz_err *err)
{
	sharing_query q;
	gz_db *db = gz_req_db(r, err);
	if (!db)
		return NULL;
	if (!gz_req_query(r, "month")) {
		gz_err_set(err, GZ_EBADREQ, "bad_query", "缺少查询参数 month");
		gz_err_field(err, "month", "应为月份 YYYY-MM");
		return NULL;
	}
	json_t *eq = NULL;
	if (sharing_query_parse(r, db, ACT_READ, RES_EQUITY, &q, err) < 0 ||
	    sharing_equity_build(r, db, &q, 0, &eq, err) < 0)
		return NULL;
	int64_t now = gz_time_now_ms();
	json_t *name = node_name(db, q.node, err);
	json_t *rates = name ? sharing_three_rates(db, q.lo, q.hi, q.from_ms, q.to_ms,
	                                           q.to_ms < now ? q.to_ms : now, err)
	                     : NULL;
	if (!rates) {
		json_decref(eq), json_decref(name);
		return NULL;
	}
	char month[8];
	snprintf(month, sizeof month, "%s", gz_req_query(r, "month"));
	json_object_set_new(eq, "node_name", name);
	json_object_set_new(eq, "month", json_string(month));
	json_object_set_new(eq, "case_rates", rates);
	json_object_set_new(eq, "generated_at", gz_api_time_json(now));
	return eq;
}

static void report_answer(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *b = build(r, &err);
	if (!b) {
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_json(r, 200, b);
}

static void report(gz_req *r)
{
	gz_api_read(r, report_answer);
}

/* ---- the workbook: one row per figure ---- */

typedef struct {
	char (*cells)[3][160];
	size_t n, cap, next;
} rows;

static void add(rows *rs, const char *a, const char *b, const char *c)
{
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? 2 * rs->cap : 64;
		rs->cells = gz_realloc(rs->cells, rs->cap * sizeof *rs->cells);
	}
	snprintf(rs->cells[rs->n][0], 160, "%s", a);
	snprintf(rs->cells[rs->n][1], 160, "%s", b);
	snprintf(rs->cells[rs->n][2], 160, "%s", c ? c : "—");
	rs->n++;
}

static void addi(rows *rs, const char *a, const char *b, json_t *v)
{
	char t[48];
	if (json_is_integer(v))
		snprintf(t, sizeof t, "%lld", (long long)json_integer_value(v));
	else if (json_is_string(v))
		snprintf(t, sizeof t, "%s", json_string_value(v));
	else
		snprintf(t, sizeof t, "—");
	add(rs, a, b, t);
}

static int next_row(void *ctx, const char **cells, gz_err *err)
{
	(void)err;
	rows *rs = ctx;
	if (rs->next >= rs->n)
		return 0;
	for (int i = 0; i < 3; i++)
		cells[i] = rs->cells[rs->next][i];
	rs->next++;
	return 1;
}

static void report_xlsx_answer(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *b = build(r, &err);
	if (!b) {
		gz_reply_err(r, &err);
		return;
	}
	rows rs = {0};
	add(&rs, "概况", "范围", json_string_value(json_object_get(b, "node_name")));
	add(&rs, "概况", "月份", json_string_value(json_object_get(b, "month")));
	json_t *t = json_object_get(b, "totals");
	static const char *const tk[][2] = {{"residents", "居民（人）"},
	                                    {"visits", "走访（次）"},
	                                    {"residents_visited", "走访到的居民（人）"},
	                                    {"cases_received", "受理诉求（件）"},
	                                    {"cases_closed", "办结诉求（件）"},
	                                    {"service_minutes", "志愿服务（分钟）"}};
	for (size_t i = 0; i < sizeof tk / sizeof tk[0]; i++)
		addi(&rs, "概况", tk[i][1], json_object_get(t, tk[i][0]));
	json_t *cr = json_object_get(b, "case_rates");
	static const char *const rk[] = {"response", "resolution", "satisfaction"};
	for (size_t i = 0; i < 3; i++) {
		json_t *x = json_object_get(cr, rk[i]);
		char v[64], lab[64];
		json_t *p = json_object_get(x, "percent");
		snprintf(v, sizeof v, "%s%s", json_is_string(p) ? json_string_value(p) : "—",
		         json_is_string(p) ? "%" : "");
		snprintf(lab, sizeof lab, "%s", json_string_value(json_object_get(x, "label")));
		add(&rs, "接诉即办", lab, v);
	}
	addi(&rs, "公平", "基尼系数（人均走访）", json_object_get(b, "gini"));
	json_t *th = json_object_get(b, "theil");
	addi(&rs, "公平", "泰尔指数", json_object_get(th, "total"));
	addi(&rs, "公平", "泰尔指数 · 社区间", json_object_get(th, "between"));
	addi(&rs, "公平", "泰尔指数 · 社区内", json_object_get(th, "within"));
	size_t i;
	json_t *g;
	json_array_foreach(json_object_get(b, "groups"), i, g)
	{
		char lab[128];
		snprintf(lab, sizeof lab, "%s 覆盖率",
		         json_string_value(json_object_get(g, "label")));
		json_t *p = json_object_get(g, "coverage_percent");
		add(&rs, "重点人群", lab,
		    json_is_true(json_object_get(g, "suppressed")) ? "不足 5 人，不显示"
		                                                   : json_string_value(p));
		if (json_is_true(json_object_get(g, "suppressed")))
			continue;
		snprintf(lab, sizeof lab, "%s 人均走访",
		         json_string_value(json_object_get(g, "label")));
		addi(&rs, "重点人群", lab, json_object_get(g, "visits_per_capita"));
		snprintf(lab, sizeof lab, "%s 办结需求（件）",
		         json_string_value(json_object_get(g, "label")));
		addi(&rs, "重点人群", lab, json_object_get(g, "needs_met"));
	}
	json_array_foreach(json_object_get(b, "grids"), i, g)
	{
		const char *name = json_string_value(json_object_get(g, "name"));
		if (json_is_true(json_object_get(g, "suppressed"))) {
			add(&rs, name, "居民", "不足 5 人，不显示");
			continue;
		}
		addi(&rs, name, "居民（人）", json_object_get(g, "residents"));
		addi(&rs, name, "走访（次）", json_object_get(g, "visits"));
		addi(&rs, name, "人均走访", json_object_get(g, "visits_per_capita"));
		addi(&rs, name, "办结诉求（件）", json_object_get(g, "cases_closed"));
		addi(&rs, name, "志愿服务（分钟）", json_object_get(g, "service_minutes"));
		addi(&rs, name, "满意率（%）", json_object_get(g, "satisfaction_percent"));
		addi(&rs, name, "响应时长中位数（秒）", json_object_get(g, "response_median_s"));
		addi(&rs, name, "办理时长中位数（秒）", json_object_get(g, "handling_median_s"));
	}
	static const char *const header[] = {"类别", "项目", "数值"};
	unsigned char *bytes = NULL;
	size_t len = 0;
	char fname[96];
	snprintf(fname, sizeof fname, "attachment; filename=\"report-%s-%s.xlsx\"",
	         json_string_value(json_object_get(b, "node")),
	         json_string_value(json_object_get(b, "month")));
	json_decref(b);
	int rc = gz_xlsx_export(NULL, "月度治理报告", header, 3, next_row, &rs, &bytes, &len, &err);
	free(rs.cells);
	if (rc < 0) {
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_header(r, "Content-Disposition", fname);
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_raw(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	             (const char *)bytes, len);
	free(bytes);
}

static void report_xlsx(gz_req *r)
{
	gz_api_read(r, report_xlsx_answer);
}

const gz_module_route gz_sharing_report_routes[] = {
    {"GET", "/api/v1/sharing/report", report, 0, 0},
    {"GET", "/api/v1/sharing/report.xlsx", report_xlsx, 0, 0},
    {0},
};
