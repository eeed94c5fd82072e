/* HTTP/1.1 message framing (RFC 9112), pure: bytes in, a parsed request head or a
 * chunked body out. No I/O, no globals; the server (server.c) and the fuzz target
 * (tests/fuzz/fuzz_http.c) call the same functions.
 *
 * The parser is strict where leniency lets two parties disagree on where a request
 * ends (request smuggling): lines end in CRLF, never a bare CR or LF; no whitespace
 * between a field name and its colon; no obs-fold; one Content-Length of digits only;
 * Transfer-Encoding only "chunked", never together with Content-Length; one Host on
 * HTTP/1.1. Each violation is an error the server answers 400 and closes on. */
#ifndef GZ_HTTP_PARSE_H
#define GZ_HTTP_PARSE_H

#include "core/arena.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gz_kv {
	const char *name, *value;
} gz_kv;

typedef struct gz_http_limits {
	size_t url_limit;    /* bytes of the request-target (path + query) -> 414 */
	size_t header_limit; /* bytes of all header lines -> 431 */
	int max_headers;     /* header lines -> 431 */
	int max_args;        /* query arguments -> 414 */
} gz_http_limits;

typedef struct gz_http_head {
	const char *method; /* token, as sent */
	const char *path;   /* percent-decoded path; "%00" becomes 0xFF (never a NUL) */
	int minor;          /* HTTP/1.minor: 0 or 1 */
	int nheaders;
	gz_kv *headers; /* names as sent, values without surrounding whitespace */
	int nargs;
	gz_kv *args; /* query arguments, '+' and percent-decoded like the path */
	/* Framing. */
	bool chunked;
	bool has_length;
	uint64_t content_length;
	bool keep_alive;      /* the client allows another request on this connection */
	bool expect_continue; /* "Expect: 100-continue" */
} gz_http_head;

/* Where the head in buf[0..len) ends: the offset just past the empty line, or 0 when
 * it has not arrived yet. *scanned keeps the search position between calls (start at
 * 0) so a head arriving byte by byte is scanned once. */
size_t gz_http_head_end(const char *buf, size_t len, size_t *scanned);

/* Whether a head still incomplete at len bytes has already broken a limit: returns 0,
 * or -1 with err set (414 when the request line is longer than the URL limit allows,
 * 431 when the header lines are). */
int gz_http_head_check_partial(const char *buf, size_t len, const gz_http_limits *lim, gz_err *err);

/* Parses the complete head buf[0..len) (len from gz_http_head_end). Strings are
 * NUL-terminated copies in a. Returns 0, or -1 with err set: 400 malformed or
 * ambiguous framing, 414 / 431 over a limit, 505 another HTTP version. Validity of
 * the path and values as UTF-8 is left to the caller. */
int gz_http_parse_head(const char *buf, size_t len, const gz_http_limits *lim, gz_arena *a,
                       gz_http_head *out, gz_err *err);

/* The first header named name (compared without case), or NULL. */
const char *gz_http_header(const gz_http_head *h, const char *name);
/* The first query argument named name (exact), or NULL. */
const char *gz_http_arg(const gz_http_head *h, const char *name);

/* Percent-decodes s[0..n) into a new arena string: "%XX" is a byte ("%00" becomes 0xFF,
 * which UTF-8 validation rejects, so a NUL never cuts a string short); a malformed
 * escape stays as it is; with plus, '+' becomes a space (query strings). */
char *gz_http_unescape(gz_arena *a, const char *s, size_t n, bool plus);

/* Chunked transfer coding (RFC 9112 §7.1), fed in pieces as they arrive. */
typedef struct gz_http_chunked {
	int state;
	uint64_t remaining; /* bytes of chunk data still to come */
	size_t line;        /* bytes of the current size/extension or trailer line */
	size_t trailers;    /* bytes of trailer section so far */
	int digits;
} gz_http_chunked;

enum {
	GZ_CHUNK_MORE = 0, /* all of in consumed; feed more */
	GZ_CHUNK_DATA = 1, /* *data / *data_len: body bytes (pointing into in) */
	GZ_CHUNK_DONE = 2, /* the body ended; *consumed bytes of in belonged to it */
};

/* Consumes from in[0..len): returns GZ_CHUNK_MORE, GZ_CHUNK_DATA or GZ_CHUNK_DONE with
 * *consumed set to the bytes of in used, or -1 with err set (400) on malformed framing.
 * Start with a zeroed struct. max_trailer bounds the trailer section. */
int gz_http_chunked_feed(gz_http_chunked *c, const char *in, size_t len, size_t max_trailer,
                         size_t *consumed, const char **data, size_t *data_len, gz_err *err);

#endif
