#!/usr/bin/env bash
# Start a local RabbitMQ node for Pymar.Hosting development and tests.
#
#   deploy/rabbitmq/start-local.sh     # idempotent; fast no-op when running
#   deploy/rabbitmq/ctl.sh list_queues name messages
#   deploy/rabbitmq/stop-local.sh
#
# - installs Debian's rabbitmq-server if missing (without starting the
#   distribution's own service),
# - exits 0 at once if a broker already answers AMQP on 127.0.0.1:5672,
# - otherwise starts node pymar@localhost detached, AMQP on 127.0.0.1:5672
#   only, config deploy/rabbitmq/rabbitmq.conf, state and logs under
#   /var/tmp/pymar-rabbitmq, and waits (bounded) until it is ready.
# AMQP URL: amqp://guest:guest@127.0.0.1:5672/ (guest works on loopback).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=env.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/env.sh"

START_TIMEOUT="${PYMAR_RMQ_START_TIMEOUT:-90}"

log() { echo "rabbitmq: $*"; }

# ---------------------------------------------------------------- install
is_installed() {
    [ -x "$PYMAR_RMQ_BIN/rabbitmq-server" ] &&
        dpkg-query -W -f='${Status}' rabbitmq-server 2>/dev/null | grep -q 'install ok installed'
}

POLICY=/usr/sbin/policy-rc.d
POLICY_BACKUP="$POLICY.pymar-backup"
restore_policy() {
    rm -f "$POLICY"
    if [ -e "$POLICY_BACKUP" ]; then mv -f "$POLICY_BACKUP" "$POLICY"; fi
}

install_rabbitmq() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "rabbitmq: rabbitmq-server is not installed and this is not root; run: sudo $0" >&2
        exit 1
    fi
    log "installing rabbitmq-server (apt-get)…"
    local t0=$SECONDS
    # Forbid the package's postinst (invoke-rc.d) from starting the
    # distribution's own rabbitmq-server service: we run our own node.
    if [ -e "$POLICY" ] && [ ! -e "$POLICY_BACKUP" ]; then mv -f "$POLICY" "$POLICY_BACKUP"; fi
    printf '#!/bin/sh\n# temporary, written by pymar deploy/rabbitmq/start-local.sh\nexit 101\n' > "$POLICY"
    chmod 755 "$POLICY"
    trap restore_policy EXIT
    export DEBIAN_FRONTEND=noninteractive
    local apt_opts=(-o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
    mkdir -p "$PYMAR_RMQ_BASE"
    local apt_log="$PYMAR_RMQ_BASE/apt-install.log"
    if ! { apt-get "${apt_opts[@]}" update &&
           apt-get "${apt_opts[@]}" install -y --no-install-recommends rabbitmq-server; } \
           </dev/null >"$apt_log" 2>&1; then
        echo "rabbitmq: ERROR: apt-get failed; last 30 lines of $apt_log:" >&2
        tail -n 30 "$apt_log" >&2
        exit 1
    fi
    restore_policy
    trap - EXIT
    is_installed || { echo "rabbitmq: ERROR: rabbitmq-server still not installed" >&2; exit 1; }
    log "installed rabbitmq-server $(dpkg-query -W -f='${Version}' rabbitmq-server) in $((SECONDS - t0)) s"
}

is_installed || install_rabbitmq

# ------------------------------------------------------- already running?
if pymar_rmq_amqp_probe; then
    log "already running (a broker answers AMQP on $PYMAR_RMQ_HOST:$PYMAR_RMQ_PORT)"
    exit 0
fi

mkdir -p "$PYMAR_RMQ_BASE" "$RABBITMQ_MNESIA_BASE" "$RABBITMQ_LOG_BASE"
chmod 700 "$PYMAR_RMQ_BASE"

# Serialise concurrent start-local.sh runs (the lock fd is closed for the
# broker itself, see below).
exec 9>"$PYMAR_RMQ_BASE/start.lock"
if ! flock -w $((START_TIMEOUT + 30)) 9; then
    echo "rabbitmq: ERROR: another start-local.sh holds $PYMAR_RMQ_BASE/start.lock" >&2
    exit 1
fi
if pymar_rmq_amqp_probe; then
    log "already running (started concurrently)"
    exit 0
fi

# No plugins (management is not needed); our own, empty plugin list.
[ -f "$RABBITMQ_ENABLED_PLUGINS_FILE" ] || echo '[].' > "$RABBITMQ_ENABLED_PLUGINS_FILE"

LOG_FILE="$RABBITMQ_LOG_BASE/pymar-rabbitmq.log"          # log.file in rabbitmq.conf
STDOUT_LOG="$RABBITMQ_LOG_BASE/startup-stdout.log"

# Alive and not a zombie.
node_pid_alive() {
    [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null &&
        ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null
}

# Is our node up but its app stopped (stop_app) or still starting? Then do not
# launch a second VM with the same name; just wait for it below.
if timeout 20 "$PYMAR_RMQ_BIN/rabbitmqctl" -n "$PYMAR_RMQ_NODE" -q ping >/dev/null 2>&1; then
    launcher_pid=""
    booting="$(timeout 20 "$PYMAR_RMQ_BIN/rabbitmqctl" -n "$PYMAR_RMQ_NODE" -q eval 'rabbit:is_booting() orelse rabbit:is_running().' 2>/dev/null || true)"
    if [ "$booting" = "true" ]; then
        log "node $PYMAR_RMQ_NODE is up and starting; waiting…"
    else
        # The Erlang VM runs but the rabbit app was stopped (ctl.sh stop_app).
        log "node $PYMAR_RMQ_NODE is up but its app is stopped; running start_app…"
        timeout $((START_TIMEOUT + 5)) "$PYMAR_RMQ_BIN/rabbitmqctl" -n "$PYMAR_RMQ_NODE" -q start_app >/dev/null ||
            log "start_app failed; waiting anyway…"
    fi
else
    if pymar_rmq_tcp_probe; then
        echo "rabbitmq: ERROR: $PYMAR_RMQ_HOST:$PYMAR_RMQ_PORT is in use by something that does not answer AMQP" \
             "and is not node $PYMAR_RMQ_NODE:" >&2
        ss -ltnp "sport = :$PYMAR_RMQ_PORT" >&2 2>/dev/null || true
        exit 1
    fi
    log "starting $PYMAR_RMQ_NODE on $PYMAR_RMQ_HOST:$PYMAR_RMQ_PORT (base $PYMAR_RMQ_BASE)…"
    rm -f "$RABBITMQ_PID_FILE"
    : > "$STDOUT_LOG"
    # Detached: own session, no stdin, output to a file, lock fd closed. Started from /: the node resolves paths
    # against its working directory, and a test clone it was started from may be deleted while it runs.
    pushd / >/dev/null
    setsid nohup "$PYMAR_RMQ_BIN/rabbitmq-server" </dev/null >>"$STDOUT_LOG" 2>&1 9>&- &
    launcher_pid=$!
    popd >/dev/null
    {
        echo "node=$PYMAR_RMQ_NODE"
        echo "launcher_pid=$launcher_pid"
        echo "started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "repo_dir=$PYMAR_RMQ_DIR"
    } > "$PYMAR_RMQ_MARKER"
fi

# ------------------------------------------------------------------- wait
fail() {
    echo "rabbitmq: ERROR: $*" >&2
    # Our broker died during startup: the marker is stale.
    if [ -n "$launcher_pid" ] && ! node_pid_alive "$launcher_pid"; then rm -f "$PYMAR_RMQ_MARKER"; fi
    for f in "$LOG_FILE" "$STDOUT_LOG"; do
        if [ -s "$f" ]; then
            echo "---- last 30 lines of $f ----" >&2
            tail -n 30 "$f" >&2
        fi
    done
    exit 1
}

t0=$SECONDS
deadline=$((SECONDS + START_TIMEOUT))
ready=false
while [ "$SECONDS" -lt "$deadline" ]; do
    if [ -n "$launcher_pid" ] && ! node_pid_alive "$launcher_pid"; then
        wait "$launcher_pid" 2>/dev/null && rc=0 || rc=$?
        fail "rabbitmq-server exited (status $rc) during startup"
    fi
    left=$((deadline - SECONDS))
    [ "$left" -ge 1 ] || break
    if timeout $((left + 5)) "$PYMAR_RMQ_BIN/rabbitmqctl" -n "$PYMAR_RMQ_NODE" -q await_startup --timeout "$left" >/dev/null 2>&1 \
        && pymar_rmq_amqp_probe; then
        ready=true
        break
    fi
    sleep 1
done
$ready || fail "$PYMAR_RMQ_NODE did not become ready on $PYMAR_RMQ_HOST:$PYMAR_RMQ_PORT within ${START_TIMEOUT} s"

if [ -n "$launcher_pid" ]; then
    beam_pid="$(cat "$RABBITMQ_PID_FILE" 2>/dev/null || true)"
    [ -n "$beam_pid" ] || beam_pid="$(timeout 20 "$PYMAR_RMQ_BIN/rabbitmqctl" -n "$PYMAR_RMQ_NODE" -q eval 'os:getpid().' 2>/dev/null | tr -dc '0-9' || true)"
    echo "pid=$beam_pid" >> "$PYMAR_RMQ_MARKER"
    log "started $PYMAR_RMQ_NODE on $PYMAR_RMQ_HOST:$PYMAR_RMQ_PORT in $((SECONDS - t0)) s (pid ${beam_pid:-?}, log $LOG_FILE)"
else
    log "running $PYMAR_RMQ_NODE on $PYMAR_RMQ_HOST:$PYMAR_RMQ_PORT"
fi
log "AMQP URL amqp://guest:guest@$PYMAR_RMQ_HOST:$PYMAR_RMQ_PORT/ ; rabbitmqctl: $PYMAR_RMQ_DIR/ctl.sh <command> (e.g. list_queues name messages)"
