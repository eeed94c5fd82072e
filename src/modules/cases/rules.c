/* The state machine of a case and the small vocabularies around it (rules.h). Pure. */
#include "modules/cases/rules.h"
#include "core/json.h"

#include <stdio.h>
#include <string.h>

/* A stable ASCII code and its Chinese label. */
typedef struct {
	const char *code, *label;
} pair;

static const char *code_at(const pair *p, int n, int i)
{
	return i >= 0 && i < n ? p[i].code : "";
}

static const char *label_at(const pair *p, int n, int i, const char *none)
{
	return i >= 0 && i < n ? p[i].label : none;
}

/* By code, or also by label when labels is set; -1 when unknown. */
static int parse_at(const pair *p, int n, const char *s, bool labels)
{
	for (int i = 0; s && i < n; i++)
		if (!strcmp(p[i].code, s) || (labels && !strcmp(p[i].label, s)))
			return i;
	return -1;
}

/* The one table: (state, action, roles) -> next state. Each row says who may take the
 * action in that state; docs/CASES.md explains every row. */
static const case_transition_row table[] = {
    /* 受理 (register) */
    {CASE_REPORTED, CA_ACCEPT, CR_DISPATCHER, CASE_ACCEPTED},
    {CASE_REPORTED, CA_REJECT, CR_DISPATCHER, CASE_REJECTED},
    {CASE_REPORTED, CA_EDIT, CR_REPORTER, CASE_REPORTED},
    {CASE_REPORTED, CA_WITHDRAW, CR_REPORTER, CASE_WITHDRAWN},
    {CASE_REPORTED, CA_MERGE, CR_DISPATCHER, CASE_MERGED},
    {CASE_REPORTED, CA_SELF_HANDLE, CR_PATROL, CASE_CLOSED},
    /* 派遣 (dispatch); the community may answer itself (首接负责) */
    {CASE_ACCEPTED, CA_DISPATCH, CR_DISPATCHER, CASE_DISPATCHED},
    {CASE_ACCEPTED, CA_HANDLE, CR_DISPATCHER, CASE_HANDLED},
    {CASE_ACCEPTED, CA_ESCALATE, CR_DISPATCHER | CR_SUPERVISOR | CR_SYSTEM, CASE_ESCALATED},
    {CASE_ACCEPTED, CA_MERGE, CR_DISPATCHER, CASE_MERGED},
    /* 签收 (sign) */
    {CASE_DISPATCHED, CA_SIGN, CR_HANDLER, CASE_SIGNED},
    {CASE_DISPATCHED, CA_RETURN, CR_HANDLER, CASE_ACCEPTED},
    {CASE_DISPATCHED, CA_DISPATCH, CR_DISPATCHER, CASE_DISPATCHED},
    {CASE_DISPATCHED, CA_ESCALATE, CR_DISPATCHER | CR_SUPERVISOR | CR_SYSTEM, CASE_ESCALATED},
    /* 处置 (handle) */
    {CASE_SIGNED, CA_HANDLE, CR_HANDLER, CASE_HANDLED},
    {CASE_SIGNED, CA_REQUEST_EXTENSION, CR_HANDLER, CASE_EXTENSION_REQUESTED},
    {CASE_SIGNED, CA_RETURN, CR_HANDLER, CASE_ACCEPTED},
    {CASE_SIGNED, CA_ESCALATE, CR_DISPATCHER | CR_SUPERVISOR | CR_SYSTEM, CASE_ESCALATED},
    /* 延期 (extension), decided by the level above */
    {CASE_EXTENSION_REQUESTED, CA_APPROVE_EXTENSION, CR_APPROVER, CASE_SIGNED},
    {CASE_EXTENSION_REQUESTED, CA_DENY_EXTENSION, CR_APPROVER, CASE_SIGNED},
    {CASE_EXTENSION_REQUESTED, CA_HANDLE, CR_HANDLER, CASE_HANDLED},
    /* 吹哨、报到 */
    {CASE_ESCALATED, CA_REPORT_IN, CR_ESCALATEE, CASE_SIGNED},
    /* 核查 (verify) or 返工 (rework) */
    {CASE_HANDLED, CA_VERIFY, CR_DISPATCHER, CASE_VERIFIED},
    {CASE_HANDLED, CA_REWORK, CR_DISPATCHER, CASE_DISPATCHED},
    /* 结案, 评价, 重启 */
    {CASE_VERIFIED, CA_CLOSE, CR_DISPATCHER, CASE_CLOSED},
    {CASE_CLOSED, CA_RATE, CR_REPORTER | CR_DISPATCHER, CASE_RATED},
    {CASE_RATED, CA_REOPEN, CR_REPORTER, CASE_ACCEPTED},
};

const case_transition_row *case_transitions(size_t *n)
{
	*n = sizeof table / sizeof table[0];
	return table;
}

static const pair states[CASE__STATES] = {
    [CASE_REPORTED] = {"reported", "待受理"},
    [CASE_ACCEPTED] = {"accepted", "已立案"},
    [CASE_REJECTED] = {"rejected", "不予立案"},
    [CASE_DISPATCHED] = {"dispatched", "已派遣"},
    [CASE_SIGNED] = {"signed", "处置中"},
    [CASE_EXTENSION_REQUESTED] = {"extension_requested", "延期申请中"},
    [CASE_ESCALATED] = {"escalated", "已吹哨"},
    [CASE_HANDLED] = {"handled", "已处置"},
    [CASE_VERIFIED] = {"verified", "已核查"},
    [CASE_CLOSED] = {"closed", "已结案"},
    [CASE_RATED] = {"rated", "已评价"},
    [CASE_WITHDRAWN] = {"withdrawn", "已撤回"},
    [CASE_MERGED] = {"merged", "已合并"},
};

static const pair actions[CA__COUNT] = {
    [CA_ACCEPT] = {"accept", "受理立案"},
    [CA_REJECT] = {"reject", "不予立案"},
    [CA_EDIT] = {"edit", "修改"},
    [CA_WITHDRAW] = {"withdraw", "撤回"},
    [CA_MERGE] = {"merge", "合并"},
    [CA_SELF_HANDLE] = {"self_handle", "自行处置"},
    [CA_DISPATCH] = {"dispatch", "派遣"},
    [CA_RETURN] = {"return", "退回"},
    [CA_SIGN] = {"sign", "签收"},
    [CA_HANDLE] = {"handle", "处置反馈"},
    [CA_REQUEST_EXTENSION] = {"request_extension", "申请延期"},
    [CA_APPROVE_EXTENSION] = {"approve_extension", "同意延期"},
    [CA_DENY_EXTENSION] = {"deny_extension", "不同意延期"},
    [CA_ESCALATE] = {"escalate", "吹哨"},
    [CA_REPORT_IN] = {"report_in", "报到"},
    [CA_VERIFY] = {"verify", "核查通过"},
    [CA_REWORK] = {"rework", "返工"},
    [CA_CLOSE] = {"close", "结案"},
    [CA_RATE] = {"rate", "评价"},
    [CA_REOPEN] = {"reopen", "重启"},
};

static const pair roles[CASE_ROLE_COUNT] = {
    {"reporter", "反映人"},         {"patrol", "巡查网格员"},
    {"dispatcher", "受理派遣"},     {"handler", "承办"},
    {"approver", "审批（上一级）"}, {"supervisor", "街道"},
    {"escalatee", "被吹哨单位"},    {"system", "系统"},
};

const char *case_state_code(case_state s)
{
	return code_at(states, CASE__STATES, (int)s);
}
const char *case_state_label(case_state s)
{
	return label_at(states, CASE__STATES, (int)s, "未知");
}
const char *case_action_code(case_action a)
{
	return code_at(actions, CA__COUNT, (int)a);
}
const char *case_action_label(case_action a)
{
	return label_at(actions, CA__COUNT, (int)a, "未知");
}

static int role_index(unsigned bit)
{
	for (int i = 0; i < CASE_ROLE_COUNT; i++)
		if (bit == 1u << i)
			return i;
	return -1;
}
const char *case_role_code(unsigned bit)
{
	return code_at(roles, CASE_ROLE_COUNT, role_index(bit));
}
const char *case_role_label(unsigned bit)
{
	return label_at(roles, CASE_ROLE_COUNT, role_index(bit), "未知");
}

int case_state_parse(const char *code)
{
	return parse_at(states, CASE__STATES, code, false);
}

int case_action_parse(const char *code)
{
	return parse_at(actions, CA__COUNT, code, false);
}

bool case_state_final(case_state s)
{
	return s == CASE_REJECTED || s == CASE_WITHDRAWN || s == CASE_MERGED;
}

const char *case_event_label(const char *code)
{
	int a = case_action_parse(code);
	return a >= 0                       ? case_action_label((case_action)a)
	       : !strcmp(code, "report")    ? "反映"
	       : !strcmp(code, "merged_in") ? "合并诉求"
	       : !strcmp(code, "overdue")   ? "超期"
	                                    : code;
}

bool case_state_open(case_state s)
{
	return (unsigned)s < CASE__STATES && !case_state_final(s) && s != CASE_CLOSED &&
	       s != CASE_RATED;
}

static const pair sats[CASE_SAT__COUNT] = {
    [CASE_SAT_SATISFIED] = {"satisfied", "满意"},
    [CASE_SAT_BASIC] = {"basically_satisfied", "基本满意"},
    [CASE_SAT_UNSATISFIED] = {"unsatisfied", "不满意"},
};

const char *case_satisfaction_code(case_satisfaction s)
{
	return code_at(sats, CASE_SAT__COUNT, (int)s);
}
const char *case_satisfaction_label(case_satisfaction s)
{
	return label_at(sats, CASE_SAT__COUNT, (int)s, "");
}
int case_satisfaction_parse(const char *s)
{
	return parse_at(sats, CASE_SAT__COUNT, s, true);
}

static const case_transition_row *find_row(case_state s, case_action a)
{
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (table[i].from == s && table[i].action == a)
			return &table[i];
	return NULL;
}

/* The guards beyond the table: who rated and when, and self-handled cases. */
static int guard(case_action a, unsigned roles, const case_facts *f, gz_err *err)
{
	if (a == CA_REOPEN) {
		(void)roles;
		if (f->satisfaction != CASE_SAT_UNSATISFIED)
			return gz_err_set(err, GZ_ECONFLICT, "reopen_not_allowed",
			                  "只有评价为不满意的诉求可以重启");
		if (f->now - f->rated_at > CASE_REOPEN_WINDOW_MS)
			return gz_err_set(err, GZ_ECONFLICT, "reopen_not_allowed",
			                  "评价 7 天后不能再重启");
	}
	if (a == CA_RATE && f->self_handled)
		return gz_err_set(err, GZ_ECONFLICT, "not_rateable",
		                  "自行处置的案件没有反映人评价");
	return 0;
}

int case_transition(case_state s, case_action a, unsigned roles, const case_facts *f,
                    case_state *next, gz_err *err)
{
	if ((unsigned)s >= CASE__STATES || (unsigned)a >= CA__COUNT)
		return gz_err_set(err, GZ_EINVALID, "invalid_action", "未知的状态或操作");
	const case_transition_row *row = find_row(s, a);
	if (!row)
		return gz_err_set(err, GZ_ECONFLICT, "illegal_transition",
		                  "诉求当前状态为「%s」，不能%s", case_state_label(s),
		                  case_action_label(a));
	if (!(row->roles & roles))
		return gz_err_set(err, GZ_EFORBIDDEN, "action_forbidden",
		                  "您不能对该诉求执行「%s」", case_action_label(a));
	if (guard(a, roles, f, err) < 0)
		return -1;
	*next = row->to;
	return 0;
}

unsigned case_acting_role(case_state s, case_action a, unsigned roles)
{
	const case_transition_row *row = find_row(s, a);
	unsigned m = row ? row->roles & roles : 0;
	return m & (~m + 1);
}

uint32_t case_allowed_actions(case_state s, unsigned roles, const case_facts *f)
{
	uint32_t out = 0;
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (table[i].from == s && (table[i].roles & roles) &&
		    guard(table[i].action, roles, f, NULL) == 0)
			out |= 1u << table[i].action;
	return out;
}

/* ------------------------------------------------------------------ action input */

const char *case_limit_unit_code(case_limit_unit u)
{
	return u == CASE_UNIT_HOURS ? "hours" : u == CASE_UNIT_WORKDAYS ? "workdays" : "";
}

int case_limit_unit_parse(const char *code)
{
	if (!code)
		return -1;
	if (!strcmp(code, "hours") || !strcmp(code, "小时"))
		return CASE_UNIT_HOURS;
	if (!strcmp(code, "workdays") || !strcmp(code, "工作日"))
		return CASE_UNIT_WORKDAYS;
	return -1;
}

int case_limit_check(case_limit l, gz_err *err)
{
	if (l.unit == CASE_UNIT_HOURS && (l.amount < 1 || l.amount > CASE_LIMIT_MAX_HOURS))
		return gz_err_set(err, GZ_EINVALID, "invalid_limit", "小时数应为 1 到 %d",
		                  CASE_LIMIT_MAX_HOURS);
	if (l.unit == CASE_UNIT_WORKDAYS && (l.amount < 1 || l.amount > CASE_LIMIT_MAX_DAYS))
		return gz_err_set(err, GZ_EINVALID, "invalid_limit", "工作日数应为 1 到 %d",
		                  CASE_LIMIT_MAX_DAYS);
	if (l.unit != CASE_UNIT_HOURS && l.unit != CASE_UNIT_WORKDAYS)
		return gz_err_set(err, GZ_EINVALID, "invalid_limit", "单位应为 hours 或 workdays");
	return 0;
}

/* What each action needs: a note (reason or feedback), and which other fields it takes. */
enum {
	NEED_NOTE = 1,
	TAKES_ORG = 2,
	TAKES_USER = 4,
	NEED_TARGET = 8,
	NEED_RATING = 16,
	NEED_EXTENSION = 32
};
static const unsigned needs[CA__COUNT] = {
    [CA_REJECT] = NEED_NOTE,
    [CA_MERGE] = NEED_TARGET,
    [CA_SELF_HANDLE] = NEED_NOTE,
    [CA_DISPATCH] = TAKES_ORG | TAKES_USER,
    [CA_RETURN] = NEED_NOTE,
    [CA_HANDLE] = NEED_NOTE,
    [CA_REQUEST_EXTENSION] = NEED_NOTE | NEED_EXTENSION,
    [CA_ESCALATE] = NEED_NOTE | TAKES_ORG,
    [CA_REWORK] = NEED_NOTE,
    [CA_RATE] = NEED_RATING,
    [CA_REOPEN] = NEED_NOTE,
};

int case_action_check_input(case_action a, const case_action_input *in, gz_err *err)
{
	if ((unsigned)a >= CA__COUNT) {
		gz_err_field(err, "action", "未知的操作");
		return gz_json_check(err);
	}
	unsigned n = needs[a];
	if ((n & NEED_NOTE) && (!in->note || !*in->note))
		gz_err_field(err, "note", "「%s」需要填写%s", case_action_label(a),
		             a == CA_HANDLE || a == CA_SELF_HANDLE ? "处置情况" : "理由");
	if (in->org_id && !(n & TAKES_ORG))
		gz_err_field(err, "org", "「%s」不指定单位", case_action_label(a));
	if (in->user_id && !(n & TAKES_USER))
		gz_err_field(err, "user", "「%s」不指定人员", case_action_label(a));
	if ((n & NEED_TARGET) && !in->target_id)
		gz_err_field(err, "target", "必填：合并到的诉求编号");
	if (!(n & NEED_TARGET) && in->target_id)
		gz_err_field(err, "target", "只有合并时填写");
	if (n & NEED_RATING) {
		if (in->satisfaction == CASE_SAT_NONE)
			gz_err_field(err, "satisfaction", "必填：满意、基本满意或不满意");
		if (in->resolved < 0)
			gz_err_field(err, "resolved", "必填：问题是否已解决（true/false）");
	} else {
		if (in->satisfaction != CASE_SAT_NONE)
			gz_err_field(err, "satisfaction", "只有评价时填写");
		if (in->resolved >= 0)
			gz_err_field(err, "resolved", "只有评价时填写");
	}
	if (n & NEED_EXTENSION) {
		gz_err e;
		gz_err_clear(&e);
		if (!in->has_extension)
			gz_err_field(
			    err, "extension",
			    "必填：{\"amount\": 数量, \"unit\": \"hours\" 或 \"workdays\"}");
		else if (case_limit_check(in->extension, &e) < 0)
			gz_err_field(err, "extension", "%s", e.message);
	} else if (in->has_extension) {
		gz_err_field(err, "extension", "只有申请延期时填写");
	}
	return gz_json_check(err);
}

/* ------------------------------------------------------------------ rates */

bool case_rate_percent(int64_t num, int64_t den, char out[16])
{
	out[0] = '\0';
	if (den <= 0 || num < 0 || num > den || den > INT64_MAX / 2000)
		return false;
	int64_t tenths = (num * 1000 + den / 2) / den; /* per mille, rounded half up */
	/* tenths is 0..1000: "0.0" .. "100.0" */
	snprintf(out, 16, "%d.%d", (int)(tenths / 10), (int)(tenths % 10));
	return true;
}

/* ------------------------------------------------------------------ steps */

case_step case_step_of(case_state s)
{
	switch (s) {
	case CASE_REPORTED:
		return CASE_STEP_ACCEPT;
	case CASE_ACCEPTED:
		return CASE_STEP_DISPATCH;
	case CASE_DISPATCHED:
	case CASE_ESCALATED:
		return CASE_STEP_SIGN;
	case CASE_SIGNED:
	case CASE_EXTENSION_REQUESTED:
		return CASE_STEP_HANDLE;
	default:
		return CASE_STEP_NONE;
	}
}

static const pair steps[CASE_STEP__COUNT] = {
    [CASE_STEP_NONE] = {"", ""},
    [CASE_STEP_ACCEPT] = {"accept", "受理"},
    [CASE_STEP_DISPATCH] = {"dispatch", "派遣"},
    [CASE_STEP_SIGN] = {"sign", "签收"},
    [CASE_STEP_HANDLE] = {"handle", "处置"},
};
const char *case_step_code(case_step s)
{
	return code_at(steps, CASE_STEP__COUNT, (int)s);
}
const char *case_step_label(case_step s)
{
	return label_at(steps, CASE_STEP__COUNT, (int)s, "");
}

/* ------------------------------------------------------------------ vocabularies */

static const pair types[CASE_TYPE__COUNT] = {
    [CASE_TYPE_CONSULT] = {"consult", "咨询"},       [CASE_TYPE_HELP] = {"help", "求助"},
    [CASE_TYPE_COMPLAINT] = {"complaint", "投诉"},   [CASE_TYPE_TIPOFF] = {"tipoff", "举报"},
    [CASE_TYPE_SUGGESTION] = {"suggestion", "建议"},
};
const char *case_request_type_code(case_request_type t)
{
	return code_at(types, CASE_TYPE__COUNT, (int)t);
}
const char *case_request_type_label(case_request_type t)
{
	return label_at(types, CASE_TYPE__COUNT, (int)t, "");
}
int case_request_type_parse(const char *s)
{
	return parse_at(types, CASE_TYPE__COUNT, s, true);
}

static const pair sources[CASE_SRC__COUNT] = {
    [CASE_SRC_RESIDENT] = {"resident", "居民上报"}, [CASE_SRC_HOTLINE] = {"hotline", "12345热线"},
    [CASE_SRC_PATROL] = {"patrol", "网格巡查"},     [CASE_SRC_ASSIGNED] = {"assigned", "上级交办"},
    [CASE_SRC_OPEN311] = {"open311", "外部系统"},
};
const char *case_source_code(case_source s)
{
	return code_at(sources, CASE_SRC__COUNT, (int)s);
}
const char *case_source_label(case_source s)
{
	return label_at(sources, CASE_SRC__COUNT, (int)s, "");
}
int case_source_parse(const char *s)
{
	return parse_at(sources, CASE_SRC__COUNT, s, true);
}

static const pair kinds[CASE_KIND__COUNT] = {
    [CASE_KIND_EVENT] = {"event", "事件"},
    [CASE_KIND_COMPONENT] = {"component", "部件"},
};
const char *case_kind_code(case_kind k)
{
	return code_at(kinds, CASE_KIND__COUNT, (int)k);
}
const char *case_kind_label(case_kind k)
{
	return label_at(kinds, CASE_KIND__COUNT, (int)k, "");
}
int case_kind_parse(const char *s)
{
	return parse_at(kinds, CASE_KIND__COUNT, s, true);
}
