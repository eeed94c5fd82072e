/* Needs and offers for benchmarks (gongzhi gen --needs N, matching.h gz_match_generate):
 * N needs over the database's live residents (posted over the last year, in the mix of
 * states a community's list holds; open ones with a window still ahead) and one offer
 * per five needs in the residents' communities, from one generated provider account
 * per community. Written in bulk — one prepared INSERT each, 5,000 per transaction with
 * one audit row and one count update — not through the state machine: a benchmark of a
 * run wants many open needs in minutes. */
#include "modules/matching/match_internal.h"
#include "core/mem.h"
#include "modules/accounts/accounts.h"

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

static const char *const skills[] = {"陪诊", "助餐",     "上门理发", "家电维修",
                                     "代购", "读报陪聊", "助浴",     "心理疏导"};

typedef struct {
	int64_t id, lng, lat;
	char grid[16];
} res_row;

/* The provider account of community code (created once). */
static int64_t provider(gz_db *db, const char *community, gz_err *err)
{
	char un[64];
	snprintf(un, sizeof un, "gen-provider-%s", community);
	gz_user_row u = {0};
	int rc = gz_user_by_name(db, un, false, &u, err);
	if (rc != 0)
		return rc < 0 ? -1 : u.id;
	int64_t id = gz_user_insert(db, un, "生成的服务提供者", "!no-login", err);
	if (id < 0 || gz_user_grant(db, id, ROLE_VOLUNTEER, community, err) < 0)
		return -1;
	return id;
}

int gz_match_generate(gz_db *db, const gz_actor *a, int64_t n, uint64_t seed, int64_t now,
                      int64_t *made, gz_err *err)
{
	*made = 0;
	uint64_t x = seed ^ 0x6d61746368ULL;
	/* The live residents with a point (their grid's middle; their building's when they
	 * have one). */
	size_t cap = 1024, nres = 0;
	res_row *R = gz_malloc(cap * sizeof *R);
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT r.id, r.grid_code, COALESCE(b.lng_e7, (g.min_lng_e7 + g.max_lng_e7) / 2), "
	    "COALESCE(b.lat_e7, (g.min_lat_e7 + g.max_lat_e7) / 2) FROM residents r JOIN grids g "
	    "ON g.code = r.grid_code LEFT JOIN households h ON h.id = r.household_id LEFT JOIN "
	    "units u ON u.id = h.unit_id LEFT JOIN buildings b ON b.id = u.building_id WHERE "
	    "r.deleted_at IS NULL ORDER BY r.id",
	    err);
	if (!st) {
		free(R);
		return -1;
	}
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		if (nres == cap)
			R = gz_realloc(R, (cap *= 2) * sizeof *R);
		R[nres].id = gz_stmt_int64(st, 0);
		snprintf(R[nres].grid, sizeof R[nres].grid, "%s", gz_stmt_text(st, 1));
		R[nres].lng = gz_stmt_int64(st, 2);
		R[nres].lat = gz_stmt_int64(st, 3);
		nres++;
	}
	gz_stmt_finish(st);
	if (rc < 0 || nres == 0) {
		if (rc >= 0)
			gz_err_set(err, GZ_EINVALID, "no_residents",
			           "数据库中没有居民：先运行 gen --residents");
		free(R);
		return -1;
	}
	while (*made < n) {
		int64_t k = n - *made < BATCH ? n - *made : BATCH;
		if (gz_db_begin(db, err) < 0)
			goto fail;
		for (int64_t i = 0; i < k; i++) {
			const res_row *r = &R[below(&x, (uint32_t)nres)];
			int64_t t =
			    now - (int64_t)below(&x, 365) * DAY - (int64_t)below(&x, 24) * HOUR;
			static const char *const mix[] = {"rated",   "rated",     "rated", "done",
			                                  "expired", "cancelled", "open",  "open",
			                                  "open",    "taken"};
			const char *status = mix[below(&x, 10)];
			bool open = strcmp(status, "open") == 0 || strcmp(status, "taken") == 0;
			if (open)
				t = now - (int64_t)below(&x, 6) * DAY;
			const char *skill = skills[below(&x, 8)];
			st = gz_db_prepare(
			    db,
			    "INSERT INTO match_needs (grid_code, resident_id, "
			    "posted_by_name, kind, skill, "
			    "title, lng_e7, lat_e7, window_start, window_end, "
			    "est_minutes, status, minutes, "
			    "rating, created_at, updated_at, done_at) VALUES ($1, $2, "
			    "'生成', 'service', $3, $3, $4, "
			    "$5, $6, $7, 60, $8, $9, $10, $6, $6, $11)",
			    err);
			if (!st)
				goto rollback;
			gz_stmt_bind_str(st, 1, r->grid);
			gz_stmt_bind_int64(st, 2, r->id);
			gz_stmt_bind_str(st, 3, skill);
			gz_stmt_bind_int64(st, 4, r->lng + (int64_t)below(&x, 2000) - 1000);
			gz_stmt_bind_int64(st, 5, r->lat + (int64_t)below(&x, 2000) - 1000);
			gz_stmt_bind_int64(st, 6, t);
			gz_stmt_bind_int64(st, 7, t + 10 * DAY);
			gz_stmt_bind_str(st, 8, status);
			if (strcmp(status, "done") == 0 || strcmp(status, "rated") == 0) {
				gz_stmt_bind_int64(st, 9, 60);
				gz_stmt_bind_int64(st, 11, t); /* done_at */
			} else {
				gz_stmt_bind_null(st, 9);
				gz_stmt_bind_null(st, 11);
			}
			if (strcmp(status, "rated") == 0)
				gz_stmt_bind_int64(st, 10, 4 + below(&x, 2));
			else
				gz_stmt_bind_null(st, 10);
			rc = gz_stmt_step(st, err);
			gz_stmt_finish(st);
			if (rc < 0)
				goto rollback;
			if (i % 5 == 0) {
				char community[13];
				snprintf(community, sizeof community, "%.12s", r->grid);
				int64_t uid = provider(db, community, err);
				if (uid < 0)
					goto rollback;
				char sk[96];
				snprintf(sk, sizeof sk, "[\"%s\",\"%s\"]", skill,
				         skills[below(&x, 8)]);
				st = gz_db_prepare(db,
				                   "INSERT INTO match_offers (scope_code, kind, "
				                   "user_id, name, skills, "
				                   "capacity_per_week, radius_m, lng_e7, lat_e7, "
				                   "status, created_at, "
				                   "updated_at) VALUES ($1, 'person', $2, "
				                   "'生成的服务提供者', $3, $4, $5, $6, "
				                   "$7, 'active', $8, $8)",
				                   err);
				if (!st)
					goto rollback;
				gz_stmt_bind_str(st, 1, community);
				gz_stmt_bind_int64(st, 2, uid);
				gz_stmt_bind_str(st, 3, sk);
				gz_stmt_bind_int64(st, 4, 1 + below(&x, 8));
				gz_stmt_bind_int64(st, 5, 1000 + below(&x, 2000));
				gz_stmt_bind_int64(st, 6,
				                   r->lng + (int64_t)below(&x, 20000) - 10000);
				gz_stmt_bind_int64(st, 7,
				                   r->lat + (int64_t)below(&x, 20000) - 10000);
				gz_stmt_bind_int64(st, 8, now - 400 * DAY);
				rc = gz_stmt_step(st, err);
				gz_stmt_finish(st);
				if (rc < 0)
					goto rollback;
			}
		}
		json_t *d = json_pack("{s:I}", "needs", (json_int_t)k);
		rc = gz_audit(a, db, "match_need.generate", "match_need", "", "", d, err);
		json_decref(d);
		if (rc < 0 || gz_db_count_add(db, "match_needs", k, err) < 0 ||
		    gz_db_commit(db, err) < 0)
			goto rollback;
		*made += k;
	}
	free(R);
	return 0;
rollback:
	gz_db_rollback(db);
fail:
	free(R);
	return -1;
}
