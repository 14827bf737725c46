# test_gains.sh - `attune gains`: the suddengains golden files (package
# tests and sgdata), the published sgdata figures, define_crit1_cutoff,
# wide and long form agreeing, JSON, and errors (usage 2, bad input 1
# with nothing on stdout).
. "$(dirname "$0")/lib.sh"

SG="$DATA/suddengains"
W="--vars bdi_s1:bdi_s12 --cutoff 7 --measure bdi"

# expect_same FILE: stdout equals FILE byte for byte.
expect_same() {
	check
	cmp -s "$T/out" "$1" || {
		fail "stdout differs from $(basename "$1")"
		diff "$1" "$T/out" | head -10
	}
}

# Help: cites the method, exit 0.
run gains --help
expect_rc 0 "gains --help"
expect_out "usage: attune gains"
expect_out "Tang & DeRubeis"
expect_out "--define-cutoff"
expect_out "suddengains"

# The package's own test expectations (tests/testthat/test-create_*.R).
run gains $W "$SG/testdf.csv"
expect_rc 0 "testdf bysg"
expect_same "$SG/testdf.bysg.expected.csv"
expect_err "14 sudden gains in 18 people"
run gains $W --by person "$SG/testdf.csv"
expect_rc 0 "testdf byperson first"
expect_same "$SG/testdf.byperson-first.expected.csv"
run gains $W --by person --select largest "$SG/testdf.csv"
expect_rc 0 "testdf byperson largest"
expect_same "$SG/testdf.byperson-largest.expected.csv"

# sgdata: per gain, per person, per interval, baseline first, losses.
run gains $W "$SG/sgdata.csv"
expect_rc 0 "sgdata bysg"
expect_same "$SG/sgdata.bysg.expected.csv"
cp "$T/out" "$T/bysg.csv"
run gains $W --by person "$SG/sgdata.csv"
expect_same "$SG/sgdata.byperson-first.expected.csv"
cp "$T/out" "$T/byperson.csv"
run gains $W --by interval "$SG/sgdata.csv"
expect_same "$SG/sgdata.intervals.expected.csv"
run gains --vars bdi_s0:bdi_s12 --cutoff 7 --measure bdi --baseline \
	--tx-start 1 --tx-end 12 "$SG/sgdata.csv"
expect_rc 0 "baseline first"
expect_same "$SG/sgdata.baseline.expected.csv"
expect_out "22,22_sg_1,1,1,1,"
expect_out "35,35_sg_1,1,1,1,"
run gains --vars bdi_s1:bdi_s12 --cutoff 5 --measure bdi --losses \
	"$SG/sgdata.csv"
expect_rc 0 "losses"
expect_same "$SG/sgdata.losses.expected.csv"
expect_err "3 sudden losses in 43 people"
# identify_sl's negative cut-off means the same.
run gains --vars bdi_s1:bdi_s12 --cutoff -5 --measure bdi --identify sl \
	"$SG/sgdata.csv"
expect_same "$SG/sgdata.losses.expected.csv"

# The published figures: 24 gains in 15 people, 8 with more than one;
# magnitude mean 11.00, SD 3.43, 4 reversals; first gain per person
# mean 11.40, SD 3.98, 3 reversals.
summary() {
	awk -F, 'NR > 1 && $3 == 1 {
		n++; s += $12; q += $12 * $12; r += $16; id[$1]++ }
	END {
		for (k in id) { p++; if (id[k] > 1) m++ }
		printf "%d %d %d %.2f %.2f %d\n", n, p, m + 0, s / n,
		       sqrt((q - s * s / n) / (n - 1)), r }' "$1"
}
check
[ "$(summary "$T/bysg.csv")" = "24 15 8 11.00 3.43 4" ] ||
	fail "sgdata per gain: got $(summary "$T/bysg.csv")"
check
[ "$(summary "$T/byperson.csv")" = "15 15 0 11.40 3.98 3" ] ||
	fail "sgdata first gain per person: got $(summary "$T/byperson.csv")"
check
[ "$(wc -l <"$T/byperson.csv")" -eq 44 ] ||
	fail "byperson: every one of the 43 people has a row"

# Reversal from N+3 (the package's default call) gives the same here;
# leaving criterion 3 out shows the difference.
run gains $W --reversal-from 3 "$SG/sgdata.csv"
expect_same "$SG/sgdata.bysg.expected.csv"
run gains $W --no-crit3 "$SG/sgdata.csv"
cp "$T/out" "$T/k2.csv"
run gains $W --no-crit3 --reversal-from 3 "$SG/sgdata.csv"
check
! cmp -s "$T/out" "$T/k2.csv" || fail "--reversal-from 3 should differ"

# define_crit1_cutoff: from the bdi_s0 column and from --sd.
run gains --define-cutoff --reliability .931 --vars bdi_s0 "$SG/sgdata.csv"
expect_rc 0 "define cutoff from file"
expect_out "sd,reliability,standard_error_measurement,standard_error_difference,reliable_change_value"
expect_out "6.396073490631653,0.931,1.6801110590469028,2.376035845997154,4.657030258154422"
run gains --define-cutoff --reliability 0.961 --sd 10.5 --json
expect_rc 0 "define cutoff from --sd"
expect_out '"reliable_change_value": 5.747681202015299'
run gains --define-cutoff --reliability 2 --sd 10
expect_rc 1 "reliability 2"
expect_err "reliability must be between 0 and 1"
expect_no_out
run gains --define-cutoff --sd 10
expect_rc 2 "no reliability"
run gains --define-cutoff --reliability .9 --sd 10 --vars bdi_s0 "$SG/sgdata.csv"
expect_rc 2 "both --sd and a file"
expect_err "not both"

# Long form gives the same as wide: with --last-session the series runs to
# session 12 as the wide file does, whatever rows are missing.
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i;
	print "client,week,bdi"; next }
	{ for (s = 1; s <= 12; s++) { v = $(c["bdi_s" s]);
	  if (v != "NA") print $1 "," s "," v } }' "$SG/sgdata.csv" \
	>"$T/long.csv"
run gains --long --id client --session-col week --score-col bdi \
	--cutoff 7 --measure bdi --last-session 12 "$T/long.csv"
expect_rc 0 "long form"
expect_same "$SG/sgdata.bysg.expected.csv"
run gains --long --id client --session-col week --score-col bdi \
	--cutoff 7 --measure bdi --last-session 12 --no-crit3 "$T/long.csv"
cp "$T/out" "$T/long3.csv"
run gains $W --no-crit3 "$SG/sgdata.csv"
check
cmp -s "$T/out" "$T/long3.csv" || fail "long and wide differ without crit 3"
run gains --long --id client --session-col week --score-col bdi \
	--cutoff 7 --last-session 8 "$T/long.csv"
expect_rc 1 "--last-session too small"
expect_err "long.csv:2: id '1' has scores after session 8"
expect_no_out

# Long form --define-cutoff: the SD of each person's score at --tx-start
# (R: sd(sgdata$bdi_s12, na.rm = TRUE) = 6.785116).
run gains --define-cutoff --reliability .9 --long --id client \
	--session-col week --score-col bdi --tx-start 12 "$T/long.csv"
expect_rc 0 "define cutoff, long form"
expect_out "6.785116423323094,0.9,"

# The interval view names losses sl_NtoN+1.
run gains --vars bdi_s1:bdi_s12 --cutoff 5 --losses --by interval \
	"$SG/sgdata.csv"
expect_out "4,sl_9to10,9,1,1,1,1,-9,3,3,"

# JSON: one object per gain, null for missing.
run gains $W --json "$SG/testdf.csv"
expect_rc 0 "json"
expect_out '  {"id": "3", "id_sg": "3_sg_8", "sg_crit123": 1, "sg_session_n": 8, "sg_freq_byperson": 1, "sg_bdi_2n": 37, "sg_bdi_1n": null,'
check
[ "$(head -n 1 "$T/out")" = "[" ] && [ "$(tail -n 1 "$T/out")" = "]" ] ||
	fail "json: not an array"
check
[ "$(grep -c '^  {"id"' "$T/out")" -eq 14 ] || fail "json: 14 gains"
run gains $W --json --by person "$SG/testdf.csv"
expect_out '{"id": "2", "id_sg": null, "sg_crit123": 0, "sg_session_n": null, "sg_freq_byperson": 0,'
printf 'id,a,b,c,d\n' >"$T/none.csv"
run gains --vars a:d --cutoff 7 --json "$T/none.csv"
expect_rc 0 "json, no people"
check
[ "$(cat "$T/out")" = "[
]" ] || fail "json: empty array"

# A quoted id with a comma comes back quoted.
printf 'id,a,b,c,d,e,f\n"x,1",30,30,30,20,20,20\n' >"$T/q.csv"
run gains --vars a:f --cutoff 7 "$T/q.csv"
expect_out '"x,1","x,1_sg_3",1,3,1,30,30,30,20,20,20,10,10,1,25,0'
run gains --vars a:f --cutoff 7 --json "$T/q.csv"
expect_out '{"id": "x,1", "id_sg": "x,1_sg_3",'

# Usage errors: exit 2.
run gains --vars bdi_s1:bdi_s12 "$SG/sgdata.csv"
expect_rc 2 "no cut-off"
expect_err "--cutoff is required"
run gains --cutoff 7 "$SG/sgdata.csv"
expect_rc 2 "no --vars"
run gains $W --by week "$SG/sgdata.csv"
expect_rc 2 "bad --by"
run gains $W --select largest "$SG/sgdata.csv"
expect_rc 2 "--select without --by person"
expect_err "--select goes with --by person"
run gains $W --alpha 1.5 "$SG/sgdata.csv"
expect_rc 2 "alpha 1.5"
expect_err "alpha"
run gains $W --pct x "$SG/sgdata.csv"
expect_rc 2 "--pct x"
expect_err "--pct: 'x' is not a number"
run gains --vars bdi_s1:bdi_s12 --no-crit1 --no-crit2 --no-crit3 \
	"$SG/sgdata.csv"
expect_rc 2 "no criterion"
expect_err "at least one"
run gains $W --cutoff -7 "$SG/sgdata.csv"
expect_rc 2 "negative cut-off for gains"
expect_err "cut-off"
run gains $W --reversal-from 1 "$SG/sgdata.csv"
expect_rc 2 "--reversal-from 1"
run gains --long --cutoff 7 --baseline "$SG/sgdata.csv"
expect_rc 2 "--baseline in long form"
expect_err "--first-session 0"
run gains $W --last-session 12 "$SG/sgdata.csv"
expect_rc 2 "--last-session in wide form"
run gains $W --adjust maybe "$SG/sgdata.csv"
expect_rc 2 "--adjust maybe"
run gains $W "$SG/sgdata.csv" extra.csv
expect_rc 2 "two files"

# Bad input: exit 1, file, line and column named, nothing on stdout.
run gains $W "$T/nope.csv"
expect_rc 1 "missing file"
expect_err "nope.csv: cannot open"
expect_no_out
{ head -n 40 "$SG/sgdata.csv"; echo "99,1,2,3,4,5,6,7,8,9,x,1,2,3,4,5,1,2,3,4,5,6,7,8,9,1,2,3,4,5,6"; } \
	>"$T/bad.csv"
run gains $W "$T/bad.csv"
expect_rc 1 "value not a number"
expect_err "bad.csv:41: column bdi_s9: 'x' is not a number"
expect_no_out
run gains --vars bdi_s1:bdi_s99 --cutoff 7 "$SG/sgdata.csv"
expect_rc 1 "unknown column"
expect_no_out

# Many people: output spills past memory and still comes out whole, and
# not at all when the last row is bad.
awk 'BEGIN { print "id,a,b,c,d,e,f"; for (i = 0; i < 400000; i++)
	printf "p%d,30,30,30,20,20,20\n", i }' >"$T/many.csv"
run gains --vars a:f --cutoff 7 "$T/many.csv"
expect_rc 0 "many people"
check
[ "$(wc -l <"$T/out")" -eq 400001 ] || fail "many: 400001 lines"
echo "bad,30,30,x,20,20,20" >>"$T/many.csv"
run gains --vars a:f --cutoff 7 "$T/many.csv"
expect_rc 1 "many, last bad"
expect_no_out

if [ -w /dev/full ]; then
	"$ATTUNE" gains $W "$SG/sgdata.csv" >/dev/full 2>"$T/err"
	rc=$?
	: >"$T/out"
	expect_rc 3 "output to a full disk"
fi
finish
