/* Exact vote tallies: see tally.h for the rules and docs/DELIBERATION.md for the law. */
#include "modules/deliberation/tally.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef __int128 vote_i128;

int vote_frac_cmp(int64_t a, int64_t b, int64_t p, int64_t q)
{
	vote_i128 l = (vote_i128)a * q, r = (vote_i128)b * p;
	return l < r ? -1 : l > r;
}

static bool word_is(const char *s, size_t n, const char *w, bool fold)
{
	size_t k = strlen(w);
	if (n != k)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (fold && c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != w[i])
			return false;
	}
	return true;
}

int vote_choice_parse(const char *s, size_t n, vote_choice *out)
{
	while (n && *s == ' ')
		s++, n--;
	while (n && s[n - 1] == ' ')
		n--;
	static const struct {
		const char *en, *zh;
		vote_choice c;
	} words[] = {
	    {"agree", "同意", VOTE_AGREE},
	    {"oppose", "反对", VOTE_OPPOSE},
	    {"abstain", "弃权", VOTE_ABSTAIN},
	};
	if (n == 0) {
		*out = VOTE_ABSENT;
		return 0;
	}
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (word_is(s, n, words[i].en, true) || word_is(s, n, words[i].zh, false)) {
			*out = words[i].c;
			return 0;
		}
	return -1;
}

const char *vote_choice_name(vote_choice c)
{
	switch (c) {
	case VOTE_AGREE:
		return "agree";
	case VOTE_OPPOSE:
		return "oppose";
	case VOTE_ABSTAIN:
		return "abstain";
	default:
		return "";
	}
}

/* ---- rules ----------------------------------------------------------------------- */

#define T(stage, measure, num, den, strict)                                                        \
	{                                                                                          \
		VOTE_##stage, VOTE_##measure, num, den, strict                                     \
	}

static const vote_rule builtin[] = {
    {VOTE_RULE_OWNERS_GENERAL,
     "owners_general",
     VOTE_ELECTORATE_OWNERS,
     4,
     {T(PARTICIPATION, AREA, 2, 3, false), T(PARTICIPATION, HEADS, 2, 3, false),
      T(APPROVAL, AREA, 1, 2, true), T(APPROVAL, HEADS, 1, 2, true)}},
    {VOTE_RULE_OWNERS_MAJOR,
     "owners_major",
     VOTE_ELECTORATE_OWNERS,
     4,
     {T(PARTICIPATION, AREA, 2, 3, false), T(PARTICIPATION, HEADS, 2, 3, false),
      T(APPROVAL, AREA, 3, 4, false), T(APPROVAL, HEADS, 3, 4, false)}},
    {VOTE_RULE_RESIDENTS_MEETING,
     "residents_meeting",
     VOTE_ELECTORATE_PERSONS,
     2,
     {T(PARTICIPATION, HEADS, 1, 2, true), T(APPROVAL, HEADS, 1, 2, true)}},
    {VOTE_RULE_SIMPLE_MAJORITY,
     "simple_majority",
     VOTE_ELECTORATE_ANY,
     1,
     {T(APPROVAL, HEADS, 1, 2, true)}},
    {VOTE_RULE_TWO_THIRDS, "two_thirds", VOTE_ELECTORATE_ANY, 1, {T(APPROVAL, HEADS, 2, 3, false)}},
};

int vote_rule_builtin(const char *name, vote_rule *out)
{
	for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
		if (name && !strcmp(name, builtin[i].name)) {
			*out = builtin[i];
			return 0;
		}
	return -1;
}

char *vote_frac_format(int64_t num, int64_t den, char buf[48])
{
	snprintf(buf, 48, "%lld/%lld", (long long)num, (long long)den);
	return buf;
}

/* Reads decimal digits s[*i..) as an integer in 1..VOTE_FRAC_MAX. */
static int frac_part(const char *s, size_t n, size_t *i, int64_t *out)
{
	size_t start = *i;
	int64_t v = 0;
	while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
		v = v * 10 + (s[*i] - '0');
		if (v > VOTE_FRAC_MAX)
			return -1;
		(*i)++;
	}
	if (*i == start)
		return -1;
	*out = v;
	return 0;
}

/* One item "heads>=2/3" (spaces allowed around the parts). */
static int parse_item(const char *s, size_t n, vote_stage stage, vote_threshold *t)
{
	size_t i = 0;
	while (i < n && s[i] == ' ')
		i++;
	while (n > i && s[n - 1] == ' ')
		n--;
	t->stage = stage;
	if (n - i >= 5 && !strncmp(s + i, "heads", 5))
		t->measure = VOTE_HEADS, i += 5;
	else if (n - i >= 4 && !strncmp(s + i, "area", 4))
		t->measure = VOTE_AREA, i += 4;
	else
		return -1;
	while (i < n && s[i] == ' ')
		i++;
	if (i + 1 < n && s[i] == '>' && s[i + 1] == '=')
		t->strict = false, i += 2;
	else if (i < n && s[i] == '>')
		t->strict = true, i += 1;
	else
		return -1;
	while (i < n && s[i] == ' ')
		i++;
	if (frac_part(s, n, &i, &t->num) < 0)
		return -1;
	t->den = 1;
	if (i < n && s[i] == '/') {
		i++;
		if (frac_part(s, n, &i, &t->den) < 0)
			return -1;
	}
	if (i != n || t->num == 0 || t->num > t->den || (t->strict && t->num == t->den))
		return -1;
	return 0;
}

static int parse_list(const char *list, vote_stage stage, vote_rule *r, gz_err *err)
{
	if (!list)
		return 0;
	const char *s = list;
	for (;;) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		bool blank = true;
		for (size_t k = 0; k < n; k++)
			blank = blank && s[k] == ' ';
		if (!(blank && !e && s == list)) { /* an empty list is allowed */
			if (r->nthresholds == VOTE_MAX_THRESHOLDS)
				return gz_err_set(err, GZ_EINVALID, "invalid_rule",
				                  "门槛过多（最多 %d 个）", VOTE_MAX_THRESHOLDS);
			if (parse_item(s, n, stage, &r->t[r->nthresholds]) < 0)
				return gz_err_set(
				    err, GZ_EINVALID, "invalid_rule",
				    "门槛「%.*s」无法识别：应为 heads 或 area，接 >= 或 "
				    ">，再接 0 到 1 之间的分数（如 heads>=2/3）",
				    (int)(n > 60 ? 60 : n), s);
			r->nthresholds++;
		}
		if (!e)
			return 0;
		s = e + 1;
	}
}

int vote_rule_custom(const char *participation, const char *approval, vote_rule *out, gz_err *err)
{
	vote_rule r = {
	    .kind = VOTE_RULE_CUSTOM, .name = "custom", .electorate = VOTE_ELECTORATE_ANY};
	if (parse_list(participation, VOTE_PARTICIPATION, &r, err) < 0 ||
	    parse_list(approval, VOTE_APPROVAL, &r, err) < 0)
		return -1;
	if (r.nthresholds == 0)
		return gz_err_set(err, GZ_EINVALID, "invalid_rule", "自定义规则至少需要一个门槛");
	for (int i = 0; i < r.nthresholds; i++)
		if (r.t[i].measure == VOTE_AREA)
			r.electorate = VOTE_ELECTORATE_OWNERS;
	*out = r;
	return 0;
}

/* ---- counting --------------------------------------------------------------------- */

/* qsort has no context argument in C11: the keys are copied next to the index. */
typedef struct {
	const char *key;
	size_t len, index;
} key_ref;

static int key_cmp(const void *a, const void *b)
{
	const key_ref *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->key, y->key, n);
	if (c)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static bool same_key(const key_ref *x, const key_ref *y)
{
	return x->len == y->len && !memcmp(x->key, y->key, x->len);
}

static void note_problem(vote_problem *best, vote_problem_kind kind, size_t index, size_t other)
{
	if (best->kind == VOTE_PROBLEM_NONE || index < best->index ||
	    (index == best->index && kind < best->kind))
		*best = (vote_problem){kind, index, other};
}

static void add_amount(vote_amount *a, int64_t heads, int64_t area)
{
	a->heads += heads;
	a->area += area;
}

int vote_count(const vote_holding *h, size_t n, bool has_area, vote_counts *out, vote_problem *prob)
{
	vote_problem p = {0};
	if (n == 0) {
		*prob = (vote_problem){VOTE_PROBLEM_EMPTY, 0, 0};
		return -1;
	}
	key_ref *k = gz_malloc(n * sizeof *k);

	/* Units: each exactly once. */
	for (size_t i = 0; i < n; i++)
		k[i] = (key_ref){h[i].unit, h[i].unit_len, i};
	qsort(k, n, sizeof *k, key_cmp);
	for (size_t i = 1; i < n; i++)
		if (same_key(&k[i - 1], &k[i]))
			note_problem(&p, VOTE_PROBLEM_DUPLICATE_UNIT, k[i].index, k[i - 1].index);

	/* Owners: one head each, one choice over all their units. */
	vote_counts c = {.has_area = has_area};
	for (size_t i = 0; i < n; i++)
		k[i] = (key_ref){h[i].owner, h[i].owner_len, i};
	qsort(k, n, sizeof *k, key_cmp);
	for (size_t g = 0; g < n;) {
		size_t e = g + 1;
		while (e < n && same_key(&k[g], &k[e]))
			e++;
		/* k[g] is the owner's first holding in input order (ties sorted by index). */
		vote_choice choice = h[k[g].index].choice;
		int64_t area = 0;
		for (size_t j = g; j < e; j++) {
			const vote_holding *x = &h[k[j].index];
			if (x->choice != choice)
				note_problem(&p, VOTE_PROBLEM_OWNER_SPLIT, k[j].index, k[g].index);
			if (has_area) {
				if (x->area < 0 || x->area > VOTE_AREA_SUM_MAX ||
				    area > VOTE_AREA_SUM_MAX - x->area)
					note_problem(&p, VOTE_PROBLEM_TOO_LARGE, k[j].index,
					             k[j].index);
				else
					area += x->area;
			}
		}
		if (c.eligible.area > VOTE_AREA_SUM_MAX - area)
			note_problem(&p, VOTE_PROBLEM_TOO_LARGE, k[e - 1].index, k[e - 1].index);
		else {
			add_amount(&c.eligible, 1, area);
			switch (choice) {
			case VOTE_AGREE:
				add_amount(&c.agree, 1, area);
				break;
			case VOTE_OPPOSE:
				add_amount(&c.oppose, 1, area);
				break;
			case VOTE_ABSTAIN:
				add_amount(&c.abstain, 1, area);
				break;
			default:
				break;
			}
		}
		g = e;
	}
	free(k);
	if (p.kind != VOTE_PROBLEM_NONE) {
		*prob = p;
		return -1;
	}
	c.participating.heads = c.agree.heads + c.oppose.heads + c.abstain.heads;
	c.participating.area = c.agree.area + c.oppose.area + c.abstain.area;
	*out = c;
	*prob = p;
	return 0;
}

/* ---- deciding --------------------------------------------------------------------- */

static int64_t pick(const vote_amount *a, vote_measure m)
{
	return m == VOTE_AREA ? a->area : a->heads;
}

static bool amount_ok(const vote_amount *a)
{
	return a->heads >= 0 && a->area >= 0;
}

int vote_decide(const vote_rule *rule, const vote_counts *c, vote_result *out, gz_err *err)
{
	if (!amount_ok(&c->eligible) || !amount_ok(&c->participating) || !amount_ok(&c->agree) ||
	    !amount_ok(&c->oppose) || !amount_ok(&c->abstain))
		return gz_err_set(err, GZ_EINVALID, "invalid_tally", "计票数不能为负数");
	for (int m = VOTE_HEADS; m <= VOTE_AREA; m++) {
		if (m == VOTE_AREA && !c->has_area)
			continue;
		int64_t part = pick(&c->participating, m);
		if (part > pick(&c->eligible, m))
			return gz_err_set(
			    err, GZ_EINVALID, "invalid_tally", "参与表决的%s超过有表决权的%s",
			    m == VOTE_AREA ? "面积" : "人数", m == VOTE_AREA ? "面积" : "人数");
		if (pick(&c->agree, m) + pick(&c->oppose, m) + pick(&c->abstain, m) != part)
			return gz_err_set(err, GZ_EINVALID, "invalid_tally",
			                  "同意、反对、弃权之和不等于参与表决的%s",
			                  m == VOTE_AREA ? "面积" : "人数");
	}
	vote_result r = {.participation_met = true, .approval_met = true};
	for (int i = 0; i < rule->nthresholds; i++) {
		const vote_threshold *t = &rule->t[i];
		if (t->measure == VOTE_AREA && !c->has_area)
			return gz_err_set(err, GZ_EINVALID, "invalid_tally",
			                  "规则 %s 按专有部分面积计算，但表决名单没有面积",
			                  rule->name);
		if (t->den <= 0 || t->num <= 0 || t->num > t->den ||
		    (t->strict && t->num == t->den))
			return gz_err_set(err, GZ_EINVALID, "invalid_tally", "门槛分数无效");
		vote_check *k = &r.checks[r.nchecks++];
		k->t = *t;
		if (t->stage == VOTE_PARTICIPATION) {
			k->value = pick(&c->participating, t->measure);
			k->base = pick(&c->eligible, t->measure);
		} else {
			k->value = pick(&c->agree, t->measure);
			k->base = pick(&c->participating, t->measure);
		}
		/* value/base >= num/den (or >): value*den >= base*num, exactly. */
		int cmp = k->base > 0 ? vote_frac_cmp(k->value, k->base, t->num, t->den) : -1;
		k->met = k->base > 0 && (t->strict ? cmp > 0 : cmp >= 0);
		if (!k->met) {
			if (t->stage == VOTE_PARTICIPATION)
				r.participation_met = false;
			else
				r.approval_met = false;
		}
	}
	r.passed = r.participation_met && r.approval_met;
	*out = r;
	return 0;
}
