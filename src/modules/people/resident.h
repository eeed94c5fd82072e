/* Residents' register: the small rules the API and the import share that person.h does
 * not cover — dates as people type them, the age group shown instead of a birth date,
 * splitting a tags cell, names, the ?reveal= list. Pure: no I/O, no allocation, no clock
 * (callers pass now_ms).
 *
 * Errors: kind GZ_EINVALID, a snake_case code and a Chinese reason in err->message; no
 * field is added (the caller knows its field name or import column), as in person.h. */
#ifndef GZ_DOMAIN_RESIDENT_H
#define GZ_DOMAIN_RESIDENT_H

#include "core/err.h"
#include "modules/people/person.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest name, in code points. */
#define RESIDENT_NAME_MAX 64
/* Most tags on one resident. */
#define RESIDENT_TAGS_MAX 16
/* Room for a formatted date "YYYY-MM-DD" with NUL. */
#define RESIDENT_DATE_SIZE 11

/* A date as people write it in a register: 1980-01-31, 1980/1/31, 1980.1.31, 19800131,
 * 1980年1月31日 (surrounding ASCII spaces ignored). It must be a calendar date, not
 * before 1900-01-01 and not after today (Asia/Shanghai, from now_ms). Errors (code
 * invalid_date): 不能为空, 日期格式应为 YYYY-MM-DD, 日期无效, 早于 1900 年, 晚于今天.
 * Returns 0 with *out set, or -1. */
int resident_date_parse(const char *s, size_t n, int64_t now_ms, person_date *out, gz_err *err);

/* "YYYY-MM-DD" into out; returns out. */
char *resident_date_format(person_date d, char out[RESIDENT_DATE_SIZE]);

/* What a masked response shows instead of a birth date: the age group of `age` full
 * years — "0-17", "18-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80+" — which
 * keeps the boundaries services use (minors, 60+ elderly, 80+ 高龄) and hides the year
 * that the masked ID number also hides. "" for a negative age. */
const char *resident_age_group(int age);

/* A (pointer, length) view into the caller's text. */
typedef struct {
	const char *ptr;
	size_t len;
} resident_span;

/* Split a tags cell ("独居老人、低保", "a, b", "a；b") into items: separators are 、 , ，
 * ; ； and spaces (ASCII and U+3000); empty items are skipped. Fills out[0..max) and
 * returns the number of items, or -1 (code too_many_tags, 标签过多（最多 N 个）) when
 * there are more than max. s need not be NUL-terminated. */
int resident_tags_split(const char *s, size_t n, resident_span *out, int max, gz_err *err);

/* A person's name: surrounding ASCII spaces are trimmed; then 1..RESIDENT_NAME_MAX code
 * points of valid UTF-8 without control characters. Errors (code invalid_name):
 * 不能为空, 不能超过 64 个字, 含有无效字符. Returns 0 and sets *start / *len to the trimmed
 * part of s, or -1. */
int resident_name_check(const char *s, size_t n, size_t *start, size_t *len, gz_err *err);

/* Fields of a resident that ?reveal= may ask for. */
enum {
	RESIDENT_REVEAL_PHONE = 1 << 0,
	RESIDENT_REVEAL_ID = 1 << 1,
	RESIDENT_REVEAL_BIRTH = 1 << 2,
	RESIDENT_REVEAL_TAGS = 1 << 3, /* sensitive tags */
	RESIDENT_REVEAL_ALL = 0xf,
};

/* Parse a comma-separated ?reveal= list of phone, id_number, birth_date, tags (empty
 * items ignored; repeats allowed). Error (code bad_reveal): 未知字段 X，可选 phone,
 * id_number, birth_date, tags. Returns 0 with *mask set, or -1. */
int resident_reveal_parse(const char *s, unsigned *mask, gz_err *err);

/* The names of the fields in mask, comma-separated in the order above, into out. */
char *resident_reveal_names(unsigned mask, char *out, size_t cap);

/* A configured tag code: 1..32 characters of a-z, 0-9 and _, starting with a letter. */
bool resident_tag_code_valid(const char *s);

#endif
