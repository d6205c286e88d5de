# Shared helpers for the bench/*.sh scripts (sourced, not executed).
# Benchmarks only: nothing here passes or fails on timing; it prints figures and ratios.
#
# Environment knobs:
#   PLIKD        path of the plikd binary     (default: build-bench/src/cmd/plikd/plikd or found under build-bench)
#   BENCH_TMP    scratch dir for data + state (default: /dev/shm if it has room, else /tmp)
#   BENCH_SIZE   bytes of the big random file (default: 2 GiB)
#   BENCH_RUNS   repetitions per measurement  (default: 3; the median is reported)
#   BENCH_KEEP=1 keep each plikd's state dir (config, db, log, stored files) after the run;
#                the random data file in BENCH_TMP is always kept for reuse (delete it yourself)

set -u
BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_SIZE=${BENCH_SIZE:-$((2 * 1024 * 1024 * 1024))}
BENCH_RUNS=${BENCH_RUNS:-3}

if [ -z "${BENCH_TMP:-}" ]; then
  shm_free=$(df -B1 --output=avail /dev/shm 2>/dev/null | tail -1 || echo 0)
  # Room for the data file, a stored copy and slack.
  if [ "${shm_free:-0}" -gt $((BENCH_SIZE * 3 + 1024 * 1024 * 1024)) ]; then
    BENCH_TMP=/dev/shm/plik-bench
  else
    BENCH_TMP=/tmp/plik-bench
  fi
fi
mkdir -p "$BENCH_TMP"
BENCH_DATA="$BENCH_TMP/random-$BENCH_SIZE.bin"

find_plikd() {
  if [ -n "${PLIKD:-}" ]; then echo "$PLIKD"; return; fi
  local c
  for c in "$BENCH_ROOT/build-bench/plikd" "$BENCH_ROOT/build-bench/src/cmd/plikd/plikd"; do
    [ -x "$c" ] && { echo "$c"; return; }
  done
  c=$(find "$BENCH_ROOT/build-bench" -type f -name plikd -perm -u+x 2>/dev/null | head -1)
  [ -n "$c" ] && { echo "$c"; return; }
  echo "plikd binary not found: build it with" >&2
  echo "  cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release && ninja -C build-bench -j2 plikd" >&2
  echo "or set PLIKD=/path/to/plikd" >&2
  exit 2
}

need() {
  local missing=()
  for t in "$@"; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "MISSING TOOLS: ${missing[*]} -- install them (scripts/setup.sh installs all of them) and rerun." >&2
    exit 3
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Generate the random data file once (reused by every script and every run).
ensure_data() {
  local want=${1:-$BENCH_SIZE} f=${2:-$BENCH_DATA}
  if [ ! -f "$f" ] || [ "$(stat -c %s "$f")" -ne "$want" ]; then
    echo "# generating $want bytes of random data in $f" >&2
    openssl enc -aes-128-ctr -nosalt -pass pass:plikbench -in /dev/zero 2>/dev/null | head -c "$want" >"$f.tmp"
    mv "$f.tmp" "$f"
  fi
}

# start_plikd NAME [extra cfg lines...] -> sets PLIKD_PID, PLIKD_PORT, PLIKD_DIR, PLIKD_URL
start_plikd() {
  local name=$1; shift
  local bin; bin=$(find_plikd)
  PLIKD_DIR="$BENCH_TMP/plikd-$name"
  rm -rf "$PLIKD_DIR"; mkdir -p "$PLIKD_DIR/files"
  PLIKD_PORT=$(free_port)
  {
    echo 'ListenAddress = "127.0.0.1"'
    echo "ListenPort = $PLIKD_PORT"
    echo 'MaxFileSizeStr = "unlimited"'
    echo 'StreamTimeoutStr = "10m"'
    echo 'LogLevel = "WARNING"'
    echo 'CleaningInterval = -1'
    for l in "$@"; do echo "$l"; done
    echo 'DataBackend = "file"'
    echo '[DataBackendConfig]'
    echo "    Directory = \"$PLIKD_DIR/files\""
    echo '[MetadataBackendConfig]'
    echo '    Driver = "sqlite3"'
    echo "    ConnectionString = \"$PLIKD_DIR/plik.db\""
  } >"$PLIKD_DIR/plikd.cfg"
  (cd "$PLIKD_DIR" && exec "$bin" >"$PLIKD_DIR/plikd.log" 2>&1) &
  PLIKD_PID=$!
  PLIKD_URL="http://127.0.0.1:$PLIKD_PORT"
  local i
  for i in $(seq 1 100); do
    curl -fsS -o /dev/null "$PLIKD_URL/config" 2>/dev/null && return 0
    kill -0 "$PLIKD_PID" 2>/dev/null || { echo "plikd exited at startup:" >&2; cat "$PLIKD_DIR/plikd.log" >&2; exit 4; }
    sleep 0.1
  done
  echo "plikd did not answer on $PLIKD_URL" >&2; cat "$PLIKD_DIR/plikd.log" >&2; exit 4
}

stop_plikd() {
  if [ -n "${PLIKD_PID:-}" ] && kill -0 "$PLIKD_PID" 2>/dev/null; then
    kill "$PLIKD_PID" 2>/dev/null
    local i
    for i in $(seq 1 50); do kill -0 "$PLIKD_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$PLIKD_PID" 2>/dev/null; then
      echo "# WARNING: plikd $PLIKD_PID still alive 5 s after SIGTERM; sending SIGKILL" >&2
      kill -9 "$PLIKD_PID" 2>/dev/null
    fi
    wait "$PLIKD_PID" 2>/dev/null
  fi
  PLIKD_PID=
  # Stored uploads can be GBs in tmpfs: drop the server state unless BENCH_KEEP=1.
  [ "${BENCH_KEEP:-0}" = 1 ] || [ -z "${PLIKD_DIR:-}" ] || rm -rf "$PLIKD_DIR"
}

# CPU ticks (utime+stime) of a pid.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
clk_tck() { getconf CLK_TCK; }
vm_hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
vm_rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# Reset VmHWM to the current RSS (Linux >= 4.0) so each run's peak is its own.
reset_hwm() { echo 5 >"/proc/$1/clear_refs" 2>/dev/null || true; }

now_ns() { date +%s%N; }

# median of numbers given as args
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.6g\n", (a[NR/2]+a[NR/2+1])/2}'; }
# a / b with 3 decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "nan"; else printf "%.3f\n", a / b }'; }
# verdict VALUE OP TARGET  (OP is >= or < or <=)
verdict() {
  awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
    ok = (op == ">=") ? (v >= t) : (op == "<=") ? (v <= t) : (v < t);
    print ok ? "meets target" : "MISSES target" }'
}

# create_upload URL STREAM(true|false) NAME SIZE -> prints "id token fileid"
create_upload() {
  local url=$1 stream=$2 name=$3 size=$4
  curl -fsS -X POST -H 'Content-Type: application/json' \
    -d "{\"files\":[{\"fileName\":\"$name\",\"fileSize\":$size,\"reference\":\"0\"}],\"stream\":$stream}" \
    "$url/upload" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); f=d["files"]; f=f[0] if isinstance(f,list) else list(f.values())[0]; print(d["id"], d["uploadToken"], f["id"])'
}

report_line() { # label value unit
  printf '  %-44s %12s %s\n' "$1" "$2" "${3:-}"
}

# start_nginx NAME ROOTDIR -> sets NGINX_PID, NGINX_PORT, NGINX_URL (private nginx, sendfile on)
start_nginx() {
  local name=$1 root=$2
  NGINX_DIR="$BENCH_TMP/nginx-$name"
  rm -rf "$NGINX_DIR"; mkdir -p "$NGINX_DIR/tmp"
  NGINX_PORT=$(free_port)
  cat >"$NGINX_DIR/nginx.conf" <<NGX
daemon off;
worker_processes ${NGINX_WORKERS:-auto};
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log warn;
$( [ "$(id -u)" -eq 0 ] && echo "user root;" )
events { worker_connections 16384; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path $NGINX_DIR/tmp/body;
  proxy_temp_path $NGINX_DIR/tmp/proxy;
  fastcgi_temp_path $NGINX_DIR/tmp/fastcgi;
  uwsgi_temp_path $NGINX_DIR/tmp/uwsgi;
  scgi_temp_path $NGINX_DIR/tmp/scgi;
  types { application/octet-stream bin; }
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $root;
  }
}
NGX
  nginx -c "$NGINX_DIR/nginx.conf" -p "$NGINX_DIR" >"$NGINX_DIR/stdout.log" 2>&1 &
  NGINX_PID=$!
  NGINX_URL="http://127.0.0.1:$NGINX_PORT"
  local i
  for i in $(seq 1 50); do
    curl -s -o /dev/null "$NGINX_URL/" 2>/dev/null && return 0
    kill -0 "$NGINX_PID" 2>/dev/null || { echo "nginx exited:" >&2; cat "$NGINX_DIR/error.log" "$NGINX_DIR/stdout.log" >&2; exit 4; }
    sleep 0.1
  done
  echo "nginx did not answer" >&2; exit 4
}
stop_nginx() {
  if [ -n "${NGINX_PID:-}" ]; then kill -QUIT "$NGINX_PID" 2>/dev/null; wait "$NGINX_PID" 2>/dev/null; fi
  NGINX_PID=
}

# upload_stored URL FILE NAME -> uploads FILE (non-stream) and prints "id fileid"
upload_stored() {
  local url=$1 f=$2 name=$3 id tok fid
  read -r id tok fid < <(create_upload "$url" false "$name" "$(stat -c %s "$f")")
  curl -fsS -o /dev/null -H "X-UploadToken: $tok" -F "file=@$f;filename=$name" "$url/file/$id/$fid/$name" || return 1
  echo "$id $fid"
}
