/* RFC 4180 CSV reader behind the gz_table interface (core/table.h).
 *
 * Zero-copy where possible: unquoted cells and quoted cells without a doubled quote
 * point straight into the input; only cells containing "" are unescaped into a scratch
 * buffer that is reused from row to row. Cells are first recorded as (offset, length,
 * in-scratch) so the scratch buffer may move while a row is assembled, and turned into
 * pointers once the row is complete. UTF-8 validation runs only on cells that contain
 * a byte >= 0x80 or a NUL, noticed during the scan. */
#include "core/table.h"

#include "core/mem.h"
#include "core/utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CSV_MAX_COLS 4096

typedef struct {
	size_t off; /* into the input, or into scratch when in_scratch */
	size_t len;
	bool in_scratch;
} csv_span;

typedef struct {
	gz_table base;
	const unsigned char *p, *end; /* cursor and end of input */
	const unsigned char *buf;     /* start of input (after the BOM) */
	size_t line;                  /* physical line of the cursor, 1-based */
	size_t record;                /* Excel row of the cursor, 1-based */
	size_t header_cols;           /* 0 until the header is read */
	csv_span *spans;
	gz_cell *cells;
	size_t cap; /* capacity of spans and cells */
	char *scratch;
	size_t scratch_len, scratch_cap;
	bool failed;
} csv_table;

/* Bytes that end the fast scan of an unquoted cell: NUL, LF, CR, ',' and every byte
 * >= 0x80 (which only marks the cell for UTF-8 validation). */
#define X16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
static const unsigned char special[256] = {
    1,      0,      0,      0,      0,      0,      0,      0,
    0,      0,      1,      0,      0,      1,      0,      0, /* 0x00: NUL, LF, CR */
    X16(0),                                                    /* 0x10 */
    0,      0,      0,      0,      0,      0,      0,      0,
    0,      0,      0,      0,      1,      0,      0,      0,      /* 0x20: ',' */
    X16(0), X16(0), X16(0), X16(0), X16(0),                         /* 0x30 - 0x7F */
    X16(1), X16(1), X16(1), X16(1), X16(1), X16(1), X16(1), X16(1), /* 0x80 - 0xFF */
};
#undef X16

static void csv_free(gz_table *bt)
{
	csv_table *t = (csv_table *)bt;
	free(t->spans);
	free(t->cells);
	free(t->scratch);
	free(t);
}

static int pos_fail(gz_err *err, const char *code, size_t row, size_t col, const char *why)
{
	if (col)
		gz_err_set(err, GZ_EINVALID, code, "第 %zu 行第 %zu 列：%s", row, col, why);
	else
		gz_err_set(err, GZ_EINVALID, code, "第 %zu 行：%s", row, why);
	gz_err_field(err, "row", "%zu", row);
	if (col)
		gz_err_field(err, "column", "%zu", col);
	return -1;
}

/* True if every byte >= 0x80 in s[0..n) belongs to a GBK double-byte character
 * (lead 81-FE, trail 40-7E/80-FE) or a GB18030 four-byte one (81-FE 30-39 81-FE 30-39),
 * and there is at least one. */
static bool looks_gbk(const unsigned char *s, size_t n)
{
	bool any = false;
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c == 0x80 || c == 0xFF || i + 1 >= n)
			return false;
		unsigned c2 = s[i + 1];
		if ((c2 >= 0x40 && c2 <= 0x7E) || (c2 >= 0x80 && c2 <= 0xFE)) {
			i += 2;
		} else if (c2 >= 0x30 && c2 <= 0x39 && i + 3 < n && s[i + 2] >= 0x81 &&
		           s[i + 2] <= 0xFE && s[i + 3] >= 0x30 && s[i + 3] <= 0x39) {
			i += 4;
		} else {
			return false;
		}
		any = true;
	}
	return any;
}

static void grow_cells(csv_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 32;
	t->spans = gz_realloc(t->spans, cap * sizeof *t->spans);
	t->cells = gz_realloc(t->cells, cap * sizeof *t->cells);
	t->cap = cap;
}

/* Append the unescaped content of a quoted cell s[0..n) ("" -> ") to scratch. */
static size_t unescape_into_scratch(csv_table *t, const unsigned char *s, size_t n)
{
	if (t->scratch_cap - t->scratch_len < n) {
		size_t cap = t->scratch_cap ? t->scratch_cap : 256;
		while (cap - t->scratch_len < n)
			cap *= 2;
		t->scratch = gz_realloc(t->scratch, cap);
		t->scratch_cap = cap;
	}
	size_t off = t->scratch_len;
	char *o = t->scratch + off;
	for (size_t i = 0; i < n; i++) {
		*o++ = (char)s[i];
		if (s[i] == '"')
			i++; /* skip the second quote of the pair */
	}
	t->scratch_len = (size_t)(o - t->scratch);
	return off;
}

static int check_cell(csv_table *t, const char *s, size_t n, size_t row, size_t col, gz_err *err)
{
	if (gz_utf8_valid(s, n))
		return 0;
	t->failed = true;
	if (memchr(s, 0, n))
		return pos_fail(err, "csv_encoding", row, col,
		                "含有空字符（NUL），文件可能不是 CSV 文本");
	if (looks_gbk((const unsigned char *)s, n))
		return pos_fail(err, "csv_encoding", row, col,
		                "文件不是 UTF-8 编码（疑似 GBK），请另存为 UTF-8");
	return pos_fail(err, "csv_encoding", row, col, "含有无效的 UTF-8 字节");
}

static int csv_next(gz_table *bt, gz_row *row, gz_err *err)
{
	csv_table *t = (csv_table *)bt;
	if (t->failed)
		return gz_err_set(err, GZ_EINVALID, "table_failed", "读取已因错误终止");
	const unsigned char *sp = special;
	const unsigned char *p = t->p, *end = t->end;

	/* Skip empty lines: they are not records, but they are rows in Excel. */
	while (p < end && (*p == '\n' || *p == '\r')) {
		if (*p == '\r' && p + 1 < end && p[1] == '\n')
			p++;
		p++;
		t->line++;
		t->record++;
	}
	if (p >= end) {
		t->p = p;
		return 0;
	}

	size_t start_line = t->line, start_record = t->record;
	size_t n = 0;
	t->scratch_len = 0;
	for (;;) { /* one field per iteration */
		if (n == t->cap)
			grow_cells(t);
		if (n == CSV_MAX_COLS) {
			t->failed = true;
			return pos_fail(err, "csv_columns", start_line, 0, "列数超过 4096");
		}
		csv_span *c = &t->spans[n];
		bool check = false;
		if (*p == '"') {
			const unsigned char *s = ++p;
			bool doubled = false;
			for (;;) {
				if (p >= end) {
					t->failed = true;
					return pos_fail(err, "csv_quote", start_line, n + 1,
					                "引号未闭合");
				}
				unsigned ch = *p;
				if (ch == '"') {
					if (p + 1 < end && p[1] == '"') {
						doubled = true;
						p += 2;
						continue;
					}
					break;
				}
				if (ch == '\n' || (ch == '\r' && !(p + 1 < end && p[1] == '\n')))
					t->line++;
				if (ch >= 0x80 || ch == 0)
					check = true;
				p++;
			}
			size_t len = (size_t)(p - s);
			p++; /* closing quote */
			if (p < end && *p != ',' && *p != '\r' && *p != '\n') {
				t->failed = true;
				return pos_fail(err, "csv_quote", start_line, n + 1,
				                "引号后有多余字符");
			}
			if (doubled) {
				size_t before = t->scratch_len;
				c->off = unescape_into_scratch(t, s, len);
				c->len = t->scratch_len - before;
				c->in_scratch = true;
			} else {
				c->off = (size_t)(s - t->buf);
				c->len = len;
				c->in_scratch = false;
			}
		} else {
			const unsigned char *s = p;
			for (;;) {
				while (p < end && !sp[*p])
					p++;
				if (p < end && (*p >= 0x80 || *p == 0)) {
					check = true;
					p++;
					continue;
				}
				break;
			}
			c->off = (size_t)(s - t->buf);
			c->len = (size_t)(p - s);
			c->in_scratch = false;
		}
		if (check) {
			const char *cs =
			    c->in_scratch ? t->scratch + c->off : (const char *)t->buf + c->off;
			if (check_cell(t, cs, c->len, start_line, n + 1, err) != 0)
				return -1;
		}
		n++;
		if (p >= end)
			break;
		if (*p == ',') {
			p++;
			if (p >= end) { /* "a,b," at the very end: one more empty cell */
				if (n == CSV_MAX_COLS) { /* the limit holds for this cell too */
					t->failed = true;
					return pos_fail(err, "csv_columns", start_line, 0,
					                "列数超过 4096");
				}
				if (n == t->cap)
					grow_cells(t);
				t->spans[n++] = (csv_span){0, 0, false};
				break;
			}
			continue;
		}
		/* CR, LF or CRLF ends the record. */
		if (*p == '\r' && p + 1 < end && p[1] == '\n')
			p++;
		p++;
		t->line++;
		break;
	}
	t->p = p;
	t->record++;

	for (size_t i = 0; i < n; i++) {
		csv_span *s = &t->spans[i];
		t->cells[i].ptr = s->len == 0     ? ""
		                  : s->in_scratch ? t->scratch + s->off
		                                  : (const char *)t->buf + s->off;
		t->cells[i].len = s->len;
		t->cells[i].kind = GZ_CELL_TEXT;
	}
	row->ncols = n;
	row->cells = t->cells;
	row->row = start_line;
	row->sheet_row = start_record;
	row->header_cols = t->header_cols;
	row->bad_columns = t->header_cols != 0 && n != t->header_cols;
	if (t->header_cols == 0)
		t->header_cols = n;
	return 1;
}

gz_table *gz_table_open_csv(const char *buf, size_t len, gz_err *err)
{
	const unsigned char *s = (const unsigned char *)buf;
	if (len >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF))) {
		gz_err_set(err, GZ_EINVALID, "csv_encoding", "文件是 UTF-16 编码，请另存为 UTF-8");
		return NULL;
	}
	if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
		s += 3, len -= 3;
	size_t i = 0;
	while (i < len && (s[i] == '\r' || s[i] == '\n'))
		i++;
	if (i == len) {
		gz_err_set(err, GZ_EINVALID, "empty_file", "文件为空");
		return NULL;
	}
	csv_table *t = gz_calloc(1, sizeof *t);
	t->base.next = csv_next;
	t->base.free = csv_free;
	t->buf = t->p = s;
	t->end = s + len;
	t->line = 1;
	t->record = 1;
	return &t->base;
}
