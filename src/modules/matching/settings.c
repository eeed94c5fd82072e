/* Matching settings (match_settings): B and λ of the objective, the waiting-time part of
 * the weight, the tags' weights and the schedule of the runs — one declared table
 * (settings_defs below: adding a setting is one line there), stored as (scope, name,
 * value) rows. A street's or a community's row overrides the whole system's ('') for
 * runs there; GET/PUT /api/v1/matching/settings read and change them, in scope (policy
 * row match_settings), validated and audited. docs/MATCHING.md, "Settings". */
#include "modules/matching/match_internal.h"
#include "api/fields.h"
#include "api/list.h"
#include "core/json.h"
#include "core/time.h"
#include "modules/module.h"
#include "modules/people/person.h"
#include "modules/space/space.h"

#include <stdio.h>
#include <string.h>

/* The settings, their ranges and defaults (the value when no row holds one). A new
 * setting: one line here (and its reading where it is used: match_settings_at). */
static const match_setting_def settings_defs[] = {
    {"B", "优先系数 B（每个优先权重点折合的米数）", 0, 1000000, 3000, false},
    {"lambda", "均衡系数 λ（同一人每多派一单增加的米数）", 0, 1000000, 300, false},
    {"wait_days", "等待加权：每等待多少天加 1 点（0 为不加）", 0, 365, 7, false},
    {"wait_max", "等待加权最多加几点", 0, 20, 4, false},
    {"equity_boost", "公平加权：上期服务不足的网格或重点人群的需求加几点（0 为不加）", 0,
     NEED_TAG_WEIGHT_MAX, 2, false},
    {"equity_threshold_pct", "网格服务不足线：人均走访低于全街道中位数的百分之几", 0, 100, 50,
     false},
    {"equity_group_pct", "重点人群覆盖不足线：走访覆盖率低于百分之几（0 为不看人群）", 0, 100, 50,
     false},
    {"equity_days", "公平加权的统计期（天）", 1, 366, 90, false},
    {"run_every_hours", "自动匹配间隔（小时，0 为只手动运行；全系统）", 0, 168, 0, true},
    {0},
};

#define TAG_PREFIX "tag:"

bool match_setting_def_find(const char *name, match_setting_def *out)
{
	for (const match_setting_def *d = settings_defs; d->name; d++)
		if (strcmp(d->name, name) == 0) {
			*out = *d;
			return true;
		}
	if (strncmp(name, TAG_PREFIX, strlen(TAG_PREFIX)) == 0) {
		size_t n = 0;
		const person_tag *t = person_tags(&n);
		for (size_t i = 0; i < n; i++)
			if (strcmp(t[i].code, name + strlen(TAG_PREFIX)) == 0) {
				*out = (match_setting_def){name, t[i].label, 0, NEED_TAG_WEIGHT_MAX,
				                           0,    false};
				return true;
			}
	}
	return false;
}

/* Every setting's name, in order: the declared ones, then one per resident tag. */
static json_t *setting_names(void)
{
	json_t *names = json_array();
	for (const match_setting_def *d = settings_defs; d->name; d++)
		json_array_append_new(names, json_string(d->name));
	size_t n = 0;
	const person_tag *t = person_tags(&n);
	for (size_t i = 0; i < n; i++) {
		char name[96];
		snprintf(name, sizeof name, TAG_PREFIX "%s", t[i].code);
		json_array_append_new(names, json_string(name));
	}
	return names;
}

int match_settings_at(gz_db *db, const char *scope, json_t **values, json_t **from, gz_err *err)
{
	*values = json_object();
	if (from)
		*from = json_object();
	char street[16] = "", community[16] = "";
	if (strlen(scope) >= 9)
		snprintf(street, sizeof street, "%.9s", scope);
	if (strlen(scope) >= 12)
		snprintf(community, sizeof community, "%.12s", scope);
	/* Defaults, then the whole system's rows, the street's, the community's. */
	for (const match_setting_def *d = settings_defs; d->name; d++)
		json_object_set_new(*values, d->name, json_integer(d->def));
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT scope, name, value FROM match_settings WHERE scope IN "
	                            "('', $1, $2) ORDER BY LENGTH(scope), name",
	                            err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, street);
	gz_stmt_bind_str(st, 2, community);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		match_setting_def d;
		const char *name = gz_stmt_text(st, 1);
		if (!match_setting_def_find(name, &d))
			continue; /* a row nobody declares any more */
		if (d.system_only && gz_stmt_text(st, 0)[0])
			continue;
		json_object_set_new(*values, name, json_integer(gz_stmt_int64(st, 2)));
		if (from)
			json_object_set_new(*from, name, json_string(gz_stmt_text(st, 0)));
	}
	gz_stmt_finish(st);
	if (rc >= 0)
		return 0;
fail:
	json_decref(*values);
	*values = NULL;
	if (from) {
		json_decref(*from);
		*from = NULL;
	}
	return -1;
}

int64_t match_settings_value(json_t *values, const char *name)
{
	return json_integer_value(json_object_get(values, name));
}

/* ================================================================ the API */

/* The place a scope code names ("" the whole system), into out. */
static int scope_name(gz_db *db, const char *scope, char *out, size_t cap, gz_err *err)
{
	snprintf(out, cap, "%s", scope[0] ? scope : "全系统");
	if (!scope[0])
		return 0;
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT name FROM communities WHERE code = $1 UNION ALL SELECT "
	    "name FROM streets WHERE code = $1 UNION ALL SELECT name FROM grids WHERE code = $1",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, scope);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW)
		snprintf(out, cap, "%s", gz_stmt_text(st, 0));
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* {scope, scope_name, items: [{name, label, value, min, max, default, from, from_name,
 * here, system_only}]}: each setting's value in force at scope, where it was set ("" the
 * whole system, null the default; by name) and whether it is set at scope itself. */
static json_t *settings_json(gz_db *db, const char *scope, gz_err *err)
{
	json_t *values = NULL, *from = NULL;
	char name[256];
	if (scope_name(db, scope, name, sizeof name, err) < 0 ||
	    match_settings_at(db, scope, &values, &from, err) < 0)
		return NULL;
	json_t *items = json_array(), *names = setting_names(), *v, *from_names = json_object();
	size_t i;
	const char *fk;
	json_object_foreach(from, fk, v)
	{
		const char *code = json_string_value(v);
		char nm[256];
		if (json_object_get(from_names, code))
			continue;
		if (scope_name(db, code, nm, sizeof nm, err) < 0) {
			json_decref(items);
			json_decref(names);
			json_decref(values);
			json_decref(from);
			json_decref(from_names);
			return NULL;
		}
		json_object_set_new(from_names, code, json_string(nm));
	}
	json_array_foreach(names, i, v)
	{
		match_setting_def d;
		const char *key = json_string_value(v);
		match_setting_def_find(key, &d);
		json_t *f = json_object_get(from, key);
		json_array_append_new(
		    items,
		    json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:O,s:O,s:b,s:b}", "name", key, "label",
		              d.label, "value", (json_int_t)match_settings_value(values, key),
		              "min", (json_int_t)d.min, "max", (json_int_t)d.max, "default",
		              (json_int_t)d.def, "from", f ? f : json_null(), "from_name",
		              f ? json_object_get(from_names, json_string_value(f)) : json_null(),
		              "here", f && strcmp(json_string_value(f), scope) == 0, "system_only",
		              d.system_only));
	}
	json_decref(names);
	json_decref(values);
	json_decref(from);
	json_decref(from_names);
	return json_pack("{s:s,s:s,s:o}", "scope", scope, "scope_name", name, "items", items);
}

/* scope: "" (the whole system), a street, a community or (to read) a grid that exists, in the
 * actor's scopes for act (404 otherwise, as for a place that does not exist). */
static int settings_scope_check(gz_db *db, const gz_actor *a, policy_action act, const char *scope,
                                gz_err *err)
{
	if (scope[0]) {
		int rc = gz_space_node_exists(db, scope, err);
		if (rc <= 0)
			return rc < 0 ? -1
			              : gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这条记录");
	}
	return match_scope_check(a, act, RES_MATCH_SETTINGS, scope, err);
}

/* GET /api/v1/matching/settings?scope= (default: the whole system; a grid: its
 * community's, as a run there uses them) */
static void settings_get(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const char *scope = NULL;
	json_t *out = NULL;
	gz_db *db = NULL;
	if (gz_api_code_query(r, "scope", GZ_API_AT_STREET | GZ_API_AT_COMMUNITY | GZ_API_AT_GRID,
	                      &scope, &err) == 0 &&
	    (db = gz_req_db(r, &err)) &&
	    settings_scope_check(db, gz_req_actor(r), ACT_READ, scope ? scope : "", &err) == 0)
		out = settings_json(db, scope ? scope : "", &err);
	if (!out) {
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_json(r, 200, out);
}

static void settings_get_h(gz_req *r)
{
	gz_api_read(r, settings_get);
}

/* Validates {scope?, values: {name: integer | null}} into *scope and *values (borrowed):
 * unknown keys 400, bad values 422 naming each. */
static int settings_parse(json_t *in, const char **scope, json_t **values, gz_err *err)
{
	const char *key;
	json_t *v;
	json_object_foreach(in, key, v) if (strcmp(key, "scope") && strcmp(key, "values"))
	    gz_err_field(err, key, "未知字段");
	*values = json_object_get(in, "values");
	if (!err->nfields && json_is_object(*values))
		json_object_foreach(*values, key, v)
		{
			match_setting_def d;
			if (!match_setting_def_find(key, &d)) {
				char f[160];
				snprintf(f, sizeof f, "values.%s", key);
				gz_err_field(err, f, "没有这项设置");
			}
		}
	if (err->nfields)
		return gz_err_set(err, GZ_EBADREQ, "unknown_setting", "有未知的设置项");
	*scope = "";
	if (json_object_get(in, "scope") && !json_is_string(json_object_get(in, "scope")))
		gz_err_field(err, "scope", "应为街道或社区编码，或空字符串（全系统）");
	else if (json_string_length(json_object_get(in, "scope")))
		gz_api_code_field(in, "scope", GZ_REQUIRED, GZ_API_AT_STREET | GZ_API_AT_COMMUNITY,
		                  scope, err);
	if (!json_is_object(*values) || json_object_size(*values) == 0)
		gz_err_field(err, "values", "应为至少一项设置 {名称: 整数}");
	else
		json_object_foreach(*values, key, v)
		{
			match_setting_def d;
			char f[160];
			snprintf(f, sizeof f, "values.%s", key);
			match_setting_def_find(key, &d);
			if (json_is_null(v)) {
				if (!(*scope)[0])
					gz_err_field(err, f, "全系统的设置不能清除，请给出数值");
			} else if (!json_is_integer(v) || json_integer_value(v) < d.min ||
			           json_integer_value(v) > d.max)
				gz_err_field(err, f, "应为 %lld 到 %lld 的整数", (long long)d.min,
				             (long long)d.max);
			else if (d.system_only && (*scope)[0])
				gz_err_field(err, f, "只能在全系统设置");
		}
	return gz_json_check(err);
}

/* PUT /api/v1/matching/settings {scope?, values: {name: integer | null (back to what the
 * wider scope says)}} */
int gz_match_settings_put(gz_db *db, const gz_actor *a, json_t *in, int64_t now, json_t **out,
                          gz_err *err)
{
	*out = NULL;
	const char *scope = "";
	json_t *values = NULL;
	if (settings_parse(in, &scope, &values, err) < 0 ||
	    !(db || (db = gz_req_db(a->req, err))) ||
	    settings_scope_check(db, a, ACT_WRITE, scope, err) < 0 || gz_db_begin(db, err) < 0)
		return -1;
	json_t *before = NULL, *changes = json_object(), *ans = NULL;
	if (match_settings_at(db, scope, &before, NULL, err) < 0)
		goto fail;
	const char *key;
	json_t *v;
	json_object_foreach(values, key, v)
	{
		gz_stmt *st = gz_db_prepare(
		    db,
		    json_is_null(v) ? "DELETE FROM match_settings WHERE scope = $1 AND name = $2"
		                    : "INSERT INTO match_settings (scope, name, value, updated_at, "
		                      "updated_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (scope, "
		                      "name) DO UPDATE SET value = excluded.value, updated_at = "
		                      "excluded.updated_at, updated_by = excluded.updated_by",
		    err);
		if (!st)
			goto fail;
		gz_stmt_bind_str(st, 1, scope);
		gz_stmt_bind_str(st, 2, key);
		if (!json_is_null(v)) {
			gz_stmt_bind_int64(st, 3, json_integer_value(v));
			gz_stmt_bind_int64(st, 4, now);
			gz_stmt_bind_str(st, 5, a->username);
		}
		int rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			goto fail;
		json_object_set_new(changes, key,
		                    json_pack("{s:O,s:O}", "from",
		                              json_object_get(before, key)
		                                  ? json_object_get(before, key)
		                                  : json_null(),
		                              "to", v));
	}
	json_t *detail = json_pack("{s:s,s:O}", "scope", scope, "changes", changes);
	int arc =
	    gz_audit(a, db, "match.settings_update", "match_settings", scope, scope, detail, err);
	json_decref(detail);
	if (arc < 0 || !(ans = settings_json(db, scope, err)))
		goto fail;
	json_decref(before);
	json_decref(changes);
	return match_finish(a, db, 200, ans, out, err);
fail:
	gz_db_rollback(db);
	json_decref(before);
	json_decref(changes);
	return -1;
}

static void settings_put(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *out = NULL, *in = gz_req_json(r, &err);
	int rc = in ? gz_match_settings_put(NULL, gz_req_actor(r), in, gz_time_now_ms(), &out, &err)
	            : -1;
	json_decref(in);
	if (rc < 0)
		gz_reply_err(r, &err);
	else
		gz_reply_json(r, 200, out);
}

const gz_module_route gz_match_settings_routes[] = {
    {"GET", "/api/v1/matching/settings", settings_get_h, 0, 0},
    {"PUT", "/api/v1/matching/settings", settings_put, 0, 0},
    {0},
};
