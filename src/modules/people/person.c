/* Residents' personal data rules. See domain/person.h for every contract. */
#include "modules/people/person.h"

#include "core/utf8.h"

#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ dates */

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool person_date_valid(int y, int m, int d)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
		return false;
	int lim = mdays[m - 1] + (m == 2 && leap(y));
	return d <= lim;
}

person_date person_date_from_ms(int64_t ms)
{
	/* Asia/Shanghai is UTC+8 all year. Floor division, so instants before 1970 work. */
	int64_t local = ms + INT64_C(8) * 3600 * 1000;
	int64_t days = local / 86400000;
	if (local % 86400000 < 0)
		days--;
	/* civil_from_days (H. Hinnant), proleptic Gregorian. */
	days += 719468;
	int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	int64_t doe = days - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	person_date out = {(int)(y + (m <= 2)), (int)m, (int)d};
	return out;
}

static int date_cmp(person_date a, person_date b)
{
	if (a.year != b.year)
		return a.year < b.year ? -1 : 1;
	if (a.month != b.month)
		return a.month < b.month ? -1 : 1;
	if (a.day != b.day)
		return a.day < b.day ? -1 : 1;
	return 0;
}

int person_age(person_date birth, person_date on)
{
	if (date_cmp(on, birth) < 0)
		return -1;
	int age = on.year - birth.year;
	/* Not yet reached this year's birthday. Comparing (month, day) pairs makes a
	 * 29 February birthday count from 1 March in common years. */
	if (on.month < birth.month || (on.month == birth.month && on.day < birth.day))
		age--;
	return age;
}

int person_age_at_ms(person_date birth, int64_t now_ms)
{
	return person_age(birth, person_date_from_ms(now_ms));
}

/* -------------------------------------------------------- resident ID number */

static bool isdig(char c)
{
	return c >= '0' && c <= '9';
}

char person_id_check_char(const char *first17)
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	static const char map[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};
	int sum = 0;
	for (int i = 0; i < 17; i++) {
		if (!isdig(first17[i]))
			return '\0';
		sum += (first17[i] - '0') * w[i];
	}
	return map[sum % 11];
}

static bool mainland_province(int p)
{
	return (p >= 11 && p <= 15) || (p >= 21 && p <= 23) || (p >= 31 && p <= 37) ||
	       (p >= 41 && p <= 46) || (p >= 50 && p <= 54) || (p >= 61 && p <= 65);
}

static int id_fail(gz_err *err, const char *code, const char *why)
{
	return gz_err_set(err, GZ_EINVALID, code, "%s", why);
}

int person_id_check(const char *id, int64_t now_ms, person_id_info *out, gz_err *err)
{
	if (!id)
		id = "";
	size_t n = strlen(id);
	while (n > 0 && (*id == ' ' || *id == '\t'))
		id++, n--;
	while (n > 0 && (id[n - 1] == ' ' || id[n - 1] == '\t'))
		n--;

	if (n != 18) {
		bool digits15 = n == 15;
		for (size_t i = 0; digits15 && i < 15; i++)
			digits15 = isdig(id[i]);
		return id_fail(err, "id_length",
		               digits15 ? "长度应为 18 位（15 位旧号码已停止使用）"
		                        : "长度应为 18 位");
	}
	char s[19];
	memcpy(s, id, 18);
	s[18] = '\0';
	for (int i = 0; i < 17; i++)
		if (!isdig(s[i]))
			return id_fail(err, "id_chars", "前 17 位应为数字");
	if (s[17] == 'x')
		s[17] = 'X';
	if (!isdig(s[17]) && s[17] != 'X')
		return id_fail(err, "id_chars", "第 18 位应为数字或 X");

	int p2 = (s[0] - '0') * 10 + (s[1] - '0');
	person_id_kind kind;
	int province = p2;
	if (mainland_province(p2)) {
		kind = PERSON_ID_MAINLAND;
	} else if (p2 == 71) {
		kind = PERSON_ID_TAIWAN_PROV;
	} else if (p2 == 81 || p2 == 82 || p2 == 83) {
		kind = PERSON_ID_HMT_PERMIT;
	} else if (s[0] == '9' && mainland_province((s[1] - '0') * 10 + (s[2] - '0'))) {
		kind = PERSON_ID_FOREIGNER;
		province = (s[1] - '0') * 10 + (s[2] - '0');
	} else {
		return id_fail(err, "id_region", "地区码无效");
	}

	person_date b;
	b.year = (s[6] - '0') * 1000 + (s[7] - '0') * 100 + (s[8] - '0') * 10 + (s[9] - '0');
	b.month = (s[10] - '0') * 10 + (s[11] - '0');
	b.day = (s[12] - '0') * 10 + (s[13] - '0');
	if (b.year < 1900 || !person_date_valid(b.year, b.month, b.day))
		return id_fail(err, "id_birth", "出生日期无效");
	if (date_cmp(b, person_date_from_ms(now_ms)) > 0)
		return id_fail(err, "id_birth", "出生日期晚于今天");

	if (person_id_check_char(s) != s[17])
		return id_fail(err, "id_checksum", "校验位错误");

	if (out) {
		memcpy(out->normalised, s, 19);
		out->birth = b;
		out->male = (s[16] - '0') % 2 == 1;
		out->province = province;
		out->kind = kind;
	}
	return 0;
}

/* ---------------------------------------------------------------- phones */

static int phone_fail(gz_err *err, const char *why)
{
	return gz_err_set(err, GZ_EINVALID, "invalid_phone", "%s", why);
}

int person_phone_check(const char *in, char out[PERSON_PHONE_MAX], person_phone_kind *kind,
                       gz_err *err)
{
	char d[24];
	size_t n = 0;
	bool plus = false, seen = false;
	for (const char *p = in ? in : ""; *p; p++) {
		char c = *p;
		if (c == ' ' || c == '-')
			continue;
		if (c == '+' && !seen) {
			plus = seen = true;
			continue;
		}
		if (!isdig(c))
			return phone_fail(err, "含有非数字字符");
		seen = true;
		if (n >= sizeof d - 2) /* leave room for a prepended '0' */
			return phone_fail(err, "号码格式不正确");
		d[n++] = c;
	}
	if (n == 0)
		return phone_fail(err, plus ? "号码格式不正确" : "不能为空");

	const char *s = d;
	bool intl = false;
	if (plus) {
		if (n < 2 || s[0] != '8' || s[1] != '6')
			return phone_fail(err, "号码格式不正确"); /* only +86 numbers */
		s += 2, n -= 2, intl = true;
	} else if (n > 4 && memcmp(s, "0086", 4) == 0) {
		s += 4, n -= 4, intl = true;
	} else if (n == 13 && s[0] == '8' && s[1] == '6' && s[2] == '1') {
		s += 2, n -= 2; /* 86 + mobile */
	}
	char buf[24];
	if (intl && n > 1 && s[0] != '0' && !(s[0] == '1' && s[1] >= '3')) {
		/* +86 10 12345678: the trunk prefix 0 is dropped in international form
		 * (Beijing's area code 10 starts with 1, mobiles with 13..19). */
		buf[0] = '0';
		memcpy(buf + 1, s, n);
		s = buf, n++;
	}
	if (n == 0)
		return phone_fail(err, "号码格式不正确");

	if (s[0] == '1') {
		if (n != 11 || s[1] < '3')
			return phone_fail(err, "手机号应为 11 位且以 13-19 开头");
		memcpy(out, s, 11);
		out[11] = '\0';
		if (kind)
			*kind = PERSON_PHONE_MOBILE;
		return 0;
	}
	if (s[0] == '0' && n >= 2 && s[1] != '0') {
		size_t area = (s[1] == '1' || s[1] == '2') ? 3 : 4;
		size_t local = n > area ? n - area : 0;
		if (local != 7 && local != 8)
			return phone_fail(err, "号码格式不正确");
		memcpy(out, s, area);
		out[area] = '-';
		memcpy(out + area + 1, s + area, local);
		out[area + 1 + local] = '\0';
		if (kind)
			*kind = PERSON_PHONE_LANDLINE;
		return 0;
	}
	return phone_fail(err, "号码格式不正确");
}

/* ---------------------------------------------------------------- masking */

static bool all_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* One '*' per code point (per byte if not valid UTF-8), cut to cap. */
static char *star_all(const char *s, char *out, size_t cap)
{
	size_t n = strlen(s);
	size_t k = gz_utf8_valid(s, n) ? gz_utf8_len(s, n) : n;
	size_t o = 0;
	while (o < k && o + 1 < cap)
		out[o++] = '*';
	if (cap)
		out[o] = '\0';
	return out;
}

/* keep[0..head) + stars for the middle + last `tail` bytes; ASCII only, cut to cap. */
static char *keep_ends(const char *s, size_t n, size_t head, size_t tail, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < cap; i++)
		out[o++] = (i < head || i >= n - tail) ? s[i] : '*';
	if (cap)
		out[o] = '\0';
	return out;
}

char *person_mask_phone(const char *phone, char *out, size_t cap)
{
	if (!phone)
		phone = "";
	size_t n = strlen(phone);
	if (!all_ascii(phone) || n < 8)
		return star_all(phone, out, cap);
	const char *dash = strchr(phone, '-');
	if (phone[0] == '0' && dash && dash - phone <= 4 && !strchr(dash + 1, '-') &&
	    n - (size_t)(dash - phone) - 1 > 4)
		return keep_ends(phone, n, (size_t)(dash - phone) + 1, 4, out, cap);
	return keep_ends(phone, n, 3, 4, out, cap);
}

char *person_mask_id(const char *id, char out[PERSON_ID_MASK_MAX])
{
	if (!id)
		id = "";
	size_t n = strlen(id);
	if (!all_ascii(id) || n <= 10)
		return star_all(id, out, PERSON_ID_MASK_MAX);
	if (n == 18) {
		memcpy(out, id, 6);
		memset(out + 6, '*', 8);
		memcpy(out + 14, id + 14, 4);
		out[18] = '\0';
		return out;
	}
	if (n <= PERSON_ID_MASK_MAX - 1)
		return keep_ends(id, n, 6, 4, out, PERSON_ID_MASK_MAX);
	/* Longer legacy value: first 6, stars, last 4, in 18 characters. */
	memcpy(out, id, 6);
	memset(out + 6, '*', 8);
	memcpy(out + 14, id + n - 4, 4);
	out[18] = '\0';
	return out;
}

/* 复姓. Matched on the first two code points of names with three or more. */
static const char *const compound_surnames[] = {
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
    "司徒", "夏侯", "令狐", "端木", "轩辕", "西门", "南宫", "独孤", "百里", "呼延", "万俟",
    "闻人", "赫连", "澹台", "公冶", "太史", "申屠", "钟离", "单于", "拓跋", "第五", "濮阳",
    "东郭", "左丘", "梁丘", "谷梁", "宗政", "淳于", "仲孙", "叔孙", "鲜于", "闾丘", "亓官",
    "司空", "司寇", "子车", "颛孙", "巫马", "公西", "漆雕", "乐正", "壤驷", "公良", "夹谷",
    "宰父", "微生", "羊舌", "段干", "东门", "公羊", "即墨", "呼衍",
};

static size_t cp_bytes(unsigned char c)
{
	return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

char *person_mask_name(const char *name, char *out, size_t cap)
{
	if (!name)
		name = "";
	size_t n = strlen(name);
	if (!gz_utf8_valid(name, n)) {
		size_t o = 0;
		while (o < n && o + 1 < cap)
			out[o++] = '*';
		if (cap)
			out[o] = '\0';
		return out;
	}
	size_t ncp = gz_utf8_len(name, n);
	size_t keep_cp = ncp ? 1 : 0;
	size_t first = n ? cp_bytes((unsigned char)name[0]) : 0;
	size_t keep_bytes = first;
	if (ncp >= 3) {
		size_t second = cp_bytes((unsigned char)name[first]);
		for (size_t i = 0; i < sizeof compound_surnames / sizeof *compound_surnames; i++) {
			const char *cs = compound_surnames[i];
			if (strlen(cs) == first + second && memcmp(cs, name, first + second) == 0) {
				keep_cp = 2;
				keep_bytes = first + second;
				break;
			}
		}
	}
	if (cap == 0)
		return out;
	if (keep_bytes >= cap) { /* not even the surname fits: show nothing */
		out[0] = '\0';
		return out;
	}
	memcpy(out, name, keep_bytes);
	size_t o = keep_bytes;
	for (size_t i = keep_cp; i < ncp && o + 1 < cap; i++)
		out[o++] = '*';
	out[o] = '\0';
	return out;
}

/* -------------------------------------------------------------------- tags */

static const person_tag tags[] = {
    {"living_alone", "独居老人", false},
    {"empty_nester", "空巢老人", false},
    {"elderly_80", "高龄", false},
    {"disabled_elderly", "失能半失能", true},
    {"disabled", "残疾", true},
    {"chronic_illness", "慢性病", true},
    {"severe_mental_disorder", "严重精神障碍", true},
    {"pregnant", "孕产妇", true},
    {"dibao", "低保", true},
    {"tekun", "特困", true},
    {"low_income", "低收入", true},
    {"entitled_group", "优抚对象", false},
    {"veteran", "退役军人", false},
    {"left_behind_child", "留守儿童", true},
    {"child_in_difficulty", "困境儿童", true},
    {"unemployed", "失业", false},
    {"community_correction", "社区矫正对象", true},
    {"released_prisoner", "刑满释放人员", true},
};

const person_tag *person_tags(size_t *n)
{
	*n = sizeof tags / sizeof *tags;
	return tags;
}

/* Compare s (trimmed of ASCII spaces) with t exactly. */
static bool trimmed_eq(const char *s, const char *t)
{
	while (*s == ' ')
		s++;
	size_t n = strlen(s);
	while (n > 0 && s[n - 1] == ' ')
		n--;
	return strlen(t) == n && memcmp(s, t, n) == 0;
}

const person_tag *person_tag_find(const char *code_or_label)
{
	if (!code_or_label)
		return NULL;
	for (size_t i = 0; i < sizeof tags / sizeof *tags; i++)
		if (trimmed_eq(code_or_label, tags[i].code) ||
		    trimmed_eq(code_or_label, tags[i].label))
			return &tags[i];
	return NULL;
}

/* ---------------------------------------------------------- relation to head */

static const struct {
	const char *code, *label;
} relations[] = {
    [PERSON_REL_HEAD] = {"head", "户主"},
    [PERSON_REL_SPOUSE] = {"spouse", "配偶"},
    [PERSON_REL_SON] = {"son", "子"},
    [PERSON_REL_DAUGHTER] = {"daughter", "女"},
    [PERSON_REL_PARENT] = {"parent", "父母"},
    [PERSON_REL_GRANDCHILD] = {"grandchild", "孙子女"},
    [PERSON_REL_SIBLING] = {"sibling", "兄弟姐妹"},
    [PERSON_REL_OTHER] = {"other", "其他"},
};

static const struct {
	const char *word;
	person_relation rel;
} relation_synonyms[] = {
    {"本人", PERSON_REL_HEAD},         {"妻", PERSON_REL_SPOUSE},
    {"妻子", PERSON_REL_SPOUSE},       {"夫", PERSON_REL_SPOUSE},
    {"丈夫", PERSON_REL_SPOUSE},       {"儿子", PERSON_REL_SON},
    {"女儿", PERSON_REL_DAUGHTER},     {"父亲", PERSON_REL_PARENT},
    {"母亲", PERSON_REL_PARENT},       {"孙子", PERSON_REL_GRANDCHILD},
    {"孙女", PERSON_REL_GRANDCHILD},   {"外孙子", PERSON_REL_GRANDCHILD},
    {"外孙女", PERSON_REL_GRANDCHILD}, {"兄", PERSON_REL_SIBLING},
    {"哥哥", PERSON_REL_SIBLING},      {"弟", PERSON_REL_SIBLING},
    {"弟弟", PERSON_REL_SIBLING},      {"姐", PERSON_REL_SIBLING},
    {"姐姐", PERSON_REL_SIBLING},      {"妹", PERSON_REL_SIBLING},
    {"妹妹", PERSON_REL_SIBLING},
};

int person_relation_parse(const char *s, person_relation *out, gz_err *err)
{
	if (s) {
		for (int r = PERSON_REL_HEAD; r <= PERSON_REL_OTHER; r++)
			if (trimmed_eq(s, relations[r].label) || trimmed_eq(s, relations[r].code)) {
				*out = (person_relation)r;
				return 0;
			}
		for (size_t i = 0; i < sizeof relation_synonyms / sizeof *relation_synonyms; i++)
			if (trimmed_eq(s, relation_synonyms[i].word)) {
				*out = relation_synonyms[i].rel;
				return 0;
			}
	}
	return gz_err_set(err, GZ_EINVALID, "invalid_relation", "%s",
	                  "与户主关系应为 户主、配偶、子、女、父母、孙子女、兄弟姐妹、其他 之一");
}

const char *person_relation_label(person_relation r)
{
	return (r >= PERSON_REL_HEAD && r <= PERSON_REL_OTHER) ? relations[r].label : "";
}

const char *person_relation_code(person_relation r)
{
	return (r >= PERSON_REL_HEAD && r <= PERSON_REL_OTHER) ? relations[r].code : "";
}

int person_gender_parse(const char *s, bool *male, gz_err *err)
{
	static const char *const m[] = {"男", "男性", "m", "male"};
	static const char *const f[] = {"女", "女性", "f", "female"};
	if (s) {
		while (*s == ' ')
			s++;
		size_t n = strlen(s);
		while (n > 0 && s[n - 1] == ' ')
			n--;
		for (size_t i = 0; i < 4; i++) {
			if (strlen(m[i]) == n && strncasecmp(s, m[i], n) == 0) {
				*male = true;
				return 0;
			}
			if (strlen(f[i]) == n && strncasecmp(s, f[i], n) == 0) {
				*male = false;
				return 0;
			}
		}
	}
	return gz_err_set(err, GZ_EINVALID, "invalid_gender", "%s", "性别应为 男 或 女");
}
