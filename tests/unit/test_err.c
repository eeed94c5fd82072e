/* Unit tests for core/err.c: the one error type and its HTTP status mapping. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/err.h"

#include <stdio.h>
#include <string.h>

static void test_err_status_maps_every_kind(void **state)
{
	(void)state;
	static const struct {
		gz_errkind kind;
		int status;
	} want[] = {
	    {GZ_OK, 200},         {GZ_EBADREQ, 400},   {GZ_EUNAUTH, 401},
	    {GZ_EFORBIDDEN, 403}, {GZ_ENOTFOUND, 404}, {GZ_EMETHOD, 405},
	    {GZ_ECONFLICT, 409},  {GZ_ETOOLARGE, 413}, {GZ_EURITOOLONG, 414},
	    {GZ_EMEDIATYPE, 415}, {GZ_EINVALID, 422},  {GZ_ETOOMANY, 429},
	    {GZ_EHEADERS, 431},   {GZ_EINTERNAL, 500}, {GZ_EUNAVAILABLE, 503},
	};
	/* One row per enumerator: a new kind must be added here too. */
	assert_int_equal(sizeof want / sizeof want[0], GZ_EUNAVAILABLE + 1);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		assert_int_equal(want[i].kind, (gz_errkind)i);
		assert_int_equal(gz_err_status(want[i].kind), want[i].status);
	}
}

static void test_err_status_unknown_kind_is_500(void **state)
{
	(void)state;
	assert_int_equal(gz_err_status((gz_errkind)999), 500);
	assert_int_equal(gz_err_status((gz_errkind)-1), 500);
}

static void test_err_clear_resets(void **state)
{
	(void)state;
	gz_err e;
	memset(&e, 0x5a, sizeof e);
	gz_err_clear(&e);
	assert_int_equal(e.kind, GZ_OK);
	assert_string_equal(e.code, "");
	assert_string_equal(e.message, "");
	assert_int_equal(e.nfields, 0);
}

static void test_err_set_fills_kind_code_message(void **state)
{
	(void)state;
	gz_err e;
	gz_err_clear(&e);
	assert_int_equal(gz_err_set(&e, GZ_ENOTFOUND, "case_not_found", "案件 %d 不存在", 42), -1);
	assert_int_equal(e.kind, GZ_ENOTFOUND);
	assert_string_equal(e.code, "case_not_found");
	assert_string_equal(e.message, "案件 42 不存在");
}

static void test_err_set_returns_minus_one_and_tolerates_null(void **state)
{
	(void)state;
	assert_int_equal(gz_err_set(NULL, GZ_EINTERNAL, "x", "msg %s", "y"), -1);
	/* gz_err_field tolerates NULL too. */
	gz_err_field(NULL, "name", "why %d", 1);
}

static void test_err_set_keeps_fields(void **state)
{
	(void)state;
	gz_err e;
	gz_err_clear(&e);
	gz_err_field(&e, "a", "bad");
	gz_err_set(&e, GZ_EINVALID, "invalid_fields", "1 field");
	assert_int_equal(e.nfields, 1);
	assert_string_equal(e.fields[0].name, "a");
}

static void test_err_set_truncates_long_code_and_message(void **state)
{
	(void)state;
	gz_err e;
	gz_err_clear(&e);
	char longtext[1024];
	memset(longtext, 'x', sizeof longtext - 1);
	longtext[sizeof longtext - 1] = '\0';
	gz_err_set(&e, GZ_EBADREQ, longtext, "%s", longtext);
	assert_int_equal(strlen(e.code), sizeof e.code - 1);
	assert_int_equal(strlen(e.message), sizeof e.message - 1);
}

static void test_err_field_keeps_order(void **state)
{
	(void)state;
	gz_err e;
	gz_err_clear(&e);
	gz_err_field(&e, "title", "必填");
	gz_err_field(&e, "area", "应在 %d 到 %d 之间", 0, 100);
	gz_err_field(&e, "title", "again");
	assert_int_equal(e.nfields, 3);
	assert_string_equal(e.fields[0].name, "title");
	assert_string_equal(e.fields[0].why, "必填");
	assert_string_equal(e.fields[1].name, "area");
	assert_string_equal(e.fields[1].why, "应在 0 到 100 之间");
	assert_string_equal(e.fields[2].name, "title");
	/* Fields alone do not set an error kind. */
	assert_int_equal(e.kind, GZ_OK);
}

static void test_err_field_list_capped_at_max(void **state)
{
	(void)state;
	gz_err e;
	gz_err_clear(&e);
	for (int i = 0; i < GZ_ERR_MAX_FIELDS + 10; i++) {
		char name[16];
		snprintf(name, sizeof name, "f%d", i);
		gz_err_field(&e, name, "bad %d", i);
	}
	assert_int_equal(e.nfields, GZ_ERR_MAX_FIELDS);
	assert_string_equal(e.fields[0].name, "f0");
	char last[16];
	snprintf(last, sizeof last, "f%d", GZ_ERR_MAX_FIELDS - 1);
	assert_string_equal(e.fields[GZ_ERR_MAX_FIELDS - 1].name, last);
}

static void test_err_field_truncates_long_name(void **state)
{
	(void)state;
	gz_err e;
	gz_err_clear(&e);
	char name[200];
	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	gz_err_field(&e, name, "%s", name);
	assert_int_equal(e.nfields, 1);
	assert_int_equal(strlen(e.fields[0].name), sizeof e.fields[0].name - 1);
	assert_int_equal(strlen(e.fields[0].why), sizeof e.fields[0].why - 1);
}

static void test_err_clear_drops_fields(void **state)
{
	(void)state;
	gz_err e;
	gz_err_clear(&e);
	gz_err_field(&e, "a", "x");
	gz_err_set(&e, GZ_EINVALID, "invalid_fields", "x");
	gz_err_clear(&e);
	assert_int_equal(e.nfields, 0);
	assert_int_equal(e.kind, GZ_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_err_status_maps_every_kind),
	    cmocka_unit_test(test_err_status_unknown_kind_is_500),
	    cmocka_unit_test(test_err_clear_resets),
	    cmocka_unit_test(test_err_set_fills_kind_code_message),
	    cmocka_unit_test(test_err_set_returns_minus_one_and_tolerates_null),
	    cmocka_unit_test(test_err_set_keeps_fields),
	    cmocka_unit_test(test_err_set_truncates_long_code_and_message),
	    cmocka_unit_test(test_err_field_keeps_order),
	    cmocka_unit_test(test_err_field_list_capped_at_max),
	    cmocka_unit_test(test_err_field_truncates_long_name),
	    cmocka_unit_test(test_err_clear_drops_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
