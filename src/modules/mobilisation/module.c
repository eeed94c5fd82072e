#include "modules/mobilisation/mobilisation.h"
#include "modules/module.h"

/* Mobilisation (社会动员): activities and their sign-up, check-in and hours
 * (activities.c, signups.c, hours.c), volunteer service records (records.c), the points
 * ledger (ledger.c), the charity store (store.c), `gongzhi ledger` (cli.c); the pure rules
 * in rules.c. The first route matching a path wins: literal paths before {id}. */
extern const gz_module_route gz_mob_activity_routes[], gz_mob_signup_routes[],
    gz_mob_hours_routes[], gz_mob_record_routes[], gz_mob_ledger_routes[], gz_mob_store_routes[],
    gz_mob_certificate_routes[], gz_mob_party_routes[];
static const gz_module_route *const routes[] = {
    gz_mob_activity_routes,    gz_mob_signup_routes, gz_mob_hours_routes,
    gz_mob_record_routes,      gz_mob_ledger_routes, gz_mob_store_routes,
    gz_mob_certificate_routes, gz_mob_party_routes,  NULL};

policy_resource RES_ACTIVITY = -1;
policy_resource RES_SERVICE_RECORD = -1;
policy_resource RES_STORE = -1;
policy_resource RES_PARTY_POINTS = -1;

static const char *const counts[] = {"activities", "signups", "service_records", "redemptions",
                                     NULL};

static const gz_module_command commands[] = {
    {"ledger", "check the points ledger's invariants; generate a large ledger", gz_mob_ledger_usage,
     gz_cli_ledger},
    {0},
};

/* activity: everyone who lives or serves in a place sees its activities and signs up
 * (their own sign-up, check-in and hours are theirs by account: the actor's user) —
 * residents, Party members, volunteers, unit contacts, property staff; an activity of a
 * community is open to its grids too (mob_check_visible). Grid workers, community staff
 * and the secretary organise them (publish, show the check-in code, close missing
 * check-outs, confirm hours and no-shows), as does the street; departments have no part.
 *
 * service_record: the records of others (hours, evaluations, points movements) are read
 * by those who keep them: grid workers of their grid (read), community staff (read and
 * record training and awards, correct hours), the secretary and the street, who alone
 * adjust points by hand with a reason (admin). Volunteers see their own records by
 * account, not by this row. Earning rules are settings of the whole system (admin at "").
 *
 * store: every role that lives or serves in the community sees its charity store and
 * redeems its own points; community staff, the secretary and the street keep the items,
 * the stock and the donations and confirm pick-ups.
 *
 * party_points (党员积分): a branch's points lie at the branch's place, a member's also where
 * they reported. Grid workers read those of their grid; community staff read them and
 * record duties, meetings and deductions; the secretary and the street also set a
 * branch's rules (admin). Party members see their own by account (/me/party-points), not
 * by this row.
 *
 * system_admin holds every letter but reveal on every row (it appoints everyone), though
 * no route asks for admin on activities or the store. */
static const gz_module_resource resources[] = {
    {&RES_ACTIVITY,
     {"activity",
      "志愿与党员活动（报名、签到、时长）",
      {
          [ROLE_RESIDENT] = "r---",
          [ROLE_GRID_WORKER] = "rw--",
          [ROLE_PARTY_MEMBER] = "r---",
          [ROLE_VOLUNTEER] = "r---",
          [ROLE_COMMUNITY_STAFF] = "rw--",
          [ROLE_COMMUNITY_ADMIN] = "rw--",
          [ROLE_UNIT_CONTACT] = "r---",
          [ROLE_PROPERTY] = "r---",
          [ROLE_DEPARTMENT] = "----",
          [ROLE_STREET_SUPERVISOR] = "rw--",
          [ROLE_SYSTEM_ADMIN] = "rwa-",
      }}},
    {&RES_SERVICE_RECORD,
     {"service_record",
      "志愿服务记录与积分",
      {
          [ROLE_RESIDENT] = "----",
          [ROLE_GRID_WORKER] = "r---",
          [ROLE_PARTY_MEMBER] = "----",
          [ROLE_VOLUNTEER] = "----",
          [ROLE_COMMUNITY_STAFF] = "rw--",
          [ROLE_COMMUNITY_ADMIN] = "rwa-",
          [ROLE_UNIT_CONTACT] = "----",
          [ROLE_PROPERTY] = "----",
          [ROLE_DEPARTMENT] = "----",
          [ROLE_STREET_SUPERVISOR] = "rwa-",
          [ROLE_SYSTEM_ADMIN] = "rwa-",
      }}},
    {&RES_STORE,
     {"store",
      "爱心超市（物品、库存、兑换）",
      {
          [ROLE_RESIDENT] = "r---",
          [ROLE_GRID_WORKER] = "r---",
          [ROLE_PARTY_MEMBER] = "r---",
          [ROLE_VOLUNTEER] = "r---",
          [ROLE_COMMUNITY_STAFF] = "rw--",
          [ROLE_COMMUNITY_ADMIN] = "rw--",
          [ROLE_UNIT_CONTACT] = "r---",
          [ROLE_PROPERTY] = "r---",
          [ROLE_DEPARTMENT] = "----",
          [ROLE_STREET_SUPERVISOR] = "rw--",
          [ROLE_SYSTEM_ADMIN] = "rwa-",
      }}},
    {&RES_PARTY_POINTS,
     {"party_points",
      "党员积分（支部规则、记录、排名、双报到报告）",
      {
          [ROLE_RESIDENT] = "----",
          [ROLE_GRID_WORKER] = "r---",
          [ROLE_PARTY_MEMBER] = "----",
          [ROLE_VOLUNTEER] = "----",
          [ROLE_COMMUNITY_STAFF] = "rw--",
          [ROLE_COMMUNITY_ADMIN] = "rwa-",
          [ROLE_UNIT_CONTACT] = "----",
          [ROLE_PROPERTY] = "----",
          [ROLE_DEPARTMENT] = "----",
          [ROLE_STREET_SUPERVISOR] = "rwa-",
          [ROLE_SYSTEM_ADMIN] = "rwa-",
      }}},
    {0},
};

const gz_module gz_module_mobilisation = {
    .routes = routes,
    .name = "mobilisation",
    .counts = counts,
    .commands = commands,
    .resources = resources,
};
