/* The shape of a capability. A module is a folder, src/modules/NAME/, holding its
 * domain rules, handlers, migrations and OpenAPI fragment, and one descriptor
 * (module.c) that declares everything the rest of the program must know of it:
 *
 *   routes      method, pattern, handler, public or login required, body limit
 *   prefixes    URL prefixes that are API, never web UI files ("/open311/")
 *   counts      names of the record_counts rows the module keeps
 *   commands    subcommands of the gongzhi binary
 *   resources   its rows of the policy table (who may do what on its records)
 *   jobs        the kinds of background job it runs (timers, reports, notifications)
 *   init        anything else done once at start-up (hooks)
 *
 * Its migrations need no declaration: they are the files in its migrations/ folder
 * (db/migrations.h), applied after the core's and the modules' listed before it.
 *
 * Registration is one line in src/modules/modules.c. A module uses another only
 * through that module's public header (src/modules/NAME/NAME.h). */
#ifndef GZ_MODULES_MODULE_H
#define GZ_MODULES_MODULE_H

#include "domain/policy.h"
#include "http/http.h"
#include "http/router.h"
#include "jobs/jobs.h"

#include <stddef.h>

typedef struct gz_module_route {
	const char *method, *pattern;
	gz_handler_fn fn;
	unsigned flags;    /* GZ_ROUTE_PUBLIC (http/router.h); 0 = login required */
	size_t body_limit; /* bytes; 0 = the server's --body-limit */
} gz_module_route;

typedef struct gz_module_command {
	/* "user", or "import residents": a sub-verb of a command another module owns. */
	const char *name, *summary, *usage;
	/* argv starts at the command's name; returns the exit code (0, 1, 2 usage). */
	int (*run)(int argc, char **argv);
} gz_module_command;

typedef struct gz_module_resource {
	policy_resource *id; /* set at registration; declared in the module's header */
	policy_resource_def def;
} gz_module_resource;

typedef struct gz_module {
	const char *name;
	/* Its route tables (one per handler file, next to the handlers), each ending with
	 * {0}; the list ends with NULL. */
	const gz_module_route *const *routes;
	const char *const *prefixes;         /* ends with NULL */
	const char *const *counts;           /* ends with NULL */
	const gz_module_command *commands;   /* ends with {0} */
	const gz_module_resource *resources; /* ends with {0} */
	const gz_job_kind *jobs;             /* ends with {0} */
	void (*init)(void);                  /* may be NULL */
} gz_module;

/* Registers every module in the list: migrations and policy rows first (so route init may use
 * them), then routes, prefixes and init hooks. Call once at start-up, before anything else that
 * reads the policy or the routes. Idempotent. */
void gz_modules_init(void);

/* The modules, in registration order; ends with NULL. */
const gz_module *const *gz_modules_list(void);

/* The command of that name from any module, or NULL. A command may be a sub-verb of
 * another module's ("import residents"): with sub (the next argument, may be NULL),
 * "name sub" is looked for first, then name alone. */
const gz_module_command *gz_modules_command(const char *name, const char *sub);

#endif
