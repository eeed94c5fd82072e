/* Routes: method + pattern with {param} segments -> handler. Routes are registered
 * once at start-up (not thread-safe) and matched concurrently afterwards. */
#ifndef GZ_HTTP_ROUTER_H
#define GZ_HTTP_ROUTER_H

#include "http/http.h"

#define GZ_ROUTES_MAX 512

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

/* Registers a route (start-up only; the module list does it for every module's route
 * tables). Pattern segments "{name}" match one non-empty path segment; flags are
 * GZ_ROUTE_*, body_limit in bytes (0 = the server's --body-limit). */
void gz_router_add(const char *method, const char *pattern, gz_handler_fn fn, unsigned flags,
                   size_t body_limit);

/* Match method+path. On a match returns the route id (>= 0) and fills r->params
 * (values are arena copies). Returns -1 if no route has this path, -2 if the path
 * exists with other methods, in which case allow (size >= 64) lists them ("GET, POST"). */
int gz_router_match(gz_req *r, const char *method, const char *path, char *allow,
                    size_t allow_size);

int gz_router_count(void);
const gz_route *gz_router_get(int id);

#endif
