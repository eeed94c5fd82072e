/* The points ledger (积分): accounts with exact balances, movements posted as double
 * entries, points earned by rules, admins' adjustments, the earning rules, and the
 * routes that show a member's points and the movements in a scope.
 *
 * Why a balance column and not SUM(amount): reading a balance is then one indexed row
 * whatever the size of the ledger (bench/ledger.sh measures it against the sum on 10^7
 * entries). It stays exact because the only writer, mob_post, changes it in the same
 * transaction as the entry it adds, with the entry's balance_after, and `gongzhi ledger
 * check` re-derives every balance from the entries. */
#include "modules/mobilisation/mob_internal.h"
#include "modules/mobilisation/mobilisation.h"
#include "modules/module.h"
#include "modules/people/people.h"
#include "modules/space/space.h"
#include "api/common.h"
#include "api/fields.h"
#include "api/list.h"
#include "core/json.h"
#include "core/time.h"

#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- accounts and posting */

static void owner_key(mob_acct_kind kind, int64_t user_id, const char *community, char out[48])
{
	if (kind == MOB_ACCT_MEMBER)
		snprintf(out, 48, "u:%lld", (long long)user_id);
	else
		snprintf(out, 48, "%s:%s", mob_acct_kind_code(kind), community);
}

int64_t mob_account(gz_db *db, mob_acct_kind kind, int64_t user_id, const char *community,
                    int64_t now, bool create, gz_err *err)
{
	char key[48];
	owner_key(kind, user_id, community, key);
	if (create) {
		gz_stmt *st = gz_db_prepare(
		    db,
		    "INSERT INTO points_accounts (kind, owner_key, user_id, scope_code, "
		    "balance, created_at) VALUES ($1, $2, $3, $4, 0, $5) ON CONFLICT "
		    "(owner_key) DO NOTHING",
		    err);
		if (!st)
			return -1;
		gz_stmt_bind_str(st, 1, mob_acct_kind_code(kind));
		gz_stmt_bind_str(st, 2, key);
		gz_stmt_bind_id(st, 3, kind == MOB_ACCT_MEMBER ? user_id : 0);
		gz_stmt_bind_str(st, 4, kind == MOB_ACCT_MEMBER ? "" : community);
		gz_stmt_bind_int64(st, 5, now);
		int rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	}
	int64_t id = 0;
	int rc = gz_db_query_int64_text(db, "SELECT id FROM points_accounts WHERE owner_key = $1",
	                                &id, err, key);
	return rc < 0 ? -1 : id;
}

int mob_post(gz_db *db, const gz_actor *a, const mob_move *m, mob_leg *legs, int n,
             int64_t *movement_id, gz_err *err)
{
	if (mob_movement_check(legs, n, err) < 0)
		return -1;
	gz_stmt *st = gz_db_prepare(
	    db,
	    "INSERT INTO points_movements (kind, rule, scope_code, user_id, ref_type, ref_id, "
	    "reason, at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, m->kind);
	gz_stmt_bind_str(st, 2, m->rule);
	gz_stmt_bind_str(st, 3, m->scope);
	gz_stmt_bind_id(st, 4, m->user_id);
	gz_stmt_bind_str(st, 5, m->ref_type);
	gz_stmt_bind_id(st, 6, m->ref_id);
	gz_stmt_bind_str(st, 7, m->reason);
	gz_stmt_bind_int64(st, 8, m->at);
	gz_stmt_bind_id(st, 9, a->user_id);
	int64_t mid = 0;
	int rc = gz_stmt_step_id(st, &mid, err);
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	/* Ascending account order: two movements lock shared accounts in the same order. */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && legs[j].account < legs[j - 1].account; j--) {
			mob_leg t = legs[j];
			legs[j] = legs[j - 1];
			legs[j - 1] = t;
		}
	for (int i = 0; i < n; i++) {
		/* The one statement that changes a balance: it refuses to take a member or a
		 * store below zero (the table's CHECK is the last wall), and on PostgreSQL
		 * waits for a concurrent movement of the account and re-reads its balance. */
		st =
		    gz_db_prepare(db,
		                  "UPDATE points_accounts SET balance = balance + $2 WHERE id = $1 "
		                  "AND (kind = 'issuer' OR balance + $2 >= 0) RETURNING balance",
		                  err);
		if (!st)
			return -1;
		gz_stmt_bind_int64(st, 1, legs[i].account);
		gz_stmt_bind_int64(st, 2, legs[i].amount);
		rc = gz_stmt_step(st, err);
		int64_t after = rc == GZ_ROW ? gz_stmt_int64(st, 0) : 0;
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
		if (rc == GZ_DONE) {
			int64_t have = 0;
			if (gz_db_query_int64(db,
			                      "SELECT balance FROM points_accounts WHERE id = $1",
			                      &have, err, 1, legs[i].account) < 0)
				return -1;
			gz_err_set(err, GZ_ECONFLICT, "insufficient_points",
			           "积分不足：余额 %lld 分，需要 %lld 分", (long long)have,
			           (long long)-legs[i].amount);
			gz_err_field(err, "points", "余额不足");
			return -1;
		}
		st = gz_db_prepare(db,
		                   "INSERT INTO points_entries (movement_id, account_id, amount, "
		                   "balance_after) VALUES ($1, $2, $3, $4)",
		                   err);
		if (!st)
			return -1;
		gz_stmt_bind_int64(st, 1, mid);
		gz_stmt_bind_int64(st, 2, legs[i].account);
		gz_stmt_bind_int64(st, 3, legs[i].amount);
		gz_stmt_bind_int64(st, 4, after);
		rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	}
	*movement_id = mid;
	return 0;
}

int mob_issue(gz_db *db, const gz_actor *a, const mob_move *m, int64_t points, int64_t *movement_id,
              gz_err *err)
{
	int64_t issuer = mob_account(db, MOB_ACCT_ISSUER, 0, m->scope, m->at, true, err);
	int64_t member =
	    issuer < 0 ? -1 : mob_account(db, MOB_ACCT_MEMBER, m->user_id, NULL, m->at, true, err);
	if (member < 0)
		return -1;
	mob_leg legs[] = {{issuer, -points}, {member, points}};
	return mob_post(db, a, m, legs, 2, movement_id, err);
}

int mob_rule_points(gz_db *db, const char *rule, int64_t *points, gz_err *err)
{
	return gz_db_query_int64_text(db, "SELECT points FROM points_rules WHERE rule = $1", points,
	                              err, rule);
}

int gz_mob_points_earn(gz_db *db, const gz_actor *a, int64_t user_id, const char *rule,
                       int64_t units, const char *community, const char *ref_type, int64_t ref_id,
                       int64_t now, int64_t *points, gz_err *err)
{
	int64_t per = 0;
	int rc = mob_rule_points(db, rule, &per, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return gz_err_set(err, GZ_EINVALID, "unknown_rule", "没有这条积分规则：%s",
		                  rule ? rule : "");
	if (!community || strlen(community) != 12)
		return gz_err_set(err, GZ_EINVALID, "invalid_community",
		                  "积分由社区发放：应为 12 位社区编码");
	*points = per * units;
	if (*points <= 0) {
		*points = 0;
		return 0;
	}
	mob_move m = {.kind = "earn",
	              .rule = rule,
	              .scope = community,
	              .user_id = user_id,
	              .ref_type = ref_type,
	              .ref_id = ref_id,
	              .at = now};
	int64_t mid;
	return mob_issue(db, a, &m, *points, &mid, err);
}

int gz_mob_balance_of(gz_db *db, const char *key, int64_t *balance, gz_err *err)
{
	*balance = 0;
	return gz_db_query_int64_text(db,
	                              "SELECT balance FROM points_accounts WHERE owner_key = $1",
	                              balance, err, key) < 0
	           ? -1
	           : 0;
}

int gz_mob_balance(gz_db *db, int64_t user_id, int64_t *balance, gz_err *err)
{
	char key[48];
	owner_key(MOB_ACCT_MEMBER, user_id, NULL, key);
	return gz_mob_balance_of(db, key, balance, err);
}

/* ---------------------------------------------------------------- my points */

static void me_points(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	gz_db *db = gz_req_db(r, &err);
	int64_t balance = 0;
	if (!db || gz_mob_balance(db, a->user_id, &balance, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_json(r, 200,
	              json_pack("{s:o,s:I}", "user_id", gz_api_id_json(a->user_id), "balance",
	                        (json_int_t)balance));
}

/* What a movement was for, as one line: the service, the item, the reason. */
#define ENTRY_COLS                                                                                 \
	"e.id, e.amount, e.balance_after, m.kind, m.rule, m.reason, m.ref_type, m.ref_id, m.at, "  \
	"m.scope_code, COALESCE(sr.content, it.name, '')"
#define ENTRY_JOINS                                                                                \
	" JOIN points_movements m ON m.id = e.movement_id LEFT JOIN mob_service_records sr ON "    \
	"m.ref_type = 'service_record' AND sr.id = m.ref_id LEFT JOIN store_redemptions rd ON "    \
	"m.ref_type = 'redemption' AND rd.id = m.ref_id LEFT JOIN store_items it ON it.id = "      \
	"rd.item_id"

static json_t *entry_json(gz_stmt *st)
{
	const char *kind = gz_stmt_text(st, 3), *kl = mob_label("movement_kind", kind);
	const char *rule = gz_stmt_isnull(st, 4) ? NULL : gz_stmt_text(st, 4);
	json_t *o = json_pack(
	    "{s:o,s:I,s:I,s:s,s:s,s:o,s:o,s:s,s:s}", "id", gz_api_id_json(gz_stmt_int64(st, 0)),
	    "amount", (json_int_t)gz_stmt_int64(st, 1), "balance_after",
	    (json_int_t)gz_stmt_int64(st, 2), "kind", kind, "kind_label", kl ? kl : "", "rule",
	    rule ? json_string(rule) : json_null(), "reason", gz_api_text_or_null(st, 5),
	    "community_code", gz_stmt_text(st, 9), "about", gz_stmt_text(st, 10));
	json_object_set_new(o, "ref_type", gz_api_text_or_null(st, 6));
	json_object_set_new(o, "ref_id", gz_api_id_or_null(st, 7));
	json_object_set_new(o, "at", gz_api_time_json(gz_stmt_int64(st, 8)));
	return o;
}

static json_t *entry_row(gz_req *r, gz_stmt *st)
{
	(void)r;
	return entry_json(st);
}

/* GET /me/points/entries: the caller's entries, newest first. */
static void me_entries_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_req_db(r, &err);
	int64_t acct =
	    db ? mob_account(db, MOB_ACCT_MEMBER, gz_req_actor(r)->user_id, NULL, 0, false, &err)
	       : -1;
	if (acct < 0) {
		gz_reply_err(r, &err);
		return;
	}
	mob_owner_list(r,
	               "SELECT " ENTRY_COLS " FROM points_entries e" ENTRY_JOINS
	               " WHERE e.account_id = $1 AND (CAST($2 AS BIGINT) = 0 OR e.id < CAST($2 AS "
	               "BIGINT)) ORDER BY e.id DESC LIMIT $3",
	               acct, NULL, 0, entry_row, NULL);
}

static void me_entries(gz_req *r)
{
	gz_api_read(r, me_entries_read);
}

/* ---------------------------------------------------------------- movements in a scope */

static json_t *movement_row(gz_req *r, gz_stmt *st, int64_t *key)
{
	*key = gz_stmt_int64(st, 0);
	const char *kind = gz_stmt_text(st, 1), *kl = mob_label("movement_kind", kind);
	const char *scope = gz_stmt_text(st, 3);
	json_t *o =
	    json_pack("{s:o,s:s,s:s,s:o,s:s,s:I,s:o,s:o}", "id", gz_api_id_json(*key), "kind", kind,
	              "kind_label", kl ? kl : "", "rule", gz_api_text_or_null(st, 2),
	              "community_code", scope, "amount", (json_int_t)gz_stmt_int64(st, 6), "reason",
	              gz_api_text_or_null(st, 7), "at", gz_api_time_json(gz_stmt_int64(st, 8)));
	json_object_set_new(o, "user",
	                    gz_stmt_isnull(st, 4)
	                        ? json_null()
	                        : json_pack("{s:o,s:s}", "id", gz_api_id_json(gz_stmt_int64(st, 4)),
	                                    "name",
	                                    gz_people_name_for(r, scope, gz_stmt_text(st, 5))));
	json_object_set_new(o, "ref_type", gz_api_text_or_null(st, 9));
	json_object_set_new(o, "ref_id", gz_api_id_or_null(st, 10));
	return o;
}

/* amount: what the member's account received (negative: paid). */
static void movement_list(gz_req *r)
{
	mob_filtered_list(
	    r, &(mob_list_spec){
	           .sql = "SELECT m.id, m.kind, m.rule, m.scope_code, m.user_id, COALESCE(v.name, "
	                  "''), COALESCE((SELECT e.amount FROM points_entries e JOIN "
	                  "points_accounts ac ON ac.id = e.account_id WHERE e.movement_id = m.id "
	                  "AND ac.kind = 'member'), 0), m.reason, m.at, m.ref_type, m.ref_id FROM "
	                  "points_movements m LEFT JOIN mob_volunteers v ON v.user_id = m.user_id "
	                  "WHERE m.scope_code >= $1 AND m.scope_code < $2 AND m.id > $3 AND "
	                  "(CAST($5 AS TEXT) = '' OR m.kind = $5) AND (CAST($6 AS BIGINT) = 0 OR "
	                  "m.user_id = CAST($6 AS BIGINT)) ORDER BY m.id LIMIT $4",
	           .action = ACT_READ,
	           .res = RES_SERVICE_RECORD,
	           .code_key = "community",
	           .code_mask = GZ_API_AT_STREET | GZ_API_AT_COMMUNITY,
	           .enum_key = "kind",
	           .group = "movement_kind",
	           .hint = "应为 earn、redeem、refund、adjust、correct 之一",
	           .row = movement_row});
}

/* ---------------------------------------------------------------- adjustments */

/* POST /api/v1/points/adjustments {user_id, community_code, points, reason} */
int gz_mob_points_adjust(gz_db *db, const gz_actor *a, json_t *in, int64_t now, json_t **out,
                         gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t user = 0, points = 0, mid = 0, balance = 0;
	const char *community = NULL, *reason = NULL;
	gz_api_id_field(in, "user_id", GZ_REQUIRED, &user, &err);
	gz_api_code_field(in, "community_code", GZ_REQUIRED, GZ_API_AT_COMMUNITY, &community, &err);
	if (gz_json_int(in, "points", GZ_REQUIRED, -100000, 100000, &points, &err) == 0 && !points)
		gz_err_field(&err, "points", "不能为 0");
	gz_api_str_field(in, "reason", GZ_REQUIRED, 1, MOB_REASON_MAX, &reason, &err);
	if (gz_json_check(&err) < 0 || !(db || (db = gz_req_db(a->req, &err))))
		goto fail;
	if (gz_actor_check(a, ACT_ADMIN, RES_SERVICE_RECORD, community, &err) < 0 ||
	    gz_db_begin(db, &err) < 0)
		goto fail;
	int rc = gz_space_node_exists(db, community, &err);
	if (rc < 0)
		goto rollback;
	if (!rc) {
		gz_err_field(&err, "community_code", "社区不存在");
		gz_json_check(&err);
		goto rollback;
	}
	if (mob_volunteer_ensure(db, user, now, NULL, &err) < 0) {
		if (err.kind == GZ_ENOTFOUND) {
			gz_err_clear(&err);
			gz_err_field(&err, "user_id", "用户不存在");
			gz_json_check(&err);
		}
		goto rollback;
	}
	mob_move m = {
	    .kind = "adjust", .scope = community, .user_id = user, .reason = reason, .at = now};
	if (mob_issue(db, a, &m, points, &mid, &err) < 0 ||
	    mob_audit(a, db, "points.adjust", "points_movement", mid, community,
	              json_pack("{s:o,s:I,s:s}", "user_id", gz_api_id_json(user), "points",
	                        (json_int_t)points, "reason", reason),
	              &err) < 0 ||
	    gz_mob_balance(db, user, &balance, &err) < 0)
		goto rollback;
	json_t *ans =
	    json_pack("{s:o,s:o,s:s,s:I,s:s,s:I}", "movement_id", gz_api_id_json(mid), "user_id",
	              gz_api_id_json(user), "community_code", community, "points",
	              (json_int_t)points, "reason", reason, "balance", (json_int_t)balance);
	return mob_finish(a, db, 201, ans, out, &err, errp);
rollback:
	gz_db_rollback(db);
fail:
	*errp = err;
	return -1;
}

static void adjust_create(gz_req *r)
{
	mob_create_handle(r, gz_mob_points_adjust);
}

/* ---------------------------------------------------------------- rules */

static const char *const rule_names[] = {"service_hour", "need_completed", "topic_participation",
                                         "vote", NULL};

static json_t *rules_json(gz_db *db, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT rule, points, updated_at FROM points_rules ORDER BY rule", err);
	if (!st)
		return NULL;
	json_t *items = json_array();
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		const char *l = mob_label("rule", gz_stmt_text(st, 0));
		json_array_append_new(
		    items,
		    json_pack("{s:s,s:s,s:I,s:o}", "rule", gz_stmt_text(st, 0), "label", l ? l : "",
		              "points", (json_int_t)gz_stmt_int64(st, 1), "updated_at",
		              gz_stmt_int64(st, 2) ? gz_api_time_json(gz_stmt_int64(st, 2))
		                                   : json_null()));
	}
	gz_stmt_finish(st);
	if (rc < 0) {
		json_decref(items);
		return NULL;
	}
	return json_pack("{s:o}", "items", items);
}

static void rules_get(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_req_db(r, &err);
	json_t *o = db ? rules_json(db, &err) : NULL;
	mob_reply(r, o ? 0 : -1, 200, o, &err);
}

/* PUT /api/v1/points/rules {rule: points, ...}: the earning rules (settings), by the
 * administrators of the whole system. */
static void rules_put(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	json_t *in = gz_req_json(r, &err), *changed = json_object(), *out = NULL;
	gz_db *db = NULL;
	int rc = -1;
	if (!in)
		goto done;
	const char *key;
	json_t *v;
	json_object_foreach(in, key, v)
	{
		bool known = false;
		for (int i = 0; rule_names[i] && !known; i++)
			known = !strcmp(rule_names[i], key);
		if (!known)
			gz_err_field(&err, key, "没有这条规则");
	}
	for (int i = 0; rule_names[i]; i++) {
		int64_t p = -1;
		if (gz_json_int(in, rule_names[i], GZ_OPTIONAL, 0, 1000, &p, &err) == 0 && p >= 0)
			json_object_set_new(changed, rule_names[i], json_integer(p));
	}
	if (!err.nfields && !json_object_size(changed))
		gz_err_field(&err, "rules", "至少给出一条规则");
	if (gz_json_check(&err) < 0)
		goto done;
	if (gz_actor_check(a, ACT_ADMIN, RES_SERVICE_RECORD, "", &err) < 0) {
		/* A setting of the whole system, not a record: below it, forbidden. */
		if (err.kind == GZ_ENOTFOUND)
			gz_err_set(&err, GZ_EFORBIDDEN, "forbidden",
			           "只有系统管理员可以修改积分规则");
		goto done;
	}
	if (!(db = gz_req_db(r, &err)) || gz_db_begin(db, &err) < 0)
		goto done;
	int64_t now = gz_time_now_ms();
	json_object_foreach(changed, key, v)
	{
		gz_stmt *st = gz_db_prepare(db,
		                            "UPDATE points_rules SET points = $2, updated_at = $3, "
		                            "updated_by = $4 WHERE rule = $1",
		                            &err);
		if (!st)
			goto rollback;
		gz_stmt_bind_str(st, 1, key);
		gz_stmt_bind_int64(st, 2, json_integer_value(v));
		gz_stmt_bind_int64(st, 3, now);
		gz_stmt_bind_id(st, 4, a->user_id);
		int s = gz_stmt_step(st, &err);
		gz_stmt_finish(st);
		if (s < 0)
			goto rollback;
	}
	if (gz_audit(a, db, "points.rules_update", "points_rules", "", "", changed, &err) < 0 ||
	    !(out = rules_json(db, &err)) || gz_api_commit(r, db, 200, out, &err) < 0)
		goto rollback;
	rc = 0;
	goto done;
rollback:
	gz_db_rollback(db);
	json_decref(out);
	out = NULL;
done:
	json_decref(in);
	json_decref(changed);
	mob_reply(r, rc, 200, out, &err);
}

const gz_module_route gz_mob_ledger_routes[] = {
    {"GET", "/api/v1/me/points", me_points, 0, 0},
    {"GET", "/api/v1/me/points/entries", me_entries, 0, 0},
    {"GET", "/api/v1/points/movements", movement_list, 0, 0},
    {"POST", "/api/v1/points/adjustments", adjust_create, 0, 0},
    {"GET", "/api/v1/points/rules", rules_get, 0, 0},
    {"PUT", "/api/v1/points/rules", rules_put, 0, 0},
    {0},
};
