/* Helpers the people module offers the others (people.h): areas, the one masking rule
 * for names, opening sealed values, place filters, audit rows and .xlsx downloads. */
#include "modules/people/people_internal.h"
#include "api/list.h"
#include "core/xlsx_write.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ================================================================ shared helpers */

json_t *gz_people_area_json(int64_t dm2)
{
	char b[32];
	snprintf(b, sizeof b, "%lld.%02lld", (long long)(dm2 / 100), (long long)(dm2 % 100));
	return json_string(b);
}

bool gz_people_name_visible(const gz_actor *a, const char *place)
{
	if (!place || !a) /* no actor sees nothing in full */
		return false;
	/* The operator (the command line) keeps the register itself. */
	if (gz_actor_is_operator(a))
		return true;
	for (int i = 0; i < a->ngrants; i++)
		if (policy_scope_contains(a->grants[i].scope, place) &&
		    policy_allows(a->grants[i].role, ACT_READ, RES_RESIDENT))
			return true;
	return false;
}

bool gz_people_serves(const gz_actor *a, const char *place)
{
	if (!place || !a || gz_actor_is_operator(a))
		return false;
	for (int i = 0; i < a->ngrants; i++)
		if (a->grants[i].role == ROLE_RESIDENT &&
		    policy_scope_contains(place, a->grants[i].scope))
			return true;
	return false;
}

const char *gz_people_name_shown(gz_arena *A, bool visible, const char *name)
{
	if (!name)
		name = "";
	if (visible)
		return name;
	size_t cap = strlen(name) + 8;
	char *out = gz_arena_alloc(A, cap);
	return person_mask_name(name, out, cap);
}

const char *gz_people_name_for(gz_req *r, const char *place, const char *name)
{
	const gz_actor *a = gz_req_actor(r);
	return gz_people_name_shown(&r->arena, a && gz_people_name_visible(a, place), name);
}

int gz_people_open(const void *sealed, size_t n, char *out, size_t cap)
{
	const gz_crypto *c = gz_crypto_global();
	out[0] = '\0';
	if (!c || !sealed || n < GZ_CRYPTO_OVERHEAD || n - GZ_CRYPTO_OVERHEAD >= cap)
		return -1;
	size_t len = 0;
	if (gz_crypto_open(c, sealed, n, (uint8_t *)out, &len) < 0) {
		out[0] = '\0';
		return -1;
	}
	out[len] = '\0';
	return (int)len;
}

int gz_people_place_filter(gz_req *r, const char **out, gz_err *err)
{
	const char *g, *c, *s;
	if (gz_api_code_query(r, "grid", GZ_API_AT_GRID, &g, err) < 0 ||
	    gz_api_code_query(r, "community", GZ_API_AT_COMMUNITY, &c, err) < 0 ||
	    gz_api_code_query(r, "street", GZ_API_AT_STREET, &s, err) < 0)
		return -1;
	const char *f = NULL;
	const char *given[] = {s, c, g};
	for (int i = 0; i < 3; i++) {
		if (!given[i])
			continue;
		if (f && !policy_scope_contains(f, given[i])) {
			*out = "x"; /* disjoint filters: nothing matches */
			return 0;
		}
		f = given[i];
	}
	*out = f;
	return 0;
}

int gz_people_audit(const gz_actor *a, gz_db *db, const char *action, const char *record_type,
                    const char *record_id, const char *scope, json_t *detail, gz_err *err)
{
	if (gz_db_begin(db, err) < 0)
		return -1;
	if (gz_audit(a, db, action, record_type, record_id, scope, detail, err) < 0 ||
	    gz_db_commit(db, err) < 0) {
		gz_db_rollback(db);
		return -1;
	}
	return 0;
}

typedef struct {
	int (*next_row)(void *ctx, const char **cells, gz_err *err);
	void *ctx;
	size_t rows;
} count_ctx;

static int counting_row(void *c, const char **cells, gz_err *err)
{
	count_ctx *cc = c;
	int rc = cc->next_row(cc->ctx, cells, err);
	if (rc == 1)
		cc->rows++;
	return rc;
}

void gz_people_reply_xlsx(gz_req *r, gz_db *db, const char *filename, const char *const *header,
                          size_t ncols, int (*next_row)(void *ctx, const char **cells, gz_err *err),
                          void *ctx, size_t *rows_out, const char *audit_action,
                          const char *audit_scope, json_t *audit_detail)
{
	gz_err err;
	gz_err_clear(&err);
	const char *tmp = getenv("TMPDIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/gz-export-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0) {
		gz_reply_error(r, GZ_EINTERNAL, "xlsx_write", "无法创建导出文件");
		return;
	}
	close(fd);
	count_ctx cc = {next_row, ctx, 0};
	/* Every row of the file from one snapshot; it ends before the audit row is written. */
	int xrc = gz_db_begin_read(db, &err);
	if (xrc == 0) {
		xrc =
		    gz_xlsx_export(path, NULL, header, ncols, counting_row, &cc, NULL, NULL, &err);
		gz_db_end_read(db);
	}
	if (xrc < 0) {
		unlink(path);
		if (!err.kind)
			gz_err_set(&err, GZ_EINTERNAL, "xlsx_write", "导出失败");
		gz_reply_err(r, &err);
		return;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	unlink(path);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0) {
		if (fd >= 0)
			close(fd);
		gz_reply_error(r, GZ_EINTERNAL, "xlsx_write", "导出文件读取失败");
		return;
	}
	if (rows_out)
		*rows_out = cc.rows;
	if (audit_action) {
		json_object_set_new(audit_detail, "rows", json_integer((json_int_t)cc.rows));
		char type[32];
		snprintf(type, sizeof type, "%.*s", (int)strcspn(audit_action, "."), audit_action);
		if (gz_people_audit(gz_req_actor(r), db, audit_action, type, "", audit_scope,
		                    audit_detail, &err) < 0) {
			close(fd);
			gz_reply_err(r, &err);
			return;
		}
	}
	char cd[256];
	snprintf(cd, sizeof cd, "attachment; filename=\"%s\"", filename);
	gz_reply_header(r, "Content-Disposition", cd);
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_fd(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", fd,
	            (uint64_t)sb.st_size);
}

/* ================================================================ counts */

int people_count(gz_db *db, const char *grid, record_status st, int64_t delta, gz_err *err)
{
	if (!delta)
		return 0;
	gz_stmt *s = gz_db_prepare(db,
	                           "INSERT INTO resident_counts (grid_code, status, n) VALUES ($1, "
	                           "$2, $3) ON CONFLICT (grid_code, status) DO UPDATE SET n = "
	                           "resident_counts.n + excluded.n",
	                           err);
	if (!s)
		return -1;
	gz_stmt_bind_str(s, 1, grid);
	gz_stmt_bind_str(s, 2, record_status_code(st));
	gz_stmt_bind_int64(s, 3, delta);
	int rc = gz_stmt_step(s, err);
	gz_stmt_finish(s);
	if (rc < 0)
		return -1;
	return gz_db_count_add(db, record_status_count_name(st), delta, err);
}

int gz_people_resident_total(gz_db *db, const char *const *scopes, int nscopes, const char *filter,
                             unsigned status_mask, int64_t *out, gz_err *err)
{
	*out = 0;
	for (int i = 0; i < nscopes; i++) {
		char lo[GZ_SCOPE_MAX + 2], hi[GZ_SCOPE_MAX + 2];
		if (!gz_api_scope_range(scopes[i], filter, lo, hi))
			continue;
		for (int k = 0; k < RECORD_STATUS_COUNT; k++) {
			if (!(status_mask & (1u << k)))
				continue;
			gz_stmt *s =
			    gz_db_prepare(db,
			                  "SELECT COALESCE(SUM(n), 0) FROM resident_counts "
			                  "WHERE grid_code >= $1 AND grid_code < $2 AND "
			                  "status = $3",
			                  err);
			if (!s)
				return -1;
			gz_stmt_bind_str(s, 1, lo);
			gz_stmt_bind_str(s, 2, hi);
			gz_stmt_bind_str(s, 3, record_status_code((record_status)k));
			int rc = gz_stmt_step(s, err);
			if (rc == GZ_ROW)
				*out += gz_stmt_int64(s, 0);
			gz_stmt_finish(s);
			if (rc < 0)
				return -1;
		}
	}
	return 0;
}
