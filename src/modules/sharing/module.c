/* Sharing and transparency (共享): equity analytics of a place, the list of unreached
 * vulnerable residents, the public board (居务公开, no login) and the dashboard's
 * figures. Builds on space, people, visits, cases and mobilisation (read only). */
#include "modules/sharing/sharing.h"
#include "modules/module.h"

extern const gz_module_route gz_sharing_equity_routes[], gz_sharing_board_routes[],
    gz_sharing_report_routes[], gz_sharing_cycles_routes[];
static const gz_module_route *const routes[] = {gz_sharing_equity_routes, gz_sharing_report_routes,
                                                gz_sharing_cycles_routes, gz_sharing_board_routes,
                                                NULL};

policy_resource RES_EQUITY = -1;

/* The equity figures are counts of the work done for residents of a place (visits, cases,
 * service), by grid and by vulnerable group — aggregates, groups under 5 suppressed — so
 * they go to the people who plan that work and are answerable for it:
 *   grid_worker, community_staff, community_admin, street_supervisor, system_admin: read
 *     at their place (the list of unreached residents also needs resident read there,
 *     and sensitive groups resident reveal);
 *   system_admin: also w and a, which no route uses yet (the under-served priority
 *     boost of matching, a setting, will be equity admin);
 *   department: read at its scope (supervision of the street's service);
 *   resident, party_member, volunteer, unit_contact, property: nothing here — what
 *     everyone may see is on the public board. */
static const gz_module_resource resources[] = {
    {&RES_EQUITY,
     {"equity",
      "公平分析与关爱盲区",
      {
          [ROLE_RESIDENT] = "----",
          [ROLE_GRID_WORKER] = "r---",
          [ROLE_PARTY_MEMBER] = "----",
          [ROLE_VOLUNTEER] = "----",
          [ROLE_COMMUNITY_STAFF] = "r---",
          [ROLE_COMMUNITY_ADMIN] = "r---",
          [ROLE_UNIT_CONTACT] = "----",
          [ROLE_PROPERTY] = "----",
          [ROLE_DEPARTMENT] = "r---",
          [ROLE_STREET_SUPERVISOR] = "r---",
          [ROLE_SYSTEM_ADMIN] = "rwa-",
      }}},
    {0},
};

const gz_module gz_module_sharing = {
    .name = "sharing",
    .routes = routes,
    .resources = resources,
};
