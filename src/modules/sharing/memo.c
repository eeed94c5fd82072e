/* The memo of per-grid partial results (memo.h). */
#include "modules/sharing/memo.h"
#include "core/mem.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
	sharing_memo_val val; /* first: a val pointer is its entry */
	atomic_int refs;
	int kind;
	char grid[SPACE_CODE_SIZE];
	int64_t from_ms, to_ms, version;
	int64_t data[];
} entry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static entry *slots[SHARING_MEMO_SLOTS];
static size_t bytes; /* of the entries in slots */

int sharing_versions_load(gz_db *db, const char *lo, const char *hi, sharing_version **out,
                          size_t *n, gz_err *err)
{
	*out = NULL, *n = 0;
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT grid_code, v FROM share_versions WHERE grid_code >= $1 "
	                            "AND grid_code < $2 ORDER BY grid_code",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, lo);
	gz_stmt_bind_str(st, 2, hi);
	size_t cap = 0;
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		if (*n == cap)
			cap = cap ? 2 * cap : 64, *out = gz_realloc(*out, cap * sizeof **out);
		sharing_version *x = &(*out)[(*n)++];
		snprintf(x->code, sizeof x->code, "%s", gz_stmt_text(st, 0));
		x->v = gz_stmt_int64(st, 1);
	}
	gz_stmt_finish(st);
	if (rc < 0) {
		free(*out), *out = NULL, *n = 0;
		return -1;
	}
	return 0;
}

int64_t sharing_version_of(const sharing_version *vs, size_t n, const char *code)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(vs[mid].code, code);
		if (!c)
			return vs[mid].v;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static size_t slot_of(int kind, const char *grid, int64_t from_ms, int64_t to_ms)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (const char *p = grid; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	int64_t k[3] = {kind, from_ms, to_ms};
	for (int i = 0; i < 3; i++)
		h = (h ^ (uint64_t)k[i]) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29)) % SHARING_MEMO_SLOTS;
}

static size_t entry_bytes(const entry *e)
{
	return sizeof *e + e->val.n * sizeof(int64_t);
}

static void unref(entry *e)
{
	if (e && atomic_fetch_sub(&e->refs, 1) == 1)
		free(e);
}

const sharing_memo_val *sharing_memo_get(int kind, const char *grid, int64_t from_ms, int64_t to_ms,
                                         int64_t version)
{
	size_t i = slot_of(kind, grid, from_ms, to_ms);
	entry *e;
	pthread_mutex_lock(&lock);
	e = slots[i];
	if (e && e->kind == kind && e->from_ms == from_ms && e->to_ms == to_ms &&
	    e->version == version && !strcmp(e->grid, grid))
		atomic_fetch_add(&e->refs, 1);
	else
		e = NULL;
	pthread_mutex_unlock(&lock);
	return e ? &e->val : NULL;
}

const sharing_memo_val *sharing_memo_put(int kind, const char *grid, int64_t from_ms, int64_t to_ms,
                                         int64_t version, const int64_t *v, size_t n)
{
	entry *e = gz_malloc(sizeof *e + n * sizeof *v);
	memset(e, 0, sizeof *e);
	if (n)
		memcpy(e->data, v, n * sizeof *v);
	e->val.n = n, e->val.v = e->data;
	atomic_init(&e->refs, 1); /* the caller's */
	e->kind = kind, e->from_ms = from_ms, e->to_ms = to_ms, e->version = version;
	snprintf(e->grid, sizeof e->grid, "%s", grid);
	size_t sz = entry_bytes(e);
	if (sz > SHARING_MEMO_BYTES / 4)
		return &e->val; /* too big to keep: the caller's only */
	size_t i = slot_of(kind, grid, from_ms, to_ms);
	entry *old;
	pthread_mutex_lock(&lock);
	if (bytes + sz > SHARING_MEMO_BYTES) {
		for (size_t k = 0; k < SHARING_MEMO_SLOTS; k++)
			unref(slots[k]), slots[k] = NULL;
		bytes = 0;
	}
	old = slots[i];
	if (old)
		bytes -= entry_bytes(old);
	atomic_fetch_add(&e->refs, 1); /* the table's */
	slots[i] = e, bytes += sz;
	pthread_mutex_unlock(&lock);
	unref(old);
	return &e->val;
}

void sharing_memo_release(const sharing_memo_val *val)
{
	unref((entry *)(void *)val);
}

void sharing_memo_clear(void)
{
	pthread_mutex_lock(&lock);
	for (size_t k = 0; k < SHARING_MEMO_SLOTS; k++)
		unref(slots[k]), slots[k] = NULL;
	bytes = 0;
	pthread_mutex_unlock(&lock);
}
