/* Loading a case and working out who the actor is on it, its answer, timeline events,
 * and the catalogue reads every write needs (cases_internal.h). */
#include "modules/cases/cases_internal.h"
#include "api/common.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/time.h"
#include "modules/people/people.h"
#include "modules/people/person.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *text_or_null(gz_stmt *st, int col, gz_arena *A)
{
	return gz_stmt_isnull(st, col) ? NULL : gz_arena_strdup(A, gz_stmt_text(st, col));
}

static int64_t int_or_zero(gz_stmt *st, int col)
{
	return gz_stmt_isnull(st, col) ? 0 : gz_stmt_int64(st, col);
}

void case_row_read(gz_stmt *st, gz_arena *A, case_row *c)
{
	memset(c, 0, sizeof *c);
	c->id = gz_stmt_int64(st, 0);
	snprintf(c->grid, sizeof c->grid, "%s", gz_stmt_text(st, 1));
	c->category_id = gz_stmt_int64(st, 2);
	c->category_code = text_or_null(st, 3, A);
	c->category_name = text_or_null(st, 4, A);
	c->major_code = text_or_null(st, 5, A);
	c->major_name = text_or_null(st, 6, A);
	c->grid_name = text_or_null(st, 7, A);
	c->kind = case_kind_parse(gz_stmt_text(st, 8));
	c->request_type = case_request_type_parse(gz_stmt_text(st, 9));
	c->source = case_source_parse(gz_stmt_text(st, 10));
	c->state = (case_state)case_state_parse(gz_stmt_text(st, 11));
	c->description = text_or_null(st, 12, A);
	c->address = text_or_null(st, 13, A);
	c->building_id = int_or_zero(st, 14);
	c->has_location = !gz_stmt_isnull(st, 15) && !gz_stmt_isnull(st, 16);
	c->lng_e7 = int_or_zero(st, 15);
	c->lat_e7 = int_or_zero(st, 16);
	c->reporter_user_id = int_or_zero(st, 17);
	c->reporter_name = text_or_null(st, 18, A);
	if (!gz_stmt_isnull(st, 19) && gz_stmt_len(st, 19)) {
		c->reporter_phone_len = gz_stmt_len(st, 19);
		uint8_t *p = gz_arena_alloc(A, c->reporter_phone_len);
		memcpy(p, gz_stmt_blob(st, 19), c->reporter_phone_len);
		c->reporter_phone_enc = p;
	}
	c->anonymous = gz_stmt_int64(st, 20) != 0;
	c->self_handled = gz_stmt_int64(st, 21) != 0;
	c->handler_org_id = int_or_zero(st, 22);
	c->handler_org_name = text_or_null(st, 23, A);
	c->handler_user_id = int_or_zero(st, 24);
	c->handler_username = text_or_null(st, 25, A);
	c->handler_scope = text_or_null(st, 26, A);
	c->escalation_org_id = int_or_zero(st, 27);
	c->escalation_org_name = text_or_null(st, 28, A);
	c->escalation_scope = text_or_null(st, 29, A);
	c->merged_into = int_or_zero(st, 30);
	c->step_due_at = int_or_zero(st, 31);
	c->overdue = gz_stmt_int64(st, 32) != 0;
	c->due_at = int_or_zero(st, 33);
	c->ever_overdue = gz_stmt_int64(st, 34) != 0;
	c->escalated = gz_stmt_int64(st, 35) != 0;
	c->rework_count = (int)gz_stmt_int64(st, 36);
	c->extension_count = (int)gz_stmt_int64(st, 37);
	c->satisfaction = gz_stmt_isnull(st, 38)
	                      ? CASE_SAT_NONE
	                      : (case_satisfaction)case_satisfaction_parse(gz_stmt_text(st, 38));
	c->resolved = gz_stmt_isnull(st, 39) ? -1 : (int)gz_stmt_int64(st, 39);
	c->rated_at = int_or_zero(st, 40);
	c->reported_at = int_or_zero(st, 41);
	c->accepted_at = int_or_zero(st, 42);
	c->dispatched_at = int_or_zero(st, 43);
	c->signed_at = int_or_zero(st, 44);
	c->handled_at = int_or_zero(st, 45);
	c->closed_at = int_or_zero(st, 46);
	c->external_id = text_or_null(st, 47, A);
	c->version = gz_stmt_int64(st, 48);
	c->created_at = gz_stmt_int64(st, 49);
	c->updated_at = gz_stmt_int64(st, 50);
	c->responded_at = int_or_zero(st, 51);
	c->response_due_at = int_or_zero(st, 52);
}

int case_load(gz_db *db, gz_arena *A, int64_t id, case_row *c, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, CASE_SELECT " WHERE c.id = $1", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW)
		case_row_read(st, A, c);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

int case_grants_of(const gz_actor *a, gz_arena *A, case_grant **out)
{
	if (gz_actor_is_operator(a)) {
		*out = gz_arena_alloc(A, sizeof **out);
		(*out)[0] = (case_grant){ROLE_SYSTEM_ADMIN, ""};
		return 1;
	}
	int n = a->ngrants;
	*out = gz_arena_alloc(A, sizeof **out * (size_t)(n ? n : 1));
	for (int i = 0; i < n; i++)
		(*out)[i] = (case_grant){a->grants[i].role, a->grants[i].scope};
	return n;
}

static int load_parties(gz_db *db, gz_arena *A, case_row *c, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT scope_code FROM case_parties WHERE case_id = $1 ORDER BY scope_code", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, c->id);
	int rc;
	c->nparties = 0;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW)
		if (c->nparties < CASE_PARTIES_MAX)
			c->parties[c->nparties++] = gz_arena_strdup(A, gz_stmt_text(st, 0));
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

int case_access_for(const gz_actor *a, gz_db *db, gz_arena *A, case_row *c, case_access *acc,
                    gz_err *err)
{
	if (!a)
		return gz_err_set(err, GZ_EINTERNAL, "no_actor", "没有操作者");
	if (load_parties(db, A, c, err) < 0)
		return -1;
	if (gz_actor_is_operator(a)) {
		*acc = (case_access){.roles = CR__ALL & ~CR_SYSTEM,
		                     .read = true,
		                     .sees_reporter = true,
		                     .reveal = true,
		                     .staff = true};
		return 0;
	}
	case_grant *g;
	int n = case_grants_of(a, A, &g);
	case_who w = {
	    .grid = c->grid,
	    .handler_scope = c->handler_scope,
	    .escalation_scope = c->escalation_scope,
	    .parties = c->parties,
	    .nparties = c->nparties,
	    .anonymous = c->anonymous,
	    .patrol = c->source == CASE_SRC_PATROL,
	    .is_reporter = c->reporter_user_id && c->reporter_user_id == a->user_id,
	    .is_handler = c->handler_user_id && c->handler_user_id == a->user_id,
	};
	*acc = case_access_of(g, n, &w, RES_CASE);
	return 0;
}

case_facts case_facts_of(const case_row *c, int64_t now)
{
	return (case_facts){.self_handled = c->self_handled,
	                    .satisfaction = c->satisfaction,
	                    .rated_at = c->rated_at,
	                    .now = now};
}

static json_t *time_or_null(int64_t ms)
{
	return ms ? gz_api_time_json(ms) : json_null();
}

static json_t *id_or_null(int64_t id)
{
	return id ? gz_api_id_json(id) : json_null();
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* The reporter's phone, opened: masked, or in full; null when none or unreadable. */
static json_t *phone_json(const case_row *c, bool full)
{
	char phone[64], masked[72];
	if (!c->reporter_phone_enc ||
	    gz_people_open(c->reporter_phone_enc, c->reporter_phone_len, phone, sizeof phone) < 0)
		return json_null();
	json_t *j = json_string(full ? phone : person_mask_phone(phone, masked, sizeof masked));
	sodium_memzero(phone, sizeof phone);
	return j;
}

static json_t *org_ref_json(int64_t id, const char *name)
{
	return id ? json_pack("{s:o,s:s}", "id", gz_api_id_json(id), "name", name ? name : "")
	          : json_null();
}

json_t *case_json(const case_row *c, const case_access *acc, bool detail, bool reveal_phone)
{
	case_step step = case_step_of(c->state);
	json_t *j = json_object();
	json_object_set_new(j, "id", gz_api_id_json(c->id));
	json_object_set_new(j, "state", json_string(case_state_code(c->state)));
	json_object_set_new(j, "state_label", json_string(case_state_label(c->state)));
	json_object_set_new(j, "category",
	                    json_pack("{s:s,s:s,s:s,s:s,s:{s:s,s:s}}", "code", c->category_code,
	                              "name", c->category_name, "kind",
	                              case_kind_code((case_kind)c->kind), "kind_label",
	                              case_kind_label((case_kind)c->kind), "major", "code",
	                              c->major_code, "name", c->major_name));
	json_object_set_new(
	    j, "request_type",
	    json_string(case_request_type_code((case_request_type)c->request_type)));
	json_object_set_new(
	    j, "request_type_label",
	    json_string(case_request_type_label((case_request_type)c->request_type)));
	json_object_set_new(j, "source", json_string(case_source_code((case_source)c->source)));
	json_object_set_new(j, "source_label",
	                    json_string(case_source_label((case_source)c->source)));
	json_object_set_new(j, "description", json_string(c->description ? c->description : ""));
	json_object_set_new(j, "address", json_string(c->address ? c->address : ""));
	json_object_set_new(j, "grid_code", json_string(c->grid));
	json_object_set_new(j, "grid_name", str_or_null(c->grid_name));
	json_object_set_new(j, "community_code", json_stringn(c->grid, 12));
	json_object_set_new(j, "location",
	                    c->has_location ? json_pack("{s:f,s:f}", "lat", (double)c->lat_e7 / 1e7,
	                                                "lng", (double)c->lng_e7 / 1e7)
	                                    : json_null());
	json_object_set_new(j, "building_id", id_or_null(c->building_id));
	json_object_set_new(j, "anonymous", json_boolean(c->anonymous));
	json_object_set_new(j, "self_handled", json_boolean(c->self_handled));
	json_object_set_new(
	    j, "handler",
	    json_pack("{s:o,s:o,s:b}", "org", org_ref_json(c->handler_org_id, c->handler_org_name),
	              "user",
	              c->handler_user_id
	                  ? json_pack("{s:o,s:s}", "id", gz_api_id_json(c->handler_user_id), "name",
	                              c->handler_username ? c->handler_username : "")
	                  : json_null(),
	              "locality", c->handler_scope && strncmp(c->handler_scope, "org:", 4)));
	json_object_set_new(
	    j, "escalation",
	    c->escalation_scope
	        ? json_pack("{s:o,s:b}", "org",
	                    org_ref_json(c->escalation_org_id, c->escalation_org_name), "street",
	                    strncmp(c->escalation_scope, "org:", 4) != 0)
	        : json_null());
	json_object_set_new(j, "step", step ? json_string(case_step_code(step)) : json_null());
	json_object_set_new(j, "step_label", json_string(case_step_label(step)));
	json_object_set_new(j, "step_due_at", time_or_null(c->step_due_at));
	json_object_set_new(
	    j, "overdue",
	    json_boolean(c->overdue || (c->step_due_at && c->step_due_at < gz_time_now_ms())));
	json_object_set_new(j, "due_at", time_or_null(c->due_at));
	json_object_set_new(j, "escalated", json_boolean(c->escalated));
	json_object_set_new(j, "rework_count", json_integer(c->rework_count));
	json_object_set_new(j, "extension_count", json_integer(c->extension_count));
	json_object_set_new(j, "merged_into", id_or_null(c->merged_into));
	json_object_set_new(
	    j, "rating",
	    c->satisfaction != CASE_SAT_NONE
	        ? json_pack("{s:s,s:s,s:o,s:o}", "satisfaction",
	                    case_satisfaction_code(c->satisfaction), "satisfaction_label",
	                    case_satisfaction_label(c->satisfaction), "resolved",
	                    c->resolved < 0 ? json_null() : json_boolean(c->resolved), "rated_at",
	                    time_or_null(c->rated_at))
	        : json_null());
	json_object_set_new(j, "reported_at", gz_api_time_json(c->reported_at));
	json_object_set_new(j, "accepted_at", time_or_null(c->accepted_at));
	json_object_set_new(j, "closed_at", time_or_null(c->closed_at));
	json_object_set_new(j, "updated_at", gz_api_time_json(c->updated_at));
	json_object_set_new(j, "mine", json_boolean(acc->roles & CR_REPORTER));
	if (!detail)
		return j;
	json_object_set_new(j, "dispatched_at", time_or_null(c->dispatched_at));
	json_object_set_new(j, "signed_at", time_or_null(c->signed_at));
	json_object_set_new(j, "handled_at", time_or_null(c->handled_at));
	json_object_set_new(j, "external_id", str_or_null(c->external_id));
	json_object_set_new(j, "version", json_integer(c->version));
	/* The reporter: only those who may see who it was (anonymity: the registering
	 * community), the phone masked unless revealed. */
	json_object_set_new(j, "reporter",
	                    acc->sees_reporter
	                        ? json_pack("{s:o,s:o}", "name", str_or_null(c->reporter_name),
	                                    "phone", phone_json(c, reveal_phone && acc->reveal))
	                        : json_pack("{s:n,s:n}", "name", "phone"));
	json_object_set_new(j, "reporter_hidden", json_boolean(!acc->sees_reporter));
	json_t *roles = json_array(), *actions = json_array();
	for (int i = 0; i < CASE_ROLE_COUNT; i++)
		if (acc->roles & (1u << i))
			json_array_append_new(roles, json_string(case_role_code(1u << i)));
	uint32_t allowed = case_allowed_actions(c->state, acc->roles,
	                                        &(case_facts){.self_handled = c->self_handled,
	                                                      .satisfaction = c->satisfaction,
	                                                      .rated_at = c->rated_at,
	                                                      .now = gz_time_now_ms()});
	for (int a = 0; a < CA__COUNT; a++)
		if (allowed & (1u << a))
			json_array_append_new(actions,
			                      json_string(case_action_code((case_action)a)));
	json_object_set_new(j, "my_roles", roles);
	json_object_set_new(j, "allowed_actions", actions);
	json_object_set_new(j, "can_reveal", json_boolean(acc->reveal));
	return j;
}

static void bind_opt(gz_stmt *st, int idx, int64_t v)
{
	if (v)
		gz_stmt_bind_int64(st, idx, v);
	else
		gz_stmt_bind_null(st, idx);
}

int case_save(gz_db *db, const case_row *c, int64_t now, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db,
	    "UPDATE cases SET state = $2, category_id = $3, request_type = $4, description = $5, "
	    "address = $6, anonymous = $7, self_handled = $8, handler_org_id = $9, "
	    "handler_user_id = $10, handler_scope = $11, escalation_org_id = $12, "
	    "escalation_scope = $13, merged_into = $14, step_due_at = $15, overdue = $16, "
	    "due_at = $17, ever_overdue = $18, escalated = $19, rework_count = $20, "
	    "extension_count = $21, satisfaction = $22, resolved = $23, rated_at = $24, "
	    "accepted_at = $25, dispatched_at = $26, signed_at = $27, handled_at = $28, "
	    "closed_at = $29, updated_at = $30, responded_at = $32, response_due_at = $33, "
	    "version = version + 1 WHERE id = $1 AND version = $31",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, c->id);
	gz_stmt_bind_str(st, 2, case_state_code(c->state));
	gz_stmt_bind_int64(st, 3, c->category_id);
	gz_stmt_bind_str(st, 4, case_request_type_code((case_request_type)c->request_type));
	gz_stmt_bind_str(st, 5, c->description);
	gz_stmt_bind_str(st, 6, c->address ? c->address : "");
	gz_stmt_bind_int64(st, 7, c->anonymous);
	gz_stmt_bind_int64(st, 8, c->self_handled);
	gz_stmt_bind_id(st, 9, c->handler_org_id);
	gz_stmt_bind_id(st, 10, c->handler_user_id);
	gz_stmt_bind_str(st, 11, c->handler_scope);
	gz_stmt_bind_id(st, 12, c->escalation_org_id);
	gz_stmt_bind_str(st, 13, c->escalation_scope);
	gz_stmt_bind_id(st, 14, c->merged_into);
	bind_opt(st, 15, c->step_due_at);
	gz_stmt_bind_int64(st, 16, c->overdue);
	bind_opt(st, 17, c->due_at);
	gz_stmt_bind_int64(st, 18, c->ever_overdue);
	gz_stmt_bind_int64(st, 19, c->escalated);
	gz_stmt_bind_int64(st, 20, c->rework_count);
	gz_stmt_bind_int64(st, 21, c->extension_count);
	gz_stmt_bind_str(
	    st, 22,
	    c->satisfaction == CASE_SAT_NONE ? NULL : case_satisfaction_code(c->satisfaction));
	if (c->resolved < 0)
		gz_stmt_bind_null(st, 23);
	else
		gz_stmt_bind_int64(st, 23, c->resolved);
	bind_opt(st, 24, c->rated_at);
	bind_opt(st, 25, c->accepted_at);
	bind_opt(st, 26, c->dispatched_at);
	bind_opt(st, 27, c->signed_at);
	bind_opt(st, 28, c->handled_at);
	bind_opt(st, 29, c->closed_at);
	gz_stmt_bind_int64(st, 30, now);
	gz_stmt_bind_int64(st, 31, c->version);
	bind_opt(st, 32, c->responded_at);
	bind_opt(st, 33, c->response_due_at);
	int rc = gz_stmt_step(st, err);
	int64_t changed = rc < 0 ? 0 : gz_stmt_changes(st);
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	if (changed != 1)
		return gz_err_set(err, GZ_ECONFLICT, "conflict", "诉求刚被他人更新，请刷新后重试");
	return 0;
}

int case_event_add(gz_db *db, const gz_actor *actor, const case_row *c, const char *action,
                   case_state from, case_state to, unsigned role, int64_t org_id, int64_t user_id,
                   const char *note, const json_t *detail, int64_t at, gz_err *err)
{
	return case_event_add_att(db, actor, c, action, from, to, role, org_id, user_id, note,
	                          detail, NULL, at, err);
}

int case_event_add_att(gz_db *db, const gz_actor *actor, const case_row *c, const char *action,
                       case_state from, case_state to, unsigned role, int64_t org_id,
                       int64_t user_id, const char *note, const json_t *detail,
                       const json_t *attachments, int64_t at, gz_err *err)
{
	char *d = detail ? gz_json_dump(detail, NULL) : NULL;
	char *att = attachments ? gz_json_dump(attachments, NULL) : NULL;
	gz_stmt *st = gz_db_prepare(
	    db,
	    "INSERT INTO case_events (case_id, seq, action, from_state, to_state, actor_user_id, "
	    "actor_name, actor_role, org_id, user_id, note, detail, at, attachments) SELECT $1, "
	    "COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 FROM "
	    "case_events WHERE case_id = $1",
	    err);
	if (!st) {
		free(d);
		free(att);
		return -1;
	}
	gz_stmt_bind_int64(st, 1, c->id);
	gz_stmt_bind_str(st, 2, action);
	gz_stmt_bind_str(st, 3, (unsigned)from < CASE__STATES ? case_state_code(from) : NULL);
	gz_stmt_bind_str(st, 4, case_state_code(to));
	gz_stmt_bind_id(st, 5, actor ? actor->user_id : 0);
	gz_stmt_bind_str(st, 6, actor ? actor->username : "system");
	gz_stmt_bind_str(st, 7, case_role_code(role));
	gz_stmt_bind_id(st, 8, org_id);
	gz_stmt_bind_id(st, 9, user_id);
	gz_stmt_bind_str(st, 10, note ? note : "");
	gz_stmt_bind_str(st, 11, d);
	gz_stmt_bind_int64(st, 12, at);
	gz_stmt_bind_str(st, 13, att);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	free(d);
	free(att);
	return rc < 0 ? -1 : 0;
}

int case_party_add(gz_db *db, int64_t case_id, const char *scope, gz_err *err)
{
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "INSERT INTO case_parties (case_id, scope_code) VALUES ($1, $2) "
	                  "ON CONFLICT DO NOTHING",
	                  err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, case_id);
	gz_stmt_bind_str(st, 2, scope);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* ---------------------------------------------------------------- catalogue */

#define CATEGORY_COLS                                                                              \
	"id, COALESCE(parent_id, 0), code, name, kind, active, accept_amount, accept_unit, "       \
	"dispatch_amount, dispatch_unit, sign_amount, sign_unit, handle_amount, handle_unit, "     \
	"escalate_after_hours"

static void category_read(gz_stmt *st, case_category *c)
{
	memset(c, 0, sizeof *c);
	c->id = gz_stmt_int64(st, 0);
	c->parent_id = gz_stmt_int64(st, 1);
	snprintf(c->code, sizeof c->code, "%s", gz_stmt_text(st, 2));
	snprintf(c->name, sizeof c->name, "%s", gz_stmt_text(st, 3));
	c->kind = case_kind_parse(gz_stmt_text(st, 4));
	c->active = gz_stmt_int64(st, 5) != 0;
	for (int s = CASE_STEP_ACCEPT; s <= CASE_STEP_HANDLE; s++) {
		int col = 6 + 2 * (s - CASE_STEP_ACCEPT);
		int unit = case_limit_unit_parse(gz_stmt_text(st, col + 1));
		c->limits[s] =
		    gz_stmt_isnull(st, col) || unit < 0
		        ? (case_limit){0, CASE_UNIT_HOURS}
		        : (case_limit){(int)gz_stmt_int64(st, col), (case_limit_unit)unit};
	}
	c->escalate_after_hours = (int)int_or_zero(st, 14);
}

static int category_query(gz_db *db, const char *sql, const char *code, int64_t id,
                          case_category *out, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, sql, err);
	if (!st)
		return -1;
	if (code)
		gz_stmt_bind_str(st, 1, code);
	else
		gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW)
		category_read(st, out);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

int case_category_by_code(gz_db *db, const char *code, case_category *out, gz_err *err)
{
	return category_query(db, "SELECT " CATEGORY_COLS " FROM case_categories WHERE code = $1",
	                      code, 0, out, err);
}

int case_category_by_id(gz_db *db, int64_t id, case_category *out, gz_err *err)
{
	return category_query(db, "SELECT " CATEGORY_COLS " FROM case_categories WHERE id = $1",
	                      NULL, id, out, err);
}

/* Exceptions kept for one computation: far more than any limit can span. */
#define CALENDAR_ROWS_MAX 2000

int case_calendar_load(gz_db *db, gz_arena *A, int32_t from, case_calendar *out, gz_err *err)
{
	char day[11];
	case_day_format(from, day);
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT day, workday FROM case_calendar WHERE day >= $1 "
	                            "ORDER BY day LIMIT 2000",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, day);
	case_calendar_day *days = gz_arena_alloc(A, sizeof *days * CALENDAR_ROWS_MAX);
	size_t n = 0;
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		int32_t d;
		if (n < CALENDAR_ROWS_MAX && case_day_parse(gz_stmt_text(st, 0), &d) == 0)
			days[n++] = (case_calendar_day){d, gz_stmt_int64(st, 1) != 0};
	}
	gz_stmt_finish(st);
	out->days = days;
	out->n = n;
	return rc < 0 ? -1 : 0;
}

int64_t case_step_deadline(const case_category *cat, const case_calendar *cal, case_step step,
                           int64_t start)
{
	if (step <= CASE_STEP_NONE || step >= CASE_STEP__COUNT || cat->limits[step].amount <= 0)
		return 0;
	return case_deadline(cal, start, cat->limits[step]);
}

int case_org_get(gz_db *db, gz_arena *A, int64_t id, const char **name, const char **type,
                 const char **space, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT name, type, space_code FROM organisations WHERE id = $1", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		if (name)
			*name = gz_arena_strdup(A, gz_stmt_text(st, 0));
		if (type)
			*type = gz_arena_strdup(A, gz_stmt_text(st, 1));
		if (space)
			*space = gz_arena_strdup(A, gz_stmt_text(st, 2));
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

int case_route_find(gz_db *db, const char *cat_code, const char *grid, int64_t *org, gz_err *err)
{
	/* Most specific first: this category before every category, the grid before its
	 * community. */
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT org_id FROM case_routes WHERE space_code IN ($1, $2) AND category_code IN "
	    "($3, '') ORDER BY CASE WHEN category_code = '' THEN 1 ELSE 0 END, "
	    "LENGTH(space_code) DESC LIMIT 1",
	    err);
	if (!st)
		return -1;
	char community[13];
	snprintf(community, sizeof community, "%.12s", grid);
	gz_stmt_bind_str(st, 1, grid);
	gz_stmt_bind_str(st, 2, community);
	gz_stmt_bind_str(st, 3, cat_code);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW)
		*org = gz_stmt_int64(st, 0);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

/* ---------------------------------------------------------------- fields */

int case_str_field(json_t *in, const char *key, int required, size_t min, size_t max,
                   const char **out, gz_err *err)
{
	const char *s = NULL;
	if (gz_json_str(in, key, required, min, max, &s, err) < 0)
		return -1;
	if (!s)
		return 0;
	if (strlen(s) != json_string_length(json_object_get(in, key))) {
		gz_err_field(err, key, "不能含有 NUL 字符");
		return -1;
	}
	*out = s;
	return 0;
}

int case_id_field(json_t *in, const char *key, int required, int64_t *out, gz_err *err)
{
	json_t *v = json_object_get(in, key);
	if (!v || json_is_null(v)) {
		if (required)
			gz_err_field(err, key, "必填");
		return required ? -1 : 0;
	}
	int64_t id = json_is_string(v)    ? gz_api_parse_id(json_string_value(v))
	             : json_is_integer(v) ? json_integer_value(v)
	                                  : 0;
	if (id <= 0) {
		gz_err_field(err, key, "应为编号（数字字符串）");
		return -1;
	}
	*out = id;
	return 0;
}

int case_limit_field(json_t *in, const char *key, int required, case_limit *out, bool *present,
                     gz_err *err)
{
	json_t *v = json_object_get(in, key);
	if (present)
		*present = false;
	if (!v || json_is_null(v)) {
		if (required)
			gz_err_field(
			    err, key,
			    "必填：{\"amount\": 数量, \"unit\": \"hours\" 或 \"workdays\"}");
		return required ? -1 : 0;
	}
	json_t *a = json_is_object(v) ? json_object_get(v, "amount") : NULL;
	json_t *u = json_is_object(v) ? json_object_get(v, "unit") : NULL;
	int unit = json_is_string(u) ? case_limit_unit_parse(json_string_value(u)) : -1;
	if (!json_is_integer(a) || unit < 0 || json_object_size(v) != 2) {
		gz_err_field(err, key,
		             "应为 {\"amount\": 数量, \"unit\": \"hours\" 或 \"workdays\"}");
		return -1;
	}
	json_int_t n = json_integer_value(a);
	case_limit l = {n > 100000 || n < -1 ? -1 : (int)n, (case_limit_unit)unit};
	gz_err e;
	gz_err_clear(&e);
	if (case_limit_check(l, &e) < 0) {
		gz_err_field(err, key, "%s", e.message);
		return -1;
	}
	*out = l;
	if (present)
		*present = true;
	return 0;
}

json_t *case_limit_json(case_limit l)
{
	if (l.amount <= 0)
		return json_null();
	return json_pack("{s:i,s:s}", "amount", l.amount, "unit", case_limit_unit_code(l.unit));
}

bool case_code_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 1 || n > CASE_CODE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-'))
			return false;
	return true;
}

int case_audit(const gz_actor *a, gz_db *db, const char *action, int64_t case_id, const char *grid,
               json_t *detail, gz_err *err)
{
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)case_id);
	return gz_audit(a, db, action, "case", ids, grid, detail, err);
}

int case_time_query(gz_req *r, const char *key, int64_t *out, gz_err *err)
{
	const char *s = gz_req_query(r, key);
	*out = 0;
	if (!s)
		return 0;
	if (gz_time_parse_rfc3339(s, out) < 0 || *out <= 0) {
		gz_err_set(err, GZ_EBADREQ, "bad_query", "查询参数 %s 无效", key);
		gz_err_field(err, key, "应为带时区的 RFC 3339 时间，如 2026-03-01T00:00:00+08:00");
		return -1;
	}
	return 0;
}
