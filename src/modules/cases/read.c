/* Reading cases: the list (GET /api/v1/cases, newest first, scoped, filtered, cursor
 * pages through the one list engine), one case (GET /api/v1/cases/{id}, the reporter's
 * phone revealed on request and audited), its timeline, and the routes of the module's
 * handlers. */
#include "modules/cases/cases_internal.h"
#include "modules/module.h"
#include "api/common.h"
#include "api/list.h"
#include "core/json.h"
#include "core/time.h"
#include "modules/people/people.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- the list */

/* Newest first: the engine walks keys upwards, so a case's key is KEY_BASE - id and
 * "after key $3" is id < KEY_BASE - $3. Every query ends with the same filters:
 *   $5 state ('' any), $6 category code (a minor class, or a major class and its minors),
 *   $7 handling organisation, $8 handling person, $9 overdue only, $10 now, $11/$12
 *   reported from/to (0 = open), $13 the caller (for ?mine / ?assignee=me). */
#define CASE_FILTERS                                                                               \
	" AND (CAST($6 AS TEXT) = '' OR c.category_id IN (SELECT k.id FROM case_categories k "     \
	"WHERE k.code = $6 OR k.parent_id = (SELECT p.id FROM case_categories p WHERE p.code = "   \
	"$6))) AND (CAST($7 AS BIGINT) = 0 OR c.handler_org_id = $7) AND (CAST($8 AS BIGINT) = 0 " \
	"OR c.handler_user_id = $8) AND (CAST($9 AS BIGINT) = 0 OR c.overdue = 1 OR "              \
	"c.step_due_at < $10) AND (CAST($11 AS BIGINT) = 0 OR c.reported_at >= $11) AND "          \
	"(CAST($12 AS BIGINT) = 0 OR c.reported_at <= $12) AND c.id < 4611686018427387904 - $3 "   \
	"ORDER BY c.id DESC LIMIT $4"
#define ANY_STATE " AND CAST($5 AS TEXT) = '' AND CAST($13 AS BIGINT) >= 0"
#define BY_STATE  " AND c.state = $5 AND CAST($13 AS BIGINT) >= 0"

/* Place scopes: a range of grid codes; when every range is one grid the equality lets
 * the (grid_code, state, id) index give the order. Organisations: through case_parties.
 * The caller's own reports and the cases dispatched to them in person: by their
 * indexes. */
static const char *const sql_place[2][2] = {
    {CASE_SELECT " WHERE c.grid_code >= $1 AND c.grid_code < $2" ANY_STATE CASE_FILTERS,
     CASE_SELECT " WHERE c.grid_code >= $1 AND c.grid_code < $2" BY_STATE CASE_FILTERS},
    {CASE_SELECT " WHERE c.grid_code = $1 AND CAST($2 AS TEXT) <> ''" ANY_STATE CASE_FILTERS,
     CASE_SELECT " WHERE c.grid_code = $1 AND CAST($2 AS TEXT) <> ''" BY_STATE CASE_FILTERS},
};
static const char sql_org[] =
    CASE_SELECT " WHERE c.id IN (SELECT p.case_id FROM case_parties p WHERE p.scope_code >= $1 "
                "AND p.scope_code < $2) AND (CAST($5 AS TEXT) = '' OR c.state = $5) AND "
                "CAST($13 AS BIGINT) >= 0" CASE_FILTERS;
static const char sql_mine[] = CASE_SELECT " WHERE c.reporter_user_id = $13 AND CAST($1 AS TEXT) "
                                           "<= CAST($2 AS TEXT) AND (CAST($5 AS TEXT) = '' OR "
                                           "c.state = $5)" CASE_FILTERS;
static const char sql_assigned[] =
    CASE_SELECT " WHERE c.handler_user_id = $13 AND CAST($1 AS TEXT) <= CAST($2 AS TEXT) AND "
                "(CAST($5 AS TEXT) = '' OR "
                "c.state = $5)" CASE_FILTERS;

typedef struct {
	int64_t me;
} list_ctx;

static json_t *list_row(gz_req *r, gz_stmt *st, int64_t *key, void *ctx)
{
	const list_ctx *lc = ctx;
	case_row c;
	case_row_read(st, &r->arena, &c);
	*key = CASE_LIST_KEY_BASE - c.id;
	case_access acc = {.roles = c.reporter_user_id && c.reporter_user_id == lc->me ? CR_REPORTER
	                                                                               : 0};
	return case_json(&c, &acc, false, false);
}

static int id_query(gz_req *r, const char *key, int64_t *out, gz_err *err)
{
	const char *s = gz_req_query(r, key);
	*out = 0;
	if (!s)
		return 0;
	if (!(*out = gz_api_parse_id(s))) {
		gz_err_set(err, GZ_EBADREQ, "bad_query", "查询参数 %s 无效", key);
		gz_err_field(err, key, "应为编号");
		return -1;
	}
	return 0;
}

/* Items of a and b (each sorted by key, each at most limit), merged, counted once, cut at
 * limit; next: where the next page starts. Steals a and b. */
static json_t *merge_pages(json_t *a, gz_api_cursor *na, json_t *b, gz_api_cursor *nb, int limit,
                           gz_api_cursor *next)
{
	json_t *out = json_array();
	size_t i = 0, j = 0;
	int64_t last = -1;
	bool more = na->key || nb->key;
	while (i < json_array_size(a) || j < json_array_size(b)) {
		json_t *x = json_array_get(a, i), *y = json_array_get(b, j);
		int64_t kx = x ? CASE_LIST_KEY_BASE -
		                     gz_api_parse_id(json_string_value(json_object_get(x, "id")))
		               : INT64_MAX;
		int64_t ky = y ? CASE_LIST_KEY_BASE -
		                     gz_api_parse_id(json_string_value(json_object_get(y, "id")))
		               : INT64_MAX;
		json_t *take = kx <= ky ? x : y;
		int64_t k = kx <= ky ? kx : ky;
		if (kx <= ky)
			i++;
		if (ky <= kx)
			j++;
		if (k == last)
			continue;
		if ((int)json_array_size(out) == limit) {
			more = true;
			break;
		}
		json_array_append(out, take);
		last = k;
	}
	memset(next, 0, sizeof *next);
	if (more && json_array_size(out))
		next->key = last;
	json_decref(a);
	json_decref(b);
	return out;
}

static void case_list(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	int limit;
	gz_api_cursor after, na = {0}, nb = {0}, next;
	const char *place = NULL, *state = gz_req_query(r, "state"),
	           *category = gz_req_query(r, "category"), *assignee = gz_req_query(r, "assignee");
	int64_t org = 0, person = 0, from = 0, to = 0;
	bool mine = gz_api_flag_query(r, "mine"), overdue = gz_api_flag_query(r, "overdue");
	if (!a) {
		gz_err_set(&err, GZ_EUNAUTH, "unauthenticated", "请先登录");
		goto fail;
	}
	if (gz_api_list_params(r, false, &limit, &after, &err) < 0 ||
	    gz_people_place_filter(r, &place, &err) < 0 ||
	    id_query(r, "organisation", &org, &err) < 0 ||
	    case_time_query(r, "from", &from, &err) < 0 || case_time_query(r, "to", &to, &err) < 0)
		goto fail;
	if (state && case_state_parse(state) < 0) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 state 无效");
		gz_err_field(&err, "state", "未知的状态");
		goto fail;
	}
	if (category && !case_code_valid(category)) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 category 无效");
		gz_err_field(&err, "category", "应为类别代码");
		goto fail;
	}
	bool assigned_me = assignee && !strcmp(assignee, "me");
	if (assignee && !assigned_me && !(person = gz_api_parse_id(assignee))) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 assignee 无效");
		gz_err_field(&err, "assignee", "应为人员编号或 me");
		goto fail;
	}
	if (from && to && to < from) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 to 早于 from");
		gz_err_field(&err, "to", "不能早于 from");
		goto fail;
	}
	/* A page of one grid's cases may come from the answer cache (list_cache.c). */
	char *ckey = NULL;
	int64_t version = 0, built_at = gz_time_now_ms();
	if (place && strlen(place) == 15 && !mine && !assigned_me) {
		gz_db *db = gz_req_db(r, &err);
		if (!db || case_grid_version(db, place, &version, &err) < 0)
			goto fail;
		ckey = case_list_cache_key(r, a);
		char *body;
		size_t len;
		if (case_list_cache_get(ckey, version, &body, &len)) {
			gz_reply_raw(r, 200, "application/json; charset=utf-8", body, len);
			free(body);
			return;
		}
	}
	const char *texts[] = {state ? state : "", category ? category : ""};
	int64_t ints[] = {org, person, overdue, gz_time_now_ms(), from, to, a->user_id};
	list_ctx lc = {a->user_id};
	gz_api_list_query q = {.texts = texts,
	                       .ntexts = 2,
	                       .ints = ints,
	                       .nints = 7,
	                       .row_ctx = list_row,
	                       .ctx = &lc,
	                       .filter = place};
	json_t *ia = NULL, *ib = NULL;
	if (mine || assigned_me) {
		/* The caller's own: no scope needed (an account link, as gz_auth_self). */
		static const char *const all[] = {""};
		q.sql = mine ? sql_mine : sql_assigned;
		q.scopes = all;
		q.nscopes = 1;
		if (gz_api_scoped_items(r, &q, limit, &after, &ia, &na, &err) < 0)
			goto fail_items;
	} else {
		gz_arena *A = &r->arena;
		case_grant *g;
		int n = case_grants_of(a, A, &g);
		const char **ps = gz_arena_alloc(A, sizeof *ps * (size_t)(n + 1));
		const char **os = gz_arena_alloc(A, sizeof *os * (size_t)(n + 1));
		int np, no;
		case_list_scopes(g, n, ACT_READ, RES_CASE, ps, &np, os, &no, n + 1);
		if (!np && !no) {
			gz_err_set(
			    &err, GZ_EFORBIDDEN, "forbidden",
			    "您没有查看诉求工单的权限（居民请用 ?mine=1 查看自己反映的诉求）");
			goto fail;
		}
		/* One grid throughout: the equality query. */
		bool one_grid = place && strlen(place) == 15;
		if (!one_grid && np) {
			one_grid = true;
			for (int i = 0; i < np; i++)
				if (strlen(ps[i]) != 15)
					one_grid = false;
		}
		q.sql = sql_place[one_grid][state != NULL];
		q.scopes = ps;
		q.nscopes = np;
		if (np && gz_api_scoped_items(r, &q, limit, &after, &ia, &na, &err) < 0)
			goto fail_items;
		if (no) {
			q.sql = sql_org;
			q.scopes = os;
			q.nscopes = no;
			q.filter = NULL;
			if (gz_api_scoped_items(r, &q, limit, &after, &ib, &nb, &err) < 0)
				goto fail_items;
			if (place) {
				/* The place filter narrows organisations' cases by their grid. */
				json_t *keep = json_array();
				size_t i;
				json_t *it;
				json_array_foreach(ib, i, it)
				{
					if (policy_scope_contains(
					        place, json_string_value(
					                   json_object_get(it, "grid_code"))))
						json_array_append(keep, it);
				}
				json_decref(ib);
				ib = keep;
			}
		}
	}
	json_t *items =
	    merge_pages(ia ? ia : json_array(), &na, ib ? ib : json_array(), &nb, limit, &next);
	json_t *answer = gz_api_list_json(r, items, &next);
	size_t len;
	char *body = ckey ? gz_json_dump(answer, &len) : NULL;
	if (body) {
		case_list_cache_put(ckey, version, built_at, body, len);
		gz_reply_raw(r, 200, "application/json; charset=utf-8", body, len);
		free(body);
		json_decref(answer);
		return;
	}
	gz_reply_json(r, 200, answer);
	return;
fail_items:
	json_decref(ia);
	json_decref(ib);
fail:
	gz_reply_err(r, &err);
}

/* ---------------------------------------------------------------- counts per state */

/* Adds the rows (state, count, overdue) of a grouped query to by_state and *overdue. */
static int add_counts(gz_db *db, const char *sql, const char *lo, const char *hi, int64_t now,
                      int64_t *by_state, int64_t *overdue, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, sql, err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, lo);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_int64(st, 3, now);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		int s = case_state_parse(gz_stmt_text(st, 0));
		if (s >= 0)
			by_state[s] += gz_stmt_int64(st, 1);
		*overdue += gz_stmt_int64(st, 2);
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* GET /cases/summary?grid|community|street=: how many cases of the caller's list are in
 * each state, and how many are past their step's deadline — the counts above the work
 * list. One grouped query per scope over its index range (the place's cases, never the
 * table); a case reached through two of the caller's scopes of different kinds (a place
 * and an organisation) counts in each. */
static void case_summary(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	const char *place = NULL;
	gz_db *db = NULL;
	if (!a || gz_people_place_filter(r, &place, &err) < 0 || !(db = gz_req_db(r, &err)) ||
	    gz_db_begin_read(db, &err) < 0) {
		if (!err.kind)
			gz_err_set(&err, GZ_EUNAUTH, "unauthenticated", "请先登录");
		gz_reply_err(r, &err);
		return;
	}
	case_grant *g;
	int n = case_grants_of(a, &r->arena, &g);
	const char **ps = gz_arena_alloc(&r->arena, sizeof *ps * (size_t)(n + 1));
	const char **os = gz_arena_alloc(&r->arena, sizeof *os * (size_t)(n + 1));
	int np, no;
	case_list_scopes(g, n, ACT_READ, RES_CASE, ps, &np, os, &no, n + 1);
	int64_t by_state[CASE__STATES] = {0}, overdue = 0, now = gz_time_now_ms();
	int rc = 0;
	if (!np && !no)
		rc = gz_err_set(&err, GZ_EFORBIDDEN, "forbidden", "您没有查看诉求工单的权限");
	for (int i = 0; rc == 0 && i < np; i++) {
		/* A scope inside another of the list is counted by that one. */
		bool nested = false;
		for (int k = 0; k < np; k++)
			nested |= k != i && policy_scope_contains(ps[k], ps[i]) &&
			          (strcmp(ps[k], ps[i]) != 0 || k < i);
		char lo[GZ_SCOPE_MAX + 2], hi[GZ_SCOPE_MAX + 2];
		if (nested || !gz_api_scope_range(ps[i], place, lo, hi))
			continue;
		rc = add_counts(
		    db,
		    "SELECT state, COUNT(*), SUM(CASE WHEN overdue = 1 OR step_due_at < $3 "
		    "THEN 1 ELSE 0 END) FROM cases WHERE grid_code >= $1 AND grid_code < $2 "
		    "GROUP BY state",
		    lo, hi, now, by_state, &overdue, &err);
	}
	for (int i = 0; rc == 0 && !place && i < no; i++) {
		char lo[GZ_SCOPE_MAX + 2], hi[GZ_SCOPE_MAX + 2];
		if (!gz_api_scope_range(os[i], NULL, lo, hi))
			continue;
		rc = add_counts(
		    db,
		    "SELECT state, COUNT(*), SUM(CASE WHEN overdue = 1 OR step_due_at < $3 "
		    "THEN 1 ELSE 0 END) FROM cases WHERE id IN (SELECT case_id FROM "
		    "case_parties WHERE scope_code >= $1 AND scope_code < $2) GROUP BY state",
		    lo, hi, now, by_state, &overdue, &err);
	}
	gz_db_end_read(db);
	if (rc < 0) {
		gz_reply_err(r, &err);
		return;
	}
	json_t *states = json_array();
	int64_t total = 0, open = 0;
	for (int s = 0; s < CASE__STATES; s++) {
		total += by_state[s];
		if (case_state_open((case_state)s))
			open += by_state[s];
		json_array_append_new(states, json_pack("{s:s,s:s,s:I}", "state",
		                                        case_state_code((case_state)s), "label",
		                                        case_state_label((case_state)s), "count",
		                                        (json_int_t)by_state[s]));
	}
	gz_reply_json(r, 200,
	              json_pack("{s:o,s:I,s:I,s:I}", "by_state", states, "total", (json_int_t)total,
	                        "open", (json_int_t)open, "overdue", (json_int_t)overdue));
}

/* ---------------------------------------------------------------- one case */

/* Loads the case of the path for the request's actor: 404 when missing or out of reach. */
static int load_for_request(gz_req *r, gz_db **db, case_row *c, case_access *acc, gz_err *err)
{
	const gz_actor *a = gz_req_actor(r);
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	if (!a)
		return gz_err_set(err, GZ_EUNAUTH, "unauthenticated", "请先登录");
	if (!(*db = gz_req_db(r, err)))
		return -1;
	int rc = id ? case_load(*db, &r->arena, id, c, err) : 0;
	if (rc < 0 || (rc && case_access_for(a, *db, &r->arena, c, acc, err) < 0))
		return -1;
	if (!rc || !acc->read)
		return gz_err_set(err, GZ_ENOTFOUND, "not_found", "诉求不存在");
	return 0;
}

static void case_get(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const char *reveal = gz_req_query(r, "reveal");
	if (reveal && strcmp(reveal, "phone") != 0) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 reveal 无效");
		gz_err_field(&err, "reveal", "只能为 phone");
		gz_reply_err(r, &err);
		return;
	}
	gz_db *db = NULL;
	case_row c;
	case_access acc;
	if (!(db = gz_req_db(r, &err)) || gz_db_begin_read(db, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	int rc = load_for_request(r, &db, &c, &acc, &err);
	gz_db_end_read(db);
	if (rc < 0) {
		gz_reply_err(r, &err);
		return;
	}
	if (reveal) {
		if (!acc.reveal) {
			gz_reply_error(r, GZ_EFORBIDDEN, "reveal_forbidden",
			               "您不能查看反映人的完整电话");
			return;
		}
		/* The reveal is written down before the number is sent. */
		char ids[24];
		snprintf(ids, sizeof ids, "%lld", (long long)c.id);
		json_t *d = json_pack("{s:s}", "fields", "phone");
		rc = gz_people_audit(gz_req_actor(r), db, "case.reveal", "case", ids, c.grid, d,
		                     &err);
		json_decref(d);
		if (rc < 0) {
			gz_reply_err(r, &err);
			return;
		}
	}
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_json(r, 200, case_json(&c, &acc, true, reveal != NULL));
}

static void case_timeline(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = NULL;
	case_row c;
	case_access acc;
	gz_stmt *st = NULL;
	if (!(db = gz_req_db(r, &err)) || gz_db_begin_read(db, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	if (load_for_request(r, &db, &c, &acc, &err) < 0)
		goto fail;
	st = gz_db_prepare(db,
	                   "SELECT e.seq, e.action, e.from_state, e.to_state, e.actor_user_id, "
	                   "COALESCE(NULLIF(au.display_name, ''), e.actor_name), e.actor_role, "
	                   "e.org_id, o.name, e.user_id, COALESCE(NULLIF(u.display_name, ''), "
	                   "u.username), e.note, e.detail, e.attachments, e.at FROM case_events e "
	                   "LEFT JOIN organisations o ON o.id = e.org_id LEFT JOIN users u ON u.id "
	                   "= e.user_id LEFT JOIN users au ON au.id = e.actor_user_id WHERE "
	                   "e.case_id = $1 ORDER BY e.seq LIMIT 1000",
	                   &err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, c.id);
	json_t *items = json_array();
	int rc;
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		int64_t actor = gz_stmt_isnull(st, 4) ? 0 : gz_stmt_int64(st, 4);
		/* Who acted: staff see names (the account's display name, else the name it acted
		 * under); a reporter sees roles (and themself); nobody outside the community sees
		 * an anonymous reporter. */
		bool is_reporter = actor && actor == c.reporter_user_id;
		bool show = is_reporter ? acc.sees_reporter : acc.staff;
		int from = gz_stmt_isnull(st, 2) ? -1 : case_state_parse(gz_stmt_text(st, 2));
		int to = case_state_parse(gz_stmt_text(st, 3));
		unsigned role = 0;
		for (int i = 0; i < CASE_ROLE_COUNT; i++)
			if (!strcmp(case_role_code(1u << i), gz_stmt_text(st, 6)))
				role = 1u << i;
		json_t *detail = gz_stmt_isnull(st, 12) ? json_null()
		                                        : json_loads(gz_stmt_text(st, 12), 0, NULL);
		json_t *att = gz_stmt_isnull(st, 13) ? json_array()
		                                     : json_loads(gz_stmt_text(st, 13), 0, NULL);
		json_t *e = json_pack(
		    "{s:I,s:s,s:s,s:o,s:o,s:s,s:s,s:{s:o,s:s,s:s},s:o,s:o,s:s,s:o,s:o,s:o}", "seq",
		    (json_int_t)gz_stmt_int64(st, 0), "action", gz_stmt_text(st, 1), "action_label",
		    case_event_label(gz_stmt_text(st, 1)), "from_state",
		    from >= 0 ? json_string(case_state_code((case_state)from)) : json_null(),
		    "from_state_label",
		    from >= 0 ? json_string(case_state_label((case_state)from)) : json_null(),
		    "to_state", gz_stmt_text(st, 3), "to_state_label",
		    case_state_label((case_state)to), "actor", "name",
		    show ? json_string(gz_stmt_text(st, 5)) : json_null(), "role",
		    gz_stmt_text(st, 6), "role_label", role ? case_role_label(role) : "", "org",
		    gz_stmt_isnull(st, 7)
		        ? json_null()
		        : json_pack("{s:o,s:s}", "id", gz_api_id_json(gz_stmt_int64(st, 7)), "name",
		                    gz_stmt_text(st, 8)),
		    "user",
		    gz_stmt_isnull(st, 9) || !acc.staff
		        ? json_null()
		        : json_pack("{s:o,s:s}", "id", gz_api_id_json(gz_stmt_int64(st, 9)), "name",
		                    gz_stmt_text(st, 10)),
		    "note", gz_stmt_text(st, 11), "detail", detail ? detail : json_null(),
		    "attachments", att ? att : json_array(), "at",
		    gz_api_time_json(gz_stmt_int64(st, 14)));
		json_array_append_new(items, e);
	}
	gz_stmt_finish(st);
	gz_db_end_read(db);
	if (rc < 0) {
		json_decref(items);
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_json(r, 200,
	              json_pack("{s:o,s:o}", "case_id", gz_api_id_json(c.id), "items", items));
	return;
fail:
	gz_db_end_read(db);
	gz_reply_err(r, &err);
}

/* ---------------------------------------------------------------- writes */

static int create_now(gz_db *db, const gz_actor *a, json_t *in, json_t **out, gz_err *err)
{
	return gz_case_create(db, a, in, 0, out, err);
}

static void case_create(gz_req *r)
{
	gz_api_create(r, create_now);
}

static void case_action_post(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_actor_of_request(r, &err);
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	json_t *in = a ? gz_req_json(r, &err) : NULL, *out = NULL;
	int rc = -1;
	if (in && !id)
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "诉求不存在");
	else if (in)
		rc = gz_case_act(NULL, a, id, in, 0, &out, &err);
	json_decref(in);
	if (rc < 0)
		gz_reply_err(r, &err);
	else
		gz_reply_json(r, 200, out);
}

const gz_module_route gz_cases_routes[] = {
    {"POST", "/api/v1/cases", case_create, 0, 64 * 1024},
    {"GET", "/api/v1/cases", case_list, 0, 0},
    {"GET", "/api/v1/cases/summary", case_summary, 0, 0},
    {"GET", "/api/v1/cases/{id}", case_get, 0, 0},
    {"POST", "/api/v1/cases/{id}/actions", case_action_post, 0, 64 * 1024},
    {"GET", "/api/v1/cases/{id}/timeline", case_timeline, 0, 0},
    {0},
};
