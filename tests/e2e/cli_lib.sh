# Helpers for the plik CLI end-to-end tests (sourced by tests/e2e/test_cli_*.sh after lib.sh).
# PLIK is the client binary: $PLIK_BUILD_DIR/plik, else next to plikd.
PLIK="${PLIK:-${PLIK_BUILD_DIR:-$(dirname "$PLIKD")}/plik}"
[[ -x "$PLIK" ]] || { echo "plik client not found at $PLIK" >&2; echo "0 passed, 1 failed"; exit 2; }
export HOME="$E2E_TMP/home"   # no ~/.plikrc of the machine's user
mkdir -p "$HOME"
unset PLIKRC

# run_plik ARGS... : runs the client without a controlling terminal (setsid), stdin from
# /dev/null unless redirected by the caller. Sets OUT, ERR and RC.
run_plik() {
  OUT="$(setsid "$PLIK" "$@" 2>"$E2E_TMP/stderr")"
  RC=$?
  ERR="$(cat "$E2E_TMP/stderr")"
}

# cmd_lines OUTPUT : the printed download commands (lines starting with curl).
cmd_lines() { grep -E '^(curl|wget) ' <<<"$1"; }
