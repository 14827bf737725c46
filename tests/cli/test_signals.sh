# test_signals.sh - `attune signals`: fitting the expected-recovery
# curves (against R's lm() on tests/data/trajectory), the model file,
# statuses per person and per session, wide and long input, alliance
# ruptures and recency joined in, the database, usage and input errors
# (nothing on stdout, file:line:column named).
. "$(dirname "$0")/lib.sh"

TD="$DATA/trajectory"
FIT="--fit $TD/reference.csv --long --bands 0-9,10-14,15-27"

# ---- usage: exit 2 -------------------------------------------------
run signals
expect_rc 2 "no arguments"
expect_err "give --fit REFERENCE"
run signals --help
expect_rc 0 "--help"
expect_out "usage: attune signals"
expect_out "Finch, Lambert & Schaalje 2001"
expect_out "--band-by WHAT"
expect_out "--fit-score-col"
run signals --fit "$TD/reference.csv" --long
expect_rc 2 "--fit without bands"
expect_err "--fit needs the intake bands"
run signals $FIT --band-by phq9
expect_rc 2 "--bands and --band-by"
expect_err "not both"
run signals --fit "$TD/reference.csv" --model m.csv --long
expect_rc 2 "--fit and --model"
run signals --fit "$TD/reference.csv" --long --bands 0-9,5-14
expect_rc 2 "overlapping bands"
expect_err "band 2 ('5-14') overlaps"
run signals --fit "$TD/reference.csv" --long --bands 0-9,x
expect_rc 2 "bad band"
expect_err "entry 2 'x' is not LOW-HIGH"
run signals $FIT
expect_rc 0 "fit only (control)"
run signals $FIT --at-risk 95
expect_rc 2 "at-risk above not-on-track"
expect_err "must not be above"
run signals $FIT --not-on-track 100
expect_rc 2 "percentile 100"
run signals $FIT --at-risk 40
expect_rc 2 "percentile 40"
run signals $FIT --rupture sometimes "$TD/open.csv"
expect_rc 2 "unknown rupture rule"
run signals --fit "$TD/reference.csv" --bands 0-9
expect_rc 2 "no input layout"
expect_err "--vars A,B,... (wide form) or --long"
run signals $FIT --date-col date
expect_rc 2 "--date-col without FILE"
run signals $FIT --date-col date - <"$TD/open.csv"
expect_rc 2 "--date-col with standard input"
expect_err "standard input can be read only once"
run signals $FIT --alliance-vars a,b "$TD/open.csv"
expect_rc 2 "--alliance-vars with long form"
run signals $FIT --as-of 2026-01-01 "$TD/open.csv"
expect_rc 2 "--as-of without --date-col"
run signals $FIT --fit-vars a,b "$TD/open.csv"
expect_rc 2 "--fit-vars with long form"

# ---- the fit, against R (tests/data/trajectory/README.md) -----------
run signals $FIT
expect_rc 0 "fit"
expect_out "format,instrument,direction,fit_sessions,band,low,high,persons,scores,intercept,slope,sd,last_session"
# R: 5.1842893096515121 -1.9249220580152127 2.0162884350117696 (n 373)
expect_out "attune-etr/1,,lower-is-better,20,0-9,0,9,47,373,5.18428930965151"
expect_out ",-1.92492205801521"
expect_out ",2.01628843501176"
expect_out "10-14,10,14,24,151,11.6713014515960"
expect_out "15-27,15,27,79,664,21.66410740186"
# Every fitted number within 1e-9 of R's.
check
awk -F, 'NR == FNR { if (FNR > 1) { a[$1] = $4; b[$1] = $5; s[$1] = $6 }
	next }
	FNR > 1 { d = $10 - a[$5]; e = $11 - b[$5]; f = $12 - s[$5]
	if (d < 0) d = -d; if (e < 0) e = -e; if (f < 0) f = -f
	if (d > 1e-9 || e > 1e-9 || f > 1e-9) bad = 1; n++ }
	END { exit bad || n != 3 }' "$TD/reference.expected.csv" "$T/out" ||
	fail "fitted curves differ from R's"

# The instrument's bands; the model as JSON on standard output.
run signals --fit "$TD/reference.csv" --long --band-by phq9 --json
expect_rc 0 "--band-by phq9"
expect_out '{"format": "attune-etr/1", "instrument": "phq9", "direction": "lower-is-better", "fit_sessions": 20, "bands": ['
expect_out '{"band": "moderately severe", "low": 15, "high": 19,'
cp "$T/out" "$T/phq9.json"
run signals --fit "$TD/reference.csv" --long --band-by instrument
expect_rc 2 "--band-by instrument without --instrument"
expect_err "--band-by instrument needs --instrument"
run signals --fit "$TD/reference.csv" --long --band-by nope
expect_rc 1 "--band-by unknown instrument"
expect_err "no instrument 'nope'"

# Thin bands: --min-persons.
run signals $FIT --min-persons 30
expect_rc 0 "min persons"
expect_err "band 10-14: 24 reference courses, 151 scores: no curve"
expect_out "10-14,10,14,24,151,,,,0"

# ---- classification, against R --------------------------------------
run signals $FIT --out "$T/m.csv"
expect_rc 0 "--out"
expect_no_out
run signals --model "$T/m.csv" --long --measure PHQ-9 "$TD/open.csv"
expect_rc 0 "classify"
expect_out "id,session,score,expected,lower,upper,limit,band,status,reasons"
expect_out "o1,4,17,12.8427,10.9931,14.6922,17.3627,15-27,at-risk,at risk: PHQ-9 17 at session 4 is above the expected 12.8 ± 1.8"
expect_out "o2,3,6,7.9575,6.5689,9.346,11.3509,10-14,on-track,"
expect_out "o3,4,12,2.5158,1.4584,3.5731,5.0998,0-9,not-on-track,not on track: PHQ-9 12 at session 4 is above the expected 2.5 ± 2.6"
expect_out "o4,1,22,,,,,15-27,no-signal,only the intake score so far (PHQ-9 22 at session 1)"
expect_out "o5,3,26,"
cp "$T/out" "$T/by-person.csv"
# Per session: every status and boundary as R computed them (boundaries
# are printed to 4 decimals).
run signals --model "$T/m.csv" --long --each-session "$TD/open.csv"
expect_rc 0 "each session"
check
awk -F, 'NR == FNR { if (FNR > 1) { k = $1 "," $2; e[k] = $4; l[k] = $5
	u[k] = $6; m[k] = $7; st[k] = $8 } next }
	FNR > 1 { k = $1 "," $2; n++
	if ($9 != st[k]) bad = 1
	split($4 "," $5 "," $6 "," $7, v, ",")
	split(e[k] "," l[k] "," u[k] "," m[k], w, ",")
	for (i = 1; i <= 4; i++) { d = v[i] - w[i]; if (d < 0) d = -d
		if (d > 0.00005) bad = 1 } }
	END { exit bad || n != 15 }' "$TD/open.expected.csv" "$T/out" ||
	fail "per-session signals differ from R's"

# The model file round trip: JSON and CSV give the same output.
run signals $FIT --out "$T/m.json"
expect_rc 0 "--out json"
check
grep -q '"format": "attune-etr/1"' "$T/m.json" || fail "m.json format"
run signals --model "$T/m.json" --long --measure PHQ-9 "$TD/open.csv"
expect_rc 0 "classify with json model"
check
cmp -s "$T/out" "$T/by-person.csv" || fail "json model gives other output"
# Fit and classify in one call: the same again.
run signals $FIT --measure PHQ-9 "$TD/open.csv"
check
cmp -s "$T/out" "$T/by-person.csv" || fail "fit+classify differs"

# Wide form gives the same as long form.
{
	echo "id,s1,s2,s3,s4"
	echo "o1,18,17,16,17"
	echo "o2,12,8,6,"
	echo "o3,7,7,9,12"
	echo "o4,22,,,"
	echo "o5,26,25,26,NA"
} >"$T/wide.csv"
run signals --model "$T/m.csv" --vars s1:s4 --measure PHQ-9 "$T/wide.csv"
expect_rc 0 "wide form"
check
cmp -s "$T/out" "$T/by-person.csv" || fail "wide form differs from long"
# Standard input.
run_in "$TD/open.csv" signals --model "$T/m.csv" --long --measure PHQ-9
check
cmp -s "$T/out" "$T/by-person.csv" || fail "stdin differs"

# Session numbers as given: with --first-session 0 the intake is
# session 0 and session 3 is treatment session t = 4 (o1's expected).
printf 'id,session,score\nz,0,18\nz,1,17\nz,2,16\nz,3,17\n' >"$T/f0.csv"
run signals --model "$T/m.csv" --long --first-session 0 "$T/f0.csv"
expect_out "z,3,17,12.8427,10.9931,14.6922,17.3627,15-27,at-risk"

# Direction: the same scores read as higher-is-better.
run signals --model "$T/m.csv" --long --higher-is-better "$TD/open.csv"
expect_rc 0 "higher is better"
expect_out 'o3,4,12,2.5158,1.4584,3.5731,-0.0682,0-9,on-track,"on track: score 12 at session 4 is above the expected 2.5 ± 1.1, better than expected"'
expect_out "o2,3,6,7.9575,6.5689,9.346,4.5641,10-14,at-risk,at risk: score 6 at session 3 is below the expected 8 ± 1.4"

# Percentiles move the boundaries: at 50/50 both sit on the curve.
run signals --model "$T/m.csv" --long --at-risk 50 --not-on-track 50 \
	"$TD/open.csv"
expect_out "o2,3,6,7.9575,7.9575,7.9575,7.9575,10-14,on-track"

# JSON.
run signals --model "$T/m.csv" --long --json "$TD/open.csv"
expect_rc 0 "json"
expect_out '{"id": "o1", "session": 4, "score": 17, "expected": 12.8427'
expect_out '"status": "not-on-track", "flags": ["not-on-track"]'
expect_out '"expected": null'
expect_out ']'

# ---- alliance and recency --------------------------------------------
cat >"$T/both.csv" <<EOF
id,session,phq9,srs,date
a,1,18,40,2026-09-01
a,2,16,40,2026-09-08
a,3,15,33,2026-09-15
a,4,14,34,2026-09-22
b,1,12,37,2026-10-01
b,2,9,38,2026-10-08
b,3,8,39,2026-11-10
c,1,7,36,
EOF
run signals $FIT --fit-score-col score --score-col phq9 --measure PHQ-9 \
	--alliance-col srs --rupture drop --date-col date --as-of 2026-11-22 \
	"$T/both.csv"
expect_rc 0 "alliance and dates"
expect_out 'a,4,14,12.8427,10.9931,14.6922,17.3627,15-27,rupture-unrepaired,"alliance rupture at session 3 not repaired: lowest 33 at session 3, 7 below the session before; no data in the last 3 weeks (the latest is 61 days old); on track: PHQ-9 14 at session 4 is within the expected 12.8 ± 1.8"'

expect_out "b,3,8,7.9575,6.5689,9.346,11.3509,10-14,on-track,on track"
expect_out "c,1,7,,,,,0-9,no-signal"
# Exactly at the window (a: 4 days) is recent; one day more is not. A
# date after --as-of (b) counts as recent.
run signals $FIT --fit-score-col score --score-col phq9 --date-col date \
	--as-of 2026-09-27 --recent-days 4 "$T/both.csv"
expect_out "a,4,14,12.8427,10.9931,14.6922,17.3627,15-27,no-recent-data,no data in the last 4 days (the latest is 5 days old); on track: score 14"
expect_out "b,3,8,7.9575,6.5689,9.346,11.3509,10-14,on-track"
run signals $FIT --fit-score-col score --score-col phq9 --date-col date \
	--as-of 2026-09-26 --recent-days 4 "$T/both.csv"
expect_out "a,4,14,12.8427,10.9931,14.6922,17.3627,15-27,on-track"
# A separate alliance file (wide) for a wide outcome file.
printf 'id,a1,a2,a3\no1,40,40,33\no3,30,31,32\n' >"$T/srs.csv"
run signals --model "$T/m.csv" --vars s1:s4 --alliance "$T/srs.csv" \
	--alliance-vars a1:a3 --rupture drop "$T/wide.csv"
expect_rc 0 "alliance file"
expect_out "o1,4,17,12.8427,10.9931,14.6922,17.3627,15-27,rupture-unrepaired"
expect_out "o3,4,12,2.5158,1.4584,3.5731,5.0998,0-9,not-on-track,not on track: score 12 at session 4 is above the expected 2.5 ± 2.6"
# The alliance in the same wide file: read in one pass (nothing kept per
# person), with the same result as naming the file twice.
awk -F, 'NR == FNR { a[$1] = $2 "," $3 "," $4; next }
	FNR == 1 { print $0 ",a1,a2,a3"; next }
	{ print $0 "," ($1 in a ? a[$1] : ",,") }' "$T/srs.csv" "$T/wide.csv" \
	>"$T/joined.csv"
run signals --model "$T/m.csv" --vars s1:s4 --alliance-vars a1:a3 \
	--rupture drop "$T/joined.csv"
expect_rc 0 "alliance in the same file, one pass"
cp "$T/out" "$T/one.csv"
run signals --model "$T/m.csv" --vars s1:s4 --alliance "$T/joined.csv" \
	--alliance-vars a1:a3 --rupture drop "$T/joined.csv"
expect_rc 0 "alliance in the same file, named twice"
check
cmp -s "$T/out" "$T/one.csv" || fail "one pass and two passes differ"
expect_out "o1,4,17,12.8427,10.9931,14.6922,17.3627,15-27,rupture-unrepaired"

# ---- bad input: exit 1, nothing on stdout -----------------------------
run signals --model "$T/nope.csv" --long "$TD/open.csv"
expect_rc 1 "missing model"
expect_err "nope.csv: cannot open"
expect_no_out
printf 'format,band\nattune-etr/1,a\n' >"$T/badmodel.csv"
run signals --model "$T/badmodel.csv" --long "$TD/open.csv"
expect_rc 1 "bad model"
expect_err "badmodel.csv:1: no column 'instrument'"
expect_no_out
sed 's/lower-is-better/sideways/' "$T/m.csv" >"$T/badmodel.csv"
run signals --model "$T/badmodel.csv" --long "$TD/open.csv"
expect_rc 1 "bad direction"
expect_err "badmodel.csv:2: column direction"
printf 'id,session,score\nx,1,12\nx,2,eleven\n' >"$T/badval.csv"
run signals --model "$T/m.csv" --long "$T/badval.csv"
expect_rc 1 "bad score"
expect_err "badval.csv:3: column score: 'eleven' is not a number"
expect_no_out
printf 'id,session,score\nx,1,12\nx,2,zz\n' >"$T/badref.csv"
run signals --fit "$T/badref.csv" --long --bands 0-27 "$TD/open.csv"
expect_rc 1 "bad reference"
expect_err "badref.csv:3: column score"
expect_no_out
run signals --fit "$T/missing.csv" --long --bands 0-27
expect_rc 1 "missing reference"
expect_err "missing.csv: cannot open"
printf 'id,session,score\nx,1,40\n' >"$T/outside.csv"
run signals --fit "$T/outside.csv" --long --bands 0-27
expect_rc 1 "nothing to fit"
expect_err "nothing to fit"
printf 'id,session,phq9,srs,date\na,1,18,40,2026-02-30\n' >"$T/baddate.csv"
run signals $FIT --fit-score-col score --score-col phq9 --date-col date \
	"$T/baddate.csv"
expect_rc 1 "bad date"
expect_err "baddate.csv:2: column date: '2026-02-30' is not a date"
expect_no_out
run signals $FIT --fit-score-col score --score-col phq9 \
	--date-col when "$T/baddate.csv"
expect_rc 1 "no date column"
expect_err "baddate.csv:1: no column 'when' (--date-col)"
: >"$T/empty.csv"
run signals --model "$T/m.csv" --long "$T/empty.csv"
expect_rc 1 "empty input"
expect_no_out
# A bad row at the end of a large file: still nothing printed.
awk 'BEGIN { print "id,session,score"; for (i = 0; i < 60000; i++)
	for (s = 1; s <= 5; s++) printf "p%d,%d,%d\n", i, s, 20 - s }' \
	>"$T/many.csv"
run signals --model "$T/m.csv" --long "$T/many.csv"
expect_rc 0 "many people"
check
[ "$(wc -l <"$T/out")" -eq 60001 ] || fail "many: expected 60001 lines"
echo "last,1,x" >>"$T/many.csv"
run signals --model "$T/m.csv" --long "$T/many.csv"
expect_rc 1 "many, last bad"
expect_err "many.csv:300002: column score"
expect_no_out

# ---- the database ------------------------------------------------------
run --db "$T/demo.db" demo --report
expect_rc 0 "demo database"
run --db "$T/demo.db" signals --fit "$TD/reference.csv" --instrument phq9 \
	--client C-1007 --alliance-instrument checkin-alliance
expect_rc 0 "database"
expect_out "C-1007,13,23,"
expect_out ',moderately severe,not-on-track,"not on track: PHQ-9 23 at session 13'
expect_out "alliance rupture at session 12 not repaired: lowest 2.86 at session 12, 0.1 below the client's mean"
check
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "database: one client expected"
run --db "$T/demo.db" signals --model "$T/m.csv" --instrument phq9 \
	--alliance-col srs
expect_rc 2 "--alliance-col with the database"
run --db "$T/demo.db" signals --model "$T/phq9.json" --instrument gad7
expect_rc 1 "model for another instrument"
expect_err "the model was fitted for phq9, not gad7"
expect_no_out
run --db "$T/demo.db" signals --model "$T/phq9.json" --instrument phq9 \
	--client C-1001 --each-session
expect_rc 0 "database, each session"
expect_out "C-1001,1,"
expect_out ",moderately severe,,"
finish
