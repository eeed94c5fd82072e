#include "modules/module.h"
#include "modules/org/org.h"

extern const gz_module_route gz_org_routes[], gz_org_agreement_routes[], gz_org_party_routes[],
    gz_org_network_routes[], gz_org_figures_routes[], gz_org_serving_routes[];
static const gz_module_route *const routes[] = {gz_org_routes,
                                                gz_org_agreement_routes,
                                                gz_org_party_routes,
                                                gz_org_network_routes,
                                                gz_org_figures_routes,
                                                gz_org_serving_routes,
                                                NULL};

/* The organisation network (一核多元): organisations, members, co-building agreements,
 * Party members and 双报到, the network and its figures (org.c and the files beside it, rules.c).
 * It protects its records with the space resource of the place each organisation
 * belongs to, and shows people's names by the one masking rule of the people module. */

static const char *const counts[] = {"organisations", "party_members", "coop_agreements", NULL};

const gz_module gz_module_org = {
    .routes = routes,
    .name = "org",
    .counts = counts,
    .init = gz_org_names_init,
};
