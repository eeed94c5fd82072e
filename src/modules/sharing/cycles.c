/* The flows of the small and big cycles (小循环/大循环) of a place and period, and the needs
 * met per grid (GET /api/v1/sharing/cycles). docs/METRICS.md, "The small and big
 * cycles", has the definitions; cycles_rules.c the pure rules.
 *
 * Per community inside the node and per month (Asia/Shanghai) of the period: service
 * minutes (mobilisation's service records and the minutes of needs done), needs met
 * (matching needs done in the period) and project resources (the commitments to the
 * node's projects, amounts in fen), each split by where it came from: the Party system,
 * co-building units, social organisations, resident volunteers, other organisations.
 * Reads the node's ranges only: mob_service_records (scope_code, id), match_needs
 * (grid_code, done_at) and match_projects (scope_code, id) with their commitments. */
#include "modules/sharing/cycles.h"
#include "modules/sharing/sharing_internal.h"
#include "api/common.h"
#include "core/mem.h"
#include "modules/module.h"
#include "modules/visits/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { F_MINUTES, F_NEEDS, F_FEN, F_COMMITMENTS, F__COUNT };
static const char *const fig_codes[F__COUNT] = {"service_minutes", "needs_met", "project_fen",
                                                "project_commitments"};

typedef struct {
	int64_t v[F__COUNT][CYCLE__COUNT];
} cy_fig;

typedef struct {
	char code[16], name[128];
	cy_fig total;
	cy_fig *months; /* nmonths */
} cy_comm;

typedef struct {
	char code[16], name[128], community[16];
	int64_t needs, minutes;
} cy_grid;

typedef struct {
	const sharing_query *q;
	int64_t m0;
	int nmonths;
	cy_comm *comm;
	int ncomm;
	cy_grid *grid;
	int ngrid;
	cy_fig total;
} cy_set;

static void set_free(cy_set *s)
{
	for (int i = 0; i < s->ncomm; i++)
		free(s->comm[i].months);
	free(s->comm);
	free(s->grid);
}

static cy_comm *comm_of(cy_set *s, const char *scope)
{
	if (strlen(scope) < 12)
		return NULL;
	for (int i = 0; i < s->ncomm; i++)
		if (!strncmp(s->comm[i].code, scope, 12))
			return &s->comm[i];
	return NULL;
}

static cy_grid *grid_of(cy_set *s, const char *code)
{
	for (int i = 0; i < s->ngrid; i++)
		if (!strcmp(s->grid[i].code, code))
			return &s->grid[i];
	return NULL;
}

/* Adds v to figure f of source src at scope, at time ms. */
static void add(cy_set *s, const char *scope, int64_t ms, int f, cycle_source src, int64_t v)
{
	s->total.v[f][src] += v;
	cy_comm *c = comm_of(s, scope);
	if (!c)
		return;
	c->total.v[f][src] += v;
	int64_t k = cycle_month_of_day(visit_day_of_ms(ms)) - s->m0;
	if (k >= 0 && k < s->nmonths)
		c->months[k].v[f][src] += v;
}

static int load_places(gz_db *db, cy_set *s, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT code, name FROM communities WHERE code >= $1 AND "
	                            "code < $2 UNION SELECT community_code, '' FROM grids WHERE "
	                            "code >= $1 AND code < $2 AND community_code < $1 ORDER BY 1",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, s->q->lo);
	gz_stmt_bind_str(st, 2, s->q->hi);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		s->comm = gz_realloc(s->comm, (size_t)(s->ncomm + 1) * sizeof *s->comm);
		cy_comm *c = &s->comm[s->ncomm++];
		memset(c, 0, sizeof *c);
		snprintf(c->code, sizeof c->code, "%s", gz_stmt_text(st, 0));
		snprintf(c->name, sizeof c->name, "%s", gz_stmt_text(st, 1));
		c->months = gz_calloc((size_t)s->nmonths, sizeof *c->months);
	}
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	/* A grid node: its community by name. */
	for (int i = 0; i < s->ncomm; i++) {
		if (s->comm[i].name[0])
			continue;
		if (!(st = gz_db_prepare(db, "SELECT name FROM communities WHERE code = $1", err)))
			return -1;
		gz_stmt_bind_str(st, 1, s->comm[i].code);
		if ((rc = gz_stmt_step(st, err)) == GZ_ROW)
			snprintf(s->comm[i].name, sizeof s->comm[i].name, "%s",
			         gz_stmt_text(st, 0));
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	}
	if (!(st =
	          gz_db_prepare(db,
	                        "SELECT code, name, community_code FROM grids WHERE code >= $1 AND "
	                        "code < $2 ORDER BY code",
	                        err)))
		return -1;
	gz_stmt_bind_str(st, 1, s->q->lo);
	gz_stmt_bind_str(st, 2, s->q->hi);
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		s->grid = gz_realloc(s->grid, (size_t)(s->ngrid + 1) * sizeof *s->grid);
		cy_grid *g = &s->grid[s->ngrid++];
		memset(g, 0, sizeof *g);
		snprintf(g->code, sizeof g->code, "%s", gz_stmt_text(st, 0));
		snprintf(g->name, sizeof g->name, "%s", gz_stmt_text(st, 1));
		snprintf(g->community, sizeof g->community, "%s", gz_stmt_text(st, 2));
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* Is the account's resident a registered Party member (1/0), as SQL given a user id. */
#define MEMBER(U)                                                                                  \
	"CASE WHEN EXISTS (SELECT 1 FROM residents rs JOIN party_members pm ON pm.resident_id = "  \
	"rs.id WHERE rs.user_id = " U ") THEN 1 ELSE 0 END"

/* Service records: services and their corrections placed inside the node, by the start
 * of the service they count for. */
static int load_services(gz_db *db, cy_set *s, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT r.scope_code, COALESCE(c.started_at, r.started_at), r.minutes, " MEMBER(
	        "r.user_id") ", COALESCE(o.type, '') FROM mob_service_records r LEFT JOIN "
	                     "mob_service_records c ON c.id = r.corrects_id LEFT JOIN "
	                     "mob_activities a ON a.id = COALESCE(r.activity_id, c.activity_id) "
	                     "LEFT JOIN organisations o ON o.id = a.organiser_org_id WHERE "
	                     "r.scope_code >= $1 AND r.scope_code < $2 AND r.kind IN ('service', "
	                     "'correction') AND COALESCE(c.started_at, r.started_at) >= $3 AND "
	                     "COALESCE(c.started_at, r.started_at) < $4",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, s->q->lo);
	gz_stmt_bind_str(st, 2, s->q->hi);
	gz_stmt_bind_int64(st, 3, s->q->from_ms);
	gz_stmt_bind_int64(st, 4, s->q->to_ms);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW)
		add(s, gz_stmt_text(st, 0), gz_stmt_int64(st, 1), F_MINUTES,
		    cycle_source_of_person(gz_stmt_int64(st, 3) != 0, gz_stmt_text(st, 4)),
		    gz_stmt_int64(st, 2));
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* Needs done in the period inside the node, by their provider. */
static int load_needs(gz_db *db, cy_set *s, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT n.grid_code, n.done_at, COALESCE(n.minutes, 0), COALESCE(o.kind, ''), "
	    "COALESCE(org.type, ''), " MEMBER(
	        "o.user_id") " FROM match_needs n LEFT JOIN match_offers o ON o.id = n.offer_id "
	                     "LEFT JOIN organisations org ON org.id = o.org_id WHERE n.grid_code "
	                     ">= $1 AND n.grid_code < $2 AND n.done_at >= $3 AND n.done_at < $4",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, s->q->lo);
	gz_stmt_bind_str(st, 2, s->q->hi);
	gz_stmt_bind_int64(st, 3, s->q->from_ms);
	gz_stmt_bind_int64(st, 4, s->q->to_ms);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		const char *grid = gz_stmt_text(st, 0), *kind = gz_stmt_text(st, 3);
		int64_t at = gz_stmt_int64(st, 1), minutes = gz_stmt_int64(st, 2);
		cycle_source src = !strcmp(kind, "unit") ? cycle_source_of_org(gz_stmt_text(st, 4))
		                   : !strcmp(kind, "person")
		                       ? cycle_source_of_person(gz_stmt_int64(st, 5) != 0, NULL)
		                       : CYCLE_OTHER;
		add(s, grid, at, F_NEEDS, src, 1);
		add(s, grid, at, F_MINUTES, src, minutes);
		cy_grid *g = grid_of(s, grid);
		if (g)
			g->needs++, g->minutes += minutes;
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* Commitments made in the period to the projects placed inside the node. */
static int load_commitments(gz_db *db, cy_set *s, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT p.scope_code, c.created_at, c.amount_fen, "
	                            "COALESCE(o.type, '') FROM match_projects p JOIN "
	                            "match_commitments c ON c.project_id = p.id LEFT JOIN "
	                            "organisations o ON o.id = c.org_id WHERE p.scope_code >= $1 "
	                            "AND p.scope_code < $2 AND c.created_at >= $3 AND "
	                            "c.created_at < $4",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, s->q->lo);
	gz_stmt_bind_str(st, 2, s->q->hi);
	gz_stmt_bind_int64(st, 3, s->q->from_ms);
	gz_stmt_bind_int64(st, 4, s->q->to_ms);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		cycle_source src = cycle_source_of_org(gz_stmt_text(st, 3));
		add(s, gz_stmt_text(st, 0), gz_stmt_int64(st, 1), F_FEN, src, gz_stmt_int64(st, 2));
		add(s, gz_stmt_text(st, 0), gz_stmt_int64(st, 1), F_COMMITMENTS, src, 1);
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* {service_minutes: {party, coop_unit, social_org, volunteer, other, total, party_share}, …} */
static json_t *fig_json(const cy_fig *f)
{
	json_t *o = json_object();
	for (int k = 0; k < F__COUNT; k++) {
		json_t *m = json_object();
		int64_t t = 0;
		for (int src = 0; src < CYCLE__COUNT; src++) {
			json_object_set_new(m, cycle_source_code((cycle_source)src),
			                    json_integer((json_int_t)f->v[k][src]));
			t += f->v[k][src];
		}
		json_object_set_new(m, "total", json_integer((json_int_t)t));
		char pct[32];
		json_object_set_new(m, "party_share",
		                    cycle_share(f->v[k][CYCLE_PARTY], t, pct, sizeof pct)
		                        ? json_string(pct)
		                        : json_null());
		json_object_set_new(o, fig_codes[k], m);
	}
	return o;
}

int sharing_cycles_build(gz_db *db, const sharing_query *qp, json_t **out, gz_err *err)
{
	const sharing_query q = *qp;
	cy_set s = {.q = &q};
	s.m0 = cycle_month_of_day(q.from_day);
	s.nmonths = (int)(cycle_month_of_day(q.to_day) - s.m0 + 1);
	if (load_places(db, &s, err) < 0 || load_services(db, &s, err) < 0 ||
	    load_needs(db, &s, err) < 0 || load_commitments(db, &s, err) < 0) {
		set_free(&s);
		return -1;
	}
	json_t *sources = json_array();
	for (int src = 0; src < CYCLE__COUNT; src++)
		json_array_append_new(
		    sources, json_pack("{s:s,s:s}", "code", cycle_source_code((cycle_source)src),
		                       "label", cycle_source_label((cycle_source)src)));
	json_t *comms = json_array();
	for (int i = 0; i < s.ncomm; i++) {
		json_t *months = json_array();
		for (int k = 0; k < s.nmonths; k++) {
			char m[16];
			cycle_month_str(s.m0 + k, m, sizeof m);
			json_t *o = fig_json(&s.comm[i].months[k]);
			json_object_set_new(o, "month", json_string(m));
			json_array_append_new(months, o);
		}
		json_array_append_new(comms,
		                      json_pack("{s:s,s:s,s:o,s:o}", "code", s.comm[i].code, "name",
		                                s.comm[i].name, "total", fig_json(&s.comm[i].total),
		                                "months", months));
	}
	json_t *grids = json_array();
	for (int i = 0; i < s.ngrid; i++)
		json_array_append_new(
		    grids, json_pack("{s:s,s:s,s:s,s:I,s:I}", "code", s.grid[i].code, "name",
		                     s.grid[i].name, "community_code", s.grid[i].community,
		                     "needs_met", (json_int_t)s.grid[i].needs, "service_minutes",
		                     (json_int_t)s.grid[i].minutes));
	json_t *body =
	    json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o}", "node", q.node, "from",
	              sharing_day_json(q.from_day), "to", sharing_day_json(q.to_day), "sources",
	              sources, "total", fig_json(&s.total), "communities", comms, "grids", grids);
	set_free(&s);
	*out = body;
	return 0;
}

static void cycles_answer(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	sharing_query q;
	json_t *body = NULL;
	gz_db *db = gz_req_db(r, &err);
	if (!db || sharing_query_parse(r, db, ACT_READ, RES_EQUITY, &q, &err) < 0 ||
	    sharing_cycles_build(db, &q, &body, &err) < 0) {
		gz_reply_err(r, &err);
		return;
	}
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_json(r, 200, body);
}

static void cycles(gz_req *r)
{
	gz_api_read(r, cycles_answer);
}

const gz_module_route gz_sharing_cycles_routes[] = {
    {"GET", "/api/v1/sharing/cycles", cycles, 0, 0},
    {0},
};
