/* Who is told what about a case (modules/notify/notify.h), in the transaction of the
 * write that changed it:
 *   reported            the grid workers of its grid (they register it)
 *   dispatched          the person it was given to, else every account of the
 *                       organisation, else (属地) the grid workers of its grid
 *   escalated (吹哨)     the department's accounts, or the street's supervisors
 *   reopened, reworked  the person handling it
 *   any change          the reporter (not when the reporter did it)
 *   overdue (the job)   whoever must take the next step: the person handling it, else
 *                       the organisation's accounts, else the grid workers (to register,
 *                       dispatch or handle as 属地)
 * A title names the case by its category and the start of its description, never by a
 * code; the actor never tells themselves (gz_notify skips them). */
#include "modules/cases/cases_internal.h"
#include "core/utf8.h"
#include "modules/notify/notify.h"

#include <stdio.h>
#include <string.h>

/* 「垃圾清运：3号楼门口垃圾…」 in A. */
static const char *case_words(gz_arena *A, const case_row *c)
{
	const char *d = c->description ? c->description : "";
	size_t n = strlen(d), cut = gz_utf8_prefix(d, n, 3 * 16);
	return gz_arena_printf(A, "「%s：%.*s%s」", c->category_name ? c->category_name : "诉求",
	                       (int)cut, d, cut < n ? "…" : "");
}

static int tell_reporter(gz_db *db, const gz_actor *a, gz_arena *A, const case_row *c,
                         const char *kind, const char *title, gz_err *err)
{
	gz_notice n = {.kind = kind,
	               .title = title,
	               .link = gz_arena_printf(A, "/cases/%lld", (long long)c->id),
	               .object_type = "case",
	               .object_id = c->id};
	return gz_notify(db, a, c->reporter_user_id, &n, err);
}

int case_notify_created(gz_db *db, const gz_actor *a, gz_arena *A, const case_row *c, gz_err *err)
{
	if (c->state != CASE_REPORTED) /* self-handled on the spot: nothing to register */
		return 0;
	gz_notice n = {.kind = "case.reported",
	               .title = gz_arena_printf(A, "新诉求待登记：%s（%s）", case_words(A, c),
	                                        c->grid_name ? c->grid_name : ""),
	               .link = gz_arena_printf(A, "/cases/%lld", (long long)c->id),
	               .object_type = "case",
	               .object_id = c->id};
	return gz_notify_scope(db, a, "grid_worker", c->grid, &n, err) < 0 ? -1 : 0;
}

int case_notify_action(gz_db *db, const gz_actor *a, gz_arena *A, const case_row *c,
                       case_action action, case_state from, int64_t ev_org, int64_t ev_user,
                       gz_err *err)
{
	const char *words = case_words(A, c);
	const char *link = gz_arena_printf(A, "/cases/%lld", (long long)c->id);
	char kind[48];
	snprintf(kind, sizeof kind, "case.%s", case_action_code(action));
	gz_notice n = {.kind = kind, .link = link, .object_type = "case", .object_id = c->id};
	int rc = 0;
	switch (action) {
	case CA_DISPATCH:
		n.title = gz_arena_printf(A, "派遣给您的诉求：%s", words);
		if (ev_user)
			rc = gz_notify(db, a, ev_user, &n, err);
		else if (ev_org)
			rc = gz_notify_scope(db, a, NULL,
			                     gz_arena_printf(A, "org:%lld/", (long long)ev_org), &n,
			                     err);
		else
			rc = gz_notify_scope(db, a, "grid_worker", c->grid, &n, err);
		break;
	case CA_ESCALATE:
		n.title = gz_arena_printf(A, "吹哨报到：%s 请求协同处置", words);
		if (ev_org)
			rc = gz_notify_scope(db, a, NULL,
			                     gz_arena_printf(A, "org:%lld/", (long long)ev_org), &n,
			                     err);
		else
			rc = gz_notify_scope(db, a, "street_supervisor",
			                     gz_arena_strndup(A, c->grid, 9), &n, err);
		break;
	case CA_REOPEN:
	case CA_REWORK:
		n.title = gz_arena_printf(
		    A, "%s：%s", action == CA_REOPEN ? "诉求已重新打开" : "诉求需返工", words);
		rc = gz_notify(db, a, c->handler_user_id, &n, err);
		break;
	default:
		break;
	}
	if (rc < 0)
		return -1;
	if (c->state == from && action != CA_MERGE)
		return 0; /* nothing the reporter waits for (an edit, a request inside the team) */
	return tell_reporter(db, a, A, c, kind,
	                     gz_arena_printf(A, "您反映的%s%s", words, case_state_label(c->state)),
	                     err);
}

int case_notify_overdue(gz_db *db, const gz_actor *a, gz_arena *A, const case_row *c, gz_err *err)
{
	gz_notice n = {.kind = "case.overdue",
	               .title = gz_arena_printf(A, "诉求已超期，请尽快处理：%s", case_words(A, c)),
	               .link = gz_arena_printf(A, "/cases/%lld", (long long)c->id),
	               .object_type = "case",
	               .object_id = c->id};
	if (c->handler_user_id)
		return gz_notify(db, a, c->handler_user_id, &n, err);
	const char *scope = c->handler_org_id
	                        ? gz_arena_printf(A, "org:%lld/", (long long)c->handler_org_id)
	                        : c->grid;
	return gz_notify_scope(db, a, c->handler_org_id ? NULL : "grid_worker", scope, &n, err) < 0
	           ? -1
	           : 0;
}
