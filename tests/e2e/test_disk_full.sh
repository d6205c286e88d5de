#!/usr/bin/env bash
# Disk full (issue): the data directory is a 4 MB tmpfs. An 8 MB upload gets a clear
# `507 not enough space on the data backend`, its partial file is removed, the file goes back
# to `missing`, the server stays up and smaller uploads still work.
source "$(dirname "$0")/lib.sh" "$@"

T="$E2E_TMP"
D="$(e2e_dir srv)"
mkdir -p "$D/files"
if [[ "$(id -u)" != 0 ]]; then e2e_skip "test_disk_full needs root to mount a tmpfs"; fi
if ! mount -t tmpfs -o size=4m,mode=0755 plik-e2e-tmpfs "$D/files" 2>"$T/mount.err"; then
  e2e_skip "cannot mount a tmpfs: $(cat "$T/mount.err")"
fi
E2E_MOUNTS+=("$D/files")
used_kb() { df -k --output=used "$D/files" | tail -n 1 | tr -d ' '; }

e2e_start srv
U="$(e2e_url srv)"

random_file "$T/8m.bin" 8
random_file "$T/3m.bin" 3
random_file "$T/2m.bin" 2
printf 'small file\n' >"$T/small.txt"

# 8 MB into a declared file.
up="$(create_upload srv '{"files":[{"fileName":"8m.bin","reference":"0"}]}')"
UID1="$(json_get "d['id']" <<<"$up")"
TOKEN="$(json_get "d['uploadToken']" <<<"$up")"
FID="$(json_get "d['files'][0]['id']" <<<"$up")"
body="$(curl -s -w ' %{http_code}' -H "X-UploadToken: $TOKEN" -F "file=@$T/8m.bin" "$U/file/$UID1/$FID/8m.bin")"
rc=$?
assert_eq 0 "$rc" "curl receives the error response (exit $rc)"
assert_eq "not enough space on the data backend
 507" "$body" "8 MB upload on a 4 MB disk: 507 with a clear message"
assert_eq "" "$(find "$D/files" -type f)" "no partial file left on the data disk"
assert_true "disk space given back (used $(used_kb) kB)" test "$(used_kb)" -lt 64
assert_eq "ok" "$(curl -s "$U/health")" "server still answers /health"
assert_eq missing "$(file_status srv "$UID1" "$FID")" "the failed file is back to missing"
assert_eq 404 "$(http_code "$U/file/$UID1/$FID/8m.bin")" "the failed file is not served"

# The same through a quick upload.
body="$(curl -s -w ' %{http_code}' -F "file=@$T/8m.bin" "$U/")"
assert_eq "not enough space on the data backend
 507" "$body" "8 MB quick upload: 507"
assert_eq "" "$(find "$D/files" -type f)" "quick upload: no partial file"

# Small uploads still work, and a retry of the failed file with a smaller content too.
url="$(curl -s -F "file=@$T/small.txt" "$U/")"
assert_eq "small file" "$(curl -s "$url")" "small quick upload after the failures"
resp="$(curl -s -H "X-UploadToken: $TOKEN" -F "file=@$T/3m.bin;filename=8m.bin" "$U/file/$UID1/$FID/8m.bin")"
assert_eq uploaded "$(json_get "d['status']" <<<"$resp")" "retry of the failed file (3 MB) succeeds"
curl -s -o "$T/3m.out" "$U/file/$UID1/$FID/8m.bin"
assert_eq "$(md5_of "$T/3m.bin")" "$(md5_of "$T/3m.out")" "retried file downloads intact"

# Disk now ~3 MB full: 2 MB more does not fit; freeing the 3 MB file makes room.
body="$(curl -s -w ' %{http_code}' -F "file=@$T/2m.bin" "$U/")"
assert_eq "not enough space on the data backend
 507" "$body" "2 MB upload on the nearly full disk: 507"
assert_eq 1 "$(find "$D/files" -type f -name '*.part*' -o -type f -name "$FID" | grep -c .)" "only the stored file remains"
assert_eq ok "$(curl -s -X DELETE -H "X-UploadToken: $TOKEN" "$U/file/$UID1/$FID/8m.bin")" "delete the 3 MB file"
url="$(curl -s -F "file=@$T/2m.bin" "$U/")"
curl -s -o "$T/2m.out" "$url"
assert_eq "$(md5_of "$T/2m.bin")" "$(md5_of "$T/2m.out")" "2 MB upload fits after the deletion"

# Several concurrent oversize uploads: all fail cleanly, the server survives.
pids=()
for i in 1 2 3; do
  curl -s -o "$T/c$i.out" -w '%{http_code}' -F "file=@$T/8m.bin" "$U/" >"$T/c$i.code" &
  pids+=($!)
  e2e_track "$!"
done
for p in "${pids[@]}"; do wait "$p"; done
assert_eq "507 507 507" "$(cat "$T/c1.code") $(cat "$T/c2.code") $(cat "$T/c3.code")" "3 concurrent oversize uploads: 507 each"
assert_eq "" "$(part_files "$D/files")" "no partial file after concurrent failures"
assert_true "server alive" e2e_alive srv
assert_eq "ok" "$(curl -s "$U/health")" "health after concurrent failures"

e2e_stop srv
assert_eq 0 "$E2E_RC" "SIGTERM exit 0"
e2e_finish
