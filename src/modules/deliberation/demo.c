/* gongzhi demo: a year of deliberation in each community of the demo street (deliberation.h,
 * gz_delib_demo). Each community gets the same seven topics at the stages a year of work
 * leaves them in, backdated through the year: every stage on the record with its notes,
 * comments with positions and replies, a meeting of several actors, owners' votes and
 * residents' meetings with their electorates frozen from the street's units and residents
 * and their ballots (paper, proxy and online), results stored exactly as a close stores
 * them, publicity, implementation tasks with progress, and residents' evaluations. The
 * writes are this module's own rows, one transaction per community, audited as the
 * actor given. Deterministic for seed (apart from the times, which follow now). */
#include "api/common.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/media.h"
#include "core/time.h"
#include "modules/deliberation/delib_internal.h"
#include "modules/deliberation/minutes_pdf.h"
#include "modules/deliberation/topic.h"
#include "modules/people/people.h"

#include <stdlib.h>

#include <stdio.h>
#include <string.h>

#define DAY INT64_C(86400000)

typedef struct {
	const char *title, *body;
	int final;      /* topic_stage it has reached */
	int start_days; /* proposed this many days before now */
	bool grid;      /* in the community's first grid (else the community) */
	const char *rule;
	int electorate;       /* topic_electorate */
	int turnout, agree;   /* percent of the electorate voting; of them agreeing */
	const char *owner;    /* implementation */
	const char *tasks[3]; /* implementation tasks */
} topic_spec;

static const topic_spec specs[] = {
    {"既有住宅加装电梯",
     "1号楼、3号楼住户提出加装电梯，费用由受益业主按楼层和面积分摊，申请专项维修资金补贴。",
     TOPIC_CLOSED,
     330,
     true,
     "owners_major",
     TOPIC_ELECTORATE_OWNERS,
     84,
     88,
     "安居物业服务有限公司",
     {"设计方案与一楼采光评估", "电梯采购与安装", "特种设备验收"}},
    {"使用公共收益维修小区道路",
     "小区主路破损积水，拟使用停车位公共收益约 18 万元维修。",
     TOPIC_EVALUATION,
     220,
     true,
     "owners_general",
     TOPIC_ELECTORATE_OWNERS,
     76,
     71,
     "安居物业服务有限公司",
     {"施工招标", "道路铺装", "竣工验收"}},
    {"规范电动自行车停放与充电",
     "楼道内停放、充电电动自行车隐患大，拟建集中充电棚并制定停放公约。",
     TOPIC_IMPLEMENTATION,
     150,
     true,
     "residents_meeting",
     TOPIC_ELECTORATE_RESIDENTS,
     62,
     80,
     "社区居委会",
     {"充电棚选址与建设", "停放公约张贴与宣传", NULL}},
    {"调整地面停车收费标准",
     "物业提出地面停车费由每月 150 元调整为 200 元。",
     TOPIC_CLOSED,
     34, /* its publicity ended two days ago: on the public board */
     true,
     "owners_general",
     TOPIC_ELECTORATE_OWNERS,
     58,
     40,
     NULL,
     {NULL}},
    {"设置垃圾分类定时定点投放站",
     "拟撤除楼门口垃圾桶，在小区内设置 3 处定时定点投放站。",
     TOPIC_VOTING,
     40,
     true,
     "residents_meeting",
     TOPIC_ELECTORATE_HOUSEHOLDS,
     45,
     70,
     NULL,
     {NULL}},
    {"增设儿童游乐设施",
     "中心绿地增设儿童游乐设施，听取居民意见后由议事会协商方案。",
     TOPIC_CONSULTATION,
     20,
     false,
     NULL,
     0,
     0,
     0,
     NULL,
     {NULL}},
    {"开放社区党群服务中心自习室",
     "居民建议在周末开放党群服务中心二楼作为自习室。",
     TOPIC_PROPOSED,
     3,
     false,
     NULL,
     0,
     0,
     0,
     NULL,
     {NULL}},
};

static const struct {
	const char *position, *body;
} comments[] = {
    {"support", "家里有老人，上下楼很不方便，支持。"},
    {"oppose", "担心费用分摊不公平，一楼住户不受益。"},
    {"suggest", "建议先公开预算明细，再征求意见。"},
    {"support", "早就该办了，希望尽快落实。"},
    {"suggest", "施工期间请合理安排时间，避开午休。"},
};

static uint64_t mix(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

static uint64_t hash_str(uint64_t h, const char *s)
{
	while (*s)
		h = mix(h ^ (unsigned char)*s++);
	return h;
}

/* Runs sql with $1 = a and $2 = b (an integer) or, when s is given, $2 = s. */
static int exec(gz_db *db, const char *sql, gz_err *err, int64_t a, int64_t b, const char *s)
{
	gz_stmt *st = gz_db_prepare(db, sql, err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, a);
	if (s)
		gz_stmt_bind_str(st, 2, s);
	else
		gz_stmt_bind_int64(st, 2, b);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

static int stage(gz_db *db, const gz_actor *a, int64_t id, int s, const char *note, int64_t at,
                 gz_err *err)
{
	return delib_topic_set_stage(db, a, id, s, note, at, err);
}

/* Ballots of a frozen electorate: turnout % of its voters vote, agree % of them agree,
 * the rest oppose (one in ten of them abstains); a tenth online, a twentieth by proxy,
 * the rest on paper entered by staff. */
static int cast(gz_db *db, const gz_actor *staff, int64_t vote, int electorate, int turnout,
                int agree, uint64_t seed, int64_t at, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            electorate == TOPIC_ELECTORATE_OWNERS
	                                ? "SELECT DISTINCT voter_key FROM vote_electorate WHERE "
	                                  "vote_id = $1 ORDER BY voter_key"
	                                : "SELECT voter_key FROM vote_persons WHERE vote_id = $1 "
	                                  "ORDER BY voter_key",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, vote);
	size_t n = 0, cap = 256;
	char **keys = gz_malloc(cap * sizeof *keys);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		if (n == cap)
			keys = gz_realloc(keys, (cap *= 2) * sizeof *keys);
		keys[n++] = gz_strdup(gz_stmt_text(st, 0));
	}
	gz_stmt_finish(st);
	for (size_t i = 0; rc >= 0 && i < n; i++) {
		uint64_t h = hash_str(mix(seed ^ (uint64_t)vote), keys[i]);
		if ((int)(h % 100) >= turnout)
			continue;
		int r = (int)((h >> 8) % 100), ch = (int)((h >> 16) % 100);
		const char *choice = r < agree             ? "agree"
		                     : (h >> 24) % 10 == 0 ? "abstain"
		                                           : "oppose";
		const char *channel = ch < 10 ? "online" : ch < 15 ? "proxy" : "paper";
		st = gz_db_prepare(
		    db,
		    "INSERT INTO ballots (vote_id, voter_key, choice, channel, "
		    "proxy_document, cast_by, cast_at) VALUES ($1, $2, $3, $4, $5, $6, "
		    "$7)",
		    err);
		if (!st) {
			rc = -1;
			break;
		}
		gz_stmt_bind_int64(st, 1, vote);
		gz_stmt_bind_str(st, 2, keys[i]);
		gz_stmt_bind_str(st, 3, choice);
		gz_stmt_bind_str(st, 4, channel);
		gz_stmt_bind_str(st, 5, ch >= 10 && ch < 15 ? "授权委托书（家属代为表决）" : "");
		gz_stmt_bind_id(st, 6, !strcmp(channel, "online") ? 0 : staff->user_id);
		gz_stmt_bind_int64(st, 7, at + (int64_t)(h % (3 * (uint64_t)DAY)));
		rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
	}
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	return rc < 0 ? -1 : 0;
}

/* What the demo's meetings agreed. */
#define MINUTES                                                                                               \
	"社区党委书记主持。居委会介绍方案和征求意见情况；物业说明费用测算；" \
	"业主代表、居民代表分别发言。经协商，同意按修改后的方案提交表决，"    \
	"费用明细在表决前公开。"

/* The signed minutes of meeting mid as a PDF, attached to it as staff upload them
 * (meeting_files.c): the demo's one file a meeting. */
static int minutes_file(gz_db *db, const gz_actor *a, int64_t mid, const char *title, int64_t held,
                        const char *place, const char *who, const char *minutes, gz_err *err)
{
	int64_t bj = held + 8 * 3600000LL, day = bj / DAY, min = (bj % DAY) / 60000;
	int y, mo, d;
	gz_time_civil_from_days(day, &y, &mo, &d);
	char when[64];
	snprintf(when, sizeof when, "%d年%d月%d日 %02d:%02d", y, mo, d, (int)(min / 60),
	         (int)(min % 60));
	delib_minutes m = {title, when, place, who, minutes};
	unsigned char *pdf = NULL;
	size_t len = 0;
	if (delib_minutes_pdf(&m, &pdf, &len, err) < 0)
		return -1;
	char hex[GZ_BLOB_HEX];
	int64_t fid = 0;
	int rc = delib_meeting_file_add(db, a, mid, "application/pdf", pdf, len, hex,
	                                "议事会纪要（签字版）.pdf", held + DAY, &fid, err);
	free(pdf);
	return rc;
}

static int one_topic(gz_db *db, const gz_actor *a, const topic_spec *sp, const char *community,
                     const char *grid, const gz_delib_evaluator *ev, int nev, uint64_t seed,
                     int64_t now, int *votes, gz_err *err)
{
	const char *scope = sp->grid ? grid : community;
	int64_t t0 = now - (int64_t)sp->start_days * DAY, id = 0;
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "INSERT INTO topics (scope_code, title, body, stage, proposed_by, "
	                  "created_at, updated_at) VALUES ($1, $2, $3, 'proposed', NULL, "
	                  "$4, $4) RETURNING id",
	                  err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, scope);
	gz_stmt_bind_str(st, 2, sp->title);
	gz_stmt_bind_str(st, 3, sp->body);
	gz_stmt_bind_int64(st, 4, t0);
	int rc = gz_stmt_step_id(st, &id, err);
	gz_stmt_finish(st);
	if (rc < 0 || stage(db, a, id, TOPIC_PROPOSED, "居民提出", t0, err) < 0)
		return -1;
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	json_t *d = json_pack("{s:s,s:b}", "title", sp->title, "demo", 1);
	rc = gz_audit(a, db, "topic.create", "topic", ids, scope, d, err);
	json_decref(d);
	if (rc < 0)
		return -1;
	int64_t t = t0 + 2 * DAY;
	if (sp->final >= TOPIC_CONFIRMED &&
	    stage(db, a, id, TOPIC_CONFIRMED, "社区党委会议研究，确定为议题并公布", t, err) < 0)
		return -1;
	if (sp->final >= TOPIC_CONSULTATION) {
		t += DAY;
		if (stage(db, a, id, TOPIC_CONSULTATION, "公开征求意见 7 天", t, err) < 0)
			return -1;
		int64_t first = 0;
		for (size_t i = 0; i < sizeof comments / sizeof comments[0]; i++) {
			char who[64];
			snprintf(who, sizeof who, "%d号楼居民",
			         (int)(mix(seed + i + (uint64_t)id) % 12) + 1);
			st = gz_db_prepare(
			    db,
			    "INSERT INTO topic_comments (topic_id, parent_id, position, "
			    "body, user_id, username, created_at) VALUES ($1, NULL, $2, $3, "
			    "NULL, $4, $5) RETURNING id",
			    err);
			if (!st)
				return -1;
			gz_stmt_bind_int64(st, 1, id);
			gz_stmt_bind_str(st, 2, comments[i].position);
			gz_stmt_bind_str(st, 3, comments[i].body);
			gz_stmt_bind_str(st, 4, who);
			gz_stmt_bind_int64(st, 5, t + (int64_t)(i + 1) * DAY / 3);
			int64_t cid = 0;
			rc = gz_stmt_step_id(st, &cid, err);
			gz_stmt_finish(st);
			if (rc < 0)
				return -1;
			if (i == 1)
				first = cid;
		}
		st = gz_db_prepare(
		    db,
		    "INSERT INTO topic_comments (topic_id, parent_id, position, body, "
		    "user_id, username, created_at) VALUES ($1, $2, '', $3, $4, $5, $6)",
		    err);
		if (!st)
			return -1;
		gz_stmt_bind_int64(st, 1, id);
		gz_stmt_bind_int64(st, 2, first);
		gz_stmt_bind_str(st, 3,
		                 "会在议事会上专门讨论费用分摊方案，一楼住户可少分摊或不分摊。");
		gz_stmt_bind_id(st, 4, a->user_id);
		gz_stmt_bind_str(st, 5, a->username);
		gz_stmt_bind_int64(st, 6, t + 2 * DAY);
		rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	}
	if (sp->final >= TOPIC_MEETING) {
		t += 7 * DAY;
		if (stage(db, a, id, TOPIC_MEETING, "召开议事会", t, err) < 0)
			return -1;
		int64_t mid = 0;
		st = gz_db_prepare(
		    db,
		    "INSERT INTO topic_meetings (topic_id, held_at, place, minutes, "
		    "user_id, username, created_at) VALUES ($1, $2, '社区党群服务中心议事厅', "
		    "$3, $4, $5, $2) RETURNING id",
		    err);
		if (!st)
			return -1;
		gz_stmt_bind_int64(st, 1, id);
		gz_stmt_bind_int64(st, 2, t + DAY / 2);
		gz_stmt_bind_str(st, 3, MINUTES);
		gz_stmt_bind_id(st, 4, a->user_id);
		gz_stmt_bind_str(st, 5, a->username);
		rc = gz_stmt_step_id(st, &mid, err);
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
		static const char *const people[][3] = {
		    {"刘建华", "party", "社区党委"},
		    {"陈丽", "residents_committee", "社区居委会"},
		    {"孙国强", "property", "安居物业服务有限公司"},
		    {"周桂兰", "resident", ""},
		    {"吴志明", "owners_committee", "业主委员会"},
		    {"郑律师", "expert", "共建律师事务所"},
		};
		for (int i = 0; i < 6; i++) {
			st = gz_db_prepare(
			    db,
			    "INSERT INTO topic_meeting_participants (meeting_id, seq, name, "
			    "actor, organisation) VALUES ($1, $2, $3, $4, $5)",
			    err);
			if (!st)
				return -1;
			gz_stmt_bind_int64(st, 1, mid);
			gz_stmt_bind_int64(st, 2, i);
			gz_stmt_bind_str(st, 3, people[i][0]);
			gz_stmt_bind_str(st, 4, people[i][1]);
			gz_stmt_bind_str(st, 5, people[i][2]);
			rc = gz_stmt_step(st, err);
			gz_stmt_finish(st);
			if (rc < 0)
				return -1;
		}
		if (minutes_file(db, a, mid, sp->title, t + DAY / 2, "社区党群服务中心议事厅",
		                 "刘建华（社区党委）、陈丽（社区居委会）、孙国强（安居物业服务有限"
		                 "公司）、周桂兰（居民代表）、吴志明（业主委员会）、郑律师（共建律"
		                 "师事务所）",
		                 MINUTES, err) < 0)
			return -1;
	}
	int64_t vote = 0;
	if (sp->final >= TOPIC_VOTING && sp->rule) {
		t += 8 * DAY; /* 18 days after publication: the notice period is kept */
		if (stage(db, a, id, TOPIC_VOTING, "发起表决", t, err) < 0)
			return -1;
		st = gz_db_prepare(
		    db,
		    "INSERT INTO votes (topic_id, scope_code, rule, secret, state, "
		    "electorate_units, opened_at, opened_by, electorate) VALUES ($1, $2, "
		    "$3, 1, 'open', 0, $4, $5, $6) RETURNING id",
		    err);
		if (!st)
			return -1;
		gz_stmt_bind_int64(st, 1, id);
		gz_stmt_bind_str(st, 2, scope);
		gz_stmt_bind_str(st, 3, sp->rule);
		gz_stmt_bind_int64(st, 4, t);
		gz_stmt_bind_id(st, 5, a->user_id);
		gz_stmt_bind_str(st, 6, topic_electorate_code((topic_electorate)sp->electorate));
		rc = gz_stmt_step_id(st, &vote, err);
		gz_stmt_finish(st);
		int64_t unknown = 0;
		if (rc < 0 ||
		    delib_vote_freeze(db, vote, scope, sp->electorate, t, &unknown, err) < 0 ||
		    cast(db, a, vote, sp->electorate, sp->turnout, sp->agree, seed, t, err) < 0)
			return -1;
		snprintf(ids, sizeof ids, "%lld", (long long)vote);
		d = json_pack("{s:s,s:b}", "rule", sp->rule, "demo", 1);
		rc = gz_audit(a, db, "vote.open", "vote", ids, scope, d, err);
		json_decref(d);
		if (rc < 0)
			return -1;
		(*votes)++;
	}
	if (sp->final >= TOPIC_PUBLICITY) {
		t += 7 * DAY;
		vote_result res = {0};
		if (vote && delib_vote_store_result(db, vote, t, a->user_id, &res, err) < 0)
			return -1;
		if (vote) {
			d = json_pack("{s:b,s:b}", "passed", res.passed, "demo", 1);
			rc = gz_audit(a, db, "vote.close", "vote", ids, scope, d, err);
			json_decref(d);
			if (rc < 0)
				return -1;
		}
		if (stage(db, a, id, TOPIC_PUBLICITY,
		          vote && !res.passed ? "表决未通过，结果公示 7 天" : "表决结果公示 7 天",
		          t, err) < 0 ||
		    exec(db, "UPDATE topics SET publicity_until = $2 WHERE id = $1", err, id,
		         topic_publicity_until(t, 7), NULL) < 0)
			return -1;
		t += 7 * DAY;
		if (vote && !res.passed) {
			/* A failed vote closes after publicity. */
			return stage(db, a, id, TOPIC_CLOSED, "表决未通过，议题办结", t, err);
		}
	}
	if (sp->final >= TOPIC_IMPLEMENTATION) {
		t += DAY;
		if (stage(db, a, id, TOPIC_IMPLEMENTATION, "进入实施", t, err) < 0 ||
		    exec(db, "UPDATE topics SET implementation_owner = $2 WHERE id = $1", err, id,
		         0, sp->owner ? sp->owner : "社区居委会") < 0)
			return -1;
		for (int i = 0; i < 3 && sp->tasks[i]; i++) {
			int progress = sp->final > TOPIC_IMPLEMENTATION ? 100 : i == 0 ? 100 : 40;
			st = gz_db_prepare(
			    db,
			    "INSERT INTO topic_tasks (topic_id, title, assignee, progress, "
			    "note, created_at, updated_at, updated_by) VALUES ($1, $2, $3, "
			    "$4, $5, $6, $7, $8)",
			    err);
			if (!st)
				return -1;
			gz_stmt_bind_int64(st, 1, id);
			gz_stmt_bind_str(st, 2, sp->tasks[i]);
			gz_stmt_bind_str(st, 3, sp->owner ? sp->owner : "社区居委会");
			gz_stmt_bind_int64(st, 4, progress);
			gz_stmt_bind_str(st, 5, progress == 100 ? "已完成" : "按计划推进");
			gz_stmt_bind_int64(st, 6, t);
			gz_stmt_bind_int64(st, 7, t + (int64_t)(i + 1) * 10 * DAY);
			gz_stmt_bind_str(st, 8, a->username);
			rc = gz_stmt_step(st, err);
			gz_stmt_finish(st);
			if (rc < 0)
				return -1;
		}
	}
	if (sp->final >= TOPIC_EVALUATION) {
		t += 40 * DAY;
		if (stage(db, a, id, TOPIC_EVALUATION, "实施完成，请居民监督评议", t, err) < 0)
			return -1;
		for (int i = 0; i < nev; i++) {
			uint64_t h = mix(seed ^ (uint64_t)id ^ ((uint64_t)i << 32));
			const char *rating = h % 10 < 7   ? "satisfied"
			                     : h % 10 < 9 ? "basic"
			                                  : "dissatisfied";
			st = gz_db_prepare(
			    db,
			    "INSERT INTO topic_evaluations (topic_id, user_id, username, "
			    "rating, comment, at) VALUES ($1, $2, $3, $4, '', $5)",
			    err);
			if (!st)
				return -1;
			gz_stmt_bind_int64(st, 1, id);
			gz_stmt_bind_int64(st, 2, ev[i].user_id);
			gz_stmt_bind_str(st, 3, ev[i].username);
			gz_stmt_bind_str(st, 4, rating);
			gz_stmt_bind_int64(st, 5, t + (int64_t)(i + 1) * DAY);
			rc = gz_stmt_step(st, err);
			gz_stmt_finish(st);
			if (rc < 0)
				return -1;
		}
	}
	if (sp->final >= TOPIC_CLOSED) {
		t += 15 * DAY;
		if (stage(db, a, id, TOPIC_CLOSED, "评议结束，议题办结", t, err) < 0)
			return -1;
	}
	return 0;
}

/* A participatory budget round of the grid, decided 60 days ago: six projects (one not
 * feasible), the grid's adults frozen, about a third of them voting for one to four
 * projects, the rule mes-add1. 0, or -1 with err. */
static const struct {
	const char *title;
	int64_t cost_fen; /* -1: not feasible */
	int popularity;   /* percent of voters approving */
} pb_specs[] = {
    {"楼道声控灯更换", 3800000, 62},     {"健身器材更新", 8500000, 45},
    {"口袋公园座椅与遮阳", 6200000, 38}, {"老年餐桌设备购置", 5400000, 30},
    {"儿童阅读角", 2600000, 24},         {"小区道路改为单行并加装减速带", -1, 20},
};

static int pb_round(gz_db *db, const gz_actor *a, const char *grid, uint64_t seed, int64_t now,
                    gz_err *err)
{
	int64_t t0 = now - 120 * DAY, id = 0;
	gz_stmt *st = gz_db_prepare(db,
	                            "INSERT INTO pb_rounds (scope_code, title, budget_fen, rule, "
	                            "state, created_by, created_at, opened_at) VALUES ($1, $2, "
	                            "20000000, 'mes-add1', 'voting', $3, $4, $5) RETURNING id",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, grid);
	gz_stmt_bind_str(st, 2, "民生微实事（本年度）");
	gz_stmt_bind_id(st, 3, a->user_id);
	gz_stmt_bind_int64(st, 4, t0);
	gz_stmt_bind_int64(st, 5, t0 + 30 * DAY);
	int rc = gz_stmt_step_id(st, &id, err);
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	int64_t pids[8];
	size_t np = sizeof pb_specs / sizeof pb_specs[0];
	for (size_t i = 0; i < np; i++) {
		st = gz_db_prepare(
		    db,
		    "INSERT INTO pb_projects (round_id, title, description, proposed_by, "
		    "proposer, feasible, cost_fen, review_note, created_at) VALUES ($1, "
		    "$2, '', NULL, $3, $4, $5, $6, $7) RETURNING id",
		    err);
		if (!st)
			return -1;
		bool ok = pb_specs[i].cost_fen >= 0;
		gz_stmt_bind_int64(st, 1, id);
		gz_stmt_bind_str(st, 2, pb_specs[i].title);
		gz_stmt_bind_str(st, 3, "居民提出");
		gz_stmt_bind_int64(st, 4, ok);
		if (ok)
			gz_stmt_bind_int64(st, 5, pb_specs[i].cost_fen);
		else
			gz_stmt_bind_null(st, 5);
		gz_stmt_bind_str(st, 6,
		                 ok ? "经物业和施工单位估价" : "交通组织调整须由交通部门决定");
		gz_stmt_bind_int64(st, 7, t0 + (int64_t)(i + 1) * DAY);
		rc = gz_stmt_step_id(st, &pids[i], err);
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	}
	gz_people_adult *adults = NULL;
	size_t n = 0;
	int64_t unknown = 0;
	if (gz_people_adults(db, grid, t0 + 30 * DAY, &adults, &n, &unknown, err) < 0)
		return -1;
	rc = 0;
	for (size_t v = 0; rc >= 0 && v < n; v++) {
		st = gz_db_prepare(
		    db, "INSERT INTO pb_voters (round_id, resident_id) VALUES ($1, $2)", err);
		if (!st) {
			rc = -1;
			break;
		}
		gz_stmt_bind_int64(st, 1, id);
		gz_stmt_bind_int64(st, 2, adults[v].id);
		rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		uint64_t h = mix(seed ^ (uint64_t)adults[v].id ^ UINT64_C(0x5b));
		if (rc < 0 || h % 100 >= 35)
			continue;
		int picks = 0;
		for (size_t i = 0; rc >= 0 && i < np; i++) {
			uint64_t g = mix(h + i);
			bool last = i + 1 == np - 1 && picks == 0; /* everyone approves something */
			if (pb_specs[i].cost_fen < 0 ||
			    (!last && (int)(g % 100) >= pb_specs[i].popularity))
				continue;
			picks++;
			st = gz_db_prepare(
			    db,
			    "INSERT INTO pb_approvals (round_id, resident_id, project_id) "
			    "VALUES ($1, $2, $3)",
			    err);
			if (!st) {
				rc = -1;
				break;
			}
			gz_stmt_bind_int64(st, 1, id);
			gz_stmt_bind_int64(st, 2, adults[v].id);
			gz_stmt_bind_int64(st, 3, pids[i]);
			rc = gz_stmt_step(st, err);
			gz_stmt_finish(st);
		}
		if (rc < 0)
			break;
		st = gz_db_prepare(
		    db,
		    "INSERT INTO pb_ballots (round_id, resident_id, channel, cast_by, "
		    "cast_at) VALUES ($1, $2, 'paper', $3, $4)",
		    err);
		if (!st) {
			rc = -1;
			break;
		}
		gz_stmt_bind_int64(st, 1, id);
		gz_stmt_bind_int64(st, 2, adults[v].id);
		gz_stmt_bind_id(st, 3, a->user_id);
		gz_stmt_bind_int64(st, 4, t0 + 35 * DAY + (int64_t)(h % (uint64_t)(10 * DAY)));
		rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
	}
	free(adults);
	size_t nb = 0, nsel = 0;
	if (rc < 0 || delib_pb_decide(db, id, now - 60 * DAY, &nb, &nsel, err) < 0)
		return -1;
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	json_t *d = json_pack("{s:I,s:I,s:b}", "ballots", (json_int_t)nb, "selected",
	                      (json_int_t)nsel, "demo", 1);
	rc = gz_audit(a, db, "pb_round.close", "pb_round", ids, grid, d, err);
	json_decref(d);
	return rc;
}

int gz_delib_demo(gz_db *db, const gz_actor *a, const char *const *communities,
                  const char *const *grids, int n, const gz_delib_evaluator *ev, int nev,
                  uint64_t seed, int64_t now, int *topics, int *votes, gz_err *err)
{
	*topics = *votes = 0;
	for (int c = 0; c < n; c++) {
		if (gz_db_begin(db, err) < 0)
			return -1;
		for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
			if (one_topic(db, a, &specs[i], communities[c], grids[c], ev, nev,
			              mix(seed + (uint64_t)c), now, votes, err) < 0) {
				gz_db_rollback(db);
				return -1;
			}
			(*topics)++;
		}
		if (pb_round(db, a, grids[c], mix(seed + 77 + (uint64_t)c), now, err) < 0) {
			gz_db_rollback(db);
			return -1;
		}
		if (gz_db_commit(db, err) < 0) {
			gz_db_rollback(db);
			return -1;
		}
	}
	return 0;
}
