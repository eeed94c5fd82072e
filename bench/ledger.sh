#!/usr/bin/env bash
# The points ledger at scale (issue 13): generates a ledger of ENTRIES entries
# (`gongzhi ledger gen`), proves its invariants (`gongzhi ledger check`), then times the
# balance of one account as the API reads it (the stored balance: one row, inside the
# request's read snapshot) against summing the account's entries with a plain SQL query,
# in the same process and the same snapshot (bench/ledger.c); each statement alone, in
# an implicit transaction of its own, is shown too. Target: >= 100x for every account
# shown: the busiest (a community's issuer), a store and the median member. Exits
# non-zero if the target is missed, an answer differs or an invariant is broken.
#
# Environment:
#   ENTRIES=10000000    entries to generate (2 per movement)
#   LEDGER_DB=          database URL (default sqlite:build/bench-ledger.db, recreated);
#                       a postgres:// URL of an empty database works too
#   REUSE=1             keep an existing SQLite file of the last run (skip gen)
#   CHECK=0             skip `gongzhi ledger check`
#   BENCH_BIN, GZ_BIN   binaries (default build/bench_ledger, build/gongzhi; built
#                       optimised, not the sanitizer build: this measures speed)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${BENCH_BIN:-$ROOT/build/bench_ledger}
GZ=${GZ_BIN:-$ROOT/build/gongzhi}
if [ -z "${BENCH_BIN:-}" ] || [ -z "${GZ_BIN:-}" ]; then
	cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$ROOT/build" -j "$(nproc 2>/dev/null || echo 2)" --target bench_ledger gongzhi >/dev/null
fi
ENTRIES=${ENTRIES:-10000000}
DB=${LEDGER_DB:-sqlite:$ROOT/build/bench-ledger.db}
mkdir -p "$ROOT/build"
SIDE=$ROOT/build/bench-ledger.$(echo "$DB" | md5sum | cut -c1-8).json
export GONGZHI_SQLITE_SYNC=NORMAL

if [ "${REUSE:-0}" = 1 ] && [ -s "$SIDE" ]; then
	echo "ledger: reusing $DB ($(cat "$SIDE"))"
else
	case "$DB" in sqlite:*) rm -f "${DB#sqlite:}" "${DB#sqlite:}-wal" "${DB#sqlite:}-shm" ;; esac
	echo "ledger gen: $ENTRIES entries into $DB …"
	"$GZ" --db "$DB" ledger gen --entries "$ENTRIES" --json 2>/dev/null >"$SIDE"
	cat "$SIDE"
fi
acct() { node -e "const j=JSON.parse(require('fs').readFileSync(process.argv[1],'utf8'));console.log(j[process.argv[2]].id)" "$SIDE" "$1"; }
BUSIEST=$(acct busiest_account)
STORE=$(acct store_account)
MEMBER=$(acct member_account)

if [ "${CHECK:-1}" = 1 ]; then
	"$GZ" --db "$DB" ledger check 2> >(grep -v 'applied migration' >&2)
fi
echo "balance of one account: stored balance (what the API reads) vs SUM(amount) of its entries"
echo "(target: in a read snapshot; alone = each statement in its own implicit transaction)"
exec "$BIN" "$DB" "$BUSIEST" "$STORE" "$MEMBER"
