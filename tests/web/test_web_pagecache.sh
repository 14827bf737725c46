#!/bin/sh
# The cache of drawn client pages (web/pagecache.h): a page from the
# cache is the page a fresh drawing gives, with the viewer's own CSRF
# token; a write by anyone (the web app, the command line, SQL) shows at
# once; viewers with other access and other clinic settings get their
# own page; every view, drawn or cached, writes an audit row first.
. "$(dirname "$0")/lib.sh"

make_clinic
start_server
c1=$(client_id C-01)
c2=$(client_id C-02)
c3=$(client_id C-03)
login ther1 >/dev/null
t1=$(session_csrf ther1)
J="-b $T/jar.ther1"

# page USER ID NAME: GET /clients/ID as USER into $T/NAME.
page() {
	expect 200 GET "/clients/$2" -b "$T/jar.$1"
	cp "$T/body" "$T/$3"
}

views() {
	sql "SELECT count(*) FROM audit WHERE action = 'client.view'
	     AND object = 'client:$1'"
}

# Drawn, then from the cache: the same bytes.
page ther1 "$c1" p1
page ther1 "$c1" p2
check
cmp -s "$T/p1" "$T/p2" || fail "the cached page differs from the drawn one"
check
[ "$(views "$c1")" = 2 ] || fail "two views, $(views "$c1") audit rows"
check
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'client.view'
          AND detail = 'from the cache'")" = 1 ] ||
	fail "the second view did not come from the cache"

# gzip (what a browser asks for): from the cache, compressed, the same
# bytes once inflated; the session's token is in it; the plain page and
# the static files say Vary: Accept-Encoding.
expect 200 GET "/clients/$c1" -b "$T/jar.ther1" -H "Accept-Encoding: gzip, deflate, br"
header_has "Content-Encoding: gzip"
header_has "Vary: Accept-Encoding"
gzip -dc <"$T/body" >"$T/pz" 2>"$T/gzip.err" ||
	{ check; fail "the gzip page does not inflate: $(cat "$T/gzip.err")"; }
check
cmp -s "$T/p1" "$T/pz" || fail "the gzip page differs from the plain one"
check
grep -q "name=\"csrf\" value=\"$t1\"" "$T/pz" ||
	fail "the gzip page lacks the session's token"
check
[ "$(wc -c <"$T/body")" -lt "$(( $(wc -c <"$T/p1") / 2 ))" ] ||
	fail "the gzip page is not much smaller ($(wc -c <"$T/body") bytes)"
expect 200 GET "/clients/$c1" -b "$T/jar.ther1" -H "Accept-Encoding: gzip;q=0"
check
grep -qi "^Content-Encoding" "$T/headers" && fail "gzip;q=0 got gzip"
header_has "Vary: Accept-Encoding"
cmp -s "$T/p1" "$T/body" || { check; fail "the q=0 page differs"; }
expect 200 GET /static/attune.css -H "Accept-Encoding: gzip"
header_has "Content-Encoding: gzip"
gzip -dc <"$T/body" >"$T/css.gz.txt" || { check; fail "css does not inflate"; }
expect 200 GET /static/attune.css
cmp -s "$T/body" "$T/css.gz.txt" || { check; fail "the gzip css differs"; }

# Another session of the same therapist: its own token in every form,
# never the first session's; and the token works.
cp "$T/jar.ther1" "$T/jar.first"
login ther1 >/dev/null
t1b=$(session_csrf ther1)
check
[ -n "$t1b" ] && [ "$t1b" != "$t1" ] || fail "no second session"
page ther1 "$c1" p3
n1=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T/p3" | sort -u)
check
[ "$n1" = "name=\"csrf\" value=\"$t1b\"" ] ||
	fail "forms of the cached page carry '$n1', want the session's own"
body_lacks "$t1"
expect 303 POST "/clients/$c1/progress-view" -b "$T/jar.ther1" \
	-d "csrf=$t1b&allow=1"

# That write (through the web app) shows at once.
page ther1 "$c1" p4
check
grep -q 'name="allow" value="1" checked' "$T/p4" ||
	fail "the saved setting does not show after the write"

# A write from the command line (another process) shows at once.
page ther1 "$c1" p5
at record --client C-01 --session 3 --instrument phq9 \
   --items 0,0,0,0,0,0,0,0,3,0
page ther1 "$c1" p6
check
cmp -s "$T/p5" "$T/p6" && fail "a response recorded by the CLI is not shown"
check
grep -q "item 9" "$T/p6" || grep -qi "self-harm\|risk" "$T/p6" ||
	fail "the item-9 answer from the CLI shows no risk flag"

# SQL from another connection (no attune code at all) shows at once.
sql "UPDATE clients SET display_name = 'Annabel' WHERE code = 'C-01'"
page ther1 "$c1" p7
check
grep -q "Annabel" "$T/p7" || fail "a change made in SQL is not shown"

# Other access, other page: ther1 sees C-03 (granted) read-only, the
# supervisor sees C-02 read-only; ther2 owns both and gets the forms.
login ther2 >/dev/null
login sup1 >/dev/null
page ther2 "$c3" own3
page ther1 "$c3" granted3
page ther2 "$c3" own3b
check
grep -q "Read-only" "$T/own3" && fail "the owner's page says read-only"
check
grep -q "Read-only" "$T/granted3" || fail "the granted page lacks read-only"
check
grep -q 'action="/clients/'"$c3"'/links"' "$T/granted3" &&
	fail "the granted viewer got the owner's link form from the cache"
check
cmp -s "$T/own3" "$T/own3b" || fail "the owner's page changed between views"
page sup1 "$c2" sup2
check
grep -q "Read-only" "$T/sup2" || fail "the supervisor's page lacks read-only"
check
grep -q "ther2\|User ther2" "$T/sup2" && grep -q 'class="who">User ther2' \
	"$T/sup2" && fail "the supervisor's page names the therapist as viewer"
grep -q 'class="who">User sup1' "$T/sup2" ||
	{ check; fail "the supervisor's page is not signed as sup1"; }

# A clinic setting the page reads (instruments in use) changes it.
page ther1 "$c1" s1
check
grep -q 'name="use.gad7"' "$T/s1" || fail "GAD-7 not offered before"
login admin1 >/dev/null
ta=$(session_csrf admin1)
expect 200 POST /admin/settings -b "$T/jar.admin1" \
	-d "csrf=$ta&link_days=4&use.phq9=1&use.checkin-alliance=1"
page ther1 "$c1" s2
check
grep -q 'name="use.gad7"' "$T/s2" && fail "GAD-7 still offered after the setting"

# Someone who may not see the client gets 404 whether or not the page
# is in the cache, and no view row.
before=$(views "$c1")
expect 404 GET "/clients/$c1" -b "$T/jar.ther2"
check
[ "$(views "$c1")" = "$before" ] || fail "a refused view wrote a view row"

stop_server
check
grep -q "client pages: [0-9]* drawn, [1-9][0-9]* from the cache" \
	"$T/serve.log" || fail "no cache figures in the log"
finish
