#!/usr/bin/env bash
# kill -9 in the middle of uploads (spec §8.3 + issue): after a restart the half file is never
# served as complete, the database is consistent (file back to `missing`, re-uploadable), no
# *.part file is left, and files completed before the crash are intact.
source "$(dirname "$0")/lib.sh" "$@"

T="$E2E_TMP"
# A fixed port: the restarted server is the same instance (InstanceURL http://127.0.0.1:PORT),
# so it resets its own interrupted uploads at start-up. (Another instance would reset them too,
# once their lease expires: test_stream_any_instance.sh.)
e2e_write_config srv
PORT="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
sed -i "s/^ListenPort .*/ListenPort = $PORT/" "$(e2e_dir srv)/plikd.cfg"
e2e_start srv
U="$(e2e_url srv)"
FILES="$(e2e_dir srv)/files"

# A file completed before the crash.
printf 'survivor\n' >"$T/done.txt"
done_url="$(curl -s -F "file=@$T/done.txt" "$U/")"
assert_contains "$done_url" "/file/" "a complete upload before the crash"

# A declared file being uploaded slowly (200 kB/s, 8 MB: ~40 s if nothing stops it).
random_file "$T/slow.bin" 8
SLOW_MD5="$(md5_of "$T/slow.bin")"
up="$(create_upload srv '{"files":[{"fileName":"slow.bin","reference":"0"}]}')"
UID1="$(json_get "d['id']" <<<"$up")"
TOKEN="$(json_get "d['uploadToken']" <<<"$up")"
FID="$(json_get "d['files'][0]['id']" <<<"$up")"
curl -s -o "$T/slow.resp" --limit-rate 200K -H "X-UploadToken: $TOKEN" -F "file=@$T/slow.bin" \
  "$U/file/$UID1/$FID/slow.bin" &
slow_pid=$!
e2e_track "$slow_pid"

# A quick upload (file created on the fly) being sent slowly too.
curl -s -o "$T/quick.resp" --limit-rate 200K -F "file=@$T/slow.bin;filename=quick.bin" "$U/" &
quick_pid=$!
e2e_track "$quick_pid"

is_uploading() { [[ "$(file_status srv "$UID1" "$FID")" == uploading ]]; }
has_part() { [[ "$(part_files "$FILES" | wc -l)" -ge 2 ]]; }
assert_true "slow upload is in progress (status uploading)" wait_for 10 is_uploading
assert_true "two *.part files exist while uploading" wait_for 10 has_part
sleep 1
partial="$(part_files "$FILES" | head -n 1)"
psize="$(stat -c %s "$partial" 2>/dev/null || echo 0)"
if ((psize > 0 && psize < 8388608)); then pass "partial data on disk ($psize bytes)"; else fail "partial size $psize"; fi

body="$(curl -s -w ' %{http_code}' "$U/file/$UID1/$FID/slow.bin")"
assert_eq "file slow.bin ($FID) is not available : uploading
 404" "$body" "a file being uploaded is not served"

# Crash.
e2e_stop srv KILL
assert_eq 137 "$E2E_RC" "plikd killed with SIGKILL"
wait "$slow_pid"
rc=$?
assert_ne 0 "$rc" "uploader's curl reports an error after the crash (exit $rc)"
wait "$quick_pid"
rc=$?
assert_ne 0 "$rc" "quick uploader's curl reports an error after the crash (exit $rc)"
assert_true "the *.part files are still there after the crash (before restart)" test -n "$(part_files "$FILES")"

# Restart on the same config and database.
e2e_start srv
U="$(e2e_url srv)"
grep -q "reset 2 interrupted upload(s) to missing" "$(e2e_dir srv)/plikd.log" &&
  pass "start-up log reports the 2 interrupted uploads" ||
  fail "start-up log: $(grep -i interrupted "$(e2e_dir srv)/plikd.log")"
assert_eq "" "$(part_files "$FILES")" "no *.part files left after restart"
assert_eq missing "$(file_status srv "$UID1" "$FID")" "interrupted file is back to missing"
body="$(curl -s -w ' %{http_code}' "$U/file/$UID1/$FID/slow.bin")"
assert_eq "file slow.bin ($FID) is not available : missing
 404" "$body" "interrupted file is not served"
assert_eq "" "$(find "$FILES" -name "$FID")" "no final data file for the interrupted upload"

# The quick upload's file: find it in the metadata with the admin CLI while the server runs.
qline="$(e2e_cli srv file list --human=false | grep ' quick.bin$')"
assert_contains "$qline" " missing " "interrupted quick upload file is back to missing: $qline"
qu="$(cut -d' ' -f1 <<<"$qline")"
qf="$(cut -d' ' -f2 <<<"$qline")"
assert_eq 404 "$(http_code "$U/file/$qu/$qf/quick.bin")" "interrupted quick upload is not served"

assert_eq "survivor" "$(curl -s "$U/${done_url#http://*/}")" "upload completed before the crash is intact"

# Re-upload of the interrupted file works and is complete.
resp="$(curl -s -H "X-UploadToken: $TOKEN" -F "file=@$T/slow.bin" "$U/file/$UID1/$FID/slow.bin")"
assert_eq uploaded "$(json_get "d['status']" <<<"$resp")" "re-upload after the crash: uploaded"
curl -s -o "$T/slow.out" "$U/file/$UID1/$FID/slow.bin"
assert_eq "$SLOW_MD5" "$(md5_of "$T/slow.out")" "re-uploaded file: same md5"

# A crash while a stream uploader waits for its downloader: back to missing too.
up="$(create_upload srv '{"stream":true,"files":[{"fileName":"s.bin","reference":"0"}]}')"
SUID="$(json_get "d['id']" <<<"$up")"
STOK="$(json_get "d['uploadToken']" <<<"$up")"
SFID="$(json_get "d['files'][0]['id']" <<<"$up")"
curl -s -o /dev/null -H "X-UploadToken: $STOK" -F "file=@$T/slow.bin;filename=s.bin" "$U/stream/$SUID/$SFID/s.bin" &
spid=$!
e2e_track "$spid"
TOKEN="$STOK"
is_s_uploading() { [[ "$(file_status srv "$SUID" "$SFID")" == uploading ]]; }
assert_true "stream uploader waiting (status uploading)" wait_for 10 is_s_uploading
e2e_stop srv KILL
wait "$spid"
assert_ne 0 "$?" "stream uploader's curl fails on the crash"
e2e_start srv
assert_eq missing "$(file_status srv "$SUID" "$SFID")" "stream file back to missing after restart"

e2e_stop srv
assert_eq 0 "$E2E_RC" "clean SIGTERM exit after recovery"
e2e_finish
