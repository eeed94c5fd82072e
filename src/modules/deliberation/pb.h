/* Participatory budgets (民生微实事): the pabulib .pb reader and the rules greedy, mes and
 * mes-add1, exactly as ../shared/PB-RULES.md defines them (docs/DELIBERATION.md has the
 * summary). Pure: no I/O; every number is an exact integer or rational (GMP), never a
 * floating-point value.
 *
 * Amounts: the budget and the costs are decimals in the file (969245.38). The reader
 * brings them to one scale: every amount is an integer count of 10^-scale currency units,
 * scale being the most decimals any of them has, so sums and comparisons are integer
 * operations. MES payments are rationals of the same units.
 *
 * Ties are broken by project id in byte order (memcmp, a proper prefix first): "10" < "2". */
#ifndef GZ_MODULES_DELIBERATION_PB_H
#define GZ_MODULES_DELIBERATION_PB_H

#include "core/err.h"

#include <gmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	char *id; /* NUL-terminated copy; id_len bytes (may contain no NUL: see pb_parse) */
	size_t id_len;
	mpz_t cost;       /* 10^-scale units */
	size_t approvals; /* voters whose vote contains it */
	size_t line;      /* its row in the file */
	char *name;       /* the "name" column (trimmed), NULL when the file has none */
} pb_project;

typedef struct {
	mpz_t budget;   /* 10^-scale units */
	unsigned scale; /* decimals of the amounts */
	char *rule;     /* META's rule as written (trimmed), NULL when the file names none */
	size_t nprojects;
	pb_project *projects; /* in file order */
	size_t nvoters;
	/* Voter v approves projects vote_items[vote_start[v] .. vote_start[v+1]) (indices
	 * into projects, each once). */
	size_t *vote_start;
	uint32_t *vote_items;
	/* Project p's approvers: sup_items[sup_start[p] .. sup_start[p+1]) (voter indices,
	 * ascending). */
	size_t *sup_start;
	uint32_t *sup_items;
} pb_instance;

/* Reads a .pb file from buf[0..len). Returns 0 and fills *out (free with
 * pb_instance_free), or -1 with err: kind GZ_EINVALID, code "invalid_pb", a message
 * starting with the line ("第 12 行：…") and the line number as field "line". Every error
 * PB-RULES.md lists is detected: invalid UTF-8; an unterminated quote or text after a
 * closing quote; a missing, repeated or out-of-order section; a missing header; no
 * cost/vote column; vote_type missing or not approval; budget missing or not a number; a
 * cost missing or not a number; an empty or duplicate project id; no projects; no voters;
 * a vote naming an unknown project; a row longer than its header; text before META.
 * Limits (beyond them the file is refused the same way): 2^31 voters, 2^31 projects. */
int pb_parse(const char *buf, size_t len, pb_instance *out, gz_err *err);
void pb_instance_free(pb_instance *in);

/* memcmp order of ids, a proper prefix first. */
int pb_id_cmp(const pb_project *a, const pb_project *b);

typedef enum { PB_GREEDY = 0, PB_MES, PB_MES_ADD1 } pb_rule;

/* "greedy", "mes", "mes-add1" -> 0 and *out; -1 otherwise. */
int pb_rule_parse(const char *name, pb_rule *out);
const char *pb_rule_name(pb_rule r);

/* Why a project ended as it did (explanations for the result page). */
typedef enum {
	PB_HOW_GREEDY = 0,    /* selected by greedy */
	PB_HOW_MES,           /* selected by MES (mes, or the MES part of mes-add1) */
	PB_HOW_COMPLETION,    /* selected by mes-add1's greedy completion */
	PB_WHY_TOO_EXPENSIVE, /* greedy or completion: cost > what was left at its turn */
	PB_WHY_UNAFFORDABLE,  /* MES: its approvers' money fell short of its cost */
	PB_WHY_NOT_CANDIDATE, /* MES: costs 0 or approved by nobody (never an MES candidate) */
} pb_why;

/* One payment group of an MES selection: `voters` approvers paid `amount` each. */
typedef struct {
	mpq_t amount; /* 10^-scale units */
	size_t voters;
} pb_payment;

typedef struct {
	bool selected;
	pb_why why;   /* how it was selected, or why not (the last word: for mes-add1 a project
	                 MES could not afford and the completion could not fit is TOO_EXPENSIVE) */
	size_t order; /* selected: its place in the selection order (0-based) */
	/* Greedy / completion looked at it (had_turn): the budget left at that moment
	 * (10^-scale units); for PB_WHY_TOO_EXPENSIVE that is less than its cost. */
	bool had_turn;
	mpz_t remaining;
	/* mes / mes-add1: what MES did with it: PB_HOW_MES, PB_WHY_UNAFFORDABLE or
	 * PB_WHY_NOT_CANDIDATE. Selected by MES: its price per approver q (10^-scale units;
	 * approvers with less paid all they had), rho = q / cost, and the payment groups,
	 * largest amount first. Unaffordable: `money`, what its approvers had left in total
	 * when that was found, after `after` selections. */
	pb_why mes;
	mpq_t price, rho, money;
	size_t after;
	size_t npayments;
	pb_payment *payments;
} pb_note;

typedef struct {
	pb_rule rule;
	size_t nselected;
	uint32_t *selected; /* project indices, in selection order */
	mpz_t cost;         /* total cost of the selection, 10^-scale units */
	/* MES: the start money per voter of the outcome taken (B/n, or B/n + k for mes-add1),
	 * 10^-scale units. mes-add1: k (whole currency units added per voter), the number of
	 * MES runs the budget increase made, and whether the E <= B shortcut applied. */
	mpq_t per_voter;
	uint64_t k;
	size_t mes_runs;
	bool shortcut;
	size_t mes_selected; /* mes-add1: how many of `selected` came from MES */
	/* With explain: one note per project (index as in the instance), and the voters'
	 * payment history (pb_voter_payments). NULL without. */
	pb_note *notes;
	size_t nnotes;
	void *history;
} pb_outcome;

/* Runs a rule on an instance. explain: also fill notes and the payment history (costs one
 * more MES run for mes-add1). Returns 0 (free *out with pb_outcome_free), -1 with err on
 * a limit (k beyond 2^63). */
int pb_run(const pb_instance *in, pb_rule rule, bool explain, pb_outcome *out, gz_err *err);
void pb_outcome_free(pb_outcome *out);

/* What voter v paid under the MES outcome of an explained run: calls fn(ctx, project,
 * amount) for each payment, in selection order. Returns the number of payments (0 for a
 * greedy outcome or a voter who paid nothing). */
size_t pb_voter_payments(const pb_outcome *out, size_t voter,
                         void (*fn)(void *ctx, uint32_t project, const mpq_t amount), void *ctx);

/* Formats an amount of 10^-scale units as an exact decimal in currency units, without
 * trailing zeros ("995079", "969245.38", "0.5"); a rational that is no finite decimal as
 * "p/q". Returns a malloc'd string. */
char *pb_format_z(const mpz_t v, unsigned scale);
char *pb_format_q(const mpq_t v, unsigned scale);

/* The outcome as JSON text: {"rule","budget","selected":[ids],"cost"} and, with the
 * explanation (the outcome must have been run with explain), "voters", "mes" and
 * "projects". Returns a malloc'd string. */
char *pb_outcome_json(const pb_instance *in, const pb_outcome *out, bool explain);

/* Low-level MES, for tests and the bench: MES with start money per voter start (10^-scale
 * units) on in; fills sel (room for nprojects) and returns how many were selected, sets
 * *cost. */
size_t pb_mes(const pb_instance *in, const mpq_t start, uint32_t *sel, mpz_t cost);

/* ---- writing a round as a .pb file (pb_write.c) ---- */

/* One project of a stored round: its id (digits), name and cost in fen. */
typedef struct {
	const char *id;
	const char *name;
	int64_t cost_fen;
} pb_round_project;

/* The pabulib text of an approval round: META (description, num_projects, num_votes,
 * budget and costs in yuan with two decimals, vote_type approval, rule), PROJECTS
 * (project_id;cost;name;votes) and VOTES (voter_id;vote), voter v approving projects
 * items[start[v] .. start[v+1]) (indices into p). Names are quoted when they hold ';' or
 * '"' (or start or end with white space), line breaks become spaces, so pb_parse reads
 * the text back to the same projects, costs and votes. Returns a malloc'd string. */
char *pb_round_text(const char *description, int64_t budget_fen, const char *rule,
                    const pb_round_project *p, size_t np, const size_t *start,
                    const uint32_t *items, size_t nvoters);

#endif
