/* Residents and units from CSV or .xlsx: one code path for POST /api/v1/residents/import,
 * POST /api/v1/units/import and `gongzhi import residents|units FILE`.
 *
 * All or nothing. Every row is checked, every problem is reported (row as Excel/WPS
 * shows it, the column's header as the file writes it, a reason in Chinese), and only a
 * file without a single problem is written — in ONE transaction, with one audit row and
 * one update of record_counts per table.
 *
 * Residents (the fast path: a million rows in seconds, bench/import.sh). Two threads:
 *   producer  reads rows (core/table.h), checks them (domain/person.h, resident.h),
 *             seals phone / ID number / birth date / sensitive tags and computes the
 *             keyed hashes — everything that needs no database;
 *   consumer  (the calling thread, which owns the connection) resolves buildings, units
 *             and households and inserts the rows, several per statement (on SQLite with
 *             ids it hands out itself: the write lock is held from BEGIN IMMEDIATE).
 * Batches of rows travel through a small queue, so parsing and sealing overlap with the
 * inserts. The lookup keys (resident_id_keys, resident_phone_keys) are collected in
 * memory and written after the last row, sorted, many per statement: sorting also puts
 * duplicate ID numbers of the file next to each other, and an ID number already held
 * by a resident shows up as a key that is already there. As soon as any problem is
 * known the consumer stops inserting and only looks up (so every problem still gets
 * reported), and at the end the transaction is rolled back. A dry run only reads, in
 * one read transaction.
 *
 * Units are few (a community has thousands): one thread; rows naming the same building
 * and room are one unit with several owners (co-owners).
 *
 * On SQLite the import enlarges the connection's page cache for its duration, and
 * restores it after. */
#include "api/auth.h"
#include "modules/people/people.h"
#include "api/ratelimit.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/table.h"
#include "core/time.h"
#include "core/utf8.h"
#include "core/xlsx_write.h"
#include "core/decimal.h"
#include "modules/people/person.h"
#include "domain/policy.h"
#include "modules/people/resident.h"
#include "domain/space_code.h"

#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ================================================================ problems */

#define NO_COL UINT32_MAX

typedef struct {
	uint32_t row;    /* sheet row, 0 = none */
	uint32_t col;    /* offset of the column name in pool, or NO_COL */
	uint32_t reason; /* offset in pool */
	uint32_t seq;    /* order of discovery within a row */
} problem;

/* A list of problems; kept up to `keep` entries (the earliest rows first, since rows are
 * read in order), counted exactly. */
typedef struct {
	problem *v;
	size_t n, cap, keep;
	char *pool;
	size_t plen, pcap;
	size_t count;
} problems;

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

static void problem_add(problems *p, size_t row, const char *col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void problem_add(problems *p, size_t row, const char *col, const char *fmt, ...)
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

static void problems_free(problems *p)
{
	free(p->v);
	free(p->pool);
	memset(p, 0, sizeof *p);
}

typedef struct {
	const problems *src;
	const problem *e;
} merged;

static int cmp_merged(const void *a, const void *b)
{
	const merged *x = a, *y = b;
	if (x->e->row != y->e->row)
		return x->e->row < y->e->row ? -1 : 1;
	if (x->src != y->src)
		return x->src < y->src ? -1 : 1; /* producer (checks) before consumer (database) */
	return (x->e->seq > y->e->seq) - (x->e->seq < y->e->seq);
}

/* The report's "errors" array from several lists, sorted by row, at most max entries. */
static json_t *problems_json(const problems *lists, int nlists, size_t max, size_t *total)
{
	size_t n = 0;
	*total = 0;
	for (int i = 0; i < nlists; i++) {
		n += lists[i].n;
		*total += lists[i].count;
	}
	merged *m = gz_malloc((n ? n : 1) * sizeof *m);
	size_t k = 0;
	for (int i = 0; i < nlists; i++)
		for (size_t j = 0; j < lists[i].n; j++)
			m[k++] = (merged){&lists[i], &lists[i].v[j]};
	qsort(m, n, sizeof *m, cmp_merged);
	json_t *arr = json_array();
	for (size_t i = 0; i < n && i < max; i++) {
		const problem *e = m[i].e;
		json_array_append_new(
		    arr,
		    json_pack("{s:o,s:o,s:s}", "row", e->row ? json_integer(e->row) : json_null(),
		              "column",
		              e->col == NO_COL ? json_null() : json_string(m[i].src->pool + e->col),
		              "reason", m[i].src->pool + e->reason));
	}
	free(m);
	return arr;
}

/* ================================================================ columns */

typedef struct {
	const char *name;       /* canonical header, as the report names a missing column */
	const char *aliases[6]; /* other headers accepted */
} coldef;

enum {
	RC_NAME,
	RC_GENDER,
	RC_BIRTH,
	RC_PHONE,
	RC_ID,
	RC_GRID,
	RC_BUILDING,
	RC_ROOM,
	RC_ADDRESS,
	RC_RELATION,
	RC_TAGS,
	RC__COUNT
};

static const coldef resident_cols[RC__COUNT] = {
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

enum { UC_GRID, UC_BUILDING, UC_ROOM, UC_AREA, UC_SOLD, UC_OWNER, UC_OWNER_ID, UC__COUNT };

static const coldef unit_cols[UC__COUNT] = {
    [UC_GRID] = {"网格编码", {"网格代码", "网格", NULL}},
    [UC_BUILDING] = {"楼栋", {"楼号", NULL}},
    [UC_ROOM] = {"房号", {"门牌号", "房间号", NULL}},
    [UC_AREA] = {"专有部分面积", {"建筑面积", "面积", "专有面积", NULL}},
    [UC_SOLD] = {"是否已售", {"已售", "销售状态", NULL}},
    [UC_OWNER] = {"业主姓名", {"业主", "产权人", "产权人姓名", NULL}},
    [UC_OWNER_ID] = {"业主身份证号", {"业主身份证号码", "产权人身份证号", NULL}},
};

#define MAX_COLS 4096

typedef struct {
	size_t ncols;
	char **names;   /* header cells as written (trimmed), NUL-terminated */
	int col[16];    /* canonical column -> index, -1 when absent */
	size_t row;     /* the header's sheet row */
	int title_rows; /* rows above the header that were skipped (titles) */
} header_t;

static void header_free(header_t *h)
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
	header_free(h);
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
				problem_add(p, h->row, key, "列重复（与第 %d 列）", h->col[c] + 1);
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
static int header_read(gz_table *t, const coldef *defs, int ndefs, header_t *h, problems *p,
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
			header_free(&firsth);
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
		header_free(&firsth);
		return rc;
	}
	/* No header among them: the first row was meant to be it. Rows read past it do not
	 * matter: the import reports the missing columns and writes nothing. */
	header_free(h);
	*h = firsth;
	h->title_rows = 0;
	return 1;
}

static void missing_col(problems *p, const header_t *h, const coldef *defs, int c, const char *why)
{
	problem_add(p, h->row ? h->row : 1, defs[c].name, "%s", why);
}

/* The cell of canonical column c in row (trimmed of ASCII spaces), or an empty view. */
typedef struct {
	const char *p;
	size_t n;
	gz_cell_kind kind;
} cellv;

static cellv cell_of(const header_t *h, const gz_row *row, int c)
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
static bool row_fits(const header_t *h, const gz_row *row)
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
static void cstr(char *out, size_t cap, cellv c)
{
	size_t n = c.n < cap - 1 ? c.n : cap - 1;
	memcpy(out, c.p, n);
	out[n] = '\0';
}

static const char *colname(const header_t *h, const coldef *defs, int c)
{
	int i = h->col[c];
	return i >= 0 && h->names[i][0] ? h->names[i] : defs[c].name;
}

/* A whole-file problem from the reader: err has "row" / "column" fields (1-based) when
 * it knows the place, and a message starting with that place. */
static void file_problem(problems *p, const header_t *h, const gz_err *err)
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
	problem_add(p, row ? row : 1, cn, "%s", msg);
}

static gz_table *table_open(const char *buf, size_t len, bool *xlsx, gz_err *err)
{
	*xlsx = len >= 4 && !memcmp(buf, "PK\x03\x04", 4);
	return *xlsx ? gz_table_open_xlsx(buf, len, err) : gz_table_open_csv(buf, len, err);
}

/* ================================================================ grids, tags */

/* The grids a caller may import into: an open-addressing set of code keys. */
typedef struct {
	int64_t *keys; /* 0 = empty */
	char (*codes)[SPACE_CODE_SIZE];
	int32_t *idx;
	size_t cap, n;
} gridset;

static size_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	return (size_t)x;
}

static void gridset_put(gridset *g, const char *code)
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
static int gridset_find(const gridset *g, const char *s, size_t n)
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

static void gridset_free(gridset *g)
{
	free(g->keys);
	free(g->idx);
	free(g->codes);
	memset(g, 0, sizeof *g);
}

/* Loads the grids inside the actor's write scopes (all grids for the operator). */
static int gridset_load(gz_db *db, const gz_actor *a, gridset *g, gz_err *err)
{
	const char *sc[GZ_AUTH_MAX_GRANTS];
	int ns = gz_actor_scopes(a, ACT_WRITE, RES_RESIDENT, sc, GZ_AUTH_MAX_GRANTS, err);
	if (ns < 0)
		return -1;
	for (int i = 0; i < ns; i++) {
		char hi[GZ_SCOPE_MAX + 2];
		policy_scope_upper(sc[i], hi, sizeof hi);
		gz_stmt *st =
		    gz_db_prepare(db, "SELECT code FROM grids WHERE code >= $1 AND code < $2", err);
		if (!st)
			return -1;
		gz_stmt_bind_str(st, 1, sc[i]);
		gz_stmt_bind_str(st, 2, hi);
		int rc;
		while ((rc = gz_stmt_step(st, err)) == GZ_ROW)
			gridset_put(g, gz_stmt_text(st, 0));
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* The tag catalogue: built-in tags and those configured in resident_tag_defs, each
 * with the key resident_tags stores (the code, or the blind index of a sensitive tag). */
typedef struct {
	char code[40], label[100];
	bool sensitive;
	char key[2 + 2 * GZ_CRYPTO_LOOKUP_BYTES + 1];
} tagdef;

typedef struct {
	tagdef *v;
	size_t n;
} tagcat;

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

static void tagcat_add(tagcat *t, const gz_crypto *c, const char *code, const char *label,
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

static int tagcat_load(gz_db *db, const gz_crypto *c, tagcat *t, gz_err *err)
{
	size_t n;
	const person_tag *b = person_tags(&n);
	for (size_t i = 0; i < n; i++)
		tagcat_add(t, c, b[i].code, b[i].label, b[i].sensitive);
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT code, label, sensitive FROM resident_tag_defs ORDER BY created_at, code",
	    err);
	if (!st)
		return -1;
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW)
		tagcat_add(t, c, gz_stmt_text(st, 0), gz_stmt_text(st, 1),
		           gz_stmt_int64(st, 2) != 0);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

static const tagdef *tagcat_find(const tagcat *t, const char *s, size_t n)
{
	for (size_t i = 0; i < t->n; i++)
		if ((strlen(t->v[i].code) == n && !memcmp(t->v[i].code, s, n)) ||
		    (strlen(t->v[i].label) == n && !memcmp(t->v[i].label, s, n)))
			return &t->v[i];
	return NULL;
}

/* ================================================================ lookup keys */

/* Keyed hashes of the imported rows' ID numbers (and phones) with the resident they
 * belong to and the row they came from. Collected while the rows go in, then sorted and
 * written to resident_id_keys / resident_phone_keys in hash order — neighbouring keys
 * land on neighbouring B-tree pages, where a million keys in file order would each cost
 * a descent to a random page. Sorting also brings duplicate ID numbers of the file next
 * to each other. */
typedef struct {
	uint8_t h[GZ_CRYPTO_LOOKUP_BYTES];
	int64_t resident; /* 0 in look-up mode */
	uint32_t row;
} hkey;

typedef struct {
	hkey *v;
	size_t n, cap;
} hkeys;

static void hkeys_add(hkeys *k, const uint8_t *h, int64_t resident, uint32_t row)
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
static void hkeys_sort(hkeys *k)
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

static void hkeys_free(hkeys *k)
{
	free(k->v);
	memset(k, 0, sizeof *k);
}

/* ================================================================ residents: rows */

#define BATCH_ROWS 4096
#define QUEUE_LEN  16

typedef struct {
	uint32_t row;
	int32_t grid;      /* index in the grid set, or -1 (from the building) */
	uint32_t name_off; /* pool offsets of NUL-terminated text */
	uint32_t bld_off, room_off, addr_off, tags_off, keys_off;
	uint32_t sens_off; /* sealed sensitive tags in pool, sens_len bytes */
	uint16_t sens_len;
	uint8_t nkeys;     /* NUL-separated tag keys at keys_off */
	uint8_t gender;    /* 0 unknown, 1 男, 2 女 */
	uint8_t relation;  /* person_relation, 0 = none */
	uint8_t phone_len; /* sealed bytes, 0 = none */
	uint8_t has_id, has_birth;
	uint8_t phone_enc[GZ_CRYPTO_SEALED_LEN(PERSON_PHONE_MAX)];
	uint8_t phone_hash[GZ_CRYPTO_LOOKUP_BYTES];
	uint8_t id_enc[GZ_CRYPTO_SEALED_LEN(18)];
	uint8_t id_hash[GZ_CRYPTO_LOOKUP_BYTES];
	uint8_t birth_enc[GZ_CRYPTO_SEALED_LEN(RESIDENT_DATE_SIZE - 1)];
} res_row;

typedef struct {
	res_row rows[BATCH_ROWS];
	size_t n;
	char *pool;
	size_t plen, pcap;
} batch;

static uint32_t batch_text(batch *b, const char *s, size_t n)
{
	if (b->plen + n + 1 > b->pcap) {
		b->pcap = (b->plen + n + 1) * 2 + 65536;
		b->pool = gz_realloc(b->pool, b->pcap);
	}
	uint32_t off = (uint32_t)b->plen;
	memcpy(b->pool + off, s, n);
	b->pool[off + n] = '\0';
	b->plen += n + 1;
	return off;
}

typedef struct res_imp {
	/* read-only after setup */
	const gz_crypto *crypto;
	gridset grids;
	tagcat tags;
	header_t h;
	gz_table *t;
	bool have_grid_col, have_unit_cols;
	int64_t now;

	/* the queue between the threads */
	pthread_mutex_t mu;
	pthread_cond_t can_put, can_get;
	batch *q[QUEUE_LEN];
	size_t qhead, qlen;
	batch *free_list[QUEUE_LEN + 2];
	size_t nfree;
	bool eof;

	atomic_size_t problem_count; /* both threads' problems so far */
	atomic_bool stop;            /* the consumer failed: the producer stops */

	/* producer only */
	problems pp;
	size_t rows;
	/* With ids handed out in order (SQLite), the producer knows each row's id and
	 * collects and sorts the lookup keys itself, off the consumer's path; next_id is
	 * then the consumer's first id (0: the consumer collects them). */
	int64_t next_id;
	bool keys_sorted;
	hkeys ids, phones;
	res_row *sort_buf; /* BATCH_ROWS rows, for ordering a batch by grid */
	bool file_error;
} res_imp;

static const char *const gender_text[] = {"", "男", "女"};

/* Check one data row; on success fill out (crypto included) and return 0. Problems go to
 * the producer's list; returns -1 if there was any. */
static int resident_row(res_imp *m, const gz_row *row, batch *b, res_row *out)
{
	const header_t *h = &m->h;
	problems *p = &m->pp;
	size_t before = p->count;
	size_t rn = row->sheet_row;
	gz_err e;
	memset(out, 0, offsetof(res_row, phone_enc));
	out->row = (uint32_t)rn;

	if (!row_fits(h, row)) {
		problem_add(p, rn, NULL, "列数（%zu）与表头（%zu）不一致", row->ncols, h->ncols);
		return -1;
	}

	/* 姓名 */
	cellv namec = cell_of(h, row, RC_NAME), c;
	size_t ns = 0, nl = 0;
	gz_err_clear(&e);
	if (resident_name_check(namec.p, namec.n, &ns, &nl, &e) < 0)
		problem_add(p, rn, colname(h, resident_cols, RC_NAME), "%s", e.message);

	/* 身份证号 (required in an import: it is the key of the register) */
	person_id_info id = {0};
	c = cell_of(h, row, RC_ID);
	bool id_ok = false;
	gz_err_clear(&e);
	if (!c.n)
		problem_add(p, rn, colname(h, resident_cols, RC_ID), "不能为空");
	else if (c.kind == GZ_CELL_NUMBER)
		problem_add(p, rn, colname(h, resident_cols, RC_ID),
		            "身份证号被存成了数字，末尾几位已丢失：请把该列设为文本格式后重新填写");
	else if (c.n > 64)
		problem_add(p, rn, colname(h, resident_cols, RC_ID), "长度应为 18 位");
	else {
		char tmp[65];
		memcpy(tmp, c.p, c.n);
		tmp[c.n] = '\0';
		if (person_id_check(tmp, m->now, &id, &e) < 0)
			problem_add(p, rn, colname(h, resident_cols, RC_ID), "%s", e.message);
		else
			id_ok = true;
	}

	/* 性别: must agree with the ID number */
	c = cell_of(h, row, RC_GENDER);
	int gender = id_ok ? (id.male ? 1 : 2) : 0;
	if (c.n) {
		bool male = false;
		char tmp[32];
		gz_err_clear(&e);
		cstr(tmp, sizeof tmp, c);
		if (c.n > 31 || person_gender_parse(tmp, &male, &e) < 0)
			problem_add(p, rn, colname(h, resident_cols, RC_GENDER),
			            "性别应为 男 或 女");
		else if (id_ok && male != id.male)
			problem_add(p, rn, colname(h, resident_cols, RC_GENDER),
			            "与身份证号不一致");
		else
			gender = male ? 1 : 2;
	}

	/* 出生日期: optional, must agree with the ID number */
	c = cell_of(h, row, RC_BIRTH);
	person_date birth = id.birth;
	bool has_birth = id_ok;
	if (c.n) {
		person_date d;
		int y, mo, da;
		gz_err_clear(&e);
		int rc;
		if (c.kind == GZ_CELL_NUMBER &&
		    gz_xlsx_serial_date(c.p, c.n, m->t->date1904, &y, &mo, &da) == 0) {
			char tmp[RESIDENT_DATE_SIZE];
			resident_date_format((person_date){y, mo, da}, tmp);
			rc = resident_date_parse(tmp, strlen(tmp), m->now, &d, &e);
		} else {
			rc = resident_date_parse(c.p, c.n, m->now, &d, &e);
		}
		if (rc < 0)
			problem_add(p, rn, colname(h, resident_cols, RC_BIRTH), "%s", e.message);
		else if (id_ok && (d.year != id.birth.year || d.month != id.birth.month ||
		                   d.day != id.birth.day))
			problem_add(p, rn, colname(h, resident_cols, RC_BIRTH),
			            "与身份证号中的出生日期不一致");
		else {
			birth = d;
			has_birth = true;
		}
	}

	/* 手机号 */
	c = cell_of(h, row, RC_PHONE);
	char phone[PERSON_PHONE_MAX] = "";
	if (c.n) {
		char tmp[64];
		gz_err_clear(&e);
		if (c.n >= sizeof tmp)
			problem_add(p, rn, colname(h, resident_cols, RC_PHONE), "号码格式不正确");
		else {
			memcpy(tmp, c.p, c.n);
			tmp[c.n] = '\0';
			if (person_phone_check(tmp, phone, NULL, &e) < 0)
				problem_add(p, rn, colname(h, resident_cols, RC_PHONE), "%s",
				            e.message);
		}
	}

	/* 网格编码, or 楼栋 + 房号 */
	cellv grid = cell_of(h, row, RC_GRID), bld = cell_of(h, row, RC_BUILDING),
	      room = cell_of(h, row, RC_ROOM), addr = cell_of(h, row, RC_ADDRESS);
	out->grid = -1;
	if (grid.n) {
		out->grid = gridset_find(&m->grids, grid.p, grid.n);
		if (out->grid < 0) {
			char code[64];
			snprintf(code, sizeof code, "%.*s", (int)(grid.n < 63 ? grid.n : 63),
			         grid.p);
			const char *why = NULL;
			if (space_code_check(code, SPACE_GRID, &why) < 0)
				problem_add(p, rn, colname(h, resident_cols, RC_GRID), "%s", why);
			else
				problem_add(p, rn, colname(h, resident_cols, RC_GRID),
				            "网格不存在或不在您的管辖范围内");
		}
	}
	if (bld.n || room.n) {
		if (!bld.n)
			problem_add(p, rn, colname(h, resident_cols, RC_BUILDING),
			            "填写了房号时楼栋不能为空");
		if (!room.n)
			problem_add(p, rn, colname(h, resident_cols, RC_ROOM),
			            "填写了楼栋时房号不能为空");
		bool numeric = bld.n > 0;
		for (size_t i = 0; i < bld.n; i++)
			numeric = numeric && bld.p[i] >= '0' && bld.p[i] <= '9';
		if (bld.n && !numeric && !grid.n)
			problem_add(p, rn, colname(h, resident_cols, RC_GRID),
			            "楼栋按名称填写时网格编码不能为空");
		if (bld.n > 200 || room.n > 64)
			problem_add(p, rn,
			            colname(h, resident_cols, bld.n > 200 ? RC_BUILDING : RC_ROOM),
			            "过长");
	} else if (!grid.n) {
		problem_add(p, rn,
		            colname(h, resident_cols, m->have_grid_col ? RC_GRID : RC_BUILDING),
		            "网格编码不能为空（或填写楼栋和房号）");
	}
	if (addr.n > 200 || (addr.n && !gz_utf8_valid(addr.p, addr.n)))
		problem_add(p, rn, colname(h, resident_cols, RC_ADDRESS), "住址不能超过 200 字节");

	/* 与户主关系 */
	c = cell_of(h, row, RC_RELATION);
	if (c.n) {
		char tmp[64];
		person_relation rel;
		gz_err_clear(&e);
		cstr(tmp, sizeof tmp, c);
		if (c.n > 63 || person_relation_parse(tmp, &rel, &e) < 0)
			problem_add(p, rn, colname(h, resident_cols, RC_RELATION), "%s",
			            e.message[0] ? e.message : "与户主关系无效");
		else
			out->relation = (uint8_t)rel;
	}

	/* 标签 */
	c = cell_of(h, row, RC_TAGS);
	const tagdef *tags[RESIDENT_TAGS_MAX];
	int ntags = 0;
	if (c.n) {
		resident_span sp[RESIDENT_TAGS_MAX];
		gz_err_clear(&e);
		int k = resident_tags_split(c.p, c.n, sp, RESIDENT_TAGS_MAX, &e);
		if (k < 0)
			problem_add(p, rn, colname(h, resident_cols, RC_TAGS), "%s", e.message);
		for (int i = 0; i < k; i++) {
			const tagdef *d = tagcat_find(&m->tags, sp[i].ptr, sp[i].len);
			if (!d) {
				problem_add(p, rn, colname(h, resident_cols, RC_TAGS),
				            "未知标签：%.*s",
				            (int)(sp[i].len > 60 ? 60 : sp[i].len), sp[i].ptr);
				continue;
			}
			bool dup = false;
			for (int j = 0; j < ntags; j++)
				dup = dup || tags[j] == d;
			if (!dup)
				tags[ntags++] = d;
		}
	}

	if (p->count != before)
		return -1;

	/* Good: text into the batch pool, seal the personal data. */
	out->name_off = batch_text(b, namec.p + ns, nl);
	out->gender = (uint8_t)gender;
	out->bld_off = batch_text(b, bld.p, bld.n);
	out->room_off = batch_text(b, room.p, room.n);
	out->addr_off = batch_text(b, addr.p, addr.n);
	out->has_id = id_ok;
	if (id_ok) {
		gz_crypto_seal(m->crypto, (const uint8_t *)id.normalised, 18, out->id_enc);
		gz_crypto_lookup(m->crypto, id.normalised, out->id_hash);
	}
	/* The birth date is stored only when no ID number carries it. */
	if (has_birth && !id_ok) {
		char d[RESIDENT_DATE_SIZE];
		resident_date_format(birth, d);
		gz_crypto_seal(m->crypto, (const uint8_t *)d, RESIDENT_DATE_SIZE - 1,
		               out->birth_enc);
		out->has_birth = 1;
	}
	if (phone[0]) {
		size_t l = strlen(phone);
		gz_crypto_seal(m->crypto, (const uint8_t *)phone, l, out->phone_enc);
		gz_crypto_lookup(m->crypto, phone, out->phone_hash);
		out->phone_len = (uint8_t)GZ_CRYPTO_SEALED_LEN(l);
	}
	char ordinary[RESIDENT_TAGS_MAX * 41] = "", sens[RESIDENT_TAGS_MAX * 43] = "[";
	size_t on = 0, sn = 1, kn = 0;
	char keys[RESIDENT_TAGS_MAX * sizeof tags[0]->key];
	for (int i = 0; i < ntags; i++) {
		const tagdef *d = tags[i];
		if (d->sensitive)
			sn += (size_t)snprintf(sens + sn, sizeof sens - sn, "%s\"%s\"",
			                       sn > 1 ? "," : "", d->code);
		else
			on += (size_t)snprintf(ordinary + on, sizeof ordinary - on, "%s%s",
			                       on ? "," : "", d->code);
		size_t kl = strlen(d->key);
		memcpy(keys + kn, d->key, kl + 1);
		kn += kl + 1;
	}
	out->tags_off = batch_text(b, ordinary, on);
	out->keys_off = batch_text(b, keys, kn ? kn - 1 : 0);
	out->nkeys = (uint8_t)ntags;
	if (sn > 1) {
		sens[sn++] = ']';
		uint8_t sealed[GZ_CRYPTO_SEALED_LEN(sizeof sens)];
		gz_crypto_seal(m->crypto, (const uint8_t *)sens, sn, sealed);
		out->sens_off = batch_text(b, (const char *)sealed, GZ_CRYPTO_SEALED_LEN(sn));
		out->sens_len = (uint16_t)GZ_CRYPTO_SEALED_LEN(sn);
	}
	return 0;
}

/* ---------------------------------------------------------------- the queue */

static batch *batch_get_free(res_imp *m)
{
	pthread_mutex_lock(&m->mu);
	batch *b = m->nfree ? m->free_list[--m->nfree] : NULL;
	pthread_mutex_unlock(&m->mu);
	if (!b)
		b = gz_calloc(1, sizeof *b);
	b->n = 0;
	b->plen = 0;
	return b;
}

static void batch_put_free(res_imp *m, batch *b)
{
	pthread_mutex_lock(&m->mu);
	if (m->nfree < sizeof m->free_list / sizeof m->free_list[0]) {
		m->free_list[m->nfree++] = b;
		b = NULL;
	}
	pthread_mutex_unlock(&m->mu);
	if (b) {
		free(b->pool);
		free(b);
	}
}

/* Producer side: hand over a full batch (waits while the queue is full). b may be NULL
 * to signal the end. */
static void queue_put(res_imp *m, batch *b)
{
	pthread_mutex_lock(&m->mu);
	if (!b) {
		m->eof = true;
	} else {
		while (m->qlen == QUEUE_LEN && !atomic_load(&m->stop))
			pthread_cond_wait(&m->can_put, &m->mu);
		m->q[(m->qhead + m->qlen) % QUEUE_LEN] = b;
		m->qlen++;
	}
	pthread_cond_signal(&m->can_get);
	pthread_mutex_unlock(&m->mu);
}

/* Consumer side: the next batch, or NULL at the end. */
static batch *queue_get(res_imp *m)
{
	pthread_mutex_lock(&m->mu);
	while (!m->qlen && !m->eof)
		pthread_cond_wait(&m->can_get, &m->mu);
	batch *b = NULL;
	if (m->qlen) {
		b = m->q[m->qhead];
		m->qhead = (m->qhead + 1) % QUEUE_LEN;
		m->qlen--;
		pthread_cond_signal(&m->can_put);
	}
	pthread_mutex_unlock(&m->mu);
	return b;
}

/* Orders a full batch by grid (stable), then hands out its ids and collects its keys.
 * Rows of one grid go into the (grid_code, id) index at the end of that grid's range;
 * a file that interleaves grids row by row would otherwise move between several
 * insertion points at every row (each split there is a full rebalance in SQLite), where
 * runs of rows of one grid fill the same leaf pages one after another. Rows placed by a
 * building (grid known only to the consumer) sort first, as one group. */
static void batch_ready(res_imp *m, batch *b)
{
	size_t ng = m->grids.n + 1;
	if (ng > 1 && b->n > 1) {
		/* Counting sort through a buffer kept for the whole import (a fresh 1 MB
		 * allocation per batch would be fresh pages to fault in each time). */
		if (!m->sort_buf)
			m->sort_buf = gz_malloc(BATCH_ROWS * sizeof *m->sort_buf);
		uint32_t *count = gz_calloc(ng + 1, sizeof *count);
		for (size_t i = 0; i < b->n; i++)
			count[b->rows[i].grid + 2]++;
		for (size_t g = 1; g <= ng; g++)
			count[g] += count[g - 1];
		for (size_t i = 0; i < b->n; i++)
			m->sort_buf[count[b->rows[i].grid + 1]++] = b->rows[i];
		memcpy(b->rows, m->sort_buf, b->n * sizeof *m->sort_buf);
		free(count);
	}
	if (!m->next_id)
		return;
	for (size_t i = 0; i < b->n; i++) {
		const res_row *x = &b->rows[i];
		int64_t id = m->next_id++;
		if (x->has_id)
			hkeys_add(&m->ids, x->id_hash, id, x->row);
		if (x->phone_len)
			hkeys_add(&m->phones, x->phone_hash, id, x->row);
	}
}

static void *producer(void *arg)
{
	res_imp *m = arg;
	batch *b = batch_get_free(m);
	gz_row row;
	gz_err e;
	int rc;
	gz_err_clear(&e);
	while (!atomic_load(&m->stop) && (rc = gz_table_next(m->t, &row, &e)) == 1) {
		if (gz_row_blank(&row))
			continue;
		m->rows++;
		size_t before = m->pp.count;
		if (resident_row(m, &row, b, &b->rows[b->n]) == 0)
			b->n++;
		if (m->pp.count != before)
			atomic_fetch_add(&m->problem_count, m->pp.count - before);
		if (b->n == BATCH_ROWS) {
			batch_ready(m, b);
			queue_put(m, b);
			b = batch_get_free(m);
		}
	}
	if (!atomic_load(&m->stop) && rc < 0) {
		file_problem(&m->pp, &m->h, &e);
		m->file_error = true;
		atomic_fetch_add(&m->problem_count, 1);
	}
	if (b->n) {
		batch_ready(m, b);
		queue_put(m, b);
	} else {
		batch_put_free(m, b);
	}
	queue_put(m, NULL);
	/* The consumer is still writing rows: sort the keys meanwhile. */
	if (m->next_id && !atomic_load(&m->stop)) {
		hkeys_sort(&m->ids);
		hkeys_sort(&m->phones);
		m->keys_sorted = true;
	}
	return NULL;
}

/* ================================================================ consumer: places */

/* A small string -> int64 map for the consumer's caches (buildings, units,
 * households). */
typedef struct {
	struct kv {
		char *k;
		int64_t v;
	} * v;
	size_t cap, n;
} smap;

static size_t str_hash(const char *s)
{
	uint64_t h = UINT64_C(1469598103934665603);
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
	return (size_t)h;
}

static bool smap_get(const smap *m, const char *k, int64_t *v)
{
	if (!m->cap)
		return false;
	size_t i = str_hash(k) & (m->cap - 1);
	while (m->v[i].k) {
		if (!strcmp(m->v[i].k, k)) {
			*v = m->v[i].v;
			return true;
		}
		i = (i + 1) & (m->cap - 1);
	}
	return false;
}

static void smap_put(smap *m, const char *k, int64_t v)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		struct kv *nv = gz_calloc(cap, sizeof *nv);
		for (size_t i = 0; i < m->cap; i++)
			if (m->v[i].k) {
				size_t j = str_hash(m->v[i].k) & (cap - 1);
				while (nv[j].k)
					j = (j + 1) & (cap - 1);
				nv[j] = m->v[i];
			}
		free(m->v);
		m->v = nv;
		m->cap = cap;
	}
	size_t i = str_hash(k) & (m->cap - 1);
	while (m->v[i].k) {
		if (!strcmp(m->v[i].k, k)) {
			m->v[i].v = v;
			return;
		}
		i = (i + 1) & (m->cap - 1);
	}
	m->v[i].k = gz_strdup(k);
	m->v[i].v = v;
	m->n++;
}

static void smap_free(smap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->v[i].k);
	free(m->v);
	memset(m, 0, sizeof *m);
}

/* What the consumer knows about places, shared by both imports. */
typedef struct {
	gz_db *db;
	const gridset *grids;
	smap buildings;  /* "grid|name" or "#id" -> building id (-1 missing); grid in bgrid */
	smap bgrid;      /* "#id" -> grid index (-1: outside the caller's grids) */
	smap units;      /* "building|room" -> unit id (-1 missing) */
	smap households; /* "u:unit" or "a:grid|address" -> household id (< 0: would be created) */
	int64_t fake;    /* ids handed out in look-up mode */
	size_t households_created;
} places;

static void places_free(places *pl)
{
	smap_free(&pl->buildings);
	smap_free(&pl->bgrid);
	smap_free(&pl->units);
	smap_free(&pl->households);
}

/* The building named by a cell: its id (digits) — anywhere in the caller's grids — or its
 * name within grid (index, -1 when the row gave none). Returns 1 found (with *id, *grid
 * set to its grid index), 0 not found or not in the caller's grids, -1 db error. */
static int building_find(places *pl, const char *cell, int grid, int64_t *id, int *bgrid_out,
                         gz_err *err)
{
	bool numeric = *cell != '\0';
	for (const char *s = cell; *s; s++)
		numeric = numeric && *s >= '0' && *s <= '9';
	char key[300];
	if (numeric && strlen(cell) <= 18)
		snprintf(key, sizeof key, "#%s", cell);
	else if (grid >= 0)
		snprintf(key, sizeof key, "%s|%s", pl->grids->codes[grid], cell);
	else
		return 0;
	int64_t v, g;
	if (!smap_get(&pl->buildings, key, &v)) {
		gz_stmt *st;
		if (key[0] == '#') {
			st = gz_db_prepare(
			    pl->db, "SELECT id, grid_code FROM buildings WHERE id = $1", err);
			if (!st)
				return -1;
			gz_stmt_bind_int64(st, 1, strtoll(cell, NULL, 10));
		} else {
			st = gz_db_prepare(
			    pl->db,
			    "SELECT id, grid_code FROM buildings WHERE grid_code = $1 AND "
			    "name = $2 ORDER BY id LIMIT 1",
			    err);
			if (!st)
				return -1;
			gz_stmt_bind_str(st, 1, pl->grids->codes[grid]);
			gz_stmt_bind_str(st, 2, cell);
		}
		int rc = gz_stmt_step(st, err);
		v = -1;
		g = -1;
		if (rc == GZ_ROW) {
			const char *gc = gz_stmt_text(st, 1);
			g = gridset_find(pl->grids, gc, strlen(gc));
			if (g >= 0)
				v = gz_stmt_int64(st, 0);
		}
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
		smap_put(&pl->buildings, key, v);
		snprintf(key, sizeof key, "#%lld", (long long)v);
		smap_put(&pl->bgrid, key, g);
	}
	if (v < 0)
		return 0;
	snprintf(key, sizeof key, "#%lld", (long long)v);
	if (!smap_get(&pl->bgrid, key, &g))
		g = -1;
	*id = v;
	*bgrid_out = (int)g;
	return 1;
}

/* The unit (building, room): 1 with *id, 0 when there is none, -1 db error. */
static int unit_find(places *pl, int64_t building, const char *room, int64_t *id, gz_err *err)
{
	char key[300];
	snprintf(key, sizeof key, "%lld|%s", (long long)building, room);
	int64_t v;
	if (!smap_get(&pl->units, key, &v)) {
		gz_stmt *st = gz_db_prepare(
		    pl->db, "SELECT id FROM units WHERE building_id = $1 AND number = $2", err);
		if (!st)
			return -1;
		gz_stmt_bind_int64(st, 1, building);
		gz_stmt_bind_str(st, 2, room);
		int rc = gz_stmt_step(st, err);
		v = rc == GZ_ROW ? gz_stmt_int64(st, 0) : -1;
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
		smap_put(&pl->units, key, v);
	}
	if (v < 0)
		return 0;
	*id = v;
	return 1;
}

/* The household of a unit (its first) or of an address within a grid, created when
 * missing (in look-up mode only counted). Returns 0 with *id, -1 db error. */
static int household_for(places *pl, int64_t unit, const char *grid, const char *address,
                         bool write, int64_t now, int64_t *id, gz_err *err)
{
	char key[300];
	if (unit > 0)
		snprintf(key, sizeof key, "u:%lld", (long long)unit);
	else
		snprintf(key, sizeof key, "a:%s|%s", grid, address);
	int64_t v;
	if (smap_get(&pl->households, key, &v)) {
		*id = v;
		return 0;
	}
	gz_stmt *st =
	    unit > 0
	        ? gz_db_prepare(pl->db,
	                        "SELECT id FROM households WHERE unit_id = $1 ORDER BY id LIMIT 1",
	                        err)
	        : gz_db_prepare(pl->db,
	                        "SELECT id FROM households WHERE grid_code = $1 AND address = $2 "
	                        "AND unit_id IS NULL ORDER BY id LIMIT 1",
	                        err);
	if (!st)
		return -1;
	if (unit > 0)
		gz_stmt_bind_int64(st, 1, unit);
	else {
		gz_stmt_bind_str(st, 1, grid);
		gz_stmt_bind_str(st, 2, address);
	}
	int rc = gz_stmt_step(st, err);
	v = rc == GZ_ROW ? gz_stmt_int64(st, 0) : 0;
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	if (!v) {
		pl->households_created++;
		if (!write) {
			v = --pl->fake;
		} else {
			st = gz_db_prepare(
			    pl->db,
			    "INSERT INTO households (unit_id, grid_code, address, created_at, "
			    "updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id",
			    err);
			if (!st)
				return -1;
			if (unit > 0)
				gz_stmt_bind_int64(st, 1, unit);
			else
				gz_stmt_bind_null(st, 1);
			gz_stmt_bind_str(st, 2, grid);
			gz_stmt_bind_str(st, 3, address);
			gz_stmt_bind_int64(st, 4, now);
			rc = gz_stmt_step(st, err);
			v = rc == GZ_ROW ? gz_stmt_int64(st, 0) : 0;
			gz_stmt_finish(st);
			if (rc != GZ_ROW) {
				if (rc >= 0)
					gz_err_set(err, GZ_EINTERNAL, "internal", "新建户读不到");
				return -1;
			}
		}
	}
	smap_put(&pl->households, key, v);
	*id = v;
	return 0;
}

/* ================================================================ audit, counts */

/* The smallest node holding every grid the actor may import into: where the audit rows
 * of its import lookups lie, so the administrators above it read them. */
static void caller_scope(const gz_actor *a, char *out, size_t cap)
{
	const char *sc[GZ_AUTH_MAX_GRANTS];
	gz_err e;
	gz_err_clear(&e);
	int n = gz_actor_scopes(a, ACT_WRITE, RES_RESIDENT, sc, GZ_AUTH_MAX_GRANTS, &e);
	snprintf(out, cap, "%s", n > 0 ? sc[0] : "");
	for (int i = 1; i < n; i++) {
		char tmp[SPACE_CODE_SIZE];
		policy_scope_common(out, sc[i], tmp, sizeof tmp);
		snprintf(out, cap, "%s", tmp);
	}
}

/* The audit of an import's comparison against the register (HTTP only; the command
 * line has the database itself): "<kind>.import.lookup" with how many values were
 * compared, and, when some matched residents the actor cannot read,
 * "<kind>.import.hidden_duplicates" with their count — never a value. In the caller's
 * open transaction. */
static int lookup_audit(gz_db *db, const gz_actor *a, const char *kind, bool dry_run, size_t rows,
                        size_t compared, size_t matched, size_t hidden, gz_err *err)
{
	char action[64], scope[SPACE_CODE_SIZE];
	caller_scope(a, scope, sizeof scope);
	snprintf(action, sizeof action, "%s.import.lookup", kind);
	json_t *d = json_pack("{s:b,s:I,s:I,s:I,s:I}", "dry_run", dry_run, "rows", (json_int_t)rows,
	                      "compared", (json_int_t)compared, "matched", (json_int_t)matched,
	                      "hidden", (json_int_t)hidden);
	int rc = gz_audit(a, db, action, kind, "", scope, d, err);
	json_decref(d);
	if (rc < 0 || !hidden)
		return rc;
	snprintf(action, sizeof action, "%s.import.hidden_duplicates", kind);
	d = json_pack("{s:I}", "count", (json_int_t)hidden);
	rc = gz_audit(a, db, action, kind, "", scope, d, err);
	json_decref(d);
	return rc;
}

/* The smallest scope holding every grid written: the common node of the smallest and
 * the largest code (codes sort as paths). */
typedef struct {
	char lo[SPACE_CODE_SIZE], hi[SPACE_CODE_SIZE];
} span;

static void span_add(span *s, const char *code)
{
	if (!s->lo[0] || strcmp(code, s->lo) < 0)
		snprintf(s->lo, sizeof s->lo, "%s", code);
	if (!s->hi[0] || strcmp(code, s->hi) > 0)
		snprintf(s->hi, sizeof s->hi, "%s", code);
}

static void span_scope(const span *s, char *out, size_t cap)
{
	policy_scope_common(s->lo, s->hi, out, cap);
}

/* SQLite: a larger page cache for the import's random index writes; restored after. */
static void cache_big(gz_db *db, bool on)
{
	if (gz_db_driver(db) != GZ_DB_SQLITE)
		return;
	gz_err ignored;
	gz_err_clear(&ignored);
	gz_db_exec(db, on ? "PRAGMA cache_size = -65536" : "PRAGMA cache_size = -2000", &ignored);
}

/* ================================================================ residents */

/* Statements. SQLite: ids are given (the import holds the write lock from BEGIN
 * IMMEDIATE, so MAX(id) + 1 ... are free), which spares RETURNING's per-row temporary
 * result, and rows go in RES_MULTI at a time; lookup keys KEY_MULTI at a time. All
 * are bounded by GZ_DB_MAX_PARAMS per statement (the unit test checks). Fewer, larger
 * statements are most of the import's speed. PostgreSQL: the identity
 * column hands ids out, one row per statement with RETURNING.
 *
 * The multi-row texts are built once and never freed: the statement cache knows a
 * statement by the address of its text. */
#define RES_MULTI  16
#define RES_PARAMS 13
/* Rows without household, birth date or sensitive tags (most rows of a register): those
 * columns are NULL in the statement text, so 9 parameters a row, 32 rows (+ the time). */
#define PLAIN_MULTI  32
#define PLAIN_PARAMS 9
#define KEY_MULTI    128

#define RES_INSERT_COLS                                                                            \
	"household_id, grid_code, name, gender, relation, birth_date_enc, phone_enc, phone_hash, " \
	"id_number_enc, sensitive_tags_enc, tags, created_at, updated_at"
static const char *sql_res_insert_id =
    "INSERT INTO residents (" RES_INSERT_COLS ", id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
    "$9, $10, $11, $12, $12, $13)";
static const char *sql_res_insert_ret =
    "INSERT INTO residents (" RES_INSERT_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
    "$10, $11, $12, $12) RETURNING id";
static const char *sql_tag_insert =
    "INSERT INTO resident_tags (resident_id, tag_key, grid_code) VALUES ($1, $2, $3)";
static const char *sql_idkey_insert =
    "INSERT INTO resident_id_keys (id_key, resident_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
/* The holder of an ID key and its grid (NULL when the resident is gone): whether the
 * caller may be told which row matched depends on whether it reads that grid. */
static const char *sql_idkey_exists =
    "SELECT k.resident_id, r.grid_code FROM resident_id_keys k LEFT JOIN residents r ON r.id = "
    "k.resident_id AND r.deleted_at IS NULL WHERE k.id_key = $1";
static const char *sql_phonekey_insert =
    "INSERT INTO resident_phone_keys (phone_key, resident_id) VALUES ($1, $2)";

static char sql_res_multi[8192], sql_res_plain[8192], sql_idkey_multi[8192], sql_idkey_in[4608],
    sql_phonekey_multi[8192];
static pthread_once_t sql_once = PTHREAD_ONCE_INIT;

static size_t values_list(char *out, size_t cap, int rows, int per_row, const char *last_dup)
{
	size_t n = 0;
	for (int r = 0; r < rows; r++) {
		n += (size_t)snprintf(out + n, cap - n, "%s(", r ? ", " : "");
		for (int k = 1; k <= per_row; k++) {
			n += (size_t)snprintf(out + n, cap - n, "%s$%d", k > 1 ? ", " : "",
			                      r * per_row + k);
			if (last_dup && k == 12) /* created_at, updated_at: the same value */
				n += (size_t)snprintf(out + n, cap - n, ", $%d", r * per_row + k);
		}
		n += (size_t)snprintf(out + n, cap - n, ")");
	}
	return n;
}

static void sql_build(void)
{
	size_t n = (size_t)snprintf(sql_res_multi, sizeof sql_res_multi,
	                            "INSERT INTO residents (" RES_INSERT_COLS ", id) VALUES ");
	values_list(sql_res_multi + n, sizeof sql_res_multi - n, RES_MULTI, RES_PARAMS, "dup");
	n = (size_t)snprintf(sql_res_plain, sizeof sql_res_plain,
	                     "INSERT INTO residents (grid_code, name, gender, relation, phone_enc, "
	                     "phone_hash, id_number_enc, tags, id, household_id, birth_date_enc, "
	                     "sensitive_tags_enc, created_at, updated_at) VALUES ");
	for (int r = 0; r < PLAIN_MULTI; r++) {
		int b = 1 + r * PLAIN_PARAMS;
		n += (size_t)snprintf(
		    sql_res_plain + n, sizeof sql_res_plain - n,
		    "%s($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, NULL, NULL, NULL, "
		    "$1, $1)",
		    r ? ", " : "", b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9);
	}
	n = (size_t)snprintf(sql_idkey_multi, sizeof sql_idkey_multi,
	                     "INSERT INTO resident_id_keys (id_key, resident_id) VALUES ");
	n += values_list(sql_idkey_multi + n, sizeof sql_idkey_multi - n, KEY_MULTI, 2, NULL);
	snprintf(sql_idkey_multi + n, sizeof sql_idkey_multi - n, " ON CONFLICT DO NOTHING");
	n = (size_t)snprintf(sql_phonekey_multi, sizeof sql_phonekey_multi,
	                     "INSERT INTO resident_phone_keys (phone_key, resident_id) VALUES ");
	values_list(sql_phonekey_multi + n, sizeof sql_phonekey_multi - n, KEY_MULTI, 2, NULL);
	n = (size_t)snprintf(sql_idkey_in, sizeof sql_idkey_in,
	                     "SELECT k.id_key, r.grid_code FROM resident_id_keys k LEFT JOIN "
	                     "residents r ON r.id = k.resident_id AND r.deleted_at IS NULL WHERE "
	                     "k.id_key IN (");
	for (int k = 1; k <= KEY_MULTI; k++)
		n += (size_t)snprintf(sql_idkey_in + n, sizeof sql_idkey_in - n, "%s$%d",
		                      k > 1 ? ", " : "", k);
	snprintf(sql_idkey_in + n, sizeof sql_idkey_in - n, ")");
}

/* A checked row waiting for its multi-row INSERT (SQLite). */
typedef struct {
	const batch *b;
	const res_row *x;
	int64_t id, household;
	const char *grid;
} pending;

typedef struct {
	res_imp *m;
	places pl;
	problems cp; /* the consumer's problems */
	bool write;  /* inserting (no problem so far, not a dry run) */
	bool dry_run;
	bool given_ids; /* SQLite: ids assigned here from next_id */
	int64_t next_id;
	int64_t created;
	pending pend[RES_MULTI], plain[PLAIN_MULTI];
	int npend, nplain;
	hkeys ids, phones;
	span sp;
	/* Duplicates against the register. Only those held by residents the caller reads
	 * are problems of their rows; the others are counted (hidden) and reported as one
	 * count, so the report never says which rows matched someone out of scope. */
	const char *rscopes[GZ_AUTH_MAX_GRANTS];
	int nrscopes;
	size_t compared, matched, hidden;
} consumer;

/* May the caller read residents of grid (NULL: a key whose resident is gone)? */
static bool grid_readable(const consumer *c, const char *grid)
{
	if (!grid)
		return false;
	for (int i = 0; i < c->nrscopes; i++)
		if (policy_scope_contains(c->rscopes[i], grid))
			return true;
	return false;
}

/* An ID number of row already held by a resident in grid. */
static void duplicate_found(consumer *c, size_t row, const char *grid)
{
	if (grid_readable(c, grid)) {
		problem_add(&c->cp, row, colname(&c->m->h, resident_cols, RC_ID), "%s",
		            "与已登记的居民身份证号重复");
		c->matched++;
	} else {
		c->hidden++;
	}
	atomic_fetch_add(&c->m->problem_count, 1);
	c->write = false;
}

static void consumer_problem(consumer *c, size_t row, int col, const char *fmt, const char *arg)
{
	problem_add(&c->cp, row, colname(&c->m->h, resident_cols, col), fmt, arg);
	atomic_fetch_add(&c->m->problem_count, 1);
	c->write = false;
}

/* Binds row p's values as parameters base+1 .. base+13 (the last: its id, when given). */
static void bind_row(gz_stmt *st, int base, const pending *p, int64_t now)
{
	const res_row *x = p->x;
	const char *pool = p->b->pool;
	if (p->household > 0)
		gz_stmt_bind_int64(st, base + 1, p->household);
	else
		gz_stmt_bind_null(st, base + 1);
	gz_stmt_bind_text(st, base + 2, p->grid, SPACE_GRID);
	gz_stmt_bind_str(st, base + 3, pool + x->name_off);
	gz_stmt_bind_str(st, base + 4, gender_text[x->gender]);
	gz_stmt_bind_str(st, base + 5,
	                 x->relation ? person_relation_label((person_relation)x->relation) : "");
	if (x->has_birth)
		gz_stmt_bind_blob(st, base + 6, x->birth_enc, sizeof x->birth_enc);
	else
		gz_stmt_bind_null(st, base + 6);
	if (x->phone_len) {
		gz_stmt_bind_blob(st, base + 7, x->phone_enc, x->phone_len);
		gz_stmt_bind_blob(st, base + 8, x->phone_hash, sizeof x->phone_hash);
	} else {
		gz_stmt_bind_null(st, base + 7);
		gz_stmt_bind_null(st, base + 8);
	}
	if (x->has_id)
		gz_stmt_bind_blob(st, base + 9, x->id_enc, sizeof x->id_enc);
	else
		gz_stmt_bind_null(st, base + 9);
	if (x->sens_len)
		gz_stmt_bind_blob(st, base + 10, pool + x->sens_off, x->sens_len);
	else
		gz_stmt_bind_null(st, base + 10);
	gz_stmt_bind_str(st, base + 11, pool + x->tags_off);
	gz_stmt_bind_int64(st, base + 12, now);
	if (p->id)
		gz_stmt_bind_int64(st, base + 13, p->id);
}

/* After its row is in: the row's tags and lookup keys. */
static int row_done(consumer *c, const pending *p, gz_err *err)
{
	const res_row *x = p->x;
	c->created++;
	span_add(&c->sp, p->grid);
	if (!c->given_ids) {
		if (x->has_id)
			hkeys_add(&c->ids, x->id_hash, p->id, x->row);
		if (x->phone_len)
			hkeys_add(&c->phones, x->phone_hash, p->id, x->row);
	}
	const char *k = p->b->pool + x->keys_off;
	for (int i = 0; i < x->nkeys; i++) {
		gz_stmt *st = gz_db_prepare(c->pl.db, sql_tag_insert, err);
		if (!st)
			return -1;
		gz_stmt_bind_int64(st, 1, p->id);
		gz_stmt_bind_str(st, 2, k);
		gz_stmt_bind_text(st, 3, p->grid, SPACE_GRID);
		int rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
		k += strlen(k) + 1;
	}
	return 0;
}

/* Writes the pending rows: RES_MULTI in one statement, fewer one by one. */
static int flush_rows(consumer *c, gz_err *err)
{
	int n = c->npend;
	c->npend = 0;
	if (!n)
		return 0;
	int64_t now = c->m->now;
	if (n == RES_MULTI) {
		gz_stmt *st = gz_db_prepare(c->pl.db, sql_res_multi, err);
		if (!st)
			return -1;
		for (int i = 0; i < n; i++)
			bind_row(st, i * RES_PARAMS, &c->pend[i], now);
		int rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	} else {
		for (int i = 0; i < n; i++) {
			gz_stmt *st = gz_db_prepare(c->pl.db, sql_res_insert_id, err);
			if (!st)
				return -1;
			bind_row(st, 0, &c->pend[i], now);
			int rc = gz_stmt_step(st, err);
			gz_stmt_finish(st);
			if (rc < 0)
				return -1;
		}
	}
	for (int i = 0; i < n; i++)
		if (row_done(c, &c->pend[i], err) < 0)
			return -1;
	return 0;
}

/* Writes the pending plain rows: PLAIN_MULTI in one statement, fewer through
 * flush_rows' statements. */
static int flush_plain(consumer *c, gz_err *err)
{
	int n = c->nplain;
	c->nplain = 0;
	if (n < PLAIN_MULTI) {
		for (int i = 0; i < n; i++) {
			c->pend[c->npend++] = c->plain[i];
			if (c->npend == RES_MULTI && flush_rows(c, err) < 0)
				return -1;
		}
		return 0;
	}
	gz_stmt *st = gz_db_prepare(c->pl.db, sql_res_plain, err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, c->m->now);
	for (int i = 0; i < n; i++) {
		const pending *p = &c->plain[i];
		const res_row *x = p->x;
		const char *pool = p->b->pool;
		int b = 1 + i * PLAIN_PARAMS;
		gz_stmt_bind_text(st, b + 1, p->grid, SPACE_GRID);
		gz_stmt_bind_str(st, b + 2, pool + x->name_off);
		gz_stmt_bind_str(st, b + 3, gender_text[x->gender]);
		gz_stmt_bind_str(st, b + 4,
		                 x->relation ? person_relation_label((person_relation)x->relation)
		                             : "");
		if (x->phone_len) {
			gz_stmt_bind_blob(st, b + 5, x->phone_enc, x->phone_len);
			gz_stmt_bind_blob(st, b + 6, x->phone_hash, sizeof x->phone_hash);
		} else {
			gz_stmt_bind_null(st, b + 5);
			gz_stmt_bind_null(st, b + 6);
		}
		if (x->has_id)
			gz_stmt_bind_blob(st, b + 7, x->id_enc, sizeof x->id_enc);
		else
			gz_stmt_bind_null(st, b + 7);
		gz_stmt_bind_str(st, b + 8, pool + x->tags_off);
		gz_stmt_bind_int64(st, b + 9, p->id);
	}
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (row_done(c, &c->plain[i], err) < 0)
			return -1;
	return 0;
}

/* One checked row into the database (or, in look-up mode, only checked against it).
 * Returns 0, or -1 with err on a database error. */
static int consume_row(consumer *c, const batch *b, const res_row *x, gz_err *err)
{
	res_imp *m = c->m;
	const char *pool = b->pool;
	int grid = x->grid;
	int64_t household = 0, unit = 0;
	const char *bld = pool + x->bld_off, *room = pool + x->room_off, *addr = pool + x->addr_off;
	if (c->write && atomic_load_explicit(&m->problem_count, memory_order_relaxed))
		c->write = false;

	if (*bld) {
		int64_t building;
		int bgrid;
		int rc = building_find(&c->pl, bld, grid, &building, &bgrid, err);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			consumer_problem(c, x->row, RC_BUILDING,
			                 "楼栋不存在或不在您的管辖范围内：%s", bld);
			return 0;
		}
		if (grid >= 0 && bgrid != grid) {
			consumer_problem(c, x->row, RC_BUILDING, "楼栋 %s 不在所填网格内", bld);
			return 0;
		}
		grid = bgrid;
		rc = unit_find(&c->pl, building, room, &unit, err);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			consumer_problem(c, x->row, RC_ROOM, "房屋不存在：%s（请先导入房屋）",
			                 room);
			return 0;
		}
	}
	const char *code = m->grids.codes[grid];
	if (unit || *addr) {
		if (household_for(&c->pl, unit, code, addr, c->write, m->now, &household, err) < 0)
			return -1;
	}

	if (!c->write) {
		/* Look-up mode: only the duplicate check at the end needs this row. */
		if (x->has_id && !c->given_ids)
			hkeys_add(&c->ids, x->id_hash, 0, x->row);
		c->created++;
		return 0;
	}
	pending p = {b, x, 0, household, code};
	if (c->given_ids) {
		p.id = c->next_id++;
		if (household <= 0 && !x->has_birth && !x->sens_len) {
			c->plain[c->nplain++] = p;
			return c->nplain == PLAIN_MULTI ? flush_plain(c, err) : 0;
		}
		c->pend[c->npend++] = p;
		return c->npend == RES_MULTI ? flush_rows(c, err) : 0;
	}
	gz_stmt *st = gz_db_prepare(c->pl.db, sql_res_insert_ret, err);
	if (!st)
		return -1;
	bind_row(st, 0, &p, m->now);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW)
		p.id = gz_stmt_int64(st, 0);
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	if (!p.id)
		return gz_err_set(err, GZ_EINTERNAL, "internal", "新建居民读不到");
	return row_done(c, &p, err);
}

/* The grid of the resident holding ID key h into grid ("" when none). 0 or -1. */
static int holder_grid(consumer *c, const uint8_t *h, char *grid, size_t cap, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(c->pl.db, sql_idkey_exists, err);
	if (!st)
		return -1;
	gz_stmt_bind_blob(st, 1, h, GZ_PEOPLE_KEY_BYTES);
	int rc = gz_stmt_step(st, err);
	grid[0] = '\0';
	if (rc == GZ_ROW && !gz_stmt_isnull(st, 1))
		snprintf(grid, cap, "%s", gz_stmt_text(st, 1));
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* The ID keys of chunk[0..n) (unique, sorted): written (KEY_MULTI per statement; a
 * statement that changes fewer rows than it has is looked at key by key) or, in look-up
 * mode, looked up. Every key already held by a resident is a problem of its row. */
static int flush_idkeys(consumer *c, hkey *const *chunk, int n, gz_err *err)
{
	bool write = c->write;
	bool suspect[KEY_MULTI] = {false};
	c->compared += (size_t)n;
	if (n == KEY_MULTI) {
		gz_stmt *st = gz_db_prepare(c->pl.db, write ? sql_idkey_multi : sql_idkey_in, err);
		if (!st)
			return -1;
		for (int i = 0; i < n; i++) {
			if (write) {
				gz_stmt_bind_blob(st, 2 * i + 1, chunk[i]->h, GZ_PEOPLE_KEY_BYTES);
				gz_stmt_bind_int64(st, 2 * i + 2, chunk[i]->resident);
			} else {
				gz_stmt_bind_blob(st, i + 1, chunk[i]->h, GZ_PEOPLE_KEY_BYTES);
			}
		}
		int rc;
		if (write) {
			rc = gz_stmt_step(st, err);
			int64_t changed = rc >= 0 ? gz_stmt_changes(st) : 0;
			for (int i = 0; i < n && changed < n; i++)
				suspect[i] = true;
		} else {
			while ((rc = gz_stmt_step(st, err)) == GZ_ROW)
				for (int i = 0; i < n; i++)
					if (gz_stmt_len(st, 0) == GZ_PEOPLE_KEY_BYTES &&
					    !memcmp(gz_stmt_blob(st, 0), chunk[i]->h,
					            GZ_PEOPLE_KEY_BYTES))
						duplicate_found(c, chunk[i]->row,
						                gz_stmt_isnull(st, 1)
						                    ? NULL
						                    : gz_stmt_text(st, 1));
		}
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
		if (!write)
			return 0;
	} else {
		for (int i = 0; i < n; i++)
			suspect[i] = true;
	}
	/* One by one: the tail, and a chunk that hit an existing key. */
	for (int i = 0; i < n; i++) {
		if (!suspect[i])
			continue;
		bool ins = write && n != KEY_MULTI;
		gz_stmt *st =
		    gz_db_prepare(c->pl.db, ins ? sql_idkey_insert : sql_idkey_exists, err);
		if (!st)
			return -1;
		gz_stmt_bind_blob(st, 1, chunk[i]->h, GZ_PEOPLE_KEY_BYTES);
		if (ins)
			gz_stmt_bind_int64(st, 2, chunk[i]->resident);
		int rc = gz_stmt_step(st, err);
		/* A chunk's keys are in by now: a key is someone else's if it points elsewhere. */
		bool dup =
		    ins ? rc == GZ_DONE && gz_stmt_changes(st) == 0
		        : rc == GZ_ROW && (!write || gz_stmt_int64(st, 0) != chunk[i]->resident);
		char grid[SPACE_CODE_SIZE] = "";
		if (dup && !ins && !gz_stmt_isnull(st, 1))
			snprintf(grid, sizeof grid, "%s", gz_stmt_text(st, 1));
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
		if (dup && ins && holder_grid(c, chunk[i]->h, grid, sizeof grid, err) < 0)
			return -1;
		if (dup)
			duplicate_found(c, chunk[i]->row, grid[0] ? grid : NULL);
	}
	return 0;
}

/* After the last row: duplicate ID numbers within the file (neighbours once sorted) and
 * against the database, then the phone keys. Returns 0, or -1 with err. */
static int finish_keys(consumer *c, gz_err *err)
{
	if (flush_plain(c, err) < 0 || flush_rows(c, err) < 0)
		return -1;
	if (c->given_ids) {
		/* The producer's keys (already sorted), now ours. */
		hkeys_free(&c->ids);
		hkeys_free(&c->phones);
		c->ids = c->m->ids;
		c->phones = c->m->phones;
		memset(&c->m->ids, 0, sizeof c->m->ids);
		memset(&c->m->phones, 0, sizeof c->m->phones);
		if (!c->m->keys_sorted) {
			hkeys_sort(&c->ids);
			hkeys_sort(&c->phones);
		}
	} else {
		hkeys_sort(&c->ids);
		hkeys_sort(&c->phones);
	}
	hkey *chunk[KEY_MULTI];
	int n = 0;
	size_t first = 0;
	for (size_t i = 0; i < c->ids.n; i++) {
		hkey *k = &c->ids.v[i];
		if (i && !memcmp(k->h, c->ids.v[i - 1].h, GZ_PEOPLE_KEY_BYTES)) {
			char msg[24];
			snprintf(msg, sizeof msg, "%u", c->ids.v[first].row);
			consumer_problem(c, k->row, RC_ID, "与第 %s 行的身份证号重复", msg);
			continue;
		}
		first = i;
		chunk[n++] = k;
		if (n == KEY_MULTI) {
			if (flush_idkeys(c, chunk, n, err) < 0)
				return -1;
			n = 0;
		}
	}
	if (n && flush_idkeys(c, chunk, n, err) < 0)
		return -1;
	if (!c->write)
		return 0;
	size_t i = 0;
	for (; i + KEY_MULTI <= c->phones.n; i += KEY_MULTI) {
		gz_stmt *st = gz_db_prepare(c->pl.db, sql_phonekey_multi, err);
		if (!st)
			return -1;
		for (int k = 0; k < KEY_MULTI; k++) {
			gz_stmt_bind_blob(st, 2 * k + 1, c->phones.v[i + k].h, GZ_PEOPLE_KEY_BYTES);
			gz_stmt_bind_int64(st, 2 * k + 2, c->phones.v[i + k].resident);
		}
		int rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	}
	for (; i < c->phones.n; i++) {
		gz_stmt *st = gz_db_prepare(c->pl.db, sql_phonekey_insert, err);
		if (!st)
			return -1;
		gz_stmt_bind_blob(st, 1, c->phones.v[i].h, GZ_PEOPLE_KEY_BYTES);
		gz_stmt_bind_int64(st, 2, c->phones.v[i].resident);
		int rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* The report of a residents import (gz_people_import()): built before the COMMIT of a
 * write, which commits it as the answer (gz_api_commit()), else once everything is read. */
static json_t *residents_report(res_imp *m, consumer *c, bool dry_run, bool xlsx)
{
	size_t total;
	problems lists[2] = {m->pp, c->cp};
	json_t *errors = problems_json(lists, 2, GZ_PEOPLE_IMPORT_MAX_ERRORS_REPORT, &total);
	bool ok = total == 0;
	json_t *report = json_pack(
	    "{s:b,s:b,s:s,s:s,s:I,s:I,s:I,s:o,s:I,s:b}", "ok", ok, "dry_run", dry_run, "kind",
	    "residents", "format", xlsx ? "xlsx" : "csv", "rows", (json_int_t)m->rows, "created",
	    (json_int_t)(ok ? c->created : 0), "households_created",
	    (json_int_t)(ok ? (json_int_t)c->pl.households_created : 0), "errors", errors,
	    "error_count", (json_int_t)total, "errors_truncated", total > json_array_size(errors));
	json_object_set_new(report, "hidden_duplicates", json_integer((json_int_t)c->hidden));
	return report;
}

static int import_residents(gz_db *db, const gz_actor *a, const char *buf, size_t len, bool dry_run,
                            json_t **report, gz_err *err)
{
	pthread_once(&sql_once, sql_build);
	res_imp *m = gz_calloc(1, sizeof *m);
	consumer c = {.m = m, .dry_run = dry_run};
	c.pl.db = db;
	c.cp.keep = GZ_PEOPLE_IMPORT_MAX_ERRORS_REPORT;
	m->pp.keep = GZ_PEOPLE_IMPORT_MAX_ERRORS_REPORT;
	m->crypto = gz_crypto_global();
	m->now = gz_time_now_ms();
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->can_put, NULL);
	pthread_cond_init(&m->can_get, NULL);
	c.pl.grids = &m->grids;
	bool xlsx = false, in_tx = false, started = false;
	int ret = -1;
	pthread_t th;

	if (!m->crypto) {
		gz_err_set(err, GZ_EINTERNAL, "crypto_unavailable", "服务器未加载个人信息加密密钥");
		goto out;
	}
	if (gridset_load(db, a, &m->grids, err) < 0 ||
	    tagcat_load(db, m->crypto, &m->tags, err) < 0)
		goto out;

	gz_err terr;
	gz_err_clear(&terr);
	m->t = table_open(buf, len, &xlsx, &terr);
	int hrc = m->t ? header_read(m->t, resident_cols, RC__COUNT, &m->h, &m->pp, &terr) : -1;
	if (hrc < 0) {
		file_problem(&m->pp, m->t ? &m->h : NULL, &terr);
	} else if (hrc == 0) {
		problem_add(&m->pp, 1, NULL, "文件为空");
	} else {
		m->have_grid_col = m->h.col[RC_GRID] >= 0;
		m->have_unit_cols = m->h.col[RC_BUILDING] >= 0 && m->h.col[RC_ROOM] >= 0;
		if (m->h.col[RC_NAME] < 0)
			missing_col(&m->pp, &m->h, resident_cols, RC_NAME, "缺少必需的列");
		if (m->h.col[RC_ID] < 0)
			missing_col(&m->pp, &m->h, resident_cols, RC_ID, "缺少必需的列");
		if (!m->have_grid_col && !m->have_unit_cols)
			missing_col(&m->pp, &m->h, resident_cols, RC_GRID,
			            "缺少必需的列（或提供 楼栋 和 房号 两列）");
	}
	if (m->pp.count) {
		ret = 0;
		goto report;
	}
	/* An account out of lookups is refused before the work. */
	if (gz_ratelimit_pii(a, db, "resident.import", 0, false, err) != 0)
		goto out;
	{
		int n =
		    gz_actor_scopes(a, ACT_READ, RES_RESIDENT, c.rscopes, GZ_AUTH_MAX_GRANTS, err);
		c.nrscopes = n > 0 ? n : 0;
		gz_err_clear(err);
	}

	cache_big(db, true);
	/* One transaction: the write transaction, or for a dry run a read transaction (one
	 * snapshot, and on SQLite one lock instead of one per statement). */
	if (dry_run ? gz_db_exec(db, "BEGIN", err) < 0 : gz_db_begin(db, err) < 0)
		goto out;
	in_tx = true;
	c.write = !dry_run;
	if (!dry_run && gz_db_driver(db) == GZ_DB_SQLITE) {
		int64_t max = 0;
		if (gz_db_query_int64(db, "SELECT COALESCE(MAX(id), 0) FROM residents", &max, err,
		                      0) < 0)
			goto out;
		c.given_ids = true;
		c.next_id = max + 1;
		m->next_id = max + 1;
	}
	if (pthread_create(&th, NULL, producer, m) != 0) {
		gz_err_set(err, GZ_EINTERNAL, "internal", "无法启动导入线程");
		goto out;
	}
	started = true;
	batch *b;
	bool failed = false;
	while ((b = queue_get(m))) {
		for (size_t i = 0; i < b->n && !failed; i++)
			failed = consume_row(&c, b, &b->rows[i], err) < 0;
		/* Pending rows point into the batch: write them before it is reused. */
		if (!failed && (flush_plain(&c, err) < 0 || flush_rows(&c, err) < 0))
			failed = true;
		batch_put_free(m, b);
		if (failed) {
			atomic_store(&m->stop, true);
			pthread_mutex_lock(&m->mu);
			pthread_cond_broadcast(&m->can_put);
			pthread_mutex_unlock(&m->mu);
		}
	}
	pthread_join(th, NULL);
	started = false;
	if (failed || finish_keys(&c, err) < 0)
		goto out;

	/* The comparison is charged to the caller's account before anything of its result
	 * is sent or committed (gz_ratelimit_pii), and audited. */
	/* The command line compares against its own register: no charge, no lookup audit. */
	bool charge = !gz_actor_is_operator(a) && c.compared;
	if (!dry_run && !atomic_load(&m->problem_count)) {
		int lim = charge ? gz_ratelimit_pii(a, db, "resident.import", (int64_t)c.compared,
		                                    true, err)
		                 : 0;
		if (lim == 1)
			in_tx = false; /* rolled back */
		if (lim != 0)
			goto out;
		char scope[SPACE_CODE_SIZE];
		span_scope(&c.sp, scope, sizeof scope);
		json_t *detail = json_pack(
		    "{s:s,s:I,s:I,s:I,s:I}", "format", xlsx ? "xlsx" : "csv", "rows",
		    (json_int_t)m->rows, "created", (json_int_t)c.created, "households_created",
		    (json_int_t)c.pl.households_created, "bytes", (json_int_t)len);
		int rc = gz_db_count_add(db, "residents", c.created, err) < 0 ||
		                 gz_db_count_add(db, "households", (int64_t)c.pl.households_created,
		                                 err) < 0 ||
		                 gz_audit(a, db, "resident.import", "resident", "", scope, detail,
		                          err) < 0 ||
		                 (charge && lookup_audit(db, a, "resident", false, m->rows,
		                                         c.compared, 0, 0, err) < 0)
		             ? -1
		             : 0;
		json_decref(detail);
		if (rc < 0)
			goto out;
		json_t *rep = residents_report(m, &c, dry_run, xlsx);
		if (gz_api_commit(a->req, db, c.created > 0 ? 201 : 200, rep, err) < 0) {
			json_decref(rep);
			goto out;
		}
		in_tx = false;
		*report = rep;
		ret = 0;
		goto out;
	} else {
		/* Nothing to write: end the (read or failed) transaction, then charge and
		 * audit in short transactions of their own. */
		gz_db_rollback(db);
		in_tx = false;
		if (charge) {
			if (gz_ratelimit_pii(a, db, "resident.import", (int64_t)c.compared, false,
			                     err) != 0)
				goto out;
			if (gz_db_begin(db, err) < 0)
				goto out;
			if (lookup_audit(db, a, "resident", dry_run, m->rows, c.compared, c.matched,
			                 c.hidden, err) < 0 ||
			    gz_db_commit(db, err) < 0) {
				gz_db_rollback(db);
				goto out;
			}
		}
	}
	if (c.hidden)
		problem_add(&c.cp, 0, colname(&m->h, resident_cols, RC_ID),
		            "有 %zu 行的身份证号与您管辖范围以外已登记的居民重复（不逐行列出）："
		            "请联系街道管理员核实",
		            c.hidden);
	ret = 0;

report:
	*report = residents_report(m, &c, dry_run, xlsx);
out:
	if (started) {
		atomic_store(&m->stop, true);
		pthread_mutex_lock(&m->mu);
		pthread_cond_broadcast(&m->can_put);
		pthread_mutex_unlock(&m->mu);
		batch *b2;
		while ((b2 = queue_get(m)))
			batch_put_free(m, b2);
		pthread_join(th, NULL);
	}
	if (in_tx)
		gz_db_rollback(db);
	cache_big(db, false);
	for (size_t i = 0; i < m->nfree; i++) {
		free(m->free_list[i]->pool);
		free(m->free_list[i]);
	}
	gz_table_free(m->t);
	header_free(&m->h);
	gridset_free(&m->grids);
	free(m->tags.v);
	problems_free(&m->pp);
	problems_free(&c.cp);
	places_free(&c.pl);
	hkeys_free(&c.ids);
	hkeys_free(&c.phones);
	hkeys_free(&m->ids);
	hkeys_free(&m->phones);
	free(m->sort_buf);
	pthread_mutex_destroy(&m->mu);
	pthread_cond_destroy(&m->can_put);
	pthread_cond_destroy(&m->can_get);
	free(m);
	return ret;
}

/* ================================================================ units */

int gz_people_resident_by_id_key(const gz_actor *a, gz_db *db, const uint8_t *h, int64_t *out,
                                 gz_err *err)
{
	*out = 0;
	gz_stmt *st = gz_db_prepare(db, sql_idkey_exists, err);
	if (!st)
		return -1;
	gz_stmt_bind_blob(st, 1, h, GZ_PEOPLE_KEY_BYTES);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW && !gz_stmt_isnull(st, 1)) {
		gz_err e;
		gz_err_clear(&e);
		if (gz_actor_check(a, ACT_READ, RES_RESIDENT, gz_stmt_text(st, 1), &e) == 0)
			*out = gz_stmt_int64(st, 0);
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

typedef struct {
	size_t row;
	int64_t building, unit_id;
	int grid;
	char room[65];
	int64_t area;
	bool sold;
	size_t first_row;  /* the row that defined the unit */
	size_t last_owner; /* 1 + index in owners[] of its latest owner; 0 = none yet */
} unit_rec;

typedef struct {
	size_t unit; /* index in units[] */
	char key[300];
	char name[260];
	uint8_t id_hash[GZ_CRYPTO_LOOKUP_BYTES];
	bool has_id;
	size_t row;
	size_t prev; /* 1 + index of the same unit's previous owner; 0 = none */
} owner_rec;

static bool parse_sold(const char *s, size_t n, bool *out)
{
	static const char *const yes[] = {"是", "已售", "1", "Y", "y", "TRUE", "true", "True"};
	static const char *const no[] = {"否", "未售", "0", "N", "n", "FALSE", "false", "False"};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		if (strlen(yes[i]) == n && !memcmp(yes[i], s, n))
			return (*out = true), true;
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		if (strlen(no[i]) == n && !memcmp(no[i], s, n))
			return (*out = false), true;
	return false;
}

/* The report of a units import, like residents_report(). */
static json_t *units_report(problems *p, bool dry_run, bool xlsx, size_t rows, int64_t created,
                            int64_t owners_created)
{
	size_t total;
	json_t *errors = problems_json(p, 1, GZ_PEOPLE_IMPORT_MAX_ERRORS_REPORT, &total);
	bool ok = total == 0;
	return json_pack("{s:b,s:b,s:s,s:s,s:I,s:I,s:I,s:o,s:I,s:b}", "ok", ok, "dry_run", dry_run,
	                 "kind", "units", "format", xlsx ? "xlsx" : "csv", "rows", (json_int_t)rows,
	                 "created", (json_int_t)(ok ? created : 0), "owners_created",
	                 (json_int_t)(ok ? owners_created : 0), "errors", errors, "error_count",
	                 (json_int_t)total, "errors_truncated", total > json_array_size(errors));
}

static int import_units(gz_db *db, const gz_actor *a, const char *buf, size_t len, bool dry_run,
                        json_t **report, gz_err *err)
{
	const gz_crypto *crypto = gz_crypto_global();
	gridset grids = {0};
	header_t h = {0};
	problems p = {.keep = GZ_PEOPLE_IMPORT_MAX_ERRORS_REPORT};
	places pl = {.db = db, .grids = &grids};
	smap seen = {0}; /* "building|room" -> index in units */
	unit_rec *units = NULL;
	owner_rec *owners = NULL;
	size_t nunits = 0, nowners = 0, rows = 0, units_cap = 0, owners_cap = 0;
	bool xlsx = false, in_tx = false;
	int64_t now = gz_time_now_ms(), created = 0, owners_created = 0;
	gz_table *t = NULL;
	span sp = {{0}, {0}};
	int ret = -1;

	if (!crypto) {
		gz_err_set(err, GZ_EINTERNAL, "crypto_unavailable", "服务器未加载个人信息加密密钥");
		goto out;
	}
	if (gridset_load(db, a, &grids, err) < 0)
		goto out;
	gz_err terr;
	gz_err_clear(&terr);
	t = table_open(buf, len, &xlsx, &terr);
	int hrc = t ? header_read(t, unit_cols, UC__COUNT, &h, &p, &terr) : -1;
	if (hrc < 0) {
		file_problem(&p, t ? &h : NULL, &terr);
		goto report;
	}
	if (hrc == 0) {
		problem_add(&p, 1, NULL, "文件为空");
		goto report;
	}
	static const int required[] = {UC_BUILDING, UC_ROOM, UC_AREA};
	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
		if (h.col[required[i]] < 0)
			missing_col(&p, &h, unit_cols, required[i], "缺少必需的列");
	if (p.count)
		goto report;

	if (!dry_run) {
		if (gz_db_begin(db, err) < 0)
			goto out;
		in_tx = true;
	}

	gz_row row;
	int rc;
	while ((rc = gz_table_next(t, &row, &terr)) == 1) {
		if (gz_row_blank(&row))
			continue;
		rows++;
		size_t rn = row.sheet_row, before = p.count;
		if (!row_fits(&h, &row)) {
			problem_add(&p, rn, NULL, "列数（%zu）与表头（%zu）不一致", row.ncols,
			            h.ncols);
			continue;
		}
		cellv grid = cell_of(&h, &row, UC_GRID), bld = cell_of(&h, &row, UC_BUILDING),
		      room = cell_of(&h, &row, UC_ROOM), area = cell_of(&h, &row, UC_AREA),
		      sold = cell_of(&h, &row, UC_SOLD), owner = cell_of(&h, &row, UC_OWNER),
		      oid = cell_of(&h, &row, UC_OWNER_ID);
		int gi = -1;
		if (grid.n) {
			gi = gridset_find(&grids, grid.p, grid.n);
			if (gi < 0)
				problem_add(&p, rn, colname(&h, unit_cols, UC_GRID),
				            "网格不存在或不在您的管辖范围内");
		}
		if (!bld.n)
			problem_add(&p, rn, colname(&h, unit_cols, UC_BUILDING), "不能为空");
		if (!room.n)
			problem_add(&p, rn, colname(&h, unit_cols, UC_ROOM), "不能为空");
		else if (room.n > 64)
			problem_add(&p, rn, colname(&h, unit_cols, UC_ROOM), "不能超过 64 个字节");
		int64_t a = 0;
		gz_err e;
		gz_err_clear(&e);
		if (decimal_parse(area.p, area.n, DECIMAL_MAX_AREA, &a, &e) < 0)
			problem_add(&p, rn, colname(&h, unit_cols, UC_AREA), "%s", e.message);
		else if (a == 0)
			problem_add(&p, rn, colname(&h, unit_cols, UC_AREA), "必须大于 0");
		bool is_sold = true;
		if (sold.n && !parse_sold(sold.p, sold.n, &is_sold))
			problem_add(&p, rn, colname(&h, unit_cols, UC_SOLD), "应为 是 或 否");
		size_t ons = 0, onl = 0;
		if (owner.n) {
			gz_err_clear(&e);
			if (resident_name_check(owner.p, owner.n, &ons, &onl, &e) < 0)
				problem_add(&p, rn, colname(&h, unit_cols, UC_OWNER), "%s",
				            e.message);
		} else if (is_sold) {
			problem_add(&p, rn, colname(&h, unit_cols, UC_OWNER),
			            "已售房屋的业主姓名不能为空");
		}
		person_id_info id = {0};
		bool has_id = false;
		if (oid.n) {
			gz_err_clear(&e);
			char tmp[65];
			if (oid.kind == GZ_CELL_NUMBER)
				problem_add(&p, rn, colname(&h, unit_cols, UC_OWNER_ID),
				            "身份证号被存成了数字，末尾几位已丢失：请把该列设为文本"
				            "格式后重新填写");
			else if (oid.n > 64)
				problem_add(&p, rn, colname(&h, unit_cols, UC_OWNER_ID),
				            "长度应为 18 位");
			else {
				memcpy(tmp, oid.p, oid.n);
				tmp[oid.n] = '\0';
				if (person_id_check(tmp, now, &id, &e) < 0)
					problem_add(&p, rn, colname(&h, unit_cols, UC_OWNER_ID),
					            "%s", e.message);
				else
					has_id = true;
			}
			if (!is_sold)
				problem_add(&p, rn, colname(&h, unit_cols, UC_OWNER_ID),
				            "未售房屋由开发商持有，不填业主身份证号");
		}
		if (p.count != before)
			continue;

		/* The building, within the caller's grids. */
		char bname[256], rname[65];
		snprintf(bname, sizeof bname, "%.*s", (int)(bld.n < 255 ? bld.n : 255), bld.p);
		snprintf(rname, sizeof rname, "%.*s", (int)room.n, room.p);
		int64_t building;
		int bgrid;
		int brc = building_find(&pl, bname, gi, &building, &bgrid, err);
		if (brc < 0)
			goto out;
		if (brc == 0) {
			problem_add(&p, rn, colname(&h, unit_cols, UC_BUILDING),
			            gi < 0 && !grid.n ? "楼栋按名称填写时网格编码不能为空"
			                              : "楼栋不存在或不在您的管辖范围内");
			continue;
		}
		if (gi >= 0 && bgrid != gi) {
			problem_add(&p, rn, colname(&h, unit_cols, UC_BUILDING),
			            "楼栋不在所填网格内");
			continue;
		}
		/* Same unit earlier in the file: another owner of it. */
		char key[300];
		snprintf(key, sizeof key, "%lld|%s", (long long)building, rname);
		int64_t ui;
		if (smap_get(&seen, key, &ui)) {
			unit_rec *u = &units[ui];
			if (u->area != a)
				problem_add(&p, rn, colname(&h, unit_cols, UC_AREA),
				            "与第 %zu 行同一房屋的面积不一致", u->first_row);
			if (u->sold != is_sold)
				problem_add(&p, rn, colname(&h, unit_cols, UC_SOLD),
				            "与第 %zu 行同一房屋的销售状态不一致", u->first_row);
			if (!is_sold)
				problem_add(&p, rn, colname(&h, unit_cols, UC_ROOM),
				            "与第 %zu 行重复（未售房屋只填一行）", u->first_row);
			if (p.count != before)
				continue;
		} else {
			int64_t existing;
			int urc = unit_find(&pl, building, rname, &existing, err);
			if (urc < 0)
				goto out;
			if (urc == 1) {
				problem_add(&p, rn, colname(&h, unit_cols, UC_ROOM),
				            "该楼栋已有此房号的房屋");
				continue;
			}
			if (nunits == units_cap) {
				units_cap = units_cap ? units_cap * 2 : 256;
				units = gz_realloc(units, units_cap * sizeof *units);
			}
			unit_rec *u = &units[nunits];
			memset(u, 0, sizeof *u);
			u->row = u->first_row = rn;
			u->building = building;
			u->grid = bgrid;
			snprintf(u->room, sizeof u->room, "%s", rname);
			u->area = a;
			u->sold = is_sold;
			ui = (int64_t)nunits++;
			smap_put(&seen, key, ui);
		}
		/* The owner. */
		owner_rec o = {.unit = (size_t)ui, .row = rn, .has_id = has_id};
		if (!is_sold) {
			snprintf(o.key, sizeof o.key, "developer");
			snprintf(o.name, sizeof o.name, "%.*s", (int)(onl ? onl : strlen("开发商")),
			         onl ? owner.p + ons : "开发商");
		} else if (has_id) {
			gz_crypto_lookup(crypto, id.normalised, o.id_hash);
			memcpy(o.key, "id:", 3);
			sodium_bin2hex(o.key + 3, sizeof o.key - 3, o.id_hash, sizeof o.id_hash);
			snprintf(o.name, sizeof o.name, "%.*s", (int)onl, owner.p + ons);
		} else {
			snprintf(o.key, sizeof o.key,
			         "name:%zu:", o.unit); /* unit id filled at insert */
			snprintf(o.name, sizeof o.name, "%.*s", (int)onl, owner.p + ons);
		}
		/* Only this unit's owners: a chain through prev, not a scan of every owner. */
		bool dup = false;
		for (size_t j = units[ui].last_owner; j && !dup; j = owners[j - 1].prev) {
			size_t i = j - 1;
			if ((!strcmp(owners[i].key, o.key) ||
			     (!o.has_id && !owners[i].has_id && !strcmp(owners[i].name, o.name)))) {
				problem_add(&p, rn,
				            colname(&h, unit_cols, has_id ? UC_OWNER_ID : UC_OWNER),
				            "与第 %zu 行是同一房屋的同一业主", owners[i].row);
				dup = true;
			}
		}
		if (dup)
			continue;
		if (nowners == owners_cap) {
			owners_cap = owners_cap ? owners_cap * 2 : 256;
			owners = gz_realloc(owners, owners_cap * sizeof *owners);
		}
		o.prev = units[ui].last_owner;
		owners[nowners++] = o;
		units[ui].last_owner = nowners;
	}
	if (rc < 0)
		file_problem(&p, &h, &terr);
	if (p.count || dry_run) {
		created = (int64_t)nunits;
		owners_created = (int64_t)nowners;
		ret = 0;
		goto report;
	}

	/* Linking owners to residents compares their ID numbers with the register: charged
	 * to the caller's account in this transaction (a refusal rolls it back). */
	size_t compared = 0, linked = 0;
	for (size_t i = 0; i < nowners; i++)
		compared += owners[i].has_id;
	if (compared) {
		int lim = gz_ratelimit_pii(a, db, "unit.import", (int64_t)compared, true, err);
		if (lim == 1)
			in_tx = false; /* rolled back */
		if (lim != 0)
			goto out;
	}

	/* Write: units, then their owners. */
	for (size_t i = 0; i < nunits; i++) {
		unit_rec *u = &units[i];
		gz_stmt *st =
		    gz_db_prepare(db,
		                  "INSERT INTO units (building_id, grid_code, number, area_dm2, "
		                  "sold, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, "
		                  "$6, $6) RETURNING id",
		                  err);
		if (!st)
			goto out;
		gz_stmt_bind_int64(st, 1, u->building);
		gz_stmt_bind_str(st, 2, grids.codes[u->grid]);
		gz_stmt_bind_str(st, 3, u->room);
		gz_stmt_bind_int64(st, 4, u->area);
		gz_stmt_bind_int64(st, 5, u->sold);
		gz_stmt_bind_int64(st, 6, now);
		rc = gz_stmt_step(st, err);
		u->unit_id = rc == GZ_ROW ? gz_stmt_int64(st, 0) : 0;
		gz_stmt_finish(st);
		if (rc != GZ_ROW) {
			if (rc >= 0)
				gz_err_set(err, GZ_EINTERNAL, "internal", "新建房屋读不到");
			goto out;
		}
		span_add(&sp, grids.codes[u->grid]);
		created++;
	}
	for (size_t i = 0; i < nowners; i++) {
		owner_rec *o = &owners[i];
		const unit_rec *u = &units[o->unit];
		if (!strncmp(o->key, "name:", 5))
			snprintf(o->key, sizeof o->key, "name:%lld:%s", (long long)u->unit_id,
			         o->name);
		/* Linked only to a resident the caller reads. */
		int64_t resident = 0;
		if (o->has_id &&
		    gz_people_resident_by_id_key(a, db, o->id_hash, &resident, err) < 0)
			goto out;
		linked += resident > 0;
		gz_stmt *st =
		    gz_db_prepare(db,
		                  "INSERT INTO unit_owners (unit_id, owner_key, owner_name, "
		                  "resident_id) VALUES ($1, $2, $3, $4)",
		                  err);
		if (!st)
			goto out;
		gz_stmt_bind_int64(st, 1, u->unit_id);
		gz_stmt_bind_str(st, 2, o->key);
		gz_stmt_bind_str(st, 3, o->name);
		gz_stmt_bind_id(st, 4, resident);
		rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			goto out;
		owners_created++;
	}
	char scope[SPACE_CODE_SIZE];
	span_scope(&sp, scope, sizeof scope);
	json_t *detail = json_pack("{s:s,s:I,s:I,s:I}", "format", xlsx ? "xlsx" : "csv", "rows",
	                           (json_int_t)rows, "created", (json_int_t)created, "owners",
	                           (json_int_t)owners_created);
	rc = gz_db_count_add(db, "units", created, err) < 0 ||
	             gz_audit(a, db, "unit.import", "unit", "", scope, detail, err) < 0 ||
	             (!gz_actor_is_operator(a) && compared &&
	              lookup_audit(db, a, "unit", false, rows, compared, linked, 0, err) < 0)
	         ? -1
	         : 0;
	json_decref(detail);
	if (rc < 0)
		goto out;
	json_t *rep = units_report(&p, dry_run, xlsx, rows, created, owners_created);
	if (gz_api_commit(a->req, db, created > 0 ? 201 : 200, rep, err) < 0) {
		json_decref(rep);
		goto out;
	}
	in_tx = false;
	*report = rep;
	ret = 0;
	goto out;

report:
	*report = units_report(&p, dry_run, xlsx, rows, created, owners_created);
	ret = 0;
out:
	if (in_tx)
		gz_db_rollback(db);
	gz_table_free(t);
	header_free(&h);
	gridset_free(&grids);
	problems_free(&p);
	places_free(&pl);
	smap_free(&seen);
	free(units);
	free(owners);
	return ret;
}

/* ================================================================ entry points */

int gz_people_import(gz_db *db, const gz_actor *a, gz_people_kind kind, const char *buf, size_t len,
                     bool dry_run, json_t **report, gz_err *err)
{
	*report = NULL;
	return kind == GZ_PEOPLE_UNITS ? import_units(db, a, buf, len, dry_run, report, err)
	                               : import_residents(db, a, buf, len, dry_run, report, err);
}

typedef struct {
	json_t *errors;
	size_t i;
	char row[24];
} report_iter;

static int report_row(void *ctx, const char **cells, gz_err *err)
{
	(void)err;
	report_iter *it = ctx;
	json_t *e = json_array_get(it->errors, it->i++);
	if (!e)
		return 0;
	json_t *row = json_object_get(e, "row");
	if (json_is_integer(row))
		snprintf(it->row, sizeof it->row, "%lld", (long long)json_integer_value(row));
	else
		it->row[0] = '\0';
	cells[0] = it->row;
	cells[1] = json_string_value(json_object_get(e, "column"));
	cells[2] = json_string_value(json_object_get(e, "reason"));
	return 1;
}

int gz_people_report_xlsx(const json_t *report, const char *path, unsigned char **out,
                          size_t *out_len, gz_err *err)
{
	static const char *const header[] = {"行", "列", "原因"};
	report_iter it = {.errors = json_object_get(report, "errors")};
	return gz_xlsx_export(path, "导入错误", header, 3, report_row, &it, out, out_len, err);
}
