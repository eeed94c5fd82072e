/* The GeoJSON grid import (api/space_import.c, gz_space_import) from the request body
 * on: gz_json_parse_object as the handler calls it, then the import as a dry run — the
 * per-feature checks (properties, geo_from_geojson, GEOS validity, area), the checks
 * across features, and the overlap and gap checks against stored grids. The database
 * is SQLite in memory, migrated once, holding one stored community with two grids
 * (so files can overlap, replace or extend them); a dry run rolls back, so every input
 * sees the same database. Called with no request (as the CLI does): no scope checks.
 * Every geometry geo_from_geojson accepts must also read back from its stored form. */
#include "fuzz.h"

#include "modules/space/space.h"
#include "core/json.h"
#include "db/db.h"
#include "db/migrations.h"
#include "modules/space/geo.h"

#include <string.h>

static const char stored[] =
    "{\"type\":\"FeatureCollection\",\"features\":["
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"110101001001001\",\"name\":\"一\","
    "\"street_name\":\"东华门街道\",\"community_name\":\"多福巷社区\"},"
    "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[116.4,39.9],[116.402,39.9],"
    "[116.402,39.902],[116.4,39.902],[116.4,39.9]]]}},"
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"110101001001002\",\"name\":\"二\"},"
    "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[116.402,39.9],[116.404,39.9],"
    "[116.404,39.902],[116.402,39.902],[116.402,39.9]]]}}]}";

static gz_db *db;
static GEOSContextHandle_t geos;

/* A geometry geo_from_geojson accepts must still be accepted after the round trip
 * through its stored form: {type, coordinates}, compact, 15 significant digits (as
 * geometry_text() in api/space_import.c writes it). */
static void check_stored_form(json_t *geom)
{
	geo_problem p;
	GEOSGeometry *g = geo_from_geojson(geos, geom, &p);
	if (!g)
		return;
	GEOSGeom_destroy_r(geos, g);
	json_t *o = json_pack("{s:O,s:O}", "type", json_object_get(geom, "type"), "coordinates",
	                      json_object_get(geom, "coordinates"));
	char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(o);
	FUZZ_CHECK(s);
	json_t *back = json_loads(s, 0, NULL);
	free(s);
	FUZZ_CHECK(back);
	g = geo_from_geojson(geos, back, &p);
	if (!g)
		fprintf(stderr, "stored form refused: %s %s\n", p.field, p.reason);
	FUZZ_CHECK(g);
	GEOSGeom_destroy_r(geos, g);
	json_decref(back);
}

/* The import runs as the command-line operator (no session in a fuzz run). */
static gz_actor operator_;

static void setup(void)
{
	gz_actor_operator(&operator_);
	gz_err err;
	gz_err_clear(&err);
	db = gz_db_open("sqlite::memory:", &err);
	/* The audit log and the grid tables, without linking module code. */
	gz_db_add_migrations("accounts");
	gz_db_add_migrations("space");
	FUZZ_CHECK(db && gz_db_migrate(db, &err) >= 0);
	json_t *doc = gz_json_parse_object(stored, strlen(stored), &err), *report = NULL;
	FUZZ_CHECK(doc && gz_space_import(db, &operator_, doc, false, &report, &err) == 0);
	FUZZ_CHECK(json_is_true(json_object_get(report, "ok")));
	json_decref(report);
	json_decref(doc);
	geos = geo_context_new();
	FUZZ_CHECK(geos);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!db)
		setup();
	gz_err err;
	gz_err_clear(&err);
	json_t *doc = gz_json_parse_object((const char *)data, size, &err);
	if (!doc)
		return 0;
	json_t *report = NULL;
	int rc = gz_space_import(db, &operator_, doc, true, &report, &err);
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(doc, "features"), i, e)
	{
		if (i == 64)
			break;
		check_stored_form(json_object_get(e, "geometry"));
	}
	json_decref(doc);
	if (rc < 0) {
		/* Only the database can fail the call itself; problems in the file are the
		 * report's. SQLite in memory does not fail. */
		fprintf(stderr, "import failed: %s %s\n", err.code, err.message);
		FUZZ_CHECK(rc == 0);
	}
	FUZZ_CHECK(json_is_object(report));
	json_t *ok = json_object_get(report, "ok"), *errors = json_object_get(report, "errors");
	json_int_t nerr = json_integer_value(json_object_get(report, "error_count"));
	FUZZ_CHECK(json_is_boolean(ok) && json_is_array(errors));
	FUZZ_CHECK(json_is_true(ok) == (nerr == 0));
	FUZZ_CHECK((json_int_t)json_array_size(errors) == (nerr < 1000 ? nerr : 1000));
	json_array_foreach(errors, i, e)
	{
		FUZZ_CHECK(json_is_string(json_object_get(e, "reason")));
		FUZZ_CHECK(json_is_string(json_object_get(e, "field")));
	}
	if (json_is_true(ok)) {
		json_int_t n = json_integer_value(json_object_get(report, "features"));
		json_int_t made = json_integer_value(json_object_get(report, "created")) +
		                  json_integer_value(json_object_get(report, "replaced"));
		FUZZ_CHECK(n >= 1 && made == n);
	}
	/* The report goes out as the answer: it must serialise. */
	char *s = gz_json_dump(report, NULL);
	FUZZ_CHECK(s);
	if (getenv("GZ_FUZZ_DEBUG"))
		fprintf(stderr, "%s\n", s);
	free(s);
	json_decref(report);
	return 0;
}
