/* Geometry for the space tree, over the GEOS C API (thread-safe "_r" functions, one
 * context handle per thread or per object). Pure computation: no I/O.
 *
 * Coordinates are WGS84 longitude/latitude in degrees, as in GeoJSON (RFC 7946).
 * Areas are square metres computed on a local equal-area projection (geo_area_m2());
 * they are reported to people, never compared against a legal threshold, so they are
 * doubles here and become integers (0.01 m^2) only when stored.
 *
 * Ownership: functions that return a GEOSGeometry * give the caller a geometry to
 * destroy with GEOSGeom_destroy_r(); arrays returned through out parameters are
 * malloc'd and freed by the caller with free(). */
#ifndef GZ_DOMAIN_GEO_H
#define GZ_DOMAIN_GEO_H

#include <geos_c.h>
#include <jansson.h>
#include <stdbool.h>

/* Intersections and gaps at most this large (m^2) are numerical noise from boundaries
 * that touch, not overlaps or gaps. */
#define GEO_AREA_EPS_M2 0.01

/* Most positions accepted in one geometry (all rings together). */
#define GEO_MAX_POSITIONS 500000

/* Bound on a position's optional altitude, metres (it is ignored, only kept). */
#define GEO_MAX_ALTITUDE_M 100000

/* A problem with one geometry, for an import report. */
typedef struct geo_problem {
	char field[112];  /* where: "geometry.coordinates[0][3]" */
	char reason[160]; /* Chinese, e.g. "自相交" */
	char detail[96];  /* GEOS's own words when it found the problem, else "" */
	bool has_location;
	double lon, lat;
} geo_problem;

/* A new GEOS context whose error and notice messages are kept for geo_last_error()
 * instead of printed. Destroy with GEOS_finish_r(). Returns NULL if GEOS cannot
 * allocate one. */
GEOSContextHandle_t geo_context_new(void);

/* The last GEOS error message raised on this thread ("" if none). */
const char *geo_last_error(void);

/* Builds a GEOS polygon or multipolygon from a GeoJSON geometry object. Checks the
 * type (Polygon or MultiPolygon only), the nesting of "coordinates", every position
 * ([lon, lat] or [lon, lat, alt], finite numbers, lon in -180..180, lat in -90..90,
 * alt in +-GEO_MAX_ALTITUDE_M),
 * rings of at least 4 positions that end where they start, and at most
 * GEO_MAX_POSITIONS positions. It does NOT check validity (geo_check_valid()).
 * Returns the geometry, or NULL with *p filled (the first problem found). */
GEOSGeometry *geo_from_geojson(GEOSContextHandle_t h, const json_t *geom, geo_problem *p);

/* The GeoJSON geometry object of a polygon or multipolygon (new reference), or NULL. */
json_t *geo_to_geojson(GEOSContextHandle_t h, const GEOSGeometry *g);

/* OGC validity (GEOSisValidDetail_r): returns 0 if g is valid, or -1 with *p filled:
 * a Chinese reason ("自相交", "内环位于外环之外", ...), GEOS's reason in detail, and the
 * location of the problem when GEOS gives one. */
int geo_check_valid(GEOSContextHandle_t h, const GEOSGeometry *g, geo_problem *p);

/* Area of a lon/lat geometry in m^2. Method: Lambert cylindrical equal-area
 * projection with standard parallel at the centre of g's bounding box, on a sphere
 * whose radius is the WGS84 Gaussian mean radius sqrt(M*N) at that latitude:
 *     x = R cos(phi0) (lambda - lambda0),   y = R (sin(phi) - sin(phi0)) / cos(phi0)
 * The projection is exactly equal-area on that sphere, and the sphere matches the
 * ellipsoid's area element at phi0; the relative error grows with the north-south
 * extent d (radians) as about 2 e^2 sin(2 phi0) d: under 1e-4 for extents up to
 * ~50 km (docs/SPACE.md). Returns -1 on a GEOS failure. */
double geo_area_m2(GEOSContextHandle_t h, const GEOSGeometry *g);

/* A point inside g (GEOSPointOnSurface) as lon/lat. Returns 0, or -1. */
int geo_point_on_surface(GEOSContextHandle_t h, const GEOSGeometry *g, double *lon, double *lat);

/* Bounding box of g: lon/lat minima and maxima. Returns 0, or -1 for an empty g. */
int geo_bbox(GEOSContextHandle_t h, const GEOSGeometry *g, double *minx, double *miny, double *maxx,
             double *maxy);

/* One overlapping pair: indexes a < b into the input array, the area of the
 * intersection in m^2 (-1 if GEOS could not compute it), and a point inside it. */
typedef struct geo_overlap {
	int a, b;
	double area_m2;
	double lon, lat;
} geo_overlap;

/* Every pair of gs[0..n) whose intersection has an area above GEO_AREA_EPS_M2
 * (polygons that only share edges or vertices do not overlap). Candidate pairs come
 * from an STRtree over the bounding boxes, so the cost follows the number of
 * neighbouring pairs, not n^2. NULL entries are skipped. Pairs are ordered by a, then
 * b. Returns the number of pairs and sets *out (free(); NULL when 0), or -1 on a
 * GEOS failure. */
int geo_find_overlaps(GEOSContextHandle_t h, GEOSGeometry *const *gs, int n, geo_overlap **out);

/* One gap: its area in m^2 and a point inside it. */
typedef struct geo_gap {
	double area_m2;
	double lon, lat;
} geo_gap;

/* Gaps in a set of polygons that should tile an area (one community's grids): the
 * holes of their union, i.e. areas enclosed by the grids but covered by none, larger
 * than GEO_AREA_EPS_M2. Concavities of the outer boundary are not gaps (the
 * community's outline is not known). NULL entries are skipped. Returns the number of
 * gaps and sets *out (free(); NULL when 0), or -1 on a GEOS failure. */
int geo_find_gaps(GEOSContextHandle_t h, GEOSGeometry *const *gs, int n, geo_gap **out);

/* Point -> polygon: an STRtree over prepared polygons.
 *
 * Boundary rule: a point belongs to the LOWEST-INDEXED polygon whose closed area
 * (interior plus boundary, holes excluded but their rings included) contains it.
 * Callers number the polygons in ascending code order, so a point on an edge or
 * vertex shared by several grids goes to the grid with the smallest code, always.
 *
 * Thread safety: GEOS 3.11 prepared geometries build indexes lazily and are not safe
 * to evaluate from several threads at once (libgeos/geos#825), so a locator
 * serialises lookups with its own mutex and its own GEOS context. A lookup takes
 * about a microsecond, far below an HTTP request; bench/locate.c measures it with
 * several threads. */
typedef struct geo_locator geo_locator;

/* Builds a locator over gs[0..n) (polygons or multipolygons; none NULL). Takes
 * ownership of the geometries and of the gs array itself (both freed by
 * geo_locator_free(), also when this fails). Returns NULL on a GEOS failure. */
geo_locator *geo_locator_new(GEOSGeometry **gs, int n);
void geo_locator_free(geo_locator *l);
int geo_locator_count(const geo_locator *l);

/* The index of the polygon containing (lon, lat) under the boundary rule, or -1. */
int geo_locator_find(geo_locator *l, double lon, double lat);

/* The same answer found by testing every prepared polygon in index order (no tree):
 * the baseline bench/locate.c compares against. */
int geo_locator_find_scan(geo_locator *l, double lon, double lat);

#endif
