/* The workbench (工作台): one route that gathers what every module contributes for the
 * caller (its descriptor's todos and figures). It owns no table and no policy row: each
 * contribution is counted inside the caller's scopes by the module that knows the data. */
#include "modules/module.h"

extern const gz_module_route gz_workbench_routes[];
static const gz_module_route *const routes[] = {gz_workbench_routes, NULL};

const gz_module gz_module_workbench = {
    .name = "workbench",
    .routes = routes,
};
