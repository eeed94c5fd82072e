/* Applications (办件): a resident applies online for themselves or a member of their
 * household; staff apply for anyone in their scope at the counter. One application as the
 * API shows it, the staff queue (with the overdue list) and a resident's own list. The
 * steps after filing are in actions.c, the rates per office in rates.c.
 *
 * Who sees an application: staff holding service read at the person's grid (outside
 * every such scope it answers 404, as a missing one), the account that filed it and the
 * person's own account (the account link, as for their resident record). */
#include "modules/module.h"
#include "modules/notify/notify.h"
#include "modules/services/services.h"
#include "modules/services/svc_internal.h"
#include "modules/people/people.h"
#include "api/common.h"
#include "api/fields.h"
#include "api/list.h"
#include "core/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Files one application may name (fields and materials together). */
#define FILES_MAX 64

#define APP_COLS                                                                                   \
	"a.id, a.service_id, a.resident_id, a.applicant_user_id, a.owner_user_id, a.grid_code, "   \
	"a.state, a.time_limit_days, a.received_at, a.accepted_at, a.due_at, a.decided_at, "       \
	"a.issued_at, a.rated_at, a.rating"

static int64_t opt_int(gz_stmt *st, int col)
{
	return gz_stmt_isnull(st, col) ? 0 : gz_stmt_int64(st, col);
}

static void app_from_row(gz_stmt *st, svc_app *a)
{
	memset(a, 0, sizeof *a);
	a->id = gz_stmt_int64(st, 0);
	a->service_id = gz_stmt_int64(st, 1);
	a->resident_id = gz_stmt_int64(st, 2);
	a->applicant_user_id = opt_int(st, 3);
	a->owner_user_id = opt_int(st, 4);
	snprintf(a->grid_code, sizeof a->grid_code, "%s", gz_stmt_text(st, 5));
	int s = svc_state_parse(gz_stmt_text(st, 6));
	a->state = s < 0 ? SVC_RECEIVED : (svc_state)s;
	a->time_limit_days = (int)gz_stmt_int64(st, 7);
	a->received_at = gz_stmt_int64(st, 8);
	a->accepted_at = opt_int(st, 9);
	a->due_at = opt_int(st, 10);
	a->decided_at = opt_int(st, 11);
	a->issued_at = opt_int(st, 12);
	a->rated_at = opt_int(st, 13);
	a->rating = (int)opt_int(st, 14);
}

int svc_app_load(gz_db *db, int64_t id, svc_app *a, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT " APP_COLS " FROM service_applications a WHERE a.id = $1", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW)
		app_from_row(st, a);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

bool svc_app_own(const gz_actor *actor, const svc_app *a)
{
	return actor && actor->user_id &&
	       (actor->user_id == a->applicant_user_id || actor->user_id == a->owner_user_id);
}

int svc_app_may_read(const gz_actor *actor, const svc_app *a, gz_err *err)
{
	if (svc_app_own(actor, a))
		return 0;
	return gz_actor_check(actor, ACT_READ, RES_SERVICE, a->grid_code, err);
}

/* May the actor take action act on a (the state table's who, and the actor's rights)? */
static bool may_take(const gz_actor *actor, const svc_app *a, svc_action act)
{
	svc_by by;
	if (svc_transition(a->state, act, &by) < 0)
		return false;
	gz_err e;
	gz_err_clear(&e);
	return ((by & SVC_BY_APPLICANT) && svc_app_own(actor, a)) ||
	       ((by & SVC_BY_STAFF) &&
	        gz_actor_check(actor, ACT_WRITE, RES_SERVICE, a->grid_code, &e) == 0);
}

static json_t *time_or_null(int64_t ms)
{
	return ms ? gz_api_time_json(ms) : json_null();
}

/* The files of application id, by material or field code. */
static int add_files(gz_db *db, json_t *o, int64_t id, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT id, media_type, size, sha256, name, created_at FROM "
	                            "service_attachments WHERE application_id = $1 ORDER BY id",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	json_t *files = json_object();
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		char key[24];
		snprintf(key, sizeof key, "%lld", (long long)gz_stmt_int64(st, 0));
		json_object_set_new(
		    files, key,
		    json_pack("{s:o,s:s,s:I,s:s,s:s,s:o}", "id",
		              gz_api_id_json(gz_stmt_int64(st, 0)), "media_type",
		              gz_stmt_text(st, 1), "size", (json_int_t)gz_stmt_int64(st, 2),
		              "sha256", gz_stmt_text(st, 3), "name", gz_stmt_text(st, 4),
		              "created_at", gz_api_time_json(gz_stmt_int64(st, 5))));
	}
	gz_stmt_finish(st);
	json_object_set_new(o, "files", files);
	return rc < 0 ? -1 : 0;
}

static int add_events(gz_db *db, json_t *o, int64_t id, bool staff, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT at, action, state, username, note FROM "
	                            "service_application_events WHERE application_id = $1 ORDER "
	                            "BY id",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	json_t *events = json_array();
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		const char *action = gz_stmt_text(st, 1);
		int act = svc_action_parse(action), state = svc_state_parse(gz_stmt_text(st, 2));
		const char *label = act >= 0                    ? svc_action_label((svc_action)act)
		                    : !strcmp(action, "submit") ? "提交申请"
		                    : !strcmp(action, "rate")   ? "评价"
		                    : !strcmp(action, "revoke") ? "证明作废"
		                                                : action;
		json_t *note = svc_json_column(st, 4);
		json_t *e =
		    json_pack("{s:o,s:s,s:s,s:s,s:s}", "at", gz_api_time_json(gz_stmt_int64(st, 0)),
		              "action", action, "action_label", label, "state", gz_stmt_text(st, 2),
		              "state_label", state >= 0 ? svc_state_label((svc_state)state) : "");
		json_object_set_new(e, "note", json_is_object(note) ? note : json_null());
		if (!json_is_object(note))
			json_decref(note);
		/* Residents see what happened and when; staff also see who did it. */
		if (staff)
			json_object_set_new(e, "username", json_string(gz_stmt_text(st, 3)));
		json_array_append_new(events, e);
	}
	gz_stmt_finish(st);
	json_object_set_new(o, "events", events);
	return rc < 0 ? -1 : 0;
}

json_t *svc_app_json(gz_db *db, const gz_actor *actor, int64_t id, int64_t now, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT " APP_COLS ", a.channel, a.fields, a.materials, "
	                            "a.missing, a.reason, a.office, a.rating_comment, "
	                            "a.created_at, a.updated_at, s.name, s.code, "
	                            "s.certificate_kind FROM service_applications a JOIN "
	                            "services s ON s.id = a.service_id WHERE a.id = $1",
	                            err);
	if (!st)
		return NULL;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc != GZ_ROW) {
		gz_stmt_finish(st);
		if (!rc)
			gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这个申请");
		return NULL;
	}
	svc_app a;
	app_from_row(st, &a);
	gz_err e;
	gz_err_clear(&e);
	bool staff = gz_actor_check(actor, ACT_READ, RES_SERVICE, a.grid_code, &e) == 0;
	bool overdue = a.due_at && !a.decided_at && now >= a.due_at;
	char due[16] = "";
	if (a.due_at)
		svc_day_format(svc_local_day(a.due_at - 1), due, sizeof due);
	json_t *o = json_pack(
	    "{s:o,s:{s:o,s:s,s:s,s:o},s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:s,s:i,s:o,s:o,s:o,s:o,s:o,"
	    "s:b,s:o,s:o,s:o}",
	    "id", gz_api_id_json(a.id), "service", "id", gz_api_id_json(a.service_id), "name",
	    gz_stmt_text(st, 24), "code", gz_stmt_text(st, 25), "certificate_kind",
	    gz_api_text_or_null(st, 26), "grid_code", a.grid_code, "channel", gz_stmt_text(st, 15),
	    "state", svc_state_code(a.state), "state_label", svc_state_label(a.state), "fields",
	    svc_json_column(st, 16), "materials", svc_json_column(st, 17), "missing",
	    gz_stmt_isnull(st, 18) ? json_null() : svc_json_column(st, 18), "reason",
	    gz_api_text_or_null(st, 19), "office", gz_stmt_text(st, 20), "time_limit_days",
	    a.time_limit_days, "received_at", gz_api_time_json(a.received_at), "accepted_at",
	    time_or_null(a.accepted_at), "due_at", time_or_null(a.due_at), "due_date",
	    a.due_at ? json_string(due) : json_null(), "decided_at", time_or_null(a.decided_at),
	    "overdue", overdue, "issued_at", time_or_null(a.issued_at), "created_at",
	    gz_api_time_json(gz_stmt_int64(st, 22)), "updated_at",
	    gz_api_time_json(gz_stmt_int64(st, 23)));
	json_object_set_new(o, "rating",
	                    a.rating ? json_pack("{s:i,s:o,s:o}", "stars", a.rating, "comment",
	                                         gz_api_text_or_null(st, 21), "at",
	                                         gz_api_time_json(a.rated_at))
	                             : json_null());
	gz_stmt_finish(st);

	gz_people_brief p;
	rc = gz_people_brief_get(db, a.resident_id, &p, err);
	if (rc < 0) {
		json_decref(o);
		return NULL;
	}
	gz_arena A = {0};
	bool own = svc_app_own(actor, &a);
	const char *name =
	    rc ? gz_people_name_shown(&A, own || gz_people_name_visible(actor, p.grid_code), p.name)
	       : "";
	json_object_set_new(
	    o, "resident",
	    json_pack("{s:o,s:s}", "id", gz_api_id_json(a.resident_id), "name", name));
	gz_arena_free(&A);
	json_t *actions = json_array();
	for (int act = 0; act < SVC__ACTIONS; act++)
		if (may_take(actor, &a, (svc_action)act))
			json_array_append_new(actions,
			                      json_string(svc_action_code((svc_action)act)));
	if (own && svc_state_decided(a.state) && !a.rating)
		json_array_append_new(actions, json_string("rate"));
	json_object_set_new(o, "actions", actions);
	json_object_set_new(o, "own", json_boolean(own));
	if (add_files(db, o, a.id, err) < 0 || add_events(db, o, a.id, staff, err) < 0 ||
	    svc_certificate_of(db, o, a.id, err) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---------------------------------------------------------------- filing */

typedef struct {
	int64_t id;
	char *name, *office, *scope, *fields, *materials;
	int limit;
	bool online;
} service_row;

/* The service an application is for (active only). 1, 0 when none, -1 on error. */
static int load_service(gz_db *db, gz_arena *A, int64_t id, service_row *s, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT id, name, office, scope_code, fields, materials, "
	                            "time_limit_days, online FROM services WHERE id = $1 AND "
	                            "active = 1",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		s->id = gz_stmt_int64(st, 0);
		s->name = gz_arena_strdup(A, gz_stmt_text(st, 1));
		s->office = gz_arena_strdup(A, gz_stmt_text(st, 2));
		s->scope = gz_arena_strdup(A, gz_stmt_text(st, 3));
		s->fields = gz_arena_strdup(A, gz_stmt_text(st, 4));
		s->materials = gz_arena_strdup(A, gz_stmt_text(st, 5));
		s->limit = (int)gz_stmt_int64(st, 6);
		s->online = gz_stmt_int64(st, 7) != 0;
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

/* Each step is told (modules/notify/notify.h) to the applicant and the person it is for
 * — "their notice of each step" is the timeline, the inbox brings it to them —, and a
 * new or resubmitted application to the community's staff, who take it up. */
static int event_notify(gz_db *db, const gz_actor *actor, int64_t app, const char *action,
                        svc_state state, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT a.applicant_user_id, a.owner_user_id, a.grid_code, "
	                            "s.name FROM service_applications a JOIN services s ON s.id = "
	                            "a.service_id WHERE a.id = $1",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, app);
	int rc = gz_stmt_step(st, err);
	int64_t applicant = rc == GZ_ROW ? gz_stmt_int64(st, 0) : 0,
	        owner = rc == GZ_ROW ? gz_stmt_int64(st, 1) : 0;
	char grid[16] = "", name[4 * 64 + 1] = "";
	if (rc == GZ_ROW) {
		snprintf(grid, sizeof grid, "%s", gz_stmt_text(st, 2));
		snprintf(name, sizeof name, "%s", gz_stmt_text(st, 3));
	}
	gz_stmt_finish(st);
	if (rc != GZ_ROW)
		return rc < 0 ? -1 : 0;
	char title[400], link[48];
	snprintf(link, sizeof link, "/service-applications/%lld", (long long)app);
	gz_notice n = {.kind = "service_application.step",
	               .title = title,
	               .link = link,
	               .object_type = "service_application",
	               .object_id = app};
	if (!strcmp(action, "submit") || !strcmp(action, "resubmit")) {
		snprintf(title, sizeof title, "%s办事申请「%s」待受理",
		         action[0] == 's' ? "新的" : "补正后的", name);
		char community[13];
		snprintf(community, sizeof community, "%.12s", grid);
		if (gz_notify_scope(db, actor, "community_staff", community, &n, err) < 0)
			return -1;
	}
	snprintf(title, sizeof title, "您的办事申请「%s」%s%s", name, svc_state_label(state),
	         state == SVC_RETURNED ? "，请补正材料" : "");
	if (gz_notify(db, actor, applicant, &n, err) < 0)
		return -1;
	return owner != applicant ? gz_notify(db, actor, owner, &n, err) : 0;
}

int svc_event_add(gz_db *db, const gz_actor *actor, int64_t app, int64_t at, const char *action,
                  svc_state state, json_t *note, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "INSERT INTO service_application_events (application_id, at, "
	                            "action, state, user_id, username, note) VALUES ($1, $2, $3, "
	                            "$4, $5, $6, $7)",
	                            err);
	if (!st)
		return -1;
	char *n = note ? gz_json_dump(note, NULL) : NULL;
	gz_stmt_bind_int64(st, 1, app);
	gz_stmt_bind_int64(st, 2, at);
	gz_stmt_bind_str(st, 3, action);
	gz_stmt_bind_str(st, 4, svc_state_code(state));
	gz_stmt_bind_id(st, 5, actor->user_id);
	gz_stmt_bind_str(st, 6, actor->username);
	gz_stmt_bind_str(st, 7, n);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	free(n);
	return rc < 0 ? -1 : event_notify(db, actor, app, action, state, err);
}

int svc_apply(gz_db *db, const gz_actor *actor, json_t *in, int64_t now, json_t **outp,
              int64_t *idp, gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	gz_req *r = actor->req;
	gz_arena local = {0}, *A = r ? &r->arena : &local;
	int64_t service_id = 0, resident_id = 0, id = 0;
	json_t *values = json_object_get(in, "fields"), *mats = json_object_get(in, "materials");
	json_t *fdefs = NULL, *mdefs = NULL, *out = NULL;
	int64_t ids[FILES_MAX];
	size_t nids = 0;
	gz_api_id_field(in, "service_id", GZ_REQUIRED, &service_id, &err);
	gz_api_id_field(in, "resident_id", GZ_OPTIONAL, &resident_id, &err);
	if (values && !json_is_null(values) && !json_is_object(values))
		gz_err_field(&err, "fields", "应为对象 {字段代码: 值}");
	if (mats && !json_is_null(mats) && !json_is_object(mats))
		gz_err_field(&err, "materials", "应为对象 {材料代码: [文件 id]}");
	if (gz_json_check(&err) < 0 || !(db || (db = gz_req_db(r, &err))) ||
	    gz_db_begin(db, &err) < 0)
		goto fail;
	service_row s;
	int rc = load_service(db, A, service_id, &s, &err);
	if (rc < 0)
		goto rollback;
	if (!rc) {
		gz_err_field(&err, "service_id", "没有这个办事事项");
		gz_json_check(&err);
		goto rollback;
	}
	/* Who it is for: the applicant's own record, or the one named. */
	gz_people_brief me = {0}, p;
	if (actor->user_id && gz_people_brief_of_user(db, actor->user_id, &me, &err) < 0)
		goto rollback;
	if (!resident_id && !me.id) {
		gz_err_field(&err, "resident_id", "必填（账号未关联居民记录，请说明为谁申请）");
		gz_json_check(&err);
		goto rollback;
	}
	rc = gz_people_brief_get(db, resident_id ? resident_id : me.id, &p, &err);
	if (rc < 0)
		goto rollback;
	bool self = rc && me.id &&
	            (p.id == me.id || (me.household_id && p.household_id == me.household_id));
	if (!rc ||
	    (!self && gz_actor_check(actor, ACT_WRITE, RES_SERVICE, p.grid_code, &err) < 0)) {
		if (!err.kind)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这位居民");
		goto rollback;
	}
	if (self && !s.online &&
	    gz_actor_check(actor, ACT_WRITE, RES_SERVICE, p.grid_code, &err) < 0) {
		gz_err_clear(&err);
		gz_err_set(&err, GZ_EINVALID, "in_person_only",
		           "“%s”需本人到窗口办理，工作人员将代为录入", s.name);
		goto rollback;
	}
	bool counter = !self || !s.online;
	if (*s.scope && !policy_scope_contains(s.scope, p.grid_code)) {
		gz_err_field(&err, "service_id", "该事项不在居民所在的社区办理");
		gz_json_check(&err);
		goto rollback;
	}
	fdefs = json_loads(s.fields, 0, NULL);
	mdefs = json_loads(s.materials, 0, NULL);
	if (svc_check_application(fdefs, mdefs, values, mats, ids, &nids, FILES_MAX, &err) < 0) {
		gz_json_check(&err);
		goto rollback;
	}
	json_t *none = json_object();
	char *fj = gz_json_dump(json_is_object(values) ? values : none, NULL);
	char *mj = gz_json_dump(json_is_object(mats) ? mats : none, NULL);
	json_decref(none);
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "INSERT INTO service_applications (service_id, grid_code, "
	                  "resident_id, applicant_user_id, owner_user_id, channel, state, "
	                  "fields, materials, office, time_limit_days, received_at, "
	                  "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
	                  "$8, $9, $10, $11, $12, $12, $12) RETURNING id",
	                  &err);
	if (st) {
		gz_stmt_bind_int64(st, 1, s.id);
		gz_stmt_bind_str(st, 2, p.grid_code);
		gz_stmt_bind_int64(st, 3, p.id);
		gz_stmt_bind_id(st, 4, actor->user_id);
		gz_stmt_bind_id(st, 5, p.user_id ? p.user_id : self ? actor->user_id : 0);
		gz_stmt_bind_str(st, 6, counter ? "counter" : "online");
		gz_stmt_bind_str(st, 7, svc_state_code(SVC_RECEIVED));
		gz_stmt_bind_str(st, 8, fj);
		gz_stmt_bind_str(st, 9, mj);
		gz_stmt_bind_str(st, 10, s.office);
		gz_stmt_bind_int64(st, 11, s.limit);
		gz_stmt_bind_int64(st, 12, now);
		gz_stmt_step_id(st, &id, &err);
		gz_stmt_finish(st);
	}
	free(fj);
	free(mj);
	if (!id || svc_attachments_claim(db, actor, id, fdefs, values, mats, ids, nids, &err) < 0 ||
	    svc_event_add(db, actor, id, now, "submit", SVC_RECEIVED, NULL, &err) < 0)
		goto rollback;
	json_t *detail = json_pack("{s:o,s:s,s:s}", "service_id", gz_api_id_json(s.id), "service",
	                           s.name, "channel", counter ? "counter" : "online");
	rc = gz_audit(actor, db, "service_application.create", "service_application",
	              svc_idstr(A, id), p.grid_code, detail, &err);
	json_decref(detail);
	if (rc < 0 || gz_db_count_add(db, "service_applications", 1, &err) < 0 ||
	    (outp && !(out = svc_app_json(db, actor, id, now, &err))) ||
	    gz_api_commit(r, db, 201, out, &err) < 0)
		goto rollback;
	json_decref(fdefs);
	json_decref(mdefs);
	gz_arena_free(&local);
	if (outp)
		*outp = out;
	if (idp)
		*idp = id;
	return 0;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(fdefs);
	json_decref(mdefs);
	json_decref(out);
	gz_arena_free(&local);
	*errp = err;
	return -1;
}

int gz_services_apply(gz_db *db, const gz_actor *actor, json_t *in, json_t **out, gz_err *err)
{
	return svc_apply(db, actor, in, svc_now(actor->req), out, NULL, err);
}

static void app_create(gz_req *r)
{
	gz_api_create(r, gz_services_apply);
}

/* ---------------------------------------------------------------- reads */

static void app_get_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *actor = gz_req_actor(r);
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	gz_db *db = gz_req_db(r, &err);
	svc_app a;
	int rc = db && id ? svc_app_load(db, id, &a, &err) : 0;
	json_t *out = NULL;
	if (rc == 1 && svc_app_may_read(actor, &a, &err) == 0)
		out = svc_app_json(db, actor, id, svc_now(r), &err);
	if (out) {
		gz_reply_json(r, 200, out);
		return;
	}
	if (!err.kind)
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这个申请");
	gz_reply_err(r, &err);
}

static void app_get(gz_req *r)
{
	gz_api_read(r, app_get_read);
}

/* A row of a list: the summary of an application. */
#define LIST_COLS                                                                                  \
	"a.id, a.grid_code, a.state, a.channel, a.received_at, a.accepted_at, a.due_at, "          \
	"a.decided_at, a.office, a.service_id, s.name, a.resident_id"

typedef struct {
	svc_calendar cal;
	int64_t now;
} list_ctx;

static json_t *list_item(gz_req *r, gz_stmt *st, const list_ctx *c)
{
	int state = svc_state_parse(gz_stmt_text(st, 2));
	int64_t due = opt_int(st, 6), decided = opt_int(st, 7);
	bool overdue = due && !decided && c->now >= due;
	json_t *o = json_pack(
	    "{s:o,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:s,s:{s:o,s:s},s:b}", "id",
	    gz_api_id_json(gz_stmt_int64(st, 0)), "grid_code", gz_stmt_text(st, 1), "state",
	    gz_stmt_text(st, 2), "state_label", state >= 0 ? svc_state_label((svc_state)state) : "",
	    "channel", gz_stmt_text(st, 3), "received_at", gz_api_time_json(gz_stmt_int64(st, 4)),
	    "accepted_at", time_or_null(opt_int(st, 5)), "due_at", time_or_null(due), "decided_at",
	    time_or_null(decided), "office", gz_stmt_text(st, 8), "service", "id",
	    gz_api_id_json(gz_stmt_int64(st, 9)), "name", gz_stmt_text(st, 10), "overdue", overdue);
	json_object_set_new(o, "resident",
	                    json_pack("{s:o}", "id", gz_api_id_json(gz_stmt_int64(st, 11))));
	if (due) {
		char d[16];
		json_object_set_new(
		    o, "due_date",
		    json_string(svc_day_format(svc_local_day(due - 1), d, sizeof d)));
	}
	/* How late, in working days: the due day's end has passed, so today counts. */
	if (overdue)
		json_object_set_new(o, "overdue_workdays",
		                    json_integer(svc_workdays_between(
		                        &c->cal, svc_local_day(due - 1), svc_local_day(c->now))));
	(void)r;
	return o;
}

/* Adds each item's person's name once the page is read: by the one masking rule, or in
 * full (the caller's own household). */
static int add_people(gz_req *r, gz_db *db, json_t *items, bool full, gz_err *err)
{
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		json_t *res = json_object_get(it, "resident");
		gz_people_brief p;
		int rc = gz_people_brief_get(
		    db, gz_api_parse_id(json_string_value(json_object_get(res, "id"))), &p, err);
		if (rc < 0)
			return -1;
		const char *name = !rc    ? ""
		                   : full ? p.name
		                          : gz_people_name_for(r, p.grid_code, p.name);
		json_object_set_new(res, "name", json_string(name));
	}
	return 0;
}

static json_t *queue_row(gz_req *r, gz_stmt *st, int64_t *key, void *ctx)
{
	*key = gz_stmt_int64(st, 0);
	return list_item(r, st, ctx);
}

/* The calendar around now, for the working days late of overdue items. */
static int list_calendar(gz_db *db, gz_req *r, int64_t now, svc_calendar *cal, gz_err *err)
{
	int32_t today = svc_local_day(now);
	return svc_calendar_load(db, &r->arena, today - 800, today + 1, cal, err);
}

/* GET /api/v1/service-applications: the staff queue in the caller's scopes, by id.
 * ?state=, ?service=, ?place= (a street, community or grid), ?overdue=1: the overdue
 * list (accepted, not yet decided, past the end of the due day). */
static void app_list_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const char *place = NULL, *state = gz_req_query(r, "state");
	int64_t service = 0, now = svc_now(r);
	const char *sv = gz_req_query(r, "service");
	if (gz_api_code_query(r, "place", GZ_API_AT_STREET | GZ_API_AT_COMMUNITY | GZ_API_AT_GRID,
	                      &place, &err) < 0)
		goto fail;
	if (state && svc_state_parse(state) < 0) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 state 无效");
		gz_err_field(&err, "state",
		             "应为 received、returned、accepted、processing、approved、refused、"
		             "issued 之一");
		goto fail;
	}
	if (sv && !(service = gz_api_parse_id(sv))) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 service 无效");
		gz_err_field(&err, "service", "应为事项 id");
		goto fail;
	}
	gz_db *db = gz_req_db(r, &err);
	list_ctx *pc = gz_arena_alloc(&r->arena, sizeof *pc);
	pc->now = now;
	if (!db || list_calendar(db, r, now, &pc->cal, &err) < 0)
		goto fail;
	int limit;
	gz_api_cursor after;
	json_t *items = NULL;
	gz_api_cursor next;
	const char *texts[] = {state};
	int64_t ints[] = {service, gz_api_flag_query(r, "overdue") ? now : 0};
	gz_api_list_query q = {
	    .sql = "SELECT " LIST_COLS " FROM service_applications a JOIN services s ON s.id = "
	           "a.service_id WHERE a.grid_code >= $1 AND a.grid_code < $2 AND a.id > $3 AND "
	           "(CAST($5 AS TEXT) = '' OR a.state = $5) AND (CAST($6 AS BIGINT) = 0 OR "
	           "a.service_id = CAST($6 AS BIGINT)) AND (CAST($7 AS BIGINT) = 0 OR "
	           "(a.decided_at IS NULL AND a.due_at IS NOT NULL AND a.due_at <= CAST($7 AS "
	           "BIGINT))) ORDER BY a.id LIMIT $4",
	    .action = ACT_READ,
	    .res = RES_SERVICE,
	    .filter = place,
	    .texts = texts,
	    .ntexts = 1,
	    .ints = ints,
	    .nints = 2,
	    .row_ctx = queue_row,
	    .ctx = pc,
	};
	if (gz_api_list_params(r, false, &limit, &after, &err) < 0 ||
	    gz_api_scoped_items(r, &q, limit, &after, &items, &next, &err) < 0)
		goto fail;
	if (add_people(r, db, items, false, &err) < 0) {
		json_decref(items);
		goto fail;
	}
	gz_reply_json(r, 200, gz_api_list_json(r, items, &next));
	return;
fail:
	gz_reply_err(r, &err);
}

static void app_list(gz_req *r)
{
	gz_api_read(r, app_list_read);
}

/* GET /api/v1/me/service-applications: the caller's own (filed by them or for them),
 * newest first. */
static json_t *own_row(gz_req *r, gz_stmt *st, void *ctx)
{
	return list_item(r, st, ctx);
}

/* Their own household: names in full. */
static int own_page(gz_req *r, gz_db *db, json_t *items, void *ctx, gz_err *err)
{
	(void)ctx;
	return add_people(r, db, items, true, err);
}

static void my_list_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_req_db(r, &err);
	list_ctx c = {.now = svc_now(r)};
	if (!db || list_calendar(db, r, c.now, &c.cal, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	svc_reply_own(r,
	              "SELECT " LIST_COLS " FROM service_applications a JOIN services s ON s.id = "
	              "a.service_id WHERE (a.applicant_user_id = $1 OR a.owner_user_id = $1) AND "
	              "(CAST($2 AS BIGINT) = 0 OR a.id < CAST($2 AS BIGINT)) ORDER BY a.id DESC "
	              "LIMIT $3",
	              own_row, own_page, &c);
}

static void my_list(gz_req *r)
{
	gz_api_read(r, my_list_read);
}

const gz_module_route gz_services_application_routes[] = {
    {"POST", "/api/v1/service-applications", app_create, 0, 256 << 10},
    {"GET", "/api/v1/service-applications", app_list, 0, 0},
    {"GET", "/api/v1/service-applications/{id}", app_get, 0, 0},
    {"GET", "/api/v1/me/service-applications", my_list, 0, 0},
    {0},
};
