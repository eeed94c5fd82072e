/* Matching runs (社区派单) and proposals: a run builds the engine's instance from the
 * open needs and the active offers of one community — weights from the residents' tags
 * and waiting time, points projected onto a plane around the community, declined pairs
 * and offers' grid areas cut from the network — solves it exactly, and stores one
 * proposal per pair with its reasons. The provider accepts (接单) or declines; a
 * declined pair is never proposed again, and the need is open for the next run. */
#include "modules/matching/match_internal.h"
#include "modules/matching/avail.h"
#include "modules/accounts/accounts.h"
#include "api/fields.h"
#include "api/list.h"
#include "core/json.h"
#include "core/time.h"
#include "domain/space_code.h"
#include "modules/module.h"
#include "modules/notify/notify.h"
#include "modules/people/people.h"
#include "modules/people/person.h"
#include "modules/space/space.h"
#include "modules/visits/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most needs and offers one run takes (a community's; the engine does far more). */
#define RUN_MAX  20000
#define TAGS_MAX 64

typedef struct run_need {
	int64_t id, created_at, lng, lat, w, tags_part, wait_part, equity_part, win_start, win_end;
	char grid[16];
	char *skill;
	int64_t tagw[8];
	int ntags;
	uint64_t tagset;              /* bit t: the resident holds c->tag_keys[t] */
	bool grid_under, group_under; /* the equity boost's reasons */
} run_need;

typedef struct run_offer {
	int64_t id, user_id, cap, radius, lng, lat, load;
	char scope[SPACE_CODE_SIZE];
	json_t *skills, *grids;
	int32_t *skill_ids;
	match_avail_window *windows; /* none: always available */
	size_t nwindows;
} run_offer;

typedef struct run_ctx {
	run_need *needs;
	int nneeds;
	run_offer *offers;
	int noffers;
	char tag_keys[TAGS_MAX][GZ_PEOPLE_TAG_KEY_SIZE + 1];
	int64_t tag_w[TAGS_MAX];
	int ntag;
	json_t *skills; /* skill -> interned id */
} run_ctx;

static void ctx_free(run_ctx *c)
{
	for (int i = 0; i < c->nneeds; i++)
		free(c->needs[i].skill);
	for (int j = 0; j < c->noffers; j++) {
		json_decref(c->offers[j].skills);
		json_decref(c->offers[j].grids);
		free(c->offers[j].skill_ids);
		free(c->offers[j].windows);
	}
	free(c->needs);
	free(c->offers);
	json_decref(c->skills);
}

static int32_t intern(run_ctx *c, const char *s)
{
	json_t *v = json_object_get(c->skills, s);
	if (v)
		return (int32_t)json_integer_value(v);
	int32_t id = (int32_t)json_object_size(c->skills);
	json_object_set_new(c->skills, s, json_integer(id));
	return id;
}

/* The tags' weights in force ("tag:<code>" settings), by the key resident_tags holds. */
static void load_tag_weights(json_t *settings, run_ctx *c)
{
	const char *name;
	json_t *v;
	json_object_foreach(settings, name, v)
	{
		if (strncmp(name, "tag:", 4) != 0 || c->ntag >= TAGS_MAX)
			continue;
		const char *code = name + 4;
		const person_tag *t = person_tag_find(code);
		gz_people_tag_key(code, t && t->sensitive, c->tag_keys[c->ntag],
		                  sizeof c->tag_keys[c->ntag]);
		c->tag_w[c->ntag++] = json_integer_value(v);
	}
}

static run_need *need_by_id(run_ctx *c, int64_t id)
{
	int lo = 0, hi = c->nneeds - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		if (c->needs[mid].id == id)
			return &c->needs[mid];
		if (c->needs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/* The equity boost (docs/MATCHING.md, "The equity boost"): the grids of the street with
 * their active residents and their visits over the last `days` days (today included),
 * match_underserved() at pct, and boost points for every need in an under-served grid. */
typedef struct eq_grid {
	char code[16];
	int64_t residents, visits;
} eq_grid;

static int eq_cmp(const void *a, const void *b)
{
	return strcmp(((const eq_grid *)a)->code, ((const eq_grid *)b)->code);
}

/* The vulnerable groups (the weighted tags the run's needs hold) under-served in the
 * community [clo, chi): coverage over the last `days` days (as sharing's equity figures:
 * a member reached when they or their household were visited) below group_pct %. Sets
 * group_under on the needs of their members. */
static int equity_groups(gz_db *db, run_ctx *c, const char *clo, const char *chi, int64_t group_pct,
                         int64_t days, int64_t now, gz_err *err)
{
	uint64_t held = 0;
	for (int i = 0; i < c->nneeds; i++)
		held |= c->needs[i].tagset;
	int64_t today = visit_day_of_ms(now);
	for (int t = 0; t < c->ntag && held; t++) {
		if (!(held & (UINT64_C(1) << t)) || !c->tag_keys[t][0])
			continue;
		gz_stmt *st = gz_db_prepare(
		    db,
		    "SELECT COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM visits v WHERE "
		    "v.resident_id = r.id AND v.visited_on >= $4 AND v.visited_on <= $5) OR "
		    "(r.household_id IS NOT NULL AND EXISTS (SELECT 1 FROM visits v WHERE "
		    "v.household_id = r.household_id AND v.visited_on >= $4 AND v.visited_on <= "
		    "$5)) THEN 1 ELSE 0 END) FROM resident_tags t JOIN residents r ON r.id = "
		    "t.resident_id WHERE t.tag_key = $3 AND t.grid_code >= $1 AND t.grid_code < $2 "
		    "AND r.deleted_at IS NULL AND r.status = 'active'",
		    err);
		if (!st)
			return -1;
		gz_stmt_bind_str(st, 1, clo);
		gz_stmt_bind_str(st, 2, chi);
		gz_stmt_bind_str(st, 3, c->tag_keys[t]);
		gz_stmt_bind_int64(st, 4, today - (days - 1));
		gz_stmt_bind_int64(st, 5, today);
		int64_t members = 0, reached = 0;
		int rc = gz_stmt_step(st, err);
		if (rc == GZ_ROW) {
			members = gz_stmt_int64(st, 0);
			reached = gz_stmt_isnull(st, 1) ? 0 : gz_stmt_int64(st, 1);
		}
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
		if (!match_group_underserved(reached, members, group_pct))
			continue;
		for (int i = 0; i < c->nneeds; i++)
			if (c->needs[i].tagset & (UINT64_C(1) << t))
				c->needs[i].group_under = true;
	}
	return 0;
}

static int equity_boost(gz_db *db, run_ctx *c, const char *street, const char *clo, const char *chi,
                        int64_t boost, int64_t pct, int64_t group_pct, int64_t days, int64_t now,
                        gz_err *err)
{
	if (boost <= 0 || days <= 0 || !c->nneeds)
		return 0;
	if (group_pct > 0 && equity_groups(db, c, clo, chi, group_pct, days, now, err) < 0)
		return -1;
	for (int i = 0; i < c->nneeds; i++)
		if (c->needs[i].group_under)
			c->needs[i].equity_part = boost;
	if (pct <= 0)
		return 0;
	char lo[GZ_SCOPE_MAX + 2], hi[GZ_SCOPE_MAX + 2];
	gz_api_scope_range(street, NULL, lo, hi);
	eq_grid *g = NULL;
	size_t n = 0, cap = 0;
	int64_t *x = NULL, *p = NULL;
	bool *under = NULL;
	int rc = -1;
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT g.code, COALESCE(rc.n, 0) FROM grids g LEFT JOIN "
	                            "resident_counts rc ON rc.grid_code = g.code AND rc.status = "
	                            "'active' WHERE g.code >= $1 AND g.code < $2",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, lo);
	gz_stmt_bind_str(st, 2, hi);
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			eq_grid *ng = realloc(g, cap * sizeof *g);
			if (!ng) {
				rc = -1;
				gz_err_set(err, GZ_EINTERNAL, "internal", "内存不足");
				break;
			}
			g = ng;
		}
		snprintf(g[n].code, sizeof g[n].code, "%s", gz_stmt_text(st, 0));
		g[n].residents = gz_stmt_int64(st, 1);
		g[n++].visits = 0;
	}
	gz_stmt_finish(st);
	if (rc < 0 || !n)
		goto done;
	qsort(g, n, sizeof *g, eq_cmp);
	int64_t today = visit_day_of_ms(now);
	if (!(st = gz_db_prepare(db,
	                         "SELECT grid_code, COUNT(*) FROM visits WHERE grid_code >= $1 AND "
	                         "grid_code < $2 AND visited_on >= $3 AND visited_on <= $4 GROUP "
	                         "BY grid_code",
	                         err))) {
		rc = -1;
		goto done;
	}
	gz_stmt_bind_str(st, 1, lo);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_int64(st, 3, today - (days - 1));
	gz_stmt_bind_int64(st, 4, today);
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		eq_grid key;
		snprintf(key.code, sizeof key.code, "%s", gz_stmt_text(st, 0));
		eq_grid *f = bsearch(&key, g, n, sizeof *g, eq_cmp);
		if (f)
			f->visits = gz_stmt_int64(st, 1);
	}
	gz_stmt_finish(st);
	if (rc < 0)
		goto done;
	x = calloc(n, sizeof *x);
	p = calloc(n, sizeof *p);
	under = calloc(n, sizeof *under);
	if (!x || !p || !under) {
		rc = -1;
		gz_err_set(err, GZ_EINTERNAL, "internal", "内存不足");
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		x[i] = g[i].visits, p[i] = g[i].residents;
	if (match_underserved(x, p, n, pct, under) < 0) {
		rc = -1;
		gz_err_set(err, GZ_EINTERNAL, "internal", "内存不足");
		goto done;
	}
	for (int i = 0; i < c->nneeds; i++) {
		eq_grid key;
		snprintf(key.code, sizeof key.code, "%s", c->needs[i].grid);
		eq_grid *f = bsearch(&key, g, n, sizeof *g, eq_cmp);
		if (f && under[f - g]) {
			c->needs[i].grid_under = true;
			c->needs[i].equity_part = boost;
		}
	}
	rc = 0;
done:
	free(g);
	free(x);
	free(p);
	free(under);
	return rc < 0 ? -1 : 0;
}

#define OPEN_IN_RANGE                                                                              \
	" n.grid_code >= $1 AND n.grid_code < $2 AND n.status = 'open' AND n.window_end > $3"

static int load_needs(gz_db *db, run_ctx *c, const char *lo, const char *hi, int64_t now,
                      gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT n.id, n.skill, n.lng_e7, n.lat_e7, n.created_at, "
	                            "n.grid_code, n.window_start, n.window_end FROM match_needs n "
	                            "WHERE" OPEN_IN_RANGE " ORDER BY n.id LIMIT 20001",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, lo);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_int64(st, 3, now);
	c->needs = calloc(RUN_MAX + 1, sizeof *c->needs);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW && c->nneeds < RUN_MAX) {
		run_need *n = &c->needs[c->nneeds++];
		n->id = gz_stmt_int64(st, 0);
		n->skill = strdup(gz_stmt_text(st, 1));
		n->lng = gz_stmt_int64(st, 2);
		n->lat = gz_stmt_int64(st, 3);
		n->created_at = gz_stmt_int64(st, 4);
		snprintf(n->grid, sizeof n->grid, "%s", gz_stmt_text(st, 5));
		n->win_start = gz_stmt_int64(st, 6);
		n->win_end = gz_stmt_int64(st, 7);
	}
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	/* The residents' tags, by key (sensitive ones by their blind index). */
	st = gz_db_prepare(db,
	                   "SELECT n.id, t.tag_key FROM match_needs n JOIN resident_tags t ON "
	                   "t.resident_id = n.resident_id WHERE" OPEN_IN_RANGE " ORDER BY n.id",
	                   err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, lo);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_int64(st, 3, now);
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		run_need *n = need_by_id(c, gz_stmt_int64(st, 0));
		const char *key = gz_stmt_text(st, 1);
		for (int t = 0; n && t < c->ntag; t++)
			if (strcmp(c->tag_keys[t], key) == 0) {
				n->tagset |= UINT64_C(1) << t;
				if (n->ntags < 8)
					n->tagw[n->ntags++] = c->tag_w[t];
			}
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

static int cmp_owner(const void *a, const void *b, void *arg)
{
	const run_offer *o = arg;
	int64_t x = o[*(const int *)a].user_id, y = o[*(const int *)b].user_id;
	return (x > y) - (x < y);
}

/* Leaves out the offers whose owner no longer serves at the offer's place: an account
 * disabled or deleted, or whose grants no longer write offers there (a volunteer's grant
 * revoked: match_grants_serve, the check of claims and answers), so a run proposes
 * nothing its provider could not take. Offers grouped by owner, one lookup per owner;
 * offers without an owner (the command line's) stay. */
static int drop_stale_offers(gz_db *db, run_ctx *c, gz_err *err)
{
	int *by = malloc(sizeof *by * (size_t)(c->noffers + 1));
	bool *keep = calloc((size_t)c->noffers + 1, sizeof *keep);
	for (int j = 0; j < c->noffers; j++)
		by[j] = j;
	qsort_r(by, (size_t)c->noffers, sizeof *by, cmp_owner, c->offers);
	gz_user_row *u = malloc(sizeof *u);
	int rc = 0;
	for (int k = 0; k < c->noffers && rc >= 0; k++) {
		const run_offer *o = &c->offers[by[k]];
		if (!o->user_id) {
			keep[by[k]] = true;
			continue;
		}
		if (k == 0 || c->offers[by[k - 1]].user_id != o->user_id) {
			rc = gz_user_get(db, o->user_id, false, u, err);
			if (rc == 0 || (rc > 0 && u->disabled_at))
				u->ngrants = 0; /* serves nowhere */
		}
		keep[by[k]] = rc > 0 && match_grants_serve(u->grants, u->ngrants, o->scope);
	}
	int kept = 0;
	for (int j = 0; rc >= 0 && j < c->noffers; j++) {
		run_offer *o = &c->offers[j];
		if (keep[j]) {
			c->offers[kept++] = *o;
			continue;
		}
		json_decref(o->skills);
		json_decref(o->grids);
		free(o->windows);
	}
	if (rc >= 0)
		c->noffers = kept;
	free(by), free(keep), free(u);
	return rc < 0 ? -1 : 0;
}

static int load_offers(gz_db *db, run_ctx *c, const char *lo, const char *hi, const char *street,
                       int64_t now, gz_err *err)
{
	/* Load: the needs proposed to or taken by the offer, and those it completed in the
	 * last 7 days (capacity is per week). */
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT o.id, o.user_id, o.skills, o.capacity_per_week, o.radius_m, o.lng_e7, "
	    "o.lat_e7, o.grids, o.windows, (SELECT COUNT(*) FROM match_needs x WHERE x.offer_id = "
	    "o.id AND "
	    "(x.status IN ('proposed', 'taken') OR (x.status IN ('done', 'rated') AND x.updated_at "
	    "> $4))), o.scope_code FROM match_offers o WHERE o.status = 'active' AND "
	    "((o.scope_code >= $1 AND "
	    "o.scope_code < $2) OR o.scope_code = $3) ORDER BY o.id LIMIT 20001",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, lo);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_str(st, 3, street);
	gz_stmt_bind_int64(st, 4, now - 7 * 86400000LL);
	c->offers = calloc(RUN_MAX + 1, sizeof *c->offers);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW && c->noffers < RUN_MAX) {
		run_offer *o = &c->offers[c->noffers++];
		o->id = gz_stmt_int64(st, 0);
		o->user_id = gz_stmt_int64(st, 1);
		o->skills = json_loads(gz_stmt_text(st, 2), 0, NULL);
		o->cap = gz_stmt_int64(st, 3);
		o->radius = gz_stmt_int64(st, 4);
		o->lng = gz_stmt_int64(st, 5);
		o->lat = gz_stmt_int64(st, 6);
		o->grids = json_loads(gz_stmt_text(st, 7), 0, NULL);
		o->load = gz_stmt_int64(st, 9);
		snprintf(o->scope, sizeof o->scope, "%s", gz_stmt_text(st, 10));
		o->nwindows = match_avail_parse(gz_stmt_text(st, 8), &o->windows);
		if (!json_is_array(o->skills)) {
			json_decref(o->skills);
			o->skills = json_array();
		}
		if (json_array_size(o->grids) == 0) {
			json_decref(o->grids);
			o->grids = NULL;
		}
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : drop_stale_offers(db, c, err);
}

/* Declined pairs, grid areas and availability (the offer's weekly windows must overlap
 * the need's window: avail.h): the arcs to cut, as (need, offer) indexes. */
static int cuts(gz_db *db, run_ctx *c, const match_graph *g, const char *lo, const char *hi,
                int64_t now, int32_t (**out)[2], size_t *n, gz_err *err)
{
	size_t cap = 64;
	int32_t(*p)[2] = malloc(cap * sizeof *p);
	*n = 0;
	for (int32_t i = 0; i < g->nneeds; i++)
		for (int32_t e = g->start[i]; e < g->start[i + 1]; e++) {
			run_offer *o = &c->offers[g->prov[e]];
			bool in = match_available(o->windows, o->nwindows, c->needs[i].win_start,
			                          c->needs[i].win_end);
			if (in && o->grids) {
				bool area = false;
				size_t k;
				json_t *v;
				json_array_foreach(o->grids, k, v) area |=
				    strcmp(json_string_value(v) ? json_string_value(v) : "",
				           c->needs[i].grid) == 0;
				in = area;
			}
			if (in)
				continue;
			if (*n == cap)
				p = realloc(p, (cap *= 2) * sizeof *p);
			p[*n][0] = i;
			p[(*n)++][1] = g->prov[e];
		}
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT p.need_id, p.offer_id FROM match_proposals p JOIN "
	                            "match_needs n ON n.id = p.need_id WHERE" OPEN_IN_RANGE
	                            " AND p.status = 'declined'",
	                            err);
	if (!st) {
		free(p);
		return -1;
	}
	gz_stmt_bind_str(st, 1, lo);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_int64(st, 3, now);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		run_need *nd = need_by_id(c, gz_stmt_int64(st, 0));
		int64_t oid = gz_stmt_int64(st, 1);
		int lo2 = 0, hi2 = c->noffers - 1, j = -1;
		while (lo2 <= hi2) {
			int mid = (lo2 + hi2) / 2;
			if (c->offers[mid].id == oid) {
				j = mid;
				break;
			}
			if (c->offers[mid].id < oid)
				lo2 = mid + 1;
			else
				hi2 = mid - 1;
		}
		if (!nd || j < 0)
			continue;
		if (*n == cap)
			p = realloc(p, (cap *= 2) * sizeof *p);
		p[*n][0] = (int32_t)(nd - c->needs);
		p[(*n)++][1] = j;
	}
	gz_stmt_finish(st);
	*out = p;
	return rc < 0 ? -1 : 0;
}

/* ================================================================ the run's answer */

#define PROPOSAL_COLS                                                                              \
	"p.id, p.run_id, p.need_id, p.offer_id, p.grid_code, gr.name, p.distance_m, p.weight, "    \
	"p.load_k, p.reasons, p.status, p.decline_reason, p.created_at, n.title, n.skill, "        \
	"n.lng_e7, n.lat_e7, r.name, o.name, o.lng_e7, o.lat_e7, n.status, n.window_start, "       \
	"n.window_end, n.est_minutes, COALESCE(b.name || ' ' || u.number, ''), o.user_id, "        \
	"COALESCE(b.name, ''), o.scope_code"
#define PROPOSAL_FROM                                                                              \
	" FROM match_proposals p JOIN match_needs n ON n.id = p.need_id JOIN residents r ON r.id " \
	"= n.resident_id JOIN match_offers o ON o.id = p.offer_id LEFT JOIN grids gr ON gr.code "  \
	"= "                                                                                       \
	"p.grid_code LEFT JOIN units u ON u.id = n.unit_id LEFT JOIN buildings b ON b.id = "       \
	"u.building_id"

/* The provider sees the flat once they have accepted; before, the building. Someone who
 * does not keep the resident's register (a provider) sees that the need is a key group's
 * (reasons.key_group), never the weights: with the tags' weights (独居老人 3, 低保 2 …) the
 * tags' part, or the weight less its other parts, says which group. */
static json_t *proposal_json(const gz_actor *a, gz_arena *A, gz_stmt *st)
{
	const char *grid = gz_stmt_text(st, 4);
	bool visible = gz_people_name_visible(a, grid);
	json_t *reasons = json_loads(gz_stmt_text(st, 9), 0, NULL);
	if (reasons && !visible) {
		json_object_set_new(
		    reasons, "key_group",
		    json_boolean(json_integer_value(json_object_get(reasons, "weight_tags")) > 0));
		static const char *const hidden[] = {"weight", "weight_tags", "weight_waiting",
		                                     "priority"};
		for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++)
			json_object_del(reasons, hidden[i]);
	}
	json_t *o = json_pack(
	    "{s:o,s:o,s:s,s:s,s:I,s:I,s:I,s:o,s:s,s:s,s:o,s:{s:o,s:s,s:s,s:s,s:{s:f,s:f},s:s,s:s,"
	    "s:s,s:o,s:o,s:I},s:{s:o,s:s,s:{s:f,s:f}}}",
	    "id", gz_api_id_json(gz_stmt_int64(st, 0)), "run_id", gz_api_id_or_null(st, 1),
	    "grid_code", grid, "grid_name", gz_stmt_text(st, 5), "distance_m",
	    (json_int_t)gz_stmt_int64(st, 6), "weight", (json_int_t)gz_stmt_int64(st, 7), "load",
	    (json_int_t)gz_stmt_int64(st, 8), "reasons", reasons ? reasons : json_object(),
	    "status", gz_stmt_text(st, 10), "decline_reason", gz_stmt_text(st, 11), "created_at",
	    gz_api_time_json(gz_stmt_int64(st, 12)), "need", "id",
	    gz_api_id_json(gz_stmt_int64(st, 2)), "title", gz_stmt_text(st, 13), "skill",
	    gz_stmt_text(st, 14), "resident_name",
	    gz_people_name_shown(A, visible, gz_stmt_text(st, 17)), "location", "lng",
	    (double)gz_stmt_int64(st, 15) / 1e7, "lat", (double)gz_stmt_int64(st, 16) / 1e7,
	    "status", gz_stmt_text(st, 21), "address",
	    gz_stmt_text(st, visible || strcmp(gz_stmt_text(st, 10), "accepted") == 0 ? 25 : 27),
	    "status_label", need_state_label((need_state)need_state_parse(gz_stmt_text(st, 21))),
	    "window_start", gz_api_time_json(gz_stmt_int64(st, 22)), "window_end",
	    gz_api_time_json(gz_stmt_int64(st, 23)), "est_minutes",
	    (json_int_t)gz_stmt_int64(st, 24), "offer", "id", gz_api_id_json(gz_stmt_int64(st, 3)),
	    "name", gz_stmt_text(st, 18), "base", "lng", (double)gz_stmt_int64(st, 19) / 1e7, "lat",
	    (double)gz_stmt_int64(st, 20) / 1e7);
	if (o && !visible)
		json_object_del(o, "weight");
	return o;
}

#define RUN_COLS                                                                                   \
	"m.id, m.scope_code, c.name, m.b, m.lambda, m.needs_n, m.offers_n, m.pairs_n, "            \
	"m.objective, m.distance, m.load_cost, m.priority, m.run_by_name, m.created_at"
#define RUN_FROM " FROM match_runs m LEFT JOIN communities c ON c.code = m.scope_code"

static json_t *run_json(gz_stmt *st)
{
	return json_pack(
	    "{s:o,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:{s:I,s:I,s:I},s:s,s:o}", "id",
	    gz_api_id_json(gz_stmt_int64(st, 0)), "community_code", gz_stmt_text(st, 1),
	    "community_name", gz_stmt_text(st, 2), "B", (json_int_t)gz_stmt_int64(st, 3), "lambda",
	    (json_int_t)gz_stmt_int64(st, 4), "needs", (json_int_t)gz_stmt_int64(st, 5), "offers",
	    (json_int_t)gz_stmt_int64(st, 6), "pairs", (json_int_t)gz_stmt_int64(st, 7),
	    "objective", (json_int_t)gz_stmt_int64(st, 8), "parts", "distance",
	    (json_int_t)gz_stmt_int64(st, 9), "load", (json_int_t)gz_stmt_int64(st, 10), "priority",
	    (json_int_t)gz_stmt_int64(st, 11), "run_by", gz_stmt_text(st, 12), "created_at",
	    gz_api_time_json(gz_stmt_int64(st, 13)));
}

/* Run id with its proposals. 1 found, 0 not, -1 error. *scope gets its community. */
static int run_read(gz_db *db, const gz_actor *a, gz_arena *A, int64_t id, json_t **out,
                    char scope[16], gz_err *err)
{
	*out = NULL;
	gz_stmt *st = gz_db_prepare(db, "SELECT " RUN_COLS RUN_FROM " WHERE m.id = $1", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		*out = run_json(st);
		snprintf(scope, 16, "%s", gz_stmt_text(st, 1));
	}
	gz_stmt_finish(st);
	if (rc != GZ_ROW)
		return rc < 0 ? -1 : 0;
	json_t *items = json_array();
	json_object_set_new(*out, "proposals", items);
	if (!(st = gz_db_prepare(
	          db, "SELECT " PROPOSAL_COLS PROPOSAL_FROM " WHERE p.run_id = $1 ORDER BY p.id",
	          err)))
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW)
		json_array_append_new(items, proposal_json(a, A, st));
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 1;
}

/* ================================================================ the run */

/* The reason about time: the need's window and the provider's first weekly window that
 * meets it ({weekday, from, to}), or null when the offer has none (always available). */
static json_t *window_reason(const run_need *n, const run_offer *o)
{
	int k = match_avail_first(o->windows, o->nwindows, n->win_start, n->win_end);
	json_t *av = json_null();
	if (k >= 0) {
		const match_avail_window *w = &o->windows[k];
		char from[24], to[24];
		snprintf(from, sizeof from, "%02d:%02d", w->from_min / 60, w->from_min % 60);
		snprintf(to, sizeof to, "%02d:%02d", w->to_min / 60, w->to_min % 60);
		av = json_pack("{s:i,s:s,s:s}", "weekday", w->weekday, "from", from, "to", to);
	}
	return json_pack("{s:o,s:o,s:o}", "need_start", gz_api_time_json(n->win_start), "need_end",
	                 gz_api_time_json(n->win_end), "available", av);
}

static int insert_proposal(gz_db *db, const gz_actor *a, int64_t run, const run_need *n,
                           const run_offer *o, const match_pair *p, int64_t k, int64_t B,
                           const char *reasons, int64_t now, gz_err *err)
{
	/* The need first: still open (the run's lock makes it so), else no proposal. */
	gz_stmt *st = gz_db_prepare(db,
	                            "UPDATE match_needs SET status = 'proposed', offer_id = $1, "
	                            "updated_at = $2 WHERE id = $3 AND status = 'open'",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, o->id);
	gz_stmt_bind_int64(st, 2, now);
	gz_stmt_bind_int64(st, 3, n->id);
	int rc = gz_stmt_step(st, err);
	int64_t changed = rc < 0 ? 0 : gz_stmt_changes(st);
	gz_stmt_finish(st);
	if (rc < 0 || !changed)
		return rc < 0 ? -1 : 0;
	if (!(st = gz_db_prepare(
	          db,
	          "INSERT INTO match_proposals (run_id, need_id, offer_id, grid_code, distance_m, "
	          "weight, load_k, reasons, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, "
	          "$7, $8, 'proposed', $9) RETURNING id",
	          err)))
		return -1;
	gz_stmt_bind_int64(st, 1, run);
	gz_stmt_bind_int64(st, 2, n->id);
	gz_stmt_bind_int64(st, 3, o->id);
	gz_stmt_bind_str(st, 4, n->grid);
	gz_stmt_bind_int64(st, 5, p->distance);
	gz_stmt_bind_int64(st, 6, B ? p->priority / B : n->w);
	gz_stmt_bind_int64(st, 7, k);
	gz_stmt_bind_str(st, 8, reasons);
	gz_stmt_bind_int64(st, 9, now);
	int64_t id = 0;
	rc = gz_stmt_step_id(st, &id, err);
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	/* The provider hears of it (notify.h): the skill, never the resident. */
	char title[200];
	snprintf(title, sizeof title, "新的派单：%s，请接单或拒绝", n->skill);
	gz_notice note = {.kind = "match.proposed",
	                  .title = title,
	                  .link = "/matching?tab=inbox",
	                  .object_type = "match_proposal",
	                  .object_id = id};
	return gz_notify(db, a, o->user_id, &note, err) < 0 ? -1 : 0;
}

int gz_match_run(gz_db *db, const gz_actor *a, json_t *in, int64_t now, json_t **out, gz_err *err)
{
	*out = NULL;
	const char *community = NULL;
	gz_api_code_field(in, "community_code", GZ_REQUIRED, GZ_API_AT_COMMUNITY, &community, err);
	if (gz_json_check(err) < 0 || !(db || (db = gz_req_db(a->req, err))))
		return -1;
	/* Out of scope: 404, as for a community that does not exist. */
	if (match_scope_check(a, ACT_WRITE, RES_MATCH_NEED, community, err) < 0)
		return -1;
	if (gz_db_begin(db, err) < 0)
		return -1;
	run_ctx c = {.skills = json_object()};
	match_graph g = {0};
	match_result res = {0};
	int32_t(*cut)[2] = NULL;
	match_need *mn = NULL;
	match_provider *mp = NULL;
	int32_t *prov_skills = NULL;
	int rc = gz_space_node_exists(db, community, err);
	if (rc <= 0) {
		if (rc == 0)
			gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto fail;
	}
	/* One run of a community at a time (match_run_locks); on SQLite the write
	 * transaction is already the only one. */
	gz_stmt *lk = gz_db_prepare(db,
	                            "INSERT INTO match_run_locks (scope_code, last_run_at) VALUES "
	                            "($1, $2) ON CONFLICT (scope_code) DO UPDATE SET last_run_at = "
	                            "excluded.last_run_at",
	                            err);
	if (!lk)
		goto fail;
	gz_stmt_bind_str(lk, 1, community);
	gz_stmt_bind_int64(lk, 2, now);
	rc = gz_stmt_step(lk, err);
	gz_stmt_finish(lk);
	if (rc < 0)
		goto fail;
	/* The settings in force in the community (settings.c). */
	json_t *set = NULL;
	if (match_settings_at(db, community, &set, NULL, err) < 0)
		goto fail;
	int64_t B = match_settings_value(set, "B"), lambda = match_settings_value(set, "lambda"),
	        wait_days = match_settings_value(set, "wait_days"),
	        wait_max = match_settings_value(set, "wait_max"), lng0 = 0, lat0 = 0;
	int64_t eq_boost = match_settings_value(set, "equity_boost"),
	        eq_pct = match_settings_value(set, "equity_threshold_pct"),
	        eq_days = match_settings_value(set, "equity_days"),
	        eq_group_pct = match_settings_value(set, "equity_group_pct");
	load_tag_weights(set, &c);
	json_decref(set);
	if (eq_boost > NEED_TAG_WEIGHT_MAX)
		eq_boost = NEED_TAG_WEIGHT_MAX;
	char lo[GZ_SCOPE_MAX + 2], hi[GZ_SCOPE_MAX + 2], street[16];
	gz_api_scope_range(community, NULL, lo, hi);
	snprintf(street, sizeof street, "%.9s", community);
	/* The plane's origin: the middle of the community's grids. */
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "SELECT (MIN(min_lng_e7) + MAX(max_lng_e7)) / 2, (MIN(min_lat_e7) "
	                  "+ MAX(max_lat_e7)) / 2 FROM grids WHERE community_code = $1",
	                  err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, community);
	if ((rc = gz_stmt_step(st, err)) == GZ_ROW && !gz_stmt_isnull(st, 0)) {
		lng0 = gz_stmt_int64(st, 0);
		lat0 = gz_stmt_int64(st, 1);
	}
	gz_stmt_finish(st);
	if (rc < 0 || load_needs(db, &c, lo, hi, now, err) < 0 ||
	    load_offers(db, &c, lo, hi, street, now, err) < 0 ||
	    equity_boost(db, &c, street, lo, hi, eq_boost, eq_pct, eq_group_pct, eq_days, now,
	                 err) < 0)
		goto fail;
	if (!lng0 && c.nneeds) {
		lng0 = c.needs[0].lng;
		lat0 = c.needs[0].lat;
	}
	need_weight_settings ws = {.wait_days = wait_days, .wait_max = wait_max};
	mn = calloc((size_t)c.nneeds + 1, sizeof *mn);
	mp = calloc((size_t)c.noffers + 1, sizeof *mp);
	for (int i = 0; i < c.nneeds; i++) {
		run_need *n = &c.needs[i];
		n->w = need_weight(n->tagw, (size_t)n->ntags, now - n->created_at, &ws,
		                   &n->tags_part, &n->wait_part) +
		       n->equity_part;
		mn[i].skill = intern(&c, n->skill);
		match_project(lng0, lat0, n->lng, n->lat, &mn[i].x, &mn[i].y);
		mn[i].w = n->w;
	}
	for (int j = 0; j < c.noffers; j++) {
		run_offer *o = &c.offers[j];
		size_t k;
		json_t *v;
		o->skill_ids = calloc(json_array_size(o->skills) + 1, sizeof *o->skill_ids);
		json_array_foreach(o->skills, k, v) o->skill_ids[k] =
		    intern(&c, json_string_value(v) ? json_string_value(v) : "");
		mp[j].skills = o->skill_ids;
		mp[j].nskills = (int32_t)json_array_size(o->skills);
		match_project(lng0, lat0, o->lng, o->lat, &mp[j].x, &mp[j].y);
		/* A grid area: in reach anywhere in those grids (the cut below keeps only
		 * them); the distance still counts. */
		mp[j].radius = o->grids ? 200000 : o->radius;
		mp[j].cap = o->cap > o->load ? o->cap - o->load : 0;
	}
	match_problem p = {.B = B,
	                   .lambda = lambda,
	                   .needs = mn,
	                   .nneeds = c.nneeds,
	                   .providers = mp,
	                   .nproviders = c.noffers};
	size_t ncut = 0;
	if (match_graph_build(&p, &g, err) < 0 ||
	    cuts(db, &c, &g, lo, hi, now, &cut, &ncut, err) < 0)
		goto fail;
	match_graph_exclude(&g, (const int32_t(*)[2])cut, ncut);
	if (match_solve_graph(&p, &g, &res, err) < 0)
		goto fail;
	char who[512];
	match_actor_name(db, a, who, sizeof who);
	st = gz_db_prepare(
	    db,
	    "INSERT INTO match_runs (scope_code, b, lambda, needs_n, offers_n, pairs_n, "
	    "objective, distance, load_cost, priority, run_by, run_by_name, "
	    "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
	    "$13) RETURNING id",
	    err);
	if (!st)
		goto fail;
	gz_stmt_bind_str(st, 1, community);
	gz_stmt_bind_int64(st, 2, B);
	gz_stmt_bind_int64(st, 3, lambda);
	gz_stmt_bind_int64(st, 4, c.nneeds);
	gz_stmt_bind_int64(st, 5, c.noffers);
	gz_stmt_bind_int64(st, 6, res.npairs);
	gz_stmt_bind_int64(st, 7, res.objective);
	gz_stmt_bind_int64(st, 8, res.distance);
	gz_stmt_bind_int64(st, 9, res.load_cost);
	gz_stmt_bind_int64(st, 10, res.priority);
	gz_stmt_bind_id(st, 11, a->user_id);
	gz_stmt_bind_str(st, 12, who);
	gz_stmt_bind_int64(st, 13, now);
	int64_t run = 0;
	rc = gz_stmt_step_id(st, &run, err);
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;
	for (int32_t k = 0; k < res.npairs; k++) {
		const match_pair *pr = &res.pairs[k];
		run_need *n = &c.needs[pr->need];
		run_offer *o = &c.offers[pr->provider];
		int64_t kj = res.load[pr->provider];
		json_t *why =
		    json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "skill", n->skill, "distance_m",
		              (json_int_t)pr->distance, "load", (json_int_t)(o->load + kj),
		              "capacity_per_week", (json_int_t)o->cap, "weight", (json_int_t)n->w,
		              "weight_tags", (json_int_t)n->tags_part, "weight_waiting",
		              (json_int_t)n->wait_part, "priority", (json_int_t)pr->priority);
		json_object_set_new(why, "window", window_reason(n, o));
		json_object_set_new(why, "weight_equity", json_integer((json_int_t)n->equity_part));
		if (n->equity_part) {
			/* The group is never named: a provider reads the reasons, and some tags
			 * (低保, 残疾 …) are sensitive. */
			char note[160];
			snprintf(note, sizeof note, "%s%s%s，优先级 +%lld",
			         n->grid_under ? "所在网格上期服务不足" : "",
			         n->grid_under && n->group_under ? "，" : "",
			         n->group_under ? "所属重点人群上期走访覆盖不足" : "",
			         (long long)n->equity_part);
			json_object_set_new(why, "equity", json_string(note));
		}
		char *wtxt = json_dumps(why, JSON_COMPACT);
		json_decref(why);
		rc = insert_proposal(db, a, run, n, o, pr, o->load + kj, B, wtxt, now, err);
		free(wtxt);
		if (rc < 0)
			goto fail;
	}
	json_t *ans = NULL;
	char scope[16];
	if (match_audit(a, db, "match.run", "match_run", run, community,
	                json_pack("{s:I,s:I,s:I,s:I}", "needs", (json_int_t)c.nneeds, "offers",
	                          (json_int_t)c.noffers, "pairs", (json_int_t)res.npairs,
	                          "objective", (json_int_t)res.objective),
	                err) < 0 ||
	    run_read(db, a, a->req ? &a->req->arena : NULL, run, &ans, scope, err) < 0)
		goto fail;
	json_object_set_new(ans, "engine",
	                    json_pack("{s:I,s:I,s:i}", "feasible_pairs",
	                              (json_int_t)res.stats.nfeasible, "arcs",
	                              (json_int_t)res.stats.narcs, "phases", res.stats.phases));
	free(cut);
	free(mn);
	free(mp);
	free(prov_skills);
	match_result_free(&res);
	match_graph_free(&g);
	ctx_free(&c);
	return match_finish(a, db, 201, ans, out, err);
fail:
	gz_db_rollback(db);
	free(cut);
	free(mn);
	free(mp);
	free(prov_skills);
	match_result_free(&res);
	match_graph_free(&g);
	ctx_free(&c);
	return -1;
}

static void run_create(gz_req *r)
{
	match_create(r, gz_match_run);
}

static void run_get(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t id = match_path_id(r);
	gz_db *db = gz_req_db(r, &err);
	json_t *out = NULL;
	char scope[16] = "";
	int rc = db && id ? run_read(db, gz_req_actor(r), &r->arena, id, &out, scope, &err)
	         : db     ? 0
	                  : -1;
	if (rc == 0)
		gz_err_set(&err, GZ_ENOTFOUND, "not_found", "没有这条记录");
	if (rc <= 0 ||
	    match_scope_check(gz_req_actor(r), ACT_READ, RES_MATCH_NEED, scope, &err) < 0) {
		json_decref(out);
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_json(r, 200, out);
}

static void run_get_h(gz_req *r)
{
	gz_api_read(r, run_get);
}

static json_t *run_row(gz_req *r, gz_stmt *st, int64_t *key)
{
	(void)r;
	*key = match_key(gz_stmt_int64(st, 0));
	return run_json(st);
}

/* GET /matching/runs?community=|street= */
static void run_list(gz_req *r)
{
	match_scoped_list(r,
	                  "SELECT " RUN_COLS RUN_FROM
	                  " WHERE m.scope_code >= $1 AND m.scope_code < "
	                  "$2 AND m.id < " MATCH_KEY_TOP_SQL " - $3 ORDER BY m.id DESC LIMIT $4",
	                  RES_MATCH_NEED, NULL, 0, run_row);
}

/* ================================================================ proposals */

int gz_match_proposal_answer(gz_db *db, const gz_actor *a, int64_t id, bool accept, json_t *in,
                             int64_t now, json_t **out, gz_err *err)
{
	*out = NULL;
	const char *reason = "";
	gz_api_str_field(in, "reason", GZ_OPTIONAL, 0, 200, &reason, err);
	if (gz_json_check(err) < 0 || !(db || (db = gz_req_db(a->req, err))) ||
	    gz_db_begin(db, err) < 0)
		return -1;
	int64_t need = 0, offer = 0, user = 0;
	char status[16] = "", grid[16] = "", oscope[GZ_SCOPE_MAX] = "";
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "SELECT p.need_id, p.offer_id, p.status, p.grid_code, o.user_id, "
	                  "o.scope_code FROM match_proposals p JOIN match_offers o ON o.id = "
	                  "p.offer_id "
	                  "WHERE p.id = $1",
	                  err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, id);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		need = gz_stmt_int64(st, 0);
		offer = gz_stmt_int64(st, 1);
		snprintf(status, sizeof status, "%s", gz_stmt_text(st, 2));
		snprintf(grid, sizeof grid, "%s", gz_stmt_text(st, 3));
		user = gz_stmt_int64(st, 4);
		snprintf(oscope, sizeof oscope, "%s", gz_stmt_text(st, 5));
	}
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;
	if (rc == GZ_DONE) {
		gz_err_set(err, GZ_ENOTFOUND, "not_found", "没有这条记录");
		goto fail;
	}
	/* The provider answers; staff may answer for them (by hand, e.g. on the phone). */
	if (!match_offer_serving(a, user, oscope) &&
	    match_scope_check(a, ACT_WRITE, RES_MATCH_NEED, grid, err) < 0)
		goto fail;
	if (strcmp(status, "proposed") != 0) {
		gz_err_set(err, GZ_ECONFLICT, "bad_state", "该派单已处理");
		goto fail;
	}
	match_need_row n;
	if ((rc = match_need_load(db, need, &n, err)) <= 0)
		goto fail;
	if (match_need_move(db, &n, accept ? NEED_ACCEPT : NEED_DECLINE, now, err) < 0)
		goto fail;
	if (!(st = gz_db_prepare(db,
	                         "UPDATE match_proposals SET status = $1, decline_reason = $2, "
	                         "decided_at = $3 WHERE id = $4",
	                         err)))
		goto fail;
	gz_stmt_bind_str(st, 1, accept ? "accepted" : "declined");
	gz_stmt_bind_str(st, 2, reason);
	gz_stmt_bind_int64(st, 3, now);
	gz_stmt_bind_int64(st, 4, id);
	rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;
	if (!accept) {
		if (!(st = gz_db_prepare(db, "UPDATE match_needs SET offer_id = NULL WHERE id = $1",
		                         err)))
			goto fail;
		gz_stmt_bind_int64(st, 1, need);
		rc = gz_stmt_step(st, err);
		gz_stmt_finish(st);
		if (rc < 0)
			goto fail;
	}
	if (accept) {
		gz_notice note = {.kind = "match.taken",
		                  .title = "您的需求已有人接单",
		                  .link = "/matching?tab=mine",
		                  .object_type = "match_need",
		                  .object_id = need};
		if (gz_notify(db, a, n.resident_user, &note, err) < 0)
			goto fail;
	}
	json_t *ans = NULL;
	if (match_audit(a, db, accept ? "match_proposal.accept" : "match_proposal.decline",
	                "match_proposal", id, grid,
	                json_pack("{s:o,s:o}", "need_id", gz_api_id_json(need), "offer_id",
	                          gz_api_id_json(offer)),
	                err) < 0 ||
	    match_need_read(db, a, a->req ? &a->req->arena : NULL, need, &ans, err) < 0)
		goto fail;
	return match_finish(a, db, 200, ans, out, err);
fail:
	gz_db_rollback(db);
	return -1;
}

static int accept_fn(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                     json_t **out, gz_err *err)
{
	return gz_match_proposal_answer(db, a, id, true, in, now, out, err);
}

static int decline_fn(gz_db *db, const gz_actor *a, int64_t id, json_t *in, int64_t now,
                      json_t **out, gz_err *err)
{
	return gz_match_proposal_answer(db, a, id, false, in, now, out, err);
}

static void proposal_accept(gz_req *r)
{
	match_handle(r, accept_fn, 200);
}

static void proposal_decline(gz_req *r)
{
	match_handle(r, decline_fn, 200);
}

/* GET /me/proposals?status=: the proposals made to the caller's offers, newest first
 * (the provider's inbox). The resident's name is shown as the caller may see it. */
static void my_proposals(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const char *status = gz_req_query(r, "status");
	if (status && strcmp(status, "proposed") && strcmp(status, "accepted") &&
	    strcmp(status, "declined") && strcmp(status, "withdrawn")) {
		gz_err_set(&err, GZ_EBADREQ, "bad_query", "查询参数 status 无效");
		gz_err_field(&err, "status", "应为 proposed、accepted、declined、withdrawn 之一");
		gz_reply_err(r, &err);
		return;
	}
	gz_db *db = gz_req_db(r, &err);
	json_t *items = json_array();
	gz_stmt *st = db ? gz_db_prepare(db,
	                                 "SELECT " PROPOSAL_COLS PROPOSAL_FROM
	                                 " WHERE o.user_id = $1 AND ($2 = '' OR p.status = $2) "
	                                 "ORDER BY p.id DESC LIMIT 100",
	                                 &err)
	                 : NULL;
	if (!st) {
		json_decref(items);
		gz_reply_err(r, &err);
		return;
	}
	gz_stmt_bind_int64(st, 1, gz_req_actor(r)->user_id);
	gz_stmt_bind_str(st, 2, status ? status : "");
	int rc;
	const gz_actor *a = gz_req_actor(r);
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		/* A proposal still open to an offer its owner no longer serves: not theirs to see.
		 */
		if (!strcmp(gz_stmt_text(st, 10), "proposed") &&
		    !match_offer_serving(a, gz_stmt_int64(st, 26), gz_stmt_text(st, 28)))
			continue;
		json_array_append_new(items, proposal_json(a, &r->arena, st));
	}
	gz_stmt_finish(st);
	if (rc < 0) {
		json_decref(items);
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_json(r, 200, json_pack("{s:o,s:n}", "items", items, "next_cursor"));
}

const gz_module_route gz_match_run_routes[] = {
    {"POST", "/api/v1/matching/runs", run_create, 0, 0},
    {"GET", "/api/v1/matching/runs", run_list, 0, 0},
    {"GET", "/api/v1/matching/runs/{id}", run_get_h, 0, 0},
    {"GET", "/api/v1/me/proposals", my_proposals, 0, 0},
    {"POST", "/api/v1/proposals/{id}/accept", proposal_accept, 0, 0},
    {"POST", "/api/v1/proposals/{id}/decline", proposal_decline, 0, 0},
    {0},
};
