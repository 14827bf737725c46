#!/bin/sh
# The clinic overview page (/clinic) and a user's site on the admin's
# user page: every role -> the right status, aggregates only (no client
# code), audited, the numbers of the fixture by hand, and the site form's
# CSRF, validation and effect. Runs on both engines (web_*_pg).
. "$(dirname "$0")/lib.sh"

make_clinic
# C-01 (ther1): PHQ-9 14 -> 10 -> 0 by session: -14, reliably improved
# and recovered. C-02 (ther2): 5 -> 14: +9, reliably worse.
at session add --client C-01 --session 4 --date 2026-04-01
at record --client C-01 --session 4 --instrument phq9 \
   --items 0,0,0,0,0,0,0,0,0,0
at session add --client C-02 --session 1 --date 2026-01-01
at session add --client C-02 --session 2 --date 2026-02-01
at record --client C-02 --session 1 --instrument phq9 \
   --items 1,1,1,1,1,0,0,0,0,0
at record --client C-02 --session 2 --instrument phq9 \
   --items 2,2,2,2,2,1,1,1,1,0
at site add North
at site add "South & <b>East</b>"
start_server
uid() { sql "SELECT id FROM users WHERE name = '$1'"; }
t1id=$(uid ther1)
t2id=$(uid ther2)
north=$(sql "SELECT id FROM sites WHERE name = 'North'")
south=$(sql "SELECT id FROM sites WHERE name <> 'North'")

for u in admin1 sup1 ther1; do
	s=$(login $u)
	check
	[ "$s" = 303 ] || fail "login $u -> $s"
done
A="-b $T/jar.admin1"
S="-b $T/jar.sup1"
T1="-b $T/jar.ther1"
ta=$(session_csrf admin1)
t1=$(session_csrf ther1)

# ---- /clinic: role x status ----
expect 303 GET /clinic
header_has "Location: /login"
expect 403 GET /clinic $T1
expect 403 GET "/clinic?by=site" $T1
n0=$(sql "SELECT count(*) FROM audit WHERE action = 'clinic.overview'")
expect 200 GET /clinic $A
body_has "<caption>Clients and PHQ-9 outcomes per therapist</caption>"
body_has '<th scope="col">Therapist</th>'
body_has 'aria-current="page">Clinic</a>'
# ther1: 1 client, 1 open episode, 3 PHQ-9 + 2 alliance responses now,
# 1 episode: mean -14, 1 improved, 1 recovered. ther2: C-02 and C-03.
body_has '<tr><th scope="row">ther1</th><td class="num">1</td><td class="num">1</td><td class="num">5</td><td class="num">1</td><td class="num">-14</td><td class="num">1</td><td class="num">1</td><td class="num">0</td><td class="num">0</td></tr>'
body_has '<tr><th scope="row">ther2</th><td class="num">2</td><td class="num">2</td><td class="num">2</td><td class="num">1</td><td class="num">9</td><td class="num">0</td><td class="num">0</td><td class="num">0</td><td class="num">1</td></tr>'
body_has '<tr class="total"><th scope="row">Clinic</th><td class="num">3</td><td class="num">3</td><td class="num">7</td><td class="num">2</td><td class="num">-2.5</td>'
body_lacks "C-01"
body_lacks "C-02"
body_lacks "/clients/"
check
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'clinic.overview' AND detail = 'by:therapist'")" = $((n0 + 1)) ] ||
	fail "/clinic is audited"
expect 200 GET /clinic $S
body_has 'aria-current="page">Clinic</a>'
body_lacks "C-01"
expect 400 GET "/clinic?by=client" $A
expect 400 GET "/clinic?code=C-01" $A
expect 405 POST /clinic $A -d "csrf=$ta"

# ---- a user's site on the admin's user page ----
expect 200 GET /admin/users/$t1id $A
body_has '<label for="site">Works at</label>'
body_has "South &amp; &lt;b&gt;East&lt;/b&gt;"
body_lacks "<b>East</b>"
expect 403 POST /admin/users/$t1id/site $A -d "csrf=0000&site=$north"
expect 403 POST /admin/users/$t1id/site $T1 -d "csrf=$t1&site=$north"
expect 400 POST /admin/users/$t1id/site $A -d "csrf=$ta&site=abc"
expect 400 POST /admin/users/$t1id/site $A -d "csrf=$ta"
before=$(sql "SELECT count(*) FROM audit")
expect 400 POST /admin/users/$t1id/site $A -d "csrf=$ta&site=99999"
body_has "no such site"
check
[ "$(sql "SELECT count(*) FROM audit")" = "$before" ] ||
	fail "a refused site changed something"
expect 404 POST /admin/users/99999/site $A -d "csrf=$ta&site=$north"
expect 200 POST /admin/users/$t1id/site $A -d "csrf=$ta&site=$north"
body_has "ther1 now works at North."
body_has "<option value=\"$north\" selected>North</option>"
check
[ "$(sql "SELECT site_id FROM users WHERE name = 'ther1'")" = "$north" ] ||
	fail "ther1's site"
check
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'user.site' AND object = 'user:$t1id'")" = 1 ] ||
	fail "user.site audited"
expect 200 POST /admin/users/$t2id/site $A -d "csrf=$ta&site=$south"
expect 200 POST /admin/users/$t2id/site $A -d "csrf=$ta&site="
body_has "ther2 now works at no site."
check
[ -z "$(sql "SELECT site_id FROM users WHERE name = 'ther2'")" ] ||
	fail "ther2 at no site"

# ---- by site ----
expect 200 GET "/clinic?by=site" $A
body_has "<caption>Clients and PHQ-9 outcomes per site</caption>"
body_has '<tr><th scope="row">North</th><td class="num">1</td>'
body_has '<tr><th scope="row">South &amp; &lt;b&gt;East&lt;/b&gt;</th><td class="num">0</td>'
body_has '<tr><th scope="row">(none)</th><td class="num">2</td>'
check
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'clinic.overview' AND detail = 'by:site'")" = 1 ] ||
	fail "/clinic?by=site is audited"
finish
