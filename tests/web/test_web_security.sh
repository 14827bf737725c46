#!/bin/sh
# CSRF, request limits, malformed requests, security headers, cookies,
# sign-out, and markup in every free-text field rendered inert (HTML and
# SVG). After every refusal the server must keep serving.
. "$(dirname "$0")/lib.sh"

make_clinic
# Markup in a client's display name, a user's display name and, written
# behind the command line's back, a client code.
XSS='<script>alert(1)</script>"'"'"'&x'
at client add C-04 --therapist ther1 --name "$XSS"
at user add --role therapist --name ther9 --display-name "$XSS" \
   --password-file "$T/pw.ther1"
sql "INSERT INTO clients (clinic_id, therapist_id, code, created_at)
     SELECT 1, id, '<svg/onload=alert(2)>', 0 FROM users
     WHERE name = 'ther1'"
cx=$(sql "SELECT id FROM clients WHERE code = '<svg/onload=alert(2)>'")
sql "INSERT INTO episodes (client_id, started) VALUES ($cx, '2026-01-01')"
for c in C-04 '<svg/onload=alert(2)>'; do
	at session add --client "$c" --session 1 --date 2026-01-05
	at record --client "$c" --session 1 --instrument phq9 \
	   --items 1,1,1,1,1,1,1,1,0,0
	at session add --client "$c" --session 2 --date 2026-01-12
	at record --client "$c" --session 2 --instrument checkin-alliance \
	   --items 3,3,3,3,3,3,3
done

start_server
c1=$(client_id C-01)
c4=$(client_id C-04)
login ther1 >/dev/null
t1=$(session_csrf ther1)
J="-b $T/jar.ther1"

# ---- Security headers on every response, also refusals ----
for p in / /login /static/attune.css /nowhere "/caseload?bad=1"; do
	status GET "$p" $J >/dev/null
	header_has "Content-Security-Policy: default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	header_has "X-Content-Type-Options: nosniff"
	header_has "Referrer-Policy: no-referrer"
	header_has "Permissions-Policy:"
done
status GET /clients/$c1 $J >/dev/null
header_has "Cache-Control: no-store"
status GET /caseload $J >/dev/null
header_has "Cache-Control: no-store"

# ---- Cookies ----
rm -f "$T/jar.x"
status GET /login >/dev/null
header_has "Set-Cookie: attune_pre="
header_has "HttpOnly; SameSite=Strict"
login ther2 >/dev/null
header_has "Set-Cookie: attune_session="
header_has "Path=/; HttpOnly; SameSite=Strict"
check
if grep -qi "Secure" "$T/headers"; then fail "Secure without TLS"; fi

# ---- CSRF: missing, wrong, another session's, cross-form ----
L="use.phq9=1"
expect 403 POST /clients/$c1/links $J -d "$L"
expect 403 POST /clients/$c1/links $J -d "csrf=&$L"
expect 403 POST /clients/$c1/links $J -d "csrf=0000000000000000000000000000000000000000000000000000000000000000&$L"
t2=$(session_csrf ther2)
expect 403 POST /clients/$c1/links $J -d "csrf=$t2&$L"
expect 403 POST /logout $J -d "csrf=$t2"
expect 403 POST /admin/users -b "$T/jar.ther1" -d "csrf=bad"
# Sign-in: the form's token must match its cookie (double submit).
cu -c "$T/jar.pre" -o "$T/body" "$B/login"
pre=$(csrf_in_body)
expect 403 POST /login -d "username=ther1&password=ther1-password-1&csrf=$pre"
expect 403 POST /login -b "$T/jar.pre" -d "username=ther1&password=ther1-password-1"
expect 303 POST /login -b "$T/jar.pre" -d "username=ther1&password=ther1-password-1&csrf=$pre"
check
[ "$(sql "SELECT count(*) FROM checkin_links")" = 0 ] ||
	fail "a refused POST created a link"

# ---- Limits and malformed requests (and the server keeps serving) ----
long=$(head -c 3000 /dev/zero | tr '\0' a)
expect 414 GET "/login?$long"
expect 200 GET /login
big=$(head -c 9000 /dev/zero | tr '\0' b)
expect 431 GET /login -H "X-Big: $big"
huge=$(head -c 40000 /dev/zero | tr '\0' b)
code=$(status GET /login -H "X-Huge: $huge")
check
case $code in 413|414|431) ;; *) fail "40 KB header -> $code";; esac
expect 200 GET /login
head -c 70000 /dev/zero | tr '\0' a >"$T/bigbody"
expect 413 POST /clients/$c1/links $J --data-binary "@$T/bigbody"
expect 411 POST /clients/$c1/links $J -H "Transfer-Encoding: chunked" -d "csrf=$t1&$L"
expect 415 POST /clients/$c1/links $J -H "Content-Type: application/json" -d '{"a":1}'
expect 415 POST /clients/$c1/links $J -H "Content-Type: text/plain" -d "csrf=$t1&$L"
expect 400 GET /login -H "Content-Length: 5" --data-binary "abcde" -X GET
many=$(i=0; while [ $i -lt 600 ]; do printf 'f%d=1&' $i; i=$((i+1)); done)
expect 400 POST /clients/$c1/links $J -d "csrf=$t1&$many"
longval=$(head -c 2000 /dev/zero | tr '\0' v)
expect 400 POST /clients/$c1/links $J -d "csrf=$t1&$L&session=$longval"
expect 400 POST /clients/$c1/links $J -d "csrf=$t1&$L&colour=red"
expect 400 POST /clients/$c1/links $J -d "csrf=$t1&$L&days=2&days=3"
expect 400 POST /clients/$c1/links $J -d "csrf=$t1&$L&days=%zz"
expect 400 POST /clients/$c1/links $J -d "csrf=$t1&$L&days=%00"
expect 400 POST /clients/$c1/links $J -d "csrf=$t1&$L&use.gad7=%ff"
expect 400 POST /clients/$c1/links $J -d "csrf=$t1&$L&days=-1"
expect 400 GET "/caseload?page=2" $J
expect 400 GET "/clients/$c1?x" $J
expect 404 GET "/clients/$c1/../$c1" $J --path-as-is
expect 404 GET "/clients/%31" $J
expect 405 PUT /caseload $J -d x
expect 200 GET /caseload $J

# Raw requests curl would not send.
raw() {
	printf '%b' "$1" | timeout 5 nc -q 2 127.0.0.1 "$port" 2>/dev/null |
		head -n 1 | tr -d '\r'
}
if command -v nc >/dev/null 2>&1; then
	line=$(raw 'GARBAGE\r\n\r\n')
	check
	case $line in "HTTP/1.1 4"*|"") ;; *) fail "garbage -> $line";; esac
	line=$(raw 'GET /login HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n')
	check
	case $line in "HTTP/1.1 4"*|"") ;; *) fail "huge length -> $line";; esac
fi
expect 200 GET /login

# ---- Markup is inert everywhere it is shown ----
expect 200 GET /caseload $J
body_lacks "<script>alert(1)"
body_lacks "<svg/onload"
body_has "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;x"
body_has "&lt;svg/onload=alert(2)&gt;"
expect 200 GET /clients/$c4 $J
body_lacks "<script>alert(1)"
body_has "&lt;script&gt;alert(1)&lt;/script&gt;"
expect 200 GET /clients/$cx $J
body_lacks "<svg/onload"
# In the SVG charts' titles too.
body_has "<svg class=\"chart\""
body_has "<title>PHQ-9 of &lt;svg/onload=alert(2)&gt; by session"
body_has "<title>Alliance of &lt;svg/onload=alert(2)&gt;: goals"
login ther9 ther1-password-1 >/dev/null
expect 200 GET /caseload -b "$T/jar.ther9"
body_lacks "<script>alert(1)"
body_has "&lt;script&gt;alert(1)&lt;/script&gt;"
login admin1 >/dev/null
expect 200 GET /admin/users -b "$T/jar.admin1"
body_lacks "<script>alert(1)"
body_has "&lt;script&gt;alert(1)&lt;/script&gt;"

# ---- Sign-out ends the session on the server ----
cp "$T/jar.ther1" "$T/jar.old"
t1=$(session_csrf ther1)
expect 303 POST /logout $J -d "csrf=$t1"
header_has "attune_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
expect 303 GET /caseload -b "$T/jar.old"
header_has "Location: /login"
expect 401 POST /clients/$c1/links -b "$T/jar.old" -d "csrf=$t1&$L"
check
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'auth.logout'")" -ge 1 ] ||
	fail "sign-out not audited"

# ---- Reads are audited with who and from where ----
check
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'client.read' AND actor = 'web:ther1' AND origin = '127.0.0.1'")" -ge 1 ] ||
	fail "client reads not audited with the web actor"
check
if grep -q "/c/[A-Za-z0-9_-]\{43\}" "$T/serve.log"; then
	fail "a check-in token is in the log"
fi
stop_server

# ---- Secure cookies behind a TLS proxy ----
start_server --secure-cookies
login ther1 >/dev/null
header_has "HttpOnly; SameSite=Strict; Secure"
header_has "Strict-Transport-Security"
stop_server
finish
