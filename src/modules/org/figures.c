/* GET /network/figures: the figures of the organisation network per grid (coverage,
 * 双报到, 交叉任职), assembled from several queries in one snapshot. */
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
	gz_db *db = NULL;
	const char *node = org_node_param(r, &db);
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
	/* A secretary serving the viewer is named here as everywhere (org_serving). */
	org_serving serving;
	if (org_serving_load(gz_req_actor(r), db, &r->arena, &serving, &err) < 0)
		goto fail;
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
			cur = json_pack("{s:n,s:o,s:[]}", "name", "phone", org_phone_json(st, 2),
			                "positions");
		}
		if (!cur_clear)
			cur_clear = gz_people_name_visible(gz_req_actor(r), gz_stmt_text(st, 7)) ||
			            org_serving_has(&serving, gz_stmt_text(st, 0));
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

/* Assembled from several queries: one snapshot. */
static void figures(gz_req *r)
{
	gz_api_read(r, figures_read);
}

const gz_module_route gz_org_figures_routes[] = {
    {"GET", "/api/v1/network/figures", figures, 0, 0},
    {0},
};
