#!/bin/sh
# The JSON API: bearer tokens (401 without a valid one, revocation takes
# effect at once), the same permissions as the pages, JSON that keeps
# markup inert, and the audit log for admins only.
. "$(dirname "$0")/lib.sh"

make_clinic
at client add C-05 --therapist ther1 --name '</script><b>x</b>'
for u in admin1 sup1 ther1 ther2; do
	at token create --user $u --label "test $u"
	eval "tok_$u=$(tail -n 1 "$T/at.out")"
done
start_server
c1=$(client_id C-01)
c2=$(client_id C-02)
H() { printf 'Authorization: Bearer %s' "$1"; }

# No token, a malformed one, an unknown one: 401 with a challenge.
expect 401 GET /api/v1/clients
header_has "WWW-Authenticate: Bearer"
header_has "Content-Type: application/json"
body_has '"error"'
expect 401 GET /api/v1/clients -H "Authorization: Bearer nope"
expect 401 GET /api/v1/clients -H "$(H AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA)"
expect 401 GET /api/v1/clients -H "Authorization: Basic $tok_ther1"
# A session cookie is no key to the API.
login ther1 >/dev/null
expect 401 GET /api/v1/clients -b "$T/jar.ther1"

# The caseload, as on the page.
expect 200 GET /api/v1/clients -H "$(H "$tok_ther1")"
header_has "Content-Type: application/json"
header_has "Cache-Control: no-store"
body_has '"code": "C-01"'
body_has '"code": "C-03"'
body_lacks '"code": "C-02"'
body_lacks '</script>'
body_has '\u003c/script\u003e\u003cb\u003ex\u003c/b\u003e'
expect 200 GET /api/v1/clients -H "$(H "$tok_sup1")"
body_has '"code": "C-02"'
body_lacks '"code": "C-01"'
expect 403 GET /api/v1/clients -H "$(H "$tok_admin1")"

# One client: same access rules (404 when not yours to see).
expect 200 GET /api/v1/clients/$c1 -H "$(H "$tok_ther1")"
body_has '"instrument": "phq9"'
body_has '"status":'
body_has '"ruptures": ['
expect 404 GET /api/v1/clients/$c1 -H "$(H "$tok_ther2")"
expect 404 GET /api/v1/clients/$c2 -H "$(H "$tok_ther1")"
expect 200 GET /api/v1/clients/$c2 -H "$(H "$tok_sup1")"
expect 404 GET /api/v1/clients/99999 -H "$(H "$tok_ther1")"
expect 400 GET "/api/v1/clients/$c1?x=1" -H "$(H "$tok_ther1")"
body_has '"error"'

# A check-in link, then a check-in through the API.
expect 201 POST /api/v1/clients/$c1/links -H "$(H "$tok_ther1")" -d "use.phq9=1"
url=$(sed -n 's/.*"url": "\([^"]*\)".*/\1/p' "$T/body")
tok=${url##*/c/}
check
[ ${#tok} -eq 43 ] || fail "no link in the API answer"
expect 404 POST /api/v1/clients/$c1/links -H "$(H "$tok_ther2")" -d "use.phq9=1"
expect 403 POST /api/v1/clients/$c2/links -H "$(H "$tok_sup1")" -d "use.phq9=1"
expect 400 POST /api/v1/clients/$c1/links -H "$(H "$tok_ther1")" -d "use.phq9=1&csrf=x"
expect 400 POST /api/v1/checkins/$tok -d "a.phq9.1=9"
expect 400 POST /api/v1/checkins/$tok -d ""
expect 200 POST /api/v1/checkins/$tok -d "a.phq9.1=1&a.phq9.2=1"
body_has '"saved": true'
expect 410 POST /api/v1/checkins/$tok -d "a.phq9.1=1"
expect 404 POST /api/v1/checkins/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA -d "a.phq9.1=1"

# The audit log: admins only; API reads are audited as api:NAME.
expect 200 GET "/api/v1/audit?limit=1000" -H "$(H "$tok_admin1")"
body_has '"actor": "api:ther1"'
body_has '"action": "link.use"'
expect 403 GET /api/v1/audit -H "$(H "$tok_ther1")"
expect 400 GET "/api/v1/audit?limit=5000" -H "$(H "$tok_admin1")"
expect 400 GET "/api/v1/audit?since=abc" -H "$(H "$tok_admin1")"

# Revoked: refused at once.
tid=$(sql "SELECT t.id FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.name = 'ther1'")
at token revoke "$tid"
expect 401 GET /api/v1/clients -H "$(H "$tok_ther1")"
check
[ "$(sql "SELECT count(*) FROM api_tokens WHERE token_hash = '$tok_ther1'")" = 0 ] ||
	fail "an API token is stored in the clear"

stop_server
finish
