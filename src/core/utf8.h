#ifndef GZ_CORE_UTF8_H
#define GZ_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True if s[0..n) is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF) and contains no NUL byte. */
bool gz_utf8_valid(const char *s, size_t n);

/* Number of code points in well-formed UTF-8 s[0..n). */
size_t gz_utf8_len(const char *s, size_t n);

/* The length of the longest prefix of well-formed UTF-8 s[0..n) that is at most max bytes
 * and ends on a character boundary (for quoting text in messages). */
size_t gz_utf8_prefix(const char *s, size_t n, size_t max);

#endif
