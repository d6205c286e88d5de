#!/usr/bin/env bash
# SIGTERM / SIGINT (spec §10 + issue): open streams (waiting uploader, waiting downloader,
# stream in transfer) end with an error on both sides at once; plain uploads and downloads in
# flight get ShutdownTimeout (Plik's 1 minute grace) to end — they complete, new connections
# are refused and idle ones closed meanwhile — and are cut after it; plikd exits 0. An upload
# cut by the grace's end is back to `missing` after the restart. Under systemd
# (NOTIFY_SOCKET, Type=notify) plikd reports READY=1 once it serves and STOPPING=1 on SIGTERM.
source "$(dirname "$0")/lib.sh" "$@"

T="$E2E_TMP"
random_file "$T/20m.bin" 20
random_file "$T/60m.bin" 60

# new_stream SERVER : sets SU SK SF for a stream upload with one declared file s.bin.
new_stream() {
  local up
  up="$(create_upload "$1" '{"stream":true,"files":[{"fileName":"s.bin","reference":"0"}]}')"
  SU="$(json_get "d['id']" <<<"$up")"
  SK="$(json_get "d['uploadToken']" <<<"$up")"
  SF="$(json_get "d['files'][0]['id']" <<<"$up")"
}
# bg NAME CMD... : runs a curl in the background; pid in PIDS[NAME], http code in $T/NAME.code.
declare -A PIDS=()
bg() {
  local name="$1"
  shift
  "$@" -s -o "$T/$name.out" -w '%{http_code}' >"$T/$name.code" 2>"$T/$name.err" &
  PIDS[$name]=$!
  e2e_track "$!"
}
# ended_with_error NAME DESCRIPTION [SECONDS] : the curl NAME ended (within SECONDS, default 5)
# with a non-zero exit or a non-2xx status.
ended_with_error() {
  local name="$1" desc="$2" limit="${3:-5}" code
  if ! wait_pid_within "$limit" "${PIDS[$name]}"; then
    fail "$desc: curl still running $limit s after the signal"
    return
  fi
  code="$(cat "$T/$name.code")"
  if [[ "$WAIT_RC" != 0 || ! "$code" =~ ^2 ]]; then
    pass "$desc: ended with an error (curl exit $WAIT_RC, HTTP $code)"
  else
    fail "$desc: looked successful (curl exit 0, HTTP $code)"
  fi
}

# ---------------------------------------------------------------- SIGTERM with open streams
# (ShutdownTimeout 2: the plain transfers below outlast the grace and are cut.)
e2e_start srv 'StreamTimeoutStr = "0"
ShutdownTimeout = 2'
U="$(e2e_url srv)"
new_stream srv
bg waiting_uploader curl -H "X-UploadToken: $SK" -F "file=@$T/20m.bin;filename=s.bin" "$U/stream/$SU/$SF/s.bin"
new_stream srv
bg waiting_downloader curl "$U/stream/$SU/$SF/s.bin"
new_stream srv
bg moving_uploader curl --limit-rate 1M -H "X-UploadToken: $SK" -F "file=@$T/20m.bin;filename=s.bin" "$U/stream/$SU/$SF/s.bin"
bg moving_downloader curl "$U/stream/$SU/$SF/s.bin"
# A plain upload and a plain download in progress too.
up="$(create_upload srv '{"files":[{"fileName":"p.bin","reference":"0"}]}')"
PU="$(json_get "d['id']" <<<"$up")"
PK="$(json_get "d['uploadToken']" <<<"$up")"
PF="$(json_get "d['files'][0]['id']" <<<"$up")"
bg plain_uploader curl --limit-rate 1M -H "X-UploadToken: $PK" -F "file=@$T/20m.bin;filename=p.bin" "$U/file/$PU/$PF/p.bin"
url="$(curl -s -F "file=@$T/60m.bin;filename=d.bin" "$U/")"
bg plain_downloader curl --limit-rate 4M "$url"
has_bytes() { [[ "$(stat -c %s "$T/moving_downloader.out" 2>/dev/null || echo 0)" -gt 0 ]]; }
assert_true "stream in transfer: bytes flowing" wait_for 5 has_bytes
sleep 0.5
for n in "${!PIDS[@]}"; do
  assert_true "$n running before SIGTERM" kill -0 "${PIDS[$n]}"
done

t0=$(date +%s.%N)
kill -TERM "${E2E_PID[srv]}"
if wait_pid_within 5 "${E2E_PID[srv]}"; then
  secs="$("$PY" -c "import time; print(round(time.time() - $t0, 2))")"
  assert_eq 0 "$WAIT_RC" "plikd exits 0 on SIGTERM (after ${secs}s)"
else
  fail "plikd still running 5 s after SIGTERM"
fi
ended_with_error waiting_uploader "stream uploader waiting for its downloader"
ended_with_error waiting_downloader "stream downloader waiting for its uploader"
ended_with_error moving_uploader "stream uploader in transfer"
ended_with_error moving_downloader "stream downloader in transfer"
ended_with_error plain_uploader "plain upload in progress"
# (a plain download keeps receiving what the kernel had already buffered for it, several MB,
# before it sees the end of the connection: allow for that)
ended_with_error plain_downloader "plain download in progress" 15
assert_contains "$(cat "$(e2e_dir srv)/plikd.log")" "plikd stopped" "log: plikd stopped"

# After a restart the interrupted plain upload is back to missing and nothing half-written
# is served.
e2e_start srv 'StreamTimeoutStr = "0"'
U="$(e2e_url srv)"
TOKEN="$PK"
assert_eq missing "$(file_status srv "$PU" "$PF")" "restart: interrupted plain upload is missing"
assert_eq 404 "$(http_code "$U/file/$PU/$PF/p.bin")" "restart: interrupted plain upload not served"
assert_eq "" "$(part_files "$(e2e_dir srv)/files")" "restart: no *.part files"
TOKEN=""

# ---------------------------------------------------------------- SIGINT, idle server
e2e_stop srv INT
assert_eq 0 "$E2E_RC" "plikd exits 0 on SIGINT"

# ---------------------------------------------------------------- SIGTERM with only a waiting stream
e2e_start srv 'StreamTimeoutStr = "0"'
U="$(e2e_url srv)"
new_stream srv
bg lone_uploader curl -H "X-UploadToken: $SK" -F "file=@$T/20m.bin;filename=s.bin" "$U/stream/$SU/$SF/s.bin"
is_uploading() { [[ "$(TOKEN="$SK" file_status srv "$SU" "$SF")" == uploading ]]; }
assert_true "lone stream uploader waiting" wait_for 5 is_uploading
kill -TERM "${E2E_PID[srv]}"
if wait_pid_within 5 "${E2E_PID[srv]}"; then
  assert_eq 0 "$WAIT_RC" "plikd exits 0 on SIGTERM with a waiting stream"
else
  fail "plikd still running 5 s after SIGTERM (waiting stream)"
fi
ended_with_error lone_uploader "lone waiting stream uploader"

# ---------------------------------------------------------------- SIGTERM lets transfers end
# Default ShutdownTimeout (60 s): a plain upload and a plain download in flight complete.
e2e_start grace
G="$(e2e_url grace)"
up="$(create_upload grace '{"files":[{"fileName":"g.bin","reference":"0"}]}')"
GU="$(json_get "d['id']" <<<"$up")"
GK="$(json_get "d['uploadToken']" <<<"$up")"
GF="$(json_get "d['files'][0]['id']" <<<"$up")"
head -c $((8 * 1024 * 1024)) "$T/20m.bin" >"$T/8m.bin"
bg grace_uploader curl --limit-rate 2M -H "X-UploadToken: $GK" -F "file=@$T/8m.bin;filename=g.bin" "$G/file/$GU/$GF/g.bin"
gurl="$(curl -s -F "file=@$T/20m.bin;filename=d.bin" "$G/")"
bg grace_downloader curl --limit-rate 5M "$gurl"
# An idle keep-alive connection: closed at once by the drain (its reader reports when).
"$PY" -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
got = b""
while b"ok" not in got:
    got += s.recv(4096)
open(sys.argv[2], "w").write("served\n")
s.settimeout(30)
try:
    rest = s.recv(4096)
except OSError:
    rest = b"error"
open(sys.argv[2], "a").write("closed %.1f\n" % time.time() if rest == b"" else "got %r\n" % rest)
' "${E2E_PORT[grace]}" "$T/idle.log" &
e2e_track "$!"
assert_true "idle keep-alive connection served" wait_for 5 grep -q served "$T/idle.log"
sleep 1
t0=$(date +%s.%N)
kill -TERM "${E2E_PID[grace]}"
sleep 0.3
code="$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$G/health")"
assert_eq 000 "$code" "draining: a new connection is refused"
assert_true "draining: the idle keep-alive connection is closed at once" wait_for 3 grep -q "^closed" "$T/idle.log"
if wait_pid_within 30 "${E2E_PID[grace]}"; then
  secs="$("$PY" -c "import time; print(round(time.time() - $t0, 1))")"
  assert_eq 0 "$WAIT_RC" "plikd exits 0 once its transfers ended (${secs}s after SIGTERM)"
else
  fail "plikd still running 30 s after SIGTERM with two short transfers"
fi
wait_pid_within 5 "${PIDS[grace_uploader]}"
assert_eq "0 200" "$WAIT_RC $(cat "$T/grace_uploader.code")" "upload in flight at SIGTERM completes"
assert_eq "$(md5_of "$T/8m.bin")" "$(json_get "d['fileMd5']" <"$T/grace_uploader.out")" "...with every byte (its md5)"
wait_pid_within 5 "${PIDS[grace_downloader]}"
assert_eq "0 200" "$WAIT_RC $(cat "$T/grace_downloader.code")" "download in flight at SIGTERM completes"
assert_eq "$(md5_of "$T/20m.bin")" "$(md5_of "$T/grace_downloader.out")" "...with every byte"

# ---------------------------------------------------------------- systemd readiness (sd_notify)
# A datagram socket standing in for systemd's; every datagram it gets is appended to notify.log.
"$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "ab", 0) as f:
    while True:
        f.write(s.recv(4096) + b"\n.\n")
' "$T/notify.sock" "$T/notify.log" &
e2e_track "$!"
wait_for 5 test -S "$T/notify.sock" || fail "notification socket not created"
E2E_ENV=(NOTIFY_SOCKET="$T/notify.sock")
e2e_write_config notify
e2e_start notify
E2E_ENV=()
assert_true "READY=1 sent once plikd serves" wait_for 5 grep -q '^READY=1$' "$T/notify.log"
assert_contains "$(cat "$T/notify.log")" "STATUS=serving on port ${E2E_PORT[notify]}" "STATUS names the port"
assert_eq 200 "$(http_code "$(e2e_url notify)/health")" "and it does serve"
e2e_stop notify
assert_eq 0 "$E2E_RC" "exit 0 on SIGTERM under systemd"
assert_true "STOPPING=1 sent on SIGTERM" wait_for 5 grep -q '^STOPPING=1$' "$T/notify.log"

e2e_finish
