/* Unit tests for the cases module's pure rules (src/modules/cases/rules.c, deadline.c):
 * every transition of the state machine's table — for each of its roles, and refused
 * with 403 to every other role — every (state, action) pair outside the table refused
 * with 409, the guards (reopen within 7 days by an unsatisfied reporter, self-handled
 * cases are not rated), what each action needs, and deadlines in hours and working days
 * with a holiday calendar.
 *
 * The expected table below is written out independently of the code's table: the tests
 * check that the two agree cell by cell. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "modules/cases/access.h"
#include "modules/cases/cases.h"
#include "modules/cases/deadline.h"
#include "modules/cases/rules.h"
#include "modules/module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- the expected table */

typedef struct {
	const char *from, *action, *roles, *to; /* roles: space-separated case role codes */
} expected_row;

static const expected_row expected[] = {
    {"reported", "accept", "dispatcher", "accepted"},
    {"reported", "reject", "dispatcher", "rejected"},
    {"reported", "edit", "reporter", "reported"},
    {"reported", "withdraw", "reporter", "withdrawn"},
    {"reported", "merge", "dispatcher", "merged"},
    {"reported", "self_handle", "patrol", "closed"},
    {"accepted", "dispatch", "dispatcher", "dispatched"},
    {"accepted", "handle", "dispatcher", "handled"},
    {"accepted", "escalate", "dispatcher supervisor system", "escalated"},
    {"accepted", "merge", "dispatcher", "merged"},
    {"dispatched", "sign", "handler", "signed"},
    {"dispatched", "return", "handler", "accepted"},
    {"dispatched", "dispatch", "dispatcher", "dispatched"},
    {"dispatched", "escalate", "dispatcher supervisor system", "escalated"},
    {"signed", "handle", "handler", "handled"},
    {"signed", "request_extension", "handler", "extension_requested"},
    {"signed", "return", "handler", "accepted"},
    {"signed", "escalate", "dispatcher supervisor system", "escalated"},
    {"extension_requested", "approve_extension", "approver", "signed"},
    {"extension_requested", "deny_extension", "approver", "signed"},
    {"extension_requested", "handle", "handler", "handled"},
    {"escalated", "report_in", "escalatee", "signed"},
    {"handled", "verify", "dispatcher", "verified"},
    {"handled", "rework", "dispatcher", "dispatched"},
    {"verified", "close", "dispatcher", "closed"},
    {"closed", "rate", "reporter dispatcher", "rated"},
    {"rated", "reopen", "reporter", "accepted"},
};
#define NEXPECTED (sizeof expected / sizeof expected[0])

static unsigned role_bit(const char *code)
{
	for (int i = 0; i < CASE_ROLE_COUNT; i++)
		if (!strcmp(case_role_code(1u << i), code))
			return 1u << i;
	fail_msg("unknown role code %s in the expected table", code);
	return 0;
}

static unsigned roles_of(const char *list)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%s", list);
	unsigned m = 0;
	for (char *save, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
		m |= role_bit(t);
	return m;
}

static int state_of(const char *code)
{
	int s = case_state_parse(code);
	if (s < 0)
		fail_msg("unknown state %s", code);
	return s;
}

static int action_of(const char *code)
{
	int a = case_action_parse(code);
	if (a < 0)
		fail_msg("unknown action %s", code);
	return a;
}

/* Facts under which every guard passes: rated unsatisfied just now, not self-handled. */
static case_facts open_facts(void)
{
	return (case_facts){.self_handled = false,
	                    .satisfaction = CASE_SAT_UNSATISFIED,
	                    .rated_at = 1000,
	                    .now = 2000};
}

/* ---------------------------------------------------------------- generated tests */

typedef struct {
	int row;       /* index in expected[] */
	unsigned role; /* the role tried */
	int state, action;
} probe;

/* A role of the row takes the action and reaches the row's state. */
static void test_transition_allowed(void **st)
{
	const probe *p = *st;
	const expected_row *e = &expected[p->row];
	case_facts f = open_facts();
	case_state next = CASE__STATES;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(
	    case_transition(state_of(e->from), action_of(e->action), p->role, &f, &next, &err), 0);
	assert_int_equal(next, state_of(e->to));
	/* and the detail offers it */
	assert_true(case_allowed_actions(state_of(e->from), p->role, &f) &
	            (1u << action_of(e->action)));
}

/* Every role outside the row gets 403 action_forbidden, and nothing else. */
static void test_transition_forbidden_to_other_roles(void **st)
{
	const probe *p = *st;
	const expected_row *e = &expected[p->row];
	unsigned allowed = roles_of(e->roles);
	case_facts f = open_facts();
	int tried = 0;
	for (int i = 0; i < CASE_ROLE_COUNT; i++) {
		unsigned r = 1u << i;
		if (r & allowed)
			continue;
		gz_err err;
		gz_err_clear(&err);
		case_state next = CASE__STATES;
		assert_int_equal(
		    case_transition(state_of(e->from), action_of(e->action), r, &f, &next, &err),
		    -1);
		assert_int_equal(gz_err_status(err.kind), 403);
		assert_string_equal(err.code, "action_forbidden");
		assert_int_equal(next, CASE__STATES);
		tried++;
	}
	/* No roles at all: forbidden too. */
	gz_err err;
	gz_err_clear(&err);
	case_state next;
	assert_int_equal(
	    case_transition(state_of(e->from), action_of(e->action), 0, &f, &next, &err), -1);
	assert_int_equal(gz_err_status(err.kind), 403);
	assert_true(tried >= 0);
}

/* A (state, action) pair with no row is 409 illegal_transition, whoever asks. */
static void test_illegal_pair_is_409(void **st)
{
	const probe *p = *st;
	case_facts f = open_facts();
	for (unsigned roles = 0; roles <= CR__ALL; roles += roles ? roles : 1) {
		gz_err err;
		gz_err_clear(&err);
		case_state next = CASE__STATES;
		assert_int_equal(case_transition((case_state)p->state, (case_action)p->action,
		                                 roles ? roles : CR__ALL, &f, &next, &err),
		                 -1);
		assert_int_equal(gz_err_status(err.kind), 409);
		assert_string_equal(err.code, "illegal_transition");
		assert_int_equal(next, CASE__STATES);
		if (roles == CR__ALL)
			break;
	}
	assert_false(case_allowed_actions((case_state)p->state, CR__ALL, &f) & (1u << p->action));
}

/* ---------------------------------------------------------------- the table as a whole */

static bool in_expected(int s, int a)
{
	for (size_t i = 0; i < NEXPECTED; i++)
		if (state_of(expected[i].from) == s && action_of(expected[i].action) == a)
			return true;
	return false;
}

static void test_code_table_equals_expected_table(void **st)
{
	(void)st;
	size_t n;
	const case_transition_row *t = case_transitions(&n);
	assert_int_equal(n, NEXPECTED);
	for (size_t i = 0; i < n; i++) {
		bool found = false;
		for (size_t j = 0; j < NEXPECTED; j++)
			if (state_of(expected[j].from) == (int)t[i].from &&
			    action_of(expected[j].action) == (int)t[i].action) {
				assert_false(found); /* one row per (state, action) */
				found = true;
				assert_int_equal(t[i].roles, roles_of(expected[j].roles));
				assert_int_equal(t[i].to, state_of(expected[j].to));
			}
		assert_true(found);
	}
}

static void test_final_states_have_no_way_out(void **st)
{
	(void)st;
	case_facts f = open_facts();
	for (int s = 0; s < CASE__STATES; s++) {
		uint32_t any = case_allowed_actions((case_state)s, CR__ALL, &f);
		if (case_state_final((case_state)s))
			assert_int_equal(any, 0);
		else
			assert_true(any != 0); /* every other state leads somewhere */
	}
	assert_true(case_state_final(CASE_REJECTED));
	assert_true(case_state_final(CASE_WITHDRAWN));
	assert_true(case_state_final(CASE_MERGED));
	assert_false(case_state_final(CASE_RATED));
	assert_true(case_state_open(CASE_SIGNED));
	assert_true(case_state_open(CASE_ESCALATED));
	assert_false(case_state_open(CASE_CLOSED));
	assert_false(case_state_open(CASE_RATED));
	assert_false(case_state_open(CASE_MERGED));
}

/* Every state can be reached from reported (the table has no dead rows). */
static void test_every_state_reachable_from_reported(void **st)
{
	(void)st;
	size_t n;
	const case_transition_row *t = case_transitions(&n);
	bool seen[CASE__STATES] = {[CASE_REPORTED] = true};
	for (int round = 0; round < CASE__STATES; round++)
		for (size_t i = 0; i < n; i++)
			if (seen[t[i].from])
				seen[t[i].to] = true;
	for (int s = 0; s < CASE__STATES; s++)
		assert_true(seen[s]);
}

/* ---------------------------------------------------------------- guards */

static void test_reopen_needs_unsatisfied_rating_within_seven_days(void **st)
{
	(void)st;
	gz_err err;
	case_state next;
	case_facts f = {
	    .satisfaction = CASE_SAT_UNSATISFIED, .rated_at = 0, .now = CASE_REOPEN_WINDOW_MS};
	gz_err_clear(&err);
	assert_int_equal(case_transition(CASE_RATED, CA_REOPEN, CR_REPORTER, &f, &next, &err), 0);
	assert_int_equal(next, CASE_ACCEPTED);
	/* one millisecond after the seventh day */
	f.now = CASE_REOPEN_WINDOW_MS + 1;
	gz_err_clear(&err);
	assert_int_equal(case_transition(CASE_RATED, CA_REOPEN, CR_REPORTER, &f, &next, &err), -1);
	assert_int_equal(gz_err_status(err.kind), 409);
	assert_string_equal(err.code, "reopen_not_allowed");
	assert_false(case_allowed_actions(CASE_RATED, CR_REPORTER, &f) & (1u << CA_REOPEN));
	/* satisfied or basically satisfied: no reopen */
	f.now = 1;
	for (int s = CASE_SAT_SATISFIED; s <= CASE_SAT_BASIC; s++) {
		f.satisfaction = (case_satisfaction)s;
		gz_err_clear(&err);
		assert_int_equal(
		    case_transition(CASE_RATED, CA_REOPEN, CR_REPORTER, &f, &next, &err), -1);
		assert_string_equal(err.code, "reopen_not_allowed");
	}
	/* the dispatcher cannot reopen for the reporter */
	f.satisfaction = CASE_SAT_UNSATISFIED;
	gz_err_clear(&err);
	assert_int_equal(case_transition(CASE_RATED, CA_REOPEN, CR_DISPATCHER, &f, &next, &err),
	                 -1);
	assert_int_equal(gz_err_status(err.kind), 403);
}

static void test_self_handled_case_is_not_rated(void **st)
{
	(void)st;
	gz_err err;
	gz_err_clear(&err);
	case_state next;
	case_facts f = {.self_handled = true, .satisfaction = CASE_SAT_NONE, .now = 5};
	assert_int_equal(case_transition(CASE_CLOSED, CA_RATE, CR_REPORTER, &f, &next, &err), -1);
	assert_int_equal(gz_err_status(err.kind), 409);
	assert_string_equal(err.code, "not_rateable");
	assert_int_equal(case_allowed_actions(CASE_CLOSED, CR__ALL, &f), 0);
}

static void test_self_handle_path_closes_at_once(void **st)
{
	(void)st;
	gz_err err;
	gz_err_clear(&err);
	case_state next;
	case_facts f = {.satisfaction = CASE_SAT_NONE, .now = 5};
	assert_int_equal(case_transition(CASE_REPORTED, CA_SELF_HANDLE, CR_REPORTER | CR_PATROL, &f,
	                                 &next, &err),
	                 0);
	assert_int_equal(next, CASE_CLOSED);
	/* a resident reporter is no patrol */
	gz_err_clear(&err);
	assert_int_equal(
	    case_transition(CASE_REPORTED, CA_SELF_HANDLE, CR_REPORTER, &f, &next, &err), -1);
	assert_int_equal(gz_err_status(err.kind), 403);
}

static void test_allowed_actions_of_a_dispatcher_on_a_new_case(void **st)
{
	(void)st;
	case_facts f = open_facts();
	uint32_t a = case_allowed_actions(CASE_REPORTED, CR_DISPATCHER, &f);
	assert_int_equal(a, (1u << CA_ACCEPT) | (1u << CA_REJECT) | (1u << CA_MERGE));
	a = case_allowed_actions(CASE_REPORTED, CR_REPORTER, &f);
	assert_int_equal(a, (1u << CA_EDIT) | (1u << CA_WITHDRAW));
	a = case_allowed_actions(CASE_SIGNED, CR_HANDLER, &f);
	assert_int_equal(a, (1u << CA_HANDLE) | (1u << CA_REQUEST_EXTENSION) | (1u << CA_RETURN));
}

static void test_unknown_state_or_action_is_invalid(void **st)
{
	(void)st;
	gz_err err;
	gz_err_clear(&err);
	case_state next;
	case_facts f = open_facts();
	assert_int_equal(case_transition(CASE__STATES, CA_ACCEPT, CR__ALL, &f, &next, &err), -1);
	assert_int_equal(gz_err_status(err.kind), 422);
	gz_err_clear(&err);
	assert_int_equal(
	    case_transition(CASE_REPORTED, (case_action)CA__COUNT, CR__ALL, &f, &next, &err), -1);
	assert_int_equal(gz_err_status(err.kind), 422);
}

/* ---------------------------------------------------------------- action input */

static case_action_input no_input(void)
{
	return (case_action_input){.satisfaction = CASE_SAT_NONE, .resolved = -1};
}

static bool has_field(const gz_err *e, const char *name)
{
	for (int i = 0; i < e->nfields; i++)
		if (!strcmp(e->fields[i].name, name))
			return true;
	return false;
}

static void test_actions_needing_a_reason_refuse_without_one(void **st)
{
	(void)st;
	const case_action need[] = {CA_REJECT, CA_RETURN, CA_HANDLE,     CA_ESCALATE,
	                            CA_REWORK, CA_REOPEN, CA_SELF_HANDLE};
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
		gz_err err;
		gz_err_clear(&err);
		case_action_input in = no_input();
		if (need[i] == CA_REQUEST_EXTENSION)
			in.has_extension = true;
		assert_int_equal(case_action_check_input(need[i], &in, &err), -1);
		assert_int_equal(gz_err_status(err.kind), 422);
		assert_true(has_field(&err, "note"));
		in.note = "";
		gz_err_clear(&err);
		assert_int_equal(case_action_check_input(need[i], &in, &err), -1);
		in.note = "理由";
		gz_err_clear(&err);
		assert_int_equal(case_action_check_input(need[i], &in, &err), 0);
	}
	/* accept, sign, verify, close need nothing */
	const case_action none[] = {CA_ACCEPT,
	                            CA_SIGN,
	                            CA_VERIFY,
	                            CA_CLOSE,
	                            CA_WITHDRAW,
	                            CA_REPORT_IN,
	                            CA_APPROVE_EXTENSION,
	                            CA_DENY_EXTENSION};
	for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
		gz_err err;
		gz_err_clear(&err);
		case_action_input in = no_input();
		assert_int_equal(case_action_check_input(none[i], &in, &err), 0);
	}
}

static void test_rate_needs_satisfaction_and_resolved(void **st)
{
	(void)st;
	gz_err err;
	gz_err_clear(&err);
	case_action_input in = no_input();
	assert_int_equal(case_action_check_input(CA_RATE, &in, &err), -1);
	assert_true(has_field(&err, "satisfaction"));
	assert_true(has_field(&err, "resolved"));
	in.satisfaction = CASE_SAT_BASIC;
	in.resolved = 1;
	gz_err_clear(&err);
	assert_int_equal(case_action_check_input(CA_RATE, &in, &err), 0);
	/* a rating on another action is a mistake worth saying */
	gz_err_clear(&err);
	assert_int_equal(case_action_check_input(CA_CLOSE, &in, &err), -1);
	assert_true(has_field(&err, "satisfaction"));
	assert_int_equal(case_satisfaction_parse("不满意"), CASE_SAT_UNSATISFIED);
	assert_int_equal(case_satisfaction_parse("basically_satisfied"), CASE_SAT_BASIC);
	assert_int_equal(case_satisfaction_parse("so-so"), -1);
}

static void test_extension_request_needs_a_limit_in_range(void **st)
{
	(void)st;
	gz_err err;
	gz_err_clear(&err);
	case_action_input in = no_input();
	in.note = "材料未到";
	assert_int_equal(case_action_check_input(CA_REQUEST_EXTENSION, &in, &err), -1);
	assert_true(has_field(&err, "extension"));
	in.has_extension = true;
	in.extension = (case_limit){0, CASE_UNIT_WORKDAYS};
	gz_err_clear(&err);
	assert_int_equal(case_action_check_input(CA_REQUEST_EXTENSION, &in, &err), -1);
	in.extension = (case_limit){366, CASE_UNIT_WORKDAYS};
	gz_err_clear(&err);
	assert_int_equal(case_action_check_input(CA_REQUEST_EXTENSION, &in, &err), -1);
	in.extension = (case_limit){3, CASE_UNIT_WORKDAYS};
	gz_err_clear(&err);
	assert_int_equal(case_action_check_input(CA_REQUEST_EXTENSION, &in, &err), 0);
	in.extension = (case_limit){8760, CASE_UNIT_HOURS};
	gz_err_clear(&err);
	assert_int_equal(case_action_check_input(CA_REQUEST_EXTENSION, &in, &err), 0);
}

static void test_org_user_and_target_only_where_they_belong(void **st)
{
	(void)st;
	gz_err err;
	case_action_input in = no_input();
	in.org_id = 5;
	in.user_id = 7;
	gz_err_clear(&err);
	assert_int_equal(case_action_check_input(CA_DISPATCH, &in, &err), 0);
	gz_err_clear(&err);
	in.note = "需要区城管执法局处理";
	in.user_id = 0;
	assert_int_equal(case_action_check_input(CA_ESCALATE, &in, &err), 0);
	gz_err_clear(&err);
	assert_int_equal(case_action_check_input(CA_SIGN, &in, &err), -1);
	assert_true(has_field(&err, "org"));
	in = no_input();
	gz_err_clear(&err);
	assert_int_equal(case_action_check_input(CA_MERGE, &in, &err), -1);
	assert_true(has_field(&err, "target"));
	in.target_id = 9;
	gz_err_clear(&err);
	assert_int_equal(case_action_check_input(CA_MERGE, &in, &err), 0);
}

/* ---------------------------------------------------------------- deadlines */

/* Local midnight of "YYYY-MM-DD" plus h hours, in ms UTC. */
static int64_t at(const char *day, int h, int m)
{
	int32_t d;
	assert_int_equal(case_day_parse(day, &d), 0);
	return (int64_t)d * CASE_DAY_MS - CASE_TZ_OFFSET_MS + (int64_t)h * 3600000 + m * 60000;
}

static int64_t end_of(const char *day)
{
	return at(day, 24, 0) - 1;
}

/* 2025 National Day + Mid-Autumn: Oct 1-8 off, Sun Sep 28 and Sat Oct 11 worked. */
static const case_calendar_day cal2025[] = {
    {20359, true}, /* 2025-09-28 */
    {20362, false}, {20363, false}, {20364, false}, {20365, false},
    {20366, false}, {20367, false}, {20368, false}, {20369, false}, /* 10-01 .. 10-08 */
    {20372, true},                                                  /* 2025-10-11 */
};

static void test_calendar_days_and_weekdays(void **st)
{
	(void)st;
	int32_t d;
	assert_int_equal(case_day_parse("1970-01-01", &d), 0);
	assert_int_equal(d, 0);
	assert_int_equal(case_weekday(0), 4); /* Thursday */
	assert_int_equal(case_day_parse("2025-09-28", &d), 0);
	assert_int_equal(d, 20359);
	assert_int_equal(case_weekday(d), 0); /* Sunday */
	assert_int_equal(case_day_parse("2025-10-11", &d), 0);
	assert_int_equal(d, 20372);
	assert_int_equal(case_weekday(d), 6);
	char buf[11];
	assert_string_equal(case_day_format(20362, buf), "2025-10-01");
	assert_string_equal(case_day_format(0, buf), "1970-01-01");
	assert_int_equal(case_day_parse("2024-02-29", &d), 0);
	assert_string_equal(case_day_format(d, buf), "2024-02-29");
	assert_int_equal(case_day_parse("2025-02-29", &d), -1);
	assert_int_equal(case_day_parse("2025-13-01", &d), -1);
	assert_int_equal(case_day_parse("2025-1-01", &d), -1);
	assert_int_equal(case_day_parse("1969-12-31", &d), -1);
	assert_int_equal(case_day_parse(NULL, &d), -1);
	/* the local day changes at 16:00 UTC */
	assert_int_equal(case_local_day(at("2025-10-01", 0, 0)), 20362);
	assert_int_equal(case_local_day(at("2025-10-01", 0, 0) - 1), 20361);
	case_calendar c = {cal2025, sizeof cal2025 / sizeof cal2025[0]};
	assert_true(case_is_workday(&c, 20359));  /* Sunday worked */
	assert_false(case_is_workday(&c, 20362)); /* Wednesday, National Day */
	assert_true(case_is_workday(&c, 20361));  /* Tuesday Sep 30 */
	assert_false(case_is_workday(NULL, 20359));
	assert_true(case_is_workday(NULL, 20362));
}

static void test_deadline_in_hours_is_natural_time(void **st)
{
	(void)st;
	case_calendar c = {cal2025, sizeof cal2025 / sizeof cal2025[0]};
	int64_t start = at("2025-09-30", 22, 30);
	assert_int_equal(case_deadline(&c, start, (case_limit){2, CASE_UNIT_HOURS}),
	                 at("2025-10-01", 0, 30));
	assert_int_equal(case_deadline(NULL, start, (case_limit){48, CASE_UNIT_HOURS}),
	                 at("2025-10-02", 22, 30));
}

static void test_deadline_in_working_days_skips_weekends_and_holidays(void **st)
{
	(void)st;
	case_calendar c = {cal2025, sizeof cal2025 / sizeof cal2025[0]};
	/* Reported Tuesday Sep 30 at 10:00; day 1 is the next working day: Oct 9 (Thu). */
	int64_t start = at("2025-09-30", 10, 0);
	assert_int_equal(case_deadline(&c, start, (case_limit){1, CASE_UNIT_WORKDAYS}),
	                 end_of("2025-10-09"));
	/* 3 working days: Oct 9, Oct 10, Oct 11 (the Saturday worked). */
	assert_int_equal(case_deadline(&c, start, (case_limit){3, CASE_UNIT_WORKDAYS}),
	                 end_of("2025-10-11"));
	/* 4: then Monday Oct 13. */
	assert_int_equal(case_deadline(&c, start, (case_limit){4, CASE_UNIT_WORKDAYS}),
	                 end_of("2025-10-13"));
	/* Reported on Saturday Sep 27: Sunday Sep 28 is worked, so it is day 1. */
	assert_int_equal(
	    case_deadline(&c, at("2025-09-27", 9, 0), (case_limit){1, CASE_UNIT_WORKDAYS}),
	    end_of("2025-09-28"));
	/* Without the calendar: Friday -> Monday. */
	assert_int_equal(
	    case_deadline(NULL, at("2025-10-10", 23, 59), (case_limit){1, CASE_UNIT_WORKDAYS}),
	    end_of("2025-10-13"));
	/* Late at night local time (before 16:00 UTC) still counts as that local day. */
	assert_int_equal(
	    case_deadline(NULL, at("2025-10-13", 23, 30), (case_limit){5, CASE_UNIT_WORKDAYS}),
	    end_of("2025-10-20"));
}

static void test_limit_units_and_ranges(void **st)
{
	(void)st;
	assert_int_equal(case_limit_unit_parse("hours"), CASE_UNIT_HOURS);
	assert_int_equal(case_limit_unit_parse("工作日"), CASE_UNIT_WORKDAYS);
	assert_int_equal(case_limit_unit_parse("days"), -1);
	assert_string_equal(case_limit_unit_code(CASE_UNIT_WORKDAYS), "workdays");
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(case_limit_check((case_limit){1, CASE_UNIT_HOURS}, &err), 0);
	assert_int_equal(case_limit_check((case_limit){8761, CASE_UNIT_HOURS}, &err), -1);
	assert_int_equal(case_limit_check((case_limit){365, CASE_UNIT_WORKDAYS}, &err), 0);
	assert_int_equal(case_limit_check((case_limit){-1, CASE_UNIT_WORKDAYS}, &err), -1);
	assert_int_equal(case_limit_check((case_limit){1, (case_limit_unit)7}, &err), -1);
}

/* ---------------------------------------------------------------- rates */

static void test_rate_percent_rounds_half_up_exactly(void **st)
{
	(void)st;
	char b[16];
	assert_true(case_rate_percent(2, 3, b));
	assert_string_equal(b, "66.7");
	assert_true(case_rate_percent(1, 3, b));
	assert_string_equal(b, "33.3");
	assert_true(case_rate_percent(1, 8, b)); /* 12.5 exactly */
	assert_string_equal(b, "12.5");
	assert_true(case_rate_percent(1, 16, b)); /* 6.25 -> 6.3 */
	assert_string_equal(b, "6.3");
	assert_true(case_rate_percent(1, 2000, b)); /* 0.05 -> 0.1 */
	assert_string_equal(b, "0.1");
	assert_true(case_rate_percent(1, 2001, b)); /* 0.049975 -> 0.0 */
	assert_string_equal(b, "0.0");
	assert_true(case_rate_percent(5, 5, b));
	assert_string_equal(b, "100.0");
	assert_true(case_rate_percent(0, 7, b));
	assert_string_equal(b, "0.0");
	assert_false(case_rate_percent(0, 0, b));
	assert_string_equal(b, "");
	assert_false(case_rate_percent(3, 2, b));
	assert_false(case_rate_percent(-1, 2, b));
}

/* ---------------------------------------------------------------- vocabularies */

static void test_codes_round_trip(void **st)
{
	(void)st;
	for (int s = 0; s < CASE__STATES; s++) {
		assert_int_equal(case_state_parse(case_state_code((case_state)s)), s);
		assert_true((unsigned char)case_state_label((case_state)s)[0] >= 0xe0);
	}
	for (int a = 0; a < CA__COUNT; a++) {
		assert_int_equal(case_action_parse(case_action_code((case_action)a)), a);
		assert_true((unsigned char)case_action_label((case_action)a)[0] >= 0xe0);
	}
	for (int t = 0; t < CASE_TYPE__COUNT; t++) {
		assert_int_equal(
		    case_request_type_parse(case_request_type_code((case_request_type)t)), t);
		assert_int_equal(
		    case_request_type_parse(case_request_type_label((case_request_type)t)), t);
	}
	assert_int_equal(case_request_type_parse("举报"), CASE_TYPE_TIPOFF);
	assert_int_equal(case_request_type_parse("投诉"), CASE_TYPE_COMPLAINT);
	assert_int_equal(case_request_type_parse("表扬"), -1);
	for (int s = 0; s < CASE_SRC__COUNT; s++)
		assert_int_equal(case_source_parse(case_source_code((case_source)s)), s);
	assert_int_equal(case_kind_parse("部件"), CASE_KIND_COMPONENT);
	assert_int_equal(case_kind_parse("event"), CASE_KIND_EVENT);
	assert_int_equal(case_state_parse("closed "), -1);
	assert_int_equal(case_action_parse(NULL), -1);
	assert_string_equal(case_state_code((case_state)99), "");
	for (int i = 0; i < CASE_ROLE_COUNT; i++)
		assert_true(*case_role_code(1u << i));
	assert_string_equal(case_role_code(3), "");
	assert_int_equal(case_step_of(CASE_ESCALATED), CASE_STEP_SIGN);
	assert_int_equal(case_step_of(CASE_EXTENSION_REQUESTED), CASE_STEP_HANDLE);
	assert_int_equal(case_step_of(CASE_HANDLED), CASE_STEP_NONE);
	assert_int_equal(case_step_of(CASE_REPORTED), CASE_STEP_ACCEPT);
}

/* ---------------------------------------------------------------- who is who */

#define C1_GRID "110101001001001"
#define C1      "110101001001"

static case_access access_of(const case_grant *g, int n, case_who w)
{
	if (!w.grid)
		w.grid = C1_GRID;
	return case_access_of(g, n, &w, RES_CASE);
}

static void test_access_place_roles(void **st)
{
	(void)st;
	case_grant staff = {ROLE_COMMUNITY_STAFF, C1}, sec = {ROLE_COMMUNITY_ADMIN, C1},
	           street = {ROLE_STREET_SUPERVISOR, "110101001"},
	           worker = {ROLE_GRID_WORKER, C1_GRID},
	           other = {ROLE_COMMUNITY_STAFF, "110101001002"}, res = {ROLE_RESIDENT, C1_GRID};
	case_access a = access_of(&staff, 1, (case_who){0});
	assert_true(a.read && a.staff && a.sees_reporter);
	assert_int_equal(a.roles, CR_DISPATCHER);
	assert_int_equal(access_of(&sec, 1, (case_who){0}).roles, CR_DISPATCHER | CR_APPROVER);
	assert_int_equal(access_of(&street, 1, (case_who){0}).roles,
	                 CR_DISPATCHER | CR_APPROVER | CR_SUPERVISOR);
	a = access_of(&worker, 1, (case_who){0});
	assert_true(a.read);
	assert_int_equal(a.roles, 0);
	/* its own patrol case */
	a = access_of(&worker, 1, (case_who){.patrol = true, .is_reporter = true});
	assert_int_equal(a.roles, CR_REPORTER | CR_PATROL);
	/* a case dispatched to the locality */
	a = access_of(&worker, 1, (case_who){.handler_scope = C1_GRID});
	assert_int_equal(a.roles, CR_HANDLER);
	a = access_of(&other, 1, (case_who){0});
	assert_false(a.read);
	assert_int_equal(a.roles, 0);
	/* a resident's grant reads nothing; their own report they read as reporter */
	a = access_of(&res, 1, (case_who){0});
	assert_false(a.read);
	a = access_of(&res, 1, (case_who){.is_reporter = true, .anonymous = true});
	assert_true(a.read && a.sees_reporter);
	assert_false(a.staff);
	assert_int_equal(a.roles, CR_REPORTER);
	/* escalated to the street: the street takes it */
	a = access_of(&street, 1, (case_who){.escalation_scope = "110101001"});
	assert_true(a.roles & CR_ESCALATEE);
	assert_false(access_of(&staff, 1, (case_who){.escalation_scope = "110101001"}).roles &
	             CR_ESCALATEE);
}

static void test_access_organisations_only_through_org_grants(void **st)
{
	(void)st;
	case_grant prop[] = {{ROLE_PROPERTY, C1}, {ROLE_PROPERTY, "org:7/"}};
	/* the place grant of 物业 gives nothing */
	case_access a = access_of(prop, 1, (case_who){.handler_scope = C1_GRID});
	assert_false(a.read);
	assert_int_equal(a.roles, 0);
	/* dispatched to its organisation: handler; anonymous reporter hidden */
	a = access_of(prop, 2, (case_who){.handler_scope = "org:7/", .anonymous = true});
	assert_true(a.read && a.staff);
	assert_int_equal(a.roles, CR_HANDLER);
	assert_false(a.sees_reporter);
	assert_false(a.reveal);
	/* not anonymous: seen, and its reveal right holds */
	a = access_of(prop, 2, (case_who){.handler_scope = "org:7/"});
	assert_true(a.sees_reporter && a.reveal);
	/* another organisation's case: nothing; org:7/ does not reach org:71/ */
	a = access_of(prop, 2, (case_who){.handler_scope = "org:71/"});
	assert_false(a.read);
	/* held it before: still reads, no role */
	const char *parties[] = {"org:7/"};
	a = access_of(prop, 2,
	              (case_who){.handler_scope = "org:9/", .parties = parties, .nparties = 1});
	assert_true(a.read);
	assert_int_equal(a.roles, 0);
	/* a department it was escalated to */
	case_grant dept = {ROLE_DEPARTMENT, "org:9/"};
	a = access_of(&dept, 1, (case_who){.escalation_scope = "org:9/"});
	assert_int_equal(a.roles, CR_ESCALATEE);
	/* unit contacts hold no reveal */
	case_grant unit = {ROLE_UNIT_CONTACT, "org:7/"};
	a = access_of(&unit, 1, (case_who){.handler_scope = "org:7/"});
	assert_true(a.read && !a.reveal);
	/* the person dispatched to */
	a = access_of(NULL, 0, (case_who){.is_handler = true});
	assert_true(a.read);
	assert_int_equal(a.roles, CR_HANDLER);
}

static void test_list_scopes_and_registration(void **st)
{
	(void)st;
	case_grant g[] = {{ROLE_PROPERTY, C1},
	                  {ROLE_PROPERTY, "org:7/"},
	                  {ROLE_GRID_WORKER, C1_GRID},
	                  {ROLE_RESIDENT, C1_GRID},
	                  {ROLE_SYSTEM_ADMIN, ""}};
	const char *place[8], *org[8];
	int np, no;
	case_list_scopes(g, 5, ACT_READ, RES_CASE, place, &np, org, &no, 8);
	assert_int_equal(np, 2);
	assert_string_equal(place[0], C1_GRID);
	assert_string_equal(place[1], "");
	assert_int_equal(no, 1);
	assert_string_equal(org[0], "org:7/");
	bool gw;
	assert_int_equal(case_may_register(g, 2, C1_GRID, RES_CASE, &gw), 404);
	assert_int_equal(case_may_register(&g[3], 1, C1_GRID, RES_CASE, &gw), 403);
	assert_int_equal(case_may_register(&g[2], 1, C1_GRID, RES_CASE, &gw), 0);
	assert_true(gw);
	assert_int_equal(case_may_register(&g[2], 1, "110101001001002", RES_CASE, &gw), 404);
	assert_int_equal(case_may_register(&g[4], 1, C1_GRID, RES_CASE, &gw), 0);
	assert_false(gw);
}

/* ---------------------------------------------------------------- main */

int main(void)
{
	gz_modules_init(); /* the policy table's `case` row */
	static const struct CMUnitTest fixed[] = {
	    cmocka_unit_test(test_code_table_equals_expected_table),
	    cmocka_unit_test(test_final_states_have_no_way_out),
	    cmocka_unit_test(test_every_state_reachable_from_reported),
	    cmocka_unit_test(test_reopen_needs_unsatisfied_rating_within_seven_days),
	    cmocka_unit_test(test_self_handled_case_is_not_rated),
	    cmocka_unit_test(test_self_handle_path_closes_at_once),
	    cmocka_unit_test(test_allowed_actions_of_a_dispatcher_on_a_new_case),
	    cmocka_unit_test(test_unknown_state_or_action_is_invalid),
	    cmocka_unit_test(test_actions_needing_a_reason_refuse_without_one),
	    cmocka_unit_test(test_rate_needs_satisfaction_and_resolved),
	    cmocka_unit_test(test_extension_request_needs_a_limit_in_range),
	    cmocka_unit_test(test_org_user_and_target_only_where_they_belong),
	    cmocka_unit_test(test_calendar_days_and_weekdays),
	    cmocka_unit_test(test_deadline_in_hours_is_natural_time),
	    cmocka_unit_test(test_deadline_in_working_days_skips_weekends_and_holidays),
	    cmocka_unit_test(test_limit_units_and_ranges),
	    cmocka_unit_test(test_codes_round_trip),
	    cmocka_unit_test(test_rate_percent_rounds_half_up_exactly),
	    cmocka_unit_test(test_access_place_roles),
	    cmocka_unit_test(test_access_organisations_only_through_org_grants),
	    cmocka_unit_test(test_list_scopes_and_registration),
	};
	size_t nfixed = sizeof fixed / sizeof fixed[0];
	/* One named test per (row, role), per row for the other roles, and per pair with
	 * no row: "reported --accept [dispatcher]--> accepted", "reported --sign: 409". */
	size_t cap = nfixed + NEXPECTED * (CASE_ROLE_COUNT + 1) + CASE__STATES * CA__COUNT;
	struct CMUnitTest *tests = calloc(cap, sizeof *tests);
	probe *probes = calloc(cap, sizeof *probes);
	char(*names)[128] = calloc(cap, sizeof *names);
	size_t n = 0;
	memcpy(tests, fixed, sizeof fixed);
	n = nfixed;
	for (size_t i = 0; i < NEXPECTED; i++) {
		unsigned m = roles_of(expected[i].roles);
		for (int b = 0; b < CASE_ROLE_COUNT; b++) {
			if (!(m & (1u << b)))
				continue;
			probes[n] = (probe){(int)i, 1u << b, 0, 0};
			snprintf(names[n], sizeof names[n], "transition %s --%s [%s]--> %s",
			         expected[i].from, expected[i].action, case_role_code(1u << b),
			         expected[i].to);
			tests[n] = (struct CMUnitTest){names[n], test_transition_allowed, NULL,
			                               NULL, &probes[n]};
			n++;
		}
		probes[n] = (probe){(int)i, 0, 0, 0};
		snprintf(names[n], sizeof names[n], "transition %s --%s: other roles 403",
		         expected[i].from, expected[i].action);
		tests[n] = (struct CMUnitTest){names[n], test_transition_forbidden_to_other_roles,
		                               NULL, NULL, &probes[n]};
		n++;
	}
	for (int s = 0; s < CASE__STATES; s++)
		for (int a = 0; a < CA__COUNT; a++) {
			if (in_expected(s, a))
				continue;
			probes[n] = (probe){-1, 0, s, a};
			snprintf(names[n], sizeof names[n], "illegal %s --%s: 409",
			         case_state_code((case_state)s), case_action_code((case_action)a));
			tests[n] = (struct CMUnitTest){names[n], test_illegal_pair_is_409, NULL,
			                               NULL, &probes[n]};
			n++;
		}
	int rc = _cmocka_run_group_tests("cases", tests, n, NULL, NULL);
	free(tests);
	free(probes);
	free(names);
	return rc;
}
