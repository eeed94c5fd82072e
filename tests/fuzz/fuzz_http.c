/* Request dispatch up to the handler: the bytes a client sends are split into a head
 * (gz_http_head_end, gz_http_parse_head with the server's limits) and a body (chunked,
 * fed in pieces whose sizes come from the input, or by Content-Length); the parsed
 * request is then routed against the real route table (gz_router_match) and its
 * query and body read as handlers read them (gz_req_list_params, gz_req_json,
 * gz_req_body_of_type). Invariants: framing is never ambiguous, the path is rooted,
 * decoded bodies are never longer than their encoding. */
#include "fuzz.h"

#include "core/utf8.h"
#include "http/http.h"
#include "http/parse.h"
#include "http/router.h"
#include "modules/module.h"

#include <string.h>

static const gz_http_limits lim = {8192, 16384, 2000, 1000};

static void route_and_read(gz_http_head *h, const char *body, size_t blen)
{
	gz_req r;
	memset(&r, 0, sizeof r);
	r.head = h;
	r.method = h->method;
	r.path = h->path;
	r.resp_fd = -1;
	char allow[128];
	if (!gz_utf8_valid(h->path, strlen(h->path)))
		return; /* the server answers 400 before routing */
	int id = gz_router_match(&r, h->method, h->path, allow, sizeof allow);
	FUZZ_CHECK(id >= -2 && id < gz_router_count());
	if (id >= 0)
		FUZZ_CHECK(r.nparams >= 0 && r.nparams <= GZ_MAX_PATH_PARAMS);
	gz_err err;
	gz_err_clear(&err);
	int limit;
	int64_t after;
	if (gz_req_list_params(&r, &limit, &after, &err) == 0)
		FUZZ_CHECK(limit >= 1 && limit <= 200 && after >= 0);
	char *copy = malloc(blen + 1);
	memcpy(copy, body, blen);
	copy[blen] = '\0';
	r.body = copy;
	r.body_len = blen;
	gz_err_clear(&err);
	json_t *j = gz_req_json(&r, &err);
	FUZZ_CHECK(j ? json_is_object(j) : err.kind != GZ_OK);
	json_decref(j);
	static const char *const types[] = {"text/csv", "application/json"};
	int which;
	size_t len;
	gz_err_clear(&err);
	if (gz_req_body_of_type(&r, types, 2, &which, &len, &err))
		FUZZ_CHECK(len == blen && (which == 0 || which == 1));
	free(copy);
	gz_arena_free(&r.arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int registered;
	if (!registered) {
		gz_modules_init();
		registered = 1;
	}
	if (size < 1)
		return 0;
	/* The first byte chooses the piece size for the chunked decoder. */
	size_t step = (size_t)data[0] % 17 + 1;
	const char *in = (const char *)data + 1;
	size_t len = size - 1;

	/* The head's end is found the same whether the bytes arrive at once or in pieces. */
	size_t scanned = 0, end = 0;
	for (size_t i = 0; i < len && !end;) {
		i = i + step < len ? i + step : len;
		end = gz_http_head_end(in, i, &scanned);
	}
	size_t sc = 0;
	FUZZ_CHECK(end == gz_http_head_end(in, len, &sc));
	if (!end) {
		gz_err err;
		gz_err_clear(&err);
		if (gz_http_head_check_partial(in, len, &lim, &err) < 0)
			FUZZ_CHECK(err.kind == GZ_EURITOOLONG || err.kind == GZ_EHEADERS);
		return 0;
	}

	gz_arena a = {0};
	gz_http_head h;
	gz_err err;
	gz_err_clear(&err);
	if (gz_http_parse_head(in, end, &lim, &a, &h, &err) < 0) {
		FUZZ_CHECK(err.kind == GZ_EBADREQ || err.kind == GZ_EURITOOLONG ||
		           err.kind == GZ_EHEADERS || err.kind == GZ_EVERSION);
		gz_arena_free(&a);
		return 0;
	}
	FUZZ_CHECK(h.method && h.method[0] && h.path && h.path[0] == '/');
	FUZZ_CHECK(h.minor == 0 || h.minor == 1);
	FUZZ_CHECK(!(h.chunked && h.has_length));
	FUZZ_CHECK(h.nheaders <= lim.max_headers && h.nargs <= lim.max_args);
	FUZZ_CHECK(memchr(h.path, '\0', strlen(h.path) + 1) == h.path + strlen(h.path));

	const char *rest = in + end;
	size_t rlen = len - end;
	char *body = malloc(rlen + 1);
	size_t blen = 0;
	if (h.chunked) {
		gz_http_chunked c = {0};
		size_t pos = 0;
		int rc = GZ_CHUNK_MORE;
		while (pos < rlen && rc != GZ_CHUNK_DONE && rc >= 0) {
			size_t n = rlen - pos < step ? rlen - pos : step;
			size_t off = 0;
			while (off < n) {
				size_t used = 0, dlen = 0;
				const char *d = NULL;
				rc = gz_http_chunked_feed(&c, rest + pos + off, n - off, 16384,
				                          &used, &d, &dlen, &err);
				if (rc < 0)
					break;
				FUZZ_CHECK(used <= n - off);
				if (rc == GZ_CHUNK_DATA) {
					FUZZ_CHECK(d >= rest + pos + off &&
					           d + dlen <= rest + pos + n);
					FUZZ_CHECK(used > 0 || dlen == 0);
					memcpy(body + blen, d, dlen);
					blen += dlen;
				}
				off += used;
				if (rc == GZ_CHUNK_DONE)
					break;
				if (rc == GZ_CHUNK_MORE)
					FUZZ_CHECK(off == n);
			}
			pos += off;
		}
		FUZZ_CHECK(blen <= rlen);
	} else {
		blen = h.has_length && h.content_length < rlen ? (size_t)h.content_length : rlen;
		memcpy(body, rest, blen);
	}
	route_and_read(&h, body, blen);
	free(body);
	gz_arena_free(&a);
	return 0;
}
