/* Co-building agreements (共建协议) between a unit and a community, with their
 * commitments: the list, and the shared create (org.h) with its handler. */
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
	gz_err err;
	gz_err_clear(&err);
	const char *community;
	int64_t unit;
	const char *status = gz_req_query(r, "status");
	if (gz_api_code_query(r, "community", GZ_API_AT_STREET | GZ_API_AT_COMMUNITY, &community,
	                      &err) < 0 ||
	    gz_api_id_query(r, "unit", &unit, &err) < 0) {
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
	gz_api_id_field(in, "unit_org_id", GZ_REQUIRED, &unit, &err);
	gz_api_code_field(in, "community_code", GZ_REQUIRED, ORG_AT_COMMUNITY, &community, &err);
	gz_api_str_field(in, "title", GZ_REQUIRED, 1, ORG_TITLE_MAX, &title, &err);
	gz_api_time_field(in, "start_at", GZ_REQUIRED, &start, &has_start, &err);
	gz_api_time_field(in, "end_at", GZ_REQUIRED, &end, &has_end, &err);
	if (has_start && has_end && end < start)
		gz_err_field(&err, "end_at", "不能早于 start_at");
	if (gz_api_str_field(in, "status", GZ_OPTIONAL, 1, 32, &status_s, &err) == 0 && status_s &&
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
				gz_api_str_field(c, "item", GZ_REQUIRED, 1, ORG_ITEM_MAX,
				                 &cs[i].item, &e);
				gz_json_int(c, "quantity", GZ_REQUIRED, 0, ORG_QUANTITY_MAX,
				            &cs[i].quantity, &e);
				gz_api_str_field(c, "unit", GZ_REQUIRED, 1, ORG_UNIT_MAX,
				                 &cs[i].unit, &e);
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
	int rc = gz_space_node_exists(db, community, &err);
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

static void agreement_create(gz_req *r)
{
	gz_api_create(r, gz_coop_agreement_create);
}

const gz_module_route gz_org_agreement_routes[] = {
    {"POST", "/api/v1/coop-agreements", agreement_create, 0, 0},
    {"GET", "/api/v1/coop-agreements", agreement_list, 0, 0},
    {0},
};
