#!/bin/sh
# A throwaway PostgreSQL cluster for tests, living entirely inside one directory.
#
#   scripts/pg-test-cluster.sh start DIR        create (if new) and start; prints the URL
#   scripts/pg-test-cluster.sh url DIR DBNAME   create database DBNAME if missing; prints its URL
#   scripts/pg-test-cluster.sh stop DIR         stop at once (-m immediate) and remove DIR
#
# The server listens only on a unix socket in DIR (no TCP unless PGPORT_TCP=1, which adds
# 127.0.0.1 on the same port), with trust authentication, fsync off and
# max_connections=200. The one line printed on stdout is a libpq URL, e.g.
#   postgresql:///postgres?host=/tmp/pg&port=23456&user=postgres
# Everything else (progress, errors) goes to stderr. Server log: DIR/log.
#
# As root the cluster belongs to the "postgres" system user (the server refuses to run
# as root) and server commands run through runuser; DIR and all its parents must then be
# traversable by that user. The system's own cluster (Debian's 5432 service) is never
# touched: every command names this DIR and its socket explicitly.
#
# The cluster collates in zh_CN.UTF-8 (else en_US.UTF-8, else ICU zh-CN), never C, so a
# scope column missing COLLATE "C" fails the tests (see choose_locale).
#
# Environment: PG_BINDIR overrides where initdb/pg_ctl/psql/createdb are looked up;
# PGPORT_TCP=1 also listens on 127.0.0.1; PG_TEST_LOCALE sets the locale.
set -eu
umask 022

prog=pg-test-cluster
die()
{
	echo "$prog: $*" >&2
	exit 1
}
usage()
{
	echo "usage: $0 start DIR | url DIR DBNAME | stop DIR" >&2
	exit 2
}

# Our commands always say -h/-p/-U/-d; drop what else in the environment could redirect
# them to another server or database.
tcp=${PGPORT_TCP:-}
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGSERVICE PGSERVICEFILE PGOPTIONS \
	PGDATA PGPASSFILE PGSSLMODE PGTARGETSESSIONATTRS 2>/dev/null || true

# Server binaries: PG_BINDIR, else pg_config's (if it has initdb: libpq-dev can be newer
# than the server), else the highest /usr/lib/postgresql/*/bin.
find_bindir()
{
	if [ -n "${PG_BINDIR:-}" ]; then
		[ -x "$PG_BINDIR/initdb" ] || die "PG_BINDIR=$PG_BINDIR has no initdb"
		echo "$PG_BINDIR"
		return
	fi
	if command -v pg_config >/dev/null 2>&1; then
		d=$(pg_config --bindir 2>/dev/null || true)
		if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
			echo "$d"
			return
		fi
	fi
	best=$(for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && echo "$d"
	done | sort -V | tail -n 1)
	[ -n "$best" ] || die "no PostgreSQL server binaries (initdb) found; install the postgresql package"
	echo "$best"
}

# Runs a server-side command as the cluster owner.
as_owner()
{
	if [ "$(id -u)" = 0 ]; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

# Makes DIR absolute and checks it is usable in a URL and a socket path.
resolve_dir()
{
	case "$1" in
	"") die "DIR must not be empty" ;;
	esac
	case "$1" in
	*[!A-Za-z0-9/._+-]*) die "DIR '$1' may only contain letters, digits and / . _ + - (it goes into a URL and a socket path)" ;;
	esac
	if [ -d "$1" ]; then
		(cd "$1" && pwd -P)
	else
		case "$1" in
		/*) echo "$1" ;;
		*) echo "$(pwd -P)/$1" ;;
		esac
	fi
}

# Prints the port of the running server in DIR, or nothing when it is not running.
running_port()
{
	pidfile=$dir/data/postmaster.pid
	[ -f "$pidfile" ] || return 0
	if as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		sed -n 4p "$pidfile"
	fi
}

url_for()
{
	echo "postgresql:///$1?host=$dir&port=$2&user=postgres"
}

# initdb options for the cluster's collation. Not C on purpose: in zh_CN or en_US order
# '~' sorts among the punctuation, so the scope range [code, code || '~') of a column
# without COLLATE "C" misses the rows below that code and the tests fail (as production
# on such a server would). PG_TEST_LOCALE overrides (e.g. C.UTF-8).
choose_locale()
{
	if [ -n "${PG_TEST_LOCALE:-}" ]; then
		echo "--locale=$PG_TEST_LOCALE"
		return
	fi
	for l in zh_CN en_US; do
		if locale -a 2>/dev/null | grep -qix "$l\.utf-\?8"; then
			echo "--locale=$l.UTF-8"
			return
		fi
	done
	# No such libc locale: ICU's collation needs none (PostgreSQL 15+).
	if "$bindir/initdb" --help 2>/dev/null | grep -q -- --icu-locale; then
		echo "--locale=C.UTF-8 --locale-provider=icu --icu-locale=zh-CN"
		return
	fi
	echo "$prog: warning: no zh_CN/en_US locale and no ICU: C collation, COLLATE \"C\" goes untested (run scripts/install-deps.sh)" >&2
	echo "--no-locale"
}

check_owner_access()
{
	[ "$(id -u)" = 0 ] || return 0
	id -u postgres >/dev/null 2>&1 ||
		die "running as root needs the 'postgres' system user (install the postgresql package)"
	command -v runuser >/dev/null 2>&1 || die "running as root needs runuser (util-linux)"
	if ! runuser -u postgres -- test -x "$dir" 2>/dev/null; then
		p=$dir
		bad=$dir
		while [ "$p" != / ]; do
			p=$(dirname "$p")
			runuser -u postgres -- test -x "$p" 2>/dev/null || bad=$p
		done
		die "user postgres cannot reach $dir: $bad is not traversable by it (chmod o+x $bad, or choose a DIR under /tmp)"
	fi
}

cmd_start()
{
	if [ -e "$dir" ] && [ ! -f "$dir/.pg-test-cluster" ]; then
		[ -d "$dir" ] || die "$dir exists and is not a directory"
		[ -z "$(ls -A "$dir")" ] || die "$dir is not empty and is not a test cluster; refusing to use it"
	fi
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd -P)
	: >"$dir/.pg-test-cluster"
	chmod 755 "$dir" # clients of any local user may reach the socket; data/ stays 0700
	if [ "$(id -u)" = 0 ]; then
		chown postgres:postgres "$dir" "$dir/.pg-test-cluster"
	fi
	check_owner_access

	# A unix socket path is limited to 107 bytes: DIR + "/.s.PGSQL.NNNNN".
	[ "$(printf '%s' "$dir/.s.PGSQL.65535" | wc -c)" -le 107 ] ||
		die "socket path under $dir is too long for a unix socket; use a shorter DIR"

	port=$(running_port)
	if [ -n "$port" ]; then
		url_for postgres "$port"
		return
	fi

	if [ ! -f "$dir/data/PG_VERSION" ]; then
		rm -rf "$dir/data"
		loc=$(choose_locale)
		echo "$prog: collation $loc" >&2
		# shellcheck disable=SC2086 # $loc is one or more options
		if ! as_owner "$bindir/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 $loc -N \
			>"$dir/initdb.log" 2>&1; then
			cat "$dir/initdb.log" >&2
			die "initdb failed (log above, also in $dir/initdb.log)"
		fi
		listen="''"
		[ -n "$tcp" ] && [ "$tcp" != 0 ] && listen="'127.0.0.1'"
		# shellcheck disable=SC2016 # $1 is for the inner sh
		as_owner sh -c 'cat >>"$1"' sh "$dir/data/postgresql.conf" <<EOF

# --- scripts/pg-test-cluster.sh: throwaway test server ---
listen_addresses = $listen
unix_socket_directories = '$dir'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
dynamic_shared_memory_type = mmap
log_min_messages = warning
EOF
	fi

	# The port names the socket file; with TCP it must also be free on 127.0.0.1, which
	# the server itself tells us by failing to bind.
	# A restarted cluster keeps its port, so URLs handed out earlier stay valid.
	tries=0
	while :; do
		tries=$((tries + 1))
		if [ $tries = 1 ] && [ -s "$dir/.port" ]; then
			port=$(cat "$dir/.port")
		else
			port=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000))
		fi
		rm -f "$dir/log"
		if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 -o "-p $port" \
			start >/dev/null 2>"$dir/pg_ctl.err"; then
			break
		fi
		if [ $tries -lt 8 ] && grep -q "could not bind\|already in use" "$dir/log" 2>/dev/null; then
			echo "$prog: port $port taken, trying another" >&2
			continue
		fi
		cat "$dir/pg_ctl.err" >&2
		tail -n 20 "$dir/log" >&2 2>/dev/null || true
		die "server in $dir did not start (log above, also in $dir/log)"
	done
	rm -f "$dir/pg_ctl.err"
	echo "$port" >"$dir/.port"

	url=$(url_for postgres "$port")
	"$bindir/psql" -X -q -d "$url" -tAc 'select 1' >/dev/null ||
		die "server started but '$url' does not answer"
	echo "$url"
}

cmd_url()
{
	name=$1
	case "$name" in
	"" | *[!A-Za-z0-9_-]*) die "DBNAME '$name' may only contain letters, digits, _ and -" ;;
	esac
	[ ${#name} -le 63 ] || die "DBNAME '$name' is longer than 63 bytes"
	[ -f "$dir/.pg-test-cluster" ] || die "$dir is not a test cluster; run '$0 start $dir' first"
	port=$(running_port)
	[ -n "$port" ] || die "the cluster in $dir is not running; run '$0 start $dir' first"
	base=$(url_for postgres "$port")
	exists()
	{
		[ "$("$bindir/psql" -X -q -d "$base" -tAc \
			"select 1 from pg_database where datname = '$name'")" = 1 ]
	}
	if ! exists; then
		# Two suites may race to create the same name; losing that race is fine.
		if ! out=$("$bindir/createdb" -h "$dir" -p "$port" -U postgres -- "$name" 2>&1) &&
			! exists; then
			die "cannot create database $name: $out"
		fi
	fi
	url_for "$name" "$port"
}

cmd_stop()
{
	[ -e "$dir" ] || return 0
	if [ ! -f "$dir/.pg-test-cluster" ]; then
		if [ ! -d "$dir" ] || [ -n "$(ls -A "$dir")" ]; then
			die "$dir is not a test cluster (no .pg-test-cluster marker); refusing to remove it"
		fi
	fi
	if [ -f "$dir/data/postmaster.pid" ]; then
		if ! as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 &&
			as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
			die "could not stop the server in $dir"
		fi
	fi
	rm -rf "$dir"
}

[ $# -ge 2 ] || usage
action=$1
dir=$(resolve_dir "$2")
bindir=$(find_bindir)
case "$action" in
start)
	[ $# -eq 2 ] || usage
	cmd_start
	;;
url)
	[ $# -eq 3 ] || usage
	cmd_url "$3"
	;;
stop)
	[ $# -eq 2 ] || usage
	cmd_stop
	;;
*) usage ;;
esac
