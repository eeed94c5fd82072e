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

/* Renders the exposition text; returns malloc'd text, caller frees. */
char *gz_metrics_render(size_t *len);

#endif
