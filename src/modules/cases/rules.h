/* The closed loop of a case (诉求/工单, SPEC §3a): its states, the actions that move it,
 * who may take each action, and what each action needs. Pure: no I/O, no clock (callers
 * pass now_ms). docs/CASES.md is the long form; tests/unit/test_cases.c pins every row
 * of the table and every (state, action) pair outside it.
 *
 * The state machine is ONE table of rows (state, action, roles) -> next state
 * (case_transitions()). An action taken in a state with no row is 409
 * "illegal_transition"; in a state with a row but by an actor holding none of the row's
 * roles, 403 "action_forbidden".
 *
 *   reported --accept--> accepted --dispatch--> dispatched --sign--> signed --handle--> handled
 *      |  \--reject--> rejected       |  \--handle (首接负责)---------------------------^  |
 *      |  \--withdraw--> withdrawn    \--escalate--> escalated --report_in--> signed      |
 *      |  \--edit--> reported         signed --request_extension--> extension_requested  |
 *      |  \--merge--> merged             --approve/deny_extension--> signed             |
 *      \--self_handle (自行处置)--> closed      handled --rework--> dispatched           |
 *   handled --verify--> verified --close--> closed --rate--> rated --reopen--> accepted
 *
 * Roles here are the actor's relations to one case (case_role), not the policy roles:
 * the storage layer works them out from the actor's grants and the case's fields
 * (docs/CASES.md, "Who is who on a case"). */
#ifndef GZ_MODULES_CASES_RULES_H
#define GZ_MODULES_CASES_RULES_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	CASE_REPORTED = 0,        /* 待受理: registered, not yet accepted */
	CASE_ACCEPTED,            /* 已立案: accepted, waiting to be dispatched */
	CASE_REJECTED,            /* 不予立案 (final) */
	CASE_DISPATCHED,          /* 已派遣: waiting for the handler to sign */
	CASE_SIGNED,              /* 处置中: signed for (签收), being handled */
	CASE_EXTENSION_REQUESTED, /* 延期申请中: the handler asked for more time */
	CASE_ESCALATED,           /* 已吹哨: waiting for the street/department to report in */
	CASE_HANDLED,             /* 已处置: feedback given, waiting for verification */
	CASE_VERIFIED,            /* 已核查 */
	CASE_CLOSED,              /* 已结案 */
	CASE_RATED,               /* 已评价 */
	CASE_WITHDRAWN,           /* 已撤回 (final) */
	CASE_MERGED,              /* 已合并 into another case (final) */
	CASE__STATES
} case_state;

typedef enum {
	CA_ACCEPT = 0,        /* 受理立案 */
	CA_REJECT,            /* 不予立案 (reason) */
	CA_EDIT,              /* the reporter corrects the report */
	CA_WITHDRAW,          /* the reporter withdraws it */
	CA_MERGE,             /* a duplicate, merged into another case */
	CA_SELF_HANDLE,       /* 自行处置: the patrolling grid worker handled it at once */
	CA_DISPATCH,          /* 派遣 (org, optional person) */
	CA_RETURN,            /* 退回: not the handler's matter (reason) */
	CA_SIGN,              /* 签收 */
	CA_HANDLE,            /* 处置反馈 (feedback) */
	CA_REQUEST_EXTENSION, /* 延期申请 (reason, how long) */
	CA_APPROVE_EXTENSION, /* 同意延期 (the level above) */
	CA_DENY_EXTENSION,    /* 不同意延期 */
	CA_ESCALATE,          /* 吹哨: to the street or a department (reason) */
	CA_REPORT_IN,         /* 报到: the street/department takes the escalated case */
	CA_VERIFY,            /* 核查通过 */
	CA_REWORK,            /* 核查不通过，返工 (reason) */
	CA_CLOSE,             /* 结案 */
	CA_RATE,              /* 评价 (satisfaction, resolved) */
	CA_REOPEN,            /* 重启: an unsatisfied reporter, within 7 days */
	CA__COUNT
} case_action;

/* An actor's relations to one case (bit flags; an actor may hold several). */
enum {
	CR_REPORTER = 1u << 0,   /* the account that reported it */
	CR_PATROL = 1u << 1,     /* the reporter of a patrol case, a grid worker of its grid */
	CR_DISPATCHER = 1u << 2, /* accepts, dispatches, verifies, closes: the community */
	CR_HANDLER = 1u << 3,    /* the organisation or person it is dispatched to */
	CR_APPROVER = 1u << 4,   /* the level above the handler: approves extensions */
	CR_SUPERVISOR = 1u << 5, /* the street: blows the whistle (吹哨) */
	CR_ESCALATEE = 1u << 6,  /* the street or department it was escalated to */
	CR_SYSTEM = 1u << 7,     /* the deadline job (automatic escalation) */
	CR__ALL = (1u << 8) - 1
};
#define CASE_ROLE_COUNT 8

/* One row of the table. */
typedef struct {
	case_state from;
	case_action action;
	unsigned roles; /* CR_* that may take it */
	case_state to;
} case_transition_row;

/* The table, and its number of rows. */
const case_transition_row *case_transitions(size_t *n);

/* Names: the stable ASCII codes stored and sent ("dispatched", "request_extension",
 * "dispatcher") and Chinese labels for people. "" / "未知" out of range. */
const char *case_state_code(case_state s);
const char *case_state_label(case_state s);
const char *case_action_code(case_action a);
const char *case_action_label(case_action a);
const char *case_role_code(unsigned single_role_bit);
const char *case_role_label(unsigned single_role_bit);
/* Parse a code; -1 when unknown. */
int case_state_parse(const char *code);
/* The label of a timeline event: an action's, or of the events that are no action
 * (report 反映, merged_in 合并诉求, overdue 超期); unknown codes as they are. */
const char *case_event_label(const char *code);
int case_action_parse(const char *code);

/* Final states: nothing can happen to the case any more (rejected, withdrawn, merged). */
bool case_state_final(case_state s);
/* Open states: the case is still being worked on (not closed, rated or final). */
bool case_state_open(case_state s);

/* Satisfaction of a rating (满意、基本满意、不满意). */
typedef enum {
	CASE_SAT_NONE = -1,
	CASE_SAT_SATISFIED = 0,
	CASE_SAT_BASIC,
	CASE_SAT_UNSATISFIED,
	CASE_SAT__COUNT
} case_satisfaction;
const char *case_satisfaction_code(case_satisfaction s);
const char *case_satisfaction_label(case_satisfaction s);
int case_satisfaction_parse(const char *code_or_label);

/* An unsatisfied reporter may reopen within this long after rating. */
#define CASE_REOPEN_WINDOW_MS (7LL * 24 * 3600 * 1000)

/* What the guards of the table need to know of the case. */
typedef struct {
	bool self_handled;              /* closed by 自行处置: nobody rates it */
	case_satisfaction satisfaction; /* of the last rating, CASE_SAT_NONE if none */
	int64_t rated_at;               /* ms, 0 if never rated */
	int64_t now;                    /* ms */
} case_facts;

/* Takes action a on a case in state s by an actor holding roles (CR_* mask).
 * Returns 0 and sets *next, or -1 with err set:
 *   409 "illegal_transition"  no row of the table for (s, a)
 *   403 "action_forbidden"    a row exists, but roles hold none of its roles
 *   409 "reopen_not_allowed"  reopen by a reporter who was not unsatisfied, or after
 *                             CASE_REOPEN_WINDOW_MS
 *   409 "not_rateable"        rating a self-handled case */
int case_transition(case_state s, case_action a, unsigned roles, const case_facts *f,
                    case_state *next, gz_err *err);

/* The role an actor holding roles takes action a in state s as (the lowest bit of the
 * row's roles the actor holds), for the timeline; 0 when the table has no such row. */
unsigned case_acting_role(case_state s, case_action a, unsigned roles);

/* The actions an actor holding roles may take now (bit 1u << action for each), guards
 * included: what the case detail offers. */
uint32_t case_allowed_actions(case_state s, unsigned roles, const case_facts *f);

/* ------------------------------------------------------------------ action input */

typedef enum { CASE_UNIT_HOURS = 0, CASE_UNIT_WORKDAYS = 1 } case_limit_unit;

/* A time limit: amount hours (natural hours) or amount working days. */
typedef struct {
	int amount; /* 1 .. CASE_LIMIT_MAX_HOURS or CASE_LIMIT_MAX_DAYS */
	case_limit_unit unit;
} case_limit;
#define CASE_LIMIT_MAX_HOURS 8760
#define CASE_LIMIT_MAX_DAYS  365

/* "hours" / "workdays"; parse returns -1 when unknown. */
const char *case_limit_unit_code(case_limit_unit u);
int case_limit_unit_parse(const char *code);
/* 0 when the limit is in range, else -1 with err (422) naming why. */
int case_limit_check(case_limit l, gz_err *err);

#define CASE_NOTE_MAX        2000 /* code points */
#define CASE_DESCRIPTION_MAX 4000 /* code points (Open311 too) */

/* What an action brings (from POST /cases/{id}/actions). 0 / NULL = absent. */
typedef struct {
	const char *note;  /* reason or feedback */
	int64_t org_id;    /* dispatch, escalate: the organisation */
	int64_t user_id;   /* dispatch: the person */
	int64_t target_id; /* merge: the case it duplicates */
	case_satisfaction satisfaction;
	int resolved;       /* rate: 1 yes, 0 no, -1 absent */
	bool has_extension; /* request_extension: how much longer */
	case_limit extension;
} case_action_input;

/* Checks that input carries what action a needs, and nothing it cannot use: every
 * problem is added as a field to err (GZ_EINVALID "invalid_fields"). Returns 0, or -1. */
int case_action_check_input(case_action a, const case_action_input *in, gz_err *err);

/* ------------------------------------------------------------------ steps and deadlines */

/* The step a state waits for, each with its time limit in the category. */
typedef enum {
	CASE_STEP_NONE = 0,
	CASE_STEP_ACCEPT,   /* reported: 受理 (register) */
	CASE_STEP_DISPATCH, /* accepted: 派遣 */
	CASE_STEP_SIGN,     /* dispatched: 签收; escalated: 报到 */
	CASE_STEP_HANDLE,   /* signed, extension_requested: 处置 */
	CASE_STEP__COUNT
} case_step;
case_step case_step_of(case_state s);
const char *case_step_code(case_step s);
const char *case_step_label(case_step s);

/* ------------------------------------------------------------------ rates */

/* num / den as a percentage with one decimal, rounded half up ("66.7", "100.0",
 * "0.0"), into out (16 bytes): the rates of docs/METRICS.md. Returns false (out "") when
 * den is 0 or num is outside 0..den. Exact integer arithmetic. */
bool case_rate_percent(int64_t num, int64_t den, char out[16]);

/* ------------------------------------------------------------------ 12345 request types */

typedef enum {
	CASE_TYPE_CONSULT = 0, /* 咨询 */
	CASE_TYPE_HELP,        /* 求助 */
	CASE_TYPE_COMPLAINT,   /* 投诉 */
	CASE_TYPE_TIPOFF,      /* 举报 */
	CASE_TYPE_SUGGESTION,  /* 建议 */
	CASE_TYPE__COUNT
} case_request_type;
const char *case_request_type_code(case_request_type t);
const char *case_request_type_label(case_request_type t);
/* By code or label; -1 when unknown. */
int case_request_type_parse(const char *code_or_label);

/* Where a case came from (信息收集). */
typedef enum {
	CASE_SRC_RESIDENT = 0, /* a resident reported it (app, web) */
	CASE_SRC_HOTLINE,      /* 12345 hotline, registered by staff */
	CASE_SRC_PATROL,       /* a grid worker's patrol (巡查) */
	CASE_SRC_ASSIGNED,     /* assigned from above (上级交办) */
	CASE_SRC_OPEN311,      /* another system, through Open311 */
	CASE_SRC__COUNT
} case_source;
const char *case_source_code(case_source s);
const char *case_source_label(case_source s);
int case_source_parse(const char *code);

/* Category kinds (GB/T 30428.2: 部件 and 事件). */
typedef enum { CASE_KIND_EVENT = 0, CASE_KIND_COMPONENT = 1, CASE_KIND__COUNT } case_kind;
const char *case_kind_code(case_kind k);
const char *case_kind_label(case_kind k);
int case_kind_parse(const char *code_or_label);

#endif
