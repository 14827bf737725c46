# test_transcript.sh - `attune transcript add|list|show|delete` on a
# database (SQLite here, PostgreSQL as cli_test_transcript_pg): stored
# only once it reads, shown coded exactly as `attune mirror code` codes
# the file, deleted for good; every call audited; bad input changes
# nothing and says what and where.
. "$(dirname "$0")/lib.sh"

M="$DATA/mirror"
DB=$(new_db transcripts) || exit 1

ntranscripts() {
	db_sql "$DB" "SELECT count(*) FROM transcripts"
}
naudit() {
	db_sql "$DB" "SELECT count(*) FROM audit WHERE action = '$1'"
}

# Help and usage.
run transcript --help
expect_rc 0 "transcript --help"
expect_out "usage: attune transcript add --client CODE --session N"
expect_out "attune transcript delete ID"
run transcript
expect_rc 2 "no verb"
run transcript frob --db "$DB"
expect_rc 2 "unknown verb"
expect_err "unknown verb 'frob'"
run --help
expect_out "transcript"

run init --db "$DB" --clinic "Test practice"
expect_rc 0 "init"
run client add C-01 --db "$DB"
expect_rc 0 "client C-01"
run client add C-02 --db "$DB"
expect_rc 0 "client C-02"
run session add --db "$DB" --client C-01 --session 1 --date 2026-01-05
expect_rc 0 "session 1"

# Add: prints the id; the detected format is stored.
run transcript add --db "$DB" --client C-01 --session 1 "$M/rupture.txt"
expect_rc 0 "add"
expect_err "stored transcript"
expect_err "24 utterances"
id=$(cat "$T/out")
check
[ "$(ntranscripts)" = 1 ] || fail "one transcript stored"
check
[ "$(db_sql "$DB" "SELECT format FROM transcripts WHERE id = $id")" = text ] ||
	fail "the detected format is stored"
check
[ "$(db_sql "$DB" "SELECT count(*) FROM audit WHERE action = 'transcript.add' AND object = 'transcript:$id' AND actor LIKE 'cli:%'")" = 1 ] ||
	fail "transcript.add audited with the command-line actor"
run_in "$M/session.json" transcript add --db "$DB" --client C-01 \
	--session 1 --format json -
expect_rc 0 "add from stdin with --format"
id2=$(cat "$T/out")

# Refusals: nothing stored, a message that says what and where.
n=$(ntranscripts)
printf 'speaker,words\nT,hello\n' >"$T/bad.csv"
run transcript add --db "$DB" --client C-01 --session 1 --format csv \
	"$T/bad.csv"
expect_rc 1 "unreadable CSV"
expect_err "$T/bad.csv"
expect_no_out
printf 'T: caf\303\251 ok\nC: bad \377 byte\n' >"$T/bad.txt"
run transcript add --db "$DB" --client C-01 --session 1 "$T/bad.txt"
expect_rc 1 "invalid UTF-8"
expect_err "$T/bad.txt"
expect_err "byte"
: >"$T/empty.txt"
run transcript add --db "$DB" --client C-01 --session 1 "$T/empty.txt"
expect_rc 1 "empty file"
expect_err "$T/empty.txt"
run transcript add --db "$DB" --client C-01 --session 1 "$T/nope.txt"
expect_rc 1 "missing file"
expect_err "$T/nope.txt: cannot open"
run transcript add --db "$DB" --client C-01 --session 2 "$M/rupture.txt"
expect_rc 1 "no such session"
expect_err "client C-01 has no session 2"
run transcript add --db "$DB" --client C-99 --session 1 "$M/rupture.txt"
expect_rc 1 "no such client"
expect_err "no client 'C-99'"
run transcript add --db "$DB" --client C-01 --session 1 --format docx \
	"$M/rupture.txt"
expect_rc 2 "unknown format"
expect_err "'docx' is not text, vtt, srt, csv or json"
run transcript add --db "$DB" --client C-01 --session 0 "$M/rupture.txt"
expect_rc 2 "session 0"
run transcript add --db "$DB" --client C-01 "$M/rupture.txt"
expect_rc 2 "no --session"
run transcript add --db "$DB" --client C-01 --session 1
expect_rc 2 "no file"
check
[ "$(ntranscripts)" = "$n" ] || fail "a refused add stored something"

# List: text and JSON, oldest first; audited.
run transcript list --db "$DB" --client C-01
expect_rc 0 "list"
expect_out "id       session  format  bytes"
expect_out "$id        1        text    1885"
check
[ "$(sed -n 2p "$T/out" | cut -d' ' -f1)" = "$id" ] || fail "oldest first"
run transcript list --db "$DB" --client C-01 --json
expect_rc 0 "list json"
expect_out "{\"id\": $id, \"session\": 1, \"format\": \"text\", \"bytes\": 1885"
expect_out "{\"id\": $id2, \"session\": 1, \"format\": \"json\""
run transcript list --db "$DB" --client C-02
expect_rc 0 "list empty"
expect_no_out
expect_err "client C-02 has no transcripts"
run transcript list --db "$DB" --client C-99
expect_rc 1 "list unknown client"
run transcript list --db "$DB"
expect_rc 2 "list without --client"
check
[ "$(naudit transcript.list)" -ge 3 ] || fail "listings audited"

# Show: the same codes as `attune mirror code` on the file (the golden
# file of test_mirror), the file column naming the transcript.
run transcript show --db "$DB" "$id"
expect_rc 0 "show csv"
sed "s|^transcript $id,|rupture.txt,|" "$T/out" >"$T/o"
check
cmp -s "$T/o" "$M/rupture.txt.expected.csv" || {
	fail "show differs from mirror code's golden output"
	diff "$M/rupture.txt.expected.csv" "$T/o" | head -10
}
check
[ "$(db_sql "$DB" "SELECT count(*) FROM audit WHERE action = 'transcript.read' AND object = 'transcript:$id'")" = 1 ] ||
	fail "show audited as transcript.read"
run transcript show --db "$DB" --format json "$id"
expect_rc 0 "show json"
expect_out '"file": "transcript '"$id"'"'
expect_out '"markers": [{"type": "withdrawal", "subtype": "minimal", "intensity": 2, "confidence": 0.60, "rule": "W-MIN-FEEL", "cue": "Fine"}]'
run transcript show --db "$DB" --format json "$id2"
expect_rc 0 "show a JSON transcript"
expect_out '"utterances"'
run transcript show --db "$DB" --format html "$id"
expect_rc 0 "show html"
expect_out "Content-Security-Policy"
expect_out 'Rupture episode 3: confrontation, intensity 2, not repaired'
expect_out '&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;'
expect_not_out '<script'
expect_not_out '<b>'
run transcript show --db "$DB" --format pdf "$id"
expect_rc 2 "show --format pdf"
expect_err "'pdf' is not csv, json or html"
expect_no_out
run transcript show --db "$DB" 999999
expect_rc 1 "show absent"
expect_err "no transcript 999999"
expect_no_out
run transcript show --db "$DB" 0
expect_rc 2 "show id 0"
run transcript show --db "$DB" "$id" "$id2"
expect_rc 2 "show two ids"

# Delete: gone, audited; again or absent: exit 1, nothing changed.
run transcript delete --db "$DB" abc
expect_rc 2 "delete a non-id"
expect_err "'abc' is not a transcript id"
run transcript delete --db "$DB" 999999
expect_rc 1 "delete absent"
expect_err "no transcript 999999"
check
[ "$(ntranscripts)" = 2 ] || fail "a refused delete deleted"
check
[ "$(naudit transcript.delete)" = 0 ] || fail "a refused delete was audited"
run transcript delete --db "$DB" "$id"
expect_rc 0 "delete"
expect_err "deleted transcript $id"
check
[ "$(ntranscripts)" = 1 ] || fail "delete left the transcript"
check
[ "$(db_sql "$DB" "SELECT detail FROM audit WHERE action = 'transcript.delete' AND object = 'transcript:$id' AND actor LIKE 'cli:%'")" = "client:$(db_sql "$DB" "SELECT id FROM clients WHERE code = 'C-01'") session:$(db_sql "$DB" "SELECT s.id FROM sessions s JOIN episodes e ON e.id = s.episode_id JOIN clients c ON c.id = e.client_id WHERE c.code = 'C-01' AND s.number = 1")" ] ||
	fail "transcript.delete audited with client and session"
run transcript delete --db "$DB" "$id"
expect_rc 1 "delete twice"
run transcript show --db "$DB" "$id"
expect_rc 1 "show deleted"
run transcript list --db "$DB" --client C-01
expect_not_out "$id        1        text"
expect_out "$id2"
# The session stays.
check
[ "$(db_sql "$DB" "SELECT count(*) FROM sessions")" = 1 ] ||
	fail "the session went with the transcript"

finish
