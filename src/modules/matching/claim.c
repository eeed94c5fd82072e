/* By hand, beside the engine: a provider claims an open need with one of their own
 * offers (抢单: the need is taken at once), and staff assign a need to an offer (a
 * proposal by hand, replacing the engine's while unanswered). Also the open needs a
 * provider may claim (GET /me/open-needs: their offers' skills, within their reach). */
#include "modules/matching/match_internal.h"
#include "modules/matching/avail.h"
#include "api/fields.h"
#include "core/json.h"
#include "core/time.h"
#include "modules/module.h"
#include "modules/people/people.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An offer as the checks below need it. */
typedef struct {
	int64_t id, user_id, radius, lng, lat;
	char scope[16], status[16];
	json_t *skills, *grids;
	match_avail_window *windows; /* none: always available (avail.h) */
	size_t nwindows;
} offer_row;

static void offer_row_free(offer_row *o)
{
	json_decref(o->skills);
	json_decref(o->grids);
	free(o->windows);
}

static int offer_load(gz_db *db, int64_t id, offer_row *o, gz_err *err)
{
	memset(o, 0, sizeof *o);
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "SELECT id, user_id, radius_m, lng_e7, lat_e7, scope_code, "
	                  "status, skills, grids, windows FROM match_offers WHERE id = $1",
	                  err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		o->id = gz_stmt_int64(st, 0);
		o->user_id = gz_stmt_int64(st, 1);
		o->radius = gz_stmt_int64(st, 2);
		o->lng = gz_stmt_int64(st, 3);
		o->lat = gz_stmt_int64(st, 4);
		snprintf(o->scope, sizeof o->scope, "%s", gz_stmt_text(st, 5));
		snprintf(o->status, sizeof o->status, "%s", gz_stmt_text(st, 6));
		o->skills = json_loads(gz_stmt_text(st, 7), 0, NULL);
		o->grids = json_loads(gz_stmt_text(st, 8), 0, NULL);
		o->nwindows = match_avail_parse(gz_stmt_text(st, 9), &o->windows);
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

static bool in_list(json_t *list, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) if (json_string_value(v) &&
	                                   strcmp(json_string_value(v), s) == 0) return true;
	return false;
}

/* Can offer o serve a need of skill at (lng, lat) in grid during [start, end) — the same
 * cuts as a run's (run.c): skill, grid area or radius, weekly availability? Its distance
 * into *d. */
static bool reaches(const offer_row *o, const char *skill, const char *grid, int64_t lng,
                    int64_t lat, int64_t start, int64_t end, int64_t *d)
{
	int64_t x, y;
	match_project(o->lng, o->lat, lng, lat, &x, &y);
	*d = match_distance(0, 0, x, y);
	if (!in_list(o->skills, skill) || !match_available(o->windows, o->nwindows, start, end))
		return false;
	if (json_array_size(o->grids))
		return in_list(o->grids, grid);
	return *d <= o->radius;
}

/* The need's skill, point and time window. */
static int need_place(gz_db *db, int64_t id, char skill[128], int64_t *lng, int64_t *lat,
                      int64_t win[2], gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT skill, lng_e7, lat_e7, window_start, window_end FROM match_needs WHERE id = $1",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		snprintf(skill, 128, "%s", gz_stmt_text(st, 0));
		*lng = gz_stmt_int64(st, 1);
		*lat = gz_stmt_int64(st, 2);
		win[0] = gz_stmt_int64(st, 3);
		win[1] = gz_stmt_int64(st, 4);
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

static int add_proposal(gz_db *db, const match_need_row *n, int64_t offer, int64_t d,
                        const char *status, const char *reasons, int64_t now, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db,
	    "INSERT INTO match_proposals (run_id, need_id, offer_id, grid_code, distance_m, "
	    "weight, "
	    "load_k, reasons, status, created_at, decided_at) VALUES (NULL, $1, $2, $3, $4, 0, 0, "
	    "$5, $6, $7, $8)",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, n->id);
	gz_stmt_bind_int64(st, 2, offer);
	gz_stmt_bind_str(st, 3, n->grid);
	gz_stmt_bind_int64(st, 4, d);
	gz_stmt_bind_str(st, 5, reasons);
	gz_stmt_bind_str(st, 6, status);
	gz_stmt_bind_int64(st, 7, now);
	if (strcmp(status, "proposed") == 0)
		gz_stmt_bind_null(st, 8);
	else
		gz_stmt_bind_int64(st, 8, now);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	if (rc < 0 ||
	    !(st = gz_db_prepare(db, "UPDATE match_needs SET offer_id = $1 WHERE id = $2", err)))
		return -1;
	gz_stmt_bind_int64(st, 1, offer);
	gz_stmt_bind_int64(st, 2, n->id);
	rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* claim (true): the provider takes an open need with their offer; assign (false): staff
 * propose the need to an offer by hand. {offer_id}. */
static int by_hand(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now, json_t **out,
                   gz_err *err, bool claim)
{
	*out = NULL;
	int64_t offer = 0;
	gz_api_id_field(in, "offer_id", GZ_REQUIRED, &offer, err);
	if (gz_json_check(err) < 0 || !(db || (db = gz_req_db(a->req, err))) ||
	    gz_db_begin(db, err) < 0)
		return -1;
	match_need_row n;
	offer_row o = {0};
	int rc = id ? match_need_load(db, id, &n, err) : 0;
	if (rc == 0)
		gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这条记录");
	if (rc <= 0 || (rc = offer_load(db, offer, &o, err)) < 0)
		goto fail;
	/* The offer: the caller's own to claim; one staff may see to assign. */
	bool mine = rc > 0 && match_offer_serving(a, o.user_id, o.scope);
	if (!claim && match_scope_check(a, ACT_WRITE, RES_MATCH_NEED, n.grid, err) < 0)
		goto fail;
	if (rc == 0 ||
	    (claim && !mine && match_scope_check(a, ACT_WRITE, RES_MATCH_NEED, n.grid, err) < 0) ||
	    strcmp(o.status, "active") != 0) {
		if (!err->kind) {
			gz_err_set(err, GZ_EINVALID, "invalid_fields", "资源不可用");
			gz_err_field(err, "offer_id", "没有这项资源，或已撤回");
		}
		goto fail;
	}
	char skill[128];
	int64_t lng = 0, lat = 0, d = 0, win[2] = {0, 0};
	if (need_place(db, n.id, skill, &lng, &lat, win, err) < 0)
		goto fail;
	if (!reaches(&o, skill, n.grid, lng, lat, win[0], win[1], &d)) {
		gz_err_set(err, GZ_EINVALID, "invalid_fields", "该资源不能服务这项需求");
		gz_err_field(err, "offer_id",
		             "技能不符、需求不在服务范围内，或需求时段不在可服务时间内");
		goto fail;
	}
	if (claim) {
		if (match_need_move(db, &n, NEED_ACCEPT, now, err) < 0)
			goto fail;
	} else if (n.state == NEED_PROPOSED) {
		/* The engine's proposal, unanswered, gives way. */
		gz_stmt *st = gz_db_prepare(db,
		                            "UPDATE match_proposals SET status = 'withdrawn', "
		                            "decided_at = $1 WHERE need_id = $2 AND status = "
		                            "'proposed'",
		                            err);
		if (!st)
			goto fail;
		gz_stmt_bind_int64(st, 1, now);
		gz_stmt_bind_int64(st, 2, n.id);
		rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			goto fail;
	} else if (match_need_move(db, &n, NEED_PROPOSE, now, err) < 0)
		goto fail;
	json_t *why = json_pack("{s:s,s:I,s:b,s:b}", "skill", skill, "distance_m", (json_int_t)d,
	                        "claimed", claim, "by_hand", !claim);
	char *txt = json_dumps(why, JSON_COMPACT);
	json_decref(why);
	rc = add_proposal(db, &n, o.id, d, claim ? "accepted" : "proposed", txt, now, err);
	free(txt);
	json_t *ans = NULL;
	if (rc < 0 ||
	    match_audit(a, db, claim ? "match_need.claim" : "match_need.assign", "match_need", n.id,
	                n.grid, json_pack("{s:o}", "offer_id", gz_api_id_json(o.id)), err) < 0 ||
	    match_need_read(db, a, a->req ? &a->req->arena : NULL, n.id, &ans, err) < 0)
		goto fail;
	offer_row_free(&o);
	return match_finish(a, db, 200, ans, out, err);
fail:
	offer_row_free(&o);
	gz_db_rollback(db);
	return -1;
}

int gz_match_need_claim(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                        json_t **out, gz_err *err)
{
	return by_hand(db, a, id, in, now, out, err, true);
}

int gz_match_need_assign(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                         json_t **out, gz_err *err)
{
	return by_hand(db, a, id, in, now, out, err, false);
}

static void need_claim(gz_req *r)
{
	match_handle(r, gz_match_need_claim, 200);
}

static void need_assign(gz_req *r)
{
	match_handle(r, gz_match_need_assign, 200);
}

/* GET /me/open-needs: the open needs the caller's active offers can serve (skill, reach),
 * nearest window first, at most 50 per offer; each with the offer that reaches it. The
 * resident's name masked as the caller sees it. */
static void my_open_needs(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	gz_db *db = gz_req_db(r, &err);
	json_t *items = json_array();
	int64_t offers[20];
	int no = 0;
	gz_stmt *st =
	    db ? gz_db_prepare(db,
	                       "SELECT id FROM match_offers WHERE user_id = $1 AND status "
	                       "= 'active' ORDER BY id LIMIT 20",
	                       &err)
	       : NULL;
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, a->user_id);
	int rc;
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW && no < 20)
		offers[no++] = gz_stmt_int64(st, 0);
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;
	for (int k = 0; k < no; k++) {
		offer_row o;
		if (offer_load(db, offers[k], &o, &err) <= 0) {
			offer_row_free(&o);
			goto fail;
		}
		if (!match_offer_serving(a, o.user_id, o.scope)) { /* no longer serves there */
			offer_row_free(&o);
			continue;
		}
		/* Needs of the offer's place (its scope: a grid, community or street; a grid
		 * area's grids lie inside it). */
		char hi[20];
		snprintf(hi, sizeof hi, "%s~", o.scope);
		st = gz_db_prepare(db,
		                   "SELECT " NEED_COLS NEED_FROM
		                   " WHERE n.grid_code >= $1 AND n.grid_code < $2 AND n.status = "
		                   "'open' AND n.window_end > $3 ORDER BY n.window_end LIMIT 500",
		                   &err);
		if (!st) {
			offer_row_free(&o);
			goto fail;
		}
		gz_stmt_bind_str(st, 1, o.scope);
		gz_stmt_bind_str(st, 2, hi);
		gz_stmt_bind_int64(st, 3, gz_time_now_ms());
		int found = 0;
		while ((rc = gz_stmt_step(st, &err)) == GZ_ROW && found < 50) {
			int64_t d;
			if (!reaches(&o, gz_stmt_text(st, 6), gz_stmt_text(st, 1),
			             gz_stmt_int64(st, 9), gz_stmt_int64(st, 10),
			             gz_stmt_int64(st, 11), gz_stmt_int64(st, 12), &d))
				continue;
			json_t *j = match_need_json(a, &r->arena, st);
			json_object_del(j, "description");
			json_object_set_new(j, "via_offer_id", gz_api_id_json(o.id));
			json_object_set_new(j, "distance_m", json_integer(d));
			json_array_append_new(items, j);
			found++;
		}
		gz_stmt_finish(st);
		offer_row_free(&o);
		if (rc < 0)
			goto fail;
	}
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_json(r, 200, json_pack("{s:o,s:n}", "items", items, "next_cursor"));
	return;
fail:
	json_decref(items);
	gz_reply_err(r, &err);
}

const gz_module_route gz_match_claim_routes[] = {
    {"GET", "/api/v1/me/open-needs", my_open_needs, 0, 0},
    {"POST", "/api/v1/needs/{id}/claim", need_claim, 0, 0},
    {"POST", "/api/v1/needs/{id}/assign", need_assign, 0, 0},
    {0},
};
