/* gongzhi ledger check: proves the invariants of the points ledger and the store on the
 * whole database (rules.h, mob_ledger_check), reading it in chunks inside one read
 * snapshot so a running server does not disturb the proof. gongzhi ledger gen: a large
 * synthetic ledger for the benchmark (ledger_gen.c). */
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

const char gz_mob_ledger_usage[] =
    "gongzhi [--db URL] ledger check [--json]\n"
    "  Proves the invariants of the points ledger (docs/METRICS.md, \"Points\"): every\n"
    "  movement has at least two entries and they sum to zero; all entries sum to zero;\n"
    "  each account's stored balance equals the sum of its entries, and so does the\n"
    "  balance recorded after each entry; no member or store account is, or ever was,\n"
    "  below zero (only a community's issuer is). And of the store: each item's stock\n"
    "  equals the sum of its stock moves; each store's points equal the points of its\n"
    "  redemptions not cancelled (the stores of the API: a generated ledger has no\n"
    "  items); every redemption has its payment. Reads the whole\n"
    "  database in one snapshot. Exit 0 when everything holds, 1 otherwise.\n"
    "gongzhi [--db URL] ledger gen --entries N [--members M] [--communities C] [--seed S]\n"
    "  Appends a synthetic ledger of about N entries (2 per movement: earnings, and\n"
    "  redemptions that never overdraw) for benchmarks (bench/ledger.sh), with M member\n"
    "  accounts (default N / 400) over C communities (default 4), in large\n"
    "  transactions. N is 2..100,000,000. The accounts exist only in the ledger (no\n"
    "  users): use a database of its own.\n";

#define CHUNK 50000

static void num(char *buf, size_t cap, int64_t v)
{
	char tmp[32];
	snprintf(tmp, sizeof tmp, "%lld", (long long)(v < 0 ? -v : v));
	size_t n = strlen(tmp), k = 0;
	if (v < 0 && k + 1 < cap)
		buf[k++] = '-';
	for (size_t i = 0; i < n && k + 2 < cap; i++) {
		if (i && (n - i) % 3 == 0)
			buf[k++] = ',';
		buf[k++] = tmp[i];
	}
	buf[k] = '\0';
}

typedef struct {
	int64_t account, id, amount, after;
} entry_row;

/* The next chunk of entries after (account, id), in (account, id) order. */
static int entries_chunk(gz_db *db, int64_t account, int64_t id, entry_row *out, int *n,
                         gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT account_id, id, amount, balance_after FROM "
	                            "points_entries WHERE account_id > $1 OR (account_id = $1 AND "
	                            "id > $2) ORDER BY account_id, id LIMIT $3",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, account);
	gz_stmt_bind_int64(st, 2, id);
	gz_stmt_bind_int64(st, 3, CHUNK);
	int rc;
	*n = 0;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		entry_row *e = &out[(*n)++];
		e->account = gz_stmt_int64(st, 0);
		e->id = gz_stmt_int64(st, 1);
		e->amount = gz_stmt_int64(st, 2);
		e->after = gz_stmt_int64(st, 3);
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

typedef struct {
	int64_t id, balance;
	bool may_neg;
	int kind;
} account_row;

static int accounts_chunk(gz_db *db, int64_t after, account_row *out, int *n, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT id, kind, balance FROM points_accounts WHERE id > $1 "
	                            "ORDER BY id LIMIT $2",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_int64(st, 1, after);
	gz_stmt_bind_int64(st, 2, CHUNK);
	int rc;
	*n = 0;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		account_row *a = &out[(*n)++];
		a->id = gz_stmt_int64(st, 0);
		a->kind = mob_acct_kind_parse(gz_stmt_text(st, 1));
		a->may_neg = mob_acct_may_go_negative((mob_acct_kind)a->kind);
		a->balance = gz_stmt_int64(st, 2);
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 0;
}

typedef struct {
	int64_t kinds[MOB_ACCT__COUNT];
	int64_t orphan_entries; /* entries of no account (the foreign key forbids them) */
	int64_t items, stock_mismatch, stores, store_mismatch, unpaid;
	int64_t stock_examples[MOB_CHECK_EXAMPLES];
	int nstock_examples;
} extra_check;

/* Walks accounts and entries together. */
static int walk(gz_db *db, mob_ledger_check *c, extra_check *x, gz_err *err)
{
	account_row *acc = gz_malloc(sizeof *acc * CHUNK);
	entry_row *ent = gz_malloc(sizeof *ent * CHUNK);
	int na = 0, ne = 0, ia = 0, ie = 0, ret = -1;
	int64_t last_acc = 0, last_ea = 0, last_ei = 0;
	bool ent_done = false;
	if (entries_chunk(db, 0, 0, ent, &ne, err) < 0)
		goto out;
	ent_done = ne < CHUNK;
	for (;;) {
		if (ia == na) {
			if (accounts_chunk(db, last_acc, acc, &na, err) < 0)
				goto out;
			ia = 0;
			if (!na)
				break;
		}
		account_row *a = &acc[ia++];
		last_acc = a->id;
		if ((unsigned)a->kind < MOB_ACCT__COUNT)
			x->kinds[a->kind]++;
		for (;;) {
			if (ie == ne) {
				if (ent_done)
					break;
				if (entries_chunk(db, last_ea, last_ei, ent, &ne, err) < 0)
					goto out;
				ie = 0;
				ent_done = ne < CHUNK;
				if (!ne)
					break;
			}
			entry_row *e = &ent[ie];
			if (e->account > a->id)
				break;
			ie++;
			last_ea = e->account;
			last_ei = e->id;
			if (e->account < a->id) {
				x->orphan_entries++;
				continue;
			}
			mob_check_entry(c, e->account, e->id, e->amount, e->after, a->may_neg);
		}
		mob_check_account(c, a->id, a->balance, a->may_neg);
	}
	/* entries after the last account */
	for (;;) {
		x->orphan_entries += ne - ie;
		if (ent_done || !ne)
			break;
		entry_row *last = &ent[ne - 1];
		if (entries_chunk(db, last->account, last->id, ent, &ne, err) < 0)
			goto out;
		ie = 0;
		ent_done = ne < CHUNK;
	}
	ret = 0;
out:
	free(acc);
	free(ent);
	return ret;
}

/* Movements with fewer than two entries or a non-zero sum (the others are counted). */
static int movements(gz_db *db, mob_ledger_check *c, gz_err *err)
{
	int64_t total = 0;
	if (gz_db_query_int64(db, "SELECT COUNT(*) FROM points_movements", &total, err, 0) < 0)
		return -1;
	gz_stmt *st = gz_db_prepare(
	    db,
	    "SELECT m.id, COUNT(e.id), COALESCE(SUM(e.amount), 0) FROM points_movements m LEFT "
	    "JOIN "
	    "points_entries e ON e.movement_id = m.id GROUP BY m.id HAVING COUNT(e.id) < 2 OR "
	    "COALESCE(SUM(e.amount), 0) <> 0 ORDER BY m.id LIMIT 1000",
	    err);
	if (!st)
		return -1;
	int rc;
	int64_t bad = 0;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		mob_check_movement(c, gz_stmt_int64(st, 0), gz_stmt_int64(st, 1),
		                   gz_stmt_int64(st, 2));
		bad++;
	}
	gz_stmt_finish(st);
	c->movements += total - bad;
	return rc < 0 ? -1 : 0;
}

/* The store: stock = sum of its moves; a store's points = its redemptions' points. */
static int store(gz_db *db, extra_check *x, gz_err *err)
{
	if (gz_db_query_int64(db, "SELECT COUNT(*) FROM store_items", &x->items, err, 0) < 0 ||
	    gz_db_query_int64(db,
	                      "SELECT COUNT(*) FROM points_accounts WHERE kind = 'store' AND "
	                      "owner_key LIKE 'store:%'",
	                      &x->stores, err, 0) < 0)
		return -1;
	gz_stmt *st =
	    gz_db_prepare(db,
	                  "SELECT i.id FROM store_items i LEFT JOIN store_stock_moves m ON "
	                  "m.item_id = i.id GROUP BY i.id, i.stock HAVING i.stock <> "
	                  "COALESCE(SUM(m.quantity), 0) ORDER BY i.id",
	                  err);
	if (!st)
		return -1;
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		if (x->nstock_examples < MOB_CHECK_EXAMPLES)
			x->stock_examples[x->nstock_examples++] = gz_stmt_int64(st, 0);
		x->stock_mismatch++;
	}
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	if (gz_db_query_int64(
	        db,
	        "SELECT COUNT(*) FROM points_accounts a WHERE a.kind = 'store' AND a.owner_key "
	        "LIKE 'store:%' AND a.balance <> "
	        "COALESCE((SELECT SUM(d.points) FROM store_redemptions d WHERE d.scope_code = "
	        "a.scope_code AND d.status <> 'cancelled'), 0)",
	        &x->store_mismatch, err, 0) < 0 ||
	    gz_db_query_int64(db,
	                      "SELECT COUNT(*) FROM store_redemptions d WHERE d.movement_id IS "
	                      "NULL OR (d.status = 'cancelled' AND d.refund_movement_id IS NULL)",
	                      &x->unpaid, err, 0) < 0)
		return -1;
	return 0;
}

static void line(bool json, json_t *j, const char *key, const char *label, bool ok,
                 const char *detail)
{
	if (json)
		json_object_set_new(j, key, json_pack("{s:b,s:s}", "ok", ok, "detail", detail));
	else
		printf("  %-36s %-4s %s\n", label, ok ? "ok" : "FAIL", detail);
}

static void examples(char *buf, size_t cap, const char *what, const int64_t *ids, int n)
{
	size_t k = strlen(buf);
	if (!n)
		return;
	k += (size_t)snprintf(buf + k, cap - k, " (%s", what);
	for (int i = 0; i < n && k < cap; i++)
		k +=
		    (size_t)snprintf(buf + k, cap - k, "%s%lld", i ? ", " : " ", (long long)ids[i]);
	if (k < cap)
		snprintf(buf + k, cap - k, ")");
}

static int cmd_check(int argc, char **argv)
{
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else {
			fprintf(stderr, "gongzhi ledger check: unknown argument '%s'\n", argv[i]);
			return 2;
		}
	}
	gz_db *db = gz_cli_open_db();
	if (!db)
		return 1;
	int64_t t0 = gz_time_mono_ns();
	gz_err err;
	gz_err_clear(&err);
	mob_ledger_check c;
	extra_check x;
	mob_check_init(&c);
	memset(&x, 0, sizeof x);
	if (gz_db_begin_read(db, &err) < 0 || walk(db, &c, &x, &err) < 0 ||
	    movements(db, &c, &err) < 0 || store(db, &x, &err) < 0) {
		fprintf(stderr, "gongzhi ledger check: %s\n", err.message);
		gz_db_end_read(db);
		gz_db_close(db);
		return 1;
	}
	gz_db_end_read(db);
	gz_db_close(db);
	double secs = (double)(gz_time_mono_ns() - t0) / 1e9;
	bool ok = mob_check_ok(&c) && !x.orphan_entries && !x.stock_mismatch && !x.store_mismatch &&
	          !x.unpaid;
	char a[32], b[32], d[256];
	json_t *j = json ? json_object() : NULL;
	if (!json) {
		char e1[32], e2[32], e3[32];
		num(e1, sizeof e1, c.accounts);
		num(e2, sizeof e2, c.movements);
		num(e3, sizeof e3, c.entries);
		printf("ledger check: %s accounts (%lld members, %lld issuers, %lld stores), %s "
		       "movements, %s entries\n",
		       e1, (long long)x.kinds[MOB_ACCT_MEMBER], (long long)x.kinds[MOB_ACCT_ISSUER],
		       (long long)x.kinds[MOB_ACCT_STORE], e2, e3);
	}
	num(a, sizeof a, c.total);
	snprintf(d, sizeof d, "sum %s", a);
	line(json, j, "sum_zero", "all entries sum to zero", c.total == 0, d);
	num(a, sizeof a, c.movements - c.unbalanced);
	num(b, sizeof b, c.movements);
	snprintf(d, sizeof d, "%s of %s", a, b);
	examples(d, sizeof d, "movements", c.examples[0], c.nexamples[0]);
	line(json, j, "movements_balanced", "every movement: >= 2 entries, sum 0", !c.unbalanced,
	     d);
	num(a, sizeof a, c.accounts - c.balance_mismatch);
	num(b, sizeof b, c.accounts);
	snprintf(d, sizeof d, "%s of %s", a, b);
	examples(d, sizeof d, "accounts", c.examples[1], c.nexamples[1]);
	line(json, j, "balances_derived", "balance = sum of its entries", !c.balance_mismatch, d);
	num(a, sizeof a, c.entries - c.running_mismatch);
	num(b, sizeof b, c.entries);
	snprintf(d, sizeof d, "%s of %s", a, b);
	examples(d, sizeof d, "entries", c.examples[2], c.nexamples[2]);
	line(json, j, "running_balances", "balance after each entry", !c.running_mismatch, d);
	num(a, sizeof a, c.negative);
	snprintf(d, sizeof d, "%s accounts below zero", a);
	examples(d, sizeof d, "accounts", c.examples[3], c.nexamples[3]);
	line(json, j, "never_negative", "no member or store ever below zero", !c.negative, d);
	num(a, sizeof a, x.orphan_entries);
	snprintf(d, sizeof d, "%s entries without an account", a);
	line(json, j, "entries_have_accounts", "every entry has its account", !x.orphan_entries, d);
	num(a, sizeof a, x.items - x.stock_mismatch);
	num(b, sizeof b, x.items);
	snprintf(d, sizeof d, "%s of %s items", a, b);
	examples(d, sizeof d, "items", x.stock_examples, x.nstock_examples);
	line(json, j, "stock_reconciles", "stock = sum of stock moves", !x.stock_mismatch, d);
	num(a, sizeof a, x.stores - x.store_mismatch);
	num(b, sizeof b, x.stores);
	snprintf(d, sizeof d, "%s of %s stores", a, b);
	line(json, j, "store_points", "store points = redeemed points", !x.store_mismatch, d);
	num(a, sizeof a, x.unpaid);
	snprintf(d, sizeof d, "%s redemptions without payment or refund", a);
	line(json, j, "redemptions_paid", "every redemption paid (refunded)", !x.unpaid, d);
	if (json) {
		json_object_set_new(j, "ok", json_boolean(ok));
		json_object_set_new(j, "accounts", json_integer(c.accounts));
		json_object_set_new(j, "movements", json_integer(c.movements));
		json_object_set_new(j, "entries", json_integer(c.entries));
		json_object_set_new(j, "seconds", json_real(secs));
		char *s = gz_json_dump(j, NULL);
		printf("%s\n", s ? s : "{}");
		free(s);
		json_decref(j);
	} else
		printf("ledger check: %s (%.1f s)\n",
		       ok ? "every invariant holds" : "INVARIANTS BROKEN", secs);
	return ok ? 0 : 1;
}

int gz_cli_ledger(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "check"))
		return cmd_check(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "gen"))
		return gz_mob_ledger_gen(argc - 1, argv + 1);
	fprintf(stderr, "gongzhi ledger: %s (see 'gongzhi ledger --help')\n",
	        argc < 2 ? "missing subcommand" : "unknown subcommand");
	return 2;
}
