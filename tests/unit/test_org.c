/* Unit tests for domain/org.c: organisation types and where they sit, the vertical
 * parent rules, 双报到 post types, agreement states, the unified social credit code,
 * and the network builder (nodes, edges, counts). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "modules/org/rules.h"

#include <stdio.h>
#include <string.h>

#define STREET    "110101001"
#define COMMUNITY "110101001001"
#define GRID      "110101001001001"
#define GRID2     "110101001001002"
#define OTHER_C   "110101001002"

/* ---------------------------------------------------------------- types */

static void test_org_types_parse_by_code_and_label(void **state)
{
	(void)state;
	assert_int_equal(org_type_parse("grid_party_branch"), ORG_GRID_BRANCH);
	assert_int_equal(org_type_parse("网格党支部"), ORG_GRID_BRANCH);
	assert_int_equal(org_type_parse("街道党工委"), ORG_STREET_PARTY);
	assert_int_equal(org_type_parse("业主委员会"), ORG_OWNERS_COMMITTEE);
	assert_int_equal(org_type_parse("物业管理委员会"), ORG_OWNERS_COMMITTEE);
	assert_int_equal(org_type_parse("业主委员会/物业管理委员会"), ORG_OWNERS_COMMITTEE);
	assert_int_equal(org_type_parse("共建单位"), ORG_COOP_UNIT);
	assert_int_equal(org_type_parse("党支部"), -1);
	assert_int_equal(org_type_parse(""), -1);
	assert_int_equal(org_type_parse(NULL), -1);
	for (int t = 0; t < ORG__COUNT; t++) {
		assert_int_equal(org_type_parse(org_type_code((org_type)t)), t);
		assert_int_equal(org_type_parse(org_type_label((org_type)t)), t);
	}
	assert_string_equal(org_type_code((org_type)ORG__COUNT), "");
	assert_null(org_type_get((org_type)-1));
}

static void test_org_party_line_is_the_four_party_types(void **state)
{
	(void)state;
	assert_true(org_is_party(ORG_STREET_PARTY));
	assert_true(org_is_party(ORG_COMMUNITY_PARTY));
	assert_true(org_is_party(ORG_GRID_BRANCH));
	assert_true(org_is_party(ORG_BUILDING_GROUP));
	assert_false(org_is_party(ORG_RESIDENTS_COMMITTEE));
	assert_false(org_is_party(ORG_COOP_UNIT));
	/* A unit hosting its own Party organisation may be a member's party_org. */
	assert_true(org_can_be_party_org(ORG_COOP_UNIT));
	assert_true(org_can_be_party_org(ORG_PROPERTY_COMPANY));
	assert_true(org_can_be_party_org(ORG_GRID_BRANCH));
	assert_false(org_can_be_party_org(ORG_RESIDENTS_COMMITTEE));
	assert_false(org_can_be_party_org(ORG_OWNERS_COMMITTEE));
}

static void test_org_place_levels_per_type(void **state)
{
	(void)state;
	gz_err e;
	gz_err_clear(&e);
	assert_int_equal(org_check_place(ORG_STREET_PARTY, STREET, false, &e), 0);
	assert_int_equal(org_check_place(ORG_COMMUNITY_PARTY, COMMUNITY, false, &e), 0);
	assert_int_equal(org_check_place(ORG_GRID_BRANCH, GRID, false, &e), 0);
	assert_int_equal(org_check_place(ORG_BUILDING_GROUP, GRID, true, &e), 0);
	assert_int_equal(org_check_place(ORG_COOP_UNIT, STREET, false, &e), 0);
	assert_int_equal(org_check_place(ORG_COOP_UNIT, GRID, false, &e), 0);

	assert_int_equal(org_check_place(ORG_GRID_BRANCH, COMMUNITY, false, &e), -1);
	assert_string_equal(e.code, "org_level");
	assert_non_null(strstr(e.message, "网格党支部"));
	assert_non_null(strstr(e.message, "15"));
	assert_int_equal(e.kind, GZ_EINVALID);
	assert_int_equal(org_check_place(ORG_COMMUNITY_PARTY, STREET, false, &e), -1);
	assert_int_equal(org_check_place(ORG_DEPARTMENT, GRID, false, &e), -1);
	assert_non_null(strstr(e.message, "街道"));
	assert_non_null(strstr(e.message, "社区"));
	assert_int_equal(org_check_place(ORG_STREET_PARTY, "1101", false, &e), -1);
	assert_int_equal(org_check_place(ORG_STREET_PARTY, NULL, false, NULL), -1);

	assert_int_equal(org_check_place(ORG_BUILDING_GROUP, GRID, false, &e), -1);
	assert_string_equal(e.code, "org_building_required");
	assert_int_equal(org_check_place(ORG_GRID_BRANCH, GRID, true, &e), -1);
	assert_string_equal(e.code, "org_building_unexpected");
}

static void test_org_parent_follows_the_party_line(void **state)
{
	(void)state;
	gz_err e;
	gz_err_clear(&e);
	assert_int_equal(org_check_parent(ORG_STREET_PARTY, STREET, -1, NULL, &e), 0);
	assert_int_equal(
	    org_check_parent(ORG_COMMUNITY_PARTY, COMMUNITY, ORG_STREET_PARTY, STREET, &e), 0);
	assert_int_equal(
	    org_check_parent(ORG_GRID_BRANCH, GRID, ORG_COMMUNITY_PARTY, COMMUNITY, &e), 0);
	assert_int_equal(org_check_parent(ORG_BUILDING_GROUP, GRID, ORG_GRID_BRANCH, GRID, &e), 0);
	/* Optional parents of the other actors. */
	assert_int_equal(org_check_parent(ORG_RESIDENTS_COMMITTEE, COMMUNITY, -1, NULL, &e), 0);
	assert_int_equal(org_check_parent(ORG_RESIDENTS_COMMITTEE, COMMUNITY, ORG_COMMUNITY_PARTY,
	                                  COMMUNITY, &e),
	                 0);
	assert_int_equal(
	    org_check_parent(ORG_OWNERS_COMMITTEE, GRID, ORG_RESIDENTS_COMMITTEE, COMMUNITY, &e),
	    0);
}

static void test_org_grid_branch_under_street_committee_is_refused(void **state)
{
	(void)state;
	gz_err e;
	gz_err_clear(&e);
	assert_int_equal(org_check_parent(ORG_GRID_BRANCH, GRID, ORG_STREET_PARTY, STREET, &e), -1);
	assert_string_equal(e.code, "org_parent_type");
	assert_non_null(strstr(e.message, "社区党委"));
	assert_int_equal(
	    org_check_parent(ORG_BUILDING_GROUP, GRID, ORG_COMMUNITY_PARTY, COMMUNITY, &e), -1);
	assert_string_equal(e.code, "org_parent_type");
	assert_int_equal(
	    org_check_parent(ORG_COMMUNITY_PARTY, COMMUNITY, ORG_COMMUNITY_PARTY, COMMUNITY, &e),
	    -1);
	assert_int_equal(org_check_parent(ORG_COMMUNITY_PARTY, COMMUNITY, 99, STREET, &e), -1);
}

static void test_org_required_and_forbidden_parents(void **state)
{
	(void)state;
	gz_err e;
	gz_err_clear(&e);
	assert_int_equal(org_check_parent(ORG_GRID_BRANCH, GRID, -1, NULL, &e), -1);
	assert_string_equal(e.code, "org_parent_required");
	assert_non_null(strstr(e.message, "社区党委"));
	assert_int_equal(org_check_parent(ORG_COMMUNITY_PARTY, COMMUNITY, -1, NULL, &e), -1);
	assert_int_equal(org_check_parent(ORG_STREET_PARTY, STREET, ORG_STREET_PARTY, STREET, &e),
	                 -1);
	assert_string_equal(e.code, "org_parent_none");
	assert_int_equal(
	    org_check_parent(ORG_COOP_UNIT, COMMUNITY, ORG_COMMUNITY_PARTY, COMMUNITY, &e), -1);
	assert_string_equal(e.code, "org_parent_none");
}

static void test_org_parent_must_cover_the_child_place(void **state)
{
	(void)state;
	gz_err e;
	gz_err_clear(&e);
	/* A 社区党委 of another community. */
	assert_int_equal(org_check_parent(ORG_GRID_BRANCH, GRID, ORG_COMMUNITY_PARTY, OTHER_C, &e),
	                 -1);
	assert_string_equal(e.code, "org_parent_place");
	/* A 网格党支部 of the neighbouring grid. */
	assert_int_equal(org_check_parent(ORG_BUILDING_GROUP, GRID, ORG_GRID_BRANCH, GRID2, &e),
	                 -1);
	assert_string_equal(e.code, "org_parent_place");
	/* A street committee of another street. */
	assert_int_equal(
	    org_check_parent(ORG_COMMUNITY_PARTY, COMMUNITY, ORG_STREET_PARTY, "110101002", &e),
	    -1);
	assert_int_equal(org_check_parent(ORG_COMMUNITY_PARTY, COMMUNITY, ORG_STREET_PARTY, "", &e),
	                 -1);
}

/* ---------------------------------------------------------------- posts, agreements */

static void test_org_post_types_are_the_eight_of_dual_reporting(void **state)
{
	(void)state;
	static const char *const labels[] = {"组织建设", "法律", "助困就业", "社区治理",
	                                     "健康医疗", "文体", "治安巡逻", "其他"};
	assert_int_equal(ORG_POST__COUNT, 8);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(org_post_parse(labels[i]), i);
		assert_string_equal(org_post_label((org_post_type)i), labels[i]);
		assert_int_equal(org_post_parse(org_post_code((org_post_type)i)), i);
	}
	assert_int_equal(org_post_parse("patrol"), ORG_POST_PATROL);
	assert_int_equal(org_post_parse("巡逻"), -1);
	assert_int_equal(org_post_parse(NULL), -1);
	assert_string_equal(org_post_label((org_post_type)8), "");
}

static void test_org_agreement_in_force_needs_active_and_period(void **state)
{
	(void)state;
	assert_int_equal(org_agreement_status_parse("active"), ORG_AGREEMENT_ACTIVE);
	assert_int_equal(org_agreement_status_parse("履行中"), ORG_AGREEMENT_ACTIVE);
	assert_int_equal(org_agreement_status_parse("已终止"), ORG_AGREEMENT_TERMINATED);
	assert_int_equal(org_agreement_status_parse("expired"), -1);
	assert_true(org_agreement_in_force(ORG_AGREEMENT_ACTIVE, 100, 200, 100));
	assert_true(org_agreement_in_force(ORG_AGREEMENT_ACTIVE, 100, 200, 200));
	assert_false(org_agreement_in_force(ORG_AGREEMENT_ACTIVE, 100, 200, 99));
	assert_false(org_agreement_in_force(ORG_AGREEMENT_ACTIVE, 100, 200, 201));
	assert_false(org_agreement_in_force(ORG_AGREEMENT_DRAFT, 100, 200, 150));
	assert_false(org_agreement_in_force(ORG_AGREEMENT_TERMINATED, 100, 200, 150));
}

/* ---------------------------------------------------------------- credit code */

/* The check character computed independently of org.c. */
static char credit_check(const char *first17)
{
	static const char cs[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	int w = 1, sum = 0;
	for (int i = 0; i < 17; i++) {
		sum += (int)(strchr(cs, first17[i]) - cs) * w;
		w = w * 3 % 31;
	}
	return cs[(31 - sum % 31) % 31];
}

static void test_org_credit_code_checksum(void **state)
{
	(void)state;
	char out[19];
	gz_err e;
	gz_err_clear(&e);
	/* Published examples of valid codes. */
	assert_int_equal(org_credit_code_check("91350100M000100Y43", out, &e), 0);
	assert_string_equal(out, "91350100M000100Y43");
	assert_int_equal(org_credit_code_check("91110000802100433B", out, &e), 0);
	/* Lower case is normalised. */
	assert_int_equal(org_credit_code_check("91350100m000100y43", out, &e), 0);
	assert_string_equal(out, "91350100M000100Y43");
	/* Built here: every prefix gets the check character the independent code says. */
	char code[19] = "12110105MB0123456";
	code[17] = credit_check(code);
	code[18] = '\0';
	assert_int_equal(org_credit_code_check(code, out, &e), 0);
	/* A wrong check character. */
	code[17] = code[17] == '0' ? '1' : '0';
	assert_int_equal(org_credit_code_check(code, out, &e), -1);
	assert_string_equal(e.code, "credit_checksum");
	assert_int_equal(org_credit_code_check("91350100M000100Y4", out, &e), -1);
	assert_string_equal(e.code, "credit_length");
	/* I, O, S, V, Z are not used. */
	assert_int_equal(org_credit_code_check("91350100I000100Y43", out, &e), -1);
	assert_string_equal(e.code, "credit_chars");
	assert_int_equal(org_credit_code_check(NULL, out, NULL), -1);
}

/* ---------------------------------------------------------------- network */

static const org_net_node *node_by_id(const org_net *n, const char *id)
{
	for (size_t i = 0; i < n->nnodes; i++)
		if (!strcmp(n->nodes[i].id, id))
			return &n->nodes[i];
	return NULL;
}

/* The value of the edge kind from -> to (node ids), or -1 if there is none. */
static int64_t edge(const org_net *n, org_edge_kind kind, const char *from, const char *to)
{
	for (size_t i = 0; i < n->nedges; i++) {
		const org_net_edge *e = &n->edges[i];
		if (e->kind == kind && !strcmp(n->nodes[e->source].id, from) &&
		    !strcmp(n->nodes[e->target].id, to))
			return e->value;
	}
	return -1;
}

/* 街道党工委 1 → 社区党委 2 → 网格党支部 3 → 楼栋党小组 4; 居委会 5 (under 2), 物业 6
 * (no parent, grid), 业委会 7 (no parent, community); 共建单位 8 outside (external);
 * another community's branch-less 社区 (OTHER_C) gets a community node. */
static const org_net_org ORGS[] = {
    {1, ORG_STREET_PARTY, "东华门街道党工委", STREET, 0, false},
    {2, ORG_COMMUNITY_PARTY, "多福巷社区党委", COMMUNITY, 1, false},
    {3, ORG_GRID_BRANCH, "第一网格党支部", GRID, 2, false},
    {4, ORG_BUILDING_GROUP, "1号楼党小组", GRID, 3, false},
    {5, ORG_RESIDENTS_COMMITTEE, "多福巷居委会", COMMUNITY, 2, false},
    {6, ORG_PROPERTY_COMPANY, "红星物业", GRID, 0, false},
    {7, ORG_OWNERS_COMMITTEE, "多福巷业委会", COMMUNITY, 0, false},
    {8, ORG_COOP_UNIT, "区医院", "110101002", 0, true},
};

static void test_org_network_vertical_and_horizontal_edges(void **state)
{
	(void)state;
	org_net_input in = {.orgs = ORGS, .norgs = 8};
	org_net n;
	gz_err e;
	gz_err_clear(&e);
	assert_int_equal(org_network_build(&in, &n, &e), 0);
	assert_int_equal(n.nnodes, 8);
	assert_int_equal(edge(&n, ORG_EDGE_VERTICAL, "o2", "o1"), 1);
	assert_int_equal(edge(&n, ORG_EDGE_VERTICAL, "o3", "o2"), 1);
	assert_int_equal(edge(&n, ORG_EDGE_VERTICAL, "o4", "o3"), 1);
	assert_int_equal(edge(&n, ORG_EDGE_VERTICAL, "o5", "o2"), 1);
	/* 党建引领: a parentless property company in a grid → that grid's branch; the
	 * owners' committee of the community → the 社区党委. */
	assert_int_equal(edge(&n, ORG_EDGE_HORIZONTAL, "o6", "o3"), 1);
	assert_int_equal(edge(&n, ORG_EDGE_HORIZONTAL, "o7", "o2"), 1);
	/* The external unit with no agreement has no edge; the street committee none. */
	assert_int_equal(edge(&n, ORG_EDGE_HORIZONTAL, "o8", "o2"), -1);
	assert_int_equal(n.nedges, 6);
	assert_int_equal(n.counts.organisations, 7);
	assert_int_equal(n.counts.by_type[ORG_GRID_BRANCH], 1);
	assert_int_equal(n.counts.by_type[ORG_COOP_UNIT], 0);
	assert_true(node_by_id(&n, "o8")->external);
	assert_int_equal(node_by_id(&n, "o3")->category, ORG_GRID_BRANCH);
	org_network_free(&n);
	assert_null(n.nodes);
}

static void test_org_network_cross_roles_become_membership_edges(void **state)
{
	(void)state;
	/* 张 is secretary of the 社区党委 and in the property company and owners'
	 * committee (交叉任职); 李 sits twice in the committee (two positions) and once in
	 * the property company; 王 only in the committee. */
	const org_net_member ms[] = {
	    {2, "r:1"},  {6, "r:1"},  {7, "r:1"},  {2, "p:aa"},
	    {2, "p:aa"}, {6, "p:aa"}, {2, "n:王"}, {99, "r:1"}, /* unknown organisation: ignored */
	};
	org_net_input in = {.orgs = ORGS, .norgs = 8, .members = ms, .nmembers = 8};
	org_net n;
	assert_int_equal(org_network_build(&in, &n, NULL), 0);
	assert_int_equal(edge(&n, ORG_EDGE_MEMBERSHIP, "o2", "o6"), 2);
	assert_int_equal(edge(&n, ORG_EDGE_MEMBERSHIP, "o2", "o7"), 1);
	assert_int_equal(edge(&n, ORG_EDGE_MEMBERSHIP, "o6", "o7"), 1);
	assert_int_equal(edge(&n, ORG_EDGE_MEMBERSHIP, "o6", "o2"), -1); /* one direction */
	assert_int_equal(node_by_id(&n, "o2")->members, 3);              /* persons, not rows */
	assert_int_equal(node_by_id(&n, "o6")->members, 2);
	assert_int_equal(node_by_id(&n, "o2")->value, 3);
	assert_int_equal(n.counts.members, 6);
	assert_int_equal(n.counts.people, 3);
	assert_int_equal(n.counts.cross_role_people, 2);
	org_network_free(&n);
}

static void test_org_network_dual_report_and_coop_edges(void **state)
{
	(void)state;
	const org_net_party ps[] = {
	    /* 5 members of the grid branch, reported to their own community. */
	    {3, 0, COMMUNITY, 5},
	    /* 3 in-service members of the hospital reported here. */
	    {8, 8, COMMUNITY, 3},
	    /* 2 of the branch reported to another community (no 社区党委 there). */
	    {3, 0, OTHER_C, 2},
	    /* 4 not reported. */
	    {3, 0, NULL, 4},
	    /* 1 whose employer is the property company. */
	    {2, 6, COMMUNITY, 1},
	};
	const org_net_agreement as[] = {
	    {8, COMMUNITY, true, 3},
	    {8, COMMUNITY, true, 1},
	    {8, OTHER_C, false, 2},
	};
	const org_net_community cs[] = {{OTHER_C, "南池子社区"}};
	org_net_input in = {.orgs = ORGS,
	                    .norgs = 8,
	                    .party = ps,
	                    .nparty = 5,
	                    .agreements = as,
	                    .nagreements = 3,
	                    .communities = cs,
	                    .ncommunities = 1};
	org_net n;
	assert_int_equal(org_network_build(&in, &n, NULL), 0);
	assert_int_equal(edge(&n, ORG_EDGE_DUAL_REPORT, "o3", "o2"), 5);
	assert_int_equal(edge(&n, ORG_EDGE_DUAL_REPORT, "o8", "o2"), 3);
	assert_int_equal(edge(&n, ORG_EDGE_DUAL_REPORT, "o6", "o2"), 1);
	/* A community node for the community without a 社区党委, named from the input. */
	const org_net_node *c = node_by_id(&n, "c" OTHER_C);
	assert_non_null(c);
	assert_string_equal(c->name, "南池子社区");
	assert_int_equal(c->category, ORG_NET_CAT_COMMUNITY);
	assert_int_equal(c->reported, 2);
	assert_int_equal(c->value, 2);
	assert_int_equal(edge(&n, ORG_EDGE_DUAL_REPORT, "o3", "c" OTHER_C), 2);
	/* Counts on nodes. */
	assert_int_equal(node_by_id(&n, "o3")->party_members, 11);
	assert_int_equal(node_by_id(&n, "o2")->reported, 9);
	assert_int_equal(node_by_id(&n, "o8")->party_members, 3);
	/* Co-building: in-force agreements only, summed on one edge. */
	assert_int_equal(edge(&n, ORG_EDGE_HORIZONTAL, "o8", "o2"), 2);
	assert_int_equal(edge(&n, ORG_EDGE_HORIZONTAL, "o8", "c" OTHER_C), -1);
	assert_int_equal(node_by_id(&n, "o8")->agreements, 2);
	assert_int_equal(node_by_id(&n, "o2")->agreements, 2);
	assert_int_equal(n.counts.party_members, 15);
	assert_int_equal(n.counts.reported, 11);
	assert_int_equal(n.counts.coop_agreements, 3);
	assert_int_equal(n.counts.coop_in_force, 2);
	assert_int_equal(n.counts.coop_units, 1);
	assert_int_equal(n.counts.commitments, 4);
	/* Edges are sorted by kind. */
	for (size_t i = 1; i < n.nedges; i++)
		assert_true(n.edges[i - 1].kind <= n.edges[i].kind);
	org_network_free(&n);
}

static void test_org_network_community_node_without_name_uses_code(void **state)
{
	(void)state;
	const org_net_org orgs[] = {{3, ORG_GRID_BRANCH, "支部", GRID, 0, false}};
	const org_net_party ps[] = {{3, 0, COMMUNITY, 1}};
	org_net_input in = {.orgs = orgs, .norgs = 1, .party = ps, .nparty = 1};
	org_net n;
	assert_int_equal(org_network_build(&in, &n, NULL), 0);
	assert_int_equal(n.nnodes, 2);
	assert_string_equal(n.nodes[1].name, COMMUNITY);
	assert_string_equal(n.nodes[1].id, "c" COMMUNITY);
	assert_int_equal(edge(&n, ORG_EDGE_DUAL_REPORT, "o3", "c" COMMUNITY), 1);
	org_network_free(&n);
}

static void test_org_network_duplicate_ids_and_self_edges_are_dropped(void **state)
{
	(void)state;
	const org_net_org orgs[] = {
	    {2, ORG_COMMUNITY_PARTY, "社区党委", COMMUNITY, 0, false},
	    {2, ORG_COMMUNITY_PARTY, "重复", COMMUNITY, 0, false},
	    {9, ORG_COOP_UNIT, "单位", COMMUNITY, 9, false}, /* its own parent: no edge */
	};
	const org_net_party ps[] = {{2, 0, COMMUNITY, 4}}; /* reported to itself: no edge */
	org_net_input in = {.orgs = orgs, .norgs = 3, .party = ps, .nparty = 1};
	org_net n;
	assert_int_equal(org_network_build(&in, &n, NULL), 0);
	assert_int_equal(n.nnodes, 2);
	assert_string_equal(n.nodes[0].name, "社区党委");
	assert_string_equal(n.nodes[1].id, "o9");
	assert_int_equal(n.nedges, 0);
	assert_int_equal(n.nodes[0].reported, 4);
	assert_int_equal(n.counts.organisations, 2);
	org_network_free(&n);
}

static void test_org_network_empty_and_malformed_input(void **state)
{
	(void)state;
	org_net_input in = {0};
	org_net n;
	assert_int_equal(org_network_build(&in, &n, NULL), 0);
	assert_int_equal(n.nnodes, 0);
	assert_int_equal(n.nedges, 0);
	org_network_free(&n);

	gz_err e;
	gz_err_clear(&e);
	const org_net_org bad[] = {{0, ORG_COOP_UNIT, "x", COMMUNITY, 0, false}};
	in.orgs = bad;
	in.norgs = 1;
	assert_int_equal(org_network_build(&in, &n, &e), -1);
	assert_string_equal(e.code, "org_net_input");
	const org_net_org bad_type[] = {{1, 42, "x", COMMUNITY, 0, false}};
	in.orgs = bad_type;
	assert_int_equal(org_network_build(&in, &n, &e), -1);
	const org_net_member m[] = {{1, NULL}};
	in.orgs = ORGS;
	in.norgs = 8;
	in.members = m;
	in.nmembers = 1;
	assert_int_equal(org_network_build(&in, &n, &e), -1);
	assert_null(n.nodes);
	assert_string_equal(org_edge_kind_name(ORG_EDGE_DUAL_REPORT), "dual_report");
	assert_string_equal(org_edge_kind_name(ORG_EDGE_VERTICAL), "vertical");
}

/* Many organisations and members: the builder stays correct at size (a street). */
static void test_org_network_scales_to_a_street(void **state)
{
	(void)state;
	enum { N = 600, M = 6000 };
	static org_net_org orgs[N];
	static org_net_member ms[M];
	static char names[N][16], keys[M][16];
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof names[i], "o%d", i);
		orgs[i] = (org_net_org){i + 1,    i == 0 ? ORG_COMMUNITY_PARTY : ORG_SOCIAL_ORG,
		                        names[i], COMMUNITY,
		                        0,        false};
	}
	for (int j = 0; j < M; j++) {
		/* Person p = j % 3000 is in organisations 7p mod N and 7p + 1 mod N. */
		snprintf(keys[j], sizeof keys[j], "r:%d", j % 3000);
		ms[j] = (org_net_member){(j % 3000 * 7 + j / 3000) % N + 1, keys[j]};
	}
	org_net_input in = {.orgs = orgs, .norgs = N, .members = ms, .nmembers = M};
	org_net n;
	assert_int_equal(org_network_build(&in, &n, NULL), 0);
	assert_int_equal(n.counts.people, 3000);
	assert_int_equal(n.counts.organisations, N);
	/* Every social organisation leads to the committee (党建引领). */
	int64_t lead = 0, members = 0;
	for (size_t i = 0; i < n.nedges; i++) {
		if (n.edges[i].kind == ORG_EDGE_HORIZONTAL)
			lead++;
		if (n.edges[i].kind == ORG_EDGE_MEMBERSHIP)
			members += n.edges[i].value;
	}
	assert_int_equal(lead, N - 1);
	assert_int_equal(n.counts.cross_role_people, 3000);
	assert_int_equal(members, 3000); /* one pair per person */
	org_network_free(&n);
}

static void test_org_serving_position_is_the_party_line_secretary_of_a_grid_or_community(void **state)
{
	(void)state;
	assert_true(org_serving_position(ORG_GRID_BRANCH, "书记"));
	assert_true(org_serving_position(ORG_GRID_BRANCH, "副书记"));
	assert_true(org_serving_position(ORG_COMMUNITY_PARTY, "书记"));
	assert_false(org_serving_position(ORG_GRID_BRANCH, "组织委员"));
	assert_false(org_serving_position(ORG_BUILDING_GROUP, "组长"));
	assert_false(org_serving_position(ORG_STREET_PARTY, "书记"));
	assert_false(org_serving_position(ORG_RESIDENTS_COMMITTEE, "书记"));
	assert_false(org_serving_position(ORG_GRID_BRANCH, "书记助理"));
	assert_false(org_serving_position(ORG_GRID_BRANCH, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_org_types_parse_by_code_and_label),
	    cmocka_unit_test(test_org_party_line_is_the_four_party_types),
	    cmocka_unit_test(test_org_place_levels_per_type),
	    cmocka_unit_test(test_org_parent_follows_the_party_line),
	    cmocka_unit_test(test_org_grid_branch_under_street_committee_is_refused),
	    cmocka_unit_test(test_org_required_and_forbidden_parents),
	    cmocka_unit_test(test_org_parent_must_cover_the_child_place),
	    cmocka_unit_test(test_org_post_types_are_the_eight_of_dual_reporting),
	    cmocka_unit_test(test_org_agreement_in_force_needs_active_and_period),
	    cmocka_unit_test(test_org_credit_code_checksum),
	    cmocka_unit_test(test_org_network_vertical_and_horizontal_edges),
	    cmocka_unit_test(test_org_network_cross_roles_become_membership_edges),
	    cmocka_unit_test(test_org_network_dual_report_and_coop_edges),
	    cmocka_unit_test(test_org_network_community_node_without_name_uses_code),
	    cmocka_unit_test(test_org_network_duplicate_ids_and_self_edges_are_dropped),
	    cmocka_unit_test(test_org_network_empty_and_malformed_input),
	    cmocka_unit_test(test_org_network_scales_to_a_street),
	    cmocka_unit_test(test_org_serving_position_is_the_party_line_secretary_of_a_grid_or_community),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
