#include "core/json.h"
#include "core/mem.h"
#include "core/utf8.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Jansson has no depth option, so measure nesting first: a linear scan that skips
 * strings. Anything malformed is left for the real parser to report. */
static int json_depth_ok(const char *s, size_t n, int max_depth)
{
	int depth = 0;
	bool in_str = false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"')
			in_str = true;
		else if (c == '{' || c == '[') {
			if (++depth > max_depth)
				return 0;
		} else if (c == '}' || c == ']')
			depth--;
	}
	return 1;
}

json_t *gz_json_parse(const char *buf, size_t len, int max_depth, gz_err *err)
{
	if (len == 0)
		return gz_err_set(err, GZ_EBADREQ, "invalid_json", "请求体为空，需要 JSON"), NULL;
	if (!json_depth_ok(buf, len, max_depth))
		return gz_err_set(err, GZ_EBADREQ, "json_too_deep", "JSON 嵌套超过 %d 层",
		                  max_depth),
		       NULL;
	if (!gz_utf8_valid(buf, len))
		return gz_err_set(err, GZ_EBADREQ, "invalid_utf8", "请求体不是有效的 UTF-8 文本"),
		       NULL;
	json_error_t je;
	json_t *v = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (!v)
		gz_err_set(err, GZ_EBADREQ, "invalid_json", "JSON 格式错误（第 %d 行第 %d 列）：%s",
		           je.line, je.column, je.text);
	return v;
}

json_t *gz_json_parse_object(const char *buf, size_t len, gz_err *err)
{
	json_t *v = gz_json_parse(buf, len, GZ_JSON_MAX_DEPTH, err);
	if (v && !json_is_object(v)) {
		json_decref(v);
		gz_err_set(err, GZ_EBADREQ, "body_not_object", "请求体必须是 JSON 对象");
		return NULL;
	}
	return v;
}

static json_t *field(json_t *obj, const char *key, int required, gz_err *err)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v)) {
		if (required)
			gz_err_field(err, key, "必填");
		return NULL;
	}
	return v;
}

int gz_json_str(json_t *obj, const char *key, int required, size_t min_chars, size_t max_chars,
                const char **out, gz_err *err)
{
	json_t *v = field(obj, key, required, err);
	if (!v)
		return required ? -1 : 0;
	if (!json_is_string(v)) {
		gz_err_field(err, key, "应为字符串");
		return -1;
	}
	size_t n = gz_utf8_len(json_string_value(v), json_string_length(v));
	if (n < min_chars) {
		gz_err_field(err, key, min_chars == 1 ? "不能为空" : "至少 %zu 个字符", min_chars);
		return -1;
	}
	if (n > max_chars) {
		gz_err_field(err, key, "最多 %zu 个字符", max_chars);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

int gz_json_int(json_t *obj, const char *key, int required, int64_t min, int64_t max, int64_t *out,
                gz_err *err)
{
	json_t *v = field(obj, key, required, err);
	if (!v)
		return required ? -1 : 0;
	if (!json_is_integer(v)) {
		gz_err_field(err, key, "应为整数");
		return -1;
	}
	json_int_t i = json_integer_value(v);
	if (i < min || i > max) {
		gz_err_field(err, key, "应在 %lld 到 %lld 之间", (long long)min, (long long)max);
		return -1;
	}
	*out = i;
	return 0;
}

int gz_json_double(json_t *obj, const char *key, int required, double min, double max, double *out,
                   gz_err *err)
{
	json_t *v = field(obj, key, required, err);
	if (!v)
		return required ? -1 : 0;
	double d = json_number_value(v);
	if (!json_is_number(v) || !isfinite(d)) {
		gz_err_field(err, key, "应为数字");
		return -1;
	}
	if (d < min || d > max) {
		gz_err_field(err, key, "应在 %g 到 %g 之间", min, max);
		return -1;
	}
	*out = d;
	return 0;
}

int gz_json_bool(json_t *obj, const char *key, int required, bool *out, gz_err *err)
{
	json_t *v = field(obj, key, required, err);
	if (!v)
		return required ? -1 : 0;
	if (!json_is_boolean(v)) {
		gz_err_field(err, key, "应为 true 或 false");
		return -1;
	}
	*out = json_is_true(v);
	return 0;
}

int gz_json_check(gz_err *err)
{
	if (err->nfields == 0)
		return 0;
	return gz_err_set(err, GZ_EINVALID, "invalid_fields", "有 %d 个字段不符合要求",
	                  err->nfields);
}

/* True if v holds a real that 15 significant digits would round up past DBL_MAX
 * (1.7976931348623157e308 -> "1.79769313486232e308", which does not parse back). */
static bool has_huge_real(const json_t *v)
{
	size_t i;
	const char *k;
	json_t *c;
	if (json_is_real(v))
		return fabs(json_real_value(v)) > 1.79769313486231e308;
	if (json_is_array(v)) {
		json_array_foreach((json_t *)v, i, c)
		{
			if (has_huge_real(c))
				return true;
		}
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, c)
		{
			if (has_huge_real(c))
				return true;
		}
	}
	return false;
}

/* The answer writer: what json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
 * JSON_REAL_PRECISION(digits)) writes, byte for byte (tests/fuzz/fuzz_json.c holds the
 * two equal), without jansson's per-value callbacks and printf for every integer: every
 * API answer goes through here, and dumping was an eighth of a small answer's time. */
typedef struct {
	char *p;
	size_t n, cap;
} wbuf;

static void w_need(wbuf *b, size_t more)
{
	if (b->n + more + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->n + more + 1)
		cap *= 2;
	b->p = gz_realloc(b->p, cap);
	b->cap = cap;
}

static void w_put(wbuf *b, const char *s, size_t n)
{
	w_need(b, n);
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

static void w_string(wbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	w_need(b, n + 2);
	b->p[b->n++] = '"';
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		w_put(b, s + start, i - start);
		char esc[6] = {'\\', 0};
		size_t el = 2;
		switch (c) {
		case '"':
			esc[1] = '"';
			break;
		case '\\':
			esc[1] = '\\';
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			esc[1] = 'u', esc[2] = '0', esc[3] = '0', esc[4] = hex[c >> 4],
			esc[5] = hex[c & 15];
			el = 6;
		}
		w_put(b, esc, el);
		start = i + 1;
	}
	w_put(b, s + start, n - start);
	w_put(b, "\"", 1);
}

/* A real as jansson writes it: %.*g, ".0" added when it would read back as an integer,
 * and the exponent without '+' or leading zeros. */
static void w_real(wbuf *b, double v, int digits)
{
	char buf[64];
	int len = snprintf(buf, sizeof buf, "%.*g", digits, v);
	if (len < 0 || (size_t)len >= sizeof buf - 3)
		return;
	if (!strchr(buf, '.') && !strchr(buf, 'e')) {
		memcpy(buf + len, ".0", 3);
		len += 2;
	}
	char *start = strchr(buf, 'e');
	if (start) {
		start++;
		char *end = start + 1;
		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		if (end != start) {
			memmove(start, end, (size_t)len - (size_t)(end - buf) + 1);
			len -= (int)(end - start);
		}
	}
	w_put(b, buf, (size_t)len);
}

static void w_integer(wbuf *b, json_int_t v)
{
	char buf[24], *e = buf + sizeof buf, *p = e;
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	w_put(b, p, (size_t)(e - p));
}

static void w_value(wbuf *b, const json_t *v, int digits)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *c;
		bool first = true;
		w_put(b, "{", 1);
		json_object_foreach((json_t *)v, k, c)
		{
			if (!first)
				w_put(b, ",", 1);
			first = false;
			w_string(b, k, strlen(k));
			w_put(b, ":", 1);
			w_value(b, c, digits);
		}
		w_put(b, "}", 1);
		break;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *c;
		w_put(b, "[", 1);
		json_array_foreach((json_t *)v, i, c)
		{
			if (i)
				w_put(b, ",", 1);
			w_value(b, c, digits);
		}
		w_put(b, "]", 1);
		break;
	}
	case JSON_STRING:
		w_string(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		w_integer(b, json_integer_value(v));
		break;
	case JSON_REAL:
		w_real(b, json_real_value(v), digits);
		break;
	case JSON_TRUE:
		w_put(b, "true", 4);
		break;
	case JSON_FALSE:
		w_put(b, "false", 5);
		break;
	default:
		w_put(b, "null", 4);
	}
}

char *gz_json_dump(const json_t *v, size_t *len)
{
	if (!v)
		return NULL;
	/* 15 significant digits: what a double holds exactly, so 39.901 stays "39.901";
	 * 17 (exact) when 15 would make a number that does not parse back. */
	int digits = has_huge_real(v) ? 17 : 15;
	wbuf b = {NULL, 0, 0};
	w_value(&b, v, digits);
	w_need(&b, 0);
	b.p[b.n] = '\0';
	if (len)
		*len = b.n;
	return b.p;
}
