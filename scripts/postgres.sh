#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: `postgres.sh start DIR PORT` creates and starts one
# (trust authentication, loopback only, socket in DIR) and prints its URL; `postgres.sh stop DIR`
# stops it. Uses Debian's PostgreSQL binaries; as root, the cluster runs as the postgres user.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/initdb" ] || { echo "postgres.sh: PostgreSQL is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "${1:-}" in
  start)
    dir=$(realpath -m "$2") port=$3
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null ||
      { cat "$dir/server.log" >&2; exit 1; }
    echo "postgres://postgres@127.0.0.1:$port"
    ;;
  stop)
    dir=$(realpath -m "$2")
    [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: postgres.sh start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
