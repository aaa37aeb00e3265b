#!/usr/bin/env bash
# Installs whatever is missing to build and test waxseal on a Debian machine (run as root, or
# with sudo available). Idempotent: a second run changes nothing and takes a few seconds.
#
# Everything comes from crates.io, the npm registry, PyPI or Debian's archive; nothing is
# downloaded from anywhere else (no prebuilt binaries, no `playwright install`).
# Needs: rustup + cargo, Node.js >= 20 with npm, python3.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130 # must equal the wasm-bindgen version in Cargo.lock
LOGS=.tools/logs
mkdir -p "$LOGS"

step() { printf 'setup: %-22s %s\n' "$1" "$2"; }
fail() {
  step "$1" "FAILED (log: $2)"
  tail -n 40 "$2" >&2 || true
  exit 1
}
need() { command -v "$1" >/dev/null 2>&1 || { step "$1" "MISSING: $2"; exit 1; }; }

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi

# `setup.sh demo` installs only what the demo needs (no browser, fuzzer or Python test tools).
MODE=${1:-all}
case "$MODE" in all | demo) ;; *) echo "usage: scripts/setup.sh [all|demo]" >&2; exit 2 ;; esac
testing() { [ "$MODE" = all ]; }

need cargo "install Rust with rustup first"
need rustup "install Rust with rustup first"
need node "install Node.js >= 20 (with npm) first"
need npm "install npm first"
testing && need python3 "apt-get install python3 python3-venv"
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  step node "Node.js $(node --version) is too old: playwright-core needs >= 20"
  exit 1
fi

# 1. Rust target for the viewer.
if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "wasm32 target" "ok"
else
  rustup target add wasm32-unknown-unknown >"$LOGS/rustup.log" 2>&1 || fail "wasm32 target" "$LOGS/rustup.log"
  step "wasm32 target" "installed"
fi

# 2. Debian packages: OpenSSL's headers (the key server's passkey checks link OpenSSL), and for
# the tests Chromium + its WebDriver, venv support for python3, PostgreSQL, wrk, Postfix.
apt_packages=()
{ command -v pkg-config >/dev/null 2>&1 && pkg-config --exists openssl; } || apt_packages+=(libssl-dev pkg-config)
if testing; then
  [ -x /usr/bin/chromium ] || apt_packages+=(chromium)
  [ -x /usr/bin/chromedriver ] || apt_packages+=(chromium-driver)
  # Firefox ESR and WebKitGTK (WebKitWebDriver and MiniBrowser) for the end-to-end tests in
  # every engine; WebKit runs under Xvfb; localedef's sources give WebKit its languages.
  [ -x /usr/bin/firefox-esr ] || apt_packages+=(firefox-esr)
  [ -x /usr/bin/WebKitWebDriver ] || apt_packages+=(webkit2gtk-driver)
  [ -x /usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser ] || apt_packages+=(libwebkit2gtk-4.1-0)
  command -v xvfb-run >/dev/null 2>&1 || apt_packages+=(xvfb xauth)
  [ -f /usr/share/i18n/locales/da_DK ] || apt_packages+=(locales)
  command -v openssl >/dev/null 2>&1 || apt_packages+=(openssl)
  python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || [ -x .tools/venv/bin/python ] || apt_packages+=(python3-venv)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_packages+=(postgresql)
  command -v wrk >/dev/null 2>&1 || apt_packages+=(wrk)
  # Postfix for the gateway's tests, which run private instances; installed unconfigured, so
  # the package sets up no system mail service.
  [ -x /usr/sbin/postfix ] || apt_packages+=(postfix)
  # Prometheus for the metrics test, which runs a private instance on a loopback port.
  [ -x /usr/bin/prometheus ] || apt_packages+=(prometheus)
fi
if [ ${#apt_packages[@]} -eq 0 ]; then
  step "apt packages" "ok"
else
  {
    echo "postfix postfix/main_mailer_type select No configuration" | "${SUDO[@]}" debconf-set-selections &&
      "${SUDO[@]}" apt-get update &&
      DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y --no-install-recommends "${apt_packages[@]}"
  } >"$LOGS/apt.log" 2>&1 || fail "apt packages" "$LOGS/apt.log"
  step "apt packages" "installed ${apt_packages[*]}"
fi

# 3. trunk, wasm-bindgen-cli and cargo-fuzz (debug builds: ~4x faster to compile, fast enough to run),
#    in parallel when several are missing.
has_version() { "$1" --version 2>/dev/null | grep -qw "$2"; }
pids=()
if has_version trunk "$TRUNK_VERSION"; then
  step trunk "ok ($TRUNK_VERSION)"
else
  cargo install --debug --locked --force "trunk@$TRUNK_VERSION" >"$LOGS/trunk.log" 2>&1 &
  pids+=("$!:trunk")
fi
if has_version wasm-bindgen "$WASM_BINDGEN_VERSION"; then
  step wasm-bindgen-cli "ok ($WASM_BINDGEN_VERSION)"
else
  # Not --locked: its lockfile pins a crate version that crates.io no longer serves.
  cargo install --debug --force "wasm-bindgen-cli@$WASM_BINDGEN_VERSION" >"$LOGS/wasm-bindgen-cli.log" 2>&1 &
  pids+=("$!:wasm-bindgen-cli")
fi
# cargo-fuzz, for the fuzz targets in crates/envelope/fuzz (run with the nightly toolchain).
if ! testing || cargo fuzz --version >/dev/null 2>&1; then
  testing && step cargo-fuzz "ok"
else
  cargo install --debug cargo-fuzz >"$LOGS/cargo-fuzz.log" 2>&1 &
  pids+=("$!:cargo-fuzz")
fi
for entry in "${pids[@]}"; do
  pid=${entry%%:*} name=${entry#*:}
  wait "$pid" || fail "$name" "$LOGS/$name.log"
  step "$name" "installed"
done

# 4. npm packages: playwright-core and puppeteer-core (drive Chromium and Firefox),
#    selenium-webdriver (drives WebKitWebDriver), axe-core, binaryen (wasm-opt 132).
if [ -f node_modules/.package-lock.json ] &&
  [ ! package-lock.json -nt node_modules/.package-lock.json ] &&
  [ ! package.json -nt node_modules/.package-lock.json ]; then
  step "npm packages" "ok"
else
  npm ci --no-audit --no-fund >"$LOGS/npm.log" 2>&1 || fail "npm packages" "$LOGS/npm.log"
  step "npm packages" "installed (npm ci)"
fi

# 5. Python venv for the tests: pyhpke (HPKE interop) and aiosmtpd (a real SMTP server).
if ! testing; then
  :
elif .tools/venv/bin/python -c 'import pyhpke, aiosmtpd' >/dev/null 2>&1 &&
  [ ! scripts/requirements-test.txt -nt .tools/venv/.requirements-installed ]; then
  step "python venv" "ok (.tools/venv)"
else
  {
    [ -x .tools/venv/bin/python ] || python3 -m venv .tools/venv
    .tools/venv/bin/python -m pip install --quiet -r scripts/requirements-test.txt &&
      touch .tools/venv/.requirements-installed
  } >"$LOGS/venv.log" 2>&1 || fail "python venv" "$LOGS/venv.log"
  step "python venv" "installed pyhpke and aiosmtpd into .tools/venv"
fi

# 6. The nightly toolchain, which cargo-fuzz needs for its sanitizers.
if ! testing; then
  :
elif rustup toolchain list | grep -q '^nightly'; then
  step "nightly toolchain" "ok"
else
  rustup toolchain install nightly --profile minimal >"$LOGS/nightly.log" 2>&1 || fail "nightly toolchain" "$LOGS/nightly.log"
  step "nightly toolchain" "installed"
fi
