#!/usr/bin/env bash
# 10,000 stream uploaders waiting at once (bench/stream_waiting.py): plikd RSS while they wait
# (target < 150 MB total), then 10,000 downloaders attach and every SHA-256 is checked.
source "$(dirname "$0")/lib.sh"
need python3 curl
N=${BENCH_STREAMS:-10000}
ulimit -n 65536 2>/dev/null || { echo "# cannot raise ulimit -n to 65536 (hard limit $(ulimit -Hn)); using the hard limit" >&2; ulimit -n "$(ulimit -Hn)"; }
echo "== $N stream uploaders waiting (ulimit -n $(ulimit -n), $BENCH_RUNS runs)"
trap 'stop_plikd' EXIT
rss=(); oks=()
for r in $(seq 1 "$BENCH_RUNS"); do
  # MaxFilePerUpload raised so one upload can hold every stream.
  start_plikd waiting "MaxFilePerUpload = $((N + 10))"
  out=$(python3 "$(dirname "$0")/stream_waiting.py" --url "$PLIKD_URL" --pid "$PLIKD_PID" -n "$N" 2>&1)
  echo "$out" | sed "s/^/  run $r: /"
  if ! kill -0 "$PLIKD_PID" 2>/dev/null; then
    echo "  run $r: plikd DIED; log tail:"; tail -5 "$PLIKD_DIR/plikd.log" | sed 's/^/    /'
  fi
  grep -vE '\[200\]|^\s*$|: (enabled|disabled|unlimited|[0-9]+d?)$|Starting http' "$PLIKD_DIR/plikd.log" | sort | uniq -c | sort -rn | head -5 | sed "s/^/  run $r: plikd log: /"
  v=$(sed -n 's/.*rss_waiting_mb=\([0-9.]*\).*/\1/p' <<<"$out"); ok=$(sed -n 's/.*sha_ok=\([0-9]*\).*/\1/p' <<<"$out")
  [ -n "$v" ] && rss+=("$v"); [ -n "$ok" ] && oks+=("$ok")
  stop_plikd
done
[ ${#rss[@]} -gt 0 ] || { echo "no result"; exit 6; }
m=$(median "${rss[@]}"); o=$(median "${oks[@]}")
echo "-- medians"
report_line "plikd RSS with $N waiting uploaders" "$m" "MB  $(verdict "$m" '<' 150) (< 150)"
report_line "downloads with matching SHA-256" "$o/$N" "$( [ "$o" = "$N" ] && echo all || echo 'NOT ALL')"
echo "RESULT stream_waiting n=$N rss_mb=$m sha_ok=$o"
