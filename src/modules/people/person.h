/* Residents' personal data rules: resident ID numbers (GB 11643-1999), phone numbers,
 * masking for display, age, vulnerable-group tags and the relation to the household
 * head. Pure: no I/O, no allocation, no clock (callers pass now_ms), no floating point.
 *
 * Errors: every check returns 0 on success and -1 with *err filled (err may be NULL):
 * kind GZ_EINVALID, a snake_case code and a Chinese reason in err->message such as
 * 校验位错误. No gz_err_field is added: the caller knows its field name ("id_number",
 * or row 7 column 身份证号 in an import) and attaches err->message to it.
 *
 * Masking (个人信息保护法 art. 51: de-identify by default): every response masks phone,
 * ID number and — for users outside the resident's grid — the name. Maskers take the
 * stored (normalised) text and never reveal more than the documented characters, even
 * for malformed or legacy values. */
#ifndef GZ_DOMAIN_PERSON_H
#define GZ_DOMAIN_PERSON_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ dates */

typedef struct {
	int year, month, day; /* Gregorian calendar, month 1..12, day 1..31 */
} person_date;

/* True if y-m-d is a real Gregorian date (leap years: divisible by 4, except centuries
 * not divisible by 400 — so 1900-02-29 is invalid and 2000-02-29 valid). */
bool person_date_valid(int y, int m, int d);

/* The calendar date in Asia/Shanghai (UTC+8 all year; China has had no DST since 1991)
 * at instant ms (ms since the Unix epoch, UTC). Birth dates on ID cards are local
 * dates, so "today" must be the local one. */
person_date person_date_from_ms(int64_t ms);

/* Age in whole years (周岁) on date `on`. The age increases on the birthday; someone
 * born on 29 February becomes a year older on 1 March in common years (they have not
 * reached 29 Feb on 28 Feb). Returns -1 if `on` is before `birth`. */
int person_age(person_date birth, person_date on);

/* person_age() at instant now_ms (Asia/Shanghai date). */
int person_age_at_ms(person_date birth, int64_t now_ms);

/* -------------------------------------------------------- resident ID number */

/* Which kind of 18-character number this is, from its first two digits. */
typedef enum {
	PERSON_ID_MAINLAND = 0, /* 居民身份证: province code 11..65 (see person_id_check) */
	PERSON_ID_TAIWAN_PROV,  /* region code 71 (Taiwan province in GB/T 2260); accepted for
	                           completeness, not issued in practice */
	PERSON_ID_HMT_PERMIT, /* 港澳台居民居住证: 81xxxx (HK), 82xxxx (Macao), 83xxxx (Taiwan) */
	PERSON_ID_FOREIGNER, /* 外国人永久居留身份证 (2023 format): '9' + 2-digit province
	                        code of the issuing authority + nationality code + birth date */
} person_id_kind;

typedef struct {
	char normalised[19]; /* 18 characters, check character upper-case ('X'), NUL */
	person_date birth;   /* digits 7..14 */
	bool male;           /* digit 17: odd = male, even = female */
	int province;        /* the province code the number starts with (11, 44, 81 ...);
	                        for foreigners' cards the issuing province (digits 2..3) */
	person_id_kind kind;
} person_id_info;

/* ISO 7064 MOD 11-2 check character for the first 17 characters of first17 (which
 * must be digits): weights 2^(17-i) mod 11 = 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, the
 * weighted sum mod 11 indexes "10X98765432". Returns '0'..'9' or 'X', or '\0' if a
 * character is not a digit. */
char person_id_check_char(const char *first17);

/* Validate an 18-character ID number per GB 11643-1999 and fill *out (may be NULL).
 * Leading/trailing ASCII spaces and tabs are ignored (cells often carry them);
 * a lower-case 'x' is accepted and normalised to 'X'. now_ms is "now" for the
 * not-in-the-future check. Checks, in order, with err->code / reason:
 *   id_length    长度应为 18 位 (15 位旧号码已停止使用) for a 15-digit first-generation
 *                number, 长度应为 18 位 otherwise (length counted in bytes; any non-ASCII
 *                byte fails the next check anyway)
 *   id_chars     前 17 位应为数字 / 第 18 位应为数字或 X
 *   id_region    地区码无效 — the first two digits must be a GB/T 2260 province-level
 *                code: 11-15, 21-23, 31-37, 41-46, 50-54, 61-65, or 71 (Taiwan),
 *                81/82/83 (HK/Macao/Taiwan residents' residence permits); or '9'
 *                followed by such a mainland code (foreigners' permanent residence ID
 *                card, 2023 format). Sub-province digits are not checked: the GB/T 2260
 *                table changes every year and old numbers keep abolished county codes.
 *   id_birth     出生日期无效 (not a calendar date, or before 1900-01-01),
 *                出生日期晚于今天 (after today in Asia/Shanghai)
 *   id_checksum  校验位错误
 * Returns 0 or -1. */
int person_id_check(const char *id, int64_t now_ms, person_id_info *out, gz_err *err);

/* ---------------------------------------------------------------- phones */

typedef enum {
	PERSON_PHONE_MOBILE = 1,   /* normalised "13812341234": 11 digits, 1[3-9]xxxxxxxxx */
	PERSON_PHONE_LANDLINE = 2, /* normalised "010-12345678" / "0755-1234567": area code,
	                              one hyphen, 7 or 8 digit local number */
} person_phone_kind;

/* Room for a normalised phone or its mask, with NUL. */
#define PERSON_PHONE_MAX 16

/* Validate and normalise a phone number. Spaces and ASCII hyphens anywhere are
 * removed. Prefixes "+86", "0086" and (mobile only, 13 digits) "86" are stripped; after
 * "+86" / "0086" a number not starting with 0 or 13..19 is a landline written without
 * its trunk 0 ("+86 10 6552 9988" -> "010-65529988").
 *   mobile:   1[3-9] followed by 9 digits (11 in all) -> "13812341234"
 *   landline: 0 + area code + 7-8 digit local number. The area code length is not
 *             taken from where the user put the hyphen but from the numbering plan:
 *             010 and 020..029 have three characters, every other area code four
 *             (0755, 0571 ...). -> "010-12345678". Extensions are not accepted.
 * Errors (code invalid_phone): 不能为空, 含有非数字字符 (letters or other symbols,
 * full-width digits included), 手机号应为 11 位且以 13-19 开头, 号码格式不正确.
 * On success writes the normalised form into out (PERSON_PHONE_MAX bytes), sets *kind
 * (may be NULL) and returns 0. The normalised form is what gz_crypto_lookup() hashes. */
int person_phone_check(const char *in, char out[PERSON_PHONE_MAX], person_phone_kind *kind,
                       gz_err *err);

/* ---------------------------------------------------------------- masking */

/* "13812341234" -> "138****1234"; "010-12345678" -> "010-****5678" (area code and last
 * four kept, one '*' per hidden digit). Any other text: if it has at least 8 bytes, the
 * first 3 and last 4 are kept and the middle starred; shorter text is starred entirely.
 * Output is at most max(strlen(phone), 1) bytes + NUL; out must hold `cap` bytes
 * (PERSON_PHONE_MAX suffices for normalised phones; longer inputs are truncated at
 * cap - 1 stars-included bytes). Returns out. */
char *person_mask_phone(const char *phone, char *out, size_t cap);

/* Room for a masked ID number with NUL. */
#define PERSON_ID_MASK_MAX 19

/* "11010519491231002X" -> "110105********002X": first 6 and last 4 characters kept,
 * exactly 8 stars. Legacy values of another length: if longer than 10 bytes, first 6
 * and last 4 kept with one star per hidden byte (truncated to fit out); otherwise all
 * starred. out holds PERSON_ID_MASK_MAX bytes (longer legacy values are cut). Returns out. */
char *person_mask_id(const char *id, char out[PERSON_ID_MASK_MAX]);

/* Surname kept, one '*' per remaining code point: "张三" -> "张*", "王小明" -> "王**",
 * "欧阳娜娜" -> "欧阳**", "诸葛亮" -> "诸葛*". Compound surnames (复姓: 欧阳 司马 诸葛
 * 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 端木 …, see person.c) count
 * as the surname only when the name has at least three code points: a two-character
 * "东方" is 东 + given name 方 far more often than a surname without a given name.
 * A single code point is returned as is. Invalid UTF-8 -> every byte starred.
 * out must hold cap bytes; the result is cut at a code-point boundary if it does not
 * fit. Returns out. */
char *person_mask_name(const char *name, char *out, size_t cap);

/* -------------------------------------------------------------------- tags */

/* A built-in resident tag. `sensitive` tags are personal information that PIPL
 * (个人信息保护法) art. 28 calls sensitive — "information that, once leaked or misused,
 * easily harms a person's dignity or personal or property safety, including biometrics,
 * religion, specific identity, medical health, financial accounts, whereabouts, and
 * personal information of minors under 14" — and GB/T 35273-2020 annex B illustrates
 * (health and physiology, property and assistance status, undisclosed criminal records).
 * Sensitive tags are encrypted at rest, masked by default and revealed only to roles
 * that need them, each reveal audited (SPEC §3).
 *
 *   sensitive:
 *     残疾 disabled, 慢性病 chronic_illness, 严重精神障碍 severe_mental_disorder,
 *     失能/半失能 disabled_elderly, 孕产妇 pregnant  — medical health (art. 28);
 *     低保 dibao, 特困 tekun, 低收入 low_income         — means-tested assistance: reveals
 *                                                        property status, stigmatising;
 *     留守儿童 left_behind_child, 困境儿童 child_in_difficulty — minors' data (art. 28 last
 *                                                        sentence), and the tag says the
 *                                                        child lacks guardians at home;
 *     社区矫正对象 community_correction, 刑满释放人员 released_prisoner — criminal records
 *                                                        (specific identity).
 *   not sensitive:
 *     独居老人 living_alone, 空巢老人 empty_nester, 高龄 elderly_80 — a living arrangement
 *       or an age bracket, the working list of daily visits by grid workers and
 *       volunteers; no health or financial fact. (The address itself is protected by
 *       scope checks.)
 *     优抚对象 entitled_group, 退役军人 veteran — an honour the state displays publicly
 *       (光荣之家 plaques on the door); benefit amounts, if stored, are separate.
 *     失业 unemployed — registered unemployment is an employment status served by the
 *       community's employment help; it is not means-tested assistance.
 *
 * Deployments may configure further tags (stored in the database, outside this table);
 * they should default to sensitive. */
typedef struct {
	const char *code;  /* stable ASCII code stored in the database */
	const char *label; /* Chinese label shown and accepted on import */
	bool sensitive;
} person_tag;

/* The built-in table, in display order; *n receives its length. */
const person_tag *person_tags(size_t *n);

/* Look a tag up by code ("dibao") or label ("低保"), exact match after trimming
 * ASCII spaces. Returns NULL if unknown. */
const person_tag *person_tag_find(const char *code_or_label);

/* ---------------------------------------------------------- relation to head */

typedef enum {
	PERSON_REL_HEAD = 1,   /* 户主 */
	PERSON_REL_SPOUSE,     /* 配偶 */
	PERSON_REL_SON,        /* 子 */
	PERSON_REL_DAUGHTER,   /* 女 */
	PERSON_REL_PARENT,     /* 父母 */
	PERSON_REL_GRANDCHILD, /* 孙子女 */
	PERSON_REL_SIBLING,    /* 兄弟姐妹 */
	PERSON_REL_OTHER,      /* 其他 */
} person_relation;

/* Parse a relation: the labels above, their codes (head, spouse, son, daughter,
 * parent, grandchild, sibling, other) or common synonyms found in household registers
 * (本人, 儿子, 女儿, 父亲, 母亲, 孙子, 孙女, 外孙子, 外孙女, 哥哥/兄, 弟弟/弟, 姐姐/姐,
 * 妹妹/妹, 妻, 丈夫, 夫, 妻子). Surrounding ASCII spaces are ignored. Returns 0, or -1
 * with code invalid_relation and reason 与户主关系应为 户主、配偶、子、女、父母、孙子女、
 * 兄弟姐妹、其他 之一. */
int person_relation_parse(const char *s, person_relation *out, gz_err *err);

/* Chinese label ("户主") / ASCII code ("head") of a relation; "" if out of range. */
const char *person_relation_label(person_relation r);
const char *person_relation_code(person_relation r);

/* Parse a gender cell: 男/女, M/F, male/female (case-insensitive). *male set.
 * Returns 0, or -1 with code invalid_gender, reason 性别应为 男 或 女. */
int person_gender_parse(const char *s, bool *male, gz_err *err);

#endif
