/* Attachments of meetings (议事会): the signed minutes as a PDF, photos of the meeting.
 * Uploaded by whoever may record the meeting (admin on deliberation at the topic's place,
 * while the topic's stage allows recording a meeting: meeting or voting), listed with the
 * meeting in the topic (GET /api/v1/topics/{id}: "meetings"[].attachments), downloaded by
 * everyone who may read the topic, and deleted by whoever may record the meeting while it
 * may still be recorded. A file is kept only when its bytes are what its Content-Type says
 * (PDF, JPEG, PNG or WebP, gz_media_sniff) and it is at most 10 MiB (the route's body
 * limit: larger is 413 before it is read). Stored content-addressed in the media store
 * (core/blobstore.h), as the cases module's photos are: topic_meeting_blobs keeps each
 * file's type and size by SHA-256, and its bytes only for files uploaded before the
 * store (data not empty). Deleting the last attachment of a file deletes its row; the
 * file on disk stays (another meeting, photo or attachment may share it).
 *
 * POST   /api/v1/topics/{id}/meetings/{meeting_id}/attachments?name=FILE   admin
 * GET    /api/v1/topics/{id}/meetings/{meeting_id}/attachments/{attachment_id}   read
 * DELETE /api/v1/topics/{id}/meetings/{meeting_id}/attachments/{attachment_id}   admin */
#include "api/common.h"
#include "core/blobstore.h"
#include "core/json.h"
#include "core/media.h"
#include "core/time.h"
#include "core/utf8.h"
#include "domain/space_code.h"
#include "modules/deliberation/delib_internal.h"
#include "modules/deliberation/topic.h"
#include "modules/module.h"

#include <stdio.h>
#include <string.h>

#define MEETING_FILE_MAX_BYTES ((size_t)10 << 20)
#define MEETING_FILES_MAX      20 /* files of one meeting */
#define MEETING_FILE_NAME_MAX  100

static const char *const file_types[] = {"application/pdf", "image/jpeg", "image/png",
                                         "image/webp"};

int delib_meeting_files_json(gz_db *db, int64_t topic_id, json_t *meetings, gz_err *err)
{
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "SELECT a.meeting_id, a.id, a.name, b.media_type, b.size, "
	                  "a.sha256, a.username, a.created_at FROM "
	                  "topic_meeting_attachments a JOIN topic_meetings m ON m.id = "
	                  "a.meeting_id JOIN topic_meeting_blobs b ON b.sha256 = a.sha256 "
	                  "WHERE m.topic_id = $1 ORDER BY a.meeting_id, a.id",
	                  err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, topic_id);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		char mid[24], url[160];
		snprintf(mid, sizeof mid, "%lld", (long long)gz_stmt_int64(st, 0));
		snprintf(url, sizeof url, "/api/v1/topics/%lld/meetings/%s/attachments/%lld",
		         (long long)topic_id, mid, (long long)gz_stmt_int64(st, 1));
		size_t i;
		json_t *m;
		json_array_foreach(meetings, i, m)
		{
			if (strcmp(json_string_value(json_object_get(m, "id")), mid) != 0)
				continue;
			json_t *list = json_object_get(m, "attachments");
			if (!list)
				json_object_set_new(m, "attachments", (list = json_array()));
			json_array_append_new(
			    list, json_pack("{s:o,s:s,s:s,s:I,s:s,s:s,s:o,s:s}", "id",
			                    gz_api_id_json(gz_stmt_int64(st, 1)), "name",
			                    gz_stmt_text(st, 2), "media_type", gz_stmt_text(st, 3),
			                    "size", (json_int_t)gz_stmt_int64(st, 4), "sha256",
			                    gz_stmt_text(st, 5), "uploaded_by", gz_stmt_text(st, 6),
			                    "created_at", gz_api_time_json(gz_stmt_int64(st, 7)),
			                    "url", url));
			break;
		}
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* In the open transaction: the topic and meeting of the path, the actor's check for
 * action and, for writes, whether the topic's stage allows recording a meeting. 0, or -1
 * with err (404 unknown topic or meeting or out of scope, 403, 409). */
static int meeting_for(gz_req *r, gz_db *db, policy_action action, int64_t *id, int64_t *mid,
                       char *scope, gz_err *err)
{
	int64_t t = 0;
	*mid = gz_api_parse_id(gz_req_param(r, "meeting_id"));
	if (delib_topic_for(r, db, action, action == ACT_READ ? -1 : TOPIC_DO_MEETING, id, scope,
	                    err) < 0)
		return -1;
	int rc = *mid ? gz_db_query_int64(db, "SELECT topic_id FROM topic_meetings WHERE id = $1",
	                                  &t, err, 1, *mid)
	              : 0;
	if (rc < 0)
		return -1;
	if (rc == 0 || t != *id)
		return gz_err_set(err, GZ_ENOTFOUND, "not_found", "本议题没有这次议事会");
	return 0;
}

int delib_meeting_file_add(gz_db *db, const gz_actor *a, int64_t mid, const char *type,
                           const void *data, size_t len, char sha256[GZ_BLOB_HEX], const char *name,
                           int64_t at, int64_t *id, gz_err *err)
{
	/* On disk before the rows naming it commit; the row keeps no bytes (data empty). */
	if (gz_blob_put(data, len, sha256, err) < 0)
		return -1;
	gz_stmt *st = gz_db_prepare(db,
	                            "INSERT INTO topic_meeting_blobs (sha256, media_type, size, "
	                            "data, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT "
	                            "(sha256) DO NOTHING",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, sha256);
	gz_stmt_bind_str(st, 2, type);
	gz_stmt_bind_int64(st, 3, (int64_t)len);
	gz_stmt_bind_blob(st, 4, "", 0);
	gz_stmt_bind_int64(st, 5, at);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	if (rc < 0 || !(st = gz_db_prepare(db,
	                                   "INSERT INTO topic_meeting_attachments (meeting_id, "
	                                   "sha256, name, user_id, username, created_at) VALUES "
	                                   "($1, $2, $3, $4, $5, $6) RETURNING id",
	                                   err)))
		return -1;
	gz_stmt_bind_int64(st, 1, mid);
	gz_stmt_bind_str(st, 2, sha256);
	gz_stmt_bind_str(st, 3, name);
	gz_stmt_bind_id(st, 4, a->user_id);
	gz_stmt_bind_str(st, 5, a->username);
	gz_stmt_bind_int64(st, 6, at);
	rc = gz_stmt_step_id(st, id, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

static void file_upload(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	int which;
	size_t len;
	gz_db *db = NULL;
	const char *body = gz_req_body_of_type(r, file_types, 4, &which, &len, &err);
	const char *name = gz_req_query(r, "name");
	if (!body)
		goto fail;
	if (!name)
		name = "";
	size_t nlen = strlen(name);
	bool plain = !strpbrk(name, "\"\\/");
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		plain = plain && *p >= 0x20 && *p != 0x7f;
	if (!plain || !gz_utf8_valid(name, nlen) ||
	    gz_utf8_len(name, nlen) > MEETING_FILE_NAME_MAX) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "文件名最多 %d 个字，不含引号和斜杠",
		           MEETING_FILE_NAME_MAX);
		gz_err_field(&err, "name", "最多 %d 个字，不含引号和斜杠", MEETING_FILE_NAME_MAX);
		goto fail;
	}
	/* Checked before the database is touched: a file that is not what it claims costs
	 * nothing but reading it. */
	if (gz_media_check(file_types[which], body, len, "PDF、JPEG、PNG、WebP", &err) < 0)
		goto fail;
	char hex[GZ_BLOB_HEX];
	if (!(db = gz_req_db(r, &err)) || gz_db_begin(db, &err) < 0)
		goto fail;
	int64_t id, mid, fid = 0, count = 0, now = gz_time_now_ms();
	char scope[SPACE_CODE_SIZE];
	if (meeting_for(r, db, ACT_ADMIN, &id, &mid, scope, &err) < 0)
		goto rollback;
	if (gz_db_query_int64(
	        db, "SELECT COUNT(*) FROM topic_meeting_attachments WHERE meeting_id = $1", &count,
	        &err, 1, mid) < 0)
		goto rollback;
	if (count >= MEETING_FILES_MAX) {
		gz_err_set(&err, GZ_ECONFLICT, "too_many_attachments", "一次议事会最多 %d 个附件",
		           MEETING_FILES_MAX);
		goto rollback;
	}
	int rc = delib_meeting_file_add(db, a, mid, file_types[which], body, len, hex, name, now,
	                                &fid, &err);
	if (rc < 0 ||
	    delib_audit_topic(a, db, "topic.meeting_attachment", id, scope,
	                      json_pack("{s:o,s:o,s:s,s:s,s:I}", "meeting_id", gz_api_id_json(mid),
	                                "attachment_id", gz_api_id_json(fid), "sha256", hex,
	                                "media_type", file_types[which], "size", (json_int_t)len),
	                      &err) < 0)
		goto rollback;
	delib_reply_write(r, db, 201, delib_topic_json(db, a, id, &err), &err);
	return;
rollback:
	gz_db_rollback(db);
fail:
	gz_reply_err(r, &err);
}

static void file_get_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t id, mid, fid = gz_api_parse_id(gz_req_param(r, "attachment_id"));
	char scope[SPACE_CODE_SIZE];
	gz_db *db = gz_req_db(r, &err);
	if (!db || meeting_for(r, db, ACT_READ, &id, &mid, scope, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	gz_stmt *st = fid ? gz_db_prepare(db,
	                                  "SELECT b.media_type, b.data, a.name, a.sha256 FROM "
	                                  "topic_meeting_attachments a JOIN topic_meeting_blobs b "
	                                  "ON b.sha256 = a.sha256 WHERE a.id = $1 AND "
	                                  "a.meeting_id = $2",
	                                  &err)
	                  : NULL;
	int rc = 0;
	if (st) {
		gz_stmt_bind_int64(st, 1, fid);
		gz_stmt_bind_int64(st, 2, mid);
		if ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
			const char *type = gz_stmt_text(st, 0);
			/* The name it was uploaded under (RFC 6266 filename*, percent-encoded
			 * UTF-8), and a plain ASCII one for old clients. */
			const char *name = gz_stmt_text(st, 2);
			const char *ext = !strcmp(type, "application/pdf") ? "pdf"
			                  : !strcmp(type, "image/png")     ? "png"
			                  : !strcmp(type, "image/webp")    ? "webp"
			                                                   : "jpg";
			char cd[96 + 3 * 4 * MEETING_FILE_NAME_MAX];
			int n =
			    snprintf(cd, sizeof cd, "attachment; filename=\"meeting-%lld-%lld.%s\"",
			             (long long)mid, (long long)fid, ext);
			if (*name) {
				n += snprintf(cd + n, sizeof cd - (size_t)n, "; filename*=UTF-8''");
				for (const unsigned char *p = (const unsigned char *)name;
				     *p && (size_t)n + 4 < sizeof cd; p++) {
					if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
					    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
						cd[n++] = (char)*p;
					else
						n += snprintf(cd + n, sizeof cd - (size_t)n,
						              "%%%02X", *p);
				}
				cd[n] = 0;
			}
			gz_api_reply_media(r, type, gz_stmt_text(st, 3), gz_stmt_blob(st, 1),
			                   gz_stmt_len(st, 1), "private, no-cache", cd);
			gz_stmt_finish(st);
			return;
		}
		gz_stmt_finish(st);
	}
	if (rc < 0 || (fid && !st)) {
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_error(r, GZ_ENOTFOUND, "not_found", "没有这个附件");
}

static void file_get(gz_req *r)
{
	gz_api_read(r, file_get_read);
}

static void file_delete(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	int64_t id, mid, fid = gz_api_parse_id(gz_req_param(r, "attachment_id"));
	char scope[SPACE_CODE_SIZE], sha[GZ_MEDIA_SHA256_HEX] = "";
	gz_db *db = gz_req_db(r, &err);
	if (!db || gz_db_begin(db, &err) < 0)
		goto fail;
	if (meeting_for(r, db, ACT_ADMIN, &id, &mid, scope, &err) < 0)
		goto rollback;
	gz_stmt *st = fid ? gz_db_prepare(db,
	                                  "SELECT sha256 FROM topic_meeting_attachments WHERE id = "
	                                  "$1 AND meeting_id = $2",
	                                  &err)
	                  : NULL;
	if (!st && fid)
		goto rollback;
	int rc = 0;
	if (st) {
		gz_stmt_bind_int64(st, 1, fid);
		gz_stmt_bind_int64(st, 2, mid);
		if ((rc = gz_stmt_step(st, &err)) == GZ_ROW)
			snprintf(sha, sizeof sha, "%s", gz_stmt_text(st, 0));
		gz_stmt_finish(st);
	}
	if (rc < 0)
		goto rollback;
	if (rc != GZ_ROW) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这个附件");
		goto rollback;
	}
	/* The bytes go with their last attachment. */
	if (!(st = gz_db_prepare(db, "DELETE FROM topic_meeting_attachments WHERE id = $1", &err)))
		goto rollback;
	gz_stmt_bind_int64(st, 1, fid);
	rc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	if (rc < 0 || !(st = gz_db_prepare(db,
	                                   "DELETE FROM topic_meeting_blobs WHERE sha256 = $1 AND "
	                                   "NOT EXISTS (SELECT 1 FROM topic_meeting_attachments "
	                                   "WHERE sha256 = $1)",
	                                   &err)))
		goto rollback;
	gz_stmt_bind_str(st, 1, sha);
	rc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	if (rc < 0 ||
	    delib_audit_topic(a, db, "topic.meeting_attachment_delete", id, scope,
	                      json_pack("{s:o,s:o,s:s}", "meeting_id", gz_api_id_json(mid),
	                                "attachment_id", gz_api_id_json(fid), "sha256", sha),
	                      &err) < 0)
		goto rollback;
	delib_reply_write(r, db, 200, delib_topic_json(db, a, id, &err), &err);
	return;
rollback:
	gz_db_rollback(db);
fail:
	gz_reply_err(r, &err);
}

const gz_module_route gz_delib_meeting_file_routes[] = {
    {"POST", "/api/v1/topics/{id}/meetings/{meeting_id}/attachments", file_upload, 0,
     MEETING_FILE_MAX_BYTES},
    {"GET", "/api/v1/topics/{id}/meetings/{meeting_id}/attachments/{attachment_id}", file_get, 0,
     0},
    {"DELETE", "/api/v1/topics/{id}/meetings/{meeting_id}/attachments/{attachment_id}", file_delete,
     0, 0},
    {0},
};
