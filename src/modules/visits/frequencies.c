/* Visit frequencies per resident tag (GET /visit-frequencies, PUT
 * /visit-frequencies/{tag}): defaults at "" (seeded by the migration), overridden by a
 * street or a community for its own residents. The narrowest setting decides (rules.h). */
#include "modules/visits/visits_internal.h"
#include "api/common.h"
#include "core/json.h"
#include "core/time.h"
#include "modules/module.h"
#include "modules/people/person.h"

#include <stdio.h>
#include <string.h>

/* The setting that decides for tag at place: its index in fs, or -1 (none applies). */
static int deciding(const visits_freqs *fs, const char *tag, const char *place)
{
	int best = -1;
	for (size_t i = 0; i < fs->n; i++)
		if (!strcmp(fs->f[i].tag, tag) && policy_scope_contains(fs->f[i].scope, place) &&
		    (best < 0 || strlen(fs->f[i].scope) > strlen(fs->f[best].scope)))
			best = (int)i;
	return best;
}

static json_t *setting_json(const visits_freqs *fs, const char *code, const char *label,
                            bool sensitive, const char *place)
{
	int i = deciding(fs, code, place);
	int iv = i >= 0 ? fs->f[i].interval_days : 0;
	json_t *here = json_null();
	for (size_t k = 0; k < fs->n; k++)
		if (!strcmp(fs->f[k].tag, code) && !strcmp(fs->f[k].scope, place))
			here = json_integer(fs->f[k].interval_days);
	return json_pack("{s:s,s:s,s:b,s:o,s:o,s:o}", "tag", code, "label", label, "sensitive",
	                 sensitive, "interval_days", iv > 0 ? json_integer(iv) : json_null(),
	                 "set_at", i >= 0 ? json_string(fs->f[i].scope) : json_null(), "here",
	                 here);
}

/* A place where frequencies may be set: "" (everywhere), a street or a community. */
static bool settable(const char *scope)
{
	const char *why;
	return !scope[0] || space_code_check(scope, SPACE_STREET, &why) == 0 ||
	       space_code_check(scope, SPACE_COMMUNITY, &why) == 0;
}

/* GET /visit-frequencies?scope=: the frequency of every tag at the place (default: the
 * caller's first place where they read visits), where it is set, and whether the caller
 * may change it there ("editable"). */
static void freq_answer(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	visits_freqs fs = {0};
	json_t *items = NULL;
	const char *scope = gz_req_query(r, "scope"), *own[GZ_AUTH_MAX_GRANTS];
	gz_db *db = gz_req_db(r, &err);
	if (!db)
		goto fail;
	if (!scope) {
		if (gz_auth_scopes(r, ACT_READ, RES_VISIT, own, GZ_AUTH_MAX_GRANTS, &err) < 0)
			goto fail;
		scope = own[0];
	} else if (scope[0] && space_code_level(scope) < 0) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 scope 无效");
		gz_err_field(&err, "scope", "应为街道、社区或网格编码");
		goto fail;
	}
	if (gz_auth_check(r, ACT_READ, RES_VISIT, scope, &err) < 0)
		goto fail;
	gz_err e2;
	gz_err_clear(&e2);
	bool editable = settable(scope) && gz_auth_check(r, ACT_ADMIN, RES_VISIT, scope, &e2) == 0;
	char hi[GZ_SCOPE_MAX + 2];
	policy_scope_upper(scope, hi, sizeof hi);
	if (visits_freqs_load(db, scope, hi, &fs, &err) < 0)
		goto fail;
	items = json_array();
	size_t nt;
	const person_tag *t = person_tags(&nt);
	for (size_t i = 0; i < nt; i++)
		json_array_append_new(
		    items, setting_json(&fs, t[i].code, t[i].label, t[i].sensitive, scope));
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT code, label, sensitive FROM resident_tag_defs ORDER BY created_at, code",
	    &err);
	if (!st)
		goto fail;
	int rc;
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW)
		json_array_append_new(items,
		                      setting_json(&fs, gz_stmt_text(st, 0), gz_stmt_text(st, 1),
		                                   gz_stmt_int64(st, 2) != 0, scope));
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;
	visits_freqs_free(&fs);
	gz_reply_json(r, 200,
	              json_pack("{s:s,s:b,s:o,s:i}", "scope", scope, "editable", editable, "items",
	                        items, "grace_days", VISIT_GRACE_DAYS));
	return;
fail:
	visits_freqs_free(&fs);
	json_decref(items);
	gz_reply_err(r, &err);
}

static void freq_get(gz_req *r)
{
	gz_api_read(r, freq_answer);
}

/* PUT /visit-frequencies/{tag} {scope, interval_days}: at scope ("" for the defaults, a
 * street or a community), residents holding tag are visited every interval_days days
 * (1..365); 0: no regular visits there; null: remove the setting of that place, so the
 * wider one decides. Visit admin at scope (404 outside the caller's scopes). Audited
 * "visit_frequency.set" {tag, from, to} at scope. Answers the tag's setting at scope. */
static void freq_put(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const char *tag = gz_req_param(r, "tag"), *scope = NULL;
	json_t *in = gz_req_json(r, &err), *out = NULL;
	gz_db *db = NULL;
	int64_t iv = -1;
	bool remove = false;
	char label[64] = "";
	bool sensitive = false;
	visits_freqs fs = {0};
	if (!in)
		goto fail;
	gz_json_str(in, "scope", GZ_REQUIRED, 0, 15, &scope, &err);
	if (scope && !settable(scope))
		gz_err_field(&err, "scope", "应为街道或社区编码（空字符串：全部地区的默认值）");
	json_t *v = json_object_get(in, "interval_days");
	if (!v)
		gz_err_field(&err, "interval_days",
		             "必填：1–365 天，0 不定期走访，null 使用上级设置");
	else if (json_is_null(v))
		remove = true;
	else
		gz_json_int(in, "interval_days", GZ_REQUIRED, 0, VISIT_INTERVAL_MAX, &iv, &err);
	if (gz_json_check(&err) < 0 || !(db = gz_req_db(r, &err)))
		goto fail;
	int known = visits_tag_info(db, tag, label, sizeof label, &sensitive, &err);
	if (known < 0)
		goto fail;
	if (!known) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这个居民标签");
		goto fail;
	}
	if (gz_auth_check(r, ACT_ADMIN, RES_VISIT, scope, &err) < 0 || gz_db_begin(db, &err) < 0)
		goto fail;
	int64_t old = -1;
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "SELECT COALESCE(interval_days, 0) FROM visit_frequencies WHERE "
	                  "scope = $1 AND tag_code = $2",
	                  &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_str(st, 1, scope);
	gz_stmt_bind_str(st, 2, tag);
	int rc = gz_stmt_step(st, &err);
	old = rc == GZ_ROW ? gz_stmt_int64(st, 0) : -1;
	gz_stmt_finish(st);
	if (rc < 0)
		goto rollback;
	st = gz_db_prepare(db,
	                   remove
	                       ? "DELETE FROM visit_frequencies WHERE scope = $1 AND tag_code = $2"
	                       : "INSERT INTO visit_frequencies (scope, tag_code, interval_days, "
	                         "updated_at, updated_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT "
	                         "(scope, tag_code) DO UPDATE SET interval_days = "
	                         "excluded.interval_days, updated_at = excluded.updated_at, "
	                         "updated_by = excluded.updated_by",
	                   &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_str(st, 1, scope);
	gz_stmt_bind_str(st, 2, tag);
	if (!remove) {
		if (iv > 0)
			gz_stmt_bind_int64(st, 3, iv);
		else
			gz_stmt_bind_null(st, 3);
		gz_stmt_bind_int64(st, 4, gz_time_now_ms());
		gz_stmt_bind_str(st, 5, gz_req_actor(r)->username);
	}
	rc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	if (rc < 0)
		goto rollback;
	json_t *detail = json_pack("{s:s,s:o,s:o}", "tag", tag, "from",
	                           old >= 0 ? json_integer(old) : json_null(), "to",
	                           remove ? json_null() : json_integer(iv));
	rc = gz_audit(gz_req_actor(r), db, "visit_frequency.set", "visit_frequency", tag, scope,
	              detail, &err);
	json_decref(detail);
	char hi[GZ_SCOPE_MAX + 2];
	policy_scope_upper(scope, hi, sizeof hi);
	if (rc < 0 || visits_freqs_load(db, scope, hi, &fs, &err) < 0)
		goto rollback;
	out = setting_json(&fs, tag, label, sensitive, scope);
	json_object_set_new(out, "scope", json_string(scope));
	if (gz_api_commit(r, db, 200, out, &err) < 0)
		goto rollback;
	visits_freqs_free(&fs);
	json_decref(in);
	gz_reply_json(r, 200, out);
	return;
rollback:
	gz_db_rollback(db);
fail:
	visits_freqs_free(&fs);
	json_decref(out);
	json_decref(in);
	gz_reply_err(r, &err);
}

const gz_module_route gz_visits_freq_routes[] = {
    {"GET", "/api/v1/visit-frequencies", freq_get, 0, 0},
    {"PUT", "/api/v1/visit-frequencies/{tag}", freq_put, 0, 0},
    {0},
};
