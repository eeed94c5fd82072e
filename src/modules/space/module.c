#include "modules/space/space.h"
#include "cli/cli.h"
#include "modules/module.h"

extern const gz_module_route gz_space_routes[], gz_space_place_routes[];
static const gz_module_route *const routes[] = {gz_space_routes, gz_space_place_routes, NULL};

policy_resource RES_SPACE = -1;

static const char *const counts[] = {"streets", "communities", "grids", "buildings", NULL};

/* The import command serves grids and, by its kind argument, the people module's
 * residents and units: one verb for the operator, dispatched in src/cli/import.c. */
static const gz_module_command commands[] = {
    {"import", "import grids (GeoJSON), residents and units (CSV/xlsx)", gz_cli_import_usage,
     gz_cli_import},
    {0},
};

/* Residents, Party members, volunteers, co-building units, property companies and
 * departments need to know the place they serve (residents: the community and grid they
 * live in); the space tree is not theirs to change. Grid workers and community staff
 * keep their places' buildings and names up to date; the community secretary runs the
 * community's space data but not the grid layout, which the street decides (space
 * admin, e.g. grid import). */
static const gz_module_resource resources[] = {
    {&RES_SPACE,
     {"space",
      "空间（街道、社区、网格、楼栋）",
      {
          [ROLE_RESIDENT] = "r---",
          [ROLE_GRID_WORKER] = "rw--",
          [ROLE_PARTY_MEMBER] = "r---",
          [ROLE_VOLUNTEER] = "r---",
          [ROLE_COMMUNITY_STAFF] = "rw--",
          [ROLE_COMMUNITY_ADMIN] = "rw--",
          [ROLE_UNIT_CONTACT] = "r---",
          [ROLE_PROPERTY] = "r---",
          [ROLE_DEPARTMENT] = "r---",
          [ROLE_STREET_SUPERVISOR] = "rwa-",
          [ROLE_SYSTEM_ADMIN] = "rwa-",
      }}},
    {0},
};

const gz_module gz_module_space = {
    .routes = routes,
    .name = "space",
    .counts = counts,
    .commands = commands,
    .resources = resources,
    .init = gz_space_names_init,
};
