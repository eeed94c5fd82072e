/* GET /network: the organisation network inside a node as a graph (organisations,
 * members, Party members, agreements), assembled from several queries in one snapshot
 * and laid out by the pure builder of rules.h. */
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
	gz_err err;
	gz_err_clear(&err);
	int limit;
	if (net_limit(r, &limit, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	gz_db *db = NULL;
	const char *node = org_node_param(r, &db);
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

/* Assembled from several queries: one snapshot. */
static void network(gz_req *r)
{
	gz_api_read(r, network_read);
}

const gz_module_route gz_org_network_routes[] = {
    {"GET", "/api/v1/network", network, 0, 0},
    {0},
};
