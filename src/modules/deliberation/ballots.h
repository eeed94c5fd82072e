/* Paper ballots from a CSV file (issue 12 item 4), read into the holdings vote_count()
 * takes. Pure: the file is a buffer in memory; no I/O.
 *
 * Two formats, told apart by the header (column names, ASCII case-insensitive, spaces
 * around them ignored; other columns are allowed and ignored):
 *
 *   unit,owner,area,vote   owners: one row per exclusive part (unit); area in m^2 with at
 *                          most two decimals (core/decimal.h), > 0; owner "@developer"
 *                          for every unit the developer still holds; all rows of one owner
 *                          carry the same vote
 *   person,vote            persons (residents' meeting): one row per eligible person
 *
 * vote is agree / oppose / abstain, 同意 / 反对 / 弃权, or empty for one who did not take
 * part (vote_choice_parse). Blank rows are skipped. */
#ifndef GZ_MODULES_DELIBERATION_BALLOTS_H
#define GZ_MODULES_DELIBERATION_BALLOTS_H

#include "core/arena.h"
#include "modules/deliberation/tally.h"

typedef struct {
	bool has_area; /* owners' format */
	size_t n;
	vote_holding *h; /* h[0..n), strings in the arena */
	size_t *rows;    /* the CSV row (tables' 1-based numbering, header = 1) of each */
} vote_ballots;

/* Reads buf[0..len) as ballots. want: VOTE_ELECTORATE_OWNERS or _PERSONS requires that
 * format, _ANY takes either. Allocates from arena (the caller frees it). Returns 0, or -1
 * with err (GZ_EINVALID, code "invalid_ballots") whose message starts with the row
 * ("第 3 行：…") and whose field "row" holds that row number. The first row whose cells are
 * bad (column count, empty unit/owner/person, area, vote word) is reported; the list as a
 * whole (units listed once, one vote per owner, not empty) is checked by
 * vote_ballots_count. */
int vote_ballots_read_csv(const char *buf, size_t len, vote_electorate want, gz_arena *arena,
                          vote_ballots *out, gz_err *err);

/* Counts read ballots (vote_count), turning a problem into the same kind of error. */
int vote_ballots_count(const vote_ballots *b, vote_counts *out, gz_err *err);

#endif
