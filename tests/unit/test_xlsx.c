/* Unit tests for core/xlsx.c: reading the first sheet of an .xlsx in memory. Workbooks
 * are made with libxlsxwriter (as Excel would) or assembled part by part with libzip
 * for shapes libxlsxwriter does not produce (rich text, inline strings, hostile files). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <zip.h>

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *b = malloc((size_t)n + 1);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void temp_path(char *out, size_t cap)
{
	snprintf(out, cap, "/tmp/gz-xlsx-test-XXXXXX.xlsx");
	int fd = mkstemps(out, 5);
	assert_true(fd >= 0);
	close(fd);
}

/* A zip of the given parts, in memory (malloc'd). */
static unsigned char *make_zip(const char *const *parts, size_t nparts, size_t *len)
{
	char path[64];
	temp_path(path, sizeof path);
	int zerr;
	zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
	assert_non_null(z);
	for (size_t i = 0; i < nparts; i++) {
		zip_source_t *s =
		    zip_source_buffer(z, parts[2 * i + 1], strlen(parts[2 * i + 1]), 0);
		assert_non_null(s);
		assert_true(zip_file_add(z, parts[2 * i], s, ZIP_FL_ENC_UTF_8) >= 0);
	}
	assert_int_equal(zip_close(z), 0);
	unsigned char *b = slurp(path, len);
	unlink(path);
	return b;
}

#define WORKBOOK_1(rid)                                                                            \
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"                            \
	"<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "           \
	"xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"         \
	"<sheets><sheet name=\"A\" sheetId=\"1\" r:id=\"" rid "\"/>"                               \
	"<sheet name=\"B\" sheetId=\"2\" r:id=\"rId9\"/></sheets></workbook>"

#define RELS                                                                                       \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"                                               \
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"   \
	"<Relationship Id=\"rId1\" "                                                               \
	"Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "  \
	"Target=\"worksheets/sheet1.xml\"/>"                                                       \
	"<Relationship Id=\"rId2\" "                                                               \
	"Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "  \
	"Target=\"/xl/worksheets/sheet2.xml\"/>"                                                   \
	"<Relationship Id=\"rId9\" "                                                               \
	"Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "  \
	"Target=\"worksheets/../worksheets/sheet9.xml\"/>"                                         \
	"<Relationship Id=\"rId3\" "                                                               \
	"Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"              \
	"sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>"

#define SHEET(rows)                                                                                \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"                                               \
	"<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"          \
	"<sheetData>" rows "</sheetData></worksheet>"

#define SST(items)                                                                                 \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"                                               \
	"<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">" items "</sst>"

static void expect_cell(const gz_row *r, size_t i, const char *want, gz_cell_kind kind)
{
	assert_true(i < r->ncols);
	size_t n = strlen(want);
	if (r->cells[i].len != n || memcmp(r->cells[i].ptr, want, n) != 0)
		fail_msg("row %zu cell %zu: want '%s', got '%.*s'", r->row, i, want,
		         (int)r->cells[i].len, r->cells[i].ptr);
	assert_int_equal(r->cells[i].kind, kind);
}

static void next_ok(gz_table *t, gz_row *r)
{
	gz_err err;
	gz_err_clear(&err);
	int rc = gz_table_next(t, r, &err);
	if (rc != 1)
		fail_msg("gz_table_next returned %d: %s", rc, err.message);
}

static gz_table *open_parts(const char *const *parts, size_t n, unsigned char **buf, gz_err *err)
{
	size_t len;
	*buf = make_zip(parts, n, &len);
	return gz_table_open_xlsx(*buf, len, err);
}

/* ---------------------------------------------------------------- libxlsxwriter files */

static unsigned char *make_workbook(size_t *len)
{
	char path[64];
	temp_path(path, sizeof path);
	lxw_workbook *wb = workbook_new(path);
	lxw_worksheet *ws = workbook_add_worksheet(wb, "居民");
	lxw_worksheet *other = workbook_add_worksheet(wb, "第二页");
	worksheet_write_string(ws, 0, 0, "姓名", NULL);
	worksheet_write_string(ws, 0, 1, "电话", NULL);
	worksheet_write_string(ws, 0, 2, "面积", NULL);
	worksheet_write_string(ws, 0, 3, "身份证号", NULL);
	/* row 2: everything filled */
	worksheet_write_string(ws, 1, 0, "欧阳娜娜", NULL);
	worksheet_write_string(ws, 1, 1, "13812341234", NULL);
	worksheet_write_number(ws, 1, 2, 89.37, NULL);
	worksheet_write_string(ws, 1, 3, "11010519491231002X", NULL);
	/* row 3: empty cell in the middle (B), number phone, ID typed as a number */
	worksheet_write_string(ws, 2, 0, "张三", NULL);
	worksheet_write_number(ws, 2, 2, 0.1 + 0.2, NULL);
	worksheet_write_number(ws, 2, 3, 110105194912310020.0, NULL);
	/* row 5 (row 4 absent): only column A — the rest are missing */
	worksheet_write_string(ws, 4, 0, "李四", NULL);
	/* row 6: a value beyond the header */
	worksheet_write_string(ws, 5, 0, "王五", NULL);
	worksheet_write_string(ws, 5, 5, "多余", NULL);
	/* row 7: booleans and a phone stored as a number */
	worksheet_write_boolean(ws, 6, 0, 1, NULL);
	worksheet_write_number(ws, 6, 1, 13812341234.0, NULL);
	worksheet_write_boolean(ws, 6, 2, 0, NULL);
	worksheet_write_string(other, 0, 0, "不应读取", NULL);
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
	unsigned char *b = slurp(path, len);
	unlink(path);
	return b;
}

static void test_xlsx_reads_first_sheet_strings_numbers_gaps(void **state)
{
	(void)state;
	size_t len;
	unsigned char *buf = make_workbook(&len);
	gz_err err;
	gz_table *t = gz_table_open_xlsx(buf, len, &err);
	if (!t)
		fail_msg("open: %s", err.message);
	gz_row r;

	next_ok(t, &r);
	assert_int_equal(r.row, 1);
	assert_int_equal(r.ncols, 4);
	assert_int_equal(r.header_cols, 0);
	expect_cell(&r, 0, "姓名", GZ_CELL_TEXT);
	expect_cell(&r, 3, "身份证号", GZ_CELL_TEXT);

	next_ok(t, &r);
	assert_int_equal(r.row, 2);
	assert_int_equal(r.header_cols, 4);
	expect_cell(&r, 0, "欧阳娜娜", GZ_CELL_TEXT);
	expect_cell(&r, 1, "13812341234", GZ_CELL_TEXT);
	expect_cell(&r, 2, "89.37", GZ_CELL_NUMBER);
	expect_cell(&r, 3, "11010519491231002X", GZ_CELL_TEXT);

	next_ok(t, &r);
	assert_int_equal(r.row, 3);
	expect_cell(&r, 0, "张三", GZ_CELL_TEXT);
	expect_cell(&r, 1, "", GZ_CELL_TEXT); /* the gap */
	expect_cell(&r, 2, "0.3", GZ_CELL_NUMBER);
	expect_cell(&r, 3, "110105194912310000", GZ_CELL_NUMBER); /* digits already lost */

	next_ok(t, &r);
	assert_int_equal(r.row, 5); /* row 4 does not exist */
	assert_int_equal(r.ncols, 4);
	assert_false(r.bad_columns);
	expect_cell(&r, 0, "李四", GZ_CELL_TEXT);
	expect_cell(&r, 3, "", GZ_CELL_TEXT);

	next_ok(t, &r);
	assert_int_equal(r.row, 6);
	assert_true(r.bad_columns);
	assert_int_equal(r.ncols, 6);
	expect_cell(&r, 5, "多余", GZ_CELL_TEXT);

	next_ok(t, &r);
	assert_int_equal(r.row, 7);
	expect_cell(&r, 0, "TRUE", GZ_CELL_BOOL);
	expect_cell(&r, 1, "13812341234", GZ_CELL_NUMBER);
	expect_cell(&r, 2, "FALSE", GZ_CELL_BOOL);

	assert_int_equal(gz_table_next(t, &r, &err), 0); /* second sheet not read */
	assert_int_equal(gz_table_next(t, &r, &err), 0);
	assert_false(t->date1904);
	gz_table_free(t);
	free(buf);
}

static void test_xlsx_many_rows_stream_across_chunks(void **state)
{
	(void)state;
	char path[64];
	temp_path(path, sizeof path);
	lxw_workbook_options o = {.constant_memory = LXW_TRUE};
	lxw_workbook *wb = workbook_new_opt(path, &o);
	lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
	enum { ROWS = 2500 }; /* > 64 KiB of sheet XML: several chunks */
	worksheet_write_string(ws, 0, 0, "编号", NULL);
	worksheet_write_string(ws, 0, 1, "名称", NULL);
	for (int i = 1; i <= ROWS; i++) {
		char s[32];
		snprintf(s, sizeof s, "居民%d", i);
		worksheet_write_number(ws, (lxw_row_t)i, 0, i, NULL);
		worksheet_write_string(ws, (lxw_row_t)i, 1, s, NULL); /* inline strings */
	}
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
	size_t len;
	unsigned char *buf = slurp(path, &len);
	unlink(path);
	gz_err err;
	gz_table *t = gz_table_open_xlsx(buf, len, &err);
	assert_non_null(t);
	gz_row r;
	next_ok(t, &r);
	int n = 0, rc;
	while ((rc = gz_table_next(t, &r, &err)) == 1) {
		n++;
		char want[32];
		snprintf(want, sizeof want, "%d", n);
		expect_cell(&r, 0, want, GZ_CELL_NUMBER);
		snprintf(want, sizeof want, "居民%d", n);
		expect_cell(&r, 1, want, GZ_CELL_TEXT);
		assert_int_equal(r.row, (size_t)n + 1);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, ROWS);
	gz_table_free(t);
	free(buf);
}

/* ---------------------------------------------------------------- hand-made parts */

static void test_xlsx_rich_text_inline_and_cell_types(void **state)
{
	(void)state;
	const char *parts[] = {
	    "xl/workbook.xml",
	    WORKBOOK_1("rId1"),
	    "xl/_rels/workbook.xml.rels",
	    RELS,
	    "xl/sharedStrings.xml",
	    SST("<si><t>姓名</t></si>"
	        "<si><r><rPr><b/></rPr><t>张</t></r><r><t xml:space=\"preserve\">三 </t></r>"
	        "<rPh sb=\"0\" eb=\"1\"><t>ちょう</t></rPh></si>"
	        "<si><t>line_x000D_break</t></si>"
	        "<si><t/></si>"),
	    "xl/worksheets/sheet1.xml",
	    SHEET("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>3</v></c>"
	          "<c r=\"C1\" t=\"inlineStr\"><is><t>备注</t></is></c></row>"
	          "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>1</v></c>"
	          "<c r=\"B2\"><v>89.370000000000005</v></c>"
	          "<c r=\"C2\" t=\"inlineStr\"><is><r><t>a</t></r><r><t>b</t></r></is></c>"
	          "<c r=\"D2\" t=\"str\"><f>A1&amp;\"x\"</f><v>姓名x</v></c>"
	          "<c r=\"E2\" t=\"e\"><v>#N/A</v></c></row>"
	          "<row><c t=\"s\"><v>2</v></c><c><v>1.1010519491231002E+17</v></c>"
	          "<c s=\"3\"/><c><v>-0</v></c></row>"
	          "<row r=\"10\"><c r=\"b10\"><v>45292</v></c></row>"
	          "<row r=\"11\"><c r=\"A11\" s=\"1\"/></row>"
	          "<row r=\"12\"/>"),
	};
	unsigned char *buf;
	gz_err err;
	gz_table *t = open_parts(parts, 4, &buf, &err);
	if (!t)
		fail_msg("open: %s", err.message);
	gz_row r;
	next_ok(t, &r);
	assert_int_equal(r.ncols, 3); /* B1 is an empty shared string: C1 still counts */
	expect_cell(&r, 0, "姓名", GZ_CELL_TEXT);
	expect_cell(&r, 1, "", GZ_CELL_TEXT);
	expect_cell(&r, 2, "备注", GZ_CELL_TEXT);
	next_ok(t, &r);
	assert_int_equal(r.row, 2);
	expect_cell(&r, 0, "张三 ", GZ_CELL_TEXT); /* runs joined, phonetic run dropped */
	expect_cell(&r, 1, "89.37", GZ_CELL_NUMBER);
	expect_cell(&r, 2, "ab", GZ_CELL_TEXT);
	expect_cell(&r, 3, "姓名x", GZ_CELL_TEXT);
	expect_cell(&r, 4, "#N/A", GZ_CELL_ERROR);
	assert_true(r.bad_columns);
	next_ok(t, &r);
	assert_int_equal(r.row, 3); /* no r attribute: previous + 1 */
	expect_cell(&r, 0, "line\rbreak", GZ_CELL_TEXT);
	expect_cell(&r, 1, "110105194912310000", GZ_CELL_NUMBER);
	expect_cell(&r, 2, "", GZ_CELL_TEXT);
	expect_cell(&r, 3, "0", GZ_CELL_NUMBER);
	next_ok(t, &r);
	assert_int_equal(r.row, 10);
	expect_cell(&r, 0, "", GZ_CELL_TEXT);
	expect_cell(&r, 1, "45292", GZ_CELL_NUMBER);
	int y, m, d;
	assert_int_equal(
	    gz_xlsx_serial_date(r.cells[1].ptr, r.cells[1].len, t->date1904, &y, &m, &d), 0);
	assert_int_equal(y, 2024);
	assert_int_equal(m, 1);
	assert_int_equal(d, 1);
	/* Rows 11 (a formatted empty cell) and 12 (no cells) are invisible. */
	assert_int_equal(gz_table_next(t, &r, &err), 0);
	gz_table_free(t);
	free(buf);
}

static void test_xlsx_first_sheet_is_first_in_workbook_not_sheet1(void **state)
{
	(void)state;
	const char *parts[] = {
	    "xl/workbook.xml",
	    WORKBOOK_1("rId2"),
	    "xl/_rels/workbook.xml.rels",
	    RELS,
	    "xl/worksheets/sheet1.xml",
	    SHEET("<row r=\"1\"><c t=\"inlineStr\"><is><t>wrong</t></is></c></row>"),
	    "xl/worksheets/sheet2.xml",
	    SHEET("<row r=\"1\"><c t=\"inlineStr\"><is><t>right</t></is></c></row>"),
	};
	unsigned char *buf;
	gz_err err;
	gz_table *t = open_parts(parts, 4, &buf, &err); /* no sharedStrings part at all */
	if (!t)
		fail_msg("open: %s", err.message);
	gz_row r;
	next_ok(t, &r);
	expect_cell(&r, 0, "right", GZ_CELL_TEXT);
	gz_table_free(t);
	free(buf);
}

static void test_xlsx_date1904_flag(void **state)
{
	(void)state;
	const char *parts[] = {
	    "xl/workbook.xml",
	    "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
	    "xmlns:x=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
	    "<workbookPr date1904=\"1\"/><sheets><sheet name=\"A\" sheetId=\"1\" x:id=\"rId1\"/>"
	    "</sheets></workbook>",
	    "xl/_rels/workbook.xml.rels",
	    RELS,
	    "xl/worksheets/sheet1.xml",
	    SHEET("<row r=\"1\"><c><v>0</v></c></row>"),
	};
	unsigned char *buf;
	gz_err err;
	gz_table *t = open_parts(parts, 3, &buf, &err);
	assert_non_null(t);
	assert_true(t->date1904); /* the relationships prefix need not be "r" */
	gz_row r;
	next_ok(t, &r);
	int y, m, d;
	assert_int_equal(gz_xlsx_serial_date(r.cells[0].ptr, r.cells[0].len, true, &y, &m, &d), 0);
	assert_int_equal(y, 1904);
	gz_table_free(t);
	free(buf);
}

static void test_xlsx_rejects_doctype_and_entities(void **state)
{
	(void)state;
	const char *laughs =
	    "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
	    "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>"
	    "<worksheet><sheetData><row r=\"1\"><c t=\"inlineStr\"><is><t>&lol2;</t></is></c></row>"
	    "</sheetData></worksheet>";
	const char *parts[] = {
	    "xl/workbook.xml",
	    WORKBOOK_1("rId1"),
	    "xl/_rels/workbook.xml.rels",
	    RELS,
	    "xl/worksheets/sheet1.xml",
	    laughs,
	};
	unsigned char *buf;
	gz_err err;
	gz_table *t = open_parts(parts, 3, &buf, &err);
	assert_non_null(t);
	gz_row r;
	gz_err_clear(&err);
	assert_int_equal(gz_table_next(t, &r, &err), -1);
	assert_string_equal(err.code, "xlsx_xml");
	assert_non_null(strstr(err.message, "DOCTYPE"));
	gz_table_free(t);
	free(buf);

	const char *xxe[] = {
	    "xl/workbook.xml",
	    "<?xml version=\"1.0\"?><!DOCTYPE w SYSTEM \"file:///etc/passwd\"><workbook/>",
	    "xl/_rels/workbook.xml.rels",
	    RELS,
	};
	gz_err_clear(&err);
	assert_null(open_parts(xxe, 2, &buf, &err));
	assert_non_null(strstr(err.message, "DOCTYPE"));
	free(buf);
}

static void test_xlsx_bad_shared_string_index_names_the_row(void **state)
{
	(void)state;
	const char *parts[] = {
	    "xl/workbook.xml",
	    WORKBOOK_1("rId1"),
	    "xl/_rels/workbook.xml.rels",
	    RELS,
	    "xl/sharedStrings.xml",
	    SST("<si><t>a</t></si>"),
	    "xl/worksheets/sheet1.xml",
	    SHEET("<row r=\"1\"><c t=\"s\"><v>0</v></c></row><row r=\"4\"><c "
	          "t=\"s\"><v>7</v></c></row>"),
	};
	unsigned char *buf;
	gz_err err;
	gz_table *t = open_parts(parts, 4, &buf, &err);
	gz_row r;
	next_ok(t, &r);
	gz_err_clear(&err);
	assert_int_equal(gz_table_next(t, &r, &err), -1);
	assert_string_equal(err.code, "xlsx_xml");
	assert_non_null(strstr(err.message, "第 4 行"));
	assert_string_equal(err.fields[0].name, "row");
	assert_string_equal(err.fields[0].why, "4");
	assert_int_equal(gz_table_next(t, &r, &err), -1);
	gz_table_free(t);
	free(buf);
}

static void test_xlsx_bad_references_and_broken_xml(void **state)
{
	(void)state;
	const char *sheets[] = {
	    SHEET("<row r=\"2\"><c><v>1</v></c></row><row r=\"2\"><c><v>1</v></c></row>"),
	    SHEET("<row r=\"1\"><c r=\"B1\"><v>1</v></c><c r=\"A1\"><v>1</v></c></row>"),
	    SHEET("<row r=\"1\"><c r=\"XFE1\"><v>1</v></c></row>"),
	    SHEET("<row r=\"1\"><c r=\"11\"><v>1</v></c></row>"),
	    SHEET("<row r=\"1048577\"><c><v>1</v></c></row>"),
	    "<worksheet><sheetData><row r=\"1\"><c><v>1</v></c></row>", /* truncated */
	    SHEET("<row r=\"1\"><c t=\"inlineStr\"><is><t>\xd5\xc5</t></is></c></row>"), /* GBK */
	    SHEET("<row r=\"1\"><c t=\"inlineStr\"><is><t>\xed\xa0\x80</t></is></c></row>"),
	    SHEET("<row r=\"1\"><c t=\"inlineStr\"><is><t>&#0;</t></is></c></row>"),
	};
	for (size_t i = 0; i < sizeof sheets / sizeof *sheets; i++) {
		const char *parts[] = {
		    "xl/workbook.xml",
		    WORKBOOK_1("rId1"),
		    "xl/_rels/workbook.xml.rels",
		    RELS,
		    "xl/worksheets/sheet1.xml",
		    sheets[i],
		};
		unsigned char *buf;
		gz_err err;
		gz_table *t = open_parts(parts, 3, &buf, &err);
		assert_non_null(t);
		gz_row r;
		int rc;
		while ((rc = gz_table_next(t, &r, &err)) == 1)
			;
		if (rc != -1)
			fail_msg("sheet %zu accepted", i);
		assert_string_equal(err.code, "xlsx_xml");
		gz_table_free(t);
		free(buf);
	}
}

static void test_xlsx_not_an_xlsx(void **state)
{
	(void)state;
	gz_err err;
	gz_err_clear(&err);
	assert_null(gz_table_open_xlsx("", 0, &err));
	assert_string_equal(err.code, "empty_file");
	assert_string_equal(err.message, "文件为空");
	assert_null(gz_table_open_xlsx("name,phone\n", 11, &err));
	assert_string_equal(err.code, "xlsx_invalid");
	assert_null(gz_table_open_xlsx("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0", 12, &err));
	assert_non_null(strstr(err.message, ".xls"));
	static const char junk[] = "PK\x03\x04garbage-garbage-garbage";
	assert_null(gz_table_open_xlsx(junk, sizeof junk - 1, &err));
	assert_string_equal(err.code, "xlsx_invalid");

	/* A zip without a workbook; a workbook without sheets; a sheet that is missing. */
	const char *nowb[] = {"hello.txt", "hi"};
	unsigned char *buf;
	assert_null(open_parts(nowb, 1, &buf, &err));
	assert_non_null(strstr(err.message, "workbook.xml"));
	free(buf);
	const char *nosheets[] = {"xl/workbook.xml",
	                          "<workbook "
	                          "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/"
	                          "main\"><sheets/></workbook>",
	                          "xl/_rels/workbook.xml.rels", RELS};
	assert_null(open_parts(nosheets, 2, &buf, &err));
	assert_non_null(strstr(err.message, "没有工作表"));
	free(buf);
	const char *nosheet[] = {"xl/workbook.xml", WORKBOOK_1("rId1"),
	                         "xl/_rels/workbook.xml.rels", RELS};
	assert_null(open_parts(nosheet, 2, &buf, &err));
	assert_string_equal(err.code, "xlsx_invalid");
	free(buf);
}

/* Set the uncompressed size a zip declares for `name` (central directory and local
 * header) — a zip bomb announces itself this way or lies; both are handled. */
static void patch_declared_size(unsigned char *z, size_t len, const char *name, uint32_t size)
{
	size_t nl = strlen(name);
	int patched = 0;
	for (size_t i = 0; i + 46 < len; i++) {
		if (memcmp(z + i, "PK\x01\x02", 4) == 0 && z[i + 28] == (nl & 0xFF) &&
		    memcmp(z + i + 46, name, nl) == 0) {
			memcpy(z + i + 24, &size, 4); /* little-endian host */
			patched++;
		}
		if (memcmp(z + i, "PK\x03\x04", 4) == 0 && z[i + 26] == (nl & 0xFF) &&
		    memcmp(z + i + 30, name, nl) == 0) {
			memcpy(z + i + 22, &size, 4);
			patched++;
		}
	}
	assert_int_equal(patched, 2);
}

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, (uint16_t)v), put16(p + 2, (uint16_t)(v >> 16));
}

static void test_xlsx_zip_bomb_limits(void **state)
{
	(void)state;
	const char *parts[] = {
	    "xl/workbook.xml",
	    WORKBOOK_1("rId1"),
	    "xl/_rels/workbook.xml.rels",
	    RELS,
	    "xl/worksheets/sheet1.xml",
	    SHEET("<row r=\"1\"><c><v>1</v></c></row>"),
	};
	size_t len;
	unsigned char *buf = make_zip(parts, 3, &len);
	patch_declared_size(buf, len, "xl/worksheets/sheet1.xml", 300u * 1024 * 1024);
	gz_err err;
	gz_err_clear(&err);
	assert_null(gz_table_open_xlsx(buf, len, &err));
	assert_string_equal(err.code, "xlsx_too_large");
	assert_int_equal(err.kind, GZ_ETOOLARGE);
	free(buf);

	/* Too many entries: a central directory of GZ_XLSX_MAX_ENTRIES + 1 empty stored
	 * files, crafted in memory (libzip reads only the directory when opening). */
	size_t n = GZ_XLSX_MAX_ENTRIES + 1;
	buf = calloc(1, 64 + n * 64);
	size_t o = 0;
	put32(buf + o, 0x04034b50); /* one local header at offset 0 */
	put16(buf + o + 26, 2);
	memcpy(buf + o + 30, "f0", 2);
	o += 32;
	size_t cd = o;
	for (size_t i = 0; i < n; i++) {
		char name[16];
		int nl = snprintf(name, sizeof name, "f%zu", i);
		put32(buf + o, 0x02014b50);
		put16(buf + o + 4, 20);
		put16(buf + o + 6, 20);
		put16(buf + o + 28, (uint16_t)nl);
		memcpy(buf + o + 46, name, (size_t)nl);
		o += 46 + (size_t)nl;
	}
	put32(buf + o, 0x06054b50);
	put16(buf + o + 8, (uint16_t)n);
	put16(buf + o + 10, (uint16_t)n);
	put32(buf + o + 12, (uint32_t)(o - cd));
	put32(buf + o + 16, (uint32_t)cd);
	o += 22;
	gz_err_clear(&err);
	assert_null(gz_table_open_xlsx(buf, o, &err));
	assert_string_equal(err.code, "xlsx_too_large");
	free(buf);
}

/* ---------------------------------------------------------------- helpers */

static void expect_num(const char *raw, const char *shown)
{
	char out[GZ_XLSX_NUM_MAX];
	int n = gz_xlsx_number_text(raw, strlen(raw), out);
	if (n < 0)
		fail_msg("'%s' rejected", raw);
	assert_int_equal((size_t)n, strlen(out));
	assert_string_equal(out, shown);
}

static void test_xlsx_number_text_like_excel(void **state)
{
	(void)state;
	expect_num("89.370000000000005", "89.37");
	expect_num("89.37", "89.37");
	expect_num("0.30000000000000004", "0.3");
	expect_num("1.1010519491231002E+17", "110105194912310000");
	expect_num("13812341234", "13812341234");
	expect_num("100", "100");
	expect_num("0", "0");
	expect_num("-0", "0");
	expect_num("0.0", "0");
	expect_num("1E-3", "0.001");
	expect_num("-12.5", "-12.5");
	expect_num("123456789012345678", "123456789012346000");
	expect_num("999999999999999.5", "1000000000000000");
	expect_num("0.1234567890123456789", "0.123456789012346");
	expect_num("2.9999999999999996", "3");
	expect_num("1.5E+40", "1.5E+40");
	expect_num("1E-40", "1E-40");
	expect_num("00012.3400", "12.34");
	expect_num("5e2", "500");
	char out[GZ_XLSX_NUM_MAX];
	const char *bad[] = {"", "-", ".", "abc", "1.2.3", "1e", "1e+", "12a", "--1", " 1", "+1"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (gz_xlsx_number_text(bad[i], strlen(bad[i]), out) != -1)
			fail_msg("'%s' accepted", bad[i]);
}

static void test_xlsx_serial_dates(void **state)
{
	(void)state;
	int y, m, d;
	assert_int_equal(gz_xlsx_serial_date("1", 1, false, &y, &m, &d), 0);
	assert_true(y == 1900 && m == 1 && d == 1);
	assert_int_equal(gz_xlsx_serial_date("59", 2, false, &y, &m, &d), 0);
	assert_true(y == 1900 && m == 2 && d == 28);
	assert_int_equal(gz_xlsx_serial_date("60", 2, false, &y, &m, &d), -1); /* 1900-02-29 */
	assert_int_equal(gz_xlsx_serial_date("61", 2, false, &y, &m, &d), 0);
	assert_true(y == 1900 && m == 3 && d == 1);
	assert_int_equal(gz_xlsx_serial_date("18264", 5, false, &y, &m, &d), 0);
	assert_true(y == 1950 && m == 1 && d == 1);
	assert_int_equal(gz_xlsx_serial_date("45292.75", 8, false, &y, &m, &d), 0);
	assert_true(y == 2024 && m == 1 && d == 1);
	assert_int_equal(gz_xlsx_serial_date("2958465", 7, false, &y, &m, &d), 0);
	assert_true(y == 9999 && m == 12 && d == 31);
	assert_int_equal(gz_xlsx_serial_date("2958466", 7, false, &y, &m, &d), -1);
	assert_int_equal(gz_xlsx_serial_date("0", 1, false, &y, &m, &d), -1);
	assert_int_equal(gz_xlsx_serial_date("-1", 2, false, &y, &m, &d), -1);
	assert_int_equal(gz_xlsx_serial_date("1E3", 3, false, &y, &m, &d), -1);
	assert_int_equal(gz_xlsx_serial_date("1462", 4, true, &y, &m, &d), 0);
	assert_true(y == 1908 && m == 1 && d == 2);
}

/* Found by tests/fuzz/fuzz_xlsx.c: a sheet whose first cell has no text (a formatted
 * empty cell, common in real files) and a shared-string table whose first item is empty
 * were read through offsets into buffers not yet allocated (NULL + 0: undefined
 * behaviour, reported by clang's UBSan). Both now read as empty cells. */
static void test_xlsx_empty_first_cell_and_empty_first_shared_string(void **state)
{
	(void)state;
	const char *parts[] = {
	    "xl/workbook.xml",
	    WORKBOOK_1("rId1"),
	    "xl/_rels/workbook.xml.rels",
	    RELS,
	    "xl/sharedStrings.xml",
	    SST("<si><t/></si><si><t>姓名</t></si>"),
	    "xl/worksheets/sheet1.xml",
	    SHEET("<row r=\"1\"><c r=\"A1\" s=\"1\"/><c r=\"B1\" t=\"s\"><v>0</v></c>"
	          "<c r=\"C1\" t=\"s\"><v>1</v></c></row>"),
	};
	unsigned char *buf;
	gz_err err;
	gz_table *t = open_parts(parts, 4, &buf, &err);
	if (!t)
		fail_msg("open: %s", err.message);
	gz_row r;
	next_ok(t, &r);
	assert_int_equal(r.ncols, 3);
	expect_cell(&r, 0, "", GZ_CELL_TEXT);
	expect_cell(&r, 1, "", GZ_CELL_TEXT);
	expect_cell(&r, 2, "姓名", GZ_CELL_TEXT);
	assert_int_equal(gz_table_next(t, &r, &err), 0);
	gz_table_free(t);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_xlsx_reads_first_sheet_strings_numbers_gaps),
	    cmocka_unit_test(test_xlsx_many_rows_stream_across_chunks),
	    cmocka_unit_test(test_xlsx_rich_text_inline_and_cell_types),
	    cmocka_unit_test(test_xlsx_first_sheet_is_first_in_workbook_not_sheet1),
	    cmocka_unit_test(test_xlsx_date1904_flag),
	    cmocka_unit_test(test_xlsx_rejects_doctype_and_entities),
	    cmocka_unit_test(test_xlsx_bad_shared_string_index_names_the_row),
	    cmocka_unit_test(test_xlsx_bad_references_and_broken_xml),
	    cmocka_unit_test(test_xlsx_not_an_xlsx),
	    cmocka_unit_test(test_xlsx_zip_bomb_limits),
	    cmocka_unit_test(test_xlsx_number_text_like_excel),
	    cmocka_unit_test(test_xlsx_serial_dates),
	    cmocka_unit_test(test_xlsx_empty_first_cell_and_empty_first_shared_string),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
