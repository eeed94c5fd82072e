/* Unit tests for core/json.c: parsing request bodies (depth limit, UTF-8, duplicate
 * keys) and the field getters that collect every bad field into one 422. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse a NUL-terminated literal with the given depth limit. */
static json_t *parse(const char *s, int max_depth, gz_err *err)
{
	gz_err_clear(err);
	return gz_json_parse(s, strlen(s), max_depth, err);
}

/* "[[[...]]]" nested depth deep, malloc'd. */
static char *nested_arrays(int depth)
{
	char *s = malloc((size_t)depth * 2 + 1);
	for (int i = 0; i < depth; i++) {
		s[i] = '[';
		s[depth * 2 - 1 - i] = ']';
	}
	s[depth * 2] = '\0';
	return s;
}

static void test_json_parse_object_ok(void **state)
{
	(void)state;
	gz_err err;
	json_t *v = parse("{\"name\":\"张三\",\"n\":3,\"ok\":true,\"xs\":[1,2]}", 8, &err);
	assert_non_null(v);
	assert_true(json_is_object(v));
	assert_string_equal(json_string_value(json_object_get(v, "name")), "张三");
	assert_int_equal(json_integer_value(json_object_get(v, "n")), 3);
	assert_int_equal(json_array_size(json_object_get(v, "xs")), 2);
	assert_int_equal(err.kind, GZ_OK);
	json_decref(v);
}

static void test_json_parse_array_ok(void **state)
{
	(void)state;
	gz_err err;
	json_t *v = parse(" [1, \"a\", null] ", 8, &err);
	assert_non_null(v);
	assert_true(json_is_array(v));
	json_decref(v);
}

static void test_json_parse_empty_body_rejected(void **state)
{
	(void)state;
	gz_err err;
	gz_err_clear(&err);
	assert_null(gz_json_parse("", 0, 8, &err));
	assert_int_equal(err.kind, GZ_EBADREQ);
	assert_string_equal(err.code, "invalid_json");
	assert_int_equal(gz_err_status(err.kind), 400);
}

static void test_json_parse_whitespace_body_rejected(void **state)
{
	(void)state;
	gz_err err;
	assert_null(parse("  \n ", 8, &err));
	assert_int_equal(err.kind, GZ_EBADREQ);
	assert_string_equal(err.code, "invalid_json");
}

static void test_json_parse_invalid_json_rejected(void **state)
{
	(void)state;
	static const char *bad[] = {
	    "{",          "{\"a\":}",  "{\"a\" 1}",  "[1,]", "{'a':1}", "{\"a\":1}x",  "tru",
	    "{\"a\":01}", "[\"\\x\"]", "{\"a\":1,}", "nul",  "[1 2]",   "{\"a\":NaN}", "[\"abc]",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		gz_err err;
		json_t *v = parse(bad[i], 8, &err);
		if (v)
			fail_msg("accepted invalid JSON: %s", bad[i]);
		assert_int_equal(err.kind, GZ_EBADREQ);
		assert_string_equal(err.code, "invalid_json");
		assert_true(err.message[0] != '\0');
	}
}

static void test_json_parse_depth_exactly_max_ok(void **state)
{
	(void)state;
	gz_err err;
	char *s = nested_arrays(5);
	json_t *v = parse(s, 5, &err);
	assert_non_null(v);
	json_decref(v);
	free(s);

	v = parse("{\"a\":{\"b\":[{\"c\":[]}]}}", 5, &err); /* mixed, depth 5 */
	assert_non_null(v);
	json_decref(v);
}

static void test_json_parse_depth_max_plus_one_rejected(void **state)
{
	(void)state;
	gz_err err;
	char *s = nested_arrays(6);
	assert_null(parse(s, 5, &err));
	assert_int_equal(err.kind, GZ_EBADREQ);
	assert_string_equal(err.code, "json_too_deep");
	free(s);

	assert_null(parse("{\"a\":{\"b\":[{\"c\":[{}]}]}}", 5, &err));
	assert_string_equal(err.code, "json_too_deep");
}

static void test_json_parse_default_depth_limit(void **state)
{
	(void)state;
	gz_err err;
	char *ok = nested_arrays(GZ_JSON_MAX_DEPTH);
	char *deep = nested_arrays(GZ_JSON_MAX_DEPTH + 1);
	json_t *v = parse(ok, GZ_JSON_MAX_DEPTH, &err);
	assert_non_null(v);
	json_decref(v);
	assert_null(parse(deep, GZ_JSON_MAX_DEPTH, &err));
	assert_string_equal(err.code, "json_too_deep");
	free(ok);
	free(deep);
}

static void test_json_parse_depth_is_nesting_not_count(void **state)
{
	(void)state;
	gz_err err;
	/* Many siblings at depth 2: never deeper than 2. */
	json_t *v = parse("[[],[],[],{},{},[1],[2],{\"a\":1}]", 2, &err);
	assert_non_null(v);
	json_decref(v);
}

static void test_json_parse_depth_ignores_brackets_in_strings(void **state)
{
	(void)state;
	gz_err err;
	json_t *v = parse("{\"a\":\"[[[[[[{{{{{{\"}", 1, &err);
	assert_non_null(v);
	assert_string_equal(json_string_value(json_object_get(v, "a")), "[[[[[[{{{{{{");
	json_decref(v);

	/* Closing brackets in strings must not "free" depth either. */
	v = parse("[\"]]]]]]\",[[]]]", 3, &err);
	assert_non_null(v);
	json_decref(v);
	assert_null(parse("[\"]]]]]]\",[[[]]]]", 3, &err));
	assert_string_equal(err.code, "json_too_deep");
}

static void test_json_parse_depth_handles_escaped_quotes(void **state)
{
	(void)state;
	gz_err err;
	/* The escaped quote does not end the string, so the brackets stay inside it. */
	json_t *v = parse("{\"a\":\"x\\\"[[[[[[\"}", 1, &err);
	assert_non_null(v);
	assert_string_equal(json_string_value(json_object_get(v, "a")), "x\"[[[[[[");
	json_decref(v);

	/* An escaped backslash before the closing quote does end the string. */
	v = parse("[\"\\\\\",[[]]]", 3, &err);
	assert_non_null(v);
	json_decref(v);
	assert_null(parse("[\"\\\\\",[[[]]]]", 3, &err));
	assert_string_equal(err.code, "json_too_deep");
}

static void test_json_parse_invalid_utf8_rejected(void **state)
{
	(void)state;
	gz_err err;
	assert_null(parse("{\"a\":\"\xc0\xaf\"}", 8, &err));
	assert_int_equal(err.kind, GZ_EBADREQ);
	assert_string_equal(err.code, "invalid_utf8");

	assert_null(parse("{\"a\":\"\xed\xa0\x80\"}", 8, &err));
	assert_string_equal(err.code, "invalid_utf8");

	/* A raw NUL byte inside the body. */
	static const char nul[] = "{\"a\":\"x\0y\"}";
	gz_err_clear(&err);
	assert_null(gz_json_parse(nul, sizeof nul - 1, 8, &err));
	assert_string_equal(err.code, "invalid_utf8");
}

static void test_json_parse_rejects_escaped_nul(void **state)
{
	(void)state;
	gz_err err;
	assert_null(parse("{\"a\":\"x\\u0000y\"}", 8, &err));
	assert_int_equal(err.kind, GZ_EBADREQ);
}

static void test_json_parse_accepts_escaped_unicode(void **state)
{
	(void)state;
	gz_err err;
	json_t *v = parse("[\"\\u5171\\u6cbb\",\"\\ud83d\\ude00\"]", 8, &err);
	assert_non_null(v);
	assert_string_equal(json_string_value(json_array_get(v, 0)), "共治");
	assert_string_equal(json_string_value(json_array_get(v, 1)), "\xf0\x9f\x98\x80");
	json_decref(v);
}

static void test_json_parse_duplicate_keys_rejected(void **state)
{
	(void)state;
	gz_err err;
	assert_null(parse("{\"a\":1,\"a\":2}", 8, &err));
	assert_int_equal(err.kind, GZ_EBADREQ);
	assert_string_equal(err.code, "invalid_json");

	/* Also in a nested object. */
	assert_null(parse("{\"o\":{\"k\":true,\"k\":false}}", 8, &err));
	assert_string_equal(err.code, "invalid_json");

	/* Same key in different objects is fine. */
	json_t *v = parse("[{\"a\":1},{\"a\":2}]", 8, &err);
	assert_non_null(v);
	json_decref(v);
}

static void test_json_parse_object_accepts_object(void **state)
{
	(void)state;
	gz_err err;
	gz_err_clear(&err);
	const char *s = "{\"a\":1}";
	json_t *v = gz_json_parse_object(s, strlen(s), &err);
	assert_non_null(v);
	json_decref(v);
}

static void test_json_parse_object_rejects_array(void **state)
{
	(void)state;
	gz_err err;
	gz_err_clear(&err);
	const char *s = "[{\"a\":1}]";
	assert_null(gz_json_parse_object(s, strlen(s), &err));
	assert_int_equal(err.kind, GZ_EBADREQ);
	assert_string_equal(err.code, "body_not_object");
}

/* json.h: "requires a top-level object (400 "body_not_object" otherwise)". A bare
 * scalar is a valid JSON document (RFC 8259), so it is "not an object", not "invalid". */
static void test_json_parse_object_rejects_scalar_as_body_not_object(void **state)
{
	(void)state;
	static const char *bodies[] = {"42", "\"x\"", "null", "true"};
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		gz_err err;
		gz_err_clear(&err);
		assert_null(gz_json_parse_object(bodies[i], strlen(bodies[i]), &err));
		assert_int_equal(err.kind, GZ_EBADREQ);
		if (strcmp(err.code, "body_not_object") != 0)
			fail_msg("body %s: code %s, want body_not_object", bodies[i], err.code);
	}
}

static void test_json_parse_object_uses_default_depth(void **state)
{
	(void)state;
	gz_err err;
	gz_err_clear(&err);
	char *inner = nested_arrays(GZ_JSON_MAX_DEPTH);
	size_t n = strlen(inner) + 16;
	char *s = malloc(n);
	snprintf(s, n, "{\"a\":%s}", inner); /* depth max + 1 */
	assert_null(gz_json_parse_object(s, strlen(s), &err));
	assert_string_equal(err.code, "json_too_deep");
	free(s);
	free(inner);
}

/* ---- field getters ---- */

static json_t *obj(const char *s)
{
	gz_err err;
	json_t *v = parse(s, 8, &err);
	assert_non_null(v);
	return v;
}

static void test_json_str_ok(void **state)
{
	(void)state;
	json_t *o = obj("{\"name\":\"王小明\"}");
	gz_err err;
	gz_err_clear(&err);
	const char *name = NULL;
	assert_int_equal(gz_json_str(o, "name", GZ_REQUIRED, 1, 10, &name, &err), 0);
	assert_string_equal(name, "王小明");
	assert_int_equal(err.nfields, 0);
	assert_int_equal(gz_json_check(&err), 0);
	json_decref(o);
}

static void test_json_str_limits_count_code_points(void **state)
{
	(void)state;
	/* 3 code points, 9 bytes. */
	json_t *o = obj("{\"name\":\"王小明\"}");
	gz_err err;
	gz_err_clear(&err);
	const char *name = NULL;
	assert_int_equal(gz_json_str(o, "name", GZ_REQUIRED, 3, 3, &name, &err), 0);
	assert_non_null(name);

	name = NULL;
	assert_int_equal(gz_json_str(o, "name", GZ_REQUIRED, 1, 2, &name, &err), -1);
	assert_null(name);
	assert_int_equal(err.nfields, 1);
	assert_string_equal(err.fields[0].name, "name");

	assert_int_equal(gz_json_str(o, "name", GZ_REQUIRED, 4, 10, &name, &err), -1);
	assert_null(name);
	assert_int_equal(err.nfields, 2);
	json_decref(o);
}

static void test_json_str_empty_below_min_rejected(void **state)
{
	(void)state;
	json_t *o = obj("{\"title\":\"\"}");
	gz_err err;
	gz_err_clear(&err);
	const char *t = "unchanged";
	assert_int_equal(gz_json_str(o, "title", GZ_REQUIRED, 1, 100, &t, &err), -1);
	assert_string_equal(t, "unchanged");
	assert_int_equal(err.nfields, 1);
	assert_string_equal(err.fields[0].name, "title");
	assert_true(err.fields[0].why[0] != '\0');
	/* An empty string is fine when min is 0. */
	gz_err_clear(&err);
	assert_int_equal(gz_json_str(o, "title", GZ_REQUIRED, 0, 100, &t, &err), 0);
	assert_string_equal(t, "");
	json_decref(o);
}

static void test_json_str_wrong_type_rejected(void **state)
{
	(void)state;
	json_t *o = obj("{\"a\":1,\"b\":[\"x\"],\"c\":true}");
	gz_err err;
	gz_err_clear(&err);
	const char *s = NULL;
	assert_int_equal(gz_json_str(o, "a", GZ_REQUIRED, 0, 10, &s, &err), -1);
	assert_int_equal(gz_json_str(o, "b", GZ_OPTIONAL, 0, 10, &s, &err), -1);
	assert_int_equal(gz_json_str(o, "c", GZ_OPTIONAL, 0, 10, &s, &err), -1);
	assert_null(s);
	assert_int_equal(err.nfields, 3);
	json_decref(o);
}

static void test_json_str_required_missing_rejected(void **state)
{
	(void)state;
	json_t *o = obj("{\"other\":\"x\"}");
	gz_err err;
	gz_err_clear(&err);
	const char *s = NULL;
	assert_int_equal(gz_json_str(o, "name", GZ_REQUIRED, 1, 10, &s, &err), -1);
	assert_null(s);
	assert_int_equal(err.nfields, 1);
	assert_string_equal(err.fields[0].name, "name");
	json_decref(o);
}

static void test_json_str_required_null_rejected(void **state)
{
	(void)state;
	json_t *o = obj("{\"name\":null}");
	gz_err err;
	gz_err_clear(&err);
	const char *s = NULL;
	assert_int_equal(gz_json_str(o, "name", GZ_REQUIRED, 1, 10, &s, &err), -1);
	assert_int_equal(err.nfields, 1);
	json_decref(o);
}

static void test_json_str_optional_absent_leaves_out_unchanged(void **state)
{
	(void)state;
	json_t *o = obj("{\"x\":null}");
	gz_err err;
	gz_err_clear(&err);
	const char *s = "default";
	assert_int_equal(gz_json_str(o, "missing", GZ_OPTIONAL, 1, 10, &s, &err), 0);
	assert_string_equal(s, "default");
	assert_int_equal(gz_json_str(o, "x", GZ_OPTIONAL, 1, 10, &s, &err), 0);
	assert_string_equal(s, "default");
	assert_int_equal(err.nfields, 0);
	assert_int_equal(gz_json_check(&err), 0);
	json_decref(o);
}

static void test_json_int_range(void **state)
{
	(void)state;
	json_t *o = obj("{\"lo\":1,\"hi\":100,\"under\":0,\"over\":101,\"neg\":-5}");
	gz_err err;
	gz_err_clear(&err);
	int64_t v = -1;
	assert_int_equal(gz_json_int(o, "lo", GZ_REQUIRED, 1, 100, &v, &err), 0);
	assert_int_equal(v, 1);
	assert_int_equal(gz_json_int(o, "hi", GZ_REQUIRED, 1, 100, &v, &err), 0);
	assert_int_equal(v, 100);
	assert_int_equal(gz_json_int(o, "neg", GZ_REQUIRED, -10, 0, &v, &err), 0);
	assert_int_equal(v, -5);
	assert_int_equal(err.nfields, 0);

	v = 7;
	assert_int_equal(gz_json_int(o, "under", GZ_REQUIRED, 1, 100, &v, &err), -1);
	assert_int_equal(gz_json_int(o, "over", GZ_REQUIRED, 1, 100, &v, &err), -1);
	assert_int_equal(v, 7);
	assert_int_equal(err.nfields, 2);
	assert_string_equal(err.fields[0].name, "under");
	assert_string_equal(err.fields[1].name, "over");
	json_decref(o);
}

static void test_json_int_full_int64_range(void **state)
{
	(void)state;
	json_t *o = obj("{\"max\":9223372036854775807,\"min\":-9223372036854775808}");
	gz_err err;
	gz_err_clear(&err);
	int64_t v = 0;
	assert_int_equal(gz_json_int(o, "max", GZ_REQUIRED, INT64_MIN, INT64_MAX, &v, &err), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(gz_json_int(o, "min", GZ_REQUIRED, INT64_MIN, INT64_MAX, &v, &err), 0);
	assert_true(v == INT64_MIN);
	json_decref(o);
}

static void test_json_int_wrong_type_rejected(void **state)
{
	(void)state;
	json_t *o = obj("{\"f\":1.5,\"whole\":2.0,\"s\":\"3\",\"b\":true}");
	gz_err err;
	gz_err_clear(&err);
	int64_t v = 9;
	assert_int_equal(gz_json_int(o, "f", GZ_REQUIRED, 0, 10, &v, &err), -1);
	assert_int_equal(gz_json_int(o, "whole", GZ_REQUIRED, 0, 10, &v, &err), -1);
	assert_int_equal(gz_json_int(o, "s", GZ_REQUIRED, 0, 10, &v, &err), -1);
	assert_int_equal(gz_json_int(o, "b", GZ_REQUIRED, 0, 10, &v, &err), -1);
	assert_int_equal(v, 9);
	assert_int_equal(err.nfields, 4);
	json_decref(o);
}

static void test_json_int_optional_absent_leaves_out_unchanged(void **state)
{
	(void)state;
	json_t *o = obj("{}");
	gz_err err;
	gz_err_clear(&err);
	int64_t v = 20;
	assert_int_equal(gz_json_int(o, "limit", GZ_OPTIONAL, 1, 200, &v, &err), 0);
	assert_int_equal(v, 20);
	assert_int_equal(gz_json_int(o, "limit", GZ_REQUIRED, 1, 200, &v, &err), -1);
	assert_int_equal(err.nfields, 1);
	json_decref(o);
}

static void test_json_bool(void **state)
{
	(void)state;
	json_t *o = obj("{\"t\":true,\"f\":false,\"n\":1,\"s\":\"true\"}");
	gz_err err;
	gz_err_clear(&err);
	bool b = false;
	assert_int_equal(gz_json_bool(o, "t", GZ_REQUIRED, &b, &err), 0);
	assert_true(b);
	assert_int_equal(gz_json_bool(o, "f", GZ_REQUIRED, &b, &err), 0);
	assert_false(b);

	b = true;
	assert_int_equal(gz_json_bool(o, "absent", GZ_OPTIONAL, &b, &err), 0);
	assert_true(b);
	assert_int_equal(err.nfields, 0);

	assert_int_equal(gz_json_bool(o, "n", GZ_REQUIRED, &b, &err), -1);
	assert_int_equal(gz_json_bool(o, "s", GZ_REQUIRED, &b, &err), -1);
	assert_int_equal(gz_json_bool(o, "absent", GZ_REQUIRED, &b, &err), -1);
	assert_true(b);
	assert_int_equal(err.nfields, 3);
	json_decref(o);
}

static void test_json_check_lists_all_fields_in_order(void **state)
{
	(void)state;
	json_t *o = obj("{\"title\":\"\",\"area\":-1,\"public\":\"yes\",\"note\":\"ok\"}");
	gz_err err;
	gz_err_clear(&err);
	const char *title = NULL, *note = NULL, *owner = NULL;
	int64_t area = 0;
	bool pub = false;
	gz_json_str(o, "title", GZ_REQUIRED, 1, 50, &title, &err);
	gz_json_int(o, "area", GZ_REQUIRED, 0, 1000000, &area, &err);
	gz_json_bool(o, "public", GZ_REQUIRED, &pub, &err);
	gz_json_str(o, "note", GZ_OPTIONAL, 0, 50, &note, &err);
	gz_json_str(o, "owner", GZ_REQUIRED, 1, 50, &owner, &err);

	assert_int_equal(gz_json_check(&err), -1);
	assert_int_equal(err.kind, GZ_EINVALID);
	assert_string_equal(err.code, "invalid_fields");
	assert_int_equal(gz_err_status(err.kind), 422);
	assert_int_equal(err.nfields, 4);
	assert_string_equal(err.fields[0].name, "title");
	assert_string_equal(err.fields[1].name, "area");
	assert_string_equal(err.fields[2].name, "public");
	assert_string_equal(err.fields[3].name, "owner");
	for (int i = 0; i < err.nfields; i++)
		assert_true(err.fields[i].why[0] != '\0');
	assert_string_equal(note, "ok");
	json_decref(o);
}

static void test_json_check_without_field_errors_is_ok(void **state)
{
	(void)state;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(gz_json_check(&err), 0);
	assert_int_equal(err.kind, GZ_OK);
}

static void test_json_dump_keeps_utf8_compact(void **state)
{
	(void)state;
	json_t *o = json_pack("{s:s}", "名", "共治");
	size_t n = 0;
	char *s = gz_json_dump(o, &n);
	assert_string_equal(s, "{\"名\":\"共治\"}");
	assert_int_equal(n, strlen(s));
	free(s);
	json_decref(o);

	json_t *i = json_integer(5);
	s = gz_json_dump(i, NULL);
	assert_string_equal(s, "5");
	free(s);
	json_decref(i);
}

/* Found by tests/fuzz/fuzz_json.c: 15 significant digits round the largest doubles up
 * past DBL_MAX ("1.79769313486232e+308"), which no JSON parser reads back as a number. */
static void test_json_dump_of_the_largest_doubles_parses_again(void **state)
{
	(void)state;
	static const char *in[] = {"{\"x\":1.7976931348623157e308}",
	                           "{\"x\":[-1.797693134862315e308]}",
	                           "{\"a\":{\"b\":39.901,\"c\":1.7976931348623155e308}}"};
	for (size_t k = 0; k < sizeof in / sizeof *in; k++) {
		gz_err err;
		gz_err_clear(&err);
		json_t *o = gz_json_parse_object(in[k], strlen(in[k]), &err);
		assert_non_null(o);
		char *s = gz_json_dump(o, NULL);
		json_t *back = gz_json_parse_object(s, strlen(s), &err);
		if (!back)
			fail_msg("%s dumped as %s: %s", in[k], s, err.message);
		assert_true(json_equal(o, back));
		json_decref(back);
		free(s);
		json_decref(o);
	}
	/* Everything else keeps 15 digits. */
	json_t *o = json_pack("{s:f}", "lat", 39.901);
	char *s = gz_json_dump(o, NULL);
	assert_string_equal(s, "{\"lat\":39.901}");
	free(s);
	json_decref(o);
}

/* The answer writer writes what jansson's json_dumps writes, byte for byte. */
static void test_dump_matches_jansson_byte_for_byte(void **state)
{
	(void)state;
	static const char *const docs[] = {
	    "{}",
	    "[]",
	    "{\"a\":[1,-2,0,9223372036854775807,-9223372036854775808],\"b\":{\"c\":null}}",
	    "{\"s\":\"中文 \\u0001\\u001f\\b\\f\\n\\r\\t \\\" \\\\ / \\u007f \\u2028 😀\"}",
	    "{\"r\":[0.0,-0.0,1.5,39.901,1e5,1e-5,1.5e300,-2.5e-300,123456789012345.0,0.1,1e21]}",
	    "[true,false,null,\"\",[],{}]",
	    "{\"\\u0001k\\n\":1,\"键\":\"值\"}",
	};
	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		json_error_t je;
		json_t *v = json_loads(docs[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
		if (!v)
			fail_msg("fixture %zu does not parse: %s", i, je.text);
		size_t n;
		char *ours = gz_json_dump(v, &n);
		char *ref = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
		assert_non_null(ours);
		assert_non_null(ref);
		if (strcmp(ours, ref) != 0)
			fail_msg("fixture %zu:\n ours %s\n ref  %s", i, ours, ref);
		assert_int_equal(n, strlen(ref));
		free(ours);
		free(ref);
		json_decref(v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dump_matches_jansson_byte_for_byte),
	    cmocka_unit_test(test_json_parse_object_ok),
	    cmocka_unit_test(test_json_parse_array_ok),
	    cmocka_unit_test(test_json_parse_empty_body_rejected),
	    cmocka_unit_test(test_json_parse_whitespace_body_rejected),
	    cmocka_unit_test(test_json_parse_invalid_json_rejected),
	    cmocka_unit_test(test_json_parse_depth_exactly_max_ok),
	    cmocka_unit_test(test_json_parse_depth_max_plus_one_rejected),
	    cmocka_unit_test(test_json_parse_default_depth_limit),
	    cmocka_unit_test(test_json_parse_depth_is_nesting_not_count),
	    cmocka_unit_test(test_json_parse_depth_ignores_brackets_in_strings),
	    cmocka_unit_test(test_json_parse_depth_handles_escaped_quotes),
	    cmocka_unit_test(test_json_parse_invalid_utf8_rejected),
	    cmocka_unit_test(test_json_parse_rejects_escaped_nul),
	    cmocka_unit_test(test_json_parse_accepts_escaped_unicode),
	    cmocka_unit_test(test_json_parse_duplicate_keys_rejected),
	    cmocka_unit_test(test_json_parse_object_accepts_object),
	    cmocka_unit_test(test_json_parse_object_rejects_array),
	    cmocka_unit_test(test_json_parse_object_rejects_scalar_as_body_not_object),
	    cmocka_unit_test(test_json_parse_object_uses_default_depth),
	    cmocka_unit_test(test_json_str_ok),
	    cmocka_unit_test(test_json_str_limits_count_code_points),
	    cmocka_unit_test(test_json_str_empty_below_min_rejected),
	    cmocka_unit_test(test_json_str_wrong_type_rejected),
	    cmocka_unit_test(test_json_str_required_missing_rejected),
	    cmocka_unit_test(test_json_str_required_null_rejected),
	    cmocka_unit_test(test_json_str_optional_absent_leaves_out_unchanged),
	    cmocka_unit_test(test_json_int_range),
	    cmocka_unit_test(test_json_int_full_int64_range),
	    cmocka_unit_test(test_json_int_wrong_type_rejected),
	    cmocka_unit_test(test_json_int_optional_absent_leaves_out_unchanged),
	    cmocka_unit_test(test_json_bool),
	    cmocka_unit_test(test_json_check_lists_all_fields_in_order),
	    cmocka_unit_test(test_json_check_without_field_errors_is_ok),
	    cmocka_unit_test(test_json_dump_keeps_utf8_compact),
	    cmocka_unit_test(test_json_dump_of_the_largest_doubles_parses_again),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
