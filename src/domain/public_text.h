/* Free text shown on the public board (titles of topics, projects and activities): the
 * numbers that locate or identify a person masked. Pure: no I/O (tests/unit/
 * test_public_text.c). docs/SECURITY.md, "Routes without a login". */
#ifndef GZ_DOMAIN_PUBLIC_TEXT_H
#define GZ_DOMAIN_PUBLIC_TEXT_H

#include <stddef.h>

/* Copies the UTF-8 text in to out (cap bytes, always terminated; out never needs more
 * than strlen(in) + 1) with every digit of these groups replaced by '*':
 *   - a group of at least 7 digits in all: a mobile (13812345678, 138-1234-5678,
 *     138 1234 5678), a landline (010-65012345), an ID number (its final X too);
 *   - a group of three or more parts whose first has at most 3 digits: a flat
 *     (3-2-102, 3—2—102);
 *   - the digits of a room: before 室 or 户 (102室), after 单元 (2单元102).
 * A group is digits (ASCII or full-width ０-９) joined by single '-', '－', '—', '‐' or
 * spaces. "3号楼", "2单元", "1200元", "2026年" and dates (2026-12-07) stay as they are.
 * Names are not found by this: what a title says of people is its author's care. Returns
 * the number of digits masked. */
size_t public_text_mask(const char *in, char *out, size_t cap);

/* A malloc'd copy of in masked as above, with every occurrence of name (when not NULL and
 * at least 2 bytes: a reporter's own name, which they often write into their text) as its
 * first character and a star per further character ("欧阳娜娜反映" → "欧***反映"). NULL when
 * out of memory. */
char *public_text_dup(const char *in, const char *name);

#endif
