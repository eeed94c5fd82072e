#!/bin/bash
# Runs every suite: C unit tests (ASan+UBSan) under CTest (the database ones on SQLite and
# on a throwaway PostgreSQL), the libFuzzer targets for a few seconds each, the API suite
# on SQLite, on PostgreSQL, and on two processes sharing one PostgreSQL, then the browser
# tests.
# Prints "tests: N passed, N failed" at the end; exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

make --no-print-directory server-asan web || exit 1

PASS=0
FAIL=0
FAILED_SUITES=()
TMP=$(mktemp -d /tmp/gz-test.XXXXXX)
chmod 755 "$TMP"
PGDIR=""
cleanup() {
	if [ -n "$PGDIR" ]; then scripts/pg-test-cluster.sh stop "$PGDIR" >/dev/null 2>&1 || true; fi
	rm -rf "$TMP"
}
trap cleanup EXIT

count_tap() { # file -> adds "# pass"/"# fail" counts
	local p f
	p=$(grep -E '^# pass [0-9]+' "$1" | tail -1 | awk '{print $3}')
	f=$(grep -E '^# fail [0-9]+' "$1" | tail -1 | awk '{print $3}')
	PASS=$((PASS + ${p:-0}))
	FAIL=$((FAIL + ${f:-0}))
}

suite() { # name, then command; output to the terminal, TAP to a file
	local name=$1
	shift
	echo "=== $name"
	if ! "$@"; then
		FAILED_SUITES+=("$name")
	fi
}

node_suite() { # name, env..., -- files...
	local name=$1
	shift
	local envs=()
	while [ "$1" != "--" ]; do envs+=("$1"); shift; done
	shift
	local tap="$TMP/$(echo "$name" | tr ' /' '__').tap"
	suite "$name" env "${envs[@]}" node --test --test-concurrency=2 \
		--test-reporter=spec --test-reporter-destination=stdout \
		--test-reporter=tap --test-reporter-destination="$tap" "$@"
	count_tap "$tap"
	if ! grep -qE '^# pass [0-9]+' "$tap"; then FAIL=$((FAIL + 1)); fi
}

# 0. A throwaway PostgreSQL cluster, started first: the unit tests of the database layer
# run on it too (GZ_TEST_PG_URL, its own database "unit"), then the API suite.
PGDIR="$TMP/pg"
PGURL=""
if PGURL=$(scripts/pg-test-cluster.sh start "$PGDIR"); then
	UNIT_PG_URL=$(scripts/pg-test-cluster.sh url "$PGDIR" unit) || UNIT_PG_URL=""
else
	PGURL=""
	UNIT_PG_URL=""
	echo "could not start PostgreSQL"
	FAILED_SUITES+=("postgres cluster")
	FAIL=$((FAIL + 1))
fi

# 1. C unit tests under ASan + UBSan, the database ones on SQLite and PostgreSQL.
echo "=== unit (CTest, ASan+UBSan)"
if GZ_TEST_PG_URL="$UNIT_PG_URL" ctest --test-dir build-asan --output-on-failure -j 2 \
	>"$TMP/ctest.log" 2>&1; then :; else FAILED_SUITES+=("unit"); fi
if [ -n "$PGURL" ] && [ -z "$UNIT_PG_URL" ]; then
	echo "could not create the PostgreSQL database for the unit tests"
	FAILED_SUITES+=("unit postgres")
	FAIL=$((FAIL + 1))
fi
cat "$TMP/ctest.log"
total=$(grep -oE 'out of [0-9]+' "$TMP/ctest.log" | awk '{print $3}')
failed=$(grep -oE '[0-9]+ tests failed' "$TMP/ctest.log" | awk '{print $1}')
PASS=$((PASS + ${total:-0} - ${failed:-0}))
FAIL=$((FAIL + ${failed:-0}))

# 1b. libFuzzer targets (tests/fuzz, clang build in build-fuzz), a few seconds each from
# their seed corpus; each target counts as one test (docs/FUZZING.md).
echo "=== fuzz (libFuzzer, ASan+UBSan, ${GZ_FUZZ_SECONDS:-10} s per target)"
scripts/fuzz.sh smoke "${GZ_FUZZ_SECONDS:-10}" 2>&1 | tee "$TMP/fuzz.log"
ok=$(grep -cE '^fuzz [a-z0-9_]+: ok' "$TMP/fuzz.log")
bad=$(grep -cE '^fuzz [a-z0-9_]+: FAILED' "$TMP/fuzz.log")
if [ "$bad" -gt 0 ] || [ "$ok" -eq 0 ]; then FAILED_SUITES+=("fuzz"); fi
PASS=$((PASS + ok))
FAIL=$((FAIL + bad))

API_FILES=(tests/api/*.test.mjs)
export GZ_BIN=build-asan/gongzhi

# 2. API suite on SQLite.
node_suite "api sqlite" GZ_TEST_DB=sqlite -- "${API_FILES[@]}"

# 3. API suite on PostgreSQL (the cluster of step 0), then on two processes sharing it.
if [ -n "$PGURL" ]; then
	node_suite "api postgres" GZ_TEST_DB="$PGURL" -- "${API_FILES[@]}"
	node_suite "api postgres x2" GZ_TEST_DB="$PGURL" GZ_TEST_SERVERS=2 -- "${API_FILES[@]}"
fi

# 4. Browser tests in headless Chromium.
shopt -s nullglob
E2E_FILES=(tests/e2e/*.test.mjs)
if [ ${#E2E_FILES[@]} -gt 0 ]; then
	node_suite "e2e chromium" GZ_TEST_DB=sqlite -- "${E2E_FILES[@]}"
fi

echo
if [ ${#FAILED_SUITES[@]} -gt 0 ]; then
	echo "failed suites: ${FAILED_SUITES[*]}"
	[ "$FAIL" -eq 0 ] && FAIL=1
fi
echo "tests: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ] && [ ${#FAILED_SUITES[@]} -eq 0 ]
