/* The history of a resident's record: every change made by hand is kept as who, when,
 * which field, old -> new (table resident_history, 0005_records.sql), written in the
 * transaction of the change; and GET /residents/{id}/history, which shows it to those
 * who read the resident (out of scope: 404, as the resident), masked like the resident
 * itself and revealed under the same rules (?reveal=, audited as resident.reveal with
 * "history": true). */
#include "modules/people/people_internal.h"
#include "modules/module.h"
#include "core/json.h"
#include "core/time.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ writing */

/* A field's value as stored in the history: text, NULL for none. */
typedef struct {
	char name[4 * RESIDENT_NAME_MAX + 1];
	const char *gender, *relation;
	char birth[RESIDENT_DATE_SIZE];
	char phone[PERSON_PHONE_MAX];
	char idn[19];
	char tags[RESIDENT_TAGS_MAX * 41];
	char sens[RESIDENT_TAGS_MAX * 43 + 3];
	char household[24], grid[SPACE_CODE_SIZE], user[24];
	const char *status;
	const char *status_date, *status_reason;
} values;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The tags of s (ordinary or sensitive) in code order: "a,b" or ["a","b"]. */
static void tags_text(const res_state *s, bool sensitive, char *out, size_t cap)
{
	const char *v[RESIDENT_TAGS_MAX];
	int n = 0;
	for (int i = 0; i < s->ntags; i++)
		if (s->sens[i] == sensitive)
			v[n++] = s->tags[i];
	qsort(v, (size_t)n, sizeof v[0], cmp_str);
	size_t k = 0;
	out[0] = '\0';
	if (sensitive && n)
		k += (size_t)snprintf(out, cap, "[");
	for (int i = 0; i < n && k < cap; i++)
		k += (size_t)snprintf(out + k, cap - k, sensitive ? "%s\"%s\"" : "%s%s",
		                      i ? "," : "", v[i]);
	if (sensitive && n && k < cap)
		snprintf(out + k, cap - k, "]");
}

static void values_of(const res_state *s, values *v)
{
	memset(v, 0, sizeof *v);
	snprintf(v->name, sizeof v->name, "%s", s->name);
	v->gender = s->gender ? s->gender : "";
	v->relation = s->relation ? s->relation : "";
	/* A birth date kept apart from an ID number (otherwise the number carries it). */
	if (s->has_birth && !s->idn[0])
		resident_date_format(s->birth, v->birth);
	snprintf(v->phone, sizeof v->phone, "%s", s->phone);
	snprintf(v->idn, sizeof v->idn, "%s", s->idn);
	tags_text(s, false, v->tags, sizeof v->tags);
	tags_text(s, true, v->sens, sizeof v->sens);
	if (s->household)
		snprintf(v->household, sizeof v->household, "%lld", (long long)s->household);
	snprintf(v->grid, sizeof v->grid, "%s", s->grid);
	if (s->user_id)
		snprintf(v->user, sizeof v->user, "%lld", (long long)s->user_id);
	v->status = record_status_code(s->status);
	v->status_date = s->status_date;
	v->status_reason = s->status_reason;
}

/* "" is none. */
static const char *opt(const char *s)
{
	return s && *s ? s : NULL;
}

static int write_row(gz_db *db, const gz_actor *a, int64_t id, int64_t at, const char *action,
                     const char *field, const char *o, const char *n, bool sealed, gz_err *err)
{
	const gz_crypto *c = gz_crypto_global();
	if (sealed && !c)
		return gz_err_set(err, GZ_EINTERNAL, "crypto_unavailable",
		                  "服务器未加载个人信息加密密钥");
	gz_stmt *st = gz_db_prepare(
	    db,
	    "INSERT INTO resident_history (resident_id, at, user_id, username, request_id, action, "
	    "field, old_value, new_value, old_enc, new_enc) VALUES ($1, $2, $3, $4, $5, $6, $7, "
	    "$8, $9, $10, $11)",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	gz_stmt_bind_int64(st, 2, at);
	if (a->user_id)
		gz_stmt_bind_int64(st, 3, a->user_id);
	else
		gz_stmt_bind_null(st, 3);
	gz_stmt_bind_str(st, 4, a->username);
	gz_stmt_bind_str(st, 5, a->request_id);
	gz_stmt_bind_str(st, 6, action);
	gz_stmt_bind_str(st, 7, field);
	uint8_t enc[2][GZ_CRYPTO_SEALED_LEN(RESIDENT_TAGS_MAX * 43 + 3)];
	const char *v[2] = {o, n};
	for (int k = 0; k < 2; k++) {
		if (!v[k])
			gz_stmt_bind_null(st, 8 + k);
		else if (!sealed)
			gz_stmt_bind_str(st, 8 + k, v[k]);
		else
			gz_stmt_bind_null(st, 8 + k);
		size_t l = v[k] ? strlen(v[k]) : 0;
		if (sealed && v[k] && l <= RESIDENT_TAGS_MAX * 43 + 3) {
			gz_crypto_seal(c, (const uint8_t *)v[k], l, enc[k]);
			gz_stmt_bind_blob(st, 10 + k, enc[k], GZ_CRYPTO_SEALED_LEN(l));
		} else {
			gz_stmt_bind_null(st, 10 + k);
		}
	}
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

int people_history_write(gz_db *db, const gz_actor *a, int64_t at, const char *action,
                         const res_state *before, const res_state *after, gz_err *err)
{
	values *o = calloc(2, sizeof *o), *n = o + 1;
	if (!o)
		return gz_err_set(err, GZ_EINTERNAL, "oom", "内存不足");
	if (before)
		values_of(before, o);
	values_of(after, n);
	struct {
		const char *field, *o, *n;
		bool sealed;
	} f[] = {
	    {"name", o->name, n->name, false},
	    {"gender", o->gender, n->gender, false},
	    {"relation", o->relation, n->relation, false},
	    {"birth_date", o->birth, n->birth, true},
	    {"phone", o->phone, n->phone, true},
	    {"id_number", o->idn, n->idn, true},
	    {"tags", o->tags, n->tags, false},
	    {"sensitive_tags", o->sens, n->sens, true},
	    {"grid_code", o->grid, n->grid, false},
	    {"household_id", o->household, n->household, false},
	    {"user_id", o->user, n->user, false},
	    {"status", before ? o->status : NULL, n->status, false},
	    {"status_date", o->status_date, n->status_date, false},
	    {"status_reason", o->status_reason, n->status_reason, false},
	};
	int written = 0, rc = 0;
	for (size_t i = 0; i < sizeof f / sizeof f[0] && rc == 0; i++) {
		const char *ov = opt(f[i].o), *nv = opt(f[i].n);
		if (!before && !strcmp(f[i].field, "status"))
			continue; /* a new record is in the register */
		if ((!ov && !nv) || (ov && nv && !strcmp(ov, nv)))
			continue;
		rc = write_row(db, a, after->id, at, action, f[i].field, ov, nv, f[i].sealed, err);
		written++;
	}
	sodium_memzero(o, 2 * sizeof *o);
	free(o);
	return rc < 0 ? -1 : written;
}

int people_history_note(gz_db *db, const gz_actor *a, int64_t id, int64_t at, const char *action,
                        const char *field, const char *value, gz_err *err)
{
	return write_row(db, a, id, at, action, field, NULL, value, false, err);
}

/* ================================================================ reading */

/* The value of a history field as r sees it: sealed values opened and masked unless
 * revealed (sets *masked, and *shown when something was shown in full). */
static json_t *value_json(gz_stmt *st, int clear_col, int enc_col, const char *field, unsigned want,
                          bool *masked, bool *shown)
{
	if (gz_stmt_isnull(st, enc_col))
		return gz_stmt_isnull(st, clear_col) ? json_null()
		                                     : json_string(gz_stmt_text(st, clear_col));
	char v[RESIDENT_TAGS_MAX * 43 + 4];
	if (gz_people_open(gz_stmt_blob(st, enc_col), gz_stmt_len(st, enc_col), v, sizeof v) < 0)
		return json_null();
	unsigned bit = !strcmp(field, "phone")        ? RESIDENT_REVEAL_PHONE
	               : !strcmp(field, "id_number")  ? RESIDENT_REVEAL_ID
	               : !strcmp(field, "birth_date") ? RESIDENT_REVEAL_BIRTH
	                                              : RESIDENT_REVEAL_TAGS;
	json_t *out;
	if (want & bit) {
		*shown = true;
		out = bit == RESIDENT_REVEAL_TAGS ? json_loads(v, 0, NULL) : json_string(v);
		if (!out)
			out = json_null();
	} else {
		*masked = true;
		char m[PERSON_ID_MASK_MAX + PERSON_PHONE_MAX + 32];
		out = bit == RESIDENT_REVEAL_PHONE ? json_string(person_mask_phone(v, m, sizeof m))
		      : bit == RESIDENT_REVEAL_ID  ? json_string(person_mask_id(v, m))
		                                   : json_null(); /* birth date, sensitive tags */
	}
	sodium_memzero(v, sizeof v);
	return out;
}

/* A readable label for grids and households (names, not codes). */
static int add_labels(people_names *pl, gz_db *db, json_t *change, gz_err *err)
{
	const char *field = json_string_value(json_object_get(change, "field"));
	static const char *const sides[][2] = {{"old", "old_label"}, {"new", "new_label"}};
	for (int k = 0; k < 2; k++) {
		const char *v = json_string_value(json_object_get(change, sides[k][0]));
		if (!v)
			continue;
		json_t *place = NULL;
		if (!strcmp(field, "grid_code")) {
			if (!(place = people_place_json(pl, db, v, 0, err)))
				return -1;
		} else if (!strcmp(field, "household_id")) {
			/* The household's own grid names come with its address. */
			gz_stmt *st = gz_db_prepare(
			    db, "SELECT grid_code FROM households WHERE id = $1", err);
			if (!st)
				return -1;
			gz_stmt_bind_int64(st, 1, gz_api_parse_id(v));
			int rc = gz_stmt_step(st, err);
			char grid[SPACE_CODE_SIZE] = "";
			if (rc == GZ_ROW)
				snprintf(grid, sizeof grid, "%s", gz_stmt_text(st, 0));
			gz_stmt_finish(st);
			if (rc < 0)
				return -1;
			if (grid[0] &&
			    !(place = people_place_json(pl, db, grid, gz_api_parse_id(v), err)))
				return -1;
		} else if (!strcmp(field, "status")) {
			record_status s;
			if (record_status_parse(v, &s) == 0)
				json_object_set_new(change, sides[k][1],
				                    json_string(record_status_label(s)));
		}
		if (place)
			json_object_set(change, sides[k][1], json_object_get(place, "full"));
		json_decref(place);
	}
	return 0;
}

#define HISTORY_MAX 1000

/* GET /residents/{id}/history: the changes, newest first, each {at, action, actor:
 * {user_id, username, display_name}, request_id, changes: [{field, old, new, masked?,
 * old_label?, new_label?}]}; at most HISTORY_MAX fields ("truncated": true beyond). */
static void history_get(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	reveal_ctx rc = {0};
	json_t *out = NULL;
	gz_db *db = NULL;
	gz_stmt *st = NULL;
	bool snap = false;
	people_names pl;
	people_names_init(&pl);
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	if (!id) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto fail;
	}
	if (people_reveal_setup(r, &rc, &err) < 0 || !(db = gz_req_db(r, &err)) ||
	    !(snap = gz_db_begin_read(db, &err) == 0) ||
	    !(st = gz_db_prepare(db,
	                         "SELECT grid_code, created_at FROM residents WHERE id = $1 AND "
	                         "deleted_at IS NULL",
	                         &err)))
		goto fail;
	gz_stmt_bind_int64(st, 1, id);
	int k = people_step_one(st, &err);
	if (k <= 0) {
		if (k == 0)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto fail;
	}
	char grid[SPACE_CODE_SIZE];
	snprintf(grid, sizeof grid, "%s", gz_stmt_text(st, 0));
	int64_t created = gz_stmt_int64(st, 1);
	gz_stmt_finish(st);
	if (gz_auth_check(r, ACT_READ, RES_RESIDENT, grid, &err) < 0 ||
	    (rc.want && gz_auth_check(r, ACT_REVEAL, RES_RESIDENT, grid, &err) < 0)) {
		if (err.kind == GZ_EFORBIDDEN && rc.want)
			gz_err_set(&err, GZ_EFORBIDDEN, "reveal_forbidden",
			           "当前角色无权查看完整的个人信息");
		goto fail;
	}
	st = gz_db_prepare(db,
	                   "SELECT h.at, h.user_id, h.username, h.request_id, h.action, h.field, "
	                   "h.old_value, h.new_value, h.old_enc, h.new_enc, u.display_name FROM "
	                   "resident_history h LEFT JOIN users u ON u.id = h.user_id WHERE "
	                   "h.resident_id = $1 ORDER BY h.id DESC LIMIT $2",
	                   &err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, id);
	gz_stmt_bind_int64(st, 2, HISTORY_MAX + 1);
	json_t *events = json_array(), *ev = NULL;
	bool shown = false, created_seen = false;
	int rows = 0;
	char last_key[256] = "";
	while ((k = gz_stmt_step(st, &err)) == GZ_ROW) {
		if (++rows > HISTORY_MAX)
			break;
		char key[256];
		snprintf(key, sizeof key, "%lld|%s|%s|%s", (long long)gz_stmt_int64(st, 0),
		         gz_stmt_text(st, 3), gz_stmt_text(st, 4), gz_stmt_text(st, 2));
		if (!ev || strcmp(key, last_key)) {
			memcpy(last_key, key, sizeof key);
			json_t *actor =
			    json_pack("{s:o,s:s,s:s}", "user_id",
			              gz_stmt_isnull(st, 1) ? json_null()
			                                    : gz_api_id_json(gz_stmt_int64(st, 1)),
			              "username", gz_stmt_text(st, 2), "display_name",
			              gz_stmt_isnull(st, 10) ? "" : gz_stmt_text(st, 10));
			ev = json_pack("{s:o,s:s,s:o,s:s,s:[]}", "at",
			               gz_api_time_json(gz_stmt_int64(st, 0)), "action",
			               gz_stmt_text(st, 4), "actor", actor, "request_id",
			               gz_stmt_text(st, 3), "changes");
			json_array_append_new(events, ev);
			if (!strcmp(gz_stmt_text(st, 4), "create"))
				created_seen = true;
		}
		const char *field = gz_stmt_text(st, 5);
		bool masked = false;
		json_t *ch = json_pack("{s:s}", "field", field);
		json_object_set_new(ch, "old",
		                    value_json(st, 6, 8, field, rc.want, &masked, &shown));
		json_object_set_new(ch, "new",
		                    value_json(st, 7, 9, field, rc.want, &masked, &shown));
		if (masked)
			json_object_set_new(ch, "masked", json_true());
		json_array_append_new(json_object_get(ev, "changes"), ch);
	}
	gz_stmt_finish(st);
	if (k < 0) {
		json_decref(events);
		goto fail;
	}
	/* Names, not codes, for places. */
	size_t i, j;
	json_t *e, *c;
	json_array_foreach(events, i, e)
	{
		json_array_foreach(json_object_get(e, "changes"), j, c)
		{
			if (add_labels(&pl, db, c, &err) < 0) {
				json_decref(events);
				goto fail;
			}
		}
	}
	gz_db_end_read(db);
	snap = false;
	out = json_pack("{s:o,s:o,s:b}", "resident_id", gz_api_id_json(id), "items", events,
	                "truncated", rows > HISTORY_MAX);
	/* An imported record (no creation by hand): its history starts with the import. */
	if (!created_seen && rows <= HISTORY_MAX)
		json_array_append_new(
		    events, json_pack("{s:o,s:s,s:n,s:s,s:[]}", "at", gz_api_time_json(created),
		                      "action", "import", "actor", "request_id", "", "changes"));
	if (shown) {
		rc.history = true;
		json_array_append_new(rc.ids, gz_api_id_json(id));
		people_span_grid(rc.lo, rc.hi, grid);
	}
	if (people_reveal_audit(r, db, &rc, gz_req_param(r, "id"), NULL, NULL, &err) < 0)
		goto fail;
	json_decref(rc.ids);
	people_names_free(&pl);
	people_reply(r, 200, out);
	return;
fail:
	if (snap)
		gz_db_end_read(db);
	people_names_free(&pl);
	json_decref(out);
	json_decref(rc.ids);
	gz_reply_err(r, &err);
}

const gz_module_route gz_people_history_routes[] = {
    {"GET", "/api/v1/residents/{id}/history", history_get, 0, 0},
    {0},
};
