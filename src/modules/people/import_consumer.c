/* The consumer of a residents import: the rows' multi-row INSERTs, their tags and
 * lookup keys, duplicates against the register. */
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

/* ================================================================ residents */

#define RES_INSERT_COLS                                                                            \
	"household_id, grid_code, name, gender, relation, birth_date_enc, phone_enc, phone_hash, " \
	"id_number_enc, sensitive_tags_enc, tags, created_at, updated_at"
static const char *sql_res_insert_id =
    "INSERT INTO residents (" RES_INSERT_COLS ", id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
    "$9, $10, $11, $12, $12, $13)";
static const char *sql_res_insert_ret =
    "INSERT INTO residents (" RES_INSERT_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
    "$10, $11, $12, $12) RETURNING id";
static const char *sql_tag_insert =
    "INSERT INTO resident_tags (resident_id, tag_key, grid_code) VALUES ($1, $2, $3)";
static const char *sql_idkey_insert =
    "INSERT INTO resident_id_keys (id_key, resident_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
/* The holder of an ID key and its grid (NULL when the resident is gone): whether the
 * caller may be told which row matched depends on whether it reads that grid. */
const char *const people_sql_idkey_exists =
    "SELECT k.resident_id, r.grid_code FROM resident_id_keys k LEFT JOIN residents r ON r.id = "
    "k.resident_id AND r.deleted_at IS NULL WHERE k.id_key = $1";
static const char *sql_phonekey_insert =
    "INSERT INTO resident_phone_keys (phone_key, resident_id) VALUES ($1, $2)";

static char sql_res_multi[8192], sql_res_plain[8192], sql_idkey_multi[8192], sql_idkey_in[4608],
    sql_phonekey_multi[8192];
pthread_once_t people_sql_once = PTHREAD_ONCE_INIT;

static size_t values_list(char *out, size_t cap, int rows, int per_row, const char *last_dup)
{
	size_t n = 0;
	for (int r = 0; r < rows; r++) {
		n += (size_t)snprintf(out + n, cap - n, "%s(", r ? ", " : "");
		for (int k = 1; k <= per_row; k++) {
			n += (size_t)snprintf(out + n, cap - n, "%s$%d", k > 1 ? ", " : "",
			                      r * per_row + k);
			if (last_dup && k == 12) /* created_at, updated_at: the same value */
				n += (size_t)snprintf(out + n, cap - n, ", $%d", r * per_row + k);
		}
		n += (size_t)snprintf(out + n, cap - n, ")");
	}
	return n;
}

void people_sql_build(void)
{
	size_t n = (size_t)snprintf(sql_res_multi, sizeof sql_res_multi,
	                            "INSERT INTO residents (" RES_INSERT_COLS ", id) VALUES ");
	values_list(sql_res_multi + n, sizeof sql_res_multi - n, RES_MULTI, RES_PARAMS, "dup");
	n = (size_t)snprintf(sql_res_plain, sizeof sql_res_plain,
	                     "INSERT INTO residents (grid_code, name, gender, relation, phone_enc, "
	                     "phone_hash, id_number_enc, tags, id, household_id, birth_date_enc, "
	                     "sensitive_tags_enc, created_at, updated_at) VALUES ");
	for (int r = 0; r < PLAIN_MULTI; r++) {
		int b = 1 + r * PLAIN_PARAMS;
		n += (size_t)snprintf(
		    sql_res_plain + n, sizeof sql_res_plain - n,
		    "%s($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, NULL, NULL, NULL, "
		    "$1, $1)",
		    r ? ", " : "", b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9);
	}
	n = (size_t)snprintf(sql_idkey_multi, sizeof sql_idkey_multi,
	                     "INSERT INTO resident_id_keys (id_key, resident_id) VALUES ");
	n += values_list(sql_idkey_multi + n, sizeof sql_idkey_multi - n, KEY_MULTI, 2, NULL);
	snprintf(sql_idkey_multi + n, sizeof sql_idkey_multi - n, " ON CONFLICT DO NOTHING");
	n = (size_t)snprintf(sql_phonekey_multi, sizeof sql_phonekey_multi,
	                     "INSERT INTO resident_phone_keys (phone_key, resident_id) VALUES ");
	values_list(sql_phonekey_multi + n, sizeof sql_phonekey_multi - n, KEY_MULTI, 2, NULL);
	n = (size_t)snprintf(sql_idkey_in, sizeof sql_idkey_in,
	                     "SELECT k.id_key, r.grid_code FROM resident_id_keys k LEFT JOIN "
	                     "residents r ON r.id = k.resident_id AND r.deleted_at IS NULL WHERE "
	                     "k.id_key IN (");
	for (int k = 1; k <= KEY_MULTI; k++)
		n += (size_t)snprintf(sql_idkey_in + n, sizeof sql_idkey_in - n, "%s$%d",
		                      k > 1 ? ", " : "", k);
	snprintf(sql_idkey_in + n, sizeof sql_idkey_in - n, ")");
}

/* May the caller read residents of grid (NULL: a key whose resident is gone)? */
static bool grid_readable(const consumer *c, const char *grid)
{
	if (!grid)
		return false;
	for (int i = 0; i < c->nrscopes; i++)
		if (policy_scope_contains(c->rscopes[i], grid))
			return true;
	return false;
}

/* An ID number of row already held by a resident in grid. */
static void duplicate_found(consumer *c, size_t row, const char *grid)
{
	if (grid_readable(c, grid)) {
		people_problem_add(&c->cp, row,
		                   people_colname(&c->m->h, people_resident_cols, RC_ID), "%s",
		                   "与已登记的居民身份证号重复");
		c->matched++;
	} else {
		c->hidden++;
	}
	atomic_fetch_add(&c->m->problem_count, 1);
	c->write = false;
}

static void consumer_problem(consumer *c, size_t row, int col, const char *fmt, const char *arg)
{
	people_problem_add(&c->cp, row, people_colname(&c->m->h, people_resident_cols, col), fmt,
	                   arg);
	atomic_fetch_add(&c->m->problem_count, 1);
	c->write = false;
}

/* Binds row p's values as parameters base+1 .. base+13 (the last: its id, when given). */
static void bind_row(gz_stmt *st, int base, const pending *p, int64_t now)
{
	const res_row *x = p->x;
	const char *pool = p->b->pool;
	if (p->household > 0)
		gz_stmt_bind_int64(st, base + 1, p->household);
	else
		gz_stmt_bind_null(st, base + 1);
	gz_stmt_bind_text(st, base + 2, p->grid, SPACE_GRID);
	gz_stmt_bind_str(st, base + 3, pool + x->name_off);
	gz_stmt_bind_str(st, base + 4, people_gender_text[x->gender]);
	gz_stmt_bind_str(st, base + 5,
	                 x->relation ? person_relation_label((person_relation)x->relation) : "");
	if (x->has_birth)
		gz_stmt_bind_blob(st, base + 6, x->birth_enc, sizeof x->birth_enc);
	else
		gz_stmt_bind_null(st, base + 6);
	if (x->phone_len) {
		gz_stmt_bind_blob(st, base + 7, x->phone_enc, x->phone_len);
		gz_stmt_bind_blob(st, base + 8, x->phone_hash, sizeof x->phone_hash);
	} else {
		gz_stmt_bind_null(st, base + 7);
		gz_stmt_bind_null(st, base + 8);
	}
	if (x->has_id)
		gz_stmt_bind_blob(st, base + 9, x->id_enc, sizeof x->id_enc);
	else
		gz_stmt_bind_null(st, base + 9);
	if (x->sens_len)
		gz_stmt_bind_blob(st, base + 10, pool + x->sens_off, x->sens_len);
	else
		gz_stmt_bind_null(st, base + 10);
	gz_stmt_bind_str(st, base + 11, pool + x->tags_off);
	gz_stmt_bind_int64(st, base + 12, now);
	if (p->id)
		gz_stmt_bind_int64(st, base + 13, p->id);
}

/* After its row is in: the row's tags and lookup keys. */
static int row_done(consumer *c, const pending *p, gz_err *err)
{
	const res_row *x = p->x;
	c->created++;
	people_span_add(&c->sp, p->grid);
	if (!c->given_ids) {
		if (x->has_id)
			people_hkeys_add(&c->ids, x->id_hash, p->id, x->row);
		if (x->phone_len)
			people_hkeys_add(&c->phones, x->phone_hash, p->id, x->row);
	}
	const char *k = p->b->pool + x->keys_off;
	for (int i = 0; i < x->nkeys; i++) {
		gz_stmt *st = gz_db_prepare(c->pl.db, sql_tag_insert, err);
		if (!st)
			return -1;
		gz_stmt_bind_int64(st, 1, p->id);
		gz_stmt_bind_str(st, 2, k);
		gz_stmt_bind_text(st, 3, p->grid, SPACE_GRID);
		int rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
		k += strlen(k) + 1;
	}
	return 0;
}

/* Writes the pending rows: RES_MULTI in one statement, fewer one by one. */
int people_flush_rows(consumer *c, gz_err *err)
{
	int n = c->npend;
	c->npend = 0;
	if (!n)
		return 0;
	int64_t now = c->m->now;
	if (n == RES_MULTI) {
		gz_stmt *st = gz_db_prepare(c->pl.db, sql_res_multi, err);
		if (!st)
			return -1;
		for (int i = 0; i < n; i++)
			bind_row(st, i * RES_PARAMS, &c->pend[i], now);
		int rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	} else {
		for (int i = 0; i < n; i++) {
			gz_stmt *st = gz_db_prepare(c->pl.db, sql_res_insert_id, err);
			if (!st)
				return -1;
			bind_row(st, 0, &c->pend[i], now);
			int rc = gz_stmt_step(st, err);
			gz_stmt_finish(st);
			if (rc < 0)
				return -1;
		}
	}
	for (int i = 0; i < n; i++)
		if (row_done(c, &c->pend[i], err) < 0)
			return -1;
	return 0;
}

/* Writes the pending plain rows: PLAIN_MULTI in one statement, fewer through
 * people_flush_rows' statements. */
int people_flush_plain(consumer *c, gz_err *err)
{
	int n = c->nplain;
	c->nplain = 0;
	if (n < PLAIN_MULTI) {
		for (int i = 0; i < n; i++) {
			c->pend[c->npend++] = c->plain[i];
			if (c->npend == RES_MULTI && people_flush_rows(c, err) < 0)
				return -1;
		}
		return 0;
	}
	gz_stmt *st = gz_db_prepare(c->pl.db, sql_res_plain, err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, c->m->now);
	for (int i = 0; i < n; i++) {
		const pending *p = &c->plain[i];
		const res_row *x = p->x;
		const char *pool = p->b->pool;
		int b = 1 + i * PLAIN_PARAMS;
		gz_stmt_bind_text(st, b + 1, p->grid, SPACE_GRID);
		gz_stmt_bind_str(st, b + 2, pool + x->name_off);
		gz_stmt_bind_str(st, b + 3, people_gender_text[x->gender]);
		gz_stmt_bind_str(st, b + 4,
		                 x->relation ? person_relation_label((person_relation)x->relation)
		                             : "");
		if (x->phone_len) {
			gz_stmt_bind_blob(st, b + 5, x->phone_enc, x->phone_len);
			gz_stmt_bind_blob(st, b + 6, x->phone_hash, sizeof x->phone_hash);
		} else {
			gz_stmt_bind_null(st, b + 5);
			gz_stmt_bind_null(st, b + 6);
		}
		if (x->has_id)
			gz_stmt_bind_blob(st, b + 7, x->id_enc, sizeof x->id_enc);
		else
			gz_stmt_bind_null(st, b + 7);
		gz_stmt_bind_str(st, b + 8, pool + x->tags_off);
		gz_stmt_bind_int64(st, b + 9, p->id);
	}
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (row_done(c, &c->plain[i], err) < 0)
			return -1;
	return 0;
}

/* One checked row into the database (or, in look-up mode, only checked against it).
 * Returns 0, or -1 with err on a database error. */
int people_consume_row(consumer *c, const batch *b, const res_row *x, gz_err *err)
{
	res_imp *m = c->m;
	const char *pool = b->pool;
	int grid = x->grid;
	int64_t household = 0, unit = 0;
	const char *bld = pool + x->bld_off, *room = pool + x->room_off, *addr = pool + x->addr_off;
	if (c->write && atomic_load_explicit(&m->problem_count, memory_order_relaxed))
		c->write = false;

	if (*bld) {
		int64_t building;
		int bgrid;
		int rc = people_building_find(&c->pl, bld, grid, &building, &bgrid, err);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			consumer_problem(c, x->row, RC_BUILDING,
			                 "楼栋不存在或不在您的管辖范围内：%s", bld);
			return 0;
		}
		if (grid >= 0 && bgrid != grid) {
			consumer_problem(c, x->row, RC_BUILDING, "楼栋 %s 不在所填网格内", bld);
			return 0;
		}
		grid = bgrid;
		rc = people_unit_find(&c->pl, building, room, &unit, err);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			consumer_problem(c, x->row, RC_ROOM, "房屋不存在：%s（请先导入房屋）",
			                 room);
			return 0;
		}
	}
	const char *code = m->grids.codes[grid];
	if (unit || *addr) {
		if (people_household_for(&c->pl, unit, code, addr, c->write, m->now, &household,
		                         err) < 0)
			return -1;
	}

	if (!c->write) {
		/* Look-up mode: only the duplicate check at the end needs this row. */
		if (x->has_id && !c->given_ids)
			people_hkeys_add(&c->ids, x->id_hash, 0, x->row);
		c->created++;
		return 0;
	}
	if (c->grid_created)
		c->grid_created[grid]++;
	pending p = {b, x, 0, household, code};
	if (c->given_ids) {
		p.id = c->next_id++;
		if (household <= 0 && !x->has_birth && !x->sens_len) {
			c->plain[c->nplain++] = p;
			return c->nplain == PLAIN_MULTI ? people_flush_plain(c, err) : 0;
		}
		c->pend[c->npend++] = p;
		return c->npend == RES_MULTI ? people_flush_rows(c, err) : 0;
	}
	gz_stmt *st = gz_db_prepare(c->pl.db, sql_res_insert_ret, err);
	if (!st)
		return -1;
	bind_row(st, 0, &p, m->now);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW)
		p.id = gz_stmt_int64(st, 0);
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	if (!p.id)
		return gz_err_set(err, GZ_EINTERNAL, "internal", "新建居民读不到");
	return row_done(c, &p, err);
}

/* The grid of the resident holding ID key h into grid ("" when none). 0 or -1. */
static int holder_grid(consumer *c, const uint8_t *h, char *grid, size_t cap, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(c->pl.db, people_sql_idkey_exists, err);
	if (!st)
		return -1;
	gz_stmt_bind_blob(st, 1, h, GZ_PEOPLE_KEY_BYTES);
	int rc = gz_stmt_step(st, err);
	grid[0] = '\0';
	if (rc == GZ_ROW && !gz_stmt_isnull(st, 1))
		snprintf(grid, cap, "%s", gz_stmt_text(st, 1));
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* The ID keys of chunk[0..n) (unique, sorted): written (KEY_MULTI per statement; a
 * statement that changes fewer rows than it has is looked at key by key) or, in look-up
 * mode, looked up. Every key already held by a resident is a problem of its row. */
static int flush_idkeys(consumer *c, hkey *const *chunk, int n, gz_err *err)
{
	bool write = c->write;
	bool suspect[KEY_MULTI] = {false};
	c->compared += (size_t)n;
	if (n == KEY_MULTI) {
		gz_stmt *st = gz_db_prepare(c->pl.db, write ? sql_idkey_multi : sql_idkey_in, err);
		if (!st)
			return -1;
		for (int i = 0; i < n; i++) {
			if (write) {
				gz_stmt_bind_blob(st, 2 * i + 1, chunk[i]->h, GZ_PEOPLE_KEY_BYTES);
				gz_stmt_bind_int64(st, 2 * i + 2, chunk[i]->resident);
			} else {
				gz_stmt_bind_blob(st, i + 1, chunk[i]->h, GZ_PEOPLE_KEY_BYTES);
			}
		}
		int rc;
		if (write) {
			rc = gz_stmt_step(st, err);
			int64_t changed = rc >= 0 ? gz_stmt_changes(st) : 0;
			for (int i = 0; i < n && changed < n; i++)
				suspect[i] = true;
		} else {
			while ((rc = gz_stmt_step(st, err)) == GZ_ROW)
				for (int i = 0; i < n; i++)
					if (gz_stmt_len(st, 0) == GZ_PEOPLE_KEY_BYTES &&
					    !memcmp(gz_stmt_blob(st, 0), chunk[i]->h,
					            GZ_PEOPLE_KEY_BYTES))
						duplicate_found(c, chunk[i]->row,
						                gz_stmt_isnull(st, 1)
						                    ? NULL
						                    : gz_stmt_text(st, 1));
		}
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
		if (!write)
			return 0;
	} else {
		for (int i = 0; i < n; i++)
			suspect[i] = true;
	}
	/* One by one: the tail, and a chunk that hit an existing key. */
	for (int i = 0; i < n; i++) {
		if (!suspect[i])
			continue;
		bool ins = write && n != KEY_MULTI;
		gz_stmt *st =
		    gz_db_prepare(c->pl.db, ins ? sql_idkey_insert : people_sql_idkey_exists, err);
		if (!st)
			return -1;
		gz_stmt_bind_blob(st, 1, chunk[i]->h, GZ_PEOPLE_KEY_BYTES);
		if (ins)
			gz_stmt_bind_int64(st, 2, chunk[i]->resident);
		int rc = gz_stmt_step(st, err);
		/* A chunk's keys are in by now: a key is someone else's if it points elsewhere. */
		bool dup =
		    ins ? rc == GZ_DONE && gz_stmt_changes(st) == 0
		        : rc == GZ_ROW && (!write || gz_stmt_int64(st, 0) != chunk[i]->resident);
		char grid[SPACE_CODE_SIZE] = "";
		if (dup && !ins && !gz_stmt_isnull(st, 1))
			snprintf(grid, sizeof grid, "%s", gz_stmt_text(st, 1));
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
		if (dup && ins && holder_grid(c, chunk[i]->h, grid, sizeof grid, err) < 0)
			return -1;
		if (dup)
			duplicate_found(c, chunk[i]->row, grid[0] ? grid : NULL);
	}
	return 0;
}

/* After the last row: duplicate ID numbers within the file (neighbours once sorted) and
 * against the database, then the phone keys. Returns 0, or -1 with err. */
int people_finish_keys(consumer *c, gz_err *err)
{
	if (people_flush_plain(c, err) < 0 || people_flush_rows(c, err) < 0)
		return -1;
	if (c->given_ids) {
		/* The producer's keys (already sorted), now ours. */
		people_hkeys_free(&c->ids);
		people_hkeys_free(&c->phones);
		c->ids = c->m->ids;
		c->phones = c->m->phones;
		memset(&c->m->ids, 0, sizeof c->m->ids);
		memset(&c->m->phones, 0, sizeof c->m->phones);
		if (!c->m->keys_sorted) {
			people_hkeys_sort(&c->ids);
			people_hkeys_sort(&c->phones);
		}
	} else {
		people_hkeys_sort(&c->ids);
		people_hkeys_sort(&c->phones);
	}
	hkey *chunk[KEY_MULTI];
	int n = 0;
	size_t first = 0;
	for (size_t i = 0; i < c->ids.n; i++) {
		hkey *k = &c->ids.v[i];
		if (i && !memcmp(k->h, c->ids.v[i - 1].h, GZ_PEOPLE_KEY_BYTES)) {
			char msg[24];
			snprintf(msg, sizeof msg, "%u", c->ids.v[first].row);
			consumer_problem(c, k->row, RC_ID, "与第 %s 行的身份证号重复", msg);
			continue;
		}
		first = i;
		chunk[n++] = k;
		if (n == KEY_MULTI) {
			if (flush_idkeys(c, chunk, n, err) < 0)
				return -1;
			n = 0;
		}
	}
	if (n && flush_idkeys(c, chunk, n, err) < 0)
		return -1;
	if (!c->write)
		return 0;
	size_t i = 0;
	for (; i + KEY_MULTI <= c->phones.n; i += KEY_MULTI) {
		gz_stmt *st = gz_db_prepare(c->pl.db, sql_phonekey_multi, err);
		if (!st)
			return -1;
		for (int k = 0; k < KEY_MULTI; k++) {
			gz_stmt_bind_blob(st, 2 * k + 1, c->phones.v[i + k].h, GZ_PEOPLE_KEY_BYTES);
			gz_stmt_bind_int64(st, 2 * k + 2, c->phones.v[i + k].resident);
		}
		int rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	}
	for (; i < c->phones.n; i++) {
		gz_stmt *st = gz_db_prepare(c->pl.db, sql_phonekey_insert, err);
		if (!st)
			return -1;
		gz_stmt_bind_blob(st, 1, c->phones.v[i].h, GZ_PEOPLE_KEY_BYTES);
		gz_stmt_bind_int64(st, 2, c->phones.v[i].resident);
		int rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	}
	return 0;
}
