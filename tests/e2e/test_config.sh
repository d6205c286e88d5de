#!/usr/bin/env bash
# plikd.cfg loading (spec §5): the real Plik-style sample file loads, PLIKD_* environment
# overrides (JSON arrays replace, JSON maps merge), bad values stop start-up with a message
# naming the key and a non-zero exit, a missing --config file is an error.
source "$(dirname "$0")/lib.sh" "$@"

SRC="${PLIK_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
SAMPLE="$SRC/docs/plikd.cfg"
[[ -f "$SAMPLE" ]] || { fail "sample config $SAMPLE not found"; }

# ---------------------------------------------------------------- the shipped sample file
# docs/plikd.cfg is Plik's own file; only the listener and the storage paths are moved,
# through the environment (which also exercises map merging: Driver stays sqlite3).
S="$(e2e_dir sample)"
mkdir -p "$S"
cp "$SAMPLE" "$S/plikd.cfg"
E2E_ENV=(PLIKD_LISTEN_PORT=0 PLIKD_LISTEN_ADDRESS=127.0.0.1 PLIKD_CLEANING_INTERVAL=-1
  "PLIKD_DATA_BACKEND_CONFIG={\"Directory\":\"$S/data\"}"
  "PLIKD_METADATA_BACKEND_CONFIG={\"ConnectionString\":\"$S/meta.db\"}")
e2e_start sample
cfg="$(curl -s "$(e2e_url sample)/config")"
assert_eq 10000000000 "$(json_get "d['maxFileSize']" <<<"$cfg")" "sample cfg: MaxFileSizeStr 10GB"
assert_eq 2592000 "$(json_get "d['defaultTTL']" <<<"$cfg")" "sample cfg: DefaultTTLStr 30d"
assert_eq 1000 "$(json_get "d['maxFilePerUpload']" <<<"$cfg")" "sample cfg: MaxFilePerUpload"
assert_eq enabled "$(json_get "d['feature_stream']" <<<"$cfg")" "sample cfg: FeatureStream"
assert_eq disabled "$(json_get "d['feature_extend_ttl']" <<<"$cfg")" "sample cfg: FeatureExtendTTL"
echo "hello sample" >"$E2E_TMP/hello.txt"
url="$(curl -s -F "file=@$E2E_TMP/hello.txt" "$(e2e_url sample)/")"
assert_contains "$url" "/file/" "sample cfg: quick upload works"
assert_eq "hello sample" "$(curl -s "$url")" "sample cfg: download works"
assert_true "sample cfg: data stored in the env-given Directory" test -n "$(find "$S/data" -type f)"
assert_true "sample cfg: metadata in the env-given ConnectionString (Driver kept)" test -s "$S/meta.db"
e2e_stop sample
assert_eq 0 "$E2E_RC" "sample cfg: SIGTERM exits 0"
E2E_ENV=()

# ---------------------------------------------------------------- case-insensitive keys, units
e2e_write_config keys '
maxfilesizestr   = "1KB"
DEFAULTTTLSTR    = "1h"
MaxTtlStr        = "2d"
featureOneShot   = "disabled"
FeatureStream    = "forced"
maxFilePerUpload = 3
AbuseContact     = "abuse@example.org"'
e2e_start keys
cfg="$(curl -s "$(e2e_url keys)/config")"
assert_eq 1000 "$(json_get "d['maxFileSize']" <<<"$cfg")" "lower-case key maxfilesizestr = 1KB"
assert_eq 3600 "$(json_get "d['defaultTTL']" <<<"$cfg")" "DEFAULTTTLSTR = 1h"
assert_eq 172800 "$(json_get "d['maxTTL']" <<<"$cfg")" "MaxTtlStr = 2d"
assert_eq disabled "$(json_get "d['feature_one_shot']" <<<"$cfg")" "featureOneShot = disabled"
assert_eq forced "$(json_get "d['feature_stream']" <<<"$cfg")" "FeatureStream = forced"
assert_eq 3 "$(json_get "d['maxFilePerUpload']" <<<"$cfg")" "maxFilePerUpload = 3"
assert_eq abuse@example.org "$(json_get "d['abuseContact']" <<<"$cfg")" "AbuseContact"
head -c 2000 /dev/urandom >"$E2E_TMP/2k.bin"
body="$(curl -s -w ' %{http_code}' -F "file=@$E2E_TMP/2k.bin" "$(e2e_url keys)/")"
assert_contains "$body" "file too big" "MaxFileSizeStr enforced on upload"
e2e_stop keys

# ---------------------------------------------------------------- environment overrides
E2E_ENV=(PLIKD_UPLOAD_WHITELIST='["10.1.2.3"]' PLIKD_MAX_FILE_SIZE_STR=5KB PLIKD_DEFAULT_TTL_STR=7d
  PLIKD_FEATURE_STREAM=disabled PLIKD_DEBUG_REQUESTS=TRUE PLIKD_ABUSE_CONTACT=env@example.org)
e2e_write_config env 'AbuseContact = "file@example.org"
UploadWhitelist = ["127.0.0.1"]'
e2e_start env
cfg="$(curl -s "$(e2e_url env)/config")"
assert_eq 5000 "$(json_get "d['maxFileSize']" <<<"$cfg")" "PLIKD_MAX_FILE_SIZE_STR=5KB"
assert_eq 604800 "$(json_get "d['defaultTTL']" <<<"$cfg")" "PLIKD_DEFAULT_TTL_STR=7d"
assert_eq disabled "$(json_get "d['feature_stream']" <<<"$cfg")" "PLIKD_FEATURE_STREAM=disabled"
assert_eq env@example.org "$(json_get "d['abuseContact']" <<<"$cfg")" "env wins over the file"
resp="$(curl -s -w ' %{http_code}' -X POST -d '{}' "$(e2e_url env)/upload")"
assert_eq "untrusted source IP address
 403" "$resp" "PLIKD_UPLOAD_WHITELIST=[\"10.1.2.3\"] replaces the file's list: 127.0.0.1 refused"
assert_eq 200 "$(http_code "$(e2e_url env)/config")" "downloads/config are not IP-restricted"
e2e_stop env

E2E_ENV=(PLIKD_UPLOAD_WHITELIST='["127.0.0.1"]')
e2e_write_config wl 'UploadWhitelist = ["10.9.9.9/32"]'
e2e_start wl
assert_eq 200 "$(http_code "$(e2e_url wl)/upload" -X POST -d '{}')" "PLIKD_UPLOAD_WHITELIST=[\"127.0.0.1\"] allows 127.0.0.1"
e2e_stop wl

# PLIKD_DATA_BACKEND_CONFIG merges key by key: an unrelated key keeps the file's Directory,
# a Directory key replaces it (whatever its case).
E2E_ENV=('PLIKD_DATA_BACKEND_CONFIG={"SomethingElse":"x"}')
e2e_write_config merge1
e2e_start merge1
curl -s -F "file=@$E2E_TMP/hello.txt" "$(e2e_url merge1)/" >/dev/null
assert_true "DATA_BACKEND_CONFIG merge keeps the file's Directory" test -n "$(find "$(e2e_dir merge1)/files" -type f)"
e2e_stop merge1
ALT="$E2E_TMP/altdata"
E2E_ENV=("PLIKD_DATA_BACKEND_CONFIG={\"directory\":\"$ALT\"}")
e2e_write_config merge2
e2e_start merge2
url="$(curl -s -F "file=@$E2E_TMP/hello.txt" "$(e2e_url merge2)/")"
assert_eq "hello sample" "$(curl -s "$url")" "DATA_BACKEND_CONFIG override: upload+download"
assert_true "DATA_BACKEND_CONFIG {\"directory\":...} replaces Directory" test -n "$(find "$ALT" -type f 2>/dev/null)"
assert_eq "" "$(find "$(e2e_dir merge2)/files" -type f)" "nothing stored in the file's Directory"
e2e_stop merge2
E2E_ENV=()

# --port overrides ListenPort
P="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
D="$(e2e_dir portflag)"
e2e_write_config portflag
(cd "$D" && exec "$PLIKD" --config "$D/plikd.cfg" --port "$P" >"$D/plikd.log" 2>&1) &
pid=$!
e2e_track "$pid"
if wait_for 10 curl -s -o /dev/null "http://127.0.0.1:$P/health"; then pass "--port $P overrides ListenPort"; else fail "--port: nothing on $P"; fi
kill -TERM "$pid"
wait "$pid"
assert_eq 0 "$?" "--port server exits 0 on SIGTERM"

# ---------------------------------------------------------------- bad values
B="$(e2e_dir bad)"
mkdir -p "$B"

# expect_bad DESCRIPTION NEEDLE CONFIG_EXTRA [ENV=VALUE...]
expect_bad() {
  local desc="$1" needle="$2" extra="$3" out rc
  shift 3
  local base=() line
  for line in 'ListenPort = 0' 'ListenAddress = "127.0.0.1"' 'CleaningInterval = -1'; do
    grep -q "^${line%% *} " <<<"$extra" || base+=("$line")
  done
  cat >"$B/plikd.cfg" <<EOF
$(printf '%s\n' "${base[@]}")
$extra
[DataBackendConfig]
    Directory = "$B/files"
[MetadataBackendConfig]
    ConnectionString = "$B/plik.db"
EOF
  out="$(cd "$B" && timeout 10 env "$@" "$PLIKD" --config "$B/plikd.cfg" 2>&1 </dev/null)"
  rc=$?
  if ((rc == 124)); then
    fail "$desc: plikd started instead of refusing the value"
  elif ((rc == 0)); then
    fail "$desc: exit code 0 (output: $out)"
  elif [[ "$out" != *"$needle"* ]]; then
    fail "$desc: message does not name [$needle]: $out"
  else
    pass "$desc -> exit $rc: $(echo "$out" | tail -n 1)"
  fi
}

expect_bad "env PLIKD_LISTEN_PORT=abc" PLIKD_LISTEN_PORT "" PLIKD_LISTEN_PORT=abc
expect_bad "env PLIKD_DEBUG=maybe" PLIKD_DEBUG "" PLIKD_DEBUG=maybe
expect_bad "env PLIKD_UPLOAD_WHITELIST not JSON" PLIKD_UPLOAD_WHITELIST "" PLIKD_UPLOAD_WHITELIST=127.0.0.1
expect_bad "env PLIKD_UPLOAD_WHITELIST=[1]" PLIKD_UPLOAD_WHITELIST "" 'PLIKD_UPLOAD_WHITELIST=[1]'
expect_bad "env PLIKD_UPLOAD_WHITELIST bad CIDR" UploadWhitelist "" 'PLIKD_UPLOAD_WHITELIST=["999.1.1.1"]'
expect_bad "env PLIKD_DATA_BACKEND_CONFIG not an object" PLIKD_DATA_BACKEND_CONFIG "" 'PLIKD_DATA_BACKEND_CONFIG=["a"]'
expect_bad "env PLIKD_MAX_FILE_SIZE_STR=lots" MaxFileSizeStr "" PLIKD_MAX_FILE_SIZE_STR=lots
expect_bad "env PLIKD_DEFAULT_TTL_STR=soon" DefaultTTLStr "" PLIKD_DEFAULT_TTL_STR=soon
expect_bad "env PLIKD_FEATURE_ONE_SHOT=sometimes" FeatureOneShot "" PLIKD_FEATURE_ONE_SHOT=sometimes
expect_bad "env PLIKD_READ_TIMEOUT=-5" ReadTimeout "" PLIKD_READ_TIMEOUT=-5
expect_bad "cfg ListenPort = \"abc\" (wrong type)" ListenPort 'ListenPort = "abc"'
expect_bad "cfg ListenPort = 70000" ListenPort 'ListenPort = 70000'
expect_bad "cfg MaxFileSizeStr = \"lots\"" MaxFileSizeStr 'MaxFileSizeStr = "lots"'
expect_bad "cfg FeatureRemovable = \"maybe\"" FeatureRemovable 'FeatureRemovable = "maybe"'
expect_bad "cfg FeatureGithub = \"forced\" (on/off only)" FeatureGithub 'FeatureGithub = "forced"'
expect_bad "cfg DefaultTTL > MaxTTL" "DefaultTTL should not be more than MaxTTL" 'DefaultTTLStr = "10d"
MaxTTLStr = "1d"'
expect_bad "cfg SessionTimeout = \"0\"" SessionTimeout 'SessionTimeout = "0"'
expect_bad "cfg DownloadDomain without scheme" DownloadDomain 'DownloadDomain = "dl.example.com"'
expect_bad "cfg UploadWhitelist = \"127.0.0.1\" (not an array)" UploadWhitelist 'UploadWhitelist = "127.0.0.1"'
expect_bad "cfg Debug = \"yes\"" Debug 'Debug = "yes"'
expect_bad "cfg TOML syntax error" "line 4" 'AbuseContact = "unterminated'
expect_bad "cfg Threads = -1" Threads 'Threads = -1'
expect_bad "cfg DataBackend = \"nfs\"" nfs 'DataBackend = "nfs"'
expect_bad "cfg UnixSocket relative" UnixSocket 'UnixSocket = "plikd.sock"'
printf 'precious\n' >"$B/regular"
expect_bad "cfg UnixSocket on a regular file" "not a socket" "UnixSocket = \"$B/regular\""
assert_eq precious "$(cat "$B/regular")" "UnixSocket: an existing file is never replaced"

# UnixSocket: plain HTTP on the socket next to the TCP listener, the file removed on SIGTERM.
e2e_write_config unix "UnixSocket = \"$E2E_TMP/plikd.sock\""
e2e_start unix
assert_eq "ok" "$(curl -s --unix-socket "$E2E_TMP/plikd.sock" http://plik/health)" "UnixSocket serves /health"
url="$(curl -s --unix-socket "$E2E_TMP/plikd.sock" -F "file=@$E2E_TMP/hello.txt" http://plik.example/)"
assert_contains "$url" "http://plik.example/file/" "quick upload over the Unix socket: URL from Host"
assert_eq "hello sample" "$(curl -s "$(e2e_url unix)${url#http://plik.example}")" "...downloaded over TCP"
assert_eq 660 "$(stat -c %a "$E2E_TMP/plikd.sock")" "socket mode 0660"
e2e_stop unix
assert_eq 0 "$E2E_RC" "UnixSocket server exits 0 on SIGTERM"
assert_true "socket file removed at exit" test ! -e "$E2E_TMP/plikd.sock"

# ---------------------------------------------------------------- locating the file
out="$(timeout 10 "$PLIKD" --config "$E2E_TMP/does-not-exist.cfg" 2>&1 </dev/null)"
rc=$?
assert_eq 1 "$rc" "--config missing file: exit 1"
assert_contains "$out" "Unable to read config file $E2E_TMP/does-not-exist.cfg" "--config missing file: message"
out="$(timeout 10 "$PLIKD" --config "$E2E_TMP" 2>&1 </dev/null)"
rc=$?
assert_eq 1 "$rc" "--config directory: exit 1"
assert_contains "$out" "Unable to read config file" "--config directory: message"
out="$(cd "$E2E_TMP" && PLIKD_CONFIG="$E2E_TMP/nope.cfg" timeout 10 "$PLIKD" 2>&1 </dev/null)"
rc=$?
assert_eq 1 "$rc" "PLIKD_CONFIG missing file: exit 1"
assert_contains "$out" "nope.cfg" "PLIKD_CONFIG missing file: names the file"

# ./plikd.cfg is found without --config.
D="$(e2e_dir cwd)"
e2e_write_config cwd 'AbuseContact = "cwd@example.org"'
(cd "$D" && exec "$PLIKD" >"$D/plikd.log" 2>&1) &
pid=$!
e2e_track "$pid"
port=""
for ((i = 0; i < 200; i++)); do
  port="$(sed -n 's#.*Starting http server at http://[^ ]*:\([0-9][0-9]*\).*#\1#p' "$D/plikd.log")"
  [[ -n "$port" ]] && break
  sleep 0.05
done
cfg="$(curl -s "http://127.0.0.1:$port/config")"
assert_eq cwd@example.org "$(json_get "d['abuseContact']" <<<"$cfg" 2>/dev/null)" "./plikd.cfg used when no --config"
kill -TERM "$pid"
wait "$pid"

e2e_finish
