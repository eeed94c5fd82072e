/* A request arena: many small allocations, freed all at once with gz_arena_free().
 * Each HTTP request owns one; handlers allocate freely from it (as h2o's mem pool). */
#ifndef GZ_CORE_ARENA_H
#define GZ_CORE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct gz_arena_chunk gz_arena_chunk;

typedef struct gz_arena {
	gz_arena_chunk *head;
} gz_arena;

/* Zero-initialised arenas are valid and empty. */
void gz_arena_init(gz_arena *a);
/* Frees every allocation made from the arena; the arena stays usable. */
void gz_arena_free(gz_arena *a);

/* Never returns NULL (aborts on exhaustion). Memory is 16-byte aligned and zeroed. */
void *gz_arena_alloc(gz_arena *a, size_t n);
char *gz_arena_strndup(gz_arena *a, const char *s, size_t n);
char *gz_arena_strdup(gz_arena *a, const char *s);
char *gz_arena_printf(gz_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
