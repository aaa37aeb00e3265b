#!/usr/bin/env bash
# Runs the project's benchmarks and prints their figures, each next to a baseline measured in the
# same run: the envelope's seal/open throughput against raw aes-gcm, and the key-release server's
# releases/s and latency (1 and 2 instances, SQLite and PostgreSQL) against the raw HPKE seal rate.
# Installs wrk and PostgreSQL (Debian) when missing and starts a throwaway PostgreSQL cluster.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"
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
