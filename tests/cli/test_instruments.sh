# test_instruments.sh - `attune instruments` list/show/export, licensed
# wording from a local file, and definitions from --instruments DIR.
. "$(dirname "$0")/lib.sh"

run instruments list
expect_rc 0 "instruments list"
for id in phq9 gad7 wai-sr sai ors srs core10 ecr-rs checkin-alliance \
          mirror-alliance checkin-patterns checkin-capacities; do
	expect_out "$id "
done
run instruments list --json
expect_rc 0 "instruments list --json"
expect_out '"id": "phq9"'

run instruments show phq9
expect_rc 0 "show phq9"
expect_out "Thoughts that you would be better off dead"
expect_out "risk-self-harm"
run instruments show wai-sr
expect_rc 0 "show wai-sr"
expect_out "[wording licensed - load locally]"
run instruments show nope
expect_rc 1 "show unknown"

run instruments export phq9 --fhir
expect_rc 0 "export phq9 --fhir"
expect_out '"resourceType":	"Questionnaire"'
expect_out '"44249-1"'
run instruments export phq9
expect_rc 2 "export without a format"

# Licensed wording from a local file.
run --wording "$DATA/wording/wai-sr.example.json" instruments show wai-sr
expect_rc 0 "wording file"
expect_out "[WAI-SR item 1"
mkdir -p "$T/wdir"
cp "$DATA/wording/wai-sr.example.json" "$T/wdir/"
ATTUNE_WORDING_DIR="$T/wdir" run instruments show wai-sr
expect_rc 0 "ATTUNE_WORDING_DIR"
expect_out "[WAI-SR item 1"
printf '{"instrument": "wai-sr", "items": {"wai_99": "x"}}' >"$T/badw.json"
run --wording "$T/badw.json" instruments show wai-sr
expect_rc 1 "bad wording file"
expect_err "badw.json: \$.items.wai_99: is not an item of this instrument"

# Extra definitions: a good one loads, a bad one names file and path.
mkdir -p "$T/defs"
sed -e 's/"id": "phq9"/"id": "phq9-local"/' \
    "$ATTUNE_SRCDIR/instruments/phq9.json" >"$T/defs/local.json"
run --instruments "$T/defs" instruments show phq9-local
expect_rc 0 "--instruments DIR"
sed -e 's/"reverse"/"revers"/; s/"id": "phq9"/"id": "x"/; s/"scored": false/"scored": 0/' \
    "$ATTUNE_SRCDIR/instruments/phq9.json" >"$T/defs/zbad.json"
run --instruments "$T/defs" instruments list
expect_rc 1 "bad definition"
expect_err "zbad.json: \$.items[9].scored: must be true or false"
finish
