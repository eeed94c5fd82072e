/* The deliberation module (协商议事, issue 12): topics through their stages and votes on
 * them with the electorate frozen when they open (topics.c, votes.c; rules in topic.c and
 * tally.c), and the commands `gongzhi tally` (paper ballots under the legal vote rules)
 * and `gongzhi pb` (participatory budgets from pabulib files). docs/DELIBERATION.md. */
#include "modules/deliberation/cli.h"
#include "modules/deliberation/deliberation.h"
#include "modules/module.h"

policy_resource RES_DELIBERATION = -1;

extern const gz_module_route gz_delib_topic_routes[], gz_delib_vote_routes[],
    gz_delib_stage_routes[], gz_delib_meeting_file_routes[], gz_delib_pb_routes[];
static const gz_module_route *const routes[] = {gz_delib_topic_routes, gz_delib_vote_routes,
                                                gz_delib_stage_routes, gz_delib_meeting_file_routes,
                                                gz_delib_pb_routes,    NULL};

static const gz_module_command commands[] = {
    {"tally", "count paper ballots under the exact legal vote rules", gz_delib_tally_usage,
     gz_delib_tally},
    {"pb", "participatory budget winners from a pabulib .pb file (greedy, mes, mes-add1)",
     gz_delib_pb_usage, gz_delib_pb},
    {0},
};

/* Everyone in a place reads its topics and votes, proposes topics and casts their own
 * ballot (write; whether they are in a vote's electorate decides the rest). Departments
 * follow. The community's staff and admin, the street and the system admin confirm
 * topics, move them through the stages, open and close votes and enter paper ballots
 * (admin). */
static const gz_module_resource resources[] = {
    {&RES_DELIBERATION,
     {"deliberation",
      "协商议事（议题、表决）",
      {
          [ROLE_RESIDENT] = "rw--",
          [ROLE_GRID_WORKER] = "rw--",
          [ROLE_PARTY_MEMBER] = "rw--",
          [ROLE_VOLUNTEER] = "rw--",
          [ROLE_COMMUNITY_STAFF] = "rwa-",
          [ROLE_COMMUNITY_ADMIN] = "rwa-",
          [ROLE_UNIT_CONTACT] = "rw--",
          [ROLE_PROPERTY] = "rw--",
          [ROLE_DEPARTMENT] = "r---",
          [ROLE_STREET_SUPERVISOR] = "rwa-",
          [ROLE_SYSTEM_ADMIN] = "rwa-",
      }}},
    {0},
};

const gz_module gz_module_deliberation = {
    .name = "deliberation",
    .routes = routes,
    .commands = commands,
    .resources = resources,
};
