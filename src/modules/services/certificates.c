/* Certificates (证明): an issued application of a service that certifies something gets
 * one — numbered per community and year, with a verification code — in the transaction
 * that issues it. Its holder and the staff who read the application download it as a PDF;
 * anyone checks a code on the public page, which shows the kind, number, date and issuing
 * community of a valid certificate and nothing else ("revoked" or "invalid" with no detail
 * otherwise); the community secretary revokes one (recorded, shown on the PDF, the check
 * page and the application's timeline). */
#include "modules/module.h"
#include "modules/services/services.h"
#include "modules/services/svc_internal.h"
#include "modules/services/certificate_pdf.h"
#include "modules/people/people.h"
#include "modules/space/space.h"
#include "api/common.h"
#include "api/ratelimit.h"
#include "core/json.h"
#include "core/time.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Checks of certificate codes from one address per minute (the public page). */
#define CHECKS_PER_MINUTE 60

/* "2018年3月1日" of "2018-03-01" (other text as it is), in A. */
static const char *cn_date(gz_arena *A, const char *ymd)
{
	int32_t d = svc_day_parse(ymd);
	if (d == INT32_MIN)
		return ymd ? ymd : "";
	int y = atoi(ymd), m = atoi(ymd + 5), dd = atoi(ymd + 8);
	return gz_arena_printf(A, "%d年%d月%d日", y, m, dd);
}

static const char *field(const json_t *fields, const char *key)
{
	const char *s = json_string_value(json_object_get(fields, key));
	return s ? s : "";
}

/* The certified text. Names other than the holder's are masked like the holder's. */
static const char *certified_text(gz_arena *A, const char *code, const char *service,
                                  const char *holder, const json_t *f)
{
	if (!strcmp(code, "residence_proof")) {
		const char *to = field(f, "submit_to");
		return gz_arena_printf(A, "兹证明%s自%s起在%s居住至今。%s%s%s", holder,
		                       cn_date(A, field(f, "since")), field(f, "address"),
		                       *to ? "此证明交" : "", to, *to ? "使用。" : "");
	}
	if (!strcmp(code, "only_child_proof"))
		return gz_arena_printf(A, "兹证明%s与%s夫妇只生育一个子女%s（%s出生）。", holder,
		                       gz_people_name_shown(A, false, field(f, "spouse_name")),
		                       gz_people_name_shown(A, false, field(f, "child_name")),
		                       cn_date(A, field(f, "child_birth")));
	if (!strcmp(code, "conduct_proof"))
		return gz_arena_printf(A,
		                       "兹证明%s自%s起居住在本社区。居住期间遵守国家法律法规和社区"
		                       "居民公约，未发现违法违纪行为。此证明供%s（%s）使用。",
		                       holder, cn_date(A, field(f, "since")), field(f, "employer"),
		                       field(f, "position"));
	return gz_arena_printf(A, "兹证明%s已在本社区办理“%s”。", holder, service);
}

/* 16 random symbols of the code alphabet, XXXX-XXXX-XXXX-XXXX. */
static void new_code(char out[SVC_CODE_SIZE])
{
	gz_auth_sodium_init();
	for (int i = 0, o = 0; i < 16; i++) {
		out[o++] = SVC_CODE_ALPHABET[randombytes_uniform(32)];
		if (i % 4 == 3)
			out[o++] = i < 15 ? '-' : '\0';
	}
}

/* The next number of community in year (one UPSERT: never twice, across processes). */
static int next_number(gz_db *db, const char *community, int year, int64_t *seq, gz_err *err)
{
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "INSERT INTO service_certificate_numbers (community_code, year, "
	                  "last) VALUES ($1, $2, 1) ON CONFLICT (community_code, year) DO "
	                  "UPDATE SET last = service_certificate_numbers.last + 1 "
	                  "RETURNING last",
	                  err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, community);
	gz_stmt_bind_int64(st, 2, year);
	int rc = gz_stmt_step_id(st, seq, err);
	gz_stmt_finish(st);
	return rc < 0 || !*seq ? -1 : 0;
}

/* The name of community (its code when the space tree does not have it). */
static const char *community_name(gz_db *db, gz_arena *A, const char *community)
{
	gz_err e;
	gz_err_clear(&e);
	json_t *node = gz_space_node_json(db, SPACE_COMMUNITY, community, &e);
	const char *name = json_string_value(json_object_get(node, "name"));
	name = gz_arena_strdup(A, name && *name ? name : community);
	json_decref(node);
	return name;
}

int svc_certificate_issue(gz_db *db, const gz_actor *actor, int64_t id, int64_t now, json_t *note,
                          gz_err *err)
{
	(void)actor;
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "SELECT a.grid_code, a.resident_id, a.fields, s.certificate_kind, "
	                  "s.code, s.name FROM service_applications a JOIN services s ON "
	                  "s.id = a.service_id WHERE a.id = $1",
	                  err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	gz_arena A = {0};
	int rc = gz_stmt_step(st, err);
	char grid[16] = "", community[16] = "";
	const char *kind = NULL, *code = "", *service = "";
	int64_t resident = 0;
	json_t *fields = NULL;
	if (rc == GZ_ROW && !gz_stmt_isnull(st, 3)) {
		snprintf(grid, sizeof grid, "%s", gz_stmt_text(st, 0));
		resident = gz_stmt_int64(st, 1);
		fields = svc_json_column(st, 2);
		kind = gz_arena_strdup(&A, gz_stmt_text(st, 3));
		code = gz_arena_strdup(&A, gz_stmt_text(st, 4));
		service = gz_arena_strdup(&A, gz_stmt_text(st, 5));
	}
	gz_stmt_finish(st);
	if (rc < 0 || !kind) {
		gz_arena_free(&A);
		return rc < 0 ? -1 : 0; /* nothing to certify */
	}
	snprintf(community, sizeof community, "%.12s", grid);
	gz_people_brief p;
	int64_t seq = 0, cert = 0;
	int year = svc_day_year(svc_local_day(now));
	char number[64], vcode[SVC_CODE_SIZE];
	rc = gz_people_brief_get(db, resident, &p, err);
	if (rc < 0 || next_number(db, community, year, &seq, err) < 0)
		goto fail;
	const char *holder = rc ? gz_people_name_shown(&A, false, p.name) : "";
	svc_cert_number(community, year, seq, number, sizeof number);
	new_code(vcode);
	st = gz_db_prepare(
	    db,
	    "INSERT INTO service_certificates (application_id, number, verify_code, "
	    "kind, grid_code, community_code, community_name, holder_name, body, "
	    "issued_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
	    err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, id);
	gz_stmt_bind_str(st, 2, number);
	gz_stmt_bind_str(st, 3, vcode);
	gz_stmt_bind_str(st, 4, kind);
	gz_stmt_bind_str(st, 5, grid);
	gz_stmt_bind_str(st, 6, community);
	gz_stmt_bind_str(st, 7, community_name(db, &A, community));
	gz_stmt_bind_str(st, 8, holder);
	gz_stmt_bind_str(st, 9, certified_text(&A, code, service, holder, fields));
	gz_stmt_bind_int64(st, 10, now);
	rc = gz_stmt_step_id(st, &cert, err);
	gz_stmt_finish(st);
	if (rc < 0 || gz_db_count_add(db, "service_certificates", 1, err) < 0)
		goto fail;
	json_object_set_new(note, "certificate_number", json_string(number));
	json_decref(fields);
	gz_arena_free(&A);
	return 0;
fail:
	json_decref(fields);
	gz_arena_free(&A);
	return -1;
}

#define CERT_COLS                                                                                  \
	"c.id, c.application_id, c.number, c.verify_code, c.kind, c.community_code, "              \
	"c.community_name, c.holder_name, c.body, c.issued_at, c.revoked_at, c.revoked_reason"

static json_t *cert_json(gz_stmt *st)
{
	bool revoked = !gz_stmt_isnull(st, 10);
	json_t *o =
	    json_pack("{s:o,s:o,s:s,s:s,s:s,s:{s:s,s:s},s:s,s:o,s:s,s:b}", "id",
	              gz_api_id_json(gz_stmt_int64(st, 0)), "application_id",
	              gz_api_id_json(gz_stmt_int64(st, 1)), "number", gz_stmt_text(st, 2),
	              "verify_code", gz_stmt_text(st, 3), "kind", gz_stmt_text(st, 4), "community",
	              "code", gz_stmt_text(st, 5), "name", gz_stmt_text(st, 6), "holder_name",
	              gz_stmt_text(st, 7), "issued_at", gz_api_time_json(gz_stmt_int64(st, 9)),
	              "body", gz_stmt_text(st, 8), "revoked", revoked);
	json_object_set_new(o, "revoked_at",
	                    revoked ? gz_api_time_json(gz_stmt_int64(st, 10)) : json_null());
	json_object_set_new(o, "revoked_reason", gz_api_text_or_null(st, 11));
	char url[64];
	snprintf(url, sizeof url, "/api/v1/service-certificates/%lld/pdf",
	         (long long)gz_stmt_int64(st, 0));
	json_object_set_new(o, "pdf_url", json_string(url));
	return o;
}

int svc_certificate_of(gz_db *db, json_t *o, int64_t id, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT " CERT_COLS " FROM service_certificates c WHERE c.application_id = $1",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	json_object_set_new(o, "certificate", rc == GZ_ROW ? cert_json(st) : json_null());
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* ---------------------------------------------------------------- the public check */

/* GET /api/v1/certificate-checks/{code}: {status: valid | revoked | invalid}, and for a
 * valid one its kind, number, date of issue and issuing community only. Every code that
 * is not a valid certificate's — malformed, forged, revoked — answers 200 with no detail,
 * so the page reads the same for all of them. */
static void check(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	char code[SVC_CODE_SIZE], key[80];
	int64_t retry = 0;
	gz_db *db = gz_req_db(r, &err);
	if (!db)
		goto fail;
	snprintf(key, sizeof key, "certcheck:ip:%s", r->client_ip);
	int rc = gz_ratelimit_take(db, key, 1, CHECKS_PER_MINUTE, 60000, &retry, &err);
	if (rc < 0)
		goto fail;
	if (rc == 1) {
		char s[24];
		snprintf(s, sizeof s, "%lld", (long long)(retry + 999) / 1000);
		gz_reply_header(r, "Retry-After", s);
		gz_err_set(&err, GZ_ETOOMANY, "too_many_checks", "核验太频繁，请稍后再试");
		goto fail;
	}
	json_t *out = NULL;
	if (svc_code_normalise(gz_req_param(r, "code"), code) == 0) {
		gz_stmt *st =
		    gz_db_prepare(db,
		                  "SELECT kind, number, issued_at, community_name, "
		                  "revoked_at FROM service_certificates WHERE verify_code = $1",
		                  &err);
		if (!st)
			goto fail;
		gz_stmt_bind_str(st, 1, code);
		rc = gz_stmt_step(st, &err);
		if (rc == GZ_ROW && !gz_stmt_isnull(st, 4))
			out = json_pack("{s:s,s:b}", "status", "revoked", "valid", 0);
		else if (rc == GZ_ROW) {
			char day[16];
			out = json_pack(
			    "{s:s,s:b,s:s,s:s,s:s,s:s}", "status", "valid", "valid", 1, "kind",
			    gz_stmt_text(st, 0), "number", gz_stmt_text(st, 1), "issued_on",
			    svc_day_format(svc_local_day(gz_stmt_int64(st, 2)), day, sizeof day),
			    "community", gz_stmt_text(st, 3));
		}
		gz_stmt_finish(st);
		if (rc < 0)
			goto fail;
	}
	if (!out)
		out = json_pack("{s:s,s:b}", "status", "invalid", "valid", 0);
	gz_reply_json(r, 200, out);
	return;
fail:
	gz_reply_err(r, &err);
}

/* ---------------------------------------------------------------- holder and staff */

typedef struct {
	svc_app app;
	json_t *cert;
} cert_row;

/* The certificate id with its application, when the actor may read the application
 * (action ACT_READ) or administer it there (ACT_ADMIN); else 404 / 403. */
static int load(gz_db *db, const gz_actor *actor, int64_t id, policy_action act, cert_row *c,
                gz_err *err)
{
	c->cert = NULL;
	gz_stmt *st =
	    id ? gz_db_prepare(
	             db, "SELECT " CERT_COLS " FROM service_certificates c WHERE c.id = $1", err)
	       : NULL;
	int rc = 0;
	if (st) {
		gz_stmt_bind_int64(st, 1, id);
		rc = gz_stmt_step(st, err);
		if (rc == GZ_ROW)
			c->cert = cert_json(st);
		gz_stmt_finish(st);
	}
	int64_t app =
	    c->cert ? gz_api_parse_id(json_string_value(json_object_get(c->cert, "application_id")))
	            : 0;
	if (rc >= 0 && app)
		rc = svc_app_load(db, app, &c->app, err);
	if (rc == 1 &&
	    (act == ACT_READ ? svc_app_may_read(actor, &c->app, err)
	                     : gz_actor_check(actor, act, RES_SERVICE, c->app.grid_code, err)) == 0)
		return 0;
	if (rc >= 0 && !err->kind)
		gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这份证明");
	json_decref(c->cert);
	c->cert = NULL;
	return -1;
}

/* Where the code is checked (gz_api_public_url). */
static const char *check_url(gz_req *r, const char *code)
{
	return gz_api_public_url(r, gz_arena_printf(&r->arena, "/check?code=%s", code));
}

/* GET /api/v1/service-certificates/{id}/pdf */
static void pdf_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	cert_row c;
	gz_db *db = gz_req_db(r, &err);
	if (!db || load(db, gz_req_actor(r), gz_api_parse_id(gz_req_param(r, "id")), ACT_READ, &c,
	                &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	json_t *o = c.cert;
	const char *issued = json_string_value(json_object_get(o, "issued_at"));
	int64_t at = 0, rev = 0;
	gz_time_parse_rfc3339(issued, &at);
	const char *revoked = json_string_value(json_object_get(o, "revoked_at"));
	if (revoked)
		gz_time_parse_rfc3339(revoked, &rev);
	char d1[16], d2[16];
	svc_day_format(svc_local_day(at), d1, sizeof d1);
	if (rev)
		svc_day_format(svc_local_day(rev), d2, sizeof d2);
	const char *code = json_string_value(json_object_get(o, "verify_code"));
	svc_pdf_certificate pc = {
	    .kind = json_string_value(json_object_get(o, "kind")),
	    .number = json_string_value(json_object_get(o, "number")),
	    .holder = json_string_value(json_object_get(o, "holder_name")),
	    .body = json_string_value(json_object_get(o, "body")),
	    .community =
	        json_string_value(json_object_get(json_object_get(o, "community"), "name")),
	    .issued_on = cn_date(&r->arena, d1),
	    .verify_code = code,
	    .check_url = check_url(r, code),
	    .revoked = rev != 0,
	    .revoked_on = rev ? cn_date(&r->arena, d2) : NULL,
	};
	unsigned char *pdf = NULL;
	size_t len = 0;
	int rc = svc_certificate_pdf(&pc, &pdf, &len, &err);
	char cd[96];
	snprintf(cd, sizeof cd, "attachment; filename=\"certificate-%s.pdf\"", pc.number);
	json_decref(o);
	if (rc < 0) {
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_header(r, "Content-Disposition", cd);
	gz_reply_raw(r, 200, "application/pdf", (const char *)pdf, len);
	free(pdf);
}

static void pdf(gz_req *r)
{
	gz_api_read(r, pdf_read);
}

/* POST /api/v1/service-certificates/{id}/revoke {reason} */
static void revoke(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *actor = gz_req_actor(r);
	json_t *in = gz_req_json(r, &err), *out = NULL;
	const char *reason = NULL;
	int64_t id = gz_api_parse_id(gz_req_param(r, "id")), now = svc_now(r);
	gz_db *db = NULL;
	cert_row c = {0};
	if (!in)
		goto fail;
	gz_json_str(in, "reason", GZ_REQUIRED, 1, 200, &reason, &err);
	if (gz_json_check(&err) < 0 || !(db = gz_req_db(r, &err)) || gz_db_begin(db, &err) < 0)
		goto fail;
	if (load(db, actor, id, ACT_ADMIN, &c, &err) < 0)
		goto rollback;
	if (json_is_true(json_object_get(c.cert, "revoked"))) {
		gz_err_set(&err, GZ_ECONFLICT, "already_revoked", "这份证明已经作废");
		goto rollback;
	}
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "UPDATE service_certificates SET revoked_at = $1, revoked_reason "
	                  "= $2, revoked_by = $3 WHERE id = $4 AND revoked_at IS NULL",
	                  &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, now);
	gz_stmt_bind_str(st, 2, reason);
	gz_stmt_bind_id(st, 3, actor->user_id);
	gz_stmt_bind_int64(st, 4, id);
	int rc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	json_t *note =
	    json_pack("{s:s,s:s}", "certificate_number",
	              json_string_value(json_object_get(c.cert, "number")), "reason", reason);
	rc = rc < 0 ? -1
	     : svc_event_add(db, actor, c.app.id, now, "revoke", c.app.state, note, &err) < 0
	         ? -1
	         : gz_audit(actor, db, "service_certificate.revoke", "service_certificate",
	                    svc_idstr(&r->arena, id), c.app.grid_code, note, &err);
	json_decref(note);
	if (rc < 0 || !(out = svc_app_json(db, actor, c.app.id, now, &err)) ||
	    gz_api_commit(r, db, 200, out, &err) < 0)
		goto rollback;
	json_decref(c.cert);
	json_decref(in);
	gz_reply_json(r, 200, out);
	return;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(c.cert);
	json_decref(in);
	json_decref(out);
	gz_reply_err(r, &err);
}

const gz_module_route gz_services_certificate_routes[] = {
    {"GET", "/api/v1/certificate-checks/{code}", check, GZ_ROUTE_PUBLIC, 0},
    {"GET", "/api/v1/service-certificates/{id}/pdf", pdf, 0, 0},
    {"POST", "/api/v1/service-certificates/{id}/revoke", revoke, 0, 0},
    {0},
};
