/* The demo street's year of mobilisation (demo_mob.h): activities, sign-ups, hours,
 * points, the charity store and Party member points, written through the mobilisation module's
 * functions as the operator, each at the time it happened, so the data pass every check real data
 * pass and `gongzhi ledger check` holds on them. */
#include "modules/demo/demo_mob.h"
#include "modules/accounts/accounts.h"
#include "modules/mobilisation/mobilisation.h"
#include "modules/people/people.h"
#include "modules/people/person.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/time.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_MS  60000LL
#define HOUR_MS 3600000LL
#define DAY_MS  86400000LL
#define CST_MS  (8 * HOUR_MS) /* Asia/Shanghai: activities are planned in local time */

#define VOLS_PER_COMMUNITY  12
#define PARTY_PER_COMMUNITY 5
#define ITEMS               8
#define COMMUNITIES_MAX     16

typedef struct {
	int64_t user_id;
	int community;
	bool party;
} vol;

typedef struct {
	const char *title, *desc, *skills[3];
	int kind;  /* 0 volunteer, 1 party */
	int start; /* local start hour */
	int hours; /* duration */
	int pph;   /* points per hour, 0: the rule */
} plan;

/* What communities do, week after week (the seed: 环境、关爱、宣传、治安、文体). */
static const plan plans[] = {
    {"社区环境清洁日", "清理小区公共区域、楼道杂物和卫生死角", {"清洁", "搬运"}, 0, 9, 3, 0},
    {"关爱独居老人上门探访",
     "两人一组探访独居、空巢老人，了解生活需求并登记",
     {"陪伴", "沟通"},
     0,
     14,
     2,
     0},
    {"垃圾分类桶前值守", "早高峰在分类投放点指导居民正确分类", {"宣传", "引导"}, 0, 7, 2, 0},
    {"防范电信诈骗宣传", "在社区广场发放宣传材料，讲解常见诈骗手法", {"宣传", "讲解"}, 0, 9, 3, 0},
    {"便民维修服务", "为居民免费修理小家电、自行车、磨刀", {"维修", "电工"}, 0, 9, 3, 2},
    {"四点半课堂辅导", "为双职工家庭的小学生辅导作业、开展阅读", {"辅导", "阅读"}, 0, 16, 2, 0},
    {"文明交通劝导", "在小区出入口劝导非机动车规范停放", {"引导"}, 0, 17, 2, 0},
    {"夜间治安巡逻", "两人一组巡查楼栋、车棚、消防通道，跨零点", {"巡逻", "消防"}, 0, 21, 4, 2},
    {"健康义诊进社区", "协助社区卫生服务中心量血压、测血糖、登记", {"医疗", "登记"}, 0, 9, 3, 0},
    {"主题党日：党员志愿服务",
     "在职党员和社区党员共同开展楼道清洁和政策宣传",
     {"宣传", "清洁"},
     1,
     9,
     3,
     2},
    {"党员先锋岗值守",
     "党员在社区服务站值守，受理居民诉求并分类登记",
     {"接待", "登记"},
     1,
     14,
     3,
     2},
    {"双报到党员认领微心愿", "走访困难家庭，认领并落实微心愿", {"走访", "沟通"}, 1, 14, 2, 2},
};

static const char *const comments[] = {"认真负责", "服务热情，居民满意", "主动补位，表现突出",
                                       "准时到岗，组织有序", "耐心细致"};

static const struct {
	const char *name, *desc;
	int price, stock;
} items[ITEMS] = {
    {"东北大米 5kg", "爱心企业捐赠", 30, 40},
    {"食用油 5L", "非转基因压榨", 40, 30},
    {"洗衣液 2kg", "", 15, 50},
    {"纯棉毛巾", "", 5, 80},
    {"牙膏牙刷套装", "", 6, 60},
    {"抽纸 10包", "", 8, 60},
    {"保温杯", "不锈钢 500ml", 25, 20},
    {"折叠雨伞", "", 12, 30},
};

typedef struct {
	gz_db *db;
	const gz_actor *op;
	const demo_street *s;
	gz_err *err;
	demo_rng r;
	vol *v;
	int nv;
	int ncomm;
	int64_t item_ids[COMMUNITIES_MAX][ITEMS];
	int64_t stock[COMMUNITIES_MAX][ITEMS];
	int64_t organiser[COMMUNITIES_MAX][2]; /* residents' committee, community Party committee */
	int64_t *balance;                      /* per volunteer, as the ledger will hold it */
	const int64_t *org_ids, *agreement_ids;
	int64_t now;
	int demo_vol; /* the demo's volunteer account (index in v), or -1 */
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
	char b[40];
	return json_string(gz_time_rfc3339(ms, b, sizeof b));
}

/* The end of a write call: *id the answer's id (may be NULL); names what failed. */
static int done(ctx *c, int rc, json_t *out, int64_t *id, const char *what)
{
	if (rc == 0 && id)
		*id = id_of(out);
	json_decref(out);
	if (rc < 0) {
		char m[sizeof c->err->message];
		memcpy(m, c->err->message, sizeof m);
		snprintf(c->err->message, sizeof c->err->message, "%s: %.200s", what, m);
	}
	return rc;
}

/* Local midnight (Asia/Shanghai) of the day of t. */
static int64_t local_day(int64_t t)
{
	return (t + CST_MS) / DAY_MS * DAY_MS - CST_MS;
}

static int community_of_code(const ctx *c, const char *code)
{
	for (int i = 0; i < c->ncomm; i++)
		if (!strncmp(code, c->s->communities[i].code, 12))
			return i;
	return -1;
}

static int community_of_resident(const demo_street *s, int32_t ri)
{
	const demo_person *p = &s->residents[ri];
	if (p->unit < 0)
		return -1;
	return s->grids[s->buildings[s->units[p->unit].building].grid].community;
}

/* ---------------------------------------------------------------- volunteers */

/* A volunteer account without a usable password (nobody logs in as it until an
 * administrator resets one), audited as `gongzhi user add` audits. */
static int64_t volunteer_account(ctx *c, const char *username, const char *name, policy_role role,
                                 const char *scope)
{
	gz_user_row u = {0};
	int rc = gz_user_by_name(c->db, username, true, &u, c->err);
	if (rc != 0)
		return rc < 0 ? -1 : u.id;
	if (gz_db_begin(c->db, c->err) < 0)
		return -1;
	int64_t id = gz_user_insert(c->db, username, name, "!no-login", c->err);
	/* A Party member who lives there is a resident of the grid too (their own record's
	 * account: people's rule for linking one). */
	bool resident = role == ROLE_PARTY_MEMBER;
	if (id < 0 || gz_user_grant(c->db, id, role, scope, c->err) < 0 ||
	    (resident && gz_user_grant(c->db, id, ROLE_RESIDENT, scope, c->err) < 0))
		goto fail;
	gz_grant g[2] = {{.role = role}, {.role = ROLE_RESIDENT}};
	snprintf(g[0].scope, sizeof g[0].scope, "%s", scope);
	snprintf(g[1].scope, sizeof g[1].scope, "%s", scope);
	char ids[24];
	snprintf(ids, sizeof ids, "%" PRId64, id);
	json_t *detail = json_pack("{s:s,s:s,s:o}", "username", username, "display_name", name,
	                           "roles", gz_grants_json(g, resident ? 2 : 1));
	rc = gz_audit(c->op, c->db, "user.create", "user", ids, scope, detail, c->err);
	json_decref(detail);
	if (rc < 0 || gz_db_commit(c->db, c->err) < 0)
		goto fail;
	return id;
fail:
	gz_db_rollback(c->db);
	return -1;
}

/* The account user_id is the own account of Party member k's resident record (the
 * demo's Party members were written in s->party order), so their service counts in their
 * Party member points. Once: a record already linked stays. */
static int link_resident(ctx *c, int32_t k, int64_t user_id)
{
	int64_t rid = 0, linked = 0;
	if (gz_db_query_int64(c->db,
	                      "SELECT resident_id FROM party_members ORDER BY id LIMIT 1 OFFSET $1",
	                      &rid, c->err, 1, (int64_t)k) < 0 ||
	    (rid && gz_db_query_int64(c->db,
	                              "SELECT COUNT(*) FROM residents WHERE id = $1 AND "
	                              "user_id IS NOT NULL",
	                              &linked, c->err, 1, rid) < 0))
		return -1;
	if (!rid || linked)
		return 0;
	json_t *in = json_pack("{s:o}", "user_id", id_json(user_id));
	int rc = gz_people_resident_change(c->db, c->op, rid, GZ_PEOPLE_EDIT, in, 0, NULL, c->err);
	json_decref(in);
	return done(c, rc, NULL, NULL, "resident account link");
}

static int add_volunteers(ctx *c)
{
	const demo_street *s = c->s;
	c->v = gz_calloc((size_t)c->ncomm * VOLS_PER_COMMUNITY + DEMO_ACCOUNTS + 1, sizeof *c->v);
	int year = person_date_from_ms(c->now).year;
	for (int ci = 0; ci < c->ncomm; ci++) {
		int made = 0, party = 0;
		/* Party members who live in the community first, then other adults. */
		for (int32_t k = 0; k < s->nparty && party < PARTY_PER_COMMUNITY; k++) {
			int32_t ri = s->party[k].resident;
			if (community_of_resident(s, ri) != ci)
				continue;
			const demo_person *p = &s->residents[ri];
			int age = year - p->birth.year;
			if (age < 22 || age > 72)
				continue;
			char un[40];
			snprintf(un, sizeof un, "zyz%d-%d%02d", s->street_no, ci + 1, made + 1);
			const demo_grid *g =
			    &s->grids[s->buildings[s->units[p->unit].building].grid];
			int64_t id = volunteer_account(c, un, p->name, ROLE_PARTY_MEMBER, g->code);
			if (id < 0 || link_resident(c, k, id) < 0)
				return -1;
			c->v[c->nv++] = (vol){id, ci, true};
			made++, party++;
		}
		uint32_t step = (uint32_t)demo_rng_range(&c->r, 7, 23);
		for (int32_t i = (int32_t)demo_rng_below(&c->r, 50), tries = 0;
		     made < VOLS_PER_COMMUNITY && tries < s->nresidents;
		     i = (i + (int32_t)step) % s->nresidents, tries++) {
			if (community_of_resident(s, i) != ci)
				continue;
			const demo_person *p = &s->residents[i];
			int age = year - p->birth.year;
			bool dup = false;
			for (int32_t k = 0; k < s->nparty && !dup; k++)
				dup = s->party[k].resident == i;
			if (dup || age < 18 || age > 70)
				continue;
			char un[40];
			snprintf(un, sizeof un, "zyz%d-%d%02d", s->street_no, ci + 1, made + 1);
			int64_t id = volunteer_account(c, un, p->name, ROLE_VOLUNTEER,
			                               s->communities[ci].code);
			if (id < 0)
				return -1;
			c->v[c->nv++] = (vol){id, ci, false};
			made++;
		}
	}
	/* The demo's own volunteer, Party member and resident take part in their community. */
	for (int i = 0; i < s->naccounts; i++) {
		const demo_account *a = &s->accounts[i];
		if (a->role != ROLE_VOLUNTEER && a->role != ROLE_PARTY_MEMBER &&
		    a->role != ROLE_RESIDENT)
			continue;
		gz_user_row u = {0};
		int rc = gz_user_by_name(c->db, a->username, false, &u, c->err);
		if (rc < 0)
			return -1;
		int ci = rc ? community_of_code(c, a->scope) : -1;
		if (ci < 0)
			continue;
		if (a->role == ROLE_VOLUNTEER && ci == 0)
			c->demo_vol = c->nv;
		c->v[c->nv++] = (vol){u.id, ci, a->role == ROLE_PARTY_MEMBER};
	}
	c->balance = gz_calloc((size_t)c->nv + 1, sizeof *c->balance);
	return 0;
}

/* ---------------------------------------------------------------- organisers, store */

static int find_organisers(ctx *c)
{
	const demo_street *s = c->s;
	for (int ci = 0; ci < c->ncomm; ci++) {
		const char *code = s->communities[ci].code;
		for (int32_t i = 0; i < s->norgs; i++) {
			if (strcmp(s->orgs[i].space, code))
				continue;
			if (s->orgs[i].type == ORG_RESIDENTS_COMMITTEE)
				c->organiser[ci][0] = c->org_ids[i];
			else if (s->orgs[i].type == ORG_COMMUNITY_PARTY)
				c->organiser[ci][1] = c->org_ids[i];
		}
		if (!c->organiser[ci][0] || !c->organiser[ci][1])
			return gz_err_set(
			    c->err, GZ_EINTERNAL, "demo",
			    "community %s has no residents' committee or Party committee", code);
	}
	return 0;
}

static int open_stores(ctx *c, int64_t t)
{
	for (int ci = 0; ci < c->ncomm; ci++)
		for (int k = 0; k < ITEMS; k++) {
			json_t *in = json_pack("{s:s,s:s,s:s,s:i,s:i}", "community_code",
			                       c->s->communities[ci].code, "name", items[k].name,
			                       "description", items[k].desc, "price_points",
			                       items[k].price, "stock", items[k].stock),
			       *out = NULL;
			int rc = gz_mob_store_item_create(c->db, c->op, in, t, &out, c->err);
			json_decref(in);
			if (done(c, rc, out, &c->item_ids[ci][k], "store item") < 0)
				return -1;
			c->stock[ci][k] = items[k].stock;
		}
	return 0;
}

/* Stock for community ci's item k: a replenishment, or a donation from one of the
 * community's co-building units under its agreement (with its commitments). */
static int restock(ctx *c, int ci, int k, int64_t t)
{
	const demo_street *s = c->s;
	int32_t ag = -1;
	if (demo_rng_chance(&c->r, 5000))
		for (int32_t i = 0, n = 0; i < s->nagreements; i++)
			if (s->agreements[i].community == ci &&
			    s->agreements[i].status == ORG_AGREEMENT_ACTIVE &&
			    demo_rng_below(&c->r, (uint32_t)++n) == 0)
				ag = i;
	int qty = items[k].stock / 2 + demo_rng_range(&c->r, 0, 10);
	json_t *in = json_pack("{s:s,s:i}", "kind", ag >= 0 ? "donation" : "replenish", "quantity",
	                       qty),
	       *out = NULL;
	if (ag >= 0) {
		json_object_set_new(in, "agreement_id", id_json(c->agreement_ids[ag]));
		json_object_set_new(in, "note", json_string("共建单位爱心捐赠"));
	}
	int rc = gz_mob_stock_add(c->db, c->op, c->item_ids[ci][k], in, t, &out, c->err);
	json_decref(in);
	if (done(c, rc, out, NULL, "stock") < 0)
		return -1;
	c->stock[ci][k] += qty;
	return 0;
}

/* Volunteers with points redeem something they can afford, now and then, between t0
 * and t1; most pick it up within three days, a few cancel, some are still waiting. */
static int redemptions(ctx *c, int64_t t0, int64_t t1)
{
	for (int i = 0; i < c->nv; i++) {
		if (!demo_rng_chance(&c->r, 5000))
			continue;
		int ci = c->v[i].community;
		int k = (int)demo_rng_below(&c->r, ITEMS);
		if (c->balance[i] < items[k].price)
			continue;
		int64_t t =
		    t0 + (int64_t)demo_rng_below(&c->r, (uint32_t)((t1 - t0) / MIN_MS)) * MIN_MS;
		if (c->stock[ci][k] < 1 && restock(c, ci, k, t - HOUR_MS) < 0)
			return -1;
		json_t *in = json_object(), *out = NULL;
		int rc = gz_mob_redeem(c->db, c->op, c->item_ids[ci][k], c->v[i].user_id, in, t,
		                       &out, c->err);
		json_decref(in);
		int64_t rid = 0;
		if (done(c, rc, out, &rid, "redemption") < 0)
			return -1;
		c->balance[i] -= items[k].price;
		c->stock[ci][k]--;
		int64_t later = t + (int64_t)demo_rng_range(&c->r, 2, 72) * HOUR_MS;
		if (later >= c->now || demo_rng_chance(&c->r, 800))
			continue; /* still waiting to be picked up */
		if (demo_rng_chance(&c->r, 600)) {
			rc = gz_mob_redemption_cancel(c->db, c->op, rid, later, &out, c->err);
			if (done(c, rc, out, NULL, "cancel redemption") < 0)
				return -1;
			c->balance[i] += items[k].price;
			c->stock[ci][k]++;
			continue;
		}
		rc = gz_mob_pick_up(c->db, c->op, rid, later, &out, c->err);
		if (done(c, rc, out, NULL, "pick-up") < 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- activities */

static int64_t publish(ctx *c, int ci, const plan *p, int64_t start, int64_t end, int slots,
                       int64_t at)
{
	json_t *skills = json_array();
	for (int k = 0; k < 3 && p->skills[k]; k++)
		json_array_append_new(skills, json_string(p->skills[k]));
	json_t *in = json_pack(
	    "{s:s,s:o,s:s,s:s,s:s,s:s,s:o,s:o,s:i,s:o}", "kind", p->kind ? "party" : "volunteer",
	    "organiser_org_id", id_json(c->organiser[ci][p->kind]), "title", p->title,
	    "description", p->desc, "place_code", c->s->communities[ci].code, "address",
	    p->kind ? "社区党群服务中心" : "社区广场", "start_at", time_json(start), "end_at",
	    time_json(end), "slots", slots, "skills", skills);
	if (p->pph)
		json_object_set_new(in, "points_per_hour", json_integer(p->pph));
	json_t *out = NULL;
	int64_t id = 0;
	int rc = gz_mob_activity_create(c->db, c->op, in, at, &out, c->err);
	json_decref(in);
	return done(c, rc, out, &id, "activity") < 0 ? -1 : id;
}

/* Signs volunteer vi up; *sid (may be NULL) gets the sign-up's id. */
static int signup(ctx *c, int64_t act, int vi, int64_t t, int64_t *sid)
{
	json_t *out = NULL;
	int rc = gz_mob_signup(c->db, c->op, act, c->v[vi].user_id, t, &out, c->err);
	return done(c, rc, out, sid, "sign-up");
}

/* Check-in or -out of volunteer vi at time t with the code the organiser shows then. */
static int check(ctx *c, int64_t act, int vi, bool out_, int64_t t)
{
	json_t *code = NULL, *res = NULL;
	if (gz_mob_activity_code(c->db, c->op, act, t, &code, c->err) < 0)
		return done(c, -1, NULL, NULL, "code");
	json_t *in = json_pack("{s:O}", "code", json_object_get(code, "code"));
	json_decref(code);
	int rc = gz_mob_check(c->db, c->op, act, c->v[vi].user_id, out_, in, t, &res, c->err);
	json_decref(in);
	return done(c, rc, res, NULL, out_ ? "check-out" : "check-in");
}

/* A past activity's whole life: published a week before, signed up, checked in and out
 * (late, early, or closed by the organiser), confirmed an hour after the end. */
static int past_activity(ctx *c, int ci, const plan *p, int64_t start)
{
	int64_t end = start + p->hours * HOUR_MS;
	int slots = demo_rng_range(&c->r, 3, 8);
	int64_t act = publish(c, ci, p, start, end, slots, start - 7 * DAY_MS);
	if (act < 0)
		return -1;
	/* the community's volunteers, Party members for Party activities first */
	int pool[VOLS_PER_COMMUNITY + DEMO_ACCOUNTS], n = 0;
	for (int i = 0; i < c->nv; i++)
		if (c->v[i].community == ci &&
		    (!p->kind || c->v[i].party || demo_rng_chance(&c->r, 3000)))
			pool[n++] = i;
	for (int i = n - 1; i > 0; i--) { /* shuffle */
		int j = (int)demo_rng_below(&c->r, (uint32_t)i + 1), t = pool[i];
		pool[i] = pool[j];
		pool[j] = t;
	}
	int want = slots + demo_rng_range(&c->r, -3, 3);
	if (want > n)
		want = n;
	int64_t t = start - 6 * DAY_MS, sids[VOLS_PER_COMMUNITY + DEMO_ACCOUNTS];
	bool in[VOLS_PER_COMMUNITY + DEMO_ACCOUNTS] = {0};
	for (int k = 0; k < want; k++) {
		t += (int64_t)demo_rng_range(&c->r, 10, 600) * MIN_MS;
		if (signup(c, act, pool[k], t, &sids[k]) < 0)
			return -1;
		in[k] = true;
	}
	/* a few cancel a day or two later (the waitlist moves up) */
	for (int k = 0; k < want; k++)
		if (demo_rng_chance(&c->r, 600)) {
			json_t *out = NULL;
			int rc = gz_mob_signup_cancel(c->db, c->op, act, c->v[pool[k]].user_id,
			                              start - DAY_MS, &out, c->err);
			if (done(c, rc, out, NULL, "cancel") < 0)
				return -1;
			in[k] = false;
		}
	/* who holds a slot now: the first `slots` of those still in, in sign-up order */
	int held = 0, who[VOLS_PER_COMMUNITY + DEMO_ACCOUNTS],
	    outs[VOLS_PER_COMMUNITY + DEMO_ACCOUNTS];
	int64_t ins[VOLS_PER_COMMUNITY + DEMO_ACCOUNTS], sid[VOLS_PER_COMMUNITY + DEMO_ACCOUNTS];
	for (int k = 0; k < want && held < slots; k++)
		if (in[k]) {
			sid[held] = sids[k];
			who[held++] = pool[k];
		}
	for (int h = 0; h < held; h++) {
		outs[h] = 0;
		if (demo_rng_chance(&c->r, 700)) { /* no-show */
			ins[h] = 0;
			continue;
		}
		ins[h] = demo_rng_chance(&c->r, 1500)
		             ? start + (int64_t)demo_rng_range(&c->r, 5, 40) * MIN_MS /* late */
		             : start - (int64_t)demo_rng_range(&c->r, 0, 12) * MIN_MS;
		if (check(c, act, who[h], false, ins[h]) < 0)
			return -1;
	}
	for (int h = 0; h < held; h++) {
		if (!ins[h])
			continue;
		int64_t o;
		if (demo_rng_chance(&c->r,
		                    800)) { /* forgot to check out: closed by the organiser */
			outs[h] = -1;
			continue;
		}
		o = demo_rng_chance(&c->r, 1200)
		        ? end - (int64_t)demo_rng_range(&c->r, 10, 50) * MIN_MS /* left early */
		        : end + (int64_t)demo_rng_range(&c->r, 0, 15) * MIN_MS;
		if (o <= ins[h] + 10 * MIN_MS)
			o = ins[h] + 10 * MIN_MS;
		if (check(c, act, who[h], true, o) < 0)
			return -1;
		outs[h] = 1;
	}
	/* the organiser, after the end: close the open check-outs, evaluate, confirm */
	json_t *evals = json_array(), *out = NULL;
	for (int h = 0; h < held; h++) {
		if (!outs[h])
			continue;
		if (outs[h] == -1) {
			json_t *body = json_object();
			int rc = gz_mob_close_checkout(c->db, c->op, act, sid[h], body,
			                               end + 30 * MIN_MS, &out, c->err);
			json_decref(body);
			if (done(c, rc, out, NULL, "close check-out") < 0) {
				json_decref(evals);
				return -1;
			}
			out = NULL;
		}
		if (demo_rng_chance(&c->r, 3500))
			json_array_append_new(
			    evals, json_pack("{s:o,s:i,s:s}", "signup_id", id_json(sid[h]),
			                     "rating", demo_rng_range(&c->r, 4, 5), "comment",
			                     comments[demo_rng_below(&c->r, 5)]));
	}
	json_t *body = json_pack("{s:o}", "evaluations", evals);
	int rc = gz_mob_activity_confirm(c->db, c->op, act, body, end + HOUR_MS, &out, c->err);
	json_decref(body);
	if (rc == 0) {
		/* what each earned, to know what they can afford later */
		json_t *ps = json_object_get(json_object_get(out, "confirmation"), "participants");
		size_t i;
		json_t *pp;
		json_array_foreach(ps, i, pp)
		{
			int64_t uid =
			    strtoll(json_string_value(json_object_get(pp, "user_id")), NULL, 10);
			for (int k = 0; k < c->nv; k++)
				if (c->v[k].user_id == uid)
					c->balance[k] +=
					    json_integer_value(json_object_get(pp, "points"));
		}
	}
	return done(c, rc, out, NULL, "confirm");
}

/* Activities still to come, and one running now in the first community with the demo
 * volunteer signed up (so its check-in can be tried with the organiser's code). */
static int upcoming(ctx *c)
{
	int64_t today = local_day(c->now);
	for (int ci = 0; ci < c->ncomm; ci++)
		for (int k = 0; k < 3; k++) {
			const plan *p =
			    &plans[demo_rng_below(&c->r, sizeof plans / sizeof plans[0])];
			int64_t start =
			    today + (int64_t)(2 + 4 * k + ci) * DAY_MS + p->start * HOUR_MS;
			int64_t act = publish(c, ci, p, start, start + p->hours * HOUR_MS,
			                      demo_rng_range(&c->r, 5, 10), c->now - DAY_MS);
			if (act < 0)
				return -1;
			for (int i = 0, n = 0; i < c->nv && n < 4; i++)
				if (c->v[i].community == ci && demo_rng_chance(&c->r, 3000)) {
					if (signup(c, act, i, c->now - HOUR_MS, NULL) < 0)
						return -1;
					n++;
				}
		}
	int64_t start = (c->now - 30 * MIN_MS) / MIN_MS * MIN_MS;
	int64_t act = publish(c, 0, &plans[0], start, start + 3 * HOUR_MS, 12, c->now - DAY_MS);
	if (act < 0)
		return -1;
	int dv = c->demo_vol;
	for (int i = 0, n = 0; i < c->nv && n < 6; i++)
		if (c->v[i].community == 0 && i != dv) {
			if (signup(c, act, i, c->now - 20 * HOUR_MS, NULL) < 0 ||
			    (n < 3 && check(c, act, i, false, start + (int64_t)n * MIN_MS) < 0))
				return -1;
			n++;
		}
	return dv >= 0 ? signup(c, act, dv, c->now - 10 * HOUR_MS, NULL) : 0;
}

/* ---------------------------------------------------------------- the year */

static int records(ctx *c, int64_t year0)
{
	for (int i = 0; i < c->nv; i++) {
		const char *comm = c->s->communities[c->v[i].community].code;
		json_t *in =
		           json_pack("{s:o,s:s,s:s,s:s,s:s,s:o,s:i}", "user_id",
		                     id_json(c->v[i].user_id), "kind", "training", "community_code",
		                     comm, "org_name", "街道志愿服务指导中心", "content",
		                     "志愿服务基础与安全培训", "started_at",
		                     time_json(year0 + 20 * DAY_MS + 9 * HOUR_MS), "minutes", 120),
		       *out = NULL;
		int rc = gz_mob_record_create(c->db, c->op, in, year0 + 21 * DAY_MS, &out, c->err);
		json_decref(in);
		if (done(c, rc, out, NULL, "training") < 0)
			return -1;
	}
	return 0;
}

static int awards(ctx *c, int64_t t)
{
	for (int ci = 0; ci < c->ncomm; ci++) {
		/* the community's volunteer with the most points */
		int best = -1;
		for (int i = 0; i < c->nv; i++)
			if (c->v[i].community == ci &&
			    (best < 0 || c->balance[i] > c->balance[best]))
				best = i;
		if (best < 0)
			continue;
		const char *comm = c->s->communities[ci].code;
		json_t *in =
		           json_pack("{s:o,s:s,s:s,s:s,s:s,s:o}", "user_id",
		                     id_json(c->v[best].user_id), "kind", "award", "community_code",
		                     comm, "org_name", c->s->communities[ci].name, "content",
		                     "年度优秀志愿者", "started_at", time_json(t)),
		       *out = NULL;
		int rc = gz_mob_record_create(c->db, c->op, in, t, &out, c->err);
		json_decref(in);
		if (done(c, rc, out, NULL, "award") < 0)
			return -1;
		in = json_pack("{s:o,s:s,s:i,s:s}", "user_id", id_json(c->v[best].user_id),
		               "community_code", comm, "points", 20, "reason",
		               "年度优秀志愿者奖励积分（社区两委会议通过）");
		rc = gz_mob_points_adjust(c->db, c->op, in, t, &out, c->err);
		json_decref(in);
		if (done(c, rc, out, NULL, "adjustment") < 0)
			return -1;
		c->balance[best] += 20;
	}
	return 0;
}

/* ---------------------------------------------------------------- Party member points */

/* The year of 党员积分: every branch's members at the monthly 主题党日 (most of them),
 * 双报到 duties of the members who reported to a community, the odd deduction with its
 * reason; and settings of their own for the first branch. */
static int party_points(ctx *c, int64_t year0)
{
	gz_stmt *st = gz_db_prepare(c->db,
	                            "SELECT id, party_org_id, CASE WHEN reported_community_code IS "
	                            "NULL THEN 0 ELSE 1 END FROM party_members ORDER BY id",
	                            c->err);
	if (!st)
		return -1;
	int64_t(*m)[3] = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = gz_stmt_step(st, c->err)) == GZ_ROW) {
		if (n == cap)
			m = gz_realloc(m, (cap = cap ? 2 * cap : 256) * sizeof *m);
		m[n][0] = gz_stmt_int64(st, 0);
		m[n][1] = gz_stmt_int64(st, 1);
		m[n][2] = gz_stmt_int64(st, 2);
		n++;
	}
	gz_stmt_finish(st);
	if (rc < 0 || !n) {
		free(m);
		return rc < 0 ? -1 : 0;
	}
	json_t *out = NULL, *in = json_pack("{s:i,s:i}", "service_hour", 3, "meeting", 4);
	rc = gz_mob_party_rules_set(c->db, c->op, m[0][1], in, year0, &out, c->err);
	json_decref(in);
	if (done(c, rc, out, NULL, "party rules") < 0)
		goto fail;
	static const char *const months[] = {"一", "二", "三", "四", "五",   "六",
	                                     "七", "八", "九", "十", "十一", "十二"};
	for (int mo = 0; mo < 12; mo++) {
		int64_t day = year0 + (int64_t)mo * 30 * DAY_MS + 14 * DAY_MS;
		if (day + DAY_MS > c->now)
			break;
		char note[64];
		snprintf(note, sizeof note, "%s月主题党日", months[mo]);
		for (size_t i = 0; i < n; i++) {
			json_t *e;
			uint32_t roll = demo_rng_below(&c->r, 100);
			if (roll < 85)
				e = json_pack("{s:o,s:s,s:s}", "party_member_id", id_json(m[i][0]),
				              "kind", "meeting", "note", note);
			else if (roll < 87)
				e = json_pack("{s:o,s:s,s:s,s:i,s:s}", "party_member_id",
				              id_json(m[i][0]), "kind", "deduction", "note", note,
				              "points", 2, "reason", "无故缺席主题党日，未请假");
			else
				e = NULL;
			if (e) {
				rc = gz_mob_party_entry_create(
				    c->db, c->op, m[i][1], e,
				    day + 9 * HOUR_MS + (int64_t)i * MIN_MS, &out, c->err);
				json_decref(e);
				if (done(c, rc, out, NULL, "party meeting") < 0)
					goto fail;
			}
			int64_t dt =
			    day + (int64_t)demo_rng_range(&c->r, 2, 12) * DAY_MS + 15 * HOUR_MS;
			if (m[i][2] && demo_rng_below(&c->r, 100) < 60 && dt < c->now) {
				e = json_pack("{s:o,s:s,s:s}", "party_member_id", id_json(m[i][0]),
				              "kind", "duty", "note",
				              demo_rng_below(&c->r, 2) ? "到报到社区认领岗位值守"
				                                       : "参加社区志愿服务");
				rc = gz_mob_party_entry_create(c->db, c->op, m[i][1], e, dt, &out,
				                               c->err);
				json_decref(e);
				if (done(c, rc, out, NULL, "party duty") < 0)
					goto fail;
			}
		}
	}
	free(m);
	return 0;
fail:
	free(m);
	return -1;
}

int demo_load_mobilisation(gz_db *db, const gz_actor *op, const demo_street *s,
                           const int64_t *org_ids, const int64_t *agreement_ids, uint64_t seed,
                           int64_t now, gz_err *err)
{
	ctx c = {.db = db,
	         .op = op,
	         .s = s,
	         .err = err,
	         .org_ids = org_ids,
	         .agreement_ids = agreement_ids,
	         .now = now,
	         .ncomm = s->ncommunities < COMMUNITIES_MAX ? s->ncommunities : COMMUNITIES_MAX,
	         .demo_vol = -1};
	demo_rng_init(&c.r, seed, 0x6d6f62696c6973ULL /* "mobilis" */);
	int64_t year0 = local_day(now) - 364 * DAY_MS;
	int ret = -1;
	if (add_volunteers(&c) < 0 || find_organisers(&c) < 0 || open_stores(&c, year0) < 0 ||
	    records(&c, year0) < 0)
		goto out;
	const int nplans = (int)(sizeof plans / sizeof plans[0]);
	for (int week = 0; week < 52; week++) {
		int64_t monday = year0 + (int64_t)week * 7 * DAY_MS;
		/* every community every other week (a year of it, and a demo that loads in
		 * seconds: each step is a transaction of the module's own writes) */
		for (int ci = 0; ci < c.ncomm; ci++) {
			if ((week + ci) % 2)
				continue;
			const plan *p =
			    &plans[(week * 5 + ci * 3 + (int)demo_rng_below(&c.r, 3)) % nplans];
			int64_t start = monday + (int64_t)demo_rng_range(&c.r, 0, 6) * DAY_MS +
			                p->start * HOUR_MS;
			if (start + (p->hours + 2) * HOUR_MS >= now)
				continue;
			if (past_activity(&c, ci, p, start) < 0)
				goto out;
		}
		if (week % 4 == 3) {
			/* the Monday and Tuesday after the month's activities */
			int64_t t0 = monday + 7 * DAY_MS + 9 * HOUR_MS, t1 = t0 + 2 * DAY_MS;
			if (t1 > now - HOUR_MS)
				t1 = now - HOUR_MS;
			if (t0 < t1 && redemptions(&c, t0, t1) < 0)
				goto out;
			for (int ci = 0; ci < c.ncomm; ci++) /* the monthly restocking */
				for (int k = 0; k < ITEMS; k++)
					if (c.stock[ci][k] < items[k].stock / 3 &&
					    restock(&c, ci, k, t1 - 2 * HOUR_MS) < 0)
						goto out;
		}
	}
	if (awards(&c, local_day(now) - 10 * DAY_MS + 10 * HOUR_MS) < 0 || upcoming(&c) < 0 ||
	    party_points(&c, year0) < 0)
		goto out;
	ret = 0;
out:
	free(c.v);
	free(c.balance);
	return ret;
}
