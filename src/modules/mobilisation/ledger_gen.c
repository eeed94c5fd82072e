/* gongzhi ledger gen: a large synthetic points ledger for bench/ledger.sh and for
 * `gongzhi ledger check` at scale. Movements are earnings (a community's issuer pays a
 * member) and redemptions (a member pays a community's store, never more than the
 * member holds), written as the API writes them — two entries each with the balance
 * after them, the accounts' balances kept — but in multi-row INSERTs and large
 * transactions. The accounts are ledger accounts only (no users, owner key
 * "gen:SEED:N"). Deterministic for a seed. */
#include "modules/mobilisation/mob_internal.h"
#include "modules/mobilisation/mobilisation.h"
#include "cli/cli.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/time.h"
#include "db/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEN_BATCH   64     /* movements per INSERT (5 parameters each) */
#define GEN_TX      100000 /* movements per transaction */
#define GEN_MAX     100000000LL
#define GEN_STREET  "110199001" /* a synthetic street's communities */
#define GEN_YEAR_MS (365LL * MOB_DAY_MS)

typedef struct {
	uint64_t s;
} rng;

static uint64_t next(rng *r)
{
	/* splitmix64 */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int64_t range(rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(next(r) % (uint64_t)(hi - lo + 1));
}

typedef struct {
	gz_db *db;
	int64_t *mv; /* GEN_BATCH x (id, kind 0 earn / 1 redeem, community index, at) */
	int64_t *en; /* 2 GEN_BATCH x (movement, account, amount, after) */
	int n;       /* movements buffered */
	char (*codes)[16];
} gen;

/* "INSERT ... VALUES ($1, ..), (..)" for k rows of cols columns. */
static char *multi_insert(const char *head, int k, int cols)
{
	size_t cap = strlen(head) + (size_t)k * (size_t)cols * 8 + 16;
	char *s = gz_malloc(cap);
	size_t n = (size_t)snprintf(s, cap, "%s", head);
	int p = 1;
	for (int i = 0; i < k; i++) {
		n += (size_t)snprintf(s + n, cap - n, "%s(", i ? ", " : " VALUES ");
		for (int c = 0; c < cols; c++)
			n += (size_t)snprintf(s + n, cap - n, "%s$%d", c ? ", " : "", p++);
		n += (size_t)snprintf(s + n, cap - n, ")");
	}
	return s;
}

static int flush(gen *g, gz_err *err)
{
	if (!g->n)
		return 0;
	char *sql =
	    multi_insert("INSERT INTO points_movements (id, kind, rule, scope_code, at)", g->n, 5);
	gz_stmt *st = gz_db_prepare(g->db, sql, err);
	free(sql);
	if (!st)
		return -1;
	for (int i = 0; i < g->n; i++) {
		const int64_t *m = &g->mv[i * 4];
		gz_stmt_bind_int64(st, i * 5 + 1, m[0]);
		gz_stmt_bind_str(st, i * 5 + 2, m[1] ? "redeem" : "earn");
		gz_stmt_bind_str(st, i * 5 + 3, m[1] ? NULL : "service_hour");
		gz_stmt_bind_str(st, i * 5 + 4, g->codes[m[2]]);
		gz_stmt_bind_int64(st, i * 5 + 5, m[3]);
	}
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	sql = multi_insert(
	    "INSERT INTO points_entries (movement_id, account_id, amount, balance_after)", 2 * g->n,
	    4);
	st = gz_db_prepare(g->db, sql, err);
	free(sql);
	if (!st)
		return -1;
	for (int i = 0; i < 2 * g->n * 4; i++)
		gz_stmt_bind_int64(st, i + 1, g->en[i]);
	rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	g->n = 0;
	return rc < 0 ? -1 : 0;
}

/* Creates an account; returns its id or -1. */
static int64_t account(gz_db *db, const char *kind, const char *key, const char *scope, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "INSERT INTO points_accounts (kind, owner_key, scope_code, "
	                            "balance, created_at) VALUES ($1, $2, $3, 0, $4) RETURNING id",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, kind);
	gz_stmt_bind_str(st, 2, key);
	gz_stmt_bind_str(st, 3, scope);
	gz_stmt_bind_int64(st, 4, gz_time_now_ms());
	int64_t id = 0;
	int rc = gz_stmt_step_id(st, &id, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : id;
}

static int set_balance(gz_db *db, int64_t id, int64_t balance, gz_err *err)
{
	gz_stmt *st =
	    gz_db_prepare(db, "UPDATE points_accounts SET balance = $2 WHERE id = $1", err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, id);
	gz_stmt_bind_int64(st, 2, balance);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	char *end;
	long long v = s ? strtoll(s, &end, 10) : 0;
	if (!s || !*s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int gz_mob_ledger_gen(int argc, char **argv)
{
	int64_t entries = 0, members = 0, communities = 4, seed = 1;
	bool json = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int bad = 0;
		if (!strcmp(a, "--entries"))
			bad = parse_i64(v, 2, GEN_MAX, &entries), i++;
		else if (!strcmp(a, "--members"))
			bad = parse_i64(v, 1, 10000000, &members), i++;
		else if (!strcmp(a, "--communities"))
			bad = parse_i64(v, 1, 999, &communities), i++;
		else if (!strcmp(a, "--seed"))
			bad = parse_i64(v, 0, INT64_MAX, &seed), i++;
		else if (!strcmp(a, "--json"))
			json = true;
		else
			bad = -1;
		if (bad) {
			fprintf(stderr, "gongzhi ledger gen: bad argument '%s' (see --help)\n", a);
			return 2;
		}
	}
	if (!entries) {
		fprintf(stderr, "gongzhi ledger gen: --entries N is required (see --help)\n");
		return 2;
	}
	if (!members)
		members = entries / 1000 > 10 ? entries / 1000 : 10;
	setenv("GONGZHI_SQLITE_SYNC", "NORMAL", 0);
	gz_db *db = gz_cli_open_db();
	if (!db)
		return 1;
	int64_t t0 = gz_time_mono_ns();
	gz_err err;
	gz_err_clear(&err);
	int64_t nacc = members + 2 * communities;
	int64_t *ids = gz_calloc((size_t)nacc, sizeof *ids);
	int64_t *bal = gz_calloc((size_t)nacc, sizeof *bal);
	int64_t *cnt = gz_calloc((size_t)nacc, sizeof *cnt);
	gen g = {.db = db,
	         .mv = gz_malloc(sizeof(int64_t) * 4 * GEN_BATCH),
	         .en = gz_malloc(sizeof(int64_t) * 8 * GEN_BATCH),
	         .codes = gz_calloc((size_t)communities, 16)};
	int ret = 1;
	int64_t base = 0, moves = 0, made = 0, redeemed = 0;
	rng r = {(uint64_t)seed * 0x2545f4914f6cdd1dULL + 1};
	/* accounts: issuers [0, C), stores [C, 2C), members [2C, ...) */
	if (gz_db_begin(db, &err) < 0)
		goto fail;
	for (int64_t c = 0; c < communities; c++) {
		snprintf(g.codes[c], 16, GEN_STREET "%03d", (int)(c + 1) % 1000);
		char key[64];
		snprintf(key, sizeof key, "gen:%lld:issuer:%s", (long long)seed, g.codes[c]);
		if ((ids[c] = account(db, "issuer", key, g.codes[c], &err)) < 0)
			goto fail;
		snprintf(key, sizeof key, "gen:%lld:store:%s", (long long)seed, g.codes[c]);
		if ((ids[communities + c] = account(db, "store", key, g.codes[c], &err)) < 0)
			goto fail;
	}
	for (int64_t m = 0; m < members; m++) {
		char key[64];
		snprintf(key, sizeof key, "gen:%lld:%lld", (long long)seed, (long long)m);
		if ((ids[2 * communities + m] = account(db, "member", key, "", &err)) < 0)
			goto fail;
	}
	if (gz_db_query_int64(db, "SELECT COALESCE(MAX(id), 0) FROM points_movements", &base, &err,
	                      0) < 0 ||
	    gz_db_commit(db, &err) < 0)
		goto fail;
	int64_t start = gz_time_now_ms() - GEN_YEAR_MS, nmoves = entries / 2;
	if (gz_db_begin(db, &err) < 0)
		goto fail;
	for (moves = 0; moves < nmoves; moves++) {
		int64_t m = 2 * communities + range(&r, 0, members - 1);
		int64_t c = (m - 2 * communities) % communities; /* a member's community */
		int64_t price = range(&r, 2, 30);
		bool redeem = bal[m] >= price && range(&r, 0, 99) < 45;
		int64_t from = redeem ? m : c, to = redeem ? communities + c : m;
		int64_t amount = redeem ? price : range(&r, 1, 8);
		bal[from] -= amount;
		bal[to] += amount;
		cnt[from]++;
		cnt[to]++;
		redeemed += redeem;
		int64_t *mv = &g.mv[g.n * 4], *en = &g.en[g.n * 8];
		mv[0] = base + moves + 1;
		mv[1] = redeem;
		mv[2] = c;
		mv[3] = start + moves * (GEN_YEAR_MS / (nmoves + 1));
		int64_t e[8] = {mv[0], ids[from], -amount, bal[from],
		                mv[0], ids[to],   amount,  bal[to]};
		memcpy(en, e, sizeof e);
		if (++g.n == GEN_BATCH && flush(&g, &err) < 0)
			goto fail;
		if ((moves + 1) % GEN_TX == 0) {
			if (gz_db_commit(db, &err) < 0 || gz_db_begin(db, &err) < 0)
				goto fail;
			made = moves + 1;
			if (!json && made % (GEN_TX * 10) == 0)
				fprintf(stderr, "  %lld entries …\n", (long long)(2 * made));
		}
	}
	if (flush(&g, &err) < 0)
		goto fail;
	for (int64_t i = 0; i < nacc; i++)
		if (set_balance(db, ids[i], bal[i], &err) < 0)
			goto fail;
	/* PostgreSQL: movement ids were given, so move the identity past them. */
	if (gz_db_driver(db) == GZ_DB_POSTGRES &&
	    gz_db_exec(db,
	               "SELECT setval(pg_get_serial_sequence('points_movements', 'id'), (SELECT "
	               "MAX(id) FROM points_movements))",
	               &err) < 0)
		goto fail;
	if (gz_db_commit(db, &err) < 0)
		goto fail;
	/* The accounts to measure: the busiest (an issuer), a store, and a member with the
	 * median number of entries. */
	int64_t busiest = 0, med = 2 * communities;
	for (int64_t i = 0; i < nacc; i++)
		if (cnt[i] > cnt[busiest])
			busiest = i;
	int64_t *sorted = gz_malloc(sizeof *sorted * (size_t)members);
	for (int64_t i = 0; i < members; i++)
		sorted[i] = cnt[2 * communities + i];
	qsort(sorted, (size_t)members, sizeof *sorted, cmp_i64);
	int64_t want = sorted[members / 2];
	for (int64_t i = 2 * communities; i < nacc; i++)
		if (cnt[i] == want) {
			med = i;
			break;
		}
	free(sorted);
	double secs = (double)(gz_time_mono_ns() - t0) / 1e9;
	json_t *o = json_pack(
	    "{s:I,s:I,s:I,s:I,s:f,s:{s:I,s:I},s:{s:I,s:I},s:{s:I,s:I}}", "entries",
	    (json_int_t)(2 * moves), "movements", (json_int_t)moves, "accounts", (json_int_t)nacc,
	    "redemptions", (json_int_t)redeemed, "seconds", secs, "busiest_account", "id",
	    (json_int_t)ids[busiest], "entries", (json_int_t)cnt[busiest], "store_account", "id",
	    (json_int_t)ids[communities], "entries", (json_int_t)cnt[communities], "member_account",
	    "id", (json_int_t)ids[med], "entries", (json_int_t)cnt[med]);
	if (json) {
		char *s = gz_json_dump(o, NULL);
		printf("%s\n", s ? s : "{}");
		free(s);
	} else
		printf("ledger gen: %lld entries, %lld movements (%lld redemptions), %lld accounts "
		       "in %.1f s; busiest account %lld (%lld entries), median member %lld (%lld "
		       "entries)\n",
		       (long long)(2 * moves), (long long)moves, (long long)redeemed,
		       (long long)nacc, secs, (long long)ids[busiest], (long long)cnt[busiest],
		       (long long)ids[med], (long long)cnt[med]);
	json_decref(o);
	ret = 0;
	goto out;
fail:
	fprintf(stderr, "gongzhi ledger gen: %s\n", err.message);
	gz_db_rollback(db);
out:
	free(ids);
	free(bal);
	free(cnt);
	free(g.mv);
	free(g.en);
	free(g.codes);
	gz_db_close(db);
	return ret;
}
