# test_db.sh - the database verbs end to end on a real SQLite file:
# init, clients, sessions, record, report, audit; bad input changes
# nothing.
. "$(dirname "$0")/lib.sh"

DB=$(new_db clinic) || exit 1

run --db "$DB" client list
expect_rc 1 "no database yet"
expect_err "no database here"
check
if on_pg; then
	# The database exists (attune never creates one on a server); a read
	# must not set up attune's tables in it.
	[ "$(db_sql "$DB" "SELECT to_regclass('schema_version') IS NULL")" = t ] ||
		fail "a read must not create the schema"
else
	[ ! -e "$DB" ] || fail "a read must not create the database"
fi

run init --db "$DB" --clinic "Test practice"
expect_rc 0 "init"
expect_out "created $DB"
run init --db "$DB"
expect_rc 0 "init again"
expect_out "already holds an attune database"

echo "not a database, just text" >"$T/text.db"
run --db "$T/text.db" client list
expect_rc 1 "not a database"

run client add C-01 --db "$DB" --name "Ann <b>" --started 2026-01-05
expect_rc 0 "client add"
run client add C-01 --db "$DB"
expect_rc 1 "duplicate client"
expect_err "C-01"
run client add "bad code!" --db "$DB"
expect_rc 1 "bad code"
run client add C-02 --db "$DB" --started 2026-02-30
expect_rc 1 "impossible date"
run client add C-03 --db "$DB" --therapist nobody
expect_rc 1 "unknown therapist"
expect_err "no user 'nobody'"
# The clinic's default for a new client's own view holds here too.
[ "$(db_sql "$DB" "SELECT sees_progress FROM clients WHERE code = 'C-01'")" = 0 ] ||
	fail "C-01 sees progress without the setting"
db_sql "$DB" "INSERT INTO clinic_settings (clinic_id, name, value)
              SELECT id, 'sees_progress_default', '1' FROM clinics" >/dev/null
run client add C-04 --db "$DB"
expect_rc 0 "client add with the progress default on"
[ "$(db_sql "$DB" "SELECT sees_progress FROM clients WHERE code = 'C-04'")" = 1 ] ||
	fail "the clinic's sees-progress default was not applied"
db_sql "$DB" "DELETE FROM clinic_settings" >/dev/null
run client list --db "$DB"
expect_rc 0 "client list"
expect_out "C-01"
expect_out "Ann <b>"
expect_not_out "C-02"
expect_not_out "C-03"
run client list --db "$DB" --json
expect_out '"name": "Ann \u003cb\u003e"'

# Transfer: a client, then every client of a therapist, to another
# therapist; refused to a non-therapist, all-or-nothing.
for u in tara:therapist tom:therapist sue:supervisor; do
	printf '%s-password-1\n' "${u%%:*}" >"$T/pw"
	run --db "$DB" user add --role "${u#*:}" --name "${u%%:*}" \
	    --password-file "$T/pw"
	expect_rc 0 "user add ${u%%:*}"
done
run client add C-10 --db "$DB" --therapist tara
run client add C-11 --db "$DB" --therapist tara
run client transfer C-01 --db "$DB" --therapist tara
expect_rc 0 "client transfer"
expect_out "client C-01 is now with tara"
run client transfer C-01 --db "$DB" --therapist sue
expect_rc 1 "transfer to a supervisor"
expect_err "not a therapist"
run client transfer C-99 --db "$DB" --therapist tom
expect_rc 1 "transfer of an unknown client"
run client transfer --db "$DB" --therapist tom
expect_rc 2 "transfer without a client"
run client transfer C-01 --from tara --db "$DB" --therapist tom
expect_rc 2 "transfer with both CODE and --from"
run client transfer --from tara --db "$DB" --therapist tara
expect_rc 1 "transfer to oneself"
run client transfer --from tara --db "$DB" --therapist sue
expect_rc 1 "transfer --from to a supervisor"
expect_err "nothing was moved"
[ "$(db_sql "$DB" "SELECT count(*) FROM clients c JOIN users u
                   ON u.id = c.therapist_id WHERE u.name = 'tara'")" = 3 ] ||
	fail "a refused transfer moved clients"
run client transfer --from tara --db "$DB" --therapist tom
expect_rc 0 "client transfer --from"
expect_out "moved 3 clients from tara to tom"
run client list --db "$DB" --therapist tom
expect_out "C-01"
expect_out "C-11"
[ "$(db_sql "$DB" "SELECT count(*) FROM audit
                   WHERE action = 'client.transfer'")" = 4 ] ||
	fail "one audit row per client moved"
# Names of therapists past the 64th still show in the listing.
i=0
while [ $i -lt 70 ]; do
	db_sql "$DB" "INSERT INTO users (clinic_id, name, role, created_at)
	              SELECT id, 'many$i', 2, 0 FROM clinics" >/dev/null
	i=$((i + 1))
done
run client add C-12 --db "$DB" --therapist many69
run client list --db "$DB"
expect_rc 0 "client list with 75 users"
expect_out "many69"

run session add --db "$DB" --client C-01 --session 1 --date 2026-01-05
expect_rc 0 "session add"
run session add --db "$DB" --client C-01 --session 1 --date 2026-01-12
expect_rc 1 "duplicate session"
run session add --db "$DB" --client C-99 --session 1
expect_rc 1 "session for unknown client"
run session add --db "$DB" --client C-01 --session 0
expect_rc 2 "session 0"
run session add --db "$DB" --client C-01 --session 2 --date 2026-01-12
expect_rc 0 "session 2"

run record --db "$DB" --client C-01 --session 1 --instrument phq9 \
    --items 3,3,2,2,1,2,2,1,0
expect_rc 0 "record phq9"
expect_out "total 16 (moderately severe)"
run record --db "$DB" --client C-01 --session 2 --instrument phq9 \
    --items 1,1,1,0,,1,0,0,1 --json
expect_rc 0 "record phq9 with one missing and item 9"
expect_out '"total": 6'
expect_out '"prorated": true'
expect_out '"risk-self-harm"'
expect_err "FLAG risk-self-harm"

# Bad values: nothing written.
run record --db "$DB" --client C-01 --session 2 --instrument phq9 \
    --items 1,1,1,0,4,1,0,0,0
expect_rc 1 "value out of range"
expect_err "value 5 (item phq9_5) '4' is not an allowed answer"
run record --db "$DB" --client C-01 --session 2 --instrument phq9 \
    --items 1,1,1
expect_rc 1 "too few values"
run record --db "$DB" --client C-01 --session 2 --instrument phq9 \
    --items 1,1,1,1,1,1,1,1,1,1,1
expect_rc 1 "too many values"
run record --db "$DB" --client C-01 --session 7 --instrument phq9 \
    --items 0,0,0,0,0,0,0,0,0
expect_rc 1 "no such session"
expect_err "has no session 7"
run record --db "$DB" --client C-01 --session 2 --instrument gad7 \
    --items 0,0,0,0,0,0,x
expect_rc 1 "not a number"

run record --db "$DB" --client C-01 --session 2 --instrument mirror-alliance \
    --items 3,3,3,3,3,3,3
expect_rc 0 "therapist mirror"

run report --db "$DB" --client C-01
expect_rc 0 "report"
expect_out "Client C-01 (Ann <b>)"
expect_out "!! session 2"
expect_out "change: 16 -> 6 (-10): recovered"
expect_not_out "session 7"
run report --db "$DB" --client C-01 --json
expect_rc 0 "report --json"
expect_out '"class": "recovered"'
check
n=$(grep -o '"session": ' "$T/out" | wc -l)
[ "$n" -eq 3 ] || fail "report --json: expected 3 scored sessions, saw $n"
run report --db "$DB" --client C-42
expect_rc 1 "report unknown client"

run audit --db "$DB" --limit 0
expect_rc 0 "audit"
expect_out "client.add"
expect_out "response.add"
expect_out "cli:"

for cmd in init client session record report audit demo score instruments; do
	run "$cmd" --help
	expect_rc 0 "$cmd --help"
	expect_out "usage: attune $cmd"
done
run --help
expect_rc 0 "--help"
run --version
expect_out "attune "
finish
