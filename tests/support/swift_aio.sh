#!/usr/bin/env bash
# A throw-away OpenStack Swift 2.30 all-in-one for tests: memcached + account/container/object
# servers + a proxy that also speaks S3 (s3api, real SigV4), all on 127.0.0.1 and free ports, all
# state (configs, rings, one device, logs, pids) under DIR. Nothing is read from /etc/swift: the
# servers are started through a small launcher that points Swift at DIR/swift.conf.
#
#   swift_aio.sh start DIR   # (re)creates DIR's state, starts everything, waits until ready and
#                            # prints SWIFT_URL=, SWIFT_AUTH_URL=, S3_ENDPOINT= (also in DIR/env)
#   swift_aio.sh stop DIR    # kills exactly the processes recorded in DIR/pids
#
# Credentials: tempauth user test:tester, key testing (.admin); S3 access key test:tester,
# secret testing, region us-east-1, path-style.
#
# Opt-in Keystone mode (used by keystone_aio.sh; without these options nothing changes):
#   swift_aio.sh start DIR --keystone KEYSTONE_URL [--keystone-port PORT]
#                          [--keystone-admin USER:PASSWORD:PROJECT]
# also starts a second proxy (DIR/proxy-keystone.conf, log DIR/proxy-keystone.log) on PORT
# (default: a free one) with the pipeline `catch_errors proxy-logging cache authtoken
# keystoneauth copy slo dlo proxy-logging proxy-server` (keystonemiddleware, Debian
# python3-keystonemiddleware): tokens of KEYSTONE_URL (e.g. http://127.0.0.1:5000/v3) are
# validated with the admin credentials (default admin:plik-keystone-admin:admin, domain id
# "default"); role "admin" is the operator role, accounts are AUTH_<project id>. That proxy is
# ready when GET /info answers at all (Keystone need not run yet). One more line is printed
# (and put in DIR/env): SWIFT_KEYSTONE_URL=.
set -euo pipefail

PY=/usr/bin/python3  # another python3 on PATH may lack the swift modules

die() { echo "swift_aio: $*" >&2; exit 1; }

# True when pid $2 is still one of ours: its command line mentions DIR $1 (a recycled pid is
# never hit).
ours() {
  [ -n "$2" ] && tr '\0' ' ' 2>/dev/null <"/proc/$2/cmdline" | grep -qF -- "$1"
}

stop_dir() {
  local dir=$1 pid i alive
  [ -f "$dir/pids" ] || return 0
  while read -r pid; do
    if ours "$dir" "$pid"; then kill "$pid" 2>/dev/null || true; fi
  done <"$dir/pids"
  for i in $(seq 1 50); do
    alive=0
    while read -r pid; do
      if ours "$dir" "$pid"; then alive=1; fi
    done <"$dir/pids"
    [ $alive = 0 ] && break
    sleep 0.1
  done
  while read -r pid; do
    if ours "$dir" "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
  done <"$dir/pids"
  rm -f "$dir/pids"
}

free_ports() {  # prints N distinct free TCP ports on 127.0.0.1
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

common_conf() {  # NAME PORT
  cat <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $2
workers = 0
user = $(id -un)
swift_dir = $DIR
devices = $DIR/devices
mount_check = false
log_name = $1
log_level = INFO
log_address = $DIR/no-syslog
EOF
}

start_dir() {
  DIR=$1
  shift
  local KS_URL="" P_KPROXY="" KS_ADMIN="admin:plik-keystone-admin:admin"
  while [ $# -gt 0 ]; do
    case "$1" in
      --keystone) KS_URL=${2:?--keystone needs a URL}; shift 2 ;;
      --keystone-port) P_KPROXY=${2:?--keystone-port needs a port}; shift 2 ;;
      --keystone-admin) KS_ADMIN=${2:?--keystone-admin needs USER:PASSWORD:PROJECT}; shift 2 ;;
      *) die "unknown option $1" ;;
    esac
  done
  mkdir -p "$DIR"
  DIR=$(cd "$DIR" && pwd)
  stop_dir "$DIR"
  rm -rf "$DIR/devices" "$DIR"/*.conf "$DIR"/*.builder "$DIR"/*.ring.gz "$DIR/backups" \
    "$DIR"/*.log "$DIR/env" "$DIR/launch.py"
  mkdir -p "$DIR/devices/d1" "$DIR/run"
  : >"$DIR/pids"

  if [ -n "$KS_URL" ] && [ -z "$P_KPROXY" ]; then
    read -r P_PROXY P_ACC P_CON P_OBJ P_MC P_KPROXY <<<"$(free_ports 6)"
  else
    read -r P_PROXY P_ACC P_CON P_OBJ P_MC <<<"$(free_ports 5)"
  fi

  cat >"$DIR/swift.conf" <<EOF
[swift-hash]
swift_hash_path_suffix = plik-aio-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
swift_hash_path_prefix = plik-aio

[storage-policy:0]
name = Policy-0
default = yes

[swift-constraints]
EOF

  local kind port
  for kind in account container object; do
    case $kind in account) port=$P_ACC ;; container) port=$P_CON ;; *) port=$P_OBJ ;; esac
    { common_conf "$kind-server" "$port"; cat <<EOF

[pipeline:main]
pipeline = $kind-server

[app:$kind-server]
use = egg:swift#$kind
EOF
    } >"$DIR/$kind-server.conf"
  done

  { common_conf proxy-server "$P_PROXY"; cat <<EOF

[pipeline:main]
pipeline = catch_errors proxy-logging cache s3api tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$P_MC

[filter:s3api]
use = egg:swift#s3api
location = us-east-1

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin
token_life = 86400

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo
EOF
  } >"$DIR/proxy-server.conf"

  if [ -n "$KS_URL" ]; then
    local ks_user ks_password ks_project
    IFS=: read -r ks_user ks_password ks_project <<<"$KS_ADMIN"
    { common_conf proxy-keystone "$P_KPROXY"; cat <<EOF

[pipeline:main]
pipeline = catch_errors proxy-logging cache authtoken keystoneauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$P_MC

[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
www_authenticate_uri = $KS_URL
auth_url = $KS_URL
auth_type = password
username = $ks_user
password = $ks_password
project_name = $ks_project
user_domain_id = default
project_domain_id = default
delay_auth_decision = false
cache = swift.cache
include_service_catalog = false
interface = public

[filter:keystoneauth]
use = egg:swift#keystoneauth
operator_roles = admin
reseller_admin_role = ResellerAdmin

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo
EOF
    } >"$DIR/proxy-keystone.conf"
  fi

  # Launcher: point Swift at DIR/swift.conf (hash suffix, storage policies) before the server
  # script runs; the rings come from swift_dir in each server's config.
  cat >"$DIR/launch.py" <<'EOF'
import runpy, sys
swift_dir, script = sys.argv[1], sys.argv[2]
import swift.common.utils as utils
utils.set_swift_dir(swift_dir)
import swift.common.storage_policy as sp
sp.reload_storage_policies()
sys.argv = [script] + sys.argv[3:]
runpy.run_path(script, run_name="__main__")
EOF

  # The three rings (what `swift-ring-builder X.builder create 6 1 1; add r1z1-127.0.0.1:PORT/d1
  # 100; rebalance` does), built in one python process: the CLI costs ~1.5 s per call.
  (
    cd "$DIR"
    $PY - "$P_ACC" "$P_CON" "$P_OBJ" <<'PYEOF'
import sys
from swift.common.ring import RingBuilder
for name, port in zip(("account", "container", "object"), sys.argv[1:4]):
    b = RingBuilder(6, 1, 1)
    b.add_dev({"id": 0, "region": 1, "zone": 1, "ip": "127.0.0.1", "port": int(port),
               "device": "d1", "weight": 100, "meta": ""})
    b.rebalance()
    b.save(name + ".builder")
    b.get_ring().save(name + ".ring.gz")
PYEOF
  ) || die "building the rings failed"
  local port pid

  setsid memcached -l 127.0.0.1 -p "$P_MC" -U 0 -m 64 -u "$(id -un)" -P "$DIR/run/memcached.pid" \
    </dev/null >"$DIR/memcached.log" 2>&1 &
  echo $! >>"$DIR/pids"

  local name
  for name in account container object proxy; do
    setsid $PY "$DIR/launch.py" "$DIR" "/usr/bin/swift-$name-server" "$DIR/$name-server.conf" -v \
      </dev/null >"$DIR/$name-server.log" 2>&1 &
    echo $! >>"$DIR/pids"
  done
  if [ -n "$KS_URL" ]; then
    setsid $PY "$DIR/launch.py" "$DIR" /usr/bin/swift-proxy-server "$DIR/proxy-keystone.conf" -v \
      </dev/null >"$DIR/proxy-keystone.log" 2>&1 &
    echo $! >>"$DIR/pids"
  fi

  local i code ok=0
  for i in $(seq 1 300); do
    ok=1
    for port in $P_ACC $P_CON $P_OBJ; do
      code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/" || true)
      [ "$code" != 000 ] || { ok=0; break; }
    done
    if [ $ok = 1 ]; then
      code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
        -H 'X-Auth-User: test:tester' -H 'X-Auth-Key: testing' \
        "http://127.0.0.1:$P_PROXY/auth/v1.0" || true)
      [ "$code" = 200 ] || ok=0
    fi
    if [ $ok = 1 ] && [ -n "$KS_URL" ]; then  # answers at all (authtoken: 401 without a token)
      code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$P_KPROXY/info" \
        || true)
      [ "$code" != 000 ] || ok=0
    fi
    [ $ok = 1 ] && break
    # give up early when a server died
    while read -r pid; do
      kill -0 "$pid" 2>/dev/null || {
        tail -n 30 "$DIR"/*.log >&2 || true
        stop_dir "$DIR"
        die "a server exited during start-up (logs in $DIR)"
      }
    done <"$DIR/pids"
    sleep 0.1
  done
  if [ $ok != 1 ]; then
    tail -n 30 "$DIR"/*.log >&2 || true
    stop_dir "$DIR"
    die "Swift did not become ready within 30 s (logs in $DIR)"
  fi

  cat >"$DIR/env" <<EOF
SWIFT_URL=http://127.0.0.1:$P_PROXY
SWIFT_AUTH_URL=http://127.0.0.1:$P_PROXY/auth/v1.0
S3_ENDPOINT=127.0.0.1:$P_PROXY
EOF
  if [ -n "$KS_URL" ]; then echo "SWIFT_KEYSTONE_URL=http://127.0.0.1:$P_KPROXY" >>"$DIR/env"; fi
  cat "$DIR/env"
}

case "${1:-}" in
  start) [ -n "${2:-}" ] || die "usage: $0 start DIR"; shift; start_dir "$@" ;;
  stop) [ -n "${2:-}" ] || die "usage: $0 stop DIR"; stop_dir "$(cd "$2" 2>/dev/null && pwd || echo "$2")" ;;
  *) die "usage: $0 start|stop DIR" ;;
esac
