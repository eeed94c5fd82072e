/* Configurable resident tags: list and create (system administrators only). */
#include "modules/people/people_internal.h"
#include "modules/module.h"
#include "api/list.h"
#include "api/ratelimit.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/time.h"
#include "core/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ tags */

static void tag_list(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *items = json_array();
	size_t n;
	const person_tag *t = person_tags(&n);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, json_pack("{s:s,s:s,s:b,s:b}", "code", t[i].code,
		                                       "label", t[i].label, "sensitive",
		                                       t[i].sensitive, "builtin", 1));
	gz_db *db = gz_req_db(r, &err);
	gz_stmt *st =
	    db ? gz_db_prepare(db,
	                       "SELECT code, label, sensitive FROM resident_tag_defs ORDER "
	                       "BY created_at, code",
	                       &err)
	       : NULL;
	int rc = -1;
	if (st) {
		while ((rc = gz_stmt_step(st, &err)) == GZ_ROW)
			json_array_append_new(
			    items, json_pack("{s:s,s:s,s:b,s:b}", "code", gz_stmt_text(st, 0),
			                     "label", gz_stmt_text(st, 1), "sensitive",
			                     gz_stmt_int64(st, 2) != 0, "builtin", 0));
		gz_stmt_finish(st);
	}
	if (rc < 0) {
		json_decref(items);
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_json(r, 200, json_pack("{s:o,s:n}", "items", items, "next_cursor"));
}

/* POST /resident-tags {code, label, sensitive = true}: a deployment's own tag. Resident
 * admin over the whole system (scope ""). */
static void tag_create(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *in = gz_req_json(r, &err);
	const char *code = NULL, *label = NULL;
	bool sensitive = true;
	gz_db *db = NULL;
	if (!in)
		goto fail;
	gz_json_str(in, "code", GZ_REQUIRED, 1, 32, &code, &err);
	gz_json_str(in, "label", GZ_REQUIRED, 1, 16, &label, &err);
	gz_json_bool(in, "sensitive", GZ_OPTIONAL, &sensitive, &err);
	if (code && !resident_tag_code_valid(code))
		gz_err_field(&err, "code", "应为 1–32 个小写字母、数字或下划线，以字母开头");
	if ((code && person_tag_find(code)) || (label && person_tag_find(label)))
		gz_err_field(&err, code && person_tag_find(code) ? "code" : "label",
		             "与内置标签重复");
	if (label) {
		size_t a, l;
		if (resident_name_check(label, strlen(label), &a, &l, NULL) < 0 || a ||
		    l != strlen(label) || strpbrk(label, ",; \t") || strstr(label, "、") ||
		    strstr(label, "，") || strstr(label, "；") || strstr(label, "\xe3\x80\x80"))
			gz_err_field(&err, "label", "不能含分隔符（、，,；; 或空格）");
	}
	if (gz_auth_check(r, ACT_ADMIN, RES_RESIDENT, "", &err) < 0 || gz_json_check(&err) < 0 ||
	    !(db = gz_req_db(r, &err)) || gz_db_begin(db, &err) < 0)
		goto fail;
	gz_stmt *st = gz_db_prepare(db,
	                            "INSERT INTO resident_tag_defs (code, label, sensitive, "
	                            "created_at) VALUES ($1, $2, $3, $4)",
	                            &err);
	int rc = -1;
	if (st) {
		gz_stmt_bind_str(st, 1, code);
		gz_stmt_bind_str(st, 2, label);
		gz_stmt_bind_int64(st, 3, sensitive);
		gz_stmt_bind_int64(st, 4, gz_time_now_ms());
		rc = gz_stmt_step(st, &err);
		gz_stmt_finish(st);
	}
	if (rc < 0) {
		gz_db_rollback(db);
		if (err.kind == GZ_ECONFLICT) {
			gz_err_set(&err, GZ_ECONFLICT, "duplicate_tag", "标签代码或名称已存在");
			gz_err_field(&err, "code", "代码或名称已存在");
		}
		goto fail;
	}
	json_t *detail =
	    json_pack("{s:s,s:s,s:b}", "code", code, "label", label, "sensitive", sensitive);
	rc = gz_audit(gz_req_actor(r), db, "resident_tag.create", "resident_tag", code, "", detail,
	              &err);
	json_decref(detail);
	json_t *out = json_pack("{s:s,s:s,s:b,s:b}", "code", code, "label", label, "sensitive",
	                        sensitive, "builtin", 0);
	if (rc < 0 || gz_api_commit(r, db, 201, out, &err) < 0) {
		json_decref(out);
		gz_db_rollback(db);
		goto fail;
	}
	json_decref(in);
	gz_reply_json(r, 201, out);
	return;
fail:
	json_decref(in);
	gz_reply_err(r, &err);
}

const gz_module_route gz_people_tag_routes[] = {
    {"GET", "/api/v1/resident-tags", tag_list, 0, 0},
    {"POST", "/api/v1/resident-tags", tag_create, 0, 0},
    {0},
};
