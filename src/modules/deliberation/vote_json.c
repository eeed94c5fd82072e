/* A tally's result as JSON (deliberation.h). */
#include "core/decimal.h"
#include "modules/deliberation/deliberation.h"

static json_t *area_json(const vote_counts *c, int64_t area)
{
	char buf[DECIMAL_FMT_MAX];
	return c->has_area ? json_string(decimal_format(area, buf)) : json_null();
}

static json_t *amount_json(const vote_counts *c, const vote_amount *a)
{
	json_t *o = json_object();
	json_object_set_new(o, "owners", json_integer(a->heads));
	json_object_set_new(o, "area", area_json(c, a->area));
	return o;
}

static json_t *measured_json(vote_measure m, int64_t v)
{
	char buf[DECIMAL_FMT_MAX];
	return m == VOTE_AREA ? json_string(decimal_format(v, buf)) : json_integer(v);
}

json_t *vote_result_json(const vote_rule *rule, const vote_counts *c, const vote_result *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "rule", json_string(rule->name));
	json_object_set_new(o, "eligible", amount_json(c, &c->eligible));
	json_object_set_new(o, "participating", amount_json(c, &c->participating));
	json_object_set_new(o, "agree", amount_json(c, &c->agree));
	json_object_set_new(o, "participation_met", json_boolean(r->participation_met));
	json_object_set_new(o, "approval_met", json_boolean(r->approval_met));
	json_object_set_new(o, "passed", json_boolean(r->passed));
	json_t *th = json_array();
	for (int i = 0; i < r->nchecks; i++) {
		const vote_check *k = &r->checks[i];
		char frac[48];
		json_t *t = json_object();
		json_object_set_new(
		    t, "stage",
		    json_string(k->t.stage == VOTE_PARTICIPATION ? "participation" : "approval"));
		json_object_set_new(t, "measure",
		                    json_string(k->t.measure == VOTE_AREA ? "area" : "owners"));
		json_object_set_new(t, "numerator", measured_json(k->t.measure, k->value));
		json_object_set_new(t, "denominator", measured_json(k->t.measure, k->base));
		json_object_set_new(t, "required",
		                    json_string(vote_frac_format(k->t.num, k->t.den, frac)));
		json_object_set_new(t, "comparison",
		                    json_string(k->t.strict ? "more_than" : "at_least"));
		json_object_set_new(t, "met", json_boolean(k->met));
		json_array_append_new(th, t);
	}
	json_object_set_new(o, "thresholds", th);
	return o;
}
