/* Export any list to .xlsx (libxlsxwriter), exactly as it is shown on screen.
 *
 * Every cell is written as a string — never converted to a number — so masked values
 * ("138****1234", "110105********002X"), ID numbers, phone numbers and decimal amounts
 * ("89.37") stay exactly as given, and columns carry the text format (@) so that a value
 * typed into them later in Excel stays text too. Callers pass the already MASKED
 * display strings: this module knows nothing about personal data.
 *
 * The header row is bold and frozen; column widths follow the widest value (a CJK or
 * other wide character counts as two, capped at 60). Rows are streamed
 * (libxlsxwriter's constant_memory mode: strings are written inline, memory stays flat
 * for a million rows). */
#ifndef GZ_CORE_XLSX_WRITE_H
#define GZ_CORE_XLSX_WRITE_H

#include "core/err.h"

#include <stddef.h>

/* Row source: fill cells[0..ncols) with NUL-terminated UTF-8 strings (NULL = empty
 * cell), valid until the next call. Return 1 for a row, 0 when there are no more rows,
 * -1 on failure with *err filled (the export then fails with that error). */
typedef int (*gz_xlsx_row_fn)(void *ctx, const char **cells, gz_err *err);

/* Largest number of data rows an .xlsx sheet holds (1,048,576 minus the header). */
#define GZ_XLSX_MAX_DATA_ROWS 1048575

/* Write a one-sheet workbook: header[0..ncols) in bold, then the rows next_row gives.
 * sheet_name: NULL for "Sheet1"; Excel's rules apply (<= 31 characters, none of
 * []:*?/\).
 *   - path != NULL: the workbook is written to path (replaced if it exists); out and
 *     out_len are ignored (may be NULL).
 *   - path == NULL: the workbook is built in a temporary file under $TMPDIR (else /tmp),
 *     created with mkstemp (mode 0600) and unlinked before returning; *out receives its
 *     bytes (malloc'd, caller frees) and *out_len their count.
 * Returns 0, or -1 with *err: the row source's error; kind GZ_EINVALID code
 * "xlsx_cell" for a cell that is not UTF-8 or longer than Excel's 32,767 characters;
 * GZ_ETOOLARGE "xlsx_too_many_rows" beyond GZ_XLSX_MAX_DATA_ROWS; GZ_EINTERNAL
 * "xlsx_write" when the file cannot be created or written. On failure nothing is left
 * on disk (a partial file at path is removed). */
int gz_xlsx_export(const char *path, const char *sheet_name, const char *const *header,
                   size_t ncols, gz_xlsx_row_fn next_row, void *ctx, unsigned char **out,
                   size_t *out_len, gz_err *err);

#endif
