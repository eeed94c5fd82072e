/* Scoped lists and the query filters that narrow them, shared by the resource files so
 * each exists once.
 *
 * A scoped list is filtered in SQL: one prefix range per scope of the caller
 * (gz_auth_scopes(): disjoint ranges, see policy_scope_upper()), narrowed by an optional
 * code filter, each range fetching at most limit+1 rows; the rows are merged by their
 * cursor key, counted once when two ranges meet the same key, and cut at limit. Every
 * scoped list of the API runs here (residents, households and units included). */
#ifndef GZ_API_LIST_H
#define GZ_API_LIST_H

#include "db/db.h"
#include "api/auth.h"
#include "domain/policy.h"
#include "http/http.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* Levels a code filter may name (gz_api_code_query()). */
enum { GZ_API_AT_STREET = 1, GZ_API_AT_COMMUNITY = 2, GZ_API_AT_GRID = 4 };

/* Query parameter ?key= holding a space code of one of the levels in mask (GZ_API_AT_*).
 * Sets *out to it, or to NULL when absent, and returns 0. Returns -1 with err set (400
 * "bad_query", field key) when it is malformed or of another level; with a single-level
 * mask the field says what that level's code looks like. */
int gz_api_code_query(gz_req *r, const char *key, unsigned mask, const char **out, gz_err *err);

/* The range [lo, hi) where scope and the optional filter prefix overlap; false if they
 * do not. lo and hi hold GZ_SCOPE_MAX + 2 bytes. */
bool gz_api_scope_range(const char *scope, const char *filter, char *lo, char *hi);

/* Runs sql once per scope — $1 and $2 the scope's range of codes (gz_api_scope_range),
 * $3 the text p3 when it is not NULL — and adds the integer it answers (a COUNT) to *sum.
 * For the workbench's counts inside the caller's grants. 0, or -1 with err set. */
int gz_api_sum_scopes(gz_db *db, const char *const *scopes, int n, const char *sql, const char *p3,
                      int64_t *sum, gz_err *err);

/* Where a page starts: after the row with key (0: at the start) — and, for lists in
 * (grid_code, id) order, in grid (that row's grid when the page was read, so a row that
 * moves grid between two pages neither hides nor repeats the rows after it). */
typedef struct {
	char grid[GZ_SCOPE_MAX]; /* "" for lists in key order */
	int64_t key;
} gz_api_cursor;

/* Row -> new JSON item, setting *key (the cursor key: the code as a number, or the id).
 * Items of lists in (grid_code, id) order have a "grid_code" member. */
typedef json_t *(*gz_api_row_fn)(gz_req *r, gz_stmt *st, int64_t *key);
/* The same with the query's ctx. */
typedef json_t *(*gz_api_row_ctx_fn)(gz_req *r, gz_stmt *st, int64_t *key, void *ctx);
/* Completes a page's items (e.g. nested rows) once the scoped queries are done; returns
 * 0, or -1 with err set. */
typedef int (*gz_api_page_fn)(gz_db *db, json_t *items, gz_err *err);

/* One scoped list query: the caller's scopes for action on res (or the scopes given),
 * each narrowed to filter, one query each.
 *
 * In key order (sql_after NULL): sql takes $1 lo, $2 hi, $3 after, $4 limit+1 and returns
 * rows ordered by the key row() reports.
 *
 * In (grid_code, id) order (sql_after set) — the order of the (grid_code, id) indexes, so
 * a page is an index seek and a short walk, never a sort of the scope — a range is read
 * by two queries ($1 a grid code, $2 the range's exclusive upper bound, $3 an id, $4 the
 * rows wanted): sql the rows with grid_code = $1 and id > $3, by id; sql_after the rows
 * with grid_code > $1 (and $3 = 0), by (grid_code, id).
 *
 * Either way the list's own parameters follow: texts[0..ntexts) (NULL bound as "") as
 * $5.., then ints[0..nints), then whatever bind() binds. */
typedef struct {
	const char *sql, *sql_after;
	policy_action action; /* the caller's scopes for action on res ... */
	policy_resource res;
	const char *const *scopes; /* ... unless given here: scopes[0..nscopes) */
	int nscopes;
	const char *filter; /* code prefix narrowing every scope, or NULL */
	int after_level;    /* key order: 0, keys are ids, $3 is the id after the cursor;
	                     * else keys are codes of this space level, $3 is the code */
	const char *const *texts;
	int ntexts;
	const int64_t *ints;
	int nints;
	void (*bind)(gz_stmt *st, void *ctx);
	gz_api_row_fn row;         /* or: */
	gz_api_row_ctx_fn row_ctx; /* called with ctx */
	void *ctx;
	gz_api_page_fn page; /* optional; only gz_api_scoped_list() calls it */
} gz_api_list_query;

/* ?limit= and ?cursor= of a list (gz_req_list_params()), the cursor of a list in
 * (grid_code, id) order when by_grid. Returns 0, or -1 with err set (400 "bad_query" for
 * a malformed value, a cursor of another kind of list included). */
int gz_api_list_params(gz_req *r, bool by_grid, int *limit, gz_api_cursor *after, gz_err *err);

/* {"items": items, "next_cursor": ... | null} (next->key 0: no next page). Steals
 * items. */
json_t *gz_api_list_json(gz_req *r, json_t *items, const gz_api_cursor *next);

/* Runs q once per scope and sets *items (new array: the first limit rows by key) and
 * *next (where the next page starts, key 0 when there are no further rows). A row met
 * through two scopes is counted once. Work is proportional to the caller's scopes and
 * the page, never to the table. Returns 0, or -1 with err set (a scope error, 400
 * "bad_query" for a cursor that is no code of after_level, or a database error). */
int gz_api_scoped_items(gz_req *r, const gz_api_list_query *q, int limit,
                        const gz_api_cursor *after, json_t **items, gz_api_cursor *next,
                        gz_err *err);

/* A whole list answer: reads ?limit= and ?cursor= (gz_api_list_params()), runs
 * gz_api_scoped_items(), then q->page, and answers {"items", "next_cursor"} or the
 * error. */
void gz_api_scoped_list(gz_req *r, const gz_api_list_query *q);

#endif
