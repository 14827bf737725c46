# lib_db.sh - where a black-box test (tests/cli, tests/web) keeps its
# database (POSIX sh, sourced after $T is set). By default an SQLite file
# in $T. When $ATTUNE_TEST_PG_URI names a PostgreSQL server (the ctest
# entries *_pg run the test under scripts/pg-test-server.sh), every
# new_db is a fresh, empty database on that server, dropped by
# db_cleanup (call it from the test's EXIT trap).

# on_pg: true when the test runs against PostgreSQL.
on_pg() {
	[ -n "${ATTUNE_TEST_PG_URI:-}" ]
}

# The test's own prefix for database names: test file and process.
DB_PREFIX="attune_$(basename "$0" .sh | tr -c 'a-z0-9_\n' '_')_$$"

# psql on the server's maintenance database, stopping at an error.
pg_admin() {
	PGOPTIONS="-c client_min_messages=warning" \
	psql "$ATTUNE_TEST_PG_URI" -qAtX -v ON_ERROR_STOP=1 "$@"
}

# new_db NAME: print the location of a new, empty database (for
# PostgreSQL the database exists, as attune expects; for SQLite the file
# does not, yet).
new_db() {
	if ! on_pg; then
		echo "$T/$1.db"
		return 0
	fi
	name="${DB_PREFIX}_$(echo "$1" | tr -c 'a-z0-9_\n' '_')"
	if ! pg_admin -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" \
	     -c "CREATE DATABASE \"$name\"" >/dev/null; then
		echo "lib_db.sh: cannot create database $name on" \
		     "$ATTUNE_TEST_PG_URI" >&2
		exit 1
	fi
	echo "lib_db.sh: on PostgreSQL, database $name" >&2
	echo "${ATTUNE_TEST_PG_URI%/*}/$name"
}

# db_sql DB SQL: run one statement, print the result unaligned (the
# same form for both engines: one row a line, '|' between columns;
# booleans as 1/0 are the test's business).
db_sql() {
	if on_pg; then
		psql "$1" -qAtX -v ON_ERROR_STOP=1 -c "$2"
	else
		sqlite3 "$1" "$2"
	fi
}

# db_cleanup: drop the databases this test made.
db_cleanup() {
	on_pg || return 0
	for d in $(pg_admin -c "SELECT datname FROM pg_database WHERE
	           datname LIKE '${DB_PREFIX}\\_%'" 2>/dev/null); do
		pg_admin -c "DROP DATABASE IF EXISTS \"$d\" WITH (FORCE)" \
			>/dev/null 2>&1
	done
	return 0
}
