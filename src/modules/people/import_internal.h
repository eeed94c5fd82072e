/* What the pieces of the import (people_import.c) share: module-internal, included
 * only by the import's files and its unit test. import_parse.c checks headers and cells
 * and collects problems; import_rows.c turns residents' rows into sealed records on the
 * producer thread — neither needs the database. import_store.c loads grids and tags and
 * finds or creates places (buildings, units, households); import_consumer.c inserts the
 * residents and their lookup keys; import_report.c builds the report (JSON and .xlsx);
 * people_import.c and import_units.c are the two imports. */
#ifndef GZ_MODULES_PEOPLE_IMPORT_INTERNAL_H
#define GZ_MODULES_PEOPLE_IMPORT_INTERNAL_H

#include "modules/people/import_rows.h"
#include "api/auth.h"
#include "db/db.h"
#include "modules/people/people.h"

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A small string -> int64 map for the consumer's caches (buildings, units,
 * households). */
typedef struct {
	struct kv {
		char *k;
		int64_t v;
	} * v;
	size_t cap, n;
} smap;

/* What the consumer knows about places, shared by both imports. */
typedef struct {
	gz_db *db;
	const gridset *grids;
	smap buildings;  /* "grid|name" or "#id" -> building id (-1 missing); grid in bgrid */
	smap bgrid;      /* "#id" -> grid index (-1: outside the caller's grids) */
	smap units;      /* "building|room" -> unit id (-1 missing) */
	smap households; /* "u:unit" or "a:grid|address" -> household id (< 0: would be created) */
	int64_t fake;    /* ids handed out in look-up mode */
	size_t households_created;
} places;

/* The smallest scope holding every grid written: the common node of the smallest and
 * the largest code (codes sort as paths). */
typedef struct {
	char lo[SPACE_CODE_SIZE], hi[SPACE_CODE_SIZE];
} span;

/* Statements. SQLite: ids are given (the import holds the write lock from BEGIN
 * IMMEDIATE, so MAX(id) + 1 ... are free), which spares RETURNING's per-row temporary
 * result, and rows go in RES_MULTI at a time; lookup keys KEY_MULTI at a time. All
 * are bounded by GZ_DB_MAX_PARAMS per statement (the unit test checks). Fewer, larger
 * statements are most of the import's speed. PostgreSQL: the identity
 * column hands ids out, one row per statement with RETURNING.
 *
 * The multi-row texts are built once and never freed: the statement cache knows a
 * statement by the address of its text. */
#define RES_MULTI  16
#define RES_PARAMS 13
/* Rows without household, birth date or sensitive tags (most rows of a register): those
 * columns are NULL in the statement text, so 9 parameters a row, 32 rows (+ the time). */
#define PLAIN_MULTI  32
#define PLAIN_PARAMS 9
#define KEY_MULTI    128

/* A checked row waiting for its multi-row INSERT (SQLite). */
typedef struct {
	const batch *b;
	const res_row *x;
	int64_t id, household;
	const char *grid;
} pending;

typedef struct {
	res_imp *m;
	places pl;
	problems cp; /* the consumer's problems */
	bool write;  /* inserting (no problem so far, not a dry run) */
	bool dry_run;
	bool given_ids; /* SQLite: ids assigned here from next_id */
	int64_t next_id;
	int64_t created;
	pending pend[RES_MULTI], plain[PLAIN_MULTI];
	int npend, nplain;
	hkeys ids, phones;
	span sp;
	/* Duplicates against the register. Only those held by residents the caller reads
	 * are problems of their rows; the others are counted (hidden) and reported as one
	 * count, so the report never says which rows matched someone out of scope. */
	const char *rscopes[GZ_AUTH_MAX_GRANTS];
	int nrscopes;
	size_t compared, matched, hidden;
	/* Residents written per grid (an index of the gridset), for resident_counts. */
	int64_t *grid_created;
} consumer;

/* Loads the grids inside the actor's write scopes (all grids for the operator). */
int people_gridset_load(gz_db *db, const gz_actor *a, gridset *g, gz_err *err);

int people_tagcat_load(gz_db *db, const gz_crypto *c, tagcat *t, gz_err *err);

bool people_smap_get(const smap *m, const char *k, int64_t *v);

void people_smap_put(smap *m, const char *k, int64_t v);

void people_smap_free(smap *m);

void people_places_free(places *pl);

/* The building named by a cell: its id (digits) — anywhere in the caller's grids — or its
 * name within grid (index, -1 when the row gave none). Returns 1 found (with *id, *grid
 * set to its grid index), 0 not found or not in the caller's grids, -1 db error. */
int people_building_find(places *pl, const char *cell, int grid, int64_t *id, int *bgrid_out,
                         gz_err *err);

/* The unit (building, room): 1 with *id, 0 when there is none, -1 db error. */
int people_unit_find(places *pl, int64_t building, const char *room, int64_t *id, gz_err *err);

/* The household of a unit (its first) or of an address within a grid, created when
 * missing (in look-up mode only counted). Returns 0 with *id, -1 db error. */
int people_household_for(places *pl, int64_t unit, const char *grid, const char *address,
                         bool write, int64_t now, int64_t *id, gz_err *err);

/* The audit of an import's comparison against the register (HTTP only; the command
 * line has the database itself): "<kind>.import.lookup" with how many values were
 * compared, and, when some matched residents the actor cannot read,
 * "<kind>.import.hidden_duplicates" with their count — never a value. In the caller's
 * open transaction. */
int people_lookup_audit(gz_db *db, const gz_actor *a, const char *kind, bool dry_run, size_t rows,
                        size_t compared, size_t matched, size_t hidden, gz_err *err);

void people_span_add(span *s, const char *code);

void people_span_scope(const span *s, char *out, size_t cap);

/* SQLite: a larger page cache for the import's random index writes; restored after. */
void people_cache_big(gz_db *db, bool on);

/* The holder of an ID key and its grid (NULL when the resident is gone): whether the
 * caller may be told which row matched depends on whether it reads that grid. */
extern const char *const people_sql_idkey_exists;

extern pthread_once_t people_sql_once;

void people_sql_build(void);

/* Writes the pending rows: RES_MULTI in one statement, fewer one by one. */
int people_flush_rows(consumer *c, gz_err *err);

/* Writes the pending plain rows: PLAIN_MULTI in one statement, fewer through
 * people_flush_rows' statements. */
int people_flush_plain(consumer *c, gz_err *err);

/* One checked row into the database (or, in look-up mode, only checked against it).
 * Returns 0, or -1 with err on a database error. */
int people_consume_row(consumer *c, const batch *b, const res_row *x, gz_err *err);

/* After the last row: duplicate ID numbers within the file (neighbours once sorted) and
 * against the database, then the phone keys. Returns 0, or -1 with err. */
int people_finish_keys(consumer *c, gz_err *err);

/* The report's "errors" array from several lists, sorted by row, at most max entries. */
json_t *people_problems_json(const problems *lists, int nlists, size_t max, size_t *total);

/* The report of a residents import (gz_people_import()): built before the COMMIT of a
 * write, which commits it as the answer (gz_api_commit()), else once everything is read. */
json_t *people_residents_report(res_imp *m, consumer *c, bool dry_run, bool xlsx);

/* The report of a units import, like people_residents_report(). */
json_t *people_units_report(problems *p, bool dry_run, bool xlsx, size_t rows, int64_t created,
                            int64_t owners_created);

int people_import_units(gz_db *db, const gz_actor *a, const char *buf, size_t len, bool dry_run,
                        json_t **report, gz_err *err);

int people_import_residents(gz_db *db, const gz_actor *a, const char *buf, size_t len, bool dry_run,
                            json_t **report, gz_err *err);

#endif
