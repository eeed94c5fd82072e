#include "modules/people/people.h"
#include "modules/module.h"

/* The first route matching a path wins (http/router.c): the list's and the import's
 * literal paths (/residents/export.xlsx, /residents/import) come before /residents/{id}. */
extern const gz_module_route gz_people_resident_list_routes[], gz_people_import_routes[],
    gz_people_resident_routes[], gz_people_household_routes[], gz_people_tag_routes[],
    gz_people_unit_routes[], gz_people_history_routes[];
static const gz_module_route *const routes[] = {
    gz_people_resident_list_routes, gz_people_import_routes,
    gz_people_resident_routes,      gz_people_history_routes,
    gz_people_household_routes,     gz_people_tag_routes,
    gz_people_unit_routes,          NULL};

policy_resource RES_RESIDENT = -1;

/* The workbench's to-dos and figures (workbench.c). */
extern const gz_module_todo gz_people_todos[];
extern const gz_module_figures gz_people_figures[];

static const char *const counts[] = {
    "units", "households", "residents", "residents_moved_out", "residents_deceased", NULL};

/* Sub-verbs of `gongzhi import`, whose grids, streets and communities are the space
 * module's: a two-word name is matched before the one-word one (main.c). */
static const gz_module_command commands[] = {
    {"import residents", "import residents (CSV/xlsx)", gz_people_import_usage,
     gz_cli_import_residents},
    {"import units", "import units and their owners (CSV/xlsx)", gz_people_import_usage,
     gz_cli_import_units},
    {0},
};

/* Reveal exists only on residents (personal data, 个人信息保护法 "minimum necessary"):
 * it is held by the roles whose casework needs a phone or an ID number — the grid
 * worker visiting, community staff handling applications, the street office reviewing
 * them (社会救助暂行办法 art. 11: 街道办事处 investigates and reviews 低保 applications)
 * — and by system_admin, which must hold every right it hands out (policy_can_delegate).
 * Holding reveal shows nothing by itself: responses are masked until a request asks
 * (?reveal=), and each such request is audited. Residents' own records are theirs by
 * account link (gz_auth_self), not by this table. Party members, volunteers, units,
 * property companies and departments do not need the register: what they need of a
 * person comes with the order or case they take. Only system administrators define
 * resident tags (resident admin at ""). */
static const gz_module_resource resources[] = {
    {&RES_RESIDENT,
     {"resident",
      "居民、户与房屋",
      {
          [ROLE_RESIDENT] = "----",
          [ROLE_GRID_WORKER] = "rw-v",
          [ROLE_PARTY_MEMBER] = "----",
          [ROLE_VOLUNTEER] = "----",
          [ROLE_COMMUNITY_STAFF] = "rw-v",
          [ROLE_COMMUNITY_ADMIN] = "rw-v",
          [ROLE_UNIT_CONTACT] = "----",
          [ROLE_PROPERTY] = "----",
          [ROLE_DEPARTMENT] = "----",
          [ROLE_STREET_SUPERVISOR] = "rw-v",
          [ROLE_SYSTEM_ADMIN] = "rwav",
      }}},
    {0},
};

const gz_module gz_module_people = {
    .routes = routes,
    .name = "people",
    .counts = counts,
    .commands = commands,
    .resources = resources,
    .todos = gz_people_todos,
    .figures = gz_people_figures,
    .init = gz_people_names_init,
};
