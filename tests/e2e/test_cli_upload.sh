#!/usr/bin/env bash
# plik CLI against a real plikd: files, several files, stdin (-n), options (oneshot, removable,
# ttl, password, comments, extend-ttl), quiet, json, info, version, plikrc lookup and errors.
source "$(dirname "$0")/lib.sh" "$@"
source "$(dirname "$0")/cli_lib.sh"

e2e_start srv 'FeatureExtendTTL = "enabled"'
U="$(e2e_url srv)"
T="$E2E_TMP"

# ---------------------------------------------------------------- one file, original output
printf 'hello plik\n' >"$T/hello.txt"
run_plik --server "$U" "$T/hello.txt" </dev/null
assert_eq 0 "$RC" "upload one file: exit 0 ($ERR)"
assert_contains "$OUT" "Upload successfully created at " "header line"
assert_contains "$OUT" "    $U/#/?id=" "upload page URL"
assert_contains "$OUT" "Commands : " "Commands section"
cmd="$(cmd_lines "$OUT")"
assert_contains "$cmd" "curl -s \"$U/file/" "curl command with the file URL"
assert_contains "$cmd" "> 'hello.txt'" "curl command saves under the file name"
(cd "$T" && mkdir -p dl1 && cd dl1 && bash -c "$cmd")
assert_eq "hello plik" "$(cat "$T/dl1/hello.txt")" "printed command downloads the file"
assert_eq "" "$ERR" "nothing on stderr when not a terminal (no progress bar)"

# ---------------------------------------------------------------- quiet: one URL per line
run_plik --server "$U" -q "$T/hello.txt"
assert_eq 0 "$RC" "quiet: exit 0"
assert_eq 1 "$(wc -l <<<"$OUT")" "quiet: exactly one line for one file"
assert_eq "hello plik" "$(curl -s "$OUT")" "quiet: the line is the download URL"

# ---------------------------------------------------------------- several files, json
head -c 3000000 /dev/urandom >"$T/rand.bin"
printf 'second\n' >"$T/b c.txt"
run_plik --server "$U" --json "$T/rand.bin" "$T/b c.txt" "$T/hello.txt"
assert_eq 0 "$RC" "json: three files, exit 0 ($ERR)"
assert_eq 3 "$(json_get "len(d['files'])" <<<"$OUT")" "json: three files"
assert_eq "uploaded uploaded uploaded" "$(json_get "' '.join(f['status'] for f in d['files'])" <<<"$OUT")" "json: all uploaded"
assert_eq "$(md5_of "$T/rand.bin")" "$(json_get "d['files'][0]['fileMd5']" <<<"$OUT")" "json: server md5 of rand.bin"
url="$(json_get "d['files'][1]['url']" <<<"$OUT")"
assert_contains "$url" "/b%20c.txt" "file URL is escaped"
assert_eq "second" "$(curl -s "$url")" "escaped URL downloads the file"
assert_eq "$(md5_of "$T/rand.bin")" "$(curl -s "$(json_get "d['files'][0]['url']" <<<"$OUT")" | md5sum | cut -d' ' -f1)" "3 MB file downloads intact"
UPID="$(json_get "d['id']" <<<"$OUT")"
TOK="$(json_get "d['uploadToken']" <<<"$OUT")"
assert_eq 32 "${#TOK}" "json: upload token"

# ---------------------------------------------------------------- stdin
head -c 2000000 /dev/urandom >"$T/pipe.bin"
OUT="$(cat "$T/pipe.bin" | setsid "$PLIK" --server "$U" -q 2>"$T/stderr")"
assert_eq 0 "$?" "stdin upload: exit 0"
assert_contains "$OUT" "/STDIN" "stdin file is named STDIN"
assert_eq "$(md5_of "$T/pipe.bin")" "$(curl -s "$OUT" | md5sum | cut -d' ' -f1)" "stdin content intact"
OUT="$(printf 'named\n' | setsid "$PLIK" --server "$U" -q -n my.txt 2>"$T/stderr")"
assert_contains "$OUT" "/my.txt" "stdin with -n NAME"
assert_eq "named" "$(curl -s "$OUT")" "stdin -n content"
run_plik --server "$U" -q -n renamed.txt "$T/hello.txt"
assert_contains "$OUT" "/renamed.txt" "-n renames a single file"
run_plik --server "$U" -q -n x "$T/hello.txt" "$T/rand.bin"
assert_eq 1 "$RC" "-n with two files: exit 1"
assert_contains "$ERR" "Can't override filename if more than one file" "-n with two files: message"

# ---------------------------------------------------------------- options reach the server
run_plik --server "$U" --json -o -r -t 2h --comments 'some *markdown*' --extend-ttl "$T/hello.txt"
assert_eq 0 "$RC" "options upload: exit 0 ($ERR)"
id="$(json_get "d['id']" <<<"$OUT")"
tok="$(json_get "d['uploadToken']" <<<"$OUT")"
meta="$(curl -s -H "X-UploadToken: $tok" "$U/upload/$id")"
assert_eq true "$(json_get "d['oneShot']" <<<"$meta")" "--oneshot sets oneShot"
assert_eq true "$(json_get "d['removable']" <<<"$meta")" "--removable sets removable"
assert_eq 7200 "$(json_get "d['ttl']" <<<"$meta")" "--ttl 2h = 7200 s"
assert_eq "some *markdown*" "$(json_get "d['comments']" <<<"$meta")" "--comments"
assert_eq true "$(json_get "d['extend_ttl']" <<<"$meta")" "--extend-ttl sets extend_ttl"
furl="$(json_get "d['files'][0]['url']" <<<"$OUT")"
assert_eq "hello plik" "$(curl -s "$furl")" "oneshot: first download"
assert_eq 404 "$(http_code "$furl")" "oneshot: second download 404"
for ttl in 30m:1800 1d:86400 45:45; do
  run_plik --server "$U" --json -t "${ttl%%:*}" "$T/hello.txt"
  m="$(curl -s "$U/upload/$(json_get "d['id']" <<<"$OUT")")"
  assert_eq "${ttl##*:}" "$(json_get "d['ttl']" <<<"$m")" "--ttl ${ttl%%:*}"
done
run_plik --server "$U" -t 3x "$T/hello.txt"
assert_eq 1 "$RC" "bad ttl: exit 1"
assert_eq "Invalid TTL 3x" "$ERR" "bad ttl: message"

# ---------------------------------------------------------------- password
run_plik --server "$U" --json --password bob:s3cret "$T/hello.txt"
assert_eq 0 "$RC" "password upload: exit 0 ($ERR)"
furl="$(json_get "d['files'][0]['url']" <<<"$OUT")"
id="$(json_get "d['id']" <<<"$OUT")"
assert_eq true "$(curl -s -u bob:s3cret "$U/upload/$id" | json_get "d['protectedByPassword']")" "upload protected by password"
assert_eq 401 "$(http_code "$furl")" "download without credentials: 401"
assert_eq "hello plik" "$(curl -s -u bob:s3cret "$furl")" "download with login:password"
run_plik --server "$U" --json --password onlypass "$T/hello.txt"
furl="$(json_get "d['files'][0]['url']" <<<"$OUT")"
assert_eq "hello plik" "$(curl -s -u plik:onlypass "$furl")" "--password without login: login plik"
run_plik --server "$U" -p "$T/hello.txt"
assert_eq 1 "$RC" "-p without a terminal: exit 1"
assert_contains "$ERR" "no terminal" "-p without a terminal: message"

# ---------------------------------------------------------------- debug: headers on the wire
run_plik --server "$U" -d --token abc123 "$T/hello.txt"
assert_eq 0 "$RC" "debug + token: exit 0"
assert_contains "$ERR" "Configuration :" "debug: configuration dumped"
assert_contains "$ERR" "User-Agent: plik_client/1.3.8" "debug: User-Agent plik_client/<version>"
assert_contains "$ERR" "X-ClientApp: plik_cli" "debug: X-ClientApp"
assert_contains "$ERR" "X-PlikToken: abc123" "--token sent as X-PlikToken"
assert_contains "$ERR" "X-UploadToken: " "file upload carries X-UploadToken"
assert_contains "$ERR" "POST /upload " "debug: POST /upload"
assert_contains "$ERR" "multipart/form-data; boundary=" "debug: multipart file upload"

# ---------------------------------------------------------------- info, version, update
run_plik --server "$U" --info
assert_eq 0 "$RC" "info: exit 0"
assert_contains "$OUT" "Plik client version : v1.3.8" "info: client version"
assert_contains "$OUT" "Plik server url : $U" "info: server url"
assert_contains "$OUT" "Plik server version : " "info: server version"
assert_contains "$OUT" "maxFileSize" "info: server configuration"
run_plik -v
assert_eq 0 "$RC" "version: exit 0"
assert_contains "$OUT" "Plik client v1.3.8" "version line"
run_plik --update
assert_eq 1 "$RC" "update: exit 1"
assert_contains "$ERR" "not supported" "update: clear message"

# ---------------------------------------------------------------- plikrc
cat >"$T/rc.toml" <<RC
URL = "$U/"
OneShot = true
TTL = 600
DownloadBinary = "wget"
RC
OUT="$(PLIKRC="$T/rc.toml" setsid "$PLIK" "$T/hello.txt" 2>"$T/stderr")"
assert_eq 0 "$?" "PLIKRC: exit 0 ($(cat "$T/stderr"))"
cmd="$(cmd_lines "$OUT")"
assert_contains "$cmd" "wget -q -O- \"$U/file/" "PLIKRC: URL and DownloadBinary used"
id="$(sed -n 's/.*#\/?id=//p' <<<"$OUT")"
m="$(curl -s "$U/upload/$id")"
assert_eq true "$(json_get "d['oneShot']" <<<"$m")" "PLIKRC: OneShot"
assert_eq 600 "$(json_get "d['ttl']" <<<"$m")" "PLIKRC: TTL"
cp "$T/rc.toml" "$HOME/.plikrc"
run_plik -q "$T/hello.txt"
assert_eq 0 "$RC" "~/.plikrc is read"
assert_contains "$OUT" "$U/file/" "~/.plikrc: its URL is used"
rm "$HOME/.plikrc"
printf 'URL = "%s"\nDisableStdin = true\n' "$U" >"$HOME/.plikrc"
OUT="$(echo x | setsid "$PLIK" -q 2>"$T/stderr")"
assert_eq "Stdin is disabled by default. Use the --stdin flag to override" "$(cat "$T/stderr")" "DisableStdin refuses stdin"
OUT="$(echo x | setsid "$PLIK" -q --stdin 2>"$T/stderr")"
assert_eq "x" "$(curl -s "$OUT")" "--stdin overrides DisableStdin"
rm "$HOME/.plikrc"
PLIKRC="$T/missing.rc" run_plik "$T/hello.txt"
assert_eq 1 "$RC" "PLIKRC pointing nowhere: exit 1"
assert_contains "$ERR" "missing.rc" "PLIKRC pointing nowhere: message names the file"
printf 'URL = "unterminated\n' >"$T/broken.rc"
PLIKRC="$T/broken.rc" run_plik "$T/hello.txt"
assert_eq 1 "$RC" "broken plikrc: exit 1"
assert_contains "$ERR" "Unable to load configuration" "broken plikrc: message"
run_plik "$T/hello.txt"
assert_eq 1 "$RC" "no plikrc, no --server, no terminal: exit 1"
assert_contains "$ERR" "no terminal to create one" "first run without a terminal: clear message"
assert_file_absent "$HOME/.plikrc" "first run without a terminal writes nothing"
if command -v script >/dev/null; then
  # First run on a (pseudo) terminal: answers the URL prompt and writes ~/.plikrc.
  printf '%s\n' "$U" | script -qec "$PLIK $T/hello.txt" /dev/null >"$T/wizard.out" 2>&1
  if [[ -f "$HOME/.plikrc" ]] && grep -q "URL = \"$U\"" "$HOME/.plikrc"; then
    pass "first run on a terminal writes ~/.plikrc with the URL"
  else
    fail "first run wizard: $(cat "$T/wizard.out")"
  fi
  assert_contains "$(cat "$T/wizard.out")" "$U/file/" "first run then uploads"
  rm -f "$HOME/.plikrc"
fi

# ---------------------------------------------------------------- progress bar on a terminal only
if command -v script >/dev/null; then
  head -c $((20 * 1024 * 1024)) /dev/zero >"$T/z.bin"
  script -qec "$PLIK --server $U $T/z.bin" /dev/null >"$T/tty.out" 2>&1
  tty_out="$(tr '\r' '\n' <"$T/tty.out")"
  assert_contains "$tty_out" "100% 21 MB / 21 MB" "terminal: progress bar with bytes and percent"
  assert_contains "$tty_out" "done" "terminal: progress bar finished"
  run_plik --server "$U" "$T/z.bin"
  assert_not_contains "$OUT$ERR" "%" "not a terminal: no progress bar"
fi

# ---------------------------------------------------------------- -p on a terminal
if command -v script >/dev/null; then
  printf 'carol\nhunter2\n' | script -qec "$PLIK --server $U -q -p $T/hello.txt" /dev/null >"$T/p.out" 2>&1
  purl="$(tr -d '\r' <"$T/p.out" | grep "^$U/file/" | head -n1)"
  assert_contains "$(cat "$T/p.out")" "Login [plik]: " "-p prompts for the login on the terminal"
  assert_eq 401 "$(http_code "$purl")" "-p: upload protected"
  assert_eq "hello plik" "$(curl -s -u carol:hunter2 "$purl")" "-p: prompted login and password work"
fi

# ---------------------------------------------------------------- TLS: verification and --insecure
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -keyout "$T/tls.key" -out "$T/tls.crt" 2>/dev/null
e2e_write_config tls "SslEnabled = true
SslCert = \"$T/tls.crt\"
SslKey = \"$T/tls.key\""
: >"$(e2e_dir tls)/plikd.log"
(cd "$(e2e_dir tls)" && exec "$PLIKD" --config "$(e2e_dir tls)/plikd.cfg" >"$(e2e_dir tls)/plikd.log" 2>&1) &
e2e_track $!
wait_for 10 grep -q 'Starting .* server at ' "$(e2e_dir tls)/plikd.log"
TLS_URL="$(sed -n 's#.*Starting .* server at \(https://[^ ]*\).*#\1#p' "$(e2e_dir tls)/plikd.log" | head -n1)"
if [[ -n "$TLS_URL" ]]; then
  run_plik --server "$TLS_URL" -q "$T/hello.txt"
  assert_eq 1 "$RC" "TLS with a self-signed certificate: refused"
  assert_contains "$ERR" "Unable to create upload" "TLS refused: message ($ERR)"
  run_plik --server "$TLS_URL" -q --insecure "$T/hello.txt"
  assert_eq 0 "$RC" "--insecure: upload over TLS ($ERR)"
  assert_eq "hello plik" "$(curl -sk "$OUT")" "--insecure: file downloadable"
else
  echo "SKIP: this plikd does not serve TLS (SslEnabled ignored): --insecure not tested"
fi

# ---------------------------------------------------------------- errors
run_plik --server "$U" "$T/nope.txt"
assert_eq 1 "$RC" "missing file: exit 1"
assert_eq "$T/nope.txt : No such file or directory" "$ERR" "missing file: one-line message"
if [[ "$(id -u)" != 0 ]]; then
  printf 'x' >"$T/secret.txt"; chmod 000 "$T/secret.txt"
  run_plik --server "$U" "$T/secret.txt"
  assert_eq 1 "$RC" "unreadable file: exit 1"
  assert_contains "$ERR" "Permission denied" "unreadable file: message"
fi
# A file that opens but cannot be read (read(2) fails with EIO), even for root.
run_plik --server "$U" /proc/self/mem
assert_eq 1 "$RC" "read error: exit 1"
assert_eq "Unable to upload mem : read error : Input/output error" "$ERR" "read error: one-line message"
run_plik --server "http://127.0.0.1:1" "$T/hello.txt"
assert_eq 1 "$RC" "server down: exit 1"
assert_contains "$ERR" "Unable to create upload : " "server down: message"
assert_eq 1 "$(wc -l <<<"$ERR")" "server down: one line"
run_plik --server "$U" -t 90d "$T/hello.txt"
assert_eq 1 "$RC" "ttl above the server max: exit 1"
assert_contains "$ERR" "Unable to create upload : 400 Bad Request : " "4xx: status line"
assert_contains "$ERR" "unable to create upload" "4xx: the server's message"

e2e_write_config small 'MaxFileSizeStr = "1KB"'
e2e_start small
S="$(e2e_url small)"
head -c 5000 /dev/urandom >"$T/5k.bin"
run_plik --server "$S" "$T/hello.txt" "$T/5k.bin"
assert_eq 1 "$RC" "one file over the size limit: exit 1"
assert_contains "$ERR" "Unable to upload 5k.bin : 400 Bad Request : file too big" "file too big: server message"
assert_eq 1 "$(wc -l <<<"$ERR")" "file too big: one line on stderr"
assert_contains "$OUT" "> 'hello.txt'" "the other file is still uploaded and printed"
assert_not_contains "$OUT" "> '5k.bin'" "no command for the failed file"

e2e_finish
