#!/usr/bin/env bash
# Runs the project's benchmarks and prints their figures, each next to a baseline measured in the
# same run: the envelope's seal/open throughput against raw aes-gcm, and the key-release server's
# releases/s and latency against the raw HPKE seal rate. Installs wrk (Debian) when missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
  echo "bench: installing wrk from Debian"
  "${SUDO[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq wrk >/dev/null
fi
cargo bench -p waxseal-envelope --bench throughput
cargo bench -p waxseal-server --bench release_load
