#!/bin/sh
# Install every Debian package attune needs to build, run and test.
# Idempotent and non-interactive; works as root, or as a user with sudo,
# on Debian 12. Installs nothing when everything is already there.
set -eu

PKGS="build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
      libsqlite3-dev sqlite3 libpq-dev postgresql libcjson-dev libcmocka-dev
      libmicrohttpd-dev libsodium-dev libqrencode-dev zlib1g-dev
      curl netcat-openbsd openssl
      chromium fonts-dejavu-core"
# postgresql: the server for the PostgreSQL store tests
# (scripts/pg-test-server.sh starts a throw-away cluster; Debian's own
# cluster, if any, is not used). libpq-dev: the client library.
# chromium: Debian's browser for tests/browser/ (driven by playwright-core
# from npm with the machine's own Node.js; no browser is downloaded).

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	     grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "install-deps: missing$missing; run as root or install sudo" >&2
		exit 1
	fi
fi
echo "install-deps: installing$missing"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	--no-install-recommends $missing
