/* The .xlsx reader (core/xlsx.c) behind gz_table.
 *
 * Two input forms, so that mutations reach the XML readers and not only the zip layer
 * (a mutated deflate stream or CRC rarely survives libzip's checks):
 *   - a text listing of parts, each a line "== NAME" followed by the part's bytes up
 *     to the next "\n== " line; they are zipped (stored, correct CRCs) and the zip is
 *     read. See corpus/xlsx/parts-*.txt;
 *   - anything else (not starting with "== "): a file as uploaded (.xlsx, .xls, ...).
 * Every row keeps the gz_table contract; a numeric cell's display text renders to
 * itself again and its date conversion stays in range. */
#include "fuzz.h"
#include "table_check.h"

#include "core/table.h"

#include <string.h>
#include <zip.h>

/* Zips the parts listed in data[0..size) into a new malloc'd buffer; NULL if the
 * listing names no part or libzip refuses a name. */
static unsigned char *zip_parts(const char *data, size_t size, size_t *out_len)
{
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
	FUZZ_CHECK(src);
	zip_source_keep(src);
	zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
	FUZZ_CHECK(za);
	int parts = 0;
	const char *p = data, *end = data + size;
	while (p + 3 <= end && !memcmp(p, "== ", 3)) {
		const char *name = p + 3;
		const char *nl = memchr(name, '\n', (size_t)(end - name));
		if (!nl)
			break;
		const char *body = nl + 1, *next = body;
		const char *stop = end;
		while (next < end) {
			const char *q = memchr(next, '\n', (size_t)(end - next));
			if (!q)
				break;
			if (end - q >= 4 && !memcmp(q, "\n== ", 4)) {
				stop = q;
				break;
			}
			next = q + 1;
		}
		char nm[256];
		size_t nlen = (size_t)(nl - name);
		if (nlen == 0 || nlen >= sizeof nm || memchr(name, '\0', nlen))
			break;
		memcpy(nm, name, nlen);
		nm[nlen] = '\0';
		zip_source_t *s = zip_source_buffer(za, body, (size_t)(stop - body), 0);
		FUZZ_CHECK(s);
		zip_int64_t idx = zip_file_add(za, nm, s, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8);
		if (idx < 0) {
			zip_source_free(s);
			break;
		}
		zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
		parts++;
		p = stop < end ? stop + 1 : end;
	}
	if (parts == 0 || zip_close(za) < 0) {
		zip_discard(za); /* still open: nothing added, or close failed */
		zip_source_free(src);
		return NULL;
	}
	unsigned char *out = NULL;
	FUZZ_CHECK(zip_source_open(src) == 0);
	FUZZ_CHECK(zip_source_seek(src, 0, SEEK_END) == 0);
	zip_int64_t n = zip_source_tell(src);
	FUZZ_CHECK(n > 0 && zip_source_seek(src, 0, SEEK_SET) == 0);
	out = malloc((size_t)n);
	FUZZ_CHECK(out && zip_source_read(src, out, (zip_uint64_t)n) == n);
	zip_source_close(src);
	zip_source_free(src);
	*out_len = (size_t)n;
	return out;
}

static void read_table(const unsigned char *buf, size_t len)
{
	gz_err err;
	gz_err_clear(&err);
	gz_table *t = gz_table_open_xlsx(buf, len, &err);
	if (!t) {
		FUZZ_CHECK((err.kind == GZ_EINVALID || err.kind == GZ_ETOOLARGE) && err.code[0]);
		if (getenv("GZ_FUZZ_DEBUG"))
			fprintf(stderr, "open: %s\n", err.message);
		return;
	}
	gz_row row;
	size_t prev = 0, nrows = 0, header_cols = 0;
	int rc;
	while ((rc = gz_table_next(t, &row, &err)) == 1) {
		fuzz_check_row(&row, nrows == 0, &prev);
		FUZZ_CHECK(row.sheet_row == row.row && row.ncols >= 1 && row.ncols <= 16384);
		if (nrows == 0) {
			header_cols = row.ncols;
			FUZZ_CHECK(row.cells[row.ncols - 1].len > 0);
		} else {
			FUZZ_CHECK(row.header_cols == header_cols && row.ncols >= header_cols);
			FUZZ_CHECK(row.bad_columns == (row.ncols > header_cols));
			if (row.bad_columns)
				FUZZ_CHECK(row.cells[row.ncols - 1].len > 0);
		}
		for (size_t i = 0; i < row.ncols; i++) {
			const gz_cell *c = &row.cells[i];
			if (c->kind != GZ_CELL_NUMBER)
				continue;
			char again[GZ_XLSX_NUM_MAX];
			int k = gz_xlsx_number_text(c->ptr, c->len, again);
			FUZZ_CHECK(k == (int)c->len && !memcmp(again, c->ptr, c->len));
			int y, m, d;
			if (gz_xlsx_serial_date(c->ptr, c->len, t->date1904, &y, &m, &d) == 0)
				FUZZ_CHECK(y >= 1900 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
				           d <= 31);
		}
		nrows++;
	}
	if (rc < 0)
		FUZZ_CHECK((err.kind == GZ_EINVALID || err.kind == GZ_ETOOLARGE) && err.code[0]);
	if (getenv("GZ_FUZZ_DEBUG"))
		fprintf(stderr, "%zu rows, %s\n", nrows, rc < 0 ? err.message : "end");
	gz_table_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3 || memcmp(data, "== ", 3) != 0) {
		read_table(data, size);
		return 0;
	}
	size_t len = 0;
	unsigned char *zip = zip_parts((const char *)data, size, &len);
	if (zip) {
		read_table(zip, len);
		free(zip);
	}
	return 0;
}
