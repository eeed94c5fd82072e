/* The rates of the case loop: GET /api/v1/stats/cases?node=&from=&to=. The counts from
 * gz_case_counts (rates.c: the counters case_rate_counts and the few cases whose
 * instants lie after the evaluation time, identical to one aggregate query over the
 * node's cases of the period), the rates computed exactly (rules.c case_rate_percent).
 * docs/METRICS.md, "Case rates", fixes every formula; the names below follow it. */
#include "modules/cases/cases.h"
#include "modules/cases/cases_internal.h"
#include "api/common.h"
#include "core/time.h"
#include "domain/space_code.h"
#include "modules/module.h"

#include <stdio.h>
#include <string.h>

#define STATS_SPAN_MAX_MS (366LL * 24 * 3600 * 1000)
#define STATS_DEFAULT_MS  (30LL * 24 * 3600 * 1000)

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
	int64_t k[CASE_K__COUNT] = {0};
	if (!db ||
	    gz_case_counts(db, node, hi, from, to, as_of, now, CASE_COUNTS_FAST, k, &err) < 0)
		goto fail;
	json_t *counts = json_object();
	for (int i = 0; i < CASE_K__COUNT; i++)
		json_object_set_new(counts, case_count_names[i], json_integer(k[i]));
	json_t *rates = json_object();
	json_object_set_new(rates, "registration",
	                    rate("立案率", k[CASE_K_REGISTERED], k[CASE_K_RECEIVED]));
	json_object_set_new(rates, "dispatch",
	                    rate("派遣率", k[CASE_K_DISPATCHED], k[CASE_K_REGISTERED]));
	json_object_set_new(rates, "closure", rate("结案率", k[CASE_K_CLOSED], k[CASE_K_DUE]));
	json_object_set_new(rates, "on_time_closure",
	                    rate("按期结案率", k[CASE_K_ON_TIME], k[CASE_K_DUE]));
	json_object_set_new(rates, "rework", rate("返工率", k[CASE_K_REWORKED], k[CASE_K_DUE]));
	json_object_set_new(rates, "extension", rate("延期率", k[CASE_K_EXTENDED], k[CASE_K_DUE]));
	json_object_set_new(rates, "response",
	                    rate("响应率", k[CASE_K_RESPONDED_ON_TIME], k[CASE_K_DUE_RESPONSE]));
	json_object_set_new(rates, "resolution",
	                    rate("解决率", k[CASE_K_RESOLVED], k[CASE_K_RATED]));
	json_object_set_new(rates, "satisfaction",
	                    rate("满意率", k[CASE_K_SATISFIED] + k[CASE_K_BASIC], k[CASE_K_RATED]));
	json_object_set_new(
	    rates, "self_handled",
	    rate("自处置率", k[CASE_K_SELF_HANDLED], k[CASE_K_SELF_HANDLED] + k[CASE_K_RECEIVED]));
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
