#!/bin/sh
# Check-in links from creation to thank-you: single use, expiry, kind
# pages for unknown, expired and used links, answers checked before
# anything is written; a paper form entered by hand; the new point shows
# on the therapist's page; answers survive a SIGTERM.
. "$(dirname "$0")/lib.sh"

make_clinic
start_server
c1=$(client_id C-01)
login ther1 >/dev/null
t1=$(session_csrf ther1)
J="-b $T/jar.ther1"

# new_link [FIELDS]: create a link for C-01; sets $tok.
new_link() {
	expect 201 POST /clients/$c1/links $J \
		-d "csrf=$t1&use.phq9=1&use.checkin-alliance=1${1:-}"
	url=$(sed -n 's/.*id="link">\([^<]*\)<.*/\1/p' "$T/body")
	tok=${url##*/c/}
	check
	[ ${#tok} -eq 43 ] || fail "link token '$tok' is not 43 characters"
}

new_link
body_has '<svg class="qr"'
body_has "/c/$tok"
# Only the hash is stored.
check
[ "$(sql "SELECT count(*) FROM checkin_links WHERE token_hash LIKE '%$tok%'")" = 0 ] ||
	fail "the token itself is stored"
check
[ "$(sql "SELECT expires_at - created_at FROM checkin_links")" = 345600 ] ||
	fail "a link does not expire after 4 days by default"

# The client's page: phone-sized, no account, no therapist session.
expect 200 GET /c/$tok
body_has "Your check-in"
body_has 'name="a.phq9.1"'
body_has 'name="a.checkin-alliance.7"'
body_has 'name="viewport"'
body_lacks "C-01"
body_lacks "Ann"
body_lacks "Sign out"
lt=$(csrf_in_body)

# Refused before anything is written.
n0=$(sql "SELECT count(*) FROM responses")
expect 403 POST /c/$tok -d "a.phq9.1=1"
expect 403 POST /c/$tok -d "csrf=$t1&a.phq9.1=1"
expect 400 POST /c/$tok -d "csrf=$lt&a.phq9.1=7"
body_has "could not be read"
expect 400 POST /c/$tok -d "csrf=$lt&a.phq9.1=abc"
expect 400 POST /c/$tok -d "csrf=$lt&a.phq9.11=1"
expect 400 POST /c/$tok -d "csrf=$lt&a.gad7.1=1"
expect 400 POST /c/$tok -d "csrf=$lt&other=1"
expect 400 POST /c/$tok -d "csrf=$lt"
body_has "at least one question"
check
[ "$(sql "SELECT count(*) FROM responses")" = "$n0" ] ||
	fail "a refused check-in wrote answers"
check
[ "$(sql "SELECT count(*) FROM checkin_links WHERE used_at IS NULL")" = 1 ] ||
	fail "a refused check-in spent the link"

# Answered: one transaction with its session; the link is spent. The
# therapist lets the client see their own course afterwards.
expect 303 POST /clients/$c1/progress-view $J -d "csrf=$t1&allow=1"
expect 200 POST /c/$tok -d "csrf=$lt&a.phq9.1=0&a.phq9.2=1&a.phq9.3=0&a.phq9.4=1&a.phq9.5=0&a.phq9.6=0&a.phq9.7=1&a.phq9.8=0&a.phq9.9=0&a.checkin-alliance.1=4&a.checkin-alliance.2=4"
body_has "Your answers have been saved"
body_has "Your course so far"
check
[ "$(sql "SELECT count(*) FROM responses")" = $((n0 + 2)) ] ||
	fail "the check-in did not store two responses"
check
[ "$(sql "SELECT max(number) FROM sessions s JOIN episodes e ON e.id = s.episode_id WHERE e.client_id = $c1")" = 4 ] ||
	fail "the check-in did not add the next session (4)"
check
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'link.use' AND actor = 'web:check-in' AND origin = '127.0.0.1'")" = 1 ] ||
	fail "link use not audited"

# Used: kindly refused, and nothing more is written.
expect 410 GET /c/$tok
body_has "This check-in is done"
expect 410 POST /c/$tok -d "csrf=$lt&a.phq9.1=1"
check
[ "$(sql "SELECT count(*) FROM responses")" = $((n0 + 2)) ] ||
	fail "a used link wrote answers"

# The therapist sees the new point on the chart.
expect 200 GET /clients/$c1 $J
body_has "PHQ-9, session 4: 3"
body_has "answered"

# Expired: kindly refused.
new_link "&session=2"
lt=$(cu -o - "$B/c/$tok" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n 1)
sql "UPDATE checkin_links SET created_at = 1000, expires_at = 2000
     WHERE used_at IS NULL"
expect 410 GET /c/$tok
body_has "This link has expired"
expect 410 POST /c/$tok -d "csrf=$lt&a.phq9.1=1"
body_lacks "Traceback"

# Unknown and malformed: the same kind page, nothing revealed.
expect 404 GET /c/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
body_has "This link does not work"
expect 404 GET /c/short
expect 404 GET "/c/$tok/x"
expect 404 GET "/c/%3Cscript%3E"

# A link for a given session answers into that session.
new_link "&session=2"
lt=$(cu -o - "$B/c/$tok" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n 1)
expect 200 POST /c/$tok -d "csrf=$lt&a.checkin-alliance.1=2"
check
[ "$(sql "SELECT count(*) FROM responses r JOIN sessions s ON s.id = r.session_id WHERE s.number = 2 AND r.instrument = 'checkin-alliance'")" = 2 ] ||
	fail "the answers did not go to session 2"

# A paper form entered by hand: checked first, then stored.
n1=$(sql "SELECT count(*) FROM responses")
expect 400 POST /clients/$c1/entry $J -d "csrf=$t1&instrument=phq9&session=5&date=2026-05-01&a.1=9"
body_has "Item 1 has an answer"
expect 400 POST /clients/$c1/entry $J -d "csrf=$t1&instrument=phq9&session=5&date=2026-05-01"
expect 400 POST /clients/$c1/entry $J -d "csrf=$t1&instrument=phq9&session=5&date=2026-02-30&a.1=1"
expect 400 POST /clients/$c1/entry $J -d "csrf=$t1&instrument=phq9&session=5&date=2026-05-01&a.99=1"
check
[ "$(sql "SELECT count(*) FROM responses")" = "$n1" ] ||
	fail "a refused paper form wrote answers"
check
[ "$(sql "SELECT count(*) FROM sessions s JOIN episodes e ON e.id = s.episode_id WHERE e.client_id = $c1 AND s.number = 5")" = 0 ] ||
	fail "a refused paper form left a session behind"
expect 303 POST /clients/$c1/entry $J -d "csrf=$t1&instrument=phq9&session=5&date=2026-05-01&a.1=3&a.2=3&a.3=3&a.4=3&a.5=3&a.6=3&a.7=3&a.8=3&a.9=1&a.10=2"
expect 200 GET /clients/$c1 $J
body_has "PHQ-9, session 5: 25"
body_has "Flags that need attention"
expect 303 POST /clients/$c1/entry $J -d "csrf=$t1&instrument=mirror-alliance&session=5&date=2026-05-01&a.1=3&a.2=3&a.3=3&a.4=3&a.5=3&a.6=3&a.7=3"
check
[ "$(sql "SELECT respondent FROM responses WHERE instrument = 'mirror-alliance'")" = 1 ] ||
	fail "the therapist's mirror was not stored as the therapist's"

# The form sends its optional fields empty (a browser found this): empty
# session and days mean the defaults.
expect 201 POST /clients/$c1/links $J \
	-d "csrf=$t1&use.phq9=1&session=&days="

# Answers stored before a SIGTERM are there after it.
stop_server
check
# SQLite: every commit waited for the disk; the log says how many syncs
# they shared (at least one, never more than the commits). PostgreSQL
# syncs its own WAL at commit and keeps no such count here.
if ! on_pg; then
	line=$(grep "durable commits:" "$T/serve.log") ||
		fail "no group-commit line in the log"
	commits=$(printf '%s\n' "$line" |
	          sed -n 's/.*durable commits: \([0-9]*\),.*/\1/p')
	syncs=$(printf '%s\n' "$line" |
	        sed -n 's/.*sharing \([0-9]*\) disk.*/\1/p')
	[ -n "$commits" ] && [ -n "$syncs" ] && [ "$syncs" -ge 1 ] &&
		[ "$syncs" -le "$commits" ] ||
		fail "group-commit counts wrong: $line"
	check
fi
[ "$(sql "SELECT count(*) FROM responses")" = $((n1 + 2)) ] ||
	fail "answers lost over the shutdown"
finish
