#!/usr/bin/env bash
# Multi-instance deployment cost: a stream and a stored-file download measured directly against
# one plikd and through nginx with the shipped docs/deploy/nginx-lua.conf in front of two plikd
# (shared PostgreSQL + shared data directory; nginx reaches them through their Unix sockets as
# shipped, and over TCP for reference), and a stream relayed from one instance to the
# other, in the same run. Targets: nginx >= 0.7 x direct, relayed >= 0.5 x direct.
#
#   SIZE_MB=2048 bash bench/multi_instance.sh        # (default 2048; BENCH_RUNS, PLIKD as lib.sh)
#
# Needs nginx with the Lua module (nginx-extras) and PostgreSQL server binaries (postgresql-15).
SIZE_MB=${SIZE_MB:-2048}
BENCH_SIZE=$((SIZE_MB * 1024 * 1024))
source "$(dirname "$0")/lib.sh"
need curl nginx openssl python3
N=$BENCH_SIZE
ensure_data
BIN=$(find_plikd)
CONF_SRC="${NGINX_CONF_SRC:-$BENCH_ROOT/docs/deploy/nginx-lua.conf}"   # NGINX_CONF_SRC: try a variant
MI_DIR="$BENCH_TMP/multi"
rm -rf "$MI_DIR"; mkdir -p "$MI_DIR/files"
PIDS=()

# ---------------------------------------------------------------- PostgreSQL
PG_BIN=${PLIK_PG_BINDIR:-}
for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/16/bin /usr/lib/postgresql/17/bin; do
  [ -z "$PG_BIN" ] && [ -x "$d/pg_ctl" ] && PG_BIN=$d
done
[ -n "$PG_BIN" ] || { echo "MISSING: PostgreSQL server binaries (postgresql-15)" >&2; exit 3; }
AS_PG=()
PG_DIR=$(mktemp -d /tmp/plik-bench-pg.XXXXXX)
if [ "$(id -u)" = 0 ]; then AS_PG=(runuser -u postgres --); chmod 755 "$PG_DIR"; chown postgres: "$PG_DIR"; fi
PG_PORT=$(free_port)
cleanup() {
  local p
  for p in "${NGINX_PIDS[@]:-}"; do [ -n "$p" ] && { kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; }; done
  for p in "${NGINX_WORKERS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1
  rm -rf "$PG_DIR"
  [ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$MI_DIR"
}
trap cleanup EXIT
"${AS_PG[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U plik --no-sync -E UTF8 --locale=C >/dev/null || exit 4
"${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
  -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off" start >/dev/null || exit 4
"$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U plik -d postgres -c "CREATE DATABASE plik" || exit 4

# ---------------------------------------------------------------- two plikd
declare -A PORT URL
for inst in a b; do
  PORT[$inst]=$(free_port)
  mkdir -p "$MI_DIR/$inst"
  cat >"$MI_DIR/$inst/plikd.cfg" <<EOF
ListenAddress = "127.0.0.1"
ListenPort = ${PORT[$inst]}
MaxFileSizeStr = "unlimited"
StreamTimeoutStr = "5m"
LogLevel = "WARNING"
CleaningInterval = -1
UnixSocket = "$MI_DIR/$inst.sock"
NoWebInterface = true
DataBackend = "file"
[DataBackendConfig]
    Directory = "$MI_DIR/files"
[MetadataBackendConfig]
    Driver = "postgres"
    ConnectionString = "postgres://plik@127.0.0.1:$PG_PORT/plik?sslmode=disable"
EOF
  (cd "$MI_DIR/$inst" && exec "$BIN" --config "$MI_DIR/$inst/plikd.cfg" >"$MI_DIR/$inst/plikd.log" 2>&1) &
  PIDS+=($!)
  URL[$inst]="http://127.0.0.1:${PORT[$inst]}"
done
for inst in a b; do
  for _ in $(seq 1 100); do curl -fsS -o /dev/null "${URL[$inst]}/health" 2>/dev/null && break; sleep 0.1; done
  curl -fsS -o /dev/null "${URL[$inst]}/health" || { echo "plikd $inst did not start" >&2; cat "$MI_DIR/$inst/plikd.log" >&2; exit 4; }
done

# ---------------------------------------------------------------- nginx (the shipped config)
# nginx_start NAME SERVER_CONF : a private nginx on a free loopback port with SERVER_CONF in
# http{}; sets NGINX_URL. Its master and workers are stopped by cleanup().
NGINX_PIDS=(); NGINX_WORKERS=()
nginx_start() {
  local name=$1 dir="$MI_DIR/nginx-$1" port pid
  port=$(free_port)
  mkdir -p "$dir/tmp"
  sed -e "s/^\([[:space:]]*\)listen 80;/\1listen 127.0.0.1:$port;/" "$2" >"$dir/plik.conf"
  cat >"$dir/nginx.conf" <<EOF
load_module /usr/lib/nginx/modules/ndk_http_module.so;
load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;
daemon off;
worker_processes ${NGINX_WORKERS_N:-auto};
pid $dir/nginx.pid;
error_log $dir/error.log warn;
$( [ "$(id -u)" -eq 0 ] && echo "user root;" )
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    include $dir/plik.conf;
}
EOF
  nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" >"$dir/stdout.log" 2>&1 &
  pid=$!
  NGINX_PIDS+=("$pid")
  NGINX_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do curl -s -o /dev/null "$NGINX_URL/health" 2>/dev/null && break; sleep 0.1; done
  curl -fsS -o /dev/null "$NGINX_URL/health" || { echo "nginx ($name) did not start" >&2; cat "$dir/error.log" >&2; exit 4; }
  NGINX_WORKERS+=($(pgrep -P "$pid"))
}
# The shipped file as is but for the instances' addresses: their Unix sockets ...
sed -e "s|unix:/run/plik-1/plikd\.sock;|unix:$MI_DIR/a.sock;|" -e "s|unix:/run/plik-2/plikd\.sock;|unix:$MI_DIR/b.sock;|" \
  -e "s/127\.0\.0\.1:8080;/127.0.0.1:${PORT[a]};/" -e "s/127\.0\.0\.1:8081;/127.0.0.1:${PORT[b]};/" \
  "$CONF_SRC" >"$MI_DIR/shipped.conf"
nginx_start shipped "$MI_DIR/shipped.conf"
NG=$NGINX_URL
# ... and, for reference, the same file with the instances' TCP ports instead (the only way to
# reach instances on other hosts).
sed -e "s|unix:$MI_DIR/a\.sock;|127.0.0.1:${PORT[a]};|" -e "s|unix:$MI_DIR/b\.sock;|127.0.0.1:${PORT[b]};|" \
  "$MI_DIR/shipped.conf" >"$MI_DIR/tcp.conf"
nginx_start tcp "$MI_DIR/tcp.conf"
NGT=$NGINX_URL

# ---------------------------------------------------------------- measurements
# stream_mbs UP_BASE DOWN_BASE : creates a stream upload on UP_BASE, downloader on DOWN_BASE
# (started first), uploader on UP_BASE; prints the body throughput in MB/s (downloader's first
# byte to last: the rendezvous wait is not throughput) and, after it, the whole-transfer MB/s
# from the downloader's start (rendezvous included; a downloader that waits on another
# instance notices its uploader by polling the database, 100 ms doubling up to 1 s).
stream_mbs() {
  local up=$1 down=$2 id tok fid t0 t1 code got ttfb total dl
  read -r id tok fid < <(create_upload "$up" true x "$N")
  t0=$(now_ns)
  curl -sS -o /dev/null -w '%{http_code} %{size_download} %{time_starttransfer} %{time_total}\n' "$down/stream/$id/$fid/x" >"$MI_DIR/dl.out" &
  dl=$!
  sleep 0.05
  curl -sS -o "$MI_DIR/ul.out" -H "X-UploadToken: $tok" -F "file=@$BENCH_DATA;filename=x" "$up/stream/$id/$fid/x"
  wait $dl
  t1=$(now_ns)
  read -r code got ttfb total <"$MI_DIR/dl.out"
  [ "$code" = 200 ] && [ "$got" = "$N" ] || echo "  WARNING: stream download $code, $got bytes: $(head -c 200 "$MI_DIR/ul.out")" >&2
  awk -v n="$N" -v a="$ttfb" -v b="$total" -v d=$((t1 - t0)) \
    'BEGIN{printf "%.1f %.1f", n / (b - a) / 1e6, n / (d / 1e9) / 1e6}'
}
download_mbs() { # url
  local out; out=$(curl -sS -o /dev/null -w '%{http_code} %{size_download} %{time_total}' "$1")
  set -- $out
  [ "$1" = 200 ] && [ "$2" = "$N" ] || echo "  WARNING: download status $1, $2 bytes" >&2
  awk -v n="$2" -v t="$3" 'BEGIN{printf "%.1f", n / t / 1e6}'
}

echo "== multi-instance: direct plikd vs nginx (deploy/nginx-lua.conf: Unix sockets; info: the same over TCP) + 2 plikd ($N bytes, $BENCH_RUNS runs)"
read -r sid sfid < <(upload_stored "${URL[a]}" "$BENCH_DATA" big.bin)
[ -n "${sfid:-}" ] || { echo "upload failed" >&2; exit 5; }
curl -s -o /dev/null "${URL[a]}/file/$sid/$sfid/big.bin"   # warm the page cache
sd=(); sn=(); dd=(); dn=(); sr=(); wd=(); wn=(); wr=(); st=(); dt=()
for r in $(seq 1 "$BENCH_RUNS"); do
  read -r a aw < <(stream_mbs "${URL[a]}" "${URL[a]}"); read -r b bw < <(stream_mbs "$NG" "$NG")
  c=$(download_mbs "${URL[a]}/file/$sid/$sfid/big.bin"); d=$(download_mbs "$NG/file/$sid/$sfid/big.bin")
  # Through a relaying instance: uploader on a, downloader on b; b relays from a
  # (files.instance, docs/deploy.md "Streams through any instance").
  read -r e ew < <(stream_mbs "${URL[a]}" "${URL[b]}")
  read -r f _ < <(stream_mbs "$NGT" "$NGT"); g=$(download_mbs "$NGT/file/$sid/$sfid/big.bin")
  echo "  run $r: stream direct $a, via nginx $b (TCP upstreams $f), relayed a->b $e (whole transfer incl. rendezvous: $aw, $bw, $ew); download direct $c, via nginx $d (TCP upstreams $g) MB/s"
  sd+=("$a"); sn+=("$b"); dd+=("$c"); dn+=("$d"); sr+=("$e"); wd+=("$aw"); wn+=("$bw"); wr+=("$ew"); st+=("$f"); dt+=("$g")
done

s1=$(median "${sd[@]}"); s2=$(median "${sn[@]}"); d1=$(median "${dd[@]}"); d2=$(median "${dn[@]}")
s3=$(median "${sr[@]}")
report_line "info: whole transfer incl. rendezvous, direct / nginx / relayed" "$(median "${wd[@]}") / $(median "${wn[@]}") / $(median "${wr[@]}")" "MB/s"
rs=$(ratio "$s2" "$s1"); rd=$(ratio "$d2" "$d1"); rr=$(ratio "$s3" "$s1")
echo "-- medians"
report_line "stream, direct to one plikd" "$s1" "MB/s"
report_line "stream, through nginx (both sides)" "$s2" "MB/s"
report_line "stream ratio nginx/direct (target >= 0.7)" "$rs" "$(verdict "$rs" '>=' 0.7)"
report_line "stream, relayed by another instance (a->b)" "$s3" "MB/s"
report_line "stream ratio relayed/direct (target >= 0.5)" "$rr" "$(verdict "$rr" '>=' 0.5)"
report_line "stored download, direct" "$d1" "MB/s"
report_line "stored download, through nginx" "$d2" "MB/s"
report_line "download ratio nginx/direct (target >= 0.7)" "$rd" "$(verdict "$rd" '>=' 0.7)"
st1=$(median "${st[@]}"); dt1=$(median "${dt[@]}")
report_line "info: stream via nginx, TCP upstreams (ratio)" "$st1 ($(ratio "$st1" "$s1"))" "MB/s"
report_line "info: download via nginx, TCP upstreams (ratio)" "$dt1 ($(ratio "$dt1" "$d1"))" "MB/s"
for f in "$MI_DIR"/nginx-*/error.log; do
  if grep -q "buffered to a temporary file" "$f"; then
    echo "  WARNING: nginx spooled to disk: $(grep -c 'buffered to a temporary file' "$f") times ($f)" >&2
  fi
done
echo "RESULT multi_instance stream_direct=$s1 stream_nginx=$s2 stream_ratio=$rs stream_relayed=$s3 relay_ratio=$rr download_direct=$d1 download_nginx=$d2 download_ratio=$rd stream_nginx_tcp=$st1 download_nginx_tcp=$dt1"
