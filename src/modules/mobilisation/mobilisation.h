/* Mobilisation (社会动员): activities, sign-up and check-in, volunteer service records,
 * the points ledger and the charity store (爱心超市). What other modules may call: the
 * writes the API makes (the demo loads its year through them), points earned by other
 * capabilities' rules (a completed need, a topic, a vote), a member's balance, and the
 * bulk ledger generator for benchmarks.
 *
 * Each write takes the actor who does it (api/auth.h) and the time it happens at: a
 * request's handler passes the clock (gz_time_now_ms()); the command line's operator may
 * pass a time in the past (the demo's year). With a request's actor, db may be NULL (the
 * request's connection). Each write runs in ONE transaction with its audit row(s) and
 * ends with gz_api_commit (so an Idempotency-Key stores its answer); *out gets the answer
 * as the route gives it (new reference). Errors: 422 invalid_fields, 404 (missing or out
 * of scope, alike), 403, 409 for state conflicts (named in each), 503/500 from the
 * database. */
#ifndef GZ_MODULES_MOBILISATION_H
#define GZ_MODULES_MOBILISATION_H

#include "api/auth.h"
#include "db/db.h"
#include "domain/policy.h"

#include <jansson.h>
#include <stdint.h>

/* Its rows of the policy table (assigned when the module registers). */
extern policy_resource RES_ACTIVITY;       /* activities, sign-ups, check-in, hours */
extern policy_resource RES_SERVICE_RECORD; /* service records, points accounts, adjustments */
extern policy_resource RES_STORE;          /* the charity store: items, stock, redemptions */
extern policy_resource RES_PARTY_POINTS; /* 党员积分: branch rules, entries, ranking, report */

/* POST /api/v1/activities: {kind, organiser_org_id, title, description?, place_code,
 * address?, contact?, start_at, end_at, slots, skills?, points_per_hour?}. */
int gz_mob_activity_create(gz_db *db, const gz_actor *a, json_t *in, int64_t now, json_t **out,
                           gz_err *err);

/* The check-in code of activity id at time now: {code, step, valid_until, ...}. Needs
 * activity write at its place (the organiser's screen). */
int gz_mob_activity_code(gz_db *db, const gz_actor *a, int64_t id, int64_t now, json_t **out,
                         gz_err *err);

/* Sign-up of user_id (the actor's own user; any user for the operator) for activity id:
 * confirmed while slots are free, else waitlisted. 409 already_signed_up, activity_closed. */
int gz_mob_signup(gz_db *db, const gz_actor *a, int64_t activity_id, int64_t user_id, int64_t now,
                  json_t **out, gz_err *err);

/* Cancels user_id's sign-up; the earliest waitlisted take the freed slot. */
int gz_mob_signup_cancel(gz_db *db, const gz_actor *a, int64_t activity_id, int64_t user_id,
                         int64_t now, json_t **out, gz_err *err);

/* Check-in (out false) or check-out (out true) of user_id with the organiser's code
 * {code}: 422 code_wrong / code_expired / outside_window, 409 code_used,
 * already_checked_in, already_checked_out, not_checked_in, 404 not_signed_up. */
int gz_mob_check(gz_db *db, const gz_actor *a, int64_t activity_id, int64_t user_id, bool out,
                 json_t *in, int64_t now, json_t **res, gz_err *err);

/* The organiser closes a missing check-out of sign-up signup_id: {at?} (default: the
 * scheduled end). */
int gz_mob_close_checkout(gz_db *db, const gz_actor *a, int64_t activity_id, int64_t signup_id,
                          json_t *in, int64_t now, json_t **out, gz_err *err);

/* The organiser confirms the hours of activity id: {evaluations?: [{signup_id, rating,
 * comment?}]}. Every sign-up checked in and out is credited (service record + points);
 * every confirmed sign-up never checked in is a no-show. 409 open_check_outs while
 * someone checked in has not checked out; 409 not_started; 409 activity_closed. */
int gz_mob_activity_confirm(gz_db *db, const gz_actor *a, int64_t activity_id, json_t *in,
                            int64_t now, json_t **out, gz_err *err);

/* PATCH /api/v1/activities/{id}: {title?, description?, address?, contact?, start_at?,
 * end_at?, slots?, skills?, points_per_hour?} while open (409 activity_closed after);
 * 409 already_checked_in when the schedule would move after a check-in; more slots
 * promote the waitlist in order, fewer than those holding one is 422. */
int gz_mob_activity_update(gz_db *db, const gz_actor *a, int64_t activity_id, json_t *in,
                           int64_t now, json_t **out, gz_err *err);

/* POST /api/v1/activities/{id}/cancel: {reason}. Open only; sign-ups stay, nothing
 * credited changes. */
int gz_mob_activity_cancel(gz_db *db, const gz_actor *a, int64_t activity_id, json_t *in,
                           int64_t now, json_t **out, gz_err *err);

/* PUT /api/v1/party-branches/{id}/point-rules: {base?, service_hour?, duty?, meeting?,
 * deduction_max?} — a branch's settings of Party member points (admin at its place). */
int gz_mob_party_rules_set(gz_db *db, const gz_actor *a, int64_t branch_id, json_t *in, int64_t now,
                           json_t **out, gz_err *err);

/* POST /api/v1/party-branches/{id}/point-entries: {party_member_id, kind (duty, meeting,
 * deduction), note, at?, points? (deductions), reason? (deductions)}. */
int gz_mob_party_entry_create(gz_db *db, const gz_actor *a, int64_t branch_id, json_t *in,
                              int64_t now, json_t **out, gz_err *err);

/* POST /api/v1/store/items: {community_code, name, description?, price_points, stock}. */
int gz_mob_store_item_create(gz_db *db, const gz_actor *a, json_t *in, int64_t now, json_t **out,
                             gz_err *err);

/* Redemption of item_id by user_id: {quantity?}. Stock and balance are checked and both
 * written in one transaction: 409 out_of_stock, insufficient_points, item_inactive. */
int gz_mob_redeem(gz_db *db, const gz_actor *a, int64_t item_id, int64_t user_id, json_t *in,
                  int64_t now, json_t **out, gz_err *err);

/* Staff confirm the pick-up of redemption id: 409 not_pending. */
int gz_mob_pick_up(gz_db *db, const gz_actor *a, int64_t redemption_id, int64_t now, json_t **out,
                   gz_err *err);

/* Cancels redemption id while it waits for pick-up (staff, or the member who redeemed):
 * the points are refunded (a refund movement) and the stock returned. 409 not_pending. */
int gz_mob_redemption_cancel(gz_db *db, const gz_actor *a, int64_t redemption_id, int64_t now,
                             json_t **out, gz_err *err);

/* Stock replenishment or donation of item_id: {kind: replenish|donation, quantity,
 * donor_org_id?, agreement_id?, note?}. */
int gz_mob_stock_add(gz_db *db, const gz_actor *a, int64_t item_id, json_t *in, int64_t now,
                     json_t **out, gz_err *err);

/* POST /api/v1/points/adjustments: {user_id, community_code, points, reason}: admin on
 * service records at the community; 409 insufficient_points below zero. */
int gz_mob_points_adjust(gz_db *db, const gz_actor *a, json_t *in, int64_t now, json_t **out,
                         gz_err *err);

/* POST /api/v1/service-records: {user_id, kind: training|award, community_code, org_name,
 * content, started_at, ended_at?, minutes?}. */
int gz_mob_record_create(gz_db *db, const gz_actor *a, json_t *in, int64_t now, json_t **out,
                         gz_err *err);

/* Issues user_id's record certificate (志愿服务记录证明) at now, free: numbered, its
 * content (identity, total hours, services, issuing organisation and contact) kept as
 * issued. 409 no_service_records. */
int gz_mob_certificate_issue(gz_db *db, const gz_actor *a, int64_t user_id, int64_t now,
                             json_t **out, gz_err *err);

/* ---- For other capabilities: points earned by a rule (a setting, points_rules) ---- */

/* Earns user_id units × the points of rule ("service_hour", "need_completed",
 * "topic_participation", "vote") from the issuer of community (12 digits), referring to
 * (ref_type, ref_id), inside the caller's open write transaction on db (nothing is
 * committed here). Sets *points to what was earned (0 when the rule gives none: nothing
 * written). Returns 0, or -1 with err set (422 unknown rule). The caller audits its own
 * change; the movement names rule and reference. */
int gz_mob_points_earn(gz_db *db, const gz_actor *a, int64_t user_id, const char *rule,
                       int64_t units, const char *community, const char *ref_type, int64_t ref_id,
                       int64_t now, int64_t *points, gz_err *err);

/* Service outside an activity (e.g. a need matched and completed): what it was. */
typedef struct gz_mob_service {
	int64_t user_id;
	const char *scope;    /* where it was done: a grid or community code */
	const char *org_name; /* who organised it (the certificate shows it) */
	const char *content;  /* what was done */
	int64_t started_at, ended_at, minutes;
	const char *ref_type; /* what it refers to, e.g. "match_need" */
	int64_t ref_id;
} gz_mob_service;

/* Writes s as user_id's service record (志愿服务记录: kind "service", no activity), so its
 * minutes count in the volunteer's hours, summary and certificate like an activity's,
 * inside the caller's open write transaction on db (nothing committed here), audited
 * (service_record.create). No points: the caller earns its own (gz_mob_points_earn).
 * Once per (ref_type, ref_id, user): when that record exists already nothing is written
 * and *created is 0. *record_id gets the record either way. Returns 0, or -1 with err. */
int gz_mob_service_add(gz_db *db, const gz_actor *a, const gz_mob_service *s, int64_t now,
                       int64_t *record_id, int *created, gz_err *err);

/* The balance of user_id's points (0 without an account): one row read. Returns 0, or -1
 * with err set. */
int gz_mob_balance(gz_db *db, int64_t user_id, int64_t *balance, gz_err *err);

/* The balance of the account named owner_key ("u:<user id>", "issuer:<community>",
 * "store:<community>"; 0 without an account): the one statement every balance read runs
 * (bench/ledger.sh times it against summing the account's entries). Returns 0, or -1
 * with err set. */
int gz_mob_balance_of(gz_db *db, const char *owner_key, int64_t *balance, gz_err *err);

/* ---- The command line ---- */

extern const char gz_mob_ledger_usage[];
/* gongzhi ledger check | ledger gen: argv starts at "ledger". */
int gz_cli_ledger(int argc, char **argv);

#endif
