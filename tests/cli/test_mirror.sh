# test_mirror.sh - `attune mirror`: cross-validation by transcript on a
# fixed AnnoMI subset (tests/data/mirror/annomi-subset.csv, seconds),
# training reproducible to the byte, coding every transcript format with
# golden output from the built-in model, and errors (usage 2, bad input
# 1 with nothing on stdout).
#
# The golden files are the built-in model's output: after retraining
# models/annomi.model, regenerate them with ATTUNE_UPDATE_GOLDEN=1 and
# review the diff by hand.
. "$(dirname "$0")/lib.sh"

M="$DATA/mirror"
SUB="$M/annomi-subset.csv"

# expect_golden NAME: stdout equals $M/NAME (or rewrites it).
expect_golden() {
	check
	if [ "${ATTUNE_UPDATE_GOLDEN:-}" = 1 ]; then
		cp "$T/out" "$M/$1"
		return
	fi
	cmp -s "$T/out" "$M/$1" || {
		fail "stdout differs from $1"
		diff "$M/$1" "$T/out" | head -20
	}
}

# at_least X FLOOR NAME: X >= FLOOR (quality floors, not timings).
at_least() {
	check
	awk -v x="$1" -v f="$2" 'BEGIN { exit !(x != "" && x + 0 >= f + 0) }' ||
		fail "$3: $1 is below $2"
}

# Help.
run mirror --help
expect_rc 0 "mirror --help"
expect_out "usage: attune mirror train"
expect_out "never replaces it"
expect_out "attune mirror summary"
expect_out "--rules RULES"
run mirror
expect_rc 2 "mirror without a verb"

# Cross-validation grouped by transcript on the fixed subset.
run mirror eval --labels "$SUB" --folds 3
expect_rc 0 "eval"
expect_out "3-fold cross-validation grouped by transcript: 21 transcripts"
expect_out "therapist_behaviour (591 utterances)"
expect_out "client_talk (580 utterances)"
expect_out "question_type"
expect_out "macro-F1"
expect_out "kappa"
t=$(awk '/macro-F1/ { print $2; exit }' "$T/out")
at_least "$t" 0.60 "therapist macro-F1 on the subset"
c=$(awk '/macro-F1/ { n++; if (n == 2) { print $2; exit } }' "$T/out")
at_least "$c" 0.40 "client macro-F1 on the subset"
run mirror eval --labels "$SUB" --folds 3 --json
expect_rc 0 "eval --json"
expect_out '"folds": 3, "transcripts": 21'
expect_out '"therapist_behaviour": {"n": 591, "classes": {"question": {"precision": '
expect_out '"macro_f1": '
run mirror eval --labels "$SUB" --folds 3 --predictions "$T/pred.csv"
expect_rc 0 "eval --predictions"
check
[ "$(wc -l <"$T/pred.csv")" -eq $((591 + 580 + 1)) ] ||
	fail "one prediction per labelled utterance"
check
head -1 "$T/pred.csv" | grep -q "^fold,transcript_id,utterance_id,line," ||
	fail "predictions header"

# Training is reproducible to the byte; info shows the header.
run mirror train --labels "$SUB" --out "$T/a.model" --set hash_bits=12
expect_rc 0 "train"
expect_err "trained on 21 transcripts"
run mirror train --labels "$SUB" --out "$T/b.model" --set hash_bits=12
check
cmp -s "$T/a.model" "$T/b.model" || fail "same data, same model bytes"
run mirror info --model "$T/a.model"
expect_rc 0 "info"
expect_out "attune-mirror-model 1"
expect_out "hash_bits 12"
expect_out "trained_on annomi-subset.csv: 21 transcripts"
expect_out "tasks therapist_behaviour,client_talk,subcode"
run mirror info
expect_rc 0 "info of the built-in model"
expect_out "trained_on annomi-full.csv: 106 transcripts"

# Coding a CSV echoes every column and adds seven; one row per input row.
run mirror code --model "$T/a.model" "$SUB"
expect_rc 0 "code csv"
expect_out "transcript_id,utterance_id,interlocutor,timestamp,utterance_text,annotator_id,main_therapist_behaviour,client_talk_type,question_subtype,reflection_subtype,therapist_input_subtype,therapist_behaviour,client_talk,subcode,markers,confidence,relational,cues"
check
[ "$(wc -l <"$T/out")" -eq "$(wc -l <"$SUB")" ] || fail "a row per input row"
# coding its own output again is refused
cp "$T/out" "$T/coded.csv"
run mirror code "$T/coded.csv"
expect_rc 1 "code coded csv"
expect_err "already has a therapist_behaviour column"
expect_no_out

# Golden output of the built-in model: plain text, WebVTT, JSON, and
# the evidence column.
run mirror code "$M/session.txt"
expect_rc 0 "code text"
sed "s|$M/||" "$T/out" >"$T/o" && mv "$T/o" "$T/out"
expect_golden session.txt.expected.csv
run mirror code --format json "$M/session.txt"
expect_rc 0 "code text json"
sed "s|$M/||" "$T/out" >"$T/o" && mv "$T/o" "$T/out"
expect_golden session.txt.expected.json
run mirror code --speakers "Dr Lee=therapist,Sam=client" "$M/session.vtt" \
	"$M/session.json"
expect_rc 0 "code vtt and json"
sed "s|$M/||" "$T/out" >"$T/o" && mv "$T/o" "$T/out"
expect_golden session.vtt-json.expected.csv
run mirror code --evidence "$M/session.txt"
expect_rc 0 "code --evidence"
expect_out ",confidence,relational,cues,evidence"
expect_out "w:what"
run_in "$M/session.txt" mirror code -
expect_rc 0 "code stdin"
expect_out "-,,1,0,therapist,T,00:00:02.000"

# Rupture markers, relational moves and the session summary, from a
# made-up session with three rupture episodes (two repaired) and markup
# in a client turn (tests/data/mirror/rupture.txt).
run mirror code "$M/rupture.txt"
expect_rc 0 "code rupture"
sed "s|$M/||" "$T/out" >"$T/o" && mv "$T/o" "$T/out"
expect_golden rupture.txt.expected.csv
expect_out ',withdrawal/minimal,'
expect_out 'own-contribution;validation;change-task'
expect_out '"W-MIN-FEEL 2 0.60 ""I don'"'"'t know"""'
run mirror code --format json "$M/rupture.txt"
expect_rc 0 "code rupture json"
expect_out '"markers": [{"type": "withdrawal", "subtype": "minimal", "intensity": 2, "confidence": 0.60, "rule": "W-MIN-FEEL", "cue": "Fine"}]'
expect_out '"relational": [{"subtype": "immediacy"'
run mirror summary "$M/rupture.txt"
expect_rc 0 "summary"
sed "s|$M/||" "$T/out" >"$T/o" && mv "$T/o" "$T/out"
expect_golden rupture.txt.summary.txt
expect_out "episodes         3, 2 repaired"
expect_out "MITI R:Q         0.83 (5 reflections / 6 questions): below fair"
run mirror summary --format json "$M/rupture.txt"
expect_rc 0 "summary json"
sed "s|$M/||" "$T/out" >"$T/o" && mv "$T/o" "$T/out"
expect_golden rupture.txt.summary.json
expect_out '"rq_band": "below fair"'
run mirror summary --format html "$M/rupture.txt"
expect_rc 0 "summary html"
sed "s|$M/||" "$T/out" >"$T/o" && mv "$T/o" "$T/out"
expect_golden rupture.txt.summary.html
run mirror code --format html "$M/rupture.txt" "$M/session.txt"
expect_rc 0 "code html"
# self-contained, inert: markup in a turn is text, nothing is loaded
expect_out '&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;'
expect_out '&lt;b&gt;I can&#39;t do this&lt;/b&gt; &amp; &quot;nobody gets it&quot;'
expect_not_out '<script'
expect_not_out '<b>'
expect_not_out 'src='
expect_not_out 'http://'
expect_not_out 'https://'
expect_out "Content-Security-Policy"
expect_out 'Rupture episode 3: confrontation, intensity 2, not repaired'
expect_out 'class="m-client m-ep m-fixed"'
check
[ "$(grep -c '<section>' "$T/out")" -eq 2 ] || fail "one section per transcript"
# the same in JSON and CSV input; the rules file from the command line
printf 'attune-mirror-rules 1
rule ONLY
  code withdrawal/fine
  any "fine"
' >"$T/my.rules"
run mirror code --rules "$T/my.rules" "$M/rupture.txt"
expect_rc 0 "code --rules"
expect_out "withdrawal/fine"
expect_not_out "withdrawal/minimal"
expect_not_out "immediacy"
printf 'attune-mirror-rules 1
rule A
  code withdrawl/x
' >"$T/bad.rules"
run mirror code --rules "$T/bad.rules" "$M/rupture.txt"
expect_rc 1 "bad rules"
expect_err "bad.rules:3:8: 'withdrawl' is not a type"
expect_no_out
run mirror summary --rules "$T/missing.rules" "$M/rupture.txt"
expect_rc 1 "missing rules"
expect_err "missing.rules"
run mirror rules
expect_rc 0 "rules"
expect_out "attune-mirror-rules 1"
expect_out "rule W-MIN-OPEN"
run mirror rules
cp "$T/out" "$T/copy.rules"
run mirror summary --rules "$T/copy.rules" "$M/rupture.txt"
expect_rc 0 "the printed rules read back"
expect_out "episodes         3, 2 repaired"
run mirror summary --format csv "$M/rupture.txt"
expect_rc 2 "summary --format csv"
expect_err "'csv' is not text, json or html"
run mirror summary --evidence "$M/rupture.txt"
expect_rc 2 "summary --evidence"
run mirror summary
expect_rc 2 "summary without files"
run mirror summary "$SUB"
expect_rc 0 "summary of a CSV archive"
check
[ "$(grep -c '^annomi-subset.csv\|/annomi-subset.csv (transcript' "$T/out")" -eq 21 ] ||
	fail "one summary per transcript of the CSV"

# Errors: usage 2; bad input 1 and nothing on stdout.
run mirror train --out "$T/x.model"
expect_rc 2 "train without --labels"
expect_err "--labels FILE.csv is needed"
run mirror train --labels "$SUB"
expect_rc 2 "train without --out"
run mirror eval --labels "$SUB" --folds 1
expect_rc 2 "one fold"
expect_err "--folds: '1' is not a whole number in 2..100"
run mirror eval --labels "$SUB" --folds 30
expect_rc 1 "more folds than transcripts"
expect_err "30 folds need at least 30 transcripts; the data has 21"
run mirror eval --labels "$SUB" --set colour=blue
expect_rc 2 "unknown option"
expect_err "unknown option 'colour'"
run mirror eval --labels "$SUB" --set hash_bits=40
expect_rc 2 "option out of range"
expect_err "hash_bits 40 is outside 4..24"
run mirror frobnicate
expect_rc 2 "unknown verb"
expect_err "unknown verb 'frobnicate'"
printf 'interlocutor,utterance_text,client_talk_type\nclient,hi,neutral\nclient,no,sustained\n' >"$T/bad.csv"
run mirror eval --labels "$T/bad.csv"
expect_rc 1 "bad label"
expect_err "bad.csv:3: client_talk_type 'sustained' is not change, neutral or sustain"
expect_no_out
run mirror train --labels "$T/missing.csv" --out "$T/x.model"
expect_rc 1 "missing labels file"
expect_err "missing.csv: cannot open"
printf 'not a model\n' >"$T/bad.model"
run mirror code --model "$T/bad.model" "$M/session.txt"
expect_rc 1 "bad model"
expect_err "bad.model: not an attune coder model"
expect_no_out
head -c 2000 "$T/a.model" >"$T/cut.model"
run mirror code --model "$T/cut.model" "$M/session.txt"
expect_rc 1 "truncated model"
expect_err "bytes after the header"
run mirror code --format xml "$M/session.txt"
expect_rc 2 "bad format"
run mirror code "$M/session.txt" "$SUB"
expect_rc 1 "csv after text"
expect_err "code CSV files on their own"
expect_no_out
printf 'T: fine\nC: \377\n' >"$T/bad.txt"
run mirror code "$T/bad.txt"
expect_rc 1 "invalid UTF-8"
expect_err "invalid UTF-8"
expect_no_out

finish
