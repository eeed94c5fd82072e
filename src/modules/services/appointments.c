/* Appointments for in-person services (预约办事): the counters (窗口) of a community's
 * one-stop hall with their hours and the people each half-hour slot takes; whoever's
 * grants touch the community books a slot, cancels it, and on the day takes a queue
 * number (取号) at check-in; staff see a counter's day with its no-shows.
 *
 * A full slot cannot be overbooked, whatever races: an appointment takes its place with
 * one UPSERT of appointment_slots that adds one only while taken < capacity — on
 * PostgreSQL the conflicting row is locked and the condition read again after the other
 * transaction commits, on SQLite writers go one at a time — and answers 409 slot_full
 * when it adds nothing. Queue numbers are per counter and day, from one UPSERT too. */
#include "modules/module.h"
#include "modules/services/services.h"
#include "modules/services/svc_internal.h"
#include "api/common.h"
#include "api/fields.h"
#include "api/list.h"
#include "core/json.h"
#include "core/time.h"
#include "domain/space_code.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Check-in opens this long before the slot. */
#define CHECK_IN_EARLY_MS (60LL * 60 * 1000)

typedef struct {
	int64_t id;
	char community[16], code[4];
	char *name;
	int capacity;
	svc_hours hours;
} counter;

#define COUNTER_COLS                                                                               \
	"c.id, c.community_code, c.code, c.name, c.office, c.opening_hours, c.capacity, "          \
	"c.created_at"

static json_t *counter_json(gz_stmt *st)
{
	return json_pack(
	    "{s:o,s:s,s:s,s:s,s:s,s:o,s:i,s:i,s:o}", "id", gz_api_id_json(gz_stmt_int64(st, 0)),
	    "community_code", gz_stmt_text(st, 1), "code", gz_stmt_text(st, 2), "name",
	    gz_stmt_text(st, 3), "office", gz_stmt_text(st, 4), "opening_hours",
	    svc_json_column(st, 5), "capacity", (int)gz_stmt_int64(st, 6), "slot_minutes",
	    SVC_SLOT_MIN, "created_at", gz_api_time_json(gz_stmt_int64(st, 7)));
}

/* Loads active counter id (name into A). 1, 0 when none, -1 on error. */
static int counter_load(gz_db *db, gz_arena *A, int64_t id, counter *c, gz_err *err)
{
	memset(c, 0, sizeof *c);
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT " COUNTER_COLS " FROM service_counters c WHERE c.id = "
	                            "$1 AND c.active = 1",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		c->id = id;
		snprintf(c->community, sizeof c->community, "%s", gz_stmt_text(st, 1));
		snprintf(c->code, sizeof c->code, "%s", gz_stmt_text(st, 2));
		c->name = gz_arena_strdup(A, gz_stmt_text(st, 3));
		c->capacity = (int)gz_stmt_int64(st, 6);
		json_t *h = svc_json_column(st, 5);
		gz_err e;
		gz_err_clear(&e);
		svc_hours_parse(h, &c->hours, "opening_hours", &e);
		json_decref(h);
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

/* The counter of the path, when the actor may use it (svc_near); else answers 404. */
static bool counter_of_path(gz_req *r, gz_db *db, counter *c)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	int rc = db && id ? counter_load(db, &r->arena, id, c, &err) : 0;
	if (rc == 1 && svc_near(gz_req_actor(r), c->community))
		return true;
	if (!err.kind)
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这个窗口");
	gz_reply_err(r, &err);
	return false;
}

/* ---------------------------------------------------------------- counters */

/* POST /api/v1/service-counters {community_code, code, name, office?, opening_hours,
 * capacity}: service admin at the community. */
static int counter_create(gz_db *db, const gz_actor *a, json_t *in, json_t **outp, gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	const char *community = NULL, *code = NULL, *name = NULL, *office = "";
	int64_t capacity = 0, id = 0, now = svc_now(a->req);
	svc_hours hours;
	json_t *out = NULL;
	gz_json_str(in, "community_code", GZ_REQUIRED, 12, 12, &community, &err);
	gz_json_str(in, "code", GZ_REQUIRED, 1, 1, &code, &err);
	gz_json_str(in, "name", GZ_REQUIRED, 1, 40, &name, &err);
	gz_json_str(in, "office", GZ_OPTIONAL, 0, 40, &office, &err);
	gz_json_int(in, "capacity", GZ_REQUIRED, 1, 100, &capacity, &err);
	svc_hours_parse(json_object_get(in, "opening_hours"), &hours, "opening_hours", &err);
	if (code && (*code < 'A' || *code > 'Z'))
		gz_err_field(&err, "code", "应为一个大写字母（叫号的字头，如 A）");
	if (community && space_code_check(community, SPACE_COMMUNITY, NULL) < 0)
		gz_err_field(&err, "community_code", "应为社区代码（12 位）");
	if (gz_json_check(&err) < 0 || !(db || (db = gz_req_db(a->req, &err))) ||
	    gz_actor_check(a, ACT_ADMIN, RES_SERVICE, community, &err) < 0 ||
	    gz_db_begin(db, &err) < 0)
		goto fail;
	char *hj = gz_json_dump(json_object_get(in, "opening_hours"), NULL);
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "INSERT INTO service_counters (community_code, code, name, "
	                  "office, opening_hours, capacity, created_at, updated_at) VALUES "
	                  "($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
	                  &err);
	if (st) {
		gz_stmt_bind_str(st, 1, community);
		gz_stmt_bind_str(st, 2, code);
		gz_stmt_bind_str(st, 3, name);
		gz_stmt_bind_str(st, 4, office);
		gz_stmt_bind_str(st, 5, hj);
		gz_stmt_bind_int64(st, 6, capacity);
		gz_stmt_bind_int64(st, 7, now);
		if (gz_stmt_step_id(st, &id, &err) < 0 && err.kind == GZ_ECONFLICT) {
			gz_err_clear(&err);
			gz_err_set(&err, GZ_ECONFLICT, "duplicate_counter",
			           "本社区已有字头为 %s 的窗口", code);
		}
		gz_stmt_finish(st);
	}
	free(hj);
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	json_t *detail = json_pack("{s:s,s:s}", "code", code, "name", name);
	int rc = !id ? -1
	             : gz_audit(a, db, "service_counter.create", "service_counter", ids, community,
	                        detail, &err);
	json_decref(detail);
	if (rc < 0)
		goto rollback;
	st = gz_db_prepare(db, "SELECT " COUNTER_COLS " FROM service_counters c WHERE c.id = $1",
	                   &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, id);
	if (gz_stmt_step(st, &err) == GZ_ROW)
		out = counter_json(st);
	gz_stmt_finish(st);
	if (!out || gz_api_commit(a->req, db, 201, out, &err) < 0)
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

static void counter_post(gz_req *r)
{
	gz_api_create(r, counter_create);
}

static json_t *counter_row(gz_req *r, gz_stmt *st, int64_t *key)
{
	(void)r;
	*key = gz_stmt_int64(st, 0);
	return counter_json(st);
}

/* GET /api/v1/service-counters?community=: the counters of the communities the caller's
 * grants touch. */
static void counter_list(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const char *community = NULL;
	if (gz_api_code_query(r, "community", GZ_API_AT_STREET | GZ_API_AT_COMMUNITY, &community,
	                      &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	const char *scopes[GZ_AUTH_MAX_GRANTS + 1];
	int n = svc_near_scopes(gz_req_actor(r), &r->arena, scopes);
	gz_api_scoped_list(
	    r, &(gz_api_list_query){
	           .sql = "SELECT " COUNTER_COLS " FROM service_counters c WHERE c.community_code "
	                  ">= $1 AND c.community_code < $2 AND c.id > $3 AND c.active = 1 ORDER BY "
	                  "c.id LIMIT $4",
	           .scopes = scopes,
	           .nscopes = n,
	           .filter = community,
	           .row = counter_row,
	       });
}

/* GET /api/v1/service-counters/{id}/slots?day=YYYY-MM-DD: the day's slots with their
 * places left. */
static void slots_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_req_db(r, &err);
	counter c;
	if (!counter_of_path(r, db, &c))
		return;
	const char *d = gz_req_query(r, "day");
	int32_t day = d ? svc_day_parse(d) : svc_local_day(svc_now(r));
	if (day == INT32_MIN) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "day 应为日期 YYYY-MM-DD");
		gz_reply_err(r, &err);
		return;
	}
	int w = svc_weekday(day);
	json_t *slots = json_array();
	int64_t now = svc_now(r);
	for (int m = c.hours.open[w]; m + SVC_SLOT_MIN <= c.hours.close[w]; m += SVC_SLOT_MIN) {
		int64_t start = svc_day_start_ms(day) + (int64_t)m * 60000, taken = 0;
		if (gz_db_query_int64(
		        db,
		        "SELECT taken FROM appointment_slots WHERE counter_id = $1 AND "
		        "slot_start = $2",
		        &taken, &err, 2, c.id, start) < 0) {
			json_decref(slots);
			gz_reply_err(r, &err);
			return;
		}
		json_array_append_new(
		    slots, json_pack("{s:o,s:i,s:I,s:I,s:b}", "start_at", gz_api_time_json(start),
		                     "capacity", c.capacity, "taken", (json_int_t)taken, "free",
		                     (json_int_t)(c.capacity - taken), "past", start < now));
	}
	char ds[16];
	gz_reply_json(r, 200,
	              json_pack("{s:o,s:s,s:o}", "counter_id", gz_api_id_json(c.id), "day",
	                        svc_day_format(day, ds, sizeof ds), "slots", slots));
}

static void slots(gz_req *r)
{
	gz_api_read(r, slots_read);
}

/* ---------------------------------------------------------------- appointments */

#define APPT_COLS                                                                                  \
	"a.id, a.counter_id, c.name, c.code, a.user_id, a.service_id, a.slot_start, a.state, "     \
	"a.queue_number, a.checked_in_at, a.cancelled_at, a.note, a.created_at"

static json_t *appt_json(gz_stmt *st, int64_t now)
{
	int64_t start = gz_stmt_int64(st, 6);
	bool booked = !strcmp(gz_stmt_text(st, 7), "booked"), in = !gz_stmt_isnull(st, 9);
	json_t *o = json_pack(
	    "{s:o,s:{s:o,s:s,s:s},s:o,s:o,s:o,s:s,s:o,s:o,s:o,s:s,s:b,s:o}", "id",
	    gz_api_id_json(gz_stmt_int64(st, 0)), "counter", "id",
	    gz_api_id_json(gz_stmt_int64(st, 1)), "name", gz_stmt_text(st, 2), "code",
	    gz_stmt_text(st, 3), "service_id", gz_api_id_or_null(st, 5), "start_at",
	    gz_api_time_json(start), "end_at", gz_api_time_json(start + SVC_SLOT_MS), "state",
	    gz_stmt_text(st, 7), "queue_number", gz_api_text_or_null(st, 8), "checked_in_at",
	    gz_api_time_or_null(st, 9), "cancelled_at", gz_api_time_or_null(st, 10), "note",
	    gz_stmt_text(st, 11), "no_show", booked && !in && start + SVC_SLOT_MS <= now,
	    "created_at", gz_api_time_json(gz_stmt_int64(st, 12)));
	return o;
}

static json_t *appt_read(gz_db *db, int64_t id, int64_t now, gz_err *err)
{
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "SELECT " APPT_COLS " FROM appointments a JOIN service_counters "
	                  "c ON c.id = a.counter_id WHERE a.id = $1",
	                  err);
	if (!st)
		return NULL;
	gz_stmt_bind_int64(st, 1, id);
	json_t *o = gz_stmt_step(st, err) == GZ_ROW ? appt_json(st, now) : NULL;
	gz_stmt_finish(st);
	if (!o && !err->kind)
		gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这个预约");
	return o;
}

/* Adds one to the slot's places taken while it has room: 1 when taken, 0 when full. */
static int take_place(gz_db *db, int64_t counter_id, int64_t start, int capacity, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "INSERT INTO appointment_slots (counter_id, slot_start, taken) "
	                            "VALUES ($1, $2, 1) ON CONFLICT (counter_id, slot_start) DO "
	                            "UPDATE SET taken = appointment_slots.taken + 1 WHERE "
	                            "appointment_slots.taken < $3 RETURNING taken",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, counter_id);
	gz_stmt_bind_int64(st, 2, start);
	gz_stmt_bind_int64(st, 3, capacity);
	int64_t taken = 0;
	int rc = gz_stmt_step_id(st, &taken, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : taken > 0;
}

/* POST /api/v1/appointments {counter_id, start_at, service_id?, note?} */
int gz_services_appoint(gz_db *db, const gz_actor *a, json_t *in, json_t **outp, gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	gz_req *r = a->req;
	gz_arena local = {0}, *A = r ? &r->arena : &local;
	const char *when = NULL, *note = "";
	int64_t counter_id = 0, service = 0, start = 0, id = 0, now = svc_now(r);
	json_t *out = NULL;
	gz_api_id_field(in, "counter_id", GZ_REQUIRED, &counter_id, &err);
	gz_api_id_field(in, "service_id", GZ_OPTIONAL, &service, &err);
	gz_json_str(in, "note", GZ_OPTIONAL, 0, 100, &note, &err);
	if (gz_json_str(in, "start_at", GZ_REQUIRED, 1, 40, &when, &err) == 0 && when &&
	    gz_time_parse_rfc3339(when, &start) < 0)
		gz_err_field(&err, "start_at", "应为 RFC 3339 时间");
	if (gz_json_check(&err) < 0 || !(db || (db = gz_req_db(r, &err))) ||
	    gz_db_begin(db, &err) < 0)
		goto fail;
	counter c;
	int rc = counter_load(db, A, counter_id, &c, &err);
	if (rc < 0)
		goto rollback;
	if (!rc || !svc_near(a, c.community)) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这个窗口");
		goto rollback;
	}
	if (svc_booking_check(&c.hours, SVC_SLOT_MIN, start, start + SVC_SLOT_MS, now, &err) < 0) {
		gz_json_check(&err);
		goto rollback;
	}
	if ((rc = take_place(db, c.id, start, c.capacity, &err)) < 0)
		goto rollback;
	if (!rc) {
		gz_err_set(&err, GZ_ECONFLICT, "slot_full",
		           "该时段已约满（每时段 %d 人），请选择其他时段", c.capacity);
		goto rollback;
	}
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "INSERT INTO appointments (counter_id, community_code, user_id, "
	                  "service_id, slot_start, state, note, created_at, updated_at) "
	                  "VALUES ($1, $2, $3, $4, $5, 'booked', $6, $7, $7) RETURNING id",
	                  &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, c.id);
	gz_stmt_bind_str(st, 2, c.community);
	gz_stmt_bind_id(st, 3, a->user_id);
	gz_stmt_bind_id(st, 4, service);
	gz_stmt_bind_int64(st, 5, start);
	gz_stmt_bind_str(st, 6, note);
	gz_stmt_bind_int64(st, 7, now);
	rc = gz_stmt_step_id(st, &id, &err);
	gz_stmt_finish(st);
	json_t *detail = json_pack("{s:o,s:o}", "counter_id", gz_api_id_json(c.id), "start_at",
	                           gz_api_time_json(start));
	rc = rc < 0 ? -1
	            : gz_audit(a, db, "appointment.create", "appointment", svc_idstr(A, id),
	                       c.community, detail, &err);
	json_decref(detail);
	if (rc < 0 || gz_db_count_add(db, "appointments", 1, &err) < 0 ||
	    !(out = appt_read(db, id, now, &err)) || gz_api_commit(r, db, 201, out, &err) < 0)
		goto rollback;
	gz_arena_free(&local);
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

static void appoint(gz_req *r)
{
	gz_api_create(r, gz_services_appoint);
}

/* POST /api/v1/appointments/{id}/actions {action: cancel | check_in}: its booker, or staff
 * with service write at the community. check_in on the day, from an hour before the slot
 * to its end, once: the queue number. cancel before the slot's end gives the place back. */
static void appt_action(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	json_t *in = gz_req_json(r, &err), *out = NULL;
	int64_t id = gz_api_parse_id(gz_req_param(r, "id")), now = svc_now(r);
	const char *action = NULL;
	gz_db *db = NULL;
	if (!in)
		goto fail;
	gz_json_str(in, "action", GZ_REQUIRED, 1, 16, &action, &err);
	bool cancel = action && !strcmp(action, "cancel"),
	     check_in = action && !strcmp(action, "check_in");
	if (action && !cancel && !check_in)
		gz_err_field(&err, "action", "应为 cancel 或 check_in");
	if (gz_json_check(&err) < 0 || !(db = gz_req_db(r, &err)) || gz_db_begin(db, &err) < 0)
		goto fail;
	gz_stmt *st = id ? gz_db_prepare(db,
	                                 "SELECT a.counter_id, a.user_id, a.state, a.slot_start, "
	                                 "a.checked_in_at, a.community_code, c.code FROM "
	                                 "appointments a JOIN service_counters c ON c.id = "
	                                 "a.counter_id WHERE a.id = $1",
	                                 &err)
	                 : NULL;
	int64_t counter_id = 0, owner = 0, start = 0;
	char state[16] = "", community[16] = "", code[4] = "";
	bool checked = false;
	int rc = 0;
	if (st) {
		gz_stmt_bind_int64(st, 1, id);
		if ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
			counter_id = gz_stmt_int64(st, 0);
			owner = gz_stmt_isnull(st, 1) ? 0 : gz_stmt_int64(st, 1);
			snprintf(state, sizeof state, "%s", gz_stmt_text(st, 2));
			start = gz_stmt_int64(st, 3);
			checked = !gz_stmt_isnull(st, 4);
			snprintf(community, sizeof community, "%s", gz_stmt_text(st, 5));
			snprintf(code, sizeof code, "%s", gz_stmt_text(st, 6));
		}
		gz_stmt_finish(st);
	}
	gz_err e;
	gz_err_clear(&e);
	bool staff = rc == GZ_ROW && gz_actor_check(a, ACT_WRITE, RES_SERVICE, community, &e) == 0;
	if (rc < 0)
		goto rollback;
	if (rc != GZ_ROW || !(staff || (owner && owner == a->user_id))) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这个预约");
		goto rollback;
	}
	bool booked = !strcmp(state, "booked"), before_end = now < start + SVC_SLOT_MS;
	if (!booked || checked || !before_end || (check_in && now < start - CHECK_IN_EARLY_MS)) {
		gz_err_set(&err, GZ_ECONFLICT, "invalid_transition", "%s",
		           !booked       ? "预约已取消"
		           : checked     ? "已经取号"
		           : !before_end ? "预约时段已过"
		                         : "预约时段前一小时起才能取号");
		goto rollback;
	}
	char number[16] = "";
	if (check_in) {
		char day[16];
		svc_day_format(svc_local_day(now), day, sizeof day);
		st = gz_db_prepare(
		    db,
		    "INSERT INTO appointment_numbers (counter_id, day, last) VALUES ($1, "
		    "$2, 1) ON CONFLICT (counter_id, day) DO UPDATE SET last = "
		    "appointment_numbers.last + 1 RETURNING last",
		    &err);
		int64_t seq = 0;
		if (!st)
			goto rollback;
		gz_stmt_bind_int64(st, 1, counter_id);
		gz_stmt_bind_str(st, 2, day);
		rc = gz_stmt_step_id(st, &seq, &err);
		gz_stmt_finish(st);
		if (rc < 0)
			goto rollback;
		snprintf(number, sizeof number, "%s%03lld", code, (long long)seq);
	}
	st = gz_db_prepare(
	    db,
	    "UPDATE appointments SET state = $1, queue_number = CAST($2 AS TEXT), "
	    "checked_in_at = CASE WHEN $3 = 1 THEN $4 ELSE checked_in_at END, "
	    "cancelled_at = CASE WHEN $3 = 0 THEN $4 ELSE cancelled_at END, updated_at "
	    "= $4 WHERE id = $5 AND state = 'booked' AND checked_in_at IS NULL",
	    &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_str(st, 1, cancel ? "cancelled" : "booked");
	gz_stmt_bind_str(st, 2, check_in ? number : NULL);
	gz_stmt_bind_int64(st, 3, check_in);
	gz_stmt_bind_int64(st, 4, now);
	gz_stmt_bind_int64(st, 5, id);
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
	int64_t none;
	if (cancel && gz_db_query_int64(db,
	                                "UPDATE appointment_slots SET taken = taken - 1 WHERE "
	                                "counter_id = $1 AND slot_start = $2 AND taken > 0",
	                                &none, &err, 2, counter_id, start) < 0)
		goto rollback;
	json_t *detail = check_in ? json_pack("{s:s}", "queue_number", number) : NULL;
	rc = gz_audit(a, db, cancel ? "appointment.cancel" : "appointment.check_in", "appointment",
	              svc_idstr(&r->arena, id), community, detail, &err);
	json_decref(detail);
	if (rc < 0 || !(out = appt_read(db, id, now, &err)) ||
	    gz_api_commit(r, db, 200, out, &err) < 0)
		goto rollback;
	json_decref(in);
	gz_reply_json(r, 200, out);
	return;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(in);
	json_decref(out);
	gz_reply_err(r, &err);
}

/* GET /api/v1/service-counters/{id}/appointments?day=: a counter's day for its staff
 * (service read at the community), in slot order, with the day's figures. */
static void day_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_req_db(r, &err);
	counter c;
	if (!counter_of_path(r, db, &c))
		return;
	int64_t now = svc_now(r);
	const char *d = gz_req_query(r, "day");
	int32_t day = d ? svc_day_parse(d) : svc_local_day(now);
	if (day == INT32_MIN) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "day 应为日期 YYYY-MM-DD");
		goto fail;
	}
	if (gz_actor_check(gz_req_actor(r), ACT_READ, RES_SERVICE, c.community, &err) < 0)
		goto fail;
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "SELECT " APPT_COLS " FROM appointments a JOIN service_counters "
	                  "c ON c.id = a.counter_id WHERE a.counter_id = $1 AND "
	                  "a.slot_start >= $2 AND a.slot_start < $3 ORDER BY a.slot_start, "
	                  "a.id",
	                  &err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, c.id);
	gz_stmt_bind_int64(st, 2, svc_day_start_ms(day));
	gz_stmt_bind_int64(st, 3, svc_day_start_ms(day + 1));
	json_t *items = json_array();
	int64_t booked = 0, checked = 0, no_show = 0, cancelled = 0;
	int rc;
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		json_t *o = appt_json(st, now);
		bool live = !strcmp(gz_stmt_text(st, 7), "booked");
		booked += live;
		cancelled += !live;
		checked += !gz_stmt_isnull(st, 9);
		no_show += json_is_true(json_object_get(o, "no_show"));
		json_array_append_new(items, o);
	}
	gz_stmt_finish(st);
	if (rc < 0) {
		json_decref(items);
		goto fail;
	}
	char ds[16];
	gz_reply_json(r, 200,
	              json_pack("{s:o,s:s,s:o,s:{s:I,s:I,s:I,s:I}}", "counter_id",
	                        gz_api_id_json(c.id), "day", svc_day_format(day, ds, sizeof ds),
	                        "items", items, "figures", "booked", (json_int_t)booked,
	                        "checked_in", (json_int_t)checked, "no_show", (json_int_t)no_show,
	                        "cancelled", (json_int_t)cancelled));
	return;
fail:
	gz_reply_err(r, &err);
}

static void day(gz_req *r)
{
	gz_api_read(r, day_read);
}

/* GET /api/v1/me/appointments: the caller's own, newest first. */
static json_t *own_row(gz_req *r, gz_stmt *st, void *ctx)
{
	(void)r;
	return appt_json(st, *(int64_t *)ctx);
}

static void mine_read(gz_req *r)
{
	int64_t now = svc_now(r);
	svc_reply_own(r,
	              "SELECT " APPT_COLS " FROM appointments a JOIN service_counters c ON c.id = "
	              "a.counter_id WHERE a.user_id = $1 AND (CAST($2 AS BIGINT) = 0 OR a.id < "
	              "CAST($2 AS BIGINT)) ORDER BY a.id DESC LIMIT $3",
	              own_row, NULL, &now);
}

static void mine(gz_req *r)
{
	gz_api_read(r, mine_read);
}

const gz_module_route gz_services_appointment_routes[] = {
    {"POST", "/api/v1/service-counters", counter_post, 0, 0},
    {"GET", "/api/v1/service-counters", counter_list, 0, 0},
    {"GET", "/api/v1/service-counters/{id}/slots", slots, 0, 0},
    {"GET", "/api/v1/service-counters/{id}/appointments", day, 0, 0},
    {"POST", "/api/v1/appointments", appoint, 0, 0},
    {"POST", "/api/v1/appointments/{id}/actions", appt_action, 0, 0},
    {"GET", "/api/v1/me/appointments", mine, 0, 0},
    {0},
};
