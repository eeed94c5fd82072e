/* The steps of an application after filing (rules.c has the state table): staff accept,
 * return it for missing materials (补正, with the list), process, approve or refuse (with
 * the reason) and issue; the applicant supplies what was missing; the resident rates the
 * service once it is decided. Each step is one transaction: the state moves only from the
 * state it was read in (a concurrent step answers 409), a step of the timeline (the
 * applicant's notice) and an audit row service_application.ACTION. */
#include "modules/module.h"
#include "modules/services/services.h"
#include "modules/services/svc_internal.h"
#include "api/common.h"
#include "core/json.h"
#include "core/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MISSING_MAX 16
#define FILES_MAX   64

/* A JSON array of 1..MISSING_MAX texts of 1..60 characters (what to supply), or -1 with
 * a field error. */
static int missing_field(json_t *in, json_t **out, gz_err *err)
{
	json_t *m = json_object_get(in, "missing");
	bool ok = json_is_array(m) && json_array_size(m) >= 1 && json_array_size(m) <= MISSING_MAX;
	for (size_t i = 0; ok && i < json_array_size(m); i++) {
		const char *s = json_string_value(json_array_get(m, i));
		size_t n = s ? gz_utf8_len(s, strlen(s)) : 0;
		ok = n >= 1 && n <= 60;
	}
	if (!ok) {
		gz_err_field(err, "missing", "退回补正须列出缺少的材料：1–%d 项，每项 1–60 字",
		             MISSING_MAX);
		return -1;
	}
	*out = m;
	return 0;
}

/* The application's values with the resubmitted ones merged in: a key given replaces the
 * old value, null removes it. */
static json_t *merge(const char *old, json_t *add)
{
	json_t *o = json_loads(old, 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		o = json_object();
	}
	const char *k;
	json_t *v;
	json_object_foreach(add, k, v)
	{
		if (json_is_null(v))
			json_object_del(o, k);
		else
			json_object_set(o, k, v);
	}
	return o;
}

/* 补正: the applicant's (or staff's) new values and files, checked as a whole. */
static int resubmit(gz_db *db, const gz_actor *actor, int64_t id, json_t *in, gz_err *err)
{
	json_t *fv = json_object_get(in, "fields"), *mv = json_object_get(in, "materials");
	if ((fv && !json_is_object(fv)) || (mv && !json_is_object(mv))) {
		gz_err_field(err, fv && !json_is_object(fv) ? "fields" : "materials", "应为对象");
		return gz_json_check(err);
	}
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT a.fields, a.materials, s.fields, s.materials FROM "
	                            "service_applications a JOIN services s ON s.id = a.service_id "
	                            "WHERE a.id = $1",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	json_t *values = NULL, *mats = NULL, *fdefs = NULL, *mdefs = NULL;
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		json_t *empty = json_object();
		values = merge(gz_stmt_text(st, 0), fv ? fv : empty);
		mats = merge(gz_stmt_text(st, 1), mv ? mv : empty);
		json_decref(empty);
		fdefs = svc_json_column(st, 2);
		mdefs = svc_json_column(st, 3);
	}
	gz_stmt_finish(st);
	int64_t ids[FILES_MAX];
	size_t n = 0;
	char *fj = NULL, *mj = NULL;
	if (rc != GZ_ROW ||
	    svc_check_application(fdefs, mdefs, values, mats, ids, &n, FILES_MAX, err) < 0 ||
	    svc_attachments_claim(db, actor, id, fdefs, values, mats, ids, n, err) < 0) {
		rc = -1;
		gz_json_check(err);
		goto done;
	}
	fj = gz_json_dump(values, NULL);
	mj = gz_json_dump(mats, NULL);
	st = gz_db_prepare(db,
	                   "UPDATE service_applications SET fields = $1, materials = $2, missing = "
	                   "NULL WHERE id = $3",
	                   err);
	rc = -1;
	if (st) {
		gz_stmt_bind_str(st, 1, fj);
		gz_stmt_bind_str(st, 2, mj);
		gz_stmt_bind_int64(st, 3, id);
		rc = gz_stmt_step(st, err) < 0 ? -1 : 0;
		gz_stmt_finish(st);
	}
done:
	free(fj);
	free(mj);
	json_decref(values), json_decref(mats), json_decref(fdefs), json_decref(mdefs);
	return rc;
}

/* One UPDATE of a step's own columns: sql takes $1 a text, $2 a number, $3 the id. */
static int set_cols(gz_db *db, const char *sql, const char *t, int64_t n, int64_t id, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, sql, err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, t);
	gz_stmt_bind_int64(st, 2, n);
	gz_stmt_bind_int64(st, 3, id);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

int gz_services_step(gz_db *db, const gz_actor *actor, int64_t id, json_t *in, int64_t now,
                     json_t **outp, gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	gz_req *r = actor->req;
	gz_arena local = {0}, *A = r ? &r->arena : &local;
	const char *action = NULL, *reason = NULL, *remark = NULL;
	json_t *missing = NULL, *note = NULL, *out = NULL;
	gz_json_str(in, "action", GZ_REQUIRED, 1, 16, &action, &err);
	gz_json_str(in, "note", GZ_OPTIONAL, 1, 200, &remark, &err);
	int act = action ? svc_action_parse(action) : -1;
	if (action && act < 0)
		gz_err_field(&err, "action",
		             "应为 accept、return、resubmit、process、approve、refuse、issue 之一");
	if (act == SVC_ACT_RETURN)
		missing_field(in, &missing, &err);
	if (act == SVC_ACT_REFUSE)
		gz_json_str(in, "reason", GZ_REQUIRED, 1, 500, &reason, &err);
	if (gz_json_check(&err) < 0 || !(db || (db = gz_req_db(r, &err))) ||
	    gz_db_begin(db, &err) < 0)
		goto fail;
	svc_app a;
	int rc = svc_app_load(db, id, &a, &err);
	if (rc < 0 || (rc == 0 && gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这个申请")) ||
	    svc_app_may_read(actor, &a, &err) < 0)
		goto rollback;
	svc_by by;
	int to = svc_transition(a.state, (svc_action)act, &by);
	if (to < 0) {
		gz_err_set(&err, GZ_ECONFLICT, "invalid_transition", "申请当前为“%s”，不能%s",
		           svc_state_label(a.state), svc_action_label((svc_action)act));
		goto rollback;
	}
	if (!((by & SVC_BY_APPLICANT) && svc_app_own(actor, &a))) {
		if (!(by & SVC_BY_STAFF))
			gz_err_set(&err, GZ_EFORBIDDEN, "forbidden", "只有申请人可以%s",
			           svc_action_label((svc_action)act));
		if (err.kind ||
		    gz_actor_check(actor, ACT_WRITE, RES_SERVICE, a.grid_code, &err) < 0)
			goto rollback;
	}
	gz_stmt *st = gz_db_prepare(db,
	                            "UPDATE service_applications SET state = $1, updated_at = $2 "
	                            "WHERE id = $3 AND state = $4",
	                            &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_str(st, 1, svc_state_code((svc_state)to));
	gz_stmt_bind_int64(st, 2, now);
	gz_stmt_bind_int64(st, 3, id);
	gz_stmt_bind_str(st, 4, svc_state_code(a.state));
	rc = gz_stmt_step(st, &err);
	int64_t changed = rc < 0 ? 0 : gz_stmt_changes(st);
	gz_stmt_finish(st);
	if (rc < 0)
		goto rollback;
	if (!changed) {
		gz_err_set(&err, GZ_ECONFLICT, "state_changed",
		           "申请的状态刚刚被改变，请刷新后再试");
		goto rollback;
	}
	note = json_object();
	int64_t none;
	switch ((svc_action)act) {
	case SVC_ACT_ACCEPT: {
		/* The time limit runs from acceptance (受理), by the calendar now in force. */
		svc_calendar cal;
		int32_t today = svc_local_day(now);
		if (svc_calendar_load(db, A, today, today + 4 * a.time_limit_days + 60, &cal,
		                      &err) < 0)
			goto rollback;
		int64_t due = svc_due_end_ms(&cal, now, a.time_limit_days);
		char d[16];
		json_object_set_new(
		    note, "due_date",
		    json_string(svc_day_format(svc_local_day(due - 1), d, sizeof d)));
		rc = gz_db_query_int64(
		    db,
		    "UPDATE service_applications SET accepted_at = $1, due_at = $2 "
		    "WHERE id = $3",
		    &none, &err, 3, now, due, id);
		break;
	}
	case SVC_ACT_RETURN: {
		char *m = gz_json_dump(missing, NULL);
		json_object_set(note, "missing", missing);
		rc = set_cols(db,
		              "UPDATE service_applications SET missing = $1, returned_count = "
		              "returned_count + $2 WHERE id = $3",
		              m, 1, id, &err);
		free(m);
		break;
	}
	case SVC_ACT_RESUBMIT:
		rc = resubmit(db, actor, id, in, &err);
		break;
	case SVC_ACT_APPROVE:
		rc = gz_db_query_int64(
		    db, "UPDATE service_applications SET decided_at = $1 WHERE id = $2", &none,
		    &err, 2, now, id);
		break;
	case SVC_ACT_REFUSE:
		json_object_set_new(note, "reason", json_string(reason));
		rc = set_cols(
		    db,
		    "UPDATE service_applications SET reason = $1, decided_at = $2 WHERE id "
		    "= $3",
		    reason, now, id, &err);
		break;
	case SVC_ACT_ISSUE:
		rc = gz_db_query_int64(
		    db, "UPDATE service_applications SET issued_at = $1 WHERE id = $2", &none, &err,
		    2, now, id);
		if (rc >= 0)
			rc = svc_certificate_issue(db, actor, id, now, note, &err);
		break;
	default:
		rc = 0;
	}
	if (rc < 0)
		goto rollback;
	if (remark)
		json_object_set_new(note, "note", json_string(remark));
	if (svc_event_add(db, actor, id, now, action, (svc_state)to,
	                  json_object_size(note) ? note : NULL, &err) < 0 ||
	    gz_audit(actor, db, gz_arena_printf(A, "service_application.%s", action),
	             "service_application", svc_idstr(A, id), a.grid_code,
	             json_object_size(note) ? note : NULL, &err) < 0 ||
	    (outp && !(out = svc_app_json(db, actor, id, now, &err))) ||
	    gz_api_commit(r, db, 200, out, &err) < 0)
		goto rollback;
	json_decref(note);
	gz_arena_free(&local);
	if (outp)
		*outp = out;
	return 0;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(note);
	json_decref(out);
	gz_arena_free(&local);
	*errp = err;
	return -1;
}

/* POST /api/v1/service-applications/{id}/actions {action, missing?, reason?, note?,
 * fields?, materials?} */
static void app_action(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *in = gz_req_json(r, &err), *out = NULL;
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	if (in && !id)
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这个申请");
	else if (in &&
	         gz_services_step(NULL, gz_req_actor(r), id, in, svc_now(r), &out, &err) == 0) {
		json_decref(in);
		gz_reply_json(r, 200, out);
		return;
	}
	json_decref(in);
	gz_reply_err(r, &err);
}

/* POST /api/v1/service-applications/{id}/rating {stars: 1..5, comment?}: the resident
 * rates a decided application, once. */
int svc_rate(gz_db *db, const gz_actor *actor, int64_t id, json_t *in, int64_t now, json_t **outp,
             gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	gz_req *r = actor->req;
	json_t *out = NULL;
	int64_t stars = 0;
	const char *comment = NULL;
	char ids[24];
	svc_app a;
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	gz_json_int(in, "stars", GZ_REQUIRED, 1, 5, &stars, &err);
	gz_json_str(in, "comment", GZ_OPTIONAL, 1, 200, &comment, &err);
	if (gz_json_check(&err) < 0 || !(db || (db = gz_req_db(r, &err))) ||
	    gz_db_begin(db, &err) < 0)
		goto fail;
	int rc = id ? svc_app_load(db, id, &a, &err) : 0;
	if (rc < 0)
		goto rollback;
	if (!rc || !(svc_app_own(actor, &a) || gz_actor_is_operator(actor))) {
		/* Staff read it but do not rate it: only the applicant's side does (or the
		 * operator, recording the result of a follow-up call, 回访). */
		if (rc && svc_app_may_read(actor, &a, &err) == 0)
			gz_err_set(&err, GZ_EFORBIDDEN, "forbidden", "只有申请人可以评价");
		else if (!err.kind || err.kind == GZ_ENOTFOUND)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这个申请");
		goto rollback;
	}
	if (!svc_state_decided(a.state) || a.rating) {
		gz_err_set(&err, GZ_ECONFLICT, a.rating ? "already_rated" : "not_decided",
		           a.rating ? "已经评价过了" : "办结后才能评价");
		goto rollback;
	}
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "UPDATE service_applications SET rating = $1, rating_comment = "
	                  "$2, rated_at = $3, updated_at = $3 WHERE id = $4 AND rating IS "
	                  "NULL",
	                  &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, stars);
	gz_stmt_bind_str(st, 2, comment);
	gz_stmt_bind_int64(st, 3, now);
	gz_stmt_bind_int64(st, 4, id);
	rc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	json_t *note = json_pack("{s:I}", "stars", (json_int_t)stars);
	if (comment)
		json_object_set_new(note, "comment", json_string(comment));
	rc = rc < 0 ? -1
	     : svc_event_add(db, actor, id, now, "rate", a.state, note, &err) < 0
	         ? -1
	         : gz_audit(actor, db, "service_application.rate", "service_application", ids,
	                    a.grid_code, note, &err);
	json_decref(note);
	if (rc < 0 || (outp && !(out = svc_app_json(db, actor, id, now, &err))) ||
	    gz_api_commit(r, db, 200, out, &err) < 0)
		goto rollback;
	if (outp)
		*outp = out;
	return 0;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(out);
	*errp = err;
	return -1;
}

static void app_rate(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *in = gz_req_json(r, &err), *out = NULL;
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	if (in && svc_rate(NULL, gz_req_actor(r), id, in, svc_now(r), &out, &err) == 0) {
		json_decref(in);
		gz_reply_json(r, 200, out);
		return;
	}
	json_decref(in);
	gz_reply_err(r, &err);
}

const gz_module_route gz_services_action_routes[] = {
    {"POST", "/api/v1/service-applications/{id}/actions", app_action, 0, 256 << 10},
    {"POST", "/api/v1/service-applications/{id}/rating", app_rate, 0, 0},
    {0},
};
