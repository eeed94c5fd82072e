/* Supply–demand matching: availability — does an offer's weekly availability overlap a
 * need's time window? Pure (tests/unit/test_matching_avail.c). A run cuts every pair
 * whose provider is not available during the need's window (run.c), like a pair out of
 * reach; docs/MATCHING.md, "Availability". */
#ifndef GZ_MODULES_MATCHING_AVAIL_H
#define GZ_MODULES_MATCHING_AVAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One weekly window of an offer: weekday 1 (Monday) .. 7 (Sunday), from < to in minutes
 * of the day (0..1440) in Asia/Shanghai (UTC+8 all year), as offers store them
 * ({weekday, from "HH:MM", to "HH:MM"}). */
typedef struct match_avail_window {
	int weekday;
	int from_min, to_min;
} match_avail_window;

/* "HH:MM" (00:00..24:00) into minutes of the day, or -1. */
int match_avail_hhmm(const char *s);

/* The first of w[0..n) whose weekly occurrences overlap the need's window [start, end)
 * (ms since the epoch) for some time (touching ends do not overlap), or -1 when none does.
 * Windows that are not valid (weekday out of 1..7, from >= to, out of the day) are
 * skipped. */
int match_avail_first(const match_avail_window *w, size_t n, int64_t start, int64_t end);

/* Available during [start, end): no windows at all (always available), or one that
 * overlaps. An empty need window (end <= start) overlaps nothing. */
bool match_available(const match_avail_window *w, size_t n, int64_t start, int64_t end);

/* An offer's stored `windows` (a JSON array of {weekday, from "HH:MM", to "HH:MM"}, as
 * offers.c checked them) into a malloc'd array (*out, NULL when there are none; the caller
 * frees it). Returns the count; 0 means always available. Text that is not an array gives
 * 0. */
size_t match_avail_parse(const char *json_text, match_avail_window **out);

#endif
