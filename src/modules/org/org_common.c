/* The organisation module's shared helpers (org_internal.h): JSON field parsers that
 * report every bad field, the caller's place checks, masked phones, and references to
 * organisations (which a record may point at, and how a missing one is reported). */
#include "modules/module.h"
#include "api/common.h"
#include "api/list.h"
#include "api/auth.h"
#include "modules/org/org.h"
#include "modules/org/org_internal.h"
#include "modules/people/people.h"
#include "api/ratelimit.h"
#include "core/crypto.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/time.h"
#include "modules/org/rules.h"
#include "modules/people/person.h"
#include "domain/policy.h"
#include "domain/space_code.h"
#include "modules/space/space.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- small helpers */

/* A string field without NUL bytes (the getters count code points; C strings end at
 * the first NUL, so a name with one would be stored cut). */
int org_str_field(json_t *in, const char *key, int required, size_t min, size_t max,
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

bool org_has_field(const gz_err *err, const char *name)
{
	for (int i = 0; i < err->nfields; i++)
		if (!strcmp(err->fields[i].name, name))
			return true;
	return false;
}

/* An ID field: a JSON string of digits (IDs are strings in JSON, SPEC §7). */
int org_id_field(json_t *in, const char *key, int required, int64_t *out, gz_err *err)
{
	return gz_api_id_field(in, key, required, out, err);
}

/* An RFC 3339 time field -> ms. */
int org_time_field(json_t *in, const char *key, int required, int64_t *out, bool *present,
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

/* A space code field of one of the levels in mask (ORG_AT_*); *level gets its level. */
int org_code_field(json_t *in, const char *key, int required, unsigned mask, const char **out,
                   gz_err *err)
{
	const char *s = NULL;
	if (gz_json_str(in, key, required, 1, 32, &s, err) < 0)
		return -1;
	if (!s)
		return 0;
	int level = space_code_level(s);
	unsigned bit = level == SPACE_STREET      ? ORG_AT_STREET
	               : level == SPACE_COMMUNITY ? ORG_AT_COMMUNITY
	               : level == SPACE_GRID      ? ORG_AT_GRID
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
		             mask == ORG_AT_COMMUNITY ? "应为 12 位社区编码"
		             : mask == ORG_AT_GRID    ? "应为 15 位网格编码"
		                                      : "层级不符");
		return -1;
	}
	*out = s;
	return 0;
}

int org_id_query(gz_req *r, const char *key, int64_t *out, gz_err *err)
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

/* May the actor do act on the space node code (the operator may: gz_actor_check)? */
bool org_can(const gz_actor *actor, policy_action act, const char *code)
{
	gz_err e;
	gz_err_clear(&e);
	return code && gz_actor_check(actor, act, RES_SPACE, code, &e) == 0;
}

/* The sealed phone in column col, opened and masked into out (PHONE_MASK_SIZE bytes).
 * Returns false when there is none or it cannot be opened here (no key installed, or
 * sealed under another key). */
bool org_masked_phone(gz_stmt *st, int col, char out[PHONE_MASK_SIZE])
{
	if (gz_stmt_isnull(st, col))
		return false;
	const gz_crypto *c = gz_crypto_global();
	size_t n = gz_stmt_len(st, col);
	if (!c || n <= GZ_CRYPTO_OVERHEAD || n > GZ_CRYPTO_OVERHEAD + 63)
		return false;
	uint8_t pt[64];
	size_t len = 0;
	if (gz_crypto_open(c, gz_stmt_blob(st, col), n, pt, &len) < 0)
		return false;
	char phone[65];
	memcpy(phone, pt, len);
	phone[len] = '\0';
	person_mask_phone(phone, out, PHONE_MASK_SIZE);
	sodium_memzero(pt, sizeof pt);
	sodium_memzero(phone, sizeof phone);
	return true;
}

/* The phone of column col as answered: masked, or null (see masked_phone). */
json_t *org_phone_json(gz_stmt *st, int col)
{
	char masked[PHONE_MASK_SIZE];
	return org_masked_phone(st, col, masked) ? json_string(masked) : json_null();
}

void org_hex(const uint8_t *p, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* ---------------------------------------------------------------- organisation refs */

/* Loads organisation id. Returns 1 found, 0 not, -1 with err. */
int org_load(gz_arena *A, gz_db *db, int64_t id, org_ref *o, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT id, type, name, space_code, parent_id FROM organisations WHERE id = $1",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		o->id = gz_stmt_int64(st, 0);
		o->type = org_type_parse(gz_stmt_text(st, 1));
		/* The name is only needed by the network, which passes its arena. */
		o->name = A ? gz_arena_strdup(A, gz_stmt_text(st, 2)) : NULL;
		snprintf(o->space, sizeof o->space, "%s", gz_stmt_text(st, 3));
		o->parent_id = gz_stmt_isnull(st, 4) ? 0 : gz_stmt_int64(st, 4);
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

/* May a record placed at `at` reference o? When the caller may read o, or o serves
 * `at` or a place containing it. */
bool org_referable(const gz_actor *actor, const org_ref *o, const char *at)
{
	if (at && *o->space && policy_scope_contains(o->space, at))
		return true;
	return org_can(actor, ACT_READ, o->space);
}

/* Loads id and checks it is referable from `at`; a missing or unreferable organisation
 * adds the field error 组织不存在 (the same words, so nothing is learned). Returns 1 ok,
 * 0 field error added, -1 database error. */
int org_ref_field(const gz_actor *actor, gz_db *db, int64_t id, const char *at, const char *field,
                  org_ref *o, gz_err *err)
{
	int rc = org_load(NULL, db, id, o, err);
	if (rc < 0)
		return -1;
	if (rc == 0 || o->type < 0 || !org_referable(actor, o, at)) {
		gz_err_field(err, field, "组织不存在");
		return 0;
	}
	return 1;
}

/* Does the space node `code` exist? 1 yes, 0 no, -1 error. */
int org_node_exists(gz_db *db, const char *code, gz_err *err)
{
	int level = space_code_level(code);
	const char *sql = level == SPACE_STREET      ? "SELECT 1 FROM streets WHERE code = $1"
	                  : level == SPACE_COMMUNITY ? "SELECT 1 FROM communities WHERE code = $1"
	                  : level == SPACE_GRID      ? "SELECT 1 FROM grids WHERE code = $1"
	                                             : NULL;
	if (!sql)
		return 0;
	gz_stmt *st = gz_db_prepare(db, sql, err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, code);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

/* The ?node= of the tree, network and figures: a street, community or grid code the
 * caller may read and that exists. Answers and returns NULL on failure. */
const char *org_node_param(gz_req *r, gz_db **db)
{
	gz_err err;
	gz_err_clear(&err);
	const char *node = NULL;
	if (gz_api_code_query(r, "node", GZ_API_AT_STREET | GZ_API_AT_COMMUNITY | GZ_API_AT_GRID,
	                      &node, &err) < 0)
		goto fail;
	if (!node) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query",
		           "需要查询参数 node（街道、社区或网格编码）");
		gz_err_field(&err, "node", "必填");
		goto fail;
	}
	if (gz_auth_check(r, ACT_READ, RES_SPACE, node, &err) < 0 || !(*db = gz_req_db(r, &err)))
		goto fail;
	int rc = org_node_exists(*db, node, &err);
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto fail;
	}
	return node;
fail:
	gz_reply_err(r, &err);
	return NULL;
}
