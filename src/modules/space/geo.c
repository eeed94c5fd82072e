#include "modules/space/geo.h"
#include "core/mem.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- contexts */

static _Thread_local char last_error[256];

static void on_geos_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof last_error, fmt, ap);
	va_end(ap);
}

static void on_geos_notice(const char *fmt, ...)
{
	(void)fmt;
}

GEOSContextHandle_t geo_context_new(void)
{
	GEOSContextHandle_t h = GEOS_init_r();
	if (!h)
		return NULL;
	GEOSContext_setErrorHandler_r(h, on_geos_error);
	GEOSContext_setNoticeHandler_r(h, on_geos_notice);
	return h;
}

const char *geo_last_error(void)
{
	return last_error;
}

/* Copies src into dst[size], truncated (at a byte: callers pass ASCII or whole
 * Chinese phrases that fit). */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void problem(geo_problem *p, const char *field, const char *reason)
{
	memset(p, 0, sizeof *p);
	copy_str(p->field, sizeof p->field, field);
	copy_str(p->reason, sizeof p->reason, reason);
}

static void problem_at(geo_problem *p, const char *field, const char *reason, double lon,
                       double lat)
{
	problem(p, field, reason);
	p->has_location = true;
	p->lon = lon;
	p->lat = lat;
}

/* ---------------------------------------------------------------- GeoJSON -> GEOS */

typedef struct {
	GEOSContextHandle_t h;
	geo_problem *p;
	size_t positions; /* running total, against GEO_MAX_POSITIONS */
	double *buf;      /* scratch: x,y pairs of one ring */
	size_t buf_cap;
} reader;

/* Reads one linear ring at path (e.g. "geometry.coordinates[1][0]"). */
static GEOSGeometry *read_ring(reader *rd, const json_t *ring, const char *path)
{
	char field[112];
	if (!json_is_array(ring)) {
		problem(rd->p, path, "环应为坐标数组");
		return NULL;
	}
	size_t n = json_array_size(ring);
	if (n < 4) {
		problem(rd->p, path, "环至少需要 4 个坐标点（首尾相同）");
		return NULL;
	}
	rd->positions += n;
	if (rd->positions > GEO_MAX_POSITIONS) {
		problem(rd->p, path, "坐标点过多（一个几何最多 500000 个）");
		return NULL;
	}
	if (n * 2 > rd->buf_cap) {
		free(rd->buf);
		rd->buf_cap = n * 2;
		rd->buf = gz_malloc(rd->buf_cap * sizeof *rd->buf);
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *pos = json_array_get(ring, i);
		snprintf(field, sizeof field, "%s[%u]", path, (unsigned)i);
		size_t dim = json_is_array(pos) ? json_array_size(pos) : 0;
		if (dim < 2 || dim > 3) {
			problem(rd->p, field, "坐标应为 [经度, 纬度] 数组");
			return NULL;
		}
		for (size_t k = 0; k < dim; k++)
			if (!json_is_number(json_array_get(pos, k))) {
				problem(rd->p, field, "坐标分量应为数字");
				return NULL;
			}
		double lon = json_number_value(json_array_get(pos, 0));
		double lat = json_number_value(json_array_get(pos, 1));
		/* The altitude is ignored but stored with the geometry: bound it, so that its
		 * stored form (15 significant digits) reads back (1.7976931348623157e308
		 * would round past the largest double, and the grid would be unreadable). */
		double alt = dim == 3 ? json_number_value(json_array_get(pos, 2)) : 0;
		if (alt < -GEO_MAX_ALTITUDE_M || alt > GEO_MAX_ALTITUDE_M) {
			problem(rd->p, field, "高程超出范围 -100000 到 100000 米");
			snprintf(rd->p->detail, sizeof rd->p->detail, "altitude %.9g", alt);
			return NULL;
		}
		if (!isfinite(lon) || !isfinite(lat)) {
			problem(rd->p, field, "坐标不是有限数");
			return NULL;
		}
		if (lon < -180 || lon > 180) {
			problem(rd->p, field, "经度超出范围 -180 到 180");
			snprintf(rd->p->detail, sizeof rd->p->detail, "longitude %.9g", lon);
			return NULL;
		}
		if (lat < -90 || lat > 90) {
			problem(rd->p, field, "纬度超出范围 -90 到 90");
			snprintf(rd->p->detail, sizeof rd->p->detail, "latitude %.9g", lat);
			return NULL;
		}
		rd->buf[2 * i] = lon;
		rd->buf[2 * i + 1] = lat;
	}
	if (rd->buf[0] != rd->buf[2 * n - 2] || rd->buf[1] != rd->buf[2 * n - 1]) {
		problem_at(rd->p, path, "环未闭合（首尾坐标应相同）", rd->buf[0], rd->buf[1]);
		return NULL;
	}
	GEOSCoordSequence *cs = GEOSCoordSeq_copyFromBuffer_r(rd->h, rd->buf, (unsigned)n, 0, 0);
	GEOSGeometry *g = cs ? GEOSGeom_createLinearRing_r(rd->h, cs) : NULL;
	if (!g)
		problem(rd->p, path, "无法构造环");
	return g;
}

/* Reads the rings of one polygon (coordinates array at path). */
static GEOSGeometry *read_polygon(reader *rd, const json_t *rings, const char *path)
{
	if (!json_is_array(rings)) {
		problem(rd->p, path, "多边形坐标应为环的数组");
		return NULL;
	}
	size_t n = json_array_size(rings);
	if (n == 0) {
		problem(rd->p, path, "多边形没有外环");
		return NULL;
	}
	GEOSGeometry *shell = NULL, **holes = n > 1 ? gz_calloc(n - 1, sizeof *holes) : NULL;
	size_t got = 0;
	char field[80];
	for (size_t i = 0; i < n; i++, got++) {
		snprintf(field, sizeof field, "%s[%u]", path, (unsigned)i);
		GEOSGeometry *ring = read_ring(rd, json_array_get(rings, i), field);
		if (!ring)
			break;
		if (i == 0)
			shell = ring;
		else
			holes[i - 1] = ring;
	}
	GEOSGeometry *poly = NULL;
	if (got == n) {
		poly = GEOSGeom_createPolygon_r(rd->h, shell, holes, (unsigned)(n - 1));
		if (!poly)
			problem(rd->p, path, "无法构造多边形");
		shell = NULL; /* taken by GEOS, also on failure */
		if (holes)
			memset(holes, 0, (n - 1) * sizeof *holes);
	}
	if (shell)
		GEOSGeom_destroy_r(rd->h, shell);
	for (size_t i = 0; i + 1 < n && holes; i++)
		if (holes[i])
			GEOSGeom_destroy_r(rd->h, holes[i]);
	free(holes);
	return poly;
}

GEOSGeometry *geo_from_geojson(GEOSContextHandle_t h, const json_t *geom, geo_problem *p)
{
	memset(p, 0, sizeof *p);
	if (!json_is_object(geom)) {
		problem(p, "geometry", "缺少几何对象（geometry）");
		return NULL;
	}
	const json_t *type = json_object_get(geom, "type");
	const char *t = json_string_value(type);
	if (!t) {
		problem(p, "geometry.type", "缺少几何类型（type）");
		return NULL;
	}
	bool multi = !strcmp(t, "MultiPolygon");
	if (!multi && strcmp(t, "Polygon") != 0) {
		char why[160];
		snprintf(why, sizeof why, "不支持的几何类型 %.40s，只接受 Polygon 或 MultiPolygon",
		         t);
		problem(p, "geometry.type", why);
		return NULL;
	}
	const json_t *coords = json_object_get(geom, "coordinates");
	if (!json_is_array(coords)) {
		problem(p, "geometry.coordinates", "缺少坐标数组（coordinates）");
		return NULL;
	}
	reader rd = {.h = h, .p = p};
	GEOSGeometry *g = NULL;
	if (!multi) {
		g = read_polygon(&rd, coords, "geometry.coordinates");
	} else {
		size_t n = json_array_size(coords);
		if (n == 0) {
			problem(p, "geometry.coordinates", "多多边形没有任何多边形");
			return NULL;
		}
		GEOSGeometry **parts = gz_calloc(n, sizeof *parts);
		size_t got = 0;
		char field[48];
		for (; got < n; got++) {
			snprintf(field, sizeof field, "geometry.coordinates[%u]", (unsigned)got);
			parts[got] = read_polygon(&rd, json_array_get(coords, got), field);
			if (!parts[got])
				break;
		}
		if (got == n) {
			g = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, (unsigned)n);
			if (!g)
				problem(p, "geometry", "无法构造多多边形");
		} else {
			for (size_t i = 0; i < got; i++)
				GEOSGeom_destroy_r(h, parts[i]);
		}
		free(parts);
	}
	free(rd.buf);
	return g;
}

static json_t *ring_json(GEOSContextHandle_t h, const GEOSGeometry *ring)
{
	const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, ring);
	unsigned n = 0;
	if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n))
		return NULL;
	json_t *a = json_array();
	for (unsigned i = 0; i < n; i++) {
		double x = 0, y = 0;
		GEOSCoordSeq_getXY_r(h, cs, i, &x, &y);
		json_array_append_new(a, json_pack("[f,f]", x, y));
	}
	return a;
}

static json_t *polygon_json(GEOSContextHandle_t h, const GEOSGeometry *poly)
{
	json_t *rings = json_array();
	const GEOSGeometry *shell = GEOSGetExteriorRing_r(h, poly);
	json_t *r = shell ? ring_json(h, shell) : NULL;
	if (!r)
		return json_decref(rings), NULL;
	json_array_append_new(rings, r);
	int nh = GEOSGetNumInteriorRings_r(h, poly);
	for (int i = 0; i < nh; i++) {
		r = ring_json(h, GEOSGetInteriorRingN_r(h, poly, i));
		if (!r)
			return json_decref(rings), NULL;
		json_array_append_new(rings, r);
	}
	return rings;
}

json_t *geo_to_geojson(GEOSContextHandle_t h, const GEOSGeometry *g)
{
	int type = GEOSGeomTypeId_r(h, g);
	if (type == GEOS_POLYGON) {
		json_t *c = polygon_json(h, g);
		return c ? json_pack("{s:s,s:o}", "type", "Polygon", "coordinates", c) : NULL;
	}
	if (type != GEOS_MULTIPOLYGON)
		return NULL;
	json_t *polys = json_array();
	int n = GEOSGetNumGeometries_r(h, g);
	for (int i = 0; i < n; i++) {
		json_t *c = polygon_json(h, GEOSGetGeometryN_r(h, g, i));
		if (!c)
			return json_decref(polys), NULL;
		json_array_append_new(polys, c);
	}
	return json_pack("{s:s,s:o}", "type", "MultiPolygon", "coordinates", polys);
}

/* ---------------------------------------------------------------- validity */

static const struct {
	const char *geos, *zh;
} reasons[] = {
    {"Ring Self-intersection", "环自相交"},
    {"Self-intersection", "自相交"},
    {"Hole lies outside shell", "内环（洞）位于外环之外"},
    {"Holes are nested", "内环相互嵌套"},
    {"Interior is disconnected", "内部不连通（内环把多边形分割开）"},
    {"Nested shells", "多多边形的外环相互嵌套或重叠"},
    {"Duplicate Rings", "存在重复的环"},
    {"Too few distinct points", "环的不同坐标点太少（退化）"},
    {"Invalid Coordinate", "无效坐标"},
    {"Ring is not closed", "环未闭合"},
    {"Repeated Point", "重复坐标点"},
};

int geo_check_valid(GEOSContextHandle_t h, const GEOSGeometry *g, geo_problem *p)
{
	char *reason = NULL;
	GEOSGeometry *loc = NULL;
	char rc = GEOSisValidDetail_r(h, g, 0, &reason, &loc);
	if (rc == 1) {
		if (reason)
			GEOSFree_r(h, reason);
		if (loc)
			GEOSGeom_destroy_r(h, loc);
		return 0;
	}
	const char *zh = rc == 0 ? "几何无效" : "无法检查几何有效性";
	for (size_t i = 0; reason && i < sizeof reasons / sizeof reasons[0]; i++)
		if (!strncmp(reason, reasons[i].geos, strlen(reasons[i].geos))) {
			zh = reasons[i].zh;
			break;
		}
	problem(p, "geometry", zh);
	copy_str(p->detail, sizeof p->detail, reason ? reason : geo_last_error());
	if (loc) {
		double x, y;
		if (GEOSGeomGetX_r(h, loc, &x) == 1 && GEOSGeomGetY_r(h, loc, &y) == 1 &&
		    isfinite(x) && isfinite(y)) {
			p->has_location = true;
			p->lon = x;
			p->lat = y;
		}
		GEOSGeom_destroy_r(h, loc);
	}
	if (reason)
		GEOSFree_r(h, reason);
	return -1;
}

/* ---------------------------------------------------------------- area */

#define WGS84_A 6378137.0
#define WGS84_F (1.0 / 298.257223563)
#define DEG2RAD (M_PI / 180.0)

typedef struct {
	double lon0, sinphi0, cosphi0, r;
} cea_proj;

static int cea_xy(double *x, double *y, void *data)
{
	const cea_proj *pr = data;
	*x = pr->r * pr->cosphi0 * (*x - pr->lon0) * DEG2RAD;
	*y = pr->r * (sin(*y * DEG2RAD) - pr->sinphi0) / pr->cosphi0;
	return 1;
}

int geo_bbox(GEOSContextHandle_t h, const GEOSGeometry *g, double *minx, double *miny, double *maxx,
             double *maxy)
{
	if (GEOSisEmpty_r(h, g) != 0)
		return -1;
	if (!GEOSGeom_getXMin_r(h, g, minx) || !GEOSGeom_getYMin_r(h, g, miny) ||
	    !GEOSGeom_getXMax_r(h, g, maxx) || !GEOSGeom_getYMax_r(h, g, maxy))
		return -1;
	return 0;
}

double geo_area_m2(GEOSContextHandle_t h, const GEOSGeometry *g)
{
	double minx, miny, maxx, maxy;
	if (GEOSisEmpty_r(h, g) == 1)
		return 0;
	if (geo_bbox(h, g, &minx, &miny, &maxx, &maxy) < 0)
		return -1;
	double phi0 = (miny + maxy) / 2 * DEG2RAD;
	/* Keep away from the poles, where cos(phi0) -> 0 (no grid lies there). */
	if (phi0 > 89.9 * DEG2RAD)
		phi0 = 89.9 * DEG2RAD;
	if (phi0 < -89.9 * DEG2RAD)
		phi0 = -89.9 * DEG2RAD;
	double e2 = WGS84_F * (2 - WGS84_F), s = sin(phi0), w = 1 - e2 * s * s;
	double m = WGS84_A * (1 - e2) / (w * sqrt(w)), nn = WGS84_A / sqrt(w);
	cea_proj pr = {(minx + maxx) / 2, s, cos(phi0), sqrt(m * nn)};
	GEOSGeometry *proj = GEOSGeom_transformXY_r(h, g, cea_xy, &pr);
	if (!proj)
		return -1;
	double area = -1;
	if (!GEOSArea_r(h, proj, &area))
		area = -1;
	GEOSGeom_destroy_r(h, proj);
	return area;
}

int geo_point_on_surface(GEOSContextHandle_t h, const GEOSGeometry *g, double *lon, double *lat)
{
	GEOSGeometry *pt = GEOSPointOnSurface_r(h, g);
	if (!pt)
		return -1;
	int ok = GEOSisEmpty_r(h, pt) == 0 && GEOSGeomGetX_r(h, pt, lon) == 1 &&
	         GEOSGeomGetY_r(h, pt, lat) == 1;
	GEOSGeom_destroy_r(h, pt);
	return ok ? 0 : -1;
}

/* ---------------------------------------------------------------- overlaps */

typedef struct {
	int *items;
	int n, cap;
} int_list;

static void collect_index(void *item, void *data)
{
	int_list *l = data;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->items = gz_realloc(l->items, (size_t)l->cap * sizeof *l->items);
	}
	l->items[l->n++] = (int)((intptr_t)item - 1);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

int geo_find_overlaps(GEOSContextHandle_t h, GEOSGeometry *const *gs, int n, geo_overlap **out)
{
	*out = NULL;
	GEOSSTRtree *tree = GEOSSTRtree_create_r(h, 10);
	if (!tree)
		return -1;
	for (int i = 0; i < n; i++)
		if (gs[i])
			GEOSSTRtree_insert_r(h, tree, gs[i], (void *)(intptr_t)(i + 1));
	geo_overlap *res = NULL;
	int nres = 0, cap = 0, rc = 0;
	int_list cand = {0};
	for (int i = 0; i < n && rc == 0; i++) {
		if (!gs[i])
			continue;
		cand.n = 0;
		GEOSSTRtree_query_r(h, tree, gs[i], collect_index, &cand);
		if (cand.n == 0)
			continue;
		qsort(cand.items, (size_t)cand.n, sizeof *cand.items, cmp_int);
		const GEOSPreparedGeometry *pg = NULL;
		for (int k = 0; k < cand.n && rc == 0; k++) {
			int j = cand.items[k];
			if (j <= i)
				continue;
			if (!pg && !(pg = GEOSPrepare_r(h, gs[i]))) {
				rc = -1;
				break;
			}
			char hit = GEOSPreparedIntersects_r(h, pg, gs[j]);
			if (hit == 2) {
				rc = -1;
				break;
			}
			if (!hit)
				continue;
			GEOSGeometry *x = GEOSIntersection_r(h, gs[i], gs[j]);
			double area = x ? geo_area_m2(h, x) : -1;
			if (x && area >= 0 && area <= GEO_AREA_EPS_M2) {
				GEOSGeom_destroy_r(h, x);
				continue;
			}
			double lon = 0, lat = 0;
			if (!x || geo_point_on_surface(h, x, &lon, &lat) < 0) {
				/* Fall back to a point of the first geometry's overlap test. */
				geo_point_on_surface(h, gs[j], &lon, &lat);
			}
			if (x)
				GEOSGeom_destroy_r(h, x);
			if (nres == cap) {
				cap = cap ? cap * 2 : 8;
				res = gz_realloc(res, (size_t)cap * sizeof *res);
			}
			res[nres++] = (geo_overlap){i, j, area, lon, lat};
		}
		if (pg)
			GEOSPreparedGeom_destroy_r(h, pg);
	}
	free(cand.items);
	GEOSSTRtree_destroy_r(h, tree);
	if (rc < 0) {
		free(res);
		return -1;
	}
	*out = res;
	return nres;
}

/* ---------------------------------------------------------------- gaps */

int geo_find_gaps(GEOSContextHandle_t h, GEOSGeometry *const *gs, int n, geo_gap **out)
{
	*out = NULL;
	int m = 0;
	GEOSGeometry **copies = gz_calloc((size_t)(n > 0 ? n : 1), sizeof *copies);
	for (int i = 0; i < n; i++)
		if (gs[i] && !(copies[m++] = GEOSGeom_clone_r(h, gs[i]))) {
			for (int k = 0; k < m - 1; k++)
				GEOSGeom_destroy_r(h, copies[k]);
			free(copies);
			return -1;
		}
	if (m == 0) {
		free(copies);
		return 0;
	}
	GEOSGeometry *coll =
	    GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, copies, (unsigned)m);
	free(copies);
	if (!coll)
		return -1;
	GEOSGeometry *u = GEOSUnaryUnion_r(h, coll);
	GEOSGeom_destroy_r(h, coll);
	if (!u)
		return -1;
	geo_gap *res = NULL;
	int nres = 0, cap = 0, rc = 0;
	int nparts = GEOSGetNumGeometries_r(h, u);
	for (int i = 0; i < nparts && rc == 0; i++) {
		const GEOSGeometry *poly = GEOSGetGeometryN_r(h, u, i);
		if (GEOSGeomTypeId_r(h, poly) != GEOS_POLYGON)
			continue;
		int nh = GEOSGetNumInteriorRings_r(h, poly);
		for (int k = 0; k < nh; k++) {
			GEOSGeometry *ring =
			    GEOSGeom_clone_r(h, GEOSGetInteriorRingN_r(h, poly, k));
			GEOSGeometry *hole =
			    ring ? GEOSGeom_createPolygon_r(h, ring, NULL, 0) : NULL;
			if (!hole) {
				rc = -1;
				break;
			}
			double area = geo_area_m2(h, hole), lon = 0, lat = 0;
			if (area > GEO_AREA_EPS_M2) {
				geo_point_on_surface(h, hole, &lon, &lat);
				if (nres == cap) {
					cap = cap ? cap * 2 : 8;
					res = gz_realloc(res, (size_t)cap * sizeof *res);
				}
				res[nres++] = (geo_gap){area, lon, lat};
			}
			GEOSGeom_destroy_r(h, hole);
		}
	}
	GEOSGeom_destroy_r(h, u);
	if (rc < 0) {
		free(res);
		return -1;
	}
	*out = res;
	return nres;
}

/* ---------------------------------------------------------------- locator */

struct geo_locator {
	pthread_mutex_t mu;
	GEOSContextHandle_t h; /* used only under mu */
	int n;
	GEOSGeometry **gs;
	const GEOSPreparedGeometry **prep;
	GEOSSTRtree *tree;
	int_list cand; /* scratch for queries, under mu */
};

void geo_locator_free(geo_locator *l)
{
	if (!l)
		return;
	if (l->tree)
		GEOSSTRtree_destroy_r(l->h, l->tree);
	for (int i = 0; i < l->n; i++) {
		if (l->prep && l->prep[i])
			GEOSPreparedGeom_destroy_r(l->h, l->prep[i]);
		if (l->gs[i])
			GEOSGeom_destroy_r(l->h, l->gs[i]);
	}
	free(l->prep);
	free(l->gs);
	free(l->cand.items);
	if (l->h)
		GEOS_finish_r(l->h);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

geo_locator *geo_locator_new(GEOSGeometry **gs, int n)
{
	geo_locator *l = gz_calloc(1, sizeof *l);
	pthread_mutex_init(&l->mu, NULL);
	l->n = n;
	l->gs = gs;
	l->h = geo_context_new();
	l->prep = gz_calloc((size_t)(n > 0 ? n : 1), sizeof *l->prep);
	l->tree = l->h ? GEOSSTRtree_create_r(l->h, 10) : NULL;
	if (!l->tree) {
		if (!l->h) /* the geometries still need a context to be destroyed */
			l->h = GEOS_init_r();
		geo_locator_free(l);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		if (!(l->prep[i] = GEOSPrepare_r(l->h, gs[i]))) {
			geo_locator_free(l);
			return NULL;
		}
		GEOSSTRtree_insert_r(l->h, l->tree, gs[i], (void *)(intptr_t)(i + 1));
	}
	/* GEOS builds the tree on the first query: do it now, not inside a request. */
	if (n > 0) {
		GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(l->h, 0, 0);
		if (pt) {
			int_list scratch = {0};
			GEOSSTRtree_query_r(l->h, l->tree, pt, collect_index, &scratch);
			free(scratch.items);
			GEOSGeom_destroy_r(l->h, pt);
		}
	}
	return l;
}

int geo_locator_count(const geo_locator *l)
{
	return l ? l->n : 0;
}

int geo_locator_find(geo_locator *l, double lon, double lat)
{
	if (!l || l->n == 0 || !isfinite(lon) || !isfinite(lat))
		return -1;
	int found = -1;
	pthread_mutex_lock(&l->mu);
	GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(l->h, lon, lat);
	if (pt) {
		l->cand.n = 0;
		GEOSSTRtree_query_r(l->h, l->tree, pt, collect_index, &l->cand);
		/* Lowest index first: the first hit is the answer (boundary rule). */
		if (l->cand.n > 1)
			qsort(l->cand.items, (size_t)l->cand.n, sizeof *l->cand.items, cmp_int);
		for (int k = 0; k < l->cand.n; k++) {
			int i = l->cand.items[k];
			if (GEOSPreparedIntersects_r(l->h, l->prep[i], pt) == 1) {
				found = i;
				break;
			}
		}
		GEOSGeom_destroy_r(l->h, pt);
	}
	pthread_mutex_unlock(&l->mu);
	return found;
}

int geo_locator_find_scan(geo_locator *l, double lon, double lat)
{
	if (!l || l->n == 0 || !isfinite(lon) || !isfinite(lat))
		return -1;
	int found = -1;
	pthread_mutex_lock(&l->mu);
	GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(l->h, lon, lat);
	if (pt) {
		for (int i = 0; i < l->n; i++)
			if (GEOSPreparedIntersects_r(l->h, l->prep[i], pt) == 1) {
				found = i;
				break;
			}
		GEOSGeom_destroy_r(l->h, pt);
	}
	pthread_mutex_unlock(&l->mu);
	return found;
}
