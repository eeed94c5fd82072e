/* The organisation network: types, parent rules, post types, agreement states, credit
 * codes and the network builder. See domain/org.h for every contract, docs/ORG.md for
 * the reasons. */
#include "modules/org/rules.h"

#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ types */

#define P(t)   (1u << (t))
#define AT_ALL (ORG_AT_STREET | ORG_AT_COMMUNITY | ORG_AT_GRID)

/* The vertical line of the Party (党的组织体系) is fixed: 街道党工委 → 社区党委 →
 * 网格党支部 → 楼栋党小组, each level required. The other actors of 一核多元 are led by the
 * Party organisation of their place: a 居委会 may hang under its 社区党委, an owners'
 * committee under the 社区党委 or the 居委会 that guides it (物业管理条例), a social
 * organisation under the Party organisation or 居委会 that incubates it. Companies,
 * co-building units and departments have their own lines outside the community: no
 * parent here; they are linked horizontally (agreements, 党建引领, 交叉任职). */
static const org_type_info types[ORG__COUNT] = {
    [ORG_STREET_PARTY] = {"street_party_committee", "街道党工委", true, false, ORG_AT_STREET, false,
                          false, 0},
    [ORG_COMMUNITY_PARTY] = {"community_party_committee", "社区党委", true, false, ORG_AT_COMMUNITY,
                             false, true, P(ORG_STREET_PARTY)},
    [ORG_GRID_BRANCH] = {"grid_party_branch", "网格党支部", true, false, ORG_AT_GRID, false, true,
                         P(ORG_COMMUNITY_PARTY)},
    [ORG_BUILDING_GROUP] = {"building_party_group", "楼栋党小组", true, false, ORG_AT_GRID, true,
                            true, P(ORG_GRID_BRANCH)},
    [ORG_RESIDENTS_COMMITTEE] = {"residents_committee", "居委会", false, false, ORG_AT_COMMUNITY,
                                 false, false, P(ORG_COMMUNITY_PARTY)},
    [ORG_PROPERTY_COMPANY] = {"property_company", "物业服务企业", false, true, AT_ALL, false, false,
                              0},
    [ORG_OWNERS_COMMITTEE] = {"owners_committee", "业主委员会/物业管理委员会", false, false,
                              ORG_AT_COMMUNITY | ORG_AT_GRID, false, false,
                              P(ORG_COMMUNITY_PARTY) | P(ORG_RESIDENTS_COMMITTEE)},
    [ORG_SOCIAL_ORG] = {"social_org", "社会组织", false, true, AT_ALL, false, false,
                        P(ORG_STREET_PARTY) | P(ORG_COMMUNITY_PARTY) | P(ORG_RESIDENTS_COMMITTEE)},
    [ORG_COOP_UNIT] = {"coop_unit", "共建单位", false, true, AT_ALL, false, false, 0},
    [ORG_DEPARTMENT] = {"department", "职能部门", false, true, ORG_AT_STREET | ORG_AT_COMMUNITY,
                        false, false, 0},
};

const org_type_info *org_type_get(org_type t)
{
	return (unsigned)t < ORG__COUNT ? &types[t] : NULL;
}

const char *org_type_code(org_type t)
{
	return (unsigned)t < ORG__COUNT ? types[t].code : "";
}

const char *org_type_label(org_type t)
{
	return (unsigned)t < ORG__COUNT ? types[t].label : "";
}

bool org_serving_position(org_type t, const char *position)
{
	if ((t != ORG_GRID_BRANCH && t != ORG_COMMUNITY_PARTY) || !position)
		return false;
	return !strcmp(position, "书记") || !strcmp(position, "副书记");
}

int org_type_parse(const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < ORG__COUNT; i++)
		if (!strcmp(s, types[i].code) || !strcmp(s, types[i].label))
			return i;
	if (!strcmp(s, "业主委员会") || !strcmp(s, "物业管理委员会") || !strcmp(s, "业委会") ||
	    !strcmp(s, "物管会"))
		return ORG_OWNERS_COMMITTEE;
	return -1;
}

bool org_is_party(org_type t)
{
	return (unsigned)t < ORG__COUNT && types[t].party;
}

bool org_can_be_party_org(org_type t)
{
	return (unsigned)t < ORG__COUNT && (types[t].party || types[t].hosts_party);
}

static unsigned level_bit(const char *code)
{
	size_t n = code ? strlen(code) : 0;
	return n == 9 ? ORG_AT_STREET : n == 12 ? ORG_AT_COMMUNITY : n == 15 ? ORG_AT_GRID : 0;
}

/* "街道或社区" for a level mask. */
static const char *levels_text(unsigned m, char *buf, size_t size)
{
	static const struct {
		unsigned bit;
		const char *name;
	} lv[] = {{ORG_AT_STREET, "街道（9 位编码）"},
	          {ORG_AT_COMMUNITY, "社区（12 位编码）"},
	          {ORG_AT_GRID, "网格（15 位编码）"}};
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof lv / sizeof lv[0]; i++) {
		if (!(m & lv[i].bit))
			continue;
		int w = snprintf(buf + n, size - n, "%s%s", n ? "或" : "", lv[i].name);
		if (w < 0 || (size_t)w >= size - n)
			break;
		n += (size_t)w;
	}
	return buf;
}

int org_check_place(org_type t, const char *space_code, bool has_building, gz_err *err)
{
	const org_type_info *ti = org_type_get(t);
	if (!ti)
		return gz_err_set(err, GZ_EINVALID, "org_type", "组织类型无效");
	unsigned bit = level_bit(space_code);
	if (!(bit & ti->levels)) {
		char buf[128];
		return gz_err_set(err, GZ_EINVALID, "org_level", "%s应设在%s", ti->label,
		                  levels_text(ti->levels, buf, sizeof buf));
	}
	if (ti->building && !has_building)
		return gz_err_set(err, GZ_EINVALID, "org_building_required", "%s须指定所在楼栋",
		                  ti->label);
	if (!ti->building && has_building)
		return gz_err_set(err, GZ_EINVALID, "org_building_unexpected", "%s不设在楼栋上",
		                  ti->label);
	return 0;
}

int org_check_parent(org_type child, const char *child_space, int parent_type,
                     const char *parent_space, gz_err *err)
{
	const org_type_info *ti = org_type_get(child);
	if (!ti)
		return gz_err_set(err, GZ_EINVALID, "org_type", "组织类型无效");
	if (parent_type < 0) {
		if (ti->parent_required) {
			char buf[160];
			size_t n = 0;
			buf[0] = '\0';
			for (int i = 0; i < ORG__COUNT; i++)
				if (ti->parents & P(i))
					n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s",
					                      n ? "、" : "", types[i].label);
			return gz_err_set(err, GZ_EINVALID, "org_parent_required",
			                  "%s须有上级组织（%s）", ti->label, buf);
		}
		return 0;
	}
	if (!ti->parents)
		return gz_err_set(err, GZ_EINVALID, "org_parent_none", "%s不设上级组织", ti->label);
	if ((unsigned)parent_type >= ORG__COUNT || !(ti->parents & P(parent_type))) {
		char buf[160];
		size_t n = 0;
		buf[0] = '\0';
		for (int i = 0; i < ORG__COUNT; i++)
			if (ti->parents & P(i))
				n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s",
				                      n ? "、" : "", types[i].label);
		return gz_err_set(err, GZ_EINVALID, "org_parent_type", "%s的上级应为 %s", ti->label,
		                  buf);
	}
	size_t pn = parent_space ? strlen(parent_space) : 0;
	if (!child_space || !pn || strncmp(child_space, parent_space, pn) != 0)
		return gz_err_set(err, GZ_EINVALID, "org_parent_place",
		                  "上级组织应覆盖本组织所在的位置（上级 %s 不包含 %s）",
		                  parent_space ? parent_space : "", child_space ? child_space : "");
	return 0;
}

/* ------------------------------------------------------- 双报到 post types */

static const struct {
	const char *code, *label;
} posts[ORG_POST__COUNT] = {
    [ORG_POST_ORGANISATION] = {"organisation", "组织建设"},
    [ORG_POST_LEGAL] = {"legal", "法律"},
    [ORG_POST_EMPLOYMENT_AID] = {"employment_aid", "助困就业"},
    [ORG_POST_GOVERNANCE] = {"governance", "社区治理"},
    [ORG_POST_HEALTH] = {"health", "健康医疗"},
    [ORG_POST_CULTURE_SPORTS] = {"culture_sports", "文体"},
    [ORG_POST_PATROL] = {"patrol", "治安巡逻"},
    [ORG_POST_OTHER] = {"other", "其他"},
};

int org_post_parse(const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < ORG_POST__COUNT; i++)
		if (!strcmp(s, posts[i].code) || !strcmp(s, posts[i].label))
			return i;
	return -1;
}

const char *org_post_code(org_post_type p)
{
	return (unsigned)p < ORG_POST__COUNT ? posts[p].code : "";
}

const char *org_post_label(org_post_type p)
{
	return (unsigned)p < ORG_POST__COUNT ? posts[p].label : "";
}

/* ------------------------------------------------- co-building agreements */

static const struct {
	const char *code, *label;
} statuses[ORG_AGREEMENT__COUNT] = {
    [ORG_AGREEMENT_DRAFT] = {"draft", "拟签"},
    [ORG_AGREEMENT_ACTIVE] = {"active", "履行中"},
    [ORG_AGREEMENT_TERMINATED] = {"terminated", "已终止"},
};

int org_agreement_status_parse(const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < ORG_AGREEMENT__COUNT; i++)
		if (!strcmp(s, statuses[i].code) || !strcmp(s, statuses[i].label))
			return i;
	return -1;
}

const char *org_agreement_status_code(org_agreement_status s)
{
	return (unsigned)s < ORG_AGREEMENT__COUNT ? statuses[s].code : "";
}

const char *org_agreement_status_label(org_agreement_status s)
{
	return (unsigned)s < ORG_AGREEMENT__COUNT ? statuses[s].label : "";
}

bool org_agreement_in_force(org_agreement_status s, int64_t start_ms, int64_t end_ms,
                            int64_t now_ms)
{
	return s == ORG_AGREEMENT_ACTIVE && start_ms <= now_ms && now_ms <= end_ms;
}

/* ------------------------------------------------- unified social credit code */

static const char credit_chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

int org_credit_code_check(const char *in, char out[19], gz_err *err)
{
	static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
	if (!in || strlen(in) != 18)
		return gz_err_set(err, GZ_EINVALID, "credit_length", "统一社会信用代码应为 18 位");
	int v[18];
	for (int i = 0; i < 18; i++) {
		char c = in[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		const char *p = c ? strchr(credit_chars, c) : NULL;
		if (!p)
			return gz_err_set(
			    err, GZ_EINVALID, "credit_chars",
			    "统一社会信用代码只能含数字和大写字母（不含 I、O、S、V、Z）");
		v[i] = (int)(p - credit_chars);
		out[i] = c;
	}
	out[18] = '\0';
	int sum = 0;
	for (int i = 0; i < 17; i++)
		sum += v[i] * w[i];
	int check = (31 - sum % 31) % 31;
	if (v[17] != check)
		return gz_err_set(err, GZ_EINVALID, "credit_checksum",
		                  "统一社会信用代码校验位错误");
	return 0;
}

/* ------------------------------------------------------------- the network */

const char *org_edge_kind_name(org_edge_kind k)
{
	static const char *const names[ORG_EDGE__COUNT] = {"vertical", "horizontal", "membership",
	                                                   "dual_report"};
	return (unsigned)k < ORG_EDGE__COUNT ? names[k] : "";
}

typedef struct {
	int64_t id;
	size_t node;
} id_slot;

static int cmp_id_slot(const void *a, const void *b)
{
	const id_slot *x = a, *y = b;
	return (x->id > y->id) - (x->id < y->id);
}

typedef struct {
	const char *code;
	size_t node;
} code_slot;

static int cmp_code_slot(const void *a, const void *b)
{
	const code_slot *x = a, *y = b;
	int c = strcmp(x->code, y->code);
	if (c)
		return c;
	return (x->node > y->node) - (x->node < y->node); /* first by input order wins */
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int cmp_edge(const void *a, const void *b)
{
	const org_net_edge *x = a, *y = b;
	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	if (x->source != y->source)
		return x->source < y->source ? -1 : 1;
	return (x->target > y->target) - (x->target < y->target);
}

typedef struct {
	const org_net_member *m;
	size_t node;
} member_ref;

static int cmp_member_ref(const void *a, const void *b)
{
	const member_ref *x = a, *y = b;
	int c = strcmp(x->m->person_key, y->m->person_key);
	if (c)
		return c;
	return (x->node > y->node) - (x->node < y->node);
}

typedef struct {
	org_net *net;
	size_t cap_edges;
	id_slot *ids; /* sorted by id */
	size_t nids;
	code_slot *committees; /* 社区党委 nodes by space code, sorted */
	size_t ncommittees;
	code_slot *cnodes; /* community nodes by code, sorted */
	size_t ncnodes;
	code_slot *leads; /* Party organisations by space code (lead lookup), sorted */
	size_t nleads;
} builder;

static long find_org(const builder *b, int64_t id)
{
	if (id <= 0)
		return -1;
	id_slot key = {id, 0};
	const id_slot *s = bsearch(&key, b->ids, b->nids, sizeof *s, cmp_id_slot);
	return s ? (long)s->node : -1;
}

/* The first slot with this code (slots sorted by code, then node), or -1. */
static long find_code(const code_slot *slots, size_t n, const char *code)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(slots[mid].code, code) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && !strcmp(slots[lo].code, code) ? (long)slots[lo].node : -1;
}

/* The node standing for a community: its 社区党委, else its community node. */
static long community_target(const builder *b, const char *code)
{
	long t = find_code(b->committees, b->ncommittees, code);
	return t >= 0 ? t : find_code(b->cnodes, b->ncnodes, code);
}

static void add_edge(builder *b, long source, long target, org_edge_kind kind, int64_t value)
{
	if (source < 0 || target < 0 || source == target)
		return;
	org_net *net = b->net;
	if (net->nedges == b->cap_edges) {
		b->cap_edges = b->cap_edges ? b->cap_edges * 2 : 64;
		net->edges = gz_realloc(net->edges, b->cap_edges * sizeof *net->edges);
	}
	net->edges[net->nedges++] = (org_net_edge){(size_t)source, (size_t)target, kind, value};
}

/* The Party organisation leading a parentless actor at `code`: the grid branch of its
 * grid, else the 社区党委 of its community, else the 街道党工委 of its street. */
static long lead_of(const builder *b, const char *code)
{
	char prefix[16];
	size_t n = strlen(code);
	static const size_t levels[] = {15, 12, 9};
	static const int lead_types[] = {ORG_GRID_BRANCH, ORG_COMMUNITY_PARTY, ORG_STREET_PARTY};
	for (size_t i = 0; i < 3; i++) {
		if (levels[i] > n || levels[i] >= sizeof prefix)
			continue;
		memcpy(prefix, code, levels[i]);
		prefix[levels[i]] = '\0';
		/* leads holds Party organisations of the three leading types; pick the one of
		 * this level's type among those at prefix. */
		size_t lo = 0, hi = b->nleads;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (strcmp(b->leads[mid].code, prefix) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < b->nleads && !strcmp(b->leads[lo].code, prefix); lo++)
			if (b->net->nodes[b->leads[lo].node].category == lead_types[i])
				return (long)b->leads[lo].node;
	}
	return -1;
}

void org_network_free(org_net *net)
{
	if (!net)
		return;
	free(net->nodes);
	free(net->edges);
	net->nodes = NULL;
	net->edges = NULL;
	net->nnodes = net->nedges = 0;
}

int org_network_build(const org_net_input *in, org_net *out, gz_err *err)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < in->norgs; i++) {
		const org_net_org *o = &in->orgs[i];
		if (o->id <= 0 || (unsigned)o->type >= ORG__COUNT || !o->name || !o->space_code)
			return gz_err_set(err, GZ_EINVALID, "org_net_input", "组织 %zu 数据不完整",
			                  i);
	}
	for (size_t i = 0; i < in->nmembers; i++)
		if (!in->members[i].person_key)
			return gz_err_set(err, GZ_EINVALID, "org_net_input",
			                  "成员 %zu 缺少人员标识", i);
	for (size_t i = 0; i < in->nagreements; i++)
		if (!in->agreements[i].community_code || !*in->agreements[i].community_code)
			return gz_err_set(err, GZ_EINVALID, "org_net_input", "协议 %zu 缺少社区",
			                  i);

	builder b = {.net = out};
	size_t cap_nodes = in->norgs + in->nparty + in->nagreements + 1;
	out->nodes = gz_calloc(cap_nodes, sizeof *out->nodes);
	b.ids = gz_calloc(in->norgs + 1, sizeof *b.ids);
	b.committees = gz_calloc(in->norgs + 1, sizeof *b.committees);
	b.leads = gz_calloc(in->norgs + 1, sizeof *b.leads);
	b.cnodes = gz_calloc(in->nparty + in->nagreements + 1, sizeof *b.cnodes);
	const char **codes = gz_calloc(in->nparty + in->nagreements + 1, sizeof *codes);
	member_ref *refs = gz_calloc(in->nmembers + 1, sizeof *refs);
	int64_t *units = gz_calloc(in->nagreements + 1, sizeof *units);
	const org_net_org **parents_of = gz_calloc(in->norgs + 1, sizeof *parents_of);

	/* Organisation nodes, first by id kept. */
	for (size_t i = 0; i < in->norgs; i++) {
		const org_net_org *o = &in->orgs[i];
		org_net_node *n = &out->nodes[out->nnodes];
		snprintf(n->id, sizeof n->id, "o%lld", (long long)o->id);
		n->org_id = o->id;
		n->name = o->name;
		n->category = o->type;
		n->space_code = o->space_code;
		n->external = o->external;
		parents_of[out->nnodes] = o;
		b.ids[b.nids++] = (id_slot){o->id, out->nnodes};
		out->nnodes++;
	}
	/* Sort ids and drop duplicates (keeping the lowest node index = first in input),
	 * then compact the node array so a duplicate leaves no trace. */
	qsort(b.ids, b.nids, sizeof *b.ids, cmp_id_slot);
	{
		bool *drop = gz_calloc(out->nnodes + 1, sizeof *drop);
		size_t k = 0;
		for (size_t i = 0; i < b.nids;) {
			size_t j = i, best = b.ids[i].node;
			for (; j < b.nids && b.ids[j].id == b.ids[i].id; j++)
				if (b.ids[j].node < best)
					best = b.ids[j].node;
			for (size_t t = i; t < j; t++)
				if (b.ids[t].node != best)
					drop[b.ids[t].node] = true;
			i = j;
		}
		size_t *newidx = gz_calloc(out->nnodes + 1, sizeof *newidx);
		for (size_t i = 0; i < out->nnodes; i++) {
			if (drop[i])
				continue;
			newidx[i] = k;
			out->nodes[k] = out->nodes[i];
			parents_of[k] = parents_of[i];
			k++;
		}
		size_t m = 0;
		for (size_t i = 0; i < b.nids; i++)
			if (!drop[b.ids[i].node])
				b.ids[m++] = (id_slot){b.ids[i].id, newidx[b.ids[i].node]};
		b.nids = m;
		out->nnodes = k;
		free(newidx);
		free(drop);
	}
	size_t norg_nodes = out->nnodes;
	for (size_t i = 0; i < norg_nodes; i++) {
		org_net_node *n = &out->nodes[i];
		if (n->category == ORG_COMMUNITY_PARTY)
			b.committees[b.ncommittees++] = (code_slot){n->space_code, i};
		if (n->category == ORG_GRID_BRANCH || n->category == ORG_COMMUNITY_PARTY ||
		    n->category == ORG_STREET_PARTY)
			b.leads[b.nleads++] = (code_slot){n->space_code, i};
		if (!n->external) {
			out->counts.organisations++;
			out->counts.by_type[n->category]++;
		}
	}
	qsort(b.committees, b.ncommittees, sizeof *b.committees, cmp_code_slot);
	qsort(b.leads, b.nleads, sizeof *b.leads, cmp_code_slot);

	/* Community nodes: communities that reported members or in-force agreements point
	 * at and that have no 社区党委 among the organisations. */
	size_t ncodes = 0;
	for (size_t i = 0; i < in->nparty; i++)
		if (in->party[i].community_code && *in->party[i].community_code)
			codes[ncodes++] = in->party[i].community_code;
	for (size_t i = 0; i < in->nagreements; i++)
		if (in->agreements[i].in_force)
			codes[ncodes++] = in->agreements[i].community_code;
	qsort(codes, ncodes, sizeof *codes, cmp_str);
	code_slot *names = gz_calloc(in->ncommunities + 1, sizeof *names);
	for (size_t i = 0; i < in->ncommunities; i++)
		names[i] = (code_slot){in->communities[i].code ? in->communities[i].code : "", i};
	qsort(names, in->ncommunities, sizeof *names, cmp_code_slot);
	for (size_t i = 0; i < ncodes; i++) {
		if (i && !strcmp(codes[i], codes[i - 1]))
			continue;
		if (find_code(b.committees, b.ncommittees, codes[i]) >= 0)
			continue;
		org_net_node *n = &out->nodes[out->nnodes];
		snprintf(n->id, sizeof n->id, "c%.20s", codes[i]);
		long ni = find_code(names, in->ncommunities, codes[i]);
		n->name = ni >= 0 && in->communities[ni].name ? in->communities[ni].name : codes[i];
		n->category = ORG_NET_CAT_COMMUNITY;
		n->space_code = codes[i];
		b.cnodes[b.ncnodes++] = (code_slot){codes[i], out->nnodes};
		out->nnodes++;
	}
	free(names);
	/* codes were added in sorted order: cnodes is sorted already. */

	/* Vertical edges, and the 党建引领 horizontal edges of parentless actors. */
	for (size_t i = 0; i < norg_nodes; i++) {
		const org_net_org *o = parents_of[i];
		if (o->parent_id) {
			add_edge(&b, (long)i, find_org(&b, o->parent_id), ORG_EDGE_VERTICAL, 1);
			continue;
		}
		if (o->type == ORG_RESIDENTS_COMMITTEE || o->type == ORG_PROPERTY_COMPANY ||
		    o->type == ORG_OWNERS_COMMITTEE || o->type == ORG_SOCIAL_ORG)
			add_edge(&b, (long)i, lead_of(&b, o->space_code), ORG_EDGE_HORIZONTAL, 1);
	}

	/* Memberships: distinct (person, organisation); pairs of organisations a person
	 * holds positions in (交叉任职). Rows of unknown organisations are ignored. */
	size_t nrefs = 0;
	for (size_t i = 0; i < in->nmembers; i++) {
		long node = find_org(&b, in->members[i].org_id);
		if (node >= 0)
			refs[nrefs++] = (member_ref){&in->members[i], (size_t)node};
	}
	qsort(refs, nrefs, sizeof *refs, cmp_member_ref);
	for (size_t i = 0; i < nrefs;) {
		size_t j = i;
		while (j < nrefs && !strcmp(refs[j].m->person_key, refs[i].m->person_key))
			j++;
		/* refs[i..j) is one person, sorted by node: distinct nodes. */
		size_t internal = 0;
		for (size_t a = i; a < j; a++) {
			if (a > i && refs[a].node == refs[a - 1].node)
				continue;
			org_net_node *n = &out->nodes[refs[a].node];
			n->members++;
			if (!n->external) {
				internal++;
				out->counts.members++;
			}
			for (size_t c = i; c < a; c++) {
				if (c > i && refs[c].node == refs[c - 1].node)
					continue;
				add_edge(&b, (long)refs[c].node, (long)refs[a].node,
				         ORG_EDGE_MEMBERSHIP, 1);
			}
		}
		if (internal) {
			out->counts.people++;
			if (internal >= 2)
				out->counts.cross_role_people++;
		}
		i = j;
	}

	/* Party members: counts on their Party organisation, 双报到 edges to the community. */
	for (size_t i = 0; i < in->nparty; i++) {
		const org_net_party *p = &in->party[i];
		long party = find_org(&b, p->party_org_id);
		if (party >= 0)
			out->nodes[party].party_members += p->count;
		out->counts.party_members += p->count;
		if (!p->community_code || !*p->community_code)
			continue;
		out->counts.reported += p->count;
		long target = community_target(&b, p->community_code);
		if (target >= 0)
			out->nodes[target].reported += p->count;
		long source = find_org(&b, p->employer_org_id);
		if (source < 0)
			source = party;
		add_edge(&b, source, target, ORG_EDGE_DUAL_REPORT, p->count);
	}

	/* Co-building: in-force agreements link the unit and the community. */
	size_t nunits = 0;
	for (size_t i = 0; i < in->nagreements; i++) {
		const org_net_agreement *a = &in->agreements[i];
		out->counts.coop_agreements++;
		if (!a->in_force)
			continue;
		out->counts.coop_in_force++;
		out->counts.commitments += a->commitments;
		units[nunits++] = a->unit_org_id;
		long unit = find_org(&b, a->unit_org_id);
		long target = community_target(&b, a->community_code);
		if (unit >= 0)
			out->nodes[unit].agreements++;
		if (target >= 0)
			out->nodes[target].agreements++;
		add_edge(&b, unit, target, ORG_EDGE_HORIZONTAL, 1);
	}
	qsort(units, nunits, sizeof *units, cmp_i64);
	for (size_t i = 0; i < nunits; i++)
		if (!i || units[i] != units[i - 1])
			out->counts.coop_units++;

	/* Values, then edges merged by (kind, source, target). */
	for (size_t i = 0; i < out->nnodes; i++) {
		org_net_node *n = &out->nodes[i];
		n->value = n->category == ORG_NET_CAT_COMMUNITY ? n->reported
		                                                : n->members + n->party_members;
	}
	if (out->nedges)
		qsort(out->edges, out->nedges, sizeof *out->edges, cmp_edge);
	size_t m = 0;
	for (size_t i = 0; i < out->nedges; i++) {
		if (m && !cmp_edge(&out->edges[m - 1], &out->edges[i]))
			out->edges[m - 1].value += out->edges[i].value;
		else
			out->edges[m++] = out->edges[i];
	}
	out->nedges = m;

	free(parents_of);
	free(units);
	free(refs);
	free(codes);
	free(b.cnodes);
	free(b.leads);
	free(b.committees);
	free(b.ids);
	return 0;
}
