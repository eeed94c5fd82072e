/* Notifications (站内消息) and live events: the inbox of every account and its event
 * stream (notify.h). Other modules write notifications through gz_notify(); this module
 * owns the table and the routes. No policy row: an account reads and marks only its own
 * inbox, whatever its roles. */
#include "modules/module.h"

extern const gz_module_route gz_notify_routes[];
static const gz_module_route *const routes[] = {gz_notify_routes, NULL};

const gz_module gz_module_notify = {
    .name = "notify",
    .routes = routes,
};
