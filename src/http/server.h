/* The HTTP/1.1 server: worker threads each with an epoll loop, keep-alive and
 * pipelining, strict framing (parse.h), limits per address, timeouts, request IDs,
 * access log, the router, static files, and graceful shutdown. */
#ifndef GZ_HTTP_SERVER_H
#define GZ_HTTP_SERVER_H

#include <stddef.h>

typedef struct gz_server_config {
	const char *listen;     /* "HOST:PORT" or "[V6]:PORT"; port 0 picks a free one */
	const char *web_dir;    /* static files of the web UI; NULL or missing = none */
	const char *access_log; /* "-" stdout, "off", or a file path (appended) */
	unsigned threads;       /* worker threads (each with its own DB connection) */
	size_t body_limit;      /* bytes */
	size_t url_limit;       /* bytes of path + query */
	size_t header_limit;    /* bytes of all request headers */
	unsigned drain_timeout_ms;
	/* Comma-separated addresses of reverse proxies (nginx) whose X-Forwarded-For is
	 * believed; the client address is then the right-most entry not in this list.
	 * NULL/"" = trust nobody (direct exposure). */
	const char *trusted_proxies;
	/* Connections: in all, and from one address (trusted proxies are exempt: they carry
	 * many clients). Further ones are answered 503 and closed. */
	unsigned max_conns;
	unsigned max_conns_per_ip;
	/* Request bodies held in memory at once, in bytes, from one client address and in
	 * all; a body that would exceed them is refused (503) before it is read. */
	size_t body_inflight_per_ip;
	size_t body_inflight_total;
	/* Timeouts in ms: a new connection must send its first byte within first_byte; a
	 * kept-alive one may idle between requests for idle; a request's head and body
	 * must have arrived within request of its first byte (whatever its pace); an
	 * answer the client does not read for idle ms is dropped. */
	unsigned first_byte_timeout_ms;
	unsigned idle_timeout_ms;
	unsigned request_timeout_ms;
} gz_server_config;

void gz_server_config_defaults(gz_server_config *c);

/* Declares a URL prefix as API: a path under it that matches no route is a 404 JSON
 * error, never a web UI file. A prefix ending in '/' also covers the path without it
 * ("/api/" covers "/api"). Start-up only; modules declare theirs (module.h). */
void gz_server_api_prefix(const char *prefix);

/* Runs until SIGTERM/SIGINT, then stops accepting, lets in-flight requests finish
 * (up to drain_timeout_ms) and returns 0. Returns -1 if it cannot start.
 * The database URL must be set with gz_db_thread_init() before. */
int gz_server_run(const gz_server_config *c);

#endif
