#include "core/arena.h"
#include "core/mem.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK 8192

struct gz_arena_chunk {
	gz_arena_chunk *next;
	size_t used, cap;
	_Alignas(16) unsigned char data[];
};

void gz_arena_init(gz_arena *a)
{
	a->head = NULL;
}

/* A few standard chunks kept per thread: a server worker answers request after request
 * with an arena each, and a malloc/free of 8 KiB per request costs glibc a fastbin
 * consolidation every time. Chunks of other sizes go back to malloc. */
#define SPARE_MAX 4
static __thread gz_arena_chunk *spare[SPARE_MAX];
static __thread int nspare;
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;

/* At thread exit: the spares go back to malloc (and leak checkers see no leak). */
static void spare_release(void *unused)
{
	(void)unused;
	while (nspare)
		free(spare[--nspare]);
}

static void spare_key_make(void)
{
	pthread_key_create(&spare_key, spare_release);
}

static void spare_keep(gz_arena_chunk *c)
{
	if (!nspare) {
		/* A non-NULL value makes the destructor run when this thread ends. */
		pthread_once(&spare_once, spare_key_make);
		pthread_setspecific(spare_key, spare);
	}
	spare[nspare++] = c;
}

void gz_arena_free(gz_arena *a)
{
	gz_arena_chunk *c = a->head;
	while (c) {
		gz_arena_chunk *next = c->next;
		if (c->cap == ARENA_CHUNK && nspare < SPARE_MAX)
			spare_keep(c);
		else
			free(c);
		c = next;
	}
	a->head = NULL;
}

void *gz_arena_alloc(gz_arena *a, size_t n)
{
	if (n > SIZE_MAX / 2) {
		fprintf(stderr, "gongzhi: arena allocation of %zu bytes refused\n", n);
		abort();
	}
	n = (n + 15) & ~(size_t)15;
	gz_arena_chunk *c = a->head;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > ARENA_CHUNK / 2 ? n : ARENA_CHUNK;
		c = cap == ARENA_CHUNK && nspare ? spare[--nspare] : gz_malloc(sizeof *c + cap);
		c->used = 0;
		c->cap = cap;
		if (n > ARENA_CHUNK / 2 && a->head) {
			/* Big block: keep the current chunk at the head for small ones. */
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	void *p = c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

char *gz_arena_strndup(gz_arena *a, const char *s, size_t n)
{
	char *p = gz_arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *gz_arena_strdup(gz_arena *a, const char *s)
{
	return gz_arena_strndup(a, s, strlen(s));
}

char *gz_arena_printf(gz_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return gz_arena_strdup(a, "");
	char *p = gz_arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
