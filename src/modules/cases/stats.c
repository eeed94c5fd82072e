/* The rates of the case loop: GET /api/v1/stats/cases?node=&from=&to=. One aggregate
 * query over the cases reported in the period inside the node (the (grid_code,
 * reported_at) index: work proportional to the node's cases of the period), the rates
 * computed exactly (rules.c case_rate_percent). docs/METRICS.md, "Case rates", fixes
 * every formula; the names below follow it. */
#include "modules/cases/cases_internal.h"
#include "api/common.h"
#include "core/time.h"
#include "domain/space_code.h"
#include "modules/module.h"

#include <stdio.h>
#include <string.h>

#define STATS_SPAN_MAX_MS (366LL * 24 * 3600 * 1000)
#define STATS_DEFAULT_MS  (30LL * 24 * 3600 * 1000)

/* R: a case that counts (not self-handled, not withdrawn, not a merged duplicate) and was
 * registered (立案). $5 is the evaluation time (as_of). */
#define COUNTS " self_handled = 0 AND state NOT IN ('withdrawn', 'merged') "
#define REG    COUNTS "AND accepted_at IS NOT NULL "
#define CLOSED REG "AND closed_at IS NOT NULL AND closed_at <= $5 "
#define DUE                                                                                        \
	REG "AND ((closed_at IS NOT NULL AND closed_at <= $5) OR (due_at IS NOT NULL AND due_at "  \
	    "<= $5)) "
#define RESPONDED REG "AND responded_at IS NOT NULL AND responded_at <= $5 "
#define RATED     REG "AND satisfaction IS NOT NULL "
#define N(cond)   "SUM(CASE WHEN " cond " THEN 1 ELSE 0 END)"

enum {
	K_RECEIVED,
	K_REGISTERED,
	K_REJECTED,
	K_WITHDRAWN,
	K_MERGED,
	K_DISPATCHED,
	K_DUE,
	K_CLOSED,
	K_ON_TIME,
	K_REWORKED,
	K_EXTENDED,
	K_DUE_RESPONSE,
	K_RESPONDED_ON_TIME,
	K_RATED,
	K_RESOLVED,
	K_SATISFIED,
	K_BASIC,
	K_UNSATISFIED,
	K_SELF_HANDLED,
	K_ESCALATED,
	K__COUNT
};

static const char *const count_names[K__COUNT] = {
    "received",
    "registered",
    "rejected",
    "withdrawn",
    "merged",
    "dispatched",
    "due",
    "closed",
    "closed_on_time",
    "reworked",
    "extended",
    "due_response",
    "responded_on_time",
    "rated",
    "resolved",
    "satisfied",
    "basically_satisfied",
    "unsatisfied",
    "self_handled",
    "escalated",
};

/* The columns in the order of the K_ names. */
// clang-format off
static const char sql_stats[] =
    "SELECT "
    N(COUNTS) ", "                                                      /* received */
    N(REG) ", "                                                         /* registered */
    N(COUNTS "AND state = 'rejected'") ", "
    N("state = 'withdrawn'") ", "
    N("state = 'merged'") ", "
    N(REG "AND (dispatched_at IS NOT NULL OR escalated = 1)") ", "      /* dispatched */
    N(DUE) ", "
    N(CLOSED) ", "
    N(CLOSED "AND handled_at IS NOT NULL AND due_at IS NOT NULL AND handled_at <= due_at") ", "
    N(DUE "AND rework_count > 0") ", "
    N(DUE "AND extension_count > 0") ", "
    N(REG "AND ((responded_at IS NOT NULL AND responded_at <= $5) OR "
          "(response_due_at IS NOT NULL AND response_due_at < $5))") ", " /* due_response */
    N(RESPONDED "AND response_due_at IS NOT NULL AND responded_at <= response_due_at") ", "
    N(RATED) ", "
    N(RATED "AND resolved = 1") ", "
    N(RATED "AND satisfaction = 'satisfied'") ", "
    N(RATED "AND satisfaction = 'basically_satisfied'") ", "
    N(RATED "AND satisfaction = 'unsatisfied'") ", "
    N("self_handled = 1") ", "
    N(REG "AND escalated = 1")
    " FROM cases WHERE grid_code >= $1 AND grid_code < $2 AND reported_at >= $3 AND "
    "reported_at <= $4";
// clang-format on

/* One rate: {label, numerator, denominator, percent (a decimal string, null when the
 * denominator is 0)}. */
static json_t *rate(const char *label, int64_t num, int64_t den)
{
	char pct[16];
	bool ok = case_rate_percent(num, den, pct);
	return json_pack("{s:s,s:I,s:I,s:o}", "label", label, "numerator", (json_int_t)num,
	                 "denominator", (json_int_t)den, "percent",
	                 ok ? json_string(pct) : json_null());
}

static int time_param(gz_req *r, const char *key, int64_t dflt, int64_t *out, gz_err *err)
{
	const char *s = gz_req_query(r, key);
	*out = dflt;
	if (s && (gz_time_parse_rfc3339(s, out) < 0 || *out < 0)) {
		gz_err_set(err, GZ_EBADREQ, "bad_query", "查询参数 %s 无效", key);
		gz_err_field(err, key, "应为 RFC 3339 时间，如 2026-03-01T00:00:00+08:00");
		return -1;
	}
	return 0;
}

static void case_stats(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	const char *node = gz_req_query(r, "node"), *why;
	int level = node ? space_code_level(node) : -1;
	int64_t now = gz_time_now_ms(), from, to;
	if (!a) {
		gz_err_set(&err, GZ_EUNAUTH, "unauthenticated", "请先登录");
		goto fail;
	}
	if (!node || (level != SPACE_STREET && level != SPACE_COMMUNITY && level != SPACE_GRID) ||
	    space_code_check(node, (space_level)level, &why) < 0) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 node 无效");
		gz_err_field(&err, "node", "应为街道、社区或网格编码");
		goto fail;
	}
	if (time_param(r, "to", now, &to, &err) < 0 ||
	    time_param(r, "from", to - STATS_DEFAULT_MS, &from, &err) < 0)
		goto fail;
	if (to < from || to - from > STATS_SPAN_MAX_MS) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "统计区间无效");
		gz_err_field(&err, "to", "应不早于 from，且区间不超过 366 天");
		goto fail;
	}
	/* Case read through a place grant containing the node (access.c). */
	case_grant *g;
	int n = case_grants_of(a, &r->arena, &g);
	const char **ps = gz_arena_alloc(&r->arena, sizeof *ps * (size_t)(n + 1));
	const char **os = gz_arena_alloc(&r->arena, sizeof *os * (size_t)(n + 1));
	int np, no;
	case_list_scopes(g, n, ACT_READ, RES_CASE, ps, &np, os, &no, n + 1);
	bool reach = false;
	for (int i = 0; i < np; i++)
		reach |= policy_scope_contains(ps[i], node);
	if (!reach) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "该位置不存在或不在您的管辖范围内");
		goto fail;
	}
	int64_t as_of = to < now ? to : now;
	char hi[GZ_SCOPE_MAX + 2];
	policy_scope_upper(node, hi, sizeof hi);
	gz_db *db = gz_req_db(r, &err);
	gz_stmt *st = db ? gz_db_prepare(db, sql_stats, &err) : NULL;
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, node);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_int64(st, 3, from);
	gz_stmt_bind_int64(st, 4, to);
	gz_stmt_bind_int64(st, 5, as_of);
	int64_t k[K__COUNT] = {0};
	int rc = gz_stmt_step(st, &err);
	if (rc == GZ_ROW)
		for (int i = 0; i < K__COUNT; i++)
			k[i] = gz_stmt_isnull(st, i) ? 0 : gz_stmt_int64(st, i);
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;
	json_t *counts = json_object();
	for (int i = 0; i < K__COUNT; i++)
		json_object_set_new(counts, count_names[i], json_integer(k[i]));
	json_t *rates = json_object();
	json_object_set_new(rates, "registration", rate("立案率", k[K_REGISTERED], k[K_RECEIVED]));
	json_object_set_new(rates, "dispatch", rate("派遣率", k[K_DISPATCHED], k[K_REGISTERED]));
	json_object_set_new(rates, "closure", rate("结案率", k[K_CLOSED], k[K_DUE]));
	json_object_set_new(rates, "on_time_closure", rate("按期结案率", k[K_ON_TIME], k[K_DUE]));
	json_object_set_new(rates, "rework", rate("返工率", k[K_REWORKED], k[K_DUE]));
	json_object_set_new(rates, "extension", rate("延期率", k[K_EXTENDED], k[K_DUE]));
	json_object_set_new(rates, "response",
	                    rate("响应率", k[K_RESPONDED_ON_TIME], k[K_DUE_RESPONSE]));
	json_object_set_new(rates, "resolution", rate("解决率", k[K_RESOLVED], k[K_RATED]));
	json_object_set_new(rates, "satisfaction",
	                    rate("满意率", k[K_SATISFIED] + k[K_BASIC], k[K_RATED]));
	json_object_set_new(rates, "self_handled",
	                    rate("自处置率", k[K_SELF_HANDLED], k[K_SELF_HANDLED] + k[K_RECEIVED]));
	gz_reply_json(r, 200,
	              json_pack("{s:s,s:o,s:o,s:o,s:o,s:o}", "node", node, "from",
	                        gz_api_time_json(from), "to", gz_api_time_json(to), "as_of",
	                        gz_api_time_json(as_of), "counts", counts, "rates", rates));
	return;
fail:
	gz_reply_err(r, &err);
}

const gz_module_route gz_cases_stats_routes[] = {
    {"GET", "/api/v1/stats/cases", case_stats, 0, 0},
    {0},
};
