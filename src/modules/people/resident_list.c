/* The residents list (scoped, cursor pages in (grid, id) order, filters, the one search
 * box, totals) and the .xlsx export, which walks the same scoped queries.
 *
 * What ?q= searches (records.h, record_query_parse), and how each stays cheap on a
 * register of millions:
 *   ID number, phone   exact lookup through the keyed hash (resident_id_keys /
 *                      resident_phone_keys: one index probe), needs reveal, audited and
 *                      charged like ?id_number= / ?phone=; a part of a number is refused
 *   "3-2-102" & co.    units by number, as typed and as numbered within the building
 *                      ("2-102" in 3号楼), through the units_number index; a room or a
 *                      building alone walks the scope's buildings (buildings_grid, a few
 *                      hundred rows for a street); then their households and residents;
 *                      at most UNIT_MATCH_MAX units, else 400 (narrow it down)
 *   text               any part of the name, the household's address line, the
 *                      building's name or address: a scan, grid by grid, that examines
 *                      at most TEXT_SCAN_BUDGET residents per request — a page may come
 *                      back short with a next_cursor that continues the scan (the page
 *                      says "scan_partial": true), so no request reads a whole street
 * Totals ("total", "total_exact"): the plain list and the filters by household or place
 * are exact from resident_counts (a sum over the scope's grids); lookups and address
 * searches are exact (their matches are counted); a tag filter counts its index rows up
 * to TAG_COUNT_MAX (beyond: that bound, not exact); a text search counts exactly when the
 * scope holds at most TEXT_COUNT_BUDGET residents, else it counts that many and scales by
 * the counters ("约 N", not exact). Totals come with the first page only (no cursor). */
#include "modules/people/people_internal.h"
#include "modules/people/resident_list.h"
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

/* ---------------------------------------------------------------- the queries */

/* Only those who left: the partial index residents_left holds exactly these rows. */
#define RES_LEFT "r.status <> 'active' AND " RES_FILTERS
static const list_sql sql_res_list = {RES_SAME("residents r", RES_FILTERS),
                                      RES_AFTER("residents r", RES_FILTERS)};
static const list_sql sql_res_left = {RES_SAME("residents r", RES_LEFT),
                                      RES_AFTER("residents r", RES_LEFT)};
/* Exact lookups: $5 is the key. */
#define KEY_FILTER(k) "k." k " = $5 AND r.status IN ($6, $7, $8)"
static const list_sql sql_res_by_phone = {
    RES_SAME("resident_phone_keys k JOIN residents r ON r.id = k.resident_id",
             KEY_FILTER("phone_key")),
    RES_AFTER("resident_phone_keys k JOIN residents r ON r.id = k.resident_id",
              KEY_FILTER("phone_key"))};
static const list_sql sql_res_by_id = {
    RES_SAME("resident_id_keys k JOIN residents r ON r.id = k.resident_id", KEY_FILTER("id_key")),
    RES_AFTER("resident_id_keys k JOIN residents r ON r.id = k.resident_id", KEY_FILTER("id_key"))};
/* By tag: the walk is on resident_tags (tag_key, grid_code, resident_id); $9 the key. */
static const list_sql sql_res_by_tag = {
    "SELECT " RES_COLS " FROM resident_tags t JOIN residents r ON r.id = t.resident_id WHERE "
    "t.tag_key = $9 AND t.grid_code = $1 AND t.grid_code < $2 AND t.resident_id > $3 AND "
    "r.deleted_at IS NULL AND " RES_FILTERS " ORDER BY t.resident_id LIMIT $4",
    "SELECT " RES_COLS " FROM resident_tags t JOIN residents r ON r.id = t.resident_id WHERE "
    "t.tag_key = $9 AND t.grid_code > $1 AND t.grid_code < $2 AND t.resident_id > $3 AND "
    "r.deleted_at IS NULL AND " RES_FILTERS " ORDER BY t.grid_code, t.resident_id LIMIT $4"};
/* The export walks whole ranges (every row the caller may list); $9 a LIKE pattern on the
 * name ('' = none), $10 the tag key. */
#define EXPORT_FILTERS RES_FILTERS " AND ($9 = '' OR r.name LIKE $9 ESCAPE '\\')"
static const char *sql_res_export =
    "SELECT " RES_COLS " FROM residents r WHERE r.grid_code >= $1 AND r.grid_code < $2 AND "
    "r.id > $3 AND r.deleted_at IS NULL AND " EXPORT_FILTERS " ORDER BY r.grid_code, r.id "
    "LIMIT $4";
static const char *sql_res_export_tag =
    "SELECT " RES_COLS " FROM resident_tags t JOIN residents r ON r.id = t.resident_id WHERE "
    "t.grid_code >= $1 AND t.grid_code < $2 AND t.resident_id > $3 AND r.deleted_at IS NULL "
    "AND " EXPORT_FILTERS " AND t.tag_key = $10 ORDER BY t.grid_code, t.resident_id LIMIT $4";

void people_list_bind_statuses(gz_stmt *st, const list_ctx *c, int first)
{
	for (int i = 0; i < 3; i++)
		gz_stmt_bind_str(st, first + i, c->statuses[i]);
}

void people_list_bind(gz_stmt *st, void *ctx)
{
	list_ctx *c = ctx;
	gz_stmt_bind_int64(st, 5, c->household);
	people_list_bind_statuses(st, c, 6);
	if (c->tag_key)
		gz_stmt_bind_str(st, 9, c->tag_key);
	if (c->pattern) {
		gz_stmt_bind_str(st, 9, c->pattern);
		gz_stmt_bind_int64(st, 10, c->addresses);
	}
}

static void bind_hash(gz_stmt *st, void *ctx)
{
	list_ctx *c = ctx;
	gz_stmt_bind_blob(st, 5, c->hash, GZ_PEOPLE_KEY_BYTES);
	people_list_bind_statuses(st, c, 6);
}

json_t *people_list_row(gz_req *r, gz_stmt *st, int64_t *key, void *ctx)
{
	list_ctx *c = ctx;
	*key = gz_stmt_int64(st, C_ID);
	return people_resident_json(r, st, c->rc);
}

/* ---------------------------------------------------------------- filters */

/* The LIKE pattern for a text search ("%q%", with \ % _ escaped by \), in r's arena. */
const char *people_like_pattern(gz_req *r, const char *q)
{
	size_t n = strlen(q);
	char *p = gz_arena_alloc(&r->arena, 2 * n + 3), *o = p;
	*o++ = '%';
	for (size_t i = 0; i < n; i++) {
		if (q[i] == '\\' || q[i] == '%' || q[i] == '_')
			*o++ = '\\';
		*o++ = q[i];
	}
	*o++ = '%';
	*o = '\0';
	return p;
}

/* Common list filters: ?household=, ?tag=, ?status=. Returns 0 or -1. */
static int list_filters(gz_req *r, gz_db *db, list_ctx *c, char tag_code[40], bool *tag_sensitive,
                        char *tag_key, gz_err *err)
{
	const char *h = gz_req_query(r, "household");
	if (h && !(c->household = gz_api_parse_id(h))) {
		gz_err_set(err, GZ_EBADREQ, "bad_query", "household 无效");
		gz_err_field(err, "household", "应为户的 id");
		return -1;
	}
	if (record_status_filter(gz_req_query(r, "status"), &c->status_mask, err) < 0) {
		gz_err_field(err, "status", "应为 active、moved_out、deceased、left 或 all");
		return -1;
	}
	int n = 0;
	for (int k = 0; k < RECORD_STATUS_COUNT; k++)
		if (c->status_mask & (1u << k))
			c->statuses[n++] = record_status_code((record_status)k);
	while (n < 3)
		c->statuses[n++] = "";
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
		/* Tag rows are kept for residents in the register only. */
		if (c->status_mask != 1u << RECORD_ACTIVE) {
			gz_err_set(err, GZ_EBADREQ, "bad_query", "按标签筛选只适用于在册居民");
			gz_err_field(err, "tag", "只适用于在册居民（status=active）");
			return -1;
		}
		gz_people_tag_key(tag_code, *tag_sensitive, tag_key, GZ_PEOPLE_TAG_KEY_SIZE);
		c->tag_key = tag_key;
	}
	return 0;
}

/* ---------------------------------------------------------------- totals */

/* Exact, from resident_counts: the scopes narrowed to filter, the statuses shown. */
static int total_from_counters(gz_db *db, const char *const *scopes, int ns, const char *filter,
                               unsigned mask, int64_t *out, gz_err *err)
{
	if (filter && !strcmp(filter, "x")) {
		*out = 0;
		return 0;
	}
	return gz_people_resident_total(db, scopes, ns, filter, mask, out, err);
}

/* Runs sql once per scope range (bound by bind_range: $1 lo, $2 hi) and adds up the
 * single integer each returns. */
static int sum_per_range(gz_db *db, const char *const *scopes, int ns, const char *filter,
                         const char *sql, void (*bind)(gz_stmt *, const list_ctx *),
                         const list_ctx *c, int64_t *out, gz_err *err)
{
	*out = 0;
	for (int i = 0; i < ns; i++) {
		char lo[GZ_SCOPE_MAX + 2], hi[GZ_SCOPE_MAX + 2];
		if (!gz_api_scope_range(scopes[i], filter, lo, hi))
			continue;
		gz_stmt *st = gz_db_prepare(db, sql, err);
		if (!st)
			return -1;
		gz_stmt_bind_str(st, 1, lo);
		gz_stmt_bind_str(st, 2, hi);
		bind(st, c);
		int rc = gz_stmt_step(st, err);
		if (rc == GZ_ROW)
			*out += gz_stmt_int64(st, 0);
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static void bind_count_tag(gz_stmt *st, const list_ctx *c)
{
	gz_stmt_bind_str(st, 3, c->tag_key);
	gz_stmt_bind_int64(st, 4, TAG_COUNT_MAX);
}

static void bind_count_key(gz_stmt *st, const list_ctx *c)
{
	gz_stmt_bind_blob(st, 3, c->hash, GZ_PEOPLE_KEY_BYTES);
	for (int i = 0; i < 3; i++)
		gz_stmt_bind_str(st, 4 + i, c->statuses[i]);
}

static void bind_count_household(gz_stmt *st, const list_ctx *c)
{
	gz_stmt_bind_int64(st, 3, c->household);
	for (int i = 0; i < 3; i++)
		gz_stmt_bind_str(st, 4 + i, c->statuses[i]);
}

/* The total of a list run by the engine (first page, more than one page): a lookup's
 * matches, a tag's rows (up to TAG_COUNT_MAX), a household's members, or the counters. */
static int list_total(gz_db *db, const char *const *scopes, int ns, const char *filter,
                      const list_ctx *c, bool by_phone, int64_t *total, bool *exact, gz_err *err)
{
	*exact = true;
	if (c->rc->charge)
		return sum_per_range(
		    db, scopes, ns, filter,
		    by_phone
		        ? "SELECT COUNT(*) FROM resident_phone_keys k JOIN residents r ON r.id = "
		          "k.resident_id WHERE k.phone_key = $3 AND r.grid_code >= $1 AND "
		          "r.grid_code < $2 AND r.deleted_at IS NULL AND r.status IN ($4, $5, $6)"
		        : "SELECT COUNT(*) FROM resident_id_keys k JOIN residents r ON r.id = "
		          "k.resident_id WHERE k.id_key = $3 AND r.grid_code >= $1 AND "
		          "r.grid_code < $2 AND r.deleted_at IS NULL AND r.status IN ($4, $5, $6)",
		    bind_count_key, c, total, err);
	if (c->tag_key) {
		if (sum_per_range(
		        db, scopes, ns, filter,
		        "SELECT COUNT(*) FROM (SELECT 1 FROM resident_tags WHERE tag_key = $3 "
		        "AND grid_code >= $1 AND grid_code < $2 LIMIT $4) t",
		        bind_count_tag, c, total, err) < 0)
			return -1;
		if (*total >= TAG_COUNT_MAX) {
			*total = TAG_COUNT_MAX;
			*exact = false;
		}
		return 0;
	}
	if (c->household)
		return sum_per_range(
		    db, scopes, ns, filter,
		    "SELECT COUNT(*) FROM residents r WHERE r.household_id = $3 AND "
		    "r.grid_code >= $1 AND r.grid_code < $2 AND r.deleted_at IS NULL "
		    "AND r.status IN ($4, $5, $6)",
		    bind_count_household, c, total, err);
	return total_from_counters(db, scopes, ns, filter, c->status_mask, total, err);
}

/* ---------------------------------------------------------------- the list */

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
	bool tag_sensitive = false, snap = false, partial = false;
	json_t *items = NULL, *lookup = NULL;
	gz_db *db = NULL;
	people_unit_hits hits = {0};
	people_names pn;
	people_names_init(&pn);
	record_query q = {0};
	if (gz_api_list_params(r, true, &limit, &after, &err) < 0 ||
	    gz_people_place_filter(r, &filter, &err) < 0 || people_reveal_setup(r, &rc, &err) < 0 ||
	    !(db = gz_req_db(r, &err)) ||
	    list_filters(r, db, &c, tag_code, &tag_sensitive, tag_key, &err) < 0)
		goto fail;

	/* What is searched: ?phone= / ?id_number=, or the search box ?q=. */
	const char *phone = gz_req_query(r, "phone"), *idq = gz_req_query(r, "id_number");
	const char *qs = gz_req_query(r, "q");
	int64_t now = gz_time_now_ms();
	if (qs && *qs) {
		if (phone || idq) {
			gz_err_set(&err, GZ_EBADREQ, "bad_query",
			           "q 不能与 phone、id_number 同时使用");
			goto fail;
		}
		if (record_query_parse(qs, now, &q, &err) < 0) {
			gz_err_field(&err, "q", "%s", err.message);
			goto fail;
		}
	}
	char norm_phone[PERSON_PHONE_MAX] = "", norm_id[19] = "";
	if (phone) {
		gz_err e;
		gz_err_clear(&e);
		if (person_phone_check(phone, norm_phone, NULL, &e) < 0) {
			gz_err_set(&err, GZ_EBADREQ, "bad_query", "phone 无效");
			gz_err_field(&err, "phone", "%s", e.message);
			goto fail;
		}
	} else if (idq) {
		person_id_info info;
		gz_err e;
		gz_err_clear(&e);
		if (person_id_check(idq, now, &info, &e) < 0) {
			gz_err_set(&err, GZ_EBADREQ, "bad_query", "id_number 无效");
			gz_err_field(&err, "id_number", "%s", e.message);
			goto fail;
		}
		memcpy(norm_id, info.normalised, sizeof norm_id);
		sodium_memzero(&info, sizeof info);
	} else if (q.kind == RECORD_Q_PHONE) {
		memcpy(norm_phone, q.phone, sizeof norm_phone);
	} else if (q.kind == RECORD_Q_ID) {
		memcpy(norm_id, q.id_number, sizeof norm_id);
	}
	sodium_memzero(&q.phone, sizeof q.phone);
	sodium_memzero(&q.id_number, sizeof q.id_number);

	/* Exact lookups and sensitive-tag filters say something about whoever matches:
	 * they need reveal rights and search only where those are held. */
	const char *by = norm_phone[0]   ? "phone"
	                 : norm_id[0]    ? "id_number"
	                 : tag_sensitive ? "tag"
	                                 : NULL;
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
	if ((norm_phone[0] || norm_id[0]) && !crypto) {
		gz_err_set(&err, GZ_EINTERNAL, "crypto_unavailable",
		           "服务器未加载个人信息加密密钥");
		goto fail;
	}
	const list_sql *lsql = c.tag_key                                  ? &sql_res_by_tag
	                       : !(c.status_mask & (1u << RECORD_ACTIVE)) ? &sql_res_left
	                                                                  : &sql_res_list;
	void (*bind)(gz_stmt *, void *) = people_list_bind;
	if (norm_phone[0] || norm_id[0]) {
		gz_crypto_lookup(crypto, norm_phone[0] ? norm_phone : norm_id, c.hash);
		sodium_memzero(norm_phone, sizeof norm_phone);
		sodium_memzero(norm_id, sizeof norm_id);
		rc.charge = 1; /* charged with the audit row, before anything is sent */
		lsql = !strcmp(by, "phone") ? &sql_res_by_phone : &sql_res_by_id;
		bind = bind_hash;
	}
	if (q.kind == RECORD_Q_TEXT) {
		c.pattern = people_like_pattern(r, q.text);
		c.addresses = gz_utf8_len(q.text, strlen(q.text)) >= 2;
	}

	/* Every part of the answer from one snapshot, ended before the audit rows. */
	if (gz_db_begin_read(db, &err) < 0)
		goto fail;
	snap = true;
	int64_t total = -1;
	bool exact = true;
	if (q.kind == RECORD_Q_UNIT) {
		if (people_unit_search(db, &c, &q.unit, scopes, ns, filter, &hits, &err) < 0 ||
		    people_unit_page(r, db, &c, &hits, limit, &after, &items, &next, &err) < 0)
			goto fail;
		total = (int64_t)hits.n;
	} else if (q.kind == RECORD_Q_TEXT) {
		if (people_text_page(r, db, &c, scopes, ns, filter, limit, &after, &items, &next,
		                     &partial, &err) < 0 ||
		    (!after.key && next.key &&
		     people_text_total(r, db, &c, scopes, ns, filter, &total, &exact, &err) < 0))
			goto fail;
	} else {
		if (gz_api_scoped_items(r,
		                        &(gz_api_list_query){.sql = lsql->same,
		                                             .sql_after = lsql->after,
		                                             .scopes = scopes,
		                                             .nscopes = ns,
		                                             .filter = filter,
		                                             .bind = bind,
		                                             .row_ctx = people_list_row,
		                                             .ctx = &c},
		                        limit, &after, &items, &next, &err) < 0)
			goto fail;
		if (!after.key && !next.key)
			total = (int64_t)json_array_size(items); /* the whole list is this page */
		else if (!after.key &&
		         list_total(db, scopes, ns, filter, &c, lsql == &sql_res_by_phone, &total,
		                    &exact, &err) < 0)
			goto fail;
	}
	if (!after.key && !next.key && total < 0)
		total = (int64_t)json_array_size(items);
	if (people_fill_addresses(&pn, db, items, &err) < 0)
		goto fail;
	gz_db_end_read(db);
	snap = false;

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
		if (qs && *qs && strcmp(by, "tag"))
			json_object_set_new(lookup, "via", json_string("q"));
		if (tag_sensitive)
			json_object_set_new(lookup, "tag", json_string(tag_code));
	}
	if (people_reveal_audit(r, db, &rc, NULL, lookup, lscope, &err) < 0)
		goto fail;
	json_decref(lookup);
	json_decref(rc.ids);
	free(hits.v);
	free(hits.units);
	people_names_free(&pn);
	json_t *out = gz_api_list_json(r, items, &next);
	if (total >= 0) {
		json_object_set_new(out, "total", json_integer((json_int_t)total));
		json_object_set_new(out, "total_exact", json_boolean(exact));
	}
	if (q.kind)
		json_object_set_new(out, "search",
		                    json_string(q.kind == RECORD_Q_TEXT    ? "text"
		                                : q.kind == RECORD_Q_UNIT  ? "unit"
		                                : q.kind == RECORD_Q_PHONE ? "phone"
		                                                           : "id_number"));
	if (partial)
		json_object_set_new(out, "scan_partial", json_true());
	people_reply(r, 200, out);
	return;
fail:
	if (snap)
		gz_db_end_read(db);
	json_decref(lookup);
	json_decref(items);
	json_decref(rc.ids);
	free(hits.v);
	free(hits.units);
	people_names_free(&pn);
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
	const char *name_pattern;
	gz_stmt *st;
	json_t *custom; /* configured tags: code -> label */
	json_t *cur;    /* the row being written */
	people_names pn;
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
			gz_stmt_bind_int64(x->st, 5, x->lc.household);
			people_list_bind_statuses(x->st, &x->lc, 6);
			gz_stmt_bind_str(x->st, 9, x->name_pattern ? x->name_pattern : "");
			if (x->lc.tag_key)
				gz_stmt_bind_str(x->st, 10, x->lc.tag_key);
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
	json_t *one = json_array();
	json_array_append(one, x->cur);
	gz_err e;
	gz_err_clear(&e);
	if (people_fill_addresses(&x->pn, x->db, one, &e) < 0) {
		json_decref(one);
		*err = e;
		return -1;
	}
	json_decref(one);
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
	cells[9] = str_or_empty(x->cur, "address");
	return 1;
}

/* GET /residents/export.xlsx?grid=&community=&street=&household=&q=&tag=&status=: every
 * resident the caller may list, masked as on screen (no reveal; sensitive-tag filters
 * and exact lookups are refused; q is a part of the name), audited as
 * "resident.export". */
static void resident_export(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	export_ctx x = {.r = r};
	people_names_init(&x.pn);
	const char *scopes[GZ_AUTH_MAX_GRANTS];
	char tag_code[40] = "", tag_key[GZ_PEOPLE_TAG_KEY_SIZE] = "";
	bool tag_sensitive = false;
	if (gz_req_query(r, "reveal") || gz_req_query(r, "phone") || gz_req_query(r, "id_number")) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query",
		           "导出始终脱敏，不支持 reveal、phone、id_number");
		goto fail;
	}
	const char *qs = gz_req_query(r, "q");
	if (qs && *qs) {
		record_query q;
		if (record_query_parse(qs, gz_time_now_ms(), &q, &err) < 0) {
			gz_err_field(&err, "q", "%s", err.message);
			goto fail;
		}
		if (q.kind != RECORD_Q_TEXT) {
			sodium_memzero(&q, sizeof q);
			gz_err_set(&err, GZ_EBADREQ, "bad_query", "导出只支持按姓名筛选");
			gz_err_field(&err, "q", "导出只支持按姓名的一部分筛选");
			goto fail;
		}
		x.name_pattern = people_like_pattern(r, q.text);
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
	static const char *const fq[] = {"grid",      "community", "street",
	                                 "household", "tag",       "status"};
	for (size_t i = 0; i < sizeof fq / sizeof fq[0]; i++)
		if (gz_req_query(r, fq[i]))
			json_object_set_new(filters, fq[i], json_string(gz_req_query(r, fq[i])));
	if (x.name_pattern)
		json_object_set_new(filters, "q", json_true()); /* a part of a name: not recorded */
	json_t *detail = json_pack("{s:o}", "filters", filters);
	static const char *const header[] = {"姓名",     "性别", "年龄段",     "手机号", "身份证号",
	                                     "网格编码", "户",   "与户主关系", "标签",   "住址"};
	gz_people_reply_xlsx(r, x.db, "residents.xlsx", header, 10, export_row, &x, NULL,
	                     "resident.export", scope, detail);
	json_decref(detail);
	gz_stmt_finish(x.st);
	json_decref(x.cur);
	json_decref(x.custom);
	people_names_free(&x.pn);
	return;
fail:
	json_decref(x.custom);
	people_names_free(&x.pn);
	gz_reply_err(r, &err);
}

const gz_module_route gz_people_resident_list_routes[] = {
    {"GET", "/api/v1/residents", resident_list, 0, 0},
    {"GET", "/api/v1/residents/export.xlsx", resident_export, 0, 0},
    {0},
};
