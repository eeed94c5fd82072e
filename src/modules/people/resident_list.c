/* The residents list (scoped, cursor pages in (grid, id) order, filters, the one search
 * box, totals) and the .xlsx export, which walks the same scoped queries.
 *
 * What ?q= searches (records.h, record_query_parse), and how each stays cheap on a
 * register of millions:
 *   ID number, phone   exact lookup through the keyed hash (resident_id_keys /
 *                      resident_phone_keys: one index probe), needs reveal, audited and
 *                      charged like ?id_number= / ?phone=; a part of a number is refused
 *   "3-2-102" & co.    units by number (index units_number) and the buildings of the
 *                      scope whose name is that building (buildings_grid, a few hundred
 *                      rows for a street), then their households and residents; at most
 *                      UNIT_MATCH_MAX units, else 400 (narrow it down)
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

/* Residents a text search examines per request (rows of the scope, any status). */
#define TEXT_SCAN_BUDGET 20000
/* Residents a first page's count of a text search examines before it extrapolates. */
#define TEXT_COUNT_BUDGET 50000
/* Tag rows counted for a tag filter's total before it gives the bound. */
#define TAG_COUNT_MAX 100000
/* Units an address search may match (else 400: narrow it down). */
#define UNIT_MATCH_MAX 2000
/* The cursor key after every resident of a grid: continue at the next grid. */
#define CURSOR_GRID_END INT64_C(999999999999999999)

/* ---------------------------------------------------------------- the queries */

/* The lists, each as the pair of queries a list in (grid_code, id) order runs per scope
 * (gz_api_list_query, api/list.h): rows of the cursor's grid after it, then the later
 * grids, both in index order. Parameters after the engine's $1..$4: $5 household (0 =
 * any), $6..$8 the statuses shown ('' for none), then the list's own. */
#define RES_SAME(from, where)                                                                      \
	"SELECT " RES_COLS " FROM " from " WHERE " where                                           \
	" AND r.grid_code = $1 AND r.grid_code < $2 AND r.id > $3 AND r.deleted_at IS NULL ORDER " \
	"BY r.id LIMIT $4"
#define RES_AFTER(from, where)                                                                     \
	"SELECT " RES_COLS " FROM " from " WHERE " where                                           \
	" AND r.grid_code > $1 AND r.grid_code < $2 AND r.id > $3 AND r.deleted_at IS NULL ORDER " \
	"BY r.grid_code, r.id LIMIT $4"
#define RES_FILTERS "($5 = 0 OR r.household_id = $5) AND r.status IN ($6, $7, $8)"
/* Only those who left: the partial index residents_left holds exactly these rows. */
#define RES_LEFT "r.status <> 'active' AND " RES_FILTERS
typedef struct {
	const char *same, *after;
} list_sql;
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
/* Text: $9 the LIKE pattern, $10 = 1 to match addresses too. Run one grid at a time. */
#define TEXT_FROM                                                                                  \
	"residents r LEFT JOIN households h ON h.id = r.household_id LEFT JOIN units u ON u.id = " \
	"h.unit_id LEFT JOIN buildings b ON b.id = u.building_id"
#define TEXT_MATCH                                                                                 \
	"(r.name LIKE $9 ESCAPE '\\' OR ($10 = 1 AND (h.address LIKE $9 ESCAPE '\\' OR b.name "    \
	"LIKE $9 ESCAPE '\\' OR b.address LIKE $9 ESCAPE '\\')))"
static const list_sql sql_res_text = {RES_SAME(TEXT_FROM, RES_FILTERS " AND " TEXT_MATCH),
                                      RES_AFTER(TEXT_FROM, RES_FILTERS " AND " TEXT_MATCH)};
static const char *sql_text_count =
    "SELECT COUNT(*) FROM " TEXT_FROM " WHERE r.grid_code = $1 AND r.deleted_at IS NULL AND "
    "($2 = 0 OR r.household_id = $2) AND r.status IN ($3, $4, $5) AND (r.name LIKE $6 ESCAPE "
    "'\\' OR ($7 = 1 AND (h.address LIKE $6 ESCAPE '\\' OR b.name LIKE $6 ESCAPE '\\' OR "
    "b.address LIKE $6 ESCAPE '\\')))";

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

typedef struct {
	int64_t household;
	const char *statuses[3]; /* the codes shown; "" for none */
	unsigned status_mask;
	const char *tag_key;
	const char *pattern; /* LIKE pattern of a text search, or NULL */
	bool addresses;      /* the text search also matches addresses */
	uint8_t hash[GZ_CRYPTO_LOOKUP_BYTES];
	reveal_ctx *rc;
} list_ctx;

static void bind_common(gz_stmt *st, const list_ctx *c, int first)
{
	for (int i = 0; i < 3; i++)
		gz_stmt_bind_str(st, first + i, c->statuses[i]);
}

static void bind_list(gz_stmt *st, void *ctx)
{
	list_ctx *c = ctx;
	gz_stmt_bind_int64(st, 5, c->household);
	bind_common(st, c, 6);
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
	bind_common(st, c, 6);
}

static json_t *res_row_fn(gz_req *r, gz_stmt *st, int64_t *key, void *ctx)
{
	list_ctx *c = ctx;
	*key = gz_stmt_int64(st, C_ID);
	return people_resident_json(r, st, c->rc);
}

/* ---------------------------------------------------------------- filters */

/* The LIKE pattern for a text search ("%q%", with \ % _ escaped by \), in r's arena. */
static const char *like_pattern(gz_req *r, const char *q)
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

/* ---------------------------------------------------------------- text search */

typedef struct {
	char grid[SPACE_CODE_SIZE];
	int64_t n; /* residents of every status */
} grid_n;

/* The grids of the scopes (narrowed to filter) holding residents, from from_grid on, in
 * code order, with their resident counts; at most max. */
static int grids_of_scope(gz_req *r, gz_db *db, const char *const *scopes, int ns,
                          const char *filter, const char *from_grid, grid_n **out, int *nout,
                          int max, gz_err *err)
{
	*nout = 0;
	*out = gz_arena_alloc(&r->arena, sizeof **out * (size_t)max);
	for (int i = 0; i < ns; i++) {
		char lo[GZ_SCOPE_MAX + 2], hi[GZ_SCOPE_MAX + 2];
		if (!gz_api_scope_range(scopes[i], filter, lo, hi))
			continue;
		gz_stmt *st =
		    gz_db_prepare(db,
		                  "SELECT grid_code, SUM(n) FROM resident_counts WHERE "
		                  "grid_code >= $1 AND grid_code < $2 AND grid_code >= $3 "
		                  "GROUP BY grid_code HAVING SUM(n) > 0 ORDER BY grid_code "
		                  "LIMIT $4",
		                  err);
		if (!st)
			return -1;
		gz_stmt_bind_str(st, 1, lo);
		gz_stmt_bind_str(st, 2, hi);
		gz_stmt_bind_str(st, 3, from_grid ? from_grid : "");
		gz_stmt_bind_int64(st, 4, max - *nout);
		int rc;
		while ((rc = gz_stmt_step(st, err)) == GZ_ROW && *nout < max) {
			snprintf((*out)[*nout].grid, SPACE_CODE_SIZE, "%s", gz_stmt_text(st, 0));
			(*out)[*nout].n = gz_stmt_int64(st, 1);
			(*nout)++;
		}
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	}
	/* Scopes are disjoint ranges: sorting the grids orders the whole walk. */
	for (int i = 1; i < *nout; i++)
		for (int j = i; j > 0 && strcmp((*out)[j - 1].grid, (*out)[j].grid) > 0; j--) {
			grid_n t = (*out)[j];
			(*out)[j] = (*out)[j - 1];
			(*out)[j - 1] = t;
		}
	return 0;
}

#define GRIDS_MAX 4096

/* One page of a text search: grid after grid from the cursor, each through the list
 * engine narrowed to that grid, until the page is full or TEXT_SCAN_BUDGET residents
 * were examined. *partial: the scan stopped on its budget (next continues it). */
static int text_page(gz_req *r, gz_db *db, list_ctx *c, const char *const *scopes, int ns,
                     const char *filter, int limit, const gz_api_cursor *after, json_t **items,
                     gz_api_cursor *next, bool *partial, gz_err *err)
{
	grid_n *g;
	int ng;
	memset(next, 0, sizeof *next);
	*partial = false;
	*items = json_array();
	if (filter && !strcmp(filter, "x"))
		return 0;
	if (grids_of_scope(r, db, scopes, ns, filter, after->key ? after->grid : NULL, &g, &ng,
	                   GRIDS_MAX, err) < 0)
		return -1;
	int64_t examined = 0;
	for (int i = 0; i < ng; i++) {
		gz_api_cursor from = {0};
		if (after->key && !strcmp(after->grid, g[i].grid)) {
			if (after->key >= CURSOR_GRID_END)
				continue;
			from = *after;
		}
		int want = limit - (int)json_array_size(*items);
		json_t *part = NULL;
		gz_api_cursor pn;
		if (gz_api_scoped_items(r,
		                        &(gz_api_list_query){.sql = sql_res_text.same,
		                                             .sql_after = sql_res_text.after,
		                                             .scopes = scopes,
		                                             .nscopes = ns,
		                                             .filter = g[i].grid,
		                                             .bind = bind_list,
		                                             .row_ctx = res_row_fn,
		                                             .ctx = c},
		                        want, &from, &part, &pn, err) < 0)
			return -1;
		size_t k;
		json_t *it;
		json_array_foreach(part, k, it) json_array_append(*items, it);
		json_decref(part);
		examined += g[i].n;
		bool full = (int)json_array_size(*items) >= limit;
		if (pn.key) {
			/* More matches in this grid than the page holds. */
			*next = pn;
			return 0;
		}
		if (full) {
			if (i + 1 < ng || ng == GRIDS_MAX) {
				snprintf(next->grid, sizeof next->grid, "%s", g[i].grid);
				next->key = CURSOR_GRID_END;
			}
			return 0;
		}
		if (examined >= TEXT_SCAN_BUDGET && i + 1 < ng) {
			snprintf(next->grid, sizeof next->grid, "%s", g[i].grid);
			next->key = CURSOR_GRID_END;
			*partial = true;
			return 0;
		}
	}
	if (ng == GRIDS_MAX) {
		snprintf(next->grid, sizeof next->grid, "%s", g[ng - 1].grid);
		next->key = CURSOR_GRID_END;
		*partial = true;
	}
	return 0;
}

/* The total of a text search: exact when the scope's residents fit TEXT_COUNT_BUDGET,
 * else the matches among the grids counted, scaled to the whole scope by the counters. */
static int text_total(gz_req *r, gz_db *db, list_ctx *c, const char *const *scopes, int ns,
                      const char *filter, int64_t *total, bool *exact, gz_err *err)
{
	grid_n *g;
	int ng;
	*total = 0;
	*exact = true;
	if (filter && !strcmp(filter, "x"))
		return 0;
	if (grids_of_scope(r, db, scopes, ns, filter, NULL, &g, &ng, GRIDS_MAX, err) < 0)
		return -1;
	int64_t all = 0, examined = 0, matched = 0;
	for (int i = 0; i < ng; i++)
		all += g[i].n;
	for (int i = 0; i < ng && examined < TEXT_COUNT_BUDGET; i++) {
		gz_stmt *st = gz_db_prepare(db, sql_text_count, err);
		if (!st)
			return -1;
		gz_stmt_bind_str(st, 1, g[i].grid);
		gz_stmt_bind_int64(st, 2, c->household);
		for (int k = 0; k < 3; k++)
			gz_stmt_bind_str(st, 3 + k, c->statuses[k]);
		gz_stmt_bind_str(st, 6, c->pattern);
		gz_stmt_bind_int64(st, 7, c->addresses);
		int rc = gz_stmt_step(st, err);
		if (rc == GZ_ROW)
			matched += gz_stmt_int64(st, 0);
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
		examined += g[i].n;
	}
	if (examined >= all && ng < GRIDS_MAX) {
		*total = matched;
		return 0;
	}
	*exact = false;
	*total = examined ? (int64_t)((double)matched * (double)all / (double)examined + 0.5) : 0;
	return 0;
}

/* ---------------------------------------------------------------- address search */

typedef struct {
	char grid[SPACE_CODE_SIZE];
	int64_t id;
} res_key;

static int cmp_key(const void *a, const void *b)
{
	const res_key *x = a, *y = b;
	int c = strcmp(x->grid, y->grid);
	return c ? c : (x->id > y->id) - (x->id < y->id);
}

typedef struct {
	res_key *v;
	size_t n, cap;
	int64_t *units;
	size_t nunits, capunits;
} unit_hits;

static void hits_add(unit_hits *h, const char *grid, int64_t id)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 64;
		h->v = gz_realloc(h->v, h->cap * sizeof *h->v);
	}
	snprintf(h->v[h->n].grid, SPACE_CODE_SIZE, "%s", grid);
	h->v[h->n++].id = id;
}

/* Counts a unit once; false when the unit was seen already. */
static bool unit_once(unit_hits *h, int64_t unit)
{
	for (size_t i = 0; i < h->nunits; i++)
		if (h->units[i] == unit)
			return false;
	if (h->nunits == h->capunits) {
		h->capunits = h->capunits ? 2 * h->capunits : 64;
		h->units = gz_realloc(h->units, h->capunits * sizeof *h->units);
	}
	h->units[h->nunits++] = unit;
	return true;
}

/* Units numbered exactly as typed, and units of the scope's buildings that bear the
 * building's number, with the residents living there (statuses shown, household filter). */
/* Units numbered exactly as typed, by the units_number index, with the residents living
 * there (statuses shown, household filter). CROSS JOIN keeps SQLite's join order as
 * written; PostgreSQL plans it as an inner join. */
#define UNIT_RES_COLS "u.id, u.number, b.name, r.id, r.grid_code"
#define UNIT_RES_JOIN                                                                              \
	" CROSS JOIN households h CROSS JOIN residents r WHERE b.id = u.building_id AND "          \
	"h.unit_id = u.id AND r.household_id = h.id AND r.deleted_at IS NULL AND r.status IN "     \
	"($4, $5, $6) AND ($7 = 0 OR r.household_id = $7)"
static const char *sql_units_by_number =
    "SELECT " UNIT_RES_COLS " FROM units u CROSS JOIN buildings b" UNIT_RES_JOIN
    " AND u.number = $3 AND u.grid_code >= $1 AND u.grid_code < $2";
/* The units of the range's buildings whose name ends with the building asked for
 * ($14..$21: '%3号楼', '%3栋', ... and '3'; record_building_matches() then decides, so
 * "13号楼" is no "3号楼"), numbered as one of $8..$11, or like $12 ('' = none), or all of
 * them ($13 = 1): one walk of the range's buildings (a few hundred in a street), the
 * matching ones' units from the (building_id, number) index, only matching units joined
 * to their residents. */
static const char *sql_units_in_buildings =
    "SELECT " UNIT_RES_COLS " FROM buildings b CROSS JOIN units u" UNIT_RES_JOIN
    " AND b.grid_code >= $1 AND b.grid_code < $2 AND $3 = $3 AND (b.name LIKE $14 OR b.name "
    "LIKE $15 OR b.name LIKE $16 OR b.name LIKE $17 OR b.name LIKE $18 OR b.name LIKE $19 OR "
    "b.name LIKE $20 OR b.name = $21) AND ($13 = 1 OR u.number IN ($8, $9, $10, $11) OR ($12 "
    "<> '' AND u.number LIKE $12))";

/* Which rows of an address search the caller may see: inside a scope and the filter. */
static bool key_visible(const char *grid, const char *const *scopes, int ns, const char *filter)
{
	if (filter && !policy_scope_contains(filter, grid))
		return false;
	for (int i = 0; i < ns; i++)
		if (policy_scope_contains(scopes[i], grid))
			return true;
	return false;
}

static int unit_walk(gz_stmt *st, const record_unit_ref *q, bool exact, unit_hits *h,
                     const char *const *scopes, int ns, const char *filter, gz_err *err)
{
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		if (!exact && !record_unit_matches(q, gz_stmt_text(st, 2), gz_stmt_text(st, 1)))
			continue;
		unit_once(h, gz_stmt_int64(st, 0));
		if (h->nunits > UNIT_MATCH_MAX)
			break;
		const char *grid = gz_stmt_text(st, 4);
		if (key_visible(grid, scopes, ns, filter))
			hits_add(h, grid, gz_stmt_int64(st, 3));
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

static void bind_unit_query(gz_stmt *st, const list_ctx *c, const char *lo, const char *hi,
                            const char *exact)
{
	gz_stmt_bind_str(st, 1, lo);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_str(st, 3, exact);
	for (int k = 0; k < 3; k++)
		gz_stmt_bind_str(st, 4 + k, c->statuses[k]);
	gz_stmt_bind_int64(st, 7, c->household);
}

/* Every resident of the units q names, inside the scopes: sorted, unique. */
static int unit_search(gz_db *db, const list_ctx *c, const record_unit_ref *q,
                       const char *const *scopes, int ns, const char *filter, unit_hits *h,
                       gz_err *err)
{
	char exact[64] = "", cand[4][64], like[32] = "";
	const record_unit_ref *u = q;
	if (u->room[0] && u->entrance[0]) {
		snprintf(exact, sizeof exact, "%s-%s-%s", u->building, u->entrance, u->room);
		snprintf(cand[0], 64, "%s", exact);
		snprintf(cand[1], 64, "%s-%s", u->entrance, u->room);
		snprintf(cand[2], 64, "%s单元%s", u->entrance, u->room);
		snprintf(cand[3], 64, "%s单元%s室", u->entrance, u->room);
	} else if (u->room[0]) {
		snprintf(exact, sizeof exact, "%s-%s", u->building, u->room);
		snprintf(cand[0], 64, "%s", exact);
		snprintf(cand[1], 64, "%s", u->room);
		snprintf(cand[2], 64, "%s室", u->room);
		snprintf(cand[3], 64, "%s号", u->room);
		snprintf(like, sizeof like, "%%-%s", u->room);
	} else {
		for (int i = 0; i < 4; i++)
			cand[i][0] = '\0';
	}
	bool every = !u->room[0];
	static const char *const marks[] = {"号楼", "栋", "幢", "座", "号", "楼", "#"};
	char names[7][32];
	for (int k = 0; k < 7; k++)
		snprintf(names[k], sizeof names[k], "%%%s%s", u->building, marks[k]);
	for (int i = 0; i < ns && h->nunits <= UNIT_MATCH_MAX; i++) {
		char lo[GZ_SCOPE_MAX + 2], hi[GZ_SCOPE_MAX + 2];
		if ((filter && !strcmp(filter, "x")) ||
		    !gz_api_scope_range(scopes[i], filter, lo, hi))
			continue;
		for (int pass = exact[0] ? 0 : 1; pass < 2; pass++) {
			/* 0: the units numbered as typed ("3-2-102" anywhere in the range);
			 * 1: the units of the range's buildings that are the building asked for. */
			gz_stmt *st = gz_db_prepare(
			    db, pass ? sql_units_in_buildings : sql_units_by_number, err);
			if (!st)
				return -1;
			bind_unit_query(st, c, lo, hi, exact);
			if (pass) {
				for (int k = 0; k < 4; k++)
					gz_stmt_bind_str(st, 8 + k, cand[k]);
				gz_stmt_bind_str(st, 12, like);
				gz_stmt_bind_int64(st, 13, every);
				for (int k = 0; k < 7; k++)
					gz_stmt_bind_str(st, 14 + k, names[k]);
				gz_stmt_bind_str(st, 21, u->building);
			}
			if (unit_walk(st, q, pass == 0, h, scopes, ns, filter, err) < 0)
				return -1;
		}
	}
	if (h->nunits > UNIT_MATCH_MAX)
		return gz_err_set(err, GZ_EBADREQ, "too_many_matches",
		                  "符合的房屋超过 %d 套：请输入单元和房号，或先选择网格",
		                  UNIT_MATCH_MAX);
	if (h->n)
		qsort(h->v, h->n, sizeof *h->v, cmp_key);
	size_t m = 0;
	for (size_t i = 0; i < h->n; i++)
		if (!m || cmp_key(&h->v[m - 1], &h->v[i]))
			h->v[m++] = h->v[i];
	h->n = m;
	return 0;
}

/* The page of an address search after the cursor, read row by row. */
static int unit_page(gz_req *r, gz_db *db, list_ctx *c, const unit_hits *h, int limit,
                     const gz_api_cursor *after, json_t **items, gz_api_cursor *next, gz_err *err)
{
	*items = json_array();
	memset(next, 0, sizeof *next);
	size_t i = 0;
	if (after->key) {
		res_key k;
		snprintf(k.grid, sizeof k.grid, "%.15s", after->grid);
		k.id = after->key;
		while (i < h->n && cmp_key(&h->v[i], &k) <= 0)
			i++;
	}
	for (; i < h->n && (int)json_array_size(*items) < limit; i++) {
		gz_stmt *st = gz_db_prepare(
		    db,
		    "SELECT " RES_COLS " FROM residents r WHERE r.id = $1 AND r.deleted_at IS NULL",
		    err);
		if (!st)
			return -1;
		gz_stmt_bind_int64(st, 1, h->v[i].id);
		int k = people_step_one(st, err);
		if (k < 0)
			return -1;
		if (k == 1) {
			int64_t key;
			json_array_append_new(*items, res_row_fn(r, st, &key, c));
			gz_stmt_finish(st);
		}
	}
	if (i < h->n && json_array_size(*items)) {
		json_t *last = json_array_get(*items, json_array_size(*items) - 1);
		snprintf(next->grid, sizeof next->grid, "%s",
		         json_string_value(json_object_get(last, "grid_code")));
		next->key = gz_api_parse_id(json_string_value(json_object_get(last, "id")));
	}
	return 0;
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
	unit_hits hits = {0};
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
	void (*bind)(gz_stmt *, void *) = bind_list;
	if (norm_phone[0] || norm_id[0]) {
		gz_crypto_lookup(crypto, norm_phone[0] ? norm_phone : norm_id, c.hash);
		sodium_memzero(norm_phone, sizeof norm_phone);
		sodium_memzero(norm_id, sizeof norm_id);
		rc.charge = 1; /* charged with the audit row, before anything is sent */
		lsql = !strcmp(by, "phone") ? &sql_res_by_phone : &sql_res_by_id;
		bind = bind_hash;
	}
	if (q.kind == RECORD_Q_TEXT) {
		c.pattern = like_pattern(r, q.text);
		c.addresses = gz_utf8_len(q.text, strlen(q.text)) >= 2;
	}

	/* Every part of the answer from one snapshot, ended before the audit rows. */
	if (gz_db_begin_read(db, &err) < 0)
		goto fail;
	snap = true;
	int64_t total = -1;
	bool exact = true;
	if (q.kind == RECORD_Q_UNIT) {
		if (unit_search(db, &c, &q.unit, scopes, ns, filter, &hits, &err) < 0 ||
		    unit_page(r, db, &c, &hits, limit, &after, &items, &next, &err) < 0)
			goto fail;
		total = (int64_t)hits.n;
	} else if (q.kind == RECORD_Q_TEXT) {
		if (text_page(r, db, &c, scopes, ns, filter, limit, &after, &items, &next, &partial,
		              &err) < 0 ||
		    (!after.key && next.key &&
		     text_total(r, db, &c, scopes, ns, filter, &total, &exact, &err) < 0))
			goto fail;
	} else {
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
			bind_common(x->st, &x->lc, 6);
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
		x.name_pattern = like_pattern(r, q.text);
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
