/* Availability windows against a need's window (avail.h). Weekly windows are in
 * Asia/Shanghai's local time: UTC+8 all year, no daylight saving since 1991. */
#include "modules/matching/avail.h"
#include "core/mem.h"

#include <jansson.h>

#define MIN_MS  60000LL
#define DAY_MS  86400000LL
#define WEEK_MS (7 * DAY_MS)
#define TZ_MS   (8 * 3600000LL)

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int match_avail_hhmm(const char *s)
{
	if (!s || s[0] < '0' || s[0] > '2' || s[1] < '0' || s[1] > '9' || s[2] != ':' ||
	    s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9' || s[5])
		return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 24 || (h == 24 && m))
		return -1;
	return h * 60 + m;
}

int match_avail_first(const match_avail_window *w, size_t n, int64_t start, int64_t end)
{
	if (end <= start)
		return -1;
	/* Local time; day 0 (1970-01-01) was a Thursday (weekday 4). */
	int64_t ls = start + TZ_MS, le = end + TZ_MS;
	for (size_t k = 0; k < n; k++) {
		const match_avail_window *x = &w[k];
		if (x->weekday < 1 || x->weekday > 7 || x->from_min < 0 || x->to_min > 1440 ||
		    x->from_min >= x->to_min)
			continue;
		if (le - ls >= WEEK_MS)
			return (int)k; /* a week or more covers every weekly window */
		/* The occurrences that may overlap start on the days from the one before ls
		 * (none crosses midnight, but be generous) to the day of le. */
		for (int64_t d = floor_div(ls, DAY_MS) - 1; d <= floor_div(le, DAY_MS); d++) {
			int64_t wd = d + 3 - floor_div(d + 3, 7) * 7 + 1; /* 1 Monday .. 7 Sunday */
			if (wd != x->weekday)
				continue;
			int64_t os = d * DAY_MS + x->from_min * MIN_MS,
			        oe = d * DAY_MS + x->to_min * MIN_MS;
			if (ls < oe && os < le)
				return (int)k;
		}
	}
	return -1;
}

bool match_available(const match_avail_window *w, size_t n, int64_t start, int64_t end)
{
	return end > start && (n == 0 || match_avail_first(w, n, start, end) >= 0);
}

size_t match_avail_parse(const char *json_text, match_avail_window **out)
{
	*out = NULL;
	json_t *arr = json_text ? json_loads(json_text, 0, NULL) : NULL, *v;
	size_t k, n = 0;
	if (json_is_array(arr) && json_array_size(arr)) {
		*out = gz_calloc(json_array_size(arr), sizeof **out);
		json_array_foreach(arr, k, v)
		{
			match_avail_window *w = &(*out)[n++];
			w->weekday = (int)json_integer_value(json_object_get(v, "weekday"));
			w->from_min =
			    match_avail_hhmm(json_string_value(json_object_get(v, "from")));
			w->to_min = match_avail_hhmm(json_string_value(json_object_get(v, "to")));
		}
	}
	json_decref(arr);
	return n;
}
