/* Row invariants of the gz_table interface (core/table.h), shared by fuzz_csv.c and
 * fuzz_xlsx.c. */
#ifndef GZ_FUZZ_TABLE_CHECK_H
#define GZ_FUZZ_TABLE_CHECK_H

#include "fuzz.h"

#include "core/table.h"
#include "core/utf8.h"

#include <string.h>

/* Checks one row against the contract and the rows before it (*prev_row, the previous
 * row number, 0 before the first). */
static void fuzz_check_row(const gz_row *r, bool header, size_t *prev_row)
{
	FUZZ_CHECK(r->row > *prev_row);
	*prev_row = r->row;
	FUZZ_CHECK(r->sheet_row >= 1);
	if (header)
		FUZZ_CHECK(r->header_cols == 0 && !r->bad_columns);
	FUZZ_CHECK(r->ncols == 0 || r->cells);
	for (size_t i = 0; i < r->ncols; i++) {
		const gz_cell *c = &r->cells[i];
		FUZZ_CHECK(c->ptr != NULL);
		FUZZ_CHECK(c->kind >= GZ_CELL_TEXT && c->kind <= GZ_CELL_ERROR);
		FUZZ_CHECK(gz_utf8_valid(c->ptr, c->len));
		FUZZ_CHECK(!memchr(c->ptr, '\0', c->len));
	}
	(void)gz_row_blank(r);
}

#endif
