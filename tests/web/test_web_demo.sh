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
# The reflective check-ins as heat maps, one cell per answered item, and
# sudden gains (or their absence) said in words.
body_has "Protective patterns, as the client noticed them"
body_has "Outward capacities, as the client noticed them"
body_has "The answers as a table"
# C-1004's PHQ-9 falls from 18 to 9 between sessions 3 and 4 in the
# seeded demo: a sudden gain.
id4=$(sql "SELECT id FROM clients WHERE code = 'C-1004'")
expect 200 GET "/clients/$id4" -b "$T/jar.alex"
body_has "Sudden gains and losses"
body_has "sudden gain between sessions 3 and 4"
expect 200 GET "/clients/$id" -b "$T/jar.alex"
cells=$(tr -d '\n' <"$T/body" | grep -o 'id="checkin-patterns-t".*' |
        sed 's|</figure>.*||' | grep -o '<rect class="h[0-4]"' | wc -l)
want=$(sql "SELECT r.item_values FROM responses r
            JOIN sessions s ON s.id = r.session_id
            JOIN episodes e ON e.id = s.episode_id
            WHERE e.client_id = $id AND r.instrument = 'checkin-patterns'
            AND r.respondent = 0" |
       tr ',' '\n' | grep -c '[0-9]')
check
[ "$want" -gt 0 ] && [ "$cells" = "$want" ] ||
	fail "patterns heat map: $cells cells, $want answers stored"
got=$(login sam sam-demo-pass)
check
[ "$got" = 303 ] || fail "the supervisor signs in: $got"
expect 200 GET /caseload -b "$T/jar.sam"
body_has "C-1001"
stop_server
finish
