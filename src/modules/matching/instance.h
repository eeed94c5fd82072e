/* Matching instances and results as JSON (issue 11, item 5): what `gongzhi match`
 * reads and writes, and what the server will build from its data.
 *
 *   {"B":1000,"lambda":300,
 *    "needs":[{"id":"n1","skill":"陪诊","x":120,"y":-340,"w":3}],
 *    "providers":[{"id":"p1","skills":["陪诊","助餐"],"x":0,"y":0,"radius":2000,"cap":3}]}
 *
 * x, y, radius in metres on a local plane, all integers; ids unique among needs and
 * among providers; skills non-empty strings, interned to the engine's integer ids.
 * The result: {"objective":-2639,"pairs":[["n1","p1"]]}, pairs in need order. */
#ifndef GZ_MODULES_MATCHING_INSTANCE_H
#define GZ_MODULES_MATCHING_INSTANCE_H

#include "core/err.h"
#include "modules/matching/engine.h"

#include <jansson.h>
#include <stdbool.h>

/* Largest instance document accepted (bytes). */
#define MATCH_MAX_JSON (16u * 1024 * 1024)
/* Bounds of the other numbers: B, lambda and w (their products are checked by the
 * engine), a radius (10^7 km reaches across any plane in range), a capacity. */
#define MATCH_MAX_WEIGHT 1000000000000LL
#define MATCH_MAX_RADIUS 10000000000LL
#define MATCH_MAX_CAP    1000000000LL
/* Longest id and skill (characters). */
#define MATCH_MAX_ID    200
#define MATCH_MAX_SKILL 100

typedef struct match_instance {
	match_problem p; /* points into the arrays below */
	match_need *needs;
	match_provider *providers;
	int32_t *skills;       /* the providers' skills, provider by provider */
	const char **need_ids; /* strings owned by doc */
	const char **provider_ids;
	const char **skill_names; /* interned id -> name */
	int32_t nskill_names;
	json_t *doc;
} match_instance;

/* Parses and checks an instance document. Returns 0 with *in filled (free it with
 * match_instance_free), or -1 with err set: 400 "invalid_json" and kin (the parser),
 * 422 "invalid_fields" with a reason per field ("needs[3].x": "应为整数", "providers[1].id":
 * "与 providers[0] 重复", ...), or the engine's own checks (match_check). On error
 * nothing is left allocated. */
int match_instance_parse(const char *buf, size_t len, match_instance *in, gz_err *err);
void match_instance_free(match_instance *in);

/* The result document of r solved from in: {"objective", "pairs"}; with explain also
 * "parts" (distance, load, priority: objective = distance + load - priority),
 * "reasons" (per pair: need, provider, skill, distance, the provider's load, w and
 * B * w) and "stats". New reference. */
json_t *match_result_json(const match_instance *in, const match_result *r, bool explain);

#endif
