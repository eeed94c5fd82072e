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
 *   todos       its items of a user's to-do list on the workbench (工作台)
 *   figures     its figures of the user's own scope on the workbench
 *   init        anything else done once at start-up (hooks)
 *
 * Its migrations need no declaration: they are the files in its migrations/ folder
 * (db/migrations.h), applied after the core's and the modules' listed before it.
 *
 * Registration is one line in src/modules/modules.c. A module uses another only
 * through that module's public header (src/modules/NAME/NAME.h). */
#ifndef GZ_MODULES_MODULE_H
#define GZ_MODULES_MODULE_H

#include "api/auth.h"
#include "db/db.h"
#include "domain/policy.h"
#include "http/http.h"
#include "http/router.h"
#include "jobs/jobs.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

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

/* One item of the workbench's to-do list (GET /api/v1/workbench, "todos"): what the
 * actor has to do in this module, counted inside the actor's own scopes only.
 *
 * count() runs inside the workbench's read snapshot on db (it must not write) and
 * returns 1 with *count set (0 is a valid count: nothing to do), 0 when the item does not
 * concern the actor at all (none of its roles does this work; the item is left out), or
 * -1 with err set on a database error (the workbench answers the error). It must do
 * work proportional to the actor's scope, never to the whole database. */
typedef struct gz_module_todo {
	const char *kind;  /* "visits.due": unique across modules, stable (tests, the web) */
	const char *label; /* 「待走访的居民」 */
	const char *link;  /* the web route that lists the items: "/visits?tab=due" */
	int (*count)(gz_db *db, const gz_actor *a, int64_t *count, gz_err *err);
} gz_module_todo;

/* A group of figures of the actor's own scope on the workbench ("figures"): e.g. the
 * households and residents of the grid worker's grid, or the residents of each key group.
 *
 * fill() runs like gz_module_todo.count() and returns 1 with *items set to a new JSON
 * array of {"key", "label", "unit", "value"} (value an integer, unit what it counts: 「人」,
 * 「户」, 「次」; "text" instead of a value for a figure that is not a count), 0 when the
 * group does not concern the actor (then *items stays NULL), or -1 with err set. The web
 * draws a chart of a group only when all its values share one unit and one order of
 * magnitude is not lost beside another: never 街道 = 1 beside 居民 = 8,600. */
typedef struct gz_module_figures {
	const char *kind;  /* "people.key_groups" */
	const char *title; /* 「重点人群」 */
	int (*fill)(gz_db *db, const gz_actor *a, json_t **items, gz_err *err);
} gz_module_figures;

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
	const gz_module_todo *todos;         /* ends with {0} */
	const gz_module_figures *figures;    /* ends with {0} */
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
