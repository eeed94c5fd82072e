/* The matching module (供需对接, issue 11): needs, resources and projects, matched by an
 * exact and fair engine. This first slice is the engine (engine.c, pairs.c: pure, no
 * I/O) and `gongzhi match` on instance files; its lists, routes, policy rows and jobs
 * follow. The issue placed the engine in src/domain/; since the Modules issue a
 * capability's rules live in its own folder (docs/ARCHITECTURE.md), so it is here. */
#include "modules/matching/matching.h"
#include "modules/module.h"

static const gz_module_command commands[] = {
    {"match", "exact fair matching of needs and providers (an instance file)", gz_cli_match_usage,
     gz_cli_match},
    {0},
};

const gz_module gz_module_matching = {
    .name = "matching",
    .commands = commands,
};
