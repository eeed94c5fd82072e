/* Display names of records, for answers that point at records another module keeps:
 * the audit log ("王永飞 查看了 居民 高小华"), the places of accounts' grants ("团结南社区
 * 第一网格" for 110105001001001), the object of a row.
 *
 * Each module registers, once at start-up (its descriptor's init), a namer for each of
 * its record types: a function that names a batch of ids in a few queries (ids bound in
 * chunks of GZ_NAMES_CHUNK, never one query per id) and applies the viewer's masking
 * rule (a resident's name is masked by gz_people_name_visible, as on every page). A
 * caller asks by record type; a type nobody registered names nothing (the ids stay).
 *
 * The record type "place" names space codes (streets, communities, grids; "" is the
 * whole system), registered by the space module; an organisation's scope ("org:<id>/")
 * asked for as a "place" is named by the "org_scope" namer (the org module's). */
#ifndef GZ_API_NAMES_H
#define GZ_API_NAMES_H

#include "api/auth.h"
#include "core/arena.h"
#include "db/db.h"

#include <stdbool.h>
#include <stddef.h>

/* Ids bound per query by gz_names_resolve (unused slots are bound NULL). */
#define GZ_NAMES_CHUNK 16
/* "($1,$2,...,$16)": the IN list a namer's query uses for its ids. */
#define GZ_NAMES_IN "($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)"

typedef struct gz_name_ref {
	const char *id;     /* in: the record's id (a space code for "place") */
	const char *name;   /* out: the name as the viewer may see it; NULL when unknown */
	const char *detail; /* out, optional: a second line (a grid's community, an address) */
	bool masked;        /* out: name is a person's name masked for this viewer */
} gz_name_ref;

/* Fills ref from a row of the namer's query for viewer (NULL: nobody in particular —
 * every person's name masked); strings are copied into A. */
typedef void (*gz_name_row_fn)(gz_stmt *st, gz_name_ref *ref, const gz_actor *viewer, gz_arena *A);

/* A namer, declared as data: its query takes the ids as $1..$GZ_NAMES_CHUNK ("... WHERE
 * id IN " GZ_NAMES_IN) and returns the id as column 0; ids are bound as integers when
 * int_ids (an id that is not a positive integer names nothing), as text otherwise.
 * empty_name, when not NULL, names the id "" (the whole system, for places). */
typedef struct gz_namer {
	const char *record_type;
	const char *sql;
	bool int_ids;
	gz_name_row_fn row;
	const char *empty_name;
} gz_namer;

/* Registers the namers[] (ending with {0}; static storage); a second registration of a
 * record type replaces the first. Called from module init hooks, before serving. */
void gz_names_register(const gz_namer *namers);

/* Names refs[0..n) of record_type for viewer, clearing every out field first: one query
 * per GZ_NAMES_CHUNK ids. Strings live in A. Returns 0 (also when no namer is registered
 * for the type: the names stay NULL), or -1 with err on a database error. */
int gz_names_resolve(const gz_actor *viewer, gz_db *db, gz_arena *A, const char *record_type,
                     gz_name_ref *refs, size_t n, gz_err *err);

#endif
