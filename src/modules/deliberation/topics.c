/* Topics (议题) over HTTP: propose, list, read with their stages and votes, and move
 * through the stages (topic.h has the order). Everyone in a topic's place reads it and
 * may propose; the community's staff and admin (deliberation admin) confirm and move it.
 *
 * POST /api/v1/topics              {scope_code, title, body}       write
 * GET  /api/v1/topics              ?stage=                          read
 * GET  /api/v1/topics/{id}                                          read
 * POST /api/v1/topics/{id}/stage   {stage, note}                    admin */
#include "api/common.h"
#include "api/list.h"
#include "api/names.h"
#include "core/json.h"
#include "core/time.h"
#include "domain/space_code.h"
#include "modules/deliberation/delib_internal.h"
#include "modules/cases/cases.h"
#include "modules/matching/matching.h"
#include "modules/deliberation/topic.h"
#include "modules/module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int delib_check(const gz_actor *a, policy_action action, const char *scope, gz_err *err)
{
	gz_err first;
	gz_err_clear(&first);
	if (gz_actor_check(a, action, RES_DELIBERATION, scope, &first) == 0)
		return 0;
	if (a && a->kind == GZ_ACTOR_USER && first.kind == GZ_ENOTFOUND) {
		/* Grants inside the topic's place: they see it (read), take part in it (write),
		 * and are refused anything else with 403, not 404, as it is not hidden from them.
		 */
		bool visible = false, allowed = false;
		for (int i = 0; i < a->ngrants; i++) {
			const gz_grant *g = &a->grants[i];
			if (!g->scope[0] || !policy_scope_contains(scope, g->scope) ||
			    !policy_allows(g->role, ACT_READ, RES_DELIBERATION))
				continue;
			visible = true;
			allowed = allowed || ((action == ACT_READ || action == ACT_WRITE) &&
			                      policy_allows(g->role, action, RES_DELIBERATION));
		}
		if (allowed)
			return 0;
		if (visible)
			return gz_err_set(err, GZ_EFORBIDDEN, "forbidden", "没有权限");
	}
	*err = first;
	return -1;
}

#define TOPIC_COLS                                                                                 \
	"t.id, t.scope_code, t.title, t.body, t.stage, t.proposed_by, t.published_at, "            \
	"t.created_at, t.updated_at, t.source_case_id, t.publicity_until, "                        \
	"t.implementation_owner, "                                                                 \
	"t.source_need_id"

static json_t *topic_row_json(gz_stmt *st)
{
	int stage = topic_stage_parse(gz_stmt_text(st, 4));
	json_t *o = json_object();
	json_object_set_new(o, "id", gz_api_id_json(gz_stmt_int64(st, 0)));
	json_object_set_new(o, "scope_code", json_string(gz_stmt_text(st, 1)));
	json_object_set_new(o, "title", json_string(gz_stmt_text(st, 2)));
	json_object_set_new(o, "body", json_string(gz_stmt_text(st, 3)));
	json_object_set_new(o, "stage", json_string(gz_stmt_text(st, 4)));
	json_object_set_new(o, "stage_label",
	                    json_string(stage >= 0 ? topic_stage_label((topic_stage)stage) : ""));
	json_object_set_new(o, "proposed_by", gz_api_id_or_null(st, 5));
	json_object_set_new(o, "published_at", gz_api_time_or_null(st, 6));
	json_object_set_new(o, "created_at", gz_api_time_json(gz_stmt_int64(st, 7)));
	json_object_set_new(o, "updated_at", gz_api_time_json(gz_stmt_int64(st, 8)));
	json_object_set_new(o, "source_case_id", gz_api_id_or_null(st, 9));
	json_object_set_new(o, "publicity_until", gz_api_time_or_null(st, 10));
	json_object_set_new(o, "implementation_owner", json_string(gz_stmt_text(st, 11)));
	json_object_set_new(o, "source_need_id", gz_api_id_or_null(st, 12));
	return o;
}

int delib_topic_head(gz_db *db, int64_t id, char *scope, int *stage, int64_t *published_at,
                     gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT scope_code, stage, published_at FROM topics WHERE id = $1", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		snprintf(scope, SPACE_CODE_SIZE, "%s", gz_stmt_text(st, 0));
		*stage = topic_stage_parse(gz_stmt_text(st, 1));
		*published_at = gz_stmt_isnull(st, 2) ? 0 : gz_stmt_int64(st, 2);
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

int delib_topic_set_stage(gz_db *db, const gz_actor *a, int64_t id, int stage, const char *note,
                          int64_t at, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db,
	    "INSERT INTO topic_stages (topic_id, stage, note, user_id, username, at) VALUES "
	    "($1, $2, $3, $4, $5, $6)",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	gz_stmt_bind_str(st, 2, topic_stage_code((topic_stage)stage));
	gz_stmt_bind_str(st, 3, note ? note : "");
	gz_stmt_bind_id(st, 4, a->user_id);
	gz_stmt_bind_str(st, 5, a->username);
	gz_stmt_bind_int64(st, 6, at);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	st = gz_db_prepare(db,
	                   "UPDATE topics SET stage = $1, updated_at = $2, published_at = CASE "
	                   "WHEN $1 = 'confirmed' THEN $2 ELSE published_at END WHERE id = $3",
	                   err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, topic_stage_code((topic_stage)stage));
	gz_stmt_bind_int64(st, 2, at);
	gz_stmt_bind_int64(st, 3, id);
	rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

json_t *delib_topic_json(gz_db *db, const gz_actor *a, int64_t id, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, "SELECT " TOPIC_COLS " FROM topics t WHERE t.id = $1", err);
	if (!st)
		return NULL;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	json_t *o = rc == GZ_ROW ? topic_row_json(st) : NULL;
	gz_stmt_finish(st);
	if (rc < 0)
		return NULL;
	if (!o) {
		gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这个议题");
		return NULL;
	}
	json_t *stages = json_array();
	json_object_set_new(o, "stages", stages);
	st = gz_db_prepare(db,
	                   "SELECT stage, note, user_id, username, at FROM topic_stages WHERE "
	                   "topic_id = $1 ORDER BY id",
	                   err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, id);
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		int s = topic_stage_parse(gz_stmt_text(st, 0));
		json_t *e = json_object();
		json_object_set_new(e, "stage", json_string(gz_stmt_text(st, 0)));
		json_object_set_new(e, "stage_label",
		                    json_string(s >= 0 ? topic_stage_label((topic_stage)s) : ""));
		json_object_set_new(e, "note", json_string(gz_stmt_text(st, 1)));
		json_object_set_new(e, "user_id", gz_api_id_or_null(st, 2));
		json_object_set_new(e, "username", json_string(gz_stmt_text(st, 3)));
		json_object_set_new(e, "at", gz_api_time_json(gz_stmt_int64(st, 4)));
		json_array_append_new(stages, e);
	}
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;
	json_t *votes = json_array();
	json_object_set_new(o, "votes", votes);
	st = gz_db_prepare(
	    db,
	    "SELECT id, rule, state, opened_at, closed_at, electorate FROM votes WHERE "
	    "topic_id = $1 ORDER BY id",
	    err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, id);
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		json_t *v = json_object();
		json_object_set_new(v, "id", gz_api_id_json(gz_stmt_int64(st, 0)));
		json_object_set_new(v, "rule", json_string(gz_stmt_text(st, 1)));
		json_object_set_new(v, "state", json_string(gz_stmt_text(st, 2)));
		json_object_set_new(v, "opened_at", gz_api_time_json(gz_stmt_int64(st, 3)));
		json_object_set_new(v, "closed_at", gz_api_time_or_null(st, 4));
		json_object_set_new(v, "electorate", json_string(gz_stmt_text(st, 5)));
		json_array_append_new(votes, v);
	}
	gz_stmt_finish(st);
	if (rc < 0 || delib_topic_records_json(db, a, id, o, err) < 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* ---- handlers ------------------------------------------------------------------- */

/* A topic's place: an existing community or grid. 1 yes, 0 no, -1 error. */
static int place_exists(gz_db *db, const char *code, gz_err *err)
{
	int level = space_code_level(code);
	const char *why;
	if ((level != SPACE_COMMUNITY && level != SPACE_GRID) ||
	    space_code_check(code, (space_level)level, &why) < 0)
		return 0;
	gz_stmt *st =
	    gz_db_prepare(db,
	                  level == SPACE_GRID ? "SELECT 1 FROM grids WHERE code = $1"
	                                      : "SELECT 1 FROM communities WHERE code = $1",
	                  err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, code);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

void delib_reply_write(gz_req *r, gz_db *db, int status, json_t *out, gz_err *err)
{
	if (!out || gz_api_commit(r, db, status, out, err) < 0) {
		gz_db_rollback(db);
		json_decref(out);
		if (!err->kind)
			gz_err_set(err, GZ_EINTERNAL, "internal", "读不到刚写入的记录");
		gz_reply_err(r, err);
		return;
	}
	gz_reply_json(r, status, out);
}

static void topic_create(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	json_t *in = gz_req_json(r, &err);
	const char *scope = NULL, *title = NULL, *body = "";
	gz_db *db = NULL;
	if (!in)
		goto fail;
	const char *case_s = NULL;
	gz_json_str(in, "case_id", GZ_OPTIONAL, 1, 24, &case_s, &err);
	int64_t case_id = case_s ? gz_api_parse_id(case_s) : 0;
	if (case_s && !case_id)
		gz_err_field(&err, "case_id", "应为诉求（工单）的 id");
	const char *need_s = NULL;
	gz_json_str(in, "need_id", GZ_OPTIONAL, 1, 24, &need_s, &err);
	int64_t need_id = need_s ? gz_api_parse_id(need_s) : 0;
	if (need_s && !need_id)
		gz_err_field(&err, "need_id", "应为需求的 id");
	if (case_s && need_s)
		gz_err_field(&err, "need_id", "议题只能由一条诉求或一条需求转来");
	bool raised = case_s || need_s;
	/* Raised from a case: the place defaults to the case's community, the title to its
	 * category. */
	gz_json_str(in, "scope_code", raised ? GZ_OPTIONAL : GZ_REQUIRED, 12, 15, &scope, &err);
	gz_json_str(in, "title", raised ? GZ_OPTIONAL : GZ_REQUIRED, 1, DELIB_TITLE_MAX, &title,
	            &err);
	gz_json_str(in, "body", GZ_OPTIONAL, 0, DELIB_BODY_MAX, &body, &err);
	const char *why;
	int level = scope ? space_code_level(scope) : -1;
	if (scope && ((level != SPACE_COMMUNITY && level != SPACE_GRID) ||
	              space_code_check(scope, (space_level)level, &why) < 0))
		gz_err_field(&err, "scope_code", "应为社区（12 位）或网格（15 位）的编码");
	if (gz_json_check(&err) < 0 || !(db = gz_req_db(r, &err)))
		goto fail;
	char case_grid[SPACE_CODE_SIZE], case_scope[SPACE_CODE_SIZE], case_title[300];
	if (case_id) {
		char category[200];
		int found =
		    gz_case_brief(db, a, case_id, case_grid, category, sizeof category, &err);
		if (found < 0)
			goto fail;
		if (!found || (scope && strncmp(case_grid, scope, strlen(scope)) != 0)) {
			gz_err_set(&err, GZ_EINVALID, "invalid_fields", "字段有误");
			gz_err_field(&err, "case_id",
			             found ? "诉求不在议题所在的社区或网格内" : "没有这个诉求");
			goto fail;
		}
		if (!scope) {
			snprintf(case_scope, sizeof case_scope, "%.12s", case_grid);
			scope = case_scope;
		}
		if (!title) {
			snprintf(case_title, sizeof case_title, "由诉求转为议题：%s", category);
			title = case_title;
		}
	}
	if (need_id) {
		/* Raised from a need (matching): its community and title, as for a case. */
		char need_title[90]; /* + the prefix stays within DELIB_TITLE_MAX characters */
		int found = gz_match_need_brief(db, a, need_id, case_grid, need_title,
		                                sizeof need_title, &err);
		if (found < 0)
			goto fail;
		if (!found || (scope && strncmp(case_grid, scope, strlen(scope)) != 0)) {
			gz_err_set(&err, GZ_EINVALID, "invalid_fields", "字段有误");
			gz_err_field(&err, "need_id",
			             found ? "需求不在议题所在的社区或网格内" : "没有这条需求");
			goto fail;
		}
		if (!scope) {
			snprintf(case_scope, sizeof case_scope, "%.12s", case_grid);
			scope = case_scope;
		}
		if (!title) {
			snprintf(case_title, sizeof case_title, "由需求转为议题：%s", need_title);
			title = case_title;
		}
	}
	if (delib_check(a, ACT_WRITE, scope, &err) < 0)
		goto fail;
	if (gz_db_begin(db, &err) < 0)
		goto fail;
	int rc = place_exists(db, scope, &err);
	if (rc <= 0) {
		if (rc == 0) {
			gz_err_set(&err, GZ_EINVALID, "invalid_fields", "字段有误");
			gz_err_field(&err, "scope_code",
			             "应为已有社区（12 位）或网格（15 位）的编码");
		}
		goto rollback;
	}
	int64_t now = gz_time_now_ms(), id = 0;
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "INSERT INTO topics (scope_code, title, body, stage, proposed_by, "
	                  "created_at, updated_at, source_case_id, source_need_id) VALUES ($1, "
	                  "$2, $3, 'proposed', $4, $5, $5, $6, $7) RETURNING id",
	                  &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_str(st, 1, scope);
	gz_stmt_bind_str(st, 2, title);
	gz_stmt_bind_str(st, 3, body);
	gz_stmt_bind_id(st, 4, a->user_id);
	gz_stmt_bind_int64(st, 5, now);
	gz_stmt_bind_id(st, 6, case_id);
	gz_stmt_bind_id(st, 7, need_id);
	rc = gz_stmt_step_id(st, &id, &err);
	gz_stmt_finish(st);
	if (rc < 0 || delib_topic_set_stage(db, a, id, TOPIC_PROPOSED, "", now, &err) < 0)
		goto rollback;
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	json_t *detail = json_pack("{s:s}", "title", title);
	if (case_id)
		json_object_set_new(detail, "case_id", gz_api_id_json(case_id));
	if (need_id)
		json_object_set_new(detail, "need_id", gz_api_id_json(need_id));
	rc = gz_audit(a, db, "topic.create", "topic", ids, scope, detail, &err);
	json_decref(detail);
	if (rc < 0)
		goto rollback;
	delib_reply_write(r, db, 201, delib_topic_json(db, a, id, &err), &err);
	json_decref(in);
	return;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(in);
	gz_reply_err(r, &err);
}

/* Names the places of topics (their scope_code) as "scope_name": one batched lookup of
 * the space module's "place" namer per page. 0, or -1 with err. */
static int name_places(gz_db *db, json_t *items, gz_err *err)
{
	size_t n = json_array_size(items);
	if (!n)
		return 0;
	gz_arena A = {0};
	gz_name_ref *refs = gz_arena_alloc(&A, n * sizeof *refs);
	for (size_t i = 0; i < n; i++)
		refs[i].id =
		    json_string_value(json_object_get(json_array_get(items, i), "scope_code"));
	int rc = gz_names_resolve(NULL, db, &A, "place", refs, n, err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		json_object_set_new(json_array_get(items, i), "scope_name",
		                    refs[i].name ? json_string(refs[i].name) : json_null());
	gz_arena_free(&A);
	return rc;
}

static json_t *topic_list_row(gz_req *r, gz_stmt *st, int64_t *key)
{
	(void)r;
	*key = gz_stmt_int64(st, 0);
	return topic_row_json(st);
}

static void topic_list(gz_req *r)
{
	const char *stage = gz_req_query(r, "stage");
	if (stage && *stage && topic_stage_parse(stage) < 0) {
		gz_err err;
		gz_err_clear(&err);
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 stage 无效");
		gz_err_field(&err, "stage",
		             "应为 proposed、confirmed、consultation、meeting、voting、"
		             "publicity、implementation、evaluation、closed、rejected 之一");
		gz_reply_err(r, &err);
		return;
	}
	const char *texts[] = {stage && *stage ? stage : NULL};
	/* A scope's range, and the community of a grid scope: a grid's residents take part
	 * in their community's topics. */
	gz_api_scoped_list(
	    r, &(gz_api_list_query){
	           .sql = "SELECT " TOPIC_COLS " FROM topics t WHERE ((t.scope_code >= $1 AND "
	                  "t.scope_code < $2) OR (length($1) = 15 AND t.scope_code = "
	                  "substr($1, 1, 12))) AND t.id > $3 AND (CAST($5 AS TEXT) = '' OR "
	                  "t.stage = $5) ORDER BY t.id LIMIT $4",
	           .action = ACT_READ,
	           .res = RES_DELIBERATION,
	           .texts = texts,
	           .ntexts = 1,
	           .row = topic_list_row,
	           .page = name_places});
}

static void topic_get_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	char scope[SPACE_CODE_SIZE];
	int stage, rc = 0;
	int64_t published;
	json_t *o = NULL;
	gz_db *db = gz_req_db(r, &err);
	if (db && id)
		rc = delib_topic_head(db, id, scope, &stage, &published, &err);
	if (db && rc == 0)
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这个议题");
	json_t *one = NULL;
	if (!db || rc <= 0 || delib_check(gz_req_actor(r), ACT_READ, scope, &err) < 0 ||
	    !(o = delib_topic_json(db, gz_req_actor(r), id, &err)) ||
	    name_places(db, (one = json_pack("[O]", o)), &err) < 0) {
		json_decref(one);
		json_decref(o);
		gz_reply_err(r, &err);
		return;
	}
	json_decref(one);
	gz_reply_json(r, 200, o);
}

static void topic_get(gz_req *r)
{
	gz_api_read(r, topic_get_read);
}

/* What moving a topic from stage `from` to `to` needs besides the order: publicity starts
 * only once its votes are closed, ends only after its period, and implementation ends only
 * with every task done. 0, or -1 with err (409). */
static int stage_move_checks(gz_db *db, int64_t id, int from, int to, int64_t now, gz_err *err)
{
	if (to >= TOPIC_PUBLICITY && to != TOPIC_REJECTED) {
		int64_t open = 0;
		if (gz_db_query_int64(db,
		                      "SELECT COUNT(*) FROM votes WHERE topic_id = $1 AND state = "
		                      "'open'",
		                      &open, err, 1, id) < 0)
			return -1;
		if (open)
			return gz_err_set(err, GZ_ECONFLICT, "vote_open",
			                  "议题还有进行中的表决，结束表决后才能公示");
	}
	if (from == TOPIC_PUBLICITY) {
		int64_t until = 0;
		if (gz_db_query_int64(
		        db, "SELECT COALESCE(publicity_until, 0) FROM topics WHERE id = $1", &until,
		        err, 1, id) < 0 ||
		    topic_publicity_check(until, now, err) < 0)
			return -1;
	}
	if (from == TOPIC_IMPLEMENTATION) {
		int64_t *p = NULL;
		size_t n = 0;
		if (delib_task_progress(db, id, &p, &n, err) < 0)
			return -1;
		int rc = topic_tasks_done_check(p, n, err);
		free(p);
		return rc;
	}
	return 0;
}

static void topic_stage_post(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	json_t *in = gz_req_json(r, &err);
	const char *to_s = NULL, *note = "";
	gz_db *db = NULL;
	if (!in)
		goto fail;
	gz_json_str(in, "stage", GZ_REQUIRED, 1, 32, &to_s, &err);
	gz_json_str(in, "note", GZ_OPTIONAL, 0, DELIB_NOTE_MAX, &note, &err);
	int64_t days = TOPIC_PUBLICITY_DAYS_DEFAULT;
	const char *owner = "";
	gz_json_int(in, "publicity_days", GZ_OPTIONAL, 1, TOPIC_PUBLICITY_DAYS_MAX, &days, &err);
	gz_json_str(in, "owner", GZ_OPTIONAL, 0, DELIB_NAME_MAX, &owner, &err);
	int to = to_s ? topic_stage_parse(to_s) : -1;
	if (to == TOPIC_IMPLEMENTATION && !*owner)
		gz_err_field(&err, "owner", "进入实施阶段须指定实施责任人（个人或单位）");
	if (to_s && to < 0)
		gz_err_field(&err, "stage",
		             "应为 confirmed、consultation、meeting、voting、publicity、"
		             "implementation、evaluation、closed 或 rejected");
	if (gz_json_check(&err) < 0 || !(db = gz_req_db(r, &err)) || gz_db_begin(db, &err) < 0)
		goto fail;
	char scope[SPACE_CODE_SIZE];
	int stage;
	int64_t published;
	int rc = id ? delib_topic_head(db, id, scope, &stage, &published, &err) : 0;
	if (rc == 0)
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这个议题");
	if (rc <= 0 || delib_check(a, ACT_ADMIN, scope, &err) < 0 ||
	    topic_stage_move((topic_stage)stage, (topic_stage)to, &err) < 0)
		goto rollback;
	int64_t now = gz_time_now_ms();
	if (stage_move_checks(db, id, stage, to, now, &err) < 0 ||
	    delib_topic_set_stage(db, a, id, to, note, now, &err) < 0)
		goto rollback;
	if (to == TOPIC_PUBLICITY || to == TOPIC_IMPLEMENTATION) {
		gz_stmt *st =
		    gz_db_prepare(db,
		                  to == TOPIC_PUBLICITY
		                      ? "UPDATE topics SET publicity_until = $2 WHERE id = $1"
		                      : "UPDATE topics SET implementation_owner = $2 WHERE id = $1",
		                  &err);
		if (!st)
			goto rollback;
		gz_stmt_bind_int64(st, 1, id);
		if (to == TOPIC_PUBLICITY)
			gz_stmt_bind_int64(st, 2, topic_publicity_until(now, (int)days));
		else
			gz_stmt_bind_str(st, 2, owner);
		rc = gz_stmt_step(st, &err);
		gz_stmt_finish(st);
		if (rc < 0)
			goto rollback;
	}
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	json_t *detail = json_pack("{s:s,s:s}", "from", topic_stage_code((topic_stage)stage), "to",
	                           topic_stage_code((topic_stage)to));
	rc = gz_audit(a, db, "topic.stage", "topic", ids, scope, detail, &err);
	json_decref(detail);
	if (rc < 0)
		goto rollback;
	delib_reply_write(r, db, 200, delib_topic_json(db, a, id, &err), &err);
	json_decref(in);
	return;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(in);
	gz_reply_err(r, &err);
}

const gz_module_route gz_delib_topic_routes[] = {
    {"POST", "/api/v1/topics", topic_create, 0, 0},
    {"GET", "/api/v1/topics", topic_list, 0, 0},
    {"GET", "/api/v1/topics/{id}", topic_get, 0, 0},
    {"POST", "/api/v1/topics/{id}/stage", topic_stage_post, 0, 0},
    {0},
};
