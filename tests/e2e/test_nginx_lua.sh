#!/usr/bin/env bash
# Multi-instance deployment as documented: nginx with the SHIPPED docs/deploy/nginx-lua.conf
# (only its listen port and instance addresses substituted) in front of two plikd sharing a real
# PostgreSQL 15 and one data backend. Through nginx: quick upload, API uploads (small, 50 MiB),
# downloads, range, oneShot, zip archive; streams routed by file id (both orders, several at
# once, landing on both instances), a 200 MiB stream, an unbuffered (rate-limited) stream
# uploader, 5 s waits on either side, stream cancel. Missing nginx/Lua/PostgreSQL = failure.
source "$(dirname "$0")/lib.sh" "$@"
# PostgreSQL 15 and the object store (S3 through a Swift all-in-one's s3api, real SigV4) shared
# by both instances, started here (backend_lib.sh sources multi_lib.sh).
E2E_BACKENDS="${E2E_BACKENDS:-postgres+s3}"
source "$(dirname "$0")/backend_lib.sh"

T="$E2E_TMP"
SRC_DIR="${PLIK_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
SHIPPED_CONF="$SRC_DIR/docs/deploy/nginx-lua.conf"
STREAM_TIMEOUT_S=300   # plikd's StreamTimeoutStr (the default 5m); nginx timeouts must exceed it

# The shared data backend of both instances.
DATA_TOML="$(bk_data_toml a)"

STARTED=$SECONDS

# ---------------------------------------------------------------- servers
pass "PostgreSQL on 127.0.0.1:$PG_PORT, $BK_DATA data backend shared by both instances"

# Fixed ports: an instance records itself as http://127.0.0.1:ListenPort in files.instance.
PORT_A="$(ml_free_port)"
PORT_B="$(ml_free_port)"
while [[ "$PORT_B" == "$PORT_A" ]]; do PORT_B="$(ml_free_port)"; done
ml_write_cfg a "$DATA_TOML" "StreamTimeoutStr = \"${STREAM_TIMEOUT_S}s\"
MaxFileSizeStr = \"unlimited\""
sed -i "s/^ListenPort .*/ListenPort = $PORT_A/" "$(e2e_dir a)/plikd.cfg"
ml_write_cfg b "$DATA_TOML" "StreamTimeoutStr = \"${STREAM_TIMEOUT_S}s\"
MaxFileSizeStr = \"unlimited\""
sed -i "s/^ListenPort .*/ListenPort = $PORT_B/" "$(e2e_dir b)/plikd.cfg"
e2e_start a
e2e_start b
pass "two plikd on PostgreSQL: :$PORT_A and :$PORT_B"

ml_nginx_start "$SHIPPED_CONF" "$PORT_A,$(ml_sock a) $PORT_B,$(ml_sock b)"
N="$NGINX_URL"
assert_eq 200 "$(http_code "$N/health")" "nginx (shipped config) answers /health"

# ---------------------------------------------------------------- the configuration itself
changed="$(diff "$SHIPPED_CONF" "$NGINX_CONF" | grep -c '^>')"
assert_eq 5 "$changed" "generated config = shipped file with only listen + 4 instance addresses changed"
conf="$(sed 's/#.*//' "$NGINX_CONF")"
directive() { grep -E "^[[:space:]]*$1[[:space:]]" <<<"$conf" | head -n 1 | sed -E "s/^[[:space:]]*$1[[:space:]]+([^;]*);.*/\1/"; }
assert_eq 0 "$(directive client_max_body_size)" "client_max_body_size 0 (nginx's 1 MB would 413)"
assert_eq 1.1 "$(directive proxy_http_version)" "proxy_http_version 1.1"
assert_eq off "$(directive proxy_request_buffering)" "proxy_request_buffering off"
assert_eq 0 "$(directive proxy_max_temp_file_size)" "proxy_max_temp_file_size 0 (responses never spooled to disk)"
assert_eq '$http_host' "$(grep -E '^[[:space:]]*proxy_set_header[[:space:]]+Host' <<<"$conf" | awk '{print $3}' | tr -d ';')" "Host passed with its port"
assert_contains "$conf" 'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;' "X-Forwarded-For passed"
for d in client_body_timeout proxy_send_timeout proxy_read_timeout send_timeout; do
  v="$(directive "$d")"
  secs="$("$PY" -c '
import re, sys
m = re.fullmatch(r"(\d+)(ms|s|m|h|d)?", sys.argv[1])
print(0 if not m else int(m.group(1)) * {"ms": 0.001, "s": 1, None: 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)])
' "$v")"
  if "$PY" -c "import sys; sys.exit(0 if float('$secs') > $STREAM_TIMEOUT_S else 1)"; then
    pass "$d $v > StreamTimeoutStr ${STREAM_TIMEOUT_S}s"
  else
    fail "$d is [$v]: must exceed StreamTimeoutStr ${STREAM_TIMEOUT_S}s"
  fi
done
lua="$(sed -n '/set_by_lua_block/,/^[[:space:]]*}/p' <<<"$conf")"
assert_not_contains "$(grep -E '^[[:space:]]*[_a-z]+(,[_a-z]+)*[[:space:]]*=' <<<"$lua")" "=" "Lua assigns no globals (every variable is local)"

# ---------------------------------------------------------------- stored files through nginx
printf 'hello through nginx\n' >"$T/hello.txt"
url="$(curl -s -F "file=@$T/hello.txt" "$N/")"
assert_contains "$url" "$N/file/" "quick upload through nginx: URL keeps nginx's host:port"
assert_eq "hello through nginx" "$(curl -s "$url")" "quick upload: download through nginx"

random_file "$T/big.bin" 50
BIG_MD5="$(md5_of "$T/big.bin")"
ng_create() { curl -s -X POST -H 'Content-Type: application/json' -d "$1" "$N/upload"; }
up="$(ng_create '{"files":[{"fileName":"big.bin","reference":"0"},{"fileName":"hello.txt","reference":"1"}]}')"
UID1="$(json_get "d['id']" <<<"$up")"
TOK1="$(json_get "d['uploadToken']" <<<"$up")"
FBIG="$(json_get "[f['id'] for f in d['files'] if f['fileName']=='big.bin'][0]" <<<"$up")"
FHELLO="$(json_get "[f['id'] for f in d['files'] if f['fileName']=='hello.txt'][0]" <<<"$up")"
resp="$(curl -s -H "X-UploadToken: $TOK1" -F "file=@$T/big.bin" "$N/file/$UID1/$FBIG/big.bin")"
assert_eq "uploaded $BIG_MD5" "$(json_get "d['status'] + ' ' + d['fileMd5']" <<<"$resp")" "50 MiB upload through nginx (no 413)"
resp="$(curl -s -H "X-UploadToken: $TOK1" -F "file=@$T/hello.txt" "$N/file/$UID1/$FHELLO/hello.txt")"
assert_eq uploaded "$(json_get "d['status']" <<<"$resp")" "small upload through nginx"
for i in 1 2; do  # round-robin: consecutive downloads go to both instances
  curl -s -o "$T/big.out" "$N/file/$UID1/$FBIG/big.bin"
  assert_eq "$BIG_MD5" "$(md5_of "$T/big.out")" "50 MiB download through nginx ($i)"
done
assert_eq "hello through nginx" "$(curl -s "$N/file/$UID1/$FHELLO/hello.txt")" "small download through nginx"
for inst in a b; do
  assert_eq "hello through nginx" "$(curl -s "$(e2e_url $inst)/file/$UID1/$FHELLO/hello.txt")" "instance $inst serves the shared file directly"
done
grep -q "GET /file/$UID1/$FBIG/big.bin" "$(e2e_dir a)/plikd.log" &&
  grep -q "GET /file/$UID1/$FBIG/big.bin" "$(e2e_dir b)/plikd.log"
assert_eq 0 $? "round-robin: both instances served downloads"

code="$(curl -s -o "$T/range.out" -w '%{http_code}' -r 1000000-1999999 "$N/file/$UID1/$FBIG/big.bin")"
assert_eq 206 "$code" "range request through nginx: 206"
assert_eq "$(tail -c +1000001 "$T/big.bin" | head -c 1000000 | md5sum | cut -d' ' -f1)" "$(md5_of "$T/range.out")" "range request: the right bytes"

code="$(curl -s -o "$T/all.zip" -w '%{http_code}' "$N/archive/$UID1/archive.zip")"
assert_eq 200 "$code" "zip archive through nginx: 200"
assert_eq "big.bin:$BIG_MD5 hello.txt:$(md5_of "$T/hello.txt")" "$("$PY" -c '
import hashlib, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
print(" ".join(n + ":" + hashlib.md5(z.read(n)).hexdigest() for n in sorted(z.namelist())))
' "$T/all.zip")" "zip archive: both files, intact"

up="$(ng_create '{"oneShot":true,"files":[{"fileName":"once.txt","reference":"0"}]}')"
UID2="$(json_get "d['id']" <<<"$up")"
FID2="$(json_get "d['files'][0]['id']" <<<"$up")"
curl -s -o /dev/null -H "X-UploadToken: $(json_get "d['uploadToken']" <<<"$up")" \
  -F "file=@$T/hello.txt;filename=once.txt" "$N/file/$UID2/$FID2/once.txt"
assert_eq "hello through nginx" "$(curl -s "$N/file/$UID2/$FID2/once.txt")" "oneShot through nginx: first download"
assert_eq 404 "$(http_code "$N/file/$UID2/$FID2/once.txt")" "oneShot through nginx: second download 404 (other instance too)"
assert_eq 404 "$(http_code "$N/file/$UID2/$FID2/once.txt")" "oneShot through nginx: third download 404"

# ---------------------------------------------------------------- streams
# The instance of a stream (S_INST) is a or b as the Lua routing computes it: crc32(file id) % 2
# -> plik_1 (a) / plik_2 (b).
declare -A S_UP S_TOK S_NAME S_INST
instance_of() { echo "${S_INST[$1]}"; }
# new_stream NAME SIZE : creates a stream upload through nginx; sets SID (the file id).
new_stream() {
  local r
  r="$(ng_create "{\"stream\":true,\"files\":[{\"fileName\":\"$1\",\"fileSize\":$2,\"reference\":\"0\"}]}")"
  local u t f i
  read -r f u t i < <(json_get "' '.join([d['files'][0]['id'], d['id'], d['uploadToken'], 'ab'[__import__('zlib').crc32(d['files'][0]['id'].encode()) % 2]])" <<<"$r")
  SID="$f"
  S_UP[$SID]="$u"
  S_TOK[$SID]="$t"
  S_NAME[$SID]="$1"
  S_INST[$SID]="$i"
}
s_url() { echo "$N/stream/${S_UP[$1]}/$1/${S_NAME[$1]}"; }
s_status() { ml_sql "SELECT status FROM files WHERE id = '$1'"; }
s_uploading() { [[ "$(s_status "$1")" == uploading ]]; }
# s_upload ID FILE [curl args] / s_download ID OUT [curl args] : in the background, pid in $!.
s_upload() {
  local id="$1" f="$2"
  shift 2
  curl -s -o "$T/ul-$id.json" -w '%{http_code}' "$@" -H "X-UploadToken: ${S_TOK[$id]}" \
    -F "file=@$f;filename=${S_NAME[$id]}" "$(s_url "$id")" >"$T/ul-$id.code" &
}
s_download() {
  local id="$1" out="$2"
  shift 2
  curl -s -o "$out" -w '%{http_code}' "$@" "$(s_url "$id")" >"$T/dl-$id.code" &
}

random_file "$T/s4.bin" 4
S4_MD5="$(md5_of "$T/s4.bin")"
# Six streams at once, at least two routed to each instance.
IDS=()
na=0
nb=0
for ((try = 0; try < 60 && ${#IDS[@]} < 6; try++)); do
  new_stream "s$try.bin" 4194304
  inst="$(instance_of "$SID")"
  if [[ $inst == a ]] && ((na < 3 || nb >= 2)); then
    IDS+=("$SID"); na=$((na + 1))
  elif [[ $inst == b ]] && ((nb < 3 || na >= 2)); then
    IDS+=("$SID"); nb=$((nb + 1))
  fi
done
assert_eq 6 "${#IDS[@]}" "six stream uploads, $na routed to instance a and $nb to b"
PIDS=()
for k in "${!IDS[@]}"; do
  id="${IDS[$k]}"
  if ((k % 2 == 0)); then  # uploader first: it blocks, then the downloader comes
    s_upload "$id" "$T/s4.bin"; PIDS+=($!)
    wait_for 10 s_uploading "$id" || fail "stream $k: uploader never reached plikd (status $(s_status "$id"))"
    s_download "$id" "$T/dl-$id.out"; PIDS+=($!)
  else  # downloader first: it waits for the uploader
    s_download "$id" "$T/dl-$id.out"; PIDS+=($!)
    sleep 0.3
    s_upload "$id" "$T/s4.bin"; PIDS+=($!)
  fi
done
for p in "${PIDS[@]}"; do wait_pid_within 60 "$p" || fail "a stream transfer did not end within 60 s"; done
for k in "${!IDS[@]}"; do
  id="${IDS[$k]}"
  order=$([[ $((k % 2)) == 0 ]] && echo "uploader first" || echo "downloader first")
  assert_eq "200 200 $S4_MD5" "$(cat "$T/ul-$id.code") $(cat "$T/dl-$id.code") $(md5_of "$T/dl-$id.out")" \
    "stream $k ($order, instance $(instance_of "$id")) through nginx: same bytes"
done
in_list="$(printf "'%s'," "${IDS[@]}")"
rows="$(ml_sql "SELECT id || ' ' || instance FROM files WHERE id IN (${in_list%,})")"
ok=1
for id in "${IDS[@]}"; do
  want=$([[ "$(instance_of "$id")" == a ]] && echo "$PORT_A" || echo "$PORT_B")
  grep -q "^$id .*:$want\$" <<<"$rows" || { ok=0; echo "  $id: expected instance port $want in [$rows]" >&2; }
done
assert_eq 1 "$ok" "files.instance: every stream was served by the instance its file id hashes to"
assert_eq 2 "$(awk '{print $2}' <<<"$rows" | sort -u | wc -l)" "streams were served by both instances"
grep -q "POST /stream/" "$(e2e_dir a)/plikd.log" && grep -q "POST /stream/" "$(e2e_dir b)/plikd.log"
assert_eq 0 $? "both instances' logs show stream uploads"

# A big stream: no body limit, no buffering anywhere.
random_file "$T/s200.bin" 200
S200_MD5="$(md5_of "$T/s200.bin")"
new_stream big.bin $((200 * 1024 * 1024))
t0=$SECONDS
s_upload "$SID" "$T/s200.bin"; pu=$!
wait_for 10 s_uploading "$SID" || fail "200 MiB stream: uploader never reached plikd"
s_download "$SID" "$T/dl-big.out"; pd=$!
wait_pid_within 90 "$pd" && wait_pid_within 90 "$pu" || fail "200 MiB stream did not end within 90 s"
assert_eq "200 200 $S200_MD5" "$(cat "$T/ul-$SID.code") $(cat "$T/dl-$SID.code") $(md5_of "$T/dl-big.out")" \
  "200 MiB stream through nginx: same bytes ($((SECONDS - t0)) s)"
rm -f "$T/dl-big.out"

# 5 s waits on either side (both at once); meanwhile a cancelled stream and a rate-limited one.
new_stream wait-up.bin 4194304; W1=$SID
new_stream wait-down.bin 4194304; W2=$SID
new_stream cancel.bin 4194304; W3=$SID
wait_t0=$(date +%s%N)
s_upload "$W1" "$T/s4.bin"; pu1=$!
s_download "$W2" "$T/dl-$W2.out"; pd2=$!
s_upload "$W3" "$T/s4.bin"; pu3=$!
wait_for 10 s_uploading "$W3" || fail "stream to cancel never waiting"
assert_eq 200 "$(http_code "$(s_url "$W3")" -X DELETE -H "X-UploadToken: ${S_TOK[$W3]}")" "DELETE /stream through nginx (routed to the waiting instance)"
wait_pid_within 10 "$pu3" || fail "cancelled uploader still blocked"
assert_ne 200 "$(cat "$T/ul-$W3.code")" "cancelled uploader ends with an error status"
# The uploader reaches plikd before its body is complete (no request buffering): a 12 MiB body
# sent at 2 MiB/s is `uploading` long before its 6 s are over.
random_file "$T/s6.bin" 12
S6_MD5="$(md5_of "$T/s6.bin")"
new_stream slow.bin $((12 * 1024 * 1024))
t0=$(date +%s%N)
s_upload "$SID" "$T/s6.bin" --limit-rate 2M; pu=$!
wait_for 10 s_uploading "$SID"
ms=$((($(date +%s%N) - t0) / 1000000))
if ((ms < 3000)); then pass "rate-limited uploader seen by plikd after $ms ms (not buffered by nginx)"; else fail "rate-limited uploader seen by plikd only after $ms ms: nginx buffers request bodies"; fi
s_download "$SID" "$T/dl-slow.out"; pd=$!
wait_pid_within 30 "$pd" && wait_pid_within 30 "$pu" || fail "rate-limited stream did not end"
assert_eq "200 200 $S6_MD5" "$(cat "$T/ul-$SID.code") $(cat "$T/dl-$SID.code") $(md5_of "$T/dl-slow.out")" "rate-limited stream: same bytes"
waited_ms=$((($(date +%s%N) - wait_t0) / 1000000))
((waited_ms >= 5000)) || sleep "$("$PY" -c "print((5000 - $waited_ms) / 1000)")"
waited_ms=$((($(date +%s%N) - wait_t0) / 1000000))
s_download "$W1" "$T/dl-$W1.out"; pd1=$!
s_upload "$W2" "$T/s4.bin"; pu2=$!
for p in $pu1 $pd1 $pu2 $pd2; do wait_pid_within 30 "$p" || fail "a waiting stream did not end"; done
assert_eq "200 200 $S4_MD5" "$(cat "$T/ul-$W1.code") $(cat "$T/dl-$W1.code") $(md5_of "$T/dl-$W1.out")" "uploader waited $waited_ms ms (>= 5 s) through nginx, then streamed"
assert_eq "200 200 $S4_MD5" "$(cat "$T/ul-$W2.code") $(cat "$T/dl-$W2.code") $(md5_of "$T/dl-$W2.out")" "downloader waited $waited_ms ms (>= 5 s) through nginx, then streamed"

# ---------------------------------------------------------------- nginx's own log
errlog="$(cat "$NGINX_DIR/logs/error.log")"
assert_not_contains "$errlog" "buffered to a temporary file" "nginx never spooled a body or a response to disk"
assert_not_contains "$errlog" "global variable" "no Lua global-variable warnings"
assert_not_contains "$errlog" "[error]" "no errors in nginx's error log"
assert_eq "" "$(find "$NGINX_DIR/tmp" -type f)" "nginx temp dirs empty"
assert_eq 0 "$(awk '$9 == 413 || $9 == 502 || $9 == 504' "$NGINX_DIR/logs/access.log" | wc -l)" "no 413/502/504 in nginx's access log"

echo "# test_nginx_lua: $((SECONDS - STARTED)) s"
e2e_finish
