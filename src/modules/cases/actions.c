/* Moving a case through the state machine: POST /api/v1/cases/{id}/actions and
 * gz_case_act (cases.h). The table (rules.c) decides whether the action may be taken in
 * the state and by whom; this file checks what it refers to (organisations, people, the
 * case merged into), applies its effects to the case (handler, escalation, deadlines,
 * counters, rating), appends the timeline event and the audit row, in one transaction. */
#include "modules/cases/cases_internal.h"
#include "api/common.h"
#include "core/json.h"
#include "core/time.h"

#include <stdio.h>
#include <string.h>

static void parse(json_t *in, case_act_body *b, gz_err *err)
{
	memset(b, 0, sizeof *b);
	b->in.satisfaction = CASE_SAT_NONE;
	b->in.resolved = -1;
	b->action = CA__COUNT;
	b->request_type = -1;
	const char *action = NULL, *sat = NULL;
	if (case_str_field(in, "action", GZ_REQUIRED, 1, 32, &action, err) == 0 && action) {
		int a = case_action_parse(action);
		if (a < 0)
			gz_err_field(err, "action", "未知的操作（见 docs/CASES.md 的状态表）");
		else
			b->action = (case_action)a;
	}
	case_str_field(in, "note", GZ_OPTIONAL, 0, CASE_NOTE_MAX, &b->in.note, err);
	case_photos_parse(in, "photos", &b->photos, err);
	case_id_field(in, "org", GZ_OPTIONAL, &b->in.org_id, err);
	case_id_field(in, "user", GZ_OPTIONAL, &b->in.user_id, err);
	case_id_field(in, "target", GZ_OPTIONAL, &b->in.target_id, err);
	if (case_str_field(in, "satisfaction", GZ_OPTIONAL, 1, 32, &sat, err) == 0 && sat &&
	    (int)(b->in.satisfaction = (case_satisfaction)case_satisfaction_parse(sat)) < 0) {
		b->in.satisfaction = CASE_SAT_NONE;
		gz_err_field(err, "satisfaction",
		             "应为 satisfied、basically_satisfied、unsatisfied");
	}
	json_t *res = json_object_get(in, "resolved");
	if (res && !json_is_null(res)) {
		if (!json_is_boolean(res))
			gz_err_field(err, "resolved", "应为 true 或 false");
		else
			b->in.resolved = json_is_true(res);
	}
	case_limit_field(in, "extension", GZ_OPTIONAL, &b->in.extension, &b->in.has_extension, err);
	/* What an edit may change. */
	const char *edits[] = {"description", "category", "address", "request_type", "anonymous"};
	for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
		json_t *v = json_object_get(in, edits[i]);
		if (!v || json_is_null(v))
			continue;
		b->nedits++;
		if (b->action != CA_EDIT && b->action != CA__COUNT)
			gz_err_field(err, edits[i], "只有修改（edit）时填写");
	}
	case_str_field(in, "description", GZ_OPTIONAL, 1, CASE_DESCRIPTION_MAX, &b->description,
	               err);
	case_str_field(in, "category", GZ_OPTIONAL, 1, CASE_CODE_MAX, &b->category, err);
	case_str_field(in, "address", GZ_OPTIONAL, 0, CASE_ADDRESS_MAX, &b->address, err);
	if (case_str_field(in, "request_type", GZ_OPTIONAL, 1, 32, &b->request_type_s, err) == 0 &&
	    b->request_type_s && (b->request_type = case_request_type_parse(b->request_type_s)) < 0)
		gz_err_field(err, "request_type",
		             "应为 咨询、求助、投诉、举报、建议 之一（或其代码）");
	json_t *an = json_object_get(in, "anonymous");
	if (an && !json_is_null(an)) {
		if (!json_is_boolean(an))
			gz_err_field(err, "anonymous", "应为 true 或 false");
		b->anonymous = json_is_true(an);
		b->has_anonymous = true;
	}
	if (b->action == CA__COUNT || err->nfields)
		return;
	if (b->action == CA_EDIT && !b->nedits)
		gz_err_field(err, "description",
		             "修改时至少填写一项：description、category、address、"
		             "request_type、anonymous");
	gz_err e;
	gz_err_clear(&e);
	if (case_action_check_input(b->action, &b->in, &e) < 0)
		for (int i = 0; i < e.nfields; i++)
			gz_err_field(err, e.fields[i].name, "%s", e.fields[i].why);
}

/* "org:<id>/" into A. */
static const char *org_scope(gz_arena *A, int64_t id)
{
	return gz_arena_printf(A, "org:%lld/", (long long)id);
}

static int user_exists(gz_db *db, int64_t id, gz_err *err)
{
	int64_t one = 0;
	return gz_db_query_int64(db, "SELECT 1 FROM users WHERE id = $1 AND deleted_at IS NULL",
	                         &one, err, 1, id);
}

/* The extension the handler asked for: the latest request_extension event's. */
static int requested_extension(gz_db *db, int64_t case_id, case_limit *out, gz_err *err)
{
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "SELECT detail FROM case_events WHERE case_id = $1 AND action = "
	                  "'request_extension' ORDER BY seq DESC LIMIT 1",
	                  err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, case_id);
	int rc = gz_stmt_step(st, err), found = 0;
	if (rc == GZ_ROW) {
		json_t *d = json_loads(gz_stmt_text(st, 0), 0, NULL);
		gz_err e;
		gz_err_clear(&e);
		found = d && case_limit_field(d, "extension", GZ_REQUIRED, out, NULL, &e) == 0;
		json_decref(d);
	}
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	if (!found)
		return gz_err_set(err, GZ_EINTERNAL, "internal", "找不到延期申请");
	return 0;
}

/* Applies the action's effects to c (already known to be allowed). Field errors about
 * what it refers to are added to err (then 422); returns -1 on those and on database
 * errors. *detail gets the event's detail (new reference or NULL); *ev_org / *ev_user whom
 * it names. */
static int apply(gz_db *db, const gz_actor *a, gz_arena *A, case_row *c, const case_act_body *b,
                 case_state next, int64_t now, json_t **detail, int64_t *ev_org, int64_t *ev_user,
                 gz_err *err)
{
	case_category cat;
	int rc = case_category_by_id(db, c->category_id, &cat, err);
	if (rc <= 0)
		return rc < 0 ? -1 : gz_err_set(err, GZ_EINTERNAL, "internal", "诉求类别缺失");
	/* The holiday calendar, for the actions that compute a deadline. */
	case_step next_step = case_step_of(next);
	case_calendar cal = {0};
	if (b->action == CA_ACCEPT || b->action == CA_APPROVE_EXTENSION ||
	    b->action == CA_REPORT_IN || b->action == CA_REOPEN ||
	    (next_step != CASE_STEP_NONE && next_step != CASE_STEP_HANDLE)) {
		int64_t from = now;
		if (c->due_at && c->due_at < from)
			from = c->due_at;
		if (case_calendar_load(db, A, case_local_day(from) - 1, &cal, err) < 0)
			return -1;
	}
	const case_action_input *in = &b->in;
	*detail = NULL;
	*ev_org = *ev_user = 0;
	case_state was = c->state;
	c->state = next;
	c->overdue = false;
	switch (b->action) {
	case CA_ACCEPT:
		c->accepted_at = now;
		c->due_at = case_step_deadline(&cat, &cal, CASE_STEP_HANDLE, now);
		break;
	case CA_EDIT: {
		json_t *changed = json_array();
		if (b->description)
			c->description = b->description,
			json_array_append_new(changed, json_string("description"));
		if (b->address)
			c->address = b->address,
			json_array_append_new(changed, json_string("address"));
		if (b->request_type >= 0)
			c->request_type = b->request_type,
			json_array_append_new(changed, json_string("request_type"));
		if (b->has_anonymous)
			c->anonymous = b->anonymous,
			json_array_append_new(changed, json_string("anonymous"));
		if (b->category) {
			case_category nc;
			if ((rc = case_category_by_code(db, b->category, &nc, err)) < 0) {
				json_decref(changed);
				return -1;
			}
			if (!rc || !nc.parent_id || !nc.active)
				gz_err_field(err, "category", "未知的类别");
			else {
				c->category_id = nc.id;
				cat = nc;
				json_array_append_new(changed, json_string("category"));
			}
		}
		*detail = json_pack("{s:o}", "changed", changed);
		break;
	}
	case CA_MERGE: {
		case_row t;
		case_access ta;
		if (in->target_id == c->id) {
			gz_err_field(err, "target", "不能合并到自身");
			break;
		}
		if ((rc = case_load(db, A, in->target_id, &t, err)) < 0 ||
		    (rc && case_access_for(a, db, A, &t, &ta, err) < 0))
			return -1;
		if (!rc || !ta.read) {
			gz_err_field(err, "target", "诉求不存在");
			break;
		}
		if (case_state_final(t.state)) {
			gz_err_field(err, "target", "目标诉求%s，不能合并到它",
			             case_state_label(t.state));
			break;
		}
		c->merged_into = t.id;
		*detail = json_pack("{s:o}", "target", gz_api_id_json(t.id));
		json_t *back = json_pack("{s:o}", "from", gz_api_id_json(c->id));
		rc = case_event_add(db, a, &t, "merged_in", t.state, t.state,
		                    case_acting_role(was, CA_MERGE, CR__ALL), 0, 0, in->note, back,
		                    now, err);
		json_decref(back);
		if (rc < 0)
			return -1;
		break;
	}
	case CA_DISPATCH: {
		int64_t org = in->org_id;
		bool routed = false;
		if (!org && !in->user_id) {
			if ((rc = case_route_find(db, cat.code, c->grid, &org, err)) < 0)
				return -1;
			routed = rc == 1;
		}
		if (org) {
			if ((rc = case_org_get(db, A, org, NULL, NULL, NULL, err)) < 0)
				return -1;
			if (!rc) {
				gz_err_field(err, "org", "组织不存在");
				break;
			}
		}
		if (in->user_id) {
			if ((rc = user_exists(db, in->user_id, err)) < 0)
				return -1;
			if (!rc) {
				gz_err_field(err, "user", "人员不存在");
				break;
			}
		}
		c->handler_org_id = org;
		c->handler_user_id = in->user_id;
		/* No organisation and no person: the locality (属地兜底), i.e. the grid. */
		c->handler_scope = org ? org_scope(A, org) : in->user_id ? NULL : c->grid;
		if (org && case_party_add(db, c->id, c->handler_scope, err) < 0)
			return -1;
		if (!c->dispatched_at)
			c->dispatched_at = now;
		*ev_org = org;
		*ev_user = in->user_id;
		*detail =
		    json_pack("{s:b,s:b}", "routed", routed, "locality", !org && !in->user_id);
		break;
	}
	case CA_RETURN:
		c->handler_org_id = c->handler_user_id = 0;
		c->handler_scope = NULL;
		break;
	case CA_SIGN:
		if (!c->signed_at)
			c->signed_at = now;
		break;
	case CA_SELF_HANDLE:
		c->self_handled = true;
		c->handled_at = c->closed_at = c->due_at = now;
		break;
	case CA_HANDLE:
		c->handled_at = now;
		break;
	case CA_REQUEST_EXTENSION:
		*detail = json_pack("{s:o}", "extension", case_limit_json(in->extension));
		break;
	case CA_APPROVE_EXTENSION: {
		case_limit ext;
		if (requested_extension(db, c->id, &ext, err) < 0)
			return -1;
		c->due_at = case_deadline(&cal, c->due_at ? c->due_at : now, ext);
		c->extension_count++;
		*detail = json_pack("{s:o,s:o}", "extension", case_limit_json(ext), "due_at",
		                    gz_api_time_json(c->due_at));
		break;
	}
	case CA_ESCALATE: {
		if (in->org_id) {
			if ((rc = case_org_get(db, A, in->org_id, NULL, NULL, NULL, err)) < 0)
				return -1;
			if (!rc) {
				gz_err_field(err, "org", "组织不存在");
				break;
			}
		}
		c->escalation_org_id = in->org_id;
		c->escalation_scope = in->org_id ? org_scope(A, in->org_id)
		                                 : gz_arena_strndup(A, c->grid, 9); /* the street */
		if (case_party_add(db, c->id, c->escalation_scope, err) < 0)
			return -1;
		c->escalated = true;
		*ev_org = in->org_id;
		*detail = json_pack("{s:b}", "street", !in->org_id);
		break;
	}
	case CA_REPORT_IN:
		/* The street or department takes the case over, with its own handling time. */
		c->handler_org_id = c->escalation_org_id;
		c->handler_user_id = 0;
		c->handler_scope = c->escalation_scope;
		if (!c->signed_at)
			c->signed_at = now;
		c->due_at = case_step_deadline(&cat, &cal, CASE_STEP_HANDLE, now);
		break;
	case CA_REWORK:
		c->rework_count++;
		break;
	case CA_CLOSE:
		c->closed_at = now;
		break;
	case CA_RATE:
		c->satisfaction = in->satisfaction;
		c->resolved = in->resolved;
		c->rated_at = now;
		*detail =
		    json_pack("{s:s,s:b}", "satisfaction", case_satisfaction_code(in->satisfaction),
		              "resolved", in->resolved);
		break;
	case CA_REOPEN:
		/* Back to the community, to be dispatched again with a new deadline. */
		c->handler_org_id = c->handler_user_id = 0;
		c->handler_scope = NULL;
		c->satisfaction = CASE_SAT_NONE;
		c->resolved = -1;
		c->rated_at = c->closed_at = c->handled_at = 0;
		c->due_at = case_step_deadline(&cat, &cal, CASE_STEP_HANDLE, now);
		break;
	default: /* reject, withdraw, deny_extension, verify: the state alone */
		break;
	}
	if (err->nfields) {
		json_decref(*detail);
		*detail = NULL;
		return gz_json_check(err);
	}
	/* The deadline of the step the new state waits for. */
	case_step step = case_step_of(next);
	c->step_due_at = step == CASE_STEP_HANDLE ? c->due_at
	                 : step == CASE_STEP_NONE ? 0
	                                          : case_step_deadline(&cat, &cal, step, now);
	/* 响应 (docs/METRICS.md): the first time a handler takes the case up, against the
	 * deadline of the step that waited for it. */
	if (!c->responded_at) {
		if (b->action == CA_SIGN || b->action == CA_REPORT_IN ||
		    b->action == CA_SELF_HANDLE || (b->action == CA_HANDLE && was == CASE_ACCEPTED))
			c->responded_at = now;
		else if (b->action == CA_ACCEPT || b->action == CA_DISPATCH ||
		         b->action == CA_ESCALATE)
			c->response_due_at = c->step_due_at;
	}
	return 0;
}

int case_act_loaded(gz_db *db, const gz_actor *a, gz_arena *A, case_row *c, const case_act_body *b,
                    unsigned roles, int64_t now, gz_err *err)
{
	case_facts f = case_facts_of(c, now);
	case_state from = c->state, next;
	if (case_transition(c->state, b->action, roles, &f, &next, err) < 0)
		return -1;
	unsigned role = case_acting_role(from, b->action, roles);
	int64_t ev_org, ev_user;
	json_t *detail = NULL, *att = NULL;
	if (apply(db, a, A, c, b, next, now, &detail, &ev_org, &ev_user, err) < 0 ||
	    case_save(db, c, now, err) < 0 ||
	    case_photos_attach(db, a, c->id, "photos", b->photos, &att, err) < 0 ||
	    case_event_add_att(db, a, c, case_action_code(b->action), from, next, role, ev_org,
	                       ev_user, b->in.note, detail, att, now, err) < 0) {
		json_decref(detail);
		json_decref(att);
		return -1;
	}
	json_decref(detail);
	json_decref(att);
	json_t *audit =
	    json_pack("{s:s,s:s}", "from", case_state_code(from), "to", case_state_code(next));
	if (ev_org)
		json_object_set_new(audit, "org", gz_api_id_json(ev_org));
	if (ev_user)
		json_object_set_new(audit, "user", gz_api_id_json(ev_user));
	char action[48];
	snprintf(action, sizeof action, "case.%s", case_action_code(b->action));
	int rc = case_audit(a, db, action, c->id, c->grid, audit, err);
	json_decref(audit);
	if (rc == 0)
		rc = case_notify_action(db, a, A, c, b->action, from, ev_org, ev_user, err);
	return rc;
}

int gz_case_act(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t at, json_t **outp,
                gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	if (!a)
		return gz_err_set(errp, GZ_EINTERNAL, "no_actor", "没有操作者");
	gz_arena local = {0}, *A = a->req ? &a->req->arena : &local;
	json_t *out = NULL;
	case_act_body b;
	parse(in, &b, &err);
	if (gz_json_check(&err) < 0 || !(db || (db = gz_req_db(a->req, &err))) ||
	    gz_db_begin(db, &err) < 0)
		goto fail;
	case_row c;
	case_access acc;
	int rc = case_load(db, A, id, &c, &err);
	if (rc < 0 || (rc && case_access_for(a, db, A, &c, &acc, &err) < 0))
		goto rollback;
	if (!rc || !acc.read) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "诉求不存在");
		goto rollback;
	}
	int64_t now = at ? at : gz_time_now_ms();
	rc = case_act_loaded(db, a, A, &c, &b, acc.roles, now, &err);
	if (rc < 0)
		goto rollback;
	if (!outp && !a->req) {
		/* The command line without an answer wanted (the demo loader). */
		if (gz_db_commit(db, &err) < 0)
			goto rollback;
		gz_arena_free(&local);
		return 0;
	}
	if (case_load(db, A, id, &c, &err) <= 0 || case_access_for(a, db, A, &c, &acc, &err) < 0)
		goto rollback;
	out = case_json(&c, &acc, true, false);
	if (gz_api_commit(a->req, db, 200, out, &err) < 0)
		goto rollback;
	gz_arena_free(&local);
	*outp = out;
	return 0;
rollback:
	gz_db_rollback(db);
fail:
	if (!err.kind)
		gz_err_set(&err, GZ_EINTERNAL, "internal", "操作失败");
	json_decref(out);
	gz_arena_free(&local);
	*errp = err;
	return -1;
}
