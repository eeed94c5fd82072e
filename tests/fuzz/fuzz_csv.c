/* The CSV reader (core/csv.c) behind gz_table: every row of any input keeps the
 * gz_table contract, and a file read without error reads back to the same cells after
 * being written out again with every cell quoted (quoting and "" unescaping agree). */
#include "fuzz.h"
#include "table_check.h"

#include "core/table.h"

#include <string.h>

typedef struct {
	char *p;
	size_t len, cap;
} buf;

static void put(buf *b, const void *s, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		FUZZ_CHECK(b->p);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* Appends one row as RFC 4180 with every cell quoted, CRLF-terminated. */
static void put_row(buf *b, const gz_row *r)
{
	for (size_t i = 0; i < r->ncols; i++) {
		if (i)
			put(b, ",", 1);
		put(b, "\"", 1);
		for (size_t k = 0; k < r->cells[i].len; k++) {
			char c = r->cells[i].ptr[k];
			put(b, &c, 1);
			if (c == '"')
				put(b, "\"", 1);
		}
		put(b, "\"", 1);
	}
	put(b, "\r\n", 2);
}

/* Reads a whole table: the rows' cells in out (if not NULL), each row as written by
 * put_row. Returns gz_table_next's last result (0 or -1), or -2 if open failed. */
static int read_all(const char *data, size_t size, buf *out, size_t *nrows)
{
	gz_err err;
	gz_err_clear(&err);
	*nrows = 0;
	gz_table *t = gz_table_open_csv(data, size, &err);
	if (!t) {
		FUZZ_CHECK(err.kind == GZ_EINVALID && err.code[0]);
		return -2;
	}
	gz_row row;
	size_t prev = 0, header_cols = 0, prev_sheet = 0;
	int rc;
	while ((rc = gz_table_next(t, &row, &err)) == 1) {
		fuzz_check_row(&row, *nrows == 0, &prev);
		FUZZ_CHECK(row.sheet_row > prev_sheet && row.sheet_row <= row.row);
		prev_sheet = row.sheet_row;
		FUZZ_CHECK(row.ncols >= 1 && row.ncols <= 4096);
		for (size_t i = 0; i < row.ncols; i++)
			FUZZ_CHECK(row.cells[i].kind == GZ_CELL_TEXT);
		if (*nrows == 0)
			header_cols = row.ncols;
		else
			FUZZ_CHECK(row.header_cols == header_cols &&
			           row.bad_columns == (row.ncols != header_cols));
		if (out)
			put_row(out, &row);
		++*nrows;
	}
	if (rc < 0)
		FUZZ_CHECK((err.kind == GZ_EINVALID || err.kind == GZ_ETOOLARGE) && err.code[0] &&
		           err.nfields >= 1 && !strcmp(err.fields[0].name, "row"));
	else
		FUZZ_CHECK(rc == 0 && *nrows >= 1);
	gz_table_free(t);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	buf once = {0};
	size_t n1 = 0, n2 = 0;
	if (read_all((const char *)data, size, &once, &n1) == 0) {
		/* Blank rows were skipped, so only rows with cells were written. */
		buf twice = {0};
		FUZZ_CHECK(read_all(once.p, once.len, &twice, &n2) == 0);
		FUZZ_CHECK(n1 == n2 && once.len == twice.len && !memcmp(once.p, twice.p, once.len));
		free(twice.p);
	}
	free(once.p);
	return 0;
}
