/* Photos of cases: uploaded first (POST /api/v1/case-photos, the body is the image), then
 * named by id in a report (POST /api/v1/cases "photos") or an action (handle's feedback,
 * POST /api/v1/cases/{id}/actions "photos"), which attaches them to the case and lists
 * them in its timeline event. A photo is kept only when its bytes are what its
 * Content-Type says (JPEG, PNG or WebP, gz_media_sniff: a PDF sent as image/jpeg is 422)
 * and it is at most 5 MiB (the route's body limit: larger is 413 before it is read).
 * Stored content-addressed in the media store (core/blobstore.h: the file at its SHA-256,
 * written before the upload commits; case_photo_blobs keeps its type and size, and its
 * bytes only for photos uploaded before the store, whose data is not empty) and served
 * by GET /api/v1/cases/{id}/photos/{sha256} to whoever may read the case, with its type;
 * before it is attached nobody but its uploader can name it. */
#include "modules/cases/cases_internal.h"
#include "modules/module.h"
#include "api/common.h"
#include "core/blobstore.h"
#include "core/json.h"
#include "core/media.h"
#include "core/time.h"

#include <stdio.h>
#include <string.h>

#define PHOTO_MAX_BYTES ((size_t)5 << 20)
#define UNCLAIMED_MAX   30 /* photos one account holds that no case uses yet */

static const char *const photo_types[] = {"image/jpeg", "image/png", "image/webp"};

static void photo_upload(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	int which;
	size_t len;
	json_t *out = NULL;
	gz_db *db = NULL;
	const char *body = gz_req_body_of_type(r, photo_types, 3, &which, &len, &err);
	if (!body)
		goto fail;
	if (gz_media_check(photo_types[which], body, len, "JPEG、PNG、WebP", &err) < 0) {
		if (len)
			gz_err_field(&err, "photo", "文件内容不是 %s", photo_types[which]);
		goto fail;
	}
	char hex[GZ_BLOB_HEX];
	if (!(db = gz_req_db(r, &err)) || gz_db_begin(db, &err) < 0)
		goto fail;
	int64_t held = 0, id = 0, now = gz_time_now_ms();
	if (gz_db_query_int64(db,
	                      "SELECT COUNT(*) FROM case_photos WHERE user_id = $1 AND case_id IS "
	                      "NULL",
	                      &held, &err, 1, (int64_t)a->user_id) < 0)
		goto rollback;
	if (held >= UNCLAIMED_MAX) {
		gz_err_set(&err, GZ_ETOOMANY, "too_many_photos",
		           "已上传但未使用的照片已有 %d 张，请先提交", UNCLAIMED_MAX);
		goto rollback;
	}
	/* On disk before the rows naming it commit (after the quota, so a refused upload
	 * costs no disk); the row keeps no bytes (data empty). */
	if (gz_blob_put(body, len, hex, &err) < 0)
		goto rollback;
	gz_stmt *st = gz_db_prepare(db,
	                            "INSERT INTO case_photo_blobs (sha256, media_type, size, data, "
	                            "created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) "
	                            "DO NOTHING",
	                            &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_str(st, 1, hex);
	gz_stmt_bind_str(st, 2, photo_types[which]);
	gz_stmt_bind_int64(st, 3, (int64_t)len);
	gz_stmt_bind_blob(st, 4, "", 0);
	gz_stmt_bind_int64(st, 5, now);
	int rc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	if (rc < 0 || !(st = gz_db_prepare(db,
	                                   "INSERT INTO case_photos (sha256, user_id, created_at) "
	                                   "VALUES ($1, $2, $3) RETURNING id",
	                                   &err)))
		goto rollback;
	gz_stmt_bind_str(st, 1, hex);
	gz_stmt_bind_id(st, 2, a->user_id);
	gz_stmt_bind_int64(st, 3, now);
	rc = gz_stmt_step_id(st, &id, &err);
	gz_stmt_finish(st);
	if (rc < 0)
		goto rollback;
	char scope[GZ_SCOPE_MAX], ids[24];
	gz_actor_scope(a, scope, sizeof scope);
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	json_t *detail = json_pack("{s:s,s:s,s:I}", "sha256", hex, "media_type", photo_types[which],
	                           "size", (json_int_t)len);
	rc = gz_audit(a, db, "case_photo.upload", "case_photo", ids, scope, detail, &err);
	json_decref(detail);
	if (rc < 0)
		goto rollback;
	out = json_pack("{s:o,s:s,s:s,s:I}", "id", gz_api_id_json(id), "sha256", hex, "media_type",
	                photo_types[which], "size", (json_int_t)len);
	if (gz_api_commit(r, db, 201, out, &err) < 0)
		goto rollback;
	gz_reply_json(r, 201, out);
	return;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(out);
	gz_reply_err(r, &err);
}

int case_photos_parse(json_t *in, const char *key, json_t **out, gz_err *err)
{
	json_t *p = json_object_get(in, key);
	*out = NULL;
	if (!p || json_is_null(p))
		return 0;
	if (!json_is_array(p) || json_array_size(p) > CASE_PHOTOS_MAX) {
		gz_err_field(err, key, "应为照片编号的数组，最多 %d 张", CASE_PHOTOS_MAX);
		return -1;
	}
	size_t i;
	json_t *v;
	json_array_foreach(p, i, v)
	{
		const char *s = json_string_value(v);
		if (!s || !gz_api_parse_id(s)) {
			gz_err_field(err, key, "第 %zu 张：应为照片编号", i + 1);
			return -1;
		}
	}
	*out = json_array_size(p) ? p : NULL;
	return 0;
}

int case_photos_attach(gz_db *db, const gz_actor *a, int64_t case_id, const char *key, json_t *ids,
                       json_t **att, gz_err *err)
{
	*att = NULL;
	if (!ids || !json_array_size(ids))
		return 0;
	json_t *list = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(ids, i, v)
	{
		int64_t id = gz_api_parse_id(json_string_value(v));
		gz_stmt *st = gz_db_prepare(db,
		                            "SELECT p.sha256, b.media_type, b.size FROM "
		                            "case_photos p JOIN case_photo_blobs b "
		                            "ON b.sha256 = p.sha256 WHERE p.id = $1 AND p.user_id "
		                            "= $2 AND p.case_id IS NULL",
		                            err);
		if (!st)
			goto fail;
		gz_stmt_bind_int64(st, 1, id);
		gz_stmt_bind_id(st, 2, a->user_id);
		int rc = gz_stmt_step(st, err);
		if (rc == GZ_ROW) {
			char url[160];
			snprintf(url, sizeof url, "/api/v1/cases/%lld/photos/%s",
			         (long long)case_id, gz_stmt_text(st, 0));
			json_array_append_new(
			    list, json_pack("{s:s,s:s,s:I,s:s}", "sha256", gz_stmt_text(st, 0),
			                    "media_type", gz_stmt_text(st, 1), "size",
			                    (json_int_t)gz_stmt_int64(st, 2), "url", url));
		}
		gz_stmt_finish(st);
		if (rc < 0)
			goto fail;
		if (rc == GZ_ROW) {
			if (!(st = gz_db_prepare(
			          db,
			          "UPDATE case_photos SET case_id = $1 WHERE id = $2 AND "
			          "case_id IS NULL",
			          err)))
				goto fail;
			gz_stmt_bind_int64(st, 1, case_id);
			gz_stmt_bind_int64(st, 2, id);
			int u = gz_stmt_step(st, err);
			int64_t changed = u < 0 ? 0 : gz_stmt_changes(st);
			gz_stmt_finish(st);
			if (u < 0)
				goto fail;
			if (changed != 1)
				rc = GZ_DONE; /* taken meanwhile */
		}
		if (rc != GZ_ROW) {
			gz_err_field(err, key, "照片 %lld 不存在、不是您上传的或已被使用",
			             (long long)id);
			gz_json_check(err);
			goto fail;
		}
	}
	*att = list;
	return 0;
fail:
	json_decref(list);
	return -1;
}

/* GET /api/v1/cases/{id}/photos/{sha256}: for whoever may read the case. */
static void photo_get(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	const char *sha = gz_req_param(r, "sha256");
	gz_db *db = gz_req_db(r, &err);
	if (!db) {
		gz_reply_err(r, &err);
		return;
	}
	bool hex = sha && strlen(sha) == 64 && strspn(sha, "0123456789abcdef") == 64;
	case_row c;
	case_access acc = {0};
	int rc = id && hex ? case_load(db, &r->arena, id, &c, &err) : 0;
	if (rc == 1 && case_access_for(a, db, &r->arena, &c, &acc, &err) < 0)
		rc = -1;
	gz_stmt *st = NULL;
	if (rc == 1 && acc.read &&
	    (st = gz_db_prepare(db,
	                        "SELECT b.media_type, b.data FROM case_photos p JOIN "
	                        "case_photo_blobs b ON b.sha256 = p.sha256 WHERE p.case_id = $1 "
	                        "AND p.sha256 = $2 LIMIT 1",
	                        &err))) {
		gz_stmt_bind_int64(st, 1, id);
		gz_stmt_bind_str(st, 2, sha);
		if ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
			gz_api_reply_media(r, gz_stmt_text(st, 0), sha, gz_stmt_blob(st, 1),
			                   gz_stmt_len(st, 1), "private, max-age=86400, immutable",
			                   "inline");
			gz_stmt_finish(st);
			return;
		}
		gz_stmt_finish(st);
	} else if (rc == 1 && acc.read) {
		rc = -1;
	}
	if (rc < 0 && err.kind) {
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_error(r, GZ_ENOTFOUND, "not_found", "没有这张照片");
}

const gz_module_route gz_cases_photo_routes[] = {
    {"POST", "/api/v1/case-photos", photo_upload, 0, PHOTO_MAX_BYTES},
    {"GET", "/api/v1/cases/{id}/photos/{sha256}", photo_get, 0, 0},
    {0},
};
