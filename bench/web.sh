#!/bin/sh
# bench/web.sh - the web app under wrk on loopback (issue 4, Performance):
#   (a) a static page: GET /static/attune.css (compiled in)
#   (b) a therapist's client page: GET /clients/ID, a client with 40
#       sessions and every chart (PHQ-9 with the expected course, the
#       alliance by goals/tasks/bond, client vs therapist, ruptures)
#   (c) check-in submissions: POST /c/TOKEN, the client's form, each on
#       a fresh single-use link; each commits one transaction (link
#       spent, session, three questionnaires, audit) before the answer
#   caseload: GET /caseload of a therapist with 60 clients, one request
#       at a time (curl on one connection): latency, and the server's
#       own per-request time from its log (whole milliseconds)
# (a), (b) and (c) run with the same connections, threads and duration;
# (b) and (c) are also given as a ratio to (a) of the same run.
#
# SQLite runs in WAL mode with synchronous=NORMAL, and attune syncs the
# WAL itself after every commit that changed something, before the
# commit returns (lib/store/sqlite.c, "group commit"): an answered
# submission survives a power loss, and commits that arrive while the
# disk is busy share one fsync. That is mode "group" (attune as shipped);
# the server's log line "durable commits: N, sharing M disk syncs" is
# printed after each mode. Mode "full" is for comparison: a small
# LD_PRELOAD shim (built here) turns attune's "PRAGMA synchronous =
# NORMAL" into FULL, so SQLite also fsyncs inside every commit, while
# the write lock is held. Both run by default, each on a fresh copy of
# the same database.
#
# Usage: bench/web.sh
# Environment (defaults): DURATION=10 (seconds per wrk run), CONNS=16,
#   THREADS=2 (wrk), LINKS=60000 (check-in links made for (c) per mode),
#   SYNC="group full", NCI=300 (clients the links are spread over),
#   BASE_SQL (SQL run on the database before serving, experiments only),
#   CASELOAD_N=200 (caseload requests), ENCODING="gzip, deflate, br"
#   (the Accept-Encoding of (a) and (b), as Chromium sends it; empty:
#   none, the plain bytes), KEEP=1 keeps the temporary
#   directory, ATTUNE=PATH measures that binary instead of building,
#   CALLGRIND=N (0: off) also runs the server under valgrind's
#   callgrind for N requests of each kind, one at a time, and prints
#   instructions per request and where they go (repeatable on a noisy
#   machine, unlike the wrk figures); SYNC="" with CALLGRIND=N runs
#   the profile only.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
DURATION=${DURATION:-10}
CONNS=${CONNS:-16}
THREADS=${THREADS:-2}
LINKS=${LINKS:-60000}
SYNC=${SYNC-group full}
NCI=${NCI:-300}
CASELOAD_N=${CASELOAD_N:-200}
KEEP=${KEEP:-0}
CALLGRIND=${CALLGRIND:-0}
ENCODING=${ENCODING-gzip, deflate, br}

if ! command -v wrk >/dev/null 2>&1; then
	echo "bench/web.sh needs wrk: apt-get install wrk (Debian package)" >&2
	exit 2
fi
for t in curl sqlite3 cc; do
	command -v $t >/dev/null 2>&1 ||
		{ echo "bench/web.sh needs $t" >&2; exit 2; }
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/attune-bench-web.XXXXXX")
SERVER_PID=
cleanup() {
	if [ -n "$SERVER_PID" ]; then
		kill -TERM "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	if [ "$KEEP" = 1 ]; then echo "kept $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- Build (Release); someone may be mid-edit: retry a few times ----
# ATTUNE=/path/to/attune skips the build and measures that binary (to
# compare a change: build it elsewhere, run both the same way).
build() {
	cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release &&
	cmake --build build-bench --target attune
}
tries=0
while [ -z "${ATTUNE:-}" ] && ! build >"$dir/build.log" 2>&1; do
	tries=$((tries + 1))
	if [ $tries -ge 5 ]; then
		tail -n 30 "$dir/build.log" >&2
		echo "the build failed $tries times" >&2
		exit 1
	fi
	echo "build failed (someone mid-edit?); retrying in 3 minutes" >&2
	tail -n 5 "$dir/build.log" >&2
	sleep 180
done
ATTUNE=${ATTUNE:-$root/build-bench/attune}

# The shim for synchronous=FULL (see the top of this file).
cat >"$dir/fullsync.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
typedef struct sqlite3 sqlite3;
typedef int (*cb_t)(void *, int, char **, char **);
int sqlite3_exec(sqlite3 *db, const char *sql, cb_t cb, void *arg,
                 char **err);
int sqlite3_exec(sqlite3 *db, const char *sql, cb_t cb, void *arg,
                 char **err)
{
	static int (*real)(sqlite3 *, const char *, cb_t, void *, char **);

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "sqlite3_exec");
	if (sql && strcmp(sql, "PRAGMA synchronous = NORMAL") == 0) {
		sql = "PRAGMA synchronous = FULL";
		fprintf(stderr, "bench shim: PRAGMA synchronous = FULL\n");
	}
	return real(db, sql, cb, arg, err);
}
EOF
cc -O2 -shared -fPIC -o "$dir/fullsync.so" "$dir/fullsync.c" -ldl

# How long a disk sync takes where the database lives: an 8 KB write and
# fdatasync, 1 000 times in a row (a durable commit costs at least one).
cat >"$dir/syncprobe.c" <<'EOF'
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	static char b[8192];
	struct timespec a, z;
	int fd, i, n = 1000;

	if (argc < 2 || (fd = open(argv[1], O_CREAT | O_WRONLY | O_TRUNC,
	                           0600)) < 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++)
		if (pwrite(fd, b, sizeof(b), (off_t)i * 8192) < 0 ||
		    fdatasync(fd) != 0)
			return 1;
	clock_gettime(CLOCK_MONOTONIC, &z);
	printf("%.0f", ((z.tv_sec - a.tv_sec) * 1e9 +
	                (z.tv_nsec - a.tv_nsec)) / n / 1000.0);
	close(fd);
	unlink(argv[1]);
	return 0;
}
EOF
cc -O2 -o "$dir/syncprobe" "$dir/syncprobe.c"
echo "disk: an 8 KB write + fdatasync takes $("$dir/syncprobe" \
     "$dir/probe") us where the database is ($dir)"

cu() { curl --noproxy '*' --silent --show-error --max-time 60 "$@"; }

# ---- The clinic (once; each mode serves a fresh copy) ----
base=$dir/base.db
echo "making the clinic: ther1 with 60 clients (C-001 with 40 sessions)," \
     "ther2 with $NCI clients for the check-in links"
t0=$(date +%s)
"$ATTUNE" init --db "$base" --clinic "Bench clinic" >/dev/null
for u in ther1 ther2; do
	printf '%s-bench-pass\n' "$u" >"$dir/pw.$u"
	"$ATTUNE" --db "$base" user add --role therapist --name $u \
		--display-name "Therapist $u" --password-file "$dir/pw.$u" \
		>/dev/null
done
mkdir "$dir/gen"
cat >"$dir/gen.awk" <<'EOF'
# The clinic as shell scripts of `attune` commands, one file per client
# (run in parallel, each in order). Variables: out (directory), at (the
# attune command with --db), today (days since 1970-01-01, UTC), nci
# (check-in clients of ther2). Fixed seed: the same clinic every run.
#
# ther1's caseload: 60 clients, C-001 .. C-060.
#   C-001: 40 weekly sessions, each with PHQ-9, the alliance check-in,
#          the therapist's alliance mirror, the patterns and the
#          capacities check-ins (every chart of the client page drawn),
#          three alliance dips.
#   C-002 .. C-060: 6-24 weekly sessions of PHQ-9 + alliance check-in;
#          courses that improve, stay flat, worsen or gain suddenly;
#          alliance dips repaired or not; every 10th without recent
#          data; every 15th with PHQ-9 item 9 above 0 at the last
#          session.
# ther2: nci clients CI-0001 ..., no sessions: the check-in links of
# benchmark (c) are theirs.
BEGIN {
	srand(42)
	for (i = 1; i <= 60; i++)
		client(i)
	for (i = 1; i <= nci; i++) {
		f = sprintf("%s/ci-%04d.sh", out, i)
		printf "%s client add CI-%04d --therapist ther2\n", at, i > f
		close(f)
	}
}

# civil_from_days (H. Hinnant): days since 1970-01-01 -> YYYY-MM-DD.
function ymd(z,   era, doe, yoe, y, doy, mp, d, m) {
	z += 719468
	era = int((z >= 0 ? z : z - 146096) / 146097)
	doe = z - era * 146097
	yoe = int((doe - int(doe / 1460) + int(doe / 36524) - \
	           int(doe / 146096)) / 365)
	y = yoe + era * 400
	doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
	mp = int((5 * doy + 2) / 153)
	d = doy - int((153 * mp + 2) / 5) + 1
	m = mp < 10 ? mp + 3 : mp - 9
	return sprintf("%04d-%02d-%02d", y + (m <= 2), m, d)
}

function clamp(v, lo, hi) {
	return v < lo ? lo : v > hi ? hi : v
}

function noise(sd) {           # roughly normal: sum of 3 uniforms
	return (rand() + rand() + rand() - 1.5) * 2 * sd
}

# n items of a 0..max scale with mean near m (a mean-scored check-in).
function items(n, m, max,   s, j, v) {
	s = ""
	for (j = 1; j <= n; j++) {
		v = int(clamp(m + noise(0.5), 0, max) + 0.5)
		s = s (j > 1 ? "," : "") v
	}
	return s
}

# PHQ-9 answers with total t (0..27): items 1-8 share it, item 9 (self
# harm) only what does not fit or what risk asks for; item 10 (not
# scored) follows the total.
function phq9(t, risk,   s, j, base, rem, v, i9) {
	t = int(clamp(t, 0, 27) + 0.5)
	i9 = t > 24 ? t - 24 : 0
	if (risk && i9 < 1)
		i9 = 1
	t -= i9
	if (t < 0)
		t = 0
	base = int(t / 8)
	rem = t - 8 * base
	s = ""
	for (j = 1; j <= 8; j++) {
		v = base + (j <= rem)
		s = s (j > 1 ? "," : "") v
	}
	return s "," i9 "," int(clamp(t / 8, 0, 3))
}

function client(i,   f, code, n, lag, t0, kind, k, t, a, date, all, start) {
	f = sprintf("%s/c-%03d.sh", out, i)
	code = sprintf("C-%03d", i)
	all = (i == 1)
	n = all ? 40 : 6 + (i * 7) % 19
	lag = (i % 10 == 3) ? 40 : 1 + i % 6        # days since the last
	t0 = 12 + (i * 5) % 13                       # intake PHQ-9
	kind = i % 10
	start = today - lag - 7 * (n - 1)
	printf "set -e\n%s client add %s --therapist ther1 --started %s\n",
	       at, code, ymd(start) > f
	for (k = 1; k <= n; k++) {
		date = ymd(start + 7 * (k - 1))
		if (kind <= 4 || all)          # improves
			t = t0 * (1 - 0.6 * (1 - exp(-(k - 1) / 5)))
		else if (kind <= 6)            # flat
			t = t0
		else if (kind == 7)            # worsens
			t = t0 + 0.3 * (k - 1)
		else                           # a sudden gain mid-course
			t = k <= n / 2 ? t0 : t0 * 0.5
		t += noise(1.5)
		a = 2.5 + (i % 5) * 0.25 + 0.02 * k
		if (i % 4 == 0 && k > n / 2 && k <= n / 2 + 2)
			a -= 1.3                   # a rupture, repaired
		if (i % 8 == 0 && k > n - 2)
			a -= 1.5                   # a rupture at the end
		if (all && (k == 12 || k == 13 || k == 27))
			a -= 1.4
		printf "%s session add --client %s --session %d --date %s\n",
		       at, code, k, date > f
		printf "%s record --client %s --session %d --instrument phq9 " \
		       "--items %s\n", at, code, k,
		       phq9(t, i % 15 == 0 && k == n) > f
		printf "%s record --client %s --session %d --instrument " \
		       "checkin-alliance --items %s\n", at, code, k,
		       items(7, a, 4) > f
		if (!all)
			continue
		printf "%s record --client %s --session %d --instrument " \
		       "mirror-alliance --items %s\n", at, code, k,
		       items(7, a + 0.3, 4) > f
		printf "%s record --client %s --session %d --instrument " \
		       "checkin-patterns --items %s\n", at, code, k,
		       items(6, 3 - 0.05 * k, 4) > f
		printf "%s record --client %s --session %d --instrument " \
		       "checkin-capacities --items %s\n", at, code, k,
		       items(5, 1 + 0.06 * k, 4) > f
	}
	close(f)
}
EOF
awk -v out="$dir/gen" -v at="\"$ATTUNE\" --db \"$base\"" \
    -v today=$(( $(date +%s) / 86400 )) -v nci="$NCI" -f "$dir/gen.awk"
# Two at a time (2 cores); SQLite's busy timeout orders the writers.
ls "$dir"/gen/*.sh | xargs -P 2 -n 1 sh >/dev/null 2>"$dir/gen.log" ||
	{ grep -v '^attune: FLAG' "$dir/gen.log" >&2; exit 1; }
tok1=$("$ATTUNE" --db "$base" token create --user ther1 --label bench |
       tail -n 1)
tok2=$("$ATTUNE" --db "$base" token create --user ther2 --label bench |
       tail -n 1)
"$ATTUNE" --db "$base" report --client C-001 >/dev/null
# BASE_SQL: SQL run on the clinic's database before it is served, for
# experiments (drop an index or a trigger and compare). Never set for
# the recorded figures unless the record says so.
if [ -n "${BASE_SQL:-}" ]; then
	echo "BASE_SQL: $BASE_SQL"
	sqlite3 "$base" "$BASE_SQL"
fi
echo "clinic made in $(( $(date +%s) - t0 )) s:" \
     "$(sqlite3 "$base" 'SELECT count(*) FROM sessions') sessions," \
     "$(sqlite3 "$base" 'SELECT count(*) FROM responses') questionnaires"

# ---- Serving ----

# start_server DB [PRELOAD [WRAPPER...]]: attune serve on a free
# loopback port; sets $B. WRAPPER: a command to run it under (valgrind).
start_server() {
	db_=$1
	pre_=${2:-}
	shift
	[ $# -gt 0 ] && shift
	rm -f "$dir/serve.out"
	if [ -n "$pre_" ]; then
		LD_PRELOAD=$pre_ "$@" "$ATTUNE" --db "$db_" serve \
			--listen 127.0.0.1:0 >"$dir/serve.out" \
			2>"$dir/serve.log" &
	else
		"$@" "$ATTUNE" --db "$db_" serve --listen 127.0.0.1:0 \
			>"$dir/serve.out" 2>"$dir/serve.log" &
	fi
	SERVER_PID=$!
	port=
	i=0
	while [ $i -lt 1200 ]; do
		port=$(sed -n 's|.*127\.0\.0\.1:\([0-9]*\)/.*|\1|p' \
		       "$dir/serve.out" 2>/dev/null)
		[ -n "$port" ] && break
		kill -0 "$SERVER_PID" 2>/dev/null ||
			{ cat "$dir/serve.log" >&2; exit 1; }
		sleep 0.05
		i=$((i + 1))
	done
	[ -n "$port" ] || { echo "the server did not start" >&2; exit 1; }
	B="http://127.0.0.1:$port"
}

stop_server() {
	kill -TERM "$SERVER_PID"
	wait "$SERVER_PID" || { echo "server exit status $?" >&2; exit 1; }
	SERVER_PID=
}

# login USER: sign in (the sign-in form sets a pre-cookie whose value is
# the form's CSRF token); sets $COOKIE to the session cookie.
login() {
	jar=$dir/jar.$1
	rm -f "$jar"
	cu -c "$jar" -b "$jar" -o "$dir/body" "$B/login"
	csrf=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' \
	       "$dir/body" | head -n 1)
	code=$(cu -c "$jar" -b "$jar" -o /dev/null -w '%{http_code}' \
	       --data-urlencode "username=$1" \
	       --data-urlencode "password=$1-bench-pass" \
	       --data-urlencode "csrf=$csrf" "$B/login")
	sid=$(awk '$6 == "attune_session" { print $7 }' "$jar")
	[ -n "$sid" ] || { echo "sign-in failed ($code)" >&2; exit 1; }
	COOKIE="attune_session=$sid"
}

# api_id TOKEN CODE: the id of a client, from GET /api/v1/clients.
api_ids() {
	cu -H "Authorization: Bearer $1" "$B/api/v1/clients" |
		tr '{' '\n' |
		sed -n 's/.*"id": *\([0-9]*\), *"code": *"\([^"]*\)".*/\2 \1/p'
}

# field LINE NAME: the value of NAME=... in a RESULT line.
field() {
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# run_wrk LABEL SCRIPT URL [ARGS]: one wrk run; prints a summary line and
# sets $R to its RESULT line.
run_wrk() {
	label=$1
	script=$2
	url=$3
	shift 3
	WRK_THREADS=$THREADS wrk -t "$THREADS" -c "$CONNS" \
		-d "${DURATION}s" --timeout 10s -s "$script" "$@" "$url" \
		>"$dir/wrk.$label" 2>&1 ||
		{ cat "$dir/wrk.$label" >&2; exit 1; }
	R=$(grep '^RESULT' "$dir/wrk.$label")
	awk -v l="$label" -v r="$R" 'BEGIN {
		n = split(r, kv, " ")
		for (i = 2; i <= n; i++) { split(kv[i], p, "="); v[p[1]] = p[2] }
		errs = v["err_connect"] + v["err_read"] + v["err_write"] + \
		       v["err_status"] + v["err_timeout"]
		printf "%-8s %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  " \
		       "max %7.2f ms  %6.0f KB/req  errors %d\n", l,
		       v["requests"] / (v["duration_us"] / 1e6),
		       v["p50_us"] / 1000, v["p99_us"] / 1000,
		       v["max_us"] / 1000,
		       v["requests"] ? v["bytes"] / v["requests"] / 1000 : 0,
		       errs }'
}

rps() { # RESULT line -> requests/s
	awk -v r="$1" 'BEGIN {
		n = split(r, kv, " ")
		for (i = 2; i <= n; i++) { split(kv[i], p, "="); v[p[1]] = p[2] }
		printf "%.1f", v["requests"] / (v["duration_us"] / 1e6) }'
}

errors() {
	awk -v r="$1" 'BEGIN {
		n = split(r, kv, " ")
		for (i = 2; i <= n; i++) { split(kv[i], p, "="); v[p[1]] = p[2] }
		print v["err_connect"] + v["err_read"] + v["err_write"] + \
		      v["err_status"] + v["err_timeout"] }'
}

# stats: numbers on stdin -> n, median, p90, p99, max
stats() {
	sort -n | awk '{ v[NR] = $1 }
	END {
		if (!NR) { print "no data"; exit }
		printf "n %d  median %.2f  p90 %.2f  p99 %.2f  max %.2f", NR,
		       v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.999)],
		       v[int(NR * 0.99 + 0.999)], v[NR] }'
}

# make_links N: N check-in links on ther2's clients through the API
# (POST /api/v1/clients/ID/links: the alliance check-in, PHQ-9, GAD-7;
# link j is for client j mod NCI, session j / NCI + 1), then each link's
# form (GET /c/TOKEN) for its CSRF value; writes "TOKEN CSRF" lines to
# $dir/links. Two curl processes, each on one keep-alive connection.
make_links() {
	api_ids "$tok2" | sed -n 's/^CI-[0-9]* //p' >"$dir/ci.ids"
	nci=$(wc -l <"$dir/ci.ids")
	[ "$nci" -gt 0 ] || { echo "no check-in clients" >&2; exit 1; }
	per=$(( ($1 + nci - 1) / nci ))
	for part in 0 1; do
		awk -v B="$B" -v tok="$tok2" -v per="$per" -v part=$part '
		{ id[NR] = $1 }
		END {
			for (s = 1; s <= per; s++) {
				printf "header = \"Authorization: Bearer %s\"\n", tok
				printf "data = \"session=%d&use.checkin-alliance=1" \
				       "&use.phq9=1&use.gad7=1\"\n", s
				for (i = 1 + part; i <= NR; i += 2)
					printf "url = \"%s/api/v1/clients/%d/links\"\n",
					       B, id[i]
				if (s < per) print "next"
			}
		}' "$dir/ci.ids" >"$dir/mk.$part"
		cu -K "$dir/mk.$part" |
			sed -n 's|.*"url": *"[^"]*/c/\([A-Za-z0-9_-]*\)".*|\1|p' \
			>"$dir/tok.$part" &
		eval "pid$part=\$!"
	done
	wait "$pid0" "$pid1"   # not a bare wait: the server is a child too
	cat "$dir/tok.0" "$dir/tok.1" >"$dir/tokens"
	for part in 0 1; do
		awk -v B="$B" -v part=$part 'NR % 2 == part {
			printf "url = \"%s/c/%s\"\n", B, $1 }' \
			"$dir/tokens" >"$dir/get.$part"
		awk 'NR % 2 == part' part=$part "$dir/tokens" \
			>"$dir/tokens.$part"
		cu -K "$dir/get.$part" |
			sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' \
			>"$dir/csrf.$part" &
		eval "pid$part=\$!"
	done
	wait "$pid0" "$pid1"
	: >"$dir/links"
	for part in 0 1; do
		[ "$(wc -l <"$dir/tokens.$part")" -eq \
		  "$(wc -l <"$dir/csrf.$part")" ] ||
			{ echo "links: a form had no CSRF value" >&2; exit 1; }
		paste -d ' ' "$dir/tokens.$part" "$dir/csrf.$part" \
			>>"$dir/links"
	done
}

echo "wrk: $THREADS threads, $CONNS connections, ${DURATION} s per run;" \
     "the server: $(nproc) cores shared with wrk"
# The machine is shared: say how busy it was around each run.
load() { cut -d ' ' -f 1-3 /proc/loadavg; }

for mode in $SYNC; do
	case $mode in
	group|normal) mode=group; preload= ;;
	full) preload=$dir/fullsync.so ;;
	*) echo "SYNC: group or full, not '$mode'" >&2; exit 2 ;;
	esac
	db=$dir/run.db
	rm -f "$db" "$db-wal" "$db-shm"
	cp "$base" "$db"
	start_server "$db" "$preload"
	echo
	echo "== $mode: $( [ $mode = group ] &&
	       echo "synchronous=NORMAL + attune's WAL sync per commit" ||
	       echo "synchronous=FULL (shim)") ($B)," \
	     "load average $(load) =="
	if [ "$mode" = full ]; then
		n=$(grep -c "bench shim: PRAGMA synchronous = FULL" \
		    "$dir/serve.log" || true)
		[ "$n" -ge 1 ] ||
			{ echo "the shim did not take effect" >&2; exit 1; }
	fi
	login ther1
	ids=$(api_ids "$tok1")
	c1=$(printf '%s\n' "$ids" | sed -n 's/^C-001 //p')
	n1=$(printf '%s\n' "$ids" | grep -c '^C-0')
	[ "$n1" -eq 60 ] || { echo "caseload has $n1 clients" >&2; exit 1; }

	# The client page must be the real one (200, the charts).
	code=$(cu -H "Cookie: $COOKIE" -o "$dir/client.html" \
	       -w '%{http_code}' "$B/clients/$c1")
	svgs=$(grep -o '<svg' "$dir/client.html" | wc -l)
	[ "$code" = 200 ] && [ "$svgs" -ge 3 ] ||
		{ echo "client page: $code, $svgs charts" >&2; exit 1; }
	echo "client page of C-001: $(wc -c <"$dir/client.html") bytes," \
	     "$svgs SVG charts"

	echo "making $LINKS check-in links for (c)"
	t0=$(date +%s)
	make_links "$LINKS"
	echo "$(wc -l <"$dir/links") links made and their forms fetched in" \
	     "$(( $(date +%s) - t0 )) s"
	sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
	used0=$(sqlite3 "$db" \
	        'SELECT count(*) FROM checkin_links WHERE used_at IS NOT NULL')

	# What a browser sends (Chromium: gzip, deflate, br): the server
	# answers (a) and (b) gzip-compressed. ENCODING= measures the plain
	# bytes instead.
	if [ -n "$ENCODING" ]; then
		enc=$(cu -H "Cookie: $COOKIE" -H "Accept-Encoding: $ENCODING" \
		      -o /dev/null -D - "$B/clients/$c1" |
		      sed -n 's/^[Cc]ontent-[Ee]ncoding: *\([a-z]*\).*/\1/p')
		echo "Accept-Encoding: $ENCODING; the client page came" \
		     "${enc:-uncompressed}" \
		     "($(cu -H "Cookie: $COOKIE" -H "Accept-Encoding: $ENCODING" \
		         -o /dev/null -w '%{size_download}' "$B/clients/$c1")" \
		     "bytes)"
		set -- -H "Accept-Encoding: $ENCODING"
	else
		set --
	fi
	run_wrk "(a)" "$root/bench/web_get.lua" "$B/static/attune.css" "$@"
	ra=$R
	run_wrk "(b)" "$root/bench/web_get.lua" "$B/clients/$c1" \
		-H "Cookie: $COOKIE" "$@"
	rb=$R
	LINKS_FILE=$dir/links
	export LINKS_FILE
	run_wrk "(c)" "$root/bench/web_checkin.lua" \
		"$B/"
	rc=$R
	echo "load average after (c): $(load)"
	used=$(sqlite3 "$db" \
	       'SELECT count(*) FROM checkin_links WHERE used_at IS NOT NULL')
	stored=$((used - used0))
	creq=$(field "$rc" requests)
	[ "$(field "$rc" ran_out)" = 0 ] ||
		echo "(c) ran out of links: the figure is a lower bound" \
		     "(LINKS=$LINKS; run with more)"
	if [ "$(errors "$ra")" != 0 ] || [ "$(errors "$rb")" != 0 ] ||
	   [ "$(errors "$rc")" != 0 ]; then
		echo "WARNING: some requests failed (see the errors column);" \
		     "the server's log says:"
		grep -E ' [45][0-9][0-9] [0-9]+ [0-9.]+ms|error' \
			"$dir/serve.log" | grep -v ' POST /login ' |
			tail -n 5 | sed 's/^/  /'
	fi
	# Every answered submission is in the database, committed.
	echo "(c) check: $creq answered, $stored links spent in the database"
	awk -v a="$(rps "$ra")" -v b="$(rps "$rb")" -v c="$(rps "$rc")" \
	    -v m="$mode" 'BEGIN {
		printf "ratios: (b)/(a) = %.1f %% (goal >= 30 %%), " \
		       "(c)/(a) = %.1f %%\n", 100 * b / a, 100 * c / a
		printf "goals:  (b) %s; (c) %.0f durable submissions/s %s " \
		       "(goal >= 3000, mode %s)\n",
		       (b >= 0.3 * a) ? "met" : "NOT met", c,
		       (c >= 3000) ? "met" : "NOT met", m }'

	# Caseload: one request at a time on one keep-alive connection.
	login ther1
	i=0
	: >"$dir/cl.cfg"
	while [ $i -lt "$CASELOAD_N" ]; do
		printf 'url = "%s/caseload"\noutput = "/dev/null"\n' "$B" \
			>>"$dir/cl.cfg"
		i=$((i + 1))
	done
	cu -o "$dir/caseload.html" -w '%{http_code}' -H "Cookie: $COOKIE" \
	   "$B/caseload" >"$dir/code"
	rows=$(grep -o '<tr' "$dir/caseload.html" | wc -l)
	[ "$(cat "$dir/code")" = 200 ] && [ "$rows" -ge 60 ] ||
		{ echo "caseload: $(cat "$dir/code"), $rows rows" >&2; exit 1; }
	nlog0=$(wc -l <"$dir/serve.log")
	cu -K "$dir/cl.cfg" -H "Cookie: $COOKIE" \
	   -w '%{time_starttransfer} %{time_total}\n' >"$dir/cl.times"
	echo "caseload (60 clients, $(wc -c <"$dir/caseload.html") bytes)," \
	     "$CASELOAD_N requests one at a time, ms:"
	echo "  first byte (curl): $(awk '{ print $1 * 1000 }' \
	     "$dir/cl.times" | stats)"
	echo "  whole page (curl): $(awk '{ print $2 * 1000 }' \
	     "$dir/cl.times" | stats)"
	echo "  server log: $(tail -n +$((nlog0 + 1)) \
	     "$dir/serve.log" | sed -n 's|.* GET /caseload 200 [0-9]* \([0-9.]*\)ms.*|\1|p' |
	     stats)"
	awk -v t="$(awk '{ print $1 * 1000 }' "$dir/cl.times" | sort -n |
	            awk '{ v[NR] = $1 } END { print v[int(NR * 0.99 + 0.999)] }')" \
	    'BEGIN { printf "goal:   caseload under 20 ms: %s (p99 first " \
	             "byte %.2f ms)\n", (t < 20) ? "met" : "NOT met", t }'
	stop_server
	echo "server: $(sed -n 's/.*\(durable commits: .*\)/\1/p' \
	     "$dir/serve.log")"
done

[ "$CALLGRIND" -gt 0 ] || exit 0

# ---- Instructions per request (callgrind) ----
for t in valgrind callgrind_control callgrind_annotate; do
	command -v $t >/dev/null 2>&1 ||
		{ echo "CALLGRIND needs $t (apt-get install valgrind)" >&2; exit 2; }
done
db=$dir/cg.db
rm -f "$db" "$db-wal" "$db-shm" "$dir"/cg.out*
cp "$base" "$db"
echo
echo "== callgrind: $CALLGRIND requests of each kind, one at a time," \
     "synchronous=NORMAL =="
start_server "$db" "" valgrind --tool=callgrind \
	--callgrind-out-file="$dir/cg.out"
login ther1
c1=$(api_ids "$tok1" | sed -n 's/^C-001 //p')
make_links $((CALLGRIND + 5))
# The check-in posts: their own config blocks (each has its own body).
A=$(awk 'BEGIN {
	split("3 3 2 3 3 2 3", al, " "); split("1 2 1 1 0 1 1 0 0 1", ph, " ")
	split("1 1 2 1 0 1 1 1", ga, " ")
	for (i = 1; i <= 7; i++) s = s "&a.checkin-alliance." i "=" al[i]
	for (i = 1; i <= 10; i++) s = s "&a.phq9." i "=" ph[i]
	for (i = 1; i <= 8; i++) s = s "&a.gad7." i "=" ga[i]
	print s }')
awk -v B="$B" -v A="$A" -v n="$CALLGRIND" 'NR > 5 && NR <= n + 5 {
	if (NR > 6) print "next"
	printf "url = \"%s/c/%s\"\ndata = \"csrf=%s%s\"\n", B, $1, $2, A
	print "output = \"/dev/null\"" }' "$dir/links" >"$dir/cg.checkin"
awk -v B="$B" -v A="$A" 'NR <= 5 {
	if (NR > 1) print "next"
	printf "url = \"%s/c/%s\"\ndata = \"csrf=%s%s\"\n", B, $1, $2, A
	print "output = \"/dev/null\"" }' "$dir/links" >"$dir/cg.checkin0"
# repeat URL N: a config of N GETs of URL.
repeat() {
	awk -v u="$1" -v n="$2" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "url = \"%s\"\noutput = \"/dev/null\"\n", u }'
}
ndump=0
# profile LABEL CONFIG WARMCONFIG PATTERN: zero the counters, run the
# requests, dump; print instructions per request and the heaviest of
# attune's functions (inclusive).
profile() {
	cu -K "$3" -H "Cookie: $COOKIE"
	callgrind_control -z "$SERVER_PID" >/dev/null 2>&1
	nlog0=$(wc -l <"$dir/serve.log")
	cu -K "$2" -H "Cookie: $COOKIE"
	callgrind_control -d "$SERVER_PID" >/dev/null 2>&1
	ndump=$((ndump + 1))
	f=$dir/cg.out.$ndump
	i=0
	while [ ! -s "$f" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	ok=$(tail -n +$((nlog0 + 1)) "$dir/serve.log" | grep -c "$4" || true)
	callgrind_annotate --inclusive=yes --threshold=100 "$f" \
		>"$dir/cg.$1.txt" 2>/dev/null
	tot=$(sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' \
	      "$dir/cg.$1.txt" | tr -d ,)
	echo "$1: $ok requests answered as expected," \
	     "$(awk -v t="$tot" -v n="$CALLGRIND" \
	        'BEGIN { printf "%.0f", t / n }') instructions per request;" \
	     "inclusive, per request:"
	grep -E '^ *[0-9,]+ \( *[0-9.]+%\)  [^ ]' "$dir/cg.$1.txt" |
		grep -E "attune[^/]*\]|sqlite3_step|printf_fp|vsnprintf " |
		grep -vE "on_request|store\.c:" | head -n 14 |
		awk -v n="$CALLGRIND" '{
			ir = $1; gsub(",", "", ir)
			fn = $0
			sub(/^ *[0-9,]+ \( *[0-9.]+%\)  /, "", fn)
			sub(/ \[.*$/, "", fn); sub(/^.*\//, "", fn)
			sub(/^\?\?\?:/, "", fn)
			printf "  %10.0f  %s\n", ir / n, fn
		}'
	cp "$dir/cg.$1.txt" "$dir/callgrind.$1.txt"
}
repeat "$B/static/attune.css" "$CALLGRIND" >"$dir/cg.static"
repeat "$B/static/attune.css" 3 >"$dir/cg.static0"
repeat "$B/clients/$c1" "$CALLGRIND" >"$dir/cg.client"
repeat "$B/clients/$c1" 3 >"$dir/cg.client0"
repeat "$B/caseload" "$CALLGRIND" >"$dir/cg.caseload"
repeat "$B/caseload" 3 >"$dir/cg.caseload0"
profile static "$dir/cg.static" "$dir/cg.static0" "GET /static/attune.css 200"
profile client "$dir/cg.client" "$dir/cg.client0" "GET /clients/$c1 200"
profile caseload "$dir/cg.caseload" "$dir/cg.caseload0" "GET /caseload 200"
profile checkin "$dir/cg.checkin" "$dir/cg.checkin0" "POST /c/\[token\] 200"
stop_server
if [ "$KEEP" = 1 ]; then
	echo "callgrind files: $dir/cg.out.* (callgrind_annotate --inclusive=yes)"
fi
