/* JSON request bodies: gz_json_parse_object (depth limit, UTF-8, duplicate keys) and
 * every gz_json_* getter over each member of the parsed object, with the bounds the
 * handlers use, then gz_json_check and gz_json_dump. */
#include "fuzz.h"

#include "core/json.h"
#include "core/utf8.h"

#include <math.h>
#include <string.h>

/* Nesting depth of a parsed value: containers only, as the limit counts (a scalar is 0,
 * {} is 1). */
static int depth(json_t *v)
{
	int d = 0;
	size_t i;
	const char *k;
	json_t *c;
	if (json_is_array(v)) {
		json_array_foreach(v, i, c)
		{
			int cd = depth(c);
			d = cd > d ? cd : d;
		}
		return d + 1;
	}
	if (json_is_object(v)) {
		json_object_foreach(v, k, c)
		{
			int cd = depth(c);
			d = cd > d ? cd : d;
		}
		return d + 1;
	}
	return 0;
}

/* Every getter on one key; the results must agree with the member's JSON type. */
static void get_all(json_t *obj, const char *key, int required, gz_err *err)
{
	json_t *v = json_object_get(obj, key);
	bool absent = !v || json_is_null(v);

	const char *s = NULL;
	int rc = gz_json_str(obj, key, required, 1, 64, &s, err);
	if (rc == 0 && !absent) {
		FUZZ_CHECK(json_is_string(v) && s == json_string_value(v));
		size_t n = gz_utf8_len(s, strlen(s));
		FUZZ_CHECK(n >= 1 && n <= 64);
	}
	if (absent)
		FUZZ_CHECK(rc == (required ? -1 : 0) && s == NULL);
	rc = gz_json_str(obj, key, required, 0, SIZE_MAX, &s, err);
	if (json_is_string(v))
		FUZZ_CHECK(rc == 0 && gz_utf8_valid(s, json_string_length(v)));

	int64_t i = 7;
	rc = gz_json_int(obj, key, required, -1000, 1000, &i, err);
	FUZZ_CHECK(i >= -1000 && i <= 1000);
	if (rc == 0 && !absent)
		FUZZ_CHECK(json_is_integer(v) && i == json_integer_value(v));
	rc = gz_json_int(obj, key, required, INT64_MIN, INT64_MAX, &i, err);
	if (json_is_integer(v))
		FUZZ_CHECK(rc == 0 && i == json_integer_value(v));

	double d = 0;
	rc = gz_json_double(obj, key, required, -180, 180, &d, err);
	FUZZ_CHECK(isfinite(d) && d >= -180 && d <= 180);
	if (rc == 0 && !absent)
		FUZZ_CHECK(json_is_number(v));

	bool b = false;
	rc = gz_json_bool(obj, key, required, &b, err);
	if (rc == 0 && !absent)
		FUZZ_CHECK(json_is_boolean(v) && b == json_is_true(v));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *obj = gz_json_parse_object((const char *)data, size, &err);
	if (!obj) {
		FUZZ_CHECK(err.kind == GZ_EBADREQ && err.code[0]);
		FUZZ_CHECK(memchr(err.message, '\0', sizeof err.message));
		return 0;
	}
	FUZZ_CHECK(json_is_object(obj));
	FUZZ_CHECK(depth(obj) <= GZ_JSON_MAX_DEPTH);
	FUZZ_CHECK(gz_utf8_valid((const char *)data, size));

	const char *key;
	json_t *v;
	int members = 0;
	json_object_foreach(obj, key, v)
	{
		FUZZ_CHECK(gz_utf8_valid(key, strlen(key)));
		get_all(obj, key, GZ_REQUIRED, &err);
		get_all(obj, key, GZ_OPTIONAL, &err);
		if (++members == 16)
			break;
	}
	/* Keys the handlers ask for that the body may lack. */
	get_all(obj, "name", GZ_REQUIRED, &err);
	get_all(obj, "", GZ_OPTIONAL, &err);
	FUZZ_CHECK(err.nfields <= GZ_ERR_MAX_FIELDS);
	if (gz_json_check(&err) < 0)
		FUZZ_CHECK(err.kind == GZ_EINVALID && err.nfields > 0);
	else
		FUZZ_CHECK(err.nfields == 0);

	/* What we answer with must parse again as the same shape. */
	size_t n = 0;
	char *s = gz_json_dump(obj, &n);
	FUZZ_CHECK(s && n == strlen(s));
	/* Our writer writes exactly what jansson's json_dumps would. */
	char *ref = json_dumps(obj, JSON_COMPACT | JSON_ENCODE_ANY |
	                                JSON_REAL_PRECISION(strstr(s, "e308") ? 17 : 15));
	if (ref && !strstr(s, "e308"))
		FUZZ_CHECK(!strcmp(s, ref));
	free(ref);
	gz_err_clear(&err);
	json_t *again = gz_json_parse_object(s, n, &err);
	FUZZ_CHECK(again);
	FUZZ_CHECK(json_object_size(again) == json_object_size(obj));
	json_decref(again);
	free(s);
	json_decref(obj);
	return 0;
}
