/* Search terms of the service catalogue (rules.h): runs of word characters, CJK bigrams
 * and unigrams, ASCII words. Pure. */
#include "modules/services/rules.h"

#include <string.h>

typedef struct {
	const char *s; /* the run's first byte in the text */
	size_t len;    /* its bytes */
	bool cjk;
} run;

/* The code point at *p (valid UTF-8), advancing *p. */
static unsigned decode(const char **p)
{
	const unsigned char *s = (const unsigned char *)*p;
	unsigned c = s[0];
	int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
	if (n == 2)
		c &= 0x1F;
	else if (n == 3)
		c &= 0x0F;
	else if (n == 4)
		c &= 0x07;
	for (int i = 1; i < n && s[i]; i++)
		c = (c << 6) | (s[i] & 0x3F);
	*p += n;
	return c;
}

static bool is_cjk(unsigned c)
{
	return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
	       (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3134F) || c == 0x3007;
}

static bool is_word_ascii(unsigned c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The next run at or after *p; false at the end. */
static bool next_run(const char **p, run *r)
{
	const char *s = *p;
	while (*s) {
		const char *at = s;
		unsigned c = decode(&s);
		bool cjk = is_cjk(c);
		if (!cjk && !is_word_ascii(c))
			continue;
		const char *end = s;
		while (*end) {
			const char *q = end;
			unsigned d = decode(&q);
			if (cjk ? !is_cjk(d) : !is_word_ascii(d))
				break;
			end = q;
		}
		r->s = at;
		r->len = (size_t)(end - at);
		r->cjk = cjk;
		*p = end;
		return true;
	}
	*p = s;
	return false;
}

/* A buffer being filled with space-separated tokens: " t1 t2 " while built, so a
 * token's presence is one strstr of " tok ". */
typedef struct {
	char *buf;
	size_t n;
} tokens;

static void append(tokens *t, const char *s, size_t len, bool lower, bool dedupe)
{
	char tok[64];
	if (dedupe) {
		if (len + 3 > sizeof tok)
			len = sizeof tok - 3; /* a term that long is an ASCII word, cut */
		tok[0] = ' ';
		memcpy(tok + 1, s, len);
		tok[len + 1] = ' ';
		tok[len + 2] = '\0';
		for (size_t i = 1; lower && i <= len; i++)
			if (tok[i] >= 'A' && tok[i] <= 'Z')
				tok[i] = (char)(tok[i] + 32);
		t->buf[t->n] = '\0';
		if (strstr(t->buf, tok))
			return;
		s = tok + 1;
	}
	for (size_t i = 0; i < len; i++)
		t->buf[t->n + i] = lower && s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
	t->n += len;
	t->buf[t->n++] = ' ';
	t->buf[t->n] = '\0';
}

/* Byte length of the code point at s. */
static size_t cp_len(const char *s)
{
	unsigned char c = (unsigned char)*s;
	return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* The terms of one run: bigrams (and, with unigrams, each character) of a CJK run; the
 * lower-cased word of an ASCII run. */
static void run_terms(tokens *t, const run *r, bool unigrams)
{
	if (!r->cjk) {
		append(t, r->s, r->len, true, true);
		return;
	}
	const char *p = r->s, *end = r->s + r->len;
	size_t first = cp_len(p);
	if (p + first == end) {
		append(t, p, first, false, true);
		return;
	}
	while (p < end) {
		size_t a = cp_len(p);
		if (unigrams)
			append(t, p, a, false, true);
		if (p + a < end)
			append(t, p, a + cp_len(p + a), false, true);
		p += a;
	}
}

/* "t1 t2" out of " t1 t2 ". */
static char *finish(tokens *t)
{
	if (t->n <= 1)
		return "";
	t->buf[t->n - 1] = '\0';
	return t->buf + 1;
}

void svc_terms(gz_arena *A, const char *text, char **terms, char **norm)
{
	size_t len = strlen(text);
	tokens t = {gz_arena_alloc(A, 3 * len + 16), 0}, n = {gz_arena_alloc(A, 2 * len + 16), 0};
	t.buf[t.n++] = ' ';
	n.buf[n.n++] = ' ';
	run r;
	for (const char *p = text; next_run(&p, &r);) {
		run_terms(&t, &r, true);
		append(&n, r.s, r.len, true, false);
	}
	*terms = finish(&t);
	*norm = finish(&n);
}

/* The terms a query needs: bigrams of its CJK runs (the character of a one-character
 * run), its ASCII words. */
static char *query_terms(gz_arena *A, const char *q, size_t *count)
{
	size_t len = strlen(q);
	tokens t = {gz_arena_alloc(A, 3 * len + 16), 0};
	t.buf[t.n++] = ' ';
	run r;
	for (const char *p = q; next_run(&p, &r);)
		run_terms(&t, &r, false);
	*count = 0;
	for (size_t i = 1; i < t.n; i++)
		*count += t.buf[i] == ' ';
	return finish(&t);
}

bool svc_text_has_runs(gz_arena *A, const char *norm, const char *q)
{
	run r;
	bool any = false;
	for (const char *p = q; next_run(&p, &r);) {
		char *lower = gz_arena_strndup(A, r.s, r.len);
		for (char *c = lower; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c + 32);
		if (!strstr(norm, lower))
			return false;
		any = true;
	}
	return any;
}

char *svc_fts5_query(gz_arena *A, const char *q)
{
	size_t count;
	const char *terms = query_terms(A, q, &count);
	char *out = gz_arena_alloc(A, strlen(terms) + 3 * count + 4), *o = out;
	for (const char *p = terms; *p;) {
		const char *sp = strchr(p, ' ');
		size_t l = sp ? (size_t)(sp - p) : strlen(p);
		if (o != out)
			*o++ = ' ';
		*o++ = '"';
		memcpy(o, p, l);
		o += l;
		*o++ = '"';
		p += l + (sp != NULL);
	}
	*o = '\0';
	return out;
}

char *svc_query_terms(gz_arena *A, const char *q)
{
	size_t count;
	return query_terms(A, q, &count);
}
