#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for tests and benchmarks: initdb in DIR, listen on
# 127.0.0.1:PORT only, trust auth for local test use, real fsync. PostgreSQL refuses to run as
# root, so as root it runs as the `postgres` user.
#   scripts/pg-temp.sh start DIR   -> prints a postgresql:// URI on stdout
#   scripts/pg-temp.sh stop DIR
# env: CG_PG_TEMP_SETTINGS  more server settings for start, e.g. "-c shared_buffers=1GB"
set -euo pipefail

command=${1:?usage: pg-temp.sh start|stop DIR}
dir=${2:?usage: pg-temp.sh start|stop DIR}
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$pg_bin/initdb" ] || { echo "pg-temp: PostgreSQL server binaries not found" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# A loopback TCP port that binds now, chosen at random below the ephemeral port range
# (/proc/sys/net/ipv4/ip_local_port_range); tests/support/postgres_server.cpp does the same.
free_port() {
  python3 - <<'PY'
import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for _ in range(200):
    port = random.randrange(10000, low) if low > 11000 else 0
    probe = socket.socket()
    try:
        probe.bind(("127.0.0.1", port))
        print(probe.getsockname()[1])
        break
    except OSError:
        pass
    finally:
        probe.close()
PY
}

case "$command" in
  start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir" && chmod 700 "$dir"
    # `postgres` must be able to reach DIR: open up the parents it has to traverse.
    if [ "$(id -u)" -eq 0 ]; then
      parent=$(dirname "$dir")
      while [ "$parent" != "/" ]; do chmod o+x "$parent" 2>/dev/null || true; parent=$(dirname "$parent"); done
    fi
    as_owner "$pg_bin/initdb" -D "$dir/data" -A trust -U postgres --no-instructions -E UTF8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    # A port below the kernel's ephemeral range, so that no socket bound to port 0 and no
    # outgoing connection of a test running alongside can take it between the pick and the
    # server's bind (that happened in CI: "Address already in use"). Should another server pick
    # the same port meanwhile, the start is retried on a new one.
    started=0
    for _ in 1 2 3 4 5; do
      port=$(free_port)
      if as_owner "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c max_connections=200 ${CG_PG_TEMP_SETTINGS:-}" \
        start >/dev/null; then
        started=1
        break
      fi
      grep -q "Address already in use" "$dir/server.log" || break
    done
    [ "$started" = 1 ] || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres claimgate
    echo "$port" > "$dir/port"
    echo "postgresql://postgres@127.0.0.1:$port/claimgate"
    ;;
  stop)
    [ -d "$dir/data" ] || exit 0
    as_owner "$pg_bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: pg-temp.sh start|stop DIR" >&2
    exit 2
    ;;
esac
