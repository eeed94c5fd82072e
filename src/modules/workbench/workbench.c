/* The workbench (工作台): GET /api/v1/workbench answers what the modules contribute for
 * the caller through their descriptors (modules/module.h): to-dos ("todos") and figures
 * of the caller's own scope ("figures"), in module order. This file knows no module: it
 * walks the list. */
#include "api/common.h"
#include "core/log.h"
#include "modules/module.h"

static void answer(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	gz_db *db = gz_req_db(r, &err);
	json_t *todos = json_array(), *figures = json_array();
	if (!db)
		goto fail;
	for (const gz_module *const *m = gz_modules_list(); *m; m++) {
		for (const gz_module_todo *t = (*m)->todos; t && t->kind; t++) {
			int64_t n = 0;
			int rc = t->count(db, a, &n, &err);
			if (rc < 0)
				goto fail;
			if (rc > 0)
				json_array_append_new(
				    todos, json_pack("{s:s,s:s,s:s,s:s,s:I}", "module", (*m)->name,
				                     "kind", t->kind, "label", t->label, "link",
				                     t->link, "count", (json_int_t)n));
		}
		for (const gz_module_figures *f = (*m)->figures; f && f->kind; f++) {
			json_t *items = NULL;
			int rc = f->fill(db, a, &items, &err);
			if (rc < 0) {
				json_decref(items);
				goto fail;
			}
			if (rc > 0 && items)
				json_array_append_new(figures,
				                      json_pack("{s:s,s:s,s:s,s:o}", "module",
				                                (*m)->name, "kind", f->kind,
				                                "title", f->title, "items", items));
			else
				json_decref(items);
		}
	}
	/* Counts of residents by key group are personal data of the caller's scope. */
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_json(r, 200, json_pack("{s:o,s:o}", "todos", todos, "figures", figures));
	return;
fail:
	json_decref(todos);
	json_decref(figures);
	gz_reply_err(r, &err);
}

/* Every part reads inside one snapshot, so the figures agree with each other. */
static void workbench_get(gz_req *r)
{
	gz_api_read(r, answer);
}

const gz_module_route gz_workbench_routes[] = {
    {"GET", "/api/v1/workbench", workbench_get, 0, 0},
    {0},
};
