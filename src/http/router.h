/* Routes: method + pattern with {param} segments -> handler. Routes are registered
 * once at start-up (not thread-safe) and matched concurrently afterwards. */
#ifndef GZ_HTTP_ROUTER_H
#define GZ_HTTP_ROUTER_H

#include "http/http.h"

#define GZ_ROUTES_MAX 256

/* Route flags. A route needs a login unless it says otherwise: the server asks the
 * auth hook (gz_server_set_auth_hook) on the headers, before the body, and answers
 * 401 itself. The public routes are listed in docs/SECURITY.md. */
#define GZ_ROUTE_PUBLIC 1u /* no login needed (login itself, health, the API description) */

typedef struct gz_route {
	const char *method;
	const char *pattern;
	gz_handler_fn fn;
	size_t body_limit; /* bytes; 0 = the server's --body-limit */
	unsigned flags;    /* GZ_ROUTE_* */
} gz_route;

/* Register a route that needs a login. Pattern segments "{name}" match one non-empty
 * path segment. */
void gz_router_add(const char *method, const char *pattern, gz_handler_fn fn);
/* Register a route anyone may call (GZ_ROUTE_PUBLIC); keep these few. */
void gz_router_add_public(const char *method, const char *pattern, gz_handler_fn fn);
/* Register a route with its flags (GZ_ROUTE_*) and body limit (0 = the server's). */
void gz_router_add_ex(const char *method, const char *pattern, gz_handler_fn fn, unsigned flags,
                      size_t body_limit);
/* Same, for a route whose bodies may exceed the server-wide limit (bulk imports). */
void gz_router_add_limited(const char *method, const char *pattern, gz_handler_fn fn,
                           size_t body_limit);
/* The body limit of the route matching method+path, or 0 when none matches or the route
 * has no limit of its own. Called when headers arrive, before the body is read. */
size_t gz_router_body_limit(const char *method, const char *path);

/* Match method+path. On a match returns the route id (>= 0) and fills r->params
 * (values are arena copies). Returns -1 if no route has this path, -2 if the path
 * exists with other methods, in which case allow (size >= 64) lists them ("GET, POST"). */
int gz_router_match(gz_req *r, const char *method, const char *path, char *allow,
                    size_t allow_size);

int gz_router_count(void);
const gz_route *gz_router_get(int id);

#endif
