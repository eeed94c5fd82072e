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

/* ---- the record of each stage ------------------------------------------------------ */

/* What a topic's stage allows besides moving on:
 *   TOPIC_DO_COMMENT   comments and replies (征求意见): confirmed, consultation, meeting
 *   TOPIC_DO_MEETING   recording a meeting (议事会): meeting, voting
 *   TOPIC_DO_TASK      adding tasks and reporting progress (实施): implementation
 *   TOPIC_DO_EVALUATE  residents' evaluation (监督评议): evaluation */
typedef enum {
	TOPIC_DO_COMMENT = 0,
	TOPIC_DO_MEETING,
	TOPIC_DO_TASK,
	TOPIC_DO_EVALUATE,
} topic_doing;

/* May a topic at stage s take `what`? 0, or -1 with err (409 "stage_order", naming the
 * stage it is at and the stages that allow it). */
int topic_may(topic_stage s, topic_doing what, gz_err *err);

/* A comment's position: support / oppose / suggest (支持 / 反对 / 建议). A reply carries
 * none (""). -1 for anything else. */
typedef enum {
	TOPIC_POS_NONE = 0,
	TOPIC_POS_SUPPORT,
	TOPIC_POS_OPPOSE,
	TOPIC_POS_SUGGEST,
} topic_position;
int topic_position_parse(const char *code);
const char *topic_position_code(topic_position p);
const char *topic_position_label(topic_position p);

/* The actors of a meeting (一核多元): party (党组织), residents_committee (居委会),
 * owners_committee (业委会), property (物业), resident (居民代表), social_org (社会组织),
 * co_building (共建单位), department (职能部门), expert (专家), other. */
int topic_actor_parse(const char *code);
const char *topic_actor_label(int actor); /* "" for an unknown one */
#define TOPIC_ACTOR__COUNT 10

/* A meeting's participants as their actor codes actors[0..n): a consultation among the
 * actors needs at least 2 participants of at least 2 different actors, and at most
 * TOPIC_MEETING_MAX_PARTICIPANTS. 0, or -1 with err (422 "invalid_fields" on
 * "participants"). */
#define TOPIC_MEETING_MAX_PARTICIPANTS 100
int topic_meeting_check(const int *actors, size_t n, gz_err *err);

/* Publicity (公示) lasts 1..90 days (default 7); it ends `days` full days after it
 * starts. topic_publicity_check: may a topic whose publicity ends at `until` (0: never
 * started) move on at `now`? 0, or -1 with err (409 "publicity_running"). */
#define TOPIC_PUBLICITY_DAYS_DEFAULT 7
#define TOPIC_PUBLICITY_DAYS_MAX     90
int64_t topic_publicity_until(int64_t start, int days);
int topic_publicity_check(int64_t until, int64_t now, gz_err *err);

/* Implementation ends (→ evaluation) only when every task is done: progress[0..n) are
 * percentages; 0, or -1 with err (409 "tasks_unfinished", how many are not at 100). */
int topic_tasks_done_check(const int64_t *progress, size_t n, gz_err *err);

/* Residents' evaluation (监督评议): satisfied / basic / dissatisfied (满意 / 基本满意 /
 * 不满意); -1 for anything else. */
typedef enum {
	TOPIC_EVAL_SATISFIED = 0,
	TOPIC_EVAL_BASIC,
	TOPIC_EVAL_DISSATISFIED,
	TOPIC_EVAL__COUNT
} topic_rating;
int topic_rating_parse(const char *code);
const char *topic_rating_code(topic_rating r);
const char *topic_rating_label(topic_rating r);

/* The voter key of a person in a residents' vote: "resident:<id>" (adults) or
 * "household:<id>" (household representatives). Writes into buf (>= 32 bytes). */
char *topic_person_key(bool household, int64_t id, char *buf, size_t size);

/* Who votes: owners (units in scope), residents (persons aged 18+ in scope), households
 * (one voter per household in scope, cast by any adult member). -1 for anything else. */
typedef enum {
	TOPIC_ELECTORATE_OWNERS = 0,
	TOPIC_ELECTORATE_RESIDENTS,
	TOPIC_ELECTORATE_HOUSEHOLDS,
} topic_electorate;
int topic_electorate_parse(const char *code);
const char *topic_electorate_code(topic_electorate e);

#endif
