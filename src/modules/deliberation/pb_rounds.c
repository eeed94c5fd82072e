/* Participatory budget rounds (民生微实事) over HTTP: a budget for a place and a rule;
 * residents propose projects, staff check feasibility and cost them (fen), the place's
 * adults (frozen when voting opens) approve any number of feasible projects, one ballot
 * each replaced until close, and the close runs the round's rule (pb.h: greedy, mes,
 * mes-add1, exact) on the round's own pabulib text (pb_round_text) and stores the
 * explained result, which everyone in the place reads.
 *
 * POST  /api/v1/pb-rounds                      {scope_code, title, budget_fen, rule}  admin
 * GET   /api/v1/pb-rounds                                                            read
 * GET   /api/v1/pb-rounds/{id}                  round, projects, my ballot, result    read
 * POST  /api/v1/pb-rounds/{id}/projects         {title, description}   write (proposing)
 * PATCH /api/v1/pb-rounds/{id}/projects/{project_id} {feasible, cost_fen, note} admin
 * POST  /api/v1/pb-rounds/{id}/open             freeze the adults, start voting        admin
 * PUT   /api/v1/pb-rounds/{id}/ballot           {projects: [ids]}      write (a voter)
 * POST  /api/v1/pb-rounds/{id}/close            run the rule, store the result         admin
 * GET   /api/v1/pb-rounds/{id}/export.pb        the round as pabulib text              read
 * POST  /api/v1/pb-rounds/import?scope_code=&rule=&name=  a .pb file replayed as a
 *                                               closed round                           admin */
#include "api/common.h"
#include "api/list.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/time.h"
#include "core/utf8.h"
#include "domain/space_code.h"
#include "modules/deliberation/delib_internal.h"
#include "modules/deliberation/pb.h"
#include "modules/module.h"
#include "modules/people/people.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PB_BUDGET_MAX   INT64_C(100000000000000) /* 1 trillion yuan in fen */
#define PB_PROJECTS_MAX 500
#define PB_IMPORT_MAX   (8u << 20) /* bytes of an imported .pb file */

typedef struct {
	int64_t id, budget;
	char scope[SPACE_CODE_SIZE];
	char title[512];
	char rule[16];
	char state[16];
} pb_round_row;

/* 1 found, 0 not, -1 error. */
static int round_load(gz_db *db, int64_t id, pb_round_row *r, gz_err *err)
{
	memset(r, 0, sizeof *r);
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT scope_code, title, budget_fen, rule, state FROM pb_rounds WHERE id = $1",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		r->id = id;
		snprintf(r->scope, sizeof r->scope, "%s", gz_stmt_text(st, 0));
		snprintf(r->title, sizeof r->title, "%s", gz_stmt_text(st, 1));
		r->budget = gz_stmt_int64(st, 2);
		snprintf(r->rule, sizeof r->rule, "%s", gz_stmt_text(st, 3));
		snprintf(r->state, sizeof r->state, "%s", gz_stmt_text(st, 4));
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

/* The round of the path after the actor's check: 0, or -1 with err (404). */
static int round_of(gz_req *r, gz_db *db, policy_action action, pb_round_row *row, gz_err *err)
{
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	int rc = id ? round_load(db, id, row, err) : 0;
	if (rc < 0)
		return -1;
	if (rc == 0)
		return gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这个项目征集");
	return delib_check(gz_req_actor(r), action, row->scope, err);
}

static int need_state(const pb_round_row *row, const char *state, const char *what, gz_err *err)
{
	if (!strcmp(row->state, state))
		return 0;
	static const struct {
		const char *code, *label;
	} labels[] = {{"proposing", "征集项目"}, {"voting", "投票"}, {"closed", "已结束"}};
	const char *now = row->state;
	for (size_t i = 0; i < 3; i++)
		if (!strcmp(labels[i].code, row->state))
			now = labels[i].label;
	return gz_err_set(err, GZ_ECONFLICT, "round_state", "本轮处于「%s」阶段，不能%s", now,
	                  what);
}

/* The resident the actor votes as, when in the round's frozen electorate; 0 when not. */
static int64_t my_voter(gz_db *db, const gz_actor *a, int64_t round, gz_err *err)
{
	if (!a || a->kind != GZ_ACTOR_USER)
		return 0;
	int64_t rid = 0;
	int rc =
	    gz_db_query_int64(db,
	                      "SELECT v.resident_id FROM pb_voters v JOIN residents r ON r.id = "
	                      "v.resident_id WHERE v.round_id = $1 AND r.user_id = $2 AND "
	                      "r.deleted_at IS NULL",
	                      &rid, err, 2, round, a->user_id);
	return rc < 0 ? -1 : rc ? rid : 0;
}

static json_t *round_json(gz_db *db, const gz_actor *a, int64_t id, gz_err *err)
{
	pb_round_row row;
	int rc = round_load(db, id, &row, err);
	if (rc <= 0) {
		if (rc == 0)
			gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这个项目征集");
		return NULL;
	}
	json_t *o = json_object();
	json_object_set_new(o, "id", gz_api_id_json(id));
	json_object_set_new(o, "scope_code", json_string(row.scope));
	json_object_set_new(o, "title", json_string(row.title));
	json_object_set_new(o, "budget_fen", json_integer(row.budget));
	json_object_set_new(o, "rule", json_string(row.rule));
	json_object_set_new(o, "state", json_string(row.state));
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT created_at, opened_at, closed_at, result, (SELECT "
	                            "COUNT(*) FROM pb_voters v WHERE v.round_id = r.id), (SELECT "
	                            "COUNT(*) FROM pb_ballots b WHERE b.round_id = r.id), source "
	                            "FROM pb_rounds r WHERE r.id = $1",
	                            err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, id);
	if ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		json_object_set_new(o, "created_at", gz_api_time_json(gz_stmt_int64(st, 0)));
		json_object_set_new(o, "opened_at", gz_api_time_or_null(st, 1));
		json_object_set_new(o, "closed_at", gz_api_time_or_null(st, 2));
		json_error_t je;
		json_t *res =
		    gz_stmt_isnull(st, 3) ? NULL : json_loads(gz_stmt_text(st, 3), 0, &je);
		json_object_set_new(o, "result", res ? res : json_null());
		json_object_set_new(o, "voters", json_integer(gz_stmt_int64(st, 4)));
		json_object_set_new(o, "ballots", json_integer(gz_stmt_int64(st, 5)));
		/* Imported from a .pb file: its name; the voters are the file's, not residents. */
		bool imported = !gz_stmt_isnull(st, 6);
		json_object_set_new(o, "imported", json_boolean(imported));
		json_object_set_new(o, "source",
		                    imported ? json_string(gz_stmt_text(st, 6)) : json_null());
		if (imported)
			json_object_set_new(o, "voters", json_integer(gz_stmt_int64(st, 5)));
	}
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;
	/* Approvals are shown once the round is closed (not while people vote). */
	bool closed = !strcmp(row.state, "closed");
	json_t *projects = json_array();
	json_object_set_new(o, "projects", projects);
	st = gz_db_prepare(
	    db,
	    "SELECT p.id, p.title, p.description, p.proposer, p.feasible, p.cost_fen, "
	    "p.review_note, p.selected, p.created_at, (SELECT COUNT(*) FROM "
	    "pb_approvals x WHERE x.project_id = p.id), p.source_id FROM pb_projects p WHERE "
	    "p.round_id = $1 ORDER BY p.id",
	    err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, id);
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		json_t *p = json_object();
		json_object_set_new(p, "id", gz_api_id_json(gz_stmt_int64(st, 0)));
		json_object_set_new(p, "title", json_string(gz_stmt_text(st, 1)));
		json_object_set_new(p, "description", json_string(gz_stmt_text(st, 2)));
		json_object_set_new(p, "proposer", json_string(gz_stmt_text(st, 3)));
		json_object_set_new(
		    p, "feasible",
		    gz_stmt_isnull(st, 4) ? json_null() : json_boolean(gz_stmt_int64(st, 4) != 0));
		json_object_set_new(p, "cost_fen",
		                    gz_stmt_isnull(st, 5) ? json_null()
		                                          : json_integer(gz_stmt_int64(st, 5)));
		json_object_set_new(p, "review_note", json_string(gz_stmt_text(st, 6)));
		json_object_set_new(p, "selected", json_boolean(gz_stmt_int64(st, 7) != 0));
		json_object_set_new(p, "created_at", gz_api_time_json(gz_stmt_int64(st, 8)));
		json_object_set_new(p, "approvals",
		                    closed ? json_integer(gz_stmt_int64(st, 9)) : json_null());
		/* Imported: the project's id in the file, as the stored result names it. */
		if (!gz_stmt_isnull(st, 10))
			json_object_set_new(p, "source_id", json_string(gz_stmt_text(st, 10)));
		json_array_append_new(projects, p);
	}
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;
	int64_t me = my_voter(db, a, id, err);
	if (me < 0)
		goto fail;
	json_t *mine = json_array();
	if (me) {
		st = gz_db_prepare(db,
		                   "SELECT project_id FROM pb_approvals WHERE round_id = $1 AND "
		                   "resident_id = $2 ORDER BY project_id",
		                   err);
		if (!st) {
			json_decref(mine);
			goto fail;
		}
		gz_stmt_bind_int64(st, 1, id);
		gz_stmt_bind_int64(st, 2, me);
		while ((rc = gz_stmt_step(st, err)) == GZ_ROW)
			json_array_append_new(mine, gz_api_id_json(gz_stmt_int64(st, 0)));
		gz_stmt_finish(st);
		if (rc < 0) {
			json_decref(mine);
			goto fail;
		}
	}
	json_object_set_new(o, "me", json_pack("{s:b,s:o}", "voter", me > 0, "projects", mine));
	return o;
fail:
	json_decref(o);
	return NULL;
}

static void reply_round(gz_req *r, gz_db *db, int status, int64_t id, gz_err *err)
{
	delib_reply_write(r, db, status, round_json(db, gz_req_actor(r), id, err), err);
}

static int audit_round(const gz_actor *a, gz_db *db, const char *action, int64_t id,
                       const char *scope, json_t *detail, gz_err *err)
{
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	int rc = gz_audit(a, db, action, "pb_round", ids, scope, detail, err);
	json_decref(detail);
	return rc;
}

/* ---- the round's pabulib text --------------------------------------------------- */

/* The round's feasible projects and its ballots as pabulib text (malloc'd) and, when
 * ids is given, the project ids in the text's order (malloc'd, *np). NULL with err. */
static char *round_text(gz_db *db, const pb_round_row *row, int64_t **ids, size_t *np,
                        size_t *nvoters, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT id, title, cost_fen FROM pb_projects WHERE round_id = "
	                            "$1 AND feasible = 1 ORDER BY id",
	                            err);
	if (!st)
		return NULL;
	gz_stmt_bind_int64(st, 1, row->id);
	size_t n = 0, cap = 16;
	pb_round_project *p = gz_malloc(cap * sizeof *p);
	int64_t *pid = gz_malloc(cap * sizeof *pid);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		if (n == cap) {
			p = gz_realloc(p, (cap *= 2) * sizeof *p);
			pid = gz_realloc(pid, cap * sizeof *pid);
		}
		char idbuf[24];
		snprintf(idbuf, sizeof idbuf, "%lld", (long long)gz_stmt_int64(st, 0));
		pid[n] = gz_stmt_int64(st, 0);
		p[n++] = (pb_round_project){gz_strdup(idbuf), gz_strdup(gz_stmt_text(st, 1)),
		                            gz_stmt_isnull(st, 2) ? 0 : gz_stmt_int64(st, 2)};
	}
	gz_stmt_finish(st);
	size_t nv = 0, vcap = 64, ni = 0, icap = 256;
	size_t *start = gz_malloc(vcap * sizeof *start);
	uint32_t *items = gz_malloc(icap * sizeof *items);
	start[0] = 0;
	if (rc >= 0) {
		/* Ballots by voter, each with the feasible projects it approves (a ballot that
		 * approves none still counts as a voter). */
		st = gz_db_prepare(
		    db,
		    "SELECT b.resident_id, COALESCE(a.project_id, 0) FROM pb_ballots b "
		    "LEFT JOIN pb_approvals a ON a.round_id = b.round_id AND "
		    "a.resident_id = b.resident_id WHERE b.round_id = $1 ORDER BY "
		    "b.resident_id, a.project_id",
		    err);
		rc = st ? 0 : -1;
		if (st) {
			gz_stmt_bind_int64(st, 1, row->id);
			int64_t last = 0;
			while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
				int64_t voter = gz_stmt_int64(st, 0), proj = gz_stmt_int64(st, 1);
				if (voter != last) { /* voter nv's items begin here */
					if (nv + 2 > vcap)
						start =
						    gz_realloc(start, (vcap *= 2) * sizeof *start);
					start[nv++] = ni;
					last = voter;
				}
				size_t k = 0;
				while (k < n && pid[k] != proj)
					k++;
				if (k == n)
					continue; /* none, or no longer feasible */
				if (ni == icap)
					items = gz_realloc(items, (icap *= 2) * sizeof *items);
				items[ni++] = (uint32_t)k;
			}
			start[nv] = ni;
			gz_stmt_finish(st);
		}
	}
	char *text = NULL;
	if (rc >= 0)
		text = pb_round_text(row->title, row->budget, row->rule, p, n, start, items, nv);
	for (size_t i = 0; i < n; i++) {
		free((char *)p[i].id);
		free((char *)p[i].name);
	}
	free(p);
	free(start);
	free(items);
	if (ids && text) {
		*ids = pid;
		*np = n;
	} else
		free(pid);
	if (nvoters)
		*nvoters = nv;
	return text;
}

/* ---- handlers -------------------------------------------------------------------- */

static void round_create(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	json_t *in = gz_req_json(r, &err);
	const char *scope = NULL, *title = NULL, *rule_s = NULL;
	int64_t budget = 0;
	gz_db *db = NULL;
	if (!in)
		goto fail;
	gz_json_str(in, "scope_code", GZ_REQUIRED, 12, 15, &scope, &err);
	gz_json_str(in, "title", GZ_REQUIRED, 1, DELIB_TITLE_MAX, &title, &err);
	gz_json_int(in, "budget_fen", GZ_REQUIRED, 1, PB_BUDGET_MAX, &budget, &err);
	gz_json_str(in, "rule", GZ_REQUIRED, 1, 16, &rule_s, &err);
	pb_rule rule;
	if (rule_s && pb_rule_parse(rule_s, &rule) < 0)
		gz_err_field(&err, "rule", "应为 greedy、mes 或 mes-add1");
	const char *why;
	int level = scope ? space_code_level(scope) : -1;
	if (scope && ((level != SPACE_COMMUNITY && level != SPACE_GRID) ||
	              space_code_check(scope, (space_level)level, &why) < 0))
		gz_err_field(&err, "scope_code", "应为社区（12 位）或网格（15 位）的编码");
	if (gz_json_check(&err) < 0 || !(db = gz_req_db(r, &err)) ||
	    delib_check(a, ACT_ADMIN, scope, &err) < 0 || gz_db_begin(db, &err) < 0)
		goto fail;
	int64_t exists = 0, id = 0, now = gz_time_now_ms();
	if (gz_db_query_int64_text(db,
	                           level == SPACE_GRID
	                               ? "SELECT COUNT(*) FROM grids WHERE code = $1"
	                               : "SELECT COUNT(*) FROM communities WHERE "
	                                 "code = $1",
	                           &exists, &err, scope) < 0)
		goto rollback;
	if (!exists) {
		gz_err_set(&err, GZ_EINVALID, "invalid_fields", "字段有误");
		gz_err_field(&err, "scope_code", "应为已有社区（12 位）或网格（15 位）的编码");
		goto rollback;
	}
	gz_stmt *st = gz_db_prepare(db,
	                            "INSERT INTO pb_rounds (scope_code, title, budget_fen, rule, "
	                            "state, created_by, created_at) VALUES ($1, $2, $3, $4, "
	                            "'proposing', $5, $6) RETURNING id",
	                            &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_str(st, 1, scope);
	gz_stmt_bind_str(st, 2, title);
	gz_stmt_bind_int64(st, 3, budget);
	gz_stmt_bind_str(st, 4, pb_rule_name(rule));
	gz_stmt_bind_id(st, 5, a->user_id);
	gz_stmt_bind_int64(st, 6, now);
	int rc = gz_stmt_step_id(st, &id, &err);
	gz_stmt_finish(st);
	if (rc < 0 || audit_round(a, db, "pb_round.create", id, scope,
	                          json_pack("{s:s,s:I,s:s}", "title", title, "budget_fen",
	                                    (json_int_t)budget, "rule", pb_rule_name(rule)),
	                          &err) < 0)
		goto rollback;
	json_decref(in);
	reply_round(r, db, 201, id, &err);
	return;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(in);
	gz_reply_err(r, &err);
}

static json_t *round_list_row(gz_req *r, gz_stmt *st, int64_t *key)
{
	(void)r;
	*key = gz_stmt_int64(st, 0);
	return json_pack("{s:o,s:s,s:s,s:I,s:s,s:s,s:o}", "id", gz_api_id_json(*key), "scope_code",
	                 gz_stmt_text(st, 1), "title", gz_stmt_text(st, 2), "budget_fen",
	                 (json_int_t)gz_stmt_int64(st, 3), "rule", gz_stmt_text(st, 4), "state",
	                 gz_stmt_text(st, 5), "created_at", gz_api_time_json(gz_stmt_int64(st, 6)));
}

static void round_list(gz_req *r)
{
	gz_api_scoped_list(
	    r,
	    &(gz_api_list_query){
	        .sql = "SELECT id, scope_code, title, budget_fen, rule, state, created_at FROM "
	               "pb_rounds WHERE ((scope_code >= $1 AND scope_code < $2) OR (length($1) = "
	               "15 AND scope_code = substr($1, 1, 12))) AND id > $3 ORDER BY id LIMIT $4",
	        .action = ACT_READ,
	        .res = RES_DELIBERATION,
	        .row = round_list_row});
}

static void round_get_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	pb_round_row row;
	gz_db *db = gz_req_db(r, &err);
	json_t *o = NULL;
	if (!db || round_of(r, db, ACT_READ, &row, &err) < 0 ||
	    !(o = round_json(db, gz_req_actor(r), row.id, &err))) {
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_json(r, 200, o);
}

static void round_get(gz_req *r)
{
	gz_api_read(r, round_get_read);
}

static void export_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	pb_round_row row;
	gz_db *db = gz_req_db(r, &err);
	char *text = NULL;
	if (!db || round_of(r, db, ACT_READ, &row, &err) < 0 ||
	    !(text = round_text(db, &row, NULL, NULL, NULL, &err))) {
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_raw(r, 200, "text/plain; charset=utf-8", text, strlen(text));
	free(text);
}

static void round_export(gz_req *r)
{
	gz_api_read(r, export_read);
}

static void project_propose(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	json_t *in = gz_req_json(r, &err);
	const char *title = NULL, *desc = "";
	gz_db *db = NULL;
	pb_round_row row;
	if (!in)
		goto fail;
	gz_json_str(in, "title", GZ_REQUIRED, 1, DELIB_TITLE_MAX, &title, &err);
	gz_json_str(in, "description", GZ_OPTIONAL, 0, DELIB_BODY_MAX, &desc, &err);
	if (gz_json_check(&err) < 0 || !(db = gz_req_db(r, &err)) || gz_db_begin(db, &err) < 0)
		goto fail;
	if (round_of(r, db, ACT_WRITE, &row, &err) < 0 ||
	    need_state(&row, "proposing", "提出项目", &err) < 0)
		goto rollback;
	int64_t count = 0, pid = 0, now = gz_time_now_ms();
	if (gz_db_query_int64(db, "SELECT COUNT(*) FROM pb_projects WHERE round_id = $1", &count,
	                      &err, 1, row.id) < 0)
		goto rollback;
	if (count >= PB_PROJECTS_MAX) {
		gz_err_set(&err, GZ_ECONFLICT, "too_many_projects", "本轮最多 %d 个项目",
		           PB_PROJECTS_MAX);
		goto rollback;
	}
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "INSERT INTO pb_projects (round_id, title, description, "
	                  "proposed_by, proposer, created_at) VALUES ($1, $2, $3, $4, $5, "
	                  "$6) RETURNING id",
	                  &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, row.id);
	gz_stmt_bind_str(st, 2, title);
	gz_stmt_bind_str(st, 3, desc);
	gz_stmt_bind_id(st, 4, a->user_id);
	gz_stmt_bind_str(st, 5, a->username);
	gz_stmt_bind_int64(st, 6, now);
	int rc = gz_stmt_step_id(st, &pid, &err);
	gz_stmt_finish(st);
	if (rc < 0 ||
	    audit_round(a, db, "pb_project.propose", row.id, row.scope,
	                json_pack("{s:o,s:s}", "project_id", gz_api_id_json(pid), "title", title),
	                &err) < 0)
		goto rollback;
	json_decref(in);
	reply_round(r, db, 201, row.id, &err);
	return;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(in);
	gz_reply_err(r, &err);
}

static void project_review(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	json_t *in = gz_req_json(r, &err);
	bool feasible = false;
	int64_t cost = -1;
	const char *note = "";
	gz_db *db = NULL;
	pb_round_row row;
	if (!in)
		goto fail;
	gz_json_bool(in, "feasible", GZ_REQUIRED, &feasible, &err);
	gz_json_int(in, "cost_fen", GZ_OPTIONAL, 0, PB_BUDGET_MAX, &cost, &err);
	gz_json_str(in, "note", GZ_OPTIONAL, 0, DELIB_NOTE_MAX, &note, &err);
	if (feasible && cost < 0 && !json_object_get(in, "cost_fen"))
		gz_err_field(&err, "cost_fen", "可行的项目须核定费用（分）");
	if (!feasible && !*note)
		gz_err_field(&err, "note", "不可行的项目须说明理由");
	int64_t pid = gz_api_parse_id(gz_req_param(r, "project_id"));
	if (gz_json_check(&err) < 0 || !(db = gz_req_db(r, &err)) || gz_db_begin(db, &err) < 0)
		goto fail;
	if (round_of(r, db, ACT_ADMIN, &row, &err) < 0 ||
	    need_state(&row, "proposing", "审核项目", &err) < 0)
		goto rollback;
	int64_t found = 0;
	int rc = pid ? gz_db_query_int64(db,
	                                 "SELECT COUNT(*) FROM pb_projects WHERE id = $1 AND "
	                                 "round_id = $2",
	                                 &found, &err, 2, pid, row.id)
	             : 0;
	if (rc < 0)
		goto rollback;
	if (!found) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "本轮没有这个项目");
		goto rollback;
	}
	gz_stmt *st = gz_db_prepare(db,
	                            "UPDATE pb_projects SET feasible = $1, cost_fen = $2, "
	                            "review_note = $3 WHERE id = $4",
	                            &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, feasible);
	if (feasible)
		gz_stmt_bind_int64(st, 2, cost);
	else
		gz_stmt_bind_null(st, 2);
	gz_stmt_bind_str(st, 3, note);
	gz_stmt_bind_int64(st, 4, pid);
	rc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	json_t *d = json_pack("{s:o,s:b}", "project_id", gz_api_id_json(pid), "feasible", feasible);
	if (feasible)
		json_object_set_new(d, "cost_fen", json_integer(cost));
	if (rc < 0 || audit_round(a, db, "pb_project.review", row.id, row.scope, d, &err) < 0)
		goto rollback;
	json_decref(in);
	reply_round(r, db, 200, row.id, &err);
	return;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(in);
	gz_reply_err(r, &err);
}

static void round_open(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	gz_db *db = gz_req_db(r, &err);
	pb_round_row row;
	gz_people_adult *adults = NULL;
	size_t n = 0;
	if (!db || gz_db_begin(db, &err) < 0)
		goto fail;
	if (round_of(r, db, ACT_ADMIN, &row, &err) < 0 ||
	    need_state(&row, "proposing", "开始投票", &err) < 0)
		goto rollback;
	int64_t ready = 0, unchecked = 0, unknown = 0, now = gz_time_now_ms();
	if (gz_db_query_int64(db,
	                      "SELECT COUNT(*) FROM pb_projects WHERE round_id = $1 AND feasible = "
	                      "1",
	                      &ready, &err, 1, row.id) < 0 ||
	    gz_db_query_int64(db,
	                      "SELECT COUNT(*) FROM pb_projects WHERE round_id = $1 AND feasible "
	                      "IS NULL",
	                      &unchecked, &err, 1, row.id) < 0)
		goto rollback;
	if (unchecked) {
		gz_err_set(&err, GZ_ECONFLICT, "projects_unchecked",
		           "还有 %lld 个项目未审核，审核后才能开始投票", (long long)unchecked);
		goto rollback;
	}
	if (!ready) {
		gz_err_set(&err, GZ_ECONFLICT, "no_feasible_projects",
		           "没有可行的项目，不能开始投票");
		goto rollback;
	}
	if (gz_people_adults(db, row.scope, now, &adults, &n, &unknown, &err) < 0)
		goto rollback;
	if (!n) {
		gz_err_set(&err, GZ_EINVALID, "empty_electorate",
		           "范围内没有登记的 18 周岁以上居民");
		goto rollback;
	}
	for (size_t i = 0; i < n; i++) {
		gz_stmt *st = gz_db_prepare(
		    db, "INSERT INTO pb_voters (round_id, resident_id) VALUES ($1, $2)", &err);
		if (!st)
			goto rollback;
		gz_stmt_bind_int64(st, 1, row.id);
		gz_stmt_bind_int64(st, 2, adults[i].id);
		int rc = gz_stmt_step(st, &err);
		gz_stmt_finish(st);
		if (rc < 0)
			goto rollback;
	}
	gz_stmt *st = gz_db_prepare(
	    db, "UPDATE pb_rounds SET state = 'voting', opened_at = $1 WHERE id = $2", &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, now);
	gz_stmt_bind_int64(st, 2, row.id);
	int rc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	if (rc < 0 || audit_round(a, db, "pb_round.open", row.id, row.scope,
	                          json_pack("{s:I,s:I}", "voters", (json_int_t)n, "unknown_age",
	                                    (json_int_t)unknown),
	                          &err) < 0)
		goto rollback;
	free(adults);
	reply_round(r, db, 200, row.id, &err);
	return;
rollback:
	gz_db_rollback(db);
fail:
	free(adults);
	gz_reply_err(r, &err);
}

static void ballot_put(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	json_t *in = gz_req_json(r, &err);
	gz_db *db = NULL;
	pb_round_row row;
	int64_t ids[PB_PROJECTS_MAX];
	size_t n = 0;
	if (!in)
		goto fail;
	json_t *list = json_object_get(in, "projects");
	if (!json_is_array(list) || json_array_size(list) > PB_PROJECTS_MAX)
		gz_err_field(&err, "projects", "应为所赞成项目的 id 列表");
	else {
		size_t i;
		json_t *x;
		json_array_foreach(list, i, x)
		{
			int64_t id = json_is_string(x) ? gz_api_parse_id(json_string_value(x)) : 0;
			if (!id) {
				gz_err_field(&err, "projects", "第 %zu 项不是项目 id", i + 1);
				break;
			}
			bool dup = false;
			for (size_t k = 0; k < n; k++)
				dup = dup || ids[k] == id;
			if (!dup)
				ids[n++] = id;
		}
	}
	if (!err.nfields && n == 0 && json_is_array(list))
		gz_err_field(&err, "projects", "至少赞成一个项目");
	if (gz_json_check(&err) < 0 || !(db = gz_req_db(r, &err)) || gz_db_begin(db, &err) < 0)
		goto fail;
	if (round_of(r, db, ACT_WRITE, &row, &err) < 0 ||
	    need_state(&row, "voting", "投票", &err) < 0)
		goto rollback;
	int64_t me = my_voter(db, a, row.id, &err);
	if (me < 0)
		goto rollback;
	if (!me) {
		gz_err_set(&err, GZ_EFORBIDDEN, "not_in_electorate",
		           "您不在本轮的投票人名单中（18 周岁以上居民，名单在开始投票时确定）");
		goto rollback;
	}
	for (size_t i = 0; i < n; i++) {
		int64_t ok = 0;
		if (gz_db_query_int64(
		        db,
		        "SELECT COUNT(*) FROM pb_projects WHERE id = $1 AND round_id = $2 "
		        "AND feasible = 1",
		        &ok, &err, 2, ids[i], row.id) < 0)
			goto rollback;
		if (!ok) {
			gz_err_set(&err, GZ_EINVALID, "invalid_fields", "字段有误");
			gz_err_field(&err, "projects", "项目 %lld 不在本轮的选票上",
			             (long long)ids[i]);
			goto rollback;
		}
	}
	int64_t now = gz_time_now_ms();
	gz_stmt *st = gz_db_prepare(
	    db, "DELETE FROM pb_approvals WHERE round_id = $1 AND resident_id = $2", &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, row.id);
	gz_stmt_bind_int64(st, 2, me);
	int drc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	if (drc < 0)
		goto rollback;
	st = gz_db_prepare(
	    db,
	    "INSERT INTO pb_ballots (round_id, resident_id, channel, cast_by, cast_at) VALUES ($1, "
	    "$2, 'online', $3, $4) ON CONFLICT (round_id, resident_id) DO UPDATE SET cast_at = "
	    "excluded.cast_at, cast_by = excluded.cast_by",
	    &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, row.id);
	gz_stmt_bind_int64(st, 2, me);
	gz_stmt_bind_id(st, 3, a->user_id);
	gz_stmt_bind_int64(st, 4, now);
	int rc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	for (size_t i = 0; rc >= 0 && i < n; i++) {
		st = gz_db_prepare(
		    db,
		    "INSERT INTO pb_approvals (round_id, resident_id, project_id) VALUES "
		    "($1, $2, $3)",
		    &err);
		if (!st) {
			rc = -1;
			break;
		}
		gz_stmt_bind_int64(st, 1, row.id);
		gz_stmt_bind_int64(st, 2, me);
		gz_stmt_bind_int64(st, 3, ids[i]);
		rc = gz_stmt_step(st, &err);
		gz_stmt_finish(st);
	}
	/* The audit says that a ballot was cast, not what it approves. */
	if (rc < 0 || audit_round(a, db, "pb_ballot.cast", row.id, row.scope,
	                          json_pack("{s:s}", "channel", "online"), &err) < 0)
		goto rollback;
	json_decref(in);
	reply_round(r, db, 200, row.id, &err);
	return;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(in);
	gz_reply_err(r, &err);
}

int delib_pb_decide(gz_db *db, int64_t id, int64_t at, size_t *ballots, size_t *selected,
                    gz_err *err)
{
	pb_round_row row;
	char *text = NULL, *result = NULL;
	int64_t *ids = NULL;
	size_t np = 0, nv = 0;
	pb_instance in;
	pb_outcome out;
	bool have_in = false, have_out = false;
	int rc = round_load(db, id, &row, err);
	if (rc <= 0) {
		if (rc == 0)
			gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这个项目征集");
		return -1;
	}
	rc = -1;
	pb_rule rule;
	if (!(text = round_text(db, &row, &ids, &np, &nv, err)))
		goto out;
	if (!nv) {
		gz_err_set(err, GZ_ECONFLICT, "no_ballots", "还没有人投票，不能计算结果");
		goto out;
	}
	if (pb_rule_parse(row.rule, &rule) < 0 || pb_parse(text, strlen(text), &in, err) < 0)
		goto out;
	have_in = true;
	if (pb_run(&in, rule, true, &out, err) < 0)
		goto out;
	have_out = true;
	result = pb_outcome_json(&in, &out, true);
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "UPDATE pb_rounds SET state = 'closed', closed_at = $1, result = "
	                  "$2 WHERE id = $3",
	                  err);
	if (!st)
		goto out;
	gz_stmt_bind_int64(st, 1, at);
	gz_stmt_bind_str(st, 2, result);
	gz_stmt_bind_int64(st, 3, id);
	rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	/* The instance's projects are the round's feasible ones in id order (ids[]). */
	for (size_t i = 0; rc >= 0 && i < out.nselected; i++) {
		st = gz_db_prepare(db, "UPDATE pb_projects SET selected = 1 WHERE id = $1", err);
		if (!st) {
			rc = -1;
			break;
		}
		gz_stmt_bind_int64(st, 1, ids[out.selected[i]]);
		rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
	}
	*ballots = nv;
	*selected = out.nselected;
	rc = rc < 0 ? -1 : 0;
out:
	if (have_out)
		pb_outcome_free(&out);
	if (have_in)
		pb_instance_free(&in);
	free(text);
	free(result);
	free(ids);
	return rc;
}

static void round_close(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	gz_db *db = gz_req_db(r, &err);
	pb_round_row row;
	size_t nv = 0, nsel = 0;
	if (!db || gz_db_begin(db, &err) < 0)
		goto fail;
	if (round_of(r, db, ACT_ADMIN, &row, &err) < 0 ||
	    need_state(&row, "voting", "结束投票", &err) < 0 ||
	    delib_pb_decide(db, row.id, gz_time_now_ms(), &nv, &nsel, &err) < 0 ||
	    audit_round(a, db, "pb_round.close", row.id, row.scope,
	                json_pack("{s:s,s:I,s:I}", "rule", row.rule, "ballots", (json_int_t)nv,
	                          "selected", (json_int_t)nsel),
	                &err) < 0)
		goto rollback;
	reply_round(r, db, 200, row.id, &err);
	return;
rollback:
	gz_db_rollback(db);
fail:
	gz_reply_err(r, &err);
}

/* ---- importing a .pb file --------------------------------------------------------- */

/* An amount of 10^-scale units in fen: 0, or -1 when it has more than two decimals or
 * exceeds PB_BUDGET_MAX. */
static int amount_fen(const mpz_t v, unsigned scale, int64_t *fen)
{
	mpz_t x, p;
	mpz_inits(x, p, NULL);
	int rc = 0;
	if (scale <= 2) {
		mpz_ui_pow_ui(p, 10, 2 - scale);
		mpz_mul(x, v, p);
	} else {
		mpz_ui_pow_ui(p, 10, scale - 2);
		if (!mpz_divisible_p(v, p))
			rc = -1;
		mpz_divexact(x, v, p);
	}
	if (rc == 0 && (mpz_sgn(x) < 0 || mpz_cmp_si(x, PB_BUDGET_MAX) > 0))
		rc = -1;
	if (rc == 0)
		*fen = (int64_t)mpz_get_si(x);
	mpz_clears(x, p, NULL);
	return rc;
}

static int exec_ids(gz_db *db, const char *sql, int64_t a, int64_t b, int64_t c, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, sql, err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, a);
	gz_stmt_bind_int64(st, 2, b);
	if (c)
		gz_stmt_bind_int64(st, 3, c);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* Stores the instance as a closed round with its result: projects in the file's id
 * order (so the round's ids, and its export, keep the file's tie-break order as far as
 * their digits allow), the voters' ballots under resident_id -(1 + v). 0 and *id, or -1. */
static int import_store(gz_db *db, const gz_actor *a, const char *scope, const char *title,
                        const char *source, const pb_instance *in, const pb_outcome *out,
                        const char *result, int64_t budget, const int64_t *cost, int64_t now,
                        int64_t *id, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "INSERT INTO pb_rounds (scope_code, title, budget_fen, rule, "
	                            "state, result, created_by, created_at, opened_at, closed_at, "
	                            "source) VALUES ($1, $2, $3, $4, 'closed', $5, $6, $7, $7, $7, "
	                            "$8) RETURNING id",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, scope);
	gz_stmt_bind_str(st, 2, title);
	gz_stmt_bind_int64(st, 3, budget);
	gz_stmt_bind_str(st, 4, pb_rule_name(out->rule));
	gz_stmt_bind_str(st, 5, result);
	gz_stmt_bind_id(st, 6, a->user_id);
	gz_stmt_bind_int64(st, 7, now);
	gz_stmt_bind_str(st, 8, source);
	int rc = gz_stmt_step_id(st, id, err);
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	size_t n = in->nprojects;
	const pb_project **order = gz_malloc(n * sizeof *order);
	int64_t *pid = gz_malloc(n * sizeof *pid);
	bool *sel = gz_calloc(n, sizeof *sel);
	for (size_t i = 0; i < out->nselected; i++)
		sel[out->selected[i]] = true;
	for (size_t i = 0; i < n; i++)
		order[i] = &in->projects[i];
	/* insertion sort by id: n <= PB_PROJECTS_MAX */
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && pb_id_cmp(order[k - 1], order[k]) > 0; k--) {
			const pb_project *t = order[k];
			order[k] = order[k - 1];
			order[k - 1] = t;
		}
	rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		size_t k = (size_t)(order[i] - in->projects);
		const pb_project *p = order[i];
		st = gz_db_prepare(
		    db,
		    "INSERT INTO pb_projects (round_id, title, proposer, feasible, cost_fen, "
		    "selected, created_at, source_id) VALUES ($1, $2, '', 1, $3, $4, $5, $6) "
		    "RETURNING id",
		    err);
		if (!st) {
			rc = -1;
			break;
		}
		gz_stmt_bind_int64(st, 1, *id);
		gz_stmt_bind_str(st, 2, p->name && *p->name ? p->name : p->id);
		gz_stmt_bind_int64(st, 3, cost[k]);
		gz_stmt_bind_int64(st, 4, sel[k]);
		gz_stmt_bind_int64(st, 5, now);
		gz_stmt_bind_str(st, 6, p->id);
		rc = gz_stmt_step_id(st, &pid[k], err) < 0 ? -1 : 0;
		gz_stmt_finish(st);
	}
	for (size_t v = 0; rc == 0 && v < in->nvoters; v++) {
		int64_t key = -(int64_t)(v + 1);
		st = gz_db_prepare(
		    db,
		    "INSERT INTO pb_ballots (round_id, resident_id, channel, cast_at) "
		    "VALUES ($1, $2, 'import', $3)",
		    err);
		if (!st) {
			rc = -1;
			break;
		}
		gz_stmt_bind_int64(st, 1, *id);
		gz_stmt_bind_int64(st, 2, key);
		gz_stmt_bind_int64(st, 3, now);
		rc = gz_stmt_step(st, err) < 0 ? -1 : 0;
		gz_stmt_finish(st);
		for (size_t j = in->vote_start[v]; rc == 0 && j < in->vote_start[v + 1]; j++)
			rc =
			    exec_ids(db,
			             "INSERT INTO pb_approvals (round_id, resident_id, project_id) "
			             "VALUES ($1, $2, $3)",
			             *id, key, pid[in->vote_items[j]], err);
	}
	free(order);
	free(pid);
	free(sel);
	return rc;
}

static void round_import(gz_req *r)
{
	static const char *const types[] = {"text/plain", "application/octet-stream"};
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	gz_db *db = NULL;
	int which;
	size_t len = 0;
	const char *scope = gz_req_query(r, "scope_code");
	const char *rule_s = gz_req_query(r, "rule");
	const char *name = gz_req_query(r, "name");
	const char *title = gz_req_query(r, "title");
	pb_instance in;
	pb_outcome out;
	bool have_in = false, have_out = false;
	char *result = NULL;
	int64_t *cost = NULL, budget = 0;
	pb_rule rule = PB_MES_ADD1;
	const char *body = gz_req_body_of_type(r, types, 2, &which, &len, &err);
	if (!body)
		goto fail;
	const char *why;
	int level = scope ? space_code_level(scope) : -1;
	if (!scope || (level != SPACE_COMMUNITY && level != SPACE_GRID) ||
	    space_code_check(scope, (space_level)level, &why) < 0)
		gz_err_field(&err, "scope_code", "应为社区（12 位）或网格（15 位）的编码");
	if (rule_s && *rule_s && pb_rule_parse(rule_s, &rule) < 0)
		gz_err_field(&err, "rule", "应为 greedy、mes 或 mes-add1");
	if (!name)
		name = "";
	if (!gz_utf8_valid(name, strlen(name)) || gz_utf8_len(name, strlen(name)) > 200)
		gz_err_field(&err, "name", "文件名最多 200 个字");
	if (title && (!gz_utf8_valid(title, strlen(title)) ||
	              gz_utf8_len(title, strlen(title)) > DELIB_TITLE_MAX))
		gz_err_field(&err, "title", "标题最多 %d 个字", DELIB_TITLE_MAX);
	if (err.nfields) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数有误");
		goto fail;
	}
	if (!title || !*title)
		title = *name ? name : "导入的 .pb 文件";
	/* The place: out of the actor's reach or unknown, 404 alike. */
	if (!(db = gz_req_db(r, &err)) || delib_check(a, ACT_ADMIN, scope, &err) < 0)
		goto fail;
	/* The file, before anything is written. */
	if (pb_parse(body, len, &in, &err) < 0)
		goto fail;
	have_in = true;
	if (in.nprojects > PB_PROJECTS_MAX) {
		gz_err_set(&err, GZ_EINVALID, "too_many_projects",
		           "一轮最多 %d 个项目（文件中有 %zu 个）", PB_PROJECTS_MAX, in.nprojects);
		goto fail;
	}
	if (amount_fen(in.budget, in.scale, &budget) < 0 || budget < 1) {
		gz_err_set(&err, GZ_EINVALID, "invalid_pb",
		           "budget 应为 0.01 至 10^12 元之间、最多两位小数的金额");
		goto fail;
	}
	cost = gz_malloc(in.nprojects * sizeof *cost);
	for (size_t k = 0; k < in.nprojects; k++)
		if (amount_fen(in.projects[k].cost, in.scale, &cost[k]) < 0) {
			gz_err_set(&err, GZ_EINVALID, "invalid_pb",
			           "第 %zu 行：cost 应为不超过 10^12 元、最多两位小数的金额",
			           in.projects[k].line);
			gz_err_field(&err, "line", "%zu", in.projects[k].line);
			goto fail;
		}
	/* The rule: ?rule=, else the file's when the engine has it, else mes-add1. */
	if ((!rule_s || !*rule_s) && in.rule)
		(void)pb_rule_parse(in.rule, &rule);
	if (pb_run(&in, rule, true, &out, &err) < 0)
		goto fail;
	have_out = true;
	result = pb_outcome_json(&in, &out, true);
	if (gz_db_begin(db, &err) < 0)
		goto fail;
	int64_t exists = 0, id = 0, now = gz_time_now_ms();
	if (gz_db_query_int64_text(db,
	                           level == SPACE_GRID
	                               ? "SELECT COUNT(*) FROM grids WHERE code = $1"
	                               : "SELECT COUNT(*) FROM communities WHERE code = $1",
	                           &exists, &err, scope) < 0)
		goto rollback;
	if (!exists) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这个社区或网格");
		goto rollback;
	}
	if (import_store(db, a, scope, title, name, &in, &out, result, budget, cost, now, &id,
	                 &err) < 0 ||
	    audit_round(a, db, "pb_round.import", id, scope,
	                json_pack("{s:s,s:s,s:I,s:I,s:I,s:I}", "source", name, "rule",
	                          pb_rule_name(rule), "budget_fen", (json_int_t)budget, "projects",
	                          (json_int_t)in.nprojects, "ballots", (json_int_t)in.nvoters,
	                          "selected", (json_int_t)out.nselected),
	                &err) < 0)
		goto rollback;
	pb_outcome_free(&out);
	pb_instance_free(&in);
	free(result);
	free(cost);
	reply_round(r, db, 201, id, &err);
	return;
rollback:
	gz_db_rollback(db);
fail:
	if (have_out)
		pb_outcome_free(&out);
	if (have_in)
		pb_instance_free(&in);
	free(result);
	free(cost);
	gz_reply_err(r, &err);
}

const gz_module_route gz_delib_pb_routes[] = {
    {"POST", "/api/v1/pb-rounds", round_create, 0, 0},
    {"GET", "/api/v1/pb-rounds", round_list, 0, 0},
    {"POST", "/api/v1/pb-rounds/import", round_import, 0, PB_IMPORT_MAX},
    {"GET", "/api/v1/pb-rounds/{id}", round_get, 0, 0},
    {"GET", "/api/v1/pb-rounds/{id}/export.pb", round_export, 0, 0},
    {"POST", "/api/v1/pb-rounds/{id}/projects", project_propose, 0, 0},
    {"PATCH", "/api/v1/pb-rounds/{id}/projects/{project_id}", project_review, 0, 0},
    {"POST", "/api/v1/pb-rounds/{id}/open", round_open, 0, 0},
    {"PUT", "/api/v1/pb-rounds/{id}/ballot", ballot_put, 0, 0},
    {"POST", "/api/v1/pb-rounds/{id}/close", round_close, 0, 0},
    {0},
};
