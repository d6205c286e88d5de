#!/usr/bin/env bash
# Download of a stored 2 GiB file: curl -o /dev/null from plikd vs from a private nginx
# (sendfile on) serving the very same bytes. Target: ratio >= 0.9.
source "$(dirname "$0")/lib.sh"
need curl nginx openssl python3
ensure_data
N=$BENCH_SIZE
trap 'stop_plikd; stop_nginx' EXIT

echo "== stored-file download: plikd vs nginx ($N bytes, $BENCH_RUNS runs)"
start_plikd download
read -r id fid < <(upload_stored "$PLIKD_URL" "$BENCH_DATA" big.bin)
[ -n "${fid:-}" ] || { echo "upload failed" >&2; exit 5; }
mkdir -p "$BENCH_TMP/www"
ln -f "$BENCH_DATA" "$BENCH_TMP/www/big.bin" 2>/dev/null || cp "$BENCH_DATA" "$BENCH_TMP/www/big.bin"
start_nginx download "$BENCH_TMP/www"
# Warm both (page cache, first-request costs).
curl -s -o /dev/null "$PLIKD_URL/file/$id/$fid/big.bin"; curl -s -o /dev/null "$NGINX_URL/big.bin"

speed() { # url -> MB/s (and checks the size)
  local out; out=$(curl -sS -o /dev/null -w '%{http_code} %{size_download} %{time_total}' "$1")
  set -- $out
  [ "$1" = 200 ] && [ "$2" = "$N" ] || echo "  WARNING: status $1, $2 bytes" >&2
  awk -v n="$2" -v t="$3" 'BEGIN{printf "%.1f", n / t / 1e6}'
}
ours=(); refs=()
for r in $(seq 1 "$BENCH_RUNS"); do
  o=$(speed "$PLIKD_URL/file/$id/$fid/big.bin"); f=$(speed "$NGINX_URL/big.bin")
  echo "  run $r: plikd $o MB/s, nginx $f MB/s"
  ours+=("$o"); refs+=("$f")
done
o=$(median "${ours[@]}"); f=$(median "${refs[@]}"); rt=$(ratio "$o" "$f")
echo "-- medians"
report_line "plikd GET /file (stored)" "$o" "MB/s"
report_line "nginx sendfile" "$f" "MB/s"
report_line "ratio (target >= 0.9)" "$rt" "$(verdict "$rt" '>=' 0.9)"
echo "RESULT download ours=$o ref=$f ratio=$rt"
