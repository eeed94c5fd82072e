/* Shared by the engine's files (pairs.c builds the network, engine.c solves it):
 * allocation that counts the bytes held, so the engine reports its peak memory. */
#ifndef GZ_MODULES_MATCHING_METER_H
#define GZ_MODULES_MATCHING_METER_H

#include <stddef.h>
#include <stdlib.h>

typedef struct match_meter {
	size_t now, peak;
} match_meter;

/* calloc(count, size) counted in *m; NULL on exhaustion or overflow. */
static inline void *match_alloc(match_meter *m, size_t count, size_t size)
{
	if (count == 0)
		count = 1;
	if (size && count > (size_t)-1 / size)
		return NULL;
	void *p = calloc(count, size);
	if (p) {
		m->now += count * size;
		if (m->now > m->peak)
			m->peak = m->now;
	}
	return p;
}

/* Frees what match_alloc(m, count, size) returned (p may be NULL). */
static inline void match_release(match_meter *m, void *p, size_t count, size_t size)
{
	if (!p)
		return;
	if (count == 0)
		count = 1;
	m->now -= count * size;
	free(p);
}

/* Resizes what match_alloc(m, old, size) returned to new elements (the new tail is
 * not zeroed). NULL on exhaustion, leaving p as it was. */
static inline void *match_resize(match_meter *m, void *p, size_t old, size_t new, size_t size)
{
	if (old == 0)
		old = 1;
	if (new == 0)
		new = 1;
	if (size && new > (size_t)-1 / size)
		return NULL;
	void *q = realloc(p, new *size);
	if (q) {
		m->now = m->now - old * size + new *size;
		if (m->now > m->peak)
			m->peak = m->now;
	}
	return q;
}

#endif
