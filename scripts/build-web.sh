#!/bin/sh
# Builds the web UI into web/dist when its sources are newer than the last build.
set -eu
cd "$(dirname "$0")/../web"
stamp=dist/index.html
if [ -f "$stamp" ] && [ -z "$(find src public index.html vite.config.* package-lock.json scripts -newer "$stamp" 2>/dev/null | head -1)" ]; then
	exit 0
fi
echo "build-web: npm run build"
npm run build --silent
