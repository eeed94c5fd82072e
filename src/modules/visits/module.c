/* Visits (走访): grid workers and community staff visit households and residents; key
 * groups at set frequencies. Builds on people (residents, households, tags: read only)
 * and accounts (the visitor's name). */
#include "modules/visits/visits.h"
#include "modules/module.h"

/* Its namers (api/names.h), registered at start-up. */
void gz_visits_names_init(void);

extern const gz_module_route gz_visits_routes[], gz_visits_due_routes[], gz_visits_one_routes[],
    gz_visits_freq_routes[];
/* The first route matching a path wins: /visits/due and /visits/counts before
 * /visits/{id}. */
static const gz_module_route *const routes[] = {gz_visits_routes, gz_visits_due_routes,
                                                gz_visits_one_routes, gz_visits_freq_routes, NULL};

extern const gz_module_todo gz_visits_todos[];
extern const gz_module_figures gz_visits_figures[];

policy_resource RES_VISIT = -1;

static const char *const counts[] = {"visits", NULL};

/* Visits are personal data about residents (who is visited, how often, what was found),
 * held where the register is held:
 *   grid_worker, community_staff: record and read the visits of their grid / community
 *     (the people who go);
 *   community_admin, street_supervisor: the same for their community / street, and
 *     admin: the visit frequencies of their place (a community may visit its 高龄
 *     residents more often than the street's default); the street office also supervises
 *     the grid workers' visits;
 *   system_admin: everything, the defaults at "" included;
 *   resident: nothing of the table — their own visits are theirs by account link
 *     (GET /me/visits: when, what kind, who came; not the visitor's notes);
 *   party_member, volunteer, unit_contact, property, department: nothing — what they
 *     need of a resident comes with the order or case they take, not from the visit log. */
static const gz_module_resource resources[] = {
    {&RES_VISIT,
     {"visit",
      "走访记录与走访频次",
      {
          [ROLE_RESIDENT] = "----",
          [ROLE_GRID_WORKER] = "rw--",
          [ROLE_PARTY_MEMBER] = "----",
          [ROLE_VOLUNTEER] = "----",
          [ROLE_COMMUNITY_STAFF] = "rw--",
          [ROLE_COMMUNITY_ADMIN] = "rwa-",
          [ROLE_UNIT_CONTACT] = "----",
          [ROLE_PROPERTY] = "----",
          [ROLE_DEPARTMENT] = "----",
          [ROLE_STREET_SUPERVISOR] = "rwa-",
          [ROLE_SYSTEM_ADMIN] = "rwa-",
      }}},
    {0},
};

const gz_module gz_module_visits = {
    .name = "visits",
    .routes = routes,
    .counts = counts,
    .resources = resources,
    .todos = gz_visits_todos,
    .figures = gz_visits_figures,
    .init = gz_visits_names_init,
};
