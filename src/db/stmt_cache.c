/* The per-connection prepared-statement cache shared by both drivers (driver.h).
 *
 * Keyed by the SQL text (a hash of its words), not by the caller's pointer: SQL built at run time
 * with the same text finds the same statement, and a freed and reused buffer can never match a
 * statement of other text. Several statements of one text may be cached at once when one is
 * prepared again while the first is still in use (a nested loop).
 *
 * Lookup is one hash chain; recency is a doubly linked list, newest first, so taking,
 * adding and evicting are O(1) apart from skipping the few statements in use at the old
 * end of the list. */
#include "db/driver.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

/* Every prepare hashes its SQL (often several hundred bytes, dozens of times a request):
 * eight bytes a step, then the tail, each mixed in by one multiply. */
static uint64_t hash_sql(const char *s)
{
	const uint64_t k = UINT64_C(0x9e3779b97f4a7c15);
	size_t n = strlen(s);
	uint64_t h = UINT64_C(14695981039346656037) ^ n, w;
	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * k;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, s, n);
	h = (h ^ w) * k;
	return h ^ (h >> 29);
}

static size_t buckets_for(int cap)
{
	size_t n = 16;
	while (n < (size_t)cap * 2)
		n *= 2;
	return n;
}

void gz_stmt_cache_init(gz_stmt_cache *c, int cap)
{
	memset(c, 0, sizeof *c);
	c->cap = cap < 0 ? 0 : cap;
	c->nbuckets = buckets_for(c->cap);
	c->buckets = gz_calloc(c->nbuckets, sizeof *c->buckets);
}

void gz_stmt_cache_free(gz_stmt_cache *c)
{
	free(c->buckets);
	c->buckets = NULL;
	c->nbuckets = 0;
}

static void list_unlink(gz_stmt_cache *c, gz_stmt *s)
{
	if (s->newer)
		s->newer->older = s->older;
	else
		c->newest = s->older;
	if (s->older)
		s->older->newer = s->newer;
	else
		c->oldest = s->newer;
	s->newer = s->older = NULL;
}

static void list_push_newest(gz_stmt_cache *c, gz_stmt *s)
{
	s->older = c->newest;
	s->newer = NULL;
	if (c->newest)
		c->newest->newer = s;
	else
		c->oldest = s;
	c->newest = s;
}

/* Removes s from the table and the list; s->cached becomes false. */
static void unlink_stmt(gz_stmt_cache *c, gz_stmt *s)
{
	gz_stmt **p = &c->buckets[s->hash & (c->nbuckets - 1)];
	while (*p != s)
		p = &(*p)->hnext;
	*p = s->hnext;
	s->hnext = NULL;
	list_unlink(c, s);
	s->cached = false;
	c->count--;
}

gz_stmt *gz_stmt_cache_take(gz_db *db, const char *sql, uint64_t *hash)
{
	gz_stmt_cache *c = &db->cache;
	uint64_t h = hash_sql(sql);
	*hash = h;
	for (gz_stmt *s = c->buckets[h & (c->nbuckets - 1)]; s; s = s->hnext) {
		if (s->hash != h || s->busy || strcmp(s->sql, sql))
			continue;
		s->busy = true;
		list_unlink(c, s);
		list_push_newest(c, s);
		c->hits++;
		return s;
	}
	c->misses++;
	return NULL;
}

/* Evicts the least recently used idle statement; false when all are in use. */
static bool evict_one(gz_db *db)
{
	gz_stmt_cache *c = &db->cache;
	gz_stmt *s = c->oldest;
	while (s && s->busy)
		s = s->newer;
	if (!s)
		return false;
	unlink_stmt(c, s);
	c->evictions++;
	db->ops->evict(db, s);
	return true;
}

void gz_stmt_cache_add(gz_db *db, gz_stmt *st)
{
	gz_stmt_cache *c = &db->cache;
	st->cached = false;
	if (c->cap == 0)
		return;
	while (c->count >= c->cap)
		if (!evict_one(db))
			return;
	size_t b = st->hash & (c->nbuckets - 1);
	st->hnext = c->buckets[b];
	c->buckets[b] = st;
	list_push_newest(c, st);
	st->cached = true;
	c->count++;
}

void gz_stmt_cache_clear(gz_db *db, void (*release)(gz_db *db, gz_stmt *st))
{
	gz_stmt_cache *c = &db->cache;
	while (c->oldest) {
		gz_stmt *s = c->oldest;
		unlink_stmt(c, s);
		if (!s->busy)
			(release ? release : db->ops->evict)(db, s);
	}
}

void gz_stmt_cache_resize(gz_db *db, int cap)
{
	gz_stmt_cache *c = &db->cache;
	c->cap = cap < 0 ? 0 : cap;
	while (c->count > c->cap && evict_one(db)) {
	}
	size_t nb = buckets_for(c->cap);
	if (nb == c->nbuckets)
		return;
	gz_stmt **old = c->buckets;
	size_t oldn = c->nbuckets;
	c->buckets = gz_calloc(nb, sizeof *c->buckets);
	c->nbuckets = nb;
	for (size_t i = 0; i < oldn; i++) {
		for (gz_stmt *s = old[i], *next; s; s = next) {
			next = s->hnext;
			size_t b = s->hash & (nb - 1);
			s->hnext = c->buckets[b];
			c->buckets[b] = s;
		}
	}
	free(old);
}
