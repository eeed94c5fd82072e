/* The process's point -> grid locator, shared by all worker threads.
 *
 * A snapshot (locator + grid codes + the space_version it was built from) is
 * immutable once installed; readers take a reference under a small mutex, look up
 * without it (the locator serialises GEOS calls itself, see domain/geo.h) and drop
 * the reference. A rebuild makes a new snapshot and swaps the pointer; the old one is
 * freed by its last reader.
 *
 * Freshness across processes: every lookup reads space_version (one primary-key row)
 * and rebuilds when it differs from the snapshot's. The version is read BEFORE the
 * grids, so a snapshot is never labelled newer than its contents: at worst it is
 * rebuilt once more. Rebuilds are serialised per process by build_mu; threads that
 * wait for it find the fresh snapshot and do not rebuild again. */
#include "modules/space/space.h"
#include "core/log.h"
#include "core/mem.h"
#include "modules/space/geo.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct snapshot {
	int refs; /* under snap_mu */
	long long version;
	geo_locator *loc;
	int n;
	char (*codes)[SPACE_CODE_SIZE];
} snapshot;

static pthread_mutex_t snap_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t build_mu = PTHREAD_MUTEX_INITIALIZER;
static snapshot *current;

static void snapshot_free(snapshot *s)
{
	geo_locator_free(s->loc);
	free(s->codes);
	free(s);
}

static snapshot *acquire(void)
{
	pthread_mutex_lock(&snap_mu);
	snapshot *s = current;
	if (s)
		s->refs++;
	pthread_mutex_unlock(&snap_mu);
	return s;
}

static void release(snapshot *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&snap_mu);
	int left = --s->refs;
	pthread_mutex_unlock(&snap_mu);
	if (left == 0)
		snapshot_free(s);
}

/* Installs s (refs already 1 for `current`) and drops the old snapshot's reference. */
static void install(snapshot *s)
{
	pthread_mutex_lock(&snap_mu);
	snapshot *old = current;
	current = s;
	pthread_mutex_unlock(&snap_mu);
	release(old);
}

static int read_version(gz_db *db, long long *v, gz_err *err)
{
	int64_t x = 0;
	int rc =
	    gz_db_query_int64(db, "SELECT version FROM space_version WHERE id = 1", &x, err, 0);
	if (rc < 0)
		return -1;
	*v = rc == 1 ? (long long)x : 0;
	return 0;
}

/* Loads every grid (in code order: the boundary rule) into a new snapshot. */
static snapshot *load(gz_db *db, gz_err *err)
{
	long long version;
	if (read_version(db, &version, err) < 0)
		return NULL;
	gz_stmt *st = gz_db_prepare(db, "SELECT code, geometry FROM grids ORDER BY code", err);
	if (!st)
		return NULL;
	GEOSContextHandle_t h = geo_context_new();
	if (!h) {
		gz_stmt_finish(st);
		gz_err_set(err, GZ_EINTERNAL, "internal", "GEOS 无法初始化");
		return NULL;
	}
	int n = 0, cap = 0, rc;
	GEOSGeometry **gs = NULL;
	char(*codes)[SPACE_CODE_SIZE] = NULL;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		const char *code = gz_stmt_text(st, 0);
		json_error_t je;
		json_t *j = json_loadb(gz_stmt_text(st, 1), gz_stmt_len(st, 1), 0, &je);
		geo_problem p;
		GEOSGeometry *g = j ? geo_from_geojson(h, j, &p) : NULL;
		json_decref(j);
		if (!g || strlen(code) >= SPACE_CODE_SIZE) {
			gz_log_error(
			    "space: grid %s has an unreadable geometry; left out of locate", code);
			if (g)
				GEOSGeom_destroy_r(h, g);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			gs = gz_realloc(gs, sizeof *gs * (size_t)cap);
			codes = gz_realloc(codes, sizeof *codes * (size_t)cap);
		}
		gs[n] = g;
		memcpy(codes[n], code, strlen(code) + 1);
		n++;
	}
	gz_stmt_finish(st);
	if (rc < 0) {
		for (int i = 0; i < n; i++)
			GEOSGeom_destroy_r(h, gs[i]);
		free(gs);
		free(codes);
		GEOS_finish_r(h);
		return NULL;
	}
	GEOS_finish_r(h);
	snapshot *s = gz_calloc(1, sizeof *s);
	s->refs = 1;
	s->version = version;
	s->n = n;
	s->codes = codes;
	s->loc = geo_locator_new(gs, n); /* takes gs */
	if (!s->loc) {
		free(codes);
		free(s);
		gz_err_set(err, GZ_EINTERNAL, "internal", "无法建立网格定位索引");
		return NULL;
	}
	return s;
}

/* Rebuilds unless the installed snapshot already has version `want`. */
static int rebuild(gz_db *db, long long want, gz_err *err)
{
	pthread_mutex_lock(&build_mu);
	snapshot *s = acquire();
	bool fresh = s && s->version == want;
	release(s);
	int rc = 0;
	if (!fresh) {
		snapshot *ns = load(db, err);
		if (ns) {
			gz_log_info("space: locator built with %d grids (space version %lld)",
			            ns->n, ns->version);
			install(ns);
		} else {
			rc = -1;
		}
	}
	pthread_mutex_unlock(&build_mu);
	return rc;
}

int gz_space_locator_refresh(gz_db *db, gz_err *err)
{
	long long v;
	if (read_version(db, &v, err) < 0)
		return -1;
	return rebuild(db, v, err);
}

int gz_space_locate(gz_db *db, double lon, double lat, char *code, gz_err *err)
{
	long long v;
	if (read_version(db, &v, err) < 0)
		return -1;
	snapshot *s = acquire();
	if (!s || s->version != v) {
		release(s);
		if (rebuild(db, v, err) < 0)
			return -1;
		s = acquire();
		if (!s)
			return gz_err_set(err, GZ_EINTERNAL, "internal", "网格定位索引不可用");
	}
	int i = geo_locator_find(s->loc, lon, lat);
	if (i >= 0)
		memcpy(code, s->codes[i], SPACE_CODE_SIZE);
	release(s);
	return i >= 0 ? 1 : 0;
}

void gz_space_locator_info(int *grids, long long *version)
{
	snapshot *s = acquire();
	*grids = s ? s->n : -1;
	*version = s ? s->version : -1;
	release(s);
}
