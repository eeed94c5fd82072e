/* Scoped lists and the query filters that narrow them, shared by the resource files so
 * each exists once.
 *
 * A scoped list is filtered in SQL: one prefix range per scope of the caller
 * (gz_auth_scopes(): disjoint ranges, see policy_scope_upper()), narrowed by an optional
 * code filter, each range fetching at most limit+1 rows; the rows are merged by their
 * cursor key, counted once when two ranges meet the same key, and cut at limit. */
#ifndef GZ_API_LIST_H
#define GZ_API_LIST_H

#include "db/db.h"
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

/* Row -> new JSON item, setting *key (the cursor key: the code as a number, or the id). */
typedef json_t *(*gz_api_row_fn)(gz_req *r, gz_stmt *st, int64_t *key);
/* Completes a page's items (e.g. nested rows) once the scoped queries are done; returns
 * 0, or -1 with err set. */
typedef int (*gz_api_page_fn)(gz_db *db, json_t *items, gz_err *err);

/* One scoped list query. sql takes $1 lo, $2 hi, $3 after, $4 limit+1, then
 * texts[0..ntexts) (NULL bound as "") as $5.., then ints[0..nints) as the following,
 * and must return rows ordered by the key row() reports. */
typedef struct {
	const char *sql;
	policy_action action; /* the caller's scopes for action on res */
	policy_resource res;
	const char *filter; /* code prefix narrowing every scope, or NULL */
	int after_level;    /* 0: keys are ids, $3 is the id after the cursor;
	                     * else keys are codes of this space level, $3 is the code */
	const char *const *texts;
	int ntexts;
	const int64_t *ints;
	int nints;
	gz_api_row_fn row;
	gz_api_page_fn page; /* optional; only gz_api_scoped_list() calls it */
} gz_api_list_query;

/* Runs q once per scope and sets *items (new array: the first limit rows by key) and
 * *next (the key to continue after, 0 when there are no further rows). Returns 0, or -1
 * with err set (a scope error, 400 "bad_query" for a cursor that is no code of
 * after_level, or a database error). */
int gz_api_scoped_items(gz_req *r, const gz_api_list_query *q, int limit, int64_t after,
                        json_t **items, int64_t *next, gz_err *err);

/* A whole list answer: reads ?limit= and ?cursor= (gz_req_list_params()), runs
 * gz_api_scoped_items(), then q->page, and answers {"items", "next_cursor"} or the
 * error. */
void gz_api_scoped_list(gz_req *r, const gz_api_list_query *q);

#endif
