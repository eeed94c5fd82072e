/* Sign-up (报名) with a waitlist that promotes in order, cancellation, the organiser's
 * list of sign-ups and the volunteer's own activities. Check-in and hours: hours.c. */
#include "modules/mobilisation/mob_internal.h"
#include "modules/mobilisation/mobilisation.h"
#include "modules/module.h"
#include "modules/people/people.h"
#include "api/common.h"
#include "core/json.h"
#include "core/time.h"

#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIGNUP_COLS                                                                                \
	"s.id, s.activity_id, s.user_id, COALESCE(v.name, ''), s.seq, s.status, s.check_in_at, "   \
	"s.check_out_at, s.check_out_by, s.minutes, s.created_at, s.updated_at, s.scope_code, "    \
	"(SELECT COUNT(*) FROM mob_signups w WHERE w.activity_id = s.activity_id AND w.status = "  \
	"'waitlisted' AND w.seq <= s.seq)"
#define SIGNUP_FROM " FROM mob_signups s LEFT JOIN mob_volunteers v ON v.user_id = s.user_id"

/* A sign-up row as answered; name as shown (the caller's own in full: NULL r). */
json_t *mob_signup_json(gz_req *r, gz_stmt *st)
{
	const char *status = gz_stmt_text(st, 5), *name = gz_stmt_text(st, 3);
	int s = mob_signup_status_parse(status);
	json_t *o =
	    json_pack("{s:o,s:o,s:{s:o,s:s},s:I,s:s,s:s,s:o,s:o,s:o}", "id",
	              gz_api_id_json(gz_stmt_int64(st, 0)), "activity_id",
	              gz_api_id_json(gz_stmt_int64(st, 1)), "user", "id",
	              gz_api_id_json(gz_stmt_int64(st, 2)), "name",
	              r ? gz_people_name_for(r, gz_stmt_text(st, 12), name) : name, "seq",
	              (json_int_t)gz_stmt_int64(st, 4), "status", status, "status_label",
	              mob_signup_status_label((mob_signup_status)s), "check_in_at",
	              gz_api_time_or_null(st, 6), "check_out_at", gz_api_time_or_null(st, 7),
	              "check_out_by", gz_api_text_or_null(st, 8));
	json_object_set_new(
	    o, "minutes", gz_stmt_isnull(st, 9) ? json_null() : json_integer(gz_stmt_int64(st, 9)));
	json_object_set_new(o, "waitlist_position",
	                    s == MOB_SIGNUP_WAITLISTED ? json_integer(gz_stmt_int64(st, 13))
	                                               : json_null());
	json_object_set_new(o, "created_at", gz_api_time_json(gz_stmt_int64(st, 10)));
	json_object_set_new(o, "updated_at", gz_api_time_json(gz_stmt_int64(st, 11)));
	return o;
}

json_t *mob_signup_get(gz_db *db, int64_t id, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, "SELECT " SIGNUP_COLS SIGNUP_FROM " WHERE s.id = $1", err);
	if (!st)
		return NULL;
	gz_stmt_bind_int64(st, 1, id);
	json_t *o = gz_stmt_step(st, err) == GZ_ROW ? mob_signup_json(NULL, st) : NULL;
	gz_stmt_finish(st);
	return o;
}

int mob_signup_find(gz_db *db, int64_t activity, int64_t user, int64_t signup, mob_signup *s,
                    gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT id, user_id, status, check_in_at, check_out_at, "
	                            "last_code_step FROM mob_signups "
	                            "WHERE activity_id = $1 AND (user_id = $2 OR id = $3)",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, activity);
	gz_stmt_bind_int64(st, 2, user);
	gz_stmt_bind_int64(st, 3, signup);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		s->id = gz_stmt_int64(st, 0);
		s->user_id = gz_stmt_int64(st, 1);
		s->status = mob_signup_status_parse(gz_stmt_text(st, 2));
		s->check_in = gz_stmt_isnull(st, 3) ? 0 : gz_stmt_int64(st, 3);
		s->check_out = gz_stmt_isnull(st, 4) ? 0 : gz_stmt_int64(st, 4);
		s->last_step = gz_stmt_int64(st, 5);
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

/* Adds dc, dw to the activity's confirmed and waitlisted counts. */
static int counts_add(gz_db *db, int64_t activity, int64_t dc, int64_t dw, int64_t now, gz_err *err)
{
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "UPDATE mob_activities SET confirmed_n = confirmed_n + $2, "
	                  "waitlisted_n = waitlisted_n + $3, updated_at = $4 WHERE id = $1",
	                  err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, activity);
	gz_stmt_bind_int64(st, 2, dc);
	gz_stmt_bind_int64(st, 3, dw);
	gz_stmt_bind_int64(st, 4, now);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* ---------------------------------------------------------------- sign up */

int gz_mob_signup(gz_db *db, const gz_actor *a, int64_t activity_id, int64_t user_id, int64_t now,
                  json_t **out, gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	mob_activity act;
	mob_signup old = {0};
	int64_t seq = 0, id = 0;
	if (mob_self(a, user_id, &err) < 0 || !(db || (db = gz_req_db(a->req, &err))) ||
	    gz_db_begin(db, &err) < 0)
		goto fail;
	int rc = mob_activity_load(db, activity_id, true, &act, &err);
	if (rc <= 0) {
		if (!rc)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto rollback;
	}
	if (mob_check_visible(a, RES_ACTIVITY, act.place, &err) < 0)
		goto rollback;
	if (strcmp(act.status, "open")) {
		gz_err_set(&err, GZ_ECONFLICT, "activity_closed",
		           "活动已结束确认或已取消，不能报名");
		goto rollback;
	}
	if (now > act.end) {
		gz_err_set(&err, GZ_ECONFLICT, "activity_ended", "活动已经结束，不能报名");
		goto rollback;
	}
	if ((rc = mob_signup_find(db, activity_id, user_id, 0, &old, &err)) < 0)
		goto rollback;
	if (rc && old.status != MOB_SIGNUP_CANCELLED) {
		gz_err_set(&err, GZ_ECONFLICT, "already_signed_up", "您已经报名了这个活动（%s）",
		           mob_signup_status_label((mob_signup_status)old.status));
		goto rollback;
	}
	if (mob_volunteer_ensure(db, user_id, now, NULL, &err) < 0)
		goto rollback;
	mob_signup_status status = mob_signup_new_status(act.slots, act.confirmed_n);
	bool confirmed = status == MOB_SIGNUP_CONFIRMED;
	gz_stmt *st = gz_db_prepare(db,
	                            "UPDATE mob_activities SET signup_seq = signup_seq + 1 WHERE "
	                            "id = $1 RETURNING signup_seq",
	                            &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, activity_id);
	rc = gz_stmt_step(st, &err);
	seq = rc == GZ_ROW ? gz_stmt_int64(st, 0) : 0;
	gz_stmt_finish(st);
	if (rc != GZ_ROW || counts_add(db, activity_id, confirmed, !confirmed, now, &err) < 0)
		goto rollback;
	if (old.id) {
		/* Signing up again after cancelling: the end of the queue. */
		st = gz_db_prepare(db,
		                   "UPDATE mob_signups SET status = $2, seq = $3, updated_at = $4 "
		                   "WHERE id = $1",
		                   &err);
		if (!st)
			goto rollback;
		gz_stmt_bind_int64(st, 1, old.id);
		id = old.id;
	} else {
		st =
		    gz_db_prepare(db,
		                  "INSERT INTO mob_signups (activity_id, user_id, scope_code, seq, "
		                  "status, created_at, updated_at) VALUES ($1, $5, $6, $3, $2, $4, "
		                  "$4) RETURNING id",
		                  &err);
		if (!st)
			goto rollback;
		gz_stmt_bind_int64(st, 1, activity_id);
		gz_stmt_bind_int64(st, 5, user_id);
		gz_stmt_bind_str(st, 6, act.place);
	}
	gz_stmt_bind_str(st, 2, mob_signup_status_code(status));
	gz_stmt_bind_int64(st, 3, seq);
	gz_stmt_bind_int64(st, 4, now);
	rc = old.id ? gz_stmt_step(st, &err) : gz_stmt_step_id(st, &id, &err);
	gz_stmt_finish(st);
	if (rc < 0 ||
	    mob_audit(a, db, "activity.signup", "activity", activity_id, act.place,
	              json_pack("{s:o,s:o,s:s}", "signup_id", gz_api_id_json(id), "user_id",
	                        gz_api_id_json(user_id), "status", mob_signup_status_code(status)),
	              &err) < 0 ||
	    (!old.id && gz_db_count_add(db, "signups", 1, &err) < 0))
		goto rollback;
	return mob_finish(a, db, 201, mob_signup_get(db, id, &err), out, &err, errp);
rollback:
	gz_db_rollback(db);
fail:
	*errp = err;
	return -1;
}

/* ---------------------------------------------------------------- cancel */

int mob_signups_promote(gz_db *db, const mob_activity *act, int64_t confirmed, int64_t now,
                        json_t *promoted, gz_err *err)
{
	enum { WAIT_MAX = 2000 };
	if (confirmed >= act->slots)
		return 0;
	int64_t *seqs = gz_malloc(sizeof *seqs * WAIT_MAX),
	        *ids = gz_malloc(sizeof *ids * WAIT_MAX);
	int *idx = gz_malloc(sizeof *idx * WAIT_MAX), k = 0;
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT id, seq FROM mob_signups WHERE activity_id = $1 AND "
	                            "status = 'waitlisted' ORDER BY seq LIMIT $2",
	                            err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, act->id);
	gz_stmt_bind_int64(st, 2, WAIT_MAX);
	int n = 0, rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		ids[n] = gz_stmt_int64(st, 0);
		seqs[n++] = gz_stmt_int64(st, 1);
	}
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;
	k = mob_waitlist_promote(act->slots, confirmed, seqs, n, idx);
	for (int i = 0; i < k; i++) {
		st = gz_db_prepare(
		    db,
		    "UPDATE mob_signups SET status = 'confirmed', updated_at = $2 WHERE "
		    "id = $1 AND status = 'waitlisted'",
		    err);
		if (!st)
			goto fail;
		gz_stmt_bind_int64(st, 1, ids[idx[i]]);
		gz_stmt_bind_int64(st, 2, now);
		rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			goto fail;
		json_array_append_new(promoted, gz_api_id_json(ids[idx[i]]));
	}
	free(seqs);
	free(ids);
	free(idx);
	return k ? counts_add(db, act->id, k, -k, now, err) : 0;
fail:
	free(seqs);
	free(ids);
	free(idx);
	return -1;
}

int gz_mob_signup_cancel(gz_db *db, const gz_actor *a, int64_t activity_id, int64_t user_id,
                         int64_t now, json_t **out, gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	mob_activity act;
	mob_signup s = {0};
	json_t *promoted = json_array();
	if (mob_self(a, user_id, &err) < 0 || !(db || (db = gz_req_db(a->req, &err))) ||
	    gz_db_begin(db, &err) < 0)
		goto fail;
	int rc = mob_activity_load(db, activity_id, true, &act, &err);
	if (rc <= 0) {
		if (!rc)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto rollback;
	}
	if (mob_check_visible(a, RES_ACTIVITY, act.place, &err) < 0 ||
	    (rc = mob_signup_find(db, activity_id, user_id, 0, &s, &err)) < 0)
		goto rollback;
	if (!rc || s.status == MOB_SIGNUP_CANCELLED) {
		gz_err_set(&err, GZ_ECONFLICT, "not_signed_up", "您没有报名这个活动");
		goto rollback;
	}
	if (s.status != MOB_SIGNUP_CONFIRMED && s.status != MOB_SIGNUP_WAITLISTED) {
		gz_err_set(&err, GZ_ECONFLICT, "activity_closed", "活动时长已确认，不能取消报名");
		goto rollback;
	}
	if (s.check_in) {
		gz_err_set(&err, GZ_ECONFLICT, "already_checked_in", "已经签到，不能取消报名");
		goto rollback;
	}
	bool was_confirmed = s.status == MOB_SIGNUP_CONFIRMED;
	gz_stmt *st = gz_db_prepare(
	    db, "UPDATE mob_signups SET status = 'cancelled', updated_at = $2 WHERE id = $1", &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, s.id);
	gz_stmt_bind_int64(st, 2, now);
	rc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	if (rc < 0 || counts_add(db, activity_id, -was_confirmed, -!was_confirmed, now, &err) < 0 ||
	    mob_signups_promote(db, &act, act.confirmed_n - was_confirmed, now, promoted, &err) <
	        0 ||
	    mob_audit(a, db, "activity.signup_cancel", "activity", activity_id, act.place,
	              json_pack("{s:o,s:o,s:O}", "signup_id", gz_api_id_json(s.id), "user_id",
	                        gz_api_id_json(user_id), "promoted", promoted),
	              &err) < 0)
		goto rollback;
	json_t *ans = mob_signup_get(db, s.id, &err);
	if (ans)
		json_object_set(ans, "promoted", promoted);
	json_decref(promoted);
	return mob_finish(a, db, 200, ans, out, &err, errp);
rollback:
	gz_db_rollback(db);
fail:
	json_decref(promoted);
	*errp = err;
	return -1;
}

/* ---------------------------------------------------------------- handlers */

static int signup_self(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                       json_t **out, gz_err *err)
{
	(void)in;
	return gz_mob_signup(db, a, id, a->user_id, now, out, err);
}

static void signup_create(gz_req *r)
{
	mob_handle(r, signup_self, 201, true);
}

static int cancel_self(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                       json_t **out, gz_err *err)
{
	(void)in;
	return gz_mob_signup_cancel(db, a, id, a->user_id, now, out, err);
}

static void signup_cancel(gz_req *r)
{
	mob_handle(r, cancel_self, 200, true);
}

static json_t *signup_row(gz_req *r, gz_stmt *st)
{
	return mob_signup_json(r, st);
}

/* GET /activities/{id}/signups: the organiser's list, in sign-up order (cursor: seq). */
static void signup_list_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_req_db(r, &err);
	mob_activity act;
	const char *status = gz_req_query(r, "status");
	int rc = db ? mob_activity_load(db, mob_path_id(r, "id"), false, &act, &err) : -1;
	if (rc == 0)
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
	if (rc <= 0 || gz_auth_check(r, ACT_WRITE, RES_ACTIVITY, act.place, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	if (status && mob_signup_status_parse(status) < 0) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 status 无效");
		gz_err_field(&err, "status",
		             "应为 confirmed、waitlisted、cancelled、no_show、attended 之一");
		gz_reply_err(r, &err);
		return;
	}
	mob_owner_list(r,
	               "SELECT " SIGNUP_COLS SIGNUP_FROM
	               " WHERE s.activity_id = $1 AND s.seq > $2 AND (CAST($4 AS TEXT) = '' OR "
	               "s.status = $4) ORDER BY s.seq LIMIT $3",
	               act.id, status, 4, signup_row, NULL);
}

static void signup_list(gz_req *r)
{
	gz_api_read(r, signup_list_read);
}

static json_t *own_signup(gz_req *r, gz_stmt *st)
{
	(void)r;
	return mob_signup_json(NULL, st);
}

/* Each sign-up with its activity (at most a page of indexed reads). */
static int with_activities(gz_db *db, json_t *items, gz_err *err)
{
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		int64_t aid =
		    gz_api_parse_id(json_string_value(json_object_get(it, "activity_id")));
		json_t *act = mob_activity_get(db, aid, err);
		if (!act)
			return -1;
		json_object_set_new(it, "activity", act);
	}
	return 0;
}

/* GET /me/activities: the caller's sign-ups with their activities, newest first. */
static void my_activities_read(gz_req *r)
{
	mob_owner_list(r,
	               "SELECT " SIGNUP_COLS SIGNUP_FROM
	               " WHERE s.user_id = $1 AND (CAST($2 AS BIGINT) = 0 OR s.id < CAST($2 AS "
	               "BIGINT)) ORDER BY s.id DESC LIMIT $3",
	               gz_req_actor(r)->user_id, NULL, 0, own_signup, with_activities);
}

static void my_activities(gz_req *r)
{
	gz_api_read(r, my_activities_read);
}

const gz_module_route gz_mob_signup_routes[] = {
    {"POST", "/api/v1/activities/{id}/signups", signup_create, 0, 0},
    {"GET", "/api/v1/activities/{id}/signups", signup_list, 0, 0},
    {"DELETE", "/api/v1/activities/{id}/signups/me", signup_cancel, 0, 0},
    {"GET", "/api/v1/me/activities", my_activities, 0, 0},
    {0},
};
