/* Prometheus metrics: requests by route and status, a latency histogram per route,
 * in-flight requests, open connections and DB connections. Lock-free counters. */
#ifndef GZ_HTTP_METRICS_H
#define GZ_HTTP_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* Pseudo route ids for requests that matched no route. */
#define GZ_ROUTE_STATIC (-10)
#define GZ_ROUTE_NONE   (-1)

void gz_metrics_observe(int route_id, const char *method, int status, int64_t duration_ns);
void gz_metrics_conn(int delta);
void gz_metrics_inflight(int delta);
int gz_metrics_conn_count(void);
int gz_metrics_inflight_count(void);

/* Other layers add metric families without http/ knowing them (the job queue:
 * src/modules/jobs/module.c): fn appends exposition text with gz_metrics_printf() each time the
 * metrics are rendered. Register at start-up, before the server runs; at most 8. */
typedef struct gz_metrics_out gz_metrics_out;
typedef void (*gz_metrics_section_fn)(gz_metrics_out *o);
void gz_metrics_add_section(gz_metrics_section_fn fn);
void gz_metrics_printf(gz_metrics_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Renders the exposition text; returns malloc'd text, caller frees. */
char *gz_metrics_render(size_t *len);

#endif
