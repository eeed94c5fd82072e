/* The HTTP server on libmicrohttpd: a thread pool, keep-alive, limits, request IDs,
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
} gz_server_config;

void gz_server_config_defaults(gz_server_config *c);

/* Runs until SIGTERM/SIGINT, then stops accepting, lets in-flight requests finish
 * (up to drain_timeout_ms) and returns 0. Returns -1 if it cannot start.
 * The database URL must be set with gz_db_thread_init() before. */
int gz_server_run(const gz_server_config *c);

#endif
