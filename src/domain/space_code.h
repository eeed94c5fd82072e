/* The space tree's codes: street (街道) -> community (社区) -> grid (网格). Pure logic.
 *
 * Unit-grid coding (SPEC §3a): a grid code has 15 digits = 6-digit county code
 * (GB/T 2260) + 3 street + 3 community + 3 grid. A community code is the first 12
 * digits of its grids' codes, a street code the first 9. So a code names its whole
 * path, and "inside" is a prefix test (see domain/policy.h).
 *
 * Checks beyond "digits of the right length": the county code's first two digits are
 * a GB/T 2260 province code (11..15, 21..23, 31..37, 41..46, 50..54, 61..65, 71, 81,
 * 82), its last two are not "00" (that would name a prefecture or province, not a
 * county-level division), and the street, community and grid parts are not "000". */
#ifndef GZ_DOMAIN_SPACE_H
#define GZ_DOMAIN_SPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	SPACE_STREET = 9,
	SPACE_COMMUNITY = 12,
	SPACE_GRID = 15,
} space_level;

/* Room for the longest code and its NUL. */
#define SPACE_CODE_SIZE 16

/* True if the first two digits (10..99) name a GB/T 2260 province-level division. */
bool space_province_valid(int two_digits);

/* Checks that code is a well-formed code of level. Returns 0, or -1 and points *why
 * (if given) at a Chinese reason (a static string). */
int space_code_check(const char *code, space_level level, const char **why);

/* The level of a well-formed code (by its length), or -1 if it is not one. */
int space_code_level(const char *code);

/* Writes the code's ancestor of level `level` (a prefix) into out (SPACE_CODE_SIZE
 * bytes). Returns 0, or -1 if code is not longer than level digits. */
int space_code_prefix(const char *code, space_level level, char *out);

/* The parent of a community (its street) or of a grid (its community). Returns 0, or
 * -1 for a street code or a malformed code. */
int space_code_parent(const char *code, char *out);

/* The code read as a decimal number (codes of one level sort the same as numbers and
 * as text), for list cursors. Returns 0 for a string that is not 1..18 digits. */
int64_t space_code_key(const char *code);

/* Inverse of space_code_key() for a code of level: writes the digits into out
 * (SPACE_CODE_SIZE bytes). Returns 0, or -1 if key has another number of digits. */
int space_code_from_key(int64_t key, space_level level, char *out);

#endif
