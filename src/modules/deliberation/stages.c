/* The record of a topic's stages over HTTP: the consultation's comments and replies
 * (征求意见), meetings with their participants and minutes (议事会), implementation's
 * tasks and progress (实施), and residents' evaluation (监督评议). Everything is shown
 * with the topic (GET /api/v1/topics/{id}) to everyone in its place; topic.h decides
 * which stage allows what.
 *
 * POST  /api/v1/topics/{id}/comments        {position, body, parent_id}        write
 * POST  /api/v1/topics/{id}/meetings        {held_at, place, minutes, participants} admin
 *       (their attachments: meeting_files.c)
 * POST  /api/v1/topics/{id}/tasks           {title, assignee}                   admin
 * PATCH /api/v1/topics/{id}/tasks/{task_id} {progress, note}                    admin
 * PUT   /api/v1/topics/{id}/evaluation      {rating, comment}                   write */
#include "api/common.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/time.h"
#include "domain/space_code.h"
#include "modules/deliberation/delib_internal.h"
#include "modules/deliberation/topic.h"
#include "modules/module.h"
#include "modules/people/people.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading ---------------------------------------------------------------------- */

static int comments_json(gz_db *db, int64_t id, json_t *o, gz_err *err)
{
	json_t *list = json_array();
	json_object_set_new(o, "comments", list);
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "SELECT id, parent_id, position, body, user_id, username, "
	                  "created_at FROM topic_comments WHERE topic_id = $1 ORDER BY id",
	                  err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc;
	int64_t counts[4] = {0};
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		int pos = topic_position_parse(gz_stmt_text(st, 2));
		if (pos < 0)
			pos = TOPIC_POS_NONE;
		counts[pos]++;
		json_t *c = json_object();
		json_object_set_new(c, "id", gz_api_id_json(gz_stmt_int64(st, 0)));
		json_object_set_new(c, "parent_id", gz_api_id_or_null(st, 1));
		json_object_set_new(c, "position",
		                    pos ? json_string(topic_position_code((topic_position)pos))
		                        : json_null());
		json_object_set_new(c, "position_label",
		                    json_string(topic_position_label((topic_position)pos)));
		json_object_set_new(c, "body", json_string(gz_stmt_text(st, 3)));
		json_object_set_new(c, "user_id", gz_api_id_or_null(st, 4));
		json_object_set_new(c, "username", json_string(gz_stmt_text(st, 5)));
		json_object_set_new(c, "created_at", gz_api_time_json(gz_stmt_int64(st, 6)));
		json_array_append_new(list, c);
	}
	gz_stmt_finish(st);
	json_object_set_new(o, "positions",
	                    json_pack("{s:I,s:I,s:I,s:I}", "support", (json_int_t)counts[1],
	                              "oppose", (json_int_t)counts[2], "suggest",
	                              (json_int_t)counts[3], "replies", (json_int_t)counts[0]));
	return rc < 0 ? -1 : 0;
}

static int meetings_json(gz_db *db, bool names, int64_t id, json_t *o, gz_err *err)
{
	json_t *list = json_array();
	json_object_set_new(o, "meetings", list);
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT id, held_at, place, minutes, username, created_at FROM "
	                            "topic_meetings WHERE topic_id = $1 ORDER BY id",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		json_t *m = json_object();
		json_object_set_new(m, "id", gz_api_id_json(gz_stmt_int64(st, 0)));
		json_object_set_new(m, "held_at", gz_api_time_json(gz_stmt_int64(st, 1)));
		json_object_set_new(m, "place", json_string(gz_stmt_text(st, 2)));
		json_object_set_new(m, "minutes", json_string(gz_stmt_text(st, 3)));
		json_object_set_new(m, "recorded_by", json_string(gz_stmt_text(st, 4)));
		json_object_set_new(m, "created_at", gz_api_time_json(gz_stmt_int64(st, 5)));
		json_object_set_new(m, "participants", json_array());
		json_object_set_new(m, "attachments", json_array());
		json_array_append_new(list, m);
	}
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	st = gz_db_prepare(db,
	                   "SELECT p.meeting_id, p.name, p.actor, p.organisation FROM "
	                   "topic_meeting_participants p JOIN topic_meetings m ON m.id = "
	                   "p.meeting_id WHERE m.topic_id = $1 ORDER BY p.meeting_id, p.seq",
	                   err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		char mid[24];
		snprintf(mid, sizeof mid, "%lld", (long long)gz_stmt_int64(st, 0));
		size_t i;
		json_t *m;
		json_array_foreach(list, i, m)
		{
			if (strcmp(json_string_value(json_object_get(m, "id")), mid) != 0)
				continue;
			int actor = topic_actor_parse(gz_stmt_text(st, 2));
			gz_arena A = {0};
			const char *name = gz_people_name_shown(&A, names, gz_stmt_text(st, 1));
			json_array_append_new(json_object_get(m, "participants"),
			                      json_pack("{s:s,s:s,s:s,s:s}", "name", name, "actor",
			                                gz_stmt_text(st, 2), "actor_label",
			                                topic_actor_label(actor), "organisation",
			                                gz_stmt_text(st, 3)));
			gz_arena_free(&A);
			break;
		}
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : delib_meeting_files_json(db, id, list, err);
}

static int tasks_json(gz_db *db, int64_t id, json_t *o, gz_err *err)
{
	json_t *list = json_array();
	json_object_set_new(o, "tasks", list);
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT id, title, assignee, progress, note, updated_at, "
	                            "updated_by FROM topic_tasks WHERE topic_id = $1 ORDER BY id",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW)
		json_array_append_new(
		    list,
		    json_pack(
		        "{s:o,s:s,s:s,s:I,s:s,s:o,s:s}", "id", gz_api_id_json(gz_stmt_int64(st, 0)),
		        "title", gz_stmt_text(st, 1), "assignee", gz_stmt_text(st, 2), "progress",
		        (json_int_t)gz_stmt_int64(st, 3), "note", gz_stmt_text(st, 4), "updated_at",
		        gz_api_time_json(gz_stmt_int64(st, 5)), "updated_by", gz_stmt_text(st, 6)));
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

static int evaluation_json(gz_db *db, int64_t id, json_t *o, gz_err *err)
{
	json_t *list = json_array();
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT user_id, username, rating, comment, at FROM "
	                            "topic_evaluations WHERE topic_id = $1 ORDER BY at, user_id",
	                            err);
	if (!st) {
		json_decref(list);
		return -1;
	}
	gz_stmt_bind_int64(st, 1, id);
	int rc;
	int64_t counts[TOPIC_EVAL__COUNT] = {0}, total = 0;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		int r = topic_rating_parse(gz_stmt_text(st, 2));
		if (r >= 0)
			counts[r]++;
		total++;
		json_array_append_new(
		    list,
		    json_pack("{s:o,s:s,s:s,s:s,s:s,s:o}", "user_id", gz_api_id_or_null(st, 0),
		              "username", gz_stmt_text(st, 1), "rating", gz_stmt_text(st, 2),
		              "rating_label", r >= 0 ? topic_rating_label((topic_rating)r) : "",
		              "comment", gz_stmt_text(st, 3), "at",
		              gz_api_time_json(gz_stmt_int64(st, 4))));
	}
	gz_stmt_finish(st);
	/* 满意率 = (满意 + 基本满意) / 评议人数, as numerator and denominator. */
	json_object_set_new(
	    o, "evaluation",
	    json_pack("{s:I,s:I,s:I,s:{s:I,s:I},s:o}", "satisfied",
	              (json_int_t)counts[TOPIC_EVAL_SATISFIED], "basic",
	              (json_int_t)counts[TOPIC_EVAL_BASIC], "dissatisfied",
	              (json_int_t)counts[TOPIC_EVAL_DISSATISFIED], "satisfaction", "numerator",
	              (json_int_t)(counts[TOPIC_EVAL_SATISFIED] + counts[TOPIC_EVAL_BASIC]),
	              "denominator", (json_int_t)total, "items", list));
	return rc < 0 ? -1 : 0;
}

int delib_topic_records_json(gz_db *db, const gz_actor *a, int64_t id, json_t *o, gz_err *err)
{
	const char *scope = json_string_value(json_object_get(o, "scope_code"));
	bool names = gz_people_name_visible(a, scope);
	if (comments_json(db, id, o, err) < 0 || meetings_json(db, names, id, o, err) < 0 ||
	    tasks_json(db, id, o, err) < 0 || evaluation_json(db, id, o, err) < 0)
		return -1;
	return 0;
}

int delib_task_progress(gz_db *db, int64_t id, int64_t **out, size_t *n, gz_err *err)
{
	*out = NULL;
	*n = 0;
	gz_stmt *st =
	    gz_db_prepare(db, "SELECT progress FROM topic_tasks WHERE topic_id = $1", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	size_t cap = 0;
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		if (*n == cap)
			*out = gz_realloc(*out, (cap = cap ? 2 * cap : 16) * sizeof **out);
		(*out)[(*n)++] = gz_stmt_int64(st, 0);
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* ---- writing ---------------------------------------------------------------------- */

int delib_topic_for(gz_req *r, gz_db *db, policy_action action, int what, int64_t *id, char *scope,
                    gz_err *err)
{
	int stage;
	int64_t published;
	*id = gz_api_parse_id(gz_req_param(r, "id"));
	int rc = *id ? delib_topic_head(db, *id, scope, &stage, &published, err) : 0;
	if (rc < 0)
		return -1;
	if (rc == 0)
		return gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这个议题");
	if (delib_check(gz_req_actor(r), action, scope, err) < 0)
		return -1;
	return what < 0 ? 0 : topic_may((topic_stage)stage, (topic_doing)what, err);
}

int delib_audit_topic(const gz_actor *a, gz_db *db, const char *action, int64_t id,
                      const char *scope, json_t *detail, gz_err *err)
{
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	int rc = gz_audit(a, db, action, "topic", ids, scope, detail, err);
	json_decref(detail);
	return rc;
}

static int touch(gz_db *db, int64_t id, int64_t now, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, "UPDATE topics SET updated_at = $1 WHERE id = $2", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, now);
	gz_stmt_bind_int64(st, 2, id);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

static void comment_post(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	json_t *in = gz_req_json(r, &err);
	const char *pos_s = NULL, *body = NULL, *parent_s = NULL;
	gz_db *db = NULL;
	if (!in)
		goto fail;
	gz_json_str(in, "body", GZ_REQUIRED, 1, DELIB_COMMENT_MAX, &body, &err);
	gz_json_str(in, "parent_id", GZ_OPTIONAL, 1, 24, &parent_s, &err);
	gz_json_str(in, "position", GZ_OPTIONAL, 0, 16, &pos_s, &err);
	int64_t parent = parent_s ? gz_api_parse_id(parent_s) : 0;
	int pos = pos_s && *pos_s ? topic_position_parse(pos_s) : TOPIC_POS_NONE;
	if (parent_s && !parent)
		gz_err_field(&err, "parent_id", "应为所回复意见的 id");
	if (pos < 0)
		gz_err_field(&err, "position",
		             "应为 support、oppose 或 suggest（支持、反对、建议）");
	else if (!parent_s && pos == TOPIC_POS_NONE)
		gz_err_field(&err, "position", "发表意见须表明立场：support、oppose 或 suggest");
	if (gz_json_check(&err) < 0 || !(db = gz_req_db(r, &err)) || gz_db_begin(db, &err) < 0)
		goto fail;
	int64_t id;
	char scope[SPACE_CODE_SIZE];
	if (delib_topic_for(r, db, ACT_WRITE, TOPIC_DO_COMMENT, &id, scope, &err) < 0)
		goto rollback;
	if (parent) {
		int64_t t = 0;
		int rc = gz_db_query_int64(db, "SELECT topic_id FROM topic_comments WHERE id = $1",
		                           &t, &err, 1, parent);
		if (rc < 0)
			goto rollback;
		if (rc == 0 || t != id) {
			gz_err_set(&err, GZ_EINVALID, "invalid_fields", "字段有误");
			gz_err_field(&err, "parent_id", "本议题没有这条意见");
			goto rollback;
		}
	}
	int64_t now = gz_time_now_ms(), cid = 0;
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "INSERT INTO topic_comments (topic_id, parent_id, position, body, "
	                  "user_id, username, created_at) VALUES ($1, $2, $3, $4, $5, $6, "
	                  "$7) RETURNING id",
	                  &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, id);
	gz_stmt_bind_id(st, 2, parent);
	gz_stmt_bind_str(st, 3, topic_position_code((topic_position)pos));
	gz_stmt_bind_str(st, 4, body);
	gz_stmt_bind_id(st, 5, a->user_id);
	gz_stmt_bind_str(st, 6, a->username);
	gz_stmt_bind_int64(st, 7, now);
	int rc = gz_stmt_step_id(st, &cid, &err);
	gz_stmt_finish(st);
	if (rc < 0 || touch(db, id, now, &err) < 0 ||
	    delib_audit_topic(a, db, parent ? "topic.reply" : "topic.comment", id, scope,
	                      json_pack("{s:o,s:s}", "comment_id", gz_api_id_json(cid), "position",
	                                topic_position_code((topic_position)pos)),
	                      &err) < 0)
		goto rollback;
	json_decref(in);
	delib_reply_write(r, db, 201, delib_topic_json(db, a, id, &err), &err);
	return;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(in);
	gz_reply_err(r, &err);
}

typedef struct {
	const char *name, *org;
	int actor;
} participant;

static void meeting_post(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	json_t *in = gz_req_json(r, &err);
	const char *held_s = NULL, *place = "", *minutes = NULL;
	participant ps[TOPIC_MEETING_MAX_PARTICIPANTS + 1];
	int actors[TOPIC_MEETING_MAX_PARTICIPANTS + 1];
	size_t np = 0;
	gz_db *db = NULL;
	if (!in)
		goto fail;
	gz_json_str(in, "held_at", GZ_REQUIRED, 1, 40, &held_s, &err);
	gz_json_str(in, "place", GZ_OPTIONAL, 0, DELIB_NAME_MAX, &place, &err);
	gz_json_str(in, "minutes", GZ_REQUIRED, 1, DELIB_MINUTES_MAX, &minutes, &err);
	int64_t held = 0, now = gz_time_now_ms();
	if (held_s && (gz_time_parse_rfc3339(held_s, &held) < 0 || held > now + 60000))
		gz_err_field(&err, "held_at", "应为已召开会议的时间（RFC 3339）");
	json_t *list = json_object_get(in, "participants");
	if (!json_is_array(list))
		gz_err_field(&err, "participants",
		             "应为参会人员的列表 [{name, actor, organisation}]");
	else if (json_array_size(list) > TOPIC_MEETING_MAX_PARTICIPANTS)
		gz_err_field(&err, "participants", "参会人员最多 %d 人",
		             TOPIC_MEETING_MAX_PARTICIPANTS);
	else {
		size_t i;
		json_t *p;
		json_array_foreach(list, i, p)
		{
			const char *name = NULL, *actor = NULL, *org = "";
			gz_err pe;
			gz_err_clear(&pe);
			if (!json_is_object(p) ||
			    gz_json_str(p, "name", GZ_REQUIRED, 1, 50, &name, &pe) < 0 ||
			    gz_json_str(p, "actor", GZ_REQUIRED, 1, 32, &actor, &pe) < 0 ||
			    gz_json_str(p, "organisation", GZ_OPTIONAL, 0, DELIB_NAME_MAX, &org,
			                &pe) < 0 ||
			    topic_actor_parse(actor) < 0) {
				gz_err_field(&err, "participants",
				             "第 %zu 位：须有姓名 name 和主体 actor（如 party、"
				             "residents_committee、property、resident）",
				             i + 1);
				break;
			}
			actors[np] = topic_actor_parse(actor);
			ps[np] = (participant){name, org, actors[np]};
			np++;
		}
	}
	if (gz_json_check(&err) < 0 || topic_meeting_check(actors, np, &err) < 0 ||
	    !(db = gz_req_db(r, &err)) || gz_db_begin(db, &err) < 0)
		goto fail;
	int64_t id, mid = 0;
	char scope[SPACE_CODE_SIZE];
	if (delib_topic_for(r, db, ACT_ADMIN, TOPIC_DO_MEETING, &id, scope, &err) < 0)
		goto rollback;
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "INSERT INTO topic_meetings (topic_id, held_at, place, minutes, "
	                  "user_id, username, created_at) VALUES ($1, $2, $3, $4, $5, $6, "
	                  "$7) RETURNING id",
	                  &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, id);
	gz_stmt_bind_int64(st, 2, held);
	gz_stmt_bind_str(st, 3, place);
	gz_stmt_bind_str(st, 4, minutes);
	gz_stmt_bind_id(st, 5, a->user_id);
	gz_stmt_bind_str(st, 6, a->username);
	gz_stmt_bind_int64(st, 7, now);
	int rc = gz_stmt_step_id(st, &mid, &err);
	gz_stmt_finish(st);
	for (size_t i = 0; rc >= 0 && i < np; i++) {
		st = gz_db_prepare(db,
		                   "INSERT INTO topic_meeting_participants (meeting_id, seq, name, "
		                   "actor, organisation) VALUES ($1, $2, $3, $4, $5)",
		                   &err);
		if (!st) {
			rc = -1;
			break;
		}
		gz_stmt_bind_int64(st, 1, mid);
		gz_stmt_bind_int64(st, 2, (int64_t)i);
		gz_stmt_bind_str(st, 3, ps[i].name);
		gz_stmt_bind_str(
		    st, 4, json_string_value(json_object_get(json_array_get(list, i), "actor")));
		gz_stmt_bind_str(st, 5, ps[i].org);
		rc = gz_stmt_step(st, &err);
		gz_stmt_finish(st);
	}
	if (rc < 0 || touch(db, id, now, &err) < 0 ||
	    delib_audit_topic(a, db, "topic.meeting", id, scope,
	                      json_pack("{s:o,s:I}", "meeting_id", gz_api_id_json(mid),
	                                "participants", (json_int_t)np),
	                      &err) < 0)
		goto rollback;
	json_decref(in);
	delib_reply_write(r, db, 201, delib_topic_json(db, a, id, &err), &err);
	return;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(in);
	gz_reply_err(r, &err);
}

static void task_post(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	json_t *in = gz_req_json(r, &err);
	const char *title = NULL, *assignee = "";
	gz_db *db = NULL;
	if (!in)
		goto fail;
	gz_json_str(in, "title", GZ_REQUIRED, 1, DELIB_TITLE_MAX, &title, &err);
	gz_json_str(in, "assignee", GZ_OPTIONAL, 0, DELIB_NAME_MAX, &assignee, &err);
	if (gz_json_check(&err) < 0 || !(db = gz_req_db(r, &err)) || gz_db_begin(db, &err) < 0)
		goto fail;
	int64_t id, tid = 0, now = gz_time_now_ms();
	char scope[SPACE_CODE_SIZE];
	if (delib_topic_for(r, db, ACT_ADMIN, TOPIC_DO_TASK, &id, scope, &err) < 0)
		goto rollback;
	int64_t count = 0;
	if (gz_db_query_int64(db, "SELECT COUNT(*) FROM topic_tasks WHERE topic_id = $1", &count,
	                      &err, 1, id) < 0)
		goto rollback;
	if (count >= 100) {
		gz_err_set(&err, GZ_ECONFLICT, "too_many_tasks", "一个议题最多 100 项实施任务");
		goto rollback;
	}
	gz_stmt *st = gz_db_prepare(db,
	                            "INSERT INTO topic_tasks (topic_id, title, assignee, progress, "
	                            "note, created_at, updated_at, updated_by) VALUES ($1, $2, $3, "
	                            "0, '', $4, $4, $5) RETURNING id",
	                            &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, id);
	gz_stmt_bind_str(st, 2, title);
	gz_stmt_bind_str(st, 3, assignee);
	gz_stmt_bind_int64(st, 4, now);
	gz_stmt_bind_str(st, 5, a->username);
	int rc = gz_stmt_step_id(st, &tid, &err);
	gz_stmt_finish(st);
	if (rc < 0 || touch(db, id, now, &err) < 0 ||
	    delib_audit_topic(
	        a, db, "topic.task", id, scope,
	        json_pack("{s:o,s:s}", "task_id", gz_api_id_json(tid), "title", title), &err) < 0)
		goto rollback;
	json_decref(in);
	delib_reply_write(r, db, 201, delib_topic_json(db, a, id, &err), &err);
	return;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(in);
	gz_reply_err(r, &err);
}

static void task_patch(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	json_t *in = gz_req_json(r, &err);
	const char *note = NULL;
	int64_t progress = -1;
	gz_db *db = NULL;
	if (!in)
		goto fail;
	gz_json_int(in, "progress", GZ_REQUIRED, 0, 100, &progress, &err);
	gz_json_str(in, "note", GZ_OPTIONAL, 0, DELIB_NOTE_MAX, &note, &err);
	int64_t tid = gz_api_parse_id(gz_req_param(r, "task_id"));
	if (gz_json_check(&err) < 0 || !(db = gz_req_db(r, &err)) || gz_db_begin(db, &err) < 0)
		goto fail;
	int64_t id, now = gz_time_now_ms(), before = 0;
	char scope[SPACE_CODE_SIZE];
	if (delib_topic_for(r, db, ACT_ADMIN, TOPIC_DO_TASK, &id, scope, &err) < 0)
		goto rollback;
	int rc = tid ? gz_db_query_int64(db,
	                                 "SELECT progress FROM topic_tasks WHERE id = $1 AND "
	                                 "topic_id = $2",
	                                 &before, &err, 2, tid, id)
	             : 0;
	if (rc < 0)
		goto rollback;
	if (rc == 0) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "本议题没有这项任务");
		goto rollback;
	}
	gz_stmt *st = gz_db_prepare(db,
	                            note ? "UPDATE topic_tasks SET progress = $1, note = $5, "
	                                   "updated_at = $2, updated_by = $3 WHERE id = $4"
	                                 : "UPDATE topic_tasks SET progress = $1, updated_at = $2, "
	                                   "updated_by = $3 WHERE id = $4",
	                            &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, progress);
	gz_stmt_bind_int64(st, 2, now);
	gz_stmt_bind_str(st, 3, a->username);
	gz_stmt_bind_int64(st, 4, tid);
	if (note)
		gz_stmt_bind_str(st, 5, note);
	rc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	if (rc < 0 || touch(db, id, now, &err) < 0 ||
	    delib_audit_topic(a, db, "topic.progress", id, scope,
	                      json_pack("{s:o,s:I,s:I}", "task_id", gz_api_id_json(tid), "from",
	                                (json_int_t)before, "to", (json_int_t)progress),
	                      &err) < 0)
		goto rollback;
	json_decref(in);
	delib_reply_write(r, db, 200, delib_topic_json(db, a, id, &err), &err);
	return;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(in);
	gz_reply_err(r, &err);
}

static void evaluation_put(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	json_t *in = gz_req_json(r, &err);
	const char *rating_s = NULL, *comment = "";
	gz_db *db = NULL;
	if (!in)
		goto fail;
	gz_json_str(in, "rating", GZ_REQUIRED, 1, 16, &rating_s, &err);
	gz_json_str(in, "comment", GZ_OPTIONAL, 0, DELIB_COMMENT_MAX, &comment, &err);
	int rating = rating_s ? topic_rating_parse(rating_s) : -1;
	if (rating_s && rating < 0)
		gz_err_field(&err, "rating",
		             "应为 satisfied、basic 或 dissatisfied（满意、基本满意、不满意）");
	if (gz_json_check(&err) < 0 || !(db = gz_req_db(r, &err)) || gz_db_begin(db, &err) < 0)
		goto fail;
	int64_t id, now = gz_time_now_ms();
	char scope[SPACE_CODE_SIZE];
	if (delib_topic_for(r, db, ACT_WRITE, TOPIC_DO_EVALUATE, &id, scope, &err) < 0)
		goto rollback;
	if (a->kind != GZ_ACTOR_USER) {
		gz_err_set(&err, GZ_EFORBIDDEN, "forbidden", "评议须由本人账号提交");
		goto rollback;
	}
	gz_stmt *st = gz_db_prepare(
	    db,
	    "INSERT INTO topic_evaluations (topic_id, user_id, username, rating, comment, at) "
	    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (topic_id, user_id) DO UPDATE SET "
	    "rating = excluded.rating, comment = excluded.comment, at = excluded.at",
	    &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, id);
	gz_stmt_bind_int64(st, 2, a->user_id);
	gz_stmt_bind_str(st, 3, a->username);
	gz_stmt_bind_str(st, 4, topic_rating_code((topic_rating)rating));
	gz_stmt_bind_str(st, 5, comment);
	gz_stmt_bind_int64(st, 6, now);
	int rc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	if (rc < 0 ||
	    delib_audit_topic(a, db, "topic.evaluate", id, scope,
	                      json_pack("{s:s}", "rating", topic_rating_code((topic_rating)rating)),
	                      &err) < 0)
		goto rollback;
	json_decref(in);
	delib_reply_write(r, db, 200, delib_topic_json(db, a, id, &err), &err);
	return;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(in);
	gz_reply_err(r, &err);
}

const gz_module_route gz_delib_stage_routes[] = {
    {"POST", "/api/v1/topics/{id}/comments", comment_post, 0, 0},
    {"POST", "/api/v1/topics/{id}/meetings", meeting_post, 0, 0},
    {"POST", "/api/v1/topics/{id}/tasks", task_post, 0, 0},
    {"PATCH", "/api/v1/topics/{id}/tasks/{task_id}", task_patch, 0, 0},
    {"PUT", "/api/v1/topics/{id}/evaluation", evaluation_put, 0, 0},
    {0},
};
