#!/usr/bin/env bash
# Point -> grid lookups on 10,000 grids: STRtree over prepared polygons against a scan
# over every prepared polygon, same points, same process (bench/locate.c). Target:
# STRtree >= 50x the scan's lookups/s. Exits non-zero if missed.
#
# Environment:
#   GRIDS=10000         number of grids (a square tiling)
#   TREE_LOOKUPS=1000000
#   SCAN_LOOKUPS=2000   also the number of distinct random points
#   THREADS=4           threads for the concurrent STRtree run
#   BENCH_BIN=          binary (default build/bench_locate; built with `make server`)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${BENCH_BIN:-$ROOT/build/bench_locate}
if [ ! -x "$BIN" ] || [ -z "${BENCH_BIN:-}" ]; then
	# Optimised build (not the sanitizer build): this measures speed.
	cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$ROOT/build" -j "$(nproc 2>/dev/null || echo 2)" --target bench_locate >/dev/null
fi
exec "$BIN" "${GRIDS:-10000}" "${TREE_LOOKUPS:-1000000}" "${SCAN_LOOKUPS:-2000}" "${THREADS:-4}"
