/* What the files of the mobilisation module share (module-internal). activities.c holds
 * the activities, signups.c sign-up, check-in and the confirmation of hours, records.c the
 * service records, ledger.c the points ledger and its routes, store.c the charity
 * store, cli.c `gongzhi ledger`, mob_common.c the helpers below, rules.c the pure rules. */
#ifndef GZ_MODULES_MOBILISATION_INTERNAL_H
#define GZ_MODULES_MOBILISATION_INTERNAL_H

#include "api/auth.h"
#include "api/list.h"
#include "db/db.h"
#include "domain/policy.h"
#include "http/http.h"
#include "modules/mobilisation/rules.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define MOB_TITLE_MAX    100
#define MOB_TEXT_MAX     2000
#define MOB_ADDRESS_MAX  200
#define MOB_CONTACT_MAX  64
#define MOB_SLOTS_MAX    1000
#define MOB_SKILLS_MAX   10
#define MOB_SKILL_MAX    32
#define MOB_PPH_MAX      100
#define MOB_REASON_MAX   200
#define MOB_DURATION_MAX (7 * MOB_DAY_MS) /* one activity: at most a week */
#define MOB_NAME_MAX     260              /* 64 code points of UTF-8 */

typedef struct mob_activity {
	int64_t id;
	char kind[16];
	int64_t organiser_org_id;
	char organiser_name[MOB_NAME_MAX];
	char title[4 * MOB_TITLE_MAX + 1];
	char place[16];
	int64_t start, end, slots, points_per_hour;
	uint8_t secret[MOB_CODE_SECRET_BYTES];
	char status[16];
	int64_t confirmed_n, waitlisted_n;
} mob_activity;

/* Loads activity id. With lock, first takes the activity's row lock for the rest of the
 * open write transaction (PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the whole
 * database), so counts and sequence numbers read here stay true until commit. Returns 1
 * found, 0 not, -1 with err. */
int mob_activity_load(gz_db *db, int64_t id, bool lock, mob_activity *out, gz_err *err);

/* May the actor see records of res placed at place? When place lies inside one of its
 * scopes for reading res (the rule of every module), or contains one (an activity or a
 * store of the caller's community is open to those who live or serve in its grids).
 * Returns 0, or -1 with err set as gz_actor_check (404 not_found, 403 forbidden). */
int mob_check_visible(const gz_actor *a, policy_resource res, const char *place, gz_err *err);

/* The ancestors of the caller's read scopes of res that are not themselves inside one
 * (the places whose records mob_check_visible opens upwards): up to max codes into
 * out[i] (16 bytes each). Returns how many, or -1 with err set. */
int mob_visible_ancestors(const gz_actor *a, policy_resource res, char (*out)[16], int max,
                          gz_err *err);

/* The scoped list q (key order: gz_api_scoped_items) plus, when the caller reads res from
 * grids, the rows at those grids' communities (mob_visible_ancestors) that lie inside
 * filter or contain it: q->sql is run for each such community with $1, $2 the range of
 * that code alone. The rows are merged in key order and cut at limit; *next is where the
 * next page starts. Returns 0, or -1 with err set. */
int mob_scoped_items_up(gz_req *r, const gz_api_list_query *q, policy_resource res, int limit,
                        const gz_api_cursor *after, json_t **items, gz_api_cursor *next,
                        gz_err *err);

/* Is user_id the actor's own user (or is the actor the operator, who acts for anyone)?
 * Returns 0, or -1 with err set (403 forbidden: a programming error of a handler). */
int mob_self(const gz_actor *a, int64_t user_id, gz_err *err);

/* Makes sure user_id has a volunteer row (the name it has now) and copies the name into
 * name (MOB_NAME_MAX bytes; may be NULL). Returns 0, or -1 with err set (404 when the
 * user does not exist or is deleted). */
int mob_volunteer_ensure(gz_db *db, int64_t user_id, int64_t now, char *name, gz_err *err);

/* The community (12 digits) of a place code (a community or a grid) into out. */
void mob_community_of(const char *place, char out[16]);

/* "123" for id into buf (24 bytes). */
const char *mob_id_str(int64_t id, char buf[24]);

/* The audit row of a write: gz_audit with the record id as text; detail stolen. */
int mob_audit(const gz_actor *a, gz_db *db, const char *action, const char *type, int64_t id,
              const char *scope, json_t *detail, gz_err *err);

/* Commits the write (gz_api_commit with the actor's request) and hands the answer out,
 * or rolls back: the end of every write. Returns 0, or -1 with *errp set. */
int mob_finish(const gz_actor *a, gz_db *db, int status, json_t *answer, json_t **out, gz_err *err,
               gz_err *errp);

/* The request's JSON body, or an empty object when the body is empty (POSTs whose fields
 * are all optional). NULL with err set (415, 400). */
json_t *mob_body(gz_req *r, gz_err *err);

/* Path parameter name as a record id, or 0 (the caller answers 404). */
int64_t mob_path_id(gz_req *r, const char *name);

/* A write handler's tail: answers status with out, or the error. */
void mob_reply(gz_req *r, int rc, int status, json_t *out, const gz_err *err);

/* A write on the record named by the path's {id}: fn(db NULL, the request's actor, id, the
 * body (an empty object when body_optional and there is none), now, &out, &err). */
typedef int (*mob_id_write_fn)(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                               json_t **out, gz_err *err);
/* The whole handler of such a write: reads the body, runs fn, answers status or the error. */
void mob_handle(gz_req *r, mob_id_write_fn fn, int status, bool body_optional);

/* A create (POST without {id}) done at time now. */
typedef int (*mob_create_fn)(gz_db *db, const gz_actor *a, json_t *in, int64_t now, json_t **out,
                             gz_err *err);
/* Its whole handler: JSON body, fn with the request's actor and the clock, 201 or error. */
void mob_create_handle(gz_req *r, mob_create_fn fn);

/* Row -> item of a list. */
typedef json_t *(*mob_row_fn)(gz_req *r, gz_stmt *st);
/* Completes a page's items (e.g. nested records); 0, or -1 with err set. */
typedef int (*mob_page_fn)(gz_db *db, json_t *items, gz_err *err);

/* A list of one owner's rows (the caller's records, an activity's sign-ups, an item's
 * stock moves), in the order sql gives them: sql takes $1 owner, $2 the cursor (the key
 * of the last row shown, 0 on the first page), $3 the rows wanted (?limit= + 1) and $4
 * text ("" when NULL); the key is column key_col. Answers {items, next_cursor} or the
 * error. Call inside a read snapshot (gz_api_read) when post reads more. */
void mob_owner_list(gz_req *r, const char *sql, int64_t owner, const char *text, int key_col,
                    mob_row_fn row, mob_page_fn post);

/* A scoped list (gz_api_scoped_list, key order) narrowed by the usual three filters:
 * ?{code_key}= a space code of the levels in code_mask, ?user= an id, ?{enum_key}= one of
 * the codes of label group `group` (mob_label; hint says which). sql takes the list's $1..$4,
 * then $5 the enum ("" when absent) and $6 the user (0 when absent). */
typedef struct mob_list_spec {
	const char *sql;
	policy_action action;
	policy_resource res;
	const char *code_key;
	unsigned code_mask;
	const char *enum_key, *group, *hint;
	gz_api_row_fn row;
} mob_list_spec;
void mob_filtered_list(gz_req *r, const mob_list_spec *s);

/* ---- activities (activities.c) ---- */

/* The activity columns ACT_COLS (see activities.c) from col 0 as the API shows them. */
json_t *mob_activity_json(gz_stmt *st, int64_t now);
/* The activity by id as answered (read on db, in the caller's transaction if any). */
json_t *mob_activity_get(gz_db *db, int64_t id, gz_err *err);

/* ---- sign-ups (signups.c) ---- */

typedef struct mob_signup {
	int64_t id, user_id;
	int status;                  /* mob_signup_status */
	int64_t check_in, check_out; /* 0: none */
	int64_t last_step;
} mob_signup;

/* The sign-up of activity by user_id, or with id signup_id (pass 0 for the other).
 * Returns 1 found, 0 not, -1 with err. */
int mob_signup_find(gz_db *db, int64_t activity, int64_t user_id, int64_t signup_id, mob_signup *s,
                    gz_err *err);
/* The sign-up columns SIGNUP_COLS as answered; the name masked for r's user (NULL r: in
 * full, the caller's own). */
json_t *mob_signup_json(gz_req *r, gz_stmt *st);
/* Sign-up id as answered (name in full), or NULL. */
json_t *mob_signup_get(gz_db *db, int64_t id, gz_err *err);

/* Promotes the earliest waitlisted sign-ups of act into the slots free while confirmed
 * hold one (mob_waitlist_promote), keeping the activity's counts; appends their ids to
 * promoted. Returns 0, or -1 with err set. In the caller's write transaction. */
int mob_signups_promote(gz_db *db, const mob_activity *act, int64_t confirmed, int64_t now,
                        json_t *promoted, gz_err *err);

/* ---- service records (records.c) ---- */

/* user_id's totals for the certificate: {user_id, total_minutes, services, trainings,
 * awards, first_service_at, last_service_at, by_organisation: [{org_name, minutes,
 * services}]}, or NULL with err set. */
json_t *mob_service_summary(gz_db *db, int64_t user_id, gz_err *err);

/* ---- points ledger (ledger.c) ---- */

/* The account of kind for user_id (member) or community (issuer, store), created with
 * balance 0 when create and missing. Returns its id, 0 when missing and !create, or -1
 * with err set. */
int64_t mob_account(gz_db *db, mob_acct_kind kind, int64_t user_id, const char *community,
                    int64_t now, bool create, gz_err *err);

/* A movement to post: what it is and what it refers to. */
typedef struct mob_move {
	const char *kind;     /* earn, redeem, refund, adjust, correct */
	const char *rule;     /* for earn: the rule; else NULL */
	const char *scope;    /* the community where it happens */
	int64_t user_id;      /* the member concerned */
	const char *ref_type; /* service_record, redemption, or another module's record */
	int64_t ref_id;
	const char *reason; /* adjustments and corrections */
	int64_t at;
} mob_move;

/* Posts a movement in the caller's write transaction: legs (account, amount) summing to
 * zero (mob_movement_check), each applied by one conditional UPDATE of the account's
 * balance in ascending account order (so concurrent movements never deadlock) that
 * refuses to take a member or a store below zero, and one entry row each with the
 * balance after it. Sets *movement_id. Returns 0, or -1 with err set: 409
 * insufficient_points (nothing of it is kept once the caller rolls back). */
int mob_post(gz_db *db, const gz_actor *a, const mob_move *m, mob_leg *legs, int n,
             int64_t *movement_id, gz_err *err);

/* points from the issuer of community to user_id's account (creating both as needed):
 * mob_post of an earn / adjust / correct movement. points > 0 earns, < 0 takes back
 * (409 insufficient_points when the member has too few). */
int mob_issue(gz_db *db, const gz_actor *a, const mob_move *m, int64_t points, int64_t *movement_id,
              gz_err *err);

/* The points of rule (points_rules): 1 found, 0 unknown rule, -1 error. */
int mob_rule_points(gz_db *db, const char *rule, int64_t *points, gz_err *err);

/* ---- the record certificate (certificate.c, certificate_pdf.c) ---- */

/* The CJK font embedded in PDFs: GONGZHI_CJK_FONT, else fonts-wqy-zenhei's file. */
const char *mob_cjk_font_path(void);
/* The certificate c (as GET /me/certificates/{id} answers it) as a PDF: *out malloc'd,
 * the caller frees it. Returns 0, or -1 with err set (503 pdf_font_unavailable, 500). */
int mob_certificate_pdf(const json_t *c, unsigned char **out, size_t *len, gz_err *err);

/* The year (Asia/Shanghai) of time t. */
int mob_year_of(int64_t t);

/* ---- the command line (cli.c, ledger_gen.c) ---- */

/* gongzhi ledger gen (argv starts at "gen"). */
int gz_mob_ledger_gen(int argc, char **argv);

#endif
