# The backend matrix of the end-to-end suites (issue #6 item 3). Sourced after lib.sh by suites
# that run on any metadata + data backend combination, chosen by E2E_BACKENDS:
#   sqlite+file (default) | postgres+file | postgres+s3 | postgres+swift
# PostgreSQL 15 and an OpenStack Swift all-in-one (whose s3api serves S3 with real SigV4) are
# started here, on loopback, by the test itself (tests/e2e/multi_lib.sh, tests/support/swift_aio.sh).
#
#   bk_start NAME            writes NAME's plikd.cfg for the combination and starts it
#   bk_data_exists NAME FID  true when the data of file FID exists in the data backend
#   bk_part_files NAME       leftover partial files (file backend; nothing for object stores)

E2E_BACKENDS="${E2E_BACKENDS:-sqlite+file}"
BK_META="${E2E_BACKENDS%%+*}"
BK_DATA="${E2E_BACKENDS##*+}"
BK_SRC_DIR="${PLIK_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
BK_BUCKET="plik-e2e"
BK_SWIFT_DIR=""

case "$BK_META+$BK_DATA" in
  sqlite+file | postgres+file | postgres+s3 | postgres+swift) ;;
  *) echo "unknown E2E_BACKENDS=$E2E_BACKENDS" >&2; echo "0 passed, 1 failed"; exit 2 ;;
esac

if [[ "$BK_META" == postgres ]]; then
  source "$(dirname "${BASH_SOURCE[0]}")/multi_lib.sh"
  ml_pg_start
fi

bk_swift_stop() { [[ -n "$BK_SWIFT_DIR" ]] && bash "$BK_SRC_DIR/tests/support/swift_aio.sh" stop "$BK_SWIFT_DIR" >/dev/null 2>&1; }
if [[ "$BK_DATA" == s3 || "$BK_DATA" == swift ]]; then
  BK_SWIFT_DIR="$E2E_TMP/swift"
  if ! bash "$BK_SRC_DIR/tests/support/swift_aio.sh" start "$BK_SWIFT_DIR" >"$E2E_TMP/swift.out" 2>&1; then
    bk_swift_stop
    fail "Swift all-in-one did not start: $(tail -n 5 "$E2E_TMP/swift.out")"
  fi
  # shellcheck disable=SC1091
  source "$BK_SWIFT_DIR/env"
  # Stop Swift before the generic cleanup removes its directory.
  trap 'bk_swift_stop; if declare -F ml_cleanup >/dev/null; then ml_cleanup; else e2e_cleanup; fi' EXIT
fi

bk_data_toml() {
  local name="$1"
  case "$BK_DATA" in
    file) printf 'DataBackend = "file"\n[DataBackendConfig]\n    Directory = "%s"\n' "$(e2e_dir "$name")/files" ;;
    s3) printf 'DataBackend = "s3"\n[DataBackendConfig]\n    Endpoint = "%s"\n    AccessKeyID = "test:tester"\n    SecretAccessKey = "testing"\n    Bucket = "%s"\n    Location = "us-east-1"\n    PartSize = 5242880\n' "$S3_ENDPOINT" "$BK_BUCKET" ;;
    swift) printf 'DataBackend = "swift"\n[DataBackendConfig]\n    AuthUrl = "%s"\n    UserName = "test:tester"\n    ApiKey = "testing"\n    Container = "%s"\n' "$SWIFT_AUTH_URL" "$BK_BUCKET" ;;
  esac
}

bk_start() {
  local name="$1" extra="${2:-}" dir
  dir="$(e2e_dir "$name")"
  mkdir -p "$dir/files"
  if [[ "$BK_META" == postgres ]]; then
    ml_write_cfg "$name" "$(bk_data_toml "$name")" "$extra"
  else
    e2e_write_config "$name" "$extra"
    if [[ "$BK_DATA" != file ]]; then
      "$PY" - "$dir/plikd.cfg" "$(bk_data_toml "$name")" <<'PYEOF'
import re, sys
path, data = sys.argv[1], sys.argv[2]
cfg = open(path).read()
cfg = re.sub(r'DataBackend = "file"\n\[DataBackendConfig\]\n    Directory = "[^"]*"\n', data, cfg)
open(path, "w").write(cfg)
PYEOF
    fi
  fi
  e2e_start "$name"
}

bk_data_exists() {
  local name="$1" fid="$2" code token storage object="$2"
  case "$BK_DATA" in
    file) [[ -n "$(find "$(e2e_dir "$name")/files" -name "$fid" 2>/dev/null)" ]] ;;
    s3 | swift)
      # Through Swift's own API: s3api keeps a bucket as a container of the same account (and
      # curl's --aws-sigv4 cannot send the access key "test:tester", which holds a colon).
      read -r token storage < <(curl -s -D - -o /dev/null -H 'X-Auth-User: test:tester' -H 'X-Auth-Key: testing' \
        "$SWIFT_AUTH_URL" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-auth-token"{t=$2} tolower($1)=="x-storage-url"{s=$2} END{print t, s}')
      [[ "$BK_DATA" == swift ]] && object="$(bk_swift_object "$fid")"
      code="$(curl -s -o /dev/null -w '%{http_code}' -I -H "X-Auth-Token: $token" "$storage/$BK_BUCKET/$object")"
      [[ "$code" == 200 ]] ;;
  esac
}

# The Swift backend names objects <upload id>.<file id> (like Plik); find the upload id by file.
bk_swift_object() {
  local uid
  uid="$(curl -s -H "X-Auth-Token: $token" "$storage/$BK_BUCKET?prefix=" | grep -F ".$1" | head -n 1)"
  echo "${uid:-none.$1}"
}

bk_part_files() {
  [[ "$BK_DATA" == file ]] && part_files "$(e2e_dir "$1")/files"
  return 0
}

bk_data_absent() { ! bk_data_exists "$@"; }
