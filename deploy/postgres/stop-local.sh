#!/usr/bin/env bash
# Stop the local PostgreSQL cluster, but only if deploy/postgres/start-local.sh started it (marker
# /var/tmp/pymar-postgres/started-by-pymar). A server somebody else started is left alone. The data stays (the
# next start-local.sh reuses it); remove /var/tmp/pymar-postgres to start from nothing.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=env.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/env.sh"

STOP_TIMEOUT="${PYMAR_PG_STOP_TIMEOUT:-60}"

log() { echo "postgres: $*"; }

if [ ! -f "$PYMAR_PG_MARKER" ]; then
    log "not started by start-local.sh (no $PYMAR_PG_MARKER); left the server alone"
    exit 0
fi

marker_get() { sed -n "s/^$1=//p" "$PYMAR_PG_MARKER" | tail -n 1; }
data="$(marker_get data)"
bin="$(marker_get bin)"
data="${data:-$PYMAR_PG_DATA}"
[ -x "$bin/pg_ctl" ] || bin="$(pymar_pg_bin)"

if [ -z "$bin" ] || ! (cd / && pymar_pg_as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1); then
    log "not running; removing stale marker"
    rm -f "$PYMAR_PG_MARKER"
    exit 0
fi

log "stopping the cluster in $data…"
t0=$SECONDS
if ! (cd / && pymar_pg_as_owner "$bin/pg_ctl" -D "$data" -m fast -w -t "$STOP_TIMEOUT" stop >/dev/null); then
    echo "postgres: ERROR: the cluster in $data did not stop within $STOP_TIMEOUT s" >&2
    exit 1
fi
rm -f "$PYMAR_PG_MARKER"
log "stopped in $((SECONDS - t0)) s"
