/* What visits give the workbench (modules/module.h, todos and figures): residents due a
 * visit for those who visit, the state of the scope's key groups and this month's visits
 * for those who read visits, and a resident's own visits. */
#include "modules/visits/visits_internal.h"
#include "api/common.h"
#include "api/list.h"
#include "modules/module.h"

#include <stdio.h>
#include <string.h>

/* The actor's scopes for action on visits; 0 (and err cleared) when it has none. */
static int scopes_of(const gz_actor *a, policy_action action, const char **scopes, gz_err *err)
{
	int ns = gz_actor_scopes(a, action, RES_VISIT, scopes, GZ_AUTH_MAX_GRANTS, err);
	if (ns < 0 && err->kind == GZ_EFORBIDDEN) {
		gz_err_clear(err);
		return 0;
	}
	return ns;
}

/* To-do: residents due or overdue in the places the actor visits — grants at a community
 * or a grid (a street's or the city's supervisors see the figures instead: they do not
 * visit, and their whole register is not a to-do list). */
static int due_todo(gz_db *db, const gz_actor *a, int64_t *count, gz_err *err)
{
	const char *scopes[GZ_AUTH_MAX_GRANTS];
	int ns = scopes_of(a, ACT_WRITE, scopes, err), any = 0;
	visits_due_set set = {0};
	for (int s = 0; s < ns; s++) {
		char lo[GZ_SCOPE_MAX + 2], hi[GZ_SCOPE_MAX + 2];
		if (strlen(scopes[s]) < 12 || !gz_api_scope_range(scopes[s], NULL, lo, hi))
			continue;
		any = 1;
		if (visits_due_collect(db, lo, hi, visits_today(), &set, err) < 0) {
			visits_due_free(&set);
			return -1;
		}
	}
	*count = 0;
	for (size_t i = 0; i < set.n; i++)
		*count +=
		    set.rows[i].due.state == VISIT_DUE || set.rows[i].due.state == VISIT_OVERDUE;
	visits_due_free(&set);
	return ns < 0 ? -1 : any;
}

static json_t *figure(const char *key, const char *label, const char *unit, int64_t value)
{
	return json_pack("{s:s,s:s,s:s,s:I}", "key", key, "label", label, "unit", unit, "value",
	                 (json_int_t)value);
}

/* Figures: the key-group residents of the actor's scope with a visit frequency, and how
 * many are due and overdue today. */
static int status_figures(gz_db *db, const gz_actor *a, json_t **items, gz_err *err)
{
	const char *scopes[GZ_AUTH_MAX_GRANTS];
	int ns = scopes_of(a, ACT_READ, scopes, err);
	if (ns <= 0)
		return ns;
	visits_due_set set = {0};
	for (int s = 0; s < ns; s++) {
		char lo[GZ_SCOPE_MAX + 2], hi[GZ_SCOPE_MAX + 2];
		if (gz_api_scope_range(scopes[s], NULL, lo, hi) &&
		    visits_due_collect(db, lo, hi, visits_today(), &set, err) < 0) {
			visits_due_free(&set);
			return -1;
		}
	}
	int64_t due = 0, overdue = 0;
	for (size_t i = 0; i < set.n; i++) {
		due += set.rows[i].due.state == VISIT_DUE;
		overdue += set.rows[i].due.state == VISIT_OVERDUE;
	}
	*items = json_pack("[o,o,o]", figure("tracked", "定期走访对象", "人", (int64_t)set.n),
	                   figure("due", "待走访", "人", due),
	                   figure("overdue", "已逾期", "人", overdue));
	visits_due_free(&set);
	return 1;
}

/* Figures: the visits made in the actor's scope this calendar month (Asia/Shanghai). */
static int month_figures(gz_db *db, const gz_actor *a, json_t **items, gz_err *err)
{
	const char *scopes[GZ_AUTH_MAX_GRANTS];
	int ns = scopes_of(a, ACT_READ, scopes, err);
	if (ns <= 0)
		return ns;
	int64_t today = visits_today(), first = today, visits = 0;
	char buf[16];
	visit_day_format(today, buf, sizeof buf);
	buf[8] = '0', buf[9] = '1'; /* YYYY-MM-01 */
	visit_day_parse(buf, &first);
	for (int s = 0; s < ns; s++) {
		char lo[GZ_SCOPE_MAX + 2], hi[GZ_SCOPE_MAX + 2];
		if (gz_api_scope_range(scopes[s], NULL, lo, hi) &&
		    visits_period_total(db, lo, hi, first, today, &visits, err) < 0)
			return -1;
	}
	*items = json_pack("[o]", figure("visits", "本月走访次数", "次", visits));
	return 1;
}

/* Figures: a resident's own visits (their record by account link, as GET /me/visits):
 * how many this year, and the last one. */
static int mine_figures(gz_db *db, const gz_actor *a, json_t **items, gz_err *err)
{
	if (!a->user_id)
		return 0;
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT r.id, COALESCE(r.household_id, 0) FROM residents r "
	                            "WHERE r.user_id = $1 AND " VISITS_LIVE_RESIDENT,
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, a->user_id);
	int rc = gz_stmt_step(st, err);
	int64_t me = rc == GZ_ROW ? gz_stmt_int64(st, 0) : 0,
	        hh = rc == GZ_ROW ? gz_stmt_int64(st, 1) : 0;
	gz_stmt_finish(st);
	if (rc < 0 || !me)
		return rc < 0 ? -1 : 0;
	char buf[16];
	int64_t today = visits_today(), jan1 = today;
	visit_day_format(today, buf, sizeof buf);
	memcpy(buf + 5, "01-01", 5);
	visit_day_parse(buf, &jan1);
	st = gz_db_prepare(
	    db,
	    "SELECT v.visited_on, v.kind, v.visitor_name, (SELECT COUNT(*) FROM visits "
	    "w WHERE (w.resident_id = $1 OR w.household_id = $2) AND w.visited_on >= "
	    "$3) FROM visits v WHERE v.resident_id = $1 OR v.household_id = $2 ORDER "
	    "BY v.visited_on DESC, v.id DESC LIMIT 1",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, me);
	gz_stmt_bind_int64(st, 2, hh);
	gz_stmt_bind_int64(st, 3, jan1);
	rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		char text[600], day[16];
		snprintf(text, sizeof text, "%s（%s，%s）",
		         visit_day_format(gz_stmt_int64(st, 0), day, sizeof day),
		         visit_kind_label((visit_kind)visit_kind_parse(gz_stmt_text(st, 1))),
		         gz_stmt_text(st, 2));
		*items = json_pack("[o,{s:s,s:s,s:s}]",
		                   figure("this_year", "今年走访次数", "次", gz_stmt_int64(st, 3)),
		                   "key", "last", "label", "最近一次走访", "text", text);
	} else if (rc == GZ_DONE) {
		*items =
		    json_pack("[o,{s:s,s:s,s:s}]", figure("this_year", "今年走访次数", "次", 0),
		              "key", "last", "label", "最近一次走访", "text", "暂无");
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 1;
}

const gz_module_todo gz_visits_todos[] = {
    {"visits.due", "待走访的居民", "/visits?tab=due", due_todo},
    {0},
};

const gz_module_figures gz_visits_figures[] = {
    {"visits.status", "定期走访", status_figures},
    {"visits.month", "本月走访", month_figures},
    {"visits.mine", "我的走访记录", mine_figures},
    {0},
};
