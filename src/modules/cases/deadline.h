/* Deadlines of case steps: a time limit in natural hours or in working days, counted
 * on the calendar of Asia/Shanghai (UTC+8 all year, no daylight saving since 1991) with
 * a holiday calendar of exceptions (法定节假日 off, 调休 weekend days on). Pure: the
 * calendar is passed in; docs/CASES.md, "Deadlines", states the rules. */
#ifndef GZ_MODULES_CASES_DEADLINE_H
#define GZ_MODULES_CASES_DEADLINE_H

#include "modules/cases/rules.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CASE_TZ_OFFSET_MS (8LL * 3600 * 1000)
#define CASE_DAY_MS       (24LL * 3600 * 1000)

/* One exception to the rule "Monday to Friday are working days". */
typedef struct {
	int32_t day;  /* days since 1970-01-01 in Asia/Shanghai */
	bool workday; /* true: a weekend day worked (调休); false: a day off (节假日) */
} case_calendar_day;

/* The exceptions, sorted by day without repeats (the case_calendar table in day order). */
typedef struct {
	const case_calendar_day *days;
	size_t n;
} case_calendar;

/* The local (Asia/Shanghai) day of the instant ms. */
int32_t case_local_day(int64_t ms);
/* 0 = Sunday .. 6 = Saturday. */
int case_weekday(int32_t day);
/* Is day a working day: the calendar's exception when it has one, else Monday..Friday.
 * c may be NULL (no exceptions). */
bool case_is_workday(const case_calendar *c, int32_t day);

/* The deadline of a step begun at start (ms) with limit l:
 *   hours:    start + amount hours (natural hours, nights and holidays included);
 *   workdays: the end of the amount-th working day after the day of start (the day the
 *             matter arrives is not counted, as for every administrative time limit):
 *             23:59:59.999 Asia/Shanghai of that day.
 * A step is on time when it is done at or before its deadline. l must pass
 * case_limit_check(). */
int64_t case_deadline(const case_calendar *c, int64_t start, case_limit l);

/* "2026-10-01" <-> day number. Parse returns 0, or -1 when it is no real date between
 * 1970 and 9999. Format writes 11 bytes. */
int case_day_parse(const char *s, int32_t *day);
char *case_day_format(int32_t day, char out[11]);

#endif
