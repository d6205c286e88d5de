#!/usr/bin/env bash
# Streams through any instance (issue #6 item 5): nginx with the SHIPPED
# docs/deploy/nginx-round-robin.conf (plain round-robin, no hashing) in front of three plikd
# sharing a real PostgreSQL 15 and one data backend. Uploader and downloader land on different
# instances; the downloader's instance relays from the uploader's (files.instance). Both orders,
# several streams at once, a DELETE through another instance, and the owner killed mid-stream:
# the downloader gets an error, nothing hangs, the file goes back to `missing` once the dead
# instance's lease expires, and the survivors keep streaming.
source "$(dirname "$0")/lib.sh" "$@"
source "$(dirname "$0")/multi_lib.sh"

T="$E2E_TMP"
SRC_DIR="${PLIK_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
SHIPPED_CONF="$SRC_DIR/docs/deploy/nginx-round-robin.conf"
mkdir -p "$T/shared-files"
DATA_TOML="${E2E_DATA_TOML:-DataBackend = \"file\"
[DataBackendConfig]
    Directory = \"$T/shared-files\"}"

ml_pg_start
NAMES=(a b c)
PORTS=()
for n in "${NAMES[@]}"; do
  p="$(ml_free_port)"
  while [[ " ${PORTS[*]} " == *" $p "* ]]; do p="$(ml_free_port)"; done
  PORTS+=("$p")
  ml_write_cfg "$n" "$DATA_TOML" "StreamTimeoutStr = \"60s\"
LeaseInterval = 1
InstanceURL = \"http://127.0.0.1:$p\""
  sed -i "s/^ListenPort .*/ListenPort = $p/" "$(e2e_dir "$n")/plikd.cfg"
  e2e_start "$n"
done
pass "three plikd on one PostgreSQL: ${PORTS[*]}"
# nginx reaches these instances over TCP (test_nginx_lua.sh covers the shipped Unix sockets).
ml_nginx_start "$SHIPPED_CONF" "${PORTS[*]}"
N="$NGINX_URL"
assert_eq 200 "$(http_code "$N/health")" "nginx (shipped round-robin config) answers /health"
assert_not_contains "$(sed "s/#.*//" "$NGINX_CONF")" "_by_lua" "no Lua, no hashing in the round-robin config"

# new_stream NAME SIZE : creates a stream upload through nginx; sets UP, FID, TOKEN.
new_stream() {
  local j
  j="$(curl -s -X POST -d "{\"stream\":true,\"files\":[{\"fileName\":\"$1\",\"fileSize\":$2}]}" "$N/upload")"
  UP="$(json_get 'd["id"]' <<<"$j")"
  FID="$(json_get 'd["files"][0]["id"]' <<<"$j")"
  TOKEN="$(json_get 'd["uploadToken"]' <<<"$j")"
}
owner_of() { ml_sql "SELECT instance FROM files WHERE id = '$1'"; }
status_of() { ml_sql "SELECT status FROM files WHERE id = '$1'"; }
is_status() { [[ "$(status_of "$1")" == "$2" ]]; }

# ---------------------------------------------------------------- several streams, both orders
random_file "$T/s.bin" 24
S_MD5="$(md5_of "$T/s.bin")"
S_SIZE="$(stat -c %s "$T/s.bin")"
declare -a UPIDS DLPIDS FIDS
for i in 0 1 2 3 4 5; do
  new_stream "s$i.bin" "$S_SIZE"
  FIDS[$i]="$FID"
  if ((i % 2 == 0)); then  # uploader first
    curl -s -o "$T/up$i.json" -H "X-UploadToken: $TOKEN" -F "file=@$T/s.bin;filename=s$i.bin" \
      "$N/stream/$UP/$FID/s$i.bin" &
    UPIDS[$i]=$!
    wait_for 10 is_status "$FID" uploading || fail "stream $i: uploader did not arrive"
    curl -s -o "$T/down$i.bin" "$N/stream/$UP/$FID/s$i.bin" &
    DLPIDS[$i]=$!
  else  # downloader first
    curl -s -o "$T/down$i.bin" "$N/stream/$UP/$FID/s$i.bin" &
    DLPIDS[$i]=$!
    sleep 0.3
    curl -s -o "$T/up$i.json" -H "X-UploadToken: $TOKEN" -F "file=@$T/s.bin;filename=s$i.bin" \
      "$N/stream/$UP/$FID/s$i.bin" &
    UPIDS[$i]=$!
  fi
  e2e_track "${UPIDS[$i]}"
  e2e_track "${DLPIDS[$i]}"
done
for i in 0 1 2 3 4 5; do
  wait_pid_within 60 "${DLPIDS[$i]}" || fail "stream $i: downloader still running after 60 s"
  wait_pid_within 60 "${UPIDS[$i]}" || fail "stream $i: uploader still running after 60 s"
  assert_eq "$S_MD5" "$(md5_of "$T/down$i.bin")" "stream $i through round-robin nginx: same bytes"
  assert_eq deleted "$(json_get 'd["status"]' <"$T/up$i.json")" "stream $i: uploader answered with the File JSON"
done
relays=$(cat "$T"/{a,b,c}/plikd.log | grep -c "GET /stream/.*\[200\]")
assert_true "downloads were relayed between instances (GET /stream logged by both sides: $relays > 6)" test "$relays" -gt 6
assert_eq "" "$(find "$T/shared-files" -type f)" "no stream byte stored"

# ---------------------------------------------------------------- direct: upload on a, download on c
new_stream direct.bin "$S_SIZE"
curl -s -o "$T/upd.json" -H "X-UploadToken: $TOKEN" -F "file=@$T/s.bin;filename=direct.bin" \
  "$(e2e_url a)/stream/$UP/$FID/direct.bin" &
up_pid=$!
e2e_track $up_pid
wait_for 10 is_status "$FID" uploading || fail "direct uploader did not arrive"
assert_eq "http://127.0.0.1:${PORTS[0]}" "$(owner_of "$FID")" "files.instance names the uploader's instance"
curl -s -o "$T/downd.bin" "$(e2e_url c)/stream/$UP/$FID/direct.bin"
assert_eq "$S_MD5" "$(md5_of "$T/downd.bin")" "uploader on a, downloader on c: relayed bytes"
wait_pid_within 20 $up_pid || fail "direct uploader still running"

# ---------------------------------------------------------------- DELETE through another instance
new_stream cancel.bin 0
curl -s -o "$T/upc.txt" -w '%{http_code}' -H "X-UploadToken: $TOKEN" -F "file=@$T/s.bin;filename=cancel.bin" \
  "$(e2e_url a)/stream/$UP/$FID/cancel.bin" >"$T/upc.code" &
up_pid=$!
e2e_track $up_pid
wait_for 10 is_status "$FID" uploading || fail "cancel: uploader did not arrive"
assert_eq ok "$(curl -s -X DELETE -H "X-UploadToken: $TOKEN" "$(e2e_url b)/stream/$UP/$FID/cancel.bin")" "DELETE /stream through b"
wait_pid_within 15 $up_pid || fail "cancel: the uploader on a was not released within 15 s"
assert_eq 404 "$(cat "$T/upc.code")" "cancel: the uploader on a got 404"
assert_eq "stream cancelled" "$(cat "$T/upc.txt")" "cancel: with the message"
assert_eq missing "$(status_of "$FID")" "cancel: file back to missing"

# ---------------------------------------------------------------- the owner killed mid-stream
random_file "$T/k.bin" 64
new_stream kill.bin "$(stat -c %s "$T/k.bin")"
curl -s -o /dev/null --limit-rate 2M -H "X-UploadToken: $TOKEN" -F "file=@$T/k.bin;filename=kill.bin" \
  "$N/stream/$UP/$FID/kill.bin" &
up_pid=$!
e2e_track $up_pid
wait_for 10 is_status "$FID" uploading || fail "kill: uploader did not arrive"
owner="$(owner_of "$FID")"
victim=""
for i in 0 1 2; do [[ "$owner" == "http://127.0.0.1:${PORTS[$i]}" ]] && victim="${NAMES[$i]}"; done
[[ -n "$victim" ]] || fail "kill: owner $owner is none of the instances"
other=a
[[ "$victim" == a ]] && other=b
curl -s -o "$T/kdown.bin" -w '%{http_code} %{size_download}' "$(e2e_url "$other")/stream/$UP/$FID/kill.bin" \
  >"$T/kdown.out" 2>/dev/null &
dl_pid=$!
e2e_track $dl_pid
wait_for 20 test -s "$T/kdown.bin" || fail "kill: no byte relayed before the kill"
e2e_stop "$victim" KILL
pass "owner $victim (kill -9) while $other relays its stream"
wait_pid_within 15 $dl_pid || fail "kill: the relayed downloader hangs after the owner died"
assert_true "kill: the downloader's transfer failed (curl rc $WAIT_RC)" test "$WAIT_RC" -ne 0
read -r code got <"$T/kdown.out"
assert_true "kill: the downloader got a truncated body ($got < $(stat -c %s "$T/k.bin"))" test "$got" -lt "$(stat -c %s "$T/k.bin")"
wait_pid_within 15 $up_pid || fail "kill: the uploader hangs after the owner died"
# The dead owner never renews its lease: a survivor puts the file back to `missing` (12 s here).
wait_for 30 is_status "$FID" missing || fail "kill: file still $(status_of "$FID") 30 s after the owner died"
pass "kill: the dead owner's lease expired, file back to missing"
# Survivors keep streaming through nginx.
new_stream after.bin "$S_SIZE"
curl -s -o "$T/upa.json" -H "X-UploadToken: $TOKEN" -F "file=@$T/s.bin;filename=after.bin" \
  "$N/stream/$UP/$FID/after.bin" &
up_pid=$!
e2e_track $up_pid
wait_for 10 is_status "$FID" uploading || fail "after: uploader did not arrive"
curl -s -o "$T/downa.bin" "$N/stream/$UP/$FID/after.bin"
assert_eq "$S_MD5" "$(md5_of "$T/downa.bin")" "after the kill: streams still work through nginx"
wait_pid_within 20 $up_pid || fail "after: uploader still running"

e2e_finish
