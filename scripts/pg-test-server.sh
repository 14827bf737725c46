#!/bin/sh
# pg-test-server.sh - run a command against a throw-away PostgreSQL 15
# cluster: initdb (trust authentication, as the unprivileged `postgres`
# user when run as root), pg_ctl start on 127.0.0.1 at a free port with
# the unix socket in the temporary directory, then
#   ATTUNE_TEST_PG_URI=postgresql://postgres@127.0.0.1:PORT/postgres
# exported to the command. The cluster is stopped and removed in a trap,
# whatever the command does. Exit status: the command's; 77 never (a
# missing PostgreSQL is an error: scripts/install-deps.sh installs it).
#
# usage: scripts/pg-test-server.sh COMMAND [ARGS...]
set -eu

if [ $# -eq 0 ]; then
	echo "usage: $0 COMMAND [ARGS...]" >&2
	exit 2
fi

# The server binaries: $PG_BINDIR, else Debian's versioned directory,
# else whatever is on PATH.
bindir=${PG_BINDIR:-}
if [ -z "$bindir" ]; then
	for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
		if [ -x "$d/initdb" ]; then
			bindir=$d
			break
		fi
	done
fi
if [ -z "$bindir" ] && command -v initdb >/dev/null 2>&1; then
	bindir=$(dirname "$(command -v initdb)")
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ] || [ ! -x "$bindir/pg_ctl" ]
then
	echo "pg-test-server: PostgreSQL server binaries (initdb, pg_ctl) not" \
	     "found; install them with scripts/install-deps.sh (package" \
	     "postgresql) or set PG_BINDIR" >&2
	exit 1
fi

# A free TCP port on 127.0.0.1: the kernel picks one (attempt 1), or one
# from the process id (attempt 2, 3; or without python3). Another process
# may take it before the server binds it: then the next attempt.
free_port() {
	if [ "$1" -eq 1 ]; then
		p=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' 2>/dev/null || true)
		[ -n "$p" ] && { echo "$p"; return; }
	fi
	echo $((20000 + ($$ * 7 + $1 * 1009) % 40000))
}

base=${ATTUNE_TEST_TMP:-${TMPDIR:-/tmp}}
mkdir -p "$base"
dir=$(mktemp -d "$base/pg.XXXXXX")
# Unix socket paths are limited to about 107 bytes; keep ours short.
sock=$(mktemp -d /tmp/attune-pgsock.XXXXXX)

# as_pg CMD...: run CMD as the owner of the cluster (root may not run
# initdb or postgres).
if [ "$(id -u)" -eq 0 ]; then
	if ! id postgres >/dev/null 2>&1; then
		echo "pg-test-server: running as root needs the 'postgres'" \
		     "user (created by the postgresql package)" >&2
		exit 1
	fi
	chown postgres "$dir" "$sock"
	as_pg() {
		# su -c takes one string: quote every argument.
		cmd=""
		for a in "$@"; do
			cmd="$cmd '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"
		done
		su postgres -s /bin/sh -c "$cmd"
	}
	superuser=postgres
else
	as_pg() { "$@"; }
	superuser=$(id -un)
fi

started=0
cleanup() {
	status=$?
	if [ "$started" -eq 1 ]; then
		as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop \
			>/dev/null 2>&1 || true
	fi
	rm -rf "$dir" "$sock"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

if ! as_pg "$bindir/initdb" -D "$dir/data" -A trust -U "$superuser" \
	--no-sync -E UTF8 --locale=C >"$dir/initdb.log" 2>&1; then
	echo "pg-test-server: initdb failed:" >&2
	cat "$dir/initdb.log" >&2
	exit 1
fi
started=1
attempt=1
while :; do
	port=$(free_port $attempt)
	if as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
		-o "-p $port -k $sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
		start >/dev/null 2>&1; then
		break
	fi
	if [ $attempt -ge 3 ] || ! grep -q "could not bind\|already in use" \
		"$dir/log" 2>/dev/null; then
		echo "pg-test-server: the server did not start:" >&2
		cat "$dir/log" >&2 2>/dev/null || true
		exit 1
	fi
	attempt=$((attempt + 1))
done

ATTUNE_TEST_PG_URI="postgresql://$superuser@127.0.0.1:$port/postgres"
ATTUNE_TEST_PG_LOG="$dir/log"
export ATTUNE_TEST_PG_URI ATTUNE_TEST_PG_LOG
# The command's own variables win; these only fill the gaps that a
# URI leaves to libpq.
unset PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD PGSERVICE 2>/dev/null || true

set +e
"$@"
rc=$?
set -e
exit "$rc"
