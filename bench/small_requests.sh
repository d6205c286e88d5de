#!/usr/bin/env bash
# Small requests: wrk -t2 -c64 -d10s on plikd GET /config and GET of a stored 4 KiB file,
# vs nginx serving a 4 KiB static file. Targets: /config >= 0.7 x nginx, 4 KiB file >= 0.4 x nginx.
source "$(dirname "$0")/lib.sh"
need wrk curl nginx python3 openssl
DUR=${BENCH_WRK_DURATION:-10s}
trap 'stop_plikd; stop_nginx' EXIT
small="$BENCH_TMP/small-4k.bin"
ensure_data 4096 "$small"

echo "== small requests: wrk -t2 -c64 -d$DUR ($BENCH_RUNS runs)"
start_plikd small
read -r id fid < <(upload_stored "$PLIKD_URL" "$small" small.bin)
[ -n "${fid:-}" ] || { echo "upload failed" >&2; exit 5; }
mkdir -p "$BENCH_TMP/www-small"; cp "$small" "$BENCH_TMP/www-small/small.bin"
start_nginx small "$BENCH_TMP/www-small"

rps() { # url -> requests/s ; warns on non-2xx or socket errors
  local out; out=$(wrk -t2 -c64 -d"$DUR" "$1" 2>&1)
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    echo "  WARNING $1: $(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr '\n' ' ')" >&2
  fi
  awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}
cfg=(); fil=(); ngx=()
for r in $(seq 1 "$BENCH_RUNS"); do
  a=$(rps "$PLIKD_URL/config"); b=$(rps "$PLIKD_URL/file/$id/$fid/small.bin"); c=$(rps "$NGINX_URL/small.bin")
  echo "  run $r: plikd /config $a req/s, plikd 4 KiB file $b req/s, nginx 4 KiB $c req/s"
  cfg+=("$a"); fil+=("$b"); ngx+=("$c")
done
a=$(median "${cfg[@]}"); b=$(median "${fil[@]}"); c=$(median "${ngx[@]}")
ra=$(ratio "$a" "$c"); rb=$(ratio "$b" "$c")
echo "-- medians"
report_line "plikd GET /config" "$a" "req/s"
report_line "plikd GET 4 KiB stored file" "$b" "req/s"
report_line "nginx GET 4 KiB static file" "$c" "req/s"
report_line "/config ratio (target >= 0.7)" "$ra" "$(verdict "$ra" '>=' 0.7)"
report_line "4 KiB file ratio (target >= 0.4)" "$rb" "$(verdict "$rb" '>=' 0.4)"
echo "RESULT small config=$a file4k=$b nginx=$c ratio_config=$ra ratio_file=$rb"
