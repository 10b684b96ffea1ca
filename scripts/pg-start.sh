#!/usr/bin/env bash
# Starts a private PostgreSQL 15 server for the integration tests (idempotent).
# Debian's server refuses to run as root, so it runs as the postgres user with its own data dir,
# port and socket dir. Prints only the connection settings (no secrets: trust auth, local only).
#   JOINKEY_PG_PORT   port (default 55432)
#   JOINKEY_PG_DIR    state dir holding data/ and the socket (default /tmp/joinkey-pg)
#   JOINKEY_PG_BIN    server binaries (default /usr/lib/postgresql/15/bin)
set -euo pipefail
PORT="${JOINKEY_PG_PORT:-55432}"
DIR="${JOINKEY_PG_DIR:-/tmp/joinkey-pg}"
BIN="${JOINKEY_PG_BIN:-/usr/lib/postgresql/15/bin}"
DATA="$DIR/data"
LOG="$DIR/server.log"

if [ ! -x "$BIN/pg_ctl" ]; then
  echo "pg-start: no PostgreSQL server binaries at $BIN (apt-get install postgresql-15)" >&2
  exit 3
fi
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
mkdir -p "$DIR"
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$DIR"; fi
chmod 700 "$DIR"
if [ ! -s "$DATA/PG_VERSION" ]; then
  as_pg "$BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
    || as_pg "$BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --no-locale >"$DIR/initdb.log" 2>&1
fi
if ! as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  as_pg "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 30 \
    -o "-k $DIR -p $PORT -c listen_addresses='' -c fsync=off" start >/dev/null
fi
# shell-quoted, so that `eval "$(scripts/pg-start.sh | sed 's/^/export /')"` works
echo "PGHOST='$DIR'"
echo "PGPORT='$PORT'"
echo "PGUSER='postgres'"
echo "JOINKEY_PG_URL='postgresql://postgres@/postgres?host=$DIR&port=$PORT'"
