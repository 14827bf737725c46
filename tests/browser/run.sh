#!/bin/sh
# run.sh - the browser tests (test_browser.js) in Debian's Chromium,
# driven by playwright-core from npm, against a real `attune serve` on a
# throw-away copy of the demo clinic on a free loopback port.
#
#   ATTUNE=build/attune [ATTUNE_TEST_TMP=DIR] sh tests/browser/run.sh
#
# Needs /usr/bin/chromium (scripts/install-deps.sh) and the machine's
# Node.js (>= 20) with npm. The npm packages pinned in package-lock.json
# are installed with `npm ci` into tests/browser/node_modules when they
# are missing or the lock file changed; no browser is ever downloaded.
# Screenshots of every page and axe-report.json go to
# $ATTUNE_TEST_TMP/browser-artefacts/. ATTUNE_DOC_SHOTS=DIR also writes
# the user guide's pictures to DIR (docs/screenshots).
set -u
: "${ATTUNE:?set ATTUNE to the attune binary}"
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=${ATTUNE_TEST_TMP:-/tmp}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
mkdir -p "$TMP"
T=$(mktemp -d "$TMP/browser.XXXXXX")
ART="$TMP/browser-artefacts"
DB="$T/demo.db"
SERVER_PID=

# stop_server: SIGTERM, then up to 30 s for a clean stop (SIGKILL after
# that); sets $src to the server's exit status.
stop_server() {
	kill -TERM "$SERVER_PID" 2>/dev/null
	n=0
	while kill -0 "$SERVER_PID" 2>/dev/null && [ $n -lt 300 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	if kill -0 "$SERVER_PID" 2>/dev/null; then
		echo "FAIL: the server did not stop within 30 s of SIGTERM"
		kill -KILL "$SERVER_PID" 2>/dev/null
	fi
	wait "$SERVER_PID"
	src=$?
	SERVER_PID=
}

cleanup() {
	[ -z "$SERVER_PID" ] || stop_server
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

die() {
	echo "FAIL: $*"
	echo "0 passed, 1 failed"
	exit 1
}

# ---- What the tests need ----
[ -x "$CHROMIUM" ] ||
	die "no Chromium at $CHROMIUM (scripts/install-deps.sh installs Debian's chromium)"
command -v node >/dev/null 2>&1 || die "node (>= 20) is not installed"
command -v npm >/dev/null 2>&1 || die "npm is not installed"
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' ||
	die "node $(node --version) is too old: playwright-core needs 20 or later"

# npm ci when node_modules is missing or was installed from another lock
# file; under a lock, so that two builds testing at once do not both
# install. A browser is never downloaded: playwright-core has none.
install_npm() {
	if cmp -s "$HERE/package-lock.json" "$HERE/node_modules/.attune-lock" &&
	   [ -f "$HERE/node_modules/playwright-core/package.json" ] &&
	   [ -f "$HERE/node_modules/axe-core/axe.min.js" ]; then
		return 0
	fi
	echo "# npm ci in $HERE"
	(cd "$HERE" &&
	 timeout 240 npm ci --no-audit --no-fund --loglevel=error </dev/null) ||
		return 1
	cp "$HERE/package-lock.json" "$HERE/node_modules/.attune-lock"
}
if command -v flock >/dev/null 2>&1; then
	(
		flock -w 300 9 || exit 1
		install_npm
	) 9>"${TMPDIR:-/tmp}/attune-browser-npm.lock" || die "npm ci failed"
else
	install_npm || die "npm ci failed"
fi

# ---- The clinic: the demo, plus one client for the flow ----
"$ATTUNE" demo --report --db "$DB" >"$T/demo.out" 2>&1 ||
	{ cat "$T/demo.out"; die "attune demo --report failed"; }
day() { date -u -d "$1 days ago" +%Y-%m-%d; }
at() {
	"$ATTUNE" --db "$DB" "$@" >"$T/at.out" 2>&1 ||
		{ cat "$T/at.out"; die "attune $*"; }
}
at client add C-BT1 --therapist casey --name "Robin T." --started "$(day 30)"
s=1
for items in 2,2,2,2,2,2,2,2,0,1 2,2,2,2,2,2,1,1,0,1 2,2,2,2,2,2,2,1,0,1; do
	at session add --client C-BT1 --session $s --date "$(day $((28 - 7 * s)))"
	at record --client C-BT1 --session $s --instrument phq9 --items "$items"
	at record --client C-BT1 --session $s --instrument checkin-alliance \
	   --items 3,3,3,3,3,3,3
	s=$((s + 1))
done

# ---- The server, on a free port: wait for its URL line ----
"$ATTUNE" --db "$DB" serve --listen 127.0.0.1:0 \
	>"$T/serve.out" 2>"$T/serve.log" &
SERVER_PID=$!
i=0
url=
while [ $i -lt 1200 ]; do            # up to 60 s (a busy ASan build)
	url=$(sed -n 's|.*\(http://127\.0\.0\.1:[0-9]*/\).*|\1|p' \
	      "$T/serve.out" 2>/dev/null | head -n 1)
	[ -n "$url" ] && break
	kill -0 "$SERVER_PID" 2>/dev/null ||
		{ cat "$T/serve.log"; SERVER_PID=; die "the server did not start"; }
	sleep 0.05
	i=$((i + 1))
done
[ -n "$url" ] || { cat "$T/serve.log"; die "the server printed no URL"; }
echo "# server at $url"

# ---- The tests ----
rm -rf "$ART"
mkdir -p "$ART"
# Chromium's throw-away profile goes under $T, removed at the end.
# test_browser.js stops itself after 480 s; timeout is the last resort.
TMPDIR="$T" ARTEFACTS="$ART" CHROMIUM="$CHROMIUM" \
	timeout -k 10 540 node "$HERE/test_browser.js" "$url" </dev/null
rc=$?
[ $rc -ne 124 ] || echo "FAIL: the browser tests were stopped after 540 s"

# The server stops cleanly on SIGTERM, with nothing from the sanitizers.
stop_server
if [ "$src" -ne 0 ]; then
	echo "FAIL: server exit status $src after SIGTERM"
	rc=1
fi
if grep -q "Sanitizer\|runtime error:" "$T/serve.log"; then
	echo "FAIL: sanitizer report from the server"
	cat "$T/serve.log"
	rc=1
fi
cp "$T/serve.log" "$ART/serve.log"
exit $rc
