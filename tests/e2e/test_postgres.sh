#!/usr/bin/env bash
# plikd on the PostgreSQL metadata backend (a real PostgreSQL 15 started here on 127.0.0.1):
# upload/download, oneShot, delete, two instances sharing the database, a PostgreSQL restart
# under a running plikd, and `plikd export` from SQLite then `plikd import` into PostgreSQL.
# Missing PostgreSQL binaries are a failure (CI installs postgresql-15 through setup.sh).
source "$(dirname "$0")/lib.sh" "$@"

T="$E2E_TMP"

# ---------------------------------------------------------------- PostgreSQL
PG_BIN="${PLIK_PG_BINDIR:-}"
if [[ -z "$PG_BIN" ]]; then
  for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/16/bin /usr/lib/postgresql/17/bin /usr/lib/postgresql/14/bin; do
    [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && PG_BIN="$d" && break
  done
fi
if [[ -z "$PG_BIN" ]]; then
  fail "PostgreSQL server binaries not found (install postgresql-15, or set PLIK_PG_BINDIR)"
fi
PSQL="$PG_BIN/psql"
[[ -x "$PSQL" ]] || PSQL=psql

AS_PG=()
if [[ "$(id -u)" == 0 ]]; then AS_PG=(runuser -u postgres --); fi
PG_DIR="$T/pg"
mkdir -p "$PG_DIR"
if [[ "$(id -u)" == 0 ]]; then
  chmod 755 "$T"
  chown postgres: "$PG_DIR"
fi
PG_PORT="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"

pg_ctl_() { "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" "$@"; }
pg_start() {
  pg_ctl_ -l "$PG_DIR/server.log" -w -t 30 \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off" \
    start >/dev/null
}
pg_stop() { pg_ctl_ -m fast -w -t 30 stop >/dev/null 2>&1; }
sql() { "$PSQL" -X -q -t -A -h 127.0.0.1 -p "$PG_PORT" -U plik -d "${2:-plik}" -c "$1"; }

trap 'pg_stop; e2e_cleanup' EXIT

if ! out="$("${AS_PG[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U plik --no-sync -E UTF8 --locale=C 2>&1)"; then
  fail "initdb: $out"
fi
pg_start || fail "pg_ctl start: $(tail -n 5 "$PG_DIR/server.log")"
sql "CREATE DATABASE plik" postgres
pass "PostgreSQL 15 started on 127.0.0.1:$PG_PORT"
PG_URL="postgres://plik@127.0.0.1:$PG_PORT/plik?sslmode=disable"

# write_cfg NAME DRIVER CONNECTION_STRING : both backends store data in the same directory.
mkdir -p "$T/files"
write_cfg() {
  local dir
  dir="$(e2e_dir "$1")"
  mkdir -p "$dir"
  cat >"$dir/plikd.cfg" <<EOF
LogLevel            = "INFO"
ListenPort          = 0
ListenAddress       = "127.0.0.1"
NoWebInterface      = true
CleaningInterval    = -1
Threads             = 2

DataBackend = "file"
[DataBackendConfig]
    Directory = "$T/files"

[MetadataBackendConfig]
    Driver = "$2"
    ConnectionString = "$3"
    MaxOpenConns = 4
EOF
}

# ---------------------------------------------------------------- upload / download
write_cfg pg postgres "$PG_URL"
e2e_start pg
U="$(e2e_url pg)"
assert_eq 1 "$(sql "SELECT max(version) FROM schema_migrations")" "plikd migrated the PostgreSQL schema"

printf 'hello postgres\n' >"$T/hello.txt"
url="$(curl -s -F "file=@$T/hello.txt" "$U/")"
assert_contains "$url" "$U/file/" "quick upload returns a download URL"
assert_eq "hello postgres" "$(curl -s "$url")" "quick upload: downloaded content"

random_file "$T/big.bin" 8
BIG_MD5="$(md5_of "$T/big.bin")"
up="$(create_upload pg '{"files":[{"fileName":"big.bin","reference":"0"}]}')"
UID1="$(json_get "d['id']" <<<"$up")"
TOKEN="$(json_get "d['uploadToken']" <<<"$up")"
FID="$(json_get "d['files'][0]['id']" <<<"$up")"
assert_eq missing "$(sql "SELECT status FROM files WHERE id = '$FID'")" "declared file is a row in PostgreSQL"
resp="$(curl -s -H "X-UploadToken: $TOKEN" -F "file=@$T/big.bin" "$U/file/$UID1/$FID/big.bin")"
assert_eq uploaded "$(json_get "d['status']" <<<"$resp")" "8 MB upload: status uploaded"
assert_eq "$BIG_MD5" "$(json_get "d['fileMd5']" <<<"$resp")" "8 MB upload: server md5"
assert_eq "uploaded|8388608|$BIG_MD5" "$(sql "SELECT status || '|' || size || '|' || md5 FROM files WHERE id = '$FID'")" "PostgreSQL row completed"
curl -s -o "$T/big.out" "$U/file/$UID1/$FID/big.bin"
assert_eq "$BIG_MD5" "$(md5_of "$T/big.out")" "8 MB download: same md5"
body="$(curl -s -w ' %{http_code}' -H "X-UploadToken: $TOKEN" -F "file=@$T/hello.txt;filename=big.bin" "$U/file/$UID1/$FID/big.bin")"
assert_eq "invalid file status uploaded, expected missing
 400" "$body" "second upload of the same file refused (CAS)"

# ---------------------------------------------------------------- oneShot
up="$(create_upload pg '{"oneShot":true,"files":[{"fileName":"once.txt","reference":"0"}]}')"
UID2="$(json_get "d['id']" <<<"$up")"
TOK2="$(json_get "d['uploadToken']" <<<"$up")"
FID2="$(json_get "d['files'][0]['id']" <<<"$up")"
printf 'only once\n' >"$T/once.txt"
curl -s -o /dev/null -H "X-UploadToken: $TOK2" -F "file=@$T/once.txt" "$U/file/$UID2/$FID2/once.txt"
assert_eq "only once" "$(curl -s "$U/file/$UID2/$FID2/once.txt")" "oneShot: first GET"
body="$(curl -s -w ' %{http_code}' "$U/file/$UID2/$FID2/once.txt")"
assert_eq "file once.txt ($FID2) is not available : deleted
 404" "$body" "oneShot: second GET is 404 deleted"
assert_eq deleted "$(sql "SELECT status FROM files WHERE id = '$FID2'")" "oneShot: row deleted in PostgreSQL"

# ---------------------------------------------------------------- delete
up="$(create_upload pg '{"removable":true,"files":[{"fileName":"rm.txt","reference":"0"}]}')"
UID3="$(json_get "d['id']" <<<"$up")"
TOK3="$(json_get "d['uploadToken']" <<<"$up")"
FID3="$(json_get "d['files'][0]['id']" <<<"$up")"
curl -s -o /dev/null -H "X-UploadToken: $TOK3" -F "file=@$T/hello.txt;filename=rm.txt" "$U/file/$UID3/$FID3/rm.txt"
assert_eq "ok" "$(curl -s -X DELETE "$U/file/$UID3/$FID3/rm.txt")" "removable: DELETE file"
assert_eq 404 "$(http_code "$U/file/$UID3/$FID3/rm.txt")" "deleted file: 404"
assert_eq "ok" "$(curl -s -X DELETE "$U/upload/$UID3")" "removable: DELETE upload"
assert_eq 404 "$(http_code "$U/upload/$UID3")" "deleted upload: 404"
assert_ne "" "$(sql "SELECT deleted_at FROM uploads WHERE id = '$UID3'")" "upload soft-deleted in PostgreSQL"

# ---------------------------------------------------------------- a second instance
write_cfg pg2 postgres "$PG_URL"
e2e_start pg2
U2="$(e2e_url pg2)"
curl -s -o "$T/big2.out" "$U2/file/$UID1/$FID/big.bin"
assert_eq "$BIG_MD5" "$(md5_of "$T/big2.out")" "second instance downloads what the first stored"
up="$(create_upload pg2 '{"files":[{"fileName":"two.txt","reference":"0"}]}')"
UID4="$(json_get "d['id']" <<<"$up")"
assert_eq 200 "$(http_code "$U/upload/$UID4")" "first instance sees an upload created on the second"
e2e_stop pg2

# ---------------------------------------------------------------- PostgreSQL restart
pg_stop
code="$(curl -s -m 20 -o "$T/down.out" -w '%{http_code}' "$U/upload/$UID1")"
assert_eq 500 "$code" "PostgreSQL down: GET /upload answers 500 (not a hang)"
assert_true "plikd still running while PostgreSQL is down" e2e_alive pg
pg_start || fail "pg_ctl restart: $(tail -n 5 "$PG_DIR/server.log")"
assert_eq 200 "$(http_code "$U/upload/$UID1" -m 20)" "PostgreSQL back: GET /upload works again"
curl -s -o "$T/big3.out" "$U/file/$UID1/$FID/big.bin"
assert_eq "$BIG_MD5" "$(md5_of "$T/big3.out")" "PostgreSQL back: download works"
url="$(curl -s -F "file=@$T/hello.txt" "$U/")"
assert_eq "hello postgres" "$(curl -s "$url")" "PostgreSQL back: new upload works"

# ---------------------------------------------------------------- export SQLite -> import PostgreSQL
write_cfg lite sqlite3 "$(e2e_dir lite)/plik.db"
e2e_start lite
L="$(e2e_url lite)"
printf 'moved to postgres\n' >"$T/moved.txt"
up="$(create_upload lite '{"comments":"from sqlite","files":[{"fileName":"moved.txt","reference":"0"}]}')"
UID5="$(json_get "d['id']" <<<"$up")"
TOK5="$(json_get "d['uploadToken']" <<<"$up")"
FID5="$(json_get "d['files'][0]['id']" <<<"$up")"
curl -s -o /dev/null -H "X-UploadToken: $TOK5" -F "file=@$T/moved.txt" "$L/file/$UID5/$FID5/moved.txt"
assert_eq "moved to postgres" "$(curl -s "$L/file/$UID5/$FID5/moved.txt")" "SQLite instance serves the file"
e2e_stop lite
out="$(e2e_cli lite export "$T/meta.export")"
assert_eq 0 "$?" "export from SQLite: exit 0 ($out)"
out="$(e2e_cli pg import "$T/meta.export")"
assert_eq 0 "$?" "import into PostgreSQL: exit 0 ($out)"
assert_contains "$out" "imported 1 out of 1 uploads" "import: counts"
assert_eq "from sqlite" "$(sql "SELECT comments FROM uploads WHERE id = '$UID5'")" "imported upload is in PostgreSQL"
assert_eq "moved to postgres" "$(curl -s "$U/file/$UID5/$FID5/moved.txt")" "imported file downloads from the PostgreSQL instance"
resp="$(curl -s -H "X-UploadToken: $TOK5" "$U/upload/$UID5")"
assert_eq "$UID5" "$(json_get "d['id']" <<<"$resp")" "imported upload keeps its id"
assert_eq "$TOK5" "$(json_get "d['uploadToken']" <<<"$resp")" "imported upload keeps its upload token"
out="$(e2e_cli pg import "$T/meta.export")"
assert_ne 0 "$?" "importing the same upload again fails"

e2e_stop pg
assert_eq 0 "$E2E_RC" "plikd exits 0 on SIGTERM"
e2e_finish
