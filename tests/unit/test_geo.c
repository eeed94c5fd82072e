/* Unit tests for domain/geo.c: GeoJSON -> GEOS with its checks, validity with a
 * located reason, areas in m^2, overlaps and gaps within a community, and the
 * locator (interiors, holes, MultiPolygons, shared edges and vertices -> the lowest
 * index, outside -> none). Coordinates are around Beijing (116.4E, 39.9N). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "modules/space/geo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static GEOSContextHandle_t H;

static int setup(void **state)
{
	(void)state;
	H = geo_context_new();
	return H ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	GEOS_finish_r(H);
	return 0;
}

static GEOSGeometry *parse(const char *geojson, geo_problem *p)
{
	json_error_t je;
	json_t *j = json_loads(geojson, 0, &je);
	assert_non_null(j);
	geo_problem ignored;
	GEOSGeometry *g = geo_from_geojson(H, j, p ? p : &ignored);
	json_decref(j);
	return g;
}

/* An axis-aligned rectangle as a GeoJSON Polygon. */
static GEOSGeometry *rect(double x0, double y0, double x1, double y1)
{
	char buf[512];
	snprintf(
	    buf, sizeof buf,
	    "{\"type\":\"Polygon\",\"coordinates\":[[[%.10f,%.10f],[%.10f,%.10f],[%.10f,%.10f],"
	    "[%.10f,%.10f],[%.10f,%.10f]]]}",
	    x0, y0, x1, y0, x1, y1, x0, y1, x0, y0);
	GEOSGeometry *g = parse(buf, NULL);
	assert_non_null(g);
	return g;
}

/* Area of a lon/lat rectangle on the WGS84 ellipsoid, integrated numerically in
 * latitude (independent of geo_area_m2's projection). */
static double ellipsoid_rect_area(double x0, double y0, double x1, double y1)
{
	const double a = 6378137.0, f = 1 / 298.257223563, e2 = f * (2 - f), d = M_PI / 180;
	double sum = 0;
	int steps = 1000;
	for (int i = 0; i < steps; i++) {
		double phi = (y0 + (y1 - y0) * (i + 0.5) / steps) * d;
		double w = 1 - e2 * sin(phi) * sin(phi);
		double m = a * (1 - e2) / (w * sqrt(w)), n = a / sqrt(w);
		sum += m * n * cos(phi) * ((y1 - y0) * d / steps);
	}
	return sum * (x1 - x0) * d;
}

/* ---------------------------------------------------------------- parsing */

static void test_geo_polygon_and_multipolygon_parse(void **state)
{
	(void)state;
	geo_problem p;
	GEOSGeometry *g =
	    parse("{\"type\":\"Polygon\",\"coordinates\":[[[116.4,39.9],[116.41,39.9],"
	          "[116.41,39.91],[116.4,39.91],[116.4,39.9]]]}",
	          &p);
	assert_non_null(g);
	assert_int_equal(GEOSGeomTypeId_r(H, g), GEOS_POLYGON);
	assert_int_equal(geo_check_valid(H, g, &p), 0);
	GEOSGeom_destroy_r(H, g);
	g = parse("{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]],"
	          "[[[2,0],[3,0],[3,1],[2,1],[2,0]],[[2.2,0.2],[2.2,0.8],[2.8,0.8],[2.2,0.2]]]]}",
	          &p);
	assert_non_null(g);
	assert_int_equal(GEOSGeomTypeId_r(H, g), GEOS_MULTIPOLYGON);
	assert_int_equal(GEOSGetNumGeometries_r(H, g), 2);
	/* Round trip to GeoJSON keeps type, parts and holes. */
	json_t *j = geo_to_geojson(H, g);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "type")), "MultiPolygon");
	json_t *c = json_object_get(j, "coordinates");
	assert_int_equal(json_array_size(c), 2);
	assert_int_equal(json_array_size(json_array_get(c, 1)), 2);
	json_decref(j);
	GEOSGeom_destroy_r(H, g);
	/* A third coordinate (altitude) is accepted and ignored. */
	g = parse("{\"type\":\"Polygon\",\"coordinates\":[[[0,0,5],[1,0,5],[1,1,5],[0,0,5]]]}", &p);
	assert_non_null(g);
	GEOSGeom_destroy_r(H, g);
}

static void expect_problem(const char *geojson, const char *field_part, const char *reason_part)
{
	geo_problem p;
	GEOSGeometry *g = parse(geojson, &p);
	if (g) {
		GEOSGeom_destroy_r(H, g);
		fail_msg("expected a problem for %s", geojson);
	}
	if (!strstr(p.field, field_part) || !strstr(p.reason, reason_part))
		fail_msg("%s: got field '%s' reason '%s'", geojson, p.field, p.reason);
}

static void test_geo_bad_geojson_is_reported_with_its_place(void **state)
{
	(void)state;
	/* Found by fuzzing: an altitude whose stored form (15 digits) would not read back. */
	expect_problem("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0,1.7976931348623157e308],"
	               "[1,1],[0,0]]]}",
	               "coordinates[0][1]", "高程超出范围");
	expect_problem("{\"type\":\"Polygon\",\"coordinates\":[[[0,0,-100001],[1,0],[1,1],[0,0]]]}",
	               "coordinates[0][0]", "高程超出范围");
	expect_problem("{\"type\":\"Point\",\"coordinates\":[116.4,39.9]}", "geometry.type",
	               "Point");
	expect_problem("{\"type\":\"LineString\",\"coordinates\":[[0,0],[1,1]]}", "geometry.type",
	               "LineString");
	expect_problem("{\"coordinates\":[]}", "geometry.type", "type");
	expect_problem("{\"type\":\"Polygon\"}", "geometry.coordinates", "coordinates");
	expect_problem("{\"type\":\"Polygon\",\"coordinates\":[]}", "geometry.coordinates", "外环");
	expect_problem("{\"type\":\"MultiPolygon\",\"coordinates\":[]}", "geometry.coordinates",
	               "多边形");
	/* Latitude 200 at the third position of the shell. */
	expect_problem("{\"type\":\"Polygon\",\"coordinates\":[[[116.4,39.9],[116.41,39.9],"
	               "[116.41,200],[116.4,39.91],[116.4,39.9]]]}",
	               "geometry.coordinates[0][2]", "纬度");
	expect_problem("{\"type\":\"Polygon\",\"coordinates\":[[[190,39.9],[116.41,39.9],"
	               "[116.41,39.91],[190,39.9]]]}",
	               "geometry.coordinates[0][0]", "经度");
	expect_problem("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,0.5]]]}",
	               "geometry.coordinates[0]", "闭合");
	expect_problem("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[0,0]]]}",
	               "geometry.coordinates[0]", "4");
	expect_problem("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,\"0\"],[1,1],[0,0]]]}",
	               "geometry.coordinates[0][1]", "数字");
	expect_problem("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1],[1,1],[0,0]]]}",
	               "geometry.coordinates[0][1]", "经度, 纬度");
	expect_problem("{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0,0],[1,0],[1,1],[0,0]]],"
	               "[[[0,0],[1,0],[1,1],[0,0]],[[0,0],[1,0],[0,0]]]]}",
	               "geometry.coordinates[1][1]", "4");
	geo_problem p;
	assert_null(geo_from_geojson(H, NULL, &p));
	assert_string_equal(p.field, "geometry");
}

static void test_geo_bowtie_is_invalid_with_self_intersection_location(void **state)
{
	(void)state;
	geo_problem p;
	GEOSGeometry *g =
	    parse("{\"type\":\"Polygon\",\"coordinates\":[[[116.40,39.90],[116.42,39.92],"
	          "[116.42,39.90],[116.40,39.92],[116.40,39.90]]]}",
	          &p);
	assert_non_null(g);
	assert_int_equal(geo_check_valid(H, g, &p), -1);
	assert_string_equal(p.reason, "自相交");
	assert_non_null(strstr(p.detail, "Self-intersection"));
	assert_true(p.has_location);
	assert_true(fabs(p.lon - 116.41) < 1e-9);
	assert_true(fabs(p.lat - 39.91) < 1e-9);
	GEOSGeom_destroy_r(H, g);
	/* A hole outside its shell. */
	g = parse("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1],[0,0]],"
	          "[[2,2],[3,2],[3,3],[2,2]]]}",
	          &p);
	assert_non_null(g);
	assert_int_equal(geo_check_valid(H, g, &p), -1);
	assert_non_null(strstr(p.reason, "外环之外"));
	GEOSGeom_destroy_r(H, g);
}

/* ---------------------------------------------------------------- areas */

static void test_geo_area_matches_the_ellipsoid_within_a_ten_thousandth(void **state)
{
	(void)state;
	/* About 850 m x 1110 m at 39.9N, and 10 km x 11 km at 22.5N. */
	double boxes[][4] = {{116.40, 39.90, 116.41, 39.91},
	                     {114.00, 22.50, 114.10, 22.60},
	                     {87.60, 43.80, 87.601, 43.8005}};
	for (size_t i = 0; i < sizeof boxes / sizeof boxes[0]; i++) {
		double *b = boxes[i];
		GEOSGeometry *g = rect(b[0], b[1], b[2], b[3]);
		double got = geo_area_m2(H, g), want = ellipsoid_rect_area(b[0], b[1], b[2], b[3]);
		if (fabs(got - want) / want > 1e-4)
			fail_msg("box %zu: area %.3f m2, ellipsoid %.3f m2", i, got, want);
		GEOSGeom_destroy_r(H, g);
	}
}

/* ---------------------------------------------------------------- overlaps, gaps */

static void test_geo_overlapping_pair_is_reported_with_its_area(void **state)
{
	(void)state;
	GEOSGeometry *gs[4] = {
	    rect(116.000, 39.900, 116.002, 39.902), /* 0 overlaps 1 by 0.001 x 0.001 deg */
	    rect(116.001, 39.901, 116.003, 39.903),
	    rect(116.002, 39.900, 116.004, 39.901), /* 2 touches 0 and 1 only along edges */
	    NULL,                                   /* skipped (an invalid feature) */
	};
	geo_overlap *ov = NULL;
	int n = geo_find_overlaps(H, gs, 4, &ov);
	assert_int_equal(n, 1);
	assert_int_equal(ov[0].a, 0);
	assert_int_equal(ov[0].b, 1);
	double want = ellipsoid_rect_area(116.001, 39.901, 116.002, 39.902);
	if (fabs(ov[0].area_m2 - want) / want > 0.01)
		fail_msg("overlap %.3f m2, expected %.3f m2", ov[0].area_m2, want);
	assert_true(ov[0].lon > 116.001 && ov[0].lon < 116.002);
	assert_true(ov[0].lat > 39.901 && ov[0].lat < 39.902);
	free(ov);
	for (int i = 0; i < 3; i++)
		GEOSGeom_destroy_r(H, gs[i]);
}

static void test_geo_tiles_sharing_edges_do_not_overlap(void **state)
{
	(void)state;
	enum { N = 5 };
	GEOSGeometry *gs[N * N];
	double s = 0.002;
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			gs[i * N + j] = rect(116.4 + i * s, 39.9 + j * s, 116.4 + (i + 1) * s,
			                     39.9 + (j + 1) * s);
	geo_overlap *ov = NULL;
	assert_int_equal(geo_find_overlaps(H, gs, N * N, &ov), 0);
	assert_null(ov);
	geo_gap *gaps = NULL;
	assert_int_equal(geo_find_gaps(H, gs, N * N, &gaps), 0);
	assert_null(gaps);
	for (int i = 0; i < N * N; i++)
		GEOSGeom_destroy_r(H, gs[i]);
}

static void test_geo_enclosed_gap_is_found_and_outer_concavity_is_not(void **state)
{
	(void)state;
	/* 3x3 tiles without the centre one, and without a corner (a concavity). */
	GEOSGeometry *gs[9];
	int n = 0;
	double s = 0.001;
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			if ((i == 1 && j == 1) || (i == 2 && j == 2))
				continue;
			gs[n++] = rect(116.4 + i * s, 39.9 + j * s, 116.4 + (i + 1) * s,
			               39.9 + (j + 1) * s);
		}
	geo_gap *gaps = NULL;
	assert_int_equal(geo_find_gaps(H, gs, n, &gaps), 1);
	double want = ellipsoid_rect_area(116.401, 39.901, 116.402, 39.902);
	if (fabs(gaps[0].area_m2 - want) / want > 0.001)
		fail_msg("gap %.3f m2, expected %.3f m2", gaps[0].area_m2, want);
	assert_true(gaps[0].lon > 116.401 && gaps[0].lon < 116.402);
	assert_true(gaps[0].lat > 39.901 && gaps[0].lat < 39.902);
	free(gaps);
	for (int i = 0; i < n; i++)
		GEOSGeom_destroy_r(H, gs[i]);
}

/* ---------------------------------------------------------------- locator */

static geo_locator *locator_of(const char *const *geojsons, int n)
{
	GEOSGeometry **gs = calloc((size_t)n, sizeof *gs);
	for (int i = 0; i < n; i++) {
		gs[i] = parse(geojsons[i], NULL);
		assert_non_null(gs[i]);
	}
	geo_locator *l = geo_locator_new(gs, n);
	assert_non_null(l);
	assert_int_equal(geo_locator_count(l), n);
	return l;
}

/* Both the tree and the scan must give the same answer. */
static void expect_at(geo_locator *l, double lon, double lat, int want)
{
	int a = geo_locator_find(l, lon, lat), b = geo_locator_find_scan(l, lon, lat);
	if (a != want || b != want)
		fail_msg("(%.6f, %.6f): tree %d, scan %d, expected %d", lon, lat, a, b, want);
}

static void test_geo_locator_interiors_holes_and_multipolygons(void **state)
{
	(void)state;
	const char *g[] = {
	    /* 0: a square with a square hole */
	    "{\"type\":\"Polygon\",\"coordinates\":[[[116.40,39.90],[116.41,39.90],[116.41,39.91],"
	    "[116.40,39.91],[116.40,39.90]],[[116.403,39.903],[116.403,39.907],[116.407,39.907],"
	    "[116.407,39.903],[116.403,39.903]]]}",
	    /* 1: a MultiPolygon of two separate squares */
	    "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[116.42,39.90],[116.43,39.90],"
	    "[116.43,39.91],[116.42,39.91],[116.42,39.90]]],[[[116.44,39.90],[116.45,39.90],"
	    "[116.45,39.91],[116.44,39.91],[116.44,39.90]]]]}",
	};
	geo_locator *l = locator_of(g, 2);
	expect_at(l, 116.401, 39.901, 0);  /* interior */
	expect_at(l, 116.405, 39.905, -1); /* inside the hole */
	expect_at(l, 116.403, 39.905, 0);  /* on the hole's ring: boundary belongs to 0 */
	expect_at(l, 116.425, 39.905, 1);  /* first part */
	expect_at(l, 116.445, 39.905, 1);  /* second part */
	expect_at(l, 116.435, 39.905, -1); /* between the parts */
	expect_at(l, 116.50, 39.95, -1);   /* far outside */
	expect_at(l, 116.40, 39.90, 0);    /* a corner vertex */
	assert_int_equal(geo_locator_find(l, NAN, 39.9), -1);
	geo_locator_free(l);
}

static void test_geo_locator_shared_boundary_goes_to_lowest_index(void **state)
{
	(void)state;
	/* Four squares meeting at (116.41, 39.91); index order = code order. */
	const char *g[] = {
	    "{\"type\":\"Polygon\",\"coordinates\":[[[116.40,39.90],[116.41,39.90],[116.41,39.91],"
	    "[116.40,39.91],[116.40,39.90]]]}",
	    "{\"type\":\"Polygon\",\"coordinates\":[[[116.41,39.90],[116.42,39.90],[116.42,39.91],"
	    "[116.41,39.91],[116.41,39.90]]]}",
	    "{\"type\":\"Polygon\",\"coordinates\":[[[116.40,39.91],[116.41,39.91],[116.41,39.92],"
	    "[116.40,39.92],[116.40,39.91]]]}",
	    "{\"type\":\"Polygon\",\"coordinates\":[[[116.41,39.91],[116.42,39.91],[116.42,39.92],"
	    "[116.41,39.92],[116.41,39.91]]]}",
	};
	geo_locator *l = locator_of(g, 4);
	expect_at(l, 116.41, 39.905, 0);  /* edge shared by 0 and 1 */
	expect_at(l, 116.405, 39.91, 0);  /* edge shared by 0 and 2 */
	expect_at(l, 116.415, 39.91, 1);  /* edge shared by 1 and 3 */
	expect_at(l, 116.41, 39.915, 2);  /* edge shared by 2 and 3 */
	expect_at(l, 116.41, 39.91, 0);   /* vertex shared by all four */
	expect_at(l, 116.415, 39.915, 3); /* interior of 3 */
	/* Repeat: the answer never changes. */
	for (int i = 0; i < 100; i++)
		assert_int_equal(geo_locator_find(l, 116.41, 39.91), 0);
	geo_locator_free(l);
}

static void test_geo_locator_tree_agrees_with_scan_on_random_points(void **state)
{
	(void)state;
	enum { N = 20 };
	GEOSGeometry **gs = calloc(N * N, sizeof *gs);
	double s = 0.001;
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			gs[i * N + j] = rect(116.4 + i * s, 39.9 + j * s, 116.4 + (i + 1) * s,
			                     39.9 + (j + 1) * s);
	geo_locator *l = geo_locator_new(gs, N * N);
	assert_non_null(l);
	srand(7);
	for (int k = 0; k < 2000; k++) {
		double lon = 116.399 + (rand() / (double)RAND_MAX) * (N * s + 0.002);
		double lat = 39.899 + (rand() / (double)RAND_MAX) * (N * s + 0.002);
		/* Snap some points onto the grid lines. */
		if (k % 3 == 0)
			lon = 116.4 + (rand() % (N + 1)) * s;
		int a = geo_locator_find(l, lon, lat), b = geo_locator_find_scan(l, lon, lat);
		if (a != b)
			fail_msg("(%.7f, %.7f): tree %d, scan %d", lon, lat, a, b);
	}
	geo_locator_free(l);
	/* An empty locator finds nothing. */
	l = geo_locator_new(NULL, 0);
	assert_non_null(l);
	assert_int_equal(geo_locator_find(l, 116.4, 39.9), -1);
	geo_locator_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_geo_polygon_and_multipolygon_parse),
	    cmocka_unit_test(test_geo_bad_geojson_is_reported_with_its_place),
	    cmocka_unit_test(test_geo_bowtie_is_invalid_with_self_intersection_location),
	    cmocka_unit_test(test_geo_area_matches_the_ellipsoid_within_a_ten_thousandth),
	    cmocka_unit_test(test_geo_overlapping_pair_is_reported_with_its_area),
	    cmocka_unit_test(test_geo_tiles_sharing_edges_do_not_overlap),
	    cmocka_unit_test(test_geo_enclosed_gap_is_found_and_outer_concavity_is_not),
	    cmocka_unit_test(test_geo_locator_interiors_holes_and_multipolygons),
	    cmocka_unit_test(test_geo_locator_shared_boundary_goes_to_lowest_index),
	    cmocka_unit_test(test_geo_locator_tree_agrees_with_scan_on_random_points),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
