#!/usr/bin/env bash
# Searching the register of 1,000,000 residents through the API against the plain
# indexed SQLite query for the same key, in one run (issue 9, "Resident records kept by
# hand"; docs/METRICS.md has the numbers).
#
#   gongzhi gen --residents N   the register (48 streets of 48 grids for a million)
#   gongzhi serve               a street supervisor of the first street searches the
#                               residents list's box (GET /api/v1/residents?q=KEY) by:
#     id     a whole ID number  (exact lookup through the keyed hash; audited and
#                               charged to the account, one committed write per lookup)
#     phone  a whole phone      (the same)
#     unit   "3-2-102"-style    (building-entrance-room: units_number index and the
#                               street's buildings, then households and residents)
#   bench_search (bench/search.c) the same keys, the same database file: the keyed hash
#                               where there is one, then one prepared SELECT through the
#                               same index, every column of up to 21 rows read
#
# wrk (2 threads, CONNS connections, DURATION seconds, keys cycled by a Lua script) for
# the API and bench_search (THREADS threads, DURATION seconds) for the reference, kind
# after kind, interleaved, ROUNDS times; each ratio is the median of the rounds' ratios.
# Target: API >= 0.5x the reference's lookups/s for each kind. Exits 1 if one is missed,
# 2 on a setup problem. Not run by make test.
#
# Environment:
#   RESIDENTS=1000000  size of the register (gongzhi gen)
#   BENCH_DB=          an existing SQLite file from `gongzhi gen` (its key file next to
#                      it) instead of generating one; it gets the bench account
#   DURATION=10        seconds per measurement
#   ROUNDS=3
#   CONNS=16           wrk connections
#   THREADS=2          reference threads (the machine's cores, as the server's workers)
#   KEYS=1000          keys per kind
#   SYNC=              GONGZHI_SQLITE_SYNC for the server (default: the server's, FULL)
#   GZ_BIN=            server binary (default build/gongzhi, built RelWithDebInfo)
#   KEEP_TMP=1         keep the temp dir
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RESIDENTS=${RESIDENTS:-1000000}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-16}
THREADS=${THREADS:-2}
NKEYS=${KEYS:-1000}
TARGET=0.5
GZ_BIN=${GZ_BIN:-$ROOT/build/gongzhi}
REF_BIN=$ROOT/build/bench_search

die() { echo "bench/search.sh: $*" >&2; exit 2; }
command -v wrk >/dev/null || die "wrk not found (apt-get install wrk)"
command -v curl >/dev/null || die "curl not found"
command -v sqlite3 >/dev/null || die "sqlite3 not found"
command -v python3 >/dev/null || die "python3 not found"

# Optimised build (not the sanitizer build): this measures speed.
if [ "$GZ_BIN" = "$ROOT/build/gongzhi" ] || [ ! -x "$REF_BIN" ]; then
	cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$ROOT/build" -j "$(nproc 2>/dev/null || echo 2)" --target gongzhi bench_search >/dev/null
fi
[ -x "$GZ_BIN" ] || die "$GZ_BIN not found"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gz-search.XXXXXX")
GZ_PID=''
cleanup() {
	trap - EXIT INT TERM
	if [ -n "$GZ_PID" ]; then
		kill -TERM "$GZ_PID" 2>/dev/null || true
		wait "$GZ_PID" 2>/dev/null || true
	fi
	if [ -n "${KEEP_TMP:-}" ]; then echo "temp dir kept: $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

# ---------------------------------------------------------------- the register
if [ -n "${BENCH_DB:-}" ]; then
	DB=$BENCH_DB
	[ -f "$DB" ] || die "$DB not found"
else
	DB=$TMP/gen.db
	echo "gongzhi gen --residents $RESIDENTS …" >&2
	t0=$(date +%s)
	"$GZ_BIN" --db "sqlite:$DB" gen --residents "$RESIDENTS" >"$TMP/gen.log" 2>&1 ||
		die "gen failed: $(tail -5 "$TMP/gen.log")"
	echo "  $(tail -1 "$TMP/gen.log") ($(($(date +%s) - t0)) s)" >&2
fi
KEYFILE=${GONGZHI_KEY_FILE:-$DB.key}
STREET=$(sqlite3 "$DB" "SELECT code FROM streets ORDER BY code LIMIT 1")
[ -n "$STREET" ] || die "no street in $DB"
RES_N=$(sqlite3 "$DB" "SELECT n FROM record_counts WHERE name = 'residents'")
STREET_N=$(sqlite3 "$DB" "SELECT SUM(n) FROM resident_counts WHERE grid_code >= '$STREET' AND grid_code < '$STREET~'")

# The account: a street supervisor of the first street (reveal rights: exact lookups).
USER=bench-street-$$
PASS="bench-$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
printf '%s\n' "$PASS" | "$GZ_BIN" --db "sqlite:$DB" user add "$USER" --role street_supervisor \
	--scope "$STREET" --password-stdin >"$TMP/user.log" 2>&1 || die "user add: $(cat "$TMP/user.log")"

# ---------------------------------------------------------------- the server
free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
	done
	die "no free port found"
}
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
# Every lookup is charged to the account's limit on compared personal data (20,000 an
# hour by default): lifted for the benchmark, the charge itself is still written.
env GONGZHI_PII_LOOKUP_LIMIT=2000000000 ${SYNC:+GONGZHI_SQLITE_SYNC=$SYNC} \
	"$GZ_BIN" serve --db "sqlite:$DB" --listen "127.0.0.1:$PORT" --web /nonexistent \
	>"$TMP/gz.log" 2>&1 &
GZ_PID=$!
for _ in $(seq 100); do
	kill -0 "$GZ_PID" 2>/dev/null || die "server exited: $(tail -5 "$TMP/gz.log")"
	curl -fsS -o /dev/null --max-time 1 "$URL/healthz" 2>/dev/null && break
	sleep 0.1
done
curl -fsS -o "$TMP/session.json" -H 'Content-Type: application/json' \
	--data "{\"username\":\"$USER\",\"password\":\"$PASS\"}" "$URL/api/v1/session" || die "login failed"
TOKEN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$TMP/session.json")

# ---------------------------------------------------------------- the keys
# ID numbers and phones of residents spread over the street (revealed once through the
# API, as a worker would read them), and unit numbers of the street.
python3 - "$URL" "$TOKEN" "$STREET" "$NKEYS" "$TMP" <<'EOF' || die "collecting keys failed"
import json, random, sys, urllib.request
url, token, street, nkeys, tmp = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
def get(path):
    req = urllib.request.Request(url + path, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req) as r:
        return json.load(r)
ids, phones, cursor = [], [], None
while len(ids) < 4 * nkeys:
    page = get(f"/api/v1/residents?street={street}&limit=200&reveal=phone,id_number"
               + (f"&cursor={cursor}" if cursor else ""))
    for it in page["items"]:
        if it["id_number"]: ids.append(it["id_number"])
        if it["phone"]: phones.append(it["phone"])
    cursor = page["next_cursor"]
    if not cursor: break
random.seed(1)
random.shuffle(ids); random.shuffle(phones)
open(f"{tmp}/keys.id", "w").write("\n".join(ids[:nkeys]) + "\n")
open(f"{tmp}/keys.phone", "w").write("\n".join(phones[:nkeys]) + "\n")
EOF
# Unit numbers where somebody lives (building-entrance-room, as the demo numbers them).
sqlite3 "$DB" "SELECT number FROM (SELECT DISTINCT u.number FROM units u JOIN households h ON h.unit_id = u.id
	JOIN residents r ON r.household_id = h.id WHERE u.grid_code >= '$STREET' AND u.grid_code < '$STREET~'
	AND u.number LIKE '%-%-%' AND r.status = 'active') ORDER BY random() LIMIT $NKEYS" >"$TMP/units"
[ -s "$TMP/units" ] || die "no unit numbers in street $STREET"
cp "$TMP/units" "$TMP/keys.unit"
awk -v lo="$STREET" -v hi="$STREET~" '{print $1, lo, hi}' "$TMP/units" >"$TMP/ref.unit"
cp "$TMP/keys.id" "$TMP/ref.id"
cp "$TMP/keys.phone" "$TMP/ref.phone"

# Every key answers something through the API (a sample), else the comparison is void.
for kind in id phone unit; do
	k=$(head -1 "$TMP/keys.$kind")
	n=$(curl -fsS -H "Authorization: Bearer $TOKEN" "$URL/api/v1/residents?limit=20&q=$k" |
		python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["items"]), d.get("search"))')
	case $n in 0\ *) die "the API finds nothing for $kind $k" ;; esac
	echo "  sample $kind '$k': $n" >&2
done

cat >"$TMP/search.lua" <<EOF
local keys = {}
for line in io.lines(os.getenv("KEYS_FILE")) do keys[#keys + 1] = line end
local i = math.random(#keys)
local hdr = { ["Authorization"] = "Bearer $TOKEN" }
request = function()
  i = i % #keys + 1
  return wrk.format("GET", "/api/v1/residents?limit=20&q=" .. keys[i], hdr)
end
EOF

api_rate() { # kind -> requests/s (fails on non-2xx answers and connection errors;
	# requests slower than wrk's 10 s timeout are reported, they count as not done)
	KEYS_FILE="$TMP/keys.$1" wrk -t2 -c"$CONNS" -d"${DURATION}s" --timeout 10s -s "$TMP/search.lua" \
		"$URL" >"$TMP/wrk.$1" 2>&1
	if grep -q 'Non-2xx' "$TMP/wrk.$1" || grep -Eq 'Socket errors: connect [1-9]|read [1-9]|write [1-9]' "$TMP/wrk.$1"; then
		cat "$TMP/wrk.$1" >&2
		die "wrk saw errors for $1"
	fi
	if grep -q 'timeout [1-9]' "$TMP/wrk.$1"; then
		echo "  $1: $(grep -o 'timeout [0-9]*' "$TMP/wrk.$1") requests over 10 s" >&2
	fi
	awk '/Requests\/sec/ {print $2}' "$TMP/wrk.$1"
}
ref_rate() { # kind -> lookups/s
	"$REF_BIN" "$DB" "$KEYFILE" "$1" "$TMP/ref.$1" "$THREADS" "$DURATION" | awk '{print $2}'
}

echo "register: $RES_N residents; street $STREET: $STREET_N residents; $(wc -l <"$TMP/keys.id") keys per kind" >&2
echo "api: wrk -t2 -c$CONNS, ${DURATION}s; reference: bench_search, $THREADS threads; $ROUNDS rounds" >&2
declare -A ratios api_all ref_all
for round in $(seq "$ROUNDS"); do
	for kind in id phone unit; do
		a=$(api_rate "$kind")
		r=$(ref_rate "$kind")
		ratio=$(awk -v a="$a" -v r="$r" 'BEGIN {printf "%.3f", a / r}')
		lat=$(awk '/Latency/ {print $2; exit}' "$TMP/wrk.$kind")
		printf 'round %d %-6s api %10.0f/s (mean latency %s)  reference %10.0f/s  ratio %s\n' \
			"$round" "$kind" "$a" "$lat" "$r" "$ratio"
		ratios[$kind]+="$ratio "
		api_all[$kind]+="$a "
		ref_all[$kind]+="$r "
	done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
fail=0
echo
printf '%-6s %12s %12s %8s  (target >= %s)\n' kind 'api/s' 'reference/s' ratio "$TARGET"
for kind in id phone unit; do
	m=$(echo "${ratios[$kind]}" | median)
	a=$(echo "${api_all[$kind]}" | median)
	r=$(echo "${ref_all[$kind]}" | median)
	ok=$(awk -v m="$m" -v t="$TARGET" 'BEGIN {print (m >= t) ? "ok" : "MISSED"}')
	printf '%-6s %12.0f %12.0f %8.3f  %s\n' "$kind" "$a" "$r" "$m" "$ok"
	[ "$ok" = ok ] || fail=1
done
exit "$fail"
