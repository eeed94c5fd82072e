#!/bin/sh
# Install what gongzhi needs on Debian 12, and only what is missing.
# Debian packages come from deps/debian.txt; npm packages from web/package-lock.json
# and tests/package-lock.json via `npm ci` (only when node_modules is older than the lock).
set -eu
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

missing=""
for p in $(sed -e 's/#.*//' deps/debian.txt); do
	case "$p" in
	nodejs) command -v node >/dev/null 2>&1 && continue ;;
	npm) command -v npm >/dev/null 2>&1 && continue ;;
	esac
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
if [ -n "$missing" ]; then
	echo "install-deps: installing$missing"
	$SUDO apt-get update
	# nginx's package starts a service on :80 on install; we only use its binary.
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $missing
fi

# The PostgreSQL test cluster collates in zh_CN.UTF-8, as a server in China would, so a
# code or scope column missing COLLATE "C" breaks prefix ranges in the tests instead of in
# production (scripts/pg-test-cluster.sh). Generate that locale once.
if ! locale -a 2>/dev/null | grep -qix 'zh_CN\.utf-\?8'; then
	echo "install-deps: generating locale zh_CN.UTF-8"
	if grep -q '^# *zh_CN.UTF-8 UTF-8' /etc/locale.gen 2>/dev/null; then
		$SUDO sed -i 's/^# *\(zh_CN.UTF-8 UTF-8\)/\1/' /etc/locale.gen
	elif ! grep -q '^zh_CN.UTF-8 UTF-8' /etc/locale.gen 2>/dev/null; then
		echo 'zh_CN.UTF-8 UTF-8' | $SUDO tee -a /etc/locale.gen >/dev/null
	fi
	$SUDO locale-gen
fi

for d in web tests; do
	if [ -f "$d/package-lock.json" ]; then
		if [ ! -d "$d/node_modules" ] || [ "$d/package-lock.json" -nt "$d/node_modules/.package-lock.json" ]; then
			echo "install-deps: npm ci in $d"
			(cd "$d" && npm ci --no-audit --no-fund)
		fi
	fi
done
