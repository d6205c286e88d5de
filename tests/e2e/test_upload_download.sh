#!/usr/bin/env bash
# Plain uploads and downloads with curl (spec §7.1-§7.6): quick upload, declared file of 50 MB
# compared by md5, archive checked with unzip -t, oneShot, removable, Range resume, cleaning.
# Runs on any backend combination (E2E_BACKENDS, see backend_lib.sh; test_backends_*.sh).
source "$(dirname "$0")/lib.sh" "$@"
source "$(dirname "$0")/backend_lib.sh"

bk_start srv
echo "# backends: $E2E_BACKENDS"
U="$(e2e_url srv)"
T="$E2E_TMP"

# ---------------------------------------------------------------- quick upload
printf 'hello plik\n' >"$T/hello.txt"
url="$(curl -s -F "file=@$T/hello.txt" "$U/")"
assert_contains "$url" "$U/file/" "quick upload returns a download URL"
assert_eq "hello plik" "$(curl -s "$url")" "quick upload: downloaded content"
ctype="$(curl -s -o /dev/null -w '%{content_type}' "$url")"
assert_eq "text/plain; charset=utf-8" "$ctype" "quick upload: sniffed type"
disp="$(curl -s -D - -o /dev/null "$url?dl=1" | tr -d '\r' | grep -i '^content-disposition:')"
assert_contains "$disp" 'filename="hello.txt"' "Content-Disposition with the file name"

# ---------------------------------------------------------------- declared 50 MB file
random_file "$T/big.bin" 50
BIG_MD5="$(md5_of "$T/big.bin")"
up="$(create_upload srv '{"files":[{"fileName":"big.bin","reference":"0"}]}')"
UID1="$(json_get "d['id']" <<<"$up")"
TOKEN="$(json_get "d['uploadToken']" <<<"$up")"
FID="$(json_get "d['files'][0]['id']" <<<"$up")"
assert_eq missing "$(json_get "d['files'][0]['status']" <<<"$up")" "declared file starts missing"
assert_eq 404 "$(http_code "$U/file/$UID1/$FID/big.bin")" "GET before upload: 404"
assert_eq 403 "$(http_code "$U/file/$UID1/$FID/big.bin" -F "file=@$T/big.bin")" "upload without the upload token: 403"
resp="$(curl -s -H "X-UploadToken: $TOKEN" -F "file=@$T/big.bin" "$U/file/$UID1/$FID/big.bin")"
assert_eq uploaded "$(json_get "d['status']" <<<"$resp")" "50 MB upload: status uploaded"
assert_eq "$BIG_MD5" "$(json_get "d['fileMd5']" <<<"$resp")" "50 MB upload: server md5"
assert_eq 52428800 "$(json_get "d['fileSize']" <<<"$resp")" "50 MB upload: server size"
curl -s -o "$T/big.out" "$U/file/$UID1/$FID/big.bin"
assert_eq "$BIG_MD5" "$(md5_of "$T/big.out")" "50 MB download: same md5"
len="$(curl -s -I "$U/file/$UID1/$FID/big.bin" | tr -d '\r' | sed -n 's/^[Cc]ontent-[Ll]ength: //p')"
assert_eq 52428800 "$len" "HEAD: Content-Length"
body="$(curl -s -w ' %{http_code}' -H "X-UploadToken: $TOKEN" -F "file=@$T/hello.txt;filename=big.bin" "$U/file/$UID1/$FID/big.bin")"
assert_eq "invalid file status uploaded, expected missing
 400" "$body" "second upload of the same file refused"
body="$(curl -s -w ' %{http_code}' -H "X-UploadToken: $TOKEN" -F "file=@$T/hello.txt" "$U/file/$UID1/$FID/big.bin")"
assert_contains "$body" "invalid file name" "declared file: multipart name must match"

# A second file added without a declared id, and the archive of both.
resp="$(curl -s -H "X-UploadToken: $TOKEN" -F "file=@$T/hello.txt" "$U/file/$UID1")"
FID2="$(json_get "d['id']" <<<"$resp")"
assert_eq uploaded "$(json_get "d['status']" <<<"$resp")" "POST /file/{upload}: new file uploaded"
curl -s -o "$T/archive.zip" "$U/archive/$UID1/archive.zip"
if unzip -tq "$T/archive.zip" >"$T/unzip.out" 2>&1; then pass "archive: unzip -t OK"; else fail "archive: unzip -t: $(cat "$T/unzip.out")"; fi
assert_eq "$BIG_MD5" "$(unzip -p "$T/archive.zip" big.bin | md5sum | cut -d' ' -f1)" "archive: big.bin content"
assert_eq "hello plik" "$(unzip -p "$T/archive.zip" hello.txt)" "archive: hello.txt content"
assert_eq 400 "$(http_code "$U/archive/$UID1/archive.tar")" "archive name without .zip: 400"

# ---------------------------------------------------------------- Range and resume
r="$(curl -s -H 'Range: bytes=100-199' -w ' %{http_code}' -o "$T/range.out" "$U/file/$UID1/$FID/big.bin")"
assert_eq " 206" "$r" "Range: 206"
assert_eq "$(dd if="$T/big.bin" bs=1 skip=100 count=100 2>/dev/null | md5sum)" "$(md5sum <"$T/range.out")" "Range: the right 100 bytes"
assert_eq 416 "$(http_code "$U/file/$UID1/$FID/big.bin" -H 'Range: bytes=99999999-')" "Range past the end: 416"
# A slow download interrupted by --max-time, then resumed with -C - (Range: bytes=N-).
curl -s --limit-rate 1M --max-time 2 -o "$T/resume.out" "$U/file/$UID1/$FID/big.bin"
rc=$?
got="$(stat -c %s "$T/resume.out" 2>/dev/null || echo 0)"
if ((rc == 28 && got > 0 && got < 52428800)); then
  pass "slow download interrupted after $got bytes"
else
  fail "slow download: curl exit $rc, $got bytes (expected a timeout with a partial file)"
fi
curl -s -C - -o "$T/resume.out" "$U/file/$UID1/$FID/big.bin"
assert_eq 0 "$?" "resume with curl -C -: exit 0"
assert_eq "$BIG_MD5" "$(md5_of "$T/resume.out")" "resumed download: same md5"

# ---------------------------------------------------------------- oneShot
up="$(create_upload srv '{"oneShot":true,"files":[{"fileName":"once.txt","reference":"0"}]}')"
UID2="$(json_get "d['id']" <<<"$up")"
TOK2="$(json_get "d['uploadToken']" <<<"$up")"
FID3="$(json_get "d['files'][0]['id']" <<<"$up")"
printf 'only once\n' >"$T/once.txt"
curl -s -o /dev/null -H "X-UploadToken: $TOK2" -F "file=@$T/once.txt" "$U/file/$UID2/$FID3/once.txt"
assert_eq 200 "$(http_code "$U/file/$UID2/$FID3/once.txt" -I)" "oneShot: HEAD does not consume"
assert_eq "only once" "$(curl -s "$U/file/$UID2/$FID3/once.txt")" "oneShot: first GET"
# (the first GET's last byte is sent before its data is deleted: right after it, an object
# store may still say `removed`; either way the file is gone)
body="$(curl -s -w ' %{http_code}' "$U/file/$UID2/$FID3/once.txt")"
assert_contains "$body" "file once.txt ($FID3) is not available : " "oneShot: second GET refused"
assert_contains "$body" " 404" "oneShot: second GET is 404"
wait_for 10 bk_data_absent srv "$FID3"
assert_true "oneShot: data removed from the $BK_DATA backend" bk_data_absent srv "$FID3"

# ---------------------------------------------------------------- removable / delete
up="$(create_upload srv '{"files":[{"fileName":"keep.txt","reference":"0"}]}')"
UID3="$(json_get "d['id']" <<<"$up")"
TOK3="$(json_get "d['uploadToken']" <<<"$up")"
FID4="$(json_get "d['files'][0]['id']" <<<"$up")"
curl -s -o /dev/null -H "X-UploadToken: $TOK3" -F "file=@$T/hello.txt;filename=keep.txt" "$U/file/$UID3/$FID4/keep.txt"
assert_eq 403 "$(http_code "$U/file/$UID3/$FID4/keep.txt" -X DELETE)" "not removable: anonymous DELETE refused"
assert_eq 200 "$(http_code "$U/file/$UID3/$FID4/keep.txt")" "not removable: file still there"

up="$(create_upload srv '{"removable":true,"files":[{"fileName":"rm.txt","reference":"0"}]}')"
UID4="$(json_get "d['id']" <<<"$up")"
TOK4="$(json_get "d['uploadToken']" <<<"$up")"
FID5="$(json_get "d['files'][0]['id']" <<<"$up")"
curl -s -o /dev/null -H "X-UploadToken: $TOK4" -F "file=@$T/hello.txt;filename=rm.txt" "$U/file/$UID4/$FID5/rm.txt"
assert_eq "ok" "$(curl -s -X DELETE "$U/file/$UID4/$FID5/rm.txt")" "removable: anonymous DELETE file"
body="$(curl -s -w ' %{http_code}' "$U/file/$UID4/$FID5/rm.txt")"
assert_eq "file rm.txt ($FID5) is not available : deleted
 404" "$body" "removable: deleted file is 404"
assert_true "removable: data removed from the $BK_DATA backend" bk_data_absent srv "$FID5"
assert_eq "ok" "$(curl -s -X DELETE "$U/upload/$UID4")" "removable: anonymous DELETE upload"
assert_eq 404 "$(http_code "$U/upload/$UID4")" "removed upload: 404"

# The admin (upload token) may delete a non-removable upload.
assert_eq "ok" "$(curl -s -X DELETE -H "X-UploadToken: $TOK3" "$U/upload/$UID3")" "upload token: DELETE upload"
assert_eq 404 "$(http_code "$U/file/$UID3/$FID4/keep.txt")" "file of a deleted upload: 404"

assert_true "50 MB file stored in the $BK_DATA backend" bk_data_exists srv "$FID"

# ---------------------------------------------------------------- cleaning
# (5 s: long enough for the file upload to land first on a loaded machine)
up="$(create_upload srv '{"ttl":5,"files":[{"fileName":"short.txt","reference":"0"}]}')"
UID5="$(json_get "d['id']" <<<"$up")"
TOK5="$(json_get "d['uploadToken']" <<<"$up")"
FID6="$(json_get "d['files'][0]['id']" <<<"$up")"
curl -s -o /dev/null -H "X-UploadToken: $TOK5" -F "file=@$T/hello.txt;filename=short.txt" "$U/file/$UID5/$FID6/short.txt"
assert_true "short-lived file stored" bk_data_exists srv "$FID6"
expired() { [[ "$(http_code "$U/upload/$UID5")" == 404 ]]; }
assert_true "expired upload: 404 before any cleaning" wait_for 15 expired
out="$(e2e_cli srv clean)"
assert_true "plikd clean ran: $out" test -n "$out"
assert_true "cleaning removed the expired file's data from the $BK_DATA backend" bk_data_absent srv "$FID6"
assert_true "cleaning kept the live 50 MB file" bk_data_exists srv "$FID"
assert_eq "$BIG_MD5" "$(curl -s "$U/file/$UID1/$FID/big.bin" | md5sum | cut -d' ' -f1)" "live file intact after cleaning"

assert_eq "" "$(bk_part_files srv)" "no *.part files left"
e2e_finish
