/* Unit tests for modules/people/records.c: status changes (move out, death, move in),
 * the ?status= filter, the search box (ID number, phone, building/unit/room, text, and
 * the refused partial numbers) and how unit numbers are read and shown. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "modules/people/records.h"

#include <string.h>

/* 2026-11-29 12:00 Asia/Shanghai. */
static const int64_t NOW = INT64_C(1795924800000);

/* ---------------------------------------------------------------- status */

static void test_status_codes_and_counts(void **state)
{
	(void)state;
	record_status s;
	assert_int_equal(record_status_parse("moved_out", &s), 0);
	assert_int_equal(s, RECORD_MOVED_OUT);
	assert_int_equal(record_status_parse("deceased", &s), 0);
	assert_int_equal(record_status_parse("left", &s), -1);
	assert_int_equal(record_status_parse(NULL, &s), -1);
	assert_string_equal(record_status_count_name(RECORD_ACTIVE), "residents");
	assert_string_equal(record_status_count_name(RECORD_MOVED_OUT), "residents_moved_out");
	assert_string_equal(record_status_count_name(RECORD_DECEASED), "residents_deceased");
	assert_string_equal(record_status_label(RECORD_DECEASED), "已故");
}

static void test_status_filter_defaults_to_active(void **state)
{
	(void)state;
	gz_err err;
	gz_err_clear(&err);
	unsigned m = 0;
	assert_int_equal(record_status_filter(NULL, &m, &err), 0);
	assert_int_equal(m, 1u << RECORD_ACTIVE);
	assert_int_equal(record_status_filter("", &m, &err), 0);
	assert_int_equal(m, 1u << RECORD_ACTIVE);
	assert_int_equal(record_status_filter("left", &m, &err), 0);
	assert_int_equal(m, (1u << RECORD_MOVED_OUT) | (1u << RECORD_DECEASED));
	assert_int_equal(record_status_filter("all", &m, &err), 0);
	assert_int_equal(m, 7u);
	assert_int_equal(record_status_filter("gone", &m, &err), -1);
	assert_int_equal(err.kind, GZ_EBADREQ);
	assert_string_equal(err.code, "bad_status");
}

static int change(record_change c, record_status from, const char *date, const char *reason,
                  gz_err *err, person_date *d, char *reason_out)
{
	gz_err_clear(err);
	person_date birth = {1980, 5, 6};
	return record_change_check(c, from, date, reason, &birth, NOW, d, reason_out, 1024, err);
}

static void test_move_out_needs_a_past_date_and_a_reason(void **state)
{
	(void)state;
	gz_err err;
	person_date d;
	char reason[1024];
	assert_int_equal(change(RECORD_MOVE_OUT, RECORD_ACTIVE, "2026-11-29", "  迁往海淀区  ",
	                        &err, &d, reason),
	                 0);
	assert_int_equal(d.year, 2026);
	assert_string_equal(reason, "迁往海淀区");
	/* Tomorrow is in the future. */
	assert_int_equal(
	    change(RECORD_MOVE_OUT, RECORD_ACTIVE, "2026-11-30", "x", &err, &d, reason), -1);
	assert_int_equal(err.kind, GZ_EINVALID);
	assert_string_equal(err.fields[0].name, "date");
	assert_string_equal(err.fields[0].why, "晚于今天");
	assert_int_equal(change(RECORD_MOVE_OUT, RECORD_ACTIVE, NULL, "", &err, &d, reason), -1);
	assert_int_equal(err.nfields, 2);
	assert_string_equal(err.fields[0].why, "必填");
	assert_string_equal(err.fields[1].name, "reason");
	assert_string_equal(err.fields[1].why, "不能为空");
	assert_int_equal(
	    change(RECORD_MOVE_OUT, RECORD_ACTIVE, "1980-05-05", "x", &err, &d, reason), -1);
	assert_string_equal(err.fields[0].why, "早于出生日期");
	assert_int_equal(
	    change(RECORD_MOVE_OUT, RECORD_ACTIVE, "2020-02-30", "x", &err, &d, reason), -1);
	assert_string_equal(err.fields[0].why, "日期无效");
	assert_int_equal(
	    change(RECORD_MOVE_OUT, RECORD_ACTIVE, "2020-01-01", "a\x01", &err, &d, reason), -1);
	assert_string_equal(err.fields[0].name, "reason");
	char longer[700];
	memset(longer, 0, sizeof longer);
	for (int i = 0; i < 201; i++)
		memcpy(longer + 3 * i, "迁", 3);
	assert_int_equal(
	    change(RECORD_MOVE_OUT, RECORD_ACTIVE, "2020-01-01", longer, &err, &d, reason), -1);
	assert_string_equal(err.fields[0].why, "不能超过 200 个字");
}

static void test_state_changes_follow_the_status(void **state)
{
	(void)state;
	gz_err err;
	person_date d;
	char reason[1024];
	assert_int_equal(
	    change(RECORD_MOVE_OUT, RECORD_MOVED_OUT, "2020-01-01", "x", &err, &d, reason), -1);
	assert_int_equal(err.kind, GZ_ECONFLICT);
	assert_string_equal(err.code, "not_active");
	assert_int_equal(change(RECORD_DIE, RECORD_DECEASED, "2020-01-01", NULL, &err, &d, reason),
	                 -1);
	assert_string_equal(err.message, "该居民已故");
	assert_int_equal(change(RECORD_MOVE_IN, RECORD_ACTIVE, NULL, NULL, &err, &d, reason), -1);
	assert_string_equal(err.code, "already_active");
	/* Death: the date is required, no reason; moving in: neither. */
	assert_int_equal(change(RECORD_DIE, RECORD_ACTIVE, "2021-03-04", NULL, &err, &d, reason),
	                 0);
	assert_int_equal(d.month, 3);
	assert_int_equal(change(RECORD_MOVE_IN, RECORD_MOVED_OUT, NULL, NULL, &err, &d, reason), 0);
	assert_int_equal(d.year, 0);
	assert_string_equal(reason, "");
	assert_int_equal(
	    change(RECORD_MOVE_IN, RECORD_DECEASED, "2099-01-01", NULL, &err, &d, reason), -1);
	assert_string_equal(err.fields[0].why, "晚于今天");
}

/* ---------------------------------------------------------------- addresses */

static void unit_ok(const char *s, const char *b, const char *e, const char *r)
{
	record_unit_ref u;
	if (!record_unit_parse(s, strlen(s), &u))
		fail_msg("'%s' not read as a unit", s);
	assert_string_equal(u.building, b);
	assert_string_equal(u.entrance, e);
	assert_string_equal(u.room, r);
}

static void unit_no(const char *s)
{
	record_unit_ref u;
	if (record_unit_parse(s, strlen(s), &u))
		fail_msg("'%s' read as a unit", s);
}

static void test_unit_forms_people_type(void **state)
{
	(void)state;
	unit_ok("3-2-102", "3", "2", "102");
	unit_ok(" 3 - 2 - 102 ", "3", "2", "102");
	unit_ok("3－2－102", "3", "2", "102");
	unit_ok("1-2-102", "1", "2", "102");
	unit_ok("3-102", "3", "", "102");
	unit_ok("A-1-1201", "A", "1", "1201");
	unit_ok("3号楼 2单元 102", "3", "2", "102");
	unit_ok("3号楼2单元102室", "3", "2", "102");
	unit_ok("3栋2单元102", "3", "2", "102");
	unit_ok("3幢2门102号", "3", "2", "102");
	unit_ok("3号楼102", "3", "", "102");
	unit_ok("3号楼　102室", "3", "", "102");
	unit_ok("3号楼", "3", "", "");
	unit_ok("12栋", "12", "", "");
	unit_ok("A座", "A", "", "");
	unit_ok("3号楼2单元", "3", "2", "");
	unit_ok("3#2单元102", "3", "2", "102");
	unit_no("102");
	unit_no("张三");
	unit_no("多福巷1号");
	unit_no("1号线");
	unit_no("3-2-102-5");
	unit_no("3-");
	unit_no("-102");
	unit_no("ab-cd");
	unit_no("3号楼 张三");
	unit_no("1234567890123456-1");
}

static void test_unit_numbers_match_in_their_buildings(void **state)
{
	(void)state;
	record_unit_ref q;
	assert_true(record_unit_parse("3-2-102", 7, &q));
	assert_true(record_unit_matches(&q, "3号楼", "3-2-102"));
	assert_true(record_unit_matches(&q, "锦绣家园3号楼", "2-102"));
	assert_true(record_unit_matches(&q, "3栋", "2单元102室"));
	assert_true(record_unit_matches(&q, "9号楼", "3-2-102")); /* the number names it */
	assert_false(record_unit_matches(&q, "3号楼", "3-1-102"));
	assert_false(record_unit_matches(&q, "3号楼", "3-2-1020"));
	assert_false(record_unit_matches(&q, "3号楼", "3-2-0102"));
	assert_false(record_unit_matches(&q, "13号楼", "2-102"));
	assert_false(record_unit_matches(&q, "4号楼", "2-102"));
	assert_false(record_unit_matches(&q, "3号楼", "102")); /* entrance unknown */

	assert_true(record_unit_parse("3-102", 5, &q));
	assert_true(record_unit_matches(&q, "3号楼", "3-2-102"));
	assert_true(record_unit_matches(&q, "3号楼", "102"));
	assert_true(record_unit_matches(&q, "1号楼", "3-102"));
	assert_false(record_unit_matches(&q, "1号楼", "1-3-102"));

	const char *all = "3号楼";
	assert_true(record_unit_parse(all, strlen(all), &q));
	assert_true(record_unit_matches(&q, "3号楼", "1-101"));
	assert_true(record_unit_matches(&q, "5号楼", "3-1-101"));
	assert_false(record_unit_matches(&q, "5号楼", "1-101"));

	const char *ab = "a-1-1201";
	assert_true(record_unit_parse(ab, strlen(ab), &q));
	assert_true(record_unit_matches(&q, "A座", "1-1201"));
	assert_false(record_unit_matches(&q, "A座", NULL));
}

static void test_building_keys_and_unit_labels(void **state)
{
	(void)state;
	char k[16], l[64];
	record_building_key("3号楼", k);
	assert_string_equal(k, "3");
	record_building_key("锦绣家园12栋", k);
	assert_string_equal(k, "12");
	record_building_key("A座", k);
	assert_string_equal(k, "A");
	record_building_key("综合楼", k);
	assert_string_equal(k, "");
	record_building_key("", k);
	assert_string_equal(k, "");
	record_unit_label("3-2-102", l, sizeof l);
	assert_string_equal(l, "2单元102室");
	record_unit_label("2-102", l, sizeof l);
	assert_string_equal(l, "2单元102室");
	record_unit_label("102", l, sizeof l);
	assert_string_equal(l, "102室");
	record_unit_label("底商A", l, sizeof l);
	assert_string_equal(l, "底商A");
}

/* ---------------------------------------------------------------- the search box */

static const char *ID = "11010519491231002X";

static record_query query_ok(const char *s, record_query_kind kind)
{
	gz_err err;
	gz_err_clear(&err);
	record_query q;
	if (record_query_parse(s, NOW, &q, &err) != 0)
		fail_msg("'%s' refused: %s", s, err.message);
	if (q.kind != kind)
		fail_msg("'%s' read as kind %d, not %d", s, q.kind, kind);
	return q;
}

static void query_bad(const char *s, const char *code)
{
	gz_err err;
	gz_err_clear(&err);
	record_query q;
	assert_int_equal(record_query_parse(s, NOW, &q, &err), -1);
	assert_int_equal(err.kind, GZ_EBADREQ);
	if (strcmp(err.code, code))
		fail_msg("'%s': code %s, expected %s (%s)", s, err.code, code, err.message);
}

static void test_query_reads_numbers_whole(void **state)
{
	(void)state;
	record_query q = query_ok(ID, RECORD_Q_ID);
	assert_string_equal(q.id_number, ID);
	q = query_ok("11010519491231002x", RECORD_Q_ID);
	assert_string_equal(q.id_number, ID);
	q = query_ok("110105 19491231 002X", RECORD_Q_ID);
	assert_string_equal(q.id_number, ID);
	q = query_ok("13812341234", RECORD_Q_PHONE);
	assert_string_equal(q.phone, "13812341234");
	q = query_ok("+86 138-1234-1234", RECORD_Q_PHONE);
	assert_string_equal(q.phone, "13812341234");
	q = query_ok("010-65529988", RECORD_Q_PHONE);
	assert_string_equal(q.phone, "010-65529988");
	/* A wrong check digit is an error, never a search. */
	query_bad("110105194912310021", "id_checksum");
	query_bad("110105491231002", "id_length");
	/* Parts of numbers are refused: lookups are exact. */
	query_bad("1", "partial_number");
	query_bad("5", "partial_number");
	query_bad("138", "partial_number");
	query_bad("1381234123", "partial_number");
	query_bad("138123412345", "partial_number");
	query_bad("11010519491231", "partial_number");
	query_bad("1101051949123100", "partial_number");
	query_bad("102", "partial_number");
}

static void test_query_reads_places_and_text(void **state)
{
	(void)state;
	record_query q = query_ok("3-2-102", RECORD_Q_UNIT);
	assert_string_equal(q.unit.building, "3");
	assert_string_equal(q.unit.entrance, "2");
	assert_string_equal(q.unit.room, "102");
	q = query_ok("1-2-102", RECORD_Q_UNIT);
	assert_string_equal(q.unit.building, "1");
	q = query_ok("3号楼 2单元 102", RECORD_Q_UNIT);
	assert_string_equal(q.unit.room, "102");
	q = query_ok("3-102", RECORD_Q_UNIT);
	assert_string_equal(q.unit.entrance, "");
	q = query_ok("琳", RECORD_Q_TEXT);
	assert_string_equal(q.text, "琳");
	q = query_ok("  张建  ", RECORD_Q_TEXT);
	assert_string_equal(q.text, "张建");
	q = query_ok("多福巷1号", RECORD_Q_TEXT);
	q = query_ok("X", RECORD_Q_TEXT);
	q = query_ok("50%_\\", RECORD_Q_TEXT);
	query_bad("", "bad_q");
	query_bad("   ", "bad_q");
	query_bad("a\x01", "bad_q");
	query_bad("\xff", "bad_q");
	char longer[4 * 70] = "";
	for (int i = 0; i < 65; i++)
		strcat(longer, "琳");
	query_bad(longer, "bad_q");
	longer[3 * 64] = '\0';
	query_ok(longer, RECORD_Q_TEXT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_status_codes_and_counts),
	    cmocka_unit_test(test_status_filter_defaults_to_active),
	    cmocka_unit_test(test_move_out_needs_a_past_date_and_a_reason),
	    cmocka_unit_test(test_state_changes_follow_the_status),
	    cmocka_unit_test(test_unit_forms_people_type),
	    cmocka_unit_test(test_unit_numbers_match_in_their_buildings),
	    cmocka_unit_test(test_building_keys_and_unit_labels),
	    cmocka_unit_test(test_query_reads_numbers_whole),
	    cmocka_unit_test(test_query_reads_places_and_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
