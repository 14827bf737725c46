# test_web_demo.sh - the README's first command in miniature: `attune
# demo` builds the demo clinic, prints the logins, serves it; a therapist
# signs in with the printed password and sees a caseload and a client's
# charts; SIGTERM stops it cleanly.
. "$(dirname "$0")/lib.sh"

"$ATTUNE" --db "$DB" demo --listen 127.0.0.1:0 >"$T/serve.out" \
	2>"$T/serve.log" &
SERVER_PID=$!
i=0
port=
while [ $i -lt 600 ]; do
	port=$(sed -n 's|.*serving at http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$T/serve.out" \
	       2>/dev/null)
	[ -n "$port" ] && break
	kill -0 "$SERVER_PID" 2>/dev/null || break
	sleep 0.05
	i=$((i + 1))
done
check
[ -n "$port" ] || { fail "demo did not start serving"; cat "$T/serve.log"; finish; }
B="http://127.0.0.1:$port"

check
grep -q "alex / alex-demo-pass" "$T/serve.out" || fail "no demo login printed"
check
grep -q "Created the demo clinic" "$T/serve.out" || fail "no creation note"

got=$(login alex alex-demo-pass)
check
[ "$got" = 303 ] || fail "alex signs in with the demo password: $got"
expect 200 GET /caseload -b "$T/jar.alex"
body_has "C-1001"
body_lacks "C-1002"
id=$(sql "SELECT id FROM clients WHERE code = 'C-1001'")
expect 200 GET "/clients/$id" -b "$T/jar.alex"
body_has "<svg"
got=$(login sam sam-demo-pass)
check
[ "$got" = 303 ] || fail "the supervisor signs in: $got"
expect 200 GET /caseload -b "$T/jar.sam"
body_has "C-1001"
stop_server
finish
