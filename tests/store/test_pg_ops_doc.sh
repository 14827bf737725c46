#!/bin/sh
# test_pg_ops_doc.sh - the commands of docs/operations.md ("PostgreSQL in
# production") run for real on throw-away servers on 127.0.0.1, so that
# the page stays true:
#   1. a primary with WAL archiving; the role and database as documented
#      (createuser, createdb -O); attune's demo clinic on it;
#   2. a streaming replica made with pg_basebackup -R; it follows the
#      primary; attune reads what a replica allows and refuses, clearly,
#      what writes an audit row;
#   3. pg_dump -Fc, pg_restore into a fresh server; attune reads the
#      restored database and gives the primary's overview;
#   4. point-in-time recovery: a base backup plus archived WAL, restored
#      to a recovery_target_time between two changes.
# Every server is stopped and every directory removed on exit, also on
# failure (trap). Needs PostgreSQL 15's server binaries (as
# scripts/pg-test-server.sh) and $ATTUNE.
set -u
: "${ATTUNE:?set ATTUNE to the attune binary}"

bindir=${PG_BINDIR:-}
for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
	[ -z "$bindir" ] && [ -x "$d/initdb" ] && bindir=$d
done
if [ -z "$bindir" ] || [ ! -x "$bindir/pg_basebackup" ]; then
	echo "test_pg_ops_doc: PostgreSQL server binaries not found" >&2
	exit 1
fi

base=${ATTUNE_TEST_TMP:-${TMPDIR:-/tmp}}
mkdir -p "$base"
W=$(mktemp -d "$base/pgops.XXXXXX")
SOCK=$(mktemp -d /tmp/attune-pgops.XXXXXX)
chmod 755 "$W"
if [ "$(id -u)" -eq 0 ]; then
	chown postgres "$W" "$SOCK"
	as_pg() {
		cmd=""
		for a in "$@"; do
			cmd="$cmd '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"
		done
		su postgres -s /bin/sh -c "$cmd"
	}
	SU=postgres
else
	as_pg() { "$@"; }
	SU=$(id -un)
fi
unset PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD PGSERVICE 2>/dev/null || true

STARTED=""
cleanup() {
	status=$?
	for d in $STARTED; do
		as_pg "$bindir/pg_ctl" -D "$d" -m immediate -w stop \
			>/dev/null 2>&1 || true
	done
	if [ "$status" -ne 0 ]; then
		for l in "$W"/*.log; do
			[ -f "$l" ] || continue
			echo "--- $l (last lines)"
			tail -n 15 "$l"
		done
	fi
	rm -rf "$W" "$SOCK"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

NFAIL=0
NCHECK=0
fail() { NFAIL=$((NFAIL + 1)); echo "FAIL: $*"; }
die() { echo "FAIL: $*"; exit 1; }
check() { NCHECK=$((NCHECK + 1)); }

free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + ($$ * 7 + $1) % 40000))
}

# start DATADIR PORT NAME [SETTINGS...]: pg_ctl start on 127.0.0.1.
start() {
	d=$1; p=$2; n=$3
	shift 3
	as_pg "$bindir/pg_ctl" -D "$d" -l "$W/$n.log" -w -t 60 \
		-o "-p $p -k $SOCK -c listen_addresses=127.0.0.1 $*" start \
		>/dev/null || die "$n did not start"
	STARTED="$STARTED $d"
}

# psql as the superuser on port P, database DB: one statement.
q() {
	psql "postgresql://$SU@127.0.0.1:$1/$2" -qAtX -v ON_ERROR_STOP=1 -c "$3"
}

# wait_for PORT DB SQL WANT: poll until SQL prints WANT (30 s).
wait_for() {
	i=0
	while [ $i -lt 300 ]; do
		[ "$(q "$1" "$2" "$3" 2>/dev/null)" = "$4" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# ---- 1. The primary, with WAL archiving for PITR ----
P1=$(free_port 1)
ARCH="$W/wal-archive"
as_pg mkdir "$ARCH" || die "mkdir archive"
as_pg "$bindir/initdb" -D "$W/primary" -A trust -U "$SU" -E UTF8 \
	--locale=C --no-sync >"$W/initdb.log" 2>&1 || die "initdb"
# docs/operations.md, "Backups and point-in-time recovery"
cat >>"$W/primary/postgresql.conf" <<EOF
wal_level = replica
archive_mode = on
archive_command = 'test ! -f $ARCH/%f && cp %p $ARCH/%f'
EOF
start "$W/primary" "$P1" primary -c fsync=off
# docs: createuser / createdb -O (trust here instead of --pwprompt)
as_pg "$bindir/createuser" -h 127.0.0.1 -p "$P1" -U "$SU" attune ||
	die "createuser"
as_pg "$bindir/createdb" -h 127.0.0.1 -p "$P1" -U "$SU" -O attune -E UTF8 \
	attune || die "createdb"
PRIMARY="postgresql://attune@127.0.0.1:$P1/attune"
"$ATTUNE" demo --db "$PRIMARY" --report >/dev/null 2>&1 ||
	die "attune demo on the primary"
"$ATTUNE" site add North --db "$PRIMARY" >/dev/null || die "site add"
check
[ "$(q "$P1" attune "SELECT count(*) FROM clients")" = 30 ] ||
	fail "the demo clinic on the primary"
# docs: a libpq connection service file and ATTUNE_DB="service=attune"
cat >"$W/pg_service.conf" <<EOF
[attune]
host=127.0.0.1
port=$P1
dbname=attune
user=attune
EOF
check
PGSERVICEFILE="$W/pg_service.conf" ATTUNE_DB="service=attune" \
	"$ATTUNE" site list >"$W/out" 2>"$W/err" && grep -q North "$W/out" ||
	fail "ATTUNE_DB=service=attune with PGSERVICEFILE: $(cat "$W/err")"

# ---- 2. A streaming replica: pg_basebackup -R ----
P2=$(free_port 2)
as_pg "$bindir/pg_basebackup" -h 127.0.0.1 -p "$P1" -U "$SU" \
	-D "$W/replica" -R -X stream -c fast >"$W/basebackup.log" 2>&1 ||
	die "pg_basebackup -R"
check
[ -f "$W/replica/standby.signal" ] || fail "-R writes standby.signal"
check
grep -q "primary_conninfo" "$W/replica/postgresql.auto.conf" ||
	fail "-R writes primary_conninfo"
# The replica must not archive into the primary's archive.
echo "archive_mode = off" >>"$W/replica/postgresql.conf"
start "$W/replica" "$P2" replica -c fsync=off
REPLICA="postgresql://attune@127.0.0.1:$P2/attune"
check
[ "$(q "$P2" postgres "SELECT pg_is_in_recovery()")" = t ] ||
	fail "the replica is in recovery"
check
[ "$(q "$P1" postgres "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" = 1 ] ||
	fail "the primary streams to one replica"
# A change on the primary reaches the replica.
"$ATTUNE" site add Replicated --db "$PRIMARY" >/dev/null || die "site add 2"
check
wait_for "$P2" attune "SELECT count(*) FROM sites WHERE name = 'Replicated'" 1 ||
	fail "the replica follows the primary"

# What attune may do on a replica: reads that are not audited.
check
"$ATTUNE" site list --db "$REPLICA" >"$W/out" 2>"$W/err" &&
	grep -q "Replicated" "$W/out" ||
	fail "attune site list on the replica: $(cat "$W/err")"
check
"$ATTUNE" user list --db "$REPLICA" >"$W/out" 2>"$W/err" &&
	grep -q "alex" "$W/out" ||
	fail "attune user list on the replica: $(cat "$W/err")"
check
"$ATTUNE" audit --limit 3 --db "$REPLICA" >"$W/out" 2>"$W/err" ||
	fail "attune audit on the replica: $(cat "$W/err")"
# Analytics write an audit row first: refused with the server's reason,
# and nothing shown.
audit_before=$(q "$P1" attune "SELECT count(*) FROM audit")
"$ATTUNE" overview --db "$REPLICA" >"$W/out" 2>"$W/err"
rc=$?
check
[ "$rc" -ne 0 ] && [ ! -s "$W/out" ] ||
	fail "overview on a replica must fail before showing data (rc $rc)"
check
grep -q "read-only transaction" "$W/err" ||
	fail "the refusal names the read-only transaction: $(cat "$W/err")"
for verb in "report --client C-1001" "client list"; do
	# shellcheck disable=SC2086
	"$ATTUNE" $verb --db "$REPLICA" >"$W/out" 2>"$W/err"
	rc=$?
	check
	[ "$rc" -ne 0 ] && [ ! -s "$W/out" ] ||
		fail "$verb on a replica must be refused (rc $rc)"
done
# export --all audits after its snapshot: to a file, the file is never
# made; (to standard output it has printed the archive by then: a known
# gap, docs/operations.md).
"$ATTUNE" export --all --out "$W/replica.jsonl" --db "$REPLICA" \
	>/dev/null 2>"$W/err"
rc=$?
check
[ "$rc" -ne 0 ] && [ ! -e "$W/replica.jsonl" ] ||
	fail "export --all --out on a replica must fail without a file (rc $rc)"
check
[ "$(q "$P1" attune "SELECT count(*) FROM audit")" = "$audit_before" ] ||
	fail "the refusals left audit rows"

# ---- 3. pg_dump -Fc and pg_restore into a fresh server ----
"$ATTUNE" overview --db "$PRIMARY" >"$W/overview.primary" 2>"$W/err" ||
	die "overview on the primary: $(cat "$W/err")"
pg_dump -Fc -h 127.0.0.1 -p "$P1" -U attune attune >"$W/attune.dump" ||
	die "pg_dump -Fc"
P3=$(free_port 3)
as_pg "$bindir/initdb" -D "$W/restored" -A trust -U "$SU" -E UTF8 \
	--locale=C --no-sync >"$W/initdb3.log" 2>&1 || die "initdb 3"
start "$W/restored" "$P3" restored -c fsync=off
as_pg "$bindir/createuser" -h 127.0.0.1 -p "$P3" -U "$SU" attune ||
	die "createuser 3"
as_pg "$bindir/createdb" -h 127.0.0.1 -p "$P3" -U "$SU" -O attune -E UTF8 \
	attune || die "createdb 3"
pg_restore -h 127.0.0.1 -p "$P3" -U attune -d attune --exit-on-error \
	"$W/attune.dump" || die "pg_restore"
RESTORED="postgresql://attune@127.0.0.1:$P3/attune"
"$ATTUNE" overview --db "$RESTORED" >"$W/overview.restored" 2>"$W/err" ||
	fail "overview on the restored database: $(cat "$W/err")"
check
cmp -s "$W/overview.primary" "$W/overview.restored" ||
	fail "the restored overview differs: $(diff "$W/overview.primary" "$W/overview.restored")"
check
"$ATTUNE" report --client C-1001 --db "$RESTORED" >"$W/out" 2>"$W/err" &&
	grep -q "Client C-1001" "$W/out" ||
	fail "report on the restored database"
# New rows take fresh ids (the identity sequences came with the dump).
check
"$ATTUNE" client add NEW-1 --db "$RESTORED" >/dev/null 2>"$W/err" ||
	fail "client add after the restore: $(cat "$W/err")"

# ---- 4. Point-in-time recovery ----
as_pg "$bindir/pg_basebackup" -h 127.0.0.1 -p "$P1" -U "$SU" \
	-D "$W/base" -X stream -c fast >>"$W/basebackup.log" 2>&1 ||
	die "pg_basebackup (base backup)"
"$ATTUNE" site add BeforeTarget --db "$PRIMARY" >/dev/null || die "site 3"
sleep 1
TARGET=$(q "$P1" postgres "SELECT clock_timestamp()")
sleep 1
"$ATTUNE" site add AfterTarget --db "$PRIMARY" >/dev/null || die "site 4"
seg=$(q "$P1" postgres "SELECT pg_walfile_name(pg_current_wal_lsn())")
q "$P1" postgres "SELECT pg_switch_wal()" >/dev/null
check
i=0
while [ $i -lt 300 ] && ! as_pg test -f "$ARCH/$seg"; do
	sleep 0.1
	i=$((i + 1))
done
as_pg test -f "$ARCH/$seg" || fail "WAL segment $seg archived"
# docs: restore the base backup, recovery.signal, restore_command and
# recovery_target_time, start; it promotes at the target.
as_pg cp -a "$W/base" "$W/pitr" || die "copy the base backup"
as_pg touch "$W/pitr/recovery.signal"
as_pg sh -c "cat >>'$W/pitr/postgresql.conf'" <<EOF
archive_mode = off
restore_command = 'cp $ARCH/%f %p'
recovery_target_time = '$TARGET'
recovery_target_action = 'promote'
EOF
P4=$(free_port 4)
start "$W/pitr" "$P4" pitr -c fsync=off
check
wait_for "$P4" postgres "SELECT pg_is_in_recovery()" f ||
	fail "the PITR server promotes at the target"
PITR="postgresql://attune@127.0.0.1:$P4/attune"
"$ATTUNE" site list --db "$PITR" >"$W/out" 2>"$W/err" ||
	fail "site list after PITR: $(cat "$W/err")"
check
grep -q "BeforeTarget" "$W/out" || fail "PITR keeps the change before the target"
check
! grep -q "AfterTarget" "$W/out" || fail "PITR drops the change after the target"
check
"$ATTUNE" overview --db "$PITR" >/dev/null 2>"$W/err" ||
	fail "overview on the recovered database: $(cat "$W/err")"

if [ "$NFAIL" -ne 0 ]; then
	echo "$NFAIL of $NCHECK checks failed"
	exit 1
fi
echo "all $NCHECK checks passed"
