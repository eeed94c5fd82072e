/* Visits (走访): the pure rules — kinds of visit, calendar days, the visit frequency of a
 * resident and when they are due. No I/O: plain values in, results out
 * (tests/unit/test_visits.c). docs/METRICS.md, "Visits", has the formulas.
 *
 * Days are whole calendar days in Asia/Shanghai (UTC+8 all year), counted from
 * 1970-01-01 (day 0): a visit has a date, not an instant, and "today" is the local date. */
#ifndef GZ_MODULES_VISITS_RULES_H
#define GZ_MODULES_VISITS_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ kinds */

typedef enum {
	VISIT_ROUTINE = 0, /* 常规走访 */
	VISIT_CARE,        /* 重点关爱: a visit to a key-group resident */
	VISIT_FOLLOW_UP,   /* 回访: after a case, an application, an earlier visit */
	VISIT_KIND__COUNT
} visit_kind;

/* "routine", "care", "follow_up"; "" when out of range. */
const char *visit_kind_code(visit_kind k);
/* 「常规走访」, 「重点关爱」, 「回访」; "" when out of range. */
const char *visit_kind_label(visit_kind k);
/* The kind of a code or a label, or -1. */
int visit_kind_parse(const char *s);

/* Longest "what was found" (code points). */
#define VISIT_FINDINGS_MAX 2000
/* How far back a visit may be recorded: at most this many days before today. */
#define VISIT_BACKDATE_MAX_DAYS 366

/* ------------------------------------------------------------------ days */

/* The Asia/Shanghai calendar day of instant ms (ms since the epoch, UTC). Floor division:
 * instants before 1970 work. */
int64_t visit_day_of_ms(int64_t ms);
/* Day number of a valid Gregorian date y-m-d (see person_date_valid). */
int64_t visit_day_from_civil(int y, int m, int d);
/* Parses exactly "YYYY-MM-DD" (a real date). Returns 0 and sets *day, or -1. */
int visit_day_parse(const char *s, int64_t *day);
/* Writes "YYYY-MM-DD" into buf (at least 11 bytes). Returns buf. */
char *visit_day_format(int64_t day, char *buf, size_t cap);

/* May a visit on day `day` be recorded today? NULL when yes, else the reason in Chinese:
 * in the future, or more than VISIT_BACKDATE_MAX_DAYS days ago. */
const char *visit_day_check(int64_t day, int64_t today);

/* ------------------------------------------------------------------ frequencies */

/* One row of the frequency settings: at scope (a space code prefix; "" = everywhere), a
 * resident holding tag is visited every interval_days days; 0 = no regular visits for
 * that tag there (a narrower scope's 0 overrides a wider scope's interval). */
typedef struct {
	const char *scope;
	const char *tag; /* tag code: "living_alone", "dibao", ... */
	int interval_days;
} visit_freq;

/* Shortest and longest interval a setting may have. */
#define VISIT_INTERVAL_MIN 1
#define VISIT_INTERVAL_MAX 365

/* The interval for tag at grid: the setting for tag whose scope is the longest prefix of
 * grid (the narrowest place that says something). 0 when no setting applies, or when the
 * one that applies says "no regular visits". */
int visit_interval_for(const visit_freq *f, size_t nf, const char *tag, const char *grid);

/* The interval of a resident of grid holding tags[0..ntags): the most demanding (the
 * smallest non-zero interval_for of any tag). 0 when none of the tags has one: the
 * resident is not on any visit list. */
int visit_interval_of(const visit_freq *f, size_t nf, const char *const *tags, size_t ntags,
                      const char *grid);

/* ------------------------------------------------------------------ due */

/* Days past the due date before a due resident counts as overdue. */
#define VISIT_GRACE_DAYS 3

typedef enum {
	VISIT_UNTRACKED = 0, /* no tag with a visit frequency */
	VISIT_OK,            /* visited within the interval: not due before due_on */
	VISIT_DUE,           /* due_on <= today <= due_on + VISIT_GRACE_DAYS */
	VISIT_OVERDUE,       /* today > due_on + VISIT_GRACE_DAYS */
} visit_state;

/* "untracked", "ok", "due", "overdue". */
const char *visit_state_code(visit_state s);

typedef struct {
	visit_state state;
	int64_t due_on;    /* the day the next visit is due (meaningless when untracked) */
	int64_t days_late; /* today - due_on when due or overdue (0 on the due date), else 0 */
} visit_due;

/* When a resident with interval `interval_days` (visit_interval_of) is due.
 *   visited:      due_on = last_on + interval_days
 *   never visited: due_on = registered_on (due from the day they were registered)
 * State: untracked when interval_days <= 0; ok when today < due_on; due when
 * due_on <= today <= due_on + VISIT_GRACE_DAYS; overdue after that. A visit today
 * (last_on = today) makes them ok for interval_days days. */
visit_due visit_due_of(int interval_days, bool visited, int64_t last_on, int64_t registered_on,
                       int64_t today);

#endif
