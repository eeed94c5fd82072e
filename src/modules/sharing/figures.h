/* The per-grid figures of a place and a period (module-internal): what GET
 * /sharing/equity, the dashboard and the monthly report show per grid, read from the
 * counters (share_counts, kept by triggers: migrations/0001_counters.sql) or — the
 * reference bench/dashboard.sh and the tests compare them with — counted by aggregate
 * SQL over the raw tables. docs/METRICS.md "Equity" has the formulas and "Cost" the
 * choice. */
#ifndef GZ_MODULES_SHARING_FIGURES_H
#define GZ_MODULES_SHARING_FIGURES_H

#include "modules/sharing/sharing_internal.h"
#include "modules/space/space.h"

#include <stdbool.h>

typedef struct {
	char code[SPACE_CODE_SIZE], community[SPACE_CODE_SIZE];
	char name[200];
	int64_t residents, visits, visited, received, closed, minutes;
	/* Per request over the grid's cases of the period (equity_api.c, not counters):
	 * rated / satisfied (满意 or 基本满意), and the medians in seconds (-1: fewer than
	 * SHARING_MIN_GROUP cases with the instant) of the cases counted in resp_n / hand_n. */
	int64_t rated, satisfied, resp_med, resp_n, hand_med, hand_n;
	int group; /* index of its community in the set */
} sharing_grid;

typedef struct {
	sharing_grid *g; /* the node's grids, in code order */
	size_t n, cap;
	char (*comm)[SPACE_CODE_SIZE];
	char (*comm_name)[200];
	int ncomm;
	int64_t minutes_community; /* service placed at a community or the street */
} sharing_grids;

/* The grids of q's node with their figures over q's period. raw: count them with
 * aggregate SQL over visits, cases and mob_service_records (the reference) instead of
 * reading the counters. today: the current Beijing day (a period reaching it reads the
 * distinct residents visited from the counters too). Returns 0, or -1 with err (s is
 * to be freed either way). */
int sharing_grids_load(gz_db *db, const sharing_query *q, bool raw, int64_t today, sharing_grids *s,
                       gz_err *err);
void sharing_grids_free(sharing_grids *s);
sharing_grid *sharing_grids_find(sharing_grids *s, const char *code);

/* The reference (bench/dashboard.c; the route uses the memo's sharing_case_times_memo):
 * satisfaction and the median response and handling times of the 立案 cases reported in
 * q's period, per grid of s and for the node (*all, zeroed with resp_med = hand_med = -1
 * by the caller), from all those cases. Returns 0, or -1 with err. */
int sharing_case_times_load(gz_db *db, const sharing_query *q, sharing_grids *s, sharing_grid *all,
                            gz_err *err);

/* The reference (the route uses sharing_groups_memo): the coverage of each vulnerable
 * group inside q's node over its period (the "groups" of GET /sharing/equity; the
 * sensitive groups only if reveal), from all the node's members. Returns 0 with *out (a
 * new array), or -1 with err. */
int sharing_groups_json(gz_db *db, const sharing_query *q, bool reveal, json_t **out, gz_err *err);

/* The same two answers as sharing_case_times_load and sharing_groups_json, as the route
 * computes them: per grid, kept in the memo (memo.h) at the grid's version and recomputed
 * only for the grids whose version moved; the node's sums and medians combined from the
 * grids' (the medians by selection over the grids' sorted durations). Inside a read
 * snapshot. */
int sharing_case_times_memo(gz_db *db, const sharing_query *q, sharing_grids *s, sharing_grid *all,
                            gz_err *err);
int sharing_groups_memo(gz_db *db, const sharing_query *q, bool reveal, json_t **out, gz_err *err);

#endif
