/* A PB outcome as JSON, with exact amounts (pb.h). */
#include "core/json.h"
#include "core/mem.h"
#include "modules/deliberation/pb.h"

#include <stdlib.h>
#include <string.h>

/* Frees a string GMP allocated (mpz_get_str and friends with NULL). */
static void gmp_str_free(char *s)
{
	void (*gmp_free)(void *, size_t);
	mp_get_memory_functions(NULL, NULL, &gmp_free);
	gmp_free(s, strlen(s) + 1);
}

/* N / 10^m as decimal text without trailing zeros (N >= 0). */
static char *decimal_text(const mpz_t N, unsigned long m)
{
	char *digits = mpz_get_str(NULL, 10, N);
	size_t nd = strlen(digits);
	/* pad to at least m+1 digits */
	size_t width = nd > m ? nd : m + 1;
	char *s = gz_malloc(width + 2);
	size_t pad = width - nd, o;
	char *all = gz_malloc(width + 1);
	memset(all, '0', pad);
	memcpy(all + pad, digits, nd + 1);
	size_t nint = width - m;
	memcpy(s, all, nint);
	o = nint;
	size_t fend = width;
	while (fend > nint && all[fend - 1] == '0')
		fend--;
	if (fend > nint) {
		s[o++] = '.';
		memcpy(s + o, all + nint, fend - nint);
		o += fend - nint;
	}
	s[o] = '\0';
	free(all);
	gmp_str_free(digits);
	return s;
}

char *pb_format_z(const mpz_t v, unsigned scale)
{
	return decimal_text(v, scale);
}

char *pb_format_q(const mpq_t v, unsigned scale)
{
	/* value = num / (den * 10^scale) */
	mpz_t d, r, N;
	mpz_inits(d, r, N, NULL);
	mpz_ui_pow_ui(d, 10, scale);
	mpz_mul(d, d, mpq_denref(v));
	/* the denominator of the reduced value */
	mpz_gcd(r, d, mpq_numref(v));
	mpz_divexact(d, d, r);
	mpz_divexact(N, mpq_numref(v), r);
	/* count factors 2 and 5 of d */
	mpz_t two, five, rest;
	mpz_init_set_ui(two, 2);
	mpz_init_set_ui(five, 5);
	mpz_init(rest);
	unsigned long e2 = mpz_remove(rest, d, two);
	unsigned long e5 = mpz_remove(rest, rest, five);
	char *s;
	if (mpz_cmp_ui(rest, 1) == 0) {
		unsigned long m = e2 > e5 ? e2 : e5;
		/* N * 10^m / d is an integer */
		mpz_ui_pow_ui(r, 10, m);
		mpz_mul(N, N, r);
		mpz_divexact(N, N, d);
		s = decimal_text(N, m);
	} else {
		char *ns = mpz_get_str(NULL, 10, N), *ds = mpz_get_str(NULL, 10, d);
		size_t nl = strlen(ns), dl = strlen(ds);
		s = gz_malloc(nl + dl + 2);
		memcpy(s, ns, nl);
		s[nl] = '/';
		memcpy(s + nl + 1, ds, dl + 1);
		gmp_str_free(ns);
		gmp_str_free(ds);
	}
	mpz_clears(d, r, N, two, five, rest, NULL);
	return s;
}

static json_t *zjson(const mpz_t v, unsigned scale)
{
	char *s = pb_format_z(v, scale);
	json_t *j = json_string(s);
	free(s);
	return j;
}

static json_t *qjson(const mpq_t v, unsigned scale)
{
	char *s = pb_format_q(v, scale);
	json_t *j = json_string(s);
	free(s);
	return j;
}

static json_t *ratio_json(const mpq_t v)
{
	char *s = mpq_get_str(NULL, 10, v);
	json_t *j = json_string(s);
	gmp_str_free(s);
	return j;
}

static const char *how_name(pb_why w)
{
	switch (w) {
	case PB_HOW_GREEDY:
		return "greedy";
	case PB_HOW_MES:
		return "mes";
	case PB_HOW_COMPLETION:
		return "completion";
	case PB_WHY_TOO_EXPENSIVE:
		return "too_expensive";
	case PB_WHY_UNAFFORDABLE:
		return "unaffordable";
	default:
		return "not_candidate";
	}
}

static json_t *mes_note_json(const pb_note *nt, unsigned scale)
{
	json_t *m = json_object();
	json_object_set_new(m, "status",
	                    json_string(nt->mes == PB_HOW_MES ? "selected" : how_name(nt->mes)));
	if (nt->mes == PB_HOW_MES) {
		json_object_set_new(m, "price", qjson(nt->price, scale));
		json_object_set_new(m, "rho", ratio_json(nt->rho));
		json_object_set_new(m, "after", json_integer((json_int_t)nt->after));
		json_t *pays = json_array();
		for (size_t i = 0; i < nt->npayments; i++) {
			json_t *g = json_object();
			json_object_set_new(g, "amount", qjson(nt->payments[i].amount, scale));
			json_object_set_new(g, "voters",
			                    json_integer((json_int_t)nt->payments[i].voters));
			json_array_append_new(pays, g);
		}
		json_object_set_new(m, "payments", pays);
	} else if (nt->mes == PB_WHY_UNAFFORDABLE) {
		json_object_set_new(m, "supporters_money", qjson(nt->money, scale));
		json_object_set_new(m, "after", json_integer((json_int_t)nt->after));
	}
	return m;
}

char *pb_outcome_json(const pb_instance *in, const pb_outcome *out, bool explain)
{
	json_t *o = json_object();
	json_object_set_new(o, "rule", json_string(pb_rule_name(out->rule)));
	json_object_set_new(o, "budget", zjson(in->budget, in->scale));
	json_t *sel = json_array();
	for (size_t i = 0; i < out->nselected; i++) {
		const pb_project *p = &in->projects[out->selected[i]];
		json_array_append_new(sel, json_stringn(p->id, p->id_len));
	}
	json_object_set_new(o, "selected", sel);
	json_object_set_new(o, "cost", zjson(out->cost, in->scale));
	if (explain && out->notes) {
		json_object_set_new(o, "voters", json_integer((json_int_t)in->nvoters));
		if (out->rule != PB_GREEDY) {
			json_t *m = json_object();
			json_object_set_new(m, "per_voter", qjson(out->per_voter, in->scale));
			if (out->rule == PB_MES_ADD1) {
				json_object_set_new(m, "k", json_integer((json_int_t)out->k));
				json_object_set_new(m, "runs",
				                    json_integer((json_int_t)out->mes_runs));
				json_object_set_new(m, "shortcut", json_boolean(out->shortcut));
				json_object_set_new(m, "selected",
				                    json_integer((json_int_t)out->mes_selected));
			}
			json_object_set_new(o, "mes", m);
		}
		json_t *ps = json_array();
		for (size_t k = 0; k < in->nprojects; k++) {
			const pb_project *p = &in->projects[k];
			const pb_note *nt = &out->notes[k];
			json_t *j = json_object();
			json_object_set_new(j, "id", json_stringn(p->id, p->id_len));
			json_object_set_new(j, "cost", zjson(p->cost, in->scale));
			json_object_set_new(j, "approvals", json_integer((json_int_t)p->approvals));
			json_object_set_new(j, "selected", json_boolean(nt->selected));
			if (nt->selected) {
				json_object_set_new(j, "by", json_string(how_name(nt->why)));
				json_object_set_new(j, "order",
				                    json_integer((json_int_t)nt->order));
			} else {
				json_object_set_new(j, "reason", json_string(how_name(nt->why)));
			}
			if (nt->had_turn)
				json_object_set_new(j, "remaining",
				                    zjson(nt->remaining, in->scale));
			if (out->rule != PB_GREEDY)
				json_object_set_new(j, "mes", mes_note_json(nt, in->scale));
			json_array_append_new(ps, j);
		}
		json_object_set_new(o, "projects", ps);
	}
	char *s = gz_json_dump(o, NULL);
	json_decref(o);
	return s;
}
