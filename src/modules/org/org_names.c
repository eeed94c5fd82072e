/* Names of the organisation network's records for other modules' answers (api/names.h:
 * the audit log's objects): organisations and agreements by their names, members and
 * Party members by the one masking rule (gz_people_name_visible at the record's places),
 * as on the organisation pages. */
#include "modules/org/org.h"
#include "modules/people/people.h"
#include "api/names.h"
#include "core/arena.h"

#define SQL_ORGS "SELECT id, name FROM organisations WHERE id IN " GZ_NAMES_IN

static void org_row(gz_stmt *st, gz_name_ref *ref, const gz_actor *viewer, gz_arena *A)
{
	(void)viewer;
	ref->name = gz_arena_strdup(A, gz_stmt_text(st, 1));
}

/* A member: the name at the organisation's place, "组织 职务" as the detail. */
#define SQL_MEMBERS                                                                                \
	"SELECT m.id, m.name, m.scope_code, o.name, m.position FROM org_members m JOIN "           \
	"organisations o ON o.id = m.org_id WHERE m.id IN " GZ_NAMES_IN

static void member_row(gz_stmt *st, gz_name_ref *ref, const gz_actor *viewer, gz_arena *A)
{
	bool clear = gz_people_name_visible(viewer, gz_stmt_text(st, 2));
	ref->name = gz_arena_strdup(A, gz_people_name_shown(A, clear, gz_stmt_text(st, 1)));
	ref->masked = !clear;
	ref->detail = gz_arena_printf(A, "%s %s", gz_stmt_text(st, 3), gz_stmt_text(st, 4));
}

/* A Party member: the name at either of the record's places, the Party organisation as
 * the detail. */
#define SQL_PARTY                                                                                  \
	"SELECT p.id, p.name, p.org_scope, p.report_scope, o.name FROM party_members p JOIN "      \
	"organisations o ON o.id = p.party_org_id WHERE p.id IN " GZ_NAMES_IN

static void party_row(gz_stmt *st, gz_name_ref *ref, const gz_actor *viewer, gz_arena *A)
{
	bool clear =
	    gz_people_name_visible(viewer, gz_stmt_text(st, 2)) ||
	    (!gz_stmt_isnull(st, 3) && gz_people_name_visible(viewer, gz_stmt_text(st, 3)));
	ref->name = gz_arena_strdup(A, gz_people_name_shown(A, clear, gz_stmt_text(st, 1)));
	ref->masked = !clear;
	ref->detail = gz_arena_strdup(A, gz_stmt_text(st, 4));
}

#define SQL_AGREEMENTS                                                                             \
	"SELECT a.id, a.title, o.name FROM coop_agreements a JOIN organisations o ON o.id = "      \
	"a.unit_org_id WHERE a.id IN " GZ_NAMES_IN

static void agreement_row(gz_stmt *st, gz_name_ref *ref, const gz_actor *viewer, gz_arena *A)
{
	(void)viewer;
	ref->name = gz_arena_strdup(A, gz_stmt_text(st, 1));
	ref->detail = gz_arena_strdup(A, gz_stmt_text(st, 2));
}

/* An organisation's scope ("org:67/", the grants of 物业, departments and co-building
 * units): the organisation's name. Organisations are few beside residents, so the
 * comparison on the built string is fine. */
#define SQL_ORG_SCOPES                                                                              \
	"SELECT 'org:' || CAST(id AS TEXT) || '/', name, '组织' FROM organisations WHERE 'org:' " \
	"|| "                                                                                       \
	"CAST(id AS TEXT) || '/' IN " GZ_NAMES_IN

static void org_scope_row(gz_stmt *st, gz_name_ref *ref, const gz_actor *viewer, gz_arena *A)
{
	(void)viewer;
	ref->name = gz_arena_strdup(A, gz_stmt_text(st, 1));
	ref->detail = gz_arena_strdup(A, gz_stmt_text(st, 2));
}

static const gz_namer namers[] = {
    {"organisation", SQL_ORGS, true, org_row, NULL},
    {"org_scope", SQL_ORG_SCOPES, false, org_scope_row, NULL},
    {"org_member", SQL_MEMBERS, true, member_row, NULL},
    {"party_member", SQL_PARTY, true, party_row, NULL},
    {"coop_agreement", SQL_AGREEMENTS, true, agreement_row, NULL},
    {0},
};

void gz_org_names_init(void)
{
	gz_names_register(namers);
}
