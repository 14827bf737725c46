# lib.sh - helpers for the black-box CLI tests (POSIX sh). Each test file
# sources this, runs `attune` ($ATTUNE) as a user would, and checks exit
# codes, stdout and stderr. A failure prints what was expected and got.
set -u
: "${ATTUNE:?set ATTUNE to the attune binary}"
: "${ATTUNE_SRCDIR:?set ATTUNE_SRCDIR to the source tree}"
DATA="$ATTUNE_SRCDIR/tests/data"
T=$(mktemp -d "${ATTUNE_TEST_TMP:-/tmp}/cli.XXXXXX")
# new_db, db_sql, on_pg: an SQLite file, or a PostgreSQL database when
# $ATTUNE_TEST_PG_URI is set.
. "$ATTUNE_SRCDIR/tests/lib_db.sh"
trap 'db_cleanup; rm -rf "$T"' EXIT
NFAIL=0
NCHECK=0

# A sanitizer report (exit 86 in the ASan build) is always a failure,
# whatever exit code the test expected.
sanitizer_check() {
	if [ "$rc" -eq 86 ] || grep -q "Sanitizer\|runtime error:" "$T/err"; then
		fail "sanitizer report"
		cat "$T/err"
	fi
}

# run ARGS...: run attune; sets $rc, $T/out, $T/err
run() {
	"$ATTUNE" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	sanitizer_check
}

# run_in FILE ARGS...: same with stdin from FILE
run_in() {
	f=$1
	shift
	"$ATTUNE" "$@" <"$f" >"$T/out" 2>"$T/err"
	rc=$?
	sanitizer_check
}

fail() {
	NFAIL=$((NFAIL + 1))
	echo "FAIL: $*"
	echo "  exit: $rc"
	echo "  stdout: $(head -c 600 "$T/out")"
	echo "  stderr: $(head -c 600 "$T/err")"
}

check() { NCHECK=$((NCHECK + 1)); }

expect_rc() {
	check
	[ "$rc" -eq "$1" ] || fail "${2:-command}: expected exit $1"
}

expect_out() {
	check
	grep -qF -- "$1" "$T/out" || fail "stdout should contain '$1'"
}

expect_err() {
	check
	grep -qF -- "$1" "$T/err" || fail "stderr should contain '$1'"
}

expect_no_out() {
	check
	[ ! -s "$T/out" ] || fail "stdout should be empty"
}

expect_not_out() {
	check
	! grep -qF -- "$1" "$T/out" || fail "stdout should not contain '$1'"
}

finish() {
	if [ "$NFAIL" -ne 0 ]; then
		echo "$NFAIL of $NCHECK checks failed"
		exit 1
	fi
	echo "all $NCHECK checks passed"
	exit 0
}
