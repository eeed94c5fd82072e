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
 * from other processes affects both alike. Prints one line per account. The first account
 * is the one measured against the target (bench/ledger.sh passes the busiest: what a
 * sum would hurt most); the others are shown for what they are. Exits 1 if an answer
 * differs or the first account's ratio is below TARGET (100), 2 on bad arguments. */
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

/* Nanoseconds per call over at least MIN_MS. */
static double time_per_call(gz_db *db, probe_fn fn, const void *arg, int64_t *value)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t t0 = gz_time_mono_ns(), n = 0;
	do {
		if (fn(db, arg, value, &err) < 0) {
			fprintf(stderr, "bench_ledger: %s\n", err.message);
			exit(1);
		}
		n++;
	} while (gz_time_mono_ns() - t0 < MIN_MS * 1000000LL);
	return (double)(gz_time_mono_ns() - t0) / (double)n;
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
		double tb[ROUNDS], ts[ROUNDS];
		int64_t vb = 0, vs = 0;
		time_per_call(db, by_balance, key, &vb); /* warm both */
		time_per_call(db, by_sum, &id, &vs);
		for (int r = 0; r < ROUNDS; r++) {
			tb[r] = time_per_call(db, by_balance, key, &vb);
			ts[r] = time_per_call(db, by_sum, &id, &vs);
		}
		qsort(tb, ROUNDS, sizeof tb[0], cmp_d);
		qsort(ts, ROUNDS, sizeof ts[0], cmp_d);
		double b = tb[ROUNDS / 2], s = ts[ROUNDS / 2], ratio = s / b;
		bool ok = vb == vs && (i > 2 || ratio >= TARGET);
		printf(
		    "account %lld (%s, %lld entries): balance %lld = sum %lld; stored balance %.2f "
		    "us, SUM over entries %.2f us: %.0fx %s\n",
		    (long long)id, key, (long long)entries, (long long)vb, (long long)vs, b / 1e3,
		    s / 1e3, ratio,
		    vb != vs          ? "MISMATCH"
		    : i > 2           ? "(shown)"
		    : ratio >= TARGET ? "(target 100x: ok)"
		                      : "(BELOW the 100x target)");
		if (!ok)
			ret = 1;
	}
	gz_db_close(db);
	return ret;
}
