/* The matching module (供需对接, issue 11): needs, resources and projects, matched by an
 * exact and fair engine. The engine (engine.c, pairs.c) and the lists' rules (rules.c)
 * are pure; needs.c, offers.c, run.c and projects.c are the handlers; job.c expires
 * needs past their window; cli.c is `gongzhi match` on instance files. The issue placed
 * the engine in src/domain/; since the Modules issue a capability's rules live in its
 * own folder (docs/ARCHITECTURE.md), so it is here. */
#include "modules/matching/match_internal.h"
#include "modules/module.h"

policy_resource RES_MATCH_NEED = -1;
policy_resource RES_MATCH_OFFER = -1;
policy_resource RES_MATCH_PROJECT = -1;
policy_resource RES_MATCH_SETTINGS = -1;

extern const gz_module_route gz_match_need_routes[], gz_match_offer_routes[], gz_match_run_routes[],
    gz_match_project_routes[], gz_match_claim_routes[], gz_match_settings_routes[];
static const gz_module_route *const routes[] = {gz_match_need_routes,
                                                gz_match_offer_routes,
                                                gz_match_run_routes,
                                                gz_match_project_routes,
                                                gz_match_claim_routes,
                                                gz_match_settings_routes,
                                                NULL};

extern const gz_job_kind gz_match_job_kinds[];

static const char *const counts[] = {"match_needs", NULL};

static const gz_module_command commands[] = {
    {"match", "exact fair matching of needs and providers (an instance file)", gz_cli_match_usage,
     gz_cli_match},
    {0},
};

/* Who may do what (docs/SECURITY.md):
 *
 * match_need (needs, runs, proposals): a need is personal data about a resident (what
 *   they need, where they live), held where the register is held. Grid workers and
 *   community staff post needs on residents' behalf and run matching in their place;
 *   the community's secretary and the street the same. A resident posts, reads, cancels
 *   and rates their own needs by account link (no policy letter); a provider (Party
 *   member, volunteer, unit contact) sees and answers the proposals made to their own
 *   offers, and completes the needs they took, by ownership of the offer — never the
 *   needs list.
 * match_offer (resources): Party members, volunteers and unit contacts record their
 *   own offers where they serve (write); staff record and read offers in their place.
 * match_project (projects): staff and the street plan and run projects; unit contacts
 *   and Party members read those of their place (their commitments).
 * match_settings (B, λ, waiting, tags' weights, the runs' schedule): those who run
 *   matching read the settings in force at their place; the community's secretary sets
 *   its community's, the street supervisor the street's, the system administrator the
 *   whole system's (scope ''; settings.c). */
static const gz_module_resource resources[] = {
    {&RES_MATCH_NEED,
     {"match_need",
      "需求清单与派单",
      {
          [ROLE_RESIDENT] = "----",
          [ROLE_GRID_WORKER] = "rw--",
          [ROLE_PARTY_MEMBER] = "----",
          [ROLE_VOLUNTEER] = "----",
          [ROLE_COMMUNITY_STAFF] = "rw--",
          [ROLE_COMMUNITY_ADMIN] = "rw--",
          [ROLE_UNIT_CONTACT] = "----",
          [ROLE_PROPERTY] = "----",
          [ROLE_DEPARTMENT] = "----",
          [ROLE_STREET_SUPERVISOR] = "rw--",
          [ROLE_SYSTEM_ADMIN] = "rwa-",
      }}},
    {&RES_MATCH_OFFER,
     {"match_offer",
      "资源清单",
      {
          [ROLE_RESIDENT] = "----",
          [ROLE_GRID_WORKER] = "r---",
          [ROLE_PARTY_MEMBER] = "rw--",
          [ROLE_VOLUNTEER] = "rw--",
          [ROLE_COMMUNITY_STAFF] = "rw--",
          [ROLE_COMMUNITY_ADMIN] = "rw--",
          [ROLE_UNIT_CONTACT] = "rw--",
          [ROLE_PROPERTY] = "----",
          [ROLE_DEPARTMENT] = "----",
          [ROLE_STREET_SUPERVISOR] = "rw--",
          [ROLE_SYSTEM_ADMIN] = "rwa-",
      }}},
    {&RES_MATCH_PROJECT,
     {"match_project",
      "项目清单",
      {
          [ROLE_RESIDENT] = "----",
          [ROLE_GRID_WORKER] = "r---",
          [ROLE_PARTY_MEMBER] = "r---",
          [ROLE_VOLUNTEER] = "----",
          [ROLE_COMMUNITY_STAFF] = "rw--",
          [ROLE_COMMUNITY_ADMIN] = "rw--",
          [ROLE_UNIT_CONTACT] = "r---",
          [ROLE_PROPERTY] = "----",
          [ROLE_DEPARTMENT] = "----",
          [ROLE_STREET_SUPERVISOR] = "rw--",
          [ROLE_SYSTEM_ADMIN] = "rwa-",
      }}},
    {&RES_MATCH_SETTINGS,
     {"match_settings",
      "供需对接设置（系数、标签权重、自动匹配）",
      {
          [ROLE_RESIDENT] = "----",
          [ROLE_GRID_WORKER] = "r---",
          [ROLE_PARTY_MEMBER] = "----",
          [ROLE_VOLUNTEER] = "----",
          [ROLE_COMMUNITY_STAFF] = "r---",
          [ROLE_COMMUNITY_ADMIN] = "rw--",
          [ROLE_UNIT_CONTACT] = "----",
          [ROLE_PROPERTY] = "----",
          [ROLE_DEPARTMENT] = "----",
          [ROLE_STREET_SUPERVISOR] = "rw--",
          [ROLE_SYSTEM_ADMIN] = "rwa-",
      }}},
    {0},
};

const gz_module gz_module_matching = {
    .name = "matching",
    .routes = routes,
    .counts = counts,
    .commands = commands,
    .resources = resources,
    .jobs = gz_match_job_kinds,
};
