/* Residents' register rules shared by the API and the import. See domain/resident.h. */
#include "modules/people/resident.h"

#include "core/utf8.h"

#include <stdio.h>
#include <string.h>

static int fail(gz_err *err, const char *code, const char *reason)
{
	return gz_err_set(err, GZ_EINVALID, code, "%s", reason);
}

/* ---------------------------------------------------------------- dates */

/* Reads 1..maxd ASCII digits at s[*i]; returns the value or -1. */
static int digits(const char *s, size_t n, size_t *i, int mind, int maxd)
{
	int v = 0, k = 0;
	while (*i < n && k < maxd && s[*i] >= '0' && s[*i] <= '9') {
		v = v * 10 + (s[*i] - '0');
		(*i)++, k++;
	}
	return k >= mind ? v : -1;
}

/* True if s[*i..] starts with lit (advancing past it). */
static bool lit(const char *s, size_t n, size_t *i, const char *l)
{
	size_t k = strlen(l);
	if (n - *i < k || memcmp(s + *i, l, k) != 0)
		return false;
	*i += k;
	return true;
}

int resident_date_parse(const char *s, size_t n, int64_t now_ms, person_date *out, gz_err *err)
{
	while (n && s[0] == ' ')
		s++, n--;
	while (n && s[n - 1] == ' ')
		n--;
	if (!n)
		return fail(err, "invalid_date", "不能为空");
	size_t i = 0;
	int y, m, d;
	if (n == 8 && (y = digits(s, n, &i, 8, 8)) >= 0) {
		/* 19800131 */
		d = y % 100;
		m = y / 100 % 100;
		y /= 10000;
	} else {
		i = 0;
		y = digits(s, n, &i, 4, 4);
		bool cjk = false;
		char sep = 0;
		if (y < 0)
			return fail(err, "invalid_date", "日期格式应为 YYYY-MM-DD");
		if (lit(s, n, &i, "年"))
			cjk = true;
		else if (i < n && (s[i] == '-' || s[i] == '/' || s[i] == '.'))
			sep = s[i++];
		else
			return fail(err, "invalid_date", "日期格式应为 YYYY-MM-DD");
		m = digits(s, n, &i, 1, 2);
		if (m < 0 || (cjk ? !lit(s, n, &i, "月") : !(i < n && s[i++] == sep)))
			return fail(err, "invalid_date", "日期格式应为 YYYY-MM-DD");
		d = digits(s, n, &i, 1, 2);
		if (d < 0 || (cjk && !lit(s, n, &i, "日")) || i != n)
			return fail(err, "invalid_date", "日期格式应为 YYYY-MM-DD");
	}
	if (!person_date_valid(y, m, d))
		return fail(err, "invalid_date", "日期无效");
	if (y < 1900)
		return fail(err, "invalid_date", "早于 1900 年");
	person_date v = {y, m, d}, today = person_date_from_ms(now_ms);
	if (y > today.year ||
	    (y == today.year && (m > today.month || (m == today.month && d > today.day))))
		return fail(err, "invalid_date", "晚于今天");
	*out = v;
	return 0;
}

char *resident_date_format(person_date d, char out[RESIDENT_DATE_SIZE])
{
	/* Digits written by hand: the fields are in range for every date parsed here, and
	 * out-of-range values are clamped rather than overflowing the buffer. */
	unsigned y = d.year < 0 ? 0u : (unsigned)d.year % 10000u;
	unsigned m = d.month < 0 ? 0u : (unsigned)d.month % 100u;
	unsigned dd = d.day < 0 ? 0u : (unsigned)d.day % 100u;
	out[0] = (char)('0' + y / 1000), out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10), out[3] = (char)('0' + y % 10), out[4] = '-';
	out[5] = (char)('0' + m / 10), out[6] = (char)('0' + m % 10), out[7] = '-';
	out[8] = (char)('0' + dd / 10), out[9] = (char)('0' + dd % 10), out[10] = '\0';
	return out;
}

const char *resident_age_group(int age)
{
	if (age < 0)
		return "";
	if (age < 18)
		return "0-17";
	if (age < 30)
		return "18-29";
	static const char *const decades[] = {"30-39", "40-49", "50-59", "60-69", "70-79"};
	if (age < 80)
		return decades[age / 10 - 3];
	return "80+";
}

/* ---------------------------------------------------------------- tags */

/* Length of the separator at s[0..n), or 0. */
static size_t sep_len(const char *s, size_t n)
{
	if (s[0] == ',' || s[0] == ';' || s[0] == ' ' || s[0] == '\t')
		return 1;
	static const char *const wide[] = {"、", "，", "；", "\xe3\x80\x80" /* U+3000 */};
	for (size_t k = 0; k < sizeof wide / sizeof wide[0]; k++) {
		size_t l = strlen(wide[k]);
		if (n >= l && !memcmp(s, wide[k], l))
			return l;
	}
	return 0;
}

int resident_tags_split(const char *s, size_t n, resident_span *out, int max, gz_err *err)
{
	int count = 0;
	size_t i = 0;
	while (i < n) {
		size_t l = sep_len(s + i, n - i);
		if (l) {
			i += l;
			continue;
		}
		size_t start = i;
		while (i < n && !sep_len(s + i, n - i))
			i++;
		if (count == max)
			return gz_err_set(err, GZ_EINVALID, "too_many_tags",
			                  "标签过多（最多 %d 个）", max);
		out[count].ptr = s + start;
		out[count].len = i - start;
		count++;
	}
	return count;
}

/* ---------------------------------------------------------------- names */

int resident_name_check(const char *s, size_t n, size_t *start, size_t *len, gz_err *err)
{
	size_t a = 0;
	while (a < n && s[a] == ' ')
		a++;
	while (n > a && s[n - 1] == ' ')
		n--;
	if (n == a)
		return fail(err, "invalid_name", "不能为空");
	if (!gz_utf8_valid(s + a, n - a))
		return fail(err, "invalid_name", "含有无效字符");
	for (size_t i = a; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		/* C0 controls, DEL, and the C1 controls U+0080..U+009F (C2 80..C2 9F). */
		if (c < 0x20 || c == 0x7f ||
		    (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] < 0xa0))
			return fail(err, "invalid_name", "含有无效字符");
	}
	if (gz_utf8_len(s + a, n - a) > RESIDENT_NAME_MAX)
		return fail(err, "invalid_name", "不能超过 64 个字");
	*start = a;
	*len = n - a;
	return 0;
}

/* ---------------------------------------------------------------- reveal */

static const struct {
	const char *name;
	unsigned bit;
} reveal_fields[] = {
    {"phone", RESIDENT_REVEAL_PHONE},
    {"id_number", RESIDENT_REVEAL_ID},
    {"birth_date", RESIDENT_REVEAL_BIRTH},
    {"tags", RESIDENT_REVEAL_TAGS},
};
#define NREVEAL (sizeof reveal_fields / sizeof reveal_fields[0])

int resident_reveal_parse(const char *s, unsigned *mask, gz_err *err)
{
	unsigned m = 0;
	while (s && *s) {
		size_t l = strcspn(s, ",");
		if (l) {
			size_t k = 0;
			while (k < NREVEAL && !(strlen(reveal_fields[k].name) == l &&
			                        !memcmp(reveal_fields[k].name, s, l)))
				k++;
			if (k == NREVEAL)
				return gz_err_set(
				    err, GZ_EINVALID, "bad_reveal",
				    "未知字段 %.*s，可选 phone, id_number, birth_date, tags",
				    (int)(l > 32 ? 32 : l), s);
			m |= reveal_fields[k].bit;
		}
		s += l;
		if (*s == ',')
			s++;
	}
	*mask = m;
	return 0;
}

char *resident_reveal_names(unsigned mask, char *out, size_t cap)
{
	size_t n = 0;
	if (cap)
		out[0] = '\0';
	for (size_t k = 0; k < NREVEAL; k++)
		if (mask & reveal_fields[k].bit) {
			int w = snprintf(out + n, cap > n ? cap - n : 0, "%s%s", n ? "," : "",
			                 reveal_fields[k].name);
			if (w > 0)
				n += (size_t)w;
			if (n >= cap)
				break;
		}
	return out;
}

bool resident_tag_code_valid(const char *s)
{
	if (!s || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	size_t n = 0;
	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
			return false;
	return n <= 32;
}
