#!/usr/bin/env bash
# plik --stream against a real plikd: the command is printed before the transfer, a concurrent
# curl downloader receives the same bytes (file and stdin), a vanished downloader fails the client.
source "$(dirname "$0")/lib.sh" "$@"
source "$(dirname "$0")/cli_lib.sh"

e2e_start srv 'StreamTimeoutStr = "5s"'
U="$(e2e_url srv)"
T="$E2E_TMP"
head -c $((20 * 1024 * 1024)) /dev/urandom >"$T/s.bin"

# ---------------------------------------------------------------- file, downloader after the command
setsid "$PLIK" --server "$U" -S "$T/s.bin" >"$T/out1" 2>"$T/err1" </dev/null &
ppid=$!
e2e_track "$ppid"
wait_for 10 grep -q '^curl -s ' "$T/out1" || fail "stream: no command printed before the transfer: $(cat "$T/out1" "$T/err1")"
pass "stream: command printed while the upload waits"
assert_true "stream: client still running (waiting for a downloader)" kill -0 "$ppid"
cmd="$(grep '^curl -s ' "$T/out1")"
assert_contains "$cmd" "$U/stream/" "stream: /stream/ URL"
assert_not_contains "$(cat "$T/out1")" "Commands : " "stream: no Commands section"
mkdir -p "$T/dl" && (cd "$T/dl" && bash -c "$cmd")
assert_eq "$(md5_of "$T/s.bin")" "$(md5_of "$T/dl/s.bin")" "stream: downloader got the same 20 MB"
wait_pid_within 10 "$ppid" || fail "stream: client did not exit after the transfer"
assert_eq 0 "$WAIT_RC" "stream: client exit 0 ($(cat "$T/err1"))"

# ---------------------------------------------------------------- stdin, downloader started first
head -c $((5 * 1024 * 1024)) /dev/urandom >"$T/p.bin"
cat "$T/p.bin" | setsid "$PLIK" --server "$U" -S -q -n piped.bin >"$T/out2" 2>"$T/err2" &
ppid=$!
e2e_track "$ppid"
wait_for 10 grep -q '/stream/' "$T/out2" || fail "stream stdin: no URL printed"
url="$(head -n1 "$T/out2")"
assert_contains "$url" "/piped.bin" "stream -q: the URL only"
curl -s -o "$T/p.out" "$url"
assert_eq "$(md5_of "$T/p.bin")" "$(md5_of "$T/p.out")" "stream stdin: same bytes"
wait_pid_within 10 "$ppid" || fail "stream stdin: client did not exit"
assert_eq 0 "$WAIT_RC" "stream stdin: exit 0"

# ---------------------------------------------------------------- downloader hangs up mid-transfer
head -c $((200 * 1024 * 1024)) /dev/zero >"$T/big.bin"
setsid "$PLIK" --server "$U" -S -q "$T/big.bin" >"$T/out3" 2>"$T/err3" </dev/null &
ppid=$!
e2e_track "$ppid"
wait_for 10 grep -q '/stream/' "$T/out3" || fail "cancel: no URL printed"
curl -s --limit-rate 2M --max-time 1 -o /dev/null "$(head -n1 "$T/out3")"
wait_pid_within 20 "$ppid" || fail "cancelled stream: client still running 20 s later"
assert_ne 0 "$WAIT_RC" "cancelled stream: non-zero exit"
assert_contains "$(cat "$T/err3")" "Unable to upload big.bin : " "cancelled stream: one-line message"

# ---------------------------------------------------------------- nobody comes: stream timeout
setsid "$PLIK" --server "$U" -S -q "$T/p.bin" >"$T/out4" 2>"$T/err4" </dev/null &
ppid=$!
e2e_track "$ppid"
wait_pid_within 20 "$ppid" || fail "stream timeout: client still running 20 s later"
assert_ne 0 "$WAIT_RC" "no downloader within StreamTimeout: non-zero exit"
assert_contains "$(cat "$T/err4")" "Unable to upload p.bin : " "stream timeout: message ($(cat "$T/err4"))"

# ---------------------------------------------------------------- two files stream in parallel
head -c $((3 * 1024 * 1024)) /dev/urandom >"$T/two.bin"
setsid "$PLIK" --server "$U" -S -q "$T/p.bin" "$T/two.bin" >"$T/out7" 2>"$T/err7" </dev/null &
ppid=$!
e2e_track "$ppid"
two_urls() { [[ "$(grep -c /stream/ "$T/out7")" == 2 ]]; }
wait_for 10 two_urls || fail "two streams: two URLs expected: $(cat "$T/out7")"
curl -s -o "$T/two.out" "$(sed -n 2p "$T/out7")" &   # the second file first: both wait at once
c1=$!
curl -s -o "$T/p7.out" "$(sed -n 1p "$T/out7")"
wait "$c1"
assert_eq "$(md5_of "$T/two.bin")" "$(md5_of "$T/two.out")" "two streams: second file"
assert_eq "$(md5_of "$T/p.bin")" "$(md5_of "$T/p7.out")" "two streams: first file"
wait_pid_within 10 "$ppid" && assert_eq 0 "$WAIT_RC" "two streams: exit 0"

# ---------------------------------------------------------------- --json prints the URLs before the transfer
setsid "$PLIK" --server "$U" -S --json "$T/p.bin" >"$T/out5" 2>"$T/err5" </dev/null &
ppid=$!
e2e_track "$ppid"
wait_for 10 grep -q '^}' "$T/out5" || fail "stream --json: no JSON before the transfer"
assert_eq waiting "$(json_get "d['files'][0]['status']" <"$T/out5")" "stream --json: status waiting"
curl -s -o "$T/p5.out" "$(json_get "d['files'][0]['url']" <"$T/out5")"
assert_eq "$(md5_of "$T/p.bin")" "$(md5_of "$T/p5.out")" "stream --json: downloader got the bytes"
wait_pid_within 10 "$ppid" && assert_eq 0 "$WAIT_RC" "stream --json: exit 0"

# ---------------------------------------------------------------- client interrupted while waiting
setsid "$PLIK" --server "$U" -S -q "$T/p.bin" >"$T/out6" 2>"$T/err6" </dev/null &
ppid=$!
e2e_track "$ppid"
wait_for 10 grep -q '/stream/' "$T/out6"
kill -TERM "$ppid"
wait_pid_within 10 "$ppid" || fail "interrupted: client still running"
assert_eq 130 "$WAIT_RC" "interrupted stream: exit 130"
assert_contains "$(cat "$T/err6")" "upload cancelled" "interrupted stream: message"

e2e_finish
