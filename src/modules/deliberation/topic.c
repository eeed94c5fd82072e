/* Topics and votes: the pure rules (topic.h). */
#include "modules/deliberation/topic.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *code, *label;
} stages[TOPIC__COUNT] = {
    [TOPIC_PROPOSED] = {"proposed", "提出议题"},
    [TOPIC_CONFIRMED] = {"confirmed", "确定议题"},
    [TOPIC_CONSULTATION] = {"consultation", "征求意见"},
    [TOPIC_MEETING] = {"meeting", "议事会协商"},
    [TOPIC_VOTING] = {"voting", "表决"},
    [TOPIC_PUBLICITY] = {"publicity", "公示"},
    [TOPIC_IMPLEMENTATION] = {"implementation", "实施"},
    [TOPIC_EVALUATION] = {"evaluation", "监督评议"},
    [TOPIC_CLOSED] = {"closed", "已办结"},
    [TOPIC_REJECTED] = {"rejected", "不予确定"},
};

int topic_stage_parse(const char *code)
{
	for (int i = 0; code && i < TOPIC__COUNT; i++)
		if (!strcmp(code, stages[i].code))
			return i;
	return -1;
}

const char *topic_stage_code(topic_stage s)
{
	return s < TOPIC__COUNT ? stages[s].code : "";
}

const char *topic_stage_label(topic_stage s)
{
	return s < TOPIC__COUNT ? stages[s].label : "";
}

int topic_stage_move(topic_stage from, topic_stage to, gz_err *err)
{
	if (from == TOPIC_CLOSED || from == TOPIC_REJECTED)
		return gz_err_set(err, GZ_ECONFLICT, "stage_order", "议题已%s，不能再变更阶段",
		                  topic_stage_label(from));
	if (to == TOPIC_REJECTED) {
		if (from != TOPIC_PROPOSED)
			return gz_err_set(err, GZ_ECONFLICT, "stage_order",
			                  "只有尚未确定的议题可以不予确定");
		return 0;
	}
	if (to <= from)
		return gz_err_set(err, GZ_ECONFLICT, "stage_order",
		                  "议题只能向后推进（当前为%s，不能回到%s）",
		                  topic_stage_label(from), topic_stage_label(to));
	if (from == TOPIC_PROPOSED && to != TOPIC_CONFIRMED)
		return gz_err_set(err, GZ_ECONFLICT, "stage_order",
		                  "议题须先由社区党组织确定，才能进入%s", topic_stage_label(to));
	return 0;
}

bool topic_vote_may_open(topic_stage s)
{
	return s >= TOPIC_CONFIRMED && s <= TOPIC_VOTING;
}

#define DAY_MS INT64_C(86400000)

int topic_notice_check(int64_t published_at, int64_t now, int days, gz_err *err)
{
	if (published_at <= 0)
		return gz_err_set(err, GZ_EINVALID, "notice_too_short",
		                  "议题尚未公布，不能发起业主表决");
	if (published_at > now - (int64_t)days * DAY_MS)
		return gz_err_set(err, GZ_EINVALID, "notice_too_short",
		                  "业主表决的议题须提前 %d 日公布（本议题公布未满 %d 日）", days,
		                  days);
	return 0;
}

int topic_notice_days(void)
{
	const char *v = getenv("GONGZHI_VOTE_NOTICE_DAYS");
	if (v && *v) {
		char *end;
		long d = strtol(v, &end, 10);
		if (!*end && d >= 0 && d <= 365)
			return (int)d;
	}
	return 15;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *topic_voter_key(bool sold, int64_t unit_id, const char *const *keys, size_t n)
{
	bool developer = !sold;
	for (size_t i = 0; i < n; i++)
		developer = developer || !strcmp(keys[i], "developer");
	if (developer)
		return gz_strdup("developer");
	if (n == 0) {
		char buf[40];
		snprintf(buf, sizeof buf, "unit:%lld", (long long)unit_id);
		return gz_strdup(buf);
	}
	const char **sorted = gz_malloc(n * sizeof *sorted);
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		sorted[i] = keys[i];
		len += strlen(keys[i]) + 1;
	}
	qsort(sorted, n, sizeof *sorted, key_cmp);
	char *out = gz_malloc(len + 1), *p = out;
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && !strcmp(sorted[i], sorted[i - 1]))
			continue; /* a key listed twice is one owner */
		if (w++)
			*p++ = '+';
		size_t k = strlen(sorted[i]);
		memcpy(p, sorted[i], k);
		p += k;
	}
	*p = '\0';
	free(sorted);
	return out;
}

/* ---- the record of each stage ------------------------------------------------------ */

int topic_may(topic_stage s, topic_doing what, gz_err *err)
{
	static const struct {
		topic_stage from, to;
		const char *what, *when;
	} allow[] = {
	    [TOPIC_DO_COMMENT] = {TOPIC_CONFIRMED, TOPIC_MEETING, "发表意见",
	                          "确定议题至议事会协商阶段"},
	    [TOPIC_DO_MEETING] = {TOPIC_MEETING, TOPIC_VOTING, "记录议事会",
	                          "议事会协商或表决阶段"},
	    [TOPIC_DO_TASK] = {TOPIC_IMPLEMENTATION, TOPIC_IMPLEMENTATION, "登记实施任务和进度",
	                       "实施阶段"},
	    [TOPIC_DO_EVALUATE] = {TOPIC_EVALUATION, TOPIC_EVALUATION, "评议", "监督评议阶段"},
	};
	if ((unsigned)what > TOPIC_DO_EVALUATE)
		return gz_err_set(err, GZ_EINTERNAL, "internal", "unknown topic action");
	if (s >= allow[what].from && s <= allow[what].to)
		return 0;
	return gz_err_set(err, GZ_ECONFLICT, "stage_order", "议题处于%s阶段，不能%s（只在%s）",
	                  topic_stage_label(s), allow[what].what, allow[what].when);
}

static const struct {
	const char *code, *label;
} positions[] = {
    [TOPIC_POS_NONE] = {"", ""},
    [TOPIC_POS_SUPPORT] = {"support", "支持"},
    [TOPIC_POS_OPPOSE] = {"oppose", "反对"},
    [TOPIC_POS_SUGGEST] = {"suggest", "建议"},
};

int topic_position_parse(const char *code)
{
	for (int i = TOPIC_POS_SUPPORT; code && i <= TOPIC_POS_SUGGEST; i++)
		if (!strcmp(code, positions[i].code))
			return i;
	return -1;
}

const char *topic_position_code(topic_position p)
{
	return p <= TOPIC_POS_SUGGEST ? positions[p].code : "";
}

const char *topic_position_label(topic_position p)
{
	return p <= TOPIC_POS_SUGGEST ? positions[p].label : "";
}

static const struct {
	const char *code, *label;
} actors[TOPIC_ACTOR__COUNT] = {
    {"party", "党组织"},
    {"residents_committee", "居委会"},
    {"owners_committee", "业委会"},
    {"property", "物业服务企业"},
    {"resident", "居民代表"},
    {"social_org", "社会组织"},
    {"co_building", "共建单位"},
    {"department", "职能部门"},
    {"expert", "专家"},
    {"other", "其他"},
};

int topic_actor_parse(const char *code)
{
	for (int i = 0; code && i < TOPIC_ACTOR__COUNT; i++)
		if (!strcmp(code, actors[i].code))
			return i;
	return -1;
}

const char *topic_actor_label(int actor)
{
	return actor >= 0 && actor < TOPIC_ACTOR__COUNT ? actors[actor].label : "";
}

int topic_meeting_check(const int *list, size_t n, gz_err *err)
{
	const char *why = NULL;
	unsigned seen = 0;
	for (size_t i = 0; i < n; i++)
		if (list[i] >= 0 && list[i] < TOPIC_ACTOR__COUNT)
			seen |= 1u << list[i];
	int kinds = __builtin_popcount(seen);
	if (n > TOPIC_MEETING_MAX_PARTICIPANTS)
		why = "参会人员最多 100 人";
	else if (n < 2 || kinds < 2)
		why = "议事会须有来自至少两类主体的参会人员（如党组织、居委会、业主、物业）";
	if (!why)
		return 0;
	gz_err_set(err, GZ_EINVALID, "invalid_fields", "字段有误");
	gz_err_field(err, "participants", "%s", why);
	return -1;
}

int64_t topic_publicity_until(int64_t start, int days)
{
	return start + (int64_t)days * DAY_MS;
}

int topic_publicity_check(int64_t until, int64_t now, gz_err *err)
{
	if (until <= 0 || now >= until)
		return 0;
	int64_t left = (until - now + DAY_MS - 1) / DAY_MS;
	return gz_err_set(err, GZ_ECONFLICT, "publicity_running",
	                  "公示期未满（还有 %lld 日），公示结束后才能进入下一阶段",
	                  (long long)left);
}

int topic_tasks_done_check(const int64_t *progress, size_t n, gz_err *err)
{
	size_t open = 0;
	for (size_t i = 0; i < n; i++)
		open += progress[i] < 100;
	if (!open)
		return 0;
	return gz_err_set(err, GZ_ECONFLICT, "tasks_unfinished",
	                  "还有 %zu 项实施任务未完成，全部完成后才能进入监督评议", open);
}

static const struct {
	const char *code, *label;
} ratings[TOPIC_EVAL__COUNT] = {
    [TOPIC_EVAL_SATISFIED] = {"satisfied", "满意"},
    [TOPIC_EVAL_BASIC] = {"basic", "基本满意"},
    [TOPIC_EVAL_DISSATISFIED] = {"dissatisfied", "不满意"},
};

int topic_rating_parse(const char *code)
{
	for (int i = 0; code && i < TOPIC_EVAL__COUNT; i++)
		if (!strcmp(code, ratings[i].code))
			return i;
	return -1;
}

const char *topic_rating_code(topic_rating r)
{
	return r < TOPIC_EVAL__COUNT ? ratings[r].code : "";
}

const char *topic_rating_label(topic_rating r)
{
	return r < TOPIC_EVAL__COUNT ? ratings[r].label : "";
}

char *topic_person_key(bool household, int64_t id, char *buf, size_t size)
{
	snprintf(buf, size, "%s:%lld", household ? "household" : "resident", (long long)id);
	return buf;
}

static const char *const electorates[] = {"owners", "residents", "households"};

int topic_electorate_parse(const char *code)
{
	for (int i = 0; code && i < 3; i++)
		if (!strcmp(code, electorates[i]))
			return i;
	return -1;
}

const char *topic_electorate_code(topic_electorate e)
{
	return (unsigned)e < 3 ? electorates[e] : "";
}
