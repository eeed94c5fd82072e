/* Reading a whole input file given on the command line, with a size limit, so every
 * command refuses an oversized file the same way before it parses a byte. */
#ifndef GZ_CORE_FILE_H
#define GZ_CORE_FILE_H

#include "core/err.h"

#include <stddef.h>

/* Reads path whole: a regular file is refused up front if larger than max bytes, a
 * pipe or device as soon as it passes max. Returns a malloc'd buffer (NUL-terminated;
 * *len excludes the NUL) the caller frees, or NULL with err set: GZ_ENOTFOUND
 * "file_unreadable" (cannot be opened or read; the reason from errno) or
 * GZ_ETOOLARGE "file_too_large" (the message names the size and the limit). */
char *gz_file_read(const char *path, size_t max, size_t *len, gz_err *err);

#endif
