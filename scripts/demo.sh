#!/usr/bin/env bash
# The local demo: installs what is missing, builds the viewer and the `waxseal` command, then runs
# the key-release server (embedded SQLite, passcode mails written to a folder) with the viewer on
# http://127.0.0.1:8080/ and a sealed sample message to open in a browser. Ctrl-C stops it.
# Arguments go to `waxseal demo` (e.g. --port 9090, --dir some/folder).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh demo
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
echo "demo: building the viewer (trunk build --release)"
trunk build --release --cargo-profile wasm-release >/dev/null 2>.tools/logs/trunk-demo.log || {
  tail -n 30 .tools/logs/trunk-demo.log >&2
  exit 1
}
echo "demo: building waxseal (cargo build --release)"
cargo build --release --quiet -p waxseal-cli
exec target/release/waxseal demo --viewer-dir dist "$@"
