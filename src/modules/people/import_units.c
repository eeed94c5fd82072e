/* The units import: units and their owners, one thread (a community has thousands). */
#include "api/ratelimit.h"
#include "core/decimal.h"
#include "modules/people/import_internal.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/time.h"
#include "core/utf8.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ units */

int gz_people_resident_by_id_key(const gz_actor *a, gz_db *db, const uint8_t *h, int64_t *out,
                                 gz_err *err)
{
	*out = 0;
	gz_stmt *st = gz_db_prepare(db, people_sql_idkey_exists, err);
	if (!st)
		return -1;
	gz_stmt_bind_blob(st, 1, h, GZ_PEOPLE_KEY_BYTES);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW && !gz_stmt_isnull(st, 1)) {
		gz_err e;
		gz_err_clear(&e);
		if (gz_actor_check(a, ACT_READ, RES_RESIDENT, gz_stmt_text(st, 1), &e) == 0)
			*out = gz_stmt_int64(st, 0);
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

typedef struct {
	size_t row;
	int64_t building, unit_id;
	int grid;
	char room[65];
	int64_t area;
	bool sold;
	size_t first_row;  /* the row that defined the unit */
	size_t last_owner; /* 1 + index in owners[] of its latest owner; 0 = none yet */
} unit_rec;

typedef struct {
	size_t unit; /* index in units[] */
	char key[300];
	char name[260];
	uint8_t id_hash[GZ_CRYPTO_LOOKUP_BYTES];
	bool has_id;
	size_t row;
	size_t prev; /* 1 + index of the same unit's previous owner; 0 = none */
} owner_rec;

static bool parse_sold(const char *s, size_t n, bool *out)
{
	static const char *const yes[] = {"是", "已售", "1", "Y", "y", "TRUE", "true", "True"};
	static const char *const no[] = {"否", "未售", "0", "N", "n", "FALSE", "false", "False"};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		if (strlen(yes[i]) == n && !memcmp(yes[i], s, n))
			return (*out = true), true;
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		if (strlen(no[i]) == n && !memcmp(no[i], s, n))
			return (*out = false), true;
	return false;
}

int people_import_units(gz_db *db, const gz_actor *a, const char *buf, size_t len, bool dry_run,
                        json_t **report, gz_err *err)
{
	const gz_crypto *crypto = gz_crypto_global();
	gridset grids = {0};
	header_t h = {0};
	problems p = {.keep = GZ_PEOPLE_IMPORT_MAX_ERRORS_REPORT};
	places pl = {.db = db, .grids = &grids};
	smap seen = {0}; /* "building|room" -> index in units */
	unit_rec *units = NULL;
	owner_rec *owners = NULL;
	size_t nunits = 0, nowners = 0, rows = 0, units_cap = 0, owners_cap = 0;
	bool xlsx = false, in_tx = false;
	int64_t now = gz_time_now_ms(), created = 0, owners_created = 0;
	gz_table *t = NULL;
	span sp = {{0}, {0}};
	int ret = -1;

	if (!crypto) {
		gz_err_set(err, GZ_EINTERNAL, "crypto_unavailable", "服务器未加载个人信息加密密钥");
		goto out;
	}
	if (people_gridset_load(db, a, &grids, err) < 0)
		goto out;
	gz_err terr;
	gz_err_clear(&terr);
	t = people_table_open(buf, len, &xlsx, &terr);
	int hrc = t ? people_header_read(t, people_unit_cols, UC__COUNT, &h, &p, &terr) : -1;
	if (hrc < 0) {
		people_file_problem(&p, t ? &h : NULL, &terr);
		goto report;
	}
	if (hrc == 0) {
		people_problem_add(&p, 1, NULL, "文件为空");
		goto report;
	}
	static const int required[] = {UC_BUILDING, UC_ROOM, UC_AREA};
	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
		if (h.col[required[i]] < 0)
			people_missing_col(&p, &h, people_unit_cols, required[i], "缺少必需的列");
	if (p.count)
		goto report;

	if (!dry_run) {
		if (gz_db_begin(db, err) < 0)
			goto out;
		in_tx = true;
	}

	gz_row row;
	int rc;
	while ((rc = gz_table_next(t, &row, &terr)) == 1) {
		if (gz_row_blank(&row))
			continue;
		rows++;
		size_t rn = row.sheet_row, before = p.count;
		if (!people_row_fits(&h, &row)) {
			people_problem_add(&p, rn, NULL, "列数（%zu）与表头（%zu）不一致",
			                   row.ncols, h.ncols);
			continue;
		}
		cellv grid = people_cell_of(&h, &row, UC_GRID),
		      bld = people_cell_of(&h, &row, UC_BUILDING),
		      room = people_cell_of(&h, &row, UC_ROOM),
		      area = people_cell_of(&h, &row, UC_AREA),
		      sold = people_cell_of(&h, &row, UC_SOLD),
		      owner = people_cell_of(&h, &row, UC_OWNER),
		      oid = people_cell_of(&h, &row, UC_OWNER_ID);
		int gi = -1;
		if (grid.n) {
			gi = people_gridset_find(&grids, grid.p, grid.n);
			if (gi < 0)
				people_problem_add(&p, rn,
				                   people_colname(&h, people_unit_cols, UC_GRID),
				                   "网格不存在或不在您的管辖范围内");
		}
		if (!bld.n)
			people_problem_add(
			    &p, rn, people_colname(&h, people_unit_cols, UC_BUILDING), "不能为空");
		if (!room.n)
			people_problem_add(&p, rn, people_colname(&h, people_unit_cols, UC_ROOM),
			                   "不能为空");
		else if (room.n > 64)
			people_problem_add(&p, rn, people_colname(&h, people_unit_cols, UC_ROOM),
			                   "不能超过 64 个字节");
		int64_t a = 0;
		gz_err e;
		gz_err_clear(&e);
		if (decimal_parse(area.p, area.n, DECIMAL_MAX_AREA, &a, &e) < 0)
			people_problem_add(&p, rn, people_colname(&h, people_unit_cols, UC_AREA),
			                   "%s", e.message);
		else if (a == 0)
			people_problem_add(&p, rn, people_colname(&h, people_unit_cols, UC_AREA),
			                   "必须大于 0");
		bool is_sold = true;
		if (sold.n && !parse_sold(sold.p, sold.n, &is_sold))
			people_problem_add(&p, rn, people_colname(&h, people_unit_cols, UC_SOLD),
			                   "应为 是 或 否");
		size_t ons = 0, onl = 0;
		if (owner.n) {
			gz_err_clear(&e);
			if (resident_name_check(owner.p, owner.n, &ons, &onl, &e) < 0)
				people_problem_add(&p, rn,
				                   people_colname(&h, people_unit_cols, UC_OWNER),
				                   "%s", e.message);
		} else if (is_sold) {
			people_problem_add(&p, rn, people_colname(&h, people_unit_cols, UC_OWNER),
			                   "已售房屋的业主姓名不能为空");
		}
		person_id_info id = {0};
		bool has_id = false;
		if (oid.n) {
			gz_err_clear(&e);
			char tmp[65];
			if (oid.kind == GZ_CELL_NUMBER)
				people_problem_add(
				    &p, rn, people_colname(&h, people_unit_cols, UC_OWNER_ID),
				    "身份证号被存成了数字，末尾几位已丢失：请把该列设为文本"
				    "格式后重新填写");
			else if (oid.n > 64)
				people_problem_add(
				    &p, rn, people_colname(&h, people_unit_cols, UC_OWNER_ID),
				    "长度应为 18 位");
			else {
				memcpy(tmp, oid.p, oid.n);
				tmp[oid.n] = '\0';
				if (person_id_check(tmp, now, &id, &e) < 0)
					people_problem_add(
					    &p, rn,
					    people_colname(&h, people_unit_cols, UC_OWNER_ID), "%s",
					    e.message);
				else
					has_id = true;
			}
			if (!is_sold)
				people_problem_add(
				    &p, rn, people_colname(&h, people_unit_cols, UC_OWNER_ID),
				    "未售房屋由开发商持有，不填业主身份证号");
		}
		if (p.count != before)
			continue;

		/* The building, within the caller's grids. */
		char bname[256], rname[65];
		snprintf(bname, sizeof bname, "%.*s", (int)(bld.n < 255 ? bld.n : 255), bld.p);
		snprintf(rname, sizeof rname, "%.*s", (int)room.n, room.p);
		int64_t building;
		int bgrid;
		int brc = people_building_find(&pl, bname, gi, &building, &bgrid, err);
		if (brc < 0)
			goto out;
		if (brc == 0) {
			people_problem_add(&p, rn,
			                   people_colname(&h, people_unit_cols, UC_BUILDING),
			                   gi < 0 && !grid.n ? "楼栋按名称填写时网格编码不能为空"
			                                     : "楼栋不存在或不在您的管辖范围内");
			continue;
		}
		if (gi >= 0 && bgrid != gi) {
			people_problem_add(&p, rn,
			                   people_colname(&h, people_unit_cols, UC_BUILDING),
			                   "楼栋不在所填网格内");
			continue;
		}
		/* Same unit earlier in the file: another owner of it. */
		char key[300];
		snprintf(key, sizeof key, "%lld|%s", (long long)building, rname);
		int64_t ui;
		if (people_smap_get(&seen, key, &ui)) {
			unit_rec *u = &units[ui];
			if (u->area != a)
				people_problem_add(&p, rn,
				                   people_colname(&h, people_unit_cols, UC_AREA),
				                   "与第 %zu 行同一房屋的面积不一致", u->first_row);
			if (u->sold != is_sold)
				people_problem_add(
				    &p, rn, people_colname(&h, people_unit_cols, UC_SOLD),
				    "与第 %zu 行同一房屋的销售状态不一致", u->first_row);
			if (!is_sold)
				people_problem_add(
				    &p, rn, people_colname(&h, people_unit_cols, UC_ROOM),
				    "与第 %zu 行重复（未售房屋只填一行）", u->first_row);
			if (p.count != before)
				continue;
		} else {
			int64_t existing;
			int urc = people_unit_find(&pl, building, rname, &existing, err);
			if (urc < 0)
				goto out;
			if (urc == 1) {
				people_problem_add(&p, rn,
				                   people_colname(&h, people_unit_cols, UC_ROOM),
				                   "该楼栋已有此房号的房屋");
				continue;
			}
			if (nunits == units_cap) {
				units_cap = units_cap ? units_cap * 2 : 256;
				units = gz_realloc(units, units_cap * sizeof *units);
			}
			unit_rec *u = &units[nunits];
			memset(u, 0, sizeof *u);
			u->row = u->first_row = rn;
			u->building = building;
			u->grid = bgrid;
			snprintf(u->room, sizeof u->room, "%s", rname);
			u->area = a;
			u->sold = is_sold;
			ui = (int64_t)nunits++;
			people_smap_put(&seen, key, ui);
		}
		/* The owner. */
		owner_rec o = {.unit = (size_t)ui, .row = rn, .has_id = has_id};
		if (!is_sold) {
			snprintf(o.key, sizeof o.key, "developer");
			snprintf(o.name, sizeof o.name, "%.*s", (int)(onl ? onl : strlen("开发商")),
			         onl ? owner.p + ons : "开发商");
		} else if (has_id) {
			gz_crypto_lookup(crypto, id.normalised, o.id_hash);
			memcpy(o.key, "id:", 3);
			sodium_bin2hex(o.key + 3, sizeof o.key - 3, o.id_hash, sizeof o.id_hash);
			snprintf(o.name, sizeof o.name, "%.*s", (int)onl, owner.p + ons);
		} else {
			snprintf(o.key, sizeof o.key,
			         "name:%zu:", o.unit); /* unit id filled at insert */
			snprintf(o.name, sizeof o.name, "%.*s", (int)onl, owner.p + ons);
		}
		/* Only this unit's owners: a chain through prev, not a scan of every owner. */
		bool dup = false;
		for (size_t j = units[ui].last_owner; j && !dup; j = owners[j - 1].prev) {
			size_t i = j - 1;
			if ((!strcmp(owners[i].key, o.key) ||
			     (!o.has_id && !owners[i].has_id && !strcmp(owners[i].name, o.name)))) {
				people_problem_add(&p, rn,
				                   people_colname(&h, people_unit_cols,
				                                  has_id ? UC_OWNER_ID : UC_OWNER),
				                   "与第 %zu 行是同一房屋的同一业主",
				                   owners[i].row);
				dup = true;
			}
		}
		if (dup)
			continue;
		if (nowners == owners_cap) {
			owners_cap = owners_cap ? owners_cap * 2 : 256;
			owners = gz_realloc(owners, owners_cap * sizeof *owners);
		}
		o.prev = units[ui].last_owner;
		owners[nowners++] = o;
		units[ui].last_owner = nowners;
	}
	if (rc < 0)
		people_file_problem(&p, &h, &terr);
	if (p.count || dry_run) {
		created = (int64_t)nunits;
		owners_created = (int64_t)nowners;
		ret = 0;
		goto report;
	}

	/* Linking owners to residents compares their ID numbers with the register: charged
	 * to the caller's account in this transaction (a refusal rolls it back). */
	size_t compared = 0, linked = 0;
	for (size_t i = 0; i < nowners; i++)
		compared += owners[i].has_id;
	if (compared) {
		int lim = gz_ratelimit_pii(a, db, "unit.import", (int64_t)compared, true, err);
		if (lim == 1)
			in_tx = false; /* rolled back */
		if (lim != 0)
			goto out;
	}

	/* Write: units, then their owners. */
	for (size_t i = 0; i < nunits; i++) {
		unit_rec *u = &units[i];
		gz_stmt *st =
		    gz_db_prepare(db,
		                  "INSERT INTO units (building_id, grid_code, number, area_dm2, "
		                  "sold, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, "
		                  "$6, $6) RETURNING id",
		                  err);
		if (!st)
			goto out;
		gz_stmt_bind_int64(st, 1, u->building);
		gz_stmt_bind_str(st, 2, grids.codes[u->grid]);
		gz_stmt_bind_str(st, 3, u->room);
		gz_stmt_bind_int64(st, 4, u->area);
		gz_stmt_bind_int64(st, 5, u->sold);
		gz_stmt_bind_int64(st, 6, now);
		rc = gz_stmt_step(st, err);
		u->unit_id = rc == GZ_ROW ? gz_stmt_int64(st, 0) : 0;
		gz_stmt_finish(st);
		if (rc != GZ_ROW) {
			if (rc >= 0)
				gz_err_set(err, GZ_EINTERNAL, "internal", "新建房屋读不到");
			goto out;
		}
		people_span_add(&sp, grids.codes[u->grid]);
		created++;
	}
	for (size_t i = 0; i < nowners; i++) {
		owner_rec *o = &owners[i];
		const unit_rec *u = &units[o->unit];
		if (!strncmp(o->key, "name:", 5))
			snprintf(o->key, sizeof o->key, "name:%lld:%s", (long long)u->unit_id,
			         o->name);
		/* Linked only to a resident the caller reads. */
		int64_t resident = 0;
		if (o->has_id &&
		    gz_people_resident_by_id_key(a, db, o->id_hash, &resident, err) < 0)
			goto out;
		linked += resident > 0;
		gz_stmt *st =
		    gz_db_prepare(db,
		                  "INSERT INTO unit_owners (unit_id, owner_key, owner_name, "
		                  "resident_id) VALUES ($1, $2, $3, $4)",
		                  err);
		if (!st)
			goto out;
		gz_stmt_bind_int64(st, 1, u->unit_id);
		gz_stmt_bind_str(st, 2, o->key);
		gz_stmt_bind_str(st, 3, o->name);
		gz_stmt_bind_id(st, 4, resident);
		rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			goto out;
		owners_created++;
	}
	char scope[SPACE_CODE_SIZE];
	people_span_scope(&sp, scope, sizeof scope);
	json_t *detail = json_pack("{s:s,s:I,s:I,s:I}", "format", xlsx ? "xlsx" : "csv", "rows",
	                           (json_int_t)rows, "created", (json_int_t)created, "owners",
	                           (json_int_t)owners_created);
	rc = gz_db_count_add(db, "units", created, err) < 0 ||
	             gz_audit(a, db, "unit.import", "unit", "", scope, detail, err) < 0 ||
	             (!gz_actor_is_operator(a) && compared &&
	              people_lookup_audit(db, a, "unit", false, rows, compared, linked, 0, err) < 0)
	         ? -1
	         : 0;
	json_decref(detail);
	if (rc < 0)
		goto out;
	json_t *rep = people_units_report(&p, dry_run, xlsx, rows, created, owners_created);
	if (gz_api_commit(a->req, db, created > 0 ? 201 : 200, rep, err) < 0) {
		json_decref(rep);
		goto out;
	}
	in_tx = false;
	*report = rep;
	ret = 0;
	goto out;

report:
	*report = people_units_report(&p, dry_run, xlsx, rows, created, owners_created);
	ret = 0;
out:
	if (in_tx)
		gz_db_rollback(db);
	gz_table_free(t);
	people_header_free(&h);
	people_gridset_free(&grids);
	people_problems_free(&p);
	people_places_free(&pl);
	people_smap_free(&seen);
	free(units);
	free(owners);
	return ret;
}
