#include "cli/cli.h"
#include "modules/module.h"

/* The demo street and the district-scale generator: a realistic year of every
 * capability for `make run`, and city-scale data for the benchmarks. It builds on every
 * other module through their public headers (their write functions, so the data goes
 * through the same checks as the API), so it comes last in the list. */
static const gz_module_command commands[] = {
    {"demo", "load a synthetic demo street and one account per role", gz_cli_demo_usage,
     gz_cli_demo},
    {"gen", "generate district-scale data for benchmarks", gz_cli_gen_usage, gz_cli_gen},
    {0},
};

const gz_module gz_module_demo = {
    .name = "demo",
    .commands = commands,
};
