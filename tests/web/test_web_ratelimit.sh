#!/bin/sh
# Login rate limiting: after 5 failures within 15 minutes for one user
# name, or 20 from one address, attempts get 429 with Retry-After, even
# with the right password; failures are audited; an unknown user name fails
# like a wrong password.
. "$(dirname "$0")/lib.sh"

make_clinic
start_server

# Unknown user: the same answer as a wrong password.
s=$(login nobody some-password-1)
check
[ "$s" = 401 ] || fail "unknown user -> $s, want 401"
body_has "That username and password do not match."
s=$(login ther1 wrong-password-1)
check
[ "$s" = 401 ] || fail "wrong password -> $s, want 401"
body_has "That username and password do not match."

# Four more failures for ther1 make five: blocked, even when right.
for i in 1 2 3 4; do login ther1 wrong-password-$i >/dev/null; done
s=$(login ther1)
check
[ "$s" = 429 ] || fail "sixth attempt -> $s, want 429"
header_has "Retry-After:"
body_has "Too many attempts"
check
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'auth.fail'")" -ge 5 ] ||
	fail "failed sign-ins not audited"
check
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'auth.login'")" = 0 ] ||
	fail "a blocked sign-in signed in"

# Another user from the same address still gets in (6 failures so far).
s=$(login ther2)
check
[ "$s" = 303 ] || fail "other user -> $s, want 303"
# 14 more failures from the address under other names: 20 in all, and
# every user name from it is refused.
i=0
while [ $i -lt 14 ]; do
	login "guess$i" wrong-password-1 >/dev/null
	i=$((i + 1))
done
s=$(login sup1)
check
[ "$s" = 429 ] || fail "blocked address -> $s, want 429"
stop_server

# A restart clears the in-memory counters: a good sign-in works.
start_server
s=$(login ther1)
check
[ "$s" = 303 ] || fail "after restart -> $s, want 303"
stop_server
finish
