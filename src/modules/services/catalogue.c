/* The service catalogue (办事指南): the public list and search, one entry, and new entries
 * by administrators. Anyone may read the catalogue without a login (it says how to get
 * things done, nothing about anyone); writing it needs service admin where the entry is
 * offered ("" = everywhere: system administrators).
 *
 * Search: GET /api/v1/service-catalogue?q=WORDS finds the entries holding every word of
 * q inside their text (terms.c): candidates by the terms, through SQLite FTS5 or a
 * PostgreSQL tsvector of the same terms, then each word checked as a substring of the
 * entry's normalised text, in pages by id. */
#include "modules/module.h"
#include "modules/services/services.h"
#include "modules/services/svc_internal.h"
#include "modules/services/rules.h"
#include "api/common.h"
#include "core/json.h"
#include "core/time.h"
#include "core/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUMMARY_COLS                                                                               \
	"s.id, s.code, s.name, s.category, s.summary, s.office, s.time_limit_days, s.fee_fen, "    \
	"s.online, s.certificate_kind, s.scope_code, s.search_text"
#define DETAIL_COLS SUMMARY_COLS ", s.conditions, s.legal_basis, s.materials, s.steps, s.fields"

/* The entry in the current row (SUMMARY_COLS), without its details. */
static json_t *summary_json(gz_stmt *st)
{
	const char *cat = gz_stmt_text(st, 3);
	const char *label = svc_category_label(cat);
	return json_pack("{s:o,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:I,s:b,s:o,s:s}", "id",
	                 gz_api_id_json(gz_stmt_int64(st, 0)), "code", gz_stmt_text(st, 1), "name",
	                 gz_stmt_text(st, 2), "category", cat, "category_label",
	                 label ? label : cat, "summary", gz_stmt_text(st, 4), "office",
	                 gz_stmt_text(st, 5), "time_limit_days", (int)gz_stmt_int64(st, 6),
	                 "fee_fen", (json_int_t)gz_stmt_int64(st, 7), "online",
	                 gz_stmt_int64(st, 8) != 0, "certificate_kind", gz_api_text_or_null(st, 9),
	                 "scope_code", gz_stmt_text(st, 10));
}

/* The whole entry (DETAIL_COLS). */
static json_t *detail_json(gz_stmt *st)
{
	json_t *o = summary_json(st);
	json_object_set_new(o, "conditions", json_string(gz_stmt_text(st, 12)));
	json_object_set_new(o, "legal_basis", json_string(gz_stmt_text(st, 13)));
	json_object_set_new(o, "materials", svc_json_column(st, 14));
	json_object_set_new(o, "steps", svc_json_column(st, 15));
	json_object_set_new(o, "fields", svc_json_column(st, 16));
	return o;
}

/* The text an entry is found by: name, category, summary, conditions, office, the kind of
 * certificate, the materials with their notes, the steps and the field labels. */
static char *search_source(gz_arena *A, const char *name, const char *category, const char *summary,
                           const char *conditions, const char *office, const char *kind,
                           const json_t *materials, const json_t *steps, const json_t *fields)
{
	const char *label = svc_category_label(category);
	char *s = gz_arena_printf(A, "%s\n%s\n%s\n%s\n%s\n%s", name, label ? label : category,
	                          summary, conditions, office, kind ? kind : "");
	for (size_t i = 0; i < json_array_size(materials); i++) {
		const json_t *m = json_array_get(materials, i);
		const char *n = json_string_value(json_object_get(m, "name"));
		const char *note = json_string_value(json_object_get(m, "note"));
		s = gz_arena_printf(A, "%s\n%s %s", s, n ? n : "", note ? note : "");
	}
	for (size_t i = 0; i < json_array_size(steps); i++) {
		const char *t = json_string_value(json_array_get(steps, i));
		s = gz_arena_printf(A, "%s\n%s", s, t ? t : "");
	}
	for (size_t i = 0; i < json_array_size(fields); i++) {
		const char *l =
		    json_string_value(json_object_get(json_array_get(fields, i), "label"));
		s = gz_arena_printf(A, "%s\n%s", s, l ? l : "");
	}
	return s;
}

/* ---------------------------------------------------------------- indexing */

typedef struct {
	int64_t id;
	char *terms, *norm;
} stale_row;

int gz_services_reindex(gz_db *db, gz_err *err)
{
	int64_t any = 0;
	int rc = gz_db_query_int64(db, "SELECT id FROM services WHERE terms_version < $1 LIMIT 1",
	                           &any, err, 1, (int64_t)SVC_TERMS_VERSION);
	if (rc <= 0)
		return rc;
	gz_arena A = {0};
	size_t n = 0, cap = 16;
	stale_row *rows = gz_arena_alloc(&A, cap * sizeof *rows);
	if (gz_db_begin(db, err) < 0)
		goto fail;
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT id, name, category, summary, conditions, office, "
	                            "certificate_kind, materials, steps, fields FROM services "
	                            "WHERE terms_version < $1 ORDER BY id",
	                            err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, SVC_TERMS_VERSION);
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		if (n == cap) {
			stale_row *more = gz_arena_alloc(&A, 2 * cap * sizeof *rows);
			memcpy(more, rows, n * sizeof *rows);
			rows = more, cap *= 2;
		}
		json_t *m = svc_json_column(st, 7), *s = svc_json_column(st, 8),
		       *f = svc_json_column(st, 9);
		char *src =
		    search_source(&A, gz_stmt_text(st, 1), gz_stmt_text(st, 2), gz_stmt_text(st, 3),
		                  gz_stmt_text(st, 4), gz_stmt_text(st, 5),
		                  gz_stmt_isnull(st, 6) ? NULL : gz_stmt_text(st, 6), m, s, f);
		json_decref(m), json_decref(s), json_decref(f);
		rows[n].id = gz_stmt_int64(st, 0);
		svc_terms(&A, src, &rows[n].terms, &rows[n].norm);
		n++;
	}
	gz_stmt_finish(st);
	if (rc < 0)
		goto rollback;
	for (size_t i = 0; i < n; i++) {
		st = gz_db_prepare(db,
		                   "UPDATE services SET search_terms = $1, search_text = $2, "
		                   "terms_version = $3 WHERE id = $4 AND terms_version < $3",
		                   err);
		if (!st)
			goto rollback;
		gz_stmt_bind_str(st, 1, rows[i].terms);
		gz_stmt_bind_str(st, 2, rows[i].norm);
		gz_stmt_bind_int64(st, 3, SVC_TERMS_VERSION);
		gz_stmt_bind_int64(st, 4, rows[i].id);
		rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			goto rollback;
	}
	if (gz_db_commit(db, err) < 0)
		goto rollback;
	gz_arena_free(&A);
	return 0;
rollback:
	gz_db_rollback(db);
fail:
	gz_arena_free(&A);
	return -1;
}

/* ---------------------------------------------------------------- list and search */

/* Candidates read per query while filling a page of search results. */
#define SEARCH_BATCH 100

static void catalogue_list(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	int limit;
	int64_t after;
	const char *q = gz_req_query(r, "q");
	const char *cat = gz_req_query(r, "category");
	if (gz_req_list_params(r, &limit, &after, &err) < 0)
		goto fail;
	if (q && gz_utf8_len(q, strlen(q)) > SVC_QUERY_MAX_CHARS) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "搜索词最多 %d 个字",
		           SVC_QUERY_MAX_CHARS);
		gz_err_field(&err, "q", "最多 %d 个字", SVC_QUERY_MAX_CHARS);
		goto fail;
	}
	if (cat && !svc_category_label(cat)) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 category 无效");
		gz_err_field(&err, "category",
		             "应为 certificate、card、subsidy、assistance、registration、"
		             "consultation 之一");
		goto fail;
	}
	gz_db *db = gz_req_db(r, &err);
	if (!db)
		goto fail;
	if (q && *q && gz_services_reindex(db, &err) < 0)
		goto fail;
	bool search = q && *q;
	const char *match = NULL;
	if (search) {
		match = gz_db_driver(db) == GZ_DB_SQLITE ? svc_fts5_query(&r->arena, q)
		                                         : svc_query_terms(&r->arena, q);
		if (!*match) { /* nothing to look for: punctuation only */
			gz_reply_json(r, 200, gz_list_json(r, json_array(), 0));
			return;
		}
	}
	const char *sql =
	    !search ? "SELECT " SUMMARY_COLS " FROM services s WHERE s.active = 1 AND s.id > $1 "
	              "AND (CAST($3 AS TEXT) = '' OR s.category = $3) ORDER BY s.id LIMIT $2"
	    : gz_db_driver(db) == GZ_DB_SQLITE
	        ? "SELECT " SUMMARY_COLS " FROM service_fts f JOIN services s ON s.id = f.rowid "
	          "WHERE service_fts MATCH $4 AND s.active = 1 AND s.id > $1 AND (CAST($3 AS "
	          "TEXT) = '' OR s.category = $3) ORDER BY s.id LIMIT $2"
	        : "SELECT " SUMMARY_COLS " FROM services s WHERE s.search_vec @@ "
	          "plainto_tsquery('simple', $4) AND s.active = 1 AND s.id > $1 AND (CAST($3 AS "
	          "TEXT) = '' OR s.category = $3) ORDER BY s.id LIMIT $2";
	json_t *items = json_array();
	int64_t last = 0;
	bool more = false;
	for (;;) {
		gz_stmt *st = gz_db_prepare(db, sql, &err);
		if (!st) {
			json_decref(items);
			goto fail;
		}
		int batch = search ? SEARCH_BATCH : limit + 1;
		gz_stmt_bind_int64(st, 1, after);
		gz_stmt_bind_int64(st, 2, batch);
		gz_stmt_bind_str(st, 3, cat ? cat : "");
		if (search)
			gz_stmt_bind_str(st, 4, match);
		int rc, got = 0;
		while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
			got++;
			after = gz_stmt_int64(st, 0);
			if (search && !svc_text_has_runs(&r->arena, gz_stmt_text(st, 11), q))
				continue;
			if ((int)json_array_size(items) == limit) {
				more = true;
				break;
			}
			json_array_append_new(items, summary_json(st));
			last = after;
		}
		gz_stmt_finish(st);
		if (rc < 0) {
			json_decref(items);
			goto fail;
		}
		if (more || got < batch)
			break;
	}
	gz_reply_json(r, 200, gz_list_json(r, items, more ? last : 0));
	return;
fail:
	gz_reply_err(r, &err);
}

static void catalogue_get(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	gz_db *db = gz_req_db(r, &err);
	if (!db) {
		gz_reply_err(r, &err);
		return;
	}
	gz_stmt *st = id ? gz_db_prepare(db,
	                                 "SELECT " DETAIL_COLS
	                                 " FROM services s WHERE s.id = $1 AND s.active = 1",
	                                 &err)
	                 : NULL;
	json_t *out = NULL;
	if (st) {
		gz_stmt_bind_int64(st, 1, id);
		if (gz_stmt_step(st, &err) == GZ_ROW)
			out = detail_json(st);
		gz_stmt_finish(st);
	}
	if (out) {
		gz_reply_json(r, 200, out);
		return;
	}
	if (!err.kind)
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这个办事事项");
	gz_reply_err(r, &err);
}

/* ---------------------------------------------------------------- new entries */

static int catalogue_create(gz_db *db, const gz_actor *a, json_t *in, json_t **outp, gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	gz_arena local = {0}, *A = a->req ? &a->req->arena : &local;
	const char *code = NULL, *name = NULL, *category = NULL, *summary = NULL, *office = NULL,
	           *conditions = "", *scope = "", *kind = NULL, *basis = "";
	int64_t days = 0, fee = 0, id = 0;
	bool online = true;
	json_t *out = NULL;
	gz_json_str(in, "code", GZ_REQUIRED, 1, 32, &code, &err);
	gz_json_str(in, "name", GZ_REQUIRED, 1, 40, &name, &err);
	gz_json_str(in, "category", GZ_REQUIRED, 1, 32, &category, &err);
	gz_json_str(in, "summary", GZ_REQUIRED, 1, 500, &summary, &err);
	gz_json_str(in, "office", GZ_REQUIRED, 1, 40, &office, &err);
	gz_json_str(in, "conditions", GZ_OPTIONAL, 0, 500, &conditions, &err);
	gz_json_str(in, "scope_code", GZ_OPTIONAL, 0, 15, &scope, &err);
	gz_json_str(in, "certificate_kind", GZ_OPTIONAL, 1, 20, &kind, &err);
	gz_json_str(in, "legal_basis", GZ_OPTIONAL, 0, 200, &basis, &err);
	gz_json_int(in, "time_limit_days", GZ_REQUIRED, 1, 90, &days, &err);
	gz_json_int(in, "fee_fen", GZ_OPTIONAL, 0, 100000000, &fee, &err);
	gz_json_bool(in, "online", GZ_OPTIONAL, &online, &err);
	if (category && !svc_category_label(category))
		gz_err_field(
		    &err, "category",
		    "应为 certificate、card、subsidy、assistance、registration、consultation "
		    "之一");
	if (code) {
		bool ok = true;
		for (const char *c = code; *c; c++)
			ok &= (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_';
		if (!ok)
			gz_err_field(&err, "code", "应为小写字母、数字或下划线");
	}
	if (*scope && !policy_scope_valid(scope))
		gz_err_field(&err, "scope_code", "应为街道、社区或网格代码，空表示所有地方");
	json_t *m = json_object_get(in, "materials"), *s = json_object_get(in, "steps"),
	       *f = json_object_get(in, "fields");
	svc_check_definitions(f, m, s, &err);
	if (gz_json_check(&err) < 0 || !(db || (db = gz_req_db(a->req, &err))))
		goto fail;
	if (gz_actor_check(a, ACT_ADMIN, RES_SERVICE, scope, &err) < 0)
		goto fail;
	char *terms, *norm;
	svc_terms(A, search_source(A, name, category, summary, conditions, office, kind, m, s, f),
	          &terms, &norm);
	char *mj = gz_json_dump(m, NULL), *sj = gz_json_dump(s, NULL), *fj = gz_json_dump(f, NULL);
	int64_t now = gz_time_now_ms();
	gz_stmt *st = NULL;
	if (gz_db_begin(db, &err) < 0) {
		free(mj), free(sj), free(fj);
		goto fail;
	}
	st = gz_db_prepare(
	    db,
	    "INSERT INTO services (code, name, category, summary, conditions, office, "
	    "scope_code, time_limit_days, fee_fen, online, certificate_kind, "
	    "legal_basis, materials, steps, fields, search_text, search_terms, "
	    "terms_version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, "
	    "$7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19) "
	    "RETURNING id",
	    &err);
	if (st) {
		gz_stmt_bind_str(st, 1, code);
		gz_stmt_bind_str(st, 2, name);
		gz_stmt_bind_str(st, 3, category);
		gz_stmt_bind_str(st, 4, summary);
		gz_stmt_bind_str(st, 5, conditions);
		gz_stmt_bind_str(st, 6, office);
		gz_stmt_bind_str(st, 7, scope);
		gz_stmt_bind_int64(st, 8, days);
		gz_stmt_bind_int64(st, 9, fee);
		gz_stmt_bind_int64(st, 10, online);
		gz_stmt_bind_str(st, 11, kind);
		gz_stmt_bind_str(st, 12, basis);
		gz_stmt_bind_str(st, 13, mj);
		gz_stmt_bind_str(st, 14, sj);
		gz_stmt_bind_str(st, 15, fj);
		gz_stmt_bind_str(st, 16, norm);
		gz_stmt_bind_str(st, 17, terms);
		gz_stmt_bind_int64(st, 18, SVC_TERMS_VERSION);
		gz_stmt_bind_int64(st, 19, now);
		if (gz_stmt_step_id(st, &id, &err) < 0 && !strcmp(err.code, "conflict")) {
			gz_err_clear(&err);
			gz_err_set(&err, GZ_ECONFLICT, "duplicate_service", "已有代码为 %s 的事项",
			           code);
		}
		gz_stmt_finish(st);
	}
	free(mj), free(sj), free(fj);
	if (!id)
		goto rollback;
	json_t *detail = json_pack("{s:s,s:s}", "code", code, "name", name);
	int rc =
	    gz_audit(a, db, "service.create", "service", svc_idstr(A, id), scope, detail, &err);
	json_decref(detail);
	if (rc < 0)
		goto rollback;
	st = gz_db_prepare(db, "SELECT " DETAIL_COLS " FROM services s WHERE s.id = $1", &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, id);
	if (gz_stmt_step(st, &err) == GZ_ROW)
		out = detail_json(st);
	gz_stmt_finish(st);
	if (!out && !err.kind)
		gz_err_set(&err, GZ_EINTERNAL, "internal", "新建的记录读不到");
	if (!out || gz_api_commit(a->req, db, 201, out, &err) < 0)
		goto rollback;
	gz_arena_free(&local);
	*outp = out;
	return 0;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(out);
	gz_arena_free(&local);
	*errp = err;
	return -1;
}

static void catalogue_post(gz_req *r)
{
	gz_api_create(r, catalogue_create);
}

const gz_module_route gz_services_catalogue_routes[] = {
    {"GET", "/api/v1/service-catalogue", catalogue_list, GZ_ROUTE_PUBLIC, 0},
    {"GET", "/api/v1/service-catalogue/{id}", catalogue_get, GZ_ROUTE_PUBLIC, 0},
    {"POST", "/api/v1/service-catalogue", catalogue_post, 0, 64 << 10},
    {0},
};
