#!/bin/sh
# Session transcripts and the session mirror on the web: upload, view
# (codes, episodes, summary), every role x own/other's client, CSRF,
# markup in a transcript rendered inert, a bad transcript refused with
# nothing stored, and the audit rows. Engine-neutral SQL only.
. "$(dirname "$0")/lib.sh"

DATA="$(dirname "$0")/../data/mirror"
make_clinic
start_server
c1=$(client_id C-01)
c2=$(client_id C-02)
c3=$(client_id C-03)

for u in admin1 sup1 ther1 ther2; do
	s=$(login $u)
	check
	[ "$s" = 303 ] || fail "login $u -> $s"
done
A="-b $T/jar.admin1"
S="-b $T/jar.sup1"
T1="-b $T/jar.ther1"
T2="-b $T/jar.ther2"
ta=$(session_csrf admin1)
t1=$(session_csrf ther1)
t2=$(session_csrf ther2)

ntranscripts() {
	sql "SELECT count(*) FROM transcripts"
}
naudit() {
	sql "SELECT count(*) FROM audit WHERE action = '$1'"
}

# The form: the client's own therapist only.
expect 200 GET /clients/$c1/transcripts/new $T1
body_has 'name="text"'
body_has 'type="file"'
body_has 'name="csrf"'
expect 404 GET /clients/$c1/transcripts/new $T2
expect 403 GET /clients/$c3/transcripts/new $T1
expect 403 GET /clients/$c2/transcripts/new $S
expect 403 GET /clients/$c1/transcripts/new $A
expect 303 GET /clients/$c1/transcripts/new
header_has "Location: /login"

# Upload (as a file read into the form field): 303 to the mirror.
U="--data-urlencode session=2 --data-urlencode format=auto"
expect 303 POST /clients/$c1/transcripts $T1 --data-urlencode "csrf=$t1" \
	$U --data-urlencode "text@$DATA/rupture.txt"
loc=$(sed -n 's/^Location: \(\/clients\/[0-9]*\/transcripts\/[0-9]*\).*/\1/ip' \
      "$T/headers" | tr -d '\r')
check
[ -n "$loc" ] || fail "no Location to the mirror"
tid=${loc##*/}
check
[ "$(ntranscripts)" = 1 ] || fail "one transcript stored, not $(ntranscripts)"
check
[ "$(naudit transcript.add)" = 1 ] || fail "transcript.add not audited"
check
[ "$(sql "SELECT format FROM transcripts WHERE id = $tid")" = text ] ||
	fail "the detected format is stored"

# The mirror: timeline with codes, episodes shaded, repairs, summary.
before=$(naudit transcript.read)
expect 200 GET "$loc" $T1
body_has "Session mirror"
body_has "Summary"
body_has "Reflections : questions"
body_has "0.83 (5 : 6)"
body_has "3, 2 repaired"
body_has "Moments worth another look"
body_has 'class="m-tl"'
body_has 'class="m-code"'
body_has "question/open"
body_has "m-ep m-fixed"
body_has "Rupture episode 3: confrontation"
body_has "Repair: a relational move"
body_has 'class="m-mk"'
body_has 'class="m-mv"'
# Markup in the transcript is text, never markup.
body_lacks "<script>alert"
body_lacks "<b>I can"
body_has "&lt;script&gt;alert("
body_has "&lt;b&gt;I can"
body_lacks 'style="'
check
[ "$(naudit transcript.read)" = $((before + 1)) ] ||
	fail "the view is audited as transcript.read"
# One drawing (attune/mirror_html.h): the page's summary table and
# timeline are byte for byte those of `attune mirror summary --format
# html` on the same file.
sed -n '/<table class="m-sum">/,/<\/ol>/p' "$T/body" |
	grep -v '^<h2>\|^<p class="muted">' >"$T/web.frag"
"$ATTUNE" mirror summary --format html "$DATA/rupture.txt" |
	sed -n '/<table class="m-sum">/,/<\/ol>/p' >"$T/cli.frag"
check
[ -s "$T/web.frag" ] && cmp -s "$T/web.frag" "$T/cli.frag" || {
	fail "the web page's mirror differs from the command line's"
	diff "$T/cli.frag" "$T/web.frag" | head -10
}

# The client page lists it, with the link to add one for the owner.
expect 200 GET /clients/$c1 $T1
body_has "Session transcripts"
body_has "/clients/$c1/transcripts/$tid"
body_has "/clients/$c1/transcripts/new"
check
[ "$(naudit transcript.list)" -ge 1 ] || fail "the listing is audited"

# Who may see it: the own therapist; not another therapist (404), not
# an admin (403), not anonymous (to the sign-in). A wrong client in
# the path is 404, as is a transcript that does not exist.
expect 404 GET "$loc" $T2
expect 403 GET "$loc" $A
expect 303 GET "$loc"
expect 404 GET /clients/$c2/transcripts/$tid $T2
expect 404 GET /clients/$c1/transcripts/999999 $T1
expect 404 GET /clients/$c1/transcripts/0 $T1

# A transcript of C-02 (ther2's, supervised by sup1): the supervisor
# reads it; ther1 (not granted C-02) does not.
expect 303 POST /clients/$c2/transcripts $T2 --data-urlencode "csrf=$t2" \
	$U --data-urlencode "text@$DATA/session.txt"
tid2=$(sed -n 's/^Location: \/clients\/[0-9]*\/transcripts\/\([0-9]*\).*/\1/ip' \
       "$T/headers" | tr -d '\r')
expect 200 GET /clients/$c2/transcripts/$tid2 $S
body_has "Summary"
expect 200 GET /clients/$c2 $S
body_has "/clients/$c2/transcripts/$tid2"
body_lacks "/clients/$c2/transcripts/new"
expect 404 GET /clients/$c2/transcripts/$tid2 $T1
expect 404 GET /clients/$c1/transcripts/$tid2 $T1
# C-03 (ther2's, granted to ther1): ther1 reads, does not add.
expect 303 POST /clients/$c3/transcripts $T2 --data-urlencode "csrf=$t2" \
	$U --data-urlencode "text@$DATA/session.txt"
tid3=$(sed -n 's/^Location: \/clients\/[0-9]*\/transcripts\/\([0-9]*\).*/\1/ip' \
       "$T/headers" | tr -d '\r')
expect 200 GET /clients/$c3/transcripts/$tid3 $T1
n=$(ntranscripts)

# Writes: only the own therapist; the rest change nothing.
expect 403 POST /clients/$c3/transcripts $T1 --data-urlencode "csrf=$t1" \
	$U --data-urlencode "text@$DATA/session.txt"
expect 404 POST /clients/$c2/transcripts $T1 --data-urlencode "csrf=$t1" \
	$U --data-urlencode "text@$DATA/session.txt"
expect 403 POST /clients/$c1/transcripts $A --data-urlencode "csrf=$ta" \
	$U --data-urlencode "text@$DATA/session.txt"
expect 401 POST /clients/$c1/transcripts \
	$U --data-urlencode "text@$DATA/session.txt"
# CSRF: missing or wrong -> 403.
expect 403 POST /clients/$c1/transcripts $T1 \
	$U --data-urlencode "text@$DATA/session.txt"
expect 403 POST /clients/$c1/transcripts $T1 --data-urlencode "csrf=$t2" \
	$U --data-urlencode "text@$DATA/session.txt"
check
[ "$(ntranscripts)" = "$n" ] || fail "a refused write stored something"

# A transcript the reader cannot read: 400 with its message, nothing
# stored, the text kept in the form (escaped).
printf 'speaker,words\nT,<i>hello</i>\n' >"$T/bad.csv"
expect 400 POST /clients/$c1/transcripts $T1 --data-urlencode "csrf=$t1" \
	--data-urlencode session=3 --data-urlencode format=csv \
	--data-urlencode "text@$T/bad.csv"
body_has "could not be read"
body_has "transcript"
body_has "&lt;i&gt;hello"
body_lacks "<i>hello"
printf 'WEBVTT\n\nnot a cue\n' >"$T/bad.vtt"
expect 400 POST /clients/$c1/transcripts $T1 --data-urlencode "csrf=$t1" \
	--data-urlencode session=3 --data-urlencode format=csv \
	--data-urlencode "text@$T/bad.vtt"
expect 400 POST /clients/$c1/transcripts $T1 --data-urlencode "csrf=$t1" \
	--data-urlencode session=0 --data-urlencode format=auto \
	--data-urlencode "text@$DATA/rupture.txt"
body_has "session number"
expect 400 POST /clients/$c1/transcripts $T1 --data-urlencode "csrf=$t1" \
	--data-urlencode session=3 --data-urlencode format=docx \
	--data-urlencode "text@$DATA/rupture.txt"
expect 400 POST /clients/$c1/transcripts $T1 --data-urlencode "csrf=$t1" \
	--data-urlencode session=3 --data-urlencode format=auto \
	--data-urlencode "text="
check
[ "$(ntranscripts)" = "$n" ] || fail "a bad transcript was stored"
check
[ "$(sql "SELECT count(*) FROM sessions s JOIN episodes e ON e.id = s.episode_id WHERE e.client_id = $c1 AND s.number = 3")" = 1 ] ||
	fail "session 3 exists once (made by make_clinic)"

# A new session number with a date makes the session.
expect 303 POST /clients/$c1/transcripts $T1 --data-urlencode "csrf=$t1" \
	--data-urlencode session=7 --data-urlencode date=2026-04-01 \
	--data-urlencode format=text --data-urlencode "text@$DATA/session.txt"
check
[ "$(sql "SELECT date FROM sessions s JOIN episodes e ON e.id = s.episode_id WHERE e.client_id = $c1 AND s.number = 7")" = 2026-04-01 ] ||
	fail "session 7 made with its date"

# Size: over the web's limit -> 413 before the body is read.
expect 413 POST /clients/$c1/transcripts $T1 \
	-H "Content-Type: application/x-www-form-urlencoded" \
	-H "Content-Length: 99999999" --data-binary "x=1"
# Other forms keep the small limit.
head -c 70000 /dev/zero | tr '\0' a >"$T/long"
expect 413 POST /clients/$c1/entry $T1 --data-urlencode "csrf=$t1" \
	--data-urlencode "x@$T/long"

# Audit rows name the actor and the objects.
check
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'transcript.read' AND object = 'transcript:$tid' AND actor = 'web:ther1'")" -ge 1 ] ||
	fail "transcript.read row for ther1"
check
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'transcript.read' AND object = 'transcript:$tid2' AND actor = 'web:sup1'")" = 1 ] ||
	fail "transcript.read row for sup1"
check
[ "$(sql "SELECT detail FROM audit WHERE action = 'transcript.add' AND object = 'transcript:$tid'")" = "client:$c1 session:$(sql "SELECT session_id FROM transcripts WHERE id = $tid")" ] ||
	fail "transcript.add detail"
# No read of a transcript the user was refused.
check
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'transcript.read' AND object = 'transcript:$tid2' AND actor <> 'web:sup1'")" = 0 ] ||
	fail "a refused view wrote a transcript.read row"

# Deleting: the own therapist only, after a confirmation step; others
# as for any write (another therapist and a wrong client path 404, a
# granted colleague, a supervisor and an admin 403, no CSRF 403).
expect 200 GET "$loc" $T1
body_has "$loc/delete"
body_has "Delete this transcript"
expect 200 GET /clients/$c2/transcripts/$tid2 $S
body_lacks "/delete"
expect 200 GET /clients/$c3/transcripts/$tid3 $T1
body_lacks "/delete"
n=$(ntranscripts)
expect 404 POST "$loc/delete" $T2 --data-urlencode "csrf=$t2" -d confirm=1
expect 404 POST /clients/$c2/transcripts/$tid2/delete $T1 \
	--data-urlencode "csrf=$t1" -d confirm=1
expect 403 POST /clients/$c3/transcripts/$tid3/delete $T1 \
	--data-urlencode "csrf=$t1" -d confirm=1
expect 403 POST /clients/$c2/transcripts/$tid2/delete $S \
	--data-urlencode "csrf=$(session_csrf sup1)" -d confirm=1
expect 403 POST "$loc/delete" $A --data-urlencode "csrf=$ta" -d confirm=1
expect 401 POST "$loc/delete" -d confirm=1
expect 403 POST "$loc/delete" $T1 -d confirm=1
expect 403 POST "$loc/delete" $T1 --data-urlencode "csrf=$t2" -d confirm=1
expect 400 POST "$loc/delete" $T1 --data-urlencode "csrf=$t1" -d confirm=yes
expect 405 GET "$loc/delete" $T1
# Another client's transcript under one's own client: absent.
expect 404 POST /clients/$c1/transcripts/$tid2/delete $T1 \
	--data-urlencode "csrf=$t1" -d confirm=1
expect 404 POST /clients/$c1/transcripts/999999/delete $T1 \
	--data-urlencode "csrf=$t1" -d confirm=1
expect 404 POST /clients/$c1/transcripts/$tid2/delete $T1 \
	--data-urlencode "csrf=$t1"
# Without confirm=1: the question, nothing deleted.
expect 200 POST "$loc/delete" $T1 --data-urlencode "csrf=$t1"
body_has "Delete for good"
body_has 'name="confirm" value="1"'
body_has "Cancel"
check
[ "$(ntranscripts)" = "$n" ] || fail "a refused or unconfirmed delete deleted"
check
[ "$(naudit transcript.delete)" = 0 ] || fail "a refused delete was audited"
# Confirmed: gone, audited with its client and session, back to the
# client page; a second delete and the mirror are 404.
sid=$(sql "SELECT session_id FROM transcripts WHERE id = $tid")
expect 303 POST "$loc/delete" $T1 --data-urlencode "csrf=$t1" -d confirm=1
header_has "Location: /clients/$c1"
check
[ "$(ntranscripts)" = $((n - 1)) ] || fail "the transcript was not deleted"
check
[ "$(sql "SELECT count(*) FROM transcripts WHERE id = $tid")" = 0 ] ||
	fail "transcript $tid still there"
check
[ "$(sql "SELECT detail FROM audit WHERE action = 'transcript.delete' AND object = 'transcript:$tid' AND actor = 'web:ther1'")" = "client:$c1 session:$sid" ] ||
	fail "transcript.delete audit row"
expect 404 POST "$loc/delete" $T1 --data-urlencode "csrf=$t1" -d confirm=1
expect 404 GET "$loc" $T1
expect 200 GET /clients/$c1 $T1
body_lacks "/clients/$c1/transcripts/$tid\""

stop_server
finish
