/* Names of the people module's records for other modules' answers (api/names.h: the
 * audit log's objects). A resident's name — and a household's, by its head — is shown
 * by the one masking rule (gz_people_name_visible at the resident's grid), exactly as
 * on the pages that list them; units are named by building and number. */
#include "modules/people/people.h"
#include "api/names.h"
#include "core/arena.h"

/* A person's name as viewer may see it; sets ref->masked. */
static const char *person(gz_stmt *st, int name_col, int place_col, gz_name_ref *ref,
                          const gz_actor *viewer, gz_arena *A)
{
	bool clear = gz_people_name_visible(viewer, gz_stmt_text(st, place_col));
	ref->masked = !clear;
	return gz_arena_strdup(A, gz_people_name_shown(A, clear, gz_stmt_text(st, name_col)));
}

static const char *text_or_null(gz_stmt *st, int col, gz_arena *A)
{
	const char *s = gz_stmt_isnull(st, col) ? NULL : gz_stmt_text(st, col);
	return s && *s ? gz_arena_strdup(A, s) : NULL;
}

#define SQL_RESIDENTS                                                                              \
	"SELECT r.id, r.name, r.grid_code, g.name FROM residents r LEFT JOIN grids g ON g.code = " \
	"r.grid_code WHERE r.id IN " GZ_NAMES_IN

static void resident_row(gz_stmt *st, gz_name_ref *ref, const gz_actor *viewer, gz_arena *A)
{
	ref->name = person(st, 1, 2, ref, viewer, A);
	ref->detail = text_or_null(st, 3, A);
}

/* A household by its head (户主), masked like any resident, and its address. */
#define SQL_HOUSEHOLDS                                                                             \
	"SELECT h.id, (SELECT r.name FROM residents r WHERE r.household_id = h.id AND r.relation " \
	"= '户主' ORDER BY r.id LIMIT 1), h.grid_code, h.address FROM households h WHERE h.id "  \
	"IN " GZ_NAMES_IN

static void household_row(gz_stmt *st, gz_name_ref *ref, const gz_actor *viewer, gz_arena *A)
{
	ref->detail = text_or_null(st, 3, A);
	if (gz_stmt_isnull(st, 1))
		ref->name = ref->detail ? ref->detail : "无户主的户";
	else
		ref->name = gz_arena_printf(A, "%s户", person(st, 1, 2, ref, viewer, A));
}

#define SQL_UNITS                                                                                  \
	"SELECT u.id, b.name, u.number, g.name FROM units u JOIN buildings b ON b.id = "           \
	"u.building_id LEFT JOIN grids g ON g.code = u.grid_code WHERE u.id IN " GZ_NAMES_IN

static void unit_row(gz_stmt *st, gz_name_ref *ref, const gz_actor *viewer, gz_arena *A)
{
	(void)viewer;
	ref->name = gz_arena_printf(A, "%s %s", gz_stmt_text(st, 1), gz_stmt_text(st, 2));
	ref->detail = text_or_null(st, 3, A);
}

#define SQL_TAGS "SELECT code, label FROM resident_tag_defs WHERE code IN " GZ_NAMES_IN

static void tag_row(gz_stmt *st, gz_name_ref *ref, const gz_actor *viewer, gz_arena *A)
{
	(void)viewer;
	ref->name = gz_arena_strdup(A, gz_stmt_text(st, 1));
}

static const gz_namer namers[] = {
    {"resident", SQL_RESIDENTS, true, resident_row, NULL},
    {"household", SQL_HOUSEHOLDS, true, household_row, NULL},
    {"unit", SQL_UNITS, true, unit_row, NULL},
    {"resident_tag", SQL_TAGS, false, tag_row, NULL},
    {0},
};

void gz_people_names_init(void)
{
	gz_names_register(namers);
}
