/* A resident being created or changed: the request body applied to its state, the
 * checks that need the database, and the sealed write (res_state, people_internal.h). */
#include "modules/people/people_internal.h"
#include "modules/module.h"
#include "api/list.h"
#include "api/ratelimit.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/time.h"
#include "core/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

static const char *const field_names[] = {"name",      "gender",       "birth_date", "phone",
                                          "id_number", "household_id", "grid_code",  "relation",
                                          "tags",      "user_id"};

json_t *people_fields_json(unsigned f)
{
	json_t *a = json_array();
	for (size_t i = 0; i < sizeof field_names / sizeof field_names[0]; i++)
		if (f & (1u << i))
			json_array_append_new(a, json_string(field_names[i]));
	return a;
}

/* Loads the stored state of the current row of st (decrypting). */
void people_state_from_row(gz_stmt *st, res_state *s)
{
	memset(s, 0, sizeof *s);
	s->id = gz_stmt_int64(st, C_ID);
	s->household = gz_stmt_isnull(st, C_HOUSEHOLD) ? 0 : gz_stmt_int64(st, C_HOUSEHOLD);
	s->user_id = gz_stmt_isnull(st, C_USER) ? 0 : gz_stmt_int64(st, C_USER);
	snprintf(s->grid, sizeof s->grid, "%s", gz_stmt_text(st, C_GRID));
	snprintf(s->name, sizeof s->name, "%s", gz_stmt_text(st, C_NAME));
	const char *g = gz_stmt_text(st, C_GENDER);
	s->gender = !strcmp(g, "男") ? "男" : !strcmp(g, "女") ? "女" : "";
	person_relation rel;
	s->relation = person_relation_parse(gz_stmt_text(st, C_RELATION), &rel, NULL) == 0
	                  ? person_relation_label(rel)
	                  : "";
	if (!gz_stmt_isnull(st, C_PHONE))
		gz_people_open(gz_stmt_blob(st, C_PHONE), gz_stmt_len(st, C_PHONE), s->phone,
		               sizeof s->phone);
	if (!gz_stmt_isnull(st, C_IDNUM))
		gz_people_open(gz_stmt_blob(st, C_IDNUM), gz_stmt_len(st, C_IDNUM), s->idn,
		               sizeof s->idn);
	char bd[32] = "";
	if (!gz_stmt_isnull(st, C_BIRTH))
		gz_people_open(gz_stmt_blob(st, C_BIRTH), gz_stmt_len(st, C_BIRTH), bd, sizeof bd);
	s->has_birth = people_birth_of(s->idn[0] ? s->idn : NULL, bd, &s->birth);
	/* The lookup keys the stored row has, to replace when it changes. */
	const gz_crypto *c = gz_crypto_global();
	if (c && s->phone[0]) {
		gz_crypto_lookup(c, s->phone, s->old_phone_hash);
		s->had_phone = true;
	}
	if (c && s->idn[0]) {
		gz_crypto_lookup(c, s->idn, s->old_id_hash);
		s->had_id = true;
	}
	const char *csv = gz_stmt_text(st, C_TAGS);
	while (*csv && s->ntags < RESIDENT_TAGS_MAX) {
		size_t l = strcspn(csv, ",");
		if (l && l < 40) {
			memcpy(s->tags[s->ntags], csv, l);
			s->tags[s->ntags][l] = '\0';
			s->ntags++;
		}
		csv += l;
		if (*csv == ',')
			csv++;
	}
	char sens[2048] = "";
	if (!gz_stmt_isnull(st, C_SENS) &&
	    gz_people_open(gz_stmt_blob(st, C_SENS), gz_stmt_len(st, C_SENS), sens, sizeof sens) >
	        0) {
		json_t *a = json_loads(sens, 0, NULL);
		size_t i;
		json_t *v;
		json_array_foreach(a, i, v)
		{
			if (json_is_string(v) && s->ntags < RESIDENT_TAGS_MAX &&
			    strlen(json_string_value(v)) < 40) {
				snprintf(s->tags[s->ntags], 40, "%s", json_string_value(v));
				s->sens[s->ntags++] = true;
			}
		}
		json_decref(a);
	}
	sodium_memzero(sens, sizeof sens);
	if (record_status_parse(gz_stmt_text(st, C_STATUS), &s->status) < 0)
		s->status = RECORD_ACTIVE;
	snprintf(s->status_date, sizeof s->status_date, "%s",
	         gz_stmt_isnull(st, C_STATUS_DATE) ? "" : gz_stmt_text(st, C_STATUS_DATE));
	snprintf(s->status_reason, sizeof s->status_reason, "%s",
	         gz_stmt_isnull(st, C_STATUS_REASON) ? "" : gz_stmt_text(st, C_STATUS_REASON));
}

/* A nullable string field: 1 present with *out (NULL for JSON null), 0 absent, -1
 * wrong type (field error recorded). */
static int opt_str(json_t *in, const char *key, size_t max_bytes, const char **out, gz_err *err)
{
	json_t *v = json_object_get(in, key);
	if (!v)
		return 0;
	if (json_is_null(v)) {
		*out = NULL;
		return 1;
	}
	if (!json_is_string(v) || json_string_length(v) > max_bytes) {
		gz_err_field(err, key, json_is_string(v) ? "过长" : "应为字符串或 null");
		return -1;
	}
	*out = json_string_value(v);
	return 1;
}

/* Applies the request body to s, recording which fields changed in *changed and every
 * bad field in err. self: the resident's own correction (phone; gender and birth date
 * only without an ID number); other fields are refused. Returns 0, or -1. */
int people_apply_input(const gz_actor *a, gz_db *db, json_t *in, res_state *s, bool create,
                       bool self, unsigned *changed, gz_err *err)
{
	int64_t now = gz_time_now_ms();
	const char *v = NULL;
	gz_err e;
	unsigned f = 0;
	int rc;

	if (self) {
		static const char *const allowed[] = {"phone", "gender", "birth_date"};
		const char *key;
		json_t *val;
		json_object_foreach(in, key, val)
		{
			bool ok = false;
			for (size_t i = 0; i < 3; i++)
				ok = ok || !strcmp(key, allowed[i]);
			if (!ok)
				gz_err_field(err, key, "不能自行修改，请联系社区工作人员");
		}
		if (err->nfields) {
			gz_err_set(err, GZ_EFORBIDDEN, "forbidden",
			           "只能自行更正手机号（无身份证号时还可更正性别、出生日期）");
			return -1;
		}
	}

	if ((rc = opt_str(in, "name", 512, &v, err)) == 1) {
		size_t a, l;
		gz_err_clear(&e);
		if (!v || resident_name_check(v, strlen(v), &a, &l, &e) < 0)
			gz_err_field(err, "name", "%s", v ? e.message : "不能为空");
		else {
			snprintf(s->name, sizeof s->name, "%.*s", (int)l, v + a);
			f |= F_NAME;
		}
	} else if (rc == 0 && create) {
		gz_err_field(err, "name", "必填");
	}

	if ((rc = opt_str(in, "id_number", 64, &v, err)) == 1) {
		if (!v || !*v) {
			/* Keep the birth date the number carried. */
			if (s->idn[0] && !json_object_get(in, "birth_date"))
				s->has_birth = people_birth_of(s->idn, NULL, &s->birth);
			s->idn[0] = '\0';
		} else {
			person_id_info info;
			gz_err_clear(&e);
			if (person_id_check(v, now, &info, &e) < 0)
				gz_err_field(err, "id_number", "%s", e.message);
			else {
				snprintf(s->idn, sizeof s->idn, "%s", info.normalised);
				s->birth = info.birth;
				s->has_birth = true;
				if (!json_object_get(in, "gender"))
					s->gender = info.male ? "男" : "女";
			}
			sodium_memzero(&info, sizeof info);
		}
		f |= F_ID;
	}
	person_id_info idi = {0};
	bool have_id = s->idn[0] && person_id_check(s->idn, now, &idi, NULL) == 0;

	if ((rc = opt_str(in, "gender", 32, &v, err)) == 1) {
		bool male;
		gz_err_clear(&e);
		if (!v || !*v) {
			if (have_id)
				gz_err_field(err, "gender", "与身份证号不一致");
			s->gender = "";
		} else if (person_gender_parse(v, &male, &e) < 0)
			gz_err_field(err, "gender", "%s", e.message);
		else if (have_id && male != idi.male)
			gz_err_field(err, "gender", "与身份证号不一致");
		else
			s->gender = male ? "男" : "女";
		f |= F_GENDER;
	}

	if ((rc = opt_str(in, "birth_date", 32, &v, err)) == 1) {
		person_date d;
		gz_err_clear(&e);
		if (!v || !*v) {
			if (have_id)
				gz_err_field(err, "birth_date", "与身份证号中的出生日期不一致");
			s->has_birth = false;
		} else if (resident_date_parse(v, strlen(v), now, &d, &e) < 0)
			gz_err_field(err, "birth_date", "%s", e.message);
		else if (have_id && (d.year != idi.birth.year || d.month != idi.birth.month ||
		                     d.day != idi.birth.day))
			gz_err_field(err, "birth_date", "与身份证号中的出生日期不一致");
		else {
			s->birth = d;
			s->has_birth = true;
		}
		f |= F_BIRTH;
	}
	sodium_memzero(&idi, sizeof idi);

	if ((rc = opt_str(in, "phone", 64, &v, err)) == 1) {
		gz_err_clear(&e);
		if (!v || !*v)
			s->phone[0] = '\0';
		else if (person_phone_check(v, s->phone, NULL, &e) < 0)
			gz_err_field(err, "phone", "%s", e.message);
		f |= F_PHONE;
	}

	if ((rc = opt_str(in, "relation", 64, &v, err)) == 1) {
		person_relation rel;
		gz_err_clear(&e);
		if (!v || !*v)
			s->relation = "";
		else if (person_relation_parse(v, &rel, &e) < 0)
			gz_err_field(err, "relation", "%s", e.message);
		else
			s->relation = person_relation_label(rel);
		f |= F_RELATION;
	}

	json_t *tags = json_object_get(in, "tags");
	if (tags) {
		if (!json_is_array(tags) || json_array_size(tags) > RESIDENT_TAGS_MAX) {
			gz_err_field(err, "tags", "应为标签数组（最多 %d 个）", RESIDENT_TAGS_MAX);
		} else {
			s->ntags = 0;
			size_t i;
			json_t *t;
			json_array_foreach(tags, i, t)
			{
				char code[40];
				bool sens;
				const char *name = json_string_value(t);
				int k = name && json_string_length(t) <= 100
				            ? people_tag_find(db, name, code, &sens, err)
				            : 0;
				if (k < 0)
					return -1;
				if (k == 0) {
					gz_err_field(err, "tags", "未知标签：%.60s",
					             name ? name : "(非字符串)");
					continue;
				}
				bool dup = false;
				for (int j = 0; j < s->ntags; j++)
					dup = dup || !strcmp(s->tags[j], code);
				if (!dup) {
					snprintf(s->tags[s->ntags], 40, "%s", code);
					s->sens[s->ntags++] = sens;
				}
			}
		}
		f |= F_TAGS;
	}

	/* Place: grid and household. */
	const char *grid = NULL;
	if ((rc = opt_str(in, "grid_code", 32, &grid, err)) == 1) {
		const char *why;
		if (!grid || space_code_check(grid, SPACE_GRID, &why) < 0)
			gz_err_field(err, "grid_code", "%s", grid ? why : "不能为空");
		else if (strcmp(grid, s->grid)) {
			snprintf(s->grid, sizeof s->grid, "%s", grid);
			f |= F_GRID;
		}
	}
	const char *hh = NULL;
	if ((rc = opt_str(in, "household_id", 24, &hh, err)) == 1) {
		int64_t h = hh ? gz_api_parse_id(hh) : 0;
		if (hh && !h)
			gz_err_field(err, "household_id", "应为户的 id");
		else if (h != s->household) {
			s->household = h;
			f |= F_HOUSEHOLD;
		}
		if (h) {
			gz_stmt *st = gz_db_prepare(
			    db, "SELECT grid_code FROM households WHERE id = $1", err);
			if (!st)
				return -1;
			gz_stmt_bind_int64(st, 1, h);
			int k = gz_stmt_step(st, err);
			char hg[SPACE_CODE_SIZE] = "";
			if (k == GZ_ROW)
				snprintf(hg, sizeof hg, "%s", gz_stmt_text(st, 0));
			gz_stmt_finish(st);
			if (k < 0)
				return -1;
			gz_err ae;
			gz_err_clear(&ae);
			if (!hg[0] || gz_actor_check(a, ACT_READ, RES_RESIDENT, hg, &ae) < 0)
				gz_err_field(err, "household_id", "户不存在");
			else if (!s->grid[0] || (!grid && create)) {
				snprintf(s->grid, sizeof s->grid, "%s", hg);
			} else if (strcmp(hg, s->grid))
				gz_err_field(err, "household_id", "户不在该网格内");
		}
	} else if (rc == 0 && (f & F_GRID) && s->household) {
		gz_err_field(err, "household_id",
		             "更换网格时需同时指定新网格内的户（或设为 null）");
	}
	if (create && !s->grid[0] && !err->nfields)
		gz_err_field(err, "grid_code", "必填（或指定 household_id）");

	/* Account link. */
	const char *uid = NULL;
	if ((rc = opt_str(in, "user_id", 24, &uid, err)) == 1) {
		int64_t u = uid ? gz_api_parse_id(uid) : 0;
		if (uid && !u)
			gz_err_field(err, "user_id", "应为账号的 id");
		s->user_id = u;
		f |= F_USER;
	}
	*changed = f;
	return err->nfields ? gz_json_check(err) : 0;
}

/* Checks what needs the database and the caller's rights on the final place:
 * the grid exists (and r may write there), the linked account is a resident of it. */
int people_check_place(const gz_actor *a, gz_db *db, const res_state *s, unsigned changed,
                       gz_err *err)
{
	if (gz_actor_check(a, ACT_WRITE, RES_RESIDENT, s->grid, err) < 0)
		return -1;
	gz_stmt *st = gz_db_prepare(db, "SELECT 1 FROM grids WHERE code = $1", err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, s->grid);
	int k = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	if (k < 0)
		return -1;
	if (k != GZ_ROW) {
		gz_err_field(err, "grid_code", "网格不存在");
		return gz_json_check(err);
	}
	if ((changed & F_USER) && s->user_id) {
		st = gz_db_prepare(
		    db,
		    "SELECT g.scope FROM users u JOIN grants g ON g.user_id = u.id WHERE "
		    "u.id = $1 AND u.deleted_at IS NULL AND g.role = 'resident'",
		    err);
		if (!st)
			return -1;
		gz_stmt_bind_int64(st, 1, s->user_id);
		bool ok = false;
		while ((k = gz_stmt_step(st, err)) == GZ_ROW)
			ok = ok || policy_scope_contains(gz_stmt_text(st, 0), s->grid);
		gz_stmt_finish(st);
		if (k < 0)
			return -1;
		if (!ok) {
			gz_err_field(err, "user_id", "应为该网格居民角色的账号");
			return gz_json_check(err);
		}
	}
	return 0;
}

/* Seals and writes s (INSERT when s->id is 0, else UPDATE), then its tags. In the
 * caller's transaction. Returns 0, or -1 with err (409 duplicate_id_number /
 * account_linked for the unique keys). */
int people_write_state(gz_db *db, res_state *s, gz_err *err)
{
	const gz_crypto *c = gz_crypto_global();
	if (!c)
		return gz_err_set(err, GZ_EINTERNAL, "crypto_unavailable",
		                  "服务器未加载个人信息加密密钥");
	int64_t now = gz_time_now_ms();
	uint8_t phone_enc[GZ_CRYPTO_SEALED_LEN(PERSON_PHONE_MAX)],
	    phone_hash[GZ_CRYPTO_LOOKUP_BYTES];
	uint8_t id_enc[GZ_CRYPTO_SEALED_LEN(18)], id_hash[GZ_CRYPTO_LOOKUP_BYTES];
	uint8_t birth_enc[GZ_CRYPTO_SEALED_LEN(RESIDENT_DATE_SIZE - 1)];
	uint8_t sens_enc[GZ_CRYPTO_SEALED_LEN(RESIDENT_TAGS_MAX * 43 + 2)];
	char sens[RESIDENT_TAGS_MAX * 43 + 2] = "[", csv[RESIDENT_TAGS_MAX * 41] = "";
	size_t sn = 1, cn = 0, nsens = 0;
	for (int i = 0; i < s->ntags; i++) {
		if (s->sens[i]) {
			sn += (size_t)snprintf(sens + sn, sizeof sens - sn, "%s\"%s\"",
			                       nsens ? "," : "", s->tags[i]);
			nsens++;
		} else {
			cn += (size_t)snprintf(csv + cn, sizeof csv - cn, "%s%s", cn ? "," : "",
			                       s->tags[i]);
		}
	}
	sens[sn++] = ']';
	sens[sn] = '\0';
	size_t pl = strlen(s->phone);
	if (pl) {
		gz_crypto_seal(c, (const uint8_t *)s->phone, pl, phone_enc);
		gz_crypto_lookup(c, s->phone, phone_hash);
	}
	if (s->idn[0]) {
		gz_crypto_seal(c, (const uint8_t *)s->idn, 18, id_enc);
		gz_crypto_lookup(c, s->idn, id_hash);
	}
	bool seal_birth = s->has_birth && !s->idn[0];
	if (seal_birth) {
		char d[RESIDENT_DATE_SIZE];
		resident_date_format(s->birth, d);
		gz_crypto_seal(c, (const uint8_t *)d, RESIDENT_DATE_SIZE - 1, birth_enc);
	}
	if (nsens)
		gz_crypto_seal(c, (const uint8_t *)sens, sn, sens_enc);

	gz_stmt *st =
	    s->id ? gz_db_prepare(
	                db,
	                "UPDATE residents SET household_id = $1, grid_code = $2, name = $3, "
	                "gender = $4, relation = $5, birth_date_enc = $6, phone_enc = $7, "
	                "phone_hash = $8, id_number_enc = $9, sensitive_tags_enc = $10, "
	                "tags = $11, updated_at = $12, user_id = $13, status = $15, "
	                "status_date = $16, status_reason = $17 WHERE id = $14 RETURNING id",
	                err)
	          : gz_db_prepare(db,
	                          "INSERT INTO residents (household_id, grid_code, name, gender, "
	                          "relation, birth_date_enc, phone_enc, phone_hash, id_number_enc, "
	                          "sensitive_tags_enc, tags, created_at, updated_at, user_id) "
	                          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, "
	                          "$13) RETURNING id",
	                          err);
	if (!st)
		return -1;
	if (s->household)
		gz_stmt_bind_int64(st, 1, s->household);
	else
		gz_stmt_bind_null(st, 1);
	gz_stmt_bind_str(st, 2, s->grid);
	gz_stmt_bind_str(st, 3, s->name);
	gz_stmt_bind_str(st, 4, s->gender ? s->gender : "");
	gz_stmt_bind_str(st, 5, s->relation ? s->relation : "");
	if (seal_birth)
		gz_stmt_bind_blob(st, 6, birth_enc, sizeof birth_enc);
	else
		gz_stmt_bind_null(st, 6);
	if (pl) {
		gz_stmt_bind_blob(st, 7, phone_enc, GZ_CRYPTO_SEALED_LEN(pl));
		gz_stmt_bind_blob(st, 8, phone_hash, sizeof phone_hash);
	} else {
		gz_stmt_bind_null(st, 7);
		gz_stmt_bind_null(st, 8);
	}
	if (s->idn[0])
		gz_stmt_bind_blob(st, 9, id_enc, sizeof id_enc);
	else
		gz_stmt_bind_null(st, 9);
	if (nsens)
		gz_stmt_bind_blob(st, 10, sens_enc, GZ_CRYPTO_SEALED_LEN(sn));
	else
		gz_stmt_bind_null(st, 10);
	gz_stmt_bind_str(st, 11, csv);
	gz_stmt_bind_int64(st, 12, now);
	if (s->user_id)
		gz_stmt_bind_int64(st, 13, s->user_id);
	else
		gz_stmt_bind_null(st, 13);
	if (s->id) {
		gz_stmt_bind_int64(st, 14, s->id);
		gz_stmt_bind_str(st, 15, record_status_code(s->status));
		if (s->status_date[0])
			gz_stmt_bind_str(st, 16, s->status_date);
		else
			gz_stmt_bind_null(st, 16);
		if (s->status_reason[0])
			gz_stmt_bind_str(st, 17, s->status_reason);
		else
			gz_stmt_bind_null(st, 17);
	}
	int rc = gz_stmt_step(st, err);
	int64_t id = rc == GZ_ROW ? gz_stmt_int64(st, 0) : 0;
	gz_stmt_finish(st);
	sodium_memzero(sens, sizeof sens);
	if (rc < 0 && err->kind == GZ_ECONFLICT) {
		/* The only unique key left on residents: the account link. */
		gz_err_clear(err);
		gz_err_set(err, GZ_ECONFLICT, "account_linked", "该账号已关联其他居民");
		gz_err_field(err, "user_id", "已关联其他居民");
		return -1;
	}
	if (rc < 0)
		return -1;
	if (!id)
		return gz_err_set(err, GZ_EINTERNAL, "internal", "记录读不到");

	/* The lookup keys: drop the old ones, add the new ones. An ID number already held
	 * by another resident is a conflict (the primary key of resident_id_keys). */
	if (s->had_id) {
		st = gz_db_prepare(
		    db, "DELETE FROM resident_id_keys WHERE id_key = $1 AND resident_id = $2", err);
		if (!st)
			return -1;
		gz_stmt_bind_blob(st, 1, s->old_id_hash, GZ_PEOPLE_KEY_BYTES);
		gz_stmt_bind_int64(st, 2, id);
		rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	}
	if (s->had_phone) {
		st = gz_db_prepare(
		    db, "DELETE FROM resident_phone_keys WHERE phone_key = $1 AND resident_id = $2",
		    err);
		if (!st)
			return -1;
		gz_stmt_bind_blob(st, 1, s->old_phone_hash, GZ_PEOPLE_KEY_BYTES);
		gz_stmt_bind_int64(st, 2, id);
		rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	}
	if (s->idn[0]) {
		st = gz_db_prepare(
		    db,
		    "INSERT INTO resident_id_keys (id_key, resident_id) VALUES ($1, $2) ON "
		    "CONFLICT DO NOTHING",
		    err);
		if (!st)
			return -1;
		gz_stmt_bind_blob(st, 1, id_hash, GZ_PEOPLE_KEY_BYTES);
		gz_stmt_bind_int64(st, 2, id);
		rc = gz_stmt_step(st, err);
		int64_t changed = rc >= 0 ? gz_stmt_changes(st) : 0;
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
		if (changed == 0) {
			/* Who holds it, for the answer (named only to those who read them). */
			st = gz_db_prepare(
			    db,
			    "SELECT k.resident_id, r.grid_code FROM resident_id_keys k "
			    "LEFT JOIN residents r ON r.id = k.resident_id WHERE "
			    "k.id_key = $1",
			    err);
			if (!st)
				return -1;
			gz_stmt_bind_blob(st, 1, id_hash, GZ_PEOPLE_KEY_BYTES);
			if (gz_stmt_step(st, err) == GZ_ROW) {
				s->dup_id = gz_stmt_int64(st, 0);
				snprintf(s->dup_grid, sizeof s->dup_grid, "%s",
				         gz_stmt_isnull(st, 1) ? "" : gz_stmt_text(st, 1));
			}
			gz_stmt_finish(st);
			gz_err_clear(err);
			gz_err_set(err, GZ_ECONFLICT, "duplicate_id_number",
			           "该身份证号的居民已登记");
			gz_err_field(err, "id_number", "已登记");
			return -1;
		}
	}
	if (pl) {
		st = gz_db_prepare(
		    db, "INSERT INTO resident_phone_keys (phone_key, resident_id) VALUES ($1, $2)",
		    err);
		if (!st)
			return -1;
		gz_stmt_bind_blob(st, 1, phone_hash, GZ_PEOPLE_KEY_BYTES);
		gz_stmt_bind_int64(st, 2, id);
		rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	}
	memcpy(s->old_id_hash, id_hash, sizeof id_hash);
	memcpy(s->old_phone_hash, phone_hash, sizeof phone_hash);
	s->had_id = s->idn[0] != '\0';
	s->had_phone = pl > 0;
	s->id = id;
	st = gz_db_prepare(db, "DELETE FROM resident_tags WHERE resident_id = $1", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	/* Tag rows are what tag filters and counts read: only residents in the register. */
	for (int i = 0; s->status == RECORD_ACTIVE && i < s->ntags; i++) {
		char key[GZ_PEOPLE_TAG_KEY_SIZE];
		gz_people_tag_key(s->tags[i], s->sens[i], key, sizeof key);
		st = gz_db_prepare(
		    db,
		    "INSERT INTO resident_tags (resident_id, tag_key, grid_code) VALUES "
		    "($1, $2, $3)",
		    err);
		if (!st)
			return -1;
		gz_stmt_bind_int64(st, 1, id);
		gz_stmt_bind_str(st, 2, key);
		gz_stmt_bind_str(st, 3, s->grid);
		rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	}
	return 0;
}
