# test_score_errors.sh - `attune score` on bad input: every error names
# file, line and column, nothing is printed for a partially valid file,
# --skip-invalid reports bad rows and keeps the good ones; limits.
. "$(dirname "$0")/lib.sh"

H="id,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9"

# Usage errors: exit 2.
run score
expect_rc 2 "score without --instrument"
expect_err "--instrument is required"
run score --instrument phq9 --format xml x.csv
expect_rc 2 "--format xml"
run score --instrument phq9 --bogus
expect_rc 2 "unknown option"
run score --help
expect_rc 0 "score --help"
expect_out "usage: attune score"
run frobnicate
expect_rc 2 "unknown command"

# Bad input: exit 1.
run score --instrument nope "$DATA/golden/phq9.csv"
expect_rc 1 "unknown instrument"
expect_err "no instrument 'nope' (known:"
run score --instrument phq9 "$T/does-not-exist.csv"
expect_rc 1 "missing file"
expect_err "does-not-exist.csv: cannot open"

: >"$T/empty.csv"
run score --instrument phq9 "$T/empty.csv"
expect_rc 1 "empty file"
expect_err "empty input"

printf 'client,phq9_1\n' >"$T/noid.csv"
run score --instrument phq9 "$T/noid.csv"
expect_rc 1 "no id column"
expect_err "noid.csv:1: the first column must be \`id\`"

printf '%s,extra\n' "$H" >"$T/unknown.csv"
run score --instrument phq9 "$T/unknown.csv"
expect_rc 1 "unknown column"
expect_err "unknown.csv:1: column 11: 'extra' is not an item id of phq9"

printf 'id,phq9_1,phq9_1\n' >"$T/dup.csv"
run score --instrument phq9 "$T/dup.csv"
expect_rc 1 "duplicate column"
expect_err "item 'phq9_1' appears twice"

printf 'id,phq9_1,phq9_2\n1,0,0\n' >"$T/missingcol.csv"
run score --instrument phq9 "$T/missingcol.csv"
expect_rc 1 "missing item column"
expect_err "no column for item 'phq9_3'"

# An invalid value on line 3: nothing printed, line and column named.
{
	echo "$H"
	echo "a,0,1,2,3,0,1,2,3,0"
	echo "b,0,1,2,4,0,1,2,3,0"
	echo "c,1,1,1,1,1,1,1,1,1"
} >"$T/badval.csv"
run score --instrument phq9 "$T/badval.csv"
expect_rc 1 "invalid value"
expect_err "badval.csv:3: column phq9_4: '4' is not an allowed answer (allowed: 0..3"
expect_no_out

printf '%s\nx,0,1,two,3,0,1,2,3,0\n' "$H" >"$T/nan.csv"
run score --instrument phq9 "$T/nan.csv"
expect_rc 1 "not a number"
expect_err "nan.csv:2: column phq9_3: 'two' is not a number"

for v in 1.5 -1 " 1" 1e0x 0x1; do
	printf '%s\nx,0,1,%s,3,0,1,2,3,0\n' "$H" "$v" >"$T/v.csv"
	run score --instrument phq9 "$T/v.csv"
	expect_rc 1 "value '$v'"
	expect_err "v.csv:2: column phq9_3"
done

printf '%s\nx,0,1,2\n' "$H" >"$T/short.csv"
run score --instrument phq9 "$T/short.csv"
expect_rc 1 "short row"
expect_err "short.csv:2: has 4 fields, the header has 10"

# --skip-invalid: good rows out, bad rows on stderr, exit 0.
run score --instrument phq9 --skip-invalid "$T/badval.csv"
expect_rc 0 "--skip-invalid"
expect_out "a,12,"
expect_out "c,9,"
expect_not_out "b,"
expect_err "badval.csv:3: column phq9_4: '4' is not an allowed answer"
expect_err "1 invalid row skipped"

# A risk answer shows in the flags column and as a note.
printf '%s\nr,0,0,0,0,0,0,0,0,2\n' "$H" >"$T/risk.csv"
run score --instrument phq9 "$T/risk.csv"
expect_rc 0 "risk row"
expect_out "r,2,minimal,0,risk-self-harm"
expect_err "1 row raised flag risk-self-harm"

# Quoted ids with commas and quotes come back quoted; CRLF is fine.
printf '%s\r\n"a,""b""",0,0,0,0,0,0,0,0,0\r\n' "$H" >"$T/quoted.csv"
run score --instrument phq9 "$T/quoted.csv"
expect_rc 0 "quoted id"
expect_out '"a,""b""",0,minimal,0,'

# Limits: a line over 64 KiB is refused with its line number.
{
	echo "$H"
	echo "ok,0,0,0,0,0,0,0,0,0"
	printf 'x'
	head -c 70000 /dev/zero | tr '\0' 'y'
	echo ",0,0,0,0,0,0,0,0,0"
} >"$T/huge.csv"
run score --instrument phq9 "$T/huge.csv"
expect_rc 1 "huge line"
expect_err "huge.csv:3: record longer than ATTUNE_CSV_LINE_MAX"
expect_no_out

# Non-UTF-8 bytes are refused with the line.
printf '%s\n\377\376,0,0,0,0,0,0,0,0,0\n' "$H" >"$T/latin.csv"
run score --instrument phq9 "$T/latin.csv"
expect_rc 1 "non-UTF-8"
expect_err "latin.csv:2: invalid UTF-8"

# Unterminated quote.
printf '%s\n"open,0,0,0,0,0,0,0,0,0\n' "$H" >"$T/open.csv"
run score --instrument phq9 "$T/open.csv"
expect_rc 1 "unterminated quote"
expect_err "open.csv:2: unterminated quoted field"

# Header only: a header line out, nothing else, exit 0.
echo "$H" >"$T/hdr.csv"
run score --instrument phq9 "$T/hdr.csv"
expect_rc 0 "header only"
expect_out "id,total,band,prorated,flags"

# Many rows: the buffered output spills past memory and still comes out
# whole (and not at all when the last row is bad).
awk -v h="$H" 'BEGIN { print h; for (i = 0; i < 300000; i++)
	printf "row%d,0,1,2,3,0,1,2,3,%d\n", i, i % 2 }' >"$T/many.csv"
run score --instrument phq9 "$T/many.csv"
expect_rc 0 "many rows"
check
[ "$(wc -l <"$T/out")" -eq 300001 ] || fail "many rows: expected 300001 lines"
echo "bad,9,9,9,9,9,9,9,9,9" >>"$T/many.csv"
run score --instrument phq9 "$T/many.csv"
expect_rc 1 "many rows, last bad"
expect_err "many.csv:300002: column phq9_1"
expect_no_out
# A full disk is an internal error (3), never a silent success.
if [ -w /dev/full ]; then
	"$ATTUNE" score --instrument phq9 "$DATA/golden/phq9.csv" >/dev/full \
		2>"$T/err"
	rc=$?
	: >"$T/out"
	expect_rc 3 "output to a full disk"
	expect_err "error writing output"
fi
finish
