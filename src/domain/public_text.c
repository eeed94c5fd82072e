/* Masking the numbers of people in the public board's free text (public_text.h). */
#include "domain/public_text.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define PARTS_MAX 64

/* The length of the digit at s (1 ASCII, 3 full-width ０-９), else 0. */
static size_t digit_len(const unsigned char *s)
{
	if (*s >= '0' && *s <= '9')
		return 1;
	if (s[0] == 0xEF && s[1] == 0xBC && s[2] >= 0x90 && s[2] <= 0x99)
		return 3;
	return 0;
}

/* The length of a separator inside a group at s ('-', ' ', '－', '—', '‐'), else 0. */
static size_t sep_len(const unsigned char *s)
{
	if (*s == '-' || *s == ' ')
		return 1;
	if (s[0] == 0xEF && s[1] == 0xBC && s[2] == 0x8D) /* － */
		return 3;
	if (s[0] == 0xE2 && s[1] == 0x80 && (s[2] == 0x94 || s[2] == 0x90)) /* — ‐ */
		return 3;
	return 0;
}

static bool starts(const unsigned char *s, const char *lit)
{
	return !strncmp((const char *)s, lit, strlen(lit));
}

static bool ends_before(const unsigned char *base, size_t at, const char *lit)
{
	size_t n = strlen(lit);
	return at >= n && !memcmp(base + at - n, lit, n);
}

size_t public_text_mask(const char *in, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t n = strlen(in), o = 0, masked = 0;
	if (!cap)
		return 0;
	for (size_t i = 0; i < n;) {
		size_t dl = digit_len(s + i);
		if (!dl) {
			if (o + 1 < cap)
				out[o++] = (char)s[i];
			i++;
			continue;
		}
		/* A group: parts of digits joined by single separators. */
		size_t start = i, end = i, digits = 0, parts = 0, first = 0, rest = 0;
		for (;;) {
			size_t run = 0;
			while ((dl = digit_len(s + end)) != 0)
				end += dl, run++;
			digits += run;
			if (parts++ == 0)
				first = run;
			else if (run > rest)
				rest = run;
			size_t sl = sep_len(s + end);
			if (!sl || !digit_len(s + end + sl) || parts >= PARTS_MAX)
				break;
			end += sl;
		}
		bool id_x = digits >= 17 && (s[end] == 'X' || s[end] == 'x');
		bool date = parts == 3 && first == 4 && rest <= 2; /* 2026-12-07 */
		bool mask =
		    (!date && digits >= 7) || (parts >= 3 && first <= 3) ||
		    (digits >= 3 && (starts(s + end, "室") || ends_before(s, start, "单元")));
		for (size_t k = start; k < end;) {
			size_t d = digit_len(s + k), len = d ? d : sep_len(s + k);
			if (d && mask) {
				if (o + 1 < cap)
					out[o++] = '*';
				masked++;
			} else {
				for (size_t b = 0; b < len && o + 1 < cap; b++)
					out[o++] = (char)s[k + b];
			}
			k += len ? len : 1;
		}
		i = end;
		if (id_x && mask) {
			if (o + 1 < cap)
				out[o++] = '*';
			masked++;
			i++;
		}
	}
	out[o] = 0;
	return masked;
}

char *public_text_dup(const char *in, const char *name)
{
	size_t n = strlen(in) + 1;
	char *buf = malloc(n), *out = malloc(n);
	if (!buf || !out) {
		free(buf);
		free(out);
		return NULL;
	}
	public_text_mask(in, buf, n);
	size_t nl = name ? strlen(name) : 0;
	if (nl < 2 || !strstr(buf, name)) {
		free(out);
		return buf;
	}
	/* The name as its first character and a star per further one ("欧阳娜娜" → "欧***"). */
	const unsigned char *u = (const unsigned char *)name;
	size_t first = u[0] < 0x80 ? 1 : u[0] < 0xE0 ? 2 : u[0] < 0xF0 ? 3 : 4;
	if (first > nl)
		first = nl;
	size_t o = 0;
	for (const char *p = buf; *p;) {
		if (!strncmp(p, name, nl)) {
			memcpy(out + o, name, first), o += first;
			for (size_t k = first; k < nl; k++)
				if ((u[k] & 0xC0) != 0x80)
					out[o++] = '*';
			p += nl;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = 0;
	free(buf);
	return out;
}
