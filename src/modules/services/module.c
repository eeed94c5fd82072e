#include "modules/module.h"
#include "modules/services/services.h"

/* Integrated services (集成化服务, docs/SERVICES.md): the catalogue (办事指南, catalogue.c),
 * applications (applications.c, actions.c, attachments.c, rates.c, calendar.c),
 * certificates (certificates.c, certificate_pdf.c), with the rules in rules.c, terms.c and
 * venue_rules.c. */

policy_resource RES_SERVICE = -1;
policy_resource RES_VENUE = -1;

extern const gz_module_route gz_services_catalogue_routes[], gz_services_calendar_routes[],
    gz_services_attachment_routes[], gz_services_application_routes[], gz_services_action_routes[],
    gz_services_rate_routes[], gz_services_certificate_routes[], gz_services_venue_routes[],
    gz_services_booking_routes[], gz_services_appointment_routes[];
static const gz_module_route *const routes[] = {gz_services_catalogue_routes,
                                                gz_services_calendar_routes,
                                                gz_services_attachment_routes,
                                                gz_services_application_routes,
                                                gz_services_action_routes,
                                                gz_services_rate_routes,
                                                gz_services_certificate_routes,
                                                gz_services_venue_routes,
                                                gz_services_booking_routes,
                                                gz_services_appointment_routes,
                                                NULL};

static const char *const counts[] = {"service_applications", "service_certificates", "venues",
                                     "venue_bookings",       "appointments",         NULL};

/* Applications are handled where people live: grid workers (who help residents apply and
 * check where they live), community staff and the secretary (the one-stop window); the
 * secretary also revokes certificates and adds the community's own services (admin), as
 * the street does for its communities and system administrators for the whole catalogue.
 * Residents hold no cell: their own applications are theirs by the account link (as their
 * resident record), and the catalogue is public. The others' work comes through their own
 * modules. */
static const gz_module_resource resources[] = {
    {&RES_SERVICE,
     {"service",
      "办事服务（事项、申请、证明）",
      {
          [ROLE_RESIDENT] = "----",
          [ROLE_GRID_WORKER] = "rw--",
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
    /* Venues lie at the community they serve. Its staff keep the calendar and approve
     * bookings of the centre's rooms (write); the secretary adds venues (admin), as the
     * street does. A co-building unit's contact approves the bookings of the venues their
     * unit offers: with a grant at the unit's organisation scope ("org:ID/") that is those
     * venues only; at the community it is every venue there. Grid workers read the
     * bookings of their community. Seeing and booking a venue needs no cell: every account
     * whose grants touch the community may (svc_near), residents included. */
    {&RES_VENUE,
     {"venue",
      "场地与共享资源",
      {
          [ROLE_RESIDENT] = "----",
          [ROLE_GRID_WORKER] = "r---",
          [ROLE_PARTY_MEMBER] = "----",
          [ROLE_VOLUNTEER] = "----",
          [ROLE_COMMUNITY_STAFF] = "rw--",
          [ROLE_COMMUNITY_ADMIN] = "rwa-",
          [ROLE_UNIT_CONTACT] = "rw--",
          [ROLE_PROPERTY] = "----",
          [ROLE_DEPARTMENT] = "----",
          [ROLE_STREET_SUPERVISOR] = "rwa-",
          [ROLE_SYSTEM_ADMIN] = "rwa-",
      }}},
    {0},
};

const gz_module gz_module_services = {
    .name = "services",
    .routes = routes,
    .resources = resources,
    .counts = counts,
};
