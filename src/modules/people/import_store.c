/* What the import reads and writes besides the residents themselves: the caller's grids
 * and the tag catalogue, places (buildings, units, households, found or created), the
 * audit rows of its lookups, and the connection's cache size. */
#include "api/ratelimit.h"
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

/* Loads the grids inside the actor's write scopes (all grids for the operator). */
int people_gridset_load(gz_db *db, const gz_actor *a, gridset *g, gz_err *err)
{
	const char *sc[GZ_AUTH_MAX_GRANTS];
	int ns = gz_actor_scopes(a, ACT_WRITE, RES_RESIDENT, sc, GZ_AUTH_MAX_GRANTS, err);
	if (ns < 0)
		return -1;
	for (int i = 0; i < ns; i++) {
		char hi[GZ_SCOPE_MAX + 2];
		policy_scope_upper(sc[i], hi, sizeof hi);
		gz_stmt *st =
		    gz_db_prepare(db, "SELECT code FROM grids WHERE code >= $1 AND code < $2", err);
		if (!st)
			return -1;
		gz_stmt_bind_str(st, 1, sc[i]);
		gz_stmt_bind_str(st, 2, hi);
		int rc;
		while ((rc = gz_stmt_step(st, err)) == GZ_ROW)
			people_gridset_put(g, gz_stmt_text(st, 0));
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int people_tagcat_load(gz_db *db, const gz_crypto *c, tagcat *t, gz_err *err)
{
	size_t n;
	const person_tag *b = person_tags(&n);
	for (size_t i = 0; i < n; i++)
		people_tagcat_add(t, c, b[i].code, b[i].label, b[i].sensitive);
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT code, label, sensitive FROM resident_tag_defs ORDER BY created_at, code",
	    err);
	if (!st)
		return -1;
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW)
		people_tagcat_add(t, c, gz_stmt_text(st, 0), gz_stmt_text(st, 1),
		                  gz_stmt_int64(st, 2) != 0);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* ================================================================ consumer: places */

static size_t str_hash(const char *s)
{
	uint64_t h = UINT64_C(1469598103934665603);
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
	return (size_t)h;
}

bool people_smap_get(const smap *m, const char *k, int64_t *v)
{
	if (!m->cap)
		return false;
	size_t i = str_hash(k) & (m->cap - 1);
	while (m->v[i].k) {
		if (!strcmp(m->v[i].k, k)) {
			*v = m->v[i].v;
			return true;
		}
		i = (i + 1) & (m->cap - 1);
	}
	return false;
}

void people_smap_put(smap *m, const char *k, int64_t v)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		struct kv *nv = gz_calloc(cap, sizeof *nv);
		for (size_t i = 0; i < m->cap; i++)
			if (m->v[i].k) {
				size_t j = str_hash(m->v[i].k) & (cap - 1);
				while (nv[j].k)
					j = (j + 1) & (cap - 1);
				nv[j] = m->v[i];
			}
		free(m->v);
		m->v = nv;
		m->cap = cap;
	}
	size_t i = str_hash(k) & (m->cap - 1);
	while (m->v[i].k) {
		if (!strcmp(m->v[i].k, k)) {
			m->v[i].v = v;
			return;
		}
		i = (i + 1) & (m->cap - 1);
	}
	m->v[i].k = gz_strdup(k);
	m->v[i].v = v;
	m->n++;
}

void people_smap_free(smap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->v[i].k);
	free(m->v);
	memset(m, 0, sizeof *m);
}

void people_places_free(places *pl)
{
	people_smap_free(&pl->buildings);
	people_smap_free(&pl->bgrid);
	people_smap_free(&pl->units);
	people_smap_free(&pl->households);
}

/* The building named by a cell: its id (digits) — anywhere in the caller's grids — or its
 * name within grid (index, -1 when the row gave none). Returns 1 found (with *id, *grid
 * set to its grid index), 0 not found or not in the caller's grids, -1 db error. */
int people_building_find(places *pl, const char *cell, int grid, int64_t *id, int *bgrid_out,
                         gz_err *err)
{
	bool numeric = *cell != '\0';
	for (const char *s = cell; *s; s++)
		numeric = numeric && *s >= '0' && *s <= '9';
	char key[300];
	if (numeric && strlen(cell) <= 18)
		snprintf(key, sizeof key, "#%s", cell);
	else if (grid >= 0)
		snprintf(key, sizeof key, "%s|%s", pl->grids->codes[grid], cell);
	else
		return 0;
	int64_t v, g;
	if (!people_smap_get(&pl->buildings, key, &v)) {
		gz_stmt *st;
		if (key[0] == '#') {
			st = gz_db_prepare(
			    pl->db, "SELECT id, grid_code FROM buildings WHERE id = $1", err);
			if (!st)
				return -1;
			gz_stmt_bind_int64(st, 1, strtoll(cell, NULL, 10));
		} else {
			st = gz_db_prepare(
			    pl->db,
			    "SELECT id, grid_code FROM buildings WHERE grid_code = $1 AND "
			    "name = $2 ORDER BY id LIMIT 1",
			    err);
			if (!st)
				return -1;
			gz_stmt_bind_str(st, 1, pl->grids->codes[grid]);
			gz_stmt_bind_str(st, 2, cell);
		}
		int rc = gz_stmt_step(st, err);
		v = -1;
		g = -1;
		if (rc == GZ_ROW) {
			const char *gc = gz_stmt_text(st, 1);
			g = people_gridset_find(pl->grids, gc, strlen(gc));
			if (g >= 0)
				v = gz_stmt_int64(st, 0);
		}
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
		people_smap_put(&pl->buildings, key, v);
		snprintf(key, sizeof key, "#%lld", (long long)v);
		people_smap_put(&pl->bgrid, key, g);
	}
	if (v < 0)
		return 0;
	snprintf(key, sizeof key, "#%lld", (long long)v);
	if (!people_smap_get(&pl->bgrid, key, &g))
		g = -1;
	*id = v;
	*bgrid_out = (int)g;
	return 1;
}

/* The unit (building, room): 1 with *id, 0 when there is none, -1 db error. */
int people_unit_find(places *pl, int64_t building, const char *room, int64_t *id, gz_err *err)
{
	char key[300];
	snprintf(key, sizeof key, "%lld|%s", (long long)building, room);
	int64_t v;
	if (!people_smap_get(&pl->units, key, &v)) {
		gz_stmt *st = gz_db_prepare(
		    pl->db, "SELECT id FROM units WHERE building_id = $1 AND number = $2", err);
		if (!st)
			return -1;
		gz_stmt_bind_int64(st, 1, building);
		gz_stmt_bind_str(st, 2, room);
		int rc = gz_stmt_step(st, err);
		v = rc == GZ_ROW ? gz_stmt_int64(st, 0) : -1;
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
		people_smap_put(&pl->units, key, v);
	}
	if (v < 0)
		return 0;
	*id = v;
	return 1;
}

/* The household of a unit (its first) or of an address within a grid, created when
 * missing (in look-up mode only counted). Returns 0 with *id, -1 db error. */
int people_household_for(places *pl, int64_t unit, const char *grid, const char *address,
                         bool write, int64_t now, int64_t *id, gz_err *err)
{
	char key[300];
	if (unit > 0)
		snprintf(key, sizeof key, "u:%lld", (long long)unit);
	else
		snprintf(key, sizeof key, "a:%s|%s", grid, address);
	int64_t v;
	if (people_smap_get(&pl->households, key, &v)) {
		*id = v;
		return 0;
	}
	gz_stmt *st =
	    unit > 0
	        ? gz_db_prepare(pl->db,
	                        "SELECT id FROM households WHERE unit_id = $1 ORDER BY id LIMIT 1",
	                        err)
	        : gz_db_prepare(pl->db,
	                        "SELECT id FROM households WHERE grid_code = $1 AND address = $2 "
	                        "AND unit_id IS NULL ORDER BY id LIMIT 1",
	                        err);
	if (!st)
		return -1;
	if (unit > 0)
		gz_stmt_bind_int64(st, 1, unit);
	else {
		gz_stmt_bind_str(st, 1, grid);
		gz_stmt_bind_str(st, 2, address);
	}
	int rc = gz_stmt_step(st, err);
	v = rc == GZ_ROW ? gz_stmt_int64(st, 0) : 0;
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	if (!v) {
		pl->households_created++;
		if (!write) {
			v = --pl->fake;
		} else {
			st = gz_db_prepare(
			    pl->db,
			    "INSERT INTO households (unit_id, grid_code, address, created_at, "
			    "updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id",
			    err);
			if (!st)
				return -1;
			if (unit > 0)
				gz_stmt_bind_int64(st, 1, unit);
			else
				gz_stmt_bind_null(st, 1);
			gz_stmt_bind_str(st, 2, grid);
			gz_stmt_bind_str(st, 3, address);
			gz_stmt_bind_int64(st, 4, now);
			rc = gz_stmt_step(st, err);
			v = rc == GZ_ROW ? gz_stmt_int64(st, 0) : 0;
			gz_stmt_finish(st);
			if (rc != GZ_ROW) {
				if (rc >= 0)
					gz_err_set(err, GZ_EINTERNAL, "internal", "新建户读不到");
				return -1;
			}
		}
	}
	people_smap_put(&pl->households, key, v);
	*id = v;
	return 0;
}

/* ================================================================ audit, counts */

/* The smallest node holding every grid the actor may import into: where the audit rows
 * of its import lookups lie, so the administrators above it read them. */
static void caller_scope(const gz_actor *a, char *out, size_t cap)
{
	const char *sc[GZ_AUTH_MAX_GRANTS];
	gz_err e;
	gz_err_clear(&e);
	int n = gz_actor_scopes(a, ACT_WRITE, RES_RESIDENT, sc, GZ_AUTH_MAX_GRANTS, &e);
	snprintf(out, cap, "%s", n > 0 ? sc[0] : "");
	for (int i = 1; i < n; i++) {
		char tmp[SPACE_CODE_SIZE];
		policy_scope_common(out, sc[i], tmp, sizeof tmp);
		snprintf(out, cap, "%s", tmp);
	}
}

/* The audit of an import's comparison against the register (HTTP only; the command
 * line has the database itself): "<kind>.import.lookup" with how many values were
 * compared, and, when some matched residents the actor cannot read,
 * "<kind>.import.hidden_duplicates" with their count — never a value. In the caller's
 * open transaction. */
int people_lookup_audit(gz_db *db, const gz_actor *a, const char *kind, bool dry_run, size_t rows,
                        size_t compared, size_t matched, size_t hidden, gz_err *err)
{
	char action[64], scope[SPACE_CODE_SIZE];
	caller_scope(a, scope, sizeof scope);
	snprintf(action, sizeof action, "%s.import.lookup", kind);
	json_t *d = json_pack("{s:b,s:I,s:I,s:I,s:I}", "dry_run", dry_run, "rows", (json_int_t)rows,
	                      "compared", (json_int_t)compared, "matched", (json_int_t)matched,
	                      "hidden", (json_int_t)hidden);
	int rc = gz_audit(a, db, action, kind, "", scope, d, err);
	json_decref(d);
	if (rc < 0 || !hidden)
		return rc;
	snprintf(action, sizeof action, "%s.import.hidden_duplicates", kind);
	d = json_pack("{s:I}", "count", (json_int_t)hidden);
	rc = gz_audit(a, db, action, kind, "", scope, d, err);
	json_decref(d);
	return rc;
}

void people_span_add(span *s, const char *code)
{
	if (!s->lo[0] || strcmp(code, s->lo) < 0)
		snprintf(s->lo, sizeof s->lo, "%s", code);
	if (!s->hi[0] || strcmp(code, s->hi) > 0)
		snprintf(s->hi, sizeof s->hi, "%s", code);
}

void people_span_scope(const span *s, char *out, size_t cap)
{
	policy_scope_common(s->lo, s->hi, out, cap);
}

/* SQLite: a larger page cache for the import's random index reads on this connection
 * (the dry run's); restored after. The write transaction of a real import runs on the
 * file's writer connection (src/db/sqlite.c), whose cache is that large already. */
void people_cache_big(gz_db *db, bool on)
{
	if (gz_db_driver(db) != GZ_DB_SQLITE)
		return;
	gz_err ignored;
	gz_err_clear(&ignored);
	gz_db_exec(db, on ? "PRAGMA cache_size = -65536" : "PRAGMA cache_size = -2000", &ignored);
}
