#include "core/json.h"
#include "core/utf8.h"

#include <math.h>
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

char *gz_json_dump(const json_t *v, size_t *len)
{
	/* 15 significant digits: what a double holds exactly, so 39.901 stays "39.901";
	 * 17 (exact) when 15 would make a number that does not parse back. */
	size_t digits = has_huge_real(v) ? 17 : 15;
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(digits));
	if (len)
		*len = s ? strlen(s) : 0;
	return s;
}
