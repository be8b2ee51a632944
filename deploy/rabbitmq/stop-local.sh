#!/usr/bin/env bash
# Stop the local RabbitMQ node, but only if deploy/rabbitmq/start-local.sh
# started it (marker /var/tmp/pymar-rabbitmq/started-by-pymar). A broker that
# somebody else started is left alone. Always exits 0 unless the node
# refuses to stop.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=env.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/env.sh"

STOP_TIMEOUT="${PYMAR_RMQ_STOP_TIMEOUT:-60}"

log() { echo "rabbitmq: $*"; }

if [ ! -f "$PYMAR_RMQ_MARKER" ]; then
    log "not started by start-local.sh (no $PYMAR_RMQ_MARKER); left the broker alone"
    exit 0
fi

marker_get() { sed -n "s/^$1=//p" "$PYMAR_RMQ_MARKER" | tail -n 1; }
node="$(marker_get node)"
node="${node:-$PYMAR_RMQ_NODE}"
pid="$(marker_get pid)"
launcher_pid="$(marker_get launcher_pid)"
[ -n "$pid" ] || pid="$(cat "$RABBITMQ_PID_FILE" 2>/dev/null || true)"

# Alive and not a zombie.
alive() {
    [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null &&
        ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null
}

if ! timeout 20 "$PYMAR_RMQ_BIN/rabbitmqctl" -n "$node" -q ping >/dev/null 2>&1 && ! alive "$pid"; then
    log "$node is not running; removing stale marker"
    rm -f "$PYMAR_RMQ_MARKER"
    exit 0
fi

log "stopping $node…"
t0=$SECONDS
# "stop <pid_file>" waits until the Erlang VM has exited.
if [ -n "$pid" ] && [ -f "$RABBITMQ_PID_FILE" ]; then
    timeout $((STOP_TIMEOUT + 5)) "$PYMAR_RMQ_BIN/rabbitmqctl" -n "$node" -q stop "$RABBITMQ_PID_FILE" >/dev/null 2>&1 || true
else
    timeout $((STOP_TIMEOUT + 5)) "$PYMAR_RMQ_BIN/rabbitmqctl" -n "$node" -q stop >/dev/null 2>&1 || true
fi

deadline=$((SECONDS + STOP_TIMEOUT))
while { alive "$pid" || alive "$launcher_pid"; } && [ "$SECONDS" -lt "$deadline" ]; do
    sleep 0.5
done
if alive "$pid"; then
    log "node did not exit within ${STOP_TIMEOUT} s; sending SIGTERM to pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do alive "$pid" || break; sleep 0.5; done
fi
if alive "$pid"; then
    echo "rabbitmq: ERROR: $node (pid $pid) is still running" >&2
    exit 1
fi

rm -f "$PYMAR_RMQ_MARKER"
log "stopped $node in $((SECONDS - t0)) s"
