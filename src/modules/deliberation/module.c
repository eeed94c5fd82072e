/* The deliberation module (协商议事, issue 12): for now its pure rules and their commands —
 * `gongzhi tally` (paper ballots under the legal vote rules) and `gongzhi pb`
 * (participatory budgets from pabulib files). Topics, votes and rounds stored in the
 * database, with their routes, come with the storage slice. */
#include "modules/deliberation/cli.h"
#include "modules/module.h"

static const gz_module_command commands[] = {
    {"tally", "count paper ballots under the exact legal vote rules", gz_delib_tally_usage,
     gz_delib_tally},
    {"pb", "participatory budget winners from a pabulib .pb file (greedy, mes, mes-add1)",
     gz_delib_pb_usage, gz_delib_pb},
    {0},
};

const gz_module gz_module_deliberation = {
    .name = "deliberation",
    .commands = commands,
};
