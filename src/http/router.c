#include "http/router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static gz_route routes[GZ_ROUTES_MAX];
static int nroutes;

void gz_router_add(const char *method, const char *pattern, gz_handler_fn fn, unsigned flags,
                   size_t body_limit)
{
	if (nroutes == GZ_ROUTES_MAX) {
		fprintf(stderr, "gongzhi: too many routes (raise GZ_ROUTES_MAX)\n");
		abort();
	}
	routes[nroutes++] = (gz_route){method, pattern, fn, body_limit, flags};
}

int gz_router_count(void)
{
	return nroutes;
}

const gz_route *gz_router_get(int id)
{
	return id >= 0 && id < nroutes ? &routes[id] : NULL;
}

/* Match pattern against path segment by segment, capturing {params} into r. */
static int match_path(gz_req *r, const char *pat, const char *path)
{
	int np = 0;
	while (*pat && *path) {
		if (*pat != '/' || *path != '/')
			return 0;
		pat++, path++;
		const char *pend = strchr(pat, '/');
		const char *send = strchr(path, '/');
		size_t plen = pend ? (size_t)(pend - pat) : strlen(pat);
		size_t slen = send ? (size_t)(send - path) : strlen(path);
		if (plen >= 2 && pat[0] == '{' && pat[plen - 1] == '}') {
			if (slen == 0 || np == GZ_MAX_PATH_PARAMS)
				return 0;
			if (r) {
				r->params[np].name = gz_arena_strndup(&r->arena, pat + 1, plen - 2);
				r->params[np].value = gz_arena_strndup(&r->arena, path, slen);
			}
			np++;
		} else if (plen != slen || memcmp(pat, path, plen) != 0) {
			return 0;
		}
		pat += plen, path += slen;
	}
	if (*pat || *path)
		return 0;
	if (r)
		r->nparams = np;
	return 1;
}

int gz_router_match(gz_req *r, const char *method, const char *path, char *allow, size_t allow_size)
{
	if (!strcmp(method, "HEAD"))
		method = "GET";
	int path_known = 0;
	allow[0] = '\0';
	for (int i = 0; i < nroutes; i++) {
		if (!match_path(NULL, routes[i].pattern, path))
			continue;
		if (!strcmp(routes[i].method, method)) {
			match_path(r, routes[i].pattern, path);
			return i;
		}
		size_t n = strlen(allow);
		if (!strstr(allow, routes[i].method))
			snprintf(allow + n, allow_size - n, "%s%s", n ? ", " : "",
			         routes[i].method);
		path_known = 1;
	}
	if (path_known && strstr(allow, "GET") && !strstr(allow, "HEAD")) {
		size_t n = strlen(allow);
		snprintf(allow + n, allow_size - n, ", HEAD");
	}
	return path_known ? -2 : -1;
}
