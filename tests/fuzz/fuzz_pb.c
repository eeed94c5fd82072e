/* The pabulib .pb reader (modules/deliberation/pb_parse.c) and the rules on what it
 * accepts: any input is either rejected with a message naming a line, or read into an
 * instance whose rules keep their contracts — greedy and MES never spend more than the
 * budget, select each project at most once, MES never a free or unapproved project. */
#include "fuzz.h"

#include "modules/deliberation/pb.h"

#include <string.h>

static void check_outcome(const pb_instance *in, pb_rule r)
{
	pb_outcome out;
	gz_err err;
	gz_err_clear(&err);
	FUZZ_CHECK(pb_run(in, r, true, &out, &err) == 0);
	char *seen = calloc(in->nprojects + 1, 1);
	mpz_t sum;
	mpz_init(sum);
	for (size_t i = 0; i < out.nselected; i++) {
		uint32_t p = out.selected[i];
		FUZZ_CHECK(p < in->nprojects && !seen[p]);
		seen[p] = 1;
		mpz_add(sum, sum, in->projects[p].cost);
		if (r == PB_MES)
			FUZZ_CHECK(mpz_sgn(in->projects[p].cost) > 0 &&
			           in->projects[p].approvals > 0);
	}
	FUZZ_CHECK(mpz_cmp(sum, out.cost) == 0);
	FUZZ_CHECK(mpz_cmp(sum, in->budget) <= 0);
	char *json = pb_outcome_json(in, &out, true);
	FUZZ_CHECK(json != NULL);
	free(json);
	free(seen);
	mpz_clear(sum);
	pb_outcome_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gz_err err;
	gz_err_clear(&err);
	pb_instance in;
	if (pb_parse((const char *)data, size, &in, &err) != 0) {
		FUZZ_CHECK(err.kind == GZ_EINVALID && !strcmp(err.code, "invalid_pb"));
		FUZZ_CHECK(!strncmp(err.message, "第 ", strlen("第 ")));
		FUZZ_CHECK(err.nfields == 1 && !strcmp(err.fields[0].name, "line"));
		return 0;
	}
	FUZZ_CHECK(in.nprojects > 0 && in.nvoters > 0);
	check_outcome(&in, PB_GREEDY);
	check_outcome(&in, PB_MES);
	/* mes-add1 runs MES up to floor(B) times: only on small budgets */
	mpz_t limit;
	mpz_init(limit);
	mpz_ui_pow_ui(limit, 10, in.scale);
	mpz_mul_ui(limit, limit, 200);
	if (mpz_cmp(in.budget, limit) <= 0)
		check_outcome(&in, PB_MES_ADD1);
	mpz_clear(limit);
	pb_instance_free(&in);
	return 0;
}
