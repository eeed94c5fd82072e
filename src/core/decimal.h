/* Exact fixed-point numbers with two decimals: areas (m^2 -> int64 0.01 m^2) and money
 * (yuan -> int64 fen). Pure: no I/O, no allocation, no floating point anywhere — a value
 * that is compared against a legal threshold (Civil Code art. 278 area shares) must
 * survive import -> storage -> display without rounding.
 *
 * Accepted text (after trimming ASCII spaces, see below):
 *
 *     digits [ "." digits ]            e.g. 89   89.3   89.37   0.05   007.50
 *
 *   - at most two significant decimals: "12.345" -> 最多两位小数. Extra decimals that are
 *     all zero are accepted ("89.370" is exactly 89.37; some systems export 3 decimals);
 *   - no sign: "-5" -> 不能为负数, "+5" -> 格式不正确 (an explicit plus is not what a
 *     person types for an area and usually means a formula or a mangled cell);
 *   - no exponent ("1e3" -> 不支持科学计数法), no thousands separator ("1,234" ->
 *     不能使用千位分隔符), no bare "." / "5." / ".5" (格式不正确);
 *   - whitespace: leading and trailing ASCII spaces (0x20) are trimmed, because spreadsheet
 *     cells and hand-typed CSV often carry them; tabs, newlines, full-width spaces or
 *     full-width digits are NOT trimmed or converted and give 含有非法字符 — silently
 *     accepting them would hide a mangled file;
 *   - empty (or only spaces) -> 不能为空;
 *   - the value must be <= max (caller's limit, in hundredths) -> 超出上限 <max formatted>.
 *
 * Errors: kind GZ_EINVALID, code "invalid_decimal", message = the Chinese reason above.
 * The caller attaches the reason to its own field name (gz_err_field) or report row. */
#ifndef GZ_DOMAIN_DECIMAL_H
#define GZ_DOMAIN_DECIMAL_H

#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

/* Room for any formatted int64 in hundredths: "-92233720368547758.08" + NUL. */
#define DECIMAL_FMT_MAX 24

/* Sensible upper bounds, in hundredths. An exclusive part (专有部分) larger than
 * 1,000,000.00 m^2 or an amount above 100,000,000,000.00 yuan is a typo, not data. */
#define DECIMAL_MAX_AREA  INT64_C(100000000)      /* 1,000,000.00 m^2 */
#define DECIMAL_MAX_MONEY INT64_C(10000000000000) /* 100,000,000,000.00 yuan */

/* Parse s[0..n) (need not be NUL-terminated) as a non-negative number with at most two
 * decimals and store it in hundredths in *out (89.37 -> 8937). max is the largest
 * accepted value in hundredths (>= 0). Returns 0 on success; -1 with *err filled
 * (see the header comment for reasons) and *out untouched on failure. err may be NULL. */
int decimal_parse(const char *s, size_t n, int64_t max, int64_t *out, gz_err *err);

/* NUL-terminated convenience form of decimal_parse(). */
int decimal_parse_cstr(const char *s, int64_t max, int64_t *out, gz_err *err);

/* Format hundredths as text with exactly two decimals: 8937 -> "89.37", 0 -> "0.00",
 * 5 -> "0.05", -150 -> "-1.50" (negative values are formatted, though never parsed,
 * so that differences of money can be shown). Writes into out (DECIMAL_FMT_MAX bytes)
 * and returns out. Never fails. */
char *decimal_format(int64_t v, char out[DECIMAL_FMT_MAX]);

#endif
