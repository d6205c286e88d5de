#!/usr/bin/env bash
# Slow clients (issue, config key ReadTimeout): with ReadTimeout = 2, a client trickling its
# request head, a silent client in the middle of a body and an idle connection are cut, while
# normal requests are served meanwhile and legitimately slow transfers (bytes keep flowing, or
# a stream waiting for its peer) are not cut.
source "$(dirname "$0")/lib.sh" "$@"

T="$E2E_TMP"
e2e_start srv 'ReadTimeout = 2
StreamTimeoutStr = "0"'
U="$(e2e_url srv)"
PORT="${E2E_PORT[srv]}"

# slow.py MODE PORT : one slow client; prints "<seconds until the server cut us> <first bytes>".
cat >"$T/slow.py" <<'EOF'
import socket, sys, time
mode, port = sys.argv[1], int(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(0.05)
t0 = time.time()
got = b""
def closed():
    global got
    try:
        d = s.recv(4096)
    except socket.timeout:
        return False
    except OSError:
        return True
    if not d:
        return True
    got += d
    return False
if mode == "head":      # slowloris: a request head trickled one byte every 0.3 s
    payload = b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"X-a: b\r\n" * 200
    for b in payload:
        try:
            s.send(bytes([b]))
        except OSError:
            break
        if closed():
            break
        time.sleep(0.3)
        if time.time() - t0 > 15:
            break
elif mode == "body":    # a complete head, 10 bytes of a 1000-byte body, then silence
    s.sendall(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + b"{" * 10)
    while not closed() and time.time() - t0 < 15:
        pass
elif mode == "upload":  # a quick upload whose multipart body stops in the middle of the file
    part = (b"--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n"
            + b"a" * 100)
    s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=XYZ\r\n"
              b"Content-Length: 100000\r\n\r\n" + part)
    while not closed() and time.time() - t0 < 15:
        pass
elif mode == "idle":    # connects and says nothing
    while not closed() and time.time() - t0 < 15:
        pass
elif mode == "keepalive":  # one request, then an idle keep-alive connection
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    while not closed() and time.time() - t0 < 15:
        pass
print("%.1f %s" % (time.time() - t0, got[:40].decode("latin1").split("\r\n")[0] or "-"))
EOF
slow() { "$PY" "$T/slow.py" "$1" "$PORT"; }
# in_range VALUE LOW HIGH
in_range() { "$PY" -c "import sys; v=float(sys.argv[1]); sys.exit(0 if float(sys.argv[2]) <= v <= float(sys.argv[3]) else 1)" "$@"; }

out="$(slow head)"
secs="${out%% *}"
assert_true "slowloris head (1 byte / 0.3 s) cut after ${secs}s (ReadTimeout 2)" in_range "$secs" 1.5 4.5
out="$(slow body)"
secs="${out%% *}"
assert_true "silent body cut after ${secs}s" in_range "$secs" 1.5 4.5
if [[ "$out" =~ HTTP/1.1\ 40[08] ]]; then pass "silent body answered with an error ($out)"; else fail "silent body: $out"; fi
out="$(slow upload)"
secs="${out%% *}"
assert_true "silent file upload body cut after ${secs}s" in_range "$secs" 1.5 4.5
assert_contains "$out" "HTTP/1.1 408" "silent file upload answered 408 ($out)"
assert_eq "" "$(part_files "$(e2e_dir srv)/files")" "no partial file left by the cut upload"
assert_eq "" "$(e2e_cli srv file list | grep -v ' missing ')" "the cut upload's file is back to missing"
out="$(slow idle)"
secs="${out%% *}"
assert_true "idle connection closed after ${secs}s" in_range "$secs" 1.5 6.5
out="$(slow keepalive)"
secs="${out%% *}"
assert_contains "$out" "HTTP/1.1 200" "keep-alive request answered"
assert_true "idle keep-alive connection closed after ${secs}s" in_range "$secs" 1.5 6.5

# The same with bash's /dev/tcp: the server closes the connection, reading gives EOF.
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ' >&3
t0=$SECONDS
cut=0
for ((i = 0; i < 20; i++)); do
  sleep 0.5
  printf 'a' >&3 2>/dev/null || { cut=1; break; }
  if read -r -t 0.01 -u 3 line; then :; elif (($? <= 128)); then cut=1; break; fi
done
exec 3<&- 3>&- 2>/dev/null
if ((cut == 1)); then pass "bash /dev/tcp slow client cut after $((SECONDS - t0))s"; else fail "bash /dev/tcp slow client never cut"; fi

# ---------------------------------------------------------------- under attack
pids=()
for ((i = 0; i < 60; i++)); do
  "$PY" "$T/slow.py" head "$PORT" >"$T/attack.$i" &
  pids+=($!)
  e2e_track "$!"
done
sleep 0.5
t_ms="$(curl -s -o /dev/null -w '%{time_total}' "$U/health")"
assert_true "/health served during a 60-connection slowloris (${t_ms}s)" in_range "$t_ms" 0 1
printf 'during the attack\n' >"$T/during.txt"
url="$(curl -s -m 5 -F "file=@$T/during.txt" "$U/")"
assert_eq "during the attack" "$(curl -s -m 5 "$url")" "upload + download during the attack"
for p in "${pids[@]}"; do wait "$p"; done
maxcut="$(cat "$T"/attack.* | cut -d' ' -f1 | sort -n | tail -n 1)"
assert_true "all 60 slowloris connections cut (slowest after ${maxcut}s)" in_range "$maxcut" 1.5 5

# ---------------------------------------------------------------- legit slow transfers survive
random_file "$T/1m.bin" 1
up="$(create_upload srv '{"files":[{"fileName":"1m.bin","reference":"0"}]}')"
UID1="$(json_get "d['id']" <<<"$up")"
TOK="$(json_get "d['uploadToken']" <<<"$up")"
FID="$(json_get "d['files'][0]['id']" <<<"$up")"
resp="$(curl -s --limit-rate 200K -H "X-UploadToken: $TOK" -F "file=@$T/1m.bin" "$U/file/$UID1/$FID/1m.bin")"
assert_eq uploaded "$(json_get "d['status']" <<<"$resp")" "slow but steady upload (~5 s at 200 kB/s) is not cut"
random_file "$T/20m.bin" 20
url="$(curl -s -F "file=@$T/20m.bin" "$U/")"
curl -s --limit-rate 300K --max-time 5 -o "$T/slowdl.out" "$url"
rc=$?
assert_eq 28 "$rc" "slow but steady download (300 kB/s) is not cut by the server during 5 s (curl exit $rc)"

# A stream uploader waiting longer than ReadTimeout for its downloader is not cut.
up="$(create_upload srv '{"stream":true,"files":[{"fileName":"s.bin","reference":"0"}]}')"
SU="$(json_get "d['id']" <<<"$up")"
SK="$(json_get "d['uploadToken']" <<<"$up")"
SF="$(json_get "d['files'][0]['id']" <<<"$up")"
curl -s -o "$T/s.resp" -H "X-UploadToken: $SK" -F "file=@$T/1m.bin;filename=s.bin" "$U/stream/$SU/$SF/s.bin" &
spid=$!
e2e_track "$spid"
sleep 4
assert_true "stream uploader still waiting after 2 x ReadTimeout" kill -0 "$spid"
curl -s -o "$T/s.out" "$U/stream/$SU/$SF/s.bin"
wait "$spid"
assert_eq "$(md5_of "$T/1m.bin")" "$(md5_of "$T/s.out")" "stream completes after a long wait"

assert_true "server alive" e2e_alive srv
e2e_stop srv
assert_eq 0 "$E2E_RC" "SIGTERM exit 0"
e2e_finish
