/* The pure rules of mobilisation (docs/METRICS.md, "Mobilisation"): service hours
 * credited from check-in and check-out, the rotating check-in code, the order of the
 * waitlist, points for service, and the invariants of the points ledger. No I/O: plain
 * values in, results out, failures in a gz_err. Tested by tests/unit/test_mobilisation.c.
 *
 * Times are int64 milliseconds since the epoch (UTC); durations are whole minutes; points
 * are whole points (1 service hour = 1 point by default). */
#ifndef GZ_MODULES_MOBILISATION_RULES_H
#define GZ_MODULES_MOBILISATION_RULES_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MOB_MINUTE_MS 60000LL
#define MOB_HOUR_MS   3600000LL
#define MOB_DAY_MS    86400000LL

/* ---------------------------------------------------------------- hours */

/* Minutes credited for one attendance: the overlap of [in, out] (check-in, check-out)
 * with the schedule [start, end], in whole minutes, rounded down. Arriving before the
 * start or leaving after the end earns nothing extra; a late check-in or an early
 * check-out earns only the time present. An activity across midnight is no special case
 * (times are instants, not clock readings). Returns 0 and sets *minutes (0 when they do
 * not overlap), or -1 with err set (422 "invalid_times") when end < start or out < in. */
int mob_hours_minutes(int64_t start, int64_t end, int64_t in, int64_t out, int64_t *minutes,
                      gz_err *err);

/* The check-out time an organiser records for someone who checked in and never checked
 * out: `at` when given (at > 0), else the scheduled end. It must lie in [in, now] (no
 * check-out in the future or before the check-in). Returns 0 and sets *out, or -1 with
 * err set (422 "invalid_fields", field "at"). */
int mob_close_checkout(int64_t end, int64_t in, int64_t at, int64_t now, int64_t *out, gz_err *err);

/* Points for minutes of service at points_per_hour, rounded down (90 minutes at 1 point
 * per hour is 1 point). 0 for non-positive input. */
int64_t mob_points_for_minutes(int64_t minutes, int64_t points_per_hour);

/* ---------------------------------------------------------------- check-in code */

/* The organiser's screen shows a 6-digit code that changes every MOB_CODE_STEP_MS,
 * computed like TOTP (RFC 6238 with HMAC-SHA-256) from the activity's secret. A code is
 * accepted for its own step and the one before (the screen may lag, the volunteer types
 * slowly), only while now lies in [start - MOB_CODE_WINDOW_MS, end + MOB_CODE_WINDOW_MS],
 * and only once per person: a step at or before the last step that person used is
 * refused, so check-in and check-out take two different codes and a code seen over a
 * shoulder cannot be replayed by the same person. */
#define MOB_CODE_SECRET_BYTES 32
#define MOB_CODE_STEP_MS      30000LL
#define MOB_CODE_WINDOW_MS    (30 * MOB_MINUTE_MS)
/* Wrong (or expired) codes one person may try for one activity per window before the
 * API answers 429 (mobilisation/hours.c): 6 digits, 2 codes valid at a time, so a guess
 * succeeds with p = 2e-6 and a whole activity's window (a few hours) gives a guesser
 * about 10^-4. */
#define MOB_CODE_GUESSES         10
#define MOB_CODE_GUESS_WINDOW_MS (15 * MOB_MINUTE_MS)
/* Codes of steps this far back are "expired" rather than "wrong" (a clearer message). */
#define MOB_CODE_EXPIRED_STEPS 20

/* The step of time now (floor(now / MOB_CODE_STEP_MS)). */
int64_t mob_code_step(int64_t now);

/* The code of step: HMAC-SHA-256(secret, step as 8 bytes big-endian), dynamic
 * truncation (RFC 4226 §5.3), modulo 10^6. */
uint32_t mob_code_at(const uint8_t secret[MOB_CODE_SECRET_BYTES], int64_t step);

/* The code as 6 digits with leading zeros into out (7 bytes). */
void mob_code_format(uint32_t code, char out[7]);

/* Checks code (the text the volunteer typed) at time now for an activity scheduled
 * [start, end], where the person last used step last_step (0: never). Returns 0 and sets
 * *step (the step matched: store it as the person's last step), or -1 with err set:
 *   422 "invalid_fields"   field "code": not 6 digits;
 *   422 "outside_window"   now is outside the check-in window around the schedule;
 *   422 "code_expired"     the code of an earlier step (up to MOB_CODE_EXPIRED_STEPS);
 *   422 "code_wrong"       no such code;
 *   409 "code_used"        this person already used this code (or a later one). */
int mob_code_verify(const uint8_t secret[MOB_CODE_SECRET_BYTES], int64_t start, int64_t end,
                    int64_t now, const char *code, int64_t last_step, int64_t *step, gz_err *err);

/* ---------------------------------------------------------------- sign-up and waitlist */

typedef enum {
	MOB_SIGNUP_CONFIRMED, /* holds a slot */
	MOB_SIGNUP_WAITLISTED,
	MOB_SIGNUP_CANCELLED,
	MOB_SIGNUP_NO_SHOW,  /* held a slot, never checked in (recorded when hours are confirmed) */
	MOB_SIGNUP_ATTENDED, /* hours confirmed */
	MOB_SIGNUP__COUNT
} mob_signup_status;

const char *mob_signup_status_code(mob_signup_status s);  /* "confirmed" ... ; "" if unknown */
const char *mob_signup_status_label(mob_signup_status s); /* "已报名" ... */
int mob_signup_status_parse(const char *s);               /* -1 if unknown */

/* The status of a new sign-up when `confirmed` of `slots` are taken: confirmed while a
 * slot is free, else waitlisted (never refused). */
mob_signup_status mob_signup_new_status(int64_t slots, int64_t confirmed);

/* After a cancellation or a change of slots: which waitlisted sign-ups take the free
 * slots. waiting[0..n) are the waitlist's sign-up sequence numbers (the order they came
 * in, any order in the array); the earliest take the slots, in order. Writes up to
 * slots - confirmed indexes into promote (indexes into waiting, earliest first) and
 * returns how many. */
int mob_waitlist_promote(int64_t slots, int64_t confirmed, const int64_t *waiting, int n,
                         int *promote);

/* ---------------------------------------------------------------- points ledger */

/* Accounts. A member's account (a volunteer's points) and a store's account (points
 * spent there) never go below zero. The issuer of a community (where points come from:
 * earning rules and admin adjustments) goes negative by exactly the points it issued and
 * has not taken back, so that every movement is two entries summing to zero and the
 * whole ledger sums to zero. */
typedef enum { MOB_ACCT_MEMBER, MOB_ACCT_ISSUER, MOB_ACCT_STORE, MOB_ACCT__COUNT } mob_acct_kind;

const char *mob_acct_kind_code(mob_acct_kind k); /* "member", "issuer", "store" */
int mob_acct_kind_parse(const char *s);
/* May an account of this kind have a negative balance? Only the issuer. */
bool mob_acct_may_go_negative(mob_acct_kind k);

/* One entry of a movement: amount added to account (negative: taken from it). */
typedef struct mob_leg {
	int64_t account;
	int64_t amount;
} mob_leg;

#define MOB_POINTS_MAX 100000000LL /* one movement, one balance: 10^8 points */

/* A movement is well-formed: at least two entries, none zero, no account twice, every
 * amount within ±MOB_POINTS_MAX, and the amounts sum to zero (double entry). Returns 0,
 * or -1 with err set (500 "ledger_unbalanced": a programming error, never user input). */
int mob_movement_check(const mob_leg *legs, int n, gz_err *err);

/* Applies a movement to balances: before[i] is the balance of legs[i].account,
 * may_neg[i] whether it may go negative; writes after[i]. Returns 0, or -1 with err set
 * and nothing to write: 409 "insufficient_points" when an account that may not go
 * negative would (field: "points"), 422 "points_out_of_range" past MOB_POINTS_MAX, or the
 * errors of mob_movement_check. */
int mob_movement_apply(const mob_leg *legs, int n, const int64_t *before, const bool *may_neg,
                       int64_t *after, gz_err *err);

/* The ledger check (gongzhi ledger check): fed the whole ledger, counts every breach of
 * the invariants and keeps a few examples. Feeding order: entries in (account, id) order
 * with mob_check_entry, each account's stored balance with mob_check_account after its
 * entries (accounts without entries too), and the per-movement sums with
 * mob_check_movement. */
#define MOB_CHECK_EXAMPLES 5
typedef struct mob_ledger_check {
	int64_t entries, accounts, movements;
	int64_t total;            /* sum of every entry: must be 0 */
	int64_t unbalanced;       /* movements whose entries do not sum to 0, or fewer than 2 */
	int64_t balance_mismatch; /* stored balance != sum of the account's entries */
	int64_t running_mismatch; /* an entry's balance_after != running sum */
	int64_t negative;         /* accounts that may not go negative and went (ever) */
	int64_t examples[4][MOB_CHECK_EXAMPLES];
	int nexamples[4]; /* 0 unbalanced movements, 1 balance, 2 running, 3 negative */
	/* the account being walked */
	int64_t cur_account, cur_sum;
	bool cur_negative;
} mob_ledger_check;

void mob_check_init(mob_ledger_check *c);
/* One entry (in (account, id) order): its account, amount and stored balance after it;
 * may_neg for its account. */
void mob_check_entry(mob_ledger_check *c, int64_t account, int64_t entry_id, int64_t amount,
                     int64_t balance_after, bool may_neg);
/* An account's stored balance, after its entries. */
void mob_check_account(mob_ledger_check *c, int64_t account, int64_t balance, bool may_neg);
/* A movement with its number of entries and their sum. */
void mob_check_movement(mob_ledger_check *c, int64_t movement, int64_t nentries, int64_t sum);
/* True when every invariant holds. */
bool mob_check_ok(const mob_ledger_check *c);

/* ---------------------------------------------------------------- store */

#define MOB_PRICE_MAX  1000000LL /* points per item */
#define MOB_STOCK_MAX  1000000LL /* items in stock */
#define MOB_REDEEM_MAX 100       /* items in one redemption */

/* Can quantity items at price each be redeemed with balance points while stock remain?
 * Returns 0 and sets *cost, or -1 with err set: 409 "out_of_stock" (field quantity),
 * 409 "insufficient_points" (field points), 422 for a quantity outside 1..MOB_REDEEM_MAX.
 * The database repeats both checks in the writing statements (so two racing requests
 * cannot both pass); this gives the clear message. */
int mob_redeem_check(int64_t price, int64_t stock, int64_t quantity, int64_t balance, int64_t *cost,
                     gz_err *err);

/* ---------------------------------------------------------------- Party member points */

/* 党员积分 of a Party branch (docs/METRICS.md "Party member points"). Each branch has
 * its settings (mob_pp_rules; a rule not set takes its default); a member's points for
 * a year are derived from what the year holds (mob_pp_tally), never stored, so a changed
 * setting applies to the whole year at once:
 *   total = max(0, base + ⌊service_minutes × service_hour / 60⌋ + duties × duty
 *                  + meetings × meeting − deductions)
 * service_minutes: the member's volunteer service of the year (service records and their
 * corrections); duties (双报到 duties done in the reported community) and meetings
 * (组织生活 attended): entries counted; deductions: the points of deduction entries,
 * each 1..deduction_max with a reason. */
typedef enum mob_pp_rule {
	MOB_PP_BASE = 0,      /* base         基础分（每年） */
	MOB_PP_SERVICE_HOUR,  /* service_hour 每志愿服务小时 */
	MOB_PP_DUTY,          /* duty         每次双报到履职 */
	MOB_PP_MEETING,       /* meeting      每次参加组织生活 */
	MOB_PP_DEDUCTION_MAX, /* deduction_max 单次扣分上限 */
	MOB_PP_RULE__COUNT
} mob_pp_rule;

#define MOB_PP_POINTS_MAX 1000 /* any setting: 0..1000 (deduction_max 1..1000) */

typedef struct mob_pp_rules {
	int64_t v[MOB_PP_RULE__COUNT];
} mob_pp_rules;

/* The defaults: base 60, service_hour 2, duty 5, meeting 3, deduction_max 20. */
void mob_pp_rules_default(mob_pp_rules *r);
/* "base", ...; NULL out of range. */
const char *mob_pp_rule_code(mob_pp_rule r);
const char *mob_pp_rule_label(mob_pp_rule r);
/* The rule of code, or -1. */
int mob_pp_rule_parse(const char *code);
/* Is v a valid value of rule r? Returns 0, or -1 after adding a field error (the rule's
 * code) to err. */
int mob_pp_rule_check(mob_pp_rule r, int64_t v, gz_err *err);

/* What a member's year holds. */
typedef struct mob_pp_tally {
	int64_t service_minutes, duties, meetings, deductions;
} mob_pp_tally;

/* The points of a tally under rules, part by part. */
typedef struct mob_pp_points {
	int64_t base, service, duty, meeting, deduction, total;
} mob_pp_points;
void mob_pp_compute(const mob_pp_rules *r, const mob_pp_tally *t, mob_pp_points *out);

/* Entry kinds a branch records: duty 双报到履职, meeting 组织生活, deduction 扣分. */
typedef enum mob_pp_kind {
	MOB_PP_KIND_DUTY = 0,
	MOB_PP_KIND_MEETING,
	MOB_PP_KIND_DEDUCTION,
	MOB_PP_KIND__COUNT
} mob_pp_kind;
const char *mob_pp_kind_code(mob_pp_kind k);
const char *mob_pp_kind_label(mob_pp_kind k);
int mob_pp_kind_parse(const char *code);

/* Checks an entry: kind (code), points (-1 when not given) and whether a reason was
 * given, under rules. duty and meeting count one each and take no points (their points
 * come from the rules); a deduction takes points 1..deduction_max and a reason. Returns
 * the kind and sets *points (0 for duty and meeting), or -1 after adding field errors
 * (kind, points, reason) to err. */
int mob_pp_entry_check(const mob_pp_rules *r, const char *kind, int64_t points, bool has_reason,
                       int64_t *points_out, gz_err *err);

/* The year [from, to) in ms of Asia/Shanghai's calendar year (UTC+8, no DST). */
void mob_pp_year_range(int year, int64_t *from, int64_t *to);

/* A branch's ranking: rows sorted by total (highest first), equal totals by service
 * minutes (most first), then by id; rank is the competition rank of the total (equal
 * totals share a rank, the next rank skips: 1, 2, 2, 4). */
typedef struct mob_pp_rank_row {
	int64_t id;
	int64_t total, service_minutes;
	int64_t rank; /* out */
	size_t index; /* the caller's, carried along */
} mob_pp_rank_row;
void mob_pp_rank(mob_pp_rank_row *rows, size_t n);

/* ---------------------------------------------------------------- codes and labels */

/* The stable ASCII codes of the module's kinds and statuses, by group, with their
 * Chinese labels:
 *   activity_kind      volunteer 志愿活动, party 党员活动
 *   activity_status    open 报名中, confirmed 已确认时长, cancelled 已取消
 *   record_kind        service 志愿服务, training 培训, award 表彰, correction 更正
 *   movement_kind      earn 获得, redeem 兑换, refund 退还, adjust 调整, correct 更正
 *   rule               service_hour 每服务小时, need_completed 完成一项需求,
 *                      topic_participation 参与一次议题, vote 参加一次表决
 *   redemption_status  pending 待领取, picked_up 已领取, cancelled 已取消
 *   stock_kind         initial 初始库存, replenish 补货, donation 捐赠, redeem 兑换,
 *                      cancel 兑换取消
 * mob_label returns the label of code in group, or NULL when code is not one of them. */
const char *mob_label(const char *group, const char *code);

/* ---------------------------------------------------------------- certificate */

/* The certificate number (志愿服务记录证明 编号): "ZYZM-" year "-" 8-digit serial, e.g.
 * "ZYZM-2026-00000042". out holds 24 bytes. */
void mob_certificate_number(int year, int64_t serial, char out[24]);

#endif
