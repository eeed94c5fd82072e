/* What the shared API plumbing installs at start-up (the system module calls it). */
#ifndef GZ_API_API_H
#define GZ_API_API_H

/* Idempotency-Key on every POST (server hooks, no routes of its own). */
void gz_api_idempotency_register(void);

#endif
