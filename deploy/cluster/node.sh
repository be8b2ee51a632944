#!/usr/bin/env bash
# Faults and control for one node of the test cluster (deploy/cluster/start.sh).
#
#   deploy/cluster/node.sh N kill       # SIGKILL the node's Erlang VM (beam.smp): a crash, no goodbye
#   deploy/cluster/node.sh N stop       # stop the node cleanly (rabbitmqctl stop)
#   deploy/cluster/node.sh N start      # start it again (it rejoins the cluster); waits until it runs
#   deploy/cluster/node.sh N partition  # cut the node's link to the bridge (its veth down)
#   deploy/cluster/node.sh N heal       # restore the link
#   deploy/cluster/node.sh N ctl ARGS…  # rabbitmqctl against node N, e.g. `1 ctl cluster_status`
#   deploy/cluster/node.sh N status     # prints "running" or "down"
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=env.sh
. "$here/env.sh"
cluster_require_root
[ $# -ge 2 ] || cluster_die "usage: $0 N kill|stop|start|partition|heal|status|ctl ARGS…"
n="$1"; action="$2"; shift 2
cluster_check_node_number "$n"
name="$(cluster_node_name "$n")"
case "$action" in kill|stop|partition) rm -f "$PYMAR_CLUSTER_MARKER";; esac

case "$action" in
    kill)
        pid="$(cluster_node_beam_pid "$n")"
        [ -n "$pid" ] || cluster_die "node $n ($name) has no running Erlang VM to kill"
        kill -KILL "$pid"
        # Bounded wait until the VM is gone.
        for _ in $(seq 1 100); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
        [ ! -d "/proc/$pid" ] || cluster_die "node $n ($name): beam.smp $pid still alive after SIGKILL"
        cluster_log "killed $name (beam.smp pid $pid)"
        ;;
    stop)
        pid="$(cluster_node_beam_pid "$n")"
        if [ -n "$pid" ]; then
            CLUSTER_CTL_TIMEOUT=60 cluster_ctl "$n" -q stop >/dev/null || cluster_die "node $n ($name) did not stop"
            # rabbitmqctl stop returns while the VM still halts: wait (bounded) until it is gone, so that a start
            # right after does not take the halting VM for a running node.
            for _ in $(seq 1 300); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
            [ ! -d "/proc/$pid" ] || cluster_die "node $n ($name): beam.smp $pid still running 30 s after rabbitmqctl stop"
        fi
        cluster_log "stopped $name"
        ;;
    start)
        # start.sh starts only the nodes that are not running, then waits for all three.
        "$here/start.sh" >/dev/null
        cluster_log "started $name"
        ;;
    partition)
        ip link set "$(cluster_node_veth "$n")" down
        cluster_log "partitioned $name (link $(cluster_node_veth "$n") down)"
        ;;
    heal)
        ip link set "$(cluster_node_veth "$n")" up
        cluster_log "healed $name (link $(cluster_node_veth "$n") up)"
        ;;
    status)
        if [ -n "$(cluster_node_beam_pid "$n")" ] && CLUSTER_CTL_TIMEOUT=15 cluster_ctl "$n" -q await_startup --timeout 5 >/dev/null 2>&1; then
            echo running
        else
            echo down
        fi
        ;;
    ctl)
        cluster_ctl "$n" "$@"
        ;;
    *) cluster_die "unknown action '$action' (kill|stop|start|partition|heal|status|ctl)";;
esac
