/* The module list: adding a capability is one line here (and its folders). Order
 * matters only where one module builds on another (space before people). */
#include "modules/module.h"
#include "db/migrations.h"
#include "http/router.h"
#include "http/server.h"

#include <stdio.h>
#include <string.h>

/* The list: one line per module, in order. */
#define GZ_MODULES(X)                                                                              \
	X(system)                                                                                  \
	X(accounts)                                                                                \
	X(notify)                                                                                  \
	X(space)                                                                                   \
	X(people)                                                                                  \
	X(org)                                                                                     \
	X(visits)                                                                                  \
	X(workbench)                                                                               \
	X(cases)                                                                                   \
	X(services)                                                                                \
	X(jobs)                                                                                    \
	X(deliberation)                                                                            \
	X(matching)                                                                                \
	X(mobilisation)                                                                            \
	X(demo)

#define DECLARE(name) extern const gz_module gz_module_##name;
#define ENTRY(name)   &gz_module_##name,
GZ_MODULES(DECLARE)
static const gz_module *const modules[] = {GZ_MODULES(ENTRY) NULL};

const gz_module *const *gz_modules_list(void)
{
	return modules;
}

void gz_modules_init(void)
{
	static int done;
	if (done)
		return;
	done = 1;
	for (const gz_module *const *m = modules; *m; m++) {
		/* Its migrations are the files in src/modules/NAME/migrations/. */
		gz_db_add_migrations((*m)->name);
		for (const gz_module_resource *res = (*m)->resources; res && res->id; res++)
			*res->id = policy_register(&res->def);
	}
	for (const gz_module *const *m = modules; *m; m++) {
		for (const gz_module_route *const *t = (*m)->routes; t && *t; t++)
			for (const gz_module_route *rt = *t; rt->method; rt++)
				gz_router_add(rt->method, rt->pattern, rt->fn, rt->flags,
				              rt->body_limit);
		for (const gz_job_kind *k = (*m)->jobs; k && k->name; k++)
			gz_jobs_register(k);
		for (const char *const *p = (*m)->prefixes; p && *p; p++)
			gz_server_api_prefix(*p);
		if ((*m)->init)
			(*m)->init();
	}
}

const gz_module_command *gz_modules_command(const char *name, const char *sub)
{
	char two[128];
	if (sub && snprintf(two, sizeof two, "%s %s", name, sub) < (int)sizeof two)
		for (const gz_module *const *m = modules; *m; m++)
			for (const gz_module_command *c = (*m)->commands; c && c->name; c++)
				if (!strcmp(c->name, two))
					return c;
	for (const gz_module *const *m = modules; *m; m++)
		for (const gz_module_command *c = (*m)->commands; c && c->name; c++)
			if (!strcmp(c->name, name))
				return c;
	return NULL;
}
