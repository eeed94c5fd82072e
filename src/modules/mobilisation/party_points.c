/* 党员积分 (issue 13, Build 5): the settings of each Party branch, the entries a branch
 * records (双报到 duties, meetings, deductions with a reason; audited, append-only), the
 * ranking of a branch, a member's points of a year with their history, and the yearly
 * 双报到 report for the members' employers (services, hours, evaluations), as JSON and as
 * .xlsx. The rules are pure (rules.c, mob_pp_*); a member's points are derived from the
 * year's service records and entries, never stored.
 *
 * Scope: a branch's settings, entries and ranking lie at the branch's place (its
 * space_code); a member's points at their branch's place or where they reported (either
 * visible suffices, as for the Party member list); the report at the reported community.
 * Out of scope and nonexistent answer the same 404. */
#include "modules/mobilisation/mob_internal.h"
#include "modules/mobilisation/mobilisation.h"
#include "modules/module.h"
#include "modules/org/org.h"
#include "modules/org/rules.h"
#include "modules/people/people.h"
#include "api/common.h"
#include "api/fields.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/time.h"
#include "core/xlsx_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PP_NOTE_MAX    100
#define PP_MEMBERS_MAX 5000 /* members ranked in one branch */
#define PP_ENTRIES_MAX 500  /* entries and services shown for one member's year */

typedef struct pp_branch {
	gz_org_brief o;
	mob_pp_rules rules;
} pp_branch;

static int rules_load(gz_db *db, int64_t branch, mob_pp_rules *r, gz_err *err)
{
	mob_pp_rules_default(r);
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT rule, points FROM party_point_rules WHERE branch_org_id = $1", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, branch);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		int k = mob_pp_rule_parse(gz_stmt_text(st, 0));
		if (k >= 0)
			r->v[k] = gz_stmt_int64(st, 1);
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* The branch id for action: 404 when missing, not an organisation Party members may
 * belong to, or outside the actor's scope; 403 in scope without the right. */
static int branch_load(gz_db *db, const gz_actor *a, int64_t id, policy_action act, pp_branch *b,
                       gz_err *err)
{
	int rc = id > 0 ? gz_org_brief_get(db, id, &b->o, err) : 0;
	if (rc < 0)
		return -1;
	int t = rc ? org_type_parse(b->o.type) : -1;
	if (t < 0 || !org_can_be_party_org((org_type)t))
		return gz_err_set(err, GZ_ENOTFOUND, "not_found", "党支部不存在");
	if (gz_actor_check(a, act, RES_PARTY_POINTS, b->o.space, err) < 0)
		return -1;
	return rules_load(db, id, &b->rules, err);
}

static json_t *branch_json(const gz_org_brief *o)
{
	int t = org_type_parse(o->type);
	return json_pack("{s:o,s:s,s:s,s:s,s:s}", "id", gz_api_id_json(o->id), "name", o->name,
	                 "type", o->type, "type_label", t >= 0 ? org_type_label((org_type)t) : "",
	                 "space_code", o->space);
}

static json_t *rules_json(const pp_branch *b)
{
	mob_pp_rules d;
	mob_pp_rules_default(&d);
	json_t *items = json_array();
	for (int i = 0; i < MOB_PP_RULE__COUNT; i++)
		json_array_append_new(
		    items, json_pack("{s:s,s:s,s:I,s:I}", "rule", mob_pp_rule_code((mob_pp_rule)i),
		                     "label", mob_pp_rule_label((mob_pp_rule)i), "points",
		                     (json_int_t)b->rules.v[i], "default", (json_int_t)d.v[i]));
	return json_pack("{s:o,s:o}", "branch", branch_json(&b->o), "items", items);
}

/* ?year= (2000..2100), default the current year (Asia/Shanghai). */
static int year_query(gz_req *r, int *year, gz_err *err)
{
	const char *y = gz_req_query(r, "year");
	char *end = NULL;
	long v = y ? strtol(y, &end, 10) : mob_year_of(gz_time_now_ms());
	if (y && (!*y || *end || v < 2000 || v > 2100)) {
		gz_err_set(err, GZ_EBADREQ, "bad_query", "查询参数 year 无效");
		gz_err_field(err, "year", "应为 2000–2100 的年份");
		return -1;
	}
	*year = (int)v;
	return 0;
}

/* ---------------------------------------------------------------- settings */

static void rules_get_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	pp_branch b;
	gz_db *db = gz_req_db(r, &err);
	if (!db || branch_load(db, gz_req_actor(r), mob_path_id(r, "id"), ACT_READ, &b, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_json(r, 200, rules_json(&b));
}

static void rules_get(gz_req *r)
{
	gz_api_read(r, rules_get_read);
}

/* PUT /party-branches/{id}/point-rules {rule: points, ...}: a branch's settings, by its
 * administrators (the secretary, the street). */
int gz_mob_party_rules_set(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                           json_t **out, gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *changed = json_object(), *ans = NULL;
	pp_branch b;
	if (!(db || (db = gz_req_db(a->req, &err))) || gz_db_begin(db, &err) < 0)
		goto fail;
	if (branch_load(db, a, id, ACT_ADMIN, &b, &err) < 0)
		goto rollback;
	const char *key;
	json_t *v;
	json_object_foreach(in, key, v)
	{
		if (mob_pp_rule_parse(key) < 0)
			gz_err_field(&err, key, "没有这条规则");
	}
	for (int i = 0; i < MOB_PP_RULE__COUNT; i++) {
		const char *code = mob_pp_rule_code((mob_pp_rule)i);
		int64_t p = -1;
		if (gz_json_int(in, code, GZ_OPTIONAL, 0, MOB_PP_POINTS_MAX, &p, &err) == 0 &&
		    p >= 0 && mob_pp_rule_check((mob_pp_rule)i, p, &err) == 0)
			json_object_set_new(changed, code, json_integer(p));
	}
	if (!err.nfields && !json_object_size(changed))
		gz_err_field(&err, "rules", "至少给出一条规则");
	if (gz_json_check(&err) < 0)
		goto rollback;
	json_object_foreach(changed, key, v)
	{
		gz_stmt *st = gz_db_prepare(
		    db,
		    "INSERT INTO party_point_rules (branch_org_id, rule, points, updated_at, "
		    "updated_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (branch_org_id, rule) DO "
		    "UPDATE SET points = excluded.points, updated_at = excluded.updated_at, "
		    "updated_by = excluded.updated_by",
		    &err);
		if (!st)
			goto rollback;
		gz_stmt_bind_int64(st, 1, id);
		gz_stmt_bind_str(st, 2, key);
		gz_stmt_bind_int64(st, 3, json_integer_value(v));
		gz_stmt_bind_int64(st, 4, now);
		gz_stmt_bind_id(st, 5, a->user_id);
		int s = gz_stmt_step(st, &err);
		gz_stmt_finish(st);
		if (s < 0)
			goto rollback;
		b.rules.v[mob_pp_rule_parse(key)] = json_integer_value(v);
	}
	if (mob_audit(a, db, "party_points.rules_update", "organisation", id, b.o.space,
	              json_incref(changed), &err) < 0)
		goto rollback;
	ans = rules_json(&b);
	json_decref(changed);
	return mob_finish(a, db, 200, ans, out, &err, errp);
rollback:
	gz_db_rollback(db);
fail:
	json_decref(changed);
	*errp = err;
	return -1;
}

static void rules_put(gz_req *r)
{
	mob_handle(r, gz_mob_party_rules_set, 200, false);
}

/* ---------------------------------------------------------------- entries */

#define ENTRY_COLS                                                                                 \
	"e.id, e.party_member_id, e.kind, e.points, e.note, e.reason, e.at, e.recorded_at, "       \
	"COALESCE(u.display_name, '')"
#define ENTRY_FROM " FROM party_point_entries e LEFT JOIN users u ON u.id = e.recorded_by"

static json_t *entry_json(gz_stmt *st, const mob_pp_rules *rules)
{
	int k = mob_pp_kind_parse(gz_stmt_text(st, 2));
	int64_t pts = k == MOB_PP_KIND_DEDUCTION ? -gz_stmt_int64(st, 3)
	              : k == MOB_PP_KIND_DUTY    ? rules->v[MOB_PP_DUTY]
	              : k == MOB_PP_KIND_MEETING ? rules->v[MOB_PP_MEETING]
	                                         : 0;
	return json_pack(
	    "{s:o,s:o,s:s,s:s,s:I,s:s,s:o,s:o,s:o,s:s}", "id", gz_api_id_json(gz_stmt_int64(st, 0)),
	    "party_member_id", gz_api_id_json(gz_stmt_int64(st, 1)), "kind", gz_stmt_text(st, 2),
	    "kind_label", k >= 0 ? mob_pp_kind_label((mob_pp_kind)k) : "", "points",
	    (json_int_t)pts, "note", gz_stmt_text(st, 4), "reason", gz_api_text_or_null(st, 5),
	    "at", gz_api_time_json(gz_stmt_int64(st, 6)), "recorded_at",
	    gz_api_time_json(gz_stmt_int64(st, 7)), "recorded_by", gz_stmt_text(st, 8));
}

/* POST /party-branches/{id}/point-entries {party_member_id, kind, note, at?, points?,
 * reason?}: a duty done, a meeting attended, or a deduction with its reason. */
int gz_mob_party_entry_create(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                              json_t **out, gz_err *errp)
{
	gz_err err;
	gz_err_clear(&err);
	pp_branch b;
	const char *kind = NULL, *note = NULL, *reason = NULL;
	int64_t member = 0, points = -1, at = now, eid = 0;
	bool has_at = false;
	if (!(db || (db = gz_req_db(a->req, &err))) || gz_db_begin(db, &err) < 0)
		goto fail;
	if (branch_load(db, a, id, ACT_WRITE, &b, &err) < 0)
		goto rollback;
	gz_api_id_field(in, "party_member_id", GZ_REQUIRED, &member, &err);
	gz_api_str_field(in, "kind", GZ_REQUIRED, 1, 32, &kind, &err);
	gz_api_str_field(in, "note", GZ_REQUIRED, 1, PP_NOTE_MAX, &note, &err);
	gz_api_str_field(in, "reason", GZ_OPTIONAL, 1, MOB_REASON_MAX, &reason, &err);
	gz_json_int(in, "points", GZ_OPTIONAL, 0, MOB_PP_POINTS_MAX, &points, &err);
	gz_api_time_field(in, "at", GZ_OPTIONAL, &at, &has_at, &err);
	if (has_at && (at > now + MOB_MINUTE_MS || mob_year_of(at) < 2000))
		gz_err_field(&err, "at", "不能晚于现在，也不能早于 2000 年");
	int k = -1;
	if (kind && !gz_api_has_field(&err, "points") && !gz_api_has_field(&err, "reason"))
		k = mob_pp_entry_check(&b.rules, kind, points, reason != NULL, &points, &err);
	if (member) {
		int64_t branch = 0;
		if (gz_db_query_int64(db, "SELECT party_org_id FROM party_members WHERE id = $1",
		                      &branch, &err, 1, member) < 0)
			goto rollback;
		if (branch != id)
			gz_err_field(&err, "party_member_id", "不是本支部的党员");
	}
	if (gz_json_check(&err) < 0 || k < 0) {
		if (!err.kind)
			gz_err_set(&err, GZ_EINVALID, "invalid_fields", "输入有误");
		goto rollback;
	}
	gz_stmt *st = gz_db_prepare(
	    db,
	    "INSERT INTO party_point_entries (party_member_id, branch_org_id, scope_code, kind, "
	    "points, note, reason, at, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, "
	    "$7, $8, $9, $10) RETURNING id",
	    &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, member);
	gz_stmt_bind_int64(st, 2, id);
	gz_stmt_bind_str(st, 3, b.o.space);
	gz_stmt_bind_str(st, 4, mob_pp_kind_code((mob_pp_kind)k));
	gz_stmt_bind_int64(st, 5, points);
	gz_stmt_bind_str(st, 6, note);
	gz_stmt_bind_str(st, 7, reason);
	gz_stmt_bind_int64(st, 8, at);
	gz_stmt_bind_id(st, 9, a->user_id);
	gz_stmt_bind_int64(st, 10, now);
	int rc = gz_stmt_step_id(st, &eid, &err);
	gz_stmt_finish(st);
	if (rc < 0 ||
	    mob_audit(a, db, "party_points.entry", "party_point_entry", eid, b.o.space,
	              json_pack("{s:o,s:s,s:I,s:s,s:s?}", "party_member_id", gz_api_id_json(member),
	                        "kind", mob_pp_kind_code((mob_pp_kind)k), "points",
	                        (json_int_t)points, "note", note, "reason", reason),
	              &err) < 0)
		goto rollback;
	json_t *ans = NULL;
	if (!(st = gz_db_prepare(db, "SELECT " ENTRY_COLS ENTRY_FROM " WHERE e.id = $1", &err)))
		goto rollback;
	gz_stmt_bind_int64(st, 1, eid);
	if (gz_stmt_step(st, &err) == GZ_ROW)
		ans = entry_json(st, &b.rules);
	gz_stmt_finish(st);
	if (!ans)
		goto rollback;
	return mob_finish(a, db, 201, ans, out, &err, errp);
rollback:
	gz_db_rollback(db);
fail:
	*errp = err;
	return -1;
}

static void entry_create(gz_req *r)
{
	mob_handle(r, gz_mob_party_entry_create, 201, false);
}

/* ---------------------------------------------------------------- tallies */

/* A member's year: service minutes (services and their corrections, by the service's
 * start), services done, rated services, average rating ×100, duties, meetings,
 * deduction points; as columns from TALLY_COLS given p (party_members) and rs
 * (residents), $Y1 and $Y2 the year's range. */
#define TALLY_COLS(Y1, Y2)                                                                         \
	"(SELECT COALESCE(SUM(r.minutes), 0) FROM mob_service_records r LEFT JOIN "                \
	"mob_service_records c ON c.id = r.corrects_id WHERE r.user_id = rs.user_id AND r.kind "   \
	"IN ('service', 'correction') AND COALESCE(c.started_at, r.started_at) >= " Y1             \
	" AND COALESCE(c.started_at, r.started_at) < " Y2 "), "                                    \
	"(SELECT COUNT(*) FROM mob_service_records r WHERE r.user_id = rs.user_id AND r.kind = "   \
	"'service' AND r.started_at >= " Y1 " AND r.started_at < " Y2 "), "                        \
	"(SELECT COUNT(r.rating) FROM mob_service_records r WHERE r.user_id = rs.user_id AND "     \
	"r.kind = 'service' AND r.started_at >= " Y1 " AND r.started_at < " Y2 "), "               \
	"(SELECT COALESCE(SUM(r.rating), 0) FROM mob_service_records r WHERE r.user_id = "         \
	"rs.user_id AND r.kind = 'service' AND r.started_at >= " Y1 " AND r.started_at < " Y2      \
	"), "                                                                                      \
	"(SELECT COUNT(*) FROM party_point_entries e WHERE e.party_member_id = p.id AND e.kind = " \
	"'duty' AND e.at >= " Y1 " AND e.at < " Y2 "), "                                           \
	"(SELECT COUNT(*) FROM party_point_entries e WHERE e.party_member_id = p.id AND e.kind = " \
	"'meeting' AND e.at >= " Y1 " AND e.at < " Y2 "), "                                        \
	"(SELECT COALESCE(SUM(e.points), 0) FROM party_point_entries e WHERE e.party_member_id = " \
	"p.id AND e.kind = 'deduction' AND e.at >= " Y1 " AND e.at < " Y2 ")"

typedef struct pp_year {
	mob_pp_tally t;
	int64_t services, rated, rating_sum;
} pp_year;

static void tally_read(gz_stmt *st, int col, pp_year *y)
{
	y->t.service_minutes = gz_stmt_int64(st, col);
	y->services = gz_stmt_int64(st, col + 1);
	y->rated = gz_stmt_int64(st, col + 2);
	y->rating_sum = gz_stmt_int64(st, col + 3);
	y->t.duties = gz_stmt_int64(st, col + 4);
	y->t.meetings = gz_stmt_int64(st, col + 5);
	y->t.deductions = gz_stmt_int64(st, col + 6);
}

static json_t *points_json(const mob_pp_points *p)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "base", (json_int_t)p->base, "service",
	                 (json_int_t)p->service, "duty", (json_int_t)p->duty, "meeting",
	                 (json_int_t)p->meeting, "deduction", (json_int_t)p->deduction, "total",
	                 (json_int_t)p->total);
}

static json_t *tally_json(const pp_year *y)
{
	return json_pack(
	    "{s:I,s:I,s:I,s:I,s:I,s:o}", "service_minutes", (json_int_t)y->t.service_minutes,
	    "services", (json_int_t)y->services, "duties", (json_int_t)y->t.duties, "meetings",
	    (json_int_t)y->t.meetings, "deductions", (json_int_t)y->t.deductions, "average_rating",
	    y->rated ? json_real((double)y->rating_sum / (double)y->rated) : json_null());
}

/* Is the member's name shown to a in full, at either of the record's places? */
static bool name_visible(const gz_actor *a, gz_stmt *st, int org_col, int rep_col)
{
	return gz_people_name_visible(a, gz_stmt_text(st, org_col)) ||
	       (!gz_stmt_isnull(st, rep_col) &&
	        gz_people_name_visible(a, gz_stmt_text(st, rep_col)));
}

/* ---------------------------------------------------------------- ranking */

static void ranking_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	int year;
	pp_branch b;
	gz_db *db = gz_req_db(r, &err);
	if (!db || branch_load(db, a, mob_path_id(r, "id"), ACT_READ, &b, &err) < 0 ||
	    year_query(r, &year, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	int64_t from, to;
	mob_pp_year_range(year, &from, &to);
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT p.id, p.name, p.org_scope, p.report_scope, " TALLY_COLS(
	        "$2", "$3") " FROM party_members p LEFT JOIN residents rs ON rs.id = p.resident_id "
	                    "WHERE p.party_org_id = $1 ORDER BY p.id LIMIT $4",
	    &err);
	if (!st) {
		gz_reply_err(r, &err);
		return;
	}
	gz_stmt_bind_int64(st, 1, b.o.id);
	gz_stmt_bind_int64(st, 2, from);
	gz_stmt_bind_int64(st, 3, to);
	gz_stmt_bind_int64(st, 4, PP_MEMBERS_MAX);
	size_t n = 0, cap = 0;
	mob_pp_rank_row *rows = NULL;
	json_t *items = json_array();
	int rc;
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		pp_year y;
		mob_pp_points p;
		tally_read(st, 4, &y);
		mob_pp_compute(&b.rules, &y.t, &p);
		bool clear = name_visible(a, st, 2, 3);
		json_array_append_new(
		    items, json_pack("{s:o,s:s,s:b,s:o,s:o}", "party_member_id",
		                     gz_api_id_json(gz_stmt_int64(st, 0)), "name",
		                     gz_people_name_shown(&r->arena, clear, gz_stmt_text(st, 1)),
		                     "name_masked", !clear, "tally", tally_json(&y), "points",
		                     points_json(&p)));
		if (n == cap)
			rows = gz_realloc(rows, (cap = cap ? 2 * cap : 64) * sizeof *rows);
		rows[n] = (mob_pp_rank_row){.id = gz_stmt_int64(st, 0),
		                            .total = p.total,
		                            .service_minutes = y.t.service_minutes,
		                            .index = n};
		n++;
	}
	gz_stmt_finish(st);
	if (rc < 0) {
		free(rows);
		json_decref(items);
		gz_reply_err(r, &err);
		return;
	}
	mob_pp_rank(rows, n);
	json_t *ranked = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *it = json_array_get(items, rows[i].index);
		json_object_set_new(it, "rank", json_integer(rows[i].rank));
		json_array_append(ranked, it);
	}
	free(rows);
	json_decref(items);
	json_t *rules = rules_json(&b),
	       *o = json_pack("{s:O,s:i,s:O,s:o}", "branch", json_object_get(rules, "branch"),
	                      "year", year, "rules", json_object_get(rules, "items"), "items",
	                      ranked);
	json_decref(rules);
	gz_reply_json(r, 200, o);
}

static void ranking_get(gz_req *r)
{
	gz_api_read(r, ranking_read);
}

/* ---------------------------------------------------------------- a member's year */

/* The member's year: {member, branch, year, rules, tally, points, entries, services}. */
static json_t *member_year(gz_req *r, gz_db *db, int64_t member, bool self, int year, gz_err *err)
{
	const gz_actor *a = gz_req_actor(r);
	int64_t from, to;
	mob_pp_year_range(year, &from, &to);
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT p.id, p.name, p.org_scope, p.report_scope, p.party_org_id, "
	    "rs.user_id, " TALLY_COLS(
	        "$2", "$3") " FROM party_members p LEFT JOIN residents rs ON rs.id = p.resident_id "
	                    "WHERE p.id = $1",
	    err);
	if (!st)
		return NULL;
	gz_stmt_bind_int64(st, 1, member);
	gz_stmt_bind_int64(st, 2, from);
	gz_stmt_bind_int64(st, 3, to);
	int rc = gz_stmt_step(st, err);
	if (rc != GZ_ROW) {
		gz_stmt_finish(st);
		if (rc >= 0)
			gz_err_set(err, GZ_ENOTFOUND, "not_found", "党员不存在");
		return NULL;
	}
	char org_scope[16], rep_scope[16] = "", name[MOB_NAME_MAX];
	snprintf(org_scope, sizeof org_scope, "%s", gz_stmt_text(st, 2));
	if (!gz_stmt_isnull(st, 3))
		snprintf(rep_scope, sizeof rep_scope, "%s", gz_stmt_text(st, 3));
	int64_t branch = gz_stmt_int64(st, 4), user = gz_stmt_int64(st, 5);
	bool clear = self || name_visible(a, st, 2, 3);
	snprintf(name, sizeof name, "%s",
	         gz_people_name_shown(&r->arena, clear, gz_stmt_text(st, 1)));
	pp_year y;
	tally_read(st, 6, &y);
	gz_stmt_finish(st);
	if (!self && gz_actor_check(a, ACT_READ, RES_PARTY_POINTS, org_scope, err) < 0) {
		if (err->kind != GZ_ENOTFOUND || !*rep_scope)
			return NULL;
		gz_err_clear(err);
		if (gz_actor_check(a, ACT_READ, RES_PARTY_POINTS, rep_scope, err) < 0)
			return NULL;
	}
	pp_branch b;
	if (gz_org_brief_get(db, branch, &b.o, err) < 0 ||
	    rules_load(db, branch, &b.rules, err) < 0)
		return NULL;
	mob_pp_points p;
	mob_pp_compute(&b.rules, &y.t, &p);
	json_t *entries = json_array(), *services = json_array(), *rules = rules_json(&b);
	json_t *o = json_pack("{s:{s:o,s:s,s:b},s:O,s:i,s:O,s:o,s:o,s:o,s:o}", "member", "id",
	                      gz_api_id_json(member), "name", name, "name_masked", !clear, "branch",
	                      json_object_get(rules, "branch"), "year", year, "rules",
	                      json_object_get(rules, "items"), "tally", tally_json(&y), "points",
	                      points_json(&p), "entries", entries, "services", services);
	json_decref(rules);
	if (!(st = gz_db_prepare(db,
	                         "SELECT " ENTRY_COLS ENTRY_FROM
	                         " WHERE e.party_member_id = $1 AND e.at >= $2 AND e.at < $3 "
	                         "ORDER BY e.at DESC, e.id DESC LIMIT $4",
	                         err)))
		goto fail;
	gz_stmt_bind_int64(st, 1, member);
	gz_stmt_bind_int64(st, 2, from);
	gz_stmt_bind_int64(st, 3, to);
	gz_stmt_bind_int64(st, 4, PP_ENTRIES_MAX);
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW)
		json_array_append_new(entries, entry_json(st, &b.rules));
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;
	if (!(st =
	          gz_db_prepare(db,
	                        "SELECT id, content, org_name, started_at, minutes, rating, "
	                        "evaluation FROM mob_service_records WHERE user_id = $1 AND kind = "
	                        "'service' AND started_at >= $2 AND started_at < $3 ORDER BY "
	                        "started_at DESC, id DESC LIMIT $4",
	                        err)))
		goto fail;
	gz_stmt_bind_int64(st, 1, user);
	gz_stmt_bind_int64(st, 2, from);
	gz_stmt_bind_int64(st, 3, to);
	gz_stmt_bind_int64(st, 4, PP_ENTRIES_MAX);
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW)
		json_array_append_new(
		    services, json_pack("{s:o,s:s,s:s,s:o,s:I,s:o,s:o}", "id",
		                        gz_api_id_json(gz_stmt_int64(st, 0)), "content",
		                        gz_stmt_text(st, 1), "org_name", gz_stmt_text(st, 2),
		                        "started_at", gz_api_time_or_null(st, 3), "minutes",
		                        (json_int_t)gz_stmt_int64(st, 4), "rating",
		                        gz_stmt_isnull(st, 5) ? json_null()
		                                              : json_integer(gz_stmt_int64(st, 5)),
		                        "evaluation", gz_api_text_or_null(st, 6)));
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

static void member_points_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	int year;
	int64_t id = mob_path_id(r, "id");
	gz_db *db = gz_req_db(r, &err);
	json_t *o = NULL;
	if (db && year_query(r, &year, &err) == 0) {
		if (id <= 0)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "党员不存在");
		else
			o = member_year(r, db, id, false, year, &err);
	}
	mob_reply(r, o ? 0 : -1, 200, o, &err);
}

static void member_points(gz_req *r)
{
	gz_api_read(r, member_points_read);
}

/* GET /me/party-points: the caller's own, when their resident record is a Party
 * member's (404 otherwise). */
static void me_points_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	int year;
	int64_t id = 0;
	gz_db *db = gz_req_db(r, &err);
	json_t *o = NULL;
	if (db && year_query(r, &year, &err) == 0 &&
	    gz_db_query_int64(db,
	                      "SELECT p.id FROM party_members p JOIN residents rs ON rs.id = "
	                      "p.resident_id WHERE rs.user_id = $1",
	                      &id, &err, 1, gz_req_actor(r)->user_id) >= 0) {
		if (!id)
			gz_err_set(&err, GZ_ENOTFOUND, "not_found", "你还没有登记为党员");
		else
			o = member_year(r, db, id, true, year, &err);
	}
	mob_reply(r, o ? 0 : -1, 200, o, &err);
}

static void me_points(gz_req *r)
{
	gz_api_read(r, me_points_read);
}

/* ---------------------------------------------------------------- branches */

static json_t *branch_row(gz_req *r, gz_stmt *st, int64_t *key)
{
	(void)r;
	*key = gz_stmt_int64(st, 0);
	int t = org_type_parse(gz_stmt_text(st, 2));
	return json_pack("{s:o,s:s,s:s,s:s,s:s,s:I}", "id", gz_api_id_json(*key), "name",
	                 gz_stmt_text(st, 1), "type", gz_stmt_text(st, 2), "type_label",
	                 t >= 0 ? org_type_label((org_type)t) : "", "space_code",
	                 gz_stmt_text(st, 3), "members", (json_int_t)gz_stmt_int64(st, 4));
}

/* GET /party-branches: the Party organisations with members, in the caller's scope. */
static void branch_list(gz_req *r)
{
	gz_api_scoped_list(
	    r, &(gz_api_list_query){
	           .sql = "SELECT o.id, o.name, o.type, o.space_code, (SELECT COUNT(*) FROM "
	                  "party_members p WHERE p.party_org_id = o.id) FROM organisations o WHERE "
	                  "o.space_code >= $1 AND o.space_code < $2 AND o.id > $3 AND EXISTS "
	                  "(SELECT 1 FROM party_members p WHERE p.party_org_id = o.id) ORDER BY "
	                  "o.id LIMIT $4",
	           .action = ACT_READ,
	           .res = RES_PARTY_POINTS,
	           .row = branch_row});
}

/* ---------------------------------------------------------------- the 双报到 report */

#define REPORT_COLS 12

typedef struct pp_report {
	gz_stmt *st;
	gz_req *r;
	const gz_actor *a;
	int64_t from, to;
	char cells[REPORT_COLS][MOB_NAME_MAX];
	mob_pp_rules rules;
	int64_t rules_for;
	gz_err *err;
} pp_report;

/* The report's rows: reported members of $1, by employer then id, with their year. */
static const char report_sql[] =
    "SELECT p.id, p.name, p.org_scope, p.report_scope, p.party_org_id, COALESCE(po.name, ''), "
    "COALESCE(eo.name, ''), p.employer_org_id, p.reported_grid_code, p.post_type, " TALLY_COLS(
        "$2", "$3") ", (SELECT r.evaluation FROM mob_service_records r WHERE r.user_id = "
                    "rs.user_id AND r.kind = 'service' AND r.evaluation IS NOT NULL AND "
                    "r.evaluation <> '' AND r.started_at >= $2 AND r.started_at < $3 ORDER BY "
                    "r.started_at DESC, r.id DESC LIMIT 1) FROM party_members p JOIN "
                    "organisations po ON po.id = p.party_org_id LEFT JOIN organisations eo ON "
                    "eo.id = p.employer_org_id LEFT JOIN residents rs ON rs.id = p.resident_id "
                    "WHERE p.reported_community_code = $1 AND (CAST($4 AS BIGINT) = 0 OR "
                    "p.employer_org_id = CAST($4 AS BIGINT)) ORDER BY COALESCE(eo.name, ''), "
                    "p.id";

static const char *const report_header[REPORT_COLS] = {
    "工作单位",         "姓名",           "所在党组织",       "报到网格",
    "报到岗位",         "志愿服务次数",   "服务时长（小时）", "双报到履职次数",
    "参加组织生活次数", "平均评价（星）", "最近评价",         "党员积分"};

/* One report row from st (report_sql) into the row's cells. */
static int report_fill(pp_report *p, const char **cells, json_t **item)
{
	gz_stmt *st = p->st;
	int64_t branch = gz_stmt_int64(st, 4);
	if (branch != p->rules_for) {
		if (rules_load(gz_req_db(p->r, p->err), branch, &p->rules, p->err) < 0)
			return -1;
		p->rules_for = branch;
	}
	pp_year y;
	tally_read(st, 10, &y);
	mob_pp_points pts;
	mob_pp_compute(&p->rules, &y.t, &pts);
	bool clear = name_visible(p->a, st, 2, 3);
	int post = gz_stmt_isnull(st, 9) ? -1 : org_post_parse(gz_stmt_text(st, 9));
	const char *employer = gz_stmt_text(st, 6);
	snprintf(p->cells[0], MOB_NAME_MAX, "%s", *employer ? employer : "（未登记工作单位）");
	snprintf(p->cells[1], MOB_NAME_MAX, "%s",
	         gz_people_name_shown(&p->r->arena, clear, gz_stmt_text(st, 1)));
	snprintf(p->cells[2], MOB_NAME_MAX, "%s", gz_stmt_text(st, 5));
	snprintf(p->cells[3], MOB_NAME_MAX, "%s", gz_stmt_text(st, 8));
	snprintf(p->cells[4], MOB_NAME_MAX, "%s",
	         post >= 0 ? org_post_label((org_post_type)post) : "");
	snprintf(p->cells[5], MOB_NAME_MAX, "%lld", (long long)y.services);
	snprintf(p->cells[6], MOB_NAME_MAX, "%lld.%lld", (long long)(y.t.service_minutes / 60),
	         (long long)(y.t.service_minutes % 60 * 10 / 60));
	snprintf(p->cells[7], MOB_NAME_MAX, "%lld", (long long)y.t.duties);
	snprintf(p->cells[8], MOB_NAME_MAX, "%lld", (long long)y.t.meetings);
	if (y.rated)
		snprintf(p->cells[9], MOB_NAME_MAX, "%.1f", (double)y.rating_sum / (double)y.rated);
	else
		p->cells[9][0] = 0;
	snprintf(p->cells[10], MOB_NAME_MAX, "%s", gz_stmt_text(st, 17));
	snprintf(p->cells[11], MOB_NAME_MAX, "%lld", (long long)pts.total);
	for (int i = 0; cells && i < REPORT_COLS; i++)
		cells[i] = p->cells[i];
	if (item) {
		json_t *emp =
		    gz_stmt_isnull(st, 7)
		        ? json_null()
		        : json_pack("{s:o,s:s}", "id", gz_api_id_json(gz_stmt_int64(st, 7)), "name",
		                    employer);
		*item =
		    json_pack("{s:o,s:s,s:b,s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:o}", "party_member_id",
		              gz_api_id_json(gz_stmt_int64(st, 0)), "name", p->cells[1],
		              "name_masked", !clear, "employer", emp, "party_org_name", p->cells[2],
		              "reported_grid_code", gz_api_text_or_null(st, 8), "post_type_label",
		              post >= 0 ? json_string(p->cells[4]) : json_null(), "tally",
		              tally_json(&y), "latest_evaluation", gz_api_text_or_null(st, 17),
		              "points", points_json(&pts), "hours", json_string(p->cells[6]));
	}
	return 0;
}

static int report_next(void *ctx, const char **cells, gz_err *err)
{
	pp_report *p = ctx;
	p->err = err;
	int rc = gz_stmt_step(p->st, err);
	if (rc != GZ_ROW)
		return rc < 0 ? -1 : 0;
	return report_fill(p, cells, NULL) < 0 ? -1 : 1;
}

/* GET /party-points/dual-report?community=&year=&employer_org_id=&format=json|xlsx. Not
 * in one read snapshot: the .xlsx answer writes its audit row before it is sent. */
static void report_get(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	const char *community = NULL, *format = gz_req_query(r, "format");
	int64_t employer = 0;
	int year;
	bool xlsx = format && !strcmp(format, "xlsx");
	gz_db *db = gz_req_db(r, &err);
	if (!db || gz_api_code_query(r, "community", GZ_API_AT_COMMUNITY, &community, &err) < 0 ||
	    gz_api_id_query(r, "employer_org_id", &employer, &err) < 0 ||
	    year_query(r, &year, &err) < 0)
		goto fail;
	if (format && !xlsx && strcmp(format, "json")) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 format 无效");
		gz_err_field(&err, "format", "应为 json 或 xlsx");
		goto fail;
	}
	if (!community) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "缺少查询参数 community");
		gz_err_field(&err, "community", "报到社区的代码，必填");
		goto fail;
	}
	if (gz_actor_check(a, ACT_READ, RES_PARTY_POINTS, community, &err) < 0)
		goto fail;
	pp_report p = {.r = r, .a = a, .rules_for = -1, .err = &err};
	mob_pp_year_range(year, &p.from, &p.to);
	if (!(p.st = gz_db_prepare(db, report_sql, &err)))
		goto fail;
	gz_stmt_bind_str(p.st, 1, community);
	gz_stmt_bind_int64(p.st, 2, p.from);
	gz_stmt_bind_int64(p.st, 3, p.to);
	gz_stmt_bind_int64(p.st, 4, employer);
	if (!xlsx) {
		json_t *items = json_array();
		int rc;
		while ((rc = gz_stmt_step(p.st, &err)) == GZ_ROW) {
			json_t *it = NULL;
			if (report_fill(&p, NULL, &it) < 0) {
				rc = -1;
				break;
			}
			json_array_append_new(items, it);
		}
		gz_stmt_finish(p.st);
		if (rc < 0) {
			json_decref(items);
			goto fail;
		}
		gz_reply_json(r, 200,
		              json_pack("{s:s,s:i,s:o}", "community_code", community, "year", year,
		                        "items", items));
		return;
	}
	unsigned char *bytes = NULL;
	size_t len = 0;
	int rc = gz_xlsx_export(NULL, "双报到报告", report_header, REPORT_COLS, report_next, &p,
	                        &bytes, &len, &err);
	gz_stmt_finish(p.st);
	if (rc < 0)
		goto fail;
	/* Names of Party members leave the system in a file: audited before it is sent. */
	json_t *detail = json_pack("{s:i,s:o}", "year", year, "employer_org_id",
	                           employer ? gz_api_id_json(employer) : json_null());
	rc = gz_people_audit(a, db, "party_points.report_export", "community", community, community,
	                     detail, &err);
	json_decref(detail);
	if (rc < 0) {
		free(bytes);
		goto fail;
	}
	char cd[128];
	snprintf(cd, sizeof cd, "attachment; filename=\"dual-report-%s-%d.xlsx\"", community, year);
	gz_reply_header(r, "Content-Disposition", cd);
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_raw(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	             (const char *)bytes, len);
	free(bytes);
	return;
fail:
	gz_reply_err(r, &err);
}

const gz_module_route gz_mob_party_routes[] = {
    {"GET", "/api/v1/party-branches", branch_list, 0, 0},
    {"GET", "/api/v1/party-branches/{id}/point-rules", rules_get, 0, 0},
    {"PUT", "/api/v1/party-branches/{id}/point-rules", rules_put, 0, 0},
    {"POST", "/api/v1/party-branches/{id}/point-entries", entry_create, 0, 0},
    {"GET", "/api/v1/party-branches/{id}/ranking", ranking_get, 0, 0},
    {"GET", "/api/v1/party-members/{id}/points", member_points, 0, 0},
    {"GET", "/api/v1/me/party-points", me_points, 0, 0},
    {"GET", "/api/v1/party-points/dual-report", report_get, 0, 0},
    {0},
};
