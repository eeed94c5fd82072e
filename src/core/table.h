/* One row reader for imports, over CSV (core/csv.c) and .xlsx (core/xlsx.c).
 *
 * Input is a buffer in memory (an upload body, or a file the CLI read or mmap'd); the
 * caller keeps it alive and unchanged until gz_table_free(). Rows are pulled one at a
 * time; a row's cells are (pointer, length) views — NOT NUL-terminated — valid until the
 * next gz_table_next() or gz_table_free(). Reading allocates nothing per row: buffers
 * are reused and grow only when a row is larger than every row before it.
 *
 *     gz_err err;
 *     gz_table *t = gz_table_open_csv(body, len, &err);   // or gz_table_open_xlsx
 *     if (!t) return fail(&err);                           // 文件为空, not a zip, ...
 *     gz_row row;
 *     int rc;
 *     while ((rc = gz_table_next(t, &row, &err)) == 1) {
 *         if (row.bad_columns) { record(row.row, "列数与表头不一致"); continue; }
 *         ...  row.cells[i].ptr, row.cells[i].len
 *     }
 *     gz_table_free(t);
 *     if (rc < 0) return fail(&err);                       // whole-file problem
 *
 * The first row returned is the header (whatever it contains); the importer matches
 * column names itself. Cells text is always valid UTF-8 without NUL bytes.
 *
 * Two kinds of problems:
 *   - per row: a row whose column count differs from the header's comes back with
 *     bad_columns set (see gz_row) so the importer can record it and go on;
 *   - whole file: encoding (GBK, UTF-16), broken quoting, a damaged zip, XML errors,
 *     size limits. gz_table_next() returns -1 with err filled: kind GZ_EINVALID (or
 *     GZ_ETOOLARGE for the size limits), a code listed at each reader, a Chinese
 *     message that starts with the position ("第 7 行第 3 列：…") when there is one, and
 *     the position also as err fields "row" and "column" (1-based decimal text) so a
 *     report can show it in its own columns. After -1 the table can only be freed. */
#ifndef GZ_CORE_TABLE_H
#define GZ_CORE_TABLE_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
	GZ_CELL_TEXT = 0, /* CSV cells; xlsx strings (shared, inline, formula results), dates
	                     typed as ISO text (t="d"), and empty cells */
	GZ_CELL_NUMBER,   /* xlsx number: text is the display form, see gz_xlsx_number_text */
	GZ_CELL_BOOL,     /* xlsx boolean: "TRUE" / "FALSE" */
	GZ_CELL_ERROR,    /* xlsx error value: "#N/A", "#DIV/0!" ... */
} gz_cell_kind;

typedef struct {
	const char *ptr; /* never NULL (empty cells point at ""); not NUL-terminated */
	size_t len;
	gz_cell_kind kind;
} gz_cell;

typedef struct {
	size_t ncols;         /* number of cells; see bad_columns */
	const gz_cell *cells; /* cells[0..ncols) */
	/* 1-based source row. CSV: the physical line on which the record starts, counting
	 * the header line as 1 (blank lines and newlines inside quoted cells count, as in a
	 * text editor). XLSX: the row's r attribute, the number Excel/WPS shows. */
	size_t row;
	/* 1-based row as Excel/WPS shows the file when it opens it: equal to `row` for
	 * xlsx and for CSV without newlines inside quoted cells; for CSV it counts records
	 * (blank lines too) instead of physical lines. */
	size_t sheet_row;
	/* Columns of the header (the first row returned); 0 while reading the header. */
	size_t header_cols;
	/* The row does not fit the header. CSV: ncols != header_cols (cells are given as
	 * they are). XLSX: a non-empty cell lies right of the header's last non-empty
	 * column (ncols is then larger than header_cols). Never set on the header. */
	bool bad_columns;
} gz_row;

/* Implementation base; fields are private to csv.c / xlsx.c. */
typedef struct gz_table gz_table;
struct gz_table {
	int (*next)(gz_table *t, gz_row *row, gz_err *err);
	void (*free)(gz_table *t);
	bool date1904; /* xlsx workbook uses the 1904 date system */
};

/* RFC 4180 CSV from buf[0..len): comma separator; fields optionally in double quotes,
 * with "" for a quote inside and commas, CR, LF allowed inside; records end with CRLF,
 * LF or a lone CR; the last one may lack a line end. A UTF-8 BOM is skipped. Empty
 * lines are skipped (still counted in row numbers). Leniency, as Excel/WPS read:
 * a quote inside an unquoted field is kept literally. Every cell must be UTF-8.
 * Returns NULL with err (kind GZ_EINVALID) for:
 *   empty_file    文件为空 (0 bytes, only a BOM, only line ends)
 *   csv_encoding  文件是 UTF-16 编码，请另存为 UTF-8 (BOM FF FE / FE FF)
 * gz_table_next() then fails with:
 *   csv_encoding  第 R 行第 C 列：文件不是 UTF-8 编码（疑似 GBK），请另存为 UTF-8
 *                 (the cell's high bytes pair up as GBK/GB18030 — e.g. "张三" saved by
 *                 Excel as "CSV (逗号分隔)" on a Chinese Windows), otherwise
 *                 第 R 行第 C 列：含有无效的 UTF-8 字节 / 含有空字符（NUL）
 *   csv_quote     第 R 行第 C 列：引号未闭合 / 引号后有多余字符
 *   csv_columns   第 R 行：列数超过 4096
 * Caller frees with gz_table_free(). buf must outlive the table. */
gz_table *gz_table_open_csv(const char *buf, size_t len, gz_err *err);

/* Limits for .xlsx input (zip bomb protection). Uncompressed bytes actually read from
 * the parts used (workbook, relationships, shared strings, the first sheet) are
 * counted as they are inflated — the sizes a zip declares are not trusted. */
#define GZ_XLSX_MAX_UNCOMPRESSED ((size_t)200 * 1024 * 1024)
#define GZ_XLSX_MAX_ENTRIES      10000

/* The FIRST worksheet (first <sheet> in xl/workbook.xml, the leftmost tab) of an .xlsx
 * in buf[0..len), read with libzip (in memory) and expat (streaming). Cells are placed
 * by their r reference ("C7"); skipped cells come back empty, and every row has at
 * least header_cols cells. Rows absent from the file are not returned (row numbers
 * jump). Values: shared strings (rich-text runs concatenated, phonetic runs dropped),
 * inline strings, formula string results and errors as text; booleans TRUE/FALSE;
 * numbers as their display text (see gz_xlsx_number_text: "89.370000000000005" reads as
 * "89.37") with kind GZ_CELL_NUMBER, so an importer can tell that an ID number was
 * stored as a number (and has lost digits). Dates are numbers in Excel: they come back
 * as serial numbers ("45292"), see gz_xlsx_serial_date. _xHHHH_ escapes are decoded.
 * A DOCTYPE anywhere is refused (no entity expansion, no external entities).
 * Errors (NULL from open, or -1 from next), kind GZ_EINVALID unless noted:
 *   empty_file     文件为空
 *   xlsx_invalid   不是有效的 .xlsx 文件… (not a zip; .xls; missing workbook/sheet parts)
 *   xlsx_too_large 文件解压后超过 200 MB / 压缩包条目过多 (kind GZ_ETOOLARGE)
 *   xlsx_xml       XML errors, DOCTYPE, bad cell references, bad shared string index */
gz_table *gz_table_open_xlsx(const void *buf, size_t len, gz_err *err);

/* 1 and *row filled; 0 at the end; -1 and *err filled (see above). */
static inline int gz_table_next(gz_table *t, gz_row *row, gz_err *err)
{
	return t->next(t, row, err);
}

/* Frees the reader (not the input buffer). NULL is ignored. */
static inline void gz_table_free(gz_table *t)
{
	if (t)
		t->free(t);
}

/* True if every cell is empty or only ASCII spaces (importers skip such rows). */
static inline bool gz_row_blank(const gz_row *r)
{
	for (size_t i = 0; i < r->ncols; i++)
		for (size_t k = 0; k < r->cells[i].len; k++)
			if (r->cells[i].ptr[k] != ' ')
				return false;
	return true;
}

/* Room for gz_xlsx_number_text output with NUL. */
#define GZ_XLSX_NUM_MAX 64

/* Render the stored text of a numeric cell the way Excel shows it: rounded to 15
 * significant digits (half away from zero), trailing zeros dropped, without an
 * exponent when the decimal exponent is within ±30 ("1.1010519491231002E+17" ->
 * "110105194912310000", "89.370000000000005" -> "89.37", "1E-3" -> "0.001",
 * "-0" -> "0"); beyond that Excel-style "1.5E+40". Exact decimal-string arithmetic, no
 * floating point. Writes out (GZ_XLSX_NUM_MAX bytes) and returns its length, or -1 if
 * s[0..n) is not a number ([-]digits[.digits][E[+-]digits]), out untouched. */
int gz_xlsx_number_text(const char *s, size_t n, char out[GZ_XLSX_NUM_MAX]);

/* Calendar date of an Excel date serial (the integer part; a time fraction is
 * ignored). 1900 system: 1 = 1900-01-01, with Excel's fictitious 1900-02-29 (serial 60)
 * rejected; date1904 (gz_table.date1904): 0 = 1904-01-01. Accepts the text of a
 * numeric cell. Returns 0 with y/m/d set, or -1 if not a serial in 1..2958465
 * (9999-12-31). */
int gz_xlsx_serial_date(const char *s, size_t n, bool date1904, int *y, int *m, int *d);

#endif
