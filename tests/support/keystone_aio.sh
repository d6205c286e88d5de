#!/usr/bin/env bash
# A throw-away OpenStack Keystone v3 (Debian python3-keystone 22, sqlite, fernet tokens) in front
# of a throw-away Swift all-in-one whose extra proxy accepts Keystone tokens (keystonemiddleware
# authtoken + Swift's keystoneauth), all on 127.0.0.1 and free ports, all state under DIR
# (Keystone in DIR, Swift in DIR/swift). Nothing is read from /etc/keystone or /etc/swift.
#
#   keystone_aio.sh start DIR [--watch PID]
#       (re)creates DIR's state, starts everything, waits until a Keystone token is accepted by
#       the Swift proxy and prints (also in DIR/env):
#         KEYSTONE_URL=http://127.0.0.1:PORT/v3
#         SWIFT_KEYSTONE_URL=http://127.0.0.1:PORT          (the Keystone-authenticated proxy)
#         SWIFT_KEYSTONE_STORAGE_URL=http://127.0.0.1:PORT/v1/AUTH_<project id>
#         KEYSTONE_USER=admin KEYSTONE_PASSWORD=... KEYSTONE_PROJECT=admin KEYSTONE_DOMAIN=Default
#       --watch PID: a detached watcher stops everything when process PID ends (a crashed test
#       leaves nothing behind).
#   keystone_aio.sh stop DIR   # kills exactly the processes recorded in DIR/pids and stops Swift
#
# Keystone: one python3 process (DIR/keystone_server.py) does what `keystone-manage db_sync,
# fernet_setup, credential_setup, bootstrap` do, in-process (each keystone-manage call costs
# ~4 s of imports), adds the object-store service with a public endpoint
# http://127.0.0.1:SWIFTPORT/v1/AUTH_%(project_id)s in region RegionOne, then serves
# keystone.server's public application with a threading wsgiref server.
# Admin: user "admin" / password "plik-keystone-admin", project "admin", role "admin" (Swift's
# operator role), domain "Default" (id "default").
set -euo pipefail

PY=/usr/bin/python3  # another python3 on PATH may lack the keystone / swift modules
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ADMIN_USER=admin
ADMIN_PASSWORD=plik-keystone-admin
ADMIN_PROJECT=admin

die() { echo "keystone_aio: $*" >&2; exit 1; }

ours() {  # pid $2's command line mentions DIR $1
  [ -n "$2" ] && tr '\0' ' ' 2>/dev/null <"/proc/$2/cmdline" | grep -qF -- "$1"
}

stop_dir() {
  local dir=$1 pid i alive
  if [ -f "$dir/pids" ]; then
    # ($$ is skipped: the watcher execs `stop DIR` and must not kill itself)
    while read -r pid; do
      if [ "$pid" != $$ ] && ours "$dir" "$pid"; then kill "$pid" 2>/dev/null || true; fi
    done <"$dir/pids"
    for i in $(seq 1 50); do
      alive=0
      while read -r pid; do
        if [ "$pid" != $$ ] && ours "$dir" "$pid"; then alive=1; fi
      done <"$dir/pids"
      [ $alive = 0 ] && break
      sleep 0.1
    done
    while read -r pid; do
      if [ "$pid" != $$ ] && ours "$dir" "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
    done <"$dir/pids"
    rm -f "$dir/pids"
  fi
  if [ -d "$dir/swift" ]; then "$HERE/swift_aio.sh" stop "$dir/swift" || true; fi
}

free_ports() {
  $PY - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

write_server() {  # DIR/keystone_server.py
  cat >"$DIR/keystone_server.py" <<'PYEOF'
# keystone_aio.sh's Keystone: set up the sqlite database, key repositories, admin and catalog,
# then serve the public WSGI application. argv: DIR PORT SWIFT_PUBLIC_URL ADMIN_PASSWORD
import os, sys

state_dir, port, swift_url, admin_password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
sys.argv = [sys.argv[0]]  # oslo.config parses sys.argv

import keystone.conf
import keystone.server
from keystone.common import fernet_utils
from keystone.common.sql import upgrades

CONF = keystone.conf.CONF
keystone.server.configure(config_files=[os.path.join(state_dir, "keystone.conf")])

upgrades.offline_sync_database_to_version()  # keystone-manage db_sync
for group, max_keys in (("fernet_tokens", CONF.fernet_tokens.max_active_keys),
                        ("credential", 3)):  # fernet_setup (tokens + receipts), credential_setup
    futils = fernet_utils.FernetUtils(getattr(CONF, group).key_repository, max_keys, group)
    futils.create_key_directory(None, None)
    if futils.validate_key_repository(requires_write=True):
        futils.initialize_key_repository(None, None)

from keystone.cmd import bootstrap  # loads the backends (once per process)
from keystone.common import provider_api

b = bootstrap.Bootstrapper()  # keystone-manage bootstrap
b.admin_username = "admin"
b.admin_password = admin_password
b.project_name = "admin"
b.admin_role_name = "admin"
b.service_name = "keystone"
b.public_url = "http://127.0.0.1:%d/v3" % port
b.region_id = "RegionOne"
b.immutable_roles = True
b.bootstrap()

catalog = provider_api.ProviderAPIs.catalog_api
import uuid
service_id, endpoint_id = uuid.uuid4().hex, uuid.uuid4().hex
catalog.create_service(service_id, {"id": service_id, "name": "swift", "type": "object-store",
                                    "enabled": True})
catalog.create_endpoint(endpoint_id, {
    "id": endpoint_id, "interface": "public", "service_id": service_id, "enabled": True,
    "region_id": "RegionOne", "url": swift_url + "/v1/AUTH_%(project_id)s"})

from keystone.server.flask import core as flask_core
from keystone.server.flask import application

app = flask_core.setup_app_middleware(application.application_factory("public"))

import socketserver
import wsgiref.simple_server as wss


class Server(socketserver.ThreadingMixIn, wss.WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


server = wss.make_server("127.0.0.1", port, app, server_class=Server)
print("keystone ready on 127.0.0.1:%d" % port, flush=True)
server.serve_forever()
PYEOF
}

start_dir() {
  DIR=$1
  local watch=${2:-}
  mkdir -p "$DIR"
  DIR=$(cd "$DIR" && pwd)
  stop_dir "$DIR"
  rm -rf "$DIR/keystone.db" "$DIR/fernet-keys" "$DIR/credential-keys" "$DIR/keystone.conf" \
    "$DIR"/*.log "$DIR/env" "$DIR/keystone_server.py"
  : >"$DIR/pids"

  local P_KS P_SWIFT
  read -r P_KS P_SWIFT <<<"$(free_ports 2)"
  local KS_URL="http://127.0.0.1:$P_KS/v3"

  if [ -n "$watch" ]; then  # stops everything once process $watch is gone
    setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; exec "$2" stop "$3"' \
      keystone-aio-watch "$watch" "$HERE/keystone_aio.sh" "$DIR" </dev/null >/dev/null 2>&1 &
    echo $! >>"$DIR/pids"
  fi

  cat >"$DIR/keystone.conf" <<EOF
[DEFAULT]
log_file = $DIR/keystone.log
use_stderr = false
[database]
connection = sqlite:///$DIR/keystone.db
[token]
provider = fernet
[fernet_tokens]
key_repository = $DIR/fernet-keys
[fernet_receipts]
key_repository = $DIR/fernet-keys
[credential]
key_repository = $DIR/credential-keys
[identity]
# the cheapest bcrypt: every password check pays it
password_hash_rounds = 4
[oslo_policy]
policy_file = $DIR/no-policy.yaml
EOF
  write_server

  # Keystone (imports + db setup take a few seconds) and Swift start in parallel.
  setsid $PY "$DIR/keystone_server.py" "$DIR" "$P_KS" "http://127.0.0.1:$P_SWIFT" \
    "$ADMIN_PASSWORD" </dev/null >"$DIR/keystone-server.log" 2>&1 &
  local ks_pid=$!
  echo $ks_pid >>"$DIR/pids"

  if ! "$HERE/swift_aio.sh" start "$DIR/swift" --keystone "$KS_URL" --keystone-port "$P_SWIFT" \
    --keystone-admin "$ADMIN_USER:$ADMIN_PASSWORD:$ADMIN_PROJECT" >"$DIR/swift-start.log" 2>&1; then
    cat "$DIR/swift-start.log" >&2
    stop_dir "$DIR"
    die "Swift did not start (logs in $DIR/swift)"
  fi

  # Ready when a token of the admin project is accepted by the Keystone proxy (HEAD account).
  local body i code token project ok=0
  body='{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"'$ADMIN_USER'",
    "domain":{"id":"default"},"password":"'$ADMIN_PASSWORD'"}}},"scope":{"project":{"name":
    "'$ADMIN_PROJECT'","domain":{"id":"default"}}}}}'
  local deadline=$((SECONDS + 60))
  while [ $SECONDS -lt $deadline ]; do
    kill -0 "$ks_pid" 2>/dev/null || {
      tail -n 30 "$DIR/keystone-server.log" "$DIR/keystone.log" >&2 || true
      stop_dir "$DIR"
      die "keystone exited during start-up (logs in $DIR)"
    }
    token=$(curl -s -D - -o "$DIR/token.json" --max-time 5 -H 'Content-Type: application/json' \
      -d "$body" "$KS_URL/auth/tokens" 2>/dev/null | tr -d '\r' |
      sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: //p' || true)
    if [ -n "$token" ]; then
      project=$($PY -c 'import json, sys
print(json.load(open(sys.argv[1]))["token"]["project"]["id"])' "$DIR/token.json")
      code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -I -H "X-Auth-Token: $token" \
        "http://127.0.0.1:$P_SWIFT/v1/AUTH_$project" || true)
      if [ "$code" = 204 ] || [ "$code" = 200 ]; then ok=1; break; fi
    fi
    sleep 0.2
  done
  rm -f "$DIR/token.json"
  if [ $ok != 1 ]; then
    tail -n 30 "$DIR/keystone-server.log" "$DIR/keystone.log" "$DIR/swift/proxy-keystone.log" \
      >&2 || true
    stop_dir "$DIR"
    die "Keystone + Swift did not become ready within 60 s (logs in $DIR)"
  fi

  cat >"$DIR/env" <<EOF
KEYSTONE_URL=$KS_URL
SWIFT_KEYSTONE_URL=http://127.0.0.1:$P_SWIFT
SWIFT_KEYSTONE_STORAGE_URL=http://127.0.0.1:$P_SWIFT/v1/AUTH_$project
KEYSTONE_USER=$ADMIN_USER
KEYSTONE_PASSWORD=$ADMIN_PASSWORD
KEYSTONE_PROJECT=$ADMIN_PROJECT
KEYSTONE_DOMAIN=Default
EOF
  cat "$DIR/env"
}

case "${1:-}" in
  start)
    [ -n "${2:-}" ] || die "usage: $0 start DIR [--watch PID]"
    if [ "${3:-}" = --watch ]; then
      [ -n "${4:-}" ] || die "--watch needs a pid"
      start_dir "$2" "$4"
    else
      start_dir "$2"
    fi
    ;;
  stop) [ -n "${2:-}" ] || die "usage: $0 stop DIR"; stop_dir "$(cd "$2" 2>/dev/null && pwd || echo "$2")" ;;
  *) die "usage: $0 start DIR [--watch PID] | stop DIR" ;;
esac
