/* What people give the workbench (modules/module.h, todos and figures), counted inside
 * the caller's own scopes: records to complete and failed imports to fix (to-dos), the
 * households and residents of the caller's place and its key groups (figures). Reads
 * only. */
#include "modules/people/people_internal.h"
#include "api/list.h"
#include "core/time.h"
#include "modules/module.h"

#include <stdio.h>
#include <string.h>

/* A resident in the register (the predicate on residents r). */
#define LIVE "r.deleted_at IS NULL AND r.status = 'active'"

/* The actor's scopes for action on residents; 0 (err cleared) when it has none. */
static int scopes_of(const gz_actor *a, policy_action action, const char **scopes, gz_err *err)
{
	int ns = gz_actor_scopes(a, action, RES_RESIDENT, scopes, GZ_AUTH_MAX_GRANTS, err);
	if (ns < 0 && err->kind == GZ_EFORBIDDEN) {
		gz_err_clear(err);
		return 0;
	}
	return ns;
}

/* Most records a to-do counts exactly; beyond it the count says "at least". */
#define TODO_CAP 1000

/* To-do: residents registered without an ID number or without a household (to check
 * and complete), where the actor keeps the register at a community or a grid. Counted up
 * to TODO_CAP per place. */
static int verify_todo(gz_db *db, const gz_actor *a, int64_t *count, gz_err *err)
{
	const char *all[GZ_AUTH_MAX_GRANTS], *near[GZ_AUTH_MAX_GRANTS];
	int ns = scopes_of(a, ACT_WRITE, all, err), nn = 0;
	if (ns < 0)
		return -1;
	for (int s = 0; s < ns; s++)
		if (strlen(all[s]) >= 12)
			near[nn++] = all[s];
	if (!nn)
		return 0;
	*count = 0;
	return gz_api_sum_scopes(
	           db, near, nn,
	           "SELECT COUNT(*) FROM (SELECT 1 FROM residents r WHERE r.grid_code >= $1 "
	           "AND r.grid_code < $2 AND " LIVE " AND (r.id_number_enc IS "
	           "NULL OR r.household_id IS NULL) LIMIT 1000) x",
	           NULL, count, err) < 0
	           ? -1
	           : 1;
}

/* To-do: the actor's own imports of the last 7 days that failed (their reports, kept 30
 * days, are downloadable by them alone), for those who may import. */
static int imports_todo(gz_db *db, const gz_actor *a, int64_t *count, gz_err *err)
{
	const char *scopes[GZ_AUTH_MAX_GRANTS];
	int ns = scopes_of(a, ACT_WRITE, scopes, err);
	if (ns <= 0 || !a->user_id)
		return ns < 0 ? -1 : 0;
	int rc = gz_db_query_int64(db,
	                           "SELECT COUNT(*) FROM import_reports WHERE created_at >= $1 AND "
	                           "user_id = $2",
	                           count, err, 2, gz_time_now_ms() - INT64_C(7) * 86400 * 1000,
	                           (int64_t)a->user_id);
	return rc < 0 ? -1 : 1;
}

static json_t *figure(const char *key, const char *label, const char *unit, int64_t value)
{
	return json_pack("{s:s,s:s,s:s,s:I}", "key", key, "label", label, "unit", unit, "value",
	                 (json_int_t)value);
}

/* Figures: the households and residents of the actor's place (the whole register's
 * exact counters at ""). */
static int register_figures(gz_db *db, const gz_actor *a, json_t **items, gz_err *err)
{
	const char *scopes[GZ_AUTH_MAX_GRANTS];
	int ns = scopes_of(a, ACT_READ, scopes, err);
	if (ns <= 0)
		return ns;
	int64_t hh = 0, res = 0;
	if (ns == 1 && !scopes[0][0]) {
		if (gz_db_query_int64(db, "SELECT n FROM record_counts WHERE name = 'households'",
		                      &hh, err, 0) < 0 ||
		    gz_db_query_int64(db, "SELECT n FROM record_counts WHERE name = 'residents'",
		                      &res, err, 0) < 0)
			return -1;
	} else if (gz_api_sum_scopes(
	               db, scopes, ns,
	               "SELECT COUNT(*) FROM households WHERE grid_code >= $1 AND grid_code "
	               "< $2",
	               NULL, &hh, err) < 0 ||
	           gz_api_sum_scopes(db, scopes, ns,
	                             "SELECT COUNT(*) FROM residents r WHERE r.grid_code >= $1 AND "
	                             "r.grid_code < $2 AND " LIVE,
	                             NULL, &res, err) < 0) {
		return -1;
	}
	*items = json_pack("[o,o]", figure("households", "户数", "户", hh),
	                   figure("residents", "居民", "人", res));
	return 1;
}

/* Figures: residents of the actor's place in each key group (resident tags, counted
 * through the tag index). Sensitive groups (低保, 特困, 残疾) only where the actor may
 * reveal them, like the ?tag= filter. */
static int key_group_figures(gz_db *db, const gz_actor *a, json_t **items, gz_err *err)
{
	static const char *const groups[] = {"living_alone",     "empty_nester", "elderly_80",
	                                     "disabled_elderly", "dibao",        "tekun",
	                                     "disabled"};
	const char *scopes[GZ_AUTH_MAX_GRANTS], *reveal[GZ_AUTH_MAX_GRANTS];
	int ns = scopes_of(a, ACT_READ, scopes, err);
	if (ns <= 0)
		return ns;
	int nv = scopes_of(a, ACT_REVEAL, reveal, err);
	if (nv < 0)
		return -1;
	json_t *out = json_array();
	for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
		const person_tag *t = person_tag_find(groups[g]);
		if (!t || (t->sensitive && !nv))
			continue;
		char key[GZ_PEOPLE_TAG_KEY_SIZE];
		gz_people_tag_key(t->code, t->sensitive, key, sizeof key);
		int64_t n = 0;
		if (key[0] &&
		    gz_api_sum_scopes(db, t->sensitive ? reveal : scopes, t->sensitive ? nv : ns,
		                      "SELECT COUNT(*) FROM resident_tags t JOIN residents r ON "
		                      "r.id = t.resident_id WHERE t.tag_key = $3 AND t.grid_code "
		                      ">= $1 AND t.grid_code < $2 AND " LIVE,
		                      key, &n, err) < 0) {
			json_decref(out);
			return -1;
		}
		json_array_append_new(out, figure(t->code, t->label, "人", n));
	}
	*items = out;
	return 1;
}

const gz_module_todo gz_people_todos[] = {
    {"people.verify", "待补全的居民信息（缺身份证号或未入户）", "/residents", verify_todo},
    {"people.import_problems", "近 7 天导入未成功的文件", "/import", imports_todo},
    {0},
};

const gz_module_figures gz_people_figures[] = {
    {"people.register", "居民与户", register_figures},
    {"people.key_groups", "重点人群", key_group_figures},
    {0},
};
