/* Party members and 双报到 (reporting to the community where they live): the list, and
 * the shared create (org.h) with its handler. */
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

/* ---------------------------------------------------------------- Party members */

#define PARTY_COLS                                                                                 \
	"p.id, p.resident_id, p.name, p.party_org_id, po.name, po.type, "                          \
	"p.reported_community_code, "                                                              \
	"p.reported_grid_code, p.post_type, p.employer_org_id, eo.name, eo.type, p.reported_at, "  \
	"p.created_at, p.updated_at, p.org_scope, p.report_scope"

#define PARTY_FROM                                                                                 \
	" FROM party_members p JOIN organisations po ON po.id = p.party_org_id "                   \
	"LEFT JOIN organisations eo ON eo.id = p.employer_org_id "

static json_t *party_json(const gz_actor *actor, gz_arena *A, gz_stmt *st,
                          const org_serving *serving)
{
	/* The one rule for persons' names, at either of the record's places; a Party
	 * secretary serving the viewer by name, as in the organisation's members. */
	char key[32] = "";
	if (!gz_stmt_isnull(st, 1))
		snprintf(key, sizeof key, "r:%lld", (long long)gz_stmt_int64(st, 1));
	bool clear =
	    gz_people_name_visible(actor, gz_stmt_text(st, 15)) ||
	    (!gz_stmt_isnull(st, 16) && gz_people_name_visible(actor, gz_stmt_text(st, 16))) ||
	    (key[0] && org_serving_has(serving, key));
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

static json_t *party_row(gz_req *r, gz_stmt *st, int64_t *key, void *serving)
{
	*key = gz_stmt_int64(st, 0);
	return party_json(gz_req_actor(r), &r->arena, st, serving);
}

static void party_list(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const char *community, *grid, *post = gz_req_query(r, "post_type"),
	                              *reported = gz_req_query(r, "reported");
	int64_t party_org, rep = -1;
	if (gz_api_code_query(r, "community", GZ_API_AT_COMMUNITY, &community, &err) < 0 ||
	    gz_api_code_query(r, "grid", GZ_API_AT_GRID, &grid, &err) < 0 ||
	    gz_api_id_query(r, "party_org", &party_org, &err) < 0) {
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
	org_serving serving;
	gz_db *db = gz_req_db(r, &err);
	if (!db || org_serving_load(gz_req_actor(r), db, &r->arena, &serving, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
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
	           .row_ctx = party_row,
	           .ctx = &serving});
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
	gz_api_id_field(in, "resident_id", GZ_OPTIONAL, &resident, &err);
	gz_api_str_field(in, "name", resident ? GZ_OPTIONAL : GZ_REQUIRED, 1, ORG_NAME_MAX, &name,
	                 &err);
	gz_api_id_field(in, "party_org_id", GZ_REQUIRED, &party_org, &err);
	gz_api_id_field(in, "employer_org_id", GZ_OPTIONAL, &employer, &err);
	gz_api_code_field(in, "reported_community_code", GZ_OPTIONAL, ORG_AT_COMMUNITY, &community,
	                  &err);
	gz_api_code_field(in, "reported_grid_code", GZ_OPTIONAL, ORG_AT_GRID, &grid, &err);
	if (gz_api_str_field(in, "post_type", GZ_OPTIONAL, 1, 32, &post_s, &err) == 0 && post_s &&
	    (post = org_post_parse(post_s)) < 0)
		gz_err_field(&err, "post_type",
		             "应为 组织建设、法律、助困就业、社区治理、健康医疗、文体、"
		             "治安巡逻、其他 之一（或其代码）");
	gz_api_time_field(in, "reported_at", GZ_OPTIONAL, &reported_at, &has_reported_at, &err);
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
	} else if (!post_s && !gz_api_has_field(&err, "post_type"))
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
		if ((rc = gz_space_node_exists(db, community, &err)) < 0)
			goto rollback;
		if (!rc)
			gz_err_field(&err, "reported_community_code", "社区不存在");
		if (grid) {
			if ((rc = gz_space_node_exists(db, grid, &err)) < 0)
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
		if (!*rgrid || !org_can(actor, ACT_READ, rgrid))
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
		out = party_json(actor, A, st, NULL);
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

static void party_create(gz_req *r)
{
	gz_api_create(r, gz_party_member_create);
}

const gz_module_route gz_org_party_routes[] = {
    {"POST", "/api/v1/party-members", party_create, 0, 0},
    {"GET", "/api/v1/party-members", party_list, 0, 0},
    {0},
};
