/* The organisation network of 一核多元 (SPEC §1): organisation types and where they sit,
 * the vertical parent rules, 双报到 post types, co-building agreement states, the unified
 * social credit code, and the network builder that turns plain arrays into an ECharts
 * graph. Pure: no I/O, no clock (callers pass now_ms), no floating point.
 * docs/ORG.md is the long form of every rule here.
 *
 * Errors: checks return 0, or -1 with *err (may be NULL) set to kind GZ_EINVALID, a
 * snake_case code and a Chinese reason in err->message. They add no gz_err_field: the
 * caller knows the field name ("parent_id", "commitments[2].unit") and attaches
 * err->message to it. */
#ifndef GZ_DOMAIN_ORG_H
#define GZ_DOMAIN_ORG_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ types */

typedef enum {
	ORG_STREET_PARTY = 0,    /* street_party_committee     街道党工委 */
	ORG_COMMUNITY_PARTY,     /* community_party_committee  社区党委 */
	ORG_GRID_BRANCH,         /* grid_party_branch          网格党支部 */
	ORG_BUILDING_GROUP,      /* building_party_group       楼栋党小组 */
	ORG_RESIDENTS_COMMITTEE, /* residents_committee        居委会 */
	ORG_PROPERTY_COMPANY,    /* property_company           物业服务企业 */
	ORG_OWNERS_COMMITTEE, /* owners_committee           业主委员会/物业管理委员会 */
	ORG_SOCIAL_ORG,       /* social_org                 社会组织 */
	ORG_COOP_UNIT,        /* coop_unit                  共建单位 */
	ORG_DEPARTMENT,       /* department                 职能部门 */
	ORG__COUNT
} org_type;

/* Levels of the space tree an organisation may serve (bit flags). */
enum { ORG_AT_STREET = 1, ORG_AT_COMMUNITY = 2, ORG_AT_GRID = 4 };

typedef struct {
	const char *code;  /* stable ASCII code stored in the database */
	const char *label; /* Chinese label */
	bool party;        /* a Party organisation of the community line (党组织) */
	bool hosts_party;  /* a unit whose own Party organisation members may belong to
	                      (共建单位, 职能部门, 物业服务企业, 社会组织): may be a Party
	                      member's party_org */
	unsigned levels;   /* ORG_AT_* where it may sit */
	bool building;     /* sits in a building (楼栋党小组): building_id required */
	bool parent_required;
	unsigned parents; /* bit (1u << type) for each allowed parent type; 0 = none */
} org_type_info;

/* The table entry of t, or NULL if t is out of range. */
const org_type_info *org_type_get(org_type t);

/* Parse a type by code ("grid_party_branch") or label ("网格党支部"; also the two
 * halves "业主委员会" / "物业管理委员会"). Returns the type, or -1. */
int org_type_parse(const char *code_or_label);

/* Is position in an organisation of type t a post that serves the residents of its place
 * and is posted to them by name and phone (docs/SECURITY.md, "Staff serving a resident")?
 * The secretary and deputy secretary (书记, 副书记) of a grid's Party branch or a
 * community's Party committee; every other post, and every other type, no. */
bool org_serving_position(org_type t, const char *position);

/* "grid_party_branch", ...; "" when out of range. */
const char *org_type_code(org_type t);
const char *org_type_label(org_type t);

/* True for the four types of the community Party line. */
bool org_is_party(org_type t);

/* May an organisation of type t be the Party organisation (party_org_id) of a
 * registered Party member? The Party line and the units that host a Party
 * organisation of their own (hosts_party). */
bool org_can_be_party_org(org_type t);

/* Checks that an organisation of type t may serve the space node `space_code` (a
 * 9/12/15-digit code; the digits themselves are checked by domain/space.h) and that a
 * building is given exactly when the type needs one. Codes: org_level ("网格党支部应设在
 * 网格（15 位编码）"), org_building_required, org_building_unexpected. */
int org_check_place(org_type t, const char *space_code, bool has_building, gz_err *err);

/* Checks the vertical line: may a `child` at child_space have a parent of type
 * parent_type at parent_space? parent_type -1 means no parent. Rules:
 *   - the parent's type is one of the child's allowed parent types
 *     (code org_parent_type: "网格党支部的上级应为 社区党委");
 *   - a type whose parent is required has one (org_parent_required);
 *   - a type without parents (街道党工委, 共建单位, 职能部门) has none (org_parent_none);
 *   - the parent serves the child's place or a place containing it: its space code is a
 *     prefix of the child's (org_parent_place: "上级组织应覆盖本组织所在的…").
 * Returns 0 or -1. */
int org_check_parent(org_type child, const char *child_space, int parent_type,
                     const char *parent_space, gz_err *err);

/* ------------------------------------------------------- 双报到 post types */

typedef enum {
	ORG_POST_ORGANISATION = 0, /* organisation    组织建设 */
	ORG_POST_LEGAL,            /* legal           法律 */
	ORG_POST_EMPLOYMENT_AID,   /* employment_aid  助困就业 */
	ORG_POST_GOVERNANCE,       /* governance      社区治理 */
	ORG_POST_HEALTH,           /* health          健康医疗 */
	ORG_POST_CULTURE_SPORTS,   /* culture_sports  文体 */
	ORG_POST_PATROL,           /* patrol          治安巡逻 */
	ORG_POST_OTHER,            /* other           其他 */
	ORG_POST__COUNT
} org_post_type;

/* By code or label; -1 if unknown. */
int org_post_parse(const char *code_or_label);
const char *org_post_code(org_post_type p);
const char *org_post_label(org_post_type p);

/* ------------------------------------------------- co-building agreements */

typedef enum {
	ORG_AGREEMENT_DRAFT = 0,  /* draft       拟签 */
	ORG_AGREEMENT_ACTIVE,     /* active      履行中 */
	ORG_AGREEMENT_TERMINATED, /* terminated  已终止 */
	ORG_AGREEMENT__COUNT
} org_agreement_status;

int org_agreement_status_parse(const char *code_or_label);
const char *org_agreement_status_code(org_agreement_status s);
const char *org_agreement_status_label(org_agreement_status s);

/* In force: status active and start_ms <= now_ms <= end_ms. */
bool org_agreement_in_force(org_agreement_status s, int64_t start_ms, int64_t end_ms,
                            int64_t now_ms);

/* ------------------------------------------------- unified social credit code */

/* GB 32100-2015 统一社会信用代码: 18 characters from "0123456789ABCDEFGHJKLMNPQRTUWXY"
 * (no I, O, S, V, Z); the last is the check character: weights 3^i mod 31
 * (1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28), c18 = (31 - sum mod 31) mod 31.
 * Lower-case letters are accepted and upper-cased into out (19 bytes). Codes:
 * credit_length, credit_chars, credit_checksum. */
int org_credit_code_check(const char *in, char out[19], gz_err *err);

/* ------------------------------------------------------------- the network */

/* The builder's input: plain rows the caller read from its store (bounded by the
 * caller: one space node's subtree, at most a few hundred organisations).
 * Strings are borrowed and must outlive the output (the output points at them). */
typedef struct {
	int64_t id;
	int type; /* org_type */
	const char *name;
	const char *space_code;
	int64_t parent_id; /* 0: none */
	bool external;     /* outside the requested node, included because a record inside
	                      references it (a parent, a co-building unit, an employer) */
} org_net_org;

typedef struct {
	int64_t org_id;
	const char *person_key; /* one key per person across organisations */
} org_net_member;

/* Party members grouped by (party organisation, employer, reported community). */
typedef struct {
	int64_t party_org_id;
	int64_t employer_org_id;    /* 0: none */
	const char *community_code; /* reported community; NULL or "": not reported */
	int64_t count;
} org_net_party;

typedef struct {
	int64_t unit_org_id;
	const char *community_code;
	bool in_force;
	int64_t commitments; /* number of commitment lines */
} org_net_agreement;

typedef struct {
	const char *code, *name;
} org_net_community;

typedef struct {
	const org_net_org *orgs;
	size_t norgs;
	const org_net_member *members;
	size_t nmembers;
	const org_net_party *party;
	size_t nparty;
	const org_net_agreement *agreements;
	size_t nagreements;
	const org_net_community *communities; /* names of community nodes, when known */
	size_t ncommunities;
} org_net_input;

typedef enum {
	ORG_EDGE_VERTICAL = 0, /* child -> parent (parent_id) */
	ORG_EDGE_HORIZONTAL,   /* co-building unit -> community (in-force agreements), and
	                          a parentless 居委会/物业/业委会/社会组织 -> the Party
	                          organisation leading its place (党建引领) */
	ORG_EDGE_MEMBERSHIP,   /* two organisations sharing people (交叉任职) */
	ORG_EDGE_DUAL_REPORT,  /* employer (else Party organisation) -> reported community */
	ORG_EDGE__COUNT
} org_edge_kind;

/* "vertical", "horizontal", "membership", "dual_report". */
const char *org_edge_kind_name(org_edge_kind k);

/* Category of a community node: after the org types. */
#define ORG_NET_CAT_COMMUNITY ORG__COUNT
#define ORG_NET_CATEGORIES    (ORG__COUNT + 1)

typedef struct {
	char id[24];    /* "o<id>" for an organisation, "c<code>" for a community */
	int64_t org_id; /* 0 for a community node */
	const char *name;
	int category; /* org type, or ORG_NET_CAT_COMMUNITY */
	const char *space_code;
	int64_t value;         /* members + party_members (organisation); reported (community) */
	int64_t members;       /* rows in org_members */
	int64_t party_members; /* Party members whose Party organisation it is */
	int64_t reported;      /* Party members reported (双报到) to this node's community:
	                          set on a community node, or on the 社区党委 standing for it */
	int64_t agreements;    /* in-force co-building agreements (unit or community side) */
	bool external;
} org_net_node;

typedef struct {
	size_t source, target; /* indexes into nodes */
	org_edge_kind kind;
	int64_t value;
} org_net_edge;

typedef struct {
	int64_t organisations;       /* internal organisation nodes */
	int64_t by_type[ORG__COUNT]; /* internal ones per type */
	int64_t members;             /* membership rows of internal organisations */
	int64_t people;              /* distinct person keys among them */
	int64_t cross_role_people;   /* people in two or more internal organisations */
	int64_t party_members;       /* sum of party group counts given */
	int64_t reported;            /* of which reported to a community */
	int64_t coop_agreements;     /* agreements given */
	int64_t coop_in_force;       /* of which in force */
	int64_t coop_units;          /* distinct units among in-force agreements */
	int64_t commitments;         /* commitment lines of in-force agreements */
} org_net_counts;

typedef struct {
	org_net_node *nodes; /* gz_malloc'd; org_network_free() */
	size_t nnodes;
	org_net_edge *edges;
	size_t nedges;
	org_net_counts counts;
} org_net;

/* Builds the graph: one node per organisation given (duplicates by id are merged, the
 * first kept), community nodes only where an agreement or a reported member points at a
 * community that has no 社区党委 among the organisations (the first such committee, by
 * input order, stands for its community otherwise). Edges are merged by (source, target,
 * kind) with their values summed; edges to unknown organisations and self-edges are
 * dropped. Memberships per person are counted once per organisation. Nodes keep input
 * order (community nodes after the organisations); edges are sorted by kind, source,
 * target. Cost: O((n + m) log(n + m)) in the rows given. Returns 0 (out filled, free it
 * with org_network_free), or -1 with err if a row is malformed (code org_net_input). */
int org_network_build(const org_net_input *in, org_net *out, gz_err *err);
void org_network_free(org_net *net);

#endif
