#!/usr/bin/env bash
# Stream mode with real curl processes (spec §9, 1.4 semantics): 100 MB happy path with the
# uploader first and with the downloader first, nothing written to the data directory, and
# explicit failures: uploader disconnect -> the downloader's curl fails (18 or 56), downloader
# disconnect -> the uploader's request ends promptly with an error, StreamTimeoutStr releases
# a waiting side, DELETE /stream/... cancels a waiting stream; failed streams go back to
# `missing` and can be streamed again.
source "$(dirname "$0")/lib.sh" "$@"

T="$E2E_TMP"
e2e_start srv 'StreamTimeoutStr = "3s"'
U="$(e2e_url srv)"
FILES="$(e2e_dir srv)/files"

# new_stream [FILE_SIZE] : creates a stream upload with one declared file "s.bin".
# Sets SU (upload id), SK (upload token), SF (file id).
new_stream() {
  local size="${1:-0}" up
  up="$(create_upload srv "{\"stream\":true,\"files\":[{\"fileName\":\"s.bin\",\"reference\":\"0\",\"fileSize\":$size}]}")"
  SU="$(json_get "d['id']" <<<"$up")"
  SK="$(json_get "d['uploadToken']" <<<"$up")"
  SF="$(json_get "d['files'][0]['id']" <<<"$up")"
}
stream_url() { echo "$U/stream/$SU/$SF/s.bin"; }
status_now() { TOKEN="$SK" file_status srv "$SU" "$SF"; }
is_uploading() { [[ "$(status_now)" == uploading ]]; }
data_files() { find "$FILES" -type f | head -n 5; }

# start_uploader FILE [curl args...] : background uploader; pid in UP_PID, response in $T/up.resp,
# http code in $T/up.code.
start_uploader() {
  local file="$1"
  shift
  curl -s -o "$T/up.resp" -w '%{http_code}' "$@" -H "X-UploadToken: $SK" -F "file=@$file;filename=s.bin" \
    "$(stream_url)" >"$T/up.code" 2>"$T/up.err" &
  UP_PID=$!
  e2e_track "$UP_PID"
}
# start_downloader OUT [curl args...] : background downloader; pid in DOWN_PID.
start_downloader() {
  local out="$1"
  shift
  curl -s -o "$out" -w '%{http_code}' "$@" "$(stream_url)" >"$T/down.code" 2>"$T/down.err" &
  DOWN_PID=$!
  e2e_track "$DOWN_PID"
}

random_file "$T/100m.bin" 100
M100="$(md5_of "$T/100m.bin")"
random_file "$T/20m.bin" 20

# ---------------------------------------------------------------- happy path, uploader first
new_stream
start_uploader "$T/100m.bin"
assert_true "uploader waiting: status uploading" wait_for 5 is_uploading
assert_eq "" "$(data_files)" "nothing in the data dir while the uploader waits"
assert_eq 200 "$(http_code "$(stream_url)" -I)" "HEAD while waiting: 200, does not consume"
curl -s -o "$T/down1.bin" "$(stream_url)"
assert_eq 0 "$?" "downloader (uploader first): curl exit 0"
wait_pid_within 30 "$UP_PID"
assert_eq 0 "$WAIT_RC" "uploader (uploader first): curl exit 0"
assert_eq 200 "$(cat "$T/up.code")" "uploader: 200"
assert_eq "$M100" "$(md5_of "$T/down1.bin")" "100 MB streamed, uploader first: same md5"
assert_eq deleted "$(json_get "d['status']" <"$T/up.resp")" "uploader's response: status deleted"
assert_eq "" "$(json_get "d['fileMd5']" <"$T/up.resp")" "uploader's response: no md5 for a stream (docs/compat.md)"
assert_eq 104857600 "$(json_get "d['fileSize']" <"$T/up.resp")" "uploader's response: size"
body="$(curl -s -w ' %{http_code}' "$(stream_url)")"
assert_eq "file s.bin ($SF) is not available : deleted
 404" "$body" "after the stream: 404 deleted"
assert_eq "" "$(data_files)" "nothing written to the data dir (uploader first)"

# ---------------------------------------------------------------- happy path, downloader first
new_stream 104857600
start_downloader "$T/down2.bin"
sleep 0.5
assert_true "downloader first: still waiting" kill -0 "$DOWN_PID"
curl -s -o "$T/up2.resp" -H "X-UploadToken: $SK" -F "file=@$T/100m.bin;filename=s.bin" "$(stream_url)"
assert_eq 0 "$?" "uploader (downloader first): curl exit 0"
wait_pid_within 30 "$DOWN_PID"
assert_eq 0 "$WAIT_RC" "downloader (downloader first): curl exit 0"
assert_eq 200 "$(cat "$T/down.code")" "downloader first: 200"
assert_eq "$M100" "$(md5_of "$T/down2.bin")" "100 MB streamed, downloader first: same md5"
assert_eq deleted "$(json_get "d['status']" <"$T/up2.resp")" "uploader's response: status deleted"
assert_eq "" "$(data_files)" "nothing written to the data dir (downloader first)"

# ---------------------------------------------------------------- a second downloader
new_stream
start_uploader "$T/20m.bin" --limit-rate 2M
assert_true "uploader waiting" wait_for 5 is_uploading
start_downloader "$T/down3.bin"
sleep 0.5
body="$(curl -s -w ' %{http_code}' "$(stream_url)")"
assert_contains "$body" " 409" "second downloader: 409 ($(head -n 1 <<<"$body"))"
kill "$UP_PID" 2>/dev/null
wait_pid_within 10 "$DOWN_PID"
wait "$UP_PID" 2>/dev/null

# ---------------------------------------------------------------- uploader disconnects
# (a) declared size -> Content-Length -> curl exit 18 (partial file)
for declared in 20971520 0; do
  new_stream "$declared"
  start_uploader "$T/20m.bin" --limit-rate 1M
  assert_true "slow uploader waiting (declared $declared)" wait_for 5 is_uploading
  start_downloader "$T/down4.bin"
  sleep 1.5
  got="$(stat -c %s "$T/down4.bin" 2>/dev/null || echo 0)"
  assert_true "bytes are flowing ($got)" test "$got" -gt 0
  assert_eq "" "$(data_files)" "nothing in the data dir during the transfer"
  kill -9 "$UP_PID"
  wait "$UP_PID" 2>/dev/null
  if wait_pid_within 10 "$DOWN_PID"; then
    if [[ "$declared" != 0 ]]; then
      assert_eq 18 "$WAIT_RC" "uploader killed, Content-Length declared: downloader's curl exit 18"
    elif [[ "$WAIT_RC" == 18 || "$WAIT_RC" == 56 ]]; then
      pass "uploader killed, chunked: downloader's curl exit $WAIT_RC (transfer error)"
    else
      fail "uploader killed, chunked: downloader's curl exit $WAIT_RC, expected 18 or 56 ($(cat "$T/down.err"))"
    fi
  else
    fail "uploader killed: the downloader is still running after 10 s"
  fi
  is_missing() { [[ "$(status_now)" == missing ]]; }
  assert_true "file back to missing after the uploader died" wait_for 5 is_missing
done
# ... and the file can be streamed again.
start_uploader "$T/20m.bin"
assert_true "re-stream: uploader waiting" wait_for 5 is_uploading
curl -s -o "$T/down5.bin" "$(stream_url)"
wait_pid_within 20 "$UP_PID"
assert_eq "$(md5_of "$T/20m.bin")" "$(md5_of "$T/down5.bin")" "re-stream after a failure: same md5"

# ---------------------------------------------------------------- downloader disconnects
new_stream
start_uploader "$T/100m.bin"
assert_true "uploader waiting" wait_for 5 is_uploading
start_downloader "$T/down6.bin" --limit-rate 1M
sleep 1.5
kill -9 "$DOWN_PID"
wait "$DOWN_PID" 2>/dev/null
t0=$SECONDS
if wait_pid_within 10 "$UP_PID"; then
  code="$(cat "$T/up.code")"
  if [[ "$WAIT_RC" != 0 || "$code" -ge 400 ]]; then
    pass "downloader killed: the uploader's request ended in $((SECONDS - t0)) s with an error (curl $WAIT_RC, HTTP $code)"
  else
    fail "downloader killed: the uploader got curl $WAIT_RC HTTP $code ($(cat "$T/up.resp"))"
  fi
else
  fail "downloader killed: the uploader is still blocked after 10 s"
fi
is_missing() { [[ "$(status_now)" == missing ]]; }
assert_true "file back to missing after the downloader died" wait_for 5 is_missing

# ---------------------------------------------------------------- StreamTimeoutStr = 3s
new_stream
start_uploader "$T/20m.bin"
if wait_pid_within 10 "$UP_PID"; then
  assert_eq 408 "$(cat "$T/up.code")" "lonely uploader released by the stream timeout: 408"
  assert_contains "$(cat "$T/up.resp")" "stream timeout" "lonely uploader: message"
else
  fail "lonely uploader still waiting after 10 s (StreamTimeoutStr = 3s)"
fi
assert_eq missing "$(status_now)" "after the uploader's timeout: file missing"
new_stream
start_downloader "$T/down7.bin"
if wait_pid_within 10 "$DOWN_PID"; then
  assert_eq 408 "$(cat "$T/down.code")" "lonely downloader released by the stream timeout: 408"
else
  fail "lonely downloader still waiting after 10 s"
fi

# ---------------------------------------------------------------- DELETE /stream cancels
new_stream
start_uploader "$T/20m.bin"
assert_true "uploader waiting before DELETE" wait_for 5 is_uploading
assert_eq 403 "$(http_code "$(stream_url)" -X DELETE)" "DELETE /stream without the upload token: 403"
assert_true "uploader still waiting after the refused DELETE" kill -0 "$UP_PID"
assert_eq ok "$(curl -s -X DELETE -H "X-UploadToken: $SK" "$(stream_url)")" "DELETE /stream with the upload token: ok"
if wait_pid_within 3 "$UP_PID"; then
  code="$(cat "$T/up.code")"
  if [[ "$WAIT_RC" != 0 || "$code" -ge 400 ]]; then
    pass "cancelled uploader ended promptly with an error (curl $WAIT_RC, HTTP $code: $(head -c 80 "$T/up.resp"))"
  else
    fail "cancelled uploader: curl $WAIT_RC HTTP $code"
  fi
else
  fail "cancelled uploader still waiting 3 s after DELETE"
fi
assert_eq missing "$(status_now)" "cancelled stream: file back to missing"
# A waiting downloader is cancelled too.
start_downloader "$T/down8.bin"
sleep 0.3
curl -s -o /dev/null -X DELETE -H "X-UploadToken: $SK" "$(stream_url)"
if wait_pid_within 3 "$DOWN_PID"; then
  assert_ne 200 "$(cat "$T/down.code")" "cancelled downloader: error status ($(cat "$T/down.code"))"
else
  fail "cancelled downloader still waiting 3 s after DELETE"
fi

assert_eq "" "$(data_files)" "data dir still empty after all the streams"
assert_true "server alive" e2e_alive srv
e2e_stop srv
assert_eq 0 "$E2E_RC" "SIGTERM exit 0"
e2e_finish
