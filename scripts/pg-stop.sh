#!/usr/bin/env bash
# Stops the private PostgreSQL server that scripts/pg-start.sh started (idempotent).
set -euo pipefail
DIR="${JOINKEY_PG_DIR:-/tmp/joinkey-pg}"
BIN="${JOINKEY_PG_BIN:-/usr/lib/postgresql/15/bin}"
DATA="$DIR/data"
[ -x "$BIN/pg_ctl" ] && [ -s "$DATA/PG_VERSION" ] || exit 0
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
fi
if [ "${1:-}" = "--clean" ]; then rm -rf "$DIR"; fi
