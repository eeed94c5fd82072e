/* Matching instances and results as JSON (instance.h). Parsing uses the project's JSON
 * helpers (core/json.h: depth limit, UTF-8, duplicate keys and "\u0000" refused, the
 * field getters); each array item's getters run against a scratch error whose reasons
 * are filed under "needs[3].x", so a caller sees every bad field at once. */
#include "modules/matching/instance.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void match_instance_free(match_instance *in)
{
	free(in->needs);
	free(in->providers);
	free(in->skills);
	free(in->need_ids);
	free(in->provider_ids);
	free(in->skill_names);
	json_decref(in->doc);
	memset(in, 0, sizeof *in);
}

/* Files item's field reasons under "array[i].field". */
static void file_fields(gz_err *err, const gz_err *item, const char *array, size_t i)
{
	for (int f = 0; f < item->nfields; f++) {
		char name[160];
		snprintf(name, sizeof name, "%s[%zu].%s", array, i, item->fields[f].name);
		gz_err_field(err, name, "%s", item->fields[f].why);
	}
}

static void item_field(gz_err *err, const char *array, size_t i, const char *field, const char *why)
{
	char name[160];
	if (field)
		snprintf(name, sizeof name, "%s[%zu].%s", array, i, field);
	else
		snprintf(name, sizeof name, "%s[%zu]", array, i);
	gz_err_field(err, name, "%s", why);
}

/* The interned id of a skill name (new ones get the next id). */
static int32_t intern(match_instance *in, json_t *seen, const char *name)
{
	json_t *v = json_object_get(seen, name);
	if (v)
		return (int32_t)json_integer_value(v);
	int32_t id = in->nskill_names++;
	json_object_set_new(seen, name, json_integer(id));
	in->skill_names[id] = name;
	return id;
}

/* An id, checked unique among the array's earlier items (seen: id -> index). */
static void unique_id(gz_err *err, json_t *seen, const char *array, size_t i, const char *id)
{
	json_t *v = json_object_get(seen, id);
	if (v) {
		char why[64];
		snprintf(why, sizeof why, "与 %s[%lld] 重复", array,
		         (long long)json_integer_value(v));
		item_field(err, array, i, "id", why);
	} else
		json_object_set_new(seen, id, json_integer((json_int_t)i));
}

static json_t *array_field(json_t *doc, const char *key, gz_err *err)
{
	json_t *a = json_object_get(doc, key);
	if (!a || json_is_null(a))
		gz_err_field(err, key, "必填");
	else if (!json_is_array(a))
		gz_err_field(err, key, "应为数组");
	else if (json_array_size(a) > MATCH_MAX_ITEMS)
		gz_err_field(err, key, "最多 %d 项", MATCH_MAX_ITEMS);
	else
		return a;
	return NULL;
}

static void parse_needs(match_instance *in, json_t *arr, json_t *skills_seen, gz_err *err)
{
	json_t *ids = json_object();
	size_t i;
	json_t *o;
	json_array_foreach(arr, i, o)
	{
		if (!json_is_object(o)) {
			item_field(err, "needs", i, NULL, "应为对象");
			continue;
		}
		gz_err e;
		gz_err_clear(&e);
		const char *id = NULL, *skill = NULL;
		match_need *n = &in->needs[i];
		gz_json_str(o, "id", GZ_REQUIRED, 1, MATCH_MAX_ID, &id, &e);
		gz_json_str(o, "skill", GZ_REQUIRED, 1, MATCH_MAX_SKILL, &skill, &e);
		gz_json_int(o, "x", GZ_REQUIRED, -MATCH_COORD_MAX, MATCH_COORD_MAX, &n->x, &e);
		gz_json_int(o, "y", GZ_REQUIRED, -MATCH_COORD_MAX, MATCH_COORD_MAX, &n->y, &e);
		gz_json_int(o, "w", GZ_REQUIRED, 0, MATCH_MAX_WEIGHT, &n->w, &e);
		file_fields(err, &e, "needs", i);
		if (id) {
			in->need_ids[i] = id;
			unique_id(err, ids, "needs", i, id);
		}
		if (skill)
			n->skill = intern(in, skills_seen, skill);
	}
	json_decref(ids);
}

static void parse_providers(match_instance *in, json_t *arr, json_t *skills_seen, gz_err *err)
{
	json_t *ids = json_object();
	size_t i, at = 0;
	json_t *o;
	json_array_foreach(arr, i, o)
	{
		if (!json_is_object(o)) {
			item_field(err, "providers", i, NULL, "应为对象");
			continue;
		}
		gz_err e;
		gz_err_clear(&e);
		const char *id = NULL;
		match_provider *v = &in->providers[i];
		gz_json_str(o, "id", GZ_REQUIRED, 1, MATCH_MAX_ID, &id, &e);
		gz_json_int(o, "x", GZ_REQUIRED, -MATCH_COORD_MAX, MATCH_COORD_MAX, &v->x, &e);
		gz_json_int(o, "y", GZ_REQUIRED, -MATCH_COORD_MAX, MATCH_COORD_MAX, &v->y, &e);
		gz_json_int(o, "radius", GZ_REQUIRED, 0, MATCH_MAX_RADIUS, &v->radius, &e);
		gz_json_int(o, "cap", GZ_REQUIRED, 0, MATCH_MAX_CAP, &v->cap, &e);
		file_fields(err, &e, "providers", i);
		if (id) {
			in->provider_ids[i] = id;
			unique_id(err, ids, "providers", i, id);
		}
		json_t *sk = json_object_get(o, "skills");
		if (!sk || json_is_null(sk))
			item_field(err, "providers", i, "skills", "必填");
		else if (!json_is_array(sk))
			item_field(err, "providers", i, "skills", "应为数组");
		else if (json_array_size(sk) == 0)
			item_field(err, "providers", i, "skills", "至少一项");
		else {
			v->skills = in->skills + at;
			size_t k;
			json_t *s;
			json_array_foreach(sk, k, s)
			{
				const char *name = json_string_value(s);
				size_t len = name ? json_string_length(s) : 0;
				char f[32];
				snprintf(f, sizeof f, "skills[%zu]", k);
				if (!json_is_string(s))
					item_field(err, "providers", i, f, "应为字符串");
				else if (len == 0)
					item_field(err, "providers", i, f, "不能为空");
				else if (gz_utf8_len(name, len) > MATCH_MAX_SKILL)
					item_field(err, "providers", i, f, "最多 100 个字符");
				else
					in->skills[at + (size_t)v->nskills++] =
					    intern(in, skills_seen, name);
			}
			at += json_array_size(sk);
		}
	}
	json_decref(ids);
}

int match_instance_parse(const char *buf, size_t len, match_instance *in, gz_err *err)
{
	memset(in, 0, sizeof *in);
	in->doc = gz_json_parse_object(buf, len, err);
	if (!in->doc)
		return -1;
	int64_t B = 0, lambda = 0;
	gz_json_int(in->doc, "B", GZ_REQUIRED, 0, MATCH_MAX_WEIGHT, &B, err);
	gz_json_int(in->doc, "lambda", GZ_REQUIRED, 0, MATCH_MAX_WEIGHT, &lambda, err);
	json_t *needs = array_field(in->doc, "needs", err);
	json_t *provs = array_field(in->doc, "providers", err);
	size_t nn = needs ? json_array_size(needs) : 0, np = provs ? json_array_size(provs) : 0;
	/* Room for every skill string of every provider, and the needs' skills. */
	size_t nsk = 0;
	for (size_t j = 0; j < np; j++)
		nsk += json_array_size(json_object_get(json_array_get(provs, j), "skills"));
	in->needs = gz_calloc(nn + 1, sizeof *in->needs);
	in->need_ids = gz_calloc(nn + 1, sizeof *in->need_ids);
	in->providers = gz_calloc(np + 1, sizeof *in->providers);
	in->provider_ids = gz_calloc(np + 1, sizeof *in->provider_ids);
	in->skills = gz_calloc(nsk + 1, sizeof *in->skills);
	in->skill_names = gz_calloc(nsk + nn + 1, sizeof *in->skill_names);
	json_t *skills_seen = json_object();
	if (needs)
		parse_needs(in, needs, skills_seen, err);
	if (provs)
		parse_providers(in, provs, skills_seen, err);
	json_decref(skills_seen);
	if (gz_json_check(err) < 0) {
		match_instance_free(in);
		return -1;
	}
	in->p = (match_problem){B, lambda, in->needs, (int32_t)nn, in->providers, (int32_t)np, 0};
	if (match_check(&in->p, err) < 0) {
		match_instance_free(in);
		return -1;
	}
	return 0;
}

json_t *match_result_json(const match_instance *in, const match_result *r, bool explain)
{
	json_t *o = json_object(), *pairs = json_array();
	json_object_set_new(o, "objective", json_integer(r->objective));
	for (int32_t k = 0; k < r->npairs; k++)
		json_array_append_new(pairs, json_pack("[ss]", in->need_ids[r->pairs[k].need],
		                                       in->provider_ids[r->pairs[k].provider]));
	json_object_set_new(o, "pairs", pairs);
	if (!explain)
		return o;
	json_object_set_new(o, "parts",
	                    json_pack("{sIsIsI}", "distance", (json_int_t)r->distance, "load",
	                              (json_int_t)r->load_cost, "priority",
	                              (json_int_t)r->priority));
	json_t *reasons = json_array();
	for (int32_t k = 0; k < r->npairs; k++) {
		const match_pair *q = &r->pairs[k];
		const match_need *n = &in->needs[q->need];
		json_array_append_new(
		    reasons,
		    json_pack("{sssssssIsisIsI}", "need", in->need_ids[q->need], "provider",
		              in->provider_ids[q->provider], "skill", in->skill_names[n->skill],
		              "distance", (json_int_t)q->distance, "load", r->load[q->provider],
		              "w", (json_int_t)n->w, "priority", (json_int_t)q->priority));
	}
	json_object_set_new(o, "reasons", reasons);
	json_object_set_new(
	    o, "stats",
	    json_pack("{sIsisIsIsIsI}", "candidate_pairs", (json_int_t)r->stats.nfeasible, "arcs",
	              r->stats.narcs, "phases", (json_int_t)r->stats.phases, "bids",
	              (json_int_t)r->stats.bids, "evictions", (json_int_t)r->stats.evictions,
	              "peak_bytes", (json_int_t)r->stats.peak_bytes));
	return o;
}
