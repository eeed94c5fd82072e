/* The charity store (爱心超市): items with stock and a price in points, stock moves
 * (replenishment, donations from co-building units), redemptions that pay points and take
 * stock in one transaction, pick-up confirmed by staff, and cancellation with a refund. */
#include "modules/mobilisation/mob_internal.h"
#include "modules/mobilisation/mobilisation.h"
#include "modules/module.h"
#include "modules/org/org.h"
#include "modules/people/people.h"
#include "modules/space/space.h"
#include "api/common.h"
#include "api/fields.h"
#include "api/list.h"
#include "core/json.h"
#include "core/time.h"

#include <stdio.h>
#include <string.h>

#define ITEM_COLS                                                                                  \
	"i.id, i.community_code, i.name, i.description, i.price_points, i.stock, i.active, "       \
	"i.created_at, i.updated_at"

static json_t *item_json(gz_stmt *st)
{
	return json_pack(
	    "{s:o,s:s,s:s,s:s,s:I,s:I,s:b,s:o,s:o}", "id", gz_api_id_json(gz_stmt_int64(st, 0)),
	    "community_code", gz_stmt_text(st, 1), "name", gz_stmt_text(st, 2), "description",
	    gz_stmt_text(st, 3), "price_points", (json_int_t)gz_stmt_int64(st, 4), "stock",
	    (json_int_t)gz_stmt_int64(st, 5), "active", (int)gz_stmt_int64(st, 6), "created_at",
	    gz_api_time_json(gz_stmt_int64(st, 7)), "updated_at",
	    gz_api_time_json(gz_stmt_int64(st, 8)));
}

static json_t *item_get(gz_db *db, int64_t id, gz_err *err)
{
	gz_stmt *st =
	    gz_db_prepare(db, "SELECT " ITEM_COLS " FROM store_items i WHERE i.id = $1", err);
	if (!st)
		return NULL;
	gz_stmt_bind_int64(st, 1, id);
	json_t *o = gz_stmt_step(st, err) == GZ_ROW ? item_json(st) : NULL;
	gz_stmt_finish(st);
	return o;
}

typedef struct {
	int64_t id, price, stock;
	bool active;
	char community[16];
	char name[MOB_NAME_MAX];
} item_row;

/* 1 found, 0 not, -1 error */
static int item_load(gz_db *db, int64_t id, item_row *it, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT id, community_code, name, price_points, stock, active FROM store_items WHERE "
	    "id = $1",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		it->id = gz_stmt_int64(st, 0);
		snprintf(it->community, sizeof it->community, "%s", gz_stmt_text(st, 1));
		snprintf(it->name, sizeof it->name, "%s", gz_stmt_text(st, 2));
		it->price = gz_stmt_int64(st, 3);
		it->stock = gz_stmt_int64(st, 4);
		it->active = gz_stmt_int64(st, 5) != 0;
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

/* Appends a stock move of item (quantity: the signed change; stock_after: after it). */
static int stock_move(gz_db *db, const gz_actor *a, const item_row *it, const char *kind,
                      int64_t quantity, int64_t stock_after, int64_t donor, int64_t agreement,
                      int64_t redemption, const char *note, int64_t now, int64_t *id, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db,
	    "INSERT INTO store_stock_moves (item_id, scope_code, kind, quantity, stock_after, "
	    "donor_org_id, agreement_id, redemption_id, note, at, created_by) VALUES ($1, $2, $3, "
	    "$4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, it->id);
	gz_stmt_bind_str(st, 2, it->community);
	gz_stmt_bind_str(st, 3, kind);
	gz_stmt_bind_int64(st, 4, quantity);
	gz_stmt_bind_int64(st, 5, stock_after);
	gz_stmt_bind_id(st, 6, donor);
	gz_stmt_bind_id(st, 7, agreement);
	gz_stmt_bind_id(st, 8, redemption);
	gz_stmt_bind_str(st, 9, note);
	gz_stmt_bind_int64(st, 10, now);
	gz_stmt_bind_id(st, 11, a->user_id);
	int64_t mid = 0;
	int rc = gz_stmt_step_id(st, &mid, err);
	gz_stmt_finish(st);
	if (id)
		*id = mid;
	return rc < 0 ? -1 : 0;
}

/* ---------------------------------------------------------------- items */

int gz_mob_store_item_create(gz_db *db, const gz_actor *a, json_t *in, int64_t now, json_t **out,
                             gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	const char *community = NULL, *name = NULL, *desc = "";
	int64_t price = 0, stock = 0, id = 0;
	gz_api_code_field(in, "community_code", GZ_REQUIRED, GZ_API_AT_COMMUNITY, &community, &err);
	gz_api_str_field(in, "name", GZ_REQUIRED, 1, 64, &name, &err);
	gz_api_str_field(in, "description", GZ_OPTIONAL, 0, 500, &desc, &err);
	gz_json_int(in, "price_points", GZ_REQUIRED, 1, MOB_PRICE_MAX, &price, &err);
	gz_json_int(in, "stock", GZ_REQUIRED, 0, MOB_STOCK_MAX, &stock, &err);
	if (gz_json_check(&err) < 0 || !(db || (db = gz_req_db(a->req, &err))))
		goto fail;
	if (gz_actor_check(a, ACT_WRITE, RES_STORE, community, &err) < 0 ||
	    gz_db_begin(db, &err) < 0)
		goto fail;
	int rc = gz_space_node_exists(db, community, &err);
	if (rc <= 0) {
		if (!rc) {
			gz_err_field(&err, "community_code", "社区不存在");
			gz_json_check(&err);
		}
		goto rollback;
	}
	gz_stmt *st = gz_db_prepare(db,
	                            "INSERT INTO store_items (community_code, name, description, "
	                            "price_points, stock, created_at, updated_at) VALUES ($1, $2, "
	                            "$3, $4, $5, $6, $6) RETURNING id",
	                            &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_str(st, 1, community);
	gz_stmt_bind_str(st, 2, name);
	gz_stmt_bind_str(st, 3, desc);
	gz_stmt_bind_int64(st, 4, price);
	gz_stmt_bind_int64(st, 5, stock);
	gz_stmt_bind_int64(st, 6, now);
	rc = gz_stmt_step_id(st, &id, &err);
	gz_stmt_finish(st);
	if (rc < 0) {
		if (err.kind == GZ_ECONFLICT)
			gz_err_set(&err, GZ_ECONFLICT, "duplicate_item",
			           "本社区爱心超市已有同名物品");
		goto rollback;
	}
	item_row it = {.id = id, .stock = stock};
	snprintf(it.community, sizeof it.community, "%s", community);
	if ((stock &&
	     stock_move(db, a, &it, "initial", stock, stock, 0, 0, 0, NULL, now, NULL, &err) < 0) ||
	    mob_audit(a, db, "store_item.create", "store_item", id, community,
	              json_pack("{s:s,s:I,s:I}", "name", name, "price_points", (json_int_t)price,
	                        "stock", (json_int_t)stock),
	              &err) < 0)
		goto rollback;
	return mob_finish(a, db, 201, item_get(db, id, &err), out, &err, errp);
rollback:
	gz_db_rollback(db);
fail:
	*errp = err;
	return -1;
}

static void item_create(gz_req *r)
{
	mob_create_handle(r, gz_mob_store_item_create);
}

static json_t *item_row_json(gz_req *r, gz_stmt *st, int64_t *key)
{
	(void)r;
	*key = gz_stmt_int64(st, 0);
	return item_json(st);
}

static void item_list_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const char *community = NULL;
	int limit;
	gz_api_cursor after, next;
	json_t *items = NULL;
	if (gz_api_code_query(r, "community", GZ_API_AT_STREET | GZ_API_AT_COMMUNITY, &community,
	                      &err) < 0 ||
	    gz_api_list_params(r, false, &limit, &after, &err) < 0)
		goto fail;
	int64_t ints[] = {gz_api_flag_query(r, "all") ? 0 : 1};
	gz_api_list_query q = {
	    .sql = "SELECT " ITEM_COLS " FROM store_items i WHERE i.community_code >= $1 AND "
	           "i.community_code < $2 AND i.id > $3 AND (CAST($5 AS BIGINT) = 0 OR i.active = "
	           "1) ORDER BY i.id LIMIT $4",
	    .action = ACT_READ,
	    .res = RES_STORE,
	    .filter = community,
	    .ints = ints,
	    .nints = 1,
	    .row = item_row_json};
	if (mob_scoped_items_up(r, &q, RES_STORE, limit, &after, &items, &next, &err) < 0)
		goto fail;
	gz_reply_json(r, 200, gz_api_list_json(r, items, &next));
	return;
fail:
	json_decref(items);
	gz_reply_err(r, &err);
}

static void item_list(gz_req *r)
{
	gz_api_read(r, item_list_read);
}

static void item_detail(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_req_db(r, &err);
	int64_t id = mob_path_id(r, "id");
	json_t *o = db && id ? item_get(db, id, &err) : NULL;
	if (o &&
	    mob_check_visible(gz_req_actor(r), RES_STORE,
	                      json_string_value(json_object_get(o, "community_code")), &err) < 0) {
		json_decref(o);
		o = NULL;
	}
	if (!o && !err.kind)
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
	mob_reply(r, o ? 0 : -1, 200, o, &err);
}

/* PATCH /store/items/{id} {name?, description?, price_points?, active?} */
static void item_patch(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	json_t *in = gz_req_json(r, &err), *out = NULL;
	const char *name = NULL, *desc = NULL;
	int64_t price = 0;
	bool active = true, has_active = false;
	gz_db *db = NULL;
	item_row it;
	int rc = -1;
	if (!in)
		goto done;
	gz_api_str_field(in, "name", GZ_OPTIONAL, 1, 64, &name, &err);
	gz_api_str_field(in, "description", GZ_OPTIONAL, 0, 500, &desc, &err);
	gz_json_int(in, "price_points", GZ_OPTIONAL, 1, MOB_PRICE_MAX, &price, &err);
	if (json_object_get(in, "active") &&
	    gz_json_bool(in, "active", GZ_OPTIONAL, &active, &err) == 0)
		has_active = true;
	if (json_object_get(in, "stock"))
		gz_err_field(&err, "stock", "库存只能通过补货、捐赠和兑换改变");
	if (!err.nfields && !name && !desc && !price && !has_active)
		gz_err_field(&err, "name", "至少修改一项");
	if (gz_json_check(&err) < 0 || !(db = gz_req_db(r, &err)) || gz_db_begin(db, &err) < 0)
		goto done;
	int found = item_load(db, mob_path_id(r, "id"), &it, &err);
	if (found <= 0) {
		if (!found)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto rollback;
	}
	if (gz_actor_check(a, ACT_WRITE, RES_STORE, it.community, &err) < 0)
		goto rollback;
	gz_stmt *st = gz_db_prepare(
	    db,
	    "UPDATE store_items SET name = COALESCE($2, name), description = COALESCE($3, "
	    "description), price_points = CASE WHEN CAST($4 AS BIGINT) > 0 THEN CAST($4 AS BIGINT) "
	    "ELSE price_points END, active = CASE WHEN CAST($5 AS BIGINT) >= 0 THEN CAST($5 AS "
	    "BIGINT) ELSE active END, updated_at = $6 WHERE id = $1",
	    &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, it.id);
	gz_stmt_bind_str(st, 2, name);
	gz_stmt_bind_str(st, 3, desc);
	gz_stmt_bind_int64(st, 4, price);
	gz_stmt_bind_int64(st, 5, has_active ? (int64_t)active : -1);
	gz_stmt_bind_int64(st, 6, gz_time_now_ms());
	int s = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	if (s < 0) {
		if (err.kind == GZ_ECONFLICT)
			gz_err_set(&err, GZ_ECONFLICT, "duplicate_item",
			           "本社区爱心超市已有同名物品");
		goto rollback;
	}
	json_t *fields = json_array();
	const char *keys[] = {"name", "description", "price_points", "active"};
	for (int i = 0; i < 4; i++)
		if (json_object_get(in, keys[i]) && !json_is_null(json_object_get(in, keys[i])))
			json_array_append_new(fields, json_string(keys[i]));
	if (mob_audit(a, db, "store_item.update", "store_item", it.id, it.community,
	              json_pack("{s:o}", "fields", fields), &err) < 0 ||
	    !(out = item_get(db, it.id, &err)) || gz_api_commit(r, db, 200, out, &err) < 0)
		goto rollback;
	rc = 0;
	goto done;
rollback:
	gz_db_rollback(db);
	json_decref(out);
	out = NULL;
done:
	json_decref(in);
	mob_reply(r, rc, 200, out, &err);
}

/* ---------------------------------------------------------------- stock */

int gz_mob_stock_add(gz_db *db, const gz_actor *a, int64_t item_id, json_t *in, int64_t now,
                     json_t **out, gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	const char *kind = NULL, *note = NULL;
	int64_t qty = 0, donor = 0, agreement = 0, move = 0;
	item_row it;
	if (gz_api_str_field(in, "kind", GZ_REQUIRED, 1, 16, &kind, &err) == 0 &&
	    strcmp(kind, "replenish") && strcmp(kind, "donation"))
		gz_err_field(&err, "kind", "应为 replenish（补货）或 donation（捐赠）");
	gz_json_int(in, "quantity", GZ_REQUIRED, 1, MOB_STOCK_MAX, &qty, &err);
	gz_api_id_field(in, "donor_org_id", GZ_OPTIONAL, &donor, &err);
	gz_api_id_field(in, "agreement_id", GZ_OPTIONAL, &agreement, &err);
	gz_api_str_field(in, "note", GZ_OPTIONAL, 0, MOB_REASON_MAX, &note, &err);
	if (kind && !strcmp(kind, "replenish") && (donor || agreement))
		gz_err_field(&err, "donor_org_id", "补货没有捐赠单位；捐赠请用 kind: donation");
	if (gz_json_check(&err) < 0 || !(db || (db = gz_req_db(a->req, &err))) ||
	    gz_db_begin(db, &err) < 0)
		goto fail;
	int rc = item_load(db, item_id, &it, &err);
	if (rc <= 0) {
		if (!rc)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto rollback;
	}
	if (gz_actor_check(a, ACT_WRITE, RES_STORE, it.community, &err) < 0)
		goto rollback;
	gz_org_brief o;
	if (donor && gz_org_ref(db, a, donor, it.community, "donor_org_id", &o, &err) < 0)
		goto rollback;
	if (agreement) {
		int64_t unit = 0;
		char comm[16];
		if ((rc = gz_org_agreement_get(db, agreement, &unit, comm, &err)) < 0)
			goto rollback;
		if (!rc || strcmp(comm, it.community))
			gz_err_field(&err, "agreement_id", "不是本社区的共建协议");
		else if (donor && unit != donor)
			gz_err_field(&err, "agreement_id", "不是这个捐赠单位的共建协议");
		else if (!donor)
			donor = unit;
	}
	if (it.stock + qty > MOB_STOCK_MAX)
		gz_err_field(&err, "quantity", "库存至多 %lld 件", (long long)MOB_STOCK_MAX);
	if (gz_json_check(&err) < 0)
		goto rollback;
	gz_stmt *st = gz_db_prepare(db,
	                            "UPDATE store_items SET stock = stock + $2, updated_at = $3 "
	                            "WHERE id = $1 RETURNING stock",
	                            &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, it.id);
	gz_stmt_bind_int64(st, 2, qty);
	gz_stmt_bind_int64(st, 3, now);
	rc = gz_stmt_step(st, &err);
	int64_t after = rc == GZ_ROW ? gz_stmt_int64(st, 0) : 0;
	gz_stmt_finish(st);
	if (rc != GZ_ROW ||
	    stock_move(db, a, &it, kind, qty, after, donor, agreement, 0, note, now, &move, &err) <
	        0 ||
	    mob_audit(a, db, "store_item.stock", "store_item", it.id, it.community,
	              json_pack("{s:s,s:I,s:o,s:o}", "kind", kind, "quantity", (json_int_t)qty,
	                        "donor_org_id", donor ? gz_api_id_json(donor) : json_null(),
	                        "agreement_id",
	                        agreement ? gz_api_id_json(agreement) : json_null()),
	              &err) < 0)
		goto rollback;
	json_t *ans = item_get(db, it.id, &err);
	if (ans)
		json_object_set_new(ans, "stock_move_id", gz_api_id_json(move));
	return mob_finish(a, db, 201, ans, out, &err, errp);
rollback:
	gz_db_rollback(db);
fail:
	*errp = err;
	return -1;
}

static void stock_add(gz_req *r)
{
	mob_handle(r, gz_mob_stock_add, 201, false);
}

static json_t *stock_row(gz_req *r, gz_stmt *st)
{
	(void)r;
	const char *kind = gz_stmt_text(st, 1), *kl = mob_label("stock_kind", kind);
	return json_pack("{s:o,s:s,s:s,s:I,s:I,s:o,s:o,s:o,s:o,s:o}", "id",
	                 gz_api_id_json(gz_stmt_int64(st, 0)), "kind", kind, "kind_label",
	                 kl ? kl : "", "quantity", (json_int_t)gz_stmt_int64(st, 2), "stock_after",
	                 (json_int_t)gz_stmt_int64(st, 3), "donor_org_id", gz_api_id_or_null(st, 4),
	                 "agreement_id", gz_api_id_or_null(st, 5), "redemption_id",
	                 gz_api_id_or_null(st, 6), "note", gz_api_text_or_null(st, 7), "at",
	                 gz_api_time_json(gz_stmt_int64(st, 8)));
}

/* GET /store/items/{id}/stock: its stock moves in order (staff). */
static void stock_list_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_req_db(r, &err);
	item_row it;
	int rc = db ? item_load(db, mob_path_id(r, "id"), &it, &err) : -1;
	if (rc == 0)
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
	if (rc <= 0 || gz_auth_check(r, ACT_WRITE, RES_STORE, it.community, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	mob_owner_list(r,
	               "SELECT m.id, m.kind, m.quantity, m.stock_after, m.donor_org_id, "
	               "m.agreement_id, m.redemption_id, m.note, m.at FROM store_stock_moves m "
	               "WHERE m.item_id = $1 AND m.id > $2 ORDER BY m.id LIMIT $3",
	               it.id, NULL, 0, stock_row, NULL);
}

static void stock_list(gz_req *r)
{
	gz_api_read(r, stock_list_read);
}

/* ---------------------------------------------------------------- redemptions */

#define REDEMPTION_COLS                                                                            \
	"d.id, d.item_id, i.name, d.scope_code, d.user_id, COALESCE(v.name, ''), d.quantity, "     \
	"d.points, d.status, d.created_at, d.picked_up_at, d.cancelled_at"
#define REDEMPTION_FROM                                                                            \
	" FROM store_redemptions d JOIN store_items i ON i.id = d.item_id LEFT JOIN "              \
	"mob_volunteers v ON v.user_id = d.user_id"

/* A redemption as answered; the name masked for r's user (NULL r: in full). */
static json_t *redemption_json(gz_req *r, gz_stmt *st)
{
	const char *status = gz_stmt_text(st, 8), *sl = mob_label("redemption_status", status);
	const char *scope = gz_stmt_text(st, 3), *name = gz_stmt_text(st, 5);
	json_t *o =
	    json_pack("{s:o,s:{s:o,s:s},s:s,s:{s:o,s:s},s:I,s:I,s:s,s:s,s:o,s:o,s:o}", "id",
	              gz_api_id_json(gz_stmt_int64(st, 0)), "item", "id",
	              gz_api_id_json(gz_stmt_int64(st, 1)), "name", gz_stmt_text(st, 2),
	              "community_code", scope, "user", "id", gz_api_id_json(gz_stmt_int64(st, 4)),
	              "name", r ? gz_people_name_for(r, scope, name) : name, "quantity",
	              (json_int_t)gz_stmt_int64(st, 6), "points", (json_int_t)gz_stmt_int64(st, 7),
	              "status", status, "status_label", sl ? sl : "", "created_at",
	              gz_api_time_json(gz_stmt_int64(st, 9)), "picked_up_at",
	              gz_api_time_or_null(st, 10), "cancelled_at", gz_api_time_or_null(st, 11));
	return o;
}

static json_t *redemption_get(gz_db *db, int64_t id, gz_err *err)
{
	gz_stmt *st =
	    gz_db_prepare(db, "SELECT " REDEMPTION_COLS REDEMPTION_FROM " WHERE d.id = $1", err);
	if (!st)
		return NULL;
	gz_stmt_bind_int64(st, 1, id);
	json_t *o = gz_stmt_step(st, err) == GZ_ROW ? redemption_json(NULL, st) : NULL;
	gz_stmt_finish(st);
	return o;
}

int gz_mob_redeem(gz_db *db, const gz_actor *a, int64_t item_id, int64_t user_id, json_t *in,
                  int64_t now, json_t **out, gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t qty = 1, cost = 0, balance = 0, rid = 0, mid = 0;
	item_row it;
	gz_json_int(in, "quantity", GZ_OPTIONAL, 1, MOB_REDEEM_MAX, &qty, &err);
	if (gz_json_check(&err) < 0 || mob_self(a, user_id, &err) < 0 ||
	    !(db || (db = gz_req_db(a->req, &err))) || gz_db_begin(db, &err) < 0)
		goto fail;
	int rc = item_load(db, item_id, &it, &err);
	if (rc <= 0) {
		if (!rc)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto rollback;
	}
	if (mob_check_visible(a, RES_STORE, it.community, &err) < 0)
		goto rollback;
	if (!it.active) {
		gz_err_set(&err, GZ_ECONFLICT, "item_inactive", "这件物品已下架");
		goto rollback;
	}
	/* The clear message first (stock, then points); the writes below decide. */
	if (gz_mob_balance(db, user_id, &balance, &err) < 0 ||
	    mob_redeem_check(it.price, it.stock, qty, balance, &cost, &err) < 0)
		goto rollback;
	/* Stock: one conditional UPDATE, so of two redemptions racing for the last item
	 * only one takes it (PostgreSQL re-checks stock after waiting for the row). */
	gz_stmt *st = gz_db_prepare(db,
	                            "UPDATE store_items SET stock = stock - $2, updated_at = $3 "
	                            "WHERE id = $1 AND stock >= $2 AND active = 1 RETURNING stock",
	                            &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, it.id);
	gz_stmt_bind_int64(st, 2, qty);
	gz_stmt_bind_int64(st, 3, now);
	rc = gz_stmt_step(st, &err);
	int64_t after = rc == GZ_ROW ? gz_stmt_int64(st, 0) : 0;
	gz_stmt_finish(st);
	if (rc < 0)
		goto rollback;
	if (rc == GZ_DONE) {
		gz_err_set(&err, GZ_ECONFLICT, "out_of_stock", "库存不足");
		gz_err_field(&err, "quantity", "库存不足");
		goto rollback;
	}
	if (mob_volunteer_ensure(db, user_id, now, NULL, &err) < 0)
		goto rollback;
	st = gz_db_prepare(db,
	                   "INSERT INTO store_redemptions (item_id, user_id, scope_code, quantity, "
	                   "points, status, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6) "
	                   "RETURNING id",
	                   &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, it.id);
	gz_stmt_bind_int64(st, 2, user_id);
	gz_stmt_bind_str(st, 3, it.community);
	gz_stmt_bind_int64(st, 4, qty);
	gz_stmt_bind_int64(st, 5, cost);
	gz_stmt_bind_int64(st, 6, now);
	rc = gz_stmt_step_id(st, &rid, &err);
	gz_stmt_finish(st);
	if (rc < 0)
		goto rollback;
	/* Points: the member pays the store (409 insufficient_points when another
	 * redemption spent them first: everything above is rolled back). */
	int64_t member = mob_account(db, MOB_ACCT_MEMBER, user_id, NULL, now, true, &err);
	int64_t store =
	    member < 0 ? -1 : mob_account(db, MOB_ACCT_STORE, 0, it.community, now, true, &err);
	if (store < 0)
		goto rollback;
	mob_leg legs[] = {{member, -cost}, {store, cost}};
	mob_move m = {.kind = "redeem",
	              .scope = it.community,
	              .user_id = user_id,
	              .ref_type = "redemption",
	              .ref_id = rid,
	              .at = now};
	if (mob_post(db, a, &m, legs, 2, &mid, &err) < 0)
		goto rollback;
	st = gz_db_prepare(db, "UPDATE store_redemptions SET movement_id = $2 WHERE id = $1", &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, rid);
	gz_stmt_bind_int64(st, 2, mid);
	rc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	if (rc < 0 ||
	    stock_move(db, a, &it, "redeem", -qty, after, 0, 0, rid, NULL, now, NULL, &err) < 0 ||
	    mob_audit(a, db, "store.redeem", "redemption", rid, it.community,
	              json_pack("{s:o,s:o,s:I,s:I}", "item_id", gz_api_id_json(it.id), "user_id",
	                        gz_api_id_json(user_id), "quantity", (json_int_t)qty, "points",
	                        (json_int_t)cost),
	              &err) < 0 ||
	    gz_db_count_add(db, "redemptions", 1, &err) < 0 ||
	    gz_mob_balance(db, user_id, &balance, &err) < 0)
		goto rollback;
	json_t *ans = redemption_get(db, rid, &err);
	if (ans)
		json_object_set_new(ans, "balance", json_integer(balance));
	return mob_finish(a, db, 201, ans, out, &err, errp);
rollback:
	gz_db_rollback(db);
fail:
	*errp = err;
	return -1;
}

static int redeem_self(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                       json_t **out, gz_err *err)
{
	return gz_mob_redeem(db, a, id, a->user_id, in, now, out, err);
}

static void redeem(gz_req *r)
{
	mob_handle(r, redeem_self, 201, true);
}

typedef struct {
	int64_t id, item_id, user_id, quantity, points;
	char status[16], community[16];
} redemption_row;

static int redemption_load(gz_db *db, int64_t id, redemption_row *d, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT id, item_id, user_id, quantity, points, status, "
	                            "scope_code FROM store_redemptions WHERE id = $1",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		d->id = gz_stmt_int64(st, 0);
		d->item_id = gz_stmt_int64(st, 1);
		d->user_id = gz_stmt_int64(st, 2);
		d->quantity = gz_stmt_int64(st, 3);
		d->points = gz_stmt_int64(st, 4);
		snprintf(d->status, sizeof d->status, "%s", gz_stmt_text(st, 5));
		snprintf(d->community, sizeof d->community, "%s", gz_stmt_text(st, 6));
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

int gz_mob_pick_up(gz_db *db, const gz_actor *a, int64_t redemption_id, int64_t now, json_t **out,
                   gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	redemption_row d;
	if (!(db || (db = gz_req_db(a->req, &err))) || gz_db_begin(db, &err) < 0)
		goto fail;
	int rc = redemption_load(db, redemption_id, &d, &err);
	if (rc <= 0) {
		if (!rc)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto rollback;
	}
	if (gz_actor_check(a, ACT_WRITE, RES_STORE, d.community, &err) < 0)
		goto rollback;
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "UPDATE store_redemptions SET status = 'picked_up', picked_up_at "
	                  "= $2, picked_up_by = $3 WHERE id = $1 AND status = 'pending'",
	                  &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, d.id);
	gz_stmt_bind_int64(st, 2, now);
	gz_stmt_bind_id(st, 3, a->user_id);
	rc = gz_stmt_step(st, &err);
	int64_t changed = rc < 0 ? 0 : gz_stmt_changes(st);
	gz_stmt_finish(st);
	if (rc < 0)
		goto rollback;
	if (changed != 1) {
		gz_err_set(&err, GZ_ECONFLICT, "not_pending", "这笔兑换已领取或已取消");
		goto rollback;
	}
	if (mob_audit(a, db, "store.pick_up", "redemption", d.id, d.community,
	              json_pack("{s:o,s:o}", "item_id", gz_api_id_json(d.item_id), "user_id",
	                        gz_api_id_json(d.user_id)),
	              &err) < 0)
		goto rollback;
	return mob_finish(a, db, 200, redemption_get(db, d.id, &err), out, &err, errp);
rollback:
	gz_db_rollback(db);
fail:
	*errp = err;
	return -1;
}

static int pick_up_fn(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                      json_t **out, gz_err *err)
{
	(void)in;
	return gz_mob_pick_up(db, a, id, now, out, err);
}

static void pick_up(gz_req *r)
{
	mob_handle(r, pick_up_fn, 200, true);
}

/* POST /store/redemptions/{id}/cancel: staff, or the member while it waits for pick-up;
 * the points come back (a refund movement) and so does the stock. */
int gz_mob_redemption_cancel(gz_db *db, const gz_actor *a, int64_t redemption_id, int64_t now,
                             json_t **out, gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	redemption_row d;
	item_row it;
	int64_t mid = 0;
	if (!(db || (db = gz_req_db(a->req, &err))) || gz_db_begin(db, &err) < 0)
		goto fail;
	int rc = redemption_load(db, redemption_id, &d, &err);
	if (rc <= 0) {
		if (!rc)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto rollback;
	}
	if (!(a->user_id && a->user_id == d.user_id) &&
	    gz_actor_check(a, ACT_WRITE, RES_STORE, d.community, &err) < 0)
		goto rollback;
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "UPDATE store_redemptions SET status = 'cancelled', cancelled_at "
	                  "= $2 WHERE id = $1 AND status = 'pending'",
	                  &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, d.id);
	gz_stmt_bind_int64(st, 2, now);
	rc = gz_stmt_step(st, &err);
	int64_t changed = rc < 0 ? 0 : gz_stmt_changes(st);
	gz_stmt_finish(st);
	if (rc < 0)
		goto rollback;
	if (changed != 1) {
		gz_err_set(&err, GZ_ECONFLICT, "not_pending", "这笔兑换已领取或已取消");
		goto rollback;
	}
	int64_t member = mob_account(db, MOB_ACCT_MEMBER, d.user_id, NULL, now, true, &err);
	int64_t store =
	    member < 0 ? -1 : mob_account(db, MOB_ACCT_STORE, 0, d.community, now, true, &err);
	if (store < 0 || item_load(db, d.item_id, &it, &err) < 0)
		goto rollback;
	mob_leg legs[] = {{store, -d.points}, {member, d.points}};
	mob_move m = {.kind = "refund",
	              .scope = d.community,
	              .user_id = d.user_id,
	              .ref_type = "redemption",
	              .ref_id = d.id,
	              .at = now};
	if (mob_post(db, a, &m, legs, 2, &mid, &err) < 0)
		goto rollback;
	st = gz_db_prepare(
	    db,
	    "UPDATE store_items SET stock = stock + $2, updated_at = $3 WHERE id = $1 "
	    "RETURNING stock",
	    &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, d.item_id);
	gz_stmt_bind_int64(st, 2, d.quantity);
	gz_stmt_bind_int64(st, 3, now);
	rc = gz_stmt_step(st, &err);
	int64_t after = rc == GZ_ROW ? gz_stmt_int64(st, 0) : 0;
	gz_stmt_finish(st);
	if (rc != GZ_ROW)
		goto rollback;
	st = gz_db_prepare(db, "UPDATE store_redemptions SET refund_movement_id = $2 WHERE id = $1",
	                   &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, d.id);
	gz_stmt_bind_int64(st, 2, mid);
	rc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	if (rc < 0 ||
	    stock_move(db, a, &it, "cancel", d.quantity, after, 0, 0, d.id, NULL, now, NULL, &err) <
	        0 ||
	    mob_audit(a, db, "store.cancel", "redemption", d.id, d.community,
	              json_pack("{s:o,s:I}", "user_id", gz_api_id_json(d.user_id), "points",
	                        (json_int_t)d.points),
	              &err) < 0)
		goto rollback;
	return mob_finish(a, db, 200, redemption_get(db, d.id, &err), out, &err, errp);
rollback:
	gz_db_rollback(db);
fail:
	*errp = err;
	return -1;
}

static int cancel_fn(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                     json_t **out, gz_err *err)
{
	(void)in;
	return gz_mob_redemption_cancel(db, a, id, now, out, err);
}

static void cancel_h(gz_req *r)
{
	mob_handle(r, cancel_fn, 200, true);
}

static json_t *own_redemption(gz_req *r, gz_stmt *st)
{
	(void)r;
	return redemption_json(NULL, st);
}

static void my_redemptions_read(gz_req *r)
{
	mob_owner_list(r,
	               "SELECT " REDEMPTION_COLS REDEMPTION_FROM
	               " WHERE d.user_id = $1 AND (CAST($2 AS BIGINT) = 0 OR d.id < CAST($2 AS "
	               "BIGINT)) ORDER BY d.id DESC LIMIT $3",
	               gz_req_actor(r)->user_id, NULL, 0, own_redemption, NULL);
}

static void my_redemptions(gz_req *r)
{
	gz_api_read(r, my_redemptions_read);
}

static json_t *redemption_row_json(gz_req *r, gz_stmt *st, int64_t *key)
{
	*key = gz_stmt_int64(st, 0);
	return redemption_json(r, st);
}

/* GET /store/redemptions?community=&status=&user=: staff's list (store write). */
static void redemption_list(gz_req *r)
{
	mob_filtered_list(
	    r,
	    &(mob_list_spec){.sql = "SELECT " REDEMPTION_COLS REDEMPTION_FROM
	                            " WHERE d.scope_code >= $1 AND d.scope_code < $2 AND d.id > "
	                            "$3 AND (CAST($5 AS TEXT) = '' OR d.status = $5) AND (CAST($6 "
	                            "AS BIGINT) = 0 OR d.user_id = CAST($6 AS BIGINT)) ORDER BY "
	                            "d.id LIMIT $4",
	                     .action = ACT_WRITE,
	                     .res = RES_STORE,
	                     .code_key = "community",
	                     .code_mask = GZ_API_AT_STREET | GZ_API_AT_COMMUNITY,
	                     .enum_key = "status",
	                     .group = "redemption_status",
	                     .hint = "应为 pending、picked_up、cancelled 之一",
	                     .row = redemption_row_json});
}

const gz_module_route gz_mob_store_routes[] = {
    {"POST", "/api/v1/store/items", item_create, 0, 0},
    {"GET", "/api/v1/store/items", item_list, 0, 0},
    {"GET", "/api/v1/store/items/{id}", item_detail, 0, 0},
    {"PATCH", "/api/v1/store/items/{id}", item_patch, 0, 0},
    {"POST", "/api/v1/store/items/{id}/stock", stock_add, 0, 0},
    {"GET", "/api/v1/store/items/{id}/stock", stock_list, 0, 0},
    {"POST", "/api/v1/store/items/{id}/redeem", redeem, 0, 0},
    {"GET", "/api/v1/store/redemptions", redemption_list, 0, 0},
    {"POST", "/api/v1/store/redemptions/{id}/pick-up", pick_up, 0, 0},
    {"POST", "/api/v1/store/redemptions/{id}/cancel", cancel_h, 0, 0},
    {"GET", "/api/v1/me/redemptions", my_redemptions, 0, 0},
    {0},
};
