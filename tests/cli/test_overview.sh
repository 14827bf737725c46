# test_overview.sh - `attune site`, `attune user set-site` and `attune
# overview` on the demo clinic, on either engine (cli_test_overview_pg).
# The overview's numbers are checked against an independent computation:
# the raw PHQ-9 rows through db_sql, first and latest per episode and the
# reliable-change rules (6 points, cut-off 10) done again in awk.
. "$(dirname "$0")/lib.sh"

DB=$(new_db demo) || exit 1
"$ATTUNE" demo --db "$DB" --report >/dev/null 2>&1 ||
	{ echo "demo failed"; exit 1; }

run overview --help
expect_rc 0 "overview --help"
expect_out "Jacobson & Truax 1991"
expect_out "usage: attune overview"
run site --help
expect_rc 0 "site --help"

# ---- Sites ----
run --db "$DB" site add North
expect_rc 0 "site add"
run --db "$DB" site add "East Side"
expect_rc 0 "site add with a space"
run --db "$DB" site add North
expect_rc 1 "a taken site name"
expect_err "already exists"
run --db "$DB" site add ""
expect_rc 1 "an empty site name"
run --db "$DB" site add
expect_rc 2 "site add without a name"
run --db "$DB" site frob
expect_rc 2 "unknown verb"
run --db "$DB" user set-site --name alex --site North
expect_rc 0 "set-site"
expect_out "alex works at North"
run --db "$DB" user set-site --name blair --site North
expect_rc 0 "set-site 2"
before=$(db_sql "$DB" "SELECT count(*) FROM audit")
run --db "$DB" user set-site --name casey --site Nowhere
expect_rc 1 "unknown site"
expect_err "no site 'Nowhere'"
run --db "$DB" user set-site --name nobody --site North
expect_rc 1 "unknown user"
run --db "$DB" user set-site --name casey --site North --no-site
expect_rc 2 "--site and --no-site"
run --db "$DB" user add --role therapist --name erin --site Nowhere \
    --password-file /dev/null
expect_rc 1 "user add at an unknown site"
check
[ "$(db_sql "$DB" "SELECT count(*) FROM audit")" = "$before" ] ||
	fail "refusals wrote to the database"
check
[ "$(db_sql "$DB" "SELECT count(*) FROM users WHERE name = 'erin'")" = 0 ] ||
	fail "erin was added"
echo "erin-long-password" >"$T/pw"
run --db "$DB" user add --role therapist --name erin --site "East Side" \
    --password-file "$T/pw"
expect_rc 0 "user add --site"
check
[ "$(db_sql "$DB" "SELECT s.name FROM users u JOIN sites s ON s.id = u.site_id WHERE u.name = 'erin'")" = "East Side" ] ||
	fail "erin's site"
run --db "$DB" site list
expect_rc 0 "site list"
expect_out "East Side                      1 user"
expect_out "North                          2 users"
run --db "$DB" user list
expect_rc 0 "user list"
expect_out "(site: East Side)"
run --db "$DB" user set-site --name blair --no-site
expect_rc 0 "--no-site"
run --db "$DB" user list
expect_rc 0 "user list"
check
grep "^blair " "$T/out" | grep -qF "(site:" &&
	fail "blair still shows a site after --no-site"
check
grep "^erin " "$T/out" | grep -qF "(site: East Side)" ||
	fail "erin's site is not in the listing"
check
[ "$(db_sql "$DB" "SELECT count(*) FROM audit WHERE action = 'user.site'")" = 4 ] ||
	fail "user.site audited"

# ---- The overview against an independent computation ----
n0=$(db_sql "$DB" "SELECT count(*) FROM audit WHERE action = 'clinic.overview'")
run --db "$DB" overview --days 3650
expect_rc 0 "overview"
cp "$T/out" "$T/ov.txt"
check
[ "$(db_sql "$DB" "SELECT count(*) FROM audit WHERE action = 'clinic.overview' AND detail = 'by:therapist'")" = $((n0 + 1)) ] ||
	fail "the overview is audited"
# no client code ever appears
expect_not_out "C-1"

# Per therapist: clients, open episodes, responses (all within 3650
# days), then the PHQ-9 outcome columns.
db_sql "$DB" "SELECT u.name, count(*) FROM clients c JOIN users u ON u.id = c.therapist_id GROUP BY u.name ORDER BY u.name" >"$T/clients"
db_sql "$DB" "SELECT u.name, count(*) FROM episodes e JOIN clients c ON c.id = e.client_id JOIN users u ON u.id = c.therapist_id WHERE e.ended IS NULL GROUP BY u.name" >"$T/open"
db_sql "$DB" "SELECT u.name, count(*) FROM responses r JOIN sessions s ON s.id = r.session_id JOIN episodes e ON e.id = s.episode_id JOIN clients c ON c.id = e.client_id JOIN users u ON u.id = c.therapist_id GROUP BY u.name" >"$T/resp"
db_sql "$DB" "SELECT u.name, e.id, CASE WHEN e.ended IS NULL THEN 0 ELSE 1 END, r.total FROM responses r JOIN sessions s ON s.id = r.session_id JOIN episodes e ON e.id = s.episode_id JOIN clients c ON c.id = e.client_id JOIN users u ON u.id = c.therapist_id WHERE r.instrument = 'phq9' AND r.respondent = 0 AND r.total IS NOT NULL ORDER BY e.id, s.number, r.recorded_at, r.id" >"$T/phq"
check
[ -s "$T/phq" ] || fail "the demo has PHQ-9 answers"

awk -F'|' -v clients="$T/clients" -v open="$T/open" -v resp="$T/resp" '
BEGIN {
	while ((getline l < clients) > 0) { split(l, a, "|"); nc[a[1]] = a[2]; seen[a[1]] = 1 }
	while ((getline l < open) > 0) { split(l, a, "|"); no[a[1]] = a[2] }
	while ((getline l < resp) > 0) { split(l, a, "|"); nr[a[1]] = a[2] }
}
function close_ep() {
	if (ep != "" && n >= 2) {
		d = last - first
		eps[who]++; sum[who] += d
		if (d <= -6) { imp[who]++; if (first >= 10 && last < 10) rec[who]++ }
		else if (d >= 6) worse[who]++
		else unch[who]++
	}
}
{
	if ($2 != ep) { close_ep(); ep = $2; who = $1; first = $4; n = 0 }
	last = $4; n++
}
END {
	close_ep()
	for (t in seen) {
		mean = eps[t] ? sum[t] / eps[t] : 0
		printf "%s %d %d %d %d %.4f %d %d %d %d\n", t, nc[t], no[t] + 0,
		       nr[t] + 0, eps[t] + 0, mean, imp[t] + 0, rec[t] + 0,
		       unch[t] + 0, worse[t] + 0
	}
}' "$T/phq" | sort >"$T/expect"
check
[ "$(wc -l <"$T/expect")" -ge 3 ] || fail "three therapists expected"
while read -r who c o r e mean i rc_ u w; do
	line=$(grep "^$who " "$T/ov.txt")
	set -- $line
	check
	[ "$2 $3 $4 $5 $7 $8 $9 ${10}" = "$c $o $r $e $i $rc_ $u $w" ] ||
		fail "overview row of $who: '$line', independently: $c $o $r $e $i $rc_ $u $w"
	check
	awk -v a="$6" -v b="$mean" 'BEGIN { d = a - b; exit !(d < 0.006 && d > -0.006) }' ||
		fail "mean change of $who: $6, independently $mean"
done <"$T/expect"
# therapists without clients are listed with zeros
expect_out "erin                       0      0       0        0      -"

# By site: North holds alex (blair left it); East Side only erin.
run --db "$DB" overview --by site --days 3650 --json
expect_rc 0 "overview --by site --json"
alex=$(grep '^alex ' "$T/ov.txt" | awk '{ print $2 }')
expect_out "\"name\":\"North\",\"clients\":$alex,"
expect_out "\"name\":\"East Side\",\"clients\":0,"
expect_out "\"by\":\"site\""
expect_out "\"reliable_change\":6"
check
[ "$(db_sql "$DB" "SELECT count(*) FROM audit WHERE action = 'clinic.overview' AND detail = 'by:site'")" = 1 ] ||
	fail "the site overview is audited"
if command -v python3 >/dev/null 2>&1; then
	check
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out" ||
		fail "--json is JSON"
fi

run --db "$DB" overview --by clinic
expect_rc 2 "--by clinic"
run --db "$DB" overview --days 0
expect_rc 2 "--days 0"
run --db "$DB" overview extra
expect_rc 2 "a stray argument"
finish
