#include "modules/cases/cases.h"
#include "modules/module.h"

/* Its namers (api/names.h), registered at start-up. */
void gz_cases_names_init(void);

/* Cases (诉求/工单, issue 10): intake, the state machine, lists and timelines
 * (intake.c, actions.c, read.c over store.c and the pure rules.c, access.c,
 * deadline.c), the catalogue (catalogue.c), the rates (stats.c), the deadline job
 * (job.c), Open311 GeoReport v2 (open311.c) with `gongzhi apikey` (apikey.c),
 * photos (photos.c), duplicate suggestions (duplicates.c). docs/CASES.md has the rules,
 * docs/METRICS.md the rates. */

extern const gz_module_route gz_cases_routes[], gz_cases_catalogue_routes[],
    gz_cases_stats_routes[], gz_cases_open311_routes[], gz_cases_photo_routes[],
    gz_cases_duplicate_routes[];
static const gz_module_route *const routes[] = {gz_cases_routes,
                                                gz_cases_catalogue_routes,
                                                gz_cases_stats_routes,
                                                gz_cases_open311_routes,
                                                gz_cases_photo_routes,
                                                gz_cases_duplicate_routes,
                                                NULL};

/* Open311 GeoReport v2 (open311.c) answers under /open311/, never the web UI. */
static const char *const prefixes[] = {"/open311/", NULL};

/* gongzhi apikey (apikey.c): the Open311 client applications' keys. */
extern const char gz_cases_apikey_usage[];
int gz_cases_apikey(int argc, char **argv);
static const gz_module_command commands[] = {
    {"apikey", "issue, list and revoke Open311 api_keys of client applications",
     gz_cases_apikey_usage, gz_cases_apikey},
    {0},
};

extern const gz_job_kind gz_cases_job_kinds[];
extern const gz_module_todo gz_cases_todos[]; /* workbench.c */

policy_resource RES_CASE = -1;

static const char *const counts[] = {"cases", NULL};

/* Cases are the community's daily work. Residents hold no cell: they report as
 * themselves (anyone with an account may report, anywhere inside the grids, as anyone may
 * call 12345) and read their own reports by the account link, not by a grant. Grid
 * workers register patrol findings and handle what is dispatched to their grid; community
 * staff accept, dispatch, verify and close; the secretary also approves extensions and
 * keeps the community's default responsible organisations (a); the street blows the
 * whistle and administers its communities' routes. 物业, 职能部门 and 共建单位 work on
 * the cases dispatched or escalated to their organisation — through organisation
 * grants only (access.c): their place grants give no cases. Reveal (v): the reporter's
 * phone in full, for those who call back — handlers and the community (audited;
 * anonymity hides the reporter from everyone outside the registering community
 * whatever the cell says). Party members and volunteers take orders in matching, not
 * cases. The catalogue, calendar and routes: read by everyone with a login; categories
 * and the calendar are administered at "" (system_admin). */
static const gz_module_resource resources[] = {
    {&RES_CASE,
     {"case",
      "诉求与工单",
      {
          [ROLE_RESIDENT] = "----",
          [ROLE_GRID_WORKER] = "rw-v",
          [ROLE_PARTY_MEMBER] = "----",
          [ROLE_VOLUNTEER] = "----",
          [ROLE_COMMUNITY_STAFF] = "rw-v",
          [ROLE_COMMUNITY_ADMIN] = "rwav",
          [ROLE_UNIT_CONTACT] = "rw--",
          [ROLE_PROPERTY] = "rw-v",
          [ROLE_DEPARTMENT] = "rw-v",
          [ROLE_STREET_SUPERVISOR] = "rwav",
          [ROLE_SYSTEM_ADMIN] = "rwav",
      }}},
    {0},
};

const gz_module gz_module_cases = {
    .name = "cases",
    .routes = routes,
    .prefixes = prefixes,
    .commands = commands,
    .counts = counts,
    .resources = resources,
    .jobs = gz_cases_job_kinds,
    .todos = gz_cases_todos,
    .init = gz_cases_names_init,
};
