/* What the residents list (resident_list.c) and its searches (resident_search.c)
 * share: module-internal. */
#ifndef GZ_MODULES_PEOPLE_RESIDENT_LIST_H
#define GZ_MODULES_PEOPLE_RESIDENT_LIST_H

#include "modules/people/people_internal.h"
#include "api/list.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

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
/* A list's pair of queries (same grid, later grids). */
typedef struct {
	const char *same, *after;
} list_sql;

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

/* Binds the statuses shown as $first..$first+2 ('' for none). */
void people_list_bind_statuses(gz_stmt *st, const list_ctx *c, int first);

/* The list engine's bind: $5 household, $6..$8 statuses, then a tag key or a text
 * search's pattern and address flag ($9, $10). */
void people_list_bind(gz_stmt *st, void *ctx);

/* The list engine's row: the resident as r may see it, keyed by id. */
json_t *people_list_row(gz_req *r, gz_stmt *st, int64_t *key, void *ctx);

/* The LIKE pattern of a text search ("%q%", with \\ % _ escaped by \\), in r's arena. */
const char *people_like_pattern(gz_req *r, const char *q);

/* One page of a text search: grid after grid from the cursor, each through the list
 * engine narrowed to that grid, until the page is full or TEXT_SCAN_BUDGET residents
 * were examined (*partial: stopped on the budget; next continues the scan). */
int people_text_page(gz_req *r, gz_db *db, list_ctx *c, const char *const *scopes, int ns,
                     const char *filter, int limit, const gz_api_cursor *after, json_t **items,
                     gz_api_cursor *next, bool *partial, gz_err *err);

/* The total of a text search: exact when the scope holds at most TEXT_COUNT_BUDGET
 * residents, else scaled by the counters (*exact false). */
int people_text_total(gz_req *r, gz_db *db, list_ctx *c, const char *const *scopes, int ns,
                      const char *filter, int64_t *total, bool *exact, gz_err *err);

typedef struct {
	char grid[SPACE_CODE_SIZE];
	int64_t id;
} res_key;

typedef struct {
	res_key *v;
	size_t n, cap;
	int64_t *units;
	size_t nunits, capunits;
} people_unit_hits;

/* Every resident of the units q names inside the scopes (narrowed to filter), sorted by
 * (grid, id), unique, into h (freed by the caller: h->v, h->units). 400
 * too_many_matches beyond UNIT_MATCH_MAX units. */
int people_unit_search(gz_db *db, const list_ctx *c, const record_unit_ref *q,
                       const char *const *scopes, int ns, const char *filter, people_unit_hits *h,
                       gz_err *err);

/* The page of an address search after the cursor. */
int people_unit_page(gz_req *r, gz_db *db, list_ctx *c, const people_unit_hits *h, int limit,
                     const gz_api_cursor *after, json_t **items, gz_api_cursor *next, gz_err *err);

#endif
