/* Generated visits (generate.h, "visits"): pure and deterministic, like the rest of the
 * generator. */
#include "modules/demo/generate.h"
#include "core/mem.h"
#include "modules/visits/rules.h"

#include <stdio.h>
#include <string.h>

/* Streams of their own, so visits never change the street's other data. */
enum { ST_VISITS = 40, ST_WORKERS = 41 };

static const char *const findings[] = {
    "身体状况良好，生活能自理，情绪稳定。", "血压偏高，已提醒按时服药，下次走访复查。",
    "子女每周探望，家中整洁，无特殊需求。", "反映楼道照明不亮，已转物业处理。",
    "需要助餐服务，已登记社区长者食堂。",   "家中燃气软管老化，已联系燃气公司上门更换。",
    "近期腿脚不便，已协调志愿者帮忙代购。", "询问高龄津贴办理进度，已答复。",
    "独自在家，安装的紧急呼叫器工作正常。", "天气转冷，提醒注意保暖并检查暖气。",
    "情绪低落，已联系社工下周上门陪伴。",   "办事材料已收齐，转社区服务站办理。",
};

const char *demo_visit_finding(int i)
{
	int n = (int)(sizeof findings / sizeof findings[0]);
	return findings[((i % n) + n) % n];
}

void demo_grid_worker_name(const demo_street *s, uint64_t seed, int32_t g, char out[DEMO_NAME_MAX])
{
	demo_rng r;
	demo_rng_init(&r, seed, (uint64_t)s->street_no * 64 + ST_WORKERS + (uint64_t)g * 4096);
	demo_make_name(&r, 1975 + demo_rng_range(&r, 0, 25), out);
}

/* The visit interval of a resident's generated tags, as the migration's defaults say. */
static int interval_of(const demo_person *p)
{
	static const visit_freq defaults[] = {
	    {"", "living_alone", 7}, {"", "elderly_80", 14}, {"", "empty_nester", 30},
	    {"", "dibao", 30},       {"", "disabled", 30},
	};
	const char *tags[DEMO_TAG__COUNT];
	size_t n = 0;
	for (int t = 0; t < DEMO_TAG__COUNT; t++)
		if (p->tags & (1u << t))
			tags[n++] = demo_tag_code((demo_tag)t);
	return visit_interval_of(defaults, sizeof defaults / sizeof defaults[0], tags, n, "");
}

/* Appends one visit; who went: the demo accounts in their places, else the grid's worker. */
static void add(demo_visit **out, size_t *k, size_t *cap, demo_rng *r, int32_t resident,
                bool household, int ago, visit_kind kind, int32_t grid, int32_t g0,
                int32_t c0_first, int32_t c0_end, bool accounts)
{
	if (*k == *cap) {
		*cap *= 2;
		*out = gz_realloc(*out, *cap * sizeof **out);
	}
	demo_visit *v = &(*out)[(*k)++];
	memset(v, 0, sizeof *v);
	v->resident = resident;
	v->household = household;
	v->days_ago = ago;
	v->kind = (uint8_t)kind;
	v->finding = (uint8_t)demo_rng_below(r, 12);
	v->grid = grid;
	v->account = -1;
	if (accounts && grid == g0)
		v->account = demo_rng_chance(r, 1000) ? ROLE_COMMUNITY_STAFF : ROLE_GRID_WORKER;
	else if (accounts && grid >= c0_first && grid < c0_end && demo_rng_chance(r, 800))
		v->account = ROLE_COMMUNITY_STAFF;
}

int32_t demo_vacant_grid(const demo_street *s)
{
	if (s->naccounts <= 0 || s->ncommunities < 1 || s->communities[0].ngrids < 2)
		return -1;
	return s->communities[0].first_grid + s->communities[0].ngrids - 1;
}

demo_visit *demo_visits_build(const demo_street *s, uint64_t seed, int days, size_t *n)
{
	demo_rng r;
	demo_rng_init(&r, seed, (uint64_t)s->street_no * 64 + ST_VISITS);
	size_t cap = 1024, k = 0;
	demo_visit *out = gz_malloc(cap * sizeof *out);
	/* The demo accounts' place: the first grid of the first community. */
	int32_t g0 = s->ncommunities ? s->communities[0].first_grid : -1;
	int32_t c0_first = g0, c0_end = g0 >= 0 ? g0 + s->communities[0].ngrids : -1;
	bool accounts = s->naccounts > 0;
	int32_t vacant = demo_vacant_grid(s);
	for (int32_t i = 0; i < s->nresidents; i++) {
		const demo_person *p = &s->residents[i];
		int iv = interval_of(p);
		if (iv <= 0)
			continue;
		int32_t grid = s->buildings[s->units[p->unit].building].grid;
		/* Where the visits stop: up to date (the last within the interval), due (about
		 * one interval ago), overdue (two or three intervals ago), or never visited. */
		uint32_t fate = demo_rng_below(&r, 100);
		if (fate < 3)
			continue; /* never visited */
		int last_ago = fate < 15   ? iv + demo_rng_range(&r, 0, VISIT_GRACE_DAYS)
		               : fate < 28 ? iv + VISIT_GRACE_DAYS + demo_rng_range(&r, 1, 2 * iv)
		                           : demo_rng_range(&r, 0, iv - 1);
		for (int ago = last_ago; ago < days;) {
			uint32_t x = demo_rng_below(&r, 100);
			add(&out, &k, &cap, &r, i, false, ago,
			    x < 78   ? VISIT_CARE
			    : x < 92 ? VISIT_ROUTINE
			             : VISIT_FOLLOW_UP,
			    grid, g0, c0_first, c0_end, accounts);
			if (grid == vacant && ago < DEMO_VACANT_DAYS) {
				if (demo_rng_chance(&r, 2000))
					out[k - 1].account = ROLE_COMMUNITY_STAFF;
				else
					k--; /* not visited: nobody's grid */
			}
			/* The previous visit: about one interval earlier, a day or two either way.
			 */
			int step = iv + demo_rng_range(&r, -1, 2);
			ago += step < 1 ? 1 : step;
		}
	}
	/* Households without a key-group member: half of them visited at home (入户) every
	 * three to six months. */
	for (int32_t u = 0; u < s->nunits; u++) {
		const demo_unit *un = &s->units[u];
		if (!un->nresidents)
			continue;
		bool tracked = false;
		for (int32_t m = 0; m < un->nresidents && !tracked; m++)
			tracked = interval_of(&s->residents[un->first_resident + m]) > 0;
		if (tracked || !demo_rng_chance(&r, 5000))
			continue;
		int32_t grid = s->buildings[un->building].grid;
		for (int ago = demo_rng_range(&r, 0, 120); ago < days;
		     ago += demo_rng_range(&r, 90, 180)) {
			add(&out, &k, &cap, &r, un->first_resident, true, ago,
			    demo_rng_chance(&r, 8500) ? VISIT_ROUTINE : VISIT_FOLLOW_UP, grid, g0,
			    c0_first, c0_end, accounts);
			if (grid == vacant && ago < DEMO_VACANT_DAYS)
				k--;
		}
	}
	*n = k;
	return out;
}
