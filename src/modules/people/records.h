/* Residents' records kept by hand: the pure rules behind status changes (move out,
 * death, move back in), the one search box of the residents list (what a typed text
 * means: an ID number, a phone, a building/unit/room, or part of a name or address) and
 * how an address is written. No I/O, no allocation, no clock (callers pass now_ms).
 *
 * Errors: kind GZ_EINVALID (GZ_EBADREQ for the search box, which is a query), a
 * snake_case code and a Chinese reason in err->message; no field is added. */
#ifndef GZ_MODULES_PEOPLE_RECORDS_H
#define GZ_MODULES_PEOPLE_RECORDS_H

#include "core/err.h"
#include "modules/people/person.h"
#include "modules/people/resident.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- status */

/* Where a resident stands in the register (residents.status). */
typedef enum {
	RECORD_ACTIVE = 0,    /* "active"    在册 */
	RECORD_MOVED_OUT = 1, /* "moved_out" 已迁出 */
	RECORD_DECEASED = 2,  /* "deceased"  已故 */
} record_status;
#define RECORD_STATUS_COUNT 3

const char *record_status_code(record_status s);
const char *record_status_label(record_status s);
/* The record_counts row counting residents of status s: "residents" (active),
 * "residents_moved_out", "residents_deceased". */
const char *record_status_count_name(record_status s);
/* A stored or requested code; returns 0 with *out, or -1 for anything else. */
int record_status_parse(const char *s, record_status *out);

/* The ?status= filter of a list: which statuses it shows, as a bit set of
 * 1 << record_status. "active" (the default, also for NULL or ""), "moved_out",
 * "deceased", "left" (moved out or deceased), "all". Returns 0 with *mask, or -1 with
 * err (GZ_EBADREQ, bad_status: 应为 active、moved_out、deceased、left 或 all). */
int record_status_filter(const char *s, unsigned *mask, gz_err *err);

/* Longest move-out reason, in code points. */
#define RECORD_REASON_MAX 200

/* A status change that leaves the register (move out: reason required; death: reason
 * ignored) or returns to it (move in: date optional, reason optional), checked:
 *   from      the current status: moving out or dying needs an active resident (409
 *             not_active: 该居民已迁出 / 该居民已故), moving in a resident who left (409
 *             already_active: 该居民在册)
 *   date      resident_date_parse() rules (not in the future: 晚于今天), and not before
 *             the birth date when it is known (早于出生日期); NULL/"" for a move in = none
 *   reason    1..RECORD_REASON_MAX code points of text without control characters,
 *             trimmed (move out: 不能为空 when missing)
 * Field errors go to err as fields ("date", "reason") with kind GZ_EINVALID, code
 * invalid_fields; the state errors are GZ_ECONFLICT. Returns 0 with *date_out
 * (year 0 when none) and the trimmed reason in reason_out[0..cap) ("" when none), or -1. */
typedef enum { RECORD_MOVE_OUT, RECORD_DIE, RECORD_MOVE_IN } record_change;
int record_change_check(record_change c, record_status from, const char *date, const char *reason,
                        const person_date *birth, int64_t now_ms, person_date *date_out,
                        char *reason_out, size_t cap, gz_err *err);

/* ---------------------------------------------------------------- addresses */

/* A building, entrance (单元) and room as people type them; each part is 1..15 ASCII
 * letters or digits, or empty when not given. */
typedef struct {
	char building[16], entrance[16], room[16];
} record_unit_ref;

/* Reads the forms people type for a place in a compound:
 *   "3-2-102", "3－2－102"          building 3, entrance 2, room 102
 *   "3-102"                        building 3, room 102 (any entrance)
 *   "3号楼 2单元 102", "3栋2单元102室", "3幢2门102号"
 *   "3号楼102", "3号楼 102室"        building 3, room 102
 *   "3号楼", "3号楼2单元"            a building, or one entrance of it
 * Building markers: 号楼 栋 幢 座 号 楼 #; entrance markers: 单元 门; room markers:
 * 室 号 房 (optional). Spaces between parts are ignored. Every part holds a digit
 * except that a building may be letters ("A座"). Returns true with *out, else false
 * (anything else: a name, a phone, a street address). */
bool record_unit_parse(const char *s, size_t n, record_unit_ref *out);

/* Does the unit numbered `number` in the building called `building_name` match q?
 * The number is read with the same forms ("3-2-102": building, entrance, room;
 * "2-102": entrance and room within the building; "102": the room); the building by
 * the number or letters its name ends with before a marker ("锦绣家园3号楼" is 3). A
 * three-part number names its own building; shorter ones need the building's name to
 * match. Every part q gives must match (letters case-insensitively); leading zeros are
 * significant ("0102" is not "102"). */
bool record_unit_matches(const record_unit_ref *q, const char *building_name, const char *number);

/* The building's number or letters as record_unit_matches() reads them from its name
 * ("3号楼" -> "3", "锦绣家园12栋" -> "12", "A座" -> "A"), into out[16]; "" when the name
 * does not end with one. */
void record_building_key(const char *name, char out[16]);

/* Is the building called name the one q asks for (record_building_key equal to
 * q->building, letters case-insensitively)? */
bool record_building_matches(const record_unit_ref *q, const char *name);

/* A unit's number for display: "3-2-102" -> "2单元102室" (the building is shown by its
 * name), "2-102" -> "2单元102室", "102" -> "102室"; other numbers as they are. */
void record_unit_label(const char *number, char *out, size_t cap);

/* ---------------------------------------------------------------- the search box */

typedef enum {
	RECORD_Q_TEXT = 1,  /* part of a name or an address: a substring search */
	RECORD_Q_ID = 2,    /* a whole ID number: exact lookup through its keyed hash */
	RECORD_Q_PHONE = 3, /* a whole phone number: exact lookup through its keyed hash */
	RECORD_Q_UNIT = 4,  /* building / entrance / room */
} record_query_kind;

/* Longest search text, in code points. */
#define RECORD_Q_MAX 64

typedef struct {
	record_query_kind kind;
	char text[4 * RECORD_Q_MAX + 1]; /* TEXT: the trimmed text */
	char id_number[19];              /* ID: normalised (upper-case X) */
	char phone[PERSON_PHONE_MAX];    /* PHONE: normalised */
	record_unit_ref unit;            /* UNIT */
} record_query;

/* What the residents list's ?q= asks for, decided in this order:
 *   1. 18 characters of digits (the last may be X/x), spaces ignored: an ID number,
 *      checked (person_id_check: a wrong check digit is an error, never a search);
 *      15 digits: 身份证号应为 18 位
 *   2. a whole phone (person_phone_check: 11-digit mobiles, landlines with their area
 *      code; spaces, hyphens, +86 allowed)
 *   3. a building / unit / room (record_unit_parse)
 *   4. only digits and punctuation otherwise (a part of a number, "138", "5"): refused —
 *      numbers are looked up exactly, never by a part (code partial_number)
 *   5. anything else: part of a name or an address
 * Surrounding spaces are trimmed; 1..RECORD_Q_MAX code points of valid UTF-8 without
 * control characters (code bad_q). Errors have kind GZ_EBADREQ. Returns 0 with *out, or
 * -1 with err. */
int record_query_parse(const char *q, int64_t now_ms, record_query *out, gz_err *err);

#endif
