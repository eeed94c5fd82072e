/* The shared writes of organisations and their members (org.h): the body validated
 * (every bad field reported), references checked against what the actor may see, and
 * one transaction with the audit row and the record count. Called by the handlers in
 * org.c and by the command line (the demo loader) alike. */
#include "modules/module.h"
#include "api/common.h"
#include "api/list.h"
#include "api/auth.h"
#include "modules/org/org.h"
#include "modules/org/org_internal.h"
#include "modules/people/people.h"
#include "api/ratelimit.h"
#include "core/crypto.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/time.h"
#include "modules/org/rules.h"
#include "modules/people/person.h"
#include "domain/policy.h"
#include "domain/space_code.h"
#include "modules/space/space.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* POST /organisations */
int gz_org_create(gz_db *db, const gz_actor *actor, json_t *in, json_t **outp, gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *out = NULL;
	/* Masked member names of the answer (json_pack copies them). */
	gz_arena local = {0}, *A = actor->req ? &actor->req->arena : &local;
	const char *type_s = NULL, *name = NULL, *space = NULL, *credit_in = NULL;
	int64_t building = 0, parent = 0, id = 0;
	char credit[19] = "";
	gz_stmt *st = NULL;
	int type = -1;
	if (gz_api_str_field(in, "type", GZ_REQUIRED, 1, 64, &type_s, &err) == 0 && type_s &&
	    (type = org_type_parse(type_s)) < 0)
		gz_err_field(&err, "type",
		             "应为 街道党工委、社区党委、网格党支部、楼栋党小组、居委会、"
		             "物业服务企业、业主委员会/物业管理委员会、社会组织、共建单位、"
		             "职能部门 之一（或其代码）");
	gz_api_str_field(in, "name", GZ_REQUIRED, 1, ORG_NAME_MAX, &name, &err);
	gz_api_code_field(in, "space_code", GZ_OPTIONAL,
	                  ORG_AT_STREET | ORG_AT_COMMUNITY | ORG_AT_GRID, &space, &err);
	gz_api_id_field(in, "building_id", GZ_OPTIONAL, &building, &err);
	gz_api_id_field(in, "parent_id", GZ_OPTIONAL, &parent, &err);
	if (gz_api_str_field(in, "credit_code", GZ_OPTIONAL, 1, 32, &credit_in, &err) == 0 &&
	    credit_in) {
		gz_err e;
		gz_err_clear(&e);
		if (org_credit_code_check(credit_in, credit, &e) < 0)
			gz_err_field(&err, "credit_code", "%s", e.message);
	}
	if (gz_json_check(&err) < 0 || !(db || (db = gz_req_db(actor->req, &err))))
		goto fail;

	/* A building group sits in its building's grid. */
	char bgrid[SPACE_CODE_SIZE] = "";
	if (building) {
		gz_stmt *b =
		    gz_db_prepare(db, "SELECT grid_code FROM buildings WHERE id = $1", &err);
		if (!b)
			goto fail;
		gz_stmt_bind_int64(b, 1, building);
		int rc = gz_stmt_step(b, &err);
		if (rc == GZ_ROW && !gz_stmt_isnull(b, 0))
			snprintf(bgrid, sizeof bgrid, "%s", gz_stmt_text(b, 0));
		gz_stmt_finish(b);
		if (rc < 0)
			goto fail;
		if (!*bgrid || !org_can(actor, ACT_READ, bgrid))
			gz_err_field(&err, "building_id", "楼栋不存在");
		else if (space && strcmp(space, bgrid) != 0)
			gz_err_field(&err, "building_id", "楼栋不在网格 %s 内", space);
		else if (!space)
			space = bgrid;
	}
	if (!space && !err.nfields)
		gz_err_field(&err, "space_code", "必填（所服务的街道、社区或网格编码）");
	if (space && !err.nfields) {
		gz_err e;
		gz_err_clear(&e);
		if (org_check_place((org_type)type, space, building != 0, &e) < 0)
			gz_err_field(&err,
			             !strcmp(e.code, "org_level") ? "space_code" : "building_id",
			             "%s", e.message);
	}
	if (gz_json_check(&err) < 0)
		goto fail;
	if (gz_actor_check(actor, ACT_WRITE, RES_SPACE, space, &err) < 0 ||
	    gz_db_begin(db, &err) < 0)
		goto fail;

	int rc = gz_space_node_exists(db, space, &err);
	if (rc < 0)
		goto rollback;
	if (!rc)
		gz_err_field(&err, "space_code", "该位置不存在");
	org_ref p = {0};
	int prc = 1;
	if (parent && (prc = org_ref_field(actor, db, parent, space, "parent_id", &p, &err)) < 0)
		goto rollback;
	if (prc == 1) {
		gz_err e;
		gz_err_clear(&e);
		if (org_check_parent((org_type)type, space, parent ? p.type : -1, p.space, &e) < 0)
			gz_err_field(&err, "parent_id", "%s", e.message);
	}
	if (gz_json_check(&err) < 0)
		goto rollback;

	int64_t now = gz_time_now_ms();
	st = gz_db_prepare(
	    db,
	    "INSERT INTO organisations (type, name, space_code, building_id, parent_id, "
	    "credit_code, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) "
	    "RETURNING id",
	    &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_str(st, 1, org_type_code((org_type)type));
	gz_stmt_bind_str(st, 2, name);
	gz_stmt_bind_str(st, 3, space);
	gz_stmt_bind_id(st, 4, building);
	gz_stmt_bind_id(st, 5, parent);
	gz_stmt_bind_str(st, 6, *credit ? credit : NULL);
	gz_stmt_bind_int64(st, 7, now);
	rc = gz_stmt_step_id(st, &id, &err);
	gz_stmt_finish(st);
	st = NULL;
	if (rc < 0 || !id) {
		if (err.kind == GZ_ECONFLICT) {
			gz_err_set(&err, GZ_ECONFLICT, "duplicate_org",
			           "该位置已有同类型同名的组织");
			gz_err_field(&err, "name", "已存在");
		}
		goto rollback;
	}
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	json_t *detail = json_pack("{s:s,s:s,s:s}", "type", org_type_code((org_type)type), "name",
	                           name, "space_code", space);
	if (parent)
		json_object_set_new(detail, "parent_id", gz_api_id_json(parent));
	rc = gz_audit(actor, db, "org.create", "organisation", ids, space, detail, &err);
	json_decref(detail);
	if (rc < 0 || gz_db_count_add(db, "organisations", 1, &err) < 0 ||
	    !(out = org_detail(actor, A, db, id, ACT_WRITE, &err)) ||
	    gz_api_commit(actor->req, db, 201, out, &err) < 0)
		goto rollback;
	gz_arena_free(&local);
	*outp = out;
	return 0;
rollback:
	gz_stmt_finish(st);
	gz_db_rollback(db);
fail:
	gz_arena_free(&local);
	json_decref(out);
	*errp = err;
	return -1;
}

/* POST /organisations/{id}/members */
int gz_org_member_add(gz_db *db, const gz_actor *actor, int64_t org_id, json_t *in, json_t **outp,
                      gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *out = NULL;
	gz_arena local = {0}, *A = actor->req ? &actor->req->arena : &local;
	const char *name = NULL, *phone_in = NULL, *position = NULL;
	int64_t resident = 0, since = 0;
	bool is_contact = false, has_since = false;
	char phone[PERSON_PHONE_MAX] = "";
	gz_stmt *st = NULL;
	org_ref o;
	gz_api_id_field(in, "resident_id", GZ_OPTIONAL, &resident, &err);
	gz_api_str_field(in, "name", resident ? GZ_OPTIONAL : GZ_REQUIRED, 1, ORG_NAME_MAX, &name,
	                 &err);
	if (gz_api_str_field(in, "phone", GZ_OPTIONAL, 1, 32, &phone_in, &err) == 0 && phone_in) {
		gz_err e;
		gz_err_clear(&e);
		if (person_phone_check(phone_in, phone, NULL, &e) < 0)
			gz_err_field(&err, "phone", "%s", e.message);
	}
	gz_api_str_field(in, "position", GZ_REQUIRED, 1, ORG_POSITION_MAX, &position, &err);
	gz_json_bool(in, "is_contact", GZ_OPTIONAL, &is_contact, &err);
	gz_api_time_field(in, "since", GZ_OPTIONAL, &since, &has_since, &err);
	if (gz_json_check(&err) < 0 || !(db || (db = gz_req_db(actor->req, &err))))
		goto fail;
	/* The organisation decides the place: 404 when missing or out of scope. */
	int rc = org_load(NULL, db, org_id, &o, &err);
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto fail;
	}
	if (gz_actor_check(actor, ACT_WRITE, RES_SPACE, o.space, &err) < 0)
		goto fail;
	const gz_crypto *crypto = gz_crypto_global();
	if (*phone && !crypto) {
		gz_err_set(&err, GZ_EUNAVAILABLE, "crypto_unavailable",
		           "服务器未配置加密密钥，无法保存电话号码");
		goto fail;
	}
	if (gz_db_begin(db, &err) < 0)
		goto fail;

	/* A registered resident: the caller must be able to see them. Without a phone of
	 * their own here, the membership keeps the resident's sealed phone. */
	char rgrid[SPACE_CODE_SIZE] = "";
	uint8_t *renc = NULL, *rhash = NULL;
	size_t renc_n = 0, rhash_n = 0;
	if (resident) {
		st = gz_db_prepare(db,
		                   "SELECT grid_code, name, phone_enc, phone_hash FROM residents "
		                   "WHERE id = $1 AND deleted_at IS NULL",
		                   &err);
		if (!st)
			goto rollback;
		gz_stmt_bind_int64(st, 1, resident);
		rc = gz_stmt_step(st, &err);
		if (rc == GZ_ROW) {
			snprintf(rgrid, sizeof rgrid, "%s", gz_stmt_text(st, 0));
			if (!name)
				name = gz_arena_strdup(A, gz_stmt_text(st, 1));
			if (!gz_stmt_isnull(st, 2) && !gz_stmt_isnull(st, 3)) {
				renc_n = gz_stmt_len(st, 2);
				rhash_n = gz_stmt_len(st, 3);
				renc = gz_arena_alloc(A, renc_n + 1);
				rhash = gz_arena_alloc(A, rhash_n + 1);
				memcpy(renc, gz_stmt_blob(st, 2), renc_n);
				memcpy(rhash, gz_stmt_blob(st, 3), rhash_n);
			}
		}
		gz_stmt_finish(st);
		st = NULL;
		if (rc < 0)
			goto rollback;
		if (!*rgrid || !org_can(actor, ACT_READ, rgrid)) {
			gz_err_field(&err, "resident_id", "居民不存在");
			gz_json_check(&err);
			goto rollback;
		}
	}

	uint8_t enc[GZ_CRYPTO_SEALED_LEN(PERSON_PHONE_MAX)];
	uint8_t hash[GZ_CRYPTO_LOOKUP_BYTES];
	size_t enc_n = 0;
	if (*phone) {
		enc_n = GZ_CRYPTO_SEALED_LEN(strlen(phone));
		gz_crypto_seal(crypto, (const uint8_t *)phone, strlen(phone), enc);
		gz_crypto_lookup(crypto, phone, hash);
	}
	char key[2 + 2 * GZ_CRYPTO_LOOKUP_BYTES + 1 + 4 * ORG_NAME_MAX];
	if (resident)
		snprintf(key, sizeof key, "r:%lld", (long long)resident);
	else if (*phone) {
		memcpy(key, "p:", 2);
		org_hex(hash, sizeof hash, key + 2);
	} else
		snprintf(key, sizeof key, "n:%s", name);

	/* An outside person named by a phone. The phone is compared with the database (its
	 * keyed hash is the person's key across organisations): charged to the account's
	 * personal-data budget (api/ratelimit.h). A duplicate is judged on what the caller
	 * sees of the members — the masked phone — never on the hidden digits; otherwise a
	 * 409 against a 201 would tell, guess by guess, whether a number is the member's.
	 * Any outside person holding this position here whose phone masks alike is taken
	 * as the same person. */
	if (*phone && !resident) {
		/* A refusal rolls the transaction back and is audited by the limiter. */
		if (gz_ratelimit_pii(actor, db, "org.member_add", 1, true, &err) != 0) {
			gz_db_rollback(db);
			goto fail;
		}
		char want[PHONE_MASK_SIZE], have[PHONE_MASK_SIZE];
		person_mask_phone(phone, want, sizeof want);
		st =
		    gz_db_prepare(db,
		                  "SELECT id, phone_enc FROM org_members WHERE org_id = $1 AND "
		                  "position = $2 AND resident_id IS NULL AND phone_enc IS NOT NULL",
		                  &err);
		if (!st)
			goto rollback;
		gz_stmt_bind_int64(st, 1, org_id);
		gz_stmt_bind_str(st, 2, position);
		bool dup = false;
		while (!dup && (rc = gz_stmt_step(st, &err)) == GZ_ROW)
			dup = org_masked_phone(st, 1, have) && !strcmp(have, want);
		gz_stmt_finish(st);
		st = NULL;
		if (rc < 0)
			goto rollback;
		if (dup) {
			gz_err_set(&err, GZ_ECONFLICT, "duplicate_member",
			           "该人员在本组织已担任此职务");
			gz_err_field(&err, "position", "已存在");
			goto rollback;
		}
	}

	int64_t member_id = 0;
	st = gz_db_prepare(
	    db,
	    "INSERT INTO org_members (org_id, scope_code, resident_id, person_key, name, "
	    "phone_enc, phone_hash, position, is_contact, since, created_at) VALUES "
	    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
	    &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, org_id);
	gz_stmt_bind_str(st, 2, o.space);
	gz_stmt_bind_id(st, 3, resident);
	gz_stmt_bind_str(st, 4, key);
	gz_stmt_bind_str(st, 5, name);
	if (*phone) {
		gz_stmt_bind_blob(st, 6, enc, enc_n);
		gz_stmt_bind_blob(st, 7, hash, sizeof hash);
	} else if (renc) {
		gz_stmt_bind_blob(st, 6, renc, renc_n);
		gz_stmt_bind_blob(st, 7, rhash, rhash_n);
	} else {
		gz_stmt_bind_null(st, 6);
		gz_stmt_bind_null(st, 7);
	}
	gz_stmt_bind_str(st, 8, position);
	gz_stmt_bind_int64(st, 9, is_contact ? 1 : 0);
	if (has_since)
		gz_stmt_bind_int64(st, 10, since);
	else
		gz_stmt_bind_null(st, 10);
	gz_stmt_bind_int64(st, 11, gz_time_now_ms());
	rc = gz_stmt_step_id(st, &member_id, &err);
	gz_stmt_finish(st);
	st = NULL;
	sodium_memzero(phone, sizeof phone);
	if (rc < 0 || !member_id) {
		if (err.kind == GZ_ECONFLICT) {
			gz_err_set(&err, GZ_ECONFLICT, "duplicate_member",
			           "该人员在本组织已担任此职务");
			gz_err_field(&err, "position", "已存在");
		}
		goto rollback;
	}
	char ids[24], oids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)member_id);
	snprintf(oids, sizeof oids, "%lld", (long long)org_id);
	/* No name or phone in the audit row: the row points at the member. */
	json_t *detail = json_pack("{s:s,s:s,s:b}", "org_id", oids, "position", position,
	                           "is_contact", is_contact);
	if (resident)
		json_object_set_new(detail, "resident_id", gz_api_id_json(resident));
	rc = gz_audit(actor, db, "org.member_add", "org_member", ids, o.space, detail, &err);
	json_decref(detail);
	if (rc < 0)
		goto rollback;
	st = gz_db_prepare(db, "SELECT " MEMBER_COLS " FROM org_members m WHERE m.id = $1", &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, member_id);
	if (gz_stmt_step(st, &err) == GZ_ROW)
		out = org_member_json(actor, A, st, NULL);
	gz_stmt_finish(st);
	st = NULL;
	if (!out || gz_api_commit(actor->req, db, 201, out, &err) < 0) {
		if (!err.kind)
			gz_err_set(&err, GZ_EINTERNAL, "internal", "新建的记录读不到");
		goto rollback;
	}
	gz_arena_free(&local);
	*outp = out;
	return 0;
rollback:
	gz_stmt_finish(st);
	gz_db_rollback(db);
fail:
	sodium_memzero(phone, sizeof phone);
	json_decref(out);
	gz_arena_free(&local);
	*errp = err;
	return -1;
}
