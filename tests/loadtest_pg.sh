#!/usr/bin/env bash
# The load test against a real PostgreSQL: starts a throw-away server (Debian's `postgresql`
# package: initdb and pg_ctl in a temporary folder, as the unprivileged user `nobody` when run
# as root; a unix socket in that folder, no TCP), runs tests/loadtest_pg.rs against it, stops
# the server by its process id and removes the folder, whatever happens. Prints its wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
pgbin=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [ ! -x "$pgbin/initdb" ] || [ ! -x "$pgbin/pg_ctl" ]; then
  echo "tests/loadtest_pg.sh: no PostgreSQL server binaries under /usr/lib/postgresql/*/bin;" \
       "install them with: apt-get install -y postgresql   (.ci/run does this when missing)" >&2
  exit 1
fi
started=$(date +%s.%N)
tmp=$(mktemp -d /tmp/autoclose-pg.XXXXXX)
as=()
if [ "$(id -u)" -eq 0 ]; then
  chmod 0777 "$tmp"   # the server runs as nobody and writes its data and socket here
  as=(runuser -u nobody --)
fi
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -INT "$pid"   # fast shutdown of the postmaster, by its process id
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
"${as[@]}" "$pgbin/initdb" -D "$tmp/data" -U loadtest --auth=trust -E UTF8 --no-instructions >"$tmp/initdb.log" 2>&1 \
  || { cat "$tmp/initdb.log" >&2; exit 1; }
# Any port number names the socket file; with listen_addresses empty no TCP port is taken, so
# the number only has to be free among sockets in this private folder.
port=$(( 20000 + RANDOM % 20000 ))
"${as[@]}" "$pgbin/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 60 \
  -o "-k $tmp -p $port -c listen_addresses='' -c fsync=off -c synchronous_commit=off" start >/dev/null \
  || { cat "$tmp/server.log" >&2; exit 1; }
pid=$(head -n 1 "$tmp/data/postmaster.pid")
export AUTOCLOSE_PG_URL="postgresql:///postgres?host=$tmp&port=$port&user=loadtest"
cargo test --release --test loadtest_pg -- --nocapture
ended=$(date +%s.%N)
awk -v a="$started" -v b="$ended" 'BEGIN { printf "tests/loadtest_pg.sh: PostgreSQL load test passed in %.1f s (server start and stop included)\n", b - a }'
