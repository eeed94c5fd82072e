/* The reference of bench/cases.sh's intake: a plain C loop that inserts the rows
 * POST /api/v1/cases inserts into SQLite, one transaction per row, durably.
 *
 *   bench_cases_ref DB GRID CATEGORY_ID LNG_E7 LAT_E7 SECONDS
 *
 * DB is a copy of the database the server writes (same schema, indexes, foreign keys
 * and triggers). The connection runs journal_mode=WAL, foreign_keys=ON and
 * synchronous=FULL: every COMMIT fsyncs the WAL before it returns, so a row counts only
 * once it would survive power loss — the guarantee the server gives by default, where
 * the fsync is shared by a group of commits instead (src/db/sqlite.c). Per row:
 * BEGIN IMMEDIATE; the INSERT of src/modules/cases/intake.c (same columns, a hotline
 * call registered by staff: no reporter account, a reporter name, a point in GRID, a
 * description that differs from row to row); COMMIT. The statements are prepared once.
 * One thread (SQLite has one writer at a time) loops for SECONDS seconds.
 *
 * Prints one line: "rows_per_s ROWS". Exits 2 on bad arguments, 1 if a row fails. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const char *sql_insert =
    "INSERT INTO cases (grid_code, category_id, request_type, source, state, description, "
    "address, building_id, lng_e7, lat_e7, reporter_user_id, reporter_name, "
    "reporter_phone_enc, anonymous, step_due_at, reported_at, external_id, created_at, "
    "updated_at) VALUES (?1, ?2, ?3, ?4, 'reported', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
    "?13, ?14, ?15, ?16, ?15, ?15) RETURNING id";

static int64_t now_ns(int clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "bench_cases_ref: %s: %s\n", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr,
		        "usage: bench_cases_ref DB GRID CATEGORY_ID LNG_E7 LAT_E7 SECONDS\n");
		return 2;
	}
	const char *path = argv[1], *grid = argv[2];
	int64_t category = atoll(argv[3]), lng7 = atoll(argv[4]), lat7 = atoll(argv[5]);
	double secs = atof(argv[6]);
	if (category <= 0 || secs <= 0) {
		fprintf(stderr, "bench_cases_ref: bad CATEGORY_ID or SECONDS\n");
		return 2;
	}
	sqlite3 *db;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench_cases_ref: open %s: %s\n", path, sqlite3_errmsg(db));
		return 2;
	}
	sqlite3_busy_timeout(db, 5000);
	if (exec(db, "PRAGMA journal_mode = WAL") < 0 ||
	    exec(db, "PRAGMA synchronous = FULL") < 0 || exec(db, "PRAGMA foreign_keys = ON") < 0)
		return 2;
	sqlite3_stmt *begin, *commit, *ins;
	if (sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql_insert, -1, &ins, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench_cases_ref: %s\n", sqlite3_errmsg(db));
		return 2;
	}
	int64_t t0 = now_ns(CLOCK_MONOTONIC), end = t0 + (int64_t)(secs * 1e9);
	long rows = 0;
	char desc[160];
	unsigned rnd = (unsigned)t0;
	while (now_ns(CLOCK_MONOTONIC) < end) {
		int64_t ms = now_ns(CLOCK_REALTIME) / 1000000;
		rnd = rnd * 1103515245u + 12345u;
		snprintf(desc, sizeof desc,
		         "参考插入 %ld：小区东门外井盖松动，车辆经过有响声，请尽快处理（%08x）",
		         rows, rnd);
		sqlite3_bind_text(ins, 1, grid, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 2, category);
		sqlite3_bind_text(ins, 3, "complaint", -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, "hotline", -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 5, desc, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 6, "", -1, SQLITE_STATIC);
		sqlite3_bind_null(ins, 7);
		sqlite3_bind_int64(ins, 8, lng7);
		sqlite3_bind_int64(ins, 9, lat7);
		sqlite3_bind_null(ins, 10);
		sqlite3_bind_text(ins, 11, "张先生", -1, SQLITE_STATIC);
		sqlite3_bind_null(ins, 12);
		sqlite3_bind_int64(ins, 13, 0);
		sqlite3_bind_int64(ins, 14, ms + 3600 * 1000); /* C0101: accept within 1 h */
		sqlite3_bind_int64(ins, 15, ms);
		sqlite3_bind_null(ins, 16);
		int rc = sqlite3_step(begin);
		sqlite3_reset(begin);
		if (rc == SQLITE_DONE) {
			while ((rc = sqlite3_step(ins)) == SQLITE_ROW)
				(void)sqlite3_column_int64(ins, 0);
			sqlite3_reset(ins);
		}
		if (rc == SQLITE_DONE) {
			rc = sqlite3_step(commit);
			sqlite3_reset(commit);
		}
		if (rc != SQLITE_DONE) {
			fprintf(stderr, "bench_cases_ref: row %ld: %s\n", rows, sqlite3_errmsg(db));
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return 1;
		}
		rows++;
	}
	double el = (double)(now_ns(CLOCK_MONOTONIC) - t0) / 1e9;
	printf("%.1f %ld\n", (double)rows / el, rows);
	sqlite3_finalize(begin);
	sqlite3_finalize(commit);
	sqlite3_finalize(ins);
	sqlite3_close(db);
	return 0;
}
