/* Names of the space tree's records for other modules' answers (api/names.h): "place"
 * (any space code: the whole system, a street, a community or a grid), "street",
 * "community", "grid" (by code) and "building" (by id). Places are not personal data:
 * a code the caller may see is named for them. */
#include "modules/space/space.h"
#include "api/names.h"
#include "core/arena.h"

/* One statement names streets, communities and grids: a code is at most one of them. The
 * detail is where it lies ("八里庄街道", "八里庄街道 / 团结南社区"). */
#define SQL_PLACES                                                                                 \
	"SELECT code, name, '' FROM streets WHERE code IN " GZ_NAMES_IN " UNION ALL "              \
	"SELECT c.code, c.name, s.name FROM communities c JOIN streets s ON s.code = "             \
	"c.street_code WHERE c.code IN " GZ_NAMES_IN " UNION ALL "                                 \
	"SELECT g.code, g.name, s.name || ' / ' || c.name FROM grids g JOIN communities c ON "     \
	"c.code "                                                                                  \
	"= g.community_code JOIN streets s ON s.code = c.street_code WHERE g.code IN " GZ_NAMES_IN

static void place_row(gz_stmt *st, gz_name_ref *ref, const gz_actor *viewer, gz_arena *A)
{
	(void)viewer;
	ref->name = gz_arena_strdup(A, gz_stmt_text(st, 1));
	const char *d = gz_stmt_text(st, 2);
	ref->detail = d && *d ? gz_arena_strdup(A, d) : NULL;
}

/* A building by its grid and name ("团结南社区第一网格 1号楼"), its address as the detail. */
#define SQL_BUILDINGS                                                                              \
	"SELECT b.id, b.name, b.address, g.name FROM buildings b LEFT JOIN grids g ON g.code = "   \
	"b.grid_code WHERE b.id IN " GZ_NAMES_IN

static void building_row(gz_stmt *st, gz_name_ref *ref, const gz_actor *viewer, gz_arena *A)
{
	(void)viewer;
	const char *grid = gz_stmt_isnull(st, 3) ? NULL : gz_stmt_text(st, 3);
	ref->name = grid ? gz_arena_printf(A, "%s %s", grid, gz_stmt_text(st, 1))
	                 : gz_arena_strdup(A, gz_stmt_text(st, 1));
	ref->detail = gz_arena_strdup(A, gz_stmt_text(st, 2));
}

static const gz_namer namers[] = {
    {"place", SQL_PLACES, false, place_row, "全系统"},
    {"street", SQL_PLACES, false, place_row, NULL},
    {"community", SQL_PLACES, false, place_row, NULL},
    {"grid", SQL_PLACES, false, place_row, NULL},
    {"building", SQL_BUILDINGS, true, building_row, NULL},
    {0},
};

void gz_space_names_init(void)
{
	gz_names_register(namers);
}
