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

#endif
