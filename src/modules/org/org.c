/* HTTP resources of the organisation network (一核多元): organisations with members and
 * contacts, the vertical tree, co-building agreements with their commitments, Party
 * members with 双报到, and the network graph and figures. docs/ORG.md has the rules;
 * docs/openapi.json the shapes; domain/org.h the pure parts.
 *
 * Every handler authenticates first (401), validates the input (422 listing every bad
 * field), then asks gz_auth_check() about the record's place: organisations and their
 * rows use RES_SPACE (read for reads, write for writes) at the space code they serve,
 * so out of scope answers 404 exactly as a missing record. Lists are filtered in SQL by
 * the caller's read scopes (one prefix range each, at most limit+1 rows per range,
 * merged by id). A record may reference an organisation the caller cannot read only
 * when that organisation serves a place containing the record's place (the street's
 * 街道党工委 above a community's 社区党委), or — for Party members' organisations —
 * when it is a co-building unit with an agreement with the reported community; any
 * other unreadable organisation is answered as missing.
 *
 * Personal data: phones are stored sealed (core/crypto.h) and every response masks
 * them (person_mask_phone). A person's name (members, contacts, Party members, the
 * 交叉任职 figures) follows the one rule of api/people.h (gz_people_name_visible): in
 * full only for roles that read residents at the record's place, masked for everyone
 * else (residents, 物业 …). */
#include "modules/module.h"
#include "api/common.h"
#include "api/list.h"
#include "api/auth.h"
#include "modules/org/org.h"
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
#include "modules/space/codes.h"
#include "modules/space/space.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ORG_NAME_MAX       64
#define ORG_POSITION_MAX   32
#define ORG_TITLE_MAX      100
#define ORG_ITEM_MAX       64
#define ORG_UNIT_MAX       16
#define ORG_COMMIT_MAX     100        /* commitment lines per agreement */
#define ORG_QUANTITY_MAX   1000000000 /* per line */
#define ORG_DETAIL_MEMBERS 500        /* members listed in an organisation's detail */
#define ORG_TREE_MAX       2000       /* organisations in one tree answer */
#define NET_DEFAULT        300        /* organisations in one network answer */
#define NET_MAX            1000
#define NET_MEMBERS_MAX    50000
#define NET_ROWS_MAX       10000
#define NET_EXTERNAL_MAX   200
#define FIG_GRIDS_MAX      5000
#define FIG_ROWS_MAX       20000

/* ---------------------------------------------------------------- small helpers */

/* A string field without NUL bytes (the getters count code points; C strings end at
 * the first NUL, so a name with one would be stored cut). */
static int str_field(json_t *in, const char *key, int required, size_t min, size_t max,
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

static bool has_field(const gz_err *err, const char *name)
{
	for (int i = 0; i < err->nfields; i++)
		if (!strcmp(err->fields[i].name, name))
			return true;
	return false;
}

/* An ID field: a JSON string of digits (IDs are strings in JSON, SPEC §7). */
static int id_field(json_t *in, const char *key, int required, int64_t *out, gz_err *err)
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
	return 0;
}

/* An RFC 3339 time field -> ms. */
static int time_field(json_t *in, const char *key, int required, int64_t *out, bool *present,
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
static int code_field(json_t *in, const char *key, int required, unsigned mask, const char **out,
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

static int id_query(gz_req *r, const char *key, int64_t *out, gz_err *err)
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
static bool can(const gz_actor *actor, policy_action act, const char *code)
{
	gz_err e;
	gz_err_clear(&e);
	return code && gz_actor_check(actor, act, RES_SPACE, code, &e) == 0;
}

#define PHONE_MASK_SIZE 72

/* The sealed phone in column col, opened and masked into out (PHONE_MASK_SIZE bytes).
 * Returns false when there is none or it cannot be opened here (no key installed, or
 * sealed under another key). */
static bool masked_phone(gz_stmt *st, int col, char out[PHONE_MASK_SIZE])
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
static json_t *phone_json(gz_stmt *st, int col)
{
	char masked[PHONE_MASK_SIZE];
	return masked_phone(st, col, masked) ? json_string(masked) : json_null();
}

static void hex(const uint8_t *p, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* ---------------------------------------------------------------- organisation refs */

typedef struct {
	int64_t id;
	int type;
	const char *name; /* in the arena given to org_load; NULL without one */
	char space[SPACE_CODE_SIZE];
	int64_t parent_id;
} org_ref;

/* Loads organisation id. Returns 1 found, 0 not, -1 with err. */
static int org_load(gz_arena *A, gz_db *db, int64_t id, org_ref *o, gz_err *err)
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
static bool org_referable(const gz_actor *actor, const org_ref *o, const char *at)
{
	if (at && *o->space && policy_scope_contains(o->space, at))
		return true;
	return can(actor, ACT_READ, o->space);
}

/* Loads id and checks it is referable from `at`; a missing or unreferable organisation
 * adds the field error 组织不存在 (the same words, so nothing is learned). Returns 1 ok,
 * 0 field error added, -1 database error. */
static int org_ref_field(const gz_actor *actor, gz_db *db, int64_t id, const char *at,
                         const char *field, org_ref *o, gz_err *err)
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
static int node_exists(gz_db *db, const char *code, gz_err *err)
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
static const char *node_param(gz_req *r, gz_db **db)
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
	int rc = node_exists(*db, node, &err);
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

/* ---------------------------------------------------------------- organisations */

#define ORG_COLS                                                                                   \
	"o.id, o.type, o.name, o.space_code, o.building_id, o.parent_id, o.credit_code, "          \
	"o.created_at, o.updated_at"

/* Columns ORG_COLS from col c on. */
static json_t *org_json(gz_stmt *st, int c)
{
	int type = org_type_parse(gz_stmt_text(st, c + 1));
	return json_pack("{s:o,s:s,s:s,s:b,s:s,s:s,s:o,s:o,s:o,s:o,s:o}", "id",
	                 gz_api_id_json(gz_stmt_int64(st, c)), "type", gz_stmt_text(st, c + 1),
	                 "type_label", org_type_label((org_type)type), "is_party_org",
	                 org_is_party((org_type)type), "name", gz_stmt_text(st, c + 2),
	                 "space_code", gz_stmt_text(st, c + 3), "building_id",
	                 gz_api_id_or_null(st, c + 4), "parent_id", gz_api_id_or_null(st, c + 5),
	                 "credit_code", gz_api_text_or_null(st, c + 6), "created_at",
	                 gz_api_time_json(gz_stmt_int64(st, c + 7)), "updated_at",
	                 gz_api_time_json(gz_stmt_int64(st, c + 8)));
}

static json_t *org_list_row(gz_req *r, gz_stmt *st, int64_t *key)
{
	(void)r;
	*key = gz_stmt_int64(st, 0);
	json_t *o = org_json(st, 0);
	json_object_set_new(o, "member_count", json_integer(gz_stmt_int64(st, 9)));
	return o;
}

static void org_list(gz_req *r)
{
	if (!gz_api_authenticated(r))
		return;
	gz_err err;
	gz_err_clear(&err);
	const char *space;
	int64_t parent;
	const char *type = gz_req_query(r, "type");
	if (gz_api_code_query(r, "space", GZ_API_AT_STREET | GZ_API_AT_COMMUNITY | GZ_API_AT_GRID,
	                      &space, &err) < 0 ||
	    id_query(r, "parent", &parent, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	if (type) {
		int t = org_type_parse(type);
		if (t < 0) {
			gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 type 无效");
			gz_err_field(&err, "type", "未知的组织类型");
			gz_reply_err(r, &err);
			return;
		}
		type = org_type_code((org_type)t);
	}
	const char *texts[] = {type};
	int64_t ints[] = {parent};
	gz_api_scoped_list(
	    r, &(gz_api_list_query){
	           .sql = "SELECT " ORG_COLS
	                  ", (SELECT COUNT(*) FROM org_members m WHERE m.org_id = o.id) "
	                  "FROM organisations o WHERE o.space_code >= $1 AND o.space_code < $2 AND "
	                  "o.id > $3 "
	                  "AND (CAST($5 AS TEXT) = '' OR o.type = $5) "
	                  "AND (CAST($6 AS BIGINT) = 0 OR o.parent_id = CAST($6 AS BIGINT)) "
	                  "ORDER BY o.id LIMIT $4",
	           .action = ACT_READ,
	           .res = RES_SPACE,
	           .filter = space,
	           .texts = texts,
	           .ntexts = 1,
	           .ints = ints,
	           .nints = 1,
	           .row = org_list_row});
}

#define MEMBER_COLS                                                                                \
	"m.id, m.org_id, m.resident_id, m.name, m.phone_enc, m.position, m.is_contact, m.since, "  \
	"m.created_at, m.scope_code"

/* A member as the actor may see them: the name by the one rule for persons
 * (gz_people_name_visible at the organisation's place; masked into A), the phone always
 * masked. */
static json_t *member_json(const gz_actor *actor, gz_arena *A, gz_stmt *st)
{
	bool clear = gz_people_name_visible(actor, gz_stmt_text(st, 9));
	return json_pack(
	    "{s:o,s:o,s:o,s:s,s:b,s:o,s:s,s:b,s:o,s:o}", "id", gz_api_id_json(gz_stmt_int64(st, 0)),
	    "org_id", gz_api_id_json(gz_stmt_int64(st, 1)), "resident_id", gz_api_id_or_null(st, 2),
	    "name", gz_people_name_shown(A, clear, gz_stmt_text(st, 3)), "name_masked", !clear,
	    "phone", phone_json(st, 4), "position", gz_stmt_text(st, 5), "is_contact",
	    gz_stmt_int64(st, 6) != 0, "since", gz_api_time_or_null(st, 7), "created_at",
	    gz_api_time_json(gz_stmt_int64(st, 8)));
}

/* The organisation with its parent, building, members and contacts; NULL with err. */
static json_t *org_detail_in(const gz_actor *actor, gz_arena *A, gz_db *db, int64_t id,
                             policy_action need, gz_err *err);

/* The detail from one snapshot (joined when the caller holds one, as a create's answer
 * inside its transaction): the member list and member_count agree. */
static json_t *org_detail(const gz_actor *actor, gz_arena *A, gz_db *db, int64_t id,
                          policy_action need, gz_err *err)
{
	if (gz_db_begin_read(db, err) < 0)
		return NULL;
	json_t *o = org_detail_in(actor, A, db, id, need, err);
	gz_db_end_read(db);
	return o;
}

static json_t *org_detail_in(const gz_actor *actor, gz_arena *A, gz_db *db, int64_t id,
                             policy_action need, gz_err *err)
{
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "SELECT " ORG_COLS ", p.name, p.type, b.name, "
	                  "(SELECT COUNT(*) FROM organisations c WHERE c.parent_id = o.id) "
	                  "FROM organisations o LEFT JOIN organisations p ON p.id = o.parent_id "
	                  "LEFT JOIN buildings b ON b.id = o.building_id WHERE o.id = $1",
	                  err);
	if (!st)
		return NULL;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	json_t *o = NULL;
	if (rc == GZ_ROW) {
		char space[SPACE_CODE_SIZE];
		snprintf(space, sizeof space, "%s", gz_stmt_text(st, 3));
		if (gz_actor_check(actor, need, RES_SPACE, space, err) == 0) {
			o = org_json(st, 0);
			int ptype = org_type_parse(gz_stmt_text(st, 10));
			json_object_set_new(o, "parent",
			                    gz_stmt_isnull(st, 5)
			                        ? json_null()
			                        : json_pack("{s:o,s:s,s:s,s:s}", "id",
			                                    gz_api_id_json(gz_stmt_int64(st, 5)),
			                                    "name", gz_stmt_text(st, 9), "type",
			                                    gz_stmt_text(st, 10), "type_label",
			                                    org_type_label((org_type)ptype)));
			json_object_set_new(o, "building",
			                    gz_stmt_isnull(st, 4)
			                        ? json_null()
			                        : json_pack("{s:o,s:s}", "id",
			                                    gz_api_id_json(gz_stmt_int64(st, 4)),
			                                    "name", gz_stmt_text(st, 11)));
			json_object_set_new(o, "children", json_integer(gz_stmt_int64(st, 12)));
		}
	} else if (rc == GZ_DONE) {
		gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这条记录");
	}
	gz_stmt_finish(st);
	if (!o)
		return NULL;

	st = gz_db_prepare(db,
	                   "SELECT " MEMBER_COLS " FROM org_members m WHERE m.org_id = $1 "
	                   "ORDER BY m.is_contact DESC, m.id LIMIT $2",
	                   err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, id);
	gz_stmt_bind_int64(st, 2, ORG_DETAIL_MEMBERS + 1);
	json_t *members = json_array(), *contacts = json_array();
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		if (json_array_size(members) == ORG_DETAIL_MEMBERS)
			continue;
		json_t *m = member_json(actor, A, st);
		if (gz_stmt_int64(st, 6))
			json_array_append(contacts, m);
		json_array_append_new(members, m);
	}
	gz_stmt_finish(st);
	json_object_set_new(o, "members", members);
	json_object_set_new(o, "contacts", contacts);
	if (rc < 0)
		goto fail;
	int64_t total = 0;
	if (gz_db_query_int64(db, "SELECT COUNT(*) FROM org_members WHERE org_id = $1", &total, err,
	                      1, id) < 0)
		goto fail;
	json_object_set_new(o, "member_count", json_integer(total));
	return o;
fail:
	json_decref(o);
	return NULL;
}

static void org_get(gz_req *r)
{
	if (!gz_api_authenticated(r))
		return;
	gz_err err;
	gz_err_clear(&err);
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	gz_db *db;
	json_t *o;
	if (!id) {
		gz_reply_error(r, GZ_ENOTFOUND, "not_found", "没有这条记录");
		return;
	}
	if (!(db = gz_req_db(r, &err)) ||
	    !(o = org_detail(gz_req_actor(r), &r->arena, db, id, ACT_READ, &err))) {
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_json(r, 200, o);
}

/* POST /organisations */
int gz_org_create(gz_db *db, const gz_actor *actor, json_t *in, json_t **outp, gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *out = NULL;
	/* Masked member names of the answer (json_pack copies them). */
	gz_arena local = {0}, *A = actor->req ? &actor->req->arena : &local;
	const char *type_s = NULL, *name = NULL, *space = NULL, *credit_in = NULL;
	int64_t building = 0, parent = 0, id = 0;
	char credit[19] = "";
	gz_stmt *st = NULL;
	int type = -1;
	if (str_field(in, "type", GZ_REQUIRED, 1, 64, &type_s, &err) == 0 && type_s &&
	    (type = org_type_parse(type_s)) < 0)
		gz_err_field(&err, "type",
		             "应为 街道党工委、社区党委、网格党支部、楼栋党小组、居委会、"
		             "物业服务企业、业主委员会/物业管理委员会、社会组织、共建单位、"
		             "职能部门 之一（或其代码）");
	str_field(in, "name", GZ_REQUIRED, 1, ORG_NAME_MAX, &name, &err);
	code_field(in, "space_code", GZ_OPTIONAL, ORG_AT_STREET | ORG_AT_COMMUNITY | ORG_AT_GRID,
	           &space, &err);
	id_field(in, "building_id", GZ_OPTIONAL, &building, &err);
	id_field(in, "parent_id", GZ_OPTIONAL, &parent, &err);
	if (str_field(in, "credit_code", GZ_OPTIONAL, 1, 32, &credit_in, &err) == 0 && credit_in) {
		gz_err e;
		gz_err_clear(&e);
		if (org_credit_code_check(credit_in, credit, &e) < 0)
			gz_err_field(&err, "credit_code", "%s", e.message);
	}
	if (gz_json_check(&err) < 0 || !(db || (db = gz_req_db(actor->req, &err))))
		goto fail;

	/* A building group sits in its building's grid. */
	char bgrid[SPACE_CODE_SIZE] = "";
	if (building) {
		gz_stmt *b =
		    gz_db_prepare(db, "SELECT grid_code FROM buildings WHERE id = $1", &err);
		if (!b)
			goto fail;
		gz_stmt_bind_int64(b, 1, building);
		int rc = gz_stmt_step(b, &err);
		if (rc == GZ_ROW && !gz_stmt_isnull(b, 0))
			snprintf(bgrid, sizeof bgrid, "%s", gz_stmt_text(b, 0));
		gz_stmt_finish(b);
		if (rc < 0)
			goto fail;
		if (!*bgrid || !can(actor, ACT_READ, bgrid))
			gz_err_field(&err, "building_id", "楼栋不存在");
		else if (space && strcmp(space, bgrid) != 0)
			gz_err_field(&err, "building_id", "楼栋不在网格 %s 内", space);
		else if (!space)
			space = bgrid;
	}
	if (!space && !err.nfields)
		gz_err_field(&err, "space_code", "必填（所服务的街道、社区或网格编码）");
	if (space && !err.nfields) {
		gz_err e;
		gz_err_clear(&e);
		if (org_check_place((org_type)type, space, building != 0, &e) < 0)
			gz_err_field(&err,
			             !strcmp(e.code, "org_level") ? "space_code" : "building_id",
			             "%s", e.message);
	}
	if (gz_json_check(&err) < 0)
		goto fail;
	if (gz_actor_check(actor, ACT_WRITE, RES_SPACE, space, &err) < 0 ||
	    gz_db_begin(db, &err) < 0)
		goto fail;

	int rc = node_exists(db, space, &err);
	if (rc < 0)
		goto rollback;
	if (!rc)
		gz_err_field(&err, "space_code", "该位置不存在");
	org_ref p = {0};
	int prc = 1;
	if (parent && (prc = org_ref_field(actor, db, parent, space, "parent_id", &p, &err)) < 0)
		goto rollback;
	if (prc == 1) {
		gz_err e;
		gz_err_clear(&e);
		if (org_check_parent((org_type)type, space, parent ? p.type : -1, p.space, &e) < 0)
			gz_err_field(&err, "parent_id", "%s", e.message);
	}
	if (gz_json_check(&err) < 0)
		goto rollback;

	int64_t now = gz_time_now_ms();
	st = gz_db_prepare(
	    db,
	    "INSERT INTO organisations (type, name, space_code, building_id, parent_id, "
	    "credit_code, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) "
	    "RETURNING id",
	    &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_str(st, 1, org_type_code((org_type)type));
	gz_stmt_bind_str(st, 2, name);
	gz_stmt_bind_str(st, 3, space);
	gz_stmt_bind_id(st, 4, building);
	gz_stmt_bind_id(st, 5, parent);
	gz_stmt_bind_str(st, 6, *credit ? credit : NULL);
	gz_stmt_bind_int64(st, 7, now);
	rc = gz_stmt_step_id(st, &id, &err);
	gz_stmt_finish(st);
	st = NULL;
	if (rc < 0 || !id) {
		if (err.kind == GZ_ECONFLICT) {
			gz_err_set(&err, GZ_ECONFLICT, "duplicate_org",
			           "该位置已有同类型同名的组织");
			gz_err_field(&err, "name", "已存在");
		}
		goto rollback;
	}
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	json_t *detail = json_pack("{s:s,s:s,s:s}", "type", org_type_code((org_type)type), "name",
	                           name, "space_code", space);
	if (parent)
		json_object_set_new(detail, "parent_id", gz_api_id_json(parent));
	rc = gz_audit(actor, db, "org.create", "organisation", ids, space, detail, &err);
	json_decref(detail);
	if (rc < 0 || gz_db_count_add(db, "organisations", 1, &err) < 0 ||
	    !(out = org_detail(actor, A, db, id, ACT_WRITE, &err)) ||
	    gz_api_commit(actor->req, db, 201, out, &err) < 0)
		goto rollback;
	gz_arena_free(&local);
	*outp = out;
	return 0;
rollback:
	gz_stmt_finish(st);
	gz_db_rollback(db);
fail:
	gz_arena_free(&local);
	json_decref(out);
	*errp = err;
	return -1;
}

/* POST /organisations/{id}/members */
int gz_org_member_add(gz_db *db, const gz_actor *actor, int64_t org_id, json_t *in, json_t **outp,
                      gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *out = NULL;
	gz_arena local = {0}, *A = actor->req ? &actor->req->arena : &local;
	const char *name = NULL, *phone_in = NULL, *position = NULL;
	int64_t resident = 0, since = 0;
	bool is_contact = false, has_since = false;
	char phone[PERSON_PHONE_MAX] = "";
	gz_stmt *st = NULL;
	org_ref o;
	id_field(in, "resident_id", GZ_OPTIONAL, &resident, &err);
	str_field(in, "name", resident ? GZ_OPTIONAL : GZ_REQUIRED, 1, ORG_NAME_MAX, &name, &err);
	if (str_field(in, "phone", GZ_OPTIONAL, 1, 32, &phone_in, &err) == 0 && phone_in) {
		gz_err e;
		gz_err_clear(&e);
		if (person_phone_check(phone_in, phone, NULL, &e) < 0)
			gz_err_field(&err, "phone", "%s", e.message);
	}
	str_field(in, "position", GZ_REQUIRED, 1, ORG_POSITION_MAX, &position, &err);
	gz_json_bool(in, "is_contact", GZ_OPTIONAL, &is_contact, &err);
	time_field(in, "since", GZ_OPTIONAL, &since, &has_since, &err);
	if (gz_json_check(&err) < 0 || !(db || (db = gz_req_db(actor->req, &err))))
		goto fail;
	/* The organisation decides the place: 404 when missing or out of scope. */
	int rc = org_load(NULL, db, org_id, &o, &err);
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto fail;
	}
	if (gz_actor_check(actor, ACT_WRITE, RES_SPACE, o.space, &err) < 0)
		goto fail;
	const gz_crypto *crypto = gz_crypto_global();
	if (*phone && !crypto) {
		gz_err_set(&err, GZ_EUNAVAILABLE, "crypto_unavailable",
		           "服务器未配置加密密钥，无法保存电话号码");
		goto fail;
	}
	if (gz_db_begin(db, &err) < 0)
		goto fail;

	/* A registered resident: the caller must be able to see them. Without a phone of
	 * their own here, the membership keeps the resident's sealed phone. */
	char rgrid[SPACE_CODE_SIZE] = "";
	uint8_t *renc = NULL, *rhash = NULL;
	size_t renc_n = 0, rhash_n = 0;
	if (resident) {
		st = gz_db_prepare(db,
		                   "SELECT grid_code, name, phone_enc, phone_hash FROM residents "
		                   "WHERE id = $1 AND deleted_at IS NULL",
		                   &err);
		if (!st)
			goto rollback;
		gz_stmt_bind_int64(st, 1, resident);
		rc = gz_stmt_step(st, &err);
		if (rc == GZ_ROW) {
			snprintf(rgrid, sizeof rgrid, "%s", gz_stmt_text(st, 0));
			if (!name)
				name = gz_arena_strdup(A, gz_stmt_text(st, 1));
			if (!gz_stmt_isnull(st, 2) && !gz_stmt_isnull(st, 3)) {
				renc_n = gz_stmt_len(st, 2);
				rhash_n = gz_stmt_len(st, 3);
				renc = gz_arena_alloc(A, renc_n + 1);
				rhash = gz_arena_alloc(A, rhash_n + 1);
				memcpy(renc, gz_stmt_blob(st, 2), renc_n);
				memcpy(rhash, gz_stmt_blob(st, 3), rhash_n);
			}
		}
		gz_stmt_finish(st);
		st = NULL;
		if (rc < 0)
			goto rollback;
		if (!*rgrid || !can(actor, ACT_READ, rgrid)) {
			gz_err_field(&err, "resident_id", "居民不存在");
			gz_json_check(&err);
			goto rollback;
		}
	}

	uint8_t enc[GZ_CRYPTO_SEALED_LEN(PERSON_PHONE_MAX)];
	uint8_t hash[GZ_CRYPTO_LOOKUP_BYTES];
	size_t enc_n = 0;
	if (*phone) {
		enc_n = GZ_CRYPTO_SEALED_LEN(strlen(phone));
		gz_crypto_seal(crypto, (const uint8_t *)phone, strlen(phone), enc);
		gz_crypto_lookup(crypto, phone, hash);
	}
	char key[2 + 2 * GZ_CRYPTO_LOOKUP_BYTES + 1 + 4 * ORG_NAME_MAX];
	if (resident)
		snprintf(key, sizeof key, "r:%lld", (long long)resident);
	else if (*phone) {
		memcpy(key, "p:", 2);
		hex(hash, sizeof hash, key + 2);
	} else
		snprintf(key, sizeof key, "n:%s", name);

	/* An outside person named by a phone. The phone is compared with the database (its
	 * keyed hash is the person's key across organisations): charged to the account's
	 * personal-data budget (api/ratelimit.h). A duplicate is judged on what the caller
	 * sees of the members — the masked phone — never on the hidden digits; otherwise a
	 * 409 against a 201 would tell, guess by guess, whether a number is the member's.
	 * Any outside person holding this position here whose phone masks alike is taken
	 * as the same person. */
	if (*phone && !resident) {
		/* A refusal rolls the transaction back and is audited by the limiter. */
		if (gz_ratelimit_pii(actor, db, "org.member_add", 1, true, &err) != 0) {
			gz_db_rollback(db);
			goto fail;
		}
		char want[PHONE_MASK_SIZE], have[PHONE_MASK_SIZE];
		person_mask_phone(phone, want, sizeof want);
		st =
		    gz_db_prepare(db,
		                  "SELECT id, phone_enc FROM org_members WHERE org_id = $1 AND "
		                  "position = $2 AND resident_id IS NULL AND phone_enc IS NOT NULL",
		                  &err);
		if (!st)
			goto rollback;
		gz_stmt_bind_int64(st, 1, org_id);
		gz_stmt_bind_str(st, 2, position);
		bool dup = false;
		while (!dup && (rc = gz_stmt_step(st, &err)) == GZ_ROW)
			dup = masked_phone(st, 1, have) && !strcmp(have, want);
		gz_stmt_finish(st);
		st = NULL;
		if (rc < 0)
			goto rollback;
		if (dup) {
			gz_err_set(&err, GZ_ECONFLICT, "duplicate_member",
			           "该人员在本组织已担任此职务");
			gz_err_field(&err, "position", "已存在");
			goto rollback;
		}
	}

	int64_t member_id = 0;
	st = gz_db_prepare(
	    db,
	    "INSERT INTO org_members (org_id, scope_code, resident_id, person_key, name, "
	    "phone_enc, phone_hash, position, is_contact, since, created_at) VALUES "
	    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
	    &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, org_id);
	gz_stmt_bind_str(st, 2, o.space);
	gz_stmt_bind_id(st, 3, resident);
	gz_stmt_bind_str(st, 4, key);
	gz_stmt_bind_str(st, 5, name);
	if (*phone) {
		gz_stmt_bind_blob(st, 6, enc, enc_n);
		gz_stmt_bind_blob(st, 7, hash, sizeof hash);
	} else if (renc) {
		gz_stmt_bind_blob(st, 6, renc, renc_n);
		gz_stmt_bind_blob(st, 7, rhash, rhash_n);
	} else {
		gz_stmt_bind_null(st, 6);
		gz_stmt_bind_null(st, 7);
	}
	gz_stmt_bind_str(st, 8, position);
	gz_stmt_bind_int64(st, 9, is_contact ? 1 : 0);
	if (has_since)
		gz_stmt_bind_int64(st, 10, since);
	else
		gz_stmt_bind_null(st, 10);
	gz_stmt_bind_int64(st, 11, gz_time_now_ms());
	rc = gz_stmt_step_id(st, &member_id, &err);
	gz_stmt_finish(st);
	st = NULL;
	sodium_memzero(phone, sizeof phone);
	if (rc < 0 || !member_id) {
		if (err.kind == GZ_ECONFLICT) {
			gz_err_set(&err, GZ_ECONFLICT, "duplicate_member",
			           "该人员在本组织已担任此职务");
			gz_err_field(&err, "position", "已存在");
		}
		goto rollback;
	}
	char ids[24], oids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)member_id);
	snprintf(oids, sizeof oids, "%lld", (long long)org_id);
	/* No name or phone in the audit row: the row points at the member. */
	json_t *detail = json_pack("{s:s,s:s,s:b}", "org_id", oids, "position", position,
	                           "is_contact", is_contact);
	if (resident)
		json_object_set_new(detail, "resident_id", gz_api_id_json(resident));
	rc = gz_audit(actor, db, "org.member_add", "org_member", ids, o.space, detail, &err);
	json_decref(detail);
	if (rc < 0)
		goto rollback;
	st = gz_db_prepare(db, "SELECT " MEMBER_COLS " FROM org_members m WHERE m.id = $1", &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, member_id);
	if (gz_stmt_step(st, &err) == GZ_ROW)
		out = member_json(actor, A, st);
	gz_stmt_finish(st);
	st = NULL;
	if (!out || gz_api_commit(actor->req, db, 201, out, &err) < 0) {
		if (!err.kind)
			gz_err_set(&err, GZ_EINTERNAL, "internal", "新建的记录读不到");
		goto rollback;
	}
	gz_arena_free(&local);
	*outp = out;
	return 0;
rollback:
	gz_stmt_finish(st);
	gz_db_rollback(db);
fail:
	sodium_memzero(phone, sizeof phone);
	json_decref(out);
	gz_arena_free(&local);
	*errp = err;
	return -1;
}

/* GET /organisations/tree?node=: the vertical tree inside node for el-tree:
 * {"node", "tree": [{id, label, type, type_label, is_party_org, space_code, children}],
 *  "count", "truncated"}. An organisation whose parent lies outside node is a root. */
static void org_tree(gz_req *r)
{
	if (!gz_api_authenticated(r))
		return;
	gz_db *db = NULL;
	const char *node = node_param(r, &db);
	if (!node)
		return;
	gz_err err;
	gz_err_clear(&err);
	char hi[GZ_SCOPE_MAX + 2];
	policy_scope_upper(node, hi, sizeof hi);
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "SELECT id, type, name, space_code, parent_id FROM organisations "
	                  "WHERE space_code >= $1 AND space_code < $2 ORDER BY space_code, id "
	                  "LIMIT $3",
	                  &err);
	if (!st) {
		gz_reply_err(r, &err);
		return;
	}
	gz_stmt_bind_str(st, 1, node);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_int64(st, 3, ORG_TREE_MAX + 1);
	typedef struct {
		int64_t id, parent;
		json_t *j;
	} tnode;
	tnode *ns = gz_arena_alloc(&r->arena, sizeof *ns * (ORG_TREE_MAX + 1));
	int n = 0, rc;
	bool truncated = false;
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		if (n == ORG_TREE_MAX) {
			truncated = true;
			continue;
		}
		int type = org_type_parse(gz_stmt_text(st, 1));
		ns[n].id = gz_stmt_int64(st, 0);
		ns[n].parent = gz_stmt_isnull(st, 4) ? 0 : gz_stmt_int64(st, 4);
		ns[n].j = json_pack(
		    "{s:o,s:s,s:s,s:s,s:b,s:s,s:o,s:[]}", "id", gz_api_id_json(ns[n].id), "label",
		    gz_stmt_text(st, 2), "type", gz_stmt_text(st, 1), "type_label",
		    org_type_label((org_type)type), "is_party_org", org_is_party((org_type)type),
		    "space_code", gz_stmt_text(st, 3), "parent_id",
		    ns[n].parent ? gz_api_id_json(ns[n].parent) : json_null(), "children");
		n++;
	}
	gz_stmt_finish(st);
	if (rc < 0) {
		for (int i = 0; i < n; i++)
			json_decref(ns[i].j);
		gz_reply_err(r, &err);
		return;
	}
	/* Rows come parents first (a parent's space code is a prefix of its child's, so it
	 * sorts first; equal codes by id). Index ids, then attach each node to its parent. */
	typedef struct {
		int64_t id;
		int i;
	} slot;
	slot *idx = gz_arena_alloc(&r->arena, sizeof *idx * (size_t)(n + 1));
	for (int i = 0; i < n; i++)
		idx[i] = (slot){ns[i].id, i};
	for (int i = 1; i < n; i++) /* insertion sort by id: n <= 2000 and nearly sorted */
		for (int j = i; j > 0 && idx[j - 1].id > idx[j].id; j--) {
			slot t = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	json_t *roots = json_array();
	/* Attach deepest first so children arrays are complete when copied by reference:
	 * jansson shares references, so order does not matter; attach in row order. */
	for (int i = 0; i < n; i++) {
		int p = -1;
		if (ns[i].parent) {
			int lo = 0, hi2 = n;
			while (lo < hi2) {
				int mid = (lo + hi2) / 2;
				if (idx[mid].id < ns[i].parent)
					lo = mid + 1;
				else
					hi2 = mid;
			}
			if (lo < n && idx[lo].id == ns[i].parent && idx[lo].i != i)
				p = idx[lo].i;
		}
		json_array_append(p >= 0 ? json_object_get(ns[p].j, "children") : roots, ns[i].j);
	}
	for (int i = 0; i < n; i++)
		json_decref(ns[i].j);
	gz_reply_json(r, 200,
	              json_pack("{s:s,s:o,s:i,s:b}", "node", node, "tree", roots, "count", n,
	                        "truncated", truncated));
}

/* ---------------------------------------------------------------- co-building agreements */

#define AGREEMENT_COLS                                                                             \
	"a.id, a.unit_org_id, u.name, a.community_code, a.title, a.start_at, a.end_at, a.status, " \
	"a.created_at, a.updated_at"

/* The agreement in the current row, without its commitments (see add_commitments). */
static json_t *agreement_json(gz_stmt *st)
{
	int status = org_agreement_status_parse(gz_stmt_text(st, 7));
	int64_t start = gz_stmt_int64(st, 5), end = gz_stmt_int64(st, 6);
	json_t *a = json_pack(
	    "{s:o,s:{s:o,s:s},s:s,s:s,s:o,s:o,s:s,s:s,s:b,s:o,s:o}", "id",
	    gz_api_id_json(gz_stmt_int64(st, 0)), "unit", "id",
	    gz_api_id_json(gz_stmt_int64(st, 1)), "name", gz_stmt_text(st, 2), "community_code",
	    gz_stmt_text(st, 3), "title", gz_stmt_text(st, 4), "start_at", gz_api_time_json(start),
	    "end_at", gz_api_time_json(end), "status", gz_stmt_text(st, 7), "status_label",
	    org_agreement_status_label((org_agreement_status)status), "in_force",
	    org_agreement_in_force((org_agreement_status)status, start, end, gz_time_now_ms()),
	    "created_at", gz_api_time_json(gz_stmt_int64(st, 8)), "updated_at",
	    gz_api_time_json(gz_stmt_int64(st, 9)));
	json_object_set_new(a, "unit_org_id", gz_api_id_json(gz_stmt_int64(st, 1)));
	return a;
}

/* Sets "commitments" of agreement a (its "id" says which). Returns 0, or -1 with err. */
static int add_commitments(gz_db *db, json_t *a, gz_err *err)
{
	gz_stmt *c = gz_db_prepare(db,
	                           "SELECT item, quantity, unit FROM coop_commitments WHERE "
	                           "agreement_id = $1 ORDER BY id",
	                           err);
	if (!c)
		return -1;
	gz_stmt_bind_int64(c, 1, gz_api_parse_id(json_string_value(json_object_get(a, "id"))));
	json_t *list = json_array();
	int rc;
	while ((rc = gz_stmt_step(c, err)) == GZ_ROW)
		json_array_append_new(list, json_pack("{s:s,s:I,s:s}", "item", gz_stmt_text(c, 0),
		                                      "quantity", (json_int_t)gz_stmt_int64(c, 1),
		                                      "unit", gz_stmt_text(c, 2)));
	gz_stmt_finish(c);
	json_object_set_new(a, "commitments", list);
	return rc < 0 ? -1 : 0;
}

static json_t *agreement_row(gz_req *r, gz_stmt *st, int64_t *key)
{
	(void)r;
	*key = gz_stmt_int64(st, 0);
	return agreement_json(st);
}

/* The commitments of a page of agreements: one indexed query per agreement (at most
 * the page size). */
static int agreement_page(gz_db *db, json_t *items, gz_err *err)
{
	size_t i;
	json_t *a;
	json_array_foreach(items, i, a)
	{
		if (add_commitments(db, a, err) < 0)
			return -1;
	}
	return 0;
}

static void agreement_list(gz_req *r)
{
	if (!gz_api_authenticated(r))
		return;
	gz_err err;
	gz_err_clear(&err);
	const char *community;
	int64_t unit;
	const char *status = gz_req_query(r, "status");
	if (gz_api_code_query(r, "community", GZ_API_AT_STREET | GZ_API_AT_COMMUNITY, &community,
	                      &err) < 0 ||
	    id_query(r, "unit", &unit, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	if (status) {
		int s = org_agreement_status_parse(status);
		if (s < 0) {
			gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 status 无效");
			gz_err_field(&err, "status", "应为 draft、active、terminated 之一");
			gz_reply_err(r, &err);
			return;
		}
		status = org_agreement_status_code((org_agreement_status)s);
	}
	const char *texts[] = {status};
	int64_t ints[] = {unit};
	gz_api_scoped_list(
	    r,
	    &(gz_api_list_query){
	        .sql = "SELECT " AGREEMENT_COLS " FROM coop_agreements a JOIN organisations u ON "
	               "u.id = a.unit_org_id WHERE a.community_code >= $1 AND a.community_code < "
	               "$2 AND "
	               "a.id > $3 AND (CAST($5 AS TEXT) = '' OR a.status = $5) AND "
	               "(CAST($6 AS BIGINT) = 0 OR a.unit_org_id = CAST($6 AS BIGINT)) "
	               "ORDER BY a.id LIMIT $4",
	        .action = ACT_READ,
	        .res = RES_SPACE,
	        .filter = community,
	        .texts = texts,
	        .ntexts = 1,
	        .ints = ints,
	        .nints = 1,
	        .row = agreement_row,
	        .page = agreement_page});
}

typedef struct {
	const char *item, *unit;
	int64_t quantity;
} commitment_in;

/* POST /coop-agreements */
int gz_coop_agreement_create(gz_db *db, const gz_actor *actor, json_t *in, json_t **outp,
                             gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *out = NULL;
	gz_arena local = {0}, *A = actor->req ? &actor->req->arena : &local;
	const char *community = NULL, *title = NULL, *status_s = NULL;
	int64_t unit = 0, start = 0, end = 0, id = 0;
	bool has_start = false, has_end = false;
	int status = ORG_AGREEMENT_ACTIVE;
	commitment_in *cs = NULL;
	size_t ncs = 0;
	gz_stmt *st = NULL;
	id_field(in, "unit_org_id", GZ_REQUIRED, &unit, &err);
	code_field(in, "community_code", GZ_REQUIRED, ORG_AT_COMMUNITY, &community, &err);
	str_field(in, "title", GZ_REQUIRED, 1, ORG_TITLE_MAX, &title, &err);
	time_field(in, "start_at", GZ_REQUIRED, &start, &has_start, &err);
	time_field(in, "end_at", GZ_REQUIRED, &end, &has_end, &err);
	if (has_start && has_end && end < start)
		gz_err_field(&err, "end_at", "不能早于 start_at");
	if (str_field(in, "status", GZ_OPTIONAL, 1, 32, &status_s, &err) == 0 && status_s &&
	    (status = org_agreement_status_parse(status_s)) < 0)
		gz_err_field(&err, "status",
		             "应为 draft（拟签）、active（履行中）、terminated（已终止）之一");
	json_t *list = json_object_get(in, "commitments");
	if (list && !json_is_null(list)) {
		if (!json_is_array(list))
			gz_err_field(&err, "commitments", "应为数组");
		else if (json_array_size(list) > ORG_COMMIT_MAX)
			gz_err_field(&err, "commitments", "最多 %d 项", ORG_COMMIT_MAX);
		else {
			ncs = json_array_size(list);
			cs = gz_arena_alloc(A, sizeof *cs * (ncs + 1));
			for (size_t i = 0; i < ncs; i++) {
				json_t *c = json_array_get(list, i);
				char f[128];
				if (!json_is_object(c)) {
					snprintf(f, sizeof f, "commitments[%zu]", i);
					gz_err_field(&err, f, "应为对象 {item, quantity, unit}");
					continue;
				}
				gz_err e;
				gz_err_clear(&e);
				str_field(c, "item", GZ_REQUIRED, 1, ORG_ITEM_MAX, &cs[i].item, &e);
				gz_json_int(c, "quantity", GZ_REQUIRED, 0, ORG_QUANTITY_MAX,
				            &cs[i].quantity, &e);
				str_field(c, "unit", GZ_REQUIRED, 1, ORG_UNIT_MAX, &cs[i].unit, &e);
				for (int k = 0; k < e.nfields; k++) {
					snprintf(f, sizeof f, "commitments[%zu].%s", i,
					         e.fields[k].name);
					gz_err_field(&err, f, "%s", e.fields[k].why);
				}
			}
		}
	}
	if (gz_json_check(&err) < 0 || !(db || (db = gz_req_db(actor->req, &err))))
		goto fail;
	if (gz_actor_check(actor, ACT_WRITE, RES_SPACE, community, &err) < 0 ||
	    gz_db_begin(db, &err) < 0)
		goto fail;
	int rc = node_exists(db, community, &err);
	if (rc < 0)
		goto rollback;
	if (!rc)
		gz_err_field(&err, "community_code", "社区不存在");
	org_ref u;
	rc = org_ref_field(actor, db, unit, community, "unit_org_id", &u, &err);
	if (rc < 0)
		goto rollback;
	if (rc == 1 && u.type != ORG_COOP_UNIT)
		gz_err_field(&err, "unit_org_id", "应为共建单位（当前为 %s）",
		             org_type_label((org_type)u.type));
	if (gz_json_check(&err) < 0)
		goto rollback;

	int64_t now = gz_time_now_ms();
	st = gz_db_prepare(
	    db,
	    "INSERT INTO coop_agreements (unit_org_id, community_code, title, start_at, "
	    "end_at, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
	    "$7) RETURNING id",
	    &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, unit);
	gz_stmt_bind_str(st, 2, community);
	gz_stmt_bind_str(st, 3, title);
	gz_stmt_bind_int64(st, 4, start);
	gz_stmt_bind_int64(st, 5, end);
	gz_stmt_bind_str(st, 6, org_agreement_status_code((org_agreement_status)status));
	gz_stmt_bind_int64(st, 7, now);
	rc = gz_stmt_step_id(st, &id, &err);
	gz_stmt_finish(st);
	st = NULL;
	if (rc < 0 || !id)
		goto rollback;
	for (size_t i = 0; i < ncs; i++) {
		st = gz_db_prepare(
		    db,
		    "INSERT INTO coop_commitments (agreement_id, scope_code, item, quantity, "
		    "unit) VALUES ($1, $2, $3, $4, $5)",
		    &err);
		if (!st)
			goto rollback;
		gz_stmt_bind_int64(st, 1, id);
		gz_stmt_bind_str(st, 2, community);
		gz_stmt_bind_str(st, 3, cs[i].item);
		gz_stmt_bind_int64(st, 4, cs[i].quantity);
		gz_stmt_bind_str(st, 5, cs[i].unit);
		rc = gz_stmt_step(st, &err);
		gz_stmt_finish(st);
		st = NULL;
		if (rc < 0)
			goto rollback;
	}
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	json_t *detail = json_pack(
	    "{s:o,s:s,s:s,s:i}", "unit_org_id", gz_api_id_json(unit), "title", title, "status",
	    org_agreement_status_code((org_agreement_status)status), "commitments", (int)ncs);
	rc = gz_audit(actor, db, "coop_agreement.create", "coop_agreement", ids, community, detail,
	              &err);
	json_decref(detail);
	if (rc < 0 || gz_db_count_add(db, "coop_agreements", 1, &err) < 0)
		goto rollback;
	st = gz_db_prepare(db,
	                   "SELECT " AGREEMENT_COLS
	                   " FROM coop_agreements a JOIN organisations u ON "
	                   "u.id = a.unit_org_id WHERE a.id = $1",
	                   &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, id);
	if ((rc = gz_stmt_step(st, &err)) == GZ_ROW)
		out = agreement_json(st);
	gz_stmt_finish(st);
	st = NULL;
	if (!out || add_commitments(db, out, &err) < 0 ||
	    gz_api_commit(actor->req, db, 201, out, &err) < 0) {
		if (!err.kind)
			gz_err_set(&err, GZ_EINTERNAL, "internal", "新建的记录读不到");
		goto rollback;
	}
	gz_arena_free(&local);
	*outp = out;
	return 0;
rollback:
	gz_stmt_finish(st);
	gz_db_rollback(db);
fail:
	json_decref(out);
	gz_arena_free(&local);
	*errp = err;
	return -1;
}

/* ---------------------------------------------------------------- Party members */

#define PARTY_COLS                                                                                 \
	"p.id, p.resident_id, p.name, p.party_org_id, po.name, po.type, "                          \
	"p.reported_community_code, "                                                              \
	"p.reported_grid_code, p.post_type, p.employer_org_id, eo.name, eo.type, p.reported_at, "  \
	"p.created_at, p.updated_at, p.org_scope, p.report_scope"

#define PARTY_FROM                                                                                 \
	" FROM party_members p JOIN organisations po ON po.id = p.party_org_id "                   \
	"LEFT JOIN organisations eo ON eo.id = p.employer_org_id "

static json_t *party_json(const gz_actor *actor, gz_arena *A, gz_stmt *st)
{
	/* The one rule for persons' names, at either of the record's places. */
	bool clear =
	    gz_people_name_visible(actor, gz_stmt_text(st, 15)) ||
	    (!gz_stmt_isnull(st, 16) && gz_people_name_visible(actor, gz_stmt_text(st, 16)));
	const char *name = gz_people_name_shown(A, clear, gz_stmt_text(st, 2));
	int ptype = org_type_parse(gz_stmt_text(st, 5));
	int post = gz_stmt_isnull(st, 8) ? -1 : org_post_parse(gz_stmt_text(st, 8));
	json_t *emp = json_null();
	if (!gz_stmt_isnull(st, 9)) {
		int etype = org_type_parse(gz_stmt_text(st, 11));
		emp = json_pack("{s:o,s:s,s:s,s:s}", "id", gz_api_id_json(gz_stmt_int64(st, 9)),
		                "name", gz_stmt_text(st, 10), "type", gz_stmt_text(st, 11),
		                "type_label", org_type_label((org_type)etype));
	}
	return json_pack(
	    "{s:o,s:o,s:s,s:b,s:{s:o,s:s,s:s,s:s},s:b,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id",
	    gz_api_id_json(gz_stmt_int64(st, 0)), "resident_id", gz_api_id_or_null(st, 1), "name",
	    name, "name_masked", !clear, "party_org", "id", gz_api_id_json(gz_stmt_int64(st, 3)),
	    "name", gz_stmt_text(st, 4), "type", gz_stmt_text(st, 5), "type_label",
	    org_type_label((org_type)ptype), "reported", !gz_stmt_isnull(st, 6),
	    "reported_community_code", gz_api_text_or_null(st, 6), "reported_grid_code",
	    gz_api_text_or_null(st, 7), "post_type",
	    post >= 0 ? json_string(org_post_code((org_post_type)post)) : json_null(),
	    "post_type_label",
	    post >= 0 ? json_string(org_post_label((org_post_type)post)) : json_null(),
	    "employer_org", emp, "reported_at", gz_api_time_or_null(st, 12), "created_at",
	    gz_api_time_json(gz_stmt_int64(st, 13)), "updated_at",
	    gz_api_time_json(gz_stmt_int64(st, 14)));
}

static json_t *party_row(gz_req *r, gz_stmt *st, int64_t *key)
{
	*key = gz_stmt_int64(st, 0);
	return party_json(gz_req_actor(r), &r->arena, st);
}

static void party_list(gz_req *r)
{
	if (!gz_api_authenticated(r))
		return;
	gz_err err;
	gz_err_clear(&err);
	const char *community, *grid, *post = gz_req_query(r, "post_type"),
	                              *reported = gz_req_query(r, "reported");
	int64_t party_org, rep = -1;
	if (gz_api_code_query(r, "community", GZ_API_AT_COMMUNITY, &community, &err) < 0 ||
	    gz_api_code_query(r, "grid", GZ_API_AT_GRID, &grid, &err) < 0 ||
	    id_query(r, "party_org", &party_org, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	if (post) {
		int p = org_post_parse(post);
		if (p < 0) {
			gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 post_type 无效");
			gz_err_field(&err, "post_type", "未知的岗位类型");
			gz_reply_err(r, &err);
			return;
		}
		post = org_post_code((org_post_type)p);
	}
	if (reported) {
		if (!strcmp(reported, "1") || !strcmp(reported, "true"))
			rep = 1;
		else if (!strcmp(reported, "0") || !strcmp(reported, "false"))
			rep = 0;
		else {
			gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 reported 无效");
			gz_err_field(&err, "reported", "应为 1/0 或 true/false");
			gz_reply_err(r, &err);
			return;
		}
	}
	const char *texts[] = {community, grid, post};
	int64_t ints[] = {party_org, rep};
	/* A row lies where its Party organisation is and where it reported: either inside a
	 * scope shows it (rows met through both are merged by id). */
	gz_api_scoped_list(
	    r, &(gz_api_list_query){
	           .sql = "SELECT " PARTY_COLS PARTY_FROM
	                  "WHERE ((p.org_scope >= $1 AND p.org_scope < $2) OR "
	                  "(p.report_scope >= $1 AND p.report_scope < $2)) AND p.id > $3 "
	                  "AND (CAST($5 AS TEXT) = '' OR p.reported_community_code = $5) "
	                  "AND (CAST($6 AS TEXT) = '' OR p.reported_grid_code = $6) "
	                  "AND (CAST($7 AS TEXT) = '' OR p.post_type = $7) "
	                  "AND (CAST($8 AS BIGINT) = 0 OR p.party_org_id = CAST($8 AS BIGINT)) "
	                  "AND (CAST($9 AS BIGINT) = -1 OR (CAST($9 AS BIGINT) = 1 AND "
	                  "p.reported_community_code IS NOT NULL) OR (CAST($9 AS BIGINT) = 0 AND "
	                  "p.reported_community_code IS NULL)) ORDER BY p.id LIMIT $4",
	           .action = ACT_READ,
	           .res = RES_SPACE,
	           .filter = NULL,
	           .texts = texts,
	           .ntexts = 3,
	           .ints = ints,
	           .nints = 2,
	           .row = party_row});
}

/* Is org a co-building unit with an agreement with community? 1, 0, -1. */
static int unit_linked(gz_db *db, int64_t org, const char *community, gz_err *err)
{
	int64_t one = 0;
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT 1 FROM coop_agreements WHERE unit_org_id = $1 AND community_code = $2",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, org);
	gz_stmt_bind_str(st, 2, community);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW)
		one = 1;
	gz_stmt_finish(st);
	return rc < 0 ? -1 : (int)one;
}

/* A Party member's organisation reference: referable, or a unit linked to the reported
 * community. Returns 1 ok, 0 field error added, -1 error. */
static int party_ref(const gz_actor *actor, gz_db *db, int64_t id, const char *at,
                     const char *community, const char *field, org_ref *o, gz_err *err)
{
	int rc = org_load(NULL, db, id, o, err);
	if (rc < 0)
		return -1;
	bool ok = rc == 1 && o->type >= 0 && org_referable(actor, o, at);
	if (rc == 1 && !ok && community && o->type == ORG_COOP_UNIT) {
		int l = unit_linked(db, id, community, err);
		if (l < 0)
			return -1;
		ok = l == 1;
	}
	if (!ok) {
		gz_err_field(err, field, "组织不存在");
		return 0;
	}
	return 1;
}

/* POST /party-members */
int gz_party_member_create(gz_db *db, const gz_actor *actor, json_t *in, json_t **outp,
                           gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *out = NULL;
	gz_arena local = {0}, *A = actor->req ? &actor->req->arena : &local;
	const char *name = NULL, *community = NULL, *grid = NULL, *post_s = NULL;
	int64_t resident = 0, party_org = 0, employer = 0, reported_at = 0, id = 0;
	bool has_reported_at = false;
	int post = -1;
	gz_stmt *st = NULL;
	id_field(in, "resident_id", GZ_OPTIONAL, &resident, &err);
	str_field(in, "name", resident ? GZ_OPTIONAL : GZ_REQUIRED, 1, ORG_NAME_MAX, &name, &err);
	id_field(in, "party_org_id", GZ_REQUIRED, &party_org, &err);
	id_field(in, "employer_org_id", GZ_OPTIONAL, &employer, &err);
	code_field(in, "reported_community_code", GZ_OPTIONAL, ORG_AT_COMMUNITY, &community, &err);
	code_field(in, "reported_grid_code", GZ_OPTIONAL, ORG_AT_GRID, &grid, &err);
	if (str_field(in, "post_type", GZ_OPTIONAL, 1, 32, &post_s, &err) == 0 && post_s &&
	    (post = org_post_parse(post_s)) < 0)
		gz_err_field(&err, "post_type",
		             "应为 组织建设、法律、助困就业、社区治理、健康医疗、文体、"
		             "治安巡逻、其他 之一（或其代码）");
	time_field(in, "reported_at", GZ_OPTIONAL, &reported_at, &has_reported_at, &err);
	if (grid && !community) {
		char c[SPACE_CODE_SIZE];
		space_code_prefix(grid, SPACE_COMMUNITY, c);
		community = gz_arena_strdup(A, c);
	} else if (grid && community && strncmp(grid, community, SPACE_COMMUNITY) != 0)
		gz_err_field(&err, "reported_grid_code", "不在报到社区 %s 内", community);
	if (!community) {
		if (post_s)
			gz_err_field(&err, "post_type",
			             "未报到（无 reported_community_code）时不填");
		if (has_reported_at)
			gz_err_field(&err, "reported_at",
			             "未报到（无 reported_community_code）时不填");
	} else if (!post_s && !has_field(&err, "post_type"))
		gz_err_field(&err, "post_type", "报到时必填");
	if (gz_json_check(&err) < 0 || !(db || (db = gz_req_db(actor->req, &err))))
		goto fail;

	/* Where the record lies: the reported place, else its Party organisation's. */
	org_ref po, eo;
	int rc;
	if (community) {
		if (gz_actor_check(actor, ACT_WRITE, RES_SPACE, grid ? grid : community, &err) < 0)
			goto fail;
	}
	if (gz_db_begin(db, &err) < 0)
		goto fail;
	const char *at = grid ? grid : community;
	if ((rc = party_ref(actor, db, party_org, at, community, "party_org_id", &po, &err)) < 0)
		goto rollback;
	if (rc == 1 && !org_can_be_party_org((org_type)po.type))
		gz_err_field(&err, "party_org_id", "%s不是党组织，也不是设有党组织的单位",
		             org_type_label((org_type)po.type));
	if (employer && party_ref(actor, db, employer, at ? at : (rc == 1 ? po.space : NULL),
	                          community, "employer_org_id", &eo, &err) < 0)
		goto rollback;
	if (!community && rc == 1 && !err.nfields) {
		/* Not reported: the record lies at its Party organisation. */
		if (gz_actor_check(actor, ACT_WRITE, RES_SPACE, po.space, &err) < 0)
			goto rollback;
	}
	if (community) {
		if ((rc = node_exists(db, community, &err)) < 0)
			goto rollback;
		if (!rc)
			gz_err_field(&err, "reported_community_code", "社区不存在");
		if (grid) {
			if ((rc = node_exists(db, grid, &err)) < 0)
				goto rollback;
			if (!rc)
				gz_err_field(&err, "reported_grid_code", "网格不存在");
		}
	}
	if (resident) {
		st = gz_db_prepare(db,
		                   "SELECT grid_code, name FROM residents WHERE id = $1 AND "
		                   "deleted_at IS NULL",
		                   &err);
		if (!st)
			goto rollback;
		gz_stmt_bind_int64(st, 1, resident);
		char rgrid[SPACE_CODE_SIZE] = "";
		rc = gz_stmt_step(st, &err);
		if (rc == GZ_ROW) {
			snprintf(rgrid, sizeof rgrid, "%s", gz_stmt_text(st, 0));
			if (!name)
				name = gz_arena_strdup(A, gz_stmt_text(st, 1));
		}
		gz_stmt_finish(st);
		st = NULL;
		if (rc < 0)
			goto rollback;
		if (!*rgrid || !can(actor, ACT_READ, rgrid))
			gz_err_field(&err, "resident_id", "居民不存在");
		else if (community && !grid && !strncmp(rgrid, community, SPACE_COMMUNITY))
			grid = gz_arena_strdup(A, rgrid); /* 党员进网格: where they live */
	}
	if (gz_json_check(&err) < 0)
		goto rollback;

	int64_t now = gz_time_now_ms();
	if (community && !has_reported_at)
		reported_at = now;
	const char *report_scope = grid ? grid : community;
	st = gz_db_prepare(
	    db,
	    "INSERT INTO party_members (resident_id, name, party_org_id, org_scope, "
	    "reported_community_code, reported_grid_code, report_scope, post_type, "
	    "employer_org_id, reported_at, created_at, updated_at) VALUES ($1, $2, $3, "
	    "$4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
	    &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_id(st, 1, resident);
	gz_stmt_bind_str(st, 2, name);
	gz_stmt_bind_int64(st, 3, party_org);
	gz_stmt_bind_str(st, 4, po.space);
	gz_stmt_bind_str(st, 5, community);
	gz_stmt_bind_str(st, 6, grid);
	gz_stmt_bind_str(st, 7, report_scope);
	gz_stmt_bind_str(st, 8, post >= 0 ? org_post_code((org_post_type)post) : NULL);
	gz_stmt_bind_id(st, 9, employer);
	if (community)
		gz_stmt_bind_int64(st, 10, reported_at);
	else
		gz_stmt_bind_null(st, 10);
	gz_stmt_bind_int64(st, 11, now);
	rc = gz_stmt_step_id(st, &id, &err);
	gz_stmt_finish(st);
	st = NULL;
	if (rc < 0 || !id) {
		if (err.kind == GZ_ECONFLICT) {
			gz_err_set(&err, GZ_ECONFLICT, "duplicate_party_member",
			           "该居民已登记为党员");
			gz_err_field(&err, "resident_id", "已登记");
		}
		goto rollback;
	}
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	json_t *detail = json_pack("{s:o,s:s?,s:s?}", "party_org_id", gz_api_id_json(party_org),
	                           "reported_community_code", community, "post_type",
	                           post >= 0 ? org_post_code((org_post_type)post) : NULL);
	rc = gz_audit(actor, db, "party_member.create", "party_member", ids,
	              report_scope ? report_scope : po.space, detail, &err);
	json_decref(detail);
	if (rc < 0 || gz_db_count_add(db, "party_members", 1, &err) < 0)
		goto rollback;
	st = gz_db_prepare(db, "SELECT " PARTY_COLS PARTY_FROM "WHERE p.id = $1", &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, id);
	if (gz_stmt_step(st, &err) == GZ_ROW)
		out = party_json(actor, A, st);
	gz_stmt_finish(st);
	st = NULL;
	if (!out || gz_api_commit(actor->req, db, 201, out, &err) < 0) {
		if (!err.kind)
			gz_err_set(&err, GZ_EINTERNAL, "internal", "新建的记录读不到");
		goto rollback;
	}
	gz_arena_free(&local);
	*outp = out;
	return 0;
rollback:
	gz_stmt_finish(st);
	gz_db_rollback(db);
fail:
	json_decref(out);
	gz_arena_free(&local);
	*errp = err;
	return -1;
}

/* ---------------------------------------------------------------- network */

typedef struct {
	org_net_org *orgs;
	size_t norgs, cap;
} org_buf;

static bool buf_has(const org_buf *b, int64_t id)
{
	for (size_t i = 0; i < b->norgs; i++) /* bounded: a few hundred */
		if (b->orgs[i].id == id)
			return true;
	return false;
}

/* Adds organisation id as an external node (a reference from a record inside). */
static int add_external(gz_req *r, gz_db *db, org_buf *b, int64_t id, int *budget, gz_err *err)
{
	if (!id || buf_has(b, id) || *budget <= 0 || b->norgs == b->cap)
		return 0;
	(*budget)--;
	org_ref o;
	int rc = org_load(&r->arena, db, id, &o, err);
	if (rc <= 0 || o.type < 0)
		return rc < 0 ? -1 : 0;
	b->orgs[b->norgs++] = (org_net_org){
	    o.id, o.type, o.name, gz_arena_strdup(&r->arena, o.space), o.parent_id, true};
	return 0;
}

static int net_limit(gz_req *r, int *limit, gz_err *err)
{
	*limit = NET_DEFAULT;
	const char *l = gz_req_query(r, "limit");
	if (!l)
		return 0;
	char *end;
	long v = strtol(l, &end, 10);
	if (*l < '0' || *l > '9' || *end || v < 1 || v > NET_MAX) {
		gz_err_set(err, GZ_EBADREQ, "bad_query", "limit 应为 1 到 %d 的整数", NET_MAX);
		gz_err_field(err, "limit", "应为 1 到 %d 的整数", NET_MAX);
		return -1;
	}
	*limit = (int)v;
	return 0;
}

/* GET /network?node=&limit= */
static void network_read(gz_req *r)
{
	if (!gz_api_authenticated(r))
		return;
	gz_err err;
	gz_err_clear(&err);
	int limit;
	if (net_limit(r, &limit, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	gz_db *db = NULL;
	const char *node = node_param(r, &db);
	if (!node)
		return;
	char hi[GZ_SCOPE_MAX + 2];
	policy_scope_upper(node, hi, sizeof hi);
	int64_t now = gz_time_now_ms();
	bool truncated = false;
	int rc;

	/* Organisations inside node, upper levels first. */
	org_buf ob = {0};
	ob.cap = (size_t)limit + NET_EXTERNAL_MAX;
	ob.orgs = gz_arena_alloc(&r->arena, sizeof *ob.orgs * ob.cap);
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "SELECT id, type, name, space_code, parent_id FROM organisations "
	                  "WHERE space_code >= $1 AND space_code < $2 ORDER BY space_code, id "
	                  "LIMIT $3",
	                  &err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, node);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_int64(st, 3, limit + 1);
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		int type = org_type_parse(gz_stmt_text(st, 1));
		if (ob.norgs == (size_t)limit) {
			truncated = true;
			continue;
		}
		if (type < 0)
			continue;
		ob.orgs[ob.norgs++] =
		    (org_net_org){gz_stmt_int64(st, 0),
		                  type,
		                  gz_arena_strdup(&r->arena, gz_stmt_text(st, 2)),
		                  gz_arena_strdup(&r->arena, gz_stmt_text(st, 3)),
		                  gz_stmt_isnull(st, 4) ? 0 : gz_stmt_int64(st, 4),
		                  false};
	}
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;
	size_t ninternal = ob.norgs;

	/* Memberships of those organisations: (org, person) pairs, nothing personal. */
	org_net_member *ms = gz_arena_alloc(&r->arena, sizeof *ms * (NET_MEMBERS_MAX + 1));
	size_t nms = 0;
	st = gz_db_prepare(db,
	                   "SELECT org_id, person_key FROM org_members WHERE scope_code >= $1 AND "
	                   "scope_code < $2 ORDER BY org_id LIMIT $3",
	                   &err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, node);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_int64(st, 3, NET_MEMBERS_MAX + 1);
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		if (nms == NET_MEMBERS_MAX) {
			truncated = true;
			continue;
		}
		ms[nms++] = (org_net_member){gz_stmt_int64(st, 0),
		                             gz_arena_strdup(&r->arena, gz_stmt_text(st, 1))};
	}
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;

	/* Party members, grouped: those of organisations inside and those reported inside. */
	org_net_party *ps = gz_arena_alloc(&r->arena, sizeof *ps * (NET_ROWS_MAX + 1));
	size_t nps = 0;
	st =
	    gz_db_prepare(db,
	                  "SELECT party_org_id, employer_org_id, reported_community_code, COUNT(*) "
	                  "FROM party_members WHERE (org_scope >= $1 AND org_scope < $2) OR "
	                  "(report_scope >= $1 AND report_scope < $2) GROUP BY party_org_id, "
	                  "employer_org_id, reported_community_code LIMIT $3",
	                  &err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, node);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_int64(st, 3, NET_ROWS_MAX + 1);
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		if (nps == NET_ROWS_MAX) {
			truncated = true;
			continue;
		}
		ps[nps++] = (org_net_party){
		    gz_stmt_int64(st, 0), gz_stmt_isnull(st, 1) ? 0 : gz_stmt_int64(st, 1),
		    gz_stmt_isnull(st, 2) ? NULL : gz_arena_strdup(&r->arena, gz_stmt_text(st, 2)),
		    gz_stmt_int64(st, 3)};
	}
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;

	/* Co-building agreements of communities inside. */
	org_net_agreement *as = gz_arena_alloc(&r->arena, sizeof *as * (NET_ROWS_MAX + 1));
	size_t nas = 0;
	st =
	    gz_db_prepare(db,
	                  "SELECT a.unit_org_id, a.community_code, a.status, a.start_at, a.end_at, "
	                  "(SELECT COUNT(*) FROM coop_commitments c WHERE c.agreement_id = a.id) "
	                  "FROM coop_agreements a WHERE a.community_code >= $1 AND "
	                  "a.community_code < $2 ORDER BY a.id LIMIT $3",
	                  &err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, node);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_int64(st, 3, NET_ROWS_MAX + 1);
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		if (nas == NET_ROWS_MAX) {
			truncated = true;
			continue;
		}
		int s = org_agreement_status_parse(gz_stmt_text(st, 2));
		as[nas++] = (org_net_agreement){
		    gz_stmt_int64(st, 0), gz_arena_strdup(&r->arena, gz_stmt_text(st, 1)),
		    org_agreement_in_force((org_agreement_status)s, gz_stmt_int64(st, 3),
		                           gz_stmt_int64(st, 4), now),
		    gz_stmt_int64(st, 5)};
	}
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;

	/* Communities inside, for the names of community nodes. */
	org_net_community *cs = gz_arena_alloc(&r->arena, sizeof *cs * (NET_ROWS_MAX + 1));
	size_t ncs = 0;
	st = gz_db_prepare(db,
	                   "SELECT code, name FROM communities WHERE code >= $1 AND code < $2 "
	                   "ORDER BY code LIMIT $3",
	                   &err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, node);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_int64(st, 3, NET_ROWS_MAX);
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW)
		cs[ncs++] = (org_net_community){gz_arena_strdup(&r->arena, gz_stmt_text(st, 0)),
		                                gz_arena_strdup(&r->arena, gz_stmt_text(st, 1))};
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;

	/* Organisations outside node that records inside reference: parents, units,
	 * employers and Party organisations (their names are part of those records). */
	int budget = NET_EXTERNAL_MAX;
	for (size_t i = 0; i < ninternal; i++)
		if (add_external(r, db, &ob, ob.orgs[i].parent_id, &budget, &err) < 0)
			goto fail;
	for (size_t i = 0; i < nas; i++)
		if (add_external(r, db, &ob, as[i].unit_org_id, &budget, &err) < 0)
			goto fail;
	for (size_t i = 0; i < nps; i++)
		if (add_external(r, db, &ob, ps[i].employer_org_id, &budget, &err) < 0 ||
		    add_external(r, db, &ob, ps[i].party_org_id, &budget, &err) < 0)
			goto fail;
	if (budget <= 0)
		truncated = true;

	org_net_input inp = {ob.orgs, ob.norgs, ms, nms, ps, nps, as, nas, cs, ncs};
	org_net net;
	if (org_network_build(&inp, &net, &err) < 0)
		goto fail;

	json_t *nodes = json_array(), *edges = json_array(), *cats = json_array();
	for (int c = 0; c < ORG_NET_CATEGORIES; c++)
		json_array_append_new(
		    cats, json_pack("{s:s,s:s}", "name",
		                    c < ORG__COUNT ? org_type_label((org_type)c) : "社区", "code",
		                    c < ORG__COUNT ? org_type_code((org_type)c) : "community"));
	for (size_t i = 0; i < net.nnodes; i++) {
		const org_net_node *n = &net.nodes[i];
		bool community = n->category == ORG_NET_CAT_COMMUNITY;
		json_array_append_new(
		    nodes,
		    json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:b}", "id", n->id,
		              "name", n->name, "category", n->category, "type",
		              community ? "community" : org_type_code((org_type)n->category),
		              "type_label",
		              community ? "社区" : org_type_label((org_type)n->category),
		              "space_code", n->space_code, "value", (json_int_t)n->value, "members",
		              (json_int_t)n->members, "party_members", (json_int_t)n->party_members,
		              "reported", (json_int_t)n->reported, "agreements",
		              (json_int_t)n->agreements, "external", n->external));
	}
	for (size_t i = 0; i < net.nedges; i++) {
		const org_net_edge *e = &net.edges[i];
		json_array_append_new(
		    edges, json_pack("{s:s,s:s,s:s,s:I}", "source", net.nodes[e->source].id,
		                     "target", net.nodes[e->target].id, "kind",
		                     org_edge_kind_name(e->kind), "value", (json_int_t)e->value));
	}
	const org_net_counts *k = &net.counts;
	json_t *by_type = json_object();
	for (int t = 0; t < ORG__COUNT; t++)
		json_object_set_new(by_type, org_type_code((org_type)t),
		                    json_integer(k->by_type[t]));
	json_t *counts = json_pack(
	    "{s:I,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:i,s:i}", "organisations",
	    (json_int_t)k->organisations, "by_type", by_type, "members", (json_int_t)k->members,
	    "people", (json_int_t)k->people, "cross_role_people", (json_int_t)k->cross_role_people,
	    "party_members", (json_int_t)k->party_members, "reported", (json_int_t)k->reported,
	    "coop_agreements", (json_int_t)k->coop_agreements, "coop_in_force",
	    (json_int_t)k->coop_in_force, "coop_units", (json_int_t)k->coop_units, "commitments",
	    (json_int_t)k->commitments, "nodes", (int)net.nnodes, "edges", (int)net.nedges);
	org_network_free(&net);
	gz_reply_json(r, 200,
	              json_pack("{s:s,s:o,s:o,s:o,s:o,s:b}", "node", node, "nodes", nodes, "edges",
	                        edges, "categories", cats, "counts", counts, "truncated",
	                        truncated));
	return;
fail:
	gz_reply_err(r, &err);
}

/* ---------------------------------------------------------------- figures */

typedef struct {
	const char *code, *name, *community;
	int64_t branches, reported;
	int64_t by_post[ORG_POST__COUNT];
} fig_grid;

static long find_grid(fig_grid *gs, size_t n, const char *code)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(gs[mid].code, code);
		if (!c)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* o[key] += 1 for an integer member. */
static void json_inc(json_t *o, const char *key)
{
	json_object_set_new(o, key, json_integer(json_integer_value(json_object_get(o, key)) + 1));
}

/* Sum of one (item, unit) over in-force agreements of a community. */
static void add_total(json_t *totals, const char *item, const char *unit, int64_t q)
{
	size_t i;
	json_t *t;
	json_array_foreach(totals, i, t)
	{
		if (!strcmp(json_string_value(json_object_get(t, "item")), item) &&
		    !strcmp(json_string_value(json_object_get(t, "unit")), unit)) {
			json_int_t v = json_integer_value(json_object_get(t, "quantity"));
			json_object_set_new(t, "quantity", json_integer(v + q));
			return;
		}
	}
	json_array_append_new(totals, json_pack("{s:s,s:I,s:s}", "item", item, "quantity",
	                                        (json_int_t)q, "unit", unit));
}

/* GET /network/figures?node= — what a secretary asks (docs/ORG.md, docs/METRICS.md). */
static void figures_read(gz_req *r)
{
	if (!gz_api_authenticated(r))
		return;
	gz_db *db = NULL;
	const char *node = node_param(r, &db);
	if (!node)
		return;
	gz_err err;
	gz_err_clear(&err);
	char hi[GZ_SCOPE_MAX + 2];
	policy_scope_upper(node, hi, sizeof hi);
	int64_t now = gz_time_now_ms();
	bool truncated = false;
	int rc;
	json_t *out = json_object();

	/* Grids inside node. */
	fig_grid *gs = gz_arena_alloc(&r->arena, sizeof *gs * (FIG_GRIDS_MAX + 1));
	size_t ng = 0;
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT code, name, community_code FROM grids WHERE code >= $1 "
	                            "AND code < $2 ORDER BY code LIMIT $3",
	                            &err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, node);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_int64(st, 3, FIG_GRIDS_MAX + 1);
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		if (ng == FIG_GRIDS_MAX) {
			truncated = true;
			continue;
		}
		gs[ng++] = (fig_grid){gz_arena_strdup(&r->arena, gz_stmt_text(st, 0)),
		                      gz_arena_strdup(&r->arena, gz_stmt_text(st, 1)),
		                      gz_arena_strdup(&r->arena, gz_stmt_text(st, 2)),
		                      0,
		                      0,
		                      {0}};
	}
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;

	/* 网格党支部 per grid. */
	st = gz_db_prepare(db,
	                   "SELECT space_code, COUNT(*) FROM organisations WHERE type = "
	                   "'grid_party_branch' AND space_code >= $1 AND space_code < $2 "
	                   "GROUP BY space_code",
	                   &err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, node);
	gz_stmt_bind_str(st, 2, hi);
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		long g = find_grid(gs, ng, gz_stmt_text(st, 0));
		if (g >= 0)
			gs[g].branches = gz_stmt_int64(st, 1);
	}
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;

	/* Reported Party members per grid and post type. */
	st =
	    gz_db_prepare(db,
	                  "SELECT reported_grid_code, post_type, COUNT(*) FROM party_members WHERE "
	                  "reported_grid_code >= $1 AND reported_grid_code < $2 GROUP BY "
	                  "reported_grid_code, post_type",
	                  &err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, node);
	gz_stmt_bind_str(st, 2, hi);
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		long g = find_grid(gs, ng, gz_stmt_text(st, 0));
		if (g < 0)
			continue;
		int p = org_post_parse(gz_stmt_text(st, 1));
		int64_t n = gz_stmt_int64(st, 2);
		gs[g].reported += n;
		gs[g].by_post[p >= 0 ? p : ORG_POST_OTHER] += n;
	}
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;

	json_t *per_grid = json_array(), *no_branch = json_array(), *no_member = json_array();
	json_object_set_new(out, "reported_per_grid", per_grid);
	json_object_set_new(out, "grids_without_branch", no_branch);
	json_object_set_new(out, "grids_without_reported_member", no_member);
	int64_t reported_in_grids = 0;
	for (size_t i = 0; i < ng; i++) {
		json_t *bp = json_object();
		for (int p = 0; p < ORG_POST__COUNT; p++)
			json_object_set_new(bp, org_post_code((org_post_type)p),
			                    json_integer(gs[i].by_post[p]));
		json_array_append_new(
		    per_grid, json_pack("{s:s,s:s,s:s,s:I,s:o,s:b}", "grid_code", gs[i].code,
		                        "name", gs[i].name, "community_code", gs[i].community,
		                        "reported", (json_int_t)gs[i].reported, "by_post_type", bp,
		                        "has_branch", gs[i].branches > 0));
		json_t *g = json_pack("{s:s,s:s,s:s}", "grid_code", gs[i].code, "name", gs[i].name,
		                      "community_code", gs[i].community);
		if (!gs[i].branches)
			json_array_append(no_branch, g);
		if (!gs[i].reported)
			json_array_append(no_member, g);
		json_decref(g);
		reported_in_grids += gs[i].reported;
	}

	/* Members reported to a community inside node without a grid. */
	json_t *unassigned = json_array();
	json_object_set_new(out, "reported_without_grid", unassigned);
	int64_t reported_no_grid = 0;
	st = gz_db_prepare(
	    db,
	    "SELECT reported_community_code, COUNT(*) FROM party_members WHERE "
	    "report_scope >= $1 AND report_scope < $2 AND reported_grid_code IS NULL "
	    "AND reported_community_code IS NOT NULL GROUP BY reported_community_code "
	    "ORDER BY reported_community_code",
	    &err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, node);
	gz_stmt_bind_str(st, 2, hi);
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		reported_no_grid += gz_stmt_int64(st, 1);
		json_array_append_new(unassigned,
		                      json_pack("{s:s,s:I}", "community_code", gz_stmt_text(st, 0),
		                                "reported", (json_int_t)gz_stmt_int64(st, 1)));
	}
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;

	/* Co-building per community: every community inside, its units, their agreements and
	 * commitments, and the in-force totals per (item, unit). */
	json_t *coop = json_array();
	json_object_set_new(out, "coop_per_community", coop);
	st = gz_db_prepare(db,
	                   "SELECT code, name FROM communities WHERE code >= $1 AND code < $2 "
	                   "ORDER BY code LIMIT $3",
	                   &err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, node);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_int64(st, 3, FIG_GRIDS_MAX + 1);
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		if (json_array_size(coop) == FIG_GRIDS_MAX) {
			truncated = true;
			continue;
		}
		json_array_append_new(coop, json_pack("{s:s,s:s,s:i,s:i,s:i,s:[],s:[]}",
		                                      "community_code", gz_stmt_text(st, 0), "name",
		                                      gz_stmt_text(st, 1), "agreements", 0,
		                                      "agreements_in_force", 0, "units_in_force", 0,
		                                      "units", "commitments_in_force"));
	}
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;
	/* Agreements (ordered by community, unit, id), each with its commitments. */
	json_t *byid = json_object(); /* agreement id -> agreement JSON (borrowed) */
	st = gz_db_prepare(
	    db,
	    "SELECT a.id, a.community_code, a.unit_org_id, u.name, a.title, a.status, "
	    "a.start_at, a.end_at FROM coop_agreements a JOIN organisations u ON "
	    "u.id = a.unit_org_id WHERE a.community_code >= $1 AND "
	    "a.community_code < $2 ORDER BY a.community_code, a.unit_org_id, a.id "
	    "LIMIT $3",
	    &err);
	if (!st) {
		json_decref(byid);
		goto fail;
	}
	gz_stmt_bind_str(st, 1, node);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_int64(st, 3, FIG_ROWS_MAX + 1);
	size_t ci = 0, nrows = 0;
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		if (nrows++ == FIG_ROWS_MAX) {
			truncated = true;
			continue;
		}
		const char *cc = gz_stmt_text(st, 1);
		while (ci < json_array_size(coop) &&
		       strcmp(json_string_value(
		                  json_object_get(json_array_get(coop, ci), "community_code")),
		              cc) < 0)
			ci++;
		json_t *c = json_array_get(coop, ci);
		if (!c || strcmp(json_string_value(json_object_get(c, "community_code")), cc) != 0)
			continue;
		int s = org_agreement_status_parse(gz_stmt_text(st, 5));
		int64_t start = gz_stmt_int64(st, 6), end = gz_stmt_int64(st, 7);
		bool force = org_agreement_in_force((org_agreement_status)s, start, end, now);
		json_t *units = json_object_get(c, "units");
		json_t *u = json_array_get(units, json_array_size(units) - 1);
		json_t *uid = gz_api_id_json(gz_stmt_int64(st, 2));
		if (!u || !json_equal(json_object_get(u, "org_id"), uid)) {
			u = json_pack("{s:O,s:s,s:b,s:[]}", "org_id", uid, "name",
			              gz_stmt_text(st, 3), "in_force", false, "agreements");
			json_array_append_new(units, u);
		}
		json_decref(uid);
		json_t *a =
		    json_pack("{s:o,s:s,s:s,s:s,s:b,s:o,s:o,s:[]}", "id",
		              gz_api_id_json(gz_stmt_int64(st, 0)), "title", gz_stmt_text(st, 4),
		              "status", gz_stmt_text(st, 5), "status_label",
		              org_agreement_status_label((org_agreement_status)s), "in_force",
		              force, "start_at", gz_api_time_json(start), "end_at",
		              gz_api_time_json(end), "commitments");
		json_array_append_new(json_object_get(u, "agreements"), a);
		json_inc(c, "agreements");
		if (force) {
			json_inc(c, "agreements_in_force");
			if (!json_is_true(json_object_get(u, "in_force"))) {
				json_object_set_new(u, "in_force", json_true());
				json_inc(c, "units_in_force");
			}
		}
		char key[24];
		snprintf(key, sizeof key, "%lld", (long long)gz_stmt_int64(st, 0));
		json_object_set(byid, key, a);
		json_object_set_new(a, "_community", json_integer((json_int_t)ci));
	}
	gz_stmt_finish(st);
	if (rc < 0) {
		json_decref(byid);
		goto fail;
	}
	st =
	    gz_db_prepare(db,
	                  "SELECT agreement_id, item, quantity, unit FROM coop_commitments WHERE "
	                  "scope_code >= $1 AND scope_code < $2 ORDER BY agreement_id, id LIMIT $3",
	                  &err);
	if (!st) {
		json_decref(byid);
		goto fail;
	}
	gz_stmt_bind_str(st, 1, node);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_int64(st, 3, FIG_ROWS_MAX + 1);
	nrows = 0;
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		if (nrows++ == FIG_ROWS_MAX) {
			truncated = true;
			continue;
		}
		char key[24];
		snprintf(key, sizeof key, "%lld", (long long)gz_stmt_int64(st, 0));
		json_t *a = json_object_get(byid, key);
		if (!a)
			continue;
		const char *item = gz_stmt_text(st, 1), *unit = gz_stmt_text(st, 3);
		int64_t q = gz_stmt_int64(st, 2);
		json_array_append_new(json_object_get(a, "commitments"),
		                      json_pack("{s:s,s:I,s:s}", "item", item, "quantity",
		                                (json_int_t)q, "unit", unit));
		if (json_is_true(json_object_get(a, "in_force"))) {
			json_t *c = json_array_get(
			    coop, (size_t)json_integer_value(json_object_get(a, "_community")));
			add_total(json_object_get(c, "commitments_in_force"), item, unit, q);
		}
	}
	gz_stmt_finish(st);
	{
		const char *k;
		json_t *a;
		json_object_foreach(byid, k, a) json_object_del(a, "_community");
	}
	json_decref(byid);
	if (rc < 0)
		goto fail;

	/* 交叉任职: people holding positions both in a 社区党委 and in a 物业服务企业 or
	 * 业主委员会/物业管理委员会 inside node. */
	json_t *cross = json_array();
	json_object_set_new(out, "cross_roles", cross);
	st = gz_db_prepare(
	    db,
	    "SELECT m.person_key, m.name, m.phone_enc, m.position, o.id, o.name, "
	    "o.type, m.scope_code FROM org_members m JOIN organisations o ON o.id = m.org_id WHERE "
	    "m.scope_code >= $1 AND m.scope_code < $2 AND o.type IN "
	    "('community_party_committee', 'property_company', 'owners_committee') "
	    "ORDER BY m.person_key, o.id, m.id LIMIT $3",
	    &err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, node);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_int64(st, 3, FIG_ROWS_MAX + 1);
	json_t *cur = NULL;
	char cur_key[2 + 4 * ORG_NAME_MAX + 80] = "";
	const char *cur_name = NULL;
	bool has_party = false, has_property = false, cur_clear = false;
	nrows = 0;
	for (;;) {
		rc = gz_stmt_step(st, &err);
		bool end = rc != GZ_ROW || nrows++ == FIG_ROWS_MAX;
		if (rc == GZ_ROW && nrows > FIG_ROWS_MAX)
			truncated = true;
		if (end || strcmp(cur_key, gz_stmt_text(st, 0)) != 0) {
			if (cur && has_party && has_property) {
				/* The one rule for persons' names: in full when visible at
				 * one of the places where the person holds these positions. */
				json_object_set_new(cur, "name",
				                    json_string(gz_people_name_shown(
				                        &r->arena, cur_clear, cur_name)));
				json_object_set_new(cur, "name_masked", json_boolean(!cur_clear));
				json_array_append(cross, cur);
			}
			json_decref(cur);
			cur = NULL;
			if (end)
				break;
			snprintf(cur_key, sizeof cur_key, "%s", gz_stmt_text(st, 0));
			has_party = has_property = cur_clear = false;
			cur_name = gz_arena_strdup(&r->arena, gz_stmt_text(st, 1));
			cur = json_pack("{s:n,s:o,s:[]}", "name", "phone", phone_json(st, 2),
			                "positions");
		}
		if (!cur_clear)
			cur_clear = gz_people_name_visible(gz_req_actor(r), gz_stmt_text(st, 7));
		int t = org_type_parse(gz_stmt_text(st, 6));
		if (t == ORG_COMMUNITY_PARTY)
			has_party = true;
		else
			has_property = true;
		json_array_append_new(
		    json_object_get(cur, "positions"),
		    json_pack("{s:o,s:s,s:s,s:s,s:s}", "org_id",
		              gz_api_id_json(gz_stmt_int64(st, 4)), "org_name", gz_stmt_text(st, 5),
		              "org_type", gz_stmt_text(st, 6), "org_type_label",
		              org_type_label((org_type)t), "position", gz_stmt_text(st, 3)));
	}
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;

	json_object_set_new(out, "node", json_string(node));
	json_object_set_new(out, "totals",
	                    json_pack("{s:i,s:I,s:I,s:i,s:i,s:i}", "grids", (int)ng,
	                              "reported_in_grids", (json_int_t)reported_in_grids,
	                              "reported_without_grid", (json_int_t)reported_no_grid,
	                              "grids_without_branch", (int)json_array_size(no_branch),
	                              "grids_without_reported_member",
	                              (int)json_array_size(no_member), "cross_role_people",
	                              (int)json_array_size(cross)));
	json_object_set_new(out, "truncated", json_boolean(truncated));
	gz_reply_json(r, 200, out);
	return;
fail:
	json_decref(out);
	gz_reply_err(r, &err);
}

/* ---------------------------------------------------------------- thin handlers */

/* The POST handlers: authenticate, parse the body, run the shared write (api/org.h). */
/* The network and its figures are assembled from several queries: one snapshot each. */
static void network(gz_req *r)
{
	gz_api_read(r, network_read);
}

static void figures(gz_req *r)
{
	gz_api_read(r, figures_read);
}

static void org_create(gz_req *r)
{
	gz_api_create(r, gz_org_create);
}

static void agreement_create(gz_req *r)
{
	gz_api_create(r, gz_coop_agreement_create);
}

static void party_create(gz_req *r)
{
	gz_api_create(r, gz_party_member_create);
}

static void org_member_add(gz_req *r)
{
	if (!gz_api_authenticated(r))
		return;
	gz_err err;
	gz_err_clear(&err);
	int64_t org_id = gz_api_parse_id(gz_req_param(r, "id"));
	json_t *in = NULL, *out = NULL;
	if (!org_id) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
	} else if ((in = gz_req_json(r, &err)) &&
	           gz_org_member_add(NULL, gz_req_actor(r), org_id, in, &out, &err) == 0) {
		json_decref(in);
		gz_reply_json(r, 201, out);
		return;
	}
	json_decref(in);
	gz_reply_err(r, &err);
}

const gz_module_route gz_org_routes[] = {
    {"POST", "/api/v1/organisations", org_create, 0, 0},
    {"GET", "/api/v1/organisations", org_list, 0, 0},
    {"GET", "/api/v1/organisations/tree", org_tree, 0, 0},
    {"GET", "/api/v1/organisations/{id}", org_get, 0, 0},
    {"POST", "/api/v1/organisations/{id}/members", org_member_add, 0, 0},
    {"POST", "/api/v1/coop-agreements", agreement_create, 0, 0},
    {"GET", "/api/v1/coop-agreements", agreement_list, 0, 0},
    {"POST", "/api/v1/party-members", party_create, 0, 0},
    {"GET", "/api/v1/party-members", party_list, 0, 0},
    {"GET", "/api/v1/network", network, 0, 0},
    {"GET", "/api/v1/network/figures", figures, 0, 0},
    {0},
};
