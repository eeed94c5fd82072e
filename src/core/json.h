/* The one JSON helper set, over Jansson. Parsing enforces a nesting limit and
 * UTF-8; the field getters validate request bodies and record every bad field in
 * a gz_err (kind GZ_EINVALID, code "invalid_fields") so a client sees all problems
 * at once. */
#ifndef GZ_CORE_JSON_H
#define GZ_CORE_JSON_H

#include "core/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define GZ_JSON_MAX_DEPTH 32

/* Parses buf[0..len) as a JSON document nested at most max_depth deep.
 * Returns a new reference, or NULL with err set (400 "invalid_json" /
 * "json_too_deep"; invalid UTF-8 and duplicate keys are rejected). */
json_t *gz_json_parse(const char *buf, size_t len, int max_depth, gz_err *err);

/* Parses and requires a top-level object (400 "body_not_object" otherwise). */
json_t *gz_json_parse_object(const char *buf, size_t len, gz_err *err);

/* Field getters. Each returns 0 on success (or when an optional field is absent or
 * null, in which case *out is left unchanged) and -1 after
 * adding a field error to err. After a run of getters, gz_json_check(err) turns any
 * field errors into a 422. */
enum { GZ_OPTIONAL = 0, GZ_REQUIRED = 1 };

/* A string of min..max code points (UTF-8 already validated by the parser),
 * pointing into obj (valid while obj lives). */
int gz_json_str(json_t *obj, const char *key, int required, size_t min_chars, size_t max_chars,
                const char **out, gz_err *err);
int gz_json_int(json_t *obj, const char *key, int required, int64_t min, int64_t max, int64_t *out,
                gz_err *err);
/* A number (integer or real) in min..max, for measurements such as coordinates — never
 * for amounts compared against legal thresholds (those are integers in the smallest unit). */
int gz_json_double(json_t *obj, const char *key, int required, double min, double max, double *out,
                   gz_err *err);
int gz_json_bool(json_t *obj, const char *key, int required, bool *out, gz_err *err);

/* Returns -1 with err set to 422 "invalid_fields" if field errors were recorded, else 0. */
int gz_json_check(gz_err *err);

/* Dumps compactly (UTF-8 kept as is). Returned string is malloc'd; caller frees. */
char *gz_json_dump(const json_t *v, size_t *len);

#endif
