#!/bin/bash
# libFuzzer targets (tests/fuzz/fuzz_*.c, docs/FUZZING.md).
#   scripts/fuzz.sh build                 build every target in build-fuzz (clang)
#   scripts/fuzz.sh TARGET [SECONDS]      run fuzz_TARGET (default 3600 s) under nice,
#                                         on a copy of tests/fuzz/corpus/TARGET
#   scripts/fuzz.sh smoke [SECONDS]       run every target SECONDS (default 10) each on a
#                                         temporary copy of its corpus; prints
#                                         "fuzz NAME: ok|FAILED" per target (make test)
# Extra libFuzzer flags go in FUZZ_FLAGS (e.g. FUZZ_FLAGS="-jobs=2 -workers=2").
# A crash is saved as build-fuzz/artifacts/NAME-crash-*; reproduce with
#   build-fuzz/fuzz_NAME build-fuzz/artifacts/NAME-crash-...
# Inputs that found new coverage stay in build-fuzz/corpus/NAME (not in the repo);
# to keep a few, minimise them first (-merge=1) and copy them into tests/fuzz/corpus/NAME.
set -uo pipefail
cd "$(dirname "$0")/.."

build() {
	CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DGZ_FUZZ=ON >/dev/null &&
		cmake --build build-fuzz --target fuzz -j "${JOBS:-2}"
}

targets() {
	for f in tests/fuzz/fuzz_*.c; do
		f=${f##*/fuzz_}
		echo "${f%.c}"
	done
}

# run NAME SECONDS CORPUS_DIR: the corpus dir is written to (new inputs).
run() {
	local name=$1 secs=$2 dir=$3
	mkdir -p build-fuzz/artifacts
	# -rss_limit_mb: the inputs are at most a few KB; more is a leak or a blow-up.
	# -timeout: one input taking seconds is a hang worth reporting.
	nice -n 19 "build-fuzz/fuzz_$name" -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="build-fuzz/artifacts/$name-" ${FUZZ_FLAGS:-} "$dir"
}

case "${1:-}" in
build)
	build
	;;
smoke)
	secs=${2:-10}
	tmp=$(mktemp -d /tmp/gz-fuzz.XXXXXX)
	trap 'rm -rf "$tmp"' EXIT
	if ! build >"$tmp/build.log" 2>&1; then
		tail -n 60 "$tmp/build.log"
		echo "fuzz build: FAILED"
		exit 1
	fi
	rc=0
	for name in $(targets); do
		mkdir -p "$tmp/$name"
		[ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$tmp/$name/"
		if run "$name" "$secs" "$tmp/$name" >"$tmp/$name.log" 2>&1; then
			echo "fuzz $name: ok ($(grep -E '^stat::number_of_executed_units' "$tmp/$name.log" | awk '{print $2}') runs)"
		else
			echo "fuzz $name: FAILED"
			tail -n 60 "$tmp/$name.log"
			rc=1
		fi
	done
	exit $rc
	;;
"" | -h | --help)
	sed -n '2,/^set /p' "$0" | grep '^#'
	exit 2
	;;
*)
	name=$1
	secs=${2:-3600}
	if [ ! -f "tests/fuzz/fuzz_$name.c" ]; then
		echo "no target $name; targets: $(targets | tr '\n' ' ')" >&2
		exit 2
	fi
	build >/dev/null || exit 1
	mkdir -p "build-fuzz/corpus/$name"
	[ -d "tests/fuzz/corpus/$name" ] && cp -rn "tests/fuzz/corpus/$name/." "build-fuzz/corpus/$name/"
	run "$name" "$secs" "build-fuzz/corpus/$name"
	;;
esac
