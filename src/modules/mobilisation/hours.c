/* Check-in and check-out with the organiser's rotating code, a missing check-out closed
 * by the organiser, and the organiser's confirmation of hours: service records, points
 * and no-shows (rules.h has the formulas: mob_hours_minutes, mob_points_for_minutes). */
#include "modules/mobilisation/mob_internal.h"
#include "modules/mobilisation/mobilisation.h"
#include "modules/module.h"
#include "api/common.h"
#include "api/fields.h"
#include "api/ratelimit.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/time.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 429 too_many_attempts with Retry-After. */
static void too_many(const gz_actor *a, int64_t retry_ms, gz_err *err)
{
	char v[24];
	snprintf(v, sizeof v, "%lld", (long long)((retry_ms + 999) / 1000));
	if (a->req)
		gz_reply_header(a->req, "Retry-After", v);
	gz_err_set(err, GZ_ETOOMANY, "too_many_attempts",
	           "签到码错误次数过多，请 %s 秒后再试，或请组织者为您登记", v);
}

/* Loads the activity (404) and the caller's or the given sign-up for a check: the
 * activity must be open and visible. Returns 0, or -1 with err set. */
static int load_for_check(gz_db *db, const gz_actor *a, int64_t activity_id, mob_activity *act,
                          gz_err *err)
{
	int rc = mob_activity_load(db, activity_id, false, act, err);
	if (rc <= 0)
		return rc < 0 ? -1 : gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这条记录");
	if (mob_check_visible(a, RES_ACTIVITY, act->place, err) < 0)
		return -1;
	if (strcmp(act->status, "open"))
		return gz_err_set(err, GZ_ECONFLICT, "activity_closed",
		                  "活动时长已确认或活动已取消，不能再签到签退");
	return 0;
}

int gz_mob_check(gz_db *db, const gz_actor *a, int64_t activity_id, int64_t user_id, bool out,
                 json_t *in, int64_t now, json_t **res, gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	const char *code = NULL;
	mob_activity act;
	mob_signup s = {0};
	int64_t step = 0;
	memset(&act, 0, sizeof act);
	gz_api_str_field(in, "code", GZ_REQUIRED, 1, 16, &code, &err);
	if (gz_json_check(&err) < 0 || mob_self(a, user_id, &err) < 0 ||
	    !(db || (db = gz_req_db(a->req, &err))) || gz_db_begin(db, &err) < 0)
		goto fail;
	if (load_for_check(db, a, activity_id, &act, &err) < 0)
		goto rollback;
	int rc = mob_signup_find(db, activity_id, user_id, 0, &s, &err);
	if (rc < 0)
		goto rollback;
	if (!rc || s.status == MOB_SIGNUP_CANCELLED) {
		gz_err_set(&err, GZ_ECONFLICT, "not_signed_up", "您没有报名这个活动，不能签到");
		goto rollback;
	}
	if (s.status == MOB_SIGNUP_WAITLISTED) {
		gz_err_set(&err, GZ_ECONFLICT, "waitlisted", "您还在候补名单上，有空位后才能签到");
		goto rollback;
	}
	if (!out && s.check_in) {
		gz_err_set(&err, GZ_ECONFLICT, "already_checked_in", "您已经签到过了");
		goto rollback;
	}
	if (out && !s.check_in) {
		gz_err_set(&err, GZ_ECONFLICT, "not_checked_in", "还没有签到，不能签退");
		goto rollback;
	}
	if (out && s.check_out) {
		gz_err_set(&err, GZ_ECONFLICT, "already_checked_out", "您已经签退过了");
		goto rollback;
	}
	/* Guessing: at most MOB_CODE_GUESSES wrong codes per person and activity per window
	 * (the count is kept whatever happens to this transaction). */
	char key[64];
	snprintf(key, sizeof key, "code:u:%lld:a:%lld", (long long)user_id, (long long)activity_id);
	int64_t retry = 0;
	if (!gz_actor_is_operator(a)) {
		if ((rc = gz_ratelimit_take(db, key, 0, MOB_CODE_GUESSES, MOB_CODE_GUESS_WINDOW_MS,
		                            &retry, &err)) < 0)
			goto rollback;
		if (rc == 1) {
			too_many(a, retry, &err);
			goto rollback;
		}
	}
	if (mob_code_verify(act.secret, act.start, act.end, now, code, s.last_step, &step, &err) <
	    0) {
		if (gz_actor_is_operator(a) ||
		    (strcmp(err.code, "code_wrong") && strcmp(err.code, "code_expired")))
			goto rollback;
		gz_db_rollback(db);
		gz_err e;
		gz_err_clear(&e);
		if (gz_ratelimit_take(db, key, 1, MOB_CODE_GUESSES, MOB_CODE_GUESS_WINDOW_MS, NULL,
		                      &e) < 0)
			err = e;
		goto fail;
	}
	/* Conditional on the state read above: of two racing check-ins one changes a row. */
	gz_stmt *st = gz_db_prepare(
	    db,
	    out ? "UPDATE mob_signups SET check_out_at = $2, check_out_by = 'self', last_code_step "
	          "= $3, updated_at = $2 WHERE id = $1 AND check_in_at IS NOT NULL AND "
	          "check_out_at "
	          "IS NULL AND last_code_step < $3"
	        : "UPDATE mob_signups SET check_in_at = $2, last_code_step = $3, updated_at = $2 "
	          "WHERE id = $1 AND check_in_at IS NULL AND last_code_step < $3",
	    &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, s.id);
	gz_stmt_bind_int64(st, 2, now);
	gz_stmt_bind_int64(st, 3, step);
	rc = gz_stmt_step(st, &err);
	int64_t changed = rc < 0 ? 0 : gz_stmt_changes(st);
	gz_stmt_finish(st);
	if (rc < 0)
		goto rollback;
	if (changed != 1) {
		gz_err_set(&err, GZ_ECONFLICT, out ? "already_checked_out" : "already_checked_in",
		           out ? "您已经签退过了" : "您已经签到过了");
		goto rollback;
	}
	if (mob_audit(a, db, out ? "activity.check_out" : "activity.check_in", "activity",
	              activity_id, act.place,
	              json_pack("{s:o,s:o}", "signup_id", gz_api_id_json(s.id), "user_id",
	                        gz_api_id_json(user_id)),
	              &err) < 0)
		goto rollback;
	sodium_memzero(act.secret, sizeof act.secret);
	json_t *ans = mob_signup_get(db, s.id, &err);
	if (ans && out) {
		int64_t minutes = 0;
		if (mob_hours_minutes(act.start, act.end, s.check_in, now, &minutes, &err) == 0)
			json_object_set_new(ans, "minutes_expected", json_integer(minutes));
	}
	return mob_finish(a, db, 200, ans, res, &err, errp);
rollback:
	gz_db_rollback(db);
fail:
	sodium_memzero(act.secret, sizeof act.secret);
	*errp = err;
	return -1;
}

int gz_mob_close_checkout(gz_db *db, const gz_actor *a, int64_t activity_id, int64_t signup_id,
                          json_t *in, int64_t now, json_t **out, gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t at = 0, when = 0;
	mob_activity act;
	mob_signup s = {0};
	gz_api_time_field(in, "at", GZ_OPTIONAL, &at, NULL, &err);
	if (gz_json_check(&err) < 0 || !(db || (db = gz_req_db(a->req, &err))) ||
	    gz_db_begin(db, &err) < 0)
		goto fail;
	if (load_for_check(db, a, activity_id, &act, &err) < 0 ||
	    gz_actor_check(a, ACT_WRITE, RES_ACTIVITY, act.place, &err) < 0)
		goto rollback;
	int rc = mob_signup_find(db, activity_id, 0, signup_id, &s, &err);
	if (rc < 0)
		goto rollback;
	if (!rc) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "这个活动没有这条报名");
		goto rollback;
	}
	if (!s.check_in) {
		gz_err_set(&err, GZ_ECONFLICT, "not_checked_in", "没有签到，不能代为签退");
		goto rollback;
	}
	if (s.check_out) {
		gz_err_set(&err, GZ_ECONFLICT, "already_checked_out", "已经签退");
		goto rollback;
	}
	if (mob_close_checkout(act.end, s.check_in, at, now, &when, &err) < 0)
		goto rollback;
	gz_stmt *st = gz_db_prepare(db,
	                            "UPDATE mob_signups SET check_out_at = $2, check_out_by = "
	                            "'organiser', updated_at = $3 WHERE id = $1 AND check_out_at "
	                            "IS NULL",
	                            &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, s.id);
	gz_stmt_bind_int64(st, 2, when);
	gz_stmt_bind_int64(st, 3, now);
	rc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	char when_s[40];
	if (rc < 0 ||
	    mob_audit(a, db, "activity.check_out_closed", "activity", activity_id, act.place,
	              json_pack("{s:o,s:o,s:s}", "signup_id", gz_api_id_json(s.id), "user_id",
	                        gz_api_id_json(s.user_id), "at",
	                        gz_time_rfc3339(when, when_s, sizeof when_s)),
	              &err) < 0)
		goto rollback;
	return mob_finish(a, db, 200, mob_signup_get(db, s.id, &err), out, &err, errp);
rollback:
	gz_db_rollback(db);
fail:
	*errp = err;
	return -1;
}

/* ---------------------------------------------------------------- confirmation of hours */

typedef struct {
	int64_t id, user_id, check_in, check_out;
	int rating; /* 0: none */
	const char *comment;
	int64_t minutes, points, record_id;
	bool attended;
} participant;

/* evaluations: [{signup_id, rating 1..5, comment?}] into the participants found. */
static int evaluations(json_t *in, participant *p, int n, gz_err *err)
{
	json_t *list = json_object_get(in, "evaluations");
	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list) || json_array_size(list) > MOB_SLOTS_MAX) {
		gz_err_field(err, "evaluations", "应为至多 %d 项的数组", MOB_SLOTS_MAX);
		return -1;
	}
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e)
	{
		char f[64];
		snprintf(f, sizeof f, "evaluations[%zu]", i);
		int64_t sid = 0, rating = 0;
		const char *comment = NULL;
		gz_err fe;
		gz_err_clear(&fe);
		if (!json_is_object(e)) {
			gz_err_field(err, f, "应为对象 {signup_id, rating, comment}");
			continue;
		}
		gz_api_id_field(e, "signup_id", GZ_REQUIRED, &sid, &fe);
		gz_json_int(e, "rating", GZ_REQUIRED, 1, 5, &rating, &fe);
		gz_api_str_field(e, "comment", GZ_OPTIONAL, 0, MOB_REASON_MAX, &comment, &fe);
		participant *who = NULL;
		for (int k = 0; k < n && sid && !who; k++)
			if (p[k].id == sid && p[k].attended)
				who = &p[k];
		if (sid && !fe.nfields && !who)
			gz_err_field(&fe, "signup_id", "不是本活动已签到签退的报名");
		for (int k = 0; k < fe.nfields; k++) {
			char ff[128];
			snprintf(ff, sizeof ff, "%s.%s", f, fe.fields[k].name);
			gz_err_field(err, ff, "%s", fe.fields[k].why);
		}
		if (who && !fe.nfields) {
			who->rating = (int)rating;
			who->comment = comment;
		}
	}
	return err->nfields ? -1 : 0;
}

static int write_service(gz_db *db, const gz_actor *a, const mob_activity *act, participant *p,
                         int64_t now, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db,
	    "INSERT INTO mob_service_records (user_id, scope_code, kind, activity_id, org_name, "
	    "content, started_at, ended_at, minutes, rating, evaluation, recorded_by, recorded_at) "
	    "VALUES ($1, $2, 'service', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, p->user_id);
	gz_stmt_bind_str(st, 2, act->place);
	gz_stmt_bind_int64(st, 3, act->id);
	gz_stmt_bind_str(st, 4, act->organiser_name);
	gz_stmt_bind_str(st, 5, act->title);
	gz_stmt_bind_int64(st, 6, p->check_in);
	gz_stmt_bind_int64(st, 7, p->check_out);
	gz_stmt_bind_int64(st, 8, p->minutes);
	if (p->rating)
		gz_stmt_bind_int64(st, 9, p->rating);
	else
		gz_stmt_bind_null(st, 9);
	gz_stmt_bind_str(st, 10, p->comment);
	gz_stmt_bind_id(st, 11, a->user_id);
	gz_stmt_bind_int64(st, 12, now);
	int rc = gz_stmt_step_id(st, &p->record_id, err);
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	p->points = mob_points_for_minutes(p->minutes, act->points_per_hour);
	if (p->points <= 0)
		return 0;
	char community[16];
	mob_community_of(act->place, community);
	mob_move m = {.kind = "earn",
	              .rule = "service_hour",
	              .scope = community,
	              .user_id = p->user_id,
	              .ref_type = "service_record",
	              .ref_id = p->record_id,
	              .at = now};
	int64_t mid;
	return mob_issue(db, a, &m, p->points, &mid, err);
}

static int set_status(gz_db *db, const participant *p, int64_t now, gz_err *err)
{
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "UPDATE mob_signups SET status = $2, minutes = $3, updated_at = "
	                  "$4 WHERE id = $1",
	                  err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, p->id);
	gz_stmt_bind_str(st, 2, p->attended ? "attended" : "no_show");
	if (p->attended)
		gz_stmt_bind_int64(st, 3, p->minutes);
	else
		gz_stmt_bind_null(st, 3);
	gz_stmt_bind_int64(st, 4, now);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

int gz_mob_activity_confirm(gz_db *db, const gz_actor *a, int64_t activity_id, json_t *in,
                            int64_t now, json_t **out, gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	mob_activity act;
	participant *p = NULL;
	int n = 0, attended = 0, noshow = 0;
	int64_t total_minutes = 0, total_points = 0;
	json_t *people = json_array();
	if (!(db || (db = gz_req_db(a->req, &err))) || gz_db_begin(db, &err) < 0)
		goto fail;
	int rc = mob_activity_load(db, activity_id, true, &act, &err);
	if (rc <= 0) {
		if (!rc)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto rollback;
	}
	if (mob_check_visible(a, RES_ACTIVITY, act.place, &err) < 0 ||
	    gz_actor_check(a, ACT_WRITE, RES_ACTIVITY, act.place, &err) < 0)
		goto rollback;
	if (strcmp(act.status, "open")) {
		gz_err_set(&err, GZ_ECONFLICT, "activity_closed", "活动时长已确认或活动已取消");
		goto rollback;
	}
	if (now < act.start) {
		gz_err_set(&err, GZ_ECONFLICT, "not_started", "活动还没有开始，不能确认时长");
		goto rollback;
	}
	p = gz_calloc((size_t)act.slots + 1, sizeof *p);
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "SELECT id, user_id, check_in_at, check_out_at FROM mob_signups "
	                  "WHERE activity_id = $1 AND status = 'confirmed' ORDER BY seq",
	                  &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, act.id);
	int open = 0;
	while (n <= act.slots && (rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		participant *q = &p[n++];
		q->id = gz_stmt_int64(st, 0);
		q->user_id = gz_stmt_int64(st, 1);
		q->check_in = gz_stmt_isnull(st, 2) ? 0 : gz_stmt_int64(st, 2);
		q->check_out = gz_stmt_isnull(st, 3) ? 0 : gz_stmt_int64(st, 3);
		q->attended = q->check_in && q->check_out;
		open += q->check_in && !q->check_out;
	}
	gz_stmt_finish(st);
	if (rc < 0)
		goto rollback;
	if (open) {
		gz_err_set(&err, GZ_ECONFLICT, "open_check_outs",
		           "还有 %d 人签到后没有签退：请先为他们登记签退时间", open);
		goto rollback;
	}
	if (evaluations(in, p, n, &err) < 0) {
		gz_json_check(&err);
		goto rollback;
	}
	for (int i = 0; i < n; i++) {
		participant *q = &p[i];
		if (q->attended) {
			if (mob_hours_minutes(act.start, act.end, q->check_in, q->check_out,
			                      &q->minutes, &err) < 0 ||
			    write_service(db, a, &act, q, now, &err) < 0)
				goto rollback;
			attended++;
			total_minutes += q->minutes;
			total_points += q->points;
		} else
			noshow++;
		if (set_status(db, q, now, &err) < 0)
			goto rollback;
		json_array_append_new(
		    people, json_pack("{s:o,s:o,s:s,s:I,s:I,s:o}", "signup_id",
		                      gz_api_id_json(q->id), "user_id", gz_api_id_json(q->user_id),
		                      "status", q->attended ? "attended" : "no_show", "minutes",
		                      (json_int_t)q->minutes, "points", (json_int_t)q->points,
		                      "service_record_id",
		                      q->record_id ? gz_api_id_json(q->record_id) : json_null()));
	}
	st = gz_db_prepare(db,
	                   "UPDATE mob_activities SET status = 'confirmed', confirmed_at = $2, "
	                   "updated_at = $2 WHERE id = $1",
	                   &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, act.id);
	gz_stmt_bind_int64(st, 2, now);
	rc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	if (rc < 0 || gz_db_count_add(db, "service_records", attended, &err) < 0 ||
	    mob_audit(a, db, "activity.confirm", "activity", act.id, act.place,
	              json_pack("{s:i,s:i,s:I,s:I}", "attended", attended, "no_shows", noshow,
	                        "minutes", (json_int_t)total_minutes, "points",
	                        (json_int_t)total_points),
	              &err) < 0)
		goto rollback;
	json_t *ans = mob_activity_get(db, act.id, &err);
	if (ans)
		json_object_set_new(ans, "confirmation",
		                    json_pack("{s:i,s:i,s:I,s:I,s:O}", "attended", attended,
		                              "no_shows", noshow, "minutes",
		                              (json_int_t)total_minutes, "points",
		                              (json_int_t)total_points, "participants", people));
	free(p);
	json_decref(people);
	sodium_memzero(act.secret, sizeof act.secret);
	return mob_finish(a, db, 200, ans, out, &err, errp);
rollback:
	gz_db_rollback(db);
fail:
	free(p);
	json_decref(people);
	*errp = err;
	return -1;
}

/* ---------------------------------------------------------------- handlers */

static int check_in_self(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                         json_t **out, gz_err *err)
{
	return gz_mob_check(db, a, id, a->user_id, false, in, now, out, err);
}

static int check_out_self(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                          json_t **out, gz_err *err)
{
	return gz_mob_check(db, a, id, a->user_id, true, in, now, out, err);
}

static void check_in(gz_req *r)
{
	mob_handle(r, check_in_self, 200, false);
}

static void check_out(gz_req *r)
{
	mob_handle(r, check_out_self, 200, false);
}

static void close_checkout(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *res = NULL, *in = mob_body(r, &err);
	int rc = in ? gz_mob_close_checkout(NULL, gz_req_actor(r), mob_path_id(r, "id"),
	                                    mob_path_id(r, "signup_id"), in, gz_time_now_ms(), &res,
	                                    &err)
	            : -1;
	json_decref(in);
	mob_reply(r, rc, 200, res, &err);
}

static void confirm(gz_req *r)
{
	mob_handle(r, gz_mob_activity_confirm, 200, true);
}

const gz_module_route gz_mob_hours_routes[] = {
    {"POST", "/api/v1/activities/{id}/check-in", check_in, 0, 0},
    {"POST", "/api/v1/activities/{id}/check-out", check_out, 0, 0},
    {"POST", "/api/v1/activities/{id}/signups/{signup_id}/check-out", close_checkout, 0, 0},
    {"POST", "/api/v1/activities/{id}/confirm", confirm, 0, 0},
    {0},
};
