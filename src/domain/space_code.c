#include "domain/space_code.h"

#include <stdio.h>
#include <string.h>

bool space_province_valid(int p)
{
	return (p >= 11 && p <= 15) || (p >= 21 && p <= 23) || (p >= 31 && p <= 37) ||
	       (p >= 41 && p <= 46) || (p >= 50 && p <= 54) || (p >= 61 && p <= 65) || p == 71 ||
	       p == 81 || p == 82;
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool is_zeros(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != '0')
			return false;
	return true;
}

int space_code_check(const char *code, space_level level, const char **why)
{
	const char *w = NULL;
	size_t n = code ? strnlen(code, SPACE_CODE_SIZE) : 0;
	if (!code || n == 0)
		w = "编码为空";
	else if (!all_digits(code, n))
		w = "编码只能包含数字";
	else if (n != (size_t)level)
		w = level == SPACE_GRID        ? "网格编码应为 15 位数字"
		    : level == SPACE_COMMUNITY ? "社区编码应为 12 位数字"
		                               : "街道编码应为 9 位数字";
	else if (!space_province_valid((code[0] - '0') * 10 + (code[1] - '0')))
		w = "前 2 位不是有效的省级行政区划代码（GB/T 2260）";
	else if (code[4] == '0' && code[5] == '0')
		w = "前 6 位不是县级行政区划代码（末两位不能为 00）";
	else if (is_zeros(code + 6, 3))
		w = "街道段（第 7–9 位）不能为 000";
	else if (level >= SPACE_COMMUNITY && is_zeros(code + 9, 3))
		w = "社区段（第 10–12 位）不能为 000";
	else if (level == SPACE_GRID && is_zeros(code + 12, 3))
		w = "网格段（第 13–15 位）不能为 000";
	if (why)
		*why = w;
	return w ? -1 : 0;
}

int space_code_level(const char *code)
{
	if (!code)
		return -1;
	size_t n = strnlen(code, SPACE_CODE_SIZE);
	if (n != SPACE_STREET && n != SPACE_COMMUNITY && n != SPACE_GRID)
		return -1;
	return space_code_check(code, (space_level)n, NULL) == 0 ? (int)n : -1;
}

int space_code_prefix(const char *code, space_level level, char *out)
{
	size_t n = code ? strnlen(code, SPACE_CODE_SIZE) : 0;
	if (n <= (size_t)level)
		return -1;
	memcpy(out, code, (size_t)level);
	out[level] = '\0';
	return 0;
}

int space_code_parent(const char *code, char *out)
{
	int l = space_code_level(code);
	if (l == SPACE_GRID)
		return space_code_prefix(code, SPACE_COMMUNITY, out);
	if (l == SPACE_COMMUNITY)
		return space_code_prefix(code, SPACE_STREET, out);
	return -1;
}

int64_t space_code_key(const char *code)
{
	size_t n = code ? strnlen(code, 19) : 0;
	if (n == 0 || n > 18 || !all_digits(code, n))
		return 0;
	int64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (code[i] - '0');
	return v;
}

int space_code_from_key(int64_t key, space_level level, char *out)
{
	if (key <= 0)
		return -1;
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%lld", (long long)key);
	if (n != (int)level)
		return -1;
	memcpy(out, buf, (size_t)n + 1);
	return 0;
}
