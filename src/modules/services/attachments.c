/* Files of applications (materials, photos): uploaded first, then named by id in an
 * application. A file is kept only when its bytes are what its Content-Type says (PDF,
 * PNG or JPEG, told by their first bytes, gz_media_sniff) and it is at most 5 MiB (the route's
 * body limit: a larger one is refused before it is read, 413). Until an application uses
 * it only its uploader may use or read it; then whoever may read the application.
 * The bytes are in the media store (core/blobstore.h: the file at their SHA-256, written
 * before the upload commits); service_attachments keeps their type, size and sha256, and
 * the bytes themselves only for files uploaded before the store (data not empty). */
#include "modules/module.h"
#include "modules/services/services.h"
#include "modules/services/svc_internal.h"
#include "api/common.h"
#include "core/blobstore.h"
#include "core/json.h"
#include "core/media.h"
#include "core/utf8.h"

#include <stdio.h>
#include <string.h>

/* Files one account may hold that no application uses yet. */
#define UNCLAIMED_MAX 50

static const char *const media_types[] = {"application/pdf", "image/png", "image/jpeg"};

static json_t *attachment_json(int64_t id, const char *type, int64_t size, const char *sha,
                               const char *name, int64_t at)
{
	return json_pack("{s:o,s:s,s:I,s:s,s:s,s:o}", "id", gz_api_id_json(id), "media_type", type,
	                 "size", (json_int_t)size, "sha256", sha, "name", name, "created_at",
	                 gz_api_time_json(at));
}

json_t *svc_attachment_add(gz_db *db, const gz_actor *a, const char *type, const void *body,
                           size_t len, const char *name, int64_t now, gz_err *err)
{
	if (gz_media_check(type, body, len, "PDF、PNG、JPEG", err) < 0)
		return NULL;
	char hex[GZ_BLOB_HEX];
	int64_t held = 0, id = 0;
	if (gz_db_query_int64(db,
	                      "SELECT COUNT(*) FROM service_attachments WHERE user_id = $1 AND "
	                      "application_id IS NULL",
	                      &held, err, 1, (int64_t)a->user_id) < 0)
		return NULL;
	if (held >= UNCLAIMED_MAX)
		return gz_err_set(err, GZ_ETOOMANY, "too_many_attachments",
		                  "已上传但未使用的文件已有 %d 个，请先提交申请", UNCLAIMED_MAX),
		       NULL;
	/* On disk before the row naming it commits (after the quota, so a refused upload
	 * costs no disk); the row keeps no bytes (data empty). */
	if (gz_blob_put(body, len, hex, err) < 0)
		return NULL;
	gz_stmt *st = gz_db_prepare(db,
	                            "INSERT INTO service_attachments (user_id, media_type, size, "
	                            "sha256, name, data, created_at) VALUES ($1, $2, $3, $4, $5, "
	                            "$6, $7) RETURNING id",
	                            err);
	if (!st)
		return NULL;
	gz_stmt_bind_id(st, 1, a->user_id);
	gz_stmt_bind_str(st, 2, type);
	gz_stmt_bind_int64(st, 3, (int64_t)len);
	gz_stmt_bind_str(st, 4, hex);
	gz_stmt_bind_str(st, 5, name ? name : "");
	gz_stmt_bind_blob(st, 6, "", 0);
	gz_stmt_bind_int64(st, 7, now);
	int rc = gz_stmt_step_id(st, &id, err);
	gz_stmt_finish(st);
	if (rc < 0)
		return NULL;
	char scope[GZ_SCOPE_MAX], ids[24];
	gz_actor_scope(a, scope, sizeof scope);
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	json_t *detail = json_pack("{s:s,s:I}", "media_type", type, "size", (json_int_t)len);
	rc = gz_audit(a, db, "service_attachment.upload", "service_attachment", ids, scope, detail,
	              err);
	json_decref(detail);
	return rc < 0 ? NULL : attachment_json(id, type, (int64_t)len, hex, name ? name : "", now);
}

/* POST /api/v1/service-attachments?name=FILE: the body is the file. */
static void attachment_upload(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	int which;
	size_t len;
	const char *body = gz_req_body_of_type(r, media_types, 3, &which, &len, &err);
	const char *name = gz_req_query(r, "name");
	gz_db *db = NULL;
	json_t *out = NULL;
	if (!body)
		goto fail;
	if (name && (strlen(name) > 200 || gz_utf8_len(name, strlen(name)) > 100)) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "文件名最多 100 个字");
		gz_err_field(&err, "name", "最多 100 个字");
		goto fail;
	}
	/* Checked before the database is touched: a file that is not what it claims costs
	 * nothing but reading it. */
	if (gz_media_check(media_types[which], body, len, "PDF、PNG、JPEG", &err) < 0)
		goto fail;
	if (!(db = gz_req_db(r, &err)) || gz_db_begin(db, &err) < 0)
		goto fail;
	out = svc_attachment_add(db, gz_req_actor(r), media_types[which], body, len, name,
	                         svc_now(r), &err);
	if (!out || gz_api_commit(r, db, 201, out, &err) < 0)
		goto rollback;
	gz_reply_json(r, 201, out);
	return;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(out);
	gz_reply_err(r, &err);
}

/* GET /api/v1/service-attachments/{id}: the file itself. */
static void attachment_get(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	gz_db *db = gz_req_db(r, &err);
	if (!db) {
		gz_reply_err(r, &err);
		return;
	}
	gz_stmt *st =
	    id ? gz_db_prepare(db,
	                       "SELECT user_id, application_id, media_type, data, sha256 FROM "
	                       "service_attachments WHERE id = $1",
	                       &err)
	       : NULL;
	if (!st) {
		if (!err.kind)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这个文件");
		gz_reply_err(r, &err);
		return;
	}
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, &err);
	if (rc != GZ_ROW) {
		gz_stmt_finish(st);
		if (!err.kind)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这个文件");
		gz_reply_err(r, &err);
		return;
	}
	int64_t owner = gz_stmt_isnull(st, 0) ? 0 : gz_stmt_int64(st, 0);
	int64_t app = gz_stmt_isnull(st, 1) ? 0 : gz_stmt_int64(st, 1);
	const char *type = gz_arena_strdup(&r->arena, gz_stmt_text(st, 2));
	const char *sha = gz_arena_strdup(&r->arena, gz_stmt_text(st, 4));
	size_t len = gz_stmt_len(st, 3); /* 0: in the media store */
	char *data = gz_arena_alloc(&r->arena, len + 1);
	if (len)
		memcpy(data, gz_stmt_blob(st, 3), len);
	gz_stmt_finish(st);
	bool ok = owner && owner == a->user_id;
	if (!ok && app) {
		svc_app ap;
		rc = svc_app_load(db, app, &ap, &err);
		if (rc < 0) {
			gz_reply_err(r, &err);
			return;
		}
		ok = rc == 1 && svc_app_may_read(a, &ap, &err) == 0;
	}
	if (!ok) {
		gz_err_clear(&err);
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这个文件");
		gz_reply_err(r, &err);
		return;
	}
	char cd[64];
	snprintf(cd, sizeof cd, "attachment; filename=\"attachment-%lld\"", (long long)id);
	gz_api_reply_media(r, type, sha, data, len, NULL, cd);
}

/* Marks every field and material naming attachment id as unusable. */
static void blame(const json_t *field_defs, const json_t *values, const json_t *materials,
                  int64_t id, gz_err *err)
{
	char ids[24], f[64];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	for (size_t i = 0; i < json_array_size(field_defs); i++) {
		const char *code =
		    json_string_value(json_object_get(json_array_get(field_defs, i), "code"));
		const char *v = json_string_value(json_object_get(values, code ? code : ""));
		if (v && !strcmp(v, ids)) {
			snprintf(f, sizeof f, "fields.%s", code);
			gz_err_field(err, f,
			             "文件 %s 不存在或不能使用（须由本人上传且未用于其他申请）",
			             ids);
		}
	}
	const char *key;
	json_t *list;
	json_object_foreach((json_t *)materials, key, list)
	{
		for (size_t k = 0; k < json_array_size(list); k++) {
			const char *v = json_string_value(json_array_get(list, k));
			if (v && !strcmp(v, ids)) {
				snprintf(f, sizeof f, "materials.%s", key);
				gz_err_field(
				    err, f,
				    "文件 %s 不存在或不能使用（须由本人上传且未用于其他申请）",
				    ids);
			}
		}
	}
}

int svc_attachments_claim(gz_db *db, const gz_actor *actor, int64_t app_id,
                          const json_t *field_defs, const json_t *values, const json_t *materials,
                          const int64_t *ids, size_t n, gz_err *err)
{
	bool bad = false;
	for (size_t i = 0; i < n; i++) {
		gz_stmt *st =
		    gz_db_prepare(db,
		                  "SELECT user_id, application_id FROM service_attachments "
		                  "WHERE id = $1",
		                  err);
		if (!st)
			return -1;
		gz_stmt_bind_int64(st, 1, ids[i]);
		int rc = gz_stmt_step(st, err);
		bool ok = rc == GZ_ROW &&
		          (gz_actor_is_operator(actor) ||
		           (!gz_stmt_isnull(st, 0) && gz_stmt_int64(st, 0) == actor->user_id)) &&
		          (gz_stmt_isnull(st, 1) || gz_stmt_int64(st, 1) == app_id);
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
		if (!ok) {
			blame(field_defs, values, materials, ids[i], err);
			bad = true;
		}
	}
	if (bad)
		return gz_json_check(err);
	for (size_t i = 0; i < n; i++) {
		gz_stmt *st = gz_db_prepare(
		    db, "UPDATE service_attachments SET application_id = $1 WHERE id = $2", err);
		if (!st)
			return -1;
		gz_stmt_bind_int64(st, 1, app_id);
		gz_stmt_bind_int64(st, 2, ids[i]);
		int rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	}
	return 0;
}

const gz_module_route gz_services_attachment_routes[] = {
    {"POST", "/api/v1/service-attachments", attachment_upload, 0, SVC_ATTACHMENT_MAX_BYTES},
    {"GET", "/api/v1/service-attachments/{id}", attachment_get, 0, 0},
    {0},
};
