/* The per-grid figures of a place and a period: from the counters (what the API reads)
 * or by aggregate SQL over the raw tables (the reference). figures.h; docs/METRICS.md
 * "Equity" ("Cost").
 *
 * Counters: share_counts (code, span, day), kept in every write's transaction by the
 * triggers of migrations/0001_counters.sql. A period [from, to] is read per place as its
 * whole blocks of 16 days (span 16) and the single days at its ends (span 1): at most
 * 15 + 15 + ⌈days / 16⌉ rows a place, each one PRIMARY KEY probe. */
#include "modules/sharing/figures.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPAN 16

void sharing_grids_free(sharing_grids *s)
{
	free(s->g), free(s->comm), free(s->comm_name);
	memset(s, 0, sizeof *s);
}

sharing_grid *sharing_grids_find(sharing_grids *s, const char *code)
{
	size_t lo = 0, hi = s->n; /* grids are in code order */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(s->g[mid].code, code);
		if (!c)
			return &s->g[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int load_grids(gz_db *db, const sharing_query *q, sharing_grids *s, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT g.code, g.community_code, g.name, c.name FROM grids g "
	                            "JOIN communities c ON c.code = g.community_code WHERE g.code "
	                            ">= $1 AND g.code < $2 ORDER BY g.code",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, q->lo);
	gz_stmt_bind_str(st, 2, q->hi);
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		if (s->n == s->cap) {
			s->cap = s->cap ? 2 * s->cap : 64;
			s->g = gz_realloc(s->g, s->cap * sizeof *s->g);
			s->comm = gz_realloc(s->comm, s->cap * sizeof *s->comm);
			s->comm_name = gz_realloc(s->comm_name, s->cap * sizeof *s->comm_name);
		}
		sharing_grid *g = &s->g[s->n++];
		memset(g, 0, sizeof *g);
		snprintf(g->code, sizeof g->code, "%s", gz_stmt_text(st, 0));
		snprintf(g->community, sizeof g->community, "%s", gz_stmt_text(st, 1));
		snprintf(g->name, sizeof g->name, "%s", gz_stmt_text(st, 2));
		if (!s->ncomm || strcmp(s->comm[s->ncomm - 1], g->community)) {
			snprintf(s->comm[s->ncomm], sizeof s->comm[0], "%s", g->community);
			snprintf(s->comm_name[s->ncomm], sizeof s->comm_name[0], "%s",
			         gz_stmt_text(st, 3));
			s->ncomm++;
		}
		g->group = s->ncomm - 1;
	}
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	/* Residents: people's counters (exact in every write's transaction). */
	st = gz_db_prepare(db,
	                   "SELECT grid_code, n FROM resident_counts WHERE grid_code >= $1 "
	                   "AND grid_code < $2 AND status = 'active'",
	                   err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, q->lo);
	gz_stmt_bind_str(st, 2, q->hi);
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		sharing_grid *g = sharing_grids_find(s, gz_stmt_text(st, 0));
		if (g)
			g->residents = gz_stmt_int64(st, 1);
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* Distinct residents visited in the grid over the period, from visits_period. */
static int raw_visited(gz_db *db, const sharing_query *q, sharing_grid *g, gz_err *err)
{
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "SELECT COUNT(*), COUNT(DISTINCT resident_id) FROM visits WHERE "
	                  "grid_code = $1 AND visited_on >= $2 AND visited_on <= $3",
	                  err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, g->code);
	gz_stmt_bind_int64(st, 2, q->from_day);
	gz_stmt_bind_int64(st, 3, q->to_day);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW)
		g->visits = gz_stmt_int64(st, 0), g->visited = gz_stmt_int64(st, 1);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* The reference: aggregate SQL over the period's visits, cases and service records. */
static int fill_raw(gz_db *db, const sharing_query *q, sharing_grids *s, gz_err *err)
{
	int rc;
	gz_stmt *st;
	for (size_t i = 0; i < s->n; i++) {
		sharing_grid *g = &s->g[i];
		if (raw_visited(db, q, g, err) < 0)
			return -1;
		st = gz_db_prepare(
		    db,
		    "SELECT SUM(CASE WHEN self_handled = 0 AND state NOT IN ('withdrawn', "
		    "'merged') "
		    "THEN 1 ELSE 0 END), SUM(CASE WHEN self_handled = 0 AND state NOT IN "
		    "('withdrawn', 'merged') AND accepted_at IS NOT NULL AND closed_at IS NOT NULL "
		    "THEN 1 ELSE 0 END) FROM cases WHERE grid_code = $1 AND reported_at >= $2 AND "
		    "reported_at < $3",
		    err);
		if (!st)
			return -1;
		gz_stmt_bind_str(st, 1, g->code);
		gz_stmt_bind_int64(st, 2, q->from_ms);
		gz_stmt_bind_int64(st, 3, q->to_ms);
		if ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
			g->received = gz_stmt_isnull(st, 0) ? 0 : gz_stmt_int64(st, 0);
			g->closed = gz_stmt_isnull(st, 1) ? 0 : gz_stmt_int64(st, 1);
		}
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	}
	/* Volunteer service: a grid's when the activity was placed in the grid, the node's
	 * communities' otherwise (the street's own activities are outside every community). */
	st = gz_db_prepare(db,
	                   "SELECT scope_code, SUM(minutes) FROM mob_service_records WHERE "
	                   "scope_code >= $1 AND scope_code < $2 AND kind IN ('service', "
	                   "'correction') AND COALESCE(started_at, recorded_at) >= $3 AND "
	                   "COALESCE(started_at, recorded_at) < $4 GROUP BY scope_code",
	                   err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, q->lo);
	gz_stmt_bind_str(st, 2, q->hi);
	gz_stmt_bind_int64(st, 3, q->from_ms);
	gz_stmt_bind_int64(st, 4, q->to_ms);
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		sharing_grid *g = sharing_grids_find(s, gz_stmt_text(st, 0));
		int64_t m = gz_stmt_isnull(st, 1) ? 0 : gz_stmt_int64(st, 1);
		if (g)
			g->minutes += m;
		else
			s->minutes_community += m;
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

/* The sums of one place's counters over the period: visits, visited_last, received,
 * closed, minutes. */
static int counted(gz_db *db, const char *code, const sharing_query *q, int64_t out[5], gz_err *err)
{
	/* [from, a) and [b, to] single days, [a, b) whole blocks. */
	int64_t from = q->from_day, to = q->to_day;
	int64_t a = (from + SPAN - 1) / SPAN * SPAN, b = (to + 1) / SPAN * SPAN;
	int64_t d1_hi = a - 1, d2_lo = b, blk_lo = a, blk_hi = b - SPAN;
	if (a >= b) { /* no whole block: every day single */
		d1_hi = to, d2_lo = to + 1, blk_lo = 1, blk_hi = 0;
	}
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT COALESCE(SUM(visits), 0), COALESCE(SUM(visited_last), 0), "
	    "COALESCE(SUM(cases_received), 0), COALESCE(SUM(cases_closed), 0), "
	    "COALESCE(SUM(service_minutes), 0) FROM (SELECT visits, visited_last, "
	    "cases_received, cases_closed, service_minutes FROM share_counts WHERE code = $1 AND "
	    "span = 1 AND day >= $2 AND day <= $3 UNION ALL SELECT visits, visited_last, "
	    "cases_received, cases_closed, service_minutes FROM share_counts WHERE code = $1 AND "
	    "span = 1 AND day >= $4 AND day <= $5 UNION ALL SELECT visits, visited_last, "
	    "cases_received, cases_closed, service_minutes FROM share_counts WHERE code = $1 AND "
	    "span = 16 AND day >= $6 AND day <= $7) x",
	    err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, code);
	gz_stmt_bind_int64(st, 2, from);
	gz_stmt_bind_int64(st, 3, d1_hi);
	gz_stmt_bind_int64(st, 4, d2_lo);
	gz_stmt_bind_int64(st, 5, to);
	gz_stmt_bind_int64(st, 6, blk_lo);
	gz_stmt_bind_int64(st, 7, blk_hi);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW)
		for (int k = 0; k < 5; k++)
			out[k] = gz_stmt_int64(st, k);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

static int fill_counted(gz_db *db, const sharing_query *q, int64_t today, sharing_grids *s,
                        gz_err *err)
{
	int64_t c[5];
	for (size_t i = 0; i < s->n; i++) {
		sharing_grid *g = &s->g[i];
		if (counted(db, g->code, q, c, err) < 0)
			return -1;
		g->visits = c[0], g->received = c[2], g->closed = c[3], g->minutes = c[4];
		/* Residents whose latest visit is in [from, to] are those visited in it only
		 * when no visit lies after to: for a period reaching today. A past period
		 * counts them from visits_period. */
		if (q->to_day >= today)
			g->visited = c[1];
		else if (raw_visited(db, q, g, err) < 0)
			return -1;
	}
	/* Service placed at the node's other places (communities, the street). */
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT code FROM share_places WHERE code >= $1 AND code < $2 ORDER BY code", err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, q->lo);
	gz_stmt_bind_str(st, 2, q->hi);
	char(*codes)[64] = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		const char *code = gz_stmt_text(st, 0);
		if (sharing_grids_find(s, code) || strlen(code) >= sizeof codes[0])
			continue;
		if (n == cap)
			cap = cap ? 2 * cap : 16, codes = gz_realloc(codes, cap * sizeof *codes);
		snprintf(codes[n++], sizeof codes[0], "%s", code);
	}
	gz_stmt_finish(st);
	for (size_t i = 0; rc >= 0 && i < n; i++) {
		if (counted(db, codes[i], q, c, err) < 0)
			rc = -1;
		else
			s->minutes_community += c[4];
	}
	free(codes);
	return rc < 0 ? -1 : 0;
}

int sharing_grids_load(gz_db *db, const sharing_query *q, bool raw, int64_t today, sharing_grids *s,
                       gz_err *err)
{
	memset(s, 0, sizeof *s);
	if (load_grids(db, q, s, err) < 0)
		return -1;
	return raw ? fill_raw(db, q, s, err) : fill_counted(db, q, today, s, err);
}
