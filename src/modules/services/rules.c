/* The pure rules of integrated services (rules.h): application states, working days,
 * forms, attachments, rates, certificate codes. Search terms are in terms.c, venue
 * bookings in venue_rules.c. */
#include "modules/services/rules.h"
#include "core/time.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- application states */

static const char *const state_codes[SVC__STATES] = {
    [SVC_RECEIVED] = "received",     [SVC_RETURNED] = "returned", [SVC_ACCEPTED] = "accepted",
    [SVC_PROCESSING] = "processing", [SVC_APPROVED] = "approved", [SVC_REFUSED] = "refused",
    [SVC_ISSUED] = "issued",
};
static const char *const state_labels[SVC__STATES] = {
    [SVC_RECEIVED] = "已接收",   [SVC_RETURNED] = "待补正", [SVC_ACCEPTED] = "已受理",
    [SVC_PROCESSING] = "办理中", [SVC_APPROVED] = "已通过", [SVC_REFUSED] = "不予办理",
    [SVC_ISSUED] = "已出具",
};
static const char *const action_codes[SVC__ACTIONS] = {
    [SVC_ACT_ACCEPT] = "accept",   [SVC_ACT_RETURN] = "return",   [SVC_ACT_RESUBMIT] = "resubmit",
    [SVC_ACT_PROCESS] = "process", [SVC_ACT_APPROVE] = "approve", [SVC_ACT_REFUSE] = "refuse",
    [SVC_ACT_ISSUE] = "issue",
};
static const char *const action_labels[SVC__ACTIONS] = {
    [SVC_ACT_ACCEPT] = "受理",         [SVC_ACT_RETURN] = "退回补正",
    [SVC_ACT_RESUBMIT] = "补正后提交", [SVC_ACT_PROCESS] = "开始办理",
    [SVC_ACT_APPROVE] = "审核通过",    [SVC_ACT_REFUSE] = "不予办理",
    [SVC_ACT_ISSUE] = "出具",
};

/* The state table: from, action, to, who. Anything not listed is refused. */
static const struct {
	svc_state from;
	svc_action act;
	svc_state to;
	svc_by by;
} transitions[] = {
    {SVC_RECEIVED, SVC_ACT_ACCEPT, SVC_ACCEPTED, SVC_BY_STAFF},
    {SVC_RECEIVED, SVC_ACT_RETURN, SVC_RETURNED, SVC_BY_STAFF},
    {SVC_RETURNED, SVC_ACT_RESUBMIT, SVC_RECEIVED, SVC_BY_APPLICANT | SVC_BY_STAFF},
    {SVC_ACCEPTED, SVC_ACT_PROCESS, SVC_PROCESSING, SVC_BY_STAFF},
    {SVC_PROCESSING, SVC_ACT_APPROVE, SVC_APPROVED, SVC_BY_STAFF},
    {SVC_PROCESSING, SVC_ACT_REFUSE, SVC_REFUSED, SVC_BY_STAFF},
    {SVC_APPROVED, SVC_ACT_ISSUE, SVC_ISSUED, SVC_BY_STAFF},
};

const char *svc_state_code(svc_state s)
{
	return (unsigned)s < SVC__STATES ? state_codes[s] : "unknown";
}

const char *svc_state_label(svc_state s)
{
	return (unsigned)s < SVC__STATES ? state_labels[s] : "未知";
}

int svc_state_parse(const char *s)
{
	for (int i = 0; s && i < SVC__STATES; i++)
		if (!strcmp(s, state_codes[i]))
			return i;
	return -1;
}

const char *svc_action_code(svc_action a)
{
	return (unsigned)a < SVC__ACTIONS ? action_codes[a] : "unknown";
}

const char *svc_action_label(svc_action a)
{
	return (unsigned)a < SVC__ACTIONS ? action_labels[a] : "未知";
}

int svc_action_parse(const char *s)
{
	for (int i = 0; s && i < SVC__ACTIONS; i++)
		if (!strcmp(s, action_codes[i]))
			return i;
	return -1;
}

int svc_transition(svc_state s, svc_action a, svc_by *by)
{
	for (size_t i = 0; i < sizeof transitions / sizeof transitions[0]; i++)
		if (transitions[i].from == s && transitions[i].act == a) {
			if (by)
				*by = transitions[i].by;
			return (int)transitions[i].to;
		}
	return -1;
}

bool svc_state_decided(svc_state s)
{
	return s == SVC_APPROVED || s == SVC_REFUSED || s == SVC_ISSUED;
}

/* ---------------------------------------------------------------- working days */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int32_t svc_local_day(int64_t ms)
{
	return (int32_t)floor_div(ms + SVC_TZ_OFFSET_MS, SVC_DAY_MS);
}

int64_t svc_day_start_ms(int32_t day)
{
	return (int64_t)day * SVC_DAY_MS - SVC_TZ_OFFSET_MS;
}

int32_t svc_day_of_date(int y, int m, int d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1)
		return INT32_MIN;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[m - 1] + (m == 2 && leap))
		return INT32_MIN;
	return (int32_t)gz_time_days_from_civil(y, (unsigned)m, (unsigned)d);
}

char *svc_day_format(int32_t day, char *buf, size_t cap)
{
	int y, m, d;
	gz_time_civil_from_days(day, &y, &m, &d);
	snprintf(buf, cap, "%04d-%02d-%02d", y, m, d);
	return buf;
}

int32_t svc_day_parse(const char *s)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return INT32_MIN;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return INT32_MIN;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	return svc_day_of_date(y, m, d);
}

int svc_day_year(int32_t day)
{
	int y, m, d;
	gz_time_civil_from_days(day, &y, &m, &d);
	return y;
}

int svc_weekday(int32_t day)
{
	/* 1970-01-01 was a Thursday (4). */
	return (int)(((int64_t)day % 7 + 7 + 3) % 7) + 1;
}

bool svc_is_workday(const svc_calendar *cal, int32_t day)
{
	size_t lo = 0, hi = cal ? cal->n : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cal->days[mid].day == day)
			return cal->days[mid].workday;
		if (cal->days[mid].day < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return svc_weekday(day) <= 5;
}

int32_t svc_due_day(const svc_calendar *cal, int64_t from, int n)
{
	int32_t d = svc_local_day(from);
	for (int counted = 0; counted < n;)
		if (svc_is_workday(cal, ++d))
			counted++;
	return d;
}

int64_t svc_due_end_ms(const svc_calendar *cal, int64_t from, int n)
{
	return svc_day_start_ms(svc_due_day(cal, from, n) + 1);
}

int svc_workdays_between(const svc_calendar *cal, int32_t a, int32_t b)
{
	int n = 0;
	for (int32_t d = a + 1; d <= b; d++)
		n += svc_is_workday(cal, d);
	return n;
}

/* ---------------------------------------------------------------- forms and materials */

static const char *const field_types[] = {"text", "date", "choice", "attachment"};

static int field_type_parse(const char *s)
{
	for (int i = 0; s && i < 4; i++)
		if (!strcmp(s, field_types[i]))
			return i;
	return -1;
}

/* Code points of valid UTF-8 s. */
static size_t chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static bool code_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 1 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_'))
			return false;
	return true;
}

static bool str_ok(const json_t *v, size_t min, size_t max)
{
	if (!json_is_string(v))
		return false;
	size_t n = chars(json_string_value(v));
	return n >= min && n <= max;
}

/* True when the codes of objects arr[0..i) include arr[i]'s. */
static bool code_seen(const json_t *arr, size_t i, const char *code)
{
	for (size_t k = 0; k < i; k++) {
		const char *c = json_string_value(json_object_get(json_array_get(arr, k), "code"));
		if (c && code && !strcmp(c, code))
			return true;
	}
	return false;
}

int svc_check_definitions(const json_t *fields, const json_t *materials, const json_t *steps,
                          gz_err *err)
{
	int before = err->nfields;
	char f[64];
	if (!json_is_array(fields) || json_array_size(fields) > SVC_FIELDS_MAX)
		gz_err_field(err, "fields", "应为最多 %d 项的数组", SVC_FIELDS_MAX);
	else
		for (size_t i = 0; i < json_array_size(fields); i++) {
			const json_t *d = json_array_get(fields, i);
			const char *code = json_string_value(json_object_get(d, "code"));
			int type = field_type_parse(json_string_value(json_object_get(d, "type")));
			const json_t *opts = json_object_get(d, "options");
			const json_t *max = json_object_get(d, "max_chars");
			snprintf(f, sizeof f, "fields[%zu]", i);
			if (!json_is_object(d))
				gz_err_field(err, f, "应为对象");
			else if (!code_ok(code) || code_seen(fields, i, code))
				gz_err_field(err, f,
				             "code 应为 1–32 位小写字母、数字或下划线，且不重复");
			else if (!str_ok(json_object_get(d, "label"), 1, 40))
				gz_err_field(err, f, "label 应为 1–40 字");
			else if (type < 0)
				gz_err_field(err, f,
				             "type 应为 text、date、choice、attachment 之一");
			else if (!json_is_boolean(json_object_get(d, "required")))
				gz_err_field(err, f, "required 应为 true 或 false");
			else if (type == SVC_FIELD_CHOICE &&
			         (!json_is_array(opts) || json_array_size(opts) < 1 ||
			          json_array_size(opts) > 20))
				gz_err_field(err, f, "options 应为 1–20 个选项");
			else if (max && (!json_is_integer(max) || json_integer_value(max) < 1 ||
			                 json_integer_value(max) > SVC_TEXT_MAX_CHARS))
				gz_err_field(err, f, "max_chars 应为 1–%d", SVC_TEXT_MAX_CHARS);
			else if (type == SVC_FIELD_CHOICE)
				for (size_t k = 0; k < json_array_size(opts); k++)
					if (!str_ok(json_array_get(opts, k), 1, 40)) {
						gz_err_field(err, f, "options 的每项应为 1–40 字");
						break;
					}
		}
	if (!json_is_array(materials) || json_array_size(materials) > SVC_MATERIALS_MAX)
		gz_err_field(err, "materials", "应为最多 %d 项的数组", SVC_MATERIALS_MAX);
	else
		for (size_t i = 0; i < json_array_size(materials); i++) {
			const json_t *d = json_array_get(materials, i);
			const char *code = json_string_value(json_object_get(d, "code"));
			const json_t *note = json_object_get(d, "note");
			snprintf(f, sizeof f, "materials[%zu]", i);
			if (!json_is_object(d))
				gz_err_field(err, f, "应为对象");
			else if (!code_ok(code) || code_seen(materials, i, code))
				gz_err_field(err, f,
				             "code 应为 1–32 位小写字母、数字或下划线，且不重复");
			else if (!str_ok(json_object_get(d, "name"), 1, 60))
				gz_err_field(err, f, "name 应为 1–60 字");
			else if (!json_is_boolean(json_object_get(d, "required")))
				gz_err_field(err, f, "required 应为 true 或 false");
			else if (note && !str_ok(note, 0, 200))
				gz_err_field(err, f, "note 应为不超过 200 字");
		}
	if (!json_is_array(steps) || json_array_size(steps) > 20)
		gz_err_field(err, "steps", "应为最多 20 项的数组");
	else
		for (size_t i = 0; i < json_array_size(steps); i++)
			if (!str_ok(json_array_get(steps, i), 1, 200)) {
				snprintf(f, sizeof f, "steps[%zu]", i);
				gz_err_field(err, f, "应为 1–200 字");
			}
	return err->nfields > before ? -1 : 0;
}

/* An attachment id as the API writes it: 1..18 digits, no leading zero. */
static int64_t id_of(const json_t *v)
{
	const char *s = json_string_value(v);
	size_t n = s ? strlen(s) : 0;
	if (n < 1 || n > 18 || s[0] == '0')
		return 0;
	int64_t id = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return 0;
		id = id * 10 + (s[i] - '0');
	}
	return id;
}

static bool add_id(int64_t id, int64_t *ids, size_t *nids, size_t max)
{
	for (size_t i = 0; i < *nids; i++)
		if (ids[i] == id)
			return true;
	if (*nids >= max)
		return false;
	ids[(*nids)++] = id;
	return true;
}

static bool blank(const json_t *v)
{
	return !v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v)) ||
	       (json_is_array(v) && !json_array_size(v));
}

/* Is key the code of one of defs? */
static bool defined(const json_t *defs, const char *key)
{
	for (size_t i = 0; i < json_array_size(defs); i++) {
		const char *c = json_string_value(json_object_get(json_array_get(defs, i), "code"));
		if (c && !strcmp(c, key))
			return true;
	}
	return false;
}

/* "a、b、c" of a choice field's options, cut to fit. */
static void options_text(const json_t *opts, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t k = 0; k < json_array_size(opts) && n + 1 < cap; k++) {
		int w = snprintf(buf + n, cap - n, "%s%s", k ? "、" : "",
		                 json_string_value(json_array_get(opts, k)));
		if (w < 0 || (size_t)w >= cap - n) {
			buf[n] = '\0';
			break;
		}
		n += (size_t)w;
	}
}

static void check_value(const json_t *d, const json_t *v, const char *f, int64_t *ids, size_t *nids,
                        size_t max, gz_err *err)
{
	const char *label = json_string_value(json_object_get(d, "label"));
	int type = field_type_parse(json_string_value(json_object_get(d, "type")));
	const json_t *mx = json_object_get(d, "max_chars");
	int64_t maxc = json_is_integer(mx) ? json_integer_value(mx) : 200;
	char opts[160];
	switch (type) {
	case SVC_FIELD_TEXT:
		if (!str_ok(v, 1, (size_t)maxc))
			gz_err_field(err, f, "%s：应为不超过 %lld 字的文字", label,
			             (long long)maxc);
		break;
	case SVC_FIELD_DATE:
		if (svc_day_parse(json_string_value(v)) == INT32_MIN)
			gz_err_field(err, f, "%s：应为日期 YYYY-MM-DD", label);
		break;
	case SVC_FIELD_CHOICE: {
		const json_t *o = json_object_get(d, "options");
		bool ok = false;
		for (size_t k = 0; json_is_string(v) && k < json_array_size(o); k++)
			ok |=
			    !strcmp(json_string_value(json_array_get(o, k)), json_string_value(v));
		options_text(o, opts, sizeof opts);
		if (!ok)
			gz_err_field(err, f, "%s：应为以下之一：%s", label, opts);
		break;
	}
	case SVC_FIELD_ATTACHMENT: {
		int64_t id = id_of(v);
		if (!id)
			gz_err_field(err, f, "%s：应为已上传附件的 id", label);
		else if (!add_id(id, ids, nids, max))
			gz_err_field(err, f, "%s：附件过多", label);
		break;
	}
	default:
		gz_err_field(err, f, "%s：字段定义有误", label);
	}
}

int svc_check_application(const json_t *field_defs, const json_t *material_defs,
                          const json_t *values, const json_t *materials, int64_t *ids, size_t *nids,
                          size_t max, gz_err *err)
{
	int before = err->nfields;
	char f[64];
	*nids = 0;
	if (values && !json_is_null(values) && !json_is_object(values)) {
		gz_err_field(err, "fields", "应为对象 {字段代码: 值}");
		values = NULL;
	}
	if (materials && !json_is_null(materials) && !json_is_object(materials)) {
		gz_err_field(err, "materials", "应为对象 {材料代码: [附件 id]}");
		materials = NULL;
	}
	for (size_t i = 0; i < json_array_size(field_defs); i++) {
		const json_t *d = json_array_get(field_defs, i);
		const char *code = json_string_value(json_object_get(d, "code"));
		const json_t *v = json_is_object(values) ? json_object_get(values, code) : NULL;
		snprintf(f, sizeof f, "fields.%s", code);
		if (blank(v)) {
			if (json_is_true(json_object_get(d, "required")))
				gz_err_field(err, f, "缺少必填项：%s",
				             json_string_value(json_object_get(d, "label")));
			continue;
		}
		check_value(d, v, f, ids, nids, max, err);
	}
	for (size_t i = 0; i < json_array_size(material_defs); i++) {
		const json_t *d = json_array_get(material_defs, i);
		const char *code = json_string_value(json_object_get(d, "code"));
		const char *name = json_string_value(json_object_get(d, "name"));
		const json_t *v =
		    json_is_object(materials) ? json_object_get(materials, code) : NULL;
		snprintf(f, sizeof f, "materials.%s", code);
		if (blank(v)) {
			if (json_is_true(json_object_get(d, "required")))
				gz_err_field(err, f, "缺少材料：%s", name);
			continue;
		}
		if (!json_is_array(v) || json_array_size(v) > SVC_FILES_PER_ITEM) {
			gz_err_field(err, f, "%s：应为 1–%d 个附件 id 的数组", name,
			             SVC_FILES_PER_ITEM);
			continue;
		}
		for (size_t k = 0; k < json_array_size(v); k++) {
			int64_t id = id_of(json_array_get(v, k));
			if (!id) {
				gz_err_field(err, f, "%s：应为已上传附件的 id", name);
				break;
			}
			if (!add_id(id, ids, nids, max)) {
				gz_err_field(err, f, "%s：附件过多", name);
				break;
			}
		}
	}
	const char *key;
	const json_t *v;
	if (json_is_object(values))
		json_object_foreach((json_t *)values, key, v)
		{
			if (!defined(field_defs, key)) {
				snprintf(f, sizeof f, "fields.%.48s", key);
				gz_err_field(err, f, "该事项没有这个字段");
			}
		}
	if (json_is_object(materials))
		json_object_foreach((json_t *)materials, key, v)
		{
			if (!defined(material_defs, key)) {
				snprintf(f, sizeof f, "materials.%.48s", key);
				gz_err_field(err, f, "该事项不需要这项材料");
			}
		}
	return err->nfields > before ? -1 : 0;
}

/* ---------------------------------------------------------------- rates */

const char *svc_percent(int64_t num, int64_t den, char *buf, size_t cap)
{
	if (den <= 0 || num < 0)
		return NULL;
	int64_t tenths = (num * 2000 + den) / (2 * den);
	snprintf(buf, cap, "%lld.%lld", (long long)(tenths / 10), (long long)(tenths % 10));
	return buf;
}

/* ---------------------------------------------------------------- certificates */

int svc_code_normalise(const char *in, char out[SVC_CODE_SIZE])
{
	char sym[16];
	size_t n = 0;
	out[0] = '\0';
	if (!in || strlen(in) > 64)
		return -1;
	for (const char *p = in; *p; p++) {
		if (*p == '-' || *p == ' ')
			continue;
		char c = (char)toupper((unsigned char)*p);
		if (n == 16 || !strchr(SVC_CODE_ALPHABET, c) || !c)
			return -1;
		sym[n++] = c;
	}
	if (n != 16)
		return -1;
	for (int g = 0, o = 0; g < 4; g++) {
		memcpy(out + o, sym + g * 4, 4);
		o += 4;
		out[o++] = g < 3 ? '-' : '\0';
	}
	return 0;
}

void svc_cert_number(const char *community, int year, int64_t seq, char *out, size_t cap)
{
	snprintf(out, cap, "%s-%04d-%06lld", community, year, (long long)seq);
}
