/* Names of visits for other modules' answers (api/names.h: the audit log's objects): a
 * visit by the person visited, masked by the one rule at the visit's grid (as on every
 * page), or "入户走访" for a household; its date as the detail. Never the findings. */
#include "modules/visits/visits.h"
#include "modules/visits/rules.h"
#include "modules/people/people.h"
#include "api/names.h"
#include "core/arena.h"

#define SQL_VISITS                                                                                 \
	"SELECT v.id, r.name, v.grid_code, v.visited_on FROM visits v LEFT JOIN residents r ON "   \
	"r.id = v.resident_id WHERE v.id IN " GZ_NAMES_IN

static void visit_row(gz_stmt *st, gz_name_ref *ref, const gz_actor *viewer, gz_arena *A)
{
	if (gz_stmt_isnull(st, 1)) {
		ref->name = gz_arena_strdup(A, "入户走访");
	} else {
		bool clear = gz_people_name_visible(viewer, gz_stmt_text(st, 2));
		ref->name = gz_arena_strdup(A, gz_people_name_shown(A, clear, gz_stmt_text(st, 1)));
		ref->masked = !clear;
	}
	char day[16];
	ref->detail = gz_arena_strdup(A, visit_day_format(gz_stmt_int64(st, 3), day, sizeof day));
}

static const gz_namer namers[] = {
    {"visit", SQL_VISITS, true, visit_row, NULL},
    {0},
};

void gz_visits_names_init(void)
{
	gz_names_register(namers);
}
