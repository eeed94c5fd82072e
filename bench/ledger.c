/* The balance of one points account: the stored balance the API reads
 * (gz_mob_balance_of: one row by its unique owner key) against summing the account's
 * entries with a plain SQL query (SELECT SUM(amount) FROM points_entries WHERE
 * account_id = $1, over the (account_id, id) index), on the same connection, in the same
 * process, for the accounts given.
 *
 *   bench_ledger DB_URL ACCOUNT_ID [ACCOUNT_ID...]
 *
 * For each account: both answers must agree; each is timed warm, in ROUNDS interleaved
 * rounds of at least MIN_MS each, and compared by their median time per call, so load
 * from other processes affects both alike.
 *
 * Measured two ways, the same for both probes:
 *  - in a read snapshot (the target): both run inside one read transaction, as the API
 *    reads a balance (GET /me/summary in its gz_api_read snapshot, a redemption or an
 *    adjustment in its write transaction). This times the computation itself.
 *  - alone (shown): each statement in SQLite's implicit transaction of its own. Opening
 *    and closing that transaction costs the same for both (on SQLite in WAL mode: a
 *    read-mark lock and unlock on the -shm file and an fstat of the database, about 2 us
 *    on the development machine), which is most of a one-row read and a rounding error
 *    of a sum over hundreds of rows.
 *
 * Prints one line per account. Exits 1 if an answer differs or an account's ratio in a
 * snapshot is below TARGET (100): the busiest account, a store and the median member
 * alike; 2 on bad arguments. */
#include "modules/mobilisation/mobilisation.h"
#include "core/time.h"
#include "db/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TARGET 100.0
#define ROUNDS 5
#define MIN_MS 300

typedef int (*probe_fn)(gz_db *db, const void *arg, int64_t *out, gz_err *err);

static int by_balance(gz_db *db, const void *arg, int64_t *out, gz_err *err)
{
	return gz_mob_balance_of(db, arg, out, err);
}

static int by_sum(gz_db *db, const void *arg, int64_t *out, gz_err *err)
{
	return gz_db_query_int64(db,
	                         "SELECT COALESCE(SUM(amount), 0) FROM points_entries WHERE "
	                         "account_id = $1",
	                         out, err, 1, *(const int64_t *)arg) < 0
	           ? -1
	           : 0;
}

/* Nanoseconds per call over at least MIN_MS; inside one read snapshot if snap. */
static double time_per_call(gz_db *db, probe_fn fn, const void *arg, bool snap, int64_t *value)
{
	gz_err err;
	gz_err_clear(&err);
	if (snap && gz_db_begin_read(db, &err) < 0) {
		fprintf(stderr, "bench_ledger: %s\n", err.message);
		exit(1);
	}
	int64_t t0 = gz_time_mono_ns(), n = 0;
	do {
		if (fn(db, arg, value, &err) < 0) {
			fprintf(stderr, "bench_ledger: %s\n", err.message);
			exit(1);
		}
		n++;
	} while (gz_time_mono_ns() - t0 < MIN_MS * 1000000LL);
	double ns = (double)(gz_time_mono_ns() - t0) / (double)n;
	if (snap)
		gz_db_end_read(db);
	return ns;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_ledger DB_URL ACCOUNT_ID...\n");
		return 2;
	}
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_db_open(argv[1], &err);
	if (!db) {
		fprintf(stderr, "bench_ledger: %s\n", err.message);
		return 1;
	}
	int ret = 0;
	for (int i = 2; i < argc; i++) {
		int64_t id = strtoll(argv[i], NULL, 10), entries = 0;
		char key[96] = "";
		gz_stmt *st = gz_db_prepare(
		    db,
		    "SELECT owner_key, (SELECT COUNT(*) FROM points_entries WHERE account_id = $1) "
		    "FROM points_accounts WHERE id = $1",
		    &err);
		if (st) {
			gz_stmt_bind_int64(st, 1, id);
			if (gz_stmt_step(st, &err) == GZ_ROW) {
				snprintf(key, sizeof key, "%s", gz_stmt_text(st, 0));
				entries = gz_stmt_int64(st, 1);
			}
			gz_stmt_finish(st);
		}
		if (!*key) {
			fprintf(stderr, "bench_ledger: no account %s\n", argv[i]);
			ret = 1;
			continue;
		}
		/* [0]: in a read snapshot, [1]: alone; medians of ROUNDS interleaved rounds. */
		double b[2], sm[2];
		int64_t vb = 0, vs = 0;
		for (int mode = 0; mode < 2; mode++) {
			bool snap = mode == 0;
			double tb[ROUNDS], ts[ROUNDS];
			time_per_call(db, by_balance, key, snap, &vb); /* warm both */
			time_per_call(db, by_sum, &id, snap, &vs);
			for (int r = 0; r < ROUNDS && vb == vs; r++) {
				tb[r] = time_per_call(db, by_balance, key, snap, &vb);
				ts[r] = time_per_call(db, by_sum, &id, snap, &vs);
			}
			if (vb != vs)
				break;
			qsort(tb, ROUNDS, sizeof tb[0], cmp_d);
			qsort(ts, ROUNDS, sizeof ts[0], cmp_d);
			b[mode] = tb[ROUNDS / 2];
			sm[mode] = ts[ROUNDS / 2];
		}
		if (vb != vs) {
			printf(
			    "account %lld (%s, %lld entries): balance %lld, sum %lld: MISMATCH\n",
			    (long long)id, key, (long long)entries, (long long)vb, (long long)vs);
			ret = 1;
			continue;
		}
		double ratio = sm[0] / b[0];
		printf(
		    "account %lld (%s, %lld entries): balance %lld = sum %lld; in a read snapshot: "
		    "stored balance %.2f us, SUM over entries %.2f us: %.0fx %s; alone: %.2f us, "
		    "%.2f us: %.0fx\n",
		    (long long)id, key, (long long)entries, (long long)vb, (long long)vs,
		    b[0] / 1e3, sm[0] / 1e3, ratio,
		    ratio >= TARGET ? "(target 100x: ok)" : "(BELOW the 100x target)", b[1] / 1e3,
		    sm[1] / 1e3, sm[1] / b[1]);
		if (ratio < TARGET)
			ret = 1;
	}
	gz_db_close(db);
	return ret;
}
