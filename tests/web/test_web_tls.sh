# test_web_tls.sh - `attune serve --tls-cert F --tls-key F` serves https
# itself: a client that trusts the certificate signs in over TLS 1.2+,
# cookies are Secure and HSTS is sent; plain http and TLS 1.1 on the same
# port get nothing; wrong files are refused with a message that names the
# file, before anything listens.
. "$(dirname "$0")/lib.sh"

command -v openssl >/dev/null 2>&1 ||
	{ echo "FAIL: openssl is needed (scripts/install-deps.sh)"; exit 1; }

# A throw-away certificate for 127.0.0.1.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$T/key.pem" -out "$T/cert.pem" -days 2 -subj "/CN=127.0.0.1" \
	-addext "subjectAltName=IP:127.0.0.1" 2>"$T/openssl.log" ||
	{ cat "$T/openssl.log"; exit 1; }
chmod 600 "$T/key.pem"

# Every request below trusts exactly this certificate.
cu() {
	curl --noproxy '*' --silent --show-error --max-time 20 \
		--cacert "$T/cert.pem" "$@"
}

make_clinic

# Refusals before listening: exit code, a message naming the file.
"$ATTUNE" --db "$DB" serve --listen 127.0.0.1:0 --tls-cert "$T/cert.pem" \
	>/dev/null 2>"$T/err"
got=$?
check
[ "$got" = 2 ] || fail "--tls-cert without --tls-key: exit $got, want 2"
check
grep -q "go together" "$T/err" || fail "no message for a lone --tls-cert"

printf 'not a key\n' >"$T/bad.pem"
"$ATTUNE" --db "$DB" serve --listen 127.0.0.1:0 --tls-cert "$T/cert.pem" \
	--tls-key "$T/bad.pem" >/dev/null 2>"$T/err"
got=$?
check
[ "$got" = 1 ] || fail "a key file that is no key: exit $got, want 1"
check
grep -q "bad.pem" "$T/err" || fail "the message should name the file: $(cat "$T/err")"

"$ATTUNE" --db "$DB" serve --listen 127.0.0.1:0 --tls-cert "$T/none.pem" \
	--tls-key "$T/key.pem" >/dev/null 2>"$T/err"
got=$?
check
[ "$got" = 1 ] || fail "a missing certificate: exit $got, want 1"

# A key that does not belong to the certificate: GnuTLS refuses it and
# the server does not start.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	-out "$T/other.pem" 2>/dev/null
"$ATTUNE" --db "$DB" serve --listen 127.0.0.1:0 --tls-cert "$T/cert.pem" \
	--tls-key "$T/other.pem" >"$T/out" 2>"$T/err"
got=$?
check
[ "$got" != 0 ] && ! grep -q "serving at" "$T/out" ||
	fail "a key of another certificate was accepted"

# Serving https.
start_server --tls-cert "$T/cert.pem" --tls-key "$T/key.pem"
check
grep -q "serving at https://127.0.0.1:" "$T/serve.out" ||
	fail "the start line should say https: $(cat "$T/serve.out")"
B="https://127.0.0.1:$port"

expect 200 GET /login
header_has "Strict-Transport-Security: max-age="
header_has "; Secure"
got=$(login ther1)
check
[ "$got" = 303 ] || fail "sign-in over https: $got"
check
grep -qi "set-cookie: attune_session=.*; Secure" "$T/headers" ||
	fail "the session cookie must be Secure over https"
expect 200 GET /caseload -b "$T/jar.ther1"
body_has "C-01"

# The same port speaks no plain http, and no TLS below 1.2.
got=$(curl --noproxy '*' --silent --max-time 5 -o /dev/null \
      -w '%{http_code}' "http://127.0.0.1:$port/login")
check
[ "$got" = 000 ] || fail "plain http on the TLS port answered $got"
# TLS 1.2 is spoken; 1.1 is not (openssl allowed to offer it).
echo | openssl s_client -connect "127.0.0.1:$port" -tls1_2 \
	>"$T/s12" 2>&1
check
grep -q "Protocol *: TLSv1.2" "$T/s12" || fail "no TLS 1.2 handshake"
echo | openssl s_client -connect "127.0.0.1:$port" -tls1_1 \
	-cipher 'DEFAULT:@SECLEVEL=0' >"$T/s11" 2>&1
check
if grep -q "Cipher is [A-Z]" "$T/s11"; then
	fail "TLS 1.1 was accepted"
fi

# Still serving after both.
expect 200 GET /login
stop_server
finish
