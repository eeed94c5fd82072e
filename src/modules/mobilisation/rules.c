/* The pure rules of mobilisation (rules.h): hours, the rotating check-in code, the
 * waitlist, points and the ledger invariants. No I/O; libsodium only for HMAC-SHA-256. */
#include "modules/mobilisation/rules.h"
#include "core/time.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- hours */

int mob_hours_minutes(int64_t start, int64_t end, int64_t in, int64_t out, int64_t *minutes,
                      gz_err *err)
{
	if (end < start)
		return gz_err_set(err, GZ_EINVALID, "invalid_times", "活动结束时间早于开始时间");
	if (out < in)
		return gz_err_set(err, GZ_EINVALID, "invalid_times", "签退时间早于签到时间");
	int64_t lo = in > start ? in : start;
	int64_t hi = out < end ? out : end;
	*minutes = hi > lo ? (hi - lo) / MOB_MINUTE_MS : 0;
	return 0;
}

int mob_close_checkout(int64_t end, int64_t in, int64_t at, int64_t now, int64_t *out, gz_err *err)
{
	int64_t t = at > 0 ? at : end;
	if (t < in || t > now) {
		gz_err_set(err, GZ_EINVALID, "invalid_fields", "签退时间无效");
		gz_err_field(err, "at",
		             t < in ? "不能早于签到时间"
		                    : "不能晚于现在（活动尚未结束时请给出时间）");
		return -1;
	}
	*out = t;
	return 0;
}

int64_t mob_points_for_minutes(int64_t minutes, int64_t points_per_hour)
{
	if (minutes <= 0 || points_per_hour <= 0)
		return 0;
	return minutes * points_per_hour / 60;
}

/* ---------------------------------------------------------------- check-in code */

int64_t mob_code_step(int64_t now)
{
	/* floor division: times before 1970 are not expected, but stay monotonic anyway */
	return now >= 0 ? now / MOB_CODE_STEP_MS
	                : -((-now + MOB_CODE_STEP_MS - 1) / MOB_CODE_STEP_MS);
}

uint32_t mob_code_at(const uint8_t secret[MOB_CODE_SECRET_BYTES], int64_t step)
{
	uint8_t msg[8], mac[crypto_auth_hmacsha256_BYTES];
	uint64_t s = (uint64_t)step;
	for (int i = 7; i >= 0; i--) {
		msg[i] = (uint8_t)(s & 0xff);
		s >>= 8;
	}
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, secret, MOB_CODE_SECRET_BYTES);
	crypto_auth_hmacsha256_update(&st, msg, sizeof msg);
	crypto_auth_hmacsha256_final(&st, mac);
	int off = mac[sizeof mac - 1] & 0x0f;
	uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
	               ((uint32_t)mac[off + 2] << 8) | (uint32_t)mac[off + 3];
	sodium_memzero(mac, sizeof mac);
	return bin % 1000000u;
}

void mob_code_format(uint32_t code, char out[7])
{
	snprintf(out, 7, "%06u", (unsigned)(code % 1000000u));
}

int mob_code_verify(const uint8_t secret[MOB_CODE_SECRET_BYTES], int64_t start, int64_t end,
                    int64_t now, const char *code, int64_t last_step, int64_t *step, gz_err *err)
{
	uint32_t want = 0;
	int n = 0;
	for (; code && code[n]; n++) {
		if (code[n] < '0' || code[n] > '9' || n == 6)
			break;
		want = want * 10 + (uint32_t)(code[n] - '0');
	}
	if (!code || n != 6 || code[n]) {
		gz_err_set(err, GZ_EINVALID, "invalid_fields", "签到码应为 6 位数字");
		gz_err_field(err, "code", "应为 6 位数字");
		return -1;
	}
	if (now < start - MOB_CODE_WINDOW_MS || now > end + MOB_CODE_WINDOW_MS)
		return gz_err_set(err, GZ_EINVALID, "outside_window",
		                  "不在签到时间内（活动开始前 %lld 分钟至结束后 %lld 分钟）",
		                  (long long)(MOB_CODE_WINDOW_MS / MOB_MINUTE_MS),
		                  (long long)(MOB_CODE_WINDOW_MS / MOB_MINUTE_MS));
	int64_t cur = mob_code_step(now);
	for (int64_t s = cur; s >= cur - 1; s--) {
		if (mob_code_at(secret, s) != want)
			continue;
		if (s <= last_step)
			return gz_err_set(err, GZ_ECONFLICT, "code_used",
			                  "这个签到码您已经用过，请等组织者屏幕上的下一个签到码");
		*step = s;
		return 0;
	}
	for (int64_t s = cur - 2; s >= cur - 1 - MOB_CODE_EXPIRED_STEPS; s--)
		if (mob_code_at(secret, s) == want)
			return gz_err_set(err, GZ_EINVALID, "code_expired",
			                  "签到码已过期，请输入组织者屏幕上当前的签到码");
	return gz_err_set(err, GZ_EINVALID, "code_wrong", "签到码不正确");
}

/* ---------------------------------------------------------------- sign-up and waitlist */

static const struct {
	const char *code, *label;
} signup_statuses[MOB_SIGNUP__COUNT] = {
    [MOB_SIGNUP_CONFIRMED] = {"confirmed", "已报名"},
    [MOB_SIGNUP_WAITLISTED] = {"waitlisted", "候补"},
    [MOB_SIGNUP_CANCELLED] = {"cancelled", "已取消"},
    [MOB_SIGNUP_NO_SHOW] = {"no_show", "未到场"},
    [MOB_SIGNUP_ATTENDED] = {"attended", "已完成"},
};

const char *mob_signup_status_code(mob_signup_status s)
{
	return (unsigned)s < MOB_SIGNUP__COUNT ? signup_statuses[s].code : "";
}

const char *mob_signup_status_label(mob_signup_status s)
{
	return (unsigned)s < MOB_SIGNUP__COUNT ? signup_statuses[s].label : "";
}

int mob_signup_status_parse(const char *s)
{
	for (int i = 0; s && i < MOB_SIGNUP__COUNT; i++)
		if (!strcmp(s, signup_statuses[i].code))
			return i;
	return -1;
}

mob_signup_status mob_signup_new_status(int64_t slots, int64_t confirmed)
{
	return confirmed < slots ? MOB_SIGNUP_CONFIRMED : MOB_SIGNUP_WAITLISTED;
}

int mob_waitlist_promote(int64_t slots, int64_t confirmed, const int64_t *waiting, int n,
                         int *promote)
{
	int64_t free_slots = slots - confirmed;
	int k = 0;
	/* Selection of the earliest sequence numbers, one at a time: the waitlist is short
	 * (bounded by the sign-ups of one activity) and free_slots usually 1. */
	while (k < free_slots && k < n) {
		int best = -1;
		for (int i = 0; i < n; i++) {
			bool taken = false;
			for (int j = 0; j < k && !taken; j++)
				taken = promote[j] == i;
			if (!taken && (best < 0 || waiting[i] < waiting[best]))
				best = i;
		}
		promote[k++] = best;
	}
	return k;
}

/* ---------------------------------------------------------------- points ledger */

static const char *const acct_kinds[MOB_ACCT__COUNT] = {
    [MOB_ACCT_MEMBER] = "member",
    [MOB_ACCT_ISSUER] = "issuer",
    [MOB_ACCT_STORE] = "store",
};

const char *mob_acct_kind_code(mob_acct_kind k)
{
	return (unsigned)k < MOB_ACCT__COUNT ? acct_kinds[k] : "";
}

int mob_acct_kind_parse(const char *s)
{
	for (int i = 0; s && i < MOB_ACCT__COUNT; i++)
		if (!strcmp(s, acct_kinds[i]))
			return i;
	return -1;
}

bool mob_acct_may_go_negative(mob_acct_kind k)
{
	return k == MOB_ACCT_ISSUER;
}

int mob_movement_check(const mob_leg *legs, int n, gz_err *err)
{
	if (n < 2)
		return gz_err_set(err, GZ_EINTERNAL, "ledger_unbalanced",
		                  "积分变动至少要有两笔分录");
	int64_t sum = 0;
	for (int i = 0; i < n; i++) {
		if (legs[i].amount == 0 || legs[i].amount > MOB_POINTS_MAX ||
		    legs[i].amount < -MOB_POINTS_MAX)
			return gz_err_set(err, GZ_EINTERNAL, "ledger_unbalanced",
			                  "积分分录金额无效");
		for (int j = 0; j < i; j++)
			if (legs[j].account == legs[i].account)
				return gz_err_set(err, GZ_EINTERNAL, "ledger_unbalanced",
				                  "同一账户在一次变动中出现两次");
		sum += legs[i].amount;
	}
	if (sum != 0)
		return gz_err_set(err, GZ_EINTERNAL, "ledger_unbalanced",
		                  "积分变动借贷不平衡（合计 %lld）", (long long)sum);
	return 0;
}

int mob_movement_apply(const mob_leg *legs, int n, const int64_t *before, const bool *may_neg,
                       int64_t *after, gz_err *err)
{
	if (mob_movement_check(legs, n, err) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		int64_t b = before[i] + legs[i].amount;
		if (b > MOB_POINTS_MAX || b < -MOB_POINTS_MAX * 1000)
			return gz_err_set(err, GZ_EINVALID, "points_out_of_range",
			                  "积分余额超出范围");
		if (b < 0 && !may_neg[i]) {
			gz_err_set(err, GZ_ECONFLICT, "insufficient_points",
			           "积分不足：余额 %lld，需要 %lld", (long long)before[i],
			           (long long)-legs[i].amount);
			gz_err_field(err, "points", "余额不足");
			return -1;
		}
		after[i] = b;
	}
	return 0;
}

void mob_check_init(mob_ledger_check *c)
{
	memset(c, 0, sizeof *c);
	c->cur_account = -1;
}

static void example(mob_ledger_check *c, int which, int64_t id)
{
	if (c->nexamples[which] < MOB_CHECK_EXAMPLES)
		c->examples[which][c->nexamples[which]++] = id;
}

void mob_check_entry(mob_ledger_check *c, int64_t account, int64_t entry_id, int64_t amount,
                     int64_t balance_after, bool may_neg)
{
	if (account != c->cur_account) {
		c->cur_account = account;
		c->cur_sum = 0;
		c->cur_negative = false;
	}
	c->entries++;
	c->total += amount;
	c->cur_sum += amount;
	if (balance_after != c->cur_sum) {
		c->running_mismatch++;
		example(c, 2, entry_id);
	}
	if (c->cur_sum < 0 && !may_neg && !c->cur_negative) {
		c->cur_negative = true;
		c->negative++;
		example(c, 3, account);
	}
}

void mob_check_account(mob_ledger_check *c, int64_t account, int64_t balance, bool may_neg)
{
	int64_t derived = account == c->cur_account ? c->cur_sum : 0;
	bool went_negative = account == c->cur_account && c->cur_negative;
	c->accounts++;
	if (balance != derived) {
		c->balance_mismatch++;
		example(c, 1, account);
	}
	if (balance < 0 && !may_neg && !went_negative) {
		c->negative++;
		example(c, 3, account);
	}
	c->cur_account = -1;
	c->cur_sum = 0;
	c->cur_negative = false;
}

void mob_check_movement(mob_ledger_check *c, int64_t movement, int64_t nentries, int64_t sum)
{
	c->movements++;
	if (nentries < 2 || sum != 0) {
		c->unbalanced++;
		example(c, 0, movement);
	}
}

bool mob_check_ok(const mob_ledger_check *c)
{
	return c->total == 0 && !c->unbalanced && !c->balance_mismatch && !c->running_mismatch &&
	       !c->negative;
}

/* ---------------------------------------------------------------- store */

int mob_redeem_check(int64_t price, int64_t stock, int64_t quantity, int64_t balance, int64_t *cost,
                     gz_err *err)
{
	if (quantity < 1 || quantity > MOB_REDEEM_MAX) {
		gz_err_set(err, GZ_EINVALID, "invalid_fields", "兑换数量无效");
		gz_err_field(err, "quantity", "应为 1 到 %d", MOB_REDEEM_MAX);
		return -1;
	}
	if (stock < quantity) {
		gz_err_set(err, GZ_ECONFLICT, "out_of_stock", "库存不足：剩余 %lld 件",
		           (long long)(stock > 0 ? stock : 0));
		gz_err_field(err, "quantity", "库存不足");
		return -1;
	}
	int64_t c = price * quantity;
	if (balance < c) {
		gz_err_set(err, GZ_ECONFLICT, "insufficient_points",
		           "积分不足：需要 %lld 分，余额 %lld 分", (long long)c,
		           (long long)balance);
		gz_err_field(err, "points", "余额不足");
		return -1;
	}
	*cost = c;
	return 0;
}

/* ---------------------------------------------------------------- Party member points */

static const struct {
	const char *code, *label;
	int64_t def, min;
} pp_rules[MOB_PP_RULE__COUNT] = {
    [MOB_PP_BASE] = {"base", "基础分（每年）", 60, 0},
    [MOB_PP_SERVICE_HOUR] = {"service_hour", "每志愿服务小时", 2, 0},
    [MOB_PP_DUTY] = {"duty", "每次双报到履职", 5, 0},
    [MOB_PP_MEETING] = {"meeting", "每次参加组织生活", 3, 0},
    [MOB_PP_DEDUCTION_MAX] = {"deduction_max", "单次扣分上限", 20, 1},
};

void mob_pp_rules_default(mob_pp_rules *r)
{
	for (int i = 0; i < MOB_PP_RULE__COUNT; i++)
		r->v[i] = pp_rules[i].def;
}

const char *mob_pp_rule_code(mob_pp_rule r)
{
	return (unsigned)r < MOB_PP_RULE__COUNT ? pp_rules[r].code : NULL;
}

const char *mob_pp_rule_label(mob_pp_rule r)
{
	return (unsigned)r < MOB_PP_RULE__COUNT ? pp_rules[r].label : NULL;
}

int mob_pp_rule_parse(const char *code)
{
	for (int i = 0; code && i < MOB_PP_RULE__COUNT; i++)
		if (!strcmp(pp_rules[i].code, code))
			return i;
	return -1;
}

int mob_pp_rule_check(mob_pp_rule r, int64_t v, gz_err *err)
{
	if ((unsigned)r >= MOB_PP_RULE__COUNT)
		return -1;
	if (v < pp_rules[r].min || v > MOB_PP_POINTS_MAX) {
		gz_err_field(err, pp_rules[r].code, "应为 %lld–%d 的整数",
		             (long long)pp_rules[r].min, MOB_PP_POINTS_MAX);
		return -1;
	}
	return 0;
}

void mob_pp_compute(const mob_pp_rules *r, const mob_pp_tally *t, mob_pp_points *o)
{
	o->base = r->v[MOB_PP_BASE];
	o->service = mob_points_for_minutes(t->service_minutes, r->v[MOB_PP_SERVICE_HOUR]);
	o->duty = (t->duties > 0 ? t->duties : 0) * r->v[MOB_PP_DUTY];
	o->meeting = (t->meetings > 0 ? t->meetings : 0) * r->v[MOB_PP_MEETING];
	o->deduction = t->deductions > 0 ? t->deductions : 0;
	int64_t sum = o->base + o->service + o->duty + o->meeting - o->deduction;
	o->total = sum > 0 ? sum : 0;
}

static const struct {
	const char *code, *label;
} pp_kinds[MOB_PP_KIND__COUNT] = {
    [MOB_PP_KIND_DUTY] = {"duty", "双报到履职"},
    [MOB_PP_KIND_MEETING] = {"meeting", "组织生活"},
    [MOB_PP_KIND_DEDUCTION] = {"deduction", "扣分"},
};

const char *mob_pp_kind_code(mob_pp_kind k)
{
	return (unsigned)k < MOB_PP_KIND__COUNT ? pp_kinds[k].code : NULL;
}

const char *mob_pp_kind_label(mob_pp_kind k)
{
	return (unsigned)k < MOB_PP_KIND__COUNT ? pp_kinds[k].label : NULL;
}

int mob_pp_kind_parse(const char *code)
{
	for (int i = 0; code && i < MOB_PP_KIND__COUNT; i++)
		if (!strcmp(pp_kinds[i].code, code))
			return i;
	return -1;
}

int mob_pp_entry_check(const mob_pp_rules *r, const char *kind, int64_t points, bool has_reason,
                       int64_t *points_out, gz_err *err)
{
	int k = mob_pp_kind_parse(kind);
	*points_out = 0;
	if (k < 0) {
		gz_err_field(err, "kind",
		             "应为 duty（双报到履职）、meeting（组织生活）、"
		             "deduction（扣分）之一");
		return -1;
	}
	if (k != MOB_PP_KIND_DEDUCTION) {
		if (points >= 0) {
			gz_err_field(err, "points", "履职与组织生活的分值由支部规则计算，不填");
			return -1;
		}
		return k;
	}
	int bad = 0;
	if (points < 1 || points > r->v[MOB_PP_DEDUCTION_MAX]) {
		gz_err_field(err, "points", "扣分应为 1–%lld 分",
		             (long long)r->v[MOB_PP_DEDUCTION_MAX]);
		bad = 1;
	}
	if (!has_reason) {
		gz_err_field(err, "reason", "扣分必须写明原因");
		bad = 1;
	}
	if (bad)
		return -1;
	*points_out = points;
	return k;
}

void mob_pp_year_range(int year, int64_t *from, int64_t *to)
{
	*from = gz_time_days_from_civil(year, 1, 1) * MOB_DAY_MS - 8 * MOB_HOUR_MS;
	*to = gz_time_days_from_civil(year + 1, 1, 1) * MOB_DAY_MS - 8 * MOB_HOUR_MS;
}

static int rank_cmp(const void *pa, const void *pb)
{
	const mob_pp_rank_row *a = pa, *b = pb;
	if (a->total != b->total)
		return a->total > b->total ? -1 : 1;
	if (a->service_minutes != b->service_minutes)
		return a->service_minutes > b->service_minutes ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

void mob_pp_rank(mob_pp_rank_row *rows, size_t n)
{
	if (n > 1)
		qsort(rows, n, sizeof rows[0], rank_cmp);
	for (size_t i = 0; i < n; i++)
		rows[i].rank =
		    i > 0 && rows[i].total == rows[i - 1].total ? rows[i - 1].rank : (int64_t)i + 1;
}

/* ---------------------------------------------------------------- codes and labels */

static const struct {
	const char *group, *code, *label;
} labels[] = {
    {"activity_kind", "volunteer", "志愿活动"},
    {"activity_kind", "party", "党员活动"},
    {"activity_status", "open", "报名中"},
    {"activity_status", "confirmed", "已确认时长"},
    {"activity_status", "cancelled", "已取消"},
    {"record_kind", "service", "志愿服务"},
    {"record_kind", "training", "培训"},
    {"record_kind", "award", "表彰"},
    {"record_kind", "correction", "更正"},
    {"movement_kind", "earn", "获得"},
    {"movement_kind", "redeem", "兑换"},
    {"movement_kind", "refund", "退还"},
    {"movement_kind", "adjust", "调整"},
    {"movement_kind", "correct", "更正"},
    {"rule", "service_hour", "每服务小时"},
    {"rule", "need_completed", "完成一项需求"},
    {"rule", "topic_participation", "参与一次议题"},
    {"rule", "vote", "参加一次表决"},
    {"redemption_status", "pending", "待领取"},
    {"redemption_status", "picked_up", "已领取"},
    {"redemption_status", "cancelled", "已取消"},
    {"stock_kind", "initial", "初始库存"},
    {"stock_kind", "replenish", "补货"},
    {"stock_kind", "donation", "捐赠"},
    {"stock_kind", "redeem", "兑换"},
    {"stock_kind", "cancel", "兑换取消"},
};

const char *mob_label(const char *group, const char *code)
{
	for (size_t i = 0; group && code && i < sizeof labels / sizeof labels[0]; i++)
		if (!strcmp(labels[i].group, group) && !strcmp(labels[i].code, code))
			return labels[i].label;
	return NULL;
}

/* ---------------------------------------------------------------- certificate */

void mob_certificate_number(int year, int64_t serial, char out[24])
{
	snprintf(out, 24, "ZYZM-%04d-%08lld", year % 10000, (long long)(serial % 100000000));
}
