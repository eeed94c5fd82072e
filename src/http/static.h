/* Static files of the web UI with safe path resolution, MIME types, ETag/304,
 * pre-compressed .gz and SPA fallback to index.html. */
#ifndef GZ_HTTP_STATIC_H
#define GZ_HTTP_STATIC_H

#include "http/http.h"

/* dir may be NULL or missing: then no static files are served. Returns 0 or -1. */
int gz_static_init(const char *dir);
void gz_static_shutdown(void);

/* Serves GET/HEAD of path from the web dir. Always answers (404/400 JSON errors
 * included). Paths under /api/ never come here. */
void gz_static_serve(gz_req *r);

#endif
