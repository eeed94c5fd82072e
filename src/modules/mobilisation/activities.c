/* Activities (志愿活动, 党员活动): the shared create, the list and the detail, and the
 * organiser's rotating check-in code. Sign-up, check-in and hours are in signups.c. */
#include "modules/mobilisation/mob_internal.h"
#include "modules/mobilisation/mobilisation.h"
#include "modules/module.h"
#include "modules/org/org.h"
#include "core/qr.h"
#include "modules/space/space.h"
#include "api/common.h"
#include "api/fields.h"
#include "api/list.h"
#include "core/json.h"
#include "core/time.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACT_COLS                                                                                   \
	"a.id, a.kind, a.organiser_org_id, a.organiser_name, a.contact, a.title, a.description, "  \
	"a.place_code, a.address, a.start_at, a.end_at, a.slots, a.skills, a.points_per_hour, "    \
	"a.status, a.confirmed_n, a.waitlisted_n, a.created_at, a.updated_at, a.confirmed_at, "    \
	"a.cancelled_at, a.cancel_reason"

json_t *mob_activity_json(gz_stmt *st, int64_t now)
{
	const char *kind = gz_stmt_text(st, 1), *status = gz_stmt_text(st, 14);
	int64_t start = gz_stmt_int64(st, 9), end = gz_stmt_int64(st, 10);
	int64_t slots = gz_stmt_int64(st, 11), confirmed = gz_stmt_int64(st, 15);
	json_t *skills = json_loads(gz_stmt_text(st, 12), 0, NULL);
	if (!json_is_array(skills)) {
		json_decref(skills);
		skills = json_array();
	}
	const char *kl = mob_label("activity_kind", kind),
	           *sl = mob_label("activity_status", status);
	json_t *o = json_pack(
	    "{s:o,s:s,s:s,s:{s:o,s:s},s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:I,s:o,s:I,s:s,s:s}", "id",
	    gz_api_id_json(gz_stmt_int64(st, 0)), "kind", kind, "kind_label", kl ? kl : "",
	    "organiser", "id", gz_api_id_json(gz_stmt_int64(st, 2)), "name", gz_stmt_text(st, 3),
	    "contact", gz_stmt_text(st, 4), "title", gz_stmt_text(st, 5), "description",
	    gz_stmt_text(st, 6), "place_code", gz_stmt_text(st, 7), "address", gz_stmt_text(st, 8),
	    "start_at", gz_api_time_json(start), "end_at", gz_api_time_json(end), "slots",
	    (json_int_t)slots, "skills", skills, "points_per_hour",
	    (json_int_t)gz_stmt_int64(st, 13), "status", status, "status_label", sl ? sl : "");
	json_object_set_new(o, "confirmed_count", json_integer(confirmed));
	json_object_set_new(o, "waitlisted_count", json_integer(gz_stmt_int64(st, 16)));
	json_object_set_new(o, "slots_left",
	                    json_integer(slots > confirmed ? slots - confirmed : 0));
	json_object_set_new(o, "check_in_open",
	                    json_boolean(!strcmp(status, "open") &&
	                                 now >= start - MOB_CODE_WINDOW_MS &&
	                                 now <= end + MOB_CODE_WINDOW_MS));
	json_object_set_new(o, "created_at", gz_api_time_json(gz_stmt_int64(st, 17)));
	json_object_set_new(o, "updated_at", gz_api_time_json(gz_stmt_int64(st, 18)));
	json_object_set_new(o, "confirmed_at", gz_api_time_or_null(st, 19));
	json_object_set_new(o, "cancelled_at", gz_api_time_or_null(st, 20));
	json_object_set_new(o, "cancel_reason", gz_api_text_or_null(st, 21));
	return o;
}

json_t *mob_activity_get(gz_db *db, int64_t id, gz_err *err)
{
	gz_stmt *st =
	    gz_db_prepare(db, "SELECT " ACT_COLS " FROM mob_activities a WHERE a.id = $1", err);
	if (!st)
		return NULL;
	gz_stmt_bind_int64(st, 1, id);
	json_t *o = NULL;
	if (gz_stmt_step(st, err) == GZ_ROW)
		o = mob_activity_json(st, gz_time_now_ms());
	gz_stmt_finish(st);
	return o;
}

/* skills: an array of at most MOB_SKILLS_MAX distinct strings of 1..MOB_SKILL_MAX
 * characters; returns it as JSON text (malloc'd) or NULL after a field error. */
static char *skills_field(json_t *in, gz_err *err)
{
	json_t *v = json_object_get(in, "skills");
	if (!v || json_is_null(v))
		return strdup("[]");
	if (!json_is_array(v) || json_array_size(v) > MOB_SKILLS_MAX) {
		gz_err_field(err, "skills", "应为至多 %d 项的字符串数组", MOB_SKILLS_MAX);
		return NULL;
	}
	json_t *wrap = json_object(), *clean = json_array();
	size_t i;
	json_t *s;
	json_array_foreach(v, i, s)
	{
		json_object_set(wrap, "s", s);
		const char *txt = NULL;
		gz_err e;
		gz_err_clear(&e);
		if (gz_api_str_field(wrap, "s", GZ_REQUIRED, 1, MOB_SKILL_MAX, &txt, &e) < 0) {
			gz_err_field(err, "skills", "每项应为 1 到 %d 个字符", MOB_SKILL_MAX);
			break;
		}
		bool dup = false;
		size_t j;
		json_t *t;
		json_array_foreach(clean, j, t) dup = dup || !strcmp(json_string_value(t), txt);
		if (!dup)
			json_array_append_new(clean, json_string(txt));
	}
	char *out = gz_api_has_field(err, "skills") ? NULL : json_dumps(clean, JSON_COMPACT);
	json_decref(wrap);
	json_decref(clean);
	return out;
}

int gz_mob_activity_create(gz_db *db, const gz_actor *a, json_t *in, int64_t now, json_t **out,
                           gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	const char *kind = NULL, *title = NULL, *desc = "", *place = NULL, *address = "",
	           *contact = "";
	int64_t org = 0, start = 0, end = 0, slots = 0, pph = -1, id = 0;
	bool has_start = false, has_end = false;
	if (gz_api_str_field(in, "kind", GZ_REQUIRED, 1, 16, &kind, &err) == 0 &&
	    !mob_label("activity_kind", kind))
		gz_err_field(&err, "kind", "应为 volunteer（志愿活动）或 party（党员活动）");
	gz_api_id_field(in, "organiser_org_id", GZ_REQUIRED, &org, &err);
	gz_api_str_field(in, "title", GZ_REQUIRED, 1, MOB_TITLE_MAX, &title, &err);
	gz_api_str_field(in, "description", GZ_OPTIONAL, 0, MOB_TEXT_MAX, &desc, &err);
	gz_api_code_field(in, "place_code", GZ_REQUIRED, GZ_API_AT_COMMUNITY | GZ_API_AT_GRID,
	                  &place, &err);
	gz_api_str_field(in, "address", GZ_OPTIONAL, 0, MOB_ADDRESS_MAX, &address, &err);
	gz_api_str_field(in, "contact", GZ_OPTIONAL, 0, MOB_CONTACT_MAX, &contact, &err);
	gz_api_time_field(in, "start_at", GZ_REQUIRED, &start, &has_start, &err);
	gz_api_time_field(in, "end_at", GZ_REQUIRED, &end, &has_end, &err);
	if (has_start && has_end && end <= start)
		gz_err_field(&err, "end_at", "应晚于 start_at");
	else if (has_start && has_end && end - start > MOB_DURATION_MAX)
		gz_err_field(&err, "end_at", "一次活动至多 7 天");
	gz_json_int(in, "slots", GZ_REQUIRED, 1, MOB_SLOTS_MAX, &slots, &err);
	gz_json_int(in, "points_per_hour", GZ_OPTIONAL, 0, MOB_PPH_MAX, &pph, &err);
	char *skills = skills_field(in, &err);
	if (gz_json_check(&err) < 0 || !(db || (db = gz_req_db(a->req, &err))))
		goto fail;
	if (gz_actor_check(a, ACT_WRITE, RES_ACTIVITY, place, &err) < 0 ||
	    gz_db_begin(db, &err) < 0)
		goto fail;
	int rc = gz_space_node_exists(db, place, &err);
	if (rc < 0)
		goto rollback;
	if (!rc)
		gz_err_field(&err, "place_code", "社区或网格不存在");
	gz_org_brief o;
	if (gz_org_ref(db, a, org, place, "organiser_org_id", &o, &err) < 0)
		goto rollback;
	if (pph < 0 && mob_rule_points(db, "service_hour", &pph, &err) < 0)
		goto rollback;
	if (gz_json_check(&err) < 0)
		goto rollback;
	uint8_t secret[MOB_CODE_SECRET_BYTES];
	randombytes_buf(secret, sizeof secret);
	gz_stmt *st = gz_db_prepare(
	    db,
	    "INSERT INTO mob_activities (kind, organiser_org_id, organiser_name, contact, title, "
	    "description, place_code, address, start_at, end_at, slots, skills, points_per_hour, "
	    "code_secret, status, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, "
	    "$6, $7, $8, $9, $10, $11, $12, $13, $14, 'open', $15, $16, $16) RETURNING id",
	    &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_str(st, 1, kind);
	gz_stmt_bind_int64(st, 2, org);
	gz_stmt_bind_str(st, 3, o.name);
	gz_stmt_bind_str(st, 4, contact);
	gz_stmt_bind_str(st, 5, title);
	gz_stmt_bind_str(st, 6, desc);
	gz_stmt_bind_str(st, 7, place);
	gz_stmt_bind_str(st, 8, address);
	gz_stmt_bind_int64(st, 9, start);
	gz_stmt_bind_int64(st, 10, end);
	gz_stmt_bind_int64(st, 11, slots);
	gz_stmt_bind_str(st, 12, skills);
	gz_stmt_bind_int64(st, 13, pph);
	gz_stmt_bind_blob(st, 14, secret, sizeof secret);
	gz_stmt_bind_id(st, 15, a->user_id);
	gz_stmt_bind_int64(st, 16, now);
	rc = gz_stmt_step_id(st, &id, &err);
	gz_stmt_finish(st);
	sodium_memzero(secret, sizeof secret);
	if (rc < 0 ||
	    mob_audit(a, db, "activity.create", "activity", id, place,
	              json_pack("{s:s,s:s,s:I,s:I}", "kind", kind, "title", title, "slots",
	                        (json_int_t)slots, "points_per_hour", (json_int_t)pph),
	              &err) < 0 ||
	    gz_db_count_add(db, "activities", 1, &err) < 0)
		goto rollback;
	free(skills);
	return mob_finish(a, db, 201, mob_activity_get(db, id, &err), out, &err, errp);
rollback:
	gz_db_rollback(db);
fail:
	free(skills);
	*errp = err;
	return -1;
}

static void activity_create(gz_req *r)
{
	mob_create_handle(r, gz_mob_activity_create);
}

/* ---------------------------------------------------------------- edit, cancel */

/* Loads activity id for a write by its organisers, locked, inside the open write
 * transaction: 404 missing or out of scope, 403, 409 activity_closed unless open. */
static int load_open(gz_db *db, const gz_actor *a, int64_t id, mob_activity *act, gz_err *err)
{
	int rc = id > 0 ? mob_activity_load(db, id, true, act, err) : 0;
	if (rc <= 0)
		return rc < 0 ? -1 : gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这条记录");
	sodium_memzero(act->secret, sizeof act->secret);
	if (gz_actor_check(a, ACT_WRITE, RES_ACTIVITY, act->place, err) < 0)
		return -1;
	if (strcmp(act->status, "open"))
		return gz_err_set(err, GZ_ECONFLICT, "activity_closed",
		                  !strcmp(act->status, "cancelled") ? "活动已取消"
		                                                    : "活动时长已确认，不能再修改");
	return 0;
}

/* PATCH /activities/{id}: {title?, description?, address?, contact?, start_at?, end_at?,
 * slots?, skills?, points_per_hour?} while open. Its kind, organiser and place stay (they
 * decide who sees it and who organises it: cancel and publish anew). The schedule cannot
 * move once someone checked in (their hours are the overlap with it); slots cannot drop
 * below those holding one, and more slots take the waitlist in order. */
int gz_mob_activity_update(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                           json_t **out, gz_err *errp)
{
	static const char *const fixed[] = {"kind", "organiser_org_id", "place_code", NULL};
	static const char *const editable[] = {
	    "title",  "description", "address", "contact",         "start_at",
	    "end_at", "slots",       "skills",  "points_per_hour", NULL};
	gz_err err;
	gz_err_clear(&err);
	mob_activity act;
	char *skills = NULL;
	json_t *promoted = json_array(), *changed = json_object();
	if (!(db || (db = gz_req_db(a->req, &err))) || gz_db_begin(db, &err) < 0)
		goto fail;
	if (load_open(db, a, id, &act, &err) < 0)
		goto rollback;
	const char *key;
	json_t *v;
	json_object_foreach(in, key, v)
	{
		bool known = false;
		for (int i = 0; fixed[i]; i++)
			if (!strcmp(fixed[i], key)) {
				gz_err_field(&err, key, "不能修改：请取消后重新发布");
				known = true;
			}
		for (int i = 0; editable[i] && !known; i++)
			known = !strcmp(editable[i], key);
		if (!known)
			gz_err_field(&err, key, "没有这一项");
	}
	const char *title = NULL, *desc = NULL, *address = NULL, *contact = NULL;
	int64_t start = act.start, end = act.end, slots = act.slots, pph = -1;
	bool has_start = false, has_end = false;
	gz_api_str_field(in, "title", GZ_OPTIONAL, 1, MOB_TITLE_MAX, &title, &err);
	gz_api_str_field(in, "description", GZ_OPTIONAL, 0, MOB_TEXT_MAX, &desc, &err);
	gz_api_str_field(in, "address", GZ_OPTIONAL, 0, MOB_ADDRESS_MAX, &address, &err);
	gz_api_str_field(in, "contact", GZ_OPTIONAL, 0, MOB_CONTACT_MAX, &contact, &err);
	gz_api_time_field(in, "start_at", GZ_OPTIONAL, &start, &has_start, &err);
	gz_api_time_field(in, "end_at", GZ_OPTIONAL, &end, &has_end, &err);
	gz_json_int(in, "slots", GZ_OPTIONAL, 1, MOB_SLOTS_MAX, &slots, &err);
	gz_json_int(in, "points_per_hour", GZ_OPTIONAL, 0, MOB_PPH_MAX, &pph, &err);
	if (json_object_get(in, "skills"))
		skills = skills_field(in, &err); /* NULL after its field error */
	if ((has_start || has_end) && end <= start)
		gz_err_field(&err, has_end ? "end_at" : "start_at", "结束应晚于开始");
	else if ((has_start || has_end) && end - start > MOB_DURATION_MAX)
		gz_err_field(&err, "end_at", "一次活动至多 7 天");
	if (slots < act.confirmed_n && !gz_api_has_field(&err, "slots"))
		gz_err_field(&err, "slots", "已有 %lld 人占用名额，名额不能少于 %lld",
		             (long long)act.confirmed_n, (long long)act.confirmed_n);
	if (!err.nfields && !json_object_size(in))
		gz_err_field(&err, "activity", "至少修改一项");
	if (gz_json_check(&err) < 0)
		goto rollback;
	if ((start != act.start || end != act.end)) {
		int64_t checked = 0;
		if (gz_db_query_int64(db,
		                      "SELECT COUNT(*) FROM mob_signups WHERE activity_id = $1 AND "
		                      "check_in_at IS NOT NULL",
		                      &checked, &err, 1, id) < 0)
			goto rollback;
		if (checked) {
			gz_err_set(&err, GZ_ECONFLICT, "already_checked_in",
			           "已有 %lld 人签到，活动时间不能再改", (long long)checked);
			goto rollback;
		}
	}
	gz_stmt *st = gz_db_prepare(
	    db,
	    "UPDATE mob_activities SET title = COALESCE($2, title), description = COALESCE($3, "
	    "description), address = COALESCE($4, address), contact = COALESCE($5, contact), "
	    "start_at = $6, end_at = $7, slots = $8, skills = COALESCE($9, skills), "
	    "points_per_hour = CASE WHEN CAST($10 AS BIGINT) < 0 THEN points_per_hour ELSE "
	    "CAST($10 AS BIGINT) END, updated_at = $11 WHERE id = $1",
	    &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, id);
	gz_stmt_bind_str(st, 2, title);
	gz_stmt_bind_str(st, 3, desc);
	gz_stmt_bind_str(st, 4, address);
	gz_stmt_bind_str(st, 5, contact);
	gz_stmt_bind_int64(st, 6, start);
	gz_stmt_bind_int64(st, 7, end);
	gz_stmt_bind_int64(st, 8, slots);
	gz_stmt_bind_str(st, 9, skills);
	gz_stmt_bind_int64(st, 10, pph);
	gz_stmt_bind_int64(st, 11, now);
	int rc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	act.slots = slots;
	json_object_foreach(in, key, v) json_object_set(changed, key, v);
	if (rc < 0 || mob_signups_promote(db, &act, act.confirmed_n, now, promoted, &err) < 0)
		goto rollback;
	json_object_set(changed, "promoted", promoted);
	if (mob_audit(a, db, "activity.update", "activity", id, act.place, changed, &err) < 0) {
		changed = NULL;
		goto rollback;
	}
	changed = NULL;
	json_t *ans = mob_activity_get(db, id, &err);
	if (ans)
		json_object_set(ans, "promoted", promoted);
	free(skills);
	json_decref(promoted);
	return mob_finish(a, db, 200, ans, out, &err, errp);
rollback:
	gz_db_rollback(db);
fail:
	free(skills);
	json_decref(promoted);
	json_decref(changed);
	*errp = err;
	return -1;
}

static void activity_update(gz_req *r)
{
	mob_handle(r, gz_mob_activity_update, 200, false);
}

/* POST /activities/{id}/cancel {reason}: the activity is off. Everyone who signed up
 * sees it cancelled, with the reason, on the activity and among their activities; their
 * sign-ups stay as they were (the record of who had signed up); sign-up and check-in
 * close. An open activity has credited nothing, so nothing is taken back. */
int gz_mob_activity_cancel(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                           json_t **out, gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	const char *reason = NULL;
	mob_activity act;
	if (!(db || (db = gz_req_db(a->req, &err))) || gz_db_begin(db, &err) < 0)
		goto fail;
	if (load_open(db, a, id, &act, &err) < 0)
		goto rollback;
	gz_api_str_field(in, "reason", GZ_REQUIRED, 1, MOB_REASON_MAX, &reason, &err);
	if (gz_json_check(&err) < 0)
		goto rollback;
	gz_stmt *st = gz_db_prepare(db,
	                            "UPDATE mob_activities SET status = 'cancelled', cancelled_at "
	                            "= $2, cancel_reason = $3, updated_at = $2 WHERE id = $1 AND "
	                            "status = 'open'",
	                            &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, id);
	gz_stmt_bind_int64(st, 2, now);
	gz_stmt_bind_str(st, 3, reason);
	int rc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	if (rc < 0 || mob_audit(a, db, "activity.cancel", "activity", id, act.place,
	                        json_pack("{s:s,s:I,s:I}", "reason", reason, "confirmed",
	                                  (json_int_t)act.confirmed_n, "waitlisted",
	                                  (json_int_t)act.waitlisted_n),
	                        &err) < 0)
		goto rollback;
	return mob_finish(a, db, 200, mob_activity_get(db, id, &err), out, &err, errp);
rollback:
	gz_db_rollback(db);
fail:
	*errp = err;
	return -1;
}

static void activity_cancel(gz_req *r)
{
	mob_handle(r, gz_mob_activity_cancel, 200, false);
}

/* ---------------------------------------------------------------- list */

typedef struct {
	const char *kind, *status;
	int64_t upcoming_now, organiser;
} list_filter;

static json_t *activity_row(gz_req *r, gz_stmt *st, int64_t *key)
{
	(void)r;
	*key = gz_stmt_int64(st, 0);
	return mob_activity_json(st, gz_time_now_ms());
}

#define LIST_FILTERS                                                                               \
	"(CAST($5 AS TEXT) = '' OR a.kind = $5) AND (CAST($6 AS TEXT) = '' OR a.status = $6) AND " \
	"(CAST($7 AS BIGINT) = 0 OR a.end_at >= CAST($7 AS BIGINT)) AND "                          \
	"(CAST($8 AS BIGINT) = 0 OR a.organiser_org_id = CAST($8 AS BIGINT))"

static void activity_list_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const char *place = NULL;
	list_filter f = {gz_req_query(r, "kind"), gz_req_query(r, "status"), 0, 0};
	int limit;
	gz_api_cursor after, next;
	json_t *items = NULL;
	gz_db *db = gz_req_db(r, &err);
	if (!db ||
	    gz_api_code_query(r, "place", GZ_API_AT_STREET | GZ_API_AT_COMMUNITY | GZ_API_AT_GRID,
	                      &place, &err) < 0 ||
	    gz_api_id_query(r, "organiser", &f.organiser, &err) < 0 ||
	    gz_api_list_params(r, false, &limit, &after, &err) < 0)
		goto fail;
	if (f.kind && !mob_label("activity_kind", f.kind)) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 kind 无效");
		gz_err_field(&err, "kind", "应为 volunteer 或 party");
		goto fail;
	}
	if (f.status && !mob_label("activity_status", f.status)) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 status 无效");
		gz_err_field(&err, "status", "应为 open、confirmed、cancelled 之一");
		goto fail;
	}
	if (gz_api_flag_query(r, "upcoming"))
		f.upcoming_now = gz_time_now_ms();
	const char *texts[] = {f.kind, f.status};
	int64_t ints[] = {f.upcoming_now, f.organiser};
	gz_api_list_query q = {
	    .sql = "SELECT " ACT_COLS " FROM mob_activities a WHERE a.place_code >= $1 AND "
	           "a.place_code < $2 AND a.id > $3 AND " LIST_FILTERS " ORDER BY a.id LIMIT $4",
	    .action = ACT_READ,
	    .res = RES_ACTIVITY,
	    .filter = place,
	    .texts = texts,
	    .ntexts = 2,
	    .ints = ints,
	    .nints = 2,
	    .row = activity_row};
	if (mob_scoped_items_up(r, &q, RES_ACTIVITY, limit, &after, &items, &next, &err) < 0)
		goto fail;
	gz_reply_json(r, 200, gz_api_list_json(r, items, &next));
	return;
fail:
	json_decref(items);
	gz_reply_err(r, &err);
}

static void activity_list(gz_req *r)
{
	gz_api_read(r, activity_list_read);
}

/* ---------------------------------------------------------------- detail */

/* The caller's own sign-up of activity id as {status, ...} or null. */
static json_t *my_signup(gz_db *db, int64_t activity, int64_t user, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT s.id, s.status, s.seq, s.check_in_at, s.check_out_at, s.minutes, (SELECT "
	    "COUNT(*) FROM mob_signups w WHERE w.activity_id = s.activity_id AND w.status = "
	    "'waitlisted' AND w.seq <= s.seq) FROM mob_signups s WHERE s.activity_id = $1 AND "
	    "s.user_id = $2",
	    err);
	if (!st)
		return NULL;
	gz_stmt_bind_int64(st, 1, activity);
	gz_stmt_bind_int64(st, 2, user);
	json_t *o = json_null();
	if (gz_stmt_step(st, err) == GZ_ROW) {
		const char *status = gz_stmt_text(st, 1);
		int s = mob_signup_status_parse(status);
		o = json_pack("{s:o,s:s,s:s,s:o,s:o}", "id", gz_api_id_json(gz_stmt_int64(st, 0)),
		              "status", status, "status_label",
		              mob_signup_status_label((mob_signup_status)s), "check_in_at",
		              gz_api_time_or_null(st, 3), "check_out_at",
		              gz_api_time_or_null(st, 4));
		json_object_set_new(o, "minutes",
		                    gz_stmt_isnull(st, 5) ? json_null()
		                                          : json_integer(gz_stmt_int64(st, 5)));
		json_object_set_new(o, "waitlist_position",
		                    s == MOB_SIGNUP_WAITLISTED ? json_integer(gz_stmt_int64(st, 6))
		                                               : json_null());
	}
	gz_stmt_finish(st);
	return o;
}

static void activity_get_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t id = mob_path_id(r, "id");
	const gz_actor *a = gz_req_actor(r);
	gz_db *db = gz_req_db(r, &err);
	json_t *o = NULL, *mine = NULL;
	if (!db)
		goto fail;
	if (!id || !(o = mob_activity_get(db, id, &err))) {
		if (!err.kind)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto fail;
	}
	const char *place = json_string_value(json_object_get(o, "place_code"));
	if (mob_check_visible(a, RES_ACTIVITY, place, &err) < 0 ||
	    !(mine = my_signup(db, id, a->user_id, &err)))
		goto fail;
	gz_err e;
	gz_err_clear(&e);
	json_object_set_new(o, "my_signup", mine);
	json_object_set_new(
	    o, "can_organise",
	    json_boolean(gz_actor_check(a, ACT_WRITE, RES_ACTIVITY, place, &e) == 0));
	gz_reply_json(r, 200, o);
	return;
fail:
	json_decref(o);
	gz_reply_err(r, &err);
}

static void activity_get(gz_req *r)
{
	gz_api_read(r, activity_get_read);
}

/* ---------------------------------------------------------------- check-in code */

int gz_mob_activity_code(gz_db *db, const gz_actor *a, int64_t id, int64_t now, json_t **out,
                         gz_err *err)
{
	if (!(db || (db = gz_req_db(a->req, err))))
		return -1;
	mob_activity act;
	int rc = mob_activity_load(db, id, false, &act, err);
	if (rc <= 0)
		return rc < 0 ? -1 : gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这条记录");
	if (gz_actor_check(a, ACT_WRITE, RES_ACTIVITY, act.place, err) < 0)
		return -1;
	if (strcmp(act.status, "open"))
		return gz_err_set(err, GZ_ECONFLICT, "activity_closed", "活动已结束确认或已取消");
	int64_t step = mob_code_step(now);
	char code[7];
	mob_code_format(mob_code_at(act.secret, step), code);
	sodium_memzero(act.secret, sizeof act.secret);
	int64_t from = act.start - MOB_CODE_WINDOW_MS, until = act.end + MOB_CODE_WINDOW_MS;
	*out = json_pack("{s:s,s:I,s:o,s:o,s:o,s:b,s:s}", "code", code, "step_seconds",
	                 (json_int_t)(MOB_CODE_STEP_MS / 1000), "valid_until",
	                 gz_api_time_json((step + 1) * MOB_CODE_STEP_MS), "window_from",
	                 gz_api_time_json(from), "window_until", gz_api_time_json(until),
	                 "window_open", now >= from && now <= until, "activity_title", act.title);
	return 0;
}

static void activity_code(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *out = NULL;
	int64_t id = mob_path_id(r, "id");
	int rc = gz_mob_activity_code(NULL, gz_req_actor(r), id, gz_time_now_ms(), &out, &err);
	if (rc == 0) {
		/* The same code as a QR image: scanned, it opens the activity with the code filled
		 * in (the volunteer still signs in and taps 签到). */
		const char *url = gz_api_public_url(
		    r, gz_arena_printf(&r->arena, "/mobilisation/activities/%lld?code=%s",
		                       (long long)id,
		                       json_string_value(json_object_get(out, "code"))));
		char *svg = gz_qr_svg(url);
		json_object_set_new(out, "check_in_url", json_string(url));
		json_object_set_new(out, "qr_svg", svg ? json_string(svg) : json_null());
		free(svg);
	}
	mob_reply(r, rc, 200, out, &err);
}

const gz_module_route gz_mob_activity_routes[] = {
    {"POST", "/api/v1/activities", activity_create, 0, 0},
    {"GET", "/api/v1/activities", activity_list, 0, 0},
    {"GET", "/api/v1/activities/{id}", activity_get, 0, 0},
    {"GET", "/api/v1/activities/{id}/code", activity_code, 0, 0},
    {"PATCH", "/api/v1/activities/{id}", activity_update, 0, 0},
    {"POST", "/api/v1/activities/{id}/cancel", activity_cancel, 0, 0},
    {0},
};
