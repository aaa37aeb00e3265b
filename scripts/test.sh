#!/usr/bin/env bash
# The one command that runs every test of the project (CI runs it through .ci/run):
# installs what is missing (scripts/setup.sh), then runs the native tests, the browser
# (wasm-bindgen-test) tests, the release build of the viewer and the end-to-end tests.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
export CHROMEDRIVER=/usr/bin/chromedriver
export WAXSEAL_PYTHON="$PWD/.tools/venv/bin/python"

summary=()
current=""
started=0

begin() {
  current=$1
  started=$SECONDS
  printf '\n==> %s\n' "$current"
}
done_step() {
  summary+=("$(printf '  ok    %-72s %4ss' "$current" $((SECONDS - started)))")
  current=""
}
report() {
  local status=$?
  bash scripts/postgres.sh stop .tools/pg >/dev/null 2>&1 || true
  printf '\n==> summary\n'
  local line
  for line in "${summary[@]}"; do printf '%s\n' "$line"; done
  if [ -n "$current" ]; then
    printf '  FAIL  %-72s %4ss\n' "$current" $((SECONDS - started))
    # A step that did not finish failed, whatever ended it.
    [ "$status" -ne 0 ] || status=1
  fi
  if [ "$status" -eq 0 ]; then printf 'all tests passed\n'; else printf 'FAILED (exit %s)\n' "$status"; fi
}
trap report EXIT
# Stopped from outside (CI's time limit, Ctrl-C): the run failed, and says where.
trap 'exit 143' TERM
trap 'exit 130' INT

begin "lint: cargo fmt --check, cargo clippy -D warnings"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p waxseal-viewer --target wasm32-unknown-unknown --tests -- -D warnings
done_step

begin "native: cargo test --workspace"
cargo test --workspace
done_step

# The key-release server's tests again, on PostgreSQL (a throwaway cluster on a spare port).
begin "native on PostgreSQL: cargo test -p waxseal-server"
pg_port=${WAXSEAL_TEST_PG_PORT:-55439}
WAXSEAL_TEST_POSTGRES=$(bash scripts/postgres.sh start .tools/pg "$pg_port")
export WAXSEAL_TEST_POSTGRES
cargo test -p waxseal-server
bash scripts/postgres.sh stop .tools/pg
unset WAXSEAL_TEST_POSTGRES
done_step

# wasm-bindgen-test in headless Chromium, one crate at a time (--workspace does not build for wasm).
# The runner's own limits are 5 s for chromedriver to listen and 20 s for a test binary's page,
# each WebDriver request included; on a busy two-core machine a cold start can take longer, and
# the runner then fails without a test having failed. These are upper bounds, not waits.
export WASM_BINDGEN_TEST_DRIVER_TIMEOUT=${WASM_BINDGEN_TEST_DRIVER_TIMEOUT:-60}
export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-180}
# A log keeps only its end, where a failing runner prints its backtrace: on failure the lines
# that say what went wrong are printed again, last.
wasm_tests() {
  local log
  log=$(mktemp)
  if cargo test --target wasm32-unknown-unknown -p "$1" 2>&1 | tee "$log"; then
    rm -f "$log"
    return 0
  fi
  printf '\n==> what failed in the browser tests of %s:\n' "$1"
  grep -a -E '^(Error|error)|panicked|FAILED|failed|timed out|[Tt]imeout|^test .* \.\.\. FAILED|Running tests/' "$log" | tail -n 40
  rm -f "$log"
  return 1
}

begin "browser: cargo test --target wasm32-unknown-unknown -p waxseal-envelope"
wasm_tests waxseal-envelope
done_step

begin "browser: cargo test --target wasm32-unknown-unknown -p waxseal-viewer"
wasm_tests waxseal-viewer
done_step

# A bounded run of each fuzz target from the committed seeds (a longer campaign: see
# docs/fuzzing.md). A crash fails the run and leaves the input in crates/<crate>/fuzz/artifacts.
for target in envelope:envelope:60 envelope:header:30 envelope:reply:30 gateway:mail:30; do
  crate=${target%%:*} rest=${target#*:}
  name=${rest%%:*} seconds=${rest#*:}
  begin "fuzz: cargo +nightly fuzz run $name (${seconds}s, crates/$crate)"
  mkdir -p "crates/$crate/fuzz/corpus/$name"
  cp -n crates/"$crate"/fuzz/seeds/"$name"/* "crates/$crate/fuzz/corpus/$name/"
  (cd "crates/$crate/fuzz" && cargo +nightly fuzz run "$name" "corpus/$name" -- \
    -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 2>&1 | tail -n 12)
  done_step
done

begin "release build: trunk build --release --cargo-profile wasm-release"
trunk build --release --cargo-profile wasm-release
done_step

# The journey test runs the real CLI and server next to the viewer's release build.
cargo build -p waxseal-cli -p waxseal-server

# An engine's tests end within minutes (under 4 on a cold machine). A browser or a test that
# hangs would hold the run until CI's own limit, with nothing saying where: each engine's step is
# stopped after this many seconds (an upper bound, not a wait), its processes with it.
E2E_LIMIT=${WAXSEAL_E2E_LIMIT:-1200}
within_limit() {
  local status=0
  timeout --kill-after=30 "$E2E_LIMIT" "$@" || status=$?
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    printf '\n==> stopped after %s s (WAXSEAL_E2E_LIMIT): a test or a browser hung; the last test the runner started is above\n' "$E2E_LIMIT"
  fi
  return "$status"
}

begin "e2e in Chromium: node --test tests/e2e/*.spec.mjs"
WAXSEAL_BROWSER=chromium within_limit node --test tests/e2e/*.spec.mjs
done_step

# The recipient's tests, written once over tests/e2e/support/browsers.mjs, in the two other
# engines (the other specs are written with Playwright for Chromium: docs/browsers.md says why).
ENGINE_SPECS=(tests/e2e/viewer.spec.mjs tests/e2e/account.spec.mjs tests/e2e/sign-in.spec.mjs
  tests/e2e/usage.spec.mjs tests/e2e/smoke.spec.mjs tests/e2e/languages.spec.mjs)

begin "e2e in Firefox ESR: ${ENGINE_SPECS[*]}"
WAXSEAL_BROWSER=firefox within_limit node --test "${ENGINE_SPECS[@]}"
done_step

begin "e2e in WebKitGTK (under Xvfb): ${ENGINE_SPECS[*]}"
WAXSEAL_BROWSER=webkit within_limit xvfb-run -a -s '-screen 0 1920x1200x24' node --test "${ENGINE_SPECS[@]}"
done_step
