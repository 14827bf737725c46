# test_demo.sh - `attune demo` builds the same clinic from the same seed
# and shows a report; the second run reuses the database.
. "$(dirname "$0")/lib.sh"

run demo --report --db "$T/a.db"
expect_rc 0 "demo"
expect_out "Created the demo clinic"
expect_out "Client C-1001 (Maya R.)"
expect_out "Patient Health Questionnaire-9"
run demo --report --db "$T/a.db"
expect_rc 0 "demo again"
expect_not_out "Created the demo clinic"
run demo --report --db "$T/b.db"
run --db "$T/a.db" client list
expect_out "C-1030"
expect_not_out "C-1031"
# Same seed, same data (reports are computed from stored answers).
for c in C-1001 C-1005 C-1013 C-1022 C-1030; do
	"$ATTUNE" --db "$T/a.db" report --client "$c" --json >"$T/ra" 2>/dev/null
	"$ATTUNE" --db "$T/b.db" report --client "$c" --json >"$T/rb" 2>/dev/null
	check
	cmp -s "$T/ra" "$T/rb" || { rc=0; fail "demo not deterministic for $c"; }
done
run demo --report --db "$T/c.db" --seed 2 --client C-1002
expect_rc 0 "demo seed 2"
"$ATTUNE" --db "$T/c.db" report --client C-1005 --json >"$T/rc" 2>/dev/null
check
! cmp -s "$T/ra" "$T/rc" || { rc=0; fail "another seed gave the same data"; }
# The demo has what it promises: risk flags, reliable change both ways.
n_risk=0; n_rec=0; n_det=0
for i in $(seq 1001 1030); do
	"$ATTUNE" --db "$T/a.db" report --client C-$i >"$T/r" 2>/dev/null
	grep -q "risk-self-harm\|review risk" "$T/r" && n_risk=$((n_risk + 1))
	grep -q "recovered" "$T/r" && n_rec=$((n_rec + 1))
	grep -q "deteriorated\|harmed" "$T/r" && n_det=$((n_det + 1))
done
check
[ "$n_risk" -ge 1 ] && [ "$n_rec" -ge 5 ] && [ "$n_det" -ge 1 ] ||
	{ rc=0; fail "demo mix: risk=$n_risk recovered=$n_rec deteriorated=$n_det"; }
finish
