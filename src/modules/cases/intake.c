/* Intake (信息收集 → 案卷建立): POST /api/v1/cases and gz_case_create (cases.h), shared
 * with the demo loader. A resident reports for themself anywhere inside the grids;
 * staff register hotline calls, patrol findings and assignments from above in the
 * places they write; a grid worker may record a patrol finding as handled at once
 * (自行处置). */
#include "modules/cases/cases_internal.h"
#include "api/common.h"
#include "core/crypto.h"
#include "core/json.h"
#include "core/time.h"
#include "modules/people/person.h"
#include "modules/space/space.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

typedef struct {
	const char *category, *description, *request_type_s, *address, *source_s;
	const char *reporter_name, *phone_in, *handled_note, *external_id, *grid_in;
	json_t *photos, *handled_photos; /* borrowed from the body */
	int request_type, source;
	bool anonymous, self_handled, has_point;
	double lat, lng;
	int64_t building_id, reporter_user_id;
	char phone[PERSON_PHONE_MAX];
} intake;

/* Every field of the body; every problem is added to err. */
static void parse(const gz_actor *a, json_t *in, bool open311, intake *x, gz_err *err)
{
	case_str_field(in, "category", GZ_REQUIRED, 1, CASE_CODE_MAX, &x->category, err);
	case_str_field(in, "description", GZ_REQUIRED, 1, CASE_DESCRIPTION_MAX, &x->description,
	               err);
	x->request_type = CASE_TYPE_COMPLAINT;
	if (case_str_field(in, "request_type", GZ_OPTIONAL, 1, 32, &x->request_type_s, err) == 0 &&
	    x->request_type_s && (x->request_type = case_request_type_parse(x->request_type_s)) < 0)
		gz_err_field(err, "request_type",
		             "应为 咨询、求助、投诉、举报、建议 之一（或其代码）");
	case_str_field(in, "address", GZ_OPTIONAL, 0, CASE_ADDRESS_MAX, &x->address, err);
	x->source = open311 ? CASE_SRC_OPEN311 : CASE_SRC_RESIDENT;
	if (!open311 && case_str_field(in, "source", GZ_OPTIONAL, 1, 32, &x->source_s, err) == 0 &&
	    x->source_s &&
	    ((x->source = case_source_parse(x->source_s)) < 0 || x->source == CASE_SRC_OPEN311))
		gz_err_field(err, "source", "应为 resident、hotline、patrol、assigned 之一");
	gz_json_bool(in, "anonymous", GZ_OPTIONAL, &x->anonymous, err);
	gz_json_bool(in, "self_handled", GZ_OPTIONAL, &x->self_handled, err);
	case_str_field(in, "handled_note", GZ_OPTIONAL, 1, CASE_NOTE_MAX, &x->handled_note, err);
	if (x->self_handled && !x->handled_note)
		gz_err_field(err, "handled_note", "自行处置需要填写处置情况");
	if (x->self_handled && x->source != CASE_SRC_PATROL)
		gz_err_field(err, "self_handled", "只有网格巡查（source: patrol）可以自行处置");
	if (!x->self_handled && x->handled_note)
		gz_err_field(err, "handled_note", "只有自行处置时填写");
	case_photos_parse(in, "photos", &x->photos, err);
	case_photos_parse(in, "handled_photos", &x->handled_photos, err);
	if (x->handled_photos && !x->self_handled)
		gz_err_field(err, "handled_photos", "只有自行处置时上传处置后照片");
	case_str_field(in, "external_id", GZ_OPTIONAL, 1, CASE_EXTERNAL_MAX, &x->external_id, err);

	/* Where: exactly one of a point, a building, a grid (staff registering a call). */
	json_t *loc = json_object_get(in, "location");
	int places = 0;
	if (loc && !json_is_null(loc)) {
		places++;
		if (!json_is_object(loc)) {
			gz_err_field(err, "location", "应为 {\"lat\": 纬度, \"lng\": 经度}");
		} else {
			gz_err e;
			gz_err_clear(&e);
			gz_json_double(loc, "lat", GZ_REQUIRED, -90, 90, &x->lat, &e);
			gz_json_double(loc, "lng", GZ_REQUIRED, -180, 180, &x->lng, &e);
			for (int i = 0; i < e.nfields; i++)
				gz_err_field(err, "location", "%s: %s", e.fields[i].name,
				             e.fields[i].why);
			x->has_point = e.nfields == 0;
		}
	}
	if (case_id_field(in, "building_id", GZ_OPTIONAL, &x->building_id, err) == 0 &&
	    x->building_id)
		places++;
	if (case_str_field(in, "grid_code", GZ_OPTIONAL, 15, 15, &x->grid_in, err) == 0 &&
	    x->grid_in) {
		places++;
		const char *why;
		if (space_code_check(x->grid_in, SPACE_GRID, &why) < 0)
			gz_err_field(err, "grid_code", "%s", why);
	}
	if (places == 0)
		gz_err_field(err, "location",
		             "必填：位置（location）、楼栋（building_id）或网格（grid_code）之一");
	else if (places > 1)
		gz_err_field(err, "location", "位置、楼栋、网格只填一种");

	json_t *rep = json_object_get(in, "reporter");
	if (rep && !json_is_null(rep)) {
		if (!json_is_object(rep)) {
			gz_err_field(err, "reporter", "应为 {\"name\": 姓名, \"phone\": 电话}");
		} else {
			gz_err e;
			gz_err_clear(&e);
			case_str_field(rep, "name", GZ_OPTIONAL, 1, CASE_NAME_MAX,
			               &x->reporter_name, &e);
			if (case_str_field(rep, "phone", GZ_OPTIONAL, 1, 32, &x->phone_in, &e) ==
			        0 &&
			    x->phone_in) {
				gz_err pe;
				gz_err_clear(&pe);
				if (person_phone_check(x->phone_in, x->phone, NULL, &pe) < 0)
					gz_err_field(&e, "phone", "%s", pe.message);
			}
			for (int i = 0; i < e.nfields; i++)
				gz_err_field(err, "reporter", "%s: %s", e.fields[i].name,
				             e.fields[i].why);
		}
	}
	/* The command line (the demo) may say which account reported. */
	if (open311)
		x->reporter_user_id = 0; /* a client application, no account */
	else if (gz_actor_is_operator(a))
		case_id_field(in, "reporter_user_id", GZ_OPTIONAL, &x->reporter_user_id, err);
	else
		x->reporter_user_id =
		    x->source == CASE_SRC_RESIDENT || x->source == CASE_SRC_PATROL ? a->user_id : 0;
}

/* The grid of the place given: 1 found, 0 outside every grid / no such building or grid
 * (field error added), -1 database error. lng7/lat7 get the point when there is one. */
static int locate(gz_db *db, intake *x, char grid[SPACE_CODE_SIZE], int64_t *lng7, int64_t *lat7,
                  bool *has_point, gz_err *err)
{
	*has_point = false;
	if (x->has_point) {
		*lng7 = llround(x->lng * 1e7);
		*lat7 = llround(x->lat * 1e7);
		*has_point = true;
		int rc = gz_space_locate(db, (double)*lng7 / 1e7, (double)*lat7 / 1e7, grid, err);
		if (rc == 0) {
			gz_err_set(err, GZ_EINVALID, "outside_grids", "位置不在任何网格内");
			gz_err_field(err, "location", "位置不在任何网格内");
		}
		return rc;
	}
	gz_stmt *st;
	if (x->building_id) {
		st = gz_db_prepare(
		    db, "SELECT grid_code, lng_e7, lat_e7 FROM buildings WHERE id = $1", err);
		if (!st)
			return -1;
		gz_stmt_bind_int64(st, 1, x->building_id);
	} else {
		st = gz_db_prepare(db, "SELECT code, NULL, NULL FROM grids WHERE code = $1", err);
		if (!st)
			return -1;
		gz_stmt_bind_str(st, 1, x->grid_in);
	}
	int rc = gz_stmt_step(st, err);
	bool found = rc == GZ_ROW && !gz_stmt_isnull(st, 0);
	if (found) {
		snprintf(grid, SPACE_CODE_SIZE, "%s", gz_stmt_text(st, 0));
		if (!gz_stmt_isnull(st, 1)) {
			*lng7 = gz_stmt_int64(st, 1);
			*lat7 = gz_stmt_int64(st, 2);
			*has_point = true;
		}
	}
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	if (!found)
		gz_err_field(err, x->building_id ? "building_id" : "grid_code",
		             x->building_id ? "楼栋不存在或不在任何网格内" : "网格不存在");
	return found;
}

/* The account's display name (or username), for a resident's own report. */
static const char *account_name(gz_db *db, gz_arena *A, int64_t user, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT COALESCE(NULLIF(display_name, ''), username) FROM users WHERE id = $1",
	    err);
	if (!st)
		return NULL;
	gz_stmt_bind_int64(st, 1, user);
	const char *name = NULL;
	if (gz_stmt_step(st, err) == GZ_ROW)
		name = gz_arena_strdup(A, gz_stmt_text(st, 0));
	gz_stmt_finish(st);
	return name;
}

/* ?duplicates=1 (or true) on the request. */
static bool wants_duplicates(const gz_actor *a)
{
	const char *q = a->req ? gz_req_query(a->req, "duplicates") : NULL;
	return q && (!strcmp(q, "1") || !strcmp(q, "true"));
}

int gz_case_create(gz_db *db, const gz_actor *a, json_t *in, int64_t at, json_t **outp,
                   gz_err *errp)
{
	return case_intake(db, a, in, at, false, outp, errp);
}

int case_intake(gz_db *db, const gz_actor *a, json_t *in, int64_t at, bool open311, json_t **outp,
                gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	if (!a)
		return gz_err_set(errp, GZ_EINTERNAL, "no_actor", "没有操作者");
	gz_arena local = {0}, *A = a->req ? &a->req->arena : &local;
	json_t *out = NULL;
	intake x = {0};
	parse(a, in, open311, &x, &err);
	if (gz_json_check(&err) < 0 || !(db || (db = gz_req_db(a->req, &err))))
		goto fail;
	const gz_crypto *crypto = gz_crypto_global();
	if (*x.phone && !crypto) {
		gz_err_set(&err, GZ_EUNAVAILABLE, "crypto_unavailable",
		           "服务器未配置加密密钥，无法保存电话号码");
		goto fail;
	}
	/* The locator reads outside the transaction (it may rebuild its index). */
	char grid[SPACE_CODE_SIZE] = "";
	int64_t lng7 = 0, lat7 = 0;
	bool has_point = false;
	if (x.has_point) {
		int rc = locate(db, &x, grid, &lng7, &lat7, &has_point, &err);
		if (rc <= 0)
			goto fail;
	}
	if (gz_db_begin(db, &err) < 0)
		goto fail;
	if (!x.has_point) {
		int rc = locate(db, &x, grid, &lng7, &lat7, &has_point, &err);
		if (rc < 0)
			goto rollback;
		if (rc == 0) {
			gz_json_check(&err);
			goto rollback;
		}
	}
	/* Who may register here. */
	bool grid_worker = false;
	if (!gz_actor_is_operator(a) && x.source != CASE_SRC_RESIDENT &&
	    x.source != CASE_SRC_OPEN311) {
		case_grant *g;
		int n = case_grants_of(a, A, &g);
		int status = case_may_register(g, n, grid, RES_CASE, &grid_worker);
		if (status == 404) {
			gz_err_set(&err, GZ_ENOTFOUND, "not_found",
			           "网格不存在或不在您的管辖范围内");
			goto rollback;
		}
		if (status == 403) {
			gz_err_set(&err, GZ_EFORBIDDEN, "forbidden", "您不能在该网格登记诉求");
			goto rollback;
		}
		if (x.self_handled && !grid_worker) {
			gz_err_set(&err, GZ_EFORBIDDEN, "forbidden",
			           "只有本网格的网格员可以自行处置");
			goto rollback;
		}
	}
	case_category cat;
	int rc = case_category_by_code(db, x.category, &cat, &err);
	if (rc < 0)
		goto rollback;
	if (!rc || !cat.parent_id || !cat.active) {
		gz_err_field(&err, "category", rc && !cat.parent_id ? "请选择小类" : "未知的类别");
		gz_json_check(&err);
		goto rollback;
	}
	const char *name = x.reporter_name;
	if (!name && x.reporter_user_id &&
	    !(name = account_name(db, A, x.reporter_user_id, &err))) {
		if (!err.kind)
			gz_err_set(&err, GZ_EINVALID, "invalid_fields", "反映人账号不存在");
		goto rollback;
	}
	int64_t now = at ? at : gz_time_now_ms();
	case_calendar cal;
	if (case_calendar_load(db, A, case_local_day(now), &cal, &err) < 0)
		goto rollback;
	int64_t step_due = case_step_deadline(&cat, &cal, CASE_STEP_ACCEPT, now);

	uint8_t enc[GZ_CRYPTO_SEALED_LEN(PERSON_PHONE_MAX)];
	size_t enc_n = 0;
	if (*x.phone) {
		enc_n = GZ_CRYPTO_SEALED_LEN(strlen(x.phone));
		gz_crypto_seal(crypto, (const uint8_t *)x.phone, strlen(x.phone), enc);
		sodium_memzero(x.phone, sizeof x.phone);
	}
	gz_stmt *st = gz_db_prepare(
	    db,
	    "INSERT INTO cases (grid_code, category_id, request_type, source, state, description, "
	    "address, building_id, lng_e7, lat_e7, reporter_user_id, reporter_name, "
	    "reporter_phone_enc, anonymous, step_due_at, reported_at, external_id, created_at, "
	    "updated_at) VALUES ($1, $2, $3, $4, 'reported', $5, $6, $7, $8, $9, $10, $11, $12, "
	    "$13, $14, $15, $16, $15, $15) RETURNING id",
	    &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_str(st, 1, grid);
	gz_stmt_bind_int64(st, 2, cat.id);
	gz_stmt_bind_str(st, 3, case_request_type_code((case_request_type)x.request_type));
	gz_stmt_bind_str(st, 4, case_source_code((case_source)x.source));
	gz_stmt_bind_str(st, 5, x.description);
	gz_stmt_bind_str(st, 6, x.address ? x.address : "");
	gz_stmt_bind_id(st, 7, x.building_id);
	if (has_point) {
		gz_stmt_bind_int64(st, 8, lng7);
		gz_stmt_bind_int64(st, 9, lat7);
	} else {
		gz_stmt_bind_null(st, 8);
		gz_stmt_bind_null(st, 9);
	}
	gz_stmt_bind_id(st, 10, x.reporter_user_id);
	gz_stmt_bind_str(st, 11, name);
	if (enc_n)
		gz_stmt_bind_blob(st, 12, enc, enc_n);
	else
		gz_stmt_bind_null(st, 12);
	gz_stmt_bind_int64(st, 13, x.anonymous);
	if (step_due)
		gz_stmt_bind_int64(st, 14, step_due);
	else
		gz_stmt_bind_null(st, 14);
	gz_stmt_bind_int64(st, 15, now);
	gz_stmt_bind_str(st, 16, x.external_id);
	int64_t id = 0;
	rc = gz_stmt_step_id(st, &id, &err);
	gz_stmt_finish(st);
	if (rc < 0 || !id) {
		if (err.kind == GZ_ECONFLICT) {
			/* A foreign key: the reporter account does not exist. */
			gz_err_set(&err, GZ_EINVALID, "invalid_fields", "引用的记录不存在");
			gz_err_field(&err, "reporter_user_id", "账号不存在");
		}
		goto rollback;
	}
	case_row c;
	if ((rc = case_load(db, A, id, &c, &err)) <= 0)
		goto rollback;
	unsigned role = x.source == CASE_SRC_RESIDENT || x.source == CASE_SRC_OPEN311 ? CR_REPORTER
	                : x.source == CASE_SRC_PATROL                                 ? CR_PATROL
	                                              : CR_DISPATCHER;
	json_t *detail = json_pack("{s:s,s:s}", "source", case_source_code((case_source)x.source),
	                           "category", cat.code);
	json_t *att = NULL;
	rc = case_photos_attach(db, a, id, "photos", x.photos, &att, &err);
	if (rc == 0)
		rc = case_event_add_att(db, a, &c, "report", CASE__STATES, CASE_REPORTED, role, 0,
		                        0, "", detail, att, now, &err);
	json_decref(att);
	att = NULL;
	if (rc == 0 && x.self_handled) {
		/* 自行处置: handled on the spot and closed in the same transaction. */
		gz_stmt *u = gz_db_prepare(db,
		                           "UPDATE cases SET state = 'closed', self_handled = 1, "
		                           "step_due_at = NULL, handled_at = $2, closed_at = $2, "
		                           "due_at = $2, version = version + 1 WHERE id = $1",
		                           &err);
		rc = u ? 0 : -1;
		if (u) {
			gz_stmt_bind_int64(u, 1, id);
			gz_stmt_bind_int64(u, 2, now);
			rc = gz_stmt_step(u, &err) < 0 ? -1 : 0;
			gz_stmt_finish(u);
		}
		if (rc == 0)
			rc = case_photos_attach(db, a, id, "handled_photos", x.handled_photos, &att,
			                        &err);
		if (rc == 0)
			rc = case_event_add_att(db, a, &c, "self_handle", CASE_REPORTED,
			                        CASE_CLOSED, CR_PATROL, 0, 0, x.handled_note, NULL,
			                        att, now, &err);
		json_decref(att);
		json_object_set_new(detail, "self_handled", json_true());
	}
	if (rc == 0)
		rc = case_audit(a, db, "case.create", id, grid, detail, &err);
	json_decref(detail);
	if (rc < 0 || gz_db_count_add(db, "cases", 1, &err) < 0 ||
	    case_grid_touch(db, grid, &err) < 0)
		goto rollback;
	case_access acc;
	/* Only self-handling changed the row since it was loaded after the INSERT. */
	if ((x.self_handled && case_load(db, A, id, &c, &err) <= 0) ||
	    case_access_for(a, db, A, &c, &acc, &err) < 0 ||
	    case_notify_created(db, a, A, &c, &err) < 0)
		goto rollback;
	out = case_json(&c, &acc, true, false);
	if ((x.source == CASE_SRC_HOTLINE || x.source == CASE_SRC_PATROL ||
	     x.source == CASE_SRC_ASSIGNED) &&
	    wants_duplicates(a)) {
		/* The staff registering it see the open cases it may duplicate (merge), when
		 * they ask: reading and answering ten cases costs more than the intake itself,
		 * and the web's case page reads them from GET /cases/{id}/duplicates. */
		json_t *dups = NULL;
		if (!x.self_handled && case_duplicates(db, a, A, &c, &dups, &err) < 0)
			goto rollback;
		json_object_set_new(out, "duplicates", dups ? dups : json_array());
	}
	if (gz_api_commit(a->req, db, 201, out, &err) < 0)
		goto rollback;
	gz_arena_free(&local);
	*outp = out;
	return 0;
rollback:
	gz_db_rollback(db);
fail:
	if (!err.kind)
		gz_err_set(&err, GZ_EINTERNAL, "internal", "登记诉求失败");
	json_decref(out);
	gz_arena_free(&local);
	*errp = err;
	return -1;
}
