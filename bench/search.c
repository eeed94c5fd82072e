/* The reference of bench/search.sh: the plain indexed SQLite query for each key the API
 * is asked for, on the same database file, in one process.
 *
 *   bench_search DB KEYFILE KIND KEYS THREADS SECONDS
 *
 * KIND is id, phone or unit; KEYS a file of one key a line, as the API's q gets it
 * (a normalised ID number, a normalised phone, or "NUMBER LO HI": a unit number and the
 * grid-code range of the scope searched). Per lookup it does what any service answering
 * the question must: for an ID number or a phone the keyed BLAKE2b of the value
 * (gz_crypto_lookup, with the database's key file) and one SELECT through the lookup
 * table's primary key joined to the resident's row; for a unit one SELECT from the
 * units_number index through households to the residents, in (grid, id) order, 21 rows
 * at most (a page of 20 and the look-ahead row) — each statement prepared once per
 * thread, bound and stepped to its end, every column read. THREADS threads, each with
 * its own read-only connection, loop over the keys for SECONDS seconds.
 *
 * Prints one line: "KIND lookups_per_s ROWS_PER_LOOKUP". Exits 2 on bad arguments,
 * 1 if a lookup fails or finds nothing on average. */
#include "core/crypto.h"
#include "core/err.h"
#include "core/time.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RES_COLS                                                                                   \
	"r.id, r.household_id, r.grid_code, r.name, r.gender, r.relation, r.birth_date_enc, "      \
	"r.phone_enc, r.id_number_enc, r.sensitive_tags_enc, r.tags, r.user_id, r.created_at, "    \
	"r.updated_at, r.status, r.status_date, r.status_reason"

static const char *sql_id = "SELECT " RES_COLS " FROM resident_id_keys k JOIN residents r ON "
                            "r.id = k.resident_id WHERE k.id_key = ?1";
static const char *sql_phone = "SELECT " RES_COLS " FROM resident_phone_keys k JOIN residents r "
                               "ON r.id = k.resident_id WHERE k.phone_key = ?1 ORDER BY "
                               "r.grid_code, r.id LIMIT 21";
static const char *sql_unit = "SELECT " RES_COLS " FROM units u JOIN households h ON h.unit_id = "
                              "u.id JOIN residents r ON r.household_id = h.id WHERE u.number = "
                              "?1 AND u.grid_code >= ?2 AND u.grid_code < ?3 ORDER BY "
                              "r.grid_code, r.id LIMIT 21";

typedef struct {
	char a[64], lo[32], hi[32];
} key_t_;

static const char *db_path, *kind;
static const gz_crypto *crypto;
static key_t_ *keys;
static size_t nkeys;
static int64_t deadline_ns;
static atomic_long total_lookups, total_rows, total_fail;

static void *worker(void *arg)
{
	size_t start = (size_t)(uintptr_t)arg;
	sqlite3 *db;
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench_search: open %s: %s\n", db_path, sqlite3_errmsg(db));
		atomic_fetch_add(&total_fail, 1);
		return NULL;
	}
	sqlite3_exec(db, "PRAGMA cache_size = -65536", NULL, NULL, NULL);
	const char *sql = !strcmp(kind, "id")      ? sql_id
	                  : !strcmp(kind, "phone") ? sql_phone
	                                           : sql_unit;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench_search: %s\n", sqlite3_errmsg(db));
		atomic_fetch_add(&total_fail, 1);
		sqlite3_close(db);
		return NULL;
	}
	long n = 0, rows = 0, fail = 0;
	size_t i = start;
	volatile int64_t sink = 0;
	while (gz_time_mono_ns() < deadline_ns) {
		for (int burst = 0; burst < 64; burst++, i++) {
			const key_t_ *k = &keys[i % nkeys];
			if (!strcmp(kind, "unit")) {
				sqlite3_bind_text(st, 1, k->a, -1, SQLITE_STATIC);
				sqlite3_bind_text(st, 2, k->lo, -1, SQLITE_STATIC);
				sqlite3_bind_text(st, 3, k->hi, -1, SQLITE_STATIC);
			} else {
				uint8_t h[GZ_CRYPTO_LOOKUP_BYTES];
				gz_crypto_lookup(crypto, k->a, h);
				sqlite3_bind_blob(st, 1, h, 16, SQLITE_TRANSIENT);
			}
			int rc;
			while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
				for (int c = 0; c < sqlite3_column_count(st); c++)
					sink += sqlite3_column_bytes(st, c);
				rows++;
			}
			if (rc != SQLITE_DONE)
				fail++;
			sqlite3_reset(st);
			n++;
		}
	}
	(void)sink;
	sqlite3_finalize(st);
	sqlite3_close(db);
	atomic_fetch_add(&total_lookups, n);
	atomic_fetch_add(&total_rows, rows);
	atomic_fetch_add(&total_fail, fail);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr,
		        "usage: bench_search DB KEYFILE id|phone|unit KEYS THREADS SECONDS\n");
		return 2;
	}
	db_path = argv[1];
	kind = argv[3];
	int threads = atoi(argv[5]);
	double secs = atof(argv[6]);
	if (strcmp(kind, "id") && strcmp(kind, "phone") && strcmp(kind, "unit")) {
		fprintf(stderr, "bench_search: KIND is id, phone or unit\n");
		return 2;
	}
	if (threads < 1 || threads > 64 || secs <= 0) {
		fprintf(stderr, "bench_search: THREADS 1..64, SECONDS > 0\n");
		return 2;
	}
	gz_err err;
	gz_err_clear(&err);
	gz_crypto *c = gz_crypto_load_or_create(argv[2], &err);
	if (!c) {
		fprintf(stderr, "bench_search: %s\n", err.message);
		return 2;
	}
	crypto = c;
	FILE *f = fopen(argv[4], "r");
	if (!f) {
		perror(argv[4]);
		return 2;
	}
	size_t cap = 1024;
	keys = calloc(cap, sizeof *keys);
	char line[256];
	while (fgets(line, sizeof line, f)) {
		if (nkeys == cap)
			keys = realloc(keys, (cap *= 2) * sizeof *keys);
		key_t_ *k = &keys[nkeys];
		memset(k, 0, sizeof *k);
		if (sscanf(line, "%63s %31s %31s", k->a, k->lo, k->hi) >= 1)
			nkeys++;
	}
	fclose(f);
	if (!nkeys) {
		fprintf(stderr, "bench_search: no keys in %s\n", argv[4]);
		return 2;
	}
	pthread_t th[64];
	deadline_ns = gz_time_mono_ns() + (int64_t)(secs * 1e9);
	int64_t t0 = gz_time_mono_ns();
	for (int i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, worker,
		               (void *)(uintptr_t)(i * nkeys / (size_t)threads));
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	double el = (double)(gz_time_mono_ns() - t0) / 1e9;
	long n = atomic_load(&total_lookups), rows = atomic_load(&total_rows);
	printf("%s %.0f %.2f\n", kind, (double)n / el, n ? (double)rows / (double)n : 0.0);
	gz_crypto_free(c);
	free(keys);
	if (atomic_load(&total_fail) || !rows)
		return 1;
	return 0;
}
