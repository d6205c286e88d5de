#!/usr/bin/env bash
# Upload of 2 GiB via curl -F to plikd (stored file, md5 computed server-side as Plik does)
# vs single-core MD5 throughput from `openssl speed -evp md5 -bytes 262144 -seconds 3`.
# Targets: ratio >= 0.8, plikd peak RSS during the upload < 64 MB.
# Also prints a plain disk-write reference (dd of the same bytes into the same filesystem).
source "$(dirname "$0")/lib.sh"
need curl openssl python3
ensure_data
N=$BENCH_SIZE
trap 'stop_plikd' EXIT

md5_mbs() {
  openssl speed -evp md5 -bytes 262144 -seconds 3 2>/dev/null |
    awk '/^md5/ {v=$NF; sub(/k$/, "", v); printf "%.1f", v * 1000 / 1e6}'
}

echo "== upload (stored, multipart): plikd vs openssl md5 speed ($N bytes, $BENCH_RUNS runs)"
start_plikd upload
ours=(); refs=(); rsss=(); dds=(); cpus=()
for r in $(seq 1 "$BENCH_RUNS"); do
  read -r id tok fid < <(create_upload "$PLIKD_URL" false big.bin "$N")
  reset_hwm "$PLIKD_PID"
  c0=$(cpu_ticks "$PLIKD_PID")
  out=$(curl -sS -o "$BENCH_TMP/up.out" -w '%{http_code} %{size_upload} %{time_total}' \
    -H "X-UploadToken: $tok" -F "file=@$BENCH_DATA;filename=big.bin" "$PLIKD_URL/file/$id/$fid/big.bin")
  hwm=$(vm_hwm_kb "$PLIKD_PID")
  c1=$(cpu_ticks "$PLIKD_PID")
  cpu=$(awk -v t=$((c1 - c0)) -v k="$(clk_tck)" -v n="$N" 'BEGIN{printf "%.3f", t / k / (n / 1e9)}')
  set -- $out
  [ "$1" = 200 ] || echo "  WARNING: upload status $1: $(head -c 300 "$BENCH_TMP/up.out")" >&2
  o=$(awk -v n="$N" -v t="$3" 'BEGIN{printf "%.1f", n / t / 1e6}')
  f=$(md5_mbs)
  # disk-write reference on the filesystem holding plikd's data directory
  t0=$(now_ns); dd if="$BENCH_DATA" of="$PLIKD_DIR/dd.bin" bs=1M conv=fsync status=none; t1=$(now_ns)
  rm -f "$PLIKD_DIR/dd.bin"
  d=$(awk -v n="$N" -v dt=$((t1 - t0)) 'BEGIN{printf "%.1f", n / (dt / 1e9) / 1e6}')
  # delete the stored upload so the data dir does not fill up
  curl -s -o /dev/null -X DELETE -H "X-UploadToken: $tok" "$PLIKD_URL/upload/$id"
  echo "  run $r: plikd $o MB/s (VmHWM $((hwm / 1024)) MB, cpu $cpu s/GB), openssl md5 $f MB/s, dd write $d MB/s"
  ours+=("$o"); refs+=("$f"); rsss+=("$hwm"); dds+=("$d"); cpus+=("$cpu")
done
o=$(median "${ours[@]}"); f=$(median "${refs[@]}"); h=$(median "${rsss[@]}"); d=$(median "${dds[@]}")
rt=$(ratio "$o" "$f"); hm=$(awk -v k="$h" 'BEGIN{printf "%.1f", k/1024}'); rd=$(ratio "$o" "$d")
echo "-- medians"
report_line "plikd upload (curl -F)" "$o" "MB/s"
report_line "openssl speed md5 (1 core, 256 KiB)" "$f" "MB/s"
report_line "ratio (target >= 0.8)" "$rt" "$(verdict "$rt" '>=' 0.8)"
report_line "plikd peak RSS (target < 64)" "$hm" "MB  $(verdict "$hm" '<' 64)"
report_line "plikd CPU per GB (info)" "$(median "${cpus[@]}")" "s/GB"
report_line "dd write, same fs (info)" "$d" "MB/s (ours/dd = $rd)"
echo "RESULT upload ours=$o ref=$f ratio=$rt peak_rss_mb=$hm dd=$d ratio_dd=$rd cpu_s_per_gb=$(median "${cpus[@]}")"
