#include "http/server.h"
#include "http/http.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/static.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/time.h"
#include "core/utf8.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

/* More request headers than this is abuse, whatever their size. */
#define GZ_MAX_REQ_HEADERS 2000
/* Oversize bodies up to this size are read and discarded so the 413 reaches the client. */
#define GZ_DISCARD_MAX (64u << 20)

static gz_server_config cfg;
static int access_fd = -1;
static atomic_bool draining;
static atomic_uint_fast64_t req_counter;
static char rid_prefix[9];
static atomic_int_fast64_t last_done_ns;

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
	};
}

/* ---------------------------------------------------------------- replies */

static void set_response(gz_req *r, int status, struct MHD_Response *resp, size_t len,
                         const char *ctype)
{
	if (r->resp) {
		/* Answering twice is a handler bug; keep the first answer. */
		gz_log_error("request %s answered twice (second status %d)", r->id, status);
		MHD_destroy_response(resp);
		return;
	}
	r->status = status;
	r->resp = resp;
	r->resp_len = len;
	if (ctype)
		MHD_add_response_header(resp, "Content-Type", ctype);
}

static gz_before_fn post_before;
static gz_after_fn post_after;

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
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	set_response(r, status, resp, len, content_type);
}

void gz_reply_fd(gz_req *r, int status, const char *content_type, int fd, uint64_t size)
{
	struct MHD_Response *resp = MHD_create_response_from_fd(size, fd);
	set_response(r, status, resp, (size_t)size, content_type);
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
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, s, MHD_RESPMEM_MUST_FREE);
	set_response(r, status, resp, len, "application/json; charset=utf-8");
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
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *gz_req_header(gz_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
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

gz_db *gz_req_db(gz_req *r, gz_err *err)
{
	if (!r->db)
		r->db = gz_db_thread(err);
	return r->db;
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

/* ---------------------------------------------------------------- dispatch */

static size_t unescape_cb(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls, (void)c;
	/* Percent-decode in place. "%00" would end the C string early and hide the rest
	 * of a path from every check; map it to 0xFF, which UTF-8 validation rejects. */
	char *w = s;
	for (char *p = s; *p; p++) {
		if (p[0] == '%' && p[1] && p[2]) {
			char hex[3] = {p[1], p[2], 0}, *end;
			unsigned long v = strtoul(hex, &end, 16);
			if (*end == '\0' && end == hex + 2) {
				*w++ = v ? (char)v : (char)0xFF;
				p += 2;
				continue;
			}
		}
		*w++ = *p;
	}
	*w = '\0';
	return (size_t)(w - s);
}

typedef struct {
	size_t total, count;
	bool bad_utf8;
} kv_scan_t;

static enum MHD_Result scan_kv(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
	(void)kind;
	kv_scan_t *s = cls;
	size_t kl = strlen(key), vl = value ? strlen(value) : 0;
	s->total += kl + vl + 4;
	s->count++;
	if (!gz_utf8_valid(key, kl) || (value && !gz_utf8_valid(value, vl)))
		s->bad_utf8 = true;
	return MHD_YES;
}

static bool never_static(const char *path)
{
	return !strncmp(path, "/api/", 5) || !strcmp(path, "/api") ||
	       !strncmp(path, "/open311/", 9) || !strcmp(path, "/healthz") ||
	       !strcmp(path, "/metrics");
}

static void dispatch(gz_req *r, const char *url, const char *method)
{
	gz_err err;
	gz_err_clear(&err);

	kv_scan_t q = {0, 0, false}, h = {0, 0, false};
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, scan_kv, &q);
	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, scan_kv, &h);
	size_t url_len = strlen(url);
	if (url_len + q.total > cfg.url_limit) {
		gz_err_set(&err, GZ_EURITOOLONG, "uri_too_long", "请求地址过长（上限 %zu 字节）",
		           cfg.url_limit);
		goto fail;
	}
	if (h.total > cfg.header_limit || h.count > GZ_MAX_REQ_HEADERS) {
		gz_err_set(&err, GZ_EHEADERS, "headers_too_large", "请求头过大（上限 %zu 字节）",
		           cfg.header_limit);
		goto fail;
	}
	if (!gz_utf8_valid(url, url_len) || url[0] != '/') {
		gz_err_set(&err, GZ_EBADREQ, "bad_path", "请求路径不是有效的 UTF-8 或含有空字符");
		goto fail;
	}
	if (h.bad_utf8) {
		gz_err_set(&err, GZ_EBADREQ, "bad_header", "请求头不是有效的 UTF-8");
		goto fail;
	}
	if (q.bad_utf8) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数不是有效的 UTF-8 或含有空字符");
		goto fail;
	}
	if (r->body_too_large) {
		gz_err_set(&err, GZ_ETOOLARGE, "body_too_large", "请求体过大（上限 %zu 字节）",
		           r->body_limit);
		goto fail;
	}
	r->path = url;

	char allow[128];
	int id = gz_router_match(r, method, url, allow, sizeof allow);
	if (id >= 0) {
		r->route_id = id;
		bool post = !strcmp(method, "POST");
		if (post && post_before && post_before(r))
			return;
		gz_router_get(id)->fn(r);
		if (post && post_after && r->resp)
			post_after(r);
		if (!r->resp) {
			gz_log_error("handler for %s %s gave no answer", method, url);
			gz_err_set(&err, GZ_EINTERNAL, "internal", "服务器内部错误");
			goto fail;
		}
		return;
	}
	if (id == -2) {
		gz_err_set(&err, GZ_EMETHOD, "method_not_allowed", "该地址不支持 %s 方法", method);
		gz_reply_err(r, &err);
		gz_reply_header(r, "Allow", allow);
		return;
	}
	if (never_static(url)) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这个接口：%s", url);
		goto fail;
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		gz_err_set(&err, GZ_EMETHOD, "method_not_allowed", "静态文件只支持 GET 和 HEAD");
		gz_reply_err(r, &err);
		gz_reply_header(r, "Allow", "GET, HEAD");
		return;
	}
	r->route_id = GZ_ROUTE_STATIC;
	gz_static_serve(r);
	return;
fail:
	gz_reply_err(r, &err);
}

static enum MHD_Result queue(gz_req *r)
{
	MHD_add_response_header(r->resp, "X-Request-Id", r->id);
	for (int i = 0; i < r->nheaders; i++)
		MHD_add_response_header(r->resp, r->headers[i].name, r->headers[i].value);
	if (atomic_load(&draining))
		MHD_add_response_header(r->resp, "Connection", "close");
	enum MHD_Result rc = MHD_queue_response(r->conn, (unsigned)r->status, r->resp);
	MHD_destroy_response(r->resp);
	r->resp = NULL;
	return rc;
}

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
 * itself a trusted proxy; rate limits and the audit log need the real address. */
static void resolve_forwarded(gz_req *r)
{
	if (!is_trusted_proxy(r->client_ip, strlen(r->client_ip)))
		return;
	const char *proto =
	    MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Forwarded-Proto");
	r->secure = proto && !strcasecmp(proto, "https");
	const char *xff = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Forwarded-For");
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

static gz_req *req_new(struct MHD_Connection *conn)
{
	gz_req *r = gz_calloc(1, sizeof *r);
	gz_arena_init(&r->arena);
	r->conn = conn;
	r->route_id = GZ_ROUTE_NONE;
	r->start_ns = gz_time_mono_ns();
	uint64_t n = atomic_fetch_add(&req_counter, 1);
	snprintf(r->id, sizeof r->id, "%s%08llx", rid_prefix, (unsigned long long)(n & 0xffffffff));
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET,
			          &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
			          r->client_ip, sizeof r->client_ip);
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6,
			          &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			          r->client_ip, sizeof r->client_ip);
	}
	resolve_forwarded(r);
	gz_metrics_inflight(1);
	return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
	(void)cls, (void)version;
	gz_req *r = *con_cls;
	if (!r) {
		r = req_new(conn);
		r->method = method;
		*con_cls = r;
		size_t lim = gz_router_body_limit(method, url);
		r->body_limit = lim ? lim : cfg.body_limit;
		/* A declared oversize body: answer 413 before reading it when the client waits
		 * for "100 Continue" (it then never sends the body) or the body is huge. A
		 * client that sends at once would see its upload reset by an early answer, so
		 * for moderate sizes the body is read, discarded and answered at the end. */
		const char *cl =
		    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		const char *expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Expect");
		unsigned long long declared = cl ? strtoull(cl, NULL, 10) : 0;
		if (declared > r->body_limit && ((expect && !strcasecmp(expect, "100-continue")) ||
		                                 declared > GZ_DISCARD_MAX)) {
			gz_err e;
			gz_err_set(&e, GZ_ETOOLARGE, "body_too_large",
			           "请求体过大（上限 %zu 字节）", r->body_limit);
			gz_reply_err(r, &e);
			return queue(r);
		}
		return MHD_YES;
	}
	if (r->status) /* already answered (413 above); discard the rest */
		return (*upload_size = 0), MHD_YES;
	if (*upload_size) {
		size_t n = *upload_size;
		if (!r->body_too_large) {
			if (r->body_len + n > r->body_limit) {
				r->body_too_large = true;
				free(r->body);
				r->body = NULL;
				r->body_len = 0;
			} else {
				if (r->body_len + n + 1 > r->body_cap) {
					r->body_cap = (r->body_len + n + 1) * 2;
					if (r->body_cap > r->body_limit + 1)
						r->body_cap = r->body_limit + 1;
					r->body = gz_realloc(r->body, r->body_cap);
				}
				memcpy(r->body + r->body_len, upload_data, n);
				r->body_len += n;
				r->body[r->body_len] = '\0';
			}
		}
		*upload_size = 0;
		return MHD_YES;
	}
	r->path = url; /* for the access log; dispatch re-checks it before routing */
	dispatch(r, url, method);
	return queue(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)conn, (void)toe;
	gz_req *r = *con_cls;
	if (!r)
		return;
	int64_t now = gz_time_mono_ns();
	int64_t dur = now - r->start_ns;
	gz_metrics_observe(r->route_id, r->method, r->status, dur);
	access_log(r, r->path ? r->path : "", r->method, dur);
	if (r->resp)
		MHD_destroy_response(r->resp);
	free(r->body);
	gz_arena_free(&r->arena);
	free(r);
	*con_cls = NULL;
	atomic_store(&last_done_ns, now);
	gz_metrics_inflight(-1);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode code)
{
	(void)cls, (void)conn, (void)socket_ctx;
	gz_metrics_conn(code == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
}

/* ---------------------------------------------------------------- run */

/* libmicrohttpd keeps the request line and headers in a per-connection pool and answers
 * an HTML error of its own when they overflow it. Size the pool so anything within our
 * own limits fits (its bookkeeping costs about 64 bytes per header), leaving the JSON
 * 414/431 answers to dispatch(). Keep it no larger: libmicrohttpd 0.9.75 zeroes the
 * whole pool (MHD_pool_reset) before every keep-alive request, so its size is paid in
 * memset time on each request and in resident memory on each open connection. */
static size_t conn_memory_limit(void)
{
	return cfg.url_limit + cfg.header_limit + GZ_MAX_REQ_HEADERS * 64 + 8192;
}

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

int gz_server_run(const gz_server_config *c)
{
	cfg = *c;
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
	gz_static_init(cfg.web_dir);

	/* Worker threads inherit this mask; signals are taken only by sigwait below. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	unsigned flags =
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	struct MHD_Daemon *d = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, cfg.threads, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, conn_memory_limit(), MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)4096, MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_NOTIFY_CONNECTION,
	    on_connection, NULL, MHD_OPTION_UNESCAPE_CALLBACK, unescape_cb, NULL, MHD_OPTION_END);
	if (!d) {
		gz_log_error("cannot listen on %s: %s", cfg.listen, strerror(errno));
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
		return -1;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	char host[64];
	const char *colon =
	    cfg.listen[0] == '[' ? strstr(cfg.listen, "]:") + 1 : strrchr(cfg.listen, ':');
	snprintf(host, sizeof host, "%.*s", (int)(colon - cfg.listen), cfg.listen);
	gz_log_info("gongzhi listening on http://%s:%u (%u threads)", host,
	            di ? (unsigned)di->port : 0, cfg.threads);

	int sig = 0;
	sigwait(&set, &sig);
	gz_log_info("signal %d: draining (up to %u ms)", sig, cfg.drain_timeout_ms);
	atomic_store(&draining, true);
	MHD_socket lfd = MHD_quiesce_daemon(d);
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);

	/* Let in-flight requests finish. Responses now carry "Connection: close", so busy
	 * keep-alive connections end after their current request; idle ones are closed
	 * once nothing has completed for a short quiet period. */
	int64_t start = gz_time_mono_ns();
	atomic_store(&last_done_ns, start);
	for (;;) {
		int64_t now = gz_time_mono_ns();
		if (gz_metrics_conn_count() == 0)
			break;
		if (gz_metrics_inflight_count() == 0 &&
		    now - atomic_load(&last_done_ns) > 300000000)
			break;
		if (now - start > (int64_t)cfg.drain_timeout_ms * 1000000) {
			gz_log_warn("drain timeout with %d requests in flight",
			            gz_metrics_inflight_count());
			break;
		}
		usleep(10000);
	}
	MHD_stop_daemon(d);
	gz_db_thread_close_all();
	gz_static_shutdown();
	if (access_fd > STDERR_FILENO)
		close(access_fd);
	gz_log_info("stopped");
	return 0;
}
