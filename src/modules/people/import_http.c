/* The import endpoints: POST /residents/import (the engine is people_import.c), the
 * 422 answer with its report, and the report download. */
#include "modules/people/people_internal.h"
#include "modules/module.h"
#include "api/list.h"
#include "api/ratelimit.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/time.h"
#include "core/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ imports */

static const char *const import_types[] = {
    "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"};

/* The 422: the error shape (SPEC §7) with up to 32 problems as fields, and next to it
 * the full report and where to download it. */
static void reply_import_errors(gz_req *r, gz_db *db, json_t *report, gz_people_kind kind)
{
	gz_err err;
	gz_err_clear(&err);
	long long n = json_integer_value(json_object_get(report, "error_count"));
	gz_err_set(&err, GZ_EINVALID, "import_invalid",
	           "导入未执行：发现 %lld 个问题，没有导入任何%s", n,
	           kind == GZ_PEOPLE_UNITS ? "房屋" : "居民");
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(report, "errors"), i, e)
	{
		if (err.nfields >= GZ_ERR_MAX_FIELDS)
			break;
		json_t *row = json_object_get(e, "row");
		const char *col = json_string_value(json_object_get(e, "column"));
		char key[128];
		if (json_is_integer(row))
			snprintf(key, sizeof key, "rows[%lld]%s%s",
			         (long long)json_integer_value(row), col ? "." : "",
			         col ? col : "");
		else
			snprintf(key, sizeof key, "file");
		gz_err_field(&err, key, "%s", json_string_value(json_object_get(e, "reason")));
	}
	/* Keep the report for download by this user (its own short transaction). */
	gz_err serr;
	gz_err_clear(&serr);
	const gz_auth *a = r->auth;
	char *text = gz_json_dump(report, NULL);
	int64_t id = 0;
	if (text && gz_db_begin(db, &serr) == 0) {
		/* Reports are kept 30 days. */
		gz_stmt *st =
		    gz_db_prepare(db, "DELETE FROM import_reports WHERE created_at < $1", &serr);
		if (st) {
			gz_stmt_bind_int64(st, 1, gz_time_now_ms() - INT64_C(30) * 86400 * 1000);
			gz_stmt_step(st, &serr);
			gz_stmt_finish(st);
		}
		st = gz_db_prepare(db,
		                   "INSERT INTO import_reports (kind, user_id, created_at, rows, "
		                   "error_count, report) VALUES ($1, $2, $3, $4, $5, $6) "
		                   "RETURNING id",
		                   &serr);
		if (st) {
			gz_stmt_bind_str(st, 1, kind == GZ_PEOPLE_UNITS ? "units" : "residents");
			gz_stmt_bind_int64(st, 2, a->user_id);
			gz_stmt_bind_int64(st, 3, gz_time_now_ms());
			gz_stmt_bind_int64(st, 4,
			                   json_integer_value(json_object_get(report, "rows")));
			gz_stmt_bind_int64(st, 5, n);
			gz_stmt_bind_str(st, 6, text);
			if (gz_stmt_step(st, &serr) == GZ_ROW)
				id = gz_stmt_int64(st, 0);
			gz_stmt_finish(st);
		}
		if (!id || gz_db_commit(db, &serr) < 0) {
			gz_db_rollback(db);
			id = 0;
		}
	}
	free(text);
	if (id) {
		char path[80];
		json_object_set_new(report, "report_id", gz_api_id_json(id));
		snprintf(path, sizeof path, "/api/v1/imports/%lld/report.xlsx", (long long)id);
		json_object_set_new(report, "report_url", json_string(path));
	} else {
		gz_log_warn("people: import report not stored: %s", serr.message);
		json_object_set_new(report, "report_id", json_null());
		json_object_set_new(report, "report_url", json_null());
	}
	gz_reply_err_extra(r, &err, report);
}

void gz_people_import_reply(gz_req *r, gz_people_kind kind)
{
	gz_err err;
	gz_err_clear(&err);
	int which;
	size_t len;
	const char *body = gz_req_body_of_type(r, import_types, 2, &which, &len, &err);
	gz_db *db = body ? gz_req_db(r, &err) : NULL;
	const char *dr = gz_req_query(r, "dry_run");
	bool dry_run = dr && (!strcmp(dr, "1") || !strcmp(dr, "true"));
	json_t *report = NULL;
	if (!db ||
	    gz_people_import(db, gz_req_actor(r), kind, body, len, dry_run, &report, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	if (!json_is_true(json_object_get(report, "ok"))) {
		reply_import_errors(r, db, report, kind);
		json_decref(report);
		return;
	}
	long long created = json_integer_value(json_object_get(report, "created"));
	gz_reply_json(r, !dry_run && created > 0 ? 201 : 200, report);
}

static void resident_import(gz_req *r)
{
	gz_people_import_reply(r, GZ_PEOPLE_RESIDENTS);
}

/* GET /imports/{id}/report.xlsx: the problems of an import, for the user who ran it. */
static void import_report(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	gz_db *db = gz_req_db(r, &err);
	gz_stmt *st = db && id ? gz_db_prepare(db,
	                                       "SELECT user_id, report, kind FROM import_reports "
	                                       "WHERE id = $1",
	                                       &err)
	                       : NULL;
	if (!st) {
		if (!err.kind)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		gz_reply_err(r, &err);
		return;
	}
	gz_stmt_bind_int64(st, 1, id);
	int k = people_step_one(st, &err);
	json_t *report = NULL;
	char kind[16] = "";
	if (k == 1) {
		if (gz_auth_self(r, gz_stmt_isnull(st, 0) ? 0 : gz_stmt_int64(st, 0), &err) == 0) {
			report = json_loadb(gz_stmt_text(st, 1), gz_stmt_len(st, 1), 0, NULL);
			snprintf(kind, sizeof kind, "%s", gz_stmt_text(st, 2));
		}
		gz_stmt_finish(st);
	} else if (k == 0) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
	}
	unsigned char *bytes = NULL;
	size_t n = 0;
	if (!report || gz_people_report_xlsx(report, NULL, &bytes, &n, &err) < 0) {
		json_decref(report);
		if (!err.kind)
			gz_err_set(&err, GZ_EINTERNAL, "internal", "报告无法读取");
		gz_reply_err(r, &err);
		return;
	}
	json_decref(report);
	char cd[128];
	snprintf(cd, sizeof cd, "attachment; filename=\"import-%lld-%s-errors.xlsx\"",
	         (long long)id, kind);
	gz_reply_header(r, "Content-Disposition", cd);
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_raw(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	             (const char *)bytes, n);
	free(bytes);
}

const gz_module_route gz_people_import_routes[] = {
    {"POST", "/api/v1/residents/import", resident_import, 0, GZ_PEOPLE_IMPORT_MAX_BYTES},
    {"GET", "/api/v1/imports/{id}/report.xlsx", import_report, 0, 0},
    {0},
};
