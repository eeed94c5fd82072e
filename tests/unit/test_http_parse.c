/* Unit tests for http/parse.c: request heads and chunked bodies per RFC 9112, with the
 * ambiguous framings a smuggling attack relies on refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "http/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const gz_http_limits lim = {8192, 16384, 2000, 1000};

/* Parses a whole head; returns the parser's result and leaves *err and *h filled. */
static int parse(const char *text, gz_arena *a, gz_http_head *h, gz_err *err)
{
	size_t scanned = 0, len = strlen(text);
	size_t end = gz_http_head_end(text, len, &scanned);
	gz_err_clear(err);
	if (!end)
		return gz_err_set(err, GZ_EBADREQ, "incomplete", "head incomplete");
	return gz_http_parse_head(text, end, &lim, a, h, err);
}

static void expect_error(const char *text, int kind, const char *code)
{
	gz_arena a = {0};
	gz_http_head h;
	gz_err err;
	int rc = parse(text, &a, &h, &err);
	if (rc != -1 || (int)err.kind != kind || strcmp(err.code, code) != 0)
		fail_msg("%s: want %s, got rc=%d code=%s", text, code, rc, err.code);
	gz_arena_free(&a);
}

static void test_simple_get_with_query_and_headers(void **state)
{
	(void)state;
	gz_arena a = {0};
	gz_http_head h;
	gz_err err;
	assert_int_equal(parse("GET /api/v1/grids?limit=5&q=%E4%B8%AD+x&flag HTTP/1.1\r\n"
	                       "Host: example\r\nX-Thing:  padded value \t\r\n\r\n",
	                       &a, &h, &err),
	                 0);
	assert_string_equal(h.method, "GET");
	assert_string_equal(h.path, "/api/v1/grids");
	assert_int_equal(h.minor, 1);
	assert_true(h.keep_alive);
	assert_false(h.chunked);
	assert_false(h.has_length);
	assert_string_equal(gz_http_arg(&h, "limit"), "5");
	assert_string_equal(gz_http_arg(&h, "q"), "中 x");
	assert_string_equal(gz_http_arg(&h, "flag"), "");
	assert_null(gz_http_arg(&h, "missing"));
	assert_string_equal(gz_http_header(&h, "x-thing"), "padded value");
	assert_string_equal(gz_http_header(&h, "HOST"), "example");
	gz_arena_free(&a);
}

static void test_percent_nul_never_cuts_a_path(void **state)
{
	(void)state;
	gz_arena a = {0};
	gz_http_head h;
	gz_err err;
	assert_int_equal(parse("GET /a%00b%2fc%zz HTTP/1.1\r\nHost: x\r\n\r\n", &a, &h, &err), 0);
	assert_int_equal(strlen(h.path), strlen("/a?b/c%zz"));
	assert_int_equal((unsigned char)h.path[2], 0xFF);
	assert_string_equal(h.path + 3, "b/c%zz");
	gz_arena_free(&a);
}

static void test_http10_closes_unless_keep_alive(void **state)
{
	(void)state;
	gz_arena a = {0};
	gz_http_head h;
	gz_err err;
	assert_int_equal(parse("GET / HTTP/1.0\r\n\r\n", &a, &h, &err), 0);
	assert_false(h.keep_alive);
	assert_int_equal(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &a, &h, &err),
	                 0);
	assert_true(h.keep_alive);
	assert_int_equal(
	    parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: te, close\r\n\r\n", &a, &h, &err), 0);
	assert_false(h.keep_alive);
	gz_arena_free(&a);
}

static void test_absolute_form_is_reduced_to_its_path(void **state)
{
	(void)state;
	gz_arena a = {0};
	gz_http_head h;
	gz_err err;
	assert_int_equal(
	    parse("GET http://example.org/healthz?x=1 HTTP/1.1\r\nHost: example.org\r\n\r\n", &a,
	          &h, &err),
	    0);
	assert_string_equal(h.path, "/healthz");
	assert_string_equal(gz_http_arg(&h, "x"), "1");
	gz_arena_free(&a);
}

static void test_content_length_and_expect(void **state)
{
	(void)state;
	gz_arena a = {0};
	gz_http_head h;
	gz_err err;
	assert_int_equal(parse("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 42\r\n"
	                       "Expect: 100-continue\r\n\r\n",
	                       &a, &h, &err),
	                 0);
	assert_true(h.has_length);
	assert_int_equal(h.content_length, 42);
	assert_true(h.expect_continue);
	gz_arena_free(&a);
}

static void test_ambiguous_framing_is_refused(void **state)
{
	(void)state;
	expect_error("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
	             GZ_EBADREQ, "conflicting_content_length");
	expect_error("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
	             GZ_EBADREQ, "conflicting_content_length");
	expect_error("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
	             "Transfer-Encoding: chunked\r\n\r\n",
	             GZ_EBADREQ, "conflicting_framing");
	expect_error("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n",
	             GZ_EBADREQ, "unsupported_transfer_encoding");
	expect_error("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
	             GZ_EBADREQ, "unsupported_transfer_encoding");
	expect_error("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
	             "Transfer-Encoding: chunked\r\n\r\n",
	             GZ_EBADREQ, "unsupported_transfer_encoding");
	expect_error("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", GZ_EBADREQ,
	             "unsupported_transfer_encoding");
	expect_error("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", GZ_EBADREQ,
	             "bad_content_length");
	expect_error("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n", GZ_EBADREQ,
	             "bad_content_length");
	expect_error("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n", GZ_EBADREQ,
	             "bad_content_length");
	expect_error("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
	             GZ_EBADREQ, "bad_content_length");
	expect_error("POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n", GZ_EBADREQ,
	             "bad_content_length");
}

static void test_malformed_heads_are_refused(void **state)
{
	(void)state;
	expect_error("GET / HTTP/1.1\r\n\r\n", GZ_EBADREQ, "bad_host");
	expect_error("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", GZ_EBADREQ, "bad_host");
	expect_error("GET / HTTP/1.1\r\nHost : x\r\n\r\n", GZ_EBADREQ, "bad_header");
	expect_error("GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n folded\r\n\r\n", GZ_EBADREQ,
	             "bad_header");
	expect_error("GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", GZ_EBADREQ, "bad_header");
	expect_error("GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n", GZ_EBADREQ, "bad_header");
	expect_error("GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n", GZ_EBADREQ, "bad_header");
	expect_error("GET / HTTP/1.1\r\nHost: x\r\nX: a\x01"
	             "b\r\n\r\n",
	             GZ_EBADREQ, "bad_header");
	expect_error("GET / HTTP/2.0\r\nHost: x\r\n\r\n", GZ_EVERSION,
	             "http_version_not_supported");
	expect_error("GET / HTTP/1.2\r\nHost: x\r\n\r\n", GZ_EVERSION,
	             "http_version_not_supported");
	expect_error("GET / http/1.1\r\nHost: x\r\n\r\n", GZ_EBADREQ, "bad_request_line");
	expect_error("GET / HTTP/1.1x\r\nHost: x\r\n\r\n", GZ_EBADREQ, "bad_request_line");
	expect_error("GET /  HTTP/1.1\r\nHost: x\r\n\r\n", GZ_EBADREQ, "bad_request_line");
	expect_error("G(T / HTTP/1.1\r\nHost: x\r\n\r\n", GZ_EBADREQ, "bad_request_line");
	expect_error("GET\r\n\r\n", GZ_EBADREQ, "bad_request_line");
	expect_error("GET foo HTTP/1.1\r\nHost: x\r\n\r\n", GZ_EBADREQ, "bad_request_target");
	expect_error("GET / HTTP/1.1\nHost: x\r\n\r\n", GZ_EBADREQ, "bad_request_line");
}

static void test_limits(void **state)
{
	(void)state;
	gz_arena a = {0};
	gz_http_head h;
	gz_err err;
	/* 3,000 query arguments in a 12 KB target: over the URL limit first. */
	char *big = malloc(20000);
	int n = sprintf(big, "GET /api/v1/probes?");
	for (int i = 0; i < 3000; i++)
		n += sprintf(big + n, "a=%d&", i % 10);
	sprintf(big + n, " HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_int_equal(parse(big, &a, &h, &err), -1);
	assert_int_equal(err.kind, GZ_EURITOOLONG);
	/* Within the URL limit but over the argument limit. */
	gz_http_limits few = lim;
	few.max_args = 10;
	const char *many = "GET /?a&b&c&d&e&f&g&h&i&j&k HTTP/1.1\r\nHost: x\r\n\r\n";
	size_t sc = 0;
	size_t end = gz_http_head_end(many, strlen(many), &sc);
	assert_int_equal(gz_http_parse_head(many, end, &few, &a, &h, &err), -1);
	assert_string_equal(err.code, "too_many_arguments");
	/* An incomplete head is judged as it grows. */
	memset(big, 'a', 9000);
	memcpy(big, "GET /", 5);
	assert_int_equal(gz_http_head_check_partial(big, 9000, &lim, &err), -1);
	assert_int_equal(err.kind, GZ_EURITOOLONG);
	memcpy(big, "GET / HTTP/1.1\r\n", 16);
	assert_int_equal(gz_http_head_check_partial(big, 9000, &lim, &err), 0);
	free(big);
	gz_arena_free(&a);
}

static void test_head_end_is_found_across_pieces(void **state)
{
	(void)state;
	const char *text = "GET / HTTP/1.1\r\nHost: x\r\n\r\nNEXT";
	size_t scanned = 0, len = strlen(text), end = 0;
	for (size_t i = 1; i <= len && !end; i++)
		end = gz_http_head_end(text, i, &scanned);
	assert_int_equal(end, len - 4);
}

/* Feeds text in pieces of step bytes; returns the decoded body or NULL on error. */
static char *dechunk(const char *text, size_t step, size_t *consumed_total, gz_err *err)
{
	gz_http_chunked c = {0};
	static char out[4096];
	size_t o = 0, len = strlen(text), pos = 0;
	gz_err_clear(err);
	while (pos < len) {
		size_t n = len - pos < step ? len - pos : step;
		size_t off = 0;
		while (off < n) {
			size_t used = 0, dlen = 0;
			const char *d = NULL;
			int rc = gz_http_chunked_feed(&c, text + pos + off, n - off, 1024, &used,
			                              &d, &dlen, err);
			if (rc < 0)
				return NULL;
			if (rc == GZ_CHUNK_DATA) {
				memcpy(out + o, d, dlen);
				o += dlen;
			}
			off += used;
			if (rc == GZ_CHUNK_DONE) {
				*consumed_total = pos + off;
				out[o] = '\0';
				return out;
			}
		}
		pos += n;
	}
	gz_err_set(err, GZ_EBADREQ, "incomplete", "incomplete");
	return NULL;
}

static void test_chunked_bodies_decode_in_any_pieces(void **state)
{
	(void)state;
	const char *text = "5;name=v\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\nGET";
	gz_err err;
	for (size_t step = 1; step < 60; step++) {
		size_t used = 0;
		char *body = dechunk(text, step, &used, &err);
		assert_non_null(body);
		assert_string_equal(body, "hello world");
		assert_int_equal(used, strlen(text) - 3);
	}
}

static void test_malformed_chunks_are_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "zz\r\nhello\r\n0\r\n\r\n", /* not hex */
	    "5\r\nhelloXX0\r\n\r\n",    /* data not followed by CRLF */
	    "5\nhello\r\n0\r\n\r\n",    /* bare LF after the size */
	    "1000000000000000\r\n",     /* size beyond 15 hex digits */
	    "\r\n",                     /* no size at all */
	    "5 ;x\nhello\r\n0\r\n\r\n", /* LF inside the extension line */
	    "0\r\nX: 1\n\r\n",          /* trailer with a bare LF */
	    "-5\r\nhello\r\n0\r\n\r\n", /* sign */
	};
	gz_err err;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t used;
		if (dechunk(bad[i], 3, &used, &err) != NULL || err.kind != GZ_EBADREQ)
			fail_msg("chunked input %zu was accepted", i);
	}
	/* A trailer section larger than allowed. */
	char big[3000] = "0\r\n";
	for (int i = 0; i < 100; i++)
		strcat(big, "X-Long-Trailer: aaaaaaaaaa\r\n");
	strcat(big, "\r\n");
	size_t used;
	assert_null(dechunk(big, 64, &used, &err));
	assert_int_equal(err.kind, GZ_EHEADERS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_simple_get_with_query_and_headers),
	    cmocka_unit_test(test_percent_nul_never_cuts_a_path),
	    cmocka_unit_test(test_http10_closes_unless_keep_alive),
	    cmocka_unit_test(test_absolute_form_is_reduced_to_its_path),
	    cmocka_unit_test(test_content_length_and_expect),
	    cmocka_unit_test(test_ambiguous_framing_is_refused),
	    cmocka_unit_test(test_malformed_heads_are_refused),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_head_end_is_found_across_pieces),
	    cmocka_unit_test(test_chunked_bodies_decode_in_any_pieces),
	    cmocka_unit_test(test_malformed_chunks_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
