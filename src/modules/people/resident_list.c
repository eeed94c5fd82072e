/* The residents list (scoped, cursor pages, filters and exact lookups) and the .xlsx
 * export, which walks the same scoped queries. */
#include "modules/people/people_internal.h"
#include "modules/module.h"
#include "api/list.h"
#include "api/ratelimit.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/time.h"
#include "core/utf8.h"
#include "core/xlsx_write.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- the list */

/* The lists, each as the pair of queries a list in (grid_code, id) order runs per scope
 * (gz_api_list_query, api/list.h): rows of the cursor's grid after it, then the later
 * grids, both in index order. */
#define RES_SAME(from, where)                                                                      \
	"SELECT " RES_COLS " FROM " from " WHERE " where                                           \
	" AND r.grid_code = $1 AND r.grid_code < $2 AND r.id > $3 AND r.deleted_at IS NULL ORDER " \
	"BY r.id LIMIT $4"
#define RES_AFTER(from, where)                                                                     \
	"SELECT " RES_COLS " FROM " from " WHERE " where                                           \
	" AND r.grid_code > $1 AND r.grid_code < $2 AND r.id > $3 AND r.deleted_at IS NULL ORDER " \
	"BY r.grid_code, r.id LIMIT $4"
#define RES_FILTERS "($5 = 0 OR r.household_id = $5) AND ($6 = '' OR substr(r.name, 1, $7) = $6)"
typedef struct {
	const char *same, *after;
} list_sql;
static const list_sql sql_res_list = {RES_SAME("residents r", RES_FILTERS),
                                      RES_AFTER("residents r", RES_FILTERS)};
static const list_sql sql_res_by_phone = {
    RES_SAME("resident_phone_keys k JOIN residents r ON r.id = k.resident_id", "k.phone_key = $5"),
    RES_AFTER("resident_phone_keys k JOIN residents r ON r.id = k.resident_id",
              "k.phone_key = $5")};
static const list_sql sql_res_by_id = {
    RES_SAME("resident_id_keys k JOIN residents r ON r.id = k.resident_id", "k.id_key = $5"),
    RES_AFTER("resident_id_keys k JOIN residents r ON r.id = k.resident_id", "k.id_key = $5")};
/* By tag: the walk is on resident_tags (tag_key, grid_code, resident_id). */
static const list_sql sql_res_by_tag = {
    "SELECT " RES_COLS " FROM resident_tags t JOIN residents r ON r.id = t.resident_id WHERE "
    "t.tag_key = $8 AND t.grid_code = $1 AND t.grid_code < $2 AND t.resident_id > $3 AND "
    "r.deleted_at IS NULL AND " RES_FILTERS " ORDER BY t.resident_id LIMIT $4",
    "SELECT " RES_COLS " FROM resident_tags t JOIN residents r ON r.id = t.resident_id WHERE "
    "t.tag_key = $8 AND t.grid_code > $1 AND t.grid_code < $2 AND t.resident_id > $3 AND "
    "r.deleted_at IS NULL AND " RES_FILTERS " ORDER BY t.grid_code, t.resident_id LIMIT $4"};
/* The export walks whole ranges (every row the caller may list). */
static const char *sql_res_export =
    "SELECT " RES_COLS " FROM residents r WHERE r.grid_code >= $1 AND r.grid_code < $2 AND "
    "r.id > $3 AND r.deleted_at IS NULL AND " RES_FILTERS " ORDER BY r.grid_code, r.id LIMIT $4";
static const char *sql_res_export_tag =
    "SELECT " RES_COLS " FROM resident_tags t JOIN residents r ON r.id = t.resident_id WHERE "
    "t.tag_key = $8 AND t.grid_code >= $1 AND t.grid_code < $2 AND t.resident_id > $3 AND "
    "r.deleted_at IS NULL AND " RES_FILTERS " ORDER BY t.grid_code, t.resident_id LIMIT $4";

typedef struct {
	int64_t household;
	const char *q;
	int64_t qlen;
	const char *tag_key;
	uint8_t hash[GZ_CRYPTO_LOOKUP_BYTES];
	reveal_ctx *rc;
} list_ctx;

static void bind_list(gz_stmt *st, void *ctx)
{
	list_ctx *c = ctx;
	gz_stmt_bind_int64(st, 5, c->household);
	gz_stmt_bind_str(st, 6, c->q ? c->q : "");
	gz_stmt_bind_int64(st, 7, c->qlen);
	if (c->tag_key)
		gz_stmt_bind_str(st, 8, c->tag_key);
}

static void bind_hash(gz_stmt *st, void *ctx)
{
	list_ctx *c = ctx;
	gz_stmt_bind_blob(st, 5, c->hash, GZ_PEOPLE_KEY_BYTES);
}

static json_t *res_row_fn(gz_req *r, gz_stmt *st, int64_t *key, void *ctx)
{
	list_ctx *c = ctx;
	*key = gz_stmt_int64(st, C_ID);
	return people_resident_json(r, st, c->rc);
}

/* Common list filters: ?household=, ?q= (name prefix), ?tag=. Returns 0 or -1. */
static int list_filters(gz_req *r, gz_db *db, list_ctx *c, char tag_code[40], bool *tag_sensitive,
                        char *tag_key, gz_err *err)
{
	const char *h = gz_req_query(r, "household");
	if (h && !(c->household = gz_api_parse_id(h))) {
		gz_err_set(err, GZ_EBADREQ, "bad_query", "household 无效");
		gz_err_field(err, "household", "应为户的 id");
		return -1;
	}
	c->q = gz_req_query(r, "q");
	if (c->q && *c->q) {
		size_t cp = gz_utf8_len(c->q, strlen(c->q));
		if (cp > RESIDENT_NAME_MAX) {
			gz_err_set(err, GZ_EBADREQ, "bad_query", "q 过长");
			gz_err_field(err, "q", "不能超过 64 个字");
			return -1;
		}
		c->qlen = (int64_t)cp;
	}
	const char *tag = gz_req_query(r, "tag");
	if (tag) {
		int rc = people_tag_find(db, tag, tag_code, tag_sensitive, err);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			gz_err_set(err, GZ_EBADREQ, "bad_query", "未知标签");
			gz_err_field(err, "tag", "未知标签");
			return -1;
		}
		gz_people_tag_key(tag_code, *tag_sensitive, tag_key, GZ_PEOPLE_TAG_KEY_SIZE);
		c->tag_key = tag_key;
	}
	return 0;
}

static void resident_list(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	int limit;
	gz_api_cursor after, next = {0};
	const char *filter;
	reveal_ctx rc = {0};
	list_ctx c = {.rc = &rc};
	char tag_code[40] = "", tag_key[GZ_PEOPLE_TAG_KEY_SIZE] = "";
	bool tag_sensitive = false;
	json_t *items = NULL, *lookup = NULL;
	gz_db *db = NULL;
	if (gz_api_list_params(r, true, &limit, &after, &err) < 0 ||
	    gz_people_place_filter(r, &filter, &err) < 0 || people_reveal_setup(r, &rc, &err) < 0 ||
	    !(db = gz_req_db(r, &err)) ||
	    list_filters(r, db, &c, tag_code, &tag_sensitive, tag_key, &err) < 0)
		goto fail;

	/* Exact lookups and sensitive-tag filters say something about whoever matches:
	 * they need reveal rights and search only where those are held. */
	const char *phone = gz_req_query(r, "phone"), *idq = gz_req_query(r, "id_number");
	const char *by = phone ? "phone" : idq ? "id_number" : tag_sensitive ? "tag" : NULL;
	const char *scopes[GZ_AUTH_MAX_GRANTS];
	int ns;
	if (by) {
		ns = gz_auth_scopes(r, ACT_REVEAL, RES_RESIDENT, scopes, GZ_AUTH_MAX_GRANTS, &err);
		if (ns < 0) {
			if (err.kind == GZ_EFORBIDDEN)
				gz_err_set(&err, GZ_EFORBIDDEN, "reveal_forbidden",
				           "当前角色无权按手机号、身份证号或敏感标签查找居民");
			goto fail;
		}
	} else {
		ns = gz_auth_scopes(r, ACT_READ, RES_RESIDENT, scopes, GZ_AUTH_MAX_GRANTS, &err);
		if (ns < 0)
			goto fail;
	}
	const gz_crypto *crypto = gz_crypto_global();
	if ((phone || idq) && !crypto) {
		gz_err_set(&err, GZ_EINTERNAL, "crypto_unavailable",
		           "服务器未加载个人信息加密密钥");
		goto fail;
	}
	const list_sql *lsql = c.tag_key ? &sql_res_by_tag : &sql_res_list;
	void (*bind)(gz_stmt *, void *) = bind_list;
	if (phone) {
		char norm[PERSON_PHONE_MAX];
		gz_err e;
		gz_err_clear(&e);
		if (person_phone_check(phone, norm, NULL, &e) < 0) {
			gz_err_set(&err, GZ_EBADREQ, "bad_query", "phone 无效");
			gz_err_field(&err, "phone", "%s", e.message);
			goto fail;
		}
		gz_crypto_lookup(crypto, norm, c.hash);
		sodium_memzero(norm, sizeof norm);
		if (gz_ratelimit_pii(gz_req_actor(r), db, "resident.lookup", 1, false, &err) != 0)
			goto fail;
		lsql = &sql_res_by_phone;
		bind = bind_hash;
	} else if (idq) {
		person_id_info info;
		gz_err e;
		gz_err_clear(&e);
		if (person_id_check(idq, gz_time_now_ms(), &info, &e) < 0) {
			gz_err_set(&err, GZ_EBADREQ, "bad_query", "id_number 无效");
			gz_err_field(&err, "id_number", "%s", e.message);
			goto fail;
		}
		gz_crypto_lookup(crypto, info.normalised, c.hash);
		sodium_memzero(&info, sizeof info);
		if (gz_ratelimit_pii(gz_req_actor(r), db, "resident.lookup", 1, false, &err) != 0)
			goto fail;
		lsql = &sql_res_by_id;
		bind = bind_hash;
	}
	if (gz_api_scoped_items(r,
	                        &(gz_api_list_query){.sql = lsql->same,
	                                             .sql_after = lsql->after,
	                                             .scopes = scopes,
	                                             .nscopes = ns,
	                                             .filter = filter,
	                                             .bind = bind,
	                                             .row_ctx = res_row_fn,
	                                             .ctx = &c},
	                        limit, &after, &items, &next, &err) < 0)
		goto fail;
	people_reveal_keep_answered(&rc, items);
	char lscope[SPACE_CODE_SIZE] = "";
	if (by) {
		/* Which residents matched, never the value looked for. */
		json_t *ids = json_array();
		size_t i;
		json_t *it;
		char lo[SPACE_CODE_SIZE] = "", hi[SPACE_CODE_SIZE] = "";
		json_array_foreach(items, i, it)
		{
			json_array_append(ids, json_object_get(it, "id"));
			people_span_grid(lo, hi,
			                 json_string_value(json_object_get(it, "grid_code")));
		}
		if (lo[0])
			policy_scope_common(lo, hi, lscope, sizeof lscope);
		else {
			snprintf(lscope, sizeof lscope, "%s", ns ? scopes[0] : "");
			for (int k = 1; k < ns; k++) {
				char tmp[SPACE_CODE_SIZE];
				policy_scope_common(lscope, scopes[k], tmp, sizeof tmp);
				memcpy(lscope, tmp, sizeof tmp);
			}
		}
		lookup = json_pack("{s:s,s:o,s:I}", "by", by, "ids", ids, "count",
		                   (json_int_t)json_array_size(ids));
		if (tag_sensitive)
			json_object_set_new(lookup, "tag", json_string(tag_code));
	}
	if (people_reveal_audit(r, db, &rc, NULL, lookup, lscope, &err) < 0)
		goto fail;
	json_decref(lookup);
	json_decref(rc.ids);
	people_reply(r, 200, gz_api_list_json(r, items, &next));
	return;
fail:
	json_decref(lookup);
	json_decref(items);
	json_decref(rc.ids);
	gz_reply_err(r, &err);
}

/* ================================================================ export */

typedef struct {
	gz_req *r;
	gz_db *db;
	const char *sql;
	const char *const *scopes;
	int ns, si;
	const char *filter;
	list_ctx lc;
	gz_stmt *st;
	json_t *custom; /* configured tags: code -> label */
	json_t *cur;    /* the row being written */
	char tags[RESIDENT_TAGS_MAX * 104];
} export_ctx;

static const char *str_or_empty(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "";
}

/* Rows for the export, range after range, each row masked exactly as the list shows it
 * (people_resident_json without reveal). */
static int export_row(void *ctx, const char **cells, gz_err *err)
{
	export_ctx *x = ctx;
	for (;;) {
		if (!x->st) {
			char lo[GZ_SCOPE_MAX + 2], hi[GZ_SCOPE_MAX + 2];
			while (x->si < x->ns &&
			       !gz_api_scope_range(x->scopes[x->si], x->filter, lo, hi))
				x->si++;
			if (x->si >= x->ns)
				return 0;
			x->si++;
			x->st = gz_db_prepare(x->db, x->sql, err);
			if (!x->st)
				return -1;
			gz_stmt_bind_str(x->st, 1, lo);
			gz_stmt_bind_str(x->st, 2, hi);
			gz_stmt_bind_int64(x->st, 3, 0);
			gz_stmt_bind_int64(x->st, 4, GZ_XLSX_MAX_DATA_ROWS + 1);
			bind_list(x->st, &x->lc);
		}
		int rc = gz_stmt_step(x->st, err);
		if (rc == GZ_ROW)
			break;
		gz_stmt_finish(x->st);
		x->st = NULL;
		if (rc < 0)
			return -1;
	}
	json_decref(x->cur);
	x->cur = people_resident_json(x->r, x->st, NULL);
	size_t n = 0, i;
	json_t *t;
	x->tags[0] = '\0';
	json_array_foreach(json_object_get(x->cur, "tags"), i, t)
	{
		const char *code = json_string_value(t);
		const person_tag *pt = person_tag_find(code);
		const char *label =
		    pt ? pt->label : json_string_value(json_object_get(x->custom, code));
		n += (size_t)snprintf(x->tags + n, n < sizeof x->tags ? sizeof x->tags - n : 0,
		                      "%s%s", n ? "、" : "", label ? label : code);
		if (n >= sizeof x->tags)
			break;
	}
	cells[0] = str_or_empty(x->cur, "name");
	cells[1] = str_or_empty(x->cur, "gender");
	cells[2] = str_or_empty(x->cur, "age_group");
	cells[3] = str_or_empty(x->cur, "phone");
	cells[4] = str_or_empty(x->cur, "id_number");
	cells[5] = str_or_empty(x->cur, "grid_code");
	cells[6] = str_or_empty(x->cur, "household_id");
	cells[7] = str_or_empty(x->cur, "relation");
	cells[8] = x->tags;
	return 1;
}

/* GET /residents/export.xlsx?grid=&community=&street=&household=&q=&tag=: every resident
 * the caller may list, masked as on screen (no reveal; sensitive-tag filters are
 * refused), audited as "resident.export". */
static void resident_export(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	export_ctx x = {.r = r};
	const char *scopes[GZ_AUTH_MAX_GRANTS];
	char tag_code[40] = "", tag_key[GZ_PEOPLE_TAG_KEY_SIZE] = "";
	bool tag_sensitive = false;
	if (gz_req_query(r, "reveal") || gz_req_query(r, "phone") || gz_req_query(r, "id_number")) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query",
		           "导出始终脱敏，不支持 reveal、phone、id_number");
		goto fail;
	}
	if (gz_people_place_filter(r, &x.filter, &err) < 0 ||
	    (x.ns = gz_auth_scopes(r, ACT_READ, RES_RESIDENT, scopes, GZ_AUTH_MAX_GRANTS, &err)) <
	        0 ||
	    !(x.db = gz_req_db(r, &err)) ||
	    list_filters(r, x.db, &x.lc, tag_code, &tag_sensitive, tag_key, &err) < 0)
		goto fail;
	if (tag_sensitive) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "导出不支持按敏感标签筛选");
		gz_err_field(&err, "tag", "敏感标签");
		goto fail;
	}
	x.scopes = scopes;
	x.sql = x.lc.tag_key ? sql_res_export_tag : sql_res_export;
	x.custom = json_object();
	gz_stmt *st = gz_db_prepare(x.db, "SELECT code, label FROM resident_tag_defs", &err);
	if (!st)
		goto fail;
	int k;
	while ((k = gz_stmt_step(st, &err)) == GZ_ROW)
		json_object_set_new(x.custom, gz_stmt_text(st, 0),
		                    json_string(gz_stmt_text(st, 1)));
	gz_stmt_finish(st);
	if (k < 0)
		goto fail;
	char scope[SPACE_CODE_SIZE] = "";
	if (x.filter && strcmp(x.filter, "x"))
		snprintf(scope, sizeof scope, "%s", x.filter);
	else if (x.ns) {
		snprintf(scope, sizeof scope, "%s", scopes[0]);
		for (int i = 1; i < x.ns; i++) {
			char tmp[SPACE_CODE_SIZE];
			policy_scope_common(scope, scopes[i], tmp, sizeof tmp);
			memcpy(scope, tmp, sizeof tmp);
		}
	}
	json_t *filters = json_object();
	static const char *const fq[] = {"grid", "community", "street", "household", "q", "tag"};
	for (size_t i = 0; i < sizeof fq / sizeof fq[0]; i++)
		if (gz_req_query(r, fq[i]) && strcmp(fq[i], "q"))
			json_object_set_new(filters, fq[i], json_string(gz_req_query(r, fq[i])));
	if (x.lc.q && *x.lc.q)
		json_object_set_new(filters, "q", json_true()); /* a name prefix: not recorded */
	json_t *detail = json_pack("{s:o}", "filters", filters);
	static const char *const header[] = {"姓名",     "性别", "年龄段",     "手机号", "身份证号",
	                                     "网格编码", "户",   "与户主关系", "标签"};
	gz_people_reply_xlsx(r, x.db, "residents.xlsx", header, 9, export_row, &x, NULL,
	                     "resident.export", scope, detail);
	json_decref(detail);
	gz_stmt_finish(x.st);
	json_decref(x.cur);
	json_decref(x.custom);
	return;
fail:
	json_decref(x.custom);
	gz_reply_err(r, &err);
}

const gz_module_route gz_people_resident_list_routes[] = {
    {"GET", "/api/v1/residents", resident_list, 0, 0},
    {"GET", "/api/v1/residents/export.xlsx", resident_export, 0, 0},
    {0},
};
