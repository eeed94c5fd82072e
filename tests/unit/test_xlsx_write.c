/* Unit tests for core/xlsx_write.c: exports read back with the import reader. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/table.h"
#include "core/xlsx_write.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

typedef struct {
	const char *(*rows)[4];
	size_t n, i;
	int fail_at; /* -1: never */
} src_t;

static int next_row(void *ctx, const char **cells, gz_err *err)
{
	src_t *s = ctx;
	if ((int)s->i == s->fail_at)
		return gz_err_set(err, GZ_EINTERNAL, "db_failed", "数据库读取失败");
	if (s->i == s->n)
		return 0;
	for (int c = 0; c < 4; c++)
		cells[c] = s->rows[s->i][c];
	s->i++;
	return 1;
}

static const char *header[4] = {"姓名", "电话", "身份证号", "面积（㎡）"};
static const char *rows[][4] = {
    {"张*", "138****1234", "110105********002X", "89.37"},
    {"欧阳**", "010-****5678", NULL, "0.50"},
    {"Anna", "", "000123", "1e3"},
};

static void expect_cell(const gz_row *r, size_t i, const char *want)
{
	size_t n = strlen(want);
	if (r->cells[i].len != n || memcmp(r->cells[i].ptr, want, n) != 0)
		fail_msg("row %zu cell %zu: want '%s', got '%.*s'", r->row, i, want,
		         (int)r->cells[i].len, r->cells[i].ptr);
	assert_int_equal(r->cells[i].kind, GZ_CELL_TEXT); /* never a number */
}

static int count_tmp_exports(void)
{
	const char *tmpdir = getenv("TMPDIR");
	DIR *d = opendir(tmpdir && *tmpdir ? tmpdir : "/tmp");
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		n += strncmp(e->d_name, "gongzhi-export-", 15) == 0;
	if (d)
		closedir(d);
	return n;
}

static void test_xlsx_export_in_memory_round_trips_as_text(void **state)
{
	(void)state;
	int before = count_tmp_exports();
	src_t s = {rows, 3, 0, -1};
	unsigned char *out = NULL;
	size_t len = 0;
	gz_err err;
	gz_err_clear(&err);
	if (gz_xlsx_export(NULL, "居民", header, 4, next_row, &s, &out, &len, &err) != 0)
		fail_msg("export: %s", err.message);
	assert_non_null(out);
	assert_true(len > 100);
	assert_memory_equal(out, "PK", 2);
	assert_int_equal(count_tmp_exports(), before); /* temp file removed */

	gz_table *t = gz_table_open_xlsx(out, len, &err);
	if (!t)
		fail_msg("read back: %s", err.message);
	gz_row r;
	assert_int_equal(gz_table_next(t, &r, &err), 1);
	for (int c = 0; c < 4; c++)
		expect_cell(&r, (size_t)c, header[c]);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(gz_table_next(t, &r, &err), 1);
		assert_int_equal(r.row, i + 2);
		for (int c = 0; c < 4; c++)
			expect_cell(&r, (size_t)c, rows[i][c] ? rows[i][c] : "");
	}
	assert_int_equal(gz_table_next(t, &r, &err), 0);
	gz_table_free(t);

	/* Column widths, the text format and the frozen header are in the sheet. */
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(out, len, 0, &ze);
	zip_t *z = zip_open_from_source(src, ZIP_RDONLY, &ze);
	assert_non_null(z);
	zip_file_t *f = zip_fopen(z, "xl/worksheets/sheet1.xml", 0);
	assert_non_null(f);
	char xml[8192];
	zip_int64_t n = zip_fread(f, xml, sizeof xml - 1);
	assert_true(n > 0);
	xml[n] = '\0';
	assert_non_null(strstr(xml, "<cols>"));
	assert_non_null(strstr(xml, "customWidth=\"1\""));
	assert_non_null(strstr(xml, "<pane "));
	zip_fclose(f);
	zip_discard(z);
	zip_error_fini(&ze);
	free(out);
}

static void test_xlsx_export_to_path(void **state)
{
	(void)state;
	char path[64];
	snprintf(path, sizeof path, "/tmp/gz-export-test-%d.xlsx", (int)getpid());
	src_t s = {rows, 3, 0, -1};
	gz_err err;
	assert_int_equal(gz_xlsx_export(path, NULL, header, 4, next_row, &s, NULL, NULL, &err), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 100);
	unlink(path);
}

static void test_xlsx_export_propagates_row_source_error(void **state)
{
	(void)state;
	int before = count_tmp_exports();
	src_t s = {rows, 3, 0, 2};
	unsigned char *out = NULL;
	size_t len = 0;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(gz_xlsx_export(NULL, NULL, header, 4, next_row, &s, &out, &len, &err), -1);
	assert_string_equal(err.code, "db_failed");
	assert_null(out);
	assert_int_equal(count_tmp_exports(), before);

	char path[64];
	snprintf(path, sizeof path, "/tmp/gz-export-fail-%d.xlsx", (int)getpid());
	s.i = 0;
	assert_int_equal(gz_xlsx_export(path, NULL, header, 4, next_row, &s, NULL, NULL, &err), -1);
	struct stat st;
	assert_int_equal(stat(path, &st), -1); /* nothing left behind */
}

static void test_xlsx_export_rejects_invalid_utf8_and_bad_sheet_name(void **state)
{
	(void)state;
	const char *bad[][4] = {{"ok", "\xd5\xc5", "", ""}};
	src_t s = {bad, 1, 0, -1};
	unsigned char *out = NULL;
	size_t len;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(gz_xlsx_export(NULL, NULL, header, 4, next_row, &s, &out, &len, &err), -1);
	assert_string_equal(err.code, "xlsx_cell");
	assert_non_null(strstr(err.message, "第 2 行第 2 列"));
	s.i = 0;
	s.n = 0;
	assert_int_equal(
	    gz_xlsx_export(NULL, "bad[name]", header, 4, next_row, &s, &out, &len, &err), -1);
	assert_string_equal(err.code, "xlsx_write");
}

static void test_xlsx_export_control_characters_survive(void **state)
{
	(void)state;
	const char *ctl[][4] = {{"a\tb", "line1\nline2", "x\x01y", "_x0041_"}};
	src_t s = {ctl, 1, 0, -1};
	unsigned char *out = NULL;
	size_t len;
	gz_err err;
	assert_int_equal(gz_xlsx_export(NULL, NULL, header, 4, next_row, &s, &out, &len, &err), 0);
	gz_table *t = gz_table_open_xlsx(out, len, &err);
	gz_row r;
	assert_int_equal(gz_table_next(t, &r, &err), 1);
	assert_int_equal(gz_table_next(t, &r, &err), 1);
	expect_cell(&r, 0, "a\tb");
	expect_cell(&r, 1, "line1\nline2");
	expect_cell(&r, 2, "x\x01y");
	expect_cell(&r, 3, "_x0041_");
	gz_table_free(t);
	free(out);
}

static void test_xlsx_export_header_only(void **state)
{
	(void)state;
	src_t s = {rows, 0, 0, -1};
	unsigned char *out = NULL;
	size_t len;
	gz_err err;
	assert_int_equal(gz_xlsx_export(NULL, NULL, header, 4, next_row, &s, &out, &len, &err), 0);
	gz_table *t = gz_table_open_xlsx(out, len, &err);
	gz_row r;
	assert_int_equal(gz_table_next(t, &r, &err), 1);
	assert_int_equal(r.ncols, 4);
	assert_int_equal(gz_table_next(t, &r, &err), 0);
	gz_table_free(t);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_xlsx_export_in_memory_round_trips_as_text),
	    cmocka_unit_test(test_xlsx_export_to_path),
	    cmocka_unit_test(test_xlsx_export_propagates_row_source_error),
	    cmocka_unit_test(test_xlsx_export_rejects_invalid_utf8_and_bad_sheet_name),
	    cmocka_unit_test(test_xlsx_export_control_characters_survive),
	    cmocka_unit_test(test_xlsx_export_header_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
