# test_ruptures.sh - `attune ruptures`: rupture-repair sequences and the
# client-therapist discrepancy against the golden files in
# tests/data/alliance (hand-checked and re-derived by reference.py, see
# the README there), the same answers from wide and long form and from
# standard input, and every error naming file, line and column with
# nothing on stdout.
. "$(dirname "$0")/lib.sh"

AL="$DATA/alliance"
WIDE="--id client --vars total_s1:total_s8 --sub goal=goal_s1:goal_s8
      --sub task=task_s1:task_s8 --sub bond=bond_s1:bond_s8"
LONG="--id client --long --score-col total --sub goal=goal --sub task=task
      --sub bond=bond"
PAIR="--vars c1:c6 --therapist-vars t1:t6 --sub goals=cg1:cg6
      --therapist-sub goals=tg1:tg6 --sub bond=cb1:cb6
      --therapist-sub bond=tb1:tb6"

# same_csv EXPECTED: stdout equals EXPECTED, numbers to one unit in the
# sixth decimal (attune writes six; a value on a rounding edge may fall
# either way with another compiler's last bit).
same_csv() {
	check
	if ! awk -F, '
	function isnum(s) { return s ~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/ }
	function abs(x) { return x < 0 ? -x : x }
	NR == FNR { want[FNR] = $0; n = FNR; next }
	{
		if (!(FNR in want)) { bad = 1; exit }
		m = split(want[FNR], w, ",")
		if (m != NF) { bad = 1; exit }
		for (i = 1; i <= NF; i++) {
			if ($i == w[i]) continue
			if (isnum($i) && isnum(w[i]) &&
			    abs($i - w[i]) <= 1.5e-6) continue
			bad = 1; exit
		}
		got = FNR
	}
	END { exit bad || got != n }' "$1" "$T/out"; then
		fail "stdout differs from $1"
		diff "$1" "$T/out" | head -20
	fi
}

# --- golden files ------------------------------------------------------
# shellcheck disable=SC2086
run ruptures $WIDE "$AL/wai-wide.csv"
expect_rc 0 "stiles, wide"
same_csv "$AL/wai.stiles.expected.csv"
# shellcheck disable=SC2086
run ruptures --rule stiles $LONG "$AL/wai-long.csv"
expect_rc 0 "stiles, long"
same_csv "$AL/wai.stiles.expected.csv"
# shellcheck disable=SC2086
run_in "$AL/wai-wide.csv" ruptures $WIDE -
expect_rc 0 "stiles, standard input"
same_csv "$AL/wai.stiles.expected.csv"

# shellcheck disable=SC2086
run ruptures --rule strauss $WIDE "$AL/wai-wide.csv"
expect_rc 0 "strauss"
same_csv "$AL/wai.strauss.expected.csv"
# shellcheck disable=SC2086
run ruptures --rule strauss $LONG "$AL/wai-long.csv"
same_csv "$AL/wai.strauss.expected.csv"
# shellcheck disable=SC2086
run ruptures --rule strauss --sd stricter $WIDE "$AL/wai-wide.csv"
expect_rc 0 "strauss, stricter SD"
same_csv "$AL/wai.strauss-stricter.expected.csv"
# shellcheck disable=SC2086
run ruptures --rule strauss --sd stricter $LONG "$AL/wai-long.csv"
same_csv "$AL/wai.strauss-stricter.expected.csv"
# shellcheck disable=SC2086
run ruptures --sd between --all $WIDE "$AL/wai-wide.csv"
expect_rc 0 "stiles, between SD, --all"
same_csv "$AL/wai.stiles-between-all.expected.csv"

run ruptures --rule cutoff --long --score-col srs "$AL/srs-long.csv"
expect_rc 0 "cutoff"
same_csv "$AL/srs.cutoff.expected.csv"
run ruptures --rule cutoff --missing break --long --score-col srs \
	"$AL/srs-long.csv"
same_csv "$AL/srs.cutoff-break.expected.csv"
run ruptures --rule drop --long --score-col srs "$AL/srs-long.csv"
same_csv "$AL/srs.drop.expected.csv"

# shellcheck disable=SC2086
run ruptures --discrepancy $PAIR "$AL/pair-wide.csv"
expect_rc 0 "discrepancy by session"
same_csv "$AL/pair.session.expected.csv"
# shellcheck disable=SC2086
run ruptures --discrepancy $PAIR --by person --all "$AL/pair-wide.csv"
same_csv "$AL/pair.person.expected.csv"
# Without --all only the flagged: D1 and D3, not D2.
# shellcheck disable=SC2086
run ruptures --discrepancy $PAIR --by person "$AL/pair-wide.csv"
expect_out "D1,6,"
expect_out "D3,5,"
expect_not_out "D2"
# Under --missing break D3's unrated session 3 ends its run: no flag.
# shellcheck disable=SC2086
run ruptures --discrepancy $PAIR --by person --missing break \
	"$AL/pair-wide.csv"
expect_not_out "D3"
# Long form of the pair, through the several-column reader.
printf 'id,session,c,t\nD1,1,2.5,3\nD1,2,2,3.25\nD1,3,2,3\nD1,4,1.75,3\n' \
	>"$T/pair-long.csv"
run ruptures --discrepancy --long --score-col c --therapist-col t \
	--sustain 3 "$T/pair-long.csv"
expect_rc 0 "discrepancy, long"
expect_out "D1,4,1.75,3,1.25,3,1"
expect_out "D1,3,2,3,1,2,0"

# JSON: the same records.
# shellcheck disable=SC2086
run ruptures --rule strauss --scales total --json $WIDE "$AL/wai-wide.csv"
expect_rc 0 "--json"
expect_out '{"id": "P01", "scale": "total", "rule": "strauss", "pre": 4, "start": 5, "lowest": 5, "repair": 7, "status": "repaired"'
expect_out '"lead": "goal"'
expect_out '"repair": null, "status": "unrepaired"'
expect_not_out '"scale": "goal"'
run ruptures --json --rule drop --long --score-col srs --id id \
	"$AL/srs-long.csv"
expect_out '"pre": 1, "start": 2, "lowest": 3'
printf 'id,a,b,c\nX,5,5,5\n' >"$T/flat.csv"
run ruptures --json --vars a:c "$T/flat.csv"
expect_rc 0 "--json, nothing found"
check
[ "$(cat "$T/out")" = "[
]" ] || fail "an empty JSON array"

# --- help and usage ------------------------------------------------------
run ruptures --help
expect_rc 0 "--help"
expect_out "usage: attune ruptures"
expect_out "Stiles et al. 2004"
expect_out "Strauss et al. 2006"
expect_out "Gumz et al."
expect_out "Tryon, Blackwell & Hammel 2007"
expect_out "--missing break"

run ruptures "$AL/wai-wide.csv"
expect_rc 2 "no --vars"
expect_err "--vars"
run ruptures --rule nope --vars a "$AL/wai-wide.csv"
expect_rc 2 "bad rule"
expect_err "--rule must be"
run ruptures --rule cutoff --k 2 --vars a "$AL/wai-wide.csv"
expect_rc 2 "--k with cutoff"
expect_err "--k belongs to"
run ruptures --cutoff 30 --vars a "$AL/wai-wide.csv"
expect_rc 2 "--cutoff with stiles"
run ruptures --sd -1 --vars a "$AL/wai-wide.csv"
expect_rc 2 "negative SD"
expect_err "--sd must be"
run ruptures --between-sd 2 --vars a "$AL/wai-wide.csv"
expect_rc 2 "--between-sd without --sd between"
run ruptures --within -1 --vars a "$AL/wai-wide.csv"
expect_rc 2 "--within -1"
run ruptures --sub goal --vars a "$AL/wai-wide.csv"
expect_rc 2 "--sub without ="
expect_err "NAME=COLUMNS"
run ruptures --sub total=a --vars a "$AL/wai-wide.csv"
expect_rc 2 "--sub total"
run ruptures --sd 3 --sub g=goal_s1:goal_s8 --vars total_s1:total_s8 \
	"$AL/wai-wide.csv"
expect_rc 2 "--sd VALUE with subscales searched"
expect_err "--scales total"
run_in "$AL/wai-wide.csv" ruptures --sd between --id client \
	--vars total_s1:total_s8 -
expect_rc 2 "--sd between from stdin"
expect_err "--between-sd"
run_in "$AL/wai-wide.csv" ruptures --sd between --between-sd 4.904 \
	--id client --vars total_s1:total_s8 -
expect_rc 0 "--sd between from stdin with --between-sd"
expect_out "P01,total,stiles,4,5,5,6,repaired,49.875,40,9.875,4.904,"
run ruptures --discrepancy --vars c1:c6 "$AL/pair-wide.csv"
expect_rc 2 "--discrepancy without the therapist"
expect_err "--therapist-vars"
run ruptures --discrepancy --rule strauss --vars c1:c6 \
	--therapist-vars t1:t6 "$AL/pair-wide.csv"
expect_rc 2 "--rule with --discrepancy"
run ruptures --discrepancy --vars c1:c6 --therapist-col t \
	"$AL/pair-wide.csv"
expect_rc 2 "--therapist-col in wide form"
run ruptures --discrepancy --vars c1:c6 --therapist-vars t1:t6 \
	--sub goals=cg1:cg6 "$AL/pair-wide.csv"
expect_rc 2 "--sub without --therapist-sub"
run ruptures --gap 1 --vars c1:c6 "$AL/pair-wide.csv"
expect_rc 2 "--gap without --discrepancy"
run ruptures --long --sub goal=a,b "$AL/wai-long.csv"
expect_rc 2 "long form --sub with two columns"
run ruptures --vars a "$AL/wai-wide.csv" extra.csv
expect_rc 2 "two files"

# --- bad input: exit 1, file:line and column named, stdout empty -------
run ruptures --vars total_s1:total_s8 "$AL/wai-wide.csv"
expect_rc 1 "no id column"
expect_err "wai-wide.csv:1: no column named 'id'"
expect_no_out
run ruptures --id client --vars total_s1:total_s8 --sub g=goal_s1:goal_s7 \
	"$AL/wai-wide.csv"
expect_rc 1 "subscale with fewer sessions"
expect_err "g names 7 session columns, --vars names 8"
expect_no_out
run ruptures --id client --vars total_s1:total_s8 --sub g=nope1:nope8 \
	"$AL/wai-wide.csv"
expect_rc 1 "unknown subscale column"
expect_err "no column named 'nope1'"
# A bad value on line 3, after a good person: nothing printed.
sed '3s/,52,/,5x2,/' "$AL/wai-wide.csv" >"$T/bad.csv"
# shellcheck disable=SC2086
run ruptures $WIDE "$T/bad.csv"
expect_rc 1 "a bad number"
expect_err "bad.csv:3: column total_s2: '5x2' is not a number"
expect_no_out
# Long form with several columns: the own reader's checks.
{
	echo "client,session,total,goal,task,bond"
	echo "A,1,40,13,13,14"
	echo "A,2,41,13,14,14"
	echo "B,1,40,13,13,14"
	echo "A,3,30,10,10,10"
} >"$T/split.csv"
# shellcheck disable=SC2086
run ruptures $LONG "$T/split.csv"
expect_rc 1 "a person's rows apart"
expect_err "split.csv:5: id 'A' appears again"
expect_no_out
{
	echo "client,session,total,goal,task,bond"
	echo "A,2,40,13,13,14"
	echo "A,1,41,13,14,14"
} >"$T/order.csv"
# shellcheck disable=SC2086
run ruptures $LONG "$T/order.csv"
expect_rc 1 "sessions out of order"
expect_err "order.csv:3: column session: session 1 does not follow session 2"
{
	echo "client,session,total,goal,task,bond"
	echo "A,1,40,13,x,14"
} >"$T/badsub.csv"
# shellcheck disable=SC2086
run ruptures $LONG "$T/badsub.csv"
expect_rc 1 "bad subscale value"
expect_err "badsub.csv:2: column task: 'x' is not a number"
{
	echo "client,session,total,goal,task"
	echo "A,1,40,13,13"
} >"$T/nobond.csv"
# shellcheck disable=SC2086
run ruptures $LONG "$T/nobond.csv"
expect_rc 1 "no bond column"
expect_err "nobond.csv:1: no column named 'bond' for bond"
{
	echo "client,session,total,goal,task,bond"
	echo "A,1,40,13,13"
} >"$T/short.csv"
# shellcheck disable=SC2086
run ruptures $LONG "$T/short.csv"
expect_rc 1 "a short row"
expect_err "short.csv:2: has 5 fields, the header has 6"
: >"$T/empty.csv"
# shellcheck disable=SC2086
run ruptures $LONG "$T/empty.csv"
expect_rc 1 "empty file"
expect_err "empty input"
run ruptures --vars a "$T/does-not-exist.csv"
expect_rc 1 "missing file"
expect_err "does-not-exist.csv: cannot open"
# --sd between on a file with a single score: no sample SD.
printf 'id,a,b\nX,5,\n' >"$T/one.csv"
run ruptures --sd between --vars a:b "$T/one.csv"
expect_rc 1 "no sample SD"
expect_err "no sample SD"

finish
