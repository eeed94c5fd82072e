/* The pure rules of integrated services (集成化服务): the search terms of the catalogue,
 * the application's states, working days and time limits, application forms, attachments
 * told by their bytes, the rates per office, certificate codes, and venue bookings.
 * No I/O: plain values in, results out (tests/unit/test_services.c). docs/SERVICES.md
 * has the rules in prose, docs/METRICS.md the formulas. */
#ifndef GZ_MODULES_SERVICES_RULES_H
#define GZ_MODULES_SERVICES_RULES_H

#include "core/arena.h"
#include "core/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- search terms */

/* Chinese has no spaces between words, so the catalogue is indexed by characters:
 * text is cut into runs of word characters — a run of CJK ideographs, or a run of ASCII
 * letters and digits (lower-cased) — and every CJK run gives its character bigrams (a
 * run of one character gives that character), every ASCII run itself. A query is cut the
 * same way and matches a text holding all its terms (SQLite FTS5 and PostgreSQL full text
 * over the same space-separated terms, so both find the same rows), then each query run
 * must occur inside the text (svc_text_has_runs), so 居住证 does not match a text with
 * 居住 and 住证 apart. 居住 finds 居住证明, 证明 finds every 证明, 证 finds 老年优待证. */

/* The terms of text (distinct, in order of first occurrence, separated by one space) and
 * its normalised runs (separated by one space) into *terms and *norm, allocated in A.
 * text is valid UTF-8. */
void svc_terms(gz_arena *A, const char *text, char **terms, char **norm);

/* Most code points of a search query; longer queries are refused (400). */
#define SVC_QUERY_MAX_CHARS 50

/* True when every run of query q (as svc_terms cuts it) occurs in the normalised text
 * norm (svc_terms's *norm). A query without runs matches nothing. */
bool svc_text_has_runs(gz_arena *A, const char *norm, const char *q);

/* The terms of query q, separated by one space ("" when none): bigrams of its CJK runs
 * (the character itself for a run of one), its ASCII words lower-cased. PostgreSQL's
 * plainto_tsquery('simple', ...) of them ANDs them. */
char *svc_query_terms(gz_arena *A, const char *q);

/* The FTS5 MATCH expression for the terms of q: each term in double quotes, joined by
 * spaces (AND); "" when q has no terms. Terms hold only letters and digits, so no quote
 * can occur inside one. */
char *svc_fts5_query(gz_arena *A, const char *q);

/* ---------------------------------------------------------------- application states */

/* received → accepted | returned (补正: the list of what is missing) → processing →
 * approved | refused (with the reason) → issued. A returned application goes back to
 * received when the applicant supplies the materials. */
typedef enum {
	SVC_RECEIVED,
	SVC_RETURNED,
	SVC_ACCEPTED,
	SVC_PROCESSING,
	SVC_APPROVED,
	SVC_REFUSED,
	SVC_ISSUED,
	SVC__STATES
} svc_state;

typedef enum {
	SVC_ACT_ACCEPT,   /* 受理 */
	SVC_ACT_RETURN,   /* 一次性告知补正 (needs the list) */
	SVC_ACT_RESUBMIT, /* 补正后重新提交 (the applicant, or staff for them) */
	SVC_ACT_PROCESS,  /* 开始办理 */
	SVC_ACT_APPROVE,  /* 办结：通过 */
	SVC_ACT_REFUSE,   /* 办结：不予办理 (needs the reason) */
	SVC_ACT_ISSUE,    /* 出具/发放 */
	SVC__ACTIONS
} svc_action;

/* Who may take an action: staff (service write at the application's place), or the
 * applicant (who filed it, or the resident it is for). */
typedef enum { SVC_BY_STAFF = 1, SVC_BY_APPLICANT = 2 } svc_by;

const char *svc_state_code(svc_state s);  /* "received" ... */
const char *svc_state_label(svc_state s); /* "已接收" ... */
int svc_state_parse(const char *s);       /* -1 if unknown */
const char *svc_action_code(svc_action a);
const char *svc_action_label(svc_action a);
int svc_action_parse(const char *s);

/* The state after action a from s, or -1 when a is not allowed from s (409). *by says
 * who may take it. */
int svc_transition(svc_state s, svc_action a, svc_by *by);

/* True once a decision is made (approved, refused, issued): the time limit is met or
 * missed by then. */
bool svc_state_decided(svc_state s);

/* ---------------------------------------------------------------- working days */

/* Days are counted in Asia/Shanghai (UTC+8 all year since 1991): day d is the local date
 * d days after 1970-01-01. A working day is Monday to Friday unless the calendar says
 * off (法定节假日), or a Saturday/Sunday the calendar says work (调休上班). */
#define SVC_TZ_OFFSET_MS (8LL * 3600 * 1000)
#define SVC_DAY_MS       (86400LL * 1000)

typedef struct {
	int32_t day;  /* local day number */
	bool workday; /* true: 调休上班 on a weekend; false: a holiday */
} svc_calendar_day;

typedef struct {
	const svc_calendar_day *days; /* sorted by day, no duplicates */
	size_t n;
} svc_calendar;

/* The local day of a time (ms since the epoch). */
int32_t svc_local_day(int64_t ms);
/* The start of local day d (00:00 Asia/Shanghai) as ms since the epoch. */
int64_t svc_day_start_ms(int32_t day);
/* Day number of a local date, or INT32_MIN for an impossible date. */
int32_t svc_day_of_date(int y, int m, int d);
/* "2025-10-09" into buf (>= 11 bytes). */
char *svc_day_format(int32_t day, char *buf, size_t cap);
/* Parses "YYYY-MM-DD"; returns the day, or INT32_MIN when malformed or impossible. */
int32_t svc_day_parse(const char *s);

bool svc_is_workday(const svc_calendar *cal, int32_t day);

/* The day a time limit of n working days ends, counted from the day after the day of
 * `from` (民法典 第201条: the first day is not counted): the n-th working day after it.
 * n >= 1. */
int32_t svc_due_day(const svc_calendar *cal, int64_t from, int n);

/* The end of the due day (24:00 local), exclusive: an application decided before it is
 * on time, one not decided by then is overdue. */
int64_t svc_due_end_ms(const svc_calendar *cal, int64_t from, int n);

/* Working days from the day after day a up to and including day b (0 when b <= a): how
 * many working days late something decided on day b is when due on day a. */
int svc_workdays_between(const svc_calendar *cal, int32_t a, int32_t b);

/* ---------------------------------------------------------------- forms and materials */

/* Form field types of the catalogue. */
typedef enum {
	SVC_FIELD_TEXT,
	SVC_FIELD_DATE,
	SVC_FIELD_CHOICE,
	SVC_FIELD_ATTACHMENT
} svc_field_type;

#define SVC_FIELDS_MAX     24
#define SVC_MATERIALS_MAX  16
#define SVC_FILES_PER_ITEM 8
#define SVC_TEXT_MAX_CHARS 500

/* Checks a catalogue entry's definitions: fields [{code, label, type, required,
 * options?, max_chars?}], materials [{code, name, required, note?}] and steps [string].
 * Adds a field error per problem (named "fields[2].type" ...). Returns 0, or -1 when
 * anything was wrong. */
int svc_check_definitions(const json_t *fields, const json_t *materials, const json_t *steps,
                          gz_err *err);

/* Checks an application's values against the service's definitions: values {code: value}
 * — text (1..max_chars code points), date ("YYYY-MM-DD", a real date), choice (one of
 * the options), attachment (an attachment id string) — and materials {code: [attachment
 * ids]}. Every problem is a field error: "fields.CODE" / "materials.CODE" with the label
 * or name (a required one missing: "缺少必填项：…" / "缺少材料：…"), unknown codes too.
 * Attachment ids referenced (fields and materials) are appended to ids[0..*nids) up to
 * max (more than max is an error of the field that overflows). Returns 0, or -1 when
 * anything was wrong (err then has its fields; gz_json_check makes it a 422). */
int svc_check_application(const json_t *field_defs, const json_t *material_defs,
                          const json_t *values, const json_t *materials, int64_t *ids, size_t *nids,
                          size_t max, gz_err *err);

/* ---------------------------------------------------------------- attachments */

#define SVC_ATTACHMENT_MAX_BYTES ((size_t)5 << 20)

/* The bytes' media type: gz_media_sniff (core/media.h), shared with the cases' photos. */

/* ---------------------------------------------------------------- rates */

/* A rate num/den as a percentage with one decimal, rounded half up, into buf
 * ("87.5"); NULL (no rate) when den is 0. Exact integer arithmetic. */
const char *svc_percent(int64_t num, int64_t den, char *buf, size_t cap);

/* ---------------------------------------------------------------- certificates */

/* A verification code: 16 symbols of SVC_CODE_ALPHABET (no look-alikes: 80 bits),
 * written in groups of four, "K7QM-2XWD-9HFB-RT3P". */
#define SVC_CODE_ALPHABET "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
#define SVC_CODE_SIZE     20 /* 16 symbols, 3 dashes, NUL */

/* Normalises a code as typed (lower case, spaces or dashes anywhere) into out
 * (SVC_CODE_SIZE): returns 0, or -1 when it cannot be a code (then it is invalid without
 * any lookup). */
int svc_code_normalise(const char *in, char out[SVC_CODE_SIZE]);

/* A certificate number: community code, year, sequence: "110101001001-2025-000012". */
void svc_cert_number(const char *community, int year, int64_t seq, char *out, size_t cap);

/* The Gregorian year of local day d. */
int svc_day_year(int32_t day);

/* ---------------------------------------------------------------- venues */

/* Bookings are made in whole slots of SVC_SLOT_MIN minutes aligned to the local clock;
 * each booked slot is one row with a unique key (venue, slot), so two bookings that
 * overlap cannot both commit, on SQLite and PostgreSQL alike. */
#define SVC_SLOT_MIN      30
#define SVC_SLOT_MS       ((int64_t)SVC_SLOT_MIN * 60 * 1000)
#define SVC_BOOKING_MAX_H 12

/* Opening hours: for each weekday (1 Monday .. 7 Sunday) at most one interval, minutes
 * after local midnight, open < close, on slot boundaries; a closed day has open = close
 * = 0. */
typedef struct {
	int open[8], close[8]; /* index 1..7 */
} svc_hours;

/* Parses [{weekday, open: "08:30", close: "17:30"}, ...] into *h. Adds field errors
 * under key ("opening_hours[1].close ...") and returns -1 when malformed. */
int svc_hours_parse(const json_t *arr, svc_hours *h, const char *key, gz_err *err);
/* The same back as JSON (new reference). */
json_t *svc_hours_json(const svc_hours *h);

/* Checks a booking [start, end) of a venue open in hours, taking at most max_minutes:
 * ends after it starts, on slot boundaries, within one day's opening hours, not longer
 * than allowed, not in the past (before now). Adds field errors and returns -1, or 0. */
int svc_booking_check(const svc_hours *h, int max_minutes, int64_t start, int64_t end, int64_t now,
                      gz_err *err);

/* ISO weekday (1 Monday .. 7 Sunday) of local day d. */
int svc_weekday(int32_t day);

#endif
