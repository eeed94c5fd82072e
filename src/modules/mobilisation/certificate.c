/* The record certificate (志愿服务记录证明, 志愿服务条例): issued free to the volunteer
 * on request, numbered, its content kept as issued (append-only), shown as JSON for the
 * printable page and as a PDF (certificate_pdf.c). */
#include "modules/mobilisation/mob_internal.h"
#include "modules/mobilisation/mobilisation.h"
#include "modules/module.h"
#include "api/common.h"
#include "core/json.h"
#include "core/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a certificate for user_id issued at now says (without its number). */
static json_t *content(gz_db *db, int64_t user_id, int64_t now, gz_err *err)
{
	char name[MOB_NAME_MAX];
	if (mob_volunteer_ensure(db, user_id, now, name, err) < 0)
		return NULL;
	json_t *c = mob_service_summary(db, user_id, err);
	if (!c)
		return NULL;
	json_object_set_new(c, "name", json_string(name));
	json_object_set_new(c, "issued_at", gz_api_time_json(now));
	/* the latest services, with their corrections */
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT r.content, r.org_name, r.started_at, r.minutes + COALESCE((SELECT "
	    "SUM(x.minutes) FROM mob_service_records x WHERE x.corrects_id = r.id), 0) FROM "
	    "mob_service_records r WHERE r.user_id = $1 AND r.kind = 'service' ORDER BY "
	    "r.started_at DESC, r.id DESC LIMIT 12",
	    err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, user_id);
	json_t *recent = json_array();
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW)
		json_array_append_new(recent,
		                      json_pack("{s:s,s:s,s:o,s:I}", "content", gz_stmt_text(st, 0),
		                                "org_name", gz_stmt_text(st, 1), "started_at",
		                                gz_api_time_or_null(st, 2), "minutes",
		                                (json_int_t)gz_stmt_int64(st, 3)));
	gz_stmt_finish(st);
	json_object_set_new(c, "recent", recent);
	if (rc < 0)
		goto fail;
	/* The issuer: the organisation the volunteer served most, with the contact its
	 * latest activity gave. */
	json_t *orgs = json_object_get(c, "by_organisation");
	const char *issuer =
	    json_string_value(json_object_get(json_array_get(orgs, 0), "org_name"));
	char contact[4 * MOB_CONTACT_MAX + 1] = "";
	if (issuer) {
		st = gz_db_prepare(
		    db,
		    "SELECT a.contact FROM mob_service_records r JOIN mob_activities a "
		    "ON a.id = r.activity_id WHERE r.user_id = $1 AND r.org_name = $2 AND "
		    "a.contact <> '' ORDER BY r.id DESC LIMIT 1",
		    err);
		if (!st)
			goto fail;
		gz_stmt_bind_int64(st, 1, user_id);
		gz_stmt_bind_str(st, 2, issuer);
		if ((rc = gz_stmt_step(st, err)) == GZ_ROW)
			snprintf(contact, sizeof contact, "%s", gz_stmt_text(st, 0));
		gz_stmt_finish(st);
		if (rc < 0)
			goto fail;
	}
	json_object_set_new(
	    c, "issuer", json_pack("{s:s,s:s}", "name", issuer ? issuer : "", "contact", contact));
	return c;
fail:
	json_decref(c);
	return NULL;
}

/* The certificate as answered: its content, id and number. */
static json_t *answer(int64_t id, int64_t issued_at, json_t *c)
{
	char number[24];
	mob_certificate_number(mob_year_of(issued_at), id, number);
	json_object_set_new(c, "id", gz_api_id_json(id));
	json_object_set_new(c, "number", json_string(number));
	return c;
}

int gz_mob_certificate_issue(gz_db *db, const gz_actor *a, int64_t user_id, int64_t now,
                             json_t **out, gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t id = 0;
	json_t *c = NULL;
	if (mob_self(a, user_id, &err) < 0 || !(db || (db = gz_req_db(a->req, &err))) ||
	    gz_db_begin(db, &err) < 0)
		goto fail;
	if (!(c = content(db, user_id, now, &err)))
		goto rollback;
	if (!json_integer_value(json_object_get(c, "total_minutes")) &&
	    !json_integer_value(json_object_get(c, "services"))) {
		gz_err_set(&err, GZ_ECONFLICT, "no_service_records",
		           "还没有志愿服务记录，无法出具证明");
		goto rollback;
	}
	char *text = json_dumps(c, JSON_COMPACT);
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "INSERT INTO mob_certificates (user_id, issued_at, content) VALUES "
	                  "($1, $2, $3) RETURNING id",
	                  &err);
	if (st) {
		gz_stmt_bind_int64(st, 1, user_id);
		gz_stmt_bind_int64(st, 2, now);
		gz_stmt_bind_str(st, 3, text);
	}
	int rc = st ? gz_stmt_step_id(st, &id, &err) : -1;
	gz_stmt_finish(st);
	free(text);
	if (rc < 0 ||
	    mob_audit(a, db, "certificate.issue", "certificate", id, "",
	              json_pack("{s:o,s:I}", "user_id", gz_api_id_json(user_id), "total_minutes",
	                        json_integer_value(json_object_get(c, "total_minutes"))),
	              &err) < 0)
		goto rollback;
	return mob_finish(a, db, 201, answer(id, now, c), out, &err, errp);
rollback:
	gz_db_rollback(db);
fail:
	json_decref(c);
	*errp = err;
	return -1;
}

static int issue(gz_db *db, const gz_actor *a, json_t *in, int64_t now, json_t **out, gz_err *err)
{
	(void)in;
	return gz_mob_certificate_issue(db, a, a->user_id, now, out, err);
}

static void issue_h(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *out = NULL, *in = mob_body(r, &err);
	int rc = in ? issue(NULL, gz_req_actor(r), in, gz_time_now_ms(), &out, &err) : -1;
	json_decref(in);
	mob_reply(r, rc, 201, out, &err);
}

/* The caller's own certificate id as answered, or NULL with err (404 for anyone else's). */
static json_t *own(gz_req *r, gz_err *err)
{
	gz_db *db = gz_req_db(r, err);
	int64_t id = mob_path_id(r, "id");
	if (!db)
		return NULL;
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT user_id, issued_at, content FROM mob_certificates WHERE id = $1", err);
	if (!st)
		return NULL;
	gz_stmt_bind_int64(st, 1, id);
	json_t *c = NULL;
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW && gz_stmt_int64(st, 0) == gz_req_actor(r)->user_id) {
		c = json_loads(gz_stmt_text(st, 2), 0, NULL);
		if (c)
			c = answer(id, gz_stmt_int64(st, 1), c);
	}
	gz_stmt_finish(st);
	if (!c && rc >= 0)
		gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这条记录");
	return c;
}

static void get_h(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *c = own(r, &err);
	mob_reply(r, c ? 0 : -1, 200, c, &err);
}

static void pdf_h(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *c = own(r, &err);
	unsigned char *buf = NULL;
	size_t len = 0;
	if (!c || mob_certificate_pdf(c, &buf, &len, &err) < 0) {
		json_decref(c);
		gz_reply_err(r, &err);
		return;
	}
	char disp[96];
	snprintf(disp, sizeof disp, "attachment; filename=\"%s.pdf\"",
	         json_string_value(json_object_get(c, "number")));
	json_decref(c);
	gz_reply_header(r, "Content-Disposition", disp);
	gz_reply_raw(r, 200, "application/pdf", (const char *)buf, len);
	free(buf);
}

const gz_module_route gz_mob_certificate_routes[] = {
    {"POST", "/api/v1/me/certificates", issue_h, 0, 0},
    {"GET", "/api/v1/me/certificates/{id}", get_h, 0, 0},
    {"GET", "/api/v1/me/certificates/{id}/pdf", pdf_h, 0, 0},
    {0},
};
