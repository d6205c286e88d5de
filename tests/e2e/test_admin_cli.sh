#!/usr/bin/env bash
# Admin CLI (spec §11): plikd clean, file list|show|delete, upload list|show|delete,
# export FILE / import FILE (into a fresh database, compared with `upload show`).
source "$(dirname "$0")/lib.sh" "$@"

T="$E2E_TMP"
e2e_start a
U="$(e2e_url a)"
FILES="$(e2e_dir a)/files"

# Content: upload 1 (two files, one uploaded + one missing), upload 2 (one file, removable),
# upload 3 (no file), upload 4 (stream + oneShot, declared file).
printf 'first file\n' >"$T/one.txt"
head -c 123456 /dev/urandom >"$T/two.bin"
up1="$(create_upload a '{"comments":"export me","files":[{"fileName":"one.txt","reference":"0"},{"fileName":"later.txt","reference":"1"}]}')"
U1="$(json_get "d['id']" <<<"$up1")"
K1="$(json_get "d['uploadToken']" <<<"$up1")"
F1="$(json_get "[f['id'] for f in d['files'] if f['fileName']=='one.txt'][0]" <<<"$up1")"
F1B="$(json_get "[f['id'] for f in d['files'] if f['fileName']=='later.txt'][0]" <<<"$up1")"
curl -s -o /dev/null -H "X-UploadToken: $K1" -F "file=@$T/one.txt" "$U/file/$U1/$F1/one.txt"
up2="$(create_upload a '{"removable":true,"files":[{"fileName":"two.bin","reference":"0"}]}')"
U2="$(json_get "d['id']" <<<"$up2")"
K2="$(json_get "d['uploadToken']" <<<"$up2")"
F2="$(json_get "d['files'][0]['id']" <<<"$up2")"
curl -s -o /dev/null -H "X-UploadToken: $K2" -F "file=@$T/two.bin" "$U/file/$U2/$F2/two.bin"
up3="$(create_upload a '{"ttl":3600,"files":[{"fileName":"short.txt","reference":"0"}]}')"
U3="$(json_get "d['id']" <<<"$up3")"
up4="$(create_upload a '{"stream":true,"oneShot":true,"files":[{"fileName":"s.bin","reference":"0","fileSize":42}]}')"
U4="$(json_get "d['id']" <<<"$up4")"
F4="$(json_get "d['files'][0]['id']" <<<"$up4")"

# ---------------------------------------------------------------- file list / show
out="$(e2e_cli a file list --human=false)"
assert_eq 5 "$(grep -c . <<<"$out")" "file list: 5 files"
assert_contains "$out" "$U1 $F1 11 uploaded text/plain; charset=utf-8 one.txt" "file list: uploaded file line"
assert_contains "$out" "$U1 $F1B 0 missing  later.txt" "file list: missing file line"
assert_contains "$out" "$U2 $F2 123456 uploaded application/octet-stream two.bin" "file list: binary file line"
out="$(e2e_cli a file list)"
assert_contains "$out" "$U2 $F2 124 kB uploaded" "file list --human (default): humanized size (go-humanize rounding)"
out="$(e2e_cli a file list --upload "$U1")"
assert_eq 2 "$(grep -c . <<<"$out")" "file list --upload: the upload's 2 files"
out="$(e2e_cli a file list --file "$F2")"
assert_eq 1 "$(grep -c . <<<"$out")" "file list --file: 1 file"
out="$(e2e_cli a file show --file "$F1")"
assert_eq "$F1" "$(head -n 1 <<<"$out" | json_get "d['id']")" "file show: JSON with the id"
assert_eq "$(md5_of "$T/one.txt")" "$(head -n 1 <<<"$out" | json_get "d['fileMd5']")" "file show: md5"
assert_contains "$out" "File URL : " "file show: File URL line"
assert_contains "$out" "/file/$U1/$F1/one.txt" "file show: file URL path"
assert_contains "$out" "Upload URL : " "file show: Upload URL line"
out="$(e2e_cli a file show --file doesnotexist00000)"
rc=$?
assert_ne 0 "$rc" "file show unknown: non-zero exit"
assert_contains "$out" "not found" "file show unknown: message"

# ---------------------------------------------------------------- upload list / show
out="$(e2e_cli a upload list)"
assert_eq 4 "$(grep -c . <<<"$out")" "upload list: 4 uploads"
assert_contains "$out" "$U1 " "upload list: upload 1"
assert_contains "$(grep "^$U4 " <<<"$out")" "stream" "upload list: stream flag"
assert_contains "$(grep "^$U4 " <<<"$out")" "oneShot" "upload list: oneShot flag"
assert_contains "$(grep "^$U1 " <<<"$out")" "2 file(s)" "upload list: file count"
out="$(e2e_cli a upload show --upload "$U1")"
assert_eq "$U1" "$(json_get "d['id']" <<<"$out")" "upload show: JSON"
assert_eq "export me" "$(json_get "d['comments']" <<<"$out")" "upload show: comments"
assert_eq 2 "$(json_get "len(d['files'])" <<<"$out")" "upload show: files"
out="$(e2e_cli a upload show --upload nosuchupload0000)"
rc=$?
assert_ne 0 "$rc" "upload show unknown: non-zero exit"
assert_contains "$out" "not found" "upload show unknown: message"

# ---------------------------------------------------------------- export / import
e2e_cli a export "$T/meta.export" >"$T/export.out"
rc=$?
assert_eq 0 "$rc" "export: exit 0"
assert_contains "$(cat "$T/export.out")" "exported 4 uploads" "export: counts ($(cat "$T/export.out"))"
# A second instance: fresh database, same data directory.
e2e_write_config b
sed -i "s#Directory = .*#Directory = \"$FILES\"#" "$(e2e_dir b)/plikd.cfg"
out="$(e2e_cli b import "$T/meta.export")"
assert_eq 0 "$?" "import into a fresh DB: exit 0"
assert_contains "$out" "imported 4 out of 4 uploads" "import: counts ($out)"
for u in "$U1" "$U2" "$U3" "$U4"; do
  assert_eq "$(e2e_cli a upload show --upload "$u")" "$(e2e_cli b upload show --upload "$u")" "upload show identical after import ($u)"
done
assert_eq "$(e2e_cli a file list --human=false | sort)" "$(e2e_cli b file list --human=false | sort)" "file list identical after import"
out="$(e2e_cli b import "$T/meta.export")"
rc=$?
assert_ne 0 "$rc" "importing the same uploads again fails (exit $rc): $(tail -n 1 <<<"$out")"
out="$(e2e_cli b import --ignore-errors "$T/meta.export")"
assert_eq 0 "$?" "import --ignore-errors of duplicates: exit 0 ($(tail -n 1 <<<"$out"))"
out="$(e2e_cli b import "$T/no-such-file")"
assert_ne 0 "$?" "import of a missing file: non-zero exit"
printf 'this is not an export\n' >"$T/garbage"
out="$(e2e_cli b import "$T/garbage")"
assert_ne 0 "$?" "import of garbage: non-zero exit ($(tail -n 1 <<<"$out"))"
# The imported metadata is served by a server on the new database (same upload token too).
e2e_start b
assert_eq "first file" "$(curl -s "$(e2e_url b)/file/$U1/$F1/one.txt")" "imported DB: file downloads"
assert_eq 200 "$(http_code "$(e2e_url b)/upload/$U1" -H "X-UploadToken: $K1")" "imported DB: upload token still valid"
e2e_stop b

# ---------------------------------------------------------------- file delete
printf 'n\n' | e2e_cli a file delete --file "$F2" >"$T/del.out"
assert_ne 0 "$?" "file delete answered 'n': non-zero exit"
assert_eq 200 "$(http_code "$U/file/$U2/$F2/two.bin")" "file delete answered 'n': file kept"
out="$(printf 'y\n' | e2e_cli a file delete --file "$F2")"
assert_contains "$out" "1 file(s) deleted" "file delete --file (confirmed with y)"
assert_eq 404 "$(http_code "$U/file/$U2/$F2/two.bin")" "deleted file: 404 from the running server"
assert_eq "" "$(find "$FILES" -name "$F2")" "deleted file: data removed"
assert_contains "$(e2e_cli a file list --file "$F2")" " deleted " "deleted file: status deleted"
out="$(e2e_cli a file delete --upload "$U1" -y)"
assert_contains "$out" "2 file(s) deleted" "file delete --upload -y"
assert_contains "$(e2e_cli a file list --upload "$U1")" "$F1B 0 B deleted" "missing file of the upload: deleted"
assert_eq "" "$(find "$FILES" -name "$F1")" "file delete --upload: data removed"

# ---------------------------------------------------------------- clean
# (file/upload delete run a cleaning pass too, so the expiring upload is made only now; 4 s
# so that the upload and the first download land before it expires on a loaded machine)
up5="$(create_upload a '{"ttl":4,"files":[{"fileName":"short.txt","reference":"0"}]}')"
U3="$(json_get "d['id']" <<<"$up5")"
K3="$(json_get "d['uploadToken']" <<<"$up5")"
F3="$(json_get "d['files'][0]['id']" <<<"$up5")"
curl -s -o /dev/null -H "X-UploadToken: $K3" -F "file=@$T/one.txt;filename=short.txt" "$U/file/$U3/$F3/short.txt"
assert_eq 200 "$(http_code "$U/file/$U3/$F3/short.txt")" "upload with ttl 4 s readable"
expired() { [[ "$(http_code "$U/upload/$U3")" == 404 ]]; }
assert_true "expired upload: 404 before cleaning" wait_for 15 expired
assert_true "expired upload's data still on disk before cleaning" test -n "$(find "$FILES" -name "$F3")"
out="$(e2e_cli a clean)"
assert_eq 0 "$?" "clean: exit 0"
assert_contains "$out" "removed 1 expired uploads" "clean: counts ($out)"
assert_eq "" "$(find "$FILES" -name "$F3")" "clean: expired data removed"
assert_not_contains "$(e2e_cli a upload list)" "$U3" "clean: expired upload purged"
assert_eq "" "$(e2e_cli a file list --upload "$U3")" "clean: its files purged"

# ---------------------------------------------------------------- upload delete
printf 'n\n' | e2e_cli a upload delete --upload "$U4" >/dev/null
assert_ne 0 "$?" "upload delete answered 'n': non-zero exit"
out="$(e2e_cli a upload delete --upload "$U4" -y)"
assert_contains "$out" "upload $U4 has been deleted" "upload delete -y"
assert_eq 404 "$(http_code "$U/upload/$U4")" "deleted upload: 404 from the running server"
assert_not_contains "$(e2e_cli a upload list)" "$U4" "deleted upload: not listed"
out="$(e2e_cli a upload delete --upload nosuchupload0000 -y)"
assert_ne 0 "$?" "upload delete unknown: non-zero exit ($out)"

# The server was running all along and still works.
url="$(curl -s -F "file=@$T/one.txt" "$U/")"
assert_eq "first file" "$(curl -s "$url")" "server unaffected by the CLI"

# CLI with a bad config value: message naming the key, non-zero exit.
out="$(cd "$T" && PLIKD_MAX_FILE_SIZE_STR=huge "$PLIKD" --config "$(e2e_dir a)/plikd.cfg" file list 2>&1)"
assert_ne 0 "$?" "CLI with a bad config: non-zero exit"
assert_contains "$out" "MaxFileSizeStr" "CLI with a bad config: key named"

e2e_stop a
assert_eq 0 "$E2E_RC" "SIGTERM exit 0"
e2e_finish
