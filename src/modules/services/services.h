/* Integrated services (集成化服务): the catalogue (办事指南), applications, certificates and
 * venues — what other modules (the demo) may call. docs/SERVICES.md has the rules;
 * openapi.json the shapes.
 *
 * Writes take the actor who does them (api/auth.h): a request's user, whose grants decide
 * what is allowed, or the command line's operator (gz_actor_operator), audited as "cli". */
#ifndef GZ_MODULES_SERVICES_H
#define GZ_MODULES_SERVICES_H

#include "api/auth.h"
#include "db/db.h"
#include "domain/policy.h"

#include <jansson.h>
#include <stdint.h>

/* Its rows of the policy table (assigned when the module registers). */
extern policy_resource RES_SERVICE; /* applications, certificates, the catalogue's entries */
extern policy_resource RES_VENUE;   /* venues and their bookings */

/* Brings the search terms of every catalogue entry up to this server's tokenizer (the
 * seeded entries and any row written by SQL have none): one indexed query when nothing is
 * stale, else one transaction updating the stale rows. Runs before each search; the
 * command line and the demo call it after loading. Returns 0, or -1 with err set. */
int gz_services_reindex(gz_db *db, gz_err *err);

/* Files an application — POST /api/v1/service-applications: {service_id, resident_id?,
 * fields: {code: value}, materials: {code: [file id]}}. A resident applies online for
 * themselves (resident_id absent) or a member of their household; staff (service write
 * at the person's grid) at the counter for anyone there, and for services only offered in
 * person. Every missing or bad field and material is named (422); files must be the
 * actor's own uploads not used elsewhere. One transaction: the application, its files,
 * the first step of its timeline, the audit row service_application.create and the
 * count. Returns 0 with *out the application as GET shows it, or -1 with err set. */
int gz_services_apply(gz_db *db, const gz_actor *actor, json_t *in, json_t **out, gz_err *err);

/* Adds a venue — POST /api/v1/venues: {name, kind, community_code, owner_org_id?,
 * agreement_id?, address?, capacity, opening_hours, max_minutes, rules?} — with venue
 * admin at the community; one transaction with its audit row venue.create. */
int gz_services_venue_create(gz_db *db, const gz_actor *a, json_t *in, json_t **out, gz_err *err);

/* gongzhi demo (services/demo.c): for each of the n communities (codes and names), the
 * rooms of its 党群服务中心 and venues of co-building units with an agreement, a year of
 * applications run through their steps and a year of bookings, all before now, as the
 * operator op, deterministic for seed. *summary: {applications, steps, venues, bookings}.
 * Returns 0, or -1 with err set when any write was refused (each is printed). */
int gz_services_demo(gz_db *db, const gz_actor *op, const char *const *communities,
                     const char *const *names, int n, uint64_t seed, int64_t now, json_t **summary,
                     gz_err *err);

#endif
