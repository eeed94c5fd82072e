/* Unit tests for core/csv.c: RFC 4180 edge cases, row numbering, encodings, and the
 * per-row column-count flag. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Byte strings may hold NUL, so lengths are explicit. */
#define OPEN(lit, errp) gz_table_open_csv((lit), sizeof(lit) - 1, (errp))

static void expect_cell(const gz_row *r, size_t i, const char *want)
{
	assert_true(i < r->ncols);
	size_t n = strlen(want);
	if (r->cells[i].len != n || memcmp(r->cells[i].ptr, want, n) != 0)
		fail_msg("row %zu cell %zu: want '%s', got '%.*s'", r->row, i, want,
		         (int)r->cells[i].len, r->cells[i].ptr);
	assert_int_equal(r->cells[i].kind, GZ_CELL_TEXT);
}

static void next_ok(gz_table *t, gz_row *r)
{
	gz_err err;
	gz_err_clear(&err);
	int rc = gz_table_next(t, r, &err);
	if (rc != 1)
		fail_msg("gz_table_next returned %d: %s", rc, err.message);
}

static void expect_end(gz_table *t)
{
	gz_row r;
	gz_err err;
	assert_int_equal(gz_table_next(t, &r, &err), 0);
	assert_int_equal(gz_table_next(t, &r, &err), 0); /* stays at the end */
}

static void test_csv_simple_rows_and_numbers(void **state)
{
	(void)state;
	gz_err err;
	gz_table *t = OPEN("姓名,电话,面积\n张三,13812341234,89.37\n李四,,12\n", &err);
	assert_non_null(t);
	gz_row r;
	next_ok(t, &r);
	assert_int_equal(r.row, 1);
	assert_int_equal(r.header_cols, 0);
	assert_false(r.bad_columns);
	assert_int_equal(r.ncols, 3);
	expect_cell(&r, 0, "姓名");
	expect_cell(&r, 2, "面积");
	next_ok(t, &r);
	assert_int_equal(r.row, 2);
	assert_int_equal(r.sheet_row, 2);
	assert_int_equal(r.header_cols, 3);
	expect_cell(&r, 0, "张三");
	expect_cell(&r, 1, "13812341234");
	expect_cell(&r, 2, "89.37");
	next_ok(t, &r);
	assert_int_equal(r.row, 3);
	expect_cell(&r, 1, "");
	assert_non_null(r.cells[1].ptr);
	expect_end(t);
	gz_table_free(t);
}

static void test_csv_quotes_doubled_quotes_commas(void **state)
{
	(void)state;
	gz_err err;
	gz_table *t =
	    OPEN("a,b,c\n\"x,y\",\"say \"\"hi\"\"\",\"\"\n\"\"\"\",\"a\"\"b\"\"c\",plain\n", &err);
	gz_row r;
	next_ok(t, &r);
	next_ok(t, &r);
	expect_cell(&r, 0, "x,y");
	expect_cell(&r, 1, "say \"hi\"");
	expect_cell(&r, 2, "");
	next_ok(t, &r);
	expect_cell(&r, 0, "\"");
	expect_cell(&r, 1, "a\"b\"c");
	expect_cell(&r, 2, "plain");
	expect_end(t);
	gz_table_free(t);
}

static void test_csv_embedded_newlines_and_row_numbers(void **state)
{
	(void)state;
	gz_err err;
	/* line 1 header; record 2 spans lines 2-4 (LF and CRLF inside quotes); record 3 on
	 * line 5; line 6 empty; record 4 on line 7. */
	gz_table *t = OPEN("name,addr\n"
	                   "张三,\"幸福里\n3号楼\r\n2单元\"\n"
	                   "李四,\"a\"\n"
	                   "\n"
	                   "王五,b\n",
	                   &err);
	gz_row r;
	next_ok(t, &r);
	assert_int_equal(r.row, 1);
	next_ok(t, &r);
	assert_int_equal(r.row, 2);
	assert_int_equal(r.sheet_row, 2);
	expect_cell(&r, 1, "幸福里\n3号楼\r\n2单元");
	next_ok(t, &r);
	assert_int_equal(r.row, 5);       /* physical line */
	assert_int_equal(r.sheet_row, 3); /* the row Excel shows */
	expect_cell(&r, 0, "李四");
	next_ok(t, &r);
	assert_int_equal(r.row, 7);
	assert_int_equal(r.sheet_row, 5); /* the blank line is a row in Excel too */
	expect_cell(&r, 0, "王五");
	expect_end(t);
	gz_table_free(t);
}

static void test_csv_crlf_lf_and_lone_cr_line_ends(void **state)
{
	(void)state;
	gz_err err;
	gz_table *t = OPEN("a,b\r\n1,2\r\n3,4\r5,6\n7,8", &err);
	gz_row r;
	const char *want[][2] = {{"a", "b"}, {"1", "2"}, {"3", "4"}, {"5", "6"}, {"7", "8"}};
	for (size_t i = 0; i < 5; i++) {
		next_ok(t, &r);
		assert_int_equal(r.row, i + 1);
		assert_int_equal(r.ncols, 2);
		expect_cell(&r, 0, want[i][0]);
		expect_cell(&r, 1, want[i][1]);
	}
	expect_end(t);
	gz_table_free(t);
}

static void test_csv_trailing_newline_comma_and_empty_lines(void **state)
{
	(void)state;
	gz_err err;
	gz_table *t = OPEN("a,b,c\n\n\n1,2,\n\r\n4,5,", &err);
	gz_row r;
	next_ok(t, &r);
	next_ok(t, &r);
	assert_int_equal(r.row, 4);
	assert_int_equal(r.ncols, 3);
	expect_cell(&r, 2, "");
	assert_false(r.bad_columns);
	next_ok(t, &r);
	assert_int_equal(r.row, 6);
	assert_int_equal(r.ncols, 3); /* "4,5," at EOF without a newline: three cells */
	expect_cell(&r, 2, "");
	expect_end(t);
	gz_table_free(t);
}

static void test_csv_bom_is_stripped(void **state)
{
	(void)state;
	gz_err err;
	gz_table *t = OPEN("\xef\xbb\xbf姓名,电话\n张三,1\n", &err);
	gz_row r;
	next_ok(t, &r);
	assert_int_equal(r.row, 1);
	expect_cell(&r, 0, "姓名");
	next_ok(t, &r);
	assert_int_equal(r.row, 2);
	gz_table_free(t);
}

static void test_csv_empty_file_errors(void **state)
{
	(void)state;
	gz_err err;
	gz_err_clear(&err);
	assert_null(gz_table_open_csv("", 0, &err));
	assert_string_equal(err.code, "empty_file");
	assert_string_equal(err.message, "文件为空");
	assert_int_equal(err.kind, GZ_EINVALID);
	assert_null(gz_table_open_csv(NULL, 0, &err));
	assert_null(OPEN("\xef\xbb\xbf", &err));
	assert_string_equal(err.message, "文件为空");
	assert_null(OPEN("\r\n\n", &err));
	assert_string_equal(err.message, "文件为空");
}

static void test_csv_gbk_file_is_detected_with_row_and_column(void **state)
{
	(void)state;
	gz_err err;
	gz_err_clear(&err);
	/* 张三 in GBK is D5 C5 C8 FD. */
	gz_table *t = OPEN("name,phone\nok,1\nx,\xd5\xc5\xc8\xfd\n", &err);
	assert_non_null(t);
	gz_row r;
	next_ok(t, &r);
	next_ok(t, &r);
	assert_int_equal(gz_table_next(t, &r, &err), -1);
	assert_string_equal(err.code, "csv_encoding");
	assert_int_equal(err.kind, GZ_EINVALID);
	assert_non_null(strstr(err.message, "文件不是 UTF-8 编码（疑似 GBK），请另存为 UTF-8"));
	assert_non_null(strstr(err.message, "第 3 行第 2 列"));
	assert_int_equal(err.nfields, 2);
	assert_string_equal(err.fields[0].name, "row");
	assert_string_equal(err.fields[0].why, "3");
	assert_string_equal(err.fields[1].name, "column");
	assert_string_equal(err.fields[1].why, "2");
	/* After a whole-file error the reader stays failed. */
	assert_int_equal(gz_table_next(t, &r, &err), -1);
	gz_table_free(t);

	/* A GBK header (the usual case: the whole file is GBK) fails on row 1. */
	gz_err_clear(&err);
	t = OPEN("\xd0\xd5\xc3\xfb,\xb5\xe7\xbb\xb0\n", &err); /* 姓名,电话 */
	assert_int_equal(gz_table_next(t, &r, &err), -1);
	assert_non_null(strstr(err.message, "第 1 行第 1 列"));
	assert_non_null(strstr(err.message, "疑似 GBK"));
	gz_table_free(t);
}

static void test_csv_other_invalid_bytes(void **state)
{
	(void)state;
	gz_err err;
	gz_row r;
	gz_table *t = OPEN("a\n\xff\xfe\xfd\n", &err);
	next_ok(t, &r);
	gz_err_clear(&err);
	assert_int_equal(gz_table_next(t, &r, &err), -1);
	assert_non_null(strstr(err.message, "含有无效的 UTF-8 字节"));
	gz_table_free(t);

	t = OPEN("a,b\n1,x\0y\n", &err);
	next_ok(t, &r);
	gz_err_clear(&err);
	assert_int_equal(gz_table_next(t, &r, &err), -1);
	assert_non_null(strstr(err.message, "NUL"));
	assert_non_null(strstr(err.message, "第 2 行第 2 列"));
	gz_table_free(t);

	/* Invalid bytes inside a quoted cell are found too. */
	t = OPEN("a\n\"\xd5\xc5\"\n", &err);
	next_ok(t, &r);
	assert_int_equal(gz_table_next(t, &r, &err), -1);
	assert_non_null(strstr(err.message, "GBK"));
	gz_table_free(t);

	gz_err_clear(&err);
	assert_null(OPEN("\xff\xfe"
	                 "a\0,\0b\0",
	                 &err));
	assert_non_null(strstr(err.message, "UTF-16"));
	assert_null(OPEN("\xfe\xff\0a", &err));
}

static void test_csv_quote_errors(void **state)
{
	(void)state;
	gz_err err;
	gz_row r;
	gz_table *t = OPEN("a,b\n1,2\n3,\"never closed\n4,5\n", &err);
	next_ok(t, &r);
	next_ok(t, &r);
	gz_err_clear(&err);
	assert_int_equal(gz_table_next(t, &r, &err), -1);
	assert_string_equal(err.code, "csv_quote");
	assert_non_null(strstr(err.message, "第 3 行第 2 列：引号未闭合"));
	gz_table_free(t);

	t = OPEN("a,b\n\"x\"y,2\n", &err);
	next_ok(t, &r);
	gz_err_clear(&err);
	assert_int_equal(gz_table_next(t, &r, &err), -1);
	assert_non_null(strstr(err.message, "引号后有多余字符"));
	gz_table_free(t);
}

static void test_csv_quote_inside_unquoted_cell_is_literal(void **state)
{
	(void)state;
	gz_err err;
	gz_row r;
	gz_table *t = OPEN("a,b\n5\"6,x\"\n", &err);
	next_ok(t, &r);
	next_ok(t, &r);
	expect_cell(&r, 0, "5\"6");
	expect_cell(&r, 1, "x\"");
	gz_table_free(t);
}

static void test_csv_wrong_column_count_is_a_row_error(void **state)
{
	(void)state;
	gz_err err;
	gz_row r;
	gz_table *t = OPEN("a,b,c\n1,2,3\n1,2\n1,2,3,4\n7,8,9\n", &err);
	next_ok(t, &r);
	next_ok(t, &r);
	assert_false(r.bad_columns);
	next_ok(t, &r);
	assert_true(r.bad_columns);
	assert_int_equal(r.ncols, 2);
	assert_int_equal(r.header_cols, 3);
	assert_int_equal(r.row, 3);
	next_ok(t, &r);
	assert_true(r.bad_columns);
	assert_int_equal(r.ncols, 4);
	next_ok(t, &r); /* reading goes on */
	assert_false(r.bad_columns);
	expect_cell(&r, 2, "9");
	expect_end(t);
	gz_table_free(t);
}

static void test_csv_unescaped_cells_survive_scratch_growth(void **state)
{
	(void)state;
	/* Several cells with doubled quotes in one row, large enough to move the scratch
	 * buffer while the row is assembled. */
	size_t big = 5000;
	char *csv = malloc(4 * big + 64);
	size_t o = 0;
	o += (size_t)sprintf(csv + o, "a,b,c\n\"");
	for (size_t i = 0; i < 100; i++)
		csv[o++] = '"', csv[o++] = '"';
	o += (size_t)sprintf(csv + o, "\",plain,\"");
	for (size_t i = 0; i < big; i++)
		csv[o++] = '"', csv[o++] = '"';
	o += (size_t)sprintf(csv + o, "\"\n");
	gz_err err;
	gz_table *t = gz_table_open_csv(csv, o, &err);
	gz_row r;
	next_ok(t, &r);
	next_ok(t, &r);
	assert_int_equal(r.cells[0].len, 100);
	assert_int_equal(r.cells[2].len, big);
	for (size_t i = 0; i < 100; i++)
		assert_int_equal(r.cells[0].ptr[i], '"');
	for (size_t i = 0; i < big; i++)
		assert_int_equal(r.cells[2].ptr[i], '"');
	expect_cell(&r, 1, "plain");
	gz_table_free(t);
	free(csv);
}

static void test_csv_too_many_columns(void **state)
{
	(void)state;
	size_t n = 5000;
	char *csv = malloc(n + 2);
	memset(csv, ',', n);
	csv[n] = '\n';
	gz_err err;
	gz_table *t = gz_table_open_csv(csv, n + 1, &err);
	gz_row r;
	gz_err_clear(&err);
	assert_int_equal(gz_table_next(t, &r, &err), -1);
	assert_string_equal(err.code, "csv_columns");
	gz_table_free(t);
	free(csv);
}

/* Found by fuzz_csv: a trailing comma at the very end of the input added its empty cell
 * past the limit ("a" and 4096 commas: 4097 cells, returned). The limit is exact: 4096
 * cells read, 4097 refused, whether the last one ends the line or the input. */
static void test_csv_column_limit_holds_for_a_trailing_comma(void **state)
{
	(void)state;
	for (size_t commas = 4095; commas <= 4096; commas++) {
		for (int newline = 0; newline <= 1; newline++) {
			char *csv = malloc(commas + 3);
			csv[0] = 'a';
			memset(csv + 1, ',', commas);
			size_t len = commas + 1;
			if (newline)
				csv[len++] = '\n';
			gz_err err;
			gz_err_clear(&err);
			gz_table *t = gz_table_open_csv(csv, len, &err);
			gz_row r;
			int rc = gz_table_next(t, &r, &err);
			if (commas == 4095) {
				assert_int_equal(rc, 1);
				assert_int_equal(r.ncols, 4096);
			} else {
				assert_int_equal(rc, -1);
				assert_string_equal(err.code, "csv_columns");
			}
			gz_table_free(t);
			free(csv);
		}
	}
}

static void test_csv_blank_row_helper(void **state)
{
	(void)state;
	gz_err err;
	gz_row r;
	gz_table *t = OPEN("a,b\n, \nx,\n", &err);
	next_ok(t, &r);
	next_ok(t, &r);
	assert_true(gz_row_blank(&r));
	next_ok(t, &r);
	assert_false(gz_row_blank(&r));
	gz_table_free(t);
}

static void test_csv_many_rows_stream(void **state)
{
	(void)state;
	size_t rows = 20000;
	char *csv = malloc(rows * 64 + 64);
	size_t o = (size_t)sprintf(csv, "id,name,phone,area\n");
	for (size_t i = 0; i < rows; i++)
		o += (size_t)sprintf(csv + o, "%zu,居民%zu,1381234%04zu,%zu.%02zu\n", i, i,
		                     i % 10000, i, i % 100);
	gz_err err;
	gz_table *t = gz_table_open_csv(csv, o, &err);
	gz_row r;
	next_ok(t, &r);
	size_t n = 0;
	int rc;
	while ((rc = gz_table_next(t, &r, &err)) == 1) {
		assert_int_equal(r.ncols, 4);
		assert_int_equal(r.row, n + 2);
		n++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, rows);
	gz_table_free(t);
	free(csv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_csv_simple_rows_and_numbers),
	    cmocka_unit_test(test_csv_quotes_doubled_quotes_commas),
	    cmocka_unit_test(test_csv_embedded_newlines_and_row_numbers),
	    cmocka_unit_test(test_csv_crlf_lf_and_lone_cr_line_ends),
	    cmocka_unit_test(test_csv_trailing_newline_comma_and_empty_lines),
	    cmocka_unit_test(test_csv_bom_is_stripped),
	    cmocka_unit_test(test_csv_empty_file_errors),
	    cmocka_unit_test(test_csv_gbk_file_is_detected_with_row_and_column),
	    cmocka_unit_test(test_csv_other_invalid_bytes),
	    cmocka_unit_test(test_csv_quote_errors),
	    cmocka_unit_test(test_csv_quote_inside_unquoted_cell_is_literal),
	    cmocka_unit_test(test_csv_wrong_column_count_is_a_row_error),
	    cmocka_unit_test(test_csv_unescaped_cells_survive_scratch_growth),
	    cmocka_unit_test(test_csv_too_many_columns),
	    cmocka_unit_test(test_csv_column_limit_holds_for_a_trailing_comma),
	    cmocka_unit_test(test_csv_blank_row_helper),
	    cmocka_unit_test(test_csv_many_rows_stream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
