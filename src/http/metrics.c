#include "http/metrics.h"
#include "http/router.h"
#include "core/mem.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int status_codes[] = {200, 201, 204, 206, 301, 302, 304, 400, 401, 403, 404,
                                   405, 409, 413, 414, 415, 422, 429, 431, 500, 503, 0};
#define NSTATUS (sizeof status_codes / sizeof status_codes[0])

static const double bucket_s[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                  0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define NBUCKET (sizeof bucket_s / sizeof bucket_s[0])

/* Slot 0: unmatched, slot 1: static files, 2..: router ids. */
#define NSLOTS (GZ_ROUTES_MAX + 2)

typedef struct {
	atomic_uint_fast64_t by_status[NSTATUS];
	atomic_uint_fast64_t buckets[NBUCKET];
	atomic_uint_fast64_t count;
	atomic_uint_fast64_t sum_ns;
} slot_t;

static slot_t slots[NSLOTS];
static atomic_int conns, inflight;

static int slot_of(int route_id)
{
	if (route_id == GZ_ROUTE_STATIC)
		return 1;
	if (route_id < 0 || route_id >= GZ_ROUTES_MAX)
		return 0;
	return route_id + 2;
}

void gz_metrics_observe(int route_id, const char *method, int status, int64_t duration_ns)
{
	(void)method;
	slot_t *s = &slots[slot_of(route_id)];
	size_t si = NSTATUS - 1;
	for (size_t i = 0; i + 1 < NSTATUS; i++)
		if (status_codes[i] == status) {
			si = i;
			break;
		}
	atomic_fetch_add_explicit(&s->by_status[si], 1, memory_order_relaxed);
	double d = (double)duration_ns / 1e9;
	for (size_t b = 0; b < NBUCKET; b++)
		if (d <= bucket_s[b]) {
			atomic_fetch_add_explicit(&s->buckets[b], 1, memory_order_relaxed);
			break;
		}
	atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->sum_ns, (uint_fast64_t)duration_ns, memory_order_relaxed);
}

void gz_metrics_conn(int delta)
{
	atomic_fetch_add(&conns, delta);
}

void gz_metrics_inflight(int delta)
{
	atomic_fetch_add(&inflight, delta);
}

int gz_metrics_conn_count(void)
{
	return atomic_load(&conns);
}

int gz_metrics_inflight_count(void)
{
	return atomic_load(&inflight);
}

struct gz_metrics_out {
	char *p;
	size_t n, cap;
};
typedef struct gz_metrics_out out_t;

static void voutf(out_t *o, const char *fmt, va_list args)
{
	for (;;) {
		va_list ap;
		va_copy(ap, args);
		int k = vsnprintf(o->p + o->n, o->cap - o->n, fmt, ap);
		va_end(ap);
		if (k >= 0 && (size_t)k < o->cap - o->n) {
			o->n += (size_t)k;
			return;
		}
		o->cap = o->cap * 2 + (size_t)(k > 0 ? k : 0);
		o->p = gz_realloc(o->p, o->cap);
	}
}

__attribute__((format(printf, 2, 3))) static void outf(out_t *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	voutf(o, fmt, ap);
	va_end(ap);
}

void gz_metrics_printf(gz_metrics_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	voutf(o, fmt, ap);
	va_end(ap);
}

#define MAX_SECTIONS 8
static gz_metrics_section_fn sections[MAX_SECTIONS];
static int nsections;

void gz_metrics_add_section(gz_metrics_section_fn fn)
{
	if (nsections < MAX_SECTIONS)
		sections[nsections++] = fn;
}

static void slot_labels(int slot, char *buf, size_t size)
{
	if (slot == 0)
		snprintf(buf, size, "route=\"unmatched\",method=\"\"");
	else if (slot == 1)
		snprintf(buf, size, "route=\"static\",method=\"GET\"");
	else {
		const gz_route *r = gz_router_get(slot - 2);
		snprintf(buf, size, "route=\"%s\",method=\"%s\"", r ? r->pattern : "?",
		         r ? r->method : "?");
	}
}

char *gz_metrics_render(size_t *len)
{
	out_t o = {gz_malloc(16384), 0, 16384};
	char labels[512];
	int nslots = gz_router_count() + 2;

	outf(&o, "# HELP gongzhi_http_requests_total HTTP requests answered, by route and "
	         "status.\n# TYPE gongzhi_http_requests_total counter\n");
	for (int s = 0; s < nslots; s++) {
		slot_labels(s, labels, sizeof labels);
		for (size_t i = 0; i < NSTATUS; i++) {
			uint64_t v =
			    atomic_load_explicit(&slots[s].by_status[i], memory_order_relaxed);
			if (!v)
				continue;
			if (status_codes[i])
				outf(&o, "gongzhi_http_requests_total{%s,status=\"%d\"} %llu\n",
				     labels, status_codes[i], (unsigned long long)v);
			else
				outf(&o, "gongzhi_http_requests_total{%s,status=\"other\"} %llu\n",
				     labels, (unsigned long long)v);
		}
	}
	outf(&o, "# HELP gongzhi_http_request_duration_seconds Time from request start to "
	         "response sent.\n# TYPE gongzhi_http_request_duration_seconds histogram\n");
	for (int s = 0; s < nslots; s++) {
		uint64_t count = atomic_load_explicit(&slots[s].count, memory_order_relaxed);
		if (!count)
			continue;
		slot_labels(s, labels, sizeof labels);
		uint64_t cum = 0;
		for (size_t b = 0; b < NBUCKET; b++) {
			cum += atomic_load_explicit(&slots[s].buckets[b], memory_order_relaxed);
			outf(&o,
			     "gongzhi_http_request_duration_seconds_bucket{%s,le=\"%g\"} %llu\n",
			     labels, bucket_s[b], (unsigned long long)cum);
		}
		outf(&o, "gongzhi_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %llu\n",
		     labels, (unsigned long long)count);
		outf(&o, "gongzhi_http_request_duration_seconds_sum{%s} %.6f\n", labels,
		     (double)atomic_load(&slots[s].sum_ns) / 1e9);
		outf(&o, "gongzhi_http_request_duration_seconds_count{%s} %llu\n", labels,
		     (unsigned long long)count);
	}
	outf(&o,
	     "# HELP gongzhi_http_in_flight Requests being answered now.\n"
	     "# TYPE gongzhi_http_in_flight gauge\ngongzhi_http_in_flight %d\n",
	     gz_metrics_inflight_count());
	outf(&o,
	     "# HELP gongzhi_http_connections_open Client connections open now.\n"
	     "# TYPE gongzhi_http_connections_open gauge\ngongzhi_http_connections_open %d\n",
	     gz_metrics_conn_count());
	for (int i = 0; i < nsections; i++)
		sections[i](&o);
	*len = o.n;
	return o.p;
}
