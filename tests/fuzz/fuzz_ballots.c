/* Paper ballots (modules/deliberation/ballots.c) and the tally: any CSV is either
 * rejected with a message naming a row, or counted consistently (participants within
 * the eligible, agree within the participants) and decided under every rule it fits. */
#include "fuzz.h"

#include "core/arena.h"
#include "modules/deliberation/ballots.h"
#include "modules/deliberation/deliberation.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gz_arena a;
	gz_arena_init(&a);
	gz_err err;
	gz_err_clear(&err);
	vote_ballots b;
	vote_counts c;
	if (vote_ballots_read_csv((const char *)data, size, VOTE_ELECTORATE_ANY, &a, &b, &err) !=
	        0 ||
	    vote_ballots_count(&b, &c, &err) != 0) {
		FUZZ_CHECK(!strcmp(err.code, "invalid_ballots"));
		FUZZ_CHECK(!strncmp(err.message, "第 ", strlen("第 ")));
		gz_arena_free(&a);
		return 0;
	}
	FUZZ_CHECK(c.participating.heads <= c.eligible.heads);
	FUZZ_CHECK(c.participating.area <= c.eligible.area);
	FUZZ_CHECK(c.agree.heads <= c.participating.heads);
	const char *rules[] = {"owners_general", "owners_major", "residents_meeting",
	                       "simple_majority", "two_thirds"};
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		vote_rule r;
		FUZZ_CHECK(vote_rule_builtin(rules[i], &r) == 0);
		vote_result res;
		int rc = vote_decide(&r, &c, &res, &err);
		if (r.electorate == VOTE_ELECTORATE_OWNERS && !c.has_area)
			FUZZ_CHECK(rc == -1);
		else {
			FUZZ_CHECK(rc == 0);
			FUZZ_CHECK(res.passed == (res.participation_met && res.approval_met));
			json_t *j = vote_result_json(&r, &c, &res);
			FUZZ_CHECK(j != NULL);
			json_decref(j);
		}
	}
	gz_arena_free(&a);
	return 0;
}
