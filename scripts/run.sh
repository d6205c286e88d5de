#!/usr/bin/env bash
# Sets up, builds and starts plikd on http://127.0.0.1:8080 with the embedded defaults:
# files in ./data/files and the SQLite database ./data/plik.db, created on first start.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh build
./scripts/webui.sh build
export PLIKD_WEBAPP_DIRECTORY="${PLIKD_WEBAPP_DIRECTORY:-$PWD/webui/dist}"
mkdir -p data
cd data
exec ../build/plikd "$@"
