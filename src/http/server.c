/* The HTTP/1.1 server.
 *
 * Why our own and not libmicrohttpd (which served until the security issue): 0.9.75
 * answers its own parse errors with HTML we cannot replace, takes the first of two
 * Content-Length headers and runs the rest as a second request, keeps a connection
 * open after Content-Length with Transfer-Encoding, waits 60 s on an unknown transfer
 * coding, reads whole bodies before we can ask who is sending them, and has no
 * request deadline (its timeout is per read). The framing rules are in parse.c; this
 * file is the event loop around them. Measured against nginx in bench/http.sh.
 *
 * Threads: cfg.threads workers, each with its own epoll set holding the one listening
 * socket (EPOLLEXCLUSIVE wakes one worker per connection) and the connections it
 * accepted. A handler runs on its worker's thread, with that thread's database
 * connection (gz_db_thread), like the thread pool before.
 *
 * A connection goes HEAD (reading a request head) -> BODY (reading its body) ->
 * handler -> WRITE (sending the answer) -> HEAD again, or LINGER (answer sent, the
 * unread rest of an upload is drained for a moment so the client sees the answer
 * rather than a reset) -> closed. Sockets are edge-triggered: each state reads or
 * writes until EAGAIN, and every state change re-tries the socket. */
#include "http/server.h"
#include "http/http.h"
#include "http/metrics.h"
#include "http/parse.h"
#include "http/router.h"
#include "http/static.h"
#include "http/stream.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/time.h"
#include "core/utf8.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* More request headers than this is abuse, whatever their size. */
#define GZ_MAX_REQ_HEADERS 2000
/* Query arguments in one request. */
#define GZ_MAX_REQ_ARGS 1000
/* Oversize bodies up to this size are read and discarded so the 413 reaches the client. */
#define GZ_DISCARD_MAX (64u << 20)
/* How long the unread rest of a refused upload is drained after the answer. */
#define GZ_LINGER_MS 2000

static gz_server_config cfg;
static int access_fd = -1;
static atomic_bool draining;
static atomic_uint_fast64_t req_counter;
static char rid_prefix[9];
static atomic_int_fast64_t last_done_ns;
static gz_http_limits limits;

void gz_server_config_defaults(gz_server_config *c)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	*c = (gz_server_config){
	    .listen = "127.0.0.1:8080",
	    .web_dir = "web/dist",
	    .access_log = "-",
	    .threads = (unsigned)(ncpu > 2 ? ncpu * 2 : 4),
	    .body_limit = 1 << 20,
	    .url_limit = 8192,
	    .header_limit = 16384,
	    .drain_timeout_ms = 10000,
	    .max_conns = 4096,
	    .max_conns_per_ip = 256,
	    .body_inflight_per_ip = (size_t)160 << 20,
	    .body_inflight_total = (size_t)1 << 30,
	    .first_byte_timeout_ms = 10000,
	    .idle_timeout_ms = 30000,
	    .request_timeout_ms = 120000,
	};
}

/* ---------------------------------------------------------------- replies */

/* Takes ownership of body (malloc'd) or fd. */
static void set_response(gz_req *r, int status, char *body, int fd, size_t len, const char *ctype)
{
	if (r->status) {
		/* Answering twice is a handler bug; keep the first answer. */
		gz_log_error("request %s answered twice (second status %d)", r->id, status);
		free(body);
		if (fd >= 0)
			close(fd);
		return;
	}
	r->status = status;
	r->resp_body = body;
	r->resp_fd = fd;
	r->resp_len = len;
	r->resp_type = ctype ? gz_arena_strdup(&r->arena, ctype) : NULL;
}

static gz_before_fn post_before;
static gz_after_fn post_after;
static gz_auth_fn auth_hook;

void gz_server_set_auth_hook(gz_auth_fn fn)
{
	auth_hook = fn;
}

void gz_server_set_post_hooks(gz_before_fn before, gz_after_fn after)
{
	post_before = before;
	post_after = after;
}

static void capture(gz_req *r, const char *content_type, const char *body, size_t len)
{
	if (!r->capture || r->captured)
		return;
	r->captured = gz_arena_strndup(&r->arena, body, len);
	r->captured_len = len;
	r->captured_type = gz_arena_strdup(&r->arena, content_type ? content_type : "");
}

void gz_reply_raw(gz_req *r, int status, const char *content_type, const char *body, size_t len)
{
	capture(r, content_type, body, len);
	char *copy = gz_malloc(len ? len : 1);
	memcpy(copy, body, len);
	set_response(r, status, copy, -1, len, content_type);
}

void gz_reply_stream(gz_req *r, gz_stream *s, const char *initial, size_t len)
{
	if (r->status || !strcmp(r->method, "HEAD")) {
		gz_stream_adopt(s, -1);
		if (!r->status)
			gz_reply_raw(r, 200, "text/event-stream; charset=utf-8", "", 0);
		return;
	}
	set_response(r, 200, len ? gz_strndup(initial, len) : NULL, -1, len,
	             "text/event-stream; charset=utf-8");
	/* Proxies (nginx) must pass events on as they come. */
	gz_reply_header(r, "X-Accel-Buffering", "no");
	r->stream = s;
}

void gz_reply_fd(gz_req *r, int status, const char *content_type, int fd, uint64_t size)
{
	set_response(r, status, NULL, fd, (size_t)size, content_type);
}

void gz_reply_json(gz_req *r, int status, json_t *body)
{
	size_t len;
	char *s = gz_json_dump(body, &len);
	json_decref(body);
	if (!s) {
		gz_err e;
		gz_err_set(&e, GZ_EINTERNAL, "internal", "无法生成 JSON 响应");
		gz_reply_err(r, &e);
		return;
	}
	capture(r, "application/json; charset=utf-8", s, len);
	set_response(r, status, s, -1, len, "application/json; charset=utf-8");
}

static json_t *err_json(const gz_err *err)
{
	json_t *fields = json_object();
	for (int i = 0; i < err->nfields; i++)
		json_object_set_new(fields, err->fields[i].name, json_string(err->fields[i].why));
	gz_errkind kind = err->kind == GZ_OK ? GZ_EINTERNAL : err->kind;
	json_t *e =
	    json_pack("{s:{s:s,s:s,s:o}}", "error", "code", err->code[0] ? err->code : "internal",
	              "message", err->message, "fields", fields);
	if (!e) /* message was not valid UTF-8 (e.g. echoed input): never fail here */
		e = json_pack("{s:{s:s,s:s,s:{}}}", "error", "code",
		              err->code[0] ? err->code : "internal", "message", "请求有误");
	(void)kind;
	return e;
}

void gz_reply_err(gz_req *r, const gz_err *err)
{
	gz_reply_json(r, gz_err_status(err->kind == GZ_OK ? GZ_EINTERNAL : err->kind),
	              err_json(err));
}

void gz_reply_err_extra(gz_req *r, const gz_err *err, json_t *extra)
{
	json_t *e = err_json(err);
	const char *key;
	json_t *v;
	json_object_foreach(extra, key, v)
	{
		if (strcmp(key, "error") != 0)
			json_object_set(e, key, v);
	}
	gz_reply_json(r, gz_err_status(err->kind == GZ_OK ? GZ_EINTERNAL : err->kind), e);
}

void gz_reply_error(gz_req *r, gz_errkind kind, const char *code, const char *message)
{
	gz_err e;
	gz_err_clear(&e);
	gz_err_set(&e, kind, code, "%s", message);
	gz_reply_err(r, &e);
}

void gz_reply_header(gz_req *r, const char *name, const char *value)
{
	if (r->nheaders == GZ_MAX_RESP_HEADERS)
		return;
	r->headers[r->nheaders].name = gz_arena_strdup(&r->arena, name);
	r->headers[r->nheaders].value = gz_arena_strdup(&r->arena, value);
	r->nheaders++;
}

/* ---------------------------------------------------------------- request accessors */

const char *gz_req_param(gz_req *r, const char *name)
{
	for (int i = 0; i < r->nparams; i++)
		if (!strcmp(r->params[i].name, name))
			return r->params[i].value;
	return NULL;
}

const char *gz_req_query(gz_req *r, const char *name)
{
	return r->head ? gz_http_arg(r->head, name) : NULL;
}

const char *gz_req_header(gz_req *r, const char *name)
{
	return r->head ? gz_http_header(r->head, name) : NULL;
}

json_t *gz_req_json(gz_req *r, gz_err *err)
{
	const char *ct = gz_req_header(r, "Content-Type");
	size_t n = strlen("application/json");
	if (!ct || strncasecmp(ct, "application/json", n) != 0 ||
	    (ct[n] && ct[n] != ';' && ct[n] != ' ')) {
		gz_err_set(err, GZ_EMEDIATYPE, "unsupported_media_type",
		           "请求体必须是 JSON（Content-Type: application/json）");
		return NULL;
	}
	const char *cs = strcasestr(ct, "charset=");
	size_t cslen = cs ? strcspn(cs + 8, "; ") : 0;
	if (cs && !(cslen == 5 && !strncasecmp(cs + 8, "utf-8", 5)) &&
	    !(cslen == 7 && !strncasecmp(cs + 8, "\"utf-8\"", 7))) {
		gz_err_set(err, GZ_EMEDIATYPE, "unsupported_charset", "只接受 UTF-8 编码的 JSON");
		return NULL;
	}
	return gz_json_parse_object(r->body ? r->body : "", r->body_len, err);
}

const char *gz_req_body_of_type(gz_req *r, const char *const *types, int ntypes, int *which,
                                size_t *len, gz_err *err)
{
	const char *ct = gz_req_header(r, "Content-Type");
	size_t n = ct ? strcspn(ct, ";") : 0;
	while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	for (int i = 0; ct && i < ntypes; i++)
		if (strlen(types[i]) == n && !strncasecmp(ct, types[i], n)) {
			*which = i;
			*len = r->body ? r->body_len : 0;
			return r->body ? r->body : "";
		}
	gz_err_set(err, GZ_EMEDIATYPE, "unsupported_media_type", "不支持的请求体类型，应为：%s%s%s",
	           ntypes > 0 ? types[0] : "", ntypes > 1 ? " 或 " : "",
	           ntypes > 1 ? types[1] : "");
	return NULL;
}

/* Cursors are "c" + decimal key: opaque to clients, cheap to check here. */
int gz_req_list_params(gz_req *r, int *limit, int64_t *after, gz_err *err)
{
	*limit = 20;
	*after = 0;
	const char *l = gz_req_query(r, "limit");
	if (l) {
		char *end;
		long v = strtol(l, &end, 10);
		if (*l < '0' || *l > '9' || *end || v < 1 || v > 200) {
			gz_err_set(err, GZ_EBADREQ, "bad_query", "limit 应为 1 到 200 的整数");
			gz_err_field(err, "limit", "应为 1 到 200 的整数");
			return -1;
		}
		*limit = (int)v;
	}
	const char *c = gz_req_query(r, "cursor");
	if (c && *c) {
		char *end;
		long long v =
		    c[0] == 'c' && c[1] >= '0' && c[1] <= '9' ? strtoll(c + 1, &end, 10) : -1;
		if (v <= 0 || *end) {
			gz_err_set(err, GZ_EBADREQ, "bad_query", "cursor 无效");
			gz_err_field(err, "cursor", "无效的分页游标");
			return -1;
		}
		*after = v;
	}
	return 0;
}

json_t *gz_list_json(gz_req *r, json_t *items, int64_t next_after)
{
	(void)r;
	char cur[32];
	snprintf(cur, sizeof cur, "c%lld", (long long)next_after);
	return json_pack("{s:o,s:o}", "items", items, "next_cursor",
	                 next_after ? json_string(cur) : json_null());
}

/* ---------------------------------------------------------------- access log */

static size_t json_escape(char *out, size_t cap, const char *s)
{
	size_t n = 0;
	for (; *s && n + 8 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[n++] = '\\';
			out[n++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			/* Bytes, not code points: the log stays ASCII and never invalid. */
			n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
		} else {
			out[n++] = (char)c;
		}
	}
	out[n] = '\0';
	return n;
}

static void access_log(gz_req *r, const char *url, const char *method, int64_t dur_ns)
{
	if (access_fd < 0)
		return;
	char line[1536], esc[768], ts[32];
	json_escape(esc, sizeof esc, url ? url : "");
	const gz_route *rt = gz_router_get(r->route_id);
	int n =
	    snprintf(line, sizeof line,
	             "{\"t\":\"%s\",\"id\":\"%s\",\"ip\":\"%s\",\"method\":\"%s\",\"path\":\"%s\","
	             "\"route\":\"%s\",\"status\":%d,\"bytes\":%zu,\"ms\":%.3f}\n",
	             gz_time_rfc3339(gz_time_now_ms(), ts, sizeof ts), r->id, r->client_ip,
	             method && strlen(method) < 16 ? method : "?", esc,
	             rt ? rt->pattern : (r->route_id == GZ_ROUTE_STATIC ? "static" : ""), r->status,
	             r->resp_len, (double)dur_ns / 1e6);
	if (n > 0 && (size_t)n < sizeof line) {
		ssize_t w = write(access_fd, line, (size_t)n);
		(void)w;
	}
}

/* ---------------------------------------------------------------- addresses */

static bool is_trusted_proxy(const char *ip, size_t len)
{
	const char *p = cfg.trusted_proxies;
	if (!p || !*p || !len)
		return false;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t n = strcspn(p, ", ");
		if (n == len && !strncmp(p, ip, n))
			return true;
		p += n;
	}
	return false;
}

/* Behind trusted proxies the client is the right-most X-Forwarded-For hop that is not
 * itself a trusted proxy; rate limits and the audit log need the real address. The
 * proxy also says whether the client came over TLS (X-Forwarded-Proto). */
static void resolve_forwarded(gz_req *r)
{
	if (!is_trusted_proxy(r->client_ip, strlen(r->client_ip)))
		return;
	const char *proto = gz_req_header(r, "X-Forwarded-Proto");
	r->secure = proto && !strcasecmp(proto, "https");
	const char *xff = gz_req_header(r, "X-Forwarded-For");
	if (!xff)
		return;
	const char *end = xff + strlen(xff);
	while (end > xff) {
		const char *start = end;
		while (start > xff && start[-1] != ',')
			start--;
		const char *a = start, *b = end;
		while (a < b && *a == ' ')
			a++;
		while (b > a && b[-1] == ' ')
			b--;
		size_t n = (size_t)(b - a);
		if (n && n < sizeof r->client_ip && !is_trusted_proxy(a, n)) {
			unsigned char tmp[sizeof(struct in6_addr)];
			char ip[sizeof r->client_ip];
			memcpy(ip, a, n);
			ip[n] = '\0';
			if (inet_pton(AF_INET, ip, tmp) == 1 || inet_pton(AF_INET6, ip, tmp) == 1)
				memcpy(r->client_ip, ip, n + 1);
			return;
		}
		end = start > xff ? start - 1 : xff;
	}
}

/* Per-address accounting, shared by all workers: open connections by socket peer and
 * body bytes held by client address. Entries live while either count is non-zero. */
typedef struct ip_node {
	struct ip_node *next;
	unsigned conns;
	size_t bytes;
	char ip[48];
} ip_node;

#define IP_BUCKETS 4096
static ip_node *ip_table[IP_BUCKETS];
static pthread_mutex_t ip_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_uint conns_total;
static size_t bytes_total; /* under ip_lock */

static ip_node **ip_find(const char *ip)
{
	uint32_t h = 2166136261u;
	for (const char *p = ip; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	ip_node **pp = &ip_table[h % IP_BUCKETS];
	while (*pp && strcmp((*pp)->ip, ip))
		pp = &(*pp)->next;
	return pp;
}

static ip_node *ip_get(const char *ip)
{
	ip_node **pp = ip_find(ip);
	if (!*pp) {
		*pp = gz_calloc(1, sizeof **pp);
		snprintf((*pp)->ip, sizeof(*pp)->ip, "%s", ip);
	}
	return *pp;
}

static void ip_put(const char *ip)
{
	ip_node **pp = ip_find(ip), *n = *pp;
	if (n && !n->conns && !n->bytes) {
		*pp = n->next;
		free(n);
	}
}

/* Counts a new connection from ip; false when that address is at its cap. */
static bool ip_conn_acquire(const char *ip, bool exempt)
{
	pthread_mutex_lock(&ip_lock);
	ip_node *n = ip_get(ip);
	bool ok = exempt || n->conns < cfg.max_conns_per_ip;
	if (ok)
		n->conns++;
	else
		ip_put(ip);
	pthread_mutex_unlock(&ip_lock);
	return ok;
}

static void ip_conn_release(const char *ip)
{
	pthread_mutex_lock(&ip_lock);
	ip_node *n = ip_get(ip);
	if (n->conns)
		n->conns--;
	ip_put(ip);
	pthread_mutex_unlock(&ip_lock);
}

/* Reserves n more body bytes for client ip; false (nothing reserved) over a limit. */
static bool ip_bytes_reserve(const char *ip, size_t n)
{
	pthread_mutex_lock(&ip_lock);
	ip_node *node = ip_get(ip);
	bool ok = node->bytes + n <= cfg.body_inflight_per_ip &&
	          bytes_total + n <= cfg.body_inflight_total;
	if (ok) {
		node->bytes += n;
		bytes_total += n;
	} else {
		ip_put(ip);
	}
	pthread_mutex_unlock(&ip_lock);
	return ok;
}

static void ip_bytes_release(const char *ip, size_t n)
{
	if (!n)
		return;
	pthread_mutex_lock(&ip_lock);
	ip_node *node = ip_get(ip);
	node->bytes -= n < node->bytes ? n : node->bytes;
	bytes_total -= n < bytes_total ? n : bytes_total;
	ip_put(ip);
	pthread_mutex_unlock(&ip_lock);
}

/* ---------------------------------------------------------------- connections */

enum { C_HEAD, C_BODY, C_DISCARD, C_WRITE, C_LINGER, C_CLOSED };

typedef struct worker worker;

typedef struct conn {
	struct conn *prev, *next; /* the worker's list, swept for deadlines */
	worker *w;
	int fd;
	int state;
	char peer[48]; /* socket address, for the connection cap */
	int64_t deadline_ns;

	/* Input not yet consumed: a request head, pipelined requests, chunked body. */
	char *in;
	size_t in_len, in_cap, scanned;

	/* The request being read or answered. */
	gz_req *req;
	gz_http_chunked chunk;
	uint64_t body_left;   /* Content-Length bytes still to read (BODY, DISCARD) */
	size_t body_reserved; /* reserved with ip_bytes_reserve under req->client_ip */
	bool keep_alive;

	/* Output: the head (and small bodies) in out, then file or the body. */
	char *out;
	size_t out_len, out_off, out_cap;
	off_t file_off;
} conn;

struct worker {
	pthread_t thread;
	int ep;
	conn *conns;
	bool listening;
};

static int listen_fd = -1;
static atomic_bool stopping;
static atomic_int listeners_removed;

static const size_t IN_START = 4096;

static size_t head_cap(void)
{
	return cfg.url_limit + cfg.header_limit + 1024;
}

static int64_t ms_ns(unsigned ms)
{
	return (int64_t)ms * 1000000;
}

static void conn_close(conn *c);
static void conn_drive(conn *c);

static gz_req *req_new(conn *c)
{
	gz_req *r = gz_calloc(1, sizeof *r);
	gz_arena_init(&r->arena);
	r->route_id = GZ_ROUTE_NONE;
	r->resp_fd = -1;
	r->start_ns = gz_time_mono_ns();
	uint64_t n = atomic_fetch_add(&req_counter, 1);
	snprintf(r->id, sizeof r->id, "%s%08llx", rid_prefix, (unsigned long long)(n & 0xffffffff));
	snprintf(r->client_ip, sizeof r->client_ip, "%s", c->peer);
	gz_metrics_inflight(1);
	return r;
}

/* Ends the current request: metrics, access log, memory. */
static void req_done(conn *c)
{
	gz_req *r = c->req;
	if (!r)
		return;
	int64_t now = gz_time_mono_ns();
	int64_t dur = now - r->start_ns;
	gz_metrics_observe(r->route_id, r->method ? r->method : "?", r->status, dur);
	access_log(r, r->path ? r->path : "", r->method, dur);
	ip_bytes_release(r->client_ip, c->body_reserved);
	c->body_reserved = 0;
	if (r->stream) /* the connection ended before the stream's head was sent */
		gz_stream_adopt(r->stream, -1);
	free(r->resp_body);
	if (r->resp_fd >= 0)
		close(r->resp_fd);
	free(r->body);
	gz_arena_free(&r->arena);
	free(r);
	c->req = NULL;
	atomic_store(&last_done_ns, now);
	gz_metrics_inflight(-1);
}

static const char *reason(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 206:
		return "Partial Content";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 412:
		return "Precondition Failed";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 415:
		return "Unsupported Media Type";
	case 422:
		return "Unprocessable Content";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Status";
	}
}

/* The IMF-fixdate of this second, cached per thread. */
static const char *http_date(void)
{
	static __thread char buf[40];
	static __thread time_t last;
	time_t now = time(NULL);
	if (now != last) {
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
		last = now;
	}
	return buf;
}

/* Appends a then b at o (no NUL); returns the end. The caller sized the buffer. */
static char *put(char *o, const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	memcpy(o, a, n);
	memcpy(o + n, b, m);
	return o + n + m;
}

/* Serialises the answer in c->req into c->out and moves to WRITE. Small bodies are
 * copied after the head so one write() sends both. */
static void start_write(conn *c)
{
	gz_req *r = c->req;
	if (atomic_load(&draining) || r->stream)
		c->keep_alive = false;
	bool head_only = r->method && !strcmp(r->method, "HEAD");
	bool no_body =
	    (r->status >= 100 && r->status < 200) || r->status == 204 || r->status == 304;
	size_t cap = 544 + (r->resp_type ? strlen(r->resp_type) : 0);
	for (int i = 0; i < r->nheaders; i++)
		cap += strlen(r->headers[i].name) + strlen(r->headers[i].value) + 4;
	bool inline_body = !head_only && !no_body && r->resp_fd < 0 && r->resp_len <= 16384;
	if (inline_body)
		cap += r->resp_len;
	/* The connection keeps its output buffer from answer to answer. */
	if (cap > c->out_cap) {
		free(c->out);
		c->out_cap = cap < 4096 ? 4096 : cap;
		c->out = gz_malloc(c->out_cap);
	}
	char *o = c->out;
	int sn = snprintf(o, 64, "HTTP/1.1 %d ", r->status);
	o += sn;
	o = put(o, reason(r->status), "\r\nDate: ");
	o = put(o, http_date(), "\r\nX-Request-Id: ");
	o = put(o, r->id, "\r\n");
	if (r->resp_type)
		o = put(put(o, "Content-Type: ", r->resp_type), "\r\n", "");
	if (!no_body && !r->stream) { /* a stream's body ends when the connection does */
		char num[24];
		snprintf(num, sizeof num, "%zu", r->resp_len);
		o = put(put(o, "Content-Length: ", num), "\r\n", "");
	}
	bool cache_set = false;
	for (int i = 0; i < r->nheaders; i++) {
		o = put(put(put(o, r->headers[i].name, ": "), r->headers[i].value, ""), "\r\n", "");
		cache_set |= !strcasecmp(r->headers[i].name, "Cache-Control");
	}
	/* Answers are personal and per session unless the handler says otherwise (static
	 * files do): no browser, proxy or idempotent replay may keep a copy. */
	if (!cache_set)
		o = put(o, "Cache-Control: no-store\r\n", "");
	if (!c->keep_alive)
		o = put(o, "Connection: close\r\n", "");
	else if (r->head && r->head->minor == 0)
		o = put(o, "Connection: keep-alive\r\n", "");
	o = put(o, "\r\n", "");
	c->out_len = (size_t)(o - c->out);
	if (inline_body) {
		memcpy(c->out + c->out_len, r->resp_body, r->resp_len);
		c->out_len += r->resp_len;
		free(r->resp_body);
		r->resp_body = NULL;
		r->resp_len = 0;
	} else if (head_only || no_body) {
		free(r->resp_body);
		r->resp_body = NULL;
		r->resp_len = 0;
		if (r->resp_fd >= 0)
			close(r->resp_fd);
		r->resp_fd = -1;
	}
	c->out_off = 0;
	c->file_off = 0;
	c->state = C_WRITE;
	c->deadline_ns = gz_time_mono_ns() + ms_ns(cfg.idle_timeout_ms);
}

/* An answer produced before the body was read: the rest of the upload is not wanted,
 * so the connection closes after the answer (LINGER drains what still arrives). */
static void answer_early(conn *c)
{
	const gz_http_head *h = c->req ? c->req->head : NULL;
	if (!h || h->chunked || h->content_length > 0)
		c->keep_alive = false;
	start_write(c);
}

static void answer_err(conn *c, const gz_err *err)
{
	if (!c->req)
		c->req = req_new(c);
	gz_reply_err(c->req, err);
	answer_early(c);
}

/* ---------------------------------------------------------------- dispatch */

static bool kv_valid(const gz_kv *kv, int n)
{
	for (int i = 0; i < n; i++)
		if (!gz_utf8_valid(kv[i].name, strlen(kv[i].name)) ||
		    !gz_utf8_valid(kv[i].value, strlen(kv[i].value)))
			return false;
	return true;
}

#define API_PREFIXES_MAX 32
static const char *api_prefixes[API_PREFIXES_MAX];
static int napi_prefixes;

void gz_server_api_prefix(const char *prefix)
{
	if (napi_prefixes == API_PREFIXES_MAX) {
		gz_log_error("too many API prefixes (raise API_PREFIXES_MAX)");
		abort();
	}
	api_prefixes[napi_prefixes++] = prefix;
}

static bool never_static(const char *path)
{
	for (int i = 0; i < napi_prefixes; i++) {
		const char *p = api_prefixes[i];
		size_t n = strlen(p);
		if (!strncmp(path, p, n) ||
		    (n > 1 && p[n - 1] == '/' && strlen(path) == n - 1 && !strncmp(path, p, n - 1)))
			return true;
	}
	return false;
}

/* Everything decided on the head alone: validity, route, login, body limit. Returns
 * true when the request goes on to its body (or straight to its handler), false when
 * it has been answered. */
static bool check_head(conn *c)
{
	gz_req *r = c->req;
	const gz_http_head *h = r->head;
	gz_err err;
	gz_err_clear(&err);
	if (!gz_utf8_valid(h->path, strlen(h->path))) {
		gz_err_set(&err, GZ_EBADREQ, "bad_path", "请求路径不是有效的 UTF-8 或含有空字符");
		goto fail;
	}
	if (!kv_valid(h->headers, h->nheaders)) {
		gz_err_set(&err, GZ_EBADREQ, "bad_header", "请求头不是有效的 UTF-8");
		goto fail;
	}
	if (!kv_valid(h->args, h->nargs)) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数不是有效的 UTF-8 或含有空字符");
		goto fail;
	}

	char allow[128];
	int id = gz_router_match(r, r->method, r->path, allow, sizeof allow);
	const gz_route *rt = gz_router_get(id);
	if (id == -2) {
		gz_err_set(&err, GZ_EMETHOD, "method_not_allowed", "该地址不支持 %s 方法",
		           r->method);
		gz_reply_err(r, &err);
		gz_reply_header(r, "Allow", allow);
		answer_early(c);
		return false;
	}
	if (id < 0 && never_static(r->path)) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这个接口：%s", r->path);
		goto fail;
	}
	if (id < 0 && strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) {
		gz_err_set(&err, GZ_EMETHOD, "method_not_allowed", "静态文件只支持 GET 和 HEAD");
		gz_reply_err(r, &err);
		gz_reply_header(r, "Allow", "GET, HEAD");
		answer_early(c);
		return false;
	}
	r->route_id = id >= 0 ? id : GZ_ROUTE_STATIC;
	r->body_limit = rt && rt->body_limit ? rt->body_limit : cfg.body_limit;

	/* Who is asking, before a byte of the body is read. */
	if (rt && !(rt->flags & GZ_ROUTE_PUBLIC) && auth_hook && !auth_hook(r)) {
		answer_early(c);
		return false;
	}

	uint64_t declared = h->has_length ? h->content_length : 0;
	if (h->has_length && declared > r->body_limit) {
		gz_err_set(&err, GZ_ETOOLARGE, "body_too_large", "请求体过大（上限 %zu 字节）",
		           r->body_limit);
		/* A client waiting for "100 Continue" never sends the body; one that sends at
		 * once would see its upload reset by an early answer, so a moderate body is
		 * read and dropped (no memory held) and answered at its end. */
		if (h->expect_continue || declared > GZ_DISCARD_MAX)
			goto fail;
		gz_reply_err(r, &err);
		c->keep_alive = false;
		c->body_left = declared;
		c->state = C_DISCARD;
		return true;
	}
	if (h->has_length && declared > 0) {
		size_t want = (size_t)declared;
		if (!ip_bytes_reserve(r->client_ip, want)) {
			gz_err_set(&err, GZ_EUNAVAILABLE, "too_many_uploads",
			           "同时上传的数据过多，请稍后重试");
			goto fail;
		}
		c->body_reserved = want;
		r->body = gz_malloc(want + 1);
		r->body_cap = want + 1;
	}
	return true;
fail:
	gz_reply_err(r, &err);
	answer_early(c);
	return false;
}

/* Runs the handler of a complete request and starts writing its answer. */
static void run_handler(conn *c)
{
	gz_req *r = c->req;
	if (r->body)
		r->body[r->body_len] = '\0';
	if (r->route_id >= 0) {
		bool post = !strcmp(r->method, "POST");
		if (!(post && post_before && post_before(r))) {
			gz_router_get(r->route_id)->fn(r);
			if (post && post_after && r->status)
				post_after(r);
		}
		if (!r->status) {
			gz_log_error("handler for %s %s gave no answer", r->method, r->path);
			gz_reply_error(r, GZ_EINTERNAL, "internal", "服务器内部错误");
		}
	} else {
		gz_static_serve(r);
	}
	start_write(c);
}

/* ---------------------------------------------------------------- input */

static void in_consume(conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
	c->scanned = 0;
}

/* Reads what the socket has into c->in, up to max bytes held. Returns 1 when bytes
 * came, 0 on EAGAIN or a full buffer, -1 when the peer closed or failed. */
static int fill_in(conn *c, size_t max)
{
	if (c->in_len >= max)
		return 0;
	if (c->in_cap < max && c->in_len + 1024 > c->in_cap) {
		size_t ncap = c->in_cap ? c->in_cap * 2 : IN_START;
		c->in_cap = ncap < max ? ncap : max;
		c->in = gz_realloc(c->in, c->in_cap);
	}
	size_t room = (c->in_cap < max ? c->in_cap : max) - c->in_len;
	ssize_t n = read(c->fd, c->in + c->in_len, room);
	if (n > 0) {
		c->in_len += (size_t)n;
		return 1;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	return -1;
}

/* HEAD: reads until a whole request head is there, then checks it. Returns true when
 * the state changed (or input must be looked at again), false to wait. */
static bool step_head(conn *c)
{
	for (;;) {
		/* Empty lines before a request line are ignored (RFC 9112 §2.2). */
		size_t skip = 0;
		while (skip + 1 < c->in_len && c->in[skip] == '\r' && c->in[skip + 1] == '\n')
			skip += 2;
		if (skip)
			in_consume(c, skip);
		size_t end = c->in_len ? gz_http_head_end(c->in, c->in_len, &c->scanned) : 0;
		if (end) {
			gz_req *r = c->req = req_new(c);
			gz_err err;
			gz_err_clear(&err);
			gz_http_head *h = gz_arena_alloc(&r->arena, sizeof *h);
			if (gz_http_parse_head(c->in, end, &limits, &r->arena, h, &err) < 0) {
				in_consume(c, end);
				answer_err(c, &err);
				return true;
			}
			in_consume(c, end);
			r->head = h;
			r->method = h->method;
			r->path = h->path;
			c->keep_alive = h->keep_alive;
			resolve_forwarded(r);
			if (!check_head(c))
				return true;
			if (c->state == C_DISCARD)
				return true;
			if (h->chunked) {
				memset(&c->chunk, 0, sizeof c->chunk);
				c->state = C_BODY;
			} else if (h->has_length && h->content_length > 0) {
				c->body_left = h->content_length;
				c->state = C_BODY;
			} else {
				run_handler(c);
				return true;
			}
			if (h->expect_continue) {
				static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
				ssize_t w = write(c->fd, cont, sizeof cont - 1);
				(void)w; /* a client that cannot take 23 bytes will time out */
			}
			return true;
		}
		if (c->in_len) {
			gz_err err;
			gz_err_clear(&err);
			if (gz_http_head_check_partial(c->in, c->in_len, &limits, &err) < 0 ||
			    (c->in_len >= head_cap() &&
			     gz_err_set(&err, GZ_EHEADERS, "headers_too_large",
			                "请求头过大（上限 %zu 字节）", cfg.header_limit))) {
				c->in_len = 0;
				answer_err(c, &err);
				return true;
			}
		}
		size_t before = c->in_len;
		int rc = fill_in(c, head_cap());
		if (rc < 0) {
			conn_close(c);
			return false;
		}
		if (rc == 0)
			return false;
		if (before == 0) /* the first byte of a request: its deadline starts */
			c->deadline_ns = gz_time_mono_ns() + ms_ns(cfg.request_timeout_ms);
	}
}

/* Appends chunk data to the body, within the route's limit and the address budget. */
static bool body_append(conn *c, const char *data, size_t n, gz_err *err)
{
	gz_req *r = c->req;
	if (r->body_len + n > r->body_limit) {
		gz_err_set(err, GZ_ETOOLARGE, "body_too_large", "请求体过大（上限 %zu 字节）",
		           r->body_limit);
		return false;
	}
	if (r->body_len + n + 1 > r->body_cap) {
		size_t ncap = (r->body_len + n + 1) * 2;
		if (ncap > r->body_limit + 1)
			ncap = r->body_limit + 1;
		if (ncap > c->body_reserved) {
			if (!ip_bytes_reserve(r->client_ip, ncap - c->body_reserved)) {
				gz_err_set(err, GZ_EUNAVAILABLE, "too_many_uploads",
				           "同时上传的数据过多，请稍后重试");
				return false;
			}
			c->body_reserved = ncap;
		}
		r->body = gz_realloc(r->body, ncap);
		r->body_cap = ncap;
	}
	memcpy(r->body + r->body_len, data, n);
	r->body_len += n;
	return true;
}

/* Reads the Content-Length body still to come (c->body_left): first what arrived with
 * the head, then from the socket, appending to dst at *dst_len (dst NULL: dropped, no
 * memory held). Returns true once it is complete; false to wait for the socket, or when
 * the connection was closed. */
static bool read_length(conn *c, char *dst, size_t *dst_len)
{
	char sink[16384];
	size_t n = c->in_len < c->body_left ? c->in_len : (size_t)c->body_left;
	if (dst) {
		memcpy(dst + *dst_len, c->in, n);
		*dst_len += n;
	}
	c->body_left -= n;
	in_consume(c, n);
	while (c->body_left) {
		size_t want =
		    dst ? (size_t)c->body_left
		        : (c->body_left < sizeof sink ? (size_t)c->body_left : sizeof sink);
		ssize_t got = read(c->fd, dst ? dst + *dst_len : sink, want);
		if (got > 0) {
			if (dst)
				*dst_len += (size_t)got;
			c->body_left -= (uint64_t)got;
			continue;
		}
		if (!(got < 0 && (errno == EAGAIN || errno == EINTR)))
			conn_close(c);
		return false;
	}
	return true;
}

static bool step_body(conn *c)
{
	gz_req *r = c->req;
	if (!r->head->chunked) {
		if (!read_length(c, r->body, &r->body_len))
			return false;
		run_handler(c);
		return true;
	}
	for (;;) {
		while (c->in_len) {
			size_t used = 0, dlen = 0;
			const char *data = NULL;
			gz_err err;
			gz_err_clear(&err);
			int rc = gz_http_chunked_feed(&c->chunk, c->in, c->in_len, cfg.header_limit,
			                              &used, &data, &dlen, &err);
			if (rc == GZ_CHUNK_DATA && !body_append(c, data, dlen, &err))
				rc = -1;
			if (rc < 0) {
				c->in_len = 0;
				gz_reply_err(r, &err);
				answer_early(c);
				return true;
			}
			in_consume(c, used);
			if (rc == GZ_CHUNK_DONE) {
				run_handler(c);
				return true;
			}
		}
		int rc = fill_in(c, head_cap());
		if (rc < 0) {
			conn_close(c);
			return false;
		}
		if (rc == 0)
			return false;
	}
}

/* DISCARD: reads and drops a too-large body, then sends the 413 already prepared. */
static bool step_discard(conn *c)
{
	if (!read_length(c, NULL, NULL))
		return false;
	start_write(c);
	return true;
}

/* LINGER: the answer has gone out and our side is shut; drop whatever the client still
 * sends until it closes or the linger time ends. */
static bool step_linger(conn *c)
{
	char buf[16384];
	for (;;) {
		ssize_t n = read(c->fd, buf, sizeof buf);
		if (n > 0)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return false;
		conn_close(c);
		return false;
	}
}

/* ---------------------------------------------------------------- output */

static bool step_write(conn *c)
{
	gz_req *r = c->req;
	for (;;) {
		bool has_body = r->resp_body || r->resp_fd >= 0;
		bool body_done = !has_body || (size_t)c->file_off >= r->resp_len;
		if (c->out_off == c->out_len && body_done)
			break;
		ssize_t n;
		if (c->out_off < c->out_len) {
			struct iovec iov[2] = {{c->out + c->out_off, c->out_len - c->out_off},
			                       {r->resp_body, r->resp_body ? r->resp_len : 0}};
			n = writev(c->fd, iov, r->resp_body ? 2 : 1);
			if (n > 0) {
				size_t head_left = c->out_len - c->out_off;
				if ((size_t)n <= head_left) {
					c->out_off += (size_t)n;
				} else {
					c->out_off = c->out_len;
					c->file_off = (off_t)((size_t)n - head_left);
				}
			}
		} else if (r->resp_body) {
			n = write(c->fd, r->resp_body + c->file_off,
			          r->resp_len - (size_t)c->file_off);
			if (n > 0)
				c->file_off += n;
		} else {
			n = sendfile(c->fd, r->resp_fd, &c->file_off,
			             r->resp_len - (size_t)c->file_off);
			if (n == 0) { /* the file shrank under us: the answer cannot be completed */
				conn_close(c);
				return false;
			}
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return false;
			conn_close(c);
			return false;
		}
		c->deadline_ns = gz_time_mono_ns() + ms_ns(cfg.idle_timeout_ms);
	}
	if (r->stream) {
		/* The head is out: the socket goes to the stream hub, the connection ends here. */
		gz_stream *st = r->stream;
		r->stream = NULL;
		int fd = c->fd;
		epoll_ctl(c->w->ep, EPOLL_CTL_DEL, fd, NULL);
		c->fd = -1;
		conn_close(c);
		gz_stream_adopt(st, fd);
		return false;
	}
	req_done(c);
	if (!c->keep_alive) {
		/* Half-close and drain: a client still sending its upload then reads our
		 * answer instead of a reset. */
		shutdown(c->fd, SHUT_WR);
		c->in_len = 0;
		c->state = C_LINGER;
		c->deadline_ns = gz_time_mono_ns() + ms_ns(GZ_LINGER_MS);
		return true;
	}
	c->state = C_HEAD;
	c->deadline_ns = gz_time_mono_ns() + ms_ns(cfg.idle_timeout_ms);
	return true;
}

/* Runs the connection's state machine until it must wait for the socket. */
static void conn_drive(conn *c)
{
	for (;;) {
		bool again;
		switch (c->state) {
		case C_HEAD:
			again = step_head(c);
			break;
		case C_BODY:
			again = step_body(c);
			break;
		case C_DISCARD:
			again = step_discard(c);
			break;
		case C_WRITE:
			again = step_write(c);
			break;
		case C_LINGER:
			again = step_linger(c);
			break;
		default:
			return;
		}
		if (!again || c->state == C_CLOSED)
			return;
	}
}

static void conn_close(conn *c)
{
	if (c->state == C_CLOSED)
		return;
	req_done(c);
	c->state = C_CLOSED;
	if (c->fd >= 0)
		close(c->fd); /* also leaves the epoll set */
	if (c->prev)
		c->prev->next = c->next;
	else
		c->w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	ip_conn_release(c->peer);
	atomic_fetch_sub(&conns_total, 1);
	gz_metrics_conn(-1);
	free(c->in);
	free(c->out);
	free(c);
}

/* A connection over a cap: a short answer, then close. */
static void refuse(int fd, const char *code, const char *msg)
{
	char body[256], buf[512];
	int bn =
	    snprintf(body, sizeof body,
	             "{\"error\":{\"code\":\"%s\",\"message\":\"%s\",\"fields\":{}}}", code, msg);
	int n = snprintf(buf, sizeof buf,
	                 "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; "
	                 "charset=utf-8\r\nContent-Length: %d\r\nRetry-After: 5\r\nConnection: "
	                 "close\r\n\r\n%s",
	                 bn, body);
	ssize_t w = write(fd, buf, (size_t)n);
	(void)w;
	close(fd);
}

static void accept_all(worker *w)
{
	for (;;) {
		/* Draining stops accepting at once, not at the worker's next wake: a burst of
		 * reconnecting clients would otherwise be answered "too many connections" while
		 * the closed ones linger. What waits in the backlog is reset with the listener. */
		if (atomic_load(&draining))
			return;
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		int fd =
		    accept4(listen_fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return; /* EAGAIN, or a transient error (EMFILE, aborted): retry next wake
			         */
		char ip[48] = "";
		if (ss.ss_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, ip, sizeof ip);
		else if (ss.ss_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, ip,
			          sizeof ip);
		if (atomic_fetch_add(&conns_total, 1) >= cfg.max_conns) {
			atomic_fetch_sub(&conns_total, 1);
			refuse(fd, "too_many_connections", "服务器连接已满，请稍后重试");
			continue;
		}
		if (!ip_conn_acquire(ip, is_trusted_proxy(ip, strlen(ip)))) {
			atomic_fetch_sub(&conns_total, 1);
			refuse(fd, "too_many_connections", "来自同一地址的连接过多，请稍后重试");
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		conn *c = gz_calloc(1, sizeof *c);
		c->w = w;
		c->fd = fd;
		c->state = C_HEAD;
		memcpy(c->peer, ip, sizeof ip);
		c->deadline_ns = gz_time_mono_ns() + ms_ns(cfg.first_byte_timeout_ms);
		c->next = w->conns;
		if (w->conns)
			w->conns->prev = c;
		w->conns = c;
		gz_metrics_conn(1);
		struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
		                         .data.ptr = c};
		if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			conn_close(c);
			continue;
		}
		conn_drive(c);
	}
}

/* Deadlines: a connection idle too long is closed; a request that has not arrived in
 * time is answered 408; an answer not taken in time is dropped. */
static void sweep(worker *w, int64_t now, bool drain)
{
	conn *next;
	for (conn *c = w->conns; c; c = next) {
		next = c->next;
		bool idle = c->state == C_HEAD && c->in_len == 0 && !c->req;
		if (drain && idle) {
			conn_close(c);
			continue;
		}
		if (now < c->deadline_ns)
			continue;
		if (idle || c->state == C_WRITE || c->state == C_LINGER) {
			conn_close(c);
		} else if (c->state == C_HEAD || c->state == C_BODY || c->state == C_DISCARD) {
			gz_err err;
			gz_err_clear(&err);
			gz_err_set(&err, GZ_ETIMEOUT, "request_timeout", "请求未在 %u 秒内送达",
			           cfg.request_timeout_ms / 1000);
			if (c->req) {
				free(c->req->resp_body);
				c->req->resp_body = NULL;
				c->req->status = 0;
			}
			c->in_len = 0;
			answer_err(c, &err);
			conn_drive(c);
		}
	}
}

static void *worker_main(void *arg)
{
	worker *w = arg;
	struct epoll_event evs[64];
	int64_t next_sweep = 0;
	while (!atomic_load(&stopping)) {
		bool drain = atomic_load(&draining);
		if (drain && w->listening) {
			epoll_ctl(w->ep, EPOLL_CTL_DEL, listen_fd, NULL);
			w->listening = false;
			atomic_fetch_add(&listeners_removed, 1);
		}
		int n = epoll_wait(w->ep, evs, 64, 100);
		for (int i = 0; i < n; i++) {
			if (!evs[i].data.ptr) {
				if (w->listening)
					accept_all(w);
				continue;
			}
			conn *c = evs[i].data.ptr;
			conn_drive(c);
		}
		int64_t now = gz_time_mono_ns();
		if (now >= next_sweep || drain) {
			sweep(w, now, drain);
			next_sweep = now + 100000000;
		}
	}
	while (w->conns)
		conn_close(w->conns);
	return NULL;
}

/* ---------------------------------------------------------------- run */

static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof *ss);
	char host[128];
	const char *colon;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || end[1] != ':' || (size_t)(end - s - 1) >= sizeof host)
			return -1;
		memcpy(host, s + 1, (size_t)(end - s - 1));
		host[end - s - 1] = '\0';
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof host)
			return -1;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
	}
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535)
		return -1;
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host[0] ? host : "0.0.0.0", &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		*len = sizeof *v4;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		*len = sizeof *v6;
		return 0;
	}
	return -1;
}

static int open_listener(const struct sockaddr_storage *ss, socklen_t sl, unsigned *port)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, (const struct sockaddr *)ss, sl) < 0 || listen(fd, 1024) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	struct sockaddr_storage bound;
	socklen_t bl = sizeof bound;
	*port = 0;
	if (getsockname(fd, (struct sockaddr *)&bound, &bl) == 0)
		*port =
		    ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
		                                      : ((struct sockaddr_in *)&bound)->sin_port);
	return fd;
}

/* Every connection is a descriptor: take the hard limit so the connection cap, not
 * the default 1024 descriptors, is what refuses clients. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int gz_server_run(const gz_server_config *c)
{
	cfg = *c;
	limits =
	    (gz_http_limits){cfg.url_limit, cfg.header_limit, GZ_MAX_REQ_HEADERS, GZ_MAX_REQ_ARGS};
	unsigned char rb[4];
	if (getrandom(rb, sizeof rb, 0) != sizeof rb)
		memset(rb, 0x5a, sizeof rb);
	snprintf(rid_prefix, sizeof rid_prefix, "%02x%02x%02x%02x", rb[0], rb[1], rb[2], rb[3]);

	if (!strcmp(cfg.access_log, "-"))
		access_fd = STDOUT_FILENO;
	else if (!strcmp(cfg.access_log, "off"))
		access_fd = -1;
	else {
		access_fd = open(cfg.access_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (access_fd < 0) {
			gz_log_error("cannot open access log %s: %s", cfg.access_log,
			             strerror(errno));
			return -1;
		}
	}

	struct sockaddr_storage ss;
	socklen_t sslen;
	if (parse_listen(cfg.listen, &ss, &sslen) < 0) {
		gz_log_error("bad --listen '%s': want HOST:PORT", cfg.listen);
		return -1;
	}
	unsigned port;
	listen_fd = open_listener(&ss, sslen, &port);
	if (listen_fd < 0) {
		gz_log_error("cannot listen on %s: %s", cfg.listen, strerror(errno));
		return -1;
	}
	raise_fd_limit();
	gz_static_init(cfg.web_dir);

	/* Worker threads inherit this mask; signals are taken only by sigwait below. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	worker *workers = gz_calloc(cfg.threads, sizeof *workers);
	for (unsigned i = 0; i < cfg.threads; i++) {
		worker *w = &workers[i];
		w->ep = epoll_create1(EPOLL_CLOEXEC);
		struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = NULL};
		if (w->ep < 0 || epoll_ctl(w->ep, EPOLL_CTL_ADD, listen_fd, &ev) < 0) {
			gz_log_error("cannot start worker: %s", strerror(errno));
			abort();
		}
		w->listening = true;
		if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			gz_log_error("cannot start worker thread");
			abort();
		}
	}

	char host[64];
	const char *colon =
	    cfg.listen[0] == '[' ? strstr(cfg.listen, "]:") + 1 : strrchr(cfg.listen, ':');
	snprintf(host, sizeof host, "%.*s", (int)(colon - cfg.listen), cfg.listen);
	gz_log_info("gongzhi listening on http://%s:%u (%u threads)", host, port, cfg.threads);

	int sig = 0;
	sigwait(&set, &sig);
	gz_log_info("signal %d: draining (up to %u ms)", sig, cfg.drain_timeout_ms);
	atomic_store(&draining, true);

	/* Let in-flight requests finish. Responses now carry "Connection: close", so busy
	 * keep-alive connections end after their current request; idle ones are closed
	 * by their workers at once. */
	int64_t start = gz_time_mono_ns();
	bool closed_listener = false;
	atomic_store(&last_done_ns, start);
	for (;;) {
		int64_t now = gz_time_mono_ns();
		if (!closed_listener && atomic_load(&listeners_removed) == (int)cfg.threads) {
			close(listen_fd);
			closed_listener = true;
		}
		if (closed_listener && atomic_load(&conns_total) == 0)
			break;
		if (closed_listener && gz_metrics_inflight_count() == 0 &&
		    now - atomic_load(&last_done_ns) > 300000000)
			break;
		if (now - start > (int64_t)cfg.drain_timeout_ms * 1000000) {
			gz_log_warn("drain timeout with %d requests in flight",
			            gz_metrics_inflight_count());
			break;
		}
		usleep(10000);
	}
	atomic_store(&stopping, true);
	for (unsigned i = 0; i < cfg.threads; i++) {
		pthread_join(workers[i].thread, NULL);
		close(workers[i].ep);
	}
	if (!closed_listener)
		close(listen_fd);
	free(workers);
	gz_stream_shutdown();
	gz_static_shutdown();
	if (access_fd > STDERR_FILENO)
		close(access_fd);
	gz_log_info("stopped");
	return 0;
}
