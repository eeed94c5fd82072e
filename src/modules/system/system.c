/* Health, metrics, status and the OpenAPI description. */
#include "modules/module.h"
#include "api/auth.h"
#include "api/common.h"
#include "http/metrics.h"
#include "core/json.h"
#include "core/time.h"
#include "modules/system/system.h"

#include <sodium.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

extern const char gz_openapi_json[];
extern const size_t gz_openapi_json_len;

static int64_t started_ms;

static void healthz(gz_req *r)
{
	static const char body[] = "{\"status\":\"ok\"}";
	gz_reply_raw(r, 200, "application/json; charset=utf-8", body, sizeof body - 1);
}

/* Operations data (record counts of the whole platform, schema, request figures) is
 * for those who run it: a grant that reads the storage probes across the whole system
 * (scope ""), or a Prometheus scraper holding GONGZHI_METRICS_TOKEN (Authorization:
 * Bearer TOKEN, at least 16 bytes, compared in constant time). */
static bool scrape_token(gz_req *r)
{
	const char *tok = getenv("GONGZHI_METRICS_TOKEN");
	const char *h = gz_req_header(r, "Authorization");
	if (!tok || strlen(tok) < 16 || !h || strncasecmp(h, "Bearer ", 7))
		return false;
	size_t n = strlen(tok);
	return strlen(h + 7) == n && sodium_memcmp(h + 7, tok, n) == 0;
}

/* 0 when r may read operations data; otherwise -1 with err set: 401 without a login,
 * 403 for a login without such a grant. */
static int ops_reader(gz_req *r, gz_err *err)
{
	if (!gz_auth_user(r, err))
		return -1;
	if (gz_auth_check(r, ACT_READ, RES_PROBE, "", err) == 0)
		return 0;
	return gz_err_set(err, GZ_EFORBIDDEN, "forbidden", "只有系统运维角色可以查看运行数据");
}

static void metrics(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	if (!scrape_token(r) && ops_reader(r, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	size_t len;
	char *text = gz_metrics_render(&len);
	/* The HTTP layer's figures, then the database's (http/ knows no database). */
	char *all = gz_arena_printf(&r->arena,
	                            "%s# HELP gongzhi_db_connections_open Database connections "
	                            "open in this process.\n# TYPE gongzhi_db_connections_open "
	                            "gauge\ngongzhi_db_connections_open %d\n",
	                            text, gz_db_open_count());
	free(text);
	gz_reply_raw(r, 200, "text/plain; version=0.0.4; charset=utf-8", all, strlen(all));
}

static void openapi(gz_req *r)
{
	gz_reply_raw(r, 200, "application/json; charset=utf-8", gz_openapi_json,
	             gz_openapi_json_len);
}

/* Server and database state. Every logged-in user learns whether the service is up;
 * operations readers also get the driver, schema version and exact record counts
 * (kept by triggers, so this reads a handful of rows whatever the size of the data). */
static void status(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	bool detail = ops_reader(r, &err) == 0;
	gz_err_clear(&err);
	char ts[32], now[32];
	json_t *dbj = json_object();
	json_t *counts = json_object();
	bool ok = false;
	gz_db *db = gz_req_db(r, &err);
	if (db) {
		json_object_set_new(dbj, "driver", json_string(gz_db_driver_name(db)));
		int64_t ver = 0;
		/* One statement: one implicit read transaction (one lock + WAL snapshot). */
		gz_stmt *st = gz_db_prepare(
		    db,
		    "SELECT 0, NULL, COALESCE(MAX(version), 0) FROM schema_migrations "
		    "UNION ALL SELECT 1, name, n FROM record_counts",
		    &err);
		if (st) {
			int rc;
			while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
				if (gz_stmt_int64(st, 0) == 0)
					ver = gz_stmt_int64(st, 2);
				else
					json_object_set_new(counts, gz_stmt_text(st, 1),
					                    json_integer(gz_stmt_int64(st, 2)));
			}
			ok = rc == GZ_DONE;
			gz_stmt_finish(st);
		}
		json_object_set_new(dbj, "schema_version", json_integer(ver));
	}
	json_object_set_new(dbj, "ok", json_boolean(ok));
	if (!ok && detail)
		json_object_set_new(dbj, "error", json_string(err.message));
	if (!detail) {
		json_object_del(dbj, "driver");
		json_object_del(dbj, "schema_version");
	}
	int64_t now_ms = gz_time_now_ms();
	json_t *body =
	    json_pack("{s:s,s:s,s:s,s:I,s:s,s:o}", "status", ok ? "ok" : "degraded", "version",
	              GZ_VERSION, "started_at", gz_time_rfc3339(started_ms, ts, sizeof ts),
	              "uptime_s", (json_int_t)((now_ms - started_ms) / 1000), "server_time",
	              gz_time_rfc3339(now_ms, now, sizeof now), "db", dbj);
	if (detail)
		json_object_set_new(body, "counts", counts);
	else
		json_decref(counts);
	gz_reply_json(r, ok ? 200 : 503, body);
}

/* When the process started serving (status uptime). */
void gz_system_mark_started(void)
{
	started_ms = gz_time_now_ms();
}

/* Public at the door: a scraper has a token, not a session (checked inside). */
const gz_module_route gz_system_routes[] = {
    {"GET", "/healthz", healthz, GZ_ROUTE_PUBLIC, 0},
    {"GET", "/metrics", metrics, GZ_ROUTE_PUBLIC, 0},
    {"GET", "/api/v1/status", status, 0, 0},
    {"GET", "/api/v1/openapi.json", openapi, GZ_ROUTE_PUBLIC, 0},
    {0},
};
