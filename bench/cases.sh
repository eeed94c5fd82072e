#!/usr/bin/env bash
# Cases (issue 10, the closed loop of 诉求): durable intake and the work-order list, in one
# run (docs/METRICS.md has the numbers).
#
# 1. Durable intake. A fresh SQLite database with the grids of
#    tests/fixtures/grids_ok.geojson (imported through the API by an administrator) and
#    the seeded catalogue. A community worker of 多福巷社区 registers 12345 hotline calls:
#    wrk (2 threads, 64 connections) POSTs /api/v1/cases, each with another description,
#    a minor class and a point inside 第一网格 (so every request runs the point locator).
#    Each 201 is a case acknowledged on disk: the server runs with GONGZHI_SQLITE_SYNC
#    unset (durable), where commits queue on one writer mutex and each waits for a WAL
#    fdatasync shared by its group (src/db/sqlite.c). Besides the case row an intake writes
#    its first timeline event, an audit row, the record count and notifications. (The
#    duplicate suggestions are not asked for: ?duplicates=1 is a read the staff's client
#    may add; the web reads them from GET /cases/{id}/duplicates.)
#    Reference: bench_cases_ref (bench/cases_ref.c), a plain C loop on a copy of the same
#    database that inserts the same rows (intake.c's INSERT, same columns and values) one
#    transaction per row — BEGIN IMMEDIATE; INSERT; COMMIT — with PRAGMA synchronous=FULL
#    in WAL mode. That is "the same synchronous setting" in durability terms: FULL is what
#    SQLite offers to make every acknowledged commit survive power loss, by an fsync of
#    the WAL inside each COMMIT; the server gives the same guarantee with one fsync per
#    group of commits. Target: API rows/s >= 2x the reference's.
#
# 2. The case list. `gongzhi gen --residents LIST_RESIDENTS --cases CASES` (2,000,000
#    cases over the grids of the generated streets, reported over a year in a street's
#    mix of states), or BENCH_DB. A street supervisor of the first street reads
#    GET /api/v1/cases?grid=G&state=S&limit=20, G cycling over the street's 48 grids and
#    S over the open states (reported, accepted, dispatched, signed, handled; the pairs
#    holding at least a page), by a Lua script; nginx serves a static file the mean size
#    of those answers (same request header). Target: API req/s >= 0.5x nginx's. That
#    server runs without a background job worker (GONGZHI_JOB_WORKERS=0, see below).
#
# Each pair (API, then its reference) runs back to back, ROUNDS times; each ratio is the
# median of the rounds' ratios. The server's CPU time per request (user + system, all
# threads) is printed too: on a shared machine it moves much less than req/s.
# Exits 1 if a target is missed or wrk saw errors, 2 on a setup problem. Not run by
# make test.
#
# Environment:
#   PART=all           intake | list | all
#   CASES=2000000      cases in the list's database (gongzhi gen --cases)
#   LIST_RESIDENTS=100000  residents of that database (they only make the streets/grids)
#   BENCH_DB=          an existing SQLite file from `gongzhi gen ... --cases` (its key file
#                      next to it) for the list, instead of generating one; it gets the
#                      bench account
#   DURATION=10        seconds per measurement
#   ROUNDS=3
#   WARMUP=1           seconds of unmeasured load before each API measurement
#   GZ_THREADS=        --threads of the server (empty = server default)
#   GZ_BIN=            server binary (default build/gongzhi, built RelWithDebInfo)
#   NGINX=/usr/sbin/nginx
#   KEEP_TMP=1         keep the temp dir
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PART=${PART:-all}
CASES=${CASES:-2000000}
LIST_RESIDENTS=${LIST_RESIDENTS:-100000}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-1}
GZ_THREADS=${GZ_THREADS:-}
GZ_BIN=${GZ_BIN:-$ROOT/build/gongzhi}
NGINX=${NGINX:-/usr/sbin/nginx}
REF_BIN=$ROOT/build/bench_cases_ref
TARGET_INTAKE=2
TARGET_LIST=0.5

die() { echo "bench/cases.sh: $*" >&2; exit 2; }
case $PART in intake | list | all) ;; *) die "PART must be intake, list or all" ;; esac
command -v wrk >/dev/null || die "wrk not found (apt-get install wrk)"
command -v curl >/dev/null || die "curl not found"
command -v sqlite3 >/dev/null || die "sqlite3 not found"
command -v python3 >/dev/null || die "python3 not found"
[ "$PART" = intake ] || [ -x "$NGINX" ] || die "$NGINX not found (apt-get install nginx-light)"

# Optimised build (not the sanitizer build): this measures speed.
if [ "$GZ_BIN" = "$ROOT/build/gongzhi" ] || [ ! -x "$REF_BIN" ]; then
	cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$ROOT/build" -j "$(nproc 2>/dev/null || echo 2)" --target gongzhi bench_cases_ref >/dev/null
fi
[ -x "$GZ_BIN" ] || die "$GZ_BIN not found"
[ -x "$REF_BIN" ] || die "$REF_BIN not found"

# On disk (not tmpfs): fsync must cost what it costs.
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gz-cases.XXXXXX")
GZ_PID='' NGX_PID='' WRK_PID=''

# shellcheck disable=SC2317 # called from the trap
stop_pid() { # pid: TERM, wait up to 10 s, then KILL
	local pid=$1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
# shellcheck disable=SC2317
cleanup() {
	trap - EXIT INT TERM
	if [ -n "$WRK_PID" ]; then kill -TERM "$WRK_PID" 2>/dev/null || true; fi
	stop_pid "$NGX_PID"
	stop_pid "$GZ_PID"
	if [ -n "${KEEP_TMP:-}" ]; then echo "temp dir kept: $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
	done
	die "no free port found"
}

start_gz() { # db -> GZ_PID, URL
	local db=$1
	PORT=$(free_port)
	URL=http://127.0.0.1:$PORT
	local args=(serve --db "sqlite:$db" --listen "127.0.0.1:$PORT" --web /nonexistent
		--access-log "$TMP/gz-access.log")
	[ -n "$GZ_THREADS" ] && args+=(--threads "$GZ_THREADS")
	# shellcheck disable=SC2086 # GZ_ENV: NAME=VALUE words, or nothing
	env ${GZ_ENV:-} "$GZ_BIN" "${args[@]}" >"$TMP/gz.log" 2>&1 &
	GZ_PID=$!
	for _ in $(seq 300); do
		kill -0 "$GZ_PID" 2>/dev/null || die "server exited: $(tail -5 "$TMP/gz.log")"
		curl -fsS -o /dev/null --max-time 1 "$URL/healthz" 2>/dev/null && break
		sleep 0.1
	done
	curl -fsS -o /dev/null --max-time 1 "$URL/healthz" || die "server did not answer $URL/healthz"
	GZ_INFO=$(grep -ho 'listening on [^ ]* ([0-9]* threads)' "$TMP/gz.log" | grep -o '[0-9]* threads' || true)
}

add_user() { # db name role scope -> password on stdout
	local pass
	pass="bench-$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
	printf '%s\n' "$pass" | "$GZ_BIN" --db "sqlite:$1" user add "$2" --role "$3" --scope "$4" \
		--password-stdin >"$TMP/user.log" 2>&1 || die "user add $2: $(cat "$TMP/user.log")"
	echo "$pass"
}

login() { # name password -> token
	curl -fsS -o "$TMP/session.json" -H 'Content-Type: application/json' \
		--data "{\"username\":\"$1\",\"password\":\"$2\"}" "$URL/api/v1/session" || die "login $1 failed"
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$TMP/session.json"
}

CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { # pids... -> user + system ticks so far, all threads
	local t=0 p
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] || continue
		t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
	done
	echo "$t"
}

# wrk in the background so a signal is handled at once (traps run between commands).
wrk_bg() { # outfile wrk-args...
	local out=$1
	shift
	wrk "$@" >"$out" 2>&1 &
	WRK_PID=$!
	local rc=0
	wait "$WRK_PID" || rc=$?
	WRK_PID=
	return "$rc"
}

RESULTS=$TMP/results.tsv # name round rate cpu_us_per_req
: >"$RESULTS"
status=0

run_wrk() { # name script url pids... -> one RESULTS line; SCRIPT_ENV passed to wrk
	local name=$1 script=$2 url=$3 out=$TMP/wrk-$1.$round.txt
	shift 3
	if [ "$WARMUP" != 0 ]; then
		wrk_bg /dev/null -t2 -c64 -d"${WARMUP}s" -s "$script" "$url" || true
	fi
	local c0 c1 rps n non2xx sock cpu lat
	c0=$(cpu_ticks "$@")
	wrk_bg "$out" -t2 -c64 -d"${DURATION}s" --timeout 10s --latency -s "$script" "$url" || {
		cat "$out" >&2
		die "wrk failed on $url"
	}
	c1=$(cpu_ticks "$@")
	rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
	n=$(awk '/ requests in / {print $1}' "$out")
	if [ -z "$rps" ] || [ -z "$n" ]; then
		cat "$out" >&2
		die "no Requests/sec in wrk output for $url"
	fi
	non2xx=$(awk -F': *' '/Non-2xx or 3xx responses/ {print $2}' "$out")
	sock=$(awk '/Socket errors:/ {gsub(/[^0-9 ]/, ""); s = 0; for (i = 1; i <= NF; i++) s += $i; print s}' "$out")
	if [ "${non2xx:-0}" != 0 ] || [ "${sock:-0}" != 0 ]; then
		cat "$out" >&2
		echo "  $name: wrk saw ${non2xx:-0} non-2xx answers, ${sock:-0} socket errors: FAILED" >&2
		status=1
	fi
	cpu=$(awk -v a="$c0" -v b="$c1" -v n="$n" -v t="$CLK_TCK" 'BEGIN {printf "%.1f", (n > 0) ? (b - a) / t * 1e6 / n : 0}')
	lat=$(awk '$1 == "50%" {p50 = $2} $1 == "99%" {p99 = $2} END {print p50 " / " p99}' "$out")
	printf '%s\t%s\t%s\t%s\n' "$name" "$round" "$rps" "$cpu" >>"$RESULTS"
	printf '  %-12s %9.0f req/s  p50/p99 %-18s server cpu %7.1f us/req\n' "$name" "$rps" "$lat" "$cpu"
}

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
col() { awk -F'\t' -v n="$1" -v c="$2" '$1 == n {print $c}' "$RESULTS"; }
check() { # api ref target label
	local r ok
	r=$(awk -F'\t' -v a="$1" -v b="$2" '$1 == a {x[$2] = $3} $1 == b {y[$2] = $3}
		END {for (k in x) if (y[k] > 0) print x[k] / y[k]}' "$RESULTS" | median)
	ok=$(awk -v r="$r" -v t="$3" 'BEGIN {print (r >= t) ? "ok" : "MISSED"}')
	printf '%-38s %8.3f  (target >= %s) %s\n' "$4" "$r" "$3" "$ok"
	[ "$ok" = ok ] || status=1
}

echo "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); wrk -t2 -c64 -d${DURATION}s, $ROUNDS rounds"

# ================================================================ 1. durable intake
if [ "$PART" != list ]; then
	DB=$TMP/intake.db
	REF_DB=$TMP/ref.db
	start_gz "$DB"
	ADMIN_PASS=$(add_user "$DB" bench-admin system_admin '')
	ADMIN=$(login bench-admin "$ADMIN_PASS")
	curl -fsS -o "$TMP/import.json" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
		--data-binary "@$ROOT/tests/fixtures/grids_ok.geojson" "$URL/api/v1/grids/import" ||
		die "grid import failed"
	COMMUNITY=110101001001
	GRID=${COMMUNITY}001
	LAT=39.9018 LNG=116.4018 # inside 第一网格, outside its courtyard hole (第四网格)
	STAFF_PASS=$(add_user "$DB" bench-staff community_staff "$COMMUNITY")
	STAFF=$(login bench-staff "$STAFF_PASS")
	CATEGORY=C0101 # 井盖缺失破损
	CATEGORY_ID=$(sqlite3 "$DB" "SELECT id FROM case_categories WHERE code = '$CATEGORY' AND active = 1")
	[ -n "$CATEGORY_ID" ] || die "no active category $CATEGORY"

	cat >"$TMP/intake.lua" <<EOF
local n, tag = 0, ""
local hdr = { ["Authorization"] = "Bearer $STAFF", ["Content-Type"] = "application/json" }
init = function(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1e6) + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
  tag = string.format("%06x", math.random(0, 0xffffff))
end
request = function()
  n = n + 1
  local body = string.format('{"category":"$CATEGORY","request_type":"complaint","source":"hotline",'
    .. '"description":"热线来电 %s-%d：小区东门外井盖松动，车辆经过有响声，请尽快处理",'
    .. '"location":{"lat":$LAT,"lng":$LNG},"reporter":{"name":"张先生"}}', tag, n)
  return wrk.format("POST", "/api/v1/cases", hdr, body)
end
EOF
	# One intake by hand: 201, in the grid, and the row the reference copies.
	code=$(curl -sS -o "$TMP/sample.json" -w '%{http_code}' -H "Authorization: Bearer $STAFF" \
		-H 'Content-Type: application/json' --data "{\"category\":\"$CATEGORY\",\"request_type\":\"complaint\",
		\"source\":\"hotline\",\"description\":\"热线来电：井盖松动\",\"location\":{\"lat\":$LAT,\"lng\":$LNG},
		\"reporter\":{\"name\":\"张先生\"}}" "$URL/api/v1/cases")
	[ "$code" = 201 ] || die "sample intake: HTTP $code $(cat "$TMP/sample.json")"
	row=$(sqlite3 "$DB" "SELECT grid_code, category_id, request_type, source, state, address, building_id IS NULL,
		lng_e7, lat_e7, reporter_user_id IS NULL, reporter_name, reporter_phone_enc IS NULL, anonymous,
		step_due_at - reported_at, external_id IS NULL FROM cases ORDER BY id DESC LIMIT 1")
	want="$GRID|$CATEGORY_ID|complaint|hotline|reported||1|1164018000|399018000|1|张先生|1|0|3600000|1"
	[ "$row" = "$want" ] || die "the API's row is not the reference's: $row (reference: $want)"
	# The reference's copy, taken now: same schema, grids, catalogue, one case.
	sqlite3 "$DB" ".backup '$REF_DB'" || die "copying the database failed"
	sqlite3 "$REF_DB" "PRAGMA journal_mode = WAL" >/dev/null

	echo
	echo "durable intake: gongzhi (${GZ_INFO:-? threads}, GONGZHI_SQLITE_SYNC unset = group commit) vs bench_cases_ref (synchronous=FULL, one row a transaction)"
	for round in $(seq "$ROUNDS"); do
		echo "round $round:"
		before=$(sqlite3 "$DB" "SELECT COUNT(*) FROM cases")
		run_wrk intake-api "$TMP/intake.lua" "$URL" "$GZ_PID"
		after=$(sqlite3 "$DB" "SELECT COUNT(*) FROM cases")
		n=$(awk '/ requests in / {print $1}' "$TMP/wrk-intake-api.$round.txt")
		echo "               $((after - before)) cases written (with warm-up), $n acknowledged in the measurement"
		ref=$("$REF_BIN" "$REF_DB" "$GRID" "$CATEGORY_ID" 1164018000 399018000 "$DURATION") ||
			die "bench_cases_ref failed"
		printf 'intake-ref\t%s\t%s\t-\n' "$round" "${ref%% *}" >>"$RESULTS"
		printf '  %-12s %9.0f rows/s (%s rows)\n' intake-ref "${ref%% *}" "${ref##* }"
	done
	# Every acknowledged case is there once, with its report event.
	dup=$(sqlite3 "$DB" "SELECT COUNT(*) FROM (SELECT description FROM cases GROUP BY description HAVING COUNT(*) > 1)")
	noev=$(sqlite3 "$DB" "SELECT COUNT(*) FROM cases c WHERE NOT EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id)")
	if [ "$dup" != 0 ] || [ "$noev" != 0 ]; then
		echo "intake: $dup duplicated descriptions, $noev cases without events: FAILED"
		status=1
	fi
	stop_pid "$GZ_PID"
	GZ_PID=
fi

# ================================================================ 2. the case list
if [ "$PART" != intake ]; then
	if [ -n "${BENCH_DB:-}" ]; then
		LDB=$BENCH_DB
		[ -f "$LDB" ] || die "$LDB not found"
	else
		LDB=$TMP/list.db
		echo "gongzhi gen --residents $LIST_RESIDENTS --cases $CASES …" >&2
		t0=$(date +%s)
		"$GZ_BIN" --db "sqlite:$LDB" gen --residents "$LIST_RESIDENTS" --cases "$CASES" >"$TMP/gen.log" 2>&1 ||
			die "gen failed: $(tail -5 "$TMP/gen.log")"
		echo "  $(tail -1 "$TMP/gen.log") ($(($(date +%s) - t0)) s)" >&2
	fi
	NCASES=$(sqlite3 "$LDB" "SELECT COUNT(*) FROM cases")
	STREET=$(sqlite3 "$LDB" "SELECT code FROM streets ORDER BY code LIMIT 1")
	[ -n "$STREET" ] || die "no street in $LDB"
	sqlite3 "$LDB" "SELECT code FROM grids WHERE code >= '$STREET' AND code < '$STREET~' ORDER BY code" >"$TMP/grids"
	[ -s "$TMP/grids" ] || die "no grids in street $STREET"
	# (grid, open state) pairs that fill a page (all of them with 2,000,000 cases).
	sqlite3 "$LDB" "SELECT grid_code || '&state=' || state FROM cases WHERE grid_code >= '$STREET'
		AND grid_code < '$STREET~' AND state IN ('reported', 'accepted', 'dispatched', 'signed', 'handled')
		GROUP BY grid_code, state HAVING COUNT(*) >= 20" | shuf --random-source=<(yes) >"$TMP/keys.list"
	[ -s "$TMP/keys.list" ] || die "no grid of street $STREET has 20 open cases in one state"

	# No background job worker in this process: the list alone is measured. (A database
	# from an older gen left past step deadlines unmarked, and the sweep would catch up on
	# hundreds of thousands of them during the run; gen now marks them itself.)
	GZ_ENV=GONGZHI_JOB_WORKERS=0 start_gz "$LDB"
	USER=bench-street-$$
	SUP_PASS=$(add_user "$LDB" "$USER" street_supervisor "$STREET")
	SUP=$(login "$USER" "$SUP_PASS")
	AUTH="Authorization: Bearer $SUP"

	# Every answer is a full page (else the comparison is void); their mean size.
	python3 - "$URL" "$SUP" "$TMP/keys.list" >"$TMP/sizes" <<'EOF' || die "sample list requests failed"
import json, sys, urllib.request
url, token, keys = sys.argv[1], sys.argv[2], open(sys.argv[3]).read().split()
sizes = []
for k in keys[:60]:
    req = urllib.request.Request(f"{url}/api/v1/cases?limit=20&grid={k}",
                                 headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req) as r:
        body = r.read()
    n = len(json.loads(body)["items"])
    if n != 20:
        sys.exit(f"grid={k}: {n} items, not a full page")
    sizes.append(len(body))
print(round(sum(sizes) / len(sizes)), min(sizes), max(sizes))
EOF
	read -r BODY_BYTES BODY_MIN BODY_MAX <"$TMP/sizes"

	mkdir -p "$TMP/nginx/html" "$TMP/nginx/logs"
	head -c "$BODY_BYTES" /dev/zero | tr '\0' 'x' >"$TMP/nginx/html/cases.json"
	NGX_PORT=$(free_port)
	NGX_URL=http://127.0.0.1:$NGX_PORT
	ngx_v=$("$NGINX" -V 2>&1)
	temp_paths="client_body_temp_path $TMP/nginx/body;"
	for m in proxy fastcgi uwsgi scgi; do
		case $ngx_v in *"--without-http_${m}_module"*) ;; *) temp_paths+=" ${m}_temp_path $TMP/nginx/$m;" ;; esac
	done
	user_line=
	[ "$(id -u)" = 0 ] && user_line="user root;"
	cat >"$TMP/nginx/nginx.conf" <<EOF
$user_line
daemon off;
master_process on;
worker_processes auto;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
    default_type application/json;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    keepalive_timeout 65;
    access_log $TMP/nginx/logs/access.log;
    $temp_paths
    server {
        listen 127.0.0.1:$NGX_PORT;
        root $TMP/nginx/html;
    }
}
EOF
	"$NGINX" -p "$TMP/nginx" -e "$TMP/nginx/logs/error.log" -c "$TMP/nginx/nginx.conf" \
		>"$TMP/nginx/logs/stdout.log" 2>&1 &
	NGX_PID=$!
	for _ in $(seq 100); do
		kill -0 "$NGX_PID" 2>/dev/null || die "nginx exited: $(cat "$TMP/nginx/logs/error.log" 2>/dev/null)"
		curl -fsS -o /dev/null --max-time 1 "$NGX_URL/cases.json" 2>/dev/null && break
		sleep 0.1
	done
	NGX_PIDS="$NGX_PID $(pgrep -P "$NGX_PID" | tr '\n' ' ')"

	cat >"$TMP/list.lua" <<EOF
local keys = {}
for line in io.lines("$TMP/keys.list") do keys[#keys + 1] = line end
local i = 0
local hdr = { ["$(echo "$AUTH" | cut -d: -f1)"] = "$(echo "$AUTH" | cut -d' ' -f2-)" }
init = function(args) math.randomseed(os.time() + math.floor(os.clock() * 1e6)); i = math.random(#keys) end
request = function()
  i = i % #keys + 1
  return wrk.format("GET", "/api/v1/cases?limit=20&grid=" .. keys[i], hdr)
end
EOF
	cat >"$TMP/nginx.lua" <<EOF
local hdr = { ["$(echo "$AUTH" | cut -d: -f1)"] = "$(echo "$AUTH" | cut -d' ' -f2-)" }
request = function() return wrk.format("GET", "/cases.json", hdr) end
EOF

	echo
	echo "case list: $NCASES cases; street $STREET, $(wc -l <"$TMP/grids") grids, $(wc -l <"$TMP/keys.list") (grid, open state) pairs;" \
		"answers $BODY_MIN..$BODY_MAX B, nginx file $BODY_BYTES B"
	echo "gongzhi (${GZ_INFO:-? threads}) vs nginx ($(pgrep -P "$NGX_PID" | wc -l) workers)"
	for round in $(seq "$ROUNDS"); do
		echo "round $round:"
		# shellcheck disable=SC2086 # NGX_PIDS is a list
		run_wrk list-nginx "$TMP/nginx.lua" "$NGX_URL" $NGX_PIDS
		run_wrk list-api "$TMP/list.lua" "$URL" "$GZ_PID"
	done
fi

# ================================================================ summary
echo
printf '%-12s %12s %14s   (medians over %s rounds)\n' run 'rate/s' 'cpu us/req' "$ROUNDS"
for n in intake-api intake-ref list-api list-nginx; do
	[ -n "$(col "$n" 3)" ] || continue
	c=-
	[ "$n" = intake-ref ] || c=$(printf '%.1f' "$(col "$n" 4 | median)")
	printf '%-12s %12.0f %14s\n' "$n" "$(col "$n" 3 | median)" "$c"
done
echo
[ "$PART" = list ] || check intake-api intake-ref "$TARGET_INTAKE" "intake rows/s api/reference"
[ "$PART" = intake ] || check list-api list-nginx "$TARGET_LIST" "list req/s api/nginx"
exit "$status"
