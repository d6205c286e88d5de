#!/usr/bin/env bash
# Upload of 2 GiB with the `plik` client vs `curl -F` to the same plikd in the same run
# (stored file, plik's own POST /upload + POST /file/... sequence vs curl's single-part POST).
# Targets: plik throughput >= 0.95 x curl's, plik client peak RSS < 16 MB.
# Knobs from lib.sh (BENCH_SIZE, BENCH_RUNS, BENCH_TMP, PLIKD) plus PLIK (client binary,
# default: next to plikd).
source "$(dirname "$0")/lib.sh"
need curl openssl python3
ensure_data
N=$BENCH_SIZE
PLIK=${PLIK:-$(dirname "$(find_plikd)")/plik}
[ -x "$PLIK" ] || { echo "plik client not found at $PLIK (set PLIK=...)" >&2; exit 2; }
trap 'stop_plikd' EXIT

echo "== upload of $N bytes: plik client vs curl -F ($BENCH_RUNS runs, alternating)"
start_plikd cli
export HOME="$BENCH_TMP/cli-home"; mkdir -p "$HOME"   # no ~/.plikrc
ours=(); refs=(); rsss=()
for r in $(seq 1 "$BENCH_RUNS"); do
  # curl -F on a pre-declared file (what curl users do), timed end to end.
  read -r id tok fid < <(create_upload "$PLIKD_URL" false big.bin "$N")
  out=$(curl -sS -o "$BENCH_TMP/up.out" -w '%{http_code} %{time_total}' \
    -H "X-UploadToken: $tok" -F "file=@$BENCH_DATA;filename=big.bin" "$PLIKD_URL/file/$id/$fid/big.bin")
  set -- $out
  [ "$1" = 200 ] || echo "  WARNING: curl upload status $1: $(head -c 300 "$BENCH_TMP/up.out")" >&2
  c=$(awk -v n="$N" -v t="$2" 'BEGIN{printf "%.1f", n / t / 1e6}')
  curl -s -o /dev/null -X DELETE -H "X-UploadToken: $tok" "$PLIKD_URL/upload/$id"

  # plik: whole command (create + upload), peak RSS from /usr/bin/time -v.
  t0=$(now_ns)
  /usr/bin/time -v -o "$BENCH_TMP/plik.time" "$PLIK" --server "$PLIKD_URL" --json "$BENCH_DATA" >"$BENCH_TMP/plik.json" 2>"$BENCH_TMP/plik.err"
  rc=$?
  t1=$(now_ns)
  [ "$rc" = 0 ] || echo "  WARNING: plik exit $rc: $(head -c 300 "$BENCH_TMP/plik.err")" >&2
  p=$(awk -v n="$N" -v dt=$((t1 - t0)) 'BEGIN{printf "%.1f", n / (dt / 1e9) / 1e6}')
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$BENCH_TMP/plik.time")
  pid_up=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["id"], d["uploadToken"])' "$BENCH_TMP/plik.json" 2>/dev/null)
  set -- $pid_up
  [ $# = 2 ] && curl -s -o /dev/null -X DELETE -H "X-UploadToken: $2" "$PLIKD_URL/upload/$1"
  echo "  run $r: plik $p MB/s (peak RSS $((rss / 1024)) MB), curl -F $c MB/s"
  ours+=("$p"); refs+=("$c"); rsss+=("$rss")
done
p=$(median "${ours[@]}"); c=$(median "${refs[@]}"); h=$(median "${rsss[@]}")
rt=$(ratio "$p" "$c"); hm=$(awk -v k="$h" 'BEGIN{printf "%.1f", k/1024}')
echo "-- medians"
report_line "plik client upload" "$p" "MB/s"
report_line "curl -F upload" "$c" "MB/s"
report_line "ratio (target >= 0.95)" "$rt" "$(verdict "$rt" '>=' 0.95)"
report_line "plik client peak RSS (target < 16)" "$hm" "MB  $(verdict "$hm" '<' 16)"
echo "RESULT cli_upload plik=$p curl=$c ratio=$rt plik_peak_rss_mb=$hm"
