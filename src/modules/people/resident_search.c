/* The residents list's searches that are no single index lookup (resident_list.c runs
 * the others through the list engine): a part of a name or an address, scanned grid by
 * grid with a budget per request, with its total; and a building/unit/room ("3-2-102"),
 * from the units' numbers and the scope's buildings to the residents living there. See
 * resident_list.c for what each costs on a register of millions. */
#include "modules/people/people_internal.h"
#include "modules/people/resident_list.h"
#include "api/list.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
int people_text_page(gz_req *r, gz_db *db, list_ctx *c, const char *const *scopes, int ns,
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
		                                             .bind = people_list_bind,
		                                             .row_ctx = people_list_row,
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
int people_text_total(gz_req *r, gz_db *db, list_ctx *c, const char *const *scopes, int ns,
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

static int cmp_key(const void *a, const void *b)
{
	const res_key *x = a, *y = b;
	int c = strcmp(x->grid, y->grid);
	return c ? c : (x->id > y->id) - (x->id < y->id);
}

static void hits_add(people_unit_hits *h, const char *grid, int64_t id)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 64;
		h->v = gz_realloc(h->v, h->cap * sizeof *h->v);
	}
	snprintf(h->v[h->n].grid, SPACE_CODE_SIZE, "%s", grid);
	h->v[h->n++].id = id;
}

/* Counts a unit once; false when the unit was seen already. */
static bool unit_once(people_unit_hits *h, int64_t unit)
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

/* Units numbered exactly as typed, by the units_number index, with the residents living
 * there (statuses shown, household filter); the building's name is not needed for them
 * (unit_walk's exact pass). CROSS JOIN keeps SQLite's join order as written; PostgreSQL
 * plans it as an inner join. */
#define UNIT_RES_COLS "u.id, u.number, b.name, r.id, r.grid_code"
#define UNIT_RES_JOIN                                                                              \
	" CROSS JOIN households h CROSS JOIN residents r WHERE b.id = u.building_id AND "          \
	"h.unit_id = u.id AND r.household_id = h.id AND r.deleted_at IS NULL AND r.status IN "     \
	"($4, $5, $6) AND ($7 = 0 OR r.household_id = $7)"
static const char *sql_units_by_number =
    "SELECT u.id, u.number, '', r.id, r.grid_code FROM units u CROSS JOIN households h CROSS "
    "JOIN residents r WHERE h.unit_id = u.id AND r.household_id = h.id AND r.deleted_at IS "
    "NULL AND r.status IN ($4, $5, $6) AND ($7 = 0 OR r.household_id = $7) AND u.number = $3 "
    "AND u.grid_code >= $1 AND u.grid_code < $2";
/* A unit number and a room within its building ("3-2-102": "2-102", "2单元102",
 * "2单元102室", $8..$11) name the unit through the units_number index too: the units of the
 * range numbered so, each kept by record_unit_matches() only inside the building asked
 * for — a few probes, however many buildings the range holds. */
static const char *sql_units_by_numbers =
    "SELECT " UNIT_RES_COLS " FROM units u CROSS JOIN buildings b" UNIT_RES_JOIN
    " AND $3 = $3 AND u.number IN ($8, $9, $10, $11) AND u.grid_code >= $1 AND u.grid_code < "
    "$2";
/* Otherwise (a room alone, "3-102": any entrance; a building alone: all its units) the
 * range's buildings (a few hundred in a street, by buildings_grid): which of them is the
 * building asked for is record_building_matches()' to say, in C — cheaper than matching
 * every name against the building's spellings in SQL; then their units. */
static const char *sql_range_buildings =
    "SELECT b.id, b.name FROM buildings b WHERE b.grid_code >= $1 AND b.grid_code < $2";
/* The units of up to BUILDINGS_PER_QUERY of those buildings ($14..$45; 0 for an unused
 * slot) numbered as one of $8..$11, or like $12 ('' = none), or all of them ($13 = 1),
 * with their residents ($1..$3 unused). */
#define BUILDINGS_PER_QUERY 32
static const char *sql_units_in_buildings =
    "SELECT " UNIT_RES_COLS " FROM units u CROSS JOIN buildings b" UNIT_RES_JOIN
    " AND $1 = $1 AND $2 = $2 AND $3 = $3 AND u.building_id IN ($14, $15, $16, $17, $18, $19, "
    "$20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36, $37, "
    "$38, $39, $40, $41, $42, $43, $44, $45) AND ($13 = 1 OR u.number IN ($8, $9, $10, $11) OR "
    "($12 <> '' AND u.number LIKE $12))";

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

static int unit_walk(gz_stmt *st, const record_unit_ref *q, bool exact, people_unit_hits *h,
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
int people_unit_search(gz_db *db, const list_ctx *c, const record_unit_ref *q,
                       const char *const *scopes, int ns, const char *filter, people_unit_hits *h,
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
	/* The units numbered exactly as typed are all found by the first pass (a unit lies in
	 * its building's grid): the walk of the buildings looks for the other spellings. */
	if (exact[0])
		memcpy(cand[0], cand[1], sizeof cand[0]);
	bool any = every || like[0];
	for (int i = 0; i < ns && h->nunits <= UNIT_MATCH_MAX; i++) {
		char lo[GZ_SCOPE_MAX + 2], hi[GZ_SCOPE_MAX + 2];
		if ((filter && !strcmp(filter, "x")) ||
		    !gz_api_scope_range(scopes[i], filter, lo, hi))
			continue;
		/* 1: the units numbered as typed ("3-2-102" anywhere in the range). */
		if (exact[0]) {
			gz_stmt *st = gz_db_prepare(db, sql_units_by_number, err);
			if (!st)
				return -1;
			bind_unit_query(st, c, lo, hi, exact);
			if (unit_walk(st, q, true, h, scopes, ns, filter, err) < 0)
				return -1;
		}
		/* 2: the units of the range's buildings that are the building asked for. */
		if (!any) {
			gz_stmt *st = gz_db_prepare(db, sql_units_by_numbers, err);
			if (!st)
				return -1;
			bind_unit_query(st, c, lo, hi, "");
			for (int k = 0; k < 4; k++)
				gz_stmt_bind_str(st, 8 + k, cand[k]);
			if (unit_walk(st, q, false, h, scopes, ns, filter, err) < 0)
				return -1;
			continue;
		}
		int64_t *bids = NULL;
		size_t nb = 0, capb = 0;
		gz_stmt *st = gz_db_prepare(db, sql_range_buildings, err);
		if (!st)
			return -1;
		gz_stmt_bind_str(st, 1, lo);
		gz_stmt_bind_str(st, 2, hi);
		int rc;
		while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
			if (!record_building_matches(q, gz_stmt_text(st, 1)))
				continue;
			if (nb == capb) {
				capb = capb ? 2 * capb : 32;
				bids = gz_realloc(bids, capb * sizeof *bids);
			}
			bids[nb++] = gz_stmt_int64(st, 0);
		}
		gz_stmt_finish(st);
		if (rc < 0) {
			free(bids);
			return -1;
		}
		for (size_t b = 0; b < nb && h->nunits <= UNIT_MATCH_MAX;
		     b += BUILDINGS_PER_QUERY) {
			st = gz_db_prepare(db, sql_units_in_buildings, err);
			if (!st) {
				free(bids);
				return -1;
			}
			bind_unit_query(st, c, "", "", "");
			for (size_t k = 0; k < BUILDINGS_PER_QUERY; k++)
				gz_stmt_bind_int64(st, 14 + (int)k, b + k < nb ? bids[b + k] : 0);
			for (int k = 0; k < 4; k++)
				gz_stmt_bind_str(st, 8 + k, cand[k]);
			gz_stmt_bind_str(st, 12, like);
			gz_stmt_bind_int64(st, 13, every);
			if (unit_walk(st, q, false, h, scopes, ns, filter, err) < 0) {
				free(bids);
				return -1;
			}
		}
		free(bids);
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

/* The rows of up to PAGE_IDS residents of an address search's page ($1..$21; 0 for an
 * unused slot): one statement for the page instead of one per row. */
#define PAGE_IDS 21
static const char *sql_page_rows =
    "SELECT " RES_COLS " FROM residents r WHERE r.id IN ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
    "$11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) AND "
    "r.deleted_at IS NULL";

/* The page of an address search after the cursor, in the hits' (grid, id) order. */
int people_unit_page(gz_req *r, gz_db *db, list_ctx *c, const people_unit_hits *h, int limit,
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
	while (i < h->n && (int)json_array_size(*items) < limit) {
		size_t want = (size_t)limit - json_array_size(*items), n = h->n - i;
		if (n > want)
			n = want;
		if (n > PAGE_IDS)
			n = PAGE_IDS;
		json_t *got[PAGE_IDS] = {0};
		gz_stmt *st = gz_db_prepare(db, sql_page_rows, err);
		if (!st)
			return -1;
		for (size_t k = 0; k < PAGE_IDS; k++)
			gz_stmt_bind_int64(st, 1 + (int)k, k < n ? h->v[i + k].id : 0);
		int rc;
		while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
			int64_t id = gz_stmt_int64(st, C_ID), key;
			for (size_t k = 0; k < n; k++)
				if (h->v[i + k].id == id && !got[k]) {
					got[k] = people_list_row(r, st, &key, c);
					break;
				}
		}
		gz_stmt_finish(st);
		if (rc < 0) {
			for (size_t k = 0; k < n; k++)
				json_decref(got[k]);
			return -1;
		}
		for (size_t k = 0; k < n; k++)
			if (got[k])
				json_array_append_new(*items, got[k]);
		i += n;
	}
	if (i < h->n && json_array_size(*items)) {
		json_t *last = json_array_get(*items, json_array_size(*items) - 1);
		snprintf(next->grid, sizeof next->grid, "%s",
		         json_string_value(json_object_get(last, "grid_code")));
		next->key = gz_api_parse_id(json_string_value(json_object_get(last, "id")));
	}
	return 0;
}
