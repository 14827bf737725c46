# test_archive.sh - attune export --all and attune import end to end:
# the demo clinic round-trips with its logical content unchanged (also
# SQLite -> PostgreSQL -> SQLite when run as cli_test_archive_pg), and
# every kind of bad archive is refused with its line number, exit 1 and
# nothing written.
. "$(dirname "$0")/lib.sh"

# body FILE: the rows of an archive, without the header (exported_at),
# the end line (its checksum covers the header) and the audit rows of
# imports (an import is audited in the database it fills).
body() {
	sed '1d;$d' "$1" | grep -v '"archive\.import"'
}

# no_schema DB: true when DB holds nothing of attune's (SQLite: no file;
# PostgreSQL: no clinics table).
no_schema() {
	if on_pg; then
		[ "$(db_sql "$1" "SELECT to_regclass('clinics') IS NULL")" = t ]
	else
		[ ! -e "$1" ]
	fi
}

# reseal IN OUT: IN with its end line's checksum recomputed (b2sum is
# BLAKE2b; -l 256 as the archive uses), for damage the checksum cannot
# catch.
reseal() {
	sed '$d' "$1" >"$2"
	sum=$(b2sum -l 256 <"$2" | cut -d' ' -f1)
	tail -n 1 "$1" | sed "s/\"blake2b\":\"[0-9a-f]*\"/\"blake2b\":\"$sum\"/" >>"$2"
}

SRC=$(new_db src) || exit 1
run demo --db "$SRC" --report
expect_rc 0 "demo"
# Rows of the tables the demo leaves empty: a grant, API tokens (one
# revoked), a clinic setting.
run user grant --name casey --client C-1001 --db "$SRC"
expect_rc 0 "grant"
run token create --user sam --label "EHR bridge" --db "$SRC"
expect_rc 0 "token"
run token create --user alex --db "$SRC"
expect_rc 0 "second token"
run --db "$SRC" token revoke 1
expect_rc 0 "token revoke"
# Sites (schema 5) and a user's site.
run --db "$SRC" site add North
expect_rc 0 "site"
run --db "$SRC" user set-site --name alex --site North
expect_rc 0 "set-site"
db_sql "$SRC" "INSERT INTO clinic_settings VALUES (1, 'b_note', 'x'),
               (1, 'B_note', 'y'), (1, 'a-note', 'z')" >/dev/null
# A session transcript (the web app stores them; text with markup,
# quotes, a newline, a tab, a backslash, \N and non-ASCII must come
# back as it was: PostgreSQL loads it through COPY's text format).
tab=$(printf '\t')
db_sql "$SRC" "INSERT INTO transcripts (session_id, format, body,
               created_at, created_by)
               SELECT min(id), 'text', 'T: How was it?
C: \"Fine\" <b>really</b>${tab}— café \\N C:\\x', 1767225600, NULL
               FROM sessions" >/dev/null

run export --help
expect_rc 0 "export --help"
expect_out "usage: attune export --all"
run import --help
expect_rc 0 "import --help"
expect_out "usage: attune import"
run export --db "$SRC"
expect_rc 2 "export needs --all"

# ---- Round trip on this engine ----
audit0=$(db_sql "$SRC" "SELECT count(*) FROM audit")
run export --all --db "$SRC" --out "$T/a.jsonl"
expect_rc 0 "export"
expect_err "exported"
check
[ -f "$T/a.jsonl" ] && [ ! -e "$T/a.jsonl.part" ] || fail "archive file"
check
[ "$(stat -c %a "$T/a.jsonl")" = 600 ] || fail "the archive is the owner's only"
check
head -n 1 "$T/a.jsonl" | grep -q '^{"format":"attune-archive/2","schema_version":' ||
	fail "header line"
check
tail -n 1 "$T/a.jsonl" | grep -q '"instruments":\[\["checkin-alliance","1"\]' ||
	fail "end line names the instruments"
check
[ "$(grep -c '^\["transcripts",' "$T/a.jsonl")" = 1 ] ||
	fail "the transcript should be in the archive"
# The export is audited once, after its snapshot.
check
[ "$(db_sql "$SRC" "SELECT count(*) FROM audit")" -eq $((audit0 + 1)) ] ||
	fail "one audit row for the export"
check
[ "$(db_sql "$SRC" "SELECT action FROM audit ORDER BY id DESC LIMIT 1")" = \
  archive.export ] || fail "the audit row is archive.export"
check
! grep -q '"archive\.export"' "$T/a.jsonl" || fail "own audit row in archive"
check
grep -q '^\["sites",1,1,"North",' "$T/a.jsonl" &&
	grep -q '^\["users",3,1,"alex",.*,1\]$' "$T/a.jsonl" ||
	fail "sites and users.site_id in the archive"
check
grep -q '^\["grants",5,1,' "$T/a.jsonl" &&
	[ "$(grep -c '^\["api_tokens",' "$T/a.jsonl")" -eq 2 ] || fail "grants, tokens"
# Settings in bytewise order on both engines.
check
[ "$(grep '^\["clinic_settings",' "$T/a.jsonl" | cut -d'"' -f4 | tr '\n' ' ')" = \
  "B_note a-note b_note " ] || fail "settings order"
# Standard output gives the same rows (plus the first export's audit
# row, which the second snapshot sees).
run export --all --db "$SRC"
expect_rc 0 "export to stdout"
check
body "$T/a.jsonl" >"$T/a.body"
body "$T/out" | grep -v '"archive\.export"' | cmp -s - "$T/a.body" ||
	fail "stdout export differs"

DST=$(new_db dst) || exit 1
run import --db "$DST" "$T/a.jsonl"
expect_rc 0 "import"
expect_out "imported"
run export --all --db "$DST" --out "$T/b.jsonl"
expect_rc 0 "export again"
check
body "$T/b.jsonl" >"$T/b.body"
cmp -s "$T/a.body" "$T/b.body" || {
	fail "round trip changed the rows"
	diff "$T/a.body" "$T/b.body" | head -n 10
}
# A bulk load sets secondary indexes and the data-version triggers
# aside and brings them back before its commit: the same schema as the
# source, every imported client counted as changed once, and the
# triggers at work again afterwards.
schema_of() {
	if on_pg; then
		db_sql "$1" "SELECT string_agg(x, ' ' ORDER BY x) FROM
		  (SELECT indexname || '=' || indexdef AS x FROM pg_indexes
		   WHERE schemaname = current_schema() UNION ALL
		   SELECT tgname || ':' || tgenabled::text FROM pg_trigger
		   WHERE NOT tgisinternal UNION ALL
		   SELECT conname FROM pg_constraint c JOIN pg_namespace n
		   ON n.oid = c.connamespace
		   WHERE n.nspname = current_schema()) s"
	else
		db_sql "$1" "SELECT group_concat(name || '=' || sql, ' ') FROM
		  (SELECT name, sql FROM sqlite_master
		   WHERE sql IS NOT NULL ORDER BY name)"
	fi
}
check
[ -n "$(schema_of "$SRC")" ] &&
	[ "$(schema_of "$SRC")" = "$(schema_of "$DST")" ] ||
	fail "the schema after an import differs from a new database's"
check
[ "$(db_sql "$DST" "SELECT min(data_version) || ',' ||
      max(data_version) FROM clients")" = "1,1" ] ||
	fail "data_version after an import: $(db_sql "$DST" \
	      "SELECT min(data_version), max(data_version) FROM clients")"
code1=$(db_sql "$DST" "SELECT code FROM clients ORDER BY id LIMIT 1")
run session add --client "$code1" --session 99 --db "$DST" --date 2026-03-02
expect_rc 0 "session after import (existing client)"
check
[ "$(db_sql "$DST" "SELECT data_version FROM clients
      WHERE code = '$code1'")" -ge 2 ] ||
	fail "the data-version trigger is not back after an import"
# New rows after an import take fresh ids (PostgreSQL: sequences moved).
run client add NEW-01 --db "$DST"
expect_rc 0 "client add after import"
run session add --client NEW-01 --session 1 --db "$DST" --date 2026-03-01
expect_rc 0 "session after import"
check
[ "$(db_sql "$DST" "SELECT count(*) FROM clients")" -eq 31 ] ||
	fail "31 clients after the import and one more"

# ---- SQLite -> PostgreSQL -> SQLite (on the PostgreSQL run) ----
if on_pg; then
	LITE="$T/lite.db"
	run demo --db "$LITE" --report
	expect_rc 0 "demo on SQLite"
	run export --all --db "$LITE" --out "$T/l1.jsonl"
	expect_rc 0 "export SQLite"
	PG2=$(new_db pg2) || exit 1
	run import --db "$PG2" "$T/l1.jsonl"
	expect_rc 0 "import into PostgreSQL"
	run export --all --db "$PG2" --out "$T/l2.jsonl"
	expect_rc 0 "export PostgreSQL"
	run import --db "$T/lite2.db" "$T/l2.jsonl"
	expect_rc 0 "import back into SQLite"
	run export --all --db "$T/lite2.db" --out "$T/l3.jsonl"
	expect_rc 0 "export SQLite again"
	check
	body "$T/l1.jsonl" >"$T/l1.body"
	body "$T/l3.jsonl" >"$T/l3.body"
	cmp -s "$T/l1.body" "$T/l3.body" || {
		fail "SQLite -> PostgreSQL -> SQLite changed the rows"
		diff "$T/l1.body" "$T/l3.body" | head -n 10
	}
fi

# ---- Refusals: exit 1, a line number, nothing written ----
run import --db "$SRC" "$T/a.jsonl"
expect_rc 1 "import into a database with data"
expect_err "already holds data"
check
[ "$(db_sql "$SRC" "SELECT count(*) FROM audit")" -eq $((audit0 + 2)) ] ||
	fail "a refused import writes nothing"

# refused IN MESSAGE: import IN into a new database and expect MESSAGE.
refused() {
	E=$(new_db "e$NCHECK") || exit 1
	run import --db "$E" "$1"
	expect_rc 1 "$2"
	expect_err "$2"
	expect_err "nothing was written"
	check
	no_schema "$E" || fail "$2: the database was touched"
}

head -n 100 "$T/a.jsonl" >"$T/trunc.jsonl"
refused "$T/trunc.jsonl" "line 101: the archive ends without its end line"
head -c 5000 "$T/a.jsonl" >"$T/cut.jsonl"
refused "$T/cut.jsonl" "has no newline: the archive is truncated"

n=$(grep -n '^\["clients",' "$T/a.jsonl" | head -n 1 | cut -d: -f1)
sed "${n}s/\"C-/\"X-/" "$T/a.jsonl" >"$T/changed.jsonl"
end=$(wc -l <"$T/a.jsonl")
refused "$T/changed.jsonl" "line $end: checksum mismatch"

sed '1s|attune-archive/2|attune-archive/9|' "$T/a.jsonl" >"$T/format.jsonl"
refused "$T/format.jsonl" "line 1: archive format \"attune-archive/9\""
echo 'client,session' >"$T/csv.jsonl"
refused "$T/csv.jsonl" "line 1: not valid JSON"

n=$(grep -n '^\["episodes",' "$T/a.jsonl" | head -n 1 | cut -d: -f1)
sed "${n}s/^\[\"episodes\",\([0-9]*\),[0-9]*,/[\"episodes\",\1,99999,/" \
	"$T/a.jsonl" >"$T/dangling.jsonl"
refused "$T/dangling.jsonl" \
	"line $n: episodes.client_id refers to clients 99999"

n=$(grep -n '^\["sessions",' "$T/a.jsonl" | head -n 1 | cut -d: -f1)
sed "${n}s/^\[\"sessions\",\([0-9]*\),\([0-9]*\),[0-9]*,/[\"sessions\",\1,\2,\"one\",/" \
	"$T/a.jsonl" >"$T/type.jsonl"
refused "$T/type.jsonl" "line $n: sessions.number must be a whole number"

# Damage only the database can see (a second user with a taken name,
# checksum recomputed): the load stops at that line, all undone.
n=$(grep -n '^\["users",' "$T/a.jsonl" | tail -n 1 | cut -d: -f1)
sed "${n}p" "$T/a.jsonl" |
	sed "$((n + 1))s/^\[\"users\",[0-9]*,/[\"users\",90,/" >"$T/dup0.jsonl"
sed 's/"users":5,/"users":6,/' "$T/dup0.jsonl" >"$T/dup1.jsonl"
reseal "$T/dup1.jsonl" "$T/dup.jsonl"
E=$(new_db dup) || exit 1
run import --db "$E" "$T/dup.jsonl"
expect_rc 1 "a row the database refuses"
expect_err "line $((n + 1)):"
check
if on_pg; then
	[ "$(db_sql "$E" "SELECT count(*) FROM clinics")" -eq 0 ] ||
		fail "a failed load leaves rows behind"
else
	[ ! -e "$E" ] || fail "a failed load leaves the new file behind"
fi

finish
