/* Storage probes: a tiny resource that operators and the test suite use to prove that
 * writes are validated, acknowledged writes survive a crash, and reads come back the
 * same on both drivers. */
#include "modules/module.h"
#include "api/auth.h"
#include "api/common.h"
#include "core/json.h"
#include "core/time.h"
#include "modules/system/system.h"

#include <stdlib.h>

static json_t *probe_json(gz_stmt *st)
{
	char ts[32];
	return json_pack("{s:s,s:s,s:s,s:s}", "id", gz_stmt_text(st, 0), "label",
	                 gz_stmt_text(st, 1), "payload", gz_stmt_text(st, 2), "created_at",
	                 gz_time_rfc3339(gz_stmt_int64(st, 3), ts, sizeof ts));
}

/* Probes are operations data of the whole platform: written only by system_admin,
 * read by the roles the policy gives probe read (any scope of theirs). */
static bool may(gz_req *r, policy_action act)
{
	gz_err err;
	gz_err_clear(&err);
	const char *scopes[1];
	if (gz_auth_scopes(r, act, RES_PROBE, scopes, 1, &err) >= 0)
		return true;
	gz_reply_err(r, &err);
	return false;
}

static void probe_create(gz_req *r)
{
	if (!may(r, ACT_WRITE))
		return;
	gz_err err;
	gz_err_clear(&err);
	json_t *in = gz_req_json(r, &err);
	gz_db *db = in ? gz_req_db(r, &err) : NULL;
	const char *label = NULL, *payload = "";
	gz_stmt *st = NULL;
	if (!db)
		goto fail;
	gz_json_str(in, "label", GZ_REQUIRED, 1, 64, &label, &err);
	gz_json_str(in, "payload", GZ_OPTIONAL, 0, 4000, &payload, &err);
	if (gz_json_check(&err) < 0)
		goto fail;
	if (gz_db_begin(db, &err) < 0)
		goto fail;
	st = gz_db_prepare(db,
	                   "INSERT INTO probes (label, payload, created_at) VALUES ($1, $2, $3) "
	                   "RETURNING CAST(id AS TEXT), label, payload, created_at",
	                   &err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, label);
	gz_stmt_bind_str(st, 2, payload);
	gz_stmt_bind_int64(st, 3, gz_time_now_ms());
	if (gz_stmt_step(st, &err) != GZ_ROW) {
		if (err.kind == GZ_ECONFLICT)
			gz_err_set(&err, GZ_ECONFLICT, "duplicate_label", "label 已存在");
		goto fail;
	}
	json_t *out = probe_json(st);
	/* Drain so the INSERT is complete before the audit row and the commit. */
	while (gz_stmt_step(st, &err) == GZ_ROW)
		;
	gz_stmt_finish(st);
	st = NULL;
	if (gz_audit(gz_req_actor(r), db, "probe.create", "probe",
	             json_string_value(json_object_get(out, "id")), "", NULL, &err) < 0 ||
	    gz_db_commit(db, &err) < 0) {
		json_decref(out);
		goto fail;
	}
	json_decref(in);
	gz_reply_json(r, 201, out);
	return;
fail:
	gz_stmt_finish(st);
	if (db)
		gz_db_rollback(db);
	json_decref(in);
	gz_reply_err(r, &err);
}

static void probe_get(gz_req *r)
{
	if (!may(r, ACT_READ))
		return;
	gz_err err;
	gz_err_clear(&err);
	int64_t id;
	if (!(id = gz_api_parse_id(gz_req_param(r, "id")))) {
		gz_reply_error(r, GZ_ENOTFOUND, "not_found", "没有这条记录");
		return;
	}
	gz_db *db = gz_req_db(r, &err);
	gz_stmt *st = db ? gz_db_prepare(db,
	                                 "SELECT CAST(id AS TEXT), label, payload, created_at FROM "
	                                 "probes WHERE id = $1",
	                                 &err)
	                 : NULL;
	if (!st) {
		gz_reply_err(r, &err);
		return;
	}
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, &err);
	if (rc == GZ_ROW)
		gz_reply_json(r, 200, probe_json(st));
	else if (rc == GZ_DONE)
		gz_reply_error(r, GZ_ENOTFOUND, "not_found", "没有这条记录");
	else
		gz_reply_err(r, &err);
	gz_stmt_finish(st);
}

static void probe_list(gz_req *r)
{
	if (!may(r, ACT_READ))
		return;
	gz_err err;
	gz_err_clear(&err);
	int limit;
	int64_t after;
	if (gz_req_list_params(r, &limit, &after, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	gz_db *db = gz_req_db(r, &err);
	gz_stmt *st =
	    db ? gz_db_prepare(db,
	                       "SELECT CAST(id AS TEXT) AS id_text, label, payload, created_at, id "
	                       "FROM probes WHERE id > $1 ORDER BY probes.id LIMIT $2",
	                       &err)
	       : NULL;
	if (!st) {
		gz_reply_err(r, &err);
		return;
	}
	gz_stmt_bind_int64(st, 1, after);
	gz_stmt_bind_int64(st, 2, limit + 1);
	json_t *items = json_array();
	int64_t last = 0;
	int rc, n = 0;
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		if (n++ == limit)
			break;
		json_array_append_new(items, probe_json(st));
		last = gz_stmt_int64(st, 4);
	}
	gz_stmt_finish(st);
	if (rc < 0) {
		json_decref(items);
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_json(r, 200, gz_list_json(r, items, n > limit ? last : 0));
}

const gz_module_route gz_system_probe_routes[] = {
    {"POST", "/api/v1/probes", probe_create, 0, 0},
    {"GET", "/api/v1/probes", probe_list, 0, 0},
    {"GET", "/api/v1/probes/{id}", probe_get, 0, 0},
    {0},
};
