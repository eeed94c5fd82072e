/* Deadlines on the Asia/Shanghai calendar with holiday exceptions (deadline.h). Pure. */
#include "modules/cases/deadline.h"
#include "core/time.h"

#include <string.h>

/* Floor division for negative instants (before 1970 in UTC+8 never occurs in practice,
 * but the arithmetic stays exact). */
static int64_t floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int32_t case_local_day(int64_t ms)
{
	return (int32_t)floordiv(ms + CASE_TZ_OFFSET_MS, CASE_DAY_MS);
}

int case_weekday(int32_t day)
{
	/* 1970-01-01 was a Thursday (4). */
	int w = (int)((day + 4) % 7);
	return w < 0 ? w + 7 : w;
}

bool case_is_workday(const case_calendar *c, int32_t day)
{
	if (c && c->n) {
		size_t lo = 0, hi = c->n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (c->days[mid].day < day)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < c->n && c->days[lo].day == day)
			return c->days[lo].workday;
	}
	int w = case_weekday(day);
	return w != 0 && w != 6;
}

int64_t case_deadline(const case_calendar *c, int64_t start, case_limit l)
{
	if (l.unit == CASE_UNIT_HOURS)
		return start + (int64_t)l.amount * 3600 * 1000;
	int32_t day = case_local_day(start);
	int left = l.amount;
	while (left > 0) {
		day++;
		if (case_is_workday(c, day))
			left--;
	}
	/* The last millisecond of that local day. */
	return ((int64_t)day + 1) * CASE_DAY_MS - CASE_TZ_OFFSET_MS - 1;
}

int case_day_parse(const char *s, int32_t *day)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap))
		return -1;
	*day = (int32_t)gz_time_days_from_civil(y, (unsigned)m, (unsigned)d);
	return 0;
}

char *case_day_format(int32_t day, char out[11])
{
	int y, m, d;
	gz_time_civil_from_days(day, &y, &m, &d);
	y = y < 0 ? 0 : y % 10000;
	out[0] = (char)('0' + y / 1000), out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10), out[3] = (char)('0' + y % 10), out[4] = '-';
	out[5] = (char)('0' + m / 10), out[6] = (char)('0' + m % 10), out[7] = '-';
	out[8] = (char)('0' + d / 10), out[9] = (char)('0' + d % 10), out[10] = '\0';
	return out;
}
