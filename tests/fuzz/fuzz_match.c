/* Matching instances (modules/matching/instance.c, `gongzhi match`): any bytes through
 * match_instance_parse; an instance it accepts is solved (with a small pair limit, so
 * every input stays fast) and the answer checked: its pairs are allowed and
 * match_evaluate recomputes the same objective, the parts add up, the loads are the
 * pairs' counts, and the result document lists the pairs' ids in need order. */
#include "fuzz.h"

#include "modules/matching/instance.h"

#include <string.h>

static void check_result(const match_instance *in, const match_result *r)
{
	FUZZ_CHECK(r->objective == r->distance + r->load_cost - r->priority);
	FUZZ_CHECK(r->npairs <= in->p.nneeds);
	int32_t(*pairs)[2] = calloc((size_t)r->npairs + 1, sizeof *pairs);
	int64_t *load = calloc((size_t)in->p.nproviders + 1, sizeof *load);
	for (int32_t k = 0; k < r->npairs; k++) {
		FUZZ_CHECK(k == 0 || r->pairs[k - 1].need < r->pairs[k].need);
		pairs[k][0] = r->pairs[k].need;
		pairs[k][1] = r->pairs[k].provider;
		load[r->pairs[k].provider]++;
	}
	for (int32_t j = 0; j < in->p.nproviders; j++)
		FUZZ_CHECK(load[j] == r->load[j]);
	gz_err err;
	gz_err_clear(&err);
	int64_t obj = 0;
	FUZZ_CHECK(match_evaluate(&in->p, (const int32_t(*)[2])pairs, r->npairs, &obj, &err) == 0);
	FUZZ_CHECK(obj == r->objective);
	/* No pair is worth less than nothing: the empty matching scores 0. */
	FUZZ_CHECK(r->objective <= 0);
	json_t *doc = match_result_json(in, r, true);
	json_t *jp = json_object_get(doc, "pairs");
	FUZZ_CHECK(json_integer_value(json_object_get(doc, "objective")) == r->objective);
	FUZZ_CHECK((int32_t)json_array_size(jp) == r->npairs);
	for (int32_t k = 0; k < r->npairs; k++) {
		json_t *p = json_array_get(jp, (size_t)k);
		FUZZ_CHECK(!strcmp(json_string_value(json_array_get(p, 0)),
		                   in->need_ids[r->pairs[k].need]));
		FUZZ_CHECK(!strcmp(json_string_value(json_array_get(p, 1)),
		                   in->provider_ids[r->pairs[k].provider]));
	}
	json_decref(doc);
	free(pairs);
	free(load);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gz_err err;
	gz_err_clear(&err);
	match_instance in;
	if (match_instance_parse((const char *)data, size, &in, &err) < 0) {
		FUZZ_CHECK(err.kind == GZ_EBADREQ || err.kind == GZ_EINVALID);
		return 0;
	}
	in.p.max_pairs = 20000;
	match_result r;
	if (match_solve(&in.p, &r, &err) == 0) {
		check_result(&in, &r);
		match_result_free(&r);
	} else
		FUZZ_CHECK(!strcmp(err.code, "match_too_many_pairs") ||
		           !strcmp(err.code, "match_too_large"));
	match_instance_free(&in);
	return 0;
}
