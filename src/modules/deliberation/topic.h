/* Topics (议题) and votes on them: the pure rules the handlers apply (no I/O).
 *
 * Stages, in order (SPEC §3a): 提出议题 proposed → 确定议题 confirmed (published to everyone
 * in scope) → 征求意见 consultation → 议事会协商 meeting → 表决 voting → 公示 publicity →
 * 实施 implementation → 监督评议 evaluation → closed; a proposed topic may instead be
 * rejected (不予确定). A topic moves forward only (a stage that a topic does not need,
 * e.g. voting, may be passed over) and never leaves closed or rejected. */
#ifndef GZ_MODULES_DELIBERATION_TOPIC_H
#define GZ_MODULES_DELIBERATION_TOPIC_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	TOPIC_PROPOSED = 0,
	TOPIC_CONFIRMED,
	TOPIC_CONSULTATION,
	TOPIC_MEETING,
	TOPIC_VOTING,
	TOPIC_PUBLICITY,
	TOPIC_IMPLEMENTATION,
	TOPIC_EVALUATION,
	TOPIC_CLOSED,
	TOPIC_REJECTED,
	TOPIC__COUNT
} topic_stage;

/* "proposed" ... -> the stage, or -1. */
int topic_stage_parse(const char *code);
const char *topic_stage_code(topic_stage s);
const char *topic_stage_label(topic_stage s); /* 提出议题 ... */

/* May a topic at stage `from` move to `to`? 0, or -1 with err (409 "stage_order", the
 * reason in Chinese). */
int topic_stage_move(topic_stage from, topic_stage to, gz_err *err);

/* A vote may be opened on a topic that is confirmed and not yet past voting. */
bool topic_vote_may_open(topic_stage s);

/* Owners' votes open only on topics published at least `days` full days (24 h each)
 * before now. 0, or -1 with err (422 "notice_too_short") when published_at is 0 (never
 * published) or later than now - days. */
int topic_notice_check(int64_t published_at, int64_t now, int days, gz_err *err);

/* The notice period in days: GONGZHI_VOTE_NOTICE_DAYS (0..365), default 15. */
int topic_notice_days(void);

/* The voter key of a unit in an owners' vote: "developer" when the developer still holds
 * it (not sold, or an owner key "developer"), the owner keys sorted and joined by "+"
 * (co-owners of one unit are one voter, and the same owners of several units are still
 * one), or "unit:<id>" when no owner is recorded. keys need not be sorted. Returns a
 * malloc'd string. */
char *topic_voter_key(bool sold, int64_t unit_id, const char *const *keys, size_t n);

#endif
