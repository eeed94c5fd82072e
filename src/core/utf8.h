#ifndef GZ_CORE_UTF8_H
#define GZ_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True if s[0..n) is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF) and contains no NUL byte. */
bool gz_utf8_valid(const char *s, size_t n);

/* Number of code points in well-formed UTF-8 s[0..n). */
size_t gz_utf8_len(const char *s, size_t n);

#endif
