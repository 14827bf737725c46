#!/bin/sh
# Every route x every role x own / other's client -> the right status.
# Roles: anonymous, admin1, sup1 (supervises ther2), ther1, ther2.
# Clients: C-01 (ther1), C-02 (ther2), C-03 (ther2, granted to ther1).
. "$(dirname "$0")/lib.sh"

make_clinic
start_server
c1=$(client_id C-01)
c2=$(client_id C-02)
c3=$(client_id C-03)

for u in admin1 sup1 ther1 ther2; do
	s=$(login $u)
	check
	[ "$s" = 303 ] || fail "login $u -> $s"
done
A="-b $T/jar.admin1"
S="-b $T/jar.sup1"
T1="-b $T/jar.ther1"
T2="-b $T/jar.ther2"
ta=$(session_csrf admin1)
ts=$(session_csrf sup1)
t1=$(session_csrf ther1)
t2=$(session_csrf ther2)

# Public routes.
expect 303 GET /
expect 200 GET /login
expect 200 GET /static/attune.css
expect 200 GET /static/attune.js
expect 404 GET /static/nope.css
expect 404 GET /nowhere
expect 404 GET /clients/0
expect 404 GET /clients/abc
expect 405 POST / -d x=1
expect 405 DELETE /login
header_has "Allow:"
expect 200 HEAD /login

# The start page sends each role to its home.
expect 303 GET / $A
header_has "Location: /admin/users"
expect 303 GET / $T1
header_has "Location: /caseload"

# Caseload: clinicians only; anonymous to the sign-in.
expect 303 GET /caseload
header_has "Location: /login"
expect 403 GET /caseload $A
expect 200 GET /caseload $S
body_has "C-02"
body_has "C-03"
body_lacks "C-01"
expect 200 GET /caseload $T1
body_has "C-01"
body_has "C-03"
body_lacks "C-02"
expect 200 GET /caseload $T2
body_has "C-02"
body_lacks "C-01"

# A client page: own, granted, supervised read; others 404 (existence
# is not revealed: the same as a client that does not exist).
expect 303 GET /clients/$c1
expect 403 GET /clients/$c1 $A
expect 200 GET /clients/$c1 $T1
body_has "Create link"
expect 404 GET /clients/$c1 $T2
expect 404 GET /clients/$c1 $S
expect 404 GET /clients/$c2 $T1
expect 200 GET /clients/$c2 $T2
expect 200 GET /clients/$c2 $S
body_has "Read-only"
body_lacks "Create link"
expect 200 GET /clients/$c3 $T1
body_has "Read-only"
expect 200 GET /clients/$c3 $S
expect 404 GET /clients/99999 $T1

# Paper entry form: the client's own therapist only.
expect 200 GET "/clients/$c1/entry?instrument=phq9" $T1
expect 404 GET "/clients/$c1/entry?instrument=phq9" $T2
expect 403 GET "/clients/$c3/entry?instrument=phq9" $T1
expect 403 GET "/clients/$c2/entry?instrument=phq9" $S
expect 404 GET "/clients/$c1/entry?instrument=nope" $T1
expect 400 GET "/clients/$c1/entry" $T1
expect 303 GET "/clients/$c1/entry?instrument=phq9"

# Creating a check-in link: the own therapist only.
L="use.phq9=1&use.checkin-alliance=1"
expect 201 POST /clients/$c1/links $T1 -d "csrf=$t1&$L"
body_has "/c/"
expect 404 POST /clients/$c1/links $T2 -d "csrf=$t2&$L"
expect 403 POST /clients/$c3/links $T1 -d "csrf=$t1&$L"
expect 403 POST /clients/$c2/links $S -d "csrf=$ts&$L"
expect 403 POST /clients/$c1/links $A -d "csrf=$ta&$L"
expect 401 POST /clients/$c1/links -d "csrf=$t1&$L"
expect 400 POST /clients/$c1/links $T1 -d "csrf=$t1"
expect 400 POST /clients/$c1/links $T1 -d "csrf=$t1&use.wai-sr=1"
expect 400 POST /clients/$c1/links $T1 -d "csrf=$t1&$L&days=31"

# The client's own view of progress: own therapist only.
expect 303 POST /clients/$c1/progress-view $T1 -d "csrf=$t1&allow=1"
check
[ "$(sql "SELECT sees_progress FROM clients WHERE id = $c1")" = 1 ] ||
	fail "sees_progress not set"
expect 404 POST /clients/$c1/progress-view $T2 -d "csrf=$t2&allow=1"
expect 403 POST /clients/$c2/progress-view $S -d "csrf=$ts&allow=1"

# Admin pages: admins only; no clinical data there.
expect 200 GET /admin/users $A
body_has "ther1"
body_lacks "C-01"
expect 403 GET /admin/users $T1
expect 403 GET /admin/users $S
expect 303 GET /admin/users
expect 200 POST /admin/users $A \
	-d "csrf=$ta&name=ther3&role=therapist&password=ther3-password-1"
body_has "The user was added."
expect 409 POST /admin/users $A \
	-d "csrf=$ta&name=ther3&role=therapist&password=ther3-password-1"
expect 400 POST /admin/users $A \
	-d "csrf=$ta&name=ther4&role=therapist&password=short"
expect 400 POST /admin/users $A \
	-d "csrf=$ta&name=ther4&role=wizard&password=ther4-password-1"
expect 403 POST /admin/users $T1 \
	-d "csrf=$t1&name=ther5&role=admin&password=ther5-password-1"
s3=$(login ther3)
check
[ "$s3" = 303 ] || fail "the user added on the admin page cannot sign in"
sup=$(sql "SELECT id FROM users WHERE name = 'sup1'")
th1=$(sql "SELECT id FROM users WHERE name = 'ther1'")
expect 200 POST /admin/supervision $A -d "csrf=$ta&supervisor=$sup&therapist=$th1"
expect 403 POST /admin/supervision $T1 -d "csrf=$t1&supervisor=$sup&therapist=$th1"
expect 400 POST /admin/supervision $A -d "csrf=$ta&supervisor=$th1&therapist=$sup"
expect 400 POST /admin/supervision $A -d "csrf=$ta&supervisor=$sup&therapist=99999"
# Now sup1 supervises ther1 too.
expect 200 GET /clients/$c1 $S

# Sign-out for every role.
for u in admin1 sup1 ther1 ther2; do
	tok=$(session_csrf $u)
	expect 303 POST /logout -b "$T/jar.$u" -d "csrf=$tok"
done
expect 303 GET /caseload $T1
expect 401 POST /clients/$c1/links $T1 -d "csrf=$t1&$L"

stop_server
finish
