/* Names of cases for other modules' answers (api/names.h: the audit log's objects): a
 * case by its category, with its grid as the detail. Never the description or the
 * reporter: a name must say which case without carrying what it says about anyone. */
#include "modules/cases/cases.h"
#include "api/names.h"
#include "core/arena.h"

#define SQL_CASES                                                                                  \
	"SELECT c.id, k.name, COALESCE(g.name, c.grid_code) FROM cases c JOIN case_categories k "  \
	"ON k.id = c.category_id LEFT JOIN grids g ON g.code = c.grid_code WHERE c.id "            \
	"IN " GZ_NAMES_IN

static void case_row(gz_stmt *st, gz_name_ref *ref, const gz_actor *viewer, gz_arena *A)
{
	(void)viewer;
	ref->name = gz_arena_printf(A, "%s（%s 号）", gz_stmt_text(st, 1), gz_stmt_text(st, 0));
	ref->detail = gz_arena_strdup(A, gz_stmt_text(st, 2));
}

static const gz_namer namers[] = {
    {"case", SQL_CASES, true, case_row, NULL},
    {0},
};

void gz_cases_names_init(void)
{
	gz_names_register(namers);
}
