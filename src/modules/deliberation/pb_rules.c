/* The PB rules greedy, mes and mes-add1 (PB-RULES.md), their explanations, and exact
 * formatting of amounts. MES itself is pb_mes.c. */
#include "core/json.h"
#include "core/mem.h"
#include "modules/deliberation/pb_internal.h"

#include <stdlib.h>
#include <string.h>

int pb_rule_parse(const char *name, pb_rule *out)
{
	static const char *const names[] = {"greedy", "mes", "mes-add1"};
	for (int i = 0; i < 3; i++)
		if (name && !strcmp(name, names[i])) {
			*out = (pb_rule)i;
			return 0;
		}
	return -1;
}

const char *pb_rule_name(pb_rule r)
{
	return r == PB_GREEDY ? "greedy" : r == PB_MES ? "mes" : "mes-add1";
}

/* ---- greedy ---------------------------------------------------------------------- */

/* approvals descending, ties by id */
static int greedy_cmp(const void *x, const void *y)
{
	const pb_project *a = *(pb_project *const *)x, *b = *(pb_project *const *)y;
	if (a->approvals != b->approvals)
		return a->approvals > b->approvals ? -1 : 1;
	return pb_id_cmp(a, b);
}

/* Goes down the greedy order with `remaining`, skipping projects already in `taken`,
 * selecting each that fits (appended to out->selected). */
static void greedy_pass(const pb_instance *in, bool *taken, mpz_t remaining, pb_outcome *out,
                        pb_why how)
{
	const pb_project **order = gz_malloc((in->nprojects ? in->nprojects : 1) * sizeof *order);
	for (size_t p = 0; p < in->nprojects; p++)
		order[p] = &in->projects[p];
	qsort(order, in->nprojects, sizeof *order, greedy_cmp);
	for (size_t i = 0; i < in->nprojects; i++) {
		uint32_t p = (uint32_t)(order[i] - in->projects);
		if (taken[p])
			continue;
		pb_note *nt = out->notes ? &out->notes[p] : NULL;
		if (nt) {
			nt->had_turn = true;
			mpz_set(nt->remaining, remaining);
		}
		if (mpz_cmp(in->projects[p].cost, remaining) <= 0) {
			mpz_sub(remaining, remaining, in->projects[p].cost);
			mpz_add(out->cost, out->cost, in->projects[p].cost);
			taken[p] = true;
			if (nt) {
				nt->selected = true;
				nt->why = how;
				nt->order = out->nselected;
			}
			out->selected[out->nselected++] = p;
		} else if (nt) {
			nt->why = PB_WHY_TOO_EXPENSIVE;
		}
	}
	free(order);
}

/* ---- runs ------------------------------------------------------------------------ */

static void notes_init(pb_outcome *out, size_t np)
{
	out->notes = gz_calloc(np ? np : 1, sizeof *out->notes);
	out->nnotes = np;
	for (size_t p = 0; p < np; p++) {
		pb_note *nt = &out->notes[p];
		mpz_init(nt->remaining);
		mpq_init(nt->price);
		mpq_init(nt->rho);
		mpq_init(nt->money);
		nt->why = PB_WHY_TOO_EXPENSIVE;
		nt->mes = PB_WHY_NOT_CANDIDATE;
	}
}

/* Start money per voter B/n + k (k whole currency units), in 10^-scale units. */
static void start_money(const pb_instance *in, const mpz_t k, mpq_t out)
{
	mpz_t unit;
	mpz_init(unit);
	mpz_ui_pow_ui(unit, 10, in->scale);
	mpz_mul(unit, unit, k);
	mpz_mul_ui(unit, unit, (unsigned long)in->nvoters);
	mpz_add(unit, unit, in->budget);
	mpq_set_num(out, unit);
	mpz_set_ui(unit, (unsigned long)in->nvoters);
	mpq_set_den(out, unit);
	mpq_canonicalize(out);
	mpz_clear(unit);
}

/* The MES outcome (sel, n) with its start money, into out (and its notes, history). */
static void take_mes(mes_engine *e, const pb_instance *in, const mpq_t start, pb_outcome *out)
{
	mpq_set(out->per_voter, start);
	if (out->notes) {
		size_t n = mes_run(e, start, out->selected, out->cost, out->notes);
		out->nselected = n;
		for (size_t p = 0; p < in->nprojects; p++)
			out->notes[p].why = out->notes[p].mes; /* not selected: what MES found */
		for (size_t i = 0; i < n; i++) {
			pb_note *nt = &out->notes[out->selected[i]];
			nt->selected = true;
			nt->why = PB_HOW_MES;
			nt->order = i;
		}
		out->history = mes_take_history(e);
	}
	out->mes_selected = out->nselected;
}

static int run_add1(const pb_instance *in, mes_engine *e, pb_outcome *out, gz_err *err)
{
	size_t np = in->nprojects;
	mpz_t E, bfloor, k, cost2;
	mpz_inits(E, bfloor, k, cost2, NULL);
	mpq_t start;
	mpq_init(start);
	for (size_t p = 0; p < np; p++)
		if (in->projects[p].approvals > 0)
			mpz_add(E, E, in->projects[p].cost);
	mpz_ui_pow_ui(bfloor, 10, in->scale);
	mpz_fdiv_q(bfloor, in->budget, bfloor);
	int rc = 0;
	if (mpz_cmp(E, in->budget) <= 0) {
		/* No S_k can overspend: the result is S_floor(B), one run. */
		out->shortcut = true;
		mpz_set(k, bfloor);
		start_money(in, k, start);
		out->nselected = mes_run(e, start, out->selected, out->cost, NULL);
		out->mes_runs = 1;
	} else {
		uint32_t *cur = gz_malloc((np ? np : 1) * sizeof *cur);
		start_money(in, k, start);
		out->nselected = mes_run(e, start, out->selected, out->cost, NULL);
		out->mes_runs = 1;
		for (mpz_set_ui(cost2, 1); mpz_cmp(cost2, bfloor) <= 0;
		     mpz_add_ui(cost2, cost2, 1)) {
			mpz_t c;
			mpz_init(c);
			start_money(in, cost2, start);
			size_t n = mes_run(e, start, cur, c, NULL);
			out->mes_runs++;
			bool over = mpz_cmp(c, in->budget) > 0;
			if (!over) {
				memcpy(out->selected, cur, n * sizeof *cur);
				out->nselected = n;
				mpz_set(out->cost, c);
				mpz_set(k, cost2);
			}
			mpz_clear(c);
			if (over)
				break;
		}
		free(cur);
	}
	if (!mpz_fits_ulong_p(k)) {
		rc = gz_err_set(err, GZ_EINVALID, "pb_limit", "预算增量超出范围");
		goto done;
	}
	out->k = (uint64_t)mpz_get_ui(k);
	start_money(in, k, start);
	mpq_set(out->per_voter, start);
	if (out->notes) /* once more, keeping the explanations */
		take_mes(e, in, start, out);
	out->mes_selected = out->nselected;
	/* Completion: greedy on what is left. */
	bool *taken = gz_calloc(np ? np : 1, sizeof *taken);
	for (size_t i = 0; i < out->nselected; i++)
		taken[out->selected[i]] = true;
	mpz_sub(cost2, in->budget, out->cost);
	greedy_pass(in, taken, cost2, out, PB_HOW_COMPLETION);
	free(taken);
done:
	mpz_clears(E, bfloor, k, cost2, NULL);
	mpq_clear(start);
	return rc;
}

int pb_run(const pb_instance *in, pb_rule rule, bool explain, pb_outcome *out, gz_err *err)
{
	memset(out, 0, sizeof *out);
	out->rule = rule;
	mpz_init(out->cost);
	mpq_init(out->per_voter);
	size_t np = in->nprojects;
	out->selected = gz_malloc((np ? np : 1) * sizeof *out->selected);
	if (explain)
		notes_init(out, np);
	int rc = 0;
	if (rule == PB_GREEDY) {
		bool *taken = gz_calloc(np ? np : 1, sizeof *taken);
		mpz_t remaining;
		mpz_init_set(remaining, in->budget);
		greedy_pass(in, taken, remaining, out, PB_HOW_GREEDY);
		mpz_clear(remaining);
		free(taken);
		return 0;
	}
	mes_engine *e = mes_new(in);
	if (rule == PB_MES) {
		mpz_t zero;
		mpz_init(zero);
		mpq_t start;
		mpq_init(start);
		start_money(in, zero, start);
		if (explain)
			take_mes(e, in, start, out);
		else
			out->nselected = mes_run(e, start, out->selected, out->cost, NULL);
		mpq_set(out->per_voter, start);
		out->mes_selected = out->nselected;
		out->mes_runs = 1;
		mpq_clear(start);
		mpz_clear(zero);
	} else {
		rc = run_add1(in, e, out, err);
	}
	mes_free(e);
	if (rc < 0) {
		pb_outcome_free(out);
		memset(out, 0, sizeof *out);
	}
	return rc;
}

size_t pb_mes(const pb_instance *in, const mpq_t start, uint32_t *sel, mpz_t cost)
{
	mes_engine *e = mes_new(in);
	size_t n = mes_run(e, start, sel, cost, NULL);
	mes_free(e);
	return n;
}

void pb_outcome_free(pb_outcome *out)
{
	if (!out || !out->selected)
		return;
	for (size_t p = 0; p < out->nnotes; p++) {
		pb_note *nt = &out->notes[p];
		mpz_clear(nt->remaining);
		mpq_clear(nt->price);
		mpq_clear(nt->rho);
		mpq_clear(nt->money);
		for (size_t i = 0; i < nt->npayments; i++)
			mpq_clear(nt->payments[i].amount);
		free(nt->payments);
	}
	free(out->notes);
	free(out->selected);
	mpz_clear(out->cost);
	mpq_clear(out->per_voter);
	mes_history_free(out->history);
	out->selected = NULL;
}

size_t pb_voter_payments(const pb_outcome *out, size_t voter,
                         void (*fn)(void *ctx, uint32_t project, const mpq_t amount), void *ctx)
{
	return out->history ? mes_history_payments(out->history, voter, fn, ctx) : 0;
}
