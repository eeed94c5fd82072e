#!/usr/bin/env bash
# Participatory budget rules on a generated city-wide round: 100,000 voters x 200
# projects (bench/pb_gen.c, fixed seed), each of `gongzhi pb --rule greedy|mes|mes-add1`
# timed on the same file in the same run. Prints per rule: the time of the rule itself,
# the time to read the file (the reference: every rule must read it), their ratio, the
# wall time of the command, and for mes-add1 how many MES runs the budget increase took
# (and the k it stopped at). Everything is exact (GMP rationals); no floating point.
# Targets (exit 1 if missed): mes <= 2x and mes-add1 <= 150x the time to read the file.
#
# Environment:
#   VOTERS=100000 PROJECTS=200 SEED=2025
#   BENCH_BIN=   gongzhi binary (default build/gongzhi, an optimised build made here)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VOTERS=${VOTERS:-100000}
PROJECTS=${PROJECTS:-200}
SEED=${SEED:-2025}
BIN=${BENCH_BIN:-$ROOT/build/gongzhi}
GEN=$ROOT/build/bench_pb_gen
if [ -z "${BENCH_BIN:-}" ] || [ ! -x "$GEN" ]; then
	# Optimised build (not the sanitizer build): this measures speed.
	cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$ROOT/build" -j "$(nproc 2>/dev/null || echo 2)" --target gongzhi bench_pb_gen >/dev/null
fi
TMP=$(mktemp -d /tmp/gz-bench-pb.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
"$GEN" "$VOTERS" "$PROJECTS" "$SEED" >"$TMP/round.pb"
echo "round: $VOTERS voters x $PROJECTS projects, seed $SEED, $(wc -c <"$TMP/round.pb") bytes," \
	"budget $(grep -m1 '^budget;' "$TMP/round.pb" | cut -d';' -f2)"
missed=0
printf '%-9s %10s %10s %8s %10s %9s %6s %s\n' rule rule_ms read_ms ratio wall_ms selected runs k
for rule in greedy mes mes-add1; do
	start=$(date +%s%N)
	"$BIN" pb --rule "$rule" --stats "$TMP/round.pb" >"$TMP/$rule.json" 2>"$TMP/$rule.err"
	end=$(date +%s%N)
	stats=$(grep '^pb: ' "$TMP/$rule.err")
	get() { echo "$stats" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
	rms=$(get rule_ms)
	pms=$(get parse_ms)
	ratio=$(awk -v r="$rms" -v p="$pms" 'BEGIN { printf "%.2fx", (p > 0 ? r / p : 0) }')
	runs=-
	k=-
	if [ "$rule" = mes-add1 ]; then
		runs=$(get mes_runs)
		k=$(get k)
		[ "$(get shortcut)" = 1 ] && runs="$runs (E<=B shortcut)"
	fi
	case $rule in
	mes) limit=2 ;;
	mes-add1) limit=150 ;;
	*) limit=0 ;;
	esac
	if [ "$limit" -gt 0 ] && [ "$rms" -gt $((pms * limit)) ]; then
		echo "$rule: ${rms} ms is more than ${limit}x the read time (${pms} ms)" >&2
		missed=1
	fi
	printf '%-9s %10s %10s %8s %10s %9s %6s %s\n' "$rule" "$rms" "$pms" "$ratio" \
		$(((end - start) / 1000000)) "$(get selected)" "$runs" "$k"
done
echo "(ratio = rule time / time to read the .pb file; cost of each outcome:" \
	"$(for r in greedy mes mes-add1; do sed -n 's/.*"cost":"\([^"]*\)".*/\1/p' "$TMP/$r.json" | tr '\n' ' '; done))"
exit $missed
