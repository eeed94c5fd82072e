/* HTTP resources of the register of residents: residents, households (the 户卡), the
 * resident's own record (/me/resident), configurable tags, imports and their reports,
 * and the .xlsx export. Units are in units.c; the import engine in people_import.c.
 * docs/SECURITY.md "Personal data" has the rules; docs/openapi.json the shapes.
 *
 * Masking. Every response masks: phone 138****1234, ID number 110105********002X,
 * birth date replaced by an age group, sensitive tags hidden; the name keeps only the
 * surname for users without a grant reading residents whose scope contains the
 * resident's grid. ?reveal=phone,id_number,birth_date,tags shows those fields in full,
 * only where the caller holds ACT_REVEAL (403 otherwise), and the request writes a
 * "resident.reveal" audit row (which fields, which residents) in a short transaction
 * that commits before the data is sent. Exact lookup (?phone=, ?id_number=) and filters
 * on sensitive tags go through keyed hashes / the blind index, need ACT_REVEAL, only
 * search where it is held, and are audited as "resident.lookup".
 * This file holds the resident's answer (people_resident_json) and the reveal bookkeeping
 * shared by the list, one resident and the household detail. */
#include "modules/people/people_internal.h"
#include "api/ratelimit.h"
#include "core/json.h"
#include "core/time.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* ================================================================ residents */

static bool in_scopes(const char *const *scopes, int n, const char *code)
{
	for (int i = 0; i < n; i++)
		if (policy_scope_contains(scopes[i], code))
			return true;
	return false;
}

void people_span_grid(char *lo, char *hi, const char *code)
{
	if (!lo[0] || strcmp(code, lo) < 0)
		snprintf(lo, SPACE_CODE_SIZE, "%s", code);
	if (!hi[0] || strcmp(code, hi) > 0)
		snprintf(hi, SPACE_CODE_SIZE, "%s", code);
}

/* Birth date from a sealed date or the ID number's digits 7..14. */
bool people_birth_of(const char *idn, const char *sealed_date, person_date *out)
{
	const char *d = NULL;
	char buf[16];
	if (idn && strlen(idn) == 18) {
		memcpy(buf, idn + 6, 4);
		buf[4] = '-';
		memcpy(buf + 5, idn + 10, 2);
		buf[7] = '-';
		memcpy(buf + 8, idn + 12, 2);
		buf[10] = '\0';
		d = buf;
	} else if (sealed_date && *sealed_date) {
		d = sealed_date;
	}
	if (!d || strlen(d) != 10)
		return false;
	int y = atoi(d), m = atoi(d + 5), dd = atoi(d + 8);
	if (!person_date_valid(y, m, dd))
		return false;
	*out = (person_date){y, m, dd};
	return true;
}

/* A comma-separated list of codes as a JSON array. */
static json_t *codes_json(const char *csv)
{
	json_t *a = json_array();
	while (csv && *csv) {
		size_t l = strcspn(csv, ",");
		if (l)
			json_array_append_new(a, json_stringn(csv, l));
		csv += l;
		if (*csv == ',')
			csv++;
	}
	return a;
}

/* One resident as r may see it (masked unless rc says otherwise; r NULL: the command
 * line, which sees names in full). Reads the row's sealed columns at once (their memory
 * is valid only until the next step). */
json_t *people_resident_json(gz_req *r, gz_stmt *st, reveal_ctx *rc)
{
	int64_t id = gz_stmt_int64(st, C_ID);
	const char *grid = gz_stmt_text(st, C_GRID);
	unsigned show = 0;
	if (rc && rc->want && (rc->self || in_scopes(rc->scopes, rc->nscopes, grid)))
		show = rc->want;

	char idn[64] = "", phone[64] = "", bd[32] = "", sens[2048] = "";
	bool has_id = !gz_stmt_isnull(st, C_IDNUM), has_phone = !gz_stmt_isnull(st, C_PHONE);
	if (has_id)
		gz_people_open(gz_stmt_blob(st, C_IDNUM), gz_stmt_len(st, C_IDNUM), idn,
		               sizeof idn);
	if (has_phone)
		gz_people_open(gz_stmt_blob(st, C_PHONE), gz_stmt_len(st, C_PHONE), phone,
		               sizeof phone);
	if (!gz_stmt_isnull(st, C_BIRTH))
		gz_people_open(gz_stmt_blob(st, C_BIRTH), gz_stmt_len(st, C_BIRTH), bd, sizeof bd);
	if ((show & RESIDENT_REVEAL_TAGS) && !gz_stmt_isnull(st, C_SENS))
		gz_people_open(gz_stmt_blob(st, C_SENS), gz_stmt_len(st, C_SENS), sens,
		               sizeof sens);

	json_t *o = json_object();
	json_object_set_new(o, "id", gz_api_id_json(id));
	json_object_set_new(o, "household_id",
	                    gz_stmt_isnull(st, C_HOUSEHOLD)
	                        ? json_null()
	                        : gz_api_id_json(gz_stmt_int64(st, C_HOUSEHOLD)));
	json_object_set_new(o, "grid_code", json_string(grid));
	json_object_set_new(
	    o, "name",
	    json_string((rc && rc->self) || !r
	                    ? gz_stmt_text(st, C_NAME)
	                    : gz_people_name_for(r, grid, gz_stmt_text(st, C_NAME))));
	json_object_set_new(o, "gender", json_string(gz_stmt_text(st, C_GENDER)));
	json_object_set_new(o, "relation", json_string(gz_stmt_text(st, C_RELATION)));

	char mask[PERSON_PHONE_MAX + 48];
	if (!has_phone)
		json_object_set_new(o, "phone", json_null());
	else if (show & RESIDENT_REVEAL_PHONE)
		json_object_set_new(o, "phone", json_string(phone));
	else
		json_object_set_new(o, "phone",
		                    json_string(person_mask_phone(phone, mask, sizeof mask)));
	char idmask[PERSON_ID_MASK_MAX];
	if (!has_id)
		json_object_set_new(o, "id_number", json_null());
	else if (show & RESIDENT_REVEAL_ID)
		json_object_set_new(o, "id_number", json_string(idn));
	else
		json_object_set_new(o, "id_number", json_string(person_mask_id(idn, idmask)));

	person_date b;
	if (people_birth_of(idn[0] ? idn : NULL, bd, &b)) {
		int age = person_age_at_ms(b, gz_time_now_ms());
		char ds[RESIDENT_DATE_SIZE];
		if (show & RESIDENT_REVEAL_BIRTH) {
			json_object_set_new(o, "birth_date",
			                    json_string(resident_date_format(b, ds)));
			json_object_set_new(o, "age", age >= 0 ? json_integer(age) : json_null());
		} else {
			json_object_set_new(o, "birth_date", json_null());
			json_object_set_new(o, "age", json_null());
		}
		json_object_set_new(o, "age_group", json_string(resident_age_group(age)));
	} else {
		json_object_set_new(o, "birth_date", json_null());
		json_object_set_new(o, "age", json_null());
		json_object_set_new(o, "age_group", json_null());
	}

	json_object_set_new(o, "tags", codes_json(gz_stmt_text(st, C_TAGS)));
	if (show & RESIDENT_REVEAL_TAGS) {
		json_t *s = sens[0] ? json_loads(sens, 0, NULL) : NULL;
		json_object_set_new(o, "sensitive_tags", json_is_array(s) ? s : json_array());
		if (s && !json_is_array(s))
			json_decref(s);
	} else {
		json_object_set_new(o, "sensitive_tags", json_null());
	}
	json_object_set_new(o, "user_id",
	                    gz_stmt_isnull(st, C_USER) ? json_null()
	                                               : gz_api_id_json(gz_stmt_int64(st, C_USER)));
	json_object_set_new(o, "status", json_string(gz_stmt_text(st, C_STATUS)));
	json_object_set_new(o, "status_date",
	                    gz_stmt_isnull(st, C_STATUS_DATE)
	                        ? json_null()
	                        : json_string(gz_stmt_text(st, C_STATUS_DATE)));
	json_object_set_new(o, "status_reason",
	                    gz_stmt_isnull(st, C_STATUS_REASON)
	                        ? json_null()
	                        : json_string(gz_stmt_text(st, C_STATUS_REASON)));
	json_object_set_new(o, "created_at", gz_api_time_json(gz_stmt_int64(st, C_CREATED)));
	json_object_set_new(o, "updated_at", gz_api_time_json(gz_stmt_int64(st, C_UPDATED)));
	if (show) {
		char names[64];
		json_object_set_new(o, "revealed",
		                    codes_json(resident_reveal_names(show, names, sizeof names)));
		if (rc && rc->ids) {
			json_array_append_new(rc->ids, gz_api_id_json(id));
			people_span_grid(rc->lo, rc->hi, grid);
		}
	}
	sodium_memzero(idn, sizeof idn);
	sodium_memzero(phone, sizeof phone);
	sodium_memzero(bd, sizeof bd);
	sodium_memzero(sens, sizeof sens);
	return o;
}

/* ?reveal=: parses it into rc (400 on an unknown field). Returns 0 or -1 with err. */
int people_reveal_parse(gz_req *r, reveal_ctx *rc, gz_err *err)
{
	memset(rc, 0, sizeof *rc);
	rc->ids = json_array();
	const char *q = gz_req_query(r, "reveal");
	if (q && resident_reveal_parse(q, &rc->want, err) < 0) {
		err->kind = GZ_EBADREQ;
		gz_err_field(err, "reveal", "%s", err->message);
		return -1;
	}
	return 0;
}

/* ?reveal=: parses it into rc and checks the caller holds ACT_REVEAL somewhere (403
 * otherwise). Returns 0 or -1 with err. */
int people_reveal_setup(gz_req *r, reveal_ctx *rc, gz_err *err)
{
	if (people_reveal_parse(r, rc, err) < 0)
		return -1;
	if (!rc->want)
		return 0;
	int n = gz_auth_scopes(r, ACT_REVEAL, RES_RESIDENT, rc->scopes, GZ_AUTH_MAX_GRANTS, err);
	if (n < 0) {
		if (err->kind == GZ_EFORBIDDEN)
			gz_err_set(err, GZ_EFORBIDDEN, "reveal_forbidden",
			           "当前角色无权查看完整的个人信息");
		return -1;
	}
	rc->nscopes = n;
	return 0;
}

/* Writes the reveal audit row when something was shown in full (and the lookup row, if
 * any) in one short transaction. Returns 0, or -1 with err: the data must not be sent. */
int people_reveal_audit(gz_req *r, gz_db *db, reveal_ctx *rc, const char *record_id, json_t *lookup,
                        const char *lookup_scope, gz_err *err)
{
	size_t n = json_array_size(rc->ids);
	if (!n && !lookup)
		return 0;
	if (gz_db_begin(db, err) < 0)
		return -1;
	int ret = 0;
	/* The lookup's charge commits with its audit row (one transaction, one sync); over
	 * the limit nothing is sent (gz_ratelimit_pii rolled back and audited the refusal). */
	if (rc->charge) {
		int k =
		    gz_ratelimit_pii(gz_req_actor(r), db, "resident.lookup", rc->charge, true, err);
		if (k == 1)
			return -1;
		if (k < 0)
			ret = -1;
	}
	if (!ret && lookup &&
	    gz_audit(gz_req_actor(r), db, "resident.lookup", "resident", record_id ? record_id : "",
	             lookup_scope, lookup, err) < 0)
		ret = -1;
	if (!ret && n) {
		char names[64], scope[SPACE_CODE_SIZE];
		policy_scope_common(rc->lo, rc->hi, scope, sizeof scope);
		json_t *d = json_pack("{s:s,s:O,s:I}", "fields",
		                      resident_reveal_names(rc->want, names, sizeof names), "ids",
		                      rc->ids, "count", (json_int_t)n);
		if (rc->self)
			json_object_set_new(d, "self", json_true());
		if (rc->history)
			json_object_set_new(d, "history", json_true());
		if (gz_audit(gz_req_actor(r), db, "resident.reveal", "resident",
		             record_id
		                 ? record_id
		                 : (n == 1 ? json_string_value(json_array_get(rc->ids, 0)) : ""),
		             scope, d, err) < 0)
			ret = -1;
		json_decref(d);
	}
	if (!ret && gz_db_commit(db, err) < 0)
		ret = -1;
	if (ret)
		gz_db_rollback(db);
	return ret;
}

/* Keeps in rc only the residents of items that were shown in full: a list reads more
 * rows than it answers (the look-ahead row that says there is a next page, and each
 * scope's rows beyond the page), and the audit names exactly the rows sent. */
void people_reveal_keep_answered(reveal_ctx *rc, json_t *items)
{
	json_array_clear(rc->ids);
	rc->lo[0] = rc->hi[0] = '\0';
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		if (!json_object_get(it, "revealed"))
			continue;
		json_array_append(rc->ids, json_object_get(it, "id"));
		people_span_grid(rc->lo, rc->hi,
		                 json_string_value(json_object_get(it, "grid_code")));
	}
}

/* Answers with residents' personal data (masked or not) are never stored by a browser
 * or a proxy: a revealed phone must not outlive the screen that asked for it. */
void people_reply(gz_req *r, int status, json_t *body)
{
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_json(r, status, body);
}

/* The tag named by a filter or a request (code or label): built-in, else configured.
 * Returns 1 with code/sensitive set, 0 unknown, -1 db error. */
int people_tag_find(gz_db *db, const char *s, char code[40], bool *sensitive, gz_err *err)
{
	const person_tag *t = person_tag_find(s);
	if (t) {
		snprintf(code, 40, "%s", t->code);
		*sensitive = t->sensitive;
		return 1;
	}
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT code, sensitive FROM resident_tag_defs WHERE code = $1 OR label = $1", err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, s);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		snprintf(code, 40, "%s", gz_stmt_text(st, 0));
		*sensitive = gz_stmt_int64(st, 1) != 0;
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}
