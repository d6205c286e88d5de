#!/usr/bin/env bash
# Installs every Debian 12 package plik needs to build, test and benchmark (idempotent).
# Test servers: PostgreSQL 15, an OpenStack Swift all-in-one (also S3 through s3api), Keystone v3,
# nginx with Lua (nginx-extras); the tests start their own instances on loopback.
set -euo pipefail
PKGS=(build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  nlohmann-json3-dev libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev
  libsqlite3-dev libqrencode-dev libpng-dev libssl-dev zlib1g-dev libcrypt-dev
  libcurl4-openssl-dev libgtest-dev libgmock-dev
  curl python3 unzip libarchive-tools socat openssl wrk
  libpq-dev postgresql-15
  nginx-extras
  swift swift-proxy swift-object swift-container swift-account memcached python3-swiftclient
  python3-keystone python3-keystonemiddleware
  zip gnupg age bzip2 xz-utils util-linux bsdutils)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Web UI toolchain: chromium for the browser tests, npm packages of webui/.
"$(dirname "$0")/webui.sh" setup
