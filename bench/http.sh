#!/usr/bin/env bash
# HTTP throughput of gongzhi against nginx on this machine, in one run.
#
# wrk (2 threads, 64 connections, DURATION seconds) measures, interleaved:
#   nginx  static file the size of the /healthz body      -> gongzhi GET /healthz
#   nginx  static file the size of the /api/v1/status body -> gongzhi GET /api/v1/status
# and prints each gongzhi/nginx ratio. Both servers write one access-log line per
# request to a file. Targets: healthz >= 0.9x nginx, status (reads SQLite) >= 0.5x.
# /api/v1/status needs a login: the script creates an administrator with the CLI, logs
# in with curl and sends its bearer token on every status request (the same header goes
# to nginx, so both read requests of the same size); the answer is the full status with
# the record counts, as before the login was required.
# Exits non-zero if a target is missed, wrk saw socket errors or non-2xx answers.
# Also prints each server's CPU time per request (user + system, all threads): on a
# shared machine that figure moves much less than req/s.
#
# Environment:
#   DURATION=10      seconds per wrk run (DURATION=3 for a quick check)
#   ROUNDS=1         repeat the interleaved sequence; each ratio is the median of the
#                    per-round ratios (ROUNDS=3 on a busy machine)
#   WARMUP=1         seconds of unmeasured load before each measurement (0 = none)
#   GZ_THREADS=      --threads for gongzhi (empty = server default)
#   GZ_BIN=          server binary (default build/gongzhi; built by `make server` if missing)
#   NGINX=/usr/sbin/nginx
#   KEEP_TMP=1       keep the temp dir (logs, configs) for inspection
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-1}
WARMUP=${WARMUP:-1}
GZ_THREADS=${GZ_THREADS:-}
GZ_BIN=${GZ_BIN:-$ROOT/build/gongzhi}
NGINX=${NGINX:-/usr/sbin/nginx}
WRK_ARGS=(-t2 -c64 --latency)
TARGET_HEALTHZ=0.9
TARGET_STATUS=0.5

die() { echo "bench/http.sh: $*" >&2; exit 2; }

command -v wrk >/dev/null || die "wrk not found (apt-get install wrk)"
command -v curl >/dev/null || die "curl not found"
[ -x "$NGINX" ] || die "$NGINX not found (apt-get install nginx-light)"
if [ ! -x "$GZ_BIN" ]; then
	[ "$GZ_BIN" = "$ROOT/build/gongzhi" ] || die "$GZ_BIN not found"
	make -C "$ROOT" server
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gz-bench.XXXXXX")
GZ_PID='' NGX_PID='' WRK_PID=''

# shellcheck disable=SC2317 # called from the trap
stop_pid() { # pid: TERM, wait up to 5 s, then KILL
	local pid=$1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# shellcheck disable=SC2317 # called from the trap
cleanup() {
	trap - EXIT INT TERM
	if [ -n "$WRK_PID" ]; then kill -TERM "$WRK_PID" 2>/dev/null || true; fi
	# TERM: nginx's fast shutdown, gongzhi's graceful drain (idle connections).
	stop_pid "$NGX_PID"
	stop_pid "$GZ_PID"
	if [ -n "${KEEP_TMP:-}" ]; then
		echo "temp dir kept: $TMP" >&2
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

# A port nobody listens on now. Another process could take it before we bind;
# the start-up checks below then fail loudly rather than measure the wrong server.
free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	die "no free port found"
}

wait_http() { # url pid name
	for _ in $(seq 100); do
		kill -0 "$2" 2>/dev/null || die "$3 exited during start-up (see logs above)"
		curl -fsS -o /dev/null --max-time 1 "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	die "$3 did not answer $1 within 10 s"
}

# ---------------------------------------------------------------- gongzhi
GZ_PORT=$(free_port)
GZ_URL=http://127.0.0.1:$GZ_PORT
gz_args=(serve --db "sqlite:$TMP/bench.db" --listen "127.0.0.1:$GZ_PORT" --web /nonexistent
	--access-log "$TMP/gz-access.log")
[ -n "$GZ_THREADS" ] && gz_args+=(--threads "$GZ_THREADS")
"$GZ_BIN" "${gz_args[@]}" >"$TMP/gz-stdout.log" 2>"$TMP/gz-stderr.log" &
GZ_PID=$!
if ! (wait_http "$GZ_URL/healthz" "$GZ_PID" gongzhi); then
	cat "$TMP/gz-stdout.log" "$TMP/gz-stderr.log" >&2
	exit 2
fi
gz_threads=$(grep -ho 'listening on [^ ]* ([0-9]* threads)' "$TMP"/gz-std*.log | grep -o '[0-9]* threads' || true)

# The first administrator, as the docs create it; its session reads the full status.
GZ_PASSWORD="bench-$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
printf '%s\n' "$GZ_PASSWORD" | "$GZ_BIN" --db "sqlite:$TMP/bench.db" user add admin \
	--role system_admin --scope '' --password-stdin >"$TMP/gz-user.log" 2>&1 ||
	die "gongzhi user add admin failed: $(cat "$TMP/gz-user.log")"
curl -fsS -o "$TMP/session.body" -H 'Content-Type: application/json' \
	--data "{\"username\":\"admin\",\"password\":\"$GZ_PASSWORD\"}" "$GZ_URL/api/v1/session" ||
	die "login as admin failed"
GZ_TOKEN=$(grep -o '"token":"[0-9a-f]*"' "$TMP/session.body" | cut -d'"' -f4)
[ -n "$GZ_TOKEN" ] || die "no token in the login answer: $(cat "$TMP/session.body")"
AUTH="Authorization: Bearer $GZ_TOKEN"

curl -fsS -o "$TMP/healthz.body" "$GZ_URL/healthz"
curl -fsS -o "$TMP/status.body" -H "$AUTH" "$GZ_URL/api/v1/status"
HEALTHZ_BYTES=$(wc -c <"$TMP/healthz.body")
STATUS_BYTES=$(wc -c <"$TMP/status.body")
grep -q '"ok":true' "$TMP/status.body" || die "/api/v1/status does not report db ok: $(cat "$TMP/status.body")"
grep -q '"counts":' "$TMP/status.body" || die "/api/v1/status has no counts for the administrator: $(cat "$TMP/status.body")"

# ---------------------------------------------------------------- nginx
mkdir -p "$TMP/nginx/html" "$TMP/nginx/logs"
head -c "$HEALTHZ_BYTES" /dev/zero | tr '\0' 'x' >"$TMP/nginx/html/healthz.json"
head -c "$STATUS_BYTES" /dev/zero | tr '\0' 'x' >"$TMP/nginx/html/status.json"
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
# -e: keep nginx from opening its compiled-in error log before reading the config.
"$NGINX" -p "$TMP/nginx" -e "$TMP/nginx/logs/error.log" -c "$TMP/nginx/nginx.conf" \
	>"$TMP/nginx/logs/stdout.log" 2>&1 &
NGX_PID=$!
if ! (wait_http "$NGX_URL/healthz.json" "$NGX_PID" nginx); then
	cat "$TMP/nginx/logs/stdout.log" "$TMP/nginx/logs/error.log" >&2 2>/dev/null || true
	exit 2
fi
ngx_workers=$(pgrep -P "$NGX_PID" | wc -l)

# ---------------------------------------------------------------- measure
RESULTS=$TMP/results.tsv # name rps non2xx sockerr p50 p99 cpu_us_per_req
: >"$RESULTS"
status=0
NGX_PIDS="$NGX_PID $(pgrep -P "$NGX_PID" | tr '\n' ' ')"
CLK_TCK=$(getconf CLK_TCK)

# CPU ticks (user + system) used so far by the given processes, all their threads.
cpu_ticks() {
	local t=0 p
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] || continue
		# Field 2 (comm) may hold spaces: count fields after the closing ')'.
		t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
	done
	echo "$t"
}

# wrk in the background so a signal to this script is handled at once, not after
# the run (bash runs traps only between foreground commands; `wait` is interruptible).
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

run_wrk() { # name url server-pids...; HDR="Name: value" adds a request header
	local name=$1 url=$2 out=$TMP/wrk-$1.$round.txt
	shift 2
	local hdr=()
	[ -n "${HDR:-}" ] && hdr=(-H "$HDR")
	if [ "$WARMUP" != 0 ]; then
		wrk_bg /dev/null -t2 -c64 -d"${WARMUP}s" "${hdr[@]}" "$url" || true
	fi
	local c0 c1
	c0=$(cpu_ticks "$@")
	wrk_bg "$out" "${WRK_ARGS[@]}" -d"${DURATION}s" "${hdr[@]}" "$url" || {
		cat "$out" >&2
		die "wrk failed on $url"
	}
	c1=$(cpu_ticks "$@")
	local rps n non2xx sock p50 p99 cpu
	rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
	n=$(awk '/ requests in / {print $1}' "$out")
	non2xx=$(awk -F': *' '/Non-2xx or 3xx responses/ {print $2}' "$out")
	sock=$(awk '/Socket errors:/ {gsub(/[^0-9 ]/, ""); s = 0; for (i = 1; i <= NF; i++) s += $i; print s}' "$out")
	p50=$(awk '$1 == "50%" {print $2}' "$out")
	p99=$(awk '$1 == "99%" {print $2}' "$out")
	if [ -z "$rps" ] || [ -z "$n" ]; then
		cat "$out" >&2
		die "no Requests/sec in wrk output for $url"
	fi
	cpu=$(awk -v a="$c0" -v b="$c1" -v n="$n" -v t="$CLK_TCK" 'BEGIN {printf "%.1f", (n > 0) ? (b - a) / t * 1e6 / n : 0}')
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$rps" "${non2xx:-0}" "${sock:-0}" "${p50:--}" "${p99:--}" "$cpu" >>"$RESULTS"
	printf '  %-14s %8.0f req/s  p50 %-8s p99 %-8s server cpu %5.1f us/req  non-2xx %s  socket errors %s\n' \
		"$name" "$rps" "${p50:--}" "${p99:--}" "$cpu" "${non2xx:-0}" "${sock:-0}"
}

echo "gongzhi $GZ_URL (${gz_threads:-? threads}, access log to file)  vs  nginx $NGX_URL ($ngx_workers workers)"
echo "wrk ${WRK_ARGS[*]} -d${DURATION}s, warm-up ${WARMUP}s, $ROUNDS round(s), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "body sizes: /healthz $HEALTHZ_BYTES B, /api/v1/status $STATUS_BYTES B"
for round in $(seq "$ROUNDS"); do
	echo "round $round:"
	# shellcheck disable=SC2086 # NGX_PIDS is a list
	run_wrk nginx-healthz "$NGX_URL/healthz.json" $NGX_PIDS
	run_wrk gz-healthz "$GZ_URL/healthz" "$GZ_PID"
	# shellcheck disable=SC2086
	HDR=$AUTH run_wrk nginx-status "$NGX_URL/status.json" $NGX_PIDS
	HDR=$AUTH run_wrk gz-status "$GZ_URL/api/v1/status" "$GZ_PID"
done
kill -0 "$GZ_PID" 2>/dev/null || { echo "gongzhi died during the run" >&2; status=1; }
kill -0 "$NGX_PID" 2>/dev/null || { echo "nginx died during the run" >&2; status=1; }

median() { # name column -> median over rounds
	awk -F'\t' -v n="$1" -v c="$2" '$1 == n {print $c}' "$RESULTS" | sort -g |
		awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

echo
printf '%-14s %10s %12s %10s %10s   (medians over %s round(s))\n' target "req/s" "cpu us/req" non-2xx sock-err "$ROUNDS"
for n in nginx-healthz gz-healthz nginx-status gz-status; do
	awk -F'\t' -v n="$n" -v m="$(median "$n" 2)" -v c="$(median "$n" 7)" '$1 == n {e += $3; s += $4}
		END {printf "%-14s %10.0f %12.1f %10d %10d\n", n, m, c, e, s}' "$RESULTS"
done
errors=$(awk -F'\t' '{e += $3 + $4} END {print e + 0}' "$RESULTS")

echo
# Each gongzhi run follows its nginx run, so the pair saw the same load on the
# machine: the ratio is taken per round, then the median over rounds.
check() { # label target
	local r ok
	r=$(awk -F'\t' -v l="$1" '$1 == "nginx-" l {n[++i] = $2} $1 == "gz-" l {g[++j] = $2}
		END {for (k = 1; k <= j; k++) print ((n[k] > 0) ? g[k] / n[k] : 0)}' "$RESULTS" | sort -g |
		awk '{v[NR] = $1} END {printf "%.2f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')
	ok=$(awk -v r="$r" -v t="$2" 'BEGIN {print (r >= t) ? "ok" : "MISSED"}')
	echo "ratio $1/nginx = $r (target >= $2) $ok"
	[ "$ok" = ok ] || status=1
}
check healthz "$TARGET_HEALTHZ"
check status "$TARGET_STATUS"
# Informational: server CPU per request, nginx/gongzhi (> 1 means gongzhi is cheaper).
# Much less sensitive than req/s to other load on the machine.
for l in healthz status; do
	awk -v a="$(median "nginx-$l" 7)" -v b="$(median "gz-$l" 7)" -v l="$l" \
		'BEGIN {printf "cpu efficiency %s (nginx us/req / gongzhi us/req) = %.2f\n", l, (b > 0) ? a / b : 0}'
done
if [ "$errors" != 0 ]; then
	echo "wrk saw $errors non-2xx responses or socket errors: FAILED"
	status=1
fi
exit "$status"
