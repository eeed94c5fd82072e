/* The demo street's year of supply–demand matching (demo_match.h): offers by the
 * communities' volunteers and Party members and by co-building units, a year of needs
 * posted week after week (elderly residents first), a weekly matching run per community,
 * proposals accepted or declined (a declined need goes to someone else the next week),
 * hours recorded, ratings, needs that expired unserved, and projects with commitments by a
 * co-building unit (under its agreement), the Party committee and a social organisation —
 * all through the matching module's writes (matching.h) as the operator, each at the
 * time it happened. The last week is left open: needs waiting for a run, proposals waiting for an
 * answer, needs taken. */
#include "modules/demo/demo_match.h"
#include "modules/accounts/accounts.h"
#include "modules/matching/matching.h"
#include "modules/people/people.h"
#include "api/common.h"
#include "core/json.h"
#include "core/mem.h"
#include "domain/policy.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOUR_MS      3600000LL
#define DAY_MS       (24 * HOUR_MS)
#define WEEKS        52
#define OFFERS_MAX   8
#define RESIDENTS    120
#define NEEDS_A_WEEK 4
#define VACANT_WEEKS 8 /* the under-served grid's needs (demo_vacant_grid) */

static const struct {
	const char *skill, *title, *desc;
	int minutes;
	bool wish;
} kinds[] = {
    {"陪诊", "陪同去医院复查", "需要有人陪同挂号、取药，行动不便", 180, false},
    {"助餐", "每周送餐上门", "腿脚不便，希望有人帮忙从社区食堂取餐送到家", 30, false},
    {"上门理发", "上门理发", "卧床老人，需要上门理发", 40, false},
    {"家电维修", "修理洗衣机", "洗衣机不脱水，请懂维修的志愿者看看", 60, false},
    {"代购", "代买药品和日用品", "独居，希望有人帮忙去超市和药店", 60, false},
    {"读报陪聊", "陪老人聊天读报", "老人独居，子女在外地，希望每周有人来坐坐", 60, false},
    {"物资捐赠", "微心愿：一台电风扇", "家里的电风扇坏了，夏天很热", 30, true},
    {"物资捐赠", "微心愿：冬季棉被", "低保户，希望添一床厚棉被", 30, true},
};
#define NKINDS (sizeof kinds / sizeof *kinds)

static const char *const person_skills[][3] = {
    {"陪诊", "代购", "读报陪聊"},   {"助餐", "代购", NULL}, {"家电维修", "代购", NULL},
    {"上门理发", "读报陪聊", NULL}, {"陪诊", "助餐", NULL}, {"读报陪聊", "陪诊", "助餐"},
};
#define NPERSON (sizeof person_skills / sizeof *person_skills)

static const char *const comments[] = {"很耐心，谢谢", "准时到，服务周到", "帮了大忙", "态度很好",
                                       ""};

typedef struct {
	gz_db *db;
	const gz_actor *op;
	const demo_street *s;
	gz_err *err;
	demo_rng r;
	int64_t now;
	int64_t residents[RESIDENTS];
	int nres;
} ctx;

static int64_t id_of(const json_t *o)
{
	const char *s = json_string_value(json_object_get(o, "id"));
	return s ? strtoll(s, NULL, 10) : 0;
}

static json_t *id_json(int64_t id)
{
	char b[24];
	snprintf(b, sizeof b, "%" PRId64, id);
	return json_string(b);
}

static json_t *time_json(int64_t ms)
{
	return gz_api_time_json(ms);
}

/* A building of community ci, its point into lng/lat. */
static void community_point(ctx *c, int ci, double *lng, double *lat)
{
	const demo_community *cm = &c->s->communities[ci];
	const demo_grid *g =
	    &c->s->grids[cm->first_grid + (int32_t)demo_rng_below(&c->r, (uint32_t)cm->ngrids)];
	const demo_building *b =
	    &c->s->buildings[g->first_building +
	                     (int32_t)demo_rng_below(
	                         &c->r, (uint32_t)(g->nbuildings ? g->nbuildings : 1))];
	*lng = (double)b->lng_e7 / 1e7;
	*lat = (double)b->lat_e7 / 1e7;
}

static int64_t user_id(ctx *c, const char *username)
{
	gz_user_row u = {0};
	int rc = gz_user_by_name(c->db, username, false, &u, c->err);
	return rc > 0 ? u.id : rc;
}

/* The community's residents that post needs: those with a tag that weighs (elderly,
 * living alone) first, then others. */
static int pick_in(ctx *c, const char *place, int64_t *out, int *n, int max)
{
	*n = 0;
	gz_stmt *st = gz_db_prepare(
	    c->db,
	    "SELECT r.id FROM residents r WHERE r.grid_code >= $1 AND r.grid_code < $2 AND "
	    "r.deleted_at IS NULL AND r.status = 'active' ORDER BY (SELECT COUNT(*) FROM "
	    "resident_tags t WHERE t.resident_id = r.id AND t.tag_key IN ('living_alone', "
	    "'elderly_80', 'empty_nester')) DESC, r.id LIMIT $3",
	    c->err);
	if (!st)
		return -1;
	char hi[64];
	policy_scope_upper(place, hi, sizeof hi);
	gz_stmt_bind_str(st, 1, place);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_int64(st, 3, max);
	int rc;
	while ((rc = gz_stmt_step(st, c->err)) == GZ_ROW && *n < max)
		out[(*n)++] = gz_stmt_int64(st, 0);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

static int pick_residents(ctx *c, const char *community)
{
	return pick_in(c, community, c->residents, &c->nres, RESIDENTS);
}

static int offers(ctx *c, int ci, const int64_t *org_ids, const int64_t *agreement_ids)
{
	const demo_street *s = c->s;
	const char *code = s->communities[ci].code;
	int made = 0;
	for (int k = 1; k <= 12 && made < OFFERS_MAX; k++) {
		char un[40];
		snprintf(un, sizeof un, "zyz%d-%d%02d", s->street_no, ci + 1, k);
		int64_t uid = user_id(c, un);
		if (uid < 0)
			return -1;
		if (!uid)
			continue;
		double lng, lat;
		community_point(c, ci, &lng, &lat);
		const char *const *sk = person_skills[demo_rng_below(&c->r, NPERSON)];
		json_t *skills = json_array();
		for (int i = 0; i < 3 && sk[i]; i++)
			json_array_append_new(skills, json_string(sk[i]));
		json_t *in = json_pack(
		    "{s:s,s:o,s:s,s:o,s:i,s:i,s:f,s:f,s:[{s:i,s:s,s:s}]}", "kind", "person",
		    "user_id", id_json(uid), "scope_code", code, "skills", skills,
		    "capacity_per_week", demo_rng_range(&c->r, 2, 4), "radius_m",
		    demo_rng_range(&c->r, 1500, 3000), "lng", lng, "lat", lat, "windows", "weekday",
		    demo_rng_range(&c->r, 1, 7), "from", "09:00", "to", "17:00");
		json_t *out = NULL;
		int rc =
		    gz_match_offer_create(c->db, c->op, in, c->now - 380 * DAY_MS, &out, c->err);
		json_decref(in);
		json_decref(out);
		if (rc < 0)
			return -1;
		made++;
	}
	/* The demo's own Party member and volunteer serve their community: their inbox. */
	for (int i = 0; i < s->naccounts; i++) {
		const demo_account *a = &s->accounts[i];
		if ((a->role != ROLE_PARTY_MEMBER && a->role != ROLE_VOLUNTEER) ||
		    strncmp(a->scope, code, strlen(code)) != 0)
			continue;
		int64_t uid = user_id(c, a->username);
		if (uid < 0)
			return -1;
		if (!uid)
			continue;
		double lng, lat;
		community_point(c, ci, &lng, &lat);
		/* 心理疏导 is theirs alone in the demo: a need of that skill goes to one of them
		 * (the browser test's resident posts one). */
		json_t *in =
		    json_pack("{s:s,s:o,s:s,s:[s,s],s:i,s:i,s:f,s:f}", "kind", "person", "user_id",
		              id_json(uid), "scope_code", code, "skills", "心理疏导",
		              a->role == ROLE_PARTY_MEMBER ? "读报陪聊" : "陪诊",
		              "capacity_per_week", 8, "radius_m", 5000, "lng", lng, "lat", lat);
		json_t *out = NULL;
		int rc =
		    gz_match_offer_create(c->db, c->op, in, c->now - 380 * DAY_MS, &out, c->err);
		json_decref(in);
		json_decref(out);
		if (rc < 0)
			return -1;
	}
	/* Co-building units of the community's agreements: venues, goods, funds. */
	for (int32_t k = 0; k < s->nagreements; k++) {
		const demo_agreement *ag = &s->agreements[k];
		if (ag->community != ci)
			continue;
		char un[40];
		snprintf(un, sizeof un, "zyz%d-%d%02d", s->street_no, ci + 1, 1);
		int64_t uid = user_id(c, un);
		if (uid <= 0)
			return uid < 0 ? -1 : 0;
		double lng, lat;
		community_point(c, ci, &lng, &lat);
		json_t *in = json_pack(
		    "{s:s,s:o,s:o,s:s,s:[s,s],s:i,s:i,s:f,s:f,s:[{s:s,s:s,s:i},{s:s,s:s,s:i},{s:s,"
		    "s:s,"
		    "s:i}]}",
		    "kind", "unit", "user_id", id_json(uid), "org_id",
		    id_json(org_ids[ag->unit_org]), "scope_code", s->communities[ci].code, "skills",
		    "物资捐赠", "场地提供", "capacity_per_week", 3, "radius_m", 5000, "lng", lng,
		    "lat", lat, "items", "kind", "venue", "name", "会议室（30 人）", "quantity", 1,
		    "kind", "goods", "name", "米面油礼包", "quantity", 50, "kind", "funds", "name",
		    "微心愿基金（元）", "quantity", 20000);
		json_t *out = NULL;
		int rc =
		    gz_match_offer_create(c->db, c->op, in, c->now - 380 * DAY_MS, &out, c->err);
		json_decref(in);
		json_decref(out);
		if (rc < 0)
			return -1;
		(void)agreement_ids;
		break;
	}
	return 0;
}

static int64_t post_need(ctx *c, int64_t resident, int64_t at)
{
	unsigned k = demo_rng_below(&c->r, NKINDS);
	json_t *in =
	    json_pack("{s:o,s:s,s:s,s:s,s:s,s:o,s:o,s:i}", "resident_id", id_json(resident), "kind",
	              kinds[k].wish ? "wish" : "service", "skill", kinds[k].skill, "title",
	              kinds[k].title, "description", kinds[k].desc, "window_start", time_json(at),
	              "window_end", time_json(at + 10 * DAY_MS), "est_minutes", kinds[k].minutes);
	json_t *out = NULL;
	int rc = gz_match_need_create(c->db, c->op, in, at, &out, c->err);
	json_decref(in);
	int64_t id = rc < 0 ? -1 : id_of(out);
	json_decref(out);
	return id;
}

/* The run of community code at time at, and its answers: most accepted, some declined;
 * done two days later and rated the day after (unless `live`: then left proposed or
 * taken). */
static int run_week(ctx *c, const char *code, int64_t at, bool live)
{
	json_t *in = json_pack("{s:s}", "community_code", code), *out = NULL;
	int rc = gz_match_run(c->db, c->op, in, at, &out, c->err);
	json_decref(in);
	if (rc < 0)
		return -1;
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(out, "proposals"), i, p)
	{
		int64_t pid = id_of(p), need = id_of(json_object_get(p, "need"));
		int64_t est =
		    json_integer_value(json_object_get(json_object_get(p, "need"), "est_minutes"));
		json_t *res = NULL, *body = json_object();
		if (live && demo_rng_chance(&c->r, 5000)) {
			json_decref(body);
			continue; /* waiting for the provider's answer */
		}
		bool decline = demo_rng_chance(&c->r, 1200);
		if (decline)
			json_object_set_new(body, "reason", json_string("这周时间冲突"));
		rc = gz_match_proposal_answer(c->db, c->op, pid, !decline, body,
		                              at + (int64_t)demo_rng_range(&c->r, 1, 20) * HOUR_MS,
		                              &res, c->err);
		json_decref(body);
		json_decref(res);
		if (rc < 0)
			break;
		if (decline || live)
			continue;
		body = json_pack("{s:I}", "minutes",
		                 (json_int_t)(est + demo_rng_range(&c->r, -10, 30) > 10
		                                  ? est + demo_rng_range(&c->r, -10, 30)
		                                  : 15));
		rc =
		    gz_match_need_complete(c->db, c->op, need, body, at + 2 * DAY_MS, &res, c->err);
		json_decref(body);
		json_decref(res);
		if (rc < 0)
			break;
		if (demo_rng_chance(&c->r, 1500))
			continue; /* never rated */
		body = json_pack("{s:i,s:s}", "rating", demo_rng_chance(&c->r, 8000) ? 5 : 4,
		                 "comment", comments[demo_rng_below(&c->r, 5)]);
		rc = gz_match_need_rate(c->db, c->op, need, body, at + 3 * DAY_MS, &res, c->err);
		json_decref(body);
		json_decref(res);
		if (rc < 0)
			break;
	}
	json_decref(out);
	return rc < 0 ? -1 : 0;
}

/* The first organisation of type t placed exactly at code, or -1. */
static int32_t org_in(const demo_street *s, org_type t, const char *code)
{
	for (int32_t i = 0; i < s->norgs; i++)
		if (s->orgs[i].type == t && !strcmp(s->orgs[i].space, code))
			return i;
	return -1;
}

/* Organisation org commits amount_fen to project id (under agreement, when not 0). */
static int commit(ctx *c, int64_t id, int64_t org, int64_t agreement, const char *content,
                  int64_t amount_fen, int64_t at)
{
	json_t *in = json_pack("{s:o,s:s,s:I}", "org_id", id_json(org), "content", content,
	                       "amount_fen", (json_int_t)amount_fen),
	       *out = NULL;
	if (agreement)
		json_object_set_new(in, "agreement_id", id_json(agreement));
	int rc = gz_match_project_commit(c->db, c->op, id, in, at, &out, c->err);
	json_decref(in);
	json_decref(out);
	return rc < 0 ? -1 : 0;
}

static int projects(ctx *c, int ci, const int64_t *org_ids, const int64_t *agreement_ids)
{
	const demo_street *s = c->s;
	const char *code = s->communities[ci].code;
	static const struct {
		const char *title, *desc, *milestone, *report, *party, *social;
		int64_t budget;
		int days_ago;
	} P[] = {
	    {"老旧楼道加装扶手", "为高层老人较多的楼栋加装楼道扶手，方便上下楼", "完成采购",
	     "共为 12 个单元加装扶手，居民验收满意", "党组织服务群众经费支持，党员志愿者协助入户",
	     "社工入户评估老人出行需求，志愿者协助验收", 1800000, 200},
	    {"社区长者食堂升级", "扩建长者食堂，增加送餐上门服务", "完成场地改造", NULL,
	     "党组织服务群众经费支持改造", "招募助餐志愿者，组织送餐上门", 5600000, 40},
	};
	for (size_t k = 0; k < 2; k++) {
		int64_t at = c->now - P[k].days_ago * DAY_MS;
		json_t *in = json_pack("{s:s,s:s,s:s,s:I}", "scope_code", code, "title", P[k].title,
		                       "description", P[k].desc, "budget_fen",
		                       (json_int_t)P[k].budget),
		       *out = NULL;
		int rc = gz_match_project_create(c->db, c->op, in, at, &out, c->err);
		json_decref(in);
		int64_t id = rc < 0 ? 0 : id_of(out);
		json_decref(out);
		if (rc < 0)
			return -1;
		in = json_pack("{s:s,s:o,s:b}", "title", P[k].milestone, "due_at",
		               time_json(at + 30 * DAY_MS), "done", P[k].report != NULL);
		rc = gz_match_project_milestone(c->db, c->op, id, in, at + DAY_MS, &out, c->err);
		json_decref(in);
		json_decref(out);
		if (rc < 0)
			return -1;
		/* The first unit with an agreement here commits under it (about half); the
		 * community's Party committee funds a share from its service-the-people
		 * budget, and a social organisation serving the community brings its social
		 * workers and volunteers: the resources of a project come from the Party
		 * system, co-building units and social organisations alike. */
		for (int32_t a = 0; a < s->nagreements; a++) {
			const demo_agreement *ag = &s->agreements[a];
			if (ag->community != ci || ag->start_ms > at || ag->end_ms < at)
				continue;
			if (commit(c, id, org_ids[ag->unit_org], agreement_ids[a],
			           "出资并派员参与施工", P[k].budget * (40 + 5 * (ci % 3)) / 100,
			           at + 2 * DAY_MS) < 0)
				return -1;
			break;
		}
		int32_t party = org_in(s, ORG_COMMUNITY_PARTY, code),
		        social = org_in(s, ORG_SOCIAL_ORG, code);
		if (social < 0)
			social = org_in(s, ORG_SOCIAL_ORG, s->code);
		if (party >= 0 &&
		    commit(c, id, org_ids[party], 0, P[k].party,
		           P[k].budget * (15 + 5 * (ci % 3)) / 100, at + 3 * DAY_MS) < 0)
			return -1;
		if (social >= 0 &&
		    commit(c, id, org_ids[social], 0, P[k].social,
		           P[k].budget * (8 + 3 * (ci % 2)) / 100, at + 5 * DAY_MS) < 0)
			return -1;
		if (!P[k].report)
			continue;
		in = json_pack("{s:s}", "report", P[k].report);
		rc =
		    gz_match_project_complete(c->db, c->op, id, in, at + 60 * DAY_MS, &out, c->err);
		json_decref(in);
		json_decref(out);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int demo_load_matching(gz_db *db, const gz_actor *op, const demo_street *s, const int64_t *org_ids,
                       const int64_t *agreement_ids, uint64_t seed, int64_t now, gz_err *err)
{
	ctx c = {.db = db, .op = op, .s = s, .err = err, .now = now};
	demo_rng_init(&c.r, seed, 0x6d61746368ULL /* "match" */);
	int32_t vg = demo_vacant_grid(s);
	for (int32_t ci = 0; ci < s->ncommunities; ci++) {
		const char *code = s->communities[ci].code;
		if (offers(&c, ci, org_ids, agreement_ids) < 0 || pick_residents(&c, code) < 0)
			return -1;
		if (c.nres == 0)
			continue;
		/* The under-served grid's elderly, with nobody visiting since their worker
		 * left, turn to the platform: a need of theirs every week of the last
		 * VACANT_WEEKS, which the equity boost lifts. */
		/* The demo resident's own record, when they live in this community. */
		int64_t own = 0;
		for (int i = 0; i < s->naccounts && !own; i++) {
			const demo_account *a = &s->accounts[i];
			if (a->role != ROLE_RESIDENT || strncmp(a->scope, code, strlen(code)) != 0)
				continue;
			int64_t uid = user_id(&c, a->username);
			gz_people_brief b;
			int rc = uid > 0 ? gz_people_brief_of_user(db, uid, &b, err) : (int)uid;
			if (rc < 0)
				return -1;
			if (rc > 0)
				own = b.id;
		}
		int64_t vacant[RESIDENTS];
		int nvacant = 0;
		if (vg >= 0 && s->grids[vg].community == ci &&
		    pick_in(&c, s->grids[vg].code, vacant, &nvacant, RESIDENTS) < 0)
			return -1;
		/* Others than those the weekly draw above picks from (no one posts twice in a
		 * week), at most eight. */
		int kept = 0;
		for (int i = 0; i < nvacant && kept < 8; i++) {
			bool drawn = false;
			for (int j = 0; j < c.nres && !drawn; j++)
				drawn = c.residents[j] == vacant[i];
			if (!drawn)
				vacant[kept++] = vacant[i];
		}
		nvacant = kept;
		for (int w = 0; w < WEEKS; w++) {
			int64_t t = now - (int64_t)(WEEKS - w) * 7 * DAY_MS + 9 * HOUR_MS;
			int n = demo_rng_range(&c.r, 2, NEEDS_A_WEEK + 1);
			for (int k = 0; k < n; k++) {
				int64_t rid = c.residents[demo_rng_below(&c.r, (uint32_t)c.nres)];
				if (post_need(&c, rid, t + k * HOUR_MS) < 0)
					return -1;
			}
			if (own > 0 && w == WEEKS - 5 &&
			    post_need(&c, own, t + n * HOUR_MS + HOUR_MS / 2) < 0)
				return -1;
			if (nvacant && w >= WEEKS - VACANT_WEEKS &&
			    post_need(&c, vacant[demo_rng_below(&c.r, (uint32_t)nvacant)],
			              t + n * HOUR_MS) < 0)
				return -1;
			int expired = 0;
			if (gz_db_begin(db, err) < 0)
				return -1;
			if (gz_match_expire(db, op, t, &expired, err) < 0 ||
			    gz_db_commit(db, err) < 0) {
				gz_db_rollback(db);
				return -1;
			}
			if (run_week(&c, code, t + DAY_MS, w == WEEKS - 1) < 0)
				return -1;
		}
		/* The demo resident's own needs: one waiting today (the one of last month, posted
		 * above, went through that week's run: most likely served and rated). */
		if (own > 0 && post_need(&c, own, now - 2 * HOUR_MS) < 0)
			return -1;
		/* Today: a few needs waiting for the next run. */
		for (int k = 0; k < 3; k++)
			if (post_need(&c, c.residents[demo_rng_below(&c.r, (uint32_t)c.nres)],
			              now - (3 - k) * HOUR_MS) < 0)
				return -1;
		if (projects(&c, ci, org_ids, agreement_ids) < 0)
			return -1;
	}
	/* As of now: needs whose window has passed unserved (the last run left some) have
	 * expired, as the server's expiry job would have done. */
	int expired = 0;
	if (gz_db_begin(db, err) < 0)
		return -1;
	if (gz_match_expire(db, op, now, &expired, err) < 0 || gz_db_commit(db, err) < 0) {
		gz_db_rollback(db);
		return -1;
	}
	return 0;
}
