/* Cases for benchmarks (gongzhi gen --cases N, cases.h gz_cases_generate): N cases over
 * the database's grids and active minor classes, reported over the last year, in the mix
 * of states a street's register holds, with consistent times, deadlines and ratings.
 * Written in bulk — one prepared INSERT per case and its first timeline event, 5,000
 * cases per transaction with one audit row and one count update — not through the
 * state machine: a benchmark wants two million cases in minutes. Each case carries only
 * its `report` event. */
#include "modules/cases/cases_internal.h"
#include "api/common.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOUR  (3600LL * 1000)
#define DAY   (24 * HOUR)
#define BATCH 5000

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t below(uint64_t *x, uint32_t n)
{
	return n ? (uint32_t)(splitmix(x) % n) : 0;
}

/* Column values of one generated case. */
typedef struct {
	const char *state;
	int64_t accepted, dispatched, signed_at, handled, closed, rated, step_due, due;
	const char *satisfaction;
	int resolved; /* -1 none */
} gen_case;

/* The state mix of a street's register and the times that go with it. */
static void shape(uint64_t *x, int64_t t, int64_t now, gen_case *g)
{
	static const struct {
		const char *state;
		int per_mille;
	} mix[] = {{"reported", 60}, {"accepted", 40}, {"dispatched", 80}, {"signed", 100},
	           {"handled", 40},  {"verified", 20}, {"closed", 200},    {"rated", 420},
	           {"rejected", 20}, {"withdrawn", 20}};
	int r = (int)below(x, 1000), k = 0;
	while (k < 9 && (r -= mix[k].per_mille) >= 0)
		k++;
	memset(g, 0, sizeof *g);
	g->state = mix[k].state;
	g->resolved = -1;
	int rank = k <= 7 ? k : -1; /* how far along the loop */
	if (rank >= 1)
		g->accepted = t + HOUR, g->due = t + HOUR + 3 * DAY;
	if (rank >= 2)
		g->dispatched = t + 2 * HOUR;
	if (rank >= 3)
		g->signed_at = t + 4 * HOUR;
	if (rank >= 4)
		g->handled = t + (below(x, 10) ? DAY : 5 * DAY); /* a tenth late */
	if (rank >= 6)
		g->closed = g->handled + 12 * HOUR;
	if (rank == 7) {
		g->rated = g->closed + 12 * HOUR;
		int s = (int)below(x, 100);
		g->satisfaction = s < 80   ? "satisfied"
		                  : s < 92 ? "basically_satisfied"
		                           : "unsatisfied";
		g->resolved = s < 92 || below(x, 2);
	}
	g->step_due = rank == 0   ? t + 2 * HOUR
	              : rank == 1 ? t + 3 * HOUR
	              : rank == 2 ? t + 6 * HOUR
	              : rank == 3 ? g->due
	                          : 0;
	/* Nothing happens after now. */
	int64_t *ts[] = {&g->accepted, &g->dispatched, &g->signed_at,
	                 &g->handled,  &g->closed,     &g->rated};
	for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++)
		if (*ts[i] > now)
			*ts[i] = now;
}

static void bind_or_null(gz_stmt *st, int idx, int64_t v)
{
	if (v)
		gz_stmt_bind_int64(st, idx, v);
	else
		gz_stmt_bind_null(st, idx);
}

/* The codes of a query (grids, or active minor classes with their ids). */
static int load_list(gz_db *db, const char *sql, char (**codes)[16], int64_t **ids, int *n,
                     gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, sql, err);
	if (!st)
		return -1;
	int cap = 0, rc;
	*n = 0;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			*codes = gz_realloc(*codes, sizeof **codes * (size_t)cap);
			*ids = gz_realloc(*ids, sizeof **ids * (size_t)cap);
		}
		snprintf((*codes)[*n], 16, "%s", gz_stmt_text(st, 0));
		(*ids)[(*n)++] = gz_stmt_int64(st, 1);
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

int gz_cases_generate(gz_db *db, const gz_actor *a, int64_t n, uint64_t seed, int64_t now,
                      int64_t *made, gz_err *err)
{
	char(*grids)[16] = NULL, (*cats)[16] = NULL;
	int64_t *gid = NULL, *cid = NULL;
	int ng = 0, nc = 0, ret = -1;
	*made = 0;
	if (load_list(db, "SELECT code, 0 FROM grids ORDER BY code", &grids, &gid, &ng, err) < 0 ||
	    load_list(
	        db,
	        "SELECT code, id FROM case_categories WHERE parent_id IS NOT NULL AND active = "
	        "1 ORDER BY code",
	        &cats, &cid, &nc, err) < 0)
		goto out;
	if (!ng || !nc) {
		gz_err_set(err, GZ_EINVALID, "no_grids", "数据库中没有网格或诉求类别");
		goto out;
	}
	uint64_t x = seed ^ 0x5ca1ab1e;
	while (*made < n) {
		int64_t batch = n - *made < BATCH ? n - *made : BATCH;
		if (gz_db_begin(db, err) < 0)
			goto out;
		for (int64_t i = 0; i < batch; i++) {
			int64_t t = now - 365 * DAY +
			            (int64_t)(splitmix(&x) % (uint64_t)(365 * DAY - HOUR));
			gen_case g;
			shape(&x, t, now, &g);
			static const char *const types[] = {"complaint", "complaint",  "help",
			                                    "consult",   "suggestion", "tipoff"};
			gz_stmt *st =
			    gz_db_prepare(db,
			                  "INSERT INTO cases (grid_code, category_id, "
			                  "request_type, source, state, "
			                  "description, address, handler_scope, step_due_at, "
			                  "due_at, satisfaction, "
			                  "resolved, rated_at, reported_at, accepted_at, "
			                  "dispatched_at, signed_at, "
			                  "handled_at, closed_at, responded_at, response_due_at, "
			                  "created_at, updated_at, overdue, ever_overdue) "
			                  "VALUES ($1, $2, $3, 'hotline', $4, $5, '', $6, $7, $8, "
			                  "$9, $10, $11, $12, $13, "
			                  "$14, $15, $16, $17, $15, $18, $12, $12, $19, $20) "
			                  "RETURNING id",
			                  err);
			if (!st)
				goto rollback;
			int gi = (int)below(&x, (uint32_t)ng), ci = (int)below(&x, (uint32_t)nc);
			char desc[64];
			snprintf(desc, sizeof desc, "压测诉求 %lld", (long long)(*made + i + 1));
			gz_stmt_bind_str(st, 1, grids[gi]);
			gz_stmt_bind_int64(st, 2, cid[ci]);
			gz_stmt_bind_str(st, 3, types[below(&x, 6)]);
			gz_stmt_bind_str(st, 4, g.state);
			gz_stmt_bind_str(st, 5, desc);
			gz_stmt_bind_str(st, 6, g.dispatched ? grids[gi] : NULL);
			bind_or_null(st, 7, g.step_due);
			bind_or_null(st, 8, g.due);
			gz_stmt_bind_str(st, 9, g.satisfaction);
			if (g.resolved < 0)
				gz_stmt_bind_null(st, 10);
			else
				gz_stmt_bind_int64(st, 10, g.resolved);
			bind_or_null(st, 11, g.rated);
			gz_stmt_bind_int64(st, 12, t);
			bind_or_null(st, 13, g.accepted);
			bind_or_null(st, 14, g.dispatched);
			bind_or_null(st, 15, g.signed_at);
			bind_or_null(st, 16, g.handled);
			bind_or_null(st, 17, g.closed);
			bind_or_null(st, 18, g.dispatched ? t + 6 * HOUR : 0);
			/* Marked as the deadline job would have marked them (without its timeline
			 * events): a server started on the data has no year of sweeps to catch up.
			 */
			bool late = g.step_due && g.step_due < now;
			gz_stmt_bind_int64(st, 19, late);
			gz_stmt_bind_int64(st, 20,
			                   late || (g.handled && g.due && g.handled > g.due));
			int64_t id = 0;
			int rc = gz_stmt_step_id(st, &id, err);
			gz_stmt_finish(st);
			if (rc < 0)
				goto rollback;
			st = gz_db_prepare(
			    db,
			    "INSERT INTO case_events (case_id, seq, action, to_state, "
			    "actor_name, actor_role, at) VALUES ($1, 1, 'report', "
			    "'reported', $2, 'dispatcher', $3)",
			    err);
			if (!st)
				goto rollback;
			gz_stmt_bind_int64(st, 1, id);
			gz_stmt_bind_str(st, 2, a->username);
			gz_stmt_bind_int64(st, 3, t);
			rc = gz_stmt_step(st, err);
			gz_stmt_finish(st);
			if (rc < 0)
				goto rollback;
		}
		json_t *d = json_pack("{s:I}", "count", (json_int_t)batch);
		int rc = gz_audit(a, db, "case.generate", "case", "", "", d, err);
		json_decref(d);
		if (rc < 0 || gz_db_count_add(db, "cases", batch, err) < 0 ||
		    gz_db_commit(db, err) < 0)
			goto rollback;
		*made += batch;
	}
	ret = 0;
	goto out;
rollback:
	gz_db_rollback(db);
out:
	free(grids);
	free(cats);
	free(gid);
	free(cid);
	return ret;
}
