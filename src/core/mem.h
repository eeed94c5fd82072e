/* Allocation wrappers that never return NULL: on exhaustion they print a message
 * and abort, so call sites stay free of OOM branches (as in kore). */
#ifndef GZ_CORE_MEM_H
#define GZ_CORE_MEM_H

#include <stddef.h>

void *gz_malloc(size_t n);
void *gz_calloc(size_t count, size_t size);
void *gz_realloc(void *p, size_t n);
char *gz_strdup(const char *s);
char *gz_strndup(const char *s, size_t n);

#endif
