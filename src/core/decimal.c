/* Exact two-decimal fixed point. See domain/decimal.h for the accepted grammar. */
#include "core/decimal.h"

#include <string.h>

static int fail(gz_err *err, const char *why)
{
	return gz_err_set(err, GZ_EINVALID, "invalid_decimal", "%s", why);
}

int decimal_parse(const char *s, size_t n, int64_t max, int64_t *out, gz_err *err)
{
	/* Trim ASCII spaces only (documented in the header). */
	while (n > 0 && s[0] == ' ')
		s++, n--;
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n == 0)
		return fail(err, "不能为空");
	if (s[0] == '-')
		return fail(err, "不能为负数");

	/* Classify every byte first so the reason names the real problem
	 * ("1,234.5" is a separator problem, not a format problem). */
	size_t dot = n, ndots = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9')
			continue;
		if (c == '.') {
			ndots++;
			dot = i;
			continue;
		}
		if (c == 'e' || c == 'E')
			return fail(err, "不支持科学计数法");
		if (c == ',')
			return fail(err, "不能使用千位分隔符");
		if (c == '+')
			return fail(err, "格式不正确");
		return fail(err, "含有非法字符");
	}
	if (ndots > 1)
		return fail(err, "格式不正确");
	size_t nint = dot;                      /* digits before the dot */
	size_t nfrac = ndots ? n - dot - 1 : 0; /* digits after it */
	if (nint == 0 || (ndots && nfrac == 0))
		return fail(err, "格式不正确");
	const char *frac = s + dot + 1;
	for (size_t i = 2; i < nfrac; i++)
		if (frac[i] != '0')
			return fail(err, "最多两位小数");

	char maxbuf[DECIMAL_FMT_MAX];
	int64_t v = 0;
	for (size_t i = 0; i < nint; i++) {
		int d = s[i] - '0';
		if (v > (INT64_MAX - d) / 10)
			return gz_err_set(err, GZ_EINVALID, "invalid_decimal", "超出上限 %s",
			                  decimal_format(max, maxbuf));
		v = v * 10 + d;
	}
	int f = 0;
	if (nfrac >= 1)
		f += (frac[0] - '0') * 10;
	if (nfrac >= 2)
		f += frac[1] - '0';
	if (v > (INT64_MAX - f) / 100 || v * 100 + f > max)
		return gz_err_set(err, GZ_EINVALID, "invalid_decimal", "超出上限 %s",
		                  decimal_format(max, maxbuf));
	*out = v * 100 + f;
	return 0;
}

int decimal_parse_cstr(const char *s, int64_t max, int64_t *out, gz_err *err)
{
	return decimal_parse(s ? s : "", s ? strlen(s) : 0, max, out, err);
}

char *decimal_format(int64_t v, char out[DECIMAL_FMT_MAX])
{
	/* Work in unsigned so INT64_MIN is representable. */
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	char tmp[DECIMAL_FMT_MAX];
	size_t k = 0;
	tmp[k++] = (char)('0' + u % 10);
	u /= 10;
	tmp[k++] = (char)('0' + u % 10);
	u /= 10;
	tmp[k++] = '.';
	do {
		tmp[k++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	size_t o = 0;
	if (v < 0)
		out[o++] = '-';
	while (k)
		out[o++] = tmp[--k];
	out[o] = '\0';
	return out;
}
