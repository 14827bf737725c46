#!/bin/sh
# The admin's pages (users, roles, passwords, sign-in, supervision,
# grants, clinic settings, the audit log and its CSV export), everyone's
# own account, and a therapist adding a client: every route x every role
# -> the right status, CSRF, declared fields, what each change does, and
# markup rendered inert.
# Roles: anonymous, admin1, sup1 (supervises ther2), ther1, ther2.
. "$(dirname "$0")/lib.sh"

make_clinic
XSS='<script>alert(1)</script>"'"'"'&x'
printf 'ther9-password-1\n' >"$T/pw.ther9"
at user add --role therapist --name ther9 --display-name "$XSS" \
   --password-file "$T/pw.ther9"
# A client code with markup, written behind the command line's back.
sql "INSERT INTO clients (clinic_id, therapist_id, code, created_at)
     SELECT 1, id, '<i>C-X</i>', 0 FROM users WHERE name = 'ther2'"
at token create --user ther9 --label bridge
TOKEN9=$(tail -n 1 "$T/at.out")
start_server
c1=$(client_id C-01)
c3=$(client_id C-03)
uid() { sql "SELECT id FROM users WHERE name = '$1'"; }
a1=$(uid admin1)
s1=$(uid sup1)
t1id=$(uid ther1)
t2id=$(uid ther2)
t9id=$(uid ther9)

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
ts=$(session_csrf sup1)
t1=$(session_csrf ther1)
t2=$(session_csrf ther2)
BAD=0000000000000000000000000000000000000000000000000000000000000000

# ---- Every new GET route x every role ----
for p in /admin/users /admin/users/$t1id /admin/grants /admin/settings \
         /admin/audit /admin/audit.csv; do
	expect 303 GET "$p"
	header_has "Location: /login"
	expect 403 GET "$p" $T1
	expect 403 GET "$p" $S
	expect 200 GET "$p" $A
done
expect 404 GET /admin/users/99999 $A
expect 303 GET /account
for j in "$A" "$S" "$T1" "$T2"; do
	expect 200 GET /account $j
	body_has "Change your password"
	body_has 'href="/account"'
done
expect 405 GET /clients $T1

# Navigation: each role sees its own links.
status GET /account $A >/dev/null
for l in /admin/users /admin/grants /admin/settings /admin/audit; do
	body_has "href=\"$l\""
done
body_lacks 'href="/caseload"'
status GET /account $T1 >/dev/null
body_has 'href="/caseload"'
body_lacks 'href="/admin/'
body_has 'aria-current="page"'

# ---- Every new POST route x every role, and CSRF ----
# route|fields (without csrf)|admin's status
while IFS='|' read -r route fields code; do
	[ -n "$route" ] || continue
	expect 401 POST "$route" -d "csrf=$ta&$fields"
	expect 403 POST "$route" $T1 -d "csrf=$t1&$fields"
	expect 403 POST "$route" $S -d "csrf=$ts&$fields"
	expect 403 POST "$route" $A -d "$fields"
	expect 403 POST "$route" $A -d "csrf=$BAD&$fields"
	expect 403 POST "$route" $A -d "csrf=$t1&$fields"
	expect 400 POST "$route" $A -d "csrf=$ta&$fields&colour=red"
	expect "$code" POST "$route" $A -d "csrf=$ta&$fields"
done <<EOF
/admin/users/$t9id/role|role=therapist|200
/admin/users/$t9id/transfer|to=$t1id|200
/admin/users/$t9id/password|password=ther9-password-2|200
/admin/supervision|supervisor=$s1&therapist=$t1id|200
/admin/supervision/remove|supervisor=$s1&therapist=$t1id|200
/admin/grants|user=$t2id&client=C-01|200
/admin/grants/remove|user=$t2id&client=$c1|200
/admin/settings|link_days=4&use.phq9=1&use.checkin-alliance=1&use.gad7=1&use.core10=1&use.checkin-patterns=1&use.checkin-capacities=1&use.ecr-rs=1|200
EOF
# Own account: every role, CSRF required.
for u in admin1 sup1 ther1 ther2; do
	expect 403 POST /account/password -b "$T/jar.$u" \
		-d "current=x&password=y&password2=y"
	expect 403 POST /account/logout-all -b "$T/jar.$u" -d "csrf=$BAD"
done
expect 401 POST /account/password -d "csrf=$t1&current=x&password=y&password2=y"
expect 401 POST /account/logout-all -d "csrf=$t1"
expect 400 POST /account/password $T1 -d "csrf=$t1&current=x&password=y"
# Adding a client: therapists only, CSRF required.
expect 401 POST /clients -d "csrf=$t1&code=C-50"
expect 403 POST /clients $A -d "csrf=$ta&code=C-50"
expect 403 POST /clients $S -d "csrf=$ts&code=C-50"
expect 403 POST /clients $T1 -d "code=C-50"
expect 403 POST /clients $T1 -d "csrf=$t2&code=C-50"
expect 400 POST /clients $T1 -d "csrf=$t1&code=C-50&therapist=$t2id"
check
[ "$(sql "SELECT count(*) FROM clients WHERE code = 'C-50'")" = 0 ] ||
	fail "a refused POST added a client"

# ---- The admin sees no clinical data ----
expect 403 GET /caseload $A
expect 403 GET /clients/$c1 $A
expect 403 GET "/clients/$c1/entry?instrument=phq9" $A
status GET /admin/users $A >/dev/null
body_lacks "Ann"
body_lacks "PHQ"

# ---- Users: roles, last sign-in, markup inert ----
expect 200 GET /admin/users $A
body_has "Last sign-in"
body_has "<time datetime="
body_has "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;x"
body_lacks "<script>alert(1)"
expect 200 GET /admin/users/$t9id $A
body_has "&lt;script&gt;"
body_lacks "<script>alert(1)"

# A therapist with clients stays a therapist until the clients are
# with someone else: 409, nothing changed.
expect 409 POST /admin/users/$t2id/role $A -d "csrf=$ta&role=supervisor"
body_has "still has clients"
check
[ "$(sql "SELECT role FROM users WHERE id = $t2id")" = 2 ] ||
	fail "the role of a therapist with clients changed"
expect 200 GET /admin/users/$t2id $A
body_has "Move all their clients"
body_has 'action="/admin/users/'"$t2id"'/transfer"'
# Moving them: only to another therapist of the clinic.
expect 400 POST /admin/users/$t2id/transfer $A -d "csrf=$ta&to=$s1"
expect 400 POST /admin/users/$t2id/transfer $A -d "csrf=$ta&to=$t2id"
expect 400 POST /admin/users/$t2id/transfer $A -d "csrf=$ta&to=99999"
expect 400 POST /admin/users/$s1/transfer $A -d "csrf=$ta&to=$t1id"
expect 404 POST /admin/users/99999/transfer $A -d "csrf=$ta&to=$t1id"
check
[ "$(sql "SELECT count(*) FROM clients WHERE therapist_id = $t2id")" = 3 ] ||
	fail "a refused transfer moved clients"
expect 200 POST /admin/users/$t2id/transfer $A -d "csrf=$ta&to=$t9id"
body_has "Moved 3 clients from ther2 to ther9."
check
[ "$(sql "SELECT count(*) FROM clients WHERE therapist_id = $t9id")" = 3 ] ||
	fail "the clients were not moved"
check
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'client.transfer'
          AND detail = 'from:user:$t2id to:user:$t9id'")" = 3 ] ||
	fail "no audit row per moved client"
c2=$(client_id C-02)
expect 404 GET /clients/$c2 $T2

# Role change: ther2 becomes a supervisor and back; signed out, and
# supervision that no longer fits ends.
expect 200 POST /admin/users/$t2id/role $A -d "csrf=$ta&role=supervisor"
body_has "is now supervisor"
check
[ "$(sql "SELECT role FROM users WHERE id = $t2id")" = 1 ] || fail "role not changed"
check
[ "$(sql "SELECT count(*) FROM supervision WHERE therapist_id = $t2id")" = 0 ] ||
	fail "supervision of a supervisor left"
check
[ "$(sql "SELECT count(*) FROM web_sessions WHERE user_id = $t2id")" = 0 ] ||
	fail "sessions left after a role change"
expect 303 GET /caseload $T2
expect 200 POST /admin/users/$t2id/role $A -d "csrf=$ta&role=therapist"
expect 200 POST /admin/users/$t2id/role $A -d "csrf=$ta&role=therapist"
body_has "already"
expect 400 POST /admin/users/$t2id/role $A -d "csrf=$ta&role=wizard"
expect 404 POST /admin/users/99999/role $A -d "csrf=$ta&role=admin"
# Not one's own account.
expect 409 POST /admin/users/$a1/role $A -d "csrf=$ta&role=therapist"
expect 409 POST /admin/users/$a1/password $A -d "csrf=$ta&password=admin1-password-2"
expect 409 POST /admin/users/$a1/disable $A -d "csrf=$ta"
check
[ "$(sql "SELECT role FROM users WHERE id = $a1")" = 0 ] || fail "own role changed"
sql "INSERT INTO supervision (supervisor_id, therapist_id, created_at) VALUES ($s1, $t2id, 0)"
# And the clients back to ther2 (the rest of this test expects them).
expect 200 POST /admin/users/$t9id/transfer $A -d "csrf=$ta&to=$t2id"
body_has "Moved 3 clients from ther9 to ther2."

# Password reset by the admin: old sessions end, the old password fails,
# the new one works.
s=$(login ther2)
t2=$(session_csrf ther2)
expect 200 GET /caseload $T2
expect 400 POST /admin/users/$t2id/password $A -d "csrf=$ta&password=short"
expect 200 POST /admin/users/$t2id/password $A -d "csrf=$ta&password=ther2-password-new"
body_has "signed out everywhere"
expect 303 GET /caseload $T2
check
[ "$(login ther2)" = 401 ] || fail "the old password still works after a reset"
check
[ "$(login ther2 ther2-password-new)" = 303 ] || fail "the new password does not work"
t2=$(session_csrf ther2)

# Disable: no sign-in, no sessions, API tokens revoked; a new password
# enables the account again.
expect 200 GET /api/v1/clients -H "Authorization: Bearer $TOKEN9"
login ther9 ther9-password-2 >/dev/null
expect 200 GET /caseload -b "$T/jar.ther9"
expect 200 POST /admin/users/$t9id/disable $A -d "csrf=$ta"
body_has "can no longer sign in"
body_has "1 API token(s) revoked"
expect 303 GET /caseload -b "$T/jar.ther9"
expect 401 GET /api/v1/clients -H "Authorization: Bearer $TOKEN9"
check
[ "$(login ther9 ther9-password-2)" = 401 ] || fail "a disabled user signed in"
expect 200 GET /admin/users $A
body_has "disabled"
expect 200 POST /admin/users/$t9id/password $A -d "csrf=$ta&password=ther9-password-3"
check
[ "$(login ther9 ther9-password-3)" = 303 ] || fail "re-enabled user cannot sign in"

# ---- Supervision: add and remove ----
expect 200 POST /admin/supervision $A -d "csrf=$ta&supervisor=$s1&therapist=$t1id"
expect 200 GET /clients/$c1 $S
expect 200 GET /admin/users $A
body_has "End: sup1 supervises ther1"
expect 200 POST /admin/supervision/remove $A -d "csrf=$ta&supervisor=$s1&therapist=$t1id"
body_has "The supervision was ended."
expect 404 GET /clients/$c1 $S
expect 404 POST /admin/supervision/remove $A -d "csrf=$ta&supervisor=$s1&therapist=$t1id"
expect 400 POST /admin/supervision/remove $A -d "csrf=$ta&supervisor=x&therapist=$t1id"

# ---- Grants by client code ----
expect 404 GET /clients/$c1 $T2
expect 200 POST /admin/grants $A -d "csrf=$ta&user=$t2id&client=C-01"
body_has "may now read client C-01"
expect 200 GET /clients/$c1 $T2
body_has "Read-only"
expect 403 POST /clients/$c1/links $T2 -d "csrf=$t2&use.phq9=1"
expect 200 GET /admin/grants $A
body_has "C-01"
body_has "C-03"
body_lacks "Ann"
expect 200 POST /admin/grants $A -d "csrf=$ta&user=$t2id&client=C-01"
body_has "already"
expect 404 POST /admin/grants $A -d "csrf=$ta&user=$t2id&client=NOPE"
body_has "There is no client with the code NOPE."
expect 400 POST /admin/grants $A -d "csrf=$ta&user=$t2id&client=a+b"
expect 400 POST /admin/grants $A -d "csrf=$ta&user=$a1&client=C-01"
expect 409 POST /admin/grants $A -d "csrf=$ta&user=$t1id&client=C-01"
expect 200 POST /admin/grants $A -d "csrf=$ta&user=$t1id&client=<i>C-X</i>"
body_has "&lt;i&gt;C-X&lt;/i&gt;"
body_lacks "<i>C-X"
expect 200 POST /admin/grants/remove $A -d "csrf=$ta&user=$t2id&client=$c1"
body_has "The access was withdrawn."
expect 404 GET /clients/$c1 $T2
expect 404 POST /admin/grants/remove $A -d "csrf=$ta&user=$t2id&client=$c1"
check
[ "$(sql "SELECT count(*) FROM audit WHERE action IN ('grant.add', 'grant.remove')")" -ge 3 ] ||
	fail "grants not audited"

# ---- Clinic settings ----
ALL="use.phq9=1&use.gad7=1&use.checkin-alliance=1"
expect 400 POST /admin/settings $A -d "csrf=$ta&link_days=31&$ALL"
body_has "from 1 to 30"
expect 400 POST /admin/settings $A -d "csrf=$ta&link_days=0&$ALL"
expect 400 POST /admin/settings $A -d "csrf=$ta&link_days=seven&$ALL"
expect 400 POST /admin/settings $A -d "csrf=$ta&link_days=7"
body_has "at least one instrument"
expect 400 POST /admin/settings $A -d "csrf=$ta&link_days=7&$ALL&use.nope=1"
expect 200 POST /admin/settings $A -d "csrf=$ta&link_days=7&sees_progress=1&$ALL"
body_has "The settings were saved."
body_has 'value="7"'
check
[ "$(sql "SELECT value FROM clinic_settings WHERE name = 'link_days'")" = 7 ] ||
	fail "link_days not stored"
used=",$(sql "SELECT value FROM clinic_settings WHERE name = 'instruments'"),"
for i in phq9 gad7 checkin-alliance; do
	check
	case $used in *",$i,"*) ;; *) fail "$i not stored as in use ($used)";; esac
done
check
case $used in *,core10,*) fail "core10 stored as in use";; esac
check
[ "$(sql "SELECT value FROM clinic_settings WHERE name = 'sees_progress_default'")" = 1 ] ||
	fail "sees_progress_default not stored"
expect 200 GET /admin/settings $A
body_has 'name="use.core10" value="1">'
body_has 'name="use.phq9" value="1" checked>'
check
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'setting.set'")" -ge 3 ] ||
	fail "settings not audited"

# ---- A therapist adds a client ----
expect 200 GET /caseload $T1
body_has "Add a client"
body_has 'action="/clients"'
expect 200 GET /caseload $S
body_lacks "Add a client"
expect 303 POST /clients $T1 -d "csrf=$t1&code=C-50&display_name=$(printf '%s' "$XSS" | sed 's/&/%26/g;s/</%3C/g;s/>/%3E/g;s/"/%22/g;s/'"'"'/%27/g')&started=2026-03-01"
c50=$(client_id C-50)
header_has "Location: /clients/$c50"
check
[ "$(sql "SELECT therapist_id FROM clients WHERE code = 'C-50'")" = "$t1id" ] ||
	fail "the new client is not on ther1's caseload"
check
[ "$(sql "SELECT started FROM episodes WHERE client_id = $c50")" = 2026-03-01 ] ||
	fail "the start of care was not stored"
check
[ "$(sql "SELECT sees_progress FROM clients WHERE id = $c50")" = 1 ] ||
	fail "the clinic's default for the client's own view was not applied"
check
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'client.add' AND actor = 'web:ther1'")" = 1 ] ||
	fail "adding a client is not audited"
expect 200 GET /caseload $T1
body_has "C-50"
body_has "&lt;script&gt;alert(1)&lt;/script&gt;"
body_lacks "<script>alert(1)"
expect 200 GET /clients/$c50 $T1
body_lacks "<script>alert(1)"
expect 404 GET /clients/$c50 $T2
expect 303 POST /clients $T1 -d "csrf=$t1&code=C-51&display_name=&started="
expect 409 POST /clients $T1 -d "csrf=$t1&code=C-50"
body_has "That code is in use"
expect 409 POST /clients $T2 -d "csrf=$t2&code=C-01"
expect 400 POST /clients $T1 -d "csrf=$t1&code="
body_has "Enter a code"
expect 400 POST /clients $T1 -d "csrf=$t1&code=%3Cb%3E"
body_has "letters"
body_lacks "<b>"
expect 400 POST /clients $T1 -d "csrf=$t1&code=C-52&started=2026-02-30"
body_has "not a calendar date"
body_has 'value="C-52"'
expect 400 POST /clients $T1 -d "csrf=$t1&code=C-52&started=yesterday"
check
[ "$(sql "SELECT count(*) FROM clients WHERE code = 'C-52'")" = 0 ] ||
	fail "a refused client was added"
# Settings back: the client's own view off by default.
expect 200 POST /admin/settings $A -d "csrf=$ta&link_days=7&$ALL"
expect 303 POST /clients $T1 -d "csrf=$t1&code=C-53"
check
[ "$(sql "SELECT sees_progress FROM clients WHERE code = 'C-53'")" = 0 ] ||
	fail "sees_progress default not honoured when off"

# Where links are made: the lifetime and the instruments in use hold.
expect 201 POST /clients/$c1/links $T1 -d "csrf=$t1&use.phq9=1"
body_has "for 7 days"
expect 200 GET /clients/$c1 $T1
body_has 'name="days" inputmode="numeric" value="7"'
body_has 'name="use.gad7"'
body_lacks 'name="use.checkin-patterns"'
body_lacks '<option value="checkin-patterns">'
expect 400 POST /clients/$c1/links $T1 -d "csrf=$t1&use.checkin-patterns=1"
expect 201 POST /clients/$c1/links $T1 -d "csrf=$t1&use.phq9=1&days=2"
body_has "for 2 days"

# ---- The audit log ----
expect 200 GET /admin/audit $A
body_has "audit.read"
body_has "client.add"
body_has "Export these rows as CSV"
expect 200 GET "/admin/audit?user=ther1&action=client.add" $A
body_has "web:ther1"
body_lacks "web:admin1</td>"
expect 200 GET "/admin/audit?action=grant." $A
body_has "grant.add"
body_has "grant.remove"
body_lacks "<td>client.add</td>"
expect 200 GET "/admin/audit?client=C-01&action=grant." $A
body_has "grant.add"
expect 200 GET "/admin/audit?user=nobody" $A
body_has "There is no user nobody."
body_has "No rows match."
expect 200 GET "/admin/audit?since=&until=&user=&client=&action=&page=" $A
expect 200 GET "/admin/audit?since=2020-01-01&until=2099-12-31" $A
body_has "client.add"
expect 200 GET "/admin/audit?until=2020-01-01" $A
body_has "No rows match."
expect 400 GET "/admin/audit?since=2026-02-30" $A
body_has "not a calendar date"
expect 400 GET "/admin/audit?since=2026-03-02&until=2026-03-01" $A
expect 400 GET "/admin/audit?since=yesterday" $A
expect 400 GET "/admin/audit?colour=red" $A
expect 400 GET "/admin/audit?page=0" $A
expect 400 GET "/admin/audit?page=x" $A
# Markup in filters is shown inert.
expect 200 GET "/admin/audit?user=%3Cscript%3E&action=%22%3E%3Cb%3E" $A
body_lacks "<script>"
body_lacks '"><b>'
# Pages: 50 rows each, newest first.
expect 200 GET "/admin/audit?page=2" $A
body_has "Page 2"
body_has 'rel="prev"'
n=$(sql "SELECT count(*) FROM audit")
check
[ "$n" -gt 60 ] || fail "too few audit rows for paging ($n)"
expect 200 GET /admin/audit $A
body_has 'rel="next"'
check
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'audit.read' AND actor = 'web:admin1'")" -ge 10 ] ||
	fail "reading the audit log is not audited"

# CSV export: an attachment, one row per entry, formulas defused.
sql "INSERT INTO audit (at, user_id, actor, origin, action, object, detail)
     VALUES ($(date +%s), NULL, '=HYPERLINK(\"http://x\",\"y\")',
             '+1', 'test.inject', '-2+3', '@SUM(A1), \"q\"')"
expect 200 GET "/admin/audit.csv?action=test.inject" $A
header_has "Content-Type: text/csv"
header_has 'Content-Disposition: attachment; filename="attune-audit-'
check
head -n 1 "$T/body" | tr -d '\r' | grep -qx "id,at,user_id,actor,origin,action,object,detail" ||
	fail "CSV header line"
check
[ "$(wc -l <"$T/body")" -eq 2 ] || fail "CSV: want 1 row, got $(($(wc -l <"$T/body") - 1))"
body_has "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""
body_has ",'+1,"
body_has ",'-2+3,"
body_has "\"'@SUM(A1), \"\"q\"\"\""
check
if tr -d '\r' <"$T/body" | grep -q '^[^,]*,[^,]*,[^,]*,='; then
	fail "a CSV cell starts with ="
fi
expect 200 GET /admin/audit.csv $A
check
[ "$(wc -l <"$T/body")" -gt 60 ] || fail "the full export is short"
body_has ",audit.read,"
body_has ",client.add,"
check
# Three exports: the route check at the top and the two above.
n=$(sql "SELECT count(*) FROM audit WHERE action = 'audit.export'")
[ "$n" = 3 ] || fail "exporting the audit log is not audited ($n rows)"
expect 400 GET "/admin/audit.csv?page=2" $A
expect 400 GET "/admin/audit.csv?since=2026-13-01" $A
expect 403 GET /admin/audit.csv $T1

# ---- Own account: password change and sign out everywhere ----
cp "$T/jar.ther1" "$T/jar.ther1b"       # the same session in a 2nd jar
s=$(login ther1)                        # and a second session
t1=$(session_csrf ther1)
expect 403 POST /account/password $T1 -d "csrf=$t1&current=wrong-password-0&password=ther1-password-2&password2=ther1-password-2"
body_has "The current password is not right."
expect 400 POST /account/password $T1 -d "csrf=$t1&current=ther1-password-1&password=short&password2=short"
expect 400 POST /account/password $T1 -d "csrf=$t1&current=ther1-password-1&password=ther1-password-2&password2=ther1-password-3"
body_has "differ"
expect 200 POST /account/password $T1 -c "$T/jar.ther1" -d "csrf=$t1&current=ther1-password-1&password=ther1-password-2&password2=ther1-password-2"
body_has "Your password was changed."
header_has "Set-Cookie: attune_session="
expect 200 GET /caseload $T1
expect 303 GET /caseload -b "$T/jar.ther1b"
check
[ "$(sql "SELECT count(*) FROM web_sessions WHERE user_id = $t1id")" = 1 ] ||
	fail "other sessions left after a password change"
# The old CSRF token died with the old session.
expect 403 POST /account/logout-all $T1 -d "csrf=$t1"
check
[ "$(login ther1 ther1-password-1)" = 401 ] || fail "the old password still works"
check
[ "$(login ther1 ther1-password-2)" = 303 ] || fail "the new password does not work"
cp "$T/jar.ther1" "$T/jar.ther1b"
login ther1 ther1-password-2 >/dev/null
t1=$(session_csrf ther1)
expect 303 POST /account/logout-all $T1 -d "csrf=$t1"
header_has "Location: /login"
check
[ "$(sql "SELECT count(*) FROM web_sessions WHERE user_id = $t1id")" = 0 ] ||
	fail "sessions left after signing out everywhere"
expect 303 GET /caseload -b "$T/jar.ther1b"
check
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'auth.logout-all'")" -ge 1 ] ||
	fail "signing out everywhere is not audited"
# Wrong current passwords count as failed sign-ins (rate limited).
login ther2 ther2-password-new >/dev/null
t2=$(session_csrf ther2)
for i in 1 2 3 4 5; do
	status POST /account/password $T2 -d "csrf=$t2&current=bad-password-$i&password=ther2-password-9&password2=ther2-password-9" >/dev/null
done
expect 429 POST /account/password $T2 -d "csrf=$t2&current=ther2-password-new&password=ther2-password-9&password2=ther2-password-9"
header_has "Retry-After:"

stop_server
finish
