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

/* ---------------------------------------------------------------- organisations */

/* Columns ORG_COLS from col c on. */
json_t *org_json(gz_stmt *st, int c)
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
	gz_err err;
	gz_err_clear(&err);
	const char *space;
	int64_t parent;
	const char *type = gz_req_query(r, "type");
	if (gz_api_code_query(r, "space", GZ_API_AT_STREET | GZ_API_AT_COMMUNITY | GZ_API_AT_GRID,
	                      &space, &err) < 0 ||
	    gz_api_id_query(r, "parent", &parent, &err) < 0) {
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

/* A member as the actor may see them: the name by the one rule for persons
 * (gz_people_name_visible at the organisation's place; masked into A), the phone always
 * masked. */
json_t *org_member_json(const gz_actor *actor, gz_arena *A, gz_stmt *st, const org_serving *serving)
{
	bool serves = serving && org_serving_has(serving, gz_stmt_text(st, 10));
	bool clear = serves || gz_people_name_visible(actor, gz_stmt_text(st, 9));
	const char *full = serves ? org_phone_full(st, 4, A) : NULL;
	return json_pack(
	    "{s:o,s:o,s:o,s:s,s:b,s:o,s:s,s:b,s:o,s:o}", "id", gz_api_id_json(gz_stmt_int64(st, 0)),
	    "org_id", gz_api_id_json(gz_stmt_int64(st, 1)), "resident_id", gz_api_id_or_null(st, 2),
	    "name", gz_people_name_shown(A, clear, gz_stmt_text(st, 3)), "name_masked", !clear,
	    "phone", full ? json_string(full) : org_phone_json(st, 4), "position",
	    gz_stmt_text(st, 5), "is_contact", gz_stmt_int64(st, 6) != 0, "since",
	    gz_api_time_or_null(st, 7), "created_at", gz_api_time_json(gz_stmt_int64(st, 8)));
}

/* The organisation with its parent, building, members and contacts; NULL with err. */
static json_t *org_detail_in(const gz_actor *actor, gz_arena *A, gz_db *db, int64_t id,
                             policy_action need, gz_err *err);

/* The detail from one snapshot (joined when the caller holds one, as a create's answer
 * inside its transaction): the member list and member_count agree. */
json_t *org_detail(const gz_actor *actor, gz_arena *A, gz_db *db, int64_t id, policy_action need,
                   gz_err *err)
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

	org_serving serving;
	if (org_serving_load(actor, db, A, &serving, err) < 0)
		goto fail;
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
		json_t *m = org_member_json(actor, A, st, &serving);
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

/* GET /organisations/tree?node=: the vertical tree inside node for el-tree:
 * {"node", "tree": [{id, label, type, type_label, is_party_org, space_code, children}],
 *  "count", "truncated"}. An organisation whose parent lies outside node is a root. */
static void org_tree(gz_req *r)
{
	gz_db *db = NULL;
	const char *node = org_node_param(r, &db);
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

/* ---------------------------------------------------------------- thin handlers */

/* The POST handlers: authenticate, parse the body, run the shared write (org.h). */
static void org_create(gz_req *r)
{
	gz_api_create(r, gz_org_create);
}

static void org_member_add(gz_req *r)
{
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
    {0},
};
