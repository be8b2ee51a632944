# shellcheck shell=bash
# Shared settings of the 3-node RabbitMQ test cluster (deploy/cluster/*.sh). Sourced, not executed.
#
# The world, all on this machine and all private:
#   bridge   pymar-br0     10.77.0.254/24  (the root namespace: tests, producers, rabbitmqctl from here)
#   nodes    pymar-n1..3   10.77.0.1..3    RabbitMQ node rabbit@10.77.0.N, AMQP on :5672, dist on :25672
#   hosts    pymar-h-NAME  10.77.0.11..    worker hosts made by host.sh
# State, logs and the generated password live under PYMAR_CLUSTER_BASE (default /var/tmp/pymar-cluster).

PYMAR_CLUSTER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYMAR_CLUSTER_BASE="${PYMAR_CLUSTER_BASE:-/var/tmp/pymar-cluster}"
PYMAR_CLUSTER_NET=10.77.0
PYMAR_CLUSTER_BRIDGE=pymar-br0
PYMAR_CLUSTER_BRIDGE_IP="$PYMAR_CLUSTER_NET.254"
PYMAR_CLUSTER_NODES="1 2 3"
PYMAR_CLUSTER_USER=pymar
PYMAR_CLUSTER_PASSWORD_FILE="$PYMAR_CLUSTER_BASE/pymar.password"
PYMAR_CLUSTER_HOSTS_DIR="$PYMAR_CLUSTER_BASE/hosts"
# Written by start.sh once three nodes run; removed by stop.sh and by node.sh faults (start.sh's fast path).
PYMAR_CLUSTER_MARKER="$PYMAR_CLUSTER_BASE/running"
PYMAR_RMQ_BIN=/usr/lib/rabbitmq/bin

cluster_die() { echo "cluster: ERROR: $*" >&2; exit 1; }
cluster_log() { echo "cluster: $*"; }

cluster_require_root() {
    [ "$(id -u)" -eq 0 ] || cluster_die "the cluster scripts create network namespaces and a bridge: run them as root"
}

cluster_node_ip() { echo "$PYMAR_CLUSTER_NET.$1"; }
cluster_node_name() { echo "rabbit@$PYMAR_CLUSTER_NET.$1"; }
# The node to restart when the cluster is split: of the nodes another node reports a partition with, the one reported
# by the most others (a tie, as when two nodes each list the other: the lowest number). Prints nothing when no node
# reports a partition. $1: the output of rabbit_node_monitor:partitions(rabbit_nodes:all()).
cluster_split_node() {
    local partitions="${1//[$'\n\t ']/}" best="" best_count=0 n m list count
    for n in $PYMAR_CLUSTER_NODES; do
        count=0
        for m in $PYMAR_CLUSTER_NODES; do
            [ "$m" = "$n" ] && continue
            list="$(grep -o "{'$(cluster_node_name "$m")',\[[^]]*\]}" <<<"$partitions" || true)"
            grep -q "'$(cluster_node_name "$n")'" <<<"${list#*,}" && count=$((count + 1))
        done
        [ "$count" -gt "$best_count" ] && { best="$n"; best_count="$count"; }
    done
    echo "$best"
}
cluster_node_ns() { echo "pymar-n$1"; }
cluster_node_veth() { echo "pymar-vn$1"; }
cluster_node_base() { echo "$PYMAR_CLUSTER_BASE/n$1"; }

cluster_check_node_number() {
    case "${1:-}" in 1|2|3) ;; *) cluster_die "node must be 1, 2 or 3 (got '${1:-}')";; esac
}

# cluster_node_env N: exports the RabbitMQ environment of node N (node-private dirs, long names over the node's
# address). The same HOME (so the same Erlang cookie) for every node and for rabbitmqctl.
cluster_node_env() {
    local n="$1" base ip
    base="$(cluster_node_base "$n")"
    ip="$(cluster_node_ip "$n")"
    export HOME="$PYMAR_CLUSTER_BASE"
    export RABBITMQ_NODENAME
    RABBITMQ_NODENAME="$(cluster_node_name "$n")"
    export RABBITMQ_USE_LONGNAME=true
    export RABBITMQ_CONFIG_FILE="$PYMAR_CLUSTER_BASE/rabbitmq.conf"
    export RABBITMQ_ADVANCED_CONFIG_FILE="$PYMAR_CLUSTER_BASE/advanced.config"
    export RABBITMQ_CONF_ENV_FILE="$base/rabbitmq-env.conf"
    export RABBITMQ_ENABLED_PLUGINS_FILE="$PYMAR_CLUSTER_BASE/enabled_plugins"
    export RABBITMQ_MNESIA_BASE="$base/mnesia"
    export RABBITMQ_LOG_BASE="$base/log"
    export RABBITMQ_PID_FILE="$base/beam.pid"
    export RABBITMQ_NODE_PORT=5672
    export RABBITMQ_DIST_PORT=25672
    local erl_ip="{${ip//./,}}"
    export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface $erl_ip"
    export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface $erl_ip"
    unset ERL_EPMD_ADDRESS
}

# cluster_in_node N CMD…: runs CMD inside node N's namespace with node N's environment (in a subshell).
cluster_in_node() {
    local n="$1"; shift
    ( cluster_node_env "$n"; exec ip netns exec "$(cluster_node_ns "$n")" "$@" )
}

# cluster_ctl N ARGS…: rabbitmqctl against node N, from inside its namespace, bounded by CLUSTER_CTL_TIMEOUT seconds.
cluster_ctl() {
    local n="$1"; shift
    cluster_in_node "$n" timeout "${CLUSTER_CTL_TIMEOUT:-60}" "$PYMAR_RMQ_BIN/rabbitmqctl" -n "$(cluster_node_name "$n")" "$@"
}

# cluster_node_beam_pid N: the pid of node N's Erlang VM (the beam.smp in its namespace), empty when none runs.
cluster_node_beam_pid() {
    local p
    for p in $(ip netns pids "$(cluster_node_ns "$1")" 2>/dev/null); do
        if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = beam.smp ]; then echo "$p"; return 0; fi
    done
}

# cluster_amqp_probe IP: something on IP:5672 answers the AMQP 0-9-1 header (from the root namespace). ~3 s at most.
cluster_amqp_probe() {
    # shellcheck disable=SC2016
    timeout 3 bash -c '
        exec 3<>/dev/tcp/'"$1"'/5672 || exit 1
        printf "AMQP\x00\x00\x09\x01" >&3
        first=$(head -c 1 <&3 | od -An -tx1 | tr -d " \n")
        [ "$first" = "01" ]' 2>/dev/null
}

# cluster_link NS VETH IP: creates namespace NS with loopback up and eth0 = IP/24 on the bridge (idempotent).
cluster_link() {
    local ns="$1" veth="$2" ip="$3"
    ip netns list | grep -qw "^$ns" || ip netns add "$ns"
    ip netns exec "$ns" ip link set lo up
    if ! ip link show "$veth" >/dev/null 2>&1; then
        ip link add "$veth" type veth peer name eth0 netns "$ns"
    fi
    ip link set "$veth" master "$PYMAR_CLUSTER_BRIDGE"
    ip link set "$veth" up
    ip netns exec "$ns" ip addr replace "$ip/24" dev eth0
    ip netns exec "$ns" ip link set eth0 up
}
