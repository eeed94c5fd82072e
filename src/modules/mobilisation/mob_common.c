/* The mobilisation module's shared helpers (mob_internal.h): loading an activity, who
 * sees what, volunteers' names, and the ends of a write. */
#include "modules/mobilisation/mob_internal.h"
#include "modules/mobilisation/mobilisation.h"
#include "api/common.h"
#include "api/fields.h"
#include "core/json.h"
#include "core/time.h"
#include "modules/accounts/accounts.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mob_activity_load(gz_db *db, int64_t id, bool lock, mob_activity *o, gz_err *err)
{
	if (lock) {
		/* The first write to the row takes its lock (PostgreSQL, READ COMMITTED): the
		 * SELECT below then reads the latest committed version and nobody changes it
		 * before this transaction ends. */
		gz_stmt *l = gz_db_prepare(
		    db, "UPDATE mob_activities SET updated_at = updated_at WHERE id = $1", err);
		if (!l)
			return -1;
		gz_stmt_bind_int64(l, 1, id);
		int rc = gz_stmt_step(l, err);
		gz_stmt_finish(l);
		if (rc < 0)
			return -1;
	}
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT id, kind, organiser_org_id, organiser_name, title, place_code, start_at, "
	    "end_at, slots, points_per_hour, code_secret, status, confirmed_n, waitlisted_n "
	    "FROM mob_activities WHERE id = $1",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		memset(o, 0, sizeof *o);
		o->id = gz_stmt_int64(st, 0);
		snprintf(o->kind, sizeof o->kind, "%s", gz_stmt_text(st, 1));
		o->organiser_org_id = gz_stmt_int64(st, 2);
		snprintf(o->organiser_name, sizeof o->organiser_name, "%s", gz_stmt_text(st, 3));
		snprintf(o->title, sizeof o->title, "%s", gz_stmt_text(st, 4));
		snprintf(o->place, sizeof o->place, "%s", gz_stmt_text(st, 5));
		o->start = gz_stmt_int64(st, 6);
		o->end = gz_stmt_int64(st, 7);
		o->slots = gz_stmt_int64(st, 8);
		o->points_per_hour = gz_stmt_int64(st, 9);
		if (gz_stmt_len(st, 10) == MOB_CODE_SECRET_BYTES)
			memcpy(o->secret, gz_stmt_blob(st, 10), MOB_CODE_SECRET_BYTES);
		snprintf(o->status, sizeof o->status, "%s", gz_stmt_text(st, 11));
		o->confirmed_n = gz_stmt_int64(st, 12);
		o->waitlisted_n = gz_stmt_int64(st, 13);
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

int mob_check_visible(const gz_actor *a, policy_resource res, const char *place, gz_err *err)
{
	if (gz_actor_check(a, ACT_READ, res, place, err) == 0)
		return 0;
	if (err->kind == GZ_EINTERNAL || err->kind == GZ_EUNAUTH)
		return -1;
	const char *scopes[GZ_AUTH_MAX_GRANTS];
	gz_err e;
	gz_err_clear(&e);
	int n = gz_actor_scopes(a, ACT_READ, res, scopes, GZ_AUTH_MAX_GRANTS, &e);
	for (int i = 0; i < n; i++)
		if (*place && policy_scope_contains(place, scopes[i])) {
			gz_err_clear(err);
			return 0;
		}
	return -1;
}

int mob_visible_ancestors(const gz_actor *a, policy_resource res, char (*out)[16], int max,
                          gz_err *err)
{
	const char *scopes[GZ_AUTH_MAX_GRANTS];
	int n = gz_actor_scopes(a, ACT_READ, res, scopes, GZ_AUTH_MAX_GRANTS, err);
	if (n < 0)
		return -1;
	int k = 0;
	/* Records of this module sit at communities and grids: a grid's grant sees its
	 * community's records too. */
	for (int i = 0; i < n && k < max; i++) {
		if (strlen(scopes[i]) != 15)
			continue;
		char c[16];
		mob_community_of(scopes[i], c);
		bool covered = false;
		for (int j = 0; j < n && !covered; j++)
			covered = policy_scope_contains(scopes[j], c);
		for (int j = 0; j < k && !covered; j++)
			covered = !strcmp(out[j], c);
		if (!covered)
			memcpy(out[k++], c, 16);
	}
	return k;
}

static int64_t item_key(json_t *item)
{
	return gz_api_parse_id(json_string_value(json_object_get(item, "id")));
}

static int cmp_items(const void *x, const void *y)
{
	int64_t a = item_key(*(json_t *const *)x), b = item_key(*(json_t *const *)y);
	return a < b ? -1 : a > b;
}

int mob_scoped_items_up(gz_req *r, const gz_api_list_query *q, policy_resource res, int limit,
                        const gz_api_cursor *after, json_t **items, gz_api_cursor *next,
                        gz_err *err)
{
	if (gz_api_scoped_items(r, q, limit, after, items, next, err) < 0)
		return -1;
	char anc[GZ_AUTH_MAX_GRANTS][16];
	int n = mob_visible_ancestors(gz_req_actor(r), res, anc, GZ_AUTH_MAX_GRANTS, err);
	if (n <= 0)
		return n;
	gz_db *db = gz_req_db(r, err);
	if (!db)
		return -1;
	size_t total = json_array_size(*items), cap = total + (size_t)n * (size_t)(limit + 1) + 1;
	bool more = next->key != 0;
	json_t **all = gz_calloc(cap, sizeof *all);
	for (size_t i = 0; i < total; i++)
		all[i] = json_incref(json_array_get(*items, i));
	int rc = 0;
	for (int i = 0; i < n && rc >= 0; i++) {
		if (q->filter && !policy_scope_contains(q->filter, anc[i]) &&
		    !policy_scope_contains(anc[i], q->filter))
			continue;
		gz_stmt *st = gz_db_prepare(db, q->sql, err);
		if (!st) {
			rc = -1;
			break;
		}
		/* [code, code + "\x01"): that code alone (codes are digits) */
		char hi[20];
		snprintf(hi, sizeof hi, "%.15s\x01", anc[i]);
		gz_stmt_bind_str(st, 1, anc[i]);
		gz_stmt_bind_str(st, 2, hi);
		gz_stmt_bind_int64(st, 3, after->key);
		gz_stmt_bind_int64(st, 4, limit + 1);
		for (int k = 0; k < q->ntexts; k++)
			gz_stmt_bind_str(st, 5 + k, q->texts[k] ? q->texts[k] : "");
		for (int k = 0; k < q->nints; k++)
			gz_stmt_bind_int64(st, 5 + q->ntexts + k, q->ints[k]);
		if (q->bind)
			q->bind(st, q->ctx);
		while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
			int64_t key;
			all[total++] =
			    q->row_ctx ? q->row_ctx(r, st, &key, q->ctx) : q->row(r, st, &key);
		}
		gz_stmt_finish(st);
	}
	if (rc >= 0) {
		qsort(all, total, sizeof *all, cmp_items);
		json_array_clear(*items);
		for (size_t i = 0; i < total; i++) {
			if (i && item_key(all[i]) == item_key(all[i - 1]))
				continue;
			if (json_array_size(*items) < (size_t)limit)
				json_array_append(*items, all[i]);
			else
				more = true;
		}
		size_t got = json_array_size(*items);
		next->key = more && got ? item_key(json_array_get(*items, got - 1)) : 0;
	}
	for (size_t i = 0; i < total; i++)
		json_decref(all[i]);
	free(all);
	return rc < 0 ? -1 : 0;
}

int mob_self(const gz_actor *a, int64_t user_id, gz_err *err)
{
	if (!a)
		return gz_err_set(err, GZ_EINTERNAL, "no_actor", "no actor");
	if (gz_actor_is_operator(a) || (a->user_id > 0 && a->user_id == user_id))
		return 0;
	return gz_err_set(err, GZ_EFORBIDDEN, "forbidden", "只能为自己办理");
}

int mob_volunteer_ensure(gz_db *db, int64_t user_id, int64_t now, char *name, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, "SELECT name FROM mob_volunteers WHERE user_id = $1", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, user_id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW && name)
		snprintf(name, MOB_NAME_MAX, "%s", gz_stmt_text(st, 0));
	gz_stmt_finish(st);
	if (rc != GZ_DONE)
		return rc < 0 ? -1 : 0;
	gz_user_row u;
	rc = gz_user_get(db, user_id, false, &u, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这个用户");
	const char *shown = *u.display_name ? u.display_name : u.username;
	st = gz_db_prepare(db,
	                   "INSERT INTO mob_volunteers (user_id, name, created_at) VALUES ($1, $2, "
	                   "$3) ON CONFLICT (user_id) DO NOTHING",
	                   err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, user_id);
	gz_stmt_bind_str(st, 2, shown);
	gz_stmt_bind_int64(st, 3, now);
	rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	if (name)
		snprintf(name, MOB_NAME_MAX, "%s", shown);
	return 0;
}

int mob_year_of(int64_t t)
{
	char b[40];
	gz_time_rfc3339(t + 8 * MOB_HOUR_MS, b, sizeof b);
	return atoi(b);
}

void mob_community_of(const char *place, char out[16])
{
	snprintf(out, 16, "%.12s", place);
}

const char *mob_id_str(int64_t id, char buf[24])
{
	snprintf(buf, 24, "%lld", (long long)id);
	return buf;
}

int mob_audit(const gz_actor *a, gz_db *db, const char *action, const char *type, int64_t id,
              const char *scope, json_t *detail, gz_err *err)
{
	char ids[24];
	int rc = gz_audit(a, db, action, type, mob_id_str(id, ids), scope, detail, err);
	json_decref(detail);
	return rc;
}

int mob_finish(const gz_actor *a, gz_db *db, int status, json_t *answer, json_t **out, gz_err *err,
               gz_err *errp)
{
	if (!answer) {
		if (!err->kind)
			gz_err_set(err, GZ_EINTERNAL, "internal", "新写入的记录读不到");
	} else if (gz_api_commit(a->req, db, status, answer, err) == 0) {
		*out = answer;
		return 0;
	}
	gz_db_rollback(db);
	json_decref(answer);
	*errp = *err;
	return -1;
}

json_t *mob_body(gz_req *r, gz_err *err)
{
	if (r->body_len == 0)
		return json_object();
	return gz_req_json(r, err);
}

int64_t mob_path_id(gz_req *r, const char *name)
{
	return gz_api_parse_id(gz_req_param(r, name));
}

void mob_reply(gz_req *r, int rc, int status, json_t *out, const gz_err *err)
{
	if (rc < 0)
		gz_reply_err(r, err);
	else
		gz_reply_json(r, status, out);
}

void mob_handle(gz_req *r, mob_id_write_fn fn, int status, bool body_optional)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *out = NULL, *in = body_optional ? mob_body(r, &err) : gz_req_json(r, &err);
	int rc =
	    in ? fn(NULL, gz_req_actor(r), mob_path_id(r, "id"), in, gz_time_now_ms(), &out, &err)
	       : -1;
	json_decref(in);
	mob_reply(r, rc, status, out, &err);
}

void mob_owner_list(gz_req *r, const char *sql, int64_t owner, const char *text, int key_col,
                    mob_row_fn row, mob_page_fn post)
{
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_req_db(r, &err);
	int limit;
	int64_t after, next = 0, last = 0;
	json_t *items = json_array();
	gz_stmt *st = NULL;
	if (!db || gz_req_list_params(r, &limit, &after, &err) < 0 ||
	    !(st = gz_db_prepare(db, sql, &err)))
		goto fail;
	gz_stmt_bind_int64(st, 1, owner);
	gz_stmt_bind_int64(st, 2, after);
	gz_stmt_bind_int64(st, 3, limit + 1);
	gz_stmt_bind_str(st, 4, text ? text : "");
	int rc;
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		if ((int)json_array_size(items) == limit) {
			next = last;
			break;
		}
		last = gz_stmt_int64(st, key_col);
		json_array_append_new(items, row(r, st));
	}
	gz_stmt_finish(st);
	if (rc < 0 || (post && post(db, items, &err) < 0))
		goto fail;
	gz_reply_json(r, 200, gz_list_json(r, items, next));
	return;
fail:
	json_decref(items);
	gz_reply_err(r, &err);
}

void mob_filtered_list(gz_req *r, const mob_list_spec *s)
{
	gz_err err;
	gz_err_clear(&err);
	const char *code = NULL, *e = gz_req_query(r, s->enum_key);
	int64_t user = 0;
	if (gz_api_code_query(r, s->code_key, s->code_mask, &code, &err) < 0 ||
	    gz_api_id_query(r, "user", &user, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	if (e && !mob_label(s->group, e)) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 %s 无效", s->enum_key);
		gz_err_field(&err, s->enum_key, "%s", s->hint);
		gz_reply_err(r, &err);
		return;
	}
	const char *texts[] = {e};
	int64_t ints[] = {user};
	gz_api_scoped_list(r, &(gz_api_list_query){.sql = s->sql,
	                                           .action = s->action,
	                                           .res = s->res,
	                                           .filter = code,
	                                           .texts = texts,
	                                           .ntexts = 1,
	                                           .ints = ints,
	                                           .nints = 1,
	                                           .row = s->row});
}

void mob_create_handle(gz_req *r, mob_create_fn fn)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *out = NULL, *in = gz_req_json(r, &err);
	int rc = in ? fn(NULL, gz_req_actor(r), in, gz_time_now_ms(), &out, &err) : -1;
	json_decref(in);
	mob_reply(r, rc, 201, out, &err);
}
