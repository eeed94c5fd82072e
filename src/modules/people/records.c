/* Residents' records kept by hand: status changes, the search box, addresses. See
 * records.h. */
#include "modules/people/records.h"

#include "core/utf8.h"

#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- status */

static const struct {
	const char *code, *label, *count;
} statuses[RECORD_STATUS_COUNT] = {
    [RECORD_ACTIVE] = {"active", "在册", "residents"},
    [RECORD_MOVED_OUT] = {"moved_out", "已迁出", "residents_moved_out"},
    [RECORD_DECEASED] = {"deceased", "已故", "residents_deceased"},
};

const char *record_status_code(record_status s)
{
	return (unsigned)s < RECORD_STATUS_COUNT ? statuses[s].code : "active";
}

const char *record_status_label(record_status s)
{
	return (unsigned)s < RECORD_STATUS_COUNT ? statuses[s].label : "在册";
}

const char *record_status_count_name(record_status s)
{
	return (unsigned)s < RECORD_STATUS_COUNT ? statuses[s].count : "residents";
}

int record_status_parse(const char *s, record_status *out)
{
	for (int i = 0; s && i < RECORD_STATUS_COUNT; i++)
		if (!strcmp(s, statuses[i].code)) {
			*out = (record_status)i;
			return 0;
		}
	return -1;
}

int record_status_filter(const char *s, unsigned *mask, gz_err *err)
{
	record_status st;
	if (!s || !*s)
		*mask = 1u << RECORD_ACTIVE;
	else if (!strcmp(s, "all"))
		*mask = (1u << RECORD_STATUS_COUNT) - 1;
	else if (!strcmp(s, "left"))
		*mask = (1u << RECORD_MOVED_OUT) | (1u << RECORD_DECEASED);
	else if (record_status_parse(s, &st) == 0)
		*mask = 1u << st;
	else
		return gz_err_set(err, GZ_EBADREQ, "bad_status",
		                  "status 应为 active、moved_out、deceased、left 或 all");
	return 0;
}

/* Trims ASCII spaces; checks 1..max code points of UTF-8 without control characters. */
static int text_check(const char *s, size_t n, size_t max, size_t *a, size_t *len)
{
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == i)
		return 1; /* empty */
	if (!gz_utf8_valid(s + i, n - i))
		return -1;
	for (size_t k = i; k < n; k++) {
		unsigned char c = (unsigned char)s[k];
		if (c < 0x20 || c == 0x7f ||
		    (c == 0xc2 && k + 1 < n && (unsigned char)s[k + 1] < 0xa0))
			return -1;
	}
	if (gz_utf8_len(s + i, n - i) > max)
		return -2;
	*a = i;
	*len = n - i;
	return 0;
}

int record_change_check(record_change c, record_status from, const char *date, const char *reason,
                        const person_date *birth, int64_t now_ms, person_date *date_out,
                        char *reason_out, size_t cap, gz_err *err)
{
	if (c == RECORD_MOVE_IN && from == RECORD_ACTIVE)
		return gz_err_set(err, GZ_ECONFLICT, "already_active", "该居民在册，无需迁入");
	if (c != RECORD_MOVE_IN && from != RECORD_ACTIVE)
		return gz_err_set(err, GZ_ECONFLICT, "not_active", "%s",
		                  from == RECORD_DECEASED ? "该居民已故" : "该居民已迁出");
	*date_out = (person_date){0, 0, 0};
	if (cap)
		reason_out[0] = '\0';
	gz_err e;
	if (date && *date) {
		gz_err_clear(&e);
		person_date d;
		if (resident_date_parse(date, strlen(date), now_ms, &d, &e) < 0)
			gz_err_field(err, "date", "%s", e.message);
		else if (birth && birth->year &&
		         (d.year < birth->year ||
		          (d.year == birth->year &&
		           (d.month < birth->month ||
		            (d.month == birth->month && d.day < birth->day)))))
			gz_err_field(err, "date", "早于出生日期");
		else
			*date_out = d;
	} else if (c != RECORD_MOVE_IN) {
		gz_err_field(err, "date", "必填");
	}
	if (c != RECORD_DIE) {
		size_t a = 0, l = 0;
		int k = reason ? text_check(reason, strlen(reason), RECORD_REASON_MAX, &a, &l) : 1;
		if (k == 1) {
			if (c == RECORD_MOVE_OUT)
				gz_err_field(err, "reason", "不能为空");
		} else if (k == -1) {
			gz_err_field(err, "reason", "含有无效字符");
		} else if (k == -2 || l >= cap) {
			gz_err_field(err, "reason", "不能超过 %d 个字", RECORD_REASON_MAX);
		} else {
			memcpy(reason_out, reason + a, l);
			reason_out[l] = '\0';
		}
	}
	if (err->nfields)
		return gz_err_set(err, GZ_EINVALID, "invalid_fields", "请检查标出的字段");
	return 0;
}

/* ---------------------------------------------------------------- addresses */

static bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool has_digit(const char *s)
{
	for (; *s; s++)
		if (*s >= '0' && *s <= '9')
			return true;
	return false;
}

/* The longest of the literals at s[*i..n) (advancing past it); false when none. */
static bool take_any(const char *s, size_t n, size_t *i, const char *const *lits)
{
	size_t best = 0;
	for (size_t k = 0; lits[k]; k++) {
		size_t l = strlen(lits[k]);
		if (l > best && n - *i >= l && !memcmp(s + *i, lits[k], l))
			best = l;
	}
	*i += best;
	return best > 0;
}

/* An alnum run of 1..15 at s[*i] into out[16]. */
static bool take_alnum(const char *s, size_t n, size_t *i, char out[16])
{
	size_t k = 0;
	while (*i + k < n && is_alnum(s[*i + k]))
		k++;
	if (!k || k > 15)
		return false;
	memcpy(out, s + *i, k);
	out[k] = '\0';
	*i += k;
	return true;
}

static void skip_spaces(const char *s, size_t n, size_t *i)
{
	for (;;) {
		if (*i < n && (s[*i] == ' ' || s[*i] == '\t'))
			(*i)++;
		else if (n - *i >= 3 && !memcmp(s + *i, "\xe3\x80\x80", 3)) /* U+3000 */
			*i += 3;
		else
			return;
	}
}

static const char *const building_marks[] = {"号楼", "栋", "幢", "座", "号", "楼", "#", NULL};
static const char *const entrance_marks[] = {"单元", "门", NULL};
static const char *const room_marks[] = {"室", "号", "房", NULL};
static const char *const dashes[] = {"-", "－" /* U+FF0D */, "—" /* U+2014 */, "–" /* U+2013 */,
                                     NULL};

/* "3-2-102" / "3-102": two or three alnum parts joined by dashes (spaces allowed around
 * them). */
static bool parse_dashed(const char *s, size_t n, record_unit_ref *out)
{
	char part[3][16];
	int np = 0;
	size_t i = 0;
	skip_spaces(s, n, &i);
	for (;;) {
		if (np == 3 || !take_alnum(s, n, &i, part[np]))
			return false;
		np++;
		skip_spaces(s, n, &i);
		if (i == n)
			break;
		if (!take_any(s, n, &i, dashes))
			return false;
		skip_spaces(s, n, &i);
	}
	if (np < 2)
		return false;
	for (int k = 1; k < np; k++)
		if (!has_digit(part[k]))
			return false;
	memset(out, 0, sizeof *out);
	memcpy(out->building, part[0], 16);
	if (np == 3)
		memcpy(out->entrance, part[1], 16);
	memcpy(out->room, part[np - 1], 16);
	return true;
}

/* "3号楼 2单元 102室" and its shorter forms. */
static bool parse_marked(const char *s, size_t n, record_unit_ref *out)
{
	record_unit_ref r;
	memset(&r, 0, sizeof r);
	size_t i = 0;
	skip_spaces(s, n, &i);
	if (!take_alnum(s, n, &i, r.building) || !take_any(s, n, &i, building_marks))
		return false;
	skip_spaces(s, n, &i);
	size_t save = i;
	char part[16];
	if (i < n && take_alnum(s, n, &i, part)) {
		if (take_any(s, n, &i, entrance_marks)) {
			if (!has_digit(part))
				return false;
			memcpy(r.entrance, part, 16);
			skip_spaces(s, n, &i);
			if (i < n && !take_alnum(s, n, &i, r.room))
				return false;
		} else {
			i = save;
			if (!take_alnum(s, n, &i, r.room))
				return false;
		}
		if (r.room[0]) {
			if (!has_digit(r.room))
				return false;
			take_any(s, n, &i, room_marks);
		}
		skip_spaces(s, n, &i);
	}
	if (i != n)
		return false;
	*out = r;
	return true;
}

bool record_unit_parse(const char *s, size_t n, record_unit_ref *out)
{
	return parse_dashed(s, n, out) || parse_marked(s, n, out);
}

static bool part_eq(const char *a, const char *b)
{
	size_t n = strlen(a);
	if (n != strlen(b))
		return false;
	for (size_t i = 0; i < n; i++) {
		char x = a[i], y = b[i];
		if (x >= 'a' && x <= 'z')
			x = (char)(x - 'a' + 'A');
		if (y >= 'a' && y <= 'z')
			y = (char)(y - 'a' + 'A');
		if (x != y)
			return false;
	}
	return true;
}

void record_building_key(const char *name, char out[16])
{
	out[0] = '\0';
	size_t n = name ? strlen(name) : 0;
	/* Strip one marker at the end. */
	for (size_t k = 0; building_marks[k]; k++) {
		size_t l = strlen(building_marks[k]);
		if (n > l && !memcmp(name + n - l, building_marks[k], l)) {
			n -= l;
			break;
		}
	}
	size_t a = n;
	while (a > 0 && is_alnum(name[a - 1]))
		a--;
	if (a == n || n - a > 15)
		return;
	memcpy(out, name + a, n - a);
	out[n - a] = '\0';
}

bool record_building_matches(const record_unit_ref *q, const char *name)
{
	char key[16];
	record_building_key(name, key);
	return key[0] && part_eq(key, q->building);
}

/* A number read within its building: "102", "102室", "2单元102", "2单元102室". */
static bool parse_in_building(const char *s, size_t n, record_unit_ref *u)
{
	size_t i = 0;
	char part[16];
	memset(u, 0, sizeof *u);
	skip_spaces(s, n, &i);
	if (!take_alnum(s, n, &i, part))
		return false;
	if (take_any(s, n, &i, entrance_marks)) {
		memcpy(u->entrance, part, 16);
		skip_spaces(s, n, &i);
		if (!take_alnum(s, n, &i, u->room))
			return false;
	} else {
		memcpy(u->room, part, 16);
	}
	take_any(s, n, &i, room_marks);
	skip_spaces(s, n, &i);
	return i == n;
}

bool record_unit_matches(const record_unit_ref *q, const char *building_name, const char *number)
{
	if (!number)
		return false;
	bool bmatch = record_building_matches(q, building_name);
	record_unit_ref u;
	size_t n = strlen(number);
	if (bmatch && parse_in_building(number, n, &u)) {
		/* "102", "2单元102室" inside the building asked for. */
	} else if (parse_dashed(number, n, &u)) {
		if (u.entrance[0]) {
			/* "3-2-102" names its own building (or sits in the one asked for). */
			if (!bmatch && !part_eq(u.building, q->building))
				return false;
		} else if (bmatch) {
			/* "2-102" inside building 3: entrance 2, room 102. */
			memcpy(u.entrance, u.building, 16);
		} else if (!part_eq(u.building, q->building) || q->entrance[0]) {
			/* "3-102" anywhere: building 3, room 102, entrance unknown. */
			return false;
		}
	} else if (parse_marked(number, n, &u)) {
		/* "3号楼2单元102": its own building. */
		if (!bmatch && !part_eq(u.building, q->building))
			return false;
	} else {
		return false;
	}
	if (q->entrance[0] && !part_eq(q->entrance, u.entrance))
		return false;
	if (q->room[0] && !part_eq(q->room, u.room))
		return false;
	return true;
}

void record_unit_label(const char *number, char *out, size_t cap)
{
	record_unit_ref u;
	size_t n = number ? strlen(number) : 0;
	if (number && parse_dashed(number, n, &u)) {
		if (u.entrance[0])
			snprintf(out, cap, "%s单元%s室", u.entrance, u.room);
		else
			snprintf(out, cap, "%s单元%s室", u.building, u.room);
		return;
	}
	bool digits = n > 0;
	for (size_t i = 0; i < n; i++)
		digits = digits && is_alnum(number[i]);
	if (digits)
		snprintf(out, cap, "%s室", number);
	else
		snprintf(out, cap, "%s", number ? number : "");
}

/* ---------------------------------------------------------------- the search box */

static int q_fail(gz_err *err, const char *code, const char *msg)
{
	return gz_err_set(err, GZ_EBADREQ, code, "%s", msg);
}

int record_query_parse(const char *q, int64_t now_ms, record_query *out, gz_err *err)
{
	memset(out, 0, sizeof *out);
	size_t a = 0, l = 0;
	int k = q ? text_check(q, strlen(q), RECORD_Q_MAX, &a, &l) : 1;
	if (k == 1)
		return q_fail(err, "bad_q", "搜索内容不能为空");
	if (k == -1)
		return q_fail(err, "bad_q", "搜索内容含有无效字符");
	if (k == -2)
		return q_fail(err, "bad_q", "搜索内容不能超过 64 个字");
	const char *s = q + a;

	/* Digits, X and separators only? Then it is a number: looked up whole or not at
	 * all. */
	char d[32];
	size_t nd = 0;
	bool numeric = true, other_sep = false, digit = false;
	for (size_t i = 0; i < l; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9') {
			digit = true;
			if (nd < sizeof d - 1)
				d[nd] = c;
			nd++;
		} else if ((c == 'x' || c == 'X') && i == l - 1) {
			if (nd < sizeof d - 1)
				d[nd] = 'X';
			nd++;
		} else if (c == ' ' || c == '-' || c == '+') {
			other_sep = other_sep || c != ' ';
		} else {
			numeric = false;
			break;
		}
	}
	numeric = numeric && digit;
	if (numeric && nd < sizeof d)
		d[nd] = '\0';
	if (numeric && (nd == 18 || (nd == 15 && !other_sep)) && !strchr(s, '+')) {
		/* An ID number (spaces ignored). */
		person_id_info info;
		gz_err e;
		gz_err_clear(&e);
		if (person_id_check(d, now_ms, &info, &e) < 0)
			return gz_err_set(err, GZ_EBADREQ, e.code, "身份证号%s", e.message);
		out->kind = RECORD_Q_ID;
		memcpy(out->id_number, info.normalised, sizeof out->id_number);
		return 0;
	}
	if (numeric && nd && d[nd - 1] != 'X' &&
	    person_phone_check(s, out->phone, NULL, NULL) == 0) {
		out->kind = RECORD_Q_PHONE;
		return 0;
	}
	if (record_unit_parse(s, l, &out->unit)) {
		out->kind = RECORD_Q_UNIT;
		return 0;
	}
	if (numeric)
		return q_fail(
		    err, "partial_number",
		    "按身份证号或手机号查找请输入完整号码（只做精确匹配，不按部分号码查找）");
	out->kind = RECORD_Q_TEXT;
	memcpy(out->text, s, l);
	out->text[l] = '\0';
	return 0;
}
