/* The sharing module's memo of per-grid partial results (module-internal): what GET
 * /sharing/equity computed for a grid and a period — its satisfaction and sorted
 * durations (the medians), its vulnerable-group figures — kept in process memory with the
 * grid's change version (share_versions, kept by triggers: migrations/0003_versions.sql)
 * and reused while the version read in a later request's snapshot is the same, so a
 * request recomputes only the grids whose rows changed. docs/METRICS.md "Cost of the
 * case times" has the method.
 *
 * Bounded (a fixed table of SHARING_MEMO_SLOTS entries, direct-mapped by key, and
 * SHARING_MEMO_BYTES of values in all: past it the table is emptied) and thread-safe
 * (one mutex; entries are immutable and reference-counted, so a reader keeps using an
 * entry that another thread replaces). Each process has its own; the versions are in the
 * database, so every process validates against them. */
#ifndef GZ_MODULES_SHARING_MEMO_H
#define GZ_MODULES_SHARING_MEMO_H

#include "db/db.h"
#include "modules/space/space.h"

#include <stddef.h>
#include <stdint.h>

#define SHARING_MEMO_SLOTS 16384
#define SHARING_MEMO_BYTES (64u << 20)

/* What a value is (part of the key). */
enum { SHARING_MEMO_TIMES = 1, SHARING_MEMO_GROUPS = 2 };

/* A memoised value: n int64 values, interpreted by its kind. */
typedef struct {
	size_t n;
	const int64_t *v;
} sharing_memo_val;

/* The versions of the grids in [lo, hi) in the current snapshot, in code order. */
typedef struct {
	char code[SPACE_CODE_SIZE];
	int64_t v;
} sharing_version;

/* Reads them (one range of share_versions' key). Returns 0 with *out (free() it) and
 * *n, or -1 with err. */
int sharing_versions_load(gz_db *db, const char *lo, const char *hi, sharing_version **out,
                          size_t *n, gz_err *err);
/* The version of code in vs (0: no row, the grid never had a counted case or a tag). */
int64_t sharing_version_of(const sharing_version *vs, size_t n, const char *code);

/* The value kept for (kind, grid, from_ms, to_ms) at version, with a reference the caller
 * drops with sharing_memo_release; NULL when there is none at that version. */
const sharing_memo_val *sharing_memo_get(int kind, const char *grid, int64_t from_ms, int64_t to_ms,
                                         int64_t version);
/* Keeps a copy of v[0..n) for the key at version (replacing what the slot held) and
 * returns it with a reference for the caller. */
const sharing_memo_val *sharing_memo_put(int kind, const char *grid, int64_t from_ms, int64_t to_ms,
                                         int64_t version, const int64_t *v, size_t n);
void sharing_memo_release(const sharing_memo_val *val);
/* Empties the memo (bench/dashboard.c: the cold cost). */
void sharing_memo_clear(void);

#endif
