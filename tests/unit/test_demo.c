/* Unit tests for domain/demo.c: the synthetic street behind `gongzhi demo` and
 * `gongzhi gen`. Deterministic (same seed, same bytes; another seed, other data); every
 * ID number and phone valid and unique; names, ages, households and tags plausible;
 * grids tiling their communities without overlaps or gaps (checked with GEOS through
 * domain/geo.h); buildings inside their grids; units and the organisation network
 * consistent with the rules the API enforces (domain/org.h); one account per role. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "modules/accounts/accounts.h"
#include "modules/demo/generate.h"
#include "modules/space/geo.h"
#include "modules/org/rules.h"
#include "modules/people/person.h"
#include "domain/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const person_date TODAY = {2026, 1, 1};

static demo_street *build(uint64_t seed, demo_people **pp)
{
	demo_config c;
	demo_config_demo(&c, seed, TODAY);
	*pp = demo_people_new(seed);
	gz_err err;
	gz_err_clear(&err);
	demo_street *s = demo_street_build(&c, *pp, &err);
	assert_non_null(s);
	return s;
}

/* Shared by most tests: the default demo street (seed 1). */
static demo_street *S;
static demo_people *PP;

static int setup(void **state)
{
	(void)state;
	S = build(1, &PP);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	demo_street_free(S);
	demo_people_free(PP);
	return 0;
}

/* FNV-1a over the street's arrays (all zero-initialised, padding included) and its
 * GeoJSON. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

static uint64_t digest(const demo_street *s, uint64_t seed)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	h = fnv(h, s->code, sizeof s->code);
	h = fnv(h, s->name, sizeof s->name);
	h = fnv(h, s->communities, sizeof *s->communities * (size_t)s->ncommunities);
	h = fnv(h, s->grids, sizeof *s->grids * (size_t)s->ngrids);
	h = fnv(h, s->buildings, sizeof *s->buildings * (size_t)s->nbuildings);
	h = fnv(h, s->units, sizeof *s->units * (size_t)s->nunits);
	h = fnv(h, s->residents, sizeof *s->residents * (size_t)s->nresidents);
	h = fnv(h, s->owners, sizeof *s->owners * (size_t)s->nowners);
	h = fnv(h, s->orgs, sizeof *s->orgs * (size_t)s->norgs);
	h = fnv(h, s->members, sizeof *s->members * (size_t)s->nmembers);
	for (int32_t i = 0; i < s->nagreements; i++) {
		const demo_agreement *a = &s->agreements[i];
		h = fnv(h, a->title, strlen(a->title));
		h = fnv(h, &a->start_ms, sizeof a->start_ms);
		h = fnv(h, &a->end_ms, sizeof a->end_ms);
		for (int k = 0; k < a->ncommitments; k++) {
			h = fnv(h, a->commitments[k].item, strlen(a->commitments[k].item));
			h = fnv(h, &a->commitments[k].quantity, sizeof a->commitments[k].quantity);
		}
	}
	h = fnv(h, s->party, sizeof *s->party * (size_t)s->nparty);
	h = fnv(h, s->accounts, sizeof s->accounts);
	json_t *g = demo_street_geojson(s, seed);
	char *txt = json_dumps(g, JSON_COMPACT);
	h = fnv(h, txt, strlen(txt));
	free(txt);
	json_decref(g);
	return h;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* ---------------------------------------------------------------- small parts */

static void test_demo_rng_same_seed_same_sequence_streams_differ(void **state)
{
	(void)state;
	demo_rng a, b, c;
	demo_rng_init(&a, 42, 1);
	demo_rng_init(&b, 42, 1);
	demo_rng_init(&c, 42, 2);
	int same_c = 0;
	for (int i = 0; i < 1000; i++) {
		uint64_t x = demo_rng_next(&a);
		assert_true(x == demo_rng_next(&b));
		same_c += x == demo_rng_next(&c);
	}
	assert_int_equal(same_c, 0);
}

static void test_demo_rng_below_stays_in_range_and_spreads(void **state)
{
	(void)state;
	demo_rng r;
	demo_rng_init(&r, 7, 0);
	int hist[10] = {0};
	for (int i = 0; i < 100000; i++) {
		uint32_t v = demo_rng_below(&r, 10);
		assert_true(v < 10);
		hist[v]++;
	}
	for (int i = 0; i < 10; i++)
		assert_true(hist[i] > 9500 && hist[i] < 10500);
	assert_int_equal(demo_rng_below(&r, 0), 0);
	assert_int_equal(demo_rng_below(&r, 1), 0);
	for (int i = 0; i < 1000; i++) {
		int v = demo_rng_range(&r, -3, 3);
		assert_true(v >= -3 && v <= 3);
	}
	int yes = 0;
	for (int i = 0; i < 100000; i++)
		yes += demo_rng_chance(&r, 250);
	assert_true(yes > 2200 && yes < 2800);
}

static void test_demo_chinese_numbers(void **state)
{
	(void)state;
	char b[16];
	assert_string_equal(demo_cn_number(1, b, sizeof b), "一");
	assert_string_equal(demo_cn_number(10, b, sizeof b), "十");
	assert_string_equal(demo_cn_number(12, b, sizeof b), "十二");
	assert_string_equal(demo_cn_number(20, b, sizeof b), "二十");
	assert_string_equal(demo_cn_number(48, b, sizeof b), "四十八");
	assert_string_equal(demo_cn_number(100, b, sizeof b), "100");
}

static void test_demo_civil_days_round_trip(void **state)
{
	(void)state;
	assert_int_equal(demo_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(demo_days_from_civil(2000, 3, 1), 11017);
	for (int64_t d = -30000; d < 30000; d += 7) {
		person_date p = demo_civil_from_days(d);
		assert_true(person_date_valid(p.year, p.month, p.day));
		assert_int_equal(demo_days_from_civil(p.year, p.month, p.day), d);
	}
	/* Midnight in Beijing is 16:00 UTC the day before. */
	assert_int_equal(demo_date_ms((person_date){1970, 1, 2}), 16LL * 3600 * 1000);
}

/* ---------------------------------------------------------------- determinism */

static void test_demo_same_seed_gives_the_same_street(void **state)
{
	(void)state;
	demo_people *pp;
	demo_street *again = build(1, &pp);
	assert_int_equal(again->nresidents, S->nresidents);
	assert_int_equal(again->nunits, S->nunits);
	assert_true(digest(again, 1) == digest(S, 1));
	assert_string_equal(again->accounts[ROLE_SYSTEM_ADMIN].password,
	                    S->accounts[ROLE_SYSTEM_ADMIN].password);
	demo_street_free(again);
	demo_people_free(pp);
}

static void test_demo_other_seed_gives_another_street(void **state)
{
	(void)state;
	demo_people *pp;
	demo_street *other = build(2, &pp);
	assert_true(digest(other, 2) != digest(S, 1));
	assert_string_not_equal(other->residents[0].id_number, S->residents[0].id_number);
	assert_string_not_equal(other->accounts[ROLE_SYSTEM_ADMIN].password,
	                        S->accounts[ROLE_SYSTEM_ADMIN].password);
	/* Same layout rules, so the same minimums. */
	assert_true(other->ngrids >= 12 && other->nbuildings >= 60 && other->nunits >= 3000);
	demo_street_free(other);
	demo_people_free(pp);
}

/* ---------------------------------------------------------------- the minimums */

static void test_demo_street_meets_the_minimums(void **state)
{
	(void)state;
	assert_string_equal(S->code, "110105001");
	assert_true(S->ncommunities >= 3);
	assert_true(S->ngrids >= 12);
	assert_true(S->nbuildings >= 60);
	assert_true(S->nunits >= 3000);
	assert_true(S->nresidents >= 8000);
	assert_int_equal(S->nresidents, 8600);
	int types[ORG__COUNT] = {0};
	for (int32_t i = 0; i < S->norgs; i++)
		types[S->orgs[i].type]++;
	assert_int_equal(types[ORG_STREET_PARTY], 1);
	assert_int_equal(types[ORG_COMMUNITY_PARTY], S->ncommunities);
	assert_int_equal(types[ORG_RESIDENTS_COMMITTEE], S->ncommunities);
	assert_int_equal(types[ORG_GRID_BRANCH], S->ngrids);
	assert_true(types[ORG_BUILDING_GROUP] >= 10);
	assert_true(types[ORG_PROPERTY_COMPANY] >= 2);
	assert_true(types[ORG_OWNERS_COMMITTEE] >= 1);
	assert_true(types[ORG_SOCIAL_ORG] >= 2);
	assert_true(types[ORG_COOP_UNIT] >= 20);
	assert_true(types[ORG_DEPARTMENT] >= 1);
	/* 20+ co-building units, each with an agreement; most agreements in force. */
	int in_force = 0;
	for (int32_t u = 0; u < S->norgs; u++) {
		if (S->orgs[u].type != ORG_COOP_UNIT)
			continue;
		int n = 0;
		for (int32_t a = 0; a < S->nagreements; a++)
			n += S->agreements[a].unit_org == u;
		assert_true(n >= 1);
	}
	int64_t now = demo_date_ms(TODAY) + 200LL * 86400000;
	for (int32_t a = 0; a < S->nagreements; a++)
		in_force +=
		    org_agreement_in_force(S->agreements[a].status, S->agreements[a].start_ms,
		                           S->agreements[a].end_ms, now);
	assert_true(in_force >= 20);
	int reported = 0;
	for (int32_t i = 0; i < S->nparty; i++)
		reported += S->party[i].community >= 0;
	assert_true(S->nparty >= 300);
	assert_true(reported >= 50 && reported < S->nparty);
	assert_int_equal(S->naccounts, ROLE__COUNT);
}

/* ---------------------------------------------------------------- people */

static void test_demo_every_id_number_is_valid_unique_and_agrees(void **state)
{
	(void)state;
	int64_t now = demo_date_ms((person_date){2026, 6, 1});
	uint64_t *seen = calloc((size_t)(S->nresidents + S->nowners), sizeof *seen);
	size_t n = 0;
	for (int pass = 0; pass < 2; pass++) {
		const demo_person *v = pass ? S->owners : S->residents;
		int32_t count = pass ? S->nowners : S->nresidents;
		for (int32_t i = 0; i < count; i++) {
			person_id_info info;
			gz_err err;
			gz_err_clear(&err);
			assert_int_equal(person_id_check(v[i].id_number, now, &info, &err), 0);
			assert_string_equal(info.normalised, v[i].id_number);
			assert_int_equal(info.male, v[i].male);
			assert_int_equal(info.birth.year, v[i].birth.year);
			assert_int_equal(info.birth.month, v[i].birth.month);
			assert_int_equal(info.birth.day, v[i].birth.day);
			assert_true(person_age(v[i].birth, TODAY) >= 0);
			/* the first 17 digits decide the check character */
			char first17[18];
			memcpy(first17, v[i].id_number, 17);
			first17[17] = '\0';
			seen[n++] = strtoull(first17, NULL, 10);
		}
	}
	qsort(seen, n, sizeof *seen, cmp_u64);
	for (size_t i = 1; i < n; i++)
		assert_true(seen[i] != seen[i - 1]);
	free(seen);
}

static void test_demo_phones_are_valid_unique_mobiles(void **state)
{
	(void)state;
	uint64_t *v = calloc((size_t)S->nresidents + (size_t)S->nmembers, sizeof *v);
	size_t n = 0;
	int children_with_phone = 0;
	for (int32_t i = 0; i < S->nresidents; i++) {
		const demo_person *x = &S->residents[i];
		if (!x->phone[0])
			continue;
		char norm[PERSON_PHONE_MAX];
		person_phone_kind kind;
		gz_err err;
		gz_err_clear(&err);
		assert_int_equal(person_phone_check(x->phone, norm, &kind, &err), 0);
		assert_int_equal(kind, PERSON_PHONE_MOBILE);
		assert_string_equal(norm, x->phone);
		children_with_phone += person_age(x->birth, TODAY) < 14;
		v[n++] = strtoull(x->phone, NULL, 10);
	}
	for (int32_t i = 0; i < S->nmembers; i++)
		if (S->members[i].phone[0]) {
			/* outsiders may hold several positions with one phone (交叉任职): count
			 * each phone once */
			bool dup = false;
			for (int32_t k = 0; k < i && !dup; k++)
				dup = !strcmp(S->members[k].phone, S->members[i].phone);
			if (!dup)
				v[n++] = strtoull(S->members[i].phone, NULL, 10);
		}
	assert_int_equal(children_with_phone, 0);
	assert_true(n > (size_t)S->nresidents * 7 / 10);
	qsort(v, n, sizeof *v, cmp_u64);
	for (size_t i = 1; i < n; i++)
		assert_true(v[i] != v[i - 1]);
	free(v);
}

/* Code points of a UTF-8 name, all CJK unified ideographs. Returns the count or -1. */
static int cjk_len(const char *s)
{
	int n = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		if ((p[0] & 0xF0) != 0xE0 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
			return -1;
		unsigned cp = ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
		if (cp < 0x4E00 || cp > 0x9FFF)
			return -1;
		p += 3;
		n++;
	}
	return n;
}

static void test_demo_names_are_plausible(void **state)
{
	(void)state;
	int lens[6] = {0}, wang_li_zhang = 0;
	for (int32_t i = 0; i < S->nresidents; i++) {
		const char *nm = S->residents[i].name;
		int n = cjk_len(nm);
		assert_true(n >= 2 && n <= 4);
		lens[n]++;
		wang_li_zhang +=
		    !strncmp(nm, "王", 3) || !strncmp(nm, "李", 3) || !strncmp(nm, "张", 3);
	}
	/* Mostly three characters, some two; the three commonest surnames ~ 1/5. */
	assert_true(lens[3] > S->nresidents / 2);
	assert_true(lens[2] > S->nresidents / 10);
	assert_true(wang_li_zhang > S->nresidents / 8 && wang_li_zhang < S->nresidents / 3);
	/* Gender-appropriate given names: the same full name is rarely shared across sexes. */
	int clash = 0;
	for (int32_t i = 0; i < 2000; i++)
		for (int32_t k = i + 1; k < 2000; k++)
			clash += !strcmp(S->residents[i].name, S->residents[k].name) &&
			         S->residents[i].male != S->residents[k].male;
	assert_true(clash < 5);
}

static void test_demo_households_ages_and_tags_are_plausible(void **state)
{
	(void)state;
	int32_t e60, e80;
	demo_street_ages(S, TODAY, &e60, &e80);
	assert_true(e60 * 100 > S->nresidents * 15 && e60 * 100 < S->nresidents * 28);
	int tags[DEMO_TAG__COUNT] = {0}, minors = 0, households = 0;
	for (int32_t ui = 0; ui < S->nunits; ui++) {
		const demo_unit *u = &S->units[ui];
		if (!u->nresidents)
			continue;
		households++;
		assert_true(u->sold);
		assert_true(u->nresidents >= 1 && u->nresidents <= 5);
		assert_int_equal(S->residents[u->first_resident].relation, PERSON_REL_HEAD);
		for (int32_t k = 0; k < u->nresidents; k++) {
			const demo_person *x = &S->residents[u->first_resident + k];
			int age = person_age(x->birth, TODAY);
			assert_int_equal(x->unit, ui);
			assert_true(x->relation >= PERSON_REL_HEAD &&
			            x->relation <= PERSON_REL_OTHER);
			if (k)
				assert_int_not_equal(x->relation, PERSON_REL_HEAD);
			minors += age < 18;
			for (int t = 0; t < DEMO_TAG__COUNT; t++)
				tags[t] += !!(x->tags & (1u << t));
			/* 高龄 exactly for 80+; 独居老人 only alone and 60+ */
			assert_int_equal(!!(x->tags & (1u << DEMO_TAG_ELDERLY_80)), age >= 80);
			if (x->tags & (1u << DEMO_TAG_LIVING_ALONE))
				assert_true(u->nresidents == 1 && age >= 60);
			if (x->tags & (1u << DEMO_TAG_LEFT_BEHIND))
				assert_true(age < 16 && x->relation == PERSON_REL_GRANDCHILD);
			if (x->tags & (1u << DEMO_TAG_PREGNANT))
				assert_true(!x->male && age >= 22 && age <= 40);
		}
	}
	assert_int_equal(households, S->nhouseholds);
	assert_true(minors * 100 > S->nresidents * 8 && minors * 100 < S->nresidents * 25);
	int n = S->nresidents;
	assert_true(tags[DEMO_TAG_DIBAO] * 1000 > n * 8 && tags[DEMO_TAG_DIBAO] * 1000 < n * 40);
	assert_true(tags[DEMO_TAG_DISABLED] * 1000 > n * 15 &&
	            tags[DEMO_TAG_DISABLED] * 1000 < n * 45);
	assert_true(tags[DEMO_TAG_LIVING_ALONE] > 50);
	assert_true(tags[DEMO_TAG_LEFT_BEHIND] > 20);
	assert_true(tags[DEMO_TAG_PREGNANT] > 10);
	assert_true(tags[DEMO_TAG_UNEMPLOYED] > 50);
	assert_true(tags[DEMO_TAG_ENTITLED] > 0);
	assert_int_equal(tags[DEMO_TAG_ELDERLY_80], e80);
	for (int t = 0; t < DEMO_TAG__COUNT; t++)
		assert_non_null(person_tag_find(demo_tag_code((demo_tag)t)));
	for (int t = 0; t < DEMO_TAG__COUNT; t++)
		assert_ptr_equal(person_tag_find(demo_tag_label((demo_tag)t)),
		                 person_tag_find(demo_tag_code((demo_tag)t)));
}

/* ---------------------------------------------------------------- units */

static void test_demo_units_have_areas_owners_and_unique_numbers(void **state)
{
	(void)state;
	int unsold = 0;
	for (int32_t bi = 0; bi < S->nbuildings; bi++) {
		const demo_building *b = &S->buildings[bi];
		assert_int_equal(b->nunits, b->floors * b->entrances * b->per_floor);
		for (int32_t k = 0; k < b->nunits; k++) {
			const demo_unit *u = &S->units[b->first_unit + k];
			assert_int_equal(u->building, bi);
			assert_true(u->area_dm2 >= 4500 && u->area_dm2 <= 16000);
			for (int32_t j = 0; j < k; j++)
				assert_string_not_equal(S->units[b->first_unit + j].number,
				                        u->number);
			unsold += !u->sold;
			if (u->sold)
				assert_true((u->owner_resident >= 0) != (u->owner_other >= 0));
			else
				assert_true(u->owner_resident < 0 && u->owner_other < 0 &&
				            !u->nresidents);
			if (u->co_owner >= 0)
				assert_int_equal(S->residents[u->co_owner].unit, b->first_unit + k);
		}
	}
	assert_true(unsold * 100 > S->nunits && unsold * 100 < S->nunits * 6);
	/* Building names are unique within their grid (the units import finds them so). */
	for (int32_t a = 0; a < S->nbuildings; a++)
		for (int32_t b = a + 1; b < S->nbuildings; b++)
			if (S->buildings[a].grid == S->buildings[b].grid)
				assert_string_not_equal(S->buildings[a].name, S->buildings[b].name);
}

/* ---------------------------------------------------------------- geometry */

static GEOSGeometry *ring_polygon(GEOSContextHandle_t h, double (*pts)[2], int n)
{
	GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, (unsigned)n, 2);
	for (int i = 0; i < n; i++) {
		GEOSCoordSeq_setX_r(h, cs, (unsigned)i, pts[i][0]);
		GEOSCoordSeq_setY_r(h, cs, (unsigned)i, pts[i][1]);
	}
	return GEOSGeom_createPolygon_r(h, GEOSGeom_createLinearRing_r(h, cs), NULL, 0);
}

static void test_demo_grids_tile_their_communities(void **state)
{
	(void)state;
	GEOSContextHandle_t h = geo_context_new();
	json_t *fc = demo_street_geojson(S, 1);
	json_t *features = json_object_get(fc, "features");
	assert_int_equal(json_array_size(features), (size_t)S->ngrids);
	GEOSGeometry **gs = calloc((size_t)S->ngrids, sizeof *gs);
	for (int32_t i = 0; i < S->ngrids; i++) {
		json_t *f = json_array_get(features, (size_t)i);
		assert_string_equal(
		    json_string_value(json_object_get(json_object_get(f, "properties"), "code")),
		    S->grids[i].code);
		geo_problem p;
		gs[i] = geo_from_geojson(h, json_object_get(f, "geometry"), &p);
		assert_non_null(gs[i]);
		assert_int_equal(geo_check_valid(h, gs[i], &p), 0);
		double a = geo_area_m2(h, gs[i]);
		assert_true(a > 50000 && a < 120000); /* ≈ 307 m × 267 m */
	}
	geo_overlap *ov = NULL;
	assert_int_equal(geo_find_overlaps(h, gs, S->ngrids, &ov), 0);
	double street_area = 0;
	for (int32_t ci = 0; ci < S->ncommunities; ci++) {
		const demo_community *c = &S->communities[ci];
		geo_gap *gaps = NULL;
		assert_int_equal(geo_find_gaps(h, gs + c->first_grid, c->ngrids, &gaps), 0);
		/* The union of the community's grids is exactly its outline. */
		double(*ring)[2] = calloc((size_t)(2 * (c->w + c->h) + 1), sizeof *ring);
		int n = demo_block_ring(1, c->cx0, c->cy0, c->w, c->h, ring);
		assert_int_equal(n, 2 * (c->w + c->h) + 1);
		GEOSGeometry *outline = ring_polygon(h, ring, n);
		GEOSGeometry *acc = GEOSGeom_clone_r(h, gs[c->first_grid]);
		for (int32_t k = 1; k < c->ngrids; k++) {
			GEOSGeometry *t = GEOSUnion_r(h, acc, gs[c->first_grid + k]);
			GEOSGeom_destroy_r(h, acc);
			acc = t;
		}
		GEOSGeometry *d = GEOSSymDifference_r(h, acc, outline);
		assert_true(geo_area_m2(h, d) < 0.01 || GEOSisEmpty_r(h, d) == 1);
		street_area += geo_area_m2(h, outline);
		/* Every grid code lies under its community's code. */
		for (int32_t k = 0; k < c->ngrids; k++)
			assert_memory_equal(S->grids[c->first_grid + k].code, c->code, 12);
		GEOSGeom_destroy_r(h, d);
		GEOSGeom_destroy_r(h, acc);
		GEOSGeom_destroy_r(h, outline);
		free(ring);
	}
	/* The communities tile the street block. */
	double(*ring)[2] = calloc((size_t)(2 * (S->w + S->h) + 1), sizeof *ring);
	int n = demo_block_ring(1, S->cx0, S->cy0, S->w, S->h, ring);
	GEOSGeometry *outline = ring_polygon(h, ring, n);
	double sa = geo_area_m2(h, outline);
	assert_true(street_area > sa * 0.9999 && street_area < sa * 1.0001);
	GEOSGeom_destroy_r(h, outline);
	free(ring);

	/* Buildings lie inside their own grid (the locator answers their grid). */
	geo_locator *loc = geo_locator_new(gs, S->ngrids); /* takes gs */
	for (int32_t bi = 0; bi < S->nbuildings; bi++) {
		const demo_building *b = &S->buildings[bi];
		assert_int_equal(
		    geo_locator_find(loc, (double)b->lng_e7 / 1e7, (double)b->lat_e7 / 1e7),
		    b->grid);
	}
	geo_locator_free(loc);
	json_decref(fc);
	GEOS_finish_r(h);
}

/* ---------------------------------------------------------------- the network */

static void test_demo_network_follows_the_org_rules(void **state)
{
	(void)state;
	for (int32_t i = 0; i < S->norgs; i++) {
		const demo_org *o = &S->orgs[i];
		gz_err err;
		gz_err_clear(&err);
		assert_int_equal(org_check_place(o->type, o->space, o->building >= 0, &err), 0);
		int ptype = -1;
		const char *pspace = "";
		if (o->parent >= 0) {
			assert_true(o->parent < i); /* parents are created first */
			ptype = S->orgs[o->parent].type;
			pspace = S->orgs[o->parent].space;
		}
		gz_err_clear(&err);
		assert_int_equal(org_check_parent(o->type, o->space, ptype, pspace, &err), 0);
		if (o->building >= 0)
			assert_string_equal(S->grids[S->buildings[o->building].grid].code,
			                    o->space);
		if (o->credit[0]) {
			char norm[19];
			gz_err_clear(&err);
			assert_int_equal(org_credit_code_check(o->credit, norm, &err), 0);
		}
		/* (space, type, name) is unique, as the table requires */
		for (int32_t k = 0; k < i; k++)
			assert_false(S->orgs[k].type == o->type &&
			             !strcmp(S->orgs[k].space, o->space) &&
			             !strcmp(S->orgs[k].name, o->name));
		assert_true(cjk_len(o->name) != 0);
	}
	for (int32_t i = 0; i < S->nmembers; i++) {
		const demo_member *m = &S->members[i];
		assert_true(m->org >= 0 && m->org < S->norgs);
		assert_true(m->resident >= 0 || m->name[0]);
		assert_true(m->position[0]);
	}
	for (int32_t i = 0; i < S->nparty; i++) {
		const demo_party_member *p = &S->party[i];
		assert_true(org_can_be_party_org(S->orgs[p->party_org].type));
		for (int32_t k = 0; k < i; k++)
			assert_int_not_equal(S->party[k].resident, p->resident);
		if (p->community >= 0) {
			/* 双报到 to the community where they live */
			int32_t g =
			    S->buildings[S->units[S->residents[p->resident].unit].building].grid;
			assert_int_equal(S->grids[g].community, p->community);
			assert_true((unsigned)p->post < ORG_POST__COUNT);
			assert_true(p->reported_ms < demo_date_ms(TODAY));
		}
	}
	for (int32_t a = 0; a < S->nagreements; a++) {
		const demo_agreement *ag = &S->agreements[a];
		assert_int_equal(S->orgs[ag->unit_org].type, ORG_COOP_UNIT);
		assert_true(ag->end_ms > ag->start_ms);
		assert_true(ag->ncommitments >= 1 && ag->ncommitments <= DEMO_COMMITMENTS_MAX);
		assert_true(cjk_len(ag->title) < 0); /* has digits and punctuation */
		for (int k = 0; k < ag->ncommitments; k++)
			assert_true(ag->commitments[k].quantity > 0);
	}
}

static void test_demo_one_account_per_role(void **state)
{
	(void)state;
	for (int i = 0; i < S->naccounts; i++) {
		const demo_account *a = &S->accounts[i];
		assert_int_equal(a->role, i);
		char norm[GZ_USERNAME_MAX + 1];
		assert_int_equal(gz_username_normalise(a->username, norm, NULL, NULL), 0);
		assert_string_equal(norm, a->username);
		assert_true(strlen(a->password) >= 12);
		assert_true(policy_scope_valid(a->scope));
		assert_true(a->display_name[0]);
		for (int k = 0; k < i; k++) {
			assert_string_not_equal(S->accounts[k].username, a->username);
			assert_string_not_equal(S->accounts[k].password, a->password);
		}
	}
	assert_string_equal(S->accounts[ROLE_SYSTEM_ADMIN].username, "admin");
	assert_string_equal(S->accounts[ROLE_SYSTEM_ADMIN].scope, "");
	const demo_account *res = &S->accounts[ROLE_RESIDENT];
	assert_true(res->resident >= 0);
	int32_t g = S->buildings[S->units[S->residents[res->resident].unit].building].grid;
	assert_string_equal(S->grids[g].code, res->scope);
	assert_string_equal(S->residents[res->resident].name, res->display_name);
}

/* ---------------------------------------------------------------- gen */

static void test_demo_gen_houses_exactly_n_and_keeps_ids_unique_across_streets(void **state)
{
	(void)state;
	demo_people *pp = demo_people_new(9);
	demo_config c;
	demo_config_gen(&c, 9, TODAY, 1, 5000);
	gz_err err;
	gz_err_clear(&err);
	demo_street *a = demo_street_build(&c, pp, &err);
	assert_non_null(a);
	assert_int_equal(a->nresidents, 5000);
	/* only as large as needed: ~400 per grid */
	assert_true(a->ngrids >= 12 && a->ngrids < DEMO_PITCH_W * DEMO_PITCH_H);
	assert_null(a->orgs);
	/* A street holds what its units hold: no growth in gen. */
	demo_config_gen(&c, 9, TODAY, 2, 1000000);
	demo_street *b = demo_street_build(&c, pp, &err);
	assert_non_null(b);
	assert_int_equal(b->ngrids, DEMO_PITCH_W * DEMO_PITCH_H);
	assert_true(b->nresidents > 10000 && b->nresidents < 40000);
	assert_string_equal(b->code, "110105002");
	assert_int_equal(demo_people_count(pp),
	                 (size_t)(a->nresidents + a->nowners + b->nresidents + b->nowners));
	/* Street 2 sits beside street 1: its cells do not overlap street 1's. */
	assert_true(b->cx0 >= a->cx0 + a->w || b->cy0 >= a->cy0 + a->h);
	for (int32_t i = 0; i < a->nresidents; i += 7)
		for (int32_t k = 0; k < b->nresidents; k += 11)
			assert_string_not_equal(a->residents[i].id_number,
			                        b->residents[k].id_number);
	demo_street_free(a);
	demo_street_free(b);
	demo_people_free(pp);
}

static void test_demo_bad_config_is_refused(void **state)
{
	(void)state;
	demo_people *pp = demo_people_new(1);
	demo_config c;
	gz_err err;
	demo_config_demo(&c, 1, TODAY);
	c.street_no = 0;
	gz_err_clear(&err);
	assert_null(demo_street_build(&c, pp, &err));
	assert_string_equal(err.code, "invalid_config");
	demo_config_demo(&c, 1, TODAY);
	c.w = 9;
	assert_null(demo_street_build(&c, pp, &err));
	demo_config_demo(&c, 1, (person_date){2026, 2, 30});
	assert_null(demo_street_build(&c, pp, &err));
	demo_people_free(pp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_demo_rng_same_seed_same_sequence_streams_differ),
	    cmocka_unit_test(test_demo_rng_below_stays_in_range_and_spreads),
	    cmocka_unit_test(test_demo_chinese_numbers),
	    cmocka_unit_test(test_demo_civil_days_round_trip),
	    cmocka_unit_test(test_demo_same_seed_gives_the_same_street),
	    cmocka_unit_test(test_demo_other_seed_gives_another_street),
	    cmocka_unit_test(test_demo_street_meets_the_minimums),
	    cmocka_unit_test(test_demo_every_id_number_is_valid_unique_and_agrees),
	    cmocka_unit_test(test_demo_phones_are_valid_unique_mobiles),
	    cmocka_unit_test(test_demo_names_are_plausible),
	    cmocka_unit_test(test_demo_households_ages_and_tags_are_plausible),
	    cmocka_unit_test(test_demo_units_have_areas_owners_and_unique_numbers),
	    cmocka_unit_test(test_demo_grids_tile_their_communities),
	    cmocka_unit_test(test_demo_network_follows_the_org_rules),
	    cmocka_unit_test(test_demo_one_account_per_role),
	    cmocka_unit_test(test_demo_gen_houses_exactly_n_and_keeps_ids_unique_across_streets),
	    cmocka_unit_test(test_demo_bad_config_is_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
