# test_change.sh - `attune change`: Jacobson & Truax reliable and
# clinically significant change against the R package
# clinicalsignificance's results on the same data (tests/data/change,
# provenance in its README), the NHS Talking Therapies outcomes against
# hand-checked rows, the series input forms, standard input and pipes, and
# every error: usage errors exit 2, bad input exits 1 naming file, line and
# column and prints nothing on stdout.
. "$(dirname "$0")/lib.sh"

D="$DATA/change"
Z=1.9599639845400536   # qnorm(0.975), the package's critical value

# expect_jt EXPECTED: compare $T/out (attune's CSV) with the package's
# results: same ids, rc within 1e-9, same clinical_pre, functional_post
# and class; people the package left out (a score missing) have no class.
expect_jt() {
	check
	awk -F, -v name="$1" '
	NR == FNR { if (FNR > 1) { rc[$1] = $4; cp[$1] = $5; fp[$1] = $6;
	                           cl[$1] = $7; n++ }
	            next }
	FNR == 1 { if ($0 != "id,pre,post,diff,rc,reliable,clinical_pre,functional_post,class") { print "header: " $0; bad++ } next }
	!($1 in cl) { if ($9 != "" || $5 != "") { print "expected no class: " $0; bad++ } next }
	{ m++; d = $5 - rc[$1]; if (d < 0) d = -d
	  if (d > 1e-9 || $7 != cp[$1] || $8 != fp[$1] || $9 != cl[$1]) {
		print "differs: " $0 " (package: " rc[$1] "," cp[$1] "," fp[$1] "," cl[$1] ")"; bad++ } }
	END { if (m != n) { print name ": " m " of " n " people"; bad++ }
	      exit bad > 0 }' "$1" "$T/out" >"$T/cmp" ||
		fail "$(basename "$1"): $(head -c 400 "$T/cmp")"
}

# ---- Jacobson & Truax against clinicalsignificance ----

S="$D/jt-sample.csv"
run change --pre pre --post post --reliability 0.8 --lower-is-better \
	--criterion a --z "$Z" "$S"
expect_rc 0 "jt sample a"
expect_jt "$D/jt-sample.lower-a.expected.csv"
expect_err "the sample's pre scores (41 people with both scores): mean 26.65853658536585, SD 7.37092177443758"

run change --pre pre --post post --reliability 0.8 --lower-is-better \
	--criterion b --func-mean 8 --func-sd 8 --b-sd clinical --z "$Z" "$S"
expect_rc 0 "jt sample b (package's b)"
expect_jt "$D/jt-sample.lower-b.expected.csv"

run change --pre pre --post post --reliability 0.8 --lower-is-better \
	--criterion c --func-mean 8 --func-sd 8 --z "$Z" "$S"
expect_rc 0 "jt sample c"
expect_jt "$D/jt-sample.lower-c.expected.csv"
expect_err "cut-off c = 17.711082710157665"

run change --pre pre --post post --reliability 0.8 --higher-is-better \
	--criterion c --func-mean 40 --func-sd 6 --z "$Z" "$S"
expect_rc 0 "jt sample higher c"
expect_jt "$D/jt-sample.higher-c.expected.csv"

run change --pre pre --post post --reliability 0.85 --higher-is-better \
	--criterion a --z "$Z" "$S"
expect_rc 0 "jt sample higher a"
expect_jt "$D/jt-sample.higher-a.expected.csv"

# With J&T's 1.96 the classes are the same on this sample.
run change --pre pre --post post --reliability 0.8 --lower-is-better \
	--criterion c --func-mean 8 --func-sd 8 "$S"
expect_jt "$D/jt-sample.lower-c.expected.csv"

# The package's summary counts (cs_combined print) for cut-off c.
run change --pre pre --post post --reliability 0.8 --lower-is-better \
	--criterion c --func-mean 8 --func-sd 8 --z "$Z" --summary "$S"
expect_rc 0 "jt summary"
check
printf 'class,n,of,percent\nrecovered,12,41,29.27\nimproved,6,41,14.63\nunchanged,20,41,48.78\ndeteriorated,3,41,7.32\nharmed,0,41,0\n' >"$T/want"
cmp -s "$T/want" "$T/out" || fail "jt summary differs"

# Ties: every cut-off is 12, S_diff sqrt(2); norms given, nothing from the
# sample.
NORMS="--reliability 0.75 --sd 2 --clin-mean 20 --clin-sd 4 --func-mean 4 --func-sd 4"
TIES="--pre pre --post post $NORMS"
run change $TIES --lower-is-better --criterion c "$D/jt-ties.csv"
expect_rc 0 "ties c"
expect_jt "$D/jt-ties.lower-c.expected.csv"
expect_out "T05,4,12,8,5.65685424949238,1,0,0,harmed"
expect_out "T01,20,12,-8,-5.65685424949238,1,1,0,improved"
run change $TIES --lower-is-better --criterion a "$D/jt-ties.csv"
expect_jt "$D/jt-ties.lower-a.expected.csv"
run change $TIES --lower-is-better --criterion b --b-sd clinical "$D/jt-ties.csv"
expect_jt "$D/jt-ties.lower-b.expected.csv"
run change $TIES --lower-is-better --criterion b "$D/jt-ties.csv"
expect_jt "$D/jt-ties.lower-b.expected.csv"   # func SD = clin SD here
run change $TIES --higher-is-better --criterion c "$D/jt-ties.csv"
expect_jt "$D/jt-ties.higher-c.expected.csv"
expect_not_out "attune"

# J&T's b (functional SD) differs from the package's (clinical SD).
run change --pre pre --post post --reliability 0.75 --sd 2 \
	--clin-sd 10 --func-mean 4 --func-sd 4 --lower-is-better \
	--criterion b "$D/jt-ties.csv"
expect_err "cut-off b = 12"
run change --pre pre --post post --reliability 0.75 --sd 2 \
	--clin-sd 10 --func-mean 4 --func-sd 4 --lower-is-better \
	--criterion b --b-sd clinical "$D/jt-ties.csv"
expect_err "cut-off b = 24"

# ---- standard input and pipes (read twice through a temporary file) ----

run change --pre pre --post post --reliability 0.8 --lower-is-better \
	--criterion c --func-mean 8 --func-sd 8 --z "$Z" "$S"
cp "$T/out" "$T/fromfile"
run_in "$S" change --pre pre --post post --reliability 0.8 \
	--lower-is-better --criterion c --func-mean 8 --func-sd 8 --z "$Z" -
expect_rc 0 "stdin"
check
cmp -s "$T/fromfile" "$T/out" || fail "stdin output differs from file"
cat "$S" | "$ATTUNE" change --pre pre --post post --reliability 0.8 \
	--lower-is-better --criterion c --func-mean 8 --func-sd 8 --z "$Z" \
	>"$T/out" 2>"$T/err"
rc=$?
sanitizer_check
expect_rc 0 "pipe"
check
cmp -s "$T/fromfile" "$T/out" || fail "piped output differs from file"

# ---- JSON ----

run change $TIES --lower-is-better --criterion c --json "$D/jt-ties.csv"
expect_rc 0 "json"
expect_out '"method": "jacobson-truax"'
expect_out '"criterion": "c", "cutoff": 12'
expect_out '"s_diff": 1.4142135623730951'
expect_out '{"id": "T04", "pre": 16, "post": 11, "diff": -5, "rc": -3.5355339059327373, "reliable": true, "clinical_pre": true, "functional_post": true, "class": "recovered"}'
expect_out '{"id": "T12", "pre": null, "post": 7, "diff": null, "rc": null, "reliable": null, "clinical_pre": null, "functional_post": null, "class": null}'
expect_out '"recovered": {"n": 2, "of": 14, "percent": 14.29}'
if command -v python3 >/dev/null 2>&1; then
	check
	python3 -m json.tool "$T/out" >/dev/null 2>&1 || fail "JSON does not parse"
fi

# ---- the instrument file's norms: PHQ-9 (reliability .89, cut-off 10,
# lower is better); SD 5 given: S_diff = sqrt(2 * 25 * .11) = 2.345208,
# reliable beyond 4.596608 points ----

printf 'id,first,last\na,18,7\nb,10,4\nc,14,10\nd,4,10\ne,12,8\nf,9,20\n' \
	>"$T/phq.csv"
run change --instrument phq9 --pre first --post last --sd 5 "$T/phq.csv"
expect_rc 0 "instrument phq9"
expect_out "a,18,7,-11,-4.69041575982343,1,1,1,recovered"
expect_out "b,10,4,-6,-2.5584085962673253,1,1,1,recovered"   # 10 is a case
expect_out "c,14,10,-4,"                                     # not reliable
expect_out "unchanged"
expect_out "d,4,10,6,2.5584085962673253,1,0,0,harmed"        # into 10
expect_out "e,12,8,-4,-1.7056057308448833,0,1,1,unchanged"
expect_out "f,9,20,11,4.69041575982343,1,0,0,harmed"
expect_err "cut-off 10 as given"

# ---- series input: first and last score of each person ----

printf 'id,s1,s2,s3,s4\nw1,20,,14,12\nw2,NA,22,18,\nw3,16,,,\nw4,,,,\n' \
	>"$T/wide.csv"
run change --vars s1:s4 $NORMS --lower-is-better --criterion c "$T/wide.csv"
expect_rc 0 "wide"
expect_out "w1,20,12,-8,"
expect_out "w2,22,18,-4,"
expect_out "w3,16,,,,,,,"          # one score: no change
expect_out "w4,,,,,,,,"
printf 'id,session,score\nw1,1,20\nw1,3,14\nw1,4,12\nw2,2,22\nw2,3,18\n' \
	>"$T/long.csv"
run change --long $NORMS --lower-is-better --criterion c "$T/long.csv"
expect_rc 0 "long"
expect_out "w1,20,12,-8,"
expect_out "w2,22,18,-4,"
run change --vars s1,s9 $NORMS --lower-is-better --criterion c "$T/wide.csv"
expect_rc 1 "wide: unknown column"
expect_no_out

# ---- the database: each client's first and last score of the current
# episode (the demo clinic) ----

run --db "$T/demo.db" demo --report
expect_rc 0 "demo"
run --db "$T/demo.db" change --instrument phq9 --client C-1005
expect_rc 1 "db one client, SD from the sample"
expect_err "1 person with both a pre and a post score"
expect_no_out
run --db "$T/demo.db" change --instrument phq9 --client C-1005 --sd 5
expect_rc 0 "db one client"
expect_out "C-1005,17,0,-17,"
expect_out ",1,1,1,recovered"
expect_err "cut-off 10 as given"
run --db "$T/demo.db" change --instrument phq9 --criterion a --summary
expect_rc 0 "db summary"
expect_out "class,n,of,percent"
expect_err "the sample's pre scores (30 people with both scores)"
run --db "$T/demo.db" change --instrument wai-sr --scale bond \
	--reliability .8 --criterion a
expect_rc 0 "db subscale, higher is better"
expect_err "cut-off a = "
run --db "$T/demo.db" change --instrument wai-sr --scale bond --criterion a
expect_rc 2 "db subscale without reliability"
expect_err "--reliability is needed"
run --db "$T/demo.db" change --instrument phq9 "$S"
expect_rc 2 "db and a file"
run change --pre pre --post post --client C-1 $NORMS --lower-is-better \
	--criterion c "$S"
expect_rc 2 "--client without the database"
run --db "$T/demo.db" change --instrument phq9 --client NOPE
expect_rc 1 "db unknown client"
expect_no_out

# ---- NHS Talking Therapies ----

IAPT="--iapt --phq-pre phq_first --phq-post phq_last --gad-pre gad_first --gad-post gad_last --sessions sessions"
run change $IAPT "$D/iapt-sample.csv"
expect_rc 0 "iapt"
check
cmp -s "$D/iapt-sample.nhs.expected.csv" "$T/out" ||
	fail "iapt rows differ: $(diff "$D/iapt-sample.nhs.expected.csv" "$T/out" | head -5)"
for rule in nhs both either; do
	run change $IAPT --rule $rule --summary "$D/iapt-sample.csv"
	expect_rc 0 "iapt summary $rule"
	check
	cmp -s "$D/iapt-sample.$rule.summary.expected.csv" "$T/out" ||
		fail "iapt summary $rule differs"
done
run change $IAPT --json "$D/iapt-sample.csv"
expect_rc 0 "iapt json"
expect_out '"method": "nhs-talking-therapies"'
expect_out '"rule": "nhs"'
expect_out '{"id": "I08", "phq_pre": 5, "phq_post": 11, "gad_pre": 4, "gad_post": 4, "sessions": 3, "finished": true, "case_pre": false, "case_post": true, "phq_change": 6, "gad_change": 0, "phq_reliable": -1, "gad_reliable": 0, "recovered": null, "reliable_improvement": false, "reliable_deterioration": true, "reliable_recovery": null}'
expect_out '"recovery": {"n": 6, "of": 11, "percent": 54.55}'
if command -v python3 >/dev/null 2>&1; then
	check
	python3 -m json.tool "$T/out" >/dev/null 2>&1 || fail "iapt JSON does not parse"
fi
# Without --sessions every row is a finished course.
run change --iapt --phq-pre phq_first --phq-post phq_last \
	--gad-pre gad_first --gad-post gad_last --summary "$D/iapt-sample.csv"
expect_out "finished_course,16,16,100"
expect_out "reliable_improvement,7,15,46.67"
# An anxiety-disorder-specific measure's own thresholds.
run change $IAPT --gad-cutoff 12 --gad-rc 6 "$D/iapt-sample.csv"
expect_rc 0 "adsm thresholds"
expect_out "I04,9,9,8,4,4,1,0,0,0,-4,0,0,,0,0,"
run change $IAPT --anx-instrument gad7 "$D/iapt-sample.csv"
expect_rc 0 "anx-instrument gad7"
check
cmp -s "$D/iapt-sample.nhs.expected.csv" "$T/out" || fail "gad7 norms differ"
run change $IAPT --anx-instrument ors "$D/iapt-sample.csv"
expect_rc 1 "anx-instrument ors"
expect_err "higher-is-better"
run change $IAPT --anx-instrument checkin-patterns "$D/iapt-sample.csv"
expect_rc 1 "anx-instrument without norms"
expect_err "no cut-off and reliable change"
run change $IAPT --min-sessions 3 --summary "$D/iapt-sample.csv"
expect_out "finished_course,14,16,87.5"

# ---- usage errors: exit 2 ----

run change --help
expect_rc 0 "help"
expect_out "usage: attune change"
expect_out "Jacobson & Truax (1991"
expect_out "NHS Talking Therapies"
run change --pre pre --post post --lower-is-better --criterion a "$S"
expect_rc 2 "no reliability"
expect_err "--reliability is needed"
run change --pre pre --post post --reliability .8 --criterion a "$S"
expect_rc 0 "no direction: higher is better, with a note"
expect_err "taking higher scores as better"
cp "$T/out" "$T/nodir.csv"
run change --pre pre --post post --reliability .8 --criterion a \
    --higher-is-better "$S"
check
cmp -s "$T/out" "$T/nodir.csv" || fail "no direction should equal --higher-is-better"
run change --pre pre --post post --reliability .8 --lower-is-better "$S"
expect_rc 2 "no criterion"
expect_err "--criterion a|b|c or --cutoff X"
run change --pre pre --post post --reliability .8 --lower-is-better \
	--criterion d "$S"
expect_rc 2 "criterion d"
run change --pre pre --post post --reliability 1.2 --lower-is-better \
	--criterion a "$S"
expect_rc 2 "reliability 1.2"
expect_err "less than 1 (got 1.2)"
run change --pre pre --post post --reliability high --lower-is-better \
	--criterion a "$S"
expect_rc 2 "reliability not a number"
expect_err "--reliability needs a number, not 'high'"
run change --pre pre --post post --reliability .8 --lower-is-better \
	--criterion c "$S"
expect_rc 2 "c without functional norms"
expect_err "functional mean is needed for cut-off c"
run change --pre pre --post post --reliability .8 --lower-is-better \
	--criterion c --cutoff 3 "$S"
expect_rc 2 "criterion and cutoff"
run change --pre pre --post post --reliability .8 --lower-is-better \
	--higher-is-better --criterion a "$S"
expect_rc 2 "both directions"
run change --pre pre --reliability .8 --lower-is-better --criterion a "$S"
expect_rc 2 "no --post"
run change --pre pre --post post --vars a,b --reliability .8 \
	--lower-is-better --criterion a "$S"
expect_rc 2 "columns and series"
run change --pre pre --post post --reliability .8 --lower-is-better \
	--criterion a --sd 0 "$S"
expect_rc 2 "sd 0"
expect_err "greater than 0 (got 0)"
run change --iapt --pre pre --phq-pre a --phq-post b --gad-pre c \
	--gad-post d "$S"
expect_rc 2 "iapt with --pre"
expect_err "--pre does not apply"
run change --phq-pre a --pre pre --post post "$S"
expect_rc 2 "phq-pre without iapt"
expect_err "--phq-pre is an NHS Talking Therapies option"
run change --iapt --phq-pre a "$S"
expect_rc 2 "iapt columns missing"
run change $IAPT --rule any "$D/iapt-sample.csv"
expect_rc 2 "rule any"
run change $IAPT --phq-rc 0 "$D/iapt-sample.csv"
expect_rc 2 "phq-rc 0"
run change $TIES --lower-is-better --criterion c a.csv b.csv
expect_rc 2 "two files"

# ---- bad input: exit 1, named, nothing on stdout ----

run change $TIES --lower-is-better --criterion c "$T/none.csv"
expect_rc 1 "missing file"
expect_err "none.csv: cannot open"
run change --instrument nope --pre pre --post post "$S"
expect_rc 1 "unknown instrument"
: >"$T/empty.csv"
run change $TIES --lower-is-better --criterion c "$T/empty.csv"
expect_rc 1 "empty"
expect_err "empty input"
printf 'id,before,after\na,1,2\n' >"$T/cols.csv"
run change $TIES --lower-is-better --criterion c "$T/cols.csv"
expect_rc 1 "no such column"
expect_err "cols.csv:1: no column 'pre' in the header"
expect_no_out
printf 'id,pre,post\na,12,10\nb,14,x7\nc,9,9\n' >"$T/bad.csv"
run change $TIES --lower-is-better --criterion c "$T/bad.csv"
expect_rc 1 "not a number (one pass)"
expect_err "bad.csv:3: column post: 'x7' is not a number"
expect_no_out
run change --pre pre --post post --reliability .8 --lower-is-better \
	--criterion a "$T/bad.csv"
expect_rc 1 "not a number (sample pass)"
expect_err "bad.csv:3: column post: 'x7' is not a number"
expect_no_out
run_in "$T/bad.csv" change --pre pre --post post --reliability .8 \
	--lower-is-better --criterion a
expect_rc 1 "not a number (stdin)"
expect_err "-:3: column post"
expect_no_out
printf 'id,pre,post\na,12,10\nb,14\n' >"$T/short.csv"
run change $TIES --lower-is-better --criterion c "$T/short.csv"
expect_rc 1 "short row"
expect_err "short.csv:3: has 2 fields, the header has 3"
expect_no_out
printf 'id,pre,post\na,12,10\nb,14,\n' >"$T/one.csv"
run change --pre pre --post post --reliability .8 --lower-is-better \
	--criterion a "$T/one.csv"
expect_rc 1 "one pair"
expect_err "1 person with both a pre and a post score"
expect_no_out
printf 'id,pre,post\na,12,10\nb,12,3\n' >"$T/flat.csv"
run change --pre pre --post post --reliability .8 --lower-is-better \
	--criterion a "$T/flat.csv"
expect_rc 1 "sample SD 0"
expect_err "the SD of the sample's pre scores is 0"
expect_no_out
printf 'id,phq_first,phq_last,gad_first,gad_last,sessions\na,1,2,3,4,two\n' \
	>"$T/badiapt.csv"
run change $IAPT "$T/badiapt.csv"
expect_rc 1 "iapt not a number"
expect_err "badiapt.csv:2: column sessions: 'two' is not a number"
expect_no_out

finish
