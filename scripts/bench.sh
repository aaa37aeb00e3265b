#!/usr/bin/env bash
# Runs the project's benchmarks and prints their figures, each next to a baseline measured in the
# same run: the envelope's seal/open throughput against raw aes-gcm, the key-release server's
# releases/s and latency (1 and 2 instances, SQLite and PostgreSQL) against the raw HPKE seal rate,
# the mail gateway through Postfix against Postfix alone (crates/cli/benches/gateway.rs), and the
# viewer in headless Chromium (tests/bench/viewer.bench.mjs: decryption against raw WebCrypto and
# openpgp.js, passcode → rendered message, gzip size, peak memory).
#
#   scripts/bench.sh                       everything
#   scripts/bench.sh viewer [SECTION…]     the viewer's only (sections: size decrypt journey passkey
#                   [--runs N]             reply slow4g memory engines; all by default; --runs:
#                                          journey and passkey runs, ≥ 15; engines: Chromium,
#                                          Firefox and WebKit side by side)
#   scripts/bench.sh gateway [--quick]     the mail gateway's only: messages/s and latency through
#                                          Postfix with the gateway sealing, against Postfix alone
#
# Installs wrk and PostgreSQL (Debian) when missing and starts a throwaway PostgreSQL cluster.
# Builds what the viewer's benchmarks measure (the CLI and server, the release viewer); Chromium,
# the npm packages and the Python venv come from scripts/setup.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true

viewer_bench() {
  if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/openpgp ]; then
    echo "bench: npm packages missing: run scripts/setup.sh (or npm ci)" >&2
    exit 1
  fi
  cargo build -p waxseal-cli -p waxseal-server
  trunk build --release --cargo-profile wasm-release
  node tests/bench/viewer.bench.mjs "$@"
}

gateway_bench() {
  if ! command -v postfix >/dev/null 2>&1 && [ ! -x /usr/sbin/postfix ]; then
    echo "bench: Postfix missing: run scripts/setup.sh" >&2
    exit 1
  fi
  cargo bench -p waxseal-cli --bench gateway -- "$@"
}

if [ "${1:-}" = viewer ]; then
  shift
  viewer_bench "$@"
  exit
elif [ "${1:-}" = gateway ]; then
  shift
  gateway_bench "$@"
  exit
elif [ $# -gt 0 ]; then
  echo "usage: scripts/bench.sh [viewer [size|decrypt|journey|passkey|reply|slow4g|memory|engines]… [--runs N] | gateway [--quick]]" >&2
  exit 2
fi

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench: installing ${missing[*]} from Debian"
  "${SUDO[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
cargo bench -p waxseal-envelope --bench throughput
cargo build --release -p waxseal-server
trap 'bash scripts/postgres.sh stop .tools/pg-bench' EXIT
WAXSEAL_BENCH_POSTGRES=$(bash scripts/postgres.sh start .tools/pg-bench "${WAXSEAL_BENCH_PG_PORT:-55440}")
export WAXSEAL_BENCH_POSTGRES
cargo bench -p waxseal-server --bench release_load
gateway_bench
viewer_bench
