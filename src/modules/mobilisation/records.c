/* Volunteer service records (志愿服务记录, 志愿服务条例): a volunteer's own records and
 * summary, the records in a scope, training and awards recorded by staff, and
 * corrections — new rows referencing the corrected one, with the points they change. */
#include "modules/mobilisation/mob_internal.h"
#include "modules/mobilisation/mobilisation.h"
#include "modules/module.h"
#include "modules/people/people.h"
#include "modules/space/space.h"
#include "api/common.h"
#include "api/fields.h"
#include "api/list.h"
#include "core/json.h"
#include "core/time.h"

#include <stdio.h>
#include <string.h>

#define RECORD_COLS                                                                                \
	"r.id, r.kind, r.user_id, COALESCE(v.name, ''), r.scope_code, r.activity_id, "             \
	"r.corrects_id, r.org_name, r.content, r.started_at, r.ended_at, r.minutes, r.rating, "    \
	"r.evaluation, r.reason, r.recorded_at, r.minutes + COALESCE((SELECT SUM(c.minutes) FROM " \
	"mob_service_records c WHERE c.corrects_id = r.id), 0), r.ref_type, r.ref_id"
#define RECORD_FROM                                                                                \
	" FROM mob_service_records r LEFT JOIN mob_volunteers v ON v.user_id = r.user_id"

/* A record as answered; the name masked for r's user (NULL r: in full). */
static json_t *record_json(gz_req *r, gz_stmt *st)
{
	const char *kind = gz_stmt_text(st, 1), *kl = mob_label("record_kind", kind);
	const char *scope = gz_stmt_text(st, 4), *name = gz_stmt_text(st, 3);
	json_t *o =
	    json_pack("{s:o,s:s,s:s,s:{s:o,s:s},s:s,s:o,s:o,s:s,s:s,s:o,s:o,s:I}", "id",
	              gz_api_id_json(gz_stmt_int64(st, 0)), "kind", kind, "kind_label",
	              kl ? kl : "", "user", "id", gz_api_id_json(gz_stmt_int64(st, 2)), "name",
	              r ? gz_people_name_for(r, scope, name) : name, "scope_code", scope,
	              "activity_id", gz_api_id_or_null(st, 5), "corrects_id",
	              gz_api_id_or_null(st, 6), "org_name", gz_stmt_text(st, 7), "content",
	              gz_stmt_text(st, 8), "started_at", gz_api_time_or_null(st, 9), "ended_at",
	              gz_api_time_or_null(st, 10), "minutes", (json_int_t)gz_stmt_int64(st, 11));
	json_object_set_new(o, "rating",
	                    gz_stmt_isnull(st, 12) ? json_null()
	                                           : json_integer(gz_stmt_int64(st, 12)));
	json_object_set_new(o, "evaluation", gz_api_text_or_null(st, 13));
	json_object_set_new(o, "reason", gz_api_text_or_null(st, 14));
	json_object_set_new(o, "recorded_at", gz_api_time_json(gz_stmt_int64(st, 15)));
	/* A service outside an activity names what it was for (e.g. a matched need). */
	json_object_set_new(o, "ref",
	                    gz_stmt_isnull(st, 17)
	                        ? json_null()
	                        : json_pack("{s:s,s:o}", "type", gz_stmt_text(st, 17), "id",
	                                    gz_api_id_json(gz_stmt_int64(st, 18))));
	/* A service's hours as corrected so far (corrections are new rows). */
	json_object_set_new(o, "effective_minutes",
	                    !strcmp(kind, "service") ? json_integer(gz_stmt_int64(st, 16))
	                                             : json_null());
	return o;
}

static json_t *record_get(gz_db *db, int64_t id, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, "SELECT " RECORD_COLS RECORD_FROM " WHERE r.id = $1", err);
	if (!st)
		return NULL;
	gz_stmt_bind_int64(st, 1, id);
	json_t *o = gz_stmt_step(st, err) == GZ_ROW ? record_json(NULL, st) : NULL;
	gz_stmt_finish(st);
	return o;
}

/* ---------------------------------------------------------------- the volunteer's own */

static json_t *own_record(gz_req *r, gz_stmt *st)
{
	(void)r;
	return record_json(NULL, st);
}

static void my_records_read(gz_req *r)
{
	mob_owner_list(r,
	               "SELECT " RECORD_COLS RECORD_FROM
	               " WHERE r.user_id = $1 AND (CAST($2 AS BIGINT) = 0 OR r.id < CAST($2 AS "
	               "BIGINT)) ORDER BY r.id DESC LIMIT $3",
	               gz_req_actor(r)->user_id, NULL, 0, own_record, NULL);
}

static void my_records(gz_req *r)
{
	gz_api_read(r, my_records_read);
}

json_t *mob_service_summary(gz_db *db, int64_t user_id, gz_err *err)
{
	/* Over the volunteer's own rows only (indexed by user): hours are services plus their
	 * corrections. */
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT COALESCE(SUM(CASE WHEN kind IN ('service', 'correction') THEN minutes ELSE 0 "
	    "END), 0), COALESCE(SUM(CASE WHEN kind = 'service' THEN 1 ELSE 0 END), 0), "
	    "COALESCE(SUM(CASE WHEN kind = 'training' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE "
	    "WHEN kind = 'award' THEN 1 ELSE 0 END), 0), MIN(CASE WHEN kind = 'service' THEN "
	    "started_at END), MAX(CASE WHEN kind = 'service' THEN started_at END) FROM "
	    "mob_service_records WHERE user_id = $1",
	    err);
	if (!st)
		return NULL;
	gz_stmt_bind_int64(st, 1, user_id);
	json_t *o = NULL;
	if (gz_stmt_step(st, err) == GZ_ROW)
		o = json_pack(
		    "{s:o,s:I,s:I,s:I,s:I,s:o,s:o}", "user_id", gz_api_id_json(user_id),
		    "total_minutes", (json_int_t)gz_stmt_int64(st, 0), "services",
		    (json_int_t)gz_stmt_int64(st, 1), "trainings", (json_int_t)gz_stmt_int64(st, 2),
		    "awards", (json_int_t)gz_stmt_int64(st, 3), "first_service_at",
		    gz_api_time_or_null(st, 4), "last_service_at", gz_api_time_or_null(st, 5));
	gz_stmt_finish(st);
	if (!o)
		return NULL;
	/* Hours by organisation, most first. */
	st = gz_db_prepare(db,
	                   "SELECT org_name, SUM(minutes), SUM(CASE WHEN kind = 'service' THEN 1 "
	                   "ELSE 0 END) FROM mob_service_records WHERE user_id = $1 AND kind IN "
	                   "('service', 'correction') GROUP BY org_name ORDER BY 2 DESC, 1",
	                   err);
	if (!st) {
		json_decref(o);
		return NULL;
	}
	gz_stmt_bind_int64(st, 1, user_id);
	json_t *orgs = json_array();
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW)
		json_array_append_new(orgs,
		                      json_pack("{s:s,s:I,s:I}", "org_name", gz_stmt_text(st, 0),
		                                "minutes", (json_int_t)gz_stmt_int64(st, 1),
		                                "services", (json_int_t)gz_stmt_int64(st, 2)));
	gz_stmt_finish(st);
	json_object_set_new(o, "by_organisation", orgs);
	if (rc < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static void my_summary_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_req_db(r, &err);
	const gz_actor *a = gz_req_actor(r);
	json_t *o = db ? mob_service_summary(db, a->user_id, &err) : NULL;
	int64_t balance = 0;
	if (o && gz_mob_balance(db, a->user_id, &balance, &err) < 0) {
		json_decref(o);
		o = NULL;
	}
	if (o)
		json_object_set_new(o, "points_balance", json_integer(balance));
	mob_reply(r, o ? 0 : -1, 200, o, &err);
}

static void my_summary(gz_req *r)
{
	gz_api_read(r, my_summary_read);
}

/* ---------------------------------------------------------------- in a scope */

static json_t *record_row(gz_req *r, gz_stmt *st, int64_t *key)
{
	*key = gz_stmt_int64(st, 0);
	return record_json(r, st);
}

static void record_list(gz_req *r)
{
	mob_filtered_list(
	    r,
	    &(mob_list_spec){.sql = "SELECT " RECORD_COLS RECORD_FROM
	                            " WHERE r.scope_code >= $1 AND r.scope_code < $2 AND r.id > "
	                            "$3 AND (CAST($5 AS TEXT) = '' OR r.kind = $5) AND (CAST($6 "
	                            "AS BIGINT) = 0 OR r.user_id = CAST($6 AS BIGINT)) ORDER BY "
	                            "r.id LIMIT $4",
	                     .action = ACT_READ,
	                     .res = RES_SERVICE_RECORD,
	                     .code_key = "place",
	                     .code_mask = GZ_API_AT_STREET | GZ_API_AT_COMMUNITY | GZ_API_AT_GRID,
	                     .enum_key = "kind",
	                     .group = "record_kind",
	                     .hint = "应为 service、training、award、correction 之一",
	                     .row = record_row});
}

/* ---------------------------------------------------------------- service outside an activity */

int gz_mob_service_add(gz_db *db, const gz_actor *a, const gz_mob_service *s, int64_t now,
                       int64_t *record_id, int *created, gz_err *err)
{
	*record_id = 0;
	*created = 0;
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT id FROM mob_service_records WHERE ref_type = $1 AND "
	                            "ref_id = $2 AND user_id = $3",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, s->ref_type);
	gz_stmt_bind_int64(st, 2, s->ref_id);
	gz_stmt_bind_int64(st, 3, s->user_id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW)
		*record_id = gz_stmt_int64(st, 0);
	gz_stmt_finish(st);
	if (rc != GZ_DONE)
		return rc < 0 ? -1 : 0;
	if (!(st = gz_db_prepare(
	          db,
	          "INSERT INTO mob_service_records (user_id, scope_code, kind, org_name, content, "
	          "started_at, ended_at, minutes, ref_type, ref_id, recorded_by, recorded_at) "
	          "VALUES "
	          "($1, $2, 'service', $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
	          err)))
		return -1;
	gz_stmt_bind_int64(st, 1, s->user_id);
	gz_stmt_bind_str(st, 2, s->scope);
	gz_stmt_bind_str(st, 3, s->org_name);
	gz_stmt_bind_str(st, 4, s->content);
	gz_stmt_bind_int64(st, 5, s->started_at);
	gz_stmt_bind_int64(st, 6, s->ended_at);
	gz_stmt_bind_int64(st, 7, s->minutes);
	gz_stmt_bind_str(st, 8, s->ref_type);
	gz_stmt_bind_int64(st, 9, s->ref_id);
	gz_stmt_bind_id(st, 10, a->user_id);
	gz_stmt_bind_int64(st, 11, now);
	rc = gz_stmt_step_id(st, record_id, err);
	gz_stmt_finish(st);
	if (rc < 0 ||
	    mob_audit(a, db, "service_record.create", "service_record", *record_id, s->scope,
	              json_pack("{s:s,s:I,s:s,s:o,s:I}", "kind", "service", "user_id",
	                        (json_int_t)s->user_id, "ref_type", s->ref_type, "ref_id",
	                        gz_api_id_json(s->ref_id), "minutes", (json_int_t)s->minutes),
	              err) < 0 ||
	    gz_db_count_add(db, "service_records", 1, err) < 0)
		return -1;
	*created = 1;
	return 0;
}

/* ---------------------------------------------------------------- training and awards */

/* POST /api/v1/service-records {user_id, kind: training|award, community_code, org_name,
 * content, started_at, ended_at?, minutes? (training)} */
int gz_mob_record_create(gz_db *db, const gz_actor *a, json_t *in, int64_t now, json_t **out,
                         gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t user = 0, start = 0, end = 0, minutes = 0, id = 0;
	bool has_end = false;
	const char *kind = NULL, *community = NULL, *org = NULL, *content = NULL;
	gz_api_id_field(in, "user_id", GZ_REQUIRED, &user, &err);
	if (gz_api_str_field(in, "kind", GZ_REQUIRED, 1, 16, &kind, &err) == 0 &&
	    strcmp(kind, "training") && strcmp(kind, "award"))
		gz_err_field(&err, "kind",
		             "应为 training（培训）或 award（表彰）；服务时长由活动确认产生");
	gz_api_code_field(in, "community_code", GZ_REQUIRED, GZ_API_AT_COMMUNITY, &community, &err);
	gz_api_str_field(in, "org_name", GZ_REQUIRED, 1, 64, &org, &err);
	gz_api_str_field(in, "content", GZ_REQUIRED, 1, MOB_REASON_MAX, &content, &err);
	gz_api_time_field(in, "started_at", GZ_REQUIRED, &start, NULL, &err);
	gz_api_time_field(in, "ended_at", GZ_OPTIONAL, &end, &has_end, &err);
	if (has_end && end < start)
		gz_err_field(&err, "ended_at", "不能早于 started_at");
	gz_json_int(in, "minutes", GZ_OPTIONAL, 0, MOB_DURATION_MAX / MOB_MINUTE_MS, &minutes,
	            &err);
	if (minutes && kind && !strcmp(kind, "award"))
		gz_err_field(&err, "minutes", "表彰没有时长");
	if (gz_json_check(&err) < 0 || !(db || (db = gz_req_db(a->req, &err))))
		goto fail;
	if (gz_actor_check(a, ACT_WRITE, RES_SERVICE_RECORD, community, &err) < 0 ||
	    gz_db_begin(db, &err) < 0)
		goto fail;
	int rc = gz_space_node_exists(db, community, &err);
	if (rc < 0)
		goto rollback;
	if (!rc)
		gz_err_field(&err, "community_code", "社区不存在");
	if (mob_volunteer_ensure(db, user, now, NULL, &err) < 0) {
		if (err.kind != GZ_ENOTFOUND)
			goto rollback;
		err.kind = GZ_OK;
		gz_err_field(&err, "user_id", "用户不存在");
	}
	if (gz_json_check(&err) < 0)
		goto rollback;
	gz_stmt *st = gz_db_prepare(
	    db,
	    "INSERT INTO mob_service_records (user_id, scope_code, kind, org_name, content, "
	    "started_at, ended_at, minutes, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, "
	    "$6, $7, $8, $9, $10) RETURNING id",
	    &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, user);
	gz_stmt_bind_str(st, 2, community);
	gz_stmt_bind_str(st, 3, kind);
	gz_stmt_bind_str(st, 4, org);
	gz_stmt_bind_str(st, 5, content);
	gz_stmt_bind_int64(st, 6, start);
	if (has_end)
		gz_stmt_bind_int64(st, 7, end);
	else
		gz_stmt_bind_null(st, 7);
	gz_stmt_bind_int64(st, 8, minutes);
	gz_stmt_bind_id(st, 9, a->user_id);
	gz_stmt_bind_int64(st, 10, now);
	rc = gz_stmt_step_id(st, &id, &err);
	gz_stmt_finish(st);
	if (rc < 0 ||
	    mob_audit(a, db, "service_record.create", "service_record", id, community,
	              json_pack("{s:o,s:s,s:I}", "user_id", gz_api_id_json(user), "kind", kind,
	                        "minutes", (json_int_t)minutes),
	              &err) < 0 ||
	    gz_db_count_add(db, "service_records", 1, &err) < 0)
		goto rollback;
	return mob_finish(a, db, 201, record_get(db, id, &err), out, &err, errp);
rollback:
	gz_db_rollback(db);
fail:
	*errp = err;
	return -1;
}

static void record_create_h(gz_req *r)
{
	mob_create_handle(r, gz_mob_record_create);
}

/* ---------------------------------------------------------------- corrections */

/* POST /api/v1/service-records/{id}/corrections {minutes, reason}: the service's hours
 * become minutes; a new row holds the change, the points follow (taken back when fewer:
 * 409 insufficient_points when already spent). */
static int correct(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now, json_t **out,
                   gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t minutes = -1, cid = 0, mid = 0;
	const char *reason = NULL;
	gz_json_int(in, "minutes", GZ_REQUIRED, 0, MOB_DURATION_MAX / MOB_MINUTE_MS, &minutes,
	            &err);
	gz_api_str_field(in, "reason", GZ_REQUIRED, 1, MOB_REASON_MAX, &reason, &err);
	if (gz_json_check(&err) < 0 || !(db || (db = gz_req_db(a->req, &err))) ||
	    gz_db_begin(db, &err) < 0)
		goto fail;
	json_t *rec = record_get(db, id, &err);
	if (!rec) {
		if (!err.kind)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto rollback;
	}
	char scope[16], kind[16];
	snprintf(scope, sizeof scope, "%s", json_string_value(json_object_get(rec, "scope_code")));
	snprintf(kind, sizeof kind, "%s", json_string_value(json_object_get(rec, "kind")));
	int64_t user = gz_api_parse_id(
	            json_string_value(json_object_get(json_object_get(rec, "user"), "id"))),
	        activity = gz_api_parse_id(json_string_value(json_object_get(rec, "activity_id"))),
	        was = json_integer_value(json_object_get(rec, "effective_minutes"));
	json_decref(rec);
	if (gz_actor_check(a, ACT_WRITE, RES_SERVICE_RECORD, scope, &err) < 0)
		goto rollback;
	if (strcmp(kind, "service")) {
		gz_err_set(&err, GZ_ECONFLICT, "not_correctable",
		           "只能更正服务时长记录（培训、表彰另行登记）");
		goto rollback;
	}
	if (minutes == was) {
		gz_err_field(&err, "minutes", "与当前时长相同（%lld 分钟）", (long long)was);
		gz_json_check(&err);
		goto rollback;
	}
	/* A service outside an activity (a matched need: gz_mob_service_add) earned its
	 * points by its own rule; correcting its hours changes no points. */
	mob_activity act = {.points_per_hour = 0};
	int rc = activity ? mob_activity_load(db, activity, false, &act, &err) : 1;
	if (rc <= 0) {
		if (!rc)
			gz_err_set(&err, GZ_EINTERNAL, "internal", "服务记录的活动不存在");
		goto rollback;
	}
	gz_stmt *st = gz_db_prepare(
	    db,
	    "INSERT INTO mob_service_records (user_id, scope_code, kind, corrects_id, org_name, "
	    "content, started_at, ended_at, minutes, reason, recorded_by, recorded_at) SELECT "
	    "user_id, scope_code, 'correction', id, org_name, content, started_at, ended_at, $2, "
	    "$3, $4, $5 FROM mob_service_records WHERE id = $1 RETURNING id",
	    &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, id);
	gz_stmt_bind_int64(st, 2, minutes - was);
	gz_stmt_bind_str(st, 3, reason);
	gz_stmt_bind_id(st, 4, a->user_id);
	gz_stmt_bind_int64(st, 5, now);
	rc = gz_stmt_step_id(st, &cid, &err);
	gz_stmt_finish(st);
	if (rc < 0)
		goto rollback;
	int64_t dp = mob_points_for_minutes(minutes, act.points_per_hour) -
	             mob_points_for_minutes(was, act.points_per_hour);
	char community[16];
	mob_community_of(scope, community);
	mob_move m = {.kind = "correct",
	              .scope = community,
	              .user_id = user,
	              .ref_type = "service_record",
	              .ref_id = cid,
	              .reason = reason,
	              .at = now};
	if ((dp && mob_issue(db, a, &m, dp, &mid, &err) < 0) ||
	    mob_audit(a, db, "service_record.correct", "service_record", cid, scope,
	              json_pack("{s:o,s:I,s:I,s:I,s:s}", "corrects_id", gz_api_id_json(id), "from",
	                        (json_int_t)was, "to", (json_int_t)minutes, "points",
	                        (json_int_t)dp, "reason", reason),
	              &err) < 0 ||
	    gz_db_count_add(db, "service_records", 1, &err) < 0)
		goto rollback;
	json_t *ans = record_get(db, cid, &err);
	if (ans)
		json_object_set_new(ans, "points_change", json_integer(dp));
	return mob_finish(a, db, 201, ans, out, &err, errp);
rollback:
	gz_db_rollback(db);
fail:
	*errp = err;
	return -1;
}

static void correct_h(gz_req *r)
{
	mob_handle(r, correct, 201, false);
}

const gz_module_route gz_mob_record_routes[] = {
    {"GET", "/api/v1/me/service-records", my_records, 0, 0},
    {"GET", "/api/v1/me/service-summary", my_summary, 0, 0},
    {"GET", "/api/v1/service-records", record_list, 0, 0},
    {"POST", "/api/v1/service-records", record_create_h, 0, 0},
    {"POST", "/api/v1/service-records/{id}/corrections", correct_h, 0, 0},
    {0},
};
