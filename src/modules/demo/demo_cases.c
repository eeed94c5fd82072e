/* A year of cases for the demo street, written through the cases module's own writes
 * (cases.h) so the demo passes every rule real cases do. Each case is planned as a list
 * of actions with rising times; an action whose time is still to come is not taken, so
 * the last weeks' cases stop part-way (open, some past their deadlines, which the
 * deadline job then marks). */
#include "modules/demo/demo_cases.h"
#include "api/common.h"
#include "core/json.h"
#include "core/time.h"
#include "modules/accounts/accounts.h"
#include "modules/cases/cases.h"

#include "cli/cli.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOUR           (3600LL * 1000)
#define DEMO_CASE_JOBS 4
#define DAY            (24 * HOUR)

/* A category the demo draws, how often in each month (weights, January first), and how
 * its reports read. who: 'p' 物业 handles it, 'd' a department may, 'c' the community
 * answers it itself (咨询), 0 the locality (the grid). */
typedef struct {
	const char *code;
	unsigned char month[12];
	char who;
	const char *what[3];
} demo_category;

static const demo_category cats[] = {
    {"E0101",
     {6, 6, 6, 6, 7, 8, 9, 9, 7, 6, 6, 6},
     0,
     {"楼下垃圾桶旁堆放大量生活垃圾", "绿地里有人乱扔垃圾", "垃圾清运不及时，有异味"}},
    {"E0102",
     {2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2},
     0,
     {"路边堆了装修渣土一直没人清", "小区门口建筑垃圾堆积", "废弃家具堆在楼道口"}},
    {"E0103",
     {3, 3, 4, 4, 3, 3, 3, 3, 3, 4, 5, 4},
     0,
     {"道路上落叶和尘土很多", "人行道污水横流", "路面油污"}},
    {"E0104",
     {2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2},
     0,
     {"楼道和电线杆上贴满小广告", "单元门上被喷涂办证广告", "墙上乱写乱画"}},
    {"E0105",
     {2, 2, 3, 4, 6, 8, 9, 9, 6, 4, 2, 2},
     'd',
     {"夜间广场舞音响声音太大", "楼下烧烤店深夜喧哗", "空调外机噪音扰民"}},
    {"E0106",
     {1, 1, 1, 2, 3, 4, 4, 4, 3, 2, 1, 1},
     'd',
     {"餐馆油烟直排进居民窗户", "楼下饭店排风扇油烟大", "烧烤摊油烟扰民"}},
    {"E0201",
     {2, 2, 4, 6, 7, 8, 8, 8, 7, 5, 3, 2},
     'd',
     {"路口有人摆摊卖水果占道", "早市商贩占用人行道", "流动摊贩堵住小区出入口"}},
    {"E0202",
     {1, 1, 2, 3, 4, 5, 5, 5, 4, 3, 2, 1},
     'd',
     {"超市把货物堆到店门外", "饭店在门外摆桌经营", "修车铺占用人行道"}},
    {"E0203",
     {6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6},
     'd',
     {"机动车长期停在消防通道", "车辆乱停堵住小区大门", "路边车辆双排停放"}},
    {"E0204",
     {3, 3, 4, 5, 6, 7, 7, 7, 6, 5, 4, 3},
     0,
     {"地铁口共享单车堆积", "共享单车倒在盲道上", "小区门口单车乱停"}},
    {"E0205",
     {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
     'p',
     {"有人私装地锁占用公共车位", "地桩锁占了消防通道", "私自圈占车位"}},
    {"E0302",
     {1, 1, 2, 3, 4, 4, 4, 4, 4, 3, 2, 1},
     'd',
     {"工地夜间施工噪音大", "装修从早到晚电钻声不断", "工地凌晨运土"}},
    {"E0303",
     {1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1},
     'd',
     {"渣土车沿路遗撒", "运输车辆掉落砂石", "道路上有撒落的泥浆"}},
    {"E0301",
     {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
     'd',
     {"楼顶有人搭建彩钢房", "一层住户私自扩建院墙", "绿地里搭建棚子"}},
    {"E0401",
     {3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3},
     'p',
     {"物业保洁不到位，楼道长期不打扫", "物业维修报修多日无人处理", "小区绿化长期无人修剪"}},
    {"E0402",
     {9, 7, 4, 0, 0, 0, 0, 0, 0, 0, 8, 10},
     'p',
     {"家里暖气不热，室温只有十几度", "暖气片上热下凉", "整栋楼供暖温度不达标"}},
    {"E0403",
     {2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2},
     'p',
     {"小区停车收费不合理", "外来车辆占用小区车位", "车位划线不清"}},
    {"E0501",
     {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
     0,
     {"独居老人需要助餐服务", "老人行动不便希望上门服务", "想了解养老驿站服务"}},
    {"E0502",
     {2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2},
     'c',
     {"咨询灵活就业社保怎么缴", "咨询失业登记办理流程", "咨询医保报销政策"}},
    {"E0503",
     {2, 2, 3, 2, 2, 2, 2, 3, 3, 2, 2, 2},
     'c',
     {"开具居住证明需要什么材料", "咨询孩子入学需要的证明", "咨询办理居住证流程"}},
    {"E0504",
     {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2},
     0,
     {"家里老人生病生活困难求助", "残疾人家庭求助", "低保申请求助"}},
    {"E0505",
     {1, 1, 1, 2, 2, 2, 2, 2, 2, 1, 1, 1},
     0,
     {"楼上漏水到楼下，邻居协商不成", "邻居在楼道堆放杂物", "邻居养狗扰民"}},
    {"E0601",
     {2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2},
     0,
     {"消防通道被杂物堵塞", "楼道堆放大量纸箱", "安全出口被锁"}},
    {"E0602",
     {3, 3, 3, 3, 4, 4, 4, 4, 4, 3, 3, 3},
     0,
     {"有人在楼道给电动车充电", "电动车推进电梯上楼", "飞线充电"}},
    {"E0603",
     {1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1},
     'd',
     {"楼道里有燃气味", "燃气管道老化漏气", "饭店燃气瓶摆放不规范"}},
    {"E0604",
     {1, 1, 1, 1, 1, 1, 2, 2, 1, 1, 1, 1},
     0,
     {"阳台花盆有坠落风险", "外墙瓷砖松动", "窗户玻璃破裂"}},
    {"E0702",
     {0, 0, 0, 0, 1, 3, 8, 7, 2, 0, 0, 0},
     'd',
     {"下雨后路口积水严重", "地下车库进水", "雨水篦子堵塞积水"}},
    {"C0101",
     {1, 1, 1, 1, 1, 1, 2, 2, 1, 1, 1, 1},
     0,
     {"人行道井盖缺失", "井盖破损松动", "雨水井盖下沉"}},
    {"C0102",
     {4, 4, 3, 2, 2, 2, 2, 2, 2, 3, 4, 4},
     0,
     {"路灯不亮，晚上很黑", "一排路灯都坏了", "路灯白天一直亮着"}},
    {"C0301",
     {2, 2, 2, 2, 3, 3, 3, 3, 3, 2, 2, 2},
     0,
     {"垃圾桶破损", "果皮箱满溢没人清", "垃圾分类桶缺盖"}},
    {"C0401",
     {0, 0, 1, 1, 1, 2, 4, 4, 2, 1, 1, 0},
     'd',
     {"大风吹断树枝挡住道路", "行道树倾斜有倒伏危险", "枯树有倒塌隐患"}},
    {"C0403",
     {1, 1, 1, 1, 2, 2, 2, 2, 2, 1, 1, 1},
     0,
     {"健身器材损坏", "小区秋千断了", "健身器材螺丝松动"}},
    {"C0501",
     {3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3},
     'p',
     {"楼道灯不亮", "声控灯坏了", "单元楼梯间照明损坏"}},
    {"C0502",
     {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
     'p',
     {"单元门禁坏了", "单元门关不上", "门禁刷卡无反应"}},
    {"C0503",
     {1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1},
     'p',
     {"电梯经常停运", "电梯门关不严", "电梯运行异响"}},
    {"C0504",
     {0, 0, 0, 1, 2, 4, 6, 5, 2, 1, 0, 0},
     'p',
     {"顶楼漏雨", "屋面防水层破损", "下雨时墙面渗水"}},
};
#define NCATS ((int)(sizeof cats / sizeof cats[0]))

static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴",
                                       "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "高", "罗"};

static int pick_category(demo_rng *r, int month)
{
	int total = 0;
	for (int i = 0; i < NCATS; i++)
		total += cats[i].month[month];
	int x = (int)demo_rng_below(r, (uint32_t)total);
	for (int i = 0; i < NCATS; i++)
		if ((x -= cats[i].month[month]) < 0)
			return i;
	return 0;
}

/* The month (0..11) of the local date of ms. */
static int month_of(int64_t ms)
{
	int y, m, d;
	gz_time_civil_from_days((ms + 8 * HOUR) / DAY, &y, &m, &d);
	return m - 1;
}

typedef struct {
	gz_db *db;
	const gz_actor *op;
	int64_t now;
	int64_t id;   /* the case */
	int64_t at;   /* the time of the last action taken */
	bool stopped; /* an action's time was still to come */
	bool final;   /* withdrawn, rejected or merged */
	int left;     /* actions still to take before the case stalls (-1: no stall) */
	gz_err *err;
} plan;

/* Takes action `action` (with the fields of body, stolen) after delay, unless that time is
 * still to come. Returns 0 (taken or skipped), -1 on an error. */
static int step(plan *p, int64_t delay, const char *action, json_t *body)
{
	if (!body)
		body = json_object();
	if (p->stopped || p->at + delay >= p->now || p->left == 0) {
		p->stopped = true;
		json_decref(body);
		return 0;
	}
	p->at += delay;
	if (p->left > 0)
		p->left--;
	json_object_set_new(body, "action", json_string(action));
	int rc = gz_case_act(p->db, p->op, p->id, body, p->at, NULL, p->err);
	json_decref(body);
	return rc;
}

static json_t *note(const char *s)
{
	return json_pack("{s:s}", "note", s);
}

static json_t *org_body(int64_t org, const char *s)
{
	char id[24];
	snprintf(id, sizeof id, "%" PRId64, org);
	return json_pack("{s:s,s:s}", "org", id, "note", s);
}

/* Minutes in lo..hi as ms. */
static int64_t mins(demo_rng *r, int lo, int hi)
{
	return (int64_t)demo_rng_range(r, lo, hi) * 60000;
}

/* Organisation ids by type inside the street: property companies by community (index of
 * s->communities), departments. */
typedef struct {
	int64_t *property; /* per community, 0 when none */
	int64_t dept[8];
	int ndept;
} demo_orgs;

static int load_orgs(gz_db *db, const demo_street *s, demo_orgs *o, gz_err *err)
{
	o->property = calloc((size_t)s->ncommunities + 1, sizeof *o->property);
	o->ndept = 0;
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT id, type, space_code FROM organisations WHERE "
	                            "space_code >= $1 AND space_code < $2 AND type IN "
	                            "('property_company', 'department') ORDER BY id",
	                            err);
	if (!st)
		return -1;
	char hi[GZ_SCOPE_MAX + 2];
	policy_scope_upper(s->code, hi, sizeof hi);
	gz_stmt_bind_str(st, 1, s->code);
	gz_stmt_bind_str(st, 2, hi);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		int64_t id = gz_stmt_int64(st, 0);
		if (!strcmp(gz_stmt_text(st, 1), "department")) {
			if (o->ndept < 8)
				o->dept[o->ndept++] = id;
			continue;
		}
		for (int c = 0; c < s->ncommunities; c++)
			if (!strcmp(s->communities[c].code, gz_stmt_text(st, 2)) && !o->property[c])
				o->property[c] = id;
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* The demo's property and department accounts see cases through their organisations. */
static int grant_orgs(gz_db *db, const gz_actor *op, const demo_street *s, const demo_orgs *o,
                      gz_err *err)
{
	for (int i = 0; i < s->naccounts; i++) {
		const demo_account *a = &s->accounts[i];
		int64_t org = a->role == ROLE_PROPERTY     ? o->property[0]
		              : a->role == ROLE_DEPARTMENT ? (o->ndept ? o->dept[0] : 0)
		                                           : 0;
		if (!org)
			continue;
		gz_user_row u;
		int rc = gz_user_by_name(db, a->username, false, &u, err);
		if (rc <= 0) {
			if (rc < 0)
				return -1;
			continue;
		}
		char scope[32], ids[24];
		snprintf(scope, sizeof scope, "org:%" PRId64 "/", org);
		snprintf(ids, sizeof ids, "%" PRId64, u.id);
		if (gz_db_begin(db, err) < 0)
			return -1;
		json_t *d =
		    json_pack("{s:s,s:s}", "role", policy_role_name(a->role), "scope", scope);
		rc = gz_user_grant(db, u.id, a->role, scope, err);
		if (rc >= 0)
			rc = gz_audit(op, db, "user.grant", "user", ids, a->scope, d, err);
		json_decref(d);
		if (rc < 0 || gz_db_commit(db, err) < 0) {
			gz_db_rollback(db);
			if (err->kind != GZ_ECONFLICT)
				return -1;
			gz_err_clear(err); /* held already (demo --force) */
		}
	}
	return 0;
}

/* One case: reported at t, then its life. Returns the case id, 0 when not made, -1. */
static int64_t one_case(plan *p, demo_rng *r, const demo_street *s, const int64_t *building_ids,
                        const demo_orgs *o, int64_t resident_user, int64_t merge_target, int64_t t)
{
	const demo_category *c = &cats[pick_category(r, month_of(t))];
	int32_t bi = (int32_t)demo_rng_below(r, (uint32_t)s->nbuildings);
	const demo_building *b = &s->buildings[bi];
	int community = -1;
	for (int k = 0; k < s->ncommunities; k++)
		if (!strncmp(s->communities[k].code, s->grids[b->grid].code, 12))
			community = k;
	char id[24], phone[12], name[32], desc[512];
	snprintf(id, sizeof id, "%" PRId64, building_ids[bi]);
	snprintf(desc, sizeof desc, "%s", c->what[demo_rng_below(r, 3)]);
	int src = (int)demo_rng_below(r, 100);
	bool patrol = src >= 80, self = src >= 95;
	json_t *in = json_pack("{s:s,s:s,s:s,s:s}", "category", c->code, "description", desc,
	                       "building_id", id, "address", b->address);
	if (patrol) {
		json_object_set_new(in, "source", json_string("patrol"));
		if (self) {
			json_object_set_new(in, "self_handled", json_true());
			json_object_set_new(in, "handled_note",
			                    json_string("巡查发现，已当场处置"));
		}
	} else {
		json_object_set_new(in, "source", json_string(src < 55 ? "resident" : "hotline"));
		snprintf(phone, sizeof phone, "13%09" PRIu32,
		         (uint32_t)demo_rng_below(r, 1000000000u));
		snprintf(name, sizeof name, "%s%s", surnames[demo_rng_below(r, 20)],
		         demo_rng_chance(r, 5000) ? "先生" : "女士");
		json_object_set_new(in, "reporter",
		                    json_pack("{s:s,s:s}", "name", name, "phone", phone));
		json_object_set_new(in, "anonymous", json_boolean(demo_rng_chance(r, 1000)));
		json_object_set_new(in, "request_type",
		                    json_string(c->who == 'c'              ? "consult"
		                                : demo_rng_chance(r, 3000) ? "help"
		                                : demo_rng_chance(r, 500)  ? "suggestion"
		                                : demo_rng_chance(r, 500)  ? "tipoff"
		                                                           : "complaint"));
		if (resident_user && src < 3) {
			char u[24];
			snprintf(u, sizeof u, "%" PRId64, resident_user);
			json_object_set_new(in, "reporter_user_id", json_string(u));
		}
	}
	json_t *out = NULL;
	int rc = gz_case_create(p->db, p->op, in, t, &out, p->err);
	json_decref(in);
	if (rc < 0)
		return -1;
	p->id = strtoll(json_string_value(json_object_get(out, "id")), NULL, 10);
	json_decref(out);
	p->at = t;
	p->stopped = p->final = false;
	/* The last three weeks' work is partly still in hand: the backlog of a street. */
	p->left = t > p->now - 21 * DAY && demo_rng_chance(r, 6000) ? demo_rng_range(r, 0, 5) : -1;
	if (self)
		return p->id;

	/* Not taken up: withdrawn, rejected, merged into an earlier report. */
	int fate = (int)demo_rng_below(r, 100);
	p->final = fate < 7 || (fate < 9 && merge_target);
	if (fate < 3)
		return step(p, mins(r, 10, 120), "withdraw", NULL) < 0 ? -1 : p->id;
	if (fate < 7)
		return step(p, mins(r, 20, 180), "reject",
		            note("不属于社区受理范围，已告知反映人")) < 0
		           ? -1
		           : p->id;
	if (fate < 9 && merge_target) {
		char tg[24];
		snprintf(tg, sizeof tg, "%" PRId64, merge_target);
		json_t *body = json_pack("{s:s,s:s}", "target", tg, "note", "重复反映");
		return step(p, mins(r, 10, 90), "merge", body) < 0 ? -1 : p->id;
	}
	for (int round = 0; round < 2; round++) {
		if ((round == 0 ? step(p, mins(r, 10, 150), "accept", NULL)
		                : step(p, mins(r, 30, 240), "dispatch", NULL)) < 0)
			return -1;
		if (round == 0 && c->who == 'c') {
			/* 咨询: the community answers itself. */
			if (step(p, mins(r, 30, 600), "handle",
			         note("已电话答复，告知办理流程和所需材料")) < 0)
				return -1;
		} else {
			if (round == 0) {
				int64_t org =
				    c->who == 'p' && community >= 0 ? o->property[community]
				    : c->who == 'd' && o->ndept && demo_rng_chance(r, 4000)
				        ? o->dept[demo_rng_below(r, (uint32_t)o->ndept)]
				        : 0;
				if (step(p, mins(r, 10, 200), "dispatch",
				         org ? org_body(org, "请尽快处置") : note("属地网格处置")) <
				    0)
					return -1;
			}
			/* Most sign within the limit; some late. */
			if (step(p,
			         demo_rng_chance(r, 1000) ? mins(r, 300, 1800) : mins(r, 10, 200),
			         "sign", NULL) < 0)
				return -1;
			if (demo_rng_chance(r, 400)) { /* 吹哨 */
				if (step(p, mins(r, 60, 600), "escalate",
				         o->ndept
				             ? org_body(
				                   o->dept[demo_rng_below(r, (uint32_t)o->ndept)],
				                   "社区协调无果，提请职能部门处置")
				             : note("社区协调无果，提请街道处置")) < 0 ||
				    step(p, mins(r, 60, 1200), "report_in",
				         note("已报到，安排处置")) < 0)
					return -1;
			} else if (demo_rng_chance(r, 600)) { /* 延期 */
				json_t *ext =
				    json_pack("{s:s,s:{s:i,s:s}}", "note", "需要协调多方，申请延期",
				              "extension", "amount", 2, "unit", "workdays");
				if (step(p, mins(r, 60, 1440), "request_extension", ext) < 0 ||
				    step(p, mins(r, 30, 600),
				         demo_rng_chance(r, 8500) ? "approve_extension"
				                                  : "deny_extension",
				         NULL) < 0)
					return -1;
			}
			/* Handled: most within a day or two, some late. */
			int64_t work =
			    demo_rng_chance(r, 1500) ? mins(r, 3000, 9000) : mins(r, 60, 2000);
			if (step(p, work, "handle", note("已处置完毕，现场已恢复")) < 0)
				return -1;
			if (demo_rng_chance(r, 700)) { /* 返工 */
				if (step(p, mins(r, 60, 600), "rework",
				         note("核查发现未处理到位，请返工")) < 0 ||
				    step(p, mins(r, 10, 120), "sign", NULL) < 0 ||
				    step(p, mins(r, 120, 1440), "handle", note("已重新处置")) < 0)
					return -1;
			}
		}
		if (step(p, mins(r, 60, 1440), "verify", NULL) < 0 ||
		    step(p, mins(r, 5, 120), "close", NULL) < 0)
			return -1;
		if (patrol || demo_rng_chance(r, 1200))
			return p->id; /* no rating (patrol findings; reporters not reached) */
		int x = (int)demo_rng_below(r, 100);
		const char *sat = round    ? "satisfied"
		                  : x < 76 ? "satisfied"
		                  : x < 90 ? "basically_satisfied"
		                           : "unsatisfied";
		bool unsat = !strcmp(sat, "unsatisfied");
		json_t *rate = json_pack("{s:s,s:b}", "satisfaction", sat, "resolved",
		                         !unsat || demo_rng_chance(r, 2000));
		if (step(p, mins(r, 60, 2880), "rate", rate) < 0)
			return -1;
		if (!unsat || !demo_rng_chance(r, 4000))
			return p->id;
		if (step(p, mins(r, 60, 2880), "reopen", note("问题反复出现，仍未解决")) < 0)
			return -1;
	}
	return p->id;
}

/* One connection's share of the cases: i = k, k + jobs, ... */
typedef struct {
	gz_db *db; /* NULL: open its own */
	const gz_actor *op;
	const demo_street *s;
	const int64_t *building_ids;
	const demo_orgs *o;
	int64_t resident_user, now;
	const int64_t *times;
	int n, k, jobs;
	uint64_t seed;
	int made; /* -1 on failure, err set */
	gz_err err;
} loader_job;

static void *load_share(void *arg)
{
	loader_job *w = arg;
	gz_db *db = w->db ? w->db : gz_cli_open_db();
	if (!db) {
		gz_err_set(&w->err, GZ_EUNAVAILABLE, "db_unavailable", "无法连接数据库");
		w->made = -1;
		return NULL;
	}
	plan p = {.db = db, .op = w->op, .now = w->now, .err = &w->err};
	int64_t recent = 0;
	for (int i = w->k; i < w->n; i += w->jobs) {
		demo_rng r;
		demo_rng_init(&r, w->seed, 0xca5e50000ULL + (uint64_t)i);
		int64_t id = one_case(&p, &r, w->s, w->building_ids, w->o, w->resident_user, recent,
		                      w->times[i]);
		if (id < 0) {
			w->made = -1;
			break;
		}
		w->made++;
		if (!p.final && (p.stopped || demo_rng_chance(&r, 3000)))
			recent = id; /* an open case a later report may duplicate */
	}
	if (!w->db)
		gz_db_close(db);
	return NULL;
}

int demo_load_cases(gz_db *db, const gz_actor *op, const demo_street *s,
                    const int64_t *building_ids, uint64_t seed, int64_t now, int n, gz_err *err)
{
	demo_orgs o = {0};
	if (s->nbuildings == 0 || load_orgs(db, s, &o, err) < 0 ||
	    grant_orgs(db, op, s, &o, err) < 0) {
		free(o.property);
		return s->nbuildings == 0 ? 0 : -1;
	}
	int64_t resident_user = 0;
	for (int i = 0; i < s->naccounts; i++)
		if (s->accounts[i].role == ROLE_RESIDENT) {
			gz_user_row u;
			if (gz_user_by_name(db, s->accounts[i].username, false, &u, err) > 0)
				resident_user = u.id;
		}
	demo_rng r;
	demo_rng_init(&r, seed, 0xca5e5);
	/* Report times: spread over the year, busier on weekdays and in the daytime. */
	int64_t *times = malloc(sizeof *times * (size_t)(n + 1));
	for (int i = 0; i < n; i++) {
		int64_t day = now - 365 * DAY + (int64_t)demo_rng_below(&r, 365) * DAY;
		int hour = demo_rng_chance(&r, 8500) ? demo_rng_range(&r, 7, 21)
		                                     : demo_rng_range(&r, 0, 23);
		/* local midnight of that day, then the hour (Asia/Shanghai) */
		int64_t t = ((day + 8 * HOUR) / DAY) * DAY - 8 * HOUR + hour * HOUR +
		            (int64_t)demo_rng_below(&r, 3600) * 1000;
		times[i] = t < now - 60000 ? t : now - 60000;
	}
	/* In time order, so merges and the rest see the cases before them. */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && times[j - 1] > times[j]; j--) {
			int64_t x = times[j];
			times[j] = times[j - 1];
			times[j - 1] = x;
		}
	/* On PostgreSQL the cases are loaded by DEMO_CASE_JOBS connections at once (each
	 * action is a few round trips); SQLite has one writer. Case i is drawn from its own
	 * random stream, so the cases do not depend on who loads them. */
	int jobs = gz_db_driver(db) == GZ_DB_POSTGRES ? DEMO_CASE_JOBS : 1;
	loader_job w[DEMO_CASE_JOBS];
	pthread_t th[DEMO_CASE_JOBS];
	bool started[DEMO_CASE_JOBS] = {0};
	for (int k = 0; k < jobs; k++) {
		w[k] = (loader_job){.db = k ? NULL : db,
		                    .op = op,
		                    .s = s,
		                    .building_ids = building_ids,
		                    .o = &o,
		                    .resident_user = resident_user,
		                    .times = times,
		                    .n = n,
		                    .k = k,
		                    .jobs = jobs,
		                    .seed = seed,
		                    .now = now};
		gz_err_clear(&w[k].err);
		if (k)
			started[k] = pthread_create(&th[k], NULL, load_share, &w[k]) == 0;
		if (k && !started[k])
			w[k].made = -1;
	}
	load_share(&w[0]);
	int made = 0;
	for (int k = 0; k < jobs; k++) {
		if (started[k])
			pthread_join(th[k], NULL);
		if (w[k].made < 0 && made >= 0) {
			made = -1;
			*err = w[k].err;
		} else if (made >= 0) {
			made += w[k].made;
		}
	}
	free(times);
	free(o.property);
	return made;
}
