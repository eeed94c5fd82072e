/* Request-body field parsers every module's handlers share, on top of the gz_json_*
 * getters (core/json.h): each reports a bad field in err (gz_err_field) and returns -1,
 * so a handler runs them all and then gz_json_check() answers every problem at once
 * (422 invalid_fields). An absent or null optional field leaves *out unchanged. */
#ifndef GZ_API_FIELDS_H
#define GZ_API_FIELDS_H

#include "core/err.h"
#include "http/http.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A string of min..max code points without NUL bytes (the getters count code points; C
 * strings end at the first NUL, so a name with one would be stored cut). *out points
 * into in. */
int gz_api_str_field(json_t *in, const char *key, int required, size_t min, size_t max,
                     const char **out, gz_err *err);

/* Has err a field error for name already (so a later check adds no second one)? */
bool gz_api_has_field(const gz_err *err, const char *name);

/* A record id: a JSON string of 1..18 digits (IDs are strings in JSON, SPEC §7), JSON null
 * or absent. Returns 1 with *out set, 0 when absent or null (a field error "必填" when
 * required, then -1), or -1 after adding a field error to err; gz_json_check() turns field
 * errors into the 422 answer. */
int gz_api_id_field(json_t *in, const char *key, int required, int64_t *out, gz_err *err);

/* An RFC 3339 time -> ms since the epoch; *present (may be NULL) set when given. */
int gz_api_time_field(json_t *in, const char *key, int required, int64_t *out, bool *present,
                      gz_err *err);

/* A valid space code of one of the levels in mask (GZ_API_AT_* of api/list.h). */
int gz_api_code_field(json_t *in, const char *key, int required, unsigned mask, const char **out,
                      gz_err *err);

/* Query parameter key as a record id: *out 0 when absent; 400 bad_query when malformed. */
int gz_api_id_query(gz_req *r, const char *key, int64_t *out, gz_err *err);

#endif
