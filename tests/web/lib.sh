# lib.sh - helpers for the black-box tests of the web server (POSIX sh).
# Each test file sources this, builds a small clinic with the `attune`
# command ($ATTUNE), starts `attune serve` on a free loopback port with
# a real SQLite file (or a PostgreSQL database when $ATTUNE_TEST_PG_URI
# is set: ../lib_db.sh), talks to it with curl, and stops it with
# SIGTERM (which must exit 0, with nothing from the sanitizers).
set -u
: "${ATTUNE:?set ATTUNE to the attune binary}"
T=$(mktemp -d "${ATTUNE_TEST_TMP:-/tmp}/web.XXXXXX")
. "$(dirname "$0")/../lib_db.sh"
DB=$(new_db web) || exit 1
SERVER_PID=
NFAIL=0
NCHECK=0

cleanup() {
	if [ -n "$SERVER_PID" ]; then
		kill -TERM "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
	fi
	db_cleanup
	rm -rf "$T"
}
trap cleanup EXIT

fail() {
	NFAIL=$((NFAIL + 1))
	echo "FAIL: $*"
}

check() { NCHECK=$((NCHECK + 1)); }

# The loopback server only: never a proxy, never another address.
cu() {
	curl --noproxy '*' --silent --show-error --max-time 20 "$@"
}

# attune ARGS: the command line, failing the test when it fails.
at() {
	"$ATTUNE" --db "$DB" "$@" >"$T/at.out" 2>"$T/at.err" ||
		{ fail "attune $*: $(cat "$T/at.err")"; return 1; }
}

# A clinic: admin1 (admin), sup1 (supervisor of ther2), ther1 and ther2
# (therapists); C-01 of ther1, C-02 and C-03 of ther2, C-03 granted to
# ther1; a few PHQ-9 and alliance answers. Passwords: NAME-password-1.
make_clinic() {
	"$ATTUNE" init --db "$DB" --clinic "Test clinic" >/dev/null || exit 1
	for u in admin1:admin sup1:supervisor ther1:therapist ther2:therapist
	do
		name=${u%%:*}
		printf '%s-password-1\n' "$name" >"$T/pw.$name"
		at user add --role "${u#*:}" --name "$name" \
		   --display-name "User $name" --password-file "$T/pw.$name"
	done
	at user supervise --supervisor sup1 --therapist ther2
	at client add C-01 --therapist ther1 --name "Ann"
	at client add C-02 --therapist ther2
	at client add C-03 --therapist ther2
	at user grant --name ther1 --client C-03
	for s in 1 2 3; do
		at session add --client C-01 --session $s --date 2026-0$s-01
	done
	at record --client C-01 --session 1 --instrument phq9 \
	   --items 2,2,2,2,2,2,1,1,0,1
	at record --client C-01 --session 2 --instrument phq9 \
	   --items 1,2,1,2,1,1,1,1,0,1
	at record --client C-01 --session 1 --instrument checkin-alliance \
	   --items 3,3,3,3,3,3,3
	at record --client C-01 --session 2 --instrument checkin-alliance \
	   --items 1,1,2,1,1,2,1
}

# SQL on the database (for what no route may do: expiring a link):
# sqlite3 or psql, one statement.
sql() {
	db_sql "$DB" "$1"
}

# start_server [ARGS]: serve $DB on 127.0.0.1 at a free port; sets $B.
start_server() {
	rm -f "$T/serve.out"
	"$ATTUNE" --db "$DB" serve --listen 127.0.0.1:0 "$@" \
		>"$T/serve.out" 2>"$T/serve.log" &
	SERVER_PID=$!
	i=0
	while [ $i -lt 200 ]; do
		port=$(sed -n 's|.*serving at https\{0,1\}://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' \
		       "$T/serve.out" 2>/dev/null)
		[ -n "$port" ] && break
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			echo "server did not start:"; cat "$T/serve.log"
			exit 1
		fi
		sleep 0.05
		i=$((i + 1))
	done
	[ -n "$port" ] || { echo "server did not start"; exit 1; }
	B="http://127.0.0.1:$port"
}

# stop_server: SIGTERM; it must stop cleanly (exit 0, store closed, no
# sanitizer report).
stop_server() {
	kill -TERM "$SERVER_PID"
	wait "$SERVER_PID"
	src=$?
	SERVER_PID=
	check
	[ "$src" -eq 0 ] || fail "server exit status $src after SIGTERM"
	check
	grep -q "stopped;" "$T/serve.log" || fail "no clean stop in the log"
	check
	if grep -q "Sanitizer\|runtime error:\|LeakSanitizer" "$T/serve.log"
	then
		fail "sanitizer report from the server"
		cat "$T/serve.log"
	fi
}

# status METHOD PATH [CURL ARGS]: prints the HTTP status; the body is in
# $T/body, the headers in $T/headers.
status() {
	m=$1
	p=$2
	shift 2
	if [ "$m" = HEAD ]; then
		set -- --head "$@"     # -X HEAD would wait for a body
	else
		set -- -X "$m" "$@"
	fi
	cu -o "$T/body" -D "$T/headers" -w '%{http_code}' "$@" "$B$p"
}

# expect WANT METHOD PATH [CURL ARGS]: the status must be WANT.
expect() {
	want=$1
	shift
	got=$(status "$@")
	check
	[ "$got" = "$want" ] || fail "$* -> $got, want $want ($(head -c 300 "$T/body" | tr '\n' ' '))"
}

body_has() {
	check
	grep -qF -- "$1" "$T/body" || fail "body should contain '$1'"
}

body_lacks() {
	check
	if grep -qF -- "$1" "$T/body"; then fail "body must not contain '$1'"; fi
}

header_has() {
	check
	grep -qiF -- "$1" "$T/headers" || fail "headers should contain '$1'"
}

# The CSRF value in the last body (first hidden csrf field).
csrf_in_body() {
	sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$T/body" |
		head -n 1
}

# login USER [PASSWORD]: sign in with a cookie jar $T/jar.USER; prints
# the status of the POST.
login() {
	u=$1
	pw=${2:-$1-password-1}
	jar="$T/jar.$u"
	rm -f "$jar"
	cu -c "$jar" -b "$jar" -o "$T/body" "$B/login"
	tok=$(csrf_in_body)
	cu -c "$jar" -b "$jar" -o "$T/body" -D "$T/headers" \
	   -w '%{http_code}' --data-urlencode "username=$u" \
	   --data-urlencode "password=$pw" --data-urlencode "csrf=$tok" \
	   "$B/login"
}

# session_csrf USER: the CSRF token of USER's session.
session_csrf() {
	cu -b "$T/jar.$1" -o "$T/body" "$B/login" >/dev/null
	cu -b "$T/jar.$1" -o "$T/body" -L "$B/"
	csrf_in_body
}

# The id of a client by code.
client_id() {
	sql "SELECT id FROM clients WHERE code = '$1'"
}

finish() {
	echo "$NCHECK checks, $NFAIL failed"
	echo "$((NCHECK - NFAIL)) passed, $NFAIL failed"
	[ "$NFAIL" -eq 0 ]
}
