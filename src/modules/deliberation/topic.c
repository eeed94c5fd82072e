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
