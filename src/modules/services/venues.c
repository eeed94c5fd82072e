/* Venues and shared resources (场地与共享资源): the rooms of the 党群服务中心 and the venues
 * and equipment co-building units open to the community under their agreements. The
 * community's secretary (venue admin there) adds them; everyone whose grants touch the
 * community sees them and their calendar; bookings are in bookings.c.
 *
 * The calendar shows who booked what only to the venue's managers; others see the times
 * taken (and their own bookings in full). */
#include "modules/module.h"
#include "modules/services/services.h"
#include "modules/services/svc_internal.h"
#include "modules/org/org.h"
#include "api/common.h"
#include "api/fields.h"
#include "api/list.h"
#include "core/json.h"
#include "domain/space_code.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VENUE_COLS                                                                                 \
	"v.id, v.name, v.kind, v.community_code, v.owner_org_id, v.agreement_id, v.address, "      \
	"v.capacity, v.opening_hours, v.max_minutes, v.rules, v.created_at"

static const char *const kinds[][2] = {
    {"room", "党群服务中心房间"}, {"venue", "共建单位场地"}, {"equipment", "设备"}};

static const char *kind_label(const char *k)
{
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (!strcmp(k, kinds[i][0]))
			return kinds[i][1];
	return NULL;
}

int svc_venue_load(gz_db *db, gz_arena *A, int64_t id, svc_venue *v, gz_err *err)
{
	memset(v, 0, sizeof *v);
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT " VENUE_COLS " FROM venues v WHERE v.id = $1 AND "
	                            "v.active = 1",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		v->id = gz_stmt_int64(st, 0);
		v->name = gz_arena_strdup(A, gz_stmt_text(st, 1));
		snprintf(v->community, sizeof v->community, "%s", gz_stmt_text(st, 3));
		v->owner_org_id = gz_stmt_isnull(st, 4) ? 0 : gz_stmt_int64(st, 4);
		v->agreement_id = gz_stmt_isnull(st, 5) ? 0 : gz_stmt_int64(st, 5);
		v->capacity = (int)gz_stmt_int64(st, 7);
		v->max_minutes = (int)gz_stmt_int64(st, 9);
		json_t *h = svc_json_column(st, 8);
		gz_err e;
		gz_err_clear(&e);
		svc_hours_parse(h, &v->hours, "opening_hours", &e);
		json_decref(h);
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

bool svc_venue_manager(const gz_actor *actor, const svc_venue *v)
{
	gz_err e;
	gz_err_clear(&e);
	if (gz_actor_check(actor, ACT_WRITE, RES_VENUE, v->community, &e) == 0)
		return true;
	char org[40];
	snprintf(org, sizeof org, "org:%lld/", (long long)v->owner_org_id);
	gz_err_clear(&e);
	return v->owner_org_id && gz_actor_check(actor, ACT_WRITE, RES_VENUE, org, &e) == 0;
}

/* The venue in the current row (VENUE_COLS); its unit and agreement are ids until
 * venue_complete names them. */
static json_t *venue_json(const gz_actor *actor, gz_stmt *st)
{
	const char *kind = gz_stmt_text(st, 2);
	json_t *hours = svc_json_column(st, 8);
	json_t *o =
	    json_pack("{s:o,s:s,s:s,s:s,s:s,s:s,s:i,s:o,s:i,s:s,s:o}", "id",
	              gz_api_id_json(gz_stmt_int64(st, 0)), "name", gz_stmt_text(st, 1), "kind",
	              kind, "kind_label", kind_label(kind) ? kind_label(kind) : kind,
	              "community_code", gz_stmt_text(st, 3), "address", gz_stmt_text(st, 6),
	              "capacity", (int)gz_stmt_int64(st, 7), "opening_hours", hours, "max_minutes",
	              (int)gz_stmt_int64(st, 9), "rules", gz_stmt_text(st, 10), "created_at",
	              gz_api_time_json(gz_stmt_int64(st, 11)));
	svc_venue v = {.owner_org_id = gz_stmt_isnull(st, 4) ? 0 : gz_stmt_int64(st, 4),
	               .agreement_id = gz_stmt_isnull(st, 5) ? 0 : gz_stmt_int64(st, 5)};
	snprintf(v.community, sizeof v.community, "%s", gz_stmt_text(st, 3));
	json_object_set_new(o, "manage", json_boolean(svc_venue_manager(actor, &v)));
	json_object_set_new(o, "owner",
	                    v.owner_org_id
	                        ? json_pack("{s:o}", "id", gz_api_id_json(v.owner_org_id))
	                        : json_null());
	json_object_set_new(o, "agreement",
	                    v.agreement_id
	                        ? json_pack("{s:o}", "id", gz_api_id_json(v.agreement_id))
	                        : json_null());
	return o;
}

/* Names the venue's unit and gives its agreement's period and whether it is in force. */
static int venue_complete(gz_db *db, json_t *o, int64_t now, gz_err *err)
{
	json_t *owner = json_object_get(o, "owner"), *agr = json_object_get(o, "agreement");
	gz_org_brief org;
	gz_org_agreement_brief ag;
	if (json_is_object(owner)) {
		int rc = gz_org_brief_get(
		    db, gz_api_parse_id(json_string_value(json_object_get(owner, "id"))), &org,
		    err);
		if (rc < 0)
			return -1;
		json_object_set_new(owner, "name", json_string(rc ? org.name : ""));
	}
	if (json_is_object(agr)) {
		int rc = gz_org_agreement_brief_get(
		    db, gz_api_parse_id(json_string_value(json_object_get(agr, "id"))), &ag, err);
		if (rc < 0)
			return -1;
		if (rc) {
			json_object_set_new(agr, "start_at", gz_api_time_json(ag.start_at));
			json_object_set_new(agr, "end_at", gz_api_time_json(ag.end_at));
			json_object_set_new(
			    agr, "in_force",
			    json_boolean(ag.active && ag.start_at <= now && now <= ag.end_at));
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- new venues */

int gz_services_venue_create(gz_db *db, const gz_actor *a, json_t *in, json_t **outp, gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	gz_req *r = a->req;
	const char *name = NULL, *kind = NULL, *community = NULL, *address = "", *rules = "";
	int64_t owner = 0, agreement = 0, capacity = 0, max_minutes = 0, id = 0, now = svc_now(r);
	svc_hours hours;
	json_t *out = NULL;
	gz_json_str(in, "name", GZ_REQUIRED, 1, 40, &name, &err);
	gz_json_str(in, "kind", GZ_REQUIRED, 1, 16, &kind, &err);
	gz_json_str(in, "community_code", GZ_REQUIRED, 12, 12, &community, &err);
	gz_json_str(in, "address", GZ_OPTIONAL, 0, 100, &address, &err);
	gz_json_str(in, "rules", GZ_OPTIONAL, 0, 500, &rules, &err);
	gz_api_id_field(in, "owner_org_id", GZ_OPTIONAL, &owner, &err);
	gz_api_id_field(in, "agreement_id", GZ_OPTIONAL, &agreement, &err);
	gz_json_int(in, "capacity", GZ_REQUIRED, 1, 10000, &capacity, &err);
	gz_json_int(in, "max_minutes", GZ_REQUIRED, SVC_SLOT_MIN, SVC_BOOKING_MAX_H * 60,
	            &max_minutes, &err);
	svc_hours_parse(json_object_get(in, "opening_hours"), &hours, "opening_hours", &err);
	if (kind && !kind_label(kind))
		gz_err_field(
		    &err, "kind",
		    "应为 room（党群服务中心房间）、venue（共建单位场地）、equipment（设备）");
	if (community && space_code_check(community, SPACE_COMMUNITY, NULL) < 0)
		gz_err_field(&err, "community_code", "应为社区代码（12 位）");
	if (agreement && !owner)
		gz_err_field(&err, "owner_org_id", "按共建协议开放的场地须写明提供的共建单位");
	if (gz_json_check(&err) < 0 || !(db || (db = gz_req_db(r, &err))) ||
	    gz_actor_check(a, ACT_ADMIN, RES_VENUE, community, &err) < 0 ||
	    gz_db_begin(db, &err) < 0)
		goto fail;
	gz_org_brief org;
	gz_org_agreement_brief ag;
	int rc = owner ? gz_org_brief_get(db, owner, &org, &err) : 1;
	if (rc < 0)
		goto rollback;
	if (!rc)
		gz_err_field(&err, "owner_org_id", "组织不存在");
	rc = agreement ? gz_org_agreement_brief_get(db, agreement, &ag, &err) : 1;
	if (rc < 0)
		goto rollback;
	if (!rc || (agreement && (ag.unit_org_id != owner || strcmp(ag.community_code, community))))
		gz_err_field(&err, "agreement_id", "应为该共建单位与本社区的共建协议");
	if (gz_json_check(&err) < 0)
		goto rollback;
	char *hj = gz_json_dump(json_object_get(in, "opening_hours"), NULL);
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "INSERT INTO venues (name, kind, community_code, owner_org_id, "
	                  "agreement_id, address, capacity, opening_hours, max_minutes, "
	                  "rules, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, "
	                  "$7, $8, $9, $10, $11, $11) RETURNING id",
	                  &err);
	if (st) {
		gz_stmt_bind_str(st, 1, name);
		gz_stmt_bind_str(st, 2, kind);
		gz_stmt_bind_str(st, 3, community);
		gz_stmt_bind_id(st, 4, owner);
		gz_stmt_bind_id(st, 5, agreement);
		gz_stmt_bind_str(st, 6, address);
		gz_stmt_bind_int64(st, 7, capacity);
		gz_stmt_bind_str(st, 8, hj);
		gz_stmt_bind_int64(st, 9, max_minutes);
		gz_stmt_bind_str(st, 10, rules);
		gz_stmt_bind_int64(st, 11, now);
		gz_stmt_step_id(st, &id, &err);
		gz_stmt_finish(st);
	}
	free(hj);
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	json_t *detail = json_pack("{s:s,s:s}", "name", name, "kind", kind);
	rc = !id ? -1 : gz_audit(a, db, "venue.create", "venue", ids, community, detail, &err);
	json_decref(detail);
	if (rc < 0 || gz_db_count_add(db, "venues", 1, &err) < 0)
		goto rollback;
	st = gz_db_prepare(db, "SELECT " VENUE_COLS " FROM venues v WHERE v.id = $1", &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, id);
	if (gz_stmt_step(st, &err) == GZ_ROW)
		out = venue_json(a, st);
	gz_stmt_finish(st);
	if (!out || venue_complete(db, out, now, &err) < 0 ||
	    gz_api_commit(r, db, 201, out, &err) < 0)
		goto rollback;
	*outp = out;
	return 0;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(out);
	*errp = err;
	return -1;
}

static void venue_post(gz_req *r)
{
	gz_api_create(r, gz_services_venue_create);
}

/* ---------------------------------------------------------------- reads */

static json_t *venue_row(gz_req *r, gz_stmt *st, int64_t *key)
{
	*key = gz_stmt_int64(st, 0);
	return venue_json(gz_req_actor(r), st);
}

/* The request's "now" for venue_page (the list engine's page hook takes no context); set
 * by the handler on its own thread before the list runs. */
static _Thread_local int64_t list_now;

static int venue_page(gz_db *db, json_t *items, gz_err *err)
{
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		if (venue_complete(db, it, list_now, err) < 0)
			return -1;
	}
	return 0;
}

/* GET /api/v1/venues?community=: the venues of the communities the caller's grants touch
 * (a grid's community, or every community inside a street), by id. */
static void venue_list_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	const char *community = NULL;
	if (gz_api_code_query(r, "community", GZ_API_AT_STREET | GZ_API_AT_COMMUNITY, &community,
	                      &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	const char *scopes[GZ_AUTH_MAX_GRANTS + 1];
	int n = svc_near_scopes(a, &r->arena, scopes);
	list_now = svc_now(r);
	gz_api_scoped_list(
	    r, &(gz_api_list_query){
	           .sql = "SELECT " VENUE_COLS " FROM venues v WHERE v.community_code >= $1 AND "
	                  "v.community_code < $2 AND v.id > $3 AND v.active = 1 ORDER BY v.id "
	                  "LIMIT $4",
	           .scopes = scopes,
	           .nscopes = n,
	           .filter = community,
	           .row = venue_row,
	           .page = venue_page,
	       });
}

static void venue_list(gz_req *r)
{
	gz_api_read(r, venue_list_read);
}

/* The venue of the path when the actor may use it; else 404 answered. */
static bool venue_of_path(gz_req *r, gz_db *db, svc_venue *v)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	int rc = id ? svc_venue_load(db, &r->arena, id, v, &err) : 0;
	if (rc == 1 && svc_near(gz_req_actor(r), v->community))
		return true;
	if (!err.kind)
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这个场地");
	gz_reply_err(r, &err);
	return false;
}

static void venue_get_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_req_db(r, &err);
	svc_venue v;
	if (!venue_of_path(r, db, &v))
		return;
	gz_stmt *st =
	    gz_db_prepare(db, "SELECT " VENUE_COLS " FROM venues v WHERE v.id = $1", &err);
	json_t *o = NULL;
	if (st) {
		gz_stmt_bind_int64(st, 1, v.id);
		if (gz_stmt_step(st, &err) == GZ_ROW)
			o = venue_json(gz_req_actor(r), st);
		gz_stmt_finish(st);
	}
	if (o && venue_complete(db, o, svc_now(r), &err) < 0) {
		json_decref(o);
		o = NULL;
	}
	if (o)
		gz_reply_json(r, 200, o);
	else
		gz_reply_err(r, &err);
}

static void venue_get(gz_req *r)
{
	gz_api_read(r, venue_get_read);
}

/* GET /api/v1/venues/{id}/calendar?from=YYYY-MM-DD&days=7: the live bookings (pending and
 * approved) of the days, for a week view. */
static void calendar_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	gz_db *db = gz_req_db(r, &err);
	svc_venue v;
	if (!venue_of_path(r, db, &v))
		return;
	int64_t now = svc_now(r);
	const char *f = gz_req_query(r, "from"), *d = gz_req_query(r, "days");
	int32_t from = f ? svc_day_parse(f) : svc_local_day(now);
	char *end = NULL;
	long days = d ? strtol(d, &end, 10) : 7;
	if (from == INT32_MIN || (d && (*end || days < 1 || days > 31))) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "from 应为日期 YYYY-MM-DD，days 为 1–31");
		gz_reply_err(r, &err);
		return;
	}
	bool manager = svc_venue_manager(a, &v);
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "SELECT id, start_at, end_at, state, purpose, attendees, user_id, "
	                  "checked_in_at FROM venue_bookings WHERE venue_id = $1 AND "
	                  "start_at < $3 AND end_at > $2 AND state IN ('pending', "
	                  "'approved') ORDER BY start_at",
	                  &err);
	if (!st) {
		gz_reply_err(r, &err);
		return;
	}
	gz_stmt_bind_int64(st, 1, v.id);
	gz_stmt_bind_int64(st, 2, svc_day_start_ms(from));
	gz_stmt_bind_int64(st, 3, svc_day_start_ms(from + (int32_t)days));
	json_t *items = json_array();
	int rc;
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		bool mine = !gz_stmt_isnull(st, 6) && gz_stmt_int64(st, 6) == a->user_id;
		json_t *b =
		    json_pack("{s:o,s:o,s:o,s:s,s:b}", "id", gz_api_id_json(gz_stmt_int64(st, 0)),
		              "start_at", gz_api_time_json(gz_stmt_int64(st, 1)), "end_at",
		              gz_api_time_json(gz_stmt_int64(st, 2)), "state", gz_stmt_text(st, 3),
		              "mine", mine);
		if (manager || mine) {
			json_object_set_new(b, "purpose", json_string(gz_stmt_text(st, 4)));
			json_object_set_new(b, "attendees", json_integer(gz_stmt_int64(st, 5)));
			json_object_set_new(b, "checked_in", json_boolean(!gz_stmt_isnull(st, 7)));
		}
		json_array_append_new(items, b);
	}
	gz_stmt_finish(st);
	if (rc < 0) {
		json_decref(items);
		gz_reply_err(r, &err);
		return;
	}
	char fd[16];
	gz_reply_json(r, 200,
	              json_pack("{s:o,s:s,s:i,s:o,s:i,s:o}", "venue_id", gz_api_id_json(v.id),
	                        "from", svc_day_format(from, fd, sizeof fd), "days", (int)days,
	                        "opening_hours", svc_hours_json(&v.hours), "slot_minutes",
	                        SVC_SLOT_MIN, "bookings", items));
}

static void calendar(gz_req *r)
{
	gz_api_read(r, calendar_read);
}

const gz_module_route gz_services_venue_routes[] = {
    {"POST", "/api/v1/venues", venue_post, 0, 0},
    {"GET", "/api/v1/venues", venue_list, 0, 0},
    {"GET", "/api/v1/venues/{id}", venue_get, 0, 0},
    {"GET", "/api/v1/venues/{id}/calendar", calendar, 0, 0},
    {0},
};
