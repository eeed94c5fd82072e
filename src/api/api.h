/* HTTP resources. One file per resource; each registers its routes here. Handlers are
 * thin: parse and validate input, check scope, call domain/ and db/, answer. */
#ifndef GZ_API_API_H
#define GZ_API_API_H

/* Each resource file's route registration, called by its module's descriptor
 * (src/modules/NAME/module.c) until the routes are declared in the descriptor. */
void gz_api_system_register(void);
/* Idempotency-Key on every POST (hooks, no routes of its own). */
void gz_api_idempotency_register(void);
void gz_api_probes_register(void);
void gz_api_session_register(void); /* session.c: /session, /me */
void gz_api_users_register(void);   /* users.c: /users */
void gz_api_audit_register(void);   /* audit.c: /audit */
void gz_api_space_register(void);   /* space.c: /streets, /grids, /locate, ... */
void gz_api_org_register(void);     /* org.c: /organisations, /party-members, /network, ... */
/* residents.c: /residents, /households, /me/resident, /resident-tags, /imports */
void gz_api_residents_register(void);
void gz_api_units_register(void); /* units.c: /units */

#endif
