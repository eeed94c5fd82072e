/* The answers of GET /api/v1/cases for one grid, kept in this process for a moment.
 *
 * A work list is read far more often than it changes (a grid worker's phone polls it, a
 * hall screen shows it), and building a page of 20 cases — joins for names, JSON, times
 * — costs twenty times what sending it does. So a page filtered to one grid is kept,
 * keyed by everything the answer depends on: the caller (user id and every grant: a
 * revoked grant is another key), and the query exactly as sent. It is served again
 * while both hold:
 *   - the grid's version (case_grid_versions, moved by every write to one of its cases
 *     in the write's transaction, case_grid_touch) is the one it was built at: a write is
 *     seen by the next read, in every process, since the version is in the database;
 *   - it is younger than CACHE_TTL_MS: what the version does not follow — the overdue
 *     mark computed from the clock, a renamed organisation or category — is at most that
 *     old.
 * Entries are this process's memory only, at most CACHE_MAX_BYTES; past that the cache
 * starts over empty (simple, and a miss is only the work the cache saves). */
#include "modules/cases/cases_internal.h"
#include "core/mem.h"
#include "core/time.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_TTL_MS    2000
#define CACHE_MAX_BYTES (32u << 20)
#define NBUCKETS        4096

typedef struct entry {
	struct entry *next;
	uint64_t hash;
	char *key;
	int64_t version, at_ms;
	char *body;
	size_t len;
} entry;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static entry *buckets[NBUCKETS];
static size_t bytes;

static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void clear_all(void)
{
	for (size_t i = 0; i < NBUCKETS; i++) {
		for (entry *e = buckets[i], *n; e; e = n) {
			n = e->next;
			free(e->key);
			free(e->body);
			free(e);
		}
		buckets[i] = NULL;
	}
	bytes = 0;
}

char *case_list_cache_key(gz_req *r, const gz_actor *a)
{
	size_t cap = 64;
	for (int i = 0; i < a->ngrants; i++)
		cap += strlen(a->grants[i].scope) + 16;
	for (int i = 0; r->head && i < r->head->nargs; i++)
		cap += strlen(r->head->args[i].name) + strlen(r->head->args[i].value) + 2;
	char *k = gz_arena_alloc(&r->arena, cap), *o = k;
	o += sprintf(o, "%lld", a->user_id);
	for (int i = 0; i < a->ngrants; i++)
		o += sprintf(o, "|%d:%s", (int)a->grants[i].role, a->grants[i].scope);
	*o++ = '?';
	for (int i = 0; r->head && i < r->head->nargs; i++)
		o += sprintf(o, "%s=%s\x1f", r->head->args[i].name, r->head->args[i].value);
	*o = '\0';
	return k;
}

int case_list_cache_get(const char *key, int64_t version, char **body, size_t *len)
{
	uint64_t h = fnv(key);
	int64_t now = gz_time_now_ms();
	int hit = 0;
	pthread_mutex_lock(&mu);
	for (entry *e = buckets[h % NBUCKETS]; e; e = e->next) {
		if (e->hash == h && !strcmp(e->key, key)) {
			if (e->version == version && now - e->at_ms < CACHE_TTL_MS &&
			    now >= e->at_ms) {
				*body = gz_malloc(e->len);
				memcpy(*body, e->body, e->len);
				*len = e->len;
				hit = 1;
			}
			break;
		}
	}
	pthread_mutex_unlock(&mu);
	return hit;
}

void case_list_cache_put(const char *key, int64_t version, int64_t at_ms, const char *body,
                         size_t len)
{
	uint64_t h = fnv(key);
	size_t klen = strlen(key);
	pthread_mutex_lock(&mu);
	entry **p = &buckets[h % NBUCKETS];
	while (*p && !((*p)->hash == h && !strcmp((*p)->key, key)))
		p = &(*p)->next;
	if (*p) { /* replace */
		entry *old = *p;
		*p = old->next;
		bytes -= old->len + strlen(old->key);
		free(old->key);
		free(old->body);
		free(old);
	}
	if (bytes + len + klen > CACHE_MAX_BYTES)
		clear_all();
	entry *e = gz_malloc(sizeof *e);
	*e = (entry){.hash = h,
	             .key = gz_strdup(key),
	             .version = version,
	             .at_ms = at_ms,
	             .body = gz_malloc(len ? len : 1),
	             .len = len};
	memcpy(e->body, body, len);
	e->next = buckets[h % NBUCKETS];
	buckets[h % NBUCKETS] = e;
	bytes += len + klen;
	pthread_mutex_unlock(&mu);
}

int case_grid_version(gz_db *db, const char *grid, int64_t *n, gz_err *err)
{
	*n = 0;
	return gz_db_query_int64_text(db, "SELECT n FROM case_grid_versions WHERE grid_code = $1",
	                              n, err, grid) < 0
	           ? -1
	           : 0;
}

int case_grid_touch(gz_db *db, const char *grid, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "INSERT INTO case_grid_versions (grid_code, n) VALUES ($1, 1) "
	                            "ON CONFLICT (grid_code) DO UPDATE SET n = "
	                            "case_grid_versions.n + 1",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, grid);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}
