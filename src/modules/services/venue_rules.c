/* Venue bookings (rules.h): opening hours and the checks of a booking. Pure. */
#include "modules/services/rules.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* "08:30" -> 510; "24:00" -> 1440; -1 when malformed. */
static int hhmm(const char *s)
{
	if (!s || strlen(s) != 5 || s[2] != ':' || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[3]) ||
	    !isdigit((unsigned char)s[4]))
		return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && m))
		return -1;
	return h * 60 + m;
}

int svc_hours_parse(const json_t *arr, svc_hours *h, const char *key, gz_err *err)
{
	int before = err->nfields;
	char f[64];
	memset(h, 0, sizeof *h);
	if (!json_is_array(arr) || json_array_size(arr) > 7) {
		gz_err_field(err, key, "应为最多 7 项的数组 [{weekday, open, close}]");
		return -1;
	}
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *d = json_array_get(arr, i);
		const json_t *w = json_object_get(d, "weekday");
		int open = hhmm(json_string_value(json_object_get(d, "open")));
		int close = hhmm(json_string_value(json_object_get(d, "close")));
		snprintf(f, sizeof f, "%s[%zu]", key, i);
		if (!json_is_object(d) || !json_is_integer(w) || json_integer_value(w) < 1 ||
		    json_integer_value(w) > 7)
			gz_err_field(err, f, "weekday 应为 1（周一）到 7（周日）");
		else if (h->close[json_integer_value(w)])
			gz_err_field(err, f, "同一天只能有一个开放时段");
		else if (open < 0 || close < 0 || open >= close)
			gz_err_field(err, f, "open、close 应为 HH:MM，且 open 早于 close");
		else if (open % SVC_SLOT_MIN || close % SVC_SLOT_MIN)
			gz_err_field(err, f, "开放时间应为整 %d 分钟", SVC_SLOT_MIN);
		else {
			h->open[json_integer_value(w)] = open;
			h->close[json_integer_value(w)] = close;
		}
	}
	return err->nfields > before ? -1 : 0;
}

json_t *svc_hours_json(const svc_hours *h)
{
	json_t *a = json_array();
	for (int w = 1; w <= 7; w++) {
		if (h->open[w] >= h->close[w])
			continue;
		char o[24], c[24];
		snprintf(o, sizeof o, "%02d:%02d", h->open[w] / 60, h->open[w] % 60);
		snprintf(c, sizeof c, "%02d:%02d", h->close[w] / 60, h->close[w] % 60);
		json_array_append_new(
		    a, json_pack("{s:i,s:s,s:s}", "weekday", w, "open", o, "close", c));
	}
	return a;
}

int svc_booking_check(const svc_hours *h, int max_minutes, int64_t start, int64_t end, int64_t now,
                      gz_err *err)
{
	int before = err->nfields;
	if (end <= start) {
		gz_err_field(err, "end_at", "结束时间应晚于开始时间");
		return -1;
	}
	if (start % SVC_SLOT_MS || end % SVC_SLOT_MS)
		gz_err_field(err, "start_at", "预约按整 %d 分钟计（如 09:00、09:30）",
		             SVC_SLOT_MIN);
	if (start < now)
		gz_err_field(err, "start_at", "不能预约已经开始的时段");
	int32_t day = svc_local_day(start);
	if (svc_local_day(end - 1) != day) {
		gz_err_field(err, "end_at", "预约不能跨天");
	} else {
		int w = svc_weekday(day);
		int64_t from = (start - svc_day_start_ms(day)) / 60000;
		int64_t to = (end - svc_day_start_ms(day)) / 60000;
		if (h->open[w] >= h->close[w])
			gz_err_field(err, "start_at", "该场地当天不开放");
		else if (from < h->open[w] || to > h->close[w])
			gz_err_field(err, "start_at", "应在开放时间 %02d:%02d–%02d:%02d 之内",
			             h->open[w] / 60, h->open[w] % 60, h->close[w] / 60,
			             h->close[w] % 60);
	}
	if ((end - start) / 60000 > max_minutes)
		gz_err_field(err, "end_at", "该场地每次最多预约 %d 分钟", max_minutes);
	return err->nfields > before ? -1 : 0;
}
