/* Exact vote tallies under the legal rules (SPEC §3, issue 12 item 3). Pure: no I/O, no
 * floating point; every comparison against a threshold is a cross-multiplication of
 * integers (areas in 0.01 m^2, headcounts), so a vote is never decided by a rounding.
 *
 * The rules (docs/DELIBERATION.md gives the legal text):
 *
 *   owners_general     Civil Code art. 278 items 1-5 and 9: owners holding >= 2/3 of the
 *                      area AND >= 2/3 of the headcount take part ("以上" includes the
 *                      bound); of those taking part, > 1/2 of the area AND > 1/2 of the
 *                      headcount agree ("过半数" excludes it).
 *   owners_major       art. 278 items 6-8: the same participation; >= 3/4 of the
 *                      participating area AND >= 3/4 of the participating headcount agree.
 *   residents_meeting  Organic Law of Urban Residents' Committees: > 1/2 of the eligible
 *                      persons attend; > 1/2 of those present agree.
 *   simple_majority    no quorum; > 1/2 of those voting agree.
 *   two_thirds         no quorum; >= 2/3 of those voting agree.
 *   custom             thresholds given as exact fractions, of headcount and/or area.
 *
 * "Taking part" / "voting" / "present" all mean: cast a ballot, whether agree, oppose or
 * abstain. An abstention counts in the base of the approval share and never as agreement.
 * A threshold measured against an empty base (no one eligible, no one voting) is not met.
 *
 * Headcount (judicial interpretation on building ownership, art. 9): one exclusive part
 * counts as one owner, but one owner holding several parts counts once, and all parts the
 * developer still holds count as one owner — vote_count() merges holdings by owner key, and
 * the developer's holdings carry one key (VOTE_DEVELOPER in the CSV format). */
#ifndef GZ_MODULES_DELIBERATION_TALLY_H
#define GZ_MODULES_DELIBERATION_TALLY_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The owner key of every unit still held by the developer (all of them count as one). */
#define VOTE_DEVELOPER "@developer"

typedef enum {
	VOTE_ABSENT = 0, /* did not take part (empty vote cell) */
	VOTE_AGREE,
	VOTE_OPPOSE,
	VOTE_ABSTAIN,
} vote_choice;

/* Parses a vote cell s[0..n) (ASCII spaces around it ignored): agree / oppose / abstain
 * (ASCII case-insensitive), 同意 / 反对 / 弃权, or empty = VOTE_ABSENT. Returns 0, or -1
 * if the word is none of these (*out untouched). */
int vote_choice_parse(const char *s, size_t n, vote_choice *out);
const char *vote_choice_name(vote_choice c); /* "agree", ..., "" for VOTE_ABSENT */

typedef enum { VOTE_HEADS = 0, VOTE_AREA } vote_measure;
typedef enum { VOTE_PARTICIPATION = 0, VOTE_APPROVAL } vote_stage;

/* One threshold: at stage PARTICIPATION, the participating share of the eligible; at stage
 * APPROVAL, the agreeing share of the participating; measured by headcount or by area.
 * Met when share > num/den (strict, "过半数", "超过") or share >= num/den (not strict,
 * "以上"). 0 < num/den <= 1, and num/den < 1 when strict; num, den <= VOTE_FRAC_MAX. */
typedef struct {
	vote_stage stage;
	vote_measure measure;
	int64_t num, den;
	bool strict;
} vote_threshold;

#define VOTE_FRAC_MAX       INT64_C(1000000)
#define VOTE_MAX_THRESHOLDS 8

typedef enum {
	VOTE_RULE_OWNERS_GENERAL = 0,
	VOTE_RULE_OWNERS_MAJOR,
	VOTE_RULE_RESIDENTS_MEETING,
	VOTE_RULE_SIMPLE_MAJORITY,
	VOTE_RULE_TWO_THIRDS,
	VOTE_RULE_CUSTOM,
} vote_rule_kind;

/* Who votes: owners (units with areas, headcount merged per owner) or persons (one each,
 * no area). VOTE_ELECTORATE_ANY: the rule works on either (its thresholds are headcount
 * only); the input decides. */
typedef enum {
	VOTE_ELECTORATE_OWNERS = 0,
	VOTE_ELECTORATE_PERSONS,
	VOTE_ELECTORATE_ANY
} vote_electorate;

typedef struct {
	vote_rule_kind kind;
	const char *name; /* "owners_general", ... static */
	vote_electorate electorate;
	int nthresholds;
	vote_threshold t[VOTE_MAX_THRESHOLDS];
} vote_rule;

/* The built-in rule of that name ("owners_general", "owners_major", "residents_meeting",
 * "simple_majority", "two_thirds"). Returns 0, or -1 for an unknown name ("custom" is made
 * by vote_rule_custom). */
int vote_rule_builtin(const char *name, vote_rule *out);

/* A custom rule from two lists of thresholds, each "MEASURE OP FRACTION" separated by
 * commas, e.g. participation "area>=2/3,heads>=2/3", approval "heads>1/2". MEASURE is
 * heads or area, OP is >= (以上) or > (超过), FRACTION is p/q (or 1). Either list may be
 * empty or NULL (no threshold at that stage), not both. Any area threshold makes it an
 * owners' rule; otherwise it works on either electorate. Returns 0, or -1 with err
 * (GZ_EINVALID "invalid_rule") naming the bad item. */
int vote_rule_custom(const char *participation, const char *approval, vote_rule *out, gz_err *err);

/* Writes "2/3" etc. into buf. */
char *vote_frac_format(int64_t num, int64_t den, char buf[48]);

typedef struct {
	int64_t heads; /* owners (merged) or persons */
	int64_t area;  /* 0.01 m^2; 0 when the electorate has no area */
} vote_amount;

typedef struct {
	bool has_area;
	vote_amount eligible, participating, agree, oppose, abstain;
} vote_counts;

/* One holding of the electorate: a unit with its owner, area and the owner's ballot. For
 * persons, unit and owner are both the person (area 0). Strings need not be
 * NUL-terminated. */
typedef struct {
	const char *unit;
	size_t unit_len;
	const char *owner;
	size_t owner_len;
	int64_t area; /* 0.01 m^2, > 0 for owners */
	vote_choice choice;
} vote_holding;

typedef enum {
	VOTE_PROBLEM_NONE = 0,
	VOTE_PROBLEM_DUPLICATE_UNIT, /* h[index].unit equals h[other].unit */
	VOTE_PROBLEM_OWNER_SPLIT,    /* h[index].owner voted differently on h[other] */
	VOTE_PROBLEM_EMPTY,          /* no holdings at all */
	VOTE_PROBLEM_TOO_LARGE,      /* sums beyond VOTE_AREA_SUM_MAX */
} vote_problem_kind;

typedef struct {
	vote_problem_kind kind;
	size_t index, other; /* index is the later of the two, other < index */
} vote_problem;

/* Total area bound (0.01 m^2): 10^15 = 10 billion m^2, far above any city. */
#define VOTE_AREA_SUM_MAX INT64_C(1000000000000000)

/* Counts an electorate: holdings merged per owner (one head per distinct owner key; the
 * developer's units are one owner), areas summed exactly. Every unit must appear once and
 * every owner's holdings must carry the same choice. has_area: the holdings are owners'
 * units with areas (else persons, and areas are ignored). Returns 0, or -1 with *prob
 * naming the first offending holding (the smallest index at which a problem shows). */
int vote_count(const vote_holding *h, size_t n, bool has_area, vote_counts *out,
               vote_problem *prob);

/* One threshold as checked: value / base is the measured share (areas in 0.01 m^2). */
typedef struct {
	vote_threshold t;
	int64_t value, base;
	bool met;
} vote_check;

typedef struct {
	int nchecks;
	vote_check checks[VOTE_MAX_THRESHOLDS];
	bool participation_met, approval_met, passed;
} vote_result;

/* Decides a tally under a rule. The counts must be consistent (participating <= eligible,
 * agree + oppose + abstain = participating, all >= 0) and carry areas when a threshold
 * measures area. Returns 0 and fills *out; -1 with err (GZ_EINVALID "invalid_tally") if
 * not. A stage with no threshold is met. */
int vote_decide(const vote_rule *rule, const vote_counts *c, vote_result *out, gz_err *err);

/* Compares a/b with p/q exactly (b, q > 0, all >= 0): <0, 0, >0. */
int vote_frac_cmp(int64_t a, int64_t b, int64_t p, int64_t q);

#endif
