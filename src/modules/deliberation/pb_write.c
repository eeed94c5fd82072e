/* A stored participatory budget round as pabulib text (pb.h, pb_round_text): what the
 * round's export gives and what its close runs the rule on, so a round can be replayed
 * by `gongzhi pb` or pabutools. Pure. */
#include "modules/deliberation/pb.h"
#include "core/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	char *s;
	size_t n, cap;
} buf;

static void put(buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		while (b->n + n + 1 > b->cap)
			b->cap = b->cap ? 2 * b->cap : 1024;
		b->s = gz_realloc(b->s, b->cap);
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static void put_str(buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void putf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(buf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	put(b, tmp, n < 0 ? 0 : (size_t)n >= sizeof tmp ? sizeof tmp - 1 : (size_t)n);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

/* A free-text field: line breaks become spaces; quoted when it holds ';' or '"' or has
 * white space at either end (the reader trims). */
static void field(buf *b, const char *s)
{
	size_t n = strlen(s);
	bool quote = n && (is_space(s[0]) || is_space(s[n - 1]));
	for (size_t i = 0; i < n && !quote; i++)
		quote = s[i] == ';' || s[i] == '"';
	if (quote)
		put(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		char c = s[i] == '\r' || s[i] == '\n' ? ' ' : s[i];
		if (c == '"')
			put(b, "\"\"", 2);
		else
			put(b, &c, 1);
	}
	if (quote)
		put(b, "\"", 1);
}

static void yuan(buf *b, int64_t fen)
{
	putf(b, "%lld.%02lld", (long long)(fen / 100), (long long)(fen % 100));
}

char *pb_round_text(const char *description, int64_t budget_fen, const char *rule,
                    const pb_round_project *p, size_t np, const size_t *start,
                    const uint32_t *items, size_t nvoters)
{
	buf b = {0};
	put_str(&b, "META\nkey;value\ndescription;");
	field(&b, description ? description : "");
	putf(&b, "\nnum_projects;%zu\nnum_votes;%zu\nbudget;", np, nvoters);
	yuan(&b, budget_fen);
	put_str(&b, "\nvote_type;approval\nrule;");
	field(&b, rule ? rule : "");
	put_str(&b, "\nPROJECTS\nproject_id;cost;name;votes\n");
	size_t *votes = gz_calloc(np ? np : 1, sizeof *votes);
	for (size_t v = 0; v < nvoters; v++)
		for (size_t k = start[v]; k < start[v + 1]; k++)
			if (items[k] < np)
				votes[items[k]]++;
	for (size_t i = 0; i < np; i++) {
		put(&b, p[i].id, strlen(p[i].id));
		put_str(&b, ";");
		yuan(&b, p[i].cost_fen);
		put_str(&b, ";");
		field(&b, p[i].name ? p[i].name : "");
		putf(&b, ";%zu\n", votes[i]);
	}
	free(votes);
	put_str(&b, "VOTES\nvoter_id;vote\n");
	for (size_t v = 0; v < nvoters; v++) {
		putf(&b, "%zu;", v + 1);
		for (size_t k = start[v]; k < start[v + 1]; k++) {
			if (k > start[v])
				put_str(&b, ",");
			if (items[k] < np)
				put(&b, p[items[k]].id, strlen(p[items[k]].id));
		}
		put_str(&b, "\n");
	}
	return b.s;
}
