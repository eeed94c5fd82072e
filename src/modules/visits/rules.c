/* Visits: the pure rules (rules.h). */
#include "modules/visits/rules.h"
#include "domain/policy.h"
#include "modules/people/person.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ kinds */

static const struct {
	const char *code, *label;
} kinds[VISIT_KIND__COUNT] = {
    [VISIT_ROUTINE] = {"routine", "常规走访"},
    [VISIT_CARE] = {"care", "重点关爱"},
    [VISIT_FOLLOW_UP] = {"follow_up", "回访"},
};

const char *visit_kind_code(visit_kind k)
{
	return (unsigned)k < VISIT_KIND__COUNT ? kinds[k].code : "";
}

const char *visit_kind_label(visit_kind k)
{
	return (unsigned)k < VISIT_KIND__COUNT ? kinds[k].label : "";
}

int visit_kind_parse(const char *s)
{
	if (!s)
		return -1;
	for (int k = 0; k < VISIT_KIND__COUNT; k++)
		if (!strcmp(s, kinds[k].code) || !strcmp(s, kinds[k].label))
			return k;
	return -1;
}

/* ------------------------------------------------------------------ days */

#define DAY_MS INT64_C(86400000)

int64_t visit_day_of_ms(int64_t ms)
{
	int64_t local = ms + INT64_C(8) * 3600 * 1000;
	int64_t d = local / DAY_MS;
	if (local % DAY_MS < 0)
		d--;
	return d;
}

/* days_from_civil (H. Hinnant), proleptic Gregorian. */
int64_t visit_day_from_civil(int y, int m, int d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int visit_day_parse(const char *s, int64_t *day)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
	if (y < 0 || m < 0 || d < 0 || !person_date_valid(y, m, d))
		return -1;
	*day = visit_day_from_civil(y, m, d);
	return 0;
}

char *visit_day_format(int64_t day, char *buf, size_t cap)
{
	/* Local midnight of that day, as an instant: 00:00 in Asia/Shanghai is 16:00 UTC. */
	person_date d = person_date_from_ms(day * DAY_MS - INT64_C(8) * 3600 * 1000);
	snprintf(buf, cap, "%04d-%02d-%02d", d.year, d.month, d.day);
	return buf;
}

const char *visit_day_check(int64_t day, int64_t today)
{
	if (day > today)
		return "走访日期不能晚于今天";
	if (day < today - VISIT_BACKDATE_MAX_DAYS)
		return "走访日期不能早于一年前";
	return NULL;
}

/* ------------------------------------------------------------------ frequencies */

int visit_interval_for(const visit_freq *f, size_t nf, const char *tag, const char *grid)
{
	int best = -1;
	size_t best_len = 0;
	for (size_t i = 0; i < nf; i++) {
		if (strcmp(f[i].tag, tag) || !policy_scope_contains(f[i].scope, grid))
			continue;
		size_t len = strlen(f[i].scope);
		if (best < 0 || len > best_len) {
			best = f[i].interval_days > 0 ? f[i].interval_days : 0;
			best_len = len;
		}
	}
	return best > 0 ? best : 0;
}

int visit_interval_of(const visit_freq *f, size_t nf, const char *const *tags, size_t ntags,
                      const char *grid)
{
	int best = 0;
	for (size_t i = 0; i < ntags; i++) {
		int v = visit_interval_for(f, nf, tags[i], grid);
		if (v > 0 && (best == 0 || v < best))
			best = v;
	}
	return best;
}

/* ------------------------------------------------------------------ due */

const char *visit_state_code(visit_state s)
{
	switch (s) {
	case VISIT_OK:
		return "ok";
	case VISIT_DUE:
		return "due";
	case VISIT_OVERDUE:
		return "overdue";
	default:
		return "untracked";
	}
}

visit_due visit_due_of(int interval_days, bool visited, int64_t last_on, int64_t registered_on,
                       int64_t today)
{
	visit_due out = {VISIT_UNTRACKED, 0, 0};
	if (interval_days <= 0)
		return out;
	out.due_on = visited ? last_on + interval_days : registered_on;
	if (today < out.due_on) {
		out.state = VISIT_OK;
		return out;
	}
	out.days_late = today - out.due_on;
	out.state = out.days_late > VISIT_GRACE_DAYS ? VISIT_OVERDUE : VISIT_DUE;
	return out;
}
