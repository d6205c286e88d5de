#!/usr/bin/env bash
# TLS on the main listener (spec §10: SslEnabled, SslCert, SslKey, TlsVersion): uploads,
# stored and streamed downloads and Range work over https with a self-signed certificate;
# plain http to the TLS port gets nothing; TlsVersion is a floor; a missing or mismatched
# certificate/key stops start-up with a message naming the key. The UnixSocket beside the TLS
# port speaks plain HTTP (a local proxy's hop), and a stream crosses from one to the other.
source "$(dirname "$0")/lib.sh" "$@"

C="$E2E_TMP/certs"
mkdir -p "$C"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$C/plik.key" -out "$C/plik.crt" 2>/dev/null ||
  fail "openssl could not make a certificate"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other \
  -keyout "$C/other.key" -out "$C/other.crt" 2>/dev/null

e2e_start tls "SslEnabled = true
SslCert = \"$C/plik.crt\"
SslKey = \"$C/plik.key\"
TlsVersion = \"tlsv12\"
UnixSocket = \"$E2E_TMP/tls.sock\""
U="$(e2e_url tls)"
S=(--unix-socket "$E2E_TMP/tls.sock")
assert_contains "$U" "https://" "the start-up line announces https"
TC=(--cacert "$C/plik.crt")

# ---------------------------------------------------------------- upload / download
random_file "$E2E_TMP/big.bin" 20
url="$(curl -s "${TC[@]}" -F "file=@$E2E_TMP/big.bin" "$U/")"
assert_contains "$url" "/file/" "quick upload over TLS answers a URL"
# The quick-upload URL uses the request's Host and the server's scheme-less config; fetch it
# through the same https base.
path="${url#*://*/}"
curl -s "${TC[@]}" -o "$E2E_TMP/big.down" "$U/$path"
assert_eq "$(md5_of "$E2E_TMP/big.bin")" "$(md5_of "$E2E_TMP/big.down")" "20 MB downloaded over TLS: same bytes"
range="$(curl -s "${TC[@]}" -r 1000-1009 "$U/$path" | od -An -tx1 | tr -d ' \n')"
assert_eq "$(head -c 1010 "$E2E_TMP/big.bin" | tail -c 10 | od -An -tx1 | tr -d ' \n')" "$range" "Range over TLS"

# ---------------------------------------------------------------- stream over TLS
resp="$(curl -s "${TC[@]}" -d '{"stream":true,"files":[{"fileName":"s.bin","reference":"0"}]}' "$U/upload")"
id="$(json_get "d['id']" <<<"$resp")"
tok="$(json_get "d['uploadToken']" <<<"$resp")"
fid="$(json_get "list(d['files'].values())[0]['id'] if isinstance(d['files'], dict) else d['files'][0]['id']" <<<"$resp")"
random_file "$E2E_TMP/s.bin" 10
curl -s "${TC[@]}" -H "X-UploadToken: $tok" -F "file=@$E2E_TMP/s.bin;filename=s.bin" \
  -o "$E2E_TMP/s.up" "$U/stream/$id/$fid/s.bin" &
UP=$!
curl -s "${TC[@]}" -o "$E2E_TMP/s.down" "$U/stream/$id/$fid/s.bin"
wait_pid_within 30 "$UP"
assert_eq 0 "$WAIT_RC" "stream uploader over TLS ends"
assert_eq "$(md5_of "$E2E_TMP/s.bin")" "$(md5_of "$E2E_TMP/s.down")" "10 MB streamed over TLS: same bytes"
assert_eq deleted "$(json_get "d['status']" <"$E2E_TMP/s.up")" "stream uploader gets the File JSON"

# ---------------------------------------------------------------- the Unix socket: plain HTTP
assert_eq "ok" "$(curl -s "${S[@]}" http://localhost/health)" "UnixSocket beside TLS answers plain HTTP"
code="$(curl -s "${S[@]}" -m 5 -o /dev/null -w '%{http_code}' https://localhost/health)"
assert_eq 000 "$code" "no TLS on the Unix socket"
# A stream whose uploader comes over TLS and whose downloader comes through the Unix socket.
resp="$(curl -s "${S[@]}" -d '{"stream":true,"files":[{"fileName":"u.bin","fileSize":10485760,"reference":"0"}]}' http://localhost/upload)"
id="$(json_get "d['id']" <<<"$resp")"
tok="$(json_get "d['uploadToken']" <<<"$resp")"
fid="$(json_get "d['files'][0]['id']" <<<"$resp")"
curl -s "${TC[@]}" -H "X-UploadToken: $tok" -F "file=@$E2E_TMP/s.bin;filename=u.bin" \
  -o "$E2E_TMP/u.up" "$U/stream/$id/$fid/u.bin" &
UP=$!
code="$(curl -s "${S[@]}" -o "$E2E_TMP/u.down" -w '%{http_code}' "http://localhost/stream/$id/$fid/u.bin")"
wait_pid_within 30 "$UP"
assert_eq "0 200" "$WAIT_RC $code" "stream: TLS uploader, Unix-socket downloader both end well"
assert_eq "$(md5_of "$E2E_TMP/s.bin")" "$(md5_of "$E2E_TMP/u.down")" "10 MB streamed from TLS to the Unix socket: same bytes"

# ---------------------------------------------------------------- refusals
code="$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:${E2E_PORT[tls]}/health")"
assert_eq 000 "$code" "plain http to the TLS port gets no HTTP answer"
code="$(curl -s "${TC[@]}" --tls-max 1.1 -o /dev/null -w '%{http_code}' "$U/health")"
assert_eq 000 "$code" "TlsVersion tlsv12: a TLS 1.1 client is refused"
code="$(curl -s "${TC[@]}" --tlsv1.3 -o /dev/null -w '%{http_code}' "$U/health")"
assert_eq 200 "$code" "TLS 1.3 accepted"
assert_true "server still up after refused handshakes" e2e_alive tls
# A client that opens TCP and never completes the handshake does not hold anything forever.
exec 7<>"/dev/tcp/127.0.0.1/${E2E_PORT[tls]}"
code="$(curl -s "${TC[@]}" -o /dev/null -w '%{http_code}' "$U/health")"
assert_eq 200 "$code" "a stalled handshake does not block others"
exec 7>&-

# ---------------------------------------------------------------- bad configurations
for bad in "SslCert = \"$C/missing.crt\"|SslKey = \"$C/plik.key\"|SslCert" \
           "SslCert = \"$C/plik.crt\"|SslKey = \"$C/other.key\"|SslKey" \
           "SslCert = \"\"|SslKey = \"$C/plik.key\"|SslCert"; do
  IFS='|' read -r l1 l2 key <<<"$bad"
  d="$(e2e_dir "bad$RANDOM")"
  name="$(basename "$d")"
  e2e_write_config "$name" "SslEnabled = true
$l1
$l2"
  out="$(cd "$d" && timeout 10 "$PLIKD" --config "$d/plikd.cfg" 2>&1)"
  rc=$?
  assert_ne 0 "$rc" "bad TLS config ($key): non-zero exit"
  assert_contains "$out" "$key" "bad TLS config: the message names $key"
done

e2e_finish
