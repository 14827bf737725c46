#!/bin/sh
# bench/store.sh - the storage layer at clinic scale (issue 6,
# Performance): a synthetic clinic of CLIENTS clients x SESSIONS weekly
# sessions, one PHQ-9 per session, SESSIONS x CLIENTS responses (default
# 1 000 000 x 20 = 20 million), therapists with PER clients each, made
# as an attune-archive/1 file by bench_store_gen; then, in one run, on
# SQLite and on a throw-away PostgreSQL 15 server (started as
# scripts/pg-test-server.sh starts the test servers: fsync off):
#   import   `attune import` of the archive into a new database: wall
#            and CPU seconds of the attune process, responses/s and
#            rows/s (all tables), the database's size on disk
#   overview the clinic overview, `attune overview --by therapist` and
#            `--by site` (aggregates computed inside the database):
#            wall and CPU seconds; with SIGNALS=1 also `attune signals
#            --model M --instrument phq9` over every open episode (the
#            per-client statuses, computed in attune), at most
#            OVERVIEW_TIMEOUT seconds (then the episodes done by then
#            are counted)
#   caseload GET /caseload of ther1 (PER clients) under wrk, with the
#            small clinic (SMALL clients: 20 000 responses) and the
#            big one: requests/s and p99
# PostgreSQL imports a FILE after a check pass of its own (so that a
# bad archive creates no schema); the import from standard input (one
# pass, like SQLite's) is timed too.
#
# Usage: bench/store.sh
# Environment (defaults): CLIENTS=1000000, SESSIONS=20, PER=60,
#   SMALL=1000, DURATION=10 (seconds per wrk run), CONNS=8, THREADS=2,
#   ENGINES="sqlite pg", OVERVIEW_TIMEOUT=120 (each overview command),
#   SIGNALS=0 (1: time `attune signals` too), PG_IMPORT="file stdin"
#   (the ways the big clinic is imported into PostgreSQL), PG_VACUUM=1
#   (VACUUM (ANALYZE) the big PostgreSQL database before the overview
#   and the caseload, instead of leaving it to autovacuum), KEEP=1 keeps the
#   temporary directory, ATTUNE_BENCH_DIR=DIR the build directory
#   (default build-bench; Release).
# Needs about 11 KB of disk per client (archive, SQLite, PostgreSQL).
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
CLIENTS=${CLIENTS:-1000000}
SESSIONS=${SESSIONS:-20}
PER=${PER:-60}
SMALL=${SMALL:-1000}
DURATION=${DURATION:-10}
CONNS=${CONNS:-8}
THREADS=${THREADS:-2}
ENGINES=${ENGINES:-sqlite pg}
OVERVIEW_TIMEOUT=${OVERVIEW_TIMEOUT:-120}
SIGNALS=${SIGNALS:-0}
PG_IMPORT=${PG_IMPORT:-file stdin}
PG_VACUUM=${PG_VACUUM:-0}
KEEP=${KEEP:-0}
BUILD=${ATTUNE_BENCH_DIR:-build-bench}

# ---- The PostgreSQL part runs again inside scripts/pg-test-server.sh
# (this script with PHASE=pg and the directory of the first part). ----
PHASE=${PHASE:-main}

for t in wrk curl; do
	command -v $t >/dev/null 2>&1 ||
		{ echo "bench/store.sh needs $t" >&2; exit 2; }
done
ATTUNE=$root/$BUILD/attune
GEN=$root/$BUILD/bench/bench_store_gen

cu() { curl --noproxy '*' --silent --show-error --max-time 60 "$@"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

SERVER_PID=
stop_server() {
	if [ -n "$SERVER_PID" ]; then
		kill -TERM "$SERVER_PID" 2>/dev/null || true
		i=0
		while kill -0 "$SERVER_PID" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
		SERVER_PID=
	fi
}

# start_server DB: attune serve on a free loopback port; sets $B.
start_server() {
	rm -f "$dir/serve.out"
	"$ATTUNE" --db "$1" serve --listen 127.0.0.1:0 >"$dir/serve.out" \
		2>"$dir/serve.log" &
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

# login: sign ther1 in (as bench/web.sh does); sets $COOKIE.
login() {
	jar=$dir/jar
	rm -f "$jar"
	cu -c "$jar" -b "$jar" -o "$dir/body" "$B/login"
	csrf=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' \
	       "$dir/body" | head -n 1)
	code=$(cu -c "$jar" -b "$jar" -o /dev/null -w '%{http_code}' \
	       --data-urlencode "username=ther1" \
	       --data-urlencode "password=ther1-bench-pass" \
	       --data-urlencode "csrf=$csrf" "$B/login")
	sid=$(awk '$6 == "attune_session" { print $7 }' "$jar")
	[ -n "$sid" ] || { echo "sign-in failed ($code)" >&2; exit 1; }
	COOKIE="attune_session=$sid"
}

# timed LABEL CMD...: run CMD, keep "wall user sys" in $dir/t.LABEL.
timed() {
	lbl=$1
	shift
	/usr/bin/time -f "%e %U %S" -o "$dir/t.$lbl" "$@" >"$dir/out.$lbl"
}

# import ENGINE SIZE DB [stdin]: import archive SIZE (small|big) into DB
# and print the figures.
import() {
	eng=$1 size=$2 db=$3 how=${4:-file}
	arch=$dir/$size.jsonl
	if [ "$how" = stdin ]; then
		timed "imp-$eng-$size-$how" sh -c \
			'"$1" import --db "$2" - <"$3"' sh "$ATTUNE" "$db" "$arch"
	else
		timed "imp-$eng-$size-$how" "$ATTUNE" import --db "$db" "$arch"
	fi
	rows=$(sed -n 's/^imported \([0-9]*\) rows.*/\1/p' \
	       "$dir/out.imp-$eng-$size-$how")
	resp=$(( $(cat "$dir/n.$size") * SESSIONS ))
	read -r w u s <"$dir/t.imp-$eng-$size-$how"
	awk -v e="$eng" -v sz="$size" -v how="$how" -v r="$rows" \
	    -v n="$resp" -v w="$w" -v u="$u" -v s="$s" -v l="$(load)" \
	    'BEGIN { printf "import %-6s %-5s (%s): %d responses, %d rows " \
	     "in %.1f s wall (attune CPU %.1f s): %.0f responses/s, " \
	     "%.0f rows/s; load average %s\n", e, sz, how, n, r, w, u + s,
	     n / w, r / w, l }' | tee -a "$dir/summary"
}

# caseload ENGINE SIZE DB: GET /caseload of ther1 under wrk.
caseload() {
	eng=$1 size=$2 db=$3
	printf 'ther1-bench-pass\n' >"$dir/pw"
	"$ATTUNE" --db "$db" user passwd --name ther1 \
		--password-file "$dir/pw" >/dev/null
	start_server "$db"
	login
	code=$(cu -o "$dir/caseload.html" -w '%{http_code}' \
	       -H "Cookie: $COOKIE" "$B/caseload")
	rows=$(grep -o '<tr' "$dir/caseload.html" | wc -l)
	[ "$code" = 200 ] && [ "$rows" -ge "$PER" ] ||
		{ echo "caseload: $code, $rows rows" >&2; exit 1; }
	wrk -t "$THREADS" -c "$CONNS" -d "${DURATION}s" \
		-s "$root/bench/web_get.lua" -H "Cookie: $COOKIE" \
		"$B/caseload" >"$dir/wrk.$eng.$size" 2>&1
	stop_server
	sed -n 's/^RESULT //p' "$dir/wrk.$eng.$size" | tr ' ' '\n' \
		>"$dir/res"
	get() { sed -n "s/^$1=//p" "$dir/res"; }
	awk -v e="$eng" -v sz="$size" -v n="$(get requests)" \
	    -v d="$(get duration_us)" -v p99="$(get p99_us)" \
	    -v p50="$(get p50_us)" -v err="$(get err_status)" \
	    -v l="$(load)" -v r="$rows" \
	    'BEGIN { printf "caseload %-6s %-5s: %.0f req/s, p50 %.1f ms, " \
	     "p99 %.1f ms (%d rows a page, %d non-200; load average %s)\n",
	     e, sz, n / (d / 1e6), p50 / 1000, p99 / 1000, r, err, l }' |
	tee -a "$dir/summary"
	echo "$(get p99_us)" >"$dir/p99.$eng.$size"
}

# overview ENGINE DB: the clinic overview (`attune overview`, computed
# inside the database) grouped by therapist and by site; with SIGNALS=1
# also `attune signals` over every open episode (client by client in
# attune, at most OVERVIEW_TIMEOUT seconds).
overview() {
	eng=$1 db=$2
	for by in therapist site; do
		set +e
		/usr/bin/time -f "%e %U %S" -o "$dir/t.ov-$eng-$by" \
			timeout "$OVERVIEW_TIMEOUT" "$ATTUNE" --db "$db" \
			overview --by "$by" >"$dir/ov.$eng.$by" \
			2>"$dir/ov.$eng.$by.err"
		st=$?
		set -e
		if [ "$st" -ne 0 ]; then
			echo "overview $eng --by $by: failed or stopped after" \
			     "${OVERVIEW_TIMEOUT} s (status $st):" \
			     "$(head -n 1 "$dir/ov.$eng.$by.err")" |
				tee -a "$dir/summary"
			continue
		fi
		read -r w u s <"$dir/t.ov-$eng-$by"
		# Rows: the groups between the header and the total.
		awk -v e="$eng" -v by="$by" -v w="$w" -v u="$u" -v s="$s" \
		    -v n="$(($(wc -l <"$dir/ov.$eng.$by") - 2))" \
		    -v tot="$(awk '$1 == "total" { print $2 }' \
		             "$dir/ov.$eng.$by")" -v l="$(load)" \
		    'BEGIN { printf "overview %-6s --by %-9s: %d groups, %d " \
		     "clients in %.2f s wall (attune CPU %.2f s); load " \
		     "average %s\n", e, by, n, tot, w, u + s, l }' |
			tee -a "$dir/summary"
	done
	[ "$SIGNALS" = 1 ] || return 0
	set +e
	/usr/bin/time -f "%e %U %S" -o "$dir/t.sig-$eng" \
		timeout "$OVERVIEW_TIMEOUT" "$ATTUNE" signals \
		--model "$dir/model.csv" --instrument phq9 --db "$db" \
		>"$dir/sig.$eng" 2>"$dir/sig.$eng.err"
	st=$?
	set -e
	read -r w u s <"$dir/t.sig-$eng" || true
	n=$(($(wc -l <"$dir/sig.$eng") - 1))
	[ "$n" -ge 0 ] || n=0
	if [ "$st" -eq 0 ]; then
		awk -v e="$eng" -v n="$n" -v w="$w" -v u="$u" -v s="$s" \
		    -v l="$(load)" \
		    'BEGIN { printf "signals  %-6s: statuses of %d open " \
		     "episodes in %.1f s wall (attune CPU %.1f s); load " \
		     "average %s\n", e, n, w, u + s, l }' |
			tee -a "$dir/summary"
	else
		echo "signals  $eng: stopped after ${OVERVIEW_TIMEOUT} s" \
		     "(status $st), $n statuses written by then" |
			tee -a "$dir/summary"
	fi
}

if [ "$PHASE" = pg ]; then
	dir=$BENCH_DIR
	U=$ATTUNE_TEST_PG_URI
	trap 'stop_server' EXIT
	db_uri() { echo "$U" | sed "s|/postgres\$|/$1|"; }
	psql -X -q "$U" -c "CREATE DATABASE small"
	import pg small "$(db_uri small)"
	# The big clinic once per way of reading; the last one stays.
	last=
	for how in $PG_IMPORT; do
		[ -z "$last" ] || psql -X -q "$U" -c "DROP DATABASE $last"
		psql -X -q "$U" -c "CREATE DATABASE big_$how"
		import pg big "$(db_uri "big_$how")" "$how"
		last=big_$how
	done
	db_uri() {
		case $1 in
		big) echo "$U" | sed "s|/postgres\$|/$last|" ;;
		*) echo "$U" | sed "s|/postgres\$|/$1|" ;;
		esac
	}
	for size in small big; do
		b=$(psql -X -At "$(db_uri "$size")" \
		    -c "SELECT pg_database_size(current_database())")
		echo "size   pg     $size: $(awk -v b="$b" \
		     'BEGIN { printf "%.0f MB", b / 1e6 }')" |
			tee -a "$dir/summary"
	done
	if [ "$PG_VACUUM" = 1 ]; then
		# What autovacuum would do anyway after a bulk load (visibility
		# map, hint bits), done before the caseload is measured.
		t0=$(date +%s)
		psql -X -q "$(db_uri big)" -c "VACUUM (ANALYZE)"
		echo "vacuum pg     big: VACUUM (ANALYZE) in" \
		     "$(($(date +%s) - t0)) s" | tee -a "$dir/summary"
	fi
	overview pg "$(db_uri big)"
	for size in small big; do
		caseload pg "$size" "$(db_uri "$size")"
	done
	exit 0
fi

# ---- Build (Release) ----
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" --target attune bench_store_gen >/dev/null

dir=$(mktemp -d "${TMPDIR:-/tmp}/attune-bench-store.XXXXXX")
cleanup() {
	stop_server
	if [ "$KEEP" = 1 ]; then echo "kept $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

need=$((CLIENTS * 11 / 1000 + 100))
avail=$(df -Pm "$dir" | awk 'NR == 2 { print $4 }')
echo "disk: ${avail} MB free in $(dirname "$dir"), about ${need} MB needed"
[ "$avail" -gt "$need" ] || { echo "not enough disk" >&2; exit 1; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo);" \
     "$(date -u '+%Y-%m-%d %H:%M UTC')"; echo "attune $(git -C "$root" rev-parse --short HEAD)" \
     "CLIENTS=$CLIENTS SESSIONS=$SESSIONS PER=$PER SMALL=$SMALL" \
     "DURATION=$DURATION CONNS=$CONNS THREADS=$THREADS"
: >"$dir/summary"
echo "$SMALL" >"$dir/n.small"
echo "$CLIENTS" >"$dir/n.big"
t0=$(date +%s)
"$GEN" "$SMALL" "$SESSIONS" "$PER" >"$dir/small.jsonl"
"$GEN" "$CLIENTS" "$SESSIONS" "$PER" >"$dir/big.jsonl"
echo "archives made in $(($(date +%s) - t0)) s: big" \
     "$(du -m "$dir/big.jsonl" | cut -f1) MB"

# The signals model (SIGNALS=1): fitted on the small clinic's courses.
if [ "$SIGNALS" = 1 ]; then
	awk -F, '/^\["responses"/ { s = $3; printf "%d,%d,%s\n",
	     int((s - 1) / ses) + 1, (s - 1) % ses + 1, $(NF - 1) }' \
	     ses="$SESSIONS" "$dir/small.jsonl" | sed '1i id,session,score' \
	     >"$dir/ref.csv"
	"$ATTUNE" signals --fit "$dir/ref.csv" --long --band-by phq9 \
		--out "$dir/model.csv" >/dev/null 2>&1 || true
	[ -s "$dir/model.csv" ] || { echo "no signals model" >&2; exit 1; }
fi

for eng in $ENGINES; do
	case $eng in
	sqlite)
		for size in small big; do
			import sqlite "$size" "$dir/$size.db"
			echo "size   sqlite $size: $(du -cm "$dir/$size.db"* |
			     tail -n 1 | cut -f1) MB" | tee -a "$dir/summary"
		done
		overview sqlite "$dir/big.db"
		for size in small big; do
			caseload sqlite "$size" "$dir/$size.db"
		done
		rm -f "$dir/big.db" "$dir/big.db-wal" "$dir/big.db-shm"
		;;
	pg)
		PHASE=pg BENCH_DIR=$dir \
			sh "$root/scripts/pg-test-server.sh" sh "$root/bench/store.sh"
		;;
	esac
done

echo
echo "== summary (CLIENTS=$CLIENTS x SESSIONS=$SESSIONS; small: $SMALL" \
     "clients) =="
cat "$dir/summary"
for eng in $ENGINES; do
	[ -s "$dir/p99.$eng.small" ] && [ -s "$dir/p99.$eng.big" ] || continue
	awk -v e="$eng" -v a="$(cat "$dir/p99.$eng.small")" \
	    -v b="$(cat "$dir/p99.$eng.big")" \
	    'BEGIN { printf "caseload %s p99 big/small: %.2f (goal <= 2)\n",
	     e, b / a }'
done
