#include "modules/system/system.h"
#include "api/api.h"
#include "api/common.h"
#include "modules/module.h"

extern const gz_module_route gz_system_routes[];
extern const gz_module_route gz_system_probe_routes[];
static const gz_module_route *const routes[] = {gz_system_routes, gz_system_probe_routes, NULL};

policy_resource RES_PROBE = -1;

static void init(void)
{
	/* Every route needs a login unless declared public: checked on the headers. */
	gz_server_set_auth_hook(gz_api_authenticated);
	gz_api_idempotency_register();
	gz_system_mark_started();
}

static const char *const prefixes[] = {"/api/", NULL};

/* Only system administrators write storage probes; the community and street read
 * them, and the operations data of the whole system is read at scope "". */
static const gz_module_resource resources[] = {
    {&RES_PROBE,
     {"probe",
      "存储探针与运行数据",
      {
          [ROLE_RESIDENT] = "----",
          [ROLE_GRID_WORKER] = "----",
          [ROLE_PARTY_MEMBER] = "----",
          [ROLE_VOLUNTEER] = "----",
          [ROLE_COMMUNITY_STAFF] = "----",
          [ROLE_COMMUNITY_ADMIN] = "r---",
          [ROLE_UNIT_CONTACT] = "----",
          [ROLE_PROPERTY] = "----",
          [ROLE_DEPARTMENT] = "----",
          [ROLE_STREET_SUPERVISOR] = "r---",
          [ROLE_SYSTEM_ADMIN] = "rwa-",
      }}},
    {0},
};

const gz_module gz_module_system = {
    .routes = routes,
    .name = "system",
    .prefixes = prefixes,
    .resources = resources,
    .init = init,
};
