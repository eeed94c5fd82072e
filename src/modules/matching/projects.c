/* The projects list (项目清单): a larger need becomes a community project, with
 * co-building units' commitments under their 共建协议, milestones, a budget in fen and
 * a completion report. */
#include "modules/matching/match_internal.h"
#include "api/fields.h"
#include "api/list.h"
#include "core/json.h"
#include "core/time.h"
#include "modules/module.h"
#include "modules/org/org.h"
#include "modules/people/people.h"
#include "modules/space/space.h"

#include <stdio.h>
#include <string.h>

#define PROJECT_COLS                                                                               \
	"p.id, p.scope_code, COALESCE(c.name, s.name, g.name, p.scope_code), p.need_id, p.title, " \
	"p.description, p.budget_fen, p.status, p.report, p.created_at, p.completed_at"
#define PROJECT_FROM                                                                               \
	" FROM match_projects p LEFT JOIN communities c ON c.code = p.scope_code LEFT JOIN "       \
	"streets s ON s.code = p.scope_code LEFT JOIN grids g ON g.code = p.scope_code"

static const char *status_label(const char *s)
{
	return strcmp(s, "planning") == 0  ? "筹备中"
	       : strcmp(s, "running") == 0 ? "实施中"
	                                   : "已完成";
}

static json_t *project_json(gz_stmt *st)
{
	return json_pack(
	    "{s:o,s:s,s:s,s:o,s:s,s:s,s:I,s:s,s:s,s:s,s:o,s:o}", "id",
	    gz_api_id_json(gz_stmt_int64(st, 0)), "scope_code", gz_stmt_text(st, 1), "scope_name",
	    gz_stmt_text(st, 2), "need_id", gz_api_id_or_null(st, 3), "title", gz_stmt_text(st, 4),
	    "description", gz_stmt_text(st, 5), "budget_fen", (json_int_t)gz_stmt_int64(st, 6),
	    "status", gz_stmt_text(st, 7), "status_label", status_label(gz_stmt_text(st, 7)),
	    "report", gz_stmt_text(st, 8), "created_at", gz_api_time_json(gz_stmt_int64(st, 9)),
	    "completed_at", gz_api_time_or_null(st, 10));
}

/* Project id with its commitments and milestones. 1, 0 none, -1 error. */
static int project_read(gz_db *db, int64_t id, json_t **out, char scope[16], gz_err *err)
{
	*out = NULL;
	gz_stmt *st =
	    gz_db_prepare(db, "SELECT " PROJECT_COLS PROJECT_FROM " WHERE p.id = $1", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		*out = project_json(st);
		snprintf(scope, 16, "%s", gz_stmt_text(st, 1));
	}
	gz_stmt_finish(st);
	if (rc != GZ_ROW)
		return rc < 0 ? -1 : 0;
	json_t *cs = json_array(), *ms = json_array();
	json_object_set_new(*out, "commitments", cs);
	json_object_set_new(*out, "milestones", ms);
	if (!(st = gz_db_prepare(
	          db,
	          "SELECT m.id, m.org_id, o.name, m.agreement_id, a.title, m.content, "
	          "m.amount_fen FROM match_commitments m JOIN organisations o ON "
	          "o.id = m.org_id LEFT JOIN coop_agreements a ON a.id = "
	          "m.agreement_id WHERE m.project_id = $1 ORDER BY m.id",
	          err)))
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW)
		json_array_append_new(
		    cs, json_pack("{s:o,s:{s:o,s:s},s:o,s:o,s:s,s:I}", "id",
		                  gz_api_id_json(gz_stmt_int64(st, 0)), "org", "id",
		                  gz_api_id_json(gz_stmt_int64(st, 1)), "name", gz_stmt_text(st, 2),
		                  "agreement_id", gz_api_id_or_null(st, 3), "agreement_title",
		                  gz_api_text_or_null(st, 4), "content", gz_stmt_text(st, 5),
		                  "amount_fen", (json_int_t)gz_stmt_int64(st, 6)));
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	if (!(st = gz_db_prepare(db,
	                         "SELECT id, title, due_at, done_at FROM match_milestones WHERE "
	                         "project_id = $1 ORDER BY due_at, id",
	                         err)))
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW)
		json_array_append_new(ms, json_pack("{s:o,s:s,s:o,s:o}", "id",
		                                    gz_api_id_json(gz_stmt_int64(st, 0)), "title",
		                                    gz_stmt_text(st, 1), "due_at",
		                                    gz_api_time_json(gz_stmt_int64(st, 2)),
		                                    "done_at", gz_api_time_or_null(st, 3)));
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 1;
}

static int finish_project(gz_db *db, const gz_actor *a, int64_t id, int status, json_t **out,
                          gz_err *err)
{
	json_t *ans = NULL;
	char scope[16];
	if (project_read(db, id, &ans, scope, err) < 0) {
		gz_db_rollback(db);
		return -1;
	}
	return match_finish(a, db, status, ans, out, err);
}

int gz_match_project_create(gz_db *db, const gz_actor *a, json_t *in, int64_t now, json_t **out,
                            gz_err *err)
{
	*out = NULL;
	const char *scope = NULL, *title = NULL, *desc = "";
	int64_t need = 0, budget = 0;
	gz_api_code_field(in, "scope_code", GZ_REQUIRED, GZ_API_AT_STREET | GZ_API_AT_COMMUNITY,
	                  &scope, err);
	gz_api_id_field(in, "need_id", GZ_OPTIONAL, &need, err);
	gz_api_str_field(in, "title", GZ_REQUIRED, 1, 100, &title, err);
	gz_api_str_field(in, "description", GZ_OPTIONAL, 0, 2000, &desc, err);
	gz_json_int(in, "budget_fen", GZ_REQUIRED, 0, INT64_C(100000000000), &budget, err);
	if (gz_json_check(err) < 0 || !(db || (db = gz_req_db(a->req, err))) ||
	    gz_db_begin(db, err) < 0)
		return -1;
	int rc = gz_space_node_exists(db, scope, err);
	if (rc == 0)
		gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这条记录");
	if (rc <= 0 || match_scope_check(a, ACT_WRITE, RES_MATCH_PROJECT, scope, err) < 0)
		goto fail;
	if (need) {
		match_need_row n;
		if ((rc = match_need_load(db, need, &n, err)) < 0)
			goto fail;
		if (rc == 0 || strncmp(n.grid, scope, strlen(scope)) != 0) {
			gz_err_set(err, GZ_EINVALID, "invalid_fields", "需求不存在");
			gz_err_field(err, "need_id", "该地点没有这条需求");
			goto fail;
		}
	}
	gz_stmt *st = gz_db_prepare(
	    db,
	    "INSERT INTO match_projects (scope_code, need_id, title, description, budget_fen, "
	    "status, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'planning', "
	    "$6, "
	    "$7, $7) RETURNING id",
	    err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, scope);
	gz_stmt_bind_id(st, 2, need);
	gz_stmt_bind_str(st, 3, title);
	gz_stmt_bind_str(st, 4, desc);
	gz_stmt_bind_int64(st, 5, budget);
	gz_stmt_bind_id(st, 6, a->user_id);
	gz_stmt_bind_int64(st, 7, now);
	int64_t id = 0;
	rc = gz_stmt_step_id(st, &id, err);
	gz_stmt_finish(st);
	if (rc < 0 || match_audit(a, db, "match_project.create", "match_project", id, scope,
	                          json_pack("{s:I}", "budget_fen", (json_int_t)budget), err) < 0)
		goto fail;
	return finish_project(db, a, id, 201, out, err);
fail:
	gz_db_rollback(db);
	return -1;
}

/* Loads project id for a write by the actor: 404 missing or out of scope. */
static int begin_project(gz_db **db, const gz_actor *a, int64_t id, char scope[16], char status[16],
                         gz_err *err)
{
	if (!(*db || (*db = gz_req_db(a->req, err))) || gz_db_begin(*db, err) < 0)
		return -1;
	gz_stmt *st =
	    gz_db_prepare(*db, "SELECT scope_code, status FROM match_projects WHERE id = $1", err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		snprintf(scope, 16, "%s", gz_stmt_text(st, 0));
		snprintf(status, 16, "%s", gz_stmt_text(st, 1));
	}
	gz_stmt_finish(st);
	if (rc == GZ_DONE)
		gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这条记录");
	if (rc != GZ_ROW || match_scope_check(a, ACT_WRITE, RES_MATCH_PROJECT, scope, err) < 0)
		goto fail;
	if (strcmp(status, "completed") == 0) {
		gz_err_set(err, GZ_ECONFLICT, "bad_state", "项目已完成");
		goto fail;
	}
	return 0;
fail:
	gz_db_rollback(*db);
	return -1;
}

/* POST /projects/{id}/commitments: {org_id, agreement_id?, content, amount_fen?}: the
 * agreement must be the unit's, with the project's community. */
int gz_match_project_commit(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                            json_t **out, gz_err *err)
{
	*out = NULL;
	int64_t org = 0, agreement = 0, amount = 0;
	const char *content = NULL;
	gz_api_id_field(in, "org_id", GZ_REQUIRED, &org, err);
	gz_api_id_field(in, "agreement_id", GZ_OPTIONAL, &agreement, err);
	gz_api_str_field(in, "content", GZ_REQUIRED, 1, 500, &content, err);
	gz_json_int(in, "amount_fen", GZ_OPTIONAL, 0, INT64_C(100000000000), &amount, err);
	if (gz_json_check(err) < 0)
		return -1;
	char scope[16], status[16];
	if (begin_project(&db, a, id, scope, status, err) < 0)
		return -1;
	gz_org_brief ob;
	int rc = gz_org_ref(db, a, org, scope, "org_id", &ob, err);
	if (rc == 0)
		gz_json_check(err);
	if (rc <= 0)
		goto fail;
	if (agreement) {
		gz_org_agreement_brief ag;
		if ((rc = gz_org_agreement_brief_get(db, agreement, &ag, err)) < 0)
			goto fail;
		if (rc == 0 || ag.unit_org_id != org ||
		    strncmp(ag.community_code, scope, strlen(scope)) != 0) {
			gz_err_set(err, GZ_EINVALID, "invalid_fields", "共建协议不符");
			gz_err_field(err, "agreement_id", "应为该单位与本社区的共建协议");
			goto fail;
		}
	}
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "INSERT INTO match_commitments (project_id, org_id, "
	                  "agreement_id, content, amount_fen, created_at) VALUES ($1, $2, "
	                  "$3, $4, $5, $6)",
	                  err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, id);
	gz_stmt_bind_int64(st, 2, org);
	gz_stmt_bind_id(st, 3, agreement);
	gz_stmt_bind_str(st, 4, content);
	gz_stmt_bind_int64(st, 5, amount);
	gz_stmt_bind_int64(st, 6, now);
	rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	if (rc < 0 || match_audit(a, db, "match_project.commit", "match_project", id, scope,
	                          json_pack("{s:o,s:I}", "org_id", gz_api_id_json(org),
	                                    "amount_fen", (json_int_t)amount),
	                          err) < 0)
		goto fail;
	return finish_project(db, a, id, 200, out, err);
fail:
	gz_db_rollback(db);
	return -1;
}

/* POST /projects/{id}/milestones: {title, due_at, done?}; the first one starts the
 * project (running). */
int gz_match_project_milestone(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                               json_t **out, gz_err *err)
{
	*out = NULL;
	const char *title = NULL;
	int64_t due = 0;
	bool done = false;
	gz_api_str_field(in, "title", GZ_REQUIRED, 1, 100, &title, err);
	gz_api_time_field(in, "due_at", GZ_REQUIRED, &due, NULL, err);
	gz_json_bool(in, "done", GZ_OPTIONAL, &done, err);
	if (gz_json_check(err) < 0)
		return -1;
	char scope[16], status[16];
	if (begin_project(&db, a, id, scope, status, err) < 0)
		return -1;
	gz_stmt *st = gz_db_prepare(db,
	                            "INSERT INTO match_milestones (project_id, title, due_at, "
	                            "done_at, created_at) VALUES ($1, $2, $3, $4, $5)",
	                            err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, id);
	gz_stmt_bind_str(st, 2, title);
	gz_stmt_bind_int64(st, 3, due);
	gz_stmt_bind_id(st, 4, done ? now : 0);
	gz_stmt_bind_int64(st, 5, now);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	if (rc < 0 || !(st = gz_db_prepare(db,
	                                   "UPDATE match_projects SET status = 'running', "
	                                   "updated_at = $1 WHERE id = $2 AND status = 'planning'",
	                                   err)))
		goto fail;
	gz_stmt_bind_int64(st, 1, now);
	gz_stmt_bind_int64(st, 2, id);
	rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	if (rc < 0 || match_audit(a, db, "match_project.milestone", "match_project", id, scope,
	                          json_pack("{s:s}", "title", title), err) < 0)
		goto fail;
	return finish_project(db, a, id, 200, out, err);
fail:
	gz_db_rollback(db);
	return -1;
}

/* POST /projects/{id}/complete: {report}. */
int gz_match_project_complete(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                              json_t **out, gz_err *err)
{
	*out = NULL;
	const char *report = NULL;
	gz_api_str_field(in, "report", GZ_REQUIRED, 1, 5000, &report, err);
	if (gz_json_check(err) < 0)
		return -1;
	char scope[16], status[16];
	if (begin_project(&db, a, id, scope, status, err) < 0)
		return -1;
	gz_stmt *st = gz_db_prepare(db,
	                            "UPDATE match_projects SET status = 'completed', report = $1, "
	                            "completed_at = $2, updated_at = $2 WHERE id = $3",
	                            err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, report);
	gz_stmt_bind_int64(st, 2, now);
	gz_stmt_bind_int64(st, 3, id);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	if (rc < 0 ||
	    match_audit(a, db, "match_project.complete", "match_project", id, scope, NULL, err) < 0)
		goto fail;
	return finish_project(db, a, id, 200, out, err);
fail:
	gz_db_rollback(db);
	return -1;
}

static void project_create(gz_req *r)
{
	match_create(r, gz_match_project_create);
}

static void commitment_add_h(gz_req *r)
{
	match_handle(r, gz_match_project_commit, 200);
}

static void milestone_add_h(gz_req *r)
{
	match_handle(r, gz_match_project_milestone, 200);
}

static void project_complete_h(gz_req *r)
{
	match_handle(r, gz_match_project_complete, 200);
}

static void project_get(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t id = match_path_id(r);
	gz_db *db = gz_req_db(r, &err);
	json_t *out = NULL;
	char scope[16] = "";
	int rc = db && id ? project_read(db, id, &out, scope, &err) : db ? 0 : -1;
	if (rc == 0)
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
	if (rc <= 0 ||
	    match_scope_check(gz_req_actor(r), ACT_READ, RES_MATCH_PROJECT, scope, &err) < 0) {
		json_decref(out);
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_json(r, 200, out);
}

static void project_get_h(gz_req *r)
{
	gz_api_read(r, project_get);
}

static json_t *project_row(gz_req *r, gz_stmt *st, int64_t *key)
{
	(void)r;
	*key = match_key(gz_stmt_int64(st, 0));
	return project_json(st);
}

static void project_list(gz_req *r)
{
	match_scoped_list(r,
	                  "SELECT " PROJECT_COLS PROJECT_FROM " WHERE p.scope_code >= $1 AND "
	                  "p.scope_code < $2 AND p.id < " MATCH_KEY_TOP_SQL
	                  " - $3 ORDER BY p.id DESC LIMIT $4",
	                  RES_MATCH_PROJECT, NULL, 0, project_row);
}

const gz_module_route gz_match_project_routes[] = {
    {"POST", "/api/v1/projects", project_create, 0, 0},
    {"GET", "/api/v1/projects", project_list, 0, 0},
    {"GET", "/api/v1/projects/{id}", project_get_h, 0, 0},
    {"POST", "/api/v1/projects/{id}/commitments", commitment_add_h, 0, 0},
    {"POST", "/api/v1/projects/{id}/milestones", milestone_add_h, 0, 0},
    {"POST", "/api/v1/projects/{id}/complete", project_complete_h, 0, 0},
    {0},
};
