/* The import's pure checks: problems (row, column, reason), the header row and its
 * columns, cells, the caller's grids and the tag catalogue as sets, lookup keys. No
 * database here (import_store.c loads the grids and tags). */
#include "modules/people/import_rows.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/time.h"
#include "core/utf8.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ problems */

/* Length of s[0..n) cut back to whole UTF-8 code points (a cell cut by %.*s or a
 * truncated message must still be valid in the JSON report). */
static size_t utf8_whole(const char *s, size_t n)
{
	size_t k = n;
	while (k && !gz_utf8_valid(s, k) && n - k < 4)
		k--;
	return gz_utf8_valid(s, k) ? k : 0;
}

static uint32_t pool_add(problems *p, const char *s, size_t n)
{
	n = utf8_whole(s, n);
	if (p->plen + n + 1 > p->pcap) {
		p->pcap = (p->plen + n + 1) * 2 + 4096;
		p->pool = gz_realloc(p->pool, p->pcap);
	}
	uint32_t off = (uint32_t)p->plen;
	memcpy(p->pool + p->plen, s, n);
	p->pool[p->plen + n] = '\0';
	p->plen += n + 1;
	return off;
}

void people_problem_add(problems *p, size_t row, const char *col, const char *fmt, ...)
{
	p->count++;
	if (p->n == p->keep)
		return;
	char reason[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->v = gz_realloc(p->v, p->cap * sizeof *p->v);
	}
	problem *e = &p->v[p->n];
	e->row = (uint32_t)(row > UINT32_MAX ? UINT32_MAX : row);
	e->col = col ? pool_add(p, col, strlen(col)) : NO_COL;
	e->reason = pool_add(p, reason, strlen(reason));
	e->seq = (uint32_t)p->n;
	p->n++;
}

void people_problems_free(problems *p)
{
	free(p->v);
	free(p->pool);
	memset(p, 0, sizeof *p);
}

/* ================================================================ columns */

const coldef people_resident_cols[RC__COUNT] = {
    [RC_NAME] = {"姓名", {NULL}},
    [RC_GENDER] = {"性别", {NULL}},
    [RC_BIRTH] = {"出生日期", {"出生年月日", NULL}},
    [RC_PHONE] = {"手机号", {"手机号码", "联系电话", "电话", "手机", NULL}},
    [RC_ID] = {"身份证号", {"身份证号码", "公民身份号码", "证件号码", NULL}},
    [RC_GRID] = {"网格编码", {"网格代码", "网格", NULL}},
    [RC_BUILDING] = {"楼栋", {"楼号", NULL}},
    [RC_ROOM] = {"房号", {"门牌号", "房间号", NULL}},
    [RC_ADDRESS] = {"住址", {"地址", "居住地址", "现住址", NULL}},
    [RC_RELATION] = {"与户主关系", {"与户主的关系", NULL}},
    [RC_TAGS] = {"标签", {"人员标签", "人员类别", NULL}},
};

const coldef people_unit_cols[UC__COUNT] = {
    [UC_GRID] = {"网格编码", {"网格代码", "网格", NULL}},
    [UC_BUILDING] = {"楼栋", {"楼号", NULL}},
    [UC_ROOM] = {"房号", {"门牌号", "房间号", NULL}},
    [UC_AREA] = {"专有部分面积", {"建筑面积", "面积", "专有面积", NULL}},
    [UC_SOLD] = {"是否已售", {"已售", "销售状态", NULL}},
    [UC_OWNER] = {"业主姓名", {"业主", "产权人", "产权人姓名", NULL}},
    [UC_OWNER_ID] = {"业主身份证号", {"业主身份证号码", "产权人身份证号", NULL}},
};

void people_header_free(header_t *h)
{
	for (size_t i = 0; i < h->ncols; i++)
		free(h->names[i]);
	free(h->names);
	memset(h, 0, sizeof *h);
}

/* Header text without what decorates it in templates: spaces, a leading or trailing
 * '*' (required-field marks) and a trailing unit in brackets — "专有部分面积(㎡)",
 * "面积（平方米）". Writes into out. */
static void header_key(const char *s, size_t n, char *out, size_t cap)
{
	while (n && (*s == ' ' || *s == '*'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '*'))
		n--;
	/* trailing "(...)" or "（...）" */
	if (n && s[n - 1] == ')') {
		for (size_t i = n; i-- > 0;)
			if (s[i] == '(') {
				n = i;
				break;
			}
	} else if (n >= 3 && !memcmp(s + n - 3, "）", 3)) {
		for (size_t i = n - 3; i >= 3; i--)
			if (!memcmp(s + i - 3, "（", 3)) {
				n = i - 3;
				break;
			}
	}
	while (n && s[n - 1] == ' ')
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

static int coldef_find(const coldef *defs, int ndefs, const char *key)
{
	for (int i = 0; i < ndefs; i++) {
		if (!strcmp(defs[i].name, key))
			return i;
		for (int k = 0; k < 6 && defs[i].aliases[k]; k++)
			if (!strcmp(defs[i].aliases[k], key))
				return i;
	}
	return -1;
}

/* Reads the header row into h. Problems (duplicate columns) go to p. Returns 1 when a
 * header was read, 0 at end of file (no rows at all), -1 with err on a file error. */
/* Fills h from one row (freeing what h held); returns how many known columns it
 * names. Duplicate columns go to p unless p is NULL (a row only being tried). */
static int header_take(const gz_row *row, const coldef *defs, int ndefs, header_t *h, problems *p)
{
	people_header_free(h);
	for (int i = 0; i < 16; i++)
		h->col[i] = -1;
	h->row = row->sheet_row;
	h->ncols = row->ncols;
	h->names = gz_calloc(row->ncols ? row->ncols : 1, sizeof *h->names);
	int known = 0;
	for (size_t i = 0; i < row->ncols; i++) {
		char key[256];
		const char *t = row->cells[i].ptr;
		size_t n = row->cells[i].len;
		while (n && (*t == ' ' || *t == '\t'))
			t++, n--;
		while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
			n--;
		/* The report names a column as the file writes it ("专有部分面积(㎡)"). */
		if (n > 200) {
			n = 200;
			while (n && ((unsigned char)t[n] & 0xc0) == 0x80)
				n--; /* cut at a code point */
		}
		h->names[i] = gz_strndup(t, n);
		header_key(row->cells[i].ptr, row->cells[i].len, key, sizeof key);
		if (!*key)
			continue;
		int c = coldef_find(defs, ndefs, key);
		if (c < 0)
			continue; /* other columns are allowed and ignored */
		if (h->col[c] >= 0) {
			if (p)
				people_problem_add(p, h->row, key, "列重复（与第 %d 列）",
				                   h->col[c] + 1);
		} else {
			h->col[c] = (int)i;
			known++;
		}
	}
	return known;
}

/* How many leading rows may be a title above the header (表头上方的标题行). */
#define HEADER_SEARCH 5

/* Reads the header row into h: the first non-blank row naming at least one known
 * column, among the first HEADER_SEARCH non-blank rows — registers often carry a title
 * row ("XX社区居民登记表") above the header; rows above the header are skipped. With
 * none found, the first non-blank row is the header (its missing columns are then
 * reported). Problems (duplicate columns) go to p. Returns 1 when a header was read, 0
 * at end of file (no rows at all), -1 with err on a file error. */
int people_header_read(gz_table *t, const coldef *defs, int ndefs, header_t *h, problems *p,
                       gz_err *err)
{
	gz_row row;
	int rc, seen = 0;
	header_t firsth = {0};
	for (int i = 0; i < 16; i++)
		h->col[i] = -1;
	while ((rc = gz_table_next(t, &row, err)) == 1) {
		if (gz_row_blank(&row))
			continue;
		if (header_take(&row, defs, ndefs, h, NULL) > 0) {
			h->title_rows = seen;
			people_header_free(&firsth);
			header_take(&row, defs, ndefs, h, p); /* again, reporting duplicates */
			h->title_rows = seen;
			return 1;
		}
		if (!seen++) {
			firsth = *h;
			memset(h, 0, sizeof *h);
		}
		if (seen == HEADER_SEARCH)
			break;
	}
	if (rc < 0 || !seen) {
		people_header_free(&firsth);
		return rc;
	}
	/* No header among them: the first row was meant to be it. Rows read past it do not
	 * matter: the import reports the missing columns and writes nothing. */
	people_header_free(h);
	*h = firsth;
	h->title_rows = 0;
	return 1;
}

void people_missing_col(problems *p, const header_t *h, const coldef *defs, int c, const char *why)
{
	people_problem_add(p, h->row ? h->row : 1, defs[c].name, "%s", why);
}

cellv people_cell_of(const header_t *h, const gz_row *row, int c)
{
	cellv v = {"", 0, GZ_CELL_TEXT};
	int i = h->col[c];
	if (i < 0 || (size_t)i >= row->ncols)
		return v;
	v.p = row->cells[i].ptr;
	v.n = row->cells[i].len;
	v.kind = row->cells[i].kind;
	while (v.n && (v.p[0] == ' ' || v.p[0] == '\t'))
		v.p++, v.n--;
	while (v.n && (v.p[v.n - 1] == ' ' || v.p[v.n - 1] == '\t'))
		v.n--;
	return v;
}

/* Does the row fit the header? The readers judge against the first row they returned;
 * when that was a title above the header, judge against the header: no non-empty cell
 * right of the header's last column. (A CSV row may then be shorter: its missing cells
 * are empty.) */
bool people_row_fits(const header_t *h, const gz_row *row)
{
	if (!h->title_rows)
		return !row->bad_columns;
	for (size_t i = h->ncols; i < row->ncols; i++)
		for (size_t k = 0; k < row->cells[i].len; k++)
			if (row->cells[i].ptr[k] != ' ')
				return false;
	return true;
}

/* The cell as a C string in out (cut to cap - 1 bytes). */
void people_cstr(char *out, size_t cap, cellv c)
{
	size_t n = c.n < cap - 1 ? c.n : cap - 1;
	memcpy(out, c.p, n);
	out[n] = '\0';
}

const char *people_colname(const header_t *h, const coldef *defs, int c)
{
	int i = h->col[c];
	return i >= 0 && h->names[i][0] ? h->names[i] : defs[c].name;
}

/* A whole-file problem from the reader: err has "row" / "column" fields (1-based) when
 * it knows the place, and a message starting with that place. */
void people_file_problem(problems *p, const header_t *h, const gz_err *err)
{
	size_t row = 0, col = 0;
	for (int i = 0; i < err->nfields; i++) {
		if (!strcmp(err->fields[i].name, "row"))
			row = strtoul(err->fields[i].why, NULL, 10);
		else if (!strcmp(err->fields[i].name, "column"))
			col = strtoul(err->fields[i].why, NULL, 10);
	}
	const char *msg = err->message;
	const char *colon = strstr(msg, "：");
	if (colon && !strncmp(msg, "第 ", 4))
		msg = colon + strlen("：");
	char cname[64];
	const char *cn = NULL;
	if (col) {
		if (h && col <= h->ncols && h->names[col - 1][0])
			cn = h->names[col - 1];
		else {
			snprintf(cname, sizeof cname, "第 %zu 列", col);
			cn = cname;
		}
	}
	people_problem_add(p, row ? row : 1, cn, "%s", msg);
}

gz_table *people_table_open(const char *buf, size_t len, bool *xlsx, gz_err *err)
{
	*xlsx = len >= 4 && !memcmp(buf, "PK\x03\x04", 4);
	return *xlsx ? gz_table_open_xlsx(buf, len, err) : gz_table_open_csv(buf, len, err);
}

/* ================================================================ grids, tags */

static size_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	return (size_t)x;
}

void people_gridset_put(gridset *g, const char *code)
{
	int64_t k = space_code_key(code);
	if (!k)
		return;
	if ((g->n + 1) * 2 > g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 64;
		int64_t *keys = gz_calloc(cap, sizeof *keys);
		int32_t *idx = gz_calloc(cap, sizeof *idx);
		for (size_t i = 0; i < g->cap; i++)
			if (g->keys[i]) {
				size_t s = mix64((uint64_t)g->keys[i]) & (cap - 1);
				while (keys[s])
					s = (s + 1) & (cap - 1);
				keys[s] = g->keys[i];
				idx[s] = g->idx[i];
			}
		free(g->keys);
		free(g->idx);
		g->keys = keys;
		g->idx = idx;
		g->cap = cap;
	}
	size_t s = mix64((uint64_t)k) & (g->cap - 1);
	while (g->keys[s]) {
		if (g->keys[s] == k)
			return;
		s = (s + 1) & (g->cap - 1);
	}
	g->codes = gz_realloc(g->codes, (g->n + 1) * sizeof *g->codes);
	snprintf(g->codes[g->n], SPACE_CODE_SIZE, "%s", code);
	g->keys[s] = k;
	g->idx[s] = (int32_t)g->n;
	g->n++;
}

/* Index of a 15-digit grid code s[0..n) in the set, or -1. */
int people_gridset_find(const gridset *g, const char *s, size_t n)
{
	if (n != SPACE_GRID || !g->cap)
		return -1;
	char code[SPACE_CODE_SIZE];
	memcpy(code, s, n);
	code[n] = '\0';
	int64_t k = space_code_key(code);
	if (!k)
		return -1;
	size_t i = mix64((uint64_t)k) & (g->cap - 1);
	while (g->keys[i]) {
		if (g->keys[i] == k)
			return g->idx[i];
		i = (i + 1) & (g->cap - 1);
	}
	return -1;
}

void people_gridset_free(gridset *g)
{
	free(g->keys);
	free(g->idx);
	free(g->codes);
	memset(g, 0, sizeof *g);
}

void gz_people_tag_key(const char *code, bool sensitive, char *out, size_t cap)
{
	const gz_crypto *c = gz_crypto_global();
	if (!sensitive || !c) {
		snprintf(out, cap, "%s", sensitive ? "" : code);
		return;
	}
	char in[64];
	snprintf(in, sizeof in, "tag:%s", code);
	uint8_t h[GZ_CRYPTO_LOOKUP_BYTES];
	gz_crypto_lookup(c, in, h);
	if (cap < 3 + 2 * sizeof h) {
		out[0] = '\0';
		return;
	}
	out[0] = 'h', out[1] = ':';
	sodium_bin2hex(out + 2, cap - 2, h, sizeof h);
}

void people_tagcat_add(tagcat *t, const gz_crypto *c, const char *code, const char *label,
                       bool sensitive)
{
	t->v = gz_realloc(t->v, (t->n + 1) * sizeof *t->v);
	tagdef *d = &t->v[t->n++];
	snprintf(d->code, sizeof d->code, "%s", code);
	snprintf(d->label, sizeof d->label, "%s", label);
	d->sensitive = sensitive;
	(void)c;
	gz_people_tag_key(code, sensitive, d->key, sizeof d->key);
}

const tagdef *people_tagcat_find(const tagcat *t, const char *s, size_t n)
{
	for (size_t i = 0; i < t->n; i++)
		if ((strlen(t->v[i].code) == n && !memcmp(t->v[i].code, s, n)) ||
		    (strlen(t->v[i].label) == n && !memcmp(t->v[i].label, s, n)))
			return &t->v[i];
	return NULL;
}

/* ================================================================ lookup keys */

void people_hkeys_add(hkeys *k, const uint8_t *h, int64_t resident, uint32_t row)
{
	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 4096;
		k->v = gz_realloc(k->v, k->cap * sizeof *k->v);
	}
	hkey *e = &k->v[k->n++];
	memcpy(e->h, h, sizeof e->h);
	e->resident = resident;
	e->row = row;
}

static int hkey_cmp(const void *a, const void *b)
{
	const hkey *x = a, *y = b;
	int c = memcmp(x->h, y->h, sizeof x->h);
	if (c)
		return c;
	return (x->row > y->row) - (x->row < y->row);
}

/* Sorts by (hash, row): a bucket pass on the first two bytes (keyed hashes are
 * uniform, so buckets are small), then each bucket on its own. */
void people_hkeys_sort(hkeys *k)
{
	if (k->n < 2)
		return;
	size_t *start = gz_calloc(65537, sizeof *start);
	for (size_t i = 0; i < k->n; i++)
		start[((size_t)k->v[i].h[0] << 8 | k->v[i].h[1]) + 1]++;
	for (size_t b = 0; b < 65536; b++)
		start[b + 1] += start[b];
	hkey *out = gz_malloc(k->n * sizeof *out);
	size_t *pos = gz_malloc(65536 * sizeof *pos);
	memcpy(pos, start, 65536 * sizeof *pos);
	for (size_t i = 0; i < k->n; i++)
		out[pos[(size_t)k->v[i].h[0] << 8 | k->v[i].h[1]]++] = k->v[i];
	for (size_t b = 0; b < 65536; b++)
		if (start[b + 1] - start[b] > 1)
			qsort(out + start[b], start[b + 1] - start[b], sizeof *out, hkey_cmp);
	free(k->v);
	free(pos);
	free(start);
	k->v = out;
	k->cap = k->n;
}

void people_hkeys_free(hkeys *k)
{
	free(k->v);
	memset(k, 0, sizeof *k);
}
