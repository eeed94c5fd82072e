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
 *
 * Every handler authenticates first (401), then validates, then asks gz_auth_check()
 * about the record's grid (out of scope = 404, as if it did not exist). */
#include "modules/module.h"
#include "api/auth.h"
#include "modules/people/people.h"
#include "api/ratelimit.h"
#include "api/common.h"
#include "api/list.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/time.h"
#include "core/utf8.h"
#include "core/xlsx_write.h"
#include "modules/people/person.h"
#include "domain/policy.h"
#include "modules/people/resident.h"
#include "domain/space_code.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ================================================================ shared helpers */

json_t *gz_people_area_json(int64_t dm2)
{
	char b[32];
	snprintf(b, sizeof b, "%lld.%02lld", (long long)(dm2 / 100), (long long)(dm2 % 100));
	return json_string(b);
}

bool gz_people_name_visible(const gz_actor *a, const char *place)
{
	if (!place || !a) /* no actor sees nothing in full */
		return false;
	/* The operator (the command line) keeps the register itself. */
	if (gz_actor_is_operator(a))
		return true;
	for (int i = 0; i < a->ngrants; i++)
		if (policy_scope_contains(a->grants[i].scope, place) &&
		    policy_allows(a->grants[i].role, ACT_READ, RES_RESIDENT))
			return true;
	return false;
}

const char *gz_people_name_shown(gz_arena *A, bool visible, const char *name)
{
	if (!name)
		name = "";
	if (visible)
		return name;
	size_t cap = strlen(name) + 8;
	char *out = gz_arena_alloc(A, cap);
	return person_mask_name(name, out, cap);
}

const char *gz_people_name_for(gz_req *r, const char *place, const char *name)
{
	const gz_actor *a = gz_req_actor(r);
	return gz_people_name_shown(&r->arena, a && gz_people_name_visible(a, place), name);
}

int gz_people_open(const void *sealed, size_t n, char *out, size_t cap)
{
	const gz_crypto *c = gz_crypto_global();
	out[0] = '\0';
	if (!c || !sealed || n < GZ_CRYPTO_OVERHEAD || n - GZ_CRYPTO_OVERHEAD >= cap)
		return -1;
	size_t len = 0;
	if (gz_crypto_open(c, sealed, n, (uint8_t *)out, &len) < 0) {
		out[0] = '\0';
		return -1;
	}
	out[len] = '\0';
	return (int)len;
}

int gz_people_place_filter(gz_req *r, const char **out, gz_err *err)
{
	const char *g, *c, *s;
	if (gz_api_code_query(r, "grid", GZ_API_AT_GRID, &g, err) < 0 ||
	    gz_api_code_query(r, "community", GZ_API_AT_COMMUNITY, &c, err) < 0 ||
	    gz_api_code_query(r, "street", GZ_API_AT_STREET, &s, err) < 0)
		return -1;
	const char *f = NULL;
	const char *given[] = {s, c, g};
	for (int i = 0; i < 3; i++) {
		if (!given[i])
			continue;
		if (f && !policy_scope_contains(f, given[i])) {
			*out = "x"; /* disjoint filters: nothing matches */
			return 0;
		}
		f = given[i];
	}
	*out = f;
	return 0;
}

int gz_people_audit(const gz_actor *a, gz_db *db, const char *action, const char *record_type,
                    const char *record_id, const char *scope, json_t *detail, gz_err *err)
{
	if (gz_db_begin(db, err) < 0)
		return -1;
	if (gz_audit(a, db, action, record_type, record_id, scope, detail, err) < 0 ||
	    gz_db_commit(db, err) < 0) {
		gz_db_rollback(db);
		return -1;
	}
	return 0;
}

typedef struct {
	int (*next_row)(void *ctx, const char **cells, gz_err *err);
	void *ctx;
	size_t rows;
} count_ctx;

static int counting_row(void *c, const char **cells, gz_err *err)
{
	count_ctx *cc = c;
	int rc = cc->next_row(cc->ctx, cells, err);
	if (rc == 1)
		cc->rows++;
	return rc;
}

void gz_people_reply_xlsx(gz_req *r, gz_db *db, const char *filename, const char *const *header,
                          size_t ncols, int (*next_row)(void *ctx, const char **cells, gz_err *err),
                          void *ctx, size_t *rows_out, const char *audit_action,
                          const char *audit_scope, json_t *audit_detail)
{
	gz_err err;
	gz_err_clear(&err);
	const char *tmp = getenv("TMPDIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/gz-export-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0) {
		gz_reply_error(r, GZ_EINTERNAL, "xlsx_write", "无法创建导出文件");
		return;
	}
	close(fd);
	count_ctx cc = {next_row, ctx, 0};
	/* Every row of the file from one snapshot; it ends before the audit row is written. */
	int xrc = gz_db_begin_read(db, &err);
	if (xrc == 0) {
		xrc =
		    gz_xlsx_export(path, NULL, header, ncols, counting_row, &cc, NULL, NULL, &err);
		gz_db_end_read(db);
	}
	if (xrc < 0) {
		unlink(path);
		if (!err.kind)
			gz_err_set(&err, GZ_EINTERNAL, "xlsx_write", "导出失败");
		gz_reply_err(r, &err);
		return;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	unlink(path);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0) {
		if (fd >= 0)
			close(fd);
		gz_reply_error(r, GZ_EINTERNAL, "xlsx_write", "导出文件读取失败");
		return;
	}
	if (rows_out)
		*rows_out = cc.rows;
	if (audit_action) {
		json_object_set_new(audit_detail, "rows", json_integer((json_int_t)cc.rows));
		char type[32];
		snprintf(type, sizeof type, "%.*s", (int)strcspn(audit_action, "."), audit_action);
		if (gz_people_audit(gz_req_actor(r), db, audit_action, type, "", audit_scope,
		                    audit_detail, &err) < 0) {
			close(fd);
			gz_reply_err(r, &err);
			return;
		}
	}
	char cd[256];
	snprintf(cd, sizeof cd, "attachment; filename=\"%s\"", filename);
	gz_reply_header(r, "Content-Disposition", cd);
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_fd(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", fd,
	            (uint64_t)sb.st_size);
}

/* ================================================================ residents */

#define RES_COLS                                                                                   \
	"r.id, r.household_id, r.grid_code, r.name, r.gender, r.relation, r.birth_date_enc, "      \
	"r.phone_enc, r.id_number_enc, r.sensitive_tags_enc, r.tags, r.user_id, r.created_at, "    \
	"r.updated_at"

enum {
	C_ID,
	C_HOUSEHOLD,
	C_GRID,
	C_NAME,
	C_GENDER,
	C_RELATION,
	C_BIRTH,
	C_PHONE,
	C_IDNUM,
	C_SENS,
	C_TAGS,
	C_USER,
	C_CREATED,
	C_UPDATED
};

/* What a response may show in full, and what it did show (for the audit). */
typedef struct {
	unsigned want; /* ?reveal= fields */
	const char *scopes[GZ_AUTH_MAX_GRANTS];
	int nscopes; /* where the caller holds ACT_REVEAL */
	bool self;   /* the caller's own record: full name; want shown without a reveal right */
	json_t *ids; /* residents shown in full */
	char lo[SPACE_CODE_SIZE], hi[SPACE_CODE_SIZE]; /* their grids' span */
} reveal_ctx;

static bool in_scopes(const char *const *scopes, int n, const char *code)
{
	for (int i = 0; i < n; i++)
		if (policy_scope_contains(scopes[i], code))
			return true;
	return false;
}

static void span_grid(char *lo, char *hi, const char *code)
{
	if (!lo[0] || strcmp(code, lo) < 0)
		snprintf(lo, SPACE_CODE_SIZE, "%s", code);
	if (!hi[0] || strcmp(code, hi) > 0)
		snprintf(hi, SPACE_CODE_SIZE, "%s", code);
}

/* Birth date from a sealed date or the ID number's digits 7..14. */
static bool birth_of(const char *idn, const char *sealed_date, person_date *out)
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

/* One resident as r may see it (masked unless rc says otherwise). Reads the row's
 * sealed columns at once (their memory is valid only until the next step). */
static json_t *resident_json(gz_req *r, gz_stmt *st, reveal_ctx *rc)
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
	    json_string(rc && rc->self ? gz_stmt_text(st, C_NAME)
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
	if (birth_of(idn[0] ? idn : NULL, bd, &b)) {
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
	json_object_set_new(o, "created_at", gz_api_time_json(gz_stmt_int64(st, C_CREATED)));
	json_object_set_new(o, "updated_at", gz_api_time_json(gz_stmt_int64(st, C_UPDATED)));
	if (show) {
		char names[64];
		json_object_set_new(o, "revealed",
		                    codes_json(resident_reveal_names(show, names, sizeof names)));
		if (rc && rc->ids) {
			json_array_append_new(rc->ids, gz_api_id_json(id));
			span_grid(rc->lo, rc->hi, grid);
		}
	}
	sodium_memzero(idn, sizeof idn);
	sodium_memzero(phone, sizeof phone);
	sodium_memzero(bd, sizeof bd);
	sodium_memzero(sens, sizeof sens);
	return o;
}

/* ?reveal=: parses it into rc (400 on an unknown field). Returns 0 or -1 with err. */
static int reveal_parse(gz_req *r, reveal_ctx *rc, gz_err *err)
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
static int reveal_setup(gz_req *r, reveal_ctx *rc, gz_err *err)
{
	if (reveal_parse(r, rc, err) < 0)
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
static int reveal_audit(gz_req *r, gz_db *db, reveal_ctx *rc, const char *record_id, json_t *lookup,
                        const char *lookup_scope, gz_err *err)
{
	size_t n = json_array_size(rc->ids);
	if (!n && !lookup)
		return 0;
	if (gz_db_begin(db, err) < 0)
		return -1;
	int ret = 0;
	if (lookup && gz_audit(gz_req_actor(r), db, "resident.lookup", "resident",
	                       record_id ? record_id : "", lookup_scope, lookup, err) < 0)
		ret = -1;
	if (!ret && n) {
		char names[64], scope[SPACE_CODE_SIZE];
		policy_scope_common(rc->lo, rc->hi, scope, sizeof scope);
		json_t *d = json_pack("{s:s,s:O,s:I}", "fields",
		                      resident_reveal_names(rc->want, names, sizeof names), "ids",
		                      rc->ids, "count", (json_int_t)n);
		if (rc->self)
			json_object_set_new(d, "self", json_true());
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
static void reveal_keep_answered(reveal_ctx *rc, json_t *items)
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
		span_grid(rc->lo, rc->hi, json_string_value(json_object_get(it, "grid_code")));
	}
}

/* Answers with residents' personal data (masked or not) are never stored by a browser
 * or a proxy: a revealed phone must not outlive the screen that asked for it. */
static void reply_people(gz_req *r, int status, json_t *body)
{
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_json(r, status, body);
}

/* The tag named by a filter or a request (code or label): built-in, else configured.
 * Returns 1 with code/sensitive set, 0 unknown, -1 db error. */
static int tag_find(gz_db *db, const char *s, char code[40], bool *sensitive, gz_err *err)
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

/* ---------------------------------------------------------------- the list */

/* The lists, each as the pair of queries a list in (grid_code, id) order runs per scope
 * (gz_api_list_query, api/list.h): rows of the cursor's grid after it, then the later
 * grids, both in index order. */
#define RES_SAME(from, where)                                                                      \
	"SELECT " RES_COLS " FROM " from " WHERE " where                                           \
	" AND r.grid_code = $1 AND r.grid_code < $2 AND r.id > $3 AND r.deleted_at IS NULL ORDER " \
	"BY r.id LIMIT $4"
#define RES_AFTER(from, where)                                                                     \
	"SELECT " RES_COLS " FROM " from " WHERE " where                                           \
	" AND r.grid_code > $1 AND r.grid_code < $2 AND r.id > $3 AND r.deleted_at IS NULL ORDER " \
	"BY r.grid_code, r.id LIMIT $4"
#define RES_FILTERS "($5 = 0 OR r.household_id = $5) AND ($6 = '' OR substr(r.name, 1, $7) = $6)"
typedef struct {
	const char *same, *after;
} list_sql;
static const list_sql sql_res_list = {RES_SAME("residents r", RES_FILTERS),
                                      RES_AFTER("residents r", RES_FILTERS)};
static const list_sql sql_res_by_phone = {
    RES_SAME("resident_phone_keys k JOIN residents r ON r.id = k.resident_id", "k.phone_key = $5"),
    RES_AFTER("resident_phone_keys k JOIN residents r ON r.id = k.resident_id",
              "k.phone_key = $5")};
static const list_sql sql_res_by_id = {
    RES_SAME("resident_id_keys k JOIN residents r ON r.id = k.resident_id", "k.id_key = $5"),
    RES_AFTER("resident_id_keys k JOIN residents r ON r.id = k.resident_id", "k.id_key = $5")};
/* By tag: the walk is on resident_tags (tag_key, grid_code, resident_id). */
static const list_sql sql_res_by_tag = {
    "SELECT " RES_COLS " FROM resident_tags t JOIN residents r ON r.id = t.resident_id WHERE "
    "t.tag_key = $8 AND t.grid_code = $1 AND t.grid_code < $2 AND t.resident_id > $3 AND "
    "r.deleted_at IS NULL AND " RES_FILTERS " ORDER BY t.resident_id LIMIT $4",
    "SELECT " RES_COLS " FROM resident_tags t JOIN residents r ON r.id = t.resident_id WHERE "
    "t.tag_key = $8 AND t.grid_code > $1 AND t.grid_code < $2 AND t.resident_id > $3 AND "
    "r.deleted_at IS NULL AND " RES_FILTERS " ORDER BY t.grid_code, t.resident_id LIMIT $4"};
/* The export walks whole ranges (every row the caller may list). */
static const char *sql_res_export =
    "SELECT " RES_COLS " FROM residents r WHERE r.grid_code >= $1 AND r.grid_code < $2 AND "
    "r.id > $3 AND r.deleted_at IS NULL AND " RES_FILTERS " ORDER BY r.grid_code, r.id LIMIT $4";
static const char *sql_res_export_tag =
    "SELECT " RES_COLS " FROM resident_tags t JOIN residents r ON r.id = t.resident_id WHERE "
    "t.tag_key = $8 AND t.grid_code >= $1 AND t.grid_code < $2 AND t.resident_id > $3 AND "
    "r.deleted_at IS NULL AND " RES_FILTERS " ORDER BY t.grid_code, t.resident_id LIMIT $4";

typedef struct {
	int64_t household;
	const char *q;
	int64_t qlen;
	const char *tag_key;
	uint8_t hash[GZ_CRYPTO_LOOKUP_BYTES];
	reveal_ctx *rc;
} list_ctx;

static void bind_list(gz_stmt *st, void *ctx)
{
	list_ctx *c = ctx;
	gz_stmt_bind_int64(st, 5, c->household);
	gz_stmt_bind_str(st, 6, c->q ? c->q : "");
	gz_stmt_bind_int64(st, 7, c->qlen);
	if (c->tag_key)
		gz_stmt_bind_str(st, 8, c->tag_key);
}

static void bind_hash(gz_stmt *st, void *ctx)
{
	list_ctx *c = ctx;
	gz_stmt_bind_blob(st, 5, c->hash, GZ_PEOPLE_KEY_BYTES);
}

static json_t *res_row_fn(gz_req *r, gz_stmt *st, int64_t *key, void *ctx)
{
	list_ctx *c = ctx;
	*key = gz_stmt_int64(st, C_ID);
	return resident_json(r, st, c->rc);
}

/* Common list filters: ?household=, ?q= (name prefix), ?tag=. Returns 0 or -1. */
static int list_filters(gz_req *r, gz_db *db, list_ctx *c, char tag_code[40], bool *tag_sensitive,
                        char *tag_key, gz_err *err)
{
	const char *h = gz_req_query(r, "household");
	if (h && !(c->household = gz_api_parse_id(h))) {
		gz_err_set(err, GZ_EBADREQ, "bad_query", "household 无效");
		gz_err_field(err, "household", "应为户的 id");
		return -1;
	}
	c->q = gz_req_query(r, "q");
	if (c->q && *c->q) {
		size_t cp = gz_utf8_len(c->q, strlen(c->q));
		if (cp > RESIDENT_NAME_MAX) {
			gz_err_set(err, GZ_EBADREQ, "bad_query", "q 过长");
			gz_err_field(err, "q", "不能超过 64 个字");
			return -1;
		}
		c->qlen = (int64_t)cp;
	}
	const char *tag = gz_req_query(r, "tag");
	if (tag) {
		int rc = tag_find(db, tag, tag_code, tag_sensitive, err);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			gz_err_set(err, GZ_EBADREQ, "bad_query", "未知标签");
			gz_err_field(err, "tag", "未知标签");
			return -1;
		}
		gz_people_tag_key(tag_code, *tag_sensitive, tag_key, GZ_PEOPLE_TAG_KEY_SIZE);
		c->tag_key = tag_key;
	}
	return 0;
}

static void resident_list(gz_req *r)
{
	if (!gz_api_authenticated(r))
		return;
	gz_err err;
	gz_err_clear(&err);
	int limit;
	gz_api_cursor after, next = {0};
	const char *filter;
	reveal_ctx rc = {0};
	list_ctx c = {.rc = &rc};
	char tag_code[40] = "", tag_key[GZ_PEOPLE_TAG_KEY_SIZE] = "";
	bool tag_sensitive = false;
	json_t *items = NULL, *lookup = NULL;
	gz_db *db = NULL;
	if (gz_api_list_params(r, true, &limit, &after, &err) < 0 ||
	    gz_people_place_filter(r, &filter, &err) < 0 || reveal_setup(r, &rc, &err) < 0 ||
	    !(db = gz_req_db(r, &err)) ||
	    list_filters(r, db, &c, tag_code, &tag_sensitive, tag_key, &err) < 0)
		goto fail;

	/* Exact lookups and sensitive-tag filters say something about whoever matches:
	 * they need reveal rights and search only where those are held. */
	const char *phone = gz_req_query(r, "phone"), *idq = gz_req_query(r, "id_number");
	const char *by = phone ? "phone" : idq ? "id_number" : tag_sensitive ? "tag" : NULL;
	const char *scopes[GZ_AUTH_MAX_GRANTS];
	int ns;
	if (by) {
		ns = gz_auth_scopes(r, ACT_REVEAL, RES_RESIDENT, scopes, GZ_AUTH_MAX_GRANTS, &err);
		if (ns < 0) {
			if (err.kind == GZ_EFORBIDDEN)
				gz_err_set(&err, GZ_EFORBIDDEN, "reveal_forbidden",
				           "当前角色无权按手机号、身份证号或敏感标签查找居民");
			goto fail;
		}
	} else {
		ns = gz_auth_scopes(r, ACT_READ, RES_RESIDENT, scopes, GZ_AUTH_MAX_GRANTS, &err);
		if (ns < 0)
			goto fail;
	}
	const gz_crypto *crypto = gz_crypto_global();
	if ((phone || idq) && !crypto) {
		gz_err_set(&err, GZ_EINTERNAL, "crypto_unavailable",
		           "服务器未加载个人信息加密密钥");
		goto fail;
	}
	const list_sql *lsql = c.tag_key ? &sql_res_by_tag : &sql_res_list;
	void (*bind)(gz_stmt *, void *) = bind_list;
	if (phone) {
		char norm[PERSON_PHONE_MAX];
		gz_err e;
		gz_err_clear(&e);
		if (person_phone_check(phone, norm, NULL, &e) < 0) {
			gz_err_set(&err, GZ_EBADREQ, "bad_query", "phone 无效");
			gz_err_field(&err, "phone", "%s", e.message);
			goto fail;
		}
		gz_crypto_lookup(crypto, norm, c.hash);
		sodium_memzero(norm, sizeof norm);
		if (gz_ratelimit_pii(gz_req_actor(r), db, "resident.lookup", 1, false, &err) != 0)
			goto fail;
		lsql = &sql_res_by_phone;
		bind = bind_hash;
	} else if (idq) {
		person_id_info info;
		gz_err e;
		gz_err_clear(&e);
		if (person_id_check(idq, gz_time_now_ms(), &info, &e) < 0) {
			gz_err_set(&err, GZ_EBADREQ, "bad_query", "id_number 无效");
			gz_err_field(&err, "id_number", "%s", e.message);
			goto fail;
		}
		gz_crypto_lookup(crypto, info.normalised, c.hash);
		sodium_memzero(&info, sizeof info);
		if (gz_ratelimit_pii(gz_req_actor(r), db, "resident.lookup", 1, false, &err) != 0)
			goto fail;
		lsql = &sql_res_by_id;
		bind = bind_hash;
	}
	if (gz_api_scoped_items(r,
	                        &(gz_api_list_query){.sql = lsql->same,
	                                             .sql_after = lsql->after,
	                                             .scopes = scopes,
	                                             .nscopes = ns,
	                                             .filter = filter,
	                                             .bind = bind,
	                                             .row_ctx = res_row_fn,
	                                             .ctx = &c},
	                        limit, &after, &items, &next, &err) < 0)
		goto fail;
	reveal_keep_answered(&rc, items);
	char lscope[SPACE_CODE_SIZE] = "";
	if (by) {
		/* Which residents matched, never the value looked for. */
		json_t *ids = json_array();
		size_t i;
		json_t *it;
		char lo[SPACE_CODE_SIZE] = "", hi[SPACE_CODE_SIZE] = "";
		json_array_foreach(items, i, it)
		{
			json_array_append(ids, json_object_get(it, "id"));
			span_grid(lo, hi, json_string_value(json_object_get(it, "grid_code")));
		}
		if (lo[0])
			policy_scope_common(lo, hi, lscope, sizeof lscope);
		else {
			snprintf(lscope, sizeof lscope, "%s", ns ? scopes[0] : "");
			for (int k = 1; k < ns; k++) {
				char tmp[SPACE_CODE_SIZE];
				policy_scope_common(lscope, scopes[k], tmp, sizeof tmp);
				memcpy(lscope, tmp, sizeof tmp);
			}
		}
		lookup = json_pack("{s:s,s:o,s:I}", "by", by, "ids", ids, "count",
		                   (json_int_t)json_array_size(ids));
		if (tag_sensitive)
			json_object_set_new(lookup, "tag", json_string(tag_code));
	}
	if (reveal_audit(r, db, &rc, NULL, lookup, lscope, &err) < 0)
		goto fail;
	json_decref(lookup);
	json_decref(rc.ids);
	reply_people(r, 200, gz_api_list_json(r, items, &next));
	return;
fail:
	json_decref(lookup);
	json_decref(items);
	json_decref(rc.ids);
	gz_reply_err(r, &err);
}

/* ---------------------------------------------------------------- one resident */

static const char *sql_res_one =
    "SELECT " RES_COLS " FROM residents r WHERE r.id = $1 AND r.deleted_at IS NULL";
static const char *sql_res_self =
    "SELECT " RES_COLS " FROM residents r WHERE r.user_id = $1 AND r.deleted_at IS NULL";

/* Steps st (prepared with one id parameter bound) to its row. Returns 1 with the row
 * current, 0 none (st finished), -1 error (st finished). */
static int step_one(gz_stmt *st, gz_err *err)
{
	int rc = gz_stmt_step(st, err);
	if (rc != GZ_ROW)
		gz_stmt_finish(st);
	return rc == GZ_ROW ? 1 : rc;
}

static void resident_get(gz_req *r)
{
	if (!gz_api_authenticated(r))
		return;
	gz_err err;
	gz_err_clear(&err);
	reveal_ctx rc = {0};
	json_t *out = NULL;
	gz_db *db = NULL;
	gz_stmt *st = NULL;
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	if (!id) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto fail;
	}
	if (reveal_setup(r, &rc, &err) < 0 || !(db = gz_req_db(r, &err)) ||
	    !(st = gz_db_prepare(db, sql_res_one, &err)))
		goto fail;
	gz_stmt_bind_int64(st, 1, id);
	int k = step_one(st, &err);
	if (k <= 0) {
		if (k == 0)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto fail;
	}
	const char *grid = gz_stmt_text(st, C_GRID);
	if (gz_auth_check(r, ACT_READ, RES_RESIDENT, grid, &err) < 0 ||
	    (rc.want && gz_auth_check(r, ACT_REVEAL, RES_RESIDENT, grid, &err) < 0)) {
		gz_stmt_finish(st);
		if (err.kind == GZ_EFORBIDDEN && rc.want)
			gz_err_set(&err, GZ_EFORBIDDEN, "reveal_forbidden",
			           "当前角色无权查看完整的个人信息");
		goto fail;
	}
	out = resident_json(r, st, &rc);
	gz_stmt_finish(st);
	if (reveal_audit(r, db, &rc, gz_req_param(r, "id"), NULL, NULL, &err) < 0)
		goto fail;
	json_decref(rc.ids);
	reply_people(r, 200, out);
	return;
fail:
	json_decref(out);
	json_decref(rc.ids);
	gz_reply_err(r, &err);
}

/* The state of a resident being created or changed: plaintext, sealed when written. */
typedef struct {
	int64_t id, household, user_id;
	uint8_t old_phone_hash[GZ_CRYPTO_LOOKUP_BYTES], old_id_hash[GZ_CRYPTO_LOOKUP_BYTES];
	bool had_phone, had_id; /* the stored row's keys, to replace */
	char grid[SPACE_CODE_SIZE];
	char name[4 * RESIDENT_NAME_MAX + 1];
	const char *gender;   /* "男", "女", "" */
	const char *relation; /* label or "" */
	char phone[PERSON_PHONE_MAX];
	char idn[19];
	person_date birth;
	bool has_birth;
	char tags[RESIDENT_TAGS_MAX][40];
	bool sens[RESIDENT_TAGS_MAX];
	int ntags;
} res_state;

enum {
	F_NAME = 1 << 0,
	F_GENDER = 1 << 1,
	F_BIRTH = 1 << 2,
	F_PHONE = 1 << 3,
	F_ID = 1 << 4,
	F_HOUSEHOLD = 1 << 5,
	F_GRID = 1 << 6,
	F_RELATION = 1 << 7,
	F_TAGS = 1 << 8,
	F_USER = 1 << 9,
};
static const char *const field_names[] = {"name",      "gender",       "birth_date", "phone",
                                          "id_number", "household_id", "grid_code",  "relation",
                                          "tags",      "user_id"};

static json_t *fields_json(unsigned f)
{
	json_t *a = json_array();
	for (size_t i = 0; i < sizeof field_names / sizeof field_names[0]; i++)
		if (f & (1u << i))
			json_array_append_new(a, json_string(field_names[i]));
	return a;
}

/* Loads the stored state of the current row of st (decrypting). */
static void state_from_row(gz_stmt *st, res_state *s)
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
	s->has_birth = birth_of(s->idn[0] ? s->idn : NULL, bd, &s->birth);
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
static int apply_input(gz_req *r, gz_db *db, json_t *in, res_state *s, bool create, bool self,
                       unsigned *changed, gz_err *err)
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
				s->has_birth = birth_of(s->idn, NULL, &s->birth);
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
				            ? tag_find(db, name, code, &sens, err)
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
			if (!hg[0] || gz_auth_check(r, ACT_READ, RES_RESIDENT, hg, &ae) < 0)
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
static int check_place(gz_req *r, gz_db *db, const res_state *s, unsigned changed, gz_err *err)
{
	if (gz_auth_check(r, ACT_WRITE, RES_RESIDENT, s->grid, err) < 0)
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
static int write_state(gz_db *db, res_state *s, gz_err *err)
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
	                "tags = $11, updated_at = $12, user_id = $13 WHERE id = $14 "
	                "RETURNING id",
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
	if (s->id)
		gz_stmt_bind_int64(st, 14, s->id);
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
	for (int i = 0; i < s->ntags; i++) {
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

/* The row of resident id as r sees it, masked (self: the caller's own, full name). */
static json_t *resident_reload(gz_req *r, gz_db *db, int64_t id, bool self, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, sql_res_one, err);
	if (!st)
		return NULL;
	gz_stmt_bind_int64(st, 1, id);
	if (step_one(st, err) != 1) {
		if (!err->kind)
			gz_err_set(err, GZ_EINTERNAL, "internal", "记录读不到");
		return NULL;
	}
	reveal_ctx rc = {.self = self};
	json_t *o = resident_json(r, st, &rc);
	gz_stmt_finish(st);
	return o;
}

/* After a refused write: an ID number already registered (409 duplicate_id_number)
 * was a comparison with the whole register, audited (never the number) in a short
 * transaction of its own. A failure to audit replaces the answer. */
static void duplicate_audit(gz_req *r, gz_db *db, const char *grid, gz_err *err)
{
	if (strcmp(err->code, "duplicate_id_number"))
		return;
	gz_err aerr;
	gz_err_clear(&aerr);
	if (gz_people_audit(gz_req_actor(r), db, "resident.duplicate_id_number", "resident", "",
	                    grid, NULL, &aerr) < 0)
		*err = aerr;
}

static void resident_create(gz_req *r)
{
	if (!gz_api_authenticated(r))
		return;
	gz_err err;
	gz_err_clear(&err);
	json_t *in = gz_req_json(r, &err), *out = NULL;
	gz_db *db = NULL;
	res_state s;
	memset(&s, 0, sizeof s);
	s.gender = s.relation = "";
	unsigned changed = 0;
	/* An ID number is unique in the whole register: registering one compares it with
	 * every resident, so it is charged like a lookup. */
	if (!in || !(db = gz_req_db(r, &err)) ||
	    apply_input(r, db, in, &s, true, false, &changed, &err) < 0 ||
	    check_place(r, db, &s, changed, &err) < 0 ||
	    (s.idn[0] &&
	     gz_ratelimit_pii(gz_req_actor(r), db, "resident.create", 1, false, &err) != 0) ||
	    gz_db_begin(db, &err) < 0)
		goto fail;
	char rid[24];
	json_t *detail = NULL;
	if (write_state(db, &s, &err) < 0 || gz_db_count_add(db, "residents", 1, &err) < 0)
		goto rollback;
	snprintf(rid, sizeof rid, "%lld", (long long)s.id);
	detail = json_pack("{s:o}", "fields", fields_json(changed));
	int rc =
	    gz_audit(gz_req_actor(r), db, "resident.create", "resident", rid, s.grid, detail, &err);
	json_decref(detail);
	if (rc < 0 || !(out = resident_reload(r, db, s.id, false, &err)) ||
	    gz_api_commit(r, db, 201, out, &err) < 0)
		goto rollback;
	sodium_memzero(&s, sizeof s);
	json_decref(in);
	reply_people(r, 201, out);
	return;
rollback:
	json_decref(out);
	gz_db_rollback(db);
	duplicate_audit(r, db, s.grid, &err);
fail:
	sodium_memzero(&s, sizeof s);
	json_decref(in);
	gz_reply_err(r, &err);
}

/* PATCH /residents/{id} (self false) and PATCH /me/resident (self true). */
static void resident_update(gz_req *r, bool self)
{
	if (!gz_api_authenticated(r))
		return;
	gz_err err;
	gz_err_clear(&err);
	json_t *in = gz_req_json(r, &err), *out = NULL;
	gz_db *db = NULL;
	gz_stmt *st = NULL;
	res_state s;
	memset(&s, 0, sizeof s);
	unsigned changed = 0;
	char old_grid[SPACE_CODE_SIZE];
	if (!in || !(db = gz_req_db(r, &err)))
		goto fail;
	int64_t id =
	    self ? ((const gz_auth *)r->auth)->user_id : gz_api_parse_id(gz_req_param(r, "id"));
	if (!id) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto fail;
	}
	/* A new ID number is compared with the whole register (see resident_create). */
	const char *new_idn = json_string_value(json_object_get(in, "id_number"));
	if (!self && new_idn && *new_idn &&
	    gz_ratelimit_pii(gz_req_actor(r), db, "resident.update", 1, false, &err) != 0)
		goto fail;
	/* The whole change happens in one transaction, reading the row inside it. */
	if (gz_db_begin(db, &err) < 0)
		goto fail;
	st = gz_db_prepare(db, self ? sql_res_self : sql_res_one, &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, id);
	int k = step_one(st, &err);
	if (k <= 0) {
		st = NULL;
		if (k == 0)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto rollback;
	}
	state_from_row(st, &s);
	gz_stmt_finish(st);
	st = NULL;
	snprintf(old_grid, sizeof old_grid, "%s", s.grid);
	if (self ? gz_auth_self(r, s.user_id, &err) < 0
	         : gz_auth_check(r, ACT_WRITE, RES_RESIDENT, old_grid, &err) < 0)
		goto rollback;
	if (apply_input(r, db, in, &s, false, self, &changed, &err) < 0 ||
	    (!self && check_place(r, db, &s, changed, &err) < 0))
		goto rollback;
	if (changed) {
		if (write_state(db, &s, &err) < 0)
			goto rollback;
		char rid[24];
		snprintf(rid, sizeof rid, "%lld", (long long)s.id);
		json_t *detail = json_pack("{s:o}", "fields", fields_json(changed));
		if (changed & F_GRID)
			json_object_set_new(detail, "from_grid", json_string(old_grid));
		int rc =
		    gz_audit(gz_req_actor(r), db, self ? "resident.self_update" : "resident.update",
		             "resident", rid, s.grid, detail, &err);
		json_decref(detail);
		if (rc < 0)
			goto rollback;
	}
	if (!(out = resident_reload(r, db, s.id, self, &err)) ||
	    gz_api_commit(r, db, 200, out, &err) < 0)
		goto rollback;
	sodium_memzero(&s, sizeof s);
	json_decref(in);
	reply_people(r, 200, out);
	return;
rollback:
	json_decref(out);
	gz_stmt_finish(st);
	gz_db_rollback(db);
	duplicate_audit(r, db, s.grid, &err);
fail:
	sodium_memzero(&s, sizeof s);
	json_decref(in);
	gz_reply_err(r, &err);
}

static void resident_patch(gz_req *r)
{
	resident_update(r, false);
}

static void me_resident_patch(gz_req *r)
{
	resident_update(r, true);
}

/* GET /me/resident: the caller's own record, masked like any other answer; ?reveal=
 * shows the requested fields in full (no reveal right needed: it is the caller's own
 * data) and, like every reveal, writes the resident.reveal audit row first. The name is
 * the caller's own, in full. */
static void me_resident_get(gz_req *r)
{
	if (!gz_api_authenticated(r))
		return;
	gz_err err;
	gz_err_clear(&err);
	const gz_auth *a = r->auth;
	reveal_ctx rc = {0};
	json_t *o = NULL;
	gz_db *db = NULL;
	gz_stmt *st = NULL;
	if (reveal_parse(r, &rc, &err) < 0 || !(db = gz_req_db(r, &err)) ||
	    !(st = gz_db_prepare(db, sql_res_self, &err)))
		goto fail;
	rc.self = true;
	gz_stmt_bind_int64(st, 1, a->user_id);
	int k = step_one(st, &err);
	if (k <= 0) {
		if (k == 0)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "您的账号尚未关联居民信息");
		goto fail;
	}
	if (gz_auth_self(r, gz_stmt_isnull(st, C_USER) ? 0 : gz_stmt_int64(st, C_USER), &err) < 0) {
		gz_stmt_finish(st);
		goto fail;
	}
	o = resident_json(r, st, &rc);
	gz_stmt_finish(st);
	if (reveal_audit(r, db, &rc, NULL, NULL, NULL, &err) < 0)
		goto fail;
	json_decref(rc.ids);
	reply_people(r, 200, o);
	return;
fail:
	json_decref(o);
	json_decref(rc.ids);
	gz_reply_err(r, &err);
}

/* ================================================================ households (户卡) */

#define HH_COLS                                                                                    \
	"h.id, h.unit_id, h.grid_code, h.address, h.created_at, h.updated_at, (SELECT COUNT(*) "   \
	"FROM residents m WHERE m.household_id = h.id AND m.deleted_at IS NULL), u.number, "       \
	"u.building_id"

static json_t *household_json(gz_stmt *st)
{
	json_t *o = json_pack(
	    "{s:o,s:o,s:s,s:s,s:I,s:o,s:o}", "id", gz_api_id_json(gz_stmt_int64(st, 0)), "unit_id",
	    gz_stmt_isnull(st, 1) ? json_null() : gz_api_id_json(gz_stmt_int64(st, 1)), "grid_code",
	    gz_stmt_text(st, 2), "address", gz_stmt_text(st, 3), "member_count",
	    (json_int_t)gz_stmt_int64(st, 6), "created_at", gz_api_time_json(gz_stmt_int64(st, 4)),
	    "updated_at", gz_api_time_json(gz_stmt_int64(st, 5)));
	if (!gz_stmt_isnull(st, 1))
		json_object_set_new(o, "unit",
		                    json_pack("{s:o,s:s,s:o}", "id",
		                              gz_api_id_json(gz_stmt_int64(st, 1)), "number",
		                              gz_stmt_text(st, 7), "building_id",
		                              gz_api_id_json(gz_stmt_int64(st, 8))));
	else
		json_object_set_new(o, "unit", json_null());
	return o;
}

static json_t *household_row_fn(gz_req *r, gz_stmt *st, int64_t *key)
{
	(void)r;
	*key = gz_stmt_int64(st, 0);
	return household_json(st);
}

static void household_list(gz_req *r)
{
	if (!gz_api_authenticated(r))
		return;
	gz_err err;
	gz_err_clear(&err);
	int64_t unit = 0;
	const char *filter;
	const char *u = gz_req_query(r, "unit");
	if (u && !(unit = gz_api_parse_id(u))) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "unit 无效");
		gz_err_field(&err, "unit", "应为房屋的 id");
	}
	if (err.kind || gz_people_place_filter(r, &filter, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	gz_api_scoped_list(
	    r, &(gz_api_list_query){
	           .sql = "SELECT " HH_COLS " FROM households h LEFT JOIN units u ON u.id = "
	                  "h.unit_id WHERE h.grid_code = $1 AND h.grid_code < $2 AND h.id > $3 "
	                  "AND ($5 = 0 OR h.unit_id = $5) ORDER BY h.id LIMIT $4",
	           .sql_after = "SELECT " HH_COLS " FROM households h LEFT JOIN units u ON u.id = "
	                        "h.unit_id WHERE h.grid_code > $1 AND h.grid_code < $2 AND h.id > "
	                        "$3 AND ($5 = 0 OR h.unit_id = $5) ORDER BY h.grid_code, h.id "
	                        "LIMIT $4",
	           .action = ACT_READ,
	           .res = RES_RESIDENT,
	           .filter = filter,
	           .ints = &unit,
	           .nints = 1,
	           .row = household_row_fn});
}

/* GET /households/{id}: the 户卡 — the household, its unit and its members (head
 * first), each member masked as in the resident list; ?reveal= as there. */
static void household_get(gz_req *r)
{
	if (!gz_api_authenticated(r))
		return;
	gz_err err;
	gz_err_clear(&err);
	reveal_ctx rc = {0};
	json_t *out = NULL;
	gz_db *db = NULL;
	gz_stmt *st = NULL;
	bool snap = false;
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	if (!id) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto fail;
	}
	/* The household and its members from one snapshot, ended before the audit row. */
	if (reveal_setup(r, &rc, &err) < 0 || !(db = gz_req_db(r, &err)) ||
	    !(snap = gz_db_begin_read(db, &err) == 0) ||
	    !(st = gz_db_prepare(db,
	                         "SELECT " HH_COLS " FROM households h LEFT JOIN units u ON u.id = "
	                         "h.unit_id WHERE h.id = $1",
	                         &err)))
		goto fail;
	gz_stmt_bind_int64(st, 1, id);
	int k = step_one(st, &err);
	if (k <= 0) {
		if (k == 0)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto fail;
	}
	char grid[SPACE_CODE_SIZE];
	snprintf(grid, sizeof grid, "%s", gz_stmt_text(st, 2));
	out = household_json(st);
	gz_stmt_finish(st);
	if (gz_auth_check(r, ACT_READ, RES_RESIDENT, grid, &err) < 0 ||
	    (rc.want && gz_auth_check(r, ACT_REVEAL, RES_RESIDENT, grid, &err) < 0)) {
		if (err.kind == GZ_EFORBIDDEN && rc.want)
			gz_err_set(&err, GZ_EFORBIDDEN, "reveal_forbidden",
			           "当前角色无权查看完整的个人信息");
		goto fail;
	}
	st = gz_db_prepare(
	    db,
	    "SELECT " RES_COLS " FROM residents r WHERE r.household_id = $1 AND "
	    "r.deleted_at IS NULL ORDER BY CASE WHEN r.relation = '户主' THEN 0 ELSE 1 "
	    "END, r.id LIMIT 200",
	    &err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, id);
	json_t *members = json_array();
	while ((k = gz_stmt_step(st, &err)) == GZ_ROW)
		json_array_append_new(members, resident_json(r, st, &rc));
	gz_stmt_finish(st);
	json_object_set_new(out, "members", members);
	gz_db_end_read(db);
	snap = false;
	if (k < 0 || reveal_audit(r, db, &rc, NULL, NULL, NULL, &err) < 0)
		goto fail;
	json_decref(rc.ids);
	reply_people(r, 200, out);
	return;
fail:
	if (snap)
		gz_db_end_read(db);
	json_decref(out);
	json_decref(rc.ids);
	gz_reply_err(r, &err);
}

static void household_create(gz_req *r)
{
	if (!gz_api_authenticated(r))
		return;
	gz_err err;
	gz_err_clear(&err);
	json_t *in = gz_req_json(r, &err), *out = NULL;
	gz_db *db = NULL;
	gz_stmt *st = NULL;
	const char *grid = NULL, *unit_s = NULL, *address = "";
	char ugrid[SPACE_CODE_SIZE] = "";
	int64_t unit = 0, id = 0;
	if (!in)
		goto fail;
	gz_json_str(in, "grid_code", GZ_OPTIONAL, 15, 15, &grid, &err);
	gz_json_str(in, "unit_id", GZ_OPTIONAL, 1, 18, &unit_s, &err);
	gz_json_str(in, "address", GZ_OPTIONAL, 0, 200, &address, &err);
	if (unit_s && !(unit = gz_api_parse_id(unit_s)))
		gz_err_field(&err, "unit_id", "应为房屋的 id");
	const char *why;
	if (grid && space_code_check(grid, SPACE_GRID, &why) < 0)
		gz_err_field(&err, "grid_code", "%s", why);
	if (!grid && !unit)
		gz_err_field(&err, "grid_code", "必填（或指定 unit_id）");
	if (gz_json_check(&err) < 0 || !(db = gz_req_db(r, &err)))
		goto fail;
	if (unit) {
		st = gz_db_prepare(db, "SELECT grid_code FROM units WHERE id = $1", &err);
		if (!st)
			goto fail;
		gz_stmt_bind_int64(st, 1, unit);
		int k = gz_stmt_step(st, &err);
		if (k == GZ_ROW)
			snprintf(ugrid, sizeof ugrid, "%s", gz_stmt_text(st, 0));
		gz_stmt_finish(st);
		st = NULL;
		if (k < 0)
			goto fail;
		gz_err ae;
		gz_err_clear(&ae);
		if (!ugrid[0] || gz_auth_check(r, ACT_READ, RES_RESIDENT, ugrid, &ae) < 0)
			gz_err_field(&err, "unit_id", "房屋不存在");
		else if (grid && strcmp(grid, ugrid))
			gz_err_field(&err, "unit_id", "房屋不在该网格内");
		if (gz_json_check(&err) < 0)
			goto fail;
		grid = ugrid;
	}
	if (gz_auth_check(r, ACT_WRITE, RES_RESIDENT, grid, &err) < 0)
		goto fail;
	int64_t one = 0;
	st = gz_db_prepare(db, "SELECT 1 FROM grids WHERE code = $1", &err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, grid);
	int k = gz_stmt_step(st, &err);
	one = k == GZ_ROW;
	gz_stmt_finish(st);
	st = NULL;
	if (k < 0)
		goto fail;
	if (!one) {
		gz_err_field(&err, "grid_code", "网格不存在");
		gz_json_check(&err);
		goto fail;
	}
	int64_t now = gz_time_now_ms();
	if (gz_db_begin(db, &err) < 0)
		goto fail;
	st = gz_db_prepare(db,
	                   "INSERT INTO households (unit_id, grid_code, address, created_at, "
	                   "updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id",
	                   &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_id(st, 1, unit);
	gz_stmt_bind_str(st, 2, grid);
	gz_stmt_bind_str(st, 3, address ? address : "");
	gz_stmt_bind_int64(st, 4, now);
	k = gz_stmt_step(st, &err);
	id = k == GZ_ROW ? gz_stmt_int64(st, 0) : 0;
	gz_stmt_finish(st);
	st = NULL;
	if (!id) {
		if (k >= 0)
			gz_err_set(&err, GZ_EINTERNAL, "internal", "新建的记录读不到");
		goto rollback;
	}
	char rid[24];
	snprintf(rid, sizeof rid, "%lld", (long long)id);
	json_t *detail = json_pack("{s:s}", "grid_code", grid);
	if (unit)
		json_object_set_new(detail, "unit_id", gz_api_id_json(unit));
	int rc = gz_db_count_add(db, "households", 1, &err) < 0
	             ? -1
	             : gz_audit(gz_req_actor(r), db, "household.create", "household", rid, grid,
	                        detail, &err);
	json_decref(detail);
	if (rc < 0 || !(st = gz_db_prepare(db,
	                                   "SELECT " HH_COLS " FROM households h LEFT JOIN units "
	                                   "u ON u.id = h.unit_id WHERE h.id = $1",
	                                   &err)))
		goto rollback;
	gz_stmt_bind_int64(st, 1, id);
	if (step_one(st, &err) != 1) {
		st = NULL; /* step_one() finished it */
		goto rollback;
	}
	out = household_json(st);
	gz_stmt_finish(st);
	st = NULL;
	if (gz_api_commit(r, db, 201, out, &err) < 0)
		goto rollback;
	json_decref(in);
	gz_reply_json(r, 201, out);
	return;
rollback:
	json_decref(out);
	gz_stmt_finish(st);
	gz_db_rollback(db);
fail:
	json_decref(in);
	if (!err.kind)
		gz_err_set(&err, GZ_EINTERNAL, "internal", "新建的记录读不到");
	gz_reply_err(r, &err);
}

/* ================================================================ tags */

static void tag_list(gz_req *r)
{
	if (!gz_api_authenticated(r))
		return;
	gz_err err;
	gz_err_clear(&err);
	json_t *items = json_array();
	size_t n;
	const person_tag *t = person_tags(&n);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, json_pack("{s:s,s:s,s:b,s:b}", "code", t[i].code,
		                                       "label", t[i].label, "sensitive",
		                                       t[i].sensitive, "builtin", 1));
	gz_db *db = gz_req_db(r, &err);
	gz_stmt *st =
	    db ? gz_db_prepare(db,
	                       "SELECT code, label, sensitive FROM resident_tag_defs ORDER "
	                       "BY created_at, code",
	                       &err)
	       : NULL;
	int rc = -1;
	if (st) {
		while ((rc = gz_stmt_step(st, &err)) == GZ_ROW)
			json_array_append_new(
			    items, json_pack("{s:s,s:s,s:b,s:b}", "code", gz_stmt_text(st, 0),
			                     "label", gz_stmt_text(st, 1), "sensitive",
			                     gz_stmt_int64(st, 2) != 0, "builtin", 0));
		gz_stmt_finish(st);
	}
	if (rc < 0) {
		json_decref(items);
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_json(r, 200, json_pack("{s:o,s:n}", "items", items, "next_cursor"));
}

/* POST /resident-tags {code, label, sensitive = true}: a deployment's own tag. Resident
 * admin over the whole system (scope ""). */
static void tag_create(gz_req *r)
{
	if (!gz_api_authenticated(r))
		return;
	gz_err err;
	gz_err_clear(&err);
	json_t *in = gz_req_json(r, &err);
	const char *code = NULL, *label = NULL;
	bool sensitive = true;
	gz_db *db = NULL;
	if (!in)
		goto fail;
	gz_json_str(in, "code", GZ_REQUIRED, 1, 32, &code, &err);
	gz_json_str(in, "label", GZ_REQUIRED, 1, 16, &label, &err);
	gz_json_bool(in, "sensitive", GZ_OPTIONAL, &sensitive, &err);
	if (code && !resident_tag_code_valid(code))
		gz_err_field(&err, "code", "应为 1–32 个小写字母、数字或下划线，以字母开头");
	if ((code && person_tag_find(code)) || (label && person_tag_find(label)))
		gz_err_field(&err, code && person_tag_find(code) ? "code" : "label",
		             "与内置标签重复");
	if (label) {
		size_t a, l;
		if (resident_name_check(label, strlen(label), &a, &l, NULL) < 0 || a ||
		    l != strlen(label) || strpbrk(label, ",; \t") || strstr(label, "、") ||
		    strstr(label, "，") || strstr(label, "；") || strstr(label, "\xe3\x80\x80"))
			gz_err_field(&err, "label", "不能含分隔符（、，,；; 或空格）");
	}
	if (gz_auth_check(r, ACT_ADMIN, RES_RESIDENT, "", &err) < 0 || gz_json_check(&err) < 0 ||
	    !(db = gz_req_db(r, &err)) || gz_db_begin(db, &err) < 0)
		goto fail;
	gz_stmt *st = gz_db_prepare(db,
	                            "INSERT INTO resident_tag_defs (code, label, sensitive, "
	                            "created_at) VALUES ($1, $2, $3, $4)",
	                            &err);
	int rc = -1;
	if (st) {
		gz_stmt_bind_str(st, 1, code);
		gz_stmt_bind_str(st, 2, label);
		gz_stmt_bind_int64(st, 3, sensitive);
		gz_stmt_bind_int64(st, 4, gz_time_now_ms());
		rc = gz_stmt_step(st, &err);
		gz_stmt_finish(st);
	}
	if (rc < 0) {
		gz_db_rollback(db);
		if (err.kind == GZ_ECONFLICT) {
			gz_err_set(&err, GZ_ECONFLICT, "duplicate_tag", "标签代码或名称已存在");
			gz_err_field(&err, "code", "代码或名称已存在");
		}
		goto fail;
	}
	json_t *detail =
	    json_pack("{s:s,s:s,s:b}", "code", code, "label", label, "sensitive", sensitive);
	rc = gz_audit(gz_req_actor(r), db, "resident_tag.create", "resident_tag", code, "", detail,
	              &err);
	json_decref(detail);
	json_t *out = json_pack("{s:s,s:s,s:b,s:b}", "code", code, "label", label, "sensitive",
	                        sensitive, "builtin", 0);
	if (rc < 0 || gz_api_commit(r, db, 201, out, &err) < 0) {
		json_decref(out);
		gz_db_rollback(db);
		goto fail;
	}
	json_decref(in);
	gz_reply_json(r, 201, out);
	return;
fail:
	json_decref(in);
	gz_reply_err(r, &err);
}

/* ================================================================ imports */

static const char *const import_types[] = {
    "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"};

/* The 422: the error shape (SPEC §7) with up to 32 problems as fields, and next to it
 * the full report and where to download it. */
static void reply_import_errors(gz_req *r, gz_db *db, json_t *report, gz_people_kind kind)
{
	gz_err err;
	gz_err_clear(&err);
	long long n = json_integer_value(json_object_get(report, "error_count"));
	gz_err_set(&err, GZ_EINVALID, "import_invalid",
	           "导入未执行：发现 %lld 个问题，没有导入任何%s", n,
	           kind == GZ_PEOPLE_UNITS ? "房屋" : "居民");
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(report, "errors"), i, e)
	{
		if (err.nfields >= GZ_ERR_MAX_FIELDS)
			break;
		json_t *row = json_object_get(e, "row");
		const char *col = json_string_value(json_object_get(e, "column"));
		char key[128];
		if (json_is_integer(row))
			snprintf(key, sizeof key, "rows[%lld]%s%s",
			         (long long)json_integer_value(row), col ? "." : "",
			         col ? col : "");
		else
			snprintf(key, sizeof key, "file");
		gz_err_field(&err, key, "%s", json_string_value(json_object_get(e, "reason")));
	}
	/* Keep the report for download by this user (its own short transaction). */
	gz_err serr;
	gz_err_clear(&serr);
	const gz_auth *a = r->auth;
	char *text = gz_json_dump(report, NULL);
	int64_t id = 0;
	if (text && gz_db_begin(db, &serr) == 0) {
		/* Reports are kept 30 days. */
		gz_stmt *st =
		    gz_db_prepare(db, "DELETE FROM import_reports WHERE created_at < $1", &serr);
		if (st) {
			gz_stmt_bind_int64(st, 1, gz_time_now_ms() - INT64_C(30) * 86400 * 1000);
			gz_stmt_step(st, &serr);
			gz_stmt_finish(st);
		}
		st = gz_db_prepare(db,
		                   "INSERT INTO import_reports (kind, user_id, created_at, rows, "
		                   "error_count, report) VALUES ($1, $2, $3, $4, $5, $6) "
		                   "RETURNING id",
		                   &serr);
		if (st) {
			gz_stmt_bind_str(st, 1, kind == GZ_PEOPLE_UNITS ? "units" : "residents");
			gz_stmt_bind_int64(st, 2, a->user_id);
			gz_stmt_bind_int64(st, 3, gz_time_now_ms());
			gz_stmt_bind_int64(st, 4,
			                   json_integer_value(json_object_get(report, "rows")));
			gz_stmt_bind_int64(st, 5, n);
			gz_stmt_bind_str(st, 6, text);
			if (gz_stmt_step(st, &serr) == GZ_ROW)
				id = gz_stmt_int64(st, 0);
			gz_stmt_finish(st);
		}
		if (!id || gz_db_commit(db, &serr) < 0) {
			gz_db_rollback(db);
			id = 0;
		}
	}
	free(text);
	if (id) {
		char path[80];
		json_object_set_new(report, "report_id", gz_api_id_json(id));
		snprintf(path, sizeof path, "/api/v1/imports/%lld/report.xlsx", (long long)id);
		json_object_set_new(report, "report_url", json_string(path));
	} else {
		gz_log_warn("people: import report not stored: %s", serr.message);
		json_object_set_new(report, "report_id", json_null());
		json_object_set_new(report, "report_url", json_null());
	}
	gz_reply_err_extra(r, &err, report);
}

void gz_people_import_reply(gz_req *r, gz_people_kind kind)
{
	if (!gz_api_authenticated(r))
		return;
	gz_err err;
	gz_err_clear(&err);
	int which;
	size_t len;
	const char *body = gz_req_body_of_type(r, import_types, 2, &which, &len, &err);
	gz_db *db = body ? gz_req_db(r, &err) : NULL;
	const char *dr = gz_req_query(r, "dry_run");
	bool dry_run = dr && (!strcmp(dr, "1") || !strcmp(dr, "true"));
	json_t *report = NULL;
	if (!db ||
	    gz_people_import(db, gz_req_actor(r), kind, body, len, dry_run, &report, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	if (!json_is_true(json_object_get(report, "ok"))) {
		reply_import_errors(r, db, report, kind);
		json_decref(report);
		return;
	}
	long long created = json_integer_value(json_object_get(report, "created"));
	gz_reply_json(r, !dry_run && created > 0 ? 201 : 200, report);
}

static void resident_import(gz_req *r)
{
	gz_people_import_reply(r, GZ_PEOPLE_RESIDENTS);
}

/* GET /imports/{id}/report.xlsx: the problems of an import, for the user who ran it. */
static void import_report(gz_req *r)
{
	if (!gz_api_authenticated(r))
		return;
	gz_err err;
	gz_err_clear(&err);
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	gz_db *db = gz_req_db(r, &err);
	gz_stmt *st = db && id ? gz_db_prepare(db,
	                                       "SELECT user_id, report, kind FROM import_reports "
	                                       "WHERE id = $1",
	                                       &err)
	                       : NULL;
	if (!st) {
		if (!err.kind)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		gz_reply_err(r, &err);
		return;
	}
	gz_stmt_bind_int64(st, 1, id);
	int k = step_one(st, &err);
	json_t *report = NULL;
	char kind[16] = "";
	if (k == 1) {
		if (gz_auth_self(r, gz_stmt_isnull(st, 0) ? 0 : gz_stmt_int64(st, 0), &err) == 0) {
			report = json_loadb(gz_stmt_text(st, 1), gz_stmt_len(st, 1), 0, NULL);
			snprintf(kind, sizeof kind, "%s", gz_stmt_text(st, 2));
		}
		gz_stmt_finish(st);
	} else if (k == 0) {
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
	}
	unsigned char *bytes = NULL;
	size_t n = 0;
	if (!report || gz_people_report_xlsx(report, NULL, &bytes, &n, &err) < 0) {
		json_decref(report);
		if (!err.kind)
			gz_err_set(&err, GZ_EINTERNAL, "internal", "报告无法读取");
		gz_reply_err(r, &err);
		return;
	}
	json_decref(report);
	char cd[128];
	snprintf(cd, sizeof cd, "attachment; filename=\"import-%lld-%s-errors.xlsx\"",
	         (long long)id, kind);
	gz_reply_header(r, "Content-Disposition", cd);
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_raw(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	             (const char *)bytes, n);
	free(bytes);
}

/* ================================================================ export */

typedef struct {
	gz_req *r;
	gz_db *db;
	const char *sql;
	const char *const *scopes;
	int ns, si;
	const char *filter;
	list_ctx lc;
	gz_stmt *st;
	json_t *custom; /* configured tags: code -> label */
	json_t *cur;    /* the row being written */
	char tags[RESIDENT_TAGS_MAX * 104];
} export_ctx;

static const char *str_or_empty(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "";
}

/* Rows for the export, range after range, each row masked exactly as the list shows it
 * (resident_json without reveal). */
static int export_row(void *ctx, const char **cells, gz_err *err)
{
	export_ctx *x = ctx;
	for (;;) {
		if (!x->st) {
			char lo[GZ_SCOPE_MAX + 2], hi[GZ_SCOPE_MAX + 2];
			while (x->si < x->ns &&
			       !gz_api_scope_range(x->scopes[x->si], x->filter, lo, hi))
				x->si++;
			if (x->si >= x->ns)
				return 0;
			x->si++;
			x->st = gz_db_prepare(x->db, x->sql, err);
			if (!x->st)
				return -1;
			gz_stmt_bind_str(x->st, 1, lo);
			gz_stmt_bind_str(x->st, 2, hi);
			gz_stmt_bind_int64(x->st, 3, 0);
			gz_stmt_bind_int64(x->st, 4, GZ_XLSX_MAX_DATA_ROWS + 1);
			bind_list(x->st, &x->lc);
		}
		int rc = gz_stmt_step(x->st, err);
		if (rc == GZ_ROW)
			break;
		gz_stmt_finish(x->st);
		x->st = NULL;
		if (rc < 0)
			return -1;
	}
	json_decref(x->cur);
	x->cur = resident_json(x->r, x->st, NULL);
	size_t n = 0, i;
	json_t *t;
	x->tags[0] = '\0';
	json_array_foreach(json_object_get(x->cur, "tags"), i, t)
	{
		const char *code = json_string_value(t);
		const person_tag *pt = person_tag_find(code);
		const char *label =
		    pt ? pt->label : json_string_value(json_object_get(x->custom, code));
		n += (size_t)snprintf(x->tags + n, n < sizeof x->tags ? sizeof x->tags - n : 0,
		                      "%s%s", n ? "、" : "", label ? label : code);
		if (n >= sizeof x->tags)
			break;
	}
	cells[0] = str_or_empty(x->cur, "name");
	cells[1] = str_or_empty(x->cur, "gender");
	cells[2] = str_or_empty(x->cur, "age_group");
	cells[3] = str_or_empty(x->cur, "phone");
	cells[4] = str_or_empty(x->cur, "id_number");
	cells[5] = str_or_empty(x->cur, "grid_code");
	cells[6] = str_or_empty(x->cur, "household_id");
	cells[7] = str_or_empty(x->cur, "relation");
	cells[8] = x->tags;
	return 1;
}

/* GET /residents/export.xlsx?grid=&community=&street=&household=&q=&tag=: every resident
 * the caller may list, masked as on screen (no reveal; sensitive-tag filters are
 * refused), audited as "resident.export". */
static void resident_export(gz_req *r)
{
	if (!gz_api_authenticated(r))
		return;
	gz_err err;
	gz_err_clear(&err);
	export_ctx x = {.r = r};
	const char *scopes[GZ_AUTH_MAX_GRANTS];
	char tag_code[40] = "", tag_key[GZ_PEOPLE_TAG_KEY_SIZE] = "";
	bool tag_sensitive = false;
	if (gz_req_query(r, "reveal") || gz_req_query(r, "phone") || gz_req_query(r, "id_number")) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query",
		           "导出始终脱敏，不支持 reveal、phone、id_number");
		goto fail;
	}
	if (gz_people_place_filter(r, &x.filter, &err) < 0 ||
	    (x.ns = gz_auth_scopes(r, ACT_READ, RES_RESIDENT, scopes, GZ_AUTH_MAX_GRANTS, &err)) <
	        0 ||
	    !(x.db = gz_req_db(r, &err)) ||
	    list_filters(r, x.db, &x.lc, tag_code, &tag_sensitive, tag_key, &err) < 0)
		goto fail;
	if (tag_sensitive) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "导出不支持按敏感标签筛选");
		gz_err_field(&err, "tag", "敏感标签");
		goto fail;
	}
	x.scopes = scopes;
	x.sql = x.lc.tag_key ? sql_res_export_tag : sql_res_export;
	x.custom = json_object();
	gz_stmt *st = gz_db_prepare(x.db, "SELECT code, label FROM resident_tag_defs", &err);
	if (!st)
		goto fail;
	int k;
	while ((k = gz_stmt_step(st, &err)) == GZ_ROW)
		json_object_set_new(x.custom, gz_stmt_text(st, 0),
		                    json_string(gz_stmt_text(st, 1)));
	gz_stmt_finish(st);
	if (k < 0)
		goto fail;
	char scope[SPACE_CODE_SIZE] = "";
	if (x.filter && strcmp(x.filter, "x"))
		snprintf(scope, sizeof scope, "%s", x.filter);
	else if (x.ns) {
		snprintf(scope, sizeof scope, "%s", scopes[0]);
		for (int i = 1; i < x.ns; i++) {
			char tmp[SPACE_CODE_SIZE];
			policy_scope_common(scope, scopes[i], tmp, sizeof tmp);
			memcpy(scope, tmp, sizeof tmp);
		}
	}
	json_t *filters = json_object();
	static const char *const fq[] = {"grid", "community", "street", "household", "q", "tag"};
	for (size_t i = 0; i < sizeof fq / sizeof fq[0]; i++)
		if (gz_req_query(r, fq[i]) && strcmp(fq[i], "q"))
			json_object_set_new(filters, fq[i], json_string(gz_req_query(r, fq[i])));
	if (x.lc.q && *x.lc.q)
		json_object_set_new(filters, "q", json_true()); /* a name prefix: not recorded */
	json_t *detail = json_pack("{s:o}", "filters", filters);
	static const char *const header[] = {"姓名",     "性别", "年龄段",     "手机号", "身份证号",
	                                     "网格编码", "户",   "与户主关系", "标签"};
	gz_people_reply_xlsx(r, x.db, "residents.xlsx", header, 9, export_row, &x, NULL,
	                     "resident.export", scope, detail);
	json_decref(detail);
	gz_stmt_finish(x.st);
	json_decref(x.cur);
	json_decref(x.custom);
	return;
fail:
	json_decref(x.custom);
	gz_reply_err(r, &err);
}

/* ================================================================ routes */

const gz_module_route gz_people_resident_routes[] = {
    {"GET", "/api/v1/residents", resident_list, 0, 0},
    {"POST", "/api/v1/residents", resident_create, 0, 0},
    {"POST", "/api/v1/residents/import", resident_import, 0, GZ_PEOPLE_IMPORT_MAX_BYTES},
    {"GET", "/api/v1/residents/export.xlsx", resident_export, 0, 0},
    {"GET", "/api/v1/residents/{id}", resident_get, 0, 0},
    {"PATCH", "/api/v1/residents/{id}", resident_patch, 0, 0},
    {"GET", "/api/v1/households", household_list, 0, 0},
    {"POST", "/api/v1/households", household_create, 0, 0},
    {"GET", "/api/v1/households/{id}", household_get, 0, 0},
    {"GET", "/api/v1/me/resident", me_resident_get, 0, 0},
    {"PATCH", "/api/v1/me/resident", me_resident_patch, 0, 0},
    {"GET", "/api/v1/resident-tags", tag_list, 0, 0},
    {"POST", "/api/v1/resident-tags", tag_create, 0, 0},
    {"GET", "/api/v1/imports/{id}/report.xlsx", import_report, 0, 0},
    {0},
};
