/* .xlsx reader behind the gz_table interface (core/table.h).
 *
 * The zip is opened in memory with libzip; xl/workbook.xml names the first sheet,
 * xl/_rels/workbook.xml.rels maps it (and the shared strings) to a part; shared strings
 * are loaded once into one buffer; the sheet is streamed through expat 64 KiB at a time.
 * gz_table_next() is a pull API over expat's push parser: the end-of-row handler
 * suspends the parser (XML_StopParser(p, XML_TRUE)), next() returns that row, and the
 * following call resumes (XML_ResumeParser) or feeds the next chunk. The data being
 * parsed sits in expat's own buffer (XML_GetBuffer), so suspension is safe.
 *
 * Safety: every uncompressed byte read is counted against GZ_XLSX_MAX_UNCOMPRESSED while
 * it is inflated (a zip's declared sizes may lie); a DOCTYPE aborts parsing (so no entity
 * can be declared, let alone expanded), and parameter entity parsing is off. */
#include "core/table.h"

#include "core/mem.h"
#include "core/utf8.h"

#include <expat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#define CHUNK    65536
#define MAX_COLS 16384   /* XFD */
#define MAX_ROWS 1048576 /* Excel's limit */
#define MAX_SST  16000000
#define NS_SEP   '|'

typedef struct {
	char *p;
	size_t len, cap;
} sbuf;

static void sb_reserve(sbuf *b, size_t extra)
{
	if (b->cap - b->len >= extra)
		return;
	size_t cap = b->cap ? b->cap : 1024;
	while (cap - b->len < extra)
		cap *= 2;
	b->p = gz_realloc(b->p, cap);
	b->cap = cap;
}

static void sb_add(sbuf *b, const char *s, size_t n)
{
	sb_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

typedef struct {
	uint32_t off, len;
} sst_span;

typedef struct {
	const char *ptr; /* static or shared-string text; NULL = in the row's text buffer */
	size_t off, len;
	gz_cell_kind kind;
} cell_rec;

typedef struct {
	gz_table base;
	zip_t *za;
	size_t used; /* uncompressed bytes read so far */
	XML_Parser p;
	gz_err herr; /* error raised inside a handler */
	bool herr_set;

	/* workbook.xml / rels */
	char rid[256];
	bool have_rid;
	char sheet_path[512], sst_path[512];

	/* shared strings */
	sbuf sst;
	sst_span *sst_at;
	size_t nsst, sst_cap;
	bool in_si;
	size_t si_start;

	/* inline / rich text state shared by sst and sheet parsing */
	bool in_t;
	int in_rph;

	/* sheet stream */
	zip_file_t *zf;
	bool suspended, eof, done, failed;
	sbuf text; /* texts of the current row's cells */
	cell_rec *rec;
	gz_cell *cells;
	size_t cap;    /* capacity of rec and cells */
	size_t ncells; /* rec[0..ncells) hold the current row */
	bool in_sheetdata, in_row, in_c, in_v, in_is;
	char ctype;
	size_t ccol, cstart;
	long last_col;
	size_t row_r, last_r;
	bool row_ready;
	size_t header_cols;
	bool have_header;
} xlsx_table;

/* ---------------------------------------------------------------- helpers */

static const char *local_name(const char *n)
{
	const char *s = strrchr(n, NS_SEP);
	return s ? s + 1 : n;
}

/* Value of the attribute with this local name; namespaced: whether it must carry a
 * namespace (r:id) or must not (r, t). */
static const char *attr(const char **atts, const char *name, bool namespaced)
{
	for (size_t i = 0; atts[i]; i += 2) {
		bool has_ns = strchr(atts[i], NS_SEP) != NULL;
		if (has_ns == namespaced && strcmp(local_name(atts[i]), name) == 0)
			return atts[i + 1];
	}
	return NULL;
}

static void hfail(xlsx_table *t, const char *code, const char *fmt, const char *arg)
{
	if (t->herr_set)
		return;
	t->herr_set = true;
	gz_err_clear(&t->herr);
	char msg[200];
	snprintf(msg, sizeof msg, fmt, arg);
	if (t->in_row) {
		gz_err_set(&t->herr, GZ_EINVALID, code, "第 %zu 行：%s", t->row_r, msg);
		gz_err_field(&t->herr, "row", "%zu", t->row_r);
	} else {
		gz_err_set(&t->herr, GZ_EINVALID, code, "%s", msg);
	}
	XML_StopParser(t->p, XML_FALSE);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
	(void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
	hfail(ud, "xlsx_xml", "%s", "文件含有 DOCTYPE 声明，已拒绝（可能是恶意文件）");
}

static XML_Parser new_parser(xlsx_table *t)
{
	XML_Parser p = XML_ParserCreateNS(NULL, NS_SEP);
	if (!p) {
		fprintf(stderr, "gongzhi: out of memory creating an XML parser\n");
		abort();
	}
	XML_SetUserData(p, t);
	XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
	XML_SetStartDoctypeDeclHandler(p, on_doctype);
	t->p = p;
	t->herr_set = false;
	return p;
}

/* Decode Excel's _xHHHH_ escapes in place; returns the new length. An escape of NUL
 * or of a surrogate is left as literal text. */
static size_t decode_x(char *s, size_t n)
{
	if (n < 7 || !memmem(s, n, "_x", 2))
		return n;
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		if (s[i] == '_' && i + 7 <= n && s[i + 1] == 'x' && s[i + 6] == '_') {
			unsigned cp = 0;
			bool ok = true;
			for (size_t k = 2; k < 6 && ok; k++) {
				char c = s[i + k];
				unsigned d = (c >= '0' && c <= '9')   ? (unsigned)(c - '0')
				             : (c >= 'A' && c <= 'F') ? (unsigned)(c - 'A' + 10)
				             : (c >= 'a' && c <= 'f') ? (unsigned)(c - 'a' + 10)
				                                      : 16u;
				ok = d < 16;
				cp = cp * 16 + d;
			}
			if (ok && cp != 0 && (cp < 0xD800 || cp > 0xDFFF)) {
				if (cp < 0x80) {
					s[o++] = (char)cp;
				} else if (cp < 0x800) {
					s[o++] = (char)(0xC0 | (cp >> 6));
					s[o++] = (char)(0x80 | (cp & 0x3F));
				} else {
					s[o++] = (char)(0xE0 | (cp >> 12));
					s[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
					s[o++] = (char)(0x80 | (cp & 0x3F));
				}
				i += 7;
				continue;
			}
		}
		s[o++] = s[i++];
	}
	return o;
}

static int too_large(gz_err *err)
{
	return gz_err_set(err, GZ_ETOOLARGE, "xlsx_too_large", "文件解压后超过 %zu MB",
	                  GZ_XLSX_MAX_UNCOMPRESSED / (1024 * 1024));
}

static int invalid(gz_err *err, const char *why)
{
	return gz_err_set(err, GZ_EINVALID, "xlsx_invalid", "不是有效的 .xlsx 文件：%s", why);
}

/* Open a part by name. Returns NULL with *missing set if absent, NULL with err
 * filled on failure. */
static zip_file_t *open_part(xlsx_table *t, const char *name, bool *missing, gz_err *err)
{
	*missing = false;
	zip_int64_t idx = zip_name_locate(t->za, name, 0);
	if (idx < 0)
		idx = zip_name_locate(t->za, name, ZIP_FL_NOCASE);
	if (idx < 0) {
		*missing = true;
		return NULL;
	}
	zip_stat_t st;
	zip_stat_init(&st);
	if (zip_stat_index(t->za, (zip_uint64_t)idx, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE) &&
	    st.size > GZ_XLSX_MAX_UNCOMPRESSED - t->used) {
		too_large(err);
		return NULL;
	}
	zip_file_t *zf = zip_fopen_index(t->za, (zip_uint64_t)idx, 0);
	if (!zf) {
		zip_error_t *ze = zip_get_error(t->za);
		if (zip_error_code_zip(ze) == ZIP_ER_NOPASSWD ||
		    zip_error_code_zip(ze) == ZIP_ER_WRONGPASSWD)
			invalid(err, "文件已加密，请取消密码后再导入");
		else
			gz_err_set(err, GZ_EINVALID, "xlsx_invalid",
			           "不是有效的 .xlsx 文件：无法读取 %s（%s）", name,
			           zip_error_strerror(ze));
		return NULL;
	}
	return zf;
}

/* Read up to cap bytes, counting them against the limit. -1 with err on failure. */
static zip_int64_t read_part(xlsx_table *t, zip_file_t *zf, void *buf, size_t cap, gz_err *err)
{
	zip_int64_t n = zip_fread(zf, buf, cap);
	if (n < 0)
		return gz_err_set(err, GZ_EINVALID, "xlsx_invalid",
		                  "不是有效的 .xlsx 文件：压缩数据损坏（%s）",
		                  zip_error_strerror(zip_file_get_error(zf)));
	if ((size_t)n > GZ_XLSX_MAX_UNCOMPRESSED - t->used)
		return too_large(err);
	t->used += (size_t)n;
	return n;
}

static int xml_error(xlsx_table *t, const char *part, gz_err *err)
{
	if (t->herr_set) {
		*err = t->herr;
		return -1;
	}
	return gz_err_set(err, GZ_EINVALID, "xlsx_xml", "%s 的 XML 格式错误：%s（第 %lu 行）", part,
	                  XML_ErrorString(XML_GetErrorCode(t->p)),
	                  (unsigned long)XML_GetCurrentLineNumber(t->p));
}

/* Parse a whole part with the handlers already set on t->p. Returns 1 if the part
 * is missing, 0 when parsed, -1 on error. Frees the parser. */
static int parse_part(xlsx_table *t, const char *name, gz_err *err)
{
	bool missing;
	zip_file_t *zf = open_part(t, name, &missing, err);
	int rc = 0;
	if (!zf) {
		rc = missing ? 1 : -1;
		goto out;
	}
	for (;;) {
		void *buf = XML_GetBuffer(t->p, CHUNK);
		if (!buf) {
			rc = xml_error(t, name, err);
			break;
		}
		zip_int64_t n = read_part(t, zf, buf, CHUNK, err);
		if (n < 0) {
			rc = -1;
			break;
		}
		if (XML_ParseBuffer(t->p, (int)n, n == 0) != XML_STATUS_OK) {
			rc = xml_error(t, name, err);
			break;
		}
		if (n == 0)
			break;
	}
	zip_fclose(zf);
out:
	XML_ParserFree(t->p);
	t->p = NULL;
	return rc;
}

/* Resolve a relationship target against xl/: "worksheets/sheet1.xml" ->
 * "xl/worksheets/sheet1.xml", "/xl/x.xml" -> "xl/x.xml", "../x.xml" -> "x.xml". */
static bool resolve_target(const char *target, char *out, size_t cap)
{
	char tmp[512];
	int n = target[0] == '/' ? snprintf(tmp, sizeof tmp, "%s", target + 1)
	                         : snprintf(tmp, sizeof tmp, "xl/%s", target);
	if (n < 0 || (size_t)n >= sizeof tmp)
		return false;
	/* Collapse "./" and "dir/../" segments. */
	size_t o = 0;
	for (char *seg = tmp; *seg;) {
		char *slash = strchr(seg, '/');
		size_t len = slash ? (size_t)(slash - seg) : strlen(seg);
		if (len == 1 && seg[0] == '.') {
			/* skip */
		} else if (len == 2 && seg[0] == '.' && seg[1] == '.') {
			if (o > 0) {
				o--; /* drop the trailing '/' */
				while (o > 0 && out[o - 1] != '/')
					o--;
			}
		} else {
			if (o + len + 1 >= cap)
				return false;
			memcpy(out + o, seg, len);
			o += len;
			if (slash)
				out[o++] = '/';
		}
		seg = slash ? slash + 1 : seg + len;
	}
	out[o] = '\0';
	return o > 0;
}

/* ---------------------------------------------------------- workbook, rels */

static void XMLCALL wb_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	xlsx_table *t = ud;
	const char *ln = local_name(name);
	if (!t->have_rid && strcmp(ln, "sheet") == 0) {
		const char *id = attr(atts, "id", true);
		if (id && strlen(id) < sizeof t->rid) {
			strcpy(t->rid, id);
			t->have_rid = true;
		}
	} else if (strcmp(ln, "workbookPr") == 0) {
		const char *d = attr(atts, "date1904", false);
		t->base.date1904 = d && (strcmp(d, "1") == 0 || strcmp(d, "true") == 0);
	}
}

static void XMLCALL rels_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	xlsx_table *t = ud;
	if (strcmp(local_name(name), "Relationship") != 0)
		return;
	const char *id = attr(atts, "Id", false);
	const char *type = attr(atts, "Type", false);
	const char *target = attr(atts, "Target", false);
	if (!target)
		return;
	if (id && strcmp(id, t->rid) == 0)
		resolve_target(target, t->sheet_path, sizeof t->sheet_path);
	size_t tl = type ? strlen(type) : 0;
	if (tl >= 14 && strcmp(type + tl - 14, "/sharedStrings") == 0)
		resolve_target(target, t->sst_path, sizeof t->sst_path);
}

/* ---------------------------------------------------------- shared strings */

static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	(void)atts;
	xlsx_table *t = ud;
	const char *ln = local_name(name);
	if (strcmp(ln, "si") == 0) {
		t->in_si = true;
		t->si_start = t->sst.len;
	} else if (t->in_si && strcmp(ln, "rPh") == 0) {
		t->in_rph++;
	} else if (t->in_si && strcmp(ln, "t") == 0) {
		t->in_t = true;
	}
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
	xlsx_table *t = ud;
	if (t->herr_set)
		return;
	const char *ln = local_name(name);
	if (strcmp(ln, "t") == 0) {
		t->in_t = false;
	} else if (strcmp(ln, "rPh") == 0) {
		if (t->in_rph)
			t->in_rph--;
	} else if (strcmp(ln, "si") == 0 && t->in_si) {
		t->in_si = false;
		size_t len = decode_x(t->sst.p + t->si_start, t->sst.len - t->si_start);
		t->sst.len = t->si_start + len;
		if (t->nsst == MAX_SST || t->sst.len > UINT32_MAX) {
			hfail(t, "xlsx_too_large", "%s", "共享字符串过多");
			return;
		}
		if (t->nsst == t->sst_cap) {
			t->sst_cap = t->sst_cap ? t->sst_cap * 2 : 1024;
			t->sst_at = gz_realloc(t->sst_at, t->sst_cap * sizeof *t->sst_at);
		}
		t->sst_at[t->nsst++] = (sst_span){(uint32_t)t->si_start, (uint32_t)len};
	}
}

static void XMLCALL sst_text(void *ud, const XML_Char *s, int len)
{
	xlsx_table *t = ud;
	if (t->in_si && t->in_t && !t->in_rph && !t->herr_set)
		sb_add(&t->sst, s, (size_t)len);
}

/* ---------------------------------------------------------- the sheet */

static void grow_row(xlsx_table *t, size_t need)
{
	if (need <= t->cap)
		return;
	size_t cap = t->cap ? t->cap : 32;
	while (cap < need)
		cap *= 2;
	t->rec = gz_realloc(t->rec, cap * sizeof *t->rec);
	t->cells = gz_realloc(t->cells, cap * sizeof *t->cells);
	t->cap = cap;
}

static void XMLCALL sheet_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	xlsx_table *t = ud;
	if (t->herr_set)
		return;
	const char *ln = local_name(name);
	if (!t->in_sheetdata) {
		if (strcmp(ln, "sheetData") == 0)
			t->in_sheetdata = true;
		return;
	}
	if (strcmp(ln, "row") == 0) {
		const char *r = attr(atts, "r", false);
		size_t rn = t->last_r + 1;
		if (r) {
			char *e;
			unsigned long v = strtoul(r, &e, 10);
			rn = (*r >= '0' && *r <= '9' && *e == '\0') ? (size_t)v : 0;
		}
		t->in_row = true;
		t->row_r = rn;
		if (rn == 0 || rn > MAX_ROWS || rn <= t->last_r) {
			hfail(t, "xlsx_xml", "行号 %s 无效", r ? r : "?");
			return;
		}
		t->last_r = rn;
		t->ncells = 0;
		t->text.len = 0;
		t->last_col = -1;
	} else if (strcmp(ln, "c") == 0 && t->in_row) {
		const char *r = attr(atts, "r", false);
		long col = t->last_col + 1;
		if (r) {
			long c = 0;
			const char *q = r;
			while (*q && q - r < 4 &&
			       ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z'))) {
				c = c * 26 + ((*q & ~0x20) - 'A' + 1);
				q++;
			}
			col = (q == r || !(*q >= '0' && *q <= '9')) ? -1 : c - 1;
		}
		if (col < 0 || col >= MAX_COLS || col <= t->last_col) {
			hfail(t, "xlsx_xml", "单元格引用 %s 无效", r ? r : "?");
			return;
		}
		t->last_col = col;
		grow_row(t, (size_t)col + 1);
		for (size_t i = t->ncells; i < (size_t)col; i++)
			t->rec[i] = (cell_rec){"", 0, 0, GZ_CELL_TEXT};
		t->ncells = (size_t)col + 1;
		t->rec[col] = (cell_rec){"", 0, 0, GZ_CELL_TEXT};
		const char *ty = attr(atts, "t", false);
		t->ctype = !ty || strcmp(ty, "n") == 0    ? 'n'
		           : strcmp(ty, "s") == 0         ? 's'
		           : strcmp(ty, "inlineStr") == 0 ? 'i'
		           : strcmp(ty, "b") == 0         ? 'b'
		           : strcmp(ty, "e") == 0         ? 'e'
		                                          : 't'; /* str, d, anything else: text */
		t->ccol = (size_t)col;
		t->cstart = t->text.len;
		t->in_c = true;
	} else if (t->in_c) {
		if (strcmp(ln, "v") == 0)
			t->in_v = true;
		else if (strcmp(ln, "is") == 0)
			t->in_is = true;
		else if (t->in_is && strcmp(ln, "rPh") == 0)
			t->in_rph++;
		else if (t->in_is && strcmp(ln, "t") == 0)
			t->in_t = true;
	}
}

static void finish_cell(xlsx_table *t)
{
	cell_rec *c = &t->rec[t->ccol];
	char *s = t->text.p + t->cstart;
	size_t len = t->text.len - t->cstart;
	switch (t->ctype) {
	case 's': {
		size_t idx = 0;
		bool ok = len > 0 && len < 10;
		for (size_t i = 0; ok && i < len; i++) {
			ok = s[i] >= '0' && s[i] <= '9';
			idx = idx * 10 + (size_t)(s[i] - '0');
		}
		t->text.len = t->cstart;
		if (!ok || idx >= t->nsst) {
			hfail(t, "xlsx_xml", "%s", "共享字符串索引无效");
			return;
		}
		*c = (cell_rec){t->sst.p + t->sst_at[idx].off, 0, t->sst_at[idx].len, GZ_CELL_TEXT};
		if (c->len == 0)
			c->ptr = "";
		return;
	}
	case 'b':
		t->text.len = t->cstart;
		if (len == 1 && (s[0] == '0' || s[0] == '1'))
			*c = (cell_rec){s[0] == '1' ? "TRUE" : "FALSE", 0, s[0] == '1' ? 4 : 5,
			                GZ_CELL_BOOL};
		return;
	case 'e':
		*c = (cell_rec){NULL, t->cstart, len, GZ_CELL_ERROR};
		return;
	case 'n': {
		char raw[GZ_XLSX_NUM_MAX], shown[GZ_XLSX_NUM_MAX];
		int k = -1;
		if (len > 0 && len < sizeof raw) {
			memcpy(raw, s, len);
			k = gz_xlsx_number_text(raw, len, shown);
		}
		if (k >= 0) {
			t->text.len = t->cstart;
			sb_add(&t->text, shown, (size_t)k);
			*c = (cell_rec){NULL, t->cstart, (size_t)k, GZ_CELL_NUMBER};
		} else {
			*c = (cell_rec){NULL, t->cstart, len, GZ_CELL_TEXT};
		}
		return;
	}
	default: /* inline string, formula string, ISO date, unknown: text */
		len = decode_x(s, len);
		t->text.len = t->cstart + len;
		*c = (cell_rec){NULL, t->cstart, len, GZ_CELL_TEXT};
		return;
	}
}

static void XMLCALL sheet_end(void *ud, const XML_Char *name)
{
	xlsx_table *t = ud;
	if (t->herr_set || !t->in_sheetdata)
		return;
	const char *ln = local_name(name);
	if (t->in_c) {
		if (strcmp(ln, "c") == 0) {
			t->in_c = t->in_v = t->in_is = t->in_t = false;
			t->in_rph = 0;
			finish_cell(t);
		} else if (strcmp(ln, "v") == 0) {
			t->in_v = false;
		} else if (strcmp(ln, "is") == 0) {
			t->in_is = false;
		} else if (strcmp(ln, "t") == 0) {
			t->in_t = false;
		} else if (strcmp(ln, "rPh") == 0 && t->in_rph) {
			t->in_rph--;
		}
	} else if (strcmp(ln, "row") == 0 && t->in_row) {
		t->in_row = false;
		if (t->ncells > 0) {
			t->row_ready = true;
			XML_StopParser(t->p, XML_TRUE); /* hand the row to gz_table_next() */
		}
	} else if (strcmp(ln, "sheetData") == 0) {
		t->in_sheetdata = false;
	}
}

static void XMLCALL sheet_text(void *ud, const XML_Char *s, int len)
{
	xlsx_table *t = ud;
	if (t->in_c && !t->herr_set && (t->in_v || (t->in_is && t->in_t && !t->in_rph)))
		sb_add(&t->text, s, (size_t)len);
}

/* Turn the assembled row into *row; returns false for a row without content. */
static bool emit_row(xlsx_table *t, gz_row *row)
{
	size_t w = t->ncells;
	while (w > 0 && t->rec[w - 1].len == 0)
		w--;
	if (w == 0)
		return false; /* only empty (formatted) cells: invisible, like a blank line */
	size_t n = w;
	bool bad = false;
	if (!t->have_header) {
		t->have_header = true;
		t->header_cols = w;
		row->header_cols = 0;
	} else {
		row->header_cols = t->header_cols;
		bad = w > t->header_cols;
		if (n < t->header_cols) {
			grow_row(t, t->header_cols);
			for (size_t i = t->ncells; i < t->header_cols; i++)
				t->rec[i] = (cell_rec){"", 0, 0, GZ_CELL_TEXT};
			n = t->header_cols;
		}
	}
	for (size_t i = 0; i < n; i++) {
		cell_rec *c = &t->rec[i];
		t->cells[i].ptr = c->ptr ? c->ptr : c->len ? t->text.p + c->off : "";
		t->cells[i].len = c->len;
		t->cells[i].kind = c->kind;
	}
	row->ncols = n;
	row->cells = t->cells;
	row->row = row->sheet_row = t->row_r;
	row->bad_columns = bad;
	return true;
}

static int xlsx_next(gz_table *bt, gz_row *row, gz_err *err)
{
	xlsx_table *t = (xlsx_table *)bt;
	if (t->failed)
		return gz_err_set(err, GZ_EINVALID, "table_failed", "读取已因错误终止");
	if (t->done)
		return 0;
	for (;;) {
		enum XML_Status st;
		t->row_ready = false;
		if (t->suspended) {
			t->suspended = false;
			st = XML_ResumeParser(t->p);
		} else if (t->eof) {
			t->done = true;
			return 0;
		} else {
			void *buf = XML_GetBuffer(t->p, CHUNK);
			if (!buf)
				goto xml_fail;
			zip_int64_t n = read_part(t, t->zf, buf, CHUNK, err);
			if (n < 0) {
				t->failed = true;
				return -1;
			}
			t->eof = n == 0;
			st = XML_ParseBuffer(t->p, (int)n, t->eof);
		}
		if (st == XML_STATUS_ERROR)
			goto xml_fail;
		if (st == XML_STATUS_SUSPENDED)
			t->suspended = true;
		if (t->row_ready && emit_row(t, row))
			return 1;
	}
xml_fail:
	t->failed = true;
	return xml_error(t, "工作表", err);
}

static void xlsx_free(gz_table *bt)
{
	xlsx_table *t = (xlsx_table *)bt;
	if (t->p)
		XML_ParserFree(t->p);
	if (t->zf)
		zip_fclose(t->zf);
	if (t->za)
		zip_discard(t->za);
	free(t->sst.p);
	free(t->sst_at);
	free(t->text.p);
	free(t->rec);
	free(t->cells);
	free(t);
}

gz_table *gz_table_open_xlsx(const void *buf, size_t len, gz_err *err)
{
	const unsigned char *b = buf;
	if (len == 0) {
		gz_err_set(err, GZ_EINVALID, "empty_file", "文件为空");
		return NULL;
	}
	if (len >= 8 && memcmp(b, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0) {
		invalid(
		    err,
		    "这是旧版 .xls 文件或加密的工作簿，请在 Excel/WPS 中另存为 .xlsx（不设密码）");
		return NULL;
	}
	if (len < 4 || b[0] != 'P' || b[1] != 'K') {
		invalid(err, "不是 zip 压缩格式");
		return NULL;
	}
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(buf, len, 0, &ze);
	zip_t *za = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
	if (!za) {
		char why[160];
		snprintf(why, sizeof why, "压缩包损坏（%s）", zip_error_strerror(&ze));
		invalid(err, why);
		if (src)
			zip_source_free(src);
		zip_error_fini(&ze);
		return NULL;
	}
	zip_error_fini(&ze);

	xlsx_table *t = gz_calloc(1, sizeof *t);
	t->base.next = xlsx_next;
	t->base.free = xlsx_free;
	/* Cells and shared strings are addressed as buffer + offset even when empty; with
	 * the buffers allocated up front that is never NULL + 0 (undefined behaviour). */
	sb_reserve(&t->text, 1);
	sb_reserve(&t->sst, 1);
	t->za = za;
	if (zip_get_num_entries(za, 0) > GZ_XLSX_MAX_ENTRIES) {
		gz_err_set(err, GZ_ETOOLARGE, "xlsx_too_large", "压缩包条目过多（超过 %d 个）",
		           GZ_XLSX_MAX_ENTRIES);
		goto fail;
	}

	XML_Parser p = new_parser(t);
	XML_SetStartElementHandler(p, wb_start);
	int rc = parse_part(t, "xl/workbook.xml", err);
	if (rc < 0)
		goto fail;
	if (rc == 1) {
		invalid(err, "缺少 xl/workbook.xml");
		goto fail;
	}
	if (!t->have_rid) {
		invalid(err, "工作簿中没有工作表");
		goto fail;
	}

	p = new_parser(t);
	XML_SetStartElementHandler(p, rels_start);
	rc = parse_part(t, "xl/_rels/workbook.xml.rels", err);
	if (rc < 0)
		goto fail;
	if (rc == 1 || !t->sheet_path[0]) {
		invalid(err, "找不到第一个工作表");
		goto fail;
	}

	p = new_parser(t);
	XML_SetElementHandler(p, sst_start, sst_end);
	XML_SetCharacterDataHandler(p, sst_text);
	rc = parse_part(t, t->sst_path[0] ? t->sst_path : "xl/sharedStrings.xml", err);
	if (rc < 0)
		goto fail;
	t->in_t = false;
	t->in_rph = 0;

	bool missing;
	t->zf = open_part(t, t->sheet_path, &missing, err);
	if (!t->zf) {
		if (missing)
			invalid(err, "缺少第一个工作表的数据");
		goto fail;
	}
	p = new_parser(t);
	XML_SetElementHandler(p, sheet_start, sheet_end);
	XML_SetCharacterDataHandler(p, sheet_text);
	return &t->base;
fail:
	xlsx_free(&t->base);
	return NULL;
}

/* ---------------------------------------------------------- number display */

int gz_xlsx_number_text(const char *s, size_t n, char out[GZ_XLSX_NUM_MAX])
{
	size_t i = 0;
	bool neg = false;
	if (i < n && s[i] == '-')
		neg = true, i++;
	char dig[16]; /* first 16 significant digits: 15 kept + 1 for rounding */
	size_t nd = 0;
	long e10 = 0; /* value = 0.dig * 10^e10 */
	bool any = false;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		any = true;
		if (nd == 0 && s[i] == '0')
			continue;
		if (nd < sizeof dig)
			dig[nd++] = s[i];
		else if (e10 > 100000)
			return -1;
		e10++;
	}
	if (i < n && s[i] == '.') {
		i++;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			any = true;
			if (nd == 0 && s[i] == '0') {
				if (e10 < -100000)
					return -1;
				e10--;
				continue;
			}
			if (nd < sizeof dig)
				dig[nd++] = s[i];
		}
	}
	if (!any)
		return -1;
	if (i < n && (s[i] == 'E' || s[i] == 'e')) {
		i++;
		bool eneg = false;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			eneg = s[i] == '-', i++;
		if (i == n)
			return -1;
		long ex = 0;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			if (ex < 100000)
				ex = ex * 10 + (s[i] - '0');
		e10 += eneg ? -ex : ex;
	}
	if (i != n)
		return -1;
	if (nd == 0) {
		strcpy(out, "0");
		return 1;
	}
	if (nd > 15) {
		bool up = dig[15] >= '5';
		nd = 15;
		for (size_t k = nd; up && k-- > 0;) {
			if (dig[k] == '9') {
				dig[k] = '0';
			} else {
				dig[k]++;
				up = false;
			}
		}
		if (up) { /* 999...9 rounded to 1000...0 */
			dig[0] = '1';
			nd = 1;
			e10++;
		}
	}
	while (nd > 0 && dig[nd - 1] == '0')
		nd--;

	size_t o = 0;
	if (neg)
		out[o++] = '-';
	if (e10 > 30 || e10 < -29) {
		out[o++] = dig[0];
		if (nd > 1) {
			out[o++] = '.';
			memcpy(out + o, dig + 1, nd - 1);
			o += nd - 1;
		}
		o += (size_t)snprintf(out + o, GZ_XLSX_NUM_MAX - o, "E%c%02ld",
		                      e10 - 1 < 0 ? '-' : '+', labs(e10 - 1));
		return (int)o;
	}
	if (e10 <= 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (long k = 0; k < -e10; k++)
			out[o++] = '0';
		memcpy(out + o, dig, nd);
		o += nd;
	} else if ((size_t)e10 >= nd) {
		memcpy(out + o, dig, nd);
		o += nd;
		for (size_t k = nd; k < (size_t)e10; k++)
			out[o++] = '0';
	} else {
		memcpy(out + o, dig, (size_t)e10);
		o += (size_t)e10;
		out[o++] = '.';
		memcpy(out + o, dig + e10, nd - (size_t)e10);
		o += nd - (size_t)e10;
	}
	out[o] = '\0';
	return (int)o;
}

/* ---------------------------------------------------------- date serials */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static long days_from_civil(long y, long m, long d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

int gz_xlsx_serial_date(const char *s, size_t n, bool date1904, int *y, int *m, int *d)
{
	size_t i = 0;
	long serial = 0;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		serial = serial * 10 + (s[i] - '0');
		if (serial > 2958465)
			return -1;
	}
	if (i == 0)
		return -1;
	if (i < n) {
		if (s[i] != '.')
			return -1;
		for (i++; i < n; i++)
			if (s[i] < '0' || s[i] > '9')
				return -1;
	}
	long days;
	if (date1904) {
		days = days_from_civil(1904, 1, 1) + serial;
	} else {
		if (serial < 1 || serial == 60)
			return -1; /* 1900-01-00 and Lotus' 1900-02-29 do not exist */
		days = days_from_civil(1899, 12, serial < 60 ? 31 : 30) + serial;
	}
	civil_from_days(days, y, m, d);
	return *y <= 9999 ? 0 : -1;
}
