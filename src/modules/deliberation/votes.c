/* Votes on topics over HTTP: open with the electorate frozen, ballots (one per voter,
 * replaced until close; paper ballots and proxies entered by staff), close with the
 * result stored, and the re-check of a stored result from the frozen electorate.
 *
 * POST /api/v1/topics/{id}/votes        {rule, participation, approval, secret}  admin
 * GET  /api/v1/votes/{id}               the vote, its live tally, the caller's ballot read
 * PUT  /api/v1/votes/{id}/ballot        {choice}  the caller's own ballot          write
 * POST /api/v1/votes/{id}/paper-ballots {unit_id, choice, proxy_document}          admin
 * POST /api/v1/votes/{id}/close                                                     admin
 * GET  /api/v1/votes/{id}/recheck       stored result vs recomputed                 read
 *
 * The electorate (this slice: owners) is every unit under the topic's place when the
 * vote opens, with its area then and its voter key (topic_voter_key: co-owners are one
 * voter, the developer's units one voter); who may vote online for a voter key is frozen
 * too (vote_voters: the residents recorded as its owners, voting with their accounts). */
#include "api/common.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/time.h"
#include "domain/space_code.h"
#include "modules/deliberation/delib_internal.h"
#include "modules/deliberation/topic.h"
#include "modules/module.h"
#include "modules/people/people.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	int64_t id, topic_id;
	char scope[SPACE_CODE_SIZE];
	char rule_name[32];
	char participation[200], approval[200];
	bool secret, open;
	int electorate; /* topic_electorate */
	vote_rule rule;
} vote_head;

/* The rule a vote row names (custom: its thresholds). 0, or -1 with err. */
static int rule_of(const char *name, const char *part, const char *appr, vote_rule *out,
                   gz_err *err)
{
	if (!strcmp(name, "custom"))
		return vote_rule_custom(part, appr, out, err);
	if (vote_rule_builtin(name, out) < 0)
		return gz_err_set(err, GZ_EINVALID, "invalid_rule", "未知的表决规则 %s", name);
	return 0;
}

/* 1 found, 0 not, -1 error. */
static int load_head(gz_db *db, int64_t id, vote_head *v, gz_err *err)
{
	memset(v, 0, sizeof *v);
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT topic_id, scope_code, rule, participation, approval, "
	                            "secret, state, electorate FROM votes WHERE id = $1",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		v->id = id;
		v->topic_id = gz_stmt_int64(st, 0);
		snprintf(v->scope, sizeof v->scope, "%s", gz_stmt_text(st, 1));
		snprintf(v->rule_name, sizeof v->rule_name, "%s", gz_stmt_text(st, 2));
		snprintf(v->participation, sizeof v->participation, "%s", gz_stmt_text(st, 3));
		snprintf(v->approval, sizeof v->approval, "%s", gz_stmt_text(st, 4));
		v->secret = gz_stmt_int64(st, 5) != 0;
		v->open = !strcmp(gz_stmt_text(st, 6), "open");
		v->electorate = topic_electorate_parse(gz_stmt_text(st, 7));
		if (v->electorate < 0)
			v->electorate = TOPIC_ELECTORATE_OWNERS;
	}
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	if (rc != GZ_ROW)
		return 0;
	return rule_of(v->rule_name, v->participation, v->approval, &v->rule, err) < 0 ? -1 : 1;
}

/* The vote of the path, after the actor's check for action: 0, or -1 with err (404 for a
 * vote that does not exist or lies outside the actor's scopes). */
static int vote_of_request(gz_req *r, gz_db *db, policy_action action, vote_head *v, gz_err *err)
{
	int64_t id = gz_api_parse_id(gz_req_param(r, "id"));
	int rc = id ? load_head(db, id, v, err) : 0;
	if (rc < 0)
		return -1;
	if (rc == 0)
		return gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这个表决");
	return delib_check(gz_req_actor(r), action, v->scope, err);
}

/* ---- the tally ------------------------------------------------------------------ */

/* Counts the frozen electorate with the ballots cast so far and decides under the
 * vote's rule. 0, or -1 with err. */
static int tally(gz_db *db, const vote_head *v, vote_counts *c, vote_result *res, gz_err *err)
{
	bool owners = v->electorate == TOPIC_ELECTORATE_OWNERS;
	gz_stmt *st = gz_db_prepare(
	    db,
	    owners ? "SELECT e.unit_id, e.voter_key, e.area_dm2, COALESCE(b.choice, '') FROM "
	             "vote_electorate e LEFT JOIN ballots b ON b.vote_id = e.vote_id AND "
	             "b.voter_key = e.voter_key WHERE e.vote_id = $1 ORDER BY e.unit_id"
	           : "SELECT 0, p.voter_key, 0, COALESCE(b.choice, '') FROM vote_persons p LEFT "
	             "JOIN ballots b ON b.vote_id = p.vote_id AND b.voter_key = p.voter_key WHERE "
	             "p.vote_id = $1 ORDER BY p.voter_key",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, v->id);
	gz_arena A = {0};
	size_t n = 0, cap = 256;
	vote_holding *h = gz_malloc(cap * sizeof *h);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		if (n == cap)
			h = gz_realloc(h, (cap *= 2) * sizeof *h);
		char unit[64];
		const char *key = gz_stmt_text(st, 1);
		/* Persons: each is their own "unit" (one head, no area). */
		int ul = owners
		             ? snprintf(unit, sizeof unit, "%lld", (long long)gz_stmt_int64(st, 0))
		             : snprintf(unit, sizeof unit, "%s", key);
		vote_choice choice = VOTE_ABSENT;
		vote_choice_parse(gz_stmt_text(st, 3), gz_stmt_len(st, 3), &choice);
		h[n++] = (vote_holding){gz_arena_strndup(&A, unit, (size_t)ul),
		                        (size_t)ul,
		                        gz_arena_strdup(&A, key),
		                        strlen(key),
		                        gz_stmt_int64(st, 2),
		                        choice};
	}
	gz_stmt_finish(st);
	vote_problem p;
	if (rc >= 0 && vote_count(h, n, owners, c, &p) < 0)
		rc = gz_err_set(err, GZ_EINTERNAL, "internal", "表决名单不一致（问题 %d）",
		                (int)p.kind);
	if (rc >= 0 && vote_decide(&v->rule, c, res, err) < 0)
		rc = -1;
	free(h);
	gz_arena_free(&A);
	return rc < 0 ? -1 : 0;
}

/* The live tally as JSON, or NULL with err. */
static json_t *tally_json(gz_db *db, const vote_head *v, gz_err *err)
{
	vote_counts c;
	vote_result res;
	if (tally(db, v, &c, &res, err) < 0)
		return NULL;
	return vote_result_json(&v->rule, &c, &res);
}

/* The voter keys the actor's account votes for (its residents among the frozen owners). */
static int my_keys(gz_db *db, const gz_actor *a, int64_t vote_id, json_t **keys, gz_err *err)
{
	*keys = json_array();
	if (!a || a->kind != GZ_ACTOR_USER)
		return 0;
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "SELECT DISTINCT vv.voter_key FROM vote_voters vv JOIN residents "
	                  "r ON r.id = vv.resident_id WHERE vv.vote_id = $1 AND "
	                  "r.user_id = $2 AND r.deleted_at IS NULL ORDER BY vv.voter_key",
	                  err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, vote_id);
	gz_stmt_bind_int64(st, 2, a->user_id);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW)
		json_array_append_new(*keys, json_string(gz_stmt_text(st, 0)));
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* The vote as the API shows it: its fields, "tally" (live), "result" (stored at close, or
 * null) and "me" (whether the caller votes, and their ballot). */
static json_t *vote_json(gz_db *db, const gz_actor *a, int64_t id, gz_err *err)
{
	vote_head v;
	int rc = load_head(db, id, &v, err);
	if (rc <= 0) {
		if (rc == 0)
			gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这个表决");
		return NULL;
	}
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "SELECT electorate_units, opened_at, closed_at, result FROM votes "
	                  "WHERE id = $1",
	                  err);
	if (!st)
		return NULL;
	gz_stmt_bind_int64(st, 1, id);
	json_t *o = NULL;
	if ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		o = json_object();
		json_object_set_new(o, "id", gz_api_id_json(id));
		json_object_set_new(o, "topic_id", gz_api_id_json(v.topic_id));
		json_object_set_new(o, "scope_code", json_string(v.scope));
		json_object_set_new(o, "rule", json_string(v.rule_name));
		json_object_set_new(o, "participation", json_string(v.participation));
		json_object_set_new(o, "approval", json_string(v.approval));
		json_object_set_new(o, "secret", json_boolean(v.secret));
		json_object_set_new(o, "state", json_string(v.open ? "open" : "closed"));
		json_object_set_new(
		    o, "electorate",
		    json_string(topic_electorate_code((topic_electorate)v.electorate)));
		/* units of the owners' electorate, or persons / households */
		json_object_set_new(o, "electorate_units", json_integer(gz_stmt_int64(st, 0)));
		json_object_set_new(o, "opened_at", gz_api_time_json(gz_stmt_int64(st, 1)));
		json_object_set_new(o, "closed_at", gz_api_time_or_null(st, 2));
		json_error_t je;
		json_t *stored =
		    gz_stmt_isnull(st, 3) ? NULL : json_loads(gz_stmt_text(st, 3), 0, &je);
		json_object_set_new(o, "result", stored ? stored : json_null());
	}
	gz_stmt_finish(st);
	if (rc < 0 || !o) {
		if (rc >= 0)
			gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这个表决");
		json_decref(o);
		return NULL;
	}
	json_t *t = tally_json(db, &v, err), *keys = NULL;
	if (!t || my_keys(db, a, id, &keys, err) < 0) {
		json_decref(t);
		json_decref(keys);
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "tally", t);
	json_t *me = json_object();
	json_object_set_new(me, "voter", json_boolean(json_array_size(keys) > 0));
	json_t *choice = json_null();
	if (json_array_size(keys)) {
		st = gz_db_prepare(
		    db, "SELECT choice FROM ballots WHERE vote_id = $1 AND voter_key = $2", err);
		if (st) {
			gz_stmt_bind_int64(st, 1, id);
			gz_stmt_bind_str(st, 2, json_string_value(json_array_get(keys, 0)));
			if (gz_stmt_step(st, err) == GZ_ROW) {
				json_decref(choice);
				choice = json_string(gz_stmt_text(st, 0));
			}
			gz_stmt_finish(st);
		}
	}
	json_object_set_new(me, "choice", choice);
	json_decref(keys);
	json_object_set_new(o, "me", me);
	return o;
}

/* ---- opening -------------------------------------------------------------------- */

/* Freezes the owners of every unit under scope into the vote's electorate. Returns the
 * number of units, or -1 with err. */
static int64_t freeze_owners(gz_db *db, int64_t vote_id, const char *scope, gz_err *err)
{
	char hi[SPACE_CODE_SIZE + 2];
	policy_scope_upper(scope, hi, sizeof hi);
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT u.id, u.area_dm2, u.sold, COALESCE(o.owner_key, ''), COALESCE(o.resident_id, "
	    "0) FROM units u LEFT JOIN unit_owners o ON o.unit_id = u.id WHERE u.grid_code >= $1 "
	    "AND u.grid_code < $2 ORDER BY u.id, o.owner_key",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, scope);
	gz_stmt_bind_str(st, 2, hi);
	/* Read everything first (the writes below use the same connection). */
	typedef struct {
		int64_t unit, area, resident;
		bool sold;
		char *key;
	} row_t;
	size_t n = 0, cap = 256;
	row_t *rows = gz_malloc(cap * sizeof *rows);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		if (n == cap)
			rows = gz_realloc(rows, (cap *= 2) * sizeof *rows);
		rows[n++] =
		    (row_t){gz_stmt_int64(st, 0), gz_stmt_int64(st, 1), gz_stmt_int64(st, 4),
		            gz_stmt_int64(st, 2) != 0, gz_strdup(gz_stmt_text(st, 3))};
	}
	gz_stmt_finish(st);
	int64_t units = 0;
	const char **keys = gz_malloc((n ? n : 1) * sizeof *keys);
	for (size_t i = 0; rc >= 0 && i < n;) {
		size_t e = i, nk = 0;
		while (e < n && rows[e].unit == rows[i].unit) {
			if (rows[e].key[0])
				keys[nk++] = rows[e].key;
			e++;
		}
		char *voter = topic_voter_key(rows[i].sold, rows[i].unit, keys, nk);
		st = gz_db_prepare(
		    db,
		    "INSERT INTO vote_electorate (vote_id, unit_id, voter_key, area_dm2) "
		    "VALUES ($1, $2, $3, $4)",
		    err);
		if (!st)
			rc = -1;
		else {
			gz_stmt_bind_int64(st, 1, vote_id);
			gz_stmt_bind_int64(st, 2, rows[i].unit);
			gz_stmt_bind_str(st, 3, voter);
			gz_stmt_bind_int64(st, 4, rows[i].area);
			rc = gz_stmt_step(st, err);
			gz_stmt_finish(st);
		}
		for (size_t k = i; rc >= 0 && k < e; k++) {
			if (!rows[k].resident)
				continue;
			st = gz_db_prepare(
			    db,
			    "INSERT INTO vote_voters (vote_id, voter_key, resident_id) VALUES "
			    "($1, $2, $3) ON CONFLICT DO NOTHING",
			    err);
			if (!st) {
				rc = -1;
				break;
			}
			gz_stmt_bind_int64(st, 1, vote_id);
			gz_stmt_bind_str(st, 2, voter);
			gz_stmt_bind_int64(st, 3, rows[k].resident);
			rc = gz_stmt_step(st, err);
			gz_stmt_finish(st);
		}
		free(voter);
		units++;
		i = e;
	}
	for (size_t i = 0; i < n; i++)
		free(rows[i].key);
	free(rows);
	free(keys);
	return rc < 0 ? -1 : units;
}

static int insert_key(gz_db *db, const char *sql, int64_t vote_id, const char *key,
                      int64_t resident, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, sql, err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, vote_id);
	gz_stmt_bind_str(st, 2, key);
	if (resident)
		gz_stmt_bind_int64(st, 3, resident);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* Freezes the residents' electorate under scope at `at`: every adult (18+) in the
 * register, one voter each ("resident:<id>"), or one voter per household with an adult
 * ("household:<id>", any adult member casting its ballot). Returns the number of voters,
 * or -1 with err; *unknown gets the residents left out for want of a birth date. */
static int64_t freeze_persons(gz_db *db, int64_t vote_id, const char *scope, bool households,
                              int64_t at, int64_t *unknown, gz_err *err)
{
	gz_people_adult *adults = NULL;
	size_t n = 0;
	if (gz_people_adults(db, scope, at, &adults, &n, unknown, err) < 0)
		return -1;
	int64_t voters = 0;
	int rc = 0;
	for (size_t i = 0; rc >= 0 && i < n; i++) {
		char key[48];
		if (households && !adults[i].household_id)
			continue; /* no household to represent */
		topic_person_key(households, households ? adults[i].household_id : adults[i].id,
		                 key, sizeof key);
		rc = insert_key(db,
		                "INSERT INTO vote_persons (vote_id, voter_key) VALUES ($1, $2) ON "
		                "CONFLICT DO NOTHING",
		                vote_id, key, 0, err);
		if (rc >= 0)
			rc = insert_key(db,
			                "INSERT INTO vote_voters (vote_id, voter_key, resident_id) "
			                "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
			                vote_id, key, adults[i].id, err);
	}
	free(adults);
	if (rc < 0 || gz_db_query_int64(db, "SELECT COUNT(*) FROM vote_persons WHERE vote_id = $1",
	                                &voters, err, 1, vote_id) < 0)
		return -1;
	return voters;
}

int64_t delib_vote_freeze(gz_db *db, int64_t vote_id, const char *scope, int electorate, int64_t at,
                          int64_t *unknown, gz_err *err)
{
	*unknown = 0;
	int64_t n =
	    electorate == TOPIC_ELECTORATE_OWNERS
	        ? freeze_owners(db, vote_id, scope, err)
	        : freeze_persons(db, vote_id, scope, electorate == TOPIC_ELECTORATE_HOUSEHOLDS, at,
	                         unknown, err);
	if (n <= 0)
		return n;
	gz_stmt *st =
	    gz_db_prepare(db, "UPDATE votes SET electorate_units = $1 WHERE id = $2", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, n);
	gz_stmt_bind_int64(st, 2, vote_id);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : n;
}

int delib_vote_store_result(gz_db *db, int64_t vote_id, int64_t at, int64_t by, vote_result *res,
                            gz_err *err)
{
	vote_head v;
	vote_counts c;
	int rc = load_head(db, vote_id, &v, err);
	if (rc <= 0)
		return rc == 0 ? gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这个表决") : -1;
	if (tally(db, &v, &c, res, err) < 0)
		return -1;
	json_t *result = vote_result_json(&v.rule, &c, res);
	char *text = gz_json_dump(result, NULL);
	json_decref(result);
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "UPDATE votes SET state = 'closed', closed_at = $1, closed_by = "
	                  "$2, result = $3 WHERE id = $4",
	                  err);
	rc = -1;
	if (st) {
		gz_stmt_bind_int64(st, 1, at);
		gz_stmt_bind_id(st, 2, by);
		gz_stmt_bind_str(st, 3, text);
		gz_stmt_bind_int64(st, 4, vote_id);
		rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
	}
	free(text);
	return rc < 0 ? -1 : 0;
}

static void reply_vote(gz_req *r, gz_db *db, int status, int64_t id, gz_err *err)
{
	json_t *out = vote_json(db, gz_req_actor(r), id, err);
	if (!out || gz_api_commit(r, db, status, out, err) < 0) {
		gz_db_rollback(db);
		json_decref(out);
		if (!err->kind)
			gz_err_set(err, GZ_EINTERNAL, "internal", "读不到刚写入的表决");
		gz_reply_err(r, err);
		return;
	}
	gz_reply_json(r, status, out);
}

static int audit_vote(const gz_actor *a, gz_db *db, const char *action, int64_t id,
                      const char *scope, json_t *detail, gz_err *err)
{
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	int rc = gz_audit(a, db, action, "vote", ids, scope, detail, err);
	json_decref(detail);
	return rc;
}

static void vote_open(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	int64_t topic = gz_api_parse_id(gz_req_param(r, "id"));
	json_t *in = gz_req_json(r, &err);
	const char *rule_s = NULL, *part = "", *appr = "";
	bool secret = false;
	vote_rule rule = {0};
	gz_db *db = NULL;
	if (!in)
		goto fail;
	gz_json_str(in, "rule", GZ_REQUIRED, 1, 32, &rule_s, &err);
	gz_json_str(in, "participation", GZ_OPTIONAL, 0, 190, &part, &err);
	gz_json_str(in, "approval", GZ_OPTIONAL, 0, 190, &appr, &err);
	gz_json_bool(in, "secret", GZ_OPTIONAL, &secret, &err);
	const char *elect_s = NULL;
	gz_json_str(in, "electorate", GZ_OPTIONAL, 1, 16, &elect_s, &err);
	int elect = elect_s ? topic_electorate_parse(elect_s) : -1;
	if (elect_s && elect < 0)
		gz_err_field(&err, "electorate",
		             "应为 owners（业主）、residents（18 周岁以上居民）或 "
		             "households（户代表）");
	if (rule_s) {
		gz_err rerr;
		gz_err_clear(&rerr);
		if (strcmp(rule_s, "custom") != 0 && (*part || *appr))
			gz_err_field(&err, "participation", "只有 custom 规则可以自定义门槛");
		else if (rule_of(rule_s, part, appr, &rule, &rerr) < 0)
			gz_err_field(&err, !strcmp(rule_s, "custom") ? "approval" : "rule", "%s",
			             !strcmp(rule_s, "custom")
			                 ? rerr.message
			                 : "应为 owners_general、owners_major、simple_majority、"
			                   "two_thirds、residents_meeting 或 custom");
	}
	/* The electorate the rule counts: owners for art. 278 (and area thresholds), persons
	 * for a residents' meeting, either for the others (owners unless asked). */
	if (rule.name && elect < 0 && !(elect_s && *elect_s))
		elect = rule.electorate == VOTE_ELECTORATE_PERSONS ? TOPIC_ELECTORATE_RESIDENTS
		                                                   : TOPIC_ELECTORATE_OWNERS;
	if (rule.name && elect >= 0 &&
	    ((rule.electorate == VOTE_ELECTORATE_OWNERS && elect != TOPIC_ELECTORATE_OWNERS) ||
	     (rule.electorate == VOTE_ELECTORATE_PERSONS && elect == TOPIC_ELECTORATE_OWNERS)))
		gz_err_field(
		    &err, "electorate",
		    rule.electorate == VOTE_ELECTORATE_OWNERS
		        ? "该规则按专有部分面积和业主人数计票，表决人只能是业主（owners）"
		        : "居民会议的表决人是 18 周岁以上居民（residents）或户代表（households）");
	if (gz_json_check(&err) < 0 || !(db = gz_req_db(r, &err)) || gz_db_begin(db, &err) < 0)
		goto fail;
	char scope[SPACE_CODE_SIZE];
	int stage;
	int64_t published;
	int rc = topic ? delib_topic_head(db, topic, scope, &stage, &published, &err) : 0;
	if (rc == 0)
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这个议题");
	if (rc <= 0 || delib_check(a, ACT_ADMIN, scope, &err) < 0)
		goto rollback;
	if (!topic_vote_may_open((topic_stage)stage)) {
		gz_err_set(&err, GZ_ECONFLICT, "stage_order", "议题处于%s阶段，不能发起表决",
		           topic_stage_label((topic_stage)stage));
		goto rollback;
	}
	gz_stmt *st =
	    gz_db_prepare(db, "SELECT id FROM votes WHERE topic_id = $1 AND state = 'open'", &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, topic);
	rc = gz_stmt_step(st, &err);
	gz_stmt_finish(st);
	if (rc < 0)
		goto rollback;
	if (rc == GZ_ROW) {
		gz_err_set(&err, GZ_ECONFLICT, "vote_open", "该议题已有进行中的表决");
		goto rollback;
	}
	int64_t now = gz_time_now_ms(), id = 0;
	/* Owners' votes only on topics published N days before (SPEC §3a). */
	if (elect == TOPIC_ELECTORATE_OWNERS &&
	    topic_notice_check(published, now, topic_notice_days(), &err) < 0)
		goto rollback;
	st =
	    gz_db_prepare(db,
	                  "INSERT INTO votes (topic_id, scope_code, rule, participation, approval, "
	                  "secret, state, electorate_units, opened_at, opened_by, electorate) "
	                  "VALUES ($1, $2, $3, $4, $5, $6, 'open', 0, $7, $8, $9) RETURNING id",
	                  &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, topic);
	gz_stmt_bind_str(st, 2, scope);
	gz_stmt_bind_str(st, 3, rule.name);
	gz_stmt_bind_str(st, 4, part);
	gz_stmt_bind_str(st, 5, appr);
	gz_stmt_bind_int64(st, 6, secret);
	gz_stmt_bind_int64(st, 7, now);
	gz_stmt_bind_id(st, 8, a->user_id);
	gz_stmt_bind_str(st, 9, topic_electorate_code((topic_electorate)elect));
	rc = gz_stmt_step_id(st, &id, &err);
	gz_stmt_finish(st);
	if (rc < 0)
		goto rollback;
	int64_t unknown_age = 0;
	int64_t units = delib_vote_freeze(db, id, scope, elect, now, &unknown_age, &err);
	if (units < 0)
		goto rollback;
	if (units == 0) {
		gz_err_set(&err, GZ_EINVALID, "empty_electorate",
		           elect == TOPIC_ELECTORATE_OWNERS
		               ? "议题所在范围内没有登记的专有部分（房屋），无法确定表决名单"
		               : "议题所在范围内没有登记的 18 周岁以上居民，无法确定表决名单");
		goto rollback;
	}
	if ((stage != TOPIC_VOTING &&
	     delib_topic_set_stage(db, a, topic, TOPIC_VOTING, "", now, &err) < 0))
		goto rollback;
	if (audit_vote(a, db, "vote.open", id, scope,
	               json_pack("{s:o,s:s,s:s,s:I,s:I,s:b}", "topic_id", gz_api_id_json(topic),
	                         "rule", rule.name, "electorate",
	                         topic_electorate_code((topic_electorate)elect), "electorate_units",
	                         (json_int_t)units, "unknown_age", (json_int_t)unknown_age,
	                         "secret", secret),
	               &err) < 0)
		goto rollback;
	json_decref(in);
	reply_vote(r, db, 201, id, &err);
	return;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(in);
	gz_reply_err(r, &err);
}

/* ---- reading -------------------------------------------------------------------- */

static void vote_get_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	vote_head v;
	gz_db *db = gz_req_db(r, &err);
	json_t *o = NULL;
	if (!db || vote_of_request(r, db, ACT_READ, &v, &err) < 0 ||
	    !(o = vote_json(db, gz_req_actor(r), v.id, &err))) {
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_json(r, 200, o);
}

static void vote_get(gz_req *r)
{
	gz_api_read(r, vote_get_read);
}

static void vote_recheck_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	vote_head v;
	gz_db *db = gz_req_db(r, &err);
	if (!db || vote_of_request(r, db, ACT_READ, &v, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	if (v.open) {
		gz_reply_error(r, GZ_ECONFLICT, "vote_open", "表决尚未结束，没有可复核的结果");
		return;
	}
	gz_stmt *st = gz_db_prepare(db, "SELECT result FROM votes WHERE id = $1", &err);
	char *stored = NULL;
	if (st) {
		gz_stmt_bind_int64(st, 1, v.id);
		if (gz_stmt_step(st, &err) == GZ_ROW)
			stored = gz_strdup(gz_stmt_text(st, 0));
		gz_stmt_finish(st);
	}
	json_t *now = stored ? tally_json(db, &v, &err) : NULL;
	if (!now) {
		free(stored);
		if (!err.kind)
			gz_err_set(&err, GZ_EINTERNAL, "internal", "读不到表决结果");
		gz_reply_err(r, &err);
		return;
	}
	char *again = gz_json_dump(now, NULL);
	json_error_t je;
	json_t *o = json_object(), *s = json_loads(stored, 0, &je);
	json_object_set_new(o, "vote_id", gz_api_id_json(v.id));
	json_object_set_new(o, "matches", json_boolean(!strcmp(again, stored)));
	json_object_set_new(o, "stored", s ? s : json_null());
	json_object_set_new(o, "recomputed", now);
	free(again);
	free(stored);
	gz_reply_json(r, 200, o);
}

static void vote_recheck(gz_req *r)
{
	gz_api_read(r, vote_recheck_read);
}

/* ---- ballots -------------------------------------------------------------------- */

static int put_ballot(gz_db *db, int64_t vote, const char *key, vote_choice c, const char *channel,
                      const char *proxy, const gz_actor *a, int64_t now, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db,
	    "INSERT INTO ballots (vote_id, voter_key, choice, channel, proxy_document, cast_by, "
	    "cast_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (vote_id, voter_key) DO "
	    "UPDATE SET choice = excluded.choice, channel = excluded.channel, proxy_document = "
	    "excluded.proxy_document, cast_by = excluded.cast_by, cast_at = excluded.cast_at",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, vote);
	gz_stmt_bind_str(st, 2, key);
	gz_stmt_bind_str(st, 3, vote_choice_name(c));
	gz_stmt_bind_str(st, 4, channel);
	gz_stmt_bind_str(st, 5, proxy ? proxy : "");
	gz_stmt_bind_id(st, 6, a->user_id);
	gz_stmt_bind_int64(st, 7, now);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* The choice field: agree / oppose / abstain (同意 / 反对 / 弃权). */
static void choice_field(json_t *in, vote_choice *c, gz_err *err)
{
	const char *s = NULL;
	if (gz_json_str(in, "choice", GZ_REQUIRED, 1, 16, &s, err) == 0 && s &&
	    (vote_choice_parse(s, strlen(s), c) < 0 || *c == VOTE_ABSENT))
		gz_err_field(err, "choice", "应为 agree、oppose 或 abstain（同意、反对、弃权）");
}

static void ballot_put(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	json_t *in = gz_req_json(r, &err), *keys = NULL;
	vote_choice c = VOTE_ABSENT;
	vote_head v;
	gz_db *db = NULL;
	if (!in)
		goto fail;
	choice_field(in, &c, &err);
	if (gz_json_check(&err) < 0 || !(db = gz_req_db(r, &err)) || gz_db_begin(db, &err) < 0)
		goto fail;
	if (vote_of_request(r, db, ACT_WRITE, &v, &err) < 0)
		goto rollback;
	if (!v.open) {
		gz_err_set(&err, GZ_ECONFLICT, "vote_closed", "表决已结束，不能再投票");
		goto rollback;
	}
	if (my_keys(db, a, v.id, &keys, &err) < 0)
		goto rollback;
	if (!json_array_size(keys)) {
		gz_err_set(&err, GZ_EFORBIDDEN, "not_in_electorate",
		           "您不在本次表决的表决人名单中（名单在表决发起时确定）");
		goto rollback;
	}
	int64_t now = gz_time_now_ms();
	size_t i;
	json_t *k;
	json_array_foreach(keys, i, k)
	{
		if (put_ballot(db, v.id, json_string_value(k), c, "online", NULL, a, now, &err) < 0)
			goto rollback;
	}
	/* Secret or not, the audit row says that a ballot was cast, never how. */
	if (audit_vote(a, db, "ballot.cast", v.id, v.scope,
	               json_pack("{s:s,s:I}", "channel", "online", "voters",
	                         (json_int_t)json_array_size(keys)),
	               &err) < 0)
		goto rollback;
	json_decref(keys);
	json_decref(in);
	reply_vote(r, db, 200, v.id, &err);
	return;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(keys);
	json_decref(in);
	gz_reply_err(r, &err);
}

static void paper_ballot(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	json_t *in = gz_req_json(r, &err);
	vote_choice c = VOTE_ABSENT;
	const char *unit_s = NULL, *proxy = "";
	vote_head v;
	gz_db *db = NULL;
	if (!in)
		goto fail;
	choice_field(in, &c, &err);
	const char *res_s = NULL;
	gz_json_str(in, "resident_id", GZ_OPTIONAL, 1, 24, &res_s, &err);
	gz_json_str(in, "unit_id", res_s ? GZ_OPTIONAL : GZ_REQUIRED, 1, 24, &unit_s, &err);
	gz_json_str(in, "proxy_document", GZ_OPTIONAL, 0, 500, &proxy, &err);
	int64_t unit = unit_s ? gz_api_parse_id(unit_s) : 0,
	        resident = res_s ? gz_api_parse_id(res_s) : 0;
	if (unit_s && !unit)
		gz_err_field(&err, "unit_id", "应为房屋（专有部分）的 id");
	if (res_s && !resident)
		gz_err_field(&err, "resident_id", "应为居民的 id");
	if (unit_s && res_s)
		gz_err_field(&err, "unit_id",
		             "业主表决填 unit_id，居民表决填 resident_id，不能都填");
	if (gz_json_check(&err) < 0 || !(db = gz_req_db(r, &err)) || gz_db_begin(db, &err) < 0)
		goto fail;
	if (vote_of_request(r, db, ACT_ADMIN, &v, &err) < 0)
		goto rollback;
	if (!v.open) {
		gz_err_set(&err, GZ_ECONFLICT, "vote_closed", "表决已结束，不能再录入选票");
		goto rollback;
	}
	bool owners = v.electorate == TOPIC_ELECTORATE_OWNERS;
	const char *field = owners ? "unit_id" : "resident_id";
	if (owners ? !unit : !resident) {
		gz_err_set(&err, GZ_EINVALID, "invalid_fields", "字段有误");
		gz_err_field(&err, field,
		             owners ? "业主表决须填房屋（专有部分）的 unit_id"
		                    : "居民表决须填居民的 resident_id");
		goto rollback;
	}
	gz_stmt *st = gz_db_prepare(
	    db,
	    owners ? "SELECT voter_key FROM vote_electorate WHERE vote_id = $1 AND unit_id = $2"
	           : "SELECT voter_key FROM vote_voters WHERE vote_id = $1 AND resident_id = $2",
	    &err);
	if (!st)
		goto rollback;
	gz_stmt_bind_int64(st, 1, v.id);
	gz_stmt_bind_int64(st, 2, owners ? unit : resident);
	int rc = gz_stmt_step(st, &err);
	char *key = rc == GZ_ROW ? gz_strdup(gz_stmt_text(st, 0)) : NULL;
	gz_stmt_finish(st);
	if (rc < 0)
		goto rollback;
	if (!key) {
		gz_err_set(&err, GZ_EINVALID, "invalid_fields", "字段有误");
		gz_err_field(&err, field, "不在本次表决的名单中");
		goto rollback;
	}
	rc = put_ballot(db, v.id, key, c, *proxy ? "proxy" : "paper", proxy, a, gz_time_now_ms(),
	                &err);
	free(key);
	if (rc < 0 ||
	    audit_vote(a, db, "ballot.paper", v.id, v.scope,
	               json_pack("{s:o,s:s,s:b}", field, gz_api_id_json(owners ? unit : resident),
	                         "channel", *proxy ? "proxy" : "paper", "proxy_document",
	                         *proxy != 0),
	               &err) < 0)
		goto rollback;
	json_decref(in);
	reply_vote(r, db, 200, v.id, &err);
	return;
rollback:
	gz_db_rollback(db);
fail:
	json_decref(in);
	gz_reply_err(r, &err);
}

static void vote_close(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	vote_head v;
	gz_db *db = gz_req_db(r, &err);
	if (!db || gz_db_begin(db, &err) < 0)
		goto fail;
	if (vote_of_request(r, db, ACT_ADMIN, &v, &err) < 0)
		goto rollback;
	if (!v.open) {
		gz_err_set(&err, GZ_ECONFLICT, "vote_closed", "表决已结束");
		goto rollback;
	}
	vote_result res;
	if (delib_vote_store_result(db, v.id, gz_time_now_ms(), a->user_id, &res, &err) < 0 ||
	    audit_vote(a, db, "vote.close", v.id, v.scope,
	               json_pack("{s:b,s:b,s:b}", "passed", res.passed, "participation_met",
	                         res.participation_met, "approval_met", res.approval_met),
	               &err) < 0)
		goto rollback;
	reply_vote(r, db, 200, v.id, &err);
	return;
rollback:
	gz_db_rollback(db);
fail:
	gz_reply_err(r, &err);
}

const gz_module_route gz_delib_vote_routes[] = {
    {"POST", "/api/v1/topics/{id}/votes", vote_open, 0, 0},
    {"GET", "/api/v1/votes/{id}", vote_get, 0, 0},
    {"PUT", "/api/v1/votes/{id}/ballot", ballot_put, 0, 0},
    {"POST", "/api/v1/votes/{id}/paper-ballots", paper_ballot, 0, 0},
    {"POST", "/api/v1/votes/{id}/close", vote_close, 0, 0},
    {"GET", "/api/v1/votes/{id}/recheck", vote_recheck, 0, 0},
    {0},
};
