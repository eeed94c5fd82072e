/* Request-body field parsers (api/fields.h), first written for the organisation network
 * and shared by every module since. */
#include "api/fields.h"
#include "api/common.h"
#include "api/list.h"
#include "core/json.h"
#include "core/time.h"
#include "domain/space_code.h"

#include <string.h>

int gz_api_str_field(json_t *in, const char *key, int required, size_t min, size_t max,
                     const char **out, gz_err *err)
{
	const char *s = NULL;
	if (gz_json_str(in, key, required, min, max, &s, err) < 0)
		return -1;
	if (!s)
		return 0;
	json_t *v = json_object_get(in, key);
	if (strlen(s) != json_string_length(v)) {
		gz_err_field(err, key, "不能含有 NUL 字符");
		return -1;
	}
	*out = s;
	return 0;
}

bool gz_api_has_field(const gz_err *err, const char *name)
{
	for (int i = 0; i < err->nfields; i++)
		if (!strcmp(err->fields[i].name, name))
			return true;
	return false;
}

int gz_api_id_field(json_t *in, const char *key, int required, int64_t *out, gz_err *err)
{
	json_t *v = json_object_get(in, key);
	if (!v || json_is_null(v)) {
		if (required) {
			gz_err_field(err, key, "必填");
			return -1;
		}
		return 0;
	}
	int64_t id = json_is_string(v) ? gz_api_parse_id(json_string_value(v)) : 0;
	if (!id) {
		gz_err_field(err, key, "应为记录 ID（数字字符串）");
		return -1;
	}
	*out = id;
	return 1;
}

int gz_api_time_field(json_t *in, const char *key, int required, int64_t *out, bool *present,
                      gz_err *err)
{
	const char *s = NULL;
	if (gz_json_str(in, key, required, 1, 64, &s, err) < 0)
		return -1;
	if (!s)
		return 0;
	int64_t ms;
	if (gz_time_parse_rfc3339(s, &ms) < 0) {
		gz_err_field(err, key, "应为 RFC 3339 时间，如 2026-01-01T00:00:00Z");
		return -1;
	}
	*out = ms;
	if (present)
		*present = true;
	return 0;
}

int gz_api_code_field(json_t *in, const char *key, int required, unsigned mask, const char **out,
                      gz_err *err)
{
	const char *s = NULL;
	if (gz_json_str(in, key, required, 1, 32, &s, err) < 0)
		return -1;
	if (!s)
		return 0;
	int level = space_code_level(s);
	unsigned bit = level == SPACE_STREET      ? GZ_API_AT_STREET
	               : level == SPACE_COMMUNITY ? GZ_API_AT_COMMUNITY
	               : level == SPACE_GRID      ? GZ_API_AT_GRID
	                                          : 0;
	const char *why = NULL;
	if (!bit) {
		gz_err_field(err, key, "应为 9 位街道、12 位社区或 15 位网格编码");
		return -1;
	}
	if (space_code_check(s, (space_level)level, &why) < 0) {
		gz_err_field(err, key, "%s", why ? why : "编码无效");
		return -1;
	}
	if (!(bit & mask)) {
		gz_err_field(err, key, "%s",
		             mask == GZ_API_AT_COMMUNITY ? "应为 12 位社区编码"
		             : mask == GZ_API_AT_GRID    ? "应为 15 位网格编码"
		             : mask == (GZ_API_AT_COMMUNITY | GZ_API_AT_GRID)
		                 ? "应为 12 位社区或 15 位网格编码"
		                 : "层级不符");
		return -1;
	}
	*out = s;
	return 0;
}

int gz_api_id_query(gz_req *r, const char *key, int64_t *out, gz_err *err)
{
	*out = 0;
	const char *s = gz_req_query(r, key);
	if (!s)
		return 0;
	if (!(*out = gz_api_parse_id(s))) {
		gz_err_set(err, GZ_EBADREQ, "bad_query", "查询参数 %s 无效", key);
		gz_err_field(err, key, "应为记录 ID");
		return -1;
	}
	return 0;
}
