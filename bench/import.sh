#!/usr/bin/env bash
# Bulk import of residents with encryption on, against SQLite's own CSV loader, on the
# same file in the same run.
#
#   reference  sqlite3 new.db ".mode csv" ".import residents.csv t"   (a plain table:
#              no types, no index, no checks, nothing sealed)
#   gongzhi    gongzhi import residents residents.csv                 (every row checked:
#              ID checksum, phone, grid; phone, ID number and sensitive tags sealed with
#              libsodium; keyed-hash lookup keys; duplicate check in the file and the
#              database; one transaction, synchronous=FULL)
#
# Each round imports into fresh databases (the gongzhi one gets its grids first, outside
# the measurement); the two are interleaved and the medians compared. Prints rows/s of
# each and the ratio; target >= 0.3. Exits 1 if missed, 2 on setup errors.
#
# The CSV (bench/people-gen.awk) is deterministic: ROWS residents over the 5 grids of
# tests/fixtures/grids_ok.geojson, valid and unique ID numbers and phones, a tag on every
# tenth row (a third of them sensitive), grids interleaved row by row.
#
# Environment:
#   ROWS=1000000   residents in the file
#   ROUNDS=1       interleaved rounds; ratio of the medians
#   ORDER=         grid: rows grouped by grid (register order) instead of interleaved
#   GZ_BIN=        gongzhi binary (default build/gongzhi, built by `make server` if
#                  missing: an optimised build, never the sanitizer one)
#   KEEP_TMP=1     keep the temp dir
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROWS=${ROWS:-1000000}
ROUNDS=${ROUNDS:-1}
GZ_BIN=${GZ_BIN:-$ROOT/build/gongzhi}
TARGET=0.3

die() { echo "bench/import.sh: $*" >&2; exit 2; }

command -v sqlite3 >/dev/null || die "sqlite3 not found (apt-get install sqlite3)"
command -v awk >/dev/null || die "awk not found"
if [ ! -x "$GZ_BIN" ]; then
	[ "$GZ_BIN" = "$ROOT/build/gongzhi" ] || die "$GZ_BIN not found"
	make -C "$ROOT" server
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gz-bench-import.XXXXXX")
cleanup() {
	if [ -n "${KEEP_TMP:-}" ]; then echo "temp dir kept: $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

GRIDS="110101001001001 110101001001002 110101001001003 110101001001004 110101001002001"
CSV=$TMP/residents.csv
echo "generating $ROWS rows ..."
awk -v n="$ROWS" -v grids="$GRIDS" -v order="${ORDER:-}" -f "$ROOT/bench/people-gen.awk" >"$CSV"
echo "file: $(wc -c <"$CSV") bytes, $((ROWS + 1)) lines (with the header)"

now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

ref_times=()
gz_times=()
for round in $(seq "$ROUNDS"); do
	# Reference: sqlite3's CSV import into a plain table.
	rm -f "$TMP/plain.db"
	t0=$(now)
	sqlite3 "$TMP/plain.db" ".mode csv" ".import $CSV t"
	t1=$(now)
	n=$(sqlite3 "$TMP/plain.db" "SELECT COUNT(*) FROM t")
	[ "$n" = "$ROWS" ] || die "sqlite3 imported $n rows, expected $ROWS"
	ref_times+=("$(elapsed "$t0" "$t1")")

	# gongzhi: fresh database and key, grids first (not measured).
	rm -f "$TMP"/gz.db*
	"$GZ_BIN" --db "sqlite:$TMP/gz.db" import grids "$ROOT/tests/fixtures/grids_ok.geojson" \
		>/dev/null 2>&1 || die "grid import failed"
	t0=$(now)
	"$GZ_BIN" --db "sqlite:$TMP/gz.db" import residents "$CSV" >"$TMP/import.out" 2>&1 ||
		{ cat "$TMP/import.out" >&2; die "gongzhi import failed"; }
	t1=$(now)
	n=$(sqlite3 "$TMP/gz.db" "SELECT COUNT(*) FROM residents")
	[ "$n" = "$ROWS" ] || die "gongzhi imported $n rows, expected $ROWS"
	gz_times+=("$(elapsed "$t0" "$t1")")
	echo "round $round: sqlite3 .import ${ref_times[-1]} s, gongzhi import ${gz_times[-1]} s"
done

# Encryption really on: the first row's phone and ID number are nowhere in the file.
phone=$(sed -n 2p "$CSV" | cut -d, -f3)
idn=$(sed -n 2p "$CSV" | cut -d, -f4)
for f in "$TMP"/gz.db "$TMP"/gz.db-wal; do
	[ -e "$f" ] || continue
	if grep -qaF -e "$phone" -e "$idn" "$f"; then die "plaintext phone or ID number in $f"; fi
done

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ref=$(median "${ref_times[@]}")
gz=$(median "${gz_times[@]}")
awk -v rows="$ROWS" -v ref="$ref" -v gz="$gz" -v target="$TARGET" 'BEGIN {
	r = rows / ref; g = rows / gz; ratio = g / r
	printf "sqlite3 .import (plain table): %10.0f rows/s  (%.3f s)\n", r, ref
	printf "gongzhi import (encrypted):    %10.0f rows/s  (%.3f s)\n", g, gz
	printf "ratio %.3f (target >= %.1f): %s\n", ratio, target, (ratio >= target) ? "PASS" : "FAIL"
	if (ratio >= target) exit 0; else exit 1
}'
