#!/usr/bin/env bash
# The street dashboard's figures at city scale (issue 15 item 6; docs/METRICS.md "Equity",
# "Cost"): on generated data of RESIDENTS residents and CASES cases (`gongzhi gen`), the
# per-grid figures of the first street — residents, visits, residents visited, cases
# received and closed, service minutes — as GET /sharing/equity reads them (from the
# counters share_counts, the same function: sharing_grids_load) against the same
# figures counted by aggregate SQL over the raw tables (visits, cases,
# mob_service_records), in the same process and the same read snapshot, for periods of
# PERIODS days up to today (bench/dashboard.c). Every number must be identical.
# Target: counters >= 20x faster for each period. Then the case rates and their trend
# (GET /stats/cases x 7), and last the whole dashboard: every figure its requests compute
# (equity and cycles over the default 90 days, the 7 rate periods), part by part — the
# counter-backed parts, the memoised ones (satisfaction, medians and the vulnerable groups
# per grid, kept at the grids' versions: warm, against the same figures from all the
# period's rows) and the cycles (per request both ways) — with the total ratio (target
# 20x); then the memo's parts when 1 or 5 grids changed since the last answer (the bench
# bumps their versions in share_versions: it writes to the database) and cold. Exits 1 if
# a target is missed or a number differs, 2 on a setup problem. Not run by make test.
#
# Environment:
#   RESIDENTS=1000000   residents to generate (gongzhi gen --residents)
#   CASES=2000000       cases to generate (gongzhi gen --cases)
#   BENCH_DB=           an existing SQLite file from `gongzhi gen` (its key file next to
#                       it) instead of generating one; it is migrated first (a database
#                       made before the counters gets them filled by the migration)
#   STREET=             the street (default: the first)
#   PERIODS="90 30 365" days of each period measured (90: the dashboard's default)
#   GZ_BIN, BENCH_BIN   binaries (default build/gongzhi, build/bench_dashboard, built
#                       RelWithDebInfo: this measures speed)
#   KEEP_TMP=1          keep the temp dir (and the generated database)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RESIDENTS=${RESIDENTS:-1000000}
CASES=${CASES:-2000000}
PERIODS=${PERIODS:-90 30 365}
GZ=${GZ_BIN:-$ROOT/build/gongzhi}
BIN=${BENCH_BIN:-$ROOT/build/bench_dashboard}

die() { echo "bench/dashboard.sh: $*" >&2; exit 2; }
command -v sqlite3 >/dev/null || die "sqlite3 not found"
if [ -z "${GZ_BIN:-}" ] || [ -z "${BENCH_BIN:-}" ]; then
	cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$ROOT/build" -j "$(nproc 2>/dev/null || echo 2)" --target gongzhi bench_dashboard >/dev/null
fi
[ -x "$GZ" ] || die "$GZ not found"
[ -x "$BIN" ] || die "$BIN not found"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gz-dashboard.XXXXXX")
# shellcheck disable=SC2317 # called from the trap
cleanup() {
	if [ -n "${KEEP_TMP:-}" ]; then echo "temp dir kept: $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
export GONGZHI_SQLITE_SYNC=NORMAL

if [ -n "${BENCH_DB:-}" ]; then
	DB=$BENCH_DB
	[ -f "$DB" ] || die "$DB not found"
	"$GZ" --db "sqlite:$DB" migrate >"$TMP/migrate.log" 2>&1 || die "migrate failed: $(tail -5 "$TMP/migrate.log")"
	grep -h 'applied migration' "$TMP/migrate.log" >&2 || true
else
	DB=$TMP/dashboard.db
	echo "gongzhi gen --residents $RESIDENTS --cases $CASES …" >&2
	t0=$(date +%s)
	"$GZ" --db "sqlite:$DB" gen --residents "$RESIDENTS" --cases "$CASES" >"$TMP/gen.log" 2>&1 ||
		die "gen failed: $(tail -5 "$TMP/gen.log")"
	echo "  $(tail -1 "$TMP/gen.log") ($(($(date +%s) - t0)) s)" >&2
fi

STREET=${STREET:-$(sqlite3 "$DB" "SELECT code FROM streets ORDER BY code LIMIT 1")}
[ -n "$STREET" ] || die "no street in $DB"
read -r NRES NCASES NVISITS NCOUNTS < <(sqlite3 -separator ' ' "$DB" "SELECT
	(SELECT COUNT(*) FROM residents), (SELECT COUNT(*) FROM cases), (SELECT COUNT(*) FROM visits),
	(SELECT COUNT(*) FROM share_counts)")
echo "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "database: $NRES residents, $NCASES cases, $NVISITS visits; $NCOUNTS counter rows"
echo "the street dashboard's figures: counters (what the API reads) vs aggregate SQL over the raw tables"
# shellcheck disable=SC2086 # PERIODS is a list of numbers
exec "$BIN" "sqlite:$DB" "$STREET" $PERIODS
