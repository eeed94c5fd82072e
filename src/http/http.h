/* What a handler sees of an HTTP request, and how it answers.
 *
 * Each request owns an arena (req->arena) freed when the response is sent; strings
 * returned by these functions live there and are valid until the handler returns. A handler must
 * answer exactly once with gz_reply_json / gz_reply_raw / gz_reply_err; a handler that answers
 * nothing gets a 500 error. */
#ifndef GZ_HTTP_HTTP_H
#define GZ_HTTP_HTTP_H

#include "core/arena.h"
#include "core/err.h"
#include "http/parse.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GZ_MAX_PATH_PARAMS  8
#define GZ_MAX_RESP_HEADERS 12

typedef struct gz_req gz_req;
typedef void (*gz_handler_fn)(gz_req *r);

struct gz_req {
	gz_arena arena;
	const gz_http_head *head; /* request line, headers and query, parsed (parse.h) */
	const char *method;       /* "GET", "POST", ... ("HEAD" is routed as GET) */
	const char *path;         /* percent-decoded, valid UTF-8 */
	int route_id;             /* router index; -1 unmatched, see http/metrics.h */
	char id[20];              /* request ID, also sent as X-Request-Id */
	char client_ip[48];
	/* The client reached us over TLS: only through a trusted proxy (--trusted-proxies)
	 * that says X-Forwarded-Proto: https, since the server itself speaks plain HTTP. */
	bool secure;
	int64_t start_ns;

	int nparams;
	struct {
		const char *name, *value;
	} params[GZ_MAX_PATH_PARAMS];

	/* Body, NUL-terminated, at most body_limit bytes (the route's or the server's). */
	char *body;
	size_t body_len, body_cap, body_limit;
	bool body_too_large;

	/* Response, owned by the server until it is sent: a malloc'd body, or an open file. */
	int status; /* 0 until answered */
	char *resp_body;
	size_t resp_len;
	int resp_fd; /* -1, or the file whose resp_len bytes are the body */
	const char *resp_type;
	int nheaders;
	struct {
		const char *name, *value;
	} headers[GZ_MAX_RESP_HEADERS];

	void *auth; /* set by the auth middleware (issue: accounts) */

	/* Set by a route hook that needs the answer's bytes (Idempotency-Key): JSON and raw
	 * replies are then also copied into the arena. */
	bool capture;
	const char *captured, *captured_type;
	size_t captured_len;
	void *hook_state;

	/* Set by gz_reply_stream: the connection goes to the stream hub after the head. */
	struct gz_stream *stream;
};

/* Called once the headers of a request to a route that needs a login have arrived,
 * before its body is read (so no one unauthenticated can make the server hold an
 * upload). Returns true when the request may go on; otherwise it has answered (401,
 * or 403 for a missing CSRF header) and the connection is closed. Installed once at
 * start-up by the API layer, which knows sessions; http/ knows no database. */
typedef bool (*gz_auth_fn)(gz_req *r);
void gz_server_set_auth_hook(gz_auth_fn fn);

/* Hooks around every routed POST handler, installed once at start-up by the API layer
 * (idempotent retries, src/api/idempotency.c). before() returns true when it answered
 * the request itself (the handler is then not called); after() runs once the handler
 * has answered. */
typedef bool (*gz_before_fn)(gz_req *r);
typedef void (*gz_after_fn)(gz_req *r);
void gz_server_set_post_hooks(gz_before_fn before, gz_after_fn after);

/* Path parameter from the route pattern ("/grids/{code}" -> "code"); NULL if absent. */
const char *gz_req_param(gz_req *r, const char *name);
/* Query-string argument, percent-decoded and valid UTF-8; NULL if absent. */
const char *gz_req_query(gz_req *r, const char *name);
/* Request header (case-insensitive); NULL if absent. */
const char *gz_req_header(gz_req *r, const char *name);

/* Requires Content-Type application/json (415 otherwise) and a JSON object body
 * (400 otherwise). Returns a new reference the caller decrefs, or NULL with err set. */
json_t *gz_req_json(gz_req *r, gz_err *err);

/* Added with the people issue: a raw body such as an uploaded file. Requires a
 * Content-Type whose media type (the part before any ";" parameter, compared without
 * case) is one of types[0..ntypes); sets *which to its index and *len to the body's
 * length, and returns the body (r->body: NUL-terminated, "" when empty; valid until the
 * handler returns). NULL with err set to 415 "unsupported_media_type" otherwise. */
const char *gz_req_body_of_type(gz_req *r, const char *const *types, int ntypes, int *which,
                                size_t *len, gz_err *err);

/* List parameters ?limit= (default 20, 1..200) and ?cursor= (opaque; from a previous
 * next_cursor). Sets *after to the key after which the page starts (0 = first page).
 * Returns -1 with err set (400 "bad_query") on a malformed value. */
int gz_req_list_params(gz_req *r, int *limit, int64_t *after, gz_err *err);
/* {"items": items, "next_cursor": "..." | null}; next_after 0 means no next page.
 * Steals items. */
json_t *gz_list_json(gz_req *r, json_t *items, int64_t next_after);

/* Answer with JSON. Steals the reference to body. */
void gz_reply_json(gz_req *r, int status, json_t *body);
/* Answer with bytes (copied). */
void gz_reply_raw(gz_req *r, int status, const char *content_type, const char *body, size_t len);
/* Answer with size bytes of an open file; the response takes ownership of fd. */
void gz_reply_fd(gz_req *r, int status, const char *content_type, int fd, uint64_t size);
/* Answer with an event stream (http/stream.h): 200 text/event-stream, the initial bytes
 * (may be empty), then the connection belongs to s, which the request now owns (also
 * when the connection dies first, or the request was already answered). */
void gz_reply_stream(gz_req *r, struct gz_stream *s, const char *initial, size_t len);
/* Answer with the error shape {"error":{"code","message","fields"}} and the status
 * that err's kind maps to. The one place errors become HTTP. */
void gz_reply_err(gz_req *r, const gz_err *err);
/* The error shape plus extra top-level members (e.g. an import's full report next to
 * "error"). extra is not stolen; its "error" key, if any, is ignored. */
void gz_reply_err_extra(gz_req *r, const gz_err *err, json_t *extra);
/* Shorthand: build and send an error in one call. */
void gz_reply_error(gz_req *r, gz_errkind kind, const char *code, const char *message);
/* Add a response header (name and value are copied). Call before or after replying. */
void gz_reply_header(gz_req *r, const char *name, const char *value);

#endif
