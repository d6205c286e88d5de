#!/usr/bin/env bash
# Runs every plikd benchmark (benchmarks, not tests: nothing fails on timing).
# Installs nothing: needs curl, socat, nginx, wrk, openssl, python3 (scripts/setup.sh installs them)
# and a Release plikd in build-bench/ (or PLIKD=/path/to/plikd):
#   cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release && ninja -C build-bench -j2 plikd
# Knobs: BENCH_RUNS (3), BENCH_SIZE (2 GiB), BENCH_TMP, BENCH_STREAMS (10000), BENCH_WRK_DURATION (10s).
# Usage: bench/run_all.sh [script-name ...]   e.g. bench/run_all.sh stream_vs_socat small_requests
cd "$(dirname "$0")"
source ./lib.sh
missing=()
for t in curl socat nginx wrk openssl python3; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "MISSING TOOLS: ${missing[*]}"
  echo "Install them first (sudo scripts/setup.sh, or: apt-get install -y socat nginx-extras wrk openssl curl python3)."
  echo "Scripts that need a missing tool will be skipped."
fi
find_plikd >/dev/null || exit 2
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "# date: $(date -u '+%Y-%m-%d %H:%M UTC'), plikd: $(find_plikd), scratch: $BENCH_TMP, runs: $BENCH_RUNS (median)"
scripts=("$@")
[ ${#scripts[@]} -gt 0 ] || scripts=(stream_vs_socat download_vs_nginx upload_vs_md5 small_requests stream_waiting)
rc=0
log="$BENCH_TMP/run_all.log"; : >"$log"
for s in "${scripts[@]}"; do
  echo
  ./"${s%.sh}.sh" 2>&1 | tee -a "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "# $s could not run (exit ${PIPESTATUS[0]})"; rc=1; }
done
echo
echo "# summary (medians; full log in $log)"
grep -E '^RESULT |MISSES target|meets target' "$log" | grep -v '^  run'
exit $rc
