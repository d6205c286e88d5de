#!/usr/bin/env bash
# Runs every test: unit, in-process HTTP and end-to-end tests on a normal build, the web UI
# (Vitest + chromium browser tests against plikd), then the
# unit and HTTP tests again under ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh build
(cd build && ctest --output-on-failure -j2 --timeout 600)
./scripts/webui.sh test build/plikd
./scripts/build.sh build-asan -DPLIK_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j2 -L 'unit|http' --timeout 900)
