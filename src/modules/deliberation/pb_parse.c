/* The pabulib .pb reader, to the letter of PB-RULES.md ("Reading a .pb file"): see pb.h.
 *
 * One pass over the lines. Each line is split into fields (quoted fields unescaped into a
 * scratch buffer), then handled by the section it is in. Projects are checked (unique
 * ids, at least one) when VOTES starts, so votes can be resolved against a sorted id
 * table; amounts are kept as text until the end, when the common scale is known. */
#include "core/mem.h"
#include "core/utf8.h"
#include "modules/deliberation/pb.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	const char *p; /* into the line or the scratch buffer */
	size_t n;
} span;

typedef struct {
	const char *p; /* the number's text: digits [. digits] (validated) */
	size_t nint, nfrac;
} dec_text;

enum { SEC_NONE = 0, SEC_META, SEC_PROJECTS, SEC_VOTES };
static const char *const sec_names[] = {"", "META", "PROJECTS", "VOTES"};

typedef struct {
	/* fields of the current line */
	span *f;
	size_t nf, capf;
	char *scratch;
	size_t scratch_cap;
	/* section state */
	int sec;            /* the section we are in */
	bool want_header;   /* the next non-blank line is the section's header */
	size_t sec_line[4]; /* line of each section's start (0 = not seen) */
	size_t header_fields;
	long cost_col, vote_col, name_col;
	/* META */
	char *vote_type;
	char *rule; /* META rule, when given */
	size_t vote_type_line;
	char *budget_text;
	size_t budget_line;
	dec_text budget;
	/* PROJECTS */
	pb_project *pr;
	dec_text *cost;
	size_t npr, cappr;
	pb_project **sorted; /* by id, for lookups in VOTES */
	/* VOTES */
	size_t nvoters, capv;
	size_t *vote_start;
	uint32_t *items;
	size_t nitems, capitems;
	uint32_t *stamp; /* per project: 1 + the last voter that approved it */
	gz_err *err;
} parser;

static int fail(parser *ps, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(parser *ps, size_t line, const char *fmt, ...)
{
	char why[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	gz_err_set(ps->err, GZ_EINVALID, "invalid_pb", "第 %zu 行：%s", line, why);
	gz_err_field(ps->err, "line", "%zu", line);
	return -1;
}

/* s[0..n) cut to at most max bytes at a character boundary, as an int for "%.*s". */
static int cut(const char *s, size_t n, size_t max)
{
	return (int)gz_utf8_prefix(s, n, max);
}

/* White space, as Python's str.isspace (what pabutools' strip() removes): ASCII tab to
 * carriage return, 0x1C-0x1F, space, U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028,
 * U+2029, U+202F, U+205F, U+3000. Returns the length in bytes of the white-space
 * character at s[0..n), or 0. The text is valid UTF-8 here. */
static size_t space_at(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	if (n >= 1 && ((u[0] >= 0x09 && u[0] <= 0x0D) || (u[0] >= 0x1C && u[0] <= 0x20)))
		return 1;
	if (n >= 2 && u[0] == 0xC2 && (u[1] == 0x85 || u[1] == 0xA0))
		return 2;
	if (n >= 3) {
		unsigned cp = (unsigned)(u[0] & 0x0F) << 12 | (unsigned)(u[1] & 0x3F) << 6 |
		              (unsigned)(u[2] & 0x3F);
		if ((u[0] & 0xF0) == 0xE0 &&
		    (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
		     cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000))
			return 3;
	}
	return 0;
}

/* Length of the white-space character that ends s[0..n), or 0. */
static size_t space_before(const char *s, size_t n)
{
	size_t k = 1;
	while (k < n && k < 3 && ((unsigned char)s[n - k] & 0xC0) == 0x80)
		k++;
	return space_at(s + n - k, k) == k ? k : 0;
}

static span trim(span s)
{
	size_t k;
	while (s.n && (k = space_at(s.p, s.n)))
		s.p += k, s.n -= k;
	while (s.n && (k = space_before(s.p, s.n)))
		s.n -= k;
	return s;
}

static bool span_is(span s, const char *w)
{
	return s.n == strlen(w) && !memcmp(s.p, w, s.n);
}

static bool span_is_nocase(span s, const char *w)
{
	if (s.n != strlen(w))
		return false;
	for (size_t i = 0; i < s.n; i++) {
		char c = s.p[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c != w[i])
			return false;
	}
	return true;
}

/* UTF-8 check of a line; NUL is a valid code point, so the line is checked between NULs. */
static bool line_utf8(const char *s, size_t n)
{
	size_t a = 0;
	for (size_t i = 0; i <= n; i++)
		if (i == n || s[i] == '\0') {
			if (!gz_utf8_valid(s + a, i - a))
				return false;
			a = i + 1;
		}
	return true;
}

/* Splits line[0..n) into ps->f. Quoted fields are unescaped into ps->scratch, which is
 * sized for the whole line first so its spans stay valid. */
static int split(parser *ps, const char *line, size_t n, size_t lineno)
{
	if (ps->scratch_cap < n + 1) {
		ps->scratch_cap = n + 1;
		ps->scratch = gz_realloc(ps->scratch, ps->scratch_cap);
	}
	size_t w = 0;
	ps->nf = 0;
	size_t i = 0;
	for (;;) {
		if (ps->nf == ps->capf) {
			ps->capf = ps->capf ? ps->capf * 2 : 16;
			ps->f = gz_realloc(ps->f, ps->capf * sizeof *ps->f);
		}
		span *f = &ps->f[ps->nf++];
		if (i < n && line[i] == '"') {
			size_t start = w;
			i++;
			for (;;) {
				if (i == n)
					return fail(ps, lineno, "第 %zu 个字段的引号未闭合",
					            ps->nf);
				if (line[i] == '"') {
					if (i + 1 < n && line[i + 1] == '"') {
						ps->scratch[w++] = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				ps->scratch[w++] = line[i++];
			}
			*f = (span){ps->scratch + start, w - start};
			if (i == n)
				return 0;
			if (line[i] != ';')
				return fail(ps, lineno, "第 %zu 个字段的闭合引号后有多余字符",
				            ps->nf);
			i++;
		} else {
			size_t start = i;
			while (i < n && line[i] != ';')
				i++;
			*f = (span){line + start, i - start};
			if (i == n)
				return 0;
			i++;
		}
	}
}

/* Section keyword of the current line's first field, or SEC_NONE. */
static int section_of(const parser *ps)
{
	span s = trim(ps->f[0]);
	for (int k = SEC_META; k <= SEC_VOTES; k++)
		if (span_is_nocase(s, sec_names[k]))
			return k;
	return SEC_NONE;
}

/* [0-9]+(\.[0-9]+)? on trimmed text. */
static bool number_text(span s, dec_text *out)
{
	s = trim(s);
	size_t i = 0;
	while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9')
		i++;
	if (i == 0)
		return false;
	size_t nint = i, nfrac = 0;
	if (i < s.n) {
		if (s.p[i] != '.')
			return false;
		i++;
		while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9')
			i++, nfrac++;
		if (nfrac == 0 || i != s.n)
			return false;
	}
	*out = (dec_text){s.p, nint, nfrac};
	return true;
}

/* The value of t in 10^-scale units (scale >= t.nfrac). */
static void dec_value(const dec_text *t, unsigned scale, mpz_t out)
{
	size_t n = t->nint + t->nfrac;
	char *digits = gz_malloc(n + 1);
	memcpy(digits, t->p, t->nint);
	memcpy(digits + t->nint, t->p + t->nint + (t->nfrac ? 1 : 0), t->nfrac);
	digits[n] = '\0';
	mpz_set_str(out, digits, 10);
	free(digits);
	mpz_t p;
	mpz_init(p);
	mpz_ui_pow_ui(p, 10, scale - t->nfrac);
	mpz_mul(out, out, p);
	mpz_clear(p);
}

static char *span_dup(span s)
{
	return gz_strndup(s.p, s.n);
}

static const char *shown_field(span s, int *n)
{
	*n = cut(s.p, s.n, 40);
	return s.p;
}

/* ---- sections -------------------------------------------------------------------- */

static int header_line(parser *ps, size_t lineno)
{
	ps->header_fields = ps->nf;
	ps->cost_col = ps->vote_col = ps->name_col = -1;
	for (size_t i = 0; i < ps->nf; i++) {
		span s = trim(ps->f[i]);
		if (ps->cost_col < 0 && span_is(s, "cost"))
			ps->cost_col = (long)i;
		if (ps->vote_col < 0 && span_is(s, "vote"))
			ps->vote_col = (long)i;
		if (ps->name_col < 0 && span_is(s, "name"))
			ps->name_col = (long)i;
	}
	if (ps->sec == SEC_PROJECTS && ps->cost_col < 0)
		return fail(ps, lineno, "PROJECTS 的表头没有 cost 列");
	if (ps->sec == SEC_VOTES && ps->vote_col < 0)
		return fail(ps, lineno, "VOTES 的表头没有 vote 列");
	return 0;
}

static int meta_row(parser *ps, size_t lineno)
{
	span key = trim(ps->f[0]);
	span val = ps->nf > 1 ? trim(ps->f[1]) : (span){"", 0};
	bool has_val = ps->nf > 1;
	if (span_is(key, "vote_type")) {
		free(ps->vote_type);
		ps->vote_type = has_val ? span_dup(val) : NULL;
		ps->vote_type_line = lineno;
	} else if (span_is(key, "rule")) {
		free(ps->rule);
		ps->rule = has_val ? span_dup(val) : NULL;
	} else if (span_is(key, "budget")) {
		free(ps->budget_text);
		ps->budget_text = has_val ? span_dup(val) : NULL;
		ps->budget_line = lineno;
	}
	return 0;
}

static int meta_end(parser *ps)
{
	size_t at = ps->sec_line[SEC_META];
	if (!ps->vote_type_line)
		return fail(ps, at, "META 缺少 vote_type（应为 approval）");
	if (!ps->vote_type || strcmp(ps->vote_type, "approval") != 0)
		return fail(ps, ps->vote_type_line, "vote_type「%.*s」不受支持，只接受 approval",
		            ps->vote_type ? cut(ps->vote_type, strlen(ps->vote_type), 40) : 0,
		            ps->vote_type ? ps->vote_type : "");
	if (!ps->budget_line)
		return fail(ps, at, "META 缺少 budget");
	if (!ps->budget_text ||
	    !number_text((span){ps->budget_text, strlen(ps->budget_text)}, &ps->budget))
		return fail(ps, ps->budget_line, "budget「%.*s」不是数字（应为非负十进制数）",
		            ps->budget_text ? cut(ps->budget_text, strlen(ps->budget_text), 40) : 0,
		            ps->budget_text ? ps->budget_text : "");
	return 0;
}

static int project_row(parser *ps, size_t lineno)
{
	span id = trim(ps->f[0]);
	if (!id.n)
		return fail(ps, lineno, "项目编号为空");
	if ((size_t)ps->cost_col >= ps->nf)
		return fail(ps, lineno, "项目「%.*s」缺少 cost", cut(id.p, id.n, 40), id.p);
	dec_text c;
	if (!number_text(ps->f[ps->cost_col], &c)) {
		int n;
		const char *s = shown_field(trim(ps->f[ps->cost_col]), &n);
		return fail(ps, lineno, "项目「%.*s」的 cost「%.*s」不是数字（应为非负十进制数）",
		            cut(id.p, id.n, 40), id.p, n, s);
	}
	if (ps->npr == UINT32_MAX >> 1)
		return fail(ps, lineno, "项目过多");
	if (ps->npr == ps->cappr) {
		ps->cappr = ps->cappr ? ps->cappr * 2 : 64;
		ps->pr = gz_realloc(ps->pr, ps->cappr * sizeof *ps->pr);
		ps->cost = gz_realloc(ps->cost, ps->cappr * sizeof *ps->cost);
	}
	pb_project *p = &ps->pr[ps->npr];
	memset(p, 0, sizeof *p);
	p->id = span_dup(id);
	p->id_len = id.n;
	p->line = lineno;
	if (ps->name_col >= 0 && (size_t)ps->name_col < ps->nf)
		p->name = span_dup(trim(ps->f[ps->name_col]));
	/* The cost text may live in the scratch buffer (a quoted field): copy it. */
	char *copy = gz_strndup(c.p, c.nint + c.nfrac + (c.nfrac ? 1 : 0));
	ps->cost[ps->npr] = (dec_text){copy, c.nint, c.nfrac};
	ps->npr++;
	return 0;
}

int pb_id_cmp(const pb_project *a, const pb_project *b)
{
	size_t n = a->id_len < b->id_len ? a->id_len : b->id_len;
	int c = memcmp(a->id, b->id, n);
	if (c)
		return c;
	return a->id_len < b->id_len ? -1 : a->id_len > b->id_len;
}

static int sorted_cmp(const void *x, const void *y)
{
	const pb_project *a = *(pb_project *const *)x, *b = *(pb_project *const *)y;
	int c = pb_id_cmp(a, b);
	return c ? c : (a->line < b->line ? -1 : a->line > b->line);
}

static int projects_end(parser *ps)
{
	if (ps->npr == 0)
		return fail(ps, ps->sec_line[SEC_PROJECTS], "PROJECTS 没有项目");
	ps->sorted = gz_malloc(ps->npr * sizeof *ps->sorted);
	for (size_t i = 0; i < ps->npr; i++)
		ps->sorted[i] = &ps->pr[i];
	qsort(ps->sorted, ps->npr, sizeof *ps->sorted, sorted_cmp);
	size_t worst = 0; /* the duplicate on the earliest line */
	for (size_t i = 1; i < ps->npr; i++)
		if (!pb_id_cmp(ps->sorted[i - 1], ps->sorted[i]) &&
		    (!worst || ps->sorted[i]->line < ps->sorted[worst]->line))
			worst = i;
	if (worst) {
		const pb_project *p = ps->sorted[worst];
		return fail(ps, p->line, "项目编号「%.*s」重复（第 %zu 行已有）",
		            cut(p->id, p->id_len, 40), p->id, ps->sorted[worst - 1]->line);
	}
	ps->stamp = gz_calloc(ps->npr, sizeof *ps->stamp);
	return 0;
}

static long find_project(const parser *ps, const char *s, size_t n)
{
	pb_project key = {.id = (char *)s, .id_len = n};
	size_t lo = 0, hi = ps->npr;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = pb_id_cmp(ps->sorted[mid], &key);
		if (c == 0)
			return (long)(ps->sorted[mid] - ps->pr);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int vote_row(parser *ps, size_t lineno)
{
	if (ps->nvoters == UINT32_MAX >> 1)
		return fail(ps, lineno, "投票人过多");
	if (ps->nvoters + 1 >= ps->capv) {
		ps->capv = ps->capv ? ps->capv * 2 : 1024;
		ps->vote_start = gz_realloc(ps->vote_start, ps->capv * sizeof *ps->vote_start);
	}
	uint32_t voter = (uint32_t)ps->nvoters;
	ps->vote_start[voter] = ps->nitems;
	span v = (size_t)ps->vote_col < ps->nf ? trim(ps->f[ps->vote_col]) : (span){"", 0};
	size_t a = 0;
	for (size_t i = 0; i <= v.n; i++) {
		if (i < v.n && v.p[i] != ',')
			continue;
		size_t len = i - a;
		const char *item = v.p + a;
		a = i + 1;
		if (!len)
			continue;
		long p = find_project(ps, item, len);
		if (p < 0)
			return fail(ps, lineno, "投票中的项目「%.*s」不在 PROJECTS 中",
			            cut(item, len, 40), item);
		if (ps->stamp[p] == voter + 1)
			continue; /* listed twice in one vote: counts once */
		ps->stamp[p] = voter + 1;
		if (ps->nitems == ps->capitems) {
			ps->capitems = ps->capitems ? ps->capitems * 2 : 4096;
			ps->items = gz_realloc(ps->items, ps->capitems * sizeof *ps->items);
		}
		ps->items[ps->nitems++] = (uint32_t)p;
		ps->pr[p].approvals++;
	}
	ps->nvoters++;
	ps->vote_start[ps->nvoters] = ps->nitems;
	return 0;
}

/* A section line: order checks, and the end of the section before it. */
static int section_line(parser *ps, int sec, size_t lineno)
{
	if (ps->want_header)
		return fail(ps, ps->sec_line[ps->sec], "%s 段缺少表头", sec_names[ps->sec]);
	if (ps->sec_line[sec])
		return fail(ps, lineno, "%s 段重复（第 %zu 行已有）", sec_names[sec],
		            ps->sec_line[sec]);
	if (sec != ps->sec + 1)
		return fail(ps, lineno, "%s 段之前缺少 %s 段（段的顺序应为 META、PROJECTS、VOTES）",
		            sec_names[sec], sec_names[ps->sec + 1]);
	if (ps->sec == SEC_META && meta_end(ps) < 0)
		return -1;
	if (ps->sec == SEC_PROJECTS && projects_end(ps) < 0)
		return -1;
	ps->sec = sec;
	ps->sec_line[sec] = lineno;
	ps->want_header = true;
	return 0;
}

static int handle_line(parser *ps, const char *line, size_t n, size_t lineno)
{
	if (!line_utf8(line, n))
		return fail(ps, lineno, "不是有效的 UTF-8 文本");
	if (trim((span){line, n}).n == 0)
		return 0; /* empty or only white space */
	if (split(ps, line, n, lineno) < 0)
		return -1;
	int sec = section_of(ps);
	if (sec != SEC_NONE)
		return section_line(ps, sec, lineno);
	if (ps->sec == SEC_NONE)
		return fail(ps, lineno, "META 之前不能有其他内容");
	if (ps->want_header) {
		ps->want_header = false;
		return header_line(ps, lineno);
	}
	if (ps->nf > ps->header_fields)
		return fail(ps, lineno, "字段数（%zu）多于表头（%zu）", ps->nf, ps->header_fields);
	switch (ps->sec) {
	case SEC_META:
		return meta_row(ps, lineno);
	case SEC_PROJECTS:
		return project_row(ps, lineno);
	default:
		return vote_row(ps, lineno);
	}
}

static int finish(parser *ps, size_t last_line)
{
	if (ps->want_header)
		return fail(ps, ps->sec_line[ps->sec], "%s 段缺少表头", sec_names[ps->sec]);
	if (ps->sec < SEC_VOTES)
		return fail(ps, last_line, "文件缺少 %s 段", sec_names[ps->sec + 1]);
	if (ps->nvoters == 0)
		return fail(ps, ps->sec_line[SEC_VOTES], "VOTES 没有投票");
	return 0;
}

static void parser_free(parser *ps)
{
	free(ps->f);
	free(ps->scratch);
	free(ps->vote_type);
	free(ps->rule);
	free(ps->budget_text);
	for (size_t i = 0; i < ps->npr; i++)
		free((char *)ps->cost[i].p);
	free(ps->cost);
	free(ps->sorted);
	free(ps->stamp);
}

int pb_parse(const char *buf, size_t len, pb_instance *out, gz_err *err)
{
	parser ps = {.err = err};
	memset(out, 0, sizeof *out);
	if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
		buf += 3, len -= 3;
	size_t lineno = 0, i = 0;
	int rc = 0;
	while (i < len && rc == 0) {
		size_t e = i;
		while (e < len && buf[e] != '\n' && buf[e] != '\r')
			e++;
		rc = handle_line(&ps, buf + i, e - i, ++lineno);
		if (e < len && buf[e] == '\r' && e + 1 < len && buf[e + 1] == '\n')
			e++;
		i = e + 1;
	}
	if (rc == 0)
		rc = finish(&ps, lineno ? lineno : 1);
	if (rc < 0) {
		for (size_t k = 0; k < ps.npr; k++) {
			free(ps.pr[k].id);
			free(ps.pr[k].name);
		}
		free(ps.pr);
		free(ps.vote_start);
		free(ps.items);
		parser_free(&ps);
		return -1;
	}

	/* Amounts at one scale. */
	unsigned scale = (unsigned)ps.budget.nfrac;
	for (size_t k = 0; k < ps.npr; k++)
		if (ps.cost[k].nfrac > scale)
			scale = (unsigned)ps.cost[k].nfrac;
	out->scale = scale;
	mpz_init(out->budget);
	dec_value(&ps.budget, scale, out->budget);
	for (size_t k = 0; k < ps.npr; k++) {
		mpz_init(ps.pr[k].cost);
		dec_value(&ps.cost[k], scale, ps.pr[k].cost);
	}
	out->rule = ps.rule;
	ps.rule = NULL;
	out->nprojects = ps.npr;
	out->projects = ps.pr;
	out->nvoters = ps.nvoters;
	out->vote_start = ps.vote_start;
	out->vote_items = ps.items ? ps.items : gz_malloc(sizeof *ps.items);

	/* Approvers per project (CSR), voters ascending. */
	out->sup_start = gz_calloc(ps.npr + 1, sizeof *out->sup_start);
	for (size_t k = 0; k < ps.npr; k++)
		out->sup_start[k + 1] = out->sup_start[k] + ps.pr[k].approvals;
	out->sup_items = gz_malloc((ps.nitems ? ps.nitems : 1) * sizeof *out->sup_items);
	size_t *fill = gz_malloc((ps.npr + 1) * sizeof *fill);
	memcpy(fill, out->sup_start, (ps.npr + 1) * sizeof *fill);
	for (size_t v = 0; v < ps.nvoters; v++)
		for (size_t j = out->vote_start[v]; j < out->vote_start[v + 1]; j++)
			out->sup_items[fill[out->vote_items[j]]++] = (uint32_t)v;
	free(fill);
	parser_free(&ps);
	return 0;
}

void pb_instance_free(pb_instance *in)
{
	if (!in)
		return;
	for (size_t k = 0; k < in->nprojects; k++) {
		free(in->projects[k].id);
		free(in->projects[k].name);
		mpz_clear(in->projects[k].cost);
	}
	if (in->projects)
		mpz_clear(in->budget);
	free(in->projects);
	free(in->rule);
	free(in->vote_start);
	free(in->vote_items);
	free(in->sup_start);
	free(in->sup_items);
	memset(in, 0, sizeof *in);
}
