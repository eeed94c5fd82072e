#include "modules/accounts/accounts.h"
#include "cli/cli.h"
#include "modules/module.h"

extern const gz_module_route gz_accounts_session_routes[];
extern const gz_module_route gz_accounts_user_routes[];
extern const gz_module_route gz_accounts_audit_routes[];
static const gz_module_route *const routes[] = {gz_accounts_session_routes, gz_accounts_user_routes,
                                                gz_accounts_audit_routes, NULL};

policy_resource RES_ACCOUNT = -1;
policy_resource RES_AUDIT = -1;

static const char *const counts[] = {"users", NULL};

static const gz_module_command commands[] = {
    {"user", "manage accounts and their role grants", gz_cli_user_usage, gz_cli_user},
    {0},
};

/* Accounts: the community secretary manages its community's accounts and grants, the
 * street its street's, system administrators everything (policy_can_delegate keeps
 * anyone from handing out more than they hold).
 *
 * The audit log is append-only: no role has write or admin on it, because no API
 * writes it directly (rows are added by the server, in the transaction of the change
 * they record). Those who answer for a place read its trail. */
static const gz_module_resource resources[] = {
    {&RES_ACCOUNT,
     {"account",
      "账号与授权",
      {
          [ROLE_RESIDENT] = "----",
          [ROLE_GRID_WORKER] = "----",
          [ROLE_PARTY_MEMBER] = "----",
          [ROLE_VOLUNTEER] = "----",
          [ROLE_COMMUNITY_STAFF] = "----",
          [ROLE_COMMUNITY_ADMIN] = "rwa-",
          [ROLE_UNIT_CONTACT] = "----",
          [ROLE_PROPERTY] = "----",
          [ROLE_DEPARTMENT] = "----",
          [ROLE_STREET_SUPERVISOR] = "rwa-",
          [ROLE_SYSTEM_ADMIN] = "rwa-",
      }}},
    {&RES_AUDIT,
     {"audit",
      "审计日志",
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
          [ROLE_SYSTEM_ADMIN] = "r---",
      }}},
    {0},
};

const gz_module gz_module_accounts = {
    .routes = routes,
    .name = "accounts",
    .counts = counts,
    .commands = commands,
    .resources = resources,
    .init = gz_accounts_names_init,
};
