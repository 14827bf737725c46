# test_analytics_db.sh - the researcher verbs over the database
# (--instrument instead of a file) on the demo clinic: they run, find what
# the demo planted, and every read is audited.
. "$(dirname "$0")/lib.sh"

DB=$(new_db demo) || exit 1
"$ATTUNE" demo --report --db "$DB" >/dev/null 2>&1

# C-1001's alliance dips at session 5 (tasks) and is repaired by 7.
run --db "$DB" ruptures --instrument checkin-alliance --client C-1001
expect_rc 0 "ruptures from the database"
expect_out "C-1001,total,stiles,4,5,5,7,repaired"
run --db "$DB" ruptures --instrument checkin-alliance --scale tasks \
    --client C-1001
expect_rc 0 "ruptures on a subscale"
expect_out "C-1001,total,stiles"
run --db "$DB" ruptures --instrument checkin-alliance --sub goals=x
expect_rc 2 "--sub with the database"
run --db "$DB" ruptures --instrument checkin-alliance "$T/x.csv"
expect_rc 2 "a file and --instrument"
run --db "$DB" ruptures --instrument checkin-alliance --scale nope
expect_rc 1 "unknown subscale"
expect_err "has no subscale 'nope'"

run --db "$DB" gains --instrument phq9 --cutoff 6
expect_rc 0 "gains from the database"
expect_out "id,id_sg,"
run --db "$DB" change --instrument phq9 --client C-1001 --clin-mean 16 --clin-sd 4
expect_rc 0 "change from the database"
expect_out "C-1001,18,7,-11,"
expect_out "recovered"
run --db "$DB" gains --instrument phq9 --cutoff 6 --client C-9999
expect_rc 1 "unknown client"

run --db "$DB" audit --limit 0
expect_out "response.list"
finish
