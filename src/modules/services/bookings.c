/* Bookings of venues: anyone whose grants touch the venue's community books a time within
 * its opening hours; the venue's managers approve or reject; the booker (or a manager)
 * cancels and checks in; usage statistics per venue and per offering unit.
 *
 * No two live bookings of a venue overlap, whatever races: a pending or approved booking
 * holds one venue_slots row per 30-minute slot it covers, inserted in time order in the
 * booking's transaction, and the primary key (venue, slot) admits each slot once — so of
 * two overlapping bookings only one commits, on SQLite (one writer at a time) and on
 * PostgreSQL (the second insert of a key waits for the first transaction and fails when it
 * commits) alike; the loser answers 409 booking_overlap and writes nothing. Rejecting or
 * cancelling deletes the rows in the same transaction, freeing the slots. */
#include "modules/module.h"
#include "modules/services/services.h"
#include "modules/services/svc_internal.h"
#include "modules/org/org.h"
#include "api/common.h"
#include "api/fields.h"
#include "api/list.h"
#include "core/json.h"
#include "core/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BOOKING_COLS                                                                               \
	"b.id, b.venue_id, v.name, b.user_id, b.purpose, b.attendees, b.start_at, b.end_at, "      \
	"b.state, b.decided_at, b.reason, b.cancelled_at, b.checked_in_at, b.created_at, "         \
	"b.community_code"

/* A booker may check in from this long before the start. */
#define CHECK_IN_EARLY_MS (30LL * 60 * 1000)

static const char *const states[][2] = {
    {"pending", "待审批"}, {"approved", "已通过"}, {"rejected", "未通过"}, {"cancelled", "已取消"}};

static const char *state_label(const char *s)
{
	for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
		if (!strcmp(s, states[i][0]))
			return states[i][1];
	return NULL;
}

static json_t *opt_time(gz_stmt *st, int col)
{
	return gz_stmt_isnull(st, col) ? json_null() : gz_api_time_json(gz_stmt_int64(st, col));
}

/* The booking in the current row (BOOKING_COLS) as actor sees it, with the actions actor
 * may take at now (manager: may approve/reject). */
static json_t *booking_json(const gz_actor *actor, gz_stmt *st, bool manager, int64_t now)
{
	const char *state = gz_stmt_text(st, 8);
	bool mine = !gz_stmt_isnull(st, 3) && gz_stmt_int64(st, 3) == actor->user_id;
	int64_t start = gz_stmt_int64(st, 6), end = gz_stmt_int64(st, 7);
	json_t *o =
	    json_pack("{s:o,s:{s:o,s:s},s:s,s:i,s:o,s:o,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:b,s:s}", "id",
	              gz_api_id_json(gz_stmt_int64(st, 0)), "venue", "id",
	              gz_api_id_json(gz_stmt_int64(st, 1)), "name", gz_stmt_text(st, 2), "purpose",
	              gz_stmt_text(st, 4), "attendees", (int)gz_stmt_int64(st, 5), "start_at",
	              gz_api_time_json(start), "end_at", gz_api_time_json(end), "state", state,
	              "state_label", state_label(state) ? state_label(state) : state, "decided_at",
	              opt_time(st, 9), "reason", gz_api_text_or_null(st, 10), "cancelled_at",
	              opt_time(st, 11), "checked_in_at", opt_time(st, 12), "created_at",
	              gz_api_time_json(gz_stmt_int64(st, 13)), "mine", mine, "community_code",
	              gz_stmt_text(st, 14));
	json_t *acts = json_array();
	bool live = !strcmp(state, "pending") || !strcmp(state, "approved");
	if (manager && !strcmp(state, "pending")) {
		json_array_append_new(acts, json_string("approve"));
		json_array_append_new(acts, json_string("reject"));
	}
	if ((mine || manager) && live && now < end)
		json_array_append_new(acts, json_string("cancel"));
	if ((mine || manager) && !strcmp(state, "approved") && gz_stmt_isnull(st, 12) &&
	    now >= start - CHECK_IN_EARLY_MS && now < end)
		json_array_append_new(acts, json_string("check_in"));
	json_object_set_new(o, "actions", acts);
	return o;
}

/* The booking id as the API answers it (inside the caller's transaction or snapshot). */
static json_t *booking_read(gz_db *db, const gz_actor *actor, int64_t id, bool manager, int64_t now,
                            gz_err *err)
{
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "SELECT " BOOKING_COLS " FROM venue_bookings b JOIN venues v ON "
	                  "v.id = b.venue_id WHERE b.id = $1",
	                  err);
	if (!st)
		return NULL;
	gz_stmt_bind_int64(st, 1, id);
	json_t *o = gz_stmt_step(st, err) == GZ_ROW ? booking_json(actor, st, manager, now) : NULL;
	gz_stmt_finish(st);
	if (!o && !err->kind)
		gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这个预约");
	return o;
}

/* Adds or frees the slots of booking id on venue [start, end). Adding in time order: a
 * slot taken by another live booking fails on the key (409 booking_overlap). */
static int slots(gz_db *db, bool add, int64_t venue, int64_t id, int64_t start, int64_t end,
                 gz_err *err)
{
	if (!add) {
		gz_stmt *st =
		    gz_db_prepare(db, "DELETE FROM venue_slots WHERE booking_id = $1", err);
		if (!st)
			return -1;
		gz_stmt_bind_int64(st, 1, id);
		int rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		return rc < 0 ? -1 : 0;
	}
	for (int64_t t = start; t < end; t += SVC_SLOT_MS) {
		gz_stmt *st =
		    gz_db_prepare(db,
		                  "INSERT INTO venue_slots (venue_id, slot_start, booking_id) "
		                  "VALUES ($1, $2, $3)",
		                  err);
		if (!st)
			return -1;
		gz_stmt_bind_int64(st, 1, venue);
		gz_stmt_bind_int64(st, 2, t);
		gz_stmt_bind_int64(st, 3, id);
		int rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0) {
			if (err->kind == GZ_ECONFLICT) {
				gz_err_clear(err);
				gz_err_set(err, GZ_ECONFLICT, "booking_overlap",
				           "该时段已被预约（与已有的预约重叠），请选择其他时间");
			}
			return -1;
		}
	}
	return 0;
}

/* An RFC 3339 time field. */
static int time_field(json_t *in, const char *key, int64_t *out, gz_err *err)
{
	const char *s = NULL;
	if (gz_json_str(in, key, GZ_REQUIRED, 1, 40, &s, err) < 0)
		return -1;
	if (gz_time_parse_rfc3339(s, out) < 0) {
		gz_err_field(err, key, "应为 RFC 3339 时间，如 2026-12-08T09:00:00+08:00");
		return -1;
	}
	return 0;
}

int svc_book(gz_db *db, const gz_actor *a, json_t *in, int64_t now, json_t **outp, gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	gz_req *r = a->req;
	gz_arena local = {0}, *A = r ? &r->arena : &local;
	const char *purpose = NULL;
	int64_t venue_id = 0, start = 0, end = 0, attendees = 0, id = 0;
	json_t *out = NULL;
	gz_api_id_field(in, "venue_id", GZ_REQUIRED, &venue_id, &err);
	time_field(in, "start_at", &start, &err);
	time_field(in, "end_at", &end, &err);
	gz_json_str(in, "purpose", GZ_REQUIRED, 1, 100, &purpose, &err);
	gz_json_int(in, "attendees", GZ_REQUIRED, 1, 10000, &attendees, &err);
	if (gz_json_check(&err) < 0 || !(db || (db = gz_req_db(r, &err))) ||
	    gz_db_begin(db, &err) < 0)
		goto fail;
	svc_venue v;
	int rc = svc_venue_load(db, A, venue_id, &v, &err);
	if (rc < 0)
		goto rollback;
	if (!rc || !svc_near(a, v.community)) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这个场地");
		goto rollback;
	}
	svc_booking_check(&v.hours, v.max_minutes, start, end, now, &err);
	if (attendees > v.capacity)
		gz_err_field(&err, "attendees", "超过场地容量 %d 人", v.capacity);
	if (gz_json_check(&err) < 0)
		goto rollback;
	if (v.agreement_id) {
		gz_org_agreement_brief ag;
		rc = gz_org_agreement_brief_get(db, v.agreement_id, &ag, &err);
		if (rc < 0)
			goto rollback;
		if (!rc || !ag.active || start < ag.start_at || end > ag.end_at) {
			char d[16] = "";
			if (rc)
				svc_day_format(svc_local_day(ag.end_at), d, sizeof d);
			gz_err_set(&err, GZ_EINVALID, "agreement_ended",
			           "该场地按共建协议开放，协议%s%s，不能预约这段时间",
			           rc ? "期限至 " : "已失效", d);
			goto rollback;
		}
	}
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "INSERT INTO venue_bookings (venue_id, community_code, user_id, "
	                  "purpose, attendees, start_at, end_at, state, created_at, "
	                  "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, "
	                  "$8) RETURNING id",
	                  &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, v.id);
	gz_stmt_bind_str(st, 2, v.community);
	gz_stmt_bind_id(st, 3, a->user_id);
	gz_stmt_bind_str(st, 4, purpose);
	gz_stmt_bind_int64(st, 5, attendees);
	gz_stmt_bind_int64(st, 6, start);
	gz_stmt_bind_int64(st, 7, end);
	gz_stmt_bind_int64(st, 8, now);
	rc = gz_stmt_step_id(st, &id, &err);
	gz_stmt_finish(st);
	if (rc < 0 || slots(db, true, v.id, id, start, end, &err) < 0)
		goto rollback;
	json_t *detail = json_pack("{s:o,s:o,s:o}", "venue_id", gz_api_id_json(v.id), "start_at",
	                           gz_api_time_json(start), "end_at", gz_api_time_json(end));
	rc = gz_audit(a, db, "venue_booking.create", "venue_booking", svc_idstr(A, id), v.community,
	              detail, &err);
	json_decref(detail);
	if (rc < 0 || gz_db_count_add(db, "venue_bookings", 1, &err) < 0 ||
	    !(out = booking_read(db, a, id, svc_venue_manager(a, &v), now, &err)) ||
	    gz_api_commit(r, db, 201, out, &err) < 0)
		goto rollback;
	gz_arena_free(&local);
	if (outp)
		*outp = out;
	return 0;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(out);
	gz_arena_free(&local);
	*errp = err;
	return -1;
}

int gz_services_book(gz_db *db, const gz_actor *a, json_t *in, json_t **out, gz_err *err)
{
	return svc_book(db, a, in, svc_now(a->req), out, err);
}

static void book(gz_req *r)
{
	gz_api_create(r, gz_services_book);
}

/* POST /api/v1/venue-bookings/{id}/actions {action: approve | reject | cancel | check_in,
 * reason?} */
int svc_booking_step(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                     json_t **outp, gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	gz_req *r = a->req;
	gz_arena local = {0}, *A = r ? &r->arena : &local;
	json_t *out = NULL;
	const char *action = NULL, *reason = NULL;
	gz_json_str(in, "action", GZ_REQUIRED, 1, 16, &action, &err);
	gz_json_str(in, "reason", GZ_OPTIONAL, 1, 200, &reason, &err);
	bool approve = action && !strcmp(action, "approve"),
	     reject = action && !strcmp(action, "reject"),
	     cancel = action && !strcmp(action, "cancel"),
	     check_in = action && !strcmp(action, "check_in");
	if (action && !approve && !reject && !cancel && !check_in)
		gz_err_field(&err, "action", "应为 approve、reject、cancel、check_in 之一");
	if (reject && !reason)
		gz_err_field(&err, "reason", "不同意时须说明理由");
	if (gz_json_check(&err) < 0 || !(db || (db = gz_req_db(r, &err))) ||
	    gz_db_begin(db, &err) < 0)
		goto fail;
	gz_stmt *st = id ? gz_db_prepare(db,
	                                 "SELECT venue_id, user_id, state, start_at, end_at, "
	                                 "checked_in_at FROM venue_bookings WHERE id = $1",
	                                 &err)
	                 : NULL;
	int64_t venue = 0, booker = 0, start = 0, end = 0;
	bool checked = false;
	char state[16] = "";
	int rc = 0;
	if (st) {
		gz_stmt_bind_int64(st, 1, id);
		rc = gz_stmt_step(st, &err);
		if (rc == GZ_ROW) {
			venue = gz_stmt_int64(st, 0);
			booker = gz_stmt_isnull(st, 1) ? 0 : gz_stmt_int64(st, 1);
			snprintf(state, sizeof state, "%s", gz_stmt_text(st, 2));
			start = gz_stmt_int64(st, 3);
			end = gz_stmt_int64(st, 4);
			checked = !gz_stmt_isnull(st, 5);
		}
		gz_stmt_finish(st);
	}
	svc_venue v;
	if (rc < 0 || (rc == GZ_ROW && svc_venue_load(db, A, venue, &v, &err) < 0))
		goto rollback;
	bool manager = rc == GZ_ROW && svc_venue_manager(a, &v);
	bool mine = rc == GZ_ROW && booker && booker == a->user_id;
	if (rc != GZ_ROW || (!manager && !mine)) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这个预约");
		goto rollback;
	}
	bool pending = !strcmp(state, "pending"), approved = !strcmp(state, "approved");
	const char *to = NULL;
	if ((approve || reject) && !manager) {
		gz_err_set(&err, GZ_EFORBIDDEN, "forbidden", "只有场地管理方可以审批");
		goto rollback;
	}
	if ((approve || reject) && pending)
		to = approve ? "approved" : "rejected";
	else if (cancel && (pending || approved) && now < end)
		to = "cancelled";
	else if (check_in && approved && !checked && now >= start - CHECK_IN_EARLY_MS && now < end)
		to = "approved";
	if (!to) {
		gz_err_set(&err, GZ_ECONFLICT, "invalid_transition",
		           "预约当前为“%s”%s，不能这样操作", state_label(state),
		           check_in && approved ? "（签到只在开始前 30 分钟到结束之间，且只签一次）"
		                                : "");
		goto rollback;
	}
	st = gz_db_prepare(
	    db,
	    "UPDATE venue_bookings SET state = $1, updated_at = $2, decided_at = "
	    "CASE WHEN $3 = 1 THEN $2 ELSE decided_at END, decided_by = CASE WHEN $3 = "
	    "1 THEN CAST($4 AS BIGINT) ELSE decided_by END, reason = CASE WHEN $3 = 1 "
	    "OR $5 = 1 THEN CAST($6 AS TEXT) ELSE reason END, cancelled_at = CASE WHEN "
	    "$5 = 1 THEN $2 ELSE cancelled_at END, checked_in_at = CASE WHEN $7 = 1 "
	    "THEN $2 ELSE checked_in_at END WHERE id = $8 AND state = $9",
	    &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_str(st, 1, to);
	gz_stmt_bind_int64(st, 2, now);
	gz_stmt_bind_int64(st, 3, approve || reject);
	gz_stmt_bind_id(st, 4, a->user_id);
	gz_stmt_bind_int64(st, 5, cancel);
	gz_stmt_bind_str(st, 6, reason);
	gz_stmt_bind_int64(st, 7, check_in);
	gz_stmt_bind_int64(st, 8, id);
	gz_stmt_bind_str(st, 9, state);
	rc = gz_stmt_step(st, &err);
	int64_t changed = rc < 0 ? 0 : gz_stmt_changes(st);
	gz_stmt_finish(st);
	if (rc < 0)
		goto rollback;
	if (!changed) {
		gz_err_set(&err, GZ_ECONFLICT, "state_changed",
		           "预约的状态刚刚被改变，请刷新后再试");
		goto rollback;
	}
	if ((reject || cancel) && slots(db, false, venue, id, 0, 0, &err) < 0)
		goto rollback;
	json_t *detail = reason ? json_pack("{s:s}", "reason", reason) : NULL;
	rc = gz_audit(a, db, gz_arena_printf(A, "venue_booking.%s", action), "venue_booking",
	              svc_idstr(A, id), v.community, detail, &err);
	json_decref(detail);
	if (rc < 0 || (outp && !(out = booking_read(db, a, id, manager, now, &err))) ||
	    gz_api_commit(r, db, 200, out, &err) < 0)
		goto rollback;
	gz_arena_free(&local);
	if (outp)
		*outp = out;
	return 0;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(out);
	gz_arena_free(&local);
	*errp = err;
	return -1;
}

static void booking_action(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *in = gz_req_json(r, &err), *out = NULL;
	if (in && svc_booking_step(NULL, gz_req_actor(r), gz_api_parse_id(gz_req_param(r, "id")),
	                           in, svc_now(r), &out, &err) == 0) {
		json_decref(in);
		gz_reply_json(r, 200, out);
		return;
	}
	json_decref(in);
	gz_reply_err(r, &err);
}

/* ---------------------------------------------------------------- lists */

static json_t *manager_row(gz_req *r, gz_stmt *st, int64_t *key)
{
	*key = gz_stmt_int64(st, 0);
	return booking_json(gz_req_actor(r), st, true, svc_now(r));
}

/* GET /api/v1/venue-bookings?venue=&state=: the bookings of the venues the caller
 * manages (venue read in their scopes), by id. */
static void manager_list_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const char *state = gz_req_query(r, "state"), *vs = gz_req_query(r, "venue");
	int64_t venue = vs ? gz_api_parse_id(vs) : 0;
	if ((state && !state_label(state)) || (vs && !venue)) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数无效");
		gz_err_field(&err, state && !state_label(state) ? "state" : "venue",
		             state && !state_label(state)
		                 ? "应为 pending、approved、rejected、cancelled 之一"
		                 : "应为场地 id");
		gz_reply_err(r, &err);
		return;
	}
	const char *texts[] = {state};
	int64_t ints[] = {venue};
	gz_api_scoped_list(
	    r, &(gz_api_list_query){
	           .sql = "SELECT " BOOKING_COLS " FROM venue_bookings b JOIN venues v ON v.id = "
	                  "b.venue_id WHERE b.community_code >= $1 AND b.community_code < $2 AND "
	                  "b.id > $3 AND (CAST($5 AS TEXT) = '' OR b.state = $5) AND (CAST($6 AS "
	                  "BIGINT) = 0 OR b.venue_id = CAST($6 AS BIGINT)) ORDER BY b.id LIMIT $4",
	           .action = ACT_READ,
	           .res = RES_VENUE,
	           .texts = texts,
	           .ntexts = 1,
	           .ints = ints,
	           .nints = 1,
	           .row = manager_row,
	       });
}

static void manager_list(gz_req *r)
{
	gz_api_read(r, manager_list_read);
}

/* GET /api/v1/me/venue-bookings: the caller's own, newest first. */
static json_t *own_row(gz_req *r, gz_stmt *st, void *ctx)
{
	return booking_json(gz_req_actor(r), st, false, *(int64_t *)ctx);
}

static void my_list_read(gz_req *r)
{
	int64_t now = svc_now(r);
	svc_reply_own(r,
	              "SELECT " BOOKING_COLS " FROM venue_bookings b JOIN venues v ON v.id = "
	              "b.venue_id WHERE b.user_id = $1 AND (CAST($2 AS BIGINT) = 0 OR b.id < "
	              "CAST($2 AS BIGINT)) ORDER BY b.id DESC LIMIT $3",
	              own_row, NULL, &now);
}

static void my_list(gz_req *r)
{
	gz_api_read(r, my_list_read);
}

/* ---------------------------------------------------------------- usage statistics */

/* $1 lo, $2 hi, $3 from, $4 to (exclusive), $5 now: per venue of the range, its bookings
 * starting in the period. */
static const char *const sql_usage =
    "SELECT v.id, v.name, v.owner_org_id, "
    "SUM(CASE WHEN b.state = 'approved' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN b.state = 'approved' THEN (b.end_at - b.start_at) / 60000 ELSE 0 END), "
    "SUM(CASE WHEN b.checked_in_at IS NOT NULL THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN b.state = 'approved' AND b.checked_in_at IS NULL AND b.end_at <= $5 THEN 1 "
    "ELSE 0 END), "
    "SUM(CASE WHEN b.state = 'cancelled' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN b.state = 'rejected' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN b.state = 'pending' THEN 1 ELSE 0 END) "
    "FROM venues v LEFT JOIN venue_bookings b ON b.venue_id = v.id AND b.start_at >= $3 AND "
    "b.start_at < $4 WHERE v.community_code >= $1 AND v.community_code < $2 "
    "GROUP BY v.id, v.name, v.owner_org_id ORDER BY v.id";

enum { U_APPROVED, U_MINUTES, U_CHECKED_IN, U_NO_SHOW, U_CANCELLED, U_REJECTED, U_PENDING, U__N };
static const char *const unames[U__N] = {"approved",  "minutes",  "checked_in", "no_show",
                                         "cancelled", "rejected", "pending"};

static void add_figures(json_t *o, const int64_t *f)
{
	for (int i = 0; i < U__N; i++)
		json_object_set_new(o, unames[i], json_integer(f[i]));
}

#define UNITS_MAX 256

/* GET /api/v1/venue-stats?from=&to=&place=: per venue and per offering unit (the centre's
 * own rooms together as unit null), bookings starting in the period. */
static void stats_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	int64_t now = svc_now(r);
	const char *f = gz_req_query(r, "from"), *t = gz_req_query(r, "to"), *place = NULL;
	int32_t today = svc_local_day(now);
	int32_t from = f ? svc_day_parse(f) : today - 365, to = t ? svc_day_parse(t) : today;
	if (from == INT32_MIN || to == INT32_MIN || to < from || to - from > 3660) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query",
		           "from、to 应为日期 YYYY-MM-DD，且 from 不晚于 to");
		goto fail;
	}
	if (gz_api_code_query(r, "place", GZ_API_AT_STREET | GZ_API_AT_COMMUNITY, &place, &err) < 0)
		goto fail;
	const char *scopes[GZ_AUTH_MAX_GRANTS];
	int n = gz_actor_scopes(a, ACT_READ, RES_VENUE, scopes, GZ_AUTH_MAX_GRANTS, &err);
	gz_db *db = n < 0 ? NULL : gz_req_db(r, &err);
	if (!db)
		goto fail;
	json_t *venues = json_array();
	struct {
		int64_t org;
		int64_t f[U__N];
		int venues;
	} units[UNITS_MAX];
	size_t nunits = 0;
	int64_t total[U__N] = {0};
	for (int i = 0; i < n; i++) {
		char lo[GZ_SCOPE_MAX + 2], hi[GZ_SCOPE_MAX + 2];
		if (!gz_api_scope_range(scopes[i], place, lo, hi))
			continue;
		gz_stmt *st = gz_db_prepare(db, sql_usage, &err);
		if (!st)
			goto fail_venues;
		gz_stmt_bind_str(st, 1, lo);
		gz_stmt_bind_str(st, 2, hi);
		gz_stmt_bind_int64(st, 3, svc_day_start_ms(from));
		gz_stmt_bind_int64(st, 4, svc_day_start_ms(to + 1));
		gz_stmt_bind_int64(st, 5, now);
		int rc;
		while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
			int64_t fig[U__N], org = gz_stmt_isnull(st, 2) ? 0 : gz_stmt_int64(st, 2);
			for (int k = 0; k < U__N; k++)
				fig[k] = gz_stmt_isnull(st, 3 + k) ? 0 : gz_stmt_int64(st, 3 + k);
			json_t *o =
			    json_pack("{s:o,s:s,s:o}", "id", gz_api_id_json(gz_stmt_int64(st, 0)),
			              "name", gz_stmt_text(st, 1), "owner_org_id",
			              org ? gz_api_id_json(org) : json_null());
			add_figures(o, fig);
			json_array_append_new(venues, o);
			size_t u = 0;
			while (u < nunits && units[u].org != org)
				u++;
			if (u == nunits && nunits < UNITS_MAX) {
				memset(&units[nunits], 0, sizeof units[nunits]);
				units[nunits++].org = org;
			}
			if (u < nunits) {
				units[u].venues++;
				for (int k = 0; k < U__N; k++)
					units[u].f[k] += fig[k];
			}
			for (int k = 0; k < U__N; k++)
				total[k] += fig[k];
		}
		gz_stmt_finish(st);
		if (rc < 0)
			goto fail_venues;
	}
	json_t *ujson = json_array();
	for (size_t u = 0; u < nunits; u++) {
		gz_org_brief org;
		int rc = units[u].org ? gz_org_brief_get(db, units[u].org, &org, &err) : 0;
		if (rc < 0) {
			json_decref(ujson);
			goto fail_venues;
		}
		json_t *o = json_pack("{s:o,s:s,s:i}", "org_id",
		                      units[u].org ? gz_api_id_json(units[u].org) : json_null(),
		                      "name", units[u].org ? (rc ? org.name : "") : "党群服务中心",
		                      "venues", units[u].venues);
		add_figures(o, units[u].f);
		json_array_append_new(ujson, o);
	}
	json_t *tot = json_object();
	add_figures(tot, total);
	char fd[16], td[16];
	gz_reply_json(r, 200,
	              json_pack("{s:s,s:s,s:o,s:o,s:o}", "from",
	                        svc_day_format(from, fd, sizeof fd), "to",
	                        svc_day_format(to, td, sizeof td), "venues", venues, "units", ujson,
	                        "total", tot));
	return;
fail_venues:
	json_decref(venues);
fail:
	gz_reply_err(r, &err);
}

static void stats(gz_req *r)
{
	gz_api_read(r, stats_read);
}

const gz_module_route gz_services_booking_routes[] = {
    {"POST", "/api/v1/venue-bookings", book, 0, 0},
    {"GET", "/api/v1/venue-bookings", manager_list, 0, 0},
    {"POST", "/api/v1/venue-bookings/{id}/actions", booking_action, 0, 0},
    {"GET", "/api/v1/me/venue-bookings", my_list, 0, 0},
    {"GET", "/api/v1/venue-stats", stats, 0, 0},
    {0},
};
