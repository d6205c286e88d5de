#!/usr/bin/env bash
# plik get URL: download with the name from the URL or -o, stdout, Range resume of a partial
# file, already-complete file, size check, password, and error exits (404, server down).
source "$(dirname "$0")/lib.sh" "$@"
source "$(dirname "$0")/cli_lib.sh"

e2e_start srv
U="$(e2e_url srv)"
T="$E2E_TMP"
head -c $((30 * 1024 * 1024)) /dev/urandom >"$T/big.bin"
run_plik --server "$U" -q "$T/big.bin"
URL="$OUT"
SUM="$(md5_of "$T/big.bin")"

mkdir -p "$T/g" && cd "$T/g"
run_plik get "$URL"
assert_eq 0 "$RC" "get: exit 0 ($ERR)"
assert_eq "$SUM" "$(md5_of big.bin)" "get: file named from the URL, same bytes"
run_plik get -o "$T/g/other.bin" "$URL"
assert_eq "$SUM" "$(md5_of other.bin)" "get -o FILE"
assert_eq "$SUM" "$(setsid "$PLIK" get -q -o - "$URL" | md5sum | cut -d' ' -f1)" "get -o - writes stdout"

if command -v script >/dev/null; then
  script -qec "$PLIK get -o $T/g/tty.bin $URL" /dev/null >"$T/tty.out" 2>&1
  assert_contains "$(tr '\r' '\n' <"$T/tty.out")" "tty.bin" "get on a terminal: progress bar names the file"
  assert_contains "$(tr '\r' '\n' <"$T/tty.out")" "100% " "get on a terminal: progress bar reaches 100%"
  assert_eq "$SUM" "$(md5_of tty.bin)" "get on a terminal: same bytes"
fi

# A partial file (first 10 MB) is resumed with Range.
head -c $((10 * 1024 * 1024)) "$T/big.bin" >"$T/g/part.bin"
run_plik get -o "$T/g/part.bin" "$URL"
assert_eq 0 "$RC" "resume: exit 0 ($ERR)"
assert_contains "$ERR" "Resumed" "resume: reported as resumed"
assert_eq "$SUM" "$(md5_of part.bin)" "resume: complete and identical"
run_plik get -o "$T/g/part.bin" "$URL"
assert_eq 0 "$RC" "already complete: exit 0 ($ERR)"
assert_eq "$SUM" "$(md5_of part.bin)" "already complete: unchanged"
# Interrupted by a killed client, then resumed.
rm -f "$T/g/cut.bin"
setsid "$PLIK" get -o "$T/g/cut.bin" "$URL" >/dev/null 2>&1 &
gpid=$!
wait_for 10 test -s "$T/g/cut.bin"
kill -9 "$gpid" 2>/dev/null; wait "$gpid" 2>/dev/null
run_plik get -o "$T/g/cut.bin" "$URL"
assert_eq 0 "$RC" "resume after a killed download: exit 0 ($ERR)"
assert_eq "$SUM" "$(md5_of cut.bin)" "resume after a killed download: identical"

# A local file longer than the remote one is refused.
head -c $((31 * 1024 * 1024)) /dev/zero >"$T/g/long.bin"
run_plik get -o "$T/g/long.bin" "$URL"
assert_eq 1 "$RC" "local file bigger than remote: exit 1"
assert_contains "$ERR" "bigger than the remote file" "local file bigger: message"

# Password-protected upload.
printf 'guarded\n' >"$T/guard.txt"
run_plik --server "$U" -q --password bob:pw "$T/guard.txt"
GURL="$OUT"
run_plik get -o "$T/g/guard.txt" "$GURL"
assert_eq 1 "$RC" "protected without password: exit 1"
assert_contains "$ERR" "401" "protected without password: 401 in the message"
assert_file_absent "$T/g/guard.txt" "no file written on an error answer"
run_plik get --password bob:pw -o "$T/g/guard.txt" "$GURL"
assert_eq "guarded" "$(cat "$T/g/guard.txt")" "get --password"

# Errors.
run_plik get "${URL%/*/*}/AAAAAAAAAAAAAAAA/big.bin"
assert_eq 1 "$RC" "404: exit 1"
assert_contains "$ERR" "404 Not Found : " "404: status line and server message"
assert_eq 1 "$(wc -l <<<"$ERR")" "404: one line"
run_plik get "http://127.0.0.1:1/file/a/b/c"
assert_eq 1 "$RC" "server down: exit 1"
assert_contains "$ERR" "Unable to download" "server down: message"

e2e_finish
