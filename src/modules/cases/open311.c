/* Open311 GeoReport v2 (SPEC §3b) under /open311/v2/: discovery, the services (the
 * catalogue's active minor classes) and their definitions, requests (POST by a client
 * application holding an api_key; GET with every filter; one request), tokens, and the
 * servicerequestupdates extension (the timeline as updates). Every document in .json and
 * .xml; errors as [{"code", "description"}] with 400 / 403 / 404.
 *
 * Public (no login): what it answers holds no personal data — never the reporter's name,
 * phone or account, whether anonymous or not; the location and the description are the
 * problem's. A request is the case; status is open or closed only, the fine state goes in
 * status_notes and, with extensions=true, in extended_attributes and notes. docs/API.md
 * ("Open311") has the field tables. */
#include "modules/cases/cases_internal.h"
#include "modules/module.h"
#include "api/common.h"
#include "core/json.h"
#include "core/time.h"
#include "core/utf8.h"
#include "http/parse.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define O311_DAY_MS      (24LL * 3600 * 1000)
#define O311_RANGE_MS    (90 * O311_DAY_MS) /* start_date..end_date at most */
#define O311_PAGE_MAX    1000
#define O311_IDS_MAX     100 /* service_request_id=1,2,3 */
#define O311_NOTES_MAX   200 /* notes of one request (extensions=true) */
#define O311_CHANGESET   "2026-12-07T00:00:00Z"
#define O311_SPEC        "http://wiki.open311.org/GeoReport_v2"
#define O311_STATES_DONE "('rejected', 'closed', 'rated', 'withdrawn', 'merged')"

typedef enum { FMT_JSON, FMT_XML } o311_fmt;

/* ---------------------------------------------------------------- output */

/* The element name of an array's items in XML, by the array's own name. */
static const char *item_name(const char *array)
{
	static const char *const map[][2] = {
	    {"services", "service"},
	    {"service_requests", "request"},
	    {"attributes", "attribute"},
	    {"values", "value"},
	    {"errors", "error"},
	    {"endpoints", "endpoint"},
	    {"formats", "format"},
	    {"notes", "note"},
	    {"service_request_updates", "request_update"},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(map[i][0], array))
			return map[i][1];
	return "item";
}

static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		default:
			/* XML 1.0 allows no C0 controls but tab, LF and CR. */
			if ((unsigned char)*s >= 0x20 || *s == '\t' || *s == '\n' || *s == '\r')
				fputc(*s, f);
		}
	}
}

static void xml_value(FILE *f, const char *name, const json_t *v)
{
	fprintf(f, "<%s>", name);
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *x;
		json_object_foreach((json_t *)v, k, x) xml_value(f, k, x);
		break;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *x;
		const char *item = item_name(name);
		json_array_foreach(v, i, x) xml_value(f, item, x);
		break;
	}
	case JSON_STRING:
		xml_text(f, json_string_value(v));
		break;
	case JSON_INTEGER:
		fprintf(f, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		fprintf(f, "%.7f", json_real_value(v));
		break;
	case JSON_TRUE:
		fputs("true", f);
		break;
	case JSON_FALSE:
		fputs("false", f);
		break;
	case JSON_NULL:
		break;
	}
	fprintf(f, "</%s>", name);
}

/* Answers body (stolen) as JSON, or as XML with root element root. */
static void reply(gz_req *r, o311_fmt fmt, int status, const char *root, json_t *body)
{
	if (fmt == FMT_JSON) {
		gz_reply_json(r, status, body);
		return;
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f) {
		json_decref(body);
		gz_reply_error(r, GZ_EINTERNAL, "internal", "out of memory");
		return;
	}
	fputs("<?xml version=\"1.0\" encoding=\"utf-8\"?>", f);
	xml_value(f, root, body);
	fclose(f);
	json_decref(body);
	gz_reply_raw(r, status, "text/xml; charset=utf-8", buf, len);
	free(buf);
}

/* The Open311 error list: one entry per field of err, or its message. */
static void reply_err(gz_req *r, o311_fmt fmt, const gz_err *err)
{
	int status = gz_err_status(err->kind);
	if (err->kind == GZ_EINVALID || err->kind == GZ_EBADREQ || err->kind == GZ_EMEDIATYPE ||
	    err->kind == GZ_ETOOLARGE)
		status = 400;
	json_t *list = json_array();
	for (int i = 0; i < err->nfields; i++) {
		char d[320];
		snprintf(d, sizeof d, "%s: %s", err->fields[i].name, err->fields[i].why);
		json_array_append_new(list,
		                      json_pack("{s:i,s:s}", "code", status, "description", d));
	}
	if (!err->nfields)
		json_array_append_new(
		    list, json_pack("{s:i,s:s}", "code", status, "description", err->message));
	reply(r, fmt, status, "errors", list);
}

static void fail(gz_req *r, o311_fmt fmt, gz_errkind kind, const char *code, const char *field,
                 const char *why)
{
	gz_err e;
	gz_err_clear(&e);
	gz_err_set(&e, kind, code, "%s", why);
	if (field)
		gz_err_field(&e, field, "%s", why);
	reply_err(r, fmt, &e);
}

/* "name.json" / "name.xml": the format, and name (into the arena); -1 otherwise. */
static int split_format(gz_req *r, const char *file, const char **name, o311_fmt *fmt)
{
	const char *dot = file ? strrchr(file, '.') : NULL;
	if (!dot || dot == file)
		return -1;
	if (!strcmp(dot, ".json"))
		*fmt = FMT_JSON;
	else if (!strcmp(dot, ".xml"))
		*fmt = FMT_XML;
	else
		return -1;
	char *n = gz_arena_alloc(&r->arena, (size_t)(dot - file) + 1);
	memcpy(n, file, (size_t)(dot - file));
	n[dot - file] = '\0';
	*name = n;
	return 0;
}

/* The format of a route of a literal path (".../services.xml"). */
static o311_fmt path_format(gz_req *r)
{
	size_t n = strlen(r->path);
	return n > 4 && !strcmp(r->path + n - 4, ".xml") ? FMT_XML : FMT_JSON;
}

static json_t *time_json(int64_t ms)
{
	return ms ? gz_api_time_json(ms) : json_null();
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

/* ---------------------------------------------------------------- discovery, services */

static void discovery(gz_req *r)
{
	o311_fmt fmt = path_format(r);
	const char *host = gz_req_header(r, "Host");
	char url[512];
	snprintf(url, sizeof url, "%s://%s/open311/v2", r->secure ? "https" : "http",
	         host && *host ? host : "localhost");
	json_t *ep = json_pack("{s:s,s:s,s:s,s:s,s:[s,s]}", "specification", O311_SPEC, "url", url,
	                       "changeset", O311_CHANGESET, "type", "production", "formats",
	                       "application/json", "text/xml");
	json_t *d =
	    json_pack("{s:s,s:s,s:s,s:[o]}", "changeset", O311_CHANGESET, "contact",
	              "社区诉求接入：请联系街道或社区管理员", "key_service",
	              "api_key 由系统管理员以 gongzhi apikey add 名称 签发", "endpoints", ep);
	reply(r, fmt, 200, "discovery", d);
}

static void services(gz_req *r)
{
	o311_fmt fmt = path_format(r);
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_req_db(r, &err);
	gz_stmt *st = db ? gz_db_prepare(db,
	                                 "SELECT c.code, c.name, c.description, p.name FROM "
	                                 "case_categories c JOIN case_categories p ON p.id = "
	                                 "c.parent_id WHERE c.active = 1 AND p.active = 1 ORDER BY "
	                                 "p.sort, p.code, c.sort, c.code",
	                                 &err)
	                 : NULL;
	if (!st) {
		reply_err(r, fmt, &err);
		return;
	}
	json_t *list = json_array();
	int rc;
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW)
		json_array_append_new(
		    list,
		    json_pack("{s:s,s:s,s:s,s:b,s:s,s:s,s:s}", "service_code", gz_stmt_text(st, 0),
		              "service_name", gz_stmt_text(st, 1), "description",
		              gz_stmt_text(st, 2), "metadata", 1, "type", "realtime", "keywords",
		              gz_stmt_text(st, 3), "group", gz_stmt_text(st, 3)));
	gz_stmt_finish(st);
	if (rc < 0) {
		json_decref(list);
		reply_err(r, fmt, &err);
		return;
	}
	reply(r, fmt, 200, "services", list);
}

/* The one attribute every service takes: the 12345 request type. */
static json_t *attributes(void)
{
	json_t *values = json_array();
	for (int t = 0; t < CASE_TYPE__COUNT; t++)
		json_array_append_new(
		    values,
		    json_pack("{s:s,s:s}", "key", case_request_type_code((case_request_type)t),
		              "name", case_request_type_label((case_request_type)t)));
	return json_pack("[{s:b,s:s,s:s,s:b,s:s,s:i,s:s,s:o}]", "variable", 1, "code",
	                 "request_type", "datatype", "singlevaluelist", "required", 0,
	                 "datatype_description", "咨询、求助、投诉、举报、建议之一（默认投诉）",
	                 "order", 1, "description", "诉求类型", "values", values);
}

static void service_definition(gz_req *r)
{
	const char *code;
	o311_fmt fmt;
	if (split_format(r, gz_req_param(r, "file"), &code, &fmt) < 0) {
		fail(r, FMT_JSON, GZ_ENOTFOUND, "not_found", NULL, "格式应为 .json 或 .xml");
		return;
	}
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_req_db(r, &err);
	case_category cat;
	int rc = db && case_code_valid(code) ? case_category_by_code(db, code, &cat, &err) : 0;
	if (rc < 0 || (!db && err.kind)) {
		reply_err(r, fmt, &err);
		return;
	}
	if (rc == 0 || !cat.parent_id || !cat.active) {
		fail(r, fmt, GZ_ENOTFOUND, "not_found", "service_code", "没有这个服务类别");
		return;
	}
	reply(r, fmt, 200, "service_definition",
	      json_pack("{s:s,s:o}", "service_code", cat.code, "attributes", attributes()));
}

/* ---------------------------------------------------------------- requests, as read */

static bool status_closed(case_state s)
{
	return !case_state_open(s);
}

/* The timeline as Open311 notes (extensions=true). */
static json_t *notes_of(gz_db *db, int64_t id, const char *reporter, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT action, to_state, note, at FROM case_events WHERE "
	                            "case_id = $1 ORDER BY seq LIMIT $2",
	                            err);
	if (!st)
		return NULL;
	gz_stmt_bind_int64(st, 1, id);
	gz_stmt_bind_int64(st, 2, O311_NOTES_MAX);
	json_t *notes = json_array();
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		int to = case_state_parse(gz_stmt_text(st, 1));
		json_array_append_new(
		    notes,
		    json_pack("{s:o,s:s,s:s,s:o,s:s}", "datetime",
		              gz_api_time_json(gz_stmt_int64(st, 3)), "type", "action", "summary",
		              case_event_label(gz_stmt_text(st, 0)), "description",
		              gz_api_public_text(gz_stmt_text(st, 2), reporter), "status_notes",
		              to >= 0 ? case_state_label((case_state)to) : ""));
	}
	gz_stmt_finish(st);
	if (rc < 0) {
		json_decref(notes);
		return NULL;
	}
	return notes;
}

/* One request, every field of the GeoReport v2 table; never the reporter. */
static json_t *request_json(gz_db *db, const case_row *c, bool ext, gz_err *err)
{
	char id[24], addr_id[24];
	snprintf(id, sizeof id, "%lld", (long long)c->id);
	snprintf(addr_id, sizeof addr_id, "%lld", (long long)c->building_id);
	int64_t expected = c->due_at ? c->due_at : c->step_due_at;
	json_t *j = json_pack(
	    "{s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
	    "service_request_id", id, "status", status_closed(c->state) ? "closed" : "open",
	    "status_notes", case_state_label(c->state), "service_name", c->category_name,
	    "service_code", c->category_code, "description",
	    gz_api_public_text(c->description, c->reporter_name), "agency_responsible",
	    str_or_null(c->handler_org_name ? c->handler_org_name : c->grid_name), "service_notice",
	    json_null(), "requested_datetime", time_json(c->reported_at), "updated_datetime",
	    time_json(c->updated_at), "expected_datetime",
	    status_closed(c->state) ? json_null() : time_json(expected), "address",
	    c->address ? gz_api_public_text(c->address, c->reporter_name) : json_null(),
	    "address_id", c->building_id ? json_string(addr_id) : json_null(), "zipcode",
	    json_null(), "lat", c->has_location ? json_real((double)c->lat_e7 / 1e7) : json_null(),
	    "long", c->has_location ? json_real((double)c->lng_e7 / 1e7) : json_null(), "media_url",
	    json_null());
	if (!ext)
		return j;
	json_t *notes = notes_of(db, c->id, c->reporter_name, err);
	if (!notes) {
		json_decref(j);
		return NULL;
	}
	json_object_set_new(
	    j, "extended_attributes",
	    json_pack(
	        "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:b,s:o,s:o}", "state", case_state_code(c->state),
	        "state_name", case_state_label(c->state), "request_type",
	        case_request_type_code((case_request_type)c->request_type), "request_type_name",
	        case_request_type_label((case_request_type)c->request_type), "group", c->major_name,
	        "grid_code", c->grid, "grid_name", c->grid_name, "overdue", c->overdue, "escalated",
	        c->escalated, "satisfaction",
	        c->rated_at ? json_string(case_satisfaction_code(c->satisfaction)) : json_null(),
	        "resolved",
	        c->resolved < 0 || !c->rated_at ? json_null() : json_boolean(c->resolved)));
	json_object_set_new(j, "notes", notes);
	return j;
}

/* Reads one case for Open311: 1, 0 when none (or withdrawn), -1 with err. */
static int load_public(gz_db *db, gz_arena *A, int64_t id, case_row *c, gz_err *err)
{
	int rc = id > 0 ? case_load(db, A, id, c, err) : 0;
	return rc == 1 && c->state == CASE_WITHDRAWN ? 0 : rc;
}

static void request_one(gz_req *r)
{
	const char *ids;
	o311_fmt fmt;
	if (split_format(r, gz_req_param(r, "file"), &ids, &fmt) < 0) {
		fail(r, FMT_JSON, GZ_ENOTFOUND, "not_found", NULL, "格式应为 .json 或 .xml");
		return;
	}
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_req_db(r, &err);
	if (!db || gz_db_begin_read(db, &err) < 0) {
		reply_err(r, fmt, &err);
		return;
	}
	case_row c;
	int rc = load_public(db, &r->arena, gz_api_parse_id(ids), &c, &err);
	json_t *j = rc == 1 ? request_json(db, &c, gz_api_flag_query(r, "extensions"), &err) : NULL;
	gz_db_end_read(db);
	if (rc < 0 || (rc == 1 && !j))
		reply_err(r, fmt, &err);
	else if (rc == 0)
		fail(r, fmt, GZ_ENOTFOUND, "not_found", "service_request_id", "没有这个诉求");
	else
		reply(r, fmt, 200, "service_requests", json_pack("[o]", j));
}

static int int_query(gz_req *r, const char *key, int64_t min, int64_t max, int64_t *out,
                     gz_err *err)
{
	const char *s = gz_req_query(r, key);
	if (!s)
		return 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || v < min || v > max) {
		gz_err_set(err, GZ_EBADREQ, "bad_query", "%s 无效", key);
		gz_err_field(err, key, "应为 %lld 到 %lld 的整数", (long long)min, (long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

/* The period of a list: [start, end) of at most 90 days; by default the last 90 days (or
 * the 90 days from start_date / up to end_date). */
static int period(gz_req *r, int64_t dflt_ms, int64_t *start, int64_t *end, gz_err *err)
{
	if (case_time_query(r, "start_date", start, err) < 0 ||
	    case_time_query(r, "end_date", end, err) < 0)
		return -1;
	if (!*end)
		*end = *start ? *start + dflt_ms : gz_time_now_ms() + 1;
	if (!*start)
		*start = *end - dflt_ms;
	if (*end < *start) {
		gz_err_set(err, GZ_EBADREQ, "bad_query", "end_date 早于 start_date");
		gz_err_field(err, "end_date", "不能早于 start_date");
		return -1;
	}
	if (*end - *start > O311_RANGE_MS) {
		gz_err_set(err, GZ_EBADREQ, "date_range_too_long", "日期范围不能超过 90 天");
		gz_err_field(err, "end_date", "start_date 到 end_date 不能超过 90 天");
		return -1;
	}
	return 0;
}

/* ?status=open|closed|open,closed: bit 1 open, bit 2 closed; -1 malformed. */
static int status_query(gz_req *r, gz_err *err)
{
	const char *s = gz_req_query(r, "status");
	if (!s || !*s)
		return 3;
	int bits = 0;
	const char *p = s;
	while (*p) {
		size_t n = strcspn(p, ",");
		if (n == 4 && !strncmp(p, "open", 4))
			bits |= 1;
		else if (n == 6 && !strncmp(p, "closed", 6))
			bits |= 2;
		else {
			gz_err_set(err, GZ_EBADREQ, "bad_query", "status 无效");
			gz_err_field(err, "status", "应为 open 或 closed");
			return -1;
		}
		p += n + (p[n] == ',');
	}
	return bits;
}

static void requests_list(gz_req *r)
{
	o311_fmt fmt = path_format(r);
	bool ext = gz_api_flag_query(r, "extensions");
	gz_err err;
	gz_err_clear(&err);
	json_t *list = json_array();
	gz_db *db = gz_req_db(r, &err);
	if (!db)
		goto fail;
	const char *ids = gz_req_query(r, "service_request_id");
	if (ids && *ids) {
		/* By id, every other filter ignored (GeoReport v2). */
		if (gz_db_begin_read(db, &err) < 0)
			goto fail;
		int n = 0;
		for (const char *p = ids; *p && n < O311_IDS_MAX; n++) {
			size_t len = strcspn(p, ",");
			char one[24] = "";
			if (len < sizeof one)
				memcpy(one, p, len), one[len] = '\0';
			p += len + (p[len] == ',');
			case_row c;
			int rc = load_public(db, &r->arena, gz_api_parse_id(one), &c, &err);
			json_t *j = rc == 1 ? request_json(db, &c, ext, &err) : NULL;
			if (rc < 0 || (rc == 1 && !j)) {
				gz_db_end_read(db);
				goto fail;
			}
			if (j)
				json_array_append_new(list, j);
		}
		gz_db_end_read(db);
		reply(r, fmt, 200, "service_requests", list);
		return;
	}
	int64_t start, end, page = 1, page_size = O311_PAGE_MAX;
	if (period(r, O311_RANGE_MS, &start, &end, &err) < 0 ||
	    int_query(r, "page", 1, 1000000, &page, &err) < 0 ||
	    int_query(r, "page_size", 1, O311_PAGE_MAX, &page_size, &err) < 0)
		goto fail;
	int status = status_query(r, &err);
	if (status < 0)
		goto fail;
	const char *codes = gz_req_query(r, "service_code");
	if (codes && strlen(codes) > 1000) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "service_code 过长");
		goto fail;
	}
	if (gz_db_begin_read(db, &err) < 0)
		goto fail;
	gz_stmt *st = gz_db_prepare(
	    db,
	    CASE_SELECT
	    " WHERE c.reported_at >= $1 AND c.reported_at < $2 AND c.state <> "
	    "'withdrawn' AND (CAST($3 AS TEXT) = '' OR (',' || $3 || ',') LIKE ('%,' || "
	    "cat.code || ',%')) AND (CAST($4 AS BIGINT) = 0 OR c.state NOT IN " O311_STATES_DONE
	    ") AND (CAST($5 AS BIGINT) = 0 OR c.state IN " O311_STATES_DONE
	    ") ORDER BY c.reported_at DESC, c.id DESC LIMIT $6 OFFSET $7",
	    &err);
	if (!st) {
		gz_db_end_read(db);
		goto fail;
	}
	gz_stmt_bind_int64(st, 1, start);
	gz_stmt_bind_int64(st, 2, end);
	gz_stmt_bind_str(st, 3, codes ? codes : "");
	gz_stmt_bind_int64(st, 4, status == 1);
	gz_stmt_bind_int64(st, 5, status == 2);
	gz_stmt_bind_int64(st, 6, page_size);
	gz_stmt_bind_int64(st, 7, (page - 1) * page_size);
	/* Rows first, then (with notes) one query each: a statement stays alone on the
	 * connection. */
	case_row *rows = gz_arena_alloc(&r->arena, sizeof *rows * (size_t)page_size);
	int n = 0, rc;
	while (n < page_size && (rc = gz_stmt_step(st, &err)) == GZ_ROW)
		case_row_read(st, &r->arena, &rows[n++]);
	gz_stmt_finish(st);
	if (rc < 0) {
		gz_db_end_read(db);
		goto fail;
	}
	for (int i = 0; i < n; i++) {
		json_t *j = request_json(db, &rows[i], ext, &err);
		if (!j) {
			gz_db_end_read(db);
			goto fail;
		}
		json_array_append_new(list, j);
	}
	gz_db_end_read(db);
	reply(r, fmt, 200, "service_requests", list);
	return;
fail:
	json_decref(list);
	reply_err(r, fmt, &err);
}

static void token_get(gz_req *r)
{
	const char *token;
	o311_fmt fmt;
	if (split_format(r, gz_req_param(r, "file"), &token, &fmt) < 0) {
		fail(r, FMT_JSON, GZ_ENOTFOUND, "not_found", NULL, "格式应为 .json 或 .xml");
		return;
	}
	/* Requests are created at once: the token a client may hold is the request's id. */
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_req_db(r, &err);
	case_row c;
	int rc = db ? load_public(db, &r->arena, gz_api_parse_id(token), &c, &err) : -1;
	if (rc < 0)
		reply_err(r, fmt, &err);
	else if (rc == 0)
		fail(r, fmt, GZ_ENOTFOUND, "not_found", "token", "没有这个令牌");
	else
		reply(r, fmt, 200, "service_requests",
		      json_pack("[{s:s,s:s}]", "service_request_id", token, "token", token));
}

/* The servicerequestupdates extension: the timeline's events of a period (at most 90
 * days, by default the last day), oldest first, optionally of some requests. */
static void updates(gz_req *r)
{
	o311_fmt fmt = path_format(r);
	gz_err err;
	gz_err_clear(&err);
	int64_t start, end, page = 1, page_size = O311_PAGE_MAX, only = 0;
	const char *ids = gz_req_query(r, "service_request_id");
	if (ids && !(only = gz_api_parse_id(ids))) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "service_request_id 无效");
		gz_err_field(&err, "service_request_id", "应为编号");
	}
	gz_db *db = NULL;
	if (err.kind || period(r, O311_DAY_MS, &start, &end, &err) < 0 ||
	    int_query(r, "page", 1, 1000000, &page, &err) < 0 ||
	    int_query(r, "page_size", 1, O311_PAGE_MAX, &page_size, &err) < 0 ||
	    !(db = gz_req_db(r, &err))) {
		reply_err(r, fmt, &err);
		return;
	}
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT e.id, e.case_id, e.action, e.to_state, e.note, e.at, e.attachments, "
	    "c.reporter_name FROM "
	    "case_events e JOIN cases c ON c.id = e.case_id WHERE e.at >= $1 AND e.at < $2 AND "
	    "c.state <> 'withdrawn' AND (CAST($3 AS BIGINT) = 0 OR e.case_id = $3) ORDER BY e.at, "
	    "e.id LIMIT $4 OFFSET $5",
	    &err);
	if (!st) {
		reply_err(r, fmt, &err);
		return;
	}
	gz_stmt_bind_int64(st, 1, start);
	gz_stmt_bind_int64(st, 2, end);
	gz_stmt_bind_int64(st, 3, only);
	gz_stmt_bind_int64(st, 4, page_size);
	gz_stmt_bind_int64(st, 5, (page - 1) * page_size);
	json_t *list = json_array();
	int rc;
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		char uid[24], cid[24];
		snprintf(uid, sizeof uid, "%lld", (long long)gz_stmt_int64(st, 0));
		snprintf(cid, sizeof cid, "%lld", (long long)gz_stmt_int64(st, 1));
		int to = case_state_parse(gz_stmt_text(st, 3));
		const char *note = gz_stmt_text(st, 4);
		char desc[CASE_NOTE_MAX * 4 + 128];
		snprintf(desc, sizeof desc, "%s%s%s", case_event_label(gz_stmt_text(st, 2)),
		         *note ? "：" : "", note);
		json_array_append_new(
		    list, json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o}", "update_id", uid,
		                    "service_request_id", cid, "status",
		                    to >= 0 && status_closed((case_state)to) ? "closed" : "open",
		                    "status_notes", to >= 0 ? case_state_label((case_state)to) : "",
		                    "updated_datetime", gz_api_time_json(gz_stmt_int64(st, 5)),
		                    "description",
		                    gz_api_public_text(
		                        desc, gz_stmt_isnull(st, 7) ? NULL : gz_stmt_text(st, 7)),
		                    "media_url", json_null()));
	}
	gz_stmt_finish(st);
	if (rc < 0) {
		json_decref(list);
		reply_err(r, fmt, &err);
		return;
	}
	reply(r, fmt, 200, "service_request_updates", list);
}

/* ---------------------------------------------------------------- POST requests */

/* application/x-www-form-urlencoded into a JSON object of strings (the last of a repeated
 * name wins); NULL with err on bad UTF-8. */
static json_t *form_parse(gz_req *r, const char *body, size_t len, gz_err *err)
{
	json_t *o = json_object();
	const char *p = body, *end = body + len;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		if (stop > p) {
			const char *kend = eq ? eq : stop;
			char *k = gz_http_unescape(&r->arena, p, (size_t)(kend - p), true);
			char *v =
			    eq ? gz_http_unescape(&r->arena, eq + 1, (size_t)(stop - eq - 1), true)
			       : "";
			if (!gz_utf8_valid(k, strlen(k)) || !gz_utf8_valid(v, strlen(v))) {
				json_decref(o);
				gz_err_set(err, GZ_EBADREQ, "invalid_utf8",
				           "请求内容不是合法的 UTF-8");
				return NULL;
			}
			json_object_set_new(o, k, json_string(v));
		}
		p = stop + 1;
	}
	return o;
}

/* The request's fields: a form (as Open311 clients send) or a JSON object. */
static json_t *post_fields(gz_req *r, gz_err *err)
{
	static const char *const types[] = {"application/x-www-form-urlencoded",
	                                    "application/json"};
	int which;
	size_t len;
	const char *body = gz_req_body_of_type(r, types, 2, &which, &len, err);
	if (!body)
		return NULL;
	if (which == 0)
		return form_parse(r, body, len, err);
	json_t *o = gz_json_parse_object(body, len, err);
	if (!o)
		return NULL;
	/* Values as strings, the way a form carries them; nested attribute objects flattened
	 * to attribute[CODE]. */
	json_t *flat = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v)
	{
		if (json_is_object(v) && !strcmp(k, "attribute")) {
			const char *ak;
			json_t *av;
			json_object_foreach(v, ak, av)
			{
				char name[128];
				snprintf(name, sizeof name, "attribute[%s]", ak);
				if (json_is_string(av))
					json_object_set(flat, name, av);
			}
		} else if (json_is_string(v)) {
			json_object_set(flat, k, v);
		} else if (json_is_number(v)) {
			char num[64];
			snprintf(num, sizeof num, "%.10g", json_number_value(v));
			json_object_set_new(flat, k, json_string(num));
		}
	}
	json_decref(o);
	return flat;
}

static const char *field(json_t *in, const char *k)
{
	const char *s = json_string_value(json_object_get(in, k));
	return s && *s ? s : NULL;
}

/* The client of api_key: 1 with its name, 0 unknown or revoked, -1 with err. */
static int client_of(gz_db *db, const char *key, char name[65], gz_err *err)
{
	unsigned char h[32];
	crypto_generichash(h, sizeof h, (const unsigned char *)key, strlen(key), NULL, 0);
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT name FROM open311_clients WHERE key_hash = $1 AND revoked_at IS NULL", err);
	if (!st)
		return -1;
	gz_stmt_bind_blob(st, 1, h, sizeof h);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW)
		snprintf(name, 65, "%s", gz_stmt_text(st, 0));
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

/* A building by its address (address_string alone): 1 with *id, 0 none, -1 with err. */
static int building_by_address(gz_db *db, const char *address, int64_t *id, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT id FROM buildings WHERE address = $1 ORDER BY id LIMIT 2", err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, address);
	int rc = gz_stmt_step(st, err), found = 0;
	if (rc == GZ_ROW) {
		*id = gz_stmt_int64(st, 0);
		found = gz_stmt_step(st, err) == GZ_DONE; /* exactly one */
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : found;
}

/* Renames the native fields of intake errors to the Open311 names. */
static void rename_fields(gz_err *err)
{
	static const char *const map[][2] = {
	    {"category", "service_code"},
	    {"location", "lat"},
	    {"building_id", "address_id"},
	    {"address", "address_string"},
	    {"request_type", "attribute[request_type]"},
	    {"reporter", "phone"},
	};
	for (int i = 0; i < err->nfields; i++)
		for (size_t m = 0; m < sizeof map / sizeof map[0]; m++)
			if (!strcmp(err->fields[i].name, map[m][0]))
				snprintf(err->fields[i].name, sizeof err->fields[i].name, "%s",
				         map[m][1]);
}

static void request_post(gz_req *r)
{
	o311_fmt fmt = path_format(r);
	gz_err err;
	gz_err_clear(&err);
	json_t *in = post_fields(r, &err), *body = NULL, *out = NULL;
	if (!in)
		goto fail;
	const char *key = field(in, "api_key");
	if (!key)
		key = gz_req_query(r, "api_key");
	if (!key || !*key) {
		gz_err_set(&err, GZ_EFORBIDDEN, "api_key_required", "需要 api_key");
		gz_err_field(&err, "api_key", "必填：向管理员申请的 api_key");
		goto fail;
	}
	gz_db *db = gz_req_db(r, &err);
	char client[65] = "";
	int rc = db ? client_of(db, key, client, &err) : -1;
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		gz_err_set(&err, GZ_EFORBIDDEN, "api_key_invalid", "api_key 无效或已吊销");
		gz_err_field(&err, "api_key", "无效或已吊销");
		goto fail;
	}

	/* The native intake's body. */
	const char *code = field(in, "service_code"), *lat = field(in, "lat"),
	           *lng = field(in, "long"), *address = field(in, "address_string"),
	           *address_id = field(in, "address_id"), *desc = field(in, "description");
	if (!code)
		gz_err_field(&err, "service_code", "必填");
	if ((lat != NULL) != (lng != NULL))
		gz_err_field(&err, lat ? "long" : "lat", "lat 与 long 须同时提供");
	if (!lat && !address && !address_id)
		gz_err_field(&err, "lat", "必填：lat 和 long、address_string 或 address_id 之一");
	body = json_object();
	if (code)
		json_object_set_new(body, "category", json_string(code));
	if (lat && lng) {
		char *e1, *e2;
		double la = strtod(lat, &e1), lo = strtod(lng, &e2);
		if (*e1 || *e2)
			gz_err_field(&err, "lat", "lat 与 long 应为数字");
		else
			json_object_set_new(body, "location",
			                    json_pack("{s:f,s:f}", "lat", la, "lng", lo));
	} else if (address_id) {
		int64_t b = gz_api_parse_id(address_id);
		if (!b)
			gz_err_field(&err, "address_id", "应为楼栋编号");
		else
			json_object_set_new(body, "building_id", json_string(address_id));
	} else if (address) {
		int64_t b = 0;
		int found = building_by_address(db, address, &b, &err);
		if (found < 0)
			goto fail;
		if (!found)
			gz_err_field(&err, "address_string", "无法定位该地址，请提供 lat 和 long");
		else
			json_object_set_new(body, "building_id", json_integer(b));
	}
	if (address)
		json_object_set_new(body, "address", json_string(address));
	/* The description, else the service's name (GeoReport v2 makes it optional). */
	if (desc)
		json_object_set_new(body, "description", json_string(desc));
	else if (code && case_code_valid(code)) {
		case_category cat;
		if (case_category_by_code(db, code, &cat, &err) == 1)
			json_object_set_new(body, "description", json_string(cat.name));
	}
	const char *type = field(in, "attribute[request_type]");
	if (type)
		json_object_set_new(body, "request_type", json_string(type));
	/* The reporter's contact, kept like the native intake's (phone sealed). */
	const char *first = field(in, "first_name"), *last = field(in, "last_name"),
	           *phone = field(in, "phone");
	if (first || last || phone) {
		json_t *rep = json_object();
		if (first || last) {
			char name[2 * CASE_NAME_MAX * 4 + 2];
			snprintf(name, sizeof name, "%s%s", last ? last : "", first ? first : "");
			json_object_set_new(rep, "name", json_string(name));
		}
		if (phone)
			json_object_set_new(rep, "phone", json_string(phone));
		json_object_set_new(body, "reporter", rep);
	}
	const char *anon = field(in, "attribute[anonymous]");
	if (anon && (!strcmp(anon, "true") || !strcmp(anon, "1")))
		json_object_set_new(body, "anonymous", json_true());
	const char *ext_id = field(in, "device_id");
	if (ext_id && strlen(ext_id) <= CASE_EXTERNAL_MAX)
		json_object_set_new(body, "external_id", json_string(ext_id));
	if (err.nfields) {
		gz_err_set(&err, GZ_EINVALID, "invalid_fields", "请求字段有误");
		goto fail;
	}

	/* The client application is the actor: audited as open311:NAME, no account. */
	gz_actor client_actor = {.kind = GZ_ACTOR_USER, .user_id = 0, .ngrants = 0, .req = r};
	snprintf(client_actor.username, sizeof client_actor.username, "open311:%.50s", client);
	snprintf(client_actor.request_id, sizeof client_actor.request_id, "%s", r->id);
	snprintf(client_actor.ip, sizeof client_actor.ip, "%s", r->client_ip);
	json_t *created = NULL;
	if (case_intake(db, &client_actor, body, 0, true, &created, &err) < 0) {
		rename_fields(&err);
		goto fail;
	}
	const char *id = json_string_value(json_object_get(created, "id"));
	out = json_pack("[{s:s,s:o,s:o}]", "service_request_id", id ? id : "", "service_notice",
	                json_string("已受理登记，社区将按时限处置"), "account_id", json_null());
	json_decref(created);
	json_decref(body);
	json_decref(in);
	reply(r, fmt, 201, "service_requests", out);
	return;
fail:
	json_decref(body);
	json_decref(in);
	reply_err(r, fmt, &err);
}

const gz_module_route gz_cases_open311_routes[] = {
    {"GET", "/open311/v2/discovery.json", discovery, GZ_ROUTE_PUBLIC, 0},
    {"GET", "/open311/v2/discovery.xml", discovery, GZ_ROUTE_PUBLIC, 0},
    {"GET", "/open311/v2/services.json", services, GZ_ROUTE_PUBLIC, 0},
    {"GET", "/open311/v2/services.xml", services, GZ_ROUTE_PUBLIC, 0},
    {"GET", "/open311/v2/services/{file}", service_definition, GZ_ROUTE_PUBLIC, 0},
    {"GET", "/open311/v2/requests.json", requests_list, GZ_ROUTE_PUBLIC, 0},
    {"GET", "/open311/v2/requests.xml", requests_list, GZ_ROUTE_PUBLIC, 0},
    {"POST", "/open311/v2/requests.json", request_post, GZ_ROUTE_PUBLIC, 64 * 1024},
    {"POST", "/open311/v2/requests.xml", request_post, GZ_ROUTE_PUBLIC, 64 * 1024},
    {"GET", "/open311/v2/requests/{file}", request_one, GZ_ROUTE_PUBLIC, 0},
    {"GET", "/open311/v2/tokens/{file}", token_get, GZ_ROUTE_PUBLIC, 0},
    {"GET", "/open311/v2/servicerequestupdates.json", updates, GZ_ROUTE_PUBLIC, 0},
    {"GET", "/open311/v2/servicerequestupdates.xml", updates, GZ_ROUTE_PUBLIC, 0},
    {0},
};
