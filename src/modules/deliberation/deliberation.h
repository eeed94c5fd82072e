/* The deliberation module (协商议事, issue 12): votes under the exact legal rules and
 * participatory budgets. What other modules and the command line may call.
 *
 *   tally.h    the vote rules (pure): owners_general, owners_major, residents_meeting,
 *              simple_majority, two_thirds, custom thresholds; exact integer counting
 *   ballots.h  paper ballots from CSV into the tally's holdings
 *   pb.h       participatory budgets: the pabulib .pb reader and the rules greedy, mes,
 *              mes-add1 (PB-RULES.md), exact with GMP rationals
 *
 * docs/DELIBERATION.md describes the rules, formats and tie-breaking. */
#ifndef GZ_MODULES_DELIBERATION_H
#define GZ_MODULES_DELIBERATION_H

#include "api/auth.h"
#include "db/db.h"
#include "domain/policy.h"
#include "modules/deliberation/tally.h"

#include <jansson.h>

/* Its row of the policy table: topics, votes and ballots (assigned at registration). */
extern policy_resource RES_DELIBERATION;

/* The result of a tally as the API and `gongzhi tally` show it:
 *   {"rule","eligible":{"owners","area"},"participating":{…},"agree":{…},
 *    "participation_met","approval_met","passed","thresholds":[…]}
 * "owners" counts heads (owners merged, or persons); "area" is a string with two decimals,
 * or null when the electorate has no area. Each threshold: stage, measure, numerator and
 * denominator (what was measured; strings with two decimals for area), required ("2/3"),
 * comparison ("at_least" = 以上, "more_than" = 过半数/超过) and met. New reference. */
json_t *vote_result_json(const vote_rule *rule, const vote_counts *c, const vote_result *r);

/* gongzhi demo (demo.c): a year of deliberation in each of the n communities (codes),
 * the topics of owners and residents placed in grids[i], a grid of communities[i] with
 * units and residents: seven topics at the stages a year leaves them (closed, evaluation,
 * implementation, a failed vote closed, a vote open, consultation, proposed), with every
 * stage on the record, comments, meetings, votes with frozen electorates, ballots and
 * stored results, tasks and evaluations by the evaluators ev[0..nev) (accounts). Written
 * as actor a (its user id and name on the record), one transaction per community;
 * deterministic in seed apart from the times (backdated from now). *topics and *votes
 * get the counts. Returns 0, or -1 with err. */
typedef struct {
	int64_t user_id;
	const char *username;
} gz_delib_evaluator;
int gz_delib_demo(gz_db *db, const gz_actor *a, const char *const *communities,
                  const char *const *grids, int n, const gz_delib_evaluator *ev, int nev,
                  uint64_t seed, int64_t now, int *topics, int *votes, gz_err *err);

#endif
