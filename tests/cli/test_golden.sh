# test_golden.sh - `attune score` on every shipped instrument against
# hand-checked expected output (tests/data/golden/, see docs/scoring.md).
. "$(dirname "$0")/lib.sh"

n=0
for def in "$ATTUNE_SRCDIR"/instruments/*.json; do
	id=$(basename "$def" .json)
	in="$DATA/golden/$id.csv"
	want="$DATA/golden/$id.expected.csv"
	check
	if [ ! -f "$in" ] || [ ! -f "$want" ]; then
		rc=0
		fail "instrument $id has no golden test ($in, $want)"
		continue
	fi
	run score --instrument "$id" "$in"
	expect_rc 0 "score $id"
	check
	if ! cmp -s "$T/out" "$want"; then
		fail "score $id differs from $want"
		diff "$want" "$T/out" | head -20
	fi
	# The same rows through stdin and as JSON.
	run_in "$in" score --instrument "$id" -
	check
	cmp -s "$T/out" "$want" || fail "score $id from stdin differs"
	run score --instrument "$id" --format json "$in"
	expect_rc 0 "score $id --format json"
	expect_out '"id": '
	n=$((n + 1))
done
check
[ "$n" -ge 12 ] || { rc=0; fail "expected at least 12 instruments, saw $n"; }
finish
