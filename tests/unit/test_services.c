/* Unit tests for the pure rules of integrated services (src/modules/services/rules.h):
 * search terms, the application's state table, working days and time limits, forms and
 * materials, attachments by their bytes, rates, certificate codes, venue bookings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "modules/services/rules.h"

#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- search terms */

static void test_services_terms_are_bigrams_unigrams_and_ascii_words(void **state)
{
	(void)state;
	gz_arena A = {0};
	char *terms, *norm;
	svc_terms(&A, "居住证明（A4纸）", &terms, &norm);
	assert_string_equal(terms, "居 居住 住 住证 证 证明 明 a4 纸");
	assert_string_equal(norm, "居住证明 a4 纸");
	/* Repeated terms appear once. */
	svc_terms(&A, "证明 证明，证明", &terms, &norm);
	assert_string_equal(terms, "证 证明 明");
	assert_string_equal(norm, "证明 证明 证明");
	svc_terms(&A, "——！", &terms, &norm);
	assert_string_equal(terms, "");
	assert_string_equal(norm, "");
	gz_arena_free(&A);
}

static void test_services_query_terms_find_words_inside_longer_text(void **state)
{
	(void)state;
	gz_arena A = {0};
	assert_string_equal(svc_query_terms(&A, "居住"), "居住");
	assert_string_equal(svc_query_terms(&A, "证"), "证");
	assert_string_equal(svc_query_terms(&A, "居住证明"), "居住 住证 证明");
	assert_string_equal(svc_query_terms(&A, " 社保 ABC-12 "), "社保 abc 12");
	assert_string_equal(svc_query_terms(&A, "!!"), "");
	assert_string_equal(svc_fts5_query(&A, "居住证 X"), "\"居住\" \"住证\" \"x\"");
	assert_string_equal(svc_fts5_query(&A, "“”"), "");

	char *terms, *norm;
	svc_terms(&A, "为居民开具居住证明，用于子女入学", &terms, &norm);
	/* Every query term is a term of the text: FTS finds it. */
	const char *q[] = {"居住", "证明", "证", "居住证明", "子女入学"};
	for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
		char *qt = svc_query_terms(&A, q[i]);
		for (char *t = strtok(qt, " "); t; t = strtok(NULL, " ")) {
			char needle[32];
			snprintf(needle, sizeof needle, " %s ", t);
			char *hay = gz_arena_printf(&A, " %s ", terms);
			assert_non_null(strstr(hay, needle));
		}
		assert_true(svc_text_has_runs(&A, norm, q[i]));
	}
	/* Terms all present but the word is not: 居住 and 住证 apart do not make 居住证. */
	svc_terms(&A, "居住地 住证", &terms, &norm);
	assert_false(svc_text_has_runs(&A, norm, "居住证"));
	assert_true(svc_text_has_runs(&A, norm, "居住 住证"));
	assert_false(svc_text_has_runs(&A, norm, "。"));
	gz_arena_free(&A);
}

/* ---------------------------------------------------------------- states */

static void test_services_state_table_is_the_one_of_the_issue(void **state)
{
	(void)state;
	svc_by by;
	assert_int_equal(svc_transition(SVC_RECEIVED, SVC_ACT_ACCEPT, &by), SVC_ACCEPTED);
	assert_int_equal(by, SVC_BY_STAFF);
	assert_int_equal(svc_transition(SVC_RECEIVED, SVC_ACT_RETURN, &by), SVC_RETURNED);
	assert_int_equal(svc_transition(SVC_RETURNED, SVC_ACT_RESUBMIT, &by), SVC_RECEIVED);
	assert_true(by & SVC_BY_APPLICANT);
	assert_true(by & SVC_BY_STAFF);
	assert_int_equal(svc_transition(SVC_ACCEPTED, SVC_ACT_PROCESS, &by), SVC_PROCESSING);
	assert_int_equal(svc_transition(SVC_PROCESSING, SVC_ACT_APPROVE, &by), SVC_APPROVED);
	assert_int_equal(svc_transition(SVC_PROCESSING, SVC_ACT_REFUSE, &by), SVC_REFUSED);
	assert_int_equal(svc_transition(SVC_APPROVED, SVC_ACT_ISSUE, &by), SVC_ISSUED);
	assert_int_equal(by, SVC_BY_STAFF);
}

static void test_services_every_other_transition_is_refused(void **state)
{
	(void)state;
	int allowed = 0;
	for (int s = 0; s < SVC__STATES; s++)
		for (int a = 0; a < SVC__ACTIONS; a++)
			allowed += svc_transition((svc_state)s, (svc_action)a, NULL) >= 0;
	assert_int_equal(allowed, 7);
	assert_int_equal(svc_transition(SVC_RECEIVED, SVC_ACT_APPROVE, NULL), -1);
	assert_int_equal(svc_transition(SVC_ACCEPTED, SVC_ACT_ISSUE, NULL), -1);
	assert_int_equal(svc_transition(SVC_REFUSED, SVC_ACT_ISSUE, NULL), -1);
	assert_int_equal(svc_transition(SVC_ISSUED, SVC_ACT_RETURN, NULL), -1);
	assert_int_equal(svc_transition(SVC_RETURNED, SVC_ACT_ACCEPT, NULL), -1);
	for (int s = 0; s < SVC__STATES; s++)
		assert_int_equal(svc_state_parse(svc_state_code((svc_state)s)), s);
	for (int a = 0; a < SVC__ACTIONS; a++)
		assert_int_equal(svc_action_parse(svc_action_code((svc_action)a)), a);
	assert_int_equal(svc_state_parse("done"), -1);
	assert_int_equal(svc_action_parse(NULL), -1);
	assert_true(svc_state_decided(SVC_APPROVED));
	assert_true(svc_state_decided(SVC_REFUSED));
	assert_true(svc_state_decided(SVC_ISSUED));
	assert_false(svc_state_decided(SVC_PROCESSING));
	assert_false(svc_state_decided(SVC_RETURNED));
}

/* ---------------------------------------------------------------- working days */

/* 2025 National Day and Mid-Autumn: 1–8 October off, Sunday 28 September and Saturday 11
 * October worked (国办发明电〔2024〕12号). */
static svc_calendar_day national_day[11];
static svc_calendar cal2025(void)
{
	size_t n = 0;
	national_day[n++] = (svc_calendar_day){svc_day_of_date(2025, 9, 28), true};
	for (int d = 1; d <= 8; d++)
		national_day[n++] = (svc_calendar_day){svc_day_of_date(2025, 10, d), false};
	national_day[n++] = (svc_calendar_day){svc_day_of_date(2025, 10, 11), true};
	return (svc_calendar){national_day, n};
}

static int64_t at_local(int y, int m, int d, int hh, int mm)
{
	return svc_day_start_ms(svc_day_of_date(y, m, d)) + ((int64_t)hh * 60 + mm) * 60000;
}

static void test_services_local_days_are_asia_shanghai(void **state)
{
	(void)state;
	char buf[16];
	/* 2025-03-07T15:59:59Z is 23:59:59 in Beijing; a second later it is the 8th. */
	int64_t t = 1741363199000LL;
	assert_string_equal(svc_day_format(svc_local_day(t), buf, sizeof buf), "2025-03-07");
	assert_string_equal(svc_day_format(svc_local_day(t + 1000), buf, sizeof buf), "2025-03-08");
	assert_int_equal(svc_day_start_ms(svc_day_of_date(2025, 3, 8)), t + 1000);
	assert_int_equal(svc_weekday(svc_day_of_date(2025, 3, 7)), 5);  /* Friday */
	assert_int_equal(svc_weekday(svc_day_of_date(1970, 1, 1)), 4);  /* Thursday */
	assert_int_equal(svc_weekday(svc_day_of_date(2026, 12, 7)), 1); /* Monday */
	assert_int_equal(svc_day_parse("2024-02-29"), svc_day_of_date(2024, 2, 29));
	assert_int_equal(svc_day_parse("2025-02-29"), INT32_MIN);
	assert_int_equal(svc_day_parse("2025-13-01"), INT32_MIN);
	assert_int_equal(svc_day_parse("2025-1-01"), INT32_MIN);
	assert_int_equal(svc_day_parse(NULL), INT32_MIN);
	assert_int_equal(svc_day_year(svc_day_of_date(2025, 12, 31)), 2025);
}

static void test_services_time_limit_starts_the_day_after_and_skips_weekends(void **state)
{
	(void)state;
	svc_calendar none = {NULL, 0};
	/* Accepted Friday 7 March 2025 at 16:00: Saturday and Sunday do not count. */
	int64_t fri = at_local(2025, 3, 7, 16, 0);
	assert_int_equal(svc_due_day(&none, fri, 1), svc_day_of_date(2025, 3, 10));
	assert_int_equal(svc_due_day(&none, fri, 5), svc_day_of_date(2025, 3, 14));
	assert_int_equal(svc_due_day(&none, fri, 6), svc_day_of_date(2025, 3, 17));
	/* Accepted on a Monday morning: the Monday itself is not counted. */
	assert_int_equal(svc_due_day(&none, at_local(2025, 3, 10, 8, 0), 1),
	                 svc_day_of_date(2025, 3, 11));
	/* Due at the end of the due day, 24:00 Beijing time. */
	assert_int_equal(svc_due_end_ms(&none, fri, 1), at_local(2025, 3, 11, 0, 0));
}

static void test_services_time_limit_skips_holidays_and_counts_makeup_workdays(void **state)
{
	(void)state;
	svc_calendar cal = cal2025();
	/* Accepted Tuesday 30 September: 1–8 October off, 9 Thu, 10 Fri, 11 Sat (worked). */
	int64_t t = at_local(2025, 9, 30, 10, 0);
	assert_int_equal(svc_due_day(&cal, t, 1), svc_day_of_date(2025, 10, 9));
	assert_int_equal(svc_due_day(&cal, t, 3), svc_day_of_date(2025, 10, 11));
	assert_int_equal(svc_due_day(&cal, t, 4), svc_day_of_date(2025, 10, 13));
	/* Accepted Friday 26 September: Sunday 28 is a working day. */
	assert_int_equal(svc_due_day(&cal, at_local(2025, 9, 26, 9, 0), 1),
	                 svc_day_of_date(2025, 9, 28));
	assert_true(svc_is_workday(&cal, svc_day_of_date(2025, 10, 11)));
	assert_false(svc_is_workday(&cal, svc_day_of_date(2025, 10, 3)));
	assert_false(svc_is_workday(&cal, svc_day_of_date(2025, 10, 12)));
	/* Decided on 14 October when due on the 9th: 4 working days late (10, 11, 13, 14). */
	assert_int_equal(
	    svc_workdays_between(&cal, svc_day_of_date(2025, 10, 9), svc_day_of_date(2025, 10, 14)),
	    4);
	assert_int_equal(svc_workdays_between(&cal, 5, 5), 0);
}

/* ---------------------------------------------------------------- forms */

static json_t *residence_fields(void)
{
	return json_loads("[{\"code\":\"purpose\",\"label\":\"证明用途\",\"type\":\"choice\","
	                  "\"required\":true,\"options\":[\"子女入学\",\"其他\"]},"
	                  "{\"code\":\"address\",\"label\":\"现居住地址\",\"type\":\"text\","
	                  "\"required\":true,\"max_chars\":10},"
	                  "{\"code\":\"since\",\"label\":\"开始居住日期\",\"type\":\"date\","
	                  "\"required\":true},"
	                  "{\"code\":\"photo\",\"label\":\"照片\",\"type\":\"attachment\","
	                  "\"required\":false}]",
	                  0, NULL);
}

static json_t *residence_materials(void)
{
	return json_loads("[{\"code\":\"id_card\",\"name\":\"居民身份证\",\"required\":true},"
	                  "{\"code\":\"housing\",\"name\":\"房屋租赁合同\",\"required\":true},"
	                  "{\"code\":\"hukou\",\"name\":\"户口簿\",\"required\":false}]",
	                  0, NULL);
}

static const char *why(const gz_err *e, const char *name)
{
	for (int i = 0; i < e->nfields; i++)
		if (!strcmp(e->fields[i].name, name))
			return e->fields[i].why;
	return NULL;
}

static void test_services_definitions_are_checked(void **state)
{
	(void)state;
	gz_err err;
	gz_err_clear(&err);
	json_t *f = residence_fields(), *m = residence_materials(),
	       *s = json_loads("[\"a\"]", 0, NULL);
	assert_int_equal(svc_check_definitions(f, m, s, &err), 0);
	assert_int_equal(err.nfields, 0);
	json_t *bad =
	    json_loads("[{\"code\":\"A\",\"label\":\"x\",\"type\":\"text\",\"required\":true},"
	               "{\"code\":\"b\",\"label\":\"x\",\"type\":\"number\",\"required\":true},"
	               "{\"code\":\"c\",\"label\":\"x\",\"type\":\"choice\",\"required\":true},"
	               "{\"code\":\"c\",\"label\":\"x\",\"type\":\"text\",\"required\":true}]",
	               0, NULL);
	assert_int_equal(svc_check_definitions(bad, m, s, &err), -1);
	assert_non_null(why(&err, "fields[0]"));
	assert_non_null(why(&err, "fields[1]"));
	assert_non_null(why(&err, "fields[2]"));
	assert_non_null(why(&err, "fields[3]"));
	gz_err_clear(&err);
	json_t *obj = json_object();
	assert_int_equal(svc_check_definitions(f, obj, s, &err), -1);
	assert_non_null(why(&err, "materials"));
	json_decref(f), json_decref(m), json_decref(s), json_decref(bad), json_decref(obj);
}

static void test_services_application_names_every_missing_field_and_material(void **state)
{
	(void)state;
	gz_err err;
	gz_err_clear(&err);
	json_t *f = residence_fields(), *m = residence_materials();
	int64_t ids[8];
	size_t n;
	json_t *values = json_loads("{\"purpose\":\"\"}", 0, NULL);
	json_t *mats = json_loads("{\"hukou\":[\"7\"]}", 0, NULL);
	assert_int_equal(svc_check_application(f, m, values, mats, ids, &n, 8, &err), -1);
	assert_string_equal(why(&err, "fields.purpose"), "缺少必填项：证明用途");
	assert_string_equal(why(&err, "fields.address"), "缺少必填项：现居住地址");
	assert_string_equal(why(&err, "fields.since"), "缺少必填项：开始居住日期");
	assert_null(why(&err, "fields.photo"));
	assert_string_equal(why(&err, "materials.id_card"), "缺少材料：居民身份证");
	assert_string_equal(why(&err, "materials.housing"), "缺少材料：房屋租赁合同");
	assert_null(why(&err, "materials.hukou"));
	assert_int_equal(err.nfields, 5);
	json_decref(values), json_decref(mats);
	gz_err_clear(&err);

	/* Wrong values, unknown keys; all reported at once. */
	values = json_loads("{\"purpose\":\"买房\",\"address\":\"一二三四五六七八九十一\","
	                    "\"since\":\"2025-02-30\",\"photo\":\"x\",\"colour\":\"red\"}",
	                    0, NULL);
	mats = json_loads("{\"id_card\":[\"1\"],\"housing\":\"2\",\"pets\":[\"3\"]}", 0, NULL);
	assert_int_equal(svc_check_application(f, m, values, mats, ids, &n, 8, &err), -1);
	assert_string_equal(why(&err, "fields.purpose"), "证明用途：应为以下之一：子女入学、其他");
	assert_non_null(strstr(why(&err, "fields.address"), "10 字"));
	assert_non_null(why(&err, "fields.since"));
	assert_non_null(why(&err, "fields.photo"));
	assert_non_null(why(&err, "fields.colour"));
	assert_non_null(why(&err, "materials.housing"));
	assert_non_null(why(&err, "materials.pets"));
	json_decref(values), json_decref(mats);
	gz_err_clear(&err);

	/* A good one: the attachment ids it references, each once. */
	values =
	    json_loads("{\"purpose\":\"其他\",\"address\":\"多福巷1号\",\"since\":\"2020-05-01\","
	               "\"photo\":\"9\"}",
	               0, NULL);
	mats = json_loads("{\"id_card\":[\"1\",\"2\"],\"housing\":[\"3\",\"1\"]}", 0, NULL);
	assert_int_equal(svc_check_application(f, m, values, mats, ids, &n, 8, &err), 0);
	assert_int_equal(err.nfields, 0);
	assert_int_equal(n, 4);
	assert_int_equal(ids[0], 9);
	assert_int_equal(ids[3], 3);
	/* More attachments than allowed. */
	assert_int_equal(svc_check_application(f, m, values, mats, ids, &n, 2, &err), -1);
	json_decref(values), json_decref(mats);
	json_decref(f), json_decref(m);
}

/* ---------------------------------------------------------------- rates (attachments:
 * test_media.c) */

static void test_services_percent_is_exact_and_rounds_half_up(void **state)
{
	(void)state;
	char b[32];
	assert_string_equal(svc_percent(7, 8, b, sizeof b), "87.5");
	assert_string_equal(svc_percent(2, 3, b, sizeof b), "66.7");
	assert_string_equal(svc_percent(1, 3, b, sizeof b), "33.3");
	assert_string_equal(svc_percent(1, 2000, b, sizeof b), "0.1"); /* 0.05 up */
	assert_string_equal(svc_percent(0, 5, b, sizeof b), "0.0");
	assert_string_equal(svc_percent(5, 5, b, sizeof b), "100.0");
	assert_null(svc_percent(0, 0, b, sizeof b));
}

static void test_services_certificate_codes_and_numbers(void **state)
{
	(void)state;
	char c[SVC_CODE_SIZE], n[64];
	assert_int_equal(svc_code_normalise("k7qm-2xwd-9hfb-rt3p", c), 0);
	assert_string_equal(c, "K7QM-2XWD-9HFB-RT3P");
	assert_int_equal(svc_code_normalise(" K7QM2XWD 9HFBRT3P ", c), 0);
	assert_string_equal(c, "K7QM-2XWD-9HFB-RT3P");
	assert_int_equal(svc_code_normalise("K7QM-2XWD-9HFB-RT3", c), -1);   /* short */
	assert_int_equal(svc_code_normalise("K7QM-2XWD-9HFB-RT3PP", c), -1); /* long */
	assert_int_equal(svc_code_normalise("O7QM-2XWD-9HFB-RT3P", c), -1);  /* O is not used */
	assert_int_equal(svc_code_normalise("'; DROP TABLE x; --", c), -1);
	assert_int_equal(svc_code_normalise(NULL, c), -1);
	svc_cert_number("110101001001", 2025, 12, n, sizeof n);
	assert_string_equal(n, "110101001001-2025-000012");
}

/* ---------------------------------------------------------------- venues */

static void test_services_opening_hours_parse_and_print(void **state)
{
	(void)state;
	gz_err err;
	gz_err_clear(&err);
	svc_hours h;
	json_t *a = json_loads("[{\"weekday\":1,\"open\":\"08:30\",\"close\":\"17:30\"},"
	                       "{\"weekday\":6,\"open\":\"09:00\",\"close\":\"24:00\"}]",
	                       0, NULL);
	assert_int_equal(svc_hours_parse(a, &h, "opening_hours", &err), 0);
	assert_int_equal(h.open[1], 510);
	assert_int_equal(h.close[6], 1440);
	assert_int_equal(h.close[2], 0);
	json_t *back = svc_hours_json(&h);
	assert_true(json_equal(a, back));
	json_decref(a), json_decref(back);
	a = json_loads("[{\"weekday\":8,\"open\":\"08:30\",\"close\":\"17:30\"},"
	               "{\"weekday\":2,\"open\":\"18:00\",\"close\":\"17:30\"},"
	               "{\"weekday\":3,\"open\":\"08:15\",\"close\":\"17:30\"},"
	               "{\"weekday\":4,\"open\":\"8:30\",\"close\":\"17:30\"}]",
	               0, NULL);
	assert_int_equal(svc_hours_parse(a, &h, "opening_hours", &err), -1);
	assert_int_equal(err.nfields, 4);
	assert_non_null(why(&err, "opening_hours[2]"));
	json_decref(a);
}

static void test_services_booking_must_fit_the_opening_hours(void **state)
{
	(void)state;
	gz_err err;
	gz_err_clear(&err);
	svc_hours h = {0};
	h.open[1] = 8 * 60 + 30, h.close[1] = 17 * 60 + 30; /* Mondays 08:30–17:30 */
	int64_t now = at_local(2026, 12, 7, 6, 0);          /* Monday 7 December 2026 06:00 */
	int64_t nine = at_local(2026, 12, 7, 9, 0), eleven = at_local(2026, 12, 7, 11, 0);
	assert_int_equal(svc_booking_check(&h, 240, nine, eleven, now, &err), 0);
	/* Ends before it starts. */
	assert_int_equal(svc_booking_check(&h, 240, eleven, nine, now, &err), -1);
	assert_non_null(why(&err, "end_at"));
	gz_err_clear(&err);
	/* Outside the hours, not on a slot, too long, closed on Tuesday, in the past. */
	assert_int_equal(svc_booking_check(&h, 240, at_local(2026, 12, 7, 8, 0), eleven, now, &err),
	                 -1);
	assert_non_null(strstr(why(&err, "start_at"), "08:30–17:30"));
	gz_err_clear(&err);
	assert_int_equal(svc_booking_check(&h, 240, nine + 60000, eleven, now, &err), -1);
	gz_err_clear(&err);
	assert_int_equal(svc_booking_check(&h, 60, nine, eleven, now, &err), -1);
	assert_non_null(strstr(why(&err, "end_at"), "60 分钟"));
	gz_err_clear(&err);
	assert_int_equal(
	    svc_booking_check(&h, 240, nine + SVC_DAY_MS, eleven + SVC_DAY_MS, now, &err), -1);
	assert_string_equal(why(&err, "start_at"), "该场地当天不开放");
	gz_err_clear(&err);
	assert_int_equal(svc_booking_check(&h, 240, nine, eleven, nine + 1, &err), -1);
	gz_err_clear(&err);
	/* Across midnight. */
	assert_int_equal(svc_booking_check(&h, 2000, nine, nine + SVC_DAY_MS, now, &err), -1);
	assert_string_equal(why(&err, "end_at"), "预约不能跨天");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_services_terms_are_bigrams_unigrams_and_ascii_words),
	    cmocka_unit_test(test_services_query_terms_find_words_inside_longer_text),
	    cmocka_unit_test(test_services_state_table_is_the_one_of_the_issue),
	    cmocka_unit_test(test_services_every_other_transition_is_refused),
	    cmocka_unit_test(test_services_local_days_are_asia_shanghai),
	    cmocka_unit_test(test_services_time_limit_starts_the_day_after_and_skips_weekends),
	    cmocka_unit_test(test_services_time_limit_skips_holidays_and_counts_makeup_workdays),
	    cmocka_unit_test(test_services_definitions_are_checked),
	    cmocka_unit_test(test_services_application_names_every_missing_field_and_material),
	    cmocka_unit_test(test_services_percent_is_exact_and_rounds_half_up),
	    cmocka_unit_test(test_services_certificate_codes_and_numbers),
	    cmocka_unit_test(test_services_opening_hours_parse_and_print),
	    cmocka_unit_test(test_services_booking_must_fit_the_opening_hours),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
