#include "http/parse.h"

#include <string.h>
#include <strings.h>

/* tchar (RFC 9110 §5.6.2): the bytes of a token. */
static bool is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* field-vchar, SP or HTAB: what a field value may hold (obs-text included). */
static bool is_value_byte(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

size_t gz_http_head_end(const char *buf, size_t len, size_t *scanned)
{
	size_t i = *scanned > 3 ? *scanned - 3 : 0;
	for (; i + 4 <= len; i++) {
		const char *p = memchr(buf + i, '\r', len - i);
		if (!p)
			break;
		i = (size_t)(p - buf);
		if (i + 4 <= len && !memcmp(p, "\r\n\r\n", 4))
			return i + 4;
	}
	*scanned = len;
	return 0;
}

/* Bytes a request line may take besides its target: method, spaces, version, CRLF. */
#define LINE_SLACK 64

int gz_http_head_check_partial(const char *buf, size_t len, const gz_http_limits *lim, gz_err *err)
{
	const char *nl = memchr(buf, '\n', len);
	if (!nl) {
		if (len > lim->url_limit + LINE_SLACK)
			return gz_err_set(err, GZ_EURITOOLONG, "uri_too_long",
			                  "请求地址过长（上限 %zu 字节）", lim->url_limit);
		return 0;
	}
	if (len - (size_t)(nl + 1 - buf) > lim->header_limit + 2)
		return gz_err_set(err, GZ_EHEADERS, "headers_too_large",
		                  "请求头过大（上限 %zu 字节）", lim->header_limit);
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

char *gz_http_unescape(gz_arena *a, const char *s, size_t n, bool plus)
{
	char *out = gz_arena_alloc(a, n + 1), *w = out;
	for (size_t i = 0; i < n; i++) {
		int h1, h2;
		if (s[i] == '%' && i + 2 < n && (h1 = hexval(s[i + 1])) >= 0 &&
		    (h2 = hexval(s[i + 2])) >= 0) {
			int v = h1 << 4 | h2;
			*w++ = v ? (char)v : (char)0xFF;
			i += 2;
		} else if (plus && s[i] == '+') {
			*w++ = ' ';
		} else {
			*w++ = s[i];
		}
	}
	*w = '\0';
	return out;
}

static int bad(gz_err *err, const char *code, const char *msg)
{
	return gz_err_set(err, GZ_EBADREQ, code, "%s", msg);
}

/* The request line: method SP request-target SP HTTP-version. */
static int parse_request_line(const char *p, size_t n, const gz_http_limits *lim, gz_arena *a,
                              gz_http_head *h, gz_err *err)
{
	size_t i = 0;
	while (i < n && is_tchar((unsigned char)p[i]))
		i++;
	if (i == 0 || i > 32 || i >= n || p[i] != ' ')
		return bad(err, "bad_request_line", "请求行格式错误");
	h->method = gz_arena_strndup(a, p, i);
	size_t t0 = ++i;
	while (i < n && (unsigned char)p[i] > 0x20 && p[i] != 0x7f)
		i++;
	size_t tlen = i - t0;
	if (i >= n || p[i] != ' ' || tlen == 0) {
		if (tlen > lim->url_limit)
			return gz_err_set(err, GZ_EURITOOLONG, "uri_too_long",
			                  "请求地址过长（上限 %zu 字节）", lim->url_limit);
		return bad(err, "bad_request_line", "请求行格式错误");
	}
	if (tlen > lim->url_limit)
		return gz_err_set(err, GZ_EURITOOLONG, "uri_too_long",
		                  "请求地址过长（上限 %zu 字节）", lim->url_limit);
	const char *v = p + i + 1;
	size_t vlen = n - i - 1;
	if (vlen != 8 || memcmp(v, "HTTP/", 5) || v[5] < '0' || v[5] > '9' || v[6] != '.' ||
	    v[7] < '0' || v[7] > '9')
		return bad(err, "bad_request_line", "请求行格式错误");
	if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
		return gz_err_set(err, GZ_EVERSION, "http_version_not_supported",
		                  "只支持 HTTP/1.0 与 HTTP/1.1");
	h->minor = v[7] - '0';

	/* origin-form; absolute-form is reduced to its path (RFC 9112 §3.2.2). */
	const char *t = p + t0, *tend = t + tlen;
	if (tlen > 8 && (!strncasecmp(t, "http://", 7) || !strncasecmp(t, "https://", 8))) {
		const char *auth = t + (t[4] == ':' ? 7 : 8);
		const char *slash = memchr(auth, '/', (size_t)(tend - auth));
		t = slash ? slash : "/";
		tend = slash ? tend : t + 1;
	}
	if (*t != '/')
		return bad(err, "bad_request_target", "请求地址必须以 / 开头");
	const char *q = memchr(t, '?', (size_t)(tend - t));
	h->path = gz_http_unescape(a, t, (size_t)((q ? q : tend) - t), false);
	h->nargs = 0;
	h->args = NULL;
	if (!q)
		return 0;
	/* Query arguments: count, then decode. */
	int count = 0;
	for (const char *s = q + 1; s < tend; s++)
		count += *s == '&';
	count++;
	if (count > lim->max_args)
		return gz_err_set(err, GZ_EURITOOLONG, "too_many_arguments",
		                  "查询参数过多（上限 %d 个）", lim->max_args);
	h->args = gz_arena_alloc(a, sizeof(gz_kv) * (size_t)count);
	for (const char *s = q + 1; s < tend;) {
		const char *e = memchr(s, '&', (size_t)(tend - s));
		if (!e)
			e = tend;
		if (e > s) {
			const char *eq = memchr(s, '=', (size_t)(e - s));
			gz_kv *kv = &h->args[h->nargs++];
			kv->name = gz_http_unescape(a, s, (size_t)((eq ? eq : e) - s), true);
			kv->value =
			    eq ? gz_http_unescape(a, eq + 1, (size_t)(e - eq - 1), true) : "";
		}
		s = e + 1;
	}
	return 0;
}

/* Comma-separated tokens of a Connection header. */
static void connection_tokens(const char *v, bool *close, bool *keep)
{
	while (*v) {
		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
		size_t n = strcspn(v, " \t,");
		if (n == 5 && !strncasecmp(v, "close", 5))
			*close = true;
		else if (n == 10 && !strncasecmp(v, "keep-alive", 10))
			*keep = true;
		v += n;
	}
}

int gz_http_parse_head(const char *buf, size_t len, const gz_http_limits *lim, gz_arena *a,
                       gz_http_head *out, gz_err *err)
{
	memset(out, 0, sizeof *out);
	const char *end = buf + len;
	const char *eol = memchr(buf, '\r', len);
	if (!eol || eol + 1 >= end || eol[1] != '\n' || memchr(buf, '\n', (size_t)(eol - buf)))
		return bad(err, "bad_request_line", "请求行格式错误");
	if (parse_request_line(buf, (size_t)(eol - buf), lim, a, out, err) < 0)
		return -1;

	/* Header lines: count first, so the array is allocated once. */
	const char *hs = eol + 2;
	if ((size_t)(end - hs) > lim->header_limit + 2)
		return gz_err_set(err, GZ_EHEADERS, "headers_too_large",
		                  "请求头过大（上限 %zu 字节）", lim->header_limit);
	int lines = 0;
	for (const char *s = hs; s < end; s++)
		lines += *s == '\n';
	if (lines - 1 > lim->max_headers)
		return gz_err_set(err, GZ_EHEADERS, "headers_too_large", "请求头过多（上限 %d 行）",
		                  lim->max_headers);
	out->headers = gz_arena_alloc(a, sizeof(gz_kv) * (size_t)(lines > 0 ? lines : 1));

	int nhost = 0, nlength = 0, nte = 0;
	bool te_ok = true, conn_close = false, conn_keep = false;
	for (const char *s = hs; s < end;) {
		const char *cr = memchr(s, '\r', (size_t)(end - s));
		if (!cr || cr + 1 >= end || cr[1] != '\n' || memchr(s, '\n', (size_t)(cr - s)))
			return bad(err, "bad_header", "请求头行必须以 CRLF 结尾");
		if (cr == s)
			break; /* the empty line ending the head */
		if (*s == ' ' || *s == '\t')
			return bad(err, "bad_header", "不接受折行的请求头（obs-fold）");
		const char *c = s;
		while (c < cr && is_tchar((unsigned char)*c))
			c++;
		if (c == s || c == cr || *c != ':')
			return bad(err, "bad_header", "请求头格式错误（名称后应紧跟冒号）");
		const char *v = c + 1, *ve = cr;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		for (const char *x = v; x < ve; x++)
			if (!is_value_byte((unsigned char)*x))
				return bad(err, "bad_header", "请求头含有控制字符");
		gz_kv *kv = &out->headers[out->nheaders++];
		kv->name = gz_arena_strndup(a, s, (size_t)(c - s));
		kv->value = gz_arena_strndup(a, v, (size_t)(ve - v));
		size_t nl = (size_t)(c - s);
		if (nl == 4 && !strcasecmp(kv->name, "host")) {
			nhost++;
		} else if (nl == 14 && !strcasecmp(kv->name, "content-length")) {
			nlength++;
			size_t dl = strlen(kv->value);
			if (dl == 0 || dl > 18 || strspn(kv->value, "0123456789") != dl)
				return bad(err, "bad_content_length",
				           "Content-Length 必须是十进制整数");
			uint64_t cl = 0;
			for (size_t i = 0; i < dl; i++)
				cl = cl * 10 + (uint64_t)(kv->value[i] - '0');
			out->content_length = cl;
			out->has_length = true;
		} else if (nl == 17 && !strcasecmp(kv->name, "transfer-encoding")) {
			nte++;
			if (strcasecmp(kv->value, "chunked") != 0)
				te_ok = false;
		} else if (nl == 10 && !strcasecmp(kv->name, "connection")) {
			connection_tokens(kv->value, &conn_close, &conn_keep);
		} else if (nl == 6 && !strcasecmp(kv->name, "expect")) {
			out->expect_continue = !strcasecmp(kv->value, "100-continue");
		}
		s = cr + 2;
	}
	if (nlength > 1)
		return bad(err, "conflicting_content_length", "请求含有多个 Content-Length");
	if (nte > 0 && (nte > 1 || !te_ok))
		return bad(err, "unsupported_transfer_encoding",
		           "Transfer-Encoding 只接受 chunked");
	if (nte > 0 && nlength > 0)
		return bad(err, "conflicting_framing",
		           "请求不能同时带有 Content-Length 与 Transfer-Encoding");
	if (nte > 0 && out->minor == 0)
		return bad(err, "unsupported_transfer_encoding",
		           "HTTP/1.0 不支持 Transfer-Encoding");
	if (nhost > 1 || (out->minor == 1 && nhost == 0))
		return bad(err, "bad_host", "HTTP/1.1 请求必须有且只有一个 Host 头");
	out->chunked = nte > 0;
	out->keep_alive = !conn_close && (out->minor == 1 || conn_keep);
	return 0;
}

const char *gz_http_header(const gz_http_head *h, const char *name)
{
	for (int i = 0; i < h->nheaders; i++)
		if (!strcasecmp(h->headers[i].name, name))
			return h->headers[i].value;
	return NULL;
}

const char *gz_http_arg(const gz_http_head *h, const char *name)
{
	for (int i = 0; i < h->nargs; i++)
		if (!strcmp(h->args[i].name, name))
			return h->args[i].value;
	return NULL;
}

/* ---------------------------------------------------------------- chunked */

enum {
	CH_SIZE,       /* hex digits of the chunk size */
	CH_EXT,        /* chunk extension, up to CR */
	CH_SIZE_LF,    /* LF after the size line's CR */
	CH_DATA,       /* chunk data */
	CH_DATA_CR,    /* CR after the data */
	CH_DATA_LF,    /* LF after the data */
	CH_TRAILER,    /* start of a trailer line (or the final CRLF) */
	CH_TRAILER_IN, /* inside a trailer line */
	CH_TRAILER_LF, /* LF ending a trailer line */
	CH_END_LF,     /* LF of the final empty line */
	CH_DONE,
};

/* Bytes a chunk-size line may take with its extensions. */
#define CHUNK_LINE_MAX 1024

int gz_http_chunked_feed(gz_http_chunked *c, const char *in, size_t len, size_t max_trailer,
                         size_t *consumed, const char **data, size_t *data_len, gz_err *err)
{
	size_t i = 0;
	while (i < len) {
		char ch = in[i];
		switch (c->state) {
		case CH_SIZE: {
			int v = hexval(ch);
			if (v >= 0) {
				if (++c->digits > 15)
					return bad(err, "bad_chunk", "分块大小过大");
				c->remaining = c->remaining << 4 | (uint64_t)v;
				i++;
				break;
			}
			if (c->digits == 0)
				return bad(err, "bad_chunk", "分块大小格式错误");
			if (ch == '\r')
				c->state = CH_SIZE_LF;
			else if (ch == ';' || ch == ' ' || ch == '\t')
				c->state = CH_EXT, c->line = 0;
			else
				return bad(err, "bad_chunk", "分块大小格式错误");
			i++;
			break;
		}
		case CH_EXT:
			if (ch == '\r')
				c->state = CH_SIZE_LF;
			else if (ch == '\n' || (unsigned char)ch < 0x09 ||
			         ((unsigned char)ch > 0x09 && (unsigned char)ch < 0x20) ||
			         ++c->line > CHUNK_LINE_MAX)
				return bad(err, "bad_chunk", "分块扩展格式错误");
			i++;
			break;
		case CH_SIZE_LF:
			if (ch != '\n')
				return bad(err, "bad_chunk", "分块行必须以 CRLF 结尾");
			i++;
			c->digits = 0;
			c->state = c->remaining ? CH_DATA : CH_TRAILER;
			break;
		case CH_DATA: {
			size_t n = len - i;
			if ((uint64_t)n > c->remaining)
				n = (size_t)c->remaining;
			c->remaining -= n;
			if (!c->remaining)
				c->state = CH_DATA_CR;
			*data = in + i;
			*data_len = n;
			*consumed = i + n;
			return GZ_CHUNK_DATA;
		}
		case CH_DATA_CR:
			if (ch != '\r')
				return bad(err, "bad_chunk", "分块数据后必须是 CRLF");
			c->state = CH_DATA_LF;
			i++;
			break;
		case CH_DATA_LF:
			if (ch != '\n')
				return bad(err, "bad_chunk", "分块数据后必须是 CRLF");
			c->state = CH_SIZE;
			i++;
			break;
		case CH_TRAILER:
			if (ch == '\r') {
				c->state = CH_END_LF;
				i++;
				break;
			}
			c->state = CH_TRAILER_IN;
			/* fall through */
		case CH_TRAILER_IN:
			if (++c->trailers > max_trailer)
				return gz_err_set(err, GZ_EHEADERS, "headers_too_large",
				                  "分块尾部过大");
			if (ch == '\r')
				c->state = CH_TRAILER_LF;
			else if (ch == '\n' || ((unsigned char)ch < 0x20 && ch != '\t'))
				return bad(err, "bad_chunk", "分块尾部格式错误");
			i++;
			break;
		case CH_TRAILER_LF:
			if (ch != '\n')
				return bad(err, "bad_chunk", "分块尾部行必须以 CRLF 结尾");
			c->state = CH_TRAILER;
			i++;
			break;
		case CH_END_LF:
			if (ch != '\n')
				return bad(err, "bad_chunk", "分块结尾必须是 CRLF");
			c->state = CH_DONE;
			*consumed = i + 1;
			return GZ_CHUNK_DONE;
		default:
			*consumed = i;
			return GZ_CHUNK_DONE;
		}
	}
	*consumed = len;
	return GZ_CHUNK_MORE;
}
