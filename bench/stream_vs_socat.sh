#!/usr/bin/env bash
# Stream relay: curl uploader -> plikd (stream mode) -> curl downloader, versus the same bytes
# through a socat relay (socat sender -> socat -b 262144 relay -> socat sink).
# Prints MB/s for both, the ratio (target >= 0.8), plikd CPU s/GB (target <= 1) and peak RSS (< 32 MB).
source "$(dirname "$0")/lib.sh"
need curl socat openssl python3
ensure_data
N=$BENCH_SIZE
TCK=$(clk_tck)
trap 'stop_plikd; kill $(jobs -p) 2>/dev/null' EXIT

echo "== stream relay: plikd vs socat ($N bytes, $BENCH_RUNS runs, data in $BENCH_DATA)"
start_plikd stream
ours=(); cpus=(); rsss=()
for r in $(seq 1 "$BENCH_RUNS"); do
  read -r id tok fid < <(create_upload "$PLIKD_URL" true x "$N")
  reset_hwm "$PLIKD_PID"
  c0=$(cpu_ticks "$PLIKD_PID")
  curl -sS -o /dev/null -w '%{http_code} %{size_download}\n' "$PLIKD_URL/stream/$id/$fid/x" >"$BENCH_TMP/dl.out" &
  dl=$!
  sleep 0.05
  # The clock starts with the uploader, like the socat relay's (its listeners are up first).
  t0=$(now_ns)
  curl -sS -o "$BENCH_TMP/ul.out" -H "X-UploadToken: $tok" -F "file=@$BENCH_DATA;filename=x" "$PLIKD_URL/stream/$id/$fid/x" &
  ul=$!
  wait $dl; wait $ul
  t1=$(now_ns)
  c1=$(cpu_ticks "$PLIKD_PID")
  hwm=$(vm_hwm_kb "$PLIKD_PID")
  read -r code got <"$BENCH_TMP/dl.out"
  if [ "$code" != 200 ] || [ "$got" != "$N" ]; then
    echo "  run $r: download status $code, $got bytes (expected $N): $(head -c 300 "$BENCH_TMP/ul.out")" >&2
  fi
  mbs=$(awk -v n="$N" -v d=$((t1 - t0)) 'BEGIN{printf "%.1f", n / (d / 1e9) / 1e6}')
  cpu=$(awk -v t=$((c1 - c0)) -v k="$TCK" -v n="$N" 'BEGIN{printf "%.3f", t / k / (n / 1e9)}')
  echo "  run $r: plikd $mbs MB/s, cpu $cpu s/GB, VmHWM $((hwm / 1024)) MB"
  ours+=("$mbs"); cpus+=("$cpu"); rsss+=("$hwm")
done
stop_plikd

refs=()
for r in $(seq 1 "$BENCH_RUNS"); do
  p1=$(free_port); p2=$(free_port)
  socat -u -b 262144 "TCP-LISTEN:$p2,reuseaddr,bind=127.0.0.1" OPEN:/dev/null &
  sink=$!
  socat -b 262144 "TCP-LISTEN:$p1,reuseaddr,bind=127.0.0.1" "TCP:127.0.0.1:$p2" &
  relay=$!
  sleep 0.2
  t0=$(now_ns)
  socat -u -b 262144 "OPEN:$BENCH_DATA" "TCP:127.0.0.1:$p1"
  wait $sink; t1=$(now_ns)
  wait $relay 2>/dev/null
  mbs=$(awk -v n="$N" -v d=$((t1 - t0)) 'BEGIN{printf "%.1f", n / (d / 1e9) / 1e6}')
  echo "  run $r: socat relay $mbs MB/s"
  refs+=("$mbs")
done

# Info: the curl -F uploader alone through the same socat relay into a minimal HTTP sink
# (bench/http_sink.py; the client-side ceiling), and single-core MD5 speed (plikd hashes every
# streamed byte, as Plik does).
cu=()
for r in $(seq 1 "$BENCH_RUNS"); do
  p1=$(free_port); p2=$(free_port)
  python3 "$(dirname "$0")/http_sink.py" "$p2" 1 &
  sink=$!
  socat -b 262144 "TCP-LISTEN:$p1,reuseaddr,bind=127.0.0.1" "TCP:127.0.0.1:$p2" &
  relay=$!
  for i in $(seq 1 100); do ss -ltn | grep -q ":$p2 " && ss -ltn | grep -q ":$p1 " && break; sleep 0.05; done
  out=$(curl -sS -o /dev/null -w '%{size_upload} %{time_total}' -F "file=@$BENCH_DATA;filename=x" "http://127.0.0.1:$p1/")
  kill $sink $relay 2>/dev/null; wait $sink $relay 2>/dev/null
  cu+=("$(awk -v o="$out" 'BEGIN{split(o, a, " "); printf "%.1f", a[1] / a[2] / 1e6}')")
done
md5=$(openssl speed -evp md5 -bytes 262144 -seconds 3 2>/dev/null | awk '/^md5/ {v=$NF; sub(/k$/, "", v); printf "%.1f", v * 1000 / 1e6}')

o=$(median "${ours[@]}"); f=$(median "${refs[@]}"); c=$(median "${cpus[@]}"); h=$(median "${rsss[@]}")
rt=$(ratio "$o" "$f"); hm=$(awk -v k="$h" 'BEGIN{printf "%.1f", k/1024}')
echo "-- medians"
report_line "plikd stream relay" "$o" "MB/s"
report_line "socat -b 262144 relay" "$f" "MB/s"
report_line "info: curl -F -> socat relay -> sink" "$(median "${cu[@]}")" "MB/s (curl -F uploader ceiling)"
report_line "info: openssl md5, 1 core" "$md5" "MB/s (= $(awk -v m="$md5" 'BEGIN{printf "%.2f", 1000/m}') CPU s/GB)"
report_line "ratio (target >= 0.8)" "$rt" "$(verdict "$rt" '>=' 0.8)"
report_line "plikd CPU per GB (target <= 1)" "$c" "s/GB  $(verdict "$c" '<=' 1)"
report_line "plikd peak RSS (target < 32)" "$hm" "MB  $(verdict "$hm" '<' 32)"
echo "RESULT stream_relay ours=$o ref=$f ratio=$rt cpu_s_per_gb=$c peak_rss_mb=$hm curl_relay=$(median "${cu[@]}") md5=$md5"
