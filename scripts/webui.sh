#!/usr/bin/env bash
# Web UI (webui/: Vue 3 + Vite single-page app served by plikd from WebappDirectory).
#   scripts/webui.sh setup          chromium from apt if missing (for the browser tests) + npm ci
#   scripts/webui.sh build          vite build into webui/dist, prints the first-page gzipped size
#   scripts/webui.sh test [PLIKD]   vitest component tests + browser tests (playwright-core driving
#                                   /usr/bin/chromium) against a real plikd (default build/plikd)
# Idempotent: npm ci only when package-lock.json changed, build only when sources changed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
WEBUI="$ROOT/webui"

apt_install() {
  local SUDO=""
  [[ "$(id -u)" -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@"
}

need_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    apt_install nodejs
  fi
  if ! command -v npm >/dev/null; then apt_install npm; fi
  if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
    echo "webui: node >= 20.19 is required (found $(node -v))" >&2
    exit 1
  fi
}

deps() {
  need_node
  if [[ ! -f "$WEBUI/node_modules/.package-lock.json" || "$WEBUI/package-lock.json" -nt "$WEBUI/node_modules/.package-lock.json" ]]; then
    (cd "$WEBUI" && npm ci --no-audit --no-fund)
  fi
}

chromium_pkg() {
  if [[ ! -x /usr/bin/chromium ]]; then apt_install chromium; fi
}

build() {
  deps
  local stamp="$WEBUI/dist/index.html"
  if [[ -f "$stamp" && -z "$(find "$WEBUI/src" "$WEBUI/index.html" "$WEBUI/vite.config.js" \
        "$WEBUI/package-lock.json" "$WEBUI/public" "$WEBUI/scripts" -newer "$stamp" 2>/dev/null | head -n 1)" ]]; then
    (cd "$WEBUI" && node scripts/bundle-size.mjs | tail -n 1)
    return 0
  fi
  (cd "$WEBUI" && npm run --silent build)
}

case "${1:-}" in
  setup)
    chromium_pkg
    deps
    ;;
  build)
    build
    ;;
  test)
    PLIKD_BIN="${2:-${PLIKD:-$ROOT/build/plikd}}"
    if [[ ! -x "$PLIKD_BIN" ]]; then
      echo "webui: plikd binary not found at $PLIKD_BIN (build it first or pass its path)" >&2
      exit 1
    fi
    chromium_pkg
    build
    (cd "$WEBUI" && npx vitest run)
    # Absolute path, resolved here (from the repository root) before changing directory.
    PLIKD_ABS="$(cd "$(dirname "$PLIKD_BIN")" && pwd)/$(basename "$PLIKD_BIN")"
    (cd "$WEBUI" && PLIKD="$PLIKD_ABS" node --test --test-concurrency=1 tests/browser/)
    ;;
  *)
    echo "usage: $0 setup|build|test [PATH_TO_PLIKD]" >&2
    exit 2
    ;;
esac
