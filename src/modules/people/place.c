/* Where a resident or a household lives, by name: street, community, grid, building,
 * unit (entrance and room) and the household's own address line — for the 户卡, the
 * resident's detail, the list's address column and the history's labels. A request's
 * answers look the same places up many times (a page of residents shares a few grids and
 * households), so lookups go through a small cache owned by the caller. */
#include "modules/people/people_internal.h"

#include <stdio.h>
#include <string.h>

void people_names_init(people_names *p)
{
	p->grids = json_object();
	p->households = json_object();
}

void people_names_free(people_names *p)
{
	json_decref(p->grids);
	json_decref(p->households);
	p->grids = p->households = NULL;
}

/* {"street": {code, name}, "community": {...}, "grid": {...}} of a grid code, cached; a
 * borrowed reference, or NULL with err (an unknown grid gives names ""). */
static json_t *grid_names(people_names *p, gz_db *db, const char *grid, gz_err *err)
{
	json_t *g = json_object_get(p->grids, grid);
	if (g)
		return g;
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT g.name, c.code, c.name, s.code, s.name FROM grids g "
	                            "JOIN communities c ON c.code = g.community_code JOIN "
	                            "streets s ON s.code = c.street_code WHERE g.code = $1",
	                            err);
	if (!st)
		return NULL;
	gz_stmt_bind_str(st, 1, grid);
	int k = gz_stmt_step(st, err);
	if (k < 0) {
		gz_stmt_finish(st);
		return NULL;
	}
	bool row = k == GZ_ROW;
	g = json_pack("{s:{s:s,s:s},s:{s:s,s:s},s:{s:s,s:s}}", "street", "code",
	              row ? gz_stmt_text(st, 3) : "", "name", row ? gz_stmt_text(st, 4) : "",
	              "community", "code", row ? gz_stmt_text(st, 1) : "", "name",
	              row ? gz_stmt_text(st, 2) : "", "grid", "code", grid, "name",
	              row ? gz_stmt_text(st, 0) : "");
	gz_stmt_finish(st);
	json_object_set_new(p->grids, grid, g);
	return g;
}

/* {"address", "building": {id, name, address} | null, "unit": {id, number, label} |
 * null} of a household, cached; borrowed, or NULL with err. */
static json_t *household_part(people_names *p, gz_db *db, int64_t household, gz_err *err)
{
	char key[24];
	snprintf(key, sizeof key, "%lld", (long long)household);
	json_t *h = json_object_get(p->households, key);
	if (h)
		return h;
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT h.address, u.id, u.number, b.id, b.name, b.address FROM households h LEFT "
	    "JOIN units u ON u.id = h.unit_id LEFT JOIN buildings b ON b.id = u.building_id "
	    "WHERE h.id = $1",
	    err);
	if (!st)
		return NULL;
	gz_stmt_bind_int64(st, 1, household);
	int k = gz_stmt_step(st, err);
	if (k < 0) {
		gz_stmt_finish(st);
		return NULL;
	}
	h = json_object();
	json_object_set_new(h, "address", json_string(k == GZ_ROW ? gz_stmt_text(st, 0) : ""));
	if (k == GZ_ROW && !gz_stmt_isnull(st, 1)) {
		char label[96];
		record_unit_label(gz_stmt_text(st, 2), label, sizeof label);
		json_object_set_new(h, "unit",
		                    json_pack("{s:o,s:s,s:s}", "id",
		                              gz_api_id_json(gz_stmt_int64(st, 1)), "number",
		                              gz_stmt_text(st, 2), "label", label));
	} else {
		json_object_set_new(h, "unit", json_null());
	}
	if (k == GZ_ROW && !gz_stmt_isnull(st, 3))
		json_object_set_new(h, "building",
		                    json_pack("{s:o,s:s,s:s}", "id",
		                              gz_api_id_json(gz_stmt_int64(st, 3)), "name",
		                              gz_stmt_text(st, 4), "address", gz_stmt_text(st, 5)));
	else
		json_object_set_new(h, "building", json_null());
	gz_stmt_finish(st);
	json_object_set_new(p->households, key, h);
	return h;
}

static const char *name_of(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(json_object_get(o, k), "name"));
	return s ? s : "";
}

/* The full line: 街道 社区 网格 楼栋 单元室 (or the household's own address). */
static void place_full(json_t *g, json_t *h, char *full, size_t cap)
{
	size_t n = 0;
	full[0] = '\0';
	const char *parts[] = {name_of(g, "street"), name_of(g, "community"), name_of(g, "grid"),
	                       h ? name_of(h, "building") : ""};
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		if (*parts[i] && n < cap)
			n += (size_t)snprintf(full + n, cap - n, "%s%s", n ? " " : "", parts[i]);
	const char *addr = h ? json_string_value(json_object_get(h, "address")) : "";
	const char *label =
	    h ? json_string_value(json_object_get(json_object_get(h, "unit"), "label")) : NULL;
	if (label && n < cap)
		n += (size_t)snprintf(full + n, cap - n, "%s%s", n ? " " : "", label);
	else if (addr && *addr && n < cap)
		n += (size_t)snprintf(full + n, cap - n, "%s%s", n ? " " : "", addr);
}

json_t *people_place_json(people_names *p, gz_db *db, const char *grid, int64_t household,
                          gz_err *err)
{
	json_t *g = grid_names(p, db, grid, err);
	if (!g)
		return NULL;
	json_t *h = household ? household_part(p, db, household, err) : NULL;
	if (household && !h)
		return NULL;
	json_t *o = json_deep_copy(g);
	json_object_set_new(o, "building",
	                    h ? json_incref(json_object_get(h, "building")) : json_null());
	json_object_set_new(o, "unit", h ? json_incref(json_object_get(h, "unit")) : json_null());
	const char *addr = h ? json_string_value(json_object_get(h, "address")) : "";
	json_object_set_new(o, "address", json_string(addr ? addr : ""));
	char full[1024];
	place_full(g, h, full, sizeof full);
	json_object_set_new(o, "full", json_string(full));
	return o;
}

/* Only the full line per item: the names are looked up (cached) without building the
 * place's object. */
int people_fill_addresses(people_names *p, gz_db *db, json_t *items, gz_err *err)
{
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		const char *grid = json_string_value(json_object_get(it, "grid_code"));
		if (!grid)
			continue;
		int64_t hid =
		    gz_api_parse_id(json_string_value(json_object_get(it, "household_id")));
		json_t *g = grid_names(p, db, grid, err);
		if (!g)
			return -1;
		json_t *h = hid ? household_part(p, db, hid, err) : NULL;
		if (hid && !h)
			return -1;
		char full[1024];
		place_full(g, h, full, sizeof full);
		json_object_set_new(it, "address", json_string(full));
	}
	return 0;
}

int people_add_place(gz_db *db, json_t *resident, gz_err *err)
{
	people_names pn;
	people_names_init(&pn);
	json_t *pl = people_place_json(
	    &pn, db, json_string_value(json_object_get(resident, "grid_code")),
	    gz_api_parse_id(json_string_value(json_object_get(resident, "household_id"))), err);
	people_names_free(&pn);
	if (!pl)
		return -1;
	json_object_set(resident, "address", json_object_get(pl, "full"));
	json_object_set_new(resident, "place", pl);
	return 0;
}
